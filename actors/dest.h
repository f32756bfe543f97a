/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transmit destinations (struct bl_tx, bl_transmit's `dest`) that a
 * behaviour may build itself: a next hop, and a process on another node.
 * A source token (an answer's destination) is the dataplane's and opaque
 * here (dataplane/ptx.h); the values below stay clear of every token it
 * makes, so the transmit path tells them apart by their top bits. Here, in
 * actors/, so that behaviours (actors/remote.c) need no dataplane header.
 */
#ifndef BL_ACTORS_DEST_H
#define BL_ACTORS_DEST_H

#include <stdbool.h>
#include <stdint.h>

/* Destination of a message a process transmits: a token, or a next hop. */
#define BL_DEST_HOP (UINT64_C(1) << 63)

static inline uint64_t bl_dest_hop(unsigned hop)
{
	return BL_DEST_HOP | hop;
}

/*
 * Node to node (docs/cluster.md, "Global names"). A message to another
 * node's global name leaves as a named message (wire kind 2): its flags
 * the name's index on that node, its payload behind an 8-byte relay header
 * (bl_wire_put_relay) that says where an answer goes: a handle the sender
 * keeps and the index of its own stand-in on the sending node.
 *
 * Both look like a source token whose worker field is BL_PTX_RELAY_WORKER
 * (no worker has that number), so the transmit path tells them from the
 * usual destinations with one compare of the top byte; bit 55 tells them
 * apart:
 *  - a named destination (a stand-in's, actors/remote.c), bit 55 set: the
 *    hop to the node (12 bits), the name's index there (10), the reply
 *    index on this node (10: BL_NAMED_NO_REPLY for none), the handle (23);
 *  - a relay token, bit 55 clear: the source a process sees for a named
 *    message with a handle: the hop back to the node that sent it, the
 *    reply index there and the handle. An answer to it leaves as a named
 *    message to that index, with the handle.
 */
#define BL_NAMED_NO_REPLY   1023u
#define BL_PTX_RELAY_WORKER 0x7fu
#define BL_NAMED_HANDLE_MAX 0x7fffffu /* a handle fits 23 bits */
#define BL__NAMED_BIT	    (UINT64_C(1) << 55)

static inline uint64_t bl_dest_named(unsigned hop, unsigned index, unsigned reply, uint32_t handle)
{
	return (uint64_t)BL_PTX_RELAY_WORKER << 56 | BL__NAMED_BIT |
	       (uint64_t)(handle & BL_NAMED_HANDLE_MAX) << 32 | (uint64_t)(reply & 0x3ffu) << 22 |
	       (uint64_t)(index & 0x3ffu) << 12 | (hop & 0xfffu);
}

/* A named destination or a relay token: to another node. */
static inline bool bl_dest_is_node(uint64_t d)
{
	return (d >> 56) == BL_PTX_RELAY_WORKER;
}

static inline uint64_t bl_ptx_relay_token(unsigned hop, unsigned reply, uint32_t handle)
{
	return (uint64_t)BL_PTX_RELAY_WORKER << 56 |
	       (uint64_t)(handle & BL_NAMED_HANDLE_MAX) << 22 | (uint64_t)(reply & 0x3ffu) << 12 |
	       (hop & 0xfffu);
}

static inline bool bl_ptx_token_is_relay(uint64_t t)
{
	return (t >> 56) == BL_PTX_RELAY_WORKER && !(t & BL__NAMED_BIT);
}

/* A relay token's handle (the sending node's own). */
static inline uint32_t bl_ptx_relay_handle(uint64_t t)
{
	return (uint32_t)(t >> 22) & BL_NAMED_HANDLE_MAX;
}

#endif /* BL_ACTORS_DEST_H */
