/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process groups (actors/group.h): creating and finding groups, joining and
 * leaving, the bounds on groups and members, name rules, published member
 * lists that never change under a reader, the sweep that forgets members
 * whose process exited, and a reader on another lcore while the control
 * thread rewrites the lists. How a pool route picks one member is the
 * dataplane's (tests/dataplane/test_router_run.c).
 */
#include <urcu-qsbr.h>

#include "actors/group.h"

#include "actors_test.h"

/* Whether pid is in g's published list. */
static bool has_member(const struct bl_group *g, uint64_t pid)
{
	const struct bl_members *m = bl_group_members(g);

	for (uint32_t i = 0; m != NULL && i < m->n; i++)
		if (m->pid[i] == pid)
			return true;
	return false;
}

static uint32_t n_members(const struct bl_group *g)
{
	const struct bl_members *m = bl_group_members(g);

	return m != NULL ? m->n : 0;
}

/* A pid on no scheduler: membership alone never asks whether it lives. */
static uint64_t fake_pid(uint32_t i)
{
	return bl_pid_make(7, i, 1);
}

static void test_create_bounds(void **state)
{
	struct bl_groups *gs;

	(void)state;
	errno = 0;
	assert_null(bl_groups_create(0, 4));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(bl_groups_create(4, 0));
	assert_int_equal(errno, EINVAL);
	gs = bl_groups_create(1, 1);
	assert_non_null(gs);
	assert_int_equal(bl_groups_count(gs), 0);
	bl_groups_destroy(gs);
	bl_groups_destroy(NULL); /* a no-op */
}

static void test_get_and_find(void **state)
{
	struct bl_groups *gs = bl_groups_create(8, 4);
	struct bl_group *g, *h;
	char name[BL_NAME_MAX + 1];

	(void)state;
	assert_non_null(gs);
	assert_null(bl_group_find(gs, "svc"));
	assert_int_equal(bl_groups_count(gs), 0);

	/* get creates an empty group once; later gets and finds return it. */
	g = bl_group_get(gs, "svc");
	assert_non_null(g);
	assert_string_equal(g->name, "svc");
	assert_null(bl_group_members(g));
	assert_int_equal(g->joins, 0);
	assert_int_equal(g->leaves, 0);
	assert_int_equal(bl_groups_count(gs), 1);
	assert_ptr_equal(bl_group_get(gs, "svc"), g);
	assert_ptr_equal(bl_group_find(gs, "svc"), g);
	assert_int_equal(bl_groups_count(gs), 1);
	h = bl_group_get(gs, "other");
	assert_non_null(h);
	assert_ptr_not_equal(h, g);
	assert_int_equal(bl_groups_count(gs), 2);
	assert_null(bl_group_find(gs, "Svc")); /* names are case-sensitive */

	/* Registry names: 1..31 printable characters, no blanks. */
	memset(name, 'n', sizeof(name));
	name[BL_NAME_MAX - 1] = '\0';
	assert_non_null(bl_group_get(gs, name)); /* 31: the longest */
	name[BL_NAME_MAX - 1] = 'n';
	name[BL_NAME_MAX] = '\0';
	{
		const char *bad[] = { name, "", "a b", "tab\t", "\xff", "new\nline", NULL };

		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			errno = 0;
			assert_null(bl_group_get(gs, bad[i]));
			assert_int_equal(errno, EINVAL);
			assert_null(bl_group_find(gs, bad[i]));
		}
	}
	assert_int_equal(bl_groups_count(gs), 3);
	bl_groups_destroy(gs);
}

