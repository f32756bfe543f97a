/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The verdict cache of a worker lcore (struct bl_verdict_cache in
 * dataplane/lcore.h, lc->vcache): what a key's messages get (a hop index,
 * BL_TGT_PROC | target index, or BL_TGT_DROP | reason), looked up in the
 * route table once and then read from the lcore's own cache. Owner lcore
 * only.
 *
 * - Slots and masks: a slot is the CRC32-C of the key as it sits on the
 *   wire; since the CRC is linear over GF(2), a slot holding key ^ mask(id)
 *   proves in one compare that a key is cached and which verdict it has
 *   (the comment on the struct has the proof). The masks are tabled once at
 *   start-up (verdict.c).
 * - Fill, forget, wipe and sync: a miss fills the key's slot; once per
 *   burst, after a quiescent state, verdict_cache_sync forgets the keys the
 *   table's change log names, or wipes the cache when the table's
 *   generation moved, so a cached verdict never outlives its route.
 * - Grouped prefill (struct prefill): when the last burst missed often,
 *   the next burst's keys are looked up a group at a time, in bulk,
 *   software-pipelined.
 */
#ifndef BL_VERDICT_H
#define BL_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __SSE4_2__
#include <nmmintrin.h> /* _mm_crc32_u64: verdict cache slots */
#endif

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#ifndef __SSE4_2__
#include <rte_hash_crc.h>
#endif
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <netinet/in.h> /* IPPROTO_UDP */

#include "actors/registry.h"
#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/route.h"
#include "dataplane/router.h"
#include "dataplane/txbuf.h"
#include "dataplane/vlan.h"
#include "dataplane/wire6.h"

/*
 * The slot of a key as it sits on the wire (big-endian, so a lookup never
 * byte-swaps): CRC32-C where the CPU has it (one instruction; every key bit
 * counts whatever the byte order), DPDK's software CRC32-C elsewhere. The
 * cache relies on this function being linear over GF(2):
 * slot(a ^ b) == slot(a) ^ slot(b) (a CRC with zero start and no final
 * inversion is).
 */
static inline size_t bl_verdict_slot(uint64_t raw)
{
#ifdef __SSE4_2__
	return (size_t)_mm_crc32_u64(0, raw) & (BL_VERDICT_CACHE_SIZE - 1);
#else
	return (size_t)rte_hash_crc_8byte(raw, 0) & (BL_VERDICT_CACHE_SIZE - 1);
#endif
}

/*
 * The mask of verdict id `id` (below BL_VERDICT_CACHE_SIZE): a 64-bit word
 * whose slot is `id` itself (bl_verdict_slot(bl_verdict_mask(id)) == id),
 * linear in id. Tabled from a basis found once at start-up.
 */
extern uint64_t bl__vmask[BL_VERDICT_CACHE_SIZE];
static inline uint64_t bl_verdict_mask(uint32_t id)
{
	return bl__vmask[id];
}

/*
 * A hop to resolve (no static MAC): while its neighbour is unknown, its
 * messages take the reframing path (TGT_HOP6), which holds them for the
 * neighbour table (dataplane/nbr_punt.h) rather than sending them; the
 * same prepared bytes (hop_out, one load of the neighbour word for the
 * whole generation) decide both, so a verdict never says "send" with
 * bytes that have no MAC. Publishing a MAC moves the table's generation:
 * this verdict is then dropped with the cache at the next burst.
 */
static __rte_noinline __rte_unused uint16_t verdict_of_hop(struct bl_lcore *lc, uint16_t h)
{
	return hop_out(lc, h)->unresolved ? (uint16_t)(TGT_HOP6 | h) : h;
}

/* What messages get from a route's value (BL_ROUTE_VAL_NONE: no route). */
static inline uint16_t verdict_of_val(struct bl_lcore *lc, uint16_t v)
{
	const struct bl_router *r = lc->r;
	struct bl_route route;
	const struct bl_route_hop *h;

	if (v == BL_ROUTE_VAL_NONE)
		return TGT_DROP | BL_MSG_DROP_NO_ROUTE;
	route = bl_route_of_val(v);
	if (bl_route_action_is_target(route.action))
		return (uint16_t)(TGT_PROC | route.hop);
	if (route.action != BL_ROUTE_FORWARD)
		return TGT_DROP | BL_MSG_DROP_ROUTE_DROP;
	h = bl_route_hop_get(r->routes, &route);
	if (unlikely(h->port >= r->n_ports || !r->ports[h->port].started))
		return TGT_DROP | BL_MSG_DROP_PORT_DOWN;
	/* A hop the untagged IPv4 rewrite cannot serve (IPv6, or tagged)
	 * leaves the fast path for lcore6.c's bl__lcore_forward1. */
	if (h->v6 || h->vlan != 0)
		return (uint16_t)(TGT_HOP6 | route.hop);
	return unlikely(h->resolve) ? verdict_of_hop(lc, route.hop) : route.hop;
}

