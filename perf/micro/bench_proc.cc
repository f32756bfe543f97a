// SPDX-License-Identifier: BSD-3-Clause
// Process cost: spawn+exit, heap allocation, memory per idle process.
#include "bench_common.h"

namespace
{

void idle_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m;
}

const struct bl_behaviour idle_beh = { "idle", nullptr, idle_msg, nullptr, nullptr, nullptr, nullptr, nullptr };

// Spawn a process, make it exit, let the scheduler tear it down: the whole
// life of a short-lived process with nothing to do.
void BM_SpawnExit(benchmark::State &state)
{
	struct bl_sched_config cfg = {};
	bench_world *w = bench_world_new(1, cfg, "bp_spawn");
	struct bl_sched *s = w->s[0];

	for (auto _ : state) {
		uint64_t pid = bl_proc_spawn(s, &idle_beh, nullptr, nullptr);

		bl_proc_kill(s, pid, bl_reason_make(BL_EXIT_NORMAL));
		bl_sched_run(s, 1);
	}
	if (s->n_live != 0 || s->exited != (uint64_t)state.iterations())
		state.SkipWithError("a process did not exit");
	state.SetItemsProcessed(state.iterations());
	bench_world_free(w);
}
BENCHMARK(BM_SpawnExit);

// One 64-byte object allocated and freed in a process heap.
void BM_HeapAllocFree(benchmark::State &state)
{
	struct bl_sched_config cfg = {};
	bench_world *w = bench_world_new(1, cfg, "bp_heap");
	struct bl_sched *s = w->s[0];
	struct bl_heap h = {};

	for (auto _ : state) {
		void *p = bl_heap_alloc(&s->chunks, &h, 64);

		benchmark::DoNotOptimize(p);
		bl_heap_free(&s->chunks, &h, p, 64);
	}
	bl_heap_release(&s->chunks, &h);
	state.SetItemsProcessed(state.iterations());
	bench_world_free(w);
}
BENCHMARK(BM_HeapAllocFree);

// 1024 allocations of 48 bytes, then the heap goes back whole (as at exit).
void BM_HeapBumpThenRelease(benchmark::State &state)
{
	struct bl_sched_config cfg = {};
	bench_world *w = bench_world_new(1, cfg, "bp_bump");
	struct bl_sched *s = w->s[0];
	struct bl_heap h = {};

	for (auto _ : state) {
		for (int i = 0; i < 1024; i++)
			benchmark::DoNotOptimize(bl_heap_alloc(&s->chunks, &h, 48));
		bl_heap_release(&s->chunks, &h);
	}
	state.SetItemsProcessed(state.iterations() * 1024);
	bench_world_free(w);
}
BENCHMARK(BM_HeapBumpThenRelease);

// Memory per idle process: spawn 1,000,000 and measure. Two figures:
// bytes_per_proc_rss is the growth of the resident set from before the
// scheduler was created to after the spawns, divided by the count (so the
// lcore's fixed costs, rings and pools, are included); bytes_per_proc_accounted
// is the runtime's own structures in use (table slot + mailbox nodes + heap
// chunks) per process.
void BM_IdleProcessMemory(benchmark::State &state)
{
	const uint32_t n = (uint32_t)state.range(0);
	struct bl_sched_config cfg = {};
	long before = 0, after = 0;
	bench_world *w = nullptr;

	cfg.max_procs = n;
	for (auto _ : state) {
		before = bench_rss_bytes();
		w = bench_world_new(1, cfg, "bp_idle", 63);
		for (uint32_t i = 0; i < n; i++)
			if (bl_proc_spawn(w->s[0], &idle_beh, nullptr, nullptr) == BL_PID_NONE)
				abort();
		after = bench_rss_bytes();
	}
	struct bl_sched *s = w->s[0];
	double accounted = (double)n * sizeof(struct bl_proc) +
			   (double)bl_msg_pool_in_use(&s->msgs) * sizeof(struct bl_msg) +
			   (double)bl_chunk_pool_in_use(&s->chunks) * s->chunks.chunk_size;
	state.counters["procs"] = n;
	state.counters["sizeof_proc"] = sizeof(struct bl_proc);
	state.counters["bytes_per_proc_accounted"] = accounted / n;
	state.counters["bytes_per_proc_rss"] = (double)(after - before) / n;
	bench_world_free(w);
}
BENCHMARK(BM_IdleProcessMemory)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);

} // namespace

BENCH_MAIN("proc")
