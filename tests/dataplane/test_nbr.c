/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table (dataplane/nbr.[ch], nbr_punt.[ch], nbr_wire.[ch]) on
 * a router over one net_ring port (its TX ring is its RX ring, so what the
 * router sends is read back). The test thread drives the first worker's
 * context (bl_lcore_rx_burst, bl_lcore_flush) and the table's tick with a
 * clock of its own, so every step is deterministic: ARP and ND answered,
 * next hops resolved by ARP and by ND with frames held meanwhile, aging
 * (reachable, stale, probe, failed), held frames dropped as
 * neigh_unresolved, the punt ring's bound, static MACs untouched, and
 * every mbuf back in the pool at the end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/lcore.h"
#include "dataplane/nbr.h"
#include "dataplane/nbr_punt.h"
#include "dataplane/nbr_wire.h"
#include "dataplane/router.h"
#include "dataplane/wire.h"

static struct bl_router *R;
static struct bl_lcore *LC;
static uint64_t T; /* the table's clock, ms */

static const struct rte_ether_addr HOST = { { 0x02, 0, 0, 0, 0, 0x20 } };
#define HOST_IP	 RTE_BE32(0x0a000014u) /* 10.0.0.20 */
#define OTHER_IP RTE_BE32(0x0a000015u) /* 10.0.0.21, never answers */
static const uint8_t HOST6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20 };

/* ---- helpers -------------------------------------------------------------- */

static struct rte_mbuf *mbuf_of(const uint8_t *f, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(R->pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	return m;
}

static void rx(struct rte_mbuf *m)
{
	bl_lcore_rx_burst(LC, 0, &m, 1);
}

static void tick(uint64_t advance_ms)
{
	T += advance_ms;
	bl_nbr_tick(R->nbr, T);
	bl_lcore_flush(LC); /* sends what the table queued for the wire */
}

/* Frames the router sent, copied out (at most max, each up to 256 bytes). */
struct frame {
	uint8_t b[256];
	size_t len;
};

static unsigned read_frames(struct frame *f, unsigned max)
{
	struct rte_mbuf *pkts[32];
	unsigned n = 0;
	uint16_t got, k;

	while ((got = rte_eth_rx_burst(0, 0, pkts, 32)) > 0) {
		for (k = 0; k < got; k++) {
			if (n < max) {
				const uint8_t *d;

				f[n].len = RTE_MIN(rte_pktmbuf_pkt_len(pkts[k]), sizeof(f[n].b));
				d = rte_pktmbuf_read(pkts[k], 0, (uint32_t)f[n].len, f[n].b);
				if (d != f[n].b)
					memcpy(f[n].b, d, f[n].len);
				n++;
			}
			rte_pktmbuf_free(pkts[k]);
		}
	}
	return n;
}

static void route_resolve(uint64_t key, bool v6, uint32_t ip_be, const uint8_t ip6[16])
{
	struct bl_route_spec s;

	memset(&s, 0, sizeof(s));
	s.action = BL_ROUTE_FORWARD;
	s.hop.port = 0;
	s.hop.udp = 7447;
	s.hop.resolve = true;
	s.hop.v6 = v6;
	if (v6)
		memcpy(s.hop.ip6, ip6, 16);
	else
		s.hop.ip = rte_be_to_cpu_32(ip_be);
	assert_true(bl_route_add(R->routes, key, &s) >= 0);
}

/* A frame of one 8-byte message for key, to the router's port 0. */
static struct rte_mbuf *data_pkt(uint64_t key)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(R->pool);
	struct bl_wire_hop to_us;
	uint8_t *p;

	assert_non_null(m);
	memset(&to_us, 0, sizeof(to_us));
	to_us.dst_mac = R->ports[0].local.mac;
	to_us.src_mac.addr_bytes[0] = 0x02;
	to_us.src_mac.addr_bytes[5] = 0x77;
	to_us.src_ip = rte_cpu_to_be_32(0x0a010001);
	to_us.dst_ip = R->ports[0].local.ip;
	to_us.src_port = rte_cpu_to_be_16(40000);
	to_us.dst_port = R->ports[0].local.udp_port;
	p = (uint8_t *)rte_pktmbuf_append(m, BL_WIRE_HDRS_LEN + BL_WIRE_MSG_HDR_LEN + 8);
	assert_non_null(p);
	bl_wire_put_headers(p, &to_us, 1, 1, BL_WIRE_MSG_HDR_LEN + 8, 1);
	bl_wire_put_msg_hdr(p + BL_WIRE_HDRS_LEN, 8, 0, 0, key);
	memset(p + BL_WIRE_HDRS_LEN + BL_WIRE_MSG_HDR_LEN, 0xab, 8);
	return m;
}

