/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tasks and task streams (see task.h). A task is a process of the task
 * behaviour: its state is the function; its one message is the call that
 * bl_task_start makes; it runs the function on it and exits normally.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "actors/internal.h"
#include "actors/task.h"

/* The state is the function itself: a task takes no heap of its own until
 * its function allocates (POSIX lets a function pointer go through void *). */
static_assert(sizeof(bl_task_fn) == sizeof(void *), "a task's state is its function");

static int task_init(struct bl_ctx *c, void *arg)
{
	void *fn;

	memcpy(&fn, arg, sizeof(fn));
	bl_set_state(c, fn);
	return 0;
}

static void task_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	void *state = bl_state(c);
	bl_task_fn fn;

	if (m->type != BL_MSG_CALL)
		return; /* a task answers its job only */
	memcpy(&fn, &state, sizeof(fn));
	fn(c, m);
	bl_exit(c, bl_reason_make(BL_EXIT_NORMAL));
}

static const struct bl_behaviour task_behaviour = {
	.name = "task",
	.init = task_init,
	.handle_message = task_msg,
};

uint64_t bl_task_start(struct bl_ctx *c, bl_task_fn fn, uint64_t key, const void *data,
		       uint32_t len, uint32_t timeout_ms)
{
	struct bl_xmsg x;
	uint64_t pid, ref;
	int err;

	if (fn == NULL) {
		errno = EINVAL;
		return 0;
	}
	pid = bl_proc_spawn(c->s, &task_behaviour, &fn, NULL);
	if (pid == BL_PID_NONE)
		return 0;
	ref = bl__call_start(c, pid, key, data, len, timeout_ms, true);
	if (ref != 0)
		return ref;
	err = errno;
	bl__xmsg_init(&x, BL_X_EXIT_SIGNAL, pid, c->p->pid, 0);
	bl__xmsg_set_reason(&x, bl_reason_make(BL_EXIT_KILL));
	bl__signal(c->s, &x); /* never called: it goes */
	errno = err;
	return 0;
}

/* --- streams --- */

/* A job: its bytes (in the stream's block) and, once started, its call. */
struct stream_job {
	uint64_t key;
	uint32_t off, len; /* of its bytes in st->bytes */
	uint64_t ref;	   /* 0: not started, or answered */
	uint8_t state;	   /* waiting, running, held (answered early), given */
	uint8_t pad[3];
	uint32_t status;
	struct bl_reason reason;
	uint64_t rkey;
	uint8_t *rdata; /* a held result's bytes (heap), or NULL */
	uint32_t rlen;
};

enum { JOB_WAITING = 0, JOB_RUNNING, JOB_HELD, JOB_GIVEN };

struct bl_task_stream {
	bl_task_fn fn;
	bl_task_result_fn on_result;
	uint32_t n, k, timeout_ms;
	uint32_t next_start; /* the first job not started */
	uint32_t next_give;  /* ordered: the first job not given */
	uint32_t running;
	uint32_t given;
	bool ordered;
	size_t size; /* of this block: header, jobs, bytes */
	uint8_t *bytes;
	struct stream_job job[];
};

static void give(struct bl_ctx *c, struct bl_task_stream *st, uint32_t i, uint32_t status,
		 struct bl_reason reason, uint64_t key, const void *data, uint32_t len)
{
	struct bl_task_result r = { i, status, reason, key, data, len };

	st->job[i].state = JOB_GIVEN;
	st->given++;
	st->on_result(c, &r);
}

/* Start jobs while fewer than k run. A job that cannot start is given as
 * noproc (or held, when ordered and not its turn). */
static void stream_fill(struct bl_ctx *c, struct bl_task_stream *st)
{
	while (st->running < st->k && st->next_start < st->n) {
		uint32_t i = st->next_start++;
		struct stream_job *j = &st->job[i];

		j->ref =
		    bl_task_start(c, st->fn, j->key, st->bytes + j->off, j->len, st->timeout_ms);
		if (j->ref != 0) {
			j->state = JOB_RUNNING;
			st->running++;
			continue;
		}
		j->status = BL_CALL_NOPROC;
		j->reason = bl_reason_make(BL_EXIT_NOPROC);
		j->state = JOB_HELD;
	}
}

/* Ordered: give every held result whose turn has come. Unordered: every
 * held one (only failures to start are held). */
