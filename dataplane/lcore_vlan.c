/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore's packets that are not untagged IPv4: the ones the IPv4
 * path (lcore.c's handle_pkt) refused as not_ipv4, from its drop branch,
 * so that path pays nothing for them.
 *
 * IPv6 goes to lcore6.c. A tagged packet (802.1Q 0x8100, or QinQ: 0x88a8
 * then 0x8100) is looked up in its port's VLAN table by its VLAN ids: a
 * pair the port does not accept is vlan_unknown, a tag cut short or a
 * stack other than those two is vlan_bad_tag. An accepted one has its tags
 * stripped in place and is checked as an untagged packet of its family,
 * against the VLAN's addresses (the port's own where the VLAN has none;
 * MAC and UDP port are always the port's); a priority tag (VLAN id 0, no
 * QinQ) is the port's untagged traffic. From there it is handled as
 * lcore6.c handles frames (bl__lcore_forward1: in place or reframed, then
 * the hop's tags).
 *
 * Not keyed on the VLAN: per-source sequence tracking (a source is its
 * address and UDP port, whatever VLAN it came on) and the answers of
 * processes (they leave untagged, to the source's address).
 */
#include <stdint.h>

#include <rte_mbuf.h>

#include "dataplane/classify.h"
#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/nbr_punt.h"
#include "dataplane/nbr_wire.h"
#include "dataplane/router.h"
#include "dataplane/seq.h"
#include "dataplane/vlan.h"
#include "dataplane/wire.h"
#include "dataplane/wire6.h"

static uint16_t pkt_drop(struct bl_lcore *lc, struct rte_mbuf *m, enum bl_pkt_drop why)
{
	bl_stat_add(&lc->st.pkt_drops[why], 1);
	bl_stat_add(&lc->st.drop_pkts, 1);
	rte_pktmbuf_free(m);
	return 0;
}

/* A tagged packet received on in_port (see the note above). */
static uint16_t pkt_vlan(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m)
{
	const struct bl_port *port = &lc->r->ports[in_port];
	static const uint8_t unset[16];
	struct bl_wire_local local = port->local;
	const struct bl_port_vlan *v = NULL;
	uint16_t outer, vid, common = TGT_DONE, count, type;
	enum bl_pkt_drop bad;
	struct bl_pkt pkt;
	const uint8_t *d;

	/* Stripped at once: a pair the port does not accept is dropped anyway. */
	bad = bl_wire_vlan_strip(m, &outer, &vid, true);
	if (bad != BL_PKT_DROP_NONE)
		return pkt_drop(lc, m, bad);
	if (outer != 0 || vid != 0) {
		v = bl_port_vlan_find(port->vlans, port->n_vlans, outer, vid);
		if (v == NULL)
			return pkt_drop(lc, m, BL_PKT_DROP_VLAN_UNKNOWN);
		if (v->ip != 0)
			local.ip = v->ip;
	}

	/* By the ethertype inside: IPv6 (or ND), IPv4, else ARP or not_ipv4. */
	d = rte_pktmbuf_mtod(m, const uint8_t *);
	type = bl__wire_raw16(d + BL__ETH_TYPE);
	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		struct bl_wire_local6 local6 = port->local6;

		if (bl_nbr_wire_is_nd(d, rte_pktmbuf_data_len(m))) {
			bl__nbr_punt(lc, m, BL_NBR_KIND_ND, in_port, outer, vid);
			return 0;
		}
		if (v != NULL && memcmp(v->ip6, unset, 16) != 0)
			memcpy(local6.ip, v->ip6, 16);
		return bl__lcore_pkt6_on(lc, in_port, m, &local, &local6);
	}
	if (type != RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	    bl_nbr_wire_is_arp(d, rte_pktmbuf_data_len(m))) {
		bl__nbr_punt(lc, m, BL_NBR_KIND_ARP, in_port, outer, vid);
		return 0;
	}
	bad = bl_wire_parse_hdrs(m, &local, &pkt);
	if (bad == BL_PKT_DROP_NONE) {
		enum bl_wire_status st;

		st = classify(lc, m, rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt.frame_off),
			      pkt.frame_len, pkt.fr.count, lc->tgt, &common);
		if (st != BL_WIRE_OK)
			bad = bl_pkt_drop_from_wire(st);
	}
	if (bad != BL_PKT_DROP_NONE)
		return pkt_drop(lc, m, bad);
	count = pkt.fr.count;
	bl_seq_observe(lc->seq, pkt.src_ip, pkt.src_port, pkt.fr.seq, count);
	if (common < TGT_PROC) /* one hop: the usual case, straight to it */
		bl__lcore_forward1(lc, m, &pkt, common, count);
	else
		bl__lcore_frame6(lc, in_port, m, pkt.src_ip, pkt.src_port, pkt.frame_off,
				 pkt.frame_len, common, count);
	return count;
}

uint16_t bl__lcore_pkt_l2(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m)
{
	if (bl_wire_is_ipv6(m))
		return bl__lcore_pkt6(lc, in_port, m);
	if (bl_wire_is_tagged(m))
		return pkt_vlan(lc, in_port, m);
	/* ARP: the control thread's to answer and learn from (dataplane/nbr.c). */
	if (bl_nbr_wire_is_arp(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m))) {
		bl__nbr_punt(lc, m, BL_NBR_KIND_ARP, in_port, 0, 0);
		return 0;
	}
	return pkt_drop(lc, m, BL_PKT_DROP_NOT_IPV4);
}
