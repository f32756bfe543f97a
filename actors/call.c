/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Calls: a request that owes a reply, with a reference and a timeout, as
 * gen_server:call, but without blocking: bl_call returns the reference and
 * the answer comes back to handle_reply as a message of its own.
 *
 * A call is three things the caller holds and one the callee holds:
 * - a BL_PEER_CALLING entry in the caller's peer list (callee pid, ref, the
 *   timer's index);
 * - a timer from the lcore's pool (BL_TNODE_CALL), unless the call has no
 *   timeout;
 * - a monitor of the callee, by the call's reference: the callee's
 *   BL_PEER_MONITORED_BY entry, set by a BL_X_MONITOR sent just before the
 *   request, so a callee that is gone answers DOWN at once and one that
 *   exits before replying answers DOWN then; either ends the call with
 *   BL_CALL_NOPROC and the exit reason (link.c hands such a DOWN here);
 * - the request itself, a BL_MSG_CALL message that carries the low 32 bits
 *   of the reference (its tag) in aux.
 * bl_reply sends a BL_MSG_REPLY with the same tag and drops the callee's
 * monitor entry (a call from another node, BL_MSG_F_CALL, has neither: its
 * answer leaves for the relay token it came from, as data, and the stand-in
 * there that passed the call on replies to the caller, actors/remote.c); the first of reply,
 * timeout and DOWN to reach the caller ends the call (entry, timer and, on a timeout, the callee's
 * monitor by a DEMONITOR). What comes after is late: a reply is dropped and counted late_reply, a
 * DOWN is ignored. A tag is matched only among the caller's pending calls, so 32 bits tell them
 * apart.
 *
 * Requests and replies travel as data does: inline in the node on one
 * lcore, in an mbuf across lcores (BL_X_CALL, BL_X_REPLY), in order with
 * the monitor signal before them. Owner lcore only.
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "actors/internal.h"

const char *const bl_call_status_names[BL_CALL_STATUS_MAX] = {
	"ok",
	"timeout",
	"noproc",
};

/* A CALLING entry's pad: its timer entry's index + 1 (0: none), and this
 * bit for a task's call, whose timeout kills the task. */
#define CALL_TASK 0x80000000u

/* A call's timer entry, from the peer entry's pad, or NULL. */
static struct bl_timer *call_timer(struct bl_sched *s, const struct bl_peer *e)
{
	uint32_t idx = e->pad & ~CALL_TASK;

	if (idx == 0 || idx > s->n_timers)
		return NULL;
	return &s->timers[idx - 1];
}

/*
 * A request or a reply to dst: into its node when dst is on this lcore and
 * the bytes fit, else in an mbuf (m, owned, or copied from data into a new
 * one). Counted under its reason when it cannot be handed on.
 */