static struct rte_mbuf *arp_from_host(enum bl_nbr_op op, uint32_t target)
{
	uint8_t f[BL_NBR_MIN_FRAME];
	size_t n = bl_nbr_wire_arp(f, op, &HOST, HOST_IP,
				   op == BL_NBR_ARP_REPLY ? &R->ports[0].local.mac : NULL, target);

	return mbuf_of(f, n);
}

static enum bl_nbr_state hop_state(uint64_t key)
{
	struct bl_route r = { 0 };
	enum bl_nbr_state st = BL_NBR_STATE_MAX;

	assert_true(bl_route_lookup(R->routes, key, &r));
	assert_true(bl_nbr_hop_state(R->nbr, r.hop, &st));
	return st;
}

static bool hop_mac(uint64_t key, struct rte_ether_addr *mac)
{
	struct bl_route r = { 0 };

	assert_true(bl_route_lookup(R->routes, key, &r));
	return bl_route_hop_mac(R->routes, r.hop, mac);
}

/* rx_msgs = fwd + drop + buffered + delivered + held, between bursts. */
static void check_identity(void)
{
	const struct bl_lcore_stats *s = &LC->st;

	assert_int_equal(s->rx_pkts, s->acc_pkts + s->drop_pkts);
	assert_int_equal(s->rx_msgs, s->fwd_msgs + s->drop_msgs + s->buffered_msgs +
					 s->delivered_msgs + s->neigh_held);
}

/* ---- wire ----------------------------------------------------------------- */

static void test_wire(void **state)
{
	uint8_t f[BL_NBR_ND_LEN];
	struct bl_nbr_msg m;
	size_t n;

	(void)state;
	n = bl_nbr_wire_arp(f, BL_NBR_ARP_REQUEST, &HOST, HOST_IP, NULL, OTHER_IP);
	assert_int_equal(n, BL_NBR_MIN_FRAME);
	assert_int_equal(bl_nbr_wire_parse(f, n, &m), 0);
	assert_int_equal(m.op, BL_NBR_ARP_REQUEST);
	assert_true(m.have_mac && rte_is_same_ether_addr(&m.mac, &HOST));
	assert_int_equal(m.ip, HOST_IP);
	assert_int_equal(m.target_ip, OTHER_IP);
	assert_int_equal(bl_nbr_wire_parse(f, 41, &m), -EINVAL); /* cut short */
	f[14 + 5] = 16;						 /* plen: not IPv4 */
	assert_int_equal(bl_nbr_wire_parse(f, n, &m), -EINVAL);

	n = bl_nbr_wire_ns(f, &HOST, HOST6, R->ports[0].local6.ip, NULL);
	assert_int_equal(bl_nbr_wire_parse(f, n, &m), 0);
	assert_int_equal(m.op, BL_NBR_ND_NS);
	assert_memory_equal(m.target6, R->ports[0].local6.ip, 16);
	assert_memory_equal(m.ip6, HOST6, 16);
	assert_true(m.have_mac && rte_is_same_ether_addr(&m.mac, &HOST));
	assert_int_equal(f[0], 0x33); /* the solicited-node group */
	assert_int_equal(f[5], R->ports[0].local6.ip[15]);
	f[14 + 40 + 10] ^= 1; /* the target: the checksum no longer holds */
	assert_int_equal(bl_nbr_wire_parse(f, n, &m), -EINVAL);
	f[14 + 40 + 10] ^= 1;
	f[14 + 7] = 64; /* hop limit not 255: from beyond the link */
	assert_int_equal(bl_nbr_wire_parse(f, n, &m), -EINVAL);
	f[14 + 7] = 255;
	f[14 + 40 + 25] = 0; /* an option of length 0 */
	assert_int_equal(bl_nbr_wire_parse(f, n, &m), -EINVAL);

	n = bl_nbr_wire_na(f, &HOST, HOST6, R->ports[0].local6.ip, &R->ports[0].local.mac, true);
	assert_int_equal(bl_nbr_wire_parse(f, n, &m), 0);
	assert_int_equal(m.op, BL_NBR_ND_NA);
	assert_true(m.solicited && m.have_mac && rte_is_same_ether_addr(&m.mac, &HOST));
	assert_memory_equal(m.ip6, HOST6, 16);
	assert_false(bl_nbr_wire_is_nd(f, 30));
	assert_int_equal(bl_nbr_wire_parse(f, 10, &m), -EINVAL);
}

