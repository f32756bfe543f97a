/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the wire format.
 *
 * LLVMFuzzerTestOneInput feeds the input
 *  1. as a beamline frame (UDP payload) to bl_wire_frame_check and, when it
 *     is accepted, walks every message with bl_wire_msg_next and encodes the
 *     frame again from the decoded values: the bytes must come back identical
 *     (no DPDK needed for this part);
 *  2. with BL_FUZZ_PACKET: as a whole Ethernet packet in an mbuf, to
 *     bl_wire_parse against a fixed local address, against the packet's own
 *     destination, and after fixing its IPv4/UDP lengths and checksum so
 *     mutations get past the outer headers. An accepted packet is rewritten
 *     to a next hop and must parse again, unchanged but for the addresses
 *     and seq;
 *  3. with BL_FUZZ_PACKET, the same over IPv6 (dataplane/wire6.h): parsed
 *     as a port of both families does, and after fixing its IPv6/UDP
 *     lengths and UDP checksum; an accepted packet is reframed to an IPv4
 *     and to an IPv6 hop and must parse again as the same frame, with a
 *     right UDP checksum over IPv6;
 *  4. with BL_FUZZ_PACKET, a tagged packet (802.1Q, QinQ) has its tags read,
 *     stripped (the rest through the parses of 2 and 3) and pushed back
 *     (dataplane/vlan.h), the bytes as they were;
 *  5. with BL_FUZZ_PACKET, every packet again as a chain of two mbuf
 *     segments, which every parse refuses as segmented without a write.
 * Any broken invariant aborts, which both libFuzzer and the test see.
 *
 * Built two ways (tests/fuzz/meson.build):
 *  - with clang -fsanitize=fuzzer (BL_FUZZ_LIBFUZZER): libFuzzer's main;
 *  - otherwise: the replay driver below, a meson test that runs the corpus
 *    files given on the command line (or every file in a directory) and then
 *    a few thousand mutations of them from a fixed seed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire_fmt.h"

#ifdef BL_FUZZ_PACKET
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dataplane/vlan.h"
#include "dataplane/wire.h"
#include "dataplane/wire6.h"
#include "wire6_test_util.h"
#include "wire_test_util.h"
#endif

#define FUZZ_MAX_INPUT 4096

/* How far the inputs got, so the replay can show it covered the deep paths. */
static struct {
	uint64_t inputs;
	uint64_t frames_ok;
	uint64_t msgs;
	uint64_t pkts_ok;
	uint64_t rewrites;
	uint64_t pkts6_ok;
	uint64_t usual6_ok; /* accepted by the quick IPv6 parse too */
	uint64_t reframes;
	uint64_t vlans_ok;    /* tagged packets whose tags were read */
	uint64_t vlan_pushes; /* of those, stripped and tagged again */
	uint64_t chains;      /* packets fed as two segments */
} fuzz_stats;

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Walk an accepted frame; re-encode it from the decoded values. */
static void fuzz_frame(const uint8_t *p, size_t len)
{
	struct bl_wire_frame fr;
	struct bl_wire_msg m;
	uint32_t off = BL_WIRE_FRAME_HDR_LEN;
	uint8_t *copy;

	if (bl_wire_frame_check(p, len, &fr) != BL_WIRE_OK)
		return;
	fuzz_stats.frames_ok++;
	FUZZ_CHECK(fr.count > 0);
	copy = malloc(len);
	FUZZ_CHECK(copy != NULL);
	memset(copy, 0, len);
	bl_wire_put_frame_hdr(copy, fr.count, fr.flags, fr.seq);
	for (unsigned int i = 0; i < fr.count; i++) {
		uint32_t prev = off;

		bl_wire_msg_next(p, &off, &m);
		FUZZ_CHECK(m.off == prev + BL_WIRE_MSG_HDR_LEN);
		FUZZ_CHECK(m.off <= len && m.len <= len - m.off);
		FUZZ_CHECK(off == m.off + m.len);
		bl_wire_put_msg_hdr(copy + prev, m.len, m.kind, m.flags, m.key);
		memcpy(copy + m.off, p + m.off, m.len);
		fuzz_stats.msgs++;
	}
	FUZZ_CHECK(off == len);
	FUZZ_CHECK(memcmp(copy, p, len) == 0);
	free(copy);
}

