/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VLANs on the fast path (tests/dataplane/fastpath_test.h): tagged and
 * QinQ frames accepted on the port's VLANs with the VLAN's own addresses,
 * vlan_unknown and vlan_bad_tag for others, IPv4 and IPv6 inside a tag,
 * frames to VLAN hops tagged in software (tags read back here) or by the
 * offload (flag and vlan_tci), untagged to tagged and tagged to untagged,
 * and a frame split between a VLAN hop and a plain one. Tags are put on
 * received packets and read off sent ones by this file's own code, not by
 * dataplane/vlan.h.
 */
#include "fastpath_test.h"

#include "actors/proc.h"
#include "actors/sched.h"

#include "dataplane/verdict.h"
#include "dataplane/vlan.h"
#include "dataplane/wire6.h"
#include "wire6_test_util.h"

#define VLAN_A	100 /* 802.1Q, own addresses 10.100.0.1 and fd00:100::1 */
#define QINQ_O	300 /* QinQ 300.400, the port's addresses */
#define QINQ_I	400
#define VLAN_IP 0x0a640001u

#define KEY_V  700 /* to HOP_V, an IPv4 hop on VLAN_A */
#define KEY_Q  701 /* to HOP_Q, an IPv4 hop on QinQ 300.400 */
#define KEY_V6 702 /* to an IPv6 hop on VLAN_A */
#define HOP_V  0x0a640009u
#define HOP_Q  0x0a64000au

static const uint8_t vlan_ip6[16] = { 0xfd, 0x00, 0x01, 0x00, [15] = 1 };

static void route_vlan(uint64_t key, uint32_t ip, bool v6, uint16_t outer, uint16_t vid)
{
	struct bl_route_spec s;

	memset(&s, 0, sizeof(s));
	s.action = BL_ROUTE_FORWARD;
	s.hop.mac.addr_bytes[0] = 0x02;
	s.hop.mac.addr_bytes[5] = (uint8_t)ip;
	s.hop.udp = 7447;
	s.hop.vlan = vid;
	s.hop.vlan_outer = outer;
	if (v6) {
		s.hop.v6 = true;
		s.hop.ip6[0] = 0x20;
		s.hop.ip6[1] = 0x01;
		s.hop.ip6[15] = (uint8_t)ip;
	} else {
		s.hop.ip = ip;
	}
	assert_true(bl_route_add(R->routes, key, &s) >= 0);
}

/* Put tags on m as a sender would: 0x8100 vid, behind 0x88a8 outer if not 0. */
static struct rte_mbuf *tag(struct rte_mbuf *m, uint16_t outer, uint16_t vid)
{
	uint32_t n = outer != 0 ? 8 : 4;
	uint8_t macs[12], *p;

	memcpy(macs, rte_pktmbuf_mtod(m, uint8_t *), 12);
	p = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)n);
	assert_non_null(p);
	memcpy(p, macs, 12);
	if (outer != 0) {
		twu_wr16(p + 12, 0x88a8);
		twu_wr16(p + 14, (uint16_t)(0x2000 | outer)); /* priority 1: ignored */
		p += 4;
	}
	twu_wr16(p + 12, 0x8100);
	twu_wr16(p + 14, vid);
	return m;
}

/* An IPv4 packet like make_pkt's, to dst_ip (host order). */
static struct rte_mbuf *make_pkt_to(const struct msg *msgs, unsigned int n, uint64_t seq,
				    uint32_t dst_ip)
{
	struct rte_mbuf *m = make_pkt(msgs, n, seq);
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, 14);
	uint16_t c;

	twu_wr32(ip + 16, dst_ip);
	memset(ip + 10, 0, 2);
	c = twu_csum(ip, 20);
	twu_wr16(ip + 10, c);
	return m;
}

