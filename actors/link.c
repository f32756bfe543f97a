/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Links, monitors and exit signals, on one lcore or across lcores.
 *
 * Every signal is a struct bl_xmsg. bl__signal hands it to the destination:
 * directly when the destination is on this lcore (its effect is at most
 * "queue a message" or "mark exit pending", so there is no recursion), or
 * through the same per-(sender, receiver) SP/SC ring as data, so signals
 * and messages from one process to another stay in order.
 *
 * Bookkeeping is a short list of struct bl_peer in the owner's heap:
 *   LINK (both sides), MONITORING (the watcher: pid, ref),
 *   MONITORED_BY (the watched: watcher pid, ref).
 * At exit a process sends EXIT to each link, DOWN to each watcher and
 * DEMONITOR to each process it watches, so the other side's list never keeps
 * an entry for it. A LINK or MONITOR that reaches a dead pid is answered
 * with EXIT or DOWN, reason noproc, as Erlang does.
 */
#include <stdlib.h>

#include "actors/internal.h"

const char *const bl_sched_drop_names[BL_SDROP_MAX] = {
	"dead_pid",	"unknown_lcore",   "ring_full",	     "no_msg_buf",     "no_mbuf",
	"mailbox_full", "tx_failed",	   "signal_to_dead", "unhandled_exit", "exited",
	"late_reply",	"unhandled_reply", "breaker_open",   "flow_control",
};

void bl__signal(struct bl_sched *s, const struct bl_xmsg *x)
{
	if (bl_pid_lcore(x->dst) == s->lcore)
		bl__handle_xmsg(s, x);
	else
		(void)bl__post_remote(s, x);
}

static void signal_reason(struct bl_sched *s, uint16_t type, uint64_t dst, uint64_t src,
			  uint64_t key, struct bl_reason r)
{
	struct bl_xmsg x;

	bl__xmsg_init(&x, type, dst, src, key);
	bl__xmsg_set_reason(&x, r);
	bl__signal(s, &x);
}

static struct bl_peer *peer_find(struct bl_proc *p, uint32_t kind, uint64_t pid, uint64_t ref,
				 struct bl_peer ***link)
{
	struct bl_peer **pp;

	for (pp = &p->peers; *pp != NULL; pp = &(*pp)->next) {
		struct bl_peer *e = *pp;

		if (e->kind == kind && (pid == BL_PID_NONE || e->pid == pid) &&
		    (ref == 0 || e->ref == ref)) {
			if (link != NULL)
				*link = pp;
			return e;
		}
	}
	return NULL;
}

static void peer_count(struct bl_proc *p, uint32_t kind, int delta)
{
	if (kind == BL_PEER_LINK)
		p->n_links = (uint16_t)(p->n_links + delta);
	else if (kind == BL_PEER_MONITORING)
		p->n_monitors = (uint16_t)(p->n_monitors + delta);
}

int bl__peer_add(struct bl_sched *s, struct bl_proc *p, uint32_t kind, uint64_t pid, uint64_t ref)
{
	struct bl_ctx c = { s, p };
	struct bl_peer *e = (struct bl_peer *)bl_alloc(&c, sizeof(*e));

	if (e == NULL)
		return -errno;
	e->kind = kind;
	e->pid = pid;
	e->ref = ref;
	e->pad = 0;
	e->next = p->peers;
	p->peers = e;
	peer_count(p, kind, 1);
	return 0;
}

/* Remove the first matching entry; returns whether there was one. */
static bool peer_del(struct bl_sched *s, struct bl_proc *p, uint32_t kind, uint64_t pid,
		     uint64_t ref)
{
	struct bl_peer **link;
	struct bl_peer *e = peer_find(p, kind, pid, ref, &link);
	struct bl_ctx c = { s, p };

	if (e == NULL)
		return false;
	*link = e->next;
	peer_count(p, kind, -1);
	bl_free(&c, e, sizeof(*e));
	return true;
}

bool bl__peer_del_tag(struct bl_sched *s, struct bl_proc *p, uint32_t kind, uint64_t pid,
		      uint32_t tag, struct bl_peer *out)
{
	struct bl_peer **pp;

	for (pp = &p->peers; *pp != NULL; pp = &(*pp)->next) {
		struct bl_peer *e = *pp;
		struct bl_ctx c = { s, p };

		if (e->kind != kind || (uint32_t)e->ref != tag ||
		    (pid != BL_PID_NONE && e->pid != pid))
			continue;
		*out = *e;
		*pp = e->next;
		peer_count(p, kind, -1);
		bl_free(&c, e, sizeof(*e));
		return true;
	}
	return false;
}

