/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process commands (control/proc_cmds.c) through the control
 * dispatcher: spawn, kill, exit, info, ps, memory and lcores, and the pid
 * helpers of proc_cmds.h. For each command its argument errors (missing
 * field, wrong type, out of range, unknown name) by error name and
 * message, and the shape of a good reply. The group commands are in
 * test_proc_cmds_group.c.
 *
 * Most tests run with the workers stopped: the control thread then owns
 * every scheduler, the commands call into them directly, and the test
 * thread runs the worker's scheduler itself (settle). One test starts the
 * workers, so that the commands go through the lcore's command ring.
 */
#include "proc_cmds_test.h"

/* ---- spawn ---- */

static void test_spawn_errors(void **state)
{
	struct pworld *x = *state;
	struct cmds_world *w = x->w;

	cmds_fails(w, EINVAL, "missing \"behaviour\"", "{'cmd':'spawn'}");
	cmds_fails(w, EINVAL, "\"behaviour\" must be a string, not 5",
		   "{'cmd':'spawn','behaviour':5}");
	cmds_fails(w, EINVAL,
		   "unknown behaviour 'blinker' (known: batch, breaker, counter, echo, "
		   "ets_counter, fault, forward",
		   "{'cmd':'spawn','behaviour':'blinker'}");
	cmds_fails(w, EINVAL, "unknown behaviour 'supervisor'",
		   "{'cmd':'spawn','behaviour':'supervisor'}");
	/* Arguments: an object of the names the behaviour takes, each checked. */
	cmds_fails(w, EINVAL, "\"args\" must be an object, not an array",
		   "{'cmd':'spawn','behaviour':'counter','args':[64]}");
	cmds_fails(w, EINVAL, "unknown field \"max\" for counter (it takes: max_keys, rate)",
		   "{'cmd':'spawn','behaviour':'counter','args':{'max':1}}");
	cmds_fails(w, EINVAL, "\"max_keys\" must be an integer in 0..65536, not 65537",
		   "{'cmd':'spawn','behaviour':'counter','args':{'max_keys':65537}}");
	cmds_fails(w, EINVAL, "\"max_keys\" must be an integer in 0..65536, not '64'",
		   "{'cmd':'spawn','behaviour':'counter','args':{'max_keys':'64'}}");
	cmds_fails(w, EINVAL, "unknown field \"to\" for echo (it takes none)",
		   "{'cmd':'spawn','behaviour':'echo','args':{'to':'x'}}");
	cmds_fails(w, EINVAL, "missing \"to\"", "{'cmd':'spawn','behaviour':'relay'}");
	cmds_fails(w, EINVAL, "\"to\" must be a string, not 7",
		   "{'cmd':'spawn','behaviour':'relay','args':{'to':7}}");
	cmds_fails(w, EINVAL, "bad name 'a b'",
		   "{'cmd':'spawn','behaviour':'relay','args':{'to':'a b'}}");
	cmds_fails(w, EINVAL, "missing \"port\"",
		   "{'cmd':'spawn','behaviour':'forward','args':{'mac':'02:00:00:00:00:01',"
		   "'ip':'10.0.0.2'}}");
	/* Left as found (issue 14 review): a port the router lacks is invalid_argument here,
	 * no_device in route.add. */
	cmds_fails(w, EINVAL, "port 3 does not exist (ports: 0..0)",
		   "{'cmd':'spawn','behaviour':'forward','args':{'port':3,"
		   "'mac':'02:00:00:00:00:01','ip':'10.0.0.2'}}");
	cmds_fails(w, EINVAL, "missing \"mac\"",
		   "{'cmd':'spawn','behaviour':'forward','args':{'port':0,'ip':'10.0.0.2'}}");
	cmds_fails(w, EINVAL, "bad MAC",
		   "{'cmd':'spawn','behaviour':'forward','args':{'port':0,'mac':'02:00',"
		   "'ip':'10.0.0.2'}}");
	cmds_fails(w, EINVAL, "missing \"ip\"",
		   "{'cmd':'spawn','behaviour':'forward','args':{'port':0,"
		   "'mac':'02:00:00:00:00:01'}}");
	cmds_fails(w, EINVAL, "\"udp\" must be an integer in 1..65535, not 0",
		   "{'cmd':'spawn','behaviour':'forward','args':{'port':0,"
		   "'mac':'02:00:00:00:00:01','ip':'10.0.0.2','udp':0}}");
	cmds_fails(w, EINVAL, "missing \"poison\"", "{'cmd':'spawn','behaviour':'fault'}");
	cmds_fails(w, EINVAL, "\"poison\" must be a u64 key, not 'default'",
		   "{'cmd':'spawn','behaviour':'fault','args':{'poison':'default'}}");
	/* The request's own fields. */
	/* The range the message gives is the one checked. */
	cmds_fails(w, EINVAL, "\"count\" must be an integer in 1..1000000, not 0",
		   "{'cmd':'spawn','behaviour':'counter','count':0}");
	cmds_fails(w, EINVAL, "\"count\" must be an integer in 1..1000000, not 1000001",
		   "{'cmd':'spawn','behaviour':'counter','count':1000001}");
	cmds_fails(w, EINVAL, "\"count\" must be an integer in 1..1000000",
		   "{'cmd':'spawn','behaviour':'counter','count':'2'}");
	cmds_fails(w, EINVAL, "\"mailbox_limit\" must be an integer in 0..4294967295",
		   "{'cmd':'spawn','behaviour':'counter','mailbox_limit':-1}");
	cmds_fails(w, EINVAL, "\"heap_limit\" must be an integer",
		   "{'cmd':'spawn','behaviour':'counter','heap_limit':4294967296}");
	cmds_fails(w, EINVAL, "\"hibernate_after_ms\" must be an integer",
		   "{'cmd':'spawn','behaviour':'counter','hibernate_after_ms':true}");
	cmds_fails(w, EINVAL,
		   "\"overflow\" must be drop_newest, drop_oldest, kill or block, not 'sometimes'",
		   "{'cmd':'spawn','behaviour':'counter','overflow':'sometimes'}");
	cmds_fails(w, EINVAL, "spawn: a name needs count 1",
		   "{'cmd':'spawn','behaviour':'counter','name':'svc','count':2}");
	cmds_fails(
	    w, EINVAL,
	    "\"name\" must be a name of 1..31 printable ASCII characters without blanks, not 'a b'",
	    "{'cmd':'spawn','behaviour':'counter','name':'a b'}");
	cmds_fails(
	    w, EINVAL,
	    "\"group\" must be a name of 1..31 printable ASCII characters without blanks, not ''",
	    "{'cmd':'spawn','behaviour':'counter','group':''}");
	cmds_fails(w, EINVAL, "\"lcore\" must be an integer in 0..127 or any, not 'all'",
		   "{'cmd':'spawn','behaviour':'counter','lcore':'all'}");
	cmds_fails(w, EINVAL, "\"lcore\" must be an integer in 0..127 or any, not -1",
		   "{'cmd':'spawn','behaviour':'counter','lcore':-1}");
	cmds_fails(w, EINVAL, "\"lcore\" must be an integer in 0..127 or any",
		   "{'cmd':'spawn','behaviour':'counter','lcore':%d}", RTE_MAX_LCORE);
	cmds_fails(w, ENODEV, "spawn: lcore 5 runs no scheduler",
		   "{'cmd':'spawn','behaviour':'counter','lcore':5}");
	cmds_fails(w, EINVAL, "spawn: echo transmits on the wire: put it on a worker lcore",
		   "{'cmd':'spawn','behaviour':'echo','lcore':%u}", rte_get_main_lcore());
	assert_int_equal(ps_total(x), 0);
}

