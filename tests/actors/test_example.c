/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The example behaviour of the docs (docs/examples/meter.c), built and run:
 * it counts, keeps the last payload (pinned by reference when large),
 * reports to its collector after a second of quiet, answers a question with
 * what it kept, and gives every mbuf and chunk back when it exits.
 */
#include "actors_test.h"

#include "../../docs/examples/meter.c"

struct collector {
	uint64_t reports, last_count;
	uint64_t answers;
	uint32_t answer_len;
	uint8_t answer[256];
};

static void collector_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct collector *k = bl_state(c);

	if (m->key == 1 && bl_msg_len(m) == 8) {
		memcpy(&k->last_count, bl_msg_data(m), 8);
		k->reports++;
	} else if (m->key == 0) {
		k->answers++;
		k->answer_len = bl_msg_len(m) < sizeof(k->answer) ? bl_msg_len(m) : 0;
		memcpy(k->answer, bl_msg_data(m), k->answer_len);
	}
}

static int collector_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static const struct bl_behaviour collector_behaviour = {
	.name = "collector",
	.init = collector_init,
	.handle_message = collector_msg,
};

static void test_meter(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct collector k = { 0 };
	struct meter_args a;
	struct bl_proc_info info;
	struct rte_mbuf *m;
	uint64_t col, met;
	unsigned avail = rte_mempool_avail_count(w->pool);
	int i;

	(void)state;
	col = bl_proc_spawn(s, &collector_behaviour, &k, NULL);
	assert_int_not_equal(col, BL_PID_NONE);
	a.collector = col;
	met = bl_proc_spawn(s, &meter_behaviour, &a, NULL);
	assert_int_not_equal(met, BL_PID_NONE);

	/* Three 200-byte messages from the wire: each kept by reference in turn. */
	for (i = 0; i < 3; i++) {
		m = world_mbuf(w, 200);
		assert_int_equal(bl_sched_deliver(s, met, 7, 0, m, 0, 200, BL_MSG_F_NET), 0);
		rte_pktmbuf_free(m); /* the runtime holds its own reference */
		world_settle(s);
	}
	assert_int_equal(bl_proc_info_get(s, met, &info), 0);
	assert_int_equal(info.reductions, 3);
	assert_int_equal(info.pinned_bytes, bl_bin_pin_size(m)); /* the last one only */
	assert_int_equal(rte_mempool_avail_count(w->pool), avail - 1);

	/* A question from the collector: the kept payload comes back. */
	assert_int_equal(bl_sched_deliver(s, met, 0, col, NULL, 0, 0, 0), 0);
	world_settle(s);
	assert_int_equal(k.answers, 1);
	assert_int_equal(k.answer_len, 200);
	assert_int_equal(k.answer[199], 199);

	/* A second of quiet: the report, then hibernation. */
	w->now += 1000;
	world_settle(s);
	assert_int_equal(k.reports, 1);
	assert_int_equal(k.last_count, 3);
	assert_int_equal(bl_proc_info_get(s, met, &info), 0);
	assert_int_equal(info.status, BL_PROC_HIBERNATING);

	/* Exit: the pinned mbuf goes back to its pool, every chunk to the lcore. */
	assert_int_equal(bl_proc_kill(s, met, bl_reason_make(BL_EXIT_KILLED)), 0);
	assert_int_equal(bl_proc_kill(s, col, bl_reason_make(BL_EXIT_KILLED)), 0);
	world_settle(s);
	assert_int_equal(rte_mempool_avail_count(w->pool), avail);
	sched_assert_idle(s);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meter),
	};

	if (actors_test_eal("example", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
