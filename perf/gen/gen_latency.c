/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port mode, --latency: one-way latency through whatever forwards
 * cfg->port's frames to cfg->rx_port (scripts/bench --latency).
 *
 * Design: one loop on the main lcore both sends and receives, so the TSC
 * that stamps a frame and the TSC that reads it back are the same core's:
 * no cross-core clock skew enters the figures. The frames are the model's,
 * built once into a ring of mbufs as in the plain port mode. Sending: each
 * pass works out from the TSC how many frames are due at --rate (all the
 * PMD takes, with --rate 0), up to a burst of 32; reads the TSC once; writes
 * a stamp (BL_GEN_STAMP_MAGIC, that TSC) at the start of every message's
 * payload; and calls rte_eth_tx_burst at once. A ring mbuf is stamped in
 * place only when its reference count is 1, that is no PMD still holds it
 * from an earlier lap (net_memif copies on TX and frees at once, so that is
 * always so there); otherwise it is sent as a fresh copy. The UDP checksum
 * of the prepared frames is 0 ("none", RFC 768), since the stamp changes
 * the payload under it. Frames the PMD refuses stay due, and are stamped
 * again when sent.
 *
 * Receiving: every pass polls rx_port, reads the TSC once for the burst,
 * and walks each frame (Ethernet, IPv4, UDP, frame header, messages): each
 * message whose payload starts with the magic adds now - stamp to a
 * dataplane/hist.h histogram. Messages, not frames, are counted, because
 * the process path may frame messages again in other groupings; each
 * carries its own frame's stamp. Messages stamped during the warm-up are
 * counted apart and not recorded. After the last send the loop keeps
 * receiving for a drain time, then reports: lost = sent - received
 * messages (those still in flight after the drain count as lost).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dataplane/hist.h"
#include "perf/gen/gen.h"
#include "wire/wire_fmt.h"

#define LAT_BURST    32
#define LAT_RXD	     1024
#define LAT_TXD	     1024
#define LAT_DRAIN_S  0.2  /* receive this long after the last send */
#define LAT_LINK_S   10.0 /* wait this long for both links (the peer's start) */
#define LAT_RETRY_S  1.0  /* ask again for a link still down after this */
#define LAT_UDP_OFF  (BL_GEN_ETH_LEN + BL_GEN_IP_LEN)
#define LAT_WIRE_OFF (BL_GEN_HDRS_LEN)

static volatile sig_atomic_t lat_stop;

static void on_signal(int sig)
{
	(void)sig;
	lat_stop = 1;
}

struct lat_run {
	const struct bl_gen_cfg *cfg;
	struct rte_mempool *mp;
	struct rte_mbuf **ring;
	uint32_t n;
	uint64_t hz;
	uint64_t t_start;   /* first send */
	uint64_t t_measure; /* stamps from here on are recorded */
	uint64_t t_end;	    /* last send before this */
	/* counts */
	uint64_t sent_all;  /* frames, warm-up included: the pacing's */
	uint64_t sent;	    /* frames stamped at or after t_measure */
	uint64_t sent_msgs; /* their messages */
	uint64_t copies;    /* ring mbufs still held by a PMD, sent as copies */
	uint64_t refused;   /* frames the PMD did not take at once (sent later) */
	uint64_t rx_frames, rx_msgs, warm_msgs, foreign_frames, foreign_msgs;
	struct bl_hist hist; /* TSC cycles, measured messages */
};

/* Write the stamp into every message payload of the frame in m. */
static void stamp(struct rte_mbuf *m, uint64_t tsc)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint32_t off = LAT_WIRE_OFF + BL_WIRE_FRAME_HDR_LEN;
	const uint64_t magic = BL_GEN_STAMP_MAGIC;

	/* The generator built these frames: lengths are right by construction;
	 * the bounds check only guards the walk. */
	while (off + BL_WIRE_MSG_HDR_LEN + BL_GEN_STAMP_LEN <= len) {
		uint32_t plen = bl_wire_get32(p + off);

		memcpy(p + off + BL_WIRE_MSG_HDR_LEN, &magic, 8);
		memcpy(p + off + BL_WIRE_MSG_HDR_LEN + 8, &tsc, 8);
		off += BL_WIRE_MSG_HDR_LEN + plen;
	}
}

