/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tasks (actors/task.c): a result comes back as a call's answer, the task's
 * heap goes at exit, a timeout kills a task that has not run, a crash is an
 * answer; streams keep to k at once, in job order or as they finish. And the
 * reason tasks exist: a long-lived server that does heavy work itself keeps
 * the heap the work grew; the same work in a task leaves the server small.
 */
#include <stdio.h>

#include "actors_test.h"

#define WORK_NODES 2048u /* heavy work: this many 128-byte temporaries ... */
#define WORK_NODE  128u
#define WORK_EVERY 32u /* ... and a 16-byte record kept after every 32nd */
#define WORK_KEPT  (WORK_NODES / WORK_EVERY)

struct record {
	uint64_t key, value;
};

/*
 * The heavy work: temporaries built in the running process's heap, a record
 * kept of every WORK_EVERY-th (the work's result), the temporaries freed.
 * The records sit between the temporaries, so each one keeps its chunk: a
 * result of 1 KB holds on to the chunks of the whole working set. Returns
 * the records (in that heap) in out[].
 */
static void heavy_work(struct bl_ctx *c, uint64_t seed, struct record **out)
{
	uint8_t *node[WORK_NODES];
	unsigned i;

	for (i = 0; i < WORK_NODES; i++) {
		node[i] = bl_alloc(c, WORK_NODE);
		assert_non_null(node[i]);
		memset(node[i], (int)(seed + i), WORK_NODE);
		if (i % WORK_EVERY == 0) {
			struct record *r = bl_alloc(c, sizeof(*r));

			assert_non_null(r);
			r->key = seed;
			r->value = node[i][7] + (uint64_t)i;
			out[i / WORK_EVERY] = r;
		}
	}
	for (i = 0; i < WORK_NODES; i++)
		bl_free(c, node[i], WORK_NODE);
}

/* A task's function: key 5 crashes, key 6 returns without a result, the
 * others do the heavy work and answer key * 2 with the records, packed,
 * as a server that calls it keeps them. */
static void job_fn(struct bl_ctx *c, const struct bl_msg *job)
{
	struct record *rec[WORK_KEPT], packed[WORK_KEPT];
	unsigned i;

	if (job->key == 5) {
		bl_exit(c, bl_reason_error(5, "bad job"));
		return;
	}
	if (job->key == 6)
		return;
	heavy_work(c, job->key, rec);
	for (i = 0; i < WORK_KEPT; i++)
		packed[i] = *rec[i];
	assert_int_equal(bl_reply(c, job, job->key * 2, packed, sizeof(packed)), 0);
}

/* The server: a message with key K does job K, itself (mode 0) or in a task
 * (mode 1); the answers are recorded. A message with key 100 + n runs a
 * stream of n jobs (keys 0..n-1), k at once. */
struct server {
	int mode;
	uint32_t timeout_ms;
	uint32_t k;
	bool ordered;
	unsigned answers;
	struct bl_reply last;
	uint64_t last_key;
	struct record *kept[WORK_KEPT]; /* mode 0: in the heap as the work left them */
	struct record *copy;		/* mode 1: the task's result, one block */
	struct bl_task_stream *stream;
	uint32_t order[32];
	uint32_t status[32];
	unsigned results;
	uint32_t max_live, live0;
	struct bl_sched *s;
};

static int server_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void on_result(struct bl_ctx *c, const struct bl_task_result *r)
{
	struct server *st = bl_state(c);

	st->order[st->results] = r->job;
	st->status[st->results] = r->status;
	st->results++;
	if (r->status == BL_CALL_OK) {
		assert_int_equal(r->key, (uint64_t)r->job * 2);
		assert_int_equal(r->len, sizeof(struct record) * WORK_KEPT);
	}
}

