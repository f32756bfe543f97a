/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The behaviour catalog (actors/catalog.h) and module loading
 * (actors/module.c): the built-ins as descriptors, every refusal of a
 * descriptor, live process counts and an unload refused while a process
 * runs the behaviour, the test modules of tests/modules (a good one, and
 * one for each way a module is refused), and loading and unloading many
 * times (run under ASan, nothing may leak).
 *
 * usage: test_actors_catalog NAME=PATH... (the modules tests/modules built)
 */
#include <pthread.h>

#include "actors_test.h"
#include "actors/behaviours.h"
#include "actors/schema.h"

static const char *mod_path[8];
static const char *const mod_names[] = { "stamp",      "bad_abi",   "no_desc",
					 "bad_schema", "undef_sym", "dup_counter" };

static const char *module(const char *name)
{
	for (unsigned i = 0; i < sizeof(mod_names) / sizeof(mod_names[0]); i++)
		if (strcmp(mod_names[i], name) == 0 && mod_path[i] != NULL)
			return mod_path[i];
	fail_msg("no module %s given", name);
	return NULL;
}

static void assert_has(const char *s, const char *part)
{
	if (strstr(s, part) == NULL)
		fail_msg("'%s' lacks '%s'", s, part);
}

static void beh_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m;
}

static int beh_init_fails(struct bl_ctx *c, void *arg)
{
	(void)c;
	(void)arg;
	return -EINVAL;
}

struct t_args {
	uint32_t n;
	char s[8];
};

static const struct bl_field t_fields[] = {
	BL_FIELD_RANGE(struct t_args, n, BL_FIELD_U64, "3", 1, 10, NULL),
	BL_FIELD(struct t_args, s, BL_FIELD_STRING, "abc", NULL),
};

static BL_BEHAVIOUR_DESC(good_desc, "mine", "1.2.3", .handle_message = beh_msg,
			 BL_SCHEMA(struct t_args, t_fields));

/* ---- built-ins ---- */

/* How many the router has: bl_builtin_descs, NULL-terminated. */
static unsigned n_builtins(void)
{
	unsigned n = 0;

	while (bl_builtin_descs[n] != NULL)
		n++;
	return n;
}

static void test_builtins(void **state)
{
	static const char *const want[] = { "batch", "breaker", "counter",   "echo",  "ets_counter",
					    "fault", "forward", "ratelimit", "relay", "remote" };
	const struct bl_catalog_entry *e[BL_CATALOG_MAX];
	struct bl_catalog *cat = bl_catalog_create();
	unsigned n;

	(void)state;
	assert_non_null(cat);
	n = bl_catalog_list(cat, e, BL_CATALOG_MAX);
	assert_int_equal(n, n_builtins());
	for (unsigned i = 0; i < n; i++) {
		assert_string_equal(e[i]->name, want[i]);
		assert_string_equal(e[i]->cur->version, "1.0");
		assert_null(e[i]->cur->path);
		assert_null(e[i]->old);
		assert_int_equal(bl_catalog_procs(e[i]->cur), 0);
		assert_ptr_equal(bl_catalog_version_of(&e[i]->cur->beh), e[i]->cur);
	}
	/* The catalog's copies run the built-ins' code. */
	assert_true(bl_behaviour_same(bl_catalog_behaviour(cat, "counter"), &bl_counter_behaviour));
	assert_true(bl_behaviour_same(bl_catalog_behaviour(cat, "relay"), &bl_relay_behaviour));
	assert_false(bl_behaviour_same(bl_catalog_behaviour(cat, "echo"), &bl_relay_behaviour));
	assert_string_equal(bl_catalog_find(cat, "forward")->cur->desc->fields[3].name, "udp");
	assert_null(bl_catalog_find(cat, "supervisor"));
	assert_null(bl_catalog_find(cat, "nope"));
	assert_null(bl_catalog_find(cat, NULL));
	assert_null(bl_catalog_version_of(&bl_counter_behaviour)); /* not a catalog copy */
	bl_catalog_destroy(cat);
}

/* ---- descriptors refused ---- */

