/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path of a worker lcore: design note.
 *
 * Per loop: rx burst on each owned queue -> for each packet, parse and check
 * everything (dataplane/wire.h) -> look every message's key up (QSBR read,
 * no cost) -> decide where each message goes -> transmit -> once per loop,
 * flush TX buffers on timeout and report a quiescent state.
 *
 * Where messages go:
 *  - all to one next hop (the common case): the received mbuf is rewritten
 *    in place (addresses, TTL, IPv4 checksum, our seq) and queued: no copy,
 *    no allocation;
 *  - all dropped: the mbuf is freed, each message counted by reason;
 *  - mixed: one new frame per next hop. Its headers go in a fresh mbuf; the
 *    messages follow, copied into it when the run is short (a copy of a few
 *    hundred bytes beats an extra descriptor), or by reference (an indirect
 *    mbuf attached to the received one) when the run is long and the port
 *    takes chains. The received mbuf is freed; indirect segments keep its
 *    buffer alive until they are sent.
 *
 * Accounting, at every moment, per lcore:
 *   rx_pkts = acc_pkts + drop_pkts,
 *   rx_msgs = fwd_msgs + drop_msgs + buffered_msgs.
 * A message is counted forwarded only when the TX queue has taken its packet.
 *
 * Outgoing seq: one counter per (lcore, hop); the source UDP port is the
 * router's UDP port + the worker index, so each receiver sees one gapless
 * stream per (router lcore, hop) unless the router itself drops.
 */
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "actors/group.h"
#include "actors/registry.h"
#include "actors/sched.h"
#include "dataplane/classify.h"
#include "dataplane/deliver.h"
#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/neigh.h"
#include "dataplane/router.h"
#include "dataplane/split.h"
#include "dataplane/txbuf.h"
#include "dataplane/verdict.h"
#include "dataplane/wire.h"

/* ---- frames built from process-sent messages ---- */

static inline void ptx_drop(struct bl_lcore *lc, enum bl_ptx_drop why, uint64_t n)
{
	bl_stat_add(&lc->st.ptx_drops[why], n);
	bl_stat_add(&lc->st.ptx_drop_msgs, n);
}

/*
 * Make f's reference to its mbuf its own. A lent one is, once the lending
 * frame turn is over; before that, the node gets its reference back and f
 * takes one of its own, so the mbuf is shared and its run is copied.
 */
static inline void pframe_own(struct bl_lcore *lc, struct bl_pframe *f)
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

	pframe_own(lc, f);
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

static void pframe_close(struct bl_lcore *lc, struct bl_pframe *f)
{
	uint8_t *hdr;

	if (f->by_ref) {
		struct rte_mbuf *m = f->m;

		pframe_own(lc, f);
		if (rte_mbuf_refcnt_read(m) == 1) {
			f->by_ref = 0;
			bl_stat_add(&lc->st.ptx_inplace, 1);
			if (f->run_off == BL_WIRE_HDRS_LEN &&
			    m->data_len == BL_WIRE_HDRS_LEN + f->msgs_len) {
				/* The run is all of the received frame (20-byte IPv4
				 * header, every message, nothing after): its checked
				 * headers take the fast path's rewrite. */
				struct bl_pkt pk = { .l3_off = BL_WIRE_ETH_LEN,
						     .frame_off =
							 BL_WIRE_HDRS_LEN - BL_WIRE_FRAME_HDR_LEN };

				bl_wire_rewrite_out(m, &pk, &f->o, *f->seq);
				goto queue;
			}
			/* Ours alone: new headers right before the run, nothing after it. */
			rte_pktmbuf_adj(m, (uint16_t)(f->run_off - BL_WIRE_HDRS_LEN));
			rte_pktmbuf_trim(m,
					 (uint16_t)(m->data_len - BL_WIRE_HDRS_LEN - f->msgs_len));
		} else if (pframe_materialize(lc, f) != 0) {
			return;
		}
	}
	hdr = rte_pktmbuf_mtod(f->m, uint8_t *);
	bl_wire_put_headers_out(hdr, &f->o, f->n, *f->seq, f->msgs_len, lc->ip_id++);
queue:
	*f->seq += f->n;
	bl_stat_add(&lc->st.ptx_frames, 1);
	tx_enqueue_proc(lc, f->port, f->m, f->n);
	f->m = NULL;
}

