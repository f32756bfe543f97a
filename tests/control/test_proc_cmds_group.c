/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The group commands of control/proc_cmds.c through the control
 * dispatcher: group.join, group.leave and group.list, their argument
 * errors and bounds, and the periodic tick's sweep of dead group members.
 * The workers stay stopped; the test thread runs the schedulers (settle).
 */
#include "proc_cmds_test.h"

/* ---- groups ---- */

static void test_group_join_leave(void **state)
{
	static const char *const keys[] = { "group", "pid", NULL };
	struct pworld *x = *state;
	struct cmds_world *w = x->w;
	char a[48], b[48];
	json_t *r;

	spawn1(x, a, sizeof(a), ",'behaviour':'counter','name':'a'");
	spawn1(x, b, sizeof(b), ",'behaviour':'counter'");
	cmds_fails(w, EINVAL, "missing \"group\"", "{'cmd':'group.join','target':'a'}");
	cmds_fails(w, EINVAL, "\"group\" must be a name of 1..31 printable ASCII characters",
		   "{'cmd':'group.join','group':3,'target':'a'}");
	cmds_fails(w, EINVAL,
		   "\"group\" must be a name of 1..31 printable ASCII characters without blanks, "
		   "not 'g 1'",
		   "{'cmd':'group.join','group':'g 1','target':'a'}");
	target_errors(w, "group.join", ",'group':'g'");

	r = cmds_ok(w, "{'cmd':'group.join','group':'g','target':'a'}");
	cmds_keys(r, keys);
	assert_string_equal(cmds_str(r, "group"), "g");
	assert_string_equal(cmds_str(r, "pid"), a);
	json_decref(r);
	json_decref(cmds_ok(w, "{'cmd':'group.join','group':'g','target':'%s'}", b));
	cmds_fails(w, EEXIST, "cannot join group 'g': already a member",
		   "{'cmd':'group.join','group':'g','target':'%s'}", a);

	cmds_fails(w, EINVAL, "missing \"group\"", "{'cmd':'group.leave','target':'a'}");
	/*
	 * A leave without a target is told so, as a join is; a leave takes the
	 * pid of a process that is gone (the join wants it alive).
	 */
	cmds_fails(w, EINVAL, "missing \"target\"", "{'cmd':'group.leave','group':'g'}");
	cmds_fails(w, ENOENT, "cannot leave group 'h': not a member",
		   "{'cmd':'group.leave','group':'h','target':'a'}");
	r = cmds_ok(w, "{'cmd':'group.leave','group':'g','target':'a'}");
	cmds_keys(r, keys);
	assert_string_equal(cmds_str(r, "pid"), a);
	json_decref(r);
	cmds_fails(w, ENOENT, "cannot leave group 'g': not a member",
		   "{'cmd':'group.leave','group':'g','target':'a'}");
	json_decref(cmds_ok(w, "{'cmd':'kill','target':'%s'}", b));
	settle(x);
	cmds_fails(w, ENOENT, "no process", "{'cmd':'group.join','group':'g','target':'%s'}", b);
	json_decref(cmds_ok(w, "{'cmd':'group.leave','group':'g','target':'%s'}", b));
}

static void test_group_limits(void **state)
{
	struct pworld *x = *state;
	struct cmds_world *w = x->w;
	json_t *r;
	size_t i;
	char p[48];

	/* max_members 8, max_groups 8. */
	r = cmds_ok(w, "{'cmd':'spawn','behaviour':'counter','count':9}");
	for (i = 0; i < 8; i++)
		json_decref(
		    cmds_ok(w, "{'cmd':'group.join','group':'g','target':'%s'}",
			    json_string_value(json_array_get(json_object_get(r, "pids"), i))));
	snprintf(p, sizeof(p), "%s",
		 json_string_value(json_array_get(json_object_get(r, "pids"), 8)));
	json_decref(r);
	cmds_fails(w, ENOSPC, "cannot join group 'g': full",
		   "{'cmd':'group.join','group':'g','target':'%s'}", p);
	for (i = 1; i < 8; i++)
		json_decref(cmds_ok(w, "{'cmd':'group.join','group':'x%zu','target':'%s'}", i, p));
	/* Left as found (issue 14 review): a full table of groups is told as a full group. */
	cmds_fails(w, ENOSPC, "cannot join group 'x8': full",
		   "{'cmd':'group.join','group':'x8','target':'%s'}", p);
}

static void test_group_list_and_sweep(void **state)
{
	static const char *const keys[] = { "group",  "members",       "joins",
					    "leaves", "first_members", NULL };
	struct pworld *x = *state;
	struct cmds_world *w = x->w;
	json_t *r, *g;
	char p[48];

	r = cmds_ok(w, "{'cmd':'group.list'}");
	assert_int_equal(json_array_size(json_object_get(r, "groups")), 0);
	json_decref(r);

	json_decref(cmds_ok(w, "{'cmd':'spawn','behaviour':'counter','count':20,'group':'big'}"));
	spawn1(x, p, sizeof(p), ",'behaviour':'counter','group':'small'");
	r = cmds_ok(w, "{'cmd':'group.list'}");
	assert_int_equal(json_array_size(json_object_get(r, "groups")), 2);
	for (size_t i = 0; i < 2; i++) {
		g = json_array_get(json_object_get(r, "groups"), i);
		cmds_keys(g, keys);
		if (strcmp(cmds_str(g, "group"), "big") == 0) {
			assert_int_equal(cmds_int(g, "members"), 20);
			assert_int_equal(cmds_int(g, "joins"), 20);
			/* The first 16 only. */
			assert_int_equal(json_array_size(json_object_get(g, "first_members")), 16);
		} else {
			assert_string_equal(cmds_str(g, "group"), "small");
			assert_int_equal(cmds_int(g, "members"), 1);
			assert_string_equal(json_string_value(json_array_get(
						json_object_get(g, "first_members"), 0)),
					    p);
		}
	}
	json_decref(r);

	/* A member that exited stays listed until the periodic sweep. */
	json_decref(cmds_ok(w, "{'cmd':'kill','target':'%s'}", p));
	settle(x);
	r = cmds_ok(w, "{'cmd':'group.list'}");
	for (size_t i = 0; i < 2; i++) {
		g = json_array_get(json_object_get(r, "groups"), i);
		if (strcmp(cmds_str(g, "group"), "small") == 0)
			assert_int_equal(cmds_int(g, "members"), 1);
	}
	json_decref(r);
	bl_proc_cmds_tick(x->pc); /* its first tick sweeps */
	assert_int_equal(x->pc->swept, 1);
	r = cmds_ok(w, "{'cmd':'group.list'}");
	for (size_t i = 0; i < 2; i++) {
		g = json_array_get(json_object_get(r, "groups"), i);
		if (strcmp(cmds_str(g, "group"), "small") == 0) {
			assert_int_equal(cmds_int(g, "members"), 0);
			assert_int_equal(cmds_int(g, "leaves"), 1);
			assert_int_equal(json_array_size(json_object_get(g, "first_members")), 0);
		} else {
			assert_int_equal(cmds_int(g, "members"), 20);
		}
	}
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_join_leave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_list_and_sweep, setup_32_members,
						teardown),
	};
	int rc;

	if (cmds_test_eal("proc_cmds_group") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmds_test_eal_end();
	return rc;
}
