/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit: a token bucket in front of a target, per key, per source or
 * one for all. A bucket holds up to `burst` tokens and gains `rate` a
 * second; a message takes one and goes on to the target (bl_forward: its
 * key and source kept). A message that finds no token is dropped and
 * counted (`limited`), or, with `queue` N, kept in the order it came (its
 * payload by reference) until a token comes, at most N at once, past which
 * it is dropped and counted too.
 *
 * Tokens are counted in thousandths, so that `rate` tokens a second is
 * exactly `rate` thousandths a millisecond of the scheduler's clock: no
 * rounding drifts over a long run. Buckets live in an open-addressing
 * table sized at spawn (max_keys, default 1024); keys past it share one
 * bucket ("other"). A queue is drained when messages come and by a timer
 * (a send_after to itself) set for when the first waiting message's token
 * is due.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "actors/behaviours.h"
#include "actors/internal.h"

#define MILLI	       1000u
#define RL_WAKE_KEY    UINT64_C(0x726c5f77616b6521) /* "rl_wake!": its own timer */
#define RL_DEFAULT_MAX 1024u

struct bucket {
	uint64_t key;
	uint64_t tokens; /* thousandths */
	uint32_t at;	 /* ms of the last refill */
	uint32_t used;
};

struct waiting {
	uint64_t src;
	uint64_t key;
	uint16_t flags;
	struct bl_kbin *kb;
	struct bucket *b;
};

struct rl_state {
	uint64_t to_pid;
	char to_name[BL_NAME_MAX];
	uint64_t rate, burst; /* thousandths a ms (= tokens a second), thousandths */
	uint8_t per;
	bool wake_armed;
	uint32_t mask, n, max;
	uint32_t qcap, qhead, qlen;
	struct waiting *q;
	struct bucket other;
	uint64_t passed, limited, queued, failed;
	struct bucket slot[];
};

static int rl_init(struct bl_ctx *c, void *arg)
{
	const struct bl_ratelimit_args *a = arg;
	uint32_t max, cap = 4;
	struct rl_state *st;
	size_t size;

	if (a == NULL || a->rate == 0 || a->per > BL_RL_PER_ALL ||
	    (a->to.pid == BL_PID_NONE &&
	     (a->to.name[0] == '\0' || strnlen(a->to.name, BL_NAME_MAX) == BL_NAME_MAX ||
	      c->s->registry == NULL)))
		return -EINVAL;
	max = a->per == BL_RL_PER_ALL ? 1 : (a->max_keys != 0 ? a->max_keys : RL_DEFAULT_MAX);
	if (max > 65536 || a->queue > 65536)
		return -EINVAL;
	while (cap < 2 * max)
		cap <<= 1;
	size = sizeof(*st) + (size_t)cap * sizeof(struct bucket);
	st = bl_alloc(c, size);
	if (st == NULL)
		return -errno;
	memset(st, 0, size);
	st->q = a->queue != 0 ? bl_alloc(c, (size_t)a->queue * sizeof(*st->q)) : NULL;
	if (a->queue != 0 && st->q == NULL)
		return -errno;
	st->to_pid = a->to.pid;
	memcpy(st->to_name, a->to.name, strnlen(a->to.name, BL_NAME_MAX - 1));
	st->rate = a->rate;
	st->burst = (uint64_t)(a->burst != 0 ? a->burst : a->rate) * MILLI;
	st->per = a->per;
	st->mask = cap - 1;
	st->max = max;
	st->qcap = a->queue;
	st->other.tokens = st->burst;
	st->other.at = bl__now(c->s);
	st->other.used = 1;
	bl_set_state(c, st);
	return 0;
}

static struct bucket *bucket_of(struct rl_state *st, uint64_t id, uint32_t now)
{
	uint32_t i = (uint32_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & st->mask;

	for (;;) {
		struct bucket *b = &st->slot[i];

		if (b->used && b->key == id)
			return b;
		if (!b->used) {
			if (st->n >= st->max)
				return &st->other;
			b->used = 1;
			b->key = id;
			b->tokens = st->burst; /* a new key starts with a full bucket */
			b->at = now;
			st->n++;
			return b;
		}
		i = (i + 1) & st->mask;
	}
}

/* Refill b to now; true (and one token taken) when it has one. */
static bool take(struct rl_state *st, struct bucket *b, uint32_t now)
{
	uint32_t dt = now - b->at;

	if (dt != 0) {
		b->tokens += (uint64_t)dt * st->rate;
		if (b->tokens > st->burst)
			b->tokens = st->burst;
		b->at = now;
	}
	if (b->tokens < MILLI)
		return false;
	b->tokens -= MILLI;
	return true;
}

static uint64_t target(struct bl_ctx *c, const struct rl_state *st)
{
	if (st->to_pid != BL_PID_NONE)
		return st->to_pid;
	return bl_registry_whereis(c->s->registry, st->to_name, sizeof(st->to_name));
}

static void pass_on(struct bl_ctx *c, struct rl_state *st, uint64_t src, uint64_t key,
		    uint16_t flags, const void *data, const struct bl_bin *bin, uint32_t len)
{
	uint64_t to = target(c, st);

	if (to == BL_PID_NONE) {
		c->s->drops[BL_SDROP_DEAD_PID]++;
		st->failed++;
		return;
	}
	if (bl__send(c->s, to, src, key, flags, data, bin, len) == 0)
		st->passed++;
	else
		st->failed++;
}

/* Waiting messages whose tokens have come go on, in order; the timer is set
 * for the first one still waiting. */
static void drain(struct bl_ctx *c, struct rl_state *st, uint32_t now)
{
	while (st->qlen != 0) {
		struct waiting *w = &st->q[st->qhead];
		struct bl_kbin *kb = w->kb;

		if (!take(st, w->b, now))
			break;
		pass_on(c, st, w->src, w->key, w->flags, kb->inl,
			kb->bin.m != NULL ? &kb->bin : NULL, kb->bin.len);
		bl_bin_drop(c, kb);
		st->qhead = (st->qhead + 1) % st->qcap;
		st->qlen--;
	}
	if (st->qlen != 0 && !st->wake_armed) {
		const struct bucket *b = st->q[st->qhead].b;
		uint64_t need = MILLI - b->tokens;
		uint32_t ms = (uint32_t)((need + st->rate - 1) / st->rate);

		if (bl_send_after(c, bl_self(c), RL_WAKE_KEY, NULL, 0, ms ? ms : 1) != 0)
			st->wake_armed = true;
	}
}

static void rl_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct rl_state *st = bl_state(c);
	uint32_t now = bl__now_run(c->s);
	struct bucket *b;

