/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Processes: spawn, turns, exit, and the handler API.
 *
 * Design notes:
 *  - The table is an array of struct bl_proc; free slots are chained through
 *    runq_next. Spawn pops a slot and bumps its generation, exit pushes it
 *    back: neither touches malloc (heap chunks and message nodes come from
 *    the lcore's pools).
 *  - A process is on the run queue at most once (BL_PF_RUNQ) and never while
 *    it runs: deliveries to the running process only queue mail, and the
 *    turn re-queues it at its end if mail is left. So a turn can tear the
 *    process down without finding it on the queue.
 *  - Exit is always deferred to a turn: bl_exit, kills, overflow and exit
 *    signals set BL_PF_EXIT_PENDING and status EXITING (from then on the pid
 *    is dead for senders); the next turn runs terminate, notifies links and
 *    monitors, and frees mailbox, binaries and heap in O(their size).
 *  - One timer node per process serves the receive timeout and hibernation
 *    after idle. It is re-armed lazily: messages only update last_active,
 *    and the timer, when it fires early, re-arms itself for the real due tick.
 */
#include <stdlib.h>

#include "actors/internal.h"
#include "wire/wire_fmt.h"

const char *const bl_exit_code_names[BL_EXIT_CODE_MAX] = {
	"normal", "shutdown", "killed", "heap_limit",	  "mailbox_overflow",
	"noproc", "error",    "kill",	"upgrade_failed",
};

const char *const bl_proc_status_names[BL_PROC_STATUS_MAX] = {
	"free", "waiting", "runnable", "running", "hibernating", "exiting",
};

struct bl_proc *bl_proc_lookup(struct bl_sched *s, uint64_t pid)
{
	if (bl_pid_lcore(pid) != s->lcore)
		return NULL;
	return bl__proc_get(s, pid);
}

void *bl_proc_state(struct bl_sched *s, uint64_t pid)
{
	struct bl_proc *p = bl_proc_lookup(s, pid);

	return p != NULL ? p->state : NULL;
}

void bl__proc_mark_exit(struct bl_sched *s, struct bl_proc *p, struct bl_reason reason)
{
	if (p->flags & BL_PF_EXIT_PENDING)
		return;
	p->flags |= BL_PF_EXIT_PENDING;
	p->exit_reason = reason;
	/* A running process is torn down at the end of its own turn. */
	if (p->status != BL_PROC_RUNNING && !(p->flags & BL_PF_RUNQ))
		bl__runq_push(s, p);
	p->status = BL_PROC_EXITING;
}

int bl_proc_kill(struct bl_sched *s, uint64_t pid, struct bl_reason reason)
{
	struct bl_proc *p = bl_proc_lookup(s, pid);

	if (p == NULL)
		return -ESRCH;
	if (reason.code == BL_EXIT_KILL)
		reason = bl_reason_make(BL_EXIT_KILLED);
	bl__proc_mark_exit(s, p, reason);
	return 0;
}

/* BL_PF_TIMED mirrors "has a timeout or an idle hibernation" on the hot line. */
static inline void timed_update(struct bl_proc *p)
{
	if (p->timeout_ms != 0 || p->hib_after_ms != 0)
		p->flags |= BL_PF_TIMED;
	else
		p->flags &= (uint8_t)~BL_PF_TIMED;
}

static void proc_reset(struct bl_proc *p, uint64_t pid, const struct bl_behaviour *beh,
		       const struct bl_spawn_opts *o, uint32_t now)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->beh = beh;
	p->mbox.limit = o->mailbox_limit;
	p->heap.limit = o->heap_limit == UINT32_MAX ? 0 : o->heap_limit;
	p->timer.kind = BL_TNODE_PROC;
	p->hib_after_ms = o->hibernate_after_ms;
	timed_update(p);
	p->last_active = now;
	p->status = BL_PROC_WAITING;
	p->overflow = (uint8_t)(o->overflow - 1);
	if (o->trap_exit)
		p->flags |= BL_PF_TRAP_EXIT;
}

