/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process commands: design note.
 *
 * - Reaching a worker's processes: every look inside a worker lcore (spawn,
 *   info, ps) is a function run on that lcore through bl_sched_exec, so it
 *   sees a consistent process table between two turns; kill and exit are
 *   exit signals through the same command ring (asynchronous, like Erlang's
 *   exit/2). Before the router starts (config file) the control thread
 *   still owns every scheduler and calls the functions directly.
 * - Exit reasons given as free text are interned in a small bounded table
 *   (a reason's text must outlive the exit signal that carries it).
 *
 * This file: pids, running a function on a scheduler's lcore, kill, exit,
 * groups, registration and the periodic work. spawn is control/spawn_cmds.c;
 * info, ps, memory and lcores are control/proc_info_cmds.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>
#include <rte_lcore.h>

#include "actors/group.h"
#include "actors/pid.h"
#include "actors/registry.h"
#include "actors/sched.h"
#include "control/args.h"
#include "control/cmd.h"
#include "control/errors.h"
#include "control/online.h"
#include "control/proc_cmds.h"
#include "control/proc_cmds_pvt.h"

#define REASONS_MAX 64u

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

json_t *bl__pid_json(uint64_t pid)
{
	char b[48];

	bl_pid_format(pid, b, sizeof(b));
	return json_string(b);
}

int bl__pid_parse_text(const char *s, uint64_t *pid)
{
	unsigned long l, sl, g;
	char tail;
	int n;

	if (*s == '<')
		n = sscanf(s, "<%lu.%lu.%lu%c", &l, &sl, &g, &tail) == 4 && tail == '>' ? 3 : 0;
	else
		n = sscanf(s, "%lu.%lu.%lu%c", &l, &sl, &g, &tail);
	if (n != 3 || l >= RTE_MAX_LCORE || sl > UINT32_MAX || g == 0 || g > UINT32_MAX)
		return -EINVAL;
	*pid = bl_pid_make((uint32_t)l, (uint32_t)sl, (uint32_t)g);
	return bl_pid_lcore(*pid) == l && bl_pid_slot(*pid) == sl && bl_pid_gen(*pid) == g
		   ? 0
		   : -EINVAL;
}

int bl_pid_resolve(struct bl_router *r, const char *s, uint64_t *pid, char *err, size_t errlen)
{
	if ((s[0] == '<' || (s[0] >= '0' && s[0] <= '9')) && strchr(s, '.') != NULL) {
		if (bl__pid_parse_text(s, pid) != 0) {
			bl_err_set(err, errlen, "bad pid '%s': expected <lcore.slot.generation>",
				   s);
			return -EINVAL;
		}
		return 0;
	}
	if (bl_cmd_name_check(s, err, errlen) != 0)
		return -EINVAL;
	*pid = bl_registry_whereis(r->registry, s, strlen(s) + 1);
	if (*pid == BL_PID_NONE) {
		bl_err_set(err, errlen, "no process is registered as '%s'", s);
		return -ENOENT;
	}
	return 0;
}

/* ---- running something on a scheduler's lcore ---- */

int bl__proc_run_on(struct bl_router *r, struct bl_sched *s, void (*fn)(struct bl_sched *, void *),
		    void *arg)
{
	if (!r->running || s == r->ctl_sched) {
		fn(s, arg); /* the control thread owns it */
		return 0;
	}
	return bl_sched_exec(s, fn, arg, BL_PROC_EXEC_TIMEOUT_MS);
}

struct bl_sched *bl__proc_sched_of(struct bl_router *r, uint64_t pid)
{
	return bl_router_sched(r, bl_pid_lcore(pid));
}

/* ---- kill / exit ---- */

static const char *reason_intern(const char *text)
{
	static char *texts[REASONS_MAX];
	static unsigned n;

	for (unsigned i = 0; i < n; i++)
		if (strcmp(texts[i], text) == 0)
			return texts[i];
	if (n == REASONS_MAX)
		return "error"; /* bounded: further texts share one */
	texts[n] = strdup(text);
	return texts[n] != NULL ? texts[n++] : "error";
}

/* The live process a request's "target" (a pid or a registered name) names. */
int bl__proc_target_pid(struct bl_proc_cmds *pc, struct bl_args *a, uint64_t *pid)
{
	const char *t;
	int rc;

	if (bl_args_str(a, "target", BL_ARG_REQUIRED, NULL, 0, 0, &t) != 0)
		return -EINVAL;
	rc = bl_pid_resolve(pc->r, t, pid, a->err, a->errlen);
	if (rc != 0)
		return rc;
	if (bl__proc_sched_of(pc->r, *pid) == NULL || !bl_pid_alive(pc->r->set, *pid)) {
		char b[48];

		bl_pid_format(*pid, b, sizeof(b));
		bl_err_set(a->err, a->errlen, "no process %s", b);
		return -ENOENT;
	}
	return 0;
}

static int send_exit(struct bl_proc_cmds *pc, uint64_t pid, struct bl_reason reason, json_t *reply,
		     char *errmsg, size_t errlen)
{
	int rc = bl_sched_kill_on(bl__proc_sched_of(pc->r, pid), pid, reason);

	if (rc != 0) {
		bl_err_set(errmsg, errlen, "cannot signal the process: %s", strerror(-rc));
		return rc;
	}
	json_object_set_new(reply, "pid", bl__pid_json(pid));
	json_object_set_new(reply, "reason",
			    json_string(reason.code == BL_EXIT_ERROR && reason.text != NULL
					    ? reason.text
					    : bl_exit_code_names[reason.code]));
	return 0;
}

static int cmd_kill(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "target", NULL };
	struct bl_args a;
	uint64_t pid;
	int rc = bl_args_open_request(&a, req, fields, errmsg, errlen);

	if (rc == 0)
		rc = bl__proc_target_pid(arg, &a, &pid);
	if (rc != 0)
		return rc;
	return send_exit(arg, pid, bl_reason_make(BL_EXIT_KILL), reply, errmsg, errlen);
}

