/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process commands: design note.
 *
 * - Reaching a worker's processes: every look inside a worker lcore (spawn,
 *   info, ps) is a function run on that lcore through bl_sched_exec, so it
 *   sees a consistent process table between two turns; kill and exit are
 *   exit signals through the same command ring (asynchronous, like Erlang's
 *   exit/2). Before the router starts (config file) the control thread
 *   still owns every scheduler and calls the functions directly.
 * - ps keeps only the top N of each lcore (a bounded min-heap, on the
 *   lcore), so a million processes cost the lcore O(P log N) and the reply
 *   stays small; "total" says how many there were.
 * - Exit reasons given as free text are interned in a small bounded table
 *   (a reason's text must outlive the exit signal that carries it).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "actors/behaviours.h"
#include "actors/group.h"
#include "actors/info.h"
#include "actors/registry.h"
#include "actors/sched.h"
#include "actors/sup.h"
#include "control/args.h"
#include "control/cmd.h"
#include "control/errors.h"
#include "control/online.h"
#include "control/proc_cmds.h"

#define PS_TOP_DEFAULT	100u
#define PS_TOP_MAX	10000u
#define SPAWN_COUNT_MAX 1000000u
#define REASONS_MAX	64u

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void bl_pid_format(uint64_t pid, char *buf, size_t len)
{
	snprintf(buf, len, "<%u.%u.%u>", bl_pid_lcore(pid), bl_pid_slot(pid), bl_pid_gen(pid));
}

static json_t *pid_json(uint64_t pid)
{
	char b[48];

	bl_pid_format(pid, b, sizeof(b));
	return json_string(b);
}

static int parse_pid_text(const char *s, uint64_t *pid)
{
	unsigned long l, sl, g;
	char tail;
	int n;

	if (*s == '<')
		n = sscanf(s, "<%lu.%lu.%lu%c", &l, &sl, &g, &tail) == 4 && tail == '>' ? 3 : 0;
	else
		n = sscanf(s, "%lu.%lu.%lu%c", &l, &sl, &g, &tail);
	if (n != 3 || l >= RTE_MAX_LCORE || sl > UINT32_MAX || g == 0 || g > UINT32_MAX)
		return -EINVAL;
	*pid = bl_pid_make((uint32_t)l, (uint32_t)sl, (uint32_t)g);
	return bl_pid_lcore(*pid) == l && bl_pid_slot(*pid) == sl && bl_pid_gen(*pid) == g
		   ? 0
		   : -EINVAL;
}

int bl_pid_resolve(struct bl_router *r, const char *s, uint64_t *pid, char *err, size_t errlen)
{
	if ((s[0] == '<' || (s[0] >= '0' && s[0] <= '9')) && strchr(s, '.') != NULL) {
		if (parse_pid_text(s, pid) != 0) {
			bl_err_set(err, errlen, "bad pid '%s': expected <lcore.slot.generation>",
				   s);
			return -EINVAL;
		}
		return 0;
	}
	if (bl_cmd_name_check(s, err, errlen) != 0)
		return -EINVAL;
	*pid = bl_registry_whereis(r->registry, s, strlen(s) + 1);
	if (*pid == BL_PID_NONE) {
		bl_err_set(err, errlen, "no process is registered as '%s'", s);
		return -ENOENT;
	}
	return 0;
}

/* ---- running something on a scheduler's lcore ---- */

static int run_on(struct bl_router *r, struct bl_sched *s, void (*fn)(struct bl_sched *, void *),
		  void *arg)
{
	if (!r->running || s == r->ctl_sched) {
		fn(s, arg); /* the control thread owns it */
		return 0;
	}
	return bl_sched_exec(s, fn, arg, BL_PROC_EXEC_TIMEOUT_MS);
}

static struct bl_sched *sched_of(struct bl_router *r, uint64_t pid)
{
	return bl_router_sched(r, bl_pid_lcore(pid));
}

/* ---- spawn ---- */

/* relay: to NAME|PID. */
static const struct bl_behaviour *spawn_relay_args(struct bl_args *a, void *blob)
{
	static const char *const relay_args[] = { "to", NULL };
	struct bl_relay_args *ra = blob;
	const char *to;

	if (bl_args_only(a, "relay", relay_args) != 0 ||
	    bl_args_str(a, "to", BL_ARG_REQUIRED, NULL, 0, 0, &to) != 0)
		return NULL;
	if (parse_pid_text(to, &ra->to_pid) != 0) {
		ra->to_pid = BL_PID_NONE;
		if (bl_cmd_name_check(to, a->err, a->errlen) != 0)
			return NULL;
		snprintf(ra->to_name, sizeof(ra->to_name), "%s", to);
	}
	return &bl_relay_behaviour;
}

/* forward: port P mac MAC ip A.B.C.D [udp N]; interns the next hop. */
static const struct bl_behaviour *spawn_forward_args(struct bl_router *r, struct bl_args *a,
						     void *blob)
{
	static const char *const forward_args[] = { "port", "mac", "ip", "udp", NULL };
	struct bl_forward_args *fa = blob;
	struct bl_route_hop_spec hs;
	const char *mac, *ip;
	uint64_t port, udp;
	int hop;

	memset(&hs, 0, sizeof(hs));
	if (bl_args_only(a, "forward", forward_args) != 0 ||
	    bl_args_u64(a, "port", BL_ARG_REQUIRED, 0, 0, UINT16_MAX, &port) != 0)
		return NULL;
	if (port >= r->n_ports) {
		bl_err_set(a->err, a->errlen, "port %llu does not exist (ports: 0..%u)",
			   (unsigned long long)port, r->n_ports - 1);
		return NULL;
	}
	hs.port = (uint16_t)port;
	if (bl_args_str(a, "mac", BL_ARG_REQUIRED, NULL, 0, 0, &mac) != 0 ||
	    bl_cmd_mac_parse(mac, hs.mac.addr_bytes, a->err, a->errlen) != 0 ||
	    bl_args_str(a, "ip", BL_ARG_REQUIRED, NULL, 0, 0, &ip) != 0 ||
	    bl_cmd_ipv4_parse(ip, &hs.ip, a->err, a->errlen) != 0 ||
	    bl_args_u64(a, "udp", BL_ARG_OPTIONAL, BL_CMD_UDP_DEFAULT, 1, UINT16_MAX, &udp) != 0)
		return NULL;
	hs.udp = (uint16_t)udp;
	/* The hop stays reserved while the daemon runs (restarts reuse it). */
	hop = bl_route_hop_acquire(r->routes, &hs);
	if (hop < 0) {
		bl_err_set(a->err, a->errlen, "no room for another next hop (%u at most)",
			   BL_ROUTE_HOP_MAX);
		return NULL;
	}
	fa->dest = bl_dest_hop((unsigned)hop);
	return &bl_forward_behaviour;
}

/* fault: poison KEY (a u64, not the default route). */
static const struct bl_behaviour *spawn_fault_args(struct bl_args *a, void *blob)
{
	static const char *const fault_args[] = { "poison", NULL };
	const struct bl_cmd_key none = { 0, false };
	struct bl_fault_args *fa = blob;
	struct bl_cmd_key k;

	if (bl_args_only(a, "fault", fault_args) != 0 ||
	    bl_args_key(a, "poison", BL_ARG_REQUIRED, none, &k) != 0)
		return NULL;
	if (k.is_default) {
		bl_args_refuse(a, "poison", "a u64 key");
		return NULL;
	}
	fa->poison_key = k.value;
	return &bl_fault_behaviour;
}

const struct bl_behaviour *bl_spawn_args(struct bl_router *r, const char *behaviour,
					 const json_t *args, void *blob, char *err, size_t errlen)
{
	static const char *const counter_args[] = { "max_keys", NULL };
	static const char *const no_args[] = { NULL };
	const struct bl_behaviour *beh = NULL;
	json_t *empty = NULL;
	struct bl_args a;
	uint64_t v;

	static_assert(sizeof(struct bl_counter_args) <= BL_SPAWN_ARGS_MAX &&
			  sizeof(struct bl_relay_args) <= BL_SPAWN_ARGS_MAX &&
			  sizeof(struct bl_forward_args) <= BL_SPAWN_ARGS_MAX,
		      "argument blobs fit");
	memset(blob, 0, BL_SPAWN_ARGS_MAX);
	if (args == NULL)
		args = empty = json_object();
	/* Requests read "args" as an object already: this refuses only another caller's. */
	if (bl_args_open(&a, args, err, errlen) != 0)
		beh = NULL;
	else if (strcmp(behaviour, "counter") == 0) {
		if (bl_args_only(&a, behaviour, counter_args) == 0 &&
		    bl_args_u64(&a, "max_keys", BL_ARG_OPTIONAL, 64, 0, 65536, &v) == 0) {
			((struct bl_counter_args *)blob)->max_keys = (uint32_t)v;
			beh = &bl_counter_behaviour;
		}
	} else if (strcmp(behaviour, "echo") == 0) {
		if (bl_args_only(&a, behaviour, no_args) == 0)
			beh = &bl_echo_behaviour;
	} else if (strcmp(behaviour, "relay") == 0) {
		beh = spawn_relay_args(&a, blob);
	} else if (strcmp(behaviour, "forward") == 0) {
		beh = spawn_forward_args(r, &a, blob);
	} else if (strcmp(behaviour, "fault") == 0) {
		beh = spawn_fault_args(&a, blob);
	} else if (strcmp(behaviour, "supervisor") != 0 && bl_catalog_find(behaviour) != NULL) {
		/* A behaviour a user added to the catalog: it takes no arguments here. */
		if (bl_args_only(&a, behaviour, no_args) == 0)
			beh = bl_catalog_find(behaviour);
	} else {
		bl_err_set(
		    err, errlen,
		    "unknown behaviour '%s' (known: counter, echo, fault, forward, relay, or "
		    "one added to the catalog)",
		    behaviour);
	}
	json_decref(empty);
	return beh;
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
	uint8_t blob[BL_SPAWN_ARGS_MAX];
	const struct bl_behaviour *beh;
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
	beh = bl_spawn_args(r, beh_name, args, blob, errmsg, errlen);
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
	if (s == r->ctl_sched && (beh == &bl_echo_behaviour || beh == &bl_forward_behaviour)) {
		bl_err_set(errmsg, errlen,
			   "spawn: %s transmits on the wire: put it on a worker lcore", beh_name);
		return -EINVAL;
	}
	memset(&j, 0, sizeof(j));
	j.beh = beh;
	j.blob = blob;
	j.opts = &opts;
	j.count = (uint32_t)count;
	j.pids = malloc(sizeof(uint64_t) * count);
	if (j.pids == NULL)
		return -ENOMEM;
	rc = run_on(r, s, spawn_fn, &j);
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
			(void)run_on(r, s, kill_fn, &j.pids[i]);
		}
		if (errmsg[0] == '\0' || rc == -ETIMEDOUT || j.err != 0)
			bl_err_set(errmsg, errlen, "spawn: %u of %llu started, then: %s", j.done,
				   (unsigned long long)count, strerror(-rc));
		free(j.pids);
		return rc == -ENOMEM ? -ENOSPC : rc;
	}
	pids = json_array();
	for (uint32_t i = 0; i < j.done && i < 1000; i++)
		json_array_append_new(pids, pid_json(j.pids[i]));
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

