/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table: design note.
 *
 * - One writer, the control thread; it alone resolves, sends, ages and
 *   holds. Entries are keyed by what is resolved: (port, VLAN pair,
 *   family, address). Next hops to resolve (struct bl_route_hop.resolve)
 *   are taken up by a scan of the route table's hops at each tick (4096
 *   slots at most; a hop no route uses any more is let go of), so route
 *   commands need not know about neighbours; hops with the same address
 *   and different UDP ports share one entry.
 * - Publication: a neighbour's MAC is written for each of its hops into
 *   the route table's per-hop word (bl_route_hop_set_nbr), one 64-bit
 *   store with a valid bit, after which the table's generation moves. A
 *   worker reads the word when it prepares a hop's bytes (hop_out) for a
 *   generation and decides from that same read whether the hop's messages
 *   go out (in place, the fast path) or are held, so its verdicts and its
 *   bytes always agree, and a change is seen at the worker's next burst.
 *   The hop itself (struct bl_route_hop) is never written: it stays
 *   immutable while routes reach it, as route.c requires.
 * - States: INCOMPLETE (asked by broadcast or the solicited-node group,
 *   retrans_ms apart, `probes` times) -> REACHABLE on an answer (the MAC is
 *   published, the held frames sent) -> STALE after reachable_ms (the MAC
 *   is still used) -> PROBE after delay_ms (asked again, unicast) ->
 *   REACHABLE on an answer, or FAILED after `probes` unanswered questions
 *   (the MAC is withdrawn). FAILED asks again after retry_ms, or at once
 *   when a frame for it is held. Any ARP or ND packet from the neighbour
 *   that carries its MAC (a reply, its own request, an NS with a source
 *   link-layer option) confirms it.
 * - Holding: a worker that has a frame for a hop whose MAC it does not know
 *   builds the frame whole but for the destination MAC and hands it over
 *   (dataplane/nbr_punt.h). Up to BL_NBR_QUEUE frames wait per neighbour;
 *   more, and whatever waits when it goes FAILED or is let go of, are
 *   dropped and counted as neigh_unresolved. A resolved neighbour's frames
 *   get its MAC and leave through the first worker (nbr_out).
 * - Bounded: BL_NBR_MAX entries, BL_NBR_QUEUE frames each, the rings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/nbr.h"
#include "dataplane/nbr_punt.h"
#include "dataplane/nbr_wire.h"
#include "dataplane/router.h"
#include "dataplane/vlan.h"

const char *const bl_nbr_state_names[BL_NBR_STATE_MAX] = {
	"incomplete", "reachable", "stale", "probe", "failed",
};

struct nbr_key {
	uint16_t port, vlan, vlan_outer;
	bool v6;
	uint32_t ip; /* network order */
	uint8_t ip6[16];
};

struct nbr_ent {
	bool used;
	struct nbr_key k;
	enum bl_nbr_state state;
	bool have_mac;
	struct rte_ether_addr mac;
	uint64_t since_ms; /* last confirmation, or when first asked */
	uint64_t next_ms;  /* the state's next timer */
	uint32_t probes;
	uint32_t hops;
	uint32_t nq, qmsgs;
	struct rte_mbuf *q[BL_NBR_QUEUE];
};

struct bl_nbr {
	struct bl_router *r;
	struct bl_nbr_conf conf;
	struct bl_nbr_stats st;
	uint64_t now;
	int16_t hop_ent[BL_ROUTE_HOP_MAX]; /* entry of each hop taken up, or -1 */
	struct nbr_ent ent[BL_NBR_MAX];
};

void bl_nbr_conf_defaults(struct bl_nbr_conf *c)
{
	c->reachable_ms = 30000;
	c->delay_ms = 5000;
	c->retrans_ms = 1000;
	c->probes = 3;
	c->retry_ms = 10000;
}

uint64_t bl_nbr_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void stat_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

/* ---- keys and our own addresses ------------------------------------------ */

static void key_of_hop(const struct bl_route_hop *h, struct nbr_key *k)
{
	memset(k, 0, sizeof(*k));
	k->port = h->port;
	k->vlan = h->vlan;
	k->vlan_outer = h->vlan_outer;
	k->v6 = h->v6;
	if (h->v6)
		memcpy(k->ip6, h->dst_ip6, 16);
	else
		k->ip = h->dst_ip;
}

static bool key_eq(const struct nbr_key *a, const struct nbr_key *b)
{
	return a->port == b->port && a->vlan == b->vlan && a->vlan_outer == b->vlan_outer &&
	       a->v6 == b->v6 && (a->v6 ? memcmp(a->ip6, b->ip6, 16) == 0 : a->ip == b->ip);
}

