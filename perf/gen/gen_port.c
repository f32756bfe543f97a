/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port mode: send the model's frames on one DPDK port as fast as it takes them.
 *
 * Design: the first `ring` frames of the model are built once into mbufs.
 * The send loop walks that ring in bursts of 32, taking one extra reference
 * per mbuf (rte_mbuf_refcnt_update) before rte_eth_tx_burst; the PMD's free
 * after transmit drops it again, so no frame is built or copied per send
 * and the generator is not what limits the rate. Frames the PMD refuses
 * get their reference back at once and the cursor stays on them, so the
 * wire sees exactly the ring's order, looped. Since frames repeat, a
 * receiver sees each source's seq numbers restart once per lap.
 *
 * The sender never writes a frame after preparing it; PMDs that modify
 * transmitted mbufs in place (none of the virtual ones) would need clones.
 * One thread: the main lcore runs the loop; SIGINT/SIGTERM set a flag it
 * polls once per burst.
 */
#include <errno.h>
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

#include "perf/gen/gen.h"

#define GEN_BURST 32
#define GEN_RXD	  512
#define GEN_TXD	  1024

static volatile sig_atomic_t gen_stop;

static void on_signal(int sig)
{
	(void)sig;
	gen_stop = 1;
}

int bl__gen_port_setup(uint16_t port, struct rte_mempool *mp, uint16_t nrxq, uint16_t ntxq)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nrxd = GEN_RXD, ntxd = GEN_TXD;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_configure(port, nrxq, ntxq, &conf);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrxd, &ntxd);
	if (rc != 0)
		return rc;
	if (nrxq != 0) {
		rc = rte_eth_rx_queue_setup(port, 0, nrxd,
					    (unsigned int)rte_eth_dev_socket_id(port), NULL, mp);
		if (rc != 0)
			return rc;
	}
	if (ntxq != 0) {
		rc = rte_eth_tx_queue_setup(port, 0, ntxd,
					    (unsigned int)rte_eth_dev_socket_id(port), NULL);
		if (rc != 0)
			return rc;
	}
	return rte_eth_dev_start(port);
}

/* Build the ring of prepared frames. Returns 0 or -errno. */
int bl__gen_prepare(struct bl_gen *g, struct rte_mempool *mp, struct rte_mbuf **ring, uint32_t n)
{
	uint8_t *buf = malloc(BL_GEN_MAX_FRAME);
	uint32_t i;

	if (buf == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint16_t nmsgs;
		size_t len = bl_gen_next_frame(g, buf, &nmsgs);
		char *data;

		ring[i] = rte_pktmbuf_alloc(mp);
		if (ring[i] == NULL)
			break;
		data = rte_pktmbuf_append(ring[i], (uint16_t)len);
		if (data == NULL) {
			rte_pktmbuf_free(ring[i]);
			ring[i] = NULL;
			break;
		}
		memcpy(data, buf, len);
	}
	free(buf);
	return i == n ? 0 : -ENOMEM;
}

static void report(const char *what, double secs, uint64_t frames, uint64_t msgs)
{
	printf("beamline-gen: %s seconds=%.3f frames=%llu msgs=%llu frames/s=%.0f msgs/s=%.0f\n",
	       what, secs, (unsigned long long)frames, (unsigned long long)msgs,
	       secs > 0 ? (double)frames / secs : 0.0, secs > 0 ? (double)msgs / secs : 0.0);
	fflush(stdout);
}

