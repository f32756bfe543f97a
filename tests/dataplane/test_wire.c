/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/wire: parse, rewrite and header build on real mbufs, and the
 * DPDK-free frame codec of wire/wire_fmt.h. Packets are built byte by byte by
 * wire_test_util.h, not by the code under test. Every test ends with the
 * mbuf pool full again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dataplane/wire.h"
#include "wire_test_util.h"

#define POOL_SIZE 63
#define BUF_CAP	  2048

static struct rte_mempool *pool;

static int group_setup(void **state)
{
	(void)state;
	if (twu_eal_init("test_wire") < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	pool = rte_pktmbuf_pool_create("test_wire_pool", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}

/* Every test must give back every mbuf it took. */
static int check_pool_full(void **state)
{
	(void)state;
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
	return 0;
}

static struct rte_mbuf *mbuf_from(const uint8_t *b, size_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)n);
	assert_non_null(d);
	memcpy(d, b, n);
	return m;
}

static struct bl_wire_local default_local(void)
{
	struct bl_wire_local l = {
		.mac = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x01 } },
		.ip = TWU_IPV4(10, 0, 0, 1),
		.udp_port = RTE_BE16(7447),
		.promisc = 0,
	};
	l.ip = rte_cpu_to_be_32(l.ip);
	return l;
}

/* Parse the bytes as one single-segment mbuf, with the given RX flags. */
static enum bl_pkt_drop parse_bytes_flags(const uint8_t *b, size_t n,
					  const struct bl_wire_local *local, uint64_t ol_flags,
					  struct bl_pkt *pkt)
{
	struct rte_mbuf *m = mbuf_from(b, n);
	enum bl_pkt_drop r;

	m->ol_flags = ol_flags;
	r = bl_wire_parse(m, local, pkt);
	/* parse never writes the packet */
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), b, n);
	rte_pktmbuf_free(m);
	return r;
}

static enum bl_pkt_drop parse_bytes(const uint8_t *b, size_t n, const struct bl_wire_local *local)
{
	struct bl_pkt pkt;

	return parse_bytes_flags(b, n, local, 0, &pkt);
}

/* Check every message of an accepted frame against what twu_build wrote. */
static void check_msgs(const uint8_t *frame, const struct bl_pkt *pkt, const uint32_t *lens,
		       uint16_t count)
{
	uint32_t off = BL_WIRE_FRAME_HDR_LEN;
	struct bl_wire_msg msg;

	for (unsigned int i = 0; i < count; i++) {
		bl_wire_msg_next(frame, &off, &msg);
		assert_int_equal(msg.len, lens[i]);
		assert_int_equal(msg.kind, BL_WIRE_KIND_DATA);
		assert_int_equal(msg.flags, 0);
		assert_true(msg.key == twu_key(i));
		for (uint32_t j = 0; j < msg.len; j++)
			assert_int_equal(frame[msg.off + j], twu_byte(i, j));
	}
	assert_int_equal(off, pkt->frame_len);
}

static void check_accepted(const uint8_t *buf, const struct twu_layout *l, const struct twu_spec *s,
			   const struct bl_wire_local *local)
{
	struct bl_pkt pkt;
	struct rte_mbuf *m = mbuf_from(buf, l->len);

	memset(&pkt, 0xa5, sizeof(pkt));
	assert_int_equal(bl_wire_parse(m, local, &pkt), BL_PKT_DROP_NONE);
	assert_memory_equal(&pkt.src_ip, s->src_ip, 4);
	assert_memory_equal(&pkt.dst_ip, s->dst_ip, 4);
	assert_int_equal(rte_be_to_cpu_16(pkt.src_port), s->sport);
	assert_int_equal(rte_be_to_cpu_16(pkt.dst_port), s->dport);
	assert_int_equal(pkt.l3_off, 14);
	assert_int_equal(pkt.frame_off, l->frame);
	assert_int_equal(pkt.frame_len, l->frame_len);
	assert_int_equal(pkt.fr.count, s->count);
	assert_int_equal(pkt.fr.flags, s->fflags);
	assert_true(pkt.fr.seq == s->seq);
	check_msgs(rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt.frame_off), &pkt, s->lens,
		   s->count);
	rte_pktmbuf_free(m);
}

