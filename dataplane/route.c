/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route table: design note.
 *
 * - Storage: a cds_lfht (liburcu's resizable RCU hash table) keyed by the
 *   64-bit message key. It gives lock-free lookups that never wait for the
 *   writer, and add/replace/delete that publish with the barriers readers
 *   pair with (cds_lfht_lookup's rcu_dereference). We use it rather than
 *   rte_hash because rte_hash's lock-free mode still needs the writer to
 *   defer reuse of key slots by hand, while cds_lfht + call_rcu does exactly
 *   the deferred free this table needs.
 * - One writer: the control thread. So `count`, hop reference counts and the
 *   hop array's free slots need no atomics; readers never look at them.
 * - An entry is immutable after publication: a change is a new entry
 *   swapped in with cds_lfht_add_replace, the old one freed by call_rcu once
 *   every lcore has passed a quiescent state.
 * - Hops: the addresses of a hop are written before the first route that
 *   uses it is published (the publish is the release), and are not changed
 *   while any route, published or still visible to a reader, can reach it.
 *   A hop whose last route went away is reused only after synchronize_rcu.
 * - Bounded: max_routes entries, BL_ROUTE_HOP_MAX hops; past either, -ENOSPC.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "actors/group.h"
#include "dataplane/route.h"

const char *const bl_route_action_names[BL_ROUTE_ACTION_MAX] = {
	"drop", "forward", "process", "group", "pool",
};

static void route_free_cb(struct rcu_head *head)
{
	free(caa_container_of(head, struct bl_route, rcu));
}

/* After a change is published, before anything it unpublished is freed. */
static void bl__route_changed(struct bl_route_table *t)
{
	/* Pairs with the acquire load of gen in bl_lcore_rx_burst(). */
	__atomic_store_n(&t->gen, t->gen + 1, __ATOMIC_RELEASE);
}

struct bl_route_table *bl_route_table_create(uint64_t max_routes)
{
	struct bl_route_table *t;

	if (max_routes == 0) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->ht = cds_lfht_new(1024, 1024, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
	if (t->ht == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->max_routes = max_routes;
	return t;
}

static int hop_same(const struct bl_route_hop *h, const struct bl_route_hop_spec *s)
{
	return h->port == s->port && rte_is_same_ether_addr(&h->dst_mac, &s->mac) &&
	       h->dst_ip == rte_cpu_to_be_32(s->ip) && h->dst_udp == rte_cpu_to_be_16(s->udp);
}

/* Find or make the hop for spec; takes a reference. Control thread. */
static int hop_get(struct bl_route_table *t, const struct bl_route_hop_spec *s)
{
	uint32_t i, free_slot = UINT32_MAX;

	for (i = 0; i < t->n_hops; i++) {
		if (t->hops[i].refs > 0 && hop_same(&t->hops[i], s)) {
			t->hops[i].refs++;
			return (int)i;
		}
	}
	if (t->n_hops < BL_ROUTE_HOP_MAX) {
		free_slot = t->n_hops++;
	} else {
		for (i = 0; i < t->n_hops; i++) {
			if (t->hops[i].refs == 0) {
				free_slot = i;
				break;
			}
		}
		if (free_slot == UINT32_MAX)
			return -ENOSPC;
		/* Readers may still hold routes that point at the unused slot. */
		synchronize_rcu();
	}
	t->hops[free_slot].port = s->port;
	t->hops[free_slot].dst_mac = s->mac;
	t->hops[free_slot].dst_ip = rte_cpu_to_be_32(s->ip);
	t->hops[free_slot].dst_udp = rte_cpu_to_be_16(s->udp);
	t->hops[free_slot].refs = 1;
	return (int)free_slot;
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

		if (tg->refs > 0 && tg->kind == s->action && tg->name_len == len &&
		    memcmp(tg->name, s->name, len) == 0) {
			tg->refs++;
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
			if (t->targets[i].refs == 0) {
				free_slot = i;
				break;
			}
		}
		if (free_slot == UINT32_MAX)
			return -ENOSPC;
		synchronize_rcu(); /* readers may still hold routes naming the slot */
	}
	memset(&t->targets[free_slot], 0, sizeof(t->targets[free_slot]));
	t->targets[free_slot].kind = (uint16_t)s->action;
	t->targets[free_slot].name_len = (uint16_t)len;
	memcpy(t->targets[free_slot].name, s->name, len);
	t->targets[free_slot].group = g;
	t->targets[free_slot].refs = 1;
	return (int)free_slot;
}

static void hop_put(struct bl_route_table *t, const struct bl_route *r)
{
	if (r->action == BL_ROUTE_FORWARD && t->hops[r->hop].refs > 0)
		t->hops[r->hop].refs--;
	else if (bl_route_action_is_target(r->action) && t->targets[r->hop].refs > 0)
		t->targets[r->hop].refs--;
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
	if (hop < t->n_hops && t->hops[hop].refs > 0)
		t->hops[hop].refs--;
}

static struct bl_route *route_new(struct bl_route_table *t, uint64_t key,
				  const struct bl_route_spec *spec, int *err)
{
	struct bl_route *r;
	int hop = 0;

	if ((unsigned)spec->action >= BL_ROUTE_ACTION_MAX) {
		*err = -EINVAL;
		return NULL;
	}
	if (spec->action == BL_ROUTE_FORWARD)
		hop = hop_get(t, &spec->hop);
	else if (bl_route_action_is_target(spec->action))
		hop = target_get(t, spec);
	if (hop < 0) {
		*err = hop;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		if (spec->action == BL_ROUTE_FORWARD)
			t->hops[hop].refs--;
		else if (bl_route_action_is_target(spec->action))
			t->targets[hop].refs--;
		*err = -ENOMEM;
		return NULL;
	}
	cds_lfht_node_init(&r->node);
	r->key = key;
	r->action = (uint16_t)spec->action;
	r->hop = (uint16_t)hop;
	return r;
}

int bl_route_add(struct bl_route_table *t, uint64_t key, const struct bl_route_spec *spec)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *old;
	struct bl_route *r;
	int err = 0;

	/* Is it a replace? Only then may a full table take it. */
	cds_lfht_lookup(t->ht, bl_route_hash(key), bl__route_match, &key, &it);
	if (cds_lfht_iter_get_node(&it) == NULL && t->count >= t->max_routes)
		return -ENOSPC;

	r = route_new(t, key, spec, &err);
	if (r == NULL)
		return err;
	/* Pairs with the rcu_dereference inside readers' cds_lfht_lookup. */
	old = cds_lfht_add_replace(t->ht, bl_route_hash(key), bl__route_match, &key, &r->node);
	bl__route_changed(t);
	if (old == NULL) {
		t->count++;
		return 0;
	}
	{
		struct bl_route *o = caa_container_of(old, struct bl_route, node);

		hop_put(t, o);
		call_rcu(&o->rcu, route_free_cb);
	}
	return 1;
}

int bl_route_set_default(struct bl_route_table *t, const struct bl_route_spec *spec)
{
	struct bl_route *r, *old;
	int err = 0;

	r = route_new(t, 0, spec, &err);
	if (r == NULL)
		return err;
	old = rcu_xchg_pointer(&t->dflt, r);
	bl__route_changed(t);
	if (old != NULL) {
		hop_put(t, old);
		call_rcu(&old->rcu, route_free_cb);
	}
	return 0;
}

int bl_route_del(struct bl_route_table *t, uint64_t key)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	struct bl_route *r;

	cds_lfht_lookup(t->ht, bl_route_hash(key), bl__route_match, &key, &it);
	node = cds_lfht_iter_get_node(&it);
	if (node == NULL || cds_lfht_del(t->ht, node) != 0)
		return -ENOENT;
	r = caa_container_of(node, struct bl_route, node);
	bl__route_changed(t);
	t->count--;
	hop_put(t, r);
	call_rcu(&r->rcu, route_free_cb);
	return 0;
}

int bl_route_del_default(struct bl_route_table *t)
{
	struct bl_route *old = rcu_xchg_pointer(&t->dflt, NULL);

	if (old == NULL)
		return -ENOENT;
	bl__route_changed(t);
	hop_put(t, old);
	call_rcu(&old->rcu, route_free_cb);
	return 0;
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
	} else if (bl_route_action_is_target(r->action)) {
		const struct bl_route_target *tg = &t->targets[r->hop];

		memcpy(spec->name, tg->name, tg->name_len);
		spec->name[tg->name_len] = '\0';
	}
}

int bl_route_foreach(struct bl_route_table *t,
		     int (*fn)(void *arg, uint64_t key, const struct bl_route *r), void *arg)
{
	struct cds_lfht_iter it;
	struct bl_route *r;
	int ret;

	cds_lfht_for_each_entry (t->ht, &it, r, node) {
		ret = fn(arg, r->key, r);
		if (ret != 0)
			return ret;
	}
	return 0;
}

void bl_route_table_destroy(struct bl_route_table *t)
{
	struct cds_lfht_iter it;
	struct bl_route *r;

	if (t == NULL)
		return;
	rcu_thread_online();
	cds_lfht_for_each_entry (t->ht, &it, r, node) {
		if (cds_lfht_del(t->ht, &r->node) == 0)
			call_rcu(&r->rcu, route_free_cb);
	}
	if (t->dflt != NULL)
		call_rcu(&t->dflt->rcu, route_free_cb);
	rcu_thread_offline();
	/* Wait for the frees queued above before the table goes. */
	rcu_barrier();
	cds_lfht_destroy(t->ht, NULL);
	free(t);
}
