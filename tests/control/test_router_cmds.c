/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router commands (control/router_cmds.c) through the control
 * dispatcher: status, stats, ports, route.add, route.del, route.batch,
 * route.list and route.count. For each, its argument errors (a missing
 * field, a wrong type, a value out of range, an unknown name) with the
 * error name and message the CLI shows, and the shape and values of a good
 * reply; for the route.* family, that a request is checked whole before
 * anything changes.
 */
#include "control/cmd.h"
#include "control/router_cmds.h"
#include "dataplane/drop.h"

#include "cmds_test.h"

struct rworld {
	struct cmds_world *w;
	struct bl_router_cmds rc;
};

static int setup(void **state)
{
	struct rworld *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->w = cmds_world_new("rcmds", NULL);
	x->rc.r = x->w->r;
	x->rc.socket_path = x->w->sock;
	x->rc.version = "9.8.7-test";
	assert_int_equal(bl_router_cmds_register(x->w->ctl, &x->rc), 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct rworld *x = *state;

	cmds_world_free(x->w);
	free(x);
	return 0;
}

/* Routes in the table (the default route apart), read online. */
static uint64_t n_routes(struct cmds_world *w)
{
	uint64_t n;

	rcu_thread_online();
	n = w->r->routes->count;
	rcu_thread_offline();
	return n;
}

static void check_counts(json_t *r, json_int_t added, json_int_t replaced, json_int_t deleted)
{
	static const char *const keys[] = { "added", "replaced", "deleted", NULL };

	cmds_keys(r, keys);
	assert_int_equal(cmds_int(r, "added"), added);
	assert_int_equal(cmds_int(r, "replaced"), replaced);
	assert_int_equal(cmds_int(r, "deleted"), deleted);
	json_decref(r);
}

/* ---- status, ports, stats ---- */

static void test_status(void **state)
{
	static const char *const keys[] = { "version", "pid",	  "uptime_s", "main_lcore",
					    "lcores",  "ports",	  "routes",   "default_route",
					    "socket",  "control", "cluster",  NULL };
	static const char *const ctl_keys[] = {
		"clients", "max_clients", "idle_timeout_ms", "accepted",    "requests",
		"errors",  "busy",	  "evicted",	     "idle_closed", "slow_dropped",
		"too_big", "bad_request", "unknown_command", NULL,
	};
	static const char *const port_keys[] = { "port",	"name", "mac",	  "ip",
						 "udp",		"link", "queues", "rss",
						 "multiseg_tx", "mtu",	NULL };
	struct rworld *x = *state;
	struct cmds_world *w = x->w;
	json_t *r, *p;
	char ip[16];

	/* No arguments: anything else in the request is refused, naming it. */
	cmds_fails(w, EINVAL, "unknown field \"extra\" for status",
		   "{'cmd':'status','extra':[1,2]}");
	r = cmds_ok(w, "{'cmd':'status'}");
	cmds_keys(r, keys);
	assert_string_equal(cmds_str(r, "version"), "9.8.7-test");
	assert_int_equal(cmds_int(r, "pid"), getpid());
	assert_true(cmds_int(r, "uptime_s") >= 0 && cmds_int(r, "uptime_s") < 60);
	assert_int_equal(cmds_int(r, "main_lcore"), rte_get_main_lcore());
	assert_int_equal(json_array_size(json_object_get(r, "lcores")), 1);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(r, "lcores"), 0)),
			 w->worker);
	assert_int_equal(cmds_int(r, "routes"), 0);
	assert_true(json_is_false(json_object_get(r, "default_route")));
	assert_string_equal(cmds_str(r, "socket"), w->sock);
	/* No --cluster: the cluster is off. */
	assert_string_equal(cmds_str(json_object_get(r, "cluster"), "state"), "off");
	assert_int_equal(json_array_size(json_object_get(r, "ports")), 1);
	p = json_array_get(json_object_get(r, "ports"), 0);
	cmds_keys(p, port_keys);
	assert_int_equal(cmds_int(p, "port"), 0);
	assert_string_equal(cmds_str(p, "name"), w->vdev);
	snprintf(ip, sizeof(ip), "10.0.0.1");
	assert_string_equal(cmds_str(p, "ip"), ip);
	assert_int_equal(cmds_int(p, "udp"), 7447);
	assert_int_equal(cmds_int(p, "queues"), 1);
	assert_int_equal(strlen(cmds_str(p, "mac")), 17);
	assert_true(strcmp(cmds_str(p, "link"), "up") == 0 ||
		    strcmp(cmds_str(p, "link"), "down") == 0);
	/* The control server's own figures: the refused request above is counted. */
	p = json_object_get(r, "control");
	cmds_keys(p, ctl_keys);
	assert_int_equal(cmds_int(p, "max_clients"), BL_CTL_MAX_CLIENTS);
	assert_int_equal(cmds_int(p, "idle_timeout_ms"), BL_CTL_IDLE_MS);
	assert_int_equal(cmds_int(p, "clients"), 0);
	assert_int_equal(cmds_int(p, "requests"), 2);
	assert_int_equal(cmds_int(p, "errors"), 1);
	json_decref(r);
	bl_ctl_set_idle_timeout(w->ctl, 1500);
	r = cmds_ok(w, "{'cmd':'status'}");
	assert_int_equal(cmds_int(json_object_get(r, "control"), "idle_timeout_ms"), 1500);
	json_decref(r);
	bl_ctl_set_idle_timeout(w->ctl, BL_CTL_IDLE_MS);

	/* Routes and the default route show up. */
	json_decref(cmds_ok(w, "{'cmd':'route.add','routes':[{'key':1,'action':'drop'},"
			       "{'key':'default','action':'drop'}]}"));
	r = cmds_ok(w, "{'cmd':'status'}");
	assert_int_equal(cmds_int(r, "routes"), 1);
	assert_true(json_is_true(json_object_get(r, "default_route")));
	json_decref(r);
}

