/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scheduler: one per lcore, owning that lcore's processes.
 *
 * struct bl_sched holds everything of one lcore's runtime: the process table
 * and its free list, the run queue, the chunk pool for heaps, the message
 * node pool, the timer wheel and send_after timers, the inbound rings (one
 * single-producer/single-consumer rte_ring per sending lcore, so messages
 * from one lcore arrive in the order they were sent), a command ring for
 * the control thread, and its counters. No global state.
 *
 * Threads:
 *  - the owner: the lcore that calls bl_sched_run. It alone calls every
 *    function below marked "owner", the inline deliver functions, and runs
 *    all handlers. Before the sched is run (or after it stopped), the thread
 *    that created it is the owner.
 *  - any other thread (the control thread): only functions marked "any":
 *    bl_sched_post*, bl_sched_exec, bl_sched_spawn_on, bl_sched_kill_on,
 *    bl_sched_ps, bl_sched_totals. They go through the command ring, which
 *    the owner drains in bl_sched_run.
 */
#ifndef BL_ACTORS_SCHED_H
#define BL_ACTORS_SCHED_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "actors/proc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-lcore drop reasons: every message the runtime loses counts under one. */
enum bl_sched_drop {
	BL_SDROP_DEAD_PID = 0,	 /* destination process gone or pid stale */
	BL_SDROP_UNKNOWN_LCORE,	 /* pid names an lcore without a scheduler */
	BL_SDROP_RING_FULL,	 /* the cross-lcore ring to the destination was full */
	BL_SDROP_NO_MSG_BUF,	 /* the message node pool was empty */
	BL_SDROP_NO_MBUF,	 /* a buffer send needed an mbuf; pool empty */
	BL_SDROP_MAILBOX_FULL,	 /* mailbox limit (drop_newest / drop_oldest / kill) */
	BL_SDROP_TX_FAILED,	 /* the transmit callback refused the message */
	BL_SDROP_SIGNAL_TO_DEAD, /* an exit/link/monitor signal to a process already gone */
	BL_SDROP_UNHANDLED,	 /* exit/down message to a behaviour without handle_exit */
	BL_SDROP_EXITED,	 /* still in the mailbox when its process exited */
	BL_SDROP_MAX
};

extern const char *const bl_sched_drop_names[BL_SDROP_MAX];

/*
 * Transmit path for the forward and echo behaviours (bl_transmit). The
 * dataplane provides it. fn is called on the owner lcore with the message;
 * if it keeps the payload's mbuf it takes its own reference
 * (rte_mbuf_refcnt_update). m->bin.m == NULL means the payload was copied
 * inline (bl_msg_data / bl_msg_len still give the bytes). Returns 0, or
 * -errno for a drop the runtime counts as tx_failed.
 */
struct bl_tx {
	int (*fn)(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *m);
	/* Optional: every message of a frame node (BL_MSG_FRAME) at once.
	 * Returns how many of them it refused (0: all taken), as fn's
	 * refusals, each counted tx_failed. */
	int (*frame_fn)(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *f);
	void *arg;
};

struct bl_sched;
struct bl_registry;
struct bl_timer;
struct bl_exec;

/*
 * The set of schedulers that can send to each other: pids name an lcore,
 * the set maps it to its scheduler. Owned by the caller (the lead's lcore
 * setup); zero it with bl_sched_set_init before creating schedulers.
 */
struct bl_sched_set {
	uint32_t n;
	struct bl_sched *by_lcore[RTE_MAX_LCORE];
	struct bl_sched *by_idx[RTE_MAX_LCORE];
};

void bl_sched_set_init(struct bl_sched_set *set);

/* Creation parameters; zero fields take the defaults in brackets. */
struct bl_sched_config {
	struct bl_sched_set *set;      /* required */
	uint32_t max_procs;	       /* process table size [4096] */
	uint32_t chunk_size;	       /* heap chunk bytes, power of two [2048] */
	uint32_t n_chunks;	       /* chunks in the lcore's pool [4096] */
	uint32_t n_msgs;	       /* message nodes [16384] */
	uint32_t n_timers;	       /* send_after entries [1024] */
	uint32_t ring_size;	       /* each inbound ring, power of two [1024] */
	uint32_t cmd_ring_size;	       /* command ring, power of two [256] */
	uint32_t crash_ring_size;      /* crash records for the control thread, power of two [64] */
	uint32_t budget;	       /* messages per process per turn [8] */
	uint32_t mailbox_limit;	       /* default mailbox limit [1024] */
	uint32_t heap_limit;	       /* default heap limit, bytes [1 MiB] */
	uint32_t hibernate_after_ms;   /* default idle hibernate [0: never] */
	uint8_t overflow;	       /* default enum bl_overflow + 1 [drop_newest] */
	struct rte_mempool *mbuf_pool; /* for buffer sends; NULL: create one */
	struct bl_registry *registry;  /* for the relay behaviour by name; may be NULL */
	struct bl_tx tx;	       /* for forward / echo; may be empty */
	/* Millisecond clock; NULL: the TSC. Tests pass a fake one. */
	uint32_t (*clock_ms)(void *arg);
	void *clock_arg;
};

