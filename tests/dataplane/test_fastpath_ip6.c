/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 on the fast path (tests/dataplane/fastpath_test.h): frames over
 * IPv6 forwarded to IPv4 and IPv6 next hops and back, IPv4 frames to an
 * IPv6 hop, both families mixed in one burst on one port, a frame split
 * between the families, IPv6 drops counted by reason, and sequence
 * tracking keyed on IPv6 sources. Every IPv6 frame that leaves has its UDP
 * checksum summed again here (wire6_test_util.h), not by the code under
 * test.
 */
#include "fastpath_test.h"

#include "actors/proc.h"
#include "actors/registry.h"
#include "actors/sched.h"
#include "dataplane/ptx.h"
#include "dataplane/seq.h"
#include "dataplane/src6.h"
#include "dataplane/wire6.h"
#include "wire6_test_util.h"

#define KEY6 600 /* to HOP6 */
#define HOP6 0x66
#define UDP6 9600

/* An IPv6 next hop 2001:db8::<last>. */
static void route6(uint64_t key, uint8_t last, uint16_t udp)
{
	struct bl_route_spec s;

	memset(&s, 0, sizeof(s));
	s.action = BL_ROUTE_FORWARD;
	s.hop.port = 0;
	s.hop.mac.addr_bytes[0] = 0x02;
	s.hop.mac.addr_bytes[5] = last;
	s.hop.v6 = true;
	s.hop.ip6[0] = 0x20;
	s.hop.ip6[1] = 0x01;
	s.hop.ip6[2] = 0x0d;
	s.hop.ip6[3] = 0xb8;
	s.hop.ip6[15] = last;
	s.hop.udp = udp;
	assert_true(bl_route_add(R->routes, key, &s) >= 0);
}

/* An IPv6 packet to the router from 2001:db8::<src_last> (MAC 02:..:<src_last>)
 * port 40000 with msgs (payload byte i of message j is j*31+i). */
static struct rte_mbuf *make_pkt6(const struct msg *msgs, unsigned int n, uint64_t seq,
				  uint8_t src_last)
{
	static uint8_t buf[4096];
	uint32_t lens[16];
	struct twu6_spec s = twu6_default_spec();
	struct twu_layout l;
	struct rte_mbuf *m;
	uint32_t off;

	assert_true(n <= 16);
	for (unsigned int j = 0; j < n; j++)
		lens[j] = msgs[j].len;
	memcpy(s.f.dst_mac, R->ports[0].local.mac.addr_bytes, 6);
	memcpy(s.dst, R->ports[0].local6.ip, 16);
	s.src[15] = src_last;
	s.f.src_mac[5] = src_last; /* a host's MAC ends as its address does, as hops' do */
	s.f.sport = 40000;
	s.f.dport = rte_be_to_cpu_16(R->ports[0].local.udp_port);
	s.f.count = (uint16_t)n;
	s.f.lens = lens;
	s.f.seq = seq;
	l = twu6_build(buf, sizeof(buf), &s);
	assert_int_not_equal(l.len, 0);
	off = (uint32_t)l.frame + 16;
	for (unsigned int j = 0; j < n; j++) {
		twu_wr64(buf + off + 8, msgs[j].key);
		twu_wr16(buf + off + 4, msgs[j].kind);
		off += 16;
		for (uint32_t i = 0; i < msgs[j].len; i++)
			buf[off + i] = (uint8_t)(j * 31 + i);
		off += msgs[j].len;
	}
	twu6_fix_csum(buf, &l);
	m = rte_pktmbuf_alloc(R->pool);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)l.len), buf, l.len);
	return m;
}

/* What left over IPv6, read back and checked: right UDP checksum, our
 * addresses, the hop's; the frame's messages. */
struct out6 {
	uint8_t dst_last;
	uint16_t dst_port;
	uint64_t seq;
	uint16_t count;
	uint64_t keys[16];
	uint8_t first_byte[16];
	bool sum_ok; /* its UDP checksum right */
};

/* Read everything sent; IPv6 packets into o6, IPv4 ones counted in *n4;
 * each IPv6 one's UDP checksum must be right unless any_sum. */
