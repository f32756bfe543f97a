/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamline: the daemon.
 *
 *   beamline [EAL args] -- [--config FILE] [--socket PATH] [options]
 *
 * The main lcore is the control thread: it owns every write to the route
 * table, serves the control socket, prints the live figures, and on SIGINT
 * or SIGTERM stops the workers, closes the ports, checks that every mbuf
 * came back to its pool, and exits 0. Every other lcore polls ports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "control/cluster_cmds.h"
#include "control/cmd.h"
#include "control/ctl.h"
#include "control/metrics.h"
#include "control/module_cmds.h"
#include "control/proc_cmds.h"
#include "control/router_cmds.h"
#include "control/sup_cmds.h"
#include "control/telemetry.h"
#include "control/text.h"
#include "dataplane/router.h"

#define BEAMLINE_VERSION    "0.1.0"
#define LOADS_MAX	    64 /* --load options */
#define DEFAULT_SOCKET_PATH "/run/beamline/beamline.sock"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct opts {
	const char *config;
	const char *loads[LOADS_MAX]; /* --load PATH, in order */
	unsigned n_loads;
	const char *socket;
	double stats_interval; /* seconds; 0 = quiet */
	double run_seconds;    /* 0 = until a signal */
	bool check_mbufs;
	bool pdump;
	bool metrics;		       /* --metrics given */
	struct sockaddr_in metrics_at; /* where /metrics listens */
	uint32_t stall_ms;
	uint32_t ctl_idle_ms;
	uint32_t ctl_busy_poll_us; /* keep polling the control socket this long after work */
	struct bl_router_conf rc;
	struct bl_cluster_conf cluster; /* --cluster, --node, --etcd, --cluster-* */
};

/*
 * One log line (the newline added here). User text in it (a path, an
 * argument, a config line or an error that echoes one) reaches a terminal
 * or a journal only escaped (control/text.h), so a name holding an escape
 * sequence cannot rewrite the operator's screen.
 */
