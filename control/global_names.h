/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Global names (docs/cluster.md, "Global names"): the control thread's
 * side. A process registered here under NAME can be registered cluster-wide
 * (`global register NAME`): its process target is exported (a named message
 * from another node with its index reaches it, dataplane/classify.h) and
 * etcd gets NAME -> this node, its address and the index, under this
 * node's lease. Every other node starts a `remote` process (actors/remote.c)
 * registered locally under NAME, so routes and processes there reach NAME
 * as a local process; when NAME leaves etcd (given up, or its node's lease
 * expired) that stand-in is stopped and NAME is counted no_process there.
 * A group spans nodes the same way (`global group G`): each node that takes
 * part exports its group G and puts "G@node" in etcd; every other node that
 * takes part adds one stand-in for that node to its own G, which sends a
 * copy there and never sends on one that came from another node.
 * Control thread only.
 */
#ifndef BL_GLOBAL_NAMES_H
#define BL_GLOBAL_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "actors/name.h"
#include "control/cluster_cmds.h"
#include "control/ctl.h"

#define BL_GLOBAL_NAMES_MAX 1024u /* global names a node knows (its own and others') */

struct bl_gname {
	char name[BL_NAME_MAX];
	bool local;		 /* this node's: exported */
	uint16_t index;		 /* local: the target's index; remote: the index there */
	uint16_t reply;		 /* remote: the stand-in's own index here, for answers */
	uint64_t pid;		 /* local: the process now; remote: the stand-in's */
	char node[64], addr[64]; /* remote: where it lives */
	uint16_t udp;
	bool seen;		 /* remote: in the last list read */
	char group[BL_NAME_MAX]; /* a group's stand-in for node `node`: the group it joins */
};

#define BL_GLOBAL_GROUPS_MAX 64u /* groups this node spans across the cluster */

struct bl_ggroup {
	char name[BL_NAME_MAX];
	uint16_t index; /* its exported group target */
};

struct bl_global_names {
	struct bl_ctl *ctl;
	struct bl_router *r;
	struct bl_cluster_cmds *cc;
	uint16_t port; /* the port other nodes are reached on */
	struct bl_gname v[BL_GLOBAL_NAMES_MAX];
	unsigned n;
	struct bl_ggroup grp[BL_GLOBAL_GROUPS_MAX];
	unsigned n_grp;
	double next_tick;
	uint64_t started, stopped, conflicts, lost; /* stand-ins; names taken here; exports gone */
	char last_conflict[160];
};

/* Register global.register, global.unregister and global.list. 0 or -errno. */
int bl_global_names_register(struct bl_ctl *c, struct bl_global_names *g, struct bl_router *r,
			     struct bl_cluster_cmds *cc, uint16_t port);

/* Once a second: follow the cluster's names (stand-ins started and
 * stopped) and drop exports whose local name has gone. RCU-offline caller. */
void bl_global_names_tick(struct bl_global_names *g);

#endif /* BL_GLOBAL_NAMES_H */
