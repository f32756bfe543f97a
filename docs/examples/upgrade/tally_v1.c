/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tally, version 1.0.0: counts the messages it gets and shows the count in
 * `beamctl info`. Its state is one counter. tally_v2.c is the next
 * version, upgraded into a running router with `beamctl upgrade`;
 * docs/behaviours.md walks through both, and the Makefile here builds them
 * against an installed beamline.
 */
#include <errno.h>
#include <string.h>

#include <beamline/behaviour.h>

struct tally_v1 {
	uint64_t seen; /* messages handled */
};

static int tally_init(struct bl_ctx *c, void *args)
{
	struct tally_v1 *t = bl_alloc(c, sizeof(*t)); /* in the process's own heap */

	(void)args;
	if (t == NULL)
		return -ENOMEM;
	memset(t, 0, sizeof(*t));
	bl_set_state(c, t);
	return 0;
}

static void tally_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct tally_v1 *t = bl_state(c);

	(void)m;
	t->seen++;
}

static unsigned tally_info(const void *state, struct bl_info_kv *kv, unsigned max)
{
	const struct tally_v1 *t = state;

	if (max < 1)
		return 0;
	kv[0].name = "seen";
	kv[0].value = t->seen;
	return 1;
}

BL_BEHAVIOUR_MODULE("tally", "1.0.0", .summary = "counts messages", .init = tally_init,
		    .handle_message = tally_msg, .info = tally_info);
