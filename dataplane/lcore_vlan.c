/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore's packets that are neither untagged IPv4 nor IPv6: tagged
 * ones straight from the burst loop (lcore.c's handle_pkts, by ethertype),
 * and the ones the IPv4 path (handle_pkt) refused as not_ipv4, from its
 * drop branch (ARP, other ethertypes, a tagged chain made one mbuf).
 *
 * (IPv6 goes to lcore6.c.) A tagged packet
 * (802.1Q 0x8100, or QinQ: 0x88a8 then 0x8100) is looked up in its port's
 * VLAN table by its VLAN ids: a pair the port does not accept is
 * vlan_unknown, a tag cut short or a stack other than those two is
 * vlan_bad_tag. An accepted one is checked
 * against the VLAN's addresses (the port's own where the VLAN has none;
 * MAC and UDP port are always the port's); a priority tag (VLAN id 0, no
 * QinQ) is the port's untagged traffic.
 *
 * The usual one (IPv4 without options behind its tags, all its messages
 * to one IPv4 hop on the VLAN it came on) is checked and classified where
 * it is (behind one 802.1Q tag, with every offset a constant: pkt_dot1q)
 * and leaves with its headers rewritten in place behind its tags,
 * which stay as they came, priority bits too (forward_tagged): no tag
 * moved, nothing summed again. Anything else has its tags stripped in
 * place and is handled as an untagged packet of its family, as lcore6.c
 * handles frames (bl__lcore_forward1: in place or reframed, then the
 * hop's tags).
 *
 * Not keyed on the VLAN: per-source sequence tracking (a source is its
 * address and UDP port, whatever VLAN it came on) and the answers of
 * processes (they leave untagged, to the source's address).
 */
#include <stdint.h>

#include <rte_mbuf.h>

#include "dataplane/classify.h"
#include "dataplane/deliver.h"
#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/nbr_punt.h"
#include "dataplane/nbr_wire.h"
#include "dataplane/router.h"
#include "dataplane/seq.h"
#include "dataplane/txbuf.h"
#include "dataplane/vlan.h"
#include "dataplane/wire.h"
#include "dataplane/wire6.h"

/* m dropped, counted under why; false, for pkt_vlan to return. */
static bool pkt_drop(struct bl_lcore *lc, struct rte_mbuf *m, enum bl_pkt_drop why)
{
	bl_stat_add(&lc->st.pkt_drops[why], 1);
	bl_stat_add(&lc->st.drop_pkts, 1);
	rte_pktmbuf_free(m);
	return false;
}

/*
 * The usual tagged frame's end: every message to one IPv4 hop on the VLAN
 * (or QinQ pair) it came on, through a port that does not insert tags
 * itself. True when it left that way: its headers rewritten where they
 * are, behind its tags, which stay as they came (priority bits too).
 */
static bool forward_tagged(struct bl_lcore *lc, struct rte_mbuf *m, const struct bl_pkt *pkt,
			   uint16_t common, uint16_t count, uint32_t key)
{
	const uint16_t h = (uint16_t)(common & ~TGT_HOP6);
	struct bl_hop_out *out;

	if (common >= TGT_PROC || !(common & TGT_HOP6))
		return false;
	out = hop_out(lc, h);
	/* Not this pair, IPv6, or the port's offload tags (the slow way), or
	 * too big for the port (too_big, counted there). */
	if (out->tagged != key || BL_WIRE_IP4_LEN + BL_WIRE_UDP_LEN + pkt->frame_len > out->mtu)
		return false;
	bl_wire_rewrite_out(m, pkt, &out->o, out->seq);
	out->seq += count;
	if (unlikely(out->unresolved)) /* its MAC not known yet: held by the neighbour table */
		bl__nbr_hold(lc, h, m, count);
	else
		tx_enqueue(lc, out->port, m, count);
	return true;
}

/* A frame checked and classified: to its one hop, or the IPv6 path's. */
static void pkt_handle(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
		       const struct bl_pkt *pkt, uint16_t common, struct burst_acc *acc)
{
	uint16_t count = pkt->fr.count;

	if (common < TGT_PROC) /* one hop: the usual case, straight to it */
		bl__lcore_forward1(lc, m, pkt, common, count);
	else
		bl__lcore_frame6(lc, in_port, m, pkt->src_ip, pkt->src_port, pkt->frame_off,
				 pkt->frame_len, common, count, acc);
}

/* Where a tagged packet's tags are while it is checked and classified. */
struct tags {
	bool in_place; /* still in front of its headers (else stripped) */
	uint16_t n;    /* their bytes */
	uint32_t key;  /* its pair as bl_hop_out.tagged has it, for forward_tagged */
};

/*
 * The usual tagged packet, the quick way: one 802.1Q tag with a VLAN the
 * port accepts, IPv4 that the usual parse accepts behind it. The tag is
 * read where it sits and every offset is a constant, as on the untagged
 * path. False, having neither written nor counted anything, for anything
 * else (pkt_vlan then takes it, and names what is wrong); true with *pkt
 * and *t filled.
 */
static __rte_always_inline bool pkt_dot1q(struct bl_lcore *lc, uint16_t in_port,
					  const struct rte_mbuf *m, struct bl_pkt *pkt,
					  struct tags *t)
{
	const struct bl_port *port = &lc->r->ports[in_port];
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t vid;
	uint8_t v;

	if (rte_pktmbuf_data_len(m) < BL_WIRE_HDRS_LEN + BL_WIRE_VLAN_LEN)
		return false;
	vid = bl_wire_get16(d + BL__ETH_TYPE + 2) & 0xfff;
	v = port->vlan_of[vid];
	if (v == 0)
		return false; /* a priority tag, or a VLAN not accepted */
	if (!bl__wire_parse_usual_l2(m, &port->vlan_local[v - 1], pkt,
				     BL_WIRE_ETH_LEN + BL_WIRE_VLAN_LEN))
		return false;
	*t = (struct tags){ .in_place = true, .n = BL_WIRE_VLAN_LEN, .key = BL_HOP_TAGGED | vid };
	return true;
}

/*
 * A tagged packet received on in_port (see the note above), up to its
 * classify: true with *pkt checked and *t where its tags are; false when
 * it was dropped or went elsewhere (IPv6, counted in acc when taken; ARP,
 * ND).
 */
static bool pkt_vlan(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m, struct bl_pkt *pkt,
		     struct tags *t, struct burst_acc *acc)
{
	const struct bl_port *port = &lc->r->ports[in_port];
	static const uint8_t unset[16];
	struct bl_wire_local local = port->local;
	const struct bl_port_vlan *v = NULL;
	uint16_t outer, vid, type, n;
	struct bl_pkt6_at at;
	enum bl_pkt_drop bad;
	const uint8_t *d;

	/* Read, not stripped yet: a pair the port does not accept is dropped anyway. */
	bad = bl_wire_vlan_strip(m, &outer, &vid, false);
	if (bad != BL_PKT_DROP_NONE)
		return pkt_drop(lc, m, bad);
	if (outer != 0 || vid != 0) {
		v = bl_port_vlan_find(port->vlans, port->n_vlans, outer, vid);
		if (v == NULL)
			return pkt_drop(lc, m, BL_PKT_DROP_VLAN_UNKNOWN);
		if (v->ip != 0)
			local.ip = v->ip;
	}
	d = rte_pktmbuf_mtod(m, const uint8_t *);
	n = bl__wire_raw16(d + BL__ETH_TYPE) == RTE_BE16(RTE_ETHER_TYPE_QINQ) ? 2 * BL_WIRE_VLAN_LEN
									      : BL_WIRE_VLAN_LEN;
	*t = (struct tags){ .in_place = true,
			    .n = n,
			    .key = BL_HOP_TAGGED | (uint32_t)outer << 16 | vid };
	/* The usual frame, IPv4 behind its tags, is checked where it is (to a
	 * hop on its own VLAN it leaves with its tags as they are); anything
	 * else has them stripped first. */
	if (bl__wire_parse_usual_l2(m, &local, pkt, BL_WIRE_ETH_LEN + n))
		return true;
	(void)bl_wire_vlan_strip(m, &outer, &vid, true); /* read above: it strips */
	t->in_place = false;

	/* By the ethertype inside: IPv6 (or ND), IPv4, else ARP or not_ipv4. */
	d = rte_pktmbuf_mtod(m, const uint8_t *);
	type = bl__wire_raw16(d + BL__ETH_TYPE);
	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		struct bl_wire_local6 local6 = port->local6;

		if (v != NULL && !bl__wire_ip6_eq(v->ip6, unset))
			memcpy(local6.ip, v->ip6, 16);
		at = (struct bl_pkt6_at){
			.local = &local, .local6 = &local6, .outer = outer, .vid = vid
		};
		bl__lcore_pkt6(lc, in_port, m, &at, acc);
		return false;
	}
	if (type != RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	    bl_nbr_wire_is_arp(d, rte_pktmbuf_data_len(m))) {
		bl__nbr_punt(lc, m, BL_NBR_KIND_ARP, in_port, outer, vid);
		return false;
	}
	bad = bl_wire_parse_hdrs(m, &local, pkt);
	if (bad != BL_PKT_DROP_NONE)
		return pkt_drop(lc, m, bad);
	return true;
}

void bl__lcore_pkt_l2(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
		      struct burst_acc *acc)
{
	uint16_t type = rte_pktmbuf_data_len(m) >= BL_WIRE_ETH_LEN
			    ? bl__wire_raw16(rte_pktmbuf_mtod(m, const uint8_t *) + BL__ETH_TYPE)
			    : 0,
		 common = TGT_DONE, count;
	enum bl_wire_status st;
	struct bl_pkt pkt;
	struct tags t;

	if (type != RTE_BE16(RTE_ETHER_TYPE_VLAN) && type != RTE_BE16(RTE_ETHER_TYPE_QINQ)) {
		/* ARP: the control thread's to answer and learn from (dataplane/nbr.c). */
		if (bl_nbr_wire_is_arp(rte_pktmbuf_mtod(m, const uint8_t *),
				       rte_pktmbuf_data_len(m))) {
			bl__nbr_punt(lc, m, BL_NBR_KIND_ARP, in_port, 0, 0);
			return;
		}
		pkt_drop(lc, m, BL_PKT_DROP_NOT_IPV4);
		return;
	}
	if (!(type == RTE_BE16(RTE_ETHER_TYPE_VLAN) && pkt_dot1q(lc, in_port, m, &pkt, &t)) &&
	    !pkt_vlan(lc, in_port, m, &pkt, &t, acc))
		return;
	/* Both ways in end here, so that the compiler inlines what follows once. */
	st = classify(lc, m, rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt.frame_off),
		      pkt.frame_len, pkt.fr.count, lc->tgt, &common);
	if (st != BL_WIRE_OK) {
		pkt_drop(lc, m, bl_pkt_drop_from_wire(st));
		return;
	}
	count = pkt.fr.count;
	acc->pkts++;
	acc->msgs += count;
	bl_seq_observe(lc->seq, pkt.src_ip, pkt.src_port, pkt.fr.seq, count);
	if (t.in_place) {
		if (forward_tagged(lc, m, &pkt, common, count, t.key))
			return;
		bl__wire_move_macs(rte_pktmbuf_mtod(m, uint8_t *) + t.n,
				   rte_pktmbuf_mtod(m, uint8_t *));
		rte_pktmbuf_adj(m, t.n);
		pkt.l3_off = (uint16_t)(pkt.l3_off - t.n);
		pkt.frame_off = (uint16_t)(pkt.frame_off - t.n);
	}
	pkt_handle(lc, in_port, m, &pkt, common, acc);
}
