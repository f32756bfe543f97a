/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's command line: see control/daemon_opts.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/daemon_opts.h"
#include "control/metrics.h"
#include "control/text.h"

/*
 * One log line (the newline added here). User text in it (a path, an
 * argument, a config line or an error that echoes one) reaches a terminal
 * or a journal only escaped (control/text.h), so a name holding an escape
 * sequence cannot rewrite the operator's screen.
 */
void bl_say(FILE *f, const char *fmt, ...)
{
	char line[1024], safe[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	bl_text_escape(line, safe, sizeof(safe));
	fprintf(f, "%s\n", safe);
}

static void usage(FILE *f, const char *prog)
{
	fprintf(
	    f,
	    "usage: %s [EAL args] -- [options]\n"
	    "  --config FILE        run the commands in FILE at start (beamctl grammar)\n"
	    "  --load PATH          load a behaviour module (.so) before the config runs;\n"
	    "                       repeatable (docs/behaviours.md)\n"
	    "  --socket PATH        control socket (default $BEAMLINE_SOCKET or %s)\n"
	    "  --udp-port N         wire-format UDP port (default 7447)\n"
	    "  --port-ip P=A.B.C.D  IPv4 address of port P (default 10.0.P.1)\n"
	    "  --port-ip P=IPV6     IPv6 address of port P (default fd00:0:0:P::1)\n"
	    "  --port-vlans P=V,..  VLANs port P accepts besides untagged frames: 802.1Q\n"
	    "                       ids V, or QinQ pairs OUTER.INNER (repeatable)\n"
	    "  --port-vlan-ip P.V=ADDR  an address (IPv4 or IPv6) of VLAN V on port P,\n"
	    "                       which port P then accepts (default: the port's own)\n"
	    "  --promisc            accept frames for any destination MAC\n"
	    "  --udp6-check WHICH   IPv6 frames whose UDP checksum is summed on receive (when\n"
	    "                       the port does not check it): 'used' (default), those whose\n"
	    "                       messages beamline uses or re-heads, not those it forwards\n"
	    "                       whole (their checksum goes on, updated, for the receiver);\n"
	    "                       'all', every one\n"
	    "  --rxd N, --txd N     descriptors per queue (default 1024)\n"
	    "  --mtu N              IP MTU of every port, 68..9000 (default: the port's own)\n"
	    "  --max-routes N       route table bound (default 1000000)\n"
	    "  --seq-sources N      sources tracked per lcore for seq gaps (default 4096)\n"
	    "  --max-procs N        processes per worker lcore (default 65536)\n"
	    "  --proc-slice-us N    longest time processes run between two polls (default 1000)\n"
	    "  --proc-budget N      messages a process handles per turn (default 64)\n"
	    "  --idle-sleep-us N    power saving: an idle lcore sleeps up to N us, RCU-offline\n"
	    "                       (default 0: it polls, and low load costs no latency)\n"
	    "  --stall-ms N         report a worker lcore with no poll loop for N ms (default "
	    "100)\n"
	    "  --neigh-reachable-ms N  a neighbour resolved by ARP or ND is trusted N ms\n"
	    "                       before it is checked again (default 30000)\n"
	    "  --neigh-retrans-ms N time between ARP requests or solicitations (default 1000)\n"
	    "  --ctl-idle-timeout S close a control client idle for S seconds (default 10; 0:\n"
	    "                       never): no request completed and no reply read meanwhile\n"
	    "  --ctl-busy-poll-us N after serving a request, the control thread polls its\n"
	    "                       socket without sleeping for N us (default 2000; 0: off)\n"
	    "  --stats-interval S   print live figures every S seconds (0: off)\n"
	    "  --run-seconds S      stop by itself after S seconds\n"
	    "  --check-mbufs        exit 3 if any mbuf is missing from its pool at exit\n"
	    "  --metrics [ADDR:]PORT serve Prometheus metrics at http://ADDR:PORT/metrics\n"
	    "                       (ADDR defaults to 127.0.0.1)\n"
	    "  --cluster NAME --node ID --etcd http://HOST:PORT[,...]\n"
	    "                       join cluster NAME in etcd (docs/cluster.md)\n"
	    "  --cluster-ttl S      the node's lease in etcd, seconds (default 10)\n"
	    "  --cluster-addr A[:P] data-plane address registered (default port 0's, --udp-port)\n"
	    "  --cluster-port P     the port other nodes are reached on (default 0)\n"
	    "  --pdump              let dpdk-dumpcap capture the ports (needs hugepages and a\n"
	    "                       shared runtime dir: no --no-huge, no --no-shconf)\n"
	    "  --version, --help    (before or after --; need no hugepages, start nothing)\n"
	    "EAL args as DPDK takes them, e.g. -l 0,1 --no-huge --no-pci --vdev net_pcap0,...\n"
	    "(at least two lcores: the main one runs the control plane)\n",
	    prog, DEFAULT_SOCKET_PATH);
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (*s == '\0' || *s == '-')
		return -EINVAL;
	*out = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || *out > max)
		return -EINVAL;
	return 0;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return (errno != 0 || *end != '\0' || *out < 0 || *out > 1e9) ? -EINVAL : 0;
}

