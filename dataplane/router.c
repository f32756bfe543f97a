/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Router context: what is created once at start and torn down at exit.
 *
 * Sizing of the mbuf pool: every RX and TX descriptor of every queue can
 * hold an mbuf, every lcore can hold a burst per port in its TX buffers plus
 * the mempool cache, and a split frame takes a header mbuf and indirect
 * segments while its burst is in flight. The sum, with headroom, is the pool.
 * Its mbufs hold a whole frame of the ports' MTU (bl_router_data_room), and
 * RX scatter is never asked; a chain that still arrives is copied into one
 * of them (dataplane/lcore.c, unchain), or dropped as segmented when longer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <urcu-qsbr.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/nbr_punt.h"
#include "dataplane/router.h"
#include "dataplane/seq.h"
#include "dataplane/wire.h"

#define POOL_CACHE 256

void bl_router_conf_defaults(struct bl_router_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->rxd = 1024;
	conf->txd = 1024;
	conf->udp_port = BL_WIRE_UDP_PORT;
	conf->max_routes = 1000000;
	conf->seq_sources = 4096;
	conf->drain_us = 100;
	conf->idle_sleep_us = 0; /* poll, as DPDK applications do; sleeping is opt-in */
	conf->max_procs = 65536;
	conf->proc_mbufs = 16384;
	conf->max_names = 65536;
	conf->max_groups = 1024;
	conf->max_members = 65536;
	conf->max_tables = BL_ETS_TABLES_DEFAULT;
	conf->max_msgs = 65536;
	conf->proc_slice_us = BL_SCHED_SLICE_US;
	conf->proc_budget = 64;
	bl_nbr_conf_defaults(&conf->nbr);
}

uint16_t bl_router_data_room(const struct bl_router_conf *conf)
{
	uint32_t room;

	if (conf->mtu == 0)
		return RTE_MBUF_DEFAULT_BUF_SIZE;
	room = RTE_ALIGN_CEIL((uint32_t)conf->mtu + BL_FRAME_OVERHEAD, 1024u);
	return (uint16_t)(RTE_PKTMBUF_HEADROOM +
			  RTE_MAX(room, (uint32_t)RTE_MBUF_DEFAULT_DATAROOM));
}

/* Schedulers for every worker lcore and the control thread, in one set. */
static int runtime_create(struct bl_router *r, char *err, size_t errlen)
{
	struct bl_sched_config cfg;
	unsigned int i, n_lcores = r->n_workers + 1;

	r->set = rte_zmalloc("bl_sched_set", sizeof(*r->set), RTE_CACHE_LINE_SIZE);
	if (r->set == NULL) {
		snprintf(err, errlen, "out of memory for the scheduler set");
		return -ENOMEM;
	}
	bl_sched_set_init(r->set);
	r->registry = bl_registry_create(r->conf.max_names);
	r->groups = bl_groups_create(r->conf.max_groups, r->conf.max_members);
	if (r->registry == NULL || r->groups == NULL) {
		snprintf(err, errlen, "cannot create the registry or the groups: %s",
			 strerror(errno));
		return -ENOMEM;
	}
	r->ets = bl_ets_create(r->conf.max_tables);
	if (r->ets == NULL) {
		snprintf(err, errlen, "cannot create the shared tables: %s", strerror(errno));
		return -ENOMEM;
	}
	r->catalog = bl_catalog_create();
	if (r->catalog == NULL) {
		snprintf(err, errlen, "cannot create the behaviour catalog: %s", strerror(errno));
		return -ENOMEM;
	}
	bl_route_table_set_groups(r->routes, r->groups);
	memset(&cfg, 0, sizeof(cfg));
	cfg.set = r->set;
	cfg.max_procs = r->conf.max_procs;
	cfg.budget = r->conf.proc_budget;
	cfg.mbuf_pool = r->pool;
	cfg.registry = r->registry;
	cfg.ets = r->ets;
	/*
	 * One ring per (sender, receiver) pair: n_lcores^2 of them. Deep enough
	 * for a group's fan-out across lcores to ride out a burst on a few
	 * lcores, shallower when there are many (the total stays bounded).
	 */
	cfg.ring_size = r->conf.proc_ring;
	if (cfg.ring_size == 0) {
		cfg.ring_size = 16384;
		while (cfg.ring_size > 1024 && cfg.ring_size * n_lcores * n_lcores > (1u << 20))
			cfg.ring_size /= 2;
	}
	cfg.n_msgs = r->conf.max_msgs;
	for (i = 0; i < r->n_workers; i++) {
		struct bl_lcore *lc = r->workers[i];

		cfg.tx.fn = bl_lcore_proc_tx;
		cfg.tx.frame_fn = bl_lcore_proc_tx_frame;
		cfg.tx.arg = lc;
		lc->sched = bl_sched_create(lc->lcore_id, n_lcores, &cfg);
		if (lc->sched == NULL) {
			snprintf(err, errlen, "cannot create the scheduler of lcore %u: %s",
				 lc->lcore_id, strerror(errno));
			return -ENOMEM;
		}
		lc->registry = r->registry;
	}
	/* The control thread's: supervisors; it transmits nothing itself. */
	cfg.tx.fn = NULL;
	cfg.tx.frame_fn = NULL;
	cfg.tx.arg = NULL;
	cfg.max_procs = 4096;
	cfg.n_chunks = 1024;
	r->ctl_sched = bl_sched_create(rte_get_main_lcore(), n_lcores, &cfg);
	if (r->ctl_sched == NULL) {
		snprintf(err, errlen, "cannot create the control thread's scheduler: %s",
			 strerror(errno));
		return -ENOMEM;
	}
	return 0;
}