static void test_parse_one_msg(void **state)
{
	static const uint32_t lens[] = { 5 };
	uint8_t buf[BUF_CAP];
	struct twu_spec s = twu_default_spec();
	struct bl_wire_local local = default_local();
	struct twu_layout l;

	(void)state;
	s.count = 1;
	s.lens = lens;
	s.seq = 0x1122334455667788ull;
	s.fflags = 0x8001; /* unknown flag bits are carried, not refused */
	l = twu_build(buf, sizeof(buf), &s);
	assert_int_equal(l.len, 14 + 20 + 8 + 16 + 16 + 5);
	check_accepted(buf, &l, &s, &local);
}

static void test_parse_many_msgs(void **state)
{
	uint32_t lens[60];
	uint8_t buf[BUF_CAP];
	struct twu_spec s = twu_default_spec();
	struct bl_wire_local local = default_local();
	struct twu_layout l;

	(void)state;
	for (unsigned int i = 0; i < 60; i++)
		lens[i] = (i * 5) % 23; /* includes empty payloads */
	s.count = 60;
	s.lens = lens;
	l = twu_build(buf, sizeof(buf), &s);
	assert_int_not_equal(l.len, 0);
	check_accepted(buf, &l, &s, &local);
}

static void test_parse_padding_and_options(void **state)
{
	static const uint32_t lens[] = { 3, 0 };
	uint8_t buf[BUF_CAP];
	struct twu_spec s = twu_default_spec();
	struct bl_wire_local local = default_local();
	struct twu_layout l;

	(void)state;
	s.count = 2;
	s.lens = lens;
	/* Ethernet trailer bytes after the datagram: the IPv4 total length wins */
	s.pad = 22;
	l = twu_build(buf, sizeof(buf), &s);
	memset(buf + l.len - s.pad, 0xee, s.pad);
	check_accepted(buf, &l, &s, &local);

	/* IPv4 options: the frame moves by the header length */
	s.pad = 0;
	s.ihl = 7;
	l = twu_build(buf, sizeof(buf), &s);
	assert_int_equal(l.frame, 14 + 28 + 8);
	check_accepted(buf, &l, &s, &local);
}

static void test_parse_accept_rules(void **state)
{
	static const uint32_t lens[] = { 8 };
	uint8_t buf[BUF_CAP];
	struct twu_spec s = twu_default_spec();
	struct bl_wire_local local = default_local();
	struct twu_layout l;

	(void)state;
	s.count = 1;
	s.lens = lens;

	/* broadcast dst MAC is accepted */
	memset(s.dst_mac, 0xff, 6);
	l = twu_build(buf, sizeof(buf), &s);
	check_accepted(buf, &l, &s, &local);

	/* another unicast MAC: only in promiscuous mode */
	s.dst_mac[0] = 0x02;
	s.dst_mac[5] = 0x77;
	l = twu_build(buf, sizeof(buf), &s);
	assert_int_equal(parse_bytes(buf, l.len, &local), BL_PKT_DROP_NOT_FOR_US);
	local.promisc = 1;
	check_accepted(buf, &l, &s, &local);

	/* local ip 0 accepts any destination address */
	s.dst_ip[3] = 99;
	l = twu_build(buf, sizeof(buf), &s);
	assert_int_equal(parse_bytes(buf, l.len, &local), BL_PKT_DROP_NOT_FOR_US);
	local.ip = 0;
	check_accepted(buf, &l, &s, &local);
}

/* One crafted packet per drop reason. */
struct drop_case {
	const char *what;
	enum bl_pkt_drop want;
	void (*craft)(uint8_t *buf, struct twu_layout *l, struct twu_spec *s);
};

static const uint32_t std_lens[] = { 4, 10 };

static void rebuild(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	*l = twu_build(buf, BUF_CAP, s);
}