/* The entry for VLAN (outer, vid) of port p in rc, added if new; NULL when
 * the port has BL_PORT_VLAN_MAX already. */
static struct bl_port_vlan *port_vlan_get(struct bl_router_conf *rc, unsigned int p, uint16_t outer,
					  uint16_t vid)
{
	struct bl_port_vlan *v;

	v = (struct bl_port_vlan *)bl_port_vlan_find(rc->port_vlans[p], rc->port_n_vlans[p], outer,
						     vid);
	if (v != NULL)
		return v;
	if (rc->port_n_vlans[p] == BL_PORT_VLAN_MAX) {
		bl_say(stderr, "beamline: port %u: %u VLANs at most", p, BL_PORT_VLAN_MAX);
		return NULL;
	}
	v = &rc->port_vlans[p][rc->port_n_vlans[p]++];
	memset(v, 0, sizeof(*v));
	v->outer = outer;
	v->vid = vid;
	return v;
}

/* --port-vlans P=V[,V...]: each V an 802.1Q id or a QinQ pair O.I. */
static int opt_port_vlans(struct bl_router_conf *rc, char *arg)
{
	char *eq = strchr(arg, '='), *tok, *save = NULL, err[160];
	unsigned long long p;
	uint16_t outer, vid;
	unsigned int n = 0;

	if (eq == NULL || (*eq = '\0', parse_uint(arg, BL_MAX_PORTS - 1, &p)) != 0) {
		bl_say(stderr, "beamline: --port-vlans: expected P=V[,V...] with P a port number");
		return -EINVAL;
	}
	for (tok = strtok_r(eq + 1, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (bl_cmd_vlan_parse(tok, &outer, &vid, err, sizeof(err)) != 0) {
			bl_say(stderr, "beamline: --port-vlans: %s", err);
			return -EINVAL;
		}
		if (port_vlan_get(rc, (unsigned int)p, outer, vid) == NULL)
			return -EINVAL;
		n++;
	}
	if (n == 0) {
		bl_say(stderr, "beamline: --port-vlans: no VLAN after 'P='");
		return -EINVAL;
	}
	return 0;
}

/* --port-vlan-ip P.V=ADDR (V as in --port-vlans: 100 or 300.400). */
static int opt_port_vlan_ip(struct bl_router_conf *rc, char *arg)
{
	char *eq = strchr(arg, '='), *dot = strchr(arg, '.'), err[160];
	struct bl_port_vlan *v;
	unsigned long long p;
	uint16_t outer, vid;
	uint8_t ip6[16];
	uint32_t ip;
	bool v6;

	if (eq == NULL || dot == NULL || dot > eq) {
		bl_say(stderr, "beamline: --port-vlan-ip: expected P.V=ADDR");
		return -EINVAL;
	}
	*eq = *dot = '\0';
	if (parse_uint(arg, BL_MAX_PORTS - 1, &p) != 0) {
		bl_say(stderr, "beamline: --port-vlan-ip: bad port '%s'", arg);
		return -EINVAL;
	}
	if (bl_cmd_vlan_parse(dot + 1, &outer, &vid, err, sizeof(err)) != 0 ||
	    bl_cmd_ip_parse(eq + 1, &ip, &v6, ip6, err, sizeof(err)) != 0) {
		bl_say(stderr, "beamline: --port-vlan-ip: %s", err);
		return -EINVAL;
	}
	v = port_vlan_get(rc, (unsigned int)p, outer, vid);
	if (v == NULL)
		return -EINVAL;
	if (v6)
		memcpy(v->ip6, ip6, 16);
	else
		v->ip = rte_cpu_to_be_32(ip);
	return 0;
}

int bl_daemon_parse_opts(int argc, char **argv, struct bl_daemon_opts *o)
{
	enum {
		O_CONFIG = 256,
		O_LOAD,
		O_SOCKET,
		O_UDP,
		O_PORTIP,
		O_PORTVLANS,
		O_PORTVLANIP,
		O_PROMISC,
		O_UDP6_CHECK,
		O_RXD,
		O_TXD,
		O_MTU,
		O_MAXR,
		O_SEQ,
		O_STATS,
		O_RUN,
		O_CHECK,
		O_MAXP,
		O_IDLE,
		O_STALL,
		O_PDUMP,
		O_SLICE,
		O_BUDGET,
		O_RING,
		O_METRICS,
		O_CLUSTER,
		O_CTL_IDLE,
		O_CTL_BUSY,
		O_NBR_REACH,
		O_NBR_RETRANS,
		O_VERSION,
		O_HELP
	};
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "load", required_argument, NULL, O_LOAD },
		{ "socket", required_argument, NULL, O_SOCKET },
		{ "udp-port", required_argument, NULL, O_UDP },
		{ "port-ip", required_argument, NULL, O_PORTIP },
		{ "port-vlans", required_argument, NULL, O_PORTVLANS },
		{ "port-vlan-ip", required_argument, NULL, O_PORTVLANIP },
		{ "promisc", no_argument, NULL, O_PROMISC },
		{ "udp6-check", required_argument, NULL, O_UDP6_CHECK },
		{ "rxd", required_argument, NULL, O_RXD },
		{ "txd", required_argument, NULL, O_TXD },
		{ "mtu", required_argument, NULL, O_MTU },
		{ "max-routes", required_argument, NULL, O_MAXR },
		{ "seq-sources", required_argument, NULL, O_SEQ },
		{ "stats-interval", required_argument, NULL, O_STATS },
		{ "run-seconds", required_argument, NULL, O_RUN },
		{ "check-mbufs", no_argument, NULL, O_CHECK },
		{ "max-procs", required_argument, NULL, O_MAXP },
		{ "idle-sleep-us", required_argument, NULL, O_IDLE },
		{ "stall-ms", required_argument, NULL, O_STALL },
		{ "pdump", no_argument, NULL, O_PDUMP },
		{ "proc-slice-us", required_argument, NULL, O_SLICE },
		{ "proc-budget", required_argument, NULL, O_BUDGET },
		{ "proc-ring", required_argument, NULL, O_RING },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "ctl-idle-timeout", required_argument, NULL, O_CTL_IDLE },
		{ "ctl-busy-poll-us", required_argument, NULL, O_CTL_BUSY },
		{ "neigh-reachable-ms", required_argument, NULL, O_NBR_REACH },
		{ "neigh-retrans-ms", required_argument, NULL, O_NBR_RETRANS },
		{ "cluster", required_argument, NULL, O_CLUSTER },
		{ "node", required_argument, NULL, O_CLUSTER },
		{ "etcd", required_argument, NULL, O_CLUSTER },
		{ "cluster-ttl", required_argument, NULL, O_CLUSTER },
		{ "cluster-addr", required_argument, NULL, O_CLUSTER },
		{ "cluster-port", required_argument, NULL, O_CLUSTER },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	char err[160];
	int c, longidx = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, &longidx)) != -1) {
		switch (c) {
		case O_CONFIG:
			o->config = optarg;
			break;
		case O_CLUSTER:
			if (bl_cluster_cmds_opt(&o->cluster, lopts[longidx].name, optarg, err,
						sizeof(err)) != 0) {
				bl_say(stderr, "beamline: --%s: %s", lopts[longidx].name, err);
				return -EINVAL;
			}
			break;
		case O_LOAD:
			if (o->n_loads == LOADS_MAX) {
				bl_say(stderr, "beamline: --load: %d modules at most", LOADS_MAX);
				return -EINVAL;
			}
			o->loads[o->n_loads++] = optarg;
			break;
		case O_SOCKET:
			o->socket = optarg;
			break;
		case O_UDP:
			if (parse_uint(optarg, 65535, &v) != 0 || v == 0)
				goto bad;
			o->rc.udp_port = (uint16_t)v;
			break;
		case O_PORTIP: {
			char *eq = strchr(optarg, '=');
			uint8_t ip6[16];
			uint32_t ip;
			bool v6;

			if (eq == NULL)
				goto bad;
			*eq = '\0';
			if (parse_uint(optarg, BL_MAX_PORTS - 1, &v) != 0)
				goto bad;
			if (bl_cmd_ip_parse(eq + 1, &ip, &v6, ip6, err, sizeof(err)) != 0) {
				bl_say(stderr, "beamline: --port-ip: %s", err);
				return -EINVAL;
			}
			if (v6)
				memcpy(o->rc.port_ip6[v], ip6, 16);
			else
				o->rc.port_ip[v] = ip;
			break;
		}
		case O_PORTVLANS:
			if (opt_port_vlans(&o->rc, optarg) != 0)
				return -EINVAL;
			break;
		case O_PORTVLANIP:
			if (opt_port_vlan_ip(&o->rc, optarg) != 0)
				return -EINVAL;
			break;
		case O_PROMISC:
			o->rc.promisc = true;
			break;
		case O_UDP6_CHECK:
			if (strcmp(optarg, "all") != 0 && strcmp(optarg, "used") != 0) {
				bl_say(stderr,
				       "beamline: bad value '%s' for --udp6-check: 'used' or 'all'",
				       optarg);
				return -EINVAL;
			}
			o->rc.udp6_check_all = strcmp(optarg, "all") == 0;
			break;
		case O_RXD:
		case O_TXD:
			if (parse_uint(optarg, 32768, &v) != 0 || v < 32)
				goto bad;
			if (c == O_RXD)
				o->rc.rxd = (uint16_t)v;
			else
				o->rc.txd = (uint16_t)v;
			break;
		case O_MTU:
			if (parse_uint(optarg, BL_MTU_MAX, &v) != 0 || v < BL_MTU_MIN) {
				bl_say(stderr,
				       "beamline: bad value '%s' for --mtu: an IP MTU %d..%d",
				       optarg, BL_MTU_MIN, BL_MTU_MAX);
				return -EINVAL;
			}
			o->rc.mtu = (uint16_t)v;
			break;
		case O_MAXR:
			if (parse_uint(optarg, 1ull << 32, &v) != 0 || v == 0)
				goto bad;
			o->rc.max_routes = v;
			break;
		case O_SEQ:
			if (parse_uint(optarg, 1u << 24, &v) != 0 || v == 0)
				goto bad;
			o->rc.seq_sources = (uint32_t)v;
			break;
		case O_STATS:
			if (parse_seconds(optarg, &o->stats_interval) != 0)
				goto bad;
			break;
		case O_RUN:
			if (parse_seconds(optarg, &o->run_seconds) != 0)
				goto bad;
			break;
		case O_CHECK:
			o->check_mbufs = true;
			break;
		case O_MAXP:
			if (parse_uint(optarg, 1u << 24, &v) != 0 || v == 0)
				goto bad;
			o->rc.max_procs = (uint32_t)v;
			break;
		case O_IDLE:
			if (parse_uint(optarg, 100000, &v) != 0)
				goto bad;
			o->rc.idle_sleep_us = (uint32_t)v;
			break;
		case O_RING:
			if (parse_uint(optarg, 1u << 20, &v) != 0 || v < 64 || (v & (v - 1)) != 0)
				goto bad;
			o->rc.proc_ring = (uint32_t)v;
			break;
		case O_SLICE:
			if (parse_uint(optarg, 1000000, &v) != 0 || v == 0)
				goto bad;
			o->rc.proc_slice_us = (uint32_t)v;
			break;
		case O_BUDGET:
			if (parse_uint(optarg, 1000000, &v) != 0 || v == 0)
				goto bad;
			o->rc.proc_budget = (uint32_t)v;
			break;
		case O_PDUMP:
			o->pdump = true;
			break;
		case O_METRICS:
			if (bl_metrics_parse_addr(optarg, &o->metrics_at, err, sizeof(err)) != 0) {
				fprintf(stderr, "beamline: --metrics: %s\n", err);
				return -EINVAL;
			}
			o->metrics = true;
			break;
		case O_STALL:
			if (parse_uint(optarg, 3600000, &v) != 0 || v == 0)
				goto bad;
			o->stall_ms = (uint32_t)v;
			break;
		case O_CTL_BUSY:
			if (parse_uint(optarg, 1000000, &v) != 0)
				goto bad;
			o->ctl_busy_poll_us = (uint32_t)v;
			break;
		case O_NBR_REACH:
			if (parse_uint(optarg, 86400000, &v) != 0 || v == 0)
				goto bad;
			o->rc.nbr.reachable_ms = (uint32_t)v;
			break;
		case O_NBR_RETRANS:
			if (parse_uint(optarg, 60000, &v) != 0 || v == 0)
				goto bad;
			o->rc.nbr.retrans_ms = (uint32_t)v;
			break;
		case O_CTL_IDLE: {
			double sec;

			if (parse_seconds(optarg, &sec) != 0 || sec > 86400)
				goto bad;
			o->ctl_idle_ms = (uint32_t)(sec * 1000 + 0.5);
			if (o->ctl_idle_ms == 0 && sec > 0)
				o->ctl_idle_ms = 1;
			break;
		}
		case O_VERSION:
			printf("beamline %s\n", BEAMLINE_VERSION);
			return 1;
		case O_HELP:
			usage(stdout, argv[0]);
			return 1;
		default:
			usage(stderr, argv[0]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		bl_say(stderr, "beamline: unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	return 0;
bad:
	/* The option's own name: with "--opt value" argv[optind - 1] is the value. */
	bl_say(stderr, "beamline: bad value '%s' for --%s (see --help)", optarg,
	       lopts[longidx].name);
	return -EINVAL;
}

/*
 * --help and --version answer before EAL starts, wherever they are (before
 * or after "--"): EAL would want hugepages and ports first, and fail on a
 * machine that has none. Returns true when one was answered.
 */
bool bl_daemon_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout, "beamline");
			return true;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("beamline %s\n", BEAMLINE_VERSION);
			return true;
		}
	}
	return false;
}
