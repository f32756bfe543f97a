/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route lookups on the fast path (tests/dataplane/fastpath_test.h): the
 * verdict cache (slots, lookalike keys, every id taken) against a model,
 * bursts past the cache's size looked up in groups ahead
 * (rx_burst_prefilled) while routes move, and the cache emptied when the
 * default route moves.
 */
#include "dataplane/verdict.h"

#include "fastpath_test.h"

/*
 * The verdict cache (struct bl_verdict_cache in dataplane/lcore.h): each
 * mask's slot is its id and the slot function is linear, the two facts its
 * exactness rests on; a key built to match a cached entry's word under
 * another verdict id is still looked up (and dropped, unrouted); and once
 * every verdict id is taken, keys with yet other verdicts still go where
 * their routes say, uncached, on every pass.
 */
#define MANY_HOPS 2100u /* more distinct verdicts than the cache has ids */

static void test_verdict_ids(void **state)
{
	struct msg a_then_x[2] = { { 100, 8, 0 }, { 0, 8, 0 } };
	struct msg one[1] = { { 100, 8, 0 } };
	struct rte_mbuf *pkts[32];
	struct out o[32];
	uint64_t x = 0x9e3779b97f4a7c15ull, y = 0x2545f4914f6cdd1dull, nr0;
	unsigned int i, j, n, pass;

	(void)state;
	for (i = 0; i < BL_VERDICT_CACHE_SIZE; i++)
		assert_int_equal(bl_verdict_slot(bl_verdict_mask(i)), i);
	for (i = 0; i < 1000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		y ^= y << 13, y ^= y >> 7, y ^= y << 17;
		assert_int_equal(bl_verdict_slot(x ^ y), bl_verdict_slot(x) ^ bl_verdict_slot(y));
	}

	/* A route change wipes the cache at the next burst: then 100 (hop A)
	 * gets verdict id 0 and 200 (hop B) id 1. */
	route(12, HOP_A_IP, 7447);
	assert_true(bl_route_del(R->routes, 12) == 0);
	send_one(make_pkt(one, 1, 1));
	one[0].key = 200;
	send_one(make_pkt(one, 1, 1));
	assert_int_equal(read_out(o, 4), 2);
	assert_int_equal(LC->vcache.id[bl_verdict_slot(rte_cpu_to_be_64(200))], 1);
	/* X is 200's entry word (wire order): a compare that checked the word
	 * without its slot would take X as cached with the first message's
	 * id 0. X is unrouted. */
	a_then_x[1].key = rte_be_to_cpu_64(rte_cpu_to_be_64(200) ^ bl_verdict_mask(1));
	nr0 = LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE];
	send_one(make_pkt(a_then_x, 2, 1));
	assert_int_equal(read_out(o, 4), 1);
	assert_int_equal(o[0].dst_ip, HOP_A_IP);
	assert_int_equal(o[0].count, 1);
	assert_int_equal(o[0].keys[0], 100);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE], nr0 + 1);

	/* Random frames of equal-length messages over routed keys and keys
	 * one or two masks away from them (unrouted), against a model: each
	 * message goes to its route's hop, or is dropped. */
	{
		static const uint64_t base[4] = { 100, 101, 200, 300 };
		uint64_t pool[4 * 4], drop0 = LC->st.drop_msgs;
		uint32_t want_drops = 0;
		struct msg f[6];

		for (i = 0; i < 4; i++) {
			pool[i] = base[i];
			for (j = 1; j < 4; j++)
				pool[i + 4 * j] =
				    rte_be_to_cpu_64(rte_cpu_to_be_64(base[i]) ^
						     bl_verdict_mask(j) ^ bl_verdict_mask(j - 1));
		}
		for (pass = 0; pass < 400; pass++) {
			unsigned int to_a = 0, to_b = 0, got_a = 0, got_b = 0, k;

			x = x * 6364136223846793005ull + 1442695040888963407ull;
			n = 2 + (unsigned int)(x >> 61) % 5;
			for (j = 0; j < n; j++) {
				f[j].key = pool[(x >> (4 * j + 8)) & 15];
				f[j].len = 8;
				f[j].kind = 0;
				if (f[j].key == 100 || f[j].key == 101)
					to_a++;
				else if (f[j].key == 200)
					to_b++;
				else
					want_drops++;
			}
			send_one(make_pkt(f, n, 1));
			k = read_out(o, 8);
			for (j = 0; j < k; j++) {
				unsigned int m;

				for (m = 0; m < o[j].count; m++) {
					if (o[j].dst_ip == HOP_A_IP)
						assert_true(o[j].keys[m] == 100 ||
							    o[j].keys[m] == 101);
					else
						assert_true(o[j].dst_ip == HOP_B_IP &&
							    o[j].keys[m] == 200);
				}
				if (o[j].dst_ip == HOP_A_IP)
					got_a += o[j].count;
				else
					got_b += o[j].count;
			}
			assert_int_equal(got_a, to_a);
			assert_int_equal(got_b, to_b);
		}
		assert_int_equal(LC->st.drop_msgs, drop0 + want_drops);
	}

	for (i = 0; i < MANY_HOPS; i++)
		route(0x100000 + i, 0x0a400000u + i, 7447);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < MANY_HOPS; i += n) {
			n = RTE_MIN(32u, MANY_HOPS - i);
			for (j = 0; j < n; j++) {
				one[0].key = 0x100000 + i + j;
				pkts[j] = make_pkt(one, 1, 1);
			}
			bl_lcore_rx_burst(LC, 0, pkts, (uint16_t)n);
			bl_lcore_flush(LC);
			check_identity();
			assert_int_equal(read_out(o, 32), n);
			for (j = 0; j < n; j++) {
				assert_int_equal(o[j].keys[0], 0x100000 + i + j);
				assert_int_equal(o[j].dst_ip, 0x0a400000u + i + j);
			}
		}
		assert_int_equal(LC->vcache.n_ids, BL_VERDICT_IDS);
	}
	for (i = 0; i < MANY_HOPS; i++)
		assert_true(bl_route_del(R->routes, 0x100000 + i) == 0);
}

