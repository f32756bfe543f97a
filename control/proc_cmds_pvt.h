/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the process commands' files (proc_cmds.c, spawn_cmds.c,
 * proc_info_cmds.c) share and nobody else may use. Control thread.
 */
#ifndef BL_PROC_CMDS_PVT_H
#define BL_PROC_CMDS_PVT_H

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

/* Register spawn (spawn_cmds.c); info, ps, memory, lcores (proc_info_cmds.c);
 * latency (latency_cmds.c). */
int bl__spawn_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc);
int bl__proc_info_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc);
int bl__latency_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc);

#endif /* BL_PROC_CMDS_PVT_H */
