/* SPDX-License-Identifier: BSD-3-Clause */
/* Binaries: zero-copy fan-out, refcounts, pinning, unpinning, pools back full. */
#include "actors_test.h"

struct sink {
	uint32_t n;
	const uint8_t *last_data; /* where the payload was seen */
	uint32_t last_len;
	struct bl_kbin *kept;
	uint32_t pinned_after_keep;
	uint32_t pinned_after_copy;
	int bad;
};

static int sink_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void sink_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct sink *k = (struct sink *)bl_state(c);
	const uint8_t *d = bl_msg_data(m);
	uint32_t i;

	k->n++;
	k->last_data = d;
	k->last_len = bl_msg_len(m);
	for (i = 0; i < bl_msg_len(m); i++)
		if (d[i] != (uint8_t)(i + m->key))
			k->bad++;
	if (m->key == 100) {
		/* keep a 16-byte slice of a big frame: pins the whole buffer */
		struct bl_bin sub;

		assert_int_equal(bl_bin_sub(&m->bin, 100, 16, &sub), 0);
		assert_int_equal(bl_bin_sub(&m->bin, 100, 100000, &sub), -ERANGE);
		k->kept = bl_bin_keep(c, &sub);
		assert_non_null(k->kept);
		/* the message's own reference is still counted until it is done */
		k->pinned_after_keep = c->p->pinned_bytes;
	} else if (m->key == 101) {
		k->kept = bl_bin_copy(c, k->kept);
		assert_non_null(k->kept);
		assert_null(k->kept->bin.m);
		assert_int_equal(bl_kbin_len(k->kept), 16);
		for (i = 0; i < 16; i++)
			assert_int_equal(bl_kbin_data(k->kept)[i], (uint8_t)(100 + 100 + i));
		k->pinned_after_copy = c->p->pinned_bytes;
	} else if (m->key == 102) {
		bl_bin_drop(c, k->kept);
		k->kept = NULL;
	}
}

static const struct bl_behaviour sink_beh = {
	.name = "sink",
	.init = sink_init,
	.handle_message = sink_msg,
};

/* Payload value at offset i is i: the sink checks (i + key), so key 0. */
static void test_fanout_zero_copy(void **state)
{
	enum { N = 200 };
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct sink *k = (struct sink *)calloc(N, sizeof(*k));
	uint64_t pids[N];
	struct rte_mbuf *m;
	unsigned i;

	(void)state;
	for (i = 0; i < N; i++)
		pids[i] = bl_proc_spawn(s, &sink_beh, &k[i], NULL);
	m = world_mbuf(w, 1500);
	assert_int_equal(bl_sched_deliver_burst(s, pids, N, 0, 0, m, 0, 1500, 0), N);
	/* N references plus ours, no copy yet */
	assert_int_equal(rte_mbuf_refcnt_read(m), N + 1);
	assert_int_equal(s->pinned_total, (uint64_t)N * m->buf_len);
	world_settle(s);
	for (i = 0; i < N; i++) {
		assert_int_equal(k[i].n, 1);
		assert_int_equal(k[i].bad, 0);
		assert_int_equal(k[i].last_len, 1500);
		/* every receiver read the rx buffer itself */
		assert_ptr_equal(k[i].last_data, rte_pktmbuf_mtod(m, const uint8_t *));
	}
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	assert_int_equal(s->pinned_total, 0);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_in_use_count(w->pool), 0);

	/* A dead receiver in the list is a counted drop and its reference goes back. */
	m = world_mbuf(w, 1500);
	assert_int_equal(bl_proc_kill(s, pids[7], bl_reason_make(BL_EXIT_KILL)), 0);
	world_settle(s);
	assert_int_equal(bl_sched_deliver_burst(s, pids, N, 0, 0, m, 0, 1500, 0), N - 1);
	assert_int_equal(s->drops[BL_SDROP_DEAD_PID], 1);
	assert_int_equal(rte_mbuf_refcnt_read(m), N);
	world_settle(s);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	rte_pktmbuf_free(m);
	world_free(w);
	free(k);
}

static void test_small_payload_copied(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct sink k = { 0 };
	uint64_t pid = bl_proc_spawn(s, &sink_beh, &k, NULL);
	struct rte_mbuf *m = world_mbuf(w, 64);
	struct bl_proc *p = bl_proc_lookup(s, pid);

	(void)state;
	assert_int_equal(bl_sched_deliver(s, pid, 0, 0, m, 0, 64, 0), 0);
	/* copied into the receiver: no reference taken, nothing pinned */
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	assert_int_equal(p->pinned_bytes, 0);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_in_use_count(w->pool), 0);
	world_settle(s);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.bad, 0);
	assert_int_equal(k.last_len, 64);
	world_free(w);
}

