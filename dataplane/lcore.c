/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore: its poll loop and the handling of a received burst.
 * Design note.
 *
 * The loop (bl_lcore_main) is a list of phases, each a small static inline
 * function: poll_rx (a burst from each owned RX queue, each handled at
 * once, unless the processes are behind), run_processes (the scheduler's
 * slice; what the processes sent leaves in frames closed after it),
 * flush_tx (the TX buffers, on timeout or when nothing came in),
 * update_stats, the quiescent state, idle_backoff.
 *
 * A burst (bl_lcore_rx_burst): the verdict cache catches up with the route
 * table (dataplane/verdict.h); IPv6 and tagged packets go to their own paths
 * by ethertype (lcore6.c, lcore_vlan.c); then each packet (handle_pkt) is parsed and
 * checked (dataplane/wire.h) and its messages classified
 * (dataplane/classify.h). Where they go:
 *  - all to one next hop (the common case): the received mbuf is rewritten
 *    in place (addresses, TTL, IPv4 checksum, our seq) and queued
 *    (dataplane/txbuf.h): no copy, no allocation;
 *  - all dropped: the mbuf is freed, each message counted by reason;
 *  - all to one process on this lcore: the frame is delivered whole, one
 *    mailbox entry (dataplane/deliver.h);
 *  - mixed: the messages for processes are delivered one by one
 *    (dataplane/deliver.h), and one new frame is built per next hop
 *    (dataplane/split.h).
 *
 * Accounting, at every moment, per lcore:
 *   rx_pkts = acc_pkts + drop_pkts,
 *   rx_msgs = fwd_msgs + drop_msgs + buffered_msgs + delivered_msgs.
 * A message is counted forwarded only when the TX queue has taken its packet.
 *
 * Outgoing seq: one counter per (lcore, hop); the source UDP port is the
 * router's UDP port + the worker index, so each receiver sees one gapless
 * stream per (router lcore, hop) unless the router itself drops.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "actors/sched.h"
#include "dataplane/classify.h"
#include "dataplane/deliver.h"
#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/ptx.h"
#include "dataplane/router.h"
#include "dataplane/seq.h"
#include "dataplane/split.h"
#include "dataplane/txbuf.h"
#include "dataplane/verdict.h"
#include "dataplane/wire.h"

static enum bl_pkt_drop handle_chain(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
				     struct burst_acc *acc);

static inline void handle_pkt(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
			      struct burst_acc *acc)
{
	uint16_t *tgt = lc->tgt; /* not on the stack: 8 KiB would be probed page by page */
	enum bl_pkt_drop bad;
	struct bl_pkt pkt;
	const uint8_t *frame;
	uint16_t common = TGT_DONE, i, count;

