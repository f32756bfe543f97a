/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Supervisors when a child exits: the strategies (one_for_one, one_for_all,
 * rest_for_one), restart intensity and escalation to the parent, a root
 * that gives up, restarts that fail to start, and the restart types
 * (permanent, transient, temporary).
 */
#include "sup_test.h"

/* Root with children a, b, c (tags 1, 2, 3) on the control lcore, named. */
static uint64_t abc_tree(struct sworld *sw, uint32_t strategy, uint32_t intensity)
{
	struct bl_sup_spec spec;
	uint32_t lc = sw->ctl->lcore;
	uint64_t root;

	assert_int_equal(bl_sup_spec_init(&spec, "root", strategy, intensity, 1000), 0);
	spec.log = sw->log;
	add_wk(&spec, "a", 1, lc, BL_SUP_PERMANENT, true);
	add_wk(&spec, "b", 2, lc, BL_SUP_PERMANENT, true);
	add_wk(&spec, "c", 3, lc, BL_SUP_PERMANENT, true);
	root = bl_sup_start(sw->ctl, &spec);
	bl_sup_spec_fini(&spec);
	assert_int_not_equal(root, BL_PID_NONE);
	world_settle(sw->ctl);
	{
		const int want[] = { EV_START, 1, EV_START, 2, EV_START, 3 };

		ev_expect(0, want, 3);
	}
	assert_int_equal(whereis(sw, "a"), pid_of(sw, root, "a"));
	assert_int_equal(whereis(sw, "b"), pid_of(sw, root, "b"));
	assert_int_equal(whereis(sw, "c"), pid_of(sw, root, "c"));
	return root;
}

static void test_one_for_one(void **state)
{
	struct sworld sw;
	uint64_t root, a, b, c, b2;
	struct bl_sup_node n[8];
	struct bl_crash_entry e[4];
	unsigned cnt, mark;

	(void)state;
	sw_new(&sw, 1, false);
	root = abc_tree(&sw, BL_SUP_ONE_FOR_ONE, 3);
	a = pid_of(&sw, root, "a");
	b = pid_of(&sw, root, "b");
	c = pid_of(&sw, root, "c");
	mark = n_evs;
	crash(&sw, b, 1);
	{
		const int want[] = { EV_TERM, 2, EV_START, 2 };

		ev_expect(mark, want, 2);
	}
	b2 = pid_of(&sw, root, "b");
	assert_int_not_equal(b2, BL_PID_NONE);
	assert_int_not_equal(b2, b);
	assert_int_equal(pid_of(&sw, root, "a"), a);
	assert_int_equal(pid_of(&sw, root, "c"), c);
	assert_int_equal(whereis(&sw, "b"), b2); /* the name moved */
	assert_int_equal(bl_sup_tree(sw.ctl, root, n, 8, &cnt), 0);
	assert_int_equal(cnt, 4);
	assert_int_equal(n[0].depth, 0);
	assert_true(n[0].is_sup);
	assert_int_equal(n[0].pid, root);
	assert_string_equal(n[0].behaviour, "supervisor");
	assert_int_equal(n[0].strategy, BL_SUP_ONE_FOR_ONE);
	assert_int_equal(node_of(n, cnt, "b")->restarts, 1);
	assert_int_equal(node_of(n, cnt, "b")->pid, b2);
	assert_int_equal(node_of(n, cnt, "b")->depth, 1);
	assert_int_equal(node_of(n, cnt, "b")->parent, root);
	assert_int_equal(node_of(n, cnt, "b")->state, BL_SUP_CHILD_RUNNING);
	assert_int_equal(node_of(n, cnt, "b")->lcore, sw.ctl->lcore);
	assert_string_equal(node_of(n, cnt, "b")->behaviour, "wk");
	assert_string_equal(node_of(n, cnt, "b")->name, "b");
	assert_int_equal(node_of(n, cnt, "a")->restarts, 0);
	/* the crash record carries the child's registered name */
	assert_int_equal(bl_crash_read(sw.log, 0, e, 4), 1);
	assert_int_equal(e[0].rec.pid, b);
	assert_string_equal(e[0].name, "b");
	assert_int_equal(e[0].rec.key, 1);
	sw_free(&sw);
}