static void c_eth_trunc(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	(void)buf;
	(void)s;
	l->len = 13;
}
static void c_vlan(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	s->ethertype = 0x8100;
	rebuild(buf, l, s);
}
static void c_ipv6(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	s->ethertype = 0x86dd;
	rebuild(buf, l, s);
}
static void c_arp(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	s->ethertype = 0x0806;
	rebuild(buf, l, s);
}
static void c_wrong_mac(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	s->dst_mac[5] = 0x03;
	rebuild(buf, l, s);
}
static void c_multicast_mac(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	memcpy(s->dst_mac, mc, 6);
	rebuild(buf, l, s);
}
static void c_wrong_ip(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	s->dst_ip[0] = 11;
	rebuild(buf, l, s);
}
static void c_wrong_port(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	s->dport = 7448;
	rebuild(buf, l, s);
}
static void c_ip_trunc_short(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	rebuild(buf, l, s);
	l->len = 14 + 19;
}
static void c_ip_trunc_options(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	/* IHL says 60 bytes of header; the packet has 14 + 40 */
	rebuild(buf, l, s);
	buf[l->ip] = 0x4f;
	l->len = 14 + 40;
}
static void c_ip_version(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	s->version = 6;
	rebuild(buf, l, s);
}
static void c_ip_ihl(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	rebuild(buf, l, s);
	buf[l->ip] = 0x44;
	twu_fix_ip_csum(buf, l);
}
static void c_ip_csum(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	rebuild(buf, l, s);
	buf[l->ip + 11] ^= 0x01;
}
static void c_ip_csum_hdr(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	/* a changed address with the old checksum */
	rebuild(buf, l, s);
	buf[l->ip + 15] ^= 0x40;
}
static void c_ip_len_long(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	rebuild(buf, l, s);
	twu_wr16(buf + l->ip + 2, (uint16_t)(l->len - l->ip + 1));
	twu_fix_ip_csum(buf, l);
}
static void c_ip_len_short(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	rebuild(buf, l, s);
	twu_wr16(buf + l->ip + 2, 19);
	twu_fix_ip_csum(buf, l);
}
static void c_ip_mf(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	s->frag = 0x2000;
	rebuild(buf, l, s);
}
static void c_ip_offset(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	s->frag = 0x0001;
	rebuild(buf, l, s);
}
static void c_tcp(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	s->proto = 6;
	rebuild(buf, l, s);
}
static void c_udp_len(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	rebuild(buf, l, s);
	twu_wr16(buf + l->udp + 4, (uint16_t)(twu_rd16(buf + l->udp + 4) - 1));
}
static void c_udp_len_big(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	/* UDP claims more than IPv4 carries, even though the padding has it */
	s->pad = 8;
	rebuild(buf, l, s);
	twu_wr16(buf + l->udp + 4, (uint16_t)(twu_rd16(buf + l->udp + 4) + 8));
}
static void c_udp_no_room(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	/* IPv4 payload shorter than a UDP header */
	rebuild(buf, l, s);
	twu_wr16(buf + l->ip + 2, 20 + 7);
	twu_fix_ip_csum(buf, l);
}
static void c_frame_trunc(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	/* 15 bytes of frame: one short of a frame header */
	rebuild(buf, l, s);
	twu_wr16(buf + l->ip + 2, 20 + 8 + 15);
	twu_wr16(buf + l->udp + 4, 8 + 15);
	twu_fix_ip_csum(buf, l);
}
static void c_magic(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	s->magic = 0x424C4D32u;
	rebuild(buf, l, s);
}
static void c_zero_count(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	rebuild(buf, l, s);
	twu_wr16(buf + l->frame + 4, 0);
}
static void c_msg_trunc(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	/* count says 3; after two messages only 4 bytes remain */
	rebuild(buf, l, s);
	twu_wr16(buf + l->frame + 4, 3);
	memset(buf + l->len, 0, 4);
	l->len += 4;
	twu_wr16(buf + l->ip + 2, (uint16_t)(l->len - l->ip));
	twu_wr16(buf + l->udp + 4, (uint16_t)(l->len - l->udp));
	twu_fix_ip_csum(buf, l);
}
static void c_len_overflow(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	rebuild(buf, l, s);
	twu_wr32(buf + l->frame + 16 + 16 + 4, 11); /* second message: 10 bytes there */
}
static void c_len_overflow_huge(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	rebuild(buf, l, s);
	twu_wr32(buf + l->frame + 16, 0xffffffffu);
}
static void c_count_mismatch(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	rebuild(buf, l, s);
	twu_wr16(buf + l->frame + 4, 1);
}
static void c_count_mismatch_tail(uint8_t *buf, struct twu_layout *l, struct twu_spec *s)
{
	/* a stray byte inside the UDP payload after the last message */
	rebuild(buf, l, s);
	buf[l->len] = 0;
	l->len += 1;
	twu_wr16(buf + l->ip + 2, (uint16_t)(l->len - l->ip));
	twu_wr16(buf + l->udp + 4, (uint16_t)(l->len - l->udp));
	twu_fix_ip_csum(buf, l);
}

