/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/wire6 on real mbufs: good IPv6 frames accepted (with skippable
 * extension headers, padding, the NIC's checksum flags), one crafted
 * packet per drop reason an IPv6 packet can get, the IPv6 drop names, the
 * UDP checksum computed on the way out (over chained segments, checked by
 * summing it again here), and reframing between the families. Packets are
 * built by wire6_test_util.h, not by the code under test.
 */
#include "wire_mbuf_test.h"

#include "dataplane/wire6.h"
#include "wire6_test_util.h"

static const uint32_t std_lens[] = { 3, 0 };

static struct bl_wire_local6 default_local6(void)
{
	struct bl_wire_local6 l;

	memcpy(l.ip, twu6_default_spec().dst, 16);
	return l;
}

static enum bl_pkt_drop parse6(const uint8_t *b, size_t n, uint64_t ol_flags, struct bl_pkt *pkt,
			       uint8_t src6[16])
{
	struct bl_wire_local local = default_local();
	struct bl_wire_local6 local6 = default_local6();
	struct rte_mbuf *m = mbuf_from(b, n);
	enum bl_pkt_drop r;
	bool v6;

	m->ol_flags = ol_flags;
	r = bl_wire_parse_any(m, &local, &local6, pkt, src6, &v6);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), b, n); /* never written */
	if (n >= 14 && b[12] == 0x86 && b[13] == 0xdd)
		assert_true(v6);
	rte_pktmbuf_free(m);
	return r;
}

static struct twu6_spec std_spec(void)
{
	struct twu6_spec s = twu6_default_spec();

	s.f.count = 2;
	s.f.lens = std_lens;
	return s;
}

static void check_accepted6(const uint8_t *buf, const struct twu_layout *l,
			    const struct twu6_spec *s, uint64_t ol_flags)
{
	struct bl_pkt pkt;
	uint8_t src6[16];

	memset(&pkt, 0xa5, sizeof(pkt));
	assert_int_equal(parse6(buf, l->len, ol_flags, &pkt, src6), BL_PKT_DROP_NONE);
	assert_memory_equal(src6, s->src, 16);
	assert_int_equal(pkt.src_ip, 0);
	assert_int_equal(rte_be_to_cpu_16(pkt.src_port), s->f.sport);
	assert_int_equal(rte_be_to_cpu_16(pkt.dst_port), s->f.dport);
	assert_int_equal(pkt.frame_off, l->frame);
	assert_int_equal(pkt.frame_len, l->frame_len);
	assert_int_equal(pkt.fr.count, s->f.count);
	assert_int_equal(pkt.fr.flags, s->f.fflags);
	assert_true(pkt.fr.seq == s->f.seq);
	check_msgs(buf + pkt.frame_off, &pkt, s->f.lens, s->f.count);
}