#ifdef BL_FUZZ_PACKET
static struct rte_mempool *fuzz_pool;

static int fuzz_eal_init(void)
{
	if (twu_eal_init("fuzz_wire") < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	/* cache 0: the in-use count is exact, so a leak shows at the end */
	fuzz_pool = rte_pktmbuf_pool_create("fuzz_wire_pool", 15, 0, 0,
					    RTE_PKTMBUF_HEADROOM + FUZZ_MAX_INPUT, SOCKET_ID_ANY);
	return fuzz_pool == NULL ? -1 : 0;
}

static const struct bl_wire_local fixed_local = {
	.mac = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x01 } },
	.ip = RTE_BE32(TWU_IPV4(10, 0, 0, 1)),
	.udp_port = RTE_BE16(BL_WIRE_UDP_PORT),
	.promisc = 0,
};

static const struct bl_wire_hop fuzz_hop = {
	.src_mac = { .addr_bytes = { 0x02, 0xaa, 0, 0, 0, 0x10 } },
	.dst_mac = { .addr_bytes = { 0x02, 0xbb, 0, 0, 0, 0x20 } },
	.src_ip = RTE_BE32(TWU_IPV4(192, 168, 7, 1)),
	.dst_ip = RTE_BE32(TWU_IPV4(192, 168, 9, 254)),
	.src_port = RTE_BE16(40000),
	.dst_port = RTE_BE16(7500),
};

/* Accept whatever the packet is addressed to (when it is long enough). */
static struct bl_wire_local local_from(const uint8_t *p, size_t len)
{
	struct bl_wire_local l = fixed_local;

	l.promisc = 1;
	if (len >= 14 + 20)
		memcpy(&l.ip, p + 14 + 16, 4);
	if (len >= 14 + 20 + 4) {
		size_t ihl = (size_t)(p[14] & 0xf) * 4;

		if (ihl >= 20 && len >= 14 + ihl + 4)
			memcpy(&l.udp_port, p + 14 + ihl + 2, 2);
	}
	return l;
}

static struct rte_mbuf *fuzz_mbuf(const uint8_t *p, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fuzz_pool);
	char *d;

	FUZZ_CHECK(m != NULL);
	d = rte_pktmbuf_append(m, (uint16_t)len);
	FUZZ_CHECK(d != NULL);
	memcpy(d, p, len);
	return m;
}

static void fuzz_parse(const uint8_t *p, size_t len, const struct bl_wire_local *local)
{
	struct rte_mbuf *m = fuzz_mbuf(p, len), *out;
	struct bl_wire_local out_local = {
		.mac = fuzz_hop.dst_mac,
		.ip = fuzz_hop.dst_ip,
		.udp_port = fuzz_hop.dst_port,
	};
	struct bl_pkt pkt, again;
	enum bl_pkt_drop r;
	uint8_t *d;

	r = bl_wire_parse(m, local, &pkt);
	FUZZ_CHECK(r < BL_PKT_DROP_MAX);
	FUZZ_CHECK(memcmp(rte_pktmbuf_mtod(m, uint8_t *), p, len) == 0); /* parse never writes */
	if (r != BL_PKT_DROP_NONE) {
		rte_pktmbuf_free(m);
		return;
	}
	fuzz_stats.pkts_ok++;
	FUZZ_CHECK(pkt.l3_off == 14);
	FUZZ_CHECK(pkt.frame_off >= 14 + 20 + 8 && pkt.frame_off <= 14 + 60 + 8);
	FUZZ_CHECK(pkt.frame_off + (size_t)pkt.frame_len <= len);
	fuzz_frame(p + pkt.frame_off, pkt.frame_len);

	/* rewrite a copy to the hop; it must parse again as the same frame */
	out = fuzz_mbuf(p, len);
	bl_wire_rewrite(out, &pkt, &fuzz_hop, pkt.fr.seq ^ 0x5a5a5a5a5a5a5a5aull);
	d = rte_pktmbuf_mtod(out, uint8_t *);
	FUZZ_CHECK(bl_wire_parse(out, &out_local, &again) == BL_PKT_DROP_NONE);
	FUZZ_CHECK(again.src_ip == fuzz_hop.src_ip && again.src_port == fuzz_hop.src_port);
	FUZZ_CHECK(again.frame_off == pkt.frame_off && again.frame_len == pkt.frame_len);
	FUZZ_CHECK(again.fr.count == pkt.fr.count && again.fr.flags == pkt.fr.flags);
	FUZZ_CHECK(again.fr.seq == (pkt.fr.seq ^ 0x5a5a5a5a5a5a5a5aull));
	FUZZ_CHECK(d[pkt.l3_off + 8] == 64);
	FUZZ_CHECK(twu_csum(d + pkt.l3_off, (size_t)(d[pkt.l3_off] & 0xf) * 4) == 0);
	FUZZ_CHECK(memcmp(d + pkt.frame_off + 16, p + pkt.frame_off + 16, pkt.frame_len - 16) == 0);
	fuzz_stats.rewrites++;
	rte_pktmbuf_free(out);
	rte_pktmbuf_free(m);
}