/* ---- kill / exit ---- */

static const char *reason_intern(const char *text)
{
	static char *texts[REASONS_MAX];
	static unsigned n;

	for (unsigned i = 0; i < n; i++)
		if (strcmp(texts[i], text) == 0)
			return texts[i];
	if (n == REASONS_MAX)
		return "error"; /* bounded: further texts share one */
	texts[n] = strdup(text);
	return texts[n] != NULL ? texts[n++] : "error";
}

/* The live process a request's "target" (a pid or a registered name) names. */
static int target_pid(struct bl_proc_cmds *pc, struct bl_args *a, uint64_t *pid)
{
	const char *t;
	int rc;

	if (bl_args_str(a, "target", BL_ARG_REQUIRED, NULL, 0, 0, &t) != 0)
		return -EINVAL;
	rc = bl_pid_resolve(pc->r, t, pid, a->err, a->errlen);
	if (rc != 0)
		return rc;
	if (sched_of(pc->r, *pid) == NULL || !bl_pid_alive(pc->r->set, *pid)) {
		char b[48];

		bl_pid_format(*pid, b, sizeof(b));
		bl_err_set(a->err, a->errlen, "no process %s", b);
		return -ENOENT;
	}
	return 0;
}

static int send_exit(struct bl_proc_cmds *pc, uint64_t pid, struct bl_reason reason, json_t *reply,
		     char *errmsg, size_t errlen)
{
	int rc = bl_sched_kill_on(sched_of(pc->r, pid), pid, reason);

	if (rc != 0) {
		bl_err_set(errmsg, errlen, "cannot signal the process: %s", strerror(-rc));
		return rc;
	}
	json_object_set_new(reply, "pid", pid_json(pid));
	json_object_set_new(reply, "reason",
			    json_string(reason.code == BL_EXIT_ERROR && reason.text != NULL
					    ? reason.text
					    : bl_exit_code_names[reason.code]));
	return 0;
}