static int cmd_exit(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "target", "reason", NULL };
	struct bl_reason reason;
	const char *why;
	struct bl_args a;
	uint64_t pid;
	int rc = bl_args_open_request(&a, req, fields, errmsg, errlen);

	if (rc == 0)
		rc = bl__proc_target_pid(arg, &a, &pid);
	if (rc == 0)
		rc = bl_args_str(&a, "reason", BL_ARG_REQUIRED, NULL, 1, 64, &why);
	if (rc != 0)
		return rc;
	if (strcmp(why, "normal") == 0)
		reason = bl_reason_make(BL_EXIT_NORMAL);
	else if (strcmp(why, "shutdown") == 0)
		reason = bl_reason_make(BL_EXIT_SHUTDOWN);
	else if (strcmp(why, "kill") == 0)
		reason = bl_reason_make(BL_EXIT_KILL);
	else
		reason = bl_reason_error(0, reason_intern(why));
	return send_exit(arg, pid, reason, reply, errmsg, errlen);
}

/* ---- groups ---- */

static int cmd_group_change(struct bl_proc_cmds *pc, json_t *req, json_t *reply, char *errmsg,
			    size_t errlen, bool join)
{
	static const char *const fields[] = { "group", "target", NULL };
	const char *g, *t;
	struct bl_args a;
	uint64_t pid;
	int rc;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_name(&a, "group", BL_ARG_REQUIRED, &g) != 0)
		return -EINVAL;
	/* A process may leave after it died: only a join needs it alive. */
	if (join)
		rc = bl__proc_target_pid(pc, &a, &pid);
	else if ((rc = bl_args_str(&a, "target", BL_ARG_REQUIRED, NULL, 0, 0, &t)) == 0)
		rc = bl_pid_resolve(pc->r, t, &pid, errmsg, errlen);
	if (rc != 0)
		return rc;
	rc = join ? bl_group_join(pc->r->groups, g, pid) : bl_group_leave(pc->r->groups, g, pid);
	if (rc != 0) {
		bl_err_set(errmsg, errlen, "%s group '%s': %s",
			   join ? "cannot join" : "cannot leave", g,
			   rc == -EEXIST   ? "already a member"
			   : rc == -ENOENT ? "not a member"
			   : rc == -ENOSPC ? "full"
					   : strerror(-rc));
		return rc;
	}
	json_object_set_new(reply, "group", json_string(g));
	json_object_set_new(reply, "pid", bl__pid_json(pid));
	return 0;
}