/* ---- answers -------------------------------------------------------------- */

static void test_arp_answered(void **state)
{
	struct frame fr[4];
	struct bl_nbr_msg m;
	uint64_t punts = LC->st.neigh_punts, replies = bl_nbr_stats(R->nbr)->replies;

	(void)state;
	rx(arp_from_host(BL_NBR_ARP_REQUEST, R->ports[0].local.ip));
	rx(arp_from_host(BL_NBR_ARP_REQUEST, OTHER_IP)); /* not ours: no answer */
	assert_int_equal(LC->st.neigh_punts, punts + 2);
	check_identity();
	tick(1);
	assert_int_equal(read_frames(fr, 4), 1);
	assert_memory_equal(fr[0].b, HOST.addr_bytes, 6);
	assert_int_equal(bl_nbr_wire_parse(fr[0].b, fr[0].len, &m), 0);
	assert_int_equal(m.op, BL_NBR_ARP_REPLY);
	assert_true(rte_is_same_ether_addr(&m.mac, &R->ports[0].local.mac));
	assert_int_equal(m.ip, R->ports[0].local.ip);
	assert_int_equal(m.target_ip, HOST_IP);
	assert_int_equal(bl_nbr_stats(R->nbr)->replies, replies + 1);
}

static void test_ns_answered(void **state)
{
	uint8_t f[BL_NBR_ND_LEN];
	struct frame fr[4];
	struct bl_nbr_msg m;
	size_t n;

	(void)state;
	n = bl_nbr_wire_ns(f, &HOST, HOST6, R->ports[0].local6.ip, NULL);
	rx(mbuf_of(f, n));
	tick(1);
	assert_int_equal(read_frames(fr, 4), 1);
	assert_memory_equal(fr[0].b, HOST.addr_bytes, 6);
	assert_int_equal(bl_nbr_wire_parse(fr[0].b, fr[0].len, &m), 0);
	assert_int_equal(m.op, BL_NBR_ND_NA);
	assert_true(m.solicited);
	assert_memory_equal(m.target6, R->ports[0].local6.ip, 16);
	/* (net_ring's MAC is all zero: no "have_mac", but the option is there) */
	assert_true(rte_is_same_ether_addr(&m.mac, &R->ports[0].local.mac));
	assert_memory_equal(fr[0].b + 14 + 24, HOST6, 16); /* to the solicitor */
}

/* ---- resolution ------------------------------------------------------------- */

static void test_resolve_arp(void **state)
{
	const struct bl_nbr_stats *st = bl_nbr_stats(R->nbr);
	struct rte_ether_addr mac;
	struct frame fr[8];
	struct bl_nbr_msg m;
	uint64_t held = LC->st.neigh_held, released = st->released_msgs;

	(void)state;
	route_resolve(500, false, HOST_IP, NULL);
	tick(1); /* taken up: asked by broadcast */
	assert_int_equal(hop_state(500), BL_NBR_INCOMPLETE);
	assert_false(hop_mac(500, &mac));
	assert_int_equal(read_frames(fr, 8), 1);
	assert_int_equal(bl_nbr_wire_parse(fr[0].b, fr[0].len, &m), 0);
	assert_int_equal(m.op, BL_NBR_ARP_REQUEST);
	assert_int_equal(m.target_ip, HOST_IP);
	assert_true(rte_is_broadcast_ether_addr((const struct rte_ether_addr *)fr[0].b));

	/* Messages meanwhile are held, not sent with no MAC. */
	rx(data_pkt(500));
	rx(data_pkt(500));
	bl_lcore_flush(LC);
	assert_int_equal(LC->st.neigh_held, held + 2);
	check_identity();
	assert_int_equal(read_frames(fr, 8), 0);

	/* The answer: published, the held frames sent with the MAC. */
	rx(arp_from_host(BL_NBR_ARP_REPLY, R->ports[0].local.ip));
	tick(1);
	assert_int_equal(hop_state(500), BL_NBR_REACHABLE);
	assert_true(hop_mac(500, &mac) && rte_is_same_ether_addr(&mac, &HOST));
	assert_int_equal(st->released_msgs, released + 2);
	assert_int_equal(read_frames(fr, 8), 2);
	assert_memory_equal(fr[0].b, HOST.addr_bytes, 6);
	assert_int_equal(bl_wire_get32(fr[1].b + 14 + 16), rte_be_to_cpu_32(HOST_IP));

	/* From now on the worker sends them itself (the fast path). */
	rx(data_pkt(500));
	bl_lcore_flush(LC);
	assert_int_equal(LC->st.neigh_held, held + 2);
	assert_int_equal(read_frames(fr, 8), 1);
	assert_memory_equal(fr[0].b, HOST.addr_bytes, 6);
	check_identity();
}

