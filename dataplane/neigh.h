/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table of a worker lcore (struct bl_neigh, lc->neigh): the
 * MAC address each source (IPv4, port) of a frame delivered to processes
 * sent from, so that an answer can go back to it. Direct mapped,
 * BL_NEIGH_SIZE entries.
 *
 * One writer, the receiving lcore (neigh_learn, per packet, so static
 * inline); any lcore reads it (bl_lcore_neigh_get: a process answering may
 * live on another lcore). Each entry is a seqlock: the writer makes its
 * sequence count odd, writes, and makes it even again; a reader that saw it
 * odd or changed reads again, at most 16 times.
 */
#ifndef BL_NEIGH_H
#define BL_NEIGH_H

#include <stdint.h>
#include <string.h>

#ifdef __SSE4_2__
#include <nmmintrin.h> /* _mm_crc32_u32: neighbour slots */
#endif

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/lcore.h"

static inline uint32_t neigh_slot(uint32_t ip_be, uint16_t port)
{
#ifdef __SSE4_2__
	return _mm_crc32_u32(port, ip_be) & (BL_NEIGH_SIZE - 1);
#else
	return (uint32_t)(((uint64_t)(ip_be ^ port) * 0x9E3779B97F4A7C15ULL) >> 40) &
	       (BL_NEIGH_SIZE - 1);
#endif
}

/* The first 6 bytes (in memory) of a 64-bit word: a MAC read with the 2
 * bytes after it. */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
#define BL_NEIGH_MAC_MASK UINT64_C(0x0000ffffffffffff)
#else
#define BL_NEIGH_MAC_MASK UINT64_C(0xffffffffffff0000)
#endif

/*
 * Remember the MAC a source sent from (writer: this lcore only, which
 * never sees its own entry half written). The source MAC is read as a word
 * with the ethertype after it, masked: one load and one compare a check.
 */
static inline void neigh_learn(struct bl_lcore *lc, uint32_t ip_be, uint16_t port,
			       const struct rte_mbuf *m)
{
	struct bl_neigh *e = &lc->neigh[neigh_slot(ip_be, port)];
	const uint64_t src = bl_neigh_src(ip_be, port);
	uint64_t mac;

	memcpy(&mac, rte_pktmbuf_mtod_offset(m, const uint8_t *, RTE_ETHER_ADDR_LEN), sizeof(mac));
	mac &= BL_NEIGH_MAC_MASK;
	if (likely(e->src == src && e->mac == mac))
		return;
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->src = src;
	e->mac = mac;
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
}

#endif /* BL_NEIGH_H */