/* Make the outer headers consistent so the mutation reaches the frame. */
static void fix_outer(uint8_t *p, size_t len)
{
	size_t ihl, tot;

	if (len < 14 + 20)
		return;
	twu_wr16(p + 12, 0x0800);
	if ((p[14] & 0xf) < 5)
		p[14] = 5;
	p[14] = (uint8_t)(0x40 | (p[14] & 0xf));
	ihl = (size_t)(p[14] & 0xf) * 4;
	tot = len - 14 > 0xffff ? 0xffff : len - 14;
	twu_wr16(p + 14 + 2, (uint16_t)tot);
	twu_wr16(p + 14 + 6, 0);
	p[14 + 9] = 17;
	if (tot >= ihl + 8)
		twu_wr16(p + 14 + ihl + 4, (uint16_t)(tot - ihl));
	if (len >= 14 + ihl) {
		twu_wr16(p + 14 + 10, 0);
		twu_wr16(p + 14 + 10, twu_csum(p + 14, ihl));
	}
}

static const struct bl_wire_local6 fixed_local6 = {
	.ip = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
};

static const struct bl_wire_out6 fuzz_out6 = {
	.eth = { 0x02, 0xbb, 0, 0, 0, 0x26, 0x02, 0xaa, 0, 0, 0, 0x16 },
	.ips = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11,
		 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x22 },
	.ports = { 0x9c, 0x40, 0x1d, 0x4c }, /* 40000 -> 7500 */
};

/* An IPv6 packet (by its ethertype) through bl_wire_parse_any; accepted,
 * reframed to an IPv4 hop and to an IPv6 one, each parsed again. */