	bad = bl_wire_parse_hdrs(m, &acc->local, &pkt);
	if (likely(bad == BL_PKT_DROP_NONE)) {
		enum bl_wire_status st;

		frame = rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt.frame_off);
		st = classify(lc, m, frame, pkt.frame_len, pkt.fr.count, tgt, &common);
		if (unlikely(st != BL_WIRE_OK))
			bad = bl_pkt_drop_from_wire(st);
	}
	if (unlikely(bad != BL_PKT_DROP_NONE)) {
		if (bad == BL_PKT_DROP_NOT_IPV4) {
			/* IPv6 or tagged (a chain, made one mbuf: handle_pkts
			 * sends the others there first), ARP or neither: their
			 * own paths (lcore6.c, lcore_vlan.c), which count what
			 * they take and what they drop. */
			if (bl_wire_is_ipv6(m))
				bl__lcore_pkt6(lc, in_port, m, &acc->at6, acc);
			else
				bl__lcore_pkt_l2(lc, in_port, m, acc);
			return;
		}
		if (bad == BL_PKT_DROP_SEGMENTED &&
		    (bad = handle_chain(lc, in_port, m, acc)) == BL_PKT_DROP_NONE)
			return;
		bl_stat_add(&lc->st.pkt_drops[bad], 1);
		bl_stat_add(&lc->st.drop_pkts, 1);
		rte_pktmbuf_free(m);
		return;
	}
	count = pkt.fr.count;
	acc->pkts++;
	acc->msgs += count;
	bl_seq_observe(lc->seq, pkt.src_ip, pkt.src_port, pkt.fr.seq, count);

	/* The fast path: every message to one IPv4 next hop (an IPv6 hop's
	 * verdict is above TGT_HOP6, a process's or a drop's above that). */
	if (likely(common < TGT_HOP6)) {
		struct bl_hop_out *out = hop_out(lc, common);

		bl_wire_rewrite_out(m, &pkt, &out->o, out->seq);
		out->seq += count;
		tx_enqueue(lc, out->port, m, count);
		return;
	}
	if (unlikely(common < TGT_PROC || common == TGT_MIXED6)) { /* an IPv6 hop among them */
		bl__lcore_frame6(lc, in_port, m, pkt.src_ip, pkt.src_port, pkt.frame_off,
				 pkt.frame_len, common, count, acc);
		return;
	}
	if (common != TGT_DONE && (common & TGT_DROP)) { /* every message dropped for one reason */
		count_msg_drop(lc, (enum bl_msg_drop)(common & ~TGT_DROP), count);
		rte_pktmbuf_free(m);
		return;
	}
	if (common != TGT_DONE &&
	    deliver_frame(lc, in_port, m, &pkt, (uint16_t)(common & ~TGT_PROC), count, acc))
		return; /* the mailbox entry has our reference */
	/* Mixed, or for processes: drops and deliveries, then one frame per next hop. */
	if (common != TGT_DONE) /* one target: classify left tgt unwritten */
		for (i = 0; i < count; i++)
			tgt[i] = common;
	dispatch_mixed(lc, in_port, m, &pkt, tgt, count);
	if (common != TGT_DONE) { /* all for processes: nothing left to send */
		rte_pktmbuf_free(m);
		return;
	}
	for (i = 0; i < count; i++)
		if (tgt[i] != TGT_DONE)
			split_one(lc, m, &pkt, tgt, count, tgt[i]);
	rte_pktmbuf_free(m); /* indirect segments keep its buffer while they need it */
}

/*
 * A frame that came as a chain of mbufs (a device with RX buffers smaller
 * than the frame: memif, a NIC with scatter on) is copied into one mbuf of
 * the router's pool, which holds a whole frame of the ports' MTU
 * (bl_router_data_room), and handled as any other: every check, the
 * rewrite in place and the binaries given to processes need one contiguous
 * buffer. Only chains pay the copy. A chain longer than that mbuf is over
 * the MTU and stays dropped as `segmented`; one that fits but finds the
 * pool empty is dropped as `chain_no_mbuf`.
 */
static enum bl_pkt_drop unchain(struct bl_lcore *lc, struct rte_mbuf **mp)
{
	struct rte_mbuf *m = *mp, *one;

	if (m->pkt_len > (uint32_t)(rte_pktmbuf_data_room_size(lc->r->pool) - RTE_PKTMBUF_HEADROOM))
		return BL_PKT_DROP_SEGMENTED;
	/* DPDK's copy: the bytes, and what the port said of the frame (port,
	 * offload flags, type, tags, hash); one segment, as the frame fits. */
	one = rte_pktmbuf_copy(m, lc->r->pool, 0, UINT32_MAX);
	if (one == NULL)
		return BL_PKT_DROP_CHAIN_NO_MBUF;
	rte_pktmbuf_free(m);
	bl_stat_add(&lc->st.rx_chains, 1);
	*mp = one;
	return BL_PKT_DROP_NONE;
}

/* handle_pkt's way out for a chain: handled again as one mbuf (once: what
 * unchain gives is one segment), or the drop reason for handle_pkt to
 * count, m untouched. Out of line: chains are rare. */
static __rte_noinline enum bl_pkt_drop handle_chain(struct bl_lcore *lc, uint16_t in_port,
						    struct rte_mbuf *m, struct burst_acc *acc)
{
	enum bl_pkt_drop bad = unchain(lc, &m);

