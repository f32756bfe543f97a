/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one's complement sum of long runs (wire6.h's bl__wire_sum_bytes: the
 * UDP checksum of every IPv6 frame in, when the port does not check it) in
 * 256-bit vectors, where the CPU has AVX2. The build targets an older CPU
 * (DPDK's -march), so this function alone is compiled for AVX2 and taken
 * only when the CPU says it has it, checked once at start-up.
 *
 * Each 16-bit word w is added as w - 0x8000 (its top bit flipped, then
 * read as signed by vpmaddwd, which adds neighbouring pairs into 32-bit
 * lanes): one instruction widens and adds, and the lanes cannot overflow
 * for the lengths taken here. The n words' 0x8000 are added back at the
 * end, so the result folds to the sum of the words themselves. What is
 * left past the 128-byte steps takes one step of each of 64, 32 and 16
 * bytes, and (an even run) the 16 bytes that end the run with those
 * already summed masked off: no byte-by-byte tail, and the lanes are added
 * in vector registers, not through memory.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>

#include "dataplane/wire6.h"

#ifdef BL_WIRE_SUM_WIDE
#include <immintrin.h>

bool bl__wire_sum_wide_ok;

RTE_INIT(bl_wire_sum_probe)
{
	bl__wire_sum_wide_ok = __builtin_cpu_supports("avx2");
}

/*
 * The mask that keeps the last 2k bytes of a 16-byte vector (k = 0..7) is
 * the 16 bytes at keep + 2k: the tail of an even-length run, loaded as the
 * 16 bytes that end it, without its first bytes, which are summed already.
 */
static const uint8_t keep[32] = { [16 ... 31] = 0xff }; /* GNU C range */

/* 32 bytes at q, their words flipped and added in pairs: 8 lanes. */
__attribute__((target("avx2,tune=haswell"))) static inline __m256i sum32(const uint8_t *q)
{
	return _mm256_madd_epi16(
	    _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)q),
			     _mm256_set1_epi16((short)0x8000)),
	    _mm256_set1_epi16(1));
}

__attribute__((target("avx2,tune=haswell"))) uint64_t bl__wire_sum_wide(const uint8_t *p,
									uint32_t len)
{
	const __m128i flip = _mm_set1_epi16((short)0x8000), ones = _mm_set1_epi16(1);
	const uint8_t *q = p, *end = p + (len & ~127u);
	__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, w;
	__m128i acc, v;
	uint64_t rest = 0;
	uint32_t i, words; /* words summed flipped */

	/* 128 bytes a step, four accumulators: a quarter of the loop's own
	 * instructions and of the chain of adds that one vector a step has. */
	for (; q != end; q += 128) {
		a0 = _mm256_add_epi32(a0, sum32(q));
		a1 = _mm256_add_epi32(a1, sum32(q + 32));
		a2 = _mm256_add_epi32(a2, sum32(q + 64));
		a3 = _mm256_add_epi32(a3, sum32(q + 96));
	}
	w = _mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3));
	i = (uint32_t)(q - p);
	if (i + 64 <= len) {
		w = _mm256_add_epi32(w, _mm256_add_epi32(sum32(p + i), sum32(p + i + 32)));
		i += 64;
	}
	if (i + 32 <= len) {
		w = _mm256_add_epi32(w, sum32(p + i));
		i += 32;
	}
	acc = _mm_add_epi32(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
	if (i + 16 <= len) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_xor_si128(v, flip), ones));
		i += 16;
	}
	/* Below 16 bytes left. An even number: the 16 bytes that end the run
	 * (len is at least BL_WIRE_SUM_WIDE_MIN), the ones summed above masked
	 * to 0 after the flip, so that they add nothing. An odd one, by words. */
	if (((len - i) & 1) == 0) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(p + len - 16));
		v = _mm_and_si128(
		    _mm_xor_si128(v, flip),
		    _mm_loadu_si128((const __m128i *)(const void *)(keep + (len - i))));
		acc = _mm_add_epi32(acc, _mm_madd_epi16(v, ones));
		words = len / 2;
	} else {
		rest = bl__wire_sum_narrow(p + i, len - i);
		words = i / 2;
	}
	/* Four signed 32-bit lanes, widened and added; then each flipped
	 * word's 0x8000 back. */
	acc = _mm_add_epi64(_mm_cvtepi32_epi64(acc), _mm_cvtepi32_epi64(_mm_srli_si128(acc, 8)));
	return (uint64_t)(_mm_cvtsi128_si64(acc) + _mm_extract_epi64(acc, 1) +
			  (int64_t)words * 0x8000) +
	       rest;
}
#endif