static void test_accept(void **state)
{
	static const uint32_t lens[] = { 5, 0, 300, 1 };
	uint8_t buf[BUF_CAP];
	struct twu6_spec s = twu6_default_spec();
	struct twu_layout l;

	(void)state;
	s.f.count = 4;
	s.f.lens = lens;
	s.f.seq = 0x1122334455667788ull;
	s.f.fflags = 0x8001;
	l = twu6_build(buf, sizeof(buf), &s);
	assert_int_equal(l.len, 14 + 40 + 8 + 16 + 4 * 16 + 306);
	check_accepted6(buf, &l, &s, 0);

	/* Ethernet padding after the datagram is ignored. */
	s.f.pad = 7;
	l = twu6_build(buf, sizeof(buf), &s);
	check_accepted6(buf, &l, &s, 0);

	/* Hop-by-Hop, then Destination Options, only skippable options. */
	s = std_spec();
	twu6_add_ext(&s, 0, 8);
	twu6_add_ext(&s, 60, 16);
	l = twu6_build(buf, sizeof(buf), &s);
	check_accepted6(buf, &l, &s, 0);

	/* An option of type 5 (router alert: "skip if unknown") with Pad1s. */
	s = std_spec();
	twu6_add_ext(&s, 60, 8);
	s.ext[2] = 5;
	s.ext[3] = 2;
	s.ext[6] = 0;
	s.ext[7] = 0;
	l = twu6_build(buf, sizeof(buf), &s);
	check_accepted6(buf, &l, &s, 0);

	/* The NIC vouched for the UDP checksum: not summed again. */
	s = std_spec();
	l = twu6_build(buf, sizeof(buf), &s);
	buf[l.udp + 6] ^= 0x55;
	check_accepted6(buf, &l, &s, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	check_accepted6(buf, &l, &s, RTE_MBUF_F_RX_L4_CKSUM_NONE);

	/* Any destination when the port's IPv6 address is :: ... */
	{
		struct bl_wire_local local = default_local();
		struct bl_wire_local6 any = { { 0 } };
		struct rte_mbuf *m;
		struct bl_pkt pkt;
		uint8_t src6[16];

		s = std_spec();
		s.dst[3] = 0x77;
		l = twu6_build(buf, sizeof(buf), &s);
		m = mbuf_from(buf, l.len);
		assert_int_equal(bl_wire_parse6_hdrs(m, &local, &any, &pkt, src6),
				 BL_PKT_DROP_NONE);
		rte_pktmbuf_free(m);
	}
}

/* One crafted packet per drop reason. */
struct drop6_case {
	const char *what;
	enum bl_pkt_drop want;
	void (*craft)(struct twu6_spec *s);		  /* before the build */
	void (*mangle)(uint8_t *b, struct twu_layout *l); /* after it */
	uint64_t ol_flags;
};

static void x_none(struct twu6_spec *s)
{
	(void)s;
}
static void m_none(uint8_t *b, struct twu_layout *l)
{
	(void)b;
	(void)l;
}
static void m_trunc_ip(uint8_t *b, struct twu_layout *l)
{
	(void)b;
	l->len = 14 + 39;
}
static void x_version(struct twu6_spec *s)
{
	s->version = 4;
}
static void m_plen0(uint8_t *b, struct twu_layout *l)
{
	twu_wr16(b + 14 + 4, 0);
	(void)l;
}
static void m_plen_long(uint8_t *b, struct twu_layout *l)
{
	twu_wr16(b + 14 + 4, (uint16_t)(twu_rd16(b + 14 + 4) + 1));
	(void)l;
}
static void x_hlim0(struct twu6_spec *s)
{
	s->hlim = 0;
}
static void x_frag(struct twu6_spec *s)
{
	twu6_add_ext(s, 44, 8);
}
static void x_routing(struct twu6_spec *s)
{
	twu6_add_ext(s, 43, 8);
}
static void x_hbh_second(struct twu6_spec *s)
{
	twu6_add_ext(s, 60, 8);
	twu6_add_ext(s, 0, 8);
}
static void x_opt_discard(struct twu6_spec *s)
{
	twu6_add_ext(s, 60, 8);
	s->ext[2] = 0xc2; /* jumbo payload: "discard if unknown" */
}
static void x_too_many(struct twu6_spec *s)
{
	for (int i = 0; i < 5; i++)
		twu6_add_ext(s, 60, 8);
}
static void x_esp(struct twu6_spec *s)
{
	s->upper = 50;
}
static void x_dstopts(struct twu6_spec *s)
{
	twu6_add_ext(s, 60, 8);
}
static void m_ext_cut(uint8_t *b, struct twu_layout *l)
{
	b[14 + 40 + 1] = 200; /* the header claims more than the payload has */
	(void)l;
}
static void x_tcp(struct twu6_spec *s)
{
	s->upper = 6;
}
static void x_icmp6(struct twu6_spec *s)
{
	s->upper = 58;
}
static void m_udp_short(uint8_t *b, struct twu_layout *l)
{
	twu_wr16(b + l->udp + 4, (uint16_t)(twu_rd16(b + l->udp + 4) - 1));
	twu6_fix_csum(b, l);
}
static void m_no_udp_room(uint8_t *b, struct twu_layout *l)
{
	twu_wr16(b + 14 + 4, 7);
	l->len = 14 + 40 + 7;
}
static void m_csum(uint8_t *b, struct twu_layout *l)
{
	b[l->udp + 6] ^= 1;
}
static void m_csum_zero(uint8_t *b, struct twu_layout *l)
{
	twu_wr16(b + l->udp + 6, 0);
}
static void m_payload_flip(uint8_t *b, struct twu_layout *l)
{
	b[l->frame + 16] ^= 0x80; /* a message header byte: only the checksum sees it */
}
static void m_mac(uint8_t *b, struct twu_layout *l)
{
	b[5] = 9;
	(void)l;
}
static void x_dst(struct twu6_spec *s)
{
	s->dst[15] = 9;
}
static void x_port(struct twu6_spec *s)
{
	s->f.dport = 7448;
}
static void m_frame_trunc(uint8_t *b, struct twu_layout *l)
{
	twu_wr16(b + 14 + 4, 8 + 15);
	twu_wr16(b + l->udp + 4, 8 + 15);
	l->len = l->frame + 15;
	twu6_fix_csum(b, l);
}
static void x_magic(struct twu6_spec *s)
{
	s->f.magic = 0x424C4D32u;
}
static void x_zero(struct twu6_spec *s)
{
	s->f.count = 0;
}
static void m_count_up(uint8_t *b, struct twu_layout *l)
{
	twu_wr16(b + l->frame + 4, 3);
	twu6_fix_csum(b, l);
}
static void m_len_up(uint8_t *b, struct twu_layout *l)
{
	twu_wr32(b + l->frame + 16 + 19, 1); /* the last message's length 0 -> 1 */
	twu6_fix_csum(b, l);
}
static void m_count_down(uint8_t *b, struct twu_layout *l)
{
	twu_wr16(b + l->frame + 4, 1);
	twu6_fix_csum(b, l);
}
static void m_eth(uint8_t *b, struct twu_layout *l)
{
	(void)b;
	l->len = 13;
}

static const struct drop6_case drop6_cases[] = {
	{ "eth 13 bytes", BL_PKT_DROP_ETH_TRUNCATED, x_none, m_eth, 0 },
	{ "39-byte IPv6 header", BL_PKT_DROP_IP_TRUNCATED, x_none, m_trunc_ip, 0 },
	{ "version 4", BL_PKT_DROP_IP_BAD_HEADER, x_version, m_none, 0 },
	{ "payload length 0", BL_PKT_DROP_IP6_BAD_PAYLOAD_LEN, x_none, m_plen0, 0 },
	{ "payload length + 1", BL_PKT_DROP_IP6_BAD_PAYLOAD_LEN, x_none, m_plen_long, 0 },
	{ "hop limit 0", BL_PKT_DROP_IP6_HOP_LIMIT, x_hlim0, m_none, 0 },
	{ "fragment header", BL_PKT_DROP_IP_FRAGMENT, x_frag, m_none, 0 },
	{ "routing header", BL_PKT_DROP_IP6_EXT_HEADER, x_routing, m_none, 0 },
	{ "hop-by-hop second", BL_PKT_DROP_IP6_EXT_HEADER, x_hbh_second, m_none, 0 },
	{ "discard option", BL_PKT_DROP_IP6_EXT_HEADER, x_opt_discard, m_none, 0 },
	{ "five headers", BL_PKT_DROP_IP6_EXT_HEADER, x_too_many, m_none, 0 },
	{ "ESP", BL_PKT_DROP_IP6_EXT_HEADER, x_esp, m_none, 0 },
	{ "header past payload", BL_PKT_DROP_IP6_EXT_HEADER, x_dstopts, m_ext_cut, 0 },
	{ "TCP", BL_PKT_DROP_NOT_UDP, x_tcp, m_none, 0 },
	{ "ICMPv6", BL_PKT_DROP_NOT_UDP, x_icmp6, m_none, 0 },
	{ "UDP short", BL_PKT_DROP_UDP_BAD_LENGTH, x_none, m_udp_short, 0 },
	{ "no UDP room", BL_PKT_DROP_UDP_BAD_LENGTH, x_none, m_no_udp_room, 0 },
	{ "UDP checksum", BL_PKT_DROP_UDP_BAD_CSUM, x_none, m_csum, 0 },
	{ "UDP checksum 0", BL_PKT_DROP_UDP_BAD_CSUM, x_none, m_csum_zero, 0 },
	{ "payload bit", BL_PKT_DROP_UDP_BAD_CSUM, x_none, m_payload_flip, 0 },
	{ "NIC says bad", BL_PKT_DROP_UDP_BAD_CSUM, x_none, m_none, RTE_MBUF_F_RX_L4_CKSUM_BAD },
	{ "dst MAC", BL_PKT_DROP_NOT_FOR_US, x_none, m_mac, 0 },
	{ "dst IPv6", BL_PKT_DROP_NOT_FOR_US, x_dst, m_none, 0 },
	{ "dst port", BL_PKT_DROP_NOT_FOR_US, x_port, m_none, 0 },
	{ "15-byte frame", BL_PKT_DROP_FRAME_TRUNCATED, x_none, m_frame_trunc, 0 },
	{ "magic", BL_PKT_DROP_BAD_MAGIC, x_magic, m_none, 0 },
	{ "count 0", BL_PKT_DROP_ZERO_COUNT, x_zero, m_none, 0 },
	{ "count 3 of 2", BL_PKT_DROP_MSG_TRUNCATED, x_none, m_count_up, 0 },
	{ "len + 1", BL_PKT_DROP_LENGTH_OVERFLOW, x_none, m_len_up, 0 },
	{ "count 1 of 2", BL_PKT_DROP_COUNT_MISMATCH, x_none, m_count_down, 0 },
};

static void test_drops(void **state)
{
	int seen[BL_PKT_DROP_MAX] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(drop6_cases) / sizeof(drop6_cases[0]); i++) {
		const struct drop6_case *c = &drop6_cases[i];
		struct twu6_spec s = std_spec();
		uint8_t buf[BUF_CAP];
		struct twu_layout l;
		struct bl_pkt pkt;
		uint8_t src6[16];
		enum bl_pkt_drop got;

		c->craft(&s);
		l = twu6_build(buf, sizeof(buf), &s);
		assert_int_not_equal(l.len, 0);
		c->mangle(buf, &l);
		got = parse6(buf, l.len, c->ol_flags, &pkt, src6);
		if (got != c->want)
			fail_msg("%s: got %s, want %s", c->what, bl_pkt_drop_names[got],
				 bl_pkt_drop_names[c->want]);
		seen[got]++;
	}
	/* A valid IPv6 packet over two segments. */
	{
		struct bl_wire_local local = default_local();
		struct bl_wire_local6 local6 = default_local6();
		struct twu6_spec s = std_spec();
		uint8_t buf[BUF_CAP], src6[16];
		struct twu_layout l = twu6_build(buf, sizeof(buf), &s);
		struct rte_mbuf *a = mbuf_from(buf, 60), *b = mbuf_from(buf + 60, l.len - 60);
		struct bl_pkt pkt;

		assert_int_equal(rte_pktmbuf_chain(a, b), 0);
		assert_int_equal(bl_wire_parse6_hdrs(a, &local, &local6, &pkt, src6),
				 BL_PKT_DROP_SEGMENTED);
		seen[BL_PKT_DROP_SEGMENTED]++;
		rte_pktmbuf_free(a);
	}
	for (int r = BL_PKT_DROP_IP6_BAD_PAYLOAD_LEN; r <= BL_PKT_DROP_UDP_BAD_CSUM; r++)
		if (seen[r] == 0)
			fail_msg("no IPv6 packet produced drop reason %s", bl_pkt_drop_names[r]);
	assert_int_equal(seen[BL_PKT_DROP_NONE], 0);
}

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(bl_pkt_drop_names[BL_PKT_DROP_IP6_BAD_PAYLOAD_LEN],
			    "ip6_bad_payload_length");
	assert_string_equal(bl_pkt_drop_names[BL_PKT_DROP_IP6_EXT_HEADER], "ip6_ext_header");
	assert_string_equal(bl_pkt_drop_names[BL_PKT_DROP_IP6_HOP_LIMIT], "ip6_hop_limit");
	assert_string_equal(bl_pkt_drop_names[BL_PKT_DROP_UDP_BAD_CSUM], "udp_bad_checksum");
	for (int r = 0; r < BL_PKT_DROP_MAX; r++)
		assert_non_null(bl_pkt_drop_names[r]);
}

