/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Driving processes from the control socket: send, call, and the drills
 * (link, unlink, monitor, trap_exit: what a process would do in its handler,
 * done for it on its lcore between its turns).
 *
 * - send: a message (key, bytes) posted to a process on its lcore, as a
 *   process would send it (bl_sched_post; from pid none).
 * - call: the control thread must never wait for a process, so a call from
 *   the socket is a short-lived caller process on the control scheduler
 *   (which the control thread runs): its init makes the bl_call, its
 *   handle_reply writes the answer into a slot of pc->calls and exits. The
 *   request returns the slot's id at once; "call.result" says pending or
 *   gives the answer (and frees the slot). beamctl asks for the result until
 *   it comes. Slots are bounded (BL_CTL_CALLS); an answer nobody reads is
 *   freed after BL_CTL_CALL_KEEP_MS.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actors/pid.h"
#include "actors/sched.h"
#include "control/args.h"
#include "control/errors.h"
#include "control/online.h"
#include "control/proc_cmds.h"
#include "control/proc_cmds_pvt.h"

#define CALL_TIMEOUT_MS_DEFAULT 5000u
#define CALL_TIMEOUT_MS_MAX	60000u

enum { SLOT_FREE = 0, SLOT_PENDING, SLOT_DONE };

/* CLOCK_MONOTONIC in µs: a call's time is told in whole ms from two of
 * these, not from two readings already cut to ms (which would show a
 * 200 ms timeout that waited 200.4 ms as 199). */
static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The caller process's arguments (copied by init into its state). */
struct caller_args {
	struct bl_ctl_call *slot;
	uint32_t id;
	uint64_t to;
	uint64_t key;
	uint32_t timeout_ms;
	uint32_t len;
	uint8_t data[BL_CTL_CALL_DATA];
};

struct caller {
	struct bl_ctl_call *slot;
	uint32_t id;
};

static int caller_init(struct bl_ctx *c, void *arg)
{
	const struct caller_args *a = arg;
	struct caller *st = bl_alloc(c, sizeof(*st));

	if (st == NULL)
		return -ENOMEM;
	st->slot = a->slot;
	st->id = a->id;
	bl_set_state(c, st);
	if (bl_call(c, a->to, a->key, a->data, a->len, a->timeout_ms) == 0)
		return -errno;
	return 0;
}

static void caller_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m; /* nobody else writes to it */
}

static void caller_reply(struct bl_ctx *c, const struct bl_reply *r)
{
	struct caller *st = bl_state(c);
	struct bl_ctl_call *s = st->slot;

	if (s->id == st->id && s->state == SLOT_PENDING) {
		s->state = SLOT_DONE;
		s->done_us = now_us();
		s->status = r->status;
		s->from = r->from;
		s->reason = r->reason;
		s->len = 0;
		s->truncated = false;
		if (r->m != NULL) {
			uint32_t n = bl_msg_len(r->m);

			s->key = r->m->key;
			s->truncated = n > sizeof(s->data);
			s->len = s->truncated ? (uint32_t)sizeof(s->data) : n;
			memcpy(s->data, bl_msg_data(r->m), s->len);
		}
	}
	bl_exit(c, bl_reason_make(BL_EXIT_NORMAL));
}

static const struct bl_behaviour caller_behaviour = {
	.name = "ctl_caller",
	.init = caller_init,
	.handle_message = caller_msg,
	.handle_reply = caller_reply,
};

/* The request's "data": a string's bytes, or an integer's decimal text. */
static int data_arg(struct bl_args *a, const json_t *req, char *buf, size_t cap, const char **out,
		    size_t *len)
{
	const json_t *d = json_object_get(req, "data");

	if (d == NULL) {
		*out = "";
		*len = 0;
		return 0;
	}
	if (json_is_integer(d)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(d));
		*out = buf;
		*len = strlen(buf);
		return 0;
	}
	if (bl_args_text(a, "data", BL_ARG_OPTIONAL, out, len) != 0)
		return -EINVAL;
	if (*len > BL_CTL_CALL_DATA) {
		bl_err_set(a->err, a->errlen, "\"data\" must be at most %u bytes, not %zu",
			   BL_CTL_CALL_DATA, *len);
		return -EINVAL;
	}
	return 0;
}

