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
#include "actors/pid.h"
#include "actors/sup.h"
#include "control/args.h"
#include "control/cmd.h"
#include "control/errors.h"
#include "control/online.h"
#include "control/proc_cmds.h"
#include "control/spawn_cmds.h"
#include "control/sup_cmds.h"

#define CHILDREN_PER_SUP (BL_SUP_CHILDREN_MAX / 16) /* children a definition holds */

struct child_def {
	bool is_sup;
	char sup_id[BL_NAME_MAX];
	struct bl_sup_child_spec spec;
	uint8_t blob[BL_ARGS_MAX];
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
static const struct bl_args_word shutdown_words[] = {
	{ "brutal", BL_SUP_SHUTDOWN_BRUTAL },
	{ "infinity", BL_SUP_SHUTDOWN_INFINITY },
};

static int shutdown_arg(struct bl_args *a, uint32_t dflt, uint32_t *out)
{
	uint64_t v;

	if (bl_args_u64_or_word(a, "shutdown", BL_ARG_OPTIONAL, dflt, 1, BL_SUP_SHUTDOWN_MAX_MS,
				shutdown_words, 2, &v) != 0)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int restart_arg(struct bl_args *a, uint32_t dflt, uint32_t *out)
{
	unsigned int i;

	if (bl_args_enum(a, "restart", BL_ARG_OPTIONAL, dflt, bl_sup_restart_names,
			 BL_SUP_RESTART_MAX, &i) != 0)
		return -EINVAL;
	*out = i;
	return 0;
}

/* ---- sup new / sup child ---- */

static int cmd_sup_new(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "id",	"strategy", "intensity", "period",
					      "parent", "restart",  "shutdown",	 NULL };
	struct bl_sup_cmds *sc = arg;
	struct bl_sup_def *d, *p = NULL;
	const char *id, *parent;
	uint32_t restart, shutdown_ms;
	uint64_t intensity, period;
	unsigned int strategy;
	struct bl_args a;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_name(&a, "id", BL_ARG_REQUIRED, &id) != 0 ||
	    bl_args_enum(&a, "strategy", BL_ARG_OPTIONAL, BL_SUP_ONE_FOR_ONE, bl_sup_strategy_names,
			 BL_SUP_STRATEGY_MAX, &strategy) != 0 ||
	    bl_args_u64(&a, "intensity", BL_ARG_OPTIONAL, 3, 0, BL_SUP_INTENSITY_MAX, &intensity) !=
		0 ||
	    bl_args_u64(&a, "period", BL_ARG_OPTIONAL, 5000, 0, UINT32_MAX, &period) != 0 ||
	    bl_args_str(&a, "parent", BL_ARG_OPTIONAL, NULL, 0, 0, &parent) != 0 ||
	    restart_arg(&a, BL_SUP_PERMANENT, &restart) != 0 ||
	    shutdown_arg(&a, BL_SUP_SHUTDOWN_INFINITY, &shutdown_ms) != 0)
		return -EINVAL;
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
	d->strategy = strategy;
	d->intensity = (uint32_t)intensity;
	d->period_ms = (uint32_t)period;
	d->restart = restart;
	d->shutdown_ms = shutdown_ms;
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
}