static void test_join_and_leave(void **state)
{
	struct bl_groups *gs = bl_groups_create(8, 8);
	struct bl_group *g;

	(void)state;
	assert_non_null(gs);
	/* A join creates the group. */
	assert_int_equal(bl_group_join(gs, "g", fake_pid(1)), 0);
	assert_int_equal(bl_groups_count(gs), 1);
	g = bl_group_find(gs, "g");
	assert_non_null(g);
	assert_int_equal(n_members(g), 1);
	assert_true(has_member(g, fake_pid(1)));
	assert_int_equal(bl_group_join(gs, "g", fake_pid(2)), 0);
	assert_int_equal(bl_group_join(gs, "g", fake_pid(3)), 0);
	assert_int_equal(n_members(g), 3);

	/* Refusals change nothing. */
	assert_int_equal(bl_group_join(gs, "g", fake_pid(2)), -EEXIST);
	assert_int_equal(bl_group_join(gs, "g", BL_PID_NONE), -EINVAL);
	assert_int_equal(bl_group_join(gs, "bad name", fake_pid(4)), -EINVAL);
	assert_int_equal(bl_group_join(gs, "", fake_pid(4)), -EINVAL);
	assert_int_equal(n_members(g), 3);
	assert_int_equal(g->joins, 3);
	assert_int_equal(bl_groups_count(gs), 1);

	/* Leaving: a member goes, the others stay. */
	assert_int_equal(bl_group_leave(gs, "g", fake_pid(2)), 0);
	assert_int_equal(n_members(g), 2);
	assert_false(has_member(g, fake_pid(2)));
	assert_true(has_member(g, fake_pid(1)));
	assert_true(has_member(g, fake_pid(3)));
	assert_int_equal(g->leaves, 1);
	/* Not a member (any more), a group that does not exist, a bad name. */
	assert_int_equal(bl_group_leave(gs, "g", fake_pid(2)), -ENOENT);
	assert_int_equal(bl_group_leave(gs, "g", fake_pid(99)), -ENOENT);
	assert_int_equal(bl_group_leave(gs, "nope", fake_pid(1)), -ENOENT);
	assert_int_equal(bl_group_leave(gs, "bad name", fake_pid(1)), -ENOENT);
	assert_int_equal(bl_groups_count(gs), 1); /* a leave never creates a group */
	assert_int_equal(g->leaves, 1);
	assert_int_equal(n_members(g), 2);

	/* The same pid may be in many groups; leaving one keeps the others. */
	assert_int_equal(bl_group_join(gs, "h", fake_pid(1)), 0);
	assert_int_equal(bl_group_leave(gs, "g", fake_pid(1)), 0);
	assert_true(has_member(bl_group_find(gs, "h"), fake_pid(1)));
	assert_false(has_member(g, fake_pid(1)));

	/* The last one out leaves the group empty (and still there); it can be joined again. */
	assert_int_equal(bl_group_leave(gs, "g", fake_pid(3)), 0);
	assert_null(bl_group_members(g));
	assert_int_equal(n_members(g), 0);
	assert_ptr_equal(bl_group_find(gs, "g"), g);
	assert_int_equal(bl_group_join(gs, "g", fake_pid(2)), 0);
	assert_true(has_member(g, fake_pid(2)));
	assert_int_equal(g->joins, 4);
	assert_int_equal(g->leaves, 3);
	bl_groups_destroy(gs);
}

static void test_full(void **state)
{
	struct bl_groups *gs = bl_groups_create(2, 3);
	struct bl_group *g;

	(void)state;
	assert_non_null(gs);
	/* max_members: the fourth join is refused until someone leaves. */
	for (uint32_t i = 1; i <= 3; i++)
		assert_int_equal(bl_group_join(gs, "a", fake_pid(i)), 0);
	assert_int_equal(bl_group_join(gs, "a", fake_pid(4)), -ENOSPC);
	/* A member joining again is told it is one, full or not. */
	assert_int_equal(bl_group_join(gs, "a", fake_pid(2)), -EEXIST);
	g = bl_group_find(gs, "a");
	assert_int_equal(n_members(g), 3);
	assert_false(has_member(g, fake_pid(4)));
	assert_int_equal(bl_group_leave(gs, "a", fake_pid(1)), 0);
	assert_int_equal(bl_group_join(gs, "a", fake_pid(4)), 0);
	assert_int_equal(n_members(g), 3);

	/* max_groups: a third group is refused, by get and by join alike. */
	assert_non_null(bl_group_get(gs, "b"));
	errno = 0;
	assert_null(bl_group_get(gs, "c"));
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(bl_group_join(gs, "c", fake_pid(1)), -ENOSPC);
	assert_null(bl_group_find(gs, "c"));
	assert_int_equal(bl_groups_count(gs), 2);
	/* The groups already there still work. */
	assert_ptr_equal(bl_group_get(gs, "b"), bl_group_find(gs, "b"));
	assert_int_equal(bl_group_join(gs, "b", fake_pid(1)), 0);
	/* A bad name is EINVAL, not ENOSPC, even when full. */
	errno = 0;
	assert_null(bl_group_get(gs, "x y"));
	assert_int_equal(errno, EINVAL);
	bl_groups_destroy(gs);
}

