/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/wire6: the packet around a beamline frame over IPv6.
 *
 * What this module offers:
 *  - bl_wire_parse6_hdrs: check one received Ethernet/IPv6/UDP packet and
 *    the frame header inside it, or name the reason it is dropped; the same
 *    checks and reasons as IPv4 (dataplane/wire.h) where they apply, plus
 *    the IPv6 ones (payload length, hop limit, extension headers, the UDP
 *    checksum, which IPv6 makes mandatory);
 *  - bl_wire_parse_any: either family, as a port receives them;
 *  - bl_wire_put_headers6: the headers of an IPv6 frame built from scratch,
 *    UDP checksum left to bl_wire_udp6_finish (computed, or offloaded to
 *    the port);
 *  - bl_wire_reframe: an accepted packet of either family re-addressed to
 *    a hop of either family, its headers replaced in front of its frame.
 * The IPv4 fast path (bl_wire_parse_hdrs, bl_wire_rewrite_out) never comes
 * here: a worker's burst loop sends IPv6 packets to lcore6.c by their
 * ethertype (a chain, made one mbuf, from the IPv4 parse's not_ipv4, on
 * its drop side). Bytes are read and written with memcpy, as in wire.h. The format
 * and every check: docs/wire-format.md, section 6.
 */
#ifndef BL_WIRE6_H
#define BL_WIRE6_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h> /* bl__wire_sum_bytes */
#endif

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/drop.h"
#include "dataplane/wire.h"
#include "wire/wire_fmt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a port accepts over IPv6 besides struct bl_wire_local (MAC, UDP port). */
struct bl_wire_local6 {
	uint8_t ip[16]; /* accepted destination; all zero = any */
};

#define BL_WIRE_IP6_LEN	  40u
#define BL_WIRE_HDRS6_LEN 78 /* Ethernet 14 + IPv6 40 + UDP 8 + frame header 16 */
#define BL_WIRE_L4_6_OFF  (BL_WIRE_ETH_LEN + BL_WIRE_IP6_LEN) /* UDP, as beamline sends */
/* Extension headers a received packet may carry before its UDP header. */
#define BL_WIRE_IP6_EXT_MAX 4u
/* Most message bytes one IPv6 frame can carry (payload length is 16 bits). */
#define BL_WIRE_MSGS6_MAX (UINT16_MAX - BL_WIRE_UDP_LEN - BL_WIRE_FRAME_HDR_LEN)

#define BL__IP6_VTC  0
#define BL__IP6_PLEN 4
#define BL__IP6_NXT  6
#define BL__IP6_HLIM 7
#define BL__IP6_SRC  8
#define BL__IP6_DST  24

/* Next header values (IANA) this module tells apart. */
#define BL__IP6_HOPOPTS 0
#define BL__IP6_ROUTING 43
#define BL__IP6_FRAG	44
#define BL__IP6_ESP	50
#define BL__IP6_AH	51
#define BL__IP6_NONXT	59
#define BL__IP6_DSTOPTS 60

/* An IPv6 extension header type (RFC 8200 4, and the registry's later
 * ones: mobility 135, HIP 139, shim6 140, experiments 253 and 254). */
static inline bool bl__wire_ip6_is_ext(uint8_t nxt)
{
	return nxt == BL__IP6_HOPOPTS || nxt == BL__IP6_ROUTING || nxt == BL__IP6_FRAG ||
	       nxt == BL__IP6_ESP || nxt == BL__IP6_AH || nxt == BL__IP6_DSTOPTS || nxt == 135 ||
	       nxt == 139 || nxt == 140 || nxt == 253 || nxt == 254;
}

/* ---- the one's complement sum, for any length and alignment ---- */

/* Sum of the len bytes at p as native-order 32-bit words, the last one
 * padded with zero bytes: what a 16-bit one's complement sum folds from,
 * when p sits at an even offset of the summed data. len < 2^32. In 128-bit
 * vectors; bl__wire_sum_bytes takes wider ones for long runs. */