static struct bl_wire_out6 out6_to(uint8_t last)
{
	struct bl_wire_out6 o;

	memset(&o, 0, sizeof(o));
	o.eth[0] = 0x02;
	o.eth[5] = last;
	o.eth[6] = 0x02;
	o.eth[11] = 0x01;
	memcpy(o.ips, twu6_default_spec().dst, 16); /* ours */
	memcpy(o.ips + 16, twu6_default_spec().src, 16);
	o.ips[31] = last;
	twu_wr16(o.ports, 7447);
	twu_wr16(o.ports + 2, 9000);
	return o;
}

/* Headers built, messages chained behind in odd-sized segments: the UDP
 * checksum summed here over the flattened bytes is right. */
static void test_put_headers6_csum(void **state)
{
	static const uint32_t lens[] = { 1, 250, 7 };
	struct twu6_spec s = twu6_default_spec();
	struct bl_wire_out6 o = out6_to(0x33);
	uint8_t buf[BUF_CAP], flat[BUF_CAP];
	struct twu_layout l;
	struct rte_mbuf *head, *seg;
	uint32_t msgs, off, cut[] = { 1, 0, 101, 2 }; /* segment sizes; the rest in a last one */
	const uint8_t *d;

	(void)state;
	s.f.count = 3;
	s.f.lens = lens;
	l = twu6_build(buf, sizeof(buf), &s);
	msgs = (uint32_t)(l.frame_len - 16);

	head = rte_pktmbuf_alloc(pool);
	assert_non_null(head);
	assert_non_null(rte_pktmbuf_append(head, BL_WIRE_HDRS6_LEN));
	off = (uint32_t)l.frame + 16;
	for (size_t i = 0; i <= sizeof(cut) / sizeof(cut[0]); i++) {
		uint32_t n = i < sizeof(cut) / sizeof(cut[0]) ? cut[i] : (uint32_t)l.len - off;

		if (n == 0)
			continue;
		seg = mbuf_from(buf + off, n);
		assert_int_equal(rte_pktmbuf_chain(head, seg), 0);
		off += n;
	}
	bl_wire_put_headers6(rte_pktmbuf_mtod(head, uint8_t *), &o, 3, 42, msgs);
	bl_wire_udp6_finish(head, false);
	assert_int_equal(head->pkt_len, BL_WIRE_HDRS6_LEN + msgs);
	d = rte_pktmbuf_read(head, 0, head->pkt_len, flat);
	assert_non_null(d);
	assert_int_equal(twu_rd16(d + 12), 0x86DD);
	assert_int_equal(d[14] >> 4, 6);
	assert_int_equal(twu_rd16(d + 14 + 4), 8 + 16 + msgs);
	assert_int_equal(d[14 + 6], 17);
	assert_int_equal(d[14 + 7], 64);
	assert_memory_equal(d + 14 + 8, o.ips, 32);
	assert_int_equal(twu_rd16(d + 54 + 4), 8 + 16 + msgs);
	assert_int_not_equal(twu_rd16(d + 54 + 6), 0);
	assert_int_equal(twu6_udp_check(d + 14, d + 54, 8 + 16 + msgs), 0);
	assert_memory_equal(d + 78, buf + l.frame + 16, msgs);
	assert_true(twu_rd64(d + 62 + 8) == 42);

	/* Offloaded: flags set, the field holds the pseudo-header sum. */
	bl_wire_udp6_finish(head, true);
	assert_true((head->ol_flags & RTE_MBUF_F_TX_UDP_CKSUM) == RTE_MBUF_F_TX_UDP_CKSUM);
	assert_true(head->ol_flags & RTE_MBUF_F_TX_IPV6);
	assert_int_equal(head->l2_len, 14);
	assert_int_equal(head->l3_len, 40);
	{
		uint8_t ph[40];
		uint32_t sum;

		memcpy(ph, d + 14 + 8, 32);
		memset(ph + 32, 0, 8);
		twu_wr32(ph + 32, 8 + 16 + msgs);
		ph[39] = 17;
		sum = twu6_sum(ph, 40, 0);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		assert_int_equal(twu_rd16(rte_pktmbuf_mtod(head, uint8_t *) + 54 + 6), sum);
	}
	rte_pktmbuf_free(head);
}

