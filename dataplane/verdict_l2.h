/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The second level of a worker lcore's verdict cache (lc->vl2): the route
 * values of the keys the lcore looked up recently, many more of them than
 * the first level (dataplane/verdict.h) holds, packed six to a cache line.
 * Owner lcore only.
 *
 * Why: with many routes and skewed keys (zipf), the first level's 4096
 * direct-mapped slots keep the hottest few thousand keys, and every other
 * key went to the route table, whose buckets are spread over tens of MB: a
 * memory latency each, and one line brought in for one key. The keys
 * behind those misses are still few next to the table (a million zipf-1.1
 * messages over a million keys name about 140,000), so a set-associative
 * array of 98,304 keys in 1 MB, which stays in the CPU's caches, answers
 * most of them: a key here costs an L2 or L3 hit, not a trip to memory.
 *
 * Layout: a power of two of sets (beamline --route-cache-sets, default
 * BL_VL2_SETS) of BL_VL2_WAYS keys and their route values
 * (stored inverted, so 0 is a free way and zeroed memory is empty); a key's
 * set is the low bits of its route hash (the table's home bucket takes the
 * top bits), computed once for both. A set fills round robin.
 *
 * What it holds is the route table's answer for a key (its route's value,
 * or the default route's), so it is kept exactly as the first level is:
 * the log's keys are forgotten here too, and a wipe of the first level
 * wipes this one (verdict_cache_sync). It is read only by the grouped
 * lookups (struct prefill) and the first level's miss path.
 */
#ifndef BL_VERDICT_L2_H
#define BL_VERDICT_L2_H

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>

#define BL_VL2_WAYS	6u
#define BL_VL2_SETS	16384u	   /* default sets (power of two): 1 MB, 98,304 keys */
#define BL_VL2_SETS_MAX (1u << 20) /* 64 MB */

struct bl_vl2_set {
	uint64_t key[BL_VL2_WAYS];
	uint16_t val[BL_VL2_WAYS]; /* ~value; 0: the way is free */
	uint16_t next;		   /* the way the next new key takes */
	uint16_t pad;
} __attribute__((aligned(64)));
static_assert(sizeof(struct bl_vl2_set) == 64, "a set is one cache line");

struct bl_verdict_l2 {
	uint32_t mask; /* sets - 1 */
	struct bl_vl2_set set[] __attribute__((aligned(64)));
};

static inline struct bl_vl2_set *vl2_set(struct bl_verdict_l2 *l2, uint32_t hash)
{
	return &l2->set[hash & l2->mask];
}

/* The route value held for key in s, inverted: 0 when s does not hold it.
 * Branch-free over the ways (a run of these is unpredictable). */
static __rte_always_inline uint16_t vl2_find(const struct bl_vl2_set *s, uint64_t key)
{
	uint16_t v = 0;
	unsigned i;

#pragma GCC unroll 6
	for (i = 0; i < BL_VL2_WAYS; i++)
		v |= (uint16_t)(s->val[i] & -(uint16_t)(s->key[i] == key));
	return v;
}

/* Hold key's route value `val` in s: in its own way if s has it, else in
 * the next way round. */
static inline void vl2_put(struct bl_vl2_set *s, uint64_t key, uint16_t val)
{
	unsigned i, w = s->next;

	for (i = 0; i < BL_VL2_WAYS; i++)
		if (s->key[i] == key && s->val[i] != 0)
			w = i;
	if (w == s->next)
		s->next = (uint16_t)(w + 1 == BL_VL2_WAYS ? 0 : w + 1);
	s->key[w] = key;
	s->val[w] = (uint16_t)~val;
}

/* Forget key (every way holding it). */
static inline void vl2_forget(struct bl_vl2_set *s, uint64_t key)
{
	unsigned i;

	for (i = 0; i < BL_VL2_WAYS; i++)
		if (s->key[i] == key)
			s->val[i] = 0;
}

static inline void vl2_wipe(struct bl_verdict_l2 *l2)
{
	memset(l2->set, 0, ((size_t)l2->mask + 1) * sizeof(l2->set[0]));
}

#endif /* BL_VERDICT_L2_H */
