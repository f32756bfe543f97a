/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mailbox policy block (actors/flow.c): a producer that outruns its
 * consumer is stopped and let go, on one lcore and across two, and not one
 * message is lost; a consumer that exits lets its waiters go; a source on
 * the wire is paused and resumed by flow-control messages, and what it
 * sends regardless is queued up to the cap, then counted flow_control;
 * bl_sleep stops a process for a time.
 */
#include "actors_test.h"
#include "wire/wire_fmt.h"

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

/* What the transmit callback was given: the flow-control messages. */
struct wire_log {
	unsigned n, pauses, resumes, other;
	uint64_t last_dest, last_key;
	uint32_t last_hold;
};

static int wire_tx(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *m)
{
	struct wire_log *l = arg;
	enum bl_wire_flow_op op;
	uint32_t hold;

	(void)lcore;
	l->n++;
	if (!(m->flags & BL_MSG_F_FLOW) ||
	    bl_wire_get_flow(bl_msg_data(m), bl_msg_len(m), &op, &hold) != 0) {
		l->other++;
		return 0;
	}
	if (op == BL_WIRE_FLOW_PAUSE)
		l->pauses++;
	else
		l->resumes++;
	l->last_dest = dest;
	l->last_key = m->key;
	l->last_hold = hold;
	return 0;
}

static struct world *wire_world(struct wire_log *log)
{
	struct bl_sched_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.tx.fn = wire_tx;
	cfg.tx.arg = log;
	return world_new(1, &cfg, false);
}

/* From the wire: past the limit the source (token 77) is paused for its key
 * once, told again only after half a hold, and resumed at the drain. */
static void test_block_pauses_the_wire(void **state)
{
	struct wire_log log = { 0 };
	struct world *w = wire_world(&log);
	struct bl_sched *s = w->s[0];
	struct consumer cs = { .s = s };
	unsigned i;

	(void)state;
	cs.pid = bl_proc_spawn(s, &cons_beh, &cs, &block8);
	for (i = 0; i < 8; i++)
		bl_sched_deliver(s, cs.pid, 5, 77, NULL, 0, 0, BL_MSG_F_NET);
	assert_int_equal(log.n, 0); /* at the limit, not past it */
	bl_sched_deliver(s, cs.pid, 5, 77, NULL, 0, 0, BL_MSG_F_NET);
	assert_int_equal(log.pauses, 1);
	assert_int_equal(log.last_dest, 77);
	assert_int_equal(log.last_key, 5);
	assert_int_equal(log.last_hold, BL_FLOW_HOLD_MS);
	/* In flight: queued, not told again. */
	for (i = 0; i < 20; i++)
		bl_sched_deliver(s, cs.pid, 5, 77, NULL, 0, 0, BL_MSG_F_NET);
	assert_int_equal(log.pauses, 1);
	/* Another key of the same source: a pause of its own. */
	bl_sched_deliver(s, cs.pid, 6, 77, NULL, 0, 0, BL_MSG_F_NET);
	assert_int_equal(log.pauses, 2);
	assert_int_equal(log.last_key, 6);
	/* Still sending half a hold later (it lost the PAUSE): told again. */
	w->now += BL_FLOW_HOLD_MS / 2;
	bl_sched_deliver(s, cs.pid, 5, 77, NULL, 0, 0, BL_MSG_F_NET);
	assert_int_equal(log.pauses, 3);
	assert_int_equal(log.resumes, 0);
	/* The drain: the first turn ends with the mailbox still over half its
	 * limit, so key 6's pause, told half a hold ago, is renewed (key 5's
	 * is fresh); the turn that ends at half lets both go. */
	world_settle(s);
	assert_int_equal(cs.got, 31);
	assert_int_equal(log.pauses, 4);
	assert_int_equal(log.resumes, 2); /* each (source, key) once */
	assert_int_equal(log.other, 0);
	assert_int_equal(s->wire_pauses, 4);
	assert_int_equal(s->wire_resumes, 2);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL] + s->drops[BL_SDROP_FLOW_CONTROL], 0);
	/* Paused again after the drain: a fresh pause. */
	for (i = 0; i < 9; i++)
		bl_sched_deliver(s, cs.pid, 5, 77, NULL, 0, 0, BL_MSG_F_NET);
	assert_int_equal(log.pauses, 5);
	world_settle(s);
	assert_int_equal(log.resumes, 3);
	/* A consumer that exits while sources wait lets them go too. */
	for (i = 0; i < 9; i++)
		bl_sched_deliver(s, cs.pid, 5, 78, NULL, 0, 0, BL_MSG_F_NET);
	assert_int_equal(log.pauses, 6);
	assert_int_equal(bl_proc_kill(s, cs.pid, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	assert_int_equal(log.resumes, 4);
	assert_int_equal(log.last_dest, 78);
	world_free(w);
}

/* A frame node (one frame's messages to one process) past the limit pauses
 * each key its messages name, a run of one key once. */
static void test_block_pauses_a_frame_keys(void **state)
{
	struct wire_log log = { 0 };
	struct world *w = wire_world(&log);
	struct bl_sched *s = w->s[0];
	struct consumer cs = { .s = s };
	static const uint64_t keys[4] = { 7, 7, 8, 7 };
	struct rte_mbuf *m;
	uint8_t *p;
	unsigned i;

	(void)state;
	cs.pid = bl_proc_spawn(s, &cons_beh, &cs, &block8);
	for (i = 0; i < 8; i++)
		bl_sched_deliver(s, cs.pid, 5, 77, NULL, 0, 0, BL_MSG_F_NET);
	m = rte_pktmbuf_alloc(w->pool);
	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, 4 * (BL_WIRE_MSG_HDR_LEN + 1));
	assert_non_null(p);
	for (i = 0; i < 4; i++) {
		bl_wire_put_msg_hdr(p, 1, BL_WIRE_KIND_DATA, 0, keys[i]);
		p[BL_WIRE_MSG_HDR_LEN] = 'x';
		p += BL_WIRE_MSG_HDR_LEN + 1;
	}
	assert_int_equal(
	    bl_sched_deliver_frame_owned(s, cs.pid, 77, m, 0, m->data_len, 4, BL_MSG_F_NET), 0);
	assert_int_equal(log.pauses, 2); /* 7, 8; 7 again: told lately, not again */
	assert_int_equal(s->wire_pauses, 2);
	world_settle(s);
	assert_int_equal(cs.got, 12);
	assert_int_equal(log.resumes, 2);
	world_free(w);
}