static inline uint64_t bl__wire_sum_narrow(const uint8_t *p, uint32_t len)
{
	uint64_t sum = 0;
	uint32_t i = 0, w;

#ifdef __SSE2__
	/* A frame's worth (the UDP checksum of every IPv6 frame in and out,
	 * when the port does not offload it): 32 bytes a step, each 32-bit
	 * word widened to a 64-bit lane, two accumulators. The same words are
	 * added as below, so the sum is the same. */
	if (len >= 64) {
		const __m128i z = _mm_setzero_si128();
		__m128i acc0 = z, acc1 = z;
		uint64_t lanes[2];

		for (; i + 32 <= len; i += 32) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));

			acc0 = _mm_add_epi64(acc0, _mm_unpacklo_epi32(a, z));
			acc1 = _mm_add_epi64(acc1, _mm_unpackhi_epi32(a, z));
			acc0 = _mm_add_epi64(acc0, _mm_unpacklo_epi32(b, z));
			acc1 = _mm_add_epi64(acc1, _mm_unpackhi_epi32(b, z));
		}
		_mm_storeu_si128((__m128i *)(void *)lanes, _mm_add_epi64(acc0, acc1));
		sum = lanes[0] + lanes[1];
	}
#endif
	for (; i + 4 <= len; i += 4) {
		memcpy(&w, p + i, sizeof(w));
		sum += w;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, p + i, len - i);
		sum += w;
	}
	return sum;
}

/*
 * The same sum, in 256-bit vectors (dataplane/csum.c) when the CPU has
 * AVX2 and the run is long enough to pay for the call: a 1 KB frame in
 * about half the time. Its 64-bit result may differ from
 * bl__wire_sum_narrow's; folded (bl__wire_fold) they are the same.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#define BL_WIRE_SUM_WIDE     1
#define BL_WIRE_SUM_WIDE_MIN 256u     /* bytes: shorter runs stay inline */
#define BL_WIRE_SUM_WIDE_MAX 0x40000u /* bytes: the vector lanes cannot overflow */
extern bool bl__wire_sum_wide_ok;
uint64_t bl__wire_sum_wide(const uint8_t *p, uint32_t len);
#endif

static inline uint64_t bl__wire_sum_bytes(const uint8_t *p, uint32_t len)
{
#ifdef BL_WIRE_SUM_WIDE
	if (len >= BL_WIRE_SUM_WIDE_MIN && len <= BL_WIRE_SUM_WIDE_MAX && bl__wire_sum_wide_ok)
		return bl__wire_sum_wide(p, len);
#endif
	return bl__wire_sum_narrow(p, len);
}

/* A 64-bit sum folded to 16 bits (end-around carries): its halves added
 * with the carry wrapped (an add and an add-with-carry), then the same
 * for the 32-bit result's halves, twice. */
static inline uint16_t bl__wire_fold(uint64_t sum)
{
	uint32_t lo = (uint32_t)sum, s;

	s = lo + (uint32_t)(sum >> 32);
	s += s < lo;
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

/* The pseudo-header's share (RFC 8200 8.1) for an upper-layer packet of
 * `l4_len` bytes behind the IPv6 header at ip6: addresses, length, UDP. */
static inline uint64_t bl__wire_udp6_phdr_sum(const uint8_t *ip6, uint32_t l4_len)
{
	return bl__wire_sum_bytes(ip6 + BL__IP6_SRC, 32) + rte_cpu_to_be_32(l4_len) +
	       rte_cpu_to_be_32(IPPROTO_UDP);
}

/* The sum under a received UDP datagram's checksum, pseudo-header included,
 * its UDP header `off` bytes after the IPv6 header's start: one run from the
 * addresses on when nothing lies between them and it (the usual packet). */
static inline uint64_t bl__wire_udp6_sum_in(const uint8_t *ip6, uint32_t off, uint32_t udp_len)
{
	if (likely(off == BL_WIRE_IP6_LEN))
		return bl__wire_sum_bytes(ip6 + BL__IP6_SRC, 32 + udp_len) +
		       rte_cpu_to_be_32(udp_len) + rte_cpu_to_be_32(IPPROTO_UDP);
	return bl__wire_udp6_phdr_sum(ip6, udp_len) + bl__wire_sum_bytes(ip6 + off, udp_len);
}

/* Two IPv6 addresses equal: two 8-byte compares, no library call. */
static inline bool bl__wire_ip6_eq(const uint8_t *a, const uint8_t *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/*
 * Sum of bytes [off, off + len) of the mbuf chain m, as if they were one
 * buffer: a segment that starts at an odd offset of those bytes has its
 * sum byte-swapped (RFC 1071 2(B)). The bytes must be in the chain.
 */
static inline uint64_t bl__wire_sum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint64_t sum = 0;
	bool odd = false;

	for (; m != NULL && len > 0; m = m->next) {
		uint32_t n = rte_pktmbuf_data_len(m), take;
		uint16_t s;

		if (off >= n) {
			off -= n;
			continue;
		}
		take = RTE_MIN(n - off, len);
		s = bl__wire_fold(
		    bl__wire_sum_bytes(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), take));
		sum += odd ? (uint16_t)(s << 8 | s >> 8) : s;
		odd ^= take & 1;
		len -= take;
		off = 0;
	}
	return sum;
}

