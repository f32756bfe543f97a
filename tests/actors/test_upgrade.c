/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live upgrade (actors/catalog.h bl_catalog_upgrade, actors/upgrade.c): a
 * process moves to the new version at its next turn, its state migrated by
 * code_change; new spawns run the new version; a code_change that fails
 * (or exits) ends the process with upgrade_failed; a third version is
 * refused while processes run the oldest, and allowed once they are
 * killed (the --purge path); a module is closed only when no process runs
 * it and a grace period has passed (the example modules of
 * docs/examples/upgrade, loaded for real).
 *
 * usage: test_actors_upgrade tally_v1=PATH tally_v2=PATH
 */
#include <dlfcn.h>

#include "actors_test.h"
#include "actors/catalog.h"

static const char *v1_path, *v2_path;

/* ---- an in-memory behaviour in three versions ---- */

struct st1 {
	uint64_t n;
};

struct st2 {
	uint64_t magic;
	uint64_t n;
	uint64_t moved_at;
};

static int fail_mode; /* 0: migrate, 1: return -EIO, 2: bl_exit */
static char seen_old_version[BL_VERSION_MAX];

static int v1_init(struct bl_ctx *c, void *arg)
{
	struct st1 *t = bl_alloc(c, sizeof(*t));

	(void)arg;
	if (t == NULL)
		return -ENOMEM;
	t->n = 0;
	bl_set_state(c, t);
	return 0;
}

static void v1_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct st1 *t = bl_state(c);

	(void)m;
	t->n++;
}

static int v2_init(struct bl_ctx *c, void *arg)
{
	struct st2 *t = bl_alloc(c, sizeof(*t));

	(void)arg;
	if (t == NULL)
		return -ENOMEM;
	memset(t, 0, sizeof(*t));
	t->magic = 2;
	bl_set_state(c, t);
	return 0;
}

static void v2_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct st2 *t = bl_state(c);

	(void)m;
	assert_int_equal(t->magic, 2); /* never the old layout */
	t->n++;
}

static int v2_code_change(struct bl_ctx *c, void *old_state, const char *old_version)
{
	struct st1 *o = old_state;
	struct st2 *t;

	snprintf(seen_old_version, sizeof(seen_old_version), "%s", old_version);
	if (fail_mode == 1)
		return -EIO;
	if (fail_mode == 2) {
		bl_exit(c, bl_reason_error(7, "no"));
		return 0;
	}
	t = bl_alloc(c, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->magic = 2;
	t->n = o->n;
	t->moved_at = o->n;
	bl_set_state(c, t);
	bl_free(c, o, sizeof(*o));
	return 0;
}

static void v3_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m;
}

static BL_BEHAVIOUR_DESC(d_v1, "up", "1.0", .init = v1_init, .handle_message = v1_msg);
static BL_BEHAVIOUR_DESC(d_v2, "up", "2.0", .init = v2_init, .handle_message = v2_msg,
			 .code_change = v2_code_change);
static BL_BEHAVIOUR_DESC(d_v3, "up", "3.0", .handle_message = v3_msg);

/* A watcher that traps exits: the last reason it saw. */
static struct bl_reason last_exit;

static void watch_exit(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	last_exit = bl_msg_reason(m);
}

static void watch_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m;
}

static const struct bl_behaviour watcher = {
	.name = "watcher",
	.handle_message = watch_msg,
	.handle_exit = watch_exit,
};

static void poke(struct bl_sched *s, uint64_t pid)
{
	assert_int_equal(bl_sched_deliver(s, pid, 1, 0, NULL, 0, 0, 0), 0);
	world_settle(s);
}

