/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The route table: 64-bit message key -> next hop or drop, on liburcu QSBR.
 *
 * Readers are the worker lcores: lock-free, no read-side cost; each must be
 * RCU-registered and online while it holds a route pointer, and report a
 * quiescent state once per poll loop. The only writer is the control thread.
 *
 * Next hops are interned: every distinct (port, dst MAC, dst IP, dst UDP, VLAN)
 * gets a small index, shared by all routes that go there. Lcores keep their
 * outgoing sequence numbers per hop index, so each receiver sees one gapless
 * stream per (lcore, hop). A hop's addresses never change while a route can
 * still reach it; an unused hop is reclaimed only after a grace period.
 */
#ifndef BL_ROUTE_H
#define BL_ROUTE_H

#include <assert.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE4_1__
#include <smmintrin.h> /* bl__rt_bucket_match */
#endif

#include <urcu-qsbr.h>
#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "actors/registry.h"

#define BL_ROUTE_HOP_MAX    4096u /* distinct next hops; bounds per-lcore seq state */
#define BL_ROUTE_TARGET_MAX 1024u /* distinct process/group/pool targets */
#define BL_ROUTE_NAME_MAX   32u	  /* == BL_NAME_MAX of actors/registry.h */

enum bl_route_action {
	BL_ROUTE_DROP = 0,
	BL_ROUTE_FORWARD = 1, /* to a next hop on the wire */
	BL_ROUTE_PROCESS = 2, /* to the process registered under a name */
	BL_ROUTE_GROUP = 3,   /* to every member of a group (fan-out) */
	BL_ROUTE_POOL = 4,    /* to one member of a group, by a hash of the source */
	BL_ROUTE_ACTION_MAX
};

extern const char *const bl_route_action_names[BL_ROUTE_ACTION_MAX];

static inline bool bl_route_action_is_target(int action)
{
	return action >= BL_ROUTE_PROCESS && action < BL_ROUTE_ACTION_MAX;
}

/* A next hop as the control plane describes it (host byte order for numbers). */
struct bl_route_hop_spec {
	uint16_t port;
	struct rte_ether_addr mac;
	uint32_t ip;	     /* host order; 0 for an IPv6 hop */
	uint16_t udp;	     /* host order */
	bool v6;	     /* the hop is reached over IPv6, at ip6 */
	uint8_t ip6[16];     /* as on the wire */
	uint16_t vlan;	     /* 802.1Q VLAN id frames to it are tagged with; 0 = untagged */
	uint16_t vlan_outer; /* with vlan: a QinQ outer (0x88a8) VLAN id; 0 = none */
	bool resolve;	     /* no MAC given: the neighbour table finds it (ARP, ND) */
};

/* What a route says. */
struct bl_route_spec {
	enum bl_route_action action;
	struct bl_route_hop_spec hop; /* when action == BL_ROUTE_FORWARD */
	char name[BL_ROUTE_NAME_MAX]; /* process, group or pool name */
	bool least_loaded;	      /* pool: the shortest mailbox, not a source hash */
};

struct bl_group;
struct bl_groups;

/*
 * An interned process/group/pool target. Like hops, shared by every route
 * naming it, never changed while a route can reach it. A process target is
 * resolved by name in the registry (lcores cache the pid per registry
 * generation); group and pool targets hold their group, which lives as long
 * as the group table.
 */
struct bl_route_target {
	uint16_t kind; /* BL_ROUTE_PROCESS, _GROUP or _POOL */
	uint16_t name_len;
	uint16_t least_loaded;	/* pool: pick the member with the shortest mailbox */
	struct bl_group *group; /* group and pool kinds */
	char name[BL_ROUTE_NAME_MAX];
};

/* An interned next hop, as lcores read it (network order, ready to write). */
struct bl_route_hop {
	struct rte_ether_addr dst_mac;
	uint16_t port;
	uint32_t dst_ip;  /* network order; 0 for an IPv6 hop */
	uint16_t dst_udp; /* network order */
	bool v6;	  /* frames to it go over IPv6, to dst_ip6 */
	uint8_t dst_ip6[16];
	uint16_t vlan;	     /* host order; 0 = untagged (dataplane/vlan.h) */
	uint16_t vlan_outer; /* host order; 0 = no QinQ outer tag */
	bool resolve;	     /* dst_mac unused: the MAC is hop_nbr[] (dataplane/nbr.h) */
};

