/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Processes: behaviours, the process struct, and what a handler may call.
 *
 * A process is a slot in its lcore's process table (struct bl_sched), run by
 * that lcore only. It has a behaviour (callbacks), a state pointer (usually
 * into its own heap), a private heap, a bounded mailbox, and at most one
 * timer node used for both the receive timeout and hibernate-after-idle.
 *
 * Handlers run on the owning lcore with a struct bl_ctx. Everything a handler
 * may do is a bl_* function taking that ctx: send, forward, transmit, spawn
 * (on its own lcore), link, monitor, trap exits, set a receive timeout, send
 * after a delay, keep binaries, allocate, hibernate, exit. None of them
 * blocks. A handler must not keep a struct bl_msg past its return: keep the
 * payload with bl_bin_keep instead.
 */
#ifndef BL_ACTORS_PROC_H
#define BL_ACTORS_PROC_H

#include <stdbool.h>
#include <assert.h>
#include <stdint.h>

#include "actors/bin.h"
#include "actors/heap.h"
#include "actors/mailbox.h"
#include "actors/pid.h"
#include "actors/timer.h"
#include "sdk/beamline/behaviour.h"

#include <rte_config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* enum bl_exit_code, struct bl_reason, bl_reason_make and bl_reason_error:
 * the SDK header (sdk/beamline/behaviour.h), which mailbox.h includes. */

/* Stable names of the exit codes (CLI, logs, docs). */
extern const char *const bl_exit_code_names[BL_EXIT_CODE_MAX];

enum bl_proc_status {
	BL_PROC_FREE = 0,
	BL_PROC_WAITING,     /* alive, no mail */
	BL_PROC_RUNNABLE,    /* on the run queue */
	BL_PROC_RUNNING,     /* in a handler now */
	BL_PROC_HIBERNATING, /* waiting, heap shrunk to the minimum */
	BL_PROC_EXITING,     /* exit decided, being torn down at its next turn */
	BL_PROC_STATUS_MAX
};

extern const char *const bl_proc_status_names[BL_PROC_STATUS_MAX];

struct bl_sched;
struct bl_proc;

/* enum bl_call_status, struct bl_reply, struct bl_info_kv: the SDK header. */
extern const char *const bl_call_status_names[BL_CALL_STATUS_MAX];

/* Handler context: valid during one callback only. */
struct bl_ctx {
	struct bl_sched *s;
	struct bl_proc *p;
};

/*
 * A behaviour: static callbacks shared by all its processes. Every callback
 * but handle_message may be NULL. They run on the process's lcore.
 *  init:		at spawn; return 0, or -errno to refuse (spawn fails).
 *  handle_message: a BL_MSG_DATA message.
 *  handle_timeout: the receive timeout set with bl_set_timeout expired.
 *  handle_exit:	a BL_MSG_EXIT (trapped exit of a linked process; m->src,
 *			m->u.reason) or BL_MSG_DOWN (monitor; m->key is the ref).
 *  terminate:		the process is exiting with `reason`; it may still send.
 *  handle_frame:	optional: every message of one received wire frame at
 *			once (f->type BL_MSG_FRAME; walk them with struct
 *			bl_frame_iter, pass them all on with bl_transmit_frame).
 *			Each message counts as a reduction. Without it, the
 *			frame's messages reach handle_message one by one.
 *  handle_reply:	optional: the answer to a bl_call of this process, a
 *			reply or the call's end without one (timeout, noproc).
 *			Without it, replies are dropped (unhandled_reply).
 *  info:		optional: the behaviour's own figures for `info`, at
 *			most max name/value pairs (static names) from its state.
 *			Called on the process's lcore between turns.
 *  code_change:	optional: the first thing of a process's first turn on
 *			this version after a live upgrade (the SDK header says
 *			the contract); 0 or -errno (exit upgrade_failed).
 *  next:		NULL, or the newer version of this behaviour (set once,
 *			by the catalog on the control thread, with release
 *			order): a process running this one moves to it at the
 *			start of its next turn. Next to handle_message, so the
 *			check costs the turn no cache line it does not touch.
 *
 * handle_message also gets calls (m->type BL_MSG_CALL): answer them with
 * bl_reply.
 */
