/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/vlan: 802.1Q tags (and QinQ: an 802.1ad 0x88a8 tag in front of
 * an 0x8100 one) on the packets around beamline frames.
 *
 * What this module offers:
 *  - struct bl_port_vlan: one VLAN (or QinQ pair) a port accepts, with its
 *    own addresses; bl_port_vlan_find looks one up;
 *  - bl_wire_is_tagged / bl_wire_vlan_strip: a received packet's tags read
 *    and taken out, so the untagged checks (wire.h, wire6.h) run on it;
 *  - bl_wire_vlan_push: a tag put on a frame to send, in its bytes or by
 *    the port's VLAN insert offload.
 * Tagged packets never reach the IPv4 fast path: bl_wire_parse_hdrs refuses
 * them as not_ipv4; the worker's burst loop hands them to lcore_vlan.c by
 * their ethertype first.
 * A port's VLAN table is written before its workers start and only read
 * after. Format and drops: docs/wire-format.md, section 7.
 */
#ifndef BL_VLAN_H
#define BL_VLAN_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/drop.h"
#include "dataplane/wire.h"

#define BL_PORT_VLAN_MAX    16u	  /* VLANs (and QinQ pairs) one port accepts */
#define BL_WIRE_VLAN_LEN    4u	  /* one tag: TPID and TCI */
#define BL_WIRE_VLAN_ID_MAX 4094u /* 0 means "priority tag only", 4095 is reserved */

/* One VLAN a port accepts, and what it accepts on it. */
struct bl_port_vlan {
	uint16_t outer;	 /* QinQ service VLAN (0x88a8 tag); 0 = one 802.1Q tag */
	uint16_t vid;	 /* the 802.1Q VLAN id (QinQ: the inner one), 1..4094 */
	uint32_t ip;	 /* accepted dst IPv4 and source of frames sent on it, network
			    order; 0 = the port's own */
	uint8_t ip6[16]; /* the same over IPv6; all zero = the port's own */
};

/* The entry for (outer, vid) among the n at v, or NULL. Any thread. */
static inline const struct bl_port_vlan *
bl_port_vlan_find(const struct bl_port_vlan *v, unsigned int n, uint16_t outer, uint16_t vid)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (v[i].vid == vid && v[i].outer == outer)
			return &v[i];
	return NULL;
}

/* Is m tagged (ethertype 0x8100 or 0x88a8)? It may still be a bad tag. */
static inline bool bl_wire_is_tagged(const struct rte_mbuf *m)
{
	uint16_t t;

	if (rte_pktmbuf_data_len(m) < BL_WIRE_ETH_LEN)
		return false;
	t = bl__wire_raw16(rte_pktmbuf_mtod(m, const uint8_t *) + BL__ETH_TYPE);
	return t == RTE_BE16(RTE_ETHER_TYPE_VLAN) || t == RTE_BE16(RTE_ETHER_TYPE_QINQ);
}

/* The two MACs (12 bytes) moved from src to dst, which may overlap: read
 * whole before the first store, in registers (a memmove of 12 bytes would
 * be a call). */
static inline void bl__wire_move_macs(uint8_t *dst, const uint8_t *src)
{
	uint64_t a;
	uint32_t b;

	memcpy(&a, src, sizeof(a));
	memcpy(&b, src + 8, sizeof(b));
	memcpy(dst, &a, sizeof(a));
	memcpy(dst + 8, &b, sizeof(b));
}

/*
 * Read the tags of a tagged packet m (bl_wire_is_tagged): one 0x8100 tag,
 * or an 0x88a8 tag followed by an 0x8100 one (other stacks are refused).
 * The VLAN ids go to *outer (0 for a single tag) and *vid; priority and
 * DEI bits are ignored. Then, if strip, the tags are taken out (the MACs
 * moved up over them), leaving an untagged packet. Returns
 * BL_PKT_DROP_NONE, or segmented or vlan_bad_tag (m unchanged then).
 * The caller owns m and its data must be writable to strip. Any lcore.
 */
static inline enum bl_pkt_drop bl_wire_vlan_strip(struct rte_mbuf *m, uint16_t *outer,
						  uint16_t *vid, bool strip)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), n = BL_WIRE_VLAN_LEN;

	if (m->nb_segs != 1)
		return BL_PKT_DROP_SEGMENTED;
	if (len < BL_WIRE_ETH_LEN + BL_WIRE_VLAN_LEN)
		return BL_PKT_DROP_VLAN_BAD_TAG;
	*outer = 0;
	*vid = bl_wire_get16(d + BL__ETH_TYPE + 2) & 0xfff;
	if (bl__wire_raw16(d + BL__ETH_TYPE) == RTE_BE16(RTE_ETHER_TYPE_QINQ)) {
		if (len < BL_WIRE_ETH_LEN + 2 * BL_WIRE_VLAN_LEN ||
		    bl__wire_raw16(d + BL__ETH_TYPE + 4) != RTE_BE16(RTE_ETHER_TYPE_VLAN))
			return BL_PKT_DROP_VLAN_BAD_TAG;
		*outer = *vid;
		*vid = bl_wire_get16(d + BL__ETH_TYPE + 6) & 0xfff;
		n = 2 * BL_WIRE_VLAN_LEN;
	}
	if (strip) {
		bl__wire_move_macs(d + n, d);
		rte_pktmbuf_adj(m, (uint16_t)n);
	}
	return BL_PKT_DROP_NONE;
}

/*
 * Tag the frame m (Ethernet header at the start of its first segment) with
 * VLAN id vid, and, when outer is not 0, put a QinQ 0x88a8 tag with id
 * outer in front of that. With `offload` (the port takes
 * RTE_ETH_TX_OFFLOAD_VLAN_INSERT; single tags only) the port inserts it:
 * m->vlan_tci and RTE_MBUF_F_TX_VLAN are set and the bytes left alone.
 * Otherwise the tags go in the bytes, in the first segment's headroom, and
 * an L4 checksum offload request has its l2_len grown to match. Returns 0,
 * or -ENOSPC when the headroom is too small (m unchanged). The caller owns
 * m and its first segment must be direct. Any lcore.
 */
static inline int bl_wire_vlan_push(struct rte_mbuf *m, uint16_t outer, uint16_t vid, bool offload)
{
	uint32_t n = outer != 0 ? 2 * BL_WIRE_VLAN_LEN : BL_WIRE_VLAN_LEN;
	uint8_t *p;

	if (offload && outer == 0) {
		m->vlan_tci = vid;
		m->ol_flags |= RTE_MBUF_F_TX_VLAN;
		return 0;
	}
	if (rte_pktmbuf_headroom(m) < n)
		return -ENOSPC;
	p = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)n);
	bl__wire_move_macs(p, p + n);
	p += BL__ETH_TYPE;
	if (outer != 0) {
		bl_wire_put16(p, RTE_ETHER_TYPE_QINQ);
		bl_wire_put16(p + 2, outer);
		p += BL_WIRE_VLAN_LEN;
	}
	bl_wire_put16(p, RTE_ETHER_TYPE_VLAN);
	bl_wire_put16(p + 2, vid);
	if (m->ol_flags & RTE_MBUF_F_TX_L4_MASK)
		m->l2_len += n;
	return 0;
}

#endif /* BL_VLAN_H */