static void test_moves_at_next_turn(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_catalog *cat = bl_catalog_create();
	const struct bl_catalog_entry *e;
	const struct bl_beh_version *v1, *v2;
	struct bl_proc *p;
	uint64_t a, b, fresh;
	char err[512];

	(void)state;
	fail_mode = 0;
	assert_int_equal(bl_catalog_add(cat, &d_v1, "v1.so", NULL, err, sizeof(err)), 0);
	e = bl_catalog_find(cat, "up");
	v1 = e->cur;
	a = bl_proc_spawn(s, &v1->beh, NULL, NULL);
	b = bl_proc_spawn(s, &v1->beh, NULL, NULL);
	for (unsigned i = 0; i < 5; i++)
		poke(s, a);
	poke(s, b);
	assert_int_equal(((struct st1 *)bl_proc_state(s, a))->n, 5);

	assert_int_equal(bl_catalog_upgrade(cat, &d_v2, "v2.so", NULL, err, sizeof(err)), 0);
	v2 = e->cur;
	assert_ptr_equal(e->old, v1);
	assert_ptr_equal(v1->beh.next, &v2->beh);
	/* Nothing moved yet: no turn since. */
	assert_int_equal(bl_catalog_procs(v1), 2);
	assert_int_equal(bl_catalog_procs(v2), 0);
	assert_ptr_equal(bl_proc_lookup(s, a)->beh, &v1->beh);

	/* A new spawn runs v2, even one asked for with v1's pointer. */
	fresh = bl_proc_spawn(s, &v1->beh, NULL, NULL);
	assert_ptr_equal(bl_proc_lookup(s, fresh)->beh, &v2->beh);
	assert_int_equal(((struct st2 *)bl_proc_state(s, fresh))->magic, 2);
	assert_ptr_equal(bl_catalog_behaviour(cat, "up"), &v2->beh);

	/* a's next turn: code_change first, then the message on v2. */
	poke(s, a);
	p = bl_proc_lookup(s, a);
	assert_non_null(p);
	assert_ptr_equal(p->beh, &v2->beh);
	assert_string_equal(seen_old_version, "1.0");
	assert_int_equal(((struct st2 *)p->state)->magic, 2);
	assert_int_equal(((struct st2 *)p->state)->moved_at, 5);
	assert_int_equal(((struct st2 *)p->state)->n, 6);
	assert_int_equal(bl_catalog_procs(v1), 1);
	assert_int_equal(bl_catalog_procs(v2), 2);
	assert_int_equal(s->upgraded, 1);

	/* A third version is refused while b runs the oldest. */
	assert_int_equal(bl_catalog_upgrade(cat, &d_v3, "v3.so", NULL, err, sizeof(err)), -EBUSY);
	if (strstr(err, "1 process still runs 'up' version 1.0") == NULL)
		fail_msg("%s", err);
	assert_ptr_equal(e->cur, v2);
	/* Nothing to close while b runs v1. */
	assert_int_equal(bl_catalog_reap(cat), 0);
	assert_ptr_equal(e->old, v1);

	/* b is idle: no message would ever move it. The wake an upgrade
	 * sends gives it a turn with an empty mailbox, and it moves (and is
	 * queued once only: a second wake finds nothing left to queue). */
	assert_int_equal(bl_sched_wake_behaviour(s, &v2->beh), 0);
	assert_int_equal(bl_sched_wake_behaviour(s, &v1->beh), 1);
	assert_int_equal(bl_sched_wake_behaviour(s, &v1->beh), 0);
	world_settle(s);
	p = bl_proc_lookup(s, b);
	assert_ptr_equal(p->beh, &v2->beh);
	assert_int_equal(((struct st2 *)p->state)->moved_at, 1);
	assert_int_equal(((struct st2 *)p->state)->n, 1);
	assert_int_equal(s->upgraded, 2);
	assert_int_equal(bl_catalog_procs(v1), 0);
	assert_int_equal(bl_catalog_reap(cat), 1);
	assert_null(e->old);
	assert_int_equal(bl_catalog_upgrade(cat, &d_v3, "v3.so", NULL, err, sizeof(err)), 0);
	/* Three processes on v2 move to v3 (no code_change: state kept). */
	poke(s, a);
	assert_ptr_equal(bl_proc_lookup(s, a)->beh, &e->cur->beh);
	assert_int_equal(bl_catalog_remove(cat, "up", err, sizeof(err)), -EBUSY);
	world_free(w);
	assert_int_equal(bl_catalog_remove(cat, "up", err, sizeof(err)), 0);
	bl_catalog_destroy(cat);
}