/* ---- receive ---- */

/* Are the options of a Hop-by-Hop or Destination Options header (len bytes
 * at h, next-header and length bytes first) all ones a node that knows none
 * may skip? RFC 8200 4.2: the two high bits of an option type 00 say "skip
 * if unknown"; any other says discard, so such a packet is refused. */
static inline bool bl__wire_ip6_opts_skippable(const uint8_t *h, uint32_t len)
{
	uint32_t i = 2;

	while (i < len) {
		uint8_t type = h[i];

		if (type == 0) { /* Pad1: one byte, no length */
			i++;
			continue;
		}
		if ((type & 0xc0) != 0 || len - i < 2 || (uint32_t)h[i + 1] + 2 > len - i)
			return false;
		i += 2u + h[i + 1];
	}
	return true;
}

/*
 * Validate an Ethernet/IPv6/UDP packet and find the frame inside it. The
 * checks run in this order and the first that fails names the drop:
 *   segmented, eth_truncated, not_ipv4 (ethertype neither IPv4 nor IPv6),
 *   ip_truncated (40 bytes), ip_bad_header (version 6),
 *   ip6_bad_payload_length (0, a jumbogram, or past the bytes received;
 *   trailing Ethernet padding is fine), ip6_hop_limit (0),
 *   the extension headers: Hop-by-Hop Options (first only) and Destination
 *   Options whose options may all be skipped are stepped over, at most
 *   BL_WIRE_IP6_EXT_MAX of them; a Fragment header is ip_fragment; any other
 *   extension header, or one that does not fit the payload, ip6_ext_header;
 *   an upper layer other than UDP, not_udp;
 *   udp_bad_length (UDP length must equal what the payload has left),
 *   udp_bad_checksum (0 is not allowed over IPv6; not recomputed when the
 *   NIC vouches for it, RTE_MBUF_F_RX_L4_CKSUM_GOOD or _NONE; dropped when
 *   it says _BAD), not_for_us (dst MAC, IPv6 unless local6 is ::, UDP
 *   port), then the frame header (frame_truncated, bad_magic, zero_count).
 * Returns BL_PKT_DROP_NONE, *pkt filled (its IPv4 addresses 0) and the
 * source address in src6, or the reason. Any lcore; never frees or writes m.
 */
static inline enum bl_pkt_drop bl_wire_parse6_hdrs(const struct rte_mbuf *m,
						   const struct bl_wire_local *local,
						   const struct bl_wire_local6 *local6,
						   struct bl_pkt *pkt, uint8_t src6[16]);

/*
 * bl_wire_parse6_hdrs, with the one pass over every byte left out where
 * the caller may not need it (unsummed non-NULL): the checks are the same,
 * but a checksum that only software could check (_UNKNOWN, and not 0) is
 * not summed, and *unsummed is set to say so. The caller then sums it
 * (bl_wire_udp6_sum_ok) before it uses the messages, and before it names
 * any drop that the sum would have preceded; *pkt's l3_off, frame_off and
 * frame_len are filled for that from not_for_us on. unsummed NULL: the
 * sum is checked here (bl_wire_parse6_hdrs).
 */