/* Cross-lcore and command-ring element: 56 bytes. */
#define BL_OUT_BURST 32u
enum bl_xmsg_type {
	BL_X_DATA = 1,
	BL_X_EXIT,	  /* a linked process exited: src, reason */
	BL_X_EXIT_SIGNAL, /* bl_exit_signal from src (not a link) */
	BL_X_LINK,
	BL_X_UNLINK,
	BL_X_MONITOR,	/* key = ref */
	BL_X_DEMONITOR, /* key = ref */
	BL_X_DOWN,	/* key = ref, reason */
	BL_X_EXEC,	/* command ring only: ptr = struct bl_exec */
};

struct bl_xmsg {
	uint64_t dst;
	uint64_t src;
	uint64_t key;
	struct rte_mbuf *m; /* holds one reference, or NULL */
	uint32_t off;
	uint32_t len;
	uint16_t type;
	uint16_t flags;
	uint16_t code;	 /* reason code */
	uint16_t detail; /* reason detail */
	const void *ptr; /* reason text, or struct bl_exec */
};

static_assert(sizeof(struct bl_xmsg) % 4 == 0, "rte_ring elements are multiples of 4 bytes");

/*
 * Outbound buffer towards one lcore: cross-lcore sends are enqueued into
 * the ring BL_OUT_BURST at a time (one cache-line handover per burst, not
 * per message), in order, and flushed at the end of every bl_sched_run.
 */
struct bl_outbuf {
	uint32_t n;
	uint32_t pad;
	struct bl_xmsg x[BL_OUT_BURST];
};

struct bl_sched {
	/* Read by every lcore that sends here; written only at creation. */
	uint32_t lcore;
	uint32_t idx;
	uint32_t n_lcores;
	uint32_t cap;
	struct rte_ring **inbound; /* [n_lcores], by sender idx */
	struct bl_outbuf *out;	   /* [n_lcores], by receiver idx; owner only */
	struct rte_ring *cmd;
	struct bl_sched_set *set;
	struct rte_mempool *mbuf_pool;
	struct rte_ring *crash; /* SP/SC: crash records to the control thread (crash.h) */

	/* Owner lcore only from here on. */
	struct bl_proc *procs __rte_cache_aligned;
	struct bl_proc *free_procs;
	uint32_t n_fresh; /* slots never used: the last n_fresh of the table */
	size_t procs_bytes;
	struct bl_proc *runq_head;
	struct bl_proc *runq_tail;
	uint32_t runq_len;
	uint32_t n_live;
	uint32_t budget;
	uint32_t now; /* last clock reading, ms */
	uint64_t next_ref;
	struct bl_spawn_opts defaults;
	struct bl_chunk_pool chunks;
	struct bl_msg_pool msgs;
	struct bl_timer *timers;
	struct bl_timer *free_timers;
	uint32_t n_timers;
	uint32_t n_timers_free;
	struct bl_registry *registry;
	struct bl_tx tx;
	uint32_t (*clock_ms)(void *arg);
	void *clock_arg;
	uint64_t tsc_per_ms;
	bool own_pool;
	/* The process whose handler ran last in this turn and the key of its
	 * message: a crash record names the message a process died on. */
	struct bl_proc *cur_proc;
	uint64_t cur_key;
	/* The frame node whose handle_frame runs now (NULL between), and how
	 * many frame turns have ended: see bl_sched_lend_frame. */
	struct bl_msg *turn_frame;
	uint64_t frame_turns;

