/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The supervision commands (control/sup_cmds.c) through the control
 * dispatcher: sup.new, sup.child, sup.start, sup.stop, sup.tree and
 * crashes. For each, its argument errors (missing field, wrong type, out of
 * range, unknown name) by error name and message, and the shape of a good
 * reply; then the life of a tree as the daemon runs it: started before the
 * workers (pending) and after, a child stopped and started again, a crash
 * reported and its child restarted, the tree stopped cleanly. The process
 * commands are registered too, and their tick drives the supervisors, as in
 * control/beamline.c.
 */
#include "actors/sup.h"
#include "control/proc_cmds.h"
#include "control/sup_cmds.h"

#include "cmds_test.h"

struct sworld {
	struct cmds_world *w;
	struct bl_proc_cmds *pc;
	struct bl_sup_cmds sc;
};

static int setup(void **state)
{
	struct sworld *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->w = cmds_world_new("scmds", NULL);
	x->pc = calloc(1, sizeof(*x->pc));
	assert_non_null(x->pc);
	x->pc->r = x->w->r;
	x->sc.r = x->w->r;
	assert_int_equal(bl_proc_cmds_register(x->w->ctl, x->pc), 0);
	assert_int_equal(bl_sup_cmds_register(x->w->ctl, &x->sc), 0);
	assert_non_null(x->sc.crash_log);
	x->pc->crash_log = x->sc.crash_log;
	*state = x;
	return 0;
}

/* Trees stop while the workers run, then the workers stop: the daemon's order. */
static int teardown(void **state)
{
	struct sworld *x = *state;

	bl_sup_cmds_stop_all(&x->sc);
	if (x->w->r->running)
		bl_router_stop(x->w->r);
	bl_sup_cmds_fini(&x->sc);
	assert_null(x->sc.crash_log);
	cmds_world_free(x->w);
	free(x->pc);
	free(x);
	return 0;
}

/* One pass of the control loop's periodic work (supervisors, crash records). */
static void tick(struct sworld *x)
{
	bl_proc_cmds_tick(x->pc);
}

/* The sup.tree row of a node id (indent stripped), or NULL; borrowed from r. */
static json_t *tree_row(json_t *r, const char *id)
{
	json_t *row;
	size_t i;

	json_array_foreach (json_object_get(r, "nodes"), i, row) {
		const char *n = cmds_str(row, "node");

		while (*n == ' ')
			n++;
		if (strcmp(n, id) == 0)
			return row;
	}
	return NULL;
}

/* Tick until child id's row says state (bounded; not a speed assertion). */
static void wait_state(struct sworld *x, const char *id, const char *state)
{
	for (int i = 0; i < 5000; i++) {
		json_t *r = cmds_ok(x->w, "{'cmd':'sup.tree'}");
		json_t *row = tree_row(r, id);
		bool done = row != NULL && strcmp(cmds_str(row, "state"), state) == 0;

		json_decref(r);
		if (done)
			return;
		tick(x);
		usleep(1000);
	}
	fail_msg("%s never became %s", id, state);
}

/* ---- sup.new ---- */

