/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Creating the router context (dataplane/router.h): what bl_router_create
 * builds over virtual ports (queues per worker, addresses, the runtime and
 * its tables), the conditions it refuses with a one-line reason (no ports,
 * no worker, a port with too few queues, values its tables or schedulers
 * refuse) and that a refusal leaves nothing behind.
 *
 * The refusals that depend on how EAL starts run in a child process each
 * (fork before this process starts EAL). The others hot-plug fresh vdevs
 * (tests/dataplane/router_test.h) for every router.
 */
#include <sys/wait.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "actors/group.h"
#include "actors/sched.h"
#include "dataplane/lcore.h"
#include "dataplane/wire.h"

#include "router_test.h"

/* ---- refusals that depend on how EAL starts: one child process each ---- */

static char not_null; /* what *out holds before a create that must clear it */

struct child_result {
	int eal_ok;
	int rc;
	int out_cleared; /* *out was set to NULL */
	char err[256];
};

/*
 * In a child: start EAL with these lcores and n_vdevs net_ring vdevs, try to
 * create a router, report. The parent has not started EAL (this runs before).
 */
static void child_create(const char *lcores, unsigned n_vdevs, struct child_result *res)
{
	char prefix[64], vdev[4][32];
	char *argv[16] = { "test_router", "--no-huge", "--no-shconf", "--no-pci",
			   "-m",	  "256",       prefix,	      "--log-level=error" };
	int argc = 8, fds[2], status;
	struct child_result got;
	pid_t pid;

	snprintf(prefix, sizeof(prefix), "--file-prefix=test_router_c%u_%d", vdev_seq++,
		 (int)getpid());
	argv[argc++] = "--lcores";
	argv[argc++] = (char *)lcores;
	for (unsigned i = 0; i < n_vdevs && i < 4; i++) {
		snprintf(vdev[i], sizeof(vdev[i]), "net_ring_rtc%u", i);
		argv[argc++] = "--vdev";
		argv[argc++] = vdev[i];
	}
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bl_router_conf conf;
		struct bl_router *r = (struct bl_router *)&not_null; /* must be cleared */

		close(fds[0]);
		memset(&got, 0, sizeof(got));
		if (rte_eal_init(argc, argv) >= 0) {
			got.eal_ok = 1;
			rcu_register_thread();
			small_conf(&conf);
			got.rc = bl_router_create(&r, &conf, got.err, sizeof(got.err));
			got.out_cleared = r == NULL;
			if (got.rc == 0 && r != NULL) {
				rcu_thread_offline();
				bl_router_destroy(r);
			}
			rcu_unregister_thread();
			rte_eal_cleanup();
		}
		if (write(fds[1], &got, sizeof(got)) != (ssize_t)sizeof(got))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	memset(res, 0, sizeof(*res));
	assert_int_equal(read(fds[0], res, sizeof(*res)), (ssize_t)sizeof(*res));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* A refusal is an error return, never a crash. */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(res->eal_ok);
}

static void assert_err(const char *err, const char *part)
{
	if (strstr(err, part) == NULL)
		fail_msg("error '%s' lacks '%s'", err, part);
}

static void test_refused_no_ports(void **state)
{
	struct child_result res;

	(void)state;
	child_create("0,1", 0, &res);
	assert_int_equal(res.rc, -ENODEV);
	assert_true(res.out_cleared);
	assert_err(res.err, "no ports");
	assert_err(res.err, "--vdev");
}

static void test_refused_no_worker(void **state)
{
	struct child_result res;

	(void)state;
	child_create("0", 1, &res);
	assert_int_equal(res.rc, -EINVAL);
	assert_true(res.out_cleared);
	assert_err(res.err, "no worker lcore");
}

/* A net_ring port has 16 queues: 17 workers (threads on whatever CPUs there are) need one more. */
static void test_refused_too_few_queues(void **state)
{
	struct child_result res;
	char lcores[64];
	cpu_set_t cpus;
	int c = 0;

	(void)state;
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		while (c < CPU_SETSIZE - 1 && !CPU_ISSET(c, &cpus))
			c++;
	snprintf(lcores, sizeof(lcores), "(0-17)@%d", c);
	child_create(lcores, 1, &res);
	assert_int_equal(res.rc, -EINVAL);
	assert_true(res.out_cleared);
	assert_err(res.err, "17 worker lcores need 17 queues");
	assert_err(res.err, "16 rx");
}