/* The router's MAC and addresses on (port, VLAN pair): a VLAN's own where it has them. */
static const struct bl_port *local_of(const struct bl_nbr *nb, uint16_t port, uint16_t outer,
				      uint16_t vid, uint32_t *ip, uint8_t ip6[16])
{
	static const uint8_t unset[16];
	const struct bl_port *p;
	const struct bl_port_vlan *v = NULL;

	if (port >= nb->r->n_ports || !nb->r->ports[port].started)
		return NULL;
	p = &nb->r->ports[port];
	if (outer != 0 || vid != 0) {
		v = bl_port_vlan_find(p->vlans, p->n_vlans, outer, vid);
		if (v == NULL)
			return NULL;
	}
	*ip = v != NULL && v->ip != 0 ? v->ip : p->local.ip;
	memcpy(ip6, v != NULL && memcmp(v->ip6, unset, 16) != 0 ? v->ip6 : p->local6.ip, 16);
	return p;
}

/* ---- sending ---------------------------------------------------------- */

/* Hand m to the first worker, to leave through port. */
static bool send_mbuf(struct bl_nbr *nb, struct rte_mbuf *m, uint16_t port)
{
	m->port = port;
	/* Pairs with the worker's dequeue (bl__nbr_out_drain). */
	if (nb->r->nbr_out == NULL || rte_ring_sp_enqueue(nb->r->nbr_out, m) != 0) {
		rte_pktmbuf_free(m);
		stat_add(&nb->st.tx_full, 1);
		return false;
	}
	return true;
}

/* A frame of ours (untagged bytes f) out of port, on VLAN outer.vid. */
static bool send_frame(struct bl_nbr *nb, uint16_t port, uint16_t outer, uint16_t vid,
		       const uint8_t *f, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(nb->r->pool);
	char *d;

	if (m == NULL) {
		stat_add(&nb->st.tx_full, 1);
		return false;
	}
	d = rte_pktmbuf_append(m, (uint16_t)len);
	if (d != NULL)
		memcpy(d, f, len);
	/* Tags in the frame's bytes: the port's insert offload is the workers'. */
	if (d == NULL || (vid != 0 && bl_wire_vlan_push(m, outer, vid, false) != 0)) {
		rte_pktmbuf_free(m);
		stat_add(&nb->st.tx_full, 1);
		return false;
	}
	return send_mbuf(nb, m, port);
}

/* Ask for e's MAC: broadcast or multicast, or unicast to the MAC it had (a probe). */
static void solicit(struct bl_nbr *nb, struct nbr_ent *e, bool unicast)
{
	uint8_t f[BL_NBR_ND_LEN], ip6[16];
	const struct bl_port *p;
	uint32_t ip;
	size_t len;

	e->probes++;
	p = local_of(nb, e->k.port, e->k.vlan_outer, e->k.vlan, &ip, ip6);
	if (p == NULL)
		return;
	if (e->k.v6)
		len = bl_nbr_wire_ns(f, &p->local.mac, ip6, e->k.ip6, unicast ? &e->mac : NULL);
	else
		len = bl_nbr_wire_arp(f, BL_NBR_ARP_REQUEST, &p->local.mac, ip,
				      unicast ? &e->mac : NULL, e->k.ip);
	if (send_frame(nb, e->k.port, e->k.vlan_outer, e->k.vlan, f, len))
		stat_add(&nb->st.solicits, 1);
}

/* ---- entries -------------------------------------------------------------- */

static void publish(struct bl_nbr *nb, struct nbr_ent *e, const struct rte_ether_addr *mac)
{
	int16_t idx = (int16_t)(e - nb->ent);
	unsigned h;

	for (h = 0; h < nb->r->routes->n_hops; h++)
		if (nb->hop_ent[h] == idx)
			bl_route_hop_set_nbr(nb->r->routes, h, mac);
}

static void drop_queue(struct bl_nbr *nb, struct nbr_ent *e)
{
	uint32_t i;

	for (i = 0; i < e->nq; i++)
		rte_pktmbuf_free(e->q[i]);
	stat_add(&nb->st.unresolved_msgs, e->qmsgs);
	e->nq = e->qmsgs = 0;
}

