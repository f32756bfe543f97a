/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore: its RX queues, its per-port TX buffers, its counters, and
 * the poll loop that runs on it (rx burst -> parse -> look up -> frame -> tx).
 *
 * Everything in struct bl_lcore is written by its own lcore only. The
 * control thread reads the counters while the lcore runs; single-writer
 * relaxed stores make those reads untorn without a locked instruction.
 */
#ifndef BL_LCORE_H
#define BL_LCORE_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "dataplane/drop.h"
#include "dataplane/route.h"

#define BL_BURST     32
#define BL_MAX_PORTS 32

struct bl_router;
struct bl_seq_table;

/* Counters of one lcore; only that lcore writes them. */
struct bl_lcore_stats {
	uint64_t rx_pkts;	/* packets received */
	uint64_t acc_pkts;	/* packets whose frame was accepted */
	uint64_t drop_pkts;	/* packets refused whole (sum of pkt_drops) */
	uint64_t rx_msgs;	/* messages in accepted frames */
	uint64_t fwd_msgs;	/* messages the TX queue took */
	uint64_t drop_msgs;	/* sum of msg_drops */
	uint64_t buffered_msgs; /* in TX buffers right now */
	uint64_t tx_pkts;	/* packets the TX queue took */
	uint64_t split_frames;	/* frames built by splitting a mixed frame */
	uint64_t ref_segs;	/* payload runs sent by reference (indirect mbufs) */
	uint64_t loops;
	uint64_t busy_loops; /* loops that received something */
	uint64_t pkt_drops[BL_PKT_DROP_MAX];
	uint64_t msg_drops[BL_MSG_DROP_MAX];
};

/* Single-writer counter update: a plain add, published untorn to readers. */
static inline void bl_stat_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

/* Any thread: read a counter another lcore writes. */
static inline uint64_t bl_stat_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/*
 * Per-lcore cache of what a key's messages get: a hop index, or
 * BL_TGT_DROP | reason. Entries are tagged with the route table's generation
 * + 1 (0 never matches), taken once per burst after a quiescent state, so a
 * route change is seen at the next burst and a cached verdict never outlives
 * the route it came from. Caching the verdict rather than the route pointer
 * keeps the per-message work to one cache line.
 */
#define BL_VERDICT_CACHE_SIZE 2048u /* power of two */
#define BL_TGT_DROP	      0x8000u

struct bl_verdict_cache {
	uint32_t tag; /* low 32 bits of gen + 1; the cache is wiped when it wraps */
	struct {
		uint64_t key;
		uint32_t tag;
		uint16_t tgt;
	} ent[BL_VERDICT_CACHE_SIZE]; /* 16 bytes an entry: four to a cache line */
};

struct bl_txbuf {
	uint16_t n;
	uint16_t queue;
	uint16_t nmsgs[BL_BURST];
	struct rte_mbuf *pkts[BL_BURST];
};

struct bl_lcore {
	unsigned int lcore_id;
	uint16_t worker; /* index among workers: TX queue and source UDP port offset */
	uint16_t n_rx;
	struct {
		uint16_t port;
		uint16_t queue;
	} rx[BL_MAX_PORTS];
	struct bl_router *r;
	struct bl_seq_table *seq;
	uint64_t drain_tsc; /* flush TX buffers at least this often */
	uint64_t last_drain;
	uint16_t ip_id;
	struct bl_verdict_cache vcache;
	uint64_t hop_seq[BL_ROUTE_HOP_MAX]; /* next outgoing seq per hop */
	struct bl_txbuf tx[BL_MAX_PORTS];
	struct bl_lcore_stats st __rte_cache_aligned;
} __rte_cache_aligned;

/* The poll loop; rte_eal_remote_launch entry point. Returns 0 at quit. */
int bl_lcore_main(void *arg);

/*
 * Process one received burst on lc (exposed for tests that drive the fast
 * path without a poll loop). Worker lcore (or a test thread registered with
 * RCU and online).
 */
void bl_lcore_rx_burst(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n);

/* Send everything buffered; what the ports refuse is counted as tx_full. */
void bl_lcore_flush(struct bl_lcore *lc);

#endif /* BL_LCORE_H */