/* The frame of ring slot i, ready to hand to the PMD (one reference ours
 * to give away), or NULL when no mbuf is left for a copy. */
static struct rte_mbuf *take(struct lat_run *r, uint32_t i)
{
	struct rte_mbuf *m = r->ring[i];

	if (rte_mbuf_refcnt_read(m) == 1) {
		/* Only the ring holds it: no PMD reads it while we write. */
		rte_mbuf_refcnt_update(m, 1);
		return m;
	}
	r->copies++;
	return rte_pktmbuf_copy(m, r->mp, 0, UINT32_MAX);
}

static void send_due(struct lat_run *r, uint64_t now, uint32_t *cursor)
{
	const struct bl_gen_cfg *cfg = r->cfg;
	struct rte_mbuf *burst[LAT_BURST];
	uint64_t due = LAT_BURST, tsc;
	uint16_t want, nb, i;

	if (cfg->rate > 0) {
		double owed = (double)(now - r->t_start) * cfg->rate / (double)r->hz;

		due = (uint64_t)owed > r->sent_all ? (uint64_t)owed - r->sent_all : 0;
		if (due > LAT_BURST)
			due = LAT_BURST;
	}
	for (want = 0; want < due; want++) {
		burst[want] = take(r, (*cursor + want) % r->n);
		if (burst[want] == NULL)
			break;
	}
	if (want == 0)
		return;
	tsc = rte_get_tsc_cycles();
	for (i = 0; i < want; i++)
		stamp(burst[i], tsc);
	nb = rte_eth_tx_burst(cfg->port, 0, burst, want);
	for (i = nb; i < want; i++)
		rte_pktmbuf_free(burst[i]); /* our extra reference, or the copy */
	if (tsc >= r->t_measure)
		r->refused += (uint64_t)(want - nb);
	*cursor = (uint32_t)((*cursor + nb) % r->n);
	r->sent_all += nb;
	if (tsc >= r->t_measure) {
		r->sent += nb;
		r->sent_msgs += (uint64_t)nb * cfg->msgs_per_frame;
	}
}

/* Record the stamped messages of one received frame, read at TSC now. */
static void record(struct lat_run *r, const struct rte_mbuf *m, uint64_t now)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m), off, end, ihl, stamped = 0, measured = 0;
	uint16_t count, k;

	/* Ethernet II, IPv4, UDP; every contender sends the frame back untagged. */
	if (m->nb_segs != 1 || len < LAT_WIRE_OFF + BL_WIRE_FRAME_HDR_LEN ||
	    bl_wire_get16(p + 12) != 0x0800 || (p[BL_GEN_ETH_LEN] >> 4) != 4)
		goto foreign;
	ihl = (p[BL_GEN_ETH_LEN] & 0xfu) * 4u;
	if (ihl < BL_GEN_IP_LEN || p[BL_GEN_ETH_LEN + 9] != 17)
		goto foreign;
	off = BL_GEN_ETH_LEN + ihl + BL_GEN_UDP_LEN;
	end = BL_GEN_ETH_LEN + bl_wire_get16(p + BL_GEN_ETH_LEN + 2);
	if (end > len)
		end = len;
	if (off + BL_WIRE_FRAME_HDR_LEN > end || bl_wire_get32(p + off) != BL_WIRE_MAGIC)
		goto foreign;
	count = bl_wire_get16(p + off + 4);
	off += BL_WIRE_FRAME_HDR_LEN;
	for (k = 0; k < count && off + BL_WIRE_MSG_HDR_LEN <= end; k++) {
		uint32_t plen = bl_wire_get32(p + off);
		const uint8_t *pl = p + off + BL_WIRE_MSG_HDR_LEN;
		uint64_t magic, tsc;

		if (plen > end - off - BL_WIRE_MSG_HDR_LEN)
			break;
		off += BL_WIRE_MSG_HDR_LEN + plen;
		if (plen < BL_GEN_STAMP_LEN)
			continue;
		memcpy(&magic, pl, 8);
		memcpy(&tsc, pl + 8, 8);
		if (magic != BL_GEN_STAMP_MAGIC || tsc > now || tsc < r->t_start)
			continue;
		stamped++;
		if (tsc < r->t_measure) {
			r->warm_msgs++;
			continue;
		}
		measured++;
		bl_hist_add(&r->hist, now - tsc, 1);
	}
	if (stamped != 0) {
		r->rx_msgs += measured;
		r->rx_frames += measured != 0;
		return;
	}