/* An IPv6 packet from 2001:db8::7 to dst with msgs. */
static struct rte_mbuf *make_pkt6_to(const struct msg *msgs, unsigned int n, uint64_t seq,
				     const uint8_t dst[16])
{
	static uint8_t buf[4096];
	uint32_t lens[16], off;
	struct twu6_spec s = twu6_default_spec();
	struct twu_layout l;
	struct rte_mbuf *m;

	for (unsigned int j = 0; j < n; j++)
		lens[j] = msgs[j].len;
	memcpy(s.f.dst_mac, R->ports[0].local.mac.addr_bytes, 6);
	memcpy(s.dst, dst, 16);
	s.src[15] = 7;
	s.f.sport = 40000;
	s.f.dport = rte_be_to_cpu_16(R->ports[0].local.udp_port);
	s.f.count = (uint16_t)n;
	s.f.lens = lens;
	s.f.seq = seq;
	l = twu6_build(buf, sizeof(buf), &s);
	assert_int_not_equal(l.len, 0);
	off = (uint32_t)l.frame + 16;
	for (unsigned int j = 0; j < n; j++) {
		twu_wr64(buf + off + 8, msgs[j].key);
		twu_wr16(buf + off + 4, msgs[j].kind);
		off += 16 + msgs[j].len;
	}
	twu6_fix_csum(buf, &l);
	m = rte_pktmbuf_alloc(R->pool);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)l.len), buf, l.len);
	return m;
}

/* What left, its tags read off and its headers checked. */
struct vout {
	uint16_t outer, vid; /* tags in the bytes (0: none) */
	bool offload;	     /* RTE_MBUF_F_TX_VLAN set */
	uint16_t tci;	     /* m->vlan_tci then */
	bool v6;
	uint32_t src_ip, dst_ip; /* IPv4, host order */
	uint8_t src6[16];
	uint16_t count;
	uint64_t keys[16];
	uint8_t last_byte; /* of the frame's last message's payload */
};

static unsigned int read_vout(struct vout *o, unsigned int max)
{
	struct rte_mbuf *pkts[64];
	static uint8_t buf[9000];
	unsigned int n = 0;
	uint16_t got, k;

	while ((got = rte_eth_rx_burst(0, 0, pkts, 64)) > 0) {
		for (k = 0; k < got; k++) {
			struct rte_mbuf *m = pkts[k];
			const uint8_t *d = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
			struct bl_wire_frame fr = { 0 };
			struct bl_wire_msg msg;
			uint32_t off = BL_WIRE_FRAME_HDR_LEN, l2 = 14, len = m->pkt_len, fo;

			assert_non_null(d);
			assert_true(n < max);
			memset(&o[n], 0, sizeof(o[n]));
			o[n].offload = (m->ol_flags & RTE_MBUF_F_TX_VLAN) != 0;
			o[n].tci = m->vlan_tci;
			if (twu_rd16(d + 12) == 0x88a8) {
				o[n].outer = twu_rd16(d + 14) & 0xfff;
				assert_int_equal(twu_rd16(d + 16), 0x8100);
				o[n].vid = twu_rd16(d + 18) & 0xfff;
				l2 = 22;
			} else if (twu_rd16(d + 12) == 0x8100) {
				o[n].vid = twu_rd16(d + 14) & 0xfff;
				l2 = 18;
			}
			assert_memory_equal(d + 6, R->ports[0].local.mac.addr_bytes, 6);
			if (twu_rd16(d + l2 - 2) == 0x86dd) {
				uint32_t l4 = twu_rd16(d + l2 + 4);

				o[n].v6 = true;
				assert_int_equal(l4, len - l2 - 40);
				assert_int_equal(twu6_udp_check(d + l2, d + l2 + 40, l4), 0);
				memcpy(o[n].src6, d + l2 + 8, 16);
				fo = l2 + 48;
			} else {
				assert_int_equal(twu_rd16(d + l2 - 2), 0x0800);
				assert_int_equal(twu_rd16(d + l2 + 2), len - l2);
				assert_int_equal(twu_csum(d + l2, 20), 0);
				o[n].src_ip = bl_wire_get32(d + l2 + 12);
				o[n].dst_ip = bl_wire_get32(d + l2 + 16);
				fo = l2 + 28;
			}
			assert_int_equal(bl_wire_frame_check(d + fo, len - fo, &fr), BL_WIRE_OK);
			o[n].count = fr.count;
			for (unsigned int j = 0; j < fr.count && j < 16; j++) {
				bl_wire_msg_next(d + fo, &off, &msg);
				o[n].keys[j] = msg.key;
				if (msg.len)
					o[n].last_byte = d[fo + msg.off + msg.len - 1];
			}
			rte_pktmbuf_free(m);
			n++;
		}
	}
	return n;
}

