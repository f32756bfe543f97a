/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path of a worker lcore: design note.
 *
 * Per loop: rx burst on each owned queue -> for each packet, parse and check
 * everything (dataplane/wire.h) -> look every message's key up (QSBR read,
 * no cost) -> decide where each message goes -> transmit -> once per loop,
 * flush TX buffers on timeout and report a quiescent state.
 *
 * Where messages go:
 *  - all to one next hop (the common case): the received mbuf is rewritten
 *    in place (addresses, TTL, IPv4 checksum, our seq) and queued: no copy,
 *    no allocation;
 *  - all dropped: the mbuf is freed, each message counted by reason;
 *  - mixed: one new frame per next hop. Its headers go in a fresh mbuf; the
 *    messages follow, copied into it when the run is short (a copy of a few
 *    hundred bytes beats an extra descriptor), or by reference (an indirect
 *    mbuf attached to the received one) when the run is long and the port
 *    takes chains. The received mbuf is freed; indirect segments keep its
 *    buffer alive until they are sent.
 *
 * Accounting, at every moment, per lcore:
 *   rx_pkts = acc_pkts + drop_pkts,
 *   rx_msgs = fwd_msgs + drop_msgs + buffered_msgs.
 * A message is counted forwarded only when the TX queue has taken its packet.
 *
 * Outgoing seq: one counter per (lcore, hop); the source UDP port is the
 * router's UDP port + the worker index, so each receiver sees one gapless
 * stream per (router lcore, hop) unless the router itself drops.
 */
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "actors/group.h"
#include "actors/registry.h"
#include "actors/sched.h"
#include "dataplane/classify.h"
#include "dataplane/deliver.h"
#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/neigh.h"
#include "dataplane/ptx.h"
#include "dataplane/router.h"
#include "dataplane/split.h"
#include "dataplane/txbuf.h"
#include "dataplane/verdict.h"
#include "dataplane/wire.h"

/* What a burst keeps while its packets are handled: a copy of what the
 * input port accepts (a copy no packet store can alias, so it stays in
 * registers or on the stack), and the accepted packets and their messages,
 * counted once per burst. */
struct burst_acc {
	struct bl_wire_local local;
	uint32_t pkts;
	uint32_t msgs;
};

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
		bl_stat_add(&lc->st.pkt_drops[bad], 1);
		bl_stat_add(&lc->st.drop_pkts, 1);
		rte_pktmbuf_free(m);
		return;
	}
	count = pkt.fr.count;
	acc->pkts++;
	acc->msgs += count;
	bl_seq_observe(lc->seq, pkt.src_ip, pkt.src_port, pkt.fr.seq, count);

	if (likely(common < TGT_PROC)) {
		struct bl_hop_out *out = hop_out(lc, common);

		bl_wire_rewrite_out(m, &pkt, &out->o, out->seq);
		out->seq += count;
		tx_enqueue(lc, out->port, m, count);
		return;
	}
	if (common != TGT_DONE && (common & TGT_DROP)) { /* every message dropped for one reason */
		count_msg_drop(lc, (enum bl_msg_drop)(common & ~TGT_DROP), count);
		rte_pktmbuf_free(m);
		return;
	}
	if (common != TGT_DONE &&
	    deliver_frame(lc, in_port, m, &pkt, (uint16_t)(common & ~TGT_PROC), count))
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

/* Packets pkts[from..to) of a burst of n, each with the one a few ahead
 * prefetched. */
static __rte_always_inline void handle_pkts(struct bl_lcore *lc, uint16_t in_port,
					    struct rte_mbuf **pkts, uint16_t from, uint16_t to,
					    uint16_t n, struct burst_acc *acc)
{
	uint16_t i;

	for (i = from; i < to; i++) {
		if (i + BL_PREFETCH_AHEAD < n)
			prefetch_pkt(pkts[i + BL_PREFETCH_AHEAD]);
		handle_pkt(lc, in_port, pkts[i], acc);
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
		prefill_undo(lc, &pf[g]);
	}
}

