/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A cluster route as etcd holds it: the key /beamline/<cluster>/routes/<KEY>
 * (KEY as `route add` takes it: decimal, or "default") and the value
 *   {"route":{...the route object of route.add...},"written_ns":N,"by":"NODE"}
 * written_ns (CLOCK_REALTIME when written) lets each node measure how long
 * a write took to reach it; by names the node that wrote it. The route
 * object is read back with the same validator as route.add, so a value
 * written by hand into etcd is checked like a CLI request. No DPDK, any
 * thread.
 */
#ifndef BL_CLUSTER_ROUTE_JSON_H
#define BL_CLUSTER_ROUTE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "control/cmd_route.h"

/* The value for route r. A new string (caller frees) or NULL for lack of memory. */
char *bl_cluster_route_value(const struct bl_cmd_route *r, uint64_t written_ns, const char *by);

/*
 * Read a value back for key text `key` (the route's own key must be the
 * same). 0, or -EINVAL with a message. *written_ns is 0 when absent.
 */
int bl_cluster_route_parse(const char *key, const char *value, struct bl_cmd_route *r,
			   uint64_t *written_ns, char *err, size_t errlen);

#endif /* BL_CLUSTER_ROUTE_JSON_H */
