/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router: one context that owns the mbuf pool, the ports, the route table
 * and the worker lcores. Created and driven by the control thread (the main
 * lcore); the workers only read from it.
 */
#ifndef BL_ROUTER_H
#define BL_ROUTER_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "actors/catalog.h"
#include "actors/ets.h"
#include "actors/group.h"
#include "actors/registry.h"
#include "actors/sched.h"
#include "dataplane/lcore.h"
#include "dataplane/nbr.h"
#include "dataplane/port.h"
#include "dataplane/route.h"

#define BL_MAX_WORKERS	  128
#define BL_SCHED_SLICE_US 1000 /* default: processes run at most this long between two polls */

struct bl_router_conf {
	uint16_t rxd, txd; /* descriptors per queue (default 1024) */
	uint16_t udp_port; /* wire-format UDP port (default 7447) */
	uint16_t mtu;	   /* IP MTU of every port, 68..9000; 0: each port's own */
	bool promisc;	   /* accept any destination MAC */
	/* sum every IPv6 frame's UDP checksum on receive (where the port does
	 * not), not only the frames whose messages beamline uses: lcore6.c */
	bool udp6_check_all;
	uint32_t port_ip[BL_MAX_PORTS]; /* host order; 0 = default 10.0.<port>.1 */
	/* network order; all zero = default fd00:0:0:<port>::1 */
	uint8_t port_ip6[BL_MAX_PORTS][16];
	/* per port: the VLANs accepted besides untagged (dataplane/vlan.h) */
	uint16_t port_n_vlans[BL_MAX_PORTS];
	struct bl_port_vlan port_vlans[BL_MAX_PORTS][BL_PORT_VLAN_MAX];
	uint64_t max_routes;	/* default 1,000,000 */
	uint32_t seq_sources;	/* tracked sources per lcore (default 4096) */
	uint32_t drain_us;	/* TX flush timeout (default 100 us) */
	uint32_t idle_sleep_us; /* longest idle back-off sleep; 0: spin (default 100) */
	uint32_t max_procs;	/* processes per lcore (default 65536) */
	uint32_t proc_mbufs;	/* extra mbufs for binaries processes hold (default 16384) */
	uint32_t max_names;	/* registry bound (default 65536) */
	uint32_t max_groups;	/* groups (default 1024) */
	uint32_t max_members;	/* members per group (default 65536) */
	uint32_t max_tables;	/* shared tables (ETS, default 256) */
	uint32_t proc_ring;	/* cross-lcore ring size, power of two (0: by lcore count) */
	uint32_t proc_slice_us; /* longest process run between two polls (default 1000) */
	uint32_t proc_budget;	/* messages per process turn on the workers (default 64) */
	uint32_t max_msgs;	/* queued messages per lcore, all mailboxes (default 65536) */
	struct bl_nbr_conf nbr; /* the neighbour table's timers (dataplane/nbr.h) */
};

/* Another node of the cluster: its data-plane address and this router's
 * hop to it (a hop whose MAC the neighbour table resolves). */
#define BL_PEER_NODES_MAX 64u
struct bl_peer_node {
	uint32_t ip_be;
	uint16_t hop;
};

/* The link to such a node (dataplane/heartbeat.h): the control thread's
 * side (sent, seq, due) and what workers saw of the node's heartbeats
 * (relaxed stores by whichever worker got one; read by the control thread). */
struct bl_peer_live {
	uint64_t seq;	   /* control thread: next seq of its heartbeat stream */
	uint64_t sent;	   /* control thread: heartbeats sent */
	uint64_t received; /* workers: heartbeats received */
	uint64_t rx_ns;	   /* workers: when the last came (this node's clock) */
	uint64_t peer_ns;  /* workers: its sent_ns, to echo */
	uint64_t rtt_ns;   /* workers: the last round trip measured */
};

struct bl_peer_nodes {
	uint32_t n;
	struct bl_peer_node e[BL_PEER_NODES_MAX];
	struct bl_peer_live live[BL_PEER_NODES_MAX];
	uint64_t next_ns; /* control thread: when the next heartbeats are due */
	/* By hop: 1 while the node behind it is down (heard once, then nothing
	 * for BL_HEARTBEAT_DOWN_MS). Written by the control thread at each
	 * heartbeat tick, read by the transmit path with one load a message
	 * (relaxed). */
	uint8_t hop_down[BL_ROUTE_HOP_MAX];
};

/* The index of the node at ip_be in p, or -1. Any lcore. */
static inline int bl_peer_find(const struct bl_peer_nodes *p, uint32_t ip_be)
{
	uint32_t n = __atomic_load_n(&p->n, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n; i++)
		if (p->e[i].ip_be == ip_be)
			return (int)i;
	return -1;
}

/* Is the node reached through hop down (its heartbeats stopped)? Any lcore. */
static inline bool bl_peer_hop_down(const struct bl_peer_nodes *p, uint16_t hop)
{
	return hop < BL_ROUTE_HOP_MAX && __atomic_load_n(&p->hop_down[hop], __ATOMIC_RELAXED) != 0;
}