/* ---- in this process ---- */

static void test_conf_defaults(void **state)
{
	struct bl_router_conf c;

	(void)state;
	memset(&c, 0xa5, sizeof(c)); /* every field is written, none left as it was */
	bl_router_conf_defaults(&c);
	assert_int_equal(c.rxd, 1024);
	assert_int_equal(c.txd, 1024);
	assert_int_equal(c.udp_port, 7447);
	assert_int_equal(c.udp_port, BL_WIRE_UDP_PORT);
	assert_false(c.promisc);
	assert_int_equal(c.mtu, 0); /* each port's own */
	/* No MTU: the default mbufs; with one, a whole frame of MTU + 26 after
	 * the headroom, in 1 KB steps, never less than the default. */
	assert_int_equal(bl_router_data_room(&c), RTE_MBUF_DEFAULT_BUF_SIZE);
	c.mtu = 1500;
	assert_int_equal(bl_router_data_room(&c), RTE_MBUF_DEFAULT_BUF_SIZE);
	c.mtu = 2023; /* 2049 bytes of frame */
	assert_int_equal(bl_router_data_room(&c), RTE_PKTMBUF_HEADROOM + 3072);
	c.mtu = 9000;
	assert_int_equal(bl_router_data_room(&c), RTE_PKTMBUF_HEADROOM + 9216);
	c.mtu = 0;
	for (unsigned p = 0; p < BL_MAX_PORTS; p++)
		assert_int_equal(c.port_ip[p], 0);
	assert_int_equal(c.max_routes, 1000000);
	assert_int_equal(c.seq_sources, 4096);
	assert_int_equal(c.drain_us, 100);
	assert_int_equal(c.idle_sleep_us, 0); /* workers poll by default */
	assert_int_equal(c.max_procs, 65536);
	assert_int_equal(c.proc_mbufs, 16384);
	assert_int_equal(c.max_names, 65536);
	assert_int_equal(c.max_groups, 1024);
	assert_int_equal(c.max_members, 65536);
	assert_int_equal(c.proc_ring, 0);
	assert_int_equal(c.proc_slice_us, BL_SCHED_SLICE_US);
	assert_int_equal(c.proc_budget, 64);
	assert_int_equal(c.max_msgs, 65536);
}

/* One create that must fail with rc and an error containing part. */
static void create_refused(const struct bl_router_conf *conf, int rc, const char *part)
{
	struct bl_router *r = (struct bl_router *)&not_null; /* must be cleared */
	char err[256];

	err[0] = '\0';
	assert_int_equal(bl_router_create(&r, conf, err, sizeof(err)), rc);
	assert_null(r);
	assert_err(err, part);
}

/* A good router over fresh ports: refusals before it left nothing in the way. */
static void create_good(void)
{
	struct bl_router_conf conf;
	struct bl_router *r = NULL;
	struct vdevs v = { 0 };
	char err[256];

	vdev_add(&v, "net_null");
	small_conf(&conf);
	assert_int_equal(bl_router_create(&r, &conf, err, sizeof(err)), 0);
	assert_non_null(r);
	rcu_thread_offline();
	assert_int_equal(bl_router_destroy(r), 0);
	rcu_thread_online();
	vdevs_remove(&v);
}

static size_t heap_used(void)
{
	struct rte_malloc_socket_stats st;

	rte_malloc_get_socket_stats((int)rte_socket_id(), &st);
	return st.heap_allocsz_bytes;
}

/*
 * What DPDK itself keeps of a net_null port configured with n queues,
 * started, closed and unplugged (a few hundred bytes in DPDK 22.11): not the
 * router's, so the leak checks below allow it per port the router closed.
 */
