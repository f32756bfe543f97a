/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * table.list, table.info, table.get: the shared tables (ETS) processes
 * made, read by the control thread as any reader does (RCU-online inside
 * the handler, no lock, no lcore asked). A private table's entries are its
 * owner's alone: table.get refuses them, its figures still show.
 *
 * A key is typed by its table: a table of uint64_t keys (BL_ETS_F_KEY_U64)
 * takes an integer, or a decimal or 0x-hex string; any other takes the
 * string's bytes (an integer as its decimal text). A value shows as its
 * length, its bytes in hex, its text when every byte is printable, and as
 * an integer in a table of uint64_t values.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actors/ets.h"
#include "control/args.h"
#include "control/errors.h"
#include "control/online.h"
#include "control/proc_cmds_pvt.h"

static json_t *info_json(const struct bl_ets_info *in, bool full)
{
	json_t *o = json_object();
	char id[32];

	snprintf(id, sizeof(id), "0x%" PRIx64, in->id);
	json_object_set_new(o, "name", json_string(in->name));
	json_object_set_new(o, "type", json_string(bl_ets_type_names[in->type]));
	json_object_set_new(o, "access", json_string(bl_ets_access_names[in->access]));
	json_object_set_new(o, "owner", in->owner != 0 ? bl__pid_json(in->owner) : json_null());
	json_object_set_new(o, "entries", json_integer((json_int_t)in->entries));
	json_object_set_new(o, "bytes", json_integer((json_int_t)in->bytes));
	json_object_set_new(o, "memory", json_integer((json_int_t)in->memory));
	if (!full)
		return o;
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "heir", in->heir != 0 ? bl__pid_json(in->heir) : json_null());
	json_object_set_new(o, "max_entries", json_integer(in->max_entries));
	json_object_set_new(o, "max_bytes", json_integer((json_int_t)in->max_bytes));
	json_object_set_new(o, "refused", json_integer((json_int_t)in->refused));
	json_object_set_new(o, "keys", json_string(in->flags & BL_ETS_F_KEY_U64 ? "u64" : "bytes"));
	json_object_set_new(o, "values",
			    json_string(in->flags & BL_ETS_F_VALUE_U64 ? "u64" : "bytes"));
	return o;
}

static int list_one(void *arg, const struct bl_ets_info *in)
{
	json_array_append_new(arg, info_json(in, false));
	return 0;
}

static int cmd_table_list(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_proc_cmds *pc = arg;
	struct bl_ets_totals t;
	json_t *a;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	a = json_array();
	bl_ets_foreach(pc->r->ets, list_one, a);
	bl_ets_totals_get(pc->r->ets, &t);
	json_object_set_new(reply, "tables", a);
	json_object_set_new(reply, "count", json_integer(t.tables));
	json_object_set_new(reply, "max_tables", json_integer(t.max_tables));
	return 0;
}

/* The table the request's "name" names: its id and figures, or -ENOENT. */
static int table_named(struct bl_proc_cmds *pc, struct bl_args *a, struct bl_ets_info *in,
		       char *errmsg, size_t errlen)
{
	const char *name;
	uint64_t id;

	if (bl_args_name(a, "name", BL_ARG_REQUIRED, &name) != 0)
		return -EINVAL;
	id = bl_ets_find(pc->r->ets, name);
	if (id == 0 || bl_ets_info_of(pc->r->ets, id, in) != 0) {
		bl_err_set(errmsg, errlen, "no table named %s", name);
		return -ENOENT;
	}
	return 0;
}

static int cmd_table_info(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "name", NULL };
	struct bl_ets_info in;
	struct bl_args a;
	json_t *o;
	int rc;

	rc = bl_args_open_request(&a, req, fields, errmsg, errlen);
	if (rc == 0)
		rc = table_named(arg, &a, &in, errmsg, errlen);
	if (rc != 0)
		return rc;
	o = info_json(&in, true);
	json_object_update(reply, o);
	json_decref(o);
	return 0;
}