/* Tagged and QinQ frames on the port's VLANs are forwarded untagged to
 * a plain hop; a priority tag is the untagged traffic. */
static void test_tagged_to_untagged(void **state)
{
	const struct msg m[] = { { 100, 10, 0 }, { 100, 3, 0 } };
	const uint32_t port_ip = rte_be_to_cpu_32(R->ports[0].local.ip);
	uint64_t acc = LC->st.acc_pkts;
	struct vout o[4];

	(void)state;
	send_one(tag(make_pkt_to(m, 2, 1, VLAN_IP), 0, VLAN_A));
	send_one(tag(make_pkt_to(m, 2, 2, port_ip), QINQ_O, QINQ_I));
	send_one(tag(make_pkt_to(m, 2, 3, port_ip), 0, 0));
	assert_int_equal(read_vout(o, 4), 3);
	for (unsigned int i = 0; i < 3; i++) {
		assert_true(o[i].vid == 0 && o[i].outer == 0 && !o[i].offload && !o[i].v6);
		assert_int_equal(o[i].dst_ip, HOP_A_IP);
		assert_int_equal(o[i].src_ip, port_ip);
		assert_int_equal(o[i].count, 2);
		assert_int_equal(o[i].last_byte, 31 + 2);
	}
	assert_int_equal(LC->st.acc_pkts, acc + 3);
}

/* Other VLANs, and broken tags, are counted; nothing leaves. */
static void test_vlan_unknown(void **state)
{
	const struct msg m[] = { { 100, 10, 0 } };
	const uint32_t port_ip = rte_be_to_cpu_32(R->ports[0].local.ip);
	uint64_t unk = LC->st.pkt_drops[BL_PKT_DROP_VLAN_UNKNOWN];
	uint64_t bad = LC->st.pkt_drops[BL_PKT_DROP_VLAN_BAD_TAG];
	uint64_t nfu = LC->st.pkt_drops[BL_PKT_DROP_NOT_FOR_US];
	struct rte_mbuf *p;
	struct vout o[2];

	(void)state;
	send_one(tag(make_pkt_to(m, 1, 1, VLAN_IP), 0, 999));
	send_one(tag(make_pkt_to(m, 1, 1, port_ip), QINQ_O, QINQ_I + 1));
	send_one(tag(make_pkt_to(m, 1, 1, port_ip), 0, QINQ_I)); /* inner id alone */
	/* 0x88a8 with no 0x8100 behind it */
	p = tag(make_pkt_to(m, 1, 1, port_ip), 0, QINQ_O);
	twu_wr16(rte_pktmbuf_mtod(p, uint8_t *) + 12, 0x88a8);
	send_one(p);
	/* a tag cut short */
	p = rte_pktmbuf_alloc(R->pool);
	memset(rte_pktmbuf_append(p, 16), 0, 16);
	twu_wr16(rte_pktmbuf_mtod(p, uint8_t *) + 12, 0x8100);
	send_one(p);
	/* VLAN_A has its own address: the port's is not for us there */
	send_one(tag(make_pkt_to(m, 1, 1, port_ip), 0, VLAN_A));
	assert_int_equal(LC->st.pkt_drops[BL_PKT_DROP_VLAN_UNKNOWN], unk + 3);
	assert_int_equal(LC->st.pkt_drops[BL_PKT_DROP_VLAN_BAD_TAG], bad + 2);
	assert_int_equal(LC->st.pkt_drops[BL_PKT_DROP_NOT_FOR_US], nfu + 1);
	assert_int_equal(read_vout(o, 2), 0);
}