static __rte_always_inline enum bl_pkt_drop bl__wire_parse6(const struct rte_mbuf *m,
							    const struct bl_wire_local *local,
							    const struct bl_wire_local6 *local6,
							    struct bl_pkt *pkt, uint8_t src6[16],
							    bool *unsummed)
{
	static const uint8_t any[16];
	const uint8_t *d, *ip, *udp;
	uint32_t len, plen, off, udp_len, n;
	uint64_t l4_flags;
	uint8_t nxt;
	enum bl_wire_status st;

	if (m->nb_segs != 1)
		return BL_PKT_DROP_SEGMENTED;
	d = rte_pktmbuf_mtod(m, const uint8_t *);
	len = rte_pktmbuf_data_len(m);
	if (len < BL_WIRE_ETH_LEN)
		return BL_PKT_DROP_ETH_TRUNCATED;
	if (bl__wire_raw16(d + BL__ETH_TYPE) != RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return BL_PKT_DROP_NOT_IPV4;

	ip = d + BL_WIRE_ETH_LEN;
	len -= BL_WIRE_ETH_LEN;
	if (len < BL_WIRE_IP6_LEN)
		return BL_PKT_DROP_IP_TRUNCATED;
	if ((ip[BL__IP6_VTC] >> 4) != 6)
		return BL_PKT_DROP_IP_BAD_HEADER;
	plen = bl_wire_get16(ip + BL__IP6_PLEN);
	if (plen == 0 || plen > len - BL_WIRE_IP6_LEN)
		return BL_PKT_DROP_IP6_BAD_PAYLOAD_LEN;
	if (ip[BL__IP6_HLIM] == 0)
		return BL_PKT_DROP_IP6_HOP_LIMIT;

	/* The extension headers, each inside the payload. */
	nxt = ip[BL__IP6_NXT];
	off = BL_WIRE_IP6_LEN;
	for (n = 0; nxt != IPPROTO_UDP; n++) {
		uint32_t hl;

		if (nxt == BL__IP6_FRAG)
			return BL_PKT_DROP_IP_FRAGMENT;
		if (!bl__wire_ip6_is_ext(nxt))
			return BL_PKT_DROP_NOT_UDP;
		if ((nxt != BL__IP6_HOPOPTS && nxt != BL__IP6_DSTOPTS) ||
		    (nxt == BL__IP6_HOPOPTS && n != 0) || n == BL_WIRE_IP6_EXT_MAX ||
		    BL_WIRE_IP6_LEN + plen - off < 8)
			return BL_PKT_DROP_IP6_EXT_HEADER;
		hl = ((uint32_t)ip[off + 1] + 1) * 8;
		if (hl > BL_WIRE_IP6_LEN + plen - off || !bl__wire_ip6_opts_skippable(ip + off, hl))
			return BL_PKT_DROP_IP6_EXT_HEADER;
		nxt = ip[off];
		off += hl;
	}

	udp = ip + off;
	if (BL_WIRE_IP6_LEN + plen - off < BL_WIRE_UDP_LEN)
		return BL_PKT_DROP_UDP_BAD_LENGTH;
	udp_len = bl_wire_get16(udp + BL__UDP_LEN);
	if (udp_len != BL_WIRE_IP6_LEN + plen - off)
		return BL_PKT_DROP_UDP_BAD_LENGTH;

	l4_flags = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (l4_flags == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return BL_PKT_DROP_UDP_BAD_CSUM;
	if (l4_flags == RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN) {
		if (bl__wire_raw16(udp + BL__UDP_CSUM) == 0)
			return BL_PKT_DROP_UDP_BAD_CSUM;
		if (unsummed != NULL)
			*unsummed = true;
		else if (bl__wire_fold(bl__wire_udp6_sum_in(ip, off, udp_len)) != 0xffff)
			return BL_PKT_DROP_UDP_BAD_CSUM;
	}
	pkt->src_ip = pkt->dst_ip = 0;
	pkt->l3_off = BL_WIRE_ETH_LEN;
	pkt->frame_off = (uint16_t)(BL_WIRE_ETH_LEN + off + BL_WIRE_UDP_LEN);
	pkt->frame_len = udp_len - BL_WIRE_UDP_LEN;

	if (!bl__wire_mac_accepted(d + BL__ETH_DST, local))
		return BL_PKT_DROP_NOT_FOR_US;
	if (!bl__wire_ip6_eq(local6->ip, any) && !bl__wire_ip6_eq(ip + BL__IP6_DST, local6->ip))
		return BL_PKT_DROP_NOT_FOR_US;
	pkt->dst_port = bl__wire_raw16(udp + BL__UDP_DPORT);
	if (pkt->dst_port != local->udp_port)
		return BL_PKT_DROP_NOT_FOR_US;

	st = bl_wire_frame_hdr_check(d + pkt->frame_off, pkt->frame_len, &pkt->fr);
	if (st != BL_WIRE_OK)
		return bl_pkt_drop_from_wire(st);
	memcpy(src6, ip + BL__IP6_SRC, 16);
	pkt->src_port = bl__wire_raw16(udp + BL__UDP_SPORT);
	return BL_PKT_DROP_NONE;
}

static inline enum bl_pkt_drop bl_wire_parse6_hdrs(const struct rte_mbuf *m,
						   const struct bl_wire_local *local,
						   const struct bl_wire_local6 *local6,
						   struct bl_pkt *pkt, uint8_t src6[16])
{
	return bl__wire_parse6(m, local, local6, pkt, src6, NULL);
}

/*
 * The usual IPv6 packet (one segment, no extension header, UDP, a nonzero
 * checksum not summed here, for us, a frame header with a count), accepted
 * with a few word-wide compares at constant offsets, as bl__wire_parse_usual
 * does for IPv4: true with *pkt, src6 and *unsummed filled as
 * bl__wire_parse6 fills them. false says nothing (the NIC said the
 * checksum is bad, for one): bl__wire_parse6 then runs every check in
 * order and names the first that fails. Whatever this accepts, that
 * accepts too.
 */
static __rte_always_inline bool bl__wire_parse6_usual(const struct rte_mbuf *m,
						      const struct bl_wire_local *local,
						      const struct bl_wire_local6 *local6,
						      struct bl_pkt *pkt, uint8_t src6[16],
						      bool *unsummed)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = d + BL_WIRE_ETH_LEN, *udp = ip + BL_WIRE_IP6_LEN;
	const uint8_t *fr = udp + BL_WIRE_UDP_LEN;
	uint32_t len = rte_pktmbuf_data_len(m), plen, w;
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, d0, d1;

	/* Ethertype and version in one word; payload length, next header UDP
	 * and a hop limit in another; the same length in UDP's. */
	if (m->nb_segs != 1 || len < BL_WIRE_HDRS6_LEN ||
	    (bl__wire_raw32(ip - 2) & RTE_BE32(0xFFFFF000u)) != RTE_BE32(0x86DD6000u))
		return false;
	w = bl__wire_raw32(ip + BL__IP6_PLEN);
	plen = rte_be_to_cpu_32(w) >> 16;
	if ((w & RTE_BE32(0x0000FF00u)) != RTE_BE32(IPPROTO_UDP << 8) ||
	    (w & RTE_BE32(0xFFu)) == 0 || plen > len - BL_WIRE_ETH_LEN - BL_WIRE_IP6_LEN ||
	    plen < BL_WIRE_UDP_LEN + BL_WIRE_FRAME_HDR_LEN ||
	    bl_wire_get16(udp + BL__UDP_LEN) != plen)
		return false;
	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
	    (l4 == RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN && bl__wire_raw16(udp + BL__UDP_CSUM) == 0))
		return false;
	memcpy(&d0, local6->ip, 8);
	memcpy(&d1, local6->ip + 8, 8);
	pkt->dst_port = bl__wire_raw16(udp + BL__UDP_DPORT);
	if (!bl__wire_mac_accepted(d + BL__ETH_DST, local) ||
	    ((d0 | d1) != 0 && !bl__wire_ip6_eq(ip + BL__IP6_DST, local6->ip)) ||
	    pkt->dst_port != local->udp_port)
		return false;
	if (bl__wire_raw32(fr) != RTE_BE32(BL_WIRE_MAGIC) || bl__wire_raw16(fr + 4) == 0)
		return false;
	*unsummed = l4 == RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
	pkt->src_ip = pkt->dst_ip = 0;
	pkt->l3_off = BL_WIRE_ETH_LEN;
	pkt->frame_off = BL_WIRE_HDRS6_LEN - BL_WIRE_FRAME_HDR_LEN;
	pkt->frame_len = plen - BL_WIRE_UDP_LEN;
	pkt->fr.count = bl_wire_get16(fr + 4);
	pkt->fr.flags = bl_wire_get16(fr + 6);
	pkt->fr.seq = bl_wire_get64(fr + 8);
	memcpy(src6, ip + BL__IP6_SRC, 16);
	pkt->src_port = bl__wire_raw16(udp + BL__UDP_SPORT);
	return true;
}