void bl_lcore_close_frames(struct bl_lcore *lc)
{
	uint32_t i;

	for (i = 0; i < lc->n_pf; i++)
		pframe_close(lc, &lc->pf[i]);
	lc->n_pf = 0;
}

/* Most message bytes a frame out of `port` may hold (the port's MTU). */
static inline uint32_t pframe_room(const struct bl_lcore *lc, uint16_t port)
{
	return lc->r->ports[port].mtu - (BL_WIRE_HDRS_LEN - BL_WIRE_ETH_LEN);
}

/*
 * An empty in-place run at run_off in the received mbuf m, with a reference
 * of its own, or the one of frame node `node` (when not NULL) if the
 * scheduler lends it.
 */
static inline void pframe_start_run(struct bl_lcore *lc, struct bl_pframe *f, struct rte_mbuf *m,
				    uint32_t run_off, const struct bl_msg *node)
{
	f->m = m;
	f->lent = node != NULL && bl_sched_lend_frame(lc->sched, node, &f->lend_turn);
	if (f->lent)
		f->lend_node = node;
	else
		rte_mbuf_refcnt_update(m, 1);
	f->by_ref = 1;
	f->run_off = run_off;
	f->n = 0;
	f->msgs_len = 0;
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
		hop_addresses(lc, h, &w);
		f->port = h->port;
		f->seq = &lc->hout[hop].seq;
	} else {
		uint32_t ip = (uint32_t)dest;
		uint16_t udp = (uint16_t)(dest >> 32);
		uint16_t port = (uint16_t)((dest >> 48) & 0xff);
		unsigned worker = (unsigned)(dest >> 56) & 0x7f;
		uint32_t slot;

		if (worker >= r->n_workers || ip == 0 || udp == 0)
			return BL_PTX_DROP_BAD_DEST + 1;
		if (port >= r->n_ports || !r->ports[port].started)
			return BL_PTX_DROP_PORT_DOWN + 1;
		out = &r->ports[port];
		if (bl_lcore_neigh_get(r->workers[worker], ip, port, &w.dst_mac) != 0)
			return BL_PTX_DROP_NO_NEIGHBOUR + 1;
		w.src_mac = out->local.mac;
		w.src_ip = out->local.ip;
		w.dst_ip = ip;
		w.src_port = rte_cpu_to_be_16((uint16_t)(r->conf.udp_port + lc->worker));
		w.dst_port = udp;
		f->port = port;
		slot = (uint32_t)(mix64(dest) & (BL_RSEQ_SIZE - 1));
		if (lc->rseq[slot].dest != dest) {
			/* A new answer stream (or one pushed out of the table). */
			lc->rseq[slot].dest = dest;
			lc->rseq[slot].seq = 0;
		}
		f->seq = &lc->rseq[slot].seq;
	}
	bl_wire_out_prepare(&f->o, &w);
	f->room = pframe_room(lc, f->port);
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