uint64_t bl_proc_spawn(struct bl_sched *s, const struct bl_behaviour *beh, void *arg,
		       const struct bl_spawn_opts *opts)
{
	struct bl_spawn_opts o = s->defaults;
	struct bl_proc *p;
	struct bl_ctx c;
	uint64_t pid;

	if (beh == NULL || beh->handle_message == NULL) {
		errno = EINVAL;
		return BL_PID_NONE;
	}
	/* A spawn asked for before an upgrade runs the newest version. */
	beh = bl__behaviour_newest(beh);
	if (opts != NULL) {
		if (opts->mailbox_limit != 0)
			o.mailbox_limit = opts->mailbox_limit;
		if (opts->heap_limit != 0)
			o.heap_limit = opts->heap_limit;
		if (opts->hibernate_after_ms != 0)
			o.hibernate_after_ms = opts->hibernate_after_ms;
		if (opts->overflow != 0) {
			if (opts->overflow > BL_OVERFLOW_BLOCK + 1) {
				errno = EINVAL;
				return BL_PID_NONE;
			}
			o.overflow = opts->overflow;
		}
		o.trap_exit = opts->trap_exit;
		o.link_to = opts->link_to;
	}
	p = s->free_procs;
	if (p != NULL) {
		s->free_procs = p->runq_next;
	} else if (s->n_fresh != 0) {
		p = &s->procs[s->cap - s->n_fresh];
		s->n_fresh--;
	} else {
		errno = ENOSPC;
		return BL_PID_NONE;
	}
	pid = bl_pid_make(s->lcore, (uint32_t)(p - s->procs), bl_pid_next_gen(bl_pid_gen(p->pid)));
	proc_reset(p, pid, beh, &o, s->now);
	s->n_live++;
	s->spawned++;
	if (beh->live != NULL)
		bl__live_add(beh->live, s->lcore, 1);

	c.s = s;
	c.p = p;
	if (beh->init != NULL) {
		int rc;

		p->status = BL_PROC_RUNNING;
		rc = beh->init(&c, arg);
		if (rc != 0) {
			/* Refused: whatever init linked learns it died. */
			p->flags |= BL_PF_EXIT_PENDING;
			p->exit_reason = bl_reason_error((uint16_t)-rc, "init failed");
			bl__proc_teardown(s, p, false);
			errno = -rc;
			return BL_PID_NONE;
		}
		if (p->flags & BL_PF_EXIT_PENDING) {
			/* init succeeded but exit was decided meanwhile (bl_exit, a
			 * signal): the process exists and exits at its first turn. */
			p->status = BL_PROC_EXITING;
			bl__runq_push(s, p);
			return pid;
		}
		p->status = BL_PROC_WAITING;
	}
	if (o.link_to != BL_PID_NONE)
		(void)bl_link(&c, o.link_to);
	if (p->mbox.len != 0 && !(p->flags & BL_PF_RUNQ))
		bl__runq_push(s, p);
	if (p->flags & BL_PF_TIMED) {
		/* Only processes with timers read the clock. */
		p->last_active = bl__now(s);
		bl__proc_arm_timer(s, p);
	}
	return pid;
}

void bl__proc_teardown(struct bl_sched *s, struct bl_proc *p, bool call_terminate)
{
	struct bl_beh_live *live = p->beh->live;
	struct bl_reason reason = p->exit_reason;
	struct bl_msg *m;

	if (reason.code == BL_EXIT_KILL)
		reason = bl_reason_make(BL_EXIT_KILLED);
	p->exit_reason = reason;
	p->status = BL_PROC_EXITING;
	/* Recorded before terminate and the release: the figures at the crash. */
	if (unlikely(bl__crash_worthy(reason)))
		bl__crash_record(s, p, reason);
	if (s->cur_proc == p)
		s->cur_proc = NULL; /* the slot may be reused before the next turn */
	if (call_terminate && p->beh->terminate != NULL) {
		struct bl_ctx c = { s, p };

		p->beh->terminate(&c, reason);
	}
	bl_wheel_cancel(&s->wheel, &p->timer);
	bl__peers_notify_exit(s, p, reason);
	while ((m = bl_mailbox_pop(&p->mbox)) != NULL) {
		s->mbox_total--;
		s->drops[BL_SDROP_EXITED] += bl_msg_weight(m);
		bl__msg_done(s, p, m);
	}
	bl__kept_release_all(s, p);
	bl_heap_release(&s->chunks, &p->heap);
	p->status = BL_PROC_FREE;
	p->flags = 0;
	p->beh = NULL;
	p->state = NULL;
	p->peers = NULL;
	p->runq_next = s->free_procs;
	s->free_procs = p;
	s->n_live--;
	s->exited++;
	/* Last: once the control thread sees it, no code of this behaviour
	 * runs for p any more (its module may be unloaded). */
	if (live != NULL)
		bl__live_add(live, s->lcore, -1);
}