static void refused(struct bl_catalog *cat, const struct bl_module_desc *d, const char *path,
		    int rc, const char *part)
{
	char err[512] = "";

	assert_int_equal(bl_catalog_add(cat, d, path, NULL, err, sizeof(err)), rc);
	assert_has(err, part);
}

static void test_descriptors(void **state)
{
	static const char *const no_words[] = { NULL };
	struct bl_catalog *cat = bl_catalog_create();
	struct bl_module_desc d;
	struct bl_field f[2];
	char err[512];

	(void)state;
	d = good_desc;
	d.abi = 2;
	refused(cat, &d, NULL, -ENOEXEC, "built for behaviour ABI 2; this router speaks ABI 1");
	d = good_desc;
	d.size = 8;
	refused(cat, &d, NULL, -EINVAL, "its descriptor is 8 bytes");
	d = good_desc;
	d.name = "a b";
	refused(cat, &d, NULL, -EINVAL, "bad behaviour name");
	d.name = NULL;
	refused(cat, &d, NULL, -EINVAL, "bad behaviour name");
	d = good_desc;
	d.version = "";
	refused(cat, &d, NULL, -EINVAL, "'mine': bad version");
	d = good_desc;
	d.handle_message = NULL;
	refused(cat, &d, NULL, -EINVAL, "'mine': no handle_message callback");
	d = good_desc;
	d.flags = 0x80;
	refused(cat, &d, NULL, -EINVAL, "unknown flags 0x80");
	d = good_desc;
	d.handle_frame = beh_msg;
	refused(cat, &d, "x.so", -EINVAL, "handle_frame is for built-ins only");
	d = good_desc;
	d.args_size = BL_ARGS_MAX + 1;
	refused(cat, &d, NULL, -EINVAL, "args_size 257 is above 256 bytes");
	d = good_desc;
	d.n_fields = 0;
	refused(cat, &d, NULL, -EINVAL, "fields and n_fields disagree");

	/* The schema: each refusal names the field. */
	memcpy(f, t_fields, sizeof(f));
	d = good_desc;
	d.fields = f;
	f[1].name = "count";
	refused(cat, &d, NULL, -EINVAL, "field \"count\": the name is the spawn request's own");
	f[1].name = "n";
	refused(cat, &d, NULL, -EINVAL, "field \"n\": named twice");
	f[1] = t_fields[1];
	f[1].type = 99;
	refused(cat, &d, NULL, -EINVAL, "field \"s\": unknown type");
	f[1] = t_fields[1];
	f[1].offset = 6;
	refused(cat, &d, NULL, -EINVAL, "field \"s\": outside the argument struct");
	f[1] = t_fields[1];
	f[1].dflt = "far too long for it";
	refused(cat, &d, NULL, -EINVAL,
		"field \"s\": bad default: \"s\" must be a string of at most");
	f[1] = t_fields[1];
	f[0].size = 3;
	refused(cat, &d, NULL, -EINVAL, "field \"n\": an integer field is 1, 2, 4 or 8 bytes");
	f[0] = t_fields[0];
	f[0].max = UINT64_C(1) << 40;
	refused(cat, &d, NULL, -EINVAL, "field \"n\": its range does not fit its size");
	f[0] = t_fields[0];
	f[0].dflt = "11";
	refused(cat, &d, NULL, -EINVAL, "bad default: \"n\" must be an integer in 1..10, not '11'");
	f[0] = t_fields[0];
	f[0].type = BL_FIELD_ENUM;
	f[0].words = no_words;
	refused(cat, &d, NULL, -EINVAL, "field \"n\": an enum needs 1..255 words");
	f[0].type = BL_FIELD_PID;
	refused(cat, &d, NULL, -EINVAL, "field \"n\": a pid field is a struct bl_pid_arg");
	f[0] = t_fields[0];

	/* A name taken: built in, or from a file. */
	d = good_desc;
	d.name = "counter";
	refused(cat, &d, "y.so", -EEXIST,
		"behaviour 'counter' exists already (version 1.0, built in)");
	assert_int_equal(bl_catalog_add(cat, &good_desc, "fake.so", NULL, err, sizeof(err)), 0);
	refused(cat, &good_desc, "other.so", -EEXIST,
		"(version 1.2.3, from fake.so): unload it first");
	assert_non_null(bl_catalog_behaviour(cat, "mine"));

	/* Removing: a built-in never, an unknown name, then the one added. */
	assert_int_equal(bl_catalog_remove(cat, "counter", err, sizeof(err)), -EPERM);
	assert_has(err, "'counter' is built in");
	assert_int_equal(bl_catalog_remove(cat, "nope", err, sizeof(err)), -ENOENT);
	assert_has(err, "no behaviour 'nope'");
	assert_int_equal(bl_catalog_remove(cat, "mine", err, sizeof(err)), 0);
	assert_null(bl_catalog_find(cat, "mine"));
	bl_catalog_destroy(cat);
}