static int cmd_kill(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "target", NULL };
	struct bl_args a;
	uint64_t pid;
	int rc = bl_args_open_request(&a, req, fields, errmsg, errlen);

	if (rc == 0)
		rc = target_pid(arg, &a, &pid);
	if (rc != 0)
		return rc;
	return send_exit(arg, pid, bl_reason_make(BL_EXIT_KILL), reply, errmsg, errlen);
}

static int cmd_exit(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "target", "reason", NULL };
	struct bl_reason reason;
	const char *why;
	struct bl_args a;
	uint64_t pid;
	int rc = bl_args_open_request(&a, req, fields, errmsg, errlen);

	if (rc == 0)
		rc = target_pid(arg, &a, &pid);
	if (rc == 0)
		rc = bl_args_str(&a, "reason", BL_ARG_REQUIRED, NULL, 1, 64, &why);
	if (rc != 0)
		return rc;
	if (strcmp(why, "normal") == 0)
		reason = bl_reason_make(BL_EXIT_NORMAL);
	else if (strcmp(why, "shutdown") == 0)
		reason = bl_reason_make(BL_EXIT_SHUTDOWN);
	else if (strcmp(why, "kill") == 0)
		reason = bl_reason_make(BL_EXIT_KILL);
	else
		reason = bl_reason_error(0, reason_intern(why));
	return send_exit(arg, pid, reason, reply, errmsg, errlen);
}

