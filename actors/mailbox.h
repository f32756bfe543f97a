/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mailboxes: a bounded FIFO of message nodes per process.
 *
 * A mailbox is two pointers and two counters inside struct bl_proc; the
 * nodes come from the lcore's message pool, so an idle process's mailbox
 * costs no memory at all (allocated lazily, one node per queued message) and
 * enqueue/dequeue never touch the general heap. Each node holds its payload:
 * copied inline when it is at most BL_BIN_INLINE_MAX bytes (the receiver's
 * copy), or as a reference to the mbuf otherwise.
 *
 * A frame node (BL_MSG_FRAME) holds every message of one received wire
 * frame for one process: one reference to the mbuf, the messages' region
 * and their count. The scheduler hands them to the behaviour one by one, as
 * messages of their own (struct bl_msg views into the mbuf), in one turn;
 * the frame is one mailbox entry, its drops are counted per message.
 *
 * Overflow policy is per process: drop the new message, drop the oldest one,
 * or kill the process (reason mailbox_overflow). The mailbox reports what
 * happened; the process layer counts and kills.
 *
 * Owner lcore only.
 */
#ifndef BL_ACTORS_MAILBOX_H
#define BL_ACTORS_MAILBOX_H

#include <stdint.h>
#include <string.h>

#include "actors/bin.h"
/* First: its bl_msg_data / bl_msg_len are declared before the macros below. */
#include "sdk/beamline/behaviour.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Message types (struct bl_msg.type): enum bl_msg_type, in the SDK header.
 * A BL_MSG_FRAME node's bin is the region of its messages, aux their count. */

/* struct bl_msg.flags */
#define BL_MSG_F_NET  0x1u /* src is the dataplane's source token, not a pid */
#define BL_MSG_F_VIEW 0x2u /* a message of a frame node: bin is a view, no reference */
/* A frame node whose wire headers are all kind data with flags 0: exactly
 * what a transmit would write, so they may leave as they are. */
#define BL_MSG_F_PLAIN 0x4u
/* A frame node whose mbuf reference its turn lent out (bl_sched_lend_frame):
 * when the node is done, the reference is the borrower's, not released. */
#define BL_MSG_F_LENT 0x8u
/* Delivered to the members of a group (a fan-out), not to one process. */
#define BL_MSG_F_FANOUT 0x10u
/* A flow-control message for the wire (kind BL_WIRE_KIND_FLOW, not data):
 * the transmit callback writes it with that kind (actors/flow.c). Its
 * payload is inline, so it never leaves in place. */
#define BL_MSG_F_FLOW 0x20u
/* Came from another node (a named message): a group's stand-ins for other
 * nodes do not send it on, so a copy crosses to a node once. */
#define BL_MSG_F_NODE 0x40u
/* A call from another node (a named message with BL_WIRE_RELAY_F_CALL):
 * queued as BL_MSG_CALL, its src a relay token; bl_reply sends the answer
 * there over the wire (actors/call.c). */
#define BL_MSG_F_CALL 0x80u

/* Why a process exited: struct bl_reason, in the SDK header. */

/* One queued message: 112 bytes. */
struct bl_msg {
	struct bl_msg *next;
	uint64_t src;	   /* sender pid, or source token when BL_MSG_F_NET */
	uint64_t key;	   /* message key; monitor reference for BL_MSG_DOWN */
	struct bl_bin bin; /* bin.m == NULL: payload in u.inl */
	uint16_t type;
	uint16_t flags;
	uint32_t aux;
	/* When the message's cause reached the router: the TSC of the RX burst
	 * that brought it or the message being handled when it was sent, bit 0
	 * set when that came through a group; 0: none (timers, the control
	 * plane). For latency (the lcore's histograms), never for logic. */
	uint64_t rx_tsc;
	union {
		uint8_t inl[BL_BIN_INLINE_MAX];
		struct bl_reason reason; /* BL_MSG_EXIT, BL_MSG_DOWN */
	} u;
};

/*
 * Inside the router the payload accessors are inline; modules call the
 * exported functions of the same names (actors/sdk.c defines them).
 */
static inline const uint8_t *bl__msg_data(const struct bl_msg *m)
{
	return m->bin.m != NULL ? bl_bin_data(&m->bin) : m->u.inl;
}

static inline uint32_t bl__msg_len(const struct bl_msg *m)
{
	return m->bin.len;
}

#define bl_msg_data(m) bl__msg_data(m)
#define bl_msg_len(m)  bl__msg_len(m)

/* Messages a node stands for: a frame node's count, else 1. */
static inline uint32_t bl_msg_weight(const struct bl_msg *m)
{
	return m->type == BL_MSG_FRAME ? m->aux : 1u;
}

