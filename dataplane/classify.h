/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify a received frame: walk its messages once, check every length
 * (nothing before the walk ends is trusted: a bad frame is refused whole)
 * and decide each message's fate from the verdict cache
 * (dataplane/verdict.h). The usual frame (plain messages of one length, one
 * verdict) takes classify_uniform, which places every header from the frame
 * length and writes no per-message target; anything else takes
 * classify_walk, header by header. Per packet: all static inline. Owner
 * lcore only.
 */
#ifndef BL_CLASSIFY_H
#define BL_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "dataplane/lcore.h"
#include "dataplane/lcore_pvt.h"
#include "dataplane/verdict.h"
#include "dataplane/wire.h"

/*
 * A frame with a message of another kind than data, or with wire flags:
 * the walk's lengths hold, so walk it again for those. A named message
 * (from another node) goes to the process its flags name, if this node
 * exports one there (else no_process); a heartbeat (from another node) to
 * the node itself (TGT_PROC: dispatch_mixed tells it by its kind); another
 * kind is a bad_kind drop; flags are fine, but a process cannot pass such a message
 * on as it came (not plain). Out of line but static, here rather than in a
 * .c file: a call the compiler can see into leaves handle_pkt's registers
 * as they were (an external call made it spill more); __rte_unused because
 * a file that includes this need not call it.
 */
static __rte_noinline __rte_unused enum bl_wire_status classify_kinds(struct bl_lcore *lc,
								      const uint8_t *frame,
								      uint16_t count, uint16_t *tgt,
								      uint16_t *common)
{
	const uint8_t *h = frame + BL_WIRE_FRAME_HDR_LEN;
	uint16_t i, all_or = 0, all_and = 0xFFFF;
	bool named = false;

	for (i = 0; i < count; i++) {
		uint16_t kind = bl_wire_get16(h + 4);

		named |= kind == BL_WIRE_KIND_NAMED || kind == BL_WIRE_KIND_HEARTBEAT;
		if (kind == BL_WIRE_KIND_NAMED) /* from another node: to a global name */
			tgt[i] = bl_route_target_exported(lc->r->routes, bl_wire_get16(h + 6))
				     ? (uint16_t)(TGT_PROC | bl_wire_get16(h + 6))
				     : TGT_DROP | BL_MSG_DROP_NO_PROCESS;
		else if (kind == BL_WIRE_KIND_HEARTBEAT) /* for this node itself */
			tgt[i] = TGT_PROC;
		else if (kind != BL_WIRE_KIND_DATA)
			tgt[i] = TGT_DROP | BL_MSG_DROP_BAD_KIND;
		if (kind != BL_WIRE_KIND_DATA || bl_wire_get16(h + 6) != 0)
			lc->plain = false;
		all_or |= tgt[i];
		all_and &= tgt[i];
		h += BL_WIRE_MSG_HDR_LEN + bl_wire_get32(h);
	}
	/* A named message's relay header comes off before its process sees it
	 * (deliver.h, dispatch_mixed): never the whole frame as it is. */
	*common = all_or == all_and && !named ? all_or : tgt_mixed(all_or);
	return BL_WIRE_OK;
}

/*
 * Walk the messages once: check their lengths (nothing before the walk ends
 * is trusted: a bad frame is refused whole) and decide each one's fate.
 * With `slack` (at least a message header's worth of the mbuf's buffer
 * after the frame), a header is read before its bounds are known and one
 * compare checks both; the failure path then tells which one failed.
 * Returns BL_WIRE_OK with *common the shared target, or TGT_DONE if mixed.
 */
static __rte_always_inline enum bl_wire_status classify_walk(struct bl_lcore *lc,
							     const uint8_t *frame, uint32_t len,
							     uint16_t count, uint16_t *tgt,
							     uint16_t *common, bool slack)
{
	const uint8_t *h = frame + BL_WIRE_FRAME_HDR_LEN, *end = frame + len;
	uint16_t i, t, all_or = 0, all_and = 0xFFFF;
	uint32_t kind_flags = 0;

	lc->plain = true;
#pragma GCC unroll 2 /* half the loop control; 4 costs more than it saves */
	for (i = 0; i < count; i++) {
		uint64_t mlen, key;

		/* The header is readable here (slack, or checked first); its
		 * key and kind are taken before h moves on. Kind and flags are
		 * looked at after the walk: zero for all messages, the usual
		 * case, they change nothing. */
		if (!slack && unlikely(end - h < (ptrdiff_t)BL_WIRE_MSG_HDR_LEN))
			return BL_WIRE_MSG_TRUNCATED;
		memcpy(&key, h + 8, sizeof(key)); /* wire order: see bl__verdict_slow */
		kind_flags |= bl__wire_raw32(h + 4);
		mlen = bl_wire_get32(h);
		if (slack) {
			/* As addresses: h + 16 + mlen may lie past the buffer. */
			uintptr_t next = (uintptr_t)h + BL_WIRE_MSG_HDR_LEN + mlen;

			if (unlikely(next > (uintptr_t)end))
				return end - h < (ptrdiff_t)BL_WIRE_MSG_HDR_LEN
					   ? BL_WIRE_MSG_TRUNCATED
					   : BL_WIRE_LEN_OVERFLOW;
			h = (const uint8_t *)next;
		} else {
			h += BL_WIRE_MSG_HDR_LEN;
			if (unlikely(mlen > (size_t)(end - h)))
				return BL_WIRE_LEN_OVERFLOW;
			h += mlen;
		}
		t = verdict(lc, key);
		tgt[i] = t;
		all_or |= t;
		all_and &= t;
	}
	if (unlikely(h != end))
		return BL_WIRE_COUNT_MISMATCH;
	/* The lengths held: kinds and flags if any message had some, then the
	 * shared target (every target is the same exactly when their OR and
	 * AND agree) or TGT_DONE. */
	if (unlikely(kind_flags != 0))
		return classify_kinds(lc, frame, count, tgt, common);
	*common = all_or == all_and ? all_or : tgt_mixed(all_or);
	return BL_WIRE_OK;
}