/*
 * Many routes, keys spread over them: past the verdict cache's size every
 * burst misses it, and the lcore looks a burst's keys up in groups, a group
 * ahead (rx_burst_prefilled). Against a model of the routes (a third to hop
 * A, a third to hop B, a third dropped, and unrouted keys besides), with
 * routes moved between bursts: every message reaches its route's hop or is
 * counted under its drop reason, frames of one hop and mixed frames alike.
 */
#define SCALE_ROUTES 20000u
#define SCALE_KEY0   0x200000u

static uint32_t scale_ip(uint64_t key, uint32_t moved)
{
	uint32_t i = (uint32_t)(key - SCALE_KEY0);

	if (key < SCALE_KEY0 || i >= SCALE_ROUTES)
		return UINT32_MAX; /* unrouted */
	i = (i + (i < moved ? 1 : 0)) % 3;
	return i == 0 ? HOP_A_IP : i == 1 ? HOP_B_IP : 0;
}

static void scale_route(uint64_t key, uint32_t moved)
{
	uint32_t ip = scale_ip(key, moved);

	route(key, ip, ip == HOP_B_IP ? 9000 : 7447);
}

static void test_prefilled_bursts(void **state)
{
	static struct out o[128];
	struct rte_mbuf *pkts[32];
	struct msg f[8];
	uint64_t x = 0x5851f42d4c957f2dull;
	uint64_t nr0 = LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE],
		 rd0 = LC->st.msg_drops[BL_MSG_DROP_ROUTE_DROP];
	uint64_t want_nr = 0, want_rd = 0;
	uint32_t moved = 0, i, j, k, p, burst;

	(void)state;
	for (i = 0; i < SCALE_ROUTES; i++)
		scale_route(SCALE_KEY0 + i, moved);
	for (burst = 0; burst < 48; burst++) {
		uint32_t want_a = 0, want_b = 0, got_a = 0, got_b = 0, n;

		for (p = 0; p < 32; p++) {
			/* Every other packet all for one hop (the uniform walk). */
			uint64_t lead = 0;

			for (j = 0; j < 8; j++) {
				uint64_t key;

				x = x * 6364136223846793005ull + 1442695040888963407ull;
				if (p % 2 == 0 && j > 0)
					key = lead + 3 * ((x >> 33) % 16);
				else if ((x >> 60) == 0)
					key = 0x900000u + (x >> 40); /* unrouted */
				else
					key = SCALE_KEY0 + (x >> 33) % (SCALE_ROUTES - 48);
				if (j == 0)
					lead = key;
				f[j].key = key;
				f[j].len = 8;
				f[j].kind = 0;
				switch (scale_ip(key, moved)) {
				case HOP_A_IP:
					want_a++;
					break;
				case HOP_B_IP:
					want_b++;
					break;
				case 0:
					want_rd++;
					break;
				default:
					want_nr++;
				}
			}
			pkts[p] = make_pkt(f, 8, burst * 32 + p + 1);
		}
		bl_lcore_rx_burst(LC, 0, pkts, 32);
		bl_lcore_flush(LC);
		check_identity();
		/* The first burst missed the cache on nearly every key: the ones
		 * after it take the grouped lookups. */
		if (burst == 0)
			assert_true(LC->vmiss >= 8);
		n = read_out(o, 128);
		for (k = 0; k < n; k++) {
			for (j = 0; j < o[k].count; j++)
				assert_int_equal(scale_ip(o[k].keys[j], moved), o[k].dst_ip);
			if (o[k].dst_ip == HOP_A_IP)
				got_a += o[k].count;
			else
				got_b += o[k].count;
		}
		assert_int_equal(got_a, want_a);
		assert_int_equal(got_b, want_b);
		/* Move the next 500 routes on by one place (A -> B -> drop -> A):
		 * the lcore forgets those keys through the change log. */
		if (burst % 8 == 7 && moved + 500 <= SCALE_ROUTES) {
			uint32_t to = moved + 500;

			for (i = moved; i < to; i++)
				scale_route(SCALE_KEY0 + i, to);
			moved = to;
		}
	}
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_ROUTE], nr0 + want_nr);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_ROUTE_DROP], rd0 + want_rd);
	for (i = 0; i < SCALE_ROUTES; i++)
		assert_true(bl_route_del(R->routes, SCALE_KEY0 + i) == 0);
}

