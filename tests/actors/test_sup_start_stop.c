/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Supervisors started and stopped: clean shutdown order and timeouts,
 * stopping, starting and restarting a child by id, lcore placement,
 * children on a worker lcore, spec validation, names without a registry.
 * (The behaviour catalog is tests/actors/test_catalog.c.)
 */
#include <pthread.h>

#include "sup_test.h"

static void test_shutdown_order(void **state)
{
	struct sworld sw;
	struct bl_sup_spec spec, sub;
	uint64_t root;
	unsigned mark;

	(void)state;
	sw_new(&sw, 1, false);
	assert_int_equal(bl_sup_spec_init(&sub, "n", BL_SUP_ONE_FOR_ONE, 3, 1000), 0);
	add_wk(&sub, "d", 4, sw.ctl->lcore, BL_SUP_PERMANENT, true);
	add_wk(&sub, "e", 5, sw.ctl->lcore, BL_SUP_PERMANENT, true);
	assert_int_equal(bl_sup_spec_init(&spec, "r", BL_SUP_ONE_FOR_ALL, 3, 1000), 0);
	add_wk(&spec, "a", 1, sw.ctl->lcore, BL_SUP_PERMANENT, true);
	add_wk(&spec, "b", 2, sw.ctl->lcore, BL_SUP_PERMANENT, true);
	add_sup(&spec, "n", &sub);
	add_wk(&spec, "c", 3, sw.ctl->lcore, BL_SUP_PERMANENT, true);
	root = bl_sup_start(sw.ctl, &spec);
	bl_sup_spec_fini(&spec);
	bl_sup_spec_fini(&sub);
	assert_int_not_equal(root, BL_PID_NONE);
	{
		const int want[] = {
			EV_START, 1, EV_START, 2, EV_START, 4, EV_START, 5, EV_START, 3
		};

		ev_expect(0, want, 5);
	}
	assert_int_equal(bl_registry_count(sw.reg), 5);
	mark = n_evs;
	assert_int_equal(bl_sup_stop(sw.ctl, root, 0), 0);
	{
		/* reverse start order; the nested supervisor stops its own first */
		const int want[] = { EV_TERM, 3, EV_TERM, 5, EV_TERM, 4, EV_TERM, 2, EV_TERM, 1 };

		ev_expect(mark, want, 5);
	}
	assert_null(bl_proc_lookup(sw.ctl, root));
	assert_int_equal(sw.ctl->n_live, 0);
	assert_int_equal(bl_registry_count(sw.reg), 0);
	assert_int_equal(bl_sup_stop(sw.ctl, root, 0), -ESRCH);
	sw_free(&sw);
}

static void test_shutdown_timeout_kills(void **state)
{
	struct sworld sw;
	struct bl_sup_spec spec;
	struct bl_sup_child_spec ch;
	struct wk_args trapper = { 7, 1 };
	struct bl_crash_entry e[4];
	uint64_t root, sp;
	unsigned mark, i;

	(void)state;
	sw_new(&sw, 1, false);
	assert_int_equal(bl_sup_spec_init(&spec, "r", BL_SUP_ONE_FOR_ONE, 3, 1000), 0);
	spec.log = sw.log;
	assert_int_equal(bl_sup_child_spec_init(&ch, "trapper", &wk_beh), 0);
	ch.arg = &trapper;
	ch.arg_len = sizeof(trapper);
	ch.lcore = sw.ctl->lcore;
	ch.shutdown_ms = 100;
	assert_int_equal(bl_sup_spec_add(&spec, &ch), 0);
	add_wk(&spec, "ok", 8, sw.ctl->lcore, BL_SUP_PERMANENT, false);
	root = bl_sup_start(sw.ctl, &spec);
	bl_sup_spec_fini(&spec);
	world_settle(sw.ctl);
	sp = pid_of(&sw, root, "trapper");
	mark = n_evs;
	assert_int_equal(bl_sup_stop_begin(sw.ctl, root), 0);
	world_settle(sw.ctl);
	/* ok went at once; trapper traps the shutdown and stays */
	{
		const int want[] = { EV_TERM, 8 };

		ev_expect(mark, want, 1);
	}
	assert_non_null(bl_proc_lookup(sw.ctl, sp));
	assert_non_null(bl_proc_lookup(sw.ctl, root));
	/* the supervisor does not wait by spinning: nothing to do until the timer */
	assert_int_equal(bl_sched_run(sw.ctl, 64), 0);
	for (i = 0; i < 99; i++) {
		sw.w->now++;
		world_settle(sw.ctl);
	}
	assert_non_null(bl_proc_lookup(sw.ctl, sp));
	sw.w->now++;
	world_settle(sw.ctl);
	assert_null(bl_proc_lookup(sw.ctl, sp));
	assert_null(bl_proc_lookup(sw.ctl, root));
	assert_int_equal(evs[mark + 1].kind, EV_TERM);
	assert_int_equal(evs[mark + 1].tag, 7);
	assert_int_equal(evs[mark + 1].code, BL_EXIT_KILLED);
	assert_int_equal(bl_crash_read(sw.log, 0, e, 4), 1);
	assert_int_equal(e[0].rec.code, BL_EXIT_KILLED);
	assert_string_equal(e[0].name, "trapper");
	sw_free(&sw);
}