static int cmd_group_join(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	return cmd_group_change(arg, req, reply, errmsg, errlen, true);
}

static int cmd_group_leave(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	return cmd_group_change(arg, req, reply, errmsg, errlen, false);
}

static int group_row(void *arg, const struct bl_group *g)
{
	const struct bl_members *m = bl_group_members(g);
	json_t *pids = json_array();

	for (uint32_t i = 0; m != NULL && i < m->n && i < 16; i++)
		json_array_append_new(pids, bl__pid_json(m->pid[i]));
	json_array_append_new(arg,
			      json_pack("{s:s, s:i, s:I, s:I, s:o}", "group", g->name, "members",
					m != NULL ? m->n : 0, "joins", (json_int_t)g->joins,
					"leaves", (json_int_t)g->leaves, "first_members", pids));
	return 0;
}

static int cmd_group_list(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_proc_cmds *pc = arg;
	json_t *a;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	a = json_array();
	bl_groups_foreach(pc->r->groups, group_row, a);
	json_object_set_new(reply, "groups", a);
	return 0;
}

/* ---- registration and periodic work ---- */

BL_ONLINE(cmd_kill)
BL_ONLINE(cmd_exit)
BL_ONLINE(cmd_group_join)
BL_ONLINE(cmd_group_leave)
BL_ONLINE(cmd_group_list)

int bl_proc_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc)
{
	static const struct {
		const char *name;
		bl_ctl_handler fn;
		const char *help;
	} cmds[] = {
		{ "kill", cmd_kill_online, "kill a process (untrappable)" },
		{ "exit", cmd_exit_online, "send a process an exit signal with a reason" },
		{ "group.join", cmd_group_join_online, "add a process to a group" },
		{ "group.leave", cmd_group_leave_online, "remove a process from a group" },
		{ "group.list", cmd_group_list_online, "groups and their members" },
	};
	int ret;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ret = bl_ctl_register(c, cmds[i].name, cmds[i].fn, pc, cmds[i].help);
		if (ret != 0)
			return ret;
	}
	ret = bl__spawn_cmds_register(c, pc);
	if (ret == 0)
		ret = bl__proc_info_cmds_register(c, pc);
	if (ret == 0)
		ret = bl__latency_cmds_register(c, pc);
	if (ret == 0)
		ret = bl__call_cmds_register(c, pc);
	if (ret == 0)
		ret = bl__table_cmds_register(c, pc);
	return ret;
}

/* For the registry's sweep: has pid exited? */
static int name_dead(void *set, uint64_t pid)
{
	return !bl_pid_alive(set, pid);
}

