/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared fixture of the router context tests (test_router_create.c,
 * test_router_run.c): vdevs hot-plugged under names never used before
 * (destroying a router closes, and so releases, its ports), a router
 * configuration small enough to make many times, and EAL started with the
 * control lcore and two workers.
 */
#ifndef BL_TESTS_DATAPLANE_ROUTER_TEST_H
#define BL_TESTS_DATAPLANE_ROUTER_TEST_H

#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "dataplane/router.h"

/* ---- ports: fresh vdevs per router ---- */

#define MAX_VDEVS 4

struct vdevs {
	unsigned n;
	char name[MAX_VDEVS][40];
};

static unsigned vdev_seq;

/* Hot-plug a vdev of kind ("net_ring", "net_null") under a name never used before. */
static inline void vdev_add(struct vdevs *v, const char *kind)
{
	assert_true(v->n < MAX_VDEVS);
	snprintf(v->name[v->n], sizeof(v->name[0]), "%s_rt%u", kind, vdev_seq++);
	assert_int_equal(rte_dev_probe(v->name[v->n]), 0);
	v->n++;
}

/* Unplug them (a port the router closed is gone already: only the device remains). */
static inline void vdevs_remove(struct vdevs *v)
{
	for (unsigned i = 0; i < v->n; i++)
		assert_int_equal(rte_eal_hotplug_remove("vdev", v->name[i]), 0);
	v->n = 0;
	assert_int_equal(rte_eth_dev_count_avail(), 0);
}

/* Small enough that a router is cheap to make many times. */
static inline void small_conf(struct bl_router_conf *c)
{
	bl_router_conf_defaults(c);
	c->rxd = c->txd = 256;
	c->max_routes = 4096;
	c->max_procs = 1024;
	c->proc_mbufs = 1024;
	c->max_names = 256;
	c->max_groups = 64;
	c->max_members = 64;
	c->max_msgs = 4096;
}

/*
 * Start EAL in this process: the control lcore and two workers, the workers
 * on the second CPU this process may use (or the only one). 0 or -1.
 */
static inline int router_test_eal(const char *name)
{
	char prefix[64], lcores[64];
	char *argv[] = {
		(char *)name, "--no-huge", "--no-shconf", "--no-pci", "-m",
		"512",	      prefix,	   "--lcores",	  lcores,     "--log-level=error"
	};
	cpu_set_t cpus;
	int cpu[2] = { -1, -1 };

	/* Two workers, on the second CPU (or the only one). */
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		for (int c = 0, k = 0; c < CPU_SETSIZE && k < 2; c++)
			if (CPU_ISSET(c, &cpus))
				cpu[k++] = c;
	if (cpu[0] < 0)
		cpu[0] = 0;
	if (cpu[1] < 0)
		cpu[1] = cpu[0];
	snprintf(lcores, sizeof(lcores), "0@%d,1@%d,2@%d", cpu[0], cpu[1], cpu[1]);
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s_%d", name, (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	return 0;
}

#endif /* BL_TESTS_DATAPLANE_ROUTER_TEST_H */
