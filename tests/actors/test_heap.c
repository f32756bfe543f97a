/* SPDX-License-Identifier: BSD-3-Clause */
/* Private heaps: chunk pool, limits, scratch reset, hibernation, no leaks. */
#include "actors_test.h"

static void test_pool_alloc_free(void **state)
{
	struct bl_chunk_pool pool;
	struct bl_heap h;
	void *a, *b, *big;
	unsigned i;

	(void)state;
	assert_int_equal(bl_chunk_pool_init(&pool, 1000, 4), -EINVAL);
	assert_int_equal(bl_chunk_pool_init(&pool, 512, 4), 0);
	memset(&h, 0, sizeof(h));

	a = bl_heap_alloc(&pool, &h, 100);
	assert_non_null(a);
	assert_int_equal((uintptr_t)a % BL_HEAP_ALIGN, 0);
	assert_int_equal(bl_chunk_pool_in_use(&pool), 1);
	assert_int_equal(h.bytes, 512);
	/* Fill the first chunk, the next alloc takes a second one. */
	b = bl_heap_alloc(&pool, &h, 400);
	assert_non_null(b);
	assert_int_equal(bl_chunk_pool_in_use(&pool), 2);
	assert_ptr_not_equal(bl_heap_chunk_of(&pool, a), bl_heap_chunk_of(&pool, b));
	/* Freeing everything in a non-current chunk returns it at once. */
	bl_heap_free(&pool, &h, a, 100);
	assert_int_equal(bl_chunk_pool_in_use(&pool), 1);
	assert_int_equal(h.bytes, 512);
	/* A big object is one aligned block, counted in the heap. */
	big = bl_heap_alloc(&pool, &h, 3000);
	assert_non_null(big);
	assert_int_equal(pool.n_big, 1);
	assert_int_equal(h.bytes, 512 + 3072);
	memset(big, 0xab, 3000);
	bl_heap_free(&pool, &h, big, 3000);
	assert_int_equal(pool.n_big, 0);
	assert_int_equal(h.bytes, 512);
	/* Pool exhaustion is ENOMEM, not a crash. */
	for (i = 0; i < 3; i++)
		assert_non_null(bl_heap_alloc(&pool, &h, 480));
	errno = 0;
	assert_null(bl_heap_alloc(&pool, &h, 480));
	assert_int_equal(errno, ENOMEM);
	assert_null(bl_heap_alloc(&pool, &h, 0));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(bl_heap_chunk_count(&h), 4);
	/* Exit: O(chunks), everything back. */
	bl_heap_release(&pool, &h);
	assert_int_equal(bl_chunk_pool_in_use(&pool), 0);
	assert_int_equal(h.bytes, 0);
	bl_chunk_pool_fini(&pool);
}

static void test_heap_limit_and_scratch(void **state)
{
	struct bl_chunk_pool pool;
	struct bl_heap h;
	unsigned i;

	(void)state;
	assert_int_equal(bl_chunk_pool_init(&pool, 256, 16), 0);
	memset(&h, 0, sizeof(h));
	h.limit = 1024; /* four chunks */
	for (i = 0; i < 4; i++)
		assert_non_null(bl_heap_alloc(&pool, &h, 200));
	errno = 0;
	assert_null(bl_heap_alloc(&pool, &h, 200));
	assert_int_equal(errno, EDQUOT);
	bl_heap_release(&pool, &h);
	h.limit = 0;

	/* Scratch: bump, several chunks, reset keeps one. */
	for (i = 0; i < 5; i++)
		assert_non_null(bl_heap_scratch(&pool, &h, 200));
	assert_int_equal(bl_chunk_pool_in_use(&pool), 5);
	bl_heap_scratch_reset(&pool, &h);
	assert_int_equal(bl_chunk_pool_in_use(&pool), 1);
	assert_int_equal(h.bytes, 256);
	assert_null(bl_heap_scratch(&pool, &h, 1000)); /* larger than a chunk */
	assert_int_equal(errno, E2BIG);
	/* Hibernate returns the kept scratch chunk and an empty current chunk. */
	{
		void *p = bl_heap_alloc(&pool, &h, 64);

		bl_heap_free(&pool, &h, p, 64);
	}
	assert_int_equal(bl_chunk_pool_in_use(&pool), 2);
	bl_heap_shrink(&pool, &h);
	assert_int_equal(bl_chunk_pool_in_use(&pool), 0);
	assert_int_equal(h.bytes, 0);
	bl_chunk_pool_fini(&pool);
}

/* --- through processes --- */

struct hog {
	struct bl_reason why;
	int terminated;
	uint32_t bytes_seen;
};

static void hog_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct hog *rec = (struct hog *)bl_state(c);
	uint32_t n;

	if (m->key == 1) {
		/* allocate until the limit stops us */
		while (bl_alloc(c, 1024) != NULL)
			;
		return;
	}
	if (m->key == 2) {
		/* scratch only: gone after this message */
		for (n = 0; n < 3; n++)
			assert_non_null(bl_scratch(c, 1500));
		rec->bytes_seen = c->p->heap.bytes;
		return;
	}
	if (m->key == 3)
		bl_hibernate(c);
}