/* ---- info / ps ---- */

struct info_job {
	uint64_t pid;
	struct bl_proc_info info;
	int rc;
	int kind; /* 1: counter, 2: relay: what the built-in's state says */
	uint64_t v[3];
};

static void info_fn(struct bl_sched *s, void *arg)
{
	struct info_job *j = arg;
	struct bl_proc *p;

	j->rc = bl_proc_info_get(s, j->pid, &j->info);
	p = j->rc == 0 ? bl_proc_lookup(s, j->pid) : NULL;
	if (p == NULL || p->state == NULL)
		return;
	if (p->beh == &bl_counter_behaviour) {
		j->kind = 1;
		bl_counter_totals(p->state, &j->v[0], &j->v[1], &j->v[2]);
	} else if (p->beh == &bl_relay_behaviour) {
		j->kind = 2;
		bl_relay_stats(p->state, &j->v[0], &j->v[1]);
	}
}

struct groups_of {
	uint64_t pid;
	json_t *names;
};

static int group_has(void *arg, const struct bl_group *g)
{
	struct groups_of *go = arg;
	const struct bl_members *m = bl_group_members(g);

	for (uint32_t i = 0; m != NULL && i < m->n; i++) {
		if (m->pid[i] == go->pid) {
			json_array_append_new(go->names, json_string(g->name));
			break;
		}
	}
	return 0;
}

static json_t *info_json(struct bl_router *r, const struct bl_proc_info *in, bool full)
{
	char name[BL_NAME_MAX];
	json_t *o = json_object();

	json_object_set_new(o, "pid", pid_json(in->pid));
	json_object_set_new(
	    o, "name",
	    json_string(
		bl_registry_name_of(r->registry, in->pid, name, sizeof(name)) != NULL ? name : ""));
	json_object_set_new(o, "behaviour", json_string(in->behaviour ? in->behaviour : "?"));
	json_object_set_new(o, "lcore", json_integer(in->lcore));
	json_object_set_new(
	    o, "status",
	    json_string(in->status < BL_PROC_STATUS_MAX ? bl_proc_status_names[in->status] : "?"));
	json_object_set_new(o, "memory", json_integer(in->heap_bytes));
	json_object_set_new(o, "binary", json_integer(in->pinned_bytes));
	json_object_set_new(o, "mailbox", json_integer(in->mailbox_len));
	json_object_set_new(o, "reductions", json_integer((json_int_t)in->reductions));
	if (full) {
		struct groups_of go = { in->pid, json_array() };

		json_object_set_new(o, "heap_chunks", json_integer(in->heap_chunks));
		json_object_set_new(o, "mailbox_limit", json_integer(in->mailbox_limit));
		json_object_set_new(o, "mailbox_drops", json_integer(in->drops));
		json_object_set_new(o, "links", json_integer(in->links));
		json_object_set_new(o, "monitors", json_integer(in->monitors));
		json_object_set_new(o, "monitored_by", json_integer(in->monitored_by));
		json_object_set_new(o, "trap_exit", json_boolean(in->trap_exit));
		bl_groups_foreach(r->groups, group_has, &go);
		json_object_set_new(o, "groups", go.names);
	}
	return o;
}

