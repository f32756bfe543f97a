/* SPDX-License-Identifier: BSD-3-Clause */
/* Message node pool: one calloc at scheduler creation, then a LIFO free list
 * in front of the never-used part. */
#include <errno.h>
#include <stdlib.h>

#include "actors/mailbox.h"

int bl_msg_pool_init(struct bl_msg_pool *pool, uint32_t n)
{
	memset(pool, 0, sizeof(*pool));
	if (n == 0)
		return -EINVAL;
	pool->nodes = (struct bl_msg *)calloc(n, sizeof(struct bl_msg));
	if (pool->nodes == NULL)
		return -ENOMEM;
	/* Handed out from the fresh end first: pages are touched only when used. */
	pool->n = pool->n_free = pool->n_fresh = n;
	return 0;
}

void bl_msg_pool_fini(struct bl_msg_pool *pool)
{
	free(pool->nodes);
	memset(pool, 0, sizeof(*pool));
}
