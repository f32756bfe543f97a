/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer wheel: one per scheduler, ticks of one millisecond.
 *
 * A hashed wheel of BL_WHEEL_SLOTS slots: a timer lives in slot
 * (expiry mod slots) on an intrusive doubly linked list, so arming and
 * cancelling are O(1) and need no memory (the node is inside the process or
 * the send_after entry). Advancing one tick looks only at the timers in one
 * slot; a timer further away than one revolution is looked at once per
 * revolution and stays. No scan of all processes, ever. See docs/processes.md
 * for why this instead of rte_timer.
 *
 * Ticks are uint32_t milliseconds compared with wrap-around arithmetic, so a
 * timer may be at most 2^31 ms (24 days) away. Owner lcore only.
 */
#ifndef BL_ACTORS_TIMER_H
#define BL_ACTORS_TIMER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BL_WHEEL_SLOTS 1024u

/* Timer node kinds (who embeds the node). */
enum bl_tnode_kind {
	BL_TNODE_PROC = 1, /* struct bl_proc: receive timeout / hibernate after idle */
	BL_TNODE_SEND,	   /* struct bl_timer: send_after */
	BL_TNODE_CALL,	   /* struct bl_timer: a call's timeout (actors/call.c) */
	BL_TNODE_WAKE,	   /* struct bl_timer: the end of a bl_sleep (actors/flow.c) */
};

struct bl_tnode {
	struct bl_tnode *next;
	struct bl_tnode *prev; /* NULL when not armed */
	uint32_t expires;
	uint32_t kind;
};

struct bl_wheel {
	struct bl_tnode *slot[BL_WHEEL_SLOTS];
	uint32_t now;	/* last tick processed */
	uint32_t armed; /* timers on the wheel */
};

static inline int bl_tick_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline int bl_tnode_armed(const struct bl_tnode *t)
{
	return t->prev != NULL;
}

void bl_wheel_init(struct bl_wheel *w, uint32_t now);

/* Arm t to fire at tick `expires` (past ticks fire at the next advance). */
void bl_wheel_arm(struct bl_wheel *w, struct bl_tnode *t, uint32_t expires);

/* Disarm t if armed. */
void bl_wheel_cancel(struct bl_wheel *w, struct bl_tnode *t);

/*
 * Advance to tick `now`, calling fire(arg, t) for each expired timer after
 * taking it off the wheel (fire may re-arm it). Returns the number fired.
 */
unsigned bl_wheel_advance(struct bl_wheel *w, uint32_t now,
			  void (*fire)(void *arg, struct bl_tnode *t), void *arg);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_TIMER_H */