int bl_lcore_proc_tx(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *m)
{
	struct bl_lcore *lc = arg;
	uint32_t len = bl_msg_len(m), need = BL_WIRE_MSG_HDR_LEN + len, i;
	struct bl_pframe *f = NULL;
	uint8_t *p;
	int why;

	(void)lcore;
	bl_stat_add(&lc->st.ptx_in, 1);
	for (i = 0; i < lc->n_pf; i++) {
		if (lc->pf[i].dest == dest) {
			f = &lc->pf[i];
			break;
		}
	}
	if (f != NULL && f->by_ref && !run_continues(f, m)) {
		if (m->bin.m != f->m) {
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
		bool in_place = msg_in_place(m);

		f = pframe_open(lc, dest, in_place ? m->bin.m : NULL,
				m->bin.off - BL_WIRE_MSG_HDR_LEN, NULL, &why);
		if (f == NULL) {
			ptx_drop(lc, (enum bl_ptx_drop)why, 1);
			return -ENOBUFS;
		}
	}
	if (unlikely(need > f->room)) {
		ptx_drop(lc, BL_PTX_DROP_TOO_BIG, 1);
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
	bl_wire_put_msg_hdr(p, len, BL_WIRE_KIND_DATA, 0, m->key);
	if (len != 0)
		memcpy(p + BL_WIRE_MSG_HDR_LEN, bl_msg_data(m), len);
	f->msgs_len += need;
	f->n++;
	bl_stat_add(&lc->st.ptx_buffered, 1);
	return 0;
}

/* A frame that cannot leave whole: its messages one by one. */
static __rte_noinline int proc_tx_frame_each(struct bl_lcore *lc, uint32_t lcore, uint64_t dest,
					     const struct bl_msg *fr)
{
	struct bl_frame_iter it;
	struct bl_msg v;
	int refused = 0;

	bl_frame_iter_init(&it, fr);
	while (bl_frame_next(&it, &v))
		refused += bl_lcore_proc_tx(lc, lcore, dest, &v) != 0;
	return refused;
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
		f->room = pframe_room(lc, f->port);
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
		pframe_own(lc, f);
		rte_pktmbuf_free(f->m);
		f->m = NULL;
		pframe_remove(lc, f);
		goto one_by_one;
	}
	bl_stat_add(&lc->st.ptx_in, n);
	bl_stat_add(&lc->st.ptx_buffered, n);
	f->msgs_len = fr->bin.len;
	f->n = (uint16_t)n;
	return 0;

one_by_one:
	return proc_tx_frame_each(lc, lcore, dest, fr);
}

/* What a burst keeps while its packets are handled: a copy of what the
 * input port accepts (a copy no packet store can alias, so it stays in
 * registers or on the stack), and the accepted packets and their messages,
 * counted once per burst. */
struct burst_acc {
	struct bl_wire_local local;
	uint32_t pkts;
	uint32_t msgs;
};

static inline void handle_pkt(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf *m,
			      struct burst_acc *acc)
{
	uint16_t *tgt = lc->tgt; /* not on the stack: 8 KiB would be probed page by page */
	enum bl_pkt_drop bad;
	struct bl_pkt pkt;
	const uint8_t *frame;
	uint16_t common = TGT_DONE, i, count;

	bad = bl_wire_parse_hdrs(m, &acc->local, &pkt);
	if (likely(bad == BL_PKT_DROP_NONE)) {
		enum bl_wire_status st;

		frame = rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt.frame_off);
		st = classify(lc, m, frame, pkt.frame_len, pkt.fr.count, tgt, &common);
		if (unlikely(st != BL_WIRE_OK))
			bad = bl_pkt_drop_from_wire(st);
	}
	if (unlikely(bad != BL_PKT_DROP_NONE)) {
		bl_stat_add(&lc->st.pkt_drops[bad], 1);
		bl_stat_add(&lc->st.drop_pkts, 1);
		rte_pktmbuf_free(m);
		return;
	}
	count = pkt.fr.count;
	acc->pkts++;
	acc->msgs += count;
	bl_seq_observe(lc->seq, pkt.src_ip, pkt.src_port, pkt.fr.seq, count);

	if (likely(common < TGT_PROC)) {
		struct bl_hop_out *out = hop_out(lc, common);

		bl_wire_rewrite_out(m, &pkt, &out->o, out->seq);
		out->seq += count;
		tx_enqueue(lc, out->port, m, count);
		return;
	}
	if (common != TGT_DONE && (common & TGT_DROP)) { /* every message dropped for one reason */
		count_msg_drop(lc, (enum bl_msg_drop)(common & ~TGT_DROP), count);
		rte_pktmbuf_free(m);
		return;
	}
	if (common != TGT_DONE &&
	    deliver_frame(lc, in_port, m, &pkt, (uint16_t)(common & ~TGT_PROC), count))
		return; /* the mailbox entry has our reference */
	/* Mixed, or for processes: drops and deliveries, then one frame per next hop. */
	if (common != TGT_DONE) /* one target: classify left tgt unwritten */
		for (i = 0; i < count; i++)
			tgt[i] = common;
	dispatch_mixed(lc, in_port, m, &pkt, tgt, count);
	if (common != TGT_DONE) { /* all for processes: nothing left to send */
		rte_pktmbuf_free(m);
		return;
	}
	for (i = 0; i < count; i++)
		if (tgt[i] != TGT_DONE)
			split_one(lc, m, &pkt, tgt, count, tgt[i]);
	rte_pktmbuf_free(m); /* indirect segments keep its buffer while they need it */
}

