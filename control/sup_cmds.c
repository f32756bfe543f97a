/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Supervision trees from config lines and beamctl: design note.
 *
 * actors/sup.h takes a whole tree at once (nested specs are deep-copied when
 * added), while an operator writes one line per node. So the definitions
 * are kept here as they come (each supervisor with its ordered children,
 * nested supervisors by id) and turned into a bl_sup_spec tree, bottom up,
 * when the tree starts. A definition can still change until then; a
 * running tree is changed only through its children (sup start/stop ID).
 *
 * The supervisors themselves live on the control thread's scheduler, which
 * bl_proc_cmds_tick runs; crash reports are drained there too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include "actors/behaviours.h"
#include "actors/group.h"
#include "actors/sup.h"
#include "control/cmd.h"
#include "control/errors.h"
#include "control/online.h"
#include "control/proc_cmds.h"
#include "control/sup_cmds.h"

#define CHILDREN_PER_SUP (BL_SUP_CHILDREN_MAX / 16) /* children a definition holds */

struct child_def {
	bool is_sup;
	char sup_id[BL_NAME_MAX];
	struct bl_sup_child_spec spec;
	uint8_t blob[BL_SPAWN_ARGS_MAX];
};

struct bl_sup_def {
	char id[BL_NAME_MAX];
	char parent[BL_NAME_MAX]; /* "" for a root */
	uint32_t strategy, intensity, period_ms, restart, shutdown_ms;
	unsigned n_children;
	struct child_def children[CHILDREN_PER_SUP];
	uint64_t pid; /* a running root */
	bool start_pending;
	uint64_t start_seq;
};

static uint64_t start_counter;

