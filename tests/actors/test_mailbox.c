/* SPDX-License-Identifier: BSD-3-Clause */
/* Mailboxes: FIFO, limits, each overflow policy, stale pids. */
#include "actors_test.h"

struct rec {
	uint64_t keys[64];
	uint32_t n;
	struct bl_reason why;
	int terminated;
};

static int rec_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void rec_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct rec *r = (struct rec *)bl_state(c);

	if (r->n < 64)
		r->keys[r->n] = m->key;
	r->n++;
}

static void rec_terminate(struct bl_ctx *c, struct bl_reason why)
{
	struct rec *r = (struct rec *)bl_state(c);

	r->why = why;
	r->terminated++;
}

static const struct bl_behaviour rec_beh = {
	.name = "rec",
	.init = rec_init,
	.handle_message = rec_msg,
	.terminate = rec_terminate,
};

static uint64_t spawn_policy(struct bl_sched *s, struct rec *r, enum bl_overflow pol)
{
	struct bl_spawn_opts o = { .mailbox_limit = 4, .overflow = (uint8_t)(pol + 1) };

	return bl_proc_spawn(s, &rec_beh, r, &o);
}

static void test_mailbox_unit(void **state)
{
	struct bl_msg_pool pool;
	struct bl_mailbox mb = { NULL, NULL, 0, 2 };
	struct bl_msg *a, *b, *c, *victim = NULL;

	(void)state;
	assert_int_equal(bl_msg_pool_init(&pool, 3), 0);
	a = bl_msg_alloc(&pool);
	b = bl_msg_alloc(&pool);
	c = bl_msg_alloc(&pool);
	assert_non_null(c);
	assert_null(bl_msg_alloc(&pool));
	a->bin.m = b->bin.m = c->bin.m = NULL;
	assert_int_equal(bl_mailbox_push(&mb, a, BL_OVERFLOW_DROP_OLDEST, &victim), BL_MBOX_OK);
	assert_int_equal(bl_mailbox_push(&mb, b, BL_OVERFLOW_DROP_OLDEST, &victim), BL_MBOX_OK);
	assert_int_equal(bl_mailbox_push(&mb, c, BL_OVERFLOW_DROP_OLDEST, &victim),
			 BL_MBOX_DROPPED_OLDEST);
	assert_ptr_equal(victim, a);
	assert_int_equal(mb.len, 2);
	assert_ptr_equal(bl_mailbox_pop(&mb), b);
	assert_ptr_equal(bl_mailbox_pop(&mb), c);
	assert_null(bl_mailbox_pop(&mb));
	assert_null(mb.tail);
	bl_msg_free(&pool, a);
	bl_msg_free(&pool, b);
	bl_msg_free(&pool, c);
	assert_int_equal(bl_msg_pool_in_use(&pool), 0);
	bl_msg_pool_fini(&pool);
}

static void test_drop_newest(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = spawn_policy(s, &r, BL_OVERFLOW_DROP_NEWEST);
	unsigned i;

	(void)state;
	for (i = 0; i < 10; i++)
		(void)bl_sched_deliver(s, pid, i, 0, NULL, 0, 0, 0);
	assert_int_equal(bl_proc_lookup(s, pid)->mbox.len, 4);
	assert_int_equal(bl_proc_lookup(s, pid)->drops, 6);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL], 6);
	world_settle(s);
	assert_int_equal(r.n, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(r.keys[i], i);
	world_free(w);
	assert_int_equal(r.why.code, BL_EXIT_SHUTDOWN);
}

