/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route commands (route.add, route.del, route.batch, route.list,
 * route.count): design note.
 *
 * A request is checked whole before anything changes: every route of a
 * route.add or route.batch is decoded and validated (ports exist, keys are
 * well formed, the table has room for the new keys), and every key of a
 * route.del must have a route. Only then are the changes applied, so a bad
 * line in a batch of a million changes nothing. Applying can then fail only
 * for lack of memory or of hop slots, which is reported with what was done.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include "control/args.h"
#include "control/cmd.h"
#include "control/errors.h"
#include "control/online.h"
#include "control/router_cmds.h"
#include "control/router_cmds_pvt.h"

struct route_op {
	bool del;
	struct bl_cmd_route route; /* for del: only .key */
};

/* Check one decoded route against this router. */
static int route_check(const struct bl_router *r, const struct bl_cmd_route *cr, char *errmsg,
		       size_t errlen)
{
	char k[32];

	if (cr->action == BL_CMD_ACTION_FORWARD && cr->port >= r->n_ports) {
		bl_cmd_key_format(&cr->key, k, sizeof(k));
		bl_err_set(errmsg, errlen, "route %s: port %u does not exist (ports: 0..%u)", k,
			   cr->port, r->n_ports - 1);
		return -ENODEV;
	}
	return 0;
}

static_assert((int)BL_CMD_ACTION_FORWARD == (int)BL_ROUTE_FORWARD &&
		  (int)BL_CMD_ACTION_PROCESS == (int)BL_ROUTE_PROCESS &&
		  (int)BL_CMD_ACTION_GROUP == (int)BL_ROUTE_GROUP &&
		  (int)BL_CMD_ACTION_POOL == (int)BL_ROUTE_POOL,
	      "the grammar's actions are the route table's");

static void route_spec(const struct bl_cmd_route *cr, struct bl_route_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->action = (enum bl_route_action)cr->action;
	snprintf(spec->name, sizeof(spec->name), "%s", cr->name);
	spec->least_loaded = cr->least_loaded;
	spec->hop.port = cr->port;
	memcpy(spec->hop.mac.addr_bytes, cr->mac, 6);
	spec->hop.resolve = cr->resolve;
	spec->hop.ip = cr->ip;
	spec->hop.udp = cr->udp;
	spec->hop.v6 = cr->v6;
	memcpy(spec->hop.ip6, cr->ip6, 16);
	spec->hop.vlan = cr->vlan;
	spec->hop.vlan_outer = cr->vlan_outer;
}

static bool route_exists(struct bl_route_table *t, const struct bl_cmd_key *key)
{
	if (key->is_default)
		return t->dflt != BL_ROUTE_VAL_NONE;
	return bl_route_has(t, key->value);
}

static int key_cmp(const void *a, const void *b)
{
	const struct bl_cmd_key *x = a, *y = b;

	if (x->is_default != y->is_default)
		return x->is_default ? -1 : 1;
	return x->value < y->value ? -1 : x->value > y->value;
}

/*
 * Validate ops[0..n) against the table: a key may appear once per request
 * (so the order of ops never matters), a del needs an existing route, a
 * forward needs an existing port, and the new keys must fit. O(n log n).
 */
static int ops_check(struct bl_router *r, const struct bl_route_origin *origin,
		     struct route_op *ops, size_t n, char *errmsg, size_t errlen)
{
	uint64_t count = r->routes->count;
	struct bl_cmd_key *keys;
	size_t i;
	char k[32];
	int ret;

	keys = malloc((n ? n : 1) * sizeof(*keys));
	if (keys == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		keys[i] = ops[i].route.key;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n; i++) {
		if (key_cmp(&keys[i - 1], &keys[i]) == 0) {
			bl_cmd_key_format(&keys[i], k, sizeof(k));
			bl_err_set(errmsg, errlen, "route %s appears twice in one request", k);
			free(keys);
			return -EINVAL;
		}
	}
	free(keys);