/* One message of classify_uniform: gathers its header's difference from
 * the first message's; false if its key is not cached with the first
 * message's verdict id (whose mask is mask0). */
static __rte_always_inline bool uniform_one(const struct bl_verdict_cache *c, const uint8_t *h,
					    uint64_t w0, uint64_t mask0, uint64_t *diff)
{
	uint64_t w, key;

	memcpy(&w, h, sizeof(w));
	memcpy(&key, h + 8, sizeof(key));
	*diff |= w ^ w0;
	return likely(c->ent[bl_verdict_slot(key)] == (key ^ mask0));
}

/*
 * The same walk for a frame of plain messages (kind data, flags 0) that all
 * have the first one's length (fixed-size messages: the usual frame), told
 * by the frame length alone: count messages of that length fill it exactly.
 * Every header's place is then known without reading the one before it, so
 * the walk is no longer one chain of dependent loads. Each header's first
 * eight bytes (length, kind, flags) are compared with the first one's
 * length and zero kind and flags in one go, and each key's cache entry with
 * the key and the first message's verdict id in another (see struct
 * bl_verdict_cache): no target is read. Any other header, a key not in the
 * cache or one with another verdict sends the frame to classify_walk, which
 * names what is wrong, fills the cache, or handles the kinds, flags and
 * targets. Every header read lies inside the frame. True, with *common the
 * frame's one target, when it accepted the frame; it writes no per-message
 * target.
 */
static __rte_always_inline bool classify_uniform(struct bl_lcore *lc, const uint8_t *frame,
						 uint32_t len, uint16_t count, uint16_t *common)
{
	const struct bl_verdict_cache *c = &lc->vcache;
	const uint8_t *h = frame + BL_WIRE_FRAME_HDR_LEN, *end = frame + len;
	uint32_t body = len - BL_WIRE_FRAME_HDR_LEN, raw0, id0;
	uint64_t stride, w0 = 0, w, key, diff, mask0;
	size_t k;

	if (body < BL_WIRE_MSG_HDR_LEN)
		return false;
	/* The first header's 8 bytes as they should be: its length as it sits
	 * on the wire, then kind data and flags 0 (zero bytes). */
	raw0 = bl__wire_raw32(h);
	memcpy(&w0, &raw0, sizeof(raw0));
	stride = BL_WIRE_MSG_HDR_LEN + (uint64_t)rte_be_to_cpu_32(raw0);
	if (stride * count != body)
		return false;
	/* Keys in wire order. The first key's verdict (filled if need be) and
	 * its id; a verdict that could not be cached leaves it to the walk. */
	memcpy(&w, h, sizeof(w));
	memcpy(&key, h + 8, sizeof(key));
	k = bl_verdict_slot(key);
	if (unlikely(!verdict_hit(c, key, k))) {
		bl__verdict_slow(lc, key, k);
		if (!verdict_hit(c, key, k))
			return false;
	}
	id0 = c->id[k];
	mask0 = bl_verdict_mask(id0);
	diff = w ^ w0;
	/* The other count - 1 messages, two a turn (half the loop control);
	 * an odd number of them takes one first. h meets end exactly: count
	 * strides of at least 16 bytes make body. */
	h += stride;
	if ((count & 1) == 0) {
		if (!uniform_one(c, h, w0, mask0, &diff))
			return false;
		h += stride;
	}
	for (; h != end; h += 2 * stride)
		if (!uniform_one(c, h, w0, mask0, &diff) ||
		    !uniform_one(c, h + stride, w0, mask0, &diff))
			return false;
	/* Lengths differ, or kinds or flags are set: the walk decides. */
	if (unlikely(diff != 0))
		return false;
	lc->plain = true;
	*common = c->tgt_of[id0];
	return true;
}

/*
 * Check the frame's messages and decide their fate: BL_WIRE_OK with *common
 * the one target they all have, or TGT_DONE when they differ; only then is
 * tgt[i] each message's target (a frame with one target may leave tgt as
 * an earlier frame left it).
 */
static inline enum bl_wire_status classify(struct bl_lcore *lc, const struct rte_mbuf *mb,
					   const uint8_t *frame, uint32_t len, uint16_t count,
					   uint16_t *tgt, uint16_t *common)
{
	const uint8_t *buf_end = (const uint8_t *)mb->buf_addr + mb->buf_len;

	if (likely(classify_uniform(lc, frame, len, count, common)))
		return BL_WIRE_OK;
	if (likely(buf_end - (frame + len) >= (ptrdiff_t)BL_WIRE_MSG_HDR_LEN))
		return classify_walk(lc, frame, len, count, tgt, common, true);
	return classify_walk(lc, frame, len, count, tgt, common, false);
}

#endif /* BL_CLASSIFY_H */
