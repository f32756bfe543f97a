/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binaries: a payload as (rte_mbuf, offset, length).
 *
 * A received message is a binary over the rx mbuf; delivering it shares the
 * mbuf by reference count instead of copying the bytes. Payloads of at most
 * BL_BIN_INLINE_MAX bytes are copied into the receiver instead (a "heap
 * binary"), which releases the frame at once. A process that keeps a binary
 * past the message that carried it holds a struct bl_kbin from its own heap;
 * while it references an mbuf it pins the whole mbuf buffer (buf_len), not
 * just the slice, because that is the memory it keeps from the pool.
 * bl_bin_copy turns a pinning slice into a heap copy and unpins the frame.
 *
 * Binaries cover the first segment only: the dataplane drops multi-segment
 * frames before they reach the runtime.
 */
#ifndef BL_ACTORS_BIN_H
#define BL_ACTORS_BIN_H

#include <stdint.h>

#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BL_BIN_INLINE_MAX 64u

struct bl_bin {
	struct rte_mbuf *m; /* holds one reference when owned; NULL for none */
	uint32_t off;	    /* from rte_pktmbuf_mtod(m) */
	uint32_t len;
};

/* Pointer to the first payload byte. Any thread holding a reference. */
static inline const uint8_t *bl_bin_data(const struct bl_bin *b)
{
	return rte_pktmbuf_mtod_offset(b->m, const uint8_t *, b->off);
}

/*
 * A view of bytes [off, off+len) of b, without a new reference: valid while
 * b's reference is. Returns 0 or -ERANGE.
 */
static inline int bl_bin_sub(const struct bl_bin *b, uint32_t off, uint32_t len, struct bl_bin *out)
{
	if (off > b->len || len > b->len - off)
		return -ERANGE;
	out->m = b->m;
	out->off = b->off + off;
	out->len = len;
	return 0;
}

/* Bytes a reference to m keeps from its pool: the whole data buffer. */
static inline uint32_t bl_bin_pin_size(const struct rte_mbuf *m)
{
	return m->buf_len;
}

/*
 * A binary kept in a process's state, allocated in its heap and listed on
 * the process so exit releases it. bin.m == NULL: the bytes follow in inl[].
 */
struct bl_kbin {
	struct bl_kbin *next;
	struct bl_kbin *prev;
	struct bl_bin bin;
	uint8_t inl[];
};

static inline const uint8_t *bl_kbin_data(const struct bl_kbin *k)
{
	return k->bin.m != NULL ? bl_bin_data(&k->bin) : k->inl;
}

static inline uint32_t bl_kbin_len(const struct bl_kbin *k)
{
	return k->bin.len;
}

struct bl_ctx;

/*
 * Keep a binary in the calling process's state (handler context only): a
 * reference to its mbuf, whatever the slice's length, so it pins the whole
 * buffer (a sub-binary keeps its frame alive, as in BEAM); bl_bin_copy
 * unpins. Returns NULL and sets
 * errno (EDQUOT: heap limit, the process will exit with heap_limit; ENOMEM).
 * The kbin is the process's: drop it with bl_bin_drop or let exit do it.
 */
struct bl_kbin *bl_bin_keep(struct bl_ctx *c, const struct bl_bin *b);

/* Keep a copy of len bytes at data (heap binary, no mbuf). Same errors. */
struct bl_kbin *bl_bin_keep_bytes(struct bl_ctx *c, const void *data, uint32_t len);

/*
 * Copy a kept binary's bytes into the heap and release its mbuf reference,
 * so it no longer pins the frame. Returns the new kbin (k is gone) or NULL
 * with errno set (k is unchanged). A kbin already in the heap is returned as is.
 */
struct bl_kbin *bl_bin_copy(struct bl_ctx *c, struct bl_kbin *k);

/* Release a kept binary: its reference (mbuf back to its pool if last) and heap bytes. */
void bl_bin_drop(struct bl_ctx *c, struct bl_kbin *k);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_BIN_H */