static unsigned int read_out6_sums(struct out6 *o6, unsigned int max, unsigned int *n4,
				   bool any_sum)
{
	struct rte_mbuf *pkts[64];
	static uint8_t buf[9000];
	unsigned int n = 0;
	uint16_t got, k;

	*n4 = 0;
	while ((got = rte_eth_rx_burst(0, 0, pkts, 64)) > 0) {
		for (k = 0; k < got; k++) {
			struct rte_mbuf *m = pkts[k];
			const uint8_t *d = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
			struct bl_wire_frame fr = { 0 };
			uint32_t off = BL_WIRE_FRAME_HDR_LEN, l4;
			struct bl_wire_msg msg;

			assert_non_null(d);
			if (twu_rd16(d + 12) == 0x0800) {
				(*n4)++;
				rte_pktmbuf_free(m);
				continue;
			}
			assert_true(n < max);
			assert_int_equal(twu_rd16(d + 12), 0x86DD);
			assert_int_equal(d[14] >> 4, 6);
			assert_int_equal(d[14 + 6], 17);
			assert_int_equal(d[14 + 7], 64);
			l4 = twu_rd16(d + 14 + 4);
			assert_int_equal(l4, m->pkt_len - 54);
			assert_int_equal(twu_rd16(d + 54 + 4), l4);
			/* The checksum, summed here again over every byte. */
			assert_int_not_equal(twu_rd16(d + 54 + 6), 0);
			o6[n].sum_ok = twu6_udp_check(d + 14, d + 54, l4) == 0;
			assert_true(o6[n].sum_ok || any_sum);
			assert_memory_equal(d + 14 + 8, R->ports[0].local6.ip, 16);
			assert_memory_equal(d + 6, R->ports[0].local.mac.addr_bytes, 6);
			assert_int_equal(d[0], 0x02);
			assert_int_equal(d[5], d[14 + 24 + 15]);
			o6[n].dst_last = d[14 + 24 + 15];
			o6[n].dst_port = twu_rd16(d + 54 + 2);
			assert_int_equal(bl_wire_frame_check(d + 62, l4 - 8, &fr), BL_WIRE_OK);
			o6[n].seq = fr.seq;
			o6[n].count = fr.count;
			for (unsigned int j = 0; j < fr.count && j < 16; j++) {
				bl_wire_msg_next(d + 62, &off, &msg);
				o6[n].keys[j] = msg.key;
				o6[n].first_byte[j] = msg.len ? d[62 + msg.off] : 0;
			}
			rte_pktmbuf_free(m);
			n++;
		}
	}
	return n;
}

static unsigned int read_out6(struct out6 *o6, unsigned int max, unsigned int *n4)
{
	return read_out6_sums(o6, max, n4, false);
}

/* An IPv6 frame to an IPv6 hop, and to an IPv4 one. */
static void test_v6_to_both(void **state)
{
	const struct msg to6[] = { { KEY6, 10, 0 }, { KEY6, 3, 0 } };
	const struct msg to4[] = { { 100, 20, 0 } };
	struct out6 o6[4];
	struct out o4[4];
	unsigned int n4;
	uint64_t acc = LC->st.acc_pkts;

	(void)state;
	send_one(make_pkt6(to6, 2, 1, 2));
	assert_int_equal(read_out6(o6, 4, &n4), 1);
	assert_int_equal(n4, 0);
	assert_int_equal(o6[0].dst_last, HOP6);
	assert_int_equal(o6[0].dst_port, UDP6);
	assert_int_equal(o6[0].count, 2);
	assert_true(o6[0].keys[0] == KEY6 && o6[0].keys[1] == KEY6);
	assert_int_equal(o6[0].first_byte[1], 31);

	send_one(make_pkt6(to4, 1, 2, 2));
	assert_int_equal(read_out(o4, 4), 1);
	assert_int_equal(o4[0].dst_ip, HOP_A_IP);
	assert_int_equal(o4[0].count, 1);
	assert_true(o4[0].keys[0] == 100);
	assert_int_equal(o4[0].lens[0], 20);
	assert_int_equal(LC->st.acc_pkts, acc + 2);
}

