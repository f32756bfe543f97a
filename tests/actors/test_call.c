/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Calls (actors/call.c): reply, timeout and late reply, noproc at once and
 * when the callee dies, across lcores with payloads in mbufs, a caller that
 * dies with calls pending, refusals. Two schedulers driven from one thread:
 * each settles in turn, so the order of events across lcores is the test's.
 */
#include "actors_test.h"

/* The callee. Key 1: reply key + 100 with the payload reversed; 2: no
 * reply; 3: exit with an error instead; 4: reply twice. */
static void srv_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	uint8_t out[512];
	uint32_t i, n = bl_msg_len(m);

	if (m->type != BL_MSG_CALL)
		return;
	assert_true(n <= sizeof(out));
	for (i = 0; i < n; i++)
		out[i] = bl_msg_data(m)[n - 1 - i];
	switch (m->key) {
	case 1:
		assert_int_equal(bl_reply(c, m, m->key + 100, out, n), 0);
		break;
	case 3:
		bl_exit(c, bl_reason_error(33, "no answer"));
		break;
	case 4:
		assert_int_equal(bl_reply(c, m, 1, NULL, 0), 0);
		assert_int_equal(bl_reply(c, m, 2, NULL, 0), 0);
		break;
	default:
		break;
	}
}

static const struct bl_behaviour srv_beh = {
	.name = "srv",
	.handle_message = srv_msg,
};

/* The caller: a message with key K calls st->to with key K and its payload;
 * handle_reply records the answer. */
struct cli {
	uint64_t to;
	uint32_t timeout_ms;
	uint64_t ref;  /* the last call's */
	int err;       /* errno when bl_call said 0 */
	unsigned n;    /* answers */
	uint64_t aref; /* the last answer's */
	uint64_t from;
	uint32_t status;
	struct bl_reason reason;
	uint64_t key;
	uint32_t len;
	uint8_t data[512];
};

static int cli_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void cli_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct cli *st = (struct cli *)bl_state(c);

	errno = 0;
	st->ref = bl_call(c, m->key == 9 ? bl_self(c) : st->to, m->key, bl_msg_data(m),
			  bl_msg_len(m), st->timeout_ms);
	st->err = errno;
}

static void cli_reply(struct bl_ctx *c, const struct bl_reply *r)
{
	struct cli *st = (struct cli *)bl_state(c);

	(void)c;
	st->n++;
	st->aref = r->ref;
	st->from = r->from;
	st->status = r->status;
	st->reason = r->reason;
	st->len = 0;
	if (r->m != NULL) {
		st->key = r->m->key;
		st->len = bl_msg_len(r->m);
		memcpy(st->data, bl_msg_data(r->m), st->len);
	}
}

static const struct bl_behaviour cli_beh = {
	.name = "cli",
	.init = cli_init,
	.handle_message = cli_msg,
	.handle_reply = cli_reply,
};

/* A caller without handle_reply. */
static const struct bl_behaviour mute_beh = {
	.name = "mute",
	.init = cli_init,
	.handle_message = cli_msg,
};

static void settle_both(struct world *w)
{
	unsigned i;

	for (i = 0; i < 4; i++) {
		world_settle(w->s[0]);
		if (w->s[1] != NULL)
			world_settle(w->s[1]);
	}
}

/* Ask caller `pid` (on s) to call with key and len bytes 0, 1, 2, ... */
static void ask(struct world *w, struct bl_sched *s, uint64_t pid, uint64_t key, uint32_t len)
{
	struct rte_mbuf *m = world_mbuf(w, len);

	assert_int_equal(bl_sched_deliver(s, pid, key, 0, m, 0, len, 0), 0);
	rte_pktmbuf_free(m);
}

