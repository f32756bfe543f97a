/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command line of beamline-gen: defaults, strict parsing, cross-checks.
 * Every refusal prints exactly one line naming the option and returns
 * -EINVAL; main turns that into exit status 2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire_fmt.h"
#include "perf/gen/gen.h"

enum {
	OPT_OUT = 256,
	OPT_PORT,
	OPT_SECONDS,
	OPT_FRAMES,
	OPT_RING,
	OPT_SOURCES,
	OPT_SRC_IP,
	OPT_KEYS,
	OPT_KEY_BASE,
	OPT_DIST,
	OPT_MSGS,
	OPT_PAYLOAD,
	OPT_SEED,
	OPT_SRC_MAC,
	OPT_DST_MAC,
	OPT_DST_IP,
	OPT_DST_UDP,
	OPT_GAPS,
	OPT_MTU,
	OPT_ROUTES_OUT,
	OPT_ROUTE_PORT,
	OPT_ROUTE_MAC,
	OPT_ROUTE_HOPS,
	OPT_ROUTE_IP,
	OPT_ROUTE_UDP,
	OPT_ROUTE_DROP,
	OPT_UNROUTED,
	OPT_L3FWD_RULES,
	OPT_L3FWD_PORT,
	OPT_SOURCE_PER_KEY,
	OPT_LATENCY,
	OPT_RX_PORT,
	OPT_DUPLEX,
	OPT_RATE,
	OPT_WARMUP,
	OPT_HELP,
};