	for (i = 0; i < n; i++) {
		const struct bl_cmd_key *key = &ops[i].route.key;
		bool exists = route_exists(r->routes, key);

		if (ops[i].del) {
			if (!exists) {
				bl_cmd_key_format(key, k, sizeof(k));
				bl_err_set(errmsg, errlen, "route %s: no such route", k);
				return -ENOENT;
			}
			/* Every node has it from etcd: deleting it here alone would not last. */
			if (bl_route_origin_is_cluster(origin, key)) {
				bl_cmd_key_format(key, k, sizeof(k));
				bl_err_set(errmsg, errlen,
					   "route %s comes from the cluster: delete it with 'route "
					   "del %s --cluster'",
					   k, k);
				return -EPERM;
			}
			if (!key->is_default)
				count--;
			continue;
		}
		ret = route_check(r, &ops[i].route, errmsg, errlen);
		if (ret != 0)
			return ret;
		if (!exists && !key->is_default)
			count++;
	}
	if (count > r->routes->max_routes) {
		bl_err_set(errmsg, errlen, "route table full: at most %llu routes",
			   (unsigned long long)r->routes->max_routes);
		return -ENOSPC;
	}
	return 0;
}

int bl__route_remove_one(struct bl_router *r, const struct bl_cmd_key *key)
{
	return key->is_default ? bl_route_del_default(r->routes)
			       : bl_route_del(r->routes, key->value);
}

bool bl__route_present(struct bl_router *r, const struct bl_cmd_key *key)
{
	return route_exists(r->routes, key);
}

int bl__route_apply_one(struct bl_router *r, const struct bl_cmd_route *cr, char *errmsg,
			size_t errlen)
{
	struct bl_route_spec spec;
	char k[32];
	int ret = route_check(r, cr, errmsg, errlen);

	if (ret != 0)
		return ret;
	if (!cr->key.is_default && !route_exists(r->routes, &cr->key) &&
	    r->routes->count >= r->routes->max_routes) {
		bl_cmd_key_format(&cr->key, k, sizeof(k));
		bl_err_set(errmsg, errlen, "route %s: route table full: at most %llu routes", k,
			   (unsigned long long)r->routes->max_routes);
		return -ENOSPC;
	}
	route_spec(cr, &spec);
	ret = cr->key.is_default ? bl_route_set_default(r->routes, &spec)
				 : bl_route_add(r->routes, cr->key.value, &spec);
	if (ret < 0) {
		bl_cmd_key_format(&cr->key, k, sizeof(k));
		bl_err_set(errmsg, errlen, "route %s: %s", k, strerror(-ret));
		return ret;
	}
	return 0;
}

/* A local delete; a cluster route it was hiding takes its place. */
static int apply_del(struct bl_router *r, struct bl_route_origin *origin,
		     const struct bl_cmd_key *key, uint64_t *deleted)
{
	int ret = bl__route_remove_one(r, key);

	if (ret == 0) {
		(*deleted)++;
		bl_route_origin_local_deleted(origin, key);
	}
	return ret;
}

static int ops_apply(struct bl_router *r, struct bl_route_origin *origin, struct route_op *ops,
		     size_t n, json_t *reply, char *errmsg, size_t errlen)
{
	uint64_t added = 0, replaced = 0, deleted = 0;
	struct bl_route_spec spec;
	size_t i;
	int ret = 0;

	/* Room for every add at once: one rebuild, not one per doubling. */
	ret = bl_route_reserve(r->routes, n);
	if (ret < 0) {
		bl_err_set(errmsg, errlen, "cannot grow the route table for %zu routes: %s", n,
			   strerror(-ret));
		return ret;
	}
	/* Deletes first, then adds and replaces: keys are unique in a request
	 * (ops_check), so the order changes nothing but the room an add finds,
	 * which ops_check counted with every delete done. */
	for (i = 0; i < n && ret >= 0; i++)
		if (ops[i].del)
			ret = apply_del(r, origin, &ops[i].route.key, &deleted);
	for (i = 0; i < n && ret >= 0; i++) {
		const struct bl_cmd_key *key = &ops[i].route.key;

		if (ops[i].del)
			continue;
		route_spec(&ops[i].route, &spec);
		if (key->is_default) {
			bool had = r->routes->dflt != BL_ROUTE_VAL_NONE;

			ret = bl_route_set_default(r->routes, &spec);
			if (ret == 0)
				*(had ? &replaced : &added) += 1;
		} else {
			ret = bl_route_add(r->routes, key->value, &spec);
			if (ret == 0)
				added++;
			else if (ret == 1)
				replaced++;
		}
		/* A local route wins: a cluster route at its key waits under it. */
		if (ret >= 0)
			bl_route_origin_local_added(origin, key);
	}
	bl__set_u64(reply, "added", added);
	bl__set_u64(reply, "replaced", replaced);
	bl__set_u64(reply, "deleted", deleted);
	if (ret < 0) {
		bl_err_set(
		    errmsg, errlen,
		    "stopped after %zu of %zu changes: %s (at most %u distinct next hops and "
		    "%u process, group and pool targets)",
		    (size_t)(added + replaced + deleted), n, strerror(-ret), BL_ROUTE_HOP_MAX,
		    BL_ROUTE_TARGET_MAX);
		return ret;
	}
	return 0;
}

