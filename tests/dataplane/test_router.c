/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The router context (dataplane/router.h): what bl_router_create builds over
 * virtual ports (queues per worker, addresses, the runtime and its tables),
 * the conditions it refuses with a one-line reason (no ports, no worker, a
 * port with too few queues, values its tables or schedulers refuse) and
 * that a refusal leaves nothing behind, starting and stopping the workers,
 * the control thread's scheduler, the stats sum, and delivery to group and
 * pool routes through the groups the router owns: a pool gives each source
 * to one member, the same one while membership holds, spread over them all.
 *
 * The refusals that depend on how EAL starts run in a child process each
 * (fork before this process starts EAL). The others hot-plug fresh vdevs
 * (unique names) for every router, since destroying a router closes, and so
 * releases, its ports. Most tests drive a worker's context from the test
 * thread (bl_lcore_rx_burst, bl_sched_run) as tests/dataplane/test_fastpath.c
 * does; one launches the real poll loop.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "actors/behaviours.h"
#include "actors/group.h"
#include "actors/proc.h"
#include "actors/sched.h"
#include "dataplane/lcore.h"
#include "dataplane/router.h"
#include "dataplane/wire.h"

/* ---- ports: fresh vdevs per router ---- */

#define MAX_VDEVS 4

struct vdevs {
	unsigned n;
	char name[MAX_VDEVS][40];
};

static unsigned vdev_seq;

/* Hot-plug a vdev of kind ("net_ring", "net_null") under a name never used before. */
static void vdev_add(struct vdevs *v, const char *kind)
{
	assert_true(v->n < MAX_VDEVS);
	snprintf(v->name[v->n], sizeof(v->name[0]), "%s_rt%u", kind, vdev_seq++);
	assert_int_equal(rte_dev_probe(v->name[v->n]), 0);
	v->n++;
}

/* Unplug them (a port the router closed is gone already: only the device remains). */
static void vdevs_remove(struct vdevs *v)
{
	for (unsigned i = 0; i < v->n; i++)
		assert_int_equal(rte_eal_hotplug_remove("vdev", v->name[i]), 0);
	v->n = 0;
	assert_int_equal(rte_eth_dev_count_avail(), 0);
}

/* Small enough that a router is cheap to make many times. */
static void small_conf(struct bl_router_conf *c)
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

/* The router of the running test, its ports, and its first worker. */
static struct bl_router *R;
static struct bl_lcore *LC;
static struct vdevs V;

static int router_up(void **state)
{
	struct bl_router_conf conf;
	char err[256];

	(void)state;
	vdev_add(&V, "net_ring");
	small_conf(&conf);
	if (bl_router_create(&R, &conf, err, sizeof(err)) != 0) {
		print_message("router: %s\n", err);
		return -1;
	}
	LC = R->workers[0];
	return 0;
}

/* Destroy R (if the test did not), check every mbuf came back, unplug the ports. */
static int router_down(void **state)
{
	unsigned lost = 0;

	(void)state;
	if (R != NULL) {
		rcu_thread_offline();
		lost = bl_router_destroy(R);
		rcu_thread_online();
	}
	R = NULL;
	LC = NULL;
	vdevs_remove(&V);
	return lost == 0 ? 0 : -1;
}

/* ---- packets ---- */

struct msg {
	uint64_t key;
	uint32_t len;
};