/* The hop to the node at ip_be, or -1. Any lcore. */
static inline int bl_peer_hop(const struct bl_peer_nodes *p, uint32_t ip_be)
{
	int i = bl_peer_find(p, ip_be);

	return i >= 0 ? p->e[i].hop : -1;
}

/* Add a node (control thread); 0, or -ENOSPC when BL_PEER_NODES_MAX are known. */
static inline int bl_peer_add(struct bl_peer_nodes *p, uint32_t ip_be, uint16_t hop)
{
	if (bl_peer_hop(p, ip_be) >= 0)
		return 0;
	if (p->n == BL_PEER_NODES_MAX)
		return -ENOSPC;
	p->e[p->n].ip_be = ip_be;
	p->e[p->n].hop = hop;
	__atomic_store_n(&p->n, p->n + 1, __ATOMIC_RELEASE);
	return 0;
}

struct bl_router {
	struct bl_router_conf conf;
	/* The process runtime: one scheduler per worker lcore plus one for the
	 * control thread (supervisors), a registry and groups shared by all. */
	struct bl_sched_set *set;
	struct bl_sched *ctl_sched;
	struct bl_registry *registry;
	struct bl_groups *groups;
	struct bl_ets *ets;	    /* shared tables (ETS) of every process */
	struct bl_catalog *catalog; /* behaviours by name: built-ins and loaded modules */
	struct rte_mempool *pool;
	unsigned int pool_size;
	struct bl_route_table *routes;
	uint16_t n_ports;
	struct bl_port ports[BL_MAX_PORTS];
	unsigned int n_workers;
	struct bl_lcore *workers[BL_MAX_WORKERS];
	/* The neighbour table (control thread) and its rings (dataplane/nbr_punt.h):
	 * workers -> control thread, and control thread -> the first worker. */
	struct bl_nbr *nbr;
	struct rte_ring *nbr_in;
	struct rte_ring *nbr_out;
	int quit;    /* set by the control thread; workers poll it (relaxed) */
	int rx_hold; /* while set, workers run processes but take no packets (acquire) */
	bool running;
	uint64_t start_tsc;
	/* The other nodes of the cluster, for answers to named messages and
	 * heartbeats: appended by the control thread (control/global_names.c),
	 * an entry whole before n moves (release); e[] never changed once
	 * counted, live[] as struct bl_peer_live says. */
	struct bl_peer_nodes peers;
};

/* Fill conf with the defaults. */
void bl_router_conf_defaults(struct bl_router_conf *conf);

#define BL_MTU_MIN 68	/* RFC 791: the least MTU an IPv4 link may have */
#define BL_MTU_MAX 9000 /* the largest --mtu: a jumbo frame */
/* A frame of MTU mtu at most: Ethernet header, two VLAN tags, FCS. */
#define BL_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN)

/*
 * The data room of the pool's mbufs (RTE_PKTMBUF_HEADROOM included) for
 * conf: RTE_MBUF_DEFAULT_BUF_SIZE without an MTU, else room for a frame of
 * conf->mtu + BL_FRAME_OVERHEAD bytes after the headroom, in 1 KB steps
 * (NICs size RX buffers in such steps), so RX never needs a chain. Any thread.
 */
uint16_t bl_router_data_room(const struct bl_router_conf *conf);

/*
 * After rte_eal_init: make the pool, start every available port with one
 * queue per worker lcore, create the route table and the lcore contexts.
 * Control thread, RCU-registered. 0 or -errno with a one-line reason in err.
 */
int bl_router_create(struct bl_router **out, const struct bl_router_conf *conf, char *err,
		     size_t errlen);

/* Launch the poll loop on every worker lcore. 0 or -errno. */
int bl_router_start(struct bl_router *r);

/*
 * Hold or release the ports' traffic: while held, the workers run their
 * processes (so a supervision tree can spawn its children there) but take
 * no packets, which wait in the ports' RX rings. The daemon holds it from
 * start until its configuration's trees run, so no frame finds a process
 * that is about to exist. Control thread; 0 (the default) takes traffic.
 */
static inline void bl_router_hold_rx(struct bl_router *r, bool hold)
{
	__atomic_store_n(&r->rx_hold, hold ? 1 : 0, __ATOMIC_RELEASE);
}

/* Ask the workers to stop, wait for them (they flush their TX buffers first). */
void bl_router_stop(struct bl_router *r);

/*
 * Close the ports, free the tables and the lcores. Returns the number of
 * mbufs still out of the pool after everything is closed (0 = nothing lost).
 * Control thread, RCU-registered and offline-capable.
 */
unsigned int bl_router_destroy(struct bl_router *r);

/*
 * Run the control thread's scheduler once (supervisors and whatever else
 * lives on the main lcore). Control thread, RCU-online.
 */
unsigned bl_router_run_ctl(struct bl_router *r);

/* The scheduler of lcore `lcore` (worker or control), or NULL. Any thread. */
struct bl_sched *bl_router_sched(const struct bl_router *r, unsigned lcore);

/* Totals over every worker. Any thread. */
void bl_router_stats_sum(const struct bl_router *r, struct bl_lcore_stats *out);

#endif /* BL_ROUTER_H */