foreign:
	r->foreign_frames++;
}

static void receive(struct lat_run *r)
{
	struct rte_mbuf *pkts[LAT_BURST];
	uint16_t nb, i;
	uint64_t now;

	nb = rte_eth_rx_burst(r->cfg->rx_port, 0, pkts, LAT_BURST);
	if (nb == 0)
		return;
	now = rte_get_tsc_cycles();
	for (i = 0; i < nb; i++) {
		record(r, pkts[i], now);
		rte_pktmbuf_free(pkts[i]);
	}
}

/* Whatever comes in on the sending port (nothing a contender should send
 * there) is freed and counted foreign, so it never piles up in the ring. */
static void drain_tx_port(struct lat_run *r)
{
	struct rte_mbuf *pkts[LAT_BURST];
	uint16_t nb = rte_eth_rx_burst(r->cfg->port, 0, pkts, LAT_BURST), i;

	for (i = 0; i < nb; i++)
		rte_pktmbuf_free(pkts[i]);
	r->foreign_frames += nb;
}

/*
 * Wait for both links. A memif client asks for its connection when the
 * port starts; a server that has its socket but has not started its own
 * port yet turns it away, and the client does not ask again. So a port
 * still down after LAT_RETRY_S is stopped and started (a new request),
 * until LAT_LINK_S.
 */
static int wait_links(const struct bl_gen_cfg *cfg, uint64_t hz)
{
	const uint64_t t0 = rte_get_tsc_cycles();
	const uint64_t deadline = t0 + (uint64_t)(LAT_LINK_S * (double)hz);
	const uint64_t retry = (uint64_t)(LAT_RETRY_S * (double)hz);
	uint16_t ports[2] = { cfg->port, cfg->rx_port };
	int i, rc;

	for (i = 0; i < 2; i++) {
		uint64_t next_retry = rte_get_tsc_cycles() + retry;
		struct rte_eth_link link;

		for (;;) {
			memset(&link, 0, sizeof(link));
			if (rte_eth_link_get_nowait(ports[i], &link) == 0 &&
			    link.link_status == RTE_ETH_LINK_UP)
				break;
			if (lat_stop)
				return -EINTR;
			if (rte_get_tsc_cycles() > deadline) {
				fprintf(stderr,
					"beamline-gen: port %u: link still down after %.0f s (is "
					"the other side running?)\n",
					ports[i], LAT_LINK_S);
				return -ETIMEDOUT;
			}
			if (rte_get_tsc_cycles() > next_retry) {
				rc = rte_eth_dev_stop(ports[i]);
				if (rc == 0)
					rc = rte_eth_dev_start(ports[i]);
				if (rc != 0) {
					fprintf(stderr, "beamline-gen: port %u restart: %s\n",
						ports[i], rte_strerror(-rc));
					return rc;
				}
				next_retry = rte_get_tsc_cycles() + retry;
			}
			rte_delay_ms(10);
		}
	}
	return 0;
}

/*
 * Set a port up. A memif client's start fails while the server still
 * tears down the connection of the run before (a generator just gone):
 * it is tried again every 100 ms until LAT_LINK_S.
 */
