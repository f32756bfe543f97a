/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A log-linear histogram of 64-bit values (HdrHistogram's layout, our
 * own code: Debian packages no C HdrHistogram, and recording here must be
 * an inline add in the poll loop, not a library call).
 *
 * Values below 2 * BL_HIST_SUB are counted exactly. Above, each power of
 * two [2^e, 2^(e+1)) is cut into BL_HIST_SUB buckets of width
 * 2^(e - BL_HIST_SUB_BITS), so a bucket spans at most 1/64 of its values
 * (1.6%): every percentile read back (the bucket's highest value) is
 * within 1.6% of the true one. Values of 2^BL_HIST_TOP and more land in
 * the last bucket, the overflow, counted apart.
 *
 * One writer (an lcore) adds with relaxed stores; any thread may read a
 * histogram while it is written (each counter is read whole; the set of
 * them may be a few adds apart). Reset is the reader's: it keeps a copy
 * and subtracts (bl_hist_sub), so the writer never loses an add.
 */
#ifndef BL_HIST_H
#define BL_HIST_H

#include <stdint.h>

#define BL_HIST_SUB_BITS 6u
#define BL_HIST_SUB	 (1u << BL_HIST_SUB_BITS) /* buckets per power of two */
#define BL_HIST_TOP	 40u			  /* values from 2^40 on: the overflow */
#define BL_HIST_BUCKETS	 ((BL_HIST_TOP - BL_HIST_SUB_BITS + 1u) * BL_HIST_SUB + 1u)
#define BL_HIST_OVERFLOW (BL_HIST_BUCKETS - 1u)

struct bl_hist {
	uint64_t count[BL_HIST_BUCKETS];
};

/* The bucket of value v. */
static inline unsigned bl_hist_index(uint64_t v)
{
	unsigned e;

	if (v < 2u * BL_HIST_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v); /* v in [2^e, 2^(e+1)), e > SUB_BITS */
	if (e >= BL_HIST_TOP)
		return BL_HIST_OVERFLOW;
	return (e - BL_HIST_SUB_BITS) * BL_HIST_SUB + (unsigned)(v >> (e - BL_HIST_SUB_BITS));
}

/* Count n values of v (owner only). */
static inline void bl_hist_add(struct bl_hist *h, uint64_t v, uint64_t n)
{
	uint64_t *c = &h->count[bl_hist_index(v)];

	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

/* The lowest and the highest value bucket i holds (the overflow: from
 * 2^BL_HIST_TOP up). */
uint64_t bl_hist_low(unsigned i);
uint64_t bl_hist_high(unsigned i);

/* A copy of h as it is now (any thread). */
void bl_hist_read(const struct bl_hist *h, struct bl_hist *out);

/* dst += src; dst -= src (counts never go below 0). */
void bl_hist_merge(struct bl_hist *dst, const struct bl_hist *src);
void bl_hist_sub(struct bl_hist *dst, const struct bl_hist *src);

/* Values counted, and how many of them overflowed. */
uint64_t bl_hist_total(const struct bl_hist *h);

/*
 * The value at quantile q (0 < q <= 1): the highest value of the bucket
 * holding the ceil(q * total)-th smallest value; 0 when h is empty. The
 * max is bl_hist_value_at(h, 1.0). The overflow bucket answers
 * UINT64_MAX.
 */
uint64_t bl_hist_value_at(const struct bl_hist *h, double q);

#endif /* BL_HIST_H */
