/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames that do not get through whole: the mailbox limit (drop newest,
 * drop oldest, kill), a process that exits part way through a frame, and
 * deliveries refused (dead pid, another lcore's pid, no message node), each
 * with its drops counted per message and every mbuf back in its pool.
 */
#include "frame_test.h"

static void test_mailbox_limit_drop_newest(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct bl_spawn_opts o = { .mailbox_limit = 1, .overflow = BL_OVERFLOW_DROP_NEWEST + 1 };
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, &o);
	uint64_t full = s->drops[BL_SDROP_MAILBOX_FULL];
	struct bl_proc *p = bl_proc_lookup(s, pid);
	struct frame a, b;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, N, 2 * KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &a), 0);
	/* the mailbox holds one entry: the second frame is refused whole */
	assert_int_not_equal(deliver_net(s, pid, &b), 0);
	assert_int_equal(p->drops, N);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL], full + N);
	assert_int_equal(rte_mbuf_refcnt_read(b.m), 1);
	assert_int_equal(rte_mbuf_refcnt_read(a.m), 2);
	assert_int_equal(p->pinned_bytes, a.m->buf_len);
	assert_int_equal(p->mbox.len, 1);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 1);
	world_settle(s);
	assert_int_equal(r.n, N);
	assert_seen(&r, 0, &a, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_mailbox_limit_drop_oldest(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct bl_spawn_opts o = { .mailbox_limit = 1, .overflow = BL_OVERFLOW_DROP_OLDEST + 1 };
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, &o);
	uint64_t full = s->drops[BL_SDROP_MAILBOX_FULL];
	struct bl_proc *p = bl_proc_lookup(s, pid);
	struct frame a, b;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, 3, 2 * KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &a), 0);
	/* the new frame pushes the old one out: its N messages are the drops */
	assert_int_equal(deliver_net(s, pid, &b), 0);
	assert_int_equal(p->drops, N);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL], full + N);
	assert_int_equal(rte_mbuf_refcnt_read(a.m), 1);
	assert_int_equal(rte_mbuf_refcnt_read(b.m), 2);
	assert_int_equal(p->pinned_bytes, b.m->buf_len);
	assert_int_equal(s->pinned_total, b.m->buf_len);
	assert_int_equal(s->mbox_total, 1);
	world_settle(s);
	assert_int_equal(r.n, 3);
	assert_seen(&r, 0, &b, 3, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_mailbox_limit_kill(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct bl_spawn_opts o = { .mailbox_limit = 1, .overflow = BL_OVERFLOW_KILL + 1 };
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, &o);
	uint64_t full = s->drops[BL_SDROP_MAILBOX_FULL];
	struct frame a, b;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, 3, 2 * KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &a), 0);
	assert_int_not_equal(deliver_net(s, pid, &b), 0);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL], full + 3);
	assert_int_equal(rte_mbuf_refcnt_read(b.m), 1);
	world_settle(s);
	/* killed by the overflow: nothing handled, the queued frame released */
	assert_null(bl_proc_lookup(s, pid));
	assert_int_equal(r.n, 0);
	assert_int_equal(r.terminated, 1);
	assert_int_equal(r.reason.code, BL_EXIT_MAILBOX_OVERFLOW);
	assert_int_equal(rte_mbuf_refcnt_read(a.m), 1);
	assert_int_equal(s->pinned_total, 0);
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_exit_mid_frame(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { .exit_at = 2 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	uint64_t handled = s->handled, exited = s->exited;
	uint64_t lost = s->drops[BL_SDROP_EXITED];
	struct rte_mbuf *big = world_mbuf(w, 200);
	struct frame a, b;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, N, 2 * KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &a), 0);
	/* more mail behind the frame: a second frame and a referenced payload */
	assert_int_equal(deliver_net(s, pid, &b), 0);
	assert_int_equal(bl_sched_deliver(s, pid, 1, SRC_TOKEN, big, 0, 200, BL_MSG_F_NET), 0);
	assert_int_equal(rte_mbuf_refcnt_read(big), 2);
	/* the test's own references go: only the queued nodes hold the mbufs */
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	rte_pktmbuf_free(big);
	world_settle(s);
	assert_int_equal(r.n, 2);
	assert_seen(&r, 0, &a, 2, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	assert_int_equal(s->handled, handled + 2);
	assert_null(bl_proc_lookup(s, pid));
	assert_int_equal(s->exited, exited + 1);
	/* the rest of frame a, all of frame b and the 200-byte message: counted */
	assert_int_equal(s->drops[BL_SDROP_EXITED], lost + (N - 2) + N + 1);
	assert_int_equal(r.terminated, 1);
	assert_int_equal(r.reason.code, BL_EXIT_ERROR);
	assert_int_equal(r.reason.detail, 7);
	assert_int_equal(s->pinned_total, 0);
	assert_int_equal(s->mbox_total, 0);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_refused_deliveries(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	uint64_t before[BL_SDROP_MAX];
	uint64_t other = bl_pid_make(s->lcore + 1, bl_pid_slot(pid), bl_pid_gen(pid));
	struct frame f;
	unsigned i;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(bl_proc_kill(s, pid, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	assert_null(bl_proc_lookup(s, pid));
	memcpy(before, s->drops, sizeof(before));
	/* a dead pid: every message of the frame is a dead_pid drop */
	assert_int_equal(deliver_net(s, pid, &f), -ESRCH);
	assert_int_equal(s->drops[BL_SDROP_DEAD_PID], before[BL_SDROP_DEAD_PID] + N);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	/* another lcore's pid: refused before anything is taken or counted */
	memcpy(before, s->drops, sizeof(before));
	assert_int_equal(deliver_net(s, other, &f), -EXDEV);
	for (i = 0; i < BL_SDROP_MAX; i++)
		assert_int_equal(s->drops[i], before[i]);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	assert_int_equal(s->mbox_total, 0);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_no_msg_buf(void **state)
{
	struct bl_sched_config cfg = { .n_msgs = 1 };
	struct world *w = world_new(1, &cfg, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	uint64_t nomsg = s->drops[BL_SDROP_NO_MSG_BUF];
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	/* the only node is taken by a plain message */
	assert_int_equal(bl_sched_deliver(s, pid, 1, SRC_TOKEN, NULL, 0, 0, BL_MSG_F_NET), 0);
	assert_int_equal(deliver_net(s, pid, &f), -ENOBUFS);
	assert_int_equal(s->drops[BL_SDROP_NO_MSG_BUF], nomsg + N);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	world_settle(s);
	/* with the node back the frame goes through */
	assert_int_equal(deliver_net(s, pid, &f), 0);
	world_settle(s);
	assert_int_equal(r.n, 1 + N);
	assert_seen(&r, 1, &f, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailbox_limit_drop_newest),
		cmocka_unit_test(test_mailbox_limit_drop_oldest),
		cmocka_unit_test(test_mailbox_limit_kill),
		cmocka_unit_test(test_exit_mid_frame),
		cmocka_unit_test(test_refused_deliveries),
		cmocka_unit_test(test_no_msg_buf),
	};

	if (actors_test_eal("frame_drops", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