void bl__proc_arm_timer(struct bl_sched *s, struct bl_proc *p)
{
	uint32_t due = 0;
	bool have = false;

	if (p->timeout_ms != 0) {
		due = p->last_active + p->timeout_ms;
		have = true;
	}
	if (p->hib_after_ms != 0 && p->status != BL_PROC_HIBERNATING) {
		uint32_t h = p->last_active + p->hib_after_ms;

		if (!have || bl_tick_before(h, due))
			due = h;
		have = true;
	}
	if (!have) {
		bl_wheel_cancel(&s->wheel, &p->timer);
		return;
	}
	/* Armed for later than needed: move it; armed earlier: it re-arms on firing. */
	if (!bl_tnode_armed(&p->timer) || bl_tick_before(due, p->timer.expires))
		bl_wheel_arm(&s->wheel, &p->timer, due);
}

static void proc_timer_fire(struct bl_sched *s, struct bl_proc *p)
{
	uint32_t now = s->now;

	if (p->status == BL_PROC_FREE || p->status == BL_PROC_EXITING)
		return;
	if (p->timeout_ms != 0 && !bl_tick_before(now, p->last_active + p->timeout_ms)) {
		/* One shot: the handler sets a new timeout if it wants one. */
		p->timeout_ms = 0;
		timed_update(p);
		p->flags |= BL_PF_TIMEOUT_DUE;
		if (!(p->flags & BL_PF_RUNQ))
			bl__runq_push(s, p);
	}
	if (p->hib_after_ms != 0 && p->status == BL_PROC_WAITING &&
	    !bl_tick_before(now, p->last_active + p->hib_after_ms)) {
		bl_heap_shrink(&s->chunks, &p->heap);
		p->status = BL_PROC_HIBERNATING;
	}
	bl__proc_arm_timer(s, p);
}

static void send_timer_fire(struct bl_sched *s, struct bl_timer *t)
{
	(void)bl__send(s, t->dst, t->src, t->key, 0, t->inl, NULL, t->len);
	bl__timer_put(s, t);
}

void bl__timer_fire(void *arg, struct bl_tnode *t)
{
	struct bl_sched *s = (struct bl_sched *)arg;

	if (t->kind == BL_TNODE_PROC)
		proc_timer_fire(s, (struct bl_proc *)((char *)t - offsetof(struct bl_proc, timer)));
	else if (t->kind == BL_TNODE_CALL)
		bl__call_timer_fire(s, (struct bl_timer *)t);
	else if (t->kind == BL_TNODE_WAKE)
		bl__flow_wake(s, (struct bl_timer *)t);
	else
		send_timer_fire(s, (struct bl_timer *)t);
}

/* The lines of frame node f's messages, prefetched. */
static inline void bl__frame_prefetch(const struct bl_msg *f)
{
	const uint8_t *d = rte_pktmbuf_mtod_offset(f->bin.m, const uint8_t *, f->bin.off);
	uint32_t off;

	for (off = 0; off < f->bin.len; off += 2 * RTE_CACHE_LINE_SIZE) {
		rte_prefetch0(d + off);
		rte_prefetch0(d + off + RTE_CACHE_LINE_SIZE);
	}
}

/*
 * The messages of a frame node, one by one, each a message of its own (a
 * view into the frame's mbuf: no copy, no reference) and a reduction, with
 * the scratch arena reset after each. An exit asked for mid-frame leaves the
 * rest unhandled, as it leaves the rest of the mailbox. Returns how many
 * were handled.
 */