/* What send and call both take: the target, a key (a number) and data. */
struct message_args {
	uint64_t pid;
	struct bl_cmd_key key;
	const char *data;
	size_t len;
	char num[32]; /* data given as an integer, as text */
};

static int message_args(struct bl_proc_cmds *pc, struct bl_args *a, const json_t *req,
			struct message_args *m)
{
	const struct bl_cmd_key none = { 0, false };
	int rc = bl__proc_target_pid(pc, a, &m->pid);

	if (rc == 0)
		rc = bl_args_key(a, "key", BL_ARG_REQUIRED, none, &m->key);
	if (rc == 0 && m->key.is_default)
		rc = bl_args_refuse(a, "key", "a number");
	if (rc == 0)
		rc = data_arg(a, req, m->num, sizeof(m->num), &m->data, &m->len);
	return rc;
}

static int cmd_send(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "target", "key", "data", NULL };
	struct bl_proc_cmds *pc = arg;
	struct message_args m;
	struct bl_args a;
	int rc = bl_args_open_request(&a, req, fields, errmsg, errlen);

	if (rc == 0)
		rc = message_args(pc, &a, req, &m);
	if (rc != 0)
		return rc;
	rc = bl_sched_post(bl__proc_sched_of(pc->r, m.pid), m.pid, m.key.value, m.data,
			   (uint32_t)m.len);
	if (rc != 0) {
		bl_err_set(errmsg, errlen, "cannot send: %s", strerror(-rc));
		return rc;
	}
	json_object_set_new(reply, "pid", bl__pid_json(m.pid));
	json_object_set_new(reply, "key", json_integer((json_int_t)m.key.value));
	json_object_set_new(reply, "bytes", json_integer((json_int_t)m.len));
	return 0;
}

/* A free slot (an answer unread for too long counts as free). */
static struct bl_ctl_call *slot_take(struct bl_proc_cmds *pc)
{
	uint64_t now = now_us();
	unsigned i;

	for (i = 0; i < BL_CTL_CALLS; i++) {
		struct bl_ctl_call *s = &pc->calls[i];

		if (s->state == SLOT_DONE &&
		    now - s->done_us > (uint64_t)BL_CTL_CALL_KEEP_MS * 1000u)
			s->state = SLOT_FREE;
		if (s->state == SLOT_FREE)
			return s;
	}
	return NULL;
}

static int cmd_call(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "target", "key", "data", "timeout", NULL };
	struct bl_proc_cmds *pc = arg;
	struct caller_args ca;
	struct bl_ctl_call *slot;
	struct message_args m;
	struct bl_args a;
	uint64_t ms;
	int rc = bl_args_open_request(&a, req, fields, errmsg, errlen);

	if (rc == 0)
		rc = message_args(pc, &a, req, &m);
	if (rc == 0)
		rc = bl_args_u64(&a, "timeout", BL_ARG_OPTIONAL, CALL_TIMEOUT_MS_DEFAULT, 1,
				 CALL_TIMEOUT_MS_MAX, &ms);
	if (rc != 0)
		return rc;
	slot = slot_take(pc);
	if (slot == NULL) {
		bl_err_set(errmsg, errlen, "%u calls are waiting for their answers already",
			   BL_CTL_CALLS);
		return -EBUSY;
	}
	memset(slot, 0, sizeof(*slot));
	slot->id = ++pc->call_seq == 0 ? ++pc->call_seq : pc->call_seq;
	slot->state = SLOT_PENDING;
	slot->target = m.pid;
	slot->started_us = now_us();
	ca.slot = slot;
	ca.id = slot->id;
	ca.to = m.pid;
	ca.key = m.key.value;
	ca.timeout_ms = (uint32_t)ms;
	ca.len = (uint32_t)m.len;
	memcpy(ca.data, m.data, m.len);
	/* The control scheduler is the control thread's own: spawn directly. */
	if (bl_proc_spawn(pc->r->ctl_sched, &caller_behaviour, &ca, NULL) == BL_PID_NONE) {
		rc = -errno;
		slot->state = SLOT_FREE;
		bl_err_set(errmsg, errlen, "cannot call: %s", strerror(-rc));
		return rc;
	}
	json_object_set_new(reply, "id", json_integer(slot->id));
	json_object_set_new(reply, "pid", bl__pid_json(m.pid));
	json_object_set_new(reply, "status", json_string("pending"));
	return 0;
}

