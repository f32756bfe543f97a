/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An example behaviour: a meter. It counts the messages it gets, and when a
 * second passes without one it reports the count to a collector process
 * (key 1, the count as 8 bytes) and hibernates. It also keeps the payload of
 * the last message (by reference when large: the pinned bytes show in
 * `beamctl info`), and answers a message with key 0 by sending that payload
 * back to the sender.
 *
 * Built and run by tests/actors/test_example.c; docs/processes.md walks
 * through it. It uses the router's internal headers, so it runs inside the
 * router's own build; a behaviour for a running daemon is a module built
 * against the behaviour SDK instead (docs/behaviours.md), loaded with
 * `beamctl load`, and spawned by name with its arguments.
 */
#include <errno.h>
#include <stdint.h>

#include "actors/actors.h"

struct meter_args {
	uint64_t collector; /* pid that gets the reports */
};

struct meter {
	uint64_t collector;
	uint64_t count;
	struct bl_kbin *last; /* the last payload, kept in the process */
};

static int meter_init(struct bl_ctx *c, void *arg)
{
	const struct meter_args *a = arg;
	struct meter *m = bl_alloc(c, sizeof(*m)); /* in the process's own heap */

	if (m == NULL)
		return -errno; /* refuse: the spawn fails */
	m->collector = a != NULL ? a->collector : BL_PID_NONE;
	m->count = 0;
	m->last = NULL;
	bl_set_state(c, m);
	bl_set_timeout(c, 1000); /* handle_timeout after 1 s without a message */
	return 0;
}

static void meter_message(struct bl_ctx *c, const struct bl_msg *msg)
{
	struct meter *m = bl_state(c);

	if (msg->key == 0) {
		/* A question: answer with the last payload kept, if any. */
		if (m->last != NULL && !(msg->flags & BL_MSG_F_NET))
			bl_send(c, msg->src, 0, bl_kbin_data(m->last), bl_kbin_len(m->last));
		return;
	}
	m->count++;
	if (m->last != NULL)
		bl_bin_drop(c, m->last); /* unpins (or frees) the previous one */
	/* Kept binaries go with the process when it exits: no terminate needed. */
	m->last = bl_msg_keep(c, msg); /* NULL on heap_limit: the process then exits */
}

static void meter_timeout(struct bl_ctx *c)
{
	struct meter *m = bl_state(c);

	if (m->collector != BL_PID_NONE)
		bl_send(c, m->collector, 1, &m->count, sizeof(m->count));
	m->count = 0;
	bl_hibernate(c); /* idle: give back every chunk not in use */
}

const struct bl_behaviour meter_behaviour = {
	.name = "meter",
	.init = meter_init,
	.handle_message = meter_message,
	.handle_timeout = meter_timeout,
};
