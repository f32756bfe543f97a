/* SPDX-License-Identifier: BSD-3-Clause */
/* TX buffers and per-hop bytes: the flush and the preparation of a hop's bytes. */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/lcore_pvt.h"
#include "dataplane/nbr_punt.h"
#include "dataplane/txbuf.h"

void bl_lcore_flush(struct bl_lcore *lc)
{
	uint16_t p;

	/* The control thread's frames (nbr_punt.h: ARP, ND, heartbeats) go
	 * first: control never waits behind this lcore's data. */
	if (unlikely(lc->nbr_out != NULL))
		bl__nbr_out_drain(lc);
	for (p = 0; p < lc->r->n_ports; p++)
		if (lc->tx[p].n > 0)
			txbuf_send(lc, p, &lc->tx[p]);
}

bool bl__hop_bytes6(const struct bl_lcore *lc, uint16_t h, struct bl_wire_out6 *o6)
{
	const struct bl_route_hop *hop = &lc->r->routes->hops[h];
	const struct bl_port *out = &lc->r->ports[hop->port];
	uint16_t sport = rte_cpu_to_be_16((uint16_t)(lc->r->conf.udp_port + lc->worker));
	static const uint8_t unset[16];
	/* A VLAN hop leaves from the VLAN's own address, if it has one. */
	const struct bl_port_vlan *v =
	    hop->vlan != 0 ? bl_port_vlan_find(out->vlans, out->n_vlans, hop->vlan_outer, hop->vlan)
			   : NULL;

	struct rte_ether_addr mac = { { 0 } };
	bool known = bl_route_hop_mac(lc->r->routes, h, &mac);

	memcpy(o6->eth, mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(o6->eth + RTE_ETHER_ADDR_LEN, out->local.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(o6->ips, v != NULL && memcmp(v->ip6, unset, 16) != 0 ? v->ip6 : out->local6.ip, 16);
	memcpy(o6->ips + 16, hop->dst_ip6, 16);
	memcpy(o6->ports, &sport, 2);
	memcpy(o6->ports + 2, &hop->dst_udp, 2);
	bl_wire_out6_seal(o6);
	return known;
}

/* The prepared bytes for hop h, from the table this burst reads. */
__rte_noinline void bl__hop_out_fill(struct bl_lcore *lc, uint16_t h)
{
	const struct bl_route_hop *hop = &lc->r->routes->hops[h];
	struct bl_hop_out *out = &lc->hout[h];
	struct bl_wire_hop w;

	/* The verdict of a hop to resolve is taken from this (verdict.h's
	 * verdict_of_hop), so the bytes and the verdict agree on one load of
	 * its neighbour word for the whole generation. */
	out->v6 = hop->v6;
	if (hop->v6) {
		out->unresolved = !bl__hop_bytes6(lc, h, &out->o6);
	} else {
		out->unresolved = !hop_addresses(lc, h, &w);
		bl_wire_out_prepare(&out->o, &w);
	}
	out->port = hop->port;
	out->tagged = 0;
	out->mtu = 0;
	out->plain6_max = 0;
	out->csum6_tx = false;
	if (hop->port < lc->r->n_ports) {
		const struct bl_port *port = &lc->r->ports[hop->port];

		out->mtu = port->mtu;
		if (hop->v6 && hop->vlan == 0 && !out->unresolved)
			out->plain6_max = (uint16_t)(port->mtu - BL_WIRE_IP6_LEN - BL_WIRE_UDP_LEN);
		out->csum6_tx = port->udp6_csum_tx;
		if (!hop->v6 && hop->vlan != 0 && !port->vlan_tx)
			out->tagged = BL_HOP_TAGGED | (uint32_t)hop->vlan_outer << 16 | hop->vlan;
	}
	out->seen = lc->vcache.seen;
}
