/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tally, version 2.0.0: counts messages and their bytes. Its state has a
 * new layout (struct tally_v2); a process that ran version 1 moves to this
 * code at its next turn, and code_change migrates its state there: the
 * count so far is kept, and remembered as what version 1 had counted.
 *
 * code_change knows how to migrate from 1.x only: from any other version
 * it refuses (-ENOTSUP), and the process exits with reason upgrade_failed
 * (its supervisor, if any, starts it again on this version). Build it with
 * -DTALLY_VERSION='"2.1.0"' to see that: 2.0.0 -> 2.1.0 is refused.
 */
#include <errno.h>
#include <string.h>

#include <beamline/behaviour.h>

#ifndef TALLY_VERSION
#define TALLY_VERSION "2.0.0"
#endif

struct tally_v1 { /* version 1's state, as it left it */
	uint64_t seen;
};

struct tally_v2 {
	uint64_t seen;	  /* messages handled, by every version */
	uint64_t bytes;	  /* their payload bytes, since this version */
	uint64_t from_v1; /* what version 1 had counted when the process moved */
};

static int tally_init(struct bl_ctx *c, void *args)
{
	struct tally_v2 *t = bl_alloc(c, sizeof(*t));

	(void)args;
	if (t == NULL)
		return -ENOMEM;
	memset(t, 0, sizeof(*t));
	bl_set_state(c, t);
	return 0;
}

static int tally_code_change(struct bl_ctx *c, void *old_state, const char *old_version)
{
	const struct tally_v1 *old = old_state;
	struct tally_v2 *t;

	if (strncmp(old_version, "1.", 2) != 0)
		return -ENOTSUP; /* a layout this code does not know */
	t = bl_alloc(c, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->seen = old->seen;
	t->bytes = 0;
	t->from_v1 = old->seen;
	bl_set_state(c, t);
	bl_free(c, old_state, sizeof(*old));
	return 0;
}

static void tally_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct tally_v2 *t = bl_state(c);

	t->seen++;
	t->bytes += bl_msg_len(m);
}

static unsigned tally_info(const void *state, struct bl_info_kv *kv, unsigned max)
{
	const struct tally_v2 *t = state;

	if (max < 3)
		return 0;
	kv[0].name = "seen";
	kv[0].value = t->seen;
	kv[1].name = "bytes";
	kv[1].value = t->bytes;
	kv[2].name = "from_v1";
	kv[2].value = t->from_v1;
	return 3;
}

BL_BEHAVIOUR_MODULE("tally", TALLY_VERSION, .summary = "counts messages and bytes",
		    .init = tally_init, .handle_message = tally_msg, .info = tally_info,
		    .code_change = tally_code_change);