static void fuzz_parse6(const uint8_t *p, size_t len, const struct bl_wire_local *local,
			const struct bl_wire_local6 *local6)
{
	struct rte_mbuf *m = fuzz_mbuf(p, len), *out;
	struct bl_pkt pkt, again;
	uint8_t src6[16], src_again[16];
	enum bl_pkt_drop r;
	struct bl_wire_out o4;
	bool v6;

	r = bl_wire_parse_any(m, local, local6, &pkt, src6, &v6);
	FUZZ_CHECK(r < BL_PKT_DROP_MAX);
	FUZZ_CHECK(memcmp(rte_pktmbuf_mtod(m, uint8_t *), p, len) == 0); /* parse never writes */
	{ /* What the quick parse accepts, the full one accepts the same way. */
		struct bl_pkt u, f;
		uint8_t su[16], sf[16];
		bool uu = false, uf = false;

		if (bl__wire_parse6_usual(m, local, local6, &u, su, &uu)) {
			fuzz_stats.usual6_ok++;
			FUZZ_CHECK(bl__wire_parse6(m, local, local6, &f, sf, &uf) ==
				   BL_PKT_DROP_NONE);
			FUZZ_CHECK(uu == uf && u.l3_off == f.l3_off && u.frame_off == f.frame_off &&
				   u.frame_len == f.frame_len && u.fr.count == f.fr.count &&
				   u.fr.flags == f.fr.flags && u.fr.seq == f.fr.seq &&
				   u.src_port == f.src_port && u.dst_port == f.dst_port &&
				   memcmp(su, sf, 16) == 0);
			/* bl_wire_parse_any sums, then walks the messages. */
			if (uu && !bl_wire_udp6_sum_ok(m, &u))
				FUZZ_CHECK(r == BL_PKT_DROP_UDP_BAD_CSUM);
			else
				FUZZ_CHECK(r == bl_wire_check_pkt_frame(m, &f));
		}
	}
	if (r != BL_PKT_DROP_NONE || !v6) {
		rte_pktmbuf_free(m);
		return;
	}
	fuzz_stats.pkts6_ok++;
	FUZZ_CHECK(pkt.frame_off >= 14 + 40 + 8 && pkt.frame_off + (size_t)pkt.frame_len <= len);
	FUZZ_CHECK(memcmp(src6, p + 14 + 8, 16) == 0);
	fuzz_frame(p + pkt.frame_off, pkt.frame_len);
	bl_wire_out_prepare(&o4, &fuzz_hop);
	for (int k = 0; k < 2; k++) {
		struct bl_wire_local back = { .udp_port = fuzz_hop.dst_port, .promisc = 1 };
		struct bl_wire_local6 back6 = { { 0 } };
		const uint8_t *d;
		bool v6b;

		back.ip = fuzz_hop.dst_ip;
		out = fuzz_mbuf(p, len);
		FUZZ_CHECK(bl_wire_reframe(out, &pkt, &o4, k ? &fuzz_out6 : NULL, ~pkt.fr.seq, 9,
					   false) == 0);
		FUZZ_CHECK(bl_wire_parse_any(out, &back, &back6, &again, src_again, &v6b) ==
			   BL_PKT_DROP_NONE);
		FUZZ_CHECK(v6b == (k == 1));
		FUZZ_CHECK(again.frame_len == pkt.frame_len && again.fr.count == pkt.fr.count &&
			   again.fr.flags == pkt.fr.flags && again.fr.seq == ~pkt.fr.seq);
		d = rte_pktmbuf_mtod(out, const uint8_t *);
		FUZZ_CHECK(memcmp(d + again.frame_off + 16, p + pkt.frame_off + 16,
				  pkt.frame_len - 16) == 0);
		if (k == 1)
			FUZZ_CHECK(twu6_udp_check(d + 14, d + 54, twu_rd16(d + 54 + 4)) == 0);
		fuzz_stats.reframes++;
		rte_pktmbuf_free(out);
	}
	rte_pktmbuf_free(m);
}

/* Make the IPv6 and UDP headers consistent (no extension headers). */
static void fix_outer6(uint8_t *p, size_t len)
{
	size_t plen;

	if (len < 14 + 40 + 8)
		return;
	twu_wr16(p + 12, 0x86DD);
	p[14] = (uint8_t)(0x60 | (p[14] & 0x0f));
	plen = len - 54 > 0xffff ? 0xffff : len - 54;
	twu_wr16(p + 14 + 4, (uint16_t)plen);
	p[14 + 6] = 17;
	if (p[14 + 7] == 0)
		p[14 + 7] = 1;
	twu_wr16(p + 54 + 4, (uint16_t)plen);
	twu_wr16(p + 54 + 6, 0);
	twu_wr16(p + 54 + 6, twu6_udp_check(p + 14, p + 54, plen));
	if (twu_rd16(p + 54 + 6) == 0)
		twu_wr16(p + 54 + 6, 0xffff);
}

/* Accept whatever IPv6 destination and UDP port the packet has. */
static void locals6_from(const uint8_t *p, size_t len, struct bl_wire_local *l,
			 struct bl_wire_local6 *l6)
{
	*l = fixed_local;
	l->promisc = 1;
	memset(l6, 0, sizeof(*l6));
	if (len >= 14 + 40)
		memcpy(l6->ip, p + 14 + 24, 16);
	if (len >= 14 + 40 + 4)
		memcpy(&l->udp_port, p + 54 + 2, 2);
}

static void fuzz_packet6(const uint8_t *p, size_t len)
{
	uint8_t fixed[FUZZ_MAX_INPUT];
	struct bl_wire_local own;
	struct bl_wire_local6 own6;

	fuzz_parse6(p, len, &fixed_local, &fixed_local6);
	locals6_from(p, len, &own, &own6);
	fuzz_parse6(p, len, &own, &own6);
	memcpy(fixed, p, len);
	fix_outer6(fixed, len);
	locals6_from(fixed, len, &own, &own6);
	fuzz_parse6(fixed, len, &own, &own6);
}

