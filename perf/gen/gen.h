/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamline-gen: the traffic generator's configuration and traffic model.
 *
 * One model feeds both modes: the pcap writer and the DPDK port sender call
 * bl_gen_next_frame() in the same order, so the same options and seed give
 * the same frames in a file and on the wire. The model has no DPDK
 * dependency; only gen_port.c talks to the EAL.
 */
#ifndef BL_GEN_H
#define BL_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rte_mbuf;
struct rte_mempool;

/* Every generated frame is Ethernet + IPv4 (no options) + UDP + wire v1. */
#define BL_GEN_ETH_LEN	 14u
#define BL_GEN_IP_LEN	 20u
#define BL_GEN_UDP_LEN	 8u
#define BL_GEN_HDRS_LEN	 (BL_GEN_ETH_LEN + BL_GEN_IP_LEN + BL_GEN_UDP_LEN)
#define BL_GEN_MAX_MTU	 9000u
#define BL_GEN_MAX_FRAME (BL_GEN_ETH_LEN + BL_GEN_MAX_MTU)

/*
 * --latency: the first bytes of every message's payload are a stamp, in
 * the generator's own byte order (only it reads them back): a magic word,
 * then the TSC when the frame was handed to the PMD.
 */
#define BL_GEN_STAMP_MAGIC UINT64_C(0x424c4c4154535450) /* "BLLATSTP" */
#define BL_GEN_STAMP_LEN   16u

enum bl_gen_dist {
	BL_GEN_DIST_UNIFORM = 0,
	BL_GEN_DIST_ZIPF,
};

/* What the --routes-out file says about a key (a pure function of seed and key). */
enum bl_gen_key_class {
	BL_GEN_KEY_ROUTED = 0, /* `route add KEY port ...` */
	BL_GEN_KEY_DROP,       /* `route add KEY drop` */
	BL_GEN_KEY_UNROUTED,   /* no line at all */
	BL_GEN_KEY_CLASS_MAX
};

/* Parsed command line. Addresses and ports in host byte order. */
struct bl_gen_cfg {
	/* traffic */
	uint64_t frames; /* pcap: frames in the file; port: frames to send (0 = no limit) */
	uint32_t sources;
	uint32_t src_ip;
	uint16_t src_port_base;
	uint64_t keys;
	uint64_t key_base;
	enum bl_gen_dist dist;
	double zipf_s;
	uint16_t msgs_per_frame;
	uint32_t payload_min;
	uint32_t payload_max;
	uint64_t seed;
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint32_t dst_ip;
	uint16_t dst_udp;
	uint32_t gaps_permille;
	uint32_t mtu;
	int source_per_key; /* each key its own source: src IP:port from the key */

	/* side outputs */
	const char *routes_out;
	uint16_t route_port;
	uint8_t route_mac[6];
	uint32_t route_hops; /* keys spread over this many MACs (last byte + k % hops) */
	uint32_t route_ip;
	uint16_t route_udp;
	uint32_t route_drop_permille;
	uint32_t unrouted_permille;
	const char *l3fwd_rules;
	uint16_t l3fwd_port;

	/* modes: pcap (out != NULL) or port (port_mode) */
	const char *out;
	int port_mode;
	uint16_t port;
	double seconds;	  /* port mode: stop after this long (0 = no limit) */
	uint32_t ring;	  /* port mode: prepared frames re-sent in a loop */
	int frames_given; /* --frames was on the command line */

	/* port mode, --latency: stamp frames, read them back on rx_port */
	int latency;
	uint16_t rx_port;
	int rx_port_given;
	int duplex;    /* rx_port gets a TX queue too (never used) */
	double rate;   /* frames a second; 0 = as fast as the port takes them */
	double warmup; /* seconds sent before the measured ones (not recorded) */
	int rate_given;
	int warmup_given;
};

/*
 * With --source-per-key, key key_base + i comes from source i: src IP
 * src_ip + i / BL_GEN_PORTS_PER_IP, src port src_port_base + i % that, so
 * every key has its own IPv4 5-tuple (one message per frame).
 */
#define BL_GEN_PORTS_PER_IP(cfg) (65536u - (cfg)->src_port_base)

/* One traffic source: a distinct (src IP, src UDP port) with its own seq. */
struct bl_gen_src {
	uint32_t ip;
	uint16_t port;
	uint64_t next_seq; /* seq of the next message this source sends */
	uint64_t frames;   /* frames sent so far (0 = flow never appeared) */
};