/* Parse, reframe to a hop, parse again what would go out. */
static void reframe_case(bool in6, bool out6)
{
	static const uint32_t lens[] = { 9, 4 };
	struct bl_wire_local local = default_local();
	struct bl_wire_local6 local6 = default_local6();
	struct bl_wire_local back = default_local();
	struct bl_wire_local6 back6 = { { 0 } };
	struct bl_wire_out6 o6 = out6_to(0x44);
	struct bl_wire_hop hop;
	struct bl_wire_out o4;
	uint8_t buf[BUF_CAP], src6[16];
	struct twu_layout l;
	struct rte_mbuf *m;
	struct bl_pkt pkt, again;
	bool v6;

	if (in6) {
		struct twu6_spec s = twu6_default_spec();

		s.f.count = 2;
		s.f.lens = lens;
		s.f.fflags = 0x0100;
		s.f.pad = 3;
		l = twu6_build(buf, sizeof(buf), &s);
	} else {
		struct twu_spec s = twu_default_spec();

		s.count = 2;
		s.lens = lens;
		s.fflags = 0x0100;
		s.ihl = 6;
		l = twu_build(buf, sizeof(buf), &s);
	}
	m = mbuf_from(buf, l.len);
	assert_int_equal(bl_wire_parse_any(m, &local, &local6, &pkt, src6, &v6), BL_PKT_DROP_NONE);
	assert_int_equal(v6, in6);

	memset(&hop, 0, sizeof(hop));
	hop.dst_mac.addr_bytes[5] = 0x44;
	hop.src_ip = rte_cpu_to_be_32(TWU_IPV4(10, 0, 0, 1));
	hop.dst_ip = rte_cpu_to_be_32(TWU_IPV4(10, 9, 9, 9));
	hop.src_port = RTE_BE16(7447);
	hop.dst_port = RTE_BE16(9000);
	bl_wire_out_prepare(&o4, &hop);
	assert_int_equal(bl_wire_reframe(m, &pkt, &o4, out6 ? &o6 : NULL, 777, 5, false), 0);
	assert_int_equal(m->pkt_len, (out6 ? 78u : 58u) + l.frame_len - 16);

	/* What leaves parses as a frame for the hop, checksums and all. */
	memcpy(back.mac.addr_bytes, out6 ? o6.eth : o4.eth, 6);
	back.ip = hop.dst_ip;
	back.udp_port = RTE_BE16(9000);
	assert_int_equal(bl_wire_parse_any(m, &back, &back6, &again, src6, &v6), BL_PKT_DROP_NONE);
	assert_int_equal(v6, out6);
	assert_true(again.fr.seq == 777);
	assert_int_equal(again.fr.count, 2);
	assert_int_equal(again.fr.flags, 0x0100);
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, uint8_t *, again.frame_off + 16),
			    buf + l.frame + 16, l.frame_len - 16);
	if (out6) {
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

		assert_memory_equal(src6, o6.ips, 16);
		assert_int_equal(twu6_udp_check(d + 14, d + 54, twu_rd16(d + 54 + 4)), 0);
	}
	rte_pktmbuf_free(m);
}