static void say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *f, const char *fmt, ...)
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
		say(stderr, "beamline: port %u: %u VLANs at most", p, BL_PORT_VLAN_MAX);
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
		say(stderr, "beamline: --port-vlans: expected P=V[,V...] with P a port number");
		return -EINVAL;
	}
	for (tok = strtok_r(eq + 1, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (bl_cmd_vlan_parse(tok, &outer, &vid, err, sizeof(err)) != 0) {
			say(stderr, "beamline: --port-vlans: %s", err);
			return -EINVAL;
		}
		if (port_vlan_get(rc, (unsigned int)p, outer, vid) == NULL)
			return -EINVAL;
		n++;
	}
	if (n == 0) {
		say(stderr, "beamline: --port-vlans: no VLAN after 'P='");
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
		say(stderr, "beamline: --port-vlan-ip: expected P.V=ADDR");
		return -EINVAL;
	}
	*eq = *dot = '\0';
	if (parse_uint(arg, BL_MAX_PORTS - 1, &p) != 0) {
		say(stderr, "beamline: --port-vlan-ip: bad port '%s'", arg);
		return -EINVAL;
	}
	if (bl_cmd_vlan_parse(dot + 1, &outer, &vid, err, sizeof(err)) != 0 ||
	    bl_cmd_ip_parse(eq + 1, &ip, &v6, ip6, err, sizeof(err)) != 0) {
		say(stderr, "beamline: --port-vlan-ip: %s", err);
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

static int parse_opts(int argc, char **argv, struct opts *o)
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
				say(stderr, "beamline: --%s: %s", lopts[longidx].name, err);
				return -EINVAL;
			}
			break;
		case O_LOAD:
			if (o->n_loads == LOADS_MAX) {
				say(stderr, "beamline: --load: %d modules at most", LOADS_MAX);
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
				say(stderr, "beamline: --port-ip: %s", err);
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
				say(stderr, "beamline: bad value '%s' for --mtu: an IP MTU %d..%d",
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
		say(stderr, "beamline: unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	return 0;
bad:
	/* The option's own name: with "--opt value" argv[optind - 1] is the value. */
	say(stderr, "beamline: bad value '%s' for --%s (see --help)", optarg, lopts[longidx].name);
	return -EINVAL;
}

/*
 * --help and --version answer before EAL starts, wherever they are (before
 * or after "--"): EAL would want hugepages and ports first, and fail on a
 * machine that has none. Returns true when one was answered.
 */
static bool wants_help(int argc, char **argv)
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

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One line of live figures: rates since the last line, drops by reason. */
static void print_figures(struct bl_router *r, struct bl_lcore_stats *prev, double dt)
{
	struct bl_lcore_stats now;
	char drops[512];
	size_t off = 0;
	unsigned int i;

	bl_router_stats_sum(r, &now);
	for (i = 1; i < BL_PKT_DROP_MAX && off < sizeof(drops); i++)
		if (now.pkt_drops[i] != 0)
			off += (size_t)snprintf(drops + off, sizeof(drops) - off, " %s=%llu",
						bl_pkt_drop_names[i],
						(unsigned long long)now.pkt_drops[i]);
	for (i = 0; i < BL_MSG_DROP_MAX && off < sizeof(drops); i++)
		if (now.msg_drops[i] != 0)
			off += (size_t)snprintf(drops + off, sizeof(drops) - off, " %s=%llu",
						bl_msg_drop_names[i],
						(unsigned long long)now.msg_drops[i]);
	printf("in %9.3f Mmsg/s %8.3f Mpkt/s | out %9.3f Mmsg/s %8.3f Mpkt/s | "
	       "msgs in %llu fwd %llu dropped %llu | drops:%s\n",
	       (double)(now.rx_msgs - prev->rx_msgs) / dt / 1e6,
	       (double)(now.rx_pkts - prev->rx_pkts) / dt / 1e6,
	       (double)(now.fwd_msgs - prev->fwd_msgs) / dt / 1e6,
	       (double)(now.tx_pkts - prev->tx_pkts) / dt / 1e6, (unsigned long long)now.rx_msgs,
	       (unsigned long long)now.fwd_msgs, (unsigned long long)now.drop_msgs,
	       off ? drops : " none");
	*prev = now;
}

static int make_socket_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* --load PATH: a `load PATH` request, as the config's line would send it. */
static int load_module(struct bl_ctl *ctl, const char *path, char *err, size_t errlen)
{
	char *words[] = { (char *)"load", (char *)path, NULL };
	json_t *req, *reply = NULL;
	int rc;

	req = bl_cmd_from_words(2, words, err, errlen);
	if (req == NULL)
		return -EINVAL;
	rc = bl_ctl_exec(ctl, req, &reply);
	if (rc < 0) {
		const char *m = json_string_value(json_object_get(reply, "message"));

		snprintf(err, errlen, "%s", m != NULL ? m : strerror(-rc));
	} else {
		say(stdout, "beamline: loaded behaviour %s %s from %s",
		    json_string_value(json_object_get(reply, "behaviour")),
		    json_string_value(json_object_get(reply, "version")),
		    json_string_value(json_object_get(reply, "path")));
	}
	json_decref(req);
	json_decref(reply);
	return rc < 0 ? rc : 0;
}

/*
 * The control thread's heap never shrinks and never maps a block of its own
 * below 64 MiB. glibc's defaults give memory back at each large free (the
 * heap's top trimmed with brk, or a block munmap'ed), and unmapping memory
 * of a process flushes the TLB of every CPU running it: an interrupt on
 * each worker lcore, in a VM an exit too. A route feed freeing a request's
 * buffers 100,000 times a second stalled the workers that way. The route
 * table's own arrays are mmap'ed and freed only when it resizes.
 */
static void quiet_heap(void)
{
	(void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
	(void)mallopt(M_MMAP_THRESHOLD, 64 << 20);
	(void)mallopt(M_TOP_PAD, 16 << 20);
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct bl_router *r = NULL;
	struct bl_ctl *ctl = NULL;
	struct bl_metrics *metrics = NULL;
	struct bl_router_cmds rcmds = { 0 };
	static struct bl_proc_cmds pcmds;
	static struct bl_sup_cmds scmds;
	static struct bl_module_cmds mcmds;
	static struct bl_cluster_cmds ccmds;
	struct bl_lcore_stats prev;
	struct sigaction sa;
	double t0, last;
	unsigned int lost;
	bool busy = false;
	double hot_until = 0;
	char err[512];
	int ret, status = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	quiet_heap();
	if (wants_help(argc, argv))
		return 0;
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "beamline: DPDK EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"beamline";

	bl_router_conf_defaults(&o.rc);
	o.ctl_idle_ms = UINT32_MAX; /* not given: the server's default */
	o.ctl_busy_poll_us = 2000;
	o.socket = getenv("BEAMLINE_SOCKET");
	if (o.socket == NULL || *o.socket == '\0')
		o.socket = DEFAULT_SOCKET_PATH;
	ret = parse_opts(argc, argv, &o);
	if (ret != 0) {
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rcu_register_thread();
	ret = bl_router_create(&r, &o.rc, err, sizeof(err));
	if (ret != 0) {
		say(stderr, "beamline: %s", err);
		goto out;
	}
	ret = make_socket_dir(o.socket);
	if (ret == 0) {
		ctl = bl_ctl_create(o.socket);
		if (ctl == NULL)
			ret = -errno;
	}
	if (ret != 0) {
		say(stderr, "beamline: control socket %s: %s%s", o.socket, strerror(-ret),
		    ret == -EADDRINUSE ? " (another beamline is serving it)" : "");
		goto out;
	}
	if (o.ctl_idle_ms != UINT32_MAX)
		bl_ctl_set_idle_timeout(ctl, o.ctl_idle_ms);
	rcmds.r = r;
	rcmds.socket_path = o.socket;
	rcmds.version = BEAMLINE_VERSION;
	ret = bl_router_cmds_register(ctl, &rcmds);
	pcmds.r = r;
	pcmds.stall_ms = o.stall_ms;
	if (ret == 0)
		ret = bl_proc_cmds_register(ctl, &pcmds);
	scmds.r = r;
	if (ret == 0)
		ret = bl_sup_cmds_register(ctl, &scmds);
	mcmds.r = r;
	mcmds.sup = &scmds;
	mcmds.crash_log = scmds.crash_log;
	if (ret == 0)
		ret = bl_module_cmds_register(ctl, &mcmds);
	if (ret == 0)
		ret = bl_cluster_cmds_register(ctl, &ccmds);
	if (ret != 0) {
		fprintf(stderr, "beamline: cannot register commands: %s\n", strerror(-ret));
		goto out;
	}
	pcmds.crash_log = scmds.crash_log;
	ret = bl_telemetry_register(ctl, err, sizeof(err));
	if (ret == 0)
		ret = bl_pdump_setup(o.pdump, err, sizeof(err));
	if (ret != 0) {
		say(stderr, "beamline: %s", err);
		goto out;
	}
	if (o.metrics) {
		metrics = bl_metrics_start(&o.metrics_at, ctl, r, err, sizeof(err));
		if (metrics == NULL) {
			fprintf(stderr, "beamline: %s\n", err);
			goto out;
		}
	}
	/* Before the config: its `route add ... --cluster` lines queue for etcd. */
	if (o.cluster.name != NULL || o.cluster.node != NULL || o.cluster.endpoints != NULL) {
		ret = bl_cluster_cmds_start(&ccmds, &rcmds, r, &o.cluster, err, sizeof(err));
		if (ret != 0) {
			say(stderr, "beamline: cluster: %s", err);
			goto out;
		}
	}
	/* The control thread is RCU-offline except inside handlers. */
	rcu_thread_offline();
	/* Modules first: the config may spawn their behaviours. */
	for (unsigned i = 0; i < o.n_loads; i++) {
		ret = load_module(ctl, o.loads[i], err, sizeof(err));
		if (ret != 0) {
			say(stderr, "beamline: --load: %s", err);
			goto out_offline;
		}
	}
	if (o.config != NULL) {
		ret = bl_ctl_load_config(ctl, o.config, err, sizeof(err));
		if (ret != 0) {
			say(stderr, "beamline: config: %s", err);
			goto out_offline;
		}
	}
	/* Packets wait in the ports until the trees the config starts run. */
	bl_router_hold_rx(r, true);
	ret = bl_router_start(r);
	if (ret != 0) {
		fprintf(stderr, "beamline: cannot launch the worker lcores: %s\n",
			rte_strerror(-ret));
		goto out_offline;
	}
	/* Trees the config started wait for the workers: they spawn there. */
	ret = bl_sup_cmds_start_pending(&scmds, err, sizeof(err));
	if (ret != 0) {
		say(stderr, "beamline: config: %s", err);
		stop_requested = 1;
	}
	bl_router_hold_rx(r, false);
	say(stdout, "beamline %s: %u port(s), %u worker lcore(s), %llu route(s); control socket %s",
	    BEAMLINE_VERSION, r->n_ports, r->n_workers, (unsigned long long)r->routes->count,
	    o.socket);
	if (metrics != NULL) {
		char host[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &o.metrics_at.sin_addr, host, sizeof(host));
		printf("beamline: metrics at http://%s:%u/metrics\n", host,
		       ntohs(o.metrics_at.sin_port));
	}

	t0 = last = mono_s();
	memset(&prev, 0, sizeof(prev));
	while (!stop_requested) {
		double now;

		/* Busy polling while requests keep coming (a route feed): the
		 * control CPU then never sleeps and wakes between them, which on
		 * some machines disturbs the workers' CPUs (docs/operations.md). */
		if (bl_ctl_poll(ctl, busy || mono_s() < hot_until ? 0 : 5) > 0)
			hot_until = mono_s() + o.ctl_busy_poll_us / 1e6;
		bl_telemetry_poll();
		bl_metrics_tick(metrics);
		busy = bl_proc_cmds_tick(&pcmds) != 0;
		/* ARP and ND: answered, resolved, aged here (dataplane/nbr.c). */
		busy |= bl_nbr_tick(r->nbr, bl_nbr_now_ms()) != 0;
		bl_module_cmds_tick(&mcmds);
		bl_cluster_cmds_tick(&ccmds);
		now = mono_s();
		if (o.stats_interval > 0 && now - last >= o.stats_interval) {
			print_figures(r, &prev, now - last);
			last = now;
		}
		if (o.run_seconds > 0 && now - t0 >= o.run_seconds)
			break;
	}
	/* Supervision trees stop cleanly (reverse start order) while the
	 * workers still run their processes. */
	bl_sup_cmds_stop_all(&scmds);
	bl_router_stop(r);
	status = ret == 0 ? 0 : 1;
out_offline:
	rcu_thread_online();
out:
	if (r != NULL && status == 0) {
		struct bl_lcore_stats fin;

		bl_router_stats_sum(r, &fin);
		/* Every message in is forwarded, dropped, delivered to a process or
		 * still buffered: the identity is checkable from this line alone.
		 * New figures go at the end (scripts/bench reads the start). */
		printf("beamline: stopped: %llu packets in, %llu messages in, %llu forwarded, "
		       "%llu dropped, %llu delivered, %llu buffered\n",
		       (unsigned long long)fin.rx_pkts, (unsigned long long)fin.rx_msgs,
		       (unsigned long long)fin.fwd_msgs, (unsigned long long)fin.drop_msgs,
		       (unsigned long long)fin.delivered_msgs,
		       (unsigned long long)fin.buffered_msgs);
	}
	bl_cluster_cmds_stop(&ccmds);
	bl_telemetry_close();
	bl_metrics_stop(metrics);
	bl_ctl_destroy(ctl);
	bl_sup_cmds_fini(&scmds);
	bl_pdump_teardown();
	rcu_thread_offline();
	lost = bl_router_destroy(r);
	if (r != NULL) {
		if (lost != 0) {
			fprintf(stderr, "beamline: %u mbufs did not come back to the pool\n", lost);
			if (o.check_mbufs && status == 0)
				status = 3;
		} else if (status == 0) {
			printf("beamline: every mbuf is back in its pool\n");
		}
	}
	rcu_unregister_thread();
	rte_eal_cleanup();
	return status;
}
