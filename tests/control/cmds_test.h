/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared fixture of the command module tests (test_router_cmds.c,
 * test_proc_cmds.c, test_proc_cmds_group.c, test_sup_cmds.c): EAL once per
 * binary (--no-huge --no-shconf --no-pci, a file prefix unique to the
 * binary and its pid, a worker lcore), then per test a world of its own: a
 * router over a net_ring port hot-plugged under a name never used before
 * (destroying a router closes, and so releases, its ports), a control
 * server in a fresh directory, and requests dispatched in process with
 * bl_ctl_exec, as the config loader and the socket do. The test thread is
 * the control thread: RCU-registered and offline between handlers, as in
 * control/beamline.c.
 */
#ifndef BL_TESTS_CONTROL_CMDS_TEST_H
#define BL_TESTS_CONTROL_CMDS_TEST_H

#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <urcu-qsbr.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "control/ctl.h"
#include "control/errors.h"
#include "dataplane/router.h"

/*
 * EAL with a main and a worker lcore (on the first two CPUs this process may
 * use, or both on the one there is). Then the thread registers with RCU and
 * goes offline. 0 or -1.
 */
static inline int cmds_test_eal(const char *name)
{
	char prefix[96], lcores[32];
	char *argv[] = {
		(char *)"test",
		(char *)"--no-huge",
		(char *)"--no-shconf",
		(char *)"--no-pci",
		(char *)"-m",
		(char *)"512",
		prefix,
		(char *)"--lcores",
		lcores,
		(char *)"--log-level=error",
	};
	int cpu[2] = { -1, -1 };
	cpu_set_t cpus;

	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		for (int c = 0, k = 0; c < CPU_SETSIZE && k < 2; c++)
			if (CPU_ISSET(c, &cpus))
				cpu[k++] = c;
	if (cpu[0] < 0)
		cpu[0] = 0;
	if (cpu[1] < 0)
		cpu[1] = cpu[0];
	snprintf(lcores, sizeof(lcores), "0@%d,1@%d", cpu[0], cpu[1]);
	snprintf(prefix, sizeof(prefix), "--file-prefix=test_control_%s_%d", name, (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	rcu_register_thread();
	rcu_thread_offline();
	return 0;
}

static inline void cmds_test_eal_end(void)
{
	rcu_thread_online();
	rcu_unregister_thread();
	rte_eal_cleanup();
}

struct cmds_world {
	struct bl_router *r;
	struct bl_ctl *ctl;
	unsigned worker; /* the worker lcore's id */
	char dir[64];
	char sock[96];
	char vdev[48];
};

/* Small enough that a router is cheap to make for every test. */
static inline void cmds_small_conf(struct bl_router_conf *c)
{
	bl_router_conf_defaults(c);
	c->rxd = c->txd = 256;
	c->max_routes = 16;
	c->max_procs = 1024;
	c->proc_mbufs = 1024;
	c->max_names = 256;
	c->max_groups = 8;
	c->max_members = 8;
	c->max_msgs = 4096;
}

/* A world with conf (NULL: cmds_small_conf); the caller registers its commands. */
static inline struct cmds_world *cmds_world_new(const char *tag, const struct bl_router_conf *conf)
{
	static unsigned seq;
	struct cmds_world *w = (struct cmds_world *)calloc(1, sizeof(*w));
	struct bl_router_conf c;
	char err[256];

	assert_non_null(w);
	if (conf != NULL)
		c = *conf;
	else
		cmds_small_conf(&c);
	snprintf(w->vdev, sizeof(w->vdev), "net_ring_%s%u", tag, seq++);
	assert_int_equal(rte_dev_probe(w->vdev), 0);
	rcu_thread_online();
	if (bl_router_create(&w->r, &c, err, sizeof(err)) != 0)
		fail_msg("router: %s", err);
	rcu_thread_offline();
	w->worker = w->r->workers[0]->lcore_id;
	snprintf(w->dir, sizeof(w->dir), "/tmp/bl-test-%s-XXXXXX", tag);
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->sock, sizeof(w->sock), "%s/ctl.sock", w->dir);
	w->ctl = bl_ctl_create(w->sock);
	assert_non_null(w->ctl);
	return w;
}

/* Stop the workers if they run, then free everything; every mbuf must be back. */
static inline void cmds_world_free(struct cmds_world *w)
{
	if (w->r->running)
		bl_router_stop(w->r);
	bl_ctl_destroy(w->ctl);
	assert_int_equal(bl_router_destroy(w->r), 0);
	assert_int_equal(rte_eal_hotplug_remove("vdev", w->vdev), 0);
	assert_int_equal(rmdir(w->dir), 0);
	free(w);
}

/*
 * Dispatch a request written as JSON with ' for " (printf format), check the
 * return code, and return the reply (the caller json_decref()s it).
 */
static inline json_t *cmds_ask(struct cmds_world *w, int want_rc, const char *fmt, ...)
{
	char text[2048];
	json_error_t jerr;
	json_t *req, *reply = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (char *p = text; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	req = json_loads(text, 0, &jerr);
	if (req == NULL)
		fail_msg("bad test request %s: %s", text, jerr.text);
	rc = bl_ctl_exec(w->ctl, req, &reply);
	json_decref(req);
	assert_non_null(reply);
	if (rc != want_rc) {
		char *s = json_dumps(reply, JSON_COMPACT);

		fail_msg("%s: returned %d, wanted %d; reply %s", text, rc, want_rc, s);
	}
	return reply;
}

/* The reply of a request that must succeed: "ok" true. */
static inline json_t *cmds_ok(struct cmds_world *w, const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	json_t *r;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r = cmds_ask(w, 0, "%s", text);
	assert_true(json_is_true(json_object_get(r, "ok")));
	return r;
}

/*
 * A request that must fail with -err, error name from the table and a
 * message containing msg_part (NULL: any message).
 */
static inline void cmds_fails(struct cmds_world *w, int err, const char *msg_part, const char *fmt,
			      ...)
{
	char text[2048];
	const char *m;
	va_list ap;
	json_t *r;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r = cmds_ask(w, -err, "%s", text);
	m = json_string_value(json_object_get(r, "message"));
	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(r, "error")), bl_err_name(err));
	assert_non_null(m);
	if (msg_part != NULL && strstr(m, msg_part) == NULL)
		fail_msg("%s: message '%s' lacks '%s'", text, m, msg_part);
	json_decref(r);
}

/* Integer and string members of a reply, failing when absent or mistyped. */
static inline json_int_t cmds_int(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", k);
	return json_integer_value(v);
}

static inline const char *cmds_str(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", k);
	return json_string_value(v);
}

/* Exactly these keys, besides "ok" (the shape of a reply or of one of its rows). */
static inline void cmds_keys(const json_t *o, const char *const *keys)
{
	size_t n = 0, i;
	const char *k;
	json_t *v;

	assert_true(json_is_object(o));
	for (i = 0; keys[i] != NULL; i++)
		if (json_object_get(o, keys[i]) == NULL)
			fail_msg("no \"%s\"", keys[i]);
	json_object_foreach ((json_t *)o, k, v) {
		(void)v;
		if (strcmp(k, "ok") != 0)
			n++;
	}
	if (n != i) {
		char *s = json_dumps(o, JSON_COMPACT);

		fail_msg("unexpected keys in %s", s);
	}
}

#endif /* BL_TESTS_CONTROL_CMDS_TEST_H */