typedef int (*op_decoder)(json_t *v, struct route_op *op, char *errmsg, size_t errlen);

static int decode_add(json_t *v, struct route_op *op, char *errmsg, size_t errlen)
{
	return bl_cmd_route_from_json(v, &op->route, errmsg, errlen);
}

static int decode_del(json_t *v, struct route_op *op, char *errmsg, size_t errlen)
{
	op->del = true;
	return bl_cmd_key_from_json(v, &op->route.key, errmsg, errlen);
}

/* {"op":"add","route":{...}} or {"op":"del","key":K}. */
static int decode_batch_op(json_t *v, struct route_op *op, char *errmsg, size_t errlen)
{
	static const char *const kinds[] = { "add", "del" };
	static const char *const add_fields[] = { "op", "route", NULL };
	static const char *const del_fields[] = { "op", "key", NULL };
	const struct bl_cmd_key no_key = { 0, false };
	const json_t *route = NULL;
	unsigned int kind = 0;
	struct bl_args a;
	int rc;

	rc = bl_args_open(&a, v, errmsg, errlen);
	if (rc == 0)
		rc = bl_args_enum(&a, "op", BL_ARG_REQUIRED, 0, kinds, 2, &kind);
	if (rc == 0)
		rc = bl_args_only(&a, kind == 0 ? "op add" : "op del",
				  kind == 0 ? add_fields : del_fields);
	if (rc != 0)
		return rc;
	if (kind == 1) {
		op->del = true;
		return bl_args_key(&a, "key", BL_ARG_REQUIRED, no_key, &op->route.key);
	}
	if (bl_args_object(&a, "route", BL_ARG_REQUIRED, &route) != 0)
		return -EINVAL;
	return decode_add((json_t *)route, op, errmsg, errlen);
}

/* Every element of arr (the request's field) decoded with dec: the ops
 * (the caller frees them), or NULL with *ret and errmsg set. */
static struct route_op *decode_all(const json_t *arr, const char *field, op_decoder dec, int *ret,
				   char *errmsg, size_t errlen)
{
	size_t i, n = json_array_size(arr);
	struct route_op *ops = calloc(n ? n : 1, sizeof(*ops));
	json_t *v;

	*ret = ops == NULL ? -ENOMEM : 0;
	if (ops == NULL)
		return NULL;
	json_array_foreach (arr, i, v) {
		char inner[200];

		*ret = dec(v, &ops[i], inner, sizeof(inner));
		if (*ret != 0) {
			bl_err_set(errmsg, errlen, "%s item %zu: %s", field, i + 1, inner);
			free(ops);
			return NULL;
		}
	}
	return ops;
}

/* Decode every element of arr (the request's field) with dec, check them all, then apply. */
static int run_request(struct bl_router_cmds *rc, const json_t *arr, const char *field,
		       op_decoder dec, json_t *reply, char *errmsg, size_t errlen)
{
	size_t n = json_array_size(arr);
	int ret;
	struct route_op *ops = decode_all(arr, field, dec, &ret, errmsg, errlen);

	if (ops == NULL)
		return ret;
	ret = ops_check(rc->r, rc->origin, ops, n, errmsg, errlen);
	if (ret == 0)
		ret = ops_apply(rc->r, rc->origin, ops, n, reply, errmsg, errlen);
	free(ops);
	return ret;
}

/*
 * "cluster": true: the routes go to etcd, not into this table; every node
 * (this one too) applies them from its watch, checking each as a local one
 * then. Every element is decoded before any is queued; the reply says how
 * many were queued.
 */
