/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame mailbox entries (BL_MSG_FRAME) delivered and handled: one received
 * wire frame reaches a process as one node holding one mbuf reference, and
 * every message reaches handle_message in order as a view (key, length,
 * bytes, src, flags), or the whole node reaches handle_frame; reductions,
 * pinning while queued, keeping views, the iterator's bounds, and a view
 * passed on with bl_forward.
 */
#include "frame_test.h"

static void test_messages_in_order(void **state)
{
	/* A budget below the frame's count: the frame is handled whole anyway. */
	struct bl_sched_config cfg = { .budget = 2 };
	struct world *w = world_new(1, &cfg, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	uint64_t handled = s->handled;
	const uint16_t fl = BL_MSG_F_NET;
	struct bl_proc *p;
	struct frame f;

	(void)state;
	assert_int_not_equal(pid, BL_PID_NONE);
	p = bl_proc_lookup(s, pid);
	assert_non_null(p);
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(rte_mempool_avail_count(w->pool), start - 1);
	assert_int_equal(bl_sched_deliver_frame(s, pid, SRC_TOKEN, f.m, f.off, f.len, f.n, fl), 0);
	/* one node, one reference, one mailbox entry */
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	assert_int_equal(p->mbox.len, 1);
	assert_int_equal(s->mbox_total, 1);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 1);
	assert_int_equal(p->reductions, 0);
	/* one turn handles every message of the frame */
	assert_int_equal(bl_sched_run(s, 1), N);
	assert_int_equal(r.n, N);
	assert_seen(&r, 0, &f, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	assert_int_equal(p->reductions, N);
	assert_int_equal(s->handled, handled + N);
	assert_int_equal(p->mbox.len, 0);
	assert_null(p->mbox.head);
	assert_int_equal(s->mbox_total, 0);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	assert_int_equal(bl_sched_check(s), 0);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	assert_int_equal(r.terminated, 0);
	world_free(w);
	assert_int_equal(r.terminated, 1);
}

static void test_pid_source_and_two_frames(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	uint64_t from = bl_pid_make(s->lcore, 3, 5);
	struct frame a, b;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, 3, 2 * KEY_BASE);
	/* a pid as the source: no NET flag, and the view flag alone */
	assert_int_equal(bl_sched_deliver_frame(s, pid, from, a.m, a.off, a.len, a.n, 0), 0);
	assert_int_equal(bl_sched_deliver(s, pid, 5, from, NULL, 0, 0, 0), 0);
	assert_int_equal(bl_sched_deliver_frame(s, pid, from, b.m, b.off, b.len, b.n, 0), 0);
	assert_int_equal(bl_proc_lookup(s, pid)->mbox.len, 3);
	world_settle(s);
	assert_int_equal(r.n, N + 1 + 3);
	assert_seen(&r, 0, &a, N, from, BL_MSG_F_VIEW);
	/* the plain message between the frames stays between them, not a view */
	assert_int_equal(r.key[N], 5);
	assert_int_equal(r.flags[N], 0);
	assert_null(r.mbuf[N]);
	assert_seen(&r, N + 1, &b, 3, from, BL_MSG_F_VIEW);
	assert_int_equal(bl_proc_lookup(s, pid)->reductions, N + 1 + 3);
	assert_int_equal(rte_mbuf_refcnt_read(a.m), 1);
	assert_int_equal(rte_mbuf_refcnt_read(b.m), 1);
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	world_free(w);
}

static void test_pinned_while_queued(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	struct bl_proc_info info;
	struct frame a, b;
	unsigned i;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, N, 3 * KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &a), 0);
	/* one buffer pinned, whatever the number of messages in it */
	assert_int_equal(bl_proc_info_get(s, pid, &info), 0);
	assert_int_equal(info.pinned_bytes, a.m->buf_len);
	assert_int_equal(info.mailbox_len, 1);
	assert_int_equal(bl_proc_lookup(s, pid)->pinned_bytes, a.m->buf_len);
	assert_int_equal(s->pinned_total, a.m->buf_len);
	assert_int_equal(deliver_net(s, pid, &b), 0);
	assert_int_equal(bl_proc_info_get(s, pid, &info), 0);
	assert_int_equal(info.pinned_bytes, a.m->buf_len + b.m->buf_len);
	assert_int_equal(info.mailbox_len, 2);
	world_settle(s);
	assert_int_equal(r.n, 2 * N);
	/* while its messages are handled a frame is still pinned, and the
	 * frame behind it is pinned until its own turn */
	for (i = 0; i < N; i++)
		assert_int_equal(r.pinned[i], a.m->buf_len + b.m->buf_len);
	for (i = N; i < 2 * N; i++)
		assert_int_equal(r.pinned[i], b.m->buf_len);
	assert_int_equal(bl_proc_info_get(s, pid, &info), 0);
	assert_int_equal(info.pinned_bytes, 0);
	assert_int_equal(info.mailbox_len, 0);
	assert_int_equal(info.reductions, 2 * N);
	assert_int_equal(s->pinned_total, 0);
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	world_free(w);
}

