/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spawn: design note.
 *
 * A spawn of N processes is one function run on the chosen lcore, so they
 * start between two turns of its scheduler; registering the name and
 * joining the group follow on the control thread. It is all or nothing:
 * when any step fails, whatever started is killed again and the reply says
 * how far it got. A behaviour's "args" are read against its schema into
 * the blob its init reads (bl_spawn_args), for spawn and for supervised
 * children alike, for every behaviour of the catalog: the schema is the
 * only grammar a behaviour's arguments have.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "actors/behaviours.h"
#include "actors/catalog.h"
#include "actors/group.h"
#include "actors/info.h"
#include "actors/registry.h"
#include "actors/sched.h"
#include "actors/sup.h"
#include "control/args.h"
#include "control/cmd.h"
#include "control/errors.h"
#include "control/online.h"
#include "control/proc_cmds_pvt.h"
#include "control/schema_args.h"
#include "control/spawn_cmds.h"

#define SPAWN_COUNT_MAX 1000000u

/* ---- spawn ---- */

/*
 * A next hop of this router for a behaviour that sends on the wire:
 * interned (it stays reserved while the daemon runs; restarts reuse it),
 * its MAC given (mac) or resolved by the neighbour table (mac NULL: ARP).
 * Fills *dest with the destination token init reads. 0 or -errno with a
 * message naming the field.
 */
static int hop_prepare(struct bl_router *r, uint16_t port, const char *mac, const char *ip,
		       uint16_t udp, uint64_t *dest, char *err, size_t errlen)
{
	struct bl_route_hop_spec hs;
	char sub[160];
	int hop;

	memset(&hs, 0, sizeof(hs));
	if (port >= r->n_ports) {
		bl_err_set(err, errlen, "\"port\": port %u does not exist (ports: 0..%u)", port,
			   r->n_ports - 1);
		return -EINVAL;
	}
	hs.port = port;
	hs.udp = udp;
	hs.resolve = mac == NULL;
	if (mac != NULL && bl_cmd_mac_parse(mac, hs.mac.addr_bytes, sub, sizeof(sub)) != 0) {
		bl_err_set(err, errlen, "\"mac\": %s", sub);
		return -EINVAL;
	}
	if (bl_cmd_ipv4_parse(ip, &hs.ip, sub, sizeof(sub)) != 0) {
		bl_err_set(err, errlen, "\"ip\": %s", sub);
		return -EINVAL;
	}
	hop = bl_route_hop_acquire(r->routes, &hs);
	if (hop < 0) {
		bl_err_set(err, errlen, "no room for another next hop (%u at most)",
			   BL_ROUTE_HOP_MAX);
		return -ENOSPC;
	}
	*dest = bl_dest_hop((unsigned)hop);
	return 0;
}

/* forward's host hook: the schema read port, mac, ip and udp. */
static int forward_prepare(void *arg, void *blob, char *err, size_t errlen)
{
	struct bl_forward_args *fa = blob;

	return hop_prepare(arg, fa->port, fa->mac, fa->ip, fa->udp, &fa->dest, err, errlen);
}

/* remote's host hook: the node at ip (udp) on port, its MAC found by ARP;
 * what it holds until then waits in the neighbour's queue. */
static int remote_prepare(void *arg, void *blob, char *err, size_t errlen)
{
	struct bl_remote_args *ra = blob;

	return hop_prepare(arg, ra->port, NULL, ra->ip, ra->udp, &ra->dest, err, errlen);
}

int bl_spawn_host_hooks(struct bl_router *r)
{
	int rc = bl_catalog_set_prepare(r->catalog, "forward", forward_prepare, r);

	return rc != 0 ? rc : bl_catalog_set_prepare(r->catalog, "remote", remote_prepare, r);
}

/* "counter, echo, ..." : the names spawn takes, for an unknown one's message. */
static void known_names(struct bl_router *r, char *buf, size_t len)
{
	const struct bl_catalog_entry *e[BL_CATALOG_MAX];
	unsigned n = bl_catalog_list(r->catalog, e, BL_CATALOG_MAX);
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && i < BL_CATALOG_MAX && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", e[i]->name);

		if (w < 0)
			return;
		used += (size_t)w;
	}
}

const struct bl_behaviour *bl_spawn_args(struct bl_router *r, const char *behaviour,
					 const json_t *args, void *blob, uint32_t *blob_len,
					 char *err, size_t errlen)
{
	const struct bl_catalog_entry *e = bl_catalog_find(r->catalog, behaviour);
	const struct bl_module_desc *d;
	char known[512];

	if (e == NULL) {
		known_names(r, known, sizeof(known));
		bl_err_set(err, errlen, "unknown behaviour '%s' (known: %s)", behaviour, known);
		return NULL;
	}
	d = e->cur->desc;
	if (bl_schema_args(d, args, blob, err, errlen) != 0)
		return NULL;
	if (e->prepare != NULL && e->prepare(e->prepare_arg, blob, err, errlen) != 0)
		return NULL;
	if (blob_len != NULL)
		*blob_len = d->args_size;
	return &e->cur->beh;
}

