/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * batch (actors/batch.c): a batch leaves when it holds max messages, or
 * wait_ms after its first; it carries every message's key and bytes in
 * order; what it holds at exit goes on; a missing target is counted.
 */
#include "actors_test.h"

struct sink {
	unsigned batches, msgs;
	uint64_t keys[64];
	uint32_t lens[64];
	uint64_t last_count;
};

static int sink_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void sink_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct sink *st = bl_state(c);
	const uint8_t *d;
	uint32_t off = 0, dlen;
	uint64_t key;

	st->batches++;
	st->last_count = m->key;
	while (bl_batch_next(bl_msg_data(m), bl_msg_len(m), &off, &key, &d, &dlen)) {
		if (st->msgs < 64) {
			st->keys[st->msgs] = key;
			st->lens[st->msgs] = dlen;
		}
		for (uint32_t i = 0; i < dlen; i++)
			assert_int_equal(d[i], (uint8_t)i);
		st->msgs++;
	}
	assert_int_equal(off, bl_msg_len(m));
}

static const struct bl_behaviour sink_beh = {
	.name = "sink",
	.init = sink_init,
	.handle_message = sink_msg,
};

static void put(struct world *w, uint64_t pid, uint64_t key, uint32_t len)
{
	struct rte_mbuf *m = world_mbuf(w, len);

	assert_int_equal(bl_sched_deliver(w->s[0], pid, key, 0, m, 0, len, 0), 0);
	rte_pktmbuf_free(m);
}

static void test_count_and_time(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct sink sk = { 0 };
	uint64_t to = bl_proc_spawn(s, &sink_beh, &sk, NULL);
	struct bl_batch_args a = { .to = { .pid = to }, .max = 4, .wait_ms = 5 };
	uint64_t b = bl_proc_spawn(s, &bl_batch_behaviour, &a, NULL);
	unsigned i;

	(void)state;
	assert_int_not_equal(b, BL_PID_NONE);
	for (i = 0; i < 10; i++)
		put(w, b, 100 + i, i * 10);
	world_settle(s);
	assert_int_equal(sk.batches, 2); /* two full ones; two messages wait */
	assert_int_equal(sk.msgs, 8);
	assert_int_equal(sk.last_count, 4);
	w->now += 4;
	world_settle(s);
	assert_int_equal(sk.batches, 2);
	w->now += 1;
	world_settle(s);
	assert_int_equal(sk.batches, 3); /* the timer's */
	assert_int_equal(sk.last_count, 2);
	for (i = 0; i < 10; i++) {
		assert_int_equal(sk.keys[i], 100 + i);
		assert_int_equal(sk.lens[i], i * 10);
	}
	/* What it holds at exit goes on. */
	put(w, b, 7, 3);
	world_settle(s);
	assert_int_equal(bl_proc_kill(s, b, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	assert_int_equal(sk.batches, 4);
	assert_int_equal(sk.keys[10], 7);
	world_free(w);
}

/* Bytes fill a batch before its count does: it leaves early. */
static void test_full_by_bytes(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct sink sk = { 0 };
	uint64_t to = bl_proc_spawn(s, &sink_beh, &sk, NULL);
	struct bl_batch_args a = { .to = { .pid = to }, .max = 100, .wait_ms = 1000 };
	uint64_t b = bl_proc_spawn(s, &bl_batch_behaviour, &a, NULL);
	unsigned i;

	(void)state;
	for (i = 0; i < 5; i++)
		put(w, b, i, 600);
	world_settle(s);
	assert_int_equal(sk.batches, 1); /* 3 x 616 bytes fit, the 4th does not */
	assert_int_equal(sk.msgs, 3);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_and_time),
		cmocka_unit_test(test_full_by_bytes),
	};

	if (actors_test_eal("batch", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
