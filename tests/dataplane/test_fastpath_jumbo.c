/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Jumbo frames on the fast path (tests/dataplane/fastpath_test.h), run
 * twice by meson: with the router's MTU at 9000 (argument 9000) and with
 * the port's own (argument 0, no --mtu).
 *
 * At 9000: the pool's mbufs hold a frame of 9000 + 26 bytes whole; an
 * 8 KB frame is forwarded in place in one segment, split into frames of
 * one segment each, and its 4000-byte message reaches a process whole,
 * which sends it on in one frame; a frame past the mbuf (as a NIC or
 * net_pcap hands it, a chain) is dropped as `segmented`.
 * Without: the pool and the port's MTU are the defaults, and the same 8 KB
 * frame (a chain: it cannot fit one mbuf) is dropped as `segmented`.
 */
#include <stdlib.h>

#include "actors/proc.h"
#include "actors/registry.h"
#include "actors/sched.h"

#include "fastpath_test.h"

#define KB_MSGS 8 /* messages of 1000 bytes: an 8 KB frame */

static uint8_t bytes[16384]; /* the last chain's frame, as put_pkt wrote it */

/* The bytes of a frame make_pkt would build, laid into a chain of mbufs
 * of at most seg bytes each (0: each filled to its tailroom): what a
 * device that chains gives. */
static struct rte_mbuf *make_chain_seg(const struct msg *msgs, unsigned int n, uint32_t ip_len,
				       uint32_t seg)
{
	struct rte_mbuf *head = NULL, *m;
	uint32_t total = msgs_len(msgs, n), off = 0, len;

	assert_int_equal(ip_len, BL_WIRE_HDRS_LEN - BL_WIRE_ETH_LEN + total);
	assert_true(BL_WIRE_HDRS_LEN + total <= sizeof(bytes));
	put_pkt(bytes, msgs, n, 1);
	total += BL_WIRE_HDRS_LEN;
	while (off < total) {
		m = rte_pktmbuf_alloc(R->pool);
		assert_non_null(m);
		len = RTE_MIN(total - off, (uint32_t)rte_pktmbuf_tailroom(m));
		if (seg != 0)
			len = RTE_MIN(len, seg);
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), bytes + off, len);
		off += len;
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
	}
	return head;
}

static struct rte_mbuf *make_chain(const struct msg *msgs, unsigned int n, uint32_t ip_len)
{
	return make_chain_seg(msgs, n, ip_len, 0);
}

static void fill(struct msg *msgs, unsigned int n, uint64_t key, uint32_t len)
{
	for (unsigned int j = 0; j < n; j++) {
		msgs[j].key = key;
		msgs[j].len = len;
		msgs[j].kind = 0;
	}
}

/* The port and the pool are what was asked, and no more. */
static void test_port_and_pool(void **state)
{
	uint16_t room = rte_pktmbuf_data_room_size(R->pool);

	(void)state;
	if (FP_MTU == 0) {
		assert_int_equal(room, RTE_MBUF_DEFAULT_BUF_SIZE);
		assert_int_equal(R->ports[0].mtu, RTE_ETHER_MTU);
		return;
	}
	assert_int_equal(R->ports[0].mtu, FP_MTU);
	assert_true(room - RTE_PKTMBUF_HEADROOM >= FP_MTU + 14 + 8 + 4);
	assert_int_equal(room, RTE_PKTMBUF_HEADROOM + 9216);
}

/* An 8 KB frame to one hop: in place, one segment, every byte there. */
static void test_8k_forwarded_whole(void **state)
{
	struct msg msgs[KB_MSGS];
	struct rte_mbuf *m;
	struct out o[2];
	uint64_t seg0 = LC->st.pkt_drops[BL_PKT_DROP_SEGMENTED], fwd0 = LC->st.fwd_msgs;

	(void)state;
	fill(msgs, KB_MSGS, 100, 1000);
	if (FP_MTU == 0) {
		/* The default mbuf cannot hold it: a chain, refused and counted. */
		send_one(make_chain(msgs, KB_MSGS, 28 + 16 + KB_MSGS * 1016));
		assert_int_equal(read_out(o, 2), 0);
		assert_int_equal(LC->st.pkt_drops[BL_PKT_DROP_SEGMENTED], seg0 + 1);
		assert_int_equal(LC->st.fwd_msgs, fwd0);
		return;
	}
	m = make_pkt(msgs, KB_MSGS, 77);
	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(m->pkt_len, 14 + 28 + 16 + KB_MSGS * 1016); /* 8186 */
	send_one(m);
	assert_int_equal(read_out(o, 2), 1);
	assert_true(o[0].mbuf == (uintptr_t)m); /* in place */
	assert_int_equal(o[0].nb_segs, 1);
	assert_int_equal(o[0].dst_ip, HOP_A_IP);
	assert_int_equal(o[0].count, KB_MSGS);
	for (unsigned int j = 0; j < KB_MSGS; j++) {
		assert_int_equal(o[0].keys[j], 100);
		assert_int_equal(o[0].lens[j], 1000);
		assert_int_equal(o[0].first_byte[j], (uint8_t)(j * 31));
	}
	assert_int_equal(LC->st.fwd_msgs, fwd0 + KB_MSGS);
	assert_int_equal(LC->st.pkt_drops[BL_PKT_DROP_SEGMENTED], seg0);
}