static const struct option long_opts[] = {
	{ "out", required_argument, NULL, OPT_OUT },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "frames", required_argument, NULL, OPT_FRAMES },
	{ "ring", required_argument, NULL, OPT_RING },
	{ "sources", required_argument, NULL, OPT_SOURCES },
	{ "src-ip", required_argument, NULL, OPT_SRC_IP },
	{ "keys", required_argument, NULL, OPT_KEYS },
	{ "key-base", required_argument, NULL, OPT_KEY_BASE },
	{ "dist", required_argument, NULL, OPT_DIST },
	{ "msgs-per-frame", required_argument, NULL, OPT_MSGS },
	{ "payload", required_argument, NULL, OPT_PAYLOAD },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "src-mac", required_argument, NULL, OPT_SRC_MAC },
	{ "dst-mac", required_argument, NULL, OPT_DST_MAC },
	{ "dst-ip", required_argument, NULL, OPT_DST_IP },
	{ "dst-udp", required_argument, NULL, OPT_DST_UDP },
	{ "gaps", required_argument, NULL, OPT_GAPS },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "routes-out", required_argument, NULL, OPT_ROUTES_OUT },
	{ "route-port", required_argument, NULL, OPT_ROUTE_PORT },
	{ "route-mac", required_argument, NULL, OPT_ROUTE_MAC },
	{ "route-hops", required_argument, NULL, OPT_ROUTE_HOPS },
	{ "route-ip", required_argument, NULL, OPT_ROUTE_IP },
	{ "route-udp", required_argument, NULL, OPT_ROUTE_UDP },
	{ "route-drop-permille", required_argument, NULL, OPT_ROUTE_DROP },
	{ "unrouted-permille", required_argument, NULL, OPT_UNROUTED },
	{ "l3fwd-rules", required_argument, NULL, OPT_L3FWD_RULES },
	{ "l3fwd-port", required_argument, NULL, OPT_L3FWD_PORT },
	{ "source-per-key", no_argument, NULL, OPT_SOURCE_PER_KEY },
	{ "latency", no_argument, NULL, OPT_LATENCY },
	{ "rx-port", required_argument, NULL, OPT_RX_PORT },
	{ "duplex", no_argument, NULL, OPT_DUPLEX },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void bl_gen_usage(FILE *f)
{
	fputs("usage: beamline-gen --out FILE.pcap [options]\n"
	      "       beamline-gen [EAL args] -- --port N [--seconds S | --frames N] [options]\n"
	      "\n"
	      "traffic (both modes):\n"
	      "  --frames N            frames to write (pcap, default 4096) or send (port)\n"
	      "  --sources N           distinct src IP:port pairs (default 64)\n"
	      "  --src-ip A.B.C.D      first source IP, others count up (default 10.1.0.1);\n"
	      "                        source ports count up from 40000\n"
	      "  --keys N              key values key-base..key-base+N-1 (default 1000)\n"
	      "  --key-base B          first key (default 0)\n"
	      "  --dist uniform|zipf[:S]  key distribution (default zipf:1.1)\n"
	      "  --msgs-per-frame M    messages per frame (default 8)\n"
	      "  --payload N|MIN-MAX   payload bytes per message (default 64)\n"
	      "  --seed N              random seed; same seed, same frames (default 1)\n"
	      "  --src-mac/--dst-mac   MACs (default 02:00:00:00:01:00, 02:00:00:00:00:01)\n"
	      "  --dst-ip A.B.C.D      (default 10.0.0.1)   --dst-udp PORT (default 7447)\n"
	      "  --gaps PERMILLE       share of frames that skip 1..M seq numbers (default 0)\n"
	      "  --mtu BYTES           largest IPv4 packet allowed (default 1500)\n"
	      "  --source-per-key      each key its own source instead of --sources: key\n"
	      "                        key-base+i from src IP --src-ip + i/25536, port\n"
	      "                        40000 + i%25536; needs --msgs-per-frame 1 (one flow\n"
	      "                        per key, as l3fwd -E looks up the 5-tuple)\n"
	      "side outputs:\n"
	      "  --routes-out FILE     beamline config routing every key:\n"
	      "    --route-port P --route-mac MAC --route-ip IP --route-udp U\n"
	      "    (default 1, 02:00:00:00:00:02, 10.0.0.2, 7447)\n"
	      "    --route-hops H           spread the keys over H next hops on that port:\n"
	      "                             key k gets the MAC's last byte + k % H (default 1)\n"
	      "    --route-drop-permille X  share of keys with a drop route\n"
	      "    --unrouted-permille X    share of keys with no route\n"
	      "  --l3fwd-rules FILE    l3fwd exact-match rules for every flow in the traffic\n"
	      "                        (with --source-per-key: one per key, all --keys)\n"
	      "    --l3fwd-port P      their output port (default: --route-port)\n"
	      "port mode:\n"
	      "  --port N              DPDK port to send on\n"
	      "  --seconds S           stop after S seconds (default: until SIGINT)\n"
	      "  --ring N              distinct prepared frames re-sent in a loop (default 4096)\n"
	      "latency (port mode):\n"
	      "  --latency             stamp every message's payload with the TSC as it is\n"
	      "                        sent, read the frames back on --rx-port, print one\n"
	      "                        JSON line of counts and one-way latency percentiles;\n"
	      "                        needs --seconds and payloads of at least 16 bytes\n"
	      "  --rx-port N           DPDK port the frames come back on\n"
	      "  --duplex              give --rx-port a TX queue too (it never sends), for a\n"
	      "                        peer that polls both ports: a memif peer's queues\n"
	      "                        must each have a ring on this side\n"
	      "  --rate FPS            frames a second, paced by the TSC (default 0: as fast\n"
	      "                        as the port takes them)\n"
	      "  --warmup S            seconds sent first and not recorded (default 1)\n",
	      f);
}

static int bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "beamline-gen: --%s %s: %s (see --help)\n", opt, val, why);
	return -EINVAL;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

static int parse_dist(const char *s, struct bl_gen_cfg *cfg)
{
	char *end;

	if (strcmp(s, "uniform") == 0) {
		cfg->dist = BL_GEN_DIST_UNIFORM;
		return 0;
	}
	if (strcmp(s, "zipf") == 0) {
		cfg->dist = BL_GEN_DIST_ZIPF;
		return 0;
	}
	if (strncmp(s, "zipf:", 5) != 0 || s[5] == '\0')
		return -EINVAL;
	errno = 0;
	cfg->zipf_s = strtod(s + 5, &end);
	/* s = 0 is uniform by another name; above 10 every draw is key 0. */
	if (errno != 0 || *end != '\0' || !(cfg->zipf_s > 0.0 && cfg->zipf_s <= 10.0))
		return -EINVAL;
	cfg->dist = BL_GEN_DIST_ZIPF;
	return 0;
}

