/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/wire parse on real mbufs: one and many messages, padding and
 * IP options, the accept rules, one crafted packet per drop reason, the
 * drop names, and the RX checksum flags. Packets are built byte by byte by
 * wire_test_util.h, not by the code under test. Every test ends with the
 * mbuf pool full again (wire_mbuf_test.h).
 */
#include "wire_mbuf_test.h"

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
	};

	return cmocka_run_group_tests_name("wire parse", tests, group_setup, group_teardown);
}