/* Printable ASCII goes as "data", anything else as "data_hex". */
static void data_json(json_t *reply, const uint8_t *d, uint32_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[2 * BL_CTL_CALL_DATA + 1];
	bool text = true;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (d[i] < 0x20 || d[i] > 0x7e)
			text = false;
	if (text) {
		json_object_set_new(reply, "data", json_stringn((const char *)d, n));
		return;
	}
	for (i = 0; i < n; i++) {
		buf[2 * i] = hex[d[i] >> 4];
		buf[2 * i + 1] = hex[d[i] & 15];
	}
	json_object_set_new(reply, "data_hex", json_stringn(buf, 2 * n));
}

static int cmd_call_result(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "id", NULL };
	struct bl_proc_cmds *pc = arg;
	struct bl_ctl_call *s = NULL;
	struct bl_args a;
	uint64_t id;
	unsigned i;
	int rc = bl_args_open_request(&a, req, fields, errmsg, errlen);

	if (rc == 0)
		rc = bl_args_u64(&a, "id", BL_ARG_REQUIRED, 0, 1, UINT32_MAX, &id);
	if (rc != 0)
		return rc;
	for (i = 0; i < BL_CTL_CALLS; i++)
		if (pc->calls[i].state != SLOT_FREE && pc->calls[i].id == id)
			s = &pc->calls[i];
	if (s == NULL) {
		bl_err_set(errmsg, errlen, "no call %llu waits for its answer",
			   (unsigned long long)id);
		return -ENOENT;
	}
	json_object_set_new(reply, "id", json_integer((json_int_t)id));
	json_object_set_new(reply, "pid", bl__pid_json(s->target));
	if (s->state == SLOT_PENDING) {
		json_object_set_new(reply, "status", json_string("pending"));
		return 0;
	}
	json_object_set_new(reply, "status", json_string(bl_call_status_names[s->status]));
	json_object_set_new(reply, "ms",
			    json_integer((json_int_t)((s->done_us - s->started_us) / 1000u)));
	if (s->status == BL_CALL_OK) {
		json_object_set_new(reply, "from", bl__pid_json(s->from));
		json_object_set_new(reply, "key", json_integer((json_int_t)s->key));
		json_object_set_new(reply, "bytes", json_integer(s->len));
		data_json(reply, s->data, s->len);
		if (s->truncated)
			json_object_set_new(reply, "truncated", json_true());
	} else if (s->status == BL_CALL_NOPROC) {
		json_object_set_new(reply, "reason",
				    json_string(s->reason.code == BL_EXIT_ERROR && s->reason.text
						    ? s->reason.text
						    : bl_exit_code_names[s->reason.code]));
	}
	s->state = SLOT_FREE;
	return 0;
}

/* ---- drills: link, unlink, monitor, trap_exit, made by a process ---- */

enum drill_op { DRILL_LINK, DRILL_UNLINK, DRILL_MONITOR, DRILL_TRAP };

struct drill_job {
	uint64_t pid, other;
	enum drill_op op;
	bool on;
	int rc;
	uint64_t ref;
};

/* On the process's lcore, between its turns: as if its handler did it. */
static void drill_fn(struct bl_sched *s, void *arg)
{
	struct drill_job *j = arg;
	struct bl_proc *p = bl_proc_lookup(s, j->pid);
	struct bl_ctx c = { s, p };

	if (p == NULL) {
		j->rc = -ESRCH;
		return;
	}
	switch (j->op) {
	case DRILL_LINK:
		j->rc = bl_link(&c, j->other);
		break;
	case DRILL_UNLINK:
		j->rc = bl_unlink(&c, j->other);
		break;
	case DRILL_MONITOR:
		j->ref = bl_monitor(&c, j->other);
		j->rc = j->ref != 0 ? 0 : -errno;
		break;
	case DRILL_TRAP:
		bl_trap_exit(&c, j->on);
		j->rc = 0;
		break;
	}
}

