/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared fixture of the fast path tests (test_fastpath_forward.c,
 * test_fastpath_proc.c, test_fastpath_lookup.c): a router on one net_ring
 * port (its TX ring is its RX ring, so what the router sends can be read
 * back), started once per binary with routes to two hops and a dropped
 * key, and every mbuf back in the pool at the end. The test thread drives
 * one worker's context directly (bl_lcore_rx_burst + bl_lcore_flush)
 * instead of launching the poll loop, so each step is deterministic.
 */
#ifndef BL_TESTS_DATAPLANE_FASTPATH_TEST_H
#define BL_TESTS_DATAPLANE_FASTPATH_TEST_H

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

#include "dataplane/lcore.h"
#include "dataplane/router.h"
#include "dataplane/wire.h"

static struct bl_router *R;
static struct bl_lcore *LC;
/* The router's --mtu (bl_router_conf.mtu): 0, each port's own, unless a
 * test sets it before group_setup. */
static uint16_t FP_MTU;

#define HOP_A_IP 0x0a00000au
#define HOP_B_IP 0x0a00000bu

static inline void route(uint64_t key, uint32_t ip, uint16_t udp)
{
	struct bl_route_spec s;

	memset(&s, 0, sizeof(s));
	if (ip == 0) {
		s.action = BL_ROUTE_DROP;
	} else {
		s.action = BL_ROUTE_FORWARD;
		s.hop.port = 0;
		s.hop.mac.addr_bytes[0] = 0x02;
		s.hop.mac.addr_bytes[5] = (uint8_t)ip;
		s.hop.ip = ip;
		s.hop.udp = udp;
	}
	assert_true(bl_route_add(R->routes, key, &s) >= 0);
}

struct msg {
	uint64_t key;
	uint32_t len;
	uint16_t kind;
};

/* The bytes of msgs behind the frame header: their headers and payloads. */
static inline uint32_t msgs_len(const struct msg *msgs, unsigned int n)
{
	uint32_t total = 0, j;

	for (j = 0; j < n; j++)
		total += BL_WIRE_MSG_HDR_LEN + msgs[j].len;
	return total;
}

/* At p, the BL_WIRE_HDRS_LEN + msgs_len(msgs, n) bytes of a packet
 * addressed to the router carrying msgs; payload byte i of message j is
 * (j*31+i). */
static inline void put_pkt(uint8_t *p, const struct msg *msgs, unsigned int n, uint64_t seq)
{
	struct bl_wire_hop to_us;
	uint32_t i, j;

	memset(&to_us, 0, sizeof(to_us));
	to_us.dst_mac = R->ports[0].local.mac;
	to_us.src_mac.addr_bytes[0] = 0x02;
	to_us.src_ip = rte_cpu_to_be_32(0x0a010001);
	to_us.dst_ip = R->ports[0].local.ip;
	to_us.src_port = rte_cpu_to_be_16(40000);
	to_us.dst_port = R->ports[0].local.udp_port;
	bl_wire_put_headers(p, &to_us, (uint16_t)n, seq, msgs_len(msgs, n), 1);
	p += BL_WIRE_HDRS_LEN;
	for (j = 0; j < n; j++) {
		bl_wire_put_msg_hdr(p, msgs[j].len, msgs[j].kind, 0, msgs[j].key);
		p += BL_WIRE_MSG_HDR_LEN;
		for (i = 0; i < msgs[j].len; i++)
			*p++ = (uint8_t)(j * 31 + i);
	}
}

/* A packet addressed to the router carrying msgs (put_pkt's bytes). */
static inline struct rte_mbuf *make_pkt(const struct msg *msgs, unsigned int n, uint64_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(R->pool);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(BL_WIRE_HDRS_LEN + msgs_len(msgs, n)));
	assert_non_null(p);
	put_pkt(p, msgs, n, seq);
	return m;
}

/* Read back what the router sent (linearised) and check it. */
struct out {
	uint32_t dst_ip;
	uint16_t dst_port;
	uint64_t seq;
	uint16_t count;
	uint16_t nb_segs;
	uint64_t keys[16];
	uint32_t lens[16];
	uint8_t first_byte[16];
	uintptr_t mbuf; /* which mbuf it came in (only compared, never read) */
};

