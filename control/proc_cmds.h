/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control commands for processes: spawn, kill, exit, info, ps, memory,
 * lcores, group join/leave/list; and the control thread's periodic work
 * for the runtime (its own scheduler, group sweeps, stall detection).
 * spawn's argument decoding, which supervision shares, is control/spawn_cmds.h.
 *
 * Everything here runs on the control thread. Requests that need a look
 * inside a worker lcore go through that lcore's command ring
 * (bl_sched_exec) while the router runs, and are done directly before it
 * starts (the control thread owns every scheduler until then).
 */
#ifndef BL_PROC_CMDS_H
#define BL_PROC_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "actors/crash.h"
#include "actors/proc.h"
#include "control/ctl.h"
#include "dataplane/router.h"

#define BL_PROC_EXEC_TIMEOUT_MS 2000u /* longest wait for a worker lcore to answer */
#define BL_STALL_MS_DEFAULT	100u  /* a worker with no loop for this long is stalled */

#define BL_CTL_CALLS	    64u	   /* calls from the socket waiting for their answers */
#define BL_CTL_CALL_DATA    1024u  /* bytes of a call's request or answer kept */
#define BL_CTL_CALL_KEEP_MS 60000u /* an answer nobody asked for is dropped after */

/* A call made from the control socket (control/call_cmds.c). */
struct bl_ctl_call {
	uint32_t id;
	uint8_t state; /* free, pending, done */
	bool truncated;
	uint32_t status; /* enum bl_call_status */
	uint64_t target;
	uint64_t from;
	uint64_t key;
	uint64_t started_us, done_us; /* CLOCK_MONOTONIC, µs */
	struct bl_reason reason;
	uint32_t len;
	uint8_t data[BL_CTL_CALL_DATA];
};

struct bl_proc_cmds {
	struct bl_router *r;
	uint32_t stall_ms; /* 0: BL_STALL_MS_DEFAULT */
	/* Control-thread state of the periodic work. */
	uint64_t last_sweep_ms;
	uint64_t loops_seen[BL_MAX_WORKERS];
	uint64_t loops_at_ms[BL_MAX_WORKERS];  /* when loops_seen was first seen, */
	uint64_t loops_cpu_ns[BL_MAX_WORKERS]; /* and the worker's CPU time then */
	uint64_t check_ms[BL_MAX_WORKERS];     /* the last verdict (or loops_at_ms) */
	uint8_t stalled[BL_MAX_WORKERS];
	uint8_t preempted[BL_MAX_WORKERS];
	uint64_t stalls[BL_MAX_WORKERS];      /* stall episodes reported */
	uint64_t preemptions[BL_MAX_WORKERS]; /* episodes without a loop for want of the CPU */
	uint64_t swept;			      /* dead members removed from groups */
	uint64_t names_swept;		      /* names of dead processes removed */
	struct bl_crash_log *crash_log;	      /* drained every tick; may be NULL */
	struct bl_ctl_call calls[BL_CTL_CALLS];
	uint32_t call_seq;
};

/* Register the commands on c. Control thread. 0 or -errno. */
int bl_proc_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc);

/*
 * Periodic work, from the control loop (every few ms at least): run the
 * control thread's scheduler, remove dead members from groups once a
 * second, report stalled lcores (one line on stderr per episode: a worker
 * that ran no poll loop for stall_ms while it had its CPU, or while blocked
 * in the kernel; one that only waited for its CPU, which another task had,
 * is counted as preempted, not reported). Control
 * thread, RCU-offline on entry (it goes online inside). Returns the number
 * of messages the control scheduler handled (non-zero: call again soon).
 */
unsigned bl_proc_cmds_tick(struct bl_proc_cmds *pc);

/*
 * A pid from "<L.S.G>", "L.S.G" or a registered name (RCU-online control
 * thread). Returns 0, -EINVAL (not a pid nor a name), -ENOENT (no such
 * name), with a message in err.
 */
int bl_pid_resolve(struct bl_router *r, const char *s, uint64_t *pid, char *err, size_t errlen);

#endif /* BL_PROC_CMDS_H */
