/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Supervisors from the control thread (see sup.h): start and stop of a
 * tree, start / stop / restart of one child, whereis, the walk of a tree
 * (introspection). The behaviour catalog is actors/catalog.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "actors/behaviours.h"
#include "actors/name.h"
#include "actors/sup.h"
#include "actors/internal.h"
#include "actors/sup_pvt.h"

/* --- control thread API --- */

uint64_t bl_sup_start(struct bl_sched *ctl, const struct bl_sup_spec *spec)
{
	struct bl_sup_arg a = { spec, BL_PID_NONE };
	struct bl_spawn_opts o;
	uint64_t pid;
	int rc;

	if (ctl == NULL || spec == NULL) {
		errno = EINVAL;
		return BL_PID_NONE;
	}
	rc = bl__sup_spec_check(spec, 0);
	if (rc != 0) {
		errno = -rc;
		return BL_PID_NONE;
	}
	memset(&o, 0, sizeof(o));
	o.trap_exit = true;
	pid = bl_proc_spawn(ctl, &bl_supervisor_behaviour, &a, &o);
	bl_sched_flush(ctl);
	return pid;
}

/* A ctx for a supervisor outside its turns (the control thread owns ctl). */
static struct sup *sup_ctx(struct bl_sched *ctl, uint64_t pid, struct bl_ctx *c)
{
	struct bl_proc *p = NULL;
	struct sup *su = bl__sup_get(ctl, pid, &p);

	if (su == NULL || p->status == BL_PROC_RUNNING)
		return NULL;
	c->s = ctl;
	c->p = p;
	return su;
}

int bl_sup_stop_begin(struct bl_sched *ctl, uint64_t sup)
{
	struct bl_ctx c;
	struct sup *su = sup_ctx(ctl, sup, &c);

	if (su == NULL)
		return -ESRCH;
	if (su->op != OP_SHUTDOWN)
		bl__sup_begin_shutdown(&c, su, bl_reason_make(BL_EXIT_SHUTDOWN));
	bl_sched_flush(ctl);
	return 0;
}

static int kill_cb(const struct bl_sup_node *n, void *arg)
{
	struct bl_sched *ctl = (struct bl_sched *)arg;
	struct bl_sched *d;

	if (n->pid == BL_PID_NONE)
		return 0;
	d = ctl->set->by_lcore[bl_pid_lcore(n->pid)];
	if (d == ctl)
		(void)bl_proc_kill(ctl, n->pid, bl_reason_make(BL_EXIT_KILL));
	else if (d != NULL)
		(void)bl_sched_kill_on(d, n->pid, bl_reason_make(BL_EXIT_KILL));
	return 0;
}

/* Whether pid still holds its slot on ctl (alive, or exiting but not torn down). */
static bool proc_present(const struct bl_sched *ctl, uint64_t pid)
{
	uint32_t slot = bl_pid_slot(pid);

	return slot < ctl->cap && ctl->procs[slot].pid == pid &&
	       ctl->procs[slot].status != BL_PROC_FREE;
}

int bl_sup_stop(struct bl_sched *ctl, uint64_t root, unsigned timeout_ms)
{
	uint64_t start = rte_get_timer_cycles(), hz = rte_get_timer_hz();
	int rc = bl_sup_stop_begin(ctl, root);

	if (rc != 0)
		return rc;
	/* Until the root is torn down: its exit comes after all its children's. */
	while (proc_present(ctl, root)) {
		if (timeout_ms != 0 && (rte_get_timer_cycles() - start) * 1000 / hz >= timeout_ms) {
			/* Whatever is left goes now (kills are untrappable). */
			if (bl_proc_lookup(ctl, root) != NULL)
				(void)bl_sup_walk(ctl, root, kill_cb, ctl);
			while (proc_present(ctl, root))
				bl_sched_run(ctl, 64);
			bl_sched_flush(ctl);
			return -ETIMEDOUT;
		}
		if (bl_sched_run(ctl, 64) == 0)
			rte_delay_us_sleep(10);
	}
	return 0;
}

