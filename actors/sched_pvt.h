/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scheduler internals the inline deliver paths of actors/sched.h need:
 * process lookup, the run queue, pinning, the mailbox put, local delivery
 * and the outbound buffers towards other lcores (bl__: actors/ only).
 *
 * Do not include this file directly, nor call these from outside actors/:
 * include actors/sched.h and use bl_sched_deliver*. Internals the inline
 * paths do not need are in actors/internal.h.
 */
#ifndef BL_ACTORS_SCHED_PVT_H
#define BL_ACTORS_SCHED_PVT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "actors/sched_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- internals the inline paths need (bl__: this folder only) --- */

void bl__proc_mark_exit(struct bl_sched *s, struct bl_proc *p, struct bl_reason reason);
void bl__outbuf_flush(struct bl_sched *s, struct bl_sched *d, struct bl_outbuf *ob);
/* msg went into p's mailbox past its limit (policy block): stop whoever
 * sent it (actors/flow.c). */
void bl__flow_over_limit(struct bl_sched *s, struct bl_proc *p, const struct bl_msg *msg);
/* What ends a turn, past its counts, for a process with more to do than
 * wait (actors/proc.c). */
void bl__turn_end_more(struct bl_sched *s, struct bl_proc *p);
/* The messages of frame node f handled one by one (handle_message), in a
 * turn of p's; an exit asked for mid-frame leaves the rest. Returns how
 * many were handled (actors/proc.c). */
unsigned bl__frame_each(struct bl_sched *s, struct bl_proc *p, struct bl_ctx *c, struct bl_msg *f);

/* The live process for pid on this lcore, or NULL. Owner. */
static inline struct bl_proc *bl__proc_get(struct bl_sched *s, uint64_t pid)
{
	uint32_t slot = bl_pid_slot(pid);
	struct bl_proc *p;

	if (unlikely(slot >= s->cap))
		return NULL;
	p = &s->procs[slot];
	if (unlikely(p->pid != pid || p->status == BL_PROC_FREE || p->status == BL_PROC_EXITING))
		return NULL;
	return p;
}

static inline void bl__runq_push(struct bl_sched *s, struct bl_proc *p)
{
	p->runq_next = NULL;
	if (s->runq_tail != NULL)
		s->runq_tail->runq_next = p;
	else
		s->runq_head = p;
	s->runq_tail = p;
	s->runq_len++;
	p->flags |= BL_PF_RUNQ;
	if (p->status != BL_PROC_RUNNING && p->status != BL_PROC_EXITING)
		p->status = BL_PROC_RUNNABLE;
}

static inline void bl__pin(struct bl_sched *s, struct bl_proc *p, const struct rte_mbuf *m)
{
	p->pinned_bytes += bl_bin_pin_size(m);
	s->pinned_total += bl_bin_pin_size(m);
}

static inline void bl__unpin(struct bl_sched *s, struct bl_proc *p, const struct rte_mbuf *m)
{
	p->pinned_bytes -= bl_bin_pin_size(m);
	s->pinned_total -= bl_bin_pin_size(m);
}

/*
 * A frame to a behaviour that takes it whole (handle_frame), in a turn of
 * p's. What it reads of the frame is its own business (forward reads no
 * payload at all): nothing prefetched.
 */
static __rte_always_inline void bl__frame_whole(struct bl_sched *s, struct bl_proc *p,
						struct bl_ctx *c, struct bl_msg *f)
{
	s->cur_key = 0;
	s->turn_frame = f; /* lendable while the handler runs */
	p->beh->handle_frame(c, f);
	s->turn_frame = NULL;
	s->frame_turns++;
	if (p->heap.scratch != NULL)
		bl_heap_scratch_reset(&s->chunks, &p->heap);
}

/* What ends every turn that handled n messages: the counts, the process's
 * state after it, and its place in the run queue. */
