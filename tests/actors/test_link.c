/* SPDX-License-Identifier: BSD-3-Clause */
/* Links, monitors, trap_exit and exit signals, on one lcore and across two. */
#include "actors_test.h"

/* A process that records its exit and the exit/down messages it traps. */
struct obs {
	uint64_t link_to; /* link at init */
	uint64_t monitor; /* monitor at init */
	uint64_t mon_ref; /* ref returned */
	bool trap;
	uint64_t n_exit_msgs; /* atomic for the two-lcore tests */
	uint64_t n_down_msgs;
	uint64_t from;
	uint64_t down_ref;
	struct bl_reason got;
	struct bl_reason why;
	uint64_t terminated;
};

static int obs_init(struct bl_ctx *c, void *arg)
{
	struct obs *o = (struct obs *)arg;

	bl_set_state(c, o);
	if (o->trap)
		bl_trap_exit(c, true);
	if (o->link_to != BL_PID_NONE)
		assert_int_equal(bl_link(c, o->link_to), 0);
	if (o->monitor != BL_PID_NONE) {
		o->mon_ref = bl_monitor(c, o->monitor);
		assert_int_not_equal(o->mon_ref, 0);
	}
	return 0;
}

/* Data messages are commands: key 1 = exit with an error, 2 = exit normal,
 * 3 = kill pid in payload, 4 = unlink payload, 5 = demonitor. */
static void obs_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct obs *o = (struct obs *)bl_state(c);
	uint64_t pid = 0;

	if (bl_msg_len(m) == sizeof(pid))
		memcpy(&pid, bl_msg_data(m), sizeof(pid));
	switch (m->key) {
	case 1:
		bl_exit(c, bl_reason_error(7, "boom"));
		break;
	case 2:
		bl_exit(c, bl_reason_make(BL_EXIT_NORMAL));
		break;
	case 3:
		assert_int_equal(bl_exit_signal(c, pid, bl_reason_make(BL_EXIT_KILL)), 0);
		break;
	case 4:
		assert_int_equal(bl_unlink(c, pid), 0);
		break;
	case 5:
		assert_int_equal(bl_demonitor(c, o->mon_ref), 0);
		break;
	default:
		break;
	}
}

static void obs_exit(struct bl_ctx *c, const struct bl_msg *m)
{
	struct obs *o = (struct obs *)bl_state(c);

	o->from = m->src;
	o->got = m->u.reason;
	if (m->type == BL_MSG_DOWN) {
		o->down_ref = m->key;
		__atomic_add_fetch(&o->n_down_msgs, 1, __ATOMIC_RELEASE);
	} else {
		__atomic_add_fetch(&o->n_exit_msgs, 1, __ATOMIC_RELEASE);
	}
}

static void obs_terminate(struct bl_ctx *c, struct bl_reason r)
{
	struct obs *o = (struct obs *)bl_state(c);

	o->why = r;
	__atomic_add_fetch(&o->terminated, 1, __ATOMIC_RELEASE);
}

static const struct bl_behaviour obs_beh = {
	.name = "obs",
	.init = obs_init,
	.handle_message = obs_msg,
	.handle_exit = obs_exit,
	.terminate = obs_terminate,
};

static void cmd(struct bl_sched *s, uint64_t to, uint64_t key, uint64_t arg_pid)
{
	assert_int_equal(bl_sched_post(s, to, key, &arg_pid, sizeof(arg_pid)), 0);
}

static void test_link_propagates(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct obs victim = { 0 }, plain = { 0 }, trapper = { 0 };
	uint64_t pv, pp, pt;

	(void)state;
	pv = bl_proc_spawn(s, &obs_beh, &victim, NULL);
	plain.link_to = pv;
	pp = bl_proc_spawn(s, &obs_beh, &plain, NULL);
	trapper.link_to = pv;
	trapper.trap = true;
	pt = bl_proc_spawn(s, &obs_beh, &trapper, NULL);
	world_settle(s);
	assert_int_equal(bl_proc_lookup(s, pv)->n_links, 2);
	cmd(s, pv, 1, 0);
	world_settle(s);
	assert_int_equal(victim.why.code, BL_EXIT_ERROR);
	assert_int_equal(victim.why.detail, 7);
	/* the plain linked process dies with the same reason */
	assert_int_equal(plain.terminated, 1);
	assert_int_equal(plain.why.code, BL_EXIT_ERROR);
	assert_string_equal(plain.why.text, "boom");
	assert_null(bl_proc_lookup(s, pp));
	/* the trapping one gets a message and lives */
	assert_int_equal(trapper.terminated, 0);
	assert_int_equal(trapper.n_exit_msgs, 1);
	assert_int_equal(trapper.from, pv);
	assert_int_equal(trapper.got.detail, 7);
	assert_int_equal(bl_proc_lookup(s, pt)->n_links, 0);
	world_free(w);
}

