/* SPDX-License-Identifier: BSD-3-Clause */
/* TX buffers and per-hop bytes: the out-of-line side of dataplane/txbuf.h. */
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/lcore_pvt.h"
#include "dataplane/txbuf.h"

void bl__txbuf_send(struct bl_lcore *lc, uint16_t port, struct bl_txbuf *tb)
{
	uint16_t sent, i;
	uint64_t lost = 0, plost = 0;

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
}

void bl_lcore_flush(struct bl_lcore *lc)
{
	uint16_t p;

	for (p = 0; p < lc->r->n_ports; p++)
		if (lc->tx[p].n > 0)
			bl__txbuf_send(lc, p, &lc->tx[p]);
}

/* The prepared bytes for hop h, from the table this burst reads. */
__rte_noinline void bl__hop_out_fill(struct bl_lcore *lc, uint16_t h)
{
	const struct bl_route_hop *hop = &lc->r->routes->hops[h];
	struct bl_hop_out *out = &lc->hout[h];
	struct bl_wire_hop w;

	hop_addresses(lc, hop, &w);
	bl_wire_out_prepare(&out->o, &w);
	out->port = hop->port;
	out->seen = lc->vcache.seen;
}