static void test_ports(void **state)
{
	static const char *const keys[] = {
		"port",	     "name",	  "link",      "mac",	   "ip",       "queues",
		"mtu",	     "rx_pkts",	  "tx_pkts",   "rx_bytes", "tx_bytes", "rx_missed",
		"rx_errors", "tx_errors", "rx_nombuf", NULL,
	};
	struct rworld *x = *state;
	json_t *r, *p;

	r = cmds_ok(x->w, "{'cmd':'ports'}");
	assert_int_equal(json_object_size(r), 2); /* ok, ports */
	assert_int_equal(json_array_size(json_object_get(r, "ports")), 1);
	p = json_array_get(json_object_get(r, "ports"), 0);
	cmds_keys(p, keys);
	assert_string_equal(cmds_str(p, "name"), x->w->vdev);
	assert_int_equal(cmds_int(p, "rx_pkts"), 0);
	assert_int_equal(cmds_int(p, "queues"), 1);
	json_decref(r);
}

static void test_stats(void **state)
{
	static const char *const keys[] = { "totals",	    "pkt_drops",   "msg_drops",
					    "ptx_drops",    "proc_drops",  "flow_pauses",
					    "flow_resumes", "wire_pauses", "wire_resumes",
					    "ports",	    "lcores",	   "seq",
					    "mempool",	    NULL };
	static const char *const seq_keys[] = { "sources", "frames",	"gaps",
						"dups",	   "untracked", NULL };
	static const char *const pool_keys[] = { "size", "in_use", "avail", "data_room", NULL };
	struct rworld *x = *state;
	struct bl_lcore *lc = x->w->r->workers[0];
	json_t *r, *o, *row;

	/* The worker's counters, as its poll loop would have counted (it does not run). */
	bl_stat_add(&lc->st.rx_pkts, 3);
	bl_stat_add(&lc->st.rx_msgs, 5);
	bl_stat_add(&lc->st.msg_drops[BL_MSG_DROP_NO_ROUTE], 2);
	bl_stat_add(&lc->st.pkt_drops[BL_PKT_DROP_NOT_FOR_US], 1);

	r = cmds_ok(x->w, "{'cmd':'stats'}");
	cmds_keys(r, keys);
	o = json_object_get(r, "totals");
	assert_int_equal(cmds_int(o, "rx_pkts"), 3);
	assert_int_equal(cmds_int(o, "rx_msgs"), 5);
	assert_int_equal(cmds_int(o, "fwd_msgs"), 0);
	/* Every message drop reason by name; packet drops without "none". */
	o = json_object_get(r, "msg_drops");
	assert_int_equal(json_object_size(o), BL_MSG_DROP_MAX);
	assert_int_equal(cmds_int(o, "no_route"), 2);
	assert_int_equal(cmds_int(o, "proc_refused"), 0);
	o = json_object_get(r, "pkt_drops");
	assert_int_equal(json_object_size(o), BL_PKT_DROP_MAX - 1);
	assert_null(json_object_get(o, "none"));
	assert_int_equal(cmds_int(o, "not_for_us"), 1);
	assert_int_equal(json_object_size(json_object_get(r, "ptx_drops")), BL_PTX_DROP_MAX);
	assert_int_equal(json_object_size(json_object_get(r, "proc_drops")), BL_SDROP_MAX);
	/* One row per worker, with its lcore. */
	o = json_object_get(r, "lcores");
	assert_int_equal(json_array_size(o), 1);
	row = json_array_get(o, 0);
	assert_int_equal(cmds_int(row, "lcore"), x->w->worker);
	assert_int_equal(cmds_int(row, "rx_pkts"), 3);
	assert_int_equal(json_object_size(row), json_object_size(json_object_get(r, "totals")) + 1);
	o = json_object_get(r, "ports");
	assert_int_equal(json_array_size(o), 1);
	assert_string_equal(cmds_str(json_array_get(o, 0), "name"), x->w->vdev);
	cmds_keys(json_object_get(r, "seq"), seq_keys);
	o = json_object_get(r, "mempool");
	cmds_keys(o, pool_keys);
	assert_int_equal(cmds_int(o, "size"), x->w->r->pool->size);
	assert_int_equal(cmds_int(o, "in_use") + cmds_int(o, "avail"), cmds_int(o, "size"));
	assert_int_equal(cmds_int(o, "data_room"), rte_pktmbuf_data_room_size(x->w->r->pool));
	json_decref(r);
}