static void test_normal_exit_and_unlink(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct obs a = { 0 }, b = { 0 }, c = { 0 };
	uint64_t pa, pb, pc;

	(void)state;
	pa = bl_proc_spawn(s, &obs_beh, &a, NULL);
	b.link_to = pa;
	pb = bl_proc_spawn(s, &obs_beh, &b, NULL);
	c.link_to = pa;
	pc = bl_proc_spawn(s, &obs_beh, &c, NULL);
	world_settle(s);
	cmd(s, pc, 4, pa); /* c unlinks */
	world_settle(s);
	assert_int_equal(bl_proc_lookup(s, pa)->n_links, 1);
	cmd(s, pa, 1, 0); /* a dies with an error */
	world_settle(s);
	assert_int_equal(b.terminated, 1);
	assert_int_equal(c.terminated, 0);
	/* a normal exit does not take non-trapping links along */
	{
		struct obs d = { 0 }, e = { 0 };
		uint64_t pd = bl_proc_spawn(s, &obs_beh, &d, NULL);

		e.link_to = pd;
		(void)bl_proc_spawn(s, &obs_beh, &e, NULL);
		world_settle(s);
		cmd(s, pd, 2, 0);
		world_settle(s);
		assert_int_equal(d.why.code, BL_EXIT_NORMAL);
		assert_int_equal(e.terminated, 0);
		world_free(w);
		assert_int_equal(e.why.code, BL_EXIT_SHUTDOWN);
	}
	(void)pb;
}

