/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log-linear histogram (dataplane/hist.[ch]): every bucket's bounds
 * tile the values, quantiles against a sorted reference on random data
 * stay within the promised 1.6%, merge and subtraction (the reader's
 * reset) add up, and values past the top land in the overflow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/hist.h"

static struct bl_hist H, H2, H3;

static void test_buckets_tile_the_values(void **state)
{
	unsigned i;

	(void)state;
	assert_int_equal(bl_hist_low(0), 0);
	for (i = 0; i + 1 < BL_HIST_OVERFLOW; i++) {
		/* Next bucket starts right after this one ends. */
		assert_true(bl_hist_high(i) + 1 == bl_hist_low(i + 1));
		assert_int_equal(bl_hist_index(bl_hist_low(i)), i);
		assert_int_equal(bl_hist_index(bl_hist_high(i)), i);
		/* No bucket wider than 1/64 of its lowest value. */
		assert_true((bl_hist_high(i) - bl_hist_low(i)) * 64 <= bl_hist_low(i) || i < 128);
	}
	assert_int_equal(bl_hist_high(BL_HIST_OVERFLOW - 1) + 1, UINT64_C(1) << BL_HIST_TOP);
	assert_int_equal(bl_hist_index((UINT64_C(1) << BL_HIST_TOP) - 1), BL_HIST_OVERFLOW - 1);
	assert_int_equal(bl_hist_index(UINT64_C(1) << BL_HIST_TOP), BL_HIST_OVERFLOW);
	assert_int_equal(bl_hist_index(UINT64_MAX), BL_HIST_OVERFLOW);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t rnd(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 11;
}

/* Random values over many scales (log-uniform, 1 .. 2^36), each quantile
 * read back against the sorted values: never below, at most 1/64 above. */
static void test_quantiles_against_sorted(void **state)
{
	static const double qs[] = { 0.0001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0 };
	enum { N = 200000 };
	uint64_t *v = malloc(N * sizeof(*v)), x = 42;
	unsigned i;

	(void)state;
	assert_non_null(v);
	memset(&H, 0, sizeof(H));
	for (i = 0; i < N; i++) {
		unsigned bits = (unsigned)(rnd(&x) % 36) + 1;

		v[i] = rnd(&x) & ((UINT64_C(1) << bits) - 1);
		bl_hist_add(&H, v[i], 1);
	}
	qsort(v, N, sizeof(*v), cmp_u64);
	assert_int_equal(bl_hist_total(&H), N);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		size_t rank = (size_t)ceil(qs[i] * N);
		uint64_t want = v[rank - 1], got = bl_hist_value_at(&H, qs[i]);

		assert_true(got >= want);
		assert_true((double)(got - want) <= (double)want / 64.0 + 1e-9);
	}
	free(v);
}

static void test_weights_merge_and_reset(void **state)
{
	(void)state;
	memset(&H, 0, sizeof(H));
	memset(&H2, 0, sizeof(H2));
	/* 90 values of 1000, 10 of 100000: p90 is 1000's bucket, p99 100000's. */
	bl_hist_add(&H, 1000, 90);
	bl_hist_add(&H2, 100000, 10);
	bl_hist_merge(&H, &H2);
	assert_int_equal(bl_hist_total(&H), 100);
	assert_int_equal(bl_hist_value_at(&H, 0.9), bl_hist_high(bl_hist_index(1000)));
	assert_int_equal(bl_hist_value_at(&H, 0.91), bl_hist_high(bl_hist_index(100000)));
	/* The reader's reset: a copy now, subtracted later. */
	bl_hist_read(&H, &H3);
	bl_hist_add(&H, 5, 3);
	bl_hist_read(&H, &H2);
	bl_hist_sub(&H2, &H3);
	assert_int_equal(bl_hist_total(&H2), 3);
	assert_int_equal(bl_hist_value_at(&H2, 1.0), 5);
	/* Empty: 0 at every quantile. */
	memset(&H2, 0, sizeof(H2));
	assert_int_equal(bl_hist_value_at(&H2, 0.5), 0);
}

static void test_overflow(void **state)
{
	(void)state;
	memset(&H, 0, sizeof(H));
	bl_hist_add(&H, 10, 1);
	bl_hist_add(&H, UINT64_C(1) << 50, 1);
	assert_int_equal(H.count[BL_HIST_OVERFLOW], 1);
	assert_int_equal(bl_hist_value_at(&H, 0.5), 10);
	assert_int_equal(bl_hist_value_at(&H, 1.0), UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_tile_the_values),
		cmocka_unit_test(test_quantiles_against_sorted),
		cmocka_unit_test(test_weights_merge_and_reset),
		cmocka_unit_test(test_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