static const struct drop_case drop_cases[] = {
	{ "13 bytes", BL_PKT_DROP_ETH_TRUNCATED, c_eth_trunc },
	{ "VLAN tag", BL_PKT_DROP_NOT_IPV4, c_vlan },
	{ "IPv6", BL_PKT_DROP_NOT_IPV4, c_ipv6 },
	{ "ARP", BL_PKT_DROP_NOT_IPV4, c_arp },
	{ "other MAC", BL_PKT_DROP_NOT_FOR_US, c_wrong_mac },
	{ "multicast MAC", BL_PKT_DROP_NOT_FOR_US, c_multicast_mac },
	{ "other IPv4", BL_PKT_DROP_NOT_FOR_US, c_wrong_ip },
	{ "other port", BL_PKT_DROP_NOT_FOR_US, c_wrong_port },
	{ "19-byte IPv4", BL_PKT_DROP_IP_TRUNCATED, c_ip_trunc_short },
	{ "IHL past data", BL_PKT_DROP_IP_TRUNCATED, c_ip_trunc_options },
	{ "version 6", BL_PKT_DROP_IP_BAD_HEADER, c_ip_version },
	{ "IHL 4", BL_PKT_DROP_IP_BAD_HEADER, c_ip_ihl },
	{ "checksum flipped", BL_PKT_DROP_IP_BAD_CSUM, c_ip_csum },
	{ "header changed", BL_PKT_DROP_IP_BAD_CSUM, c_ip_csum_hdr },
	{ "total > data", BL_PKT_DROP_IP_BAD_LENGTH, c_ip_len_long },
	{ "total < IHL", BL_PKT_DROP_IP_BAD_LENGTH, c_ip_len_short },
	{ "MF", BL_PKT_DROP_IP_FRAGMENT, c_ip_mf },
	{ "offset", BL_PKT_DROP_IP_FRAGMENT, c_ip_offset },
	{ "TCP", BL_PKT_DROP_NOT_UDP, c_tcp },
	{ "UDP short", BL_PKT_DROP_UDP_BAD_LENGTH, c_udp_len },
	{ "UDP long", BL_PKT_DROP_UDP_BAD_LENGTH, c_udp_len_big },
	{ "no UDP room", BL_PKT_DROP_UDP_BAD_LENGTH, c_udp_no_room },
	{ "15-byte frame", BL_PKT_DROP_FRAME_TRUNCATED, c_frame_trunc },
	{ "magic", BL_PKT_DROP_BAD_MAGIC, c_magic },
	{ "count 0", BL_PKT_DROP_ZERO_COUNT, c_zero_count },
	{ "msg header cut", BL_PKT_DROP_MSG_TRUNCATED, c_msg_trunc },
	{ "len + 1", BL_PKT_DROP_LENGTH_OVERFLOW, c_len_overflow },
	{ "len 4G", BL_PKT_DROP_LENGTH_OVERFLOW, c_len_overflow_huge },
	{ "count 1 of 2", BL_PKT_DROP_COUNT_MISMATCH, c_count_mismatch },
	{ "stray byte", BL_PKT_DROP_COUNT_MISMATCH, c_count_mismatch_tail },
};