static void server_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct server *st = bl_state(c);

	if (m->key >= 100) {
		struct bl_task_job jobs[32];
		uint32_t i, n = (uint32_t)(m->key - 100);

		for (i = 0; i < n; i++) {
			jobs[i].key = i;
			jobs[i].data = &i;
			jobs[i].len = sizeof(i);
		}
		st->live0 = st->s->n_live;
		st->stream = bl_task_stream_start(c, job_fn, jobs, n, st->k, st->timeout_ms,
						  st->ordered, on_result);
		assert_non_null(st->stream);
		return;
	}
	if (st->mode == 0) {
		heavy_work(c, m->key, st->kept);
		st->answers++;
		return;
	}
	assert_true(bl_task_start(c, job_fn, m->key, NULL, 0, st->timeout_ms) != 0);
}

static void server_reply(struct bl_ctx *c, const struct bl_reply *r)
{
	struct server *st = bl_state(c);

	if (st->stream != NULL) {
		uint32_t live = st->s->n_live - st->live0;

		if (live > st->max_live)
			st->max_live = live;
		assert_true(bl_task_stream_reply(c, st->stream, r));
		if (bl_task_stream_done(st->stream)) {
			bl_task_stream_free(c, st->stream);
			st->stream = NULL;
		}
		return;
	}
	st->answers++;
	st->last = *r;
	st->last.m = NULL;
	if (r->m != NULL) {
		st->last_key = r->m->key;
		st->copy = bl_alloc(c, bl_msg_len(r->m));
		assert_non_null(st->copy);
		memcpy(st->copy, bl_msg_data(r->m), bl_msg_len(r->m));
	}
}

static const struct bl_behaviour server_beh = {
	.name = "server",
	.init = server_init,
	.handle_message = server_msg,
	.handle_reply = server_reply,
};

static uint32_t heap_of(struct bl_sched *s, uint64_t pid)
{
	struct bl_proc *p = bl_proc_lookup(s, pid);

	assert_non_null(p);
	return p->heap.bytes;
}

static void poke(struct bl_sched *s, uint64_t pid, uint64_t key)
{
	assert_int_equal(bl_sched_deliver(s, pid, key, 0, NULL, 0, 0, 0), 0);
}

/* The long-lived server's problem, and the task that fixes it. */
static void test_task_gives_the_heap_back(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct server direct = { .mode = 0, .timeout_ms = 1000, .s = s };
	struct server tasked = { .mode = 1, .timeout_ms = 1000, .s = s };
	uint64_t pd = bl_proc_spawn(s, &server_beh, &direct, NULL);
	uint64_t pt = bl_proc_spawn(s, &server_beh, &tasked, NULL);
	uint32_t d0 = heap_of(s, pd), t0 = heap_of(s, pt), d1, t1;
	uint32_t chunks0 = bl_chunk_pool_in_use(&s->chunks);

	(void)state;
	poke(s, pd, 3);
	poke(s, pt, 3);
	world_settle(s);
	assert_int_equal(direct.answers, 1);
	assert_int_equal(tasked.answers, 1);
	assert_int_equal(tasked.last.status, BL_CALL_OK);
	assert_int_equal(tasked.last_key, 6);
	for (unsigned i = 0; i < WORK_KEPT; i++)
		assert_memory_equal(&tasked.copy[i], direct.kept[i], sizeof(struct record));
	d1 = heap_of(s, pd);
	t1 = heap_of(s, pt);
	/* The same 1 KB of records: the server that did the work itself keeps
	 * the chunks of half its working set, the one with a task one chunk. */
	assert_true(d1 >= WORK_KEPT * s->chunks.chunk_size);
	assert_true(t1 <= t0 + s->chunks.chunk_size);
	assert_int_equal(s->n_live, 2); /* the task is gone */
	printf("task: one job (a %u-byte working set, %zu bytes of result): the server doing it "
	       "itself holds %u -> %u heap bytes, the server with a task %u -> %u; chunks in use "
	       "on the lcore %u -> %u\n",
	       WORK_NODES * WORK_NODE, sizeof(struct record) * WORK_KEPT, d0, d1, t0, t1, chunks0,
	       bl_chunk_pool_in_use(&s->chunks));
	world_free(w);
}

