/* SPDX-License-Identifier: BSD-3-Clause */
/* Process info and per-lcore totals, from the owner and through the command ring. */
#include "actors_test.h"

struct st {
	struct bl_kbin *kept;
	uint64_t target;
};

static int st_init(struct bl_ctx *c, void *arg)
{
	struct st *s = (struct st *)arg;

	bl_set_state(c, s);
	if (s->target != BL_PID_NONE) {
		assert_int_equal(bl_link(c, s->target), 0);
		assert_int_not_equal(bl_monitor(c, s->target), 0);
	}
	return 0;
}

static void st_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct st *s = (struct st *)bl_state(c);

	if (m->key == 1) {
		s->kept = bl_msg_keep(c, m);
		assert_non_null(s->kept);
		assert_non_null(bl_alloc(c, 100));
	}
}

static const struct bl_behaviour st_beh = {
	.name = "st",
	.init = st_init,
	.handle_message = st_msg,
};

static int count_cb(const struct bl_proc_info *info, void *arg)
{
	(*(unsigned *)arg)++;
	return info->pid == 0;
}

static void test_info_fields(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct st a = { 0 }, b = { 0 };
	uint64_t pa, pb;
	struct bl_proc_info info;
	struct bl_sched_totals t;
	struct rte_mbuf *m;
	unsigned n = 0;

	(void)state;
	pa = bl_proc_spawn(s, &st_beh, &a, NULL);
	b.target = pa;
	pb = bl_proc_spawn(s, &st_beh, &b, NULL);
	m = world_mbuf(w, 1000);
	assert_int_equal(bl_sched_deliver(s, pa, 1, 0, m, 0, 1000, 0), 0);
	assert_int_equal(bl_sched_deliver(s, pa, 2, 0, NULL, 0, 0, 0), 0);
	assert_int_equal(bl_proc_info_get(s, pa, &info), 0);
	assert_int_equal(info.mailbox_len, 2);
	assert_int_equal(info.pinned_bytes, m->buf_len);
	assert_int_equal(info.links, 1);
	assert_int_equal(info.monitored_by, 1);
	world_settle(s);
	assert_int_equal(bl_proc_info_get(s, pa, &info), 0);
	assert_int_equal(info.pid, pa);
	assert_string_equal(info.behaviour, "st");
	assert_int_equal(info.lcore, s->lcore);
	assert_int_equal(info.status, BL_PROC_WAITING);
	assert_int_equal(info.reductions, 2);
	assert_int_equal(info.mailbox_len, 0);
	assert_int_equal(info.pinned_bytes, m->buf_len); /* the kept binary */
	assert_int_equal(info.heap_bytes, 2048);
	assert_int_equal(info.heap_chunks, 1);
	assert_int_equal(bl_proc_info_get(s, pb, &info), 0);
	assert_int_equal(info.links, 1);
	assert_int_equal(info.monitors, 1);
	assert_int_equal(bl_proc_info_get(s, bl_pid_make(s->lcore, 99, 1), &info), -ESRCH);
	bl_sched_totals(s, &t);
	assert_int_equal(t.procs, 2);
	assert_int_equal(t.bin_bytes, m->buf_len);
	assert_int_equal(t.heap_bytes, 2 * 2048); /* both hold their link/monitor entries */
	assert_int_equal(t.handled, 2);
	assert_int_equal(t.spawned, 2);
	assert_int_equal(bl_sched_foreach(s, count_cb, &n), 2);
	assert_int_equal(n, 2);
	rte_pktmbuf_free(m);
	world_free(w);
}

static void test_ps_from_control_thread(void **state)
{
	struct world *w;
	struct worker wk = { 0 };
	struct bl_proc_info info[8];
	struct st s[5];
	unsigned n = 0, total = 0, i;

	(void)state;
	if (rte_lcore_count() < 2) {
		skip();
		return;
	}
	memset(s, 0, sizeof(s));
	w = world_new(2, NULL, true);
	wk.s = w->s[1];
	assert_int_equal(rte_eal_remote_launch(worker_main, &wk, w->s[1]->lcore), 0);
	for (i = 0; i < 5; i++)
		assert_int_not_equal(bl_sched_spawn_on(w->s[1], &st_beh, &s[i], NULL, 0),
				     BL_PID_NONE);
	assert_int_equal(bl_sched_ps(w->s[1], info, 3, &n, &total, 0), 0);
	assert_int_equal(n, 3);
	assert_int_equal(total, 5);
	for (i = 0; i < 3; i++) {
		struct bl_proc_info one;

		assert_int_equal(info[i].lcore, w->s[1]->lcore);
		assert_string_equal(info[i].behaviour, "st");
		assert_int_equal(bl_sched_proc_info(w->s[1], info[i].pid, &one, 0), 0);
		assert_int_equal(one.pid, info[i].pid);
	}
	assert_int_equal(bl_sched_proc_info(w->s[1], bl_pid_make(w->s[1]->lcore, 4000, 9), info, 0),
			 -ESRCH);
	__atomic_store_n(&wk.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(w->s[1]->lcore);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_fields),
		cmocka_unit_test(test_ps_from_control_thread),
	};

	if (actors_test_eal("info", "0-1") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