/* A held frame (its hop's tag in hash.usr) out with e's MAC. */
static void release(struct bl_nbr *nb, struct nbr_ent *e, struct rte_mbuf *m)
{
	uint32_t msgs = (m->hash.usr >> 12) & 0x3FFFF;

	memcpy(rte_pktmbuf_mtod(m, uint8_t *), e->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	if (send_mbuf(nb, m, e->k.port))
		stat_add(&nb->st.released_msgs, msgs);
	else
		stat_add(&nb->st.unresolved_msgs, msgs);
}

static void set_state(struct bl_nbr *nb, struct nbr_ent *e, enum bl_nbr_state s)
{
	e->state = s;
	e->probes = 0;
	switch (s) {
	case BL_NBR_INCOMPLETE:
		e->since_ms = nb->now;
		solicit(nb, e, false);
		e->next_ms = nb->now + nb->conf.retrans_ms;
		break;
	case BL_NBR_REACHABLE:
		e->next_ms = nb->now + nb->conf.reachable_ms;
		break;
	case BL_NBR_STALE:
		e->next_ms = nb->now + nb->conf.delay_ms;
		break;
	case BL_NBR_PROBE:
		solicit(nb, e, true);
		e->next_ms = nb->now + nb->conf.retrans_ms;
		break;
	case BL_NBR_FAILED:
		stat_add(&nb->st.failed, 1);
		if (e->have_mac)
			publish(nb, e, NULL);
		e->have_mac = false;
		drop_queue(nb, e);
		e->next_ms = nb->now + nb->conf.retry_ms;
		break;
	default:
		break;
	}
}

/* e's MAC is mac, said by the neighbour itself just now. */
static void confirm(struct bl_nbr *nb, struct nbr_ent *e, const struct rte_ether_addr *mac)
{
	uint32_t i;

	if (!e->have_mac || !rte_is_same_ether_addr(&e->mac, mac)) {
		e->mac = *mac;
		e->have_mac = true;
		publish(nb, e, mac);
		stat_add(&nb->st.resolved, 1);
	}
	e->since_ms = nb->now;
	set_state(nb, e, BL_NBR_REACHABLE);
	for (i = 0; i < e->nq; i++)
		release(nb, e, e->q[i]);
	e->nq = e->qmsgs = 0;
}

static struct nbr_ent *ent_find(struct bl_nbr *nb, const struct nbr_key *k)
{
	unsigned i;

	for (i = 0; i < BL_NBR_MAX; i++)
		if (nb->ent[i].used && key_eq(&nb->ent[i].k, k))
			return &nb->ent[i];
	return NULL;
}

static struct nbr_ent *ent_new(struct bl_nbr *nb, const struct nbr_key *k)
{
	unsigned i;

	for (i = 0; i < BL_NBR_MAX; i++) {
		struct nbr_ent *e = &nb->ent[i];

		if (!e->used) {
			memset(e, 0, sizeof(*e));
			e->used = true;
			e->k = *k;
			set_state(nb, e, BL_NBR_INCOMPLETE);
			return e;
		}
	}
	return NULL;
}

/* Hop h no longer uses its entry; an entry with no hop is freed. */
static void hop_detach(struct bl_nbr *nb, unsigned h)
{
	struct nbr_ent *e = &nb->ent[nb->hop_ent[h]];

	nb->hop_ent[h] = -1;
	bl_route_hop_set_nbr(nb->r->routes, h, NULL);
	if (--e->hops == 0) {
		drop_queue(nb, e);
		e->used = false;
	}
}

/* Take up the hops to resolve that routes use; let go of the others. */
static void sync_hops(struct bl_nbr *nb)
{
	const struct bl_route_table *t = nb->r->routes;
	unsigned h;

	for (h = 0; h < t->n_hops; h++) {
		const struct bl_route_hop *hop = &t->hops[h];
		bool want = hop->resolve && t->hop_refs[h] > 0;
		struct nbr_key k;
		struct nbr_ent *e;

		if (!want && nb->hop_ent[h] < 0)
			continue;
		key_of_hop(hop, &k);
		if (nb->hop_ent[h] >= 0 && (!want || !key_eq(&nb->ent[nb->hop_ent[h]].k, &k)))
			hop_detach(nb, h); /* unused, or the slot now holds another hop */
		if (!want || nb->hop_ent[h] >= 0)
			continue;
		e = ent_find(nb, &k);
		if (e == NULL)
			e = ent_new(nb, &k);
		if (e == NULL)
			continue; /* full: the hop stays unresolved, its frames dropped */
		nb->hop_ent[h] = (int16_t)(e - nb->ent);
		e->hops++;
		if (e->have_mac)
			bl_route_hop_set_nbr(nb->r->routes, h, &e->mac);
	}
}

/* ---- what the workers hand over ------------------------------------------- */

/* The entry for the sender of msg on (port, VLAN pair), if one is wanted. */
static struct nbr_ent *ent_of_msg(struct bl_nbr *nb, const struct bl_nbr_msg *msg, uint16_t port,
				  uint16_t outer, uint16_t vid)
{
	struct nbr_key k;

	memset(&k, 0, sizeof(k));
	k.port = port;
	k.vlan = vid;
	k.vlan_outer = outer;
	k.v6 = msg->v6;
	if (msg->v6)
		memcpy(k.ip6, msg->ip6, 16);
	else
		k.ip = msg->ip;
	return ent_find(nb, &k);
}

static void handle_pkt(struct bl_nbr *nb, struct rte_mbuf *m)
{
	uint32_t tag = m->hash.usr, ip;
	uint16_t port = (tag >> 24) & 0x3F, outer = (tag >> 12) & 0xFFF, vid = tag & 0xFFF;
	const struct bl_port *p;
	struct bl_nbr_msg msg;
	struct nbr_ent *e;
	uint8_t f[BL_NBR_ND_LEN], ip6[16];
	size_t len = 0;

	stat_add(bl_nbr_tag_kind(tag) == BL_NBR_KIND_ARP ? &nb->st.arp_in : &nb->st.nd_in, 1);
	p = local_of(nb, port, outer, vid, &ip, ip6);
	if (p == NULL || rte_pktmbuf_data_len(m) != rte_pktmbuf_pkt_len(m) ||
	    bl_nbr_wire_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m),
			      &msg) != 0) {
		stat_add(&nb->st.bad_in, 1);
		return;
	}
	/* What it says about its sender: a confirmation of an entry we have.
	 * An advertisement answering a unicast solicitation may leave its
	 * target link-layer option out (RFC 4861 7.2.4; Linux does): it then
	 * confirms the MAC we asked at. */
	if (!msg.unspec_src && (msg.have_mac || msg.op == BL_NBR_ND_NA)) {
		e = ent_of_msg(nb, &msg, port, outer, vid);
		if (e != NULL && msg.have_mac) {
			confirm(nb, e, &msg.mac);
		} else if (e != NULL && e->have_mac && msg.solicited) {
			struct rte_ether_addr known = e->mac;

			confirm(nb, e, &known);
		}
	}
	/* What it asks of us. */
	if (msg.op == BL_NBR_ARP_REQUEST && msg.target_ip == ip && ip != 0 && msg.have_mac &&
	    msg.ip != 0)
		len = bl_nbr_wire_arp(f, BL_NBR_ARP_REPLY, &p->local.mac, ip, &msg.mac, msg.ip);
	else if (msg.op == BL_NBR_ND_NS && memcmp(msg.target6, ip6, 16) == 0)
		len = bl_nbr_wire_na(f, &p->local.mac, ip6, msg.unspec_src ? NULL : msg.ip6,
				     msg.have_mac ? &msg.mac : &msg.eth_src, !msg.unspec_src);
	if (len != 0 && send_frame(nb, port, outer, vid, f, len))
		stat_add(&nb->st.replies, 1);
}

