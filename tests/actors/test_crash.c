/* SPDX-License-Identifier: BSD-3-Clause */
/* Crash records: what is recorded, what is not, full rings, the bounded log. */
#include "actors_test.h"

/* Commands by key: 1 error exit, 2 allocate past the heap limit, 3 normal
 * exit, 4 shutdown exit, 5 keep the message's binary then error exit,
 * anything else: allocate a little (so the heap is not empty). */
static int crasher_init(struct bl_ctx *c, void *arg)
{
	(void)arg;
	bl_set_state(c, bl_alloc(c, 64));
	return 0;
}

static void crasher_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	switch (m->key) {
	case 1:
		bl_exit(c, bl_reason_error(9, "boom"));
		break;
	case 2:
		assert_null(bl_alloc(c, 64 * 1024));
		break;
	case 3:
		bl_exit(c, bl_reason_make(BL_EXIT_NORMAL));
		break;
	case 4:
		bl_exit(c, bl_reason_make(BL_EXIT_SHUTDOWN));
		break;
	case 5:
		assert_non_null(bl_msg_keep(c, m));
		bl_exit(c, bl_reason_error(5, "kept"));
		break;
	default:
		assert_non_null(bl_alloc(c, 100));
		break;
	}
}

static const struct bl_behaviour crasher = {
	.name = "crasher",
	.init = crasher_init,
	.handle_message = crasher_msg,
};

static void cmd(struct bl_sched *s, uint64_t pid, uint64_t key)
{
	assert_int_equal(bl_sched_post(s, pid, key, NULL, 0), 0);
}

static unsigned drain_all(struct bl_crash_log *log, struct world *w, struct bl_crash_entry *out,
			  unsigned max)
{
	(void)bl_crash_drain(log, &w->set);
	return bl_crash_read(log, 0, out, max);
}

static void test_error_exit_record(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_crash_log *log = bl_crash_log_create(16);
	struct bl_crash_entry e[4];
	struct bl_crash_stats st;
	uint64_t pid;

	(void)state;
	assert_non_null(log);
	w->now = 1234;
	pid = bl_proc_spawn(s, &crasher, NULL, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);
	cmd(s, pid, 10);
	cmd(s, pid, 1);
	world_settle(s);
	assert_null(bl_proc_lookup(s, pid));
	assert_int_equal(drain_all(log, w, e, 4), 1);
	assert_int_equal(e[0].seq, 1);
	assert_int_equal(e[0].rec.pid, pid);
	assert_string_equal(e[0].rec.behaviour, "crasher");
	assert_int_equal(e[0].rec.code, BL_EXIT_ERROR);
	assert_int_equal(e[0].rec.detail, 9);
	assert_string_equal(e[0].rec.text, "boom");
	assert_int_equal(e[0].rec.reductions, 2);
	assert_true(e[0].rec.heap_bytes > 0);
	assert_int_equal(e[0].rec.pinned_bytes, 0);
	assert_true(e[0].rec.flags & BL_CRASH_F_KEY);
	assert_int_equal(e[0].rec.key, 1);
	assert_int_equal(e[0].rec.lcore, s->lcore);
	assert_int_equal(e[0].rec.time_ms, 1234);
	assert_string_equal(e[0].name, "");
	/* naming it afterwards (what a supervisor does) */
	assert_int_equal(bl_crash_annotate(log, &w->set, pid, "feed.a"), 0);
	assert_int_equal(bl_crash_annotate(log, &w->set, pid + 1, "x"), -ENOENT);
	assert_int_equal(bl_crash_read(log, 0, e, 4), 1);
	assert_string_equal(e[0].name, "feed.a");
	bl_crash_stats_get(log, &w->set, &st);
	assert_int_equal(st.recorded, 1);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.logged, 1);
	assert_int_equal(st.in_log, 1);
	world_free(w);
	bl_crash_log_destroy(log);
}

