/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the router commands' files (router_cmds.c, route_cmds.c) share and
 * nobody else may use. Control thread.
 */
#ifndef BL_ROUTER_CMDS_PVT_H
#define BL_ROUTER_CMDS_PVT_H

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

#endif /* BL_ROUTER_CMDS_PVT_H */
