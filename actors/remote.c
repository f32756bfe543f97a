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
 *
 * Answers: when this node exports the stand-in itself (its `reply` index),
 * each message says so in its relay header with a handle for who sent it
 * (a source on the wire, or a process); the process there sees a relay
 * token as the source, and what it sends to that token comes back here as
 * a named message with the handle, which this stand-in hands to the asker
 * (the wire source from this node's port: a host's connected socket sees
 * its answer come from the address it sent to). The last REMOTE_ASKS
 * askers are remembered; an answer for an older one is counted late.
 *
 * Calls: a call to the stand-in (bl_call, beamctl call) leaves as a named
 * message flagged a call, which the process there gets as a call; its
 * bl_reply comes back as the answer to the handle, and the stand-in
 * replies to the caller with it. The caller's call is with the stand-in:
 * it ends by that reply, by its timeout, or by the stand-in's exit (the
 * name gone: noproc); a process exiting on the other node without
 * answering leaves the caller to its timeout.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "actors/behaviours.h"
#include "actors/sched.h"
#include "actors/dest.h"

#define REMOTE_ASKS 1024u /* askers remembered for answers: the last 1024 */

struct asker {
	uint64_t to;	 /* a source token (from the wire) or a pid */
	uint32_t handle; /* what the message carried; 0: free */
	uint32_t tag;	 /* a call's tag (its aux) */
	bool net, call;
};

struct remote_state {
	unsigned hop;
	uint16_t index, reply;
	bool fanout;
	uint32_t next;
	uint64_t sent, failed, answered, late, kept, calls;
	struct asker ask[REMOTE_ASKS];
};

static int remote_init(struct bl_ctx *c, void *arg)
{
	const struct bl_remote_args *a = (const struct bl_remote_args *)arg;
	struct remote_state *st;

	if (a == NULL || c->s->tx.fn == NULL || !(a->dest & BL_DEST_HOP))
		return -EINVAL;
	st = (struct remote_state *)bl_alloc(c, sizeof(*st));
	if (st == NULL)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->hop = (unsigned)(a->dest & ~BL_DEST_HOP);
	st->index = a->index;
	st->reply = a->reply;
	st->fanout = a->fanout;
	bl_set_state(c, st);
	return 0;
}

/* An answer from the name's node (a relay token's handle): to whoever asked. */
static void remote_answer(struct bl_ctx *c, struct remote_state *st, const struct bl_msg *m)
{
	uint32_t h = bl_ptx_relay_handle(m->src);
	const struct asker *a = &st->ask[h % REMOTE_ASKS];
	int rc;

	if (h == 0 || a->handle != h) { /* asked 1024 questions ago, or never */
		st->late++;
		c->s->drops[BL_SDROP_LATE_REPLY]++;
		return;
	}
	if (a->call) {
		/* As the callee would: the reply, and the end of the caller's
		 * monitor of this stand-in. */
		struct bl_msg call;

		memset(&call, 0, sizeof(call));
		call.type = BL_MSG_CALL;
		call.src = a->to;
		call.aux = a->tag;
		rc = bl_reply(c, &call, m->key, bl_msg_data(m), bl_msg_len(m));
	} else {
		rc = a->net ? bl_transmit(c, a->to, m) : bl_forward(c, a->to, m);
	}
	if (rc == 0)
		st->answered++;
	else
		st->failed++;
}

static void remote_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct remote_state *st = (struct remote_state *)bl_state(c);
	uint32_t handle = 0;

	if (m->type != BL_MSG_DATA && m->type != BL_MSG_CALL)
		return;
	if (m->type == BL_MSG_CALL && (st->reply == BL_NAMED_NO_REPLY || st->fanout)) {
		/* No way back for the answer (a group's stand-in): the caller's
		 * timeout ends the call. */
		st->failed++;
		return;
	}
	if ((m->flags & BL_MSG_F_NET) && bl_ptx_token_is_relay(m->src)) {
		remote_answer(c, st, m);
		return;
	}
	if (st->fanout && (m->flags & BL_MSG_F_NODE)) {
		/* A group's copy that came from another node: that node sent
		 * every node its own; passing it on would send it round. */
		st->kept++;
		return;
	}
	if (st->reply != BL_NAMED_NO_REPLY && m->src != 0) {
		struct asker *a = &st->ask[st->next % REMOTE_ASKS];

		/* Never 0 (no answer), within BL_NAMED_HANDLE_MAX, its low bits
		 * the slot. */
		handle = ((st->next / REMOTE_ASKS) % (BL_NAMED_HANDLE_MAX / REMOTE_ASKS) + 1) *
			     REMOTE_ASKS +
			 st->next % REMOTE_ASKS;
		st->next++;
		a->to = m->src;
		a->net = (m->flags & BL_MSG_F_NET) != 0;
		a->call = m->type == BL_MSG_CALL;
		a->tag = m->aux;
		a->handle = handle;
		st->calls += a->call;
	}
	if (bl_transmit(c,
			bl_dest_named(st->hop, st->index,
				      handle != 0 ? st->reply : BL_NAMED_NO_REPLY, handle),
			m) == 0)
		st->sent++;
	else
		st->failed++;
}

static unsigned remote_info(const void *state, struct bl_info_kv *kv, unsigned max)
{
	const struct remote_state *st = state;
	const struct bl_info_kv v[] = {
		{ "index", st->index },	  { "reply_index", st->reply }, { "sent", st->sent },
		{ "failed", st->failed }, { "answered", st->answered }, { "late", st->late },
		{ "kept", st->kept },	  { "calls", st->calls },
	};

	return bl__info_put(kv, max, v, sizeof(v) / sizeof(v[0]));
}

static const struct bl_field remote_fields[] = {
	BL_FIELD_RANGE(struct bl_remote_args, port, BL_FIELD_U64, BL_REQUIRED, 0, UINT16_MAX,
		       "the port the node is reached on"),
	BL_FIELD(struct bl_remote_args, ip, BL_FIELD_STRING, BL_REQUIRED,
		 "the node's data-plane IPv4 address (its MAC by ARP)"),
	BL_FIELD_RANGE(struct bl_remote_args, udp, BL_FIELD_U64, "7447", 1, UINT16_MAX,
		       "the node's UDP port"),
	BL_FIELD_RANGE(struct bl_remote_args, index, BL_FIELD_U64, BL_REQUIRED, 0, 1022,
		       "the name's index on that node"),
	BL_FIELD_RANGE(struct bl_remote_args, reply, BL_FIELD_U64, "1023", 0, 1023,
		       "this stand-in's own index here, for answers (1023: none)"),
	BL_FIELD(struct bl_remote_args, fanout, BL_FIELD_BOOL, "false",
		 "a group's member for that node: messages from other nodes stay here"),
};

BL_BEHAVIOUR_DESC(bl_remote_desc, "remote", "1.0",
		  .summary = "stands for a process another node exports under a global name",
		  .flags = BL_BEHAVIOUR_F_TRANSMITS, .init = remote_init,
		  .handle_message = remote_msg, .info = remote_info,
		  BL_SCHEMA(struct bl_remote_args, remote_fields));
