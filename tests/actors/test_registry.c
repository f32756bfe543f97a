/* SPDX-License-Identifier: BSD-3-Clause */
/* Registry: bounds, name rules, rebinding, readers on another lcore, and
 * the sweep of dead processes' names. */
#include <urcu-qsbr.h>

#include "actors_test.h"

static void test_bounds_and_names(void **state)
{
	struct bl_registry *r = bl_registry_create(3);
	char long_name[64];
	const char unterminated[4] = { 'a', 'b', 'c', 'd' };

	(void)state;
	assert_non_null(r);
	assert_int_equal(bl_registry_register(r, "alpha", 64, 11), 0);
	assert_int_equal(bl_registry_register(r, "beta", 64, 12), 0);
	assert_int_equal(bl_registry_register(r, "alpha", 64, 13), -EEXIST);
	assert_int_equal(bl_registry_register(r, "gamma", 64, 14), 0);
	/* full: a fourth name is refused, a taken one still says so */
	assert_int_equal(bl_registry_register(r, "delta", 64, 15), -ENOSPC);
	assert_int_equal(bl_registry_register(r, "beta", 64, 15), -EEXIST);
	assert_int_equal(bl_registry_set(r, "delta", 64, 15), -ENOSPC);
	assert_int_equal(bl_registry_count(r), 3);
	/* rebinding works when full */
	assert_int_equal(bl_registry_set(r, "beta", 64, 22), 0);
	assert_int_equal(bl_registry_whereis(r, "beta", 64), 22);
	assert_int_equal(bl_registry_whereis(r, "alpha", 64), 11);
	assert_int_equal(bl_registry_whereis(r, "nobody", 64), BL_PID_NONE);
	/* bad names */
	memset(long_name, 'x', sizeof(long_name));
	long_name[BL_NAME_MAX] = '\0'; /* 32 characters: one too many */
	assert_int_equal(bl_registry_register(r, long_name, sizeof(long_name), 1), -EINVAL);
	long_name[BL_NAME_MAX - 1] = '\0';
	assert_int_equal(bl_registry_unregister(r, "gamma", 64), 0);
	assert_int_equal(bl_registry_register(r, long_name, sizeof(long_name), 1), 0);
	assert_int_equal(bl_registry_register(r, "", 64, 1), -EINVAL);
	assert_int_equal(bl_registry_register(r, "a b", 64, 1), -EINVAL);
	assert_int_equal(bl_registry_register(r, "tab\t", 64, 1), -EINVAL);
	assert_int_equal(bl_registry_register(r, "\xff", 64, 1), -EINVAL);
	assert_int_equal(bl_registry_register(r, unterminated, sizeof(unterminated), 1), -EINVAL);
	assert_int_equal(bl_registry_register(r, NULL, 64, 1), -EINVAL);
	assert_int_equal(bl_registry_register(r, "zero", 64, BL_PID_NONE), -EINVAL);
	assert_int_equal(bl_registry_whereis(r, unterminated, sizeof(unterminated)), BL_PID_NONE);
	/* unregister */
	assert_int_equal(bl_registry_unregister(r, "alpha", 64), 0);
	assert_int_equal(bl_registry_unregister(r, "alpha", 64), -ENOENT);
	assert_int_equal(bl_registry_whereis(r, "alpha", 64), BL_PID_NONE);
	assert_int_equal(bl_registry_count(r), 2);
	bl_registry_destroy(r);
	assert_null(bl_registry_create(0));
}

/* Reader on the worker lcore: only pids the writer ever bound may appear. */
struct reader {
	struct bl_registry *r;
	volatile int stop;
	uint64_t lookups;
	uint64_t bad;
	uint64_t hits;
};

static int reader_main(void *arg)
{
	struct reader *rd = (struct reader *)arg;

	rcu_register_thread();
	while (!__atomic_load_n(&rd->stop, __ATOMIC_ACQUIRE)) {
		unsigned i;

		for (i = 0; i < 64; i++) {
			uint64_t pid = bl_registry_whereis(rd->r, "svc", 16);

			rd->lookups++;
			if (pid != BL_PID_NONE) {
				rd->hits++;
				if (pid < 1000 || pid >= 1000 + 5000)
					rd->bad++;
			}
		}
		rcu_quiescent_state(); /* the lcore loop's announcement */
	}
	rcu_unregister_thread();
	return 0;
}

static void test_concurrent_readers(void **state)
{
	struct reader rd = { 0 };
	unsigned i, lcore;

	(void)state;
	if (rte_lcore_count() < 2) {
		skip();
		return;
	}
	rd.r = bl_registry_create(16);
	assert_non_null(rd.r);
	lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	assert_int_equal(rte_eal_remote_launch(reader_main, &rd, lcore), 0);
	for (i = 0; i < 5000; i++) {
		/* rebind, drop, bind again: every freed entry goes through call_rcu */
		assert_int_equal(bl_registry_set(rd.r, "svc", 16, 1000 + i), 0);
		if (i % 3 == 0)
			assert_int_equal(bl_registry_unregister(rd.r, "svc", 16), 0);
		rcu_quiescent_state();
	}
	__atomic_store_n(&rd.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(lcore);
	assert_true(rd.lookups > 0);
	assert_int_equal(rd.bad, 0);
	bl_registry_destroy(rd.r);
}

/* Pids 100..199 are "dead" for the sweep. */
static int dead_100s(void *arg, uint64_t pid)
{
	(*(unsigned *)arg)++;
	return pid >= 100 && pid < 200;
}

/* The sweep removes exactly the names of dead pids, and the names can be
 * taken again (a restarted child's, a new process's). */
static void test_sweep_dead_names(void **state)
{
	struct bl_registry *r = bl_registry_create(10);
	unsigned asked = 0;
	uint64_t gen;

	(void)state;
	assert_int_equal(bl_registry_register(r, "live1", 64, 7), 0);
	assert_int_equal(bl_registry_register(r, "dead1", 64, 101), 0);
	assert_int_equal(bl_registry_register(r, "live2", 64, 250), 0);
	assert_int_equal(bl_registry_register(r, "dead2", 64, 199), 0);
	gen = bl_registry_gen(r);
	assert_int_equal(bl_registry_sweep(r, dead_100s, &asked), 2);
	assert_int_equal(asked, 4);
	assert_true(bl_registry_gen(r) > gen); /* lcores drop their cached pids */
	assert_int_equal(bl_registry_count(r), 2);
	assert_int_equal(bl_registry_whereis(r, "dead1", 64), BL_PID_NONE);
	assert_int_equal(bl_registry_whereis(r, "dead2", 64), BL_PID_NONE);
	assert_int_equal(bl_registry_whereis(r, "live1", 64), 7);
	assert_int_equal(bl_registry_whereis(r, "live2", 64), 250);
	assert_int_equal(bl_registry_register(r, "dead1", 64, 8), 0);
	/* Nothing dead: nothing removed, nothing announced. */
	gen = bl_registry_gen(r);
	assert_int_equal(bl_registry_sweep(r, dead_100s, &asked), 0);
	assert_int_equal(bl_registry_gen(r), gen);
	assert_int_equal(bl_registry_count(r), 3);
	bl_registry_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds_and_names),
		cmocka_unit_test(test_concurrent_readers),
		cmocka_unit_test(test_sweep_dead_names),
	};
	int rc;

	if (actors_test_eal("registry", "0-1") != 0)
		return 1;
	rcu_register_thread(); /* the control thread writes */
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rcu_unregister_thread();
	return rc;
}
