/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Supervisors (see sup.h).
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

/* Keys of the messages a supervisor sends itself. */
#define SUP_KEY_SHUTDOWN_TIMEOUT UINT64_C(0xB15C000000000001)
#define SUP_KEY_RETRY		 UINT64_C(0xB15C000000000002)

/* --- the supervisor process --- */

static void sup_free(struct sup *su)
{
	uint32_t i;

	if (su == NULL)
		return;
	for (i = 0; i < su->n; i++)
		bl__sup_child_free(&su->ch[i].spec);
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
	rc = bl__sup_spec_copy(&copy, spec, spec->log);
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
struct sup *bl__sup_get(struct bl_sched *ctl, uint64_t pid, struct bl_proc **pp)
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
int bl__sup_child_start(struct bl_ctx *c, struct sup *su, uint32_t i)
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
	if (bl__sup_name_set(ch->spec.name)) {
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
	struct bl_timer *t = bl__timer_take(s, BL_TNODE_SEND);

	if (t == NULL)
		return NULL;
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
	bl__timer_put(s, t);
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

void bl__sup_begin_shutdown(struct bl_ctx *c, struct sup *su, struct bl_reason why)
{
	uint32_t i;

	su->op = OP_SHUTDOWN;
	su->exit_reason = why;
	for (i = 0; i < su->n; i++)
		su->ch[i].mark = su->ch[i].state != BL_SUP_CHILD_STOPPED;
	bl__sup_op_step(c, su);
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
	int rc = bl__sup_child_start(c, su, i);

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
		bl__sup_begin_shutdown(c, su, r);
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
		bl__sup_op_step(c, su);
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
void bl__sup_op_step(struct bl_ctx *c, struct sup *su)
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
				bl__sup_name_set(ch->spec.name) ? ch->spec.name : ch->spec.id);
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
			bl__sup_begin_shutdown(c, su, r);
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
		bl__sup_op_step(c, su);
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
		bl__sup_op_step(c, su);
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
	rc = bl__sup_spec_check(a->spec, 0);
	if (rc != 0)
		return rc;
	if (bl__sup_spec_has_names(a->spec) && sup_registry(c) == NULL)
		return -EINVAL;
	su = sup_new(a->spec, bl_self(c), a->parent);
	if (su == NULL)
		return -errno;
	bl_trap_exit(c, true);
	bl_set_state(c, su);
	for (i = 0; i < su->n; i++) {
		rc = bl__sup_child_start(c, su, i);
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
