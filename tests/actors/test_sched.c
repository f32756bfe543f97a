/* SPDX-License-Identifier: BSD-3-Clause */
/* Scheduler: budget, fairness, bounded passes, cross-lcore order, command ring. */
#include "actors_test.h"

struct cnt {
	uint64_t n;
	uint64_t next_key; /* order check */
	uint64_t bad;
	int self_loop;
	int terminated;
};

static int cnt_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void cnt_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct cnt *k = (struct cnt *)bl_state(c);

	if (m->key != k->next_key)
		k->bad++;
	k->next_key = m->key + 1;
	__atomic_store_n(&k->n, k->n + 1, __ATOMIC_RELEASE);
	if (k->self_loop)
		(void)bl_send(c, bl_self(c), m->key + 1, NULL, 0);
}

static void cnt_terminate(struct bl_ctx *c, struct bl_reason r)
{
	struct cnt *k = (struct cnt *)bl_state(c);

	(void)r;
	k->terminated++;
}

static const struct bl_behaviour cnt_beh = {
	.name = "cnt",
	.init = cnt_init,
	.handle_message = cnt_msg,
	.terminate = cnt_terminate,
};

static void test_budget_and_fairness(void **state)
{
	struct bl_sched_config cfg = { .budget = 8, .mailbox_limit = 2000 };
	struct world *w = world_new(1, &cfg, false);
	struct bl_sched *s = w->s[0];
	struct cnt a = { 0 }, b = { 0 };
	uint64_t pa = bl_proc_spawn(s, &cnt_beh, &a, NULL);
	uint64_t pb = bl_proc_spawn(s, &cnt_beh, &b, NULL);
	unsigned i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(bl_sched_deliver(s, pa, i, 0, NULL, 0, 0, 0), 0);
	assert_int_equal(bl_sched_deliver(s, pb, 0, 0, NULL, 0, 0, 0), 0);
	/* one turn: the flooded process handles its budget and yields */
	assert_int_equal(bl_sched_run(s, 1), 8);
	assert_int_equal(a.n, 8);
	assert_int_equal(b.n, 0);
	/* the next turn is the other process's */
	assert_int_equal(bl_sched_run(s, 1), 1);
	assert_int_equal(b.n, 1);
	world_settle(s);
	assert_int_equal(a.n, 1000);
	assert_int_equal(a.bad, 0);
	assert_int_equal(bl_proc_lookup(s, pa)->reductions, 1000);
	world_free(w);
}

static void test_self_flood_does_not_starve(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct cnt loop = { .self_loop = 1 }, other = { 0 };
	uint64_t pl = bl_proc_spawn(s, &cnt_beh, &loop, NULL);
	uint64_t po = bl_proc_spawn(s, &cnt_beh, &other, NULL);
	unsigned i;

	(void)state;
	assert_int_equal(bl_sched_deliver(s, pl, 0, 0, NULL, 0, 0, 0), 0);
	for (i = 0; i < 100; i++) {
		/* every pass returns although the loop never runs out of mail */
		(void)bl_sched_run(s, 4);
		assert_int_equal(bl_sched_deliver(s, po, i, 0, NULL, 0, 0, 0), 0);
	}
	(void)bl_sched_run(s, 4);
	assert_int_equal(other.n, 100);
	assert_int_equal(other.bad, 0);
	assert_true(loop.n >= 100);
	assert_int_equal(loop.bad, 0);
	/* shutdown tears down a process with mail */
	world_free(w);
	assert_int_equal(loop.terminated, 1);
}

/* Processes that send to themselves and to each other while running. */
struct chain {
	uint64_t next; /* pid to pass a token to */
	uint64_t got;
	uint64_t limit;
};

static int chain_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void chain_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct chain *k = (struct chain *)bl_state(c);

	k->got++;
	if (m->key >= k->limit)
		return;
	/* two to itself, one onward: the mailbox grows while the process runs */
	(void)bl_send(c, bl_self(c), k->limit, NULL, 0);
	(void)bl_send(c, bl_self(c), k->limit, NULL, 0);
	(void)bl_send(c, k->next, m->key + 1, NULL, 0);
}

static const struct bl_behaviour chain_beh = {
	.name = "chain",
	.init = chain_init,
	.handle_message = chain_msg,
};

static void test_self_sends_keep_run_queue_sound(void **state)
{
	enum { P = 5, HOPS = 1000 };
	struct bl_sched_config cfg = { .budget = 2 };
	struct world *w = world_new(1, &cfg, false);
	struct bl_sched *s = w->s[0];
	struct chain k[P];
	uint64_t pids[P], total = 0;
	unsigned i;

	(void)state;
	memset(k, 0, sizeof(k));
	for (i = 0; i < P; i++) {
		k[i].limit = HOPS;
		pids[i] = bl_proc_spawn(s, &chain_beh, &k[i], NULL);
	}
	for (i = 0; i < P; i++)
		k[i].next = pids[(i + 1) % P];
	for (i = 0; i < P; i++)
		assert_int_equal(bl_sched_deliver(s, pids[i], 0, 0, NULL, 0, 0, 0), 0);
	world_settle(s);
	/* each of P tokens makes HOPS hops, each hop two extra self messages */
	for (i = 0; i < P; i++)
		total += k[i].got;
	assert_int_equal(total, (uint64_t)P * (HOPS + 1) + (uint64_t)P * HOPS * 2);
	assert_int_equal(s->runq_len, 0);
	assert_null(s->runq_head);
	world_free(w);
}

