/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process groups: named sets of pids, for pub/sub fan-out (a route of kind
 * group gives every member the message) and pools (a route of kind pool
 * gives one member, chosen by a hash of the source).
 *
 * A group's member list is an immutable array behind an RCU pointer: lcores
 * read it per message without locks (QSBR: between two quiescent states);
 * the control thread, the only writer, publishes a new array on every join
 * or leave and frees the old one with call_rcu. Groups are created on first
 * use (a join, or a route naming them) and live until the table is
 * destroyed, so a route can hold a group pointer without reference games.
 * Bounded: at most max_groups groups, max_members members each; names are
 * registry names (printable, < BL_NAME_MAX bytes) from configuration and
 * control commands, never from packet bytes.
 */
#ifndef BL_ACTORS_GROUP_H
#define BL_ACTORS_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "actors/registry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A published member list. Immutable once published. */
struct bl_members {
	struct rcu_head rcu;
	uint32_t n;
	uint32_t pad;
	uint64_t pid[];
};

struct bl_group {
	struct cds_lfht_node node;
	struct bl_members *members; /* RCU pointer; NULL: empty */
	uint64_t joins;		    /* control thread only */
	uint64_t leaves;	    /* control thread only (explicit and swept) */
	char name[BL_NAME_MAX];
};

struct bl_groups;
struct bl_sched_set;

/* Create a table of at most max_groups groups of at most max_members each.
 * Control thread. NULL + errno (EINVAL, ENOMEM). */
struct bl_groups *bl_groups_create(uint32_t max_groups, uint32_t max_members);

/* Free everything after a grace period. Control thread, RCU-registered and
 * offline (it waits for readers); no lcore may use the table after. */
void bl_groups_destroy(struct bl_groups *gs);

/*
 * The group called name, created empty when missing. Control thread,
 * RCU-online. NULL + errno (EINVAL: bad name; ENOSPC: table full; ENOMEM).
 */
struct bl_group *bl_group_get(struct bl_groups *gs, const char *name);

/* The group called name, or NULL. Control thread, RCU-online. */
struct bl_group *bl_group_find(struct bl_groups *gs, const char *name);

/*
 * Add pid to group name (created if needed). Control thread, RCU-online.
 * 0, -EEXIST (already a member), -ENOSPC (group or table full), -EINVAL.
 */
int bl_group_join(struct bl_groups *gs, const char *name, uint64_t pid);

/* Remove pid from group name. Control thread, RCU-online. 0 or -ENOENT. */
int bl_group_leave(struct bl_groups *gs, const char *name, uint64_t pid);

/*
 * Remove from every group the members that are no longer alive (the
 * scheduler of their lcore says the slot is free or reused), the way pg
 * forgets dead members. Control thread, RCU-online. Returns how many went.
 */
unsigned bl_groups_sweep(struct bl_groups *gs, const struct bl_sched_set *set);

/* Call fn per group until it returns non-zero. Control thread, RCU-online. */
int bl_groups_foreach(struct bl_groups *gs, int (*fn)(void *arg, const struct bl_group *g),
		      void *arg);

/* Groups in the table. Any thread (racy). */
uint32_t bl_groups_count(const struct bl_groups *gs);

/* The member list to read now (may be NULL). Lcores (RCU-online) and the control thread. */
static inline const struct bl_members *bl_group_members(const struct bl_group *g)
{
	return rcu_dereference(g->members);
}

/*
 * Whether pid names a live process, read racily from its lcore's process
 * table (a process exiting right now may still read as alive). Any thread.
 */
int bl_pid_alive(const struct bl_sched_set *set, uint64_t pid);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_GROUP_H */
