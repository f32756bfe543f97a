/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the actors/ .c files only: never included by a header
 * or by code outside actors/. (The internals the inline deliver paths need
 * are in sched_pvt.h, which sched.h includes.)
 */
#ifndef BL_ACTORS_INTERNAL_H
#define BL_ACTORS_INTERNAL_H

#include "actors/sched.h"

/*
 * A send_after entry (or a call's timeout): the timer node first, so a node
 * is its entry. gen counts the entry's uses, so that a handle
 * (bl_send_after's) names one use and goes stale when the entry is reused.
 */
struct bl_timer {
	struct bl_tnode node; /* node.next links the free list when idle */
	uint64_t dst;
	uint64_t src;
	uint64_t key;
	uint32_t len;
	uint32_t gen;
	uint8_t inl[BL_BIN_INLINE_MAX];
};

/* An entry from the lcore's pool for a timer of `kind`, or NULL (empty). */
static inline struct bl_timer *bl__timer_take(struct bl_sched *s, uint32_t kind)
{
	struct bl_timer *t = s->free_timers;

	if (t == NULL)
		return NULL;
	s->free_timers = (struct bl_timer *)t->node.next;
	s->n_timers_free--;
	t->node.next = t->node.prev = NULL;
	t->node.kind = kind;
	t->gen++;
	return t;
}

/* Back to the pool, off the wheel if it was still on it. */
static inline void bl__timer_put(struct bl_sched *s, struct bl_timer *t)
{
	bl_wheel_cancel(&s->wheel, &t->node);
	t->node.next = (struct bl_tnode *)s->free_timers; /* node is the first member */
	s->free_timers = t;
	s->n_timers_free++;
}

/* A new monitor / call reference: unique per lcore, and with the lcore in
 * the top bits unique overall. Never 0. */
static inline uint64_t bl__new_ref(struct bl_sched *s)
{
	return ((uint64_t)s->lcore << 48) | (++s->next_ref & ((UINT64_C(1) << 48) - 1));
}

enum bl_exec_state {
	BL_EXEC_PENDING = 0,
	BL_EXEC_RUNNING,
	BL_EXEC_DONE,
	BL_EXEC_CANCELLED,
};

struct bl_exec {
	void (*fn)(struct bl_sched *s, void *arg);
	void *arg;
	int state; /* enum bl_exec_state, atomic */
};

/* Current tick, read from the clock and remembered in s->now. */
uint32_t bl__now(struct bl_sched *s);

/*
 * The clock as this run of the scheduler read it, read now if it has not:
 * for arming timers and rate buckets, where a reading as old as one run
 * (microseconds) does as well and a clock read per call (a TSC read and a
 * division) would cost more than the rest.
 */
static inline uint32_t bl__now_run(struct bl_sched *s)
{
	return s->now_fresh ? s->now : bl__now(s);
}

/*
 * bl_transmit_frame, inline for the built-in behaviours that pass frames on
 * (forward): the frame callback straight away; anything else (not a
 * frame node, no frame callback) out of line.
 */
/* Not a frame node, or no frame callback (actors/proc.c). */
int bl__transmit_frame_any(struct bl_ctx *c, uint64_t dest, const struct bl_msg *f);

static inline int bl__transmit_frame(struct bl_ctx *c, uint64_t dest, const struct bl_msg *f)
{
	struct bl_sched *s = c->s;
	int refused;

	if (unlikely(f->type != BL_MSG_FRAME || s->tx.frame_fn == NULL))
		return bl__transmit_frame_any(c, dest, f);
	refused = s->tx.frame_fn(s->tx.arg, s->lcore, dest, f);
	if (likely(refused <= 0))
		return 0;
	s->drops[BL_SDROP_TX_FAILED] += (uint64_t)refused;
	return -ENOBUFS;
}

/* A process turn (owner, p popped from the run queue). */
void bl__proc_turn(struct bl_sched *s, struct bl_proc *p);

/* Tear p down now: terminate (if call_terminate), notify, free, slot reuse. */
void bl__proc_teardown(struct bl_sched *s, struct bl_proc *p, bool call_terminate);

/* Arm or re-arm p's timer for its receive timeout / idle hibernation. */
void bl__proc_arm_timer(struct bl_sched *s, struct bl_proc *p);

/* Timer wheel callback for both kinds of nodes. */
void bl__timer_fire(void *arg, struct bl_tnode *t);

/* Act on a ring element addressed to this lcore (consumes its mbuf reference). */
void bl__handle_xmsg(struct bl_sched *s, const struct bl_xmsg *x);

/*
 * Crash records (crash.c): whether an exit reason is worth one, and record
 * p's exit into the lcore's crash ring (counted as crash_dropped when full).
 * Owner, from the teardown, before anything of p is released.
 */
static inline bool bl__crash_worthy(struct bl_reason r)
{
	/* A shutdown with a text is a supervisor giving up: an operator wants it. */
	return r.code != BL_EXIT_NORMAL && (r.code != BL_EXIT_SHUTDOWN || r.text != NULL);
}

/* One lcore's count of a behaviour's processes; pairs with bl_catalog_procs' acquire loads. */
static inline void bl__live_add(struct bl_beh_live *live, uint32_t lcore, int d)
{
	uint32_t *n = &live->procs[lcore % RTE_MAX_LCORE];

	__atomic_store_n(n, *n + (uint32_t)d, __ATOMIC_RELEASE);
}

/* The newest version of beh: beh, or where its next pointers lead (upgrade.c). */
static inline const struct bl_behaviour *bl__behaviour_newest(const struct bl_behaviour *beh)
{
	const struct bl_behaviour *n;

	/* Pairs with the catalog's release store of next (bl_catalog_upgrade). */
	while ((n = __atomic_load_n(&beh->next, __ATOMIC_ACQUIRE)) != NULL)
		beh = n;
	return beh;
}

