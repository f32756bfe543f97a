/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fast path tests on a net_ring port (its TX ring is its RX ring, so what the
 * router sends can be read back): in-place forwarding, splitting by copy and
 * by reference, drops by reason, TX-full accounting, and every mbuf back in
 * the pool at the end. The test thread drives one worker's context directly
 * (bl_lcore_rx_burst + bl_lcore_flush) instead of launching the poll loop,
 * so each step is deterministic.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "actors/proc.h"
#include "actors/sched.h"
#include "dataplane/lcore.h"
#include "dataplane/router.h"
#include "dataplane/verdict.h"
#include "dataplane/wire.h"

static struct bl_router *R;
static struct bl_lcore *LC;

#define HOP_A_IP 0x0a00000au
#define HOP_B_IP 0x0a00000bu

static void route(uint64_t key, uint32_t ip, uint16_t udp)
{
	struct bl_route_spec s;

	memset(&s, 0, sizeof(s));
	if (ip == 0) {
		s.action = BL_ROUTE_DROP;
	} else {
		s.action = BL_ROUTE_FORWARD;
		s.hop.port = 0;
		s.hop.mac.addr_bytes[0] = 0x02;
		s.hop.mac.addr_bytes[5] = (uint8_t)ip;
		s.hop.ip = ip;
		s.hop.udp = udp;
	}
	assert_true(bl_route_add(R->routes, key, &s) >= 0);
}

struct msg {
	uint64_t key;
	uint32_t len;
	uint16_t kind;
};

/* A packet addressed to the router carrying msgs; payload byte i of message j is (j*31+i). */
static struct rte_mbuf *make_pkt(const struct msg *msgs, unsigned int n, uint64_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(R->pool);
	struct bl_wire_hop to_us;
	uint32_t total = 0, i, j;
	uint8_t *p;

	assert_non_null(m);
	for (j = 0; j < n; j++)
		total += BL_WIRE_MSG_HDR_LEN + msgs[j].len;
	memset(&to_us, 0, sizeof(to_us));
	to_us.dst_mac = R->ports[0].local.mac;
	to_us.src_mac.addr_bytes[0] = 0x02;
	to_us.src_ip = rte_cpu_to_be_32(0x0a010001);
	to_us.dst_ip = R->ports[0].local.ip;
	to_us.src_port = rte_cpu_to_be_16(40000);
	to_us.dst_port = R->ports[0].local.udp_port;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(BL_WIRE_HDRS_LEN + total));
	assert_non_null(p);
	bl_wire_put_headers(p, &to_us, (uint16_t)n, seq, total, 1);
	p += BL_WIRE_HDRS_LEN;
	for (j = 0; j < n; j++) {
		bl_wire_put_msg_hdr(p, msgs[j].len, msgs[j].kind, 0, msgs[j].key);
		p += BL_WIRE_MSG_HDR_LEN;
		for (i = 0; i < msgs[j].len; i++)
			*p++ = (uint8_t)(j * 31 + i);
	}
	return m;
}

/* Read back what the router sent (linearised) and check it. */
struct out {
	uint32_t dst_ip;
	uint16_t dst_port;
	uint64_t seq;
	uint16_t count;
	uint16_t nb_segs;
	uint64_t keys[16];
	uint32_t lens[16];
	uint8_t first_byte[16];
	uintptr_t mbuf; /* which mbuf it came in (only compared, never read) */
};

static unsigned int read_out(struct out *outs, unsigned int max)
{
	struct rte_mbuf *pkts[64];
	unsigned int n = 0;
	uint16_t got, k;
	static uint8_t buf[9000];

	while ((got = rte_eth_rx_burst(0, 0, pkts, 64)) > 0) {
		for (k = 0; k < got; k++) {
			struct rte_mbuf *m = pkts[k];
			const uint8_t *d = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
			struct bl_wire_frame fr = { 0 };
			uint32_t off = BL_WIRE_FRAME_HDR_LEN;
			struct bl_wire_msg msg;
			unsigned int j;

			assert_true(n < max);
			assert_non_null(d);
			outs[n].nb_segs = m->nb_segs;
			outs[n].mbuf = (uintptr_t)m;
			outs[n].dst_ip = bl_wire_get32(d + 14 + 16);
			outs[n].dst_port = bl_wire_get16(d + 14 + 20 + 2);
			assert_int_equal(bl_wire_get16(d + 14 + 2), m->pkt_len - 14);
			assert_int_equal(bl_wire_get16(d + 14 + 20 + 4), m->pkt_len - 34);
			assert_int_equal(bl_wire_frame_check(d + BL_WIRE_HDRS_LEN - 16,
							     m->pkt_len - (BL_WIRE_HDRS_LEN - 16),
							     &fr),
					 BL_WIRE_OK);
			outs[n].seq = fr.seq;
			outs[n].count = fr.count;
			for (j = 0; j < fr.count && j < 16; j++) {
				bl_wire_msg_next(d + BL_WIRE_HDRS_LEN - 16, &off, &msg);
				outs[n].keys[j] = msg.key;
				outs[n].lens[j] = msg.len;
				outs[n].first_byte[j] =
				    msg.len ? d[BL_WIRE_HDRS_LEN - 16 + msg.off] : 0;
			}
			rte_pktmbuf_free(m);
			n++;
		}
	}
	return n;
}