/* Verdict tgt's id in *id, given out now if it has none yet; false when
 * every id is taken (the verdict is then not cached). */
static inline bool verdict_id(struct bl_verdict_cache *c, uint16_t tgt, uint32_t *id)
{
	uint32_t i = c->id_of[tgt];

	if (i >= c->n_ids || c->tgt_of[i] != tgt) {
		if (c->n_ids == BL_VERDICT_IDS)
			return false;
		i = c->n_ids++;
		c->tgt_of[i] = tgt;
		c->id_of[tgt] = (uint16_t)i;
	}
	*id = i;
	return true;
}

/* Cache wire-order key `raw` in `slot` under verdict id `id`. */
static __rte_always_inline void verdict_put(struct bl_verdict_cache *c, uint64_t raw, size_t slot,
					    uint32_t id)
{
	c->ent[slot] = raw ^ bl_verdict_mask(id);
	c->id[slot] = (uint16_t)id;
}

/* Cache verdict tgt for wire-order key `raw` in `slot`. */
static inline void verdict_fill(struct bl_verdict_cache *c, uint64_t raw, size_t slot, uint16_t tgt)
{
	uint32_t id;

	if (verdict_id(c, tgt, &id))
		verdict_put(c, raw, slot, id);
}

/*
 * A verdict-cache miss (or a key whose verdict could not be cached): the
 * route table, and the verdict into the cache (verdict.c).
 */
uint16_t bl__verdict_slow(struct bl_lcore *lc, uint64_t raw, size_t slot);

/* Is wire-order key `raw` (in `slot`) in the cache? */
static __rte_always_inline bool verdict_hit(const struct bl_verdict_cache *c, uint64_t raw,
					    size_t slot)
{
	return (c->ent[slot] ^ raw) == bl_verdict_mask(c->id[slot]);
}

/* What a message with wire-order key `raw` gets: the cache, else the table. */
static __rte_always_inline uint16_t verdict(struct bl_lcore *lc, uint64_t raw)
{
	size_t k = bl_verdict_slot(raw);

	return likely(verdict_hit(&lc->vcache, raw, k)) ? lc->vcache.tgt_of[lc->vcache.id[k]]
							: bl__verdict_slow(lc, raw, k);
}

/*
 * Once per burst: the caller passed a quiescent state since the last one.
 * Pairs with the release store of the table's generation by the writer.
 */
static inline void verdict_cache_wipe(struct bl_verdict_cache *c)
{
	size_t i;

	/* Empty slots (see struct bl_verdict_cache); id_of needs no wipe:
	 * an entry counts only where tgt_of agrees with it. */
	for (i = 0; i < BL_VERDICT_CACHE_SIZE; i++) {
		c->ent[i] = bl_verdict_mask((uint32_t)i ^ BL_VERDICT_IDS);
		c->id[i] = 0;
	}
	c->n_ids = 0;
}

/* Forget wire-order key `raw` if the cache holds it. */
static inline void verdict_forget(struct bl_verdict_cache *c, uint64_t raw)
{
	size_t k = bl_verdict_slot(raw);

	if (verdict_hit(c, raw, k)) {
		c->ent[k] = bl_verdict_mask((uint32_t)k ^ BL_VERDICT_IDS);
		c->id[k] = 0;
	}
}

/*
 * Once per burst, after a quiescent state: catch up with the route table.
 * A moved generation (or a change log this lcore fell behind) drops the
 * whole cache; otherwise only the keys the log names since the last burst
 * are forgotten, so route churn on other keys costs the cache nothing.
 */