static void test_pin_slice_then_copy(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct sink k = { 0 };
	uint64_t pid = bl_proc_spawn(s, &sink_beh, &k, NULL);
	struct bl_proc *p = bl_proc_lookup(s, pid);
	struct rte_mbuf *m = world_mbuf(w, 9000);
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	unsigned i;

	(void)state;
	/* the sink checks byte i == i + key over a 1000-byte message at offset 0 */
	for (i = 0; i < 1000; i++)
		d[i] = (uint8_t)(i + 100);
	assert_true(m->buf_len >= 9000);
	assert_int_equal(bl_sched_deliver(s, pid, 100, 0, m, 0, 1000, 0), 0);
	rte_pktmbuf_free(m); /* the "rx" reference: only the process holds it now */
	world_settle(s);
	assert_int_equal(k.bad, 0);
	/* 16 bytes kept, the whole ~9 KB buffer pinned (twice while the message lived) */
	assert_int_equal(k.pinned_after_keep, 2 * m->buf_len);
	assert_int_equal(p->pinned_bytes, m->buf_len);
	assert_int_equal(s->pinned_total, m->buf_len);
	assert_int_equal(rte_mempool_in_use_count(w->pool), 1);
	/* bl_bin_copy unpins: the frame goes back to its pool */
	assert_int_equal(bl_sched_deliver(s, pid, 101, 0, NULL, 0, 0, 0), 0);
	world_settle(s);
	assert_int_equal(k.pinned_after_copy, 0);
	assert_int_equal(p->pinned_bytes, 0);
	assert_int_equal(rte_mempool_in_use_count(w->pool), 0);
	assert_int_equal(bl_sched_deliver(s, pid, 102, 0, NULL, 0, 0, 0), 0);
	world_settle(s);
	assert_null(k.kept);
	world_free(w);
}

static void test_kept_binary_released_at_exit(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct sink k = { 0 };
	uint64_t pid = bl_proc_spawn(s, &sink_beh, &k, NULL);
	struct rte_mbuf *m = world_mbuf(w, 2000);
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	unsigned i;

	(void)state;
	for (i = 0; i < 2000; i++)
		d[i] = (uint8_t)(i + 100);
	assert_int_equal(bl_sched_deliver(s, pid, 100, 0, m, 0, 2000, 0), 0);
	rte_pktmbuf_free(m);
	world_settle(s);
	assert_int_equal(rte_mempool_in_use_count(w->pool), 1);
	/* A mailbox full of big messages also holds references: exit drops them all. */
	for (i = 0; i < 5; i++) {
		struct rte_mbuf *m2 = world_mbuf(w, 500);

		assert_int_equal(bl_sched_deliver(s, pid, 0, 0, m2, 0, 500, 0), 0);
		rte_pktmbuf_free(m2);
	}
	assert_int_equal(rte_mempool_in_use_count(w->pool), 6);
	assert_int_equal(bl_proc_kill(s, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	world_settle(s);
	assert_int_equal(rte_mempool_in_use_count(w->pool), 0);
	sched_assert_idle(s);
	world_free(w);
}

static void test_cross_lcore_refs(void **state);

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fanout_zero_copy),
		cmocka_unit_test(test_small_payload_copied),
		cmocka_unit_test(test_pin_slice_then_copy),
		cmocka_unit_test(test_kept_binary_released_at_exit),
		cmocka_unit_test(test_cross_lcore_refs),
	};

	if (actors_test_eal("bin", "0-1") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* A big message to another lcore travels by reference and comes back to the pool. */
static void test_cross_lcore_refs(void **state)
{
	struct world *w;
	struct worker wk = { 0 };
	struct sink k = { 0 };
	uint64_t pid;
	unsigned i;

	(void)state;
	if (rte_lcore_count() < 2) {
		skip();
		return;
	}
	w = world_new(2, NULL, true);
	pid = bl_proc_spawn(w->s[1], &sink_beh, &k, NULL); /* before the worker owns it */
	wk.s = w->s[1];
	assert_int_equal(rte_eal_remote_launch(worker_main, &wk, w->s[1]->lcore), 0);
	for (i = 0; i < 100; i++) {
		struct rte_mbuf *m = world_mbuf(w, 1000);

		assert_int_equal(bl_sched_deliver(w->s[0], pid, 0, 0, m, 0, 1000, 0), 0);
		rte_pktmbuf_free(m);
	}
	bl_sched_flush(w->s[0]); /* sends outside a pass are buffered until a flush */
	{
		unsigned long spin;

		/* bounded wait for the worker, not a timing assertion */
		for (spin = 0; spin < 20000000ul && __atomic_load_n(&k.n, __ATOMIC_ACQUIRE) != 100;
		     spin++)
			usleep(1);
	}
	assert_int_equal(__atomic_load_n(&k.n, __ATOMIC_ACQUIRE), 100);
	__atomic_store_n(&wk.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(w->s[1]->lcore);
	assert_int_equal(k.bad, 0);
	assert_int_equal(rte_mempool_in_use_count(w->pool), 0);
	world_free(w);
}
