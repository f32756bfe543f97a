/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What leaves a worker lcore: the bytes it writes for each next hop
 * (struct bl_hop_out, lc->hout) and its TX buffer per port (struct
 * bl_txbuf, lc->tx). Owner lcore only.
 *
 * A buffer is sent when it holds BL_BURST packets, and by the poll loop at
 * least every drain interval and whenever a loop received nothing
 * (bl_lcore_flush). It keeps its message totals, so a full send is counted
 * without a loop over its packets; what the TX queue refuses after one
 * retry is freed and counted as tx_full. A message counts as forwarded only
 * when the TX queue has taken its packet.
 *
 * A hop's bytes are prepared again when the route table's generation moves
 * (they are valid for the verdict cache's generation, lc->vcache.seen).
 */
#ifndef BL_TXBUF_H
#define BL_TXBUF_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/router.h"
#include "dataplane/wire.h"
#include "dataplane/wire6.h"

/* Process-sent packets, by path: each path's counted under its oldest
 * cause's time (as the fast path's under the buffer's oldest), one add a
 * path; those with no RX time apart. */
static inline void txbuf_proc_latency(struct bl_lcore *lc, struct bl_txbuf *tb)
{
	uint64_t now = rte_rdtsc();
	unsigned k;

	for (k = 0; k < 2; k++) {
		if (tb->pn[k] != 0)
			bl_hist_add(&lc->lat[k ? BL_LAT_FANOUT : BL_LAT_PROC],
				    now > tb->pold[k] ? now - tb->pold[k] : 0, tb->pn[k]);
		tb->pn[k] = 0;
	}
	if (tb->pnone != 0)
		bl_stat_add(&lc->lat_unstamped, tb->pnone);
	tb->pnone = 0;
}

/*
 * Send tb's packets out of port now; count what left and what was refused.
 * Out of line (as GCC compiled it when it was static in lcore.c) but
 * static, here rather than in txbuf.c: the file that calls it compiles it
 * knowing its callers, as before the split, and a file that includes this
 * need not call it (__rte_unused).
 */
static __rte_noinline __rte_unused void txbuf_send(struct bl_lcore *lc, uint16_t port,
						   struct bl_txbuf *tb)
{
	uint16_t sent, i;
	uint64_t lost = 0, plost = 0;

	/* Time inside the router: up to the TX burst, one clock read. */
	if (likely(tb->msgs != 0))
		bl_hist_add(&lc->lat[BL_LAT_FAST], rte_rdtsc() - tb->rx_tsc,
			    (uint64_t)(tb->n - __builtin_popcount(tb->proc_mask)));
	if (unlikely(tb->proc_mask != 0))
		txbuf_proc_latency(lc, tb);
	sent = rte_eth_tx_burst(port, tb->queue, tb->pkts, tb->n);
	if (unlikely(sent < tb->n)) { /* one retry: the NIC may have just freed descriptors */
		sent += rte_eth_tx_burst(port, tb->queue, tb->pkts + sent, tb->n - sent);
		/* Only what is left is looked at one by one. */
		for (i = sent; i < tb->n; i++) {
			if (tb->proc_mask & (1u << i))
				plost += tb->nmsgs[i];
			else
				lost += tb->nmsgs[i];
			rte_pktmbuf_free(tb->pkts[i]);
		}
	}
	bl_stat_add(&lc->st.tx_pkts, sent);
	bl_stat_add(&lc->st.fwd_msgs, tb->msgs - lost);
	if (lost)
		count_msg_drop(lc, BL_MSG_DROP_TX_FULL, lost);
	bl_stat_add(&lc->st.buffered_msgs, -(uint64_t)tb->msgs);
	if (unlikely(tb->pmsgs != 0)) {
		bl_stat_add(&lc->st.ptx_msgs, tb->pmsgs - plost);
		if (plost) {
			bl_stat_add(&lc->st.ptx_drops[BL_PTX_DROP_TX_FULL], plost);
			bl_stat_add(&lc->st.ptx_drop_msgs, plost);
		}
		bl_stat_add(&lc->st.ptx_buffered, -(uint64_t)tb->pmsgs);
	}
	tb->n = 0;
	tb->msgs = tb->pmsgs = 0;
	tb->proc_mask = 0;
	tb->rx_tsc = lc->rx_tsc; /* what this burst adds next is its own */
}

/* Prepare hop h's bytes from the table this burst reads (the slow side of hop_out). */
void bl__hop_out_fill(struct bl_lcore *lc, uint16_t h);

static inline void tx_enqueue(struct bl_lcore *lc, uint16_t port, struct rte_mbuf *m,
			      uint16_t nmsgs)
{
	struct bl_txbuf *tb = &lc->tx[port];

	tb->pkts[tb->n] = m;
	tb->nmsgs[tb->n] = nmsgs;
	tb->n++;
	tb->msgs += nmsgs;
	bl_stat_add(&lc->st.buffered_msgs, nmsgs);
	if (tb->n == BL_BURST)
		txbuf_send(lc, port, tb);
}

/* Queue a frame of process-sent messages (already counted in ptx_buffered);
 * rx_tsc: its cause's RX time (struct bl_msg.rx_tsc), 0 for none. */
static inline void tx_enqueue_proc(struct bl_lcore *lc, uint16_t port, struct rte_mbuf *m,
				   uint16_t nmsgs, uint64_t rx_tsc)
{
	struct bl_txbuf *tb = &lc->tx[port];

	tb->pkts[tb->n] = m;
	tb->nmsgs[tb->n] = nmsgs;
	/* Latency by path (bit 0 of the time: a fan-out), each path's first
	 * (oldest) time kept; none: counted apart. */
	if (likely((rx_tsc & 1u) == 0 && rx_tsc != 0)) {
		if (tb->pn[0]++ == 0)
			tb->pold[0] = rx_tsc;
	} else if (rx_tsc != 0) {
		if (tb->pn[1]++ == 0)
			tb->pold[1] = rx_tsc;
	} else {
		tb->pnone++;
	}
	tb->proc_mask |= 1u << tb->n;
	tb->n++;
	tb->pmsgs += nmsgs;
	if (tb->n == BL_BURST)
		txbuf_send(lc, port, tb);
}

/* Addresses for a frame leaving through hop h from this lcore. False when
 * h is a hop to resolve whose neighbour is not known yet (its MAC is then
 * left zero: such a frame is held, dataplane/nbr_punt.h). */
static inline bool hop_addresses(const struct bl_lcore *lc, uint16_t h, struct bl_wire_hop *w)
{
	const struct bl_route_hop *hop = &lc->r->routes->hops[h];
	const struct bl_port *out = &lc->r->ports[hop->port];
	bool known;

	w->src_mac = out->local.mac;
	memset(&w->dst_mac, 0, sizeof(w->dst_mac));
	known = bl_route_hop_mac(lc->r->routes, h, &w->dst_mac);
	w->src_ip = out->local.ip;
	if (unlikely(hop->vlan != 0)) { /* the VLAN's own address, if it has one */
		const struct bl_port_vlan *v =
		    bl_port_vlan_find(out->vlans, out->n_vlans, hop->vlan_outer, hop->vlan);

		if (v != NULL && v->ip != 0)
			w->src_ip = v->ip;
	}
	w->dst_ip = hop->dst_ip;
	w->src_port = rte_cpu_to_be_16((uint16_t)(lc->r->conf.udp_port + lc->worker));
	w->dst_port = hop->dst_udp;
	return known;
}

/* The bytes of IPv6 hop h, from the table this burst reads (the IPv6 side
 * of bl__hop_out_fill, and what a process's frame to it gets: ptx.c).
 * False when h is a hop to resolve whose neighbour is not known yet. */
bool bl__hop_bytes6(const struct bl_lcore *lc, uint16_t h, struct bl_wire_out6 *o6);

static inline struct bl_hop_out *hop_out(struct bl_lcore *lc, uint16_t h)
{
	if (unlikely(lc->hout[h].seen != lc->vcache.seen))
		bl__hop_out_fill(lc, h);
	return &lc->hout[h];
}

#endif /* BL_TXBUF_H */