unsigned bl__frame_each(struct bl_sched *s, struct bl_proc *p, struct bl_ctx *c, struct bl_msg *f)
{
	struct bl_frame_iter it;
	struct bl_msg v;
	unsigned n = 0;

	/* The walk reads every header: the next frame's lines, while this one
	 * is handled (this one's were read when its packet was classified). */
	if (p->mbox.head != NULL && p->mbox.head->type == BL_MSG_FRAME)
		bl__frame_prefetch(p->mbox.head);
	bl_frame_iter_init(&it, f);
	while (!(p->flags & BL_PF_EXIT_PENDING) && bl_frame_next(&it, &v)) {
		s->cur_key = v.key;
		p->beh->handle_message(c, &v);
		if (p->heap.scratch != NULL)
			bl_heap_scratch_reset(&s->chunks, &p->heap);
		n++;
	}
	return n;
}

static unsigned frame_turn(struct bl_sched *s, struct bl_proc *p, struct bl_ctx *c,
			   struct bl_msg *f)
{
	if (p->beh->handle_frame != NULL) {
		bl__frame_whole(s, p, c, f);
		return f->aux;
	}
	return bl__frame_each(s, p, c, f);
}

bool bl_frame_next(struct bl_frame_iter *it, struct bl_msg *out)
{
	const struct bl_msg *f = it->f;
	const uint8_t *h;
	uint32_t len;

	/* The dataplane checked the lengths; this only keeps a bad caller in bounds. */
	if (it->left == 0 || f->bin.len - it->off < BL_WIRE_MSG_HDR_LEN)
		return false;
	h = rte_pktmbuf_mtod_offset(f->bin.m, const uint8_t *, f->bin.off + it->off);
	len = bl_wire_get32(h);
	if (unlikely(len > f->bin.len - it->off - BL_WIRE_MSG_HDR_LEN))
		return false;
	out->next = NULL;
	out->src = f->src;
	out->key = bl_wire_get64(h + 8);
	out->bin.m = f->bin.m;
	out->bin.off = f->bin.off + it->off + BL_WIRE_MSG_HDR_LEN;
	out->bin.len = len;
	out->type = BL_MSG_DATA;
	out->flags = (uint16_t)(f->flags | BL_MSG_F_VIEW);
	out->aux = 0;
	out->rx_tsc = f->rx_tsc;
	it->off += BL_WIRE_MSG_HDR_LEN + len;
	it->left--;
	return true;
}

/* What ends a turn, past its counts, for a process with more to do than
 * wait: timers, an exit, hibernation, flow control, mail or a timeout. */
void bl__turn_end_more(struct bl_sched *s, struct bl_proc *p)
{
	if (p->flags & BL_PF_TIMED)
		p->last_active = bl__now_run(s);
	if (p->flags & BL_PF_EXIT_PENDING) {
		bl__proc_teardown(s, p, true);
		return;
	}
	if (p->flags & BL_PF_HIBERNATE) {
		p->flags &= ~BL_PF_HIBERNATE;
		bl_heap_shrink(&s->chunks, &p->heap);
		p->status = BL_PROC_HIBERNATING;
	} else {
		p->status = BL_PROC_WAITING;
	}
	if (unlikely(p->flags & BL_PF_WAITERS)) {
		if (p->mbox.len <= p->mbox.limit / 2)
			bl__flow_release(s, p);
		else
			bl__flow_renew(s, p);
	}
	if ((p->mbox.len != 0 || (p->flags & BL_PF_TIMEOUT_DUE)) &&
	    !(p->flags & (BL_PF_RUNQ | BL_PF_BLOCKED)))
		bl__runq_push(s, p);
	if (p->flags & BL_PF_TIMED)
		bl__proc_arm_timer(s, p);
}