struct bl_behaviour {
	const char *name;
	int (*init)(struct bl_ctx *c, void *arg);
	void (*handle_message)(struct bl_ctx *c, const struct bl_msg *m);
	const struct bl_behaviour *next; /* a newer version (upgrade), or NULL */
	void (*handle_timeout)(struct bl_ctx *c);
	void (*handle_exit)(struct bl_ctx *c, const struct bl_msg *m);
	void (*terminate)(struct bl_ctx *c, struct bl_reason reason);
	void (*handle_frame)(struct bl_ctx *c, const struct bl_msg *f);
	void (*handle_reply)(struct bl_ctx *c, const struct bl_reply *r);
	unsigned (*info)(const void *state, struct bl_info_kv *kv, unsigned max);
	int (*code_change)(struct bl_ctx *c, void *old_state, const char *old_version);
	const char *version; /* the catalog's copies: "1.2.0"; else NULL */
	/* Set by the catalog (actors/catalog.h) on the behaviours it hands
	 * out: its processes per lcore, counted at spawn and at teardown.
	 * NULL: not counted (a behaviour spawned straight from C). */
	struct bl_beh_live *live;
};

/*
 * Live processes of one behaviour version per lcore. Slot i is written by
 * lcore i only (plain increments, relaxed atomic stores, at spawn and
 * teardown: never per message); the control thread sums the slots with
 * relaxed loads, and reads a teardown's effects (its terminate callback has
 * returned) after seeing its decrement: release store / acquire load.
 */
struct bl_beh_live {
	uint32_t procs[RTE_MAX_LCORE];
};

/* Whether a and b run the same code (a catalog copy and its built-in). */
static inline bool bl_behaviour_same(const struct bl_behaviour *a, const struct bl_behaviour *b)
{
	return a != NULL && b != NULL && a->handle_message == b->handle_message;
}

/* Spawn options; a NULL opts or a zero field means the scheduler default. */
struct bl_spawn_opts {
	uint32_t mailbox_limit;
	uint32_t heap_limit;	     /* bytes; UINT32_MAX: none */
	uint32_t hibernate_after_ms; /* idle time before hibernating; 0: never */
	uint8_t overflow;	     /* enum bl_overflow + 1; 0: default */
	bool trap_exit;
	uint64_t link_to; /* link to this pid right after init */
};

/* Link / monitor bookkeeping, in the owner's heap. */
enum bl_peer_kind {
	BL_PEER_LINK = 1,
	BL_PEER_MONITORING,   /* I monitor pid (ref) */
	BL_PEER_MONITORED_BY, /* pid monitors me (ref) */
	BL_PEER_CALLING,      /* I wait for pid's reply (ref; pad: timer index + 1, or 0) */
	BL_PEER_WAITER,	      /* pid is blocked on my full mailbox (policy block) */
	BL_PEER_TABLE,	      /* I own shared table ref (actors/ets.c) */
	BL_PEER_WIRE,	      /* wire source token pid paused for key ref (pad: ms told) */
};

struct bl_peer {
	struct bl_peer *next;
	uint64_t pid;
	uint64_t ref;
	uint32_t kind;
	uint32_t pad;
};

#define BL_PF_RUNQ	   0x01u /* on the run queue */
#define BL_PF_TRAP_EXIT	   0x02u
#define BL_PF_EXIT_PENDING 0x04u /* exit_reason is set; tear down at the next turn */
#define BL_PF_HIBERNATE	   0x08u /* hibernate after this turn */
#define BL_PF_TIMEOUT_DUE  0x10u /* run handle_timeout at the next turn */
#define BL_PF_TIMED	   0x20u /* timeout_ms or hib_after_ms set */
#define BL_PF_BLOCKED	   0x40u /* sent to a full block mailbox: not run until let go */
#define BL_PF_WAITERS	   0x80u /* has BL_PEER_WAITER entries: let them go once drained */

/*
 * The process. Written by the owner lcore only. 192 bytes, three cache
 * lines, the table aligned so that delivery (pid check, mailbox append,
 * pinning, run queue) touches only the first; the turn adds the second.
 * With the mailbox nodes allocated lazily this is all an idle process costs.
 */
