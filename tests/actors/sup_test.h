/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared fixture of the supervisor tests (test_sup_restart.c,
 * test_sup_start_stop.c): a worker behaviour that records its starts and
 * its ends (and, with trap set, ignores shutdown), helpers that add worker
 * and supervisor children to a spec, and a world of the control scheduler
 * (and workers) with a registry and a crash log.
 */
#ifndef BL_TESTS_ACTORS_SUP_TEST_H
#define BL_TESTS_ACTORS_SUP_TEST_H

#include <urcu-qsbr.h>

#include "actors_test.h"

/* --- a worker that records its starts and its ends --- */

enum { EV_START = 1, EV_TERM };

struct ev {
	int kind;
	uint32_t tag;
	uint16_t code;
};

static struct ev evs[1024];
static unsigned n_evs;

static inline void ev_add(int kind, uint32_t tag, uint16_t code)
{
	unsigned i = __atomic_fetch_add(&n_evs, 1, __ATOMIC_ACQ_REL);

	assert_true(i < sizeof(evs) / sizeof(evs[0]));
	evs[i].kind = kind;
	evs[i].tag = tag;
	evs[i].code = code;
}

static inline void ev_reset(void)
{
	__atomic_store_n(&n_evs, 0, __ATOMIC_RELEASE);
}

/* Check that the events since `from` are exactly want (kind, tag pairs). */
static inline void ev_expect(unsigned from, const int *want, unsigned n)
{
	unsigned i;

	if (__atomic_load_n(&n_evs, __ATOMIC_ACQUIRE) - from != n) {
		for (i = from; i < n_evs; i++)
			fprintf(stderr, "  ev %u: %s %u\n", i,
				evs[i].kind == EV_START ? "start" : "term", evs[i].tag);
	}
	assert_int_equal(n_evs - from, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(evs[from + i].kind, want[2 * i]);
		assert_int_equal(evs[from + i].tag, (uint32_t)want[2 * i + 1]);
	}
}

struct wk_args {
	uint32_t tag;
	uint8_t trap; /* trap exits and ignore them: shutdown does nothing */
};

struct wk_state {
	uint32_t tag;
};

static inline int wk_init(struct bl_ctx *c, void *arg)
{
	static const struct wk_args none = { 0, 0 };
	const struct wk_args *a = arg != NULL ? (const struct wk_args *)arg : &none;
	struct wk_state *st = (struct wk_state *)bl_alloc(c, sizeof(*st));

	if (st == NULL)
		return -errno;
	st->tag = a->tag;
	bl_set_state(c, st);
	if (a->trap)
		bl_trap_exit(c, true);
	ev_add(EV_START, a->tag, 0);
	return 0;
}

/* key 1: crash, 2: exit normal, 3: exit shutdown */
static inline void wk_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	switch (m->key) {
	case 1:
		bl_exit(c, bl_reason_error(1, "crash"));
		break;
	case 2:
		bl_exit(c, bl_reason_make(BL_EXIT_NORMAL));
		break;
	case 3:
		bl_exit(c, bl_reason_make(BL_EXIT_SHUTDOWN));
		break;
	default:
		break;
	}
}

static inline void wk_exit(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m; /* trapped and ignored */
}

static inline void wk_terminate(struct bl_ctx *c, struct bl_reason r)
{
	struct wk_state *st = (struct wk_state *)bl_state(c);

	ev_add(EV_TERM, st->tag, r.code);
}

static const struct bl_behaviour wk_beh = {
	.name = "wk",
	.init = wk_init,
	.handle_message = wk_msg,
	.handle_exit = wk_exit,
	.terminate = wk_terminate,
};

/* A worker child on lcore, tagged, named like its id when named is set. */
static inline void add_wk(struct bl_sup_spec *spec, const char *id, uint32_t tag, uint32_t lcore,
			  uint32_t restart, bool named)
{
	struct bl_sup_child_spec ch;
	struct wk_args a = { tag, 0 };

	assert_int_equal(bl_sup_child_spec_init(&ch, id, &wk_beh), 0);
	if (named)
		assert_int_equal(bl_sup_child_set_name(&ch, id), 0);
	ch.arg = &a;
	ch.arg_len = sizeof(a);
	ch.lcore = lcore;
	ch.restart = restart;
	assert_int_equal(bl_sup_spec_add(spec, &ch), 0);
}

static inline void add_sup(struct bl_sup_spec *spec, const char *id, struct bl_sup_spec *sub)
{
	struct bl_sup_child_spec ch;

	assert_int_equal(bl_sup_child_spec_sup(&ch, id, sub), 0);
	assert_int_equal(bl_sup_spec_add(spec, &ch), 0);
}

/* --- world: the control scheduler (and workers) with a registry --- */

struct sworld {
	struct world *w;
	struct bl_registry *reg;
	struct bl_crash_log *log;
	struct bl_sched *ctl;
};

static inline void sw_new(struct sworld *sw, unsigned n, bool real_clock)
{
	struct bl_sched_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	sw->reg = bl_registry_create(64);
	assert_non_null(sw->reg);
	sw->log = bl_crash_log_create(64);
	assert_non_null(sw->log);
	cfg.registry = sw->reg;
	sw->w = world_new(n, &cfg, real_clock);
	sw->ctl = sw->w->s[0];
	ev_reset();
}

static inline void sw_free(struct sworld *sw)
{
	world_free(sw->w);
	assert_int_equal(bl_registry_count(sw->reg), 0);
	bl_registry_destroy(sw->reg);
	bl_crash_log_destroy(sw->log);
}

static inline uint64_t whereis(struct sworld *sw, const char *name)
{
	return bl_registry_whereis(sw->reg, name, BL_NAME_MAX);
}

static inline uint64_t pid_of(struct sworld *sw, uint64_t root, const char *id)
{
	return bl_sup_whereis(sw->ctl, root, id);
}

static inline void crash(struct sworld *sw, uint64_t pid, uint64_t key)
{
	assert_int_equal(bl_sched_post(sw->ctl, pid, key, NULL, 0), 0);
	world_settle(sw->ctl);
}

static inline const struct bl_sup_node *node_of(const struct bl_sup_node *n, unsigned cnt,
						const char *id)
{
	unsigned i;

	for (i = 0; i < cnt; i++)
		if (strcmp(n[i].id, id) == 0)
			return &n[i];
	fail_msg("no node %s", id);
	return NULL;
}

#endif /* BL_TESTS_ACTORS_SUP_TEST_H */
