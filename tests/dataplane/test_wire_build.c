/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/wire rewrite and header build on real mbufs, each checked by a
 * re-parse and byte by byte without wire.h, and the DPDK-free frame codec
 * of wire/wire_fmt.h on plain buffers. Every mbuf test ends with the pool
 * full again (wire_mbuf_test.h).
 */
#include "wire_mbuf_test.h"

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
		cmocka_unit_test_teardown(test_rewrite_reparse, check_pool_full),
		cmocka_unit_test_teardown(test_put_headers, check_pool_full),
		cmocka_unit_test(test_frame_check_statuses),
		cmocka_unit_test(test_msg_next),
	};

	return cmocka_run_group_tests_name("wire build", tests, group_setup, group_teardown);
}