static void hog_terminate(struct bl_ctx *c, struct bl_reason r)
{
	struct hog *rec = (struct hog *)bl_state(c);

	rec->why = r;
	rec->terminated++;
}

static int hog_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static const struct bl_behaviour hog_beh = {
	.name = "hog",
	.init = hog_init,
	.handle_message = hog_msg,
	.terminate = hog_terminate,
};

static int send_key(struct bl_sched *s, uint64_t pid, uint64_t key)
{
	return bl_sched_deliver(s, pid, key, 0, NULL, 0, 0, 0);
}

static void test_proc_heap_limit_kills(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_spawn_opts o = { .heap_limit = 16384 };
	struct hog rec = { 0 };
	uint64_t pid;

	(void)state;
	pid = bl_proc_spawn(s, &hog_beh, &rec, &o);
	assert_int_not_equal(pid, BL_PID_NONE);
	assert_int_equal(send_key(s, pid, 1), 0);
	world_settle(s);
	assert_int_equal(rec.terminated, 1);
	assert_int_equal(rec.why.code, BL_EXIT_HEAP_LIMIT);
	assert_null(bl_proc_lookup(s, pid));
	sched_assert_idle(s);
	world_free(w);
}

static void test_proc_scratch_and_hibernate(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct hog rec = { 0 };
	struct bl_proc *p;
	uint64_t pid;

	(void)state;
	pid = bl_proc_spawn(s, &hog_beh, &rec, NULL);
	p = bl_proc_lookup(s, pid);
	assert_non_null(p);
	assert_int_equal(p->heap.bytes, 0); /* idle: no chunk at all */
	assert_int_equal(send_key(s, pid, 2), 0);
	world_settle(s);
	assert_int_equal(rec.bytes_seen, 3 * 2048);
	/* Reset after the message: one scratch chunk stays for the next one. */
	assert_int_equal(p->heap.bytes, 2048);
	assert_int_equal(bl_chunk_pool_in_use(&s->chunks), 1);
	assert_int_equal(send_key(s, pid, 3), 0);
	world_settle(s);
	assert_int_equal(p->status, BL_PROC_HIBERNATING);
	assert_int_equal(p->heap.bytes, 0);
	assert_int_equal(bl_chunk_pool_in_use(&s->chunks), 0);
	/* A message wakes it. */
	assert_int_equal(send_key(s, pid, 2), 0);
	world_settle(s);
	assert_int_equal(p->status, BL_PROC_WAITING);
	assert_int_equal(bl_proc_kill(s, pid, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	assert_int_equal(rec.why.code, BL_EXIT_SHUTDOWN);
	sched_assert_idle(s);
	world_free(w);
}

static void test_proc_hibernate_after_idle(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_spawn_opts o = { .hibernate_after_ms = 50 };
	struct hog rec = { 0 };
	struct bl_proc *p;
	uint64_t pid;

	(void)state;
	pid = bl_proc_spawn(s, &hog_beh, &rec, &o);
	p = bl_proc_lookup(s, pid);
	assert_int_equal(send_key(s, pid, 2), 0);
	world_settle(s);
	assert_int_equal(p->heap.bytes, 2048);
	w->now += 49;
	world_settle(s);
	assert_int_equal(p->status, BL_PROC_WAITING);
	w->now += 2;
	world_settle(s);
	assert_int_equal(p->status, BL_PROC_HIBERNATING);
	assert_int_equal(p->heap.bytes, 0);
	/* It exits with its heap returned in O(chunks); nothing leaks. */
	world_free(w);
}

static void test_exit_returns_everything(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct hog rec[50];
	uint64_t pids[50];
	unsigned i;

	(void)state;
	memset(rec, 0, sizeof(rec));
	for (i = 0; i < 50; i++) {
		pids[i] = bl_proc_spawn(s, &hog_beh, &rec[i], NULL);
		assert_int_equal(send_key(s, pids[i], 2), 0);
	}
	world_settle(s);
	assert_int_equal(bl_chunk_pool_in_use(&s->chunks), 50);
	for (i = 0; i < 50; i++)
		assert_int_equal(bl_proc_kill(s, pids[i], bl_reason_make(BL_EXIT_KILL)), 0);
	world_settle(s);
	for (i = 0; i < 50; i++)
		assert_int_equal(rec[i].why.code, BL_EXIT_KILLED);
	sched_assert_idle(s);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_alloc_free),
		cmocka_unit_test(test_heap_limit_and_scratch),
		cmocka_unit_test(test_proc_heap_limit_kills),
		cmocka_unit_test(test_proc_scratch_and_hibernate),
		cmocka_unit_test(test_proc_hibernate_after_idle),
		cmocka_unit_test(test_exit_returns_everything),
	};

	if (actors_test_eal("heap", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
