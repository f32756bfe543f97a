/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bl_transmit_frame: a frame passed on message by message without a frame
 * callback, whole with one, refusals counted per message, and the frame
 * node's reference lent to the transmitter (kept when the turn ends, or
 * given back when it cancels).
 */
#include "frame_test.h"

#define TX_DEST 77u

/* The recording transmit callbacks. */
struct txrec {
	unsigned n;
	uint64_t dest[MAX_REC];
	uint64_t key[MAX_REC];
	uint32_t len[MAX_REC];
	uint16_t flags[MAX_REC];
	const struct rte_mbuf *mbuf[MAX_REC];
	uint8_t last[MAX_REC];
	unsigned frames;
	uint64_t f_dest;
	uint16_t f_type;
	uint32_t f_count;
	const struct rte_mbuf *f_mbuf;
	uint32_t f_off;
	uint32_t f_len;
	struct rte_mbuf *held; /* frame_fn keeps the mbuf, as the dataplane does */
	int fail;
	/* Lending (bl_sched_lend_frame): 1 borrow the node's reference, 2 borrow
	 * then give it back and take one of its own. */
	int lend;
	struct bl_sched *s;
	uint64_t turn;
	bool lent, lent_again, over_in_turn;
};

static int rec_tx(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *m)
{
	struct txrec *t = (struct txrec *)arg;
	unsigned i = t->n;

	(void)lcore;
	if (t->fail)
		return -ENOBUFS;
	assert_true(i < MAX_REC);
	t->dest[i] = dest;
	t->key[i] = m->key;
	t->len[i] = bl_msg_len(m);
	t->flags[i] = m->flags;
	t->mbuf[i] = m->bin.m;
	t->last[i] = bl_msg_len(m) ? bl_msg_data(m)[bl_msg_len(m) - 1] : 0;
	t->n++;
	return 0;
}

static int rec_tx_frame(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *f)
{
	struct txrec *t = (struct txrec *)arg;

	(void)lcore;
	if (t->fail)
		return (int)bl_frame_count(f); /* refuses every message */
	t->frames++;
	t->f_dest = dest;
	t->f_type = f->type;
	t->f_count = bl_frame_count(f);
	t->f_mbuf = f->bin.m;
	t->f_off = f->bin.off;
	t->f_len = f->bin.len;
	t->held = f->bin.m;
	if (t->lend) {
		t->lent = bl_sched_lend_frame(t->s, f, &t->turn);
		t->lent_again = bl_sched_lend_frame(t->s, f, &t->turn);
		t->over_in_turn = bl_sched_frame_turn_over(t->s, t->turn);
		if (t->lent && t->lend == 1)
			return 0;
		if (t->lent)
			bl_sched_lend_cancel(t->s, f);
	}
	rte_mbuf_refcnt_update(f->bin.m, 1);
	return 0;
}

/* handle_frame: the whole frame to the transmit callback, the result kept. */
static void tx_frame(struct bl_ctx *c, const struct bl_msg *f)
{
	struct rec *r = (struct rec *)bl_state(c);

	r->frames++;
	r->tx_rc = bl_transmit_frame(c, TX_DEST, f);
}

static const struct bl_behaviour tx_beh = {
	.name = "txf",
	.init = rec_init,
	.handle_message = rec_msg,
	.handle_frame = tx_frame,
};

static struct world *tx_world(struct txrec *t, bool whole)
{
	struct bl_sched_config cfg = { 0 };

	cfg.tx.fn = rec_tx;
	cfg.tx.frame_fn = whole ? rec_tx_frame : NULL;
	cfg.tx.arg = t;
	return world_new(1, &cfg, false);
}

static void test_transmit_frame_per_message(void **state)
{
	struct txrec t = { 0 };
	struct world *w = tx_world(&t, false);
	struct bl_sched *s = w->s[0];
	struct bl_forward_args fa = { .dest = TX_DEST };
	uint64_t pid = bl_proc_spawn(s, &bl_forward_behaviour, &fa, NULL);
	struct frame f;
	unsigned i;

	(void)state;
	assert_int_not_equal(pid, BL_PID_NONE);
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	world_settle(s);
	/* forward passes the frame on: without frame_fn, message by message */
	assert_int_equal(t.n, N);
	assert_int_equal(t.frames, 0);
	for (i = 0; i < N; i++) {
		assert_int_equal(t.dest[i], TX_DEST);
		assert_int_equal(t.key[i], frame_key(f.base, i));
		assert_int_equal(t.len[i], frame_sizes[i]);
		assert_int_equal(t.flags[i], BL_MSG_F_NET | BL_MSG_F_VIEW);
		assert_ptr_equal(t.mbuf[i], f.m);
		if (frame_sizes[i] != 0)
			assert_int_equal(t.last[i], frame_byte(f.base, i, frame_sizes[i] - 1));
	}
	assert_int_equal(bl_proc_lookup(s, pid)->reductions, N);
	assert_int_equal(s->drops[BL_SDROP_TX_FAILED], 0);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	rte_pktmbuf_free(f.m);
	world_free(w);
}