static void test_spawn_good(void **state)
{
	static const char *const keys[] = { "spawned", "lcore", "behaviour", "pids", NULL };
	static const char *const named[] = { "spawned", "lcore", "behaviour", "pids",
					     "name",	"group", NULL };
	struct pworld *x = *state;
	struct cmds_world *w = x->w;
	json_t *r, *p;
	size_t i;
	char pid[48];

	r = cmds_ok(w, "{'cmd':'spawn','behaviour':'counter','count':3,'lcore':'any',"
		       "'args':{'max_keys':8},'mailbox_limit':100,'overflow':'drop_oldest'}");
	cmds_keys(r, keys);
	assert_int_equal(cmds_int(r, "spawned"), 3);
	assert_int_equal(cmds_int(r, "lcore"), w->worker);
	assert_string_equal(cmds_str(r, "behaviour"), "counter");
	assert_int_equal(json_array_size(json_object_get(r, "pids")), 3);
	json_array_foreach (json_object_get(r, "pids"), i, p)
		assert_int_equal(bl_pid_lcore(pid_of(json_string_value(p))), w->worker);
	json_decref(r);

	/* A name and a group; the name answers for the process. */
	r = cmds_ok(w, "{'cmd':'spawn','behaviour':'counter','name':'svc','group':'g','lcore':%u}",
		    w->worker);
	cmds_keys(r, named);
	assert_string_equal(cmds_str(r, "name"), "svc");
	assert_string_equal(cmds_str(r, "group"), "g");
	snprintf(pid, sizeof(pid), "%s",
		 json_string_value(json_array_get(json_object_get(r, "pids"), 0)));
	json_decref(r);
	r = cmds_ok(w, "{'cmd':'info','target':'svc'}");
	assert_string_equal(cmds_str(r, "pid"), pid);
	assert_string_equal(cmds_str(r, "name"), "svc");
	assert_int_equal(cmds_int(r, "mailbox_limit"), 1024);
	json_decref(r);
	/* A taken name is refused while its process lives, and free once it is gone. */
	cmds_fails(w, EEXIST, "spawn: the name 'svc' is taken",
		   "{'cmd':'spawn','behaviour':'counter','name':'svc'}");
	json_decref(cmds_ok(w, "{'cmd':'kill','target':'svc'}"));
	settle(x);
	json_decref(cmds_ok(w, "{'cmd':'spawn','behaviour':'counter','name':'svc'}"));

	/* Every built-in with its arguments; counters may live on the control thread too. */
	spawn1(x, pid, sizeof(pid), ",'behaviour':'relay','args':{'to':'svc'}");
	spawn1(x, pid, sizeof(pid), ",'behaviour':'relay','args':{'to':'<1.2.3>'}");
	spawn1(x, pid, sizeof(pid),
	       ",'behaviour':'forward','args':{'port':0,'mac':'02:00:00:00:00:01','ip':'10.0.0.2',"
	       "'udp':9000}");
	spawn1(x, pid, sizeof(pid), ",'behaviour':'fault','args':{'poison':'0x10'}");
	spawn1(x, pid, sizeof(pid), ",'behaviour':'echo'");
	r = cmds_ok(w, "{'cmd':'spawn','behaviour':'counter','lcore':%u}", rte_get_main_lcore());
	assert_int_equal(cmds_int(r, "lcore"), rte_get_main_lcore());
	json_decref(r);
	assert_int_equal(ps_total(x), 3 + 1 + 5 + 1);

	/* A name or an overflow of the wrong type is refused, naming the field. */
	cmds_fails(w, EINVAL, "\"name\" must be a name",
		   "{'cmd':'spawn','behaviour':'counter','name':5,'overflow':1}");
}