static inline unsigned int read_out(struct out *outs, unsigned int max)
{
	struct rte_mbuf *pkts[64];
	unsigned int n = 0;
	uint16_t got, k;
	static uint8_t buf[16384];

	while ((got = rte_eth_rx_burst(0, 0, pkts, 64)) > 0) {
		for (k = 0; k < got; k++) {
			struct rte_mbuf *m = pkts[k];
			const uint8_t *d = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
			struct bl_wire_frame fr = { 0 };
			uint32_t off = BL_WIRE_FRAME_HDR_LEN;
			struct bl_wire_msg msg;
			unsigned int j;

			assert_true(n < max);
			assert_non_null(d);
			outs[n].nb_segs = m->nb_segs;
			outs[n].mbuf = (uintptr_t)m;
			outs[n].dst_ip = bl_wire_get32(d + 14 + 16);
			outs[n].dst_port = bl_wire_get16(d + 14 + 20 + 2);
			assert_int_equal(bl_wire_get16(d + 14 + 2), m->pkt_len - 14);
			assert_int_equal(bl_wire_get16(d + 14 + 20 + 4), m->pkt_len - 34);
			assert_int_equal(bl_wire_frame_check(d + BL_WIRE_HDRS_LEN - 16,
							     m->pkt_len - (BL_WIRE_HDRS_LEN - 16),
							     &fr),
					 BL_WIRE_OK);
			outs[n].seq = fr.seq;
			outs[n].count = fr.count;
			for (j = 0; j < fr.count && j < 16; j++) {
				bl_wire_msg_next(d + BL_WIRE_HDRS_LEN - 16, &off, &msg);
				outs[n].keys[j] = msg.key;
				outs[n].lens[j] = msg.len;
				outs[n].first_byte[j] =
				    msg.len ? d[BL_WIRE_HDRS_LEN - 16 + msg.off] : 0;
			}
			rte_pktmbuf_free(m);
			n++;
		}
	}
	return n;
}

static inline void check_identity(void)
{
	const struct bl_lcore_stats *s = &LC->st;

	assert_int_equal(s->rx_pkts, s->acc_pkts + s->drop_pkts);
	assert_int_equal(s->rx_msgs,
			 s->fwd_msgs + s->drop_msgs + s->buffered_msgs + s->delivered_msgs);
}

static inline void send_one(struct rte_mbuf *m)
{
	bl_lcore_rx_burst(LC, 0, &m, 1);
	bl_lcore_flush(LC);
	check_identity();
}

static inline int group_setup(void **state)
{
	char prefix[64];
	char *argv[] = { "test_fastpath", "-l",		 "0,1",	 "--no-huge", "--no-shconf",
			 "--no-pci",	  "-m",		 "256",	 prefix,      "--vdev",
			 "net_ring_fp0",  "--log-level", "error" };
	struct bl_router_conf conf;
	char err[256];

	(void)state;
	snprintf(prefix, sizeof(prefix), "--file-prefix=test_fastpath_%d", getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0)
		return -1;
	rcu_register_thread();
	bl_router_conf_defaults(&conf);
	conf.rxd = conf.txd = 256;
	conf.mtu = FP_MTU;
	if (FP_MTU != 0)
		conf.proc_mbufs = 1024; /* jumbo mbufs: keep the pool within -m */
	if (rte_lcore_count() < 2) {
		print_message("skip: needs 2 lcores\n");
		return -1;
	}
	if (bl_router_create(&R, &conf, err, sizeof(err)) != 0) {
		print_message("router: %s\n", err);
		return -1;
	}
	LC = R->workers[0];
	route(100, HOP_A_IP, 7447);
	route(101, HOP_A_IP, 7447);
	route(200, HOP_B_IP, 9000);
	route(300, 0, 0);
	return 0;
}

static inline int group_teardown(void **state)
{
	unsigned int lost;

	(void)state;
	rcu_thread_offline();
	lost = bl_router_destroy(R);
	rcu_unregister_thread();
	rte_eal_cleanup();
	return lost == 0 ? 0 : -1; /* every mbuf back in the pool */
}

#endif /* BL_TESTS_DATAPLANE_FASTPATH_TEST_H */