static void test_one_for_all(void **state)
{
	struct sworld sw;
	uint64_t root, a, b, c;
	unsigned mark;

	(void)state;
	sw_new(&sw, 1, false);
	root = abc_tree(&sw, BL_SUP_ONE_FOR_ALL, 3);
	a = pid_of(&sw, root, "a");
	b = pid_of(&sw, root, "b");
	c = pid_of(&sw, root, "c");
	mark = n_evs;
	crash(&sw, b, 1);
	{
		/* b died; the others stop last started first; all start in order */
		const int want[] = { EV_TERM,  2, EV_TERM,  3, EV_TERM,	 1,
				     EV_START, 1, EV_START, 2, EV_START, 3 };

		ev_expect(mark, want, 6);
	}
	assert_int_not_equal(pid_of(&sw, root, "a"), a);
	assert_int_not_equal(pid_of(&sw, root, "b"), b);
	assert_int_not_equal(pid_of(&sw, root, "c"), c);
	assert_int_equal(whereis(&sw, "a"), pid_of(&sw, root, "a"));
	assert_int_equal(whereis(&sw, "b"), pid_of(&sw, root, "b"));
	assert_int_equal(whereis(&sw, "c"), pid_of(&sw, root, "c"));
	/* the stopped ones were stopped with shutdown: no crash records for them */
	(void)bl_crash_drain(sw.log, &sw.w->set);
	{
		struct bl_crash_stats st;

		bl_crash_stats_get(sw.log, &sw.w->set, &st);
		assert_int_equal(st.logged, 1);
	}
	sw_free(&sw);
}

/* A child stopped on purpose stays stopped when the others restart. */
static void test_one_for_all_keeps_stopped(void **state)
{
	struct sworld sw;
	uint64_t root;
	unsigned mark;

	(void)state;
	sw_new(&sw, 1, false);
	root = abc_tree(&sw, BL_SUP_ONE_FOR_ALL, 3);
	assert_int_equal(bl_sup_child_stop(sw.ctl, root, "c"), 0);
	world_settle(sw.ctl);
	mark = n_evs;
	crash(&sw, pid_of(&sw, root, "a"), 1);
	{
		const int want[] = { EV_TERM, 1, EV_TERM, 2, EV_START, 1, EV_START, 2 };

		ev_expect(mark, want, 4);
	}
	assert_int_equal(pid_of(&sw, root, "c"), BL_PID_NONE);
	assert_int_equal(whereis(&sw, "c"), BL_PID_NONE);
	assert_int_equal(bl_registry_count(sw.reg), 2);
	sw_free(&sw);
}

static void test_rest_for_one(void **state)
{
	struct sworld sw;
	uint64_t root, a, b, c;
	unsigned mark;

	(void)state;
	sw_new(&sw, 1, false);
	root = abc_tree(&sw, BL_SUP_REST_FOR_ONE, 3);
	a = pid_of(&sw, root, "a");
	b = pid_of(&sw, root, "b");
	c = pid_of(&sw, root, "c");
	mark = n_evs;
	crash(&sw, b, 1);
	{
		const int want[] = { EV_TERM, 2, EV_TERM, 3, EV_START, 2, EV_START, 3 };

		ev_expect(mark, want, 4);
	}
	assert_int_equal(pid_of(&sw, root, "a"), a);
	assert_int_not_equal(pid_of(&sw, root, "b"), b);
	assert_int_not_equal(pid_of(&sw, root, "c"), c);
	assert_int_equal(whereis(&sw, "c"), pid_of(&sw, root, "c"));
	/* the first child takes the rest along too */
	mark = n_evs;
	crash(&sw, a, 1);
	{
		const int want[] = { EV_TERM,  1, EV_TERM,  3, EV_TERM,	 2,
				     EV_START, 1, EV_START, 2, EV_START, 3 };

		ev_expect(mark, want, 6);
	}
	sw_free(&sw);
}

