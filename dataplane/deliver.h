/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Delivery of received messages to processes (route kinds process, group,
 * pool): the data plane's side of the border with the process runtime
 * (actors/). Owner lcore only; per packet, so static inline (lcore.c's
 * handle_pkt and lcore6.c's handle_frame call it, with the burst's acc).
 *
 * A frame whose messages all go to one process (or pool member) on this
 * lcore is given whole (deliver_frame): handled there and then when the
 * process waits idle, else as one mailbox entry that takes over the rx
 * reference (bl_sched_deliver_frame_now); anything else goes message by message, each a
 * reference on the received mbuf (deliver_one, from dispatch_mixed), a
 * group fanning one message out to every member. A message counts as
 * delivered when the runtime took it, else as a drop with a named reason.
 * Each message carries the source token (dataplane/ptx.h) so that an answer
 * can go back the way it came; the sender's MAC goes into the neighbour
 * table (dataplane/neigh.h).
 */
#ifndef BL_DELIVER_H
#define BL_DELIVER_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "actors/group.h"
#include "actors/registry.h"
#include "actors/sched.h"
#include "dataplane/heartbeat.h"
#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/neigh.h"
#include "dataplane/ptx.h"
#include "dataplane/router.h"
#include "dataplane/wire.h"

/* Where an IPv6 packet came in: the addresses it must be for (the port's,
 * or its VLAN's) and its VLAN (outer.vid; 0.0 untagged, or its tags
 * stripped already). */
struct bl_pkt6_at {
	const struct bl_wire_local *local;
	const struct bl_wire_local6 *local6;
	uint16_t outer, vid;
};

/* What a burst keeps while its packets are handled (lcore.c, and the IPv6
 * and tagged paths it hands packets to): a copy of what the input port
 * accepts (a copy no packet store can alias, so it stays in registers or
 * on the stack), the part of a source token its packets share, and what it
 * accepted and gave whole to processes, counted once per burst. */
struct burst_acc {
	struct bl_wire_local local;
	struct bl_pkt6_at at6; /* untagged IPv6 on this port: local and the port's local6 */
	uint64_t src_hi;
	uint32_t pkts;
	uint32_t msgs;
	uint32_t given_frames; /* frame_deliveries */
	uint32_t given_msgs;   /* their messages: delivered_msgs and deliveries */
};

/* Count what acc gave whole to processes. */
static inline void burst_acc_given(struct bl_lcore *lc, const struct burst_acc *acc)
{
	if (acc->given_frames != 0) {
		bl_stat_add(&lc->st.delivered_msgs, acc->given_msgs);
		bl_stat_add(&lc->st.deliveries, acc->given_msgs);
		bl_stat_add(&lc->st.frame_deliveries, acc->given_frames);
	}
}

/* The pid registered under a process target's name, cached per registry generation. */
static inline uint64_t target_pid(struct bl_lcore *lc, uint16_t idx,
				  const struct bl_route_target *tg)
{
	if (likely(lc->pcache[idx].tag == lc->ptag))
		return lc->pcache[idx].pid;
	lc->pcache[idx].pid = bl_registry_whereis(lc->registry, tg->name, sizeof(tg->name));
	lc->pcache[idx].tag = lc->ptag;
	return lc->pcache[idx].pid;
}

/*
 * Hand one message (payload bytes [off, off+len) of m) to the target it was
 * routed to. Counted as delivered when the runtime took it (for a group:
 * at least one member did), else dropped under a named reason.
 */
