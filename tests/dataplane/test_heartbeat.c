/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heartbeats between nodes (dataplane/heartbeat.h): what the control thread
 * sends each known node (its own stream and sequence, ahead of the
 * worker's buffered data), what a worker makes of one it gets (the
 * round trip, the counters, the drops), and a node gone silent: what is
 * sent to it counted node_down.
 */
#include <rte_ring.h>

#include "actors/dest.h"
#include "actors/proc.h"
#include "actors/sched.h"
#include "dataplane/heartbeat.h"
#include "fastpath_test.h"
#include "sender_test.h"

#define PEER_IP 0x0a010001u /* put_pkt's source: the node heartbeats come from */

static int peer_hop;

/* The one peer node: a hop with a known MAC, in the peer table. */
static void add_peer(void)
{
	struct bl_route_hop_spec hs;

	memset(&hs, 0, sizeof(hs));
	hs.port = 0;
	hs.ip = PEER_IP;
	hs.udp = 7447;
	hs.mac.addr_bytes[0] = 0x02;
	hs.mac.addr_bytes[5] = 0x44;
	peer_hop = bl_route_hop_acquire(R->routes, &hs);
	assert_true(peer_hop >= 0);
	assert_int_equal(bl_peer_add(&R->peers, rte_cpu_to_be_32(PEER_IP), (uint16_t)peer_hop), 0);
}

/* Read one frame back; its source UDP port, seq, kind and payload words. */
struct hb_out {
	uint16_t sport, kind, count;
	uint64_t seq, w[3];
};

static bool read_hb(struct hb_out *o)
{
	static uint8_t raw[2048];
	struct rte_mbuf *m;
	const uint8_t *d;

	if (rte_eth_rx_burst(0, 0, &m, 1) != 1)
		return false;
	d = rte_pktmbuf_read(m, 0, m->pkt_len, raw);
	assert_non_null(d);
	o->sport = bl_wire_get16(d + 14 + 20);
	o->count = bl_wire_get16(d + 14 + 28 + 4);
	o->seq = bl_wire_get64(d + 14 + 28 + 8);
	o->kind = bl_wire_get16(d + BL_WIRE_HDRS_LEN + 4);
	for (unsigned i = 0; i < 3; i++)
		o->w[i] = bl_wire_get64(d + BL_WIRE_HDRS_LEN + BL_WIRE_MSG_HDR_LEN + 8 * i);
	rte_pktmbuf_free(m);
	return true;
}

/* A heartbeat from the peer: sent, echo, held. */
static void heartbeat_from_peer(uint64_t seq, uint64_t sent, uint64_t echo, uint64_t held,
				uint32_t len)
{
	struct msg hb[1] = { { 0, len, BL_WIRE_KIND_HEARTBEAT } };
	struct rte_mbuf *m = make_pkt(hb, 1, seq);
	const struct bl_lcore_stats *st = &LC->st;

	if (len >= BL_WIRE_HEARTBEAT_LEN)
		bl_wire_put_heartbeat(
		    rte_pktmbuf_mtod_offset(m, uint8_t *, BL_WIRE_HDRS_LEN + BL_WIRE_MSG_HDR_LEN),
		    sent, echo, held);
	bl_lcore_rx_burst(LC, 0, &m, 1);
	bl_lcore_flush(LC);
	assert_int_equal(st->rx_msgs,
			 st->fwd_msgs + st->drop_msgs + st->buffered_msgs + st->delivered_msgs);
}

/*
 * Sending: one heartbeat per known node per interval, from udp_port + 127,
 * its seq one more each time, echoing the last one heard; it leaves before
 * data the worker had buffered.
 */
