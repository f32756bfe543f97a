/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test process that transmits each message it gets to its `dest` (a hop,
 * a source token, a node's name), keeping what bl_transmit said: spawn it
 * with bl_proc_spawn(sched, sender_behaviour(), &st, NULL).
 */
#ifndef BL_TESTS_DATAPLANE_SENDER_TEST_H
#define BL_TESTS_DATAPLANE_SENDER_TEST_H

#include <stdint.h>

#include "actors/proc.h"

struct sender {
	uint64_t dest;
	int rc;
};

static inline int sender_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static inline void sender_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct sender *st = bl_state(c);

	st->rc = bl_transmit(c, st->dest, m);
}

static inline const struct bl_behaviour *sender_behaviour(void)
{
	static const struct bl_behaviour b = {
		.name = "sender",
		.init = sender_init,
		.handle_message = sender_msg,
	};

	return &b;
}

#endif /* BL_TESTS_DATAPLANE_SENDER_TEST_H */
