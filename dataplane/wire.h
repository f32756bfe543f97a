/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/wire: the packet around a beamline frame.
 *
 * What this module offers the fast path:
 *  - bl_wire_parse: check one received Ethernet/IPv4/UDP packet and the frame
 *    inside it, or name the reason it is dropped (enum bl_pkt_drop);
 *  - bl_wire_rewrite: turn an accepted packet into one addressed to a next hop,
 *    in place (bl_wire_rewrite_out: the same with the hop's bytes prepared);
 *  - bl_wire_put_headers: write the headers of a frame built from scratch
 *    (bl_wire_put_headers_out: from a hop's prepared bytes).
 * The byte-level frame codec (no DPDK) is wire/wire_fmt.h; per-source
 * sequence tracking is dataplane/seq.h; the format and every check are
 * described in docs/wire-format.md.
 *
 * All packet bytes are read and written through memcpy-based accessors, never
 * by casting the packet to a header struct: a packet may start at any address
 * and a fuzzed or hostile one must not cause unaligned access.
 */
#ifndef BL_WIRE_H
#define BL_WIRE_H

#include <assert.h> /* static_assert: C11 and C++ alike */
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dataplane/drop.h"
#include "wire/wire_fmt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What this router accepts on one port. All addresses network byte order. */
struct bl_wire_local {
	struct rte_ether_addr mac; /* accepted dst MAC (plus broadcast) */
	uint32_t ip;		   /* accepted dst IPv4; 0 = any */
	uint16_t udp_port;	   /* accepted dst UDP port (network order) */
	uint8_t promisc;	   /* 1 = accept any dst MAC */
};

/* An accepted packet: where its pieces are. */
struct bl_pkt {
	uint32_t src_ip, dst_ip;     /* network order */
	uint16_t src_port, dst_port; /* network order */
	uint16_t l3_off;	     /* IPv4 header offset (14) */
	uint16_t frame_off;	     /* UDP payload (beamline frame) offset */
	uint32_t frame_len;	     /* UDP payload length */
	struct bl_wire_frame fr;     /* decoded frame header (wire_fmt.h) */
};

/* Next hop addressing for a forwarded frame; all network order. */
struct bl_wire_hop {
	struct rte_ether_addr src_mac, dst_mac;
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
};

/* Header sizes of the packets this module reads and writes. */
#define BL_WIRE_ETH_LEN	 14u /* no VLAN tag: a tagged packet is not_ipv4 */
#define BL_WIRE_IP4_LEN	 20u /* minimum (IHL 5); options are accepted on RX */
#define BL_WIRE_UDP_LEN	 8u
#define BL_WIRE_TTL	 64u
#define BL_WIRE_HDRS_LEN 58 /* Ethernet 14 + IPv4 20 + UDP 8 + frame header 16 */
/* Most message bytes (headers + payloads) one IPv4 datagram can carry. */
#define BL_WIRE_MSGS_MAX (UINT16_MAX - BL_WIRE_IP4_LEN - BL_WIRE_UDP_LEN - BL_WIRE_FRAME_HDR_LEN)

/* Byte offsets inside the headers (from the start of each header). */
#define BL__ETH_DST   0
#define BL__ETH_SRC   6
#define BL__ETH_TYPE  12
#define BL__IP_VIHL   0
#define BL__IP_TOS    1
#define BL__IP_TOTLEN 2
#define BL__IP_ID     4
#define BL__IP_FRAG   6
#define BL__IP_TTL    8
#define BL__IP_PROTO  9
#define BL__IP_CSUM   10
#define BL__IP_SRC    12
#define BL__IP_DST    16
#define BL__UDP_SPORT 0
#define BL__UDP_DPORT 2
#define BL__UDP_LEN   4
#define BL__UDP_CSUM  6
#define BL__FRAME_SEQ 8

/* A network-order value as it sits in memory: copied, never byte-swapped. */
static inline uint32_t bl__wire_raw32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint16_t bl__wire_raw16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* One's complement sum of the `len` bytes at h (len a multiple of 4, as an
 * IPv4 header is), in native word order like rte_raw_cksum. 32-bit words
 * folded at the end give the same sum as 16-bit words, in a third of the
 * steps: this runs twice per forwarded packet. */
static __rte_always_inline uint64_t bl__wire_sum32(const uint8_t *h, unsigned int len)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i + 4 <= len; i += 4) {
		uint32_t w;

		memcpy(&w, h + i, sizeof(w));
		sum += w;
	}
	return sum;
}