static void test_task_timeout_and_crash(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct server st = { .mode = 1, .timeout_ms = 5, .s = s };
	uint64_t pid = bl_proc_spawn(s, &server_beh, &st, NULL);

	(void)state;
	/* The server's turn starts the task; its timeout passes before the
	 * task's turn comes: killed before it ran, answered timeout. */
	poke(s, pid, 3);
	bl_sched_run(s, 1);
	assert_int_equal(s->n_live, 2);
	w->now += 10;
	world_settle(s);
	assert_int_equal(st.answers, 1);
	assert_int_equal(st.last.status, BL_CALL_TIMEOUT);
	assert_int_equal(s->n_live, 1);
	assert_int_equal(s->handled, 2); /* the poke and the answer: the task never ran */
	/* A task that crashes: noproc with its reason. */
	st.timeout_ms = 1000;
	poke(s, pid, 5);
	world_settle(s);
	assert_int_equal(st.answers, 2);
	assert_int_equal(st.last.status, BL_CALL_NOPROC);
	assert_int_equal(st.last.reason.code, BL_EXIT_ERROR);
	assert_int_equal(st.last.reason.detail, 5);
	/* One that returns without a result: noproc, reason normal. */
	poke(s, pid, 6);
	world_settle(s);
	assert_int_equal(st.answers, 3);
	assert_int_equal(st.last.status, BL_CALL_NOPROC);
	assert_int_equal(st.last.reason.code, BL_EXIT_NORMAL);
	assert_int_equal(s->n_live, 1);
	world_free(w);
}

static void run_stream(bool ordered)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct server st = { .mode = 1, .timeout_ms = 1000, .k = 3, .ordered = ordered, .s = s };
	uint64_t pid = bl_proc_spawn(s, &server_beh, &st, NULL);
	bool seen[12] = { false };
	unsigned i;

	poke(s, pid, 100 + 12);
	world_settle(s);
	assert_int_equal(st.results, 12);
	assert_null(st.stream);
	assert_true(st.max_live <= 3);
	assert_true(st.max_live >= 1);
	for (i = 0; i < 12; i++) {
		assert_false(seen[st.order[i]]);
		seen[st.order[i]] = true;
		if (ordered)
			assert_int_equal(st.order[i], i);
		assert_int_equal(st.status[i], st.order[i] == 5 || st.order[i] == 6 ? BL_CALL_NOPROC
										    : BL_CALL_OK);
	}
	assert_int_equal(s->n_live, 1);
	world_free(w);
}

static void test_stream_ordered(void **state)
{
	(void)state;
	run_stream(true);
}

static void test_stream_as_they_finish(void **state)
{
	(void)state;
	run_stream(false);
}

/* A stream freed with tasks running: they are killed, their answers never
 * reach on_result, nothing leaks (world_free checks heaps and timers). */
static void test_stream_freed_early(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct server st = { .mode = 1, .timeout_ms = 1000, .k = 4, .ordered = true, .s = s };
	uint64_t pid = bl_proc_spawn(s, &server_beh, &st, NULL);
	struct bl_proc *p;
	struct bl_ctx c;

	(void)state;
	poke(s, pid, 100 + 8);
	bl_sched_run(s, 1); /* the stream starts 4 tasks; none has run */
	assert_int_equal(s->n_live, 5);
	p = bl_proc_lookup(s, pid);
	c.s = s;
	c.p = p;
	bl_task_stream_free(&c, st.stream);
	st.stream = NULL;
	world_settle(s);
	assert_int_equal(s->n_live, 1);
	assert_int_equal(st.results, 0);
	assert_null(p->peers);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_task_gives_the_heap_back),
		cmocka_unit_test(test_task_timeout_and_crash),
		cmocka_unit_test(test_stream_ordered),
		cmocka_unit_test(test_stream_as_they_finish),
		cmocka_unit_test(test_stream_freed_early),
	};

	if (actors_test_eal("task", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
