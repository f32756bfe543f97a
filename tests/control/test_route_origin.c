/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/route_origin.h over a fake route table: a cluster route is
 * applied where no route is, held under a local one and applied when that
 * goes, removed when etcd deletes it (but a local one never), rejected when
 * the table refuses it; a resync removes exactly the vanished ones; and
 * many keys (growth, deletion by backward shift) keep every entry found.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/route_origin.h"

#define KEYS 4096

/* The fake table: one route (or none) per key below KEYS, "default" at KEYS. */
struct table {
	bool has[KEYS + 1];
	int action[KEYS + 1];
	int refuse_port; /* apply fails for forward routes on this port */
	unsigned int applies, removes;
};

static size_t slot(const struct bl_cmd_key *k)
{
	return k->is_default ? KEYS : (size_t)k->value;
}

static int t_apply(void *arg, const struct bl_cmd_route *r)
{
	struct table *t = arg;

	if (r->action == BL_CMD_ACTION_FORWARD && r->port == t->refuse_port)
		return -ENODEV;
	t->has[slot(&r->key)] = true;
	t->action[slot(&r->key)] = (int)r->action;
	t->applies++;
	return 0;
}

static int t_remove(void *arg, const struct bl_cmd_key *k)
{
	struct table *t = arg;

	assert_true(t->has[slot(k)]);
	t->has[slot(k)] = false;
	t->removes++;
	return 0;
}

static bool t_present(void *arg, const struct bl_cmd_key *k)
{
	return ((struct table *)arg)->has[slot(k)];
}

static const struct bl_route_origin_ops ops = { t_apply, t_remove, t_present };

static struct bl_cmd_route route(uint64_t key, enum bl_cmd_action a)
{
	struct bl_cmd_route r;

	memset(&r, 0, sizeof(r));
	r.key.value = key;
	r.action = a;
	return r;
}

/* A local write, as route_cmds.c does it: the table, then the bookkeeping. */
static void local_add(struct table *t, struct bl_route_origin *o, uint64_t key)
{
	struct bl_cmd_key k = { key, false };

	t->has[key] = true;
	t->action[key] = BL_CMD_ACTION_PROCESS;
	bl_route_origin_local_added(o, &k);
}

static bool local_del(struct table *t, struct bl_route_origin *o, uint64_t key)
{
	struct bl_cmd_key k = { key, false };

	t->has[key] = false;
	return bl_route_origin_local_deleted(o, &k);
}

static void test_local_wins(void **state)
{
	struct table *t = calloc(1, sizeof(*t));
	struct bl_route_origin *o = bl_route_origin_create(&ops, t);
	struct bl_cmd_route r = route(5, BL_CMD_ACTION_DROP);
	struct bl_cmd_key k5 = { 5, false };
	enum bl_route_origin_state st;

	(void)state;
	t->refuse_port = -1;
	/* No route: the cluster's is applied and listed as such. */
	assert_int_equal(bl_route_origin_cluster_put(o, &r), BL_ORIGIN_APPLIED);
	assert_true(t->has[5]);
	assert_true(bl_route_origin_is_cluster(o, &k5));
	/* A local route over it wins; the cluster's waits. */
	local_add(t, o, 5);
	assert_false(bl_route_origin_is_cluster(o, &k5));
	assert_int_equal(bl_route_origin_state(o, &k5, &st), 0);
	assert_int_equal(st, BL_ORIGIN_HELD);
	/* A change in etcd meanwhile does not touch the table... */
	r.action = BL_CMD_ACTION_GROUP;
	assert_int_equal(bl_route_origin_cluster_put(o, &r), BL_ORIGIN_HELD);
	assert_int_equal(t->action[5], BL_CMD_ACTION_PROCESS);
	/* ...and is what comes back when the local route goes. */
	assert_true(local_del(t, o, 5));
	assert_true(t->has[5]);
	assert_int_equal(t->action[5], BL_CMD_ACTION_GROUP);
	assert_true(bl_route_origin_is_cluster(o, &k5));
	/* Deleted in etcd: gone from the table. */
	assert_int_equal(bl_route_origin_cluster_del(o, &k5), 0);
	assert_false(t->has[5]);
	assert_int_equal(bl_route_origin_cluster_del(o, &k5), -ENOENT);

	/* A local route first: the cluster's arrives held, and its delete leaves the local one. */
	local_add(t, o, 9);
	r = route(9, BL_CMD_ACTION_DROP);
	assert_int_equal(bl_route_origin_cluster_put(o, &r), BL_ORIGIN_HELD);
	assert_int_equal(t->action[9], BL_CMD_ACTION_PROCESS);
	assert_int_equal(bl_route_origin_cluster_del(o, &r.key), 0);
	assert_true(t->has[9]);
	assert_int_equal(t->action[9], BL_CMD_ACTION_PROCESS);
	assert_false(local_del(t, o, 9)); /* nothing was waiting */

	/* The default route has its own entry. */
	r = route(0, BL_CMD_ACTION_DROP);
	r.key.is_default = true;
	assert_int_equal(bl_route_origin_cluster_put(o, &r), BL_ORIGIN_APPLIED);
	assert_true(t->has[KEYS]);
	assert_false(t->has[0]);
	bl_route_origin_destroy(o);
	free(t);
}