/*
 * A tagged packet (by its first ethertype): its tags read without a write,
 * then stripped, leaving the packet but for them; the untagged rest
 * through the parses of both families; the tags pushed back give the
 * packet's bytes again, but for the priority and DEI bits.
 */
static void fuzz_vlan(const uint8_t *p, size_t len)
{
	uint16_t outer, vid, outer2, vid2, type = len >= 14 ? twu_rd16(p + 12) : 0;
	struct bl_wire_local own, own4;
	struct bl_wire_local6 own6;
	size_t n = type == 0x88a8 ? 8 : 4;
	struct rte_mbuf *m;
	enum bl_pkt_drop r;
	const uint8_t *d;

	if (type != 0x8100 && type != 0x88a8)
		return;
	m = fuzz_mbuf(p, len);
	r = bl_wire_vlan_strip(m, &outer, &vid, false);
	FUZZ_CHECK(r == BL_PKT_DROP_NONE || r == BL_PKT_DROP_VLAN_BAD_TAG);
	FUZZ_CHECK(memcmp(rte_pktmbuf_mtod(m, uint8_t *), p, len) == 0); /* reading never writes */
	if (r != BL_PKT_DROP_NONE) {
		rte_pktmbuf_free(m);
		return;
	}
	fuzz_stats.vlans_ok++;
	FUZZ_CHECK(len >= 14 + n);
	FUZZ_CHECK(vid == (twu_rd16(p + 12 + n - 2) & 0xfff));
	FUZZ_CHECK(outer == (n == 8 ? (twu_rd16(p + 14) & 0xfff) : 0));
	FUZZ_CHECK(bl_wire_vlan_strip(m, &outer2, &vid2, true) == BL_PKT_DROP_NONE);
	FUZZ_CHECK(outer2 == outer && vid2 == vid);
	d = rte_pktmbuf_mtod(m, const uint8_t *);
	FUZZ_CHECK(rte_pktmbuf_data_len(m) == len - n);
	FUZZ_CHECK(memcmp(d, p, 12) == 0 && memcmp(d + 12, p + 12 + n, len - 12 - n) == 0);
	own4 = local_from(d, len - n);
	fuzz_parse(d, len - n, &own4);
	locals6_from(d, len - n, &own, &own6);
	fuzz_parse6(d, len - n, &own, &own6);
	/* A QinQ pair with outer id 0 pushes back as one tag: not the same bytes. */
	if ((outer != 0) == (n == 8)) {
		FUZZ_CHECK(bl_wire_vlan_push(m, outer, vid, false) == 0);
		d = rte_pktmbuf_mtod(m, const uint8_t *);
		FUZZ_CHECK(rte_pktmbuf_data_len(m) == len);
		FUZZ_CHECK(memcmp(d, p, 14) == 0);
		FUZZ_CHECK((twu_rd16(d + 14) & 0xfff) == (twu_rd16(p + 14) & 0xfff));
		if (n == 8)
			FUZZ_CHECK(twu_rd16(d + 16) == 0x8100 &&
				   (twu_rd16(d + 18) & 0xfff) == (twu_rd16(p + 18) & 0xfff));
		FUZZ_CHECK(memcmp(d + 12 + n, p + 12 + n, len - 12 - n) == 0);
		fuzz_stats.vlan_pushes++;
	}
	rte_pktmbuf_free(m);
}

/* The packet as a chain of two segments (cut where its last byte says):
 * every parse refuses it as segmented, the tag reader too, none writes. */