static void check_identity(void)
{
	const struct bl_lcore_stats *s = &LC->st;

	assert_int_equal(s->rx_pkts, s->acc_pkts + s->drop_pkts);
	assert_int_equal(s->rx_msgs, s->fwd_msgs + s->drop_msgs + s->buffered_msgs);
}

static void send_one(struct rte_mbuf *m)
{
	bl_lcore_rx_burst(LC, 0, &m, 1);
	bl_lcore_flush(LC);
	check_identity();
}

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

/* A process that sends each frame it gets to its hop twice. */
static void twice_frame(struct bl_ctx *c, const struct bl_msg *f)
{
	uint64_t dest = *(const uint64_t *)bl_state(c);

	assert_int_equal(bl_transmit_frame(c, dest, f), 0);
	assert_int_equal(bl_transmit_frame(c, dest, f), 0);
}

static int twice_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void twice_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m;
	fail_msg("handle_frame takes every frame");
}

static const struct bl_behaviour twice_beh = {
	.name = "twice",
	.init = twice_init,
	.handle_message = twice_msg,
	.handle_frame = twice_frame,
};

/*
 * A process passes its frame on twice in one turn. The first run borrows the
 * frame node's reference; the second send closes it before the turn is
 * over, so that run takes a reference of its own and goes as a copy; the
 * second run borrows again and leaves in place once the turn has ended.
 * Both frames carry every message; teardown finds every mbuf back.
 */
static void test_process_sends_frame_twice(void **state)
{
	struct msg msgs[2] = { { 500, 40, 0 }, { 501, 70, 0 } };
	struct bl_route_hop_spec hs;
	struct rte_mbuf *m;
	struct out o[4];
	uint64_t dest, pid, inplace0 = LC->st.ptx_inplace, frames0 = LC->st.ptx_frames;
	int hop;

	(void)state;
	memset(&hs, 0, sizeof(hs));
	hs.port = 0;
	hs.mac.addr_bytes[0] = 0x02;
	hs.ip = 0x0d000001u;
	hs.udp = 7100;
	hop = bl_route_hop_acquire(R->routes, &hs);
	assert_true(hop >= 0);
	dest = bl_dest_hop((unsigned)hop);
	pid = bl_proc_spawn(LC->sched, &twice_beh, &dest, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);

	m = make_pkt(msgs, 2, 1);
	assert_int_equal(bl_sched_deliver_frame_owned(LC->sched, pid, 1, m, BL_WIRE_HDRS_LEN,
						      m->data_len - BL_WIRE_HDRS_LEN, 2,
						      BL_MSG_F_NET | BL_MSG_F_PLAIN),
			 0);
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(read_out(o, 4), 2);
	assert_int_equal(o[0].dst_ip, 0x0d000001u);
	assert_int_equal(o[1].dst_ip, 0x0d000001u);
	assert_int_equal(o[0].count, 2);
	assert_int_equal(o[1].count, 2);
	assert_int_equal(o[0].keys[1], 501);
	assert_int_equal(o[1].keys[1], 501);
	assert_int_equal(o[0].lens[1], 70);
	assert_int_equal(o[1].first_byte[1], 31);
	assert_int_equal(o[1].seq, o[0].seq + 2);
	assert_int_equal(LC->st.ptx_frames, frames0 + 2);
	assert_int_equal(LC->st.ptx_inplace, inplace0 + 1);
	/* The copy first (sent while the handler could still read the frame),
	 * then the received mbuf itself. */
	assert_true(o[0].mbuf != (uintptr_t)m);
	assert_true(o[1].mbuf == (uintptr_t)m);

	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
	bl_route_hop_release(R->routes, (unsigned)hop);
}

/* A process that sends each message it gets to its hop, keeping what
 * bl_transmit said. */
struct sender {
	uint64_t dest;
	int rc;
};