static size_t null_port_residue(uint16_t n)
{
	struct rte_mempool *mp =
	    rte_pktmbuf_pool_create("test_router_res", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	struct rte_eth_conf conf;
	struct vdevs v = { 0 };
	size_t before, residue = 0;

	assert_non_null(mp);
	for (int round = 0; round < 2; round++) {
		before = heap_used();
		vdev_add(&v, "net_null");
		memset(&conf, 0, sizeof(conf));
		assert_int_equal(rte_eth_dev_configure(0, n, n, &conf), 0);
		for (uint16_t q = 0; q < n; q++) {
			assert_int_equal(rte_eth_rx_queue_setup(0, q, 256, 0, NULL, mp), 0);
			assert_int_equal(rte_eth_tx_queue_setup(0, q, 256, 0, NULL), 0);
		}
		assert_int_equal(rte_eth_dev_start(0), 0);
		assert_int_equal(rte_eth_dev_stop(0), 0);
		assert_int_equal(rte_eth_dev_close(0), 0);
		vdevs_remove(&v);
		residue = heap_used() - before; /* the first round is the warm-up */
	}
	rte_mempool_free(mp);
	return residue;
}

/*
 * Values the router's pool, tables or schedulers refuse: each create fails
 * with its reason, clears *out, and leaves nothing (DPDK memory, names) in
 * the way of the next router. The daemon checks its options before this
 * (control/beamline.c); the router is the last line.
 */
static void test_refused_values(void **state)
{
	struct bl_router_conf conf;
	struct vdevs v = { 0 };
	size_t before, residue;

	(void)state;
	create_good(); /* once first: what DPDK allocates for good stays out of the sums */
	before = heap_used();

	/* Refused before the ports are touched: the same ports serve the next try. */
	vdev_add(&v, "net_null");
	small_conf(&conf);
	conf.max_routes = 0;
	create_refused(&conf, -EINVAL, "cannot create the route table");
	small_conf(&conf);
	conf.proc_mbufs = 4000000; /* about 9 GB of mbufs, with 512 MB for EAL */
	create_refused(&conf, -ENOMEM, "cannot create a pool of");
	assert_int_equal(rte_eth_dev_count_avail(), 1);
	vdevs_remove(&v);
	assert_int_equal(heap_used(), before);

	/* Refused once the ports run: the router closes them again. Every errno is
	 * the router's -ENOMEM, whatever the table or scheduler said. */
	residue = null_port_residue((uint16_t)(rte_lcore_count() - 1));
	before = heap_used();
	vdev_add(&v, "net_null");
	small_conf(&conf);
	conf.seq_sources = 0;
	create_refused(&conf, -ENOMEM, "cannot create the sequence table of lcore");
	vdevs_remove(&v);
	vdev_add(&v, "net_null");
	small_conf(&conf);
	conf.max_groups = 0;
	create_refused(&conf, -ENOMEM, "cannot create the registry or the groups");
	vdevs_remove(&v);
	vdev_add(&v, "net_null");
	small_conf(&conf);
	conf.max_names = 0;
	create_refused(&conf, -ENOMEM, "cannot create the registry or the groups");
	vdevs_remove(&v);
	vdev_add(&v, "net_null");
	small_conf(&conf);
	conf.proc_ring = 1000; /* not a power of two */
	create_refused(&conf, -ENOMEM, "cannot create the scheduler of lcore");
	vdevs_remove(&v);
	assert_int_equal(heap_used(), before + 4 * residue);

	/* And a good one after all that, with nothing lost either. */
	create_good();
	assert_int_equal(heap_used(), before + 5 * residue);
}

/* What a good create builds: ports, workers, addresses, the runtime. */
static void test_create_shape(void **state)
{
	struct bl_router_conf conf;
	struct bl_router *r = NULL;
	struct vdevs v = { 0 };
	unsigned lcore, n = 0;
	char err[256];

	(void)state;
	vdev_add(&v, "net_ring");
	vdev_add(&v, "net_null");
	small_conf(&conf);
	conf.udp_port = 9999;
	conf.promisc = true;
	conf.port_ip[1] = 0xc0a80707; /* 192.168.7.7 */
	assert_int_equal(bl_router_create(&r, &conf, err, sizeof(err)), 0);
	assert_non_null(r);
	conf.udp_port = 1; /* the router keeps its own copy */
	assert_int_equal(r->conf.udp_port, 9999);
	assert_false(r->running);

	/* One worker per worker lcore, in order; every port has a queue for each. */
	RTE_LCORE_FOREACH_WORKER (lcore) {
		assert_true(n < r->n_workers);
		assert_int_equal(r->workers[n]->lcore_id, lcore);
		assert_int_equal(r->workers[n]->worker, n);
		assert_ptr_equal(r->workers[n]->r, r);
		assert_non_null(r->workers[n]->sched);
		assert_ptr_equal(bl_router_sched(r, lcore), r->workers[n]->sched);
		assert_int_equal(r->workers[n]->n_rx, 2);
		for (uint16_t p = 0; p < 2; p++) {
			assert_int_equal(r->workers[n]->rx[p].port, p);
			assert_int_equal(r->workers[n]->rx[p].queue, n);
		}
		n++;
	}
	assert_int_equal(r->n_workers, n);
	assert_int_equal(r->n_ports, 2);
	for (uint16_t p = 0; p < 2; p++) {
		assert_true(r->ports[p].started);
		assert_int_equal(r->ports[p].n_queues, r->n_workers);
		assert_int_equal(r->ports[p].local.udp_port, rte_cpu_to_be_16(9999));
		assert_true(r->ports[p].local.promisc);
	}
	assert_string_equal(r->ports[0].name, v.name[0]);
	assert_string_equal(r->ports[1].name, v.name[1]);
	/* 10.0.<port>.1 unless given. */
	assert_int_equal(r->ports[0].local.ip, rte_cpu_to_be_32(0x0a000001));
	assert_int_equal(r->ports[1].local.ip, rte_cpu_to_be_32(0xc0a80707));

	/* The control thread has a scheduler; lcores without one give NULL. */
	assert_non_null(r->ctl_sched);
	assert_ptr_equal(bl_router_sched(r, rte_get_main_lcore()), r->ctl_sched);
	assert_null(bl_router_sched(r, RTE_MAX_LCORE - 1));
	assert_null(bl_router_sched(r, RTE_MAX_LCORE));
	assert_null(bl_router_sched(r, UINT32_MAX));

	/* The runtime's tables, sized from conf; routes reach the router's groups. */
	assert_non_null(r->registry);
	assert_non_null(r->groups);
	assert_non_null(r->routes);
	assert_int_equal(r->routes->max_routes, 4096);
	assert_non_null(r->pool);
	assert_int_equal(r->pool->size, r->pool_size);
	/* Every descriptor of every queue can hold an mbuf, and processes have theirs. */
	assert_true(r->pool_size > 2u * r->n_workers * (256 + 256) + conf.proc_mbufs);
	assert_null(bl_group_find(r->groups, "fans"));
	{
		struct bl_route_spec s;

		memset(&s, 0, sizeof(s));
		s.action = BL_ROUTE_GROUP;
		snprintf(s.name, sizeof(s.name), "fans");
		assert_int_equal(bl_route_add(r->routes, 1, &s), 0);
	}
	assert_non_null(bl_group_find(r->groups, "fans"));

	rcu_thread_offline();
	assert_int_equal(bl_router_destroy(r), 0);
	rcu_thread_online();
	assert_int_equal(bl_router_destroy(NULL), 0);
	vdevs_remove(&v);
}

int main(void)
{
	const struct CMUnitTest before_eal[] = {
		cmocka_unit_test(test_refused_no_ports),
		cmocka_unit_test(test_refused_no_worker),
		cmocka_unit_test(test_refused_too_few_queues),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_refused_values),
		cmocka_unit_test(test_create_shape),
	};
	int rc;

	rc = cmocka_run_group_tests_name("router refusals (child processes)", before_eal, NULL,
					 NULL);
	if (router_test_eal("test_router_create") != 0)
		return 1;
	rcu_register_thread();
	rc |= cmocka_run_group_tests_name("router create", tests, NULL, NULL);
	rcu_thread_offline();
	rcu_unregister_thread();
	rte_eal_cleanup();
	return rc;
}