/*
 * What a route says, as a lookup returns it: the action and the index of
 * its hop (forward) or target (process, group, pool). In the table it is
 * one 16-bit word (bl_route_val): the action in the top three bits.
 */
struct bl_route {
	uint16_t action; /* enum bl_route_action */
	uint16_t hop;	 /* index into hops (forward) or targets (process kinds) */
};

#define BL_ROUTE_VAL_NONE 0xFFFFu /* no route (and a free slot in the table) */
#define BL_ROUTE_IDX_BITS 13u
#define BL_ROUTE_IDX_MASK ((1u << BL_ROUTE_IDX_BITS) - 1u)
static_assert(BL_ROUTE_HOP_MAX <= BL_ROUTE_IDX_MASK && BL_ROUTE_TARGET_MAX <= BL_ROUTE_IDX_MASK,
	      "a hop or target index fits a value word");

static inline uint16_t bl_route_val(unsigned action, unsigned idx)
{
	return (uint16_t)(action << BL_ROUTE_IDX_BITS | idx);
}

static inline struct bl_route bl_route_of_val(uint16_t v)
{
	struct bl_route r = { .action = (uint16_t)(v >> BL_ROUTE_IDX_BITS),
			      .hop = (uint16_t)(v & BL_ROUTE_IDX_MASK) };

	return r;
}

/*
 * The table proper: open addressing over 64-byte buckets of six keys and
 * their values, linear probing from a key's home bucket (the top bits of
 * its hash) with no wrap-around (spare buckets follow the last home one).
 * `overflow` counts the keys whose home is this bucket but that live
 * further on: a lookup stops at the first bucket that has its key or no
 * overflow. `seq` is the bucket's sequence count, odd while the control
 * thread writes the bucket; a reader that saw it odd or moved reads the
 * bucket again. route.c opens with the whole design.
 */
#define BL_RT_SLOTS 6u
#define BL_RT_TAIL  64u /* spare buckets past the last home bucket */

struct bl_rt_bucket {
	uint64_t key[BL_RT_SLOTS];
	uint16_t val[BL_RT_SLOTS]; /* ~value: 0 is a free slot (zeroed memory is empty) */
	uint16_t overflow;
	uint16_t seq;
} __attribute__((aligned(64)));
static_assert(sizeof(struct bl_rt_bucket) == 64, "a bucket is one cache line");
static_assert(offsetof(struct bl_rt_bucket, val) == 48 && BL_RT_SLOTS == 6,
	      "bl__rt_bucket_match reads keys as three pairs, then the values as one word");

/* One size of the table; replaced whole when it grows or shrinks. */
struct bl_rt {
	uint32_t order;	    /* 1 << order home buckets */
	uint32_t shift;	    /* 32 - order: a hash's home bucket is hash >> shift */
	uint64_t n_buckets; /* home buckets + BL_RT_TAIL */
	struct rcu_head rcu;
	struct bl_rt_bucket *b;
};

/*
 * Keys whose route changed, for the lcores' verdict caches: entry
 * i % BL_ROUTE_LOG_SIZE holds the i-th changed key and `seq` (release)
 * counts those written. An lcore that fell more than the log's size
 * behind, or that sees `gen` move, drops its whole cache instead.
 */
#define BL_ROUTE_LOG_SIZE 4096u /* power of two */

struct bl_route_log {
	alignas(64) uint64_t seq; /* a line of its own: lcores read it every burst */
	alignas(64) uint64_t key[BL_ROUTE_LOG_SIZE];
};

/*
 * Laid out by who writes what: the lines lcores read (the table pointer,
 * hops, targets, gen) change only when what a route means changes; the
 * control thread's counters and reference counts, written on every route
 * update, sit on lines of their own, so route churn does not pull the
 * lines a worker reads for every frame away from it.
 */