static int cmd_info(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_proc_cmds *pc = arg;
	static const char *const fields[] = { "target", NULL };
	struct info_job j;
	struct bl_args a;
	json_t *o;
	int rc;

	memset(&j, 0, sizeof(j));
	rc = bl_args_open_request(&a, req, fields, errmsg, errlen);
	if (rc == 0)
		rc = target_pid(pc, &a, &j.pid);
	if (rc != 0)
		return rc;
	j.rc = -ESRCH;
	rc = run_on(pc->r, sched_of(pc->r, j.pid), info_fn, &j);
	if (rc == 0)
		rc = j.rc;
	if (rc != 0) {
		bl_err_set(errmsg, errlen, "%s",
			   rc == -ESRCH ? "the process exited" : strerror(-rc));
		return rc == -ESRCH ? -ENOENT : rc;
	}
	o = info_json(pc->r, &j.info, true);
	if (j.kind == 1)
		json_object_set_new(o, "counter",
				    json_pack("{s:I, s:I, s:I}", "msgs", (json_int_t)j.v[0],
					      "bytes", (json_int_t)j.v[1], "other_keys_msgs",
					      (json_int_t)j.v[2]));
	else if (j.kind == 2)
		json_object_set_new(o, "relay",
				    json_pack("{s:I, s:I}", "relayed", (json_int_t)j.v[0], "failed",
					      (json_int_t)j.v[1]));
	json_object_update(reply, o);
	json_decref(o);
	return 0;
}

enum ps_sort { PS_MEMORY, PS_MAILBOX, PS_REDUCTIONS, PS_BINARY };

struct ps_job {
	enum ps_sort sort;
	unsigned top;
	unsigned n;		   /* in heap */
	unsigned total;		   /* processes seen */
	struct bl_proc_info *heap; /* min-heap on the sort key, [top] */
};

static uint64_t ps_key(const struct bl_proc_info *p, enum ps_sort s)
{
	switch (s) {
	case PS_MEMORY:
		return p->heap_bytes;
	case PS_MAILBOX:
		return p->mailbox_len;
	case PS_BINARY:
		return p->pinned_bytes;
	default:
		return p->reductions;
	}
}

static void heap_down(struct ps_job *j, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, m = i;
		struct bl_proc_info t;

		if (l < j->n && ps_key(&j->heap[l], j->sort) < ps_key(&j->heap[m], j->sort))
			m = l;
		if (l + 1 < j->n && ps_key(&j->heap[l + 1], j->sort) < ps_key(&j->heap[m], j->sort))
			m = l + 1;
		if (m == i)
			return;
		t = j->heap[i];
		j->heap[i] = j->heap[m];
		j->heap[m] = t;
		i = m;
	}
}

static int ps_visit(const struct bl_proc_info *in, void *arg)
{
	struct ps_job *j = arg;

	j->total++;
	if (j->n < j->top) {
		unsigned i = j->n++;

		j->heap[i] = *in;
		while (i > 0 &&
		       ps_key(&j->heap[(i - 1) / 2], j->sort) > ps_key(&j->heap[i], j->sort)) {
			struct bl_proc_info t = j->heap[i];

			j->heap[i] = j->heap[(i - 1) / 2];
			j->heap[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
	} else if (ps_key(in, j->sort) > ps_key(&j->heap[0], j->sort)) {
		j->heap[0] = *in;
		heap_down(j, 0);
	}
	return 0;
}

static void ps_fn(struct bl_sched *s, void *arg)
{
	bl_sched_foreach(s, ps_visit, arg);
}

/* Biggest first, then by pid (qsort_r: the sort key is the argument). */
static int ps_cmp(const void *a, const void *b, void *sort)
{
	enum ps_sort k = *(const enum ps_sort *)sort;
	uint64_t x = ps_key(a, k), y = ps_key(b, k);

	if (x != y)
		return x > y ? -1 : 1;
	return ((const struct bl_proc_info *)a)->pid < ((const struct bl_proc_info *)b)->pid ? -1
											     : 1;
}

static int cmd_ps(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	/* In the order of enum ps_sort. */
	static const char *const sorts[] = { "memory", "mailbox", "reductions", "binary" };
	static const char *const fields[] = { "sort", "top", "lcore", NULL };
	struct bl_proc_cmds *pc = arg;
	struct bl_router *r = pc->r;
	struct bl_proc_info *all;
	uint64_t top, lcore;
	unsigned n_all = 0, total = 0, i, sort;
	struct bl_args a;
	json_t *procs;
	struct ps_job j;
	int rc;

	memset(&j, 0, sizeof(j));
	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_enum(&a, "sort", BL_ARG_OPTIONAL, PS_REDUCTIONS, sorts, 4, &sort) != 0 ||
	    bl_args_u64(&a, "top", BL_ARG_OPTIONAL, PS_TOP_DEFAULT, 1, PS_TOP_MAX, &top) != 0 ||
	    bl_args_u64(&a, "lcore", BL_ARG_OPTIONAL, UINT64_MAX, 0, RTE_MAX_LCORE - 1, &lcore) !=
		0)
		return -EINVAL;
	j.sort = (enum ps_sort)sort;
	if (lcore != UINT64_MAX && bl_router_sched(r, (unsigned)lcore) == NULL) {
		bl_err_set(errmsg, errlen, "ps: lcore %llu runs no scheduler",
			   (unsigned long long)lcore);
		return -ENODEV;
	}
	j.top = (unsigned)top;
	all = calloc((size_t)top * (r->n_workers + 1), sizeof(*all));
	j.heap = malloc(sizeof(*j.heap) * top);
	if (all == NULL || j.heap == NULL) {
		free(all);
		free(j.heap);
		return -ENOMEM;
	}
	for (i = 0; i <= r->n_workers; i++) {
		struct bl_sched *s = i < r->n_workers ? r->workers[i]->sched : r->ctl_sched;

		if (lcore != UINT64_MAX && s->lcore != lcore)
			continue;
		j.n = 0;
		j.total = 0;
		rc = run_on(r, s, ps_fn, &j);
		if (rc != 0) {
			bl_err_set(errmsg, errlen, "ps: lcore %u did not answer: %s", s->lcore,
				   strerror(-rc));
			free(all);
			free(j.heap);
			return rc;
		}
		memcpy(all + n_all, j.heap, sizeof(*all) * j.n);
		n_all += j.n;
		total += j.total;
	}
	qsort_r(all, n_all, sizeof(*all), ps_cmp, &j.sort);
	procs = json_array();
	for (i = 0; i < n_all && i < top; i++)
		json_array_append_new(procs, info_json(r, &all[i], false));
	json_object_set_new(reply, "procs", procs);
	json_object_set_new(reply, "total", json_integer(total));
	json_object_set_new(reply, "sort", json_string(sorts[j.sort]));
	free(all);
	free(j.heap);
	return 0;
}

/* ---- memory / lcores ---- */

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return (uint64_t)rss * 4096u;
}