static inline void deliver_one(struct bl_lcore *lc, struct rte_mbuf *m, uint16_t idx, uint64_t key,
			       uint64_t src, uint32_t off, uint32_t len, uint16_t flags)
{
	const struct bl_route_target *tg = &lc->r->routes->targets[idx];
	const struct bl_members *mem;
	uint64_t pid;
	unsigned ok;

	if (unlikely(lc->sched == NULL)) {
		count_msg_drop(lc, BL_MSG_DROP_NO_PROCESS, 1);
		return;
	}
	switch (tg->kind) {
	case BL_ROUTE_PROCESS:
		pid = target_pid(lc, idx, tg);
		if (unlikely(pid == BL_PID_NONE)) {
			count_msg_drop(lc, BL_MSG_DROP_NO_PROCESS, 1);
			return;
		}
		ok = bl_sched_deliver(lc->sched, pid, key, src, m, off, len,
				      BL_MSG_F_NET | flags) == 0;
		break;
	case BL_ROUTE_GROUP:
		mem = bl_group_members(tg->group);
		if (unlikely(mem == NULL || mem->n == 0)) {
			count_msg_drop(lc, BL_MSG_DROP_NO_MEMBER, 1);
			return;
		}
		ok = bl_sched_deliver_burst(lc->sched, mem->pid, mem->n, key, src, m, off, len,
					    BL_MSG_F_NET | BL_MSG_F_FANOUT | flags);
		break;
	case BL_ROUTE_POOL:
		mem = bl_group_members(tg->group);
		if (unlikely(mem == NULL || mem->n == 0)) {
			count_msg_drop(lc, BL_MSG_DROP_NO_MEMBER, 1);
			return;
		}
		/* One source always lands on the same member: its order holds;
		 * least_loaded trades that for the shortest mailbox. */
		pid = tg->least_loaded
			  ? bl_sched_least_loaded(lc->sched, mem->pid, mem->n, (unsigned)lc->rr++)
			  : mem->pid[mix64(src) % mem->n];
		ok = bl_sched_deliver(lc->sched, pid, key, src, m, off, len,
				      BL_MSG_F_NET | flags) == 0;
		break;
	default:
		count_msg_drop(lc, BL_MSG_DROP_NO_PROCESS, 1);
		return;
	}
	if (unlikely(ok == 0)) {
		count_msg_drop(lc, BL_MSG_DROP_PROC_REFUSED, 1);
		return;
	}
	bl_stat_add(&lc->st.delivered_msgs, 1);
	bl_stat_add(&lc->st.deliveries, ok);
}

/*
 * A named message (wire kind 2) from another node, for process target idx:
 * its relay header comes off, and when it carries a handle and the sender
 * is a node this one knows, the process sees a relay token as its source
 * (dataplane/ptx.h): with a reply index, what it sends there reaches the
 * stand-in that asked; without (an answer, to a stand-in), the token's
 * handle says whose answer it is. Else no source at all (0:
 * an answer is refused, bad_dest), never the sending node's address, where
 * an answer would be routed by its key, maybe back here, round and round.
 * A call (relay flag BL_WIRE_RELAY_F_CALL) is queued as a call, whose
 * bl_reply goes back to the token.
 */
#define PEER_UNKNOWN (-2) /* *hop: the sender's node not looked up yet */
static __rte_noinline void deliver_named(struct bl_lcore *lc, struct rte_mbuf *m, uint16_t idx,
					 const uint8_t *h, uint32_t src_ip, uint32_t off,
					 uint32_t len, int *hop)
{
	const uint8_t *relay = h + BL_WIRE_MSG_HDR_LEN;
	uint64_t src = 0;
	uint32_t handle;
	uint16_t reply, flags = BL_MSG_F_NODE;

	if (unlikely(len < BL_WIRE_RELAY_LEN)) {
		count_msg_drop(lc, BL_MSG_DROP_BAD_KIND, 1);
		return;
	}
	handle = bl_wire_get32(relay);
	reply = bl_wire_get16(relay + 4);
	if (handle != 0) {
		if (*hop == PEER_UNKNOWN) /* once a frame: its messages share a sender */
			*hop = bl_peer_hop(&lc->r->peers, src_ip);
		if (*hop >= 0)
			src = bl_ptx_relay_token((unsigned)*hop, reply, handle);
	}
	/* A call with no way back is data: nobody could answer it. */
	if ((bl_wire_get16(relay + 6) & BL_WIRE_RELAY_F_CALL) && src != 0 &&
	    reply != BL_NAMED_NO_REPLY)
		flags |= BL_MSG_F_CALL;
	deliver_one(lc, m, idx, bl_wire_get64(h + 8), src, off + BL_WIRE_RELAY_LEN,
		    len - BL_WIRE_RELAY_LEN, flags);
}

/*
 * A frame not all for one next hop: count its drops and deliver its
 * messages for processes (marking them done); what is left are hop targets.
 */
