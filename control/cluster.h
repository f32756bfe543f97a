/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cluster membership and the etcd side of cluster routes: one thread of its
 * own (the cluster thread) talks to etcd, so no etcd call ever blocks the
 * control thread's socket service or a worker. It
 *  - registers this node under /beamline/<cluster>/members/<node>, bound to
 *    a lease it keeps alive (revoked at a clean stop);
 *  - reads the member list once a second (with each member's lease);
 *  - watches /beamline/<cluster>/routes/ from the last revision it has seen,
 *    after a full read at start and after a compaction;
 *  - performs the writes the control thread queues (route put / delete).
 * What it learns reaches the control thread as a queue of changes, taken
 * by bl_cluster_take on the control thread, which alone writes the route
 * table (control/cluster_cmds.h).
 *
 * If etcd goes away the node keeps forwarding on what it has, reports
 * "degraded" and tries again every half second; on return it resumes the
 * watch where it stopped (or resyncs whole if that revision is compacted).
 */
#ifndef BL_CLUSTER_H
#define BL_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_CLUSTER_NAME_MAX    63 /* cluster and node names, bytes */
#define BL_CLUSTER_TTL_DEFAULT 10 /* lease seconds */

struct bl_cluster_conf {
	const char *name;      /* --cluster */
	const char *node;      /* --node */
	const char *endpoints; /* --etcd http://HOST:PORT[,...] */
	unsigned int ttl_s;    /* --cluster-ttl, 2..3600 */
	char addr[64];	       /* data-plane address this node registers */
	uint16_t port;	       /* and its UDP port */
	uint16_t via_port;     /* --cluster-port: the port other nodes are reached on [0] */
};

enum bl_cluster_state {
	BL_CLUSTER_OFF,	     /* no --cluster */
	BL_CLUSTER_JOINING,  /* started, not registered yet */
	BL_CLUSTER_JOINED,   /* registered, watching */
	BL_CLUSTER_DEGRADED, /* etcd unreachable: forwarding on the last known state */
};

enum bl_cluster_change_kind {
	BL_CLUSTER_ROUTE_PUT,	 /* key, value: a cluster route written */
	BL_CLUSTER_ROUTE_DEL,	 /* key: a cluster route deleted */
	BL_CLUSTER_RESYNC_BEGIN, /* a full read follows: every route in etcd, then END */
	BL_CLUSTER_RESYNC_END,
};

/* One change, in etcd's order. key is the route key's text ("42", "default"). */
struct bl_cluster_change {
	struct bl_cluster_change *next;
	enum bl_cluster_change_kind kind;
	int64_t revision;
	char *key;
	char *value;
};

struct bl_cluster_counters {
	uint64_t joins;	       /* registrations (the first and after each outage) */
	uint64_t leases_kept;  /* rejoins that found their lease alive and kept it */
	uint64_t outages;      /* times etcd was lost */
	uint64_t compactions;  /* watch starts refused as compacted: full resync */
	uint64_t resyncs;      /* full reads of the routes */
	uint64_t events;       /* watch events taken */
	uint64_t writes;       /* route writes done */
	uint64_t write_errors; /* route writes that failed */
	int64_t revision;      /* the watch resumes after this revision */
};

struct bl_cluster;

/*
 * Check a configuration (names of 1..63 of [A-Za-z0-9._-], endpoints,
 * TTL). 0 or -EINVAL with a message.
 */
int bl_cluster_conf_check(const struct bl_cluster_conf *conf, char *err, size_t errlen);

/*
 * Start the cluster thread (conf is copied). NULL with errno and a message.
 * Control thread, once; it initialises libcurl for the process.
 */
struct bl_cluster *bl_cluster_start(const struct bl_cluster_conf *conf, char *err, size_t errlen);

/* Stop the thread (revoking the lease when etcd answers: the node leaves at once), free. */
void bl_cluster_stop(struct bl_cluster *cl);

/* Take every change queued so far, oldest first (the caller frees with _changes_free). */
struct bl_cluster_change *bl_cluster_take(struct bl_cluster *cl);
void bl_cluster_changes_free(struct bl_cluster_change *c);

/*
 * Queue a cluster route write for the cluster thread: value NULL deletes.
 * Returns 0, -EAGAIN when etcd is not reachable now (degraded: the write
 * would wait for an unknown time; while still joining, writes wait for the
 * join, so a configuration file's cluster routes are kept), -ENOBUFS when
 * too many writes wait already, -ENOMEM. Control thread; never blocks on
 * etcd.
 */
int bl_cluster_route_write(struct bl_cluster *cl, const char *key, const char *value);

/* The member list as JSON text (an array), copied; NULL before the first read. Caller frees. */
char *bl_cluster_members(struct bl_cluster *cl);

/*
 * This node's global name `name` (docs/cluster.md, "Global names"): value
 * is the JSON text etcd keeps under /beamline/<cluster>/names/<name>, with
 * this node's lease, so that it goes when the node does; NULL gives the
 * name up. The cluster thread puts it (again after each new lease). 0 or
 * -ENOMEM. Control thread.
 */
int bl_cluster_name_set(struct bl_cluster *cl, const char *name, const char *value);

/* Every global name of the cluster as JSON text (an array of the values,
 * each with "name" added), read once a second; NULL before the first read.
 * Caller frees. */
char *bl_cluster_names(struct bl_cluster *cl);

/* State, counters and the last error (errbuf, may be empty). Any thread. */
enum bl_cluster_state bl_cluster_state(struct bl_cluster *cl, struct bl_cluster_counters *c,
				       char *errbuf, size_t errlen);

const char *bl_cluster_state_name(enum bl_cluster_state s);
const struct bl_cluster_conf *bl_cluster_conf(const struct bl_cluster *cl);

#endif /* BL_CLUSTER_H */