static __rte_always_inline void bl__turn_end(struct bl_sched *s, struct bl_proc *p, unsigned n)
{
	p->reductions += n;
	s->handled += n;
	if (likely(!(p->flags & (BL_PF_TIMED | BL_PF_EXIT_PENDING | BL_PF_HIBERNATE |
				 BL_PF_WAITERS | BL_PF_TIMEOUT_DUE)) &&
		   p->mbox.len == 0)) {
		p->status = BL_PROC_WAITING; /* and nothing else to do */
		return;
	}
	bl__turn_end_more(s, p);
}

/*
 * Frame node f (on the caller's stack, its mbuf reference the caller's)
 * handled by p at once (bl_sched_deliver_frame_now), as the turn it would
 * get next: whole (handle_frame) or message by message. The reference is
 * released after, unless the turn lent it (bl_sched_lend_frame).
 */
static __rte_always_inline void bl__proc_frame_now(struct bl_sched *s, struct bl_proc *p,
						   struct bl_msg *f)
{
	struct bl_ctx c = { s, p };
	unsigned n = f->aux;

	p->status = BL_PROC_RUNNING;
	s->cur_proc = p;
	if (likely(p->beh->handle_frame != NULL)) {
		bl__frame_whole(s, p, &c, f);
	} else {
		n = bl__frame_each(s, p, &c, f);
		s->drops[BL_SDROP_EXITED] += f->aux - n; /* an exit mid-frame */
	}
	if (!(f->flags & BL_MSG_F_LENT))
		rte_pktmbuf_free(f->bin.m);
	bl__turn_end(s, p, n);
}

/* Free a node that left p's mailbox (handled or dropped). */
static inline void bl__msg_done(struct bl_sched *s, struct bl_proc *p, struct bl_msg *msg)
{
	if (msg->bin.m != NULL) {
		bl__unpin(s, p, msg->bin.m);
		if (msg->flags & BL_MSG_F_LENT) {
			msg->bin.m = NULL; /* the borrower's now */
			msg->flags &= (uint16_t)~BL_MSG_F_LENT;
		}
	}
	bl_msg_free(&s->msgs, msg);
}

/* Queue msg (filled in) on p, applying p's overflow policy. */
static __rte_always_inline int bl__mailbox_put(struct bl_sched *s, struct bl_proc *p,
					       struct bl_msg *msg)
{
	struct bl_msg *victim = NULL;

	switch (bl_mailbox_push(&p->mbox, msg, (enum bl_overflow)p->overflow, &victim)) {
	case BL_MBOX_OK:
		break;
	case BL_MBOX_OVER_LIMIT:
		bl__flow_over_limit(s, p, msg);
		break;
	case BL_MBOX_DROPPED_OLDEST:
		p->drops += bl_msg_weight(victim);
		s->drops[BL_SDROP_MAILBOX_FULL] += bl_msg_weight(victim);
		s->mbox_total--;
		bl__msg_done(s, p, victim);
		break;
	case BL_MBOX_OVERFLOW:
		p->drops += bl_msg_weight(msg);
		s->drops[BL_SDROP_MAILBOX_FULL] += bl_msg_weight(msg);
		bl_msg_free(&s->msgs, msg);
		bl__proc_mark_exit(s, p, bl_reason_make(BL_EXIT_MAILBOX_OVERFLOW));
		return -ENOBUFS;
	default:
		p->drops += bl_msg_weight(msg);
		/* From the wire to a block mailbox at its cap: its source was
		 * paused (actors/flow.c) and went on. */
		s->drops[(msg->flags & BL_MSG_F_NET) && p->overflow == BL_OVERFLOW_BLOCK
			     ? BL_SDROP_FLOW_CONTROL
			     : BL_SDROP_MAILBOX_FULL] += bl_msg_weight(msg);
		bl_msg_free(&s->msgs, msg);
		return -ENOBUFS;
	}
	s->mbox_total++;
	if (msg->bin.m != NULL)
		bl__pin(s, p, msg->bin.m);
	/* A running process is re-queued by its own turn (never queued twice);
	 * a blocked one when it is let go. */
	if (!(p->flags & (BL_PF_RUNQ | BL_PF_BLOCKED)) && p->status != BL_PROC_RUNNING)
		bl__runq_push(s, p);
	return 0;
}

