/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bl_sched_deliver_frame_now, the data plane's way in: a frame for a
 * process that waits with an empty mailbox is handled there and then, whole
 * (handle_frame) or message by message (no node queued, none taken from
 * the pool, the caller's reference released or lent); anything else is
 * queued behind what waits, so a process's messages keep their order.
 */
#include "frame_test.h"

#define TX_DEST 77u

/* Deliver f as the data plane does: its own reference given away. */
static int deliver_now(struct bl_sched *s, uint64_t pid, const struct frame *f)
{
	rte_mbuf_refcnt_update(f->m, 1);
	return bl_sched_deliver_frame_now(s, pid, SRC_TOKEN, f->m, f->off, f->len, f->n,
					  BL_MSG_F_NET);
}

static void test_idle_process_handles_at_once(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_frame_beh, &r, NULL);
	uint64_t handled = s->handled;
	struct bl_proc *p = bl_proc_lookup(s, pid);
	struct frame f;

	(void)state;
	assert_non_null(p);
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_now(s, pid, &f), 0);
	/* Handled before the scheduler ran: the whole frame, in order. */
	assert_int_equal(r.frames, 1);
	assert_int_equal(r.f_type, BL_MSG_FRAME);
	assert_int_equal(r.f_count, N);
	assert_int_equal(r.f_src, SRC_TOKEN);
	assert_ptr_equal(r.f_mbuf, f.m);
	assert_int_equal(r.n, N);
	assert_seen(&r, 0, &f, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	assert_int_equal(p->reductions, N);
	assert_int_equal(s->handled, handled + N);
	assert_int_equal(p->status, BL_PROC_WAITING);
	/* Nothing queued, no node used, the given reference released. */
	assert_int_equal(p->mbox.len, 0);
	assert_int_equal(s->mbox_total, 0);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	assert_int_equal(p->flags & BL_PF_RUNQ, 0);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	assert_int_equal(bl_sched_check(s), 0);
	assert_int_equal(bl_sched_run(s, 8), 0); /* nothing left to do */
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_queued_behind_waiting_mail(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_frame_beh, &r, NULL);
	struct bl_proc *p = bl_proc_lookup(s, pid);
	struct frame a, b;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, N, KEY_BASE + 500);
	assert_int_equal(deliver_net(s, pid, &a), 0); /* queued: waits for a turn */
	assert_int_equal(deliver_now(s, pid, &b), 0);
	/* b must not pass a: queued behind it, nothing handled yet. */
	assert_int_equal(r.frames, 0);
	assert_int_equal(p->mbox.len, 2);
	assert_int_equal(rte_mbuf_refcnt_read(b.m), 2);
	world_settle(s);
	assert_int_equal(r.frames, 2);
	assert_int_equal(r.n, 2 * N);
	assert_seen(&r, 0, &a, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	assert_seen(&r, N, &b, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	/* Once idle again, the next frame is handled at once. */
	assert_int_equal(deliver_now(s, pid, &a), 0);
	assert_int_equal(r.frames, 3);
	assert_int_equal(p->mbox.len, 0);
	assert_int_equal(bl_sched_check(s), 0);
	assert_int_equal(rte_mbuf_refcnt_read(a.m), 1);
	assert_int_equal(rte_mbuf_refcnt_read(b.m), 1);
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

/* A behaviour that reads messages one by one (handle_message only, as
 * every module's) is handed them at once too, each a view and a reduction;
 * an exit in the middle leaves the rest, counted as exited drops. */
static void test_message_behaviour_at_once(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { 0 }, q = { .exit_at = 2 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	uint64_t quitter = bl_proc_spawn(s, &rec_beh, &q, NULL);
	struct bl_proc *p = bl_proc_lookup(s, pid);
	uint64_t exited = s->drops[BL_SDROP_EXITED];
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_now(s, pid, &f), 0);
	assert_int_equal(r.n, N);
	assert_seen(&r, 0, &f, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	assert_int_equal(p->reductions, N);
	assert_int_equal(p->mbox.len, 0);
	assert_int_equal(p->flags & BL_PF_RUNQ, 0);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	/* The quitter handles two, then its exit takes effect as the turn ends. */
	assert_int_equal(deliver_now(s, quitter, &f), 0);
	assert_int_equal(q.n, 2);
	assert_int_equal(q.terminated, 1);
	assert_null(bl_proc_lookup(s, quitter));
	assert_int_equal(s->drops[BL_SDROP_EXITED], exited + N - 2);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	assert_int_equal(bl_sched_check(s), 0);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

/* An exit asked for in the handler takes effect as the turn ends. */
static void test_exit_in_handler(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { .exit_at = 2 };
	uint64_t pid = bl_proc_spawn(s, &rec_frame_beh, &r, NULL);
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_now(s, pid, &f), 0);
	assert_int_equal(r.frames, 1);
	assert_int_equal(r.terminated, 1);
	assert_int_equal(r.reason.code, BL_EXIT_ERROR);
	assert_null(bl_proc_lookup(s, pid));
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	/* Gone: the next frame is a dead_pid drop, its reference released. */
	assert_int_equal(deliver_now(s, pid, &f), -ESRCH);
	assert_int_equal(s->drops[BL_SDROP_DEAD_PID], N);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	assert_int_equal(bl_sched_check(s), 0);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

/* The transmit callback of the lend tests: borrows the running frame's
 * reference (mode 1), or borrows and gives it back, taking one of its own
 * (mode 2), as the data plane's does when a run must leave early. */
struct lender {
	struct bl_sched *s;
	int mode;
	bool lent;
	uint64_t turn;
	struct rte_mbuf *held;
};

static int lender_tx(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *m)
{
	(void)arg;
	(void)lcore;
	(void)dest;
	(void)m;
	return -ENOBUFS; /* never reached: every frame goes whole */
}

static int lender_tx_frame(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *f)
{
	struct lender *l = (struct lender *)arg;

	(void)lcore;
	assert_int_equal(dest, TX_DEST);
	l->held = f->bin.m;
	l->lent = bl_sched_lend_frame(l->s, f, &l->turn);
	if (l->lent && l->mode == 1)
		return 0;
	if (l->lent)
		bl_sched_lend_cancel(l->s, f);
	rte_mbuf_refcnt_update(f->bin.m, 1);
	return 0;
}

static void lend_case(int mode)
{
	struct lender l = { .mode = mode };
	struct bl_sched_config cfg = { 0 };
	struct bl_forward_args fa = { .dest = TX_DEST };
	struct world *w;
	struct bl_sched *s;
	struct frame f;
	uint64_t pid;
	unsigned start;

	cfg.tx.fn = lender_tx;
	cfg.tx.frame_fn = lender_tx_frame;
	cfg.tx.arg = &l;
	w = world_new(1, &cfg, false);
	s = w->s[0];
	l.s = s;
	start = rte_mempool_avail_count(w->pool);
	pid = bl_proc_spawn(s, &bl_forward_behaviour, &fa, NULL);
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_now(s, pid, &f), 0);
	assert_true(l.lent);
	assert_ptr_equal(l.held, f.m);
	assert_true(bl_sched_frame_turn_over(s, l.turn));
	/* Either way the transmitter holds one reference, the test the other. */
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	rte_pktmbuf_free(l.held);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_lent_reference_kept(void **state)
{
	(void)state;
	lend_case(1);
}

static void test_lend_cancelled(void **state)
{
	(void)state;
	lend_case(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_process_handles_at_once),
		cmocka_unit_test(test_queued_behind_waiting_mail),
		cmocka_unit_test(test_message_behaviour_at_once),
		cmocka_unit_test(test_exit_in_handler),
		cmocka_unit_test(test_lent_reference_kept),
		cmocka_unit_test(test_lend_cancelled),
	};

	if (actors_test_eal("frame_now", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
