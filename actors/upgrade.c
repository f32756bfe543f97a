/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live upgrade on the lcores: moving a process to its behaviour's newer
 * version, and killing the processes of a version being purged.
 *
 * Design note. The catalog (control thread) publishes a new version by
 * setting the old version's behaviour's next pointer, with release order,
 * once the new version is whole (catalog.c, bl_catalog_upgrade). A turn
 * reads that pointer once, before its first message (proc.c,
 * bl__proc_turn): a process changes code only between turns, never inside
 * a handler, and the per-message path does not change. The move counts
 * the process on the new version before its code_change runs and off the
 * old one only after it returned (release: pairs with bl_catalog_procs),
 * so the old module, whose string literals the old state may point to,
 * stays loaded until every code_change from it has returned. An idle
 * process has no next turn of its own: the upgrade gives every process of
 * the old version one (bl_sched_wake_behaviour, sent to each lcore by the
 * control thread), so none stays on old code for want of a message.
 */
#include "actors/internal.h"

int bl__proc_upgrade(struct bl_sched *s, struct bl_proc *p)
{
	const struct bl_behaviour *old = p->beh, *nb = bl__behaviour_newest(old);
	struct bl_ctx c = { s, p };
	int rc = 0;

	if (nb->live != NULL)
		bl__live_add(nb->live, s->lcore, 1);
	p->beh = nb;
	if (nb->code_change != NULL) {
		p->status = BL_PROC_RUNNING;
		s->cur_proc = NULL;
		s->stamp = 0;
		rc = nb->code_change(&c, p->state, old->version != NULL ? old->version : "");
		if (p->heap.scratch != NULL)
			bl_heap_scratch_reset(&s->chunks, &p->heap);
	}
	if (old->live != NULL)
		bl__live_add(old->live, s->lcore, -1);
	s->upgraded++;
	if (rc == 0 && !(p->flags & BL_PF_EXIT_PENDING))
		return 0;
	/* The state is in neither layout for sure: no terminate. */
	p->flags |= BL_PF_EXIT_PENDING;
	p->exit_reason = bl_reason_make(BL_EXIT_UPGRADE_FAILED);
	bl__proc_teardown(s, p, false);
	return -ECANCELED;
}

unsigned bl_sched_kill_behaviour(struct bl_sched *s, const struct bl_behaviour *beh,
				 struct bl_reason reason)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < s->cap; i++) {
		struct bl_proc *p = &s->procs[i];

		if (p->status == BL_PROC_FREE || p->beh != beh || (p->flags & BL_PF_EXIT_PENDING))
			continue;
		bl__proc_mark_exit(s, p, reason);
		n++;
	}
	return n;
}

unsigned bl_sched_wake_behaviour(struct bl_sched *s, const struct bl_behaviour *beh)
{
	unsigned n = 0;

	if (__atomic_load_n(&beh->next, __ATOMIC_ACQUIRE) == NULL)
		return 0; /* the newest: nowhere to move */

	for (uint32_t i = 0; i < s->cap; i++) {
		struct bl_proc *p = &s->procs[i];

		/* Queued ones move at the turn they wait for; blocked ones at the
		 * turn their release gives them (flow.c); a running one is the
		 * caller's own and re-queues itself. */
		if (p->status == BL_PROC_FREE || p->status == BL_PROC_RUNNING || p->beh != beh ||
		    (p->flags & (BL_PF_RUNQ | BL_PF_BLOCKED | BL_PF_EXIT_PENDING)))
			continue;
		bl__runq_push(s, p);
		n++;
	}
	return n;
}