/* An IPv4 frame to an IPv6 hop: new headers, checksum computed. */
static void test_v4_to_v6(void **state)
{
	const struct msg m[] = { { KEY6, 100, 0 }, { KEY6, 1, 0 }, { KEY6, 0, 0 } };
	struct out6 o6[4];
	unsigned int n4;

	(void)state;
	send_one(make_pkt(m, 3, 7));
	assert_int_equal(read_out6(o6, 4, &n4), 1);
	assert_int_equal(n4, 0);
	assert_int_equal(o6[0].count, 3);
	assert_int_equal(o6[0].first_byte[0], 0);
	assert_int_equal(o6[0].first_byte[1], 31);
}

/* m cut after its first `head` bytes into a chain of two segments. */
static struct rte_mbuf *chain_of(struct rte_mbuf *m, uint16_t head)
{
	struct rte_mbuf *tail = rte_pktmbuf_alloc(R->pool);
	uint16_t rest = (uint16_t)(rte_pktmbuf_data_len(m) - head);

	assert_non_null(tail);
	memcpy(rte_pktmbuf_append(tail, rest), rte_pktmbuf_mtod_offset(m, uint8_t *, head), rest);
	assert_int_equal(rte_pktmbuf_trim(m, rest), 0);
	assert_int_equal(rte_pktmbuf_chain(m, tail), 0);
	return m;
}

/* An IPv6 frame that arrives as a chain is made one mbuf, then takes the
 * IPv6 path as any other (a message crosses the cut). */
static void test_v6_chain(void **state)
{
	const struct msg to6[] = { { KEY6, 60, 0 }, { KEY6, 30, 0 } };
	uint64_t ch0 = LC->st.rx_chains;
	struct out6 o6[2];
	unsigned int n4;

	(void)state;
	send_one(chain_of(make_pkt6(to6, 2, 1, 2), BL_WIRE_HDRS6_LEN + 40));
	assert_int_equal(read_out6(o6, 2, &n4), 1);
	assert_int_equal(n4, 0);
	assert_int_equal(o6[0].count, 2);
	assert_int_equal(o6[0].first_byte[1], 31);
	assert_int_equal(LC->st.rx_chains, ch0 + 1);
}

/* Both families in one burst on one port, and a frame split between an
 * IPv4 and an IPv6 hop. */
static void test_mixed(void **state)
{
	const struct msg to4[] = { { 101, 5, 0 } };
	const struct msg to6[] = { { KEY6, 5, 0 } };
	const struct msg both[] = { { KEY6, 4, 0 }, { 200, 6, 0 }, { KEY6, 8, 0 } };
	struct rte_mbuf *burst[6];
	struct out6 o6[8];
	unsigned int n4;
	uint64_t fwd = LC->st.fwd_msgs, drops = LC->st.drop_pkts;

	(void)state;
	burst[0] = make_pkt(to4, 1, 10);
	burst[1] = make_pkt6(to6, 1, 10, 3);
	burst[2] = make_pkt(to4, 1, 11);
	burst[3] = make_pkt6(to6, 1, 11, 3);
	burst[4] = make_pkt6(both, 3, 12, 3);
	burst[5] = make_pkt(both, 3, 12);
	bl_lcore_rx_burst(LC, 0, burst, 6);
	bl_lcore_flush(LC);
	check_identity();
	assert_int_equal(LC->st.drop_pkts, drops);
	assert_int_equal(LC->st.fwd_msgs, fwd + 10);
	/* 2 + 2 IPv6 frames (two whole, one from each split); 2 + 2 IPv4 */
	assert_int_equal(read_out6(o6, 8, &n4), 4);
	assert_int_equal(n4, 4);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(o6[i].dst_last, HOP6);
	/* the split frames keep only their IPv6 hop's messages, in order */
	assert_int_equal(o6[2].count, 2);
	assert_true(o6[2].keys[0] == KEY6 && o6[2].keys[1] == KEY6);
	assert_int_equal(o6[2].first_byte[1], 62);
	/* one stream per hop: its seq runs on across both families */
	assert_true(o6[1].seq == o6[0].seq + 1);
	assert_true(o6[2].seq == o6[1].seq + 1);
	assert_true(o6[3].seq == o6[2].seq + 2);
}