bool bl_spawn_transmits(const struct bl_behaviour *beh)
{
	const struct bl_beh_version *v = bl_catalog_version_of(beh);

	return v != NULL && (v->desc->flags & BL_BEHAVIOUR_F_TRANSMITS) != 0;
}

/* The worker scheduler with the fewest live processes. */
static struct bl_sched *least_loaded(struct bl_router *r)
{
	struct bl_sched *best = NULL;
	uint32_t best_n = UINT32_MAX;

	for (unsigned i = 0; i < r->n_workers; i++) {
		struct bl_sched_totals t;

		bl_sched_totals(r->workers[i]->sched, &t);
		if (t.procs < best_n) {
			best_n = t.procs;
			best = r->workers[i]->sched;
		}
	}
	return best;
}

struct spawn_job {
	const struct bl_behaviour *beh;
	const void *blob;
	const struct bl_spawn_opts *opts;
	uint32_t count;
	uint64_t *pids; /* [count] */
	uint32_t done;
	int err;
};

static void spawn_fn(struct bl_sched *s, void *arg)
{
	struct spawn_job *j = arg;

	for (; j->done < j->count; j->done++) {
		/* Arguments are copied at init: each spawn may read the same blob. */
		uint64_t pid = bl_proc_spawn(s, j->beh, (void *)(uintptr_t)j->blob, j->opts);

		if (pid == BL_PID_NONE) {
			j->err = errno != 0 ? errno : ENOMEM;
			return;
		}
		j->pids[j->done] = pid;
	}
}

static void kill_fn(struct bl_sched *s, void *arg)
{
	(void)bl_proc_kill(s, *(uint64_t *)arg, bl_reason_make(BL_EXIT_KILLED));
}

#define LCORE_ANY	 UINT64_MAX /* "lcore": "any" */
#define OVERFLOW_DEFAULT UINT_MAX   /* no "overflow": the process table's default */

const char *const bl_spawn_overflow_names[BL_SPAWN_OVERFLOW_N] = {
	[BL_OVERFLOW_DROP_NEWEST] = "drop_newest",
	[BL_OVERFLOW_DROP_OLDEST] = "drop_oldest",
	[BL_OVERFLOW_KILL] = "kill",
	[BL_OVERFLOW_BLOCK] = "block",
};

static const struct bl_args_word any_lcore[] = { { "any", LCORE_ANY } };

static const char *const spawn_fields[] = {
	"behaviour",	      "name",	  "lcore", "group", "count", "mailbox_limit", "heap_limit",
	"hibernate_after_ms", "overflow", "args",  NULL,
};

