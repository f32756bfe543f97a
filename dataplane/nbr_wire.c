/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP and ND frames: checks and builders over byte buffers (see
 * nbr_wire.h). Every field is read and written byte-wise, so a frame may
 * sit at any offset.
 */
#include <errno.h>
#include <string.h>

#include "dataplane/nbr_wire.h"

#define ETH_ARP	 0x0806
#define ETH_IPV6 0x86DD
#define ICMP6	 58
#define OPT_SLLA 1 /* source link-layer address */
#define OPT_TLLA 2 /* target link-layer address */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_eth(uint8_t *f, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
		    uint16_t type)
{
	memcpy(f, dst->addr_bytes, 6);
	memcpy(f + 6, src->addr_bytes, 6);
	put16(f + 12, type);
}

/* The ICMPv6 checksum of the n bytes at icmp, from src to dst: 0 when a
 * received message's is right (the field included), else the value to
 * write (the field zero). */
static uint16_t icmp6_sum(const uint8_t src[16], const uint8_t dst[16], const uint8_t *icmp,
			  size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < 16; i += 2)
		s += get16(src + i) + get16(dst + i);
	s += (uint32_t)(n >> 16) + (uint32_t)(n & 0xFFFF) + ICMP6;
	for (i = 0; i + 1 < n; i += 2)
		s += get16(icmp + i);
	if (n & 1)
		s += (uint32_t)icmp[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)~s;
}

static int parse_arp(const uint8_t *f, size_t len, struct bl_nbr_msg *out)
{
	const uint8_t *a = f + 14;
	uint16_t op;

	if (len < BL_NBR_ARP_LEN || get16(a) != 1 || get16(a + 2) != 0x0800 || a[4] != 6 ||
	    a[5] != 4)
		return -EINVAL;
	op = get16(a + 6);
	if (op != 1 && op != 2)
		return -EINVAL;
	out->op = op == 1 ? BL_NBR_ARP_REQUEST : BL_NBR_ARP_REPLY;
	memcpy(out->mac.addr_bytes, a + 8, 6);
	memcpy(&out->ip, a + 14, 4);
	memcpy(&out->target_ip, a + 24, 4);
	/* A sender that claims a group or no address teaches nothing. */
	out->have_mac = rte_is_unicast_ether_addr(&out->mac) && !rte_is_zero_ether_addr(&out->mac);
	return 0;
}

/* The link-layer address option of type `want` in opts[0..n), if any. */
static int nd_opt(const uint8_t *opts, size_t n, uint8_t want, struct rte_ether_addr *mac)
{
	bool found = false;

	while (n > 0) {
		size_t olen;

		if (n < 2 || opts[1] == 0)
			return -EINVAL; /* RFC 4861 7.1.1: a zero-length option is invalid */
		olen = (size_t)opts[1] * 8;
		if (olen > n)
			return -EINVAL;
		if (opts[0] == want && olen == 8) {
			memcpy(mac->addr_bytes, opts + 2, 6);
			found = true;
		}
		opts += olen;
		n -= olen;
	}
	return found ? 1 : 0;
}

static int parse_nd(const uint8_t *f, size_t len, struct bl_nbr_msg *out)
{
	static const uint8_t unspec[16];
	const uint8_t *ip = f + 14, *icmp = ip + 40;
	size_t plen;
	int has;

	if (len < 14 + 40 + 24 || (ip[0] >> 4) != 6 || ip[6] != ICMP6 || ip[7] != 255)
		return -EINVAL;
	plen = get16(ip + 4);
	if (plen < 24 || plen > len - 14 - 40 || icmp[1] != 0)
		return -EINVAL;
	if (icmp6_sum(ip + 8, ip + 24, icmp, plen) != 0)
		return -EINVAL;
	out->v6 = true;
	memcpy(out->target6, icmp + 8, 16);
	if (out->target6[0] == 0xFF)
		return -EINVAL; /* a target is never a multicast address */
	if (icmp[0] == BL_NBR_ICMP6_NS) {
		out->op = BL_NBR_ND_NS;
		memcpy(out->ip6, ip + 8, 16);
		out->unspec_src = memcmp(out->ip6, unspec, 16) == 0;
		has = nd_opt(icmp + 24, plen - 24, OPT_SLLA, &out->mac);
		/* RFC 4861 7.1.1: from :: there is no source link-layer option. */
		if (has < 0 || (out->unspec_src && has > 0))
			return -EINVAL;
	} else if (icmp[0] == BL_NBR_ICMP6_NA) {
		out->op = BL_NBR_ND_NA;
		memcpy(out->ip6, out->target6, 16);
		out->solicited = (icmp[4] & 0x40) != 0;
		has = nd_opt(icmp + 24, plen - 24, OPT_TLLA, &out->mac);
		if (has < 0)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	out->have_mac =
	    has > 0 && rte_is_unicast_ether_addr(&out->mac) && !rte_is_zero_ether_addr(&out->mac);
	return 0;
}

int bl_nbr_wire_parse(const uint8_t *f, size_t len, struct bl_nbr_msg *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 14)
		return -EINVAL;
	memcpy(out->eth_src.addr_bytes, f + 6, 6);
	if (bl_nbr_wire_is_arp(f, len))
		return parse_arp(f, len, out);
	if (bl_nbr_wire_is_nd(f, len))
		return parse_nd(f, len, out);
	return -EINVAL;
}

