// SPDX-License-Identifier: BSD-3-Clause
// The OTP patterns' costs on one lcore: a call and its reply (gen_server:call's
// counterpart, with and without a timeout), a task started and its result
// taken, a timer set and cancelled.
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

} // namespace

BENCH_MAIN("call")
