/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/seq per-source sequence tracking (bl_seq_*): the semantics of
 * each case, the capacity bound, the listing, and a reader thread racing the
 * owner (values must never be torn or go backwards).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "dataplane/seq.h"
#include "wire_test_util.h"

#define IP(a, b, c, d) rte_cpu_to_be_32(TWU_IPV4(a, b, c, d))

static int group_setup(void **state)
{
	(void)state;
	if (twu_eal_init("test_seq") < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

/* What bl_seq_foreach reports for one source. */
struct src_view {
	uint32_t ip;
	uint16_t port;
	uint64_t expected, gaps, dups;
	int found;
};

static void find_cb(void *arg, uint32_t ip, uint16_t port, uint64_t expected, uint64_t gaps,
		    uint64_t dups)
{
	struct src_view *v = arg;

	if (ip != v->ip || port != v->port)
		return;
	v->found++;
	v->expected = expected;
	v->gaps = gaps;
	v->dups = dups;
}

static struct src_view view(const struct bl_seq_table *t, uint32_t ip, uint16_t port)
{
	struct src_view v = { .ip = ip, .port = port };

	bl_seq_foreach(t, find_cb, &v);
	assert_true(v.found <= 1);
	return v;
}

static void expect_src(const struct bl_seq_table *t, uint32_t ip, uint16_t port, uint64_t expected,
		       uint64_t gaps, uint64_t dups)
{
	struct src_view v = view(t, ip, port);

	assert_int_equal(v.found, 1);
	assert_true(v.expected == expected);
	assert_true(v.gaps == gaps);
	assert_true(v.dups == dups);
}

static void expect_tot(const struct bl_seq_table *t, uint64_t sources, uint64_t frames,
		       uint64_t gaps, uint64_t dups, uint64_t untracked)
{
	struct bl_seq_stats st;

	memset(&st, 0xa5, sizeof(st));
	bl_seq_stats_get(t, &st);
	assert_true(st.sources == sources);
	assert_true(st.frames == frames);
	assert_true(st.gaps == gaps);
	assert_true(st.dups == dups);
	assert_true(st.untracked == untracked);
}

static void test_create_args(void **state)
{
	struct bl_seq_table *t;

	(void)state;
	errno = 0;
	assert_null(bl_seq_create(0, SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(bl_seq_create(BL_SEQ_CAPACITY_MAX + 1, SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	bl_seq_free(NULL);

	t = bl_seq_create(1, SOCKET_ID_ANY);
	assert_non_null(t);
	expect_tot(t, 0, 0, 0, 0, 0);
	bl_seq_free(t);
}

static void test_in_order(void **state)
{
	struct bl_seq_table *t = bl_seq_create(16, SOCKET_ID_ANY);
	const uint32_t ip = IP(10, 1, 2, 3);
	const uint16_t port = RTE_BE16(5000);

	(void)state;
	assert_non_null(t);
	/* the first frame sets the expectation wherever it starts */
	bl_seq_observe(t, ip, port, 100, 1);
	expect_src(t, ip, port, 101, 0, 0);
	bl_seq_observe(t, ip, port, 101, 3);
	bl_seq_observe(t, ip, port, 104, 2);
	expect_src(t, ip, port, 106, 0, 0);
	expect_tot(t, 1, 3, 0, 0, 0);
	bl_seq_free(t);
}

static void test_gap_dup_overlap(void **state)
{
	struct bl_seq_table *t = bl_seq_create(16, SOCKET_ID_ANY);
	const uint32_t ip = IP(10, 1, 2, 3);
	const uint16_t port = RTE_BE16(5000);

	(void)state;
	assert_non_null(t);
	bl_seq_observe(t, ip, port, 0, 6); /* expected 6 */

	/* gap: 6..9 missing */
	bl_seq_observe(t, ip, port, 10, 2);
	expect_src(t, ip, port, 12, 4, 0);

	/* duplicate wholly before expected: all 3 counted, expected stays */
	bl_seq_observe(t, ip, port, 0, 3);
	expect_src(t, ip, port, 12, 4, 3);

	/* a late frame that ends exactly at expected */
	bl_seq_observe(t, ip, port, 9, 3);
	expect_src(t, ip, port, 12, 4, 6);

	/* partial overlap: 10, 11 are dups, 12..14 new */
	bl_seq_observe(t, ip, port, 10, 5);
	expect_src(t, ip, port, 15, 4, 8);

	/* in order again after all that */
	bl_seq_observe(t, ip, port, 15, 1);
	expect_src(t, ip, port, 16, 4, 8);

	/* a far jump, then one frame from the old range */
	bl_seq_observe(t, ip, port, 1000000, 1);
	expect_src(t, ip, port, 1000001, 4 + 1000000 - 16, 8);
	bl_seq_observe(t, ip, port, 16, 1);
	expect_src(t, ip, port, 1000001, 4 + 1000000 - 16, 9);

	expect_tot(t, 1, 8, 4 + 1000000 - 16, 9, 0);
	bl_seq_free(t);
}

static void test_sources_are_separate(void **state)
{
	struct bl_seq_table *t = bl_seq_create(16, SOCKET_ID_ANY);
	const uint32_t a = IP(10, 0, 0, 1), b = IP(10, 0, 0, 2);

	(void)state;
	assert_non_null(t);
	/* same IP, other port; same port, other IP: all distinct sources */
	bl_seq_observe(t, a, RTE_BE16(1), 10, 1);
	bl_seq_observe(t, a, RTE_BE16(2), 20, 1);
	bl_seq_observe(t, b, RTE_BE16(1), 30, 1);
	bl_seq_observe(t, a, RTE_BE16(1), 15, 1);
	expect_src(t, a, RTE_BE16(1), 16, 4, 0);
	expect_src(t, a, RTE_BE16(2), 21, 0, 0);
	expect_src(t, b, RTE_BE16(1), 31, 0, 0);
	assert_int_equal(view(t, b, RTE_BE16(2)).found, 0);
	/* extreme keys are sources like any other */
	bl_seq_observe(t, 0, 0, 5, 1);
	bl_seq_observe(t, 0xffffffffu, 0xffff, 7, 1);
	expect_src(t, 0, 0, 6, 0, 0);
	expect_src(t, 0xffffffffu, 0xffff, 8, 0, 0);
	expect_tot(t, 5, 6, 4, 0, 0);
	bl_seq_free(t);
}

#define MANY 3000

struct collect {
	uint32_t n;
	uint8_t seen[MANY];
	int bad;
};

static void collect_cb(void *arg, uint32_t ip, uint16_t port, uint64_t expected, uint64_t gaps,
		       uint64_t dups)
{
	struct collect *c = arg;
	uint32_t i = rte_be_to_cpu_32(ip) & 0xffff;

	/* source i: ip 172.16.x.y = i, port 1000 + i, 3 frames of i + 1 from
	 * seq i * 10, one of them a gap of 1 and one a dup of 1 */
	if (i >= MANY || rte_be_to_cpu_16(port) != 1000 + i ||
	    expected != (uint64_t)i * 10 + 3 * (i + 1) + 1 || gaps != 1 || dups != 1)
		c->bad++;
	else
		c->seen[i]++;
	c->n++;
}

static void test_many_sources_and_foreach(void **state)
{
	struct bl_seq_table *t = bl_seq_create(MANY, SOCKET_ID_ANY);
	struct collect *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(t);
	assert_non_null(c);
	for (uint32_t round = 0; round < 4; round++) {
		for (uint32_t i = 0; i < MANY; i++) {
			uint32_t ip = rte_cpu_to_be_32(TWU_IPV4(172, 16, i >> 8, i & 0xff));
			uint16_t port = rte_cpu_to_be_16((uint16_t)(1000 + i));
			uint16_t cnt = (uint16_t)(i + 1);
			uint64_t base = (uint64_t)i * 10;

			switch (round) {
			case 0:
				bl_seq_observe(t, ip, port, base, cnt);
				break;
			case 1: /* one lost */
				bl_seq_observe(t, ip, port, base + cnt + 1, cnt);
				break;
			case 2: /* the last message again, then the next frame */
				bl_seq_observe(t, ip, port, base + 2 * cnt, cnt + 1);
				break;
			default:
				break;
			}
		}
	}
	bl_seq_foreach(t, collect_cb, c);
	assert_int_equal(c->bad, 0);
	assert_int_equal(c->n, MANY);
	for (uint32_t i = 0; i < MANY; i++)
		assert_int_equal(c->seen[i], 1);
	expect_tot(t, MANY, 3 * MANY, MANY, MANY, 0);
	free(c);
	bl_seq_free(t);
}

/* Each IPv6 source seen once, with what the three rounds below leave. */
struct collect6 {
	uint32_t n, bad;
	uint8_t seen[MANY];
};

static void collect6_cb(void *arg, const uint8_t ip[16], uint16_t port, uint64_t expected,
			uint64_t gaps, uint64_t dups)
{
	struct collect6 *c = arg;
	uint32_t i = (uint32_t)ip[14] << 8 | ip[15];
	uint64_t cnt = i + 1, base = (uint64_t)i * 10;

	c->n++;
	if (i >= MANY || ip[0] != 0x20 || rte_be_to_cpu_16(port) != 1000 + i % 7 ||
	    expected != base + 3 * cnt + 1 || gaps != 1 || dups != 1) {
		c->bad++;
		return;
	}
	c->seen[i]++;
}

/* As many IPv6 sources as IPv4 ones above, on few ports: most share their
 * first slot with another and are found by the probe (seq.c), the rest
 * where they hash (seq.h); both keep each source's gaps and duplicates. */
static void test_many_sources6(void **state)
{
	struct bl_seq_table *t = bl_seq_create(MANY, SOCKET_ID_ANY);
	struct collect6 *c = calloc(1, sizeof(*c));

	(void)state;
	assert_non_null(t);
	assert_non_null(c);
	for (uint32_t round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < MANY; i++) {
			uint8_t ip[16] = { 0x20, 0x01, 0x0d, 0xb8 };
			uint16_t port = rte_cpu_to_be_16((uint16_t)(1000 + i % 7));
			uint16_t cnt = (uint16_t)(i + 1);
			uint64_t base = (uint64_t)i * 10;

			ip[14] = (uint8_t)(i >> 8);
			ip[15] = (uint8_t)i;
			if (round == 0)
				bl_seq_observe6(t, ip, port, base, cnt);
			else if (round == 1) /* one lost */
				bl_seq_observe6(t, ip, port, base + cnt + 1, cnt);
			else /* the last message again, then the next frame */
				bl_seq_observe6(t, ip, port, base + 2 * cnt, cnt + 1);
		}
	}
	bl_seq_foreach6(t, collect6_cb, c);
	assert_int_equal(c->bad, 0);
	assert_int_equal(c->n, MANY);
	for (uint32_t i = 0; i < MANY; i++)
		assert_int_equal(c->seen[i], 1);
	expect_tot(t, MANY, 3 * MANY, MANY, MANY, 0);
	free(c);
	bl_seq_free(t);
}

static void count_cb(void *arg, uint32_t ip, uint16_t port, uint64_t expected, uint64_t gaps,
		     uint64_t dups)
{
	(void)ip;
	(void)port;
	(void)expected;
	(void)gaps;
	(void)dups;
	(*(unsigned int *)arg)++;
}

static void test_capacity_overflow(void **state)
{
	struct bl_seq_table *t = bl_seq_create(4, SOCKET_ID_ANY);
	unsigned int listed = 0;

	(void)state;
	assert_non_null(t);
	for (uint16_t p = 1; p <= 10; p++)
		bl_seq_observe(t, IP(1, 1, 1, 1), rte_cpu_to_be_16(p), 0, 1);
	/* the first four fit; the six others are counted, not added */
	expect_tot(t, 4, 10, 0, 0, 6);
	for (uint16_t p = 1; p <= 4; p++)
		expect_src(t, IP(1, 1, 1, 1), rte_cpu_to_be_16(p), 1, 0, 0);
	assert_int_equal(view(t, IP(1, 1, 1, 1), rte_cpu_to_be_16(5)).found, 0);

	/* tracked sources keep being tracked; untracked stay out */
	bl_seq_observe(t, IP(1, 1, 1, 1), rte_cpu_to_be_16(2), 3, 1);
	bl_seq_observe(t, IP(1, 1, 1, 1), rte_cpu_to_be_16(9), 1, 1);
	expect_src(t, IP(1, 1, 1, 1), rte_cpu_to_be_16(2), 4, 2, 0);
	expect_tot(t, 4, 12, 2, 0, 7);
	bl_seq_foreach(t, count_cb, &listed);
	assert_int_equal(listed, 4);
	bl_seq_free(t);
}

/*
 * Reader racing the owner. The owner drives NSRC sources whose sequence
 * numbers cross 2^32 (so a torn 64-bit read would show a value far out of
 * range); every 8th frame skips 3 messages and every 16th repeats 2, so gaps
 * and dups only grow, in steps of 3 and 2.
 */
#define NSRC	 64
#define NFRAMES	 20000
#define SEQ_BASE ((1ull << 32) - 5000)

struct race {
	struct bl_seq_table *t;
	int stop;
	uint64_t rounds;
	uint64_t last_exp[NSRC], last_gaps[NSRC], last_dups[NSRC];
	int bad;
	const char *why;
};

static void race_cb(void *arg, uint32_t ip, uint16_t port, uint64_t expected, uint64_t gaps,
		    uint64_t dups)
{
	struct race *r = arg;
	uint32_t i = rte_be_to_cpu_16(port);

	if (ip != IP(9, 9, 9, 9) || i >= NSRC) {
		r->bad++;
		r->why = "unknown source";
		return;
	}
	if (expected < SEQ_BASE || expected > SEQ_BASE + 4ull * NFRAMES) {
		r->bad++;
		r->why = "expected out of range";
	}
	if (gaps % 3 != 0 || dups % 2 != 0) {
		r->bad++;
		r->why = "gaps/dups not a whole number of steps";
	}
	if (expected < r->last_exp[i] || gaps < r->last_gaps[i] || dups < r->last_dups[i]) {
		r->bad++;
		r->why = "went backwards";
	}
	r->last_exp[i] = expected;
	r->last_gaps[i] = gaps;
	r->last_dups[i] = dups;
}

static void *race_reader(void *arg)
{
	struct race *r = arg;
	struct bl_seq_stats last = { 0 }, st;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		bl_seq_stats_get(r->t, &st);
		if (st.frames < last.frames || st.gaps < last.gaps || st.dups < last.dups ||
		    st.sources < last.sources || st.sources > NSRC || st.untracked != 0 ||
		    st.frames > (uint64_t)NSRC * NFRAMES) {
			r->bad++;
			r->why = "totals";
		}
		last = st;
		bl_seq_foreach(r->t, race_cb, r);
		r->rounds++;
	}
	return NULL;
}

static void test_concurrent_reader(void **state)
{
	struct race *r = calloc(1, sizeof(*r));
	uint64_t next[NSRC];
	pthread_t th;

	(void)state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		free(r);
		skip();
	}
	assert_non_null(r);
	r->t = bl_seq_create(NSRC, SOCKET_ID_ANY);
	assert_non_null(r->t);
	assert_int_equal(pthread_create(&th, NULL, race_reader, r), 0);

	for (uint32_t i = 0; i < NSRC; i++)
		next[i] = SEQ_BASE;
	for (uint32_t f = 0; f < NFRAMES; f++) {
		for (uint32_t i = 0; i < NSRC; i++) {
			uint64_t seq = next[i];

			if (f % 8 == 7)
				seq += 3; /* a gap of 3 */
			else if (f % 16 == 11)
				seq -= 2; /* two repeated, one new */
			bl_seq_observe(r->t, IP(9, 9, 9, 9), rte_cpu_to_be_16((uint16_t)i), seq, 3);
			if (seq + 3 > next[i])
				next[i] = seq + 3;
		}
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	if (r->bad)
		fail_msg("reader saw %d bad values (last: %s)", r->bad, r->why);
	assert_true(r->rounds > 0);

	/* final values are exact */
	{
		uint64_t gaps = (uint64_t)(NFRAMES / 8) * 3;
		uint64_t dups = (uint64_t)(NFRAMES / 16) * 2;

		for (uint32_t i = 0; i < NSRC; i++)
			expect_src(r->t, IP(9, 9, 9, 9), rte_cpu_to_be_16((uint16_t)i), next[i],
				   gaps, dups);
		expect_tot(r->t, NSRC, (uint64_t)NSRC * NFRAMES, gaps * NSRC, dups * NSRC, 0);
	}
	bl_seq_free(r->t);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_gap_dup_overlap),
		cmocka_unit_test(test_sources_are_separate),
		cmocka_unit_test(test_many_sources_and_foreach),
		cmocka_unit_test(test_many_sources6),
		cmocka_unit_test(test_capacity_overflow),
		cmocka_unit_test(test_concurrent_reader),
	};

	return cmocka_run_group_tests_name("seq", tests, group_setup, group_teardown);
}
