/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log-linear histogram's reading side: bucket bounds, copies, merge,
 * subtraction and quantiles. See dataplane/hist.h.
 */
#include <math.h>
#include <string.h>

#include "dataplane/hist.h"

uint64_t bl_hist_low(unsigned i)
{
	unsigned e;

	if (i >= BL_HIST_OVERFLOW)
		return UINT64_C(1) << BL_HIST_TOP;
	if (i < 2u * BL_HIST_SUB)
		return i;
	e = i / BL_HIST_SUB + BL_HIST_SUB_BITS - 1u;
	return (uint64_t)(i % BL_HIST_SUB + BL_HIST_SUB) << (e - BL_HIST_SUB_BITS);
}

uint64_t bl_hist_high(unsigned i)
{
	unsigned e;

	if (i >= BL_HIST_OVERFLOW)
		return UINT64_MAX;
	if (i < 2u * BL_HIST_SUB)
		return i;
	e = i / BL_HIST_SUB + BL_HIST_SUB_BITS - 1u;
	return bl_hist_low(i) + (UINT64_C(1) << (e - BL_HIST_SUB_BITS)) - 1u;
}

void bl_hist_read(const struct bl_hist *h, struct bl_hist *out)
{
	unsigned i;

	for (i = 0; i < BL_HIST_BUCKETS; i++)
		out->count[i] = __atomic_load_n(&h->count[i], __ATOMIC_RELAXED);
}

void bl_hist_merge(struct bl_hist *dst, const struct bl_hist *src)
{
	unsigned i;

	for (i = 0; i < BL_HIST_BUCKETS; i++)
		dst->count[i] += src->count[i];
}

void bl_hist_sub(struct bl_hist *dst, const struct bl_hist *src)
{
	unsigned i;

	for (i = 0; i < BL_HIST_BUCKETS; i++)
		dst->count[i] = dst->count[i] > src->count[i] ? dst->count[i] - src->count[i] : 0;
}

uint64_t bl_hist_total(const struct bl_hist *h)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < BL_HIST_BUCKETS; i++)
		n += h->count[i];
	return n;
}

uint64_t bl_hist_value_at(const struct bl_hist *h, double q)
{
	uint64_t total = bl_hist_total(h), rank, seen = 0;
	unsigned i;

	if (total == 0)
		return 0;
	if (!(q > 0.0))
		q = 0.0;
	if (q > 1.0)
		q = 1.0;
	rank = (uint64_t)ceil(q * (double)total);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < BL_HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank)
			return bl_hist_high(i);
	}
	return bl_hist_high(BL_HIST_OVERFLOW);
}