/* All or nothing: what started goes again when the rest cannot. */
static void test_spawn_all_or_nothing(void **state)
{
	struct pworld *x = *state;
	struct cmds_world *w = x->w;
	json_t *r;

	/* max_members is 8: the ninth join fails, the eight that joined leave and die. */
	cmds_fails(w, ENOSPC, "spawn: cannot join group 'g'",
		   "{'cmd':'spawn','behaviour':'counter','count':9,'group':'g'}");
	settle(x);
	assert_int_equal(ps_total(x), 0);
	r = cmds_ok(w, "{'cmd':'group.list'}");
	assert_int_equal(cmds_int(json_array_get(json_object_get(r, "groups"), 0), "members"), 0);
	json_decref(r);
	/* max_procs is 1024: no room for 1100, none of them stays. */
	cmds_fails(w, ENOSPC, "spawn: 1024 of 1100 started, then:",
		   "{'cmd':'spawn','behaviour':'counter','count':1100,'lcore':%u}", w->worker);
	settle(x);
	assert_int_equal(ps_total(x), 0);
	/* And the table is whole again. */
	r = cmds_ok(w, "{'cmd':'spawn','behaviour':'counter','count':1024,'lcore':%u}", w->worker);
	assert_int_equal(json_array_size(json_object_get(r, "pids")),
			 1000); /* at most 1000 listed */
	assert_int_equal(cmds_int(r, "spawned"), 1024);
	json_decref(r);
}

/*
 * Left as found (issue 14 review): a name given at spawn stays bound to its process after
 * it exits (the supervisor unbinds its children's names; spawn does not).
 * A dead process's name may be taken again, but names never taken again
 * fill the registry: with max_names 4, a fifth name is refused although
 * no named process lives.
 */