static void test_parse_drops(void **state)
{
	int seen[BL_PKT_DROP_MAX] = { 0 };
	struct bl_wire_local local = default_local();

	(void)state;
	for (size_t i = 0; i < sizeof(drop_cases) / sizeof(drop_cases[0]); i++) {
		const struct drop_case *c = &drop_cases[i];
		uint8_t buf[BUF_CAP];
		struct twu_spec s = twu_default_spec();
		struct twu_layout l;
		enum bl_pkt_drop got;

		s.count = 2;
		s.lens = std_lens;
		c->craft(buf, &l, &s);
		assert_int_not_equal(l.len, 0);
		got = parse_bytes(buf, l.len, &local);
		if (got != c->want)
			fail_msg("%s: got %s, want %s", c->what, bl_pkt_drop_names[got],
				 bl_pkt_drop_names[c->want]);
		seen[got]++;
	}

	/* SEGMENTED: a valid packet split over two mbufs */
	{
		uint8_t buf[BUF_CAP];
		struct twu_spec s = twu_default_spec();
		struct twu_layout l;
		struct rte_mbuf *a, *b;
		struct bl_pkt pkt;

		s.count = 2;
		s.lens = std_lens;
		l = twu_build(buf, sizeof(buf), &s);
		a = mbuf_from(buf, 40);
		b = mbuf_from(buf + 40, l.len - 40);
		assert_int_equal(rte_pktmbuf_chain(a, b), 0);
		assert_int_equal(bl_wire_parse(a, &local, &pkt), BL_PKT_DROP_SEGMENTED);
		seen[BL_PKT_DROP_SEGMENTED]++;
		rte_pktmbuf_free(a);
	}

	/* every reason from eth_truncated to count_mismatch was produced */
	for (int r = BL_PKT_DROP_ETH_TRUNCATED; r <= BL_PKT_DROP_COUNT_MISMATCH; r++)
		if (seen[r] == 0)
			fail_msg("no packet produced drop reason %s", bl_pkt_drop_names[r]);
	assert_int_equal(seen[BL_PKT_DROP_NONE], 0);
}

/* The drop names the counters and the CLI use stay in step with the enum. */
static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(bl_pkt_drop_names[BL_PKT_DROP_IP_BAD_CSUM], "ip_bad_checksum");
	assert_string_equal(bl_pkt_drop_names[BL_PKT_DROP_COUNT_MISMATCH], "count_mismatch");
	for (int st = BL_WIRE_TRUNCATED; st < BL_WIRE_STATUS_MAX; st++)
		assert_string_equal(bl_pkt_drop_names[bl_pkt_drop_from_wire(st)],
				    bl_wire_status_names[st]);
}

static void test_parse_rx_csum_flags(void **state)
{
	uint8_t buf[BUF_CAP];
	struct twu_spec s = twu_default_spec();
	struct bl_wire_local local = default_local();
	struct twu_layout l;
	struct bl_pkt pkt;

	(void)state;
	s.count = 2;
	s.lens = std_lens;
	l = twu_build(buf, sizeof(buf), &s);

	/* right checksum: accepted unless the NIC says it is bad */
	assert_int_equal(
	    parse_bytes_flags(buf, l.len, &local, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, &pkt),
	    BL_PKT_DROP_NONE);
	assert_int_equal(parse_bytes_flags(buf, l.len, &local, RTE_MBUF_F_RX_IP_CKSUM_GOOD, &pkt),
			 BL_PKT_DROP_NONE);
	assert_int_equal(parse_bytes_flags(buf, l.len, &local, RTE_MBUF_F_RX_IP_CKSUM_BAD, &pkt),
			 BL_PKT_DROP_IP_BAD_CSUM);
	/* other flags do not disturb the decision */
	assert_int_equal(parse_bytes_flags(buf, l.len, &local,
					   RTE_MBUF_F_RX_L4_CKSUM_BAD | RTE_MBUF_F_RX_RSS_HASH,
					   &pkt),
			 BL_PKT_DROP_NONE);

	/* wrong checksum: the software check runs only when the NIC said nothing */
	buf[l.ip + 10] ^= 0x10;
	assert_int_equal(
	    parse_bytes_flags(buf, l.len, &local, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, &pkt),
	    BL_PKT_DROP_IP_BAD_CSUM);
	assert_int_equal(parse_bytes_flags(buf, l.len, &local, RTE_MBUF_F_RX_IP_CKSUM_GOOD, &pkt),
			 BL_PKT_DROP_NONE);
	assert_int_equal(parse_bytes_flags(buf, l.len, &local, RTE_MBUF_F_RX_IP_CKSUM_NONE, &pkt),
			 BL_PKT_DROP_NONE);
	assert_int_equal(parse_bytes_flags(buf, l.len, &local, RTE_MBUF_F_RX_IP_CKSUM_BAD, &pkt),
			 BL_PKT_DROP_IP_BAD_CSUM);
}