/* ---- route.add ---- */

static void test_route_add_errors(void **state)
{
	struct rworld *x = *state;
	struct cmds_world *w = x->w;

	/* The request's array. */
	cmds_fails(w, EINVAL, "missing \"routes\"", "{'cmd':'route.add'}");
	cmds_fails(w, EINVAL, "\"routes\" must be an array, not an object",
		   "{'cmd':'route.add','routes':{'key':1,'action':'drop'}}");
	cmds_fails(w, EINVAL, "\"routes\" must be an array",
		   "{'cmd':'route.add','routes':'1 drop'}");
	/* Each item, named by its place (from 1). */
	cmds_fails(w, EINVAL, "routes item 2: route: expected an object",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'drop'},7]}");
	cmds_fails(w, EINVAL, "routes item 1: route: missing \"key\"",
		   "{'cmd':'route.add','routes':[{'action':'drop'}]}");
	cmds_fails(w, EINVAL,
		   "routes item 1:", "{'cmd':'route.add','routes':[{'key':-1,'action':'drop'}]}");
	cmds_fails(w, EINVAL, "routes item 1:",
		   "{'cmd':'route.add','routes':[{'key':'twelve','action':'drop'}]}");
	cmds_fails(w, EINVAL,
		   "routes item 1:", "{'cmd':'route.add','routes':[{'key':1.5,'action':'drop'}]}");
	cmds_fails(w, EINVAL, "routes item 1: route: missing \"action\"",
		   "{'cmd':'route.add','routes':[{'key':1}]}");
	cmds_fails(
	    w, EINVAL,
	    "routes item 1: route: \"action\" must be drop, forward, process, group or pool, not 4",
	    "{'cmd':'route.add','routes':[{'key':1,'action':4}]}");
	cmds_fails(w, EINVAL,
		   "routes item 1: route: \"action\" must be drop, forward, process, group or "
		   "pool, not 'teleport'",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'teleport'}]}");
	cmds_fails(w, EINVAL, "unknown field \"port\" for action drop",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'drop','port':0}]}");
	/* forward: every field checked, ranges included. */
	cmds_fails(w, EINVAL, "missing \"port\"",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'forward',"
		   "'mac':'02:00:00:00:00:01','ip':'10.0.0.2'}]}");
	cmds_fails(w, EINVAL, "\"port\" must be an integer in 0..65535",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'forward','port':70000,"
		   "'mac':'02:00:00:00:00:01','ip':'10.0.0.2'}]}");
	/* Without "mac" the router resolves the next hop (ARP, ND): accepted,
	 * listed with its neighbour's state and no MAC yet, and in neigh.list. */
	json_decref(cmds_ok(w, "{'cmd':'route.add','routes':[{'key':1,'action':'forward','port':0,"
			       "'ip':'10.0.0.2'}]}"));
	{
		json_t *r = cmds_ok(w, "{'cmd':'route.list'}");
		json_t *e = json_array_get(json_object_get(r, "routes"), 0);

		assert_string_equal(cmds_str(e, "neigh"), "incomplete");
		assert_null(json_object_get(e, "mac"));
		json_decref(r);
		bl_nbr_tick(w->r->nbr, bl_nbr_now_ms()); /* takes the hop up */
		r = cmds_ok(w, "{'cmd':'neigh.list'}");
		e = json_array_get(json_object_get(r, "neighbours"), 0);
		assert_string_equal(cmds_str(e, "ip"), "10.0.0.2");
		assert_string_equal(cmds_str(e, "state"), "incomplete");
		assert_true(json_is_null(json_object_get(e, "mac")));
		assert_int_equal(cmds_int(e, "probes"), 1);
		json_decref(r);
		cmds_fails(w, EINVAL, "unknown", "{'cmd':'neigh.list','x':1}");
		json_decref(cmds_ok(w, "{'cmd':'route.del','keys':[1]}"));
	}
	cmds_fails(w, EINVAL, "routes item 1: route:",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'forward','port':0,"
		   "'mac':'02:00:00:00:00','ip':'10.0.0.2'}]}");
	cmds_fails(w, EINVAL, "bad IPv4 address '10.0.0.256'",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'forward','port':0,"
		   "'mac':'02:00:00:00:00:01','ip':'10.0.0.256'}]}");
	cmds_fails(w, EINVAL, "\"udp\" must be an integer in 1..65535",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'forward','port':0,"
		   "'mac':'02:00:00:00:00:01','ip':'10.0.0.2','udp':0}]}");
	cmds_fails(w, EINVAL, "unknown field \"ttl\" for action forward",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'forward','port':0,"
		   "'mac':'02:00:00:00:00:01','ip':'10.0.0.2','ttl':3}]}");
	/* A port this router does not have: no_device, with the ports it has. */
	cmds_fails(w, ENODEV, "route 1: port 1 does not exist (ports: 0..0)",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'forward','port':1,"
		   "'mac':'02:00:00:00:00:01','ip':'10.0.0.2'}]}");
	/* process, group, pool: a name, and nothing else. */
	cmds_fails(w, EINVAL, "routes item 1: route: missing \"name\"",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'pool'}]}");
	cmds_fails(w, EINVAL,
		   "routes item 1: route: \"name\" must be a name of 1..31 printable ASCII "
		   "characters without blanks, not 'two words'",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'group','name':'two words'}]}");
	cmds_fails(
	    w, EINVAL, "unknown field \"port\" for action process",
	    "{'cmd':'route.add','routes':[{'key':1,'action':'process','name':'p','port':0}]}");
	assert_int_equal(n_routes(w), 0);
}

