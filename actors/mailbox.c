/* SPDX-License-Identifier: BSD-3-Clause */
/* Message node pool: one calloc at scheduler creation, a LIFO free list after. */
#include <errno.h>
#include <stdlib.h>

#include "actors/mailbox.h"

int bl_msg_pool_init(struct bl_msg_pool *pool, uint32_t n)
{
	uint32_t i;

	memset(pool, 0, sizeof(*pool));
	if (n == 0)
		return -EINVAL;
	pool->nodes = (struct bl_msg *)calloc(n, sizeof(struct bl_msg));
	if (pool->nodes == NULL)
		return -ENOMEM;
	for (i = n; i-- > 0;) {
		pool->nodes[i].next = pool->free;
		pool->free = &pool->nodes[i];
	}
	pool->n = pool->n_free = n;
	return 0;
}

void bl_msg_pool_fini(struct bl_msg_pool *pool)
{
	free(pool->nodes);
	memset(pool, 0, sizeof(*pool));
}