/* IPv6 drops are counted under their names; nothing leaves. */
static void test_drops6(void **state)
{
	const struct msg m[] = { { KEY6, 5, 0 } };
	struct rte_mbuf *p;
	struct out6 o6[2];
	unsigned int n4;
	uint64_t csum = LC->st.pkt_drops[BL_PKT_DROP_UDP_BAD_CSUM];
	uint64_t hlim = LC->st.pkt_drops[BL_PKT_DROP_IP6_HOP_LIMIT];
	uint64_t ext = LC->st.pkt_drops[BL_PKT_DROP_IP6_EXT_HEADER];

	(void)state;
	p = make_pkt6(m, 1, 1, 4);
	twu_wr16(rte_pktmbuf_mtod(p, uint8_t *) + 54 + 6, 0); /* "no checksum" */
	send_one(p);
	p = make_pkt6(m, 1, 1, 4);
	rte_pktmbuf_mtod(p, uint8_t *)[14 + 7] = 0;
	send_one(p);
	p = make_pkt6(m, 1, 1, 4);
	rte_pktmbuf_mtod(p, uint8_t *)[14 + 6] = 43; /* a routing header */
	send_one(p);
	assert_int_equal(LC->st.pkt_drops[BL_PKT_DROP_UDP_BAD_CSUM], csum + 1);
	assert_int_equal(LC->st.pkt_drops[BL_PKT_DROP_IP6_HOP_LIMIT], hlim + 1);
	assert_int_equal(LC->st.pkt_drops[BL_PKT_DROP_IP6_EXT_HEADER], ext + 1);
	assert_int_equal(read_out6(o6, 2, &n4), 0);
	assert_int_equal(n4, 0);
}

struct src6_seen {
	uint8_t last;
	uint64_t expected, gaps, dups;
	int found;
};

static void find6_cb(void *arg, const uint8_t ip6[16], uint16_t port, uint64_t expected,
		     uint64_t gaps, uint64_t dups)
{
	struct src6_seen *s = arg;

	if (ip6[0] == 0x20 && ip6[15] == s->last && port == RTE_BE16(40000)) {
		s->found++;
		s->expected = expected;
		s->gaps = gaps;
		s->dups = dups;
	}
}

/* Sources that differ only in their IPv6 address are tracked apart. */
static void test_seq6(void **state)
{
	const struct msg m[] = { { 300, 1, 0 }, { 300, 1, 0 } };
	struct src6_seen a = { .last = 0x51 }, b = { .last = 0x52 };
	struct out6 o6[2];
	unsigned int n4;

	(void)state;
	send_one(make_pkt6(m, 2, 100, 0x51)); /* expected 102 */
	send_one(make_pkt6(m, 2, 110, 0x51)); /* 8 missing, expected 112 */
	send_one(make_pkt6(m, 2, 111, 0x51)); /* 1 duplicate, expected 113 */
	send_one(make_pkt6(m, 2, 5, 0x52));   /* another source: expected 7 */
	bl_seq_foreach6(LC->seq, find6_cb, &a);
	bl_seq_foreach6(LC->seq, find6_cb, &b);
	assert_int_equal(a.found, 1);
	assert_int_equal(b.found, 1);
	assert_true(a.expected == 113 && a.gaps == 8 && a.dups == 1);
	assert_true(b.expected == 7 && b.gaps == 0 && b.dups == 0);
	assert_int_equal(read_out6(o6, 2, &n4), 0); /* key 300 is dropped */
	assert_int_equal(n4, 0);
}

/* Answers each message to its source, as echo does. */
struct answer6 {
	uint64_t n, src;
	int rc;
};

static int a6_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void a6_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct answer6 *st = bl_state(c);

	st->n++;
	st->src = m->src;
	st->rc = bl_transmit(c, m->src, m);
}

static const struct bl_behaviour a6_beh = {
	.name = "answer6",
	.init = a6_init,
	.handle_message = a6_msg,
};

