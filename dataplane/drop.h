/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drop reasons: every packet or message the router does not deliver is
 * counted under exactly one of these. The names are stable: they appear in
 * `beamctl stats`, in the JSON replies and in docs/operations.md.
 *
 * Two levels, because a malformed frame cannot be split into messages:
 *  - packet drops: the whole received packet is refused before any message
 *    in it is trusted (rx_pkts = accepted_pkts + sum(pkt drops));
 *  - message drops: a message of an accepted frame is not forwarded
 *    (rx_msgs = fwd_msgs + sum(msg drops)).
 */
#ifndef BL_DROP_H
#define BL_DROP_H

#include <assert.h>

#include "wire/wire_fmt.h"

enum bl_pkt_drop {
	BL_PKT_DROP_NONE = 0,
	BL_PKT_DROP_ETH_TRUNCATED,  /* shorter than an Ethernet header */
	BL_PKT_DROP_NOT_IPV4,	    /* ethertype neither IPv4, IPv6 nor ARP, tag stripped */
	BL_PKT_DROP_NOT_FOR_US,	    /* dst MAC, dst IPv4 or dst UDP port is not ours */
	BL_PKT_DROP_IP_TRUNCATED,   /* shorter than the IPv4 header it announces */
	BL_PKT_DROP_IP_BAD_HEADER,  /* version != 4 or IHL < 5; IPv6: version != 6 */
	BL_PKT_DROP_IP_BAD_CSUM,    /* IPv4 header checksum wrong */
	BL_PKT_DROP_IP_BAD_LENGTH,  /* total length disagrees with the packet */
	BL_PKT_DROP_IP_FRAGMENT,    /* MF set or fragment offset != 0; IPv6 fragment header */
	BL_PKT_DROP_NOT_UDP,	    /* IP protocol (IPv6 next header) is not UDP */
	BL_PKT_DROP_UDP_BAD_LENGTH, /* UDP length disagrees with the IP payload length */
	BL_PKT_DROP_SEGMENTED,	    /* received as a multi-segment mbuf chain */
	/* frame-level, same order as enum bl_wire_status from BL_WIRE_TRUNCATED */
	BL_PKT_DROP_FRAME_TRUNCATED,
	BL_PKT_DROP_BAD_MAGIC,
	BL_PKT_DROP_ZERO_COUNT,
	BL_PKT_DROP_MSG_TRUNCATED,
	BL_PKT_DROP_LENGTH_OVERFLOW,
	BL_PKT_DROP_COUNT_MISMATCH,
	/* IPv6 (dataplane/wire6.h) */
	BL_PKT_DROP_IP6_BAD_PAYLOAD_LEN, /* payload length 0 (jumbogram) or past the data */
	BL_PKT_DROP_IP6_EXT_HEADER,	 /* an extension header that is not allowed, or cut */
	BL_PKT_DROP_IP6_HOP_LIMIT,	 /* hop limit 0 */
	BL_PKT_DROP_UDP_BAD_CSUM,	 /* UDP checksum wrong, or 0 over IPv6 */
	/* VLANs (dataplane/vlan.h) */
	BL_PKT_DROP_VLAN_UNKNOWN, /* tagged with a VLAN (or QinQ pair) the port does not accept */
	BL_PKT_DROP_VLAN_BAD_TAG, /* a tag cut short, or 0x88a8 not followed by an 0x8100 tag */
	/* Neighbours (dataplane/nbr_punt.h) */
	BL_PKT_DROP_NEIGH_PUNT_FULL, /* ARP or ND for the control thread; its ring was full */
	/* Chains (dataplane/lcore.c, unchain) */
	BL_PKT_DROP_CHAIN_NO_MBUF, /* a chain that fits one mbuf, but the pool had none free */
	BL_PKT_DROP_MAX
};

