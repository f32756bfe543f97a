/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's side of the cluster: it takes the changes the
 * cluster thread (control/cluster.h) queued and applies them to the route
 * table through the route-origin bookkeeping (control/route_origin.h), so
 * local routes win; it serves `cluster.members`, adds the cluster's state to
 * `status`, and hands `route add|del ... --cluster` to the cluster thread.
 * Control thread only.
 */
#ifndef BL_CLUSTER_CMDS_H
#define BL_CLUSTER_CMDS_H

#include <stdint.h>

#include "control/cluster.h"
#include "control/cluster_route_json.h"
#include "control/ctl.h"
#include "control/route_origin.h"
#include "control/router_cmds.h"

#define BL_CLUSTER_LAT_SAMPLES 1024 /* apply delays kept for cluster.members */

struct bl_cluster_cmds {
	struct bl_router_cmds *rc;
	struct bl_cluster *cl;
	struct bl_route_origin *origin;
	uint64_t applied, rejected, bad_values; /* changes taken, by outcome */
	/* Write-to-apply delays (ns) of the last routes written with a stamp. */
	uint64_t lat[BL_CLUSTER_LAT_SAMPLES];
	uint64_t lat_n;
	char last_reject[256];
};

/*
 * One of the daemon's options: "cluster", "node", "etcd", "cluster-ttl",
 * "cluster-addr" (A.B.C.D or A.B.C.D:PORT) with its value, into conf.
 * 0 or -EINVAL with a message.
 */
int bl_cluster_cmds_opt(struct bl_cluster_conf *conf, const char *opt, const char *arg, char *err,
			size_t errlen);

/*
 * Start the cluster and hook it into rc (route origins, cluster writes,
 * status). A conf without an address registers port 0's address and the
 * wire-format UDP port of r; a TTL of 0 is BL_CLUSTER_TTL_DEFAULT. 0 or
 * -errno with a message.
 */
int bl_cluster_cmds_start(struct bl_cluster_cmds *cc, struct bl_router_cmds *rc,
			  struct bl_router *r, struct bl_cluster_conf *conf, char *err,
			  size_t errlen);

/* Register cluster.members (with or without a cluster: without, it says so). */
int bl_cluster_cmds_register(struct bl_ctl *c, struct bl_cluster_cmds *cc);

/* Apply what the cluster thread queued. Returns the changes taken. RCU-offline caller. */
unsigned int bl_cluster_cmds_tick(struct bl_cluster_cmds *cc);

/* Stop the cluster thread and unhook; a no-op without a cluster. */
void bl_cluster_cmds_stop(struct bl_cluster_cmds *cc);

#endif /* BL_CLUSTER_CMDS_H */