	/* Counters: written by the owner, read racily by anyone (relaxed loads). */
	uint64_t drops[BL_SDROP_MAX];
	uint64_t handled; /* messages handled by all processes */
	uint64_t spawned;
	uint64_t exited;
	uint64_t pinned_total;	/* sum of pinned_bytes */
	uint64_t mbox_total;	/* messages queued in all mailboxes */
	uint64_t crashes;	/* abnormal exits recorded (crash.h) */
	uint64_t crash_dropped; /* crash records lost: the crash ring was full */

	struct bl_wheel wheel;
};

/* What other lcores read (rings, set) stays alone on the first cache line. */
static_assert(offsetof(struct bl_sched, procs) == RTE_CACHE_LINE_SIZE,
	      "fields read by other lcores must not share a line with the owner's");

/*
 * Create the scheduler of lcore_id (the lcore that will run it), able to
 * receive from n_lcores schedulers of config->set (including itself), and
 * register it in the set. Every scheduler of a set is created with the same
 * n_lcores, all of them before any of them runs. Control path (allocates). Returns NULL and sets
 * errno (EINVAL, ENOMEM, EEXIST for an lcore already in the set, ENOSPC when
 * the set already has n_lcores schedulers).
 */
struct bl_sched *bl_sched_create(uint32_t lcore_id, uint32_t n_lcores,
				 const struct bl_sched_config *config);

/*
 * Exit every process with reason shutdown (their terminate callbacks run,
 * their links and monitors are notified), drain the rings, free everything
 * and unregister from the set. Owner, with the sched no longer running; the
 * other schedulers of the set must not send to it any more.
 */
void bl_sched_destroy(struct bl_sched *s);

/*
 * One pass of the scheduler, from the lcore's poll loop (owner): drain the
 * command ring and the inbound rings (bounded bursts), fire due timers, then
 * run at most max_turns process turns of at most `budget` messages each.
 * Returns the number of messages and signals handled; never blocks.
 */
unsigned bl_sched_run(struct bl_sched *s, unsigned max_turns);

/* Spawn on s. Owner. Returns the pid, or BL_PID_NONE with errno set
 * (ENOSPC: table full; the init callback's error; EINVAL). */
uint64_t bl_proc_spawn(struct bl_sched *s, const struct bl_behaviour *beh, void *arg,
		       const struct bl_spawn_opts *opts);

/* Make pid exit with reason at its next turn (untrappable). Owner; -ESRCH if gone. */
int bl_proc_kill(struct bl_sched *s, uint64_t pid, struct bl_reason reason);

/* The process struct / state of a live pid on s, or NULL. Owner. */
struct bl_proc *bl_proc_lookup(struct bl_sched *s, uint64_t pid);
void *bl_proc_state(struct bl_sched *s, uint64_t pid);

/*
 * Check the scheduler's invariants in O(processes + queued messages): run
 * queue and flags agree, counters equal the sums over the processes, pools
 * are consistent. Owner. Returns 0, or -EFAULT after printing what is wrong.
 * Built with -Dexpensive_checks=true, bl_sched_run calls it after every pass
 * and aborts (file:line) when it fails.
 */
int bl_sched_check(struct bl_sched *s);

/* --- any thread, through the command ring --- */

/*
 * Run fn(s, arg) on the owner lcore and wait for it (polling, at most
 * timeout_ms; 0 = wait forever). Returns 0, -ETIMEDOUT (fn will never run:
 * cancelled), -ENOBUFS (command ring full), -ENOMEM. Any thread but the
 * owner (which would wait for itself). fn must not block.
 */
int bl_sched_exec(struct bl_sched *s, void (*fn)(struct bl_sched *s, void *arg), void *arg,
		  unsigned timeout_ms);

/* Spawn on s from another thread. Returns the pid or BL_PID_NONE (errno set). */
uint64_t bl_sched_spawn_on(struct bl_sched *s, const struct bl_behaviour *beh, void *arg,
			   const struct bl_spawn_opts *opts, unsigned timeout_ms);

/* Post a message (copied into an mbuf from s's pool) to pid on s. Any thread. */
int bl_sched_post(struct bl_sched *s, uint64_t dst, uint64_t key, const void *data, uint32_t len);

/* Send an exit signal to pid on s (BL_EXIT_KILL: untrappable). Any thread. */
int bl_sched_kill_on(struct bl_sched *s, uint64_t pid, struct bl_reason reason);

/* --- internals the inline paths need (bl__: this folder only) --- */

void bl__proc_mark_exit(struct bl_sched *s, struct bl_proc *p, struct bl_reason reason);
int bl__deliver_buf(struct bl_sched *s, uint64_t dst, uint64_t src, uint64_t key, uint16_t flags,
		    const void *data, uint32_t len);