static void test_route_add_good(void **state)
{
	struct rworld *x = *state;
	struct cmds_world *w = x->w;

	/* An empty list is a valid request that changes nothing. */
	check_counts(cmds_ok(w, "{'cmd':'route.add','routes':[]}"), 0, 0, 0);
	check_counts(cmds_ok(w, "{'cmd':'route.add','routes':[{'key':1,'action':'drop'},"
				"{'key':'18446744073709551615','action':'forward','port':0,"
				"'mac':'02:00:00:00:00:01','ip':'10.0.0.2','udp':9000},"
				"{'key':'0x10','action':'process','name':'svc'},"
				"{'key':4,'action':'group','name':'g'},"
				"{'key':5,'action':'pool','name':'p'}]}"),
		     5, 0, 0);
	assert_int_equal(n_routes(w), 5);
	/* The same keys again replace; the default route counts as added, then replaced. */
	check_counts(cmds_ok(w, "{'cmd':'route.add','routes':[{'key':1,'action':'pool','name':'p'},"
				"{'key':'default','action':'drop'},{'key':6,'action':'drop'}]}"),
		     2, 1, 0);
	check_counts(cmds_ok(w, "{'cmd':'route.add','routes':[{'key':'default','action':'group',"
				"'name':'g'}]}"),
		     0, 1, 0);
	assert_int_equal(n_routes(w), 6);
}