/* The catalog holds BL_CATALOG_MAX behaviours; names are interned for good. */
static void test_bounds(void **state)
{
	struct bl_catalog *cat = bl_catalog_create();
	char names[BL_CATALOG_MAX][16], err[256];
	struct bl_module_desc d[BL_CATALOG_MAX];
	unsigned i, n = BL_CATALOG_MAX - n_builtins();

	(void)state;
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "b%u", i);
		d[i] = good_desc;
		d[i].name = names[i];
		assert_int_equal(bl_catalog_add(cat, &d[i], "f.so", NULL, err, sizeof(err)), 0);
	}
	d[n] = good_desc;
	refused(cat, &d[n], "f.so", -ENOSPC, "the catalog holds 64 behaviours already");
	/* A name gone stays interned: crash records may still point at it. */
	const char *kept = bl_catalog_find(cat, "b0")->name;
	assert_int_equal(bl_catalog_remove(cat, "b0", err, sizeof(err)), 0);
	assert_string_equal(kept, "b0");
	assert_int_equal(bl_catalog_add(cat, &d[0], "f.so", NULL, err, sizeof(err)), 0);
	assert_ptr_equal(bl_catalog_find(cat, "b0")->name, kept);
	bl_catalog_destroy(cat);
}

/* ---- live counts: unload refused while a process runs the behaviour ---- */

static void test_counts_and_busy(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_catalog *cat = bl_catalog_create();
	struct bl_module_desc bad = good_desc;
	const struct bl_behaviour *beh;
	uint8_t blob[BL_ARGS_MAX];
	uint64_t pid[3];
	char err[256];

	(void)state;
	assert_int_equal(bl_catalog_add(cat, &good_desc, "fake.so", NULL, err, sizeof(err)), 0);
	beh = bl_catalog_behaviour(cat, "mine");
	assert_int_equal(bl_schema_defaults(&good_desc, blob, err, sizeof(err)), 0);
	for (unsigned i = 0; i < 3; i++) {
		pid[i] = bl_proc_spawn(s, beh, blob, NULL);
		assert_int_not_equal(pid[i], BL_PID_NONE);
	}
	assert_int_equal(bl_catalog_procs(bl_catalog_find(cat, "mine")->cur), 3);
	assert_int_equal(bl_catalog_remove(cat, "mine", err, sizeof(err)), -EBUSY);
	assert_has(err, "3 processes run 'mine': stop them first");
	assert_int_equal(bl_proc_kill(s, pid[0], bl_reason_make(BL_EXIT_KILL)), 0);
	world_settle(s);
	assert_int_equal(bl_catalog_procs(bl_catalog_find(cat, "mine")->cur), 2);
	assert_int_equal(bl_proc_kill(s, pid[1], bl_reason_make(BL_EXIT_KILL)), 0);
	world_settle(s);
	assert_int_equal(bl_catalog_remove(cat, "mine", err, sizeof(err)), -EBUSY);
	assert_has(err, "1 process runs 'mine': stop it first");
	assert_int_equal(bl_proc_kill(s, pid[2], bl_reason_make(BL_EXIT_KILL)), 0);
	world_settle(s);
	assert_int_equal(bl_catalog_remove(cat, "mine", err, sizeof(err)), 0);

	/* An init that refuses leaves no count behind. */
	bad.name = "refuser";
	bad.init = beh_init_fails;
	assert_int_equal(bl_catalog_add(cat, &bad, "fake.so", NULL, err, sizeof(err)), 0);
	assert_int_equal(bl_proc_spawn(s, bl_catalog_behaviour(cat, "refuser"), blob, NULL),
			 BL_PID_NONE);
	assert_int_equal(bl_catalog_procs(bl_catalog_find(cat, "refuser")->cur), 0);
	assert_int_equal(bl_catalog_remove(cat, "refuser", err, sizeof(err)), 0);
	world_free(w); /* its processes first: they run the catalog's behaviours */
	bl_catalog_destroy(cat);
}

