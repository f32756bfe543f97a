/* SPDX-License-Identifier: BSD-3-Clause */
/* Batcher life cycle; the per-message add/seal/reset are inline in blmsg.h. */
#include <errno.h>
#include <stdlib.h>

#include "client/blmsg.h"

struct bl_client_batch *bl_client_batch_create(size_t max_dgram, unsigned int max_msgs,
					       uint64_t first_seq)
{
	struct bl_client_batch *b;

	if (max_dgram < BL_CLIENT_MIN_DGRAM || max_dgram > BL_CLIENT_MAX_DGRAM ||
	    max_msgs > UINT16_MAX) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->buf = malloc(max_dgram);
	if (b->buf == NULL) {
		free(b);
		errno = ENOMEM;
		return NULL;
	}
	b->cap = (uint32_t)max_dgram;
	b->len = BL_WIRE_FRAME_HDR_LEN;
	b->max_msgs = max_msgs ? (uint16_t)max_msgs : UINT16_MAX;
	b->seq = first_seq;
	return b;
}

void bl_client_batch_destroy(struct bl_client_batch *b)
{
	if (b == NULL)
		return;
	free(b->buf);
	free(b);
}