/* A frame held by a worker for hop h: out now if the MAC is known, else queued. */
static void handle_held(struct bl_nbr *nb, struct rte_mbuf *m)
{
	uint32_t tag = m->hash.usr, msgs = (tag >> 12) & 0x3FFFF;
	unsigned h = tag & 0xFFF;
	struct nbr_ent *e;

	stat_add(&nb->st.held_msgs, msgs);
	if (nb->hop_ent[h] < 0)
		sync_hops(nb); /* a route added since the last tick */
	if (nb->hop_ent[h] < 0) {
		stat_add(&nb->st.unresolved_msgs, msgs);
		rte_pktmbuf_free(m);
		return;
	}
	e = &nb->ent[nb->hop_ent[h]];
	if (e->have_mac) { /* the worker's view was older than ours */
		release(nb, e, m);
		return;
	}
	if (e->state == BL_NBR_FAILED)
		set_state(nb, e, BL_NBR_INCOMPLETE); /* traffic asks again at once */
	if (e->nq == BL_NBR_QUEUE) {
		stat_add(&nb->st.unresolved_msgs, msgs);
		rte_pktmbuf_free(m);
		return;
	}
	e->q[e->nq++] = m;
	e->qmsgs += msgs;
}

/* ---- timers ----------------------------------------------------------------- */