static void test_intensity_escalates(void **state)
{
	struct sworld sw;
	struct bl_sup_spec root_spec, mid;
	struct bl_sup_node n[8];
	struct bl_crash_entry e[8];
	uint64_t root, midp, x, x2;
	unsigned cnt, i, found = 0;

	(void)state;
	sw_new(&sw, 1, false);
	sw.w->now = 5000;
	assert_int_equal(bl_sup_spec_init(&mid, "mid", BL_SUP_ONE_FOR_ONE, 1, 1000), 0);
	add_wk(&mid, "x", 10, sw.ctl->lcore, BL_SUP_PERMANENT, true);
	assert_int_equal(bl_sup_spec_init(&root_spec, "top", BL_SUP_ONE_FOR_ONE, 5, 1000), 0);
	root_spec.log = sw.log; /* mid inherits it */
	add_wk(&root_spec, "y", 20, sw.ctl->lcore, BL_SUP_PERMANENT, false);
	add_sup(&root_spec, "mid", &mid);
	bl_sup_spec_fini(&mid);
	root = bl_sup_start(sw.ctl, &root_spec);
	bl_sup_spec_fini(&root_spec);
	assert_int_not_equal(root, BL_PID_NONE);
	world_settle(sw.ctl);
	midp = pid_of(&sw, root, "mid");
	x = pid_of(&sw, root, "x");
	assert_int_not_equal(midp, BL_PID_NONE);
	assert_int_equal(bl_pid_lcore(midp), sw.ctl->lcore);
	/* one restart in the period: within mid's intensity (1) */
	crash(&sw, x, 1);
	x2 = pid_of(&sw, root, "x");
	assert_int_not_equal(x2, x);
	assert_int_equal(pid_of(&sw, root, "mid"), midp);
	/* a second one in the same millisecond: mid gives up, top restarts it */
	crash(&sw, x2, 1);
	assert_null(bl_proc_lookup(sw.ctl, midp));
	assert_int_not_equal(pid_of(&sw, root, "mid"), BL_PID_NONE);
	assert_int_not_equal(pid_of(&sw, root, "mid"), midp);
	assert_int_not_equal(pid_of(&sw, root, "x"), BL_PID_NONE);
	assert_int_equal(whereis(&sw, "x"), pid_of(&sw, root, "x"));
	assert_int_equal(bl_sup_tree(sw.ctl, root, n, 8, &cnt), 0);
	assert_int_equal(cnt, 4);
	assert_int_equal(node_of(n, cnt, "mid")->restarts, 1);
	assert_true(node_of(n, cnt, "mid")->is_sup);
	assert_int_equal(node_of(n, cnt, "x")->depth, 2);
	assert_int_equal(node_of(n, cnt, "x")->restarts, 0); /* a new mid, a new count */
	assert_int_equal(node_of(n, cnt, "y")->restarts, 0);
	/* the give-up is in the crash log, named, with its distinct text */
	cnt = bl_crash_read(sw.log, 0, e, 8);
	for (i = 0; i < cnt; i++) {
		if (e[i].rec.pid != midp)
			continue;
		found++;
		assert_int_equal(e[i].rec.code, BL_EXIT_SHUTDOWN);
		assert_int_equal(e[i].rec.detail, BL_SUP_DETAIL_INTENSITY);
		assert_string_equal(e[i].rec.text, "reached_max_restart_intensity");
		assert_string_equal(e[i].name, "mid");
	}
	assert_int_equal(found, 1);
	/* restarts older than the period are forgotten: no escalation */
	midp = pid_of(&sw, root, "mid");
	for (i = 0; i < 3; i++) {
		sw.w->now += 1000;
		crash(&sw, pid_of(&sw, root, "x"), 1);
	}
	assert_int_equal(pid_of(&sw, root, "mid"), midp);
	sw_free(&sw);
}