/*
 * A wipe when the default route moves: keys with no route of their own,
 * more than the cache holds and spread over its slots, go to the default
 * (hop A) over several passes, grouped lookups and all; then the default
 * moves to hop B and every one of them must follow it at once.
 */
#define DFLT_KEYS 12288u
#define DFLT_KEY0 0x7000000u

static unsigned dflt_pass(uint32_t want_ip)
{
	static struct out o[128];
	struct rte_mbuf *pkts[32];
	struct msg f[8];
	unsigned got = 0, k, j, n, p, b;

	for (b = 0; b < DFLT_KEYS / 256; b++) {
		for (p = 0; p < 32; p++) {
			for (j = 0; j < 8; j++) {
				/* Scattered, so a frame's keys take unlike slots. */
				f[j].key =
				    DFLT_KEY0 + (((b * 256 + p * 8 + j) * 7919u) % DFLT_KEYS);
				f[j].len = 8;
				f[j].kind = 0;
			}
			pkts[p] = make_pkt(f, 8, b * 32 + p + 1);
		}
		bl_lcore_rx_burst(LC, 0, pkts, 32);
		bl_lcore_flush(LC);
		check_identity();
		n = read_out(o, 128);
		for (k = 0; k < n; k++) {
			assert_int_equal(o[k].dst_ip, want_ip);
			got += o[k].count;
		}
	}
	return got;
}

static void test_default_moves(void **state)
{
	struct bl_route_spec s;
	unsigned pass;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.action = BL_ROUTE_FORWARD;
	s.hop.mac.addr_bytes[0] = 0x02;
	s.hop.mac.addr_bytes[5] = (uint8_t)HOP_A_IP;
	s.hop.ip = HOP_A_IP;
	s.hop.udp = 7447;
	assert_int_equal(bl_route_set_default(R->routes, &s), 0);
	for (pass = 0; pass < 3; pass++)
		assert_int_equal(dflt_pass(HOP_A_IP), DFLT_KEYS);
	s.hop.mac.addr_bytes[5] = (uint8_t)HOP_B_IP;
	s.hop.ip = HOP_B_IP;
	s.hop.udp = 9000;
	assert_int_equal(bl_route_set_default(R->routes, &s), 0);
	for (pass = 0; pass < 2; pass++)
		assert_int_equal(dflt_pass(HOP_B_IP), DFLT_KEYS);
	assert_int_equal(bl_route_del_default(R->routes), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_ids),
		cmocka_unit_test(test_prefilled_bursts),
		cmocka_unit_test(test_default_moves),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