static void test_reframe(void **state)
{
	(void)state;
	reframe_case(true, true);
	reframe_case(true, false);
	reframe_case(false, true);
	reframe_case(false, false);
}

/*
 * In place to an IPv6 hop (bl_wire_rewrite6_out): what leaves parses as a
 * frame for the hop, and its UDP checksum, updated from the words that
 * changed, is the one summed over every byte. With rx_flags
 * RX_L4_CKSUM_NONE and `spoil`, the field the packet came with is wrong
 * (the NIC vouched for the data, not the field): summed anew. Returns the
 * checksum field as it left (native order).
 */
static uint16_t rewrite6_one(uint32_t len0, uint64_t in_seq, uint64_t out_seq, uint8_t last,
			     uint64_t rx_flags, bool spoil)
{
	uint32_t lens[2] = { len0, 3 };
	struct twu6_spec s = twu6_default_spec();
	struct bl_wire_local local = default_local();
	struct bl_wire_local6 local6 = default_local6();
	struct bl_wire_local back = default_local();
	struct bl_wire_local6 back6 = { { 0 } };
	struct bl_wire_out6 o6 = out6_to(last);
	uint8_t buf[BUF_CAP], src6[16];
	struct twu_layout l;
	struct rte_mbuf *m;
	struct bl_pkt pkt, again;
	const uint8_t *d;
	uint16_t csum;
	bool v6;

	s.f.count = 2;
	s.f.lens = lens;
	s.f.seq = in_seq;
	s.f.pad = 5;
	s.src[15] = (uint8_t)(last ^ 0x5a);
	twu_wr16(o6.ports, (uint16_t)(7447 + last));
	l = twu6_build(buf, sizeof(buf), &s);
	m = mbuf_from(buf, l.len);
	assert_int_equal(bl_wire_parse_any(m, &local, &local6, &pkt, src6, &v6), BL_PKT_DROP_NONE);
	assert_true(v6);
	m->ol_flags |= rx_flags;
	if (spoil)
		twu_wr16(rte_pktmbuf_mtod(m, uint8_t *) + 54 + 6, 0x1234);
	bl_wire_out6_seal(&o6);
	bl_wire_rewrite6_out(m, &pkt, &o6, out_seq, false);
	assert_int_equal(m->pkt_len, 62 + l.frame_len); /* the padding trimmed */

	d = rte_pktmbuf_mtod(m, const uint8_t *);
	assert_int_equal(twu6_udp_check(d + 14, d + 54, twu_rd16(d + 54 + 4)), 0);
	assert_int_equal(d[14 + 7], 64);
	assert_int_equal(twu_rd16(d + 14), 0x6000);
	assert_int_equal(twu_rd16(d + 16), 0);
	memcpy(back.mac.addr_bytes, o6.eth, 6);
	back.udp_port = RTE_BE16(9000);
	m->ol_flags = 0;
	assert_int_equal(bl_wire_parse_any(m, &back, &back6, &again, src6, &v6), BL_PKT_DROP_NONE);
	assert_true(v6);
	assert_true(again.fr.seq == out_seq);
	assert_int_equal(again.fr.count, 2);
	assert_memory_equal(src6, o6.ips, 16);
	assert_memory_equal(d + 14 + 24, o6.ips + 16, 16);
	assert_memory_equal(d + 6, o6.eth + 6, 6);
	assert_int_equal(again.src_port, rte_cpu_to_be_16((uint16_t)(7447 + last)));
	assert_memory_equal(d + again.frame_off + 16, buf + l.frame + 16, l.frame_len - 16);
	memcpy(&csum, d + 54 + 6, 2);
	rte_pktmbuf_free(m);
	return csum;
}