static const char *jstr(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int name_index(const char *s, const char *const *names, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

static struct bl_sup_def *def_find(struct bl_sup_cmds *sc, const char *id)
{
	for (unsigned i = 0; i < sc->n; i++)
		if (strcmp(sc->defs[i]->id, id) == 0)
			return sc->defs[i];
	return NULL;
}

static bool root_running(struct bl_sup_cmds *sc, const struct bl_sup_def *d)
{
	return d->pid != BL_PID_NONE && bl_pid_alive(sc->r->set, d->pid);
}

/* An id already used by a supervisor or by a child anywhere. */
static bool id_taken(struct bl_sup_cmds *sc, const char *id)
{
	if (def_find(sc, id) != NULL)
		return true;
	for (unsigned i = 0; i < sc->n; i++)
		for (unsigned j = 0; j < sc->defs[i]->n_children; j++)
			if (!sc->defs[i]->children[j].is_sup &&
			    strcmp(sc->defs[i]->children[j].spec.id, id) == 0)
				return true;
	return false;
}

/* The root definition above d. */
static struct bl_sup_def *root_of(struct bl_sup_cmds *sc, struct bl_sup_def *d)
{
	for (unsigned guard = 0; d != NULL && d->parent[0] != '\0' && guard < BL_SUP_CMDS_MAX;
	     guard++)
		d = def_find(sc, d->parent);
	return d;
}

/* shutdown: MS, "brutal" or "infinity". */
static int shutdown_parse(const json_t *v, uint32_t *out, char *err, size_t errlen)
{
	if (v == NULL)
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0 &&
	    json_integer_value(v) <= BL_SUP_SHUTDOWN_MAX_MS) {
		*out = (uint32_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && strcmp(json_string_value(v), "brutal") == 0) {
		*out = BL_SUP_SHUTDOWN_BRUTAL;
		return 0;
	}
	if (json_is_string(v) && strcmp(json_string_value(v), "infinity") == 0) {
		*out = BL_SUP_SHUTDOWN_INFINITY;
		return 0;
	}
	bl_err_set(err, errlen, "shutdown must be milliseconds (1..%u), brutal or infinity",
		   BL_SUP_SHUTDOWN_MAX_MS);
	return -EINVAL;
}

static int restart_parse(const json_t *req, uint32_t *out, char *err, size_t errlen)
{
	const char *s = jstr(req, "restart");
	int i;

	if (json_object_get(req, "restart") == NULL)
		return 0;
	i = s != NULL ? name_index(s, bl_sup_restart_names, BL_SUP_RESTART_MAX) : -1;
	if (i < 0) {
		bl_err_set(err, errlen, "restart must be permanent, transient or temporary");
		return -EINVAL;
	}
	*out = (uint32_t)i;
	return 0;
}

static int uint_field(const json_t *req, const char *k, uint64_t max, uint32_t *out, char *err,
		      size_t errlen)
{
	const json_t *v = json_object_get(req, k);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max) {
		bl_err_set(err, errlen, "%s must be an integer in 0..%llu", k,
			   (unsigned long long)max);
		return -EINVAL;
	}
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

/* ---- sup new / sup child ---- */

static int cmd_sup_new(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_sup_cmds *sc = arg;
	const char *id = jstr(req, "id"), *parent = jstr(req, "parent"),
		   *st = jstr(req, "strategy");
	struct bl_sup_def *d, *p = NULL;
	int i;

	if (id == NULL || bl_cmd_name_check(id, errmsg, errlen) != 0) {
		if (id == NULL)
			bl_err_set(errmsg, errlen, "sup new: missing ID");
		return -EINVAL;
	}
	if (id_taken(sc, id)) {
		bl_err_set(errmsg, errlen, "sup new: the id '%s' is taken", id);
		return -EEXIST;
	}
	if (sc->n == BL_SUP_CMDS_MAX) {
		bl_err_set(errmsg, errlen, "sup new: %u supervisors at most", BL_SUP_CMDS_MAX);
		return -ENOSPC;
	}
	if (parent != NULL) {
		p = def_find(sc, parent);
		if (p == NULL) {
			bl_err_set(errmsg, errlen,
				   "sup new: no supervisor '%s' (define the parent first)", parent);
			return -ENOENT;
		}
		if (root_running(sc, root_of(sc, p))) {
			bl_err_set(errmsg, errlen, "sup new: the tree of '%s' runs: stop it first",
				   parent);
			return -EBUSY;
		}
		if (p->n_children == CHILDREN_PER_SUP) {
			bl_err_set(errmsg, errlen, "sup new: '%s' has %u children already", parent,
				   CHILDREN_PER_SUP);
			return -ENOSPC;
		}
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	snprintf(d->id, sizeof(d->id), "%s", id);
	if (parent != NULL)
		snprintf(d->parent, sizeof(d->parent), "%s", parent);
	d->strategy = BL_SUP_ONE_FOR_ONE;
	d->intensity = 3;
	d->period_ms = 5000;
	d->shutdown_ms = BL_SUP_SHUTDOWN_INFINITY;
	if (st != NULL) {
		i = name_index(st, bl_sup_strategy_names, BL_SUP_STRATEGY_MAX);
		if (i < 0) {
			snprintf(
			    errmsg, errlen,
			    "sup new: strategy must be one_for_one, one_for_all or rest_for_one");
			goto bad;
		}
		d->strategy = (uint32_t)i;
	} else if (json_object_get(req, "strategy") != NULL) {
		bl_err_set(errmsg, errlen, "sup new: strategy must be a word");
		goto bad;
	}
	if (uint_field(req, "intensity", BL_SUP_INTENSITY_MAX, &d->intensity, errmsg, errlen) ||
	    uint_field(req, "period", UINT32_MAX, &d->period_ms, errmsg, errlen) ||
	    restart_parse(req, &d->restart, errmsg, errlen) ||
	    shutdown_parse(json_object_get(req, "shutdown"), &d->shutdown_ms, errmsg, errlen))
		goto bad;
	if (p != NULL) {
		struct child_def *c = &p->children[p->n_children++];

		memset(c, 0, sizeof(*c));
		c->is_sup = true;
		snprintf(c->sup_id, sizeof(c->sup_id), "%s", id);
	}
	sc->defs[sc->n++] = d;
	json_object_set_new(reply, "id", json_string(id));
	json_object_set_new(reply, "strategy", json_string(bl_sup_strategy_names[d->strategy]));
	return 0;
bad:
	free(d);
	return -EINVAL;
}

static int cmd_sup_child(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_sup_cmds *sc = arg;
	const char *sup = jstr(req, "sup"), *id = jstr(req, "id"), *beh = jstr(req, "behaviour"),
		   *name = jstr(req, "name"), *ov = jstr(req, "overflow");
	const json_t *lc = json_object_get(req, "lcore");
	struct bl_sup_def *d;
	struct child_def c;
	const struct bl_behaviour *b;

	if (sup == NULL || id == NULL || beh == NULL) {
		bl_err_set(errmsg, errlen, "sup child: usage: sup child SUP ID BEHAVIOUR [...]");
		return -EINVAL;
	}
	d = def_find(sc, sup);
	if (d == NULL) {
		bl_err_set(errmsg, errlen, "sup child: no supervisor '%s'", sup);
		return -ENOENT;
	}
	if (root_running(sc, root_of(sc, d))) {
		bl_err_set(errmsg, errlen, "sup child: the tree of '%s' runs: stop it first", sup);
		return -EBUSY;
	}
	if (bl_cmd_name_check(id, errmsg, errlen) != 0)
		return -EINVAL;
	if (id_taken(sc, id)) {
		bl_err_set(errmsg, errlen, "sup child: the id '%s' is taken", id);
		return -EEXIST;
	}
	if (d->n_children == CHILDREN_PER_SUP) {
		bl_err_set(errmsg, errlen, "sup child: '%s' has %u children already", sup,
			   CHILDREN_PER_SUP);
		return -ENOSPC;
	}
	memset(&c, 0, sizeof(c));
	b = bl_spawn_args(sc->r, beh, json_object_get(req, "args"), c.blob, errmsg, errlen);
	if (b == NULL)
		return -EINVAL;
	if (bl_sup_child_spec_init(&c.spec, id, b) != 0) {
		bl_err_set(errmsg, errlen, "sup child: bad id '%s'", id);
		return -EINVAL;
	}
	if (name != NULL && bl_sup_child_set_name(&c.spec, name) != 0) {
		bl_err_set(errmsg, errlen, "sup child: bad name '%s'", name);
		return -EINVAL;
	}
	c.spec.arg_len = BL_SPAWN_ARGS_MAX;
	if (lc == NULL || (json_is_string(lc) && strcmp(json_string_value(lc), "any") == 0)) {
		c.spec.lcore = BL_SUP_LCORE_ANY;
	} else if (json_is_integer(lc) && json_integer_value(lc) >= 0 &&
		   json_integer_value(lc) < RTE_MAX_LCORE &&
		   bl_router_sched(sc->r, (unsigned)json_integer_value(lc)) != NULL) {
		c.spec.lcore = (uint32_t)json_integer_value(lc);
	} else {
		bl_err_set(errmsg, errlen, "sup child: lcore must be a worker lcore or 'any'");
		return -EINVAL;
	}
	if (c.spec.lcore == sc->r->ctl_sched->lcore &&
	    (b == &bl_echo_behaviour || b == &bl_forward_behaviour)) {
		bl_err_set(errmsg, errlen, "sup child: %s transmits: put it on a worker lcore",
			   beh);
		return -EINVAL;
	}
	if (restart_parse(req, &c.spec.restart, errmsg, errlen) ||
	    shutdown_parse(json_object_get(req, "shutdown"), &c.spec.shutdown_ms, errmsg, errlen) ||
	    uint_field(req, "mailbox_limit", UINT32_MAX, &c.spec.opts.mailbox_limit, errmsg,
		       errlen) ||
	    uint_field(req, "heap_limit", UINT32_MAX, &c.spec.opts.heap_limit, errmsg, errlen))
		return -EINVAL;
	if (ov != NULL) {
		static const char *const ovs[] = { "drop_newest", "drop_oldest", "kill" };
		int i = name_index(ov, ovs, 3);

		if (i < 0) {
			bl_err_set(errmsg, errlen,
				   "sup child: overflow must be drop_newest, drop_oldest or kill");
			return -EINVAL;
		}
		c.spec.opts.overflow = (uint8_t)(i + 1);
	}
	d->children[d->n_children] = c;
	d->children[d->n_children].spec.arg = d->children[d->n_children].blob;
	d->n_children++;
	json_object_set_new(reply, "sup", json_string(sup));
	json_object_set_new(reply, "id", json_string(id));
	json_object_set_new(reply, "behaviour", json_string(b->name));
	return 0;
}

/* ---- building and starting trees ---- */

static int build_spec(struct bl_sup_cmds *sc, const struct bl_sup_def *d, struct bl_sup_spec *out,
		      unsigned depth, char *err, size_t errlen)
{
	int rc;

	if (depth > BL_SUP_DEPTH_MAX) {
		bl_err_set(err, errlen, "supervisors nest deeper than %u levels", BL_SUP_DEPTH_MAX);
		return -EINVAL;
	}
	rc = bl_sup_spec_init(out, d->id, d->strategy, d->intensity, d->period_ms);
	if (rc != 0) {
		bl_err_set(err, errlen, "supervisor '%s': bad strategy or intensity", d->id);
		return rc;
	}
	out->log = depth == 0 ? sc->crash_log : NULL;
	for (unsigned i = 0; i < d->n_children; i++) {
		const struct child_def *c = &d->children[i];

		if (c->is_sup) {
			const struct bl_sup_def *sub = def_find(sc, c->sup_id);
			struct bl_sup_spec tmp;
			struct bl_sup_child_spec cs;

			if (sub == NULL) {
				rc = -ENOENT;
				bl_err_set(err, errlen, "supervisor '%s' is gone", c->sup_id);
				break;
			}
			rc = build_spec(sc, sub, &tmp, depth + 1, err, errlen);
			if (rc != 0)
				break;
			bl_sup_child_spec_sup(&cs, sub->id, &tmp);
			cs.restart = sub->restart;
			cs.shutdown_ms = sub->shutdown_ms;
			rc = bl_sup_spec_add(out, &cs);
			bl_sup_spec_fini(&tmp);
		} else {
			rc = bl_sup_spec_add(out, &c->spec);
		}
		if (rc != 0) {
			if (err[0] == '\0')
				bl_err_set(err, errlen, "supervisor '%s': cannot add child %u: %s",
					   d->id, i, strerror(-rc));
			break;
		}
	}
	if (rc != 0)
		bl_sup_spec_fini(out);
	return rc;
}

static int start_root(struct bl_sup_cmds *sc, struct bl_sup_def *d, char *err, size_t errlen)
{
	struct bl_sup_spec spec;
	int rc;

	err[0] = '\0';
	rc = build_spec(sc, d, &spec, 0, err, errlen);
	if (rc != 0)
		return rc;
	d->pid = bl_sup_start(sc->r->ctl_sched, &spec);
	rc = d->pid == BL_PID_NONE ? -errno : 0;
	bl_sup_spec_fini(&spec);
	if (rc != 0) {
		bl_err_set(err, errlen, "cannot start tree '%s': %s", d->id,
			   rc == -ENODEV ? "a child names an lcore without a scheduler"
					 : strerror(-rc));
		return rc;
	}
	d->start_seq = ++start_counter;
	return 0;
}

/* The running root whose tree has a child (or nested supervisor) id. */
static struct bl_sup_def *tree_with(struct bl_sup_cmds *sc, const char *id)
{
	for (unsigned i = 0; i < sc->n; i++) {
		struct bl_sup_def *d = sc->defs[i];

		if (d->parent[0] != '\0' || !root_running(sc, d))
			continue;
		if (bl_sup_whereis(sc->r->ctl_sched, d->pid, id) != BL_PID_NONE)
			return d;
		/* A stopped child: whereis says none; look in the definitions. */
		for (unsigned j = 0; j < sc->n; j++) {
			struct bl_sup_def *x = sc->defs[j];

			if (root_of(sc, x) != d)
				continue;
			for (unsigned k = 0; k < x->n_children; k++)
				if (!x->children[k].is_sup &&
				    strcmp(x->children[k].spec.id, id) == 0)
					return d;
		}
	}
	return NULL;
}

static int cmd_sup_start(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_sup_cmds *sc = arg;
	const char *id = jstr(req, "id");
	struct bl_sup_def *d, *t;
	char pid[48];
	int rc;

	if (id == NULL) {
		bl_err_set(errmsg, errlen, "sup start: missing ID");
		return -EINVAL;
	}
	d = def_find(sc, id);
	if (d != NULL && d->parent[0] == '\0') {
		if (root_running(sc, d)) {
			bl_err_set(errmsg, errlen, "sup start: tree '%s' runs already", id);
			return -EALREADY;
		}
		if (!sc->r->running) {
			d->start_pending = true; /* when the workers run */
			json_object_set_new(reply, "id", json_string(id));
			json_object_set_new(reply, "state", json_string("starts with the workers"));
			return 0;
		}
		rc = start_root(sc, d, errmsg, errlen);
		if (rc != 0)
			return rc;
		bl_pid_format(d->pid, pid, sizeof(pid));
		json_object_set_new(reply, "id", json_string(id));
		json_object_set_new(reply, "pid", json_string(pid));
		return 0;
	}
	t = tree_with(sc, id);
	if (t == NULL) {
		bl_err_set(errmsg, errlen,
			   "sup start: no tree '%s' and no child '%s' in a running tree", id, id);
		return -ENOENT;
	}
	rc = bl_sup_child_start(sc->r->ctl_sched, t->pid, id);
	if (rc != 0) {
		bl_err_set(errmsg, errlen, "sup start %s: %s", id,
			   rc == -EALREADY ? "it runs already"
			   : rc == -EBUSY  ? "its supervisor is busy restarting; try again"
					   : strerror(-rc));
		return rc;
	}
	bl_pid_format(bl_sup_whereis(sc->r->ctl_sched, t->pid, id), pid, sizeof(pid));
	json_object_set_new(reply, "id", json_string(id));
	json_object_set_new(reply, "pid", json_string(pid));
	return 0;
}

static int cmd_sup_stop(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_sup_cmds *sc = arg;
	const char *id = jstr(req, "id");
	struct bl_sup_def *d, *t;
	int rc;

	if (id == NULL) {
		bl_err_set(errmsg, errlen, "sup stop: missing ID");
		return -EINVAL;
	}
	d = def_find(sc, id);
	if (d != NULL && d->parent[0] == '\0') {
		d->start_pending = false;
		if (!root_running(sc, d)) {
			bl_err_set(errmsg, errlen, "sup stop: tree '%s' does not run", id);
			return -ESRCH;
		}
		rc = bl_sup_stop(sc->r->ctl_sched, d->pid, BL_SUP_STOP_TIMEOUT_MS);
		d->pid = BL_PID_NONE;
		json_object_set_new(reply, "id", json_string(id));
		json_object_set_new(reply, "stopped",
				    json_string(rc == 0 ? "cleanly" : "killed after the timeout"));
		return 0;
	}
	t = tree_with(sc, id);
	if (t == NULL) {
		bl_err_set(errmsg, errlen,
			   "sup stop: no tree '%s' and no child '%s' in a running tree", id, id);
		return -ENOENT;
	}
	rc = bl_sup_child_stop(sc->r->ctl_sched, t->pid, id);
	if (rc != 0) {
		bl_err_set(errmsg, errlen, "sup stop %s: %s", id,
			   rc == -ESRCH	  ? "it does not run"
			   : rc == -EBUSY ? "its supervisor is busy restarting; try again"
					  : strerror(-rc));
		return rc;
	}
	json_object_set_new(reply, "id", json_string(id));
	json_object_set_new(reply, "stopped", json_string("shutdown sent"));
	return 0;
}

/* ---- sup tree / crashes ---- */

static int tree_row(const struct bl_sup_node *n, void *arg)
{
	json_t *rows = arg;
	char pid[48], node[96];

	if (n->pid != BL_PID_NONE)
		bl_pid_format(n->pid, pid, sizeof(pid));
	else
		snprintf(pid, sizeof(pid), "-");
	snprintf(node, sizeof(node), "%*s%s", (int)(2 * n->depth), "", n->id);
	json_array_append_new(
	    rows,
	    json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i}", "node", node, "pid", pid, "name",
		n->name, "behaviour", n->behaviour ? n->behaviour : "?", "state",
		n->state < BL_SUP_CHILD_STATE_MAX ? bl_sup_child_state_names[n->state] : "?",
		"restart", n->restart < BL_SUP_RESTART_MAX ? bl_sup_restart_names[n->restart] : "?",
		"strategy",
		n->is_sup && n->strategy < BL_SUP_STRATEGY_MAX ? bl_sup_strategy_names[n->strategy]
							       : "",
		"lcore", n->lcore == BL_SUP_LCORE_ANY ? -1 : (int)n->lcore, "restarts",
		(int)n->restarts));
	return 0;
}

static int cmd_sup_tree(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_sup_cmds *sc = arg;
	json_t *rows = json_array(), *defined = json_array();

	(void)req;
	(void)errmsg;
	(void)errlen;
	for (unsigned i = 0; i < sc->n; i++) {
		struct bl_sup_def *d = sc->defs[i];

		if (d->parent[0] != '\0')
			continue;
		if (root_running(sc, d))
			bl_sup_walk(sc->r->ctl_sched, d->pid, tree_row, rows);
		else
			json_array_append_new(
			    defined, json_pack("{s:s, s:s}", "tree", d->id, "state",
					       d->start_pending	       ? "starts with the workers"
					       : d->pid != BL_PID_NONE ? "exited"
								       : "defined, not started"));
	}
	json_object_set_new(reply, "nodes", rows);
	json_object_set_new(reply, "stopped_trees", defined);
	return 0;
}

static int cmd_crashes(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_sup_cmds *sc = arg;
	struct bl_crash_entry *e;
	struct bl_crash_stats st;
	uint32_t top = 50;
	unsigned n, first;
	json_t *rows = json_array();

	if (uint_field(req, "top", BL_CRASH_LOG_CAPACITY, &top, errmsg, errlen) != 0)
		return -EINVAL;
	bl_crash_drain(sc->crash_log, sc->r->set);
	e = calloc(BL_CRASH_LOG_CAPACITY, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	n = bl_crash_read(sc->crash_log, 0, e, BL_CRASH_LOG_CAPACITY);
	first = n > top ? n - top : 0;
	for (unsigned i = first; i < n; i++) {
		const struct bl_crash *c = &e[i].rec;
		char pid[48], key[32];

		bl_pid_format(c->pid, pid, sizeof(pid));
		if (c->flags & BL_CRASH_F_KEY)
			snprintf(key, sizeof(key), "%llu", (unsigned long long)c->key);
		else
			snprintf(key, sizeof(key), "-");
		json_array_append_new(
		    rows,
		    json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:s, s:i, s:i}", "seq",
			      (json_int_t)e[i].seq, "pid", pid, "name", e[i].name, "behaviour",
			      c->behaviour ? c->behaviour : "?", "reason",
			      c->code == BL_EXIT_ERROR && c->text != NULL ? c->text
			      : c->code < BL_EXIT_CODE_MAX ? bl_exit_code_names[c->code]
							   : "?",
			      "reductions", (json_int_t)c->reductions, "heap_bytes",
			      (int)c->heap_bytes, "binary_bytes", (int)c->pinned_bytes, "last_key",
			      key, "lcore", (int)c->lcore, "time_ms", (int)c->time_ms));
	}
	free(e);
	bl_crash_stats_get(sc->crash_log, sc->r->set, &st);
	json_object_set_new(reply, "crashes", rows);
	json_object_set_new(reply, "recorded", json_integer((json_int_t)st.recorded));
	json_object_set_new(reply, "dropped", json_integer((json_int_t)st.dropped));
	json_object_set_new(reply, "overwritten", json_integer((json_int_t)st.overwritten));
	return 0;
}