/* Untagged frames to VLAN hops leave tagged, from the VLAN's address. */
static void test_untagged_to_tagged(void **state)
{
	const struct msg mv[] = { { KEY_V, 20, 0 } };
	const struct msg mq[] = { { KEY_Q, 5, 0 }, { KEY_Q, 6, 0 } };
	struct vout o[4];

	(void)state;
	send_one(make_pkt(mv, 1, 1));
	send_one(make_pkt(mq, 2, 2));
	assert_int_equal(read_vout(o, 4), 2);
	assert_true(o[0].outer == 0 && o[0].vid == VLAN_A && !o[0].offload);
	assert_int_equal(o[0].dst_ip, HOP_V);
	assert_int_equal(o[0].src_ip, VLAN_IP);
	assert_int_equal(o[0].last_byte, 19);
	assert_true(o[1].outer == QINQ_O && o[1].vid == QINQ_I);
	assert_int_equal(o[1].dst_ip, HOP_Q);
	assert_int_equal(o[1].src_ip, rte_be_to_cpu_32(R->ports[0].local.ip));
	assert_int_equal(o[1].count, 2);
}

/* IPv6 inside a tag: accepted at the VLAN's IPv6 address, to an IPv6
 * VLAN hop (tagged, checksum right, from the VLAN's address) and to an
 * IPv4 plain one; and tagged to tagged over IPv4. */
static void test_ipv6_in_tag(void **state)
{
	const struct msg m6[] = { { KEY_V6, 12, 0 } };
	const struct msg m4[] = { { 100, 4, 0 } };
	const struct msg mv[] = { { KEY_V, 4, 0 } };
	struct vout o[4];

	(void)state;
	send_one(tag(make_pkt6_to(m6, 1, 1, vlan_ip6), 0, VLAN_A));
	send_one(tag(make_pkt6_to(m4, 1, 2, vlan_ip6), 0, VLAN_A));
	send_one(tag(make_pkt_to(mv, 1, 3, VLAN_IP), 0, VLAN_A));
	assert_int_equal(read_vout(o, 4), 3);
	assert_true(o[0].v6 && o[0].vid == VLAN_A);
	assert_memory_equal(o[0].src6, vlan_ip6, 16);
	assert_true(o[0].keys[0] == KEY_V6);
	assert_true(!o[1].v6 && o[1].vid == 0 && o[1].dst_ip == HOP_A_IP);
	assert_true(!o[2].v6 && o[2].vid == VLAN_A && o[2].dst_ip == HOP_V);
}

/* With the port's VLAN insert offload the bytes stay untagged and the
 * mbuf says what to insert. */
static void test_offload(void **state)
{
	const struct msg m[] = { { KEY_V, 8, 0 } };
	struct vout o[2];

	(void)state;
	R->ports[0].vlan_tx = true;
	send_one(make_pkt(m, 1, 1));
	R->ports[0].vlan_tx = false;
	assert_int_equal(read_vout(o, 2), 1);
	assert_true(o[0].offload && o[0].tci == VLAN_A && o[0].vid == 0);
	assert_int_equal(o[0].src_ip, VLAN_IP);
}

/* A frame split between a VLAN hop and a plain one: each part tagged or
 * not, its own messages in order. */
static void test_split(void **state)
{
	const struct msg m[] = { { KEY_V, 4, 0 }, { 100, 6, 0 }, { KEY_V, 8, 0 } };
	struct vout o[4];
	unsigned int n, v = 0, u = 0;

	(void)state;
	send_one(tag(make_pkt_to(m, 3, 1, VLAN_IP), 0, VLAN_A));
	n = read_vout(o, 4);
	assert_int_equal(n, 2);
	for (unsigned int i = 0; i < n; i++) {
		if (o[i].vid == VLAN_A) {
			v++;
			assert_int_equal(o[i].count, 2);
			assert_true(o[i].keys[0] == KEY_V && o[i].keys[1] == KEY_V);
			assert_int_equal(o[i].last_byte, 2 * 31 + 7);
		} else {
			u++;
			assert_int_equal(o[i].count, 1);
			assert_int_equal(o[i].dst_ip, HOP_A_IP);
		}
	}
	assert_true(v == 1 && u == 1);
}

/* The helpers themselves: strip leaves the untagged packet; push in
 * software refuses a frame with no headroom. */