static void runtime_destroy(struct bl_router *r)
{
	unsigned int i;

	/* Every scheduler exits its processes (they may send to the others'
	 * rings, drained by their own destroy), then the shared tables go. */
	for (i = 0; i < r->n_workers; i++)
		if (r->workers[i] != NULL && r->workers[i]->sched != NULL)
			bl_sched_run(r->workers[i]->sched, 0);
	if (r->ctl_sched != NULL) {
		bl_sched_destroy(r->ctl_sched);
		r->ctl_sched = NULL;
	}
	for (i = 0; i < r->n_workers; i++) {
		if (r->workers[i] != NULL && r->workers[i]->sched != NULL) {
			bl_sched_destroy(r->workers[i]->sched);
			r->workers[i]->sched = NULL;
			bl_lcore_close_frames(r->workers[i]);
		}
	}
	/* Both wait for readers (they put an online caller offline meanwhile). */
	bl_groups_destroy(r->groups);
	r->groups = NULL;
	bl_ets_destroy(r->ets); /* after the schedulers: owners exit first */
	r->ets = NULL;
	if (r->registry != NULL)
		bl_registry_destroy(r->registry);
	r->registry = NULL;
	/* Last: every process of every behaviour is gone with the schedulers. */
	bl_catalog_destroy(r->catalog);
	r->catalog = NULL;
	rte_free(r->set);
	r->set = NULL;
}

unsigned bl_router_run_ctl(struct bl_router *r)
{
	return r->ctl_sched != NULL ? bl_sched_run(r->ctl_sched, 256) : 0;
}

struct bl_sched *bl_router_sched(const struct bl_router *r, unsigned lcore)
{
	if (r->set == NULL || lcore >= RTE_MAX_LCORE)
		return NULL;
	return r->set->by_lcore[lcore];
}