/*
 * Move p, at the start of its turn, to its behaviour's newest version
 * through that version's code_change (upgrade.c). 0, or -ECANCELED when
 * the process exited (upgrade_failed) and is gone. Owner, outside handlers.
 */
int bl__proc_upgrade(struct bl_sched *s, struct bl_proc *p);

void bl__crash_record(struct bl_sched *s, const struct bl_proc *p, struct bl_reason reason);

/* Links and monitors (link.c). */
/* Hand signal x to its destination: acted on now when it lives on this
 * lcore, else buffered towards its lcore. */
void bl__signal(struct bl_sched *s, const struct bl_xmsg *x);
void bl__peers_notify_exit(struct bl_sched *s, struct bl_proc *p, struct bl_reason reason);

/* Kept binaries (bin.c): release every one at exit. */
void bl__kept_release_all(struct bl_sched *s, struct bl_proc *p);

/* Queue a system message (exit / down / call failed) past the mailbox
 * limit. Returns the node, or NULL when the pool was empty (counted). */
struct bl_msg *bl__sysmsg(struct bl_sched *s, struct bl_proc *p, uint16_t type, uint64_t src,
			  uint64_t key, struct bl_reason reason);

/* A peer entry of p (link.c): add one; remove the first of `kind` whose
 * ref's low 32 bits are `tag` (and whose pid is `pid`, unless BL_PID_NONE),
 * copying it to *out first. */
int bl__peer_add(struct bl_sched *s, struct bl_proc *p, uint32_t kind, uint64_t pid, uint64_t ref);
bool bl__peer_del_tag(struct bl_sched *s, struct bl_proc *p, uint32_t kind, uint64_t pid,
		      uint32_t tag, struct bl_peer *out);

/* Back-pressure (flow.c): let every process p stopped go (p drained or
 * exits); a BL_X_PAUSE or BL_X_RESUME reached this lcore. */
void bl__flow_release(struct bl_sched *s, struct bl_proc *p);
/* Still over half its limit: renew the PAUSE of wire sources told half a
 * hold ago or more, so that none runs out while the mailbox is full. */
void bl__flow_renew(struct bl_sched *s, struct bl_proc *p);
/* A bl_sleep's timer fired: let its process go (actors/flow.c). */
void bl__flow_wake(struct bl_sched *s, struct bl_timer *t);
void bl__flow_xmsg(struct bl_sched *s, const struct bl_xmsg *x);

/* Calls (call.c). */
/* bl_call; a task's call (task) kills the callee when it times out. */
uint64_t bl__call_start(struct bl_ctx *c, uint64_t to, uint64_t key, const void *data, uint32_t len,
			uint32_t timeout_ms, bool task);
/* A reply, or a call's end, in p's turn: to handle_reply, or counted. */
void bl__reply_turn(struct bl_sched *s, struct bl_proc *p, struct bl_ctx *c, struct bl_msg *m);
/* A call's timeout fired (t: its entry, back to the pool here). */
void bl__call_timer_fire(struct bl_sched *s, struct bl_timer *t);
/* A monitor's DOWN reached p: if it was a call's, the call ends (true). */
bool bl__call_down(struct bl_sched *s, struct bl_proc *p, const struct bl_xmsg *x);
/* p exits with pending call e: its timer goes back, its callee forgets it. */
void bl__call_abandon(struct bl_sched *s, struct bl_proc *p, const struct bl_peer *e);
/* A BL_X_CALL or BL_X_REPLY reached this lcore (consumes its mbuf). */
void bl__call_xmsg(struct bl_sched *s, const struct bl_xmsg *x);

/* Shared tables (ets.c). */
/* p exits owning table tab: it passes to its heir, or is deleted. */
void bl__ets_owner_exit(struct bl_sched *s, struct bl_proc *p, uint64_t tab);
/* A BL_X_ETS_GIVE reached the new owner's lcore: it takes the table, or
 * the table goes when it is gone. */
void bl__ets_give_xmsg(struct bl_sched *s, const struct bl_xmsg *x);

/* A small buffer (at most BL_BIN_INLINE_MAX bytes) to a process of this
 * lcore: the copy goes into the node. */
int bl__deliver_buf(struct bl_sched *s, uint64_t dst, uint64_t src, uint64_t key, uint16_t flags,
		    const void *data, uint32_t len);

/* len bytes into a new mbuf from s's pool, or NULL with errno ENOBUFS
 * (counted no_mbuf) or EMSGSIZE. */
struct rte_mbuf *bl__bytes_mbuf(struct bl_sched *s, const void *data, uint32_t len);

/* Send data with an explicit source (forward keeps the original one). */
int bl__send(struct bl_sched *s, uint64_t dst, uint64_t src, uint64_t key, uint16_t flags,
	     const void *data, const struct bl_bin *b, uint32_t len);

static inline struct bl_reason bl__xmsg_reason(const struct bl_xmsg *x)
{
	struct bl_reason r;

	r.code = x->code;
	r.detail = x->detail;
	r.text = (const char *)x->ptr;
	return r;
}

static inline void bl__xmsg_init(struct bl_xmsg *x, uint16_t type, uint64_t dst, uint64_t src,
				 uint64_t key)
{
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->dst = dst;
	x->src = src;
	x->key = key;
}

static inline void bl__xmsg_set_reason(struct bl_xmsg *x, struct bl_reason r)
{
	x->code = r.code;
	x->detail = r.detail;
	x->ptr = r.text;
}

#endif /* BL_ACTORS_INTERNAL_H */
