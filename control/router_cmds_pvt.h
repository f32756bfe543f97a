/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the router commands' files (router_cmds.c, route_cmds.c) share and
 * nobody else may use. Control thread.
 */
#ifndef BL_ROUTER_CMDS_PVT_H
#define BL_ROUTER_CMDS_PVT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "control/ctl.h"
#include "control/router_cmds.h"

/* o[k] = v as a JSON integer (counters stay below 2^63). */
static inline int bl__set_u64(json_t *o, const char *k, uint64_t v)
{
	return json_object_set_new(o, k, json_integer((json_int_t)v));
}

/* Register route.add, route.del, route.batch, route.list, route.count (route_cmds.c). */
int bl__route_cmds_register(struct bl_ctl *c, struct bl_router_cmds *rc);

/* Register neigh.list (neigh_cmds.c). */
int bl__neigh_cmds_register(struct bl_ctl *c, struct bl_router_cmds *rc);

/*
 * One cluster route into the table, checked as a local one is (its port
 * exists, the table has room): 0 or -errno with a message. Its removal,
 * and whether the table has a route at a key. RCU-online, control thread
 * (control/cluster_cmds.c applies etcd's routes with them).
 */
int bl__route_apply_one(struct bl_router *r, const struct bl_cmd_route *cr, char *errmsg,
			size_t errlen);
int bl__route_remove_one(struct bl_router *r, const struct bl_cmd_key *key);
bool bl__route_present(struct bl_router *r, const struct bl_cmd_key *key);

#endif /* BL_ROUTER_CMDS_PVT_H */
