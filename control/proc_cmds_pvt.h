/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the process commands' files (proc_cmds.c, spawn_cmds.c,
 * proc_info_cmds.c) share and nobody else may use. Control thread.
 */
#ifndef BL_PROC_CMDS_PVT_H
#define BL_PROC_CMDS_PVT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "control/args.h"
#include "control/ctl.h"
#include "control/proc_cmds.h"

/* A pid as a JSON string "<L.S.G>". New reference. */
json_t *bl__pid_json(uint64_t pid);

/* "<L.S.G>" or "L.S.G" -> pid. 0 or -EINVAL. */
int bl__pid_parse_text(const char *s, uint64_t *pid);

/*
 * Run fn(s, arg) on the lcore of scheduler s and wait (at most
 * BL_PROC_EXEC_TIMEOUT_MS), or directly when the control thread owns s (the
 * router does not run yet, or s is the control scheduler). 0 or -errno.
 */
int bl__proc_run_on(struct bl_router *r, struct bl_sched *s, void (*fn)(struct bl_sched *, void *),
		    void *arg);

/* The scheduler of the lcore a pid lives on, or NULL. */
struct bl_sched *bl__proc_sched_of(struct bl_router *r, uint64_t pid);

/*
 * The live process the request's "target" (a pid or a registered name)
 * names. 0, -EINVAL, -ENOENT, with the message in a->err. RCU-online.
 */
int bl__proc_target_pid(struct bl_proc_cmds *pc, struct bl_args *a, uint64_t *pid);

/* What stall_ms without a poll loop says about a worker (proc_cmds.c). */
enum bl__stall_verdict {
	BL__STALL_PREEMPTED, /* runnable but kept off its CPU: another task had it */
	BL__STALL_BUSY,	     /* it had CPU time and finished no loop: stuck in some work */
	BL__STALL_BLOCKED,   /* asleep or blocked in the kernel */
};

/*
 * The verdict on a worker that has run no poll loop for at least limit_ms,
 * during which its thread used ran_ms of CPU (cpu_known false: its CPU
 * time could not be read), and whose scheduler state is now `state` ('R'
 * running or runnable, 'S', 'D', ...; 0 if unknown). Busy when it had a
 * quarter of the limit on its CPU (far more than a loop takes); preempted
 * only when that is sure: runnable, with less CPU than that. Pure; any
 * thread.
 */
enum bl__stall_verdict bl__stall_verdict(uint64_t ran_ms, uint64_t limit_ms, bool cpu_known,
					 char state);

/* Register spawn (spawn_cmds.c); info, ps, memory, lcores (proc_info_cmds.c);
 * latency (latency_cmds.c). */
int bl__spawn_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc);
int bl__proc_info_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc);
int bl__latency_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc);
int bl__call_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc);
/* table.list, table.info, table.get (table_cmds.c). */
int bl__table_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc);

#endif /* BL_PROC_CMDS_PVT_H */
