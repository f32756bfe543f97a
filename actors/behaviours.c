/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in behaviours (see behaviours.h).
 *
 * The counter's table is open addressing with linear probing, sized at init
 * to a power of two at least twice max_keys, so a probe ends within a few
 * slots and the table never grows: the heap cost is fixed at spawn.
 *
 * A counter with a rate is a slow consumer (for drills of back-pressure):
 * a token bucket in thousandths on the scheduler's ms clock, as ratelimit
 * keeps, holding 10 ms of tokens; a message that leaves it short puts the
 * process to sleep (bl_sleep) until the bucket is back at zero.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "actors/behaviours.h"
#include "actors/internal.h"
#include "actors/sched.h"

/* --- counter --- */

struct counter_slot {
	uint64_t key;
	uint64_t msgs;
	uint64_t bytes;
	uint64_t used;
};

struct counter_state {
	uint32_t mask;
	uint32_t n;
	uint32_t max;
	uint32_t rate;	/* thousandths of a message a ms; 0: no limit */
	int64_t tokens; /* thousandths of a message */
	uint32_t at;	/* when tokens was last filled (ms) */
	uint32_t pad;
	uint64_t msgs;
	uint64_t bytes;
	uint64_t other_msgs;
	uint64_t other_bytes;
	struct counter_slot slot[];
};

static struct counter_slot *counter_find(const struct counter_state *st, uint64_t key, bool *found)
{
	uint32_t i = (uint32_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & st->mask;

	for (;;) {
		const struct counter_slot *e = &st->slot[i];

		if (!e->used || e->key == key) {
			*found = e->used != 0;
			return (struct counter_slot *)(uintptr_t)e;
		}
		i = (i + 1) & st->mask;
	}
}

static int counter_init(struct bl_ctx *c, void *arg)
{
	const struct bl_counter_args *a = (const struct bl_counter_args *)arg;
	uint32_t max = a != NULL && a->max_keys != 0 ? a->max_keys : 64;
	uint32_t cap = 4;
	struct counter_state *st;
	size_t size;

	if (max > 65536)
		return -EINVAL;
	while (cap < 2 * max)
		cap <<= 1;
	size = sizeof(*st) + (size_t)cap * sizeof(struct counter_slot);
	st = (struct counter_state *)bl_alloc(c, size);
	if (st == NULL)
		return -errno;
	memset(st, 0, size);
	st->mask = cap - 1;
	st->max = max;
	if (a != NULL && a->rate != 0) {
		st->rate = a->rate;
		st->at = bl__now(c->s);
	}
	bl_set_state(c, st);
	return 0;
}

/* A counter with a rate: one message's tokens taken; short, it sleeps. */
static void counter_pace(struct bl_ctx *c, struct counter_state *st)
{
	uint32_t now = bl__now(c->s);
	int64_t full = st->rate < 100 ? 1000 : (int64_t)st->rate * 10;

	st->tokens += (int64_t)(now - st->at) * st->rate;
	if (st->tokens > full)
		st->tokens = full;
	st->at = now;
	st->tokens -= 1000;
	if (st->tokens < 0)
		(void)bl_sleep(c, (uint32_t)((-st->tokens + st->rate - 1) / st->rate));
}

/* A call asks for one key's counts: the answer is text, the call not counted. */
static void counter_call(struct bl_ctx *c, const struct counter_state *st, const struct bl_msg *m)
{
	uint64_t msgs = 0, bytes = 0;
	char out[96];
	int n;

	(void)bl_counter_get(st, m->key, &msgs, &bytes);
	n = snprintf(out, sizeof(out), "key %llu: %llu messages, %llu bytes (all keys: %llu)",
		     (unsigned long long)m->key, (unsigned long long)msgs,
		     (unsigned long long)bytes, (unsigned long long)st->msgs);
	(void)bl_reply(c, m, m->key, out, (uint32_t)n);
}

static void counter_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct counter_state *st = (struct counter_state *)bl_state(c);
	struct counter_slot *e;
	bool found;

	if (unlikely(m->type == BL_MSG_CALL)) {
		counter_call(c, st, m);
		return;
	}
	if (unlikely(st->rate != 0))
		counter_pace(c, st);
	st->msgs++;
	st->bytes += bl_msg_len(m);
	e = counter_find(st, m->key, &found);
	if (!found) {
		if (st->n >= st->max) {
			st->other_msgs++;
			st->other_bytes += bl_msg_len(m);
			return;
		}
		e->used = 1;
		e->key = m->key;
		st->n++;
	}
	e->msgs++;
	e->bytes += bl_msg_len(m);
}

const struct bl_behaviour bl_counter_behaviour = {
	.name = "counter",
	.init = counter_init,
	.handle_message = counter_msg,
};

