/* SPDX-License-Identifier: BSD-3-Clause */
/* Built-in behaviours: counter, relay (pid and name), forward and echo via a recording TX. */
#include <urcu-qsbr.h>

#include "actors_test.h"

/* The recording transmit callback: what the dataplane would have sent. */
struct txrec {
	unsigned n;
	uint64_t dest[16];
	uint64_t key[16];
	uint32_t len[16];
	const struct rte_mbuf *mbuf[16]; /* the payload's mbuf (NULL: inline copy) */
	uint8_t first[16];
	int fail;
};

static int rec_tx(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *m)
{
	struct txrec *t = (struct txrec *)arg;

	(void)lcore;
	if (t->fail)
		return -ENOBUFS;
	if (t->n < 16) {
		t->dest[t->n] = dest;
		t->key[t->n] = m->key;
		t->len[t->n] = bl_msg_len(m);
		t->mbuf[t->n] = m->bin.m;
		t->first[t->n] = bl_msg_len(m) ? bl_msg_data(m)[0] : 0;
	}
	t->n++;
	return 0;
}

static struct world *tx_world(struct txrec *t, struct bl_registry *r)
{
	struct bl_sched_config cfg = { 0 };

	cfg.tx.fn = rec_tx;
	cfg.tx.arg = t;
	cfg.registry = r;
	return world_new(1, &cfg, false);
}

static void test_counter(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_counter_args a = { .max_keys = 4 };
	uint64_t pid = bl_proc_spawn(s, &bl_counter_behaviour, &a, NULL);
	uint64_t msgs, bytes, other;
	struct rte_mbuf *m = world_mbuf(w, 300);
	unsigned i;

	(void)state;
	assert_int_not_equal(pid, BL_PID_NONE);
	for (i = 0; i < 30; i++)
		assert_int_equal(bl_sched_deliver(s, pid, i % 6, 0, m, 0, 10 * (i % 6), 0), 0);
	assert_int_equal(bl_sched_deliver(s, pid, 1, 0, m, 0, 300, 0), 0);
	world_settle(s);
	assert_int_equal(bl_counter_get(bl_proc_state(s, pid), 1, &msgs, &bytes), 0);
	assert_int_equal(msgs, 6);
	assert_int_equal(bytes, 5 * 10 + 300);
	assert_int_equal(bl_counter_get(bl_proc_state(s, pid), 3, &msgs, &bytes), 0);
	assert_int_equal(msgs, 5);
	assert_int_equal(bytes, 150);
	/* only four keys are counted one by one; the rest go to "other" */
	assert_int_equal(bl_counter_get(bl_proc_state(s, pid), 5, &msgs, &bytes), -ENOENT);
	bl_counter_totals(bl_proc_state(s, pid), &msgs, &bytes, &other);
	assert_int_equal(msgs, 31);
	assert_int_equal(other, 10);
	{
		struct bl_counter_args huge = { .max_keys = 1u << 20 };

		assert_int_equal(bl_proc_spawn(s, &bl_counter_behaviour, &huge, NULL), BL_PID_NONE);
		assert_int_equal(errno, EINVAL);
	}
	rte_pktmbuf_free(m);
	world_free(w);
}