static void fuzz_segmented(const uint8_t *p, size_t len)
{
	struct bl_wire_local own = local_from(p, len);
	struct bl_wire_local6 own6;
	struct rte_mbuf *m, *tail;
	uint16_t outer, vid;
	uint8_t src6[16];
	struct bl_pkt pkt;
	size_t cut;
	bool v6;

	if (len < 2)
		return;
	cut = 1 + p[len - 1] % (len - 1);
	m = fuzz_mbuf(p, cut);
	tail = fuzz_mbuf(p + cut, len - cut);
	FUZZ_CHECK(rte_pktmbuf_chain(m, tail) == 0);
	memset(&own6, 0, sizeof(own6));
	FUZZ_CHECK(bl_wire_parse(m, &own, &pkt) == BL_PKT_DROP_SEGMENTED);
	FUZZ_CHECK(bl_wire_parse_any(m, &own, &own6, &pkt, src6, &v6) == BL_PKT_DROP_SEGMENTED);
	FUZZ_CHECK(bl_wire_vlan_strip(m, &outer, &vid, true) == BL_PKT_DROP_SEGMENTED);
	FUZZ_CHECK(rte_pktmbuf_data_len(m) == cut &&
		   memcmp(rte_pktmbuf_mtod(m, uint8_t *), p, cut) == 0);
	fuzz_stats.chains++;
	rte_pktmbuf_free(m);
}

static void fuzz_packet(const uint8_t *p, size_t len)
{
	uint8_t fixed[FUZZ_MAX_INPUT];
	struct bl_wire_local own;

	if (len > FUZZ_MAX_INPUT)
		return;
	fuzz_parse(p, len, &fixed_local);
	own = local_from(p, len);
	fuzz_parse(p, len, &own);

	memcpy(fixed, p, len);
	fix_outer(fixed, len);
	own = local_from(fixed, len);
	fuzz_parse(fixed, len, &own);
	fuzz_packet6(p, len);
	fuzz_vlan(p, len);
	fuzz_segmented(p, len);
}
#endif /* BL_FUZZ_PACKET */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_stats.inputs++;
	fuzz_frame(data, size);
#ifdef BL_FUZZ_PACKET
	fuzz_packet(data, size);
	/* every mbuf back in the pool after each input */
	FUZZ_CHECK(rte_mempool_in_use_count(fuzz_pool) == 0);
#endif
	return 0;
}

#ifdef BL_FUZZ_LIBFUZZER
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
#ifdef BL_FUZZ_PACKET
	if (fuzz_eal_init() < 0)
		abort();
#endif
	return 0;
}
#else /* the replay driver */

struct input {
	uint8_t *data;
	size_t len;
};

static struct input corpus[64];
static unsigned int ncorpus;

static int load_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t buf[FUZZ_MAX_INPUT];
	size_t n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (ncorpus == sizeof(corpus) / sizeof(corpus[0])) {
		fprintf(stderr, "%s: too many corpus files\n", path);
		return -1;
	}
	corpus[ncorpus].data = malloc(n ? n : 1);
	if (corpus[ncorpus].data == NULL)
		return -1;
	memcpy(corpus[ncorpus].data, buf, n);
	corpus[ncorpus].len = n;
	ncorpus++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file, or every regular file in a directory, in name order. */
static int load_path(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	char *names[64];
	unsigned int n = 0;
	int rc = 0;

	if (dir == NULL)
		return load_file(path);
	while ((de = readdir(dir)) != NULL && n < 64) {
		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&names[n], "%s/%s", path, de->d_name) < 0) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (unsigned int i = 0; i < n; i++) {
		if (rc == 0)
			rc = load_file(names[i]);
		free(names[i]);
	}
	return rc;
}

/* xorshift64*: a fixed sequence, so a failure replays exactly. */
static uint64_t rng_state = 0x6265616d6c696e65ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* One random edit of buf (length *len, capacity cap). */
static void mutate(uint8_t *buf, size_t *len, size_t cap)
{
	static const uint32_t interesting[] = { 0,	1,	0x7f,	0x80,	    0xff,
						0x7fff, 0x8000, 0xffff, 0xffffffffu };
	size_t n = *len, at = n ? rng() % n : 0;

	switch (rng() % 8) {
	case 0: /* flip a bit */
		if (n)
			buf[at] ^= (uint8_t)(1u << (rng() % 8));
		break;
	case 1: /* random byte */
		if (n)
			buf[at] = (uint8_t)rng();
		break;
	case 2: /* an interesting 16-bit value */
		if (n >= 2) {
			at = rng() % (n - 1);
			bl_wire_put16(buf + at, (uint16_t)interesting[rng() % 9]);
		}
		break;
	case 3: /* an interesting 32-bit value */
		if (n >= 4) {
			at = rng() % (n - 3);
			bl_wire_put32(buf + at, interesting[rng() % 9]);
		}
		break;
	case 4: /* cut the tail */
		*len = n ? rng() % n : 0;
		break;
	case 5: /* insert a byte */
		if (n < cap) {
			memmove(buf + at + 1, buf + at, n - at);
			buf[at] = (uint8_t)rng();
			*len = n + 1;
		}
		break;
	case 6: /* delete a byte */
		if (n) {
			memmove(buf + at, buf + at + 1, n - at - 1);
			*len = n - 1;
		}
		break;
	default: /* append a copy of a chunk */
		if (n) {
			size_t k = 1 + rng() % (n - at);

			if (n + k <= cap) {
				memcpy(buf + n, buf + at, k);
				*len = n + k;
			}
		}
		break;
	}
}

