/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/seq: per-source sequence tracking, one table per lcore.
 *
 * Single writer (the owning lcore calls bl_seq_observe); any thread may read
 * the totals and list the sources at any time, racily but never torn and
 * never crashing. Bounded: at most `capacity` sources; a frame from a source
 * that does not fit is counted as untracked. No allocation after create.
 * The layout below is here only so that bl_seq_observe can be inline; use
 * the functions, not the fields.
 */
#ifndef BL_SEQ_H
#define BL_SEQ_H

#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h> /* __rte_cache_aligned */

#ifdef __cplusplus
extern "C" {
#endif

struct bl_seq_stats {
	uint64_t sources;   /* sources tracked now */
	uint64_t frames;    /* frames observed */
	uint64_t gaps;	    /* messages missing: a frame started past the expected seq */
	uint64_t dups;	    /* messages at or before the expected seq (duplicate/late) */
	uint64_t untracked; /* frames from sources that did not fit */
};

/* One slot. `key` 0 = empty; otherwise BL__SEQ_KEY(ip, port). The owner
 * stores expected/gaps/dups before it publishes key (release), so a reader
 * that sees a key (acquire) sees the source's first values. */
struct bl__seq_slot {
	uint64_t key;
	uint64_t expected;
	uint64_t gaps;
	uint64_t dups;
};

/* An IPv6 source's slot: `key` is BL__SEQ_KEY(0, port) once ip is set. */
struct bl__seq_slot6 {
	uint64_t key;
	uint64_t expected;
	uint64_t gaps;
	uint64_t dups;
	uint8_t ip[16];
};

struct bl_seq_table {
	/* read-only after create */
	struct bl__seq_slot *slots;
	struct bl__seq_slot6 *slots6; /* IPv6 sources: as many slots, apart */
	uint64_t hash_seed;
	uint32_t mask; /* number of slots - 1 (a power of two, >= 2 * capacity) */
	uint32_t capacity;
	/* written by the owner only (relaxed stores), read by anyone */
	struct bl_seq_stats tot __rte_cache_aligned;
} __rte_cache_aligned;

/* Bit 48 keeps every key non-zero, so 0 can mean "empty slot". */
#define BL__SEQ_KEY(ip, port) ((1ull << 48) | ((uint64_t)(ip) << 16) | (uint64_t)(port))

static inline uint32_t bl__seq_hash(const struct bl_seq_table *t, uint64_t key)
{
	/* Fibonacci hashing: the multiply spreads every key bit into the top
	 * bits; the per-table random seed keeps a sender from choosing ports
	 * that collide on every router. */
	return (uint32_t)(((key ^ t->hash_seed) * 0x9e3779b97f4a7c15ull) >> 32) & t->mask;
}

/* A relaxed store of a field other threads read: the owner is the only
 * writer, so read-modify-write needs no atomic RMW, only an untorn store. */
#define BL__SEQ_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

/*
 * Account one frame of `count` messages starting at `seq` from (src_ip,
 * src_port), both network order. Semantics (docs/wire-format.md): the first
 * frame of a source sets expected = seq + count; seq == expected advances;
 * seq > expected counts seq - expected gaps and resynchronises; seq <
 * expected counts min(count, expected - seq) duplicates and advances only if
 * the frame reaches past expected. Sequence numbers are not expected to wrap.
 * Owning lcore only; never allocates, never blocks.
 */
/* A known source's frame: gaps, duplicates, the next expected seq (end =
 * seq + count). */
#define BL__SEQ_ACCOUNT(t, s, seq, count, end)                                                     \
	do {                                                                                       \
		if ((seq) == (s)->expected) {                                                      \
			BL__SEQ_SET((s)->expected, (end));                                         \
		} else if ((seq) > (s)->expected) {                                                \
			uint64_t missing_ = (seq) - (s)->expected;                                 \
			BL__SEQ_SET((s)->gaps, (s)->gaps + missing_);                              \
			BL__SEQ_SET((t)->tot.gaps, (t)->tot.gaps + missing_);                      \
			BL__SEQ_SET((s)->expected, (end));                                         \
		} else {                                                                           \
			uint64_t late_ = (s)->expected - (seq);                                    \
			if (late_ > (count))                                                       \
				late_ = (count);                                                   \
			BL__SEQ_SET((s)->dups, (s)->dups + late_);                                 \
			BL__SEQ_SET((t)->tot.dups, (t)->tot.dups + late_);                         \
			if ((end) > (s)->expected)                                                 \
				BL__SEQ_SET((s)->expected, (end));                                 \
		}                                                                                  \
	} while (0)

static inline void bl_seq_observe(struct bl_seq_table *t, uint32_t src_ip, uint16_t src_port,
				  uint64_t seq, uint16_t count)
{
	const uint64_t key = BL__SEQ_KEY(src_ip, src_port);
	const uint64_t end = seq + count;
	struct bl__seq_slot *s;
	uint32_t i = bl__seq_hash(t, key);

	BL__SEQ_SET(t->tot.frames, t->tot.frames + 1);
	/* Never an endless probe: at most half the slots are ever used. */
	for (;;) {
		s = &t->slots[i];
		if (s->key == key)
			break;
		if (s->key == 0) {
			if (t->tot.sources >= t->capacity) {
				BL__SEQ_SET(t->tot.untracked, t->tot.untracked + 1);
				return;
			}
			BL__SEQ_SET(s->expected, end);
			/* Pairs with the acquire load of key in bl_seq_foreach. */
			__atomic_store_n(&s->key, key, __ATOMIC_RELEASE);
			BL__SEQ_SET(t->tot.sources, t->tot.sources + 1);
			return;
		}
		i = (i + 1) & t->mask;
	}

	BL__SEQ_ACCOUNT(t, s, seq, count, end);
}

/* bl_seq_observe6 past its usual case (dataplane/seq.c): a source not in
 * the first slot its probe looks at, or a new one. */
void bl__seq_observe6_more(struct bl_seq_table *t, const uint8_t src_ip6[16], uint16_t src_port,
			   uint64_t seq, uint16_t count);

/* The slot an IPv6 source's probe starts at: its address folded into the
 * 64-bit hash input (the slot itself holds the whole address). */
static inline uint32_t bl__seq_hash6(const struct bl_seq_table *t, uint64_t key, uint64_t a,
				     uint64_t b)
{
	return bl__seq_hash(t, key ^ a ^ (b * 0x9e3779b97f4a7c15ull));
}

/*
 * bl_seq_observe for an IPv6 source (src_ip6: the address as on the wire):
 * the same semantics, in a part of the table of its own, so an IPv6 source
 * never shares a slot with an IPv4 one; both count towards `capacity`.
 * A known source in its first slot inline; a probe or a new source out
 * of line. Owning lcore only.
 */
static inline void bl_seq_observe6(struct bl_seq_table *t, const uint8_t src_ip6[16],
				   uint16_t src_port, uint64_t seq, uint16_t count)
{
	const uint64_t key = BL__SEQ_KEY(0, src_port);
	struct bl__seq_slot6 *s;
	uint64_t a, b, sa, sb;

	memcpy(&a, src_ip6, 8);
	memcpy(&b, src_ip6 + 8, 8);
	s = &t->slots6[bl__seq_hash6(t, key, a, b)];
	memcpy(&sa, s->ip, 8);
	memcpy(&sb, s->ip + 8, 8);
	if (likely(s->key == key && ((sa ^ a) | (sb ^ b)) == 0)) {
		BL__SEQ_SET(t->tot.frames, t->tot.frames + 1);
		BL__SEQ_ACCOUNT(t, s, seq, count, seq + count);
		return;
	}
	bl__seq_observe6_more(t, src_ip6, src_port, seq, count);
}

/*
 * Create a table for up to `capacity` sources (1 .. BL_SEQ_CAPACITY_MAX) in
 * memory of `socket_id` (or SOCKET_ID_ANY). Needs the EAL (rte_malloc).
 * Returns NULL with errno EINVAL (capacity) or ENOMEM. Control thread; the
 * caller frees it with bl_seq_free once the owning lcore has stopped using it.
 */
#define BL_SEQ_CAPACITY_MAX (1u << 24)
struct bl_seq_table *bl_seq_create(uint32_t capacity, int socket_id);

/* Free a table from bl_seq_create; NULL is fine. Control thread, after the
 * owner and every reader are done with it. */
void bl_seq_free(struct bl_seq_table *t);

/* Snapshot the totals into *out. Each field is read untorn; the fields are
 * not read at one instant (frames may lag gaps by a frame). Any thread. */
void bl_seq_stats_get(const struct bl_seq_table *t, struct bl_seq_stats *out);

/* Call fn for each tracked source (addresses network order, expected = next
 * seq expected). Racy against the owner: a source added during the walk may
 * or may not be listed; each value is untorn. fn must not free t. Any thread. */
void bl_seq_foreach(const struct bl_seq_table *t,
		    void (*fn)(void *arg, uint32_t src_ip, uint16_t src_port, uint64_t expected,
			       uint64_t gaps, uint64_t dups),
		    void *arg);

/* bl_seq_foreach for the IPv6 sources (the address as on the wire). */
void bl_seq_foreach6(const struct bl_seq_table *t,
		     void (*fn)(void *arg, const uint8_t src_ip6[16], uint16_t src_port,
				uint64_t expected, uint64_t gaps, uint64_t dups),
		     void *arg);

#ifdef __cplusplus
}
#endif

#endif /* BL_SEQ_H */
