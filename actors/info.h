/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process info and per-lcore totals, for `beamctl ps / info / top / memory`.
 *
 * Per-process info is read on the owner lcore only: from another thread
 * bl_sched_ps sends a request through the lcore's command ring and the lcore
 * fills the answer between two turns, so every record is a consistent
 * snapshot of one process (no torn reads of a process being torn down).
 * Per-lcore totals are counters the owner updates and anyone reads with
 * relaxed loads: racy but safe, each value is a recent one.
 */
#ifndef BL_ACTORS_INFO_H
#define BL_ACTORS_INFO_H

#include <stdint.h>

#include "actors/sched.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bl_proc_info {
	uint64_t pid;
	const char *behaviour; /* the behaviour's static name */
	const char *version;   /* its version (a catalog copy's), or NULL */
	uint64_t reductions;   /* messages handled */
	uint32_t lcore;
	uint32_t status; /* enum bl_proc_status */
	uint32_t heap_bytes;
	uint32_t heap_chunks;
	uint32_t pinned_bytes; /* mbuf buffers held through binaries */
	uint32_t mailbox_len;
	uint32_t mailbox_limit;
	uint32_t drops; /* mailbox overflow drops */
	uint16_t links;
	uint16_t monitors;     /* processes it monitors */
	uint16_t monitored_by; /* processes monitoring it */
	uint16_t trap_exit;
};

struct bl_sched_totals {
	uint32_t lcore;
	uint32_t procs;
	uint64_t heap_bytes; /* chunks handed out + big blocks */
	uint64_t bin_bytes;  /* pinned mbuf buffer bytes */
	uint64_t mailbox_msgs;
	uint64_t handled;
	uint64_t spawned;
	uint64_t exited;
	uint32_t chunks_in_use;
	uint32_t chunks_total;
	uint32_t msgs_in_use;
	uint32_t msgs_total;
	uint64_t drops[BL_SDROP_MAX];
	uint64_t flow_pauses;  /* senders stopped by a full block mailbox */
	uint64_t flow_resumes; /* block mailboxes drained, their senders let go */
	uint64_t wire_pauses;  /* PAUSE sent to sources on the wire */
	uint64_t wire_resumes; /* RESUME sent to them */
};

/* Info of a live pid on s. Owner. 0 or -ESRCH. */
int bl_proc_info_get(struct bl_sched *s, uint64_t pid, struct bl_proc_info *out);

/*
 * Call cb for every live process of s, in slot order, until cb returns
 * non-zero. Owner. Returns the number of processes visited.
 */
unsigned bl_sched_foreach(struct bl_sched *s, int (*cb)(const struct bl_proc_info *info, void *arg),
			  void *arg);

/*
 * Snapshot of up to max processes of s into out, from any thread but the
 * owner (through the command ring; waits at most timeout_ms, 0 = forever).
 * *n gets the number written, *total the number of live processes.
 * Returns 0 or -errno (see bl_sched_exec).
 */
int bl_sched_ps(struct bl_sched *s, struct bl_proc_info *out, unsigned max, unsigned *n,
		unsigned *total, unsigned timeout_ms);

/*
 * Info of one pid of s from any thread but the owner (command ring, waits at
 * most timeout_ms, 0 = forever). Returns 0, -ESRCH, or bl_sched_exec's errors.
 */
int bl_sched_proc_info(struct bl_sched *s, uint64_t pid, struct bl_proc_info *out,
		       unsigned timeout_ms);

/* Totals of s. Any thread (relaxed reads of the owner's counters). */
void bl_sched_totals(const struct bl_sched *s, struct bl_sched_totals *t);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_INFO_H */
