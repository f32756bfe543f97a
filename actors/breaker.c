/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * breaker: a circuit breaker in front of a target process.
 *
 * closed     messages go on to the target; each failure is remembered, and
 *            `failures` of them within `window_ms` open the breaker.
 * open       messages go to the fallback, or are dropped and counted
 *            (breaker_open); after `cooldown_ms` the next message is a probe.
 * half-open  the probe went to the target; success closes the breaker,
 *            failure opens it again for another cool-down. Messages that
 *            come while the probe is out are treated as when open.
 *
 * What fails and what succeeds depends on the mode:
 * - forward (default): messages are passed on (bl_forward). A failure is
 *   the target exiting abnormally (the breaker monitors it) or no process
 *   holding the target's name; the probe succeeds when the target is still
 *   alive `probe_ms` after it (judged at the next message or timer).
 * - call: every message goes as a bl_call with `call_timeout_ms`; a failure
 *   is a timeout or noproc, a success a reply. A message that was itself a
 *   call gets the target's reply relayed to its caller (a proxy): its
 *   caller's tag is kept while the call is out (at most 256 at once; more
 *   go as plain messages, their answers dropped).
 * State changes are counted (opened, half_opened, closed) and shown by
 * `info` with the state itself.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "actors/behaviours.h"
#include "actors/internal.h"

#define BR_FAIL_MAX 64u
#define BR_PENDING  256u
#define BR_TICK_KEY UINT64_C(0x62725f7469636b21) /* "br_tick!": its own timer */

enum { BR_CLOSED = 0, BR_OPEN, BR_HALF_OPEN };

struct pending {
	uint64_t ref;	 /* the breaker's call to the target */
	uint64_t caller; /* the message's sender, when it was a call */
	uint32_t tag;	 /* the caller's call tag */
	bool relay;
	bool probe;
};

struct br_state {
	struct bl_breaker_args a;
	uint8_t state;
	uint64_t watched, mref; /* the target pid monitored, by mref */
	uint32_t fail_at[BR_FAIL_MAX];
	uint32_t n_fail, fail_head;
	uint32_t opened_at, probe_at;
	bool probe_out;
	uint64_t passed, fallback, dropped, failures, opened, half_opened, closed, answered;
	struct pending pend[BR_PENDING];
};

static const char *const br_state_names[] = { "closed", "open", "half_open" };

static int br_init(struct bl_ctx *c, void *arg)
{
	const struct bl_breaker_args *a = arg;
	struct br_state *st;

	if (a == NULL || (a->to.pid == BL_PID_NONE && a->to.name[0] == '\0') ||
	    strnlen(a->to.name, BL_NAME_MAX) == BL_NAME_MAX ||
	    strnlen(a->fallback, BL_NAME_MAX) == BL_NAME_MAX || a->failures > BR_FAIL_MAX ||
	    a->mode > BL_BREAKER_CALL ||
	    ((a->to.name[0] != '\0' || a->fallback[0] != '\0') && c->s->registry == NULL))
		return -EINVAL;
	st = bl_alloc(c, sizeof(*st));
	if (st == NULL)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->a = *a;
	st->a.to.name[BL_NAME_MAX - 1] = '\0';
	st->a.fallback[BL_NAME_MAX - 1] = '\0';
	if (st->a.failures == 0)
		st->a.failures = 5;
	if (st->a.window_ms == 0)
		st->a.window_ms = 10000;
	if (st->a.cooldown_ms == 0)
		st->a.cooldown_ms = 5000;
	if (st->a.probe_ms == 0)
		st->a.probe_ms = 1000;
	if (st->a.call_timeout_ms == 0)
		st->a.call_timeout_ms = 1000;
	bl_set_state(c, st);
	return 0;
}

static uint64_t resolve(struct bl_ctx *c, uint64_t pid, const char *name)
{
	if (pid != BL_PID_NONE)
		return pid;
	if (name[0] == '\0')
		return BL_PID_NONE;
	return bl_registry_whereis(c->s->registry, name, BL_NAME_MAX);
}