/* Is the UDP checksum right of the IPv6 packet m that bl__wire_parse6
 * left unsummed (pkt as it filled it, from not_for_us on)? */
static inline bool bl_wire_udp6_sum_ok(const struct rte_mbuf *m, const struct bl_pkt *pkt)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt->l3_off);
	uint32_t off = (uint32_t)(pkt->frame_off - pkt->l3_off - BL_WIRE_UDP_LEN);

	return bl__wire_fold(bl__wire_udp6_sum_in(ip, off, pkt->frame_len + BL_WIRE_UDP_LEN)) ==
	       0xffff;
}

/* Is m an IPv6 packet by its ethertype? (It may still be a bad one.) */
static inline bool bl_wire_is_ipv6(const struct rte_mbuf *m)
{
	return rte_pktmbuf_data_len(m) >= BL_WIRE_ETH_LEN &&
	       bl__wire_raw16(rte_pktmbuf_mtod(m, const uint8_t *) + BL__ETH_TYPE) ==
		   RTE_BE16(RTE_ETHER_TYPE_IPV6);
}

/*
 * The whole packet of either family checked, message lengths included (as
 * bl_wire_parse): IPv4 first; what it refuses as not_ipv4 is tried as IPv6.
 * *v6 says which family was accepted; src6 is filled for IPv6 only.
 */