static void test_spawn_names_outlive_processes(void **state)
{
	struct pworld *x = *state;
	json_t *r;
	char p[48];

	for (int i = 0; i < 4; i++) {
		spawn1(x, p, sizeof(p), ",'behaviour':'counter','name':'n%d'", i);
		json_decref(cmds_ok(x->w, "{'cmd':'kill','target':'n%d'}", i));
		settle(x);
	}
	assert_int_equal(ps_total(x), 0);
	r = cmds_ok(x->w, "{'cmd':'memory'}");
	assert_int_equal(cmds_int(json_object_get(r, "tables"), "names"), 4);
	json_decref(r);
	cmds_fails(x->w, ENOSPC, "spawn: cannot register 'n4'",
		   "{'cmd':'spawn','behaviour':'counter','name':'n4'}");
	settle(x);
	assert_int_equal(ps_total(x), 0); /* the spawn was undone */
	spawn1(x, p, sizeof(p), ",'behaviour':'counter','name':'n2'");
}

/* ---- kill, exit ---- */

static void test_kill_and_exit(void **state)
{
	static const char *const keys[] = { "pid", "reason", NULL };
	struct pworld *x = *state;
	struct cmds_world *w = x->w;
	char a[48], b[48], msg[64];
	json_t *r;

	target_errors(w, "kill", "");
	target_errors(w, "exit", ",'reason':'shutdown'");
	spawn1(x, a, sizeof(a), ",'behaviour':'counter','name':'a'");
	spawn1(x, b, sizeof(b), ",'behaviour':'counter'");

	/* The target is checked first, then the reason. */
	cmds_fails(w, EINVAL, "missing \"target\"", "{'cmd':'exit'}");
	cmds_fails(w, EINVAL, "missing \"reason\"", "{'cmd':'exit','target':'a'}");
	cmds_fails(w, EINVAL, "\"reason\" must be a string of 1..64 bytes, not ''",
		   "{'cmd':'exit','target':'a','reason':''}");
	cmds_fails(w, EINVAL, "\"reason\" must be a string of 1..64 bytes, not 5",
		   "{'cmd':'exit','target':'a','reason':5}");
	cmds_fails(w, EINVAL,
		   "\"reason\" must be a string of 1..64 bytes, not a string of 65 bytes",
		   "{'cmd':'exit','target':'a','reason':'%065d'}", 0);

	/* exit normal to a process that does not trap exits: answered, and ignored (as in OTP). */
	r = cmds_ok(w, "{'cmd':'exit','target':'a','reason':'normal'}");
	cmds_keys(r, keys);
	assert_string_equal(cmds_str(r, "pid"), a);
	assert_string_equal(cmds_str(r, "reason"), "normal");
	json_decref(r);
	settle(x);
	json_decref(cmds_ok(w, "{'cmd':'info','target':'a'}"));
	/* A reason of its own (64 characters at most) ends it. */
	r = cmds_ok(w, "{'cmd':'exit','target':'%s','reason':'%064d'}", a, 0);
	assert_int_equal(strlen(cmds_str(r, "reason")), 64);
	json_decref(r);
	settle(x);
	/* By its name or its pid, the process is gone. */
	snprintf(msg, sizeof(msg), "no process %s", a);
	cmds_fails(w, ENOENT, msg, "{'cmd':'info','target':'a'}");
	cmds_fails(w, ENOENT, msg, "{'cmd':'info','target':'%s'}", a);
	/* The control thread's once-a-second sweep takes the dead process's
	 * name away, as a name goes with its process in Erlang: the name is
	 * unknown now, not a dead pid for ever. */
	x->pc->last_sweep_ms = 0;
	bl_proc_cmds_tick(x->pc);
	assert_int_equal(x->pc->names_swept, 1);
	rcu_thread_online();
	assert_int_equal(bl_registry_whereis(w->r->registry, "a", 2), BL_PID_NONE);
	rcu_thread_offline();
	cmds_fails(w, ENOENT, "no process is registered as 'a'", "{'cmd':'info','target':'a'}");

	r = cmds_ok(w, "{'cmd':'kill','target':'%s'}", b);
	cmds_keys(r, keys);
	assert_string_equal(cmds_str(r, "pid"), b);
	assert_string_equal(cmds_str(r, "reason"), "kill");
	json_decref(r);
	settle(x);
	cmds_fails(w, ENOENT, "no process", "{'cmd':'kill','target':'%s'}", b);
	assert_int_equal(ps_total(x), 0);
}

