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
 * Its options, --help and log lines: control/daemon_opts.c.
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
#include "control/global_names.h"
#include "control/cmd.h"
#include "control/ctl.h"
#include "control/daemon_opts.h"
#include "control/metrics.h"
#include "control/module_cmds.h"
#include "control/proc_cmds.h"
#include "control/router_cmds.h"
#include "control/sup_cmds.h"
#include "control/telemetry.h"
#include "control/text.h"
#include "dataplane/heartbeat.h"
#include "dataplane/router.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
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
		bl_say(stdout, "beamline: loaded behaviour %s %s from %s",
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
	struct bl_daemon_opts o = { 0 };
	struct bl_router *r = NULL;
	struct bl_ctl *ctl = NULL;
	struct bl_metrics *metrics = NULL;
	struct bl_router_cmds rcmds = { 0 };
	static struct bl_proc_cmds pcmds;
	static struct bl_sup_cmds scmds;
	static struct bl_module_cmds mcmds;
	static struct bl_cluster_cmds ccmds;
	static struct bl_global_names gnames;
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
	if (bl_daemon_wants_help(argc, argv))
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
	ret = bl_daemon_parse_opts(argc, argv, &o);
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
		bl_say(stderr, "beamline: %s", err);
		goto out;
	}
	ret = make_socket_dir(o.socket);
	if (ret == 0) {
		ctl = bl_ctl_create(o.socket);
		if (ctl == NULL)
			ret = -errno;
	}
	if (ret != 0) {
		bl_say(stderr, "beamline: control socket %s: %s%s", o.socket, strerror(-ret),
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
	if (ret == 0)
		ret = bl_global_names_register(ctl, &gnames, r, &ccmds, o.cluster.via_port);
	if (ret != 0) {
		fprintf(stderr, "beamline: cannot register commands: %s\n", strerror(-ret));
		goto out;
	}
	pcmds.crash_log = scmds.crash_log;
	ret = bl_telemetry_register(ctl, err, sizeof(err));
	if (ret == 0)
		ret = bl_pdump_setup(o.pdump, err, sizeof(err));
	if (ret != 0) {
		bl_say(stderr, "beamline: %s", err);
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
			bl_say(stderr, "beamline: cluster: %s", err);
			goto out;
		}
	}
	/* The control thread is RCU-offline except inside handlers. */
	rcu_thread_offline();
	/* Modules first: the config may spawn their behaviours. */
	for (unsigned i = 0; i < o.n_loads; i++) {
		ret = load_module(ctl, o.loads[i], err, sizeof(err));
		if (ret != 0) {
			bl_say(stderr, "beamline: --load: %s", err);
			goto out_offline;
		}
	}
	if (o.config != NULL) {
		ret = bl_ctl_load_config(ctl, o.config, err, sizeof(err));
		if (ret != 0) {
			bl_say(stderr, "beamline: config: %s", err);
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
		bl_say(stderr, "beamline: config: %s", err);
		stop_requested = 1;
	}
	bl_router_hold_rx(r, false);
	bl_say(stdout,
	       "beamline %s: %u port(s), %u worker lcore(s), %llu route(s); control socket %s",
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
		bl_global_names_tick(&gnames);
		/* To every other node, ahead of data (dataplane/heartbeat.h). */
		bl_heartbeat_tick(r, bl_heartbeat_now_ns());
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