/* Split to two hops: each new frame is one mbuf (by copy where the port
 * takes no chains) and within the MTU. */
static void test_8k_split(void **state)
{
	struct msg msgs[KB_MSGS];
	struct out o[4];
	unsigned int a;

	(void)state;
	if (FP_MTU == 0)
		skip();
	fill(msgs, KB_MSGS, 100, 1000);
	msgs[3].key = 200;
	msgs[6].key = 200;
	send_one(make_pkt(msgs, KB_MSGS, 78));
	assert_int_equal(read_out(o, 4), 2);
	a = o[0].dst_ip == HOP_A_IP ? 0 : 1;
	assert_int_equal(o[a].count, 6);
	assert_int_equal(o[1 - a].count, 2);
	assert_int_equal(o[1 - a].dst_ip, HOP_B_IP);
	assert_int_equal(o[1 - a].first_byte[1], (uint8_t)(6 * 31));
	if (!R->ports[0].multiseg_tx) {
		assert_int_equal(o[0].nb_segs, 1);
		assert_int_equal(o[1].nb_segs, 1);
	}
}

/*
 * Past the mbuf: 9300 bytes of IP do not fit the data room (9216), so
 * the device chains them and they are dropped as `segmented`, counted.
 */
static void test_over_mtu_dropped(void **state)
{
	struct msg msgs[10];
	struct out o[2];
	uint64_t seg0 = LC->st.pkt_drops[BL_PKT_DROP_SEGMENTED], drop0 = LC->st.drop_pkts;

	(void)state;
	if (FP_MTU == 0)
		skip();
	fill(msgs, 10, 100, 914); /* 44 + 10 x 930 = 9344 bytes of IP */
	send_one(make_chain(msgs, 10, 9344));
	assert_int_equal(read_out(o, 2), 0);
	assert_int_equal(LC->st.pkt_drops[BL_PKT_DROP_SEGMENTED], seg0 + 1);
	assert_int_equal(LC->st.drop_pkts, drop0 + 1);
}

/* A process that checks each message whole and sends it to its hop. */
struct sink {
	uint64_t dest;
	uint32_t want; /* the message's length */
	uint32_t got, bad;
	int rc;
};

static int sink_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void sink_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct sink *st = bl_state(c);
	const uint8_t *d = bl_msg_data(m);
	uint32_t len = bl_msg_len(m), i;

	st->got++;
	/* make_pkt's bytes: message j (here 0) has byte i = j*31 + i. */
	if (len != st->want)
		st->bad++;
	for (i = 0; i < len; i++)
		if (d[i] != (uint8_t)i) {
			st->bad++;
			break;
		}
	st->rc = bl_transmit(c, st->dest, m);
}

static const struct bl_behaviour sink_beh = {
	.name = "jumbo_sink",
	.init = sink_init,
	.handle_message = sink_msg,
};

/*
 * Route key to a jumbo_sink process that sends what it gets to a hop at
 * ip:udp, hand it m (one message of len bytes, for key), and check that the
 * message reached the process whole and left in one frame to that hop.
 */
static void through_sink(struct rte_mbuf *m, uint64_t key, uint32_t len, uint32_t ip, uint16_t udp)
{
	struct bl_route_hop_spec hs;
	struct bl_route_spec s;
	struct sink st = { .want = len };
	struct out o[2];
	uint64_t pid, dl0 = LC->st.delivered_msgs;
	int hop;

	memset(&hs, 0, sizeof(hs));
	hs.port = 0;
	hs.mac.addr_bytes[0] = 0x02;
	hs.ip = ip;
	hs.udp = udp;
	hop = bl_route_hop_acquire(R->routes, &hs);
	assert_true(hop >= 0);
	st.dest = bl_dest_hop((unsigned)hop);
	pid = bl_proc_spawn(LC->sched, &sink_beh, &st, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);
	assert_int_equal(bl_registry_register(R->registry, "jumbo_sink", 16, pid), 0);
	memset(&s, 0, sizeof(s));
	s.action = BL_ROUTE_PROCESS;
	snprintf(s.name, sizeof(s.name), "jumbo_sink");
	assert_true(bl_route_add(R->routes, key, &s) >= 0);

	bl_lcore_rx_burst(LC, 0, &m, 1);
	check_identity();
	assert_int_equal(LC->st.delivered_msgs, dl0 + 1);
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(st.got, 1);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.rc, 0);
	assert_int_equal(read_out(o, 2), 1);
	assert_int_equal(o[0].dst_ip, ip);
	assert_int_equal(o[0].count, 1);
	assert_int_equal(o[0].lens[0], len);
	assert_int_equal(o[0].first_byte[0], 0);

	assert_true(bl_route_del(R->routes, key) == 0);
	assert_int_equal(bl_registry_unregister(R->registry, "jumbo_sink", 16), 0);
	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
	bl_route_hop_release(R->routes, (unsigned)hop);
}

