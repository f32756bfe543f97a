/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command grammar. Design:
 *  - One table, bl_cmd_rows: (word, subword) -> JSON "cmd" name, builder,
 *    usage forms. Matching walks the table; the error for an unknown or
 *    missing word is generated from the same table, so it always lists what
 *    really exists. A new command is one row plus one builder.
 *  - Builders validate every value here, before anything is sent, with a
 *    message naming the word and what was expected. The daemon decodes the
 *    same fields with bl_cmd_route_from_json / bl_cmd_key_from_json
 *    (control/cmd_route.c), which share the validators.
 *  - Route words and codecs are control/cmd_route.c; batch lines and batch
 *    files control/cmd_batch.c; word splitting control/cmd_split.c; this
 *    file: the table and the builders of the other commands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cmd.h"
#include "control/cmd_pvt.h"
#include "control/errors.h"

/* ---- builders ---- */

json_t *bl__cmd_request_new(const char *cmd)
{
	json_t *o = json_object();

	if (o != NULL && json_object_set_new(o, "cmd", json_string(cmd)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *bl__cmd_oom(char *err, size_t errlen)
{
	bl_err_set(err, errlen, "out of memory");
	return NULL;
}

/* A command without arguments; its one usage form is its words ("route count"). */
static json_t *build_plain(const struct bl_cmd_row *row, int argc, char **argv, char *err,
			   size_t errlen)
{
	json_t *o;

	if (argc > 0) {
		bl_err_set(err, errlen, "%s: unexpected word '%s': it takes no arguments",
			   row->forms[0], argv[0]);
		return NULL;
	}
	o = bl__cmd_request_new(row->cmd);
	return o ? o : bl__cmd_oom(err, errlen);
}

static json_t *parse_route_add(const char *what, int argc, char **argv, char *err, size_t errlen)
{
	struct bl_cmd_route r;
	json_t *o;

	if (bl_cmd_route_parse(what, argc, argv, &r, err, errlen) < 0)
		return NULL;
	o = bl_cmd_route_to_json(&r);
	return o ? o : bl__cmd_oom(err, errlen);
}

/* Append the keys argv[0..argc) to array `keys`. Returns 0 or -1 with err. */
static int parse_keys(const char *what, int argc, char **argv, json_t *keys, char *err,
		      size_t errlen)
{
	char sub[192];

	if (argc < 1) {
		bl_err_set(err, errlen, "%s: missing KEY (usage: %s KEY [KEY...])", what, what);
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		struct bl_cmd_key k;

		if (bl_cmd_key_parse(argv[i], &k, sub, sizeof(sub)) < 0) {
			bl_err_set(err, errlen, "%s: %s", what, sub);
			return -1;
		}
		if (json_array_append_new(keys, bl_cmd_key_to_json(&k)) != 0) {
			bl_err_set(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

/*
 * Take a trailing --cluster off the words (the last word only, so a name
 * cannot be mistaken for it). Returns whether it was there.
 */
static bool take_cluster_flag(int *argc, char **argv)
{
	if (*argc > 0 && strcmp(argv[*argc - 1], "--cluster") == 0) {
		(*argc)--;
		return true;
	}
	return false;
}

/* "cluster": true on o (when cluster); NULL with err for lack of memory. */
static json_t *with_cluster(json_t *o, bool cluster, char *err, size_t errlen)
{
	if (o != NULL && cluster && json_object_set_new(o, "cluster", json_true()) != 0) {
		json_decref(o);
		return bl__cmd_oom(err, errlen);
	}
	return o;
}

static json_t *build_route_add(const struct bl_cmd_row *row, int argc, char **argv, char *err,
			       size_t errlen)
{
	bool cluster = take_cluster_flag(&argc, argv);
	json_t *route = parse_route_add("route add", argc, argv, err, errlen);
	json_t *o, *routes;

	if (route == NULL)
		return NULL;
	o = bl__cmd_request_new(row->cmd);
	routes = json_array();
	if (o == NULL || routes == NULL || json_array_append_new(routes, route) != 0 ||
	    json_object_set_new(o, "routes", routes) != 0) {
		json_decref(o);
		return bl__cmd_oom(err, errlen);
	}
	return with_cluster(o, cluster, err, errlen);
}

static json_t *build_route_del(const struct bl_cmd_row *row, int argc, char **argv, char *err,
			       size_t errlen)
{
	bool cluster = take_cluster_flag(&argc, argv);
	json_t *o = bl__cmd_request_new(row->cmd);
	json_t *keys = json_array();

	if (o == NULL || keys == NULL || json_object_set(o, "keys", keys) != 0) {
		json_decref(o);
		json_decref(keys);
		return bl__cmd_oom(err, errlen);
	}
	json_decref(keys);
	if (parse_keys("route del", argc, argv, keys, err, errlen) < 0) {
		json_decref(o);
		return NULL;
	}
	return with_cluster(o, cluster, err, errlen);
}

/*
 * route list [limit N] [cursor C], the pairs in any order, each at most once.
 * Without limit the request has none: the daemon then sends its default page,
 * and beamctl takes the absence to mean "walk every page".
 */
static json_t *build_route_list(const struct bl_cmd_row *row, int argc, char **argv, char *err,
				size_t errlen)
{
	const char *limit_word = NULL, *cursor = NULL;
	uint64_t limit = 0;
	json_t *o;
	int rc;

	for (int i = 0; i < argc; i += 2) {
		const char **slot = strcmp(argv[i], "limit") == 0    ? &limit_word
				    : strcmp(argv[i], "cursor") == 0 ? &cursor
								     : NULL;

		if (slot == NULL) {
			bl_err_set(err, errlen, "route list: unexpected word '%s' (usage: %s)",
				   argv[i], row->forms[0]);
			return NULL;
		}
		if (i + 1 >= argc) {
			bl_err_set(err, errlen, "route list: '%s' needs a value", argv[i]);
			return NULL;
		}
		if (*slot != NULL) {
			bl_err_set(err, errlen, "route list: '%s' given twice", argv[i]);
			return NULL;
		}
		*slot = argv[i + 1];
	}
	if (limit_word != NULL) {
		rc = bl__cmd_parse_uint(limit_word, BL_CMD_LIST_LIMIT_MAX, &limit);
		if (rc == -ERANGE) {
			bl_err_set(err, errlen,
				   "route list: bad limit '%s': at most %d routes a page (leave "
				   "limit out to list every page)",
				   limit_word, BL_CMD_LIST_LIMIT_MAX);
			return NULL;
		}
		if (rc < 0 || limit == 0) {
			bl_err_set(err, errlen, "route list: bad limit '%s': expected 1..%d",
				   limit_word, BL_CMD_LIST_LIMIT_MAX);
			return NULL;
		}
	}
	/* The same check as the daemon's: a cursor is an earlier reply's "next". */
	if (cursor != NULL &&
	    (strlen(cursor) != 24 || strspn(cursor, "0123456789abcdefABCDEF") != 24)) {
		bl_err_set(
		    err, errlen,
		    "route list: bad cursor '%s': expected 24 hex digits (the \"next\" of an "
		    "earlier page)",
		    cursor);
		return NULL;
	}
	o = bl__cmd_request_new(row->cmd);
	if (o == NULL ||
	    (limit_word != NULL &&
	     json_object_set_new(o, "limit", json_integer((json_int_t)limit)) != 0) ||
	    (cursor != NULL && json_object_set_new(o, "cursor", json_string(cursor)) != 0)) {
		json_decref(o);
		return bl__cmd_oom(err, errlen);
	}
	return o;
}

/*
 * Commands of the form: POSITIONAL... then NAME VALUE pairs (NAME may be
 * written --NAME). A value of decimal digits travels as an integer, any
 * other as a string: the daemon checks types and ranges. Pairs a command
 * does not know go into "args" when it takes behaviour arguments (spawn),
 * else they are refused here.
 */
struct kv_spec {
	const char *cmd;
	const char *pos[3];
	const char *opts[10];
	bool args_rest;
};

static const struct kv_spec kv_specs[] = {
	{ "spawn",
	  { "behaviour" },
	  { "name", "lcore", "group", "count", "mailbox_limit", "heap_limit", "overflow",
	    "hibernate_after_ms" },
	  true },
	{ "kill", { "target" }, { NULL }, false },
	{ "exit", { "target", "reason" }, { NULL }, false },
	{ "send", { "target", "key", "data" }, { NULL }, false },
	{ "link", { "target", "other" }, { NULL }, false },
	{ "unlink", { "target", "other" }, { NULL }, false },
	{ "monitor", { "target", "other" }, { NULL }, false },
	{ "trap_exit", { "target", "on" }, { NULL }, false },
	{ "call", { "target", "key", "data" }, { "timeout" }, false },
	{ "info", { "target" }, { "messages" }, false },
	{ "group.join", { "group", "target" }, { NULL }, false },
	{ "group.leave", { "group", "target" }, { NULL }, false },
	{ "ps", { NULL }, { "sort", "top", "lcore" }, false },
	{ "sup.new",
	  { "id" },
	  { "strategy", "intensity", "period", "parent", "restart", "shutdown" },
	  false },
	{ "sup.child",
	  { "sup", "id", "behaviour" },
	  { "name", "lcore", "restart", "shutdown", "mailbox_limit", "heap_limit", "overflow" },
	  true },
	{ "sup.tree", { NULL }, { NULL }, false },
	{ "sup.start", { "id" }, { NULL }, false },
	{ "sup.stop", { "id" }, { NULL }, false },
	{ "crashes", { NULL }, { "top" }, false },
	{ "unload", { "behaviour" }, { NULL }, false },
	{ "lcores", { NULL }, { NULL }, false },
	{ "global.register", { "name" }, { NULL }, false },
	{ "global.unregister", { "name" }, { NULL }, false },
	{ "global.group", { "name" }, { NULL }, false },
	{ "global.ungroup", { "name" }, { NULL }, false },
	{ "table.info", { "name" }, { NULL }, false },
	{ "table.get", { "name", "key" }, { NULL }, false },
};

static json_t *kv_value(const char *v)
{
	bool neg = v[0] == '-';
	uint64_t n;

	/* -N too: a behaviour's i64 argument is an integer, like any other. */
	if (v[neg] >= '0' && v[neg] <= '9' &&
	    bl__cmd_parse_uint(v + neg, (uint64_t)INT64_MAX + neg, &n) == 0)
		return json_integer(neg ? (json_int_t)(0 - n) : (json_int_t)n);
	return json_string(v);
}

static json_t *build_kv(const struct bl_cmd_row *row, int argc, char **argv, char *err,
			size_t errlen)
{
	const struct kv_spec *k = NULL;
	json_t *o, *args = NULL;
	int i, npos = 0;

	for (size_t j = 0; j < sizeof(kv_specs) / sizeof(kv_specs[0]); j++)
		if (strcmp(kv_specs[j].cmd, row->cmd) == 0)
			k = &kv_specs[j];
	if (k == NULL) {
		bl_err_set(err, errlen, "%s: no grammar", row->cmd);
		return NULL;
	}
	while (npos < 3 && k->pos[npos] != NULL)
		npos++;
	if (argc < npos) {
		bl_err_set(err, errlen, "%s: missing %s (usage: %s)", row->cmd, k->pos[argc],
			   row->forms[0]);
		return NULL;
	}
	o = bl__cmd_request_new(row->cmd);
	if (o == NULL)
		return bl__cmd_oom(err, errlen);
	for (i = 0; i < npos; i++)
		json_object_set_new(o, k->pos[i], kv_value(argv[i]));
	for (; i < argc; i += 2) {
		const char *name = argv[i];
		bool known = false;

		while (*name == '-')
			name++;
		for (size_t j = 0; j < 10 && k->opts[j] != NULL; j++)
			known |= strcmp(k->opts[j], name) == 0;
		if (*name == '\0' || (!known && !k->args_rest)) {
			bl_err_set(err, errlen, "%s: unexpected word '%s' (usage: %s)", row->cmd,
				   argv[i], row->forms[0]);
			goto fail;
		}
		if (i + 1 >= argc) {
			bl_err_set(err, errlen, "%s: '%s' needs a value", row->cmd, argv[i]);
			goto fail;
		}
		if (known) {
			if (json_object_get(o, name) != NULL) {
				bl_err_set(err, errlen, "%s: '%s' given twice", row->cmd, name);
				goto fail;
			}
			json_object_set_new(o, name, kv_value(argv[i + 1]));
			continue;
		}
		if (args == NULL) {
			args = json_object();
			if (args == NULL || json_object_set_new(o, "args", args) != 0) {
				json_decref(o);
				return bl__cmd_oom(err, errlen);
			}
		}
		if (json_object_get(args, name) != NULL) {
			bl_err_set(err, errlen, "%s: '%s' given twice", row->cmd, name);
			goto fail;
		}
		json_object_set_new(args, name, kv_value(argv[i + 1]));
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/*
 * load PATH, upgrade PATH [--purge] [--lazy]: the path as the reader of the
 * words means it, so a relative one is made absolute here (beamctl's
 * directory, not the daemon's); a file that does not exist is sent as
 * given, for the daemon to refuse.
 */
static json_t *build_load(const struct bl_cmd_row *row, int argc, char **argv, char *err,
			  size_t errlen)
{
	char *abs = NULL, rel[4200], *path = NULL;
	bool purge = false, lazy = false;
	json_t *o;
	int i, n = 0;

	/* upgrade's flags, on either side of the path */
	for (i = 0; i < argc; i++) {
		bool up = strcmp(row->cmd, "upgrade") == 0;

		if (up && strcmp(argv[i], "--purge") == 0 && !purge) {
			purge = true;
		} else if (up && strcmp(argv[i], "--lazy") == 0 && !lazy) {
			lazy = true;
		} else {
			path = argv[i];
			n++;
		}
	}
	if (n != 1) {
		bl_err_set(err, errlen, "%s: %s (usage: %s)", row->cmd,
			   n == 0 ? "missing PATH" : "one PATH only", row->forms[0]);
		return NULL;
	}
	if (path[0] == '\0' || strlen(path) > 4095) {
		bl_err_set(err, errlen, "%s: bad PATH (1..4095 bytes)", row->cmd);
		return NULL;
	}
	/* A bare name would be searched for in the library path: it means ./name. */
	snprintf(rel, sizeof(rel), "%s%s", strchr(path, '/') != NULL ? "" : "./", path);
	abs = realpath(rel, NULL);
	o = bl__cmd_request_new(row->cmd);
	if (o == NULL ||
	    json_object_set_new(o, "path", json_string(abs != NULL ? abs : rel)) != 0 ||
	    (purge && json_object_set_new(o, "purge", json_true()) != 0) ||
	    (lazy && json_object_set_new(o, "lazy", json_true()) != 0)) {
		free(abs);
		json_decref(o);
		return bl__cmd_oom(err, errlen);
	}
	free(abs);
	return o;
}

/* latency [--reset] */
static json_t *build_latency(const struct bl_cmd_row *row, int argc, char **argv, char *err,
			     size_t errlen)
{
	bool reset =
	    argc >= 1 && (strcmp(argv[0], "--reset") == 0 || strcmp(argv[0], "reset") == 0);
	json_t *o;

	if (argc > (reset ? 1 : 0)) {
		bl_err_set(err, errlen, "%s: unexpected word '%s' (usage: %s)", row->cmd,
			   argv[reset ? 1 : 0], row->forms[0]);
		return NULL;
	}
	o = bl__cmd_request_new(row->cmd);
	if (o == NULL || (reset && json_object_set_new(o, "reset", json_true()) != 0)) {
		json_decref(o);
		return bl__cmd_oom(err, errlen);
	}
	return o;
}

static const struct bl_cmd_row bl_cmd_rows[] = {
	{ "help", NULL, "help", build_plain, { "help" }, "list the daemon's commands" },
	{ "status", NULL, "status", build_plain, { "status" }, "version, uptime, lcores, ports" },
	{ "ports", NULL, "ports", build_plain, { "ports" }, "ports: link, addresses, counters" },
	{ "neigh",
	  NULL,
	  "neigh.list",
	  build_plain,
	  { "neigh" },
	  "neighbours resolved by ARP and ND: address, port, MAC, state, age" },
	{ "stats",
	  NULL,
	  "stats",
	  build_plain,
	  { "stats" },
	  "counters: totals, drops by reason, ports, lcores, sequence, mempool" },
	{ "route",
	  "add",
	  "route.add",
	  build_route_add,
	  { "route add KEY drop", "route add KEY port P [mac MAC] ip A.B.C.D [udp N]",
	    "route add KEY process|group|pool NAME" },
	  "add or replace a route (udp defaults to 7447)" },
	{ "route",
	  "del",
	  "route.del",
	  build_route_del,
	  { "route del KEY [KEY...]" },
	  "delete routes" },
	{ "route",
	  "list",
	  "route.list",
	  build_route_list,
	  { "route list [limit N] [cursor C]" },
	  "every route, page by page; or one page of N (at most 10000) from cursor C" },
	{ "route",
	  "count",
	  "route.count",
	  build_plain,
	  { "route count" },
	  "routes by action, default route, table size" },
	{ "route",
	  "batch",
	  "route.batch",
	  bl__cmd_build_route_batch,
	  { "route batch FILE|-" },
	  "apply a file of 'add ...' and 'del ...' lines" },
	/* Usage only: the rows above parse these forms too (--cluster last). */
	{ "route",
	  "add",
	  "route.add",
	  build_route_add,
	  { "route add KEY ... --cluster" },
	  "write the route to etcd: every node of the cluster applies it; a local route wins" },
	{ "route",
	  "del",
	  "route.del",
	  build_route_del,
	  { "route del KEY [KEY...] --cluster" },
	  "delete cluster routes from etcd, on every node" },
	{ "cluster",
	  NULL,
	  "cluster.members",
	  build_plain,
	  { "cluster" },
	  "cluster members: address, lease age, reachable; this node's cluster state" },
	{ "global",
	  "register",
	  "global.register",
	  build_kv,
	  { "global register NAME" },
	  "register a local process's name cluster-wide (docs/cluster.md)" },
	{ "global",
	  "unregister",
	  "global.unregister",
	  build_kv,
	  { "global unregister NAME" },
	  "give a global name of this node up" },
	{ "global",
	  "group",
	  "global.group",
	  build_kv,
	  { "global group GROUP" },
	  "make a group span every node that says so: each delivers to its own members" },
	{ "global",
	  "ungroup",
	  "global.ungroup",
	  build_kv,
	  { "global ungroup GROUP" },
	  "stop a group spanning nodes from here" },
	{ "global",
	  "list",
	  "global.list",
	  build_plain,
	  { "global list" },
	  "the cluster's global names: node, index, local process or stand-in" },
	{ "spawn",
	  NULL,
	  "spawn",
	  build_kv,
	  { "spawn BEHAVIOUR [name N] [lcore L|any] [group G] [count N] [ARG VALUE...]" },
	  "start processes; ARG VALUE pairs as the behaviour's schema says (beamctl behaviours)" },
	{ "kill", NULL, "kill", build_kv, { "kill PID|NAME" }, "kill a process (untrappable)" },
	{ "exit",
	  NULL,
	  "exit",
	  build_kv,
	  { "exit PID|NAME REASON" },
	  "send an exit signal: normal, shutdown, kill, or an error text" },
	{ "info",
	  NULL,
	  "info",
	  build_kv,
	  { "info PID|NAME [--messages N]" },
	  "everything about one process; with N, its first N queued messages (key, bytes, age)" },
	{ "send",
	  NULL,
	  "send",
	  build_kv,
	  { "send PID|NAME KEY DATA" },
	  "send a process a message (DATA: its bytes, as text)" },
	{ "link",
	  NULL,
	  "link",
	  build_kv,
	  { "link PID|NAME PID|NAME" },
	  "drills: the first process links to the second (its exit signals now reach it)" },
	{ "unlink", NULL, "unlink", build_kv, { "unlink PID|NAME PID|NAME" }, "undo link" },
	{ "monitor",
	  NULL,
	  "monitor",
	  build_kv,
	  { "monitor PID|NAME PID|NAME" },
	  "drills: the first process monitors the second (a DOWN when it goes)" },
	{ "trap_exit",
	  NULL,
	  "trap_exit",
	  build_kv,
	  { "trap_exit PID|NAME true|false" },
	  "drills: exit signals become messages to the process, or kill it again" },
	{ "call",
	  NULL,
	  "call",
	  build_kv,
	  { "call PID|NAME KEY DATA [--timeout MS]" },
	  "call a process and print its answer (a reply, timeout or noproc)" },
	{ "ps",
	  NULL,
	  "ps",
	  build_kv,
	  { "ps [--sort memory|mailbox|reductions|binary] [--top N] [--lcore L]" },
	  "processes, biggest first" },
	{ "memory",
	  NULL,
	  "memory",
	  build_plain,
	  { "memory" },
	  "memory: processes, binaries, tables, mbuf pools, system" },
	{ "latency",
	  NULL,
	  "latency",
	  build_latency,
	  { "latency [--reset]" },
	  "time inside the router per lcore and path: count, p50, p90, p99, p99.9, max" },
	{ "lcores",
	  NULL,
	  "lcores",
	  build_kv,
	  { "lcores" },
	  "per lcore: busy and idle cycles, average burst, processes, stalls" },
	{ "group",
	  "join",
	  "group.join",
	  build_kv,
	  { "group join GROUP PID|NAME" },
	  "add a process to a group" },
	{ "group",
	  "leave",
	  "group.leave",
	  build_kv,
	  { "group leave GROUP PID|NAME" },
	  "remove a process from a group" },
	{ "group", "list", "group.list", build_plain, { "group list" }, "groups and members" },
	{ "table", "list", "table.list", build_plain, { "table list" }, "shared tables (ETS)" },
	{ "table",
	  "info",
	  "table.info",
	  build_kv,
	  { "table info NAME" },
	  "one shared table: owner, heir, access, entries, bytes, bounds" },
	{ "table",
	  "get",
	  "table.get",
	  build_kv,
	  { "table get NAME KEY" },
	  "a key's values in a shared table (KEY: an integer for u64 keys, else text)" },
	{ "sup",
	  "new",
	  "sup.new",
	  build_kv,
	  { "sup new ID [strategy one_for_one|one_for_all|rest_for_one] [intensity N] [period MS] "
	    "[parent ID] [restart R] [shutdown MS|infinity]" },
	  "define a supervisor (a root, or nested under a parent)" },
	{ "sup",
	  "child",
	  "sup.child",
	  build_kv,
	  { "sup child SUP ID BEHAVIOUR [name N] [lcore L|any] [restart permanent|transient|"
	    "temporary] [shutdown MS|brutal|infinity] [ARG VALUE...]" },
	  "define a worker child of a supervisor" },
	{ "sup", "start", "sup.start", build_kv, { "sup start ID" }, "start a tree, or a child" },
	{ "sup",
	  "stop",
	  "sup.stop",
	  build_kv,
	  { "sup stop ID" },
	  "stop a tree cleanly, or a child" },
	{ "sup", "tree", "sup.tree", build_plain, { "sup tree" }, "every tree, node by node" },
	{ "crashes",
	  NULL,
	  "crashes",
	  build_kv,
	  { "crashes [--top N]" },
	  "crash reports: pid, name, behaviour, reason, messages, heap, last key" },
	{ "behaviours",
	  NULL,
	  "behaviours",
	  build_plain,
	  { "behaviours" },
	  "every behaviour: version, source (built-in or file), processes, arguments" },
	{ "load",
	  NULL,
	  "load",
	  build_load,
	  { "load PATH" },
	  "load a behaviour module (.so) into the running router" },
	{ "upgrade",
	  NULL,
	  "upgrade",
	  build_load,
	  { "upgrade PATH [--purge] [--lazy]" },
	  "load a new version of a loaded behaviour; its processes move to it now (--lazy: at "
	  "their next message)" },
	{ "unload",
	  NULL,
	  "unload",
	  build_kv,
	  { "unload NAME" },
	  "remove a loaded behaviour (refused while a process or a child spec uses it)" },
};

#define BL_CMD_NROWS (sizeof(bl_cmd_rows) / sizeof(bl_cmd_rows[0]))

/* "a, b, c" of the distinct first words, or of the subwords of `word`. */
static void known_words(const char *word, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < BL_CMD_NROWS; i++) {
		const char *w = word ? bl_cmd_rows[i].sub : bl_cmd_rows[i].word;
		bool dup = false;
		int n;

		if (word != NULL && strcmp(bl_cmd_rows[i].word, word) != 0)
			continue;
		for (size_t j = 0; j < i && word == NULL; j++)
			dup |= strcmp(bl_cmd_rows[j].word, w) == 0;
		if (dup || w == NULL)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", w);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

json_t *bl_cmd_from_words(int argc, char **argv, char *err, size_t errlen)
{
	char known[256];
	bool word_known = false;

	if (argc < 1 || argv == NULL || argv[0] == NULL) {
		known_words(NULL, known, sizeof(known));
		bl_err_set(err, errlen, "missing command (known: %s)", known);
		return NULL;
	}
	for (size_t i = 0; i < BL_CMD_NROWS; i++) {
		const struct bl_cmd_row *row = &bl_cmd_rows[i];

		if (strcmp(row->word, argv[0]) != 0)
			continue;
		word_known = true;
		if (row->sub == NULL)
			return row->build(row, argc - 1, argv + 1, err, errlen);
		if (argc >= 2 && strcmp(row->sub, argv[1]) == 0)
			return row->build(row, argc - 2, argv + 2, err, errlen);
	}
	if (!word_known) {
		known_words(NULL, known, sizeof(known));
		bl_err_set(err, errlen, "unknown command '%s' (known: %s)", argv[0], known);
		return NULL;
	}
	known_words(argv[0], known, sizeof(known));
	if (argc < 2)
		bl_err_set(err, errlen, "%s: missing subcommand (known: %s)", argv[0], known);
	else
		bl_err_set(err, errlen, "unknown %s subcommand '%s' (known: %s)", argv[0], argv[1],
			   known);
	return NULL;
}

int bl_cmd_usage_entry(unsigned int i, const char **form, const char **summary)
{
	for (size_t r = 0; r < BL_CMD_NROWS; r++) {
		for (size_t f = 0; f < 3 && bl_cmd_rows[r].forms[f] != NULL; f++) {
			if (i-- == 0) {
				*form = bl_cmd_rows[r].forms[f];
				*summary = bl_cmd_rows[r].summary;
				return 0;
			}
		}
	}
	return -ENOENT;
}
