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
 * end, so the result folds to the sum of the words themselves.
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

__attribute__((target("avx2,tune=haswell"))) uint64_t bl__wire_sum_wide(const uint8_t *p,
									uint32_t len)
{
	const __m256i flip = _mm256_set1_epi16((short)0x8000), ones = _mm256_set1_epi16(1);
	__m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
	int32_t lanes[8];
	int64_t sum = 0;
	uint32_t i, k;

	for (i = 0; i + 64 <= len; i += 64) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 32));

		acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_xor_si256(a, flip), ones));
		acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_xor_si256(b, flip), ones));
	}
	_mm256_storeu_si256((__m256i *)(void *)lanes, _mm256_add_epi32(acc0, acc1));
	for (k = 0; k < 8; k++)
		sum += lanes[k];
	sum += (int64_t)(i / 2) * 0x8000;
	/* The rest starts at an even offset: its words line up with these. */
	return (uint64_t)sum + bl__wire_sum_narrow(p + i, len - i);
}
#endif