static int setup_port(uint16_t port, struct rte_mempool *mp, uint16_t nrxq, uint16_t ntxq,
		      uint64_t hz)
{
	const uint64_t deadline = rte_get_tsc_cycles() + (uint64_t)(LAT_LINK_S * (double)hz);
	int rc = bl__gen_port_setup(port, mp, nrxq, ntxq);

	while (rc != 0 && !lat_stop && rte_get_tsc_cycles() < deadline) {
		rte_delay_ms(100);
		rc = rte_eth_dev_start(port);
	}
	if (rc != 0)
		fprintf(stderr, "beamline-gen: port %u setup: %s\n", port, rte_strerror(-rc));
	return rc;
}

static double ns(const struct lat_run *r, uint64_t cycles)
{
	return (double)cycles * 1e9 / (double)r->hz;
}

static void report(const struct lat_run *r, uint64_t t_last)
{
	const struct bl_gen_cfg *cfg = r->cfg;
	double secs = (double)(t_last - r->t_measure) / (double)r->hz;
	uint64_t lost = r->sent_msgs > r->rx_msgs ? r->sent_msgs - r->rx_msgs : 0;
	uint64_t ovf = r->hist.count[BL_HIST_OVERFLOW];

	if (secs <= 0)
		secs = 1e-9;
	printf("{\"sent\":%" PRIu64 ",\"sent_msgs\":%" PRIu64 ",\"received\":%" PRIu64
	       ",\"received_msgs\":%" PRIu64 ",\"lost_msgs\":%" PRIu64 ",\"warmup_msgs\":%" PRIu64
	       ",\"foreign_frames\":%" PRIu64 ",\"copies\":%" PRIu64 ",\"refused\":%" PRIu64
	       ",\"seconds\":%.3f"
	       ",\"rate_asked\":%.0f,\"rate\":%.0f,\"rx_rate\":%.0f,\"msgs_per_frame\":%u"
	       ",\"p50_ns\":%.0f,\"p90_ns\":%.0f,\"p99_ns\":%.0f,\"p999_ns\":%.0f"
	       ",\"max_ns\":%.0f,\"overflow\":%" PRIu64 ",\"tsc_hz\":%" PRIu64 "}\n",
	       r->sent, r->sent_msgs, r->rx_frames, r->rx_msgs, lost, r->warm_msgs,
	       r->foreign_frames, r->copies, r->refused, secs, cfg->rate, (double)r->sent / secs,
	       (double)r->rx_msgs / cfg->msgs_per_frame / secs, cfg->msgs_per_frame,
	       ns(r, bl_hist_value_at(&r->hist, 0.50)), ns(r, bl_hist_value_at(&r->hist, 0.90)),
	       ns(r, bl_hist_value_at(&r->hist, 0.99)), ns(r, bl_hist_value_at(&r->hist, 0.999)),
	       ovf ? -1.0 : ns(r, bl_hist_value_at(&r->hist, 1.0)), ovf, r->hz);
	fflush(stdout);
}

static void run_loop(struct lat_run *r)
{
	const uint64_t drain = (uint64_t)(LAT_DRAIN_S * (double)r->hz);
	uint64_t now, t_last;
	uint32_t cursor = 0;

	r->t_start = rte_get_tsc_cycles();
	r->t_measure = r->t_start + (uint64_t)(r->cfg->warmup * (double)r->hz);
	r->t_end = r->t_measure + (uint64_t)(r->cfg->seconds * (double)r->hz);
	t_last = r->t_end;
	while (!lat_stop) {
		now = rte_get_tsc_cycles();
		if (now < r->t_end)
			send_due(r, now, &cursor);
		else if (now >= r->t_end + drain)
			break;
		receive(r);
		if (r->cfg->rx_port != r->cfg->port)
			drain_tx_port(r);
	}
	if (lat_stop) {
		now = rte_get_tsc_cycles();
		if (now < t_last)
			t_last = now;
	}
	report(r, t_last);
}

