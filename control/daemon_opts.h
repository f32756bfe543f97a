/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's command line (control/beamline.c's options, after EAL's
 * "--"): what it takes, its --help, and its log lines.
 *
 * - bl_daemon_wants_help: --help and --version, answered before EAL starts;
 * - bl_daemon_parse_opts: every option into struct bl_daemon_opts (the
 *   caller fills the defaults first); a bad value is one clear line on
 *   stderr and -EINVAL (the daemon exits 2);
 * - bl_say: one log line, user text escaped (control/text.h).
 */
#ifndef BL_DAEMON_OPTS_H
#define BL_DAEMON_OPTS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "control/cluster_cmds.h"
#include "dataplane/router.h"

#define BEAMLINE_VERSION    "0.1.0"
#define LOADS_MAX	    64 /* --load options */
#define DEFAULT_SOCKET_PATH "/run/beamline/beamline.sock"

struct bl_daemon_opts {
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

/* One log line to f, the newline added; user text in it escaped. */
void bl_say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --help or --version anywhere in argv: answered on stdout, true. */
bool bl_daemon_wants_help(int argc, char **argv);

/* The options after EAL's "--" (argv as rte_eal_init left it) into o, whose
 * defaults the caller set. 0; 1 when --help or --version was answered;
 * -EINVAL after one line on stderr for a bad option or value. */
int bl_daemon_parse_opts(int argc, char **argv, struct bl_daemon_opts *o);

#endif /* BL_DAEMON_OPTS_H */