static struct bl_wire_hop test_hop(void)
{
	struct bl_wire_hop h = {
		.src_mac = { .addr_bytes = { 0x02, 0xaa, 0, 0, 0, 0x10 } },
		.dst_mac = { .addr_bytes = { 0x02, 0xbb, 0, 0, 0, 0x20 } },
		.src_ip = rte_cpu_to_be_32(TWU_IPV4(192, 168, 7, 1)),
		.dst_ip = rte_cpu_to_be_32(TWU_IPV4(192, 168, 9, 254)),
		.src_port = RTE_BE16(40000),
		.dst_port = RTE_BE16(7500),
	};
	return h;
}

static struct bl_wire_local local_for(const struct bl_wire_hop *h)
{
	struct bl_wire_local l = {
		.mac = h->dst_mac,
		.ip = h->dst_ip,
		.udp_port = h->dst_port,
		.promisc = 0,
	};
	return l;
}

/* Check the IPv4 header of an outgoing packet independently of wire.h. */
static void check_out_ip(const uint8_t *ip, const struct bl_wire_hop *h)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;

	assert_int_equal(ip[8], 64);
	assert_int_equal(twu_csum(ip, ihl), 0);
	assert_memory_equal(ip + 12, &h->src_ip, 4);
	assert_memory_equal(ip + 16, &h->dst_ip, 4);
}

static void rewrite_case(uint8_t ihl)
{
	uint32_t lens[7] = { 1, 2, 3, 100, 0, 17, 64 };
	uint8_t buf[BUF_CAP];
	struct twu_spec s = twu_default_spec();
	struct bl_wire_local local = default_local();
	struct bl_wire_hop hop = test_hop();
	struct bl_wire_local out_local = local_for(&hop);
	struct twu_layout l;
	struct rte_mbuf *m;
	struct bl_pkt pkt, out;
	uint8_t *d;

	s.count = 7;
	s.lens = lens;
	s.ihl = ihl;
	l = twu_build(buf, sizeof(buf), &s);
	m = mbuf_from(buf, l.len);
	assert_int_equal(bl_wire_parse(m, &local, &pkt), BL_PKT_DROP_NONE);

	bl_wire_rewrite(m, &pkt, &hop, 0xfedcba9876543210ull);
	d = rte_pktmbuf_mtod(m, uint8_t *);
	assert_int_equal(rte_pktmbuf_data_len(m), l.len);

	/* the old local no longer accepts it; the hop's does */
	assert_int_equal(bl_wire_parse(m, &local, &out), BL_PKT_DROP_NOT_FOR_US);
	assert_int_equal(bl_wire_parse(m, &out_local, &out), BL_PKT_DROP_NONE);
	assert_true(out.src_ip == hop.src_ip);
	assert_true(out.dst_ip == hop.dst_ip);
	assert_true(out.src_port == hop.src_port);
	assert_true(out.dst_port == hop.dst_port);
	assert_int_equal(out.frame_off, pkt.frame_off);
	assert_int_equal(out.frame_len, pkt.frame_len);
	assert_int_equal(out.fr.count, 7);
	assert_true(out.fr.seq == 0xfedcba9876543210ull);

	/* byte level, without wire.h */
	assert_memory_equal(d, hop.dst_mac.addr_bytes, 6);
	assert_memory_equal(d + 6, hop.src_mac.addr_bytes, 6);
	assert_int_equal(twu_rd16(d + 12), 0x0800);
	check_out_ip(d + l.ip, &hop);
	assert_memory_equal(d + l.ip, buf + l.ip, 8); /* version..frag unchanged */
	assert_int_equal(d[l.ip + 9], 17);
	assert_memory_equal(d + l.ip + 20, buf + l.ip + 20, (size_t)ihl * 4 - 20); /* options */
	assert_int_equal(twu_rd16(d + l.udp + 4), twu_rd16(buf + l.udp + 4));
	assert_int_equal(twu_rd16(d + l.udp + 6), 0);
	assert_true(twu_rd64(d + l.frame + 8) == 0xfedcba9876543210ull);
	/* magic, count, flags and every message byte unchanged */
	assert_memory_equal(d + l.frame, buf + l.frame, 8);
	assert_memory_equal(d + l.frame + 16, buf + l.frame + 16, l.frame_len - 16);
	check_msgs(d + l.frame, &out, lens, 7);
	rte_pktmbuf_free(m);
}

