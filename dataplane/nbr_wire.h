/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) and IPv6 neighbour discovery (RFC 4861) frames, as the
 * neighbour table (dataplane/nbr.c) reads and writes them: untagged
 * Ethernet frames in plain byte buffers (tags are the caller's), so the
 * checks and the builders are tested without ports or mbufs.
 *
 * Nothing here trusts its input: every parser checks lengths, the fixed
 * fields and (ND) the hop limit of 255 and the ICMPv6 checksum before it
 * reports anything. Control thread (and tests); none of it is per packet.
 */
#ifndef BL_NBR_WIRE_H
#define BL_NBR_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h> /* IPPROTO_ICMPV6 */

#include <rte_ether.h>

#define BL_NBR_ARP_LEN	 (14 + 28)	/* Ethernet + ARP for IPv4 over Ethernet */
#define BL_NBR_MIN_FRAME 60		/* a frame shorter than this is padded */
#define BL_NBR_ND_LEN	 (14 + 40 + 32) /* Ethernet + IPv6 + NS/NA with one address option */
#define BL_NBR_ICMP6_NS	 135		/* ICMPv6 types: neighbour solicitation, */
#define BL_NBR_ICMP6_NA	 136		/* and advertisement */

enum bl_nbr_op {
	BL_NBR_OP_NONE = 0,
	BL_NBR_ARP_REQUEST,
	BL_NBR_ARP_REPLY,
	BL_NBR_ND_NS, /* neighbour solicitation */
	BL_NBR_ND_NA, /* neighbour advertisement */
};

/* What a received ARP or ND frame says. */
struct bl_nbr_msg {
	enum bl_nbr_op op;
	struct rte_ether_addr eth_src;
	/* The sender: its address and, when the frame carries it, its MAC
	 * (ARP's sender fields; an NS's source link-layer option; an NA's
	 * target and target link-layer option). have_mac false: no MAC said. */
	bool v6;
	uint32_t ip;	 /* network order (ARP) */
	uint8_t ip6[16]; /* the NS's source, the NA's target */
	struct rte_ether_addr mac;
	bool have_mac;
	/* What it asks or answers for: ARP's target IPv4, the NS's target. */
	uint32_t target_ip;
	uint8_t target6[16];
	bool unspec_src; /* an NS from :: (duplicate address detection) */
	bool solicited;	 /* NA: the S flag */
};

/* Is frame f (len bytes, untagged) ARP, or an ICMPv6 NS or NA with no
 * extension header? Cheap: the ethertype and, for IPv6, two bytes; inline,
 * as workers ask it of every packet of those ethertypes. */
static inline bool bl_nbr_wire_is_arp(const uint8_t *f, size_t len)
{
	return len >= 14 && (uint16_t)(f[12] << 8 | f[13]) == RTE_ETHER_TYPE_ARP;
}

static inline bool bl_nbr_wire_is_nd(const uint8_t *f, size_t len)
{
	return len >= 14 + 40 + 1 && (uint16_t)(f[12] << 8 | f[13]) == RTE_ETHER_TYPE_IPV6 &&
	       f[14 + 6] == IPPROTO_ICMPV6 &&
	       (f[14 + 40] == BL_NBR_ICMP6_NS || f[14 + 40] == BL_NBR_ICMP6_NA);
}

/* Read an ARP frame (IPv4 over Ethernet, request or reply) or an ND frame
 * (NS or NA). 0, or -EINVAL for anything malformed or not for IPv4/6 over
 * Ethernet (then *out is unspecified). */
int bl_nbr_wire_parse(const uint8_t *f, size_t len, struct bl_nbr_msg *out);

/*
 * Builders: into buf (at least BL_NBR_MIN_FRAME / BL_NBR_ND_LEN bytes),
 * returning the frame's length. Addresses in network order.
 *  - arp: op BL_NBR_ARP_REQUEST (to dst, the broadcast address when NULL:
 *    a unicast one probes a known neighbour) or BL_NBR_ARP_REPLY;
 *  - ns: a solicitation for target from src (ours), to the solicited-node
 *    multicast group, or unicast to dst_mac (a probe) when not NULL;
 *  - na: a solicited advertisement of our address `target` (sent from it)
 *    to dst_ip6 / dst_mac; all-nodes (ff02::1) when dst_ip6 is NULL.
 */
size_t bl_nbr_wire_arp(uint8_t *buf, enum bl_nbr_op op, const struct rte_ether_addr *src_mac,
		       uint32_t src_ip, const struct rte_ether_addr *dst_mac, uint32_t dst_ip);
size_t bl_nbr_wire_ns(uint8_t *buf, const struct rte_ether_addr *src_mac, const uint8_t src[16],
		      const uint8_t target[16], const struct rte_ether_addr *dst_mac);
size_t bl_nbr_wire_na(uint8_t *buf, const struct rte_ether_addr *src_mac, const uint8_t target[16],
		      const uint8_t *dst_ip6, const struct rte_ether_addr *dst_mac, bool solicited);

#endif /* BL_NBR_WIRE_H */
