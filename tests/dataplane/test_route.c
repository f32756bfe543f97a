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

/* The route for key, or a failed test. */
static struct bl_route must_find(struct bl_route_table *t, uint64_t key)
{
	struct bl_route r = { 0, 0 };

	assert_true(bl_route_lookup(t, key, &r));
	return r;
}

static bool found(struct bl_route_table *t, uint64_t key)
{
	struct bl_route r;

	return bl_route_lookup(t, key, &r);
}

static void test_add_lookup_replace_delete(void **state)
{
	struct bl_route_table *t = bl_route_table_create(1000);
	struct bl_route_spec s = fwd(1, 0x0a000002, 7447), d, out;
	struct bl_route r;
	uint64_t k, log0;

	(void)state;
	assert_non_null(t);
	for (k = 0; k < 500; k++)
		assert_int_equal(bl_route_add(t, k * 7919, &s), 0);
	assert_int_equal(t->count, 500);
	assert_int_equal(t->by_action[BL_ROUTE_FORWARD], 500);
	for (k = 0; k < 500; k++) {
		r = must_find(t, k * 7919);
		assert_int_equal(r.action, BL_ROUTE_FORWARD);
		bl_route_describe(t, &r, &out);
		assert_int_equal(out.hop.port, 1);
		assert_int_equal(out.hop.ip, 0x0a000002);
		assert_int_equal(out.hop.udp, 7447);
		assert_int_equal(rte_be_to_cpu_32(bl_route_hop_get(t, &r)->dst_ip), 0x0a000002);
		assert_true(bl_route_has(t, k * 7919));
	}
	/* One hop shared by all 500 routes. */
	assert_int_equal(t->n_hops, 1);
	assert_int_equal(t->hop_refs[0], 500);
	assert_false(found(t, 1));
	assert_false(bl_route_has(t, 1));

	/* Replace: the count unchanged, the change logged for the lcores. */
	memset(&d, 0, sizeof(d));
	d.action = BL_ROUTE_DROP;
	log0 = t->log.seq;
	assert_int_equal(bl_route_add(t, 0, &d), 1);
	assert_int_equal(t->log.seq, log0 + 1);
	assert_int_equal(t->log.key[log0 % BL_ROUTE_LOG_SIZE], 0);
	assert_int_equal(t->count, 500);
	assert_int_equal(must_find(t, 0).action, BL_ROUTE_DROP);
	assert_int_equal(t->hop_refs[0], 499);
	assert_int_equal(t->by_action[BL_ROUTE_FORWARD], 499);
	assert_int_equal(t->by_action[BL_ROUTE_DROP], 1);

	/* The same route again: replaced, but nothing changed, nothing
	 * logged, no reference taken. */
	assert_int_equal(bl_route_add(t, 0, &d), 1);
	assert_int_equal(bl_route_add(t, 7919, &s), 1);
	assert_int_equal(t->log.seq, log0 + 1);
	assert_int_equal(must_find(t, 0).action, BL_ROUTE_DROP);
	assert_int_equal(must_find(t, 7919).action, BL_ROUTE_FORWARD);
	assert_int_equal(t->hop_refs[0], 499);
	assert_int_equal(t->by_action[BL_ROUTE_DROP], 1);
	assert_int_equal(t->by_action[BL_ROUTE_FORWARD], 499);

	/* Default route catches the rest, and moves the generation. */
	k = t->gen;
	assert_int_equal(bl_route_set_default(t, &d), 0);
	assert_true(t->gen > k);
	r = must_find(t, 1);
	assert_int_equal(r.action, BL_ROUTE_DROP);
	assert_true(bl_route_get_default(t, &r));
	assert_int_equal(bl_route_del_default(t), 0);
	assert_int_equal(bl_route_del_default(t), -ENOENT);
	assert_false(bl_route_get_default(t, &r));
	assert_false(found(t, 1));

	assert_int_equal(bl_route_del(t, 7919), 0);
	assert_int_equal(bl_route_del(t, 7919), -ENOENT);
	assert_false(found(t, 7919));
	assert_int_equal(t->count, 499);
	assert_int_equal(t->hop_refs[0], 498);
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
	assert_int_equal(must_find(t, 999999).hop, 17);
	destroy(t);
}

/* Routes moved off a hop and back find its old slot: churn between next
 * hops neither uses up slots nor wipes the lcores' caches. */
static void test_hop_slot_taken_back(void **state)
{
	struct bl_route_table *t = bl_route_table_create(100);
	struct bl_route_spec a = fwd(0, 0x0a000002, 7447), b = fwd(0, 0x0a000003, 7447);
	uint64_t gen, round, k;

	(void)state;
	for (k = 0; k < 10; k++)
		assert_int_equal(bl_route_add(t, k, &a), 0);
	gen = t->gen;
	for (round = 0; round < 6; round++) {
		const struct bl_route_spec *to = round % 2 == 0 ? &b : &a;

		for (k = 0; k < 10; k++)
			assert_int_equal(bl_route_add(t, k, to), 1);
		assert_int_equal(must_find(t, 3).hop, round % 2 == 0 ? 1 : 0);
		assert_int_equal(t->hop_refs[round % 2 == 0 ? 1 : 0], 10);
		assert_int_equal(t->hop_refs[round % 2 == 0 ? 0 : 1], 0);
	}
	assert_int_equal(t->n_hops, 2);
	assert_int_equal(t->gen, gen);
	destroy(t);
}

