/* SPDX-License-Identifier: BSD-3-Clause */
/* The reading side of the neighbour table: see dataplane/neigh.h. */
#include <errno.h>
#include <string.h>

#include "dataplane/neigh.h"

int bl_lcore_neigh_get(const struct bl_lcore *lc, uint32_t ip_be, uint16_t port,
		       struct rte_ether_addr *mac)
{
	const struct bl_neigh *e = &lc->neigh[neigh_slot(ip_be, port)];
	int tries;

	for (tries = 0; tries < 16; tries++) {
		uint32_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE), s2;
		uint64_t src;
		struct rte_ether_addr a;

		if (s1 & 1)
			continue;
		src = e->src;
		memcpy(&a, &e->mac, sizeof(a));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
		if (s1 != s2)
			continue;
		if (s1 == 0 || src != bl_neigh_src(ip_be, port))
			return -ENOENT;
		*mac = a;
		return 0;
	}
	return -EAGAIN;
}