static void test_relay_by_pid_and_name(void **state)
{
	struct bl_registry *r = bl_registry_create(8);
	struct txrec t = { 0 };
	struct world *w = tx_world(&t, r);
	struct bl_sched *s = w->s[0];
	uint64_t c1 = bl_proc_spawn(s, &bl_counter_behaviour, NULL, NULL);
	uint64_t c2 = bl_proc_spawn(s, &bl_counter_behaviour, NULL, NULL);
	struct bl_relay_args byp = { .to_pid = c1 };
	struct bl_relay_args byn = { .to_name = "sink" };
	uint64_t r1 = bl_proc_spawn(s, &bl_relay_behaviour, &byp, NULL);
	uint64_t r2 = bl_proc_spawn(s, &bl_relay_behaviour, &byn, NULL);
	struct rte_mbuf *m = world_mbuf(w, 1000);
	uint64_t msgs, bytes, relayed, failed;

	(void)state;
	assert_int_not_equal(r1, BL_PID_NONE);
	assert_int_not_equal(r2, BL_PID_NONE);
	assert_int_equal(bl_sched_deliver(s, r1, 5, 0, m, 0, 1000, 0), 0);
	world_settle(s);
	assert_int_equal(bl_counter_get(bl_proc_state(s, c1), 5, &msgs, &bytes), 0);
	assert_int_equal(bytes, 1000);
	/* by name: unbound first (a counted drop), then bound, then rebound */
	assert_int_equal(bl_sched_deliver(s, r2, 6, 0, m, 0, 1000, 0), 0);
	world_settle(s);
	assert_int_equal(s->drops[BL_SDROP_DEAD_PID], 1);
	assert_int_equal(bl_registry_register(r, "sink", 8, c1), 0);
	assert_int_equal(bl_sched_deliver(s, r2, 6, 0, m, 0, 1000, 0), 0);
	world_settle(s);
	assert_int_equal(bl_counter_get(bl_proc_state(s, c1), 6, &msgs, NULL), 0);
	assert_int_equal(msgs, 1);
	assert_int_equal(bl_registry_set(r, "sink", 8, c2), 0);
	assert_int_equal(bl_sched_deliver(s, r2, 6, 0, m, 0, 1000, 0), 0);
	world_settle(s);
	assert_int_equal(bl_counter_get(bl_proc_state(s, c2), 6, &msgs, NULL), 0);
	bl_relay_stats(bl_proc_state(s, r2), &relayed, &failed);
	assert_int_equal(relayed, 2);
	assert_int_equal(failed, 1);
	/* a relay without a target is refused */
	{
		struct bl_relay_args none = { 0 };

		assert_int_equal(bl_proc_spawn(s, &bl_relay_behaviour, &none, NULL), BL_PID_NONE);
	}
	rte_pktmbuf_free(m);
	world_free(w);
	bl_registry_destroy(r);
}

static void test_forward_and_echo(void **state)
{
	struct txrec t = { 0 };
	struct world *w = tx_world(&t, NULL);
	struct bl_sched *s = w->s[0];
	struct bl_forward_args fa = { .dest = 77 };
	uint64_t fwd = bl_proc_spawn(s, &bl_forward_behaviour, &fa, NULL);
	uint64_t echo = bl_proc_spawn(s, &bl_echo_behaviour, NULL, NULL);
	uint64_t cnt = bl_proc_spawn(s, &bl_counter_behaviour, NULL, NULL);
	struct rte_mbuf *m = world_mbuf(w, 1500);
	uint64_t msgs, bytes;

	(void)state;
	assert_int_not_equal(fwd, BL_PID_NONE);
	/* forward: the frame itself goes to TX, no copy */
	assert_int_equal(bl_sched_deliver(s, fwd, 9, 0, m, 0, 1500, 0), 0);
	world_settle(s);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.dest[0], 77);
	assert_int_equal(t.key[0], 9);
	assert_int_equal(t.len[0], 1500);
	assert_ptr_equal(t.mbuf[0], m);
	/* echo from the network: back to the source token */
	assert_int_equal(bl_sched_deliver(s, echo, 10, 0xabcd, m, 4, 20, BL_MSG_F_NET), 0);
	world_settle(s);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.dest[1], 0xabcd);
	assert_int_equal(t.len[1], 20);
	assert_int_equal(t.first[1], 4);
	/* echo from a process: back to it, by reference */
	assert_int_equal(bl_sched_deliver(s, echo, 11, cnt, m, 0, 1500, 0), 0);
	world_settle(s);
	assert_int_equal(bl_counter_get(bl_proc_state(s, cnt), 11, &msgs, &bytes), 0);
	assert_int_equal(bytes, 1500);
	/* a failing TX is a counted drop */
	t.fail = 1;
	assert_int_equal(bl_sched_deliver(s, fwd, 9, 0, m, 0, 1500, 0), 0);
	world_settle(s);
	assert_int_equal(s->drops[BL_SDROP_TX_FAILED], 1);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	rte_pktmbuf_free(m);
	world_free(w);
	/* forward without a TX path is refused */
	w = world_new(1, NULL, false);
	assert_int_equal(bl_proc_spawn(w->s[0], &bl_forward_behaviour, &fa, NULL), BL_PID_NONE);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_relay_by_pid_and_name),
		cmocka_unit_test(test_forward_and_echo),
	};
	int rc;

	if (actors_test_eal("behaviours", "0") != 0)
		return 1;
	rcu_register_thread();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rcu_unregister_thread();
	return rc;
}