size_t bl_nbr_wire_arp(uint8_t *buf, enum bl_nbr_op op, const struct rte_ether_addr *src_mac,
		       uint32_t src_ip, const struct rte_ether_addr *dst_mac, uint32_t dst_ip)
{
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	uint8_t *a = buf + 14;

	memset(buf, 0, BL_NBR_MIN_FRAME);
	put_eth(buf, dst_mac != NULL ? dst_mac : &bcast, src_mac, ETH_ARP);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op == BL_NBR_ARP_REPLY ? 2 : 1);
	memcpy(a + 8, src_mac->addr_bytes, 6);
	memcpy(a + 14, &src_ip, 4);
	/* A request's target MAC is unknown: zero, as RFC 5227 has it. */
	if (op == BL_NBR_ARP_REPLY && dst_mac != NULL)
		memcpy(a + 18, dst_mac->addr_bytes, 6);
	memcpy(a + 24, &dst_ip, 4);
	return BL_NBR_MIN_FRAME;
}

/* Ethernet, IPv6 and the first 24 bytes of an NS or NA, with one
 * link-layer address option; checksum filled. */
static size_t put_nd(uint8_t *buf, const struct rte_ether_addr *eth_dst,
		     const struct rte_ether_addr *src_mac, const uint8_t src[16],
		     const uint8_t dst[16], uint8_t type, uint8_t flags, const uint8_t target[16],
		     uint8_t opt)
{
	uint8_t *ip = buf + 14, *icmp = ip + 40;

	memset(buf, 0, BL_NBR_ND_LEN);
	put_eth(buf, eth_dst, src_mac, ETH_IPV6);
	ip[0] = 0x60;
	put16(ip + 4, 32);
	ip[6] = ICMP6;
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	icmp[0] = type;
	icmp[4] = flags;
	memcpy(icmp + 8, target, 16);
	icmp[24] = opt;
	icmp[25] = 1;
	memcpy(icmp + 26, src_mac->addr_bytes, 6);
	put16(icmp + 2, icmp6_sum(src, dst, icmp, 32));
	return BL_NBR_ND_LEN;
}

size_t bl_nbr_wire_ns(uint8_t *buf, const struct rte_ether_addr *src_mac, const uint8_t src[16],
		      const uint8_t target[16], const struct rte_ether_addr *dst_mac)
{
	uint8_t dst[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	struct rte_ether_addr eth = { { 0x33, 0x33, 0xff, target[13], target[14], target[15] } };

	if (dst_mac != NULL) { /* a probe: unicast, to the address itself */
		memcpy(dst, target, 16);
		eth = *dst_mac;
	} else {
		memcpy(dst + 13, target + 13, 3); /* the solicited-node group */
	}
	return put_nd(buf, &eth, src_mac, src, dst, BL_NBR_ICMP6_NS, 0, target, OPT_SLLA);
}

size_t bl_nbr_wire_na(uint8_t *buf, const struct rte_ether_addr *src_mac, const uint8_t target[16],
		      const uint8_t *dst_ip6, const struct rte_ether_addr *dst_mac, bool solicited)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	struct rte_ether_addr eth = { { 0x33, 0x33, 0, 0, 0, 1 } };

	if (dst_ip6 != NULL && dst_mac != NULL)
		eth = *dst_mac;
	else
		dst_ip6 = all_nodes;
	/* S when it answers a solicitation, O always: we are the address's owner. */
	return put_nd(buf, &eth, src_mac, target, dst_ip6, BL_NBR_ICMP6_NA,
		      (uint8_t)((solicited ? 0x40 : 0) | 0x20), target, OPT_TLLA);
}
