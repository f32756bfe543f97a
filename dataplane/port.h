/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: bring a DPDK ethdev up with one RX and one TX queue per worker
 * lcore, RSS over IPv4/UDP where the device has more than one queue and
 * supports it, and remember what the fast path needs to know about it.
 */
#ifndef BL_PORT_H
#define BL_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "dataplane/vlan.h"
#include "dataplane/wire.h"
#include "dataplane/wire6.h"

struct bl_port_conf {
	uint16_t n_queues; /* RX and TX queues: one per worker lcore */
	uint16_t rxd, txd; /* descriptors per queue */
	struct rte_mempool *pool;
	bool promisc;	   /* accept any destination MAC */
	uint32_t ip;	   /* this port's IPv4, host order */
	uint8_t ip6[16];   /* this port's IPv6, network order */
	uint16_t udp_port; /* wire-format UDP port, host order */
	uint16_t mtu;	   /* IP MTU to configure; 0: the device's own */
	uint16_t n_vlans;  /* tagged VLANs accepted besides untagged frames */
	struct bl_port_vlan vlans[BL_PORT_VLAN_MAX];
};

struct bl_port {
	uint16_t port_id;
	uint16_t n_queues;
	bool started;
	bool multiseg_tx; /* the device takes chained mbufs on TX */
	bool rss;	  /* RSS is spreading RX over the queues */
	uint16_t mtu;	  /* IP MTU: the largest IP packet sent or expected */
	char name[64];
	struct bl_wire_local local;   /* what we accept: MAC, IPv4, UDP port */
	struct bl_wire_local6 local6; /* and over IPv6: the address */
	bool udp6_csum_tx;	      /* the device fills UDP checksums (IPv6 frames) */
	bool vlan_tx;		      /* the device inserts 802.1Q tags (RTE_MBUF_F_TX_VLAN) */
	/* The VLANs (QinQ pairs) accepted besides untagged frames
	 * (dataplane/vlan.h); read by lcore_vlan.c, never the fast path.
	 * Set with bl_port_vlans_set, which also fills, for the usual one
	 * 802.1Q tag, vlan_of (VLAN id -> 1 + its index in vlans; 0: not
	 * accepted) and vlan_local (what a frame on it is for: the port's
	 * MAC and UDP port, the VLAN's IPv4 or else the port's). */
	uint16_t n_vlans;
	struct bl_port_vlan vlans[BL_PORT_VLAN_MAX];
	struct bl_wire_local vlan_local[BL_PORT_VLAN_MAX];
	uint8_t vlan_of[4096];
};

/*
 * Configure, set up queues and start port_id. Control thread, before the
 * workers start. 0, or -errno with a one-line reason in err.
 */
int bl_port_setup(struct bl_port *p, uint16_t port_id, const struct bl_port_conf *c, char *err,
		  size_t errlen);

/* Accept the n VLANs at v (at most BL_PORT_VLAN_MAX) besides untagged
 * frames, with p->local set. Control thread, before the workers start. */
void bl_port_vlans_set(struct bl_port *p, const struct bl_port_vlan *v, uint16_t n);

/* Stop and close a port set up by bl_port_setup; its RX rings' mbufs go back. */
void bl_port_close(struct bl_port *p);

#endif /* BL_PORT_H */