static int parse_payload(const char *s, struct bl_gen_cfg *cfg)
{
	char buf[64];
	char *dash;
	uint64_t lo, hi;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	if (parse_u64(buf, 0, BL_GEN_MAX_MTU, &lo) != 0)
		return -EINVAL;
	hi = lo;
	if (dash != NULL && (parse_u64(dash + 1, lo, BL_GEN_MAX_MTU, &hi) != 0))
		return -EINVAL;
	cfg->payload_min = (uint32_t)lo;
	cfg->payload_max = (uint32_t)hi;
	return 0;
}

static void set_defaults(struct bl_gen_cfg *cfg)
{
	static const uint8_t src_mac[6] = { 0x02, 0, 0, 0, 0x01, 0x00 };
	static const uint8_t dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t route_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

	memset(cfg, 0, sizeof(*cfg));
	cfg->frames = 4096;
	cfg->sources = 64;
	cfg->src_ip = 0x0A010001; /* 10.1.0.1 */
	cfg->src_port_base = 40000;
	cfg->keys = 1000;
	cfg->dist = BL_GEN_DIST_ZIPF;
	cfg->zipf_s = 1.1;
	cfg->msgs_per_frame = 8;
	cfg->payload_min = 64;
	cfg->payload_max = 64;
	cfg->seed = 1;
	memcpy(cfg->src_mac, src_mac, 6);
	memcpy(cfg->dst_mac, dst_mac, 6);
	cfg->dst_ip = 0x0A000001; /* 10.0.0.1 */
	cfg->dst_udp = BL_WIRE_UDP_PORT;
	cfg->mtu = 1500;
	cfg->route_port = 1;
	memcpy(cfg->route_mac, route_mac, 6);
	cfg->route_hops = 1;
	cfg->route_ip = 0x0A000002; /* 10.0.0.2 */
	cfg->route_udp = BL_WIRE_UDP_PORT;
	cfg->ring = 4096;
	cfg->warmup = 1.0;
}

