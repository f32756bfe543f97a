/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route table tests: the control-thread API, its bounds, and a concurrent
 * stress where a reader thread looks keys up while the writer replaces,
 * deletes and re-adds them, recycling hop slots. Every route the reader
 * sees must be whole: its key is the one looked up and its hop's address
 * encodes that key.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_byteorder.h>

#include "dataplane/route.h"

static struct bl_route_spec fwd(uint16_t port, uint32_t ip, uint16_t udp)
{
	struct bl_route_spec s;

	memset(&s, 0, sizeof(s));
	s.action = BL_ROUTE_FORWARD;
	s.hop.port = port;
	s.hop.mac.addr_bytes[0] = 0x02;
	s.hop.mac.addr_bytes[5] = (uint8_t)ip;
	s.hop.ip = ip;
	s.hop.udp = udp;
	return s;
}

static int setup(void **state)
{
	(void)state;
	rcu_register_thread();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rcu_unregister_thread();
	return 0;
}

static void destroy(struct bl_route_table *t)
{
	rcu_thread_offline();
	bl_route_table_destroy(t);
	rcu_thread_online();
}

static void test_add_lookup_replace_delete(void **state)
{
	struct bl_route_table *t = bl_route_table_create(1000);
	struct bl_route_spec s = fwd(1, 0x0a000002, 7447), d, out;
	const struct bl_route *r;
	uint64_t k;

	(void)state;
	assert_non_null(t);
	for (k = 0; k < 500; k++)
		assert_int_equal(bl_route_add(t, k * 7919, &s), 0);
	assert_int_equal(t->count, 500);
	for (k = 0; k < 500; k++) {
		r = bl_route_lookup(t, k * 7919);
		assert_non_null(r);
		assert_int_equal(r->key, k * 7919);
		assert_int_equal(r->action, BL_ROUTE_FORWARD);
		bl_route_describe(t, r, &out);
		assert_int_equal(out.hop.port, 1);
		assert_int_equal(out.hop.ip, 0x0a000002);
		assert_int_equal(out.hop.udp, 7447);
		assert_int_equal(rte_be_to_cpu_32(bl_route_hop_get(t, r)->dst_ip), 0x0a000002);
	}
	/* One hop shared by all 500 routes. */
	assert_int_equal(t->n_hops, 1);
	assert_int_equal(t->hops[0].refs, 500);
	assert_null(bl_route_lookup(t, 1));

	/* Replace: a new entry, the count unchanged. */
	memset(&d, 0, sizeof(d));
	d.action = BL_ROUTE_DROP;
	assert_int_equal(bl_route_add(t, 0, &d), 1);
	assert_int_equal(t->count, 500);
	assert_int_equal(bl_route_lookup(t, 0)->action, BL_ROUTE_DROP);
	assert_int_equal(t->hops[0].refs, 499);

	/* Default route catches the rest. */
	assert_int_equal(bl_route_set_default(t, &d), 0);
	r = bl_route_lookup(t, 1);
	assert_non_null(r);
	assert_int_equal(r->action, BL_ROUTE_DROP);
	assert_int_equal(bl_route_del_default(t), 0);
	assert_int_equal(bl_route_del_default(t), -ENOENT);
	assert_null(bl_route_lookup(t, 1));

	assert_int_equal(bl_route_del(t, 7919), 0);
	assert_int_equal(bl_route_del(t, 7919), -ENOENT);
	assert_null(bl_route_lookup(t, 7919));
	assert_int_equal(t->count, 499);
	assert_int_equal(t->hops[0].refs, 498);
	destroy(t);
}

static void test_bad_spec(void **state)
{
	struct bl_route_table *t = bl_route_table_create(10);
	struct bl_route_spec s = fwd(0, 1, 1);

	(void)state;
	s.action = (enum bl_route_action)7;
	assert_int_equal(bl_route_add(t, 1, &s), -EINVAL);
	assert_int_equal(t->count, 0);
	assert_null(bl_route_table_create(0));
	destroy(t);
}

static void test_capacity(void **state)
{
	struct bl_route_table *t = bl_route_table_create(10);
	struct bl_route_spec s = fwd(0, 0x0a000002, 7447);
	uint64_t k;

	(void)state;
	for (k = 0; k < 10; k++)
		assert_int_equal(bl_route_add(t, k, &s), 0);
	assert_int_equal(bl_route_add(t, 10, &s), -ENOSPC);
	/* A full table still takes replacements. */
	assert_int_equal(bl_route_add(t, 3, &s), 1);
	assert_int_equal(bl_route_del(t, 3), 0);
	assert_int_equal(bl_route_add(t, 10, &s), 0);
	destroy(t);
}