/* An answer6 process, registered as "answer6", and key 650 routed to it. */
static uint64_t answer6_up(struct answer6 *st)
{
	struct bl_route_spec s;
	uint64_t pid = bl_proc_spawn(LC->sched, &a6_beh, st, NULL);

	assert_int_not_equal(pid, BL_PID_NONE);
	assert_int_equal(bl_registry_register(R->registry, "answer6", 16, pid), 0);
	memset(&s, 0, sizeof(s));
	s.action = BL_ROUTE_PROCESS;
	snprintf(s.name, sizeof(s.name), "answer6");
	assert_true(bl_route_add(R->routes, 650, &s) >= 0);
	return pid;
}

/* answer6_up undone. */
static void answer6_down(uint64_t pid)
{
	assert_true(bl_route_del(R->routes, 650) == 0);
	assert_int_equal(bl_registry_unregister(R->registry, "answer6", 16), 0);
	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
}

/*
 * A process answers IPv6 senders: each answer leaves over IPv6 to the
 * address and UDP port the message came from (its checksum summed again by
 * read_out6), for two senders at once; a token whose slot another sender
 * has taken since is refused (bad_dest), never sent to the new one.
 */
static void test_answer_v6_sender(void **state)
{
	struct msg to_proc[2] = { { 650, 20, 0 }, { 650, 30, 0 } };
	struct answer6 st = { 0 };
	struct out6 o[4];
	unsigned int n4, n;
	uint64_t pid, bad0 = LC->st.ptx_drops[BL_PTX_DROP_BAD_DEST], tok;
	uint64_t frames0 = LC->st.frame_deliveries, given0 = LC->st.delivered_msgs;

	(void)state;
	pid = answer6_up(&st);

	for (uint8_t who = 0x31; who <= 0x32; who++) {
		struct rte_mbuf *m = make_pkt6(to_proc, 2, 1, who);

		bl_lcore_rx_burst(LC, 0, &m, 1);
	}
	bl_lcore_flush(LC);
	/* Each frame given whole, counted with the burst it came in. */
	assert_int_equal(LC->st.frame_deliveries, frames0 + 2);
	assert_int_equal(LC->st.delivered_msgs, given0 + 4);
	check_identity();
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(st.n, 4);
	assert_int_equal(st.rc, 0);
	n = read_out6(o, 4, &n4);
	assert_int_equal(n4, 0);
	assert_int_equal(n, 2); /* one answer frame each, two messages in it */
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(o[i].dst_last, 0x31 + i);
		assert_int_equal(o[i].dst_port, 40000);
		assert_int_equal(o[i].count, 2);
		assert_int_equal(o[i].keys[0], 650);
		assert_int_equal(o[i].first_byte[1], 31);
	}
	assert_int_equal(LC->st.ptx_drops[BL_PTX_DROP_BAD_DEST], bad0);

	/* The last sender's slot taken over by another: its token is stale. */
	tok = st.src;
	{
		struct bl_ptx_src to = bl_ptx_token_decode(tok);
		uint8_t ip[16], other[16];
		uint32_t slot = (rte_be_to_cpu_32(to.ip_be) >> 14) & (BL_SRC6_SIZE - 1);

		assert_true(bl_src6_is(to.ip_be));
		assert_true(bl_src6_get(LC, to.ip_be, ip));
		assert_int_equal(ip[15], 0x32);
		/* Another address hashed to that slot, as the receiving worker
		 * would write it. */
		memset(other, 0x77, sizeof(other));
		LC->src6[slot].seq++;
		memcpy(LC->src6[slot].ip, other, 16);
		LC->src6[slot].seq++;
		assert_false(bl_src6_get(LC, to.ip_be, ip));
	}
	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(R->pool);

		assert_non_null(m);
		assert_int_equal(
		    bl_sched_deliver(LC->sched, pid, 651, tok, NULL, 0, 0, BL_MSG_F_NET), 0);
		rte_pktmbuf_free(m);
	}
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(st.rc, -ENOBUFS);
	assert_int_equal(LC->st.ptx_drops[BL_PTX_DROP_BAD_DEST], bad0 + 1);
	assert_int_equal(read_out6(o, 4, &n4), 0);

	answer6_down(pid);
}