static void test_heap_limit_killed_overflow(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_crash_log *log = bl_crash_log_create(16);
	struct bl_spawn_opts small = { .heap_limit = 4096 };
	struct bl_spawn_opts tight = { .mailbox_limit = 2, .overflow = BL_OVERFLOW_KILL + 1 };
	struct bl_crash_entry e[8];
	uint64_t ph, pk, po;
	unsigned i;

	(void)state;
	ph = bl_proc_spawn(s, &crasher, NULL, &small);
	pk = bl_proc_spawn(s, &crasher, NULL, NULL);
	po = bl_proc_spawn(s, &crasher, NULL, &tight);
	cmd(s, ph, 2);
	world_settle(s);
	assert_null(bl_proc_lookup(s, ph));
	assert_int_equal(bl_proc_kill(s, pk, bl_reason_make(BL_EXIT_KILL)), 0);
	world_settle(s);
	/* three messages into a mailbox of two, before it runs: killed by the third */
	for (i = 0; i < 3; i++)
		(void)bl_sched_deliver(s, po, 20 + i, 0, NULL, 0, 0, 0);
	world_settle(s);
	assert_null(bl_proc_lookup(s, po));
	assert_int_equal(drain_all(log, w, e, 8), 3);
	assert_int_equal(e[0].rec.pid, ph);
	assert_int_equal(e[0].rec.code, BL_EXIT_HEAP_LIMIT);
	assert_true(e[0].rec.flags & BL_CRASH_F_KEY);
	assert_int_equal(e[0].rec.key, 2);
	assert_int_equal(e[1].rec.pid, pk);
	assert_int_equal(e[1].rec.code, BL_EXIT_KILLED);
	assert_false(e[1].rec.flags & BL_CRASH_F_KEY); /* killed while waiting */
	assert_int_equal(e[2].rec.pid, po);
	assert_int_equal(e[2].rec.code, BL_EXIT_MAILBOX_OVERFLOW);
	assert_int_equal(e[2].rec.reductions, 0);
	assert_string_equal(bl_exit_code_names[e[2].rec.code], "mailbox_overflow");
	world_free(w);
	bl_crash_log_destroy(log);
}

static void test_pinned_bytes(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_crash_log *log = bl_crash_log_create(4);
	struct rte_mbuf *m = world_mbuf(w, 1000);
	uint32_t pin = bl_bin_pin_size(m);
	struct bl_crash_entry e[2];
	uint64_t pid;

	(void)state;
	pid = bl_proc_spawn(s, &crasher, NULL, NULL);
	assert_int_equal(bl_sched_deliver(s, pid, 5, 0, m, 0, 1000, 0), 0);
	rte_pktmbuf_free(m); /* the runtime holds its own reference */
	world_settle(s);
	assert_int_equal(drain_all(log, w, e, 2), 1);
	assert_string_equal(e[0].rec.text, "kept");
	assert_int_equal(e[0].rec.pinned_bytes, pin);
	assert_int_equal(e[0].rec.key, 5);
	world_free(w);
	bl_crash_log_destroy(log);
}