/* ---- info, ps ---- */

static void test_info(void **state)
{
	static const char *const keys[] = {
		"pid",		"name",		 "behaviour",	  "version", "lcore",
		"status",	"memory",	 "binary",	  "mailbox", "reductions",
		"heap_chunks",	"mailbox_limit", "mailbox_drops", "links",   "monitors",
		"monitored_by", "trap_exit",	 "groups",	  NULL,
	};
	struct pworld *x = *state;
	struct cmds_world *w = x->w;
	char c[48], rl[48];
	json_t *r, *o;

	target_errors(w, "info", "");
	spawn1(x, c, sizeof(c), ",'behaviour':'counter','name':'c','mailbox_limit':7");
	spawn1(x, rl, sizeof(rl), ",'behaviour':'relay','args':{'to':'c'}");
	json_decref(cmds_ok(w, "{'cmd':'group.join','group':'g1','target':'c'}"));
	json_decref(cmds_ok(w, "{'cmd':'group.join','group':'g2','target':'c'}"));
	/* Two messages for the counter, one through the relay. */
	assert_int_equal(bl_sched_post(w->r->workers[0]->sched, pid_of(c), 1, "abcd", 4), 0);
	assert_int_equal(bl_sched_post(w->r->workers[0]->sched, pid_of(rl), 2, "xy", 2), 0);
	settle(x);

	r = cmds_ok(w, "{'cmd':'info','target':'%s'}", c);
	o = json_object_get(r, "counter");
	json_incref(o);
	json_object_del(r, "counter");
	cmds_keys(r, keys);
	assert_string_equal(cmds_str(r, "pid"), c);
	assert_string_equal(cmds_str(r, "name"), "c");
	assert_string_equal(cmds_str(r, "behaviour"), "counter");
	assert_int_equal(cmds_int(r, "lcore"), w->worker);
	assert_string_equal(cmds_str(r, "status"), "waiting");
	assert_int_equal(cmds_int(r, "mailbox"), 0);
	assert_int_equal(cmds_int(r, "mailbox_limit"), 7);
	assert_true(cmds_int(r, "reductions") >= 2);
	assert_true(json_is_false(json_object_get(r, "trap_exit")));
	assert_int_equal(json_array_size(json_object_get(r, "groups")), 2);
	json_decref(r);
	{
		static const char *const ckeys[] = { "msgs", "bytes", "other_keys_msgs", NULL };

		cmds_keys(o, ckeys);
		assert_int_equal(cmds_int(o, "msgs"), 2);
		assert_int_equal(cmds_int(o, "bytes"), 6);
		json_decref(o);
	}
	r = cmds_ok(w, "{'cmd':'info','target':'%s'}", rl);
	assert_string_equal(cmds_str(r, "name"), "");
	assert_int_equal(json_array_size(json_object_get(r, "groups")), 0);
	assert_int_equal(cmds_int(json_object_get(r, "relay"), "relayed"), 1);
	assert_int_equal(cmds_int(json_object_get(r, "relay"), "failed"), 0);
	assert_null(json_object_get(r, "counter"));
	json_decref(r);
	/* info --messages: what waits in the mailbox, oldest first (the lcore
	 * takes the posts into the mailbox but runs no turn). */
	assert_int_equal(bl_sched_post(w->r->workers[0]->sched, pid_of(c), 11, "abc", 3), 0);
	assert_int_equal(bl_sched_post(w->r->workers[0]->sched, pid_of(c), 12, "", 0), 0);
	assert_int_equal(bl_sched_post(w->r->workers[0]->sched, pid_of(c), 13, "z", 1), 0);
	rcu_thread_online();
	(void)bl_sched_run(w->r->workers[0]->sched, 0);
	rcu_thread_offline();
	r = cmds_ok(w, "{'cmd':'info','target':'%s','messages':2}", c);
	assert_int_equal(cmds_int(r, "mailbox"), 3);
	o = json_object_get(r, "queued");
	assert_int_equal(json_array_size(o), 2);
	assert_int_equal(cmds_int(json_array_get(o, 0), "key"), 11);
	assert_int_equal(cmds_int(json_array_get(o, 0), "bytes"), 3);
	assert_string_equal(cmds_str(json_array_get(o, 0), "kind"), "data");
	assert_int_equal(cmds_int(json_array_get(o, 1), "key"), 12);
	json_decref(r);
	cmds_fails(w, EINVAL, "\"messages\" must be", "{'cmd':'info','target':'%s','messages':101}",
		   c);
	settle(x);
}