/* The tests with two schedulers need two lcores (driven from one thread). */
#define NEED_TWO_LCORES()                                                                          \
	do {                                                                                       \
		if (rte_lcore_count() < 2) {                                                       \
			skip();                                                                    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

static unsigned peers_of(struct bl_sched *s, uint64_t pid)
{
	struct bl_proc *p = bl_proc_lookup(s, pid);
	const struct bl_peer *e;
	unsigned n = 0;

	assert_non_null(p);
	for (e = p->peers; e != NULL; e = e->next)
		n++;
	return n;
}

static void check_reversed(const struct cli *st, uint32_t len)
{
	uint32_t i;

	assert_int_equal(st->len, len);
	for (i = 0; i < len; i++)
		assert_int_equal(st->data[i], (uint8_t)(len - 1 - i));
}

static void test_call_reply(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	uint64_t srv = bl_proc_spawn(s, &srv_beh, NULL, NULL);
	struct cli st = { .to = srv, .timeout_ms = 1000 };
	uint64_t cli = bl_proc_spawn(s, &cli_beh, &st, NULL);

	(void)state;
	ask(w, s, cli, 1, 16);
	world_settle(s);
	assert_true(st.ref != 0);
	assert_int_equal(st.n, 1);
	assert_int_equal(st.status, BL_CALL_OK);
	assert_int_equal(st.aref, st.ref);
	assert_int_equal(st.from, srv);
	assert_int_equal(st.key, 101);
	check_reversed(&st, 16);
	/* Nothing of the call is left: no entry on either side, no timer. */
	assert_int_equal(peers_of(s, cli), 0);
	assert_int_equal(peers_of(s, srv), 0);
	assert_int_equal(s->n_timers_free, s->n_timers);
	/* A payload bigger than a node's inline bytes. */
	ask(w, s, cli, 1, 300);
	world_settle(s);
	assert_int_equal(st.n, 2);
	check_reversed(&st, 300);
	world_free(w);
}

static void test_call_timeout_and_late_reply(void **state)
{
	struct world *w;
	struct cli st = { .timeout_ms = 10 };
	uint64_t srv, cli;

	(void)state;
	NEED_TWO_LCORES();
	w = world_new(2, NULL, false);
	srv = bl_proc_spawn(w->s[1], &srv_beh, NULL, NULL);
	st.to = srv;
	cli = bl_proc_spawn(w->s[0], &cli_beh, &st, NULL);
	/* Key 2: never answered. */
	ask(w, w->s[0], cli, 2, 4);
	settle_both(w);
	/* Never short: at 10 ms not yet (the clock counts whole ms, so a
	 * timeout fires one tick after the asked time), at 11 ms it has. */
	w->now += 10;
	settle_both(w);
	assert_int_equal(st.n, 0);
	w->now += 1;
	settle_both(w);
	assert_int_equal(st.n, 1);
	assert_int_equal(st.status, BL_CALL_TIMEOUT);
	assert_int_equal(st.aref, st.ref);
	assert_int_equal(peers_of(w->s[0], cli), 0);
	assert_int_equal(peers_of(w->s[1], srv), 0); /* the DEMONITOR went */
	/* Key 1, but the callee's lcore runs only after the timeout: late. */
	ask(w, w->s[0], cli, 1, 4);
	world_settle(w->s[0]);
	w->now += 11;
	world_settle(w->s[0]);
	assert_int_equal(st.n, 2);
	assert_int_equal(st.status, BL_CALL_TIMEOUT);
	settle_both(w);
	assert_int_equal(st.n, 2);
	assert_int_equal(w->s[0]->drops[BL_SDROP_LATE_REPLY], 1);
	assert_int_equal(peers_of(w->s[1], srv), 0);
	/* Replied twice: the second is late too. */
	st.timeout_ms = BL_CALL_INFINITY;
	ask(w, w->s[0], cli, 4, 0);
	settle_both(w);
	assert_int_equal(st.n, 3);
	assert_int_equal(st.status, BL_CALL_OK);
	assert_int_equal(st.key, 1);
	assert_int_equal(w->s[0]->drops[BL_SDROP_LATE_REPLY], 2);
	world_free(w);
}

static void test_call_noproc(void **state)
{
	struct world *w;
	struct cli st = { .timeout_ms = 1000 };
	uint64_t srv0, srv1, cli;

	(void)state;
	NEED_TWO_LCORES();
	w = world_new(2, NULL, false);
	srv0 = bl_proc_spawn(w->s[0], &srv_beh, NULL, NULL);
	srv1 = bl_proc_spawn(w->s[1], &srv_beh, NULL, NULL);
	st.to = srv0;
	cli = bl_proc_spawn(w->s[0], &cli_beh, &st, NULL);
	/* Gone before the call, on this lcore: answered at once, nothing sent. */
	assert_int_equal(bl_proc_kill(w->s[0], srv0, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(w->s[0]);
	ask(w, w->s[0], cli, 1, 4);
	world_settle(w->s[0]);
	assert_int_equal(st.n, 1);
	assert_int_equal(st.status, BL_CALL_NOPROC);
	assert_int_equal(st.reason.code, BL_EXIT_NOPROC);
	assert_int_equal(st.from, srv0);
	assert_int_equal(w->s[0]->drops[BL_SDROP_DEAD_PID], 0);
	/* Exits before replying, on another lcore: its exit reason. */
	st.to = srv1;
	ask(w, w->s[0], cli, 3, 4);
	settle_both(w);
	assert_int_equal(st.n, 2);
	assert_int_equal(st.status, BL_CALL_NOPROC);
	assert_int_equal(st.reason.code, BL_EXIT_ERROR);
	assert_int_equal(st.reason.detail, 33);
	/* Gone before the call, on another lcore. */
	ask(w, w->s[0], cli, 1, 4);
	settle_both(w);
	assert_int_equal(st.n, 3);
	assert_int_equal(st.status, BL_CALL_NOPROC);
	assert_int_equal(st.reason.code, BL_EXIT_NOPROC);
	assert_int_equal(peers_of(w->s[0], cli), 0);
	assert_int_equal(w->s[0]->n_timers_free, w->s[0]->n_timers);
	world_free(w);
}

static void test_call_across_lcores(void **state)
{
	struct world *w;
	struct cli st = { .timeout_ms = 1000 };
	uint32_t len[] = { 0, 8, BL_BIN_INLINE_MAX, 400 };
	uint64_t srv, cli;
	unsigned i;

	(void)state;
	NEED_TWO_LCORES();
	w = world_new(2, NULL, false);
	srv = bl_proc_spawn(w->s[1], &srv_beh, NULL, NULL);
	st.to = srv;
	cli = bl_proc_spawn(w->s[0], &cli_beh, &st, NULL);
	for (i = 0; i < RTE_DIM(len); i++) {
		ask(w, w->s[0], cli, 1, len[i]);
		settle_both(w);
		assert_int_equal(st.n, i + 1);
		assert_int_equal(st.status, BL_CALL_OK);
		assert_int_equal(st.aref, st.ref);
		assert_int_equal(st.key, 101);
		check_reversed(&st, len[i]);
	}
	assert_int_equal(peers_of(w->s[0], cli), 0);
	assert_int_equal(peers_of(w->s[1], srv), 0);
	world_free(w);
}

/* A caller that exits with calls pending: its timers go back and the
 * callee forgets the monitors; the replies that come are counted dead_pid. */
static void test_call_caller_exits(void **state)
{
	struct world *w;
	struct cli st = { .timeout_ms = 500 };
	uint64_t srv, cli;

	(void)state;
	NEED_TWO_LCORES();
	w = world_new(2, NULL, false);
	srv = bl_proc_spawn(w->s[1], &srv_beh, NULL, NULL);
	st.to = srv;
	cli = bl_proc_spawn(w->s[0], &cli_beh, &st, NULL);
	ask(w, w->s[0], cli, 2, 4);
	ask(w, w->s[0], cli, 2, 4);
	world_settle(w->s[0]);
	assert_int_equal(w->s[0]->n_timers_free, w->s[0]->n_timers - 2);
	assert_int_equal(bl_proc_kill(w->s[0], cli, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	settle_both(w);
	assert_int_equal(w->s[0]->n_timers_free, w->s[0]->n_timers);
	assert_int_equal(peers_of(w->s[1], srv), 0);
	assert_int_equal(st.n, 0);
	world_free(w);
}

static void test_call_refusals(void **state)
{
	struct bl_sched_config cfg = { .n_timers = 1 };
	struct world *w = world_new(1, &cfg, false);
	struct bl_sched *s = w->s[0];
	uint64_t srv = bl_proc_spawn(s, &srv_beh, NULL, NULL);
	struct cli st = { .to = srv, .timeout_ms = 100 }, mu = { .to = srv };
	uint64_t cli = bl_proc_spawn(s, &cli_beh, &st, NULL);
	uint64_t mute = bl_proc_spawn(s, &mute_beh, &mu, NULL);

	(void)state;
	ask(w, s, cli, 9, 0); /* key 9: a call to itself */
	world_settle(s);
	assert_int_equal(st.ref, 0);
	assert_int_equal(st.err, EDEADLK);
	st.timeout_ms = 1u << 31;
	ask(w, s, cli, 1, 0);
	world_settle(s);
	assert_int_equal(st.err, EINVAL);
	/* One timer in the pool: the second pending call finds none. */
	st.timeout_ms = 100;
	ask(w, s, cli, 2, 0);
	world_settle(s);
	assert_true(st.ref != 0);
	ask(w, s, cli, 2, 0);
	world_settle(s);
	assert_int_equal(st.ref, 0);
	assert_int_equal(st.err, ENOSPC);
	assert_int_equal(peers_of(s, cli), 1);
	/* No handle_reply: the answer is counted, not lost silently. */
	mu.timeout_ms = BL_CALL_INFINITY;
	ask(w, s, mute, 1, 0);
	world_settle(s);
	assert_true(mu.ref != 0);
	assert_int_equal(s->drops[BL_SDROP_UNHANDLED_REPLY], 1);
	assert_int_equal(peers_of(s, mute), 0);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_reply),
		cmocka_unit_test(test_call_timeout_and_late_reply),
		cmocka_unit_test(test_call_noproc),
		cmocka_unit_test(test_call_across_lcores),
		cmocka_unit_test(test_call_caller_exits),
		cmocka_unit_test(test_call_refusals),
	};

	if (actors_test_eal("call", "0-1") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