static void test_drop_oldest(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = spawn_policy(s, &r, BL_OVERFLOW_DROP_OLDEST);
	unsigned i;

	(void)state;
	for (i = 0; i < 10; i++) {
		struct rte_mbuf *m = world_mbuf(w, 200); /* by reference: drops must release */

		assert_int_equal(bl_sched_deliver(s, pid, i, 0, m, 0, 200, 0), 0);
		rte_pktmbuf_free(m);
	}
	assert_int_equal(rte_mempool_in_use_count(w->pool), 4);
	assert_int_equal(bl_proc_lookup(s, pid)->drops, 6);
	world_settle(s);
	assert_int_equal(r.n, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(r.keys[i], 6 + i);
	assert_int_equal(rte_mempool_in_use_count(w->pool), 0);
	world_free(w);
}

static void test_kill_on_overflow(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = spawn_policy(s, &r, BL_OVERFLOW_KILL);
	unsigned i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(bl_sched_deliver(s, pid, i, 0, NULL, 0, 0, 0), 0);
	assert_int_equal(bl_sched_deliver(s, pid, 4, 0, NULL, 0, 0, 0), -ENOBUFS);
	/* from now on the pid is dead for senders */
	assert_int_equal(bl_sched_deliver(s, pid, 5, 0, NULL, 0, 0, 0), -ESRCH);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL], 1);
	assert_int_equal(s->drops[BL_SDROP_DEAD_PID], 1);
	world_settle(s);
	assert_int_equal(r.terminated, 1);
	assert_int_equal(r.why.code, BL_EXIT_MAILBOX_OVERFLOW);
	assert_int_equal(r.n, 0); /* killed before it ran */
	sched_assert_idle(s);
	world_free(w);
}

static void test_stale_pid(void **state)
{
	struct bl_sched_config cfg = { .max_procs = 1 };
	struct world *w = world_new(1, &cfg, false);
	struct bl_sched *s = w->s[0];
	struct rec r1 = { 0 }, r2 = { 0 };
	uint64_t p1, p2;

	(void)state;
	p1 = bl_proc_spawn(s, &rec_beh, &r1, NULL);
	assert_int_not_equal(p1, BL_PID_NONE);
	assert_int_equal(bl_proc_spawn(s, &rec_beh, &r2, NULL), BL_PID_NONE);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(bl_proc_kill(s, p1, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	p2 = bl_proc_spawn(s, &rec_beh, &r2, NULL);
	/* same slot, new generation: the old pid is stale */
	assert_int_equal(bl_pid_slot(p1), bl_pid_slot(p2));
	assert_int_not_equal(bl_pid_gen(p1), bl_pid_gen(p2));
	assert_int_equal(bl_sched_deliver(s, p1, 1, 0, NULL, 0, 0, 0), -ESRCH);
	assert_int_equal(s->drops[BL_SDROP_DEAD_PID], 1);
	assert_int_equal(bl_sched_deliver(s, p2, 2, 0, NULL, 0, 0, 0), 0);
	world_settle(s);
	assert_int_equal(r1.n, 0);
	assert_int_equal(r2.n, 1);
	/* a pid naming an lcore without a scheduler */
	assert_int_equal(bl_sched_deliver(s, bl_pid_make(77, 0, 1), 1, 0, NULL, 0, 0, 0), -ENOBUFS);
	assert_int_equal(s->drops[BL_SDROP_UNKNOWN_LCORE], 1);
	world_free(w);
}

static void test_msg_pool_exhausted(void **state)
{
	struct bl_sched_config cfg = { .n_msgs = 8 };
	struct world *w = world_new(1, &cfg, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	unsigned i, ok = 0;

	(void)state;
	for (i = 0; i < 20; i++)
		ok += bl_sched_deliver(s, pid, i, 0, NULL, 0, 0, 0) == 0;
	assert_int_equal(ok, 8);
	assert_int_equal(s->drops[BL_SDROP_NO_MSG_BUF], 12);
	world_settle(s);
	assert_int_equal(r.n, 8);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailbox_unit), cmocka_unit_test(test_drop_newest),
		cmocka_unit_test(test_drop_oldest),  cmocka_unit_test(test_kill_on_overflow),
		cmocka_unit_test(test_stale_pid),    cmocka_unit_test(test_msg_pool_exhausted),
	};

	if (actors_test_eal("mailbox", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
