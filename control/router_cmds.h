/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's control commands over the router: status, stats and the
 * route.* family. They run on the control thread; each handler goes
 * RCU-online for its own duration (the thread is offline while it waits on
 * the socket, so it never holds back a grace period while idle).
 */
#ifndef BL_ROUTER_CMDS_H
#define BL_ROUTER_CMDS_H

#include <jansson.h>

#include "control/cmd_route.h"
#include "control/ctl.h"
#include "control/route_origin.h"
#include "dataplane/router.h"

/*
 * Where cluster routes go (control/cluster_cmds.h fills these in; all NULL
 * without --cluster): write queues route r at key for etcd (r NULL: delete),
 * never blocking; status adds the cluster's state to a status reply.
 */
struct bl_router_cluster_hooks {
	int (*write)(void *arg, const struct bl_cmd_key *key, const struct bl_cmd_route *r,
		     char *errmsg, size_t errlen);
	void (*status)(void *arg, json_t *reply);
	void *arg;
};

struct bl_router_cmds {
	struct bl_router *r;
	const char *socket_path;
	const char *version;
	uint64_t start_ns; /* CLOCK_MONOTONIC at start */
	struct bl_ctl
	    *ctl; /* the server the commands are registered on (status shows its counters) */
	struct bl_route_origin *origin; /* cluster routes' bookkeeping; NULL: every route local */
	struct bl_router_cluster_hooks cluster;
};

/* Register every router command on c. Control thread. 0 or -errno. */
int bl_router_cmds_register(struct bl_ctl *c, struct bl_router_cmds *rc);

/* Fill `reply` with the stats object (also used by the periodic stats line). */
int bl_router_cmds_stats(struct bl_router_cmds *rc, json_t *reply);

#endif /* BL_ROUTER_CMDS_H */