/* A request is checked whole: one bad item, a duplicate key or no room, and nothing changes. */
static void test_route_add_checked_whole(void **state)
{
	struct rworld *x = *state;
	struct cmds_world *w = x->w;
	char req[1024];
	int off;

	cmds_fails(
	    w, EINVAL, "routes item 3:",
	    "{'cmd':'route.add','routes':[{'key':1,'action':'drop'},{'key':2,'action':'drop'},"
	    "{'key':3,'action':'dorp'}]}");
	cmds_fails(w, ENODEV, "port 9 does not exist",
		   "{'cmd':'route.add','routes':[{'key':1,'action':'drop'},{'key':2,'action':"
		   "'forward','port':9,'mac':'02:00:00:00:00:01','ip':'10.0.0.2'}]}");
	cmds_fails(
	    w, EINVAL, "route 7 appears twice in one request",
	    "{'cmd':'route.add','routes':[{'key':7,'action':'drop'},{'key':1,'action':'drop'},"
	    "{'key':'0x7','action':'drop'}]}");
	cmds_fails(w, EINVAL, "route default appears twice",
		   "{'cmd':'route.add','routes':[{'key':'default','action':'drop'},"
		   "{'key':'default','action':'drop'}]}");
	assert_int_equal(n_routes(w), 0);

	/* max_routes is 16: 17 new keys are refused, 16 fit, then one more is refused
	 * while replacing one that is there still fits. */
	off = snprintf(req, sizeof(req), "{'cmd':'route.add','routes':[");
	for (int k = 1; k <= 17; k++)
		off += snprintf(req + off, sizeof(req) - (size_t)off,
				"%s{'key':%d,'action':'drop'}", k > 1 ? "," : "", k);
	snprintf(req + off, sizeof(req) - (size_t)off, "]}");
	cmds_fails(w, ENOSPC, "route table full: at most 16 routes", "%s", req);
	assert_int_equal(n_routes(w), 0);
	snprintf(strstr(req, ",{'key':17"), 8, "]}");
	check_counts(cmds_ok(w, "%s", req), 16, 0, 0);
	cmds_fails(w, ENOSPC, "route table full",
		   "{'cmd':'route.add','routes':[{'key':99,'action':'drop'}]}");
	check_counts(cmds_ok(w,
			     "{'cmd':'route.add','routes':[{'key':16,'action':'pool','name':'p'},"
			     "{'key':'default','action':'drop'}]}"),
		     1, 1, 0);
	/*
	 * A full table, a batch of an add and a del: the check counts the room
	 * the del makes, and deletes are applied first, so the add finds it
	 * whatever the order in the request.
	 */
	check_counts(cmds_ok(w, "{'cmd':'route.batch','ops':[{'op':'add','route':{'key':99,"
				"'action':'drop'}},{'op':'del','key':3}]}"),
		     1, 0, 1);
	assert_int_equal(n_routes(w), 16);
	check_counts(cmds_ok(w, "{'cmd':'route.batch','ops':[{'op':'del','key':4},"
				"{'op':'add','route':{'key':98,'action':'drop'}}]}"),
		     1, 0, 1);
	assert_int_equal(n_routes(w), 16);
}

