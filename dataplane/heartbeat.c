/* SPDX-License-Identifier: BSD-3-Clause */
/* Heartbeats between nodes: the control thread's sending and the workers'
 * taking in (see heartbeat.h for the design). */
#include <time.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/heartbeat.h"
#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/nbr_punt.h"
#include "dataplane/router.h"
#include "dataplane/wire.h"

#define HB_MSGS_LEN (BL_WIRE_MSG_HDR_LEN + BL_WIRE_HEARTBEAT_LEN)

uint64_t bl_heartbeat_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Node i's heartbeat: to the first worker's control ring, or to the
 * neighbour table while the node's MAC is not known (it resolves, then
 * sends). False when it could not be built or queued. */
static bool send_one(struct bl_router *r, unsigned i, uint64_t now)
{
	static uint16_t ip_id;
	const struct bl_peer_node *pn = &r->peers.e[i];
	struct bl_peer_live *lv = &r->peers.live[i];
	const struct bl_route_hop *h = &r->routes->hops[pn->hop];
	uint64_t echo = __atomic_load_n(&lv->peer_ns, __ATOMIC_RELAXED);
	uint64_t rx = __atomic_load_n(&lv->rx_ns, __ATOMIC_RELAXED);
	const struct bl_port *out;
	struct bl_wire_hop w;
	struct bl_wire_out o;
	struct rte_mbuf *m;
	uint8_t *p;
	bool known;
	int rc;

	/* Nodes are reached over untagged IPv4 (control/global_names.c). */
	if (h->v6 || h->vlan != 0 || h->port >= r->n_ports || !r->ports[h->port].started)
		return false;
	out = &r->ports[h->port];
	memset(&w, 0, sizeof(w));
	w.src_mac = out->local.mac;
	known = bl_route_hop_mac(r->routes, pn->hop, &w.dst_mac);
	w.src_ip = out->local.ip;
	w.dst_ip = h->dst_ip;
	w.src_port = rte_cpu_to_be_16((uint16_t)(r->conf.udp_port + BL_HEARTBEAT_SPORT));
	w.dst_port = h->dst_udp;
	bl_wire_out_prepare(&o, &w);
	m = rte_pktmbuf_alloc(r->pool);
	if (m == NULL)
		return false;
	p = (uint8_t *)rte_pktmbuf_append(m, BL_WIRE_HDRS_LEN + HB_MSGS_LEN);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return false;
	}
	bl_wire_put_headers_out(p, &o, 1, lv->seq, HB_MSGS_LEN, ip_id++);
	p += BL_WIRE_HDRS_LEN;
	bl_wire_put_msg_hdr(p, BL_WIRE_HEARTBEAT_LEN, BL_WIRE_KIND_HEARTBEAT, 0, 0);
	bl_wire_put_heartbeat(p + BL_WIRE_MSG_HDR_LEN, now, echo,
			      echo != 0 && now > rx ? now - rx : 0);
	m->port = h->port;
	if (known) {
		/* The control thread is the ring's one producer (with nbr.c). */
		rc = rte_ring_sp_enqueue(r->nbr_out, m);
	} else {
		m->hash.usr = bl_nbr_tag_held(pn->hop, 1);
		rc = rte_ring_mp_enqueue(r->nbr_in, m);
	}
	if (rc != 0) {
		rte_pktmbuf_free(m);
		return false;
	}
	lv->seq++; /* only for what left: a gap on the wire is a loss there */
	lv->sent++;
	return true;
}

/* A heartbeat came at rx (this node's clock) within BL_HEARTBEAT_DOWN_MS of now. */
static bool heard_lately(uint64_t rx, uint64_t now)
{
	return now <= rx || now - rx < (uint64_t)BL_HEARTBEAT_DOWN_MS * 1000000u;
}

unsigned bl_heartbeat_tick(struct bl_router *r, uint64_t now_ns)
{
	struct bl_peer_nodes *p = &r->peers;
	unsigned i, sent = 0, n = p->n;

	if (n == 0 || now_ns < p->next_ns || r->nbr_out == NULL || r->nbr_in == NULL)
		return 0;
	p->next_ns = now_ns + (uint64_t)BL_HEARTBEAT_MS * 1000000u;
	for (i = 0; i < n; i++) {
		uint64_t rx = __atomic_load_n(&p->live[i].rx_ns, __ATOMIC_RELAXED);

		/* Down once heard and then silent: what is sent to it is counted
		 * node_down where it would leave, not lost on the wire. */
		__atomic_store_n(&p->hop_down[p->e[i].hop], rx != 0 && !heard_lately(rx, now_ns),
				 __ATOMIC_RELAXED);
		sent += send_one(r, i, now_ns);
	}
	return sent;
}

bool bl_heartbeat_info(const struct bl_router *r, uint32_t ip_be, uint64_t now_ns,
		       struct bl_heartbeat_info *out)
{
	int i = bl_peer_find(&r->peers, ip_be);
	const struct bl_peer_live *lv;
	uint64_t rx;

	if (i < 0)
		return false;
	lv = &r->peers.live[i];
	rx = __atomic_load_n(&lv->rx_ns, __ATOMIC_RELAXED);
	out->sent = __atomic_load_n(&lv->sent, __ATOMIC_RELAXED);
	out->received = __atomic_load_n(&lv->received, __ATOMIC_RELAXED);
	out->rtt_ns = __atomic_load_n(&lv->rtt_ns, __ATOMIC_RELAXED);
	out->age_ms = rx == 0 ? UINT64_MAX : (now_ns > rx ? now_ns - rx : 0) / 1000000u;
	out->up = rx != 0 && heard_lately(rx, now_ns);
	return true;
}

void bl__heartbeat_in(struct bl_lcore *lc, uint32_t src_ip_be, const uint8_t *p, uint32_t len)
{
	struct bl_peer_live *lv;
	uint64_t now, echo, held;
	int i;

	if (len < BL_WIRE_HEARTBEAT_LEN) {
		count_msg_drop(lc, BL_MSG_DROP_BAD_KIND, 1);
		return;
	}
	i = bl_peer_find(&lc->r->peers, src_ip_be);
	if (i < 0) {
		count_msg_drop(lc, BL_MSG_DROP_NODE_UNKNOWN, 1);
		return;
	}
	lv = &lc->r->peers.live[i];
	now = bl_heartbeat_now_ns();
	echo = bl_wire_get64(p + 8);
	held = bl_wire_get64(p + 16);
	/* Workers may each get one of the node's: the last store wins. */
	__atomic_store_n(&lv->peer_ns, bl_wire_get64(p), __ATOMIC_RELAXED);
	__atomic_store_n(&lv->rx_ns, now, __ATOMIC_RELAXED);
	__atomic_fetch_add(&lv->received, 1, __ATOMIC_RELAXED);
	if (echo != 0 && now > echo + held)
		__atomic_store_n(&lv->rtt_ns, now - echo - held, __ATOMIC_RELAXED);
	bl_stat_add(&lc->st.node_heartbeats, 1);
	bl_stat_add(&lc->st.delivered_msgs, 1);
}