static int cmd_spawn(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_proc_cmds *pc = arg;
	struct bl_router *r = pc->r;
	uint8_t blob[BL_ARGS_MAX];
	const struct bl_behaviour *beh;
	uint32_t blob_len = 0;
	struct bl_spawn_opts opts;
	struct bl_sched *s = NULL;
	struct spawn_job j;
	const char *beh_name, *name, *group;
	const json_t *args;
	json_t *pids;
	uint64_t count, mailbox_limit, heap_limit, hibernate_ms, lcore;
	unsigned int overflow;
	struct bl_args a;
	int rc;

	if (bl_args_open_request(&a, req, spawn_fields, errmsg, errlen) != 0 ||
	    bl_args_str(&a, "behaviour", BL_ARG_REQUIRED, NULL, 0, 0, &beh_name) != 0 ||
	    bl_args_name(&a, "name", BL_ARG_OPTIONAL, &name) != 0 ||
	    bl_args_u64_or_word(&a, "lcore", BL_ARG_OPTIONAL, LCORE_ANY, 0, RTE_MAX_LCORE - 1,
				any_lcore, 1, &lcore) != 0 ||
	    bl_args_name(&a, "group", BL_ARG_OPTIONAL, &group) != 0 ||
	    bl_args_u64(&a, "count", BL_ARG_OPTIONAL, 1, 1, SPAWN_COUNT_MAX, &count) != 0 ||
	    bl_args_u64(&a, "mailbox_limit", BL_ARG_OPTIONAL, 0, 0, UINT32_MAX, &mailbox_limit) !=
		0 ||
	    bl_args_u64(&a, "heap_limit", BL_ARG_OPTIONAL, 0, 0, UINT32_MAX, &heap_limit) != 0 ||
	    bl_args_u64(&a, "hibernate_after_ms", BL_ARG_OPTIONAL, 0, 0, UINT32_MAX,
			&hibernate_ms) != 0 ||
	    bl_args_enum(&a, "overflow", BL_ARG_OPTIONAL, OVERFLOW_DEFAULT, bl_spawn_overflow_names,
			 BL_SPAWN_OVERFLOW_N, &overflow) != 0 ||
	    bl_args_object(&a, "args", BL_ARG_OPTIONAL, &args) != 0)
		return -EINVAL;
	beh = bl_spawn_args(r, beh_name, args, blob, &blob_len, errmsg, errlen);
	if (beh == NULL)
		return -EINVAL;
	memset(&opts, 0, sizeof(opts));
	opts.mailbox_limit = (uint32_t)mailbox_limit;
	opts.heap_limit = (uint32_t)heap_limit;
	opts.hibernate_after_ms = (uint32_t)hibernate_ms;
	/* The process table's overflow is the word's index + 1; 0 is its default policy. */
	opts.overflow = overflow == OVERFLOW_DEFAULT ? 0 : (uint8_t)(overflow + 1);
	if (name != NULL) {
		if (count != 1) {
			bl_err_set(errmsg, errlen, "spawn: a name needs count 1");
			return -EINVAL;
		}
		/* bl_pid_alive(BL_PID_NONE) is false: a free name passes. */
		if (bl_pid_alive(r->set,
				 bl_registry_whereis(r->registry, name, strlen(name) + 1))) {
			bl_err_set(errmsg, errlen, "spawn: the name '%s' is taken", name);
			return -EEXIST;
		}
	}
	if (lcore == LCORE_ANY) {
		s = least_loaded(r);
	} else {
		s = bl_router_sched(r, (unsigned)lcore);
		if (s == NULL) {
			bl_err_set(errmsg, errlen, "spawn: lcore %llu runs no scheduler",
				   (unsigned long long)lcore);
			return -ENODEV;
		}
	}
	if (s == r->ctl_sched && bl_spawn_transmits(beh)) {
		bl_err_set(errmsg, errlen,
			   "spawn: %s transmits on the wire: put it on a worker lcore", beh_name);
		return -EINVAL;
	}
	memset(&j, 0, sizeof(j));
	j.beh = beh;
	j.blob = blob_len != 0 ? blob : NULL;
	j.opts = &opts;
	j.count = (uint32_t)count;
	j.pids = malloc(sizeof(uint64_t) * count);
	if (j.pids == NULL)
		return -ENOMEM;
	rc = bl__proc_run_on(r, s, spawn_fn, &j);
	if (rc == 0 && j.err != 0)
		rc = -j.err;
	if (rc == 0 && name != NULL) {
		rc = bl_registry_set(r->registry, name, strlen(name) + 1, j.pids[0]);
		if (rc != 0)
			bl_err_set(errmsg, errlen, "spawn: cannot register '%s': %s", name,
				   strerror(-rc));
	}
	for (uint32_t i = 0; rc == 0 && group != NULL && i < j.done; i++) {
		rc = bl_group_join(r->groups, group, j.pids[i]);
		if (rc != 0)
			bl_err_set(errmsg, errlen, "spawn: cannot join group '%s': %s", group,
				   strerror(-rc));
	}
	if (rc != 0) {
		/* All or nothing: whatever started goes again. */
		for (uint32_t i = 0; i < j.done; i++) {
			if (group != NULL)
				(void)bl_group_leave(r->groups, group, j.pids[i]);
			(void)bl__proc_run_on(r, s, kill_fn, &j.pids[i]);
		}
		if (errmsg[0] == '\0' || rc == -ETIMEDOUT || j.err != 0)
			bl_err_set(errmsg, errlen, "spawn: %u of %llu started, then: %s", j.done,
				   (unsigned long long)count, strerror(-rc));
		free(j.pids);
		return rc == -ENOMEM ? -ENOSPC : rc;
	}
	pids = json_array();
	for (uint32_t i = 0; i < j.done && i < 1000; i++)
		json_array_append_new(pids, bl__pid_json(j.pids[i]));
	json_object_set_new(reply, "spawned", json_integer(j.done));
	json_object_set_new(reply, "lcore", json_integer(s->lcore));
	json_object_set_new(reply, "behaviour", json_string(beh->name));
	if (name != NULL)
		json_object_set_new(reply, "name", json_string(name));
	if (group != NULL)
		json_object_set_new(reply, "group", json_string(group));
	json_object_set_new(reply, "pids", pids);
	free(j.pids);
	return 0;
}

BL_ONLINE(cmd_spawn)

int bl__spawn_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc)
{
	int rc = bl_spawn_host_hooks(pc->r);

	if (rc != 0)
		return rc;
	return bl_ctl_register(c, "spawn", cmd_spawn_online, pc, "start processes of a behaviour");
}