static void test_ps(void **state)
{
	static const char *const keys[] = { "procs", "total", "sort", NULL };
	static const char *const row_keys[] = { "pid",	   "name",	 "behaviour", "version",
						"lcore",   "status",	 "memory",    "binary",
						"mailbox", "reductions", NULL };
	struct pworld *x = *state;
	struct cmds_world *w = x->w;
	char busy[48], ctl[48], msg[64];
	json_t *r, *row;
	size_t i;

	cmds_fails(w, EINVAL, "\"sort\" must be memory, mailbox, reductions or binary, not 'size'",
		   "{'cmd':'ps','sort':'size'}");
	cmds_fails(w, EINVAL, "\"sort\" must be memory, mailbox, reductions or binary, not 1",
		   "{'cmd':'ps','sort':1}");
	cmds_fails(w, EINVAL, "\"top\" must be an integer in 1..10000, not 0",
		   "{'cmd':'ps','top':0}");
	cmds_fails(w, EINVAL, "\"top\" must be an integer in 1..10000, not 10001",
		   "{'cmd':'ps','top':10001}");
	cmds_fails(w, EINVAL, "\"top\" must be an integer in 1..10000, not '5'",
		   "{'cmd':'ps','top':'5'}");
	snprintf(msg, sizeof(msg), "\"lcore\" must be an integer in 0..%d", RTE_MAX_LCORE - 1);
	cmds_fails(w, EINVAL, msg, "{'cmd':'ps','lcore':%d}", RTE_MAX_LCORE);
	cmds_fails(w, EINVAL, "\"lcore\" must be an integer", "{'cmd':'ps','lcore':'any'}");
	cmds_fails(w, ENODEV, "ps: lcore 5 runs no scheduler", "{'cmd':'ps','lcore':5}");

	r = cmds_ok(w, "{'cmd':'ps'}");
	cmds_keys(r, keys);
	assert_int_equal(cmds_int(r, "total"), 0);
	assert_string_equal(cmds_str(r, "sort"), "reductions");
	json_decref(r);

	json_decref(cmds_ok(w, "{'cmd':'spawn','behaviour':'counter','count':4}"));
	spawn1(x, busy, sizeof(busy), ",'behaviour':'counter','name':'busy'");
	spawn1(x, ctl, sizeof(ctl), ",'behaviour':'counter','lcore':%u", rte_get_main_lcore());
	for (int k = 0; k < 5; k++)
		assert_int_equal(bl_sched_post(w->r->workers[0]->sched, pid_of(busy), 1, "x", 1),
				 0);
	settle(x);

	r = cmds_ok(w, "{'cmd':'ps','top':2,'sort':'reductions'}");
	assert_int_equal(cmds_int(r, "total"), 6);
	assert_int_equal(json_array_size(json_object_get(r, "procs")), 2);
	row = json_array_get(json_object_get(r, "procs"), 0);
	cmds_keys(row, row_keys);
	assert_string_equal(cmds_str(row, "pid"), busy);
	assert_string_equal(cmds_str(row, "name"), "busy");
	json_decref(r);
	r = cmds_ok(w, "{'cmd':'ps','sort':'memory'}");
	assert_int_equal(json_array_size(json_object_get(r, "procs")), 6);
	json_array_foreach (json_object_get(r, "procs"), i, row)
		if (i > 0)
			assert_true(
			    cmds_int(row, "memory") <=
			    cmds_int(json_array_get(json_object_get(r, "procs"), i - 1), "memory"));
	json_decref(r);
	/* One lcore only. */
	r = cmds_ok(w, "{'cmd':'ps','lcore':%u}", rte_get_main_lcore());
	assert_int_equal(cmds_int(r, "total"), 1);
	assert_string_equal(cmds_str(json_array_get(json_object_get(r, "procs"), 0), "pid"), ctl);
	json_decref(r);
	r = cmds_ok(w, "{'cmd':'ps','lcore':%u,'sort':'mailbox'}", w->worker);
	assert_int_equal(cmds_int(r, "total"), 5);
	assert_string_equal(cmds_str(r, "sort"), "mailbox");
	json_decref(r);
}

/* ---- memory, lcores ---- */