static int run_cluster(struct bl_router_cmds *rc, const json_t *arr, const char *field,
		       op_decoder dec, json_t *reply, char *errmsg, size_t errlen)
{
	size_t i, n = json_array_size(arr);
	struct route_op *ops;
	int ret;

	if (rc->cluster.write == NULL) {
		bl_err_set(errmsg, errlen,
			   "this node is in no cluster (start beamline with --cluster NAME --node "
			   "ID --etcd URL)");
		return -ENOTCONN;
	}
	ops = decode_all(arr, field, dec, &ret, errmsg, errlen);
	if (ops == NULL)
		return ret;
	for (i = 0; i < n && ret == 0; i++)
		ret = rc->cluster.write(rc->cluster.arg, &ops[i].route.key,
					ops[i].del ? NULL : &ops[i].route, errmsg, errlen);
	bl__set_u64(reply, "queued", i - (ret != 0));
	free(ops);
	return ret;
}

/* route.add {"routes":[...]} and route.del {"keys":[...]}: one array field each. */
static int cmd_route_array(void *arg, json_t *req, const char *field, op_decoder dec, json_t *reply,
			   char *errmsg, size_t errlen)
{
	const char *const fields[] = { field, "cluster", NULL };
	const json_t *arr = NULL;
	struct bl_args a;
	bool cluster = false;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_array(&a, field, BL_ARG_REQUIRED, &arr) != 0 ||
	    bl_args_bool(&a, "cluster", BL_ARG_OPTIONAL, false, &cluster) != 0)
		return -EINVAL;
	if (cluster)
		return run_cluster(arg, arr, field, dec, reply, errmsg, errlen);
	return run_request(arg, arr, field, dec, reply, errmsg, errlen);
}

static int cmd_route_add(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	return cmd_route_array(arg, req, "routes", decode_add, reply, errmsg, errlen);
}

static int cmd_route_del(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	return cmd_route_array(arg, req, "keys", decode_del, reply, errmsg, errlen);
}

/* Changes read from a route.batch "text", appended to a growing array. */
struct text_ops {
	struct route_op *ops;
	size_t n, cap;
};

static int text_op(void *arg, bool del, const struct bl_cmd_route *r)
{
	struct text_ops *t = arg;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1024;
		struct route_op *o = realloc(t->ops, cap * sizeof(*o));

		if (o == NULL)
			return -ENOMEM;
		t->ops = o;
		t->cap = cap;
	}
	t->ops[t->n].del = del;
	t->ops[t->n++].route = *r;
	return 0;
}

/*
 * route.batch {"text": "add KEY ...\ndel KEY...\n..."}: the lines of a batch
 * file as they are, read with the CLI's own grammar (bl_cmd_batch_line), so
 * a million changes cost no JSON object each. Checked whole, then applied,
 * as "ops" are.
 */
static int run_text(struct bl_router_cmds *rc, const char *text, size_t len, json_t *reply,
		    char *errmsg, size_t errlen)
{
	struct text_ops t = { 0 };
	char *line = NULL, inner[200];
	size_t lineno = 0, cap = 0, at = 0;
	const char *q;
	int ret = 0;

	/* A change a line, mostly: room for that many at once. */
	for (q = text; (q = memchr(q, '\n', len - (size_t)(q - text))) != NULL; q++)
		t.cap++;
	t.ops = malloc((t.cap + 1) * sizeof(*t.ops));
	if (t.ops == NULL)
		return -ENOMEM;
	t.cap++;

	while (at < len && ret == 0) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t l = nl ? (size_t)(nl - (text + at)) : len - at;

		lineno++;
		if (l + 1 > cap) {
			char *b = realloc(line, l + 1);

			if (b == NULL) {
				ret = -ENOMEM;
				break;
			}
			line = b;
			cap = l + 1;
		}
		memcpy(line, text + at, l);
		line[l] = '\0';
		at += l + 1;
		if (memchr(line, '\0', l) != NULL) {
			bl_err_set(errmsg, errlen, "text line %zu: NUL byte in line", lineno);
			ret = -EINVAL;
			break;
		}
		ret = bl_cmd_batch_line(line, text_op, &t, inner, sizeof(inner));
		if (ret == -ENOMEM)
			break;
		if (ret < 0)
			bl_err_set(errmsg, errlen, "text line %zu: %s", lineno, inner);
	}
	free(line);
	if (ret == -ENOMEM)
		bl_err_set(errmsg, errlen, "out of memory");
	if (ret == 0)
		ret = ops_check(rc->r, rc->origin, t.ops, t.n, errmsg, errlen);
	if (ret == 0)
		ret = ops_apply(rc->r, rc->origin, t.ops, t.n, reply, errmsg, errlen);
	free(t.ops);
	return ret;
}

