/* SPDX-License-Identifier: BSD-3-Clause */
/* The workers' side of the neighbour rings (see nbr_punt.h). */
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/nbr_punt.h"
#include "dataplane/router.h"

void bl__nbr_punt(struct bl_lcore *lc, struct rte_mbuf *m, enum bl_nbr_kind kind, uint16_t in_port,
		  uint16_t outer, uint16_t vid)
{
	m->hash.usr = bl_nbr_tag_pkt(kind, in_port, outer, vid);
	/* Pairs with the control thread's dequeue (the ring's own ordering). */
	if (lc->r->nbr_in == NULL || rte_ring_mp_enqueue(lc->r->nbr_in, m) != 0) {
		bl_stat_add(&lc->st.pkt_drops[BL_PKT_DROP_NEIGH_PUNT_FULL], 1);
		bl_stat_add(&lc->st.drop_pkts, 1);
		rte_pktmbuf_free(m);
		return;
	}
	bl_stat_add(&lc->st.neigh_punts, 1);
	bl_stat_add(&lc->st.acc_pkts, 1);
}

void bl__nbr_hold(struct bl_lcore *lc, uint16_t h, struct rte_mbuf *m, uint16_t count)
{
	m->hash.usr = bl_nbr_tag_held(h, count);
	if (lc->r->nbr_in == NULL || rte_ring_mp_enqueue(lc->r->nbr_in, m) != 0) {
		count_msg_drop(lc, BL_MSG_DROP_NEIGH_UNRESOLVED, count);
		rte_pktmbuf_free(m);
		return;
	}
	bl_stat_add(&lc->st.neigh_held, count);
}

void bl__nbr_out_drain(struct bl_lcore *lc)
{
	struct rte_mbuf *pkts[BL_BURST];
	unsigned n, i;

	n = rte_ring_sc_dequeue_burst(lc->nbr_out, (void **)pkts, BL_BURST, NULL);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t p = m->port;

		if (p >= lc->r->n_ports || !lc->r->ports[p].started ||
		    rte_eth_tx_burst(p, lc->tx[p].queue, &m, 1) != 1) {
			rte_pktmbuf_free(m);
			bl_stat_add(&lc->st.neigh_tx_lost, 1);
			continue;
		}
		bl_stat_add(&lc->st.neigh_tx, 1);
	}
}