/* The request's key, as the table takes it, into buf: its length, or -EINVAL. */
static int key_of(const json_t *v, const struct bl_ets_info *in, uint8_t *buf, char *errmsg,
		  size_t errlen)
{
	char text[32];
	const char *s;
	size_t n;

	if (in->flags & BL_ETS_F_KEY_U64) {
		uint64_t k;
		char *end;

		if (json_is_integer(v) && json_integer_value(v) >= 0) {
			k = (uint64_t)json_integer_value(v);
		} else if (json_is_string(v) && json_string_value(v)[0] != '\0' &&
			   json_string_value(v)[0] != '-') {
			errno = 0;
			k = strtoull(json_string_value(v), &end, 0);
			if (errno != 0 || *end != '\0')
				goto bad;
		} else {
			goto bad;
		}
		memcpy(buf, &k, sizeof(k));
		return (int)sizeof(k);
	}
	if (json_is_integer(v)) {
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = text;
	} else if (json_is_string(v)) {
		s = json_string_value(v);
	} else {
		goto bad;
	}
	n = strlen(s);
	if (n == 0 || n > BL_ETS_KEY_MAX)
		goto bad;
	memcpy(buf, s, n);
	return (int)n;
bad:
	bl_err_set(errmsg, errlen, "table.get: bad key for table %s: expected %s", in->name,
		   in->flags & BL_ETS_F_KEY_U64 ? "an unsigned integer (decimal or 0x-hex)"
						: "1..64 bytes of text");
	return -EINVAL;
}

struct get_job {
	json_t *values;
	bool u64;
};

static int value_one(void *arg, const void *val, uint32_t len)
{
	static const char hexd[] = "0123456789abcdef";
	struct get_job *j = arg;
	const uint8_t *b = val;
	json_t *o = json_object();
	char *hex = malloc((size_t)len * 2 + 1);
	bool text = true;

	json_object_set_new(o, "bytes", json_integer(len));
	if (j->u64 && len == sizeof(uint64_t)) {
		uint64_t v;

		memcpy(&v, val, sizeof(v));
		json_object_set_new(o, "value", json_integer((json_int_t)v));
	}
	for (uint32_t i = 0; hex != NULL && i < len; i++) {
		hex[2 * i] = hexd[b[i] >> 4];
		hex[2 * i + 1] = hexd[b[i] & 15];
		text &= b[i] >= 0x20 && b[i] < 0x7f;
	}
	if (hex != NULL) {
		hex[2 * (size_t)len] = '\0';
		json_object_set_new(o, "hex", json_string(hex));
	}
	if (text && len != 0)
		json_object_set_new(o, "text", json_stringn((const char *)val, len));
	free(hex);
	json_array_append_new(j->values, o);
	return 0;
}

static int cmd_table_get(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "name", "key", NULL };
	struct bl_proc_cmds *pc = arg;
	uint8_t key[BL_ETS_KEY_MAX];
	struct bl_ets_info in;
	struct get_job j;
	struct bl_args a;
	const json_t *k = json_object_get(req, "key");
	int rc, klen;

	rc = bl_args_open_request(&a, req, fields, errmsg, errlen);
	if (rc == 0)
		rc = table_named(pc, &a, &in, errmsg, errlen);
	if (rc != 0)
		return rc;
	if (k == NULL) {
		bl_err_set(errmsg, errlen, "table.get: missing key");
		return -EINVAL;
	}
	klen = key_of(k, &in, key, errmsg, errlen);
	if (klen < 0)
		return klen;
	j.values = json_array();
	j.u64 = (in.flags & BL_ETS_F_VALUE_U64) != 0;
	rc = bl_ets_read(pc->r->ets, in.id, key, (uint32_t)klen, value_one, &j);
	if (rc <= 0) {
		json_decref(j.values);
		if (rc == -EACCES) {
			bl_err_set(errmsg, errlen,
				   "table %s is private: only its owner reads its entries",
				   in.name);
			return -EPERM;
		}
		bl_err_set(errmsg, errlen, rc == 0 ? "no such key in table %s" : "table %s went",
			   in.name);
		return -ENOENT;
	}
	json_object_set_new(reply, "name", json_string(in.name));
	json_object_set_new(reply, "type", json_string(bl_ets_type_names[in.type]));
	json_object_set(reply, "key", (json_t *)k);
	json_object_set_new(reply, "values", j.values);
	return 0;
}

BL_ONLINE(cmd_table_list)
BL_ONLINE(cmd_table_info)
BL_ONLINE(cmd_table_get)

int bl__table_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc)
{
	static const struct {
		const char *name;
		bl_ctl_handler fn;
		const char *help;
	} cmds[] = {
		{ "table.list", cmd_table_list_online, "shared tables: owner, entries, bytes" },
		{ "table.info", cmd_table_info_online, "one shared table: owner, heir, bounds" },
		{ "table.get", cmd_table_get_online, "a key's values in a shared table" },
	};
	int ret;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ret = bl_ctl_register(c, cmds[i].name, cmds[i].fn, pc, cmds[i].help);
		if (ret != 0)
			return ret;
	}
	return 0;
}
