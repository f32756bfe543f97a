/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The verdict cache's out-of-line side: the masks' table, built at start-up,
 * and the route-table lookup on a miss. See dataplane/verdict.h.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_debug.h>
#include <rte_mbuf.h>

#include "dataplane/verdict.h"
#include "dataplane/wire.h"

/* What messages with this key get, from the route table. */
static uint16_t verdict_lookup(struct bl_lcore *lc, uint64_t key)
{
	return verdict_of_val(lc, bl_route_lookup_val(lc->r->routes, key));
}

uint64_t bl__vmask[BL_VERDICT_CACHE_SIZE];

/*
 * The masks of bl_verdict_mask: for each slot bit i, a word b_i whose slot
 * is 1 << i, found by Gaussian elimination over GF(2) on the slots of the
 * 64 one-bit words (the slot function is linear and onto, so each bit has a
 * pivot). mask(id) is the XOR of b_i over the bits of id: one table, shared
 * and read-only, so a mask is one load.
 */
RTE_INIT(verdict_masks_init)
{
	uint64_t word[64];
	uint32_t slot[64], i, j, n = 64;

	for (j = 0; j < n; j++) {
		word[j] = 1ull << j;
		slot[j] = (uint32_t)bl_verdict_slot(word[j]);
	}
	for (i = 0; i < BL_VERDICT_SLOT_BITS; i++) {
		for (j = i; j < n && !(slot[j] & (1u << i)); j++)
			;
		if (j == n)
			rte_panic("verdict cache: the slot function misses bit %u\n", i);
		RTE_SWAP(word[i], word[j]);
		RTE_SWAP(slot[i], slot[j]);
		for (j = 0; j < n; j++)
			if (j != i && (slot[j] & (1u << i))) {
				word[j] ^= word[i];
				slot[j] ^= slot[i];
			}
	}
	/* Row i (the pivot of bit i) now has slot 1 << i: the basis. */
	for (j = 0; j < BL_VERDICT_CACHE_SIZE; j++)
		for (bl__vmask[j] = 0, i = 0; i < BL_VERDICT_SLOT_BITS; i++)
			if (j & (1u << i))
				bl__vmask[j] ^= word[i];
}

/*
 * A verdict-cache miss (or a key whose verdict could not be cached): the
 * route table, and the verdict into the cache. `raw` is the key in wire
 * order. Counted, so that the next burst looks its keys up in bulk
 * (rx_burst_prefilled in lcore.c) when this one missed often.
 */
__rte_noinline uint16_t bl__verdict_slow(struct bl_lcore *lc, uint64_t raw, size_t slot)
{
	uint16_t tgt = verdict_lookup(lc, rte_be_to_cpu_64(raw));

	lc->vmiss++;
	verdict_fill(&lc->vcache, raw, slot, tgt);
	return tgt;
}