/* Checks that need every option: sizes fit, ranges do not wrap, modes agree. */
static int cross_check(struct bl_gen_cfg *cfg, int port_mode, int l3fwd_port_given,
		       int sources_given)
{
	uint64_t udp_payload;

	if (!l3fwd_port_given)
		cfg->l3fwd_port = cfg->route_port;
	if (port_mode && cfg->out != NULL) {
		fprintf(stderr, "beamline-gen: --out is the pcap mode; it takes no EAL arguments "
				"or --port (see --help)\n");
		return -EINVAL;
	}
	if (!port_mode && cfg->port_mode) {
		fprintf(stderr, "beamline-gen: --port needs EAL arguments and \"--\" before it "
				"(see --help)\n");
		return -EINVAL;
	}
	if (port_mode && !cfg->port_mode) {
		fprintf(stderr, "beamline-gen: port mode needs --port N (see --help)\n");
		return -EINVAL;
	}
	if (!port_mode && cfg->out == NULL) {
		fprintf(stderr, "beamline-gen: nothing to do: give --out FILE.pcap, or EAL "
				"arguments, \"--\" and --port N (see --help)\n");
		return -EINVAL;
	}
	if (!port_mode && cfg->seconds > 0) {
		fprintf(stderr, "beamline-gen: --seconds is for the port mode (see --help)\n");
		return -EINVAL;
	}
	if (cfg->latency) {
		if (!port_mode) {
			fprintf(stderr, "beamline-gen: --latency is a port mode: give EAL "
					"arguments, \"--\" and --port (see --help)\n");
			return -EINVAL;
		}
		if (!cfg->rx_port_given) {
			fprintf(stderr, "beamline-gen: --latency needs --rx-port N, the port the "
					"frames come back on\n");
			return -EINVAL;
		}
		if (!(cfg->seconds > 0)) {
			fprintf(stderr, "beamline-gen: --latency needs --seconds S\n");
			return -EINVAL;
		}
		if (cfg->frames_given) {
			fprintf(stderr,
				"beamline-gen: --latency runs for --seconds; leave --frames "
				"out\n");
			return -EINVAL;
		}
		if (cfg->payload_min < BL_GEN_STAMP_LEN) {
			fprintf(stderr,
				"beamline-gen: --latency writes a %u-byte stamp into every "
				"payload: want --payload of at least %u\n",
				BL_GEN_STAMP_LEN, BL_GEN_STAMP_LEN);
			return -EINVAL;
		}
	} else if (cfg->rx_port_given || cfg->rate_given || cfg->warmup_given || cfg->duplex) {
		fprintf(stderr, "beamline-gen: --rx-port, --duplex, --rate and --warmup are for "
				"--latency (see --help)\n");
		return -EINVAL;
	}
	if (cfg->frames == 0) {
		fprintf(stderr, "beamline-gen: --frames 0: want at least one frame\n");
		return -EINVAL;
	}
	if (!cfg->source_per_key && (uint64_t)cfg->src_ip + cfg->sources - 1 > UINT32_MAX) {
		fprintf(stderr, "beamline-gen: --src-ip + --sources runs past 255.255.255.255\n");
		return -EINVAL;
	}
	if (cfg->key_base + cfg->keys - 1 < cfg->key_base) {
		fprintf(stderr, "beamline-gen: --key-base + --keys runs past 2^64-1\n");
		return -EINVAL;
	}
	if (cfg->source_per_key) {
		if (sources_given) {
			fprintf(stderr, "beamline-gen: --source-per-key makes one source per key; "
					"leave --sources out\n");
			return -EINVAL;
		}
		if (cfg->msgs_per_frame != 1) {
			fprintf(stderr, "beamline-gen: --source-per-key needs --msgs-per-frame 1 "
					"(a frame's source is its key's)\n");
			return -EINVAL;
		}
		if ((uint64_t)cfg->src_ip + (cfg->keys - 1) / BL_GEN_PORTS_PER_IP(cfg) >
		    UINT32_MAX) {
			fprintf(stderr,
				"beamline-gen: --src-ip + --keys / %u runs past "
				"255.255.255.255\n",
				BL_GEN_PORTS_PER_IP(cfg));
			return -EINVAL;
		}
	}
	udp_payload = BL_WIRE_FRAME_HDR_LEN +
		      (uint64_t)cfg->msgs_per_frame * (BL_WIRE_MSG_HDR_LEN + cfg->payload_max);
	if (BL_GEN_IP_LEN + BL_GEN_UDP_LEN + udp_payload > cfg->mtu) {
		fprintf(stderr,
			"beamline-gen: %u messages of up to %u bytes make a %llu-byte IPv4 "
			"packet, above --mtu %u\n",
			cfg->msgs_per_frame, cfg->payload_max,
			(unsigned long long)(BL_GEN_IP_LEN + BL_GEN_UDP_LEN + udp_payload),
			cfg->mtu);
		return -EINVAL;
	}
	if (cfg->route_drop_permille + cfg->unrouted_permille > 1000) {
		fprintf(stderr, "beamline-gen: --route-drop-permille + --unrouted-permille "
				"exceed 1000\n");
		return -EINVAL;
	}
	return 0;
}