static void code_change_fails(int mode, struct bl_reason want)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_catalog *cat = bl_catalog_create();
	const struct bl_catalog_entry *e;
	struct bl_spawn_opts o = { .trap_exit = true };
	uint64_t watch, a;
	char err[512];

	fail_mode = mode;
	memset(&last_exit, 0, sizeof(last_exit));
	assert_int_equal(bl_catalog_add(cat, &d_v1, "v1.so", NULL, err, sizeof(err)), 0);
	e = bl_catalog_find(cat, "up");
	watch = bl_proc_spawn(s, &watcher, NULL, &o);
	memset(&o, 0, sizeof(o));
	o.link_to = watch;
	a = bl_proc_spawn(s, &e->cur->beh, NULL, &o);
	assert_int_not_equal(a, BL_PID_NONE);
	world_settle(s);
	assert_int_equal(bl_catalog_upgrade(cat, &d_v2, "v2.so", NULL, err, sizeof(err)), 0);
	poke(s, a);
	assert_null(bl_proc_lookup(s, a));
	world_settle(s);
	assert_int_equal(last_exit.code, want.code);
	assert_int_equal(bl_catalog_procs(e->old), 0);
	assert_int_equal(bl_catalog_procs(e->cur), 0);
	assert_int_equal(bl_catalog_reap(cat), 1);
	world_free(w);
	assert_int_equal(bl_catalog_remove(cat, "up", err, sizeof(err)), 0);
	bl_catalog_destroy(cat);
	fail_mode = 0;
}

static void test_code_change_fails(void **state)
{
	(void)state;
	code_change_fails(1, bl_reason_make(BL_EXIT_UPGRADE_FAILED));
	code_change_fails(2, bl_reason_make(BL_EXIT_UPGRADE_FAILED));
}

/* The --purge path: the oldest version's processes killed, then a third. */
static void test_purge(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_catalog *cat = bl_catalog_create();
	const struct bl_catalog_entry *e;
	uint64_t pid[3];
	char err[512];

	(void)state;
	assert_int_equal(bl_catalog_add(cat, &d_v1, "v1.so", NULL, err, sizeof(err)), 0);
	e = bl_catalog_find(cat, "up");
	for (unsigned i = 0; i < 3; i++)
		pid[i] = bl_proc_spawn(s, &e->cur->beh, NULL, NULL);
	assert_int_equal(bl_catalog_upgrade(cat, &d_v2, "v2.so", NULL, err, sizeof(err)), 0);
	poke(s, pid[0]); /* moves; the other two stay on v1 */
	assert_int_equal(bl_catalog_upgrade(cat, &d_v3, "v3.so", NULL, err, sizeof(err)), -EBUSY);
	/* What a purge checks before it kills: all but the busy old version. */
	assert_int_equal(bl_catalog_upgrade_check(cat, &d_v3, err, sizeof(err)), 0);
	assert_int_equal(bl_catalog_upgrade_check(cat, &d_v2, err, sizeof(err)), -EEXIST);
	assert_int_equal(bl_sched_kill_behaviour(s, &e->old->beh, bl_reason_make(BL_EXIT_KILLED)),
			 2);
	world_settle(s);
	assert_null(bl_proc_lookup(s, pid[1]));
	assert_null(bl_proc_lookup(s, pid[2]));
	assert_non_null(bl_proc_lookup(s, pid[0]));
	assert_int_equal(bl_catalog_upgrade(cat, &d_v3, "v3.so", NULL, err, sizeof(err)), 0);
	assert_string_equal(e->cur->version, "3.0");
	assert_string_equal(e->old->version, "2.0");
	world_free(w);
	bl_catalog_destroy(cat);
}

