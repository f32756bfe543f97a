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

#include <stdint.h>

#include <rte_mbuf.h>

#include "dataplane/wire.h"

struct bl_lcore;
struct bl_msg;

/* A frame being filled with process-sent messages for one destination. */
#define BL_PFRAMES   8u
#define BL_RSEQ_SIZE 256u /* answer seq counters, direct mapped by destination */

/*
 * An open frame of process-sent messages for one destination. Two modes:
 *  - copy (by_ref 0): m is a fresh mbuf, headers first, messages appended;
 *  - in place (by_ref 1): the messages so far are one run of wire messages,
 *    byte for byte as they would be written, inside a received mbuf m (one
 *    reference held): bytes [run_off, run_off + msgs_len) from its data
 *    start. Closed with m no longer shared, the run gets new headers in front
 *    of it and m leaves as it is; otherwise the run is copied out first.
 */
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
	 * scheduler (bl_sched_lend_frame) for lend_turn: see pframe_own. */
	uint8_t lent;
	uint64_t lend_turn;
	const struct bl_msg *lend_node;
	struct bl_wire_out o; /* the destination's bytes: rewritten in place or written anew */
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