static void test_strip_push(void **state)
{
	const struct msg m[] = { { 100, 1, 0 } };
	struct rte_mbuf *p = make_pkt(m, 1, 1), *c;
	uint8_t before[64];
	uint16_t outer = 0, vid = 0;

	(void)state;
	memcpy(before, rte_pktmbuf_mtod(p, uint8_t *), sizeof(before));
	tag(p, QINQ_O, QINQ_I);
	assert_true(bl_wire_is_tagged(p));
	assert_int_equal(bl_wire_vlan_strip(p, &outer, &vid, true), BL_PKT_DROP_NONE);
	assert_true(outer == QINQ_O && vid == QINQ_I);
	assert_memory_equal(rte_pktmbuf_mtod(p, uint8_t *), before, sizeof(before));
	assert_false(bl_wire_is_tagged(p));
	c = rte_pktmbuf_alloc(R->pool);
	assert_non_null(c);
	memcpy(rte_pktmbuf_append(c, 60), before, 60);
	rte_pktmbuf_prepend(c, rte_pktmbuf_headroom(c) - 2);
	assert_int_equal(bl_wire_vlan_push(c, 0, 5, false), -ENOSPC);
	assert_int_equal(bl_wire_vlan_push(c, 0, 5, true), 0); /* the offload needs none */
	rte_pktmbuf_free(c);
	rte_pktmbuf_free(p);
}

/*
 * The grouped lookups (verdict.h's prefill_start, taken when bursts miss
 * the verdict cache often) gather the keys of IPv6 and tagged frames as of
 * untagged IPv4 ones: after one group, every key of those frames is in the
 * cache; a frame they cannot place (IPv4 with options) is left to classify.
 * Frames of messages of one length (even i) are placed by their stride,
 * the others (odd i) message by message.
 */
static void test_prefill_gathers(void **state)
{
	struct msg m[5][2];
	struct rte_mbuf *pkts[6];
	struct prefill pf;
	unsigned int i, j, k, got;
	uint16_t from, next;

	(void)state;
	for (i = 0; i < 5; i++)
		for (j = 0; j < 2; j++)
			m[i][j] =
			    (struct msg){ 0x51000 + 16 * i + j, (uint16_t)(3 + (i & 1) * j), 0 };
	pkts[0] = make_pkt(m[0], 2, 1);
	pkts[1] = tag(make_pkt_to(m[1], 2, 2, VLAN_IP), 0, VLAN_A);
	pkts[2] = tag(make_pkt(m[2], 2, 3), QINQ_O, QINQ_I);
	pkts[3] = make_pkt6_to(m[3], 2, 4, vlan_ip6);
	pkts[4] = tag(make_pkt6_to(m[4], 2, 5, vlan_ip6), QINQ_O, QINQ_I);
	pkts[5] = make_pkt(m[0], 2, 6);
	rte_pktmbuf_mtod(pkts[5], uint8_t *)[14] = 0x46; /* IHL 6: options */

	verdict_cache_wipe(&LC->vcache);
	/* Groups of BL_PREFILL_PKTS packets (or BL_PREFILL_KEYS keys), in order. */
	for (from = 0, got = 0; from < 6; from = next) {
		next = prefill_start(LC, &pf, pkts, from, 6);
		assert_true(next > from && (unsigned int)(next - from) <= BL_PREFILL_PKTS);
		for (k = 0; k < pf.n; k++, got++)
			assert_true(got < 10 &&
				    rte_be_to_cpu_64(pf.raw[k]) == m[got / 2][got % 2].key);
		prefill_finish(LC, &pf);
	}
	assert_int_equal(got, 10); /* five frames of two keys; none from the sixth */
	for (i = 0; i < 5; i++)
		for (j = 0; j < 2; j++) {
			uint64_t raw = rte_cpu_to_be_64(m[i][j].key);

			assert_true(verdict_hit(&LC->vcache, raw, bl_verdict_slot(raw)));
		}
	for (i = 0; i < 6; i++)
		rte_pktmbuf_free(pkts[i]);
	verdict_cache_wipe(&LC->vcache);
}

/* A process that sends each message it gets to two hops. */
struct vsender {
	uint64_t dest[2];
	int rc[2];
};

static int vs_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void vs_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct vsender *st = bl_state(c);

	st->rc[0] = bl_transmit(c, st->dest[0], m);
	st->rc[1] = bl_transmit(c, st->dest[1], m);
}