static int sender_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void sender_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct sender *st = bl_state(c);

	st->rc = bl_transmit(c, st->dest, m);
}

static const struct bl_behaviour sender_beh = {
	.name = "sender",
	.init = sender_init,
	.handle_message = sender_msg,
};

/*
 * A message too big for any frame the port can send is refused and counted
 * too_big; the frame opened for it goes with it, never sent with no
 * message in it (the wire format has no empty frame).
 */
static void test_process_sends_too_big(void **state)
{
	struct bl_route_hop_spec hs;
	struct sender st = { 0 };
	struct rte_mbuf *m;
	struct out o[4];
	uint64_t pid, big0 = LC->st.ptx_drops[BL_PTX_DROP_TOO_BIG], frames0 = LC->st.ptx_frames;
	int hop;

	(void)state;
	memset(&hs, 0, sizeof(hs));
	hs.port = 0;
	hs.mac.addr_bytes[0] = 0x02;
	hs.ip = 0x0d000002u;
	hs.udp = 7101;
	hop = bl_route_hop_acquire(R->routes, &hs);
	assert_true(hop >= 0);
	st.dest = bl_dest_hop((unsigned)hop);
	pid = bl_proc_spawn(LC->sched, &sender_beh, &st, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);

	m = rte_pktmbuf_alloc(R->pool);
	assert_non_null(m);
	assert_non_null(rte_pktmbuf_append(m, 1900)); /* past a 1500-byte MTU */
	memset(rte_pktmbuf_mtod(m, uint8_t *), 7, 1900);
	assert_int_equal(bl_sched_deliver(LC->sched, pid, 42, pid, m, 0, 1900, 0), 0);
	rte_pktmbuf_free(m);
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(st.rc, -EMSGSIZE);
	assert_int_equal(LC->st.ptx_drops[BL_PTX_DROP_TOO_BIG], big0 + 1);
	assert_int_equal(read_out(o, 4), 0);
	assert_int_equal(LC->st.ptx_frames, frames0);

	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
	bl_route_hop_release(R->routes, (unsigned)hop);
}

static int group_setup(void **state)
{
	char prefix[64];
	char *argv[] = { "test_fastpath", "-l",		 "0,1",	 "--no-huge", "--no-shconf",
			 "--no-pci",	  "-m",		 "256",	 prefix,      "--vdev",
			 "net_ring_fp0",  "--log-level", "error" };
	struct bl_router_conf conf;
	char err[256];

	(void)state;
	snprintf(prefix, sizeof(prefix), "--file-prefix=test_fastpath_%d", getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0)
		return -1;
	rcu_register_thread();
	bl_router_conf_defaults(&conf);
	conf.rxd = conf.txd = 256;
	if (rte_lcore_count() < 2) {
		print_message("skip: needs 2 lcores\n");
		return -1;
	}
	if (bl_router_create(&R, &conf, err, sizeof(err)) != 0) {
		print_message("router: %s\n", err);
		return -1;
	}
	LC = R->workers[0];
	route(100, HOP_A_IP, 7447);
	route(101, HOP_A_IP, 7447);
	route(200, HOP_B_IP, 9000);
	route(300, 0, 0);
	return 0;
}

static int group_teardown(void **state)
{
	unsigned int lost;

	(void)state;
	rcu_thread_offline();
	lost = bl_router_destroy(R);
	rcu_unregister_thread();
	rte_eal_cleanup();
	return lost == 0 ? 0 : -1; /* every mbuf back in the pool */
}

/*
 * The verdict cache (struct bl_verdict_cache in dataplane/lcore.h): each
 * mask's slot is its id and the slot function is linear, the two facts its
 * exactness rests on; a key built to match a cached entry's word under
 * another verdict id is still looked up (and dropped, unrouted); and once
 * every verdict id is taken, keys with yet other verdicts still go where
 * their routes say, uncached, on every pass.
 */
#define MANY_HOPS 2100u /* more distinct verdicts than the cache has ids */