/* Depth-first search for id under the supervisor pid. */
static struct sup *find_id(struct bl_sched *ctl, uint64_t pid, const char *id, uint32_t *idx,
			   unsigned depth)
{
	struct sup *su = bl__sup_get(ctl, pid, NULL);
	uint32_t i;

	if (su == NULL || depth > BL_SUP_DEPTH_MAX)
		return NULL;
	for (i = 0; i < su->n; i++) {
		if (strncmp(su->ch[i].spec.id, id, BL_NAME_MAX) == 0) {
			*idx = i;
			return su;
		}
	}
	for (i = 0; i < su->n; i++) {
		struct sup *r;

		if (su->ch[i].spec.sup == NULL || su->ch[i].pid == BL_PID_NONE)
			continue;
		r = find_id(ctl, su->ch[i].pid, id, idx, depth + 1);
		if (r != NULL)
			return r;
	}
	return NULL;
}

/* Resolve (root, id) to a supervisor ctx and child index. */
static int child_ref(struct bl_sched *ctl, uint64_t root, const char *id, struct bl_ctx *c,
		     struct sup **out, uint32_t *idx)
{
	struct sup *su;

	if (ctl == NULL || !bl__sup_name_ok(id))
		return -EINVAL;
	if (bl__sup_get(ctl, root, NULL) == NULL)
		return -ESRCH;
	su = find_id(ctl, root, id, idx, 0);
	if (su == NULL)
		return -ENOENT;
	if (sup_ctx(ctl, su->self, c) == NULL)
		return -ESRCH;
	if (su->op != OP_NONE)
		return -EBUSY;
	*out = su;
	return 0;
}

int bl_sup_child_start(struct bl_sched *ctl, uint64_t root, const char *id)
{
	struct bl_ctx c;
	struct sup *su;
	uint32_t i;
	int rc = child_ref(ctl, root, id, &c, &su, &i);

	if (rc != 0)
		return rc;
	if (su->ch[i].state != BL_SUP_CHILD_STOPPED)
		return -EALREADY;
	su->ch[i].deferred = false;
	su->ch[i].retry = false;
	rc = bl__sup_child_start(&c, su, i);
	bl_sched_flush(ctl);
	return rc;
}

int bl_sup_child_stop(struct bl_sched *ctl, uint64_t root, const char *id)
{
	struct bl_ctx c;
	struct sup *su;
	uint32_t i;
	int rc = child_ref(ctl, root, id, &c, &su, &i);

	if (rc != 0)
		return rc;
	if (su->ch[i].state != BL_SUP_CHILD_RUNNING)
		return -ESRCH;
	su->ch[i].mark = true;
	su->op = OP_STOP_ONE;
	bl__sup_op_step(&c, su);
	bl_sched_flush(ctl);
	return 0;
}

int bl_sup_child_restart(struct bl_sched *ctl, uint64_t root, const char *id)
{
	struct bl_ctx c;
	struct sup *su;
	uint32_t i;
	int rc = child_ref(ctl, root, id, &c, &su, &i);

	if (rc != 0)
		return rc;
	if (su->ch[i].state == BL_SUP_CHILD_STOPPED) {
		su->ch[i].deferred = false;
		su->ch[i].retry = false;
		rc = bl__sup_child_start(&c, su, i);
		if (rc == 0)
			su->ch[i].restarts++;
		bl_sched_flush(ctl);
		return rc;
	}
	/* A restart set of one: stopped, then started again by bl__sup_op_step. */
	su->ch[i].mark = true;
	su->op = OP_RESTART;
	bl__sup_op_step(&c, su);
	bl_sched_flush(ctl);
	return 0;
}

uint64_t bl_sup_whereis(struct bl_sched *ctl, uint64_t root, const char *id)
{
	struct sup *su;
	uint32_t i;

	if (ctl == NULL || !bl__sup_name_ok(id))
		return BL_PID_NONE;
	su = find_id(ctl, root, id, &i, 0);
	return su != NULL ? su->ch[i].pid : BL_PID_NONE;
}

/* --- introspection --- */

struct walk {
	struct bl_sched *ctl;
	int (*cb)(const struct bl_sup_node *n, void *arg);
	void *arg;
	int n;
	bool stop;
};

static bool walk_emit(struct walk *w, const struct bl_sup_node *n)
{
	w->n++;
	if (w->cb(n, w->arg) != 0)
		w->stop = true;
	return !w->stop;
}