struct bl_msg *bl__sysmsg(struct bl_sched *s, struct bl_proc *p, uint16_t type, uint64_t src,
			  uint64_t key, struct bl_reason reason)
{
	struct bl_msg *m = bl_msg_alloc(&s->msgs);

	if (m == NULL) {
		s->drops[BL_SDROP_NO_MSG_BUF]++;
		return NULL;
	}
	m->src = src;
	m->key = key;
	m->type = type;
	m->flags = 0;
	m->aux = 0;
	m->rx_tsc = 0;
	m->bin.m = NULL;
	m->bin.len = 0;
	m->u.reason = reason;
	/* Bounded by the links and monitors the process made: past the limit. */
	bl_mailbox_append(&p->mbox, m);
	s->mbox_total++;
	if (!(p->flags & BL_PF_RUNQ) && p->status != BL_PROC_RUNNING)
		bl__runq_push(s, p);
	return m;
}

/* An exit signal reached live process p. */
static void exit_recv(struct bl_sched *s, struct bl_proc *p, uint64_t src, struct bl_reason r,
		      bool linked)
{
	if (linked && !peer_del(s, p, BL_PEER_LINK, src, 0))
		return; /* unlinked meanwhile: the signal means nothing any more */
	if (r.code == BL_EXIT_KILL) {
		bl__proc_mark_exit(s, p, bl_reason_make(BL_EXIT_KILLED));
		return;
	}
	if (p->flags & BL_PF_TRAP_EXIT) {
		bl__sysmsg(s, p, BL_MSG_EXIT, src, 0, r);
		return;
	}
	if (r.code != BL_EXIT_NORMAL)
		bl__proc_mark_exit(s, p, r);
}