	if (bad == BL_PKT_DROP_NONE)
		handle_pkt(lc, in_port, m, acc);
	return bad;
}

/*
 * The first lines of a packet, a few packets ahead: the headers and the first
 * message headers, which the walk reads with dependent loads. The lines after
 * them are read in address order, which the CPU's own stream prefetcher
 * follows; a prefetch per line cost more instructions than it saved.
 */
#define BL_PREFETCH_AHEAD 3u /* packets */

static inline void prefetch_pkt(const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	rte_prefetch0(d);
	rte_prefetch0(d + RTE_CACHE_LINE_SIZE);
	rte_prefetch0(d + 2 * RTE_CACHE_LINE_SIZE);
}

/*
 * Packets pkts[from..to) of a burst of n, each with the one a few ahead
 * prefetched. By ethertype (read in the buffer even past a runt's end,
 * which is checked before it counts): IPv6 and tagged frames straight to
 * their own paths (lcore6.c, lcore_vlan.c), which count what they drop;
 * IPv4, and anything else (a chain, a runt, ARP, another ethertype), to
 * handle_pkt, which names it. The IPv4 path pays one compare.
 */
static __rte_always_inline void handle_pkts(struct bl_lcore *lc, uint16_t in_port,
					    struct rte_mbuf **pkts, uint16_t from, uint16_t to,
					    uint16_t n, struct burst_acc *acc)
{
	uint16_t i, type;

	for (i = from; i < to; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + BL_PREFETCH_AHEAD < n)
			prefetch_pkt(pkts[i + BL_PREFETCH_AHEAD]);
		type = bl__wire_raw16(rte_pktmbuf_mtod(m, const uint8_t *) + BL__ETH_TYPE);
		if (likely(type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) || m->nb_segs != 1 ||
		    rte_pktmbuf_data_len(m) < BL_WIRE_ETH_LEN)
			handle_pkt(lc, in_port, m, acc);
		else if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
			bl__lcore_pkt6(lc, in_port, m, &acc->at6, acc);
		else if (type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
			 type == RTE_BE16(RTE_ETHER_TYPE_QINQ))
			bl__lcore_pkt_l2(lc, in_port, m, acc);
		else
			handle_pkt(lc, in_port, m, acc);
	}
}

/* A burst with its keys looked up a group ahead (see struct prefill). */
static __rte_noinline void rx_burst_prefilled(struct bl_lcore *lc, uint16_t in_port,
					      struct rte_mbuf **pkts, uint16_t n,
					      struct burst_acc *acc)
{
	struct prefill pf[2];
	uint16_t from = 0, to, next;
	unsigned g = 0;

	lc->vmiss = 0;
	to = prefill_start(lc, &pf[0], pkts, 0, n);
	for (; from < n; from = to, to = next, g ^= 1) {
		next = to < n ? prefill_start(lc, &pf[g ^ 1], pkts, to, n) : n;
		prefill_finish(lc, &pf[g]);
		handle_pkts(lc, in_port, pkts, from, to, n, acc);
	}
}

/*
 * The burst's time, for latency (struct bl_lcore): a TX buffer with no
 * fast-path packet takes it, so it holds its oldest packet's RX time with
 * no work per packet (txbuf_send gives an emptied buffer the same).
 */
static inline void burst_stamp(struct bl_lcore *lc)
{
	uint64_t now = rte_rdtsc() & ~UINT64_C(1); /* bit 0 marks fan-outs (struct bl_msg) */
	uint16_t p;

	lc->rx_tsc = now;
	if (lc->sched != NULL)
		bl_sched_set_stamp(lc->sched, now); /* what it delivers carries it */
	for (p = 0; p < lc->r->n_ports; p++)
		lc->tx[p].rx_tsc = lc->tx[p].msgs == 0 ? now : lc->tx[p].rx_tsc;
}