/* The neighbour table and its two rings (dataplane/nbr_punt.h). */
static int nbr_setup(struct bl_router *r, char *err, size_t errlen)
{
	char name[RTE_RING_NAMESIZE];
	static unsigned made; /* ring names are global to the process */

	snprintf(name, sizeof(name), "bl_nbr_in%u", made);
	r->nbr_in = rte_ring_create(name, BL_NBR_RING, (int)rte_socket_id(), RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "bl_nbr_out%u", made++);
	r->nbr_out =
	    rte_ring_create(name, BL_NBR_RING, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	r->nbr = bl_nbr_create(r, &r->conf.nbr);
	if (r->nbr_in == NULL || r->nbr_out == NULL || r->nbr == NULL) {
		snprintf(err, errlen, "cannot create the neighbour table and its rings");
		return -ENOMEM;
	}
	r->workers[0]->nbr_out = r->nbr_out;
	return 0;
}

/* Free what the neighbour rings still hold, then the table and the rings. */
static void nbr_teardown(struct bl_router *r)
{
	struct rte_mbuf *m;

	for (struct rte_ring *q = r->nbr_in; q != NULL; q = q == r->nbr_in ? r->nbr_out : NULL)
		while (rte_ring_dequeue(q, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	bl_nbr_destroy(r->nbr);
	r->nbr = NULL;
	rte_ring_free(r->nbr_in);
	rte_ring_free(r->nbr_out);
	r->nbr_in = r->nbr_out = NULL;
}

int bl_router_create(struct bl_router **out, const struct bl_router_conf *conf, char *err,
		     size_t errlen)
{
	struct bl_router *r;
	unsigned int lcore, n_workers = 0, n;
	uint16_t port_id, n_ports, room;
	int ret, socket = (int)rte_socket_id();

	*out = NULL;
	if (conf->mtu != 0 && (conf->mtu < BL_MTU_MIN || conf->mtu > BL_MTU_MAX)) {
		snprintf(err, errlen, "MTU %u out of range %u..%u", conf->mtu, BL_MTU_MIN,
			 BL_MTU_MAX);
		return -EINVAL;
	}
	n_ports = rte_eth_dev_count_avail();
	if (n_ports == 0) {
		snprintf(
		    err, errlen,
		    "no ports: give a virtual device (e.g. --vdev net_pcap0,...) or bind a NIC");
		return -ENODEV;
	}
	if (n_ports > BL_MAX_PORTS) {
		snprintf(err, errlen, "%u ports found; at most %u are supported", n_ports,
			 BL_MAX_PORTS);
		return -E2BIG;
	}
	RTE_LCORE_FOREACH_WORKER (lcore)
		n_workers++;
	if (n_workers == 0) {
		snprintf(
		    err, errlen,
		    "no worker lcore: give at least two lcores (e.g. -l 0,1): the main one runs "
		    "the control plane, the others poll ports");
		return -EINVAL;
	}
	if (n_workers > BL_MAX_WORKERS) {
		snprintf(err, errlen, "%u worker lcores; at most %u are supported", n_workers,
			 BL_MAX_WORKERS);
		return -E2BIG;
	}

	r = rte_zmalloc("bl_router", sizeof(*r), RTE_CACHE_LINE_SIZE);
	if (r == NULL) {
		snprintf(err, errlen, "out of memory for the router context");
		return -ENOMEM;
	}
	r->conf = *conf;
	r->n_workers = n_workers;
	r->start_tsc = rte_rdtsc();

	n = n_ports * n_workers * (unsigned int)(conf->rxd + conf->txd) +
	    n_workers * (POOL_CACHE * 2 + BL_RX_BURST + BL_BURST * (n_ports + 2) * 4 + BL_PFRAMES) +
	    4096 + conf->proc_mbufs + 2 * BL_NBR_RING + BL_NBR_MAX * BL_NBR_QUEUE;
	r->pool_size = n;
	room = bl_router_data_room(conf);
	r->pool = rte_pktmbuf_pool_create("bl_mbufs", n, POOL_CACHE, 0, room, socket);
	if (r->pool == NULL) {
		uint32_t obj = rte_mempool_calc_obj_size(sizeof(struct rte_mbuf) + room, 0, NULL);

		snprintf(err, errlen,
			 "cannot create a pool of %u mbufs of %u bytes (about %" PRIu64
			 " MB): %s (give EAL more memory: -m)",
			 n, room, ((uint64_t)n * obj + (1u << 20) - 1) >> 20,
			 rte_strerror(rte_errno));
		ret = -ENOMEM;
		goto fail;
	}
	r->routes = bl_route_table_create(conf->max_routes);
	if (r->routes == NULL) {
		snprintf(err, errlen, "cannot create the route table: %s", strerror(errno));
		ret = -errno;
		goto fail;
	}

	RTE_ETH_FOREACH_DEV (port_id) {
		struct bl_port_conf pc = {
			.n_queues = (uint16_t)n_workers,
			.rxd = conf->rxd,
			.txd = conf->txd,
			.pool = r->pool,
			.promisc = conf->promisc,
			.ip = conf->port_ip[port_id] ? conf->port_ip[port_id]
						     : (10u << 24 | (uint32_t)port_id << 8 | 1u),
			.udp_port = conf->udp_port,
			.mtu = conf->mtu,
		};
		static const uint8_t unset[16];

		if (port_id < BL_MAX_PORTS && memcmp(conf->port_ip6[port_id], unset, 16) != 0) {
			memcpy(pc.ip6, conf->port_ip6[port_id], 16);
		} else {
			pc.ip6[0] = 0xfd;
			pc.ip6[7] = (uint8_t)port_id;
			pc.ip6[15] = 1;
		}

		if (port_id >= BL_MAX_PORTS)
			break;
		pc.n_vlans = conf->port_n_vlans[port_id];
		memcpy(pc.vlans, conf->port_vlans[port_id], sizeof(pc.vlans));
		ret = bl_port_setup(&r->ports[port_id], port_id, &pc, err, errlen);
		r->n_ports = (uint16_t)(port_id + 1);
		if (ret != 0)
			goto fail;
	}

	n = 0;
	RTE_LCORE_FOREACH_WORKER (lcore) {
		struct bl_lcore *lc;
		int lsock = (int)rte_lcore_to_socket_id(lcore);
		uint16_t p;

		lc = rte_zmalloc_socket("bl_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE, lsock);
		if (lc == NULL) {
			snprintf(err, errlen, "out of memory for lcore %u", lcore);
			ret = -ENOMEM;
			goto fail;
		}
		r->workers[n] = lc;
		lc->lcore_id = lcore;
		lc->worker = (uint16_t)n;
		lc->r = r;
		lc->drain_tsc = rte_get_tsc_hz() / 1000000 * conf->drain_us;
		lc->sched_tsc = rte_get_tsc_hz() / 1000000 * conf->proc_slice_us;
		lc->seq = bl_seq_create(conf->seq_sources, lsock);
		if (lc->seq == NULL) {
			snprintf(err, errlen, "cannot create the sequence table of lcore %u: %s",
				 lcore, strerror(errno));
			ret = -ENOMEM;
			goto fail;
		}
		for (p = 0; p < r->n_ports; p++) {
			lc->rx[lc->n_rx].port = p;
			lc->rx[lc->n_rx].queue = (uint16_t)n;
			lc->n_rx++;
			lc->tx[p].queue = (uint16_t)n;
		}
		n++;
	}
	ret = nbr_setup(r, err, errlen);
	if (ret != 0)
		goto fail;
	ret = runtime_create(r, err, errlen);
	if (ret != 0)
		goto fail;
	*out = r;
	return 0;
fail:
	bl_router_destroy(r);
	return ret;
}

int bl_router_start(struct bl_router *r)
{
	unsigned int i;
	int ret;

	__atomic_store_n(&r->quit, 0, __ATOMIC_RELAXED);
	for (i = 0; i < r->n_workers; i++) {
		ret = rte_eal_remote_launch(bl_lcore_main, r->workers[i], r->workers[i]->lcore_id);
		if (ret != 0) {
			bl_router_stop(r);
			return ret;
		}
	}
	r->running = true;
	return 0;
}

void bl_router_stop(struct bl_router *r)
{
	unsigned int i;

	__atomic_store_n(&r->quit, 1, __ATOMIC_RELAXED);
	for (i = 0; i < r->n_workers; i++)
		rte_eal_wait_lcore(r->workers[i]->lcore_id);
	r->running = false;
}

unsigned int bl_router_destroy(struct bl_router *r)
{
	unsigned int i, in_use = 0;
	uint16_t p;

	if (r == NULL)
		return 0;
	if (r->running)
		bl_router_stop(r);
	runtime_destroy(r);
	nbr_teardown(r);
	for (p = 0; p < r->n_ports; p++)
		bl_port_close(&r->ports[p]);
	for (i = 0; i < r->n_workers; i++) {
		if (r->workers[i] != NULL) {
			bl_seq_free(r->workers[i]->seq);
			rte_free(r->workers[i]);
		}
	}
	if (r->routes != NULL)
		bl_route_table_destroy(r->routes);
	if (r->pool != NULL) {
		in_use = rte_mempool_in_use_count(r->pool);
		rte_mempool_free(r->pool);
	}
	rte_free(r);
	return in_use;
}

void bl_router_stats_sum(const struct bl_router *r, struct bl_lcore_stats *out)
{
	const uint64_t *src;
	uint64_t *dst = (uint64_t *)out;
	size_t k, nwords = sizeof(*out) / sizeof(uint64_t);
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < r->n_workers; i++) {
		src = (const uint64_t *)&r->workers[i]->st;
		for (k = 0; k < nwords; k++)
			dst[k] += bl_stat_read(&src[k]);
	}
}