/* A packet to R's port 0 from (src_ip, src_port), host order, carrying msgs. */
static struct rte_mbuf *make_pkt(const struct msg *msgs, unsigned n, uint32_t src_ip,
				 uint16_t src_port)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(R->pool);
	struct bl_wire_hop to_us;
	uint32_t total = 0, i, j;
	uint8_t *p;

	assert_non_null(m);
	for (j = 0; j < n; j++)
		total += BL_WIRE_MSG_HDR_LEN + msgs[j].len;
	memset(&to_us, 0, sizeof(to_us));
	to_us.dst_mac = R->ports[0].local.mac;
	to_us.src_mac.addr_bytes[0] = 0x02;
	to_us.src_ip = rte_cpu_to_be_32(src_ip);
	to_us.dst_ip = R->ports[0].local.ip;
	to_us.src_port = rte_cpu_to_be_16(src_port);
	to_us.dst_port = R->ports[0].local.udp_port;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(BL_WIRE_HDRS_LEN + total));
	assert_non_null(p);
	bl_wire_put_headers(p, &to_us, (uint16_t)n, 1, total, 1);
	p += BL_WIRE_HDRS_LEN;
	for (j = 0; j < n; j++) {
		bl_wire_put_msg_hdr(p, msgs[j].len, 0, 0, msgs[j].key);
		p += BL_WIRE_MSG_HDR_LEN;
		for (i = 0; i < msgs[j].len; i++)
			*p++ = (uint8_t)i;
	}
	return m;
}

/* One packet into worker lc as if its poll loop had read it from port 0. */
static void rx_one(struct bl_lcore *lc, struct rte_mbuf *m)
{
	bl_lcore_rx_burst(lc, 0, &m, 1);
	bl_lcore_flush(lc);
}

static void route_to(uint64_t key, enum bl_route_action action, const char *name)
{
	struct bl_route_spec s;

	memset(&s, 0, sizeof(s));
	s.action = action;
	if (name != NULL)
		snprintf(s.name, sizeof(s.name), "%s", name);
	assert_true(bl_route_add(R->routes, key, &s) >= 0);
}

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
	for (unsigned p = 0; p < BL_MAX_PORTS; p++)
		assert_int_equal(c.port_ip[p], 0);
	assert_int_equal(c.max_routes, 1000000);
	assert_int_equal(c.seq_sources, 4096);
	assert_int_equal(c.drain_us, 100);
	assert_int_equal(c.idle_sleep_us, 100);
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

/* ---- the control thread's scheduler ---- */

static struct bl_counter_args counter_args = { .max_keys = 64 };

static uint64_t counter_msgs(struct bl_sched *s, uint64_t pid)
{
	uint64_t msgs = 0, bytes, other;
	void *st = bl_proc_state(s, pid);

	assert_non_null(st);
	bl_counter_totals(st, &msgs, &bytes, &other);
	return msgs;
}

static void test_run_ctl(void **state)
{
	uint64_t pid;

	(void)state;
	assert_int_equal(bl_router_run_ctl(R), 0); /* nothing to do */
	pid = bl_proc_spawn(R->ctl_sched, &bl_counter_behaviour, &counter_args, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);
	assert_int_equal(bl_pid_lcore(pid), rte_get_main_lcore());
	assert_int_equal(bl_sched_post(R->ctl_sched, pid, 5, "abc", 3), 0);
	assert_int_equal(bl_sched_post(R->ctl_sched, pid, 6, "de", 2), 0);
	assert_true(bl_router_run_ctl(R) >= 2);
	assert_int_equal(bl_router_run_ctl(R), 0);
	assert_int_equal(counter_msgs(R->ctl_sched, pid), 2);
	/* The router's destroy ends it with the rest. */
}

/* ---- stats ---- */

static void test_stats_sum(void **state)
{
	struct msg one = { 77, 8 };
	struct bl_lcore_stats sum, want;
	const uint64_t *w;
	uint64_t *d;
	size_t k, nwords = sizeof(sum) / sizeof(uint64_t);

	(void)state;
	route_to(77, BL_ROUTE_DROP, NULL);
	bl_router_stats_sum(R, &sum);
	assert_int_equal(sum.rx_pkts, 0);
	/* Traffic on every worker, a different amount each. */
	for (unsigned i = 0; i < R->n_workers; i++) {
		LC = R->workers[i];
		for (unsigned j = 0; j < 2 * i + 1; j++)
			rx_one(LC, make_pkt(&one, 1, 0x0a010001, 40000));
	}
	LC = R->workers[0];
	memset(&want, 0, sizeof(want));
	d = (uint64_t *)&want;
	for (unsigned i = 0; i < R->n_workers; i++) {
		w = (const uint64_t *)&R->workers[i]->st;
		for (k = 0; k < nwords; k++)
			d[k] += w[k];
	}
	bl_router_stats_sum(R, &sum);
	assert_memory_equal(&sum, &want, sizeof(sum));
	assert_int_equal(sum.rx_pkts, R->n_workers * R->n_workers);
	assert_int_equal(sum.msg_drops[BL_MSG_DROP_ROUTE_DROP], R->n_workers * R->n_workers);
}