struct bl_proc {
	/* line 0: delivery */
	uint64_t pid; /* keeps the last generation while the slot is free */
	struct bl_mailbox mbox;
	struct bl_proc *runq_next; /* also the free-list link */
	uint32_t pinned_bytes;
	uint32_t drops; /* mailbox overflow drops */
	uint8_t status;
	uint8_t flags;
	uint8_t overflow;
	uint8_t n_blockers; /* full block mailboxes that stopped it (BL_PF_BLOCKED) */
	uint16_t n_links;
	uint16_t n_monitors;
	uint64_t reductions; /* messages handled */
	/* line 1: the turn */
	const struct bl_behaviour *beh;
	void *state;
	struct bl_heap heap;
	struct bl_kbin *kept; /* binaries kept in state */
	struct bl_peer *peers;
	/* line 2: timers, exit */
	struct bl_tnode timer;
	uint32_t timeout_ms;
	uint32_t hib_after_ms;
	uint32_t last_active; /* tick of the last turn */
	uint32_t timeout_gen; /* bl_set_timeout calls: the handles' generation */
	struct bl_reason exit_reason;
} __attribute__((aligned(64)));

static_assert(sizeof(struct bl_proc) == 192, "an idle process must stay small");
static_assert(offsetof(struct bl_proc, beh) == 64, "delivery fields fill the first line");

/* --- On a scheduler's owner lcore, outside a handler (struct bl_sched: sched.h). --- */

/* Spawn on s. Owner. Returns the pid, or BL_PID_NONE with errno set
 * (ENOSPC: table full; the init callback's error; EINVAL). */
uint64_t bl_proc_spawn(struct bl_sched *s, const struct bl_behaviour *beh, void *arg,
		       const struct bl_spawn_opts *opts);

/* Make pid exit with reason at its next turn (untrappable). Owner; -ESRCH if gone. */
int bl_proc_kill(struct bl_sched *s, uint64_t pid, struct bl_reason reason);

/*
 * Mark every process of s that runs beh (exactly that version) to exit with
 * reason, as bl_proc_kill does; returns how many. Owner (a purge of an
 * old version sends it through bl_sched_exec).
 */
unsigned bl_sched_kill_behaviour(struct bl_sched *s, const struct bl_behaviour *beh,
				 struct bl_reason reason);

/*
 * Give every process of s that runs beh (an old version: beh->next is set)
 * a turn soon, idle ones included, so each moves to the newest version now
 * rather than at its next message; returns how many were queued. Owner (an
 * upgrade sends it through bl_sched_exec).
 */
unsigned bl_sched_wake_behaviour(struct bl_sched *s, const struct bl_behaviour *beh);

/* The process struct / state of a live pid on s, or NULL. Owner. */
struct bl_proc *bl_proc_lookup(struct bl_sched *s, uint64_t pid);
void *bl_proc_state(struct bl_sched *s, uint64_t pid);

/* --- Handler API: on the process's own lcore, inside a callback. --- */

/*
 * The SDK header declares the handler API with its contracts; what is not
 * there (binaries, transmit, frames, spawn) is the router's own. Inside the
 * router bl_self, bl_state and bl_set_state are inline; modules call the
 * exported functions of the same names (actors/sdk.c).
 */
static inline uint64_t bl__self(const struct bl_ctx *c)
{
	return c->p->pid;
}

static inline void *bl__state(const struct bl_ctx *c)
{
	return c->p->state;
}

static inline void bl__set_state(struct bl_ctx *c, void *state)
{
	c->p->state = state;
}

#define bl_self(c)	    bl__self(c)
#define bl_state(c)	    bl__state(c)
#define bl_set_state(c, st) bl__set_state(c, st)

/*
 * Heap memory of the calling process (see heap.h). On EDQUOT the process is
 * marked to exit with heap_limit when the callback returns; the callback
 * must cope with NULL and return.
 */
void *bl_alloc(struct bl_ctx *c, size_t size);
void bl_free(struct bl_ctx *c, void *p, size_t size);
/* Scratch memory, gone when the current message has been handled. */
void *bl_scratch(struct bl_ctx *c, size_t size);

/*
 * Send len bytes to dst with key. Any length; payloads above
 * BL_BIN_INLINE_MAX, and any payload to another lcore, travel in an mbuf
 * from the scheduler's pool. Returns 0 if handed on, or -errno when dropped
 * (the drop is also counted on this lcore under its reason).
 */
int bl_send(struct bl_ctx *c, uint64_t dst, uint64_t key, const void *data, uint32_t len);

/* Send a binary by reference (no payload copy above BL_BIN_INLINE_MAX). */
int bl_send_bin(struct bl_ctx *c, uint64_t dst, uint64_t key, const struct bl_bin *b);

/* Pass message m on to dst with its key, by reference when it holds one. */
int bl_forward(struct bl_ctx *c, uint64_t dst, const struct bl_msg *m);

