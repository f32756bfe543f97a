/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process heaps: slow paths of heap.h.
 *
 * Invariants:
 *  - every chunk a heap holds is on h->chunks (doubly linked) or on the
 *    scratch chain, never both; h->bytes is the sum of their sizes;
 *  - a non-current chunk with live == 0 is never kept: the free that brings
 *    it to zero hands it back to the pool (or libc for a big block);
 *  - pool chunks are aligned to chunk_size, big blocks too, so the chunk of
 *    any allocation is found by masking its address.
 * Bounded: alloc and free are O(1); release at exit is O(chunks held).
 */
#include <stdlib.h>
#include <string.h>

#include "actors/heap.h"

int bl_chunk_pool_init(struct bl_chunk_pool *pool, uint32_t chunk_size, uint32_t n_chunks)
{
	memset(pool, 0, sizeof(*pool));
	if (chunk_size < BL_CHUNK_MIN_SIZE || (chunk_size & (chunk_size - 1)) != 0 || n_chunks == 0)
		return -EINVAL;
	if ((uint64_t)chunk_size * n_chunks > (UINT64_C(1) << 40))
		return -E2BIG;
	if (posix_memalign(&pool->mem, chunk_size, (size_t)chunk_size * n_chunks) != 0)
		return -ENOMEM;
	pool->chunk_size = chunk_size;
	pool->n_chunks = n_chunks;
	pool->n_free = n_chunks;
	/* Chunks never used are handed out from the fresh end, so the pool's
	 * memory becomes resident only as far as it is used. */
	pool->n_fresh = n_chunks;
	return 0;
}

void bl_chunk_pool_fini(struct bl_chunk_pool *pool)
{
	free(pool->mem);
	memset(pool, 0, sizeof(*pool));
}

static struct bl_chunk *chunk_get(struct bl_chunk_pool *pool)
{
	struct bl_chunk *c = pool->free;

	if (c != NULL) {
		pool->free = c->next;
	} else if (pool->n_fresh != 0) {
		c = (struct bl_chunk *)((char *)pool->mem +
					(size_t)(pool->n_chunks - pool->n_fresh) *
					    pool->chunk_size);
		pool->n_fresh--;
	} else {
		return NULL;
	}
	pool->n_free--;
	c->prev = c->next = NULL;
	c->used = BL_CHUNK_HDR;
	c->live = 0;
	c->size = pool->chunk_size;
	c->flags = 0;
	return c;
}

static void chunk_put(struct bl_chunk_pool *pool, struct bl_chunk *c)
{
	if (c->flags & BL_CHUNK_BIG) {
		pool->n_big--;
		pool->big_bytes -= c->size;
		free(c);
		return;
	}
	c->next = pool->free;
	pool->free = c;
	pool->n_free++;
}

static void heap_link(struct bl_heap *h, struct bl_chunk *c)
{
	c->prev = NULL;
	c->next = h->chunks;
	if (h->chunks != NULL)
		h->chunks->prev = c;
	h->chunks = c;
	h->bytes += c->size;
}

static void heap_unlink(struct bl_heap *h, struct bl_chunk *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->chunks = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	h->bytes -= c->size;
}

static int heap_charge(const struct bl_heap *h, uint32_t bytes)
{
	if (h->limit != 0 && (uint64_t)h->bytes + bytes > h->limit) {
		errno = EDQUOT;
		return -1;
	}
	return 0;
}

static void *big_alloc(struct bl_chunk_pool *pool, struct bl_heap *h, uint32_t size)
{
	size_t total =
	    ((size_t)size + BL_CHUNK_HDR + pool->chunk_size - 1) & ~((size_t)pool->chunk_size - 1);
	struct bl_chunk *c;

	if (total > UINT32_MAX / 2) {
		errno = E2BIG;
		return NULL;
	}
	if (heap_charge(h, (uint32_t)total) != 0)
		return NULL;
	if (posix_memalign((void **)&c, pool->chunk_size, total) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	c->used = BL_CHUNK_HDR + size;
	c->live = size;
	c->size = (uint32_t)total;
	c->flags = BL_CHUNK_BIG;
	pool->n_big++;
	pool->big_bytes += total;
	heap_link(h, c);
	return (char *)c + BL_CHUNK_HDR;
}

void *bl__heap_alloc_slow(struct bl_chunk_pool *pool, struct bl_heap *h, uint32_t size)
{
	struct bl_chunk *c;
	void *p;

	if (size > bl_heap_chunk_payload(pool))
		return big_alloc(pool, h, size);
	if (heap_charge(h, pool->chunk_size) != 0)
		return NULL;
	c = chunk_get(pool);
	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* The old current chunk stays on the list while it has live objects. */
	if (h->cur != NULL && h->cur->live == 0) {
		heap_unlink(h, h->cur);
		chunk_put(pool, h->cur);
	}
	heap_link(h, c);
	h->cur = c;
	p = (char *)c + c->used;
	c->used += size;
	c->live += size;
	return p;
}

void bl__heap_chunk_empty(struct bl_chunk_pool *pool, struct bl_heap *h, struct bl_chunk *c)
{
	if (c == h->cur) {
		/* Keep the current chunk for the next allocation, rewound. */
		c->used = BL_CHUNK_HDR;
		return;
	}
	heap_unlink(h, c);
	chunk_put(pool, c);
}

void *bl__heap_scratch_slow(struct bl_chunk_pool *pool, struct bl_heap *h, uint32_t size)
{
	struct bl_chunk *c;

	if (size > bl_heap_chunk_payload(pool)) {
		errno = E2BIG;
		return NULL;
	}
	if (heap_charge(h, pool->chunk_size) != 0)
		return NULL;
	c = chunk_get(pool);
	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* New chunk goes first: the cursor always bumps in the head. */
	c->next = h->scratch;
	h->scratch = c;
	h->bytes += c->size;
	c->used += size;
	return (char *)c + BL_CHUNK_HDR;
}

void bl_heap_scratch_reset(struct bl_chunk_pool *pool, struct bl_heap *h)
{
	struct bl_chunk *c = h->scratch;

	if (c == NULL)
		return;
	while (c->next != NULL) {
		struct bl_chunk *n = c->next;
		c->next = n->next;
		h->bytes -= n->size;
		chunk_put(pool, n);
	}
	c->used = BL_CHUNK_HDR;
}

void bl_heap_shrink(struct bl_chunk_pool *pool, struct bl_heap *h)
{
	bl_heap_scratch_reset(pool, h);
	if (h->scratch != NULL) {
		h->bytes -= h->scratch->size;
		chunk_put(pool, h->scratch);
		h->scratch = NULL;
	}
	if (h->cur != NULL && h->cur->live == 0) {
		heap_unlink(h, h->cur);
		chunk_put(pool, h->cur);
		h->cur = NULL;
	}
}

void bl_heap_release(struct bl_chunk_pool *pool, struct bl_heap *h)
{
	struct bl_chunk *c = h->chunks;

	bl_heap_shrink(pool, h);
	c = h->chunks;
	while (c != NULL) {
		struct bl_chunk *n = c->next;
		chunk_put(pool, c);
		c = n;
	}
	h->chunks = NULL;
	h->cur = NULL;
	h->bytes = 0;
}

uint32_t bl_heap_chunk_count(const struct bl_heap *h)
{
	const struct bl_chunk *c;
	uint32_t n = 0;

	for (c = h->chunks; c != NULL; c = c->next)
		n++;
	for (c = h->scratch; c != NULL; c = c->next)
		n++;
	return n;
}
