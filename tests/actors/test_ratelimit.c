/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit (actors/ratelimit.c): the rate holds within 2% over a long run
 * of the scheduler's clock; buckets per key are separate; over the limit a
 * message is dropped and counted, or queued and let through in order as
 * tokens come; the behaviour's figures reach info.
 */
#include "actors_test.h"

struct sink {
	uint64_t got;
	uint64_t keys[256];
};

static int sink_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void sink_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct sink *st = bl_state(c);

	if (st->got < 256)
		st->keys[st->got] = m->key;
	st->got++;
}

static const struct bl_behaviour sink_beh = {
	.name = "sink",
	.init = sink_init,
	.handle_message = sink_msg,
};

static uint64_t figure(struct bl_sched *s, uint64_t pid, const char *name)
{
	struct bl_proc *p = bl_proc_lookup(s, pid);
	struct bl_info_kv kv[8];
	unsigned i, n;

	assert_non_null(p);
	n = p->beh->info(p->state, kv, 8);
	for (i = 0; i < n; i++)
		if (strcmp(kv[i].name, name) == 0)
			return kv[i].value;
	fail_msg("no figure %s", name);
	return 0;
}

/* 2000 messages a second for 60 s of clock into 1000 a second. */
static void test_rate_holds(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct sink sk = { 0 };
	uint64_t to = bl_proc_spawn(s, &sink_beh, &sk, NULL);
	struct bl_ratelimit_args a = {
		.to = { .pid = to }, .rate = 1000, .burst = 20, .per = BL_RL_PER_ALL
	};
	uint64_t rl = bl_proc_spawn(s, &bl_ratelimit_behaviour, &a, NULL);
	unsigned ms, i;
	double want = 20 + 1000.0 * 60;

	(void)state;
	assert_int_not_equal(rl, BL_PID_NONE);
	for (ms = 0; ms < 60000; ms++) {
		for (i = 0; i < 2; i++)
			assert_int_equal(bl_sched_deliver(s, rl, ms * 2 + i, 0, NULL, 0, 0, 0), 0);
		world_settle(s);
		w->now++;
	}
	assert_true(sk.got > want * 0.98 && sk.got < want * 1.02);
	assert_int_equal(figure(s, rl, "passed"), sk.got);
	assert_int_equal(figure(s, rl, "limited"), 120000 - sk.got);
	world_free(w);
}

/* Per key: one key's flood leaves another key its own tokens. */
static void test_per_key(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct sink sk = { 0 };
	uint64_t to = bl_proc_spawn(s, &sink_beh, &sk, NULL);
	struct bl_ratelimit_args a = { .to = { .pid = to }, .rate = 10, .burst = 5 };
	uint64_t rl = bl_proc_spawn(s, &bl_ratelimit_behaviour, &a, NULL);
	unsigned i;

	(void)state;
	for (i = 0; i < 50; i++)
		bl_sched_deliver(s, rl, 1, 0, NULL, 0, 0, 0);
	for (i = 0; i < 5; i++)
		bl_sched_deliver(s, rl, 2, 0, NULL, 0, 0, 0);
	world_settle(s);
	assert_int_equal(sk.got, 10); /* 5 of key 1, all 5 of key 2 */
	assert_int_equal(figure(s, rl, "limited"), 45);
	assert_int_equal(figure(s, rl, "buckets"), 2);
	world_free(w);
}

/* Queued: the burst goes at once, the rest at the rate, in order; past the
 * queue's bound, counted. */
static void test_queue_in_order(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct sink sk = { 0 };
	uint64_t to = bl_proc_spawn(s, &sink_beh, &sk, NULL);
	struct bl_ratelimit_args a = {
		.to = { .pid = to }, .rate = 100, .burst = 5, .queue = 50, .per = BL_RL_PER_ALL
	};
	uint64_t rl = bl_proc_spawn(s, &bl_ratelimit_behaviour, &a, NULL);
	unsigned i;

	(void)state;
	for (i = 0; i < 60; i++)
		bl_sched_deliver(s, rl, i, 0, NULL, 0, 0, 0);
	world_settle(s);
	assert_int_equal(sk.got, 5);
	assert_int_equal(figure(s, rl, "waiting"), 50);
	assert_int_equal(figure(s, rl, "limited"), 5);
	for (i = 0; i < 600; i++) {
		w->now++;
		world_settle(s);
	}
	assert_int_equal(sk.got, 55);
	assert_int_equal(figure(s, rl, "waiting"), 0);
	for (i = 0; i < 55; i++)
		assert_int_equal(sk.keys[i], i);
	world_free(w);
}

static void test_refusals(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_ratelimit_args none = { .rate = 0, .to = { .pid = 1 } };
	struct bl_ratelimit_args noto = { .rate = 10 };

	(void)state;
	assert_int_equal(bl_proc_spawn(s, &bl_ratelimit_behaviour, &none, NULL), BL_PID_NONE);
	assert_int_equal(bl_proc_spawn(s, &bl_ratelimit_behaviour, &noto, NULL), BL_PID_NONE);
	assert_int_equal(bl_proc_spawn(s, &bl_ratelimit_behaviour, NULL, NULL), BL_PID_NONE);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_holds),
		cmocka_unit_test(test_per_key),
		cmocka_unit_test(test_queue_in_order),
		cmocka_unit_test(test_refusals),
	};

	if (actors_test_eal("ratelimit", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