static void test_no_record_for_normal_or_shutdown(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_crash_log *log = bl_crash_log_create(4);
	struct bl_crash_entry e[4];
	struct bl_crash_stats st;
	uint64_t a, b, c;

	(void)state;
	a = bl_proc_spawn(s, &crasher, NULL, NULL);
	b = bl_proc_spawn(s, &crasher, NULL, NULL);
	c = bl_proc_spawn(s, &crasher, NULL, NULL);
	cmd(s, a, 3);
	cmd(s, b, 4);
	assert_int_equal(bl_proc_kill(s, c, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	assert_int_equal(s->n_live, 0);
	assert_int_equal(drain_all(log, w, e, 4), 0);
	bl_crash_stats_get(log, &w->set, &st);
	assert_int_equal(st.recorded, 0);
	assert_int_equal(st.logged, 0);
	world_free(w);
	bl_crash_log_destroy(log);
}

static void test_ring_full_counted(void **state)
{
	struct bl_sched_config cfg = { .crash_ring_size = 4 };
	struct world *w = world_new(1, &cfg, false);
	struct bl_sched *s = w->s[0];
	struct bl_crash_log *log = bl_crash_log_create(16);
	struct bl_crash_entry e[8];
	struct bl_crash_stats st;
	uint64_t pids[6];
	unsigned i, usable = (unsigned)rte_ring_get_capacity(s->crash);

	(void)state;
	assert_true(usable < 6);
	for (i = 0; i < 6; i++)
		pids[i] = bl_proc_spawn(s, &crasher, NULL, NULL);
	for (i = 0; i < 6; i++)
		cmd(s, pids[i], 1);
	world_settle(s);
	bl_crash_stats_get(log, &w->set, &st);
	assert_int_equal(st.recorded, usable);
	assert_int_equal(st.dropped, 6 - usable);
	assert_int_equal(drain_all(log, w, e, 8), usable);
	for (i = 0; i < usable; i++)
		assert_int_equal(e[i].rec.pid, pids[i]); /* the first ones, in order */
	/* room again: the next crash is recorded */
	pids[0] = bl_proc_spawn(s, &crasher, NULL, NULL);
	cmd(s, pids[0], 1);
	world_settle(s);
	assert_int_equal(bl_crash_drain(log, &w->set), 1);
	bl_crash_stats_get(log, &w->set, &st);
	assert_int_equal(st.recorded, usable + 1);
	assert_int_equal(st.dropped, 6 - usable);
	world_free(w);
	bl_crash_log_destroy(log);
}

static void test_log_overwrite(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_crash_log *log = bl_crash_log_create(3);
	struct bl_crash_entry e[8];
	struct bl_crash_stats st;
	uint64_t pids[5];
	unsigned i;

	(void)state;
	assert_null(bl_crash_log_create(0));
	assert_int_equal(errno, EINVAL);
	for (i = 0; i < 5; i++) {
		pids[i] = bl_proc_spawn(s, &crasher, NULL, NULL);
		cmd(s, pids[i], 1);
		world_settle(s);
		if (i == 1) /* drained in two steps: the log does not care */
			assert_int_equal(bl_crash_drain(log, &w->set), 2);
	}
	assert_int_equal(bl_crash_drain(log, &w->set), 3);
	bl_crash_stats_get(log, &w->set, &st);
	assert_int_equal(st.logged, 5);
	assert_int_equal(st.overwritten, 2);
	assert_int_equal(st.in_log, 3);
	assert_int_equal(st.capacity, 3);
	assert_int_equal(bl_crash_read(log, 0, e, 8), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(e[i].seq, i + 3);
		assert_int_equal(e[i].rec.pid, pids[i + 2]);
	}
	assert_int_equal(bl_crash_read(log, 4, e, 8), 1);
	assert_int_equal(e[0].seq, 5);
	assert_int_equal(bl_crash_read(log, 5, e, 8), 0);
	assert_int_equal(bl_crash_read(log, 0, e, 1), 1);
	assert_int_equal(e[0].seq, 3);
	/* the overwritten pid has no record to name any more */
	assert_int_equal(bl_crash_annotate(log, &w->set, pids[0], "gone"), -ENOENT);
	world_free(w);
	bl_crash_log_destroy(log);
}

/* A crash on a worker lcore reaches the control thread through the ring. */
static void test_cross_lcore(void **state)
{
	struct world *w;
	struct worker wk = { 0 };
	struct bl_crash_log *log = bl_crash_log_create(8);
	struct bl_crash_entry e[2];
	unsigned long i;
	uint64_t pid;

	(void)state;
	if (rte_lcore_count() < 2) {
		bl_crash_log_destroy(log);
		skip();
		return;
	}
	w = world_new(2, NULL, true);
	wk.s = w->s[1];
	assert_int_equal(rte_eal_remote_launch(worker_main, &wk, w->s[1]->lcore), 0);
	pid = bl_sched_spawn_on(w->s[1], &crasher, NULL, NULL, 0);
	assert_int_not_equal(pid, BL_PID_NONE);
	cmd(w->s[1], pid, 1);
	for (i = 0; i < 100000000ul && bl_crash_drain(log, &w->set) == 0; i++)
		if ((i & 1023) == 0)
			usleep(10);
	assert_int_equal(bl_crash_read(log, 0, e, 2), 1);
	assert_int_equal(e[0].rec.pid, pid);
	assert_int_equal(e[0].rec.lcore, w->s[1]->lcore);
	assert_int_equal(e[0].rec.key, 1);
	__atomic_store_n(&wk.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(w->s[1]->lcore);
	world_free(w);
	bl_crash_log_destroy(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_exit_record),
		cmocka_unit_test(test_heap_limit_killed_overflow),
		cmocka_unit_test(test_pinned_bytes),
		cmocka_unit_test(test_no_record_for_normal_or_shutdown),
		cmocka_unit_test(test_ring_full_counted),
		cmocka_unit_test(test_log_overwrite),
		cmocka_unit_test(test_cross_lcore),
	};

	if (actors_test_eal("crash", "0-1") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