BL_ONLINE(cmd_sup_new)
BL_ONLINE(cmd_sup_child)
BL_ONLINE(cmd_sup_start)
BL_ONLINE(cmd_sup_stop)
BL_ONLINE(cmd_sup_tree)
BL_ONLINE(cmd_crashes)

int bl_sup_cmds_register(struct bl_ctl *c, struct bl_sup_cmds *sc)
{
	static const struct {
		const char *name;
		bl_ctl_handler fn;
		const char *help;
	} cmds[] = {
		{ "sup.new", cmd_sup_new_online,
		  "define a supervisor (a root, or under a parent)" },
		{ "sup.child", cmd_sup_child_online, "define a worker child of a supervisor" },
		{ "sup.start", cmd_sup_start_online, "start a tree, or a stopped child" },
		{ "sup.stop", cmd_sup_stop_online, "stop a tree cleanly, or one child" },
		{ "sup.tree", cmd_sup_tree_online, "every supervision tree, node by node" },
		{ "crashes", cmd_crashes_online, "crash reports: what died, why, with what" },
	};
	int ret;

	sc->crash_log = bl_crash_log_create(BL_CRASH_LOG_CAPACITY);
	if (sc->crash_log == NULL)
		return -ENOMEM;
	ret = bl_catalog_add("fault", &bl_fault_behaviour);
	if (ret != 0 && ret != -EEXIST)
		return ret;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ret = bl_ctl_register(c, cmds[i].name, cmds[i].fn, sc, cmds[i].help);
		if (ret != 0)
			return ret;
	}
	return 0;
}

