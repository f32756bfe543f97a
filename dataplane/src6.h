/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 senders in source tokens (dataplane/ptx.h). A token has 32 bits for
 * the sender's address: room for IPv4's, not IPv6's. So the worker that
 * receives an IPv6 frame for processes keeps the sender's address in a
 * slot of its own table (struct bl_lcore.src6) and gives the token a stand-in
 * "address" that names the slot: first octet 0 (no IPv4 sender has it:
 * 0.0.0.0/8 is never a source), then the slot (10 bits) and the slot's
 * generation (14 bits). The neighbour cache learns the sender's MAC under
 * that stand-in as it would under an IPv4 address, and an answer (ptx.c)
 * finds the address and the MAC from the token, and leaves over IPv6.
 *
 * A slot is taken over when another sender hashes to it: its generation
 * moves on, and an answer to the old sender is then refused (bad_dest)
 * rather than sent to the new one. With 1024 slots a worker, that takes
 * two senders at once on one slot.
 *
 * One writer (the receiving worker, per frame for processes: inline), any
 * lcore reads (a process answering may live elsewhere). Each slot is a
 * seqlock, as the neighbour cache's entries are (dataplane/neigh.h).
 */
#ifndef BL_SRC6_H
#define BL_SRC6_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE4_2__
#include <nmmintrin.h>
#endif

#include "dataplane/lcore.h"

/* Is this token address a slot of the IPv6 table (first octet 0)? */
static inline bool bl_src6_is(uint32_t ip_be)
{
	return ip_be != 0 && (rte_be_to_cpu_32(ip_be) >> 24) == 0;
}

static inline uint32_t bl__src6_slot(const uint8_t ip[16])
{
	uint64_t a, b;

	memcpy(&a, ip, 8);
	memcpy(&b, ip + 8, 8);
#ifdef __SSE4_2__
	return (uint32_t)_mm_crc32_u64(_mm_crc32_u64(0, a), b) & (BL_SRC6_SIZE - 1);
#else
	return (uint32_t)(((a ^ (b * 0x9E3779B97F4A7C15ULL)) * 0x9E3779B97F4A7C15ULL) >> 40) &
	       (BL_SRC6_SIZE - 1);
#endif
}

/* The token address of slot `slot` at generation `gen` (network order). */
static inline uint32_t bl__src6_addr(uint32_t slot, uint32_t seq)
{
	return rte_cpu_to_be_32((slot << 14) | ((seq >> 1) & 0x3fffu));
}

/* Owner lcore: the token address for sender ip (its slot, taken if need be). */
static inline uint32_t bl_src6_learn(struct bl_lcore *lc, const uint8_t ip[16])
{
	uint32_t slot = bl__src6_slot(ip);
	struct bl_src6 *e = &lc->src6[slot];

	if (e->seq == 0 || memcmp(e->ip, ip, 16) != 0) {
		__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		memcpy(e->ip, ip, 16);
		/* Generation 0 never: a token's address is never 0. */
		__atomic_store_n(&e->seq, ((e->seq + 1) & 0x7ffeu) == 0 ? e->seq + 3 : e->seq + 1,
				 __ATOMIC_RELEASE);
	}
	return bl__src6_addr(slot, e->seq);
}

/* Any lcore: the sender a token address of lc names; false if that slot
 * has another sender now (or is being written past 16 tries). */
static inline bool bl_src6_get(const struct bl_lcore *lc, uint32_t ip_be, uint8_t ip[16])
{
	uint32_t v = rte_be_to_cpu_32(ip_be), slot = (v >> 14) & (BL_SRC6_SIZE - 1);
	const struct bl_src6 *e = &lc->src6[slot];

	for (int tries = 0; tries < 16; tries++) {
		uint32_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE), s2;

		if (s1 & 1)
			continue;
		memcpy(ip, e->ip, 16);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
		if (s1 != s2)
			continue;
		return s1 != 0 && ((s1 >> 1) & 0x3fffu) == (v & 0x3fffu);
	}
	return false;
}

#endif /* BL_SRC6_H */