/* bl_sup_stop's own limit: whatever ignores shutdown is killed at the end. */
static void test_stop_times_out(void **state)
{
	struct sworld sw;
	struct bl_sup_spec spec;
	struct bl_sup_child_spec ch;
	struct wk_args trapper = { 7, 1 };
	uint64_t root, sp;

	(void)state;
	sw_new(&sw, 1, false); /* the fake clock never moves: only the limit ends it */
	assert_int_equal(bl_sup_spec_init(&spec, "r", BL_SUP_ONE_FOR_ONE, 3, 1000), 0);
	assert_int_equal(bl_sup_child_spec_init(&ch, "trapper", &wk_beh), 0);
	assert_int_equal(bl_sup_child_set_name(&ch, "trapper"), 0);
	ch.arg = &trapper;
	ch.arg_len = sizeof(trapper);
	ch.lcore = sw.ctl->lcore;
	ch.shutdown_ms = BL_SUP_SHUTDOWN_INFINITY;
	assert_int_equal(bl_sup_spec_add(&spec, &ch), 0);
	root = bl_sup_start(sw.ctl, &spec);
	bl_sup_spec_fini(&spec);
	sp = pid_of(&sw, root, "trapper");
	assert_int_equal(bl_sup_stop(sw.ctl, root, 20), -ETIMEDOUT);
	assert_null(bl_proc_lookup(sw.ctl, sp));
	assert_null(bl_proc_lookup(sw.ctl, root));
	world_settle(sw.ctl);
	assert_int_equal(sw.ctl->n_live, 0);
	assert_int_equal(bl_registry_count(sw.reg), 0);
	sw_free(&sw);
}

static void test_child_commands(void **state)
{
	struct sworld sw;
	struct bl_sup_spec spec, sub;
	uint64_t root, a, d;
	unsigned mark;

	(void)state;
	sw_new(&sw, 1, false);
	assert_int_equal(bl_sup_spec_init(&sub, "n", BL_SUP_ONE_FOR_ONE, 3, 1000), 0);
	add_wk(&sub, "d", 4, sw.ctl->lcore, BL_SUP_PERMANENT, true);
	assert_int_equal(bl_sup_spec_init(&spec, "r", BL_SUP_ONE_FOR_ONE, 3, 1000), 0);
	add_wk(&spec, "a", 1, sw.ctl->lcore, BL_SUP_PERMANENT, true);
	add_sup(&spec, "n", &sub);
	bl_sup_spec_fini(&sub);
	root = bl_sup_start(sw.ctl, &spec);
	bl_sup_spec_fini(&spec);
	world_settle(sw.ctl);
	a = pid_of(&sw, root, "a");
	d = pid_of(&sw, root, "d");
	assert_int_equal(bl_sup_child_stop(sw.ctl, root, "zz"), -ENOENT);
	assert_int_equal(bl_sup_child_start(sw.ctl, root, "a"), -EALREADY);
	assert_int_equal(bl_sup_child_stop(sw.ctl, root + 1, "a"), -ESRCH);
	/* stop a permanent child on purpose: it stays stopped, no restart */
	mark = n_evs;
	assert_int_equal(bl_sup_child_stop(sw.ctl, root, "a"), 0);
	world_settle(sw.ctl);
	assert_int_equal(pid_of(&sw, root, "a"), BL_PID_NONE);
	assert_int_equal(whereis(&sw, "a"), BL_PID_NONE);
	assert_int_equal(bl_sup_child_stop(sw.ctl, root, "a"), -ESRCH);
	assert_int_equal(bl_sup_child_start(sw.ctl, root, "a"), 0);
	assert_int_not_equal(pid_of(&sw, root, "a"), a);
	assert_int_equal(whereis(&sw, "a"), pid_of(&sw, root, "a"));
	/* restart a child of the nested supervisor by id */
	assert_int_equal(bl_sup_child_restart(sw.ctl, root, "d"), 0);
	world_settle(sw.ctl);
	assert_int_not_equal(pid_of(&sw, root, "d"), d);
	assert_int_equal(whereis(&sw, "d"), pid_of(&sw, root, "d"));
	{
		const int want[] = { EV_TERM, 1, EV_START, 1, EV_TERM, 4, EV_START, 4 };

		ev_expect(mark, want, 4);
	}
	sw_free(&sw);
}