static void test_monitor_and_noproc(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct obs x = { 0 }, m = { 0 }, m2 = { 0 }, late = { 0 }, latelink = { 0 };
	uint64_t px, pm2;

	(void)state;
	px = bl_proc_spawn(s, &obs_beh, &x, NULL);
	m.monitor = px;
	(void)bl_proc_spawn(s, &obs_beh, &m, NULL);
	m2.monitor = px;
	pm2 = bl_proc_spawn(s, &obs_beh, &m2, NULL);
	world_settle(s);
	cmd(s, pm2, 5, 0); /* m2 demonitors */
	world_settle(s);
	assert_int_equal(bl_proc_lookup(s, pm2)->n_monitors, 0);
	assert_int_equal(bl_proc_kill(s, px, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	assert_int_equal(m.n_down_msgs, 1);
	assert_int_equal(m.down_ref, m.mon_ref);
	assert_int_equal(m.from, px);
	assert_int_equal(m.got.code, BL_EXIT_SHUTDOWN);
	assert_int_equal(m.terminated, 0); /* a monitor never kills */
	assert_int_equal(m2.n_down_msgs, 0);
	/* monitoring a dead pid: DOWN noproc at once */
	late.monitor = px;
	(void)bl_proc_spawn(s, &obs_beh, &late, NULL);
	world_settle(s);
	assert_int_equal(late.n_down_msgs, 1);
	assert_int_equal(late.got.code, BL_EXIT_NOPROC);
	/* linking a dead pid: exit signal noproc kills a non-trapping process */
	latelink.link_to = px;
	(void)bl_proc_spawn(s, &obs_beh, &latelink, NULL);
	world_settle(s);
	assert_int_equal(latelink.terminated, 1);
	assert_int_equal(latelink.why.code, BL_EXIT_NOPROC);
	world_free(w);
}

static void test_kill_is_untrappable(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct obs t = { .trap = true }, killer = { 0 }, watcher = { .trap = true };
	uint64_t pt, pk;

	(void)state;
	pt = bl_proc_spawn(s, &obs_beh, &t, NULL);
	watcher.link_to = pt;
	(void)bl_proc_spawn(s, &obs_beh, &watcher, NULL);
	pk = bl_proc_spawn(s, &obs_beh, &killer, NULL);
	world_settle(s);
	cmd(s, pk, 3, pt);
	world_settle(s);
	assert_int_equal(t.terminated, 1);
	assert_int_equal(t.why.code, BL_EXIT_KILLED);
	/* its links see "killed", which they may trap */
	assert_int_equal(watcher.n_exit_msgs, 1);
	assert_int_equal(watcher.got.code, BL_EXIT_KILLED);
	world_free(w);
}

/* --- across lcores --- */

static bool wait_val(uint64_t *v, uint64_t want, struct bl_sched *run)
{
	return wait_for_u64(v, want, run);
}

static void test_cross_lcore_links(void **state)
{
	struct world *w;
	struct worker wk = { 0 };
	struct obs remote = { 0 }, local_trap = { .trap = true }, local_mon = { 0 },
		   remote_plain = { 0 };
	uint64_t pr, prp, plocal;
	struct bl_sched_totals t;
	unsigned i;

	(void)state;
	if (rte_lcore_count() < 2) {
		skip();
		return;
	}
	w = world_new(2, NULL, true);
	wk.s = w->s[1];
	assert_int_equal(rte_eal_remote_launch(worker_main, &wk, w->s[1]->lcore), 0);
	pr = bl_sched_spawn_on(w->s[1], &obs_beh, &remote, NULL, 0);
	assert_int_not_equal(pr, BL_PID_NONE);
	/* lcore 0: one process links the remote one (trapping), one monitors it */
	local_trap.link_to = pr;
	(void)bl_proc_spawn(w->s[0], &obs_beh, &local_trap, NULL);
	local_mon.monitor = pr;
	(void)bl_proc_spawn(w->s[0], &obs_beh, &local_mon, NULL);
	/* let the LINK / MONITOR signals land before the kill */
	for (i = 0; i < 100000; i++) {
		struct bl_proc_info info[1];
		unsigned n;

		bl_sched_run(w->s[0], 16);
		assert_int_equal(bl_sched_ps(w->s[1], info, 1, &n, NULL, 0), 0);
		if (info[0].links == 1 && info[0].monitored_by == 1)
			break;
	}
	assert_int_equal(bl_sched_kill_on(w->s[1], pr, bl_reason_error(3, "remote")), 0);
	assert_true(wait_val(&local_trap.n_exit_msgs, 1, w->s[0]));
	assert_true(wait_val(&local_mon.n_down_msgs, 1, w->s[0]));
	assert_int_equal(local_trap.from, pr);
	assert_int_equal(local_trap.got.detail, 3);
	assert_string_equal(local_trap.got.text, "remote");
	assert_int_equal(local_mon.down_ref, local_mon.mon_ref);

	/* the other way: a local process dies, its remote link dies with it */
	plocal = bl_proc_spawn(w->s[0], &obs_beh, &(struct obs){ 0 }, NULL);
	remote_plain.link_to = plocal;
	prp = bl_sched_spawn_on(w->s[1], &obs_beh, &remote_plain, NULL, 0);
	assert_int_not_equal(prp, BL_PID_NONE);
	for (i = 0; i < 1000000 && bl_proc_lookup(w->s[0], plocal)->n_links == 0; i++)
		bl_sched_run(w->s[0], 16);
	assert_int_equal(bl_proc_lookup(w->s[0], plocal)->n_links, 1);
	assert_int_equal(bl_proc_kill(w->s[0], plocal, bl_reason_error(4, "local")), 0);
	bl_sched_run(w->s[0], 16);
	assert_true(wait_val(&remote_plain.terminated, 1, w->s[0]));
	assert_int_equal(remote_plain.why.detail, 4);
	bl_sched_totals(w->s[1], &t);
	for (i = 0; i < 1000000 && t.procs != 0; i++)
		bl_sched_totals(w->s[1], &t);
	assert_int_equal(t.procs, 0);
	__atomic_store_n(&wk.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(w->s[1]->lcore);
	sched_assert_idle(w->s[1]);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_propagates),
		cmocka_unit_test(test_normal_exit_and_unlink),
		cmocka_unit_test(test_monitor_and_noproc),
		cmocka_unit_test(test_kill_is_untrappable),
		cmocka_unit_test(test_cross_lcore_links),
	};

	if (actors_test_eal("link", "0-1") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