static void test_memory_and_lcores(void **state)
{
	static const char *const keys[] = { "total", "processes", "binaries_pinned", "tables",
					    "mbufs", "system",	  "lcores",	     NULL };
	static const char *const procs[] = { "count", "heap_bytes", "table_bytes", "mailbox_msgs",
					     NULL };
	static const char *const tables[] = { "routes",	     "route_bytes", "route_bytes_per_route",
					      "route_slots", "names",	    "groups",
					      "ets_tables",  "ets_entries", "ets_bytes",
					      NULL };
	static const char *const mbufs[] = { "size", "in_use", "free", "bytes", NULL };
	static const char *const sys[] = { "dpdk_heap_total", "dpdk_heap_used", "rss", NULL };
	static const char *const lkeys[] = { "lcores", "tsc_hz", "stall_ms", NULL };
	static const char *const lrow[] = { "lcore",	   "worker",   "busy_cycles",
					    "idle_cycles", "busy_pct", "avg_burst",
					    "loops",	   "sleeps",   "procs_handled",
					    "procs",	   "stalled",  "stalls",
					    "preemptions", NULL };
	struct pworld *x = *state;
	struct cmds_world *w = x->w;
	json_t *r, *o;

	json_decref(cmds_ok(w, "{'cmd':'spawn','behaviour':'counter','count':3,'group':'g'}"));
	json_decref(cmds_ok(w, "{'cmd':'spawn','behaviour':'counter','name':'m'}"));
	/* A shared table: in memory, and read by table.list / info / get. */
	json_decref(cmds_ok(w, "{'cmd':'spawn','behaviour':'ets_counter','args':{'table':'tc'}}"));
	r = cmds_ok(w, "{'cmd':'table.list'}");
	assert_int_equal(cmds_int(r, "count"), 1);
	json_decref(r);
	r = cmds_ok(w, "{'cmd':'table.info','name':'tc'}");
	assert_int_equal(cmds_int(r, "entries"), 0);
	assert_string_equal(cmds_str(r, "access"), "public");
	assert_string_equal(cmds_str(r, "keys"), "u64");
	json_decref(r);
	cmds_fails(w, ENOENT, "no such key in table tc", "{'cmd':'table.get','name':'tc','key':5}");
	cmds_fails(w, EINVAL, "bad key for table tc", "{'cmd':'table.get','name':'tc','key':'x'}");
	cmds_fails(w, ENOENT, "no table named nosuch", "{'cmd':'table.info','name':'nosuch'}");
	cmds_fails(w, EINVAL, "unknown field \"anything\" for memory",
		   "{'cmd':'memory','anything':1}");
	r = cmds_ok(w, "{'cmd':'memory'}");
	cmds_keys(r, keys);
	cmds_keys(json_object_get(r, "processes"), procs);
	cmds_keys(json_object_get(r, "tables"), tables);
	cmds_keys(json_object_get(r, "mbufs"), mbufs);
	cmds_keys(json_object_get(r, "system"), sys);
	assert_int_equal(cmds_int(json_object_get(r, "processes"), "count"), 5);
	assert_int_equal(cmds_int(json_object_get(r, "tables"), "ets_tables"), 1);
	assert_true(cmds_int(json_object_get(r, "tables"), "ets_bytes") > 0);
	assert_int_equal(cmds_int(json_object_get(r, "tables"), "names"), 1);
	assert_int_equal(cmds_int(json_object_get(r, "tables"), "groups"), 1);
	assert_int_equal(cmds_int(json_object_get(r, "mbufs"), "size"), w->r->pool->size);
	/* A row per scheduler: the workers' and the control thread's. */
	assert_int_equal(json_array_size(json_object_get(r, "lcores")), w->r->n_workers + 1);
	assert_true(cmds_int(r, "total") >= cmds_int(json_object_get(r, "mbufs"), "bytes"));
	json_decref(r);

	r = cmds_ok(w, "{'cmd':'lcores'}");
	cmds_keys(r, lkeys);
	assert_int_equal(cmds_int(r, "stall_ms"), BL_STALL_MS_DEFAULT);
	assert_true(cmds_int(r, "tsc_hz") > 0);
	o = json_object_get(r, "lcores");
	assert_int_equal(json_array_size(o), w->r->n_workers);
	cmds_keys(json_array_get(o, 0), lrow);
	assert_int_equal(cmds_int(json_array_get(o, 0), "lcore"), w->worker);
	assert_int_equal(cmds_int(json_array_get(o, 0), "worker"), 0);
	assert_int_equal(cmds_int(json_array_get(o, 0), "procs"), 5);
	assert_string_equal(cmds_str(json_array_get(o, 0), "busy_pct"), "0.0");
	json_decref(r);
	x->pc->stall_ms = 250;
	r = cmds_ok(w, "{'cmd':'lcores'}");
	assert_int_equal(cmds_int(r, "stall_ms"), 250);
	json_decref(r);
}