/* ---- groups and pools through the router ---- */

#define POOL_MEMBERS 4
#define SOURCES	     64

struct pool_world {
	uint64_t pid[POOL_MEMBERS];
	uint64_t seen[POOL_MEMBERS];
	bool gone[POOL_MEMBERS];
};

static void pool_spawn(struct pool_world *pw, const char *group)
{
	memset(pw, 0, sizeof(*pw));
	for (unsigned i = 0; i < POOL_MEMBERS; i++) {
		pw->pid[i] = bl_proc_spawn(LC->sched, &bl_counter_behaviour, &counter_args, NULL);
		assert_int_not_equal(pw->pid[i], BL_PID_NONE);
		assert_int_equal(bl_group_join(R->groups, group, pw->pid[i]), 0);
	}
}

static void settle(void)
{
	unsigned rounds = 0;

	while (bl_sched_run(LC->sched, 64) != 0)
		assert_true(++rounds < 100000);
}

/*
 * Send n_msgs messages (in one frame) from source number src and return the
 * member that took them: exactly one member must have, all of them.
 */
static int pool_send(struct pool_world *pw, uint64_t key, unsigned src, unsigned n_msgs)
{
	struct msg msgs[3] = { { key, 8 }, { key, 16 }, { key, 0 } };
	int who = -1;

	assert_true(n_msgs <= 3);
	/* Sources differ by address and by port, as clients do. */
	rx_one(LC, make_pkt(msgs, n_msgs, 0x0a010000 + src / 8, (uint16_t)(40000 + src % 8)));
	settle();
	for (unsigned i = 0; i < POOL_MEMBERS; i++) {
		uint64_t now;

		if (pw->gone[i])
			continue;
		now = counter_msgs(LC->sched, pw->pid[i]);
		if (now == pw->seen[i])
			continue;
		assert_int_equal(who, -1); /* one member only */
		assert_int_equal(now, pw->seen[i] + n_msgs);
		pw->seen[i] = now;
		who = (int)i;
	}
	return who;
}

static void test_pool_by_source(void **state)
{
	struct pool_world pw;
	int first[SOURCES], who;
	unsigned per[POOL_MEMBERS] = { 0 }, src, i;
	uint64_t frames0;

	(void)state;
	pool_spawn(&pw, "pool");
	route_to(500, BL_ROUTE_POOL, "pool");

	/* Deterministic: each source lands on one member, and again on the same. */
	for (src = 0; src < SOURCES; src++) {
		first[src] = pool_send(&pw, 500, src, 1);
		assert_true(first[src] >= 0);
		per[first[src]]++;
	}
	for (src = SOURCES; src-- > 0;)
		assert_int_equal(pool_send(&pw, 500, src, 1), first[src]);
	/* Spread: every member has some of the sources. */
	for (i = 0; i < POOL_MEMBERS; i++)
		assert_true(per[i] > 0);

	/* A frame of three messages, all for the pool, goes whole to that source's member. */
	frames0 = LC->st.frame_deliveries;
	for (src = 0; src < 8; src++)
		assert_int_equal(pool_send(&pw, 500, src, 3), first[src]);
	assert_int_equal(LC->st.frame_deliveries, frames0 + 8);

	/* A member that left gets nothing; every source still has one member. */
	assert_int_equal(bl_group_leave(R->groups, "pool", pw.pid[0]), 0);
	pw.gone[0] = true;
	memset(per, 0, sizeof(per));
	for (src = 0; src < SOURCES; src++) {
		who = pool_send(&pw, 500, src, 1);
		assert_true(who > 0);
		per[who]++;
		assert_int_equal(pool_send(&pw, 500, src, 1), who);
	}
	assert_int_equal(per[0], 0);
	for (i = 1; i < POOL_MEMBERS; i++)
		assert_true(per[i] > 0);
}