static inline enum bl_pkt_drop bl_wire_parse_any(const struct rte_mbuf *m,
						 const struct bl_wire_local *local,
						 const struct bl_wire_local6 *local6,
						 struct bl_pkt *pkt, uint8_t src6[16], bool *v6)
{
	enum bl_pkt_drop bad = bl_wire_parse(m, local, pkt);

	*v6 = false;
	if (bad != BL_PKT_DROP_NOT_IPV4 || !bl_wire_is_ipv6(m))
		return bad;
	*v6 = true;
	bad = bl_wire_parse6_hdrs(m, local, local6, pkt, src6);
	if (bad != BL_PKT_DROP_NONE)
		return bad;
	return bl_wire_check_pkt_frame(m, pkt);
}

/* ---- transmit ---- */

/* Next hop addressing over IPv6: the bytes as they go on the wire. */
struct bl_wire_out6 {
	uint8_t eth[12];  /* destination MAC, then source MAC */
	uint8_t ips[32];  /* source IPv6, then destination IPv6 */
	uint8_t ports[4]; /* UDP source port, then destination port (network order) */
	uint64_t sum;	  /* ips and ports summed as the UDP checksum wants (bl_wire_out6_seal) */
};

/* Fill o->sum from its addresses and ports, once they are written. */
static inline void bl_wire_out6_seal(struct bl_wire_out6 *o)
{
	o->sum = bl__wire_sum_bytes(o->ips, sizeof(o->ips)) +
		 bl__wire_sum_bytes(o->ports, sizeof(o->ports));
}

/*
 * Write Ethernet + IPv6 + UDP + frame header (BL_WIRE_HDRS6_LEN bytes) at p
 * for a new frame of `count` messages whose headers and payloads take
 * msgs_len bytes (at most BL_WIRE_MSGS6_MAX): traffic class and flow label
 * 0, hop limit 64, no extension header; UDP checksum 0, for
 * bl_wire_udp6_finish to fill once the messages are behind the headers;
 * frame flags 0. Any thread; p need not be aligned.
 */
