/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tasks: work done in a short-lived process of its own, as Elixir's Task.
 *
 * A long-lived process that does heavy work in its own handlers keeps the
 * heap that work grew (its chunks stay its own until it hibernates or
 * exits). A task does the work in a process that exits when it is done, so
 * its whole heap goes back at once; the caller only ever holds the result.
 *
 * A task is a call: bl_task_start spawns the task on the caller's lcore and
 * calls it with the job, so its answer comes to the caller's handle_reply
 * like any call's (BL_CALL_OK with the task's result; BL_CALL_TIMEOUT, and
 * the task is killed: a per-job timeout; BL_CALL_NOPROC with the reason
 * when the task crashed, or returned without a result). The task is
 * monitored through the call, never linked: a crash reaches the caller as
 * an answer, not as an exit signal.
 *
 * bl_task_stream runs n jobs with at most k tasks at once, each with its
 * own timeout, and gives their results in job order or as they finish
 * (Task.async_stream's max_concurrency, ordered and timeout). Handler API:
 * the calling process's own lcore, inside a callback.
 */
#ifndef BL_ACTORS_TASK_H
#define BL_ACTORS_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "actors/proc.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A task's work: runs in the task's first turn, in the task's own heap,
 * with the job as a call message. It answers with bl_reply(c, job, ...);
 * the task exits when fn returns.
 */
typedef void (*bl_task_fn)(struct bl_ctx *c, const struct bl_msg *job);

/*
 * Start fn as a task on this lcore with the job (key and len bytes; any
 * length). Returns the call's reference (never 0), or 0 with errno set (the
 * spawn's or bl_call's). timeout_ms as for bl_call; when it passes, the
 * task is killed.
 */
uint64_t bl_task_start(struct bl_ctx *c, bl_task_fn fn, uint64_t key, const void *data,
		       uint32_t len, uint32_t timeout_ms);

/* One job of a stream: its key and bytes (copied at the start). */
struct bl_task_job {
	uint64_t key;
	const void *data;
	uint32_t len;
};

/* One job's result, given to the stream's on_result. data: valid during
 * the callback only. */
struct bl_task_result {
	uint32_t job;	 /* its index in the jobs given */
	uint32_t status; /* enum bl_call_status */
	struct bl_reason reason;
	uint64_t key; /* BL_CALL_OK: the result's key, data and len */
	const void *data;
	uint32_t len;
};

struct bl_task_stream;

typedef void (*bl_task_result_fn)(struct bl_ctx *c, const struct bl_task_result *r);

/*
 * Run fn over n jobs, at most k tasks at once (k 0: 1), each with
 * timeout_ms. Results go to on_result in job order when `ordered` (a
 * result that comes early is copied into the caller's heap until its turn),
 * else as they come. The caller's handle_reply must hand every answer to
 * bl_task_stream_reply first. Returns the stream (in the caller's heap), or
 * NULL with errno set (EINVAL, ENOMEM, or the first task's failure).
 */
struct bl_task_stream *bl_task_stream_start(struct bl_ctx *c, bl_task_fn fn,
					    const struct bl_task_job *jobs, uint32_t n, uint32_t k,
					    uint32_t timeout_ms, bool ordered,
					    bl_task_result_fn on_result);

/*
 * Give the stream an answer from handle_reply: true when it was one of the
 * stream's (handled: results given, the next tasks started), false when it
 * belongs to something else. A task that cannot be started is given as a
 * result with status BL_CALL_NOPROC and reason noproc.
 */
bool bl_task_stream_reply(struct bl_ctx *c, struct bl_task_stream *st, const struct bl_reply *r);

/* Every result given? Then free it (bl_task_stream_free), or it is freed
 * with the caller's heap. */
bool bl_task_stream_done(const struct bl_task_stream *st);

/* Free the stream (tasks still running are killed; their answers come as
 * late ones, not to on_result). */
void bl_task_stream_free(struct bl_ctx *c, struct bl_task_stream *st);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_TASK_H */