static int cmd_memory(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_proc_cmds *pc = arg;
	struct bl_router *r = pc->r;
	uint64_t procs = 0, heap = 0, bins = 0, mbox = 0, ptab = 0, tables, pool_bytes, total;
	struct rte_malloc_socket_stats ms;
	json_t *o, *lc;
	unsigned i;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	lc = json_array();
	for (i = 0; i <= r->n_workers; i++) {
		struct bl_sched *s = i < r->n_workers ? r->workers[i]->sched : r->ctl_sched;
		struct bl_sched_totals t;

		bl_sched_totals(s, &t);
		procs += t.procs;
		heap += t.heap_bytes;
		bins += t.bin_bytes;
		mbox += t.mailbox_msgs;
		ptab += s->procs_bytes;
		json_array_append_new(lc, json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I}", "lcore",
						    t.lcore, "procs", (json_int_t)t.procs,
						    "heap_bytes", (json_int_t)t.heap_bytes,
						    "binary_bytes", (json_int_t)t.bin_bytes,
						    "mailbox_msgs", (json_int_t)t.mailbox_msgs,
						    "chunks_in_use", (json_int_t)t.chunks_in_use,
						    "chunks_total", (json_int_t)t.chunks_total));
	}
	tables = bl_route_mem_bytes(r->routes);
	pool_bytes = (uint64_t)r->pool->size *
		     (r->pool->elt_size + r->pool->header_size + r->pool->trailer_size);
	total = heap + ptab + tables + pool_bytes;
	json_object_set_new(reply, "total", json_integer((json_int_t)total));
	o = json_object();
	json_object_set_new(o, "count", json_integer((json_int_t)procs));
	json_object_set_new(o, "heap_bytes", json_integer((json_int_t)heap));
	json_object_set_new(o, "table_bytes", json_integer((json_int_t)ptab));
	json_object_set_new(o, "mailbox_msgs", json_integer((json_int_t)mbox));
	json_object_set_new(reply, "processes", o);
	json_object_set_new(reply, "binaries_pinned", json_integer((json_int_t)bins));
	o = json_object();
	json_object_set_new(o, "routes", json_integer((json_int_t)r->routes->count));
	json_object_set_new(o, "route_bytes", json_integer((json_int_t)tables));
	/* 1M routes in a table of 2^18 buckets: 16.8 bytes each. */
	json_object_set_new(
	    o, "route_bytes_per_route",
	    json_real(r->routes->count == 0 ? 0.0 : (double)tables / (double)r->routes->count));
	json_object_set_new(o, "route_slots", json_integer((json_int_t)bl_route_slots(r->routes)));
	json_object_set_new(o, "names", json_integer(bl_registry_count(r->registry)));
	json_object_set_new(o, "groups", json_integer(bl_groups_count(r->groups)));
	json_object_set_new(reply, "tables", o);
	o = json_object();
	json_object_set_new(o, "size", json_integer(r->pool->size));
	json_object_set_new(o, "in_use", json_integer(rte_mempool_in_use_count(r->pool)));
	json_object_set_new(o, "free", json_integer(rte_mempool_avail_count(r->pool)));
	json_object_set_new(o, "bytes", json_integer((json_int_t)pool_bytes));
	json_object_set_new(reply, "mbufs", o);
	o = json_object();
	memset(&ms, 0, sizeof(ms));
	rte_malloc_get_socket_stats((int)rte_socket_id(), &ms);
	json_object_set_new(o, "dpdk_heap_total", json_integer((json_int_t)ms.heap_totalsz_bytes));
	json_object_set_new(o, "dpdk_heap_used", json_integer((json_int_t)ms.heap_allocsz_bytes));
	json_object_set_new(o, "rss", json_integer((json_int_t)rss_bytes()));
	json_object_set_new(reply, "system", o);
	json_object_set_new(reply, "lcores", lc);
	return 0;
}