int main(int argc, char **argv)
{
	uint8_t buf[FUZZ_MAX_INPUT];
	const char *env = getenv("BL_FUZZ_ITERS");
	long iters = env ? strtol(env, NULL, 10) : 5000;

	if (argc < 2) {
		fprintf(stderr, "usage: %s corpus-dir-or-files...\n", argv[0]);
		return 2;
	}
#ifdef BL_FUZZ_PACKET
	if (fuzz_eal_init() < 0)
		return 1;
#endif
	for (int i = 1; i < argc; i++)
		if (load_path(argv[i]) < 0)
			return 1;
	if (ncorpus == 0) {
		fprintf(stderr, "empty corpus\n");
		return 1;
	}

	for (unsigned int i = 0; i < ncorpus; i++)
		LLVMFuzzerTestOneInput(corpus[i].data, corpus[i].len);
	/* the corpus holds valid frames and packets: the deep paths must run */
	if (fuzz_stats.frames_ok == 0) {
		fprintf(stderr, "no corpus input was a valid frame\n");
		return 1;
	}
#ifdef BL_FUZZ_PACKET
	if (fuzz_stats.pkts_ok == 0 || fuzz_stats.rewrites == 0) {
		fprintf(stderr, "no corpus input was a valid packet\n");
		return 1;
	}
	if (fuzz_stats.pkts6_ok == 0 || fuzz_stats.reframes == 0 || fuzz_stats.usual6_ok == 0) {
		fprintf(stderr, "no corpus input was a valid IPv6 packet\n");
		return 1;
	}
	if (fuzz_stats.vlan_pushes == 0 || fuzz_stats.chains == 0) {
		fprintf(stderr, "no corpus input was a tagged packet\n");
		return 1;
	}
#endif

	for (long it = 0; it < iters; it++) {
		const struct input *in = &corpus[rng() % ncorpus];
		size_t len = in->len;
		unsigned int edits = 1 + (unsigned int)(rng() % 4);

		memcpy(buf, in->data, len);
		for (unsigned int e = 0; e < edits; e++)
			mutate(buf, &len, sizeof(buf));
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("fuzz_wire replay: %u corpus files, %ld mutations; inputs %llu, frames ok %llu, "
	       "messages %llu, packets ok %llu, rewrites %llu, IPv6 packets ok %llu (quick parse "
	       "%llu), reframes %llu, tagged %llu (tagged again %llu), chains %llu\n",
	       ncorpus, iters, (unsigned long long)fuzz_stats.inputs,
	       (unsigned long long)fuzz_stats.frames_ok, (unsigned long long)fuzz_stats.msgs,
	       (unsigned long long)fuzz_stats.pkts_ok, (unsigned long long)fuzz_stats.rewrites,
	       (unsigned long long)fuzz_stats.pkts6_ok, (unsigned long long)fuzz_stats.usual6_ok,
	       (unsigned long long)fuzz_stats.reframes, (unsigned long long)fuzz_stats.vlans_ok,
	       (unsigned long long)fuzz_stats.vlan_pushes, (unsigned long long)fuzz_stats.chains);

	for (unsigned int i = 0; i < ncorpus; i++)
		free(corpus[i].data);
#ifdef BL_FUZZ_PACKET
	rte_mempool_free(fuzz_pool);
	rte_eal_cleanup();
#endif
	return 0;
}
#endif /* BL_FUZZ_LIBFUZZER */
