/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fast path forwarding on a net_ring port (tests/dataplane/fastpath_test.h):
 * in-place forwarding, splitting by copy and by reference, the uniform walk
 * of fixed-size messages and what it hands on, drops by reason, TX-full
 * accounting, and a hop slot reused by another next hop.
 */
#include "fastpath_test.h"

static void test_in_place(void **state)
{
	struct msg msgs[3] = { { 100, 40, 0 }, { 101, 10, 0 }, { 100, 0, 0 } };
	struct out o[4];
	uint64_t split0 = LC->st.split_frames;

	(void)state;
	send_one(make_pkt(msgs, 3, 5000));
	send_one(make_pkt(msgs, 3, 9));
	assert_int_equal(read_out(o, 4), 2);
	assert_int_equal(o[0].dst_ip, HOP_A_IP);
	assert_int_equal(o[0].dst_port, 7447);
	assert_int_equal(o[0].count, 3);
	assert_int_equal(o[0].nb_segs, 1);
	/* Our numbering per hop, not the sender's. */
	assert_int_equal(o[1].seq, o[0].seq + 3);
	assert_int_equal(o[0].keys[1], 101);
	assert_int_equal(o[0].lens[0], 40);
	assert_int_equal(o[0].first_byte[1], 31);
	assert_int_equal(LC->st.split_frames, split0);
}

/* Send m, which splits into two frames (hops A and B); read them back.
 * Returns the index in o of hop A's frame (B's is the other). */
static unsigned int send_split(struct rte_mbuf *m, struct out *o)
{
	send_one(m);
	assert_int_equal(read_out(o, 4), 2);
	return o[0].dst_ip == HOP_A_IP ? 0 : 1;
}

static void test_split_copy_and_ref(void **state)
{
	/* A, A (long run: by reference), B (short: copied), drop, unrouted, A. */
	struct msg msgs[6] = {
		{ 100, 600, 0 }, { 101, 300, 0 }, { 200, 20, 0 },
		{ 300, 8, 0 },	 { 999, 8, 0 },	  { 100, 5, 0 },
	};
	struct out o[4];
	uint64_t ref0 = LC->st.ref_segs, nr0 = LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE],
		 rd0 = LC->st.msg_drops[BL_MSG_DROP_ROUTE_DROP];
	unsigned int a, b;

	(void)state;
	a = send_split(make_pkt(msgs, 6, 1), o);
	b = 1 - a;
	assert_int_equal(o[a].dst_ip, HOP_A_IP);
	assert_int_equal(o[a].count, 3);
	assert_int_equal(o[a].keys[0], 100);
	assert_int_equal(o[a].keys[1], 101);
	assert_int_equal(o[a].keys[2], 100);
	assert_int_equal(o[a].lens[0], 600);
	assert_int_equal(o[a].lens[1], 300);
	assert_int_equal(o[a].lens[2], 5);
	assert_int_equal(o[a].first_byte[1], 31);
	assert_int_equal(o[a].first_byte[2], (uint8_t)(5 * 31));
	assert_int_equal(o[b].dst_ip, HOP_B_IP);
	assert_int_equal(o[b].dst_port, 9000);
	assert_int_equal(o[b].count, 1);
	assert_int_equal(o[b].keys[0], 200);
	assert_int_equal(o[b].first_byte[0], 62);
	if (R->ports[0].multiseg_tx) {
		assert_int_equal(LC->st.ref_segs, ref0 + 1);
		assert_true(o[a].nb_segs >= 2);
	}
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE], nr0 + 1);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_ROUTE_DROP], rd0 + 1);
}

/*
 * Fixed-size messages take a walk that places every header from the first
 * one's length (classify_uniform). Here: a uniform frame split two ways, and
 * a frame whose lengths add up as if they were all the first one's (10, 20,
 * 0: three times 26 bytes) but are not, which must be walked header by
 * header: placed from the first length, its third header would be read from
 * the second message's payload.
 */