/*
 * Deliver a data message to a process of this lcore. owned: the caller
 * gives one reference to m (consumed whatever happens); otherwise a
 * reference is taken if one is needed. Payloads <= BL_BIN_INLINE_MAX are
 * copied into the node and need none.
 */
static __rte_always_inline int bl__deliver_local(struct bl_sched *s, uint64_t dst, uint64_t src,
						 uint64_t key, uint16_t flags, struct rte_mbuf *m,
						 uint32_t off, uint32_t len, bool owned)
{
	struct bl_proc *p = bl__proc_get(s, dst);
	struct bl_msg *msg;

	if (unlikely(p == NULL)) {
		s->drops[BL_SDROP_DEAD_PID]++;
		if (owned && m != NULL)
			rte_pktmbuf_free(m);
		return -ESRCH;
	}
	msg = bl_msg_alloc(&s->msgs);
	if (unlikely(msg == NULL)) {
		s->drops[BL_SDROP_NO_MSG_BUF]++;
		if (owned && m != NULL)
			rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	msg->src = src;
	msg->key = key;
	msg->type = flags & BL_MSG_F_CALL ? BL_MSG_CALL : BL_MSG_DATA;
	msg->flags = flags;
	msg->aux = 0;
	msg->rx_tsc = s->stamp | (flags & BL_MSG_F_FANOUT ? 1u : 0u);
	msg->bin.len = len;
	if (len <= BL_BIN_INLINE_MAX || m == NULL) {
		if (m != NULL && len != 0)
			memcpy(msg->u.inl, rte_pktmbuf_mtod_offset(m, const void *, off), len);
		else
			msg->bin.len = 0; /* no mbuf: no payload */
		msg->bin.m = NULL;
		if (owned && m != NULL)
			rte_pktmbuf_free(m);
	} else {
		if (!owned)
			rte_mbuf_refcnt_update(m, 1);
		msg->bin.m = m;
		msg->bin.off = off;
	}
	return bl__mailbox_put(s, p, msg);
}

/* A data message for another lcore: bytes [off, off+len) of m (its reference in x). */
static inline void bl__xmsg_data(struct bl_xmsg *x, uint64_t dst, uint64_t src, uint64_t key,
				 struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t flags)
{
	x->dst = dst;
	x->src = src;
	x->key = key;
	x->m = m;
	x->off = off;
	x->len = len;
	x->type = BL_X_DATA;
	x->flags = flags;
	x->code = 0;
	x->detail = 0;
	x->ptr = NULL;
}

/* Hand x to dst's lcore (buffered, see struct bl_outbuf). Consumes x->m's reference. */
static inline int bl__post_remote(struct bl_sched *s, const struct bl_xmsg *x)
{
	struct bl_sched *d = s->set->by_lcore[bl_pid_lcore(x->dst) % RTE_MAX_LCORE];
	struct bl_outbuf *ob;

	if (unlikely(d == NULL || s->idx >= d->n_lcores || d->idx >= s->n_lcores)) {
		s->drops[BL_SDROP_UNKNOWN_LCORE]++;
		goto drop;
	}
	ob = &s->out[d->idx];
	if (unlikely(ob->n == BL_OUT_BURST)) {
		/* Still full from a ring that was full: try once more, else drop. */
		bl__outbuf_flush(s, d, ob);
		if (ob->n == BL_OUT_BURST) {
			s->drops[BL_SDROP_RING_FULL]++;
			goto drop;
		}
	}
	ob->x[ob->n++] = *x;
	if (ob->n == BL_OUT_BURST)
		bl__outbuf_flush(s, d, ob);
	return 0;
drop:
	if (x->m != NULL)
		rte_pktmbuf_free(x->m);
	return -ENOBUFS;
}

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_SCHED_PVT_H */