/* ---- modules ---- */

static void load_refused(struct bl_catalog *cat, const char *path, int rc, const char *part)
{
	char err[1024] = "";
	const char *name = NULL;

	assert_int_equal(bl_module_load(cat, path, &name, err, sizeof(err)), rc);
	assert_null(name);
	assert_has(err, part);
}

static void test_module_refusals(void **state)
{
	struct bl_catalog *cat = bl_catalog_create();
	char err[1024];
	const char *name;

	(void)state;
	load_refused(cat, module("bad_abi"), -ENOEXEC,
		     "built for behaviour ABI 999; this router speaks ABI 1");
	load_refused(cat, module("no_desc"), -ENOEXEC,
		     "no descriptor (symbol bl_behaviour_module)");
	load_refused(cat, module("bad_schema"), -EINVAL,
		     "'badschema': bad argument schema: field \"n\": bad default");
	load_refused(cat, module("undef_sym"), -ENOEXEC, "bl_not_in_the_sdk");
	load_refused(cat, module("dup_counter"), -EEXIST,
		     "behaviour 'counter' exists already (version 1.0, built in)");
	load_refused(cat, "stamp.so", -EINVAL, "give a path with a '/'");
	load_refused(cat, "./no/such/module.so", -ENOENT, "No such file");
	load_refused(cat, "/", -EINVAL, "not a regular file");
	/* None of them left anything behind; the built-in counter is still the built-in. */
	assert_int_equal(bl_catalog_list(cat, NULL, 0), n_builtins());
	assert_null(bl_catalog_find(cat, "counter")->cur->path);

	assert_int_equal(bl_module_load(cat, module("stamp"), &name, err, sizeof(err)), 0);
	assert_string_equal(name, "stamp");
	assert_string_equal(bl_catalog_find(cat, "stamp")->cur->version, "0.3.1");
	assert_string_equal(bl_catalog_find(cat, "stamp")->cur->path, module("stamp"));
	load_refused(cat, module("stamp"), -EEXIST,
		     "behaviour 'stamp' exists already (version 0.3.1, from ");
	assert_int_equal(bl_catalog_remove(cat, "stamp", err, sizeof(err)), 0);
	bl_catalog_destroy(cat);
}

/* stamp's argument struct, as tests/modules/stamp.c lays it out (its schema finds the fields). */
static void stamp_arg(const struct bl_module_desc *d, void *blob, const char *field,
		      const char *text)
{
	char err[256];

	assert_int_equal(bl_field_set_text(bl_schema_field(d, field), text, blob, err, sizeof(err)),
			 0);
}