static void set_state(struct br_state *st, uint8_t s, uint32_t now)
{
	st->state = s;
	if (s == BR_OPEN) {
		st->opened++;
		st->opened_at = now;
		st->probe_out = false;
	} else if (s == BR_HALF_OPEN) {
		st->half_opened++;
	} else {
		st->closed++;
		st->n_fail = 0;
		st->probe_out = false;
	}
}

static void failure(struct br_state *st, uint32_t now)
{
	uint32_t n = st->a.failures, oldest;

	st->failures++;
	if (st->state == BR_HALF_OPEN) {
		set_state(st, BR_OPEN, now);
		return;
	}
	if (st->state != BR_CLOSED)
		return;
	st->fail_at[st->fail_head] = now;
	st->fail_head = (st->fail_head + 1) % n;
	if (st->n_fail < n)
		st->n_fail++;
	/* n failures, the oldest of them within the window: open. */
	oldest = st->fail_at[st->fail_head % n];
	if (st->n_fail == n && now - oldest <= st->a.window_ms)
		set_state(st, BR_OPEN, now);
}

/* Forward mode: the probe has held for probe_ms without a failure. */
static void judge(struct br_state *st, uint32_t now)
{
	if (st->state == BR_OPEN && now - st->opened_at >= st->a.cooldown_ms)
		set_state(st, BR_HALF_OPEN, now);
	if (st->state == BR_HALF_OPEN && st->probe_out && st->a.mode == BL_BREAKER_FORWARD &&
	    now - st->probe_at >= st->a.probe_ms)
		set_state(st, BR_CLOSED, now);
}

/* Watch the target (a new pid after a restart gets a new monitor). */
static void watch(struct bl_ctx *c, struct br_state *st, uint64_t to)
{
	if (to == st->watched)
		return;
	if (st->watched != BL_PID_NONE && st->mref != 0)
		(void)bl_demonitor(c, st->mref);
	st->watched = to;
	st->mref = bl_monitor(c, to);
}

static void to_fallback(struct bl_ctx *c, struct br_state *st, const struct bl_msg *m)
{
	uint64_t fb = resolve(c, BL_PID_NONE, st->a.fallback);

	if (fb != BL_PID_NONE && bl_forward(c, fb, m) == 0) {
		st->fallback++;
		return;
	}
	st->dropped++;
	c->s->drops[BL_SDROP_BREAKER_OPEN]++;
}

static struct pending *pending_slot(struct br_state *st, uint64_t ref)
{
	unsigned i;

	for (i = 0; i < BR_PENDING; i++)
		if (st->pend[i].ref == ref)
			return &st->pend[i];
	return NULL;
}

/* Call mode: the message as a call to the target, its caller remembered. */
static bool call_target(struct bl_ctx *c, struct br_state *st, uint64_t to, const struct bl_msg *m,
			bool probe)
{
	struct pending *p = pending_slot(st, 0);
	uint64_t ref = bl_call(c, to, m->key, bl_msg_data(m), bl_msg_len(m), st->a.call_timeout_ms);

	if (ref == 0)
		return false;
	if (p != NULL) {
		p->ref = ref;
		p->relay = m->type == BL_MSG_CALL;
		p->caller = m->src;
		p->tag = m->aux;
		p->probe = probe;
	}
	return true;
}

static void br_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct br_state *st = bl_state(c);
	uint32_t now = bl__now_run(c->s);
	bool probe = false;
	uint64_t to;

	if (m->key == BR_TICK_KEY && m->src == bl_self(c)) {
		judge(st, now);
		return;
	}
	judge(st, now);
	if (st->state == BR_HALF_OPEN && !st->probe_out)
		probe = true;
	else if (st->state != BR_CLOSED) {
		to_fallback(c, st, m);
		return;
	}
	to = resolve(c, st->a.to.pid, st->a.to.name);
	if (to == BL_PID_NONE) {
		failure(st, now); /* nobody holds the name: the target is down */
		to_fallback(c, st, m);
		return;
	}
	watch(c, st, to);
	if (st->a.mode == BL_BREAKER_CALL ? call_target(c, st, to, m, probe)
					  : bl_forward(c, to, m) == 0) {
		st->passed++;
		if (probe) {
			st->probe_out = true;
			st->probe_at = now;
			if (st->a.mode == BL_BREAKER_FORWARD)
				(void)bl_send_after(c, bl_self(c), BR_TICK_KEY, NULL, 0,
						    st->a.probe_ms);
		}
		return;
	}
	failure(st, now);
	to_fallback(c, st, m);
}

