/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Between the workers and the neighbour table (dataplane/nbr.h), which
 * lives on the control thread:
 *  - in (struct bl_router.nbr_in, many producers, one consumer): ARP and
 *    ND packets a worker received (they are the control thread's to
 *    answer or learn from), and frames built for a hop whose MAC is not
 *    known yet (held until it is). Bounded; a packet the ring refuses is
 *    counted (neigh_punt_full, neigh_unresolved) and freed.
 *  - out (struct bl_router.nbr_out, the control thread to the first
 *    worker): the frames the control thread sends. Ports' TX queues are
 *    one per worker, so the control thread has none; the first worker
 *    sends them from its queue when it flushes its TX buffers (at least
 *    every drain interval), never on the per-packet path.
 * What a packet in `in` is travels in its mbuf's hash.usr (a worker's RSS
 * hash, not needed past RX): the kind in the top two bits, then the input
 * port and VLAN ids (ARP, ND) or the message count and hop (held).
 */
#ifndef BL_NBR_PUNT_H
#define BL_NBR_PUNT_H

#include <stdint.h>

#include <rte_mbuf.h>

struct bl_lcore;

enum bl_nbr_kind {
	BL_NBR_KIND_ARP = 1,
	BL_NBR_KIND_ND = 2,
	BL_NBR_KIND_HELD = 3,
};

#define BL_NBR_RING 1024u /* each way; a power of two */

static inline uint32_t bl_nbr_tag_pkt(enum bl_nbr_kind kind, uint16_t port, uint16_t outer,
				      uint16_t vid)
{
	return (uint32_t)kind << 30 | (uint32_t)(port & 0x3F) << 24 |
	       (uint32_t)(outer & 0xFFF) << 12 | (vid & 0xFFFu);
}

static inline uint32_t bl_nbr_tag_held(uint16_t hop, uint16_t count)
{
	return (uint32_t)BL_NBR_KIND_HELD << 30 | (uint32_t)(count & 0x3FFFF) << 12 |
	       (hop & 0xFFFu);
}

static inline enum bl_nbr_kind bl_nbr_tag_kind(uint32_t tag)
{
	return (enum bl_nbr_kind)(tag >> 30);
}

/*
 * Worker side, out of line (nbr_punt.c): none of it is the fast path.
 *  - bl__nbr_punt: hand an ARP or ND packet received on in_port (on VLAN
 *    outer.vid, 0 for none; its tags stripped) to the control thread; it
 *    counts as an accepted packet (neigh_punts), or as neigh_punt_full.
 *  - bl__nbr_hold: hand a frame of count messages, built whole for hop h
 *    but for its destination MAC, to the control thread, which sends it
 *    once the MAC is known; counted neigh_held, or neigh_unresolved.
 *  - bl__nbr_out_drain: the first worker sends what the control thread
 *    queued (from bl_lcore_flush).
 * m is no longer the caller's. Owner lcore.
 */
void bl__nbr_punt(struct bl_lcore *lc, struct rte_mbuf *m, enum bl_nbr_kind kind, uint16_t in_port,
		  uint16_t outer, uint16_t vid);
void bl__nbr_hold(struct bl_lcore *lc, uint16_t h, struct rte_mbuf *m, uint16_t count);
void bl__nbr_out_drain(struct bl_lcore *lc);

#endif /* BL_NBR_PUNT_H */