/* A source that goes on regardless: queued to the cap, then dropped and
 * counted as flow_control (a process's sends past the cap stay
 * mailbox_full). */
static void test_block_cap_for_the_wire(void **state)
{
	struct wire_log log = { 0 };
	struct world *w = wire_world(&log);
	struct bl_sched *s = w->s[0];
	struct consumer cs = { .s = s };
	unsigned i, cap = BL_MBOX_BLOCK_CAP(8);

	(void)state;
	cs.pid = bl_proc_spawn(s, &cons_beh, &cs, &block8);
	for (i = 0; i < cap + 10; i++)
		bl_sched_deliver(s, cs.pid, i % 4, 77, NULL, 0, 0, BL_MSG_F_NET);
	assert_int_equal(s->drops[BL_SDROP_FLOW_CONTROL], 10);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL], 0);
	assert_int_equal(s->flow_pauses, 0);
	assert_int_equal(log.pauses, 4); /* one per key */
	world_settle(s);
	assert_int_equal(cs.got, cap);
	assert_int_equal(log.resumes, 4);
	world_free(w);
}

/* bl_sleep: the turn ends, mail waits, and the process runs again only
 * when the wheel says so; a kill still reaches it asleep. */
struct sleeper {
	uint64_t got;
	uint32_t ms;
	int rc;
};

static void sleeper_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct sleeper *st = bl_state(c);

	(void)m;
	st->got++;
	st->rc = bl_sleep(c, st->ms);
}

static const struct bl_behaviour sleeper_beh = {
	.name = "sleeper",
	.init = cons_init,
	.handle_message = sleeper_msg,
};

static void test_sleep(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct sleeper st = { .ms = 10 };
	uint64_t pid;
	unsigned i;

	(void)state;
	pid = bl_proc_spawn(s, &sleeper_beh, &st, NULL);
	for (i = 0; i < 3; i++)
		assert_int_equal(bl_sched_deliver(s, pid, i, 0, NULL, 0, 0, 0), 0);
	world_settle(s);
	assert_int_equal(st.got, 1); /* asleep after the first */
	assert_int_equal(st.rc, 0);
	w->now += 9;
	world_settle(s);
	assert_int_equal(st.got, 1);
	w->now += 1;
	world_settle(s);
	assert_int_equal(st.got, 2);
	w->now += 10;
	world_settle(s);
	assert_int_equal(st.got, 3);
	/* Asleep with mail: a kill ends it, the timer entry comes back. */
	w->now += 10;
	assert_int_equal(bl_sched_deliver(s, pid, 9, 0, NULL, 0, 0, 0), 0);
	assert_int_equal(bl_sched_deliver(s, pid, 9, 0, NULL, 0, 0, 0), 0);
	world_settle(s);
	assert_int_equal(st.got, 4);
	assert_int_equal(bl_proc_kill(s, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	world_settle(s);
	assert_null(bl_proc_lookup(s, pid));
	w->now += 10;
	world_settle(s);
	assert_int_equal(st.got, 4);
	sched_assert_idle(s);
	world_free(w);
}

/* bl_sleep's bad arguments. */
static void sleeper0_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct sleeper *st = bl_state(c);

	(void)m;
	st->got++;
	st->rc = bl_sleep(c, 0);
}

static const struct bl_behaviour sleeper0_beh = {
	.name = "sleeper0",
	.init = cons_init,
	.handle_message = sleeper0_msg,
};

static void test_sleep_refused(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct sleeper st = { 0 };
	uint64_t pid;

	(void)state;
	pid = bl_proc_spawn(s, &sleeper0_beh, &st, NULL);
	assert_int_equal(bl_sched_deliver(s, pid, 1, 0, NULL, 0, 0, 0), 0);
	assert_int_equal(bl_sched_deliver(s, pid, 2, 0, NULL, 0, 0, 0), 0);
	world_settle(s);
	assert_int_equal(st.got, 2); /* not asleep */
	assert_int_equal(st.rc, -EINVAL);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_one_lcore),
		cmocka_unit_test(test_block_across_lcores),
		cmocka_unit_test(test_block_exit_lets_go),
		cmocka_unit_test(test_block_pauses_the_wire),
		cmocka_unit_test(test_block_pauses_a_frame_keys),
		cmocka_unit_test(test_block_cap_for_the_wire),
		cmocka_unit_test(test_sleep),
		cmocka_unit_test(test_sleep_refused),
	};

	if (actors_test_eal("flow", "0-1") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
