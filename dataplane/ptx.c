/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames built from process-sent messages: design note.
 *
 * Up to BL_PFRAMES frames are open at once, one per destination (struct
 * bl_pframe in dataplane/ptx.h); a destination without one takes a free
 * slot, or the victim's (round robin), whose frame is sent first. A message
 * that already lies in a received mbuf exactly as it would be written (a
 * wire message of kind data, flags 0, its key) is not copied: the frame
 * keeps a run of such messages in that mbuf, holding a reference, and at
 * close puts new headers in front of the run when the mbuf is no longer
 * shared, or copies the run out when it is. A frame node whose messages
 * are all plain leaves that way whole (bl_lcore_proc_tx_frame).
 *
 * Accounting: ptx_in = ptx_msgs + ptx_drop_msgs + ptx_buffered, per lcore;
 * a message counts as sent when the TX queue took its packet.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "actors/proc.h"
#include "actors/sched.h"
#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/ptx.h"
#include "dataplane/src6.h"
#include "dataplane/router.h"
#include "dataplane/txbuf.h"
#include "dataplane/vlan.h"
#include "dataplane/wire.h"
#include "dataplane/wire6.h"

static inline void ptx_drop(struct bl_lcore *lc, enum bl_ptx_drop why, uint64_t n)
{
	bl_stat_add(&lc->st.ptx_drops[why], n);
	bl_stat_add(&lc->st.ptx_drop_msgs, n);
}

/*
 * Frame references: the one ownership rule between the data plane and the
 * processes (docs/architecture.md, "Frames and processes: one ownership
 * rule"). An in-place run holds one reference on its received mbuf, taken
 * in one call, ptx_ref_take: while the handle_frame turn of the frame node
 * that holds the mbuf runs, the node's own reference, lent by the scheduler
 * (no atomic); otherwise a new one. The scheduler ends a loan when it ends
 * the turn: the node is then freed without releasing its reference, which
 * is the run's from then on. A run that must be sent, copied or freed
 * before that takes a reference of its own and hands the loan back
 * (ptx_ref_own). The scheduler's three loan calls (bl_sched_lend_frame,
 * bl_sched_frame_turn_over, bl_sched_lend_cancel) are made here only.
 */

/* f's run takes its reference on received mbuf m: node's, if the
 * scheduler lends it (node may be NULL), else a new one. */
static inline void ptx_ref_take(struct bl_lcore *lc, struct bl_pframe *f, struct rte_mbuf *m,
				const struct bl_msg *node)
{
	f->m = m;
	f->lent = node != NULL && bl_sched_lend_frame(lc->sched, node, &f->lend_turn);
	if (f->lent)
		f->lend_node = node;
	else
		rte_mbuf_refcnt_update(m, 1);
}

/*
 * Make f's reference to its mbuf its own. A lent one is, once the lending
 * frame turn is over; before that, the node gets its reference back and f
 * takes one of its own, so the mbuf is shared and its run is copied.
 */
static inline void ptx_ref_own(struct bl_lcore *lc, struct bl_pframe *f)
{
	if (likely(!f->lent))
		return;
	f->lent = 0;
	if (!bl_sched_frame_turn_over(lc->sched, f->lend_turn)) {
		rte_mbuf_refcnt_update(f->m, 1);
		bl_sched_lend_cancel(lc->sched, f->lend_node);
	}
}

/*
 * An in-place frame becomes a copy: a fresh mbuf with room for the headers,
 * the run copied after them, the received mbuf's reference released.
 * On failure the frame's messages are dropped (counted) and f->m is NULL.
 */
