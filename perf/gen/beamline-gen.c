/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamline-gen: wire-format v1 traffic into a pcap file or onto a DPDK port.
 *
 * The mode is chosen by the command line's shape: a "--" means EAL
 * arguments come first and the frames go to a port; without it nothing
 * touches the EAL and the frames go to --out. Exit status: 0 done, 1 a
 * run-time failure (file, port, memory), 2 bad arguments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "perf/gen/gen.h"

static int has_eal_separator(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return 1;
	return 0;
}

static int write_side_outputs(const struct bl_gen *g)
{
	int rc = 0;

	if (g->cfg->routes_out != NULL)
		rc = bl_gen_write_routes(g, g->cfg->routes_out);
	if (rc == 0 && g->cfg->l3fwd_rules != NULL)
		rc = bl_gen_write_l3fwd_rules(g, g->cfg->l3fwd_rules);
	return rc;
}

int main(int argc, char **argv)
{
	struct bl_gen_cfg cfg;
	struct bl_gen *g;
	int port_mode = has_eal_separator(argc, argv);
	int rc;

	if (port_mode) {
		int n = rte_eal_init(argc, argv);

		if (n < 0) {
			fprintf(stderr, "beamline-gen: EAL init failed: %s\n",
				rte_strerror(rte_errno));
			return 2;
		}
		argc -= n;
		argv += n;
	}
	rc = bl_gen_parse_args(&cfg, argc, argv, port_mode);
	if (rc != 0) {
		if (port_mode)
			rte_eal_cleanup();
		return rc > 0 ? 0 : 2;
	}

	g = bl_gen_create(&cfg);
	if (g == NULL) {
		fprintf(stderr, "beamline-gen: %s\n", strerror(errno));
		if (port_mode)
			rte_eal_cleanup();
		return 1;
	}
	if (!port_mode)
		rc = bl_gen_run_pcap(g);
	else if (cfg.latency)
		rc = bl_gen_run_latency(g);
	else
		rc = bl_gen_run_port(g);
	if (rc == 0)
		rc = write_side_outputs(g);
	if (rc == 0 && !port_mode)
		bl_gen_print_summary(g, "wrote");
	bl_gen_destroy(g);
	if (port_mode)
		rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
