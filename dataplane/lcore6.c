/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore's IPv6 packets, and the frames of either family that go
 * to IPv6 next hops or to hops on a VLAN (both need new headers; the
 * verdict TGT_HOP6 | h says so for both), or that came in tagged
 * (lcore_vlan.c strips their tags and hands them here).
 *
 * The burst loop (lcore.c's handle_pkts) sends here an IPv6 packet by its
 * ethertype (bl__lcore_pkt6; a chain, once made one mbuf, comes from
 * handle_pkt's not_ipv4 branch), and the IPv4 path, after its fast-path
 * compare, a frame whose fate
 * involves an IPv6 hop: all its messages to one (verdict TGT_HOP6 | h), or
 * mixed targets among which one is (TGT_MIXED6, from classify)
 * (bl__lcore_frame6). This file is its own translation unit, and takes
 * the packet's fields by value, so that the IPv4 path's inline helpers
 * (classify, deliver, split) compile there as they did before IPv6: that
 * path pays one compare on its slow side and nothing on its fast one.
 *
 * An IPv6 frame is checked (dataplane/wire6.h), classified like any frame,
 * its UDP checksum summed unless it is forwarded whole in place (then it
 * goes on updated, for the receiver to check; --udp6-check all sums every
 * frame: docs/wire-format.md section 6), its source tracked by its IPv6
 * address (bl_seq_observe6), then handled
 * as the IPv4 path handles a frame: a frame for one hop is rewritten in
 * place when its headers are the hop family's (IPv6: the UDP checksum
 * updated from the words that changed), else reframed in its own mbuf
 * (bl_wire_reframe), then tagged for a VLAN hop. Processes get its
 * messages with a source token that names the sender's slot in this
 * worker's IPv6 table (dataplane/src6.h), so an answer goes back to it
 * over IPv6.
 */
#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "dataplane/classify.h"
#include "dataplane/deliver.h"
#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/nbr_punt.h"
#include "dataplane/nbr_wire.h"
#include "dataplane/router.h"
#include "dataplane/seq.h"
#include "dataplane/split.h"
#include "dataplane/src6.h"
#include "dataplane/txbuf.h"
#include "dataplane/vlan.h"
#include "dataplane/wire.h"
#include "dataplane/wire6.h"

/*
 * bl__lcore_forward1: every message of the accepted frame pkt in m to hop
 * `tgt` (an index, with TGT_HOP6 for an IPv6 or VLAN hop): rewritten in
 * place when the packet's headers are already the hop family's, with
 * nothing between them (wire.h's bl_wire_rewrite_out, wire6.h's
 * bl_wire_rewrite6_out), else given new ones in front of the frame
 * (bl_wire_reframe); then the hop's tags. Queued, or dropped (too_big,
 * no_mbuf) and freed.
 */
void bl__lcore_forward1(struct bl_lcore *lc, struct rte_mbuf *m, const struct bl_pkt *pkt,
			uint16_t tgt, uint16_t count)
{
	const uint16_t h = (uint16_t)(tgt & ~TGT_HOP6);
	struct bl_hop_out *out = hop_out(lc, h);
	const struct bl_port *port = &lc->r->ports[out->port];
	const struct bl_route_hop *hop = &lc->r->routes->hops[h];
	const bool v6 = out->v6, in6 = bl_wire_is_ipv6(m);
	uint32_t hdrs = v6 ? BL_WIRE_HDRS6_LEN : BL_WIRE_HDRS_LEN;
	/* The headers the hop's family sends, no IPv4 options or IPv6
	 * extension headers: rewritten where they are. */
	const bool in_place = v6 == in6 && pkt->frame_off + BL_WIRE_FRAME_HDR_LEN == hdrs;
	const bool known = !out->unresolved;

	if (hdrs - BL_WIRE_ETH_LEN + pkt->frame_len - BL_WIRE_FRAME_HDR_LEN > port->mtu) {
		count_msg_drop(lc, BL_MSG_DROP_TOO_BIG, count);
		rte_pktmbuf_free(m);
		return;
	}
	if (in_place && v6) {
		bl_wire_rewrite6_out(m, pkt, &out->o6, out->seq, port->udp6_csum_tx);
	} else if (in_place) {
		bl_wire_rewrite_out(m, pkt, &out->o, out->seq);
	} else if (bl_wire_reframe(m, pkt, &out->o, v6 ? &out->o6 : NULL, out->seq, lc->ip_id,
				   port->udp6_csum_tx) != 0) {
		count_msg_drop(lc, BL_MSG_DROP_NO_MBUF, count); /* no headroom for the headers */
		rte_pktmbuf_free(m);
		return;
	}
	if ((tgt & TGT_HOP6) != 0 && hop->vlan != 0 &&
	    bl_wire_vlan_push(m, hop->vlan_outer, hop->vlan, port->vlan_tx) != 0) {
		count_msg_drop(lc, BL_MSG_DROP_NO_MBUF, count); /* no headroom for the tags */
		rte_pktmbuf_free(m);
		return;
	}
	lc->ip_id = (uint16_t)(lc->ip_id + (!v6 && !in_place));
	out->seq += count;
	if (unlikely(!known)) { /* its MAC not known yet: held by the neighbour table */
		bl__nbr_hold(lc, h, m, count);
		return;
	}
	tx_enqueue(lc, out->port, m, count);
}

/* What the IPv4 path does with an accepted frame past its fast path (see
 * lcore.c's handle_pkt), for hops of both families. */
static void handle_frame(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
			 const struct bl_pkt *pkt, uint16_t common, uint16_t count,
			 struct burst_acc *acc)
{
	uint16_t *tgt = lc->tgt;
	uint16_t i;

	if (common < TGT_PROC) { /* one hop, of either family */
		bl__lcore_forward1(lc, m, pkt, common, count);
		return;
	}
	if (common == TGT_MIXED6)
		common = TGT_DONE;
	if (common != TGT_DONE && (common & TGT_DROP)) { /* every message dropped for one reason */
		count_msg_drop(lc, (enum bl_msg_drop)(common & ~TGT_DROP), count);
		rte_pktmbuf_free(m);
		return;
	}
	if (common != TGT_DONE &&
	    deliver_frame(lc, in_port, m, pkt, (uint16_t)(common & ~TGT_PROC), count, acc))
		return;		/* the process has our reference */
	if (common != TGT_DONE) /* one target: classify left tgt unwritten */
		for (i = 0; i < count; i++)
			tgt[i] = common;
	dispatch_mixed(lc, in_port, m, pkt, tgt, count);
	if (common != TGT_DONE) { /* all for processes: nothing left to send */
		rte_pktmbuf_free(m);
		return;
	}
	for (i = 0; i < count; i++) {
		if (tgt[i] == TGT_DONE)
			continue;
		if (tgt[i] & TGT_HOP6)
			split_one_to(lc, m, pkt->frame_off, tgt, count, tgt[i], true);
		else
			split_one_to(lc, m, pkt->frame_off, tgt, count, tgt[i], false);
	}
	rte_pktmbuf_free(m); /* indirect segments keep its buffer while they need it */
}

void bl__lcore_frame6(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m, uint32_t src_ip,
		      uint16_t src_port, uint16_t frame_off, uint32_t frame_len, uint16_t common,
		      uint16_t count, struct burst_acc *acc)
{
	const struct bl_pkt pkt = { .src_ip = src_ip,
				    .src_port = src_port,
				    .l3_off = BL_WIRE_ETH_LEN,
				    .frame_off = frame_off,
				    .frame_len = frame_len,
				    .fr.count = count };

	handle_frame(lc, in_port, m, &pkt, common, count, acc);
}

void bl__lcore_pkt6(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
		    const struct bl_pkt6_at *at, struct burst_acc *acc)
{
	const struct bl_wire_local *local = at->local;
	const struct bl_wire_local6 *local6 = at->local6;
	uint16_t common = TGT_DONE, count;
	enum bl_pkt_drop bad;
	struct bl_pkt pkt;
	uint8_t src6[16];
	bool unsummed = false; /* the UDP checksum still to be summed, if used */
	bool whole = false;    /* forwarded whole, in place */
	struct bl_hop_out *out = NULL;

	if (likely(bl__wire_parse6_usual(m, local, local6, &pkt, src6, &unsummed)))
		bad = BL_PKT_DROP_NONE;
	else
		bad = bl__wire_parse6(m, local, local6, &pkt, src6, &unsummed);
	if (bad == BL_PKT_DROP_NONE) {
		enum bl_wire_status st;

		st = classify(lc, m, rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt.frame_off),
			      pkt.frame_len, pkt.fr.count, lc->tgt, &common);
		if (st != BL_WIRE_OK)
			bad = bl_pkt_drop_from_wire(st);
	}
	/* One IPv6 hop with nothing to add, this frame's headers its family's
	 * with nothing between them, and it fits: rewritten in place here, as
	 * the IPv4 path does (forward1 checks the same for every other case).
	 * Its messages go on as they came, so its checksum, unsummed, goes on
	 * too: updated from the words that change (never offloaded then,
	 * which would sum the bytes as they are), for the receiver to check. */
	if (bad == BL_PKT_DROP_NONE && common < TGT_PROC) {
		out = hop_out(lc, (uint16_t)(common & ~TGT_HOP6));
		whole = pkt.frame_off == BL_WIRE_HDRS6_LEN - BL_WIRE_FRAME_HDR_LEN &&
			pkt.frame_len <= out->plain6_max;
	}
	/* Anything else uses the messages or gives the frame new headers and
	 * a new checksum, and a drop is named as the full parse would name it
	 * (a wrong sum first): the sum is checked first; with --udp6-check
	 * all, for every frame. */
	if (unlikely(unsummed) && (!whole || lc->r->conf.udp6_check_all)) {
		if (!bl_wire_udp6_sum_ok(m, &pkt))
			bad = BL_PKT_DROP_UDP_BAD_CSUM;
		unsummed = false;
	}
	if (bad != BL_PKT_DROP_NONE)
		goto drop;
	count = pkt.fr.count;
	acc->pkts++;
	acc->msgs += count;
	bl_seq_observe6(lc->seq, src6, pkt.src_port, pkt.fr.seq, count);
	if (likely(whole)) {
		bl_wire_rewrite6_out(m, &pkt, &out->o6, out->seq, out->csum6_tx && !unsummed);
		out->seq += count;
		tx_enqueue(lc, out->port, m, count);
		return;
	}
	if (common < TGT_PROC) {
		bl__lcore_forward1(lc, m, &pkt, common, count);
		return;
	}
	/* Some for processes, maybe: their source token names the sender's
	 * slot in the IPv6 table, so that an answer finds it (src6.h). */
	pkt.src_ip = bl_src6_learn(lc, src6);
	handle_frame(lc, in_port, m, &pkt, common, count, acc);
	return;

drop:
	/* Neighbour discovery is ICMPv6, not UDP: the control thread's. */
	if (bad == BL_PKT_DROP_NOT_UDP &&
	    bl_nbr_wire_is_nd(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m))) {
		bl__nbr_punt(lc, m, BL_NBR_KIND_ND, in_port, at->outer, at->vid);
		return;
	}
	bl_stat_add(&lc->st.pkt_drops[bad], 1);
	bl_stat_add(&lc->st.drop_pkts, 1);
	rte_pktmbuf_free(m);
}
