/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore: its RX queues, its per-port TX buffers, its counters, and
 * the poll loop that runs on it (rx burst -> parse -> look up -> frame -> tx).
 *
 * Everything in struct bl_lcore is written by its own lcore only. The
 * control thread reads the counters while the lcore runs; single-writer
 * relaxed stores make those reads untorn without a locked instruction.
 *
 * This header holds the lcore's state and its public calls; the code that
 * works on the state is split by concept, in files for dataplane/ only
 * (but ptx.h's token and bl_dest_hop, which others see through this one):
 * lcore.c (the poll loop and the burst), lcore6.c (IPv6 packets and frames
 * to IPv6 hops, out of the IPv4 path's way), verdict.[ch] (the verdict cache and
 * the grouped prefill), classify.h, deliver.h (to processes), split.h
 * (mixed frames), txbuf.[ch] (TX buffers, per-hop bytes), neigh.[ch] (the
 * neighbour table), ptx.[ch] (frames of process-sent messages, the source
 * token), lcore_pvt.h (what they share).
 */
#ifndef BL_LCORE_H
#define BL_LCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "dataplane/drop.h"
#include "dataplane/hist.h"
#include "dataplane/ptx.h"
#include "dataplane/route.h"
#include "dataplane/wire.h"
#include "dataplane/wire6.h"

#define BL_BURST 32 /* at most 32: a TX buffer keeps one bit a packet */
/* Packets a poll takes from one queue. 64 spreads the per-poll costs over
 * more packets (fewer instructions), but in time it gained nothing on the
 * fast path and lost on the process path, whose turns come after the whole
 * burst is classified: the packets' lines are colder by then. */
#define BL_RX_BURST  32
#define BL_MAX_PORTS 32

struct bl_router;
struct bl_seq_table;
struct bl_sched;
struct bl_msg;

/* Counters of one lcore; only that lcore writes them. */
struct bl_lcore_stats {
	uint64_t rx_pkts;	 /* packets received */
	uint64_t acc_pkts;	 /* packets whose frame was accepted */
	uint64_t drop_pkts;	 /* packets refused whole (sum of pkt_drops) */
	uint64_t rx_msgs;	 /* messages in accepted frames */
	uint64_t fwd_msgs;	 /* messages the TX queue took */
	uint64_t drop_msgs;	 /* sum of msg_drops */
	uint64_t buffered_msgs;	 /* in TX buffers right now */
	uint64_t tx_pkts;	 /* packets the TX queue took */
	uint64_t split_frames;	 /* frames built by splitting a mixed frame */
	uint64_t ref_segs;	 /* payload runs sent by reference (indirect mbufs) */
	uint64_t delivered_msgs; /* messages handed to processes (route kinds process/group/pool) */
	uint64_t deliveries;	 /* mailbox deliveries they made (a group fans one out to many) */
	uint64_t ptx_msgs;	 /* process-sent messages the TX queue took */
	uint64_t ptx_in;	 /* messages processes handed to the transmit path */
	uint64_t ptx_buffered;	 /* of those, in open frames or TX buffers right now */
	uint64_t ptx_drop_msgs;	 /* sum of ptx_drops */
	uint64_t ptx_frames;	 /* frames built from process-sent messages */
	uint64_t ptx_inplace;	 /* of those, sent in the received mbuf (no copy) */
	uint64_t frame_deliveries; /* received frames given whole to one process */
	uint64_t loops;
	uint64_t busy_loops;	  /* loops that received something */
	uint64_t rx_bursts;	  /* non-empty RX bursts (average burst = rx_pkts / rx_bursts) */
	uint64_t busy_tsc;	  /* TSC cycles in loops that did work */
	uint64_t idle_tsc;	  /* TSC cycles in loops that found nothing (sleeps included) */
	uint64_t sleeps;	  /* idle back-off sleeps (RCU-offline) */
	uint64_t rx_skips;	  /* polls skipped while the processes were behind */
	uint64_t neigh_punts;	  /* ARP and ND packets handed to the control thread (accepted) */
	uint64_t neigh_held;	  /* messages handed to the neighbour table, their MAC unknown */
	uint64_t neigh_tx;	  /* frames the control thread had this lcore send (ARP, ND, held
				     frames let go, heartbeats) */
	uint64_t neigh_tx_lost;	  /* of those, refused by the TX queue and freed */
	uint64_t node_heartbeats; /* heartbeats from other nodes taken in (counted delivered) */
	uint64_t rx_chains;	  /* received chains copied into one mbuf (dataplane/lcore.c) */
	uint64_t ptx_drops[BL_PTX_DROP_MAX];
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
 * Per-lcore cache of what a key's messages get: a hop index,
 * BL_TGT_PROC | target index, or BL_TGT_DROP | reason, valid for one
 * generation of the route table (taken once per burst after a quiescent
 * state, so a route change is seen at the next burst and a cached verdict
 * never outlives the route it came from). Caching the verdict rather than
 * the route pointer keeps the per-message work to one cache line.
 */
#define BL_VERDICT_CACHE_SIZE 4096u /* power of two */
#define BL_VERDICT_SLOT_BITS  12u   /* log2 of it */
/* Distinct verdicts cached at once (ids 0..IDS-1; IDS itself marks empty
 * slots). Any value below the slot count works (see below); 2047 keeps
 * tgt_of small, and a lcore rarely sends to more hops than that. */
#define BL_VERDICT_IDS 2047u
#define BL_TGT_DROP    0x8000u
#define BL_TGT_PROC    0x4000u /* | index of a process/group/pool target */
/* | index of a next hop whose frames need new headers (reached over IPv6,
 * or on a VLAN): below BL_TGT_PROC like every hop, but above the plain
 * IPv4 hops, so the fast path's one compare leaves it out. */
#define BL_TGT_HOP6 0x2000u
_Static_assert(BL_VERDICT_CACHE_SIZE == 1u << BL_VERDICT_SLOT_BITS, "slot bits and slots agree");
_Static_assert(BL_ROUTE_HOP_MAX <= BL_TGT_HOP6, "a hop index leaves the IPv6 bit clear");
_Static_assert(BL_VERDICT_IDS > 0 && BL_VERDICT_IDS < BL_VERDICT_CACHE_SIZE,
	       "an id's mask is a slot's; the empty marker is an id never given out");

/*
 * The cache (its code: dataplane/verdict.h, which also has slot() and
 * mask()): direct mapped, CACHE_SIZE slots. Each distinct verdict the
 * lcore has cached since the last wipe has an id (0 .. BL_VERDICT_IDS-1);
 * a slot holding key K with verdict id v stores ent = K ^ mask(v) and id v.
 *
 * Why: the usual frame's messages must all have the first one's verdict.
 * With v0 that verdict's id, ent[slot(key)] == key ^ mask(v0) says both
 * "key is cached" and "its verdict is the first one's" in one compare, and
 * exactly: if ent = K ^ mask(v) equals key ^ mask(v0), with K and key in
 * the same slot, then K ^ key == mask(v ^ v0); the slot of the left side is
 * 0 (linearity), of the right side v ^ v0, so v == v0 and then K == key.
 * The uniform walk reads no target at all. A single lookup checks
 * ent[s] ^ key == mask(id[s]) and takes tgt_of[id[s]].
 *
 * An empty slot s holds ent = mask(s ^ BL_VERDICT_IDS) and id 0: its slot is
 * not s, so no key matches it either way (the compare above would need
 * v0 == BL_VERDICT_IDS, which is never given out). A wipe (the table's
 * generation moved) empties every slot and forgets every id. When all ids
 * are given out, a key with yet another verdict is looked up in the table
 * each time instead of cached.
 */
struct bl_verdict_cache {
	uint64_t seen;	/* the table's generation + 1 the entries belong to; 0: none */
	uint32_t n_ids; /* ids given out since the wipe */
	uint64_t ent[BL_VERDICT_CACHE_SIZE]; /* key (wire order) ^ mask(its verdict id) */
	uint16_t id[BL_VERDICT_CACHE_SIZE];  /* the slot's verdict id */
	uint16_t tgt_of[BL_VERDICT_IDS];     /* verdict id -> the verdict */
	uint16_t id_of[UINT16_MAX + 1];	     /* verdict -> its id, if tgt_of agrees */
};

/*
 * What this lcore sends to one next hop: the next seq of its stream (kept
 * for the lcore's life) and the bytes an in-place rewrite writes, in the
 * hop's family, prepared from the route table and the out port when `seen`
 * (the verdict cache's table generation) is out of date.
 */
#define BL_HOP_TAGGED 0x80000000u /* bl_hop_out.tagged: the pair below is good */

struct bl_hop_out {
	uint64_t seen;
	uint64_t seq;
	uint16_t port;
	bool unresolved; /* a hop to resolve whose MAC was not known at `seen` */
	bool v6;	 /* an IPv6 hop: o6 holds its bytes, else o */
	/*
	 * An IPv4 hop on a VLAN through a port that does not insert tags
	 * itself: BL_HOP_TAGGED | QinQ outer id << 16 | VLAN id, so a frame
	 * that came tagged with that pair leaves with its tags where they are
	 * (lcore_vlan.c's forward_tagged) in one compare; else 0.
	 */
	uint32_t tagged;
	uint16_t mtu; /* its port's IP MTU */
	/* An IPv6 hop with its MAC known and no VLAN: an IPv6 frame of up to
	 * plain6_max bytes (its port's MTU less the IPv6 and UDP headers; 0
	 * for any other hop) is rewritten in place straight from lcore6.c's
	 * parse (csum6_tx: its port fills the UDP checksum). */
	uint16_t plain6_max;
	bool csum6_tx;
	union {
		struct bl_wire_out o;
		struct bl_wire_out6 o6;
	};
};

/* The paths latency is kept for. */
enum bl_lat_path {
	BL_LAT_FAST,   /* forwarded by the lcore itself: in place or split */
	BL_LAT_PROC,   /* sent by a process, its cause delivered to it alone */
	BL_LAT_FANOUT, /* sent by a process, its cause delivered to a group */
	BL_LAT_PATHS
};

struct bl_txbuf {
	uint16_t n;
	uint16_t queue;
	uint64_t rx_tsc; /* RX burst time of the oldest fast-path packet held */
	/* Process-sent packets held, by path (process, fan-out): how many with
	 * an RX time, the first one's; and how many with none. */
	uint16_t pn[2], pnone;
	uint64_t pold[2];
	uint32_t msgs, pmsgs; /* messages in the buffer: fast path, process-sent */
	uint32_t proc_mask;   /* bit i: pkts[i] was built from process-sent messages */
	uint16_t nmsgs[BL_BURST];
	struct rte_mbuf *pkts[BL_BURST];
};
_Static_assert(BL_BURST <= 32, "bl_txbuf.proc_mask has a bit for each packet");

/*
 * Neighbours learned from frames delivered to processes: the MAC address a
 * source (IPv4, port) sent from, so an answer can go back to it. Direct
 * mapped; written by the receiving lcore only, read by any lcore (a process
 * answering may live elsewhere) under a per-entry sequence count.
 */
#define BL_NEIGH_SIZE 1024u /* power of two */

struct bl_neigh {
	uint32_t seq; /* odd while being written */
	uint32_t pad;
	uint64_t src; /* bl_neigh_src: the source's IPv4 address and port */
	uint64_t mac; /* its MAC: the first 6 bytes (in memory), the rest 0 */
};

/* A source as the neighbour table keys it: one word, one compare. */
static inline uint64_t bl_neigh_src(uint32_t ip_be, uint16_t port)
{
	return (uint64_t)ip_be | (uint64_t)port << 32;
}

/*
 * The IPv6 senders whose messages went to processes (dataplane/src6.h):
 * an IPv6 address does not fit a source token, so the token names its slot
 * here instead. Same writer and readers as the neighbour cache.
 */
#define BL_SRC6_SIZE 1024u /* power of two */

struct bl_src6 {
	uint32_t seq; /* odd while being written; /2 is the slot's generation */
	uint8_t ip[16];
};

/* The largest count an accepted frame can have in one mbuf segment. */
#define BL_MAX_FRAME_MSGS (UINT16_MAX / BL_WIRE_MSG_HDR_LEN + 1)

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
	uint64_t log_seen;		 /* the route table's change log, read up to here */
	uint32_t vmiss;			 /* verdict-cache misses since the last burst began */
	uint16_t tgt[BL_MAX_FRAME_MSGS]; /* each message's fate while a frame is handled */
	bool plain;  /* the frame classified last: every header kind data, flags 0 */
	uint16_t rr; /* least_loaded pools: where the next look at members starts */
	struct bl_hop_out hout[BL_ROUTE_HOP_MAX]; /* per hop: seq, and its prepared bytes */
	struct bl_txbuf tx[BL_MAX_PORTS];

	/* Processes: this lcore's scheduler and what the packet path keeps for it. */
	struct bl_sched *sched;
	struct bl_registry *registry;
	uint64_t ptag; /* registry generation + 1, taken per burst */
	struct {
		uint64_t pid;
		uint64_t tag;
	} pcache[BL_ROUTE_TARGET_MAX]; /* process target -> pid */
	uint32_t n_pf;
	uint32_t pf_victim;
	struct bl_pframe pf[BL_PFRAMES];
	struct {
		uint64_t dest;
		uint64_t seq;
	} rseq[BL_RSEQ_SIZE];
	uint64_t sched_tsc; /* longest time processes run between two polls */
	bool backlog;	    /* the processes had work left at the end of their slice */
	uint32_t rx_skips;  /* polls skipped in a row for that */
	uint32_t idle_loops;
	uint32_t sleep_us;
	/*
	 * The thread running the poll loop, for the control thread's stall
	 * check (control/proc_cmds.c): its kernel tid and CPU-time clock, set
	 * by the loop before its first turn, then `started` (release store;
	 * the reader loads it with acquire before the other two). Reset when
	 * the loop ends.
	 */
	pid_t tid;
	clockid_t cpu_clock;
	uint32_t started;
	/* Frames the control thread sends (ARP, ND, held frames let go): the
	 * first worker drains this ring when it flushes its TX buffers
	 * (dataplane/nbr_punt.c); NULL on the others. */
	struct rte_ring *nbr_out;
	struct bl_neigh neigh[BL_NEIGH_SIZE] __rte_cache_aligned;
	struct bl_src6 src6[BL_SRC6_SIZE] __rte_cache_aligned;
	struct bl_lcore_stats st __rte_cache_aligned;

	/*
	 * Latency inside the router, per path (dataplane/hist.h): TSC cycles
	 * from a packet's RX burst to its TX burst, one clock read per burst
	 * on each side. rx_tsc is the burst being handled; each TX buffer
	 * keeps its oldest packet's, and the send counts every packet it
	 * sends under that. lat_base is the reader's: what `latency --reset`
	 * saw (control thread only).
	 */
	uint64_t rx_tsc;
	uint64_t lat_unstamped; /* process-sent packets with no RX time (timers, control) */
	struct bl_hist lat[BL_LAT_PATHS];
	struct bl_hist lat_base[BL_LAT_PATHS];
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

/* The MAC that source (ip, port) last sent from, learned by lcore lc. Any lcore. */
int bl_lcore_neigh_get(const struct bl_lcore *lc, uint32_t ip_be, uint16_t port,
		       struct rte_ether_addr *mac);

#endif /* BL_LCORE_H */