int bl_gen_run_latency(struct bl_gen *g)
{
	const struct bl_gen_cfg *cfg = g->cfg;
	struct lat_run *r;
	uint32_t data_room, i;
	int rc, two = cfg->rx_port != cfg->port;

	if (!rte_eth_dev_is_valid_port(cfg->port) || !rte_eth_dev_is_valid_port(cfg->rx_port)) {
		fprintf(stderr,
			"beamline-gen: --port %u / --rx-port %u: no such port (%u ports; give "
			"--vdev?)\n",
			cfg->port, cfg->rx_port, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->cfg = cfg;
	r->hz = rte_get_tsc_hz();
	r->n = cfg->ring;
	data_room = RTE_PKTMBUF_HEADROOM + BL_GEN_HDRS_LEN + 16 +
		    (uint32_t)cfg->msgs_per_frame * (16 + cfg->payload_max);
	if (data_room < RTE_MBUF_DEFAULT_BUF_SIZE)
		data_room = RTE_MBUF_DEFAULT_BUF_SIZE;
	/* The ring, both ports' descriptors, and copies in flight. */
	r->mp = rte_pktmbuf_pool_create("bl_gen_lat_pool",
					r->n + 2 * (LAT_RXD + LAT_TXD) + 4 * LAT_BURST + 1024, 256,
					0, (uint16_t)data_room, rte_socket_id());
	if (r->mp == NULL) {
		fprintf(stderr, "beamline-gen: mbuf pool: %s\n", rte_strerror(rte_errno));
		free(r);
		return -ENOMEM;
	}
	r->ring = calloc(r->n, sizeof(*r->ring));
	if (r->ring == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = bl__gen_prepare(g, r->mp, r->ring, r->n);
	if (rc != 0) {
		fprintf(stderr, "beamline-gen: not enough mbufs for %u prepared frames\n", r->n);
		goto out;
	}
	for (i = 0; i < r->n; i++) {
		/* UDP checksum 0: none; the stamp changes the payload under it. */
		uint8_t *p = rte_pktmbuf_mtod(r->ring[i], uint8_t *);

		bl_wire_put16(p + LAT_UDP_OFF + 6, 0);
	}
	/*
	 * Queues: each of the peer's must have a ring on this side. A DPDK
	 * 22.11 memif server whose queue the client gave no ring reads and
	 * writes another ring in its place: a contender polling both ports
	 * then took its own output on port 1 back in, forwarded it to port 0
	 * and on round again, so frames came back here many times, their
	 * stamps ever older (a p99 near 0.2 s for testpmd io and beamline; l3fwd,
	 * polling port 0 only, was spared). So the sending port has an RX queue
	 * as well as its TX queue (every contender has both there; it is
	 * drained, see run_loop), and the receiving port a TX queue too with
	 * --duplex, for contenders that poll both ports; without it, one RX
	 * queue only, as l3fwd gives its output port no RX queue.
	 */
	rc = setup_port(cfg->port, r->mp, 1, 1, r->hz);
	if (rc != 0)
		goto out;
	if (two) {
		rc = setup_port(cfg->rx_port, r->mp, 1, (uint16_t)(cfg->duplex != 0), r->hz);
		if (rc != 0) {
			bl__gen_port_close(cfg->port);
			goto out;
		}
	}
	/* Whatever MAC the contender writes, the frames are ours. */
	rte_eth_promiscuous_enable(cfg->rx_port);
	bl_gen_print_summary(g, "prepared");

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = wait_links(cfg, r->hz);
	if (rc == 0)
		run_loop(r);

	bl__gen_port_close(cfg->port);
	if (two)
		bl__gen_port_close(cfg->rx_port);
out:
	if (r->ring != NULL) {
		for (i = 0; i < r->n; i++)
			rte_pktmbuf_free(r->ring[i]);
		free(r->ring);
	}
	rte_mempool_free(r->mp);
	free(r);
	return rc;
}