static void exec_run(struct bl_exec *e, struct bl_sched *s)
{
	int expected = BL_EXEC_PENDING;

	/* Pairs with the CAS in bl_sched_exec that cancels a timed-out request. */
	if (__atomic_compare_exchange_n(&e->state, &expected, BL_EXEC_RUNNING, false,
					__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
		e->fn(s, e->arg);
		/* Pairs with the acquire load of the waiting thread. */
		__atomic_store_n(&e->state, BL_EXEC_DONE, __ATOMIC_RELEASE);
	} else {
		free(e); /* cancelled: the requester is gone */
	}
}

void bl__handle_xmsg(struct bl_sched *s, const struct bl_xmsg *x)
{
	struct bl_proc *p;
	int rc;

	switch (x->type) {
	case BL_X_DATA: {
		uint64_t keep = s->stamp;

		s->stamp = x->rx_tsc;
		(void)bl__deliver_local(s, x->dst, x->src, x->key, x->flags, x->m, x->off, x->len,
					true);
		s->stamp = keep;
		return;
	}
	case BL_X_EXEC:
		exec_run((struct bl_exec *)(uintptr_t)x->ptr, s);
		return;
	case BL_X_CALL:
	case BL_X_REPLY:
		bl__call_xmsg(s, x);
		return;
	case BL_X_PAUSE:
	case BL_X_RESUME:
		bl__flow_xmsg(s, x);
		return;
	case BL_X_ETS_GIVE:
		bl__ets_give_xmsg(s, x);
		return;
	default:
		break;
	}
	if (x->m != NULL)
		rte_pktmbuf_free(x->m); /* signals carry no payload; be safe */
	p = bl__proc_get(s, x->dst);
	switch (x->type) {
	case BL_X_EXIT:
	case BL_X_EXIT_SIGNAL:
		if (p == NULL) {
			s->drops[BL_SDROP_SIGNAL_TO_DEAD]++;
			return;
		}
		exit_recv(s, p, x->src, bl__xmsg_reason(x), x->type == BL_X_EXIT);
		return;
	case BL_X_LINK:
		if (p == NULL) {
			signal_reason(s, BL_X_EXIT, x->src, x->dst, 0,
				      bl_reason_make(BL_EXIT_NOPROC));
			return;
		}
		if (peer_find(p, BL_PEER_LINK, x->src, 0, NULL) != NULL)
			return;
		rc = bl__peer_add(s, p, BL_PEER_LINK, x->src, 0);
		if (rc != 0)
			signal_reason(
			    s, BL_X_EXIT, x->src, x->dst, 0,
			    bl_reason_make(rc == -EDQUOT ? BL_EXIT_HEAP_LIMIT : BL_EXIT_NOPROC));
		return;
	case BL_X_UNLINK:
		if (p != NULL)
			(void)peer_del(s, p, BL_PEER_LINK, x->src, 0);
		return;
	case BL_X_MONITOR:
		if (p == NULL || bl__peer_add(s, p, BL_PEER_MONITORED_BY, x->src, x->key) != 0)
			signal_reason(s, BL_X_DOWN, x->src, x->dst, x->key,
				      bl_reason_make(BL_EXIT_NOPROC));
		return;
	case BL_X_DEMONITOR:
		if (p != NULL)
			(void)peer_del(s, p, BL_PEER_MONITORED_BY, x->src, x->key);
		return;
	case BL_X_DOWN:
		if (p == NULL) {
			s->drops[BL_SDROP_SIGNAL_TO_DEAD]++;
			return;
		}
		if (peer_del(s, p, BL_PEER_MONITORING, BL_PID_NONE, x->key))
			(void)bl__sysmsg(s, p, BL_MSG_DOWN, x->src, x->key, bl__xmsg_reason(x));
		else
			(void)bl__call_down(s, p, x);
		return;
	default:
		return;
	}
}

void bl__peers_notify_exit(struct bl_sched *s, struct bl_proc *p, struct bl_reason reason)
{
	struct bl_peer *e;

	/* Who waits on its mailbox goes on first. */
	if (p->flags & BL_PF_WAITERS)
		bl__flow_release(s, p);
	e = p->peers;
	/* The process is EXITING: replies to it now count as signal_to_dead. */
	p->peers = NULL;
	for (; e != NULL; e = e->next) {
		switch (e->kind) {
		case BL_PEER_LINK:
			signal_reason(s, BL_X_EXIT, e->pid, p->pid, 0, reason);
			break;
		case BL_PEER_MONITORED_BY:
			signal_reason(s, BL_X_DOWN, e->pid, p->pid, e->ref, reason);
			break;
		case BL_PEER_MONITORING:
			signal_reason(s, BL_X_DEMONITOR, e->pid, p->pid, e->ref, reason);
			break;
		case BL_PEER_CALLING:
			bl__call_abandon(s, p, e);
			break;
		case BL_PEER_TABLE:
			bl__ets_owner_exit(s, p, e->ref);
			break;
		default:
			break;
		}
	}
	p->n_links = 0;
	p->n_monitors = 0;
}

/* --- handler API --- */

int bl_link(struct bl_ctx *c, uint64_t pid)
{
	struct bl_xmsg x;
	int rc;

	if (pid == BL_PID_NONE)
		return -EINVAL;
	if (pid == c->p->pid || peer_find(c->p, BL_PEER_LINK, pid, 0, NULL) != NULL)
		return 0;
	rc = bl__peer_add(c->s, c->p, BL_PEER_LINK, pid, 0);
	if (rc != 0)
		return rc;
	bl__xmsg_init(&x, BL_X_LINK, pid, c->p->pid, 0);
	bl__signal(c->s, &x);
	return 0;
}

int bl_unlink(struct bl_ctx *c, uint64_t pid)
{
	struct bl_xmsg x;

	if (!peer_del(c->s, c->p, BL_PEER_LINK, pid, 0))
		return 0;
	bl__xmsg_init(&x, BL_X_UNLINK, pid, c->p->pid, 0);
	bl__signal(c->s, &x);
	return 0;
}

uint64_t bl_monitor(struct bl_ctx *c, uint64_t pid)
{
	struct bl_sched *s = c->s;
	struct bl_xmsg x;
	uint64_t ref;
	int rc;

	if (pid == BL_PID_NONE) {
		errno = EINVAL;
		return 0;
	}
	ref = bl__new_ref(s);
	rc = bl__peer_add(s, c->p, BL_PEER_MONITORING, pid, ref);
	if (rc != 0) {
		errno = -rc;
		return 0;
	}
	bl__xmsg_init(&x, BL_X_MONITOR, pid, c->p->pid, ref);
	bl__signal(s, &x);
	return ref;
}

int bl_demonitor(struct bl_ctx *c, uint64_t ref)
{
	struct bl_peer *e = peer_find(c->p, BL_PEER_MONITORING, BL_PID_NONE, ref, NULL);
	struct bl_xmsg x;
	uint64_t pid;

	if (e == NULL || ref == 0)
		return -ENOENT;
	pid = e->pid;
	(void)peer_del(c->s, c->p, BL_PEER_MONITORING, pid, ref);
	bl__xmsg_init(&x, BL_X_DEMONITOR, pid, c->p->pid, ref);
	bl__signal(c->s, &x);
	return 0;
}

int bl_exit_signal(struct bl_ctx *c, uint64_t pid, struct bl_reason reason)
{
	if (pid == BL_PID_NONE)
		return -EINVAL;
	if (pid == c->p->pid) {
		/* To oneself: a trapping process gets a message unless it is a kill. */
		if (reason.code != BL_EXIT_KILL && (c->p->flags & BL_PF_TRAP_EXIT))
			bl__sysmsg(c->s, c->p, BL_MSG_EXIT, pid, 0, reason);
		else
			bl_exit(c, reason.code == BL_EXIT_KILL ? bl_reason_make(BL_EXIT_KILLED)
							       : reason);
		return 0;
	}
	signal_reason(c->s, BL_X_EXIT_SIGNAL, pid, c->p->pid, 0, reason);
	return 0;
}