/* Per-lcore pool of message nodes. */
struct bl_msg_pool {
	struct bl_msg *nodes;
	struct bl_msg *free;
	uint32_t n;
	uint32_t n_free;
	uint32_t n_fresh; /* never used yet: the last n_fresh nodes, untouched */
};

int bl_msg_pool_init(struct bl_msg_pool *pool, uint32_t n);
void bl_msg_pool_fini(struct bl_msg_pool *pool);

static inline uint32_t bl_msg_pool_in_use(const struct bl_msg_pool *pool)
{
	return pool->n - pool->n_free;
}

/* NULL when the pool is empty (the caller counts a no_msg_buf drop). */
static inline struct bl_msg *bl_msg_alloc(struct bl_msg_pool *pool)
{
	struct bl_msg *m = pool->free;

	if (m != NULL) {
		pool->free = m->next;
	} else if (pool->n_fresh != 0) {
		m = &pool->nodes[pool->n - pool->n_fresh];
		pool->n_fresh--;
	} else {
		return NULL;
	}
	pool->n_free--;
	m->next = NULL;
	return m;
}

/* Return a node; releases its mbuf reference if it holds one. */
static inline void bl_msg_free(struct bl_msg_pool *pool, struct bl_msg *m)
{
	if (m->bin.m != NULL) {
		rte_pktmbuf_free(m->bin.m);
		m->bin.m = NULL;
	}
	m->next = pool->free;
	pool->free = m;
	pool->n_free++;
}

enum bl_overflow {
	BL_OVERFLOW_DROP_NEWEST = 0,
	BL_OVERFLOW_DROP_OLDEST,
	BL_OVERFLOW_KILL,
	/* Queue past the limit and suspend the sending process until the
	 * mailbox drains (actors/flow.c); past BL_MBOX_BLOCK_CAP, drop newest. */
	BL_OVERFLOW_BLOCK,
};

/*
 * With policy block, the most a mailbox takes: room for what senders still
 * had in flight when they were told to stop. A sender of this lcore stops
 * after the handler that filled the mailbox; one of another lcore when the
 * PAUSE reaches it, at its next run: up to one turn's sends later (budget
 * handlers), hence the 4096 nodes beyond the limit.
 */
#define BL_MBOX_BLOCK_CAP(limit) (4u * (limit) + 4096u)

/* Policy block, a source on the wire: the longest a PAUSE holds it
 * (actors/flow.c), so that a lost RESUME costs no more than this. */
#define BL_FLOW_HOLD_MS 100u

/* Embedded in struct bl_proc: 24 bytes. */
struct bl_mailbox {
	struct bl_msg *head;
	struct bl_msg *tail;
	uint32_t len;
	uint32_t limit; /* at least 1 */
};

enum bl_mbox_result {
	BL_MBOX_OK = 0,
	BL_MBOX_DROPPED_NEWEST, /* m was not queued: the caller frees it */
	BL_MBOX_DROPPED_OLDEST, /* m queued; *victim was removed: the caller frees it */
	BL_MBOX_OVERFLOW,	/* policy kill: m was not queued */
	BL_MBOX_OVER_LIMIT,	/* policy block: m queued past the limit; stop its sender */
};

static inline void bl_mailbox_append(struct bl_mailbox *mb, struct bl_msg *m)
{
	m->next = NULL;
	if (mb->tail != NULL)
		mb->tail->next = m;
	else
		mb->head = m;
	mb->tail = m;
	mb->len++;
}

/* Append obeying the limit and policy. */
static inline enum bl_mbox_result bl_mailbox_push(struct bl_mailbox *mb, struct bl_msg *m,
						  enum bl_overflow policy, struct bl_msg **victim)
{
	if (mb->len < mb->limit) {
		bl_mailbox_append(mb, m);
		return BL_MBOX_OK;
	}
	switch (policy) {
	case BL_OVERFLOW_DROP_OLDEST:
		*victim = mb->head;
		mb->head = mb->head->next;
		if (mb->head == NULL)
			mb->tail = NULL;
		mb->len--;
		bl_mailbox_append(mb, m);
		return BL_MBOX_DROPPED_OLDEST;
	case BL_OVERFLOW_KILL:
		return BL_MBOX_OVERFLOW;
	case BL_OVERFLOW_BLOCK:
		if (mb->len >= BL_MBOX_BLOCK_CAP(mb->limit))
			return BL_MBOX_DROPPED_NEWEST;
		bl_mailbox_append(mb, m);
		return BL_MBOX_OVER_LIMIT;
	default:
		return BL_MBOX_DROPPED_NEWEST;
	}
}

static inline struct bl_msg *bl_mailbox_pop(struct bl_mailbox *mb)
{
	struct bl_msg *m = mb->head;

	if (m != NULL) {
		mb->head = m->next;
		if (mb->head == NULL)
			mb->tail = NULL;
		mb->len--;
	}
	return m;
}

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_MAILBOX_H */