static int cmd_route_batch(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "text", "ops", NULL };
	const json_t *ops = NULL;
	const char *text = NULL;
	struct bl_args a;
	size_t len = 0;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0)
		return -EINVAL;
	if (bl_args_has(&a, "text") == bl_args_has(&a, "ops")) {
		bl_err_set(errmsg, errlen,
			   "request needs either a string \"text\" or an array \"ops\"");
		return -EINVAL;
	}
	if (bl_args_has(&a, "text")) {
		if (bl_args_text(&a, "text", BL_ARG_REQUIRED, &text, &len) != 0)
			return -EINVAL;
		return run_text(arg, text, len, reply, errmsg, errlen);
	}
	if (bl_args_array(&a, "ops", BL_ARG_REQUIRED, &ops) != 0)
		return -EINVAL;
	return run_request(arg, ops, "ops", decode_batch_op, reply, errmsg, errlen);
}

static json_t *route_json(struct bl_router_cmds *rc, const struct bl_route *r, bool is_default,
			  uint64_t key)
{
	struct bl_route_table *t = rc->r->routes;
	const struct bl_nbr *nbr = rc->r->nbr;
	struct bl_route_spec spec;
	struct bl_cmd_route cr;
	json_t *o;

	bl_route_describe(t, r, &spec);
	memset(&cr, 0, sizeof(cr));
	cr.key.is_default = is_default;
	cr.key.value = key;
	cr.action = (enum bl_cmd_action)spec.action;
	snprintf(cr.name, sizeof(cr.name), "%s", spec.name);
	cr.least_loaded = spec.least_loaded;
	cr.port = spec.hop.port;
	memcpy(cr.mac, spec.hop.mac.addr_bytes, 6);
	cr.ip = spec.hop.ip;
	cr.udp = spec.hop.udp;
	cr.v6 = spec.hop.v6;
	memcpy(cr.ip6, spec.hop.ip6, 16);
	cr.vlan = spec.hop.vlan;
	cr.vlan_outer = spec.hop.vlan_outer;
	cr.resolve = spec.hop.resolve;
	o = bl_cmd_route_to_json(&cr);
	/* A next hop resolved by ARP or ND: its neighbour's state and MAC now. */
	if (o != NULL && r->action == BL_ROUTE_FORWARD && spec.hop.resolve) {
		enum bl_nbr_state st = BL_NBR_INCOMPLETE;
		struct rte_ether_addr mac;

		if (nbr != NULL)
			bl_nbr_hop_state(nbr, r->hop, &st);
		json_object_set_new(o, "neigh", json_string(bl_nbr_state_names[st]));
		if (bl_route_hop_mac(t, r->hop, &mac)) {
			char m[RTE_ETHER_ADDR_FMT_SIZE];

			rte_ether_format_addr(m, sizeof(m), &mac);
			json_object_set_new(o, "mac", json_string(m));
		}
	}
	/* Where it came from: set locally (CLI, config) or applied from etcd. */
	if (o != NULL)
		json_object_set_new(o, "origin",
				    json_string(bl_route_origin_is_cluster(rc->origin, &cr.key)
						    ? "cluster"
						    : "local"));
	return o;
}

/*
 * The cursor a page reply gives for the next one: the last route's place
 * in the table's listing order, as 24 hex digits (hash, then key). The
 * default route comes first, before any cursor.
 */
static void cursor_format(const struct bl_route_cursor *c, char *buf, size_t len)
{
	snprintf(buf, len, "%08" PRIx32 "%016" PRIx64, c->hash, c->key);
}

static int cursor_parse(const char *s, struct bl_route_cursor *c)
{
	char h[9];
	char *end;

	if (strlen(s) != 24 || strspn(s, "0123456789abcdefABCDEF") != 24)
		return -EINVAL;
	memcpy(h, s, 8);
	h[8] = '\0';
	c->hash = (uint32_t)strtoul(h, &end, 16);
	c->key = strtoull(s + 8, &end, 16);
	c->started = true;
	return 0;
}

/*
 * route.list {limit, cursor}: one page of at most `limit` routes
 * (BL_CMD_LIST_LIMIT_DEFAULT when absent, at most BL_CMD_LIST_LIMIT_MAX).
 * The reply's "next" is the cursor of the following page, or null after the
 * last; "total" counts every route, the default included. Between pages the
 * control thread serves other clients; a route present throughout the walk
 * is listed exactly once, whatever changes meanwhile.
 */