static inline void bl_wire_put_headers6(uint8_t *p, const struct bl_wire_out6 *o, uint16_t count,
					uint64_t seq, uint32_t msgs_len)
{
	uint8_t *ip = p + BL_WIRE_ETH_LEN;
	uint8_t *udp = ip + BL_WIRE_IP6_LEN;
	uint16_t l4 = (uint16_t)(BL_WIRE_UDP_LEN + BL_WIRE_FRAME_HDR_LEN + msgs_len);

	memcpy(p + BL__ETH_DST, o->eth, sizeof(o->eth));
	bl_wire_put16(p + BL__ETH_TYPE, RTE_ETHER_TYPE_IPV6);
	bl_wire_put32(ip + BL__IP6_VTC, UINT32_C(6) << 28);
	bl_wire_put16(ip + BL__IP6_PLEN, l4);
	ip[BL__IP6_NXT] = IPPROTO_UDP;
	ip[BL__IP6_HLIM] = BL_WIRE_TTL;
	memcpy(ip + BL__IP6_SRC, o->ips, sizeof(o->ips));
	memcpy(udp + BL__UDP_SPORT, o->ports, sizeof(o->ports));
	bl_wire_put16(udp + BL__UDP_LEN, l4);
	memset(udp + BL__UDP_CSUM, 0, 2);
	bl_wire_put_frame_hdr(udp + BL_WIRE_UDP_LEN, count, 0, seq);
}

/*
 * Fill the UDP checksum of the IPv6 frame m (headers as
 * bl_wire_put_headers6 wrote them, at the start of its first segment; the
 * messages behind them, in any number of segments). With `offload` (the
 * port takes RTE_ETH_TX_OFFLOAD_UDP_CKSUM) the port computes it: m is
 * flagged for it and the field holds the pseudo-header's sum, as DPDK
 * wants; otherwise it is computed here over every byte (0 goes out as
 * 0xffff: IPv6 has no "no checksum"). Any thread; m is the caller's.
 */
static inline void bl_wire_udp6_finish(struct rte_mbuf *m, bool offload)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, BL_WIRE_ETH_LEN);
	uint8_t *udp = ip + BL_WIRE_IP6_LEN;
	uint32_t l4 = bl_wire_get16(udp + BL__UDP_LEN);
	uint64_t sum = bl__wire_udp6_phdr_sum(ip, l4);
	uint16_t c;

	memset(udp + BL__UDP_CSUM, 0, 2);
	if (offload) {
		m->l2_len = BL_WIRE_ETH_LEN;
		m->l3_len = BL_WIRE_IP6_LEN;
		m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_TX_L4_MASK) | RTE_MBUF_F_TX_IPV6 |
			      RTE_MBUF_F_TX_UDP_CKSUM;
		c = bl__wire_fold(sum);
	} else {
		c = (uint16_t)~bl__wire_fold(sum + bl__wire_sum_mbuf(m, BL_WIRE_L4_6_OFF, l4));
		if (c == 0)
			c = 0xffff;
	}
	memcpy(udp + BL__UDP_CSUM, &c, sizeof(c));
}

/*
 * Re-address a packet that bl_wire_parse_hdrs or bl_wire_parse6_hdrs
 * accepted (pkt describes m) to a hop in either family, by replacing
 * everything in front of its frame: o4 for an IPv4 hop (o6 NULL; IPv4
 * identification ip_id, host order), o6 for an IPv6 one (checksum by
 * bl_wire_udp6_finish, with `offload`). The frame header keeps its count
 * and flags and gets seq; the messages stay where they are, and Ethernet
 * padding after the frame is trimmed. The caller owns m and its data must
 * be writable (refcnt 1, direct). Returns 0, or -ENOSPC when the headroom
 * cannot take the new headers (m unchanged then). Any lcore.
 */
static inline int bl_wire_reframe(struct rte_mbuf *m, const struct bl_pkt *pkt,
				  const struct bl_wire_out *o4, const struct bl_wire_out6 *o6,
				  uint64_t seq, uint16_t ip_id, bool offload)
{
	uint32_t hdrs = o6 != NULL ? BL_WIRE_HDRS6_LEN : BL_WIRE_HDRS_LEN;
	uint32_t l2l4 = hdrs - BL_WIRE_FRAME_HDR_LEN, end = pkt->frame_off + pkt->frame_len;
	uint8_t *p;
	uint16_t flags;

	if (rte_pktmbuf_headroom(m) + pkt->frame_off < l2l4)
		return -ENOSPC;
	flags = bl_wire_get16(rte_pktmbuf_mtod_offset(m, uint8_t *, pkt->frame_off + 6));
	if (rte_pktmbuf_data_len(m) > end)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - end));
	rte_pktmbuf_adj(m, pkt->frame_off);
	p = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)l2l4);
	if (o6 != NULL)
		bl_wire_put_headers6(p, o6, pkt->fr.count, seq,
				     pkt->frame_len - BL_WIRE_FRAME_HDR_LEN);
	else
		bl_wire_put_headers_out(p, o4, pkt->fr.count, seq,
					pkt->frame_len - BL_WIRE_FRAME_HDR_LEN, ip_id);
	bl_wire_put16(p + hdrs - BL_WIRE_FRAME_HDR_LEN + 6, flags);
	if (o6 != NULL)
		bl_wire_udp6_finish(m, offload);
	return 0;
}

