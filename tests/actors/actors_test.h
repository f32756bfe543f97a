/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared fixture of the actors/ unit tests: EAL once per binary, a world of
 * one or two schedulers with a fake millisecond clock, and leak checks.
 */
#ifndef BL_TESTS_ACTORS_TEST_H
#define BL_TESTS_ACTORS_TEST_H

#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "actors/actors.h"

/* EAL init with a file prefix unique to this binary and process. */
static inline int actors_test_eal(const char *name, const char *lcores)
{
	char prefix[96];
	char *argv[] = {
		(char *)"test",
		(char *)"--no-huge",
		(char *)"--no-shconf",
		(char *)"--no-pci",
		(char *)"-m",
		(char *)"512",
		prefix,
		(char *)"-l",
		(char *)lcores,
		(char *)"--log-level=lib.*:error",
	};

	cpu_set_t cpus;

	/* On a single usable CPU, run on lcore 0 only: the two-lcore tests skip. */
	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) < 2)
		argv[8] = (char *)"0";
	snprintf(prefix, sizeof(prefix), "--file-prefix=test_actors_%s_%d", name, (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	return 0;
}

struct world {
	struct bl_sched_set set;
	struct bl_sched *s[2];
	struct rte_mempool *pool; /* test mbufs (the "rx" pool) */
	uint32_t now;		  /* fake clock, ms */
};

static inline uint32_t world_clock(void *arg)
{
	return __atomic_load_n(&((struct world *)arg)->now, __ATOMIC_RELAXED);
}

/*
 * A world of n schedulers (lcore ids: the main lcore, then the first
 * worker). cfg may be NULL; real_clock uses the TSC instead of w->now.
 */
static inline struct world *world_new(unsigned n, const struct bl_sched_config *cfg,
				      bool real_clock)
{
	static unsigned seq;
	struct world *w = (struct world *)calloc(1, sizeof(*w));
	struct bl_sched_config c;
	char name[32];
	unsigned i, lc;

	assert_non_null(w);
	bl_sched_set_init(&w->set);
	snprintf(name, sizeof(name), "tp%u", seq++);
	w->pool = rte_pktmbuf_pool_create(name, 255, 0, 0, 9216 + RTE_PKTMBUF_HEADROOM,
					  (int)rte_socket_id());
	assert_non_null(w->pool);
	if (cfg != NULL)
		c = *cfg;
	else
		memset(&c, 0, sizeof(c));
	c.set = &w->set;
	if (!real_clock) {
		c.clock_ms = world_clock;
		c.clock_arg = w;
	}
	lc = rte_get_main_lcore();
	for (i = 0; i < n; i++) {
		w->s[i] = bl_sched_create(lc, n, &c);
		assert_non_null(w->s[i]);
		lc = rte_get_next_lcore(lc, 1, 0);
	}
	return w;
}

/* Run s until nothing is left to do (owner thread). */
static inline void world_settle(struct bl_sched *s)
{
	unsigned rounds = 0;

	while (bl_sched_run(s, 64) != 0 || s->runq_head != NULL)
		assert_true(++rounds < 1000000);
	assert_int_equal(bl_sched_check(s), 0);
}

/* Every chunk and message node back: call when every process has exited. */
static inline void sched_assert_idle(struct bl_sched *s)
{
	assert_int_equal(bl_sched_check(s), 0);
	assert_int_equal(s->n_live, 0);
	assert_int_equal(bl_chunk_pool_in_use(&s->chunks), 0);
	assert_int_equal(s->chunks.n_big, 0);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	assert_int_equal(s->pinned_total, 0);
	assert_int_equal(s->mbox_total, 0);
	assert_int_equal(s->n_timers_free, s->n_timers);
}

static inline int world_kill_cb(const struct bl_proc_info *info, void *arg)
{
	(void)bl_proc_kill((struct bl_sched *)arg, info->pid, bl_reason_make(BL_EXIT_SHUTDOWN));
	return 0;
}

/*
 * Shut every process down (reason shutdown), let pending timers fire, check
 * that every chunk, node, timer and pinned byte came back, destroy the
 * schedulers and check every test mbuf is back in its pool. Called with no
 * scheduler running on another lcore.
 */
static inline void world_free(struct world *w)
{
	unsigned i, round;

	for (round = 0; round < 100; round++) {
		unsigned live = 0;

		for (i = 0; i < 2; i++)
			if (w->s[i] != NULL)
				bl_sched_foreach(w->s[i], world_kill_cb, w->s[i]);
		w->now += 1u << 20; /* every send_after due */
		for (i = 0; i < 2; i++)
			if (w->s[i] != NULL)
				world_settle(w->s[i]);
		for (i = 0; i < 2; i++)
			if (w->s[i] != NULL)
				live += w->s[i]->n_live;
		if (live == 0)
			break;
	}
	for (i = 0; i < 2; i++) {
		if (w->s[i] == NULL)
			continue;
		world_settle(w->s[i]);
		sched_assert_idle(w->s[i]);
	}
	for (i = 0; i < 2; i++)
		if (w->s[i] != NULL)
			bl_sched_destroy(w->s[i]);
	assert_int_equal(rte_mempool_in_use_count(w->pool), 0);
	rte_mempool_free(w->pool);
	free(w);
}

/* An mbuf of len bytes (value i at offset i), from the world's pool. */
static inline struct rte_mbuf *world_mbuf(struct world *w, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	uint8_t *d;
	uint32_t i;

	assert_non_null(m);
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	for (i = 0; i < len; i++)
		d[i] = (uint8_t)i;
	return m;
}

/* Worker lcore loop for two-lcore tests. */
struct worker {
	struct bl_sched *s;
	volatile int stop;
	void (*before)(struct worker *wk); /* on the worker, before the loop */
	void *arg;
};

static inline int worker_main(void *arg)
{
	struct worker *wk = (struct worker *)arg;

	if (wk->before != NULL)
		wk->before(wk);
	while (!__atomic_load_n(&wk->stop, __ATOMIC_ACQUIRE))
		bl_sched_run(wk->s, 64);
	return 0;
}

/* Wait (bounded, not timed as an assertion of speed) for *flag to become v. */
static inline bool wait_for_u64(const uint64_t *flag, uint64_t v, struct bl_sched *run_also)
{
	unsigned long i;

	for (i = 0; i < 200000000ul; i++) {
		if (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == v)
			return true;
		if (run_also != NULL)
			bl_sched_run(run_also, 64);
		else if ((i & 1023) == 0)
			usleep(10);
	}
	return false;
}

#endif /* BL_TESTS_ACTORS_TEST_H */
