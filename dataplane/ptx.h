/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames built from process-sent messages (ptx): the transmit callbacks of
 * a worker lcore's scheduler (struct bl_tx in actors/sched.h). A process
 * that sends to a destination (a source token: answer the sender; or a next
 * hop) appends its message to the lcore's open frame for it; frames are
 * closed and queued for TX at the end of the processes' pass, or when full,
 * evicted or passed by another destination's run. Owner lcore only.
 */
#ifndef BL_PTX_H
#define BL_PTX_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "actors/dest.h"
#include "dataplane/wire.h"
#include "dataplane/wire6.h"

struct bl_lcore;
struct bl_msg;

/*
 * Source token of a message from the wire (struct bl_msg.src, flagged
 * BL_MSG_F_NET): the sender's IPv4 address and UDP port (network order), the
 * port it came in on and the worker that received it, so that an answer
 * (the echo behaviour) can go back the way the message came. Bit 63 is 0.
 *
 * This module owns the layout: a token is built only by
 * bl_ptx_token_encode, or its two halves (on delivery, dataplane/deliver.h),
 * and read only by
 * bl_ptx_token_decode (when a process answers, ptx.c). To actors/ it is an
 * opaque 64-bit value.
 */
struct bl_ptx_src {
	uint32_t ip_be;	 /* the sender's IPv4 address, network order */
	uint16_t udp_be; /* its UDP port, network order */
	uint16_t port;	 /* the port the message came in on */
	uint16_t worker; /* the worker that received it */
};

/* A token in two parts, for a burst whose packets share port and worker:
 * token = hi | lo. */
static inline uint64_t bl_ptx_token_hi(uint16_t port, uint16_t worker)
{
	return (uint64_t)(port & 0xffu) << 48 | (uint64_t)(worker & 0x7fu) << 56;
}

static inline uint64_t bl_ptx_token_lo(uint32_t ip_be, uint16_t udp_be)
{
	return (uint64_t)ip_be | (uint64_t)udp_be << 32;
}

static inline uint64_t bl_ptx_token_encode(uint32_t ip_be, uint16_t udp_be, uint16_t port,
					   uint16_t worker)
{
	return bl_ptx_token_hi(port, worker) | bl_ptx_token_lo(ip_be, udp_be);
}

static inline struct bl_ptx_src bl_ptx_token_decode(uint64_t token)
{
	struct bl_ptx_src s = {
		.ip_be = (uint32_t)token,
		.udp_be = (uint16_t)(token >> 32),
		.port = (uint16_t)((token >> 48) & 0xff),
		.worker = (uint16_t)((token >> 56) & 0x7f),
	};

	return s;
}

/* A frame being filled with process-sent messages for one destination. */
#define BL_PFRAMES   8u
#define BL_RSEQ_SIZE 256u /* answer seq counters, direct mapped by destination */

/*
 * An open frame of process-sent messages for one destination. Two modes:
 *  - copy (by_ref 0): m is a fresh mbuf, headers first, messages appended;
 *  - in place (by_ref non-zero): the messages so far are one run of wire
 *    messages, byte for byte as they would be written, inside a received
 *    mbuf m (one reference held): bytes [run_off, run_off + msgs_len) from
 *    its data start. Closed with m no longer shared, the run gets new
 *    headers in front of it and m leaves as it is; otherwise the run is
 *    copied out first. BL_RUN_WHOLE: the run is all of a received IPv4
 *    frame to an IPv4 hop off any VLAN, which the next frame to dest may
 *    send on the fast lane (ptx.c: bl_lcore_proc_tx_frame).
 */
#define BL_RUN_IN_PLACE 1u
#define BL_RUN_WHOLE	2u
struct bl_pframe {
	uint64_t dest;
	struct rte_mbuf *m;
	uint64_t *seq; /* the destination's outgoing seq counter */
	uint32_t msgs_len;
	uint32_t room; /* most message bytes this frame may hold */
	uint16_t n;
	uint16_t port;
	uint32_t run_off;
	uint8_t by_ref;
	/* A run whose reference is the received frame node's, lent by the
	 * scheduler (bl_sched_lend_frame) for lend_turn: see ptx_ref_take. */
	uint8_t lent;
	uint64_t lend_turn;
	const struct bl_msg *lend_node;
	uint64_t rx_tsc;   /* its cause's RX time as it opened (struct bl_msg.rx_tsc) */
	uint32_t room_max; /* room of an empty frame to dest (its port's MTU) */
	/* A hop reached over IPv6 (o6 its bytes), or one on a VLAN (the tags
	 * the frame gets): not the usual case, finished out of line. */
	uint8_t other; /* v6 or vlan: the close takes pframe_headers_other */
	uint8_t v6;
	uint16_t vlan, vlan_outer;
	union { /* the destination's bytes: rewritten in place or written anew */
		struct bl_wire_out o;
		struct bl_wire_out6 o6;
	};
};

/*
 * The transmit callback of this lcore's scheduler (struct bl_tx, arg = the
 * bl_lcore): appends a process-sent message to the open frame for dest (a
 * source token: answer the sender; or BL_DEST_HOP | hop), opening one when
 * needed. Frames are closed and queued by bl_lcore_close_frames. Owner lcore.
 */
int bl_lcore_proc_tx(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *m);
/* The same for every message of a frame node at once (struct bl_tx.frame_fn);
 * returns how many it refused. */
int bl_lcore_proc_tx_frame(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *f);

/* Close every open process frame and queue it for TX. Owner lcore. */
void bl_lcore_close_frames(struct bl_lcore *lc);

#endif /* BL_PTX_H */
