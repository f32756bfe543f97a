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
 *
 * This header is the API. The layout (struct bl_sched and what it embeds)
 * is in sched_core.h and the bl__ internals of the inline deliver paths in
 * sched_pvt.h; both are included here and not meant to be included on their
 * own. Spawning, killing and looking up one process on a scheduler are in
 * proc.h (bl_proc_spawn, bl_proc_kill, bl_proc_lookup, bl_proc_state).
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
#include "actors/sched_core.h"
#include "actors/sched_pvt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Zero a set (struct bl_sched_set, sched_core.h) before creating its
 * schedulers. Control thread. */
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
	struct bl_ets *ets;	       /* shared tables (actors/ets.h); NULL: none */
	struct bl_tx tx;	       /* for forward / echo; may be empty */
	/* Millisecond clock; NULL: the TSC. Tests pass a fake one. */
	uint32_t (*clock_ms)(void *arg);
	void *clock_arg;
};

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

/* --- owner: flushing and the inline deliver paths --- */

/*
 * Push buffered cross-lcore messages into their rings now. Owner.
 * bl_sched_run does it at the end of every pass; call it when sending
 * outside a pass. Messages a full ring refuses stay buffered, in order.
 */
void bl_sched_flush(struct bl_sched *s);

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
/* The RX time deliveries made now carry (struct bl_msg.rx_tsc): the lcore
 * sets its burst's before delivering it; a process's turn sets each
 * message's; 0 for none. */
static inline void bl_sched_set_stamp(struct bl_sched *s, uint64_t tsc)
{
	s->stamp = tsc;
}

static inline uint64_t bl_sched_stamp(const struct bl_sched *s)
{
	return s->stamp;
}

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
	x.rx_tsc = s->stamp | (flags & BL_MSG_F_FANOUT ? 1u : 0u);
	return bl__post_remote(s, &x);
}

/* Frame node msg for `count` wire messages, bytes [off, off+len) of m. */
static inline void bl__frame_node(const struct bl_sched *s, struct bl_msg *msg, uint64_t src,
				  struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t count,
				  uint16_t flags)
{
	msg->src = src;
	msg->key = 0;
	msg->type = BL_MSG_FRAME;
	msg->flags = flags;
	msg->aux = count;
	msg->rx_tsc = s->stamp;
	msg->bin.m = m;
	msg->bin.off = off;
	msg->bin.len = len;
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
	bl__frame_node(s, msg, src, m, off, len, count, flags);
	return bl__mailbox_put(s, p, msg); /* a refused node releases m */
}

/*
 * bl_sched_deliver_frame_owned for the data plane's RX, outside every turn:
 * when dst waits with an empty mailbox, is not blocked, and has no timeout
 * due nor an upgrade waiting, the frame is handled at once, as the turn
 * the process would get next anyway (whole by handle_frame, else message
 * by message): no node is queued, none is taken from the pool, and the
 * handler runs while the frame is still in the cache. What it sends leaves
 * as from any turn. Otherwise the frame is queued as by
 * bl_sched_deliver_frame_owned, behind what waits, so the order of a
 * process's messages holds either way. Same returns.
 */
static inline int bl_sched_deliver_frame_now(struct bl_sched *s, uint64_t dst, uint64_t src,
					     struct rte_mbuf *m, uint32_t off, uint32_t len,
					     uint16_t count, uint16_t flags)
{
	struct bl_proc *p;
	struct bl_msg f;

	if (bl_pid_lcore(dst) != s->lcore)
		return -EXDEV;
	p = bl__proc_get(s, dst);
	if (unlikely(p == NULL) || p->mbox.len != 0 || p->status == BL_PROC_RUNNING ||
	    (p->flags & (BL_PF_RUNQ | BL_PF_BLOCKED | BL_PF_EXIT_PENDING | BL_PF_TIMEOUT_DUE)) ||
	    __atomic_load_n(&p->beh->next, __ATOMIC_ACQUIRE) != NULL)
		return bl_sched_deliver_frame_owned(s, dst, src, m, off, len, count, flags);
	f.next = NULL;
	bl__frame_node(s, &f, src, m, off, len, count, flags);
	bl__proc_frame_now(s, p, &f);
	return 0;
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

/*
 * Of the n pids, the one whose mailbox is the shortest now (a pool's
 * least_loaded pick), trying them from `start` on so that ties spread; a
 * pid that is gone counts as the longest. A member of another lcore is read
 * racily (a relaxed load of its length: a hint, never trusted for more).
 * Owner. BL_PID_NONE when n is 0.
 */
static inline uint64_t bl_sched_least_loaded(const struct bl_sched *s, const uint64_t *pids,
					     unsigned n, unsigned start)
{
	uint64_t best = BL_PID_NONE;
	uint32_t best_len = UINT32_MAX;
	unsigned i;

	for (i = 0; i < n; i++) {
		uint64_t pid = pids[(start + i) % n];
		const struct bl_sched *o = s->set != NULL ? s->set->by_lcore[bl_pid_lcore(pid)] : s;
		const struct bl_proc *p;
		uint32_t len;

		if (o == NULL || bl_pid_slot(pid) >= o->cap)
			continue;
		p = &o->procs[bl_pid_slot(pid)];
		/* A free slot keeps its last pid: its status says it is gone. */
		if (__atomic_load_n(&p->pid, __ATOMIC_RELAXED) != pid ||
		    __atomic_load_n(&p->status, __ATOMIC_RELAXED) == BL_PROC_FREE ||
		    __atomic_load_n(&p->status, __ATOMIC_RELAXED) == BL_PROC_EXITING)
			continue;
		len = __atomic_load_n(&p->mbox.len, __ATOMIC_RELAXED);
		if (len < best_len) {
			best_len = len;
			best = pid;
			if (len == 0)
				break; /* none shorter */
		}
	}
	return best;
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
			x.rx_tsc = s->stamp | (flags & BL_MSG_F_FANOUT ? 1u : 0u);
			ok += bl__post_remote(s, &x) == 0;
		}
	}
	return ok;
}

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_SCHED_H */