static void test_rewrite_reparse(void **state)
{
	(void)state;
	rewrite_case(5);
	rewrite_case(6);
	rewrite_case(15);
}

static void test_put_headers(void **state)
{
	static const uint32_t lens[] = { 9, 0, 300 };
	struct bl_wire_hop hop = test_hop();
	struct bl_wire_local local = local_for(&hop);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t msgs_len = 0, off;
	struct bl_pkt pkt;
	uint8_t *d, *f;

	(void)state;
	assert_non_null(m);
	for (unsigned int i = 0; i < 3; i++)
		msgs_len += BL_WIRE_MSG_HDR_LEN + lens[i];
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(BL_WIRE_HDRS_LEN + msgs_len));
	assert_non_null(d);
	memset(d, 0xcc, BL_WIRE_HDRS_LEN + msgs_len);
	bl_wire_put_headers(d, &hop, 3, 77, msgs_len, 0xabcd);
	f = d + BL_WIRE_HDRS_LEN;
	off = 0;
	for (unsigned int i = 0; i < 3; i++) {
		twu_wr32(f + off, lens[i]);
		twu_wr16(f + off + 4, 0);
		twu_wr16(f + off + 6, 0);
		twu_wr64(f + off + 8, twu_key(i));
		off += 16;
		for (uint32_t j = 0; j < lens[i]; j++)
			f[off + j] = twu_byte(i, j);
		off += lens[i];
	}

	assert_int_equal(bl_wire_parse(m, &local, &pkt), BL_PKT_DROP_NONE);
	assert_true(pkt.src_ip == hop.src_ip && pkt.dst_ip == hop.dst_ip);
	assert_true(pkt.src_port == hop.src_port && pkt.dst_port == hop.dst_port);
	assert_int_equal(pkt.frame_off, 42);
	assert_int_equal(pkt.frame_len, 16 + msgs_len);
	assert_int_equal(pkt.fr.count, 3);
	assert_int_equal(pkt.fr.flags, 0);
	assert_true(pkt.fr.seq == 77);
	check_msgs(d + pkt.frame_off, &pkt, lens, 3);

	/* byte level, without wire.h */
	assert_memory_equal(d, hop.dst_mac.addr_bytes, 6);
	assert_memory_equal(d + 6, hop.src_mac.addr_bytes, 6);
	assert_int_equal(twu_rd16(d + 12), 0x0800);
	assert_int_equal(d[14], 0x45);
	assert_int_equal(d[15], 0);
	assert_int_equal(twu_rd16(d + 16), 20 + 8 + 16 + msgs_len);
	assert_int_equal(twu_rd16(d + 18), 0xabcd);
	assert_int_equal(twu_rd16(d + 20), 0x4000); /* DF, offset 0 */
	assert_int_equal(d[23], 17);
	check_out_ip(d + 14, &hop);
	assert_int_equal(twu_rd16(d + 34 + 4), 8 + 16 + msgs_len);
	assert_int_equal(twu_rd16(d + 34 + 6), 0);
	rte_pktmbuf_free(m);
}