struct count_ctx {
	uint64_t n, sum;
};

static int count_one(void *arg, uint64_t key, const struct bl_route *r)
{
	struct count_ctx *c = arg;

	assert_int_equal(r->action, BL_ROUTE_FORWARD);
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

/* ---- scale: growth to a million routes and back ---------------------------- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ull;
	x ^= x >> 27;
	return x;
}

#define SCALE_ROUTES 1000000u

static void test_grow_to_a_million_and_back(void **state)
{
	struct bl_route_table *t = bl_route_table_create(SCALE_ROUTES);
	struct bl_route_spec s = fwd(0, 0x0a000002, 7447), s2 = fwd(0, 0x0a000003, 7447);
	uint64_t small, resizes, i, keys[32];
	uint32_t hashes[32];
	uint16_t vals[32];
	unsigned j;

	(void)state;
	small = bl_route_mem_bytes(t);
	for (i = 0; i < SCALE_ROUTES; i++)
		assert_int_equal(bl_route_add(t, mix(i), &s), 0);
	assert_int_equal(t->count, SCALE_ROUTES);
	assert_true(t->resizes > 10); /* it grew while filling, one doubling at a time */
	print_message("1M routes: %llu bytes, %.1f bytes a route, %llu slots\n",
		      (unsigned long long)bl_route_mem_bytes(t),
		      (double)bl_route_mem_bytes(t) / SCALE_ROUTES,
		      (unsigned long long)bl_route_slots(t));
	assert_true(bl_route_mem_bytes(t) <= 96ull * SCALE_ROUTES);
	/* Every key in bulk and one by one; a key never added is not found. */
	for (i = 0; i < SCALE_ROUTES; i += 32) {
		for (j = 0; j < 32; j++)
			keys[j] = mix(i + j);
		bl_route_lookup_bulk(t, keys, 32, hashes, vals);
		for (j = 0; j < 32; j++) {
			if (i + j < SCALE_ROUTES)
				assert_int_equal(vals[j], bl_route_val(BL_ROUTE_FORWARD, 0));
			else
				assert_int_equal(vals[j], BL_ROUTE_VAL_NONE);
		}
		rcu_quiescent_state();
	}
	assert_false(found(t, mix(SCALE_ROUTES + 5)));
	/* Replace half of them: the table does not move. */
	resizes = t->resizes;
	for (i = 0; i < SCALE_ROUTES; i += 2)
		assert_int_equal(bl_route_add(t, mix(i), &s2), 1);
	assert_int_equal(t->resizes, resizes);
	assert_int_equal(must_find(t, mix(0)).hop, 1);
	assert_int_equal(must_find(t, mix(1)).hop, 0);
	/* And back: every route deleted gives its memory back. */
	for (i = 0; i < SCALE_ROUTES; i++) {
		assert_int_equal(bl_route_del(t, mix(i)), 0);
		if ((i & 4095) == 0)
			rcu_quiescent_state();
	}
	assert_int_equal(t->count, 0);
	assert_int_equal(bl_route_mem_bytes(t), small);
	assert_int_equal(t->hop_refs[0] + t->hop_refs[1], 0);
	destroy(t);
}

/* ---- paging while routes change ---------------------------------------------- */

#define PAGE_STABLE 30000u