static void test_root_gives_up(void **state)
{
	struct sworld sw;
	struct bl_sup_spec spec;
	uint64_t root;
	unsigned mark;

	(void)state;
	sw_new(&sw, 1, false);
	assert_int_equal(bl_sup_spec_init(&spec, "r0", BL_SUP_ONE_FOR_ONE, 0, 1000), 0);
	add_wk(&spec, "a", 1, sw.ctl->lcore, BL_SUP_PERMANENT, true);
	add_wk(&spec, "b", 2, sw.ctl->lcore, BL_SUP_PERMANENT, true);
	root = bl_sup_start(sw.ctl, &spec);
	bl_sup_spec_fini(&spec);
	world_settle(sw.ctl);
	mark = n_evs;
	crash(&sw, pid_of(&sw, root, "a"), 1);
	{
		/* intensity 0: no restart at all; b is stopped and the root exits */
		const int want[] = { EV_TERM, 1, EV_TERM, 2 };

		ev_expect(mark, want, 2);
	}
	assert_null(bl_proc_lookup(sw.ctl, root));
	assert_int_equal(sw.ctl->n_live, 0);
	assert_int_equal(bl_registry_count(sw.reg), 0);
	sw_free(&sw);
}

/* A worker whose init fails while flaky_fail is positive. */
static unsigned flaky_fail;

static int flaky_init(struct bl_ctx *c, void *arg)
{
	if (flaky_fail > 0) {
		flaky_fail--;
		return -EAGAIN;
	}
	return wk_init(c, arg);
}

static const struct bl_behaviour flaky_beh = {
	.name = "flaky",
	.init = flaky_init,
	.handle_message = wk_msg,
	.terminate = wk_terminate,
};

static void test_restart_start_fails(void **state)
{
	struct sworld sw;
	struct bl_sup_spec spec;
	struct bl_sup_child_spec ch;
	struct bl_sup_node n[4];
	struct wk_args a = { 9, 0 };
	uint64_t root, f;
	unsigned cnt;

	(void)state;
	sw_new(&sw, 1, false);
	flaky_fail = 0;
	assert_int_equal(bl_sup_spec_init(&spec, "r", BL_SUP_ONE_FOR_ONE, 3, 1000), 0);
	assert_int_equal(bl_sup_child_spec_init(&ch, "f", &flaky_beh), 0);
	assert_int_equal(bl_sup_child_set_name(&ch, "f"), 0);
	ch.arg = &a;
	ch.arg_len = sizeof(a);
	ch.lcore = sw.ctl->lcore;
	assert_int_equal(bl_sup_spec_add(&spec, &ch), 0);
	root = bl_sup_start(sw.ctl, &spec);
	bl_sup_spec_fini(&spec);
	assert_int_not_equal(root, BL_PID_NONE);
	f = pid_of(&sw, root, "f");
	/* two failed restarts, then one that works: three within the intensity */
	flaky_fail = 2;
	crash(&sw, f, 1);
	assert_int_equal(flaky_fail, 0);
	assert_int_not_equal(pid_of(&sw, root, "f"), BL_PID_NONE);
	assert_int_not_equal(pid_of(&sw, root, "f"), f);
	assert_int_equal(whereis(&sw, "f"), pid_of(&sw, root, "f"));
	assert_int_equal(bl_sup_tree(sw.ctl, root, n, 4, &cnt), 0);
	assert_int_equal(n[1].restarts, 1);
	assert_int_equal(n[1].state, BL_SUP_CHILD_RUNNING);
	/* a child that cannot start any more: the supervisor gives up */
	sw.w->now += 1000;
	flaky_fail = 100;
	crash(&sw, pid_of(&sw, root, "f"), 1);
	assert_int_equal(flaky_fail, 100 - 3); /* three attempts, the fourth is one too many */
	assert_null(bl_proc_lookup(sw.ctl, root));
	assert_int_equal(bl_registry_count(sw.reg), 0);
	flaky_fail = 0;
	sw_free(&sw);
}