static int pframe_materialize(struct bl_lcore *lc, struct bl_pframe *f)
{
	struct rte_mbuf *src, *c;

	ptx_ref_own(lc, f);
	src = f->m;
	c = rte_pktmbuf_alloc(lc->r->pool);
	f->m = NULL;
	f->by_ref = 0;
	if (c == NULL || rte_pktmbuf_tailroom(c) < BL_WIRE_HDRS_LEN + f->msgs_len) {
		rte_pktmbuf_free(c);
		rte_pktmbuf_free(src);
		ptx_drop(lc, BL_PTX_DROP_NO_MBUF, f->n);
		bl_stat_add(&lc->st.ptx_buffered, -(uint64_t)f->n);
		return -ENOBUFS;
	}
	memcpy((uint8_t *)rte_pktmbuf_append(c, (uint16_t)(BL_WIRE_HDRS_LEN + f->msgs_len)) +
		   BL_WIRE_HDRS_LEN,
	       rte_pktmbuf_mtod_offset(src, const uint8_t *, f->run_off), f->msgs_len);
	rte_pktmbuf_free(src);
	f->m = c;
	if (f->room > f->msgs_len + rte_pktmbuf_tailroom(c))
		f->room = f->msgs_len + rte_pktmbuf_tailroom(c);
	return 0;
}

/* A closing frame that cannot leave (no headroom for its IPv6 header or
 * its tags): its messages dropped, counted no_mbuf. */
static void pframe_lost(struct bl_lcore *lc, struct bl_pframe *f)
{
	ptx_drop(lc, BL_PTX_DROP_NO_MBUF, f->n);
	bl_stat_add(&lc->st.ptx_buffered, -(uint64_t)f->n);
	rte_pktmbuf_free(f->m);
	f->m = NULL;
}

/*
 * The headers of a frame to an IPv6 hop or to a hop on a VLAN, out of the
 * usual path: unless `rewritten` (the in-place IPv4 rewrite already done),
 * IPv6's (20 bytes longer than the room kept for IPv4's in front of the
 * messages: taken from the headroom, the UDP checksum filled) or IPv4's;
 * then the tags. False when the frame was lost for want of headroom.
 */
static __rte_noinline bool pframe_headers_other(struct bl_lcore *lc, struct bl_pframe *f,
						bool rewritten)
{
	const struct bl_port *port = &lc->r->ports[f->port];
	uint8_t *hdr;

	if (!rewritten && f->v6) {
		if (rte_pktmbuf_headroom(f->m) < BL_WIRE_HDRS6_LEN - BL_WIRE_HDRS_LEN) {
			pframe_lost(lc, f);
			return false;
		}
		hdr = (uint8_t *)rte_pktmbuf_prepend(f->m, BL_WIRE_HDRS6_LEN - BL_WIRE_HDRS_LEN);
		bl_wire_put_headers6(hdr, &f->o6, f->n, *f->seq, f->msgs_len);
		bl_wire_udp6_finish(f->m, port->udp6_csum_tx);
	} else if (!rewritten) {
		hdr = rte_pktmbuf_mtod(f->m, uint8_t *);
		bl_wire_put_headers_out(hdr, &f->o, f->n, *f->seq, f->msgs_len, lc->ip_id++);
	}
	if (f->vlan != 0 && bl_wire_vlan_push(f->m, f->vlan_outer, f->vlan, port->vlan_tx) != 0) {
		pframe_lost(lc, f);
		return false;
	}
	return true;
}

/*
 * Whether in-place run f is all of its received IPv4 frame (20-byte IPv4
 * header, every message, nothing after; an IPv6 frame's run starts at 78
 * or later): its checked headers then take the fast path's rewrite.
 */
static inline bool run_whole4(const struct bl_pframe *f)
{
	return !f->v6 && f->run_off == BL_WIRE_HDRS_LEN &&
	       f->m->data_len == BL_WIRE_HDRS_LEN + f->msgs_len;
}

/* A run_whole4 run's headers, rewritten in place. */
static __rte_always_inline void pframe_rewrite_whole(struct bl_pframe *f)
{
	const struct bl_pkt pk = { .l3_off = BL_WIRE_ETH_LEN,
				   .frame_off = BL_WIRE_HDRS_LEN - BL_WIRE_FRAME_HDR_LEN };

	bl_wire_rewrite_out(f->m, &pk, &f->o, *f->seq);
}