static void test_uniform_and_lookalike(void **state)
{
	struct msg uniform[4] = { { 100, 24, 0 }, { 200, 24, 0 }, { 101, 24, 0 }, { 200, 24, 0 } };
	struct msg lookalike[3] = { { 100, 10, 0 }, { 200, 20, 0 }, { 101, 0, 0 } };
	struct out o[4];
	unsigned int a, b;

	(void)state;
	a = send_split(make_pkt(uniform, 4, 1), o);
	b = 1 - a;
	assert_int_equal(o[a].count, 2);
	assert_int_equal(o[a].keys[0], 100);
	assert_int_equal(o[a].keys[1], 101);
	assert_int_equal(o[a].first_byte[1], (uint8_t)(2 * 31));
	assert_int_equal(o[b].dst_ip, HOP_B_IP);
	assert_int_equal(o[b].count, 2);
	assert_int_equal(o[b].keys[1], 200);
	assert_int_equal(o[b].first_byte[1], (uint8_t)(3 * 31));

	a = send_split(make_pkt(lookalike, 3, 2), o);
	b = 1 - a;
	assert_int_equal(o[a].count, 2);
	assert_int_equal(o[a].keys[0], 100);
	assert_int_equal(o[a].keys[1], 101);
	assert_int_equal(o[a].lens[0], 10);
	assert_int_equal(o[a].lens[1], 0);
	assert_int_equal(o[b].dst_ip, HOP_B_IP);
	assert_int_equal(o[b].count, 1);
	assert_int_equal(o[b].keys[0], 200);
	assert_int_equal(o[b].lens[0], 20);
	assert_int_equal(o[b].first_byte[0], 31);
}

/*
 * What the uniform walk hands on to the header-by-header walk: fixed-size
 * frames with a flagged message (forwarded all the same), with a message of
 * another kind (that one dropped as bad_kind, the rest forwarded), and a
 * frame all for one process target that cannot take it whole (here: no
 * process under the name), whose per-message targets the uniform walk does
 * not write: a mixed frame just before it leaves other targets in the
 * per-message array, which must not be taken for this frame's.
 */
static void test_uniform_fallbacks(void **state)
{
	struct msg two[2] = { { 100, 12, 0 }, { 101, 12, 0 } };
	struct msg other_kind[3] = { { 100, 12, 0 }, { 101, 12, 7 }, { 100, 12, 0 } };
	struct msg mixed[2] = { { 100, 12, 0 }, { 200, 12, 0 } };
	struct msg to_nobody[2] = { { 400, 12, 0 }, { 401, 12, 0 } };
	struct bl_route_spec s;
	struct rte_mbuf *m;
	struct out o[4];
	uint64_t bk0 = LC->st.msg_drops[BL_MSG_DROP_BAD_KIND],
		 np0 = LC->st.msg_drops[BL_MSG_DROP_NO_PROCESS], fwd0;

	(void)state;
	m = make_pkt(two, 2, 1);
	/* The second message's flags (bytes 6..7 of its header). */
	rte_pktmbuf_mtod(m, uint8_t *)[BL_WIRE_HDRS_LEN + BL_WIRE_MSG_HDR_LEN + 12 + 7] = 1;
	send_one(m);
	assert_int_equal(read_out(o, 4), 1);
	assert_int_equal(o[0].dst_ip, HOP_A_IP);
	assert_int_equal(o[0].count, 2);
	assert_int_equal(o[0].keys[1], 101);

	fwd0 = LC->st.fwd_msgs;
	send_one(make_pkt(other_kind, 3, 2));
	assert_int_equal(read_out(o, 4), 1);
	assert_int_equal(o[0].count, 2);
	assert_int_equal(o[0].keys[0], 100);
	assert_int_equal(o[0].keys[1], 100);
	assert_int_equal(o[0].first_byte[1], (uint8_t)(2 * 31));
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_BAD_KIND], bk0 + 1);
	assert_int_equal(LC->st.fwd_msgs, fwd0 + 2);

	memset(&s, 0, sizeof(s));
	s.action = BL_ROUTE_PROCESS;
	snprintf(s.name, sizeof(s.name), "nobody");
	assert_true(bl_route_add(R->routes, 400, &s) >= 0);
	assert_true(bl_route_add(R->routes, 401, &s) >= 0);
	send_split(make_pkt(mixed, 2, 3), o);
	send_one(make_pkt(to_nobody, 2, 4));
	assert_int_equal(read_out(o, 4), 0);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_PROCESS], np0 + 2);
	assert_true(bl_route_del(R->routes, 400) == 0);
	assert_true(bl_route_del(R->routes, 401) == 0);
}