static void test_pages_exactly_once(void **state)
{
	struct bl_route_table *t = bl_route_table_create(200000);
	struct bl_route_spec s = fwd(0, 0x0a000002, 7447);
	struct bl_route_cursor cur = { 0 };
	struct bl_route_entry page[1000];
	uint8_t *seen = calloc(PAGE_STABLE, 1);
	uint64_t i, churn = 0, total = 0;
	size_t n, pages = 0;
	bool more = true;

	(void)state;
	assert_non_null(seen);
	for (i = 0; i < PAGE_STABLE; i++)
		assert_int_equal(bl_route_add(t, i, &s), 0);
	while (more) {
		n = bl_route_page(t, &cur, page, 1000, &more);
		assert_true(n <= 1000);
		for (size_t k = 0; k < n; k++) {
			if (page[k].key >= PAGE_STABLE)
				continue; /* a churning key: may be seen or not */
			assert_int_equal(seen[page[k].key], 0);
			seen[page[k].key] = 1;
			total++;
		}
		pages++;
		/* Between pages: keys come and go, the table grows and shrinks. */
		for (i = 0; i < 3000; i++, churn++)
			assert_int_equal(bl_route_add(t, 1000000 + churn, &s), 0);
		if (pages % 3 == 0) /* and most of them go again: the table shrinks */
			for (i = 1; i <= 8000 && i <= churn; i++)
				(void)bl_route_del(t, 1000000 + churn - i);
		assert_true(pages < 1000);
	}
	assert_int_equal(total, PAGE_STABLE);
	assert_true(t->resizes > 0);
	free(seen);
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
		struct bl_route r;
		uint64_t key;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		key = x % STRESS_KEYS;
		st->lookups++;
		if (bl_route_lookup(st->t, key, &r)) {
			st->found++;
			if (r.action != BL_ROUTE_FORWARD && r.action != BL_ROUTE_DROP)
				st->bad++;
			if (r.action == BL_ROUTE_FORWARD) {
				const struct bl_route_hop *h = bl_route_hop_get(st->t, &r);

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

/*
 * The model test at scale: the writer fills 60000 keys (the table grows),
 * replaces them at random, deletes most (it shrinks), twice over, while a
 * reader looks keys up in bursts of 32 and one by one. Every route a key's
 * hop names encodes the key's low byte, so a value read from another key,
 * a torn bucket or a freed table shows up as garbage.
 */
#define RESIZE_KEYS 60000u

struct resize_stress {
	struct bl_route_table *t;
	int done;
	uint64_t lookups, found, bad;
};

static bool resize_ok(struct bl_route_table *t, uint64_t key, uint16_t v)
{
	struct bl_route r;

	if (v == BL_ROUTE_VAL_NONE)
		return true;
	r = bl_route_of_val(v);
	if (r.action == BL_ROUTE_DROP)
		return r.hop == 0;
	if (r.action != BL_ROUTE_FORWARD || r.hop >= BL_ROUTE_HOP_MAX)
		return false;
	return (rte_be_to_cpu_32(bl_route_hop_get(t, &r)->dst_ip) & 0xff) == (key & 0xff);
}

static void *resize_reader(void *arg)
{
	struct resize_stress *st = arg;
	uint64_t x = 0x2545F4914F6CDD1Dull, keys[32];
	uint32_t hashes[32];
	uint16_t vals[32];
	unsigned j;

	rcu_register_thread();
	while (!__atomic_load_n(&st->done, __ATOMIC_ACQUIRE)) {
		for (j = 0; j < 32; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			keys[j] = x % RESIZE_KEYS;
		}
		bl_route_lookup_bulk(st->t, keys, 32, hashes, vals);
		for (j = 0; j < 32; j++) {
			st->lookups++;
			st->found += vals[j] != BL_ROUTE_VAL_NONE;
			if (!resize_ok(st->t, keys[j], vals[j]))
				st->bad++;
		}
		if (!resize_ok(st->t, keys[0], bl_route_lookup_val(st->t, keys[0])))
			st->bad++;
		rcu_quiescent_state();
	}
	rcu_unregister_thread();
	return NULL;
}

static void test_concurrent_resize(void **state)
{
	struct resize_stress st = { 0 };
	struct bl_route_spec s, d;
	pthread_t th;
	uint64_t x = 0x9E3779B97F4A7C15ull, k, shrinks = 0;
	uint32_t round, i;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.action = BL_ROUTE_DROP;
	st.t = bl_route_table_create(RESIZE_KEYS);
	assert_non_null(st.t);
	assert_int_equal(pthread_create(&th, NULL, resize_reader, &st), 0);
	for (round = 0; round < 2; round++) {
		uint64_t before;

		for (k = 0; k < RESIZE_KEYS; k++) {
			s = fwd(0, (uint32_t)((round + 1) << 8 | (k & 0xff)), 7447);
			assert_true(bl_route_add(st.t, k, &s) >= 0);
		}
		for (i = 0; i < 100000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			k = x % RESIZE_KEYS;
			if (x & 0x100) {
				s = fwd(0, (uint32_t)(((x >> 20) & 7) << 8 | (k & 0xff)), 7447);
				assert_true(bl_route_add(st.t, k, &s) >= 0);
			} else {
				assert_true(bl_route_add(st.t, k, &d) >= 0);
			}
		}
		before = st.t->cur->order;
		for (k = 0; k < RESIZE_KEYS - 1000; k++)
			assert_int_equal(bl_route_del(st.t, k), 0);
		shrinks += before - st.t->cur->order;
	}
	__atomic_store_n(&st.done, 1, __ATOMIC_RELEASE);
	rcu_thread_offline();
	pthread_join(th, NULL);
	rcu_thread_online();
	print_message("resize stress: %llu lookups, %llu found, %llu resizes, %llu halvings\n",
		      (unsigned long long)st.lookups, (unsigned long long)st.found,
		      (unsigned long long)st.t->resizes, (unsigned long long)shrinks);
	assert_int_equal(st.bad, 0);
	assert_true(st.lookups > 0);
	assert_true(shrinks > 0);
	destroy(st.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_lookup_replace_delete),
		cmocka_unit_test(test_bad_spec),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_hop_slots_recycled),
		cmocka_unit_test(test_hop_slot_taken_back),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_concurrent_stress),
		cmocka_unit_test(test_concurrent_resize),
		cmocka_unit_test(test_grow_to_a_million_and_back),
		cmocka_unit_test(test_pages_exactly_once),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