void bl__proc_turn(struct bl_sched *s, struct bl_proc *p)
{
	struct bl_ctx c = { s, p };
	const struct bl_behaviour *beh = p->beh;
	unsigned n = 0;

	p->flags &= ~BL_PF_RUNQ;
	s->cur_proc = NULL; /* no message of this turn yet */
	if (p->flags & (BL_PF_EXIT_PENDING | BL_PF_BLOCKED)) {
		if (p->flags & BL_PF_EXIT_PENDING)
			bl__proc_teardown(s, p, true);
		return; /* blocked: it runs when let go (flow.c) */
	}
	/* A live upgrade: one load of a line handle_message shares, once a turn. */
	if (unlikely(__atomic_load_n(&beh->next, __ATOMIC_ACQUIRE) != NULL)) {
		if (bl__proc_upgrade(s, p) != 0)
			return; /* gone: upgrade_failed */
		beh = p->beh;
	}
	p->status = BL_PROC_RUNNING;
	s->stamp = 0; /* a timeout has no cause on the wire */
	if (p->flags & BL_PF_TIMEOUT_DUE) {
		p->flags &= ~BL_PF_TIMEOUT_DUE;
		if (beh->handle_timeout != NULL)
			beh->handle_timeout(&c);
		bl_heap_scratch_reset(&s->chunks, &p->heap);
		n++;
	}
	while (n < s->budget && !(p->flags & (BL_PF_EXIT_PENDING | BL_PF_BLOCKED))) {
		struct bl_msg *m = bl_mailbox_pop(&p->mbox);

		if (m == NULL)
			break;
		s->mbox_total--;
		s->cur_proc = p;
		s->cur_key = m->key;
		s->stamp = m->rx_tsc; /* what it sends carries its cause's time */
		if (likely(m->type == BL_MSG_DATA)) {
			beh->handle_message(&c, m);
		} else if (m->type == BL_MSG_FRAME) {
			/* Handled whole: its messages may take the turn past budget,
			 * by at most a frame (bounded by the port's MTU). */
			unsigned h = frame_turn(s, p, &c, m);

			/* An exit mid-frame: the rest goes as the mailbox does. */
			s->drops[BL_SDROP_EXITED] += m->aux - h;
			n += h;
			bl__msg_done(s, p, m);
			continue;
		} else if (m->type == BL_MSG_CALL || m->type == BL_MSG_ETS_TRANSFER) {
			beh->handle_message(&c, m);
		} else if (m->type == BL_MSG_REPLY || m->type == BL_MSG_CALL_FAILED) {
			bl__reply_turn(s, p, &c, m);
		} else if (beh->handle_exit != NULL)
			beh->handle_exit(&c, m);
		else
			s->drops[BL_SDROP_UNHANDLED]++;
		bl__msg_done(s, p, m);
		if (p->heap.scratch != NULL)
			bl_heap_scratch_reset(&s->chunks, &p->heap);
		n++;
	}
	bl__turn_end(s, p, n);
}

/* --- handler API --- */

void *bl_alloc(struct bl_ctx *c, size_t size)
{
	void *p = bl_heap_alloc(&c->s->chunks, &c->p->heap, size);

	if (p == NULL && errno == EDQUOT)
		bl__proc_mark_exit(c->s, c->p, bl_reason_make(BL_EXIT_HEAP_LIMIT));
	return p;
}

void bl_free(struct bl_ctx *c, void *p, size_t size)
{
	bl_heap_free(&c->s->chunks, &c->p->heap, p, size);
}

void *bl_scratch(struct bl_ctx *c, size_t size)
{
	void *p = bl_heap_scratch(&c->s->chunks, &c->p->heap, size);

	if (p == NULL && errno == EDQUOT)
		bl__proc_mark_exit(c->s, c->p, bl_reason_make(BL_EXIT_HEAP_LIMIT));
	return p;
}

/* A small buffer to a process of this lcore: the copy goes into the node. */
static __rte_always_inline int deliver_buf(struct bl_sched *s, uint64_t dst, uint64_t src,
					   uint64_t key, uint16_t flags, const void *data,
					   uint32_t len)
{
	struct bl_proc *p = bl__proc_get(s, dst);
	struct bl_msg *msg;

	if (p == NULL) {
		s->drops[BL_SDROP_DEAD_PID]++;
		return -ESRCH;
	}
	msg = bl_msg_alloc(&s->msgs);
	if (msg == NULL) {
		s->drops[BL_SDROP_NO_MSG_BUF]++;
		return -ENOBUFS;
	}
	msg->src = src;
	msg->key = key;
	msg->type = BL_MSG_DATA;
	msg->flags = flags;
	msg->aux = 0;
	msg->rx_tsc = s->stamp;
	msg->bin.m = NULL;
	msg->bin.len = len;
	if (len != 0)
		memcpy(msg->u.inl, data, len);
	return bl__mailbox_put(s, p, msg);
}

int bl__deliver_buf(struct bl_sched *s, uint64_t dst, uint64_t src, uint64_t key, uint16_t flags,
		    const void *data, uint32_t len)
{
	return deliver_buf(s, dst, src, key, flags, data, len);
}

