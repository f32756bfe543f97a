/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Back-pressure between processes: the mailbox policy block, as Pony mutes
 * a sender to an overloaded actor. Nothing is dropped for want of room
 * below BL_MBOX_BLOCK_CAP: a message past the limit is queued all the
 * same, and the process that sent it stops.
 *
 * - Who stopped: the process whose handler runs now on this lcore (it sent
 *   the message, or passed it on), else the message's sender pid; a
 *   message from the wire pauses its source on the wire (below).
 * - Stopping a process of this lcore sets BL_PF_BLOCKED (and counts the
 *   receivers that stopped it: it runs again when all let it go): its turn ends
 *   after the handler that sent, and it is not run again, however much
 *   mail it gets, until it is let go. A process of another lcore is told
 *   by a BL_X_PAUSE signal, in the same ring as its messages.
 * - The receiver remembers who waits (BL_PEER_WAITER entries, once each)
 *   and, at the end of a turn that leaves its mailbox at half its limit or
 *   below, lets them all go (BL_X_RESUME across lcores); also when it
 *   exits. Signals (exit, kill) still reach a blocked process: an exit
 *   pending runs its turn.
 * - The wire, as Aeron's status messages hold a publisher back: a message
 *   from the wire queued past the limit makes the receiver send its source
 *   a flow-control message (wire kind BL_WIRE_KIND_FLOW), PAUSE for that
 *   key, and remember the source (a BL_PEER_WIRE entry: token, key, when
 *   told). The drain that lets waiters go sends each such source RESUME.
 *   A PAUSE holds for BL_FLOW_HOLD_MS at most, so a lost RESUME costs a
 *   sender that long; while the mailbox stays above half its limit, each
 *   turn's end renews the PAUSE of sources told half a hold ago or more (so
 *   none runs out while the process is still behind), and a source still
 *   sending over the limit after half a hold is told again. A source that
 *   goes on regardless fills the mailbox to BL_MBOX_BLOCK_CAP, where its
 *   messages are dropped as flow_control.
 * - Sleep (bl_sleep): a process stops itself for a time, as a blocked
 *   sender is stopped, and a timer of the wheel lets it go.
 * Owner lcore only.
 */
#include "actors/internal.h"
#include "wire/wire_fmt.h"

static bool waiter_known(const struct bl_proc *p, uint64_t pid)
{
	const struct bl_peer *e;

	for (e = p->peers; e != NULL; e = e->next)
		if (e->kind == BL_PEER_WAITER && e->pid == pid)
			return true;
	return false;
}

/* One more receiver stops q; q runs again when every one has let it go. */
static void block(struct bl_proc *q)
{
	if (q->n_blockers < UINT8_MAX)
		q->n_blockers++;
	q->flags |= BL_PF_BLOCKED;
}

/* Stop pid (of this lcore or another), to be let go by receiver p. */
static void stop_sender(struct bl_sched *s, struct bl_proc *p, uint64_t pid)
{
	struct bl_proc *q;

	if (pid == BL_PID_NONE || pid == p->pid || waiter_known(p, pid))
		return;
	if (bl__peer_add(s, p, BL_PEER_WAITER, pid, 0) != 0)
		return; /* no heap to remember it: it goes on sending, queued to the cap */
	p->flags |= BL_PF_WAITERS;
	s->flow_pauses++;
	if (bl_pid_lcore(pid) != s->lcore) {
		struct bl_xmsg x;

		bl__xmsg_init(&x, BL_X_PAUSE, pid, p->pid, 0);
		bl__signal(s, &x);
		return;
	}
	q = bl__proc_get(s, pid);
	if (q != NULL)
		block(q);
}

/* Say op about key to the wire source token (the lcore's transmit path). */
static void wire_say(struct bl_sched *s, uint64_t token, uint64_t key, enum bl_wire_flow_op op)
{
	struct bl_msg m;

	if (s->tx.fn == NULL)
		return;
	memset(&m, 0, offsetof(struct bl_msg, u));
	m.key = key;
	m.type = BL_MSG_DATA;
	m.flags = BL_MSG_F_FLOW;
	m.bin.len = BL_WIRE_FLOW_LEN;
	bl_wire_put_flow(m.u.inl, op, BL_FLOW_HOLD_MS);
	if (s->tx.fn(s->tx.arg, s->lcore, token, &m) != 0) {
		s->drops[BL_SDROP_TX_FAILED]++;
		return;
	}
	if (op == BL_WIRE_FLOW_PAUSE)
		s->wire_pauses++;
	else
		s->wire_resumes++;
}

/* Pause source token for key, once, and again when it goes on sending
 * after half a hold (it resumed on its own, or lost the PAUSE). */
