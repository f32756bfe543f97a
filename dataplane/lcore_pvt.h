/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to dataplane/: what the files of a worker lcore's packet path
 * share (the fates classify writes, drop counting, a hash mixer). Not for
 * other folders: they include dataplane/lcore.h.
 */
#ifndef BL_LCORE_PVT_H
#define BL_LCORE_PVT_H

#include <stdint.h>

#include "dataplane/drop.h"
#include "dataplane/lcore.h"

/* A message's fate while a frame is classified: a hop index, a process
 * target, or a drop. */
#define TGT_DROP BL_TGT_DROP
#define TGT_PROC BL_TGT_PROC
#define TGT_HOP6 BL_TGT_HOP6
#define TGT_DONE 0xFFFFu

static inline void count_msg_drop(struct bl_lcore *lc, enum bl_msg_drop why, uint64_t n)
{
	bl_stat_add(&lc->st.msg_drops[why], n);
	bl_stat_add(&lc->st.drop_msgs, n);
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

#endif /* BL_LCORE_PVT_H */
