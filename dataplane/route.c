/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route table: design note.
 *
 * - Storage: an open-addressing table of our own (struct bl_rt in route.h):
 *   64-byte buckets of six keys and six 16-bit values, each key in the bucket
 *   its hash's top bits name (its home) or, when that is full, in the first
 *   bucket after it with room (linear probing, no wrap-around: BL_RT_TAIL
 *   spare buckets follow the last home). A key's route is one cache line
 *   away, so a burst's lookups prefetch one line a key and a key that misses
 *   the CPU's caches costs one memory latency, where a chained table
 *   (cds_lfht, rte_hash's signature buckets and key store) costs two or more.
 *   docs/architecture.md says why this and not cds_lfht or rte_hash.
 * - One writer, the control thread; lcores read without locks. A value word
 *   changes in one 16-bit store. Anything else that changes a bucket (a key
 *   and its value put in or taken out, its overflow count) happens between
 *   bucket_open and bucket_close, which make the bucket's seq odd and then
 *   even again; a reader reads a bucket again if its seq was odd or moved
 *   (a seqlock per bucket, the writer never waits). So a reader sees a key
 *   with its own value, never with another key's.
 * - overflow[b] counts the keys that probed past bucket b (home at or
 *   before b, living after it). A lookup stops at the first bucket with its
 *   key or with overflow 0. An insert raises the counts along its probe
 *   before it writes the key; a delete lowers them after it took the key.
 * - Size: 1 << order home buckets. The table grows (order + 1) when routes
 *   would fill more than 80% of the home slots, or when a probe would run
 *   off the tail, and shrinks (order - 1) below 20%: rebuilt whole by the
 *   writer at the new size, swapped in with rcu_assign_pointer, the old one
 *   freed by call_rcu once every lcore passed a quiescent state. Lcores
 *   never wait for a resize; the writer takes O(routes) once per doubling.
 *   Bucket arrays are mmap'ed, so a table that shrinks gives its memory
 *   back to the system.
 * - Lcores cache what keys get (dataplane/lcore.h). A change to one key is
 *   written to `log` after the table; lcores read the log once a burst and
 *   forget the keys it names. A change to what every key can get (the
 *   default route; a hop or target slot reused) bumps `gen` instead, and
 *   lcores forget everything.
 * - Hops and targets are interned: their addresses and names are written
 *   before the first route that uses them is published and never change
 *   while a route, published or still visible to a reader, can reach them.
 *   A slot whose last route went away is reused only after synchronize_rcu.
 * - Bounded: max_routes routes, BL_ROUTE_HOP_MAX hops, BL_ROUTE_TARGET_MAX
 *   targets; past any of them, -ENOSPC.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_byteorder.h>

#include "actors/group.h"
#include "dataplane/route.h"

const char *const bl_route_action_names[BL_ROUTE_ACTION_MAX] = {
	"drop", "forward", "process", "group", "pool",
};

#define RT_MIN_ORDER 4u	 /* 16 home buckets, 96 slots */
#define RT_MAX_ORDER 30u /* 6 billion slots: past any max_routes */

/* ---- one size of the table ----------------------------------------------- */

static uint64_t rt_bytes(uint32_t order)
{
	return ((1ull << order) + BL_RT_TAIL) * sizeof(struct bl_rt_bucket);
}

/* An empty table of 1 << order home buckets (zeroed memory is empty). */
static struct bl_rt *rt_new(uint32_t order)
{
	struct bl_rt *rt = calloc(1, sizeof(*rt));
	void *mem;

	if (rt == NULL)
		return NULL;
	mem =
	    mmap(NULL, rt_bytes(order), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		free(rt);
		errno = ENOMEM;
		return NULL;
	}
	/* Transparent huge pages where the kernel offers them on request: a
	 * table past the TLB's reach then costs one memory latency a lookup,
	 * not two (the page walk and the bucket). Advice only; 4 KiB pages
	 * work the same, slower. */
	(void)madvise(mem, rt_bytes(order), MADV_HUGEPAGE);
	rt->b = mem;
	rt->order = order;
	rt->shift = 32 - order;
	rt->n_buckets = (1ull << order) + BL_RT_TAIL;
	return rt;
}

static void rt_free(struct bl_rt *rt)
{
	munmap(rt->b, rt_bytes(rt->order));
	free(rt);
}

static void rt_free_cb(struct rcu_head *head)
{
	rt_free(caa_container_of(head, struct bl_rt, rcu));
}

/* The writer's side of a bucket's seqlock (see bl__rt_bucket_find). */
static inline void bucket_open(struct bl_rt_bucket *b)
{
	__atomic_store_n(&b->seq, (uint16_t)(b->seq + 1), __ATOMIC_RELAXED);
	/* The odd seq before the bucket's words change; pairs with the
	 * reader's acquire fence before its second load of seq. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void bucket_close(struct bl_rt_bucket *b)
{
	/* The bucket's words before the even seq; pairs with the reader's
	 * acquire load of seq. */
	__atomic_store_n(&b->seq, (uint16_t)(b->seq + 1), __ATOMIC_RELEASE);
}

/* Where key lives in rt: its bucket and slot, or false. Writer. */
static bool rt_locate(const struct bl_rt *rt, uint64_t key, uint32_t hash, uint64_t *bi,
		      unsigned *si)
{
	uint64_t j;
	unsigned i;

	for (j = hash >> rt->shift; j < rt->n_buckets; j++) {
		const struct bl_rt_bucket *b = &rt->b[j];

		for (i = 0; i < BL_RT_SLOTS; i++)
			if (b->val[i] != 0 && b->key[i] == key) {
				*bi = j;
				*si = i;
				return true;
			}
		if (b->overflow == 0)
			return false;
	}
	return false;
}

/*
 * Put a key that rt does not hold into its first bucket with room. `live`:
 * rt is published (readers may be in it), so buckets are written under
 * their seqlocks. Returns false when the probe would run off the tail.
 */
static bool rt_insert(struct bl_rt *rt, uint64_t key, uint32_t hash, uint16_t v, bool live)
{
	uint64_t home = hash >> rt->shift, j;
	unsigned i;

	for (j = home; j < rt->n_buckets; j++) {
		struct bl_rt_bucket *b = &rt->b[j];

		for (i = 0; i < BL_RT_SLOTS; i++)
			if (b->val[i] == 0)
				break;
		if (i == BL_RT_SLOTS)
			continue;
		/* The path first, then the key: a reader that finds the key
		 * can always get to it. */
		for (uint64_t p = home; p < j; p++) {
			if (live)
				bucket_open(&rt->b[p]);
			rt->b[p].overflow++;
			if (live)
				bucket_close(&rt->b[p]);
		}
		if (live)
			bucket_open(b);
		b->key[i] = key;
		b->val[i] = (uint16_t)~v;
		if (live)
			bucket_close(b);
		return true;
	}
	return false;
}

/* Take the key at (bi, si) out of the published rt. */
static void rt_remove(struct bl_rt *rt, uint32_t hash, uint64_t bi, unsigned si)
{
	struct bl_rt_bucket *b = &rt->b[bi];
	uint64_t p;

	bucket_open(b);
	b->val[si] = 0;
	b->key[si] = 0;
	bucket_close(b);
	for (p = hash >> rt->shift; p < bi; p++) {
		bucket_open(&rt->b[p]);
		rt->b[p].overflow--;
		bucket_close(&rt->b[p]);
	}
}

/* A copy of rt at another order, unpublished; NULL if it would not fit. */
static struct bl_rt *rt_rebuild(const struct bl_rt *rt, uint32_t order)
{
	uint32_t last = order + 2 < RT_MAX_ORDER ? order + 2 : RT_MAX_ORDER;
	struct bl_rt *n;
	uint64_t j;
	unsigned i;

	for (; order <= last; order++) {
		n = rt_new(order);
		if (n == NULL)
			return NULL;
		for (j = 0; j < rt->n_buckets; j++) {
			const struct bl_rt_bucket *b = &rt->b[j];

			for (i = 0; i < BL_RT_SLOTS; i++)
				if (b->val[i] != 0 &&
				    !rt_insert(n, b->key[i], bl_route_hash(b->key[i]),
					       (uint16_t)~b->val[i], false))
					goto bigger;
		}
		return n;
	bigger: /* a cluster ran off the tail: rare; one size up */
		rt_free(n);
	}
	errno = ENOSPC;
	return NULL;
}

static uint64_t rt_home_slots(uint32_t order)
{
	return (uint64_t)BL_RT_SLOTS << order;
}

/* The order that holds n routes at most 80% full. */
static uint32_t order_for(uint64_t n, uint32_t min)
{
	uint32_t o = min;

	while (o < RT_MAX_ORDER && n * 5 > rt_home_slots(o) * 4)
		o++;
	return o;
}

/* Swap in a rebuild of the table at `order`. 0 or -errno (table unchanged). */
static int table_resize(struct bl_route_table *t, uint32_t order)
{
	struct bl_rt *old = t->cur, *n = rt_rebuild(old, order);

	if (n == NULL)
		return -errno;
	/* The copy's words before the pointer; pairs with readers'
	 * rcu_dereference of t->cur. */
	rcu_assign_pointer(t->cur, n);
	t->resizes++;
	call_rcu(&old->rcu, rt_free_cb);
	return 0;
}

/* ---- changes, as the lcores learn them ------------------------------------ */

/* After a change that can alter what any key gets, before anything it
 * unpublished is freed. */
static void bl__route_changed(struct bl_route_table *t)
{
	/* Pairs with the acquire load of gen in the lcores' verdict_cache_sync. */
	__atomic_store_n(&t->gen, t->gen + 1, __ATOMIC_RELEASE);
}

/* After key's route changed in the table. */
static void key_changed(struct bl_route_table *t, uint64_t key)
{
	uint64_t s = t->log.seq;

	__atomic_store_n(&t->log.key[s & (BL_ROUTE_LOG_SIZE - 1)], key, __ATOMIC_RELAXED);
	/* The table's change and the key before the count; pairs with the
	 * acquire load of log.seq in the lcores' verdict_cache_sync. */
	__atomic_store_n(&t->log.seq, s + 1, __ATOMIC_RELEASE);
}

/* ---- the table ------------------------------------------------------------ */

struct bl_route_table *bl_route_table_create(uint64_t max_routes)
{
	struct bl_route_table *t;

	if (max_routes == 0) {
		errno = EINVAL;
		return NULL;
	}
	/* Aligned: the struct keeps what lcores read and what the control
	 * thread writes on separate cache lines. */
	t = aligned_alloc(alignof(struct bl_route_table), sizeof(*t));
	if (t == NULL)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->min_order = RT_MIN_ORDER;
	t->cur = rt_new(t->min_order);
	if (t->cur == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->dflt = BL_ROUTE_VAL_NONE;
	t->max_routes = max_routes;
	return t;
}

void bl_route_table_destroy(struct bl_route_table *t)
{
	if (t == NULL)
		return;
	/* Wait for any table a resize left to call_rcu. */
	rcu_barrier();
	rt_free(t->cur);
	free(t);
}

static int hop_same(const struct bl_route_hop *h, const struct bl_route_hop_spec *s)
{
	return h->port == s->port && rte_is_same_ether_addr(&h->dst_mac, &s->mac) &&
	       h->dst_ip == rte_cpu_to_be_32(s->ip) && h->dst_udp == rte_cpu_to_be_16(s->udp) &&
	       h->v6 == s->v6 && (!s->v6 || memcmp(h->dst_ip6, s->ip6, 16) == 0) &&
	       h->vlan == s->vlan && h->vlan_outer == (s->vlan != 0 ? s->vlan_outer : 0) &&
	       h->resolve == s->resolve;
}

/* Find or make the hop for spec; takes a reference. Control thread. */
static int hop_get(struct bl_route_table *t, const struct bl_route_hop_spec *s)
{
	uint32_t i, free_slot = UINT32_MAX;

	/* An unused slot keeps its hop until reused: taking it back changes
	 * nothing a reader sees (routes moved off a hop and back again). */
	for (i = 0; i < t->n_hops; i++) {
		if (hop_same(&t->hops[i], s)) {
			t->hop_refs[i]++;
			return (int)i;
		}
	}
	if (t->n_hops < BL_ROUTE_HOP_MAX) {
		free_slot = t->n_hops++;
	} else {
		for (i = 0; i < t->n_hops; i++) {
			if (t->hop_refs[i] == 0) {
				free_slot = i;
				break;
			}
		}
		if (free_slot == UINT32_MAX)
			return -ENOSPC;
		/* Readers may still hold verdicts that name the unused slot. */
		bl__route_changed(t);
		synchronize_rcu();
	}
	t->hops[free_slot].port = s->port;
	t->hops[free_slot].dst_mac = s->mac;
	t->hops[free_slot].dst_ip = rte_cpu_to_be_32(s->ip);
	t->hops[free_slot].dst_udp = rte_cpu_to_be_16(s->udp);
	t->hops[free_slot].v6 = s->v6;
	memcpy(t->hops[free_slot].dst_ip6, s->ip6, 16);
	t->hops[free_slot].vlan = s->vlan;
	t->hops[free_slot].vlan_outer = s->vlan != 0 ? s->vlan_outer : 0;
	t->hops[free_slot].resolve = s->resolve;
	/* A new hop starts unresolved; no reader can see this slot yet. */
	t->hop_nbr[free_slot] = 0;
	t->hop_refs[free_slot] = 1;
	return (int)free_slot;
}

void bl_route_hop_set_nbr(struct bl_route_table *t, unsigned h, const struct rte_ether_addr *mac)
{
	uint64_t w = 0;

	if (h >= t->n_hops || !t->hops[h].resolve)
		return;
	if (mac != NULL) {
		memcpy(&w, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
		w |= BL_ROUTE_NBR_VALID;
	}
	if (w == t->hop_nbr[h])
		return;
	/* Pairs with the acquire load in bl_route_hop_mac. */
	__atomic_store_n(&t->hop_nbr[h], w, __ATOMIC_RELEASE);
	bl__route_changed(t);
}

/* Find or make the target for spec; takes a reference. Control thread. */
static int target_get(struct bl_route_table *t, const struct bl_route_spec *s)
{
	size_t len = strnlen(s->name, BL_ROUTE_NAME_MAX);
	struct bl_group *g = NULL;
	uint32_t i, free_slot = UINT32_MAX;

	if (!bl_registry_name_ok(s->name, BL_ROUTE_NAME_MAX))
		return -EINVAL;
	for (i = 0; i < t->n_targets; i++) {
		struct bl_route_target *tg = &t->targets[i];

		if (t->target_refs[i] > 0 && tg->kind == s->action && tg->name_len == len &&
		    tg->least_loaded == (uint16_t)s->least_loaded &&
		    memcmp(tg->name, s->name, len) == 0) {
			t->target_refs[i]++;
			return (int)i;
		}
	}
	if (s->action != BL_ROUTE_PROCESS) {
		if (t->groups == NULL)
			return -ENOTSUP;
		g = bl_group_get(t->groups, s->name);
		if (g == NULL)
			return -errno;
	}
	if (t->n_targets < BL_ROUTE_TARGET_MAX) {
		free_slot = t->n_targets++;
	} else {
		for (i = 0; i < t->n_targets; i++) {
			if (t->target_refs[i] == 0) {
				free_slot = i;
				break;
			}
		}
		if (free_slot == UINT32_MAX)
			return -ENOSPC;
		bl__route_changed(t);
		synchronize_rcu(); /* readers may still hold verdicts naming the slot */
	}
	memset(&t->targets[free_slot], 0, sizeof(t->targets[free_slot]));
	t->targets[free_slot].kind = (uint16_t)s->action;
	t->targets[free_slot].name_len = (uint16_t)len;
	memcpy(t->targets[free_slot].name, s->name, len);
	t->targets[free_slot].group = g;
	t->targets[free_slot].least_loaded = s->least_loaded;
	t->target_refs[free_slot] = 1;
	return (int)free_slot;
}

/* Drop the hop or target reference of a route's value. */
static void val_put(struct bl_route_table *t, uint16_t v)
{
	struct bl_route r = bl_route_of_val(v);

	if (r.action == BL_ROUTE_FORWARD && t->hop_refs[r.hop] > 0)
		t->hop_refs[r.hop]--;
	else if (bl_route_action_is_target(r.action) && t->target_refs[r.hop] > 0)
		t->target_refs[r.hop]--;
}

void bl_route_table_set_groups(struct bl_route_table *t, struct bl_groups *gs)
{
	t->groups = gs;
}

int bl_route_hop_acquire(struct bl_route_table *t, const struct bl_route_hop_spec *spec)
{
	return hop_get(t, spec);
}

void bl_route_hop_release(struct bl_route_table *t, unsigned hop)
{
	if (hop < t->n_hops && t->hop_refs[hop] > 0)
		t->hop_refs[hop]--;
}

int bl_route_target_export(struct bl_route_table *t, const char *name)
{
	return bl_route_target_export_kind(t, BL_ROUTE_PROCESS, name);
}

int bl_route_target_export_kind(struct bl_route_table *t, enum bl_route_action kind,
				const char *name)
{
	struct bl_route_spec s;
	int idx;

	if (kind != BL_ROUTE_PROCESS && kind != BL_ROUTE_GROUP)
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	s.action = kind;
	if (strnlen(name, BL_ROUTE_NAME_MAX) >= BL_ROUTE_NAME_MAX)
		return -EINVAL;
	strcpy(s.name, name);
	idx = target_get(t, &s);
	if (idx < 0)
		return idx;
	if (t->exported[idx]) { /* already: one reference is enough */
		t->target_refs[idx]--;
		return idx;
	}
	__atomic_store_n(&t->exported[idx], 1, __ATOMIC_RELEASE);
	return idx;
}

void bl_route_target_unexport(struct bl_route_table *t, unsigned idx)
{
	if (idx >= t->n_targets || !t->exported[idx])
		return;
	__atomic_store_n(&t->exported[idx], 0, __ATOMIC_RELEASE);
	if (t->target_refs[idx] > 0)
		t->target_refs[idx]--;
}

/* The value for spec, with a reference on its hop or target. 0 or -errno. */
static int val_new(struct bl_route_table *t, const struct bl_route_spec *spec, uint16_t *v)
{
	int idx = 0;

	if ((unsigned)spec->action >= BL_ROUTE_ACTION_MAX)
		return -EINVAL;
	if (spec->action == BL_ROUTE_FORWARD)
		idx = hop_get(t, &spec->hop);
	else if (bl_route_action_is_target(spec->action))
		idx = target_get(t, spec);
	if (idx < 0)
		return idx;
	*v = bl_route_val(spec->action, (unsigned)idx);
	return 0;
}

int bl_route_reserve(struct bl_route_table *t, uint64_t n)
{
	uint64_t want = t->count + n;
	uint32_t order;

	if (want > t->max_routes)
		want = t->max_routes;
	order = order_for(want, t->min_order);
	if (order <= t->cur->order)
		return 0;
	return table_resize(t, order);
}

int bl_route_add(struct bl_route_table *t, uint64_t key, const struct bl_route_spec *spec)
{
	uint32_t hash = bl_route_hash(key);
	uint64_t bi;
	unsigned si;
	uint16_t v, old;
	int ret;

	if (rt_locate(t->cur, key, hash, &bi, &si)) {
		ret = val_new(t, spec, &v);
		if (ret != 0)
			return ret;
		old = (uint16_t)~t->cur->b[bi].val[si];
		if (v == old) {
			/* The same route again (a config reloaded, a feed that
			 * repeats itself): nothing for the lcores to learn. */
			val_put(t, v);
			return 1;
		}
		/* One 16-bit store: a reader sees the old value or the new. */
		__atomic_store_n(&t->cur->b[bi].val[si], (uint16_t)~v, __ATOMIC_RELEASE);
		key_changed(t, key);
		t->by_action[bl_route_of_val(old).action]--;
		t->by_action[spec->action]++;
		val_put(t, old);
		return 1;
	}
	if (t->count >= t->max_routes)
		return -ENOSPC;
	if (order_for(t->count + 1, t->min_order) > t->cur->order) {
		ret = table_resize(t, t->cur->order + 1);
		if (ret != 0)
			return ret;
	}
	ret = val_new(t, spec, &v);
	if (ret != 0)
		return ret;
	for (int tries = 0; !rt_insert(t->cur, key, hash, v, true); tries++) {
		/* A cluster ran off the tail: grow (a few times at most). */
		ret = tries < 3 ? table_resize(t, t->cur->order + 1) : -ENOSPC;
		if (ret != 0) {
			val_put(t, v);
			return ret;
		}
	}
	key_changed(t, key);
	t->count++;
	t->by_action[spec->action]++;
	return 0;
}

int bl_route_del(struct bl_route_table *t, uint64_t key)
{
	uint32_t hash = bl_route_hash(key);
	uint64_t bi;
	unsigned si;
	uint16_t v;

	if (!rt_locate(t->cur, key, hash, &bi, &si))
		return -ENOENT;
	v = (uint16_t)~t->cur->b[bi].val[si];
	rt_remove(t->cur, hash, bi, si);
	key_changed(t, key);
	t->count--;
	t->by_action[bl_route_of_val(v).action]--;
	val_put(t, v);
	/* Below 20% full: half the size (then 40% full), never under min. */
	if (t->cur->order > t->min_order && t->count * 5 < rt_home_slots(t->cur->order))
		(void)table_resize(t, t->cur->order - 1); /* -ENOMEM: stays bigger */
	return 0;
}

bool bl_route_has(struct bl_route_table *t, uint64_t key)
{
	uint64_t bi;
	unsigned si;

	return rt_locate(t->cur, key, bl_route_hash(key), &bi, &si);
}

int bl_route_set_default(struct bl_route_table *t, const struct bl_route_spec *spec)
{
	uint32_t old = t->dflt;
	uint16_t v;
	int ret = val_new(t, spec, &v);

	if (ret != 0)
		return ret;
	__atomic_store_n(&t->dflt, v, __ATOMIC_RELEASE);
	bl__route_changed(t);
	if (old != BL_ROUTE_VAL_NONE)
		val_put(t, (uint16_t)old);
	return 0;
}

int bl_route_del_default(struct bl_route_table *t)
{
	uint32_t old = t->dflt;

	if (old == BL_ROUTE_VAL_NONE)
		return -ENOENT;
	__atomic_store_n(&t->dflt, BL_ROUTE_VAL_NONE, __ATOMIC_RELEASE);
	bl__route_changed(t);
	val_put(t, (uint16_t)old);
	return 0;
}

bool bl_route_get_default(const struct bl_route_table *t, struct bl_route *out)
{
	if (t->dflt == BL_ROUTE_VAL_NONE)
		return false;
	*out = bl_route_of_val((uint16_t)t->dflt);
	return true;
}

void bl_route_describe(const struct bl_route_table *t, const struct bl_route *r,
		       struct bl_route_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->action = (enum bl_route_action)r->action;
	if (r->action == BL_ROUTE_FORWARD) {
		const struct bl_route_hop *h = &t->hops[r->hop];

		spec->hop.port = h->port;
		spec->hop.mac = h->dst_mac;
		spec->hop.ip = rte_be_to_cpu_32(h->dst_ip);
		spec->hop.udp = rte_be_to_cpu_16(h->dst_udp);
		spec->hop.v6 = h->v6;
		memcpy(spec->hop.ip6, h->dst_ip6, 16);
		spec->hop.vlan = h->vlan;
		spec->hop.vlan_outer = h->vlan_outer;
		spec->hop.resolve = h->resolve;
	} else if (bl_route_action_is_target(r->action)) {
		const struct bl_route_target *tg = &t->targets[r->hop];

		memcpy(spec->name, tg->name, tg->name_len);
		spec->name[tg->name_len] = '\0';
		spec->least_loaded = tg->least_loaded != 0;
	}
}

int bl_route_foreach(struct bl_route_table *t,
		     int (*fn)(void *arg, uint64_t key, const struct bl_route *r), void *arg)
{
	const struct bl_rt *rt = t->cur;
	uint64_t j;
	unsigned i;
	int ret;

	for (j = 0; j < rt->n_buckets; j++)
		for (i = 0; i < BL_RT_SLOTS; i++)
			if (rt->b[j].val[i] != 0) {
				struct bl_route r = bl_route_of_val((uint16_t)~rt->b[j].val[i]);

				ret = fn(arg, rt->b[j].key[i], &r);
				if (ret != 0)
					return ret;
			}
	return 0;
}

/* ---- listing in pages ----------------------------------------------------- */

struct page_item {
	uint32_t hash;
	uint64_t key;
	uint16_t v;
};

static int item_cmp(const void *a, const void *b)
{
	const struct page_item *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static bool after_cursor(const struct bl_route_cursor *c, uint32_t hash, uint64_t key)
{
	return !c->started || hash > c->hash || (hash == c->hash && key > c->key);
}

/*
 * Home buckets are hash order (a hash's top bits), and a key lives at its
 * home or after it. So scanning from the cursor's home bucket finds every
 * later route; once `max` are found, the scan ends at the first bucket
 * boundary no key probed past (overflow 0): every route whose home lies
 * before it has then been seen, and the smallest `max` of them are the page.
 */
size_t bl_route_page(struct bl_route_table *t, struct bl_route_cursor *cur,
		     struct bl_route_entry *out, size_t max, bool *more)
{
	const struct bl_rt *rt = t->cur;
	struct page_item *items = NULL, *grown;
	size_t n = 0, cap = 0, k;
	uint64_t j = cur->started ? cur->hash >> rt->shift : 0;
	unsigned i;

	*more = false;
	if (max == 0) {
		*more = t->count > 0;
		return 0;
	}
	for (; j < rt->n_buckets; j++) {
		const struct bl_rt_bucket *b = &rt->b[j];

		for (i = 0; i < BL_RT_SLOTS; i++) {
			uint32_t h;

			if (b->val[i] == 0)
				continue;
			h = bl_route_hash(b->key[i]);
			if (!after_cursor(cur, h, b->key[i]))
				continue;
			if (n == cap) {
				cap = cap == 0 ? max + BL_RT_SLOTS : cap * 2;
				grown = realloc(items, cap * sizeof(*items));
				if (grown == NULL)
					goto out; /* a shorter page: the cursor stays right */
				items = grown;
			}
			items[n].hash = h;
			items[n].key = b->key[i];
			items[n].v = (uint16_t)~b->val[i];
			n++;
		}
		if (n >= max && b->overflow == 0) {
			j++;
			break;
		}
	}
out:
	if (n > 1)
		qsort(items, n, sizeof(*items), item_cmp);
	k = n < max ? n : max;
	for (i = 0; i < k; i++) {
		out[i].key = items[i].key;
		out[i].r = bl_route_of_val(items[i].v);
	}
	if (k > 0) {
		cur->hash = items[k - 1].hash;
		cur->key = items[k - 1].key;
		cur->started = true;
	}
	*more = k < n || j < rt->n_buckets;
	free(items);
	return k;
}

uint64_t bl_route_mem_bytes(const struct bl_route_table *t)
{
	return sizeof(*t) + sizeof(*t->cur) + rt_bytes(t->cur->order);
}

uint64_t bl_route_slots(const struct bl_route_table *t)
{
	return t->cur->n_buckets * BL_RT_SLOTS;
}