static void child_node(struct bl_sup_node *n, const struct bl_sup_child_spec *cs, uint32_t depth,
		       uint64_t parent)
{
	memset(n, 0, sizeof(*n));
	n->depth = depth;
	n->is_sup = cs->sup != NULL;
	memcpy(n->id, cs->id, sizeof(n->id));
	memcpy(n->name, cs->name, sizeof(n->name));
	n->parent = parent;
	n->behaviour = cs->sup != NULL ? bl_supervisor_behaviour.name : cs->beh->name;
	n->lcore = cs->lcore;
	n->restart = cs->restart;
	n->strategy = cs->sup != NULL ? cs->sup->strategy : 0;
	n->state = BL_SUP_CHILD_STOPPED;
}

/* The children of a supervisor that is not running: its spec, nothing running. */
static void walk_spec(struct walk *w, const struct bl_sup_spec *spec, uint32_t depth)
{
	struct bl_sup_node n;
	uint32_t i;

	for (i = 0; i < spec->n_children && !w->stop; i++) {
		const struct bl_sup_child_spec *cs = &spec->children[i];

		child_node(&n, cs, depth, BL_PID_NONE);
		if (!walk_emit(w, &n))
			return;
		if (cs->sup != NULL && depth < BL_SUP_DEPTH_MAX + 1)
			walk_spec(w, cs->sup, depth + 1);
	}
}

static void walk_sup(struct walk *w, const struct sup *su, uint32_t depth)
{
	struct bl_sup_node n;
	uint32_t i;

	for (i = 0; i < su->n && !w->stop; i++) {
		const struct sup_child *ch = &su->ch[i];
		const struct sup *sub;

		child_node(&n, &ch->spec, depth, su->self);
		n.pid = ch->pid;
		n.restarts = ch->restarts;
		n.state = ch->state;
		if (ch->state != BL_SUP_CHILD_STOPPED)
			n.lcore = ch->lcore;
		if (!walk_emit(w, &n))
			return;
		if (ch->spec.sup == NULL || depth > BL_SUP_DEPTH_MAX)
			continue;
		sub = ch->pid != BL_PID_NONE ? bl__sup_get(w->ctl, ch->pid, NULL) : NULL;
		if (sub != NULL)
			walk_sup(w, sub, depth + 1);
		else
			walk_spec(w, ch->spec.sup, depth + 1);
	}
}

int bl_sup_walk(struct bl_sched *ctl, uint64_t root,
		int (*cb)(const struct bl_sup_node *n, void *arg), void *arg)
{
	struct walk w = { ctl, cb, arg, 0, false };
	struct bl_sup_node n;
	struct sup *su;

	if (ctl == NULL || cb == NULL)
		return -EINVAL;
	su = bl__sup_get(ctl, root, NULL);
	if (su == NULL)
		return -ESRCH;
	memset(&n, 0, sizeof(n));
	n.is_sup = true;
	memcpy(n.id, su->spec.id, sizeof(n.id));
	n.pid = root;
	n.parent = su->parent;
	n.behaviour = bl_supervisor_behaviour.name;
	n.lcore = ctl->lcore;
	n.strategy = su->spec.strategy;
	n.state = su->op == OP_SHUTDOWN ? BL_SUP_CHILD_STOPPING : BL_SUP_CHILD_RUNNING;
	if (walk_emit(&w, &n))
		walk_sup(&w, su, 1);
	return w.n;
}

struct tree_arg {
	struct bl_sup_node *out;
	unsigned max;
	unsigned n;
};

static int tree_cb(const struct bl_sup_node *n, void *arg)
{
	struct tree_arg *t = (struct tree_arg *)arg;

	if (t->n >= t->max)
		return 1;
	t->out[t->n++] = *n;
	return 0;
}

int bl_sup_tree(struct bl_sched *ctl, uint64_t root, struct bl_sup_node *out, unsigned max,
		unsigned *n)
{
	struct tree_arg t = { out, max, 0 };
	int rc;

	if (out == NULL && max != 0)
		return -EINVAL;
	rc = bl_sup_walk(ctl, root, tree_cb, &t);
	if (n != NULL)
		*n = t.n;
	return rc < 0 ? rc : 0;
}