void bl_lcore_rx_burst(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n)
{
	struct burst_acc acc = { .local = lc->r->ports[in_port].local,
				 .src_hi = bl_ptx_token_hi(in_port, lc->worker) };
	uint16_t i;

	acc.at6 =
	    (struct bl_pkt6_at){ .local = &acc.local, .local6 = &lc->r->ports[in_port].local6 };
	bl_stat_add(&lc->st.rx_pkts, n);
	burst_stamp(lc);
	verdict_cache_sync(lc);
	for (i = 0; i < n && i < BL_PREFETCH_AHEAD; i++)
		prefetch_pkt(pkts[i]);
	if (unlikely(lc->vmiss >= BL_PREFILL_MIN)) {
		rx_burst_prefilled(lc, in_port, pkts, n, &acc);
	} else {
		lc->vmiss = 0;
		handle_pkts(lc, in_port, pkts, 0, n, n, &acc);
	}
	/* Counted once a burst: the identities hold between bursts (a reader
	 * in the middle of one may see rx_msgs trail what already left). */
	bl_stat_add(&lc->st.acc_pkts, acc.pkts);
	bl_stat_add(&lc->st.rx_msgs, acc.msgs);
	burst_acc_given(lc, &acc);
}

/*
 * The poll loop, as a list of phases (like libuv's uv_run): poll_rx,
 * run_processes, flush_tx, update_stats, the quiescent state,
 * idle_backoff. Each runs every loop, so each is static inline.
 */
#define BL_IDLE_SPIN   4096u
#define BL_SCHED_TURNS 256u /* process turns per scheduler pass */
#define BL_RX_SKIP_MAX 4u   /* slices the processes may take before polling again */

/*
 * A burst from each RX queue this lcore owns, each handled at once
 * (bl_lcore_rx_burst). Returns the packets received. None while the router
 * holds its traffic (bl_router_hold_rx: the daemon starting).
 *
 * Back-pressure: while the processes are behind (work left after a whole
 * slice), take no new packets for up to BL_RX_SKIP_MAX loops: what cannot
 * be handled is better left to the port (which counts it as missed) than
 * delivered and dropped at a full mailbox. Polling resumes at least every
 * BL_RX_SKIP_MAX slices.
 */
static inline uint32_t poll_rx(struct bl_lcore *lc, struct rte_mbuf **pkts)
{
	uint32_t got = 0;
	uint16_t q, n;

	if (unlikely(__atomic_load_n(&lc->r->rx_hold, __ATOMIC_ACQUIRE)))
		return 0; /* the daemon is still starting what traffic is for */
	if (unlikely(lc->backlog) && lc->rx_skips < BL_RX_SKIP_MAX) {
		lc->rx_skips++;
		bl_stat_add(&lc->st.rx_skips, 1);
		return 0;
	}
	lc->rx_skips = 0;
	for (q = 0; q < lc->n_rx; q++) {
		n = rte_eth_rx_burst(lc->rx[q].port, lc->rx[q].queue, pkts, BL_RX_BURST);
		if (n > 0) {
			bl_lcore_rx_burst(lc, lc->rx[q].port, pkts, n);
			bl_stat_add(&lc->st.rx_bursts, 1);
			got += n;
		}
	}
	return got;
}

/*
 * The processes run here, between two polls, until they have nothing left
 * or their time slice is used (a fan-out burst can be thousands of turns);
 * what they send leaves in frames closed at the end of their pass. The
 * slice is timed from the end of the first pass: an idle scheduler (the
 * fast path's usual case) never reads the clock. Returns the work done
 * (what bl_sched_run counts).
 */
static inline uint32_t run_processes(struct bl_lcore *lc)
{
	uint32_t work;
	unsigned w;

	if (lc->sched == NULL)
		return 0;
	w = bl_sched_run(lc->sched, BL_SCHED_TURNS);
	work = w;
	if (w != 0) {
		uint64_t until = rte_rdtsc() + lc->sched_tsc;

		do {
			w = bl_sched_run(lc->sched, BL_SCHED_TURNS);
			work += w;
		} while (w != 0 && rte_rdtsc() < until);
	}
	lc->backlog = w != 0;
	if (lc->n_pf != 0)
		bl_lcore_close_frames(lc);
	return work;
}

