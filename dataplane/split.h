/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Splitting a mixed frame (messages for more than one next hop, or for
 * hops and processes): one new frame per next hop. Its headers go in a
 * fresh mbuf; the messages follow, copied into it when the run is short (a
 * copy of a few hundred bytes beats an extra descriptor), or by reference
 * (an indirect mbuf attached to the received one) when the run is long and
 * the port takes chains. The caller frees the received mbuf; indirect
 * segments keep its buffer alive until they are sent. Owner lcore only;
 * per packet, so static inline (only lcore.c's handle_pkt calls it).
 */
#ifndef BL_SPLIT_H
#define BL_SPLIT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/nbr_punt.h"
#include "dataplane/router.h"
#include "dataplane/txbuf.h"
#include "dataplane/vlan.h"
#include "dataplane/wire.h"

/* Copy payload runs up to this size; send longer ones by reference. */
#define BL_SPLIT_REF_MIN 512u

/* Append bytes [off, off+len) of the received frame to the new frame `head`. */
static inline int split_append(struct bl_lcore *lc, struct rte_mbuf *head,
			       struct rte_mbuf **tail_direct, struct rte_mbuf *rx,
			       uint32_t frame_off, uint32_t off, uint32_t len, bool by_ref)
{
	struct rte_mbuf *seg;

	if (by_ref) {
		seg = rte_pktmbuf_alloc(lc->r->pool);
		if (seg == NULL)
			return -ENOMEM;
		rte_pktmbuf_attach(seg, rx);
		seg->data_off = (uint16_t)(rx->data_off + frame_off + off);
		seg->data_len = (uint16_t)len;
		seg->pkt_len = len;
		if (rte_pktmbuf_chain(head, seg) != 0) {
			rte_pktmbuf_free(seg);
			return -E2BIG;
		}
		*tail_direct = NULL;
		bl_stat_add(&lc->st.ref_segs, 1);
		return 0;
	}
	if (*tail_direct == NULL || rte_pktmbuf_tailroom(*tail_direct) < len) {
		seg = rte_pktmbuf_alloc(lc->r->pool);
		if (seg == NULL)
			return -ENOMEM;
		if (rte_pktmbuf_tailroom(seg) < len || rte_pktmbuf_chain(head, seg) != 0) {
			rte_pktmbuf_free(seg);
			return -E2BIG;
		}
		*tail_direct = seg;
	}
	/* The tail is the last segment, so this lands in it. */
	memcpy(rte_pktmbuf_append(head, (uint16_t)len),
	       rte_pktmbuf_mtod_offset(rx, const uint8_t *, frame_off + off), len);
	return 0;
}

/* The headers of a split frame to hop h that needs more than the IPv4
 * bytes prepared in ho (an IPv6 hop, or a tagged one: verdict TGT_HOP6 |
 * h; or one whose MAC is not known yet), in the first hdrs bytes of head:
 * out of line, not the fast path. 0; 1 when the frame is whole but for
 * its destination MAC, not known yet (it is held: nbr_punt.h); or -ENOSPC
 * when head has no room for the tags. */
static __rte_noinline __rte_unused int split_put_slow(struct bl_lcore *lc, struct rte_mbuf *head,
						      uint16_t h, const struct bl_hop_out *ho,
						      uint16_t n, uint32_t msgs_len)
{
	const struct bl_route_hop *hop = &lc->r->routes->hops[h];
	const struct bl_port *out = &lc->r->ports[ho->port];
	bool known = !ho->unresolved;

	if (ho->v6) {
		bl_wire_put_headers6(rte_pktmbuf_mtod(head, uint8_t *), &ho->o6, n, ho->seq,
				     msgs_len);
		bl_wire_udp6_finish(head, out->udp6_csum_tx);
	} else {
		bl_wire_put_headers_out(rte_pktmbuf_mtod(head, uint8_t *), &ho->o, n, ho->seq,
					msgs_len, lc->ip_id++);
	}
	if (hop->vlan != 0 &&
	    bl_wire_vlan_push(head, hop->vlan_outer, hop->vlan, out->vlan_tx) != 0)
		return -ENOSPC;
	return known ? 0 : 1;
}

/*
 * Build and queue the frame for the messages of `rx` (its frame at
 * frame_off) whose target is `hop_idx`; slow (a constant at each call
 * site) says hop_idx is TGT_HOP6 | a hop reached over IPv6 or on a VLAN.
 * Two instances: split_one (plain IPv4 hops, as before IPv6, in the IPv4
 * path) and lcore6.c's for the others, so they cost the IPv4 path no
 * register.
 */
static __rte_always_inline void split_one_to(struct bl_lcore *lc, struct rte_mbuf *rx,
					     uint16_t frame_off, uint16_t *tgt, uint16_t count,
					     uint16_t hop_idx, const bool slow)
{
	const uint32_t hdrs_len = slow && lc->r->routes->hops[hop_idx & ~TGT_HOP6].v6
				      ? BL_WIRE_HDRS6_LEN
				      : BL_WIRE_HDRS_LEN;
	struct bl_hop_out *ho = hop_out(lc, (uint16_t)(hop_idx & ~TGT_HOP6));
	const struct bl_port *out = &lc->r->ports[ho->port];
	const uint8_t *frame = rte_pktmbuf_mtod_offset(rx, const uint8_t *, frame_off);
	struct rte_mbuf *head, *tail_direct;
	uint32_t off = BL_WIRE_FRAME_HDR_LEN, run_off = 0, run_len = 0, msgs_len = 0;
	uint16_t i, n = 0;
	enum bl_msg_drop why = BL_MSG_DROP_NO_MBUF;
	uint8_t *hdr;
	int held = 0;

	/* Count first: the frame must fit the port before anything is built. */
	for (i = 0; i < count; i++) {
		uint32_t len = bl_wire_get32(frame + off);

		if (tgt[i] == hop_idx) {
			msgs_len += BL_WIRE_MSG_HDR_LEN + len;
			n++;
		}
		off += BL_WIRE_MSG_HDR_LEN + len;
	}
	if (hdrs_len - RTE_ETHER_HDR_LEN + msgs_len > out->mtu) {
		why = BL_MSG_DROP_TOO_BIG;
		goto drop;
	}
	head = rte_pktmbuf_alloc(lc->r->pool);
	if (head == NULL)
		goto drop;
	hdr = (uint8_t *)rte_pktmbuf_append(head, (uint16_t)hdrs_len);
	tail_direct = head;

	off = BL_WIRE_FRAME_HDR_LEN;
	for (i = 0; i <= count; i++) {
		uint32_t len = 0;
		bool mine = false;

		if (i < count) {
			len = BL_WIRE_MSG_HDR_LEN + bl_wire_get32(frame + off);
			mine = tgt[i] == hop_idx;
		}
		if (mine && run_len > 0 && run_off + run_len == off) {
			run_len += len; /* extends the current run */
		} else {
			if (run_len > 0) {
				bool by_ref = out->multiseg_tx && run_len >= BL_SPLIT_REF_MIN;

				if (split_append(lc, head, &tail_direct, rx, frame_off, run_off,
						 run_len, by_ref) != 0) {
					rte_pktmbuf_free(head);
					goto drop;
				}
			}
			run_off = off;
			run_len = mine ? len : 0;
		}
		if (i < count) {
			if (mine)
				tgt[i] = TGT_DONE;
			off += len;
		}
	}

	if (unlikely(slow)) {
		held = split_put_slow(lc, head, (uint16_t)(hop_idx & ~TGT_HOP6), ho, n, msgs_len);
		if (held < 0) {
			rte_pktmbuf_free(head);
			goto drop;
		}
	} else {
		bl_wire_put_headers_out(hdr, &ho->o, n, ho->seq, msgs_len, lc->ip_id++);
	}
	ho->seq += n;
	bl_stat_add(&lc->st.split_frames, 1);
	if (slow && unlikely(held > 0)) {
		bl__nbr_hold(lc, (uint16_t)(hop_idx & ~TGT_HOP6), head, n);
		return;
	}
	tx_enqueue(lc, ho->port, head, n);
	return;

drop:
	for (i = 0; i < count; i++)
		if (tgt[i] == hop_idx)
			tgt[i] = TGT_DONE;
	count_msg_drop(lc, why, n);
}

/* Build and queue the frame for the messages of `rx` whose target is the
 * IPv4 hop `hop_idx`. */
static inline void split_one(struct bl_lcore *lc, struct rte_mbuf *rx, const struct bl_pkt *pkt,
			     uint16_t *tgt, uint16_t count, uint16_t hop_idx)
{
	split_one_to(lc, rx, pkt->frame_off, tgt, count, hop_idx, false);
}

#endif /* BL_SPLIT_H */