	if (m->key == RL_WAKE_KEY && m->src == bl_self(c)) {
		st->wake_armed = false;
		drain(c, st, now);
		return;
	}
	if (st->qlen != 0)
		drain(c, st, now);
	b = st->per == BL_RL_PER_ALL
		? &st->other
		: bucket_of(st, st->per == BL_RL_PER_SOURCE ? m->src : m->key, now);
	/* Behind any waiting message it waits too: the order is kept. */
	if (st->qlen == 0 && take(st, b, now)) {
		pass_on(c, st, m->src, m->key, (uint16_t)(m->flags & ~BL_MSG_F_VIEW), m->u.inl,
			m->bin.m != NULL ? &m->bin : NULL, m->bin.len);
		return;
	}
	if (st->qlen < st->qcap) {
		struct waiting *w = &st->q[(st->qhead + st->qlen) % st->qcap];

		w->kb = bl_msg_keep(c, m);
		if (w->kb != NULL) {
			w->src = m->src;
			w->key = m->key;
			w->flags = (uint16_t)(m->flags & ~BL_MSG_F_VIEW);
			w->b = b;
			st->qlen++;
			st->queued++;
			drain(c, st, now);
			return;
		}
	}
	st->limited++;
}

static void rl_terminate(struct bl_ctx *c, struct bl_reason reason)
{
	struct rl_state *st = bl_state(c);

	(void)reason;
	/* Waiting messages go with the process: counted, not lost silently. */
	st->limited += st->qlen;
	c->s->drops[BL_SDROP_EXITED] += st->qlen;
}

static unsigned rl_info(const void *state, struct bl_info_kv *kv, unsigned max)
{
	const struct rl_state *st = state;
	const struct bl_info_kv v[] = {
		{ "passed", st->passed }, { "limited", st->limited }, { "queued", st->queued },
		{ "waiting", st->qlen },  { "failed", st->failed },   { "buckets", st->n },
	};

	return bl__info_put(kv, max, v, sizeof(v) / sizeof(v[0]));
}

const struct bl_behaviour bl_ratelimit_behaviour = {
	.name = "ratelimit",
	.init = rl_init,
	.handle_message = rl_msg,
	.terminate = rl_terminate,
	.info = rl_info,
};

static const char *const rl_per_words[] = { "key", "source", "all", NULL };

static const struct bl_field rl_fields[] = {
	{ .name = "to",
	  .type = BL_FIELD_PID,
	  .offset = offsetof(struct bl_ratelimit_args, to),
	  .size = sizeof(struct bl_pid_arg),
	  .help = "where messages go: a pid, or a name looked up per message" },
	BL_FIELD_RANGE(struct bl_ratelimit_args, rate, BL_FIELD_U64, BL_REQUIRED, 1, 10000000,
		       "tokens a second"),
	BL_FIELD_RANGE(struct bl_ratelimit_args, burst, BL_FIELD_U64, "0", 0, 10000000,
		       "bucket size (0: rate)"),
	BL_FIELD_RANGE(struct bl_ratelimit_args, queue, BL_FIELD_U64, "0", 0, 65536,
		       "messages kept waiting for a token (0: drop)"),
	BL_FIELD_RANGE(struct bl_ratelimit_args, max_keys, BL_FIELD_U64, "1024", 1, 65536,
		       "buckets; more keys share one"),
	BL_FIELD_WORDS(struct bl_ratelimit_args, per, "key", rl_per_words,
		       "a bucket per key, per source, or one for all"),
};

BL_BEHAVIOUR_DESC(bl_ratelimit_desc, "ratelimit", "1.0",
		  .summary = "token buckets in front of a target: drop or queue over the rate",
		  .init = rl_init, .handle_message = rl_msg, .terminate = rl_terminate,
		  .info = rl_info, BL_SCHEMA(struct bl_ratelimit_args, rl_fields));