/* f's frame, its headers written, queued for TX; f is empty after. */
static __rte_always_inline void pframe_queue(struct bl_lcore *lc, struct bl_pframe *f)
{
	*f->seq += f->n;
	bl_stat_add(&lc->st.ptx_frames, 1);
	tx_enqueue_proc(lc, f->port, f->m, f->n, f->rx_tsc);
	f->m = NULL;
}

/*
 * pframe_close for a BL_RUN_WHOLE run, inline: the close's usual case. False, with nothing done
 * but its reference made its own, when the mbuf is shared: the caller
 * closes it the general way.
 */
static __rte_always_inline bool pframe_send_whole(struct bl_lcore *lc, struct bl_pframe *f)
{
	ptx_ref_own(lc, f);
	if (unlikely(rte_mbuf_refcnt_read(f->m) != 1))
		return false;
	f->by_ref = 0;
	bl_stat_add(&lc->st.ptx_inplace, 1);
	pframe_rewrite_whole(f);
	pframe_queue(lc, f);
	return true;
}

static void pframe_close(struct bl_lcore *lc, struct bl_pframe *f)
{
	const bool other = f->other; /* an IPv6 hop, or one on a VLAN */
	uint8_t *hdr;

	if (f->by_ref) {
		struct rte_mbuf *m = f->m;

		ptx_ref_own(lc, f);
		if (rte_mbuf_refcnt_read(m) == 1) {
			f->by_ref = 0;
			bl_stat_add(&lc->st.ptx_inplace, 1);
			if (run_whole4(f)) {
				pframe_rewrite_whole(f);
				if (unlikely(other) && !pframe_headers_other(lc, f, true))
					return;
				pframe_queue(lc, f);
				return;
			}
			/* Ours alone: new headers right before the run, nothing after it. */
			rte_pktmbuf_adj(m, (uint16_t)(f->run_off - BL_WIRE_HDRS_LEN));
			rte_pktmbuf_trim(m,
					 (uint16_t)(m->data_len - BL_WIRE_HDRS_LEN - f->msgs_len));
		} else if (pframe_materialize(lc, f) != 0) {
			return;
		}
	}
	if (unlikely(other)) {
		if (!pframe_headers_other(lc, f, false))
			return;
	} else {
		hdr = rte_pktmbuf_mtod(f->m, uint8_t *);
		bl_wire_put_headers_out(hdr, &f->o, f->n, *f->seq, f->msgs_len, lc->ip_id++);
	}
	pframe_queue(lc, f);
}

void bl_lcore_close_frames(struct bl_lcore *lc)
{
	uint32_t i;

	for (i = 0; i < lc->n_pf; i++)
		pframe_close(lc, &lc->pf[i]);
	lc->n_pf = 0;
}

/* Most message bytes frame f may hold (its port's MTU, less its IP, UDP
 * and frame headers). */
static inline uint32_t pframe_room(const struct bl_lcore *lc, const struct bl_pframe *f)
{
	return lc->r->ports[f->port].mtu -
	       ((f->v6 ? BL_WIRE_HDRS6_LEN : BL_WIRE_HDRS_LEN) - BL_WIRE_ETH_LEN);
}

/*
 * An empty in-place run at run_off in the received mbuf m, with a reference
 * of its own, or the one of frame node `node` (when not NULL) if the
 * scheduler lends it (ptx_ref_take).
 */
static inline void pframe_start_run(struct bl_lcore *lc, struct bl_pframe *f, struct rte_mbuf *m,
				    uint32_t run_off, const struct bl_msg *node)
{
	ptx_ref_take(lc, f, m, node);
	f->by_ref = BL_RUN_IN_PLACE;
	f->run_off = run_off;
	f->n = 0;
	f->msgs_len = 0;
	f->rx_tsc = lc->sched != NULL ? bl_sched_stamp(lc->sched) : 0;
}

