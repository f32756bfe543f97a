/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crash records (see crash.h).
 *
 * Design notes:
 *  - Producer side (bl__crash_record): runs on the owner lcore in the
 *    teardown, only for abnormal exits. It fills one 64-byte record from the
 *    process and the scheduler (the key of the message the process was
 *    handling lives in the scheduler while a handler runs: bl_proc stays at
 *    192 bytes) and enqueues it with the single-producer path of the ring.
 *    A full ring is counted in crash_dropped; the lcore never waits.
 *  - Consumer side: the control thread alone dequeues (single consumer) and
 *    appends to the log, a fixed array used as a ring buffer: entry seq n is
 *    at (n - 1) % capacity. Overwriting the oldest is counted. Nothing here
 *    allocates after the log is created.
 *  - The lcore's counters are written by the owner only and read here with
 *    relaxed loads, as bl_sched_totals does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actors/crash.h"
#include "actors/internal.h"

#define BL_CRASH_LOG_MAX 65536u
#define BL_CRASH_BURST	 32u

struct bl_crash_log {
	uint32_t capacity;
	uint32_t pad;
	uint64_t next_seq; /* seq of the next entry; entries [first, next_seq) are readable */
	uint64_t overwritten;
	struct bl_crash_entry *e;
};

void bl__crash_record(struct bl_sched *s, const struct bl_proc *p, struct bl_reason reason)
{
	struct bl_crash c;

	memset(&c, 0, sizeof(c));
	c.pid = p->pid;
	if (s->cur_proc == p) {
		c.key = s->cur_key;
		c.flags |= BL_CRASH_F_KEY;
	}
	c.reductions = p->reductions;
	c.behaviour = p->beh != NULL ? p->beh->name : NULL;
	c.text = reason.text;
	c.heap_bytes = p->heap.bytes;
	c.pinned_bytes = p->pinned_bytes;
	c.lcore = s->lcore;
	c.time_ms = bl__now(s);
	c.code = reason.code;
	c.detail = reason.detail;
	/* Counters are the owner's; relaxed stores for the control thread's reads. */
	if (rte_ring_sp_enqueue_elem(s->crash, &c, sizeof(c)) != 0)
		__atomic_store_n(&s->crash_dropped, s->crash_dropped + 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&s->crashes, s->crashes + 1, __ATOMIC_RELAXED);
}

struct bl_crash_log *bl_crash_log_create(uint32_t capacity)
{
	struct bl_crash_log *log;

	if (capacity == 0 || capacity > BL_CRASH_LOG_MAX) {
		errno = EINVAL;
		return NULL;
	}
	log = (struct bl_crash_log *)calloc(1, sizeof(*log));
	if (log == NULL)
		return NULL;
	log->e = (struct bl_crash_entry *)calloc(capacity, sizeof(*log->e));
	if (log->e == NULL) {
		free(log);
		errno = ENOMEM;
		return NULL;
	}
	log->capacity = capacity;
	log->next_seq = 1;
	return log;
}

void bl_crash_log_destroy(struct bl_crash_log *log)
{
	if (log == NULL)
		return;
	free(log->e);
	free(log);
}

static uint64_t first_seq(const struct bl_crash_log *log)
{
	uint64_t n = log->next_seq - 1;

	return n > log->capacity ? log->next_seq - log->capacity : 1;
}

static struct bl_crash_entry *entry_at(const struct bl_crash_log *log, uint64_t seq)
{
	return &log->e[(seq - 1) % log->capacity];
}

static void log_append(struct bl_crash_log *log, const struct bl_crash *c)
{
	struct bl_crash_entry *e = entry_at(log, log->next_seq);

	if (log->next_seq > log->capacity)
		log->overwritten++;
	e->seq = log->next_seq++;
	e->rec = *c;
	e->name[0] = '\0';
	/* The text may be a module's: keep a copy, the module may be unloaded. */
	e->text[0] = '\0';
	if (c->text != NULL)
		snprintf(e->text, sizeof(e->text), "%s", c->text);
	e->rec.text = c->text != NULL ? e->text : NULL;
}

unsigned bl_crash_drain(struct bl_crash_log *log, struct bl_sched_set *set)
{
	struct bl_crash cs[BL_CRASH_BURST];
	unsigned total = 0, i, n, k;

	if (log == NULL || set == NULL)
		return 0;
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		struct bl_sched *s = set->by_idx[i];

		if (s == NULL)
			continue;
		do {
			n = rte_ring_sc_dequeue_burst_elem(s->crash, cs, sizeof(cs[0]),
							   BL_CRASH_BURST, NULL);
			for (k = 0; k < n; k++)
				log_append(log, &cs[k]);
			total += n;
		} while (n == BL_CRASH_BURST);
	}
	return total;
}

unsigned bl_crash_read(const struct bl_crash_log *log, uint64_t after_seq,
		       struct bl_crash_entry *out, unsigned max)
{
	uint64_t seq;
	unsigned n = 0;

	if (log == NULL || out == NULL)
		return 0;
	seq = first_seq(log);
	if (after_seq >= seq)
		seq = after_seq + 1;
	for (; seq < log->next_seq && n < max; seq++, n++) {
		out[n] = *entry_at(log, seq);
		if (out[n].rec.text != NULL)
			out[n].rec.text = out[n].text; /* the caller's own copy */
	}
	return n;
}

int bl_crash_annotate(struct bl_crash_log *log, struct bl_sched_set *set, uint64_t pid,
		      const char *name)
{
	uint64_t seq, first;

	if (log == NULL || name == NULL || pid == BL_PID_NONE)
		return -EINVAL;
	(void)bl_crash_drain(log, set);
	first = first_seq(log);
	for (seq = log->next_seq; seq-- > first;) {
		struct bl_crash_entry *e = entry_at(log, seq);

		if (e->rec.pid != pid)
			continue;
		strncpy(e->name, name, sizeof(e->name) - 1);
		e->name[sizeof(e->name) - 1] = '\0';
		return 0;
	}
	return -ENOENT;
}

void bl_crash_stats_get(const struct bl_crash_log *log, const struct bl_sched_set *set,
			struct bl_crash_stats *st)
{
	unsigned i;

	memset(st, 0, sizeof(*st));
	if (log != NULL) {
		st->logged = log->next_seq - 1;
		st->overwritten = log->overwritten;
		st->in_log = (uint32_t)(log->next_seq - first_seq(log));
		st->capacity = log->capacity;
	}
	if (set == NULL)
		return;
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		const struct bl_sched *s = set->by_idx[i];

		if (s == NULL)
			continue;
		st->recorded += __atomic_load_n(&s->crashes, __ATOMIC_RELAXED);
		st->dropped += __atomic_load_n(&s->crash_dropped, __ATOMIC_RELAXED);
	}
}