static void test_sup_new(void **state)
{
	static const char *const keys[] = { "id", "strategy", NULL };
	struct sworld *x = *state;
	struct cmds_world *w = x->w;
	json_t *r;

	cmds_fails(w, EINVAL, "missing \"id\"", "{'cmd':'sup.new'}");
	/* An id of the wrong type is refused as such, not reported as missing. */
	cmds_fails(
	    w, EINVAL,
	    "\"id\" must be a name of 1..31 printable ASCII characters without blanks, not 1",
	    "{'cmd':'sup.new','id':1}");
	cmds_fails(
	    w, EINVAL,
	    "\"id\" must be a name of 1..31 printable ASCII characters without blanks, not 'a b'",
	    "{'cmd':'sup.new','id':'a b'}");
	cmds_fails(w, ENOENT, "sup new: no supervisor 'nobody' (define the parent first)",
		   "{'cmd':'sup.new','id':'s','parent':'nobody'}");
	cmds_fails(
	    w, EINVAL,
	    "\"strategy\" must be one_for_one, one_for_all or rest_for_one, not 'all_for_one'",
	    "{'cmd':'sup.new','id':'s','strategy':'all_for_one'}");
	cmds_fails(w, EINVAL,
		   "\"strategy\" must be one_for_one, one_for_all or rest_for_one, not 1",
		   "{'cmd':'sup.new','id':'s','strategy':1}");
	cmds_fails(w, EINVAL, "\"intensity\" must be an integer in 0..1024, not 1025",
		   "{'cmd':'sup.new','id':'s','intensity':1025}");
	cmds_fails(w, EINVAL, "\"intensity\" must be an integer in 0..1024, not -1",
		   "{'cmd':'sup.new','id':'s','intensity':-1}");
	cmds_fails(w, EINVAL, "\"period\" must be an integer in 0..4294967295, not '5s'",
		   "{'cmd':'sup.new','id':'s','period':'5s'}");
	cmds_fails(w, EINVAL, "\"restart\" must be permanent, transient or temporary, not 'always'",
		   "{'cmd':'sup.new','id':'s','restart':'always'}");
	/* Mistyped fields are refused, each named (a mistyped parent too, below). */
	cmds_fails(w, EINVAL, "\"restart\" must be permanent, transient or temporary, not 0",
		   "{'cmd':'sup.new','id':'s','restart':0}");
	cmds_fails(w, EINVAL,
		   "\"shutdown\" must be an integer in 1..1073741824, brutal or infinity, not 0",
		   "{'cmd':'sup.new','id':'s','shutdown':0}");
	cmds_fails(
	    w, EINVAL,
	    "\"shutdown\" must be an integer in 1..1073741824, brutal or infinity, not 'soon'",
	    "{'cmd':'sup.new','id':'s','shutdown':'soon'}");
	cmds_fails(
	    w, EINVAL,
	    "\"shutdown\" must be an integer in 1..1073741824, brutal or infinity, not 1073741825",
	    "{'cmd':'sup.new','id':'s','shutdown':1073741825}");

	/* Good: the defaults, and every option. */
	r = cmds_ok(w, "{'cmd':'sup.new','id':'root'}");
	cmds_keys(r, keys);
	assert_string_equal(cmds_str(r, "id"), "root");
	assert_string_equal(cmds_str(r, "strategy"), "one_for_one");
	json_decref(r);
	r = cmds_ok(w, "{'cmd':'sup.new','id':'mid','parent':'root','strategy':'rest_for_one',"
		       "'intensity':0,'period':1,'restart':'transient','shutdown':'infinity'}");
	assert_string_equal(cmds_str(r, "strategy"), "rest_for_one");
	json_decref(r);
	json_decref(cmds_ok(w, "{'cmd':'sup.new','id':'b','parent':'mid','shutdown':'brutal'}"));
	json_decref(cmds_ok(w, "{'cmd':'sup.new','id':'c','shutdown':1073741824}"));
	/* Ids are unique across supervisors and children. */
	cmds_fails(w, EEXIST, "sup new: the id 'root' is taken", "{'cmd':'sup.new','id':'root'}");
	json_decref(cmds_ok(w, "{'cmd':'sup.child','sup':'root','id':'w1','behaviour':'counter'}"));
	cmds_fails(w, EEXIST, "sup new: the id 'w1' is taken", "{'cmd':'sup.new','id':'w1'}");
	/* A parent of the wrong type is refused, not taken for no parent. */
	cmds_fails(w, EINVAL, "\"parent\" must be a string, not 7",
		   "{'cmd':'sup.new','id':'orphan','parent':7}");
	json_decref(cmds_ok(w, "{'cmd':'sup.new','id':'orphan'}"));
	r = cmds_ok(w, "{'cmd':'sup.tree'}");
	assert_int_equal(json_array_size(json_object_get(r, "stopped_trees")),
			 3); /* root c orphan */
	json_decref(r);
}

