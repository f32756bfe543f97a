// SPDX-License-Identifier: BSD-3-Clause
// Messaging cost: local send+receive, delivery from the dataplane, fan-out,
// and sends across lcores.
#include <atomic>

#include "bench_common.h"
#include "wire/wire_fmt.h"

namespace
{

// Ping-pong: each message handled sends the next one to the partner.
struct pingpong {
	uint64_t peer;
};

int pp_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

void pp_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	const pingpong *p = (const pingpong *)bl_state(c);

	bl_send(c, p->peer, m->key + 1, nullptr, 0);
}

const struct bl_behaviour pp_beh = {
	"pingpong", pp_init, pp_msg, nullptr, nullptr, nullptr, nullptr, nullptr
};

// One local send + one receive (handler call), two processes taking turns.
void BM_LocalSendReceive(benchmark::State &state)
{
	struct bl_sched_config cfg = {};
	bench_world *w = bench_world_new(1, cfg, "bm_local");
	struct bl_sched *s = w->s[0];
	pingpong a{}, b{};
	uint64_t pa = bl_proc_spawn(s, &pp_beh, &a, nullptr);
	uint64_t pb = bl_proc_spawn(s, &pp_beh, &b, nullptr);

	a.peer = pb;
	b.peer = pa;
	bl_sched_deliver(s, pa, 0, 0, nullptr, 0, 0, 0);
	uint64_t start = s->handled;
	for (auto _ : state)
		bl_sched_run(s, 256);
	double msgs = (double)(s->handled - start);
	state.counters["msgs"] = msgs;
	state.counters["time_per_msg"] = bench_time_per(msgs);
	bench_world_free(w);
}
BENCHMARK(BM_LocalSendReceive);

void sink_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	benchmark::DoNotOptimize(m->key);
	(void)c;
}

const struct bl_behaviour sink_beh = {
	"sink", nullptr, sink_msg, nullptr, nullptr, nullptr, nullptr, nullptr
};

// The dataplane's path: 32 messages of a frame delivered (by reference, 200
// bytes each) to one process, then handled in one turn.
void BM_DeliverAndHandle32(benchmark::State &state)
{
	struct bl_sched_config cfg = {};
	cfg.budget = 32;
	bench_world *w = bench_world_new(1, cfg, "bm_dlv");
	struct bl_sched *s = w->s[0];
	uint64_t pid = bl_proc_spawn(s, &sink_beh, nullptr, nullptr);
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);

	rte_pktmbuf_append(m, 1500);
	for (auto _ : state) {
		for (uint32_t i = 0; i < 32; i++)
			bl_sched_deliver(s, pid, i, 0, m, 40 + i * 40, 200, 0);
		bl_sched_run(s, 1);
	}
	state.counters["time_per_msg"] = bench_time_per((double)state.iterations() * 32);
	rte_pktmbuf_free(m);
	bench_world_free(w);
}
BENCHMARK(BM_DeliverAndHandle32);

// The same 32 messages as one received wire frame: one mailbox entry (one
// node, one reference) whose messages reach the handler one by one.
void BM_DeliverFrameAndHandle32(benchmark::State &state)
{
	struct bl_sched_config cfg = {};
	cfg.budget = 32;
	bench_world *w = bench_world_new(1, cfg, "bm_dlvf");
	struct bl_sched *s = w->s[0];
	uint64_t pid = bl_proc_spawn(s, &sink_beh, nullptr, nullptr);
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	const uint32_t payload = 24, off = 58;
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, off + 32 * (BL_WIRE_MSG_HDR_LEN + payload));

	for (uint32_t i = 0; i < 32; i++)
		bl_wire_put_msg_hdr(d + off + i * (BL_WIRE_MSG_HDR_LEN + payload), payload,
				    BL_WIRE_KIND_DATA, 0, i);
	for (auto _ : state) {
		bl_sched_deliver_frame(s, pid, 0, m, off, 32 * (BL_WIRE_MSG_HDR_LEN + payload), 32,
				       BL_MSG_F_NET);
		bl_sched_run(s, 1);
	}
	state.counters["time_per_msg"] = bench_time_per((double)state.iterations() * 32);
	rte_pktmbuf_free(m);
	bench_world_free(w);
}
BENCHMARK(BM_DeliverFrameAndHandle32);

// Fan-out receivers check where they read the payload: anywhere but the
// frame's own buffer would be a copy.
struct fan {
	const uint8_t *expect;
	uint64_t copies;
	uint64_t seen;
};

int fan_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

void fan_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	fan *f = (fan *)bl_state(c);

	f->seen++;
	if (bl_msg_data(m) != f->expect)
		f->copies++;
}

const struct bl_behaviour fan_beh = {
	"fan", fan_init, fan_msg, nullptr, nullptr, nullptr, nullptr, nullptr
};

