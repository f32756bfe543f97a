/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router: one context that owns the mbuf pool, the ports, the route table
 * and the worker lcores. Created and driven by the control thread (the main
 * lcore); the workers only read from it.
 */
#ifndef BL_ROUTER_H
#define BL_ROUTER_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/lcore.h"
#include "dataplane/port.h"
#include "dataplane/route.h"

#define BL_MAX_WORKERS 128

struct bl_router_conf {
	uint16_t rxd, txd;		/* descriptors per queue (default 1024) */
	uint16_t udp_port;		/* wire-format UDP port (default 7447) */
	bool promisc;			/* accept any destination MAC */
	uint32_t port_ip[BL_MAX_PORTS]; /* host order; 0 = default 10.0.<port>.1 */
	uint64_t max_routes;		/* default 1,000,000 */
	uint32_t seq_sources;		/* tracked sources per lcore (default 4096) */
	uint32_t drain_us;		/* TX flush timeout (default 100 us) */
};

struct bl_router {
	struct bl_router_conf conf;
	struct rte_mempool *pool;
	unsigned int pool_size;
	struct bl_route_table *routes;
	uint16_t n_ports;
	struct bl_port ports[BL_MAX_PORTS];
	unsigned int n_workers;
	struct bl_lcore *workers[BL_MAX_WORKERS];
	int quit; /* set by the control thread; workers poll it (relaxed) */
	bool running;
	uint64_t start_tsc;
};

/* Fill conf with the defaults. */
void bl_router_conf_defaults(struct bl_router_conf *conf);

/*
 * After rte_eal_init: make the pool, start every available port with one
 * queue per worker lcore, create the route table and the lcore contexts.
 * Control thread, RCU-registered. 0 or -errno with a one-line reason in err.
 */
int bl_router_create(struct bl_router **out, const struct bl_router_conf *conf, char *err,
		     size_t errlen);

/* Launch the poll loop on every worker lcore. 0 or -errno. */
int bl_router_start(struct bl_router *r);

/* Ask the workers to stop, wait for them (they flush their TX buffers first). */
void bl_router_stop(struct bl_router *r);

/*
 * Close the ports, free the tables and the lcores. Returns the number of
 * mbufs still out of the pool after everything is closed (0 = nothing lost).
 * Control thread, RCU-registered and offline-capable.
 */
unsigned int bl_router_destroy(struct bl_router *r);

/* Totals over every worker. Any thread. */
void bl_router_stats_sum(const struct bl_router *r, struct bl_lcore_stats *out);

#endif /* BL_ROUTER_H */
