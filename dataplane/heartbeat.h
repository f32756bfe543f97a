/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heartbeats between the nodes of a cluster (docs/cluster.md, "Heartbeats"):
 * each node tells every other node it knows (struct bl_router.peers) that it
 * is alive, over the data plane, ten times a second, so that a node sees a
 * link or a peer go within a fraction of a second, long before the peer's
 * etcd lease runs out, and knows the round trip to it.
 *
 * On the wire a heartbeat is a frame of its own with one message of kind
 * BL_WIRE_KIND_HEARTBEAT (wire/wire_fmt.h): sent_ns (the sender's clock),
 * echo_ns (the sent_ns of the last heartbeat it got from the receiver) and
 * held_ns (how long it held that one), so the receiver measures the round
 * trip on its own clock alone: now - echo_ns - held_ns.
 *
 * Control never waits behind data:
 *  - out: the control thread builds the frame and hands it to the first
 *    worker's control ring (dataplane/nbr_punt.h), which that worker sends
 *    before its own buffered data at each flush; it comes from its own UDP
 *    source port (udp_port + BL_HEARTBEAT_SPORT), a stream of its own with
 *    its own sequence numbers per (node, node), so the peer's per-source
 *    tracking (dataplane/seq.h) counts a lost heartbeat as a gap of that
 *    stream, apart from the data;
 *  - in: the worker that receives one takes it in while it classifies the
 *    burst it came in (no mailbox, no ring), and counts it delivered to the
 *    node itself (node_heartbeats); one from an address that is no node
 *    this one knows is dropped as node_unknown.
 * A heartbeat to a node whose MAC is not known yet is held by the
 * neighbour table, which resolves it (ARP) and sends it then.
 *
 * A node heard once and then silent for BL_HEARTBEAT_DOWN_MS is down (the
 * control thread marks it at each tick): what processes send it (a global
 * name's stand-in, an answer to its relay token) is refused and counted
 * node_down on this node rather than sent into a link that leads nowhere,
 * until its heartbeats come back or its lease runs out and its names go.
 */
#ifndef BL_HEARTBEAT_H
#define BL_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bl_router;
struct bl_lcore;

#define BL_HEARTBEAT_MS	     100u  /* between two heartbeats to a node */
#define BL_HEARTBEAT_SPORT   127u  /* source UDP port: udp_port + this */
#define BL_HEARTBEAT_DOWN_MS 1000u /* none heard for this long: the link is down */

/* What this node knows of its link to one other node (any thread). */
struct bl_heartbeat_info {
	uint64_t sent;	   /* heartbeats sent to it */
	uint64_t received; /* heartbeats from it */
	uint64_t age_ms;   /* since the last one came; UINT64_MAX: never */
	uint64_t rtt_ns;   /* the last round trip measured; 0: none yet */
	bool up;	   /* one came within BL_HEARTBEAT_DOWN_MS */
};

/* Control thread: send every known node its heartbeat when it is due
 * (now_ns: bl_heartbeat_now_ns). Returns how many it sent. */
unsigned bl_heartbeat_tick(struct bl_router *r, uint64_t now_ns);

/* The node at ip_be (network order): false if it is no known node. */
bool bl_heartbeat_info(const struct bl_router *r, uint32_t ip_be, uint64_t now_ns,
		       struct bl_heartbeat_info *out);

/* The clock heartbeats carry: CLOCK_MONOTONIC, in ns. */
uint64_t bl_heartbeat_now_ns(void);

/* Worker: a heartbeat message (its payload p, len bytes) from src_ip_be.
 * Counted node_heartbeats, or dropped (bad_kind, node_unknown). */
void bl__heartbeat_in(struct bl_lcore *lc, uint32_t src_ip_be, const uint8_t *p, uint32_t len);

#ifdef __cplusplus
}
#endif

#endif /* BL_HEARTBEAT_H */
