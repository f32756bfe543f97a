/* SPDX-License-Identifier: BSD-3-Clause */
/* Timers: the wheel itself, send_after, receive timeouts (fake clock). */
#include "actors_test.h"

struct fired {
	struct bl_tnode *order[8];
	unsigned n;
	struct bl_wheel *w;
	struct bl_tnode *rearm; /* re-armed once, 10 ticks later */
};

static void on_fire(void *arg, struct bl_tnode *t)
{
	struct fired *f = (struct fired *)arg;

	if (f->n < 8)
		f->order[f->n] = t;
	f->n++;
	if (t == f->rearm) {
		f->rearm = NULL;
		bl_wheel_arm(f->w, t, f->w->now + 10);
	}
}

static void test_wheel(void **state)
{
	struct bl_wheel w;
	struct bl_tnode a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	struct fired f = { .w = &w };

	(void)state;
	bl_wheel_init(&w, 1000);
	bl_wheel_arm(&w, &a, 1005);
	bl_wheel_arm(&w, &b, 1005 + BL_WHEEL_SLOTS); /* same slot, next revolution */
	bl_wheel_arm(&w, &c, 1000 + 5000);
	bl_wheel_arm(&w, &d, 900); /* in the past: next tick */
	assert_int_equal(w.armed, 4);
	assert_int_equal(bl_wheel_advance(&w, 1001, on_fire, &f), 1);
	assert_ptr_equal(f.order[0], &d);
	assert_int_equal(bl_wheel_advance(&w, 1004, on_fire, &f), 0);
	f.rearm = &a;
	assert_int_equal(bl_wheel_advance(&w, 1005, on_fire, &f), 1);
	assert_ptr_equal(f.order[1], &a);
	assert_true(bl_tnode_armed(&a)); /* re-armed by its callback */
	assert_int_equal(bl_wheel_advance(&w, 1015, on_fire, &f), 1);
	assert_ptr_equal(f.order[2], &a);
	assert_int_equal(bl_wheel_advance(&w, 1005 + BL_WHEEL_SLOTS - 1, on_fire, &f), 0);
	assert_int_equal(bl_wheel_advance(&w, 1005 + BL_WHEEL_SLOTS, on_fire, &f), 1);
	assert_ptr_equal(f.order[3], &b);
	bl_wheel_cancel(&w, &c);
	bl_wheel_cancel(&w, &c); /* twice is harmless */
	assert_int_equal(w.armed, 0);
	/* a jump of many revolutions visits each slot once */
	bl_wheel_arm(&w, &c, w.now + 3000);
	bl_wheel_arm(&w, &d, w.now + 9000);
	assert_int_equal(bl_wheel_advance(&w, w.now + 5000, on_fire, &f), 1);
	assert_ptr_equal(f.order[4], &c);
	assert_int_equal(w.armed, 1);
	assert_int_equal(bl_wheel_advance(&w, w.now + 4000, on_fire, &f), 1);
	assert_int_equal(w.armed, 0);
	/* ticks wrap around 2^32 */
	bl_wheel_init(&w, UINT32_MAX - 2);
	bl_wheel_arm(&w, &a, UINT32_MAX + 3u);
	assert_int_equal(bl_wheel_advance(&w, 1, on_fire, &f), 0);
	assert_int_equal(bl_wheel_advance(&w, 2, on_fire, &f), 1);
}

struct tp {
	uint32_t timeouts;
	uint32_t msgs;
	uint32_t at_init_timeout;
	uint32_t send_after_ms;
	uint64_t last_key;
	uint64_t h;    /* send_after's handle */
	uint64_t rh;   /* the receive timeout's handle */
	int err;       /* errno when h is 0 */
	int cancelled; /* bl_timer_cancel's answers on key 7 (h) and 8 (rh) */
};

static int tp_init(struct bl_ctx *c, void *arg)
{
	struct tp *t = (struct tp *)arg;

	bl_set_state(c, t);
	if (t->at_init_timeout != 0)
		t->rh = bl_set_timeout(c, t->at_init_timeout);
	if (t->send_after_ms != 0) {
		errno = 0;
		t->h = bl_send_after(c, bl_self(c), 42, "tick", 4, t->send_after_ms);
		t->err = errno;
	}
	return 0;
}

static void tp_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct tp *t = (struct tp *)bl_state(c);

	t->msgs++;
	t->last_key = m->key;
	if (m->key == 7)
		t->cancelled = bl_timer_cancel(c, t->h);
	if (m->key == 8)
		t->cancelled = bl_timer_cancel(c, t->rh);
	if (m->key == 42)
		assert_memory_equal(bl_msg_data(m), "tick", 4);
}

static void tp_timeout(struct bl_ctx *c)
{
	struct tp *t = (struct tp *)bl_state(c);

	t->timeouts++;
}

static const struct bl_behaviour tp_beh = {
	.name = "tp",
	.init = tp_init,
	.handle_message = tp_msg,
	.handle_timeout = tp_timeout,
};

static void step(struct world *w, uint32_t ms)
{
	w->now += ms;
	world_settle(w->s[0]);
}

static void test_send_after(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct tp t = { .send_after_ms = 100 };

	(void)state;
	assert_int_not_equal(bl_proc_spawn(s, &tp_beh, &t, NULL), BL_PID_NONE);
	assert_true(t.h != 0);
	assert_int_equal(s->n_timers_free, s->n_timers - 1);
	step(w, 99);
	assert_int_equal(t.msgs, 0);
	step(w, 1);
	assert_int_equal(t.msgs, 1);
	assert_int_equal(t.last_key, 42);
	assert_int_equal(s->n_timers_free, s->n_timers);
	world_free(w);
}

