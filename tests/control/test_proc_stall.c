/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stall check of the control thread (control/proc_cmds.c): a worker
 * kept busy on its CPU without a loop is reported, one blocked in the
 * kernel is reported, one that merely lost its CPU to another task is
 * counted as a preemption and not reported (the verdict, as a pure
 * function), a worker that loops is never reported, and `lcores` shows the
 * counts. The workers run their real poll loop here.
 */
#include <pthread.h>
#include <time.h>

#include <rte_cycles.h>

#include "control/proc_cmds_pvt.h"

#include "proc_cmds_test.h"

static void test_verdict(void **state)
{
	(void)state;
	/* Runnable with little CPU time: another task had the CPU. */
	assert_int_equal(bl__stall_verdict(0, 100, true, 'R'), BL__STALL_PREEMPTED);
	assert_int_equal(bl__stall_verdict(24, 100, true, 'R'), BL__STALL_PREEMPTED);
	/* A quarter of the limit on its CPU without a loop: stuck. */
	assert_int_equal(bl__stall_verdict(25, 100, true, 'R'), BL__STALL_BUSY);
	assert_int_equal(bl__stall_verdict(100, 100, true, 'R'), BL__STALL_BUSY);
	assert_int_equal(bl__stall_verdict(30, 100, true, 'S'), BL__STALL_BUSY);
	/* Asleep or blocked in the kernel. */
	assert_int_equal(bl__stall_verdict(0, 100, true, 'S'), BL__STALL_BLOCKED);
	assert_int_equal(bl__stall_verdict(1, 100, true, 'D'), BL__STALL_BLOCKED);
	assert_int_equal(bl__stall_verdict(0, 100, true, 't'), BL__STALL_BLOCKED);
	/* Not sure it was preempted: report it. */
	assert_int_equal(bl__stall_verdict(0, 100, false, 'R'), BL__STALL_BUSY);
	assert_int_equal(bl__stall_verdict(0, 100, true, 0), BL__STALL_BUSY);
}

static uint64_t thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* On the worker: hold it 300 ms of its own CPU time (however long the machine makes that). */
static void spin_fn(struct bl_sched *s, void *arg)
{
	uint64_t t0 = thread_cpu_ms();

	(void)s;
	(void)arg;
	while (thread_cpu_ms() - t0 < 300)
		;
}

/* On the worker: sleep 400 ms in the kernel. */
static void sleep_fn(struct bl_sched *s, void *arg)
{
	struct timespec ts = { 0, 400 * 1000000L };

	(void)s;
	(void)arg;
	nanosleep(&ts, NULL);
}

struct exec_job {
	struct bl_sched *s;
	void (*fn)(struct bl_sched *, void *);
	volatile int done;
	int rc;
};

static void *exec_thread(void *arg)
{
	struct exec_job *j = arg;

	j->rc = bl_sched_exec(j->s, j->fn, NULL, 0);
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Run fn on the worker from another thread while this one ticks; returns the stalls seen. */
static void hold_worker(struct pworld *x, void (*fn)(struct bl_sched *, void *), bool *seen)
{
	struct exec_job j = { x->w->r->workers[0]->sched, fn, 0, -1 };
	pthread_t t;

	*seen = false;
	assert_int_equal(pthread_create(&t, NULL, exec_thread, &j), 0);
	while (!__atomic_load_n(&j.done, __ATOMIC_ACQUIRE)) {
		bl_proc_cmds_tick(x->pc);
		*seen |= x->pc->stalled[0] != 0;
		usleep(2000);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(j.rc, 0);
	/* Loops again: the stall ends. */
	for (int i = 0; i < 2000 && x->pc->stalled[0]; i++) {
		bl_proc_cmds_tick(x->pc);
		usleep(1000);
	}
	assert_int_equal(x->pc->stalled[0], 0);
}

static void test_stalls(void **state)
{
	struct pworld *x = *state;
	struct cmds_world *w = x->w;
	uint64_t t0;
	bool seen;
	json_t *r;

	x->pc->stall_ms = 100;
	assert_int_equal(bl_router_start(w->r), 0);
	/* A worker that loops: 300 ms of ticks, nothing reported. */
	t0 = rte_get_timer_cycles();
	while (rte_get_timer_cycles() - t0 < rte_get_timer_hz() * 3 / 10) {
		bl_proc_cmds_tick(x->pc);
		usleep(2000);
	}
	assert_true(x->pc->loops_at_ms[0] != 0);
	assert_int_equal(x->pc->stalls[0], 0);

	/* Busy on its CPU without a loop: reported once. */
	hold_worker(x, spin_fn, &seen);
	assert_true(seen);
	assert_int_equal(x->pc->stalls[0], 1);

	/* Blocked in the kernel: reported too. */
	hold_worker(x, sleep_fn, &seen);
	assert_true(seen);
	assert_int_equal(x->pc->stalls[0], 2);

	r = cmds_ok(w, "{'cmd':'lcores'}");
	assert_int_equal(cmds_int(json_array_get(json_object_get(r, "lcores"), 0), "stalls"), 2);
	assert_true(json_is_false(
	    json_object_get(json_array_get(json_object_get(r, "lcores"), 0), "stalled")));
	assert_true(cmds_int(json_array_get(json_object_get(r, "lcores"), 0), "preemptions") >= 0);
	json_decref(r);
	bl_router_stop(w->r);
	/* Stopped: nothing to check, nothing reported. */
	bl_proc_cmds_tick(x->pc);
	assert_int_equal(x->pc->stalls[0], 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict),
		cmocka_unit_test_setup_teardown(test_stalls, setup, teardown),
	};
	int rc;

	if (cmds_test_eal("proc_stall") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cmds_test_eal_end();
	return rc;
}