/*
 * A 4000-byte message in a received frame reaches its process whole; the
 * process sends it on, and it leaves in one frame (a 1500-byte MTU would
 * refuse it as too_big: tests/dataplane/test_fastpath_proc.c).
 */
static void test_big_message_to_process(void **state)
{
	struct msg msgs[1] = { { 700, 4000, 0 } };

	(void)state;
	if (FP_MTU == 0)
		skip();
	through_sink(make_pkt(msgs, 1, 9), 700, 4000, 0x0d000003u, 7102);
}

/*
 * A frame within the MTU that arrives as a chain (segments of 300 bytes,
 * or of 1000 at MTU 9000: messages cross from one to the next) is copied
 * into one mbuf and forwarded in one segment, every message byte as sent;
 * counted in rx_chains, nothing dropped.
 */
static void test_chain_forwarded(void **state)
{
	struct msg msgs[KB_MSGS];
	uint32_t mlen = FP_MTU == 0 ? 150 : 1000, seg = FP_MTU == 0 ? 300 : 1000;
	uint32_t ip_len = 28 + 16 + KB_MSGS * (16 + mlen), total = 14 + ip_len;
	uint64_t ch0 = LC->st.rx_chains, fwd0 = LC->st.fwd_msgs, drop0 = LC->st.drop_pkts;
	struct rte_mbuf *m, *out[4];
	const uint8_t *d;
	uint16_t got;

	(void)state;
	fill(msgs, KB_MSGS, 100, mlen);
	m = make_chain_seg(msgs, KB_MSGS, ip_len, seg);
	assert_true(m->nb_segs >= 4);
	assert_int_equal(m->pkt_len, total);
	send_one(m);
	got = rte_eth_rx_burst(0, 0, out, 4);
	assert_int_equal(got, 1);
	assert_int_equal(out[0]->nb_segs, 1);
	assert_int_equal(out[0]->pkt_len, total);
	d = rte_pktmbuf_mtod(out[0], const uint8_t *);
	assert_int_equal(bl_wire_get32(d + 14 + 16), HOP_A_IP);
	/* The messages, headers and payloads, byte for byte. */
	assert_memory_equal(d + BL_WIRE_HDRS_LEN, bytes + BL_WIRE_HDRS_LEN,
			    total - BL_WIRE_HDRS_LEN);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(LC->st.rx_chains, ch0 + 1);
	assert_int_equal(LC->st.fwd_msgs, fwd0 + KB_MSGS);
	assert_int_equal(LC->st.drop_pkts, drop0);
	check_identity();
}

/* The same chain when the pool has no mbuf to copy it into: dropped as
 * chain_no_mbuf, counted, every mbuf back. */
static void test_chain_no_mbuf(void **state)
{
	static struct rte_mbuf *held[65536];
	struct msg msgs[4];
	uint64_t nm0 = LC->st.pkt_drops[BL_PKT_DROP_CHAIN_NO_MBUF], drop0 = LC->st.drop_pkts;
	struct rte_mbuf *m;
	unsigned int n = 0;
	struct out o[2];

	(void)state;
	fill(msgs, 4, 100, 200);
	m = make_chain_seg(msgs, 4, 28 + 16 + 4 * 216, 256);
	while (n < RTE_DIM(held) && (held[n] = rte_pktmbuf_alloc(R->pool)) != NULL)
		n++;
	assert_true(n < RTE_DIM(held));
	send_one(m);
	while (n > 0)
		rte_pktmbuf_free(held[--n]);
	assert_int_equal(read_out(o, 2), 0);
	assert_int_equal(LC->st.pkt_drops[BL_PKT_DROP_CHAIN_NO_MBUF], nm0 + 1);
	assert_int_equal(LC->st.drop_pkts, drop0 + 1);
}

/*
 * A message that spans segments of a received chain reaches its process
 * whole, as one binary (the chain copied into one mbuf), and is sent on.
 */
static void test_chain_message_to_process(void **state)
{
	uint32_t mlen = FP_MTU == 0 ? 1200 : 4000, seg = FP_MTU == 0 ? 256 : 1000;
	struct msg msgs[1] = { { 701, mlen, 0 } };
	uint64_t ch0 = LC->st.rx_chains;

	(void)state;
	through_sink(make_chain_seg(msgs, 1, 28 + 16 + 16 + mlen, seg), 701, mlen, 0x0d000004u,
		     7103);
	assert_int_equal(LC->st.rx_chains, ch0 + 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_and_pool),
		cmocka_unit_test(test_8k_forwarded_whole),
		cmocka_unit_test(test_8k_split),
		cmocka_unit_test(test_over_mtu_dropped),
		cmocka_unit_test(test_big_message_to_process),
		cmocka_unit_test(test_chain_forwarded),
		cmocka_unit_test(test_chain_no_mbuf),
		cmocka_unit_test(test_chain_message_to_process),
	};

	FP_MTU = (uint16_t)(argc > 1 ? atoi(argv[1]) : 9000);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