/* Generator state. Created by bl_gen_create, owned by the caller. */
struct bl_gen {
	const struct bl_gen_cfg *cfg;
	uint64_t rng;
	double *cdf; /* zipf: cdf[i] = P(rank <= i); NULL when uniform */
	struct bl_gen_src *src;
	uint64_t n_src; /* entries of src: --sources, or --keys with --source-per-key */
	uint16_t ip_id;

	/* totals over every frame produced so far */
	uint64_t frames;
	uint64_t msgs;
	uint64_t payload_bytes;
	uint64_t gaps;	  /* frames that skipped seq numbers on purpose */
	uint64_t skipped; /* seq numbers skipped in total */
	uint64_t msgs_by_class[BL_GEN_KEY_CLASS_MAX];
};

/*
 * Fill *cfg with the defaults, then apply argv (without EAL arguments).
 * port_mode says whether EAL arguments and "--" came first. Returns 0, or
 * -EINVAL after printing one message to stderr. Prints usage and returns 1
 * for --help. Any thread; cfg points into argv for file names.
 */
int bl_gen_parse_args(struct bl_gen_cfg *cfg, int argc, char **argv, int port_mode);

/* Print the usage text to f. */
void bl_gen_usage(FILE *f);

/*
 * Build the generator for cfg (validated by bl_gen_parse_args; cfg must
 * outlive it). Returns NULL with errno = ENOMEM on allocation failure.
 * The caller frees it with bl_gen_destroy.
 */
struct bl_gen *bl_gen_create(const struct bl_gen_cfg *cfg);

/* Free a generator; NULL is fine. */
void bl_gen_destroy(struct bl_gen *g);

/*
 * Write the next frame (Ethernet to the last payload byte) into buf, which
 * holds at least BL_GEN_MAX_FRAME bytes. Returns the frame length and sets
 * *nmsgs to its message count. Deterministic for a given cfg and seed.
 */
size_t bl_gen_next_frame(struct bl_gen *g, uint8_t *buf, uint16_t *nmsgs);

/* Which route class the --routes-out file gives key (pure function). */
enum bl_gen_key_class bl_gen_key_class(const struct bl_gen_cfg *cfg, uint64_t key);

/*
 * Side outputs, written after the traffic so the l3fwd rules cover exactly
 * the flows that appeared (with --source-per-key: every key's flow, whether
 * or not it appeared, so l3fwd's table holds as many flows as the routes
 * file has keys). Return 0 or -errno (message printed to stderr).
 */
int bl_gen_write_routes(const struct bl_gen *g, const char *path);
int bl_gen_write_l3fwd_rules(const struct bl_gen *g, const char *path);

/* Print the one-line summary (key=value pairs) to stdout. */
void bl_gen_print_summary(const struct bl_gen *g, const char *what);

/* pcap mode: write cfg->frames frames to cfg->out. Returns 0 or -errno. */
int bl_gen_run_pcap(struct bl_gen *g);

/*
 * port mode: the EAL is initialised; send on cfg->port until the frame or
 * time limit or SIGINT. Returns 0 or -errno. Main lcore only.
 */
int bl_gen_run_port(struct bl_gen *g);

/*
 * port mode with --latency: send on cfg->port at cfg->rate for
 * cfg->warmup + cfg->seconds, a TSC stamp in every message's payload, and
 * read the frames back on cfg->rx_port; prints one JSON line of counts and
 * percentiles. Returns 0 or -errno. Main lcore only. See gen_latency.c.
 */
int bl_gen_run_latency(struct bl_gen *g);

/*
 * Shared by both port modes (gen_port.c): configure and start one port
 * with nrxq (0 or 1) RX queues on mp and ntxq (0 or 1) TX queues; build n
 * frames of the model into mbufs of mp. Return 0 or -errno.
 */
int bl__gen_port_setup(uint16_t port, struct rte_mempool *mp, uint16_t nrxq, uint16_t ntxq);
int bl__gen_prepare(struct bl_gen *g, struct rte_mempool *mp, struct rte_mbuf **ring, uint32_t n);

/* Done with EAL ports: stop and close, a message on failure. */
void bl__gen_port_close(uint16_t port);

#endif /* BL_GEN_H */