/*
 * A member that exited but was not swept yet: the sources that land on it
 * are refused (counted); once the sweep took it out of the group, they land
 * on the living. An empty pool drops as no_member.
 */
static void test_pool_member_exits(void **state)
{
	struct pool_world pw;
	uint64_t refused0, nomember0;
	unsigned src, n_dead = 0;
	int first[SOURCES];

	(void)state;
	pool_spawn(&pw, "pool");
	route_to(501, BL_ROUTE_POOL, "pool");
	for (src = 0; src < SOURCES; src++)
		first[src] = pool_send(&pw, 501, src, 1);
	assert_int_equal(bl_proc_kill(LC->sched, pw.pid[2], bl_reason_make(BL_EXIT_KILL)), 0);
	settle();
	pw.gone[2] = true;
	refused0 = LC->st.msg_drops[BL_MSG_DROP_PROC_REFUSED];
	for (src = 0; src < SOURCES; src++) {
		int who = pool_send(&pw, 501, src, 1);

		if (first[src] == 2) {
			assert_int_equal(who, -1);
			n_dead++;
		} else {
			assert_int_equal(who, first[src]);
		}
	}
	assert_true(n_dead > 0);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_PROC_REFUSED], refused0 + n_dead);

	assert_int_equal(bl_groups_sweep(R->groups, R->set), 1);
	for (src = 0; src < SOURCES; src++)
		assert_true(pool_send(&pw, 501, src, 1) >= 0);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_PROC_REFUSED], refused0 + n_dead);

	for (unsigned i = 0; i < POOL_MEMBERS; i++)
		if (!pw.gone[i])
			assert_int_equal(bl_group_leave(R->groups, "pool", pw.pid[i]), 0);
	nomember0 = LC->st.msg_drops[BL_MSG_DROP_NO_MEMBER];
	assert_int_equal(pool_send(&pw, 501, 0, 1), -1);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_MEMBER], nomember0 + 1);
}

/* A group route gives every member each message; an empty group drops. */
static void test_group_fanout(void **state)
{
	struct msg two[2] = { { 600, 8 }, { 600, 4 } };
	struct pool_world pw;
	uint64_t deliveries0 = LC->st.deliveries, delivered0 = LC->st.delivered_msgs, nomember0;

	(void)state;
	pool_spawn(&pw, "fans");
	route_to(600, BL_ROUTE_GROUP, "fans");
	for (unsigned src = 0; src < 5; src++)
		rx_one(LC, make_pkt(two, 2, 0x0a020000 + src, 40000));
	settle();
	for (unsigned i = 0; i < POOL_MEMBERS; i++)
		assert_int_equal(counter_msgs(LC->sched, pw.pid[i]), 10);
	assert_int_equal(LC->st.delivered_msgs, delivered0 + 10);
	assert_int_equal(LC->st.deliveries, deliveries0 + 10 * POOL_MEMBERS);

	route_to(601, BL_ROUTE_GROUP, "nobody");
	nomember0 = LC->st.msg_drops[BL_MSG_DROP_NO_MEMBER];
	two[0].key = two[1].key = 601;
	rx_one(LC, make_pkt(two, 2, 0x0a020001, 40000));
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_MEMBER], nomember0 + 2);
}

/* ---- the poll loop: start, stop, start again, destroy while running ---- */

static uint64_t total_rx(void)
{
	struct bl_lcore_stats s;

	bl_router_stats_sum(R, &s);
	return s.rx_pkts;
}