struct rte_mbuf *bl__bytes_mbuf(struct bl_sched *s, const void *data, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->mbuf_pool);

	if (m == NULL) {
		s->drops[BL_SDROP_NO_MBUF]++;
		errno = ENOBUFS;
		return NULL;
	}
	if (len > rte_pktmbuf_tailroom(m)) {
		rte_pktmbuf_free(m);
		errno = EMSGSIZE;
		return NULL;
	}
	if (len != 0)
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), data, len);
	return m;
}

int bl__send(struct bl_sched *s, uint64_t dst, uint64_t src, uint64_t key, uint16_t flags,
	     const void *data, const struct bl_bin *b, uint32_t len)
{
	bool local = bl_pid_lcore(dst) == s->lcore;
	struct rte_mbuf *m;
	struct bl_xmsg x;

	if (b != NULL && b->m != NULL) {
		if (local)
			return bl__deliver_local(s, dst, src, key, flags, b->m, b->off, b->len,
						 false);
		rte_mbuf_refcnt_update(b->m, 1);
		bl__xmsg_init(&x, BL_X_DATA, dst, src, key);
		x.flags = flags;
		x.rx_tsc = s->stamp;
		x.m = b->m;
		x.off = b->off;
		x.len = b->len;
		return bl__post_remote(s, &x);
	}
	if (local && len <= BL_BIN_INLINE_MAX)
		return bl__deliver_buf(s, dst, src, key, flags, data, len);
	/* A buffer that is big or travels: it becomes a binary. */
	m = bl__bytes_mbuf(s, data, len);
	if (m == NULL)
		return -errno;
	if (local)
		return bl__deliver_local(s, dst, src, key, flags, m, 0, len, true);
	bl__xmsg_init(&x, BL_X_DATA, dst, src, key);
	x.flags = flags;
	x.rx_tsc = s->stamp;
	x.m = m;
	x.len = len;
	return bl__post_remote(s, &x);
}

int bl_send(struct bl_ctx *c, uint64_t dst, uint64_t key, const void *data, uint32_t len)
{
	if (data == NULL && len != 0)
		return -EINVAL;
	/* The common case, a small message to a neighbour, without detours. */
	if (likely(bl_pid_lcore(dst) == c->s->lcore && len <= BL_BIN_INLINE_MAX))
		return deliver_buf(c->s, dst, c->p->pid, key, 0, data, len);
	return bl__send(c->s, dst, c->p->pid, key, 0, data, NULL, len);
}

int bl_send_bin(struct bl_ctx *c, uint64_t dst, uint64_t key, const struct bl_bin *b)
{
	if (b == NULL || b->m == NULL)
		return -EINVAL;
	return bl__send(c->s, dst, c->p->pid, key, 0, NULL, b, b->len);
}

int bl_forward(struct bl_ctx *c, uint64_t dst, const struct bl_msg *m)
{
	/* The receiver's node owns its payload: never a view. */
	uint16_t flags = (uint16_t)(m->flags & ~BL_MSG_F_VIEW);

	if (m->bin.m != NULL)
		return bl__send(c->s, dst, m->src, m->key, flags, NULL, &m->bin, m->bin.len);
	return bl__send(c->s, dst, m->src, m->key, flags, m->u.inl, NULL, m->bin.len);
}

__rte_noinline unsigned
bl_frame_transmit_each(const struct bl_msg *f,
		       int (*tx)(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *m),
		       void *arg, uint32_t lcore, uint64_t dest, int *first_err)
{
	struct bl_frame_iter it;
	struct bl_msg v;
	unsigned refused = 0;
	int rc = 0, r;

	bl_frame_iter_init(&it, f);
	while (bl_frame_next(&it, &v)) {
		r = tx(arg, lcore, dest, &v);
		if (r != 0) {
			if (rc == 0)
				rc = r;
			refused++;
		}
	}
	if (first_err != NULL)
		*first_err = rc;
	return refused;
}

/* bl_transmit as a transmit call (arg: the context), for the fallback. */
static int transmit_one(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *m)
{
	(void)lcore;
	return bl_transmit(arg, dest, m);
}