static void test_aging(void **state)
{
	const struct bl_nbr_stats *st = bl_nbr_stats(R->nbr);
	const struct bl_nbr_conf *c = &R->conf.nbr;
	struct rte_ether_addr mac;
	struct frame fr[8];
	struct bl_nbr_msg m;
	uint64_t unres = st->unresolved_msgs;
	unsigned i;

	(void)state;
	tick(c->reachable_ms);
	assert_int_equal(hop_state(500), BL_NBR_STALE);
	assert_true(hop_mac(500, &mac)); /* still used */
	tick(c->reachable_ms);		 /* the delay (no longer than reachable) */
	assert_int_equal(hop_state(500), BL_NBR_PROBE);
	assert_int_equal(read_frames(fr, 8), 1); /* a unicast probe */
	assert_memory_equal(fr[0].b, HOST.addr_bytes, 6);
	assert_int_equal(bl_nbr_wire_parse(fr[0].b, fr[0].len, &m), 0);
	assert_int_equal(m.op, BL_NBR_ARP_REQUEST);

	/* An answer refreshes it. */
	rx(arp_from_host(BL_NBR_ARP_REPLY, R->ports[0].local.ip));
	tick(1);
	assert_int_equal(hop_state(500), BL_NBR_REACHABLE);

	/* No answer: failed after `probes` questions, the MAC withdrawn. */
	tick(c->reachable_ms);
	tick(c->reachable_ms);
	for (i = 0; i < c->probes; i++)
		tick(c->retrans_ms);
	assert_int_equal(hop_state(500), BL_NBR_FAILED);
	assert_false(hop_mac(500, &mac));
	assert_int_equal(read_frames(fr, 8), c->probes);

	/* Traffic asks again at once; held, then dropped as neigh_unresolved. */
	rx(data_pkt(500));
	bl_lcore_flush(LC);
	tick(1);
	assert_int_equal(hop_state(500), BL_NBR_INCOMPLETE);
	assert_int_equal(read_frames(fr, 8), 1); /* the broadcast question */
	for (i = 0; i < c->probes; i++)
		tick(c->retrans_ms);
	assert_int_equal(hop_state(500), BL_NBR_FAILED);
	assert_int_equal(st->unresolved_msgs, unres + 1);
	assert_int_equal(read_frames(fr, 8), c->probes - 1);
	check_identity();
}