/*
 * Send the TX buffers when this loop received nothing, or when they may
 * have waited drain_tsc since the last flush. Returns the time it read.
 */
static inline uint64_t flush_tx(struct bl_lcore *lc, uint32_t got)
{
	uint64_t now = rte_rdtsc();

	if (got == 0 || now - lc->last_drain >= lc->drain_tsc) {
		bl_lcore_flush(lc);
		lc->last_drain = now;
	}
	return now;
}

/* Count the loop, and its time since t0 as busy if it did any work. */
static inline void update_stats(struct bl_lcore *lc, uint32_t work, uint64_t t0, uint64_t now)
{
	bl_stat_add(&lc->st.loops, 1);
	if (work) {
		bl_stat_add(&lc->st.busy_loops, 1);
		bl_stat_add(&lc->st.busy_tsc, now - t0);
	}
}

/*
 * After BL_IDLE_SPIN empty loops in a row the lcore sleeps, starting at
 * 1 us and doubling up to the router's idle_sleep_us, RCU-offline while it
 * sleeps so the control plane's grace periods never wait for it; before
 * that, and with idle_sleep_us 0, it pauses.
 */
static void pause_or_sleep(struct bl_lcore *lc)
{
	struct timespec ts;
	uint32_t max = lc->r->conf.idle_sleep_us;

	if (max == 0 || ++lc->idle_loops < BL_IDLE_SPIN) {
		rte_pause();
		return;
	}
	lc->sleep_us = lc->sleep_us == 0 ? 1 : lc->sleep_us * 2;
	if (lc->sleep_us > max)
		lc->sleep_us = max;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)lc->sleep_us * 1000;
	rcu_thread_offline();
	nanosleep(&ts, NULL);
	rcu_thread_online();
	bl_stat_add(&lc->st.sleeps, 1);
}

/*
 * Idle back-off, after the quiescent state: a loop that did nothing backs
 * off (pause_or_sleep) and counts its time since t0, the sleep included,
 * as idle; any work resets the back-off. Returns the time the next loop
 * is counted from.
 */
static inline uint64_t idle_backoff(struct bl_lcore *lc, uint32_t work, uint64_t t0, uint64_t now)
{
	if (work == 0) {
		pause_or_sleep(lc);
		now = rte_rdtsc();
		bl_stat_add(&lc->st.idle_tsc, now - t0);
	} else {
		lc->idle_loops = 0;
		lc->sleep_us = 0;
	}
	return now;
}

int bl_lcore_main(void *arg)
{
	struct bl_lcore *lc = arg;
	struct bl_router *r = lc->r;
	struct rte_mbuf *pkts[BL_RX_BURST];
	uint64_t t0, now;
	uint32_t got, work;

	rcu_register_thread();
	lc->tid = gettid();
	if (pthread_getcpuclockid(pthread_self(), &lc->cpu_clock) != 0)
		lc->cpu_clock = (clockid_t)-1;
	/* Pairs with the acquire load of the stall check (control/proc_cmds.c). */
	__atomic_store_n(&lc->started, 1, __ATOMIC_RELEASE);
	lc->last_drain = rte_rdtsc();
	t0 = lc->last_drain;
	while (!__atomic_load_n(&r->quit, __ATOMIC_RELAXED)) {
		got = poll_rx(lc, pkts);
		work = got + run_processes(lc);
		now = flush_tx(lc, got);
		update_stats(lc, work, t0, now);
		/* Route entries read above are no longer used past this point. */
		rcu_quiescent_state();
		t0 = idle_backoff(lc, work, t0, now);
	}
	if (lc->sched != NULL) {
		bl_sched_flush(lc->sched);
		bl_lcore_close_frames(lc);
	}
	bl_lcore_flush(lc);
	__atomic_store_n(&lc->started, 0, __ATOMIC_RELAXED);
	rcu_unregister_thread();
	return 0;
}