/* Wait (bounded; not a speed assertion) until the workers have read want packets. */
static bool wait_rx(uint64_t want)
{
	for (unsigned i = 0; i < 20000; i++) {
		if (total_rx() >= want)
			return true;
		usleep(500);
	}
	return false;
}

/* n packets (their key routed to drop: the workers never transmit) onto port 0, queue 0. */
static void inject(unsigned n)
{
	struct msg one = { 700, 8 };

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = make_pkt(&one, 1, 0x0a030001, 40000);

		assert_int_equal(rte_eth_tx_burst(0, 0, &m, 1), 1);
	}
}

static void workers_state(enum rte_lcore_state_t want)
{
	for (unsigned i = 0; i < R->n_workers; i++)
		assert_int_equal(rte_eal_get_lcore_state(R->workers[i]->lcore_id), want);
}

static void test_start_stop(void **state)
{
	uint64_t loops;
	unsigned lost;

	(void)state;
	route_to(700, BL_ROUTE_DROP, NULL);
	bl_router_stop(R); /* never started: a no-op */
	assert_false(R->running);

	rcu_thread_offline(); /* the control thread waits on the workers, not in a read section */
	assert_int_equal(bl_router_start(R), 0);
	assert_true(R->running);
	workers_state(RUNNING);
	inject(20);
	assert_true(wait_rx(20));

	bl_router_stop(R);
	assert_false(R->running);
	workers_state(WAIT);
	/* Stopped: nothing reads the port. */
	loops = 0;
	for (unsigned i = 0; i < R->n_workers; i++)
		loops += bl_stat_read(&R->workers[i]->st.loops);
	inject(10);
	usleep(20000);
	assert_int_equal(total_rx(), 20);
	for (unsigned i = 0; i < R->n_workers; i++)
		loops -= bl_stat_read(&R->workers[i]->st.loops);
	assert_int_equal(loops, 0);

	/* Started again, the workers take up what waited. */
	assert_int_equal(bl_router_start(R), 0);
	assert_true(wait_rx(30));
	assert_int_equal(total_rx(), 30);
	/*
	 * A second start while running is refused (the lcores are busy). Today
	 * the refusal also stops the workers that ran (router.c: start stops the
	 * router when a launch fails); what must hold either way is that
	 * "running" says what the lcores do.
	 */
	assert_int_equal(bl_router_start(R), -EBUSY);
	workers_state(R->running ? RUNNING : WAIT);
	if (!R->running)
		assert_int_equal(bl_router_start(R), 0);

	/* Destroy stops running workers first; every packet was read and dropped. */
	inject(5);
	assert_true(wait_rx(35));
	lost = bl_router_destroy(R);
	R = NULL;
	rcu_thread_online();
	assert_int_equal(lost, 0);
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
		cmocka_unit_test_setup_teardown(test_run_ctl, router_up, router_down),
		cmocka_unit_test_setup_teardown(test_stats_sum, router_up, router_down),
		cmocka_unit_test_setup_teardown(test_pool_by_source, router_up, router_down),
		cmocka_unit_test_setup_teardown(test_pool_member_exits, router_up, router_down),
		cmocka_unit_test_setup_teardown(test_group_fanout, router_up, router_down),
		cmocka_unit_test_setup_teardown(test_start_stop, router_up, router_down),
	};
	char prefix[64], lcores[64];
	char *argv[] = {
		"test_router", "--no-huge", "--no-shconf", "--no-pci", "-m",
		"512",	       prefix,	    "--lcores",	   lcores,     "--log-level=error"
	};
	cpu_set_t cpus;
	int cpu[2] = { -1, -1 }, rc;

	rc = cmocka_run_group_tests_name("router refusals (child processes)", before_eal, NULL,
					 NULL);

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
	snprintf(prefix, sizeof(prefix), "--file-prefix=test_router_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	rcu_register_thread();
	rc |= cmocka_run_group_tests_name("router", tests, NULL, NULL);
	rcu_thread_offline();
	rcu_unregister_thread();
	rte_eal_cleanup();
	return rc;
}