static inline void dispatch_mixed(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
				  const struct bl_pkt *pkt, uint16_t *tgt, uint16_t count)
{
	const uint8_t *frame = rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt->frame_off);
	uint32_t off = BL_WIRE_FRAME_HDR_LEN;
	uint64_t src = 0;
	bool learned = false;
	int peer = PEER_UNKNOWN;
	uint16_t i;

	for (i = 0; i < count; i++) {
		const uint8_t *h = frame + off;
		uint32_t len = bl_wire_get32(h);
		uint16_t t = tgt[i];

		if (t & TGT_DROP) {
			count_msg_drop(lc, (enum bl_msg_drop)(t & ~TGT_DROP), 1);
			tgt[i] = TGT_DONE;
		} else if (t & TGT_PROC) {
			if (!learned) {
				neigh_learn(lc, pkt->src_ip, in_port, m);
				src = bl_ptx_token_encode(pkt->src_ip, pkt->src_port, in_port,
							  lc->worker);
				learned = true;
			}
			if (unlikely(bl_wire_get16(h + 4) == BL_WIRE_KIND_NAMED))
				deliver_named(lc, m, (uint16_t)(t & ~TGT_PROC), h, pkt->src_ip,
					      pkt->frame_off + off + BL_WIRE_MSG_HDR_LEN, len,
					      &peer);
			else if (unlikely(bl_wire_get16(h + 4) == BL_WIRE_KIND_HEARTBEAT))
				bl__heartbeat_in(lc, pkt->src_ip, h + BL_WIRE_MSG_HDR_LEN, len);
			else
				deliver_one(lc, m, (uint16_t)(t & ~TGT_PROC), bl_wire_get64(h + 8),
					    src, pkt->frame_off + off + BL_WIRE_MSG_HDR_LEN, len,
					    0);
			tgt[i] = TGT_DONE;
		}
		off += BL_WIRE_MSG_HDR_LEN + len;
	}
}

/*
 * Every message of the frame is for one process or pool target: give the
 * whole frame to the process, handled at once if it waits idle, else as
 * one mailbox entry (one node, one reference, no copy); counted in acc.
 * A group, a process on another lcore, or a frame the runtime will not
 * take whole, goes message by message instead. Returns false if the
 * caller must do that; true when m is no longer the caller's.
 */
static inline bool deliver_frame(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
				 const struct bl_pkt *pkt, uint16_t idx, uint16_t count,
				 struct burst_acc *acc)
{
	const struct bl_route_target *tg = &lc->r->routes->targets[idx];
	const struct bl_members *mem;
	uint64_t pid, src;
	int rc;

	if (unlikely(lc->sched == NULL))
		return false;
	src = acc->src_hi | bl_ptx_token_lo(pkt->src_ip, pkt->src_port);
	if (tg->kind == BL_ROUTE_PROCESS) {
		pid = target_pid(lc, idx, tg);
	} else if (tg->kind == BL_ROUTE_POOL) {
		mem = bl_group_members(tg->group);
		if (mem == NULL || mem->n == 0)
			return false;
		pid = tg->least_loaded
			  ? bl_sched_least_loaded(lc->sched, mem->pid, mem->n, (unsigned)lc->rr++)
			  : mem->pid[mix64(src) % mem->n];
	} else {
		return false;
	}
	if (pid == BL_PID_NONE)
		return false;
	/* Learnt first: the process may answer at once. */
	neigh_learn(lc, pkt->src_ip, in_port, m);
	/* Our rx reference becomes the mailbox entry's, or is released once
	 * the process handled the frame there and then. */
	rc = bl_sched_deliver_frame_now(lc->sched, pid, src, m,
					pkt->frame_off + BL_WIRE_FRAME_HDR_LEN,
					pkt->frame_len - BL_WIRE_FRAME_HDR_LEN, count,
					lc->plain ? BL_MSG_F_NET | BL_MSG_F_PLAIN : BL_MSG_F_NET);
	if (rc == -EXDEV)
		return false;
	if (unlikely(rc != 0)) {
		count_msg_drop(lc, BL_MSG_DROP_PROC_REFUSED, count);
		return true;
	}
	acc->given_msgs += count;
	acc->given_frames++;
	return true;
}

#endif /* BL_DELIVER_H */