static void test_verdict_ids(void **state)
{
	struct msg a_then_x[2] = { { 100, 8, 0 }, { 0, 8, 0 } };
	struct msg one[1] = { { 100, 8, 0 } };
	struct rte_mbuf *pkts[32];
	struct out o[32];
	uint64_t x = 0x9e3779b97f4a7c15ull, y = 0x2545f4914f6cdd1dull, nr0;
	unsigned int i, j, n, pass;

	(void)state;
	for (i = 0; i < BL_VERDICT_CACHE_SIZE; i++)
		assert_int_equal(bl_verdict_slot(bl_verdict_mask(i)), i);
	for (i = 0; i < 1000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		y ^= y << 13, y ^= y >> 7, y ^= y << 17;
		assert_int_equal(bl_verdict_slot(x ^ y), bl_verdict_slot(x) ^ bl_verdict_slot(y));
	}

	/* A route change wipes the cache at the next burst: then 100 (hop A)
	 * gets verdict id 0 and 200 (hop B) id 1. */
	route(12, HOP_A_IP, 7447);
	assert_true(bl_route_del(R->routes, 12) == 0);
	send_one(make_pkt(one, 1, 1));
	one[0].key = 200;
	send_one(make_pkt(one, 1, 1));
	assert_int_equal(read_out(o, 4), 2);
	assert_int_equal(LC->vcache.id[bl_verdict_slot(rte_cpu_to_be_64(200))], 1);
	/* X is 200's entry word (wire order): a compare that checked the word
	 * without its slot would take X as cached with the first message's
	 * id 0. X is unrouted. */
	a_then_x[1].key = rte_be_to_cpu_64(rte_cpu_to_be_64(200) ^ bl_verdict_mask(1));
	nr0 = LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE];
	send_one(make_pkt(a_then_x, 2, 1));
	assert_int_equal(read_out(o, 4), 1);
	assert_int_equal(o[0].dst_ip, HOP_A_IP);
	assert_int_equal(o[0].count, 1);
	assert_int_equal(o[0].keys[0], 100);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE], nr0 + 1);

	/* Random frames of equal-length messages over routed keys and keys
	 * one or two masks away from them (unrouted), against a model: each
	 * message goes to its route's hop, or is dropped. */
	{
		static const uint64_t base[4] = { 100, 101, 200, 300 };
		uint64_t pool[4 * 4], drop0 = LC->st.drop_msgs;
		uint32_t want_drops = 0;
		struct msg f[6];

		for (i = 0; i < 4; i++) {
			pool[i] = base[i];
			for (j = 1; j < 4; j++)
				pool[i + 4 * j] =
				    rte_be_to_cpu_64(rte_cpu_to_be_64(base[i]) ^
						     bl_verdict_mask(j) ^ bl_verdict_mask(j - 1));
		}
		for (pass = 0; pass < 400; pass++) {
			unsigned int to_a = 0, to_b = 0, got_a = 0, got_b = 0, k;

			x = x * 6364136223846793005ull + 1442695040888963407ull;
			n = 2 + (unsigned int)(x >> 61) % 5;
			for (j = 0; j < n; j++) {
				f[j].key = pool[(x >> (4 * j + 8)) & 15];
				f[j].len = 8;
				f[j].kind = 0;
				if (f[j].key == 100 || f[j].key == 101)
					to_a++;
				else if (f[j].key == 200)
					to_b++;
				else
					want_drops++;
			}
			send_one(make_pkt(f, n, 1));
			k = read_out(o, 8);
			for (j = 0; j < k; j++) {
				unsigned int m;

				for (m = 0; m < o[j].count; m++) {
					if (o[j].dst_ip == HOP_A_IP)
						assert_true(o[j].keys[m] == 100 ||
							    o[j].keys[m] == 101);
					else
						assert_true(o[j].dst_ip == HOP_B_IP &&
							    o[j].keys[m] == 200);
				}
				if (o[j].dst_ip == HOP_A_IP)
					got_a += o[j].count;
				else
					got_b += o[j].count;
			}
			assert_int_equal(got_a, to_a);
			assert_int_equal(got_b, to_b);
		}
		assert_int_equal(LC->st.drop_msgs, drop0 + want_drops);
	}

	for (i = 0; i < MANY_HOPS; i++)
		route(0x100000 + i, 0x0a400000u + i, 7447);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < MANY_HOPS; i += n) {
			n = RTE_MIN(32u, MANY_HOPS - i);
			for (j = 0; j < n; j++) {
				one[0].key = 0x100000 + i + j;
				pkts[j] = make_pkt(one, 1, 1);
			}
			bl_lcore_rx_burst(LC, 0, pkts, (uint16_t)n);
			bl_lcore_flush(LC);
			check_identity();
			assert_int_equal(read_out(o, 32), n);
			for (j = 0; j < n; j++) {
				assert_int_equal(o[j].keys[0], 0x100000 + i + j);
				assert_int_equal(o[j].dst_ip, 0x0a400000u + i + j);
			}
		}
		assert_int_equal(LC->vcache.n_ids, BL_VERDICT_IDS);
	}
	for (i = 0; i < MANY_HOPS; i++)
		assert_true(bl_route_del(R->routes, 0x100000 + i) == 0);
}