static void test_rewrite6(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	uint16_t c0, c;
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		(void)rewrite6_one((uint32_t)(x >> 40) % 700, x, x * 31 + (uint64_t)i, (uint8_t)i,
				   i % 3 == 0 ? RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0, false);
	}
	(void)rewrite6_one(40, 1, 2, 7, RTE_MBUF_F_RX_L4_CKSUM_NONE, true);

	/* A sum of 0 leaves as 0xffff: the seq's last word chosen to make it. */
	c0 = rewrite6_one(10, 1, 0, 9, 0, false);
	c = rewrite6_one(10, 1,
			 (uint64_t)((const uint8_t *)&c0)[0] << 8 | ((const uint8_t *)&c0)[1], 9, 0,
			 false);
	assert_int_equal(c, 0xffff);
}

/* No headroom for the headers: refused, the packet as it was. */
static void test_reframe_no_room(void **state)
{
	struct bl_wire_local local = default_local();
	struct bl_wire_local6 local6 = default_local6();
	struct twu_spec s = twu_default_spec();
	struct bl_wire_out6 o6 = out6_to(1);
	static const uint32_t lens[] = { 2 };
	uint8_t buf[BUF_CAP], src6[16];
	struct twu_layout l;
	struct rte_mbuf *m;
	struct bl_pkt pkt;
	bool v6;

	(void)state;
	s.count = 1;
	s.lens = lens;
	l = twu_build(buf, sizeof(buf), &s);
	m = rte_pktmbuf_alloc(pool);
	assert_non_null(m);
	m->data_off = 0;
	memcpy(rte_pktmbuf_append(m, (uint16_t)l.len), buf, l.len);
	assert_int_equal(bl_wire_parse_any(m, &local, &local6, &pkt, src6, &v6), BL_PKT_DROP_NONE);
	assert_int_equal(bl_wire_reframe(m, &pkt, NULL, &o6, 1, 0, false), -ENOSPC);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), buf, l.len);
	rte_pktmbuf_free(m);
}