/* ---- route.del, route.batch ---- */

static void test_route_del(void **state)
{
	struct rworld *x = *state;
	struct cmds_world *w = x->w;

	json_decref(cmds_ok(w, "{'cmd':'route.add','routes':[{'key':1,'action':'drop'},"
			       "{'key':2,'action':'drop'},{'key':3,'action':'drop'}]}"));
	cmds_fails(w, EINVAL, "missing \"keys\"", "{'cmd':'route.del'}");
	cmds_fails(w, EINVAL, "\"keys\" must be an array, not 1", "{'cmd':'route.del','keys':1}");
	cmds_fails(w, EINVAL, "keys item 2:", "{'cmd':'route.del','keys':[1,'x']}");
	cmds_fails(w, EINVAL, "keys item 1:", "{'cmd':'route.del','keys':[-3]}");
	cmds_fails(w, EINVAL, "keys item 1:", "{'cmd':'route.del','keys':[{'key':1}]}");
	/* Every key must have a route, once: otherwise nothing is deleted. */
	cmds_fails(w, ENOENT, "route 9: no such route", "{'cmd':'route.del','keys':[1,9]}");
	cmds_fails(w, ENOENT, "route default: no such route",
		   "{'cmd':'route.del','keys':['default']}");
	cmds_fails(w, EINVAL, "route 2 appears twice", "{'cmd':'route.del','keys':[2,1,2]}");
	assert_int_equal(n_routes(w), 3);

	check_counts(cmds_ok(w, "{'cmd':'route.del','keys':[1,'0x2']}"), 0, 0, 2);
	check_counts(cmds_ok(w, "{'cmd':'route.del','keys':[]}"), 0, 0, 0);
	json_decref(cmds_ok(w, "{'cmd':'route.add','routes':[{'key':'default','action':'drop'}]}"));
	check_counts(cmds_ok(w, "{'cmd':'route.del','keys':['default',3]}"), 0, 0, 2);
	assert_int_equal(n_routes(w), 0);
	cmds_fails(w, ENOENT, "route 3: no such route", "{'cmd':'route.del','keys':[3]}");
}

static void test_route_batch(void **state)
{
	struct rworld *x = *state;
	struct cmds_world *w = x->w;

	json_decref(cmds_ok(w, "{'cmd':'route.add','routes':[{'key':1,'action':'drop'}]}"));
	cmds_fails(w, EINVAL, "request needs either a string \"text\" or an array \"ops\"",
		   "{'cmd':'route.batch'}");
	cmds_fails(w, EINVAL, "unknown field \"routes\" for route.batch (it takes: text, ops)",
		   "{'cmd':'route.batch','routes':[]}");
	cmds_fails(w, EINVAL, "ops item 1: missing \"op\"",
		   "{'cmd':'route.batch','ops':[{'route':{'key':2,'action':'drop'}}]}");
	cmds_fails(w, EINVAL, "ops item 1: \"op\" must be add or del, not 'replace'",
		   "{'cmd':'route.batch','ops':[{'op':'replace','key':1}]}");
	cmds_fails(w, EINVAL, "ops item 1: \"op\" must be add or del, not 1",
		   "{'cmd':'route.batch','ops':[{'op':1,'key':1}]}");
	cmds_fails(w, EINVAL, "ops item 2: missing \"route\"",
		   "{'cmd':'route.batch','ops':[{'op':'del','key':1},{'op':'add'}]}");
	cmds_fails(w, EINVAL, "ops item 1:", "{'cmd':'route.batch','ops':[{'op':'del'}]}");
	cmds_fails(w, ENOENT, "route 5: no such route",
		   "{'cmd':'route.batch','ops':[{'op':'add','route':{'key':2,'action':'drop'}},"
		   "{'op':'del','key':5}]}");
	/* An add and a del of the same key in one batch: refused, order never matters. */
	cmds_fails(w, EINVAL, "route 1 appears twice",
		   "{'cmd':'route.batch','ops':[{'op':'del','key':1},{'op':'add','route':{'key':1,"
		   "'action':'drop'}}]}");
	assert_int_equal(n_routes(w), 1);

	check_counts(cmds_ok(w, "{'cmd':'route.batch','ops':[{'op':'del','key':1},"
				"{'op':'add','route':{'key':2,'action':'drop'}},"
				"{'op':'add','route':{'key':'default','action':'drop'}}]}"),
		     2, 0, 1);
	assert_int_equal(n_routes(w), 1);
	check_counts(cmds_ok(w, "{'cmd':'route.batch','ops':[]}"), 0, 0, 0);
}