/* An IPv6 frame whose payload a bit error changed (its UDP checksum wrong). */
static struct rte_mbuf *bad_sum6(const struct msg *msgs, unsigned int n)
{
	struct rte_mbuf *p = make_pkt6(msgs, n, 1, 4);

	rte_pktmbuf_mtod(p, uint8_t *)[BL_WIRE_HDRS6_LEN + 20] ^= 1; /* a payload byte */
	return p;
}

/*
 * A wrong UDP checksum over IPv6 (the port checks none: net_ring). A frame
 * forwarded whole, in place, carries it on updated, still wrong, for the
 * receiver to find (docs/wire-format.md section 6); every frame whose
 * messages beamline uses or re-heads is dropped as udp_bad_checksum: to an
 * IPv4 hop, split between hops, to a process, and one whose messages
 * would be refused anyway; and with udp6_check_all (--udp6-check all),
 * the whole one too.
 */
static void test_bad_sum6(void **state)
{
	const struct msg whole[] = { { KEY6, 40, 0 }, { KEY6, 9, 0 } };
	const struct msg to4[] = { { 100, 40, 0 } };
	const struct msg split[] = { { KEY6, 40, 0 }, { 100, 9, 0 } };
	const struct msg to_proc[] = { { 650, 40, 0 } };
	uint64_t *csum = &LC->st.pkt_drops[BL_PKT_DROP_UDP_BAD_CSUM], c0 = *csum;
	uint64_t fwd = LC->st.fwd_msgs, pid;
	struct answer6 st = { 0 };
	struct rte_mbuf *p;
	struct out6 o[2];
	unsigned int n4;

	(void)state;
	/* Forwarded whole: out, its checksum still wrong; nothing dropped. */
	send_one(bad_sum6(whole, 2));
	assert_int_equal(read_out6_sums(o, 2, &n4, true), 1);
	assert_false(o[0].sum_ok);
	assert_int_equal(*csum, c0);
	assert_int_equal(LC->st.fwd_msgs, fwd + 2);
	/* The same frame unharmed leaves right (the update is exact). */
	send_one(make_pkt6(whole, 2, 1, 4));
	assert_int_equal(read_out6(o, 2, &n4), 1);

	/* Re-headed for an IPv4 hop, or split: summed first, dropped. */
	send_one(bad_sum6(to4, 1));
	send_one(bad_sum6(split, 2));
	assert_int_equal(read_out6_sums(o, 2, &n4, true), 0);
	assert_int_equal(*csum, c0 + 2);

	/* Messages that would be refused: named by the sum, as the full
	 * parse names them. */
	p = make_pkt6(whole, 2, 1, 4);
	twu_wr32(rte_pktmbuf_mtod(p, uint8_t *) + BL_WIRE_HDRS6_LEN, 41); /* a length */
	send_one(p);
	assert_int_equal(*csum, c0 + 3);

	/* To a process: summed first, dropped, nothing delivered. */
	pid = answer6_up(&st);
	send_one(bad_sum6(to_proc, 1));
	bl_sched_run(LC->sched, 16);
	assert_int_equal(st.n, 0);
	assert_int_equal(*csum, c0 + 4);
	answer6_down(pid);

	/* --udp6-check all: every frame summed, the whole one dropped too. */
	R->conf.udp6_check_all = true;
	send_one(bad_sum6(whole, 2));
	R->conf.udp6_check_all = false;
	assert_int_equal(read_out6_sums(o, 2, &n4, true), 0);
	assert_int_equal(*csum, c0 + 5);
	assert_int_equal(LC->st.fwd_msgs, fwd + 4); /* the two whole frames that left */
}

static int setup6(void **state)
{
	int rc = group_setup(state);

	if (rc == 0)
		route6(KEY6, HOP6, UDP6);
	return rc;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v6_to_both),	 cmocka_unit_test(test_v4_to_v6),
		cmocka_unit_test(test_v6_chain),	 cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_drops6),		 cmocka_unit_test(test_seq6),
		cmocka_unit_test(test_answer_v6_sender), cmocka_unit_test(test_bad_sum6),
	};

	return cmocka_run_group_tests(tests, setup6, group_teardown);
}