enum bl_msg_drop {
	BL_MSG_DROP_NO_ROUTE = 0, /* no route for the key and no default route */
	BL_MSG_DROP_ROUTE_DROP,	  /* the route (or default) says drop */
	BL_MSG_DROP_BAD_KIND,  /* a kind a router does not take, or a node-to-node message cut short
				*/
	BL_MSG_DROP_PORT_DOWN, /* the next hop's port does not exist or is stopped */
	BL_MSG_DROP_NO_MBUF,   /* a split frame needed a header mbuf; pool empty */
	BL_MSG_DROP_TOO_BIG,   /* a split frame would exceed the port MTU */
	BL_MSG_DROP_TX_FULL,   /* the port's TX queue stayed full */
	BL_MSG_DROP_NO_PROCESS,	  /* process route: no process registered under the name */
	BL_MSG_DROP_NO_MEMBER,	  /* group or pool route: the group has no members */
	BL_MSG_DROP_PROC_REFUSED, /* the runtime refused it (dead pid, mailbox or ring full: its own
				     counter says which) */
	BL_MSG_DROP_NEIGH_UNRESOLVED, /* the next hop's MAC is not known and could not be
					 held for it (or was held past its resolution) */
	BL_MSG_DROP_NODE_UNKNOWN,     /* a heartbeat from an address that is no node this
					 one knows (dataplane/heartbeat.h) */
	BL_MSG_DROP_MAX
};

/* Messages processes transmit (echo answers, forwards) that do not leave. */
enum bl_ptx_drop {
	BL_PTX_DROP_BAD_DEST = 0, /* destination token names no hop, port or lcore */
	BL_PTX_DROP_PORT_DOWN,	  /* the port does not exist or is stopped */
	BL_PTX_DROP_NO_NEIGHBOUR, /* no MAC address known for the source to answer */
	BL_PTX_DROP_NO_MBUF,	  /* the pool was empty */
	BL_PTX_DROP_TOO_BIG,	  /* the message does not fit one frame of the port's MTU */
	BL_PTX_DROP_TX_FULL,	  /* the port's TX queue stayed full */
	BL_PTX_DROP_NODE_DOWN, /* to another node whose heartbeats stopped (dataplane/heartbeat.h)
				*/
	BL_PTX_DROP_MAX
};

static const char *const bl_ptx_drop_names[BL_PTX_DROP_MAX] = {
	"bad_dest", "port_down", "no_neighbour", "no_mbuf", "too_big", "tx_full", "node_down",
};

static const char *const bl_pkt_drop_names[BL_PKT_DROP_MAX] = {
	"none",
	"eth_truncated",
	"not_ipv4",
	"not_for_us",
	"ip_truncated",
	"ip_bad_header",
	"ip_bad_checksum",
	"ip_bad_length",
	"ip_fragment",
	"not_udp",
	"udp_bad_length",
	"segmented",
	"frame_truncated",
	"bad_magic",
	"zero_count",
	"msg_truncated",
	"length_overflow",
	"count_mismatch",
	"ip6_bad_payload_length",
	"ip6_ext_header",
	"ip6_hop_limit",
	"udp_bad_checksum",
	"vlan_unknown",
	"vlan_bad_tag",
	"neigh_punt_full",
	"chain_no_mbuf",
};

static const char *const bl_msg_drop_names[BL_MSG_DROP_MAX] = {
	"no_route", "route_drop", "bad_kind",  "port_down",    "no_mbuf",	   "too_big",
	"tx_full",  "no_process", "no_member", "proc_refused", "neigh_unresolved", "node_unknown",
};

/* Map a frame check status (not BL_WIRE_OK) to its packet drop reason. */
static inline enum bl_pkt_drop bl_pkt_drop_from_wire(enum bl_wire_status st)
{
	return (enum bl_pkt_drop)(BL_PKT_DROP_FRAME_TRUNCATED + (st - BL_WIRE_TRUNCATED));
}

static_assert(BL_PKT_DROP_COUNT_MISMATCH - BL_PKT_DROP_FRAME_TRUNCATED ==
		  BL_WIRE_COUNT_MISMATCH - BL_WIRE_TRUNCATED,
	      "frame-level drop reasons must follow enum bl_wire_status");

#endif /* BL_DROP_H */