/*
 * Hand a message to the scheduler's transmit callback (struct bl_tx) with a
 * destination token the callback understands. -ENOTSUP if none was set.
 */
int bl_transmit(struct bl_ctx *c, uint64_t dest, const struct bl_msg *m);

/*
 * Walk the messages of a frame node (handle_frame): each one as a message
 * of its own in *out, a view into the frame's mbuf valid during the
 * callback (keep it with bl_msg_keep). Returns false after the last.
 */
struct bl_frame_iter {
	const struct bl_msg *f;
	uint32_t off;  /* of the next message header, from f->bin.off */
	uint32_t left; /* messages not yet returned */
};

static inline void bl_frame_iter_init(struct bl_frame_iter *it, const struct bl_msg *f)
{
	it->f = f;
	it->off = 0;
	it->left = f->aux;
}

bool bl_frame_next(struct bl_frame_iter *it, struct bl_msg *out);

/* Messages in a frame node. */
static inline uint32_t bl_frame_count(const struct bl_msg *f)
{
	return f->aux;
}

/*
 * Pass every message of frame node f on to the transmit callback's `dest`,
 * in order, unchanged: in one call when the callback takes whole frames
 * (struct bl_tx.frame_fn), else one bl_transmit per message. Returns 0 if
 * every message was handed on, else the first -errno (drops are counted).
 */
int bl_transmit_frame(struct bl_ctx *c, uint64_t dest, const struct bl_msg *f);

/*
 * The per-message fallback of passing a frame on, the one copy: every
 * message of frame node f, in order, to tx(arg, lcore, dest, message), each
 * a view as bl_frame_next gives it. bl_transmit_frame uses it when the
 * transmitter takes no whole frames; the dataplane's frame call
 * (bl_lcore_proc_tx_frame) when a frame cannot leave whole. Returns how
 * many messages tx refused; *first_err (if not NULL) gets the first
 * refusal's -errno, or 0. Owner lcore, inside a handler.
 */
unsigned bl_frame_transmit_each(const struct bl_msg *f,
				int (*tx)(void *arg, uint32_t lcore, uint64_t dest,
					  const struct bl_msg *m),
				void *arg, uint32_t lcore, uint64_t dest, int *first_err);

/*
 * Keep message m's payload in the process state: a reference when the
 * message holds one (see bl_bin_keep), else a heap copy of its inline bytes.
 */
struct bl_kbin *bl_msg_keep(struct bl_ctx *c, const struct bl_msg *m);

/* Spawn on this lcore. Returns the pid, or BL_PID_NONE with errno set. */
uint64_t bl_spawn(struct bl_ctx *c, const struct bl_behaviour *beh, void *arg,
		  const struct bl_spawn_opts *opts);

/* Exit after this callback with `reason`. */
void bl_exit(struct bl_ctx *c, struct bl_reason reason);

/*
 * Send an exit signal to pid (Erlang exit/2): BL_EXIT_KILL kills it
 * untrappably (it exits with killed); other reasons act like a linked
 * process's exit. Returns 0 or -errno.
 */
int bl_exit_signal(struct bl_ctx *c, uint64_t pid, struct bl_reason reason);

/* Links (bidirectional) and monitors (one way, by reference). */
int bl_link(struct bl_ctx *c, uint64_t pid);
int bl_unlink(struct bl_ctx *c, uint64_t pid);
/* Returns the monitor reference (never 0), or 0 with errno set. */
uint64_t bl_monitor(struct bl_ctx *c, uint64_t pid);
int bl_demonitor(struct bl_ctx *c, uint64_t ref);
void bl_trap_exit(struct bl_ctx *c, bool on);

/* Hibernate after this callback: return every heap chunk not in use. */
void bl_hibernate(struct bl_ctx *c);
/* Sleep: the turn ends after this callback and the process is not run
 * again for ms (1..INT32_MAX); its mail waits (Erlang's timer:sleep). Exit
 * signals still reach it. 0, -EINVAL, or -ENOSPC (no timer entry free). */
int bl_sleep(struct bl_ctx *c, uint32_t ms);

/* bl_set_timeout, bl_send_after, bl_timer_cancel, bl_call, bl_reply: the
 * SDK header (sdk/beamline/behaviour.h) has them with their contracts. */

/* The top bit marks a receive-timeout handle (its low 32 bits: the
 * process's timeout_gen); a send_after handle is gen << 32 | entry + 1. */
#define BL_TIMER_RECV (UINT64_C(1) << 63)

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_PROC_H */
