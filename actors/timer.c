/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hashed timer wheel (see timer.h).
 *
 * Each slot is a doubly linked list whose head pointer lives in the wheel;
 * a node's prev points to the previous node, or to the slot's head cell cast
 * as a node for the first one, so unlinking never needs the slot index.
 * Advancing detaches a slot's whole list first, then fires or re-files each
 * node: a callback that re-arms into the slot being processed cannot loop.
 * A jump of a revolution or more visits every slot once against the target
 * tick instead of stepping tick by tick, so catching up is bounded too.
 */
#include <stddef.h>
#include <string.h>

#include "actors/timer.h"

/* The head cell posing as a node: only its `next` field is ever touched. */
static struct bl_tnode *head_node(struct bl_tnode **cell)
{
	return (struct bl_tnode *)((char *)cell - offsetof(struct bl_tnode, next));
}

void bl_wheel_init(struct bl_wheel *w, uint32_t now)
{
	memset(w, 0, sizeof(*w));
	w->now = now;
}

void bl_wheel_arm(struct bl_wheel *w, struct bl_tnode *t, uint32_t expires)
{
	struct bl_tnode **cell;

	if (bl_tnode_armed(t))
		bl_wheel_cancel(w, t);
	/* A tick already processed goes to the next one. */
	if (!bl_tick_before(w->now, expires))
		expires = w->now + 1;
	t->expires = expires;
	cell = &w->slot[expires & (BL_WHEEL_SLOTS - 1)];
	t->next = *cell;
	if (t->next != NULL)
		t->next->prev = t;
	t->prev = head_node(cell);
	*cell = t;
	w->armed++;
}

void bl_wheel_cancel(struct bl_wheel *w, struct bl_tnode *t)
{
	if (!bl_tnode_armed(t))
		return;
	t->prev->next = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	w->armed--;
}

static unsigned process_slot(struct bl_wheel *w, uint32_t slot, uint32_t now,
			     void (*fire)(void *, struct bl_tnode *), void *arg)
{
	struct bl_tnode *t = w->slot[slot];
	unsigned n = 0;

	w->slot[slot] = NULL;
	while (t != NULL) {
		struct bl_tnode *next = t->next;

		t->prev = t->next = NULL;
		w->armed--;
		if (bl_tick_before(now, t->expires)) {
			/* Not this revolution: put it back (its slot is this one). */
			uint32_t exp = t->expires;
			struct bl_tnode **cell = &w->slot[slot];

			t->next = *cell;
			if (t->next != NULL)
				t->next->prev = t;
			t->prev = head_node(cell);
			*cell = t;
			t->expires = exp;
			w->armed++;
		} else {
			fire(arg, t);
			n++;
		}
		t = next;
	}
	return n;
}

unsigned bl_wheel_advance(struct bl_wheel *w, uint32_t now,
			  void (*fire)(void *arg, struct bl_tnode *t), void *arg)
{
	unsigned n = 0;
	uint32_t s;

	if (!bl_tick_before(w->now, now))
		return 0;
	if (w->armed == 0) {
		w->now = now;
		return 0;
	}
	if (now - w->now >= BL_WHEEL_SLOTS) {
		w->now = now;
		for (s = 0; s < BL_WHEEL_SLOTS; s++)
			n += process_slot(w, s, now, fire, arg);
		return n;
	}
	while (w->now != now) {
		w->now++;
		n += process_slot(w, w->now & (BL_WHEEL_SLOTS - 1), w->now, fire, arg);
	}
	return n;
}
