/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where each route came from: the control thread's bookkeeping of cluster
 * routes (from etcd) beside local ones (CLI, config), so that local routes
 * win. Never on the packet path: the route table holds one route per key and
 * the workers never know its origin.
 *
 * Every key without an entry here is local. A cluster route has an entry in
 * one of three states:
 *   APPLIED  it is the route in the table;
 *   HELD     a local route is in the table at its key; it waits, and is
 *            applied when that local route is deleted;
 *   REJECTED this node cannot apply it (a port it does not have, a full
 *            table); tried again when it changes.
 * The table is written only through the callbacks, so the module is pure
 * and tested on its own (tests/control/test_route_origin.c).
 *
 * A full resync (after an etcd compaction) is resync_begin, cluster_put for
 * every cluster route read, resync_end: entries not put meanwhile are gone
 * from etcd and are removed (from the table too when APPLIED).
 *
 * Control thread only; the callbacks run inside these calls.
 */
#ifndef BL_ROUTE_ORIGIN_H
#define BL_ROUTE_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/cmd_route.h"

enum bl_route_origin_state { BL_ORIGIN_APPLIED, BL_ORIGIN_HELD, BL_ORIGIN_REJECTED };

struct bl_route_origin_ops {
	/* Write r into the table (add or replace). 0 or -errno (then REJECTED). */
	int (*apply)(void *arg, const struct bl_cmd_route *r);
	/* Remove the route at key from the table. 0 or -errno. */
	int (*remove)(void *arg, const struct bl_cmd_key *key);
	/* Whether the table has a route at key. */
	bool (*present)(void *arg, const struct bl_cmd_key *key);
};

struct bl_route_origin_stats {
	uint64_t applied, held, rejected; /* entries in each state now */
	uint64_t puts, dels, resyncs;	  /* cluster changes taken */
	uint64_t stale_removed;		  /* entries a resync found gone from etcd */
};

struct bl_route_origin;

/* NULL with errno ENOMEM. ops is copied; arg is passed to the callbacks. */
struct bl_route_origin *bl_route_origin_create(const struct bl_route_origin_ops *ops, void *arg);
void bl_route_origin_destroy(struct bl_route_origin *o);

/* A cluster route arrived (new or changed). Returns the state it is now in. */
enum bl_route_origin_state bl_route_origin_cluster_put(struct bl_route_origin *o,
						       const struct bl_cmd_route *r);

/* The cluster route at key was deleted in etcd. 0, or -ENOENT if none. */
int bl_route_origin_cluster_del(struct bl_route_origin *o, const struct bl_cmd_key *key);

/* A local route was written at key (already in the table): a cluster route there is held. */
void bl_route_origin_local_added(struct bl_route_origin *o, const struct bl_cmd_key *key);

/*
 * The local route at key was deleted from the table: a held cluster route
 * there is applied. Returns true when it was.
 */
bool bl_route_origin_local_deleted(struct bl_route_origin *o, const struct bl_cmd_key *key);

/* Whether the route in the table at key is the cluster's (APPLIED). NULL o: false. */
bool bl_route_origin_is_cluster(const struct bl_route_origin *o, const struct bl_cmd_key *key);

/* The state of the cluster route at key: 0, or -ENOENT when there is none. */
int bl_route_origin_state(const struct bl_route_origin *o, const struct bl_cmd_key *key,
			  enum bl_route_origin_state *st);

void bl_route_origin_resync_begin(struct bl_route_origin *o);
/* Returns the number of stale entries removed. */
size_t bl_route_origin_resync_end(struct bl_route_origin *o);

void bl_route_origin_stats(const struct bl_route_origin *o, struct bl_route_origin_stats *st);

#endif /* BL_ROUTE_ORIGIN_H */