static void test_sup_new_bounds(void **state)
{
	struct sworld *x = *state;
	struct cmds_world *w = x->w;
	unsigned i;

	/* A supervisor holds BL_SUP_CHILDREN_MAX / 16 definitions. */
	json_decref(cmds_ok(w, "{'cmd':'sup.new','id':'p'}"));
	for (i = 0; i < BL_SUP_CHILDREN_MAX / 16; i++)
		json_decref(cmds_ok(
		    w, "{'cmd':'sup.child','sup':'p','id':'k%u','behaviour':'counter'}", i));
	cmds_fails(w, ENOSPC, "sup new: 'p' has 64 children already",
		   "{'cmd':'sup.new','id':'q','parent':'p'}");
	cmds_fails(w, ENOSPC, "sup child: 'p' has 64 children already",
		   "{'cmd':'sup.child','sup':'p','id':'k','behaviour':'counter'}");
	/* BL_SUP_CMDS_MAX supervisors at most. */
	for (i = 1; i < BL_SUP_CMDS_MAX; i++)
		json_decref(cmds_ok(w, "{'cmd':'sup.new','id':'s%u'}", i));
	cmds_fails(w, ENOSPC, "sup new: 64 supervisors at most",
		   "{'cmd':'sup.new','id':'one_more'}");
}

/* ---- sup.child ---- */

static void test_sup_child(void **state)
{
	static const char *const keys[] = { "sup", "id", "behaviour", NULL };
	struct sworld *x = *state;
	struct cmds_world *w = x->w;
	json_t *r;

	json_decref(cmds_ok(w, "{'cmd':'sup.new','id':'t'}"));
	cmds_fails(w, EINVAL, "missing \"sup\"",
		   "{'cmd':'sup.child','id':'c','behaviour':'counter'}");
	cmds_fails(w, EINVAL, "missing \"id\"",
		   "{'cmd':'sup.child','sup':'t','behaviour':'counter'}");
	cmds_fails(w, EINVAL, "missing \"behaviour\"", "{'cmd':'sup.child','sup':'t','id':'c'}");
	cmds_fails(w, EINVAL, "\"behaviour\" must be a string, not an array",
		   "{'cmd':'sup.child','sup':'t','id':'c','behaviour':['counter']}");
	cmds_fails(w, ENOENT, "sup child: no supervisor 'u'",
		   "{'cmd':'sup.child','sup':'u','id':'c','behaviour':'counter'}");
	cmds_fails(
	    w, EINVAL,
	    "\"id\" must be a name of 1..31 printable ASCII characters without blanks, not 'c d'",
	    "{'cmd':'sup.child','sup':'t','id':'c d','behaviour':'counter'}");
	cmds_fails(w, EEXIST, "sup child: the id 't' is taken",
		   "{'cmd':'sup.child','sup':'t','id':'t','behaviour':'counter'}");
	/* The behaviour and its arguments: as spawn checks them. */
	cmds_fails(w, EINVAL, "unknown behaviour 'blinker'",
		   "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'blinker'}");
	cmds_fails(
	    w, EINVAL, "unknown field \"keys\" for counter (it takes: max_keys, rate)",
	    "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'counter','args':{'keys':1}}");
	cmds_fails(w, EINVAL, "missing \"poison\"",
		   "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'fault'}");
	cmds_fails(
	    w, EINVAL,
	    "\"name\" must be a name of 1..31 printable ASCII characters without blanks, not 'n m'",
	    "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'counter','name':'n m'}");
	/* Left as found (issue 14 review): an lcore without a scheduler is invalid_argument here,
	 * no_device in spawn. */
	cmds_fails(w, EINVAL, "\"lcore\" must be a worker lcore or any, not 5",
		   "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'counter','lcore':5}");
	cmds_fails(w, EINVAL, "\"lcore\" must be an integer in 0..127 or any, not 'w'",
		   "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'counter','lcore':'w'}");
	cmds_fails(w, EINVAL, "sup child: echo transmits: put it on a worker lcore",
		   "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'echo','lcore':%u}",
		   rte_get_main_lcore());
	cmds_fails(
	    w, EINVAL, "\"restart\" must be permanent, transient or temporary, not 'never'",
	    "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'counter','restart':'never'}");
	cmds_fails(w, EINVAL,
		   "\"shutdown\" must be an integer in 1..1073741824, brutal or infinity, not -5",
		   "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'counter','shutdown':-5}");
	cmds_fails(
	    w, EINVAL, "\"mailbox_limit\" must be an integer in 0..4294967295, not 'x'",
	    "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'counter','mailbox_limit':'x'}");
	cmds_fails(w, EINVAL, "\"heap_limit\" must be an integer in 0..4294967295, not -1",
		   "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'counter','heap_limit':-1}");
	cmds_fails(
	    w, EINVAL, "\"overflow\" must be drop_newest, drop_oldest, kill or block, not 'never'",
	    "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'counter','overflow':'never'}");

	r = cmds_ok(w,
		    "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'counter',"
		    "'args':{'max_keys':4},'name':'cnt','lcore':%u,'restart':'temporary',"
		    "'shutdown':'brutal','mailbox_limit':10,'heap_limit':65536,"
		    "'overflow':'kill'}",
		    w->worker);
	cmds_keys(r, keys);
	assert_string_equal(cmds_str(r, "sup"), "t");
	assert_string_equal(cmds_str(r, "id"), "c");
	assert_string_equal(cmds_str(r, "behaviour"), "counter");
	json_decref(r);
	cmds_fails(w, EEXIST, "sup child: the id 'c' is taken",
		   "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'counter'}");
	json_decref(cmds_ok(w, "{'cmd':'sup.child','sup':'t','id':'f','behaviour':'fault',"
			       "'args':{'poison':7},'lcore':'any'}"));
	/* Left as found (issue 14 review): "a worker lcore", says the message, yet the main lcore
	 * is taken. */
	json_decref(cmds_ok(w,
			    "{'cmd':'sup.child','sup':'t','id':'m','behaviour':'counter',"
			    "'lcore':%u}",
			    rte_get_main_lcore()));
	/* A name or an overflow of the wrong type is refused, naming the field. */
	cmds_fails(w, EINVAL, "\"name\" must be a name",
		   "{'cmd':'sup.child','sup':'t','id':'z','behaviour':'counter',"
		   "'name':5,'overflow':2}");
}