static void br_exit(struct bl_ctx *c, const struct bl_msg *m)
{
	struct br_state *st = bl_state(c);

	if (m->type != BL_MSG_DOWN || m->key != st->mref)
		return;
	st->watched = BL_PID_NONE;
	st->mref = 0;
	if (m->u.reason.code != BL_EXIT_NORMAL && m->u.reason.code != BL_EXIT_SHUTDOWN)
		failure(st, bl__now(c->s));
}

static void br_reply(struct bl_ctx *c, const struct bl_reply *r)
{
	struct br_state *st = bl_state(c);
	struct pending *p = pending_slot(st, r->ref);
	uint32_t now = bl__now_run(c->s);

	st->answered++;
	if (r->status == BL_CALL_OK) {
		if (st->state == BR_HALF_OPEN)
			set_state(st, BR_CLOSED, now);
	} else {
		failure(st, now);
	}
	if (p == NULL)
		return;
	if (p->relay && r->m != NULL) {
		struct bl_msg call = { 0 };

		/* The caller's call, as bl_reply needs it: its sender and tag. */
		call.type = BL_MSG_CALL;
		call.src = p->caller;
		call.aux = p->tag;
		(void)bl_reply(c, &call, r->m->key, bl_msg_data(r->m), bl_msg_len(r->m));
	}
	p->ref = 0;
}

static unsigned br_info(const void *state, struct bl_info_kv *kv, unsigned max)
{
	const struct br_state *st = state;
	const struct bl_info_kv v[] = {
		{ br_state_names[st->state], 1 },   { "passed", st->passed },
		{ "fallback", st->fallback },	    { "dropped", st->dropped },
		{ "failures", st->failures },	    { "opened", st->opened },
		{ "half_opened", st->half_opened }, { "closed", st->closed },
	};

	return bl__info_put(kv, max, v, sizeof(v) / sizeof(v[0]));
}

const struct bl_behaviour bl_breaker_behaviour = {
	.name = "breaker",
	.init = br_init,
	.handle_message = br_msg,
	.handle_exit = br_exit,
	.handle_reply = br_reply,
	.info = br_info,
};

int bl_breaker_state(const void *state)
{
	return ((const struct br_state *)state)->state;
}

static const char *const br_mode_words[] = { "forward", "call", NULL };

static const struct bl_field br_fields[] = {
	{ .name = "to",
	  .type = BL_FIELD_PID,
	  .offset = offsetof(struct bl_breaker_args, to),
	  .size = sizeof(struct bl_pid_arg),
	  .help = "the target: a pid, or a name looked up per message" },
	BL_FIELD(struct bl_breaker_args, fallback, BL_FIELD_STRING, "",
		 "a name that gets the messages while open (none: drop)"),
	BL_FIELD_RANGE(struct bl_breaker_args, failures, BL_FIELD_U64, "5", 1, BR_FAIL_MAX,
		       "failures within the window that open it"),
	BL_FIELD(struct bl_breaker_args, window_ms, BL_FIELD_DURATION, "10s", "the window"),
	BL_FIELD(struct bl_breaker_args, cooldown_ms, BL_FIELD_DURATION, "5s",
		 "open this long before a probe"),
	BL_FIELD(struct bl_breaker_args, probe_ms, BL_FIELD_DURATION, "1s",
		 "forward mode: the probe holds this long"),
	BL_FIELD(struct bl_breaker_args, call_timeout_ms, BL_FIELD_DURATION, "1s",
		 "call mode: each call's timeout"),
	BL_FIELD_WORDS(struct bl_breaker_args, mode, "forward", br_mode_words,
		       "forward (crashes fail) or call (timeouts fail, replies relayed)"),
};

BL_BEHAVIOUR_DESC(bl_breaker_desc, "breaker", "1.0",
		  .summary = "a circuit breaker in front of a target", .init = br_init,
		  .handle_message = br_msg, .handle_exit = br_exit, .handle_reply = br_reply,
		  .info = br_info, BL_SCHEMA(struct bl_breaker_args, br_fields));