/* The CPU time the worker's thread has used, in ns (0 if it cannot be read). */
static uint64_t worker_cpu_ns(const struct bl_lcore *lc)
{
	struct timespec ts;

	if (lc->cpu_clock == (clockid_t)-1 || clock_gettime(lc->cpu_clock, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The worker thread's scheduler state from /proc: 'R' running or waiting
 * for a CPU, 'S' or 'D' asleep or blocked in the kernel, ... 0 if unknown.
 */
static char worker_state(const struct bl_lcore *lc)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)lc->tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name in parentheses may hold anything */
	return p != NULL && p[1] == ' ' ? p[2] : 0;
}

/*
 * Design: a worker is stalled when its loop count stands still for the
 * limit while the worker could have run: it had CPU time (a quarter of the
 * limit or more since its last loop, where a loop takes microseconds: stuck
 * in some long piece of work) or it sat blocked in the kernel. A worker
 * that stands still because another task holds its CPU (its thread
 * runnable, with little CPU time: the OS preempted it, as on a machine whose
 * worker CPUs are not isolated) is not stalled by anything of ours, and its
 * report would be noise: such an episode is counted as a preemption, and
 * checked again each limit (CPU time it gets meanwhile still adds up). That
 * was the spurious "lcore 1 stalled" at start-up: what starts with the
 * daemon (beamctl, the shell, other jobs) took the worker's CPU for tens of
 * ms, and the wall clock alone blamed the lcore. The limit is at least twice
 * the longest idle sleep and twice the processes' slice, which a worker
 * may legitimately take in one loop.
 */
static void stall_check(struct bl_proc_cmds *pc, uint64_t now)
{
	struct bl_router *r = pc->r;
	uint64_t limit = pc->stall_ms ? pc->stall_ms : BL_STALL_MS_DEFAULT;
	uint64_t sleep_ms = (r->conf.idle_sleep_us + 999) / 1000;
	uint64_t slice_ms = (r->conf.proc_slice_us + 999) / 1000;

	if (!r->running)
		return;
	if (limit < 2 * sleep_ms)
		limit = 2 * sleep_ms;
	if (limit < 2 * slice_ms)
		limit = 2 * slice_ms;
	for (unsigned i = 0; i < r->n_workers; i++) {
		const struct bl_lcore *lc = r->workers[i];
		enum bl__stall_verdict v;
		uint64_t loops, cpu, ran_ms;

		/* Pairs with the release store in bl_lcore_main: tid and clock are set. */
		if (!__atomic_load_n(&lc->started, __ATOMIC_ACQUIRE))
			continue; /* not looping yet: nothing to measure */
		loops = bl_stat_read(&lc->st.loops);
		if (loops != pc->loops_seen[i] || pc->loops_at_ms[i] == 0) {
			if (pc->stalled[i])
				fprintf(stderr, "beamline: lcore %u runs again after %llu ms\n",
					lc->lcore_id,
					(unsigned long long)(now - pc->loops_at_ms[i]));
			pc->loops_seen[i] = loops;
			pc->loops_at_ms[i] = now;
			pc->loops_cpu_ns[i] = worker_cpu_ns(lc);
			pc->check_ms[i] = now;
			pc->stalled[i] = 0;
			pc->preempted[i] = 0;
			continue;
		}
		if (pc->stalled[i] || now - pc->check_ms[i] < limit)
			continue;
		pc->check_ms[i] = now;
		cpu = worker_cpu_ns(lc);
		ran_ms = cpu > pc->loops_cpu_ns[i] ? (cpu - pc->loops_cpu_ns[i]) / 1000000u : 0;
		v = bl__stall_verdict(ran_ms, limit, cpu != 0, worker_state(lc));
		if (v == BL__STALL_PREEMPTED) {
			if (!pc->preempted[i])
				pc->preemptions[i]++;
			pc->preempted[i] = 1;
			continue;
		}
		pc->stalled[i] = 1;
		pc->stalls[i]++;
		fprintf(stderr, "beamline: lcore %u stalled: no poll loop for %llu ms (%s)\n",
			lc->lcore_id, (unsigned long long)(now - pc->loops_at_ms[i]),
			v == BL__STALL_BUSY ? "busy on its CPU" : "blocked in the kernel");
	}
}

enum bl__stall_verdict bl__stall_verdict(uint64_t ran_ms, uint64_t limit_ms, bool cpu_known,
					 char state)
{
	if ((cpu_known && 4 * ran_ms >= limit_ms) || state == 0)
		return BL__STALL_BUSY;
	if (state == 'R')
		return cpu_known ? BL__STALL_PREEMPTED : BL__STALL_BUSY;
	return BL__STALL_BLOCKED;
}

unsigned bl_proc_cmds_tick(struct bl_proc_cmds *pc)
{
	uint64_t now = mono_ms();
	unsigned work = 0, w, i;

	rcu_thread_online();
	/* Run until idle or 2 ms: mail from the workers must not pile up in rings. */
	for (i = 0; i < 4096; i++) {
		w = bl_router_run_ctl(pc->r);
		work += w;
		if (w == 0 || (i % 16 == 15 && mono_ms() - now >= 2))
			break;
	}
	if (pc->crash_log != NULL)
		bl_crash_drain(pc->crash_log, pc->r->set);
	if (now - pc->last_sweep_ms >= 1000) {
		pc->swept += bl_groups_sweep(pc->r->groups, pc->r->set);
		pc->names_swept += bl_registry_sweep(pc->r->registry, name_dead, pc->r->set);
		pc->last_sweep_ms = now;
	}
	rcu_thread_offline();
	stall_check(pc, now);
	return work;
}