/*
 * Many routes, keys spread over them: past the verdict cache's size every
 * burst misses it, and the lcore looks a burst's keys up in groups, a group
 * ahead (rx_burst_prefilled). Against a model of the routes (a third to hop
 * A, a third to hop B, a third dropped, and unrouted keys besides), with
 * routes moved between bursts: every message reaches its route's hop or is
 * counted under its drop reason, frames of one hop and mixed frames alike.
 */
#define SCALE_ROUTES 20000u
#define SCALE_KEY0   0x200000u

static uint32_t scale_ip(uint64_t key, uint32_t moved)
{
	uint32_t i = (uint32_t)(key - SCALE_KEY0);

	if (key < SCALE_KEY0 || i >= SCALE_ROUTES)
		return UINT32_MAX; /* unrouted */
	i = (i + (i < moved ? 1 : 0)) % 3;
	return i == 0 ? HOP_A_IP : i == 1 ? HOP_B_IP : 0;
}

static void scale_route(uint64_t key, uint32_t moved)
{
	uint32_t ip = scale_ip(key, moved);

	route(key, ip, ip == HOP_B_IP ? 9000 : 7447);
}

static void test_prefilled_bursts(void **state)
{
	static struct out o[128];
	struct rte_mbuf *pkts[32];
	struct msg f[8];
	uint64_t x = 0x5851f42d4c957f2dull;
	uint64_t nr0 = LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE],
		 rd0 = LC->st.msg_drops[BL_MSG_DROP_ROUTE_DROP];
	uint64_t want_nr = 0, want_rd = 0;
	uint32_t moved = 0, i, j, k, p, burst;

	(void)state;
	for (i = 0; i < SCALE_ROUTES; i++)
		scale_route(SCALE_KEY0 + i, moved);
	for (burst = 0; burst < 48; burst++) {
		uint32_t want_a = 0, want_b = 0, got_a = 0, got_b = 0, n;

		for (p = 0; p < 32; p++) {
			/* Every other packet all for one hop (the uniform walk). */
			uint64_t lead = 0;

			for (j = 0; j < 8; j++) {
				uint64_t key;

				x = x * 6364136223846793005ull + 1442695040888963407ull;
				if (p % 2 == 0 && j > 0)
					key = lead + 3 * ((x >> 33) % 16);
				else if ((x >> 60) == 0)
					key = 0x900000u + (x >> 40); /* unrouted */
				else
					key = SCALE_KEY0 + (x >> 33) % (SCALE_ROUTES - 48);
				if (j == 0)
					lead = key;
				f[j].key = key;
				f[j].len = 8;
				f[j].kind = 0;
				switch (scale_ip(key, moved)) {
				case HOP_A_IP:
					want_a++;
					break;
				case HOP_B_IP:
					want_b++;
					break;
				case 0:
					want_rd++;
					break;
				default:
					want_nr++;
				}
			}
			pkts[p] = make_pkt(f, 8, burst * 32 + p + 1);
		}
		bl_lcore_rx_burst(LC, 0, pkts, 32);
		bl_lcore_flush(LC);
		check_identity();
		/* The first burst missed the cache on nearly every key: the ones
		 * after it take the grouped lookups. */
		if (burst == 0)
			assert_true(LC->vmiss >= 8);
		n = read_out(o, 128);
		for (k = 0; k < n; k++) {
			for (j = 0; j < o[k].count; j++)
				assert_int_equal(scale_ip(o[k].keys[j], moved), o[k].dst_ip);
			if (o[k].dst_ip == HOP_A_IP)
				got_a += o[k].count;
			else
				got_b += o[k].count;
		}
		assert_int_equal(got_a, want_a);
		assert_int_equal(got_b, want_b);
		/* Move the next 500 routes on by one place (A -> B -> drop -> A):
		 * the lcore forgets those keys through the change log. */
		if (burst % 8 == 7 && moved + 500 <= SCALE_ROUTES) {
			uint32_t to = moved + 500;

			for (i = moved; i < to; i++)
				scale_route(SCALE_KEY0 + i, to);
			moved = to;
		}
	}
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE], nr0 + want_nr);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_ROUTE_DROP], rd0 + want_rd);
	for (i = 0; i < SCALE_ROUTES; i++)
		assert_true(bl_route_del(R->routes, SCALE_KEY0 + i) == 0);
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
		cmocka_unit_test(test_process_sends_frame_twice),
		cmocka_unit_test(test_process_sends_too_big),
		cmocka_unit_test(test_verdict_ids),
		cmocka_unit_test(test_prefilled_bursts),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