// One 1500-byte message to N processes: delivery only (mailboxes drained
// outside the timed region) or delivery and handling.
void fanout(benchmark::State &state, bool handle_timed)
{
	const unsigned n = (unsigned)state.range(0);
	struct bl_sched_config cfg = {};
	cfg.max_procs = n;
	bench_world *w = bench_world_new(1, cfg, handle_timed ? "bm_fan_h" : "bm_fan_d");
	struct bl_sched *s = w->s[0];
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	std::vector<uint64_t> pids(n);
	fan f{};

	rte_pktmbuf_append(m, 1500);
	f.expect = rte_pktmbuf_mtod(m, const uint8_t *);
	for (unsigned i = 0; i < n; i++)
		pids[i] = bl_proc_spawn(s, &fan_beh, &f, nullptr);
	for (auto _ : state) {
		if (bl_sched_deliver_burst(s, pids.data(), n, 1, 0, m, 0, 1500, 0) != n)
			state.SkipWithError("a delivery failed");
		if (!handle_timed)
			state.PauseTiming();
		while (s->runq_head != nullptr)
			bl_sched_run(s, n);
		if (!handle_timed)
			state.ResumeTiming();
	}
	if (f.seen != (uint64_t)state.iterations() * n || rte_mbuf_refcnt_read(m) != 1)
		state.SkipWithError("lost a message or a reference");
	state.counters["receivers"] = n;
	state.counters["payload_copies"] = (double)f.copies;
	state.counters["time_per_receiver"] = bench_time_per((double)state.iterations() * n);
	rte_pktmbuf_free(m);
	bench_world_free(w);
}

void BM_FanOutDeliver(benchmark::State &state)
{
	fanout(state, false);
}
BENCHMARK(BM_FanOutDeliver)->Arg(1000);

void BM_FanOutDeliverAndHandle(benchmark::State &state)
{
	fanout(state, true);
}
BENCHMARK(BM_FanOutDeliverAndHandle)->Arg(1000);

// Across lcores: the main lcore delivers, a process on the worker lcore
// receives; the SP/SC ring between them is the only shared structure.
struct counter {
	std::atomic<uint64_t> n{ 0 };
};

int cnt_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

void cnt_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)m;
	((counter *)bl_state(c))->n.fetch_add(1, std::memory_order_release);
}

const struct bl_behaviour cnt_beh = {
	"count", cnt_init, cnt_msg, nullptr, nullptr, nullptr, nullptr, nullptr
};

struct runner {
	struct bl_sched *s;
	std::atomic<int> stop{ 0 };
};

int run_worker(void *arg)
{
	runner *r = (runner *)arg;

	while (!r->stop.load(std::memory_order_acquire))
		bl_sched_run(r->s, 64);
	return 0;
}

void BM_CrossLcoreSend(benchmark::State &state)
{
	if (rte_lcore_count() < 2) {
		state.SkipWithError("needs two lcores");
		for (auto _ : state) {
		}
		return;
	}
	struct bl_sched_config cfg = {};
	cfg.ring_size = 4096;
	cfg.budget = 64;
	cfg.mailbox_limit = 8192;
	bench_world *w = bench_world_new(2, cfg, "bm_cross");
	counter c;
	uint64_t pid = bl_proc_spawn(w->s[1], &cnt_beh, &c, nullptr);
	runner r;
	uint64_t sent = 0, retries = 0;

	r.s = w->s[1];
	rte_eal_remote_launch(run_worker, &r, w->s[1]->lcore);
	for (auto _ : state) {
		while (bl_sched_deliver(w->s[0], pid, sent, 0, nullptr, 0, 0, 0) != 0) {
			retries++;
			bl_sched_flush(w->s[0]); /* push what is buffered, then retry */
		}
		sent++;
	}
	bl_sched_flush(w->s[0]);
	/*
	 * Wait for the receiver, but not forever: a slow receiver (a sanitizer
	 * build, a loaded VM) may overflow its mailbox, and those messages are
	 * counted drops that never arrive.
	 */
	uint64_t deadline = rte_rdtsc() + 5 * rte_get_tsc_hz();
	while (c.n.load(std::memory_order_acquire) != sent && rte_rdtsc() < deadline)
		;
	state.counters["not_received"] = (double)(sent - c.n.load(std::memory_order_acquire));
	r.stop.store(1, std::memory_order_release);
	rte_eal_wait_lcore(w->s[1]->lcore);
	state.counters["ring_full_retries"] = (double)retries;
	state.counters["time_per_msg"] = bench_time_per((double)sent);
	bench_world_free(w);
}
BENCHMARK(BM_CrossLcoreSend);

} // namespace

BENCH_MAIN("msg")