/* ---- sup.start / sup.stop / sup.tree before the workers run ---- */

static void test_start_stop_errors_and_pending(void **state)
{
	static const char *const keys[] = { "nodes", "stopped_trees", NULL };
	static const char *const pending[] = { "id", "state", NULL };
	struct sworld *x = *state;
	struct cmds_world *w = x->w;
	char err[256];
	json_t *r, *t;

	cmds_fails(w, EINVAL, "missing \"id\"", "{'cmd':'sup.start'}");
	cmds_fails(w, EINVAL, "\"id\" must be a string, not 3", "{'cmd':'sup.start','id':3}");
	cmds_fails(w, EINVAL, "missing \"id\"", "{'cmd':'sup.stop'}");
	cmds_fails(w, ENOENT, "sup start: no tree 'x' and no child 'x' in a running tree",
		   "{'cmd':'sup.start','id':'x'}");
	cmds_fails(w, ENOENT, "sup stop: no tree 'x' and no child 'x' in a running tree",
		   "{'cmd':'sup.stop','id':'x'}");

	r = cmds_ok(w, "{'cmd':'sup.tree'}");
	cmds_keys(r, keys);
	assert_int_equal(json_array_size(json_object_get(r, "nodes")), 0);
	assert_int_equal(json_array_size(json_object_get(r, "stopped_trees")), 0);
	json_decref(r);

	json_decref(cmds_ok(w, "{'cmd':'sup.new','id':'t'}"));
	json_decref(cmds_ok(w, "{'cmd':'sup.new','id':'inner','parent':'t'}"));
	json_decref(cmds_ok(w, "{'cmd':'sup.child','sup':'inner','id':'c','behaviour':'counter'}"));
	r = cmds_ok(w, "{'cmd':'sup.tree'}");
	t = json_array_get(json_object_get(r, "stopped_trees"), 0);
	assert_int_equal(json_array_size(json_object_get(r, "stopped_trees")), 1);
	assert_string_equal(cmds_str(t, "tree"), "t");
	assert_string_equal(cmds_str(t, "state"), "defined, not started");
	json_decref(r);
	/* Only a root starts a tree; a nested supervisor or a child needs a running tree. */
	cmds_fails(w, ENOENT, "sup start: no tree 'inner'", "{'cmd':'sup.start','id':'inner'}");
	cmds_fails(w, ENOENT, "sup start: no tree 'c'", "{'cmd':'sup.start','id':'c'}");
	cmds_fails(w, ESRCH, "sup stop: tree 't' does not run", "{'cmd':'sup.stop','id':'t'}");

	/* Before the workers run, a start waits for them; a stop cancels it. */
	r = cmds_ok(w, "{'cmd':'sup.start','id':'t'}");
	cmds_keys(r, pending);
	assert_string_equal(cmds_str(r, "state"), "starts with the workers");
	json_decref(r);
	r = cmds_ok(w, "{'cmd':'sup.tree'}");
	t = json_array_get(json_object_get(r, "stopped_trees"), 0);
	assert_string_equal(cmds_str(t, "state"), "starts with the workers");
	json_decref(r);
	cmds_fails(w, ESRCH, "does not run", "{'cmd':'sup.stop','id':'t'}");
	r = cmds_ok(w, "{'cmd':'sup.tree'}");
	t = json_array_get(json_object_get(r, "stopped_trees"), 0);
	assert_string_equal(cmds_str(t, "state"), "defined, not started");
	json_decref(r);

	/* Asked again, it starts once the workers do. */
	json_decref(cmds_ok(w, "{'cmd':'sup.start','id':'t'}"));
	assert_int_equal(bl_router_start(w->r), 0);
	err[0] = '\0';
	assert_int_equal(bl_sup_cmds_start_pending(&x->sc, err, sizeof(err)), 0);
	r = cmds_ok(w, "{'cmd':'sup.tree'}");
	assert_int_equal(json_array_size(json_object_get(r, "stopped_trees")), 0);
	assert_int_equal(json_array_size(json_object_get(r, "nodes")), 3);
	assert_non_null(tree_row(r, "c"));
	json_decref(r);
}