static void stream_flush(struct bl_ctx *c, struct bl_task_stream *st)
{
	uint32_t i;

	if (!st->ordered) {
		for (i = 0; i < st->next_start; i++)
			if (st->job[i].state == JOB_HELD)
				give(c, st, i, st->job[i].status, st->job[i].reason, 0, NULL, 0);
		return;
	}
	for (; st->next_give < st->n; st->next_give++) {
		struct stream_job *j = &st->job[st->next_give];

		if (j->state == JOB_HELD) {
			give(c, st, st->next_give, j->status, j->reason, j->rkey, j->rdata,
			     j->rlen);
			if (j->rdata != NULL)
				bl_free(c, j->rdata, j->rlen);
			j->rdata = NULL;
		} else if (j->state != JOB_GIVEN) {
			break;
		}
	}
}

struct bl_task_stream *bl_task_stream_start(struct bl_ctx *c, bl_task_fn fn,
					    const struct bl_task_job *jobs, uint32_t n, uint32_t k,
					    uint32_t timeout_ms, bool ordered,
					    bl_task_result_fn on_result)
{
	struct bl_task_stream *st;
	size_t bytes = 0, size;
	uint32_t i, off = 0;

	if (fn == NULL || on_result == NULL || (jobs == NULL && n != 0)) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (jobs[i].data == NULL && jobs[i].len != 0) {
			errno = EINVAL;
			return NULL;
		}
		bytes += jobs[i].len;
	}
	size = sizeof(*st) + (size_t)n * sizeof(st->job[0]) + bytes;
	if (bytes > UINT32_MAX || size > UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	st = bl_alloc(c, size);
	if (st == NULL)
		return NULL;
	memset(st, 0, sizeof(*st) + (size_t)n * sizeof(st->job[0]));
	st->fn = fn;
	st->on_result = on_result;
	st->n = n;
	st->k = k != 0 ? k : 1;
	st->timeout_ms = timeout_ms;
	st->ordered = ordered;
	st->size = size;
	st->bytes = (uint8_t *)&st->job[n];
	for (i = 0; i < n; i++) {
		st->job[i].key = jobs[i].key;
		st->job[i].off = off;
		st->job[i].len = jobs[i].len;
		if (jobs[i].len != 0)
			memcpy(st->bytes + off, jobs[i].data, jobs[i].len);
		off += jobs[i].len;
	}
	stream_fill(c, st);
	stream_flush(c, st);
	return st;
}

bool bl_task_stream_reply(struct bl_ctx *c, struct bl_task_stream *st, const struct bl_reply *r)
{
	struct stream_job *j = NULL;
	uint32_t i;

	for (i = 0; i < st->next_start && j == NULL; i++)
		if (st->job[i].state == JOB_RUNNING && st->job[i].ref == r->ref)
			j = &st->job[i];
	if (j == NULL)
		return false;
	i = (uint32_t)(j - st->job);
	j->ref = 0;
	st->running--;
	if (!st->ordered || i == st->next_give) {
		if (r->m != NULL)
			give(c, st, i, r->status, r->reason, r->m->key, bl_msg_data(r->m),
			     bl_msg_len(r->m));
		else
			give(c, st, i, r->status, r->reason, 0, NULL, 0);
	} else {
		/* Early: kept until the jobs before it are given. */
		j->status = r->status;
		j->reason = r->reason;
		j->state = JOB_HELD;
		if (r->m != NULL) {
			j->rkey = r->m->key;
			j->rlen = bl_msg_len(r->m);
			j->rdata = j->rlen != 0 ? bl_alloc(c, j->rlen) : NULL;
			if (j->rlen != 0 && j->rdata == NULL) {
				/* No room to keep it: given as lost, never silently. */
				j->status = BL_CALL_NOPROC;
				j->reason = bl_reason_make(BL_EXIT_HEAP_LIMIT);
				j->rlen = 0;
			} else if (j->rlen != 0) {
				memcpy(j->rdata, bl_msg_data(r->m), j->rlen);
			}
		}
	}
	stream_fill(c, st);
	stream_flush(c, st);
	return true;
}

bool bl_task_stream_done(const struct bl_task_stream *st)
{
	return st->given == st->n;
}

void bl_task_stream_free(struct bl_ctx *c, struct bl_task_stream *st)
{
	uint32_t i;

	for (i = 0; i < st->next_start; i++) {
		struct stream_job *j = &st->job[i];
		struct bl_peer e;

		if (j->state == JOB_RUNNING &&
		    bl__peer_del_tag(c->s, c->p, BL_PEER_CALLING, BL_PID_NONE, (uint32_t)j->ref,
				     &e)) {
			struct bl_xmsg x;

			bl__xmsg_init(&x, BL_X_EXIT_SIGNAL, e.pid, c->p->pid, 0);
			bl__xmsg_set_reason(&x, bl_reason_make(BL_EXIT_KILL));
			bl__signal(c->s, &x);
			bl__call_abandon(c->s, c->p, &e);
		}
		if (j->rdata != NULL)
			bl_free(c, j->rdata, j->rlen);
	}
	bl_free(c, st, st->size);
}
