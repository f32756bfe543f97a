/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * remote: a local stand-in for a process on another node (behaviours.h).
 *
 * The name a process registers cluster-wide lives on its node; every other
 * node runs one of these under the same name, so that routes, sends and
 * pools reach the name as they reach a local process (Erlang's location
 * transparency, by proxy). Each data message leaves for the hosting node
 * as a named message: wire kind BL_WIRE_KIND_NAMED, flags the index the
 * name has there, key and payload unchanged; that node's workers deliver
 * it to the process the index names (dataplane/classify.h), or count it
 * no_process if the name has gone there. The frame carries this node's
 * address and the per-destination sequence, so the hosting node counts a
 * gap between the two nodes as it would from any source.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "actors/behaviours.h"
#include "actors/sched.h"

struct remote_state {
	uint64_t dest;
	uint64_t sent, failed;
	uint16_t index;
};

static int remote_init(struct bl_ctx *c, void *arg)
{
	const struct bl_remote_args *a = (const struct bl_remote_args *)arg;
	struct remote_state *st;

	if (a == NULL || c->s->tx.fn == NULL)
		return -EINVAL;
	st = (struct remote_state *)bl_alloc(c, sizeof(*st));
	if (st == NULL)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->dest = a->dest;
	st->index = a->index;
	bl_set_state(c, st);
	return 0;
}

static void remote_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct remote_state *st = (struct remote_state *)bl_state(c);
	struct bl_msg v;

	if (m->type != BL_MSG_DATA)
		return; /* a call is not carried across nodes: it times out */
	v = *m;
	v.flags = (uint16_t)((m->flags & ~BL_MSG_F_WIRE_KIND) | BL_MSG_F_NAMED);
	v.aux = st->index;
	if (bl_transmit(c, st->dest, &v) == 0)
		st->sent++;
	else
		st->failed++;
}

static unsigned remote_info(const void *state, struct bl_info_kv *kv, unsigned max)
{
	const struct remote_state *st = state;
	const struct bl_info_kv v[] = {
		{ "index", st->index },
		{ "sent", st->sent },
		{ "failed", st->failed },
	};
	unsigned i;

	for (i = 0; i < max && i < sizeof(v) / sizeof(v[0]); i++)
		kv[i] = v[i];
	return i;
}

static const struct bl_field remote_fields[] = {
	BL_FIELD_RANGE(struct bl_remote_args, port, BL_FIELD_U64, BL_REQUIRED, 0, UINT16_MAX,
		       "the port the node is reached on"),
	BL_FIELD(struct bl_remote_args, ip, BL_FIELD_STRING, BL_REQUIRED,
		 "the node's data-plane IPv4 address (its MAC by ARP)"),
	BL_FIELD_RANGE(struct bl_remote_args, udp, BL_FIELD_U64, "7447", 1, UINT16_MAX,
		       "the node's UDP port"),
	BL_FIELD_RANGE(struct bl_remote_args, index, BL_FIELD_U64, BL_REQUIRED, 0, 1023,
		       "the name's index on that node"),
};

BL_BEHAVIOUR_DESC(bl_remote_desc, "remote", "1.0",
		  .summary = "stands for a process another node exports under a global name",
		  .flags = BL_BEHAVIOUR_F_TRANSMITS, .init = remote_init,
		  .handle_message = remote_msg, .info = remote_info,
		  BL_SCHEMA(struct bl_remote_args, remote_fields));
