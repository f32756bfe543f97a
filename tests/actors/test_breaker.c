/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * breaker (actors/breaker.c), driven by a faulting target: closed, open
 * after three crashes in the window (messages to the fallback, or dropped
 * and counted breaker_open), half-open after the cool-down, closed when
 * the probe holds, open again when it fails; in call mode timeouts are the
 * failures and a caller's call gets the target's reply through it.
 */
#include "actors_test.h"

struct rig {
	struct bl_registry *r;
	struct world *w;
	struct bl_sched *s;
	uint64_t tgt, fb, br;
};

/* A fresh target under the name "tgt" (what a supervisor's restart does). */
static void target_up(struct rig *g, const struct bl_behaviour *beh, void *arg)
{
	g->tgt = bl_proc_spawn(g->s, beh, arg, NULL);
	assert_int_not_equal(g->tgt, BL_PID_NONE);
	assert_int_equal(bl_registry_set(g->r, "tgt", 8, g->tgt), 0);
}

static void rig_up(struct rig *g, const struct bl_breaker_args *a)
{
	struct bl_sched_config cfg = { 0 };

	g->r = bl_registry_create(8);
	cfg.registry = g->r;
	g->w = world_new(1, &cfg, false);
	g->s = g->w->s[0];
	g->w->now = 1000;
	g->fb = bl_proc_spawn(g->s, &bl_counter_behaviour, NULL, NULL);
	assert_int_equal(bl_registry_register(g->r, "fb", 8, g->fb), 0);
	g->br = bl_proc_spawn(g->s, &bl_breaker_behaviour, (void *)a, NULL);
	assert_int_not_equal(g->br, BL_PID_NONE);
}

static void rig_down(struct rig *g)
{
	world_free(g->w);
	bl_registry_destroy(g->r);
}

static void send(struct rig *g, uint64_t key)
{
	assert_int_equal(bl_sched_deliver(g->s, g->br, key, 0, NULL, 0, 0, 0), 0);
	world_settle(g->s);
}

static int state_of(struct rig *g)
{
	return bl_breaker_state(bl_proc_state(g->s, g->br));
}

static uint64_t figure(struct rig *g, const char *name)
{
	struct bl_proc *p = bl_proc_lookup(g->s, g->br);
	struct bl_info_kv kv[8];
	unsigned i, n = p->beh->info(p->state, kv, 8);

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].name, name) == 0)
			return kv[i].value;
	fail_msg("no figure %s", name);
	return 0;
}

static uint64_t fallback_msgs(struct rig *g)
{
	uint64_t msgs = 0, bytes, other;

	bl_counter_totals(bl_proc_state(g->s, g->fb), &msgs, &bytes, &other);
	return msgs;
}

static void test_forward_transitions(void **state)
{
	struct bl_breaker_args a = { .to = { .name = "tgt" },
				     .fallback = "fb",
				     .failures = 3,
				     .window_ms = 1000,
				     .cooldown_ms = 500,
				     .probe_ms = 100 };
	struct bl_fault_args poison = { .poison_key = 99 };
	struct rig g;
	unsigned i;

	(void)state;
	rig_up(&g, &a);
	target_up(&g, &bl_fault_behaviour, &poison);
	send(&g, 1);
	assert_int_equal(state_of(&g), BL_BREAKER_CLOSED);
	assert_int_equal(bl_fault_seen(bl_proc_state(g.s, g.tgt)), 1);
	/* Three crashes within the window: open. */
	for (i = 0; i < 3; i++) {
		send(&g, 99);
		assert_null(bl_proc_lookup(g.s, g.tgt));
		target_up(&g, &bl_fault_behaviour, &poison);
		g.w->now += 10;
	}
	assert_int_equal(state_of(&g), BL_BREAKER_OPEN);
	assert_int_equal(figure(&g, "opened"), 1);
	for (i = 0; i < 5; i++)
		send(&g, 1);
	assert_int_equal(fallback_msgs(&g), 5);
	assert_int_equal(bl_fault_seen(bl_proc_state(g.s, g.tgt)), 0);
	/* Cool-down over: one probe; while it is out, the fallback. */
	g.w->now += 500;
	send(&g, 1);
	assert_int_equal(state_of(&g), BL_BREAKER_HALF_OPEN);
	send(&g, 1);
	assert_int_equal(bl_fault_seen(bl_proc_state(g.s, g.tgt)), 1);
	assert_int_equal(fallback_msgs(&g), 6);
	/* The probe holds for probe_ms (the breaker's own timer says so). */
	g.w->now += 100;
	world_settle(g.s);
	assert_int_equal(state_of(&g), BL_BREAKER_CLOSED);
	assert_int_equal(figure(&g, "closed"), 1);
	/* Open again, and a probe that fails opens it once more. */
	for (i = 0; i < 3; i++) {
		send(&g, 99);
		target_up(&g, &bl_fault_behaviour, &poison);
	}
	assert_int_equal(state_of(&g), BL_BREAKER_OPEN);
	g.w->now += 500;
	send(&g, 99);
	assert_int_equal(state_of(&g), BL_BREAKER_OPEN);
	assert_int_equal(figure(&g, "opened"), 3);
	assert_int_equal(figure(&g, "half_opened"), 2);
	rig_down(&g);
}