static void pause_key(struct bl_sched *s, struct bl_proc *p, uint64_t token, uint64_t key,
		      uint32_t now)
{
	struct bl_peer *e;

	for (e = p->peers; e != NULL; e = e->next)
		if (e->kind == BL_PEER_WIRE && e->pid == token && e->ref == key)
			break;
	if (e != NULL) {
		if (now - e->pad < BL_FLOW_HOLD_MS / 2)
			return;
	} else {
		if (bl__peer_add(s, p, BL_PEER_WIRE, token, key) != 0)
			return; /* no heap to remember it: it goes on, to the cap */
		e = p->peers;
		p->flags |= BL_PF_WAITERS;
	}
	e->pad = now;
	wire_say(s, token, key, BL_WIRE_FLOW_PAUSE);
}

/* Pause the wire source of msg for its key; for a frame node (key 0), for
 * each key its messages name (a run of one key asks once). */
static void pause_wire(struct bl_sched *s, struct bl_proc *p, const struct bl_msg *msg)
{
	uint32_t now = bl__now_run(s);
	struct bl_frame_iter it;
	struct bl_msg v;
	uint64_t last = 0;
	bool any = false;

	if (msg->type != BL_MSG_FRAME) {
		pause_key(s, p, msg->src, msg->key, now);
		return;
	}
	bl_frame_iter_init(&it, msg);
	while (bl_frame_next(&it, &v)) {
		if (any && v.key == last)
			continue;
		pause_key(s, p, msg->src, v.key, now);
		last = v.key;
		any = true;
	}
}

void bl__flow_renew(struct bl_sched *s, struct bl_proc *p)
{
	uint32_t now = bl__now_run(s);
	struct bl_peer *e;

	for (e = p->peers; e != NULL; e = e->next) {
		if (e->kind != BL_PEER_WIRE || now - e->pad < BL_FLOW_HOLD_MS / 2)
			continue;
		e->pad = now;
		wire_say(s, e->pid, e->ref, BL_WIRE_FLOW_PAUSE);
	}
}

void bl__flow_over_limit(struct bl_sched *s, struct bl_proc *p, const struct bl_msg *msg)
{
	struct bl_proc *cur = s->cur_proc;

	if (cur != NULL && cur->status == BL_PROC_RUNNING)
		stop_sender(s, p, cur->pid);
	else if (msg->flags & BL_MSG_F_NET)
		pause_wire(s, p, msg);
	else
		stop_sender(s, p, msg->src);
}

/* Let pid go: run it again (it may have mail, or a turn cut short). */
static void let_go(struct bl_sched *s, uint64_t pid, uint64_t from)
{
	struct bl_proc *q;

	if (bl_pid_lcore(pid) != s->lcore) {
		struct bl_xmsg x;

		bl__xmsg_init(&x, BL_X_RESUME, pid, from, 0);
		bl__signal(s, &x);
		return;
	}
	q = bl__proc_get(s, pid);
	if (q == NULL || !(q->flags & BL_PF_BLOCKED) || --q->n_blockers != 0)
		return;
	q->flags &= ~BL_PF_BLOCKED;
	if (!(q->flags & BL_PF_RUNQ) && q->status != BL_PROC_RUNNING)
		bl__runq_push(s, q);
}

void bl__flow_release(struct bl_sched *s, struct bl_proc *p)
{
	struct bl_peer **pp = &p->peers;
	struct bl_ctx c = { s, p };

	while (*pp != NULL) {
		struct bl_peer *e = *pp;

		if (e->kind != BL_PEER_WAITER && e->kind != BL_PEER_WIRE) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		if (e->kind == BL_PEER_WIRE)
			wire_say(s, e->pid, e->ref, BL_WIRE_FLOW_RESUME);
		else
			let_go(s, e->pid, p->pid);
		bl_free(&c, e, sizeof(*e));
	}
	p->flags &= ~BL_PF_WAITERS;
	s->flow_resumes++;
}

void bl__flow_xmsg(struct bl_sched *s, const struct bl_xmsg *x)
{
	struct bl_proc *q = bl__proc_get(s, x->dst);

	if (q == NULL)
		return; /* gone: nothing to stop or let go */
	if (x->type == BL_X_PAUSE) {
		block(q);
		return;
	}
	let_go(s, x->dst, x->src);
}

/* ---- sleep ------------------------------------------------------------------ */

int bl_sleep(struct bl_ctx *c, uint32_t ms)
{
	struct bl_sched *s = c->s;
	struct bl_timer *t;

	if (ms == 0 || ms > INT32_MAX)
		return -EINVAL;
	t = bl__timer_take(s, BL_TNODE_WAKE);
	if (t == NULL)
		return -ENOSPC;
	t->dst = c->p->pid;
	t->src = c->p->pid;
	t->key = 0;
	t->len = 0;
	block(c->p);
	bl_wheel_arm(&s->wheel, &t->node, bl__now_run(s) + ms);
	return 0;
}

void bl__flow_wake(struct bl_sched *s, struct bl_timer *t)
{
	let_go(s, t->dst, t->src);
	bl__timer_put(s, t);
}