static int typed_deliver(struct bl_sched *s, uint64_t dst, uint64_t src, uint64_t key,
			 uint16_t type, uint32_t tag, const void *data, struct rte_mbuf *m,
			 uint32_t off, uint32_t len)
{
	struct bl_proc *p = bl__proc_get(s, dst);
	struct bl_msg *msg;

	if (p == NULL) {
		s->drops[BL_SDROP_DEAD_PID]++;
		rte_pktmbuf_free(m);
		return -ESRCH;
	}
	msg = bl_msg_alloc(&s->msgs);
	if (msg == NULL) {
		s->drops[BL_SDROP_NO_MSG_BUF]++;
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	msg->src = src;
	msg->key = key;
	msg->type = type;
	msg->flags = 0;
	msg->aux = tag;
	msg->rx_tsc = s->stamp;
	msg->bin.len = len;
	msg->bin.m = NULL;
	if (m == NULL) {
		if (len != 0)
			memcpy(msg->u.inl, data, len);
	} else if (len <= BL_BIN_INLINE_MAX) {
		if (len != 0)
			memcpy(msg->u.inl, rte_pktmbuf_mtod_offset(m, const void *, off), len);
		rte_pktmbuf_free(m);
	} else {
		msg->bin.m = m;
		msg->bin.off = off;
	}
	return bl__mailbox_put(s, p, msg);
}

static int typed_send(struct bl_sched *s, uint64_t dst, uint64_t src, uint64_t key, uint16_t type,
		      uint32_t tag, const void *data, uint32_t len)
{
	bool local = bl_pid_lcore(dst) == s->lcore;
	struct rte_mbuf *m;
	struct bl_xmsg x;

	if (local && len <= BL_BIN_INLINE_MAX)
		return typed_deliver(s, dst, src, key, type, tag, data, NULL, 0, len);
	m = bl__bytes_mbuf(s, data, len);
	if (m == NULL)
		return -errno;
	if (local)
		return typed_deliver(s, dst, src, key, type, tag, NULL, m, 0, len);
	bl__xmsg_init(&x, type == BL_MSG_CALL ? BL_X_CALL : BL_X_REPLY, dst, src, key);
	x.rx_tsc = s->stamp;
	x.m = m;
	x.len = len;
	x.ptr = (const void *)(uintptr_t)tag;
	return bl__post_remote(s, &x);
}

void bl__call_xmsg(struct bl_sched *s, const struct bl_xmsg *x)
{
	uint64_t keep = s->stamp;

	s->stamp = x->rx_tsc;
	(void)typed_deliver(s, x->dst, x->src, x->key,
			    x->type == BL_X_CALL ? BL_MSG_CALL : BL_MSG_REPLY,
			    (uint32_t)(uintptr_t)x->ptr, NULL, x->m, x->off, x->len);
	s->stamp = keep;
}

/* The call `e` (already off p's list) ends without a reply: tell p. */
static void call_failed(struct bl_sched *s, struct bl_proc *p, const struct bl_peer *e,
			uint32_t status, struct bl_reason reason)
{
	struct bl_msg *m = bl__sysmsg(s, p, BL_MSG_CALL_FAILED, e->pid, e->ref, reason);

	if (m != NULL)
		m->aux = status;
}

uint64_t bl_call(struct bl_ctx *c, uint64_t to, uint64_t key, const void *data, uint32_t len,
		 uint32_t timeout_ms)
{
	return bl__call_start(c, to, key, data, len, timeout_ms, false);
}

uint64_t bl__call_start(struct bl_ctx *c, uint64_t to, uint64_t key, const void *data, uint32_t len,
			uint32_t timeout_ms, bool task)
{
	struct bl_sched *s = c->s;
	struct bl_proc *p = c->p;
	struct bl_timer *t = NULL;
	struct bl_peer done;
	struct bl_xmsg x;
	uint64_t ref;
	int rc;

	if (to == BL_PID_NONE || (data == NULL && len != 0) ||
	    (timeout_ms > INT32_MAX && timeout_ms != BL_CALL_INFINITY)) {
		errno = EINVAL;
		return 0;
	}
	if (to == p->pid) {
		errno = EDEADLK;
		return 0;
	}
	if (timeout_ms != BL_CALL_INFINITY) {
		t = bl__timer_take(s, BL_TNODE_CALL);
		if (t == NULL) {
			errno = ENOSPC;
			return 0;
		}
	}
	ref = bl__new_ref(s);
	rc = bl__peer_add(s, p, BL_PEER_CALLING, to, ref);
	if (rc != 0) {
		if (t != NULL)
			bl__timer_put(s, t);
		errno = -rc;
		return 0;
	}
	if (task)
		p->peers->pad = CALL_TASK; /* bl__peer_add put it first */
	if (t != NULL) {
		p->peers->pad |= (uint32_t)(t - s->timers + 1);
		t->dst = p->pid;
		t->src = to;
		t->key = ref;
		t->len = 0;
		/* One tick more than asked: the clock counts whole ms and may have
		 * been read earlier in this run, so the timeout is never short. */
		bl_wheel_arm(&s->wheel, &t->node, bl__now_run(s) + timeout_ms + 1);
	}
	bl__xmsg_init(&x, BL_X_MONITOR, to, p->pid, ref);
	bl__signal(s, &x);
	/* A callee of this lcore that is gone has answered already: no request. */
	if (bl_pid_lcore(to) == s->lcore && bl__proc_get(s, to) == NULL)
		return ref;
	rc = typed_send(s, to, p->pid, key, BL_MSG_CALL, (uint32_t)ref, data, len);
	if (rc != 0) {
		/* Not handed on (counted): no call, and the monitor goes. */
		if (bl__peer_del_tag(s, p, BL_PEER_CALLING, BL_PID_NONE, (uint32_t)ref, &done))
			bl__call_abandon(s, p, &done);
		errno = -rc;
		return 0;
	}
	return ref;
}

/* The answer to a call from another node: data to its relay token. */
static int reply_node(struct bl_ctx *c, const struct bl_msg *call, uint64_t key, const void *data,
		      uint32_t len)
{
	struct bl_msg a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.type = BL_MSG_DATA;
	a.key = key;
	a.src = c->p->pid;
	a.bin.len = len;
	if (len <= BL_BIN_INLINE_MAX) {
		if (len != 0)
			memcpy(a.u.inl, data, len);
	} else {
		a.bin.m = bl__bytes_mbuf(c->s, data, len);
		if (a.bin.m == NULL)
			return -errno;
	}
	rc = bl_transmit(c, call->src, &a);
	rte_pktmbuf_free(a.bin.m); /* the transmit path copied what it sent */
	return rc;
}

int bl_reply(struct bl_ctx *c, const struct bl_msg *call, uint64_t key, const void *data,
	     uint32_t len)
{
	struct bl_peer gone;

	if (call == NULL || call->type != BL_MSG_CALL || (data == NULL && len != 0))
		return -EINVAL;
	if (call->flags & BL_MSG_F_CALL)
		return reply_node(c, call, key, data, len);
	/* The caller's monitor of us ends with the answer. */
	(void)bl__peer_del_tag(c->s, c->p, BL_PEER_MONITORED_BY, call->src, call->aux, &gone);
	return typed_send(c->s, call->src, c->p->pid, key, BL_MSG_REPLY, call->aux, data, len);
}

void bl__call_abandon(struct bl_sched *s, struct bl_proc *p, const struct bl_peer *e)
{
	struct bl_timer *t = call_timer(s, e);
	struct bl_xmsg x;

	if (t != NULL)
		bl__timer_put(s, t);
	bl__xmsg_init(&x, BL_X_DEMONITOR, e->pid, p->pid, e->ref);
	bl__signal(s, &x);
}

void bl__call_timer_fire(struct bl_sched *s, struct bl_timer *t)
{
	uint32_t slot = bl_pid_slot(t->dst);
	struct bl_proc *p = slot < s->cap ? &s->procs[slot] : NULL;
	uint64_t ref = t->key;
	struct bl_peer e;

	/*
	 * The caller holds the entry until its teardown gives the timer back
	 * (bl__call_abandon), so it is alive or exiting, not yet torn down:
	 * take the entry off its list whatever its state, so that the timer
	 * goes back once. An exiting caller gets no answer.
	 */
	if (p == NULL || p->pid != t->dst || p->status == BL_PROC_FREE ||
	    !bl__peer_del_tag(s, p, BL_PEER_CALLING, BL_PID_NONE, (uint32_t)ref, &e)) {
		bl__timer_put(s, t);
		return;
	}
	if (e.pad & CALL_TASK) {
		struct bl_xmsg x;

		/* A task out of time is killed: its heap goes now. */
		bl__xmsg_init(&x, BL_X_EXIT_SIGNAL, e.pid, p->pid, 0);
		bl__xmsg_set_reason(&x, bl_reason_make(BL_EXIT_KILL));
		bl__signal(s, &x);
	}
	bl__call_abandon(s, p, &e);
	if (p->status != BL_PROC_EXITING && !(p->flags & BL_PF_EXIT_PENDING))
		call_failed(s, p, &e, BL_CALL_TIMEOUT, bl_reason_make(BL_EXIT_NORMAL));
}

bool bl__call_down(struct bl_sched *s, struct bl_proc *p, const struct bl_xmsg *x)
{
	struct bl_peer e;
	struct bl_timer *t;

	if (!bl__peer_del_tag(s, p, BL_PEER_CALLING, x->src, (uint32_t)x->key, &e))
		return false; /* answered, timed out or abandoned already */
	t = call_timer(s, &e);
	if (t != NULL)
		bl__timer_put(s, t);
	call_failed(s, p, &e, BL_CALL_NOPROC, bl__xmsg_reason(x));
	return true;
}

void bl__reply_turn(struct bl_sched *s, struct bl_proc *p, struct bl_ctx *c, struct bl_msg *m)
{
	struct bl_reply r;
	struct bl_peer e;

	if (m->type == BL_MSG_REPLY) {
		struct bl_timer *t;

		if (!bl__peer_del_tag(s, p, BL_PEER_CALLING, BL_PID_NONE, m->aux, &e)) {
			s->drops[BL_SDROP_LATE_REPLY]++;
			return;
		}
		t = call_timer(s, &e);
		if (t != NULL)
			bl__timer_put(s, t);
		r.ref = e.ref;
		r.from = m->src;
		r.status = BL_CALL_OK;
		r.reason = bl_reason_make(BL_EXIT_NORMAL);
		r.m = m;
	} else {
		r.ref = m->key;
		r.from = m->src;
		r.status = m->aux;
		r.reason = m->u.reason;
		r.m = NULL;
	}
	if (p->beh->handle_reply != NULL)
		p->beh->handle_reply(c, &r);
	else
		s->drops[BL_SDROP_UNHANDLED_REPLY]++;
}
