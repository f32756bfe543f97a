/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to dataplane/: what the files of a worker lcore's packet path
 * share (the fates classify writes, drop counting, a hash mixer). Not for
 * other folders: they include dataplane/lcore.h.
 */
#ifndef BL_LCORE_PVT_H
#define BL_LCORE_PVT_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dataplane/drop.h"
#include "dataplane/lcore.h"
#include "dataplane/wire6.h"

/* A message's fate while a frame is classified: a hop index, a process
 * target, or a drop. */
#define TGT_DROP BL_TGT_DROP
#define TGT_PROC BL_TGT_PROC
#define TGT_HOP6 BL_TGT_HOP6
#define TGT_DONE 0xFFFFu
/* Mixed targets, at least one of them an IPv6 or VLAN hop (TGT_HOP6): what classify says
 * instead of TGT_DONE then, so the IPv4 path hands the frame over whole
 * (bl__lcore_frame6) and its own split loop never sees an IPv6 hop. */
#define TGT_MIXED6 0xFFFEu
_Static_assert(BL_ROUTE_HOP_MAX <= BL_TGT_HOP6 && BL_ROUTE_TARGET_MAX <= BL_TGT_HOP6 &&
		   BL_MSG_DROP_MAX <= BL_TGT_HOP6,
	       "only an IPv6 hop's verdict has the TGT_HOP6 bit");

/* The fate of a frame whose messages' targets differ (their OR: all_or). */
static inline uint16_t tgt_mixed(uint16_t all_or)
{
	return (all_or & TGT_HOP6) ? TGT_MIXED6 : TGT_DONE;
}

/*
 * Out of line, in lcore_vlan.c: a packet received on in_port that is
 * tagged by its ethertype (from the burst loop), or that the IPv4 path
 * refused as not_ipv4 and that is not IPv6 (that one goes to
 * bl__lcore_pkt6): tagged (checked against the port's VLANs, handled where
 * it is or with its tags stripped, with the VLAN's addresses), ARP (to the
 * control thread), or counted not_ipv4. An accepted frame is counted in
 * acc (acc->pkts, acc->msgs), a dropped one by its reason. m is no longer
 * the caller's. Owner lcore.
 */
struct burst_acc;
struct bl_pkt6_at;
void bl__lcore_pkt_l2(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
		      struct burst_acc *acc);

/*
 * Out of line, in lcore6.c (the IPv4 path pays nothing for them):
 *  - bl__lcore_pkt6: an IPv6 packet (by its ethertype) received on
 *    in_port where `at` says (struct bl_pkt6_at, dataplane/deliver.h: the
 *    port's addresses or its VLAN's; its tags stripped): checked, its
 *    source tracked, its messages handled (neighbour discovery, to the
 *    control thread). An accepted frame is counted in acc, a dropped one
 *    by its reason;
 *  - bl__lcore_frame6: an accepted frame (the fields of its struct bl_pkt
 *    by value: its address leaving the IPv4 path would make that path
 *    store it whole, every packet) whose fate (common) is one hop that
 *    needs new headers (an IPv6 hop, or one on a VLAN), or TGT_MIXED6;
 *    or, from bl__lcore_pkt6 and lcore_vlan.c, any fate (a whole frame
 *    given to a process counted in the burst's acc);
 *  - bl__lcore_forward1: an accepted frame (pkt describes m) all of whose
 *    messages go to hop `tgt` (with or without TGT_HOP6): rewritten in
 *    place or reframed, tagged for a VLAN hop, queued (or dropped,
 *    counted); what lcore_vlan.c and bl__lcore_pkt6 call for that usual
 *    fate, past bl__lcore_frame6's general case.
 * m is no longer the caller's. Owner lcore.
 */
void bl__lcore_pkt6(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
		    const struct bl_pkt6_at *at, struct burst_acc *acc);
void bl__lcore_frame6(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m, uint32_t src_ip,
		      uint16_t src_port, uint16_t frame_off, uint32_t frame_len, uint16_t common,
		      uint16_t count, struct burst_acc *acc);
void bl__lcore_forward1(struct bl_lcore *lc, struct rte_mbuf *m, const struct bl_pkt *pkt,
			uint16_t tgt, uint16_t count);

static inline void count_msg_drop(struct bl_lcore *lc, enum bl_msg_drop why, uint64_t n)
{
	bl_stat_add(&lc->st.msg_drops[why], n);
	bl_stat_add(&lc->st.drop_msgs, n);
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

#endif /* BL_LCORE_PVT_H */
