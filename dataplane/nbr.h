/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table: the MACs of next hops given without one (`route
 * add KEY port P ip A`), found by ARP (IPv4) or neighbour discovery
 * (IPv6), and the answers to ARP requests and neighbour solicitations for
 * the router's own addresses. Not to be confused with dataplane/neigh.h,
 * the workers' table of the sources processes answer.
 *
 * It lives on the control thread: only it resolves, sends, ages and holds.
 * Workers only read what it publishes, one word per hop in the route table
 * (bl_route_hop_mac, dataplane/route.h), and talk to it through two rings
 * (dataplane/nbr_punt.h). nbr.c opens with the design note.
 */
#ifndef BL_NBR_H
#define BL_NBR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "dataplane/route.h"

struct bl_router;
struct bl_nbr;

#define BL_NBR_MAX   512u /* neighbours at once (one per distinct address a hop names) */
#define BL_NBR_QUEUE 16u  /* frames held per unresolved neighbour */

enum bl_nbr_state {
	BL_NBR_INCOMPLETE = 0, /* asked (broadcast, solicited-node group); no answer yet */
	BL_NBR_REACHABLE,      /* confirmed less than reachable_ms ago */
	BL_NBR_STALE,	       /* MAC still used; confirmed longer ago */
	BL_NBR_PROBE,	       /* MAC still used; asked again, unicast */
	BL_NBR_FAILED,	       /* no answer to `probes` questions: no MAC */
	BL_NBR_STATE_MAX
};

extern const char *const bl_nbr_state_names[BL_NBR_STATE_MAX];

struct bl_nbr_conf {
	uint32_t reachable_ms; /* REACHABLE lasts this long after a confirmation (30000) */
	uint32_t delay_ms;     /* STALE lasts this long before the first probe (5000) */
	uint32_t retrans_ms;   /* between two questions (1000) */
	uint32_t probes;       /* questions before FAILED (3) */
	uint32_t retry_ms;     /* FAILED asks again after this long (10000) */
};

void bl_nbr_conf_defaults(struct bl_nbr_conf *c);

/* A neighbour, as `neigh.list` shows it. */
struct bl_nbr_info {
	uint16_t port;
	uint16_t vlan, vlan_outer; /* 0: untagged */
	bool v6;
	uint32_t ip; /* network order */
	uint8_t ip6[16];
	bool have_mac;
	struct rte_ether_addr mac;
	enum bl_nbr_state state;
	uint64_t age_ms;     /* since the last confirmation (or since asked, never confirmed) */
	uint32_t probes;     /* questions sent in the current INCOMPLETE or PROBE */
	uint32_t queued;     /* frames held for it */
	uint32_t queued_msg; /* their messages */
	uint32_t hops;	     /* next hops that name it */
};

/* Counters; control thread writes, any thread may read (relaxed). */
struct bl_nbr_stats {
	uint64_t arp_in, nd_in;	  /* ARP and ND packets the workers handed over */
	uint64_t bad_in;	  /* of those, malformed (or not IPv4/IPv6 over Ethernet) */
	uint64_t replies;	  /* ARP replies and neighbour advertisements sent */
	uint64_t solicits;	  /* ARP requests and neighbour solicitations sent */
	uint64_t held_msgs;	  /* messages held for a neighbour (neigh_held of the lcores) */
	uint64_t released_msgs;	  /* of those, sent once its MAC was known */
	uint64_t unresolved_msgs; /* of those, dropped: no MAC in time (neigh_unresolved) */
	uint64_t tx_full;	  /* frames the ring to the worker refused (freed) */
	uint64_t resolved;	  /* times a neighbour's MAC was published or changed */
	uint64_t failed;	  /* times a neighbour went FAILED */
};

/*
 * Create the table of router r (its route table, ports, pool and rings).
 * Control thread. NULL + errno (ENOMEM) on failure.
 */
struct bl_nbr *bl_nbr_create(struct bl_router *r, const struct bl_nbr_conf *conf);

/* Free it and every frame it holds. Control thread, the workers stopped. */
void bl_nbr_destroy(struct bl_nbr *nb);

/*
 * Run it: take up new hops to resolve (and let go of hops no route uses),
 * handle what the workers handed over, answer, resolve, age and retry.
 * `now_ms` is a monotonic clock (bl_nbr_now_ms) that never goes back.
 * Control thread, often (the daemon: every loop, at least every 5 ms).
 * Returns the work done (packets handled, frames sent), 0 when idle.
 */
unsigned bl_nbr_tick(struct bl_nbr *nb, uint64_t now_ms);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t bl_nbr_now_ms(void);

/* Up to max neighbours into out, in table order; returns how many. Control thread. */
size_t bl_nbr_list(const struct bl_nbr *nb, uint64_t now_ms, struct bl_nbr_info *out, size_t max);

/* The state of hop h's neighbour; false when h is not a hop being resolved. Control thread. */
bool bl_nbr_hop_state(const struct bl_nbr *nb, unsigned h, enum bl_nbr_state *st);

const struct bl_nbr_stats *bl_nbr_stats(const struct bl_nbr *nb);

#endif /* BL_NBR_H */
