/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private process heaps.
 *
 * A process heap is a list of chunks taken from a per-lcore chunk pool.
 * Allocation bumps a cursor in the current chunk; each chunk counts its live
 * bytes, and a chunk whose live count drops to zero goes straight back to the
 * pool, so memory returns at chunk granularity without a garbage collector.
 * Objects larger than a chunk get a "big block" (one aligned allocation from
 * libc, counted like chunks); that is the only path that reaches malloc and
 * it is never taken by spawn, exit or message delivery.
 *
 * The scratch arena is a second chunk chain reset after every handled
 * message: its first chunk is kept between messages (so scratch use is a
 * cursor bump), the others go back at once. Hibernation returns the kept
 * scratch chunk and an empty current chunk too.
 *
 * Every function here is for the lcore that owns the pool (the scheduler's
 * lcore); nothing is thread-safe and nothing needs to be.
 */
#ifndef BL_ACTORS_HEAP_H
#define BL_ACTORS_HEAP_H

#include <errno.h>
#include <stddef.h>
#include <assert.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BL_HEAP_ALIGN	      16u
#define BL_CHUNK_BIG	      1u
#define BL_CHUNK_DEFAULT_SIZE 2048u
#define BL_CHUNK_MIN_SIZE     256u

/* Header at the start of every chunk (and big block): 32 bytes. */
struct bl_chunk {
	struct bl_chunk *prev;
	struct bl_chunk *next;
	uint32_t used;	/* bump offset from the chunk start, header included */
	uint32_t live;	/* bytes of allocations not yet freed */
	uint32_t size;	/* block size: the pool's chunk size, or a big block's */
	uint32_t flags; /* BL_CHUNK_BIG */
};

#define BL_CHUNK_HDR ((uint32_t)sizeof(struct bl_chunk))
static_assert(sizeof(struct bl_chunk) % BL_HEAP_ALIGN == 0, "chunk header keeps alignment");

/* Per-lcore pool of fixed-size chunks, aligned to their size. */
struct bl_chunk_pool {
	void *mem;
	struct bl_chunk *free;
	uint32_t chunk_size; /* power of two */
	uint32_t n_chunks;
	uint32_t n_free;
	uint32_t n_fresh;   /* never handed out yet: the last n_fresh chunks */
	uint32_t n_big;	    /* big blocks outstanding */
	uint64_t big_bytes; /* bytes in big blocks outstanding */
};

/* One process's heap (embedded in struct bl_proc): 32 bytes. */
struct bl_heap {
	struct bl_chunk *chunks;  /* chunks and big blocks, doubly linked, head */
	struct bl_chunk *cur;	  /* chunk allocations bump into, or NULL */
	struct bl_chunk *scratch; /* scratch chain (linked by next), or NULL */
	uint32_t bytes;		  /* bytes held: chunks + big blocks + scratch */
	uint32_t limit;		  /* 0: no limit */
};

/*
 * Create / destroy a pool of n_chunks chunks of chunk_size bytes (a power of
 * two, at least BL_CHUNK_MIN_SIZE). Control path; init returns 0 or -errno.
 * fini frees the pool's memory; every heap must have been released before.
 */
int bl_chunk_pool_init(struct bl_chunk_pool *pool, uint32_t chunk_size, uint32_t n_chunks);
void bl_chunk_pool_fini(struct bl_chunk_pool *pool);

/* Chunks currently handed out (leak checks in tests). */
static inline uint32_t bl_chunk_pool_in_use(const struct bl_chunk_pool *pool)
{
	return pool->n_chunks - pool->n_free;
}

/* Largest object that fits in a pool chunk. */
static inline uint32_t bl_heap_chunk_payload(const struct bl_chunk_pool *pool)
{
	return pool->chunk_size - BL_CHUNK_HDR;
}

static inline uint32_t bl_heap_round(size_t size)
{
	return (uint32_t)((size + BL_HEAP_ALIGN - 1) & ~(size_t)(BL_HEAP_ALIGN - 1));
}

/* The chunk an allocation lives in: chunks are aligned to the pool's size. */
static inline struct bl_chunk *bl_heap_chunk_of(const struct bl_chunk_pool *pool, const void *p)
{
	return (struct bl_chunk *)((uintptr_t)p & ~((uintptr_t)pool->chunk_size - 1));
}

/* Slow paths, in heap.c. */
void *bl__heap_alloc_slow(struct bl_chunk_pool *pool, struct bl_heap *h, uint32_t size);
void bl__heap_chunk_empty(struct bl_chunk_pool *pool, struct bl_heap *h, struct bl_chunk *c);
void *bl__heap_scratch_slow(struct bl_chunk_pool *pool, struct bl_heap *h, uint32_t size);

/*
 * Allocate size bytes (16-byte aligned) in heap h. Returns NULL with errno
 * EDQUOT when the heap limit would be exceeded (the process layer kills the
 * process with reason heap_limit), ENOMEM when the pool is empty, EINVAL for
 * size 0. The memory belongs to the heap: free it with bl_heap_free or let it
 * go with the heap at exit.
 */
static inline void *bl_heap_alloc(struct bl_chunk_pool *pool, struct bl_heap *h, size_t size)
{
	struct bl_chunk *c = h->cur;
	uint32_t sz;

	if (size == 0 || size > UINT32_MAX / 2) {
		errno = EINVAL;
		return NULL;
	}
	sz = bl_heap_round(size);
	if (c != NULL && c->used + sz <= c->size) {
		void *p = (char *)c + c->used;
		c->used += sz;
		c->live += sz;
		return p;
	}
	return bl__heap_alloc_slow(pool, h, sz);
}

/* Free an allocation of `size` bytes (the size given to bl_heap_alloc). */
static inline void bl_heap_free(struct bl_chunk_pool *pool, struct bl_heap *h, void *p, size_t size)
{
	struct bl_chunk *c;

	if (p == NULL)
		return;
	c = bl_heap_chunk_of(pool, p);
	c->live -= bl_heap_round(size);
	if (c->live == 0)
		bl__heap_chunk_empty(pool, h, c);
}

/* Scratch allocation, valid until bl_heap_scratch_reset. Same errors. */
static inline void *bl_heap_scratch(struct bl_chunk_pool *pool, struct bl_heap *h, size_t size)
{
	struct bl_chunk *c = h->scratch;
	uint32_t sz;

	if (size == 0 || size > UINT32_MAX / 2) {
		errno = EINVAL;
		return NULL;
	}
	sz = bl_heap_round(size);
	if (c != NULL && c->used + sz <= c->size) {
		void *p = (char *)c + c->used;
		c->used += sz;
		return p;
	}
	return bl__heap_scratch_slow(pool, h, sz);
}

/* Reset the scratch arena: keep its first chunk, return the others. */
void bl_heap_scratch_reset(struct bl_chunk_pool *pool, struct bl_heap *h);

/* Hibernate: return the scratch chunks and an empty current chunk. */
void bl_heap_shrink(struct bl_chunk_pool *pool, struct bl_heap *h);

/* Exit: return everything, O(chunks). h is empty (limit kept) afterwards. */
void bl_heap_release(struct bl_chunk_pool *pool, struct bl_heap *h);

/* Number of chunks and big blocks held (info, tests). */
uint32_t bl_heap_chunk_count(const struct bl_heap *h);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_HEAP_H */