void bl__signal(struct bl_sched *s, const struct bl_xmsg *x);

void bl__outbuf_flush(struct bl_sched *s, struct bl_sched *d, struct bl_outbuf *ob);

/*
 * Push buffered cross-lcore messages into their rings now. Owner.
 * bl_sched_run does it at the end of every pass; call it when sending
 * outside a pass. Messages a full ring refuses stay buffered, in order.
 */
void bl_sched_flush(struct bl_sched *s);

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

/*
 * For a transmitter (struct bl_tx) handed f during a handle_frame: take over
 * the mbuf reference of the frame node f instead of adding one, saving the
 * atomic release a shared mbuf costs. True only for the node of the running
 * frame turn whose reference is not lent yet; *turn then identifies the turn.
 * The reference becomes the caller's when that turn ends, which
 * bl_sched_frame_turn_over tells; until then the handler may still read the
 * frame, so the caller must neither release the mbuf nor let it leave. A
 * caller that needs it before then calls bl_sched_lend_cancel (the node then
 * releases its reference as usual) and takes a reference of its own.
 */
static inline bool bl_sched_lend_frame(struct bl_sched *s, const struct bl_msg *f, uint64_t *turn)
{
	if (f != s->turn_frame || (f->flags & BL_MSG_F_LENT) || f->bin.m == NULL)
		return false;
	s->turn_frame->flags |= BL_MSG_F_LENT;
	*turn = s->frame_turns;
	return true;
}

static inline bool bl_sched_frame_turn_over(const struct bl_sched *s, uint64_t turn)
{
	return s->frame_turns != turn;
}

/* Only before the lending turn is over (f is still its node). */
static inline void bl_sched_lend_cancel(struct bl_sched *s, const struct bl_msg *f)
{
	if (f == s->turn_frame)
		s->turn_frame->flags &= (uint16_t)~BL_MSG_F_LENT;
}

/* Queue msg (filled in) on p, applying p's overflow policy. */
static __rte_always_inline int bl__mailbox_put(struct bl_sched *s, struct bl_proc *p,
					       struct bl_msg *msg)
{
	struct bl_msg *victim = NULL;