void bl_lcore_rx_burst(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n)
{
	struct burst_acc acc = { .local = lc->r->ports[in_port].local };
	uint16_t i;

	bl_stat_add(&lc->st.rx_pkts, n);
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
}

/*
 * Idle back-off: after BL_IDLE_SPIN empty loops in a row the lcore sleeps,
 * starting at 1 us and doubling up to the router's idle_sleep_us, RCU-offline
 * while it sleeps so the control plane's grace periods never wait for it.
 * Any work resets it.
 */
#define BL_IDLE_SPIN   4096u
#define BL_SCHED_TURNS 256u /* process turns per scheduler pass */
#define BL_RX_SKIP_MAX 4u   /* slices the processes may take before polling again */

static void idle_backoff(struct bl_lcore *lc)
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

int bl_lcore_main(void *arg)
{
	struct bl_lcore *lc = arg;
	struct bl_router *r = lc->r;
	struct rte_mbuf *pkts[BL_RX_BURST];
	uint64_t t0;

	rcu_register_thread();
	lc->last_drain = rte_rdtsc();
	t0 = lc->last_drain;
	while (!__atomic_load_n(&r->quit, __ATOMIC_RELAXED)) {
		uint32_t got = 0, work;
		uint16_t q, n;
		uint64_t now;

		/*
		 * Back-pressure: while the processes are behind (work left after
		 * a whole slice), take no new packets for up to BL_RX_SKIP_MAX
		 * loops: what cannot be handled is better left to the port (which
		 * counts it as missed) than delivered and dropped at a full
		 * mailbox. Polling resumes at least every BL_RX_SKIP_MAX slices.
		 */
		if (unlikely(lc->backlog) && lc->rx_skips < BL_RX_SKIP_MAX) {
			lc->rx_skips++;
			bl_stat_add(&lc->st.rx_skips, 1);
		} else {
			lc->rx_skips = 0;
			for (q = 0; q < lc->n_rx; q++) {
				n = rte_eth_rx_burst(lc->rx[q].port, lc->rx[q].queue, pkts,
						     BL_RX_BURST);
				if (n > 0) {
					bl_lcore_rx_burst(lc, lc->rx[q].port, pkts, n);
					bl_stat_add(&lc->st.rx_bursts, 1);
					got += n;
				}
			}
		}
		work = got;
		if (lc->sched != NULL) {
			/*
			 * The processes run here, between two polls, until they have
			 * nothing left or their time slice is used (a fan-out burst
			 * can be thousands of turns); what they send leaves in frames
			 * closed at the end of their pass. The slice is timed from
			 * the end of the first pass: an idle scheduler (the fast
			 * path's usual case) never reads the clock.
			 */
			unsigned w = bl_sched_run(lc->sched, BL_SCHED_TURNS);

			work += w;
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
		}
		now = rte_rdtsc();
		if (got == 0 || now - lc->last_drain >= lc->drain_tsc) {
			bl_lcore_flush(lc);
			lc->last_drain = now;
		}
		bl_stat_add(&lc->st.loops, 1);
		if (work) {
			bl_stat_add(&lc->st.busy_loops, 1);
			bl_stat_add(&lc->st.busy_tsc, now - t0);
		}
		/* Route entries read above are no longer used past this point. */
		rcu_quiescent_state();
		if (work == 0) {
			idle_backoff(lc);
			now = rte_rdtsc();
			bl_stat_add(&lc->st.idle_tsc, now - t0);
		} else {
			lc->idle_loops = 0;
			lc->sleep_us = 0;
		}
		t0 = now;
	}
	if (lc->sched != NULL) {
		bl_sched_flush(lc->sched);
		bl_lcore_close_frames(lc);
	}
	bl_lcore_flush(lc);
	rcu_unregister_thread();
	return 0;
}