static void test_drops(void **state)
{
	struct msg bad_kind[2] = { { 100, 4, 9 }, { 100, 4, 9 } };
	struct msg all_unrouted[2] = { { 12345, 4, 0 }, { 12346, 4, 0 } };
	struct rte_mbuf *m;
	struct out o[2];
	uint64_t bk0 = LC->st.msg_drops[BL_MSG_DROP_BAD_KIND],
		 nr0 = LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE],
		 bm0 = LC->st.pkt_drops[BL_PKT_DROP_BAD_MAGIC];

	(void)state;
	send_one(make_pkt(bad_kind, 2, 1));
	send_one(make_pkt(all_unrouted, 2, 1));
	m = make_pkt(all_unrouted, 2, 1);
	rte_pktmbuf_mtod(m, uint8_t *)[BL_WIRE_HDRS_LEN - 16] ^= 0xff; /* magic */
	send_one(m);
	assert_int_equal(read_out(o, 2), 0);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_BAD_KIND], bk0 + 2);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE], nr0 + 2);
	assert_int_equal(LC->st.pkt_drops[BL_PKT_DROP_BAD_MAGIC], bm0 + 1);
}

static void test_tx_full(void **state)
{
	struct msg msgs[2] = { { 100, 8, 0 }, { 101, 8, 0 } };
	struct rte_mbuf *pkts[BL_BURST];
	struct out *o;
	uint64_t full0 = LC->st.msg_drops[BL_MSG_DROP_TX_FULL], fwd0 = LC->st.fwd_msgs;
	unsigned int i, sent = 0, n;

	(void)state;
	/* Never read the ring: it fills, and what it refuses is counted. */
	for (i = 0; i < 80; i++) {
		unsigned int k;

		for (k = 0; k < BL_BURST; k++)
			pkts[k] = make_pkt(msgs, 2, 0);
		bl_lcore_rx_burst(LC, 0, pkts, BL_BURST);
		sent += BL_BURST;
	}
	bl_lcore_flush(LC);
	check_identity();
	assert_true(LC->st.msg_drops[BL_MSG_DROP_TX_FULL] > full0);
	assert_int_equal((LC->st.fwd_msgs - fwd0) + (LC->st.msg_drops[BL_MSG_DROP_TX_FULL] - full0),
			 2ull * sent);
	o = calloc(sent, sizeof(*o));
	n = read_out(o, sent);
	assert_int_equal(2ull * n, LC->st.fwd_msgs - fwd0);
	free(o);
}

/*
 * A hop slot freed and taken by another next hop: the lcore's prepared bytes
 * for that slot must follow. Slots are reused only when all are taken, so
 * fill the table first.
 */
static void test_hop_slot_reused(void **state)
{
	struct msg one = { 1000000, 8, 0 };
	struct out o[2];
	unsigned int i, filled = 0;

	(void)state;
	for (i = 0; R->routes->n_hops < BL_ROUTE_HOP_MAX; i++, filled++)
		route(1000000 + i, 0x0b000000u + i, 7000);
	send_one(make_pkt(&one, 1, 1));
	assert_int_equal(read_out(o, 2), 1);
	assert_int_equal(o[0].dst_ip, 0x0b000000u);

	/* Reusing a slot waits for a grace period: this thread reads too. */
	rcu_thread_offline();
	assert_int_equal(bl_route_del(R->routes, 1000000), 0);
	route(2000000, 0x0c000001u, 7001);
	rcu_thread_online();
	one.key = 2000000;
	send_one(make_pkt(&one, 1, 2));
	assert_int_equal(read_out(o, 2), 1);
	assert_int_equal(o[0].dst_ip, 0x0c000001u);
	assert_int_equal(o[0].dst_port, 7001);

	assert_int_equal(bl_route_del(R->routes, 2000000), 0);
	for (i = 1; i < filled; i++)
		assert_int_equal(bl_route_del(R->routes, 1000000 + i), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_split_copy_and_ref),
		cmocka_unit_test(test_uniform_and_lookalike),
		cmocka_unit_test(test_uniform_fallbacks),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_tx_full),
		cmocka_unit_test(test_hop_slot_reused),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