static int cmd_route_list(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_router_cmds *rc = arg;
	struct bl_route_table *t = rc->r->routes;
	struct bl_route_cursor cur = { 0 };
	static const char *const fields[] = { "limit", "cursor", NULL };
	struct bl_route_entry *page;
	const char *cursor = NULL;
	struct bl_args a;
	json_t *routes;
	uint64_t limit = BL_CMD_LIST_LIMIT_DEFAULT;
	struct bl_route dr;
	size_t n, i;
	bool more;
	char next[32];

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_u64(&a, "limit", BL_ARG_OPTIONAL, BL_CMD_LIST_LIMIT_DEFAULT, 1,
			BL_CMD_LIST_LIMIT_MAX, &limit) != 0 ||
	    bl_args_str(&a, "cursor", BL_ARG_NULLABLE, NULL, 0, 0, &cursor) != 0)
		return -EINVAL;
	/* A null cursor is no cursor: the first page. */
	if (cursor != NULL && cursor_parse(cursor, &cur) != 0)
		return bl_args_refuse(&a, "cursor",
				      "the \"next\" of an earlier reply (24 hex digits)");
	routes = json_array();
	if (!cur.started && limit > 0 && bl_route_get_default(t, &dr)) {
		json_array_append_new(routes, route_json(rc, &dr, true, 0));
		limit--;
	}
	page = malloc((limit ? limit : 1) * sizeof(*page));
	if (page == NULL) {
		json_decref(routes);
		return -ENOMEM;
	}
	n = bl_route_page(t, &cur, page, limit, &more);
	for (i = 0; i < n; i++)
		json_array_append_new(routes, route_json(rc, &page[i].r, false, page[i].key));
	free(page);
	bl__set_u64(reply, "total", t->count + (t->dflt != BL_ROUTE_VAL_NONE));
	json_object_set_new(reply, "routes", routes);
	if (more && cur.started) {
		cursor_format(&cur, next, sizeof(next));
		json_object_set_new(reply, "next", json_string(next));
	} else if (more) { /* a page of 0: start from the beginning */
		json_object_set_new(reply, "next", json_string("000000000000000000000000"));
	} else {
		json_object_set_new(reply, "next", json_null());
	}
	return 0;
}

/* route.count: routes by action, the default route, and what the table holds. */
static int cmd_route_count(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_router_cmds *rc = arg;
	struct bl_route_table *t = rc->r->routes;
	json_t *by;
	unsigned a;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	by = json_object();
	for (a = 0; a < BL_ROUTE_ACTION_MAX; a++)
		bl__set_u64(by, bl_route_action_names[a], t->by_action[a]);
	bl__set_u64(reply, "total", t->count);
	json_object_set_new(reply, "by_action", by);
	json_object_set_new(reply, "default_route", json_boolean(t->dflt != BL_ROUTE_VAL_NONE));
	bl__set_u64(reply, "max_routes", t->max_routes);
	bl__set_u64(reply, "slots", bl_route_slots(t));
	bl__set_u64(reply, "bytes", bl_route_mem_bytes(t));
	bl__set_u64(reply, "resizes", t->resizes);
	return 0;
}

/* Handlers touch the RCU-protected route table, so they run RCU-online. */
BL_ONLINE(cmd_route_add)
BL_ONLINE(cmd_route_del)
BL_ONLINE(cmd_route_batch)
BL_ONLINE(cmd_route_list)
BL_ONLINE(cmd_route_count)

int bl__route_cmds_register(struct bl_ctl *c, struct bl_router_cmds *rc)
{
	static const struct {
		const char *name;
		bl_ctl_handler fn;
		const char *help;
	} cmds[] = {
		{ "route.add", cmd_route_add_online, "add or replace routes (all checked first)" },
		{ "route.del", cmd_route_del_online, "delete routes (all must exist)" },
		{ "route.batch", cmd_route_batch_online,
		  "apply add/del operations, checked whole before any applies" },
		{ "route.list", cmd_route_list_online,
		  "one page of routes (limit, cursor), the default route first" },
		{ "route.count", cmd_route_count_online,
		  "routes by action, table slots and bytes" },
	};
	int ret;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ret = bl_ctl_register(c, cmds[i].name, cmds[i].fn, rc, cmds[i].help);
		if (ret != 0)
			return ret;
	}
	return 0;
}
