/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Global names: the control thread's side (control/global_names.h).
 *
 * etcd has one key a name; the node that holds it put it there under its
 * lease. Two nodes claiming one name: `global register` refuses a name the
 * last read shows on another node, and a name this node exports is never
 * replaced by another node's (counted as a conflict); between two reads a
 * second apart both may write, and the last write stands in etcd (the
 * other node keeps serving its own name locally). Stand-ins are ordinary
 * processes, started and stopped through the spawn and kill commands, so
 * they show in ps and info like any other.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>

#include "control/args.h"
#include "control/errors.h"
#include "control/global_names.h"
#include "control/online.h"
#include "control/cmd.h"
#include "control/proc_cmds_pvt.h"
#include "actors/dest.h"
#include "dataplane/router.h"

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int find(const struct bl_global_names *g, const char *name)
{
	for (unsigned i = 0; i < g->n; i++)
		if (strcmp(g->v[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int find_group(const struct bl_global_names *g, const char *name)
{
	for (unsigned i = 0; i < g->n_grp; i++)
		if (strcmp(g->grp[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void drop(struct bl_global_names *g, unsigned i)
{
	g->v[i] = g->v[--g->n];
}

static uint64_t whereis(struct bl_global_names *g, const char *name)
{
	return bl_registry_whereis(g->r->registry, name, BL_NAME_MAX);
}

static const struct bl_cluster_conf *self(const struct bl_global_names *g)
{
	return bl_cluster_conf(g->cc->cl);
}

/* Run one command in process; 0 when it said ok. */
static int exec_json(struct bl_global_names *g, json_t *req)
{
	json_t *reply = NULL;
	int rc;

	if (req == NULL)
		return -ENOMEM;
	rc = bl_ctl_exec(g->ctl, req, &reply);
	if (rc == 0 && !json_is_true(json_object_get(reply, "ok")))
		rc = -EIO;
	json_decref(reply);
	json_decref(req);
	return rc;
}

/* Export (or stop exporting) the stand-in's name here: answers to what it
 * sent come back as named messages to that index. RCU-offline caller. */
static int stand_in_export(struct bl_global_names *g, const char *name)
{
	int idx;

	rcu_thread_online();
	idx = bl_route_target_export(g->r->routes, name);
	rcu_thread_offline();
	return idx;
}

static void stand_in_unexport(struct bl_global_names *g, struct bl_gname *e)
{
	if (e->reply == BL_NAMED_NO_REPLY)
		return;
	rcu_thread_online();
	bl_route_target_unexport(g->r->routes, e->reply);
	rcu_thread_offline();
	e->reply = BL_NAMED_NO_REPLY;
}

static void stand_in_start(struct bl_global_names *g, struct bl_gname *e)
{
	json_t *req;
	int idx;

	if (e->reply == BL_NAMED_NO_REPLY && e->group[0] == '\0') {
		idx = stand_in_export(g, e->name);
		/* Past the last index (or no room): a stand-in without answers. */
		e->reply =
		    idx >= 0 && idx < (int)BL_NAMED_NO_REPLY ? (uint16_t)idx : BL_NAMED_NO_REPLY;
	}
	req = json_pack("{s:s, s:s, s:s, s:{s:i, s:s, s:i, s:i, s:i, s:b}}", "cmd", "spawn",
			"behaviour", "remote", "name", e->name, "args", "port", g->port, "ip",
			e->addr, "udp", e->udp, "index", e->index, "reply", e->reply, "fanout",
			e->group[0] != '\0');
	/* A name a stopped stand-in held is free again after the registry's
	 * sweep: a refusal now is tried again at the next tick. */
	if (exec_json(g, req) != 0)
		return;
	e->pid = whereis(g, e->name);
	g->started++;
	/* A group's stand-in: a member of this node's group, one copy to its node. */
	if (e->group[0] != '\0')
		(void)exec_json(g, json_pack("{s:s, s:s, s:s}", "cmd", "group.join", "group",
					     e->group, "target", e->name));
}

static void stand_in_stop(struct bl_global_names *g, struct bl_gname *e)
{
	if (e->pid != BL_PID_NONE && whereis(g, e->name) == e->pid &&
	    exec_json(g, json_pack("{s:s, s:s}", "cmd", "kill", "target", e->name)) == 0) {
		g->stopped++;
		/* The name goes with the stand-in now, not at the registry's
		 * next sweep: what is sent to it meanwhile is no_process, as
		 * for any name that has gone, not a dead_pid refusal. */
		rcu_thread_online();
		if (whereis(g, e->name) == e->pid)
			(void)bl_registry_unregister(g->r->registry, e->name, BL_NAME_MAX);
		rcu_thread_offline();
	}
	e->pid = BL_PID_NONE;
	stand_in_unexport(g, e);
}

/* The other nodes this one knows, with a hop to each (answers to named
 * messages go back on it): added as the member list shows them. */
static void follow_members(struct bl_global_names *g)
{
	char *text = bl_cluster_members(g->cc->cl);
	json_t *arr = text != NULL ? json_loads(text, 0, NULL) : NULL;

	free(text);
	for (size_t k = 0; json_is_array(arr) && k < json_array_size(arr); k++) {
		const json_t *o = json_array_get(arr, k);
		const char *addr = json_string_value(json_object_get(o, "addr"));
		json_int_t port = json_integer_value(json_object_get(o, "port"));
		struct bl_route_hop_spec hs;
		char sub[128];
		int hop;

		if (addr == NULL || json_is_true(json_object_get(o, "self")) || port < 1 ||
		    port > 65535)
			continue;
		memset(&hs, 0, sizeof(hs));
		if (bl_cmd_ipv4_parse(addr, &hs.ip, sub, sizeof(sub)) != 0 ||
		    bl_peer_hop(&g->r->peers, rte_cpu_to_be_32(hs.ip)) >= 0)
			continue;
		hs.port = g->port;
		hs.udp = (uint16_t)port;
		hs.resolve = true;
		rcu_thread_online();
		hop = bl_route_hop_acquire(g->r->routes, &hs);
		rcu_thread_offline();
		if (hop >= 0)
			(void)bl_peer_add(&g->r->peers, rte_cpu_to_be_32(hs.ip), (uint16_t)hop);
	}
	json_decref(arr);
}

/* ---- commands ---- */

static int need_cluster(struct bl_global_names *g, char *errmsg, size_t errlen)
{
	if (g->cc->cl != NULL)
		return 0;
	bl_err_set(errmsg, errlen,
		   "this node is in no cluster (start beamline with --cluster NAME --node ID "
		   "--etcd URL)");
	return -ENOTCONN;
}

/* A request of one field, "name", on a node in a cluster: 0 with *name. */
static int name_request(struct bl_global_names *g, json_t *req, const char **name, char *errmsg,
			size_t errlen)
{
	static const char *const fields[] = { "name", NULL };
	struct bl_args a;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_name(&a, "name", BL_ARG_REQUIRED, name) != 0)
		return -EINVAL;
	return need_cluster(g, errmsg, errlen);
}

static int cmd_register(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_global_names *g = arg;
	const struct bl_cluster_conf *me;
	const char *name;
	struct bl_gname *e;
	json_t *val;
	char *text;
	uint64_t pid;
	int i, idx, rc;

	rc = name_request(g, req, &name, errmsg, errlen);
	if (rc != 0)
		return rc;
	i = find(g, name);
	if (i >= 0 && !g->v[i].local) {
		bl_err_set(errmsg, errlen, "%s is a global name of node %s already", name,
			   g->v[i].node);
		return -EEXIST;
	}
	pid = whereis(g, name);
	if (pid == BL_PID_NONE) {
		bl_err_set(errmsg, errlen, "no process is registered here under %s", name);
		return -ENOENT;
	}
	if (i < 0 && g->n == BL_GLOBAL_NAMES_MAX) {
		bl_err_set(errmsg, errlen, "%u global names at most", BL_GLOBAL_NAMES_MAX);
		return -ENOSPC;
	}
	idx = i >= 0 ? g->v[i].index : bl_route_target_export(g->r->routes, name);
	if (idx < 0) {
		bl_err_set(errmsg, errlen, "cannot export %s: %s", name, strerror(-idx));
		return idx;
	}
	me = self(g);
	val = json_pack("{s:s, s:s, s:i, s:i}", "node", me->node, "addr", me->addr, "port",
			me->port, "index", idx);
	text = val != NULL ? json_dumps(val, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(val);
	rc = text != NULL ? bl_cluster_name_set(g->cc->cl, name, text) : -ENOMEM;
	free(text);
	if (rc != 0) {
		if (i < 0)
			bl_route_target_unexport(g->r->routes, (unsigned)idx);
		bl_err_set(errmsg, errlen, "out of memory");
		return rc;
	}
	if (i < 0) {
		e = &g->v[g->n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->local = true;
		e->index = (uint16_t)idx;
	} else {
		e = &g->v[i];
	}
	e->pid = pid;
	json_object_set_new(reply, "name", json_string(name));
	json_object_set_new(reply, "index", json_integer(idx));
	json_object_set_new(reply, "pid", bl__pid_json(pid));
	return 0;
}

/* Give up local name i: no longer exported, gone from etcd. Online. */
static void unexport(struct bl_global_names *g, unsigned i)
{
	bl_route_target_unexport(g->r->routes, g->v[i].index);
	(void)bl_cluster_name_set(g->cc->cl, g->v[i].name, NULL);
	drop(g, i);
}

static int cmd_unregister(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_global_names *g = arg;
	const char *name;
	int i, rc;

	rc = name_request(g, req, &name, errmsg, errlen);
	if (rc != 0)
		return rc;
	i = find(g, name);
	if (i < 0 || !g->v[i].local) {
		bl_err_set(errmsg, errlen,
			   i < 0 ? "%s is not a global name of this node"
				 : "%s is a global name of another node: unregister it there",
			   name);
		return -ENOENT;
	}
	unexport(g, (unsigned)i);
	json_object_set_new(reply, "name", json_string(name));
	return 0;
}

static int cmd_list(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_global_names *g = arg;
	json_t *arr;
	int rc;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	rc = need_cluster(g, errmsg, errlen);
	if (rc != 0)
		return rc;
	arr = json_array();
	for (unsigned i = 0; arr != NULL && i < g->n; i++) {
		const struct bl_gname *e = &g->v[i];
		json_t *o = json_pack("{s:s, s:s, s:i, s:b}", "name", e->name, "node",
				      e->local ? self(g)->node : e->node, "index", e->index,
				      "local", e->local);

		if (o == NULL)
			break;
		json_object_set_new(o, "pid", bl__pid_json(e->pid));
		if (e->group[0] != '\0')
			json_object_set_new(o, "group", json_string(e->group));
		if (!e->local) {
			json_object_set_new(o, "addr", json_string(e->addr));
			json_object_set_new(o, "port", json_integer(e->udp));
		}
		json_array_append_new(arr, o);
	}
	json_object_set_new(reply, "names", arr != NULL ? arr : json_array());
	/* The other nodes answers to named messages can go back to. */
	arr = json_array();
	for (uint32_t i = 0; arr != NULL && i < g->r->peers.n; i++) {
		uint32_t ip = rte_be_to_cpu_32(g->r->peers.e[i].ip_be);
		char a[16];

		snprintf(a, sizeof(a), "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255,
			 ip & 255);
		json_array_append_new(
		    arr, json_pack("{s:s, s:i}", "addr", a, "hop", g->r->peers.e[i].hop));
	}
	json_object_set_new(reply, "nodes", arr != NULL ? arr : json_array());
	json_object_set_new(reply, "stand_ins_started", json_integer((json_int_t)g->started));
	json_object_set_new(reply, "stand_ins_stopped", json_integer((json_int_t)g->stopped));
	json_object_set_new(reply, "conflicts", json_integer((json_int_t)g->conflicts));
	json_object_set_new(reply, "lost", json_integer((json_int_t)g->lost));
	if (g->last_conflict[0] != '\0')
		json_object_set_new(reply, "last_conflict", json_string(g->last_conflict));
	return 0;
}

/* "G@node": this node's part of group G in etcd. */
static void group_key(const struct bl_global_names *g, const char *group, char *key, size_t n)
{
	snprintf(key, n, "%s@%s", group, self(g)->node);
}

static int cmd_group(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_global_names *g = arg;
	const struct bl_cluster_conf *me;
	char key[2 * BL_NAME_MAX + 64], *text;
	const char *name;
	json_t *val;
	int idx, rc;

	rc = name_request(g, req, &name, errmsg, errlen);
	if (rc != 0)
		return rc;
	if (find_group(g, name) < 0) {
		if (g->n_grp == BL_GLOBAL_GROUPS_MAX) {
			bl_err_set(errmsg, errlen, "%u groups across nodes at most",
				   BL_GLOBAL_GROUPS_MAX);
			return -ENOSPC;
		}
		idx = bl_route_target_export_kind(g->r->routes, BL_ROUTE_GROUP, name);
		if (idx < 0) {
			bl_err_set(errmsg, errlen, "cannot export group %s: %s", name,
				   strerror(-idx));
			return idx;
		}
		snprintf(g->grp[g->n_grp].name, sizeof(g->grp[0].name), "%s", name);
		g->grp[g->n_grp++].index = (uint16_t)idx;
	}
	idx = g->grp[find_group(g, name)].index;
	me = self(g);
	group_key(g, name, key, sizeof(key));
	val = json_pack("{s:s, s:s, s:s, s:i, s:i}", "group", name, "node", me->node, "addr",
			me->addr, "port", me->port, "index", idx);
	text = val != NULL ? json_dumps(val, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(val);
	rc = text != NULL ? bl_cluster_name_set(g->cc->cl, key, text) : -ENOMEM;
	free(text);
	if (rc != 0) {
		bl_err_set(errmsg, errlen, "out of memory");
		return rc;
	}
	json_object_set_new(reply, "group", json_string(name));
	json_object_set_new(reply, "index", json_integer(idx));
	return 0;
}

static int cmd_ungroup(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_global_names *g = arg;
	char key[2 * BL_NAME_MAX + 64];
	const char *name;
	int i, rc;

	rc = name_request(g, req, &name, errmsg, errlen);
	if (rc != 0)
		return rc;
	i = find_group(g, name);
	if (i < 0) {
		bl_err_set(errmsg, errlen, "group %s does not span nodes from here", name);
		return -ENOENT;
	}
	bl_route_target_unexport(g->r->routes, g->grp[i].index);
	group_key(g, name, key, sizeof(key));
	(void)bl_cluster_name_set(g->cc->cl, key, NULL);
	g->grp[i] = g->grp[--g->n_grp];
	/* Its stand-ins here go at the next tick (their group is no longer ours). */
	json_object_set_new(reply, "group", json_string(name));
	return 0;
}

BL_ONLINE(cmd_register)
BL_ONLINE(cmd_group)
BL_ONLINE(cmd_ungroup)
BL_ONLINE(cmd_unregister)

int bl_global_names_register(struct bl_ctl *c, struct bl_global_names *g, struct bl_router *r,
			     struct bl_cluster_cmds *cc, uint16_t port)
{
	static const struct {
		const char *cmd;
		bl_ctl_handler fn;
		const char *help;
	} cmds[] = {
		{ "global.register", cmd_register_online,
		  "register a local process's name cluster-wide" },
		{ "global.unregister", cmd_unregister_online,
		  "give a global name of this node up" },
		{ "global.group", cmd_group_online,
		  "make a group span the nodes that say so: a copy to each" },
		{ "global.ungroup", cmd_ungroup_online, "stop a group spanning nodes from here" },
		{ "global.list", cmd_list,
		  "the cluster's global names: node, index, the local stand-in" },
	};
	int rc = 0;

	memset(g, 0, sizeof(*g));
	g->ctl = c;
	g->r = r;
	g->cc = cc;
	g->port = port;
	for (size_t i = 0; rc == 0 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		rc = bl_ctl_register(c, cmds[i].cmd, cmds[i].fn, g, cmds[i].help);
	return rc;
}

/* ---- following the cluster ---- */

static void conflict(struct bl_global_names *g, const char *name, const char *node)
{
	g->conflicts++;
	snprintf(g->last_conflict, sizeof(g->last_conflict),
		 "%s: node %s has it, and so does this node", name, node);
}

/* One name of another node, as the last read shows it. */
static void follow(struct bl_global_names *g, const json_t *o)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *node = json_string_value(json_object_get(o, "node"));
	const char *addr = json_string_value(json_object_get(o, "addr"));
	json_int_t port = json_integer_value(json_object_get(o, "port"));
	json_int_t index = json_integer_value(json_object_get(o, "index"));
	const char *group = json_string_value(json_object_get(o, "group"));
	struct bl_gname *e;
	int i;

	if (name == NULL || node == NULL || addr == NULL || port < 1 || port > 65535 || index < 0 ||
	    index > 1023 || strlen(name) >= BL_NAME_MAX || strcmp(node, self(g)->node) == 0)
		return;
	/* Another node's part of a group: ours only if this node takes part. */
	if (group != NULL && (strlen(group) >= BL_NAME_MAX || find_group(g, group) < 0))
		return;
	i = find(g, name);
	if (i >= 0 && g->v[i].local) {
		conflict(g, name, node);
		return;
	}
	if (i >= 0) {
		e = &g->v[i];
		if (strcmp(e->node, node) != 0 || strcmp(e->addr, addr) != 0 || e->udp != port ||
		    e->index != index)
			stand_in_stop(g, e); /* moved: a new stand-in below */
	} else {
		if (whereis(g, name) != BL_PID_NONE) { /* a local process of that name */
			conflict(g, name, node);
			return;
		}
		if (g->n == BL_GLOBAL_NAMES_MAX)
			return;
		e = &g->v[g->n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->reply = BL_NAMED_NO_REPLY;
		if (group != NULL)
			snprintf(e->group, sizeof(e->group), "%s", group);
	}
	snprintf(e->node, sizeof(e->node), "%s", node);
	snprintf(e->addr, sizeof(e->addr), "%s", addr);
	e->udp = (uint16_t)port;
	e->index = (uint16_t)index;
	e->seen = true;
	if (e->pid == BL_PID_NONE || whereis(g, e->name) != e->pid)
		stand_in_start(g, e);
}

void bl_global_names_tick(struct bl_global_names *g)
{
	double now = mono_s();
	json_t *names;
	char *text;
	unsigned i;

	if (g->cc == NULL || g->cc->cl == NULL || now < g->next_tick)
		return;
	g->next_tick = now + 1.0;
	follow_members(g);
	/* This node's: a name no process holds here any more goes. */
	for (i = 0; i < g->n;) {
		uint64_t pid;

		if (!g->v[i].local) {
			i++;
			continue;
		}
		pid = whereis(g, g->v[i].name);
		if (pid != BL_PID_NONE) {
			g->v[i++].pid = pid;
			continue;
		}
		g->lost++;
		rcu_thread_online();
		unexport(g, i);
		rcu_thread_offline();
	}
	text = bl_cluster_names(g->cc->cl);
	names = text != NULL ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (!json_is_array(names)) { /* never read yet: keep what we have */
		json_decref(names);
		return;
	}
	for (i = 0; i < g->n; i++)
		g->v[i].seen = false;
	for (size_t k = 0; k < json_array_size(names); k++)
		follow(g, json_array_get(names, k));
	json_decref(names);
	/* Another node's name that left etcd: its stand-in goes, so what is
	 * sent to the name here is counted no_process. */
	for (i = 0; i < g->n;) {
		if (g->v[i].local || g->v[i].seen) {
			i++;
			continue;
		}
		stand_in_stop(g, &g->v[i]);
		drop(g, i);
	}
}
