/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scheduler layout: struct bl_sched and what it embeds (drop reasons, the
 * transmit callback, the scheduler set, cross-lcore ring elements and the
 * outbound buffers), kept apart from the API so the layout and its
 * cache-line rules read on their own (as DPDK's rte_ring_core.h).
 *
 * Do not include this file directly: include actors/sched.h, whose inline
 * deliver paths are the reason the layout is public. Use the functions, not
 * the fields, from outside actors/.
 */
#ifndef BL_ACTORS_SCHED_CORE_H
#define BL_ACTORS_SCHED_CORE_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "actors/proc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-lcore drop reasons: every message the runtime loses counts under one. */
enum bl_sched_drop {
	BL_SDROP_DEAD_PID = 0,	  /* destination process gone or pid stale */
	BL_SDROP_UNKNOWN_LCORE,	  /* pid names an lcore without a scheduler */
	BL_SDROP_RING_FULL,	  /* the cross-lcore ring to the destination was full */
	BL_SDROP_NO_MSG_BUF,	  /* the message node pool was empty */
	BL_SDROP_NO_MBUF,	  /* a buffer send needed an mbuf; pool empty */
	BL_SDROP_MAILBOX_FULL,	  /* mailbox limit (drop_newest / drop_oldest / kill) */
	BL_SDROP_TX_FAILED,	  /* the transmit callback refused the message */
	BL_SDROP_SIGNAL_TO_DEAD,  /* an exit/link/monitor signal to a process already gone */
	BL_SDROP_UNHANDLED,	  /* exit/down message to a behaviour without handle_exit */
	BL_SDROP_EXITED,	  /* still in the mailbox when its process exited */
	BL_SDROP_LATE_REPLY,	  /* a reply whose call had timed out or was never made */
	BL_SDROP_UNHANDLED_REPLY, /* a reply to a behaviour without handle_reply */
	BL_SDROP_BREAKER_OPEN,	  /* a breaker was open and had no fallback */
	BL_SDROP_FLOW_CONTROL, /* from the wire to a block mailbox at its cap: the source was paused
				*/
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

struct bl_registry;
struct bl_ets;
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
	BL_X_CALL,	/* data owing a reply: ptr = the call's tag (actors/call.c) */
	BL_X_REPLY,	/* a reply: ptr = the call's tag */
	BL_X_PAUSE,	/* src's mailbox is full (policy block): stop sending */
	BL_X_RESUME,	/* src's mailbox drained: go on */
	BL_X_ETS_GIVE,	/* table key passes from src to dst (actors/ets.c); flags 1: inherited */
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
	uint64_t rx_tsc; /* the message's (struct bl_msg); data only */
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
	uint32_t now;	/* last clock reading, ms */
	bool now_fresh; /* now was read in this bl_sched_run (bl__now_run) */
	bool in_run;	/* inside bl_sched_run */
	uint64_t next_ref;
	struct bl_spawn_opts defaults;
	struct bl_chunk_pool chunks;
	struct bl_msg_pool msgs;
	struct bl_timer *timers;
	struct bl_timer *free_timers;
	uint32_t n_timers;
	uint32_t n_timers_free;
	struct bl_registry *registry;
	struct bl_ets *ets; /* shared tables, or NULL */
	struct bl_tx tx;
	uint32_t (*clock_ms)(void *arg);
	void *clock_arg;
	uint64_t tsc_per_ms;
	bool own_pool;
	/* The process whose handler ran last in this turn and the key of its
	 * message: a crash record names the message a process died on. */
	struct bl_proc *cur_proc;
	uint64_t cur_key;
	uint64_t stamp; /* rx_tsc of what is delivered or sent now (struct bl_msg) */
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
	uint64_t flow_pauses;	/* senders stopped by a full block mailbox */
	uint64_t flow_resumes;	/* block mailboxes drained: their senders let go */
	uint64_t wire_pauses;	/* PAUSE sent to sources on the wire (actors/flow.c) */
	uint64_t wire_resumes;	/* RESUME sent to them */
	uint64_t upgraded;	/* processes moved to a newer behaviour version */

	struct bl_wheel wheel;
};

/* What other lcores read (rings, set) stays alone on the first cache line. */
static_assert(offsetof(struct bl_sched, procs) == RTE_CACHE_LINE_SIZE,
	      "fields read by other lcores must not share a line with the owner's");

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_SCHED_CORE_H */