struct bl_route_table {
	/* -- read by lcores -- */
	struct bl_rt *cur;  /* RCU pointer: the table in use */
	uint32_t dflt;	    /* the default route's value, or BL_ROUTE_VAL_NONE */
	uint32_t n_hops;    /* high-water mark of hops[] in use */
	uint32_t n_targets; /* high-water mark of targets[] in use */
	/*
	 * Bumped (release) after a change that can alter what any key gets
	 * (the default route; a hop or target slot reused), before anything
	 * it unpublished is freed. Lcores drop their verdict caches when it
	 * moves (dataplane/lcore.h). A change to one key's route is told
	 * through `log` instead.
	 */
	uint64_t gen;
	struct bl_route_hop hops[BL_ROUTE_HOP_MAX];
	struct bl_route_target targets[BL_ROUTE_TARGET_MAX];
	struct bl_groups *groups; /* where group and pool targets find their group */
	/*
	 * The MAC of each hop that has `resolve` set, as the neighbour table
	 * (dataplane/nbr.c) found it: BL_ROUTE_NBR_VALID | the six bytes, or
	 * 0 while unresolved. One word, so a reader loads it untorn; written
	 * only through bl_route_hop_set_nbr, which then moves `gen`.
	 */
	uint64_t hop_nbr[BL_ROUTE_HOP_MAX];
	/*
	 * 1 for a process target this node exports under a global name
	 * (bl_route_target_export): a named message from another node (wire
	 * kind 2) whose flags are its index reaches it. Release stores.
	 */
	uint8_t exported[BL_ROUTE_TARGET_MAX];

	/* -- control thread only -- */
	alignas(64) uint32_t min_order;		 /* the table never shrinks below this */
	uint64_t count;				 /* routes in the table (not the default) */
	uint64_t by_action[BL_ROUTE_ACTION_MAX]; /* of those, by action */
	uint64_t max_routes;
	uint64_t resizes;			   /* tables built by growing or shrinking */
	uint32_t hop_refs[BL_ROUTE_HOP_MAX];	   /* routes using each hop */
	uint32_t target_refs[BL_ROUTE_TARGET_MAX]; /* routes using each target */

	struct bl_route_log log;
};

/* A key's hash; its top bits pick the key's home bucket. */
static inline uint32_t bl_route_hash(uint64_t key)
{
	return rte_hash_crc_8byte(key, 0x9E3779B9u);
}

/*
 * The value word of `key` in bucket b's slots, ~value or 0 when no slot
 * holds it, compared with masks rather than branches (better for a run of
 * lookups whose buckets are in flight together, where a mispredicted slot
 * costs more than the masks). Where the CPU has SSE4.1, the six keys are
 * compared two at a time and the six matches narrowed to one 16-bit lane
 * each, laid over the value words (which follow the keys in the line) and
 * ORed together: about twenty instructions for the bucket, against some
 * seven a slot for the scalar loop. A free slot's word is 0 and at most
 * one other slot has key, so the OR is the one value or 0. The loads are
 * plain: the caller's seqlock (acquire load before, acquire fence after)
 * orders them and rejects a torn read.
 */