static void test_keep_views(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { .keep = 1 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	struct bl_proc *p = bl_proc_lookup(s, pid);
	uint32_t buf, j;
	struct frame f;
	unsigned i;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	buf = f.m->buf_len;
	assert_int_equal(deliver_net(s, pid, &f), 0);
	world_settle(s);
	assert_int_equal(r.n, N);
	/* sizes 0, 10, 64: heap copies that pin nothing beyond the frame
	 * itself; 65 and 300: a reference each, the whole buffer pinned */
	assert_int_equal(r.pinned_after_keep[0], buf);
	assert_int_equal(r.pinned_after_keep[1], buf);
	assert_int_equal(r.pinned_after_keep[2], buf);
	assert_int_equal(r.pinned_after_keep[3], 2 * buf);
	assert_int_equal(r.pinned_after_keep[4], 3 * buf);
	for (i = 0; i < N; i++) {
		assert_non_null(r.kept[i]);
		assert_int_equal(bl_kbin_len(r.kept[i]), frame_sizes[i]);
		for (j = 0; j < frame_sizes[i]; j++)
			assert_int_equal(bl_kbin_data(r.kept[i])[j], frame_byte(f.base, i, j));
		if (frame_sizes[i] <= BL_BIN_INLINE_MAX) {
			assert_null(r.kept[i]->bin.m);
		} else {
			assert_ptr_equal(r.kept[i]->bin.m, f.m);
			assert_int_equal(r.kept[i]->bin.off, frame_payload_off(&f, i));
		}
	}
	/* the frame node is gone; the two kept references remain */
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 3);
	assert_int_equal(p->pinned_bytes, 2 * buf);
	assert_int_equal(s->pinned_total, 2 * buf);
	/* the test lets go of its own reference: the process's keep the bytes */
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	assert_int_equal(bl_kbin_data(r.kept[4])[299], frame_byte(f.base, 4, 299));
	/* dropping the kept references releases the buffer */
	assert_int_equal(bl_sched_deliver(s, pid, DROP_KEY, 0, NULL, 0, 0, 0), 0);
	world_settle(s);
	assert_int_equal(r.dropped, 2);
	assert_int_equal(p->pinned_bytes, 0);
	assert_int_equal(s->pinned_total, 0);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	/* the small copies are still readable from the heap */
	assert_int_equal(bl_kbin_data(r.kept[1])[9], frame_byte(f.base, 1, 9));
	world_free(w);
}