static void test_resolve_nd(void **state)
{
	struct rte_ether_addr mac;
	uint8_t f[BL_NBR_ND_LEN];
	struct frame fr[8];
	struct bl_nbr_msg m;
	size_t n;

	(void)state;
	route_resolve(600, true, 0, HOST6);
	rx(data_pkt(600)); /* before the tick took the hop up: held all the same */
	bl_lcore_flush(LC);
	tick(1);
	assert_int_equal(hop_state(600), BL_NBR_INCOMPLETE);
	assert_int_equal(read_frames(fr, 8), 1);
	assert_int_equal(bl_nbr_wire_parse(fr[0].b, fr[0].len, &m), 0);
	assert_int_equal(m.op, BL_NBR_ND_NS);
	assert_memory_equal(m.target6, HOST6, 16);
	assert_int_equal(fr[0].b[0], 0x33);
	assert_int_equal(fr[0].b[5], 0x20);

	n = bl_nbr_wire_na(f, &HOST, HOST6, R->ports[0].local6.ip, &R->ports[0].local.mac, true);
	rx(mbuf_of(f, n));
	tick(1);
	assert_int_equal(hop_state(600), BL_NBR_REACHABLE);
	assert_true(hop_mac(600, &mac) && rte_is_same_ether_addr(&mac, &HOST));
	assert_int_equal(read_frames(fr, 8), 1); /* the held frame, over IPv6 */
	assert_memory_equal(fr[0].b, HOST.addr_bytes, 6);
	assert_int_equal(bl_wire_get16(fr[0].b + 12), 0x86DD);
	assert_memory_equal(fr[0].b + 14 + 24, HOST6, 16);
	check_identity();
}

static void test_static_untouched(void **state)
{
	struct bl_route_spec s;
	struct bl_route r = { 0 };
	enum bl_nbr_state st;
	struct frame fr[4];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.action = BL_ROUTE_FORWARD;
	s.hop.port = 0;
	s.hop.udp = 7447;
	s.hop.ip = 0x0a000016;
	s.hop.mac = HOST;
	assert_true(bl_route_add(R->routes, 700, &s) >= 0);
	tick(1);
	assert_true(bl_route_lookup(R->routes, 700, &r));
	assert_false(bl_nbr_hop_state(R->nbr, r.hop, &st));
	rx(data_pkt(700));
	bl_lcore_flush(LC);
	assert_int_equal(read_frames(fr, 4), 1);
	assert_memory_equal(fr[0].b, HOST.addr_bytes, 6);
}

static void test_punt_bound(void **state)
{
	uint64_t full = LC->st.pkt_drops[BL_PKT_DROP_NEIGH_PUNT_FULL];
	struct frame fr[4];
	unsigned i;

	(void)state;
	/* More than the ring holds before the control thread runs: counted, freed. */
	for (i = 0; i < BL_NBR_RING + 8; i++)
		rx(arp_from_host(BL_NBR_ARP_REQUEST, OTHER_IP));
	assert_true(LC->st.pkt_drops[BL_PKT_DROP_NEIGH_PUNT_FULL] >= full + 8);
	check_identity();
	tick(1);
	assert_int_equal(read_frames(fr, 4), 0);
}

/* ---- fixture ---------------------------------------------------------------- */

static int group_setup(void **state)
{
	char prefix[64];
	char *argv[] = { "test_nbr",	  "-l",		 "0,1",	 "--no-huge", "--no-shconf",
			 "--no-pci",	  "-m",		 "256",	 prefix,      "--vdev",
			 "net_ring_nbr0", "--log-level", "error" };
	struct bl_router_conf conf;
	char err[256];

	(void)state;
	snprintf(prefix, sizeof(prefix), "--file-prefix=test_nbr_%d", getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0)
		return -1;
	rcu_register_thread();
	if (rte_lcore_count() < 2) {
		print_message("skip: needs 2 lcores\n");
		return -1;
	}
	bl_router_conf_defaults(&conf);
	conf.rxd = conf.txd = 256;
	conf.nbr.reachable_ms = 1000;
	conf.nbr.retrans_ms = 100;
	conf.nbr.probes = 3;
	if (bl_router_create(&R, &conf, err, sizeof(err)) != 0) {
		print_message("router: %s\n", err);
		return -1;
	}
	LC = R->workers[0];
	T = bl_nbr_now_ms();
	return 0;
}

static int group_teardown(void **state)
{
	unsigned lost;

	(void)state;
	bl_lcore_flush(LC);
	read_frames(NULL, 0);
	rcu_thread_offline();
	lost = bl_router_destroy(R);
	rcu_thread_online();
	rcu_unregister_thread();
	rte_eal_cleanup();
	return lost == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_arp_answered),
		cmocka_unit_test(test_ns_answered),
		cmocka_unit_test(test_resolve_arp),
		cmocka_unit_test(test_aging),
		cmocka_unit_test(test_resolve_nd),
		cmocka_unit_test(test_static_untouched),
		cmocka_unit_test(test_punt_bound),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