int bl_counter_get(const void *state, uint64_t key, uint64_t *msgs, uint64_t *bytes)
{
	const struct counter_state *st = (const struct counter_state *)state;
	const struct counter_slot *e;
	bool found;

	if (st == NULL)
		return -EINVAL;
	e = counter_find(st, key, &found);
	if (!found)
		return -ENOENT;
	if (msgs != NULL)
		*msgs = e->msgs;
	if (bytes != NULL)
		*bytes = e->bytes;
	return 0;
}

void bl_counter_totals(const void *state, uint64_t *msgs, uint64_t *bytes, uint64_t *other_msgs)
{
	const struct counter_state *st = (const struct counter_state *)state;

	*msgs = st->msgs;
	*bytes = st->bytes;
	*other_msgs = st->other_msgs;
}

/* --- relay --- */

struct relay_state {
	uint64_t to_pid;
	uint64_t relayed;
	uint64_t failed;
	char name[BL_NAME_MAX];
};

static int relay_init(struct bl_ctx *c, void *arg)
{
	const struct bl_relay_args *a = (const struct bl_relay_args *)arg;
	struct relay_state *st;

	if (a == NULL || (a->to_pid == BL_PID_NONE && a->to_name[0] == '\0'))
		return -EINVAL;
	if (a->to_pid == BL_PID_NONE) {
		size_t n = strnlen(a->to_name, BL_NAME_MAX);

		if (n == 0 || n >= BL_NAME_MAX || c->s->registry == NULL)
			return -EINVAL;
	}
	st = (struct relay_state *)bl_alloc(c, sizeof(*st));
	if (st == NULL)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->to_pid = a->to_pid;
	if (a->to_pid == BL_PID_NONE)
		memcpy(st->name, a->to_name, strnlen(a->to_name, BL_NAME_MAX - 1));
	bl_set_state(c, st);
	return 0;
}

static void relay_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct relay_state *st = (struct relay_state *)bl_state(c);
	uint64_t to = st->to_pid;

	if (to == BL_PID_NONE)
		to = bl_registry_whereis(c->s->registry, st->name, sizeof(st->name));
	if (to == BL_PID_NONE) {
		/* Name not bound right now: the message is lost, and counted. */
		c->s->drops[BL_SDROP_DEAD_PID]++;
		st->failed++;
		return;
	}
	if (bl_forward(c, to, m) == 0)
		st->relayed++;
	else
		st->failed++;
}

const struct bl_behaviour bl_relay_behaviour = {
	.name = "relay",
	.init = relay_init,
	.handle_message = relay_msg,
};

void bl_relay_stats(const void *state, uint64_t *relayed, uint64_t *failed)
{
	const struct relay_state *st = (const struct relay_state *)state;

	*relayed = st->relayed;
	*failed = st->failed;
}

/* --- forward --- */

static int forward_init(struct bl_ctx *c, void *arg)
{
	const struct bl_forward_args *a = (const struct bl_forward_args *)arg;

	if (a == NULL || c->s->tx.fn == NULL)
		return -EINVAL;
	/* The destination token is the whole state: no heap at all. */
	bl_set_state(c, (void *)(uintptr_t)a->dest);
	return 0;
}

static void forward_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)bl_transmit(c, (uint64_t)(uintptr_t)bl_state(c), m);
}

/* A received frame's messages all go the same way: pass it on whole. */
static void forward_frame(struct bl_ctx *c, const struct bl_msg *f)
{
	(void)bl__transmit_frame(c, (uint64_t)(uintptr_t)bl_state(c), f);
}

const struct bl_behaviour bl_forward_behaviour = {
	.name = "forward",
	.init = forward_init,
	.handle_message = forward_msg,
	.handle_frame = forward_frame,
};

/* --- echo --- */

static void echo_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	if (m->type == BL_MSG_CALL) {
		(void)bl_reply(c, m, m->key, bl_msg_data(m), bl_msg_len(m));
		return;
	}
	if (m->flags & BL_MSG_F_NET) {
		(void)bl_transmit(c, m->src, m);
		return;
	}
	if (m->src == BL_PID_NONE)
		return;
	if (m->bin.m != NULL)
		(void)bl_send_bin(c, m->src, m->key, &m->bin);
	else
		(void)bl_send(c, m->src, m->key, m->u.inl, m->bin.len);
}

const struct bl_behaviour bl_echo_behaviour = {
	.name = "echo",
	.handle_message = echo_msg,
};

/* --- fault --- */

struct fault_state {
	uint64_t poison;
	uint64_t seen;
};

