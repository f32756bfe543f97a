// SPDX-License-Identifier: BSD-3-Clause
// The OTP patterns' costs on one lcore: a call and its reply (gen_server:call's
// counterpart, with and without a timeout), a task started and its result
// taken, a timer set and cancelled, what ratelimit and breaker add to a
// message, a producer held to its consumer's rate by policy block.
// scripts/bench-otp runs the Erlang VM's gen_server:call beside these.

#include "bench_common.h"

namespace
{

// The server: every call is answered with its key and payload.
void srv_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	if (m->type == BL_MSG_CALL)
		bl_reply(c, m, m->key, bl_msg_data(m), bl_msg_len(m));
}

const struct bl_behaviour srv_beh = {
	.name = "srv",
	.handle_message = srv_msg,
};

// The client: each answer makes the next call, so the scheduler runs the
// round trips back to back. A failed answer stops it (counted).
struct client {
	uint64_t server;
	uint32_t timeout_ms;
	uint64_t answers;
	uint64_t failed;
};

int cli_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

void cli_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	client *st = (client *)bl_state(c);

	(void)m;
	if (bl_call(c, st->server, 1, "ping", 4, st->timeout_ms) == 0)
		st->failed++;
}

void cli_reply(struct bl_ctx *c, const struct bl_reply *r)
{
	client *st = (client *)bl_state(c);

	st->answers++;
	if (r->status != BL_CALL_OK) {
		st->failed++;
		return;
	}
	if (bl_call(c, st->server, r->m->key + 1, "ping", 4, st->timeout_ms) == 0)
		st->failed++;
}

const struct bl_behaviour cli_beh = {
	.name = "cli",
	.init = cli_init,
	.handle_message = cli_msg,
	.handle_reply = cli_reply,
};

// One round trip: the request, its monitor, the reply, the timer when the
// call has a timeout (gen_server:call's default is 5000 ms).
void call_rounds(benchmark::State &state, uint32_t timeout_ms, const char *pool)
{
	struct bl_sched_config cfg = {};
	bench_world *w = bench_world_new(1, cfg, pool);
	struct bl_sched *s = w->s[0];
	client st{};

	st.server = bl_proc_spawn(s, &srv_beh, nullptr, nullptr);
	st.timeout_ms = timeout_ms;
	uint64_t cli = bl_proc_spawn(s, &cli_beh, &st, nullptr);

	bl_sched_deliver(s, cli, 0, 0, nullptr, 0, 0, 0);
	bl_sched_run(s, 256);
	uint64_t start = st.answers;
	for (auto _ : state)
		bl_sched_run(s, 256);
	double calls = (double)(st.answers - start);
	state.counters["calls"] = calls;
	state.counters["failed"] = (double)st.failed;
	state.counters["time_per_call"] = bench_time_per(calls);
	bench_world_free(w);
}

void BM_CallReply(benchmark::State &state)
{
	call_rounds(state, 5000, "bm_call");
}
BENCHMARK(BM_CallReply);

void BM_CallReplyNoTimeout(benchmark::State &state)
{
	call_rounds(state, BL_CALL_INFINITY, "bm_call_inf");
}
BENCHMARK(BM_CallReplyNoTimeout);

// A task started and its result taken: the spawn, the call, the task's
// turn (its function answers at once), its exit, the answer.
void quick_job(struct bl_ctx *c, const struct bl_msg *job)
{
	bl_reply(c, job, job->key, bl_msg_data(job), bl_msg_len(job));
}

void tk_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	client *st = (client *)bl_state(c);

	(void)m;
	if (bl_task_start(c, quick_job, 1, "job", 3, st->timeout_ms) == 0)
		st->failed++;
}

void tk_reply(struct bl_ctx *c, const struct bl_reply *r)
{
	client *st = (client *)bl_state(c);

	st->answers++;
	if (r->status != BL_CALL_OK)
		st->failed++;
	else if (bl_task_start(c, quick_job, r->m->key + 1, "job", 3, st->timeout_ms) == 0)
		st->failed++;
}