/*
 * The one's complement sum under the UDP checksum (bl__wire_sum_bytes, with
 * its 32-byte vector steps, and its 64-byte ones past 256 bytes where the
 * CPU has AVX2) against RFC 1071's 16-bit sum, on random bytes of every
 * length up to 300 and many up to 1100, at every alignment: a lane or a
 * tail added twice or left out would change it.
 */
static uint16_t ref_sum16(const uint8_t *p, uint32_t len)
{
	uint64_t sum = 0;
	uint32_t i;
	uint16_t w;

	for (i = 0; i + 2 <= len; i += 2) {
		memcpy(&w, p + i, sizeof(w));
		sum += w;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, p + i, 1);
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void test_sum_bytes(void **state)
{
	static uint8_t buf[9100];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint32_t len, off, i;

	(void)state;
#ifdef BL_WIRE_SUM_WIDE
	/* The wide sum is taken wherever the CPU has it (and only there). */
	assert_int_equal(bl__wire_sum_wide_ok, __builtin_cpu_supports("avx2") != 0);
#endif
	for (off = 0; off < 4; off++) {
		for (len = 0; len <= 1100; len += len < 300 ? 1 : 7) {
			for (i = 0; i < len + off; i++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				buf[i] = (uint8_t)x;
			}
			assert_int_equal(bl__wire_fold(bl__wire_sum_bytes(buf + off, len)),
					 ref_sum16(buf + off, len));
			assert_int_equal(bl__wire_fold(bl__wire_sum_narrow(buf + off, len)),
					 ref_sum16(buf + off, len));
		}
	}
	/* All ones and all zeros: the largest carries, and the words at the
	 * ends of the wide sum's signed range; a jumbo frame's length. */
	for (i = 0; i < 2; i++) {
		memset(buf, i == 0 ? 0xff : 0, sizeof(buf));
		assert_int_equal(bl__wire_fold(bl__wire_sum_bytes(buf, 9000)),
				 ref_sum16(buf, 9000));
		assert_int_equal(bl__wire_fold(bl__wire_sum_bytes(buf + 1, 1501)),
				 ref_sum16(buf + 1, 1501));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_accept, check_pool_full),
		cmocka_unit_test_teardown(test_drops, check_pool_full),
		cmocka_unit_test_teardown(test_drop_names, check_pool_full),
		cmocka_unit_test_teardown(test_put_headers6_csum, check_pool_full),
		cmocka_unit_test_teardown(test_reframe, check_pool_full),
		cmocka_unit_test_teardown(test_rewrite6, check_pool_full),
		cmocka_unit_test_teardown(test_reframe_no_room, check_pool_full),
		cmocka_unit_test(test_sum_bytes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