static int cmd_lcores(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_proc_cmds *pc = arg;
	struct bl_router *r = pc->r;
	json_t *a;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	a = json_array();
	for (unsigned i = 0; i < r->n_workers; i++) {
		const struct bl_lcore *lc = r->workers[i];
		uint64_t busy = bl_stat_read(&lc->st.busy_tsc),
			 idle = bl_stat_read(&lc->st.idle_tsc);
		uint64_t pk = bl_stat_read(&lc->st.rx_pkts), bu = bl_stat_read(&lc->st.rx_bursts);
		struct bl_sched_totals t;
		char pct[16], avg[16];

		bl_sched_totals(lc->sched, &t);
		snprintf(pct, sizeof(pct), "%.1f",
			 busy + idle ? 100.0 * (double)busy / (double)(busy + idle) : 0.0);
		snprintf(avg, sizeof(avg), "%.1f", bu ? (double)pk / (double)bu : 0.0);
		json_array_append_new(
		    a,
		    json_pack("{s:i, s:i, s:I, s:I, s:s, s:s, s:I, s:I, s:I, s:i, s:b, s:I}",
			      "lcore", lc->lcore_id, "worker", i, "busy_cycles", (json_int_t)busy,
			      "idle_cycles", (json_int_t)idle, "busy_pct", pct, "avg_burst", avg,
			      "loops", (json_int_t)bl_stat_read(&lc->st.loops), "sleeps",
			      (json_int_t)bl_stat_read(&lc->st.sleeps), "procs_handled",
			      (json_int_t)t.handled, "procs", t.procs, "stalled",
			      pc->stalled[i] != 0, "stalls", (json_int_t)pc->stalls[i]));
	}
	json_object_set_new(reply, "lcores", a);
	json_object_set_new(reply, "tsc_hz", json_integer((json_int_t)rte_get_tsc_hz()));
	json_object_set_new(reply, "stall_ms",
			    json_integer(pc->stall_ms ? pc->stall_ms : BL_STALL_MS_DEFAULT));
	return 0;
}

/* ---- groups ---- */

static int cmd_group_change(struct bl_proc_cmds *pc, json_t *req, json_t *reply, char *errmsg,
			    size_t errlen, bool join)
{
	static const char *const fields[] = { "group", "target", NULL };
	const char *g, *t;
	struct bl_args a;
	uint64_t pid;
	int rc;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_name(&a, "group", BL_ARG_REQUIRED, &g) != 0)
		return -EINVAL;
	/* A process may leave after it died: only a join needs it alive. */
	if (join)
		rc = target_pid(pc, &a, &pid);
	else if ((rc = bl_args_str(&a, "target", BL_ARG_REQUIRED, NULL, 0, 0, &t)) == 0)
		rc = bl_pid_resolve(pc->r, t, &pid, errmsg, errlen);
	if (rc != 0)
		return rc;
	rc = join ? bl_group_join(pc->r->groups, g, pid) : bl_group_leave(pc->r->groups, g, pid);
	if (rc != 0) {
		bl_err_set(errmsg, errlen, "%s group '%s': %s",
			   join ? "cannot join" : "cannot leave", g,
			   rc == -EEXIST   ? "already a member"
			   : rc == -ENOENT ? "not a member"
			   : rc == -ENOSPC ? "full"
					   : strerror(-rc));
		return rc;
	}
	json_object_set_new(reply, "group", json_string(g));
	json_object_set_new(reply, "pid", pid_json(pid));
	return 0;
}

static int cmd_group_join(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	return cmd_group_change(arg, req, reply, errmsg, errlen, true);
}