static void test_transmit_frame_refused_per_message(void **state)
{
	struct txrec t = { .fail = 1 };
	struct world *w = tx_world(&t, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &tx_beh, &r, NULL);
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	world_settle(s);
	assert_int_equal(r.frames, 1);
	assert_int_equal(r.tx_rc, -ENOBUFS);
	/* every refused message is a counted drop */
	assert_int_equal(s->drops[BL_SDROP_TX_FAILED], N);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	rte_pktmbuf_free(f.m);
	world_free(w);
}

static void test_transmit_frame_whole(void **state)
{
	struct txrec t = { 0 };
	struct world *w = tx_world(&t, true);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct bl_forward_args fa = { .dest = TX_DEST };
	uint64_t pid = bl_proc_spawn(s, &bl_forward_behaviour, &fa, NULL);
	struct rec r = { 0 };
	uint64_t pid2 = bl_proc_spawn(s, &tx_beh, &r, NULL);
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	world_settle(s);
	/* once, with the node; the per-message callback never runs */
	assert_int_equal(t.frames, 1);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.f_dest, TX_DEST);
	assert_int_equal(t.f_type, BL_MSG_FRAME);
	assert_int_equal(t.f_count, N);
	assert_ptr_equal(t.f_mbuf, f.m);
	assert_int_equal(t.f_off, f.off);
	assert_int_equal(t.f_len, f.len);
	assert_int_equal(bl_proc_lookup(s, pid)->reductions, N);
	/* the callback's own reference outlives the node's */
	assert_ptr_equal(t.held, f.m);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	rte_pktmbuf_free(t.held);
	t.held = NULL;
	/* a refusing frame callback: its error reaches the handler, counted */
	t.fail = 1;
	assert_int_equal(deliver_net(s, pid2, &f), 0);
	world_settle(s);
	assert_int_equal(r.frames, 1);
	assert_int_equal(r.tx_rc, -ENOBUFS);
	assert_int_equal(t.frames, 1);
	assert_int_equal(t.n, 0);
	assert_int_equal(s->drops[BL_SDROP_TX_FAILED], N);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

/*
 * The node of the running frame turn lends its reference: kept by the
 * transmitter when the turn ends, or given back (and released by the node)
 * when the transmitter cancels. Lent once; never outside the turn.
 */
static void lend_case(int mode)
{
	struct txrec t = { 0 };
	struct world *w = tx_world(&t, true);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct bl_forward_args fa = { .dest = TX_DEST };
	uint64_t pid = bl_proc_spawn(s, &bl_forward_behaviour, &fa, NULL);
	struct frame f;
	uint64_t turn;

	t.lend = mode;
	t.s = s;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2); /* ours and the node's */
	world_settle(s);
	assert_int_equal(t.frames, 1);
	assert_true(t.lent);
	assert_false(t.lent_again);
	assert_false(t.over_in_turn);
	assert_true(bl_sched_frame_turn_over(s, t.turn));
	/* The node is gone either way; the transmitter holds one reference. */
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	assert_ptr_equal(t.held, f.m);
	assert_false(
	    bl_sched_lend_frame(s, &(struct bl_msg){ .type = BL_MSG_FRAME, .bin.m = f.m }, &turn));
	rte_pktmbuf_free(t.held);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_transmit_frame_lent(void **state)
{
	(void)state;
	lend_case(1);
}

static void test_transmit_frame_lend_cancelled(void **state)
{
	(void)state;
	lend_case(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transmit_frame_per_message),
		cmocka_unit_test(test_transmit_frame_refused_per_message),
		cmocka_unit_test(test_transmit_frame_whole),
		cmocka_unit_test(test_transmit_frame_lent),
		cmocka_unit_test(test_transmit_frame_lend_cancelled),
	};

	if (actors_test_eal("frame_tx", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