static int drill(struct bl_proc_cmds *pc, json_t *req, json_t *reply, char *errmsg, size_t errlen,
		 enum drill_op op)
{
	static const char *const pair_fields[] = { "target", "other", NULL };
	static const char *const trap_fields[] = { "target", "on", NULL };
	struct drill_job j = { .op = op };
	struct bl_args a;
	const char *other;
	int rc = bl_args_open_request(&a, req, op == DRILL_TRAP ? trap_fields : pair_fields, errmsg,
				      errlen);

	if (rc == 0)
		rc = bl__proc_target_pid(pc, &a, &j.pid);
	if (rc == 0 && op == DRILL_TRAP && json_is_string(json_object_get(req, "on"))) {
		/* The words' form: true or false as text. */
		static const char *const words[] = { "false", "true" };
		unsigned int w = 0;

		rc = bl_args_enum(&a, "on", BL_ARG_REQUIRED, 0, words, 2, &w);
		j.on = w == 1;
	} else if (rc == 0 && op == DRILL_TRAP) {
		rc = bl_args_bool(&a, "on", BL_ARG_REQUIRED, false, &j.on);
	}
	if (rc == 0 && op != DRILL_TRAP) {
		rc = bl_args_str(&a, "other", BL_ARG_REQUIRED, NULL, 1, 64, &other);
		if (rc == 0)
			rc = bl_pid_resolve(pc->r, other, &j.other, errmsg, errlen);
	}
	if (rc != 0)
		return rc;
	if (op != DRILL_TRAP && j.other == j.pid) {
		bl_err_set(errmsg, errlen, "a process cannot %s itself",
			   op == DRILL_MONITOR ? "monitor" : "link to");
		return -EINVAL;
	}
	j.rc = -ESRCH;
	rc = bl__proc_run_on(pc->r, bl__proc_sched_of(pc->r, j.pid), drill_fn, &j);
	if (rc == 0)
		rc = j.rc;
	if (rc != 0) {
		bl_err_set(errmsg, errlen, "%s",
			   rc == -ESRCH ? "the process exited" : strerror(-rc));
		return rc == -ESRCH ? -ENOENT : rc;
	}
	json_object_set_new(reply, "pid", bl__pid_json(j.pid));
	if (op != DRILL_TRAP)
		json_object_set_new(reply, "other", bl__pid_json(j.other));
	if (op == DRILL_MONITOR)
		json_object_set_new(reply, "ref", json_integer((json_int_t)j.ref));
	if (op == DRILL_TRAP)
		json_object_set_new(reply, "trap_exit", json_boolean(j.on));
	return 0;
}

static int cmd_link(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	return drill(arg, req, reply, errmsg, errlen, DRILL_LINK);
}

static int cmd_unlink(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	return drill(arg, req, reply, errmsg, errlen, DRILL_UNLINK);
}

static int cmd_monitor(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	return drill(arg, req, reply, errmsg, errlen, DRILL_MONITOR);
}

static int cmd_trap_exit(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	return drill(arg, req, reply, errmsg, errlen, DRILL_TRAP);
}

BL_ONLINE(cmd_send)
BL_ONLINE(cmd_call)
BL_ONLINE(cmd_call_result)
BL_ONLINE(cmd_link)
BL_ONLINE(cmd_unlink)
BL_ONLINE(cmd_monitor)
BL_ONLINE(cmd_trap_exit)

int bl__call_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc)
{
	int rc = bl_ctl_register(c, "send", cmd_send_online, pc,
				 "send a process a message: target, key, data");

	if (rc == 0)
		rc = bl_ctl_register(c, "call", cmd_call_online, pc,
				     "call a process (its answer: call.result with the id)");
	if (rc == 0)
		rc = bl_ctl_register(c, "call.result", cmd_call_result_online, pc,
				     "the answer to a call: pending, ok, timeout or noproc");
	if (rc == 0)
		rc = bl_ctl_register(c, "link", cmd_link_online, pc,
				     "link a process to another, as if it called link/1");
	if (rc == 0)
		rc = bl_ctl_register(c, "unlink", cmd_unlink_online, pc, "undo link");
	if (rc == 0)
		rc = bl_ctl_register(c, "monitor", cmd_monitor_online, pc,
				     "make a process monitor another (its DOWN goes to it)");
	if (rc == 0)
		rc = bl_ctl_register(c, "trap_exit", cmd_trap_exit_online, pc,
				     "turn a process's trap_exit on or off");
	return rc;
}
