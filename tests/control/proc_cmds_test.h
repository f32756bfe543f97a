/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared fixture of the process command tests (test_proc_cmds.c,
 * test_proc_cmds_group.c): a command world (cmds_test.h) with the process
 * commands of control/proc_cmds.c registered, worlds with one bound
 * changed, running the schedulers until idle with the workers stopped,
 * spawning one process, and the target errors every command naming a
 * live process shares.
 */
#ifndef BL_TESTS_CONTROL_PROC_CMDS_TEST_H
#define BL_TESTS_CONTROL_PROC_CMDS_TEST_H

#include "actors/behaviours.h"
#include "actors/group.h"
#include "actors/pid.h"
#include "control/proc_cmds.h"

#include "cmds_test.h"

struct pworld {
	struct cmds_world *w;
	struct bl_proc_cmds *pc;
};

static inline struct pworld *pworld_new(const struct bl_router_conf *conf)
{
	struct pworld *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->w = cmds_world_new("pcmds", conf);
	x->pc = calloc(1, sizeof(*x->pc));
	assert_non_null(x->pc);
	x->pc->r = x->w->r;
	assert_int_equal(bl_proc_cmds_register(x->w->ctl, x->pc), 0);
	return x;
}

static inline int setup(void **state)
{
	*state = pworld_new(NULL);
	return 0;
}

/* Worlds with one bound changed: few names, big groups. */
static inline int setup_4_names(void **state)
{
	struct bl_router_conf conf;

	cmds_small_conf(&conf);
	conf.max_names = 4;
	*state = pworld_new(&conf);
	return 0;
}

static inline int setup_32_members(void **state)
{
	struct bl_router_conf conf;

	cmds_small_conf(&conf);
	conf.max_members = 32;
	*state = pworld_new(&conf);
	return 0;
}

static inline int teardown(void **state)
{
	struct pworld *x = *state;

	cmds_world_free(x->w);
	free(x->pc);
	free(x);
	return 0;
}

/* Run the worker's and the control thread's schedulers until idle (workers stopped). */
static inline void settle(struct pworld *x)
{
	unsigned rounds = 0;

	struct bl_sched *s = x->w->r->workers[0]->sched, *ctl = x->w->r->ctl_sched;

	assert_false(x->w->r->running);
	rcu_thread_online();
	/* A process's exit is no message: run while anything is queued. */
	while (bl_sched_run(s, 64) + bl_router_run_ctl(x->w->r) != 0 || s->runq_head != NULL ||
	       ctl->runq_head != NULL)
		assert_true(++rounds < 100000);
	rcu_thread_offline();
}

static inline uint64_t pid_of(const char *s)
{
	unsigned l, sl, g;

	if (sscanf(s, "<%u.%u.%u>", &l, &sl, &g) != 3)
		fail_msg("not a pid: %s", s);
	return bl_pid_make(l, sl, g);
}

/* Spawn one process (the rest of the request, printf format) and return its pid text. */
static inline void spawn1(struct pworld *x, char *pid, size_t len, const char *fmt, ...)
{
	char rest[512];
	va_list ap;
	json_t *r;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	r = cmds_ok(x->w, "{'cmd':'spawn'%s}", rest);
	assert_int_equal(cmds_int(r, "spawned"), 1);
	snprintf(pid, len, "%s", json_string_value(json_array_get(json_object_get(r, "pids"), 0)));
	json_decref(r);
}

static inline json_int_t ps_total(struct pworld *x)
{
	json_t *r = cmds_ok(x->w, "{'cmd':'ps'}");
	json_int_t n = cmds_int(r, "total");

	json_decref(r);
	return n;
}

/* The target errors every command naming a live process shares (kill, exit, info, group.join). */
static inline void target_errors(struct cmds_world *w, const char *cmd, const char *more)
{
	char msg[64];

	cmds_fails(w, EINVAL, "missing \"target\"", "{'cmd':'%s'%s}", cmd, more);
	cmds_fails(w, EINVAL, "\"target\" must be a string, not 12", "{'cmd':'%s','target':12%s}",
		   cmd, more);
	cmds_fails(w, EINVAL, "bad pid '<1.2>': expected <lcore.slot.generation>",
		   "{'cmd':'%s','target':'<1.2>'%s}", cmd, more);
	cmds_fails(w, EINVAL, "bad pid '1.2.0'", "{'cmd':'%s','target':'1.2.0'%s}", cmd, more);
	cmds_fails(w, EINVAL, "bad pid '<999.0.1>'", "{'cmd':'%s','target':'<999.0.1>'%s}", cmd,
		   more);
	cmds_fails(w, EINVAL, "bad name 'a b'", "{'cmd':'%s','target':'a b'%s}", cmd, more);
	cmds_fails(w, ENOENT, "no process is registered as 'nobody'",
		   "{'cmd':'%s','target':'nobody'%s}", cmd, more);
	snprintf(msg, sizeof(msg), "no process <%u.7.1>", w->worker);
	cmds_fails(w, ENOENT, msg, "{'cmd':'%s','target':'<%u.7.1>'%s}", cmd, w->worker, more);
	cmds_fails(w, ENOENT, "no process <9.0.1>", "{'cmd':'%s','target':'9.0.1'%s}", cmd, more);
}

#endif /* BL_TESTS_CONTROL_PROC_CMDS_TEST_H */
