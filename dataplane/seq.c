/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-source sequence tracking: the control-side half (create, free, stats,
 * listing). The per-frame half, bl_seq_observe, is inline in seq.h.
 *
 * Design note.
 *  - Table: our own open-addressing array, a power of two of slots with at
 *    least twice `capacity` of them, linear probing, no deletion. Chosen over
 *    rte_hash because the key is 48 bits and the value three counters, so a
 *    slot is 32 bytes and the common lookup is one multiply and one cache line;
 *    rte_hash with lock-free read/write concurrency would add signature
 *    buckets, a key store and an extra indirection, and would still need our
 *    own atomics on the value. With deletion gone there are no tombstones and
 *    no ABA for readers.
 *  - Bounded: at most `capacity` slots are ever filled, so the load factor
 *    stays at or below 1/2, every probe ends on an empty slot, and a frame
 *    from a source that does not fit costs one probe run and counts as
 *    untracked. No allocation after create.
 *  - Concurrency: one writer, the owning lcore. It updates each field with a
 *    plain read and a relaxed atomic store (no RMW needed with one writer),
 *    so readers never see a torn 64-bit value. A new slot's counters are
 *    stored before its key, and the key with release; readers load the key
 *    with acquire (bl_seq_foreach), so a listed source never shows a value
 *    from before its first frame. Readers get no cross-field snapshot.
 *  - Hash: Fibonacci multiply of (key ^ per-table random seed), so senders
 *    cannot pick (ip, port) pairs that cluster on every router.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "dataplane/seq.h"

struct bl_seq_table *bl_seq_create(uint32_t capacity, int socket_id)
{
	struct bl_seq_table *t;
	uint32_t nslots;

	if (capacity == 0 || capacity > BL_SEQ_CAPACITY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	nslots = rte_align32pow2(capacity * 2);

	t = rte_zmalloc_socket("bl_seq_table", sizeof(*t), RTE_CACHE_LINE_SIZE, socket_id);
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t->slots = rte_zmalloc_socket("bl_seq_slots", (size_t)nslots * sizeof(t->slots[0]),
				      RTE_CACHE_LINE_SIZE, socket_id);
	if (t->slots == NULL) {
		rte_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->slots6 = rte_zmalloc_socket("bl_seq_slots6", (size_t)nslots * sizeof(t->slots6[0]),
				       RTE_CACHE_LINE_SIZE, socket_id);
	if (t->slots6 == NULL) {
		rte_free(t->slots);
		rte_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->mask = nslots - 1;
	t->capacity = capacity;
	t->hash_seed = rte_rand();
	return t;
}

void bl_seq_free(struct bl_seq_table *t)
{
	if (t == NULL)
		return;
	rte_free(t->slots6);
	rte_free(t->slots);
	rte_free(t);
}

void bl__seq_observe6_more(struct bl_seq_table *t, const uint8_t src_ip6[16], uint16_t src_port,
			   uint64_t seq, uint16_t count)
{
	const uint64_t key = BL__SEQ_KEY(0, src_port);
	struct bl__seq_slot6 *s;
	uint64_t a, b;
	uint32_t i;

	memcpy(&a, src_ip6, 8);
	memcpy(&b, src_ip6 + 8, 8);
	i = bl__seq_hash6(t, key, a, b);
	BL__SEQ_SET(t->tot.frames, t->tot.frames + 1);
	for (;;) {
		s = &t->slots6[i];
		if (s->key == key && memcmp(s->ip, src_ip6, 16) == 0)
			break;
		if (s->key == 0) {
			if (t->tot.sources >= t->capacity) {
				BL__SEQ_SET(t->tot.untracked, t->tot.untracked + 1);
				return;
			}
			BL__SEQ_SET(s->expected, seq + count);
			memcpy(s->ip, src_ip6, 16);
			/* Pairs with the acquire load of key in bl_seq_foreach6. */
			__atomic_store_n(&s->key, key, __ATOMIC_RELEASE);
			BL__SEQ_SET(t->tot.sources, t->tot.sources + 1);
			return;
		}
		i = (i + 1) & t->mask;
	}
	BL__SEQ_ACCOUNT(t, s, seq, count, seq + count);
}

#define BL__SEQ_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

void bl_seq_stats_get(const struct bl_seq_table *t, struct bl_seq_stats *out)
{
	out->sources = BL__SEQ_GET(t->tot.sources);
	out->frames = BL__SEQ_GET(t->tot.frames);
	out->gaps = BL__SEQ_GET(t->tot.gaps);
	out->dups = BL__SEQ_GET(t->tot.dups);
	out->untracked = BL__SEQ_GET(t->tot.untracked);
}

void bl_seq_foreach(const struct bl_seq_table *t,
		    void (*fn)(void *arg, uint32_t src_ip, uint16_t src_port, uint64_t expected,
			       uint64_t gaps, uint64_t dups),
		    void *arg)
{
	uint32_t i;

	for (i = 0; i <= t->mask; i++) {
		const struct bl__seq_slot *s = &t->slots[i];
		/* Pairs with the release store of key in bl_seq_observe. */
		uint64_t key = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);

		if (key == 0)
			continue;
		fn(arg, (uint32_t)(key >> 16), (uint16_t)key, BL__SEQ_GET(s->expected),
		   BL__SEQ_GET(s->gaps), BL__SEQ_GET(s->dups));
	}
}

void bl_seq_foreach6(const struct bl_seq_table *t,
		     void (*fn)(void *arg, const uint8_t src_ip6[16], uint16_t src_port,
				uint64_t expected, uint64_t gaps, uint64_t dups),
		     void *arg)
{
	uint32_t i;

	for (i = 0; i <= t->mask; i++) {
		const struct bl__seq_slot6 *s = &t->slots6[i];
		/* Pairs with the release store of key in bl_seq_observe6. */
		uint64_t key = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);

		if (key == 0)
			continue;
		fn(arg, s->ip, (uint16_t)key, BL__SEQ_GET(s->expected), BL__SEQ_GET(s->gaps),
		   BL__SEQ_GET(s->dups));
	}
}
