/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The behaviour module commands (control/module_cmds.c) through the control
 * dispatcher, with the process and supervision commands beside them as in
 * the daemon: load refused for every reason a module can give (by error
 * name and message), behaviours' rows, a loaded behaviour spawned with
 * arguments (bad ones refused, naming the field), unload refused while a
 * process runs it, while a child spec names it, for a built-in and an
 * unknown name; then allowed, and the name unknown to spawn again. upgrade:
 * its refusals, its reply, behaviours' row a version, ps's versions, a
 * third version refused while a process runs the oldest.
 *
 * usage: test_control_module_cmds NAME=PATH... (the modules of tests/modules)
 */
#include "actors/behaviours.h"
#include "control/module_cmds.h"
#include "control/sup_cmds.h"

#include "proc_cmds_test.h"

static const char *const mod_names[] = { "stamp",     "bad_abi",     "no_desc",	 "bad_schema",
					 "undef_sym", "dup_counter", "tally_v1", "tally_v2" };
#define N_MODS (sizeof(mod_names) / sizeof(mod_names[0]))
static const char *mod_path[N_MODS];

static const char *module(const char *name)
{
	for (unsigned i = 0; i < N_MODS; i++)
		if (strcmp(mod_names[i], name) == 0 && mod_path[i] != NULL)
			return mod_path[i];
	fail_msg("no module %s given", name);
	return NULL;
}

struct mworld {
	struct pworld *p;
	struct bl_sup_cmds sc;
	struct bl_module_cmds mc;
};

static int msetup(void **state)
{
	struct mworld *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->p = pworld_new(NULL);
	x->sc.r = x->p->w->r;
	assert_int_equal(bl_sup_cmds_register(x->p->w->ctl, &x->sc), 0);
	x->mc.r = x->p->w->r;
	x->mc.sup = &x->sc;
	x->mc.crash_log = x->sc.crash_log;
	assert_int_equal(bl_module_cmds_register(x->p->w->ctl, &x->mc), 0);
	*state = x;
	return 0;
}

static int mteardown(void **state)
{
	struct mworld *x = *state;

	bl_sup_cmds_fini(&x->sc);
	teardown((void **)&x->p);
	free(x);
	return 0;
}

static void test_load_refusals(void **state)
{
	struct mworld *x = *state;
	struct cmds_world *w = x->p->w;

	cmds_fails(w, EINVAL, "missing \"path\"", "{'cmd':'load'}");
	cmds_fails(w, EINVAL, "\"path\" must be a string", "{'cmd':'load','path':5}");
	cmds_fails(w, EINVAL, "unknown field \"file\" for load", "{'cmd':'load','file':'x'}");
	cmds_fails(w, ENOEXEC, "built for behaviour ABI 999; this router speaks ABI 1",
		   "{'cmd':'load','path':'%s'}", module("bad_abi"));
	cmds_fails(w, ENOEXEC, "no descriptor (symbol bl_behaviour_module)",
		   "{'cmd':'load','path':'%s'}", module("no_desc"));
	cmds_fails(w, EINVAL, "bad argument schema: field \"n\": bad default",
		   "{'cmd':'load','path':'%s'}", module("bad_schema"));
	cmds_fails(w, ENOEXEC, "bl_not_in_the_sdk", "{'cmd':'load','path':'%s'}",
		   module("undef_sym"));
	cmds_fails(w, EEXIST, "behaviour 'counter' exists already (version 1.0, built in)",
		   "{'cmd':'load','path':'%s'}", module("dup_counter"));
	cmds_fails(w, ENOENT, "No such file", "{'cmd':'load','path':'/nonexistent/m.so'}");
	cmds_fails(w, EINVAL, "give a path with a '/'", "{'cmd':'load','path':'m.so'}");
}