/* Spread-out failures do not open it; without a fallback, open drops count. */
static void test_window_and_drops(void **state)
{
	struct bl_breaker_args a = {
		.to = { .name = "tgt" }, .failures = 2, .window_ms = 100, .cooldown_ms = 1000
	};
	struct bl_fault_args poison = { .poison_key = 99 };
	struct rig g;

	(void)state;
	rig_up(&g, &a);
	target_up(&g, &bl_fault_behaviour, &poison);
	send(&g, 99);
	target_up(&g, &bl_fault_behaviour, &poison);
	g.w->now += 200;
	send(&g, 99);
	target_up(&g, &bl_fault_behaviour, &poison);
	assert_int_equal(state_of(&g), BL_BREAKER_CLOSED);
	send(&g, 99);
	assert_int_equal(state_of(&g), BL_BREAKER_OPEN);
	send(&g, 1);
	send(&g, 1);
	assert_int_equal(g.s->drops[BL_SDROP_BREAKER_OPEN], 2);
	assert_int_equal(figure(&g, "dropped"), 2);
	rig_down(&g);
}

/* Call mode: a caller's call goes through to an echo and its reply comes
 * back through the breaker; a target that never answers times out, and
 * the timeouts open it. */
struct caller {
	uint64_t to;
	unsigned ok, failed;
	uint64_t key;
};

static int caller_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void caller_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct caller *st = bl_state(c);

	assert_true(bl_call(c, st->to, m->key, "hi", 2, 10000) != 0);
}

static void caller_reply(struct bl_ctx *c, const struct bl_reply *r)
{
	struct caller *st = bl_state(c);

	(void)c;
	if (r->status == BL_CALL_OK) {
		st->ok++;
		st->key = r->m->key;
		assert_int_equal(bl_msg_len(r->m), 2);
	} else {
		st->failed++;
	}
}

static const struct bl_behaviour caller_beh = {
	.name = "caller",
	.init = caller_init,
	.handle_message = caller_msg,
	.handle_reply = caller_reply,
};

static void test_call_mode(void **state)
{
	struct bl_breaker_args a = { .to = { .name = "tgt" },
				     .fallback = "fb",
				     .failures = 2,
				     .window_ms = 1000,
				     .cooldown_ms = 500,
				     .call_timeout_ms = 50,
				     .mode = BL_BREAKER_CALL };
	struct bl_fault_args never = { .poison_key = 99 };
	struct caller cs = { 0 };
	uint64_t cp;
	struct rig g;

	(void)state;
	rig_up(&g, &a);
	target_up(&g, &bl_echo_behaviour, NULL);
	cs.to = g.br;
	cp = bl_proc_spawn(g.s, &caller_beh, &cs, NULL);
	assert_int_equal(bl_sched_deliver(g.s, cp, 7, 0, NULL, 0, 0, 0), 0);
	world_settle(g.s);
	assert_int_equal(cs.ok, 1);
	assert_int_equal(cs.key, 7);
	/* A target that takes calls and never answers (fault): timeouts. */
	assert_int_equal(bl_proc_kill(g.s, g.tgt, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(g.s);
	target_up(&g, &bl_fault_behaviour, &never);
	send(&g, 1);
	g.w->now += 60;
	world_settle(g.s);
	send(&g, 1);
	g.w->now += 60;
	world_settle(g.s);
	assert_int_equal(state_of(&g), BL_BREAKER_OPEN);
	assert_int_equal(figure(&g, "failures"), 2);
	/* Open: the fallback has it. Half-open: an echo probe's reply closes it. */
	send(&g, 1);
	assert_int_equal(fallback_msgs(&g), 1);
	assert_int_equal(bl_proc_kill(g.s, g.tgt, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(g.s);
	target_up(&g, &bl_echo_behaviour, NULL);
	g.w->now += 500;
	send(&g, 1);
	assert_int_equal(state_of(&g), BL_BREAKER_CLOSED);
	rig_down(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_transitions),
		cmocka_unit_test(test_window_and_drops),
		cmocka_unit_test(test_call_mode),
	};

	if (actors_test_eal("breaker", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