	switch (bl_mailbox_push(&p->mbox, msg, (enum bl_overflow)p->overflow, &victim)) {
	case BL_MBOX_OK:
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
		s->drops[BL_SDROP_MAILBOX_FULL] += bl_msg_weight(msg);
		bl_msg_free(&s->msgs, msg);
		return -ENOBUFS;
	}
	s->mbox_total++;
	if (msg->bin.m != NULL)
		bl__pin(s, p, msg->bin.m);
	/* A running process is re-queued by its own turn (never queued twice). */
	if (!(p->flags & BL_PF_RUNQ) && p->status != BL_PROC_RUNNING)
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
	msg->type = BL_MSG_DATA;
	msg->flags = flags;
	msg->aux = 0;
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

/*
 * Deliver one message received by this lcore: bytes [off, off+len) of m,
 * with key and the dataplane's source token (flags BL_MSG_F_NET) or a pid,
 * to dst on any lcore of the set. Owner. The caller keeps its own reference
 * to m; the runtime takes one only when it keeps the payload (more than
 * BL_BIN_INLINE_MAX bytes, or crossing lcores). m may be NULL when len is 0.
 * Returns 0, or -errno for a drop it counted (dead_pid, ring_full, ...).
 */
static inline int bl_sched_deliver(struct bl_sched *s, uint64_t dst, uint64_t key, uint64_t src,
				   struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t flags)
{
	struct bl_xmsg x;

	if (bl_pid_lcore(dst) == s->lcore)
		return bl__deliver_local(s, dst, src, key, flags, m, off, len, false);
	if (m != NULL)
		rte_mbuf_refcnt_update(m, 1);
	bl__xmsg_data(&x, dst, src, key, m, off, len, flags);
	return bl__post_remote(s, &x);
}

/*
 * Deliver every message of one received wire frame to dst, a process of
 * this lcore, as one mailbox entry: bytes [off, off+len) of m are `count`
 * wire messages (16-byte header each, lengths already checked by the
 * caller), from src (flags as for bl_sched_deliver, plus BL_MSG_F_PLAIN
 * when the caller knows every header is kind data with flags 0). The node
 * holds one reference to m; no payload byte is copied. The process handles
 * them one by one in one turn (each a reduction); a drop counts `count`
 * messages. Returns 0, -EXDEV when dst lives on another lcore (nothing
 * done: deliver the messages one by one), or -errno for a drop it counted.
 * This one takes a reference of its own; _owned takes the caller's (gone
 * whatever happens, but for -EXDEV).
 */
static inline int bl_sched_deliver_frame_owned(struct bl_sched *s, uint64_t dst, uint64_t src,
					       struct rte_mbuf *m, uint32_t off, uint32_t len,
					       uint16_t count, uint16_t flags)
{
	struct bl_proc *p;
	struct bl_msg *msg;

	if (bl_pid_lcore(dst) != s->lcore)
		return -EXDEV;
	p = bl__proc_get(s, dst);
	if (unlikely(p == NULL)) {
		s->drops[BL_SDROP_DEAD_PID] += count;
		rte_pktmbuf_free(m);
		return -ESRCH;
	}
	msg = bl_msg_alloc(&s->msgs);
	if (unlikely(msg == NULL)) {
		s->drops[BL_SDROP_NO_MSG_BUF] += count;
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	msg->src = src;
	msg->key = 0;
	msg->type = BL_MSG_FRAME;
	msg->flags = flags;
	msg->aux = count;
	msg->bin.m = m;
	msg->bin.off = off;
	msg->bin.len = len;
	return bl__mailbox_put(s, p, msg); /* a refused node releases m */
}

static inline int bl_sched_deliver_frame(struct bl_sched *s, uint64_t dst, uint64_t src,
					 struct rte_mbuf *m, uint32_t off, uint32_t len,
					 uint16_t count, uint16_t flags)
{
	if (bl_pid_lcore(dst) != s->lcore)
		return -EXDEV;
	rte_mbuf_refcnt_update(m, 1);
	return bl_sched_deliver_frame_owned(s, dst, src, m, off, len, count, flags);
}

/* bl_sched_deliver for a binary the caller holds (same contract). */
static inline int bl_sched_deliver_bin(struct bl_sched *s, uint64_t dst, uint64_t key, uint64_t src,
				       const struct bl_bin *b, uint16_t flags)
{
	return bl_sched_deliver(s, dst, key, src, b->m, b->off, b->len, flags);
}

#define BL_FANOUT_MAX_REFS 8192u
#define BL_FANOUT_PREFETCH 4u

/*
 * Fan-out: the same payload to n pids. Large payloads take all their
 * references in one refcount update; no payload bytes are copied. Owner.
 * Returns how many were queued (the others are counted drops).
 */
static inline unsigned bl_sched_deliver_burst(struct bl_sched *s, const uint64_t *dsts, unsigned n,
					      uint64_t key, uint64_t src, struct rte_mbuf *m,
					      uint32_t off, uint32_t len, uint16_t flags)
{
	unsigned i, ok = 0;

	if (len <= BL_BIN_INLINE_MAX || m == NULL) {
		for (i = 0; i < n; i++)
			ok += bl_sched_deliver(s, dsts[i], key, src, m, off, len, flags) == 0;
		return ok;
	}
	if (n == 0)
		return 0;
	if (n > BL_FANOUT_MAX_REFS) {
		/* The refcount is 16 bits: take references in bounded steps. */
		ok = bl_sched_deliver_burst(s, dsts, BL_FANOUT_MAX_REFS, key, src, m, off, len,
					    flags);
		return ok + bl_sched_deliver_burst(s, dsts + BL_FANOUT_MAX_REFS,
						   n - BL_FANOUT_MAX_REFS, key, src, m, off, len,
						   flags);
	}
	rte_mbuf_refcnt_update(m, (int16_t)n);
	for (i = 0; i < n; i++) {
		/* Receivers are scattered over the table: fetch ahead. */
		if (i + BL_FANOUT_PREFETCH < n) {
			uint32_t ahead = bl_pid_slot(dsts[i + BL_FANOUT_PREFETCH]);

			if (ahead < s->cap)
				rte_prefetch0(&s->procs[ahead]);
		}
		if (bl_pid_lcore(dsts[i]) == s->lcore) {
			ok +=
			    bl__deliver_local(s, dsts[i], src, key, flags, m, off, len, true) == 0;
		} else {
			struct bl_xmsg x;

			bl__xmsg_data(&x, dsts[i], src, key, m, off, len, flags);
			ok += bl__post_remote(s, &x) == 0;
		}
	}
	return ok;
}

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_SCHED_H */