/* ---- with the workers running: through the lcore's command ring ---- */

static void test_running_workers(void **state)
{
	struct pworld *x = *state;
	struct cmds_world *w = x->w;
	json_t *r;
	char c[48];
	int i;

	assert_int_equal(bl_router_start(w->r), 0);
	r = cmds_ok(w, "{'cmd':'spawn','behaviour':'counter','count':5,'group':'g'}");
	assert_int_equal(cmds_int(r, "lcore"), w->worker);
	json_decref(r);
	spawn1(x, c, sizeof(c), ",'behaviour':'counter','name':'c'");
	assert_int_equal(bl_sched_post(w->r->workers[0]->sched, pid_of(c), 9, "abc", 3), 0);
	for (i = 0; i < 2000; i++) {
		r = cmds_ok(w, "{'cmd':'info','target':'c'}");
		if (cmds_int(json_object_get(r, "counter"), "msgs") == 1) {
			json_decref(r);
			break;
		}
		json_decref(r);
		usleep(1000);
	}
	assert_true(i < 2000);
	assert_int_equal(ps_total(x), 6);
	json_decref(cmds_ok(w, "{'cmd':'kill','target':'c'}"));
	for (i = 0; i < 2000; i++) {
		r = cmds_ask(w, 0, "{'cmd':'ps'}");
		if (cmds_int(r, "total") == 5) {
			json_decref(r);
			break;
		}
		json_decref(r);
		usleep(1000);
	}
	assert_true(i < 2000);
	cmds_fails(w, ENOENT, "no process <", "{'cmd':'info','target':'c'}");
	bl_router_stop(w->r);
}

/* ---- the helpers of proc_cmds.h ---- */

static void test_pid_helpers(void **state)
{
	struct pworld *x = *state;
	char buf[48], err[128], p[48];
	uint64_t pid;
	json_t *v;

	bl_pid_format(bl_pid_make(3, 17, 9), buf, sizeof(buf));
	assert_string_equal(buf, "<3.17.9>");
	spawn1(x, p, sizeof(p), ",'behaviour':'counter','name':'named'");

	rcu_thread_online();
	v = json_string("<3.17.9>");
	assert_int_equal(bl_pid_resolve(x->w->r, json_string_value(v), &pid, err, sizeof(err)), 0);
	assert_int_equal(pid, bl_pid_make(3, 17, 9));
	json_decref(v);
	v = json_string("3.17.9");
	assert_int_equal(bl_pid_resolve(x->w->r, json_string_value(v), &pid, err, sizeof(err)), 0);
	assert_int_equal(pid, bl_pid_make(3, 17, 9));
	json_decref(v);
	v = json_string("named");
	assert_int_equal(bl_pid_resolve(x->w->r, json_string_value(v), &pid, err, sizeof(err)), 0);
	assert_int_equal(pid, pid_of(p));
	json_decref(v);
	{
		const char *bad[] = { "<3.17>",	 "<3.17.9", "3.17.0",	  "<128.0.1>",
				      "1.2.3.4", "<a.b.c>", "3.4194304.1" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			v = json_string(bad[i]);
			err[0] = '\0';
			assert_int_equal(
			    bl_pid_resolve(x->w->r, json_string_value(v), &pid, err, sizeof(err)),
			    -EINVAL);
			assert_non_null(strstr(err, "bad pid"));
			json_decref(v);
		}
	}
	v = json_string("ghost");
	assert_int_equal(bl_pid_resolve(x->w->r, json_string_value(v), &pid, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "no process is registered as 'ghost'"));
	json_decref(v);
	rcu_thread_offline();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spawn_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spawn_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spawn_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spawn_names_outlive_processes, setup_4_names,
						teardown),
		cmocka_unit_test_setup_teardown(test_kill_and_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_and_lcores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_workers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_helpers, setup, teardown),
	};
	int rc;

	if (cmds_test_eal("proc_cmds") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmds_test_eal_end();
	return rc;
}