static inline void verdict_cache_sync(struct bl_lcore *lc)
{
	struct bl_route_table *t = lc->r->routes;
	uint64_t seen = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE) + 1;
	/* Pairs with the release store of log.seq in route.c's key_changed. */
	uint64_t lseq = __atomic_load_n(&t->log.seq, __ATOMIC_ACQUIRE), i;

	if (unlikely(seen != lc->vcache.seen)) {
		verdict_cache_wipe(&lc->vcache);
		lc->vcache.seen = seen;
	} else if (unlikely(lseq != lc->log_seen)) {
		if (lseq - lc->log_seen > BL_ROUTE_LOG_SIZE / 2) {
			verdict_cache_wipe(&lc->vcache);
		} else {
			for (i = lc->log_seen; i < lseq; i++) {
				uint64_t key = __atomic_load_n(
				    &t->log.key[i & (BL_ROUTE_LOG_SIZE - 1)], __ATOMIC_RELAXED);

				verdict_forget(&lc->vcache, rte_cpu_to_be_64(key));
			}
			/* The writer may have lapped the entries read: then
			 * some key read may be another, and all are forgotten. */
			if (__atomic_load_n(&t->log.seq, __ATOMIC_ACQUIRE) - lc->log_seen >
			    BL_ROUTE_LOG_SIZE)
				verdict_cache_wipe(&lc->vcache);
		}
	}
	lc->log_seen = lseq;
	if (lc->registry != NULL)
		lc->ptag = bl_registry_gen(lc->registry) + 1;
}

/*
 * Keys looked up together: when the last burst missed the verdict cache
 * BL_PREFILL_MIN times or more (many routes, keys spread over them), the
 * burst is handled in groups of a few packets, software-pipelined: the keys
 * of the next group's usual frames (IPv4 without options or IPv6 with UDP
 * next, untagged or behind one or two VLAN tags: prefill_hdrs) that miss
 * the cache are gathered, hashed and their home buckets prefetched
 * (prefill_start) before this group's are compared and cached
 * (prefill_finish) and its packets handled. A bucket thus has a whole
 * group's handling to arrive in, and the few groups in flight at once keep
 * the keys that must share the direct-mapped cache few. Groups are small
 * (4 packets or 16 keys): a group's frames are read twice, gathered and
 * then handled, and with 8 packets and 32 keys they had left L1 in
 * between (1.26x at a million routes with uniform keys, about 1.08x with
 * zipf 1.1 keys, against 8 and 32; 2 and 8 was slower). Nothing here is
 * trusted: a frame is only read inside its mbuf's data, and classify checks
 * everything again. With few routes the cache hits and this never runs.
 */
#define BL_PREFILL_MIN	    8u	/* misses in a burst that turn it on for the next */
#define BL_PREFILL_KEYS	    16u /* a group ends once it has this many keys ... */
#define BL_PREFILL_PKTS	    4u	/* ... or this many packets */
#define BL_PREFILL_KEYS_MAX 64u /* keys a group gathers at most (more: left to classify) */

struct prefill {
	const struct bl_rt *rt;		   /* the table prefetched from */
	unsigned n;			   /* keys gathered */
	uint64_t raw[BL_PREFILL_KEYS_MAX]; /* wire order */
	uint32_t hash[BL_PREFILL_KEYS_MAX];
	uint16_t slot[BL_PREFILL_KEYS_MAX]; /* each key's verdict cache slot */
};

/*
 * Where the first message of pkts' frame starts (its headers' length), or
 * 0 to leave the frame to classify: untagged IPv4 without options first,
 * in one compare; then up to two VLAN tags (802.1Q, QinQ) in front of IPv4
 * without options or of IPv6 with UDP as its next header. Only the few
 * bytes that place the frame are read; classify checks them all again.
 */
static inline uint32_t prefill_hdrs(const uint8_t *d, uint32_t len)
{
	uint32_t l2 = BL_WIRE_ETH_LEN, l3;
	uint16_t type;

	if (likely(len >= BL_WIRE_HDRS_LEN && (bl__wire_raw32(d + BL__ETH_TYPE) &
					       RTE_BE32(0xFFFFFF00u)) == RTE_BE32(0x08004500u)))
		return BL_WIRE_HDRS_LEN;
	if (len < BL_WIRE_HDRS_LEN)
		return 0;
	type = bl_wire_get16(d + BL__ETH_TYPE);
	while ((type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) &&
	       l2 < BL_WIRE_ETH_LEN + 2 * BL_WIRE_VLAN_LEN) {
		type = bl_wire_get16(d + l2 + 2);
		l2 += BL_WIRE_VLAN_LEN;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && d[l2] == 0x45)
		l3 = BL_WIRE_IP4_LEN;
	else if (type == RTE_ETHER_TYPE_IPV6 && len >= l2 + BL_WIRE_IP6_LEN &&
		 d[l2 + 6] == IPPROTO_UDP)
		l3 = BL_WIRE_IP6_LEN;
	else
		return 0;
	l3 += l2 + BL_WIRE_UDP_LEN + BL_WIRE_FRAME_HDR_LEN;
	return len >= l3 ? l3 : 0;
}