static void test_heartbeat_send(void **state)
{
	struct msg data[1] = { { 100, 20, 0 } };
	uint64_t now = bl_heartbeat_now_ns(), t0;
	struct bl_heartbeat_info hi;
	struct hb_out o;
	struct rte_mbuf *m;

	(void)state;
	assert_int_equal(bl_heartbeat_tick(R, now), 0); /* no node known yet */
	add_peer();
	assert_true(bl_heartbeat_info(R, rte_cpu_to_be_32(PEER_IP), now, &hi));
	assert_false(hi.up);
	assert_int_equal(hi.age_ms, UINT64_MAX);
	assert_false(bl_heartbeat_info(R, rte_cpu_to_be_32(PEER_IP + 1), now, &hi));

	assert_int_equal(bl_heartbeat_tick(R, now), 1);
	assert_int_equal(bl_heartbeat_tick(R, now + 1000), 0); /* not due yet */
	bl_lcore_flush(LC);
	assert_true(read_hb(&o));
	assert_int_equal(o.sport, R->conf.udp_port + BL_HEARTBEAT_SPORT);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.seq, 0);
	assert_int_equal(o.kind, BL_WIRE_KIND_HEARTBEAT);
	assert_int_equal(o.w[0], now);
	assert_int_equal(o.w[1], 0); /* nothing heard to echo */
	assert_false(read_hb(&o));

	/* The peer's heartbeat heard; the next one echoes it, with the hold. */
	t0 = bl_heartbeat_now_ns();
	heartbeat_from_peer(1, 777777, 0, 0, BL_WIRE_HEARTBEAT_LEN);
	now += (uint64_t)BL_HEARTBEAT_MS * 1000000u;
	if (now < t0)
		now = t0 + 5000;
	/* Data buffered first (a frame the worker forwards) ... */
	m = make_pkt(data, 1, 2);
	bl_lcore_rx_burst(LC, 0, &m, 1);
	assert_int_equal(bl_heartbeat_tick(R, now), 1);
	bl_lcore_flush(LC);
	/* ... yet the heartbeat leaves ahead of it. */
	assert_true(read_hb(&o));
	assert_int_equal(o.kind, BL_WIRE_KIND_HEARTBEAT);
	assert_int_equal(o.seq, 1);
	assert_int_equal(o.w[1], 777777);
	assert_true(o.w[2] > 0 && o.w[2] <= now - t0 + 1000);
	assert_true(read_hb(&o));
	assert_int_equal(o.kind, BL_WIRE_KIND_DATA);
	assert_false(read_hb(&o));
	assert_true(bl_heartbeat_info(R, rte_cpu_to_be_32(PEER_IP), now, &hi));
	assert_int_equal(hi.sent, 2);
	assert_int_equal(hi.received, 1);
}

/*
 * Receiving: counted delivered and node_heartbeats; an echo gives the round
 * trip (now - echo - held); one cut short is bad_kind, one from an address
 * that is no known node node_unknown.
 */
static void test_heartbeat_receive(void **state)
{
	const struct bl_lcore_stats *st = &LC->st;
	uint64_t hb0 = st->node_heartbeats, nu0 = st->msg_drops[BL_MSG_DROP_NODE_UNKNOWN],
		 bk0 = st->msg_drops[BL_MSG_DROP_BAD_KIND], del0 = st->delivered_msgs;
	uint64_t echo = bl_heartbeat_now_ns() - 3000000u, t1;
	struct bl_heartbeat_info hi;

	(void)state;
	heartbeat_from_peer(10, 5, echo, 1000000u, BL_WIRE_HEARTBEAT_LEN);
	t1 = bl_heartbeat_now_ns();
	assert_int_equal(st->node_heartbeats, hb0 + 1);
	assert_int_equal(st->delivered_msgs, del0 + 1);
	assert_true(bl_heartbeat_info(R, rte_cpu_to_be_32(PEER_IP), t1, &hi));
	assert_true(hi.up);
	assert_true(hi.age_ms < 100);
	/* 3 ms ago, less 1 ms held: about 2 ms. */
	assert_true(hi.rtt_ns >= 2000000u && hi.rtt_ns <= t1 - echo - 1000000u);
	assert_false(bl_heartbeat_info(R, rte_cpu_to_be_32(PEER_IP), t1 + 2000000000ull, &hi) &&
		     hi.up);

	heartbeat_from_peer(11, 5, 0, 0, 8);
	assert_int_equal(st->msg_drops[BL_MSG_DROP_BAD_KIND], bk0 + 1);
	/* From another address: the peer table no longer has it. */
	R->peers.e[0].ip_be = rte_cpu_to_be_32(PEER_IP + 9);
	heartbeat_from_peer(12, 5, 0, 0, BL_WIRE_HEARTBEAT_LEN);
	R->peers.e[0].ip_be = rte_cpu_to_be_32(PEER_IP);
	assert_int_equal(st->msg_drops[BL_MSG_DROP_NODE_UNKNOWN], nu0 + 1);
	assert_int_equal(st->node_heartbeats, hb0 + 1);
}