int bl_gen_parse_args(struct bl_gen_cfg *cfg, int argc, char **argv, int port_mode)
{
	int l3fwd_port_given = 0, sources_given = 0;
	uint64_t v;
	int opt;

	set_defaults(cfg);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		const char *name =
		    opt >= OPT_OUT && opt < OPT_HELP ? long_opts[opt - OPT_OUT].name : "";
		const char *a = optarg;

		switch (opt) {
		case OPT_OUT:
			cfg->out = a;
			break;
		case OPT_PORT:
			if (parse_u64(a, 0, UINT16_MAX - 1, &v) != 0)
				return bad(name, a, "not a port number");
			cfg->port = (uint16_t)v;
			cfg->port_mode = 1;
			break;
		case OPT_SECONDS: {
			char *end;

			errno = 0;
			cfg->seconds = strtod(a, &end);
			if (errno != 0 || *end != '\0' || !(cfg->seconds > 0 && cfg->seconds < 1e7))
				return bad(name, a, "want a positive number of seconds");
			break;
		}
		case OPT_FRAMES:
			if (parse_u64(a, 0, UINT64_MAX, &v) != 0)
				return bad(name, a, "not a frame count");
			cfg->frames = v;
			cfg->frames_given = 1;
			break;
		case OPT_RING:
			if (parse_u64(a, 1, 1u << 20, &v) != 0)
				return bad(name, a, "want 1..1048576");
			cfg->ring = (uint32_t)v;
			break;
		case OPT_SOURCES:
			if (parse_u64(a, 1, 65535 - 40000 + 1, &v) != 0)
				return bad(name, a,
					   "want 1..25536 (source ports count up from 40000)");
			cfg->sources = (uint32_t)v;
			sources_given = 1;
			break;
		case OPT_SRC_IP:
			if (parse_ip(a, &cfg->src_ip) != 0)
				return bad(name, a, "not an IPv4 address");
			break;
		case OPT_KEYS:
			/* zipf keeps a CDF of 8 bytes per key: 128 MiB at most */
			if (parse_u64(a, 1, 1u << 24, &v) != 0)
				return bad(name, a, "want 1..16777216");
			cfg->keys = v;
			break;
		case OPT_KEY_BASE:
			if (parse_u64(a, 0, UINT64_MAX, &v) != 0)
				return bad(name, a, "not a key");
			cfg->key_base = v;
			break;
		case OPT_DIST:
			if (parse_dist(a, cfg) != 0)
				return bad(name, a,
					   "want uniform, zipf or zipf:S with 0 < S <= 10");
			break;
		case OPT_MSGS:
			if (parse_u64(a, 1, UINT16_MAX, &v) != 0)
				return bad(name, a, "want 1..65535");
			cfg->msgs_per_frame = (uint16_t)v;
			break;
		case OPT_PAYLOAD:
			if (parse_payload(a, cfg) != 0)
				return bad(name, a, "want BYTES or MIN-MAX, at most 9000");
			break;
		case OPT_SEED:
			if (parse_u64(a, 0, UINT64_MAX, &cfg->seed) != 0)
				return bad(name, a, "not a number");
			break;
		case OPT_SRC_MAC:
			if (parse_mac(a, cfg->src_mac) != 0)
				return bad(name, a, "not a MAC address (xx:xx:xx:xx:xx:xx)");
			break;
		case OPT_DST_MAC:
			if (parse_mac(a, cfg->dst_mac) != 0)
				return bad(name, a, "not a MAC address (xx:xx:xx:xx:xx:xx)");
			break;
		case OPT_DST_IP:
			if (parse_ip(a, &cfg->dst_ip) != 0)
				return bad(name, a, "not an IPv4 address");
			break;
		case OPT_DST_UDP:
			if (parse_u64(a, 1, UINT16_MAX, &v) != 0)
				return bad(name, a, "want a UDP port 1..65535");
			cfg->dst_udp = (uint16_t)v;
			break;
		case OPT_GAPS:
			if (parse_u64(a, 0, 1000, &v) != 0)
				return bad(name, a, "want a permille 0..1000");
			cfg->gaps_permille = (uint32_t)v;
			break;
		case OPT_MTU:
			if (parse_u64(a, 68, BL_GEN_MAX_MTU, &v) != 0)
				return bad(name, a, "want 68..9000");
			cfg->mtu = (uint32_t)v;
			break;
		case OPT_ROUTES_OUT:
			cfg->routes_out = a;
			break;
		case OPT_ROUTE_PORT:
			if (parse_u64(a, 0, UINT16_MAX - 1, &v) != 0)
				return bad(name, a, "not a port number");
			cfg->route_port = (uint16_t)v;
			break;
		case OPT_ROUTE_MAC:
			if (parse_mac(a, cfg->route_mac) != 0)
				return bad(name, a, "not a MAC address (xx:xx:xx:xx:xx:xx)");
			break;
		case OPT_ROUTE_HOPS:
			if (parse_u64(a, 1, 256, &v) != 0)
				return bad(name, a, "want 1..256 next hops");
			cfg->route_hops = (uint32_t)v;
			break;
		case OPT_ROUTE_IP:
			if (parse_ip(a, &cfg->route_ip) != 0)
				return bad(name, a, "not an IPv4 address");
			break;
		case OPT_ROUTE_UDP:
			if (parse_u64(a, 1, UINT16_MAX, &v) != 0)
				return bad(name, a, "want a UDP port 1..65535");
			cfg->route_udp = (uint16_t)v;
			break;
		case OPT_ROUTE_DROP:
			if (parse_u64(a, 0, 1000, &v) != 0)
				return bad(name, a, "want a permille 0..1000");
			cfg->route_drop_permille = (uint32_t)v;
			break;
		case OPT_UNROUTED:
			if (parse_u64(a, 0, 1000, &v) != 0)
				return bad(name, a, "want a permille 0..1000");
			cfg->unrouted_permille = (uint32_t)v;
			break;
		case OPT_L3FWD_RULES:
			cfg->l3fwd_rules = a;
			break;
		case OPT_L3FWD_PORT:
			/* l3fwd reads the output interface as a uint8_t */
			if (parse_u64(a, 0, UINT8_MAX, &v) != 0)
				return bad(name, a, "want 0..255");
			cfg->l3fwd_port = (uint16_t)v;
			l3fwd_port_given = 1;
			break;
		case OPT_SOURCE_PER_KEY:
			cfg->source_per_key = 1;
			break;
		case OPT_LATENCY:
			cfg->latency = 1;
			break;
		case OPT_DUPLEX:
			cfg->duplex = 1;
			break;
		case OPT_RX_PORT:
			if (parse_u64(a, 0, UINT16_MAX - 1, &v) != 0)
				return bad(name, a, "not a port number");
			cfg->rx_port = (uint16_t)v;
			cfg->rx_port_given = 1;
			break;
		case OPT_RATE:
		case OPT_WARMUP: {
			char *end;
			double d;

			errno = 0;
			d = strtod(a, &end);
			if (errno != 0 || end == a || *end != '\0' || !(d >= 0 && d <= 1e9) ||
			    (opt == OPT_WARMUP && d > 600))
				return bad(name, a,
					   opt == OPT_RATE ? "want 0..1e9 frames a second"
							   : "want 0..600 seconds");
			if (opt == OPT_RATE) {
				cfg->rate = d;
				cfg->rate_given = 1;
			} else {
				cfg->warmup = d;
				cfg->warmup_given = 1;
			}
			break;
		}
		case OPT_HELP:
			bl_gen_usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, "beamline-gen: %s needs a value (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, "beamline-gen: unknown option %s (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "beamline-gen: unexpected argument %s (see --help)\n",
			argv[optind]);
		return -EINVAL;
	}
	if (!l3fwd_port_given && cfg->route_port > UINT8_MAX && cfg->l3fwd_rules != NULL) {
		fprintf(stderr,
			"beamline-gen: --route-port %u is above l3fwd's 255; give "
			"--l3fwd-port\n",
			cfg->route_port);
		return -EINVAL;
	}
	return cross_check(cfg, port_mode, l3fwd_port_given, sources_given);
}