const struct bl_behaviour tk_beh = {
	.name = "tk",
	.init = cli_init,
	.handle_message = tk_msg,
	.handle_reply = tk_reply,
};

void BM_TaskStartResult(benchmark::State &state)
{
	struct bl_sched_config cfg = {};
	bench_world *w = bench_world_new(1, cfg, "bm_task");
	struct bl_sched *s = w->s[0];
	client st{};

	st.timeout_ms = 5000;
	uint64_t pid = bl_proc_spawn(s, &tk_beh, &st, nullptr);

	bl_sched_deliver(s, pid, 0, 0, nullptr, 0, 0, 0);
	bl_sched_run(s, 256);
	uint64_t start = st.answers;
	for (auto _ : state)
		bl_sched_run(s, 256);
	double tasks = (double)(st.answers - start);
	state.counters["tasks"] = tasks;
	state.counters["failed"] = (double)st.failed;
	state.counters["time_per_task"] = bench_time_per(tasks);
	bench_world_free(w);
}
BENCHMARK(BM_TaskStartResult);

// A timer set and cancelled before it fires (erlang:send_after +
// erlang:cancel_timer), from inside a handler.
struct canceller {
	uint64_t n;
	uint64_t cancelled;
};

void tc_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	canceller *st = (canceller *)bl_state(c);

	(void)m;
	for (unsigned i = 0; i < 64; i++) {
		uint64_t h = bl_send_after(c, bl_self(c), 9, nullptr, 0, 1000);

		st->cancelled += (uint64_t)bl_timer_cancel(c, h);
		st->n++;
	}
	bl_send(c, bl_self(c), 0, nullptr, 0);
}

const struct bl_behaviour tc_beh = {
	.name = "tc",
	.init = cli_init,
	.handle_message = tc_msg,
};

void BM_TimerSetCancel(benchmark::State &state)
{
	struct bl_sched_config cfg = {};
	bench_world *w = bench_world_new(1, cfg, "bm_tc");
	struct bl_sched *s = w->s[0];
	canceller st{};
	uint64_t pid = bl_proc_spawn(s, &tc_beh, &st, nullptr);

	bl_sched_deliver(s, pid, 0, 0, nullptr, 0, 0, 0);
	for (auto _ : state)
		bl_sched_run(s, 1);
	state.counters["not_cancelled"] = (double)(st.n - st.cancelled);
	state.counters["time_per_timer"] = bench_time_per((double)st.n);
	bench_world_free(w);
}
BENCHMARK(BM_TimerSetCancel);

// What a pattern adds to a message on its way: 32 messages delivered to the
// first process of a chain and handled to the end, straight to a sink, or
// through a relay (the hop alone), ratelimit (a token always there) or
// breaker (closed). The added cost is the difference of the per-message
// times.
void sink_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	benchmark::DoNotOptimize(m->key);
}

const struct bl_behaviour sink_beh = {
	.name = "sink",
	.handle_message = sink_msg,
};

void through(benchmark::State &state, const struct bl_behaviour *front, const char *pool)
{
	struct bl_sched_config cfg = {};
	cfg.budget = 64;
	bench_world *w = bench_world_new(1, cfg, pool);
	struct bl_sched *s = w->s[0];
	uint64_t sink = bl_proc_spawn(s, &sink_beh, nullptr, nullptr), first = sink;

	if (front == &bl_ratelimit_behaviour) {
		struct bl_ratelimit_args a = {};

		a.to.pid = sink;
		a.rate = 10000000;
		a.burst = 10000000;
		a.per = BL_RL_PER_KEY;
		first = bl_proc_spawn(s, front, &a, nullptr);
	} else if (front == &bl_relay_behaviour) {
		struct bl_relay_args a = {};

		a.to_pid = sink;
		first = bl_proc_spawn(s, front, &a, nullptr);
	} else if (front == &bl_breaker_behaviour) {
		struct bl_breaker_args a = {};

		a.to.pid = sink;
		first = bl_proc_spawn(s, front, &a, nullptr);
	}
	if (first == BL_PID_NONE)
		abort();
	for (auto _ : state) {
		for (uint32_t i = 0; i < 32; i++)
			bl_sched_deliver(s, first, i & 7, 0, nullptr, 0, 0, 0);
		while (bl_sched_run(s, 64) != 0)
			;
	}
	state.counters["time_per_msg"] = bench_time_per((double)state.iterations() * 32);
	bench_world_free(w);
}