static void run_timer(struct bl_nbr *nb, struct nbr_ent *e)
{
	switch (e->state) {
	case BL_NBR_INCOMPLETE:
	case BL_NBR_PROBE:
		if (e->probes < nb->conf.probes) {
			solicit(nb, e, e->state == BL_NBR_PROBE);
			e->next_ms = nb->now + nb->conf.retrans_ms;
		} else {
			set_state(nb, e, BL_NBR_FAILED);
		}
		break;
	case BL_NBR_REACHABLE:
		set_state(nb, e, BL_NBR_STALE);
		break;
	case BL_NBR_STALE:
		set_state(nb, e, BL_NBR_PROBE);
		break;
	case BL_NBR_FAILED:
		set_state(nb, e, BL_NBR_INCOMPLETE);
		break;
	default:
		break;
	}
}

unsigned bl_nbr_tick(struct bl_nbr *nb, uint64_t now_ms)
{
	struct rte_mbuf *pkts[32];
	unsigned n, i, work = 0;

	nb->now = now_ms;
	sync_hops(nb);
	while (nb->r->nbr_in != NULL &&
	       (n = rte_ring_sc_dequeue_burst(nb->r->nbr_in, (void **)pkts, 32, NULL)) > 0) {
		for (i = 0; i < n; i++) {
			if (bl_nbr_tag_kind(pkts[i]->hash.usr) == BL_NBR_KIND_HELD) {
				handle_held(nb, pkts[i]);
			} else {
				handle_pkt(nb, pkts[i]);
				rte_pktmbuf_free(pkts[i]);
			}
		}
		work += n;
		if (work >= 4 * BL_NBR_RING)
			break; /* the rest at the next tick: the socket waits meanwhile */
	}
	for (i = 0; i < BL_NBR_MAX; i++) {
		struct nbr_ent *e = &nb->ent[i];

		if (e->used && now_ms >= e->next_ms) {
			run_timer(nb, e);
			work++;
		}
	}
	return work;
}

/* ---- life and listing ------------------------------------------------------ */

struct bl_nbr *bl_nbr_create(struct bl_router *r, const struct bl_nbr_conf *conf)
{
	struct bl_nbr *nb = calloc(1, sizeof(*nb));
	unsigned h;

	if (nb == NULL)
		return NULL;
	nb->r = r;
	nb->conf = *conf;
	if (nb->conf.probes == 0)
		nb->conf.probes = 1;
	if (nb->conf.delay_ms > nb->conf.reachable_ms) /* short timers (tests) age quickly */
		nb->conf.delay_ms = nb->conf.reachable_ms;
	for (h = 0; h < BL_ROUTE_HOP_MAX; h++)
		nb->hop_ent[h] = -1;
	nb->now = bl_nbr_now_ms();
	return nb;
}

void bl_nbr_destroy(struct bl_nbr *nb)
{
	unsigned i;

	if (nb == NULL)
		return;
	for (i = 0; i < BL_NBR_MAX; i++)
		if (nb->ent[i].used)
			drop_queue(nb, &nb->ent[i]);
	free(nb);
}

size_t bl_nbr_list(const struct bl_nbr *nb, uint64_t now_ms, struct bl_nbr_info *out, size_t max)
{
	size_t n = 0;
	unsigned i;

	for (i = 0; i < BL_NBR_MAX && n < max; i++) {
		const struct nbr_ent *e = &nb->ent[i];
		struct bl_nbr_info *o = &out[n];

		if (!e->used)
			continue;
		memset(o, 0, sizeof(*o));
		o->port = e->k.port;
		o->vlan = e->k.vlan;
		o->vlan_outer = e->k.vlan_outer;
		o->v6 = e->k.v6;
		o->ip = e->k.ip;
		memcpy(o->ip6, e->k.ip6, 16);
		o->have_mac = e->have_mac;
		o->mac = e->mac;
		o->state = e->state;
		o->age_ms = now_ms > e->since_ms ? now_ms - e->since_ms : 0;
		o->probes = e->probes;
		o->queued = e->nq;
		o->queued_msg = e->qmsgs;
		o->hops = e->hops;
		n++;
	}
	return n;
}

bool bl_nbr_hop_state(const struct bl_nbr *nb, unsigned h, enum bl_nbr_state *st)
{
	if (nb == NULL || h >= BL_ROUTE_HOP_MAX || nb->hop_ent[h] < 0)
		return false;
	*st = nb->ent[nb->hop_ent[h]].state;
	return true;
}

const struct bl_nbr_stats *bl_nbr_stats(const struct bl_nbr *nb)
{
	return &nb->st;
}