static void test_send_after_pool_bounded(void **state)
{
	struct bl_sched_config cfg = { .n_timers = 2 };
	struct world *w = world_new(1, &cfg, false);
	struct bl_sched *s = w->s[0];
	struct tp t1 = { .send_after_ms = 10 }, t2 = t1, t3 = t1;

	(void)state;
	bl_proc_spawn(s, &tp_beh, &t1, NULL);
	bl_proc_spawn(s, &tp_beh, &t2, NULL);
	bl_proc_spawn(s, &tp_beh, &t3, NULL);
	assert_true(t1.h != 0 && t2.h != 0 && t1.h != t2.h);
	assert_int_equal(t3.h, 0);
	assert_int_equal(t3.err, ENOSPC);
	/* the target dies before its timer fires: a counted drop, nothing leaks */
	world_free(w);
}

/* A send_after cancelled before it fires: no message, the entry back in the
 * pool; cancelled again, or after firing: 0; a reused entry's old handle
 * cancels nothing. */
static void test_send_after_cancel(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct tp t = { .send_after_ms = 100 }, u = { .send_after_ms = 20 };
	uint64_t pid = bl_proc_spawn(s, &tp_beh, &t, NULL), upid;

	(void)state;
	step(w, 50);
	assert_int_equal(bl_sched_deliver(s, pid, 7, 0, NULL, 0, 0, 0), 0);
	step(w, 0);
	assert_int_equal(t.cancelled, 1);
	assert_int_equal(s->n_timers_free, s->n_timers);
	step(w, 100);
	assert_int_equal(t.msgs, 1); /* key 7 only: the tick never came */
	assert_int_equal(bl_sched_deliver(s, pid, 7, 0, NULL, 0, 0, 0), 0);
	step(w, 0);
	assert_int_equal(t.cancelled, 0);
	/* Another process takes the entry: t's stale handle leaves it alone. */
	upid = bl_proc_spawn(s, &tp_beh, &u, NULL);
	assert_int_equal(u.h & UINT32_MAX, t.h & UINT32_MAX);
	assert_int_equal(bl_sched_deliver(s, pid, 7, 0, NULL, 0, 0, 0), 0);
	step(w, 0);
	assert_int_equal(t.cancelled, 0);
	step(w, 20);
	assert_int_equal(u.last_key, 42);
	/* Fired: u's own cancel says so. */
	assert_int_equal(bl_sched_deliver(s, upid, 7, 0, NULL, 0, 0, 0), 0);
	step(w, 0);
	assert_int_equal(u.cancelled, 0);
	world_free(w);
}

/* A receive timeout cancelled: handle_timeout never runs. */
static void test_receive_timeout_cancel(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct tp t = { .at_init_timeout = 50 };
	uint64_t pid = bl_proc_spawn(s, &tp_beh, &t, NULL);

	(void)state;
	assert_true(t.rh & BL_TIMER_RECV);
	step(w, 10);
	assert_int_equal(bl_sched_deliver(s, pid, 8, 0, NULL, 0, 0, 0), 0);
	step(w, 0);
	assert_int_equal(t.cancelled, 1);
	step(w, 200);
	assert_int_equal(t.timeouts, 0);
	assert_int_equal(bl_sched_deliver(s, pid, 8, 0, NULL, 0, 0, 0), 0);
	step(w, 0);
	assert_int_equal(t.cancelled, 0);
	world_free(w);
}

static void test_receive_timeout(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct tp t = { .at_init_timeout = 50 };
	uint64_t pid = bl_proc_spawn(s, &tp_beh, &t, NULL);

	(void)state;
	step(w, 30);
	assert_int_equal(bl_sched_deliver(s, pid, 1, 0, NULL, 0, 0, 0), 0);
	step(w, 0);
	step(w, 30); /* t=60: 30 ms since the message */
	assert_int_equal(t.timeouts, 0);
	assert_int_equal(bl_sched_deliver(s, pid, 2, 0, NULL, 0, 0, 0), 0);
	step(w, 0);
	step(w, 49); /* t=109 */
	assert_int_equal(t.timeouts, 0);
	step(w, 1); /* t=110: 50 ms of silence */
	assert_int_equal(t.timeouts, 1);
	step(w, 500); /* one shot */
	assert_int_equal(t.timeouts, 1);
	assert_int_equal(t.msgs, 2);
	assert_int_equal(s->wheel.armed, 0);
	world_free(w);
}

static void test_many_timeouts(void **state)
{
	enum { N = 3000 };
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct tp *t = (struct tp *)calloc(N, sizeof(*t));
	unsigned i;

	(void)state;
	for (i = 0; i < N; i++) {
		t[i].at_init_timeout = 1 + (i * 7) % 5000; /* spread over several revolutions */
		assert_int_not_equal(bl_proc_spawn(s, &tp_beh, &t[i], NULL), BL_PID_NONE);
	}
	assert_int_equal(s->wheel.armed, N);
	for (i = 0; i < 5000; i += 10) {
		unsigned j;

		step(w, 10);
		for (j = 0; j < N; j++)
			assert_int_equal(t[j].timeouts, t[j].at_init_timeout <= i + 10 ? 1 : 0);
	}
	assert_int_equal(s->wheel.armed, 0);
	world_free(w);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wheel),
		cmocka_unit_test(test_send_after),
		cmocka_unit_test(test_send_after_pool_bounded),
		cmocka_unit_test(test_send_after_cancel),
		cmocka_unit_test(test_receive_timeout_cancel),
		cmocka_unit_test(test_receive_timeout),
		cmocka_unit_test(test_many_timeouts),
	};

	if (actors_test_eal("timer", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
