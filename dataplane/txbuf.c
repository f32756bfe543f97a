/* SPDX-License-Identifier: BSD-3-Clause */
/* TX buffers and per-hop bytes: the flush and the preparation of a hop's bytes. */
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/lcore_pvt.h"
#include "dataplane/txbuf.h"

void bl_lcore_flush(struct bl_lcore *lc)
{
	uint16_t p;

	for (p = 0; p < lc->r->n_ports; p++)
		if (lc->tx[p].n > 0)
			txbuf_send(lc, p, &lc->tx[p]);
}

/* The prepared bytes for hop h, from the table this burst reads. */
__rte_noinline void bl__hop_out_fill(struct bl_lcore *lc, uint16_t h)
{
	const struct bl_route_hop *hop = &lc->r->routes->hops[h];
	struct bl_hop_out *out = &lc->hout[h];
	struct bl_wire_hop w;

	hop_addresses(lc, hop, &w);
	bl_wire_out_prepare(&out->o, &w);
	out->port = hop->port;
	out->seen = lc->vcache.seen;
}