/* ---- a running tree ---- */

static void test_tree_life(void **state)
{
	static const char *const row_keys[] = { "node",	    "pid",     "name",	   "behaviour",
						"state",    "restart", "strategy", "lcore",
						"restarts", NULL };
	static const char *const started[] = { "id", "pid", NULL };
	static const char *const stopped[] = { "id", "stopped", NULL };
	struct sworld *x = *state;
	struct cmds_world *w = x->w;
	char cpid[48];
	json_t *r, *row;

	json_decref(
	    cmds_ok(w, "{'cmd':'sup.new','id':'t','strategy':'one_for_one','intensity':5}"));
	json_decref(cmds_ok(w, "{'cmd':'sup.child','sup':'t','id':'c1','behaviour':'counter',"
			       "'name':'cnt'}"));
	json_decref(cmds_ok(w, "{'cmd':'sup.child','sup':'t','id':'c2','behaviour':'fault',"
			       "'args':{'poison':7}}"));
	json_decref(cmds_ok(w, "{'cmd':'sup.new','id':'s2','parent':'t'}"));
	json_decref(cmds_ok(w, "{'cmd':'sup.child','sup':'s2','id':'c3','behaviour':'counter',"
			       "'restart':'transient'}"));
	assert_int_equal(bl_router_start(w->r), 0);

	r = cmds_ok(w, "{'cmd':'sup.start','id':'t'}");
	cmds_keys(r, started);
	assert_string_equal(cmds_str(r, "id"), "t");
	assert_int_equal(cmds_str(r, "pid")[0], '<');
	json_decref(r);
	cmds_fails(w, EALREADY, "sup start: tree 't' runs already", "{'cmd':'sup.start','id':'t'}");
	/* A running tree is changed through its children only. */
	cmds_fails(w, EBUSY, "sup child: the tree of 't' runs: stop it first",
		   "{'cmd':'sup.child','sup':'t','id':'c4','behaviour':'counter'}");
	cmds_fails(w, EBUSY, "sup child: the tree of 's2' runs: stop it first",
		   "{'cmd':'sup.child','sup':'s2','id':'c4','behaviour':'counter'}");
	cmds_fails(w, EBUSY, "sup new: the tree of 's2' runs: stop it first",
		   "{'cmd':'sup.new','id':'s3','parent':'s2'}");

	/* The tree, node by node, depth first; children indented under their supervisor. */
	r = cmds_ok(w, "{'cmd':'sup.tree'}");
	assert_int_equal(json_array_size(json_object_get(r, "nodes")), 5);
	assert_int_equal(json_array_size(json_object_get(r, "stopped_trees")), 0);
	row = json_array_get(json_object_get(r, "nodes"), 0);
	cmds_keys(row, row_keys);
	assert_string_equal(cmds_str(row, "node"), "t");
	assert_string_equal(cmds_str(row, "strategy"), "one_for_one");
	assert_string_equal(cmds_str(row, "behaviour"), "supervisor");
	assert_string_equal(cmds_str(json_array_get(json_object_get(r, "nodes"), 1), "node"),
			    "  c1");
	assert_string_equal(cmds_str(json_array_get(json_object_get(r, "nodes"), 4), "node"),
			    "    c3");
	row = tree_row(r, "c1");
	assert_string_equal(cmds_str(row, "name"), "cnt");
	assert_string_equal(cmds_str(row, "state"), "running");
	assert_string_equal(cmds_str(row, "restart"), "permanent");
	assert_string_equal(cmds_str(row, "strategy"), "");
	assert_int_equal(cmds_int(row, "lcore"), w->worker);
	assert_int_equal(cmds_int(row, "restarts"), 0);
	assert_string_equal(cmds_str(tree_row(r, "c3"), "restart"), "transient");
	snprintf(cpid, sizeof(cpid), "%s", cmds_str(tree_row(r, "c2"), "pid"));
	json_decref(r);

	/* One child stopped and started again. */
	r = cmds_ok(w, "{'cmd':'sup.stop','id':'c1'}");
	cmds_keys(r, stopped);
	assert_string_equal(cmds_str(r, "stopped"), "shutdown sent");
	json_decref(r);
	wait_state(x, "c1", "stopped");
	cmds_fails(w, ESRCH, "sup stop c1: it does not run", "{'cmd':'sup.stop','id':'c1'}");
	r = cmds_ok(w, "{'cmd':'sup.start','id':'c1'}");
	cmds_keys(r, started);
	assert_int_equal(cmds_str(r, "pid")[0], '<');
	json_decref(r);
	cmds_fails(w, EALREADY, "sup start c1: it runs already", "{'cmd':'sup.start','id':'c1'}");
	json_decref(cmds_ok(w, "{'cmd':'info','target':'cnt'}")); /* its name moved with it */

	/* A crash: reported, and the child restarted. */
	{
		static const char *const keys[] = { "crashes", "recorded", "dropped", "overwritten",
						    NULL };
		static const char *const crash_keys[] = {
			"seq",	    "pid",	  "name",	"behaviour",
			"reason",   "reductions", "heap_bytes", "binary_bytes",
			"last_key", "lcore",	  "time_ms",	NULL,
		};
		unsigned l, sl, g;
		int i;

		cmds_fails(w, EINVAL, "\"top\" must be an integer in 0..256, not 257",
			   "{'cmd':'crashes','top':257}");
		cmds_fails(w, EINVAL, "\"top\" must be an integer in 0..256, not '1'",
			   "{'cmd':'crashes','top':'1'}");
		r = cmds_ok(w, "{'cmd':'crashes'}");
		cmds_keys(r, keys);
		assert_int_equal(json_array_size(json_object_get(r, "crashes")), 0);
		assert_int_equal(cmds_int(r, "recorded"), 0);
		json_decref(r);

		assert_int_equal(sscanf(cpid, "<%u.%u.%u>", &l, &sl, &g), 3);
		assert_int_equal(
		    bl_sched_post(w->r->workers[0]->sched, bl_pid_make(l, sl, g), 7, "boom", 4), 0);
		for (i = 0; i < 5000; i++) {
			r = cmds_ok(w, "{'cmd':'sup.tree'}");
			row = tree_row(r, "c2");
			if (cmds_int(row, "restarts") == 1 &&
			    strcmp(cmds_str(row, "state"), "running") == 0)
				break;
			json_decref(r);
			tick(x);
			usleep(1000);
		}
		assert_true(i < 5000);
		assert_string_not_equal(cmds_str(row, "pid"), cpid);
		json_decref(r);
		/* The supervisor names the record as it handles the exit, before the
		 * restart: read the log after that. */
		r = cmds_ok(w, "{'cmd':'crashes'}");
		assert_int_equal(json_array_size(json_object_get(r, "crashes")), 1);
		assert_int_equal(cmds_int(r, "recorded"), 1);
		row = json_array_get(json_object_get(r, "crashes"), 0);
		cmds_keys(row, crash_keys);
		assert_int_equal(cmds_int(row, "seq"), 1);
		assert_string_equal(cmds_str(row, "pid"), cpid);
		assert_string_equal(cmds_str(row, "name"), "c2"); /* its id: it has no name */
		assert_string_equal(cmds_str(row, "behaviour"), "fault");
		assert_string_equal(cmds_str(row, "reason"), "poison_message");
		assert_string_equal(cmds_str(row, "last_key"), "7");
		assert_int_equal(cmds_int(row, "lcore"), w->worker);
		json_decref(r);
		/* Left as found (issue 14 review): top 0 is a valid (empty) page here; ps refuses
		 * top 0. */
		r = cmds_ok(w, "{'cmd':'crashes','top':0}");
		assert_int_equal(json_array_size(json_object_get(r, "crashes")), 0);
		assert_int_equal(cmds_int(r, "recorded"), 1);
		json_decref(r);
	}

	/* The whole tree, cleanly; then it is a definition again. */
	r = cmds_ok(w, "{'cmd':'sup.stop','id':'t'}");
	cmds_keys(r, stopped);
	assert_string_equal(cmds_str(r, "stopped"), "cleanly");
	json_decref(r);
	cmds_fails(w, ESRCH, "sup stop: tree 't' does not run", "{'cmd':'sup.stop','id':'t'}");
	cmds_fails(w, ENOENT, "no tree 'c1' and no child 'c1' in a running tree",
		   "{'cmd':'sup.stop','id':'c1'}");
	r = cmds_ok(w, "{'cmd':'sup.tree'}");
	assert_int_equal(json_array_size(json_object_get(r, "nodes")), 0);
	assert_string_equal(
	    cmds_str(json_array_get(json_object_get(r, "stopped_trees"), 0), "state"),
	    "defined, not started");
	json_decref(r);
	r = cmds_ok(w, "{'cmd':'ps'}");
	assert_int_equal(cmds_int(r, "total"), 0);
	json_decref(r);
	/* Stopped, it can be changed and started again. */
	json_decref(cmds_ok(w, "{'cmd':'sup.child','sup':'t','id':'c4','behaviour':'counter'}"));
	json_decref(cmds_ok(w, "{'cmd':'sup.start','id':'t'}"));
	r = cmds_ok(w, "{'cmd':'sup.tree'}");
	assert_int_equal(json_array_size(json_object_get(r, "nodes")), 6);
	json_decref(r);
	/* teardown stops it (bl_sup_cmds_stop_all). */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sup_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sup_new_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sup_child, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_stop_errors_and_pending, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tree_life, setup, teardown),
	};
	int rc;

	if (cmds_test_eal("sup_cmds") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmds_test_eal_end();
	return rc;
}