static const struct bl_behaviour vs_beh = {
	.name = "vsender",
	.init = vs_init,
	.handle_message = vs_msg,
};

/*
 * A process sends to an IPv6 hop on VLAN 100 and to an IPv4 hop on QinQ
 * 300.400: each frame leaves with its hop's headers (the IPv6 one from the
 * VLAN's own address, its UDP checksum right: read_vout sums it again)
 * and its tags, nothing refused as bad_dest.
 */
static void test_process_to_tagged_hops(void **state)
{
	struct bl_route_hop_spec h6, h4;
	struct vsender st = { { 0 }, { -1, -1 } };
	uint64_t bad0 = LC->st.ptx_drops[BL_PTX_DROP_BAD_DEST], pid;
	struct rte_mbuf *m;
	struct vout o[4];
	int a, b;

	(void)state;
	memset(&h6, 0, sizeof(h6));
	h6.mac.addr_bytes[0] = 0x02;
	h6.mac.addr_bytes[5] = 0x61;
	h6.udp = 7447;
	h6.v6 = true;
	h6.ip6[0] = 0x20;
	h6.ip6[1] = 0x01;
	h6.ip6[15] = 0x61;
	h6.vlan = VLAN_A;
	memset(&h4, 0, sizeof(h4));
	h4.mac.addr_bytes[0] = 0x02;
	h4.mac.addr_bytes[5] = 0x62;
	h4.ip = 0x0a640062u;
	h4.udp = 7447;
	h4.vlan = QINQ_I;
	h4.vlan_outer = QINQ_O;
	a = bl_route_hop_acquire(R->routes, &h6);
	b = bl_route_hop_acquire(R->routes, &h4);
	assert_true(a >= 0 && b >= 0);
	st.dest[0] = bl_dest_hop((unsigned)a);
	st.dest[1] = bl_dest_hop((unsigned)b);
	pid = bl_proc_spawn(LC->sched, &vs_beh, &st, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);

	m = rte_pktmbuf_alloc(R->pool);
	assert_non_null(m);
	memset(rte_pktmbuf_append(m, 40), 0x5c, 40);
	assert_int_equal(bl_sched_deliver(LC->sched, pid, 42, pid, m, 0, 40, 0), 0);
	rte_pktmbuf_free(m);
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(st.rc[0], 0);
	assert_int_equal(st.rc[1], 0);
	assert_int_equal(read_vout(o, 4), 2);
	assert_true(o[0].v6 && o[0].outer == 0 && o[0].vid == VLAN_A);
	assert_memory_equal(o[0].src6, vlan_ip6, 16);
	assert_true(o[0].count == 1 && o[0].keys[0] == 42 && o[0].last_byte == 0x5c);
	assert_true(!o[1].v6 && o[1].outer == QINQ_O && o[1].vid == QINQ_I);
	assert_true(o[1].dst_ip == 0x0a640062u && o[1].keys[0] == 42);
	assert_int_equal(LC->st.ptx_drops[BL_PTX_DROP_BAD_DEST], bad0);

	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
	bl_route_hop_release(R->routes, (unsigned)a);
	bl_route_hop_release(R->routes, (unsigned)b);
}

static int setup_vlan(void **state)
{
	struct bl_port_vlan v[2];
	int rc = group_setup(state);

	if (rc != 0)
		return rc;
	/* As --port-vlans 0=100,300.400 --port-vlan-ip 0.100=10.100.0.1
	 * --port-vlan-ip 0.100=fd00:100::1 would, before any traffic. */
	v[0] = (struct bl_port_vlan){ .vid = VLAN_A, .ip = rte_cpu_to_be_32(VLAN_IP) };
	memcpy(v[0].ip6, vlan_ip6, 16);
	v[1] = (struct bl_port_vlan){ .outer = QINQ_O, .vid = QINQ_I };
	bl_port_vlans_set(&R->ports[0], v, 2);
	route_vlan(KEY_V, HOP_V, false, 0, VLAN_A);
	route_vlan(KEY_Q, HOP_Q, false, QINQ_O, QINQ_I);
	route_vlan(KEY_V6, 0x0c, true, 0, VLAN_A);
	return 0;
}

