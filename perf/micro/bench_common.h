/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared set-up of the actors/ micro-benchmarks: EAL with virtual
 * everything (no hugepages, no PCI), one world of schedulers, and an
 * mbuf pool standing in for the rx pool.
 */
#ifndef BL_PERF_MICRO_BENCH_COMMON_H
#define BL_PERF_MICRO_BENCH_COMMON_H

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <sched.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

extern "C" {
#include "actors/actors.h"
}

/* EAL on lcores 0-1 (the second one only for the cross-lcore benchmark). */
static inline int bench_eal_init(const char *name)
{
	std::string prefix =
	    std::string("--file-prefix=bench_actors_") + name + "_" + std::to_string(getpid());
	std::vector<std::string> args = {
		"bench", "--no-huge", "--no-shconf", "--no-pci", "-m",
		"512",	 prefix,      "-l",	     "0-1",	 "--log-level=lib.*:error"
	};
	std::vector<char *> argv;

	cpu_set_t cpus;

	/* One usable CPU: lcore 0 only, the cross-lcore benchmark skips. */
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) < 2)
		args[8] = "0";
	for (auto &a : args)
		argv.push_back(&a[0]);
	return rte_eal_init((int)argv.size(), argv.data()) < 0 ? -1 : 0;
}

// Time per item, for a counter of n items (a rate, inverted).
static inline benchmark::Counter bench_time_per(double n)
{
	return benchmark::Counter(n, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

struct bench_world {
	struct bl_sched_set set;
	struct bl_sched *s[2] = { nullptr, nullptr };
	struct rte_mempool *pool = nullptr;
};

static inline bench_world *bench_world_new(unsigned n, const struct bl_sched_config &cfg_in,
					   const char *pool_name, unsigned pool_size = 4095)
{
	bench_world *w = new bench_world();
	struct bl_sched_config cfg = cfg_in;
	unsigned lc = rte_get_main_lcore();

	bl_sched_set_init(&w->set);
	cfg.set = &w->set;
	w->pool = rte_pktmbuf_pool_create(pool_name, pool_size, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (w->pool == nullptr)
		abort();
	for (unsigned i = 0; i < n; i++) {
		w->s[i] = bl_sched_create(lc, n, &cfg);
		if (w->s[i] == nullptr)
			abort();
		lc = rte_get_next_lcore(lc, 1, 0);
	}
	return w;
}

static inline void bench_world_free(bench_world *w)
{
	for (auto *s : w->s)
		if (s != nullptr)
			bl_sched_destroy(s);
	rte_mempool_free(w->pool);
	delete w;
}

/* Resident set size of this process, bytes. */
static inline long bench_rss_bytes()
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == nullptr)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(f);
	return rss * sysconf(_SC_PAGESIZE);
}

#define BENCH_MAIN(name)                                                                           \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		if (bench_eal_init(name) != 0)                                                     \
			return 1;                                                                  \
		benchmark::Initialize(&argc, argv);                                                \
		if (benchmark::ReportUnrecognizedArguments(argc, argv))                            \
			return 1;                                                                  \
		benchmark::RunSpecifiedBenchmarks();                                               \
		benchmark::Shutdown();                                                             \
		rte_eal_cleanup();                                                                 \
		return 0;                                                                          \
	}

#endif /* BL_PERF_MICRO_BENCH_COMMON_H */