/* The one's complement of the eight bytes at p, summed as 32-bit words. */
static inline uint64_t bl__wire_sum_not64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	w = ~w;
	return (w & 0xffffffffu) + (w >> 32);
}

/*
 * Turn an IPv6 packet that bl_wire_parse6_hdrs accepted with no extension
 * header (pkt describes m; its frame at BL_WIRE_HDRS6_LEN -
 * BL_WIRE_FRAME_HDR_LEN) into a frame to the IPv6 hop `o` was prepared
 * for, in place: Ethernet addresses, traffic class and flow label 0, hop
 * limit 64, IPv6 addresses, UDP ports, frame header seq; lengths and
 * messages unchanged, Ethernet padding trimmed. The UDP checksum, with
 * `offload`, is left to the port (bl_wire_udp6_finish); else it is updated
 * from the words that changed (RFC 1624, eqn. 3: the old ones
 * complemented, the new ones added), so that it is right exactly when the
 * packet's own was (checked by the NIC, RX_L4_CKSUM_GOOD, or by nobody
 * yet: lcore6.c forwards a frame whole unsummed, for the receiver to
 * check), and computed over every byte otherwise (RX_L4_CKSUM_NONE: the
 * NIC checked the data but the field may be anything). The caller owns m and its data
 * must be writable (refcnt 1, direct). Any lcore.
 */
static inline void bl_wire_rewrite6_out(struct rte_mbuf *m, const struct bl_pkt *pkt,
					const struct bl_wire_out6 *o, uint64_t seq, bool offload)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = d + BL_WIRE_ETH_LEN;
	uint8_t *udp = ip + BL_WIRE_IP6_LEN;
	uint8_t *fr = udp + BL_WIRE_UDP_LEN;
	uint32_t end = pkt->frame_off + pkt->frame_len, i;
	uint64_t sum, nseq = rte_cpu_to_be_64(seq);
	uint16_t csum;

	if (m->nb_segs == 1 && rte_pktmbuf_data_len(m) > end)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - end));
	memcpy(&csum, udp + BL__UDP_CSUM, sizeof(csum));
	/* Every word read before the first store (no store-to-load stalls). */
	sum = (uint16_t)~csum + o->sum + (nseq & 0xffffffffu) + (nseq >> 32) +
	      bl__wire_sum_not64(fr + BL__FRAME_SEQ);
	for (i = 0; i < 32; i += 8)
		sum += bl__wire_sum_not64(ip + BL__IP6_SRC + i);
	sum += (uint32_t)~bl__wire_raw32(udp + BL__UDP_SPORT);

	memcpy(d + BL__ETH_DST, o->eth, sizeof(o->eth));
	bl_wire_put32(ip + BL__IP6_VTC, UINT32_C(6) << 28);
	ip[BL__IP6_HLIM] = BL_WIRE_TTL;
	memcpy(ip + BL__IP6_SRC, o->ips, sizeof(o->ips));
	memcpy(udp + BL__UDP_SPORT, o->ports, sizeof(o->ports));
	bl_wire_put64(fr + BL__FRAME_SEQ, seq);
	if (offload || (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_NONE) {
		bl_wire_udp6_finish(m, offload);
		return;
	}
	/* Folded as 1 + (sum - 1) mod 0xffff (the same as folding the carries
	 * back in, for sum > 0: o->sum has the hop's port in it), which the
	 * compiler turns into a multiply, fewer instructions than the folds. */
	csum = (uint16_t) ~(uint16_t)(1 + (sum - 1) % 0xffff);
	if (csum == 0)
		csum = 0xffff; /* IPv6 has no "no checksum" */
	memcpy(udp + BL__UDP_CSUM, &csum, sizeof(csum));
}

#ifdef __cplusplus
}
#endif

#endif /* BL_WIRE6_H */
