/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Supervisors (see sup.h) and the behaviour catalog.
 *
 * Design notes:
 *  - A supervisor is an ordinary process of the control scheduler that traps
 *    exits. Its state (malloc'd: control path, freed in terminate) is a copy
 *    of its spec plus, per child, the pid, the state (stopped / running /
 *    stopping) and the restart count. Nested supervisors are children whose
 *    behaviour is bl_supervisor_behaviour, always on the control scheduler,
 *    so the control thread reaches every state of a tree with
 *    bl_proc_state and a walk never crosses lcores.
 *  - Everything that takes time is a state machine driven by messages, never
 *    a wait: at most one operation runs at a time (restart of a set, stop of
 *    one child, shutdown of all). Its stop phase stops the marked children
 *    one at a time from the last started to the first: exit signal shutdown
 *    and a send_after timer to itself; the child's exit message (it is
 *    linked) or the timer (then BL_EXIT_KILL) moves it on. Its start phase
 *    starts the marked children in order. Only starting blocks: a child on
 *    a worker is spawned through the worker's command ring.
 *  - An unexpected exit during an operation: a child of the set (or any
 *    child during a shutdown) is simply stopped; any other child is marked
 *    deferred and handled like a fresh exit once the operation ends.
 *  - Restart intensity: a ring of the last intensity + 1 restart times (ms
 *    of the control scheduler's clock). A restart that makes it hold more
 *    than intensity entries younger than period_ms gives up: shutdown of
 *    all, then exit (shutdown, "reached_max_restart_intensity"). Every loop
 *    of restarts is therefore bounded by the intensity.
 *  - The catalog is a small fixed table: the built-ins, then what
 *    bl_catalog_add put there. Control thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "actors/behaviours.h"
#include "actors/name.h"
#include "actors/sup.h"
#include "actors/internal.h"

const char *const bl_sup_strategy_names[BL_SUP_STRATEGY_MAX] = {
	"one_for_one",
	"one_for_all",
	"rest_for_one",
};

const char *const bl_sup_restart_names[BL_SUP_RESTART_MAX] = {
	"permanent",
	"transient",
	"temporary",
};

const char *const bl_sup_child_state_names[BL_SUP_CHILD_STATE_MAX] = {
	"stopped",
	"running",
	"stopping",
};

/* Keys of the messages a supervisor sends itself. */
#define SUP_KEY_SHUTDOWN_TIMEOUT UINT64_C(0xB15C000000000001)
#define SUP_KEY_RETRY		 UINT64_C(0xB15C000000000002)

/* --- names and specs --- */

/* Ids and names follow the registry's rule (actors/name.h). */
static bool name_ok(const char *s)
{
	return bl_name_check(s, BL_NAME_MAX) > 0;
}

static bool name_set(const char *s)
{
	return s[0] != '\0';
}

static bool shutdown_ok(uint32_t ms)
{
	return ms == BL_SUP_SHUTDOWN_BRUTAL || ms == BL_SUP_SHUTDOWN_INFINITY ||
	       ms <= BL_SUP_SHUTDOWN_MAX_MS;
}

static int spec_check(const struct bl_sup_spec *spec, unsigned depth);

/* The child alone (not its relation to its siblings). */
static int child_check(const struct bl_sup_child_spec *c, unsigned depth)
{
	if (!name_ok(c->id) || (name_set(c->name) && !name_ok(c->name)))
		return -EINVAL;
	if ((c->beh == NULL) == (c->sup == NULL))
		return -EINVAL; /* exactly one of worker or supervisor */
	if (c->beh != NULL && c->beh->handle_message == NULL)
		return -EINVAL;
	/* A supervisor child is given as a spec (sup), never as an arg blob. */
	if (c->beh == &bl_supervisor_behaviour)
		return -EINVAL;
	if (c->arg_len > BL_SUP_ARG_MAX || (c->arg_len != 0 && c->arg == NULL))
		return -EINVAL;
	if (c->restart >= BL_SUP_RESTART_MAX || !shutdown_ok(c->shutdown_ms))
		return -EINVAL;
	if (c->lcore != BL_SUP_LCORE_ANY && c->lcore >= RTE_MAX_LCORE)
		return -EINVAL;
	if (c->opts.overflow > BL_OVERFLOW_KILL + 1)
		return -EINVAL;
	if (c->sup != NULL) {
		if (depth >= BL_SUP_DEPTH_MAX)
			return -EINVAL;
		return spec_check(c->sup, depth + 1);
	}
	return 0;
}

/* Whether id or name of c is already used in spec (children [0, n)). */
static int sibling_clash(const struct bl_sup_spec *spec, uint32_t n,
			 const struct bl_sup_child_spec *c)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct bl_sup_child_spec *o = &spec->children[i];

		if (strncmp(o->id, c->id, BL_NAME_MAX) == 0)
			return -EEXIST;
		if (name_set(c->name) && strncmp(o->name, c->name, BL_NAME_MAX) == 0)
			return -EEXIST;
	}
	return 0;
}

