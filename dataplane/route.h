/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The route table: 64-bit message key -> next hop or drop, on liburcu QSBR.
 *
 * Readers are the worker lcores: lock-free, no read-side cost; each must be
 * RCU-registered and online while it holds a route pointer, and report a
 * quiescent state once per poll loop. The only writer is the control thread.
 *
 * Next hops are interned: every distinct (port, dst MAC, dst IPv4, dst UDP)
 * gets a small index, shared by all routes that go there. Lcores keep their
 * outgoing sequence numbers per hop index, so each receiver sees one gapless
 * stream per (lcore, hop). A hop's addresses never change while a route can
 * still reach it; an unused hop is reclaimed only after a grace period.
 */
#ifndef BL_ROUTE_H
#define BL_ROUTE_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>
#include <rte_ether.h>

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
	uint32_t ip;  /* host order */
	uint16_t udp; /* host order */
};

/* What a route says. */
struct bl_route_spec {
	enum bl_route_action action;
	struct bl_route_hop_spec hop; /* when action == BL_ROUTE_FORWARD */
	char name[BL_ROUTE_NAME_MAX]; /* process, group or pool name */
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
	uint32_t refs;		/* routes using it; control thread only */
	struct bl_group *group; /* group and pool kinds */
	char name[BL_ROUTE_NAME_MAX];
};

/* An interned next hop, as lcores read it (network order, ready to write). */
struct bl_route_hop {
	struct rte_ether_addr dst_mac;
	uint16_t port;
	uint32_t dst_ip;  /* network order */
	uint16_t dst_udp; /* network order */
	uint32_t refs;	  /* routes using it; control thread only */
};

/* One entry. Immutable once published; replaced whole, freed by call_rcu. */
struct bl_route {
	struct cds_lfht_node node;
	uint64_t key;
	uint16_t action; /* enum bl_route_action */
	uint16_t hop;	 /* index into hops (forward) or targets (process kinds) */
	struct rcu_head rcu;
};

struct bl_route_table {
	struct cds_lfht *ht;
	struct bl_route *dflt; /* RCU pointer; NULL: unrouted keys are dropped */
	struct bl_route_hop hops[BL_ROUTE_HOP_MAX];
	uint32_t n_hops; /* high-water mark of hops[] in use */
	struct bl_route_target targets[BL_ROUTE_TARGET_MAX];
	uint32_t n_targets;	  /* high-water mark of targets[] in use */
	struct bl_groups *groups; /* where group and pool targets find their group */
	uint64_t count;		  /* routes in ht; control thread only */
	uint64_t max_routes;
	/*
	 * Bumped (release) after every change is published and before anything
	 * it unpublished is handed to call_rcu. Lcores cache lookup results
	 * tagged with it (dataplane/lcore.h); a cached route stays valid until
	 * the lcore's next quiescent state, because nothing it names is freed
	 * before then.
	 */
	uint64_t gen;
};

/* Mix a key into a hash: consecutive keys must spread over the buckets. */
static inline unsigned long bl_route_hash(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ULL;
	key ^= key >> 33;
	return (unsigned long)key;
}

static inline int bl__route_match(struct cds_lfht_node *node, const void *key)
{
	const struct bl_route *r = caa_container_of(node, struct bl_route, node);

	return r->key == *(const uint64_t *)key;
}

/*
 * Look a key up: its route, else the default route, else NULL (no route).
 * Lcores and the control thread; the caller must be RCU-online and may use
 * the result only until its next quiescent state.
 */
static inline const struct bl_route *bl_route_lookup(struct bl_route_table *t, uint64_t key)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(t->ht, bl_route_hash(key), bl__route_match, &key, &it);
	node = cds_lfht_iter_get_node(&it);
	if (node != NULL)
		return caa_container_of(node, struct bl_route, node);
	return rcu_dereference(t->dflt);
}

/* The hop of a forwarding route. Same rules as bl_route_lookup. */
static inline const struct bl_route_hop *bl_route_hop_get(const struct bl_route_table *t,
							  const struct bl_route *r)
{
	return &t->hops[r->hop];
}

/*
 * Create an empty table holding at most max_routes routes. Control thread,
 * RCU-registered. NULL + errno on failure.
 *
 * The writers below (add, set_default, del, del_default, foreach) run on the
 * control thread while it is RCU-online; they never wait for readers except
 * when a hop slot must be recycled (synchronize_rcu, rare).
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
 * Remove every route, wait for readers, free it all. Control thread,
 * RCU-registered and offline; no lcore may still use the table.
 */
void bl_route_table_destroy(struct bl_route_table *t);

/*
 * Add or replace the route for key. Control thread only; the old entry is
 * freed through call_rcu. Returns 0 (added), 1 (replaced), -ENOSPC (table
 * full, or no free hop), -EINVAL (bad spec).
 */
int bl_route_add(struct bl_route_table *t, uint64_t key, const struct bl_route_spec *spec);

/* Set (or replace) the default route. Control thread only. 0 or -errno. */
int bl_route_set_default(struct bl_route_table *t, const struct bl_route_spec *spec);

/* Delete the route for key. Control thread only. 0, or -ENOENT. */
int bl_route_del(struct bl_route_table *t, uint64_t key);

/* Delete the default route. Control thread only. 0, or -ENOENT. */
int bl_route_del_default(struct bl_route_table *t);

/* Fill *spec from a route entry (for listing). Control thread. */
void bl_route_describe(const struct bl_route_table *t, const struct bl_route *r,
		       struct bl_route_spec *spec);

/*
 * Call fn for each route (not the default) until fn returns non-zero; returns
 * that value or 0. Control thread, RCU-online. Entries seen are stable for the
 * duration of the call.
 */
int bl_route_foreach(struct bl_route_table *t,
		     int (*fn)(void *arg, uint64_t key, const struct bl_route *r), void *arg);

#endif /* BL_ROUTE_H */