static void send_loop(const struct bl_gen_cfg *cfg, struct rte_mbuf **ring, uint32_t n)
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t limit = cfg->frames_given ? cfg->frames : 0;
	const uint64_t start = rte_get_tsc_cycles();
	const uint64_t end =
	    cfg->seconds > 0 ? start + (uint64_t)(cfg->seconds * (double)hz) : UINT64_MAX;
	uint64_t next_report = start + hz, last_report = start, last_sent = 0;
	uint64_t sent = 0, now;
	uint32_t cursor = 0;

	while (!gen_stop) {
		struct rte_mbuf *burst[GEN_BURST];
		uint16_t want = GEN_BURST, nb, i;

		if (limit != 0) {
			if (sent == limit)
				break;
			if (limit - sent < want)
				want = (uint16_t)(limit - sent);
		}
		for (i = 0; i < want; i++) {
			burst[i] = ring[(cursor + i) % n];
			/* Dropped again by the PMD's free after transmit. */
			rte_mbuf_refcnt_update(burst[i], 1);
		}
		nb = rte_eth_tx_burst(cfg->port, 0, burst, want);
		for (i = nb; i < want; i++)
			rte_pktmbuf_free(burst[i]); /* only our extra reference */
		cursor = (uint32_t)((cursor + nb) % n);
		sent += nb;

		now = rte_get_tsc_cycles();
		if (now >= next_report) {
			double secs = (double)(now - last_report) / (double)hz;
			uint64_t d = sent - last_sent;

			printf("beamline-gen: t=%.0f frames/s=%.0f msgs/s=%.0f\n",
			       (double)(now - start) / (double)hz, (double)d / secs,
			       (double)d * cfg->msgs_per_frame / secs);
			fflush(stdout);
			last_report = now;
			last_sent = sent;
			next_report = now + hz;
		}
		if (now >= end)
			break;
	}
	now = rte_get_tsc_cycles();
	report("sent", (double)(now - start) / (double)hz, sent, sent * cfg->msgs_per_frame);
}

void bl__gen_port_close(uint16_t port)
{
	int rc = rte_eth_dev_stop(port);

	if (rc != 0)
		fprintf(stderr, "beamline-gen: port %u stop: %s\n", port, rte_strerror(-rc));
	rte_eth_dev_close(port);
}

int bl_gen_run_port(struct bl_gen *g)
{
	const struct bl_gen_cfg *cfg = g->cfg;
	struct rte_mempool *mp = NULL;
	struct rte_mbuf **ring = NULL;
	struct rte_eth_stats st;
	uint32_t n = cfg->ring, i;
	uint32_t data_room;
	int rc;

	if (!rte_eth_dev_is_valid_port(cfg->port)) {
		fprintf(stderr, "beamline-gen: --port %u: no such port (%u ports; give --vdev?)\n",
			cfg->port, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	if (cfg->frames_given && cfg->frames < n)
		n = (uint32_t)cfg->frames;
	data_room = RTE_PKTMBUF_HEADROOM + BL_GEN_HDRS_LEN + 16 +
		    (uint32_t)cfg->msgs_per_frame * (16 + cfg->payload_max);
	if (data_room < RTE_MBUF_DEFAULT_BUF_SIZE)
		data_room = RTE_MBUF_DEFAULT_BUF_SIZE;
	mp = rte_pktmbuf_pool_create("bl_gen_pool", n + GEN_RXD + GEN_TXD + 2 * GEN_BURST + 512,
				     256, 0, (uint16_t)data_room, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "beamline-gen: mbuf pool: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	ring = calloc(n, sizeof(*ring));
	if (ring == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = bl__gen_prepare(g, mp, ring, n);
	if (rc != 0) {
		fprintf(stderr, "beamline-gen: not enough mbufs for %u prepared frames\n", n);
		goto out;
	}
	rc = bl__gen_port_setup(cfg->port, mp, 1, 1);
	if (rc != 0) {
		fprintf(stderr, "beamline-gen: port %u setup: %s\n", cfg->port, rte_strerror(-rc));
		goto out;
	}
	bl_gen_print_summary(g, "prepared");

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	send_loop(cfg, ring, n);

	if (rte_eth_stats_get(cfg->port, &st) == 0)
		printf("beamline-gen: port %u opackets=%llu oerrors=%llu\n", cfg->port,
		       (unsigned long long)st.opackets, (unsigned long long)st.oerrors);
	bl__gen_port_close(cfg->port);
out:
	if (ring != NULL) {
		for (i = 0; i < n; i++)
			rte_pktmbuf_free(ring[i]);
		free(ring);
	}
	rte_mempool_free(mp);
	return rc;
}
