/* SPDX-License-Identifier: BSD-3-Clause */
/* The cluster thread's state, shared by cluster.c and cluster_names.c. */
#ifndef BL_CLUSTER_PVT_H
#define BL_CLUSTER_PVT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <jansson.h>

#include "control/cluster.h"
#include "control/etcd.h"

struct queue {
	struct bl_cluster_change *head, *tail;
	size_t n;
};

struct bl_cluster {
	struct bl_cluster_conf conf;
	char name[BL_CLUSTER_NAME_MAX + 1], node[BL_CLUSTER_NAME_MAX + 1];
	char *endpoints;
	char *routes_prefix;  /* /beamline/<cluster>/routes/ */
	char *members_prefix; /* /beamline/<cluster>/members/ */
	char *member_key;     /* members_prefix + node */
	char *names_prefix;   /* /beamline/<cluster>/names/ */
	struct bl_etcd *etcd;
	pthread_t thread;
	atomic_bool stop;

	/* Cluster thread only. */
	int64_t lease;
	bool need_full_read;
	double next_keepalive, next_members;
	json_t *names_put; /* this node's global names as etcd has them, under `lease` */

	pthread_mutex_t lock; /* guards what follows */
	struct queue changes, writes;
	char *members;
	json_t *names_want; /* this node's global names: name -> value text */
	bool names_dirty;   /* names_want changed, or a new lease: put them again */
	char *names;	    /* every global name of the cluster, JSON text (an array) */
	enum bl_cluster_state state;
	struct bl_cluster_counters cnt;
	char last_error[256];
};

/* An etcd call that takes its body (NULL: out of memory); *reply is the caller's. */
int bl__cluster_call(struct bl_cluster *cl, const char *path, json_t *body, json_t **reply,
		     char *err, size_t errlen);
/* The same when the reply is not needed. */
int bl__cluster_call_drop(struct bl_cluster *cl, const char *path, json_t *body, char *err,
			  size_t errlen);

/* What bl__cluster_read_list hands each key's callback: append to arr. */
struct bl__list_ctx {
	struct bl_cluster *cl;
	json_t *arr;
	char *err;
	size_t errlen;
};

/* Read every key under prefix (fn: a struct bl__list_ctx, appending what
 * it makes of each key to arr); the array's JSON text then replaces *slot,
 * under the lock. Cluster thread. 0 or -errno. */
int bl__cluster_read_list(struct bl_cluster *cl, const char *prefix, bl_etcd_kv_fn fn, char **slot,
			  char *err, size_t errlen);

/* Put this node's global names etcd lacks, under the lease; delete those
 * given up (control/cluster_names.c). Cluster thread, joined. 0 or -errno. */
int bl__cluster_names_sync(struct bl_cluster *cl, char *err, size_t errlen);
/* Read every global name of the cluster into cl->names. Cluster thread. */
int bl__cluster_names_read(struct bl_cluster *cl, char *err, size_t errlen);

#endif /* BL_CLUSTER_PVT_H */