static void test_load_spawn_unload(void **state)
{
	static const char *const load_keys[] = { "behaviour", "version", "path", NULL };
	static const char *const row_keys[] = { "name",	   "version", "source", "processes",
						"summary", "args",    NULL };
	struct mworld *x = *state;
	struct cmds_world *w = x->p->w;
	json_t *r, *row;
	size_t i, n;
	bool seen = false;
	char pid[48];

	r = cmds_ok(w, "{'cmd':'load','path':'%s'}", module("stamp"));
	cmds_keys(r, load_keys);
	assert_string_equal(cmds_str(r, "behaviour"), "stamp");
	assert_string_equal(cmds_str(r, "version"), "0.3.1");
	assert_string_equal(cmds_str(r, "path"), module("stamp"));
	json_decref(r);
	cmds_fails(w, EEXIST, "behaviour 'stamp' exists already (version 0.3.1, from",
		   "{'cmd':'load','path':'%s'}", module("stamp"));

	r = cmds_ok(w, "{'cmd':'behaviours'}");
	/* The built-ins and stamp. */
	for (n = 0; bl_builtin_descs[n] != NULL; n++)
		;
	assert_int_equal(json_array_size(json_object_get(r, "behaviours")), n + 1);
	json_array_foreach (json_object_get(r, "behaviours"), i, row) {
		cmds_keys(row, row_keys);
		if (strcmp(cmds_str(row, "name"), "stamp") != 0)
			continue;
		seen = true;
		assert_string_equal(cmds_str(row, "source"), module("stamp"));
		assert_int_equal(cmds_int(row, "processes"), 0);
		assert_non_null(strstr(cmds_str(row, "args"), "[mode:forward|copy=forward]"));
	}
	assert_true(seen);
	json_decref(r);
	cmds_fails(w, EINVAL, "unknown field \"x\" for behaviours", "{'cmd':'behaviours','x':1}");

	/* Its arguments, as for any behaviour. */
	cmds_fails(w, EINVAL, "missing \"to\"", "{'cmd':'spawn','behaviour':'stamp'}");
	cmds_fails(w, EINVAL, "\"every\" must be an integer in 1..1000, not 0",
		   "{'cmd':'spawn','behaviour':'stamp','args':{'to':'x','every':0}}");
	cmds_fails(w, EINVAL, "\"offset\" needs mode copy",
		   "{'cmd':'spawn','behaviour':'stamp','args':{'to':'x','offset':3}}");
	spawn1(x->p, pid, sizeof(pid),
	       ",'behaviour':'stamp','args':{'to':'x','every':2,'mode':'copy','offset':-3,"
	       "'idle':'2s','limit':'1M','verbose':true,'label':'l','tag':'t','stop':'0x10'}");
	r = cmds_ok(w, "{'cmd':'behaviours'}");
	json_array_foreach (json_object_get(r, "behaviours"), i, row)
		if (strcmp(cmds_str(row, "name"), "stamp") == 0)
			assert_int_equal(cmds_int(row, "processes"), 1);
	json_decref(r);

	cmds_fails(w, EBUSY, "unload stamp: 1 process runs 'stamp': stop it first",
		   "{'cmd':'unload','behaviour':'stamp'}");
	json_decref(cmds_ok(w, "{'cmd':'kill','target':'%s'}", pid));
	settle(x->p);
	r = cmds_ok(w, "{'cmd':'unload','behaviour':'stamp'}");
	assert_string_equal(cmds_str(r, "behaviour"), "stamp");
	json_decref(r);
	cmds_fails(
	    w, EINVAL,
	    "unknown behaviour 'stamp' (known: batch, breaker, counter, echo, ets_counter, fault, "
	    "forward, ratelimit, relay, remote)",
	    "{'cmd':'spawn','behaviour':'stamp'}");
	cmds_fails(w, ENOENT, "unload stamp: no behaviour 'stamp'",
		   "{'cmd':'unload','behaviour':'stamp'}");
	cmds_fails(w, EPERM, "unload counter: 'counter' is built in",
		   "{'cmd':'unload','behaviour':'counter'}");
	cmds_fails(w, EINVAL, "missing \"behaviour\"", "{'cmd':'unload'}");
}

static void test_unload_refused_by_child_spec(void **state)
{
	struct mworld *x = *state;
	struct cmds_world *w = x->p->w;

	json_decref(cmds_ok(w, "{'cmd':'load','path':'%s'}", module("stamp")));
	json_decref(cmds_ok(w, "{'cmd':'sup.new','id':'t'}"));
	cmds_fails(w, EINVAL, "\"limit\" must be a size",
		   "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'stamp',"
		   "'args':{'to':'x','limit':'lots'}}");
	json_decref(cmds_ok(w, "{'cmd':'sup.child','sup':'t','id':'c','behaviour':'stamp',"
			       "'args':{'to':'x'}}"));
	cmds_fails(w, EBUSY, "unload stamp: the child 'c' of supervisor 't' names it",
		   "{'cmd':'unload','behaviour':'stamp'}");
}

/* The version of pid in ps. */
static const char *ps_version(struct cmds_world *w, json_t **r, const char *pid)
{
	json_t *row;
	size_t i;

	*r = cmds_ok(w, "{'cmd':'ps'}");
	json_array_foreach (json_object_get(*r, "procs"), i, row)
		if (strcmp(cmds_str(row, "pid"), pid) == 0)
			return cmds_str(row, "version");
	fail_msg("%s not in ps", pid);
	return NULL;
}