/*
 * A published list never changes: a reader holding the list of before a
 * join or leave still reads it whole (it is freed after a grace period).
 */
static void test_lists_immutable(void **state)
{
	struct bl_groups *gs = bl_groups_create(4, 16);
	const struct bl_members *before, *after;
	struct bl_group *g;

	(void)state;
	assert_non_null(gs);
	for (uint32_t i = 1; i <= 4; i++)
		assert_int_equal(bl_group_join(gs, "g", fake_pid(i)), 0);
	g = bl_group_find(gs, "g");
	before = bl_group_members(g);
	assert_non_null(before);
	assert_int_equal(before->n, 4);

	assert_int_equal(bl_group_join(gs, "g", fake_pid(5)), 0);
	assert_int_equal(bl_group_leave(gs, "g", fake_pid(1)), 0);
	after = bl_group_members(g);
	assert_ptr_not_equal(after, before);
	assert_int_equal(after->n, 4);
	/* The old list, still ours (no quiescent state since), is as it was. */
	assert_int_equal(before->n, 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_true(before->pid[i] >= fake_pid(1) && before->pid[i] <= fake_pid(4));
	rcu_quiescent_state();
	bl_groups_destroy(gs);
}

struct seen {
	unsigned calls;
	unsigned stop_at; /* 0: never stop */
	char names[8][BL_NAME_MAX];
	uint32_t members[8];
};

static int seen_cb(void *arg, const struct bl_group *g)
{
	struct seen *s = arg;

	assert_true(s->calls < 8);
	snprintf(s->names[s->calls], BL_NAME_MAX, "%s", g->name);
	s->members[s->calls] = n_members(g);
	s->calls++;
	return s->stop_at != 0 && s->calls == s->stop_at ? 42 : 0;
}

static void test_foreach(void **state)
{
	struct bl_groups *gs = bl_groups_create(8, 8);
	struct seen s;
	unsigned mask = 0;

	(void)state;
	assert_non_null(gs);
	memset(&s, 0, sizeof(s));
	assert_int_equal(bl_groups_foreach(gs, seen_cb, &s), 0);
	assert_int_equal(s.calls, 0);

	assert_int_equal(bl_group_join(gs, "one", fake_pid(1)), 0);
	assert_int_equal(bl_group_join(gs, "two", fake_pid(1)), 0);
	assert_int_equal(bl_group_join(gs, "two", fake_pid(2)), 0);
	assert_non_null(bl_group_get(gs, "empty"));
	assert_int_equal(bl_groups_foreach(gs, seen_cb, &s), 0);
	assert_int_equal(s.calls, 3); /* every group once, the empty one too */
	for (unsigned i = 0; i < 3; i++) {
		if (strcmp(s.names[i], "one") == 0) {
			mask |= 1;
			assert_int_equal(s.members[i], 1);
		} else if (strcmp(s.names[i], "two") == 0) {
			mask |= 2;
			assert_int_equal(s.members[i], 2);
		} else if (strcmp(s.names[i], "empty") == 0) {
			mask |= 4;
			assert_int_equal(s.members[i], 0);
		}
	}
	assert_int_equal(mask, 7);

	/* A non-zero return stops the walk and is returned. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(bl_groups_foreach(gs, seen_cb, &s), 42);
	assert_int_equal(s.calls, 2);
	bl_groups_destroy(gs);
}

/* --- liveness and the sweep, on a real scheduler --- */

static void idle_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m;
}

static const struct bl_behaviour idle_beh = {
	.name = "idle",
	.handle_message = idle_msg,
};

static void test_sweep_dead_members(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_groups *gs = bl_groups_create(8, 8);
	struct bl_group *a, *b, *c;
	uint64_t p[4], again, elsewhere;

	(void)state;
	assert_non_null(gs);
	for (unsigned i = 0; i < 4; i++) {
		p[i] = bl_proc_spawn(s, &idle_beh, NULL, NULL);
		assert_int_not_equal(p[i], BL_PID_NONE);
		assert_true(bl_pid_alive(&w->set, p[i]));
	}
	assert_false(bl_pid_alive(&w->set, BL_PID_NONE));
	/* A pid naming an lcore with no scheduler, or a slot past the table. */
	elsewhere = bl_pid_make((bl_pid_lcore(p[0]) + 1) % RTE_MAX_LCORE, 0, 1);
	assert_false(bl_pid_alive(&w->set, elsewhere));
	assert_false(bl_pid_alive(&w->set, bl_pid_make(bl_pid_lcore(p[0]), s->cap, 1)));

	/* a: p0 p1 p2; b: p1 p3; c: p3 and a pid that never lived. */
	assert_int_equal(bl_group_join(gs, "a", p[0]), 0);
	assert_int_equal(bl_group_join(gs, "a", p[1]), 0);
	assert_int_equal(bl_group_join(gs, "a", p[2]), 0);
	assert_int_equal(bl_group_join(gs, "b", p[1]), 0);
	assert_int_equal(bl_group_join(gs, "b", p[3]), 0);
	assert_int_equal(bl_group_join(gs, "c", p[3]), 0);
	assert_int_equal(bl_group_join(gs, "c", elsewhere), 0);
	a = bl_group_find(gs, "a");
	b = bl_group_find(gs, "b");
	c = bl_group_find(gs, "c");

	/* Everyone alive but the stranger: one goes. */
	assert_int_equal(bl_groups_sweep(gs, &w->set), 1);
	assert_false(has_member(c, elsewhere));
	assert_int_equal(c->leaves, 1);
	assert_int_equal(bl_groups_sweep(gs, &w->set), 0);

	/* An exit decided but not yet carried out already counts as dead. */
	assert_int_equal(bl_proc_kill(s, p[1], bl_reason_make(BL_EXIT_KILL)), 0);
	assert_false(bl_pid_alive(&w->set, p[1]));
	world_settle(s);
	assert_false(bl_pid_alive(&w->set, p[1]));
	/* The exit alone changes no list: the sweep does. */
	assert_true(has_member(a, p[1]));
	assert_true(has_member(b, p[1]));
	assert_int_equal(bl_groups_sweep(gs, &w->set), 2);
	assert_false(has_member(a, p[1]));
	assert_false(has_member(b, p[1]));
	assert_true(has_member(a, p[0]));
	assert_true(has_member(a, p[2]));
	assert_true(has_member(b, p[3]));
	assert_int_equal(a->leaves, 1);
	assert_int_equal(b->leaves, 1);

	/* The slot taken again by a new process: the old pid is still dead. */
	again = bl_proc_spawn(s, &idle_beh, NULL, NULL);
	assert_int_not_equal(again, BL_PID_NONE);
	if (bl_pid_slot(again) == bl_pid_slot(p[1]))
		assert_int_not_equal(bl_pid_gen(again), bl_pid_gen(p[1]));
	assert_false(bl_pid_alive(&w->set, p[1]));
	assert_true(bl_pid_alive(&w->set, again));

	/* Every member of a group dead: the group is left empty, not removed. */
	assert_int_equal(bl_proc_kill(s, p[3], bl_reason_make(BL_EXIT_KILL)), 0);
	world_settle(s);
	assert_int_equal(bl_groups_sweep(gs, &w->set), 2);
	assert_null(bl_group_members(c));
	assert_ptr_equal(bl_group_find(gs, "c"), c);
	assert_int_equal(n_members(b), 0);
	assert_int_equal(bl_groups_sweep(gs, &w->set), 0);
	/* An explicit leave of a swept member is refused like any non-member. */
	assert_int_equal(bl_group_leave(gs, "b", p[3]), -ENOENT);
	rcu_quiescent_state();
	bl_groups_destroy(gs);
	world_free(w);
}

/*
 * A reader on the worker lcore walks the published lists while the control
 * thread joins and leaves: each list it sees is whole (its count within
 * bounds, every pid one the writer used, none twice), whatever it catches.
 */
#define STRESS_PIDS 24u
#define STRESS_OPS  20000u

struct reader {
	struct bl_groups *gs;
	struct bl_group *g;
	volatile int stop;
	uint64_t reads, nonempty, bad;
};

static int reader_main(void *arg)
{
	struct reader *rd = arg;

	rcu_register_thread();
	while (!__atomic_load_n(&rd->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned k = 0; k < 64; k++) {
			const struct bl_members *m = bl_group_members(rd->g);
			uint32_t seen = 0;

			rd->reads++;
			if (m == NULL)
				continue;
			rd->nonempty++;
			if (m->n == 0 || m->n > STRESS_PIDS)
				rd->bad++;
			for (uint32_t i = 0; i < m->n && i < STRESS_PIDS; i++) {
				uint32_t slot = bl_pid_slot(m->pid[i]);

				if (slot == 0 || slot > STRESS_PIDS ||
				    m->pid[i] != fake_pid(slot) || (seen & (1u << slot)) != 0) {
					rd->bad++;
					continue;
				}
				seen |= 1u << slot;
			}
		}
		rcu_quiescent_state(); /* the lcore loop's announcement */
	}
	rcu_unregister_thread();
	return 0;
}

static void test_concurrent_reader(void **state)
{
	struct reader rd = { 0 };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned lcore;
	uint32_t in = 0; /* bit i: fake_pid(i) is a member */

	(void)state;
	if (rte_lcore_count() < 2) {
		skip();
		return;
	}
	rd.gs = bl_groups_create(4, STRESS_PIDS);
	assert_non_null(rd.gs);
	rd.g = bl_group_get(rd.gs, "hot");
	assert_non_null(rd.g);
	lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
	assert_int_equal(rte_eal_remote_launch(reader_main, &rd, lcore), 0);
	for (unsigned op = 0; op < STRESS_OPS; op++) {
		uint32_t i;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		i = 1 + (uint32_t)(x % STRESS_PIDS);
		if (in & (1u << i)) {
			assert_int_equal(bl_group_leave(rd.gs, "hot", fake_pid(i)), 0);
			in &= ~(1u << i);
		} else {
			assert_int_equal(bl_group_join(rd.gs, "hot", fake_pid(i)), 0);
			in |= 1u << i;
		}
		assert_int_equal(n_members(rd.g), (uint32_t)__builtin_popcount(in));
		if (op % 64 == 0)
			rcu_quiescent_state(); /* let old lists go */
	}
	__atomic_store_n(&rd.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(lcore);
	assert_true(rd.reads > 0);
	assert_int_equal(rd.bad, 0);
	assert_int_equal(rd.g->joins - rd.g->leaves, (uint64_t)__builtin_popcount(in));
	bl_groups_destroy(rd.gs);
}

/* A least_loaded pool's pick: the shortest mailbox, ties spread from the
 * start given, a member gone never picked. */
static void nop_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m;
}

static const struct bl_behaviour nop_beh = {
	.name = "nop",
	.handle_message = nop_msg,
};

static void test_least_loaded_pick(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	uint64_t pid[3];
	unsigned i, k;

	(void)state;
	for (i = 0; i < 3; i++)
		pid[i] = bl_proc_spawn(s, &nop_beh, NULL, NULL);
	/* 5, 2 and 7 messages waiting: no turn runs. */
	for (i = 0; i < 3; i++)
		for (k = 0; k < (unsigned[]){ 5, 2, 7 }[i]; k++)
			assert_int_equal(bl_sched_deliver(s, pid[i], k, 0, NULL, 0, 0, 0), 0);
	for (k = 0; k < 3; k++)
		assert_int_equal(bl_sched_least_loaded(s, pid, 3, k), pid[1]);
	world_settle(s);
	/* All empty: the first looked at. */
	for (k = 0; k < 3; k++)
		assert_int_equal(bl_sched_least_loaded(s, pid, 3, k), pid[k]);
	/* A member gone is never the pick. */
	assert_int_equal(bl_proc_kill(s, pid[0], bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	assert_int_equal(bl_sched_least_loaded(s, pid, 3, 0), pid[1]);
	assert_int_equal(bl_sched_least_loaded(s, pid, 1, 0), BL_PID_NONE);
	assert_int_equal(bl_sched_least_loaded(s, pid, 0, 0), BL_PID_NONE);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_bounds),	   cmocka_unit_test(test_get_and_find),
		cmocka_unit_test(test_join_and_leave),	   cmocka_unit_test(test_full),
		cmocka_unit_test(test_lists_immutable),	   cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_sweep_dead_members), cmocka_unit_test(test_concurrent_reader),
		cmocka_unit_test(test_least_loaded_pick),
	};
	int rc;

	if (actors_test_eal("group", "0-1") != 0)
		return 1;
	rcu_register_thread(); /* the control thread writes */
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rcu_unregister_thread();
	return rc;
}