static void test_keep_released_by_exit(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { .keep = 1 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	rte_pktmbuf_free(f.m); /* only the node's reference is left */
	world_settle(s);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	assert_int_equal(s->pinned_total, 2 * f.m->buf_len);
	assert_int_equal(rte_mempool_avail_count(w->pool), start - 1);
	assert_int_equal(bl_proc_kill(s, pid, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	assert_null(bl_proc_lookup(s, pid));
	assert_int_equal(r.terminated, 1);
	assert_int_equal(s->pinned_total, 0);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_handle_frame(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_frame_beh, &r, NULL);
	uint64_t handled = s->handled;
	struct bl_proc_info info;
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	/* a plain message still goes to handle_message */
	assert_int_equal(bl_sched_deliver(s, pid, 9, SRC_TOKEN, NULL, 0, 0, BL_MSG_F_NET), 0);
	assert_int_equal(bl_sched_run(s, 1), N + 1);
	assert_int_equal(r.frames, 1);
	assert_int_equal(r.f_type, BL_MSG_FRAME);
	assert_int_equal(r.f_count, N);
	assert_int_equal(r.f_flags, BL_MSG_F_NET);
	assert_int_equal(r.f_src, SRC_TOKEN);
	assert_ptr_equal(r.f_mbuf, f.m);
	assert_int_equal(r.f_off, f.off);
	assert_int_equal(r.f_len, f.len);
	assert_int_equal(r.f_pinned, f.m->buf_len);
	/* the iterator yields the same messages handle_message would see */
	assert_int_equal(r.n, N + 1);
	assert_seen(&r, 0, &f, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	assert_int_equal(r.key[N], 9);
	assert_int_equal(r.flags[N], BL_MSG_F_NET);
	assert_int_equal(bl_proc_info_get(s, pid, &info), 0);
	assert_int_equal(info.reductions, N + 1);
	assert_int_equal(info.pinned_bytes, 0);
	assert_int_equal(s->handled, handled + N + 1);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	rte_pktmbuf_free(f.m);
	world_free(w);
}

/* A hand-made frame node: bl_frame_next stays inside its region. */
static void test_iter_bounds(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct frame f;
	struct bl_msg node, v;
	struct bl_frame_iter it;
	unsigned n = 0;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	memset(&node, 0, sizeof(node));
	node.type = BL_MSG_FRAME;
	node.bin.m = f.m;
	node.bin.off = f.off;
	node.bin.len = f.len;
	node.aux = N + 3; /* claims more messages than the region holds */
	bl_frame_iter_init(&it, &node);
	while (bl_frame_next(&it, &v))
		n++;
	assert_int_equal(n, N);
	/* a region that ends inside the last payload: that message is refused */
	node.bin.len = f.len - 1;
	node.aux = N;
	n = 0;
	bl_frame_iter_init(&it, &node);
	while (bl_frame_next(&it, &v)) {
		assert_int_equal(v.key, frame_key(f.base, n));
		n++;
	}
	assert_int_equal(n, N - 1);
	rte_pktmbuf_free(f.m);
	world_free(w);
}

/* A view passed on with bl_forward: the receiver takes its own reference. */
static void test_forward_view(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec sink = { 0 };
	uint64_t psink = bl_proc_spawn(s, &rec_beh, &sink, NULL);
	struct rec fwd = { .fwd_to = psink };
	uint64_t pfwd = bl_proc_spawn(s, &rec_beh, &fwd, NULL);
	struct frame f;
	unsigned i;
	uint32_t j;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pfwd, &f), 0);
	rte_pktmbuf_free(f.m); /* the node's reference alone keeps the frame */
	assert_int_equal(bl_sched_run(s, 1), N);
	assert_int_equal(fwd.n, N);
	/* the frame node is gone; the two big payloads hold a reference each */
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	assert_int_equal(bl_proc_lookup(s, psink)->mbox.len, N);
	assert_int_equal(bl_proc_lookup(s, psink)->pinned_bytes, 2 * f.m->buf_len);
	world_settle(s);
	assert_int_equal(sink.n, N);
	for (i = 0; i < N; i++) {
		assert_int_equal(sink.key[i], frame_key(f.base, i));
		assert_int_equal(sink.len[i], frame_sizes[i]);
		assert_int_equal(sink.src[i], SRC_TOKEN);
		assert_int_equal(sink.flags[i], BL_MSG_F_NET);
		for (j = 0; j < frame_sizes[i]; j++)
			assert_int_equal(sink.data[i][j], frame_byte(f.base, i, j));
		/* small payloads were copied into the receiver's node */
		if (frame_sizes[i] <= BL_BIN_INLINE_MAX)
			assert_null(sink.mbuf[i]);
		else
			assert_ptr_equal(sink.mbuf[i], f.m);
	}
	assert_int_equal(s->pinned_total, 0);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages_in_order),
		cmocka_unit_test(test_pid_source_and_two_frames),
		cmocka_unit_test(test_pinned_while_queued),
		cmocka_unit_test(test_keep_views),
		cmocka_unit_test(test_keep_released_by_exit),
		cmocka_unit_test(test_handle_frame),
		cmocka_unit_test(test_iter_bounds),
		cmocka_unit_test(test_forward_view),
	};

	if (actors_test_eal("frame_deliver", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