int bl_sup_cmds_start_pending(struct bl_sup_cmds *sc, char *err, size_t errlen)
{
	int rc = 0;

	rcu_thread_online();
	for (unsigned i = 0; i < sc->n && rc == 0; i++) {
		struct bl_sup_def *d = sc->defs[i];

		if (!d->start_pending)
			continue;
		d->start_pending = false;
		rc = start_root(sc, d, err, errlen);
	}
	rcu_thread_offline();
	return rc;
}

void bl_sup_cmds_stop_all(struct bl_sup_cmds *sc)
{
	rcu_thread_online();
	for (;;) {
		struct bl_sup_def *last = NULL;

		for (unsigned i = 0; i < sc->n; i++) {
			struct bl_sup_def *d = sc->defs[i];

			if (d->parent[0] == '\0' && root_running(sc, d) &&
			    (last == NULL || d->start_seq > last->start_seq))
				last = d;
		}
		if (last == NULL)
			break;
		(void)bl_sup_stop(sc->r->ctl_sched, last->pid, BL_SUP_STOP_TIMEOUT_MS);
		last->pid = BL_PID_NONE;
	}
	rcu_thread_offline();
}

void bl_sup_cmds_fini(struct bl_sup_cmds *sc)
{
	for (unsigned i = 0; i < sc->n; i++)
		free(sc->defs[i]);
	sc->n = 0;
	if (sc->crash_log != NULL)
		bl_crash_log_destroy(sc->crash_log);
	sc->crash_log = NULL;
}