/* ---- route.list, route.count ---- */

/* Walk every page of `limit`; each route (the default first) must come exactly once. */
static void list_walk(struct cmds_world *w, unsigned limit, unsigned want_routes, bool want_default)
{
	bool seen[32] = { false }, dflt = false;
	char cursor[40] = "null";
	unsigned got = 0, pages = 0;

	for (;;) {
		json_t *r =
		    cmds_ok(w, "{'cmd':'route.list','limit':%u,'cursor':%s}", limit, cursor);
		json_t *routes = json_object_get(r, "routes"), *e, *next;
		static const char *const keys[] = { "total", "routes", "next", NULL };
		size_t i;

		cmds_keys(r, keys);
		assert_int_equal(cmds_int(r, "total"), want_routes + want_default);
		assert_true(json_array_size(routes) <= limit);
		json_array_foreach (routes, i, e) {
			struct bl_cmd_route cr;
			char err[200];

			/* Each entry reads back as a route.add item. */
			assert_int_equal(bl_cmd_route_from_json(e, &cr, err, sizeof(err)), 0);
			if (cr.key.is_default) {
				assert_true(pages == 0 && i == 0); /* first of all */
				assert_false(dflt);
				dflt = true;
				continue;
			}
			assert_true(cr.key.value < 32);
			assert_false(seen[cr.key.value]);
			seen[cr.key.value] = true;
			got++;
		}
		next = json_object_get(r, "next");
		pages++;
		assert_true(pages < 64);
		if (json_is_null(next)) {
			json_decref(r);
			break;
		}
		assert_int_equal(strlen(cmds_str(r, "next")), 24);
		snprintf(cursor, sizeof(cursor), "'%s'", cmds_str(r, "next"));
		json_decref(r);
	}
	assert_int_equal(got, want_routes);
	assert_true(dflt == want_default);
}

static void test_route_list(void **state)
{
	struct rworld *x = *state;
	struct cmds_world *w = x->w;
	json_t *r, *e;

	cmds_fails(w, EINVAL, "\"limit\" must be an integer in 1..10000",
		   "{'cmd':'route.list','limit':'10'}");
	cmds_fails(w, EINVAL, "\"limit\" must be an integer in 1..10000",
		   "{'cmd':'route.list','limit':-1}");
	cmds_fails(w, EINVAL, "\"limit\" must be an integer in 1..10000",
		   "{'cmd':'route.list','limit':10001}");
	cmds_fails(w, EINVAL, "\"cursor\" must be a string, not 12",
		   "{'cmd':'route.list','cursor':12}");
	cmds_fails(w, EINVAL, "\"cursor\" must be the \"next\"",
		   "{'cmd':'route.list','cursor':'abc'}");
	cmds_fails(w, EINVAL, "\"cursor\" must be the \"next\"",
		   "{'cmd':'route.list','cursor':'00000000000000000000000g'}");

	/* Empty table: no routes, no next page. */
	r = cmds_ok(w, "{'cmd':'route.list'}");
	assert_int_equal(cmds_int(r, "total"), 0);
	assert_int_equal(json_array_size(json_object_get(r, "routes")), 0);
	assert_true(json_is_null(json_object_get(r, "next")));
	json_decref(r);

	json_decref(cmds_ok(
	    w, "{'cmd':'route.add','routes':[{'key':1,'action':'drop'},{'key':2,'action':'drop'},"
	       "{'key':3,'action':'forward','port':0,'mac':'02:00:00:00:00:01','ip':'10.0.0.2'},"
	       "{'key':4,'action':'pool','name':'p'},{'key':5,'action':'group','name':'g'},"
	       "{'key':6,'action':'process','name':'svc'},{'key':7,'action':'drop'}]}"));
	list_walk(w, 1000, 7, false);
	list_walk(w, 3, 7, false);
	json_decref(cmds_ok(w, "{'cmd':'route.add','routes':[{'key':'default','action':'drop'}]}"));
	list_walk(w, 1, 7, true);
	list_walk(w, 3, 7, true);
	list_walk(w, 8, 7, true);

	/* One page, every action as route.add takes it back. */
	r = cmds_ok(w, "{'cmd':'route.list'}");
	assert_int_equal(json_array_size(json_object_get(r, "routes")), 8);
	e = json_array_get(json_object_get(r, "routes"), 0);
	assert_string_equal(cmds_str(e, "key"), "default");
	json_decref(r);

	/* limit 0 is refused: an empty page has no place to name as "next". */
	cmds_fails(w, EINVAL, "\"limit\" must be an integer in 1..10000",
		   "{'cmd':'route.list','limit':0}");
}