void BM_PathDirect(benchmark::State &state)
{
	through(state, nullptr, "bm_direct");
}
BENCHMARK(BM_PathDirect);

// The same hop with nothing decided on the way: a relay.
void BM_PathRelay(benchmark::State &state)
{
	through(state, &bl_relay_behaviour, "bm_relay");
}
BENCHMARK(BM_PathRelay);

void BM_PathRatelimit(benchmark::State &state)
{
	through(state, &bl_ratelimit_behaviour, "bm_rl");
}
BENCHMARK(BM_PathRatelimit);

void BM_PathBreaker(benchmark::State &state)
{
	through(state, &bl_breaker_behaviour, "bm_br");
}
BENCHMARK(BM_PathBreaker);

// Back-pressure: a producer that sends 16 messages a handler into a
// consumer with a mailbox of 64 (policy block), on one lcore. The rate is
// the consumer's; lost counts what never arrived (0 with block).
struct producer {
	uint64_t to;
	uint64_t sent;
};

void prod_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	producer *st = (producer *)bl_state(c);

	(void)m;
	for (unsigned i = 0; i < 16; i++)
		if (bl_send(c, st->to, i, "x", 1) == 0)
			st->sent++;
	bl_send(c, bl_self(c), 0, nullptr, 0); /* and again */
}

const struct bl_behaviour prod_beh = {
	.name = "producer",
	.init = cli_init,
	.handle_message = prod_msg,
};

struct consumer {
	uint64_t got;
};

void cons_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	consumer *st = (consumer *)bl_state(c);

	benchmark::DoNotOptimize(m->key);
	st->got++;
}

const struct bl_behaviour cons_beh = {
	.name = "consumer",
	.init = cli_init,
	.handle_message = cons_msg,
};

void BM_BlockProducerConsumer(benchmark::State &state)
{
	struct bl_sched_config cfg = {};
	bench_world *w = bench_world_new(1, cfg, "bm_block");
	struct bl_sched *s = w->s[0];
	struct bl_spawn_opts o = {};
	consumer cs{};
	producer ps{};

	o.mailbox_limit = 64;
	o.overflow = BL_OVERFLOW_BLOCK + 1;
	ps.to = bl_proc_spawn(s, &cons_beh, &cs, &o);
	uint64_t prod = bl_proc_spawn(s, &prod_beh, &ps, nullptr);

	bl_sched_deliver(s, prod, 0, 0, nullptr, 0, 0, 0);
	for (auto _ : state)
		bl_sched_run(s, 64);
	/* The producer stops; what is still queued is not lost: the consumer
	 * takes it now. */
	bl_proc_kill(s, prod, bl_reason_make(BL_EXIT_SHUTDOWN));
	while (bl_sched_run(s, 64) != 0)
		;
	state.counters["not_received"] = (double)(ps.sent - cs.got);
	state.counters["lost"] = (double)(s->drops[BL_SDROP_MAILBOX_FULL]);
	state.counters["pauses"] = (double)s->flow_pauses;
	state.counters["time_per_msg"] = bench_time_per((double)cs.got);
	bench_world_free(w);
}
BENCHMARK(BM_BlockProducerConsumer);

} // namespace

BENCH_MAIN("call")