int bl__transmit_frame_any(struct bl_ctx *c, uint64_t dest, const struct bl_msg *f)
{
	struct bl_sched *s = c->s;
	int rc;

	if (f->type != BL_MSG_FRAME)
		return bl_transmit(c, dest, f);
	/* No frame call: its messages one by one. */
	bl_frame_transmit_each(f, transmit_one, c, s->lcore, dest, &rc);
	return rc;
}

int bl_transmit_frame(struct bl_ctx *c, uint64_t dest, const struct bl_msg *f)
{
	return bl__transmit_frame(c, dest, f);
}

int bl_transmit(struct bl_ctx *c, uint64_t dest, const struct bl_msg *m)
{
	struct bl_sched *s = c->s;
	int rc;

	if (s->tx.fn == NULL)
		return -ENOTSUP;
	rc = s->tx.fn(s->tx.arg, s->lcore, dest, m);
	if (rc != 0)
		s->drops[BL_SDROP_TX_FAILED]++;
	return rc;
}

uint64_t bl_spawn(struct bl_ctx *c, const struct bl_behaviour *beh, void *arg,
		  const struct bl_spawn_opts *opts)
{
	return bl_proc_spawn(c->s, beh, arg, opts);
}

void bl_exit(struct bl_ctx *c, struct bl_reason reason)
{
	bl__proc_mark_exit(c->s, c->p, reason);
}

void bl_trap_exit(struct bl_ctx *c, bool on)
{
	if (on)
		c->p->flags |= BL_PF_TRAP_EXIT;
	else
		c->p->flags &= ~BL_PF_TRAP_EXIT;
}

uint64_t bl_set_timeout(struct bl_ctx *c, uint32_t ms)
{
	struct bl_proc *p = c->p;

	p->timeout_gen++;
	p->timeout_ms = ms;
	timed_update(p);
	/* The turn end (or spawn) arms the timer from last_active. */
	if (p->status != BL_PROC_RUNNING) {
		p->last_active = bl__now(c->s);
		bl__proc_arm_timer(c->s, p);
	}
	return ms != 0 ? BL_TIMER_RECV | p->timeout_gen : 0;
}

void bl_hibernate(struct bl_ctx *c)
{
	c->p->flags |= BL_PF_HIBERNATE;
}

uint64_t bl_send_after(struct bl_ctx *c, uint64_t dst, uint64_t key, const void *data, uint32_t len,
		       uint32_t ms)
{
	struct bl_sched *s = c->s;
	struct bl_timer *t;

	if (len > BL_BIN_INLINE_MAX || (data == NULL && len != 0) || ms > INT32_MAX) {
		errno = EINVAL;
		return 0;
	}
	t = bl__timer_take(s, BL_TNODE_SEND);
	if (t == NULL) {
		errno = ENOSPC;
		return 0;
	}
	t->dst = dst;
	t->src = c->p->pid;
	t->key = key;
	t->len = len;
	if (len != 0)
		memcpy(t->inl, data, len);
	bl_wheel_arm(&s->wheel, &t->node, bl__now_run(s) + (ms ? ms : 1));
	return ((uint64_t)t->gen << 32) | (uint64_t)(t - s->timers + 1);
}

int bl_timer_cancel(struct bl_ctx *c, uint64_t handle)
{
	struct bl_sched *s = c->s;
	struct bl_proc *p = c->p;
	struct bl_timer *t;
	uint64_t idx = handle & UINT32_MAX;

	if (handle & BL_TIMER_RECV) {
		if ((uint32_t)handle != p->timeout_gen)
			return 0; /* replaced since */
		if (p->flags & BL_PF_TIMEOUT_DUE) {
			p->flags &= ~BL_PF_TIMEOUT_DUE; /* fired, not yet handled */
			return 1;
		}
		if (p->timeout_ms == 0)
			return 0;
		(void)bl_set_timeout(c, 0);
		return 1;
	}
	if (idx == 0 || idx > s->n_timers)
		return -EINVAL;
	t = &s->timers[idx - 1];
	if (t->gen != (uint32_t)(handle >> 32) || !bl_tnode_armed(&t->node) ||
	    t->node.kind != BL_TNODE_SEND || t->src != p->pid)
		return 0;
	bl__timer_put(s, t);
	return 1;
}