static int cmd_group_leave(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	return cmd_group_change(arg, req, reply, errmsg, errlen, false);
}

static int group_row(void *arg, const struct bl_group *g)
{
	const struct bl_members *m = bl_group_members(g);
	json_t *pids = json_array();

	for (uint32_t i = 0; m != NULL && i < m->n && i < 16; i++)
		json_array_append_new(pids, pid_json(m->pid[i]));
	json_array_append_new(arg,
			      json_pack("{s:s, s:i, s:I, s:I, s:o}", "group", g->name, "members",
					m != NULL ? m->n : 0, "joins", (json_int_t)g->joins,
					"leaves", (json_int_t)g->leaves, "first_members", pids));
	return 0;
}

static int cmd_group_list(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_proc_cmds *pc = arg;
	json_t *a;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	a = json_array();
	bl_groups_foreach(pc->r->groups, group_row, a);
	json_object_set_new(reply, "groups", a);
	return 0;
}

/* ---- registration and periodic work ---- */

BL_ONLINE(cmd_spawn)
BL_ONLINE(cmd_kill)
BL_ONLINE(cmd_exit)
BL_ONLINE(cmd_info)
BL_ONLINE(cmd_ps)
BL_ONLINE(cmd_memory)
BL_ONLINE(cmd_lcores)
BL_ONLINE(cmd_group_join)
BL_ONLINE(cmd_group_leave)
BL_ONLINE(cmd_group_list)

int bl_proc_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc)
{
	static const struct {
		const char *name;
		bl_ctl_handler fn;
		const char *help;
	} cmds[] = {
		{ "spawn", cmd_spawn_online, "start processes of a behaviour" },
		{ "kill", cmd_kill_online, "kill a process (untrappable)" },
		{ "exit", cmd_exit_online, "send a process an exit signal with a reason" },
		{ "info", cmd_info_online, "everything about one process" },
		{ "ps", cmd_ps_online, "processes, sorted, top N" },
		{ "memory", cmd_memory_online,
		  "memory by processes, binaries, tables, mbufs, system" },
		{ "lcores", cmd_lcores_online, "busy/idle cycles, bursts, stalls per lcore" },
		{ "group.join", cmd_group_join_online, "add a process to a group" },
		{ "group.leave", cmd_group_leave_online, "remove a process from a group" },
		{ "group.list", cmd_group_list_online, "groups and their members" },
	};
	int ret;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ret = bl_ctl_register(c, cmds[i].name, cmds[i].fn, pc, cmds[i].help);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static void stall_check(struct bl_proc_cmds *pc, uint64_t now)
{
	struct bl_router *r = pc->r;
	uint32_t limit = pc->stall_ms ? pc->stall_ms : BL_STALL_MS_DEFAULT;

	if (!r->running)
		return;
	for (unsigned i = 0; i < r->n_workers; i++) {
		uint64_t loops = bl_stat_read(&r->workers[i]->st.loops);

		if (loops != pc->loops_seen[i] || pc->loops_at_ms[i] == 0) {
			if (pc->stalled[i])
				fprintf(stderr, "beamline: lcore %u runs again after %llu ms\n",
					r->workers[i]->lcore_id,
					(unsigned long long)(now - pc->loops_at_ms[i]));
			pc->loops_seen[i] = loops;
			pc->loops_at_ms[i] = now;
			pc->stalled[i] = 0;
		} else if (!pc->stalled[i] && now - pc->loops_at_ms[i] >= limit) {
			pc->stalled[i] = 1;
			pc->stalls[i]++;
			fprintf(stderr, "beamline: lcore %u stalled: no poll loop for %llu ms\n",
				r->workers[i]->lcore_id,
				(unsigned long long)(now - pc->loops_at_ms[i]));
		}
	}
}

unsigned bl_proc_cmds_tick(struct bl_proc_cmds *pc)
{
	uint64_t now = mono_ms();
	unsigned work = 0, w, i;

	rcu_thread_online();
	/* Run until idle or 2 ms: mail from the workers must not pile up in rings. */
	for (i = 0; i < 4096; i++) {
		w = bl_router_run_ctl(pc->r);
		work += w;
		if (w == 0 || (i % 16 == 15 && mono_ms() - now >= 2))
			break;
	}
	if (pc->crash_log != NULL)
		bl_crash_drain(pc->crash_log, pc->r->set);
	if (now - pc->last_sweep_ms >= 1000) {
		pc->swept += bl_groups_sweep(pc->r->groups, pc->r->set);
		pc->last_sweep_ms = now;
	}
	rcu_thread_offline();
	stall_check(pc, now);
	return work;
}