/* --- lcore placement: two worker schedulers driven by a thread --- */

struct driver {
	struct bl_sched *s[2];
	int stop;
};

static void *driver_main(void *arg)
{
	struct driver *d = (struct driver *)arg;

	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		bool idle = bl_sched_run(d->s[0], 64) == 0;

		idle &= bl_sched_run(d->s[1], 64) == 0;
		if (idle)
			usleep(20);
	}
	return NULL;
}

static void test_lcore_any_spreads(void **state)
{
	struct bl_sched_set set;
	struct bl_sched_config cfg;
	struct bl_registry *reg = bl_registry_create(8);
	struct bl_sched *ctl, *w1, *w2;
	struct bl_sup_spec spec;
	struct bl_sup_node n[8];
	struct driver d;
	pthread_t th;
	uint64_t root;
	unsigned i, cnt, on1 = 0, on2 = 0;
	uint32_t lc = rte_get_main_lcore();
	char id[8];

	(void)state;
	ev_reset();
	bl_sched_set_init(&set);
	memset(&cfg, 0, sizeof(cfg));
	cfg.set = &set;
	cfg.registry = reg;
	ctl = bl_sched_create(lc, 3, &cfg);
	/* lcore ids only name the schedulers: a plain thread runs both */
	w1 = bl_sched_create(lc + 10, 3, &cfg);
	w2 = bl_sched_create(lc + 11, 3, &cfg);
	assert_non_null(ctl);
	assert_non_null(w1);
	assert_non_null(w2);
	memset(&d, 0, sizeof(d));
	d.s[0] = w1;
	d.s[1] = w2;
	assert_int_equal(pthread_create(&th, NULL, driver_main, &d), 0);
	assert_int_equal(bl_sup_spec_init(&spec, "r", BL_SUP_ONE_FOR_ONE, 3, 1000), 0);
	for (i = 0; i < 6; i++) {
		snprintf(id, sizeof(id), "w%u", i);
		add_wk(&spec, id, i, BL_SUP_LCORE_ANY, BL_SUP_PERMANENT, i == 0);
	}
	root = bl_sup_start(ctl, &spec);
	bl_sup_spec_fini(&spec);
	assert_int_not_equal(root, BL_PID_NONE);
	assert_int_equal(bl_sup_tree(ctl, root, n, 8, &cnt), 0);
	assert_int_equal(cnt, 7);
	for (i = 1; i < cnt; i++) {
		assert_int_equal(bl_pid_lcore(n[i].pid), n[i].lcore);
		on1 += n[i].lcore == w1->lcore;
		on2 += n[i].lcore == w2->lcore;
	}
	/* never on the control scheduler, spread evenly over the workers */
	assert_int_equal(on1, 3);
	assert_int_equal(on2, 3);
	assert_int_equal(bl_registry_whereis(reg, "w0", 8), n[1].pid);
	assert_int_equal(bl_sup_stop(ctl, root, 0), 0);
	for (i = 0; i < 100000000u && (__atomic_load_n(&w1->n_live, __ATOMIC_RELAXED) != 0 ||
				       __atomic_load_n(&w2->n_live, __ATOMIC_RELAXED) != 0);
	     i++)
		bl_sched_run(ctl, 64);
	__atomic_store_n(&d.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(w1->n_live + w2->n_live + ctl->n_live, 0);
	assert_int_equal(n_evs, 12);
	assert_int_equal(bl_registry_count(reg), 0);
	world_settle(ctl);
	world_settle(w1);
	world_settle(w2);
	sched_assert_idle(ctl);
	sched_assert_idle(w1);
	sched_assert_idle(w2);
	bl_sched_destroy(w2);
	bl_sched_destroy(w1);
	bl_sched_destroy(ctl);
	bl_registry_destroy(reg);
}

/* --- children on a worker lcore (two lcores) --- */

static void test_children_on_worker_lcore(void **state)
{
	struct sworld sw;
	struct worker wk = { 0 };
	struct bl_sup_spec spec;
	struct bl_crash_entry e[4];
	uint64_t root, a, b, a2 = BL_PID_NONE;
	unsigned long i;
	unsigned mark;
	uint32_t wl;

	(void)state;
	if (rte_lcore_count() < 2) {
		skip();
		return;
	}
	sw_new(&sw, 2, true);
	wl = sw.w->s[1]->lcore;
	wk.s = sw.w->s[1];
	assert_int_equal(rte_eal_remote_launch(worker_main, &wk, wl), 0);
	assert_int_equal(bl_sup_spec_init(&spec, "r", BL_SUP_REST_FOR_ONE, 3, 60000), 0);
	spec.log = sw.log;
	add_wk(&spec, "a", 1, wl, BL_SUP_PERMANENT, true);
	add_wk(&spec, "b", 2, wl, BL_SUP_PERMANENT, true);
	root = bl_sup_start(sw.ctl, &spec);
	bl_sup_spec_fini(&spec);
	assert_int_not_equal(root, BL_PID_NONE);
	a = pid_of(&sw, root, "a");
	b = pid_of(&sw, root, "b");
	assert_int_equal(bl_pid_lcore(a), wl);
	assert_int_equal(bl_pid_lcore(b), wl);
	mark = n_evs;
	/* crash a on the worker: its exit signal reaches the supervisor */
	assert_int_equal(bl_sched_post(sw.w->s[1], a, 1, NULL, 0), 0);
	for (i = 0; i < 100000000ul; i++) {
		bl_sched_run(sw.ctl, 64);
		a2 = pid_of(&sw, root, "a");
		if (a2 != a && a2 != BL_PID_NONE && pid_of(&sw, root, "b") != b &&
		    pid_of(&sw, root, "b") != BL_PID_NONE)
			break;
		if ((i & 1023) == 0)
			usleep(10);
	}
	assert_int_not_equal(a2, a);
	assert_int_equal(bl_pid_lcore(a2), wl);
	assert_int_equal(whereis(&sw, "a"), a2);
	assert_int_equal(whereis(&sw, "b"), pid_of(&sw, root, "b"));
	{
		const int want[] = { EV_TERM, 1, EV_TERM, 2, EV_START, 1, EV_START, 2 };

		ev_expect(mark, want, 4);
	}
	assert_int_equal(bl_crash_read(sw.log, 0, e, 4), 1);
	assert_int_equal(e[0].rec.pid, a);
	assert_int_equal(e[0].rec.lcore, wl);
	assert_string_equal(e[0].name, "a");
	assert_int_equal(bl_sup_stop(sw.ctl, root, 0), 0);
	assert_int_equal(__atomic_load_n(&sw.w->s[1]->n_live, __ATOMIC_RELAXED), 0);
	assert_int_equal(bl_registry_count(sw.reg), 0);
	__atomic_store_n(&wk.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(wl);
	sw_free(&sw);
}

/* --- specs, catalog, bad input --- */

static void test_spec_validation(void **state)
{
	struct sworld sw;
	struct bl_sup_spec spec, deep[BL_SUP_DEPTH_MAX + 2];
	struct bl_sup_child_spec ch;
	static const struct bl_behaviour no_msg = { .name = "nomsg" };
	uint8_t big[BL_SUP_ARG_MAX + 1];
	unsigned i;

	(void)state;
	sw_new(&sw, 1, false);
	assert_int_equal(bl_sup_spec_init(&spec, "", BL_SUP_ONE_FOR_ONE, 1, 1), -EINVAL);
	assert_int_equal(bl_sup_spec_init(&spec, "r", BL_SUP_STRATEGY_MAX, 1, 1), -EINVAL);
	assert_int_equal(bl_sup_spec_init(&spec, "r", 0, BL_SUP_INTENSITY_MAX + 1, 1), -EINVAL);
	assert_int_equal(bl_sup_spec_init(&spec, "r", BL_SUP_ONE_FOR_ONE, 1, 1000), 0);
	assert_int_equal(bl_sup_child_spec_init(&ch, "bad id", &wk_beh), -EINVAL);
	assert_int_equal(bl_sup_child_spec_init(&ch, "x", NULL), -EINVAL);
	assert_int_equal(bl_sup_child_spec_init(&ch, "x", &no_msg), 0);
	assert_int_equal(bl_sup_spec_add(&spec, &ch), -EINVAL);
	assert_int_equal(bl_sup_child_spec_init(&ch, "x", &wk_beh), 0);
	ch.arg = big;
	ch.arg_len = sizeof(big);
	assert_int_equal(bl_sup_spec_add(&spec, &ch), -EINVAL);
	ch.arg = NULL;
	ch.arg_len = 4;
	assert_int_equal(bl_sup_spec_add(&spec, &ch), -EINVAL);
	ch.arg_len = 0;
	ch.restart = BL_SUP_RESTART_MAX;
	assert_int_equal(bl_sup_spec_add(&spec, &ch), -EINVAL);
	ch.restart = BL_SUP_TRANSIENT;
	ch.shutdown_ms = BL_SUP_SHUTDOWN_MAX_MS + 1;
	assert_int_equal(bl_sup_spec_add(&spec, &ch), -EINVAL);
	ch.shutdown_ms = 0;
	ch.lcore = RTE_MAX_LCORE;
	assert_int_equal(bl_sup_spec_add(&spec, &ch), -EINVAL);
	ch.lcore = BL_SUP_LCORE_ANY;
	ch.sup = &spec; /* both a behaviour and a supervisor */
	assert_int_equal(bl_sup_spec_add(&spec, &ch), -EINVAL);
	ch.sup = NULL;
	ch.beh = &bl_supervisor_behaviour; /* a supervisor child needs a spec */
	assert_int_equal(bl_sup_spec_add(&spec, &ch), -EINVAL);
	ch.beh = &wk_beh;
	assert_int_equal(bl_sup_child_set_name(&ch, "a name"), -EINVAL);
	assert_int_equal(bl_sup_child_set_name(&ch, "nm"), 0);
	assert_int_equal(bl_sup_spec_add(&spec, &ch), 0);
	assert_int_equal(bl_sup_spec_add(&spec, &ch), -EEXIST); /* same id */
	strcpy(ch.id, "y");
	assert_int_equal(bl_sup_spec_add(&spec, &ch), -EEXIST); /* same name */
	ch.name[0] = '\0';
	assert_int_equal(bl_sup_spec_add(&spec, &ch), 0);
	assert_int_equal(spec.n_children, 2);
	/* nesting is bounded */
	for (i = 0; i < BL_SUP_DEPTH_MAX + 2; i++) {
		assert_int_equal(bl_sup_spec_init(&deep[i], "lvl", BL_SUP_ONE_FOR_ONE, 1, 1), 0);
		if (i > 0) {
			struct bl_sup_child_spec c2;

			assert_int_equal(bl_sup_child_spec_sup(&c2, "sub", &deep[i - 1]), 0);
			assert_int_equal(bl_sup_spec_add(&deep[i], &c2),
					 i <= BL_SUP_DEPTH_MAX ? 0 : -EINVAL);
		}
	}
	for (i = 0; i < BL_SUP_DEPTH_MAX + 2; i++)
		bl_sup_spec_fini(&deep[i]);
	/* a spec built by hand and inconsistent: refused at start, nothing runs */
	spec.children[1].restart = 99;
	assert_int_equal(bl_sup_start(sw.ctl, &spec), BL_PID_NONE);
	assert_int_equal(errno, EINVAL);
	spec.children[1].restart = BL_SUP_PERMANENT;
	spec.children[1].lcore = sw.ctl->lcore + 20; /* no scheduler there */
	assert_int_equal(bl_sup_start(sw.ctl, &spec), BL_PID_NONE);
	assert_int_equal(errno, ENODEV);
	world_settle(sw.ctl);
	assert_int_equal(sw.ctl->n_live, 0);
	assert_int_equal(bl_registry_count(sw.reg), 0); /* "nm" was registered, then undone */
	bl_sup_spec_fini(&spec);
	sw_free(&sw);
}

static void test_names_need_registry(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sup_spec spec;
	uint64_t root;

	(void)state;
	ev_reset();
	assert_int_equal(bl_sup_spec_init(&spec, "r", BL_SUP_ONE_FOR_ONE, 1, 1000), 0);
	add_wk(&spec, "a", 1, w->s[0]->lcore, BL_SUP_PERMANENT, true);
	assert_int_equal(bl_sup_start(w->s[0], &spec), BL_PID_NONE);
	assert_int_equal(errno, EINVAL);
	spec.children[0].name[0] = '\0';
	root = bl_sup_start(w->s[0], &spec);
	assert_int_not_equal(root, BL_PID_NONE);
	bl_sup_spec_fini(&spec);
	assert_int_equal(bl_sup_stop(w->s[0], root, 0), 0);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shutdown_order),
		cmocka_unit_test(test_shutdown_timeout_kills),
		cmocka_unit_test(test_stop_times_out),
		cmocka_unit_test(test_child_commands),
		cmocka_unit_test(test_lcore_any_spreads),
		cmocka_unit_test(test_children_on_worker_lcore),
		cmocka_unit_test(test_spec_validation),
		cmocka_unit_test(test_names_need_registry),
	};
	int rc;

	if (actors_test_eal("sup_start_stop", "0-1") != 0)
		return 1;
	rcu_register_thread(); /* the test thread is the control thread: registry writes */
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rcu_unregister_thread();
	return rc;
}