static void test_spawn_refused(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	static const struct bl_behaviour no_handler = { .name = "x" };
	struct bl_spawn_opts bad = { .overflow = 9 };

	(void)state;
	assert_int_equal(bl_proc_spawn(s, &no_handler, NULL, NULL), BL_PID_NONE);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bl_proc_spawn(s, &cnt_beh, NULL, &bad), BL_PID_NONE);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bl_proc_kill(s, bl_pid_make(s->lcore, 3, 9), bl_reason_make(0)), -ESRCH);
	assert_int_equal(bl_sched_run(s, 16), 0);
	sched_assert_idle(s);
	world_free(w);
}

static int calls;
static void count_fn(struct bl_sched *s, void *arg)
{
	(void)s;
	(void)arg;
	calls++;
}

static void test_exec_timeout_cancels(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];

	(void)state;
	calls = 0;
	/* nobody runs s: the request times out and must never run afterwards */
	assert_int_equal(bl_sched_exec(s, count_fn, NULL, 5), -ETIMEDOUT);
	(void)bl_sched_run(s, 1);
	assert_int_equal(calls, 0);
	world_free(w);
}

static void test_invalid_config(void **state)
{
	struct bl_sched_set set;
	struct bl_sched_config cfg = { 0 };
	struct bl_sched *s;

	(void)state;
	bl_sched_set_init(&set);
	assert_null(bl_sched_create(0, 1, &cfg)); /* no set */
	assert_int_equal(errno, EINVAL);
	cfg.set = &set;
	cfg.ring_size = 1000; /* not a power of two */
	assert_null(bl_sched_create(0, 1, &cfg));
	assert_int_equal(errno, EINVAL);
	cfg.ring_size = 0;
	s = bl_sched_create(0, 1, &cfg);
	assert_non_null(s);
	assert_null(bl_sched_create(0, 1, &cfg));
	assert_int_equal(errno, EEXIST);
	bl_sched_destroy(s);
}

/* --- two lcores --- */

static void test_cross_lcore_order_and_commands(void **state)
{
	enum { N = 20000 };
	struct bl_sched_config cfg = { .ring_size = 256, .mailbox_limit = 4096 };
	struct world *w;
	struct worker wk = { 0 };
	struct cnt k = { 0 };
	struct bl_proc_info info[4];
	unsigned n = 0, total = 0, i;
	uint64_t pid, ok = 0;
	struct bl_sched_totals t;
	struct rte_mbuf *m;

	(void)state;
	if (rte_lcore_count() < 2) {
		skip();
		return;
	}
	w = world_new(2, &cfg, true);
	wk.s = w->s[1];
	assert_int_equal(rte_eal_remote_launch(worker_main, &wk, w->s[1]->lcore), 0);
	/* from the control side (main thread), through the command ring */
	pid = bl_sched_spawn_on(w->s[1], &cnt_beh, &k, NULL, 0);
	assert_int_not_equal(pid, BL_PID_NONE);
	assert_int_equal(bl_pid_lcore(pid), w->s[1]->lcore);
	m = world_mbuf(w, 8); /* one frame, a reference per message in flight */
	for (i = 0; i < N; i++) {
		int rc;

		/* ordered per sender even when the ring fills: retry the same key */
		while ((rc = bl_sched_deliver(w->s[0], pid, ok, 0, m, 0, 8, 0)) != 0) {
			assert_int_equal(rc, -ENOBUFS);
			usleep(1);
		}
		ok++;
	}
	rte_pktmbuf_free(m);
	assert_true(wait_for_u64(&k.n, N, w->s[0]));
	assert_int_equal(k.bad, 0);
	/* process info through the command ring, answered by the lcore */
	assert_int_equal(bl_sched_ps(w->s[1], info, 4, &n, &total, 0), 0);
	assert_int_equal(n, 1);
	assert_int_equal(total, 1);
	assert_int_equal(info[0].pid, pid);
	assert_int_equal(info[0].reductions, N);
	assert_string_equal(info[0].behaviour, "cnt");
	/* a post and a kill from the control side */
	assert_int_equal(bl_sched_post(w->s[1], pid, N, "hello", 5), 0);
	assert_true(wait_for_u64(&k.n, N + 1, NULL));
	assert_int_equal(bl_sched_kill_on(w->s[1], pid, bl_reason_make(BL_EXIT_KILL)), 0);
	for (i = 0; i < 10000000; i++) {
		bl_sched_totals(w->s[1], &t);
		if (t.procs == 0)
			break;
		usleep(1);
	}
	assert_int_equal(t.procs, 0);
	assert_int_equal(t.spawned, 1);
	assert_int_equal(t.exited, 1);
	assert_int_equal(k.terminated, 1);
	__atomic_store_n(&wk.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(w->s[1]->lcore);
	assert_int_equal(rte_mempool_in_use_count(w->pool), 0);
	sched_assert_idle(w->s[1]);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_and_fairness),
		cmocka_unit_test(test_self_flood_does_not_starve),
		cmocka_unit_test(test_self_sends_keep_run_queue_sound),
		cmocka_unit_test(test_spawn_refused),
		cmocka_unit_test(test_exec_timeout_cancels),
		cmocka_unit_test(test_invalid_config),
		cmocka_unit_test(test_cross_lcore_order_and_commands),
	};

	if (actors_test_eal("sched", "0-1") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