/*
 * Tagged to a hop on the VLAN it came on (one tag, and a QinQ pair): the
 * headers are rewritten behind the tags, which leave as they came, their
 * priority bits too; from one VLAN to a hop on another the tags are new
 * (priority 0).
 */
static void test_tagged_in_place(void **state)
{
	const struct msg mv[] = { { KEY_V, 6, 0 }, { KEY_V, 7, 0 } };
	const struct msg mq[] = { { KEY_Q, 8, 0 } };
	const uint32_t port_ip = rte_be_to_cpu_32(R->ports[0].local.ip);
	static uint8_t buf[2048];
	struct rte_mbuf *in[3], *out[4];
	const uint8_t *d;
	uint16_t got;

	(void)state;
	in[0] = tag(make_pkt_to(mv, 2, 1, VLAN_IP), 0, VLAN_A);
	twu_wr16(rte_pktmbuf_mtod(in[0], uint8_t *) + 14, 0xa000 | VLAN_A); /* priority 5 */
	in[1] = tag(make_pkt_to(mq, 1, 2, port_ip), QINQ_O, QINQ_I);
	twu_wr16(rte_pktmbuf_mtod(in[1], uint8_t *) + 18, 0xa000 | QINQ_I);
	in[2] = tag(make_pkt_to(mv, 1, 3, port_ip), QINQ_O, QINQ_I); /* to VLAN_A's hop */
	for (unsigned int i = 0; i < 3; i++)
		send_one(in[i]);
	got = rte_eth_rx_burst(0, 0, out, 4);
	assert_int_equal(got, 3);

	d = rte_pktmbuf_read(out[0], 0, out[0]->pkt_len, buf);
	assert_int_equal(twu_rd16(d + 12), 0x8100);
	assert_int_equal(twu_rd16(d + 14), 0xa000 | VLAN_A); /* as it came */
	assert_int_equal(twu_rd16(d + 16), 0x0800);
	assert_int_equal(twu_csum(d + 18, 20), 0);
	assert_int_equal(bl_wire_get32(d + 18 + 12), VLAN_IP);
	assert_int_equal(bl_wire_get32(d + 18 + 16), HOP_V);
	assert_int_equal(d[5], (uint8_t)HOP_V); /* the hop's MAC */
	assert_int_equal(twu_rd16(d + 18 + 20 + 4), out[0]->pkt_len - 18 - 20);
	assert_int_equal(twu_rd16(d + 18 + 28 + 4), 2); /* count */

	d = rte_pktmbuf_read(out[1], 0, out[1]->pkt_len, buf);
	assert_int_equal(twu_rd16(d + 12), 0x88a8);
	assert_int_equal(twu_rd16(d + 14), 0x2000 | QINQ_O);
	assert_int_equal(twu_rd16(d + 16), 0x8100);
	assert_int_equal(twu_rd16(d + 18), 0xa000 | QINQ_I);
	assert_int_equal(twu_csum(d + 22, 20), 0);
	assert_int_equal(bl_wire_get32(d + 22 + 16), HOP_Q);

	d = rte_pktmbuf_read(out[2], 0, out[2]->pkt_len, buf);
	assert_int_equal(twu_rd16(d + 12), 0x8100);
	assert_int_equal(twu_rd16(d + 14), VLAN_A); /* new: priority 0 */
	assert_int_equal(twu_csum(d + 18, 20), 0);
	assert_int_equal(bl_wire_get32(d + 18 + 12), VLAN_IP);
	assert_int_equal(bl_wire_get32(d + 18 + 16), HOP_V);
	for (unsigned int i = 0; i < got; i++)
		rte_pktmbuf_free(out[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tagged_to_untagged),
		cmocka_unit_test(test_vlan_unknown),
		cmocka_unit_test(test_untagged_to_tagged),
		cmocka_unit_test(test_ipv6_in_tag),
		cmocka_unit_test(test_offload),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_strip_push),
		cmocka_unit_test(test_prefill_gathers),
		cmocka_unit_test(test_process_to_tagged_hops),
		cmocka_unit_test(test_tagged_in_place),
	};

	return cmocka_run_group_tests(tests, setup_vlan, group_teardown);
}