/*
 * The first lines of a packet, a few packets ahead: the headers and the first
 * message headers, which the walk reads with dependent loads. The lines after
 * them are read in address order, which the CPU's own stream prefetcher
 * follows; a prefetch per line cost more instructions than it saved.
 */
#define BL_PREFETCH_AHEAD 3u /* packets */

static inline void prefetch_pkt(const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	rte_prefetch0(d);
	rte_prefetch0(d + RTE_CACHE_LINE_SIZE);
	rte_prefetch0(d + 2 * RTE_CACHE_LINE_SIZE);
}

/* Packets pkts[from..to) of a burst of n, each with the one a few ahead
 * prefetched. */
static __rte_always_inline void handle_pkts(struct bl_lcore *lc, uint16_t in_port,
					    struct rte_mbuf **pkts, uint16_t from, uint16_t to,
					    uint16_t n, struct burst_acc *acc)
{
	uint16_t i;

	for (i = from; i < to; i++) {
		if (i + BL_PREFETCH_AHEAD < n)
			prefetch_pkt(pkts[i + BL_PREFETCH_AHEAD]);
		handle_pkt(lc, in_port, pkts[i], acc);
	}
}

/* A burst with its keys looked up a group ahead (see struct prefill). */
static __rte_noinline void rx_burst_prefilled(struct bl_lcore *lc, uint16_t in_port,
					      struct rte_mbuf **pkts, uint16_t n,
					      struct burst_acc *acc)
{
	struct prefill pf[2];
	uint16_t from = 0, to, next;
	unsigned g = 0;

	lc->vmiss = 0;
	to = prefill_start(lc, &pf[0], pkts, 0, n);
	for (; from < n; from = to, to = next, g ^= 1) {
		next = to < n ? prefill_start(lc, &pf[g ^ 1], pkts, to, n) : n;
		prefill_finish(lc, &pf[g]);
		handle_pkts(lc, in_port, pkts, from, to, n, acc);
		prefill_undo(lc, &pf[g]);
	}
}

void bl_lcore_rx_burst(struct bl_lcore *lc, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n)
{
	struct burst_acc acc = { .local = lc->r->ports[in_port].local };
	uint16_t i;

	bl_stat_add(&lc->st.rx_pkts, n);
	verdict_cache_sync(lc);
	for (i = 0; i < n && i < BL_PREFETCH_AHEAD; i++)
		prefetch_pkt(pkts[i]);
	if (unlikely(lc->vmiss >= BL_PREFILL_MIN)) {
		rx_burst_prefilled(lc, in_port, pkts, n, &acc);
	} else {
		lc->vmiss = 0;
		handle_pkts(lc, in_port, pkts, 0, n, n, &acc);
	}
	/* Counted once a burst: the identities hold between bursts (a reader
	 * in the middle of one may see rx_msgs trail what already left). */
	bl_stat_add(&lc->st.acc_pkts, acc.pkts);
	bl_stat_add(&lc->st.rx_msgs, acc.msgs);
}

/*
 * Idle back-off: after BL_IDLE_SPIN empty loops in a row the lcore sleeps,
 * starting at 1 us and doubling up to the router's idle_sleep_us, RCU-offline
 * while it sleeps so the control plane's grace periods never wait for it.
 * Any work resets it.
 */
#define BL_IDLE_SPIN   4096u
#define BL_SCHED_TURNS 256u /* process turns per scheduler pass */
#define BL_RX_SKIP_MAX 4u   /* slices the processes may take before polling again */