/* The same sum for a header without options, written out: three loads, five
 * adds, no loop (the compiler does not unroll the loop at -O2). */
static __rte_always_inline uint64_t bl__wire_sum20(const uint8_t *h)
{
	uint64_t a, b;
	uint32_t c;

	memcpy(&a, h, sizeof(a));
	memcpy(&b, h + 8, sizeof(b));
	memcpy(&c, h + 16, sizeof(c));
	return (a & 0xffffffffu) + (a >> 32) + (b & 0xffffffffu) + (b >> 32) + c;
}

static inline uint16_t bl__wire_sum(const uint8_t *h, unsigned int len)
{
	/* A header without options (nearly all) takes the written-out sum. */
	uint64_t sum = likely(len == BL_WIRE_IP4_LEN) ? bl__wire_sum20(h) : bl__wire_sum32(h, len);

	/* At most fifteen 32-bit words (IHL 15): the sum fits in 36 bits. */
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* IPv4 header checksum to store for the `len` header bytes at h, whose
 * checksum field the caller has zeroed (RFC 791 one's complement sum). */
static inline uint16_t bl__wire_ip_csum(const uint8_t *h, unsigned int len)
{
	return (uint16_t)~bl__wire_sum(h, len);
}

/*
 * Is the IPv4 header checksum of the `len` bytes at h right? Summing a header
 * that includes its own correct checksum gives all ones. No folding needed:
 * 2^16 = 1 modulo 0xffff, so the folded sum and the plain sum of the 32-bit
 * words agree modulo 0xffff, and a folded sum of a non-zero header is in
 * 1..0xffff, so it is all ones exactly when the plain sum is a multiple of
 * 0xffff. (The compiler makes the remainder a multiply and a shift.)
 */
static inline int bl__wire_ip_csum_ok(const uint8_t *h, unsigned int len)
{
	uint64_t sum = likely(len == BL_WIRE_IP4_LEN) ? bl__wire_sum20(h) : bl__wire_sum32(h, len);

	return sum != 0 && sum % 0xffff == 0;
}

static inline int bl__wire_mac_accepted(const uint8_t *dst, const struct bl_wire_local *local)
{
	static const uint8_t bcast[RTE_ETHER_ADDR_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (local->promisc)
		return 1;
	return memcmp(dst, local->mac.addr_bytes, RTE_ETHER_ADDR_LEN) == 0 ||
	       memcmp(dst, bcast, RTE_ETHER_ADDR_LEN) == 0;
}

/*
 * Validate everything about m and find the frame inside it. The checks run in
 * this order and the first that fails names the drop:
 *   segmented, eth_truncated, not_ipv4 (ethertype, so also any VLAN tag),
 *   ip_truncated (20 bytes, then IHL*4 bytes), ip_bad_header (version, IHL),
 *   ip_bad_checksum, ip_bad_length (total length vs IHL and vs the data;
 *   trailing Ethernet padding is fine), ip_fragment, not_udp, udp_bad_length
 *   (UDP length must equal the IPv4 payload length), not_for_us (dst MAC,
 *   IPv4, UDP port), then the frame header (frame_truncated, bad_magic,
 *   zero_count). The message lengths (msg_truncated .. count_mismatch) are
 *   left to the caller's walk over the messages, or to bl_wire_parse.
 * The IPv4 checksum is not recomputed when the NIC vouches for the header
 * (RTE_MBUF_F_RX_IP_CKSUM_GOOD, or _NONE: "header integrity verified, the
 * checksum field is not"), and the packet is dropped when the NIC says _BAD.
 * The UDP checksum is not checked: the frame's own lengths are, and UDP over
 * IPv4 may carry none.
 * Returns BL_PKT_DROP_NONE and fills *pkt, or the drop reason (then *pkt is
 * unspecified). Any lcore; never frees or writes m.
 */
/*
 * The usual packet (one segment, IPv4 without options, not a fragment,
 * UDP, right checksum and lengths, for us, a frame header with a count),
 * accepted with a few word-wide compares: true with *pkt filled. false
 * says nothing: bl_wire_parse_hdrs then runs every check in order and names
 * the first that fails. Whatever this accepts, those checks accept too.
 * _l2: its IPv4 header at l2, behind VLAN tags (dataplane/lcore_vlan.c),
 * the ethertype the two bytes before it.
 */
static __rte_always_inline bool bl__wire_parse_usual_l2(const struct rte_mbuf *m,
							const struct bl_wire_local *local,
							struct bl_pkt *pkt, uint32_t l2)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = d + l2, *udp = ip + BL_WIRE_IP4_LEN;
	const uint8_t *fr = udp + BL_WIRE_UDP_LEN;
	uint32_t len = rte_pktmbuf_data_len(m), tot, udp_len;
	uint64_t csum_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	/* Ethertype (the last two bytes before ip), version and IHL in one
	 * word; MF, fragment offset and protocol in another. */
	if (m->nb_segs != 1 || len < l2 + BL_WIRE_HDRS_LEN - BL_WIRE_ETH_LEN ||
	    (bl__wire_raw32(ip - 2) & RTE_BE32(0xFFFFFF00u)) != RTE_BE32(0x08004500u) ||
	    (bl__wire_raw32(ip + BL__IP_FRAG) & RTE_BE32(0x3FFF00FFu)) != RTE_BE32(IPPROTO_UDP))
		return false;
	tot = bl_wire_get16(ip + BL__IP_TOTLEN);
	udp_len = bl_wire_get16(udp + BL__UDP_LEN);
	if (tot > len - l2 || tot < BL_WIRE_IP4_LEN + BL_WIRE_UDP_LEN + BL_WIRE_FRAME_HDR_LEN ||
	    udp_len != tot - BL_WIRE_IP4_LEN)
		return false;
	if (csum_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    (csum_flags == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN &&
	     !bl__wire_ip_csum_ok(ip, BL_WIRE_IP4_LEN)))
		return false;
	pkt->dst_ip = bl__wire_raw32(ip + BL__IP_DST);
	pkt->dst_port = bl__wire_raw16(udp + BL__UDP_DPORT);
	/* Our address first: the usual packet has it (and the compiler then
	 * lays the test out as one compare and a taken branch). */
	if (!bl__wire_mac_accepted(d + BL__ETH_DST, local) ||
	    (pkt->dst_ip != local->ip && local->ip != 0) || pkt->dst_port != local->udp_port)
		return false;
	if (bl__wire_raw32(fr) != RTE_BE32(BL_WIRE_MAGIC) || bl__wire_raw16(fr + 4) == 0)
		return false;
	pkt->fr.count = bl_wire_get16(fr + 4);
	pkt->fr.flags = bl_wire_get16(fr + 6);
	pkt->fr.seq = bl_wire_get64(fr + 8);
	pkt->l3_off = (uint16_t)l2;
	pkt->frame_off = (uint16_t)(l2 + BL_WIRE_IP4_LEN + BL_WIRE_UDP_LEN);
	pkt->frame_len = udp_len - BL_WIRE_UDP_LEN;
	pkt->src_ip = bl__wire_raw32(ip + BL__IP_SRC);
	pkt->src_port = bl__wire_raw16(udp + BL__UDP_SPORT);
	return true;
}

/* The usual untagged packet (Ethernet header of 14 bytes). */
static __rte_always_inline bool bl__wire_parse_usual(const struct rte_mbuf *m,
						     const struct bl_wire_local *local,
						     struct bl_pkt *pkt)
{
	return bl__wire_parse_usual_l2(m, local, pkt, BL_WIRE_ETH_LEN);
}

static inline enum bl_pkt_drop
bl_wire_parse_hdrs(const struct rte_mbuf *m, const struct bl_wire_local *local, struct bl_pkt *pkt)
{
	const uint8_t *d, *ip, *udp;
	uint32_t len, ihl, tot, udp_len;
	uint16_t frag;
	uint64_t csum_flags;
	enum bl_wire_status st;

	if (likely(bl__wire_parse_usual(m, local, pkt)))
		return BL_PKT_DROP_NONE;
	if (m->nb_segs != 1)
		return BL_PKT_DROP_SEGMENTED;
	d = rte_pktmbuf_mtod(m, const uint8_t *);
	len = rte_pktmbuf_data_len(m);

	if (len < BL_WIRE_ETH_LEN)
		return BL_PKT_DROP_ETH_TRUNCATED;
	if (bl__wire_raw16(d + BL__ETH_TYPE) != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return BL_PKT_DROP_NOT_IPV4;

	ip = d + BL_WIRE_ETH_LEN;
	len -= BL_WIRE_ETH_LEN; /* bytes from the IPv4 header on */
	if (len < BL_WIRE_IP4_LEN)
		return BL_PKT_DROP_IP_TRUNCATED;
	if ((ip[BL__IP_VIHL] >> 4) != 4 || (ip[BL__IP_VIHL] & 0xf) < 5)
		return BL_PKT_DROP_IP_BAD_HEADER;
	ihl = (ip[BL__IP_VIHL] & 0xfu) * 4u;
	if (len < ihl)
		return BL_PKT_DROP_IP_TRUNCATED;

	csum_flags = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (csum_flags == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return BL_PKT_DROP_IP_BAD_CSUM;
	if (csum_flags == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN && !bl__wire_ip_csum_ok(ip, ihl))
		return BL_PKT_DROP_IP_BAD_CSUM;

	tot = bl_wire_get16(ip + BL__IP_TOTLEN);
	if (tot < ihl || tot > len)
		return BL_PKT_DROP_IP_BAD_LENGTH;
	frag = bl_wire_get16(ip + BL__IP_FRAG);
	if (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return BL_PKT_DROP_IP_FRAGMENT;
	if (ip[BL__IP_PROTO] != IPPROTO_UDP)
		return BL_PKT_DROP_NOT_UDP;

	udp = ip + ihl;
	if (tot - ihl < BL_WIRE_UDP_LEN)
		return BL_PKT_DROP_UDP_BAD_LENGTH;
	udp_len = bl_wire_get16(udp + BL__UDP_LEN);
	if (udp_len != tot - ihl)
		return BL_PKT_DROP_UDP_BAD_LENGTH;

	if (!bl__wire_mac_accepted(d + BL__ETH_DST, local))
		return BL_PKT_DROP_NOT_FOR_US;
	pkt->dst_ip = bl__wire_raw32(ip + BL__IP_DST);
	if (local->ip != 0 && pkt->dst_ip != local->ip)
		return BL_PKT_DROP_NOT_FOR_US;
	pkt->dst_port = bl__wire_raw16(udp + BL__UDP_DPORT);
	if (pkt->dst_port != local->udp_port)
		return BL_PKT_DROP_NOT_FOR_US;

	pkt->l3_off = BL_WIRE_ETH_LEN;
	pkt->frame_off = (uint16_t)(BL_WIRE_ETH_LEN + ihl + BL_WIRE_UDP_LEN);
	pkt->frame_len = udp_len - BL_WIRE_UDP_LEN;
	st = bl_wire_frame_hdr_check(d + pkt->frame_off, pkt->frame_len, &pkt->fr);
	if (st != BL_WIRE_OK)
		return bl_pkt_drop_from_wire(st);
	pkt->src_ip = bl__wire_raw32(ip + BL__IP_SRC);
	pkt->src_port = bl__wire_raw16(udp + BL__UDP_SPORT);
	return BL_PKT_DROP_NONE;
}

/* The frame a parsed packet carries, checked: a drop reason, or none. */
static inline enum bl_pkt_drop bl_wire_check_pkt_frame(const struct rte_mbuf *m, struct bl_pkt *pkt)
{
	enum bl_wire_status st = bl_wire_frame_check(
	    rte_pktmbuf_mtod(m, const uint8_t *) + pkt->frame_off, pkt->frame_len, &pkt->fr);

	return st == BL_WIRE_OK ? BL_PKT_DROP_NONE : bl_pkt_drop_from_wire(st);
}

/*
 * bl_wire_parse_hdrs, then the message lengths (bl_wire_frame_check): the
 * whole packet checked. The fast path uses parse_hdrs and checks the
 * message lengths in the same walk that classifies the messages.
 */
static inline enum bl_pkt_drop bl_wire_parse(const struct rte_mbuf *m,
					     const struct bl_wire_local *local, struct bl_pkt *pkt)
{
	enum bl_pkt_drop bad = bl_wire_parse_hdrs(m, local, pkt);

	if (bad != BL_PKT_DROP_NONE)
		return bad;
	return bl_wire_check_pkt_frame(m, pkt);
}

/*
 * What bl_wire_rewrite writes for one hop, prepared once (bl_wire_out_prepare)
 * and kept by whoever sends to that hop often: the addresses as they go on the
 * wire, and their share of the IPv4 checksum.
 */
struct bl_wire_out {
	uint8_t eth[12];  /* destination MAC, then source MAC */
	uint8_t ips[8];	  /* source IPv4, then destination IPv4 */
	uint8_t ports[4]; /* UDP source port, then destination port */
	uint64_t ip_sum;  /* the four address words, summed as the checksum wants */
};

static inline void bl_wire_out_prepare(struct bl_wire_out *o, const struct bl_wire_hop *hop)
{
	memcpy(o->eth, hop->dst_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(o->eth + RTE_ETHER_ADDR_LEN, hop->src_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(o->ips, &hop->src_ip, 4);
	memcpy(o->ips + 4, &hop->dst_ip, 4);
	memcpy(o->ports, &hop->src_port, 2);
	memcpy(o->ports + 2, &hop->dst_port, 2);
	o->ip_sum = (uint64_t)hop->src_ip + hop->dst_ip;
}

/*
 * Turn a packet that bl_wire_parse accepted (pkt describes m) into a frame to
 * the hop `o` was prepared for, in place: Ethernet src/dst, IPv4 src/dst,
 * TTL = 64 (a new hop of the overlay, not a router decrement), IPv4 checksum
 * updated for the whole header (options included), UDP src/dst port, UDP
 * checksum 0 ("none", allowed on IPv4: the frame's lengths are checked end to
 * end and a UDP checksum would cost a pass over the payload), frame header seq
 * set to `seq`. Lengths and message bytes unchanged. The caller owns m and its
 * data must be writable (refcnt 1, direct). Any lcore.
 */
static __rte_always_inline void bl_wire_rewrite_out(struct rte_mbuf *m, const struct bl_pkt *pkt,
						    const struct bl_wire_out *o, uint64_t seq)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = d + pkt->l3_off;
	uint8_t *udp = d + pkt->frame_off - BL_WIRE_UDP_LEN;
	uint16_t old_ttl, new_ttl, csum;
	uint64_t sum, addrs;

	/*
	 * Incremental checksum update (RFC 1624, eqn. 3) over the words that
	 * change: TTL/protocol and the two addresses, the old ones complemented
	 * (32-bit words fold to the same sum as 16-bit ones). The old checksum
	 * is right (bl_wire_parse checked it, or the NIC did). Reading the old
	 * words before any store avoids store-to-load forwarding stalls.
	 */
	memcpy(&old_ttl, ip + BL__IP_TTL, 2);
	memcpy(&csum, ip + BL__IP_CSUM, 2);
	memcpy(&addrs, ip + BL__IP_SRC, 8);
	new_ttl = old_ttl;
	((uint8_t *)&new_ttl)[0] = BL_WIRE_TTL;
	addrs = ~addrs;
	sum = (uint64_t)(uint16_t)~csum + (uint16_t)~old_ttl + new_ttl + (addrs & 0xffffffffu) +
	      (addrs >> 32) + o->ip_sum;
	/* Folded to 16 bits: 1 + (sum - 1) mod 0xffff, for sum > 0 (new_ttl
	 * is at least 64), the same as folding the carries back in. */
	csum = (uint16_t) ~(uint16_t)(1 + (sum - 1) % 0xffff);

	memcpy(d + BL__ETH_DST, o->eth, sizeof(o->eth));
	memcpy(ip + BL__IP_SRC, o->ips, sizeof(o->ips));
	ip[BL__IP_TTL] = BL_WIRE_TTL;
	memcpy(ip + BL__IP_CSUM, &csum, sizeof(csum));
	memcpy(udp + BL__UDP_SPORT, o->ports, sizeof(o->ports));
	memset(udp + BL__UDP_CSUM, 0, 2);

	bl_wire_put64(d + pkt->frame_off + BL__FRAME_SEQ, seq);
}

/* bl_wire_rewrite_out for a hop given as addresses, prepared on the spot. */
static inline void bl_wire_rewrite(struct rte_mbuf *m, const struct bl_pkt *pkt,
				   const struct bl_wire_hop *hop, uint64_t seq)
{
	struct bl_wire_out o;

	bl_wire_out_prepare(&o, hop);
	bl_wire_rewrite_out(m, pkt, &o, seq);
}

/*
 * Write Ethernet + IPv4 + UDP + frame header (BL_WIRE_HDRS_LEN bytes) at p, to
 * the hop `o` was prepared for, for a new frame of `count` messages whose
 * headers and payloads take msgs_len bytes (at most BL_WIRE_MSGS_MAX; the caller keeps it within
 * the port MTU). IPv4: IHL 5, TTL 64, DF set, id = ip_id (host order; stored big-endian), checksum
 * computed; UDP checksum 0; frame flags 0. Any thread; p need not be aligned.
 */
static inline void bl_wire_put_headers_out(uint8_t *p, const struct bl_wire_out *o, uint16_t count,
					   uint64_t seq, uint32_t msgs_len, uint16_t ip_id)
{
	uint8_t *ip = p + BL_WIRE_ETH_LEN;
	uint8_t *udp = ip + BL_WIRE_IP4_LEN;
	uint16_t csum;

	memcpy(p + BL__ETH_DST, o->eth, sizeof(o->eth));
	bl_wire_put16(p + BL__ETH_TYPE, RTE_ETHER_TYPE_IPV4);

	ip[BL__IP_VIHL] = 0x45;
	ip[BL__IP_TOS] = 0;
	bl_wire_put16(ip + BL__IP_TOTLEN, (uint16_t)(BL_WIRE_IP4_LEN + BL_WIRE_UDP_LEN +
						     BL_WIRE_FRAME_HDR_LEN + msgs_len));
	bl_wire_put16(ip + BL__IP_ID, ip_id);
	bl_wire_put16(ip + BL__IP_FRAG, RTE_IPV4_HDR_DF_FLAG);
	ip[BL__IP_TTL] = BL_WIRE_TTL;
	ip[BL__IP_PROTO] = IPPROTO_UDP;
	memset(ip + BL__IP_CSUM, 0, 2);
	memcpy(ip + BL__IP_SRC, o->ips, sizeof(o->ips));
	csum = bl__wire_ip_csum(ip, BL_WIRE_IP4_LEN);
	memcpy(ip + BL__IP_CSUM, &csum, sizeof(csum));

	memcpy(udp + BL__UDP_SPORT, o->ports, sizeof(o->ports));
	bl_wire_put16(udp + BL__UDP_LEN,
		      (uint16_t)(BL_WIRE_UDP_LEN + BL_WIRE_FRAME_HDR_LEN + msgs_len));
	memset(udp + BL__UDP_CSUM, 0, 2);

	bl_wire_put_frame_hdr(udp + BL_WIRE_UDP_LEN, count, 0, seq);
}

/* bl_wire_put_headers_out for a hop given as addresses, prepared on the spot. */
static inline void bl_wire_put_headers(uint8_t *p, const struct bl_wire_hop *hop, uint16_t count,
				       uint64_t seq, uint32_t msgs_len, uint16_t ip_id)
{
	struct bl_wire_out o;

	bl_wire_out_prepare(&o, hop);
	bl_wire_put_headers_out(p, &o, count, seq, msgs_len, ip_id);
}

static_assert(BL_WIRE_HDRS_LEN ==
		  BL_WIRE_ETH_LEN + BL_WIRE_IP4_LEN + BL_WIRE_UDP_LEN + BL_WIRE_FRAME_HDR_LEN,
	      "BL_WIRE_HDRS_LEN must be the sum of the headers put_headers writes");

#ifdef __cplusplus
}
#endif

#endif /* BL_WIRE_H */