static int spec_check(const struct bl_sup_spec *spec, unsigned depth)
{
	uint32_t i;
	int rc;

	if (spec == NULL || !name_ok(spec->id) || spec->strategy >= BL_SUP_STRATEGY_MAX ||
	    spec->intensity > BL_SUP_INTENSITY_MAX || spec->n_children > BL_SUP_CHILDREN_MAX ||
	    (spec->n_children != 0 && spec->children == NULL))
		return -EINVAL;
	for (i = 0; i < spec->n_children; i++) {
		rc = child_check(&spec->children[i], depth);
		if (rc == 0)
			rc = sibling_clash(spec, i, &spec->children[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static bool spec_has_names(const struct bl_sup_spec *spec)
{
	uint32_t i;

	for (i = 0; i < spec->n_children; i++) {
		const struct bl_sup_child_spec *c = &spec->children[i];

		if (name_set(c->name) || (c->sup != NULL && spec_has_names(c->sup)))
			return true;
	}
	return false;
}

static void child_free(struct bl_sup_child_spec *c)
{
	free((void *)(uintptr_t)c->arg);
	c->arg = NULL;
	if (c->sup != NULL) {
		bl_sup_spec_fini(c->sup);
		free(c->sup);
		c->sup = NULL;
	}
}

static int spec_copy(struct bl_sup_spec *dst, const struct bl_sup_spec *src,
		     struct bl_crash_log *log);

/* Deep copy; nested specs without a log inherit log. */
static int child_copy(struct bl_sup_child_spec *dst, const struct bl_sup_child_spec *src,
		      struct bl_crash_log *log)
{
	*dst = *src;
	dst->arg = NULL;
	dst->sup = NULL;
	if (src->arg_len != 0) {
		void *a = malloc(src->arg_len);

		if (a == NULL)
			return -ENOMEM;
		memcpy(a, src->arg, src->arg_len);
		dst->arg = a;
	}
	if (src->sup != NULL) {
		struct bl_sup_spec *s = (struct bl_sup_spec *)calloc(1, sizeof(*s));
		int rc;

		if (s == NULL) {
			child_free(dst);
			return -ENOMEM;
		}
		rc = spec_copy(s, src->sup, log);
		if (rc != 0) {
			free(s);
			child_free(dst);
			return rc;
		}
		dst->sup = s;
	}
	return 0;
}

static int spec_copy(struct bl_sup_spec *dst, const struct bl_sup_spec *src,
		     struct bl_crash_log *log)
{
	uint32_t i;
	int rc;

	*dst = *src;
	if (dst->log == NULL)
		dst->log = log;
	dst->children = NULL;
	dst->n_children = 0;
	dst->cap = 0;
	if (src->n_children == 0)
		return 0;
	dst->children =
	    (struct bl_sup_child_spec *)calloc(src->n_children, sizeof(struct bl_sup_child_spec));
	if (dst->children == NULL)
		return -ENOMEM;
	dst->cap = src->n_children;
	for (i = 0; i < src->n_children; i++) {
		rc = child_copy(&dst->children[i], &src->children[i], dst->log);
		if (rc != 0) {
			bl_sup_spec_fini(dst);
			return rc;
		}
		dst->n_children++;
	}
	return 0;
}

int bl_sup_spec_init(struct bl_sup_spec *spec, const char *id, uint32_t strategy,
		     uint32_t intensity, uint32_t period_ms)
{
	if (spec == NULL)
		return -EINVAL;
	memset(spec, 0, sizeof(*spec));
	if (!name_ok(id) || strategy >= BL_SUP_STRATEGY_MAX || intensity > BL_SUP_INTENSITY_MAX)
		return -EINVAL;
	strcpy(spec->id, id);
	spec->strategy = strategy;
	spec->intensity = intensity;
	spec->period_ms = period_ms;
	return 0;
}

int bl_sup_child_spec_init(struct bl_sup_child_spec *c, const char *id,
			   const struct bl_behaviour *beh)
{
	if (c == NULL)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->lcore = BL_SUP_LCORE_ANY;
	c->restart = BL_SUP_PERMANENT;
	c->beh = beh;
	if (!name_ok(id) || beh == NULL)
		return -EINVAL;
	strcpy(c->id, id);
	return 0;
}

int bl_sup_child_spec_sup(struct bl_sup_child_spec *c, const char *id, struct bl_sup_spec *sup)
{
	if (c == NULL)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->lcore = BL_SUP_LCORE_ANY;
	c->restart = BL_SUP_PERMANENT;
	c->shutdown_ms = BL_SUP_SHUTDOWN_INFINITY;
	c->sup = sup;
	if (!name_ok(id) || sup == NULL)
		return -EINVAL;
	strcpy(c->id, id);
	return 0;
}

int bl_sup_child_set_name(struct bl_sup_child_spec *c, const char *name)
{
	if (c == NULL || !name_ok(name))
		return -EINVAL;
	strcpy(c->name, name);
	return 0;
}

int bl_sup_spec_add(struct bl_sup_spec *spec, const struct bl_sup_child_spec *child)
{
	int rc;

	if (spec == NULL || child == NULL)
		return -EINVAL;
	rc = child_check(child, 0);
	if (rc != 0)
		return rc;
	rc = sibling_clash(spec, spec->n_children, child);
	if (rc != 0)
		return rc;
	if (spec->n_children >= BL_SUP_CHILDREN_MAX)
		return -ENOSPC;
	if (spec->n_children == spec->cap) {
		uint32_t cap = spec->cap != 0 ? spec->cap * 2 : 4;
		struct bl_sup_child_spec *c =
		    (struct bl_sup_child_spec *)realloc(spec->children, (size_t)cap * sizeof(*c));

		if (c == NULL)
			return -ENOMEM;
		spec->children = c;
		spec->cap = cap;
	}
	/* Nested specs inherit the log when the tree is started, not here. */
	rc = child_copy(&spec->children[spec->n_children], child, NULL);
	if (rc != 0)
		return rc;
	spec->n_children++;
	return 0;
}

void bl_sup_spec_fini(struct bl_sup_spec *spec)
{
	uint32_t i;

	if (spec == NULL)
		return;
	for (i = 0; i < spec->n_children; i++)
		child_free(&spec->children[i]);
	free(spec->children);
	spec->children = NULL;
	spec->n_children = 0;
	spec->cap = 0;
}

/* --- the supervisor process --- */

enum sup_op {
	OP_NONE = 0,
	OP_RESTART,  /* stop the marked children, start them again */
	OP_STOP_ONE, /* stop the marked child; it stays stopped */
	OP_SHUTDOWN, /* stop every child, then exit with exit_reason */
};

struct sup_child {
	struct bl_sup_child_spec spec; /* owned copy */
	struct bl_timer *timer;	       /* shutdown timeout while stopping, or NULL */
	uint64_t pid;
	uint32_t lcore; /* where it runs now */
	uint32_t restarts;
	uint8_t state;	 /* enum bl_sup_child_state */
	bool mark;	 /* in the current operation's set */
	bool deferred;	 /* exited during an operation outside its set */
	bool retry;	 /* a restart failed: try again at the next SUP_KEY_RETRY */
	bool registered; /* its name is bound in the registry */
	struct bl_reason deferred_reason;
};

struct sup {
	struct bl_sup_spec spec; /* owned copy; children moved into ch[] */
	uint64_t self;
	uint64_t parent;
	uint32_t n;
	struct sup_child *ch;
	uint32_t *hist; /* restart times, a ring of intensity + 1 */
	uint32_t hist_head;
	uint32_t hist_n;
	uint32_t op; /* enum sup_op */
	struct bl_reason exit_reason;
};

static void sup_free(struct sup *su)
{
	uint32_t i;

	if (su == NULL)
		return;
	for (i = 0; i < su->n; i++)
		child_free(&su->ch[i].spec);
	free(su->ch);
	free(su->hist);
	free(su);
}

static struct sup *sup_new(const struct bl_sup_spec *spec, uint64_t self, uint64_t parent)
{
	struct sup *su = (struct sup *)calloc(1, sizeof(*su));
	struct bl_sup_spec copy;
	uint32_t i;
	int rc;

	if (su == NULL)
		return NULL;
	rc = spec_copy(&copy, spec, spec->log);
	if (rc != 0) {
		free(su);
		errno = -rc;
		return NULL;
	}
	su->spec = copy;
	su->self = self;
	su->parent = parent;
	if (su->spec.period_ms == 0)
		su->spec.period_ms = BL_SUP_PERIOD_DEFAULT_MS;
	su->hist = (uint32_t *)calloc(su->spec.intensity + 1, sizeof(uint32_t));
	su->ch = (struct sup_child *)calloc(copy.n_children != 0 ? copy.n_children : 1,
					    sizeof(struct sup_child));
	if (su->hist == NULL || su->ch == NULL) {
		free(su->hist);
		free(su->ch);
		bl_sup_spec_fini(&su->spec);
		free(su);
		errno = ENOMEM;
		return NULL;
	}
	/* The children's specs move into ch[]; the spec keeps none. */
	for (i = 0; i < copy.n_children; i++)
		su->ch[i].spec = copy.children[i];
	su->n = copy.n_children;
	free(copy.children);
	su->spec.children = NULL;
	su->spec.n_children = 0;
	su->spec.cap = 0;
	return su;
}

/* The supervisor state of pid on ctl, or NULL. */
static struct sup *sup_get(struct bl_sched *ctl, uint64_t pid, struct bl_proc **pp)
{
	struct bl_proc *p = bl_proc_lookup(ctl, pid);

	if (p == NULL || p->beh != &bl_supervisor_behaviour || p->state == NULL)
		return NULL;
	if (pp != NULL)
		*pp = p;
	return (struct sup *)p->state;
}

static struct bl_registry *sup_registry(struct bl_ctx *c)
{
	return c->s->registry;
}

static void child_unregister(struct bl_ctx *c, struct sup_child *ch)
{
	if (!ch->registered)
		return;
	(void)bl_registry_unregister(sup_registry(c), ch->spec.name, sizeof(ch->spec.name));
	ch->registered = false;
}

/* The worker scheduler with the fewest live processes (relaxed reads). */
static uint32_t pick_lcore(struct bl_sched *ctl)
{
	struct bl_sched_set *set = ctl->set;
	uint32_t best = ctl->lcore, best_n = UINT32_MAX, i;

	for (i = 0; i < RTE_MAX_LCORE; i++) {
		struct bl_sched *s = set->by_idx[i];
		uint32_t n;

		if (s == NULL || s == ctl)
			continue;
		n = __atomic_load_n(&s->n_live, __ATOMIC_RELAXED);
		if (n < best_n) {
			best = s->lcore;
			best_n = n;
		}
	}
	return best;
}

/* Start child i. 0, or -errno (nothing left running then). */
static int child_start(struct bl_ctx *c, struct sup *su, uint32_t i)
{
	struct sup_child *ch = &su->ch[i];
	struct bl_spawn_opts o = ch->spec.opts;
	uint32_t lcore;
	uint64_t pid;

	o.link_to = su->self;
	if (ch->spec.sup != NULL) {
		struct bl_sup_arg a = { ch->spec.sup, su->self };

		o.trap_exit = true;
		lcore = c->s->lcore;
		pid = bl_spawn(c, &bl_supervisor_behaviour, &a, &o);
	} else {
		void *arg = (void *)(uintptr_t)ch->spec.arg;

		lcore = ch->spec.lcore == BL_SUP_LCORE_ANY ? pick_lcore(c->s) : ch->spec.lcore;
		if (lcore == c->s->lcore) {
			pid = bl_spawn(c, ch->spec.beh, arg, &o);
		} else {
			struct bl_sched *d = c->s->set->by_lcore[lcore];

			if (d == NULL)
				return -ENODEV;
			pid = bl_sched_spawn_on(d, ch->spec.beh, arg, &o, BL_SUP_SPAWN_TIMEOUT_MS);
		}
	}
	if (pid == BL_PID_NONE)
		return errno != 0 ? -errno : -EIO;
	if (name_set(ch->spec.name)) {
		int rc =
		    bl_registry_set(sup_registry(c), ch->spec.name, sizeof(ch->spec.name), pid);

		if (rc != 0) {
			/* Its exit message comes from a pid we do not know: ignored. */
			(void)bl_exit_signal(c, pid, bl_reason_make(BL_EXIT_KILL));
			return rc;
		}
		ch->registered = true;
	}
	ch->pid = pid;
	ch->lcore = lcore;
	ch->state = BL_SUP_CHILD_RUNNING;
	return 0;
}

static uint32_t shutdown_of(const struct sup_child *ch)
{
	if (ch->spec.shutdown_ms != 0)
		return ch->spec.shutdown_ms;
	return ch->spec.sup != NULL ? BL_SUP_SHUTDOWN_INFINITY : BL_SUP_SHUTDOWN_DEFAULT_MS;
}

/*
 * The shutdown timeout: a send_after entry of the control scheduler (the
 * message comes to the supervisor itself), taken from the lcore's pool the
 * way bl_send_after does, but kept so that it can be cancelled when the
 * child exits in time: a tree that stops cleanly leaves no timer behind.
 */
static struct bl_timer *stop_timer_arm(struct bl_sched *s, uint64_t self, uint64_t pid, uint32_t ms)
{
	struct bl_timer *t = s->free_timers;

	if (t == NULL)
		return NULL;
	s->free_timers = (struct bl_timer *)t->node.next;
	s->n_timers_free--;
	t->node.next = t->node.prev = NULL;
	t->node.kind = BL_TNODE_SEND;
	t->dst = self;
	t->src = self;
	t->key = SUP_KEY_SHUTDOWN_TIMEOUT;
	t->len = sizeof(pid);
	memcpy(t->inl, &pid, sizeof(pid));
	bl_wheel_arm(&s->wheel, &t->node, bl__now(s) + ms);
	return t;
}

/* Cancel it if it is still ours and armed (once fired it went back to the pool). */
static void stop_timer_cancel(struct bl_sched *s, struct sup_child *ch, uint64_t self)
{
	struct bl_timer *t = ch->timer;
	uint64_t pid;

	ch->timer = NULL;
	if (t == NULL || !bl_tnode_armed(&t->node) || t->node.kind != BL_TNODE_SEND ||
	    t->dst != self || t->key != SUP_KEY_SHUTDOWN_TIMEOUT || t->len != sizeof(pid))
		return;
	memcpy(&pid, t->inl, sizeof(pid));
	if (pid != ch->pid)
		return;
	bl_wheel_cancel(&s->wheel, &t->node);
	t->node.next = (struct bl_tnode *)s->free_timers; /* node is the first member */
	s->free_timers = t;
	s->n_timers_free++;
}

/* Begin stopping a running child: shutdown now, kill when its time is up. */
static void child_stop(struct bl_ctx *c, struct sup *su, struct sup_child *ch)
{
	uint32_t ms = shutdown_of(ch);

	ch->state = BL_SUP_CHILD_STOPPING;
	if (ms == BL_SUP_SHUTDOWN_BRUTAL) {
		(void)bl_exit_signal(c, ch->pid, bl_reason_make(BL_EXIT_KILL));
		return;
	}
	(void)bl_exit_signal(c, ch->pid, bl_reason_make(BL_EXIT_SHUTDOWN));
	if (ms == BL_SUP_SHUTDOWN_INFINITY)
		return;
	ch->timer = stop_timer_arm(c->s, su->self, ch->pid, ms);
	/* No timer left on this lcore: no grace period either. */
	if (ch->timer == NULL)
		(void)bl_exit_signal(c, ch->pid, bl_reason_make(BL_EXIT_KILL));
}

static bool abnormal(struct bl_reason r)
{
	return r.code != BL_EXIT_NORMAL && r.code != BL_EXIT_SHUTDOWN;
}

/* Count a restart now; false when it is one too many. */
static bool intensity_ok(struct bl_ctx *c, struct sup *su)
{
	uint32_t now = bl__now(c->s), cap = su->spec.intensity + 1;

	/* Forget restarts older than the period. */
	while (su->hist_n != 0 && now - su->hist[su->hist_head] >= su->spec.period_ms) {
		su->hist_head = (su->hist_head + 1) % cap;
		su->hist_n--;
	}
	if (su->hist_n == cap) {
		su->hist_head = (su->hist_head + 1) % cap;
		su->hist_n--;
	}
	su->hist[(su->hist_head + su->hist_n) % cap] = now;
	su->hist_n++;
	return su->hist_n <= su->spec.intensity;
}

static void op_step(struct bl_ctx *c, struct sup *su);

static void begin_shutdown(struct bl_ctx *c, struct sup *su, struct bl_reason why)
{
	uint32_t i;

	su->op = OP_SHUTDOWN;
	su->exit_reason = why;
	for (i = 0; i < su->n; i++)
		su->ch[i].mark = su->ch[i].state != BL_SUP_CHILD_STOPPED;
	op_step(c, su);
}

/* Child i is down for good or for a restart later: forget its pid. */
static void child_down(struct bl_ctx *c, struct sup *su, struct sup_child *ch)
{
	stop_timer_cancel(c->s, ch, su->self);
	ch->state = BL_SUP_CHILD_STOPPED;
	ch->pid = BL_PID_NONE;
}

/*
 * A failed start (restart) counts as an exit with an error, handled at the
 * next message to ourselves: between two attempts the control loop gets
 * its thread back, however short the intensity period is.
 */
static void start_failed(struct bl_ctx *c, struct sup *su, struct sup_child *ch, int rc)
{
	child_down(c, su, ch);
	ch->retry = true;
	ch->deferred_reason = bl_reason_error((uint16_t)-rc, "start failed");
	(void)bl_send(c, su->self, SUP_KEY_RETRY, NULL, 0);
}

static bool retry_pending(const struct sup *su)
{
	uint32_t i;

	for (i = 0; i < su->n; i++)
		if (su->ch[i].retry)
			return true;
	return false;
}

static void restart_one(struct bl_ctx *c, struct sup *su, uint32_t i)
{
	int rc = child_start(c, su, i);

	if (rc != 0)
		start_failed(c, su, &su->ch[i], rc);
	else
		su->ch[i].restarts++;
}

/* Child i has exited with reason, no operation running: apply the policy. */
static void child_exited(struct bl_ctx *c, struct sup *su, uint32_t i, struct bl_reason reason)
{
	struct sup_child *ch = &su->ch[i];
	uint32_t j;

	child_down(c, su, ch);
	if (ch->spec.restart == BL_SUP_TEMPORARY ||
	    (ch->spec.restart == BL_SUP_TRANSIENT && !abnormal(reason))) {
		child_unregister(c, ch);
		return;
	}
	if (!intensity_ok(c, su)) {
		struct bl_reason r = bl_reason_make(BL_EXIT_SHUTDOWN);

		r.detail = BL_SUP_DETAIL_INTENSITY;
		r.text = BL_SUP_INTENSITY_TEXT;
		begin_shutdown(c, su, r);
		return;
	}
	switch (su->spec.strategy) {
	case BL_SUP_ONE_FOR_ONE:
		restart_one(c, su, i);
		return;
	case BL_SUP_ONE_FOR_ALL:
	case BL_SUP_REST_FOR_ONE:
		for (j = 0; j < su->n; j++) {
			bool in = su->spec.strategy == BL_SUP_ONE_FOR_ALL || j >= i;

			su->ch[j].mark = j == i || (in && su->ch[j].state != BL_SUP_CHILD_STOPPED);
		}
		su->op = OP_RESTART;
		op_step(c, su);
		return;
	default:
		return;
	}
}

/* Handle exits that waited for an operation to end, while none runs. */
static void process_deferred(struct bl_ctx *c, struct sup *su)
{
	uint32_t i;
	bool again = true;

	while (again && su->op == OP_NONE) {
		again = false;
		for (i = 0; i < su->n && su->op == OP_NONE; i++) {
			struct sup_child *ch = &su->ch[i];

			if (!ch->deferred)
				continue;
			ch->deferred = false;
			child_exited(c, su, i, ch->deferred_reason);
			again = true;
		}
	}
}

/* Advance the current operation as far as it goes without waiting. */
static void op_step(struct bl_ctx *c, struct sup *su)
{
	uint32_t i;

	if (su->op == OP_NONE)
		return;
	/* Stop phase: one child at a time, the last started first. */
	for (i = su->n; i-- > 0;) {
		struct sup_child *ch = &su->ch[i];

		if (!ch->mark)
			continue;
		if (ch->state == BL_SUP_CHILD_STOPPING)
			return; /* its exit (or its timer) moves us on */
		if (ch->state == BL_SUP_CHILD_RUNNING) {
			child_stop(c, su, ch);
			return;
		}
	}
	switch (su->op) {
	case OP_RESTART:
		/* Retries that waited for the operation get their turn again. */
		if (retry_pending(su))
			(void)bl_send(c, su->self, SUP_KEY_RETRY, NULL, 0);
		su->op = OP_NONE;
		for (i = 0; i < su->n; i++) {
			if (!su->ch[i].mark)
				continue;
			su->ch[i].mark = false;
			restart_one(c, su, i);
		}
		break;
	case OP_STOP_ONE:
		if (retry_pending(su))
			(void)bl_send(c, su->self, SUP_KEY_RETRY, NULL, 0);
		su->op = OP_NONE;
		for (i = 0; i < su->n; i++)
			su->ch[i].mark = false;
		break;
	case OP_SHUTDOWN:
		for (i = 0; i < su->n; i++) {
			su->ch[i].mark = false;
			su->ch[i].deferred = false;
			su->ch[i].retry = false;
			child_unregister(c, &su->ch[i]);
		}
		bl_exit(c, su->exit_reason);
		return; /* stays OP_SHUTDOWN: nothing else happens any more */
	default:
		break;
	}
	process_deferred(c, su);
}

static int find_by_pid(const struct sup *su, uint64_t pid)
{
	uint32_t i;

	if (pid == BL_PID_NONE)
		return -1;
	for (i = 0; i < su->n; i++)
		if (su->ch[i].pid == pid)
			return (int)i;
	return -1;
}

static void annotate(struct bl_ctx *c, struct sup *su, const struct sup_child *ch, uint64_t pid,
		     struct bl_reason r)
{
	if (su->spec.log == NULL || !bl__crash_worthy(r))
		return;
	(void)bl_crash_annotate(su->spec.log, c->s->set, pid,
				name_set(ch->spec.name) ? ch->spec.name : ch->spec.id);
}

static void sup_handle_exit(struct bl_ctx *c, const struct bl_msg *m)
{
	struct sup *su = (struct sup *)bl_state(c);
	struct bl_reason r = m->u.reason;
	struct sup_child *ch;
	int i;

	if (m->type != BL_MSG_EXIT)
		return;
	if (su->parent != BL_PID_NONE && m->src == su->parent) {
		/* Our supervisor is going (or tells us to): take the children along. */
		if (su->op != OP_SHUTDOWN)
			begin_shutdown(c, su, r);
		return;
	}
	i = find_by_pid(su, m->src);
	if (i < 0)
		return; /* a child we no longer know (killed after a failed start) */
	ch = &su->ch[i];
	annotate(c, su, ch, m->src, r);
	if (ch->state == BL_SUP_CHILD_STOPPING || su->op == OP_SHUTDOWN) {
		child_down(c, su, ch);
		if (su->op != OP_RESTART)
			child_unregister(c, ch);
		op_step(c, su);
		return;
	}
	if (su->op == OP_NONE) {
		child_exited(c, su, (uint32_t)i, r);
		process_deferred(c, su);
		return;
	}
	/* An operation is running. */
	child_down(c, su, ch);
	if (ch->mark) {
		op_step(c, su);
		return;
	}
	ch->deferred = true;
	ch->deferred_reason = r;
}

/* One attempt for each child whose restart failed (each failure asks again). */
static void retry_starts(struct bl_ctx *c, struct sup *su)
{
	uint32_t i;

	for (i = 0; i < su->n && su->op == OP_NONE; i++) {
		struct sup_child *ch = &su->ch[i];

		if (!ch->retry)
			continue;
		ch->retry = false;
		child_exited(c, su, i, ch->deferred_reason);
	}
	process_deferred(c, su);
}

static void sup_handle_message(struct bl_ctx *c, const struct bl_msg *m)
{
	struct sup *su = (struct sup *)bl_state(c);
	uint64_t pid;
	int i;

	if (m->src != su->self)
		return; /* a supervisor takes no other mail */
	if (m->key == SUP_KEY_RETRY) {
		if (su->op == OP_NONE)
			retry_starts(c, su);
		return;
	}
	if (m->key != SUP_KEY_SHUTDOWN_TIMEOUT || bl_msg_len(m) != sizeof(pid))
		return;
	memcpy(&pid, bl_msg_data(m), sizeof(pid));
	i = find_by_pid(su, pid);
	if (i >= 0 && su->ch[i].state == BL_SUP_CHILD_STOPPING) {
		su->ch[i].timer = NULL; /* it fired: back in the pool already */
		(void)bl_exit_signal(c, pid, bl_reason_make(BL_EXIT_KILL));
	}
}

static int sup_init(struct bl_ctx *c, void *arg)
{
	const struct bl_sup_arg *a = (const struct bl_sup_arg *)arg;
	struct sup *su;
	uint32_t i;
	int rc;

	if (a == NULL || a->spec == NULL)
		return -EINVAL;
	rc = spec_check(a->spec, 0);
	if (rc != 0)
		return rc;
	if (spec_has_names(a->spec) && sup_registry(c) == NULL)
		return -EINVAL;
	su = sup_new(a->spec, bl_self(c), a->parent);
	if (su == NULL)
		return -errno;
	bl_trap_exit(c, true);
	bl_set_state(c, su);
	for (i = 0; i < su->n; i++) {
		rc = child_start(c, su, i);
		if (rc != 0)
			break;
	}
	if (rc == 0)
		return 0;
	/* Refused: nothing of the tree stays behind. */
	while (i-- > 0) {
		(void)bl_exit_signal(c, su->ch[i].pid, bl_reason_make(BL_EXIT_KILL));
		child_unregister(c, &su->ch[i]);
	}
	bl_set_state(c, NULL);
	sup_free(su);
	return rc;
}

static void sup_terminate(struct bl_ctx *c, struct bl_reason reason)
{
	struct sup *su = (struct sup *)bl_state(c);
	uint32_t i;

	(void)reason;
	if (su == NULL)
		return;
	/* Killed in the middle of something: names and timers must not outlive the tree. */
	for (i = 0; i < su->n; i++) {
		stop_timer_cancel(c->s, &su->ch[i], su->self);
		child_unregister(c, &su->ch[i]);
	}
	bl_set_state(c, NULL);
	sup_free(su);
}

const struct bl_behaviour bl_supervisor_behaviour = {
	.name = "supervisor",
	.init = sup_init,
	.handle_message = sup_handle_message,
	.handle_exit = sup_handle_exit,
	.terminate = sup_terminate,
};

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
	rc = spec_check(spec, 0);
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
	struct sup *su = sup_get(ctl, pid, &p);

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
		begin_shutdown(&c, su, bl_reason_make(BL_EXIT_SHUTDOWN));
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
	struct sup *su = sup_get(ctl, pid, NULL);
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

	if (ctl == NULL || !name_ok(id))
		return -EINVAL;
	if (sup_get(ctl, root, NULL) == NULL)
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
	rc = child_start(&c, su, i);
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
	op_step(&c, su);
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
		rc = child_start(&c, su, i);
		if (rc == 0)
			su->ch[i].restarts++;
		bl_sched_flush(ctl);
		return rc;
	}
	/* A restart set of one: stopped, then started again by op_step. */
	su->ch[i].mark = true;
	su->op = OP_RESTART;
	op_step(&c, su);
	bl_sched_flush(ctl);
	return 0;
}

uint64_t bl_sup_whereis(struct bl_sched *ctl, uint64_t root, const char *id)
{
	struct sup *su;
	uint32_t i;

	if (ctl == NULL || !name_ok(id))
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
		sub = ch->pid != BL_PID_NONE ? sup_get(w->ctl, ch->pid, NULL) : NULL;
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
	su = sup_get(ctl, root, NULL);
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

/* --- catalog --- */

struct catalog_entry {
	char name[BL_NAME_MAX];
	const struct bl_behaviour *beh;
};

/* Process-wide by nature (config names behaviours): control thread only. */
static struct catalog_entry catalog[BL_CATALOG_MAX];
static unsigned catalog_n;

static void catalog_builtins(void)
{
	static const struct bl_behaviour *const builtins[] = {
		&bl_counter_behaviour, &bl_relay_behaviour,	 &bl_forward_behaviour,
		&bl_echo_behaviour,    &bl_supervisor_behaviour,
	};
	unsigned i;

	if (catalog_n != 0)
		return;
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		snprintf(catalog[i].name, sizeof(catalog[i].name), "%s", builtins[i]->name);
		catalog[i].beh = builtins[i];
	}
	catalog_n = i;
}

const struct bl_behaviour *bl_catalog_find(const char *name)
{
	unsigned i;

	catalog_builtins();
	if (!name_ok(name))
		return NULL;
	for (i = 0; i < catalog_n; i++)
		if (strncmp(catalog[i].name, name, BL_NAME_MAX) == 0)
			return catalog[i].beh;
	return NULL;
}

int bl_catalog_add(const char *name, const struct bl_behaviour *b)
{
	catalog_builtins();
	if (!name_ok(name) || b == NULL || b->handle_message == NULL)
		return -EINVAL;
	if (bl_catalog_find(name) != NULL)
		return -EEXIST;
	if (catalog_n >= BL_CATALOG_MAX)
		return -ENOSPC;
	strcpy(catalog[catalog_n].name, name);
	catalog[catalog_n].beh = b;
	catalog_n++;
	return 0;
}

unsigned bl_catalog_list(const char **names, unsigned max)
{
	unsigned i;

	catalog_builtins();
	for (i = 0; i < catalog_n && i < max; i++)
		names[i] = catalog[i].name;
	return catalog_n;
}