/* The answer's seq counter for dest (a source token). */
static uint64_t *answer_seq(struct bl_lcore *lc, uint64_t dest)
{
	uint32_t slot = (uint32_t)(mix64(dest) & (BL_RSEQ_SIZE - 1));

	if (lc->rseq[slot].dest != dest) {
		/* A new answer stream (or one pushed out of the table). */
		lc->rseq[slot].dest = dest;
		lc->rseq[slot].seq = 0;
	}
	return &lc->rseq[slot].seq;
}

/* An answer to an IPv6 sender (its token names a slot of the receiving
 * worker rx's IPv6 table, dataplane/src6.h): over IPv6, untagged, from
 * the port's IPv6 address. 0 or a drop reason + 1. */
static __rte_noinline int answer6(struct bl_lcore *lc, const struct bl_lcore *rx,
				  const struct bl_ptx_src *to, const struct rte_ether_addr *mac,
				  struct bl_pframe *f, uint64_t dest)
{
	const struct bl_port *out = &lc->r->ports[to->port];
	uint16_t sport = rte_cpu_to_be_16((uint16_t)(lc->r->conf.udp_port + lc->worker));
	uint8_t ip6[16];

	if (!bl_src6_get(rx, to->ip_be, ip6))
		return BL_PTX_DROP_BAD_DEST + 1; /* its slot has another sender now */
	memcpy(f->o6.eth, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(f->o6.eth + RTE_ETHER_ADDR_LEN, out->local.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(f->o6.ips, out->local6.ip, 16);
	memcpy(f->o6.ips + 16, ip6, 16);
	memcpy(f->o6.ports, &sport, 2);
	memcpy(f->o6.ports + 2, &to->udp_be, 2);
	bl_wire_out6_seal(&f->o6);
	f->port = to->port;
	f->v6 = f->other = 1;
	f->vlan = f->vlan_outer = 0;
	f->seq = answer_seq(lc, dest);
	f->room = f->room_max = pframe_room(lc, f);
	return 0;
}

/* Addresses, port and seq counter for dest; 0 or a drop reason + 1. */
static int pframe_resolve(struct bl_lcore *lc, uint64_t dest, struct bl_pframe *f)
{
	struct bl_router *r = lc->r;
	const struct bl_port *out;
	struct bl_wire_hop w;

	if (dest & BL_DEST_HOP) {
		uint64_t hop = dest & ~BL_DEST_HOP;
		const struct bl_route_hop *h;

		if (hop >= r->routes->n_hops)
			return BL_PTX_DROP_BAD_DEST + 1;
		h = &r->routes->hops[hop];
		if (h->port >= r->n_ports || !r->ports[h->port].started)
			return BL_PTX_DROP_PORT_DOWN + 1;
		f->port = h->port;
		f->seq = &lc->hout[hop].seq;
		f->v6 = h->v6;
		f->vlan = h->vlan; /* tagged at the close (bl_wire_vlan_push) */
		f->vlan_outer = h->vlan_outer;
		f->other = h->v6 || h->vlan != 0;
		if (unlikely(h->v6)) {
			if (!bl__hop_bytes6(lc, (uint16_t)hop, &f->o6))
				return BL_PTX_DROP_NO_NEIGHBOUR + 1; /* not resolved yet */
			f->room = f->room_max = pframe_room(lc, f);
			return 0;
		}
		if (!hop_addresses(lc, (uint16_t)hop, &w))
			return BL_PTX_DROP_NO_NEIGHBOUR + 1; /* not resolved yet */
	} else {
		struct bl_ptx_src to = bl_ptx_token_decode(dest);

		if (to.worker >= r->n_workers || to.ip_be == 0 || to.udp_be == 0)
			return BL_PTX_DROP_BAD_DEST + 1;
		if (to.port >= r->n_ports || !r->ports[to.port].started)
			return BL_PTX_DROP_PORT_DOWN + 1;
		out = &r->ports[to.port];
		if (bl_lcore_neigh_get(r->workers[to.worker], to.ip_be, to.port, &w.dst_mac) != 0)
			return BL_PTX_DROP_NO_NEIGHBOUR + 1;
		if (unlikely(bl_src6_is(to.ip_be)))
			return answer6(lc, r->workers[to.worker], &to, &w.dst_mac, f, dest);
		w.src_mac = out->local.mac;
		w.src_ip = out->local.ip;
		w.dst_ip = to.ip_be;
		w.src_port = rte_cpu_to_be_16((uint16_t)(r->conf.udp_port + lc->worker));
		w.dst_port = to.udp_be;
		f->port = to.port;
		f->v6 = f->other = 0;
		f->vlan = f->vlan_outer = 0;
		f->seq = answer_seq(lc, dest);
	}
	bl_wire_out_prepare(&f->o, &w);
	f->room = f->room_max = pframe_room(lc, f);
	return 0;
}

/*
 * Whether message m lies in a received mbuf as a wire message exactly as
 * bl_lcore_proc_tx would write it (length, kind data, flags 0, key), with
 * room for the headers before it: then it can leave in that mbuf.
 */
static inline bool msg_in_place(const struct bl_msg *m)
{
	const struct rte_mbuf *b = m->bin.m;
	const uint8_t *h;

	if (b == NULL || m->bin.off < BL_WIRE_HDRS_LEN + BL_WIRE_MSG_HDR_LEN ||
	    !RTE_MBUF_DIRECT(b) || b->nb_segs != 1)
		return false;
	h = rte_pktmbuf_mtod_offset(b, const uint8_t *, m->bin.off - BL_WIRE_MSG_HDR_LEN);
	return bl_wire_get32(h) == m->bin.len && bl_wire_get16(h + 4) == BL_WIRE_KIND_DATA &&
	       bl_wire_get16(h + 6) == 0 && bl_wire_get64(h + 8) == m->key;
}

/*
 * Open a frame for dest in a free slot (or the victim's, sent first). With
 * ref != NULL it starts as an empty in-place run at run_off in ref (with a
 * reference of its own or node's, as pframe_start_run); the caller extends
 * it. NULL with *why a drop reason.
 */
static struct bl_pframe *pframe_open(struct bl_lcore *lc, uint64_t dest, struct rte_mbuf *ref,
				     uint32_t run_off, const struct bl_msg *node, int *why)
{
	struct bl_pframe *f;
	uint32_t tail;
	int rc;

	if (lc->n_pf == BL_PFRAMES) {
		/* All in use: send the victim's frame now, take its slot. */
		f = &lc->pf[lc->pf_victim];
		lc->pf_victim = (lc->pf_victim + 1) % BL_PFRAMES;
		pframe_close(lc, f);
	} else {
		f = &lc->pf[lc->n_pf];
	}
	rc = pframe_resolve(lc, dest, f);
	if (rc != 0) {
		*why = rc - 1;
		goto unused;
	}
	f->dest = dest;
	f->n = 0;
	f->msgs_len = 0;
	/* The frame's cause: the message being handled as it opens. */
	f->rx_tsc = lc->sched != NULL ? bl_sched_stamp(lc->sched) : 0;
	if (ref != NULL) {
		pframe_start_run(lc, f, ref, run_off, node);
		if (f == &lc->pf[lc->n_pf])
			lc->n_pf++;
		return f;
	}
	f->by_ref = 0;
	f->m = rte_pktmbuf_alloc(lc->r->pool);
	if (f->m == NULL) {
		*why = BL_PTX_DROP_NO_MBUF;
		goto unused;
	}
	tail = rte_pktmbuf_tailroom(f->m);
	if (tail < BL_WIRE_HDRS_LEN + BL_WIRE_MSG_HDR_LEN) {
		rte_pktmbuf_free(f->m);
		*why = BL_PTX_DROP_NO_MBUF;
		goto unused;
	}
	if (f->room > tail - BL_WIRE_HDRS_LEN)
		f->room = tail - BL_WIRE_HDRS_LEN;
	rte_pktmbuf_append(f->m, BL_WIRE_HDRS_LEN);
	if (f == &lc->pf[lc->n_pf])
		lc->n_pf++;
	return f;
unused:
	if (f != &lc->pf[lc->n_pf]) {
		/* The victim slot is empty now: fill it with the last open frame. */
		struct bl_pframe *last = &lc->pf[lc->n_pf - 1];

		if (f != last)
			*f = *last;
		lc->n_pf--;
	}
	return NULL;
}

/* Forget open frame f (closed or emptied): the last one takes its slot. */
static inline void pframe_remove(struct bl_lcore *lc, struct bl_pframe *f)
{
	struct bl_pframe *last = &lc->pf[lc->n_pf - 1];

	if (f != last)
		*f = *last;
	lc->n_pf--;
}

/* Whether m is the next message of f's in-place run, right where it ends. */
static inline bool run_continues(const struct bl_pframe *f, const struct bl_msg *m)
{
	return m->bin.m == f->m && m->bin.off == f->run_off + f->msgs_len + BL_WIRE_MSG_HDR_LEN &&
	       msg_in_place(m);
}

/*
 * Append m to the open frame for dest (opening one). With relay (8 bytes:
 * a named message's relay header) it is written as a named message to
 * index, the header before its payload, never in place; else as data (or
 * flow control, BL_MSG_F_FLOW).
 */
static __rte_always_inline int ptx_put(struct bl_lcore *lc, uint64_t dest, const struct bl_msg *m,
				       const uint8_t *relay, uint16_t index)
{
	uint32_t len = bl_msg_len(m), i;
	uint32_t need = BL_WIRE_MSG_HDR_LEN + (relay != NULL ? BL_WIRE_RELAY_LEN : 0) + len;
	struct bl_pframe *f = NULL;
	uint8_t *p;
	int why;

	bl_stat_add(&lc->st.ptx_in, 1);
	for (i = 0; i < lc->n_pf; i++) {
		if (lc->pf[i].dest == dest) {
			f = &lc->pf[i];
			break;
		}
	}
	if (f != NULL && f->by_ref && (relay != NULL || !run_continues(f, m))) {
		if (relay != NULL || m->bin.m != f->m) {
			/* A message from elsewhere: send the run as it is (in place
			 * once its mailbox entry is done) and start another frame. */
			pframe_close(lc, f);
			pframe_remove(lc, f);
			f = NULL;
		} else if (pframe_materialize(lc, f) != 0) {
			pframe_remove(lc, f); /* its messages are counted dropped */
			f = NULL;
		}
	}
	if (f != NULL && (f->msgs_len + need > f->room || f->n == UINT16_MAX)) {
		/* Full: send it, start the next one in the same slot. */
		pframe_close(lc, f);
		pframe_remove(lc, f);
		f = NULL;
	}
	if (f == NULL) {
		bool in_place = relay == NULL && msg_in_place(m);

		f = pframe_open(lc, dest, in_place ? m->bin.m : NULL,
				m->bin.off - BL_WIRE_MSG_HDR_LEN, NULL, &why);
		if (f == NULL) {
			ptx_drop(lc, (enum bl_ptx_drop)why, 1);
			return -ENOBUFS;
		}
	}
	if (unlikely(need > f->room)) {
		ptx_drop(lc, BL_PTX_DROP_TOO_BIG, 1);
		if (f->n == 0 && !f->by_ref) {
			/* Opened for this message alone: a frame of no
			 * message must not be sent (the wire format has none). */
			rte_pktmbuf_free(f->m);
			f->m = NULL;
			pframe_remove(lc, f);
		}
		return -EMSGSIZE;
	}
	if (f->by_ref) {
		/* m extends the run (a run is only opened or kept for such a
		 * message): nothing to write. */
		f->msgs_len += need;
		f->n++;
		bl_stat_add(&lc->st.ptx_buffered, 1);
		return 0;
	}
	p = (uint8_t *)rte_pktmbuf_append(f->m, (uint16_t)need);
	if (relay != NULL) {
		bl_wire_put_msg_hdr(p, BL_WIRE_RELAY_LEN + len, BL_WIRE_KIND_NAMED, index, m->key);
		memcpy(p + BL_WIRE_MSG_HDR_LEN, relay, BL_WIRE_RELAY_LEN);
		p += BL_WIRE_RELAY_LEN;
	} else {
		bl_wire_put_msg_hdr(
		    p, len, (m->flags & BL_MSG_F_FLOW) ? BL_WIRE_KIND_FLOW : BL_WIRE_KIND_DATA, 0,
		    m->key);
	}
	if (len != 0)
		memcpy(p + BL_WIRE_MSG_HDR_LEN, bl_msg_data(m), len);
	f->msgs_len += need;
	f->n++;
	bl_stat_add(&lc->st.ptx_buffered, 1);
	return 0;
}

/*
 * To another node: a named destination (a stand-in's) or a relay token (an
 * answer to a named message), both a named message on the node's hop.
 */
static __rte_noinline int ptx_named(struct bl_lcore *lc, uint64_t dest, const struct bl_msg *m)
{
	uint8_t relay[BL_WIRE_RELAY_LEN];
	unsigned hop = (unsigned)(dest & 0xfffu);
	uint16_t index;

	if (bl_peer_hop_down(&lc->r->peers, (uint16_t)hop)) { /* its heartbeats stopped */
		bl_stat_add(&lc->st.ptx_in, 1);
		ptx_drop(lc, BL_PTX_DROP_NODE_DOWN, 1);
		return -EHOSTDOWN;
	}

	if (bl_ptx_token_is_relay(dest)) { /* an answer: to the asker's stand-in */
		index = (uint16_t)((dest >> 12) & 0x3ffu);
		if (index == BL_NAMED_NO_REPLY) { /* an answer's source: no one to answer */
			bl_stat_add(&lc->st.ptx_in, 1);
			ptx_drop(lc, BL_PTX_DROP_BAD_DEST, 1);
			return -EINVAL;
		}
		bl_wire_put_relay(relay, bl_ptx_relay_handle(dest), BL_NAMED_NO_REPLY, 0);
	} else {
		index = (uint16_t)((dest >> 12) & 0x3ffu);
		/* A call (a stand-in passing one on) stays one there. */
		bl_wire_put_relay(relay, (uint32_t)(dest >> 32) & BL_NAMED_HANDLE_MAX,
				  (uint16_t)((dest >> 22) & 0x3ffu),
				  m->type == BL_MSG_CALL ? BL_WIRE_RELAY_F_CALL : 0);
	}
	return ptx_put(lc, bl_dest_hop(hop), m, relay, index);
}

int bl_lcore_proc_tx(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *m)
{
	(void)lcore;
	if (unlikely(bl_dest_is_node(dest)))
		return ptx_named(arg, dest, m);
	return ptx_put(arg, dest, m, NULL, 0);
}

/* Whether frame node fr is all of its received IPv4 frame, in one mbuf:
 * the messages right after 20-byte IP, UDP and frame headers, nothing
 * after them. */
static inline bool frame_is_whole(const struct bl_msg *fr)
{
	const struct rte_mbuf *m = fr->bin.m;

	return fr->bin.off == BL_WIRE_HDRS_LEN && m->data_len == BL_WIRE_HDRS_LEN + fr->bin.len &&
	       RTE_MBUF_DIRECT(m) && m->nb_segs == 1;
}

/* bl_lcore_proc_tx_frame for any frame, destination and open frames. */
static __rte_noinline int proc_tx_frame_any(struct bl_lcore *lc, uint32_t lcore, uint64_t dest,
					    const struct bl_msg *fr)
{
	const uint8_t *d = rte_pktmbuf_mtod_offset(fr->bin.m, const uint8_t *, fr->bin.off);
	uint32_t off = 0, i, n = fr->aux;
	struct bl_pframe *f;
	int why;

	if (!(fr->flags & BL_MSG_F_PLAIN)) {
		/* Not known to be plain: look at every header. */
		for (i = 0; i < n; i++) {
			if (fr->bin.len - off < BL_WIRE_MSG_HDR_LEN ||
			    bl__wire_raw32(d + off + 4) != 0)
				break;
			off += BL_WIRE_MSG_HDR_LEN + bl_wire_get32(d + off);
		}
		if (i != n || off != fr->bin.len)
			goto one_by_one;
	}
	if (fr->bin.off < BL_WIRE_HDRS_LEN || !RTE_MBUF_DIRECT(fr->bin.m) ||
	    fr->bin.m->nb_segs != 1)
		goto one_by_one;
	f = NULL;
	for (i = 0; i < lc->n_pf; i++) {
		if (lc->pf[i].dest == dest) {
			/* What is open for dest leaves first: order holds. The
			 * slot keeps its addresses, port and seq counter. */
			f = &lc->pf[i];
			pframe_close(lc, f);
			break;
		}
	}
	if (f != NULL) {
		f->room = f->room_max;
		pframe_start_run(lc, f, fr->bin.m, fr->bin.off, fr);
	} else {
		f = pframe_open(lc, dest, fr->bin.m, fr->bin.off, fr, &why);
		if (f == NULL) {
			bl_stat_add(&lc->st.ptx_in, n);
			ptx_drop(lc, (enum bl_ptx_drop)why, n);
			return (int)n;
		}
	}
	if (fr->bin.len > f->room || n > UINT16_MAX) {
		/* Too big for the port as one frame: its messages repack. */
		ptx_ref_own(lc, f);
		rte_pktmbuf_free(f->m);
		f->m = NULL;
		pframe_remove(lc, f);
		goto one_by_one;
	}
	bl_stat_add(&lc->st.ptx_in, n);
	bl_stat_add(&lc->st.ptx_buffered, n);
	f->msgs_len = fr->bin.len;
	f->n = (uint16_t)n;
	if (!f->other && frame_is_whole(fr))
		f->by_ref = BL_RUN_WHOLE;
	return 0;

one_by_one:
	/* The runtime's one per-message fallback, each through bl_lcore_proc_tx. */
	return (int)bl_frame_transmit_each(fr, bl_lcore_proc_tx, lc, lcore, dest, NULL);
}

/*
 * Every message of frame node fr to dest (struct bl_tx.frame_fn): the
 * messages leave as they came, in the received mbuf with new headers, when
 * their wire headers are what bl_lcore_proc_tx would write (flags 0) and
 * they fit the port; otherwise one by one through bl_lcore_proc_tx.
 * Returns how many messages it refused (each counted under a ptx drop).
 */
int bl_lcore_proc_tx_frame(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *fr)
{
	struct bl_lcore *lc = arg;
	struct bl_pframe *f = &lc->pf[0];
	uint32_t n = fr->aux;

	/* The usual case: a plain whole frame to where the last one went, which
	 * is still open; that one leaves now and this one takes its slot. */
	if (likely(lc->n_pf == 1 && f->dest == dest && f->by_ref == BL_RUN_WHOLE &&
		   (fr->flags & BL_MSG_F_PLAIN) && frame_is_whole(fr) &&
		   fr->bin.len <= f->room_max && n <= UINT16_MAX) &&
	    likely(pframe_send_whole(lc, f))) {
		pframe_start_run(lc, f, fr->bin.m, fr->bin.off, fr);
		f->by_ref = BL_RUN_WHOLE;
		f->room = f->room_max;
		f->msgs_len = fr->bin.len;
		f->n = (uint16_t)n;
		bl_stat_add(&lc->st.ptx_in, n);
		bl_stat_add(&lc->st.ptx_buffered, n);
		return 0;
	}
	return proc_tx_frame_any(lc, lcore, dest, fr);
}