static void test_route_count(void **state)
{
	static const char *const keys[] = { "total", "by_action", "default_route", "max_routes",
					    "slots", "bytes",	  "resizes",	   NULL };
	static const char *const actions[] = {
		"drop", "forward", "process", "group", "pool", NULL
	};
	struct rworld *x = *state;
	struct cmds_world *w = x->w;
	json_t *r, *by;

	r = cmds_ok(w, "{'cmd':'route.count'}");
	cmds_keys(r, keys);
	cmds_keys(json_object_get(r, "by_action"), actions);
	assert_int_equal(cmds_int(r, "total"), 0);
	assert_int_equal(cmds_int(r, "max_routes"), 16);
	assert_true(json_is_false(json_object_get(r, "default_route")));
	assert_true(cmds_int(r, "bytes") > 0);
	json_decref(r);

	json_decref(cmds_ok(
	    w, "{'cmd':'route.add','routes':[{'key':1,'action':'drop'},{'key':2,'action':'drop'},"
	       "{'key':3,'action':'forward','port':0,'mac':'02:00:00:00:00:01','ip':'10.0.0.2'},"
	       "{'key':4,'action':'pool','name':'p'},{'key':'default','action':'group','name':'g'}]"
	       "}"));
	r = cmds_ok(w, "{'cmd':'route.count'}");
	by = json_object_get(r, "by_action");
	assert_int_equal(cmds_int(r, "total"), 4); /* the default route apart */
	assert_true(json_is_true(json_object_get(r, "default_route")));
	assert_int_equal(cmds_int(by, "drop"), 2);
	assert_int_equal(cmds_int(by, "forward"), 1);
	assert_int_equal(cmds_int(by, "process"), 0);
	assert_int_equal(cmds_int(by, "group"), 0);
	assert_int_equal(cmds_int(by, "pool"), 1);
	assert_true(cmds_int(r, "slots") >= 4);
	json_decref(r);
}

/* Every command is registered once, and a name that is not one is unknown. */
static void test_registered(void **state)
{
	static const char *const names[] = {
		"status",    "stats",	    "ports",	  "route.add",
		"route.del", "route.batch", "route.list", "route.count"
	};
	struct rworld *x = *state;
	json_t *r, *e;
	size_t i, found = 0;

	r = cmds_ok(x->w, "{'cmd':'help'}");
	json_array_foreach (json_object_get(r, "commands"), i, e)
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strcmp(cmds_str(e, "cmd"), names[k]) == 0) {
				found++;
				assert_true(strlen(cmds_str(e, "help")) > 0);
			}
	assert_int_equal(found, sizeof(names) / sizeof(names[0]));
	json_decref(r);
	assert_int_equal(bl_router_cmds_register(x->w->ctl, &x->rc), -EEXIST);
	cmds_fails(x->w, ENOSYS, "unknown command 'route.move'", "{'cmd':'route.move','keys':[1]}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_add_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_add_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_add_checked_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registered, setup, teardown),
	};
	int rc;

	if (cmds_test_eal("router_cmds") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmds_test_eal_end();
	return rc;
}