static void test_rejected(void **state)
{
	struct table *t = calloc(1, sizeof(*t));
	struct bl_route_origin *o = bl_route_origin_create(&ops, t);
	struct bl_cmd_route r = route(3, BL_CMD_ACTION_FORWARD);
	struct bl_route_origin_stats st;

	(void)state;
	t->refuse_port = 7;
	r.port = 7;
	assert_int_equal(bl_route_origin_cluster_put(o, &r), BL_ORIGIN_REJECTED);
	assert_false(t->has[3]);
	assert_false(bl_route_origin_is_cluster(o, &r.key));
	/* Fixed in etcd: applied at its next change. */
	r.port = 1;
	assert_int_equal(bl_route_origin_cluster_put(o, &r), BL_ORIGIN_APPLIED);
	bl_route_origin_stats(o, &st);
	assert_int_equal(st.applied, 1);
	assert_int_equal(st.rejected, 0);
	/* Deleting a rejected one touches nothing in the table. */
	r = route(4, BL_CMD_ACTION_FORWARD);
	r.port = 7;
	bl_route_origin_cluster_put(o, &r);
	assert_int_equal(bl_route_origin_cluster_del(o, &r.key), 0);
	assert_int_equal(t->removes, 0);
	bl_route_origin_destroy(o);
	free(t);
}

static void test_resync(void **state)
{
	struct table *t = calloc(1, sizeof(*t));
	struct bl_route_origin *o = bl_route_origin_create(&ops, t);
	struct bl_cmd_route r;
	uint64_t k;

	(void)state;
	t->refuse_port = -1;
	for (k = 1; k <= 300; k++) {
		r = route(k, BL_CMD_ACTION_DROP);
		bl_route_origin_cluster_put(o, &r);
	}
	local_add(t, o, 2); /* held under a local route */
	/* etcd now holds only the odd keys (and key 2 went while we were away). */
	bl_route_origin_resync_begin(o);
	for (k = 1; k <= 300; k += 2) {
		r = route(k, BL_CMD_ACTION_DROP);
		bl_route_origin_cluster_put(o, &r);
	}
	assert_int_equal(bl_route_origin_resync_end(o), 150);
	for (k = 1; k <= 300; k++) {
		struct bl_cmd_key key = { k, false };

		assert_int_equal(bl_route_origin_is_cluster(o, &key), k % 2 == 1);
		/* Even keys are gone from the table, but the local route at 2 stays. */
		assert_int_equal(t->has[k], k % 2 == 1 || k == 2);
	}
	bl_route_origin_destroy(o);
	free(t);
}

/* Many keys, deleted in a scattered order: every survivor is still found. */
static void test_many(void **state)
{
	struct table *t = calloc(1, sizeof(*t));
	struct bl_route_origin *o = bl_route_origin_create(&ops, t);
	struct bl_route_origin_stats st;
	struct bl_cmd_route r;
	uint64_t k;

	(void)state;
	t->refuse_port = -1;
	for (k = 0; k < KEYS; k++) {
		r = route(k, BL_CMD_ACTION_DROP);
		assert_int_equal(bl_route_origin_cluster_put(o, &r), BL_ORIGIN_APPLIED);
	}
	for (k = 0; k < KEYS; k += 3) {
		struct bl_cmd_key key = { (k * 2654435761u) % KEYS, false };

		bl_route_origin_cluster_del(o, &key);
	}
	for (k = 0; k < KEYS; k++) {
		struct bl_cmd_key key = { k, false };

		assert_int_equal(bl_route_origin_is_cluster(o, &key), t->has[k]);
	}
	bl_route_origin_stats(o, &st);
	assert_int_equal(st.applied + t->removes, KEYS);
	bl_route_origin_destroy(o);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_wins),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_resync),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