static void test_refusals(void **state)
{
	struct bl_catalog *cat = bl_catalog_create();
	struct bl_module_desc d = d_v1;
	char err[512];

	(void)state;
	assert_int_equal(bl_catalog_upgrade(cat, &d_v1, "v1.so", NULL, err, sizeof(err)), -ENOENT);
	if (strstr(err, "no behaviour 'up' is loaded") == NULL)
		fail_msg("%s", err);
	{
		static const struct bl_field f[] = {
			BL_FIELD(struct st1, n, BL_FIELD_U64, "1", NULL),
		};
		struct bl_module_desc d2 = d_v2;

		assert_int_equal(bl_catalog_add(cat, &d_v1, "v1.so", NULL, err, sizeof(err)), 0);
		d2.args_size = sizeof(struct st1);
		d2.fields = f;
		d2.n_fields = 1;
		assert_int_equal(bl_catalog_upgrade(cat, &d2, "v2.so", NULL, err, sizeof(err)),
				 -EINVAL);
		if (strstr(err, "changes the argument struct of 1.0") == NULL)
			fail_msg("%s", err);
		assert_int_equal(bl_catalog_remove(cat, "up", err, sizeof(err)), 0);
	}
	d.name = "counter";
	assert_int_equal(bl_catalog_upgrade(cat, &d, "c.so", NULL, err, sizeof(err)), -EPERM);
	assert_int_equal(bl_catalog_add(cat, &d_v1, "v1.so", NULL, err, sizeof(err)), 0);
	assert_int_equal(bl_catalog_upgrade(cat, &d_v1, "v1b.so", NULL, err, sizeof(err)), -EEXIST);
	bl_catalog_destroy(cat);
}

/* Real modules: v1's code stays loaded until no process runs it and a grace period passed. */
static void test_dlclose_after_grace(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_catalog *cat = bl_catalog_create();
	const struct bl_catalog_entry *e;
	const char *name;
	char err[1024];
	void *h;
	uint64_t a;

	(void)state;
	if (v1_path == NULL || v2_path == NULL)
		fail_msg("give tally_v1=PATH tally_v2=PATH");
	assert_int_equal(bl_module_upgrade(cat, v1_path, &name, err, sizeof(err)), -ENOENT);
	assert_int_equal(bl_module_load(cat, v1_path, &name, err, sizeof(err)), 0);
	e = bl_catalog_find(cat, "tally");
	a = bl_proc_spawn(s, &e->cur->beh, NULL, NULL);
	poke(s, a);
	poke(s, a);
	assert_int_equal(bl_module_upgrade(cat, v2_path, &name, err, sizeof(err)), 0);
	assert_string_equal(e->cur->version, "2.0.0");
	assert_int_equal(bl_catalog_reap(cat), 0);
	h = dlopen(v1_path, RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(h); /* still loaded: a runs it */
	dlclose(h);
	poke(s, a);
	{
		struct bl_info_kv kv[4];
		struct bl_proc *p = bl_proc_lookup(s, a);

		assert_int_equal(p->beh->info(p->state, kv, 4), 3);
		assert_int_equal(kv[0].value, 3); /* seen: 2 on v1, 1 on v2 */
		assert_int_equal(kv[2].value, 2); /* from_v1 */
	}
	assert_int_equal(bl_catalog_reap(cat), 1);
	assert_null(dlopen(v1_path, RTLD_NOW | RTLD_NOLOAD));
	assert_int_equal(bl_proc_kill(s, a, bl_reason_make(BL_EXIT_KILL)), 0);
	world_settle(s);
	assert_int_equal(bl_catalog_remove(cat, "tally", err, sizeof(err)), 0);
	assert_null(dlopen(v2_path, RTLD_NOW | RTLD_NOLOAD));
	world_free(w);
	bl_catalog_destroy(cat);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moves_at_next_turn),
		cmocka_unit_test(test_code_change_fails),
		cmocka_unit_test(test_purge),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_dlclose_after_grace),
	};
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "tally_v1=", 9) == 0)
			v1_path = argv[i] + 9;
		else if (strncmp(argv[i], "tally_v2=", 9) == 0)
			v2_path = argv[i] + 9;
	}
	if (actors_test_eal("upgrade", "0") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