/* Keep the key at `at` (and its slot) as the group's nk-th if the cache
 * misses it: the keys kept so far, that one included. With no branch on
 * the miss: with hot and cold keys mixed (zipf) it would mispredict often.
 * A hit's key is written one past the keys kept: the caller keeps nk below
 * BL_PREFILL_KEYS_MAX before each call. */
static __rte_always_inline unsigned prefill_key(const struct bl_verdict_cache *c,
						struct prefill *pf, unsigned nk, const uint8_t *at)
{
	uint64_t r;
	size_t k;

	memcpy(&r, at, sizeof(r));
	k = bl_verdict_slot(r);
	pf->raw[nk] = r;
	pf->slot[nk] = (uint16_t)k;
	return nk + !verdict_hit(c, r, k);
}

/* Gather the cache-missing keys of pkts[from..) into pf, up to a group's
 * end, and prefetch their buckets; returns the packet after the group.
 * Out of line but static, like classify_kinds: the burst's file compiles
 * it knowing its caller, as before the split. */
static __rte_noinline __rte_unused uint16_t prefill_start(struct bl_lcore *lc, struct prefill *pf,
							  struct rte_mbuf **pkts, uint16_t from,
							  uint16_t n)
{
	const struct bl_verdict_cache *c = &lc->vcache;
	const struct bl_rt *rt;
	unsigned nk = 0, i;
	uint16_t p;

	for (p = from; p < n && (unsigned)(p - from) < BL_PREFILL_PKTS && nk < BL_PREFILL_KEYS;
	     p++) {
		const struct rte_mbuf *m = pkts[p];
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
		uint64_t len = rte_pktmbuf_data_len(m), off = prefill_hdrs(d, (uint32_t)len),
			 stride;
		uint16_t count;

		if (off == 0)
			continue;
		count = bl_wire_get16(d + off - BL_WIRE_FRAME_HDR_LEN + 4);
		count = (uint16_t)RTE_MIN((unsigned)count, BL_PREFILL_KEYS_MAX - nk);
		stride = BL_WIRE_MSG_HDR_LEN + (uint64_t)bl_wire_get32(d + off);
		if (likely(off + stride * count == len)) {
			/* The usual frame: messages of one length that fill it (as
			 * classify_uniform finds them), placed without reading
			 * each length first. Should they differ after all, the
			 * keys gathered are wrong ones, which costs only time. */
			for (; count > 0; count--, off += stride)
				nk = prefill_key(c, pf, nk, d + off + 8);
			continue;
		}
		for (; count > 0 && off + BL_WIRE_MSG_HDR_LEN <= len; count--) {
			nk = prefill_key(c, pf, nk, d + off + 8);
			off += BL_WIRE_MSG_HDR_LEN + (uint64_t)bl_wire_get32(d + off);
		}
	}
	pf->n = nk;
	pf->rt = rt = rcu_dereference(lc->r->routes->cur);
	for (i = 0; i < nk; i++) /* the table's keys are in host order */
		pf->hash[i] = bl_route_bulk_prefetch(rt, rte_be_to_cpu_64(pf->raw[i]));
	lc->vmiss += nk;
	return p;
}

/* The group's keys compared in their (by now arrived) buckets, and cached. */
static inline void prefill_finish(struct bl_lcore *lc, const struct prefill *pf)
{
	struct bl_verdict_cache *c = &lc->vcache;
	uint16_t dflt = bl_route_dflt(lc->r->routes);
	uint32_t prev = UINT32_MAX, id = 0; /* no value yet */
	bool ok = false;
	unsigned i;

	for (i = 0; i < pf->n; i++) {
		uint16_t v =
		    bl_route_bulk_val(pf->rt, rte_be_to_cpu_64(pf->raw[i]), pf->hash[i], dflt);

		/* Routes share few hops: a run of keys with one value is usual,
		 * and its verdict and id are worked out once. */
		if (v != prev) {
			prev = v;
			ok = verdict_id(c, verdict_of_val(lc, v), &id);
		}
		if (likely(ok))
			verdict_put(c, pf->raw[i], pf->slot[i], id);
	}
}

#endif /* BL_VERDICT_H */