/* wire_fmt.h directly, on plain buffers: every status and the iterator. */
static void test_frame_check_statuses(void **state)
{
	uint8_t f[256];
	struct bl_wire_frame fr;
	size_t n;

	(void)state;
	memset(f, 0, sizeof(f));
	twu_wr32(f, 0x424C4D31u);
	twu_wr16(f + 4, 2);
	twu_wr16(f + 6, 0x0003);
	twu_wr64(f + 8, 42);
	twu_wr32(f + 16, 3);	      /* msg 0: 3 bytes */
	twu_wr32(f + 16 + 16 + 3, 0); /* msg 1: empty */
	n = 16 + 16 + 3 + 16;

	assert_int_equal(bl_wire_frame_check(f, n, &fr), BL_WIRE_OK);
	assert_int_equal(fr.count, 2);
	assert_int_equal(fr.flags, 3);
	assert_true(fr.seq == 42);

	for (size_t k = 0; k < 16; k++)
		assert_int_equal(bl_wire_frame_check(f, k, &fr), BL_WIRE_TRUNCATED);
	assert_int_equal(bl_wire_frame_check(f, n - 1, &fr), BL_WIRE_MSG_TRUNCATED);
	assert_int_equal(bl_wire_frame_check(f, 16 + 15, &fr), BL_WIRE_MSG_TRUNCATED);
	assert_int_equal(bl_wire_frame_check(f, 16, &fr), BL_WIRE_MSG_TRUNCATED);
	assert_int_equal(bl_wire_frame_check(f, 16 + 16 + 2, &fr), BL_WIRE_LEN_OVERFLOW);
	assert_int_equal(bl_wire_frame_check(f, n + 1, &fr), BL_WIRE_COUNT_MISMATCH);

	f[0] ^= 0x80;
	assert_int_equal(bl_wire_frame_check(f, n, &fr), BL_WIRE_BAD_MAGIC);
	f[0] ^= 0x80;
	twu_wr16(f + 4, 0);
	assert_int_equal(bl_wire_frame_check(f, n, &fr), BL_WIRE_ZERO_COUNT);
	twu_wr16(f + 4, 1);
	assert_int_equal(bl_wire_frame_check(f, n, &fr), BL_WIRE_COUNT_MISMATCH);
	twu_wr16(f + 4, 0xffff);
	assert_int_equal(bl_wire_frame_check(f, n, &fr), BL_WIRE_MSG_TRUNCATED);
	twu_wr16(f + 4, 2);
	twu_wr32(f + 16, 0xffffffffu);
	assert_int_equal(bl_wire_frame_check(f, n, &fr), BL_WIRE_LEN_OVERFLOW);
	twu_wr32(f + 16, 0xfffffff0u); /* would wrap a 32-bit offset */
	assert_int_equal(bl_wire_frame_check(f, n, &fr), BL_WIRE_LEN_OVERFLOW);
}

static void test_msg_next(void **state)
{
	uint8_t f[128];
	struct bl_wire_frame fr;
	struct bl_wire_msg m;
	uint32_t off = BL_WIRE_FRAME_HDR_LEN;

	(void)state;
	memset(f, 0, sizeof(f));
	bl_wire_put_frame_hdr(f, 3, 0, 9);
	bl_wire_put_msg_hdr(f + 16, 2, BL_WIRE_KIND_DATA, 0, 0x1111);
	f[32] = 'h';
	f[33] = 'i';
	bl_wire_put_msg_hdr(f + 34, 0, 7, 0x00f0, 0xffffffffffffffffull);
	bl_wire_put_msg_hdr(f + 50, 1, 0, 1, 0);
	f[66] = 'x';
	/* put_* write big-endian: check one field by hand */
	assert_int_equal(twu_rd16(f + 34 + 4), 7);
	assert_int_equal(bl_wire_frame_check(f, 67, &fr), BL_WIRE_OK);
	assert_true(fr.seq == 9);

	bl_wire_msg_next(f, &off, &m);
	assert_int_equal(m.len, 2);
	assert_int_equal(m.off, 32);
	assert_true(m.key == 0x1111);
	assert_memory_equal(f + m.off, "hi", 2);
	assert_int_equal(off, 34);
	bl_wire_msg_next(f, &off, &m);
	assert_int_equal(m.len, 0);
	assert_int_equal(m.kind, 7);
	assert_int_equal(m.flags, 0x00f0);
	assert_true(m.key == 0xffffffffffffffffull);
	assert_int_equal(m.off, 50);
	bl_wire_msg_next(f, &off, &m);
	assert_int_equal(m.len, 1);
	assert_int_equal(m.flags, 1);
	assert_int_equal(f[m.off], 'x');
	assert_int_equal(off, 67);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_parse_one_msg, check_pool_full),
		cmocka_unit_test_teardown(test_parse_many_msgs, check_pool_full),
		cmocka_unit_test_teardown(test_parse_padding_and_options, check_pool_full),
		cmocka_unit_test_teardown(test_parse_accept_rules, check_pool_full),
		cmocka_unit_test_teardown(test_parse_drops, check_pool_full),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test_teardown(test_parse_rx_csum_flags, check_pool_full),
		cmocka_unit_test_teardown(test_rewrite_reparse, check_pool_full),
		cmocka_unit_test_teardown(test_put_headers, check_pool_full),
		cmocka_unit_test(test_frame_check_statuses),
		cmocka_unit_test(test_msg_next),
	};

	return cmocka_run_group_tests_name("wire", tests, group_setup, group_teardown);
}