static int fault_init(struct bl_ctx *c, void *arg)
{
	const struct bl_fault_args *a = (const struct bl_fault_args *)arg;
	struct fault_state *st;

	if (a == NULL)
		return -EINVAL;
	st = (struct fault_state *)bl_alloc(c, sizeof(*st));
	if (st == NULL)
		return -errno;
	st->poison = a->poison_key;
	st->seen = 0;
	bl_set_state(c, st);
	return 0;
}

static void fault_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct fault_state *st = (struct fault_state *)bl_state(c);

	st->seen++;
	if (m->key == st->poison)
		bl_exit(c, bl_reason_error(1, "poison_message"));
}

const struct bl_behaviour bl_fault_behaviour = {
	.name = "fault",
	.init = fault_init,
	.handle_message = fault_msg,
};

uint64_t bl_fault_seen(const void *state)
{
	return ((const struct fault_state *)state)->seen;
}

/* --- descriptors: the built-ins as the catalog sees them --- */

/* A built-in's own version: bumped when its behaviour or arguments change. */
#define BUILTIN_VERSION "1.0"

static const struct bl_field counter_fields[] = {
	BL_FIELD_RANGE(struct bl_counter_args, max_keys, BL_FIELD_U64, "64", 0, 65536,
		       "distinct keys counted one by one (0: 64)"),
	BL_FIELD_RANGE(
	    struct bl_counter_args, rate, BL_FIELD_U64, "0", 0, 100000000,
	    "handle at most this many messages a second, sleeping between (0: no limit)"),
};

static_assert(offsetof(struct bl_relay_args, to_name) - offsetof(struct bl_relay_args, to_pid) ==
		      offsetof(struct bl_pid_arg, name) &&
		  sizeof(struct bl_relay_args) == sizeof(struct bl_pid_arg),
	      "relay's arguments are one pid field");

static const struct bl_field relay_fields[] = {
	{ .name = "to",
	  .type = BL_FIELD_PID,
	  .offset = offsetof(struct bl_relay_args, to_pid),
	  .size = sizeof(struct bl_pid_arg),
	  .help = "where messages go: a pid, or a name looked up per message" },
};

static const struct bl_field forward_fields[] = {
	BL_FIELD_RANGE(struct bl_forward_args, port, BL_FIELD_U64, BL_REQUIRED, 0, UINT16_MAX,
		       "the port it sends on"),
	BL_FIELD(struct bl_forward_args, mac, BL_FIELD_STRING, BL_REQUIRED, "next hop MAC address"),
	BL_FIELD(struct bl_forward_args, ip, BL_FIELD_STRING, BL_REQUIRED, "next hop IPv4 address"),
	BL_FIELD_RANGE(struct bl_forward_args, udp, BL_FIELD_U64, "7447", 1, UINT16_MAX,
		       "next hop UDP port"),
};

static const struct bl_field fault_fields[] = {
	{ .name = "poison",
	  .type = BL_FIELD_KEY,
	  .offset = offsetof(struct bl_fault_args, poison_key),
	  .size = sizeof(uint64_t),
	  .help = "the key it crashes on" },
};

static BL_BEHAVIOUR_DESC(counter_desc, "counter", BUILTIN_VERSION,
			 .summary = "counts messages and bytes per key", .init = counter_init,
			 .handle_message = counter_msg,
			 BL_SCHEMA(struct bl_counter_args, counter_fields));
static BL_BEHAVIOUR_DESC(relay_desc, "relay", BUILTIN_VERSION,
			 .summary = "passes every message on, by reference", .init = relay_init,
			 .handle_message = relay_msg,
			 BL_SCHEMA(struct bl_relay_args, relay_fields));
static BL_BEHAVIOUR_DESC(forward_desc, "forward", BUILTIN_VERSION,
			 .summary = "sends every message to a next hop on the wire",
			 .flags = BL_BEHAVIOUR_F_TRANSMITS, .init = forward_init,
			 .handle_message = forward_msg, .handle_frame = forward_frame,
			 BL_SCHEMA(struct bl_forward_args, forward_fields));
static BL_BEHAVIOUR_DESC(echo_desc, "echo", BUILTIN_VERSION,
			 .summary = "sends every message back where it came from",
			 .flags = BL_BEHAVIOUR_F_TRANSMITS, .handle_message = echo_msg);
static BL_BEHAVIOUR_DESC(fault_desc, "fault", BUILTIN_VERSION,
			 .summary = "counts messages; crashes on its poison key (drills)",
			 .init = fault_init, .handle_message = fault_msg,
			 BL_SCHEMA(struct bl_fault_args, fault_fields));

const struct bl_module_desc *const bl_builtin_descs[] = {
	&counter_desc,	  &echo_desc,	  &fault_desc,
	&forward_desc,	  &relay_desc,	  &bl_ratelimit_desc,
	&bl_breaker_desc, &bl_batch_desc, &bl_ets_counter_desc,
	&bl_remote_desc,  NULL,
};