static __rte_always_inline uint16_t bl__rt_bucket_match(const struct bl_rt_bucket *b, uint64_t key)
{
#ifdef __SSE4_1__
	const __m128i *line = (const __m128i *)b;
	const __m128i k = _mm_set1_epi64x((long long)key);
	__m128i e01 = _mm_cmpeq_epi64(_mm_load_si128(line), k);
	__m128i e23 = _mm_cmpeq_epi64(_mm_load_si128(line + 1), k);
	__m128i e45 = _mm_cmpeq_epi64(_mm_load_si128(line + 2), k);
	/* 64-bit lanes of all ones or zeros, saturated down to one 16-bit lane
	 * a slot: slots 0..5 in lanes 0..5, lanes 6 and 7 (overflow, seq) 0. */
	__m128i m =
	    _mm_packs_epi16(_mm_packs_epi32(e01, e23), _mm_packs_epi32(e45, _mm_setzero_si128()));
	__m128i v = _mm_and_si128(m, _mm_load_si128(line + 3));

	v = _mm_or_si128(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
	v = _mm_or_si128(v, _mm_srli_epi64(v, 32));
	v = _mm_or_si128(v, _mm_srli_epi32(v, 16));
	return (uint16_t)_mm_cvtsi128_si32(v);
#else
	uint16_t v = 0;
	unsigned i;

#pragma GCC unroll 6
	for (i = 0; i < BL_RT_SLOTS; i++)
		v |= (uint16_t)(__atomic_load_n(&b->val[i], __ATOMIC_RELAXED) &
				-(uint16_t)(__atomic_load_n(&b->key[i], __ATOMIC_RELAXED) == key));
	return v;
#endif
}

/* Read one bucket for `key`: its value or NONE, and *stop when no later
 * bucket can hold it. Reads again while the writer is inside the bucket.
 * `masks` (a constant) compares the slots with bl__rt_bucket_match; a lone
 * lookup does better with branches, which let the CPU start what follows
 * before the bucket arrives. */
static __rte_always_inline uint16_t bl__rt_bucket_find(const struct bl_rt_bucket *b, uint64_t key,
						       bool *stop, bool masks)
{
	uint16_t s0, v, ovf;
	unsigned i;

	for (;;) {
		/* Pairs with the release stores of seq in route.c (bucket_open,
		 * bucket_close). */
		s0 = __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE);
		if (masks) {
			v = bl__rt_bucket_match(b, key);
		} else {
			/* A free slot's word is 0; of the others at most one has key. */
			v = 0;
#pragma GCC unroll 6
			for (i = 0; i < BL_RT_SLOTS; i++)
				if (__atomic_load_n(&b->key[i], __ATOMIC_RELAXED) == key)
					v |= __atomic_load_n(&b->val[i], __ATOMIC_RELAXED);
		}
		ovf = __atomic_load_n(&b->overflow, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (likely((s0 & 1) == 0 && __atomic_load_n(&b->seq, __ATOMIC_RELAXED) == s0))
			break;
		rte_pause();
	}
	*stop = v != 0 || ovf == 0;
	return (uint16_t)~v;
}

/* The value for key in table rt (no default), from its home bucket on;
 * `masks` as for bl__rt_bucket_find. */
static __rte_always_inline uint16_t bl__rt_find(const struct bl_rt *rt, uint64_t key, uint32_t hash,
						bool masks)
{
	const struct bl_rt_bucket *b = &rt->b[hash >> rt->shift];
	const struct bl_rt_bucket *end = rt->b + rt->n_buckets;
	bool stop;
	uint16_t v;

	for (; b != end; b++) {
		v = bl__rt_bucket_find(b, key, &stop, masks);
		if (likely(stop))
			return v;
	}
	return BL_ROUTE_VAL_NONE;
}

/*
 * Look a key up: its route's value, else the default route's, else
 * BL_ROUTE_VAL_NONE. Lcores and the control thread; the caller must be
 * RCU-online (a table it reads is freed only after a grace period).
 */
static inline uint16_t bl_route_lookup_val(struct bl_route_table *t, uint64_t key)
{
	const struct bl_rt *rt = rcu_dereference(t->cur);
	uint16_t v = bl__rt_find(rt, key, bl_route_hash(key), false);

	if (v == BL_ROUTE_VAL_NONE)
		v = (uint16_t)__atomic_load_n(&t->dflt, __ATOMIC_ACQUIRE);
	return v;
}

/* The same as a struct: false when the key has no route and there is no default. */
static inline bool bl_route_lookup(struct bl_route_table *t, uint64_t key, struct bl_route *out)
{
	uint16_t v = bl_route_lookup_val(t, key);

	if (v == BL_ROUTE_VAL_NONE)
		return false;
	*out = bl_route_of_val(v);
	return true;
}

/* The default route's value, or BL_ROUTE_VAL_NONE. */
static inline uint16_t bl_route_dflt(struct bl_route_table *t)
{
	return (uint16_t)__atomic_load_n(&t->dflt, __ATOMIC_ACQUIRE);
}

/* One key of a bulk lookup, first step: its hash, its home bucket in rt
 * (rcu_dereference of t->cur) prefetched. */
static __rte_always_inline uint32_t bl_route_bulk_prefetch(const struct bl_rt *rt, uint64_t key)
{
	uint32_t hash = bl_route_hash(key);

	rte_prefetch0(&rt->b[hash >> rt->shift]);
	return hash;
}

/* Second step: the key's value in rt, else `dflt` (bl_route_dflt). */
static __rte_always_inline uint16_t bl_route_bulk_val(const struct bl_rt *rt, uint64_t key,
						      uint32_t hash, uint16_t dflt)
{
	uint16_t v = bl__rt_find(rt, key, hash, true);

	return v != BL_ROUTE_VAL_NONE ? v : dflt;
}

/*
 * Look n keys up together (any n), in two steps a caller may put other work
 * between: bl_route_bulk_start hashes the keys and prefetches every home
 * bucket, bl_route_bulk_finish compares. n keys that miss the CPU's caches
 * then cost about one memory latency rather than n, and none if the work
 * between took that long. `hashes` is the caller's scratch of n words;
 * start returns the table the prefetches went to, which finish must be
 * given, with no quiescent state between. vals[i] gets what
 * bl_route_lookup_val gives for keys[i]. Same rules as bl_route_lookup_val.
 */
static inline const struct bl_rt *
bl_route_bulk_start(struct bl_route_table *t, const uint64_t *keys, unsigned n, uint32_t *hashes)
{
	const struct bl_rt *rt = rcu_dereference(t->cur);
	unsigned i;

	for (i = 0; i < n; i++)
		hashes[i] = bl_route_bulk_prefetch(rt, keys[i]);
	return rt;
}

static inline void bl_route_bulk_finish(struct bl_route_table *t, const struct bl_rt *rt,
					const uint64_t *keys, unsigned n, const uint32_t *hashes,
					uint16_t *vals)
{
	uint16_t dflt = bl_route_dflt(t);
	unsigned i;

	for (i = 0; i < n; i++)
		vals[i] = bl_route_bulk_val(rt, keys[i], hashes[i], dflt);
}

/* Both steps at once. */
static inline void bl_route_lookup_bulk(struct bl_route_table *t, const uint64_t *keys, unsigned n,
					uint32_t *hashes, uint16_t *vals)
{
	bl_route_bulk_finish(t, bl_route_bulk_start(t, keys, n, hashes), keys, n, hashes, vals);
}

#define BL_ROUTE_NBR_VALID (1ull << 63)

/*
 * The MAC frames to hop h go to: the static one, or the one the neighbour
 * table published. False (and *mac untouched) for a hop to resolve whose
 * neighbour is not known. Lcores (RCU-online) and the control thread.
 * Pairs with the release store in bl_route_hop_set_nbr.
 */
static inline bool bl_route_hop_mac(const struct bl_route_table *t, uint16_t h,
				    struct rte_ether_addr *mac)
{
	uint64_t w;

	if (!t->hops[h].resolve) {
		*mac = t->hops[h].dst_mac;
		return true;
	}
	w = __atomic_load_n(&t->hop_nbr[h], __ATOMIC_ACQUIRE);
	if (!(w & BL_ROUTE_NBR_VALID))
		return false;
	memcpy(mac->addr_bytes, &w, RTE_ETHER_ADDR_LEN);
	return true;
}

/* The hop of a forwarding route. */
static inline const struct bl_route_hop *bl_route_hop_get(const struct bl_route_table *t,
							  const struct bl_route *r)
{
	return &t->hops[r->hop];
}

/*
 * Create an empty table holding at most max_routes routes. Control thread,
 * RCU-registered. NULL + errno on failure.
 *
 * The writers below run on the control thread while it is RCU-online. They
 * never wait for readers, except when a hop or target slot must be reused
 * (synchronize_rcu, rare). A table that grows or shrinks is rebuilt by the
 * writer at its new size and swapped in; the old one is freed by call_rcu.
 */
struct bl_route_table *bl_route_table_create(uint64_t max_routes);

/*
 * Let routes of kind group and pool name groups of gs (created on first
 * use). Without it such routes are refused with -ENOTSUP. Control thread,
 * before any such route is added.
 */
void bl_route_table_set_groups(struct bl_route_table *t, struct bl_groups *gs);

/*
 * Take a reference on the hop with these addresses (interned), for a user
 * outside the table (a forward process). Returns the hop index or -ENOSPC,
 * -EINVAL. Control thread, RCU-online. The reference lasts until
 * bl_route_hop_release.
 */
int bl_route_hop_acquire(struct bl_route_table *t, const struct bl_route_hop_spec *spec);
void bl_route_hop_release(struct bl_route_table *t, unsigned hop);

/*
 * Export the process registered under name to other nodes: a reference on
 * its process target (the one routes to it use) and the mark that lets a
 * named message with that index reach it. Returns the index (what other
 * nodes put in the message's flags) or -EINVAL, -ENOSPC. Control thread,
 * RCU-online. Undone by bl_route_target_unexport.
 */
int bl_route_target_export(struct bl_route_table *t, const char *name);
/* The same for a group (BL_ROUTE_GROUP): a named message to its index goes
 * to every member this node has. */
int bl_route_target_export_kind(struct bl_route_table *t, enum bl_route_action kind,
				const char *name);
void bl_route_target_unexport(struct bl_route_table *t, unsigned idx);

/* Whether idx is an exported target now (lcores, for a named message). */
static inline bool bl_route_target_exported(const struct bl_route_table *t, uint16_t idx)
{
	return idx < BL_ROUTE_TARGET_MAX && __atomic_load_n(&t->exported[idx], __ATOMIC_ACQUIRE);
}

/*
 * Publish the MAC of hop h (a hop with `resolve`), or withdraw it (mac
 * NULL). When the word changes, the table's generation moves, so every
 * lcore drops the verdicts and prepared bytes it made with the old one at
 * its next burst. Control thread only (the neighbour table).
 */
void bl_route_hop_set_nbr(struct bl_route_table *t, unsigned h, const struct rte_ether_addr *mac);

/*
 * Remove every route, wait for readers, free it all. Control thread,
 * RCU-registered and offline; no lcore may still use the table.
 */
void bl_route_table_destroy(struct bl_route_table *t);

/*
 * Make room for n more routes at once (a batch about to be applied), so
 * the table is rebuilt once rather than at each doubling. Control thread,
 * RCU-online. 0, or -ENOMEM (the table stays as it was).
 */
int bl_route_reserve(struct bl_route_table *t, uint64_t n);

/*
 * Add or replace the route for key. Control thread only, RCU-online.
 * Returns 0 (added), 1 (replaced), -ENOSPC (table full, or no free hop or
 * target), -EINVAL (bad spec), -ENOMEM (the table could not grow).
 */
int bl_route_add(struct bl_route_table *t, uint64_t key, const struct bl_route_spec *spec);

/* Set (or replace) the default route. Control thread only. 0 or -errno. */
int bl_route_set_default(struct bl_route_table *t, const struct bl_route_spec *spec);

/* Delete the route for key. Control thread only. 0, or -ENOENT. */
int bl_route_del(struct bl_route_table *t, uint64_t key);

/* Delete the default route. Control thread only. 0, or -ENOENT. */
int bl_route_del_default(struct bl_route_table *t);

/* Is there a route for key (not counting the default)? Control thread, RCU-online. */
bool bl_route_has(struct bl_route_table *t, uint64_t key);

/* The default route, if any. Control thread. */
bool bl_route_get_default(const struct bl_route_table *t, struct bl_route *out);

/* Fill *spec from a route (for listing). Control thread. */
void bl_route_describe(const struct bl_route_table *t, const struct bl_route *r,
		       struct bl_route_spec *spec);

/*
 * Call fn for each route (not the default) until fn returns non-zero; returns
 * that value or 0. Control thread, RCU-online; fn must not change the table.
 */
int bl_route_foreach(struct bl_route_table *t,
		     int (*fn)(void *arg, uint64_t key, const struct bl_route *r), void *arg);

/*
 * Listing in pages. Routes come in one fixed order, (hash, key), that no
 * resize changes, so a cursor (the last route of a page) stays good while
 * routes are added and deleted between pages: a route present from the
 * first page to the last is listed exactly once. A fresh cursor is zeroed.
 */
struct bl_route_cursor {
	uint32_t hash;
	uint64_t key;
	bool started; /* false: from the beginning */
};

struct bl_route_entry {
	uint64_t key;
	struct bl_route r;
};

/*
 * Up to max routes after *cur into out, in order; *cur moves to the last one
 * given. Returns how many; *more is false once no route follows. Control
 * thread, RCU-online. Costs O(max + the routes scanned), whatever the
 * table's size.
 */
size_t bl_route_page(struct bl_route_table *t, struct bl_route_cursor *cur,
		     struct bl_route_entry *out, size_t max, bool *more);

/* Bytes the table holds now: its buckets and its struct. Control thread. */
uint64_t bl_route_mem_bytes(const struct bl_route_table *t);

/* Buckets and slots of the table in use. Control thread. */
uint64_t bl_route_slots(const struct bl_route_table *t);

#endif /* BL_ROUTE_H */
