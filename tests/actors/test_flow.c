/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mailbox policy block (actors/flow.c): a producer that outruns its
 * consumer is stopped and let go, on one lcore and across two, and not one
 * message is lost; a consumer that exits lets its waiters go; what comes
 * from the wire is queued up to the cap, then counted.
 */
#include "actors_test.h"

#define BURST 16u /* messages a producer sends a handler */

struct consumer {
	uint64_t got;
	uint32_t max_len;
	uint64_t pid;
	struct bl_sched *s;
};

static int cons_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void cons_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct consumer *st = bl_state(c);
	struct bl_proc *p = bl_proc_lookup(st->s, st->pid);

	(void)c;
	(void)m;
	st->got++;
	if (p != NULL && p->mbox.len + 1 > st->max_len)
		st->max_len = p->mbox.len + 1;
}

static const struct bl_behaviour cons_beh = {
	.name = "consumer",
	.init = cons_init,
	.handle_message = cons_msg,
};

/* Each message it gets: BURST messages to the consumer. */
struct producer {
	uint64_t to;
	uint64_t sent, refused;
};

static void prod_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct producer *st = bl_state(c);
	unsigned i;

	(void)m;
	for (i = 0; i < BURST; i++) {
		if (bl_send(c, st->to, i, "x", 1) == 0)
			st->sent++;
		else
			st->refused++;
	}
}

static const struct bl_behaviour prod_beh = {
	.name = "producer",
	.init = cons_init,
	.handle_message = prod_msg,
};

static const struct bl_spawn_opts block8 = { .mailbox_limit = 8,
					     .overflow = BL_OVERFLOW_BLOCK + 1 };

static void test_block_one_lcore(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct consumer cs = { .s = s };
	struct producer ps;
	uint64_t prod;
	unsigned i;

	(void)state;
	cs.pid = bl_proc_spawn(s, &cons_beh, &cs, &block8);
	ps = (struct producer){ .to = cs.pid };
	prod = bl_proc_spawn(s, &prod_beh, &ps, NULL);
	for (i = 0; i < 500; i++)
		assert_int_equal(bl_sched_deliver(s, prod, i, 0, NULL, 0, 0, 0), 0);
	world_settle(s);
	assert_int_equal(ps.sent, 500 * BURST);
	assert_int_equal(ps.refused, 0);
	assert_int_equal(cs.got, 500 * BURST);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL], 0);
	assert_true(s->flow_pauses > 0);
	assert_int_equal(s->flow_pauses, s->flow_resumes);
	/* Stopped after the handler that filled it: past the limit by one burst at most. */
	assert_true(cs.max_len <= 8 + BURST);
	assert_false(bl_proc_lookup(s, prod)->flags & BL_PF_BLOCKED);
	world_free(w);
}

static void test_block_across_lcores(void **state)
{
	struct world *w;
	struct consumer cs;
	struct producer ps;
	uint64_t prod;
	unsigned i, round;

	(void)state;
	if (rte_lcore_count() < 2) {
		skip();
		return;
	}
	w = world_new(2, NULL, false);
	cs = (struct consumer){ .s = w->s[1] };
	cs.pid = bl_proc_spawn(w->s[1], &cons_beh, &cs, &block8);
	ps = (struct producer){ .to = cs.pid };
	prod = bl_proc_spawn(w->s[0], &prod_beh, &ps, NULL);
	for (i = 0; i < 200; i++)
		assert_int_equal(bl_sched_deliver(w->s[0], prod, i, 0, NULL, 0, 0, 0), 0);
	/* The producer's lcore runs ahead: a few turns each, in turn. */
	for (round = 0; round < 100000 && cs.got < 200 * BURST; round++) {
		bl_sched_run(w->s[0], 4);
		bl_sched_run(w->s[1], 1);
	}
	world_settle(w->s[0]);
	world_settle(w->s[1]);
	assert_int_equal(cs.got, 200 * BURST);
	assert_int_equal(w->s[1]->drops[BL_SDROP_MAILBOX_FULL], 0);
	assert_int_equal(w->s[0]->drops[BL_SDROP_RING_FULL], 0);
	assert_true(w->s[1]->flow_pauses > 0);
	assert_true(cs.max_len <= BL_MBOX_BLOCK_CAP(8));
	world_free(w);
}

/* A consumer that goes lets its waiters go: the producer runs again. */
static void test_block_exit_lets_go(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct consumer cs = { .s = s };
	struct producer ps;
	uint64_t prod;

	(void)state;
	cs.pid = bl_proc_spawn(s, &cons_beh, &cs, &block8);
	ps = (struct producer){ .to = cs.pid };
	prod = bl_proc_spawn(s, &prod_beh, &ps, NULL);
	assert_int_equal(bl_sched_deliver(s, prod, 0, 0, NULL, 0, 0, 0), 0);
	assert_int_equal(bl_sched_deliver(s, prod, 1, 0, NULL, 0, 0, 0), 0);
	bl_sched_run(s, 1); /* the producer's first handler fills the mailbox */
	assert_true(bl_proc_lookup(s, prod)->flags & BL_PF_BLOCKED);
	assert_int_equal(bl_proc_kill(s, cs.pid, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	assert_false(bl_proc_lookup(s, prod)->flags & BL_PF_BLOCKED);
	assert_int_equal(ps.sent, BURST);    /* the first handler's */
	assert_int_equal(ps.refused, BURST); /* the second: to a dead pid, counted */
	world_free(w);
}

/* From the wire nobody can be stopped: queued to the cap, then dropped and
 * counted as mailbox_full. */
static void test_block_cap_for_the_wire(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct consumer cs = { .s = s };
	unsigned i, cap = BL_MBOX_BLOCK_CAP(8);

	(void)state;
	cs.pid = bl_proc_spawn(s, &cons_beh, &cs, &block8);
	for (i = 0; i < cap + 10; i++)
		bl_sched_deliver(s, cs.pid, i, 77, NULL, 0, 0, BL_MSG_F_NET);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL], 10);
	assert_int_equal(s->flow_pauses, 0);
	world_settle(s);
	assert_int_equal(cs.got, cap);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_one_lcore),
		cmocka_unit_test(test_block_across_lcores),
		cmocka_unit_test(test_block_exit_lets_go),
		cmocka_unit_test(test_block_cap_for_the_wire),
	};

	if (actors_test_eal("flow", "0-1") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
