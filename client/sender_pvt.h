/* SPDX-License-Identifier: BSD-3-Clause */
/* The sender's state, shared by sender.c and sender_flow.c (not installed). */
#ifndef BL_CLIENT_SENDER_PVT_H
#define BL_CLIENT_SENDER_PVT_H

#include "client/blmsg.h"

#define BL_SENDER_PAUSED_MAX 64u    /* keys paused at once; more: the soonest to end is let go */
#define BL_SENDER_KEPT_MAX   64u    /* reply datagrams kept for bl_client_sender_recv */
#define BL_SENDER_DRAIN_NS   50000u /* the socket read before a send: this often at most */

struct bl_sender_pause {
	uint64_t key;
	uint64_t until_ns; /* CLOCK_MONOTONIC */
};

struct bl_sender_dgram {
	uint8_t *data;
	size_t len;
};

struct bl_client_sender {
	int fd;
	enum bl_client_flow flow;
	struct bl_client_batch *batch;
	struct bl_client_tx_stats stats;
	struct bl_client_flow_stats fst;
	unsigned int n_paused;
	struct bl_sender_pause paused[BL_SENDER_PAUSED_MAX];
	uint8_t *rxbuf; /* BL_CLIENT_MAX_DGRAM + 1 bytes, made at the first read */
	struct bl_sender_dgram kept[BL_SENDER_KEPT_MAX]; /* a ring */
	unsigned int kept_head, n_kept;
	int icmp_err;		/* taken off the socket by a read, for the next send */
	uint64_t next_drain_ns; /* the next send reads the socket from this time on */
};

/* Read the socket without waiting (flow messages applied, replies kept);
 * a sender in BL_CLIENT_FLOW_IGNORE does nothing. Returns the error a read
 * took off the socket that the next send would have had (-ECONNREFUSED,
 * an ICMP port unreachable for an earlier frame), once, or 0. */
int bl__sender_flow_drain(struct bl_client_sender *s);

/* A paused key's add: wait (BLOCK) until it is not paused; 0 or -EAGAIN (TRY). */
int bl__sender_flow_wait(struct bl_client_sender *s, uint64_t key);

/* Free what the flow state holds (kept replies, the read buffer). */
void bl__sender_flow_free(struct bl_client_sender *s);

#endif /* BL_CLIENT_SENDER_PVT_H */
