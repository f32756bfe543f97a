/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ets_counter: counts messages per key in a shared table, the ETS example
 * (docs/processes.md, "Shared tables"). The first ets_counter of a table
 * name creates it (a set of uint64_t counts by uint64_t message key,
 * public unless told otherwise, with an optional heir); the next ones with
 * the same name find it and count into it too, from any lcore: concurrent
 * bl_ets_update_counter calls lose no increment. Any process reads the
 * counts without asking the owner, and so does `beamctl table get`; a
 * call to an ets_counter answers with the key's count read from the table.
 *
 * A table that went (its owner exited without an heir) is created again
 * by the next message; one inherited comes as a BL_MSG_ETS_TRANSFER.
 * info: counted, refused (the table's bounds or access), inherited, owner
 * (1 while this process owns the table).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "actors/behaviours.h"
#include "actors/ets.h"
#include "actors/internal.h"
#include "actors/registry.h"

struct ets_counter_state {
	char table[BL_NAME_MAX];
	char heir[BL_NAME_MAX];
	uint32_t access;
	uint32_t max_entries;
	uint64_t tab;
	uint64_t counted, refused, inherited;
};

/* The table: found by name, or created (owned by this process). */
static uint64_t table_of(struct bl_ctx *c, struct ets_counter_state *st)
{
	struct bl_ets_opts o;

	st->tab = bl_ets_whereis(c, st->table);
	if (st->tab != 0)
		return st->tab;
	memset(&o, 0, sizeof(o));
	o.type = BL_ETS_SET;
	o.access = st->access;
	o.flags = BL_ETS_F_KEY_U64 | BL_ETS_F_VALUE_U64;
	o.max_entries = st->max_entries;
	if (st->heir[0] != '\0' && c->s->registry != NULL) {
		o.heir = bl_registry_whereis(c->s->registry, st->heir, sizeof(st->heir));
		if (o.heir == bl_self(c))
			o.heir = BL_PID_NONE;
	}
	st->tab = bl_ets_new(c, st->table, &o);
	return st->tab;
}

static int ets_counter_init(struct bl_ctx *c, void *arg)
{
	const struct bl_ets_counter_args *a = arg;
	struct ets_counter_state *st;

	if (a == NULL)
		return -EINVAL;
	st = bl_alloc(c, sizeof(*st));
	if (st == NULL)
		return -errno;
	memset(st, 0, sizeof(*st));
	memcpy(st->table, a->table, sizeof(st->table));
	st->table[BL_NAME_MAX - 1] = '\0';
	memcpy(st->heir, a->heir, sizeof(st->heir));
	st->heir[BL_NAME_MAX - 1] = '\0';
	st->access = a->access == BL_ETS_COUNTER_PROTECTED ? BL_ETS_PROTECTED : BL_ETS_PUBLIC;
	st->max_entries = a->max_entries;
	bl_set_state(c, st);
	if (table_of(c, st) == 0)
		return errno != 0 ? -errno : -EINVAL;
	return 0;
}

static void ets_counter_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct ets_counter_state *st = bl_state(c);
	uint64_t key = m->key, n = 0;
	char text[64];
	int len, rc;

	if (m->type == BL_MSG_ETS_TRANSFER) {
		st->inherited++;
		st->tab = m->key;
		return;
	}
	if (m->type == BL_MSG_CALL) {
		rc = bl_ets_lookup(c, st->tab, &key, sizeof(key), &n, sizeof(n));
		len = snprintf(text, sizeof(text), "key %" PRIu64 ": %" PRIu64, key,
			       rc == (int)sizeof(n) ? n : 0);
		(void)bl_reply(c, m, key, text, (uint32_t)len);
		return;
	}
	rc = bl_ets_update_counter(c, st->tab, &key, sizeof(key), 1, NULL);
	if (rc == -EBADF && table_of(c, st) != 0) /* the table went: a new one */
		rc = bl_ets_update_counter(c, st->tab, &key, sizeof(key), 1, NULL);
	if (rc == 0)
		st->counted++;
	else
		st->refused++;
}

static unsigned ets_counter_info(const void *state, struct bl_info_kv *kv, unsigned max)
{
	const struct ets_counter_state *st = state;
	const struct bl_info_kv all[] = {
		{ "counted", st->counted },
		{ "refused", st->refused },
		{ "inherited", st->inherited },
		{ "table_id", st->tab },
	};
	unsigned n = 0;

	for (; n < max && n < sizeof(all) / sizeof(all[0]); n++)
		kv[n] = all[n];
	return n;
}

const struct bl_behaviour bl_ets_counter_behaviour = {
	.name = "ets_counter",
	.init = ets_counter_init,
	.handle_message = ets_counter_msg,
	.info = ets_counter_info,
};

static const char *const access_words[] = { "public", "protected", NULL };

static const struct bl_field ets_counter_fields[] = {
	BL_FIELD(struct bl_ets_counter_args, table, BL_FIELD_NAME, BL_REQUIRED,
		 "the table's name: created if no table has it"),
	BL_FIELD_WORDS(struct bl_ets_counter_args, access, "public", access_words,
		       "who may write a table it creates"),
	BL_FIELD(struct bl_ets_counter_args, heir, BL_FIELD_STRING, "",
		 "a registered name that inherits a table it creates"),
	BL_FIELD_RANGE(struct bl_ets_counter_args, max_entries, BL_FIELD_U64, "16384", 1,
		       BL_ETS_ENTRIES_MAX, "keys a table it creates holds at most"),
};

BL_BEHAVIOUR_DESC(bl_ets_counter_desc, "ets_counter", "1.0",
		  .summary = "counts messages per key in a shared table any process reads",
		  .init = ets_counter_init, .handle_message = ets_counter_msg,
		  .info = ets_counter_info,
		  BL_SCHEMA(struct bl_ets_counter_args, ets_counter_fields));