static void test_transient_temporary(void **state)
{
	struct sworld sw;
	struct bl_sup_spec spec;
	struct bl_sup_node n[8];
	uint64_t root, t, t2, p;
	unsigned cnt;

	(void)state;
	sw_new(&sw, 1, false);
	assert_int_equal(bl_sup_spec_init(&spec, "r", BL_SUP_ONE_FOR_ONE, 10, 1000), 0);
	add_wk(&spec, "t", 1, sw.ctl->lcore, BL_SUP_TRANSIENT, true);
	add_wk(&spec, "t2", 2, sw.ctl->lcore, BL_SUP_TRANSIENT, true);
	add_wk(&spec, "p", 3, sw.ctl->lcore, BL_SUP_TEMPORARY, true);
	add_wk(&spec, "k", 4, sw.ctl->lcore, BL_SUP_PERMANENT, true);
	root = bl_sup_start(sw.ctl, &spec);
	bl_sup_spec_fini(&spec);
	world_settle(sw.ctl);
	t = pid_of(&sw, root, "t");
	t2 = pid_of(&sw, root, "t2");
	p = pid_of(&sw, root, "p");
	/* transient, abnormal exit: restarted */
	crash(&sw, t, 1);
	assert_int_not_equal(pid_of(&sw, root, "t"), t);
	assert_int_not_equal(pid_of(&sw, root, "t"), BL_PID_NONE);
	/* transient, normal and shutdown exits: not restarted, name gone */
	crash(&sw, pid_of(&sw, root, "t"), 2);
	assert_int_equal(pid_of(&sw, root, "t"), BL_PID_NONE);
	assert_int_equal(whereis(&sw, "t"), BL_PID_NONE);
	crash(&sw, t2, 3);
	assert_int_equal(pid_of(&sw, root, "t2"), BL_PID_NONE);
	assert_int_equal(whereis(&sw, "t2"), BL_PID_NONE);
	/* temporary: never, even after a crash */
	crash(&sw, p, 1);
	assert_int_equal(pid_of(&sw, root, "p"), BL_PID_NONE);
	assert_int_equal(whereis(&sw, "p"), BL_PID_NONE);
	/* permanent: even after a normal exit */
	crash(&sw, pid_of(&sw, root, "k"), 2);
	assert_int_not_equal(pid_of(&sw, root, "k"), BL_PID_NONE);
	assert_int_equal(bl_sup_tree(sw.ctl, root, n, 8, &cnt), 0);
	assert_int_equal(node_of(n, cnt, "t")->state, BL_SUP_CHILD_STOPPED);
	assert_int_equal(node_of(n, cnt, "t")->restarts, 1);
	assert_int_equal(node_of(n, cnt, "p")->state, BL_SUP_CHILD_STOPPED);
	assert_int_equal(node_of(n, cnt, "p")->pid, BL_PID_NONE);
	assert_int_equal(node_of(n, cnt, "p")->restart, BL_SUP_TEMPORARY);
	assert_string_equal(bl_sup_restart_names[node_of(n, cnt, "t")->restart], "transient");
	assert_int_equal(node_of(n, cnt, "k")->restarts, 1);
	assert_int_equal(bl_registry_count(sw.reg), 1);
	sw_free(&sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_for_one),
		cmocka_unit_test(test_one_for_all),
		cmocka_unit_test(test_one_for_all_keeps_stopped),
		cmocka_unit_test(test_rest_for_one),
		cmocka_unit_test(test_intensity_escalates),
		cmocka_unit_test(test_root_gives_up),
		cmocka_unit_test(test_restart_start_fails),
		cmocka_unit_test(test_transient_temporary),
	};
	int rc;

	if (actors_test_eal("sup_restart", "0-1") != 0)
		return 1;
	rcu_register_thread(); /* the test thread is the control thread: registry writes */
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rcu_unregister_thread();
	return rc;
}