static void test_hop_slots_recycled(void **state)
{
	struct bl_route_table *t = bl_route_table_create(2 * BL_ROUTE_HOP_MAX);
	struct bl_route_spec s;
	uint32_t i;

	(void)state;
	for (i = 0; i < BL_ROUTE_HOP_MAX; i++) {
		s = fwd(0, 0x0a000000 + i, 7447);
		assert_int_equal(bl_route_add(t, i, &s), 0);
	}
	assert_int_equal(t->n_hops, BL_ROUTE_HOP_MAX);
	s = fwd(0, 0x0b000000, 7447);
	assert_int_equal(bl_route_add(t, 999999, &s), -ENOSPC);
	assert_int_equal(t->count, BL_ROUTE_HOP_MAX);
	/* Free one hop; the next distinct hop takes its slot after a grace period. */
	assert_int_equal(bl_route_del(t, 17), 0);
	assert_int_equal(bl_route_add(t, 999999, &s), 0);
	assert_int_equal(bl_route_lookup(t, 999999)->hop, 17);
	destroy(t);
}

struct count_ctx {
	uint64_t n, sum;
};

static int count_one(void *arg, uint64_t key, const struct bl_route *r)
{
	struct count_ctx *c = arg;

	assert_int_equal(key, r->key);
	c->n++;
	c->sum += key;
	return c->n == 1000 ? 1 : 0;
}

static void test_foreach(void **state)
{
	struct bl_route_table *t = bl_route_table_create(5000);
	struct bl_route_spec s = fwd(0, 0x0a000002, 7447);
	struct count_ctx c = { 0 };
	uint64_t k;

	(void)state;
	for (k = 1; k <= 100; k++)
		assert_int_equal(bl_route_add(t, k, &s), 0);
	assert_int_equal(bl_route_foreach(t, count_one, &c), 0);
	assert_int_equal(c.n, 100);
	assert_int_equal(c.sum, 5050);
	for (k = 101; k <= 2000; k++)
		assert_int_equal(bl_route_add(t, k, &s), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(bl_route_foreach(t, count_one, &c), 1); /* stopped early */
	assert_int_equal(c.n, 1000);
	destroy(t);
}

/* ---- concurrent stress ------------------------------------------------------ */

#define STRESS_KEYS 1024u
#define STRESS_OPS  40000u

struct stress {
	struct bl_route_table *t;
	int done;
	uint64_t lookups, found, bad;
};

static void *reader(void *arg)
{
	struct stress *st = arg;
	uint64_t x = 88172645463325252ull, i = 0;

	rcu_register_thread();
	while (!__atomic_load_n(&st->done, __ATOMIC_ACQUIRE)) {
		const struct bl_route *r;
		uint64_t key;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		key = x % STRESS_KEYS;
		r = bl_route_lookup(st->t, key);
		st->lookups++;
		if (r != NULL) {
			st->found++;
			if (r->key != key)
				st->bad++;
			if (r->action == BL_ROUTE_FORWARD) {
				const struct bl_route_hop *h = bl_route_hop_get(st->t, r);

				/* The writer encodes the key in the hop's IPv4 address. */
				if ((rte_be_to_cpu_32(h->dst_ip) & 0xffff) != key ||
				    h->dst_mac.addr_bytes[0] != 0x02)
					st->bad++;
			}
		}
		if ((++i & 63) == 0)
			rcu_quiescent_state();
	}
	rcu_unregister_thread();
	return NULL;
}

static void test_concurrent_stress(void **state)
{
	struct stress st = { 0 };
	struct bl_route_spec s, d;
	pthread_t th;
	uint64_t x = 0x9E3779B97F4A7C15ull;
	uint32_t op;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.action = BL_ROUTE_DROP;
	st.t = bl_route_table_create(STRESS_KEYS);
	assert_non_null(st.t);
	assert_int_equal(pthread_create(&th, NULL, reader, &st), 0);
	for (op = 0; op < STRESS_OPS; op++) {
		uint32_t key, version;
		int ret;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		key = (uint32_t)(x % STRESS_KEYS);
		version = (uint32_t)(x >> 40) % 8;
		switch (op % 4) {
		case 0:
		case 1: /* add or replace, with a hop of a new version: hop slots churn */
			s = fwd(0, (version << 16) | key, (uint16_t)(1000 + version));
			ret = bl_route_add(st.t, key, &s);
			assert_true(ret == 0 || ret == 1);
			break;
		case 2:
			ret = bl_route_del(st.t, key);
			assert_true(ret == 0 || ret == -ENOENT);
			break;
		default:
			ret = bl_route_add(st.t, key, &d);
			assert_true(ret == 0 || ret == 1);
			break;
		}
	}
	__atomic_store_n(&st.done, 1, __ATOMIC_RELEASE);
	/* The writer must not hold up the reader's grace periods while joining. */
	rcu_thread_offline();
	pthread_join(th, NULL);
	rcu_thread_online();
	print_message("stress: %llu lookups, %llu found, %u hops used\n",
		      (unsigned long long)st.lookups, (unsigned long long)st.found, st.t->n_hops);
	assert_int_equal(st.bad, 0);
	assert_true(st.lookups > 0);
	destroy(st.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_lookup_replace_delete),
		cmocka_unit_test(test_bad_spec),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_hop_slots_recycled),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_concurrent_stress),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
