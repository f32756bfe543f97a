/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crash reports: what a process was doing when it died abnormally.
 *
 * When a process exits with any reason but normal and a plain shutdown, its
 * lcore writes a struct bl_crash into its crash ring (one single-producer /
 * single-consumer rte_ring per scheduler: the lcore produces, the control
 * thread consumes; no lock). A shutdown that carries a text is recorded too:
 * that is a supervisor giving up ("reached_max_restart_intensity"). A full
 * ring loses the record and counts it (crash_dropped on the lcore), never
 * silently.
 *
 * The control thread calls bl_crash_drain in its loop; records go into a
 * bounded log (a ring buffer of `capacity` entries, the oldest overwritten
 * and counted). Each entry gets a sequence number, so a reader can ask for
 * what is new since the last entry it saw.
 *
 * Names: a record carries the behaviour's name; the registered name (or,
 * without one, the child id) is added by the supervisor of the process when
 * it handles the exit (bl_crash_annotate). A process no supervisor watches
 * keeps an empty name. Names are resolved then, not at read time, because
 * by the time someone reads the log the name may point at the restarted pid.
 */
#ifndef BL_ACTORS_CRASH_H
#define BL_ACTORS_CRASH_H

#include <assert.h>
#include <stdint.h>

#include "actors/registry.h"
#include "actors/sched.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BL_CRASH_F_KEY 0x1u /* key is the message being handled (or last handled) */

/* One record, as it travels through the crash ring: 64 bytes. */
struct bl_crash {
	uint64_t pid;
	uint64_t key;	       /* valid with BL_CRASH_F_KEY */
	uint64_t reductions;   /* messages handled */
	const char *behaviour; /* the behaviour's static name */
	const char *text;      /* reason text (static), or NULL; in the log: its copy */
	uint32_t heap_bytes;   /* heap held at exit */
	uint32_t pinned_bytes; /* mbuf buffers pinned through binaries at exit */
	uint32_t lcore;
	uint32_t time_ms; /* the lcore's millisecond clock */
	uint16_t code;	  /* enum bl_exit_code */
	uint16_t detail;
	uint16_t flags; /* BL_CRASH_F_* */
	uint16_t pad;
};

static_assert(sizeof(struct bl_crash) == 64, "a crash record is one cache line");

/* A record in the log. */
struct bl_crash_entry {
	uint64_t seq;		/* 1, 2, ... in drain order */
	struct bl_crash rec;	/* rec.text points at text (or is NULL) */
	char name[BL_NAME_MAX]; /* registered name or child id; "" if none */
	char text[48];		/* the reason text, copied when drained (a module may go) */
};

struct bl_crash_stats {
	uint64_t recorded;    /* written by the lcores (sum over the set) */
	uint64_t dropped;     /* lost: a crash ring was full (sum over the set) */
	uint64_t logged;      /* drained into the log */
	uint64_t overwritten; /* pushed out of the log by newer ones */
	uint32_t in_log;      /* entries readable now */
	uint32_t capacity;
};

struct bl_crash_log;

/*
 * A log of at most capacity entries (1..65536). Control thread. NULL and
 * errno (EINVAL, ENOMEM). Freed with bl_crash_log_destroy.
 */
struct bl_crash_log *bl_crash_log_create(uint32_t capacity);
void bl_crash_log_destroy(struct bl_crash_log *log);

/*
 * Move every record waiting in the crash rings of set's schedulers into the
 * log. Control thread only: it is the single consumer of those rings. Never
 * blocks. Returns the number of records moved.
 */
unsigned bl_crash_drain(struct bl_crash_log *log, struct bl_sched_set *set);

/*
 * Copy up to max entries with seq > after_seq, oldest first, into out.
 * Control thread (the log has no lock). Returns the number copied.
 */
unsigned bl_crash_read(const struct bl_crash_log *log, uint64_t after_seq,
		       struct bl_crash_entry *out, unsigned max);

/*
 * Give the newest record of pid a name (up to BL_NAME_MAX - 1 bytes are
 * kept). Drains set first: the record was written before the exit signal
 * that told the caller about the exit. Control thread. 0, -ENOENT (no
 * record: not a crash, lost to a full ring, or overwritten), -EINVAL.
 */
int bl_crash_annotate(struct bl_crash_log *log, struct bl_sched_set *set, uint64_t pid,
		      const char *name);

/* Counters of the log, and of the lcores of set when set is not NULL. Control thread. */
void bl_crash_stats_get(const struct bl_crash_log *log, const struct bl_sched_set *set,
			struct bl_crash_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_CRASH_H */