static void test_upgrade(void **state)
{
	static const char *const up_keys[] = { "behaviour", "version", "old_version",
					       "to_move",   "path",    NULL };
	struct mworld *x = *state;
	struct cmds_world *w = x->p->w;
	char a[48], b[48];
	unsigned rows = 0;
	json_t *r, *row;
	size_t i;

	cmds_fails(w, EINVAL, "missing \"path\"", "{'cmd':'upgrade'}");
	cmds_fails(w, EINVAL, "unknown field \"file\" for upgrade", "{'cmd':'upgrade','file':'x'}");
	cmds_fails(w, ENOENT, "no behaviour 'tally' is loaded: load it first",
		   "{'cmd':'upgrade','path':'%s'}", module("tally_v2"));
	json_decref(cmds_ok(w, "{'cmd':'load','path':'%s'}", module("tally_v1")));
	spawn1(x->p, a, sizeof(a), ",'behaviour':'tally'");
	spawn1(x->p, b, sizeof(b), ",'behaviour':'tally'");
	cmds_fails(w, EEXIST, "'tally' version 1.0.0 is loaded already",
		   "{'cmd':'upgrade','path':'%s'}", module("tally_v1"));

	r = cmds_ok(w, "{'cmd':'upgrade','path':'%s','lazy':true}", module("tally_v2"));
	cmds_keys(r, up_keys);
	assert_string_equal(cmds_str(r, "version"), "2.0.0");
	assert_string_equal(cmds_str(r, "old_version"), "1.0.0");
	assert_int_equal(cmds_int(r, "to_move"), 2);
	json_decref(r);

	/* Lazy: a moves at its next turn; b has none. */
	json_decref(cmds_ok(w, "{'cmd':'send','target':'%s','key':1,'data':'x'}", a));
	settle(x->p);
	assert_string_equal(ps_version(w, &r, a), "2.0.0");
	json_decref(r);
	assert_string_equal(ps_version(w, &r, b), "1.0.0");
	json_decref(r);
	r = cmds_ok(w, "{'cmd':'behaviours'}");
	json_array_foreach (json_object_get(r, "behaviours"), i, row) {
		if (strcmp(cmds_str(row, "name"), "tally") != 0)
			continue;
		rows++;
		assert_int_equal(cmds_int(row, "processes"), 1);
		assert_string_equal(cmds_str(row, "upgrade"),
				    strcmp(cmds_str(row, "version"), "2.0.0") == 0 ? "current"
										   : "old");
	}
	assert_int_equal(rows, 2);
	json_decref(r);
	/* A third version (1.0.0 again) while b runs the oldest. */
	cmds_fails(w, EBUSY, "1 process still runs 'tally' version 1.0.0",
		   "{'cmd':'upgrade','path':'%s'}", module("tally_v1"));
	cmds_fails(w, EBUSY, "2 processes run 'tally'", "{'cmd':'unload','behaviour':'tally'}");
}

/* Without --lazy, the upgrade gives every process of the old version a
 * turn: idle ones move at once, no message needed. */
static void test_upgrade_moves_idle(void **state)
{
	struct mworld *x = *state;
	struct cmds_world *w = x->p->w;
	char a[48], b[48];
	json_t *r;

	json_decref(cmds_ok(w, "{'cmd':'load','path':'%s'}", module("tally_v1")));
	spawn1(x->p, a, sizeof(a), ",'behaviour':'tally'");
	spawn1(x->p, b, sizeof(b), ",'behaviour':'tally'");
	cmds_fails(w, EINVAL, "lazy", "{'cmd':'upgrade','path':'%s','lazy':'yes'}",
		   module("tally_v2"));
	r = cmds_ok(w, "{'cmd':'upgrade','path':'%s'}", module("tally_v2"));
	assert_int_equal(cmds_int(r, "to_move"), 2);
	json_decref(r);
	settle(x->p);
	assert_string_equal(ps_version(w, &r, a), "2.0.0");
	json_decref(r);
	assert_string_equal(ps_version(w, &r, b), "2.0.0");
	json_decref(r);
	/* Nothing runs 1.0.0 now: a third version is no longer refused for it. */
	cmds_fails(w, EEXIST, "'tally' version 2.0.0 is loaded already",
		   "{'cmd':'upgrade','path':'%s'}", module("tally_v2"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_refusals, msetup, mteardown),
		cmocka_unit_test_setup_teardown(test_load_spawn_unload, msetup, mteardown),
		cmocka_unit_test_setup_teardown(test_unload_refused_by_child_spec, msetup,
						mteardown),
		cmocka_unit_test_setup_teardown(test_upgrade, msetup, mteardown),
		cmocka_unit_test_setup_teardown(test_upgrade_moves_idle, msetup, mteardown),
	};
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		for (unsigned k = 0; eq != NULL && k < N_MODS; k++)
			if (strlen(mod_names[k]) == (size_t)(eq - argv[i]) &&
			    strncmp(argv[i], mod_names[k], (size_t)(eq - argv[i])) == 0)
				mod_path[k] = eq + 1;
	}
	if (cmds_test_eal("module_cmds") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmds_test_eal_end();
	return rc;
}