/* A stamp process forwards to a counter; unloading waits for it to go. */
static void test_module_runs(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_catalog *cat = bl_catalog_create();
	const struct bl_catalog_entry *e;
	uint8_t blob[BL_ARGS_MAX];
	uint64_t counter, pid, msgs, bytes, other;
	char err[1024], to[48];
	const char *name;
	struct rte_mbuf *m = world_mbuf(w, 100);

	(void)state;
	assert_int_equal(bl_module_load(cat, module("stamp"), &name, err, sizeof(err)), 0);
	e = bl_catalog_find(cat, "stamp");
	counter = bl_proc_spawn(s, bl_catalog_behaviour(cat, "counter"), NULL, NULL);
	assert_int_not_equal(counter, BL_PID_NONE);
	assert_int_equal(bl_schema_defaults(e->cur->desc, blob, err, sizeof(err)), 0);
	bl_pid_format(counter, to, sizeof(to));
	stamp_arg(e->cur->desc, blob, "to", to);
	stamp_arg(e->cur->desc, blob, "every", "2");
	stamp_arg(e->cur->desc, blob, "mode", "copy");
	stamp_arg(e->cur->desc, blob, "offset", "-1");
	pid = bl_proc_spawn(s, &e->cur->beh, blob, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(bl_sched_deliver(s, pid, 7, 0, m, 0, 100, 0), 0);
	world_settle(s);
	/* Every second one, copied with key 7 - 1. */
	bl_counter_totals(bl_proc_state(s, counter), &msgs, &bytes, &other);
	assert_int_equal(msgs, 5);
	assert_int_equal(bytes, 500);
	assert_int_equal(bl_counter_get(bl_proc_state(s, counter), 6, &msgs, NULL), 0);
	assert_int_equal(msgs, 5);
	assert_int_equal(bl_catalog_procs(e->cur), 1);
	assert_int_equal(bl_catalog_remove(cat, "stamp", err, sizeof(err)), -EBUSY);
	assert_has(err, "1 process runs 'stamp'");
	/* Its stop key ends it normally. */
	assert_int_equal(bl_sched_deliver(s, pid, UINT64_MAX, 0, m, 0, 1, 0), 0);
	world_settle(s);
	assert_null(bl_proc_lookup(s, pid));
	assert_int_equal(bl_catalog_remove(cat, "stamp", err, sizeof(err)), 0);
	rte_pktmbuf_free(m);
	world_free(w); /* its processes first: they run the catalog's behaviours */
	bl_catalog_destroy(cat);
}

/* Load, run, unload, 1,000 times: under ASan, nothing may leak or dangle. */
static void test_load_unload_many(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct bl_catalog *cat = bl_catalog_create();
	uint8_t blob[BL_ARGS_MAX];
	char err[1024];
	const char *name;

	(void)state;
	for (unsigned i = 0; i < 1000; i++) {
		const struct bl_catalog_entry *e;
		uint64_t pid;

		assert_int_equal(bl_module_load(cat, module("stamp"), &name, err, sizeof(err)), 0);
		e = bl_catalog_find(cat, "stamp");
		assert_int_equal(bl_schema_defaults(e->cur->desc, blob, err, sizeof(err)), 0);
		stamp_arg(e->cur->desc, blob, "to", "nobody");
		pid = bl_proc_spawn(s, &e->cur->beh, blob, NULL);
		assert_int_not_equal(pid, BL_PID_NONE);
		assert_int_equal(bl_sched_deliver(s, pid, 1, 0, NULL, 0, 0, 0), 0);
		world_settle(s);
		assert_int_equal(bl_catalog_remove(cat, "stamp", err, sizeof(err)), -EBUSY);
		assert_int_equal(bl_proc_kill(s, pid, bl_reason_make(BL_EXIT_KILL)), 0);
		world_settle(s);
		assert_int_equal(bl_catalog_remove(cat, "stamp", err, sizeof(err)), 0);
	}
	assert_int_equal(bl_catalog_list(cat, NULL, 0), n_builtins());
	world_free(w); /* its processes first: they run the catalog's behaviours */
	bl_catalog_destroy(cat);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins),	 cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_bounds),		 cmocka_unit_test(test_counts_and_busy),
		cmocka_unit_test(test_module_refusals),	 cmocka_unit_test(test_module_runs),
		cmocka_unit_test(test_load_unload_many),
	};
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		for (unsigned k = 0; eq != NULL && k < sizeof(mod_names) / sizeof(mod_names[0]);
		     k++)
			if (strlen(mod_names[k]) == (size_t)(eq - argv[i]) &&
			    strncmp(argv[i], mod_names[k], (size_t)(eq - argv[i])) == 0)
				mod_path[k] = eq + 1;
	}
	if (actors_test_eal("catalog", "0") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