/*
 * A node heard once and then silent for a second is down at the next
 * tick: what a process sends it (here a global name's message) is refused
 * and counted node_down, not sent; once a heartbeat comes again the next
 * tick lifts it and the message leaves.
 */
static void test_node_down(void **state)
{
	struct sender st = { .rc = 1 };
	uint64_t nd0 = LC->st.ptx_drops[BL_PTX_DROP_NODE_DOWN], pid, now;
	struct hb_out o;

	(void)state;
	st.dest = bl_dest_named((unsigned)peer_hop, 5, BL_NAMED_NO_REPLY, 0);
	pid = bl_proc_spawn(LC->sched, sender_behaviour(), &st, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);
	while (read_hb(&o)) /* what earlier tests left */
		;

	/* Last heard 2 s ago. */
	now = bl_heartbeat_now_ns();
	R->peers.live[0].rx_ns = now - 2000000000ull;
	R->peers.next_ns = 0;
	assert_true(bl_heartbeat_tick(R, now) >= 1);
	assert_true(bl_peer_hop_down(&R->peers, (uint16_t)peer_hop));
	assert_int_equal(bl_sched_deliver(LC->sched, pid, 77, pid, NULL, 0, 0, 0), 0);
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(st.rc, -EHOSTDOWN);
	assert_int_equal(LC->st.ptx_drops[BL_PTX_DROP_NODE_DOWN], nd0 + 1);
	while (read_hb(&o)) /* only heartbeats left: the message did not */
		assert_int_equal(o.kind, BL_WIRE_KIND_HEARTBEAT);

	/* Heard again: up at the next tick, and the message leaves. */
	heartbeat_from_peer(30, 9, 0, 0, BL_WIRE_HEARTBEAT_LEN);
	R->peers.next_ns = 0;
	assert_true(bl_heartbeat_tick(R, bl_heartbeat_now_ns()) >= 1);
	assert_false(bl_peer_hop_down(&R->peers, (uint16_t)peer_hop));
	assert_int_equal(bl_sched_deliver(LC->sched, pid, 78, pid, NULL, 0, 0, 0), 0);
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(st.rc, 0);
	assert_int_equal(LC->st.ptx_drops[BL_PTX_DROP_NODE_DOWN], nd0 + 1);
	{
		bool named = false;

		while (read_hb(&o))
			named |= o.kind == BL_WIRE_KIND_NAMED;
		assert_true(named);
	}
	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
}

/* A node whose MAC is not known: its heartbeat waits in the neighbour table. */
static void test_heartbeat_unresolved(void **state)
{
	struct bl_route_hop_spec hs;
	unsigned in0 = rte_ring_count(R->nbr_in);
	uint64_t now;
	int hop;

	(void)state;
	memset(&hs, 0, sizeof(hs));
	hs.port = 0;
	hs.ip = PEER_IP + 1;
	hs.udp = 7447;
	hs.resolve = true;
	hop = bl_route_hop_acquire(R->routes, &hs);
	assert_true(hop >= 0);
	assert_int_equal(bl_peer_add(&R->peers, rte_cpu_to_be_32(PEER_IP + 1), (uint16_t)hop), 0);
	now = R->peers.next_ns;
	assert_int_equal(bl_heartbeat_tick(R, now), 2);
	assert_int_equal(rte_ring_count(R->nbr_in), in0 + 1);
	bl_lcore_flush(LC);
	{
		struct hb_out o;

		assert_true(read_hb(&o)); /* the resolved node's */
		assert_false(read_hb(&o));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heartbeat_send),
		cmocka_unit_test(test_heartbeat_receive),
		cmocka_unit_test(test_node_down),
		cmocka_unit_test(test_heartbeat_unresolved),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