static void idle_backoff(struct bl_lcore *lc)
{
	struct timespec ts;
	uint32_t max = lc->r->conf.idle_sleep_us;

	if (max == 0 || ++lc->idle_loops < BL_IDLE_SPIN) {
		rte_pause();
		return;
	}
	lc->sleep_us = lc->sleep_us == 0 ? 1 : lc->sleep_us * 2;
	if (lc->sleep_us > max)
		lc->sleep_us = max;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)lc->sleep_us * 1000;
	rcu_thread_offline();
	nanosleep(&ts, NULL);
	rcu_thread_online();
	bl_stat_add(&lc->st.sleeps, 1);
}

int bl_lcore_main(void *arg)
{
	struct bl_lcore *lc = arg;
	struct bl_router *r = lc->r;
	struct rte_mbuf *pkts[BL_RX_BURST];
	uint64_t t0;

	rcu_register_thread();
	lc->last_drain = rte_rdtsc();
	t0 = lc->last_drain;
	while (!__atomic_load_n(&r->quit, __ATOMIC_RELAXED)) {
		uint32_t got = 0, work;
		uint16_t q, n;
		uint64_t now;

		/*
		 * Back-pressure: while the processes are behind (work left after
		 * a whole slice), take no new packets for up to BL_RX_SKIP_MAX
		 * loops: what cannot be handled is better left to the port (which
		 * counts it as missed) than delivered and dropped at a full
		 * mailbox. Polling resumes at least every BL_RX_SKIP_MAX slices.
		 */
		if (unlikely(lc->backlog) && lc->rx_skips < BL_RX_SKIP_MAX) {
			lc->rx_skips++;
			bl_stat_add(&lc->st.rx_skips, 1);
		} else {
			lc->rx_skips = 0;
			for (q = 0; q < lc->n_rx; q++) {
				n = rte_eth_rx_burst(lc->rx[q].port, lc->rx[q].queue, pkts,
						     BL_RX_BURST);
				if (n > 0) {
					bl_lcore_rx_burst(lc, lc->rx[q].port, pkts, n);
					bl_stat_add(&lc->st.rx_bursts, 1);
					got += n;
				}
			}
		}
		work = got;
		if (lc->sched != NULL) {
			/*
			 * The processes run here, between two polls, until they have
			 * nothing left or their time slice is used (a fan-out burst
			 * can be thousands of turns); what they send leaves in frames
			 * closed at the end of their pass. The slice is timed from
			 * the end of the first pass: an idle scheduler (the fast
			 * path's usual case) never reads the clock.
			 */
			unsigned w = bl_sched_run(lc->sched, BL_SCHED_TURNS);

			work += w;
			if (w != 0) {
				uint64_t until = rte_rdtsc() + lc->sched_tsc;

				do {
					w = bl_sched_run(lc->sched, BL_SCHED_TURNS);
					work += w;
				} while (w != 0 && rte_rdtsc() < until);
			}
			lc->backlog = w != 0;
			if (lc->n_pf != 0)
				bl_lcore_close_frames(lc);
		}
		now = rte_rdtsc();
		if (got == 0 || now - lc->last_drain >= lc->drain_tsc) {
			bl_lcore_flush(lc);
			lc->last_drain = now;
		}
		bl_stat_add(&lc->st.loops, 1);
		if (work) {
			bl_stat_add(&lc->st.busy_loops, 1);
			bl_stat_add(&lc->st.busy_tsc, now - t0);
		}
		/* Route entries read above are no longer used past this point. */
		rcu_quiescent_state();
		if (work == 0) {
			idle_backoff(lc);
			now = rte_rdtsc();
			bl_stat_add(&lc->st.idle_tsc, now - t0);
		} else {
			lc->idle_loops = 0;
			lc->sleep_us = 0;
		}
		t0 = now;
	}
	if (lc->sched != NULL) {
		bl_sched_flush(lc->sched);
		bl_lcore_close_frames(lc);
	}
	bl_lcore_flush(lc);
	rcu_unregister_thread();
	return 0;
}