static int cmd_sup_child(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = {
		"sup",		 "id",	       "behaviour", "name", "lcore", "restart", "shutdown",
		"mailbox_limit", "heap_limit", "overflow",  "args", NULL
	};
	static const struct bl_args_word any_lcore[] = { { "any", BL_SUP_LCORE_ANY } };
	struct bl_sup_cmds *sc = arg;
	const char *sup, *id, *beh, *name;
	const json_t *args;
	uint64_t lcore, mailbox_limit, heap_limit;
	uint32_t restart, shutdown_ms;
	unsigned int overflow;
	struct bl_sup_def *d;
	struct child_def c;
	const struct bl_behaviour *b;
	uint32_t blob_len = 0;
	struct bl_args a;

	/* Defaults: what bl_sup_child_spec_init leaves (permanent, shutdown 0: the default). */
	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_str(&a, "sup", BL_ARG_REQUIRED, NULL, 0, 0, &sup) != 0 ||
	    bl_args_name(&a, "id", BL_ARG_REQUIRED, &id) != 0 ||
	    bl_args_str(&a, "behaviour", BL_ARG_REQUIRED, NULL, 0, 0, &beh) != 0 ||
	    bl_args_name(&a, "name", BL_ARG_OPTIONAL, &name) != 0 ||
	    bl_args_u64_or_word(&a, "lcore", BL_ARG_OPTIONAL, BL_SUP_LCORE_ANY, 0,
				RTE_MAX_LCORE - 1, any_lcore, 1, &lcore) != 0 ||
	    restart_arg(&a, BL_SUP_PERMANENT, &restart) != 0 ||
	    shutdown_arg(&a, 0, &shutdown_ms) != 0 ||
	    bl_args_u64(&a, "mailbox_limit", BL_ARG_OPTIONAL, 0, 0, UINT32_MAX, &mailbox_limit) !=
		0 ||
	    bl_args_u64(&a, "heap_limit", BL_ARG_OPTIONAL, 0, 0, UINT32_MAX, &heap_limit) != 0 ||
	    bl_args_enum(&a, "overflow", BL_ARG_OPTIONAL, BL_SPAWN_OVERFLOW_N,
			 bl_spawn_overflow_names, BL_SPAWN_OVERFLOW_N, &overflow) != 0 ||
	    bl_args_object(&a, "args", BL_ARG_OPTIONAL, &args) != 0)
		return -EINVAL;
	d = def_find(sc, sup);
	if (d == NULL) {
		bl_err_set(errmsg, errlen, "sup child: no supervisor '%s'", sup);
		return -ENOENT;
	}
	if (root_running(sc, root_of(sc, d))) {
		bl_err_set(errmsg, errlen, "sup child: the tree of '%s' runs: stop it first", sup);
		return -EBUSY;
	}
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
	b = bl_spawn_args(sc->r, beh, args, c.blob, &blob_len, errmsg, errlen);
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
	c.spec.arg_len = blob_len;
	if (lcore != BL_SUP_LCORE_ANY && bl_router_sched(sc->r, (unsigned)lcore) == NULL)
		return bl_args_refuse(&a, "lcore", "a worker lcore or any");
	c.spec.lcore = (uint32_t)lcore;
	if (c.spec.lcore == sc->r->ctl_sched->lcore && bl_spawn_transmits(b)) {
		bl_err_set(errmsg, errlen, "sup child: %s transmits: put it on a worker lcore",
			   beh);
		return -EINVAL;
	}
	c.spec.restart = restart;
	c.spec.shutdown_ms = shutdown_ms;
	c.spec.opts.mailbox_limit = (uint32_t)mailbox_limit;
	c.spec.opts.heap_limit = (uint32_t)heap_limit;
	/* The process table's overflow is the word's index + 1; 0 is its default policy. */
	if (overflow < BL_SPAWN_OVERFLOW_N)
		c.spec.opts.overflow = (uint8_t)(overflow + 1);
	d->children[d->n_children] = c;
	d->children[d->n_children].spec.arg =
	    blob_len != 0 ? d->children[d->n_children].blob : NULL;
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

/* sup.start and sup.stop take one field, "id": a tree or a child of a running tree. */
static int id_arg(json_t *req, const char **id, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "id", NULL };
	struct bl_args a;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_str(&a, "id", BL_ARG_REQUIRED, NULL, 0, 0, id) != 0)
		return -EINVAL;
	return 0;
}

static int cmd_sup_start(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_sup_cmds *sc = arg;
	struct bl_sup_def *d, *t;
	const char *id;
	char pid[48];
	int rc;

	if (id_arg(req, &id, errmsg, errlen) != 0)
		return -EINVAL;
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
	struct bl_sup_def *d, *t;
	const char *id;
	int rc;

	if (id_arg(req, &id, errmsg, errlen) != 0)
		return -EINVAL;
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
	json_t *rows, *defined;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	rows = json_array();
	defined = json_array();
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
	static const char *const fields[] = { "top", NULL };
	struct bl_args a;
	uint64_t top;
	unsigned n, first;
	json_t *rows;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_u64(&a, "top", BL_ARG_OPTIONAL, 50, 0, BL_CRASH_LOG_CAPACITY, &top) != 0)
		return -EINVAL;
	bl_crash_drain(sc->crash_log, sc->r->set);
	e = calloc(BL_CRASH_LOG_CAPACITY, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	rows = json_array();
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
	ret = bl_spawn_host_hooks(sc->r);
	if (ret != 0)
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

bool bl_sup_cmds_names(const struct bl_sup_cmds *sc, const struct bl_behaviour *beh, char *who,
		       size_t len)
{
	for (unsigned i = 0; i < sc->n; i++) {
		const struct bl_sup_def *d = sc->defs[i];

		for (unsigned j = 0; j < d->n_children; j++) {
			const struct child_def *c = &d->children[j];

			/* By name: after an upgrade a spec may hold an older
			 * version's pointer (its spawns follow next). */
			if (!c->is_sup && c->spec.beh != NULL &&
			    strcmp(c->spec.beh->name, beh->name) == 0) {
				snprintf(who, len, "child '%s' of supervisor '%s'", c->spec.id,
					 d->id);
				return true;
			}
		}
	}
	return false;
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
