/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry and packet capture: design note.
 *
 * rte_telemetry callbacks take no user argument, so the state is one
 * file-static struct (tel), reached only through this file's functions.
 *
 * Hand-off. A callback runs on a DPDK telemetry thread. It builds the
 * request object, allocates a struct tel_req, appends it to tel's queue
 * under tel.lock, and waits on tel.done (CLOCK_MONOTONIC) until the
 * request is DONE or BL_TELEMETRY_WAIT_MS pass. bl_telemetry_poll, on the
 * control thread, takes requests off the queue one at a time (QUEUED ->
 * RUNNING under the lock), runs bl_ctl_exec with the lock released, and
 * under the lock again stores the reply, marks it DONE and broadcasts.
 * Ownership: a QUEUED or DONE request belongs to its waiter; a RUNNING one
 * to the control thread until it is DONE. A waiter that times out unlinks
 * and frees a QUEUED request itself, but only marks a RUNNING one
 * abandoned: the control thread then frees it when the handler returns.
 * So nothing is freed twice and nothing waits unbounded on the telemetry
 * side. The queue holds at most one request per telemetry client thread.
 *
 * Conversion happens on the telemetry thread, from the reply it now owns,
 * within a byte budget that keeps the whole output under DPDK's 16 KB
 * (strings counted with their JSON escapes) and within rte_tel_data's
 * entry, name and string bounds; whatever does not fit is left out and the
 * reply says "truncated": 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_pdump.h>
#include <rte_telemetry.h>

#include "control/errors.h"
#include "control/telemetry.h"
#include "control/telemetry_pvt.h"

#define TEL_NAME_MAX (RTE_TEL_MAX_STRING_LEN - 1) /* bytes of a dict name */
#define TEL_STR_MAX  (RTE_TEL_MAX_STRING_LEN - 1) /* bytes of a string value */
#define TEL_RESERVE  64 /* output bytes kept for the "truncated" flag and framing */

enum req_state { REQ_QUEUED, REQ_RUNNING, REQ_DONE };

struct tel_req {
	struct tel_req *next;
	json_t *req;   /* the control request; freed with the tel_req */
	json_t *reply; /* set when DONE; NULL if it was refused on close */
	enum req_state state;
	bool abandoned; /* the waiter gave up while RUNNING: the control thread frees */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t done; /* broadcast when any request becomes DONE */
	bool cond_ready;     /* done initialised (with CLOCK_MONOTONIC) */
	bool cmds_registered;
	struct bl_ctl *ctl; /* NULL: detached, requests refused */
	struct tel_req *head, *tail;
	struct bl_telemetry_stats st;
	bool pdump_on;
} tel = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- the commands ------------------------------------------------------------ */

static const struct tel_cmd tel_cmds[] = {
	{ "status", "status", "", NULL,
	  "beamline: daemon, lcores and ports (control command status)" },
	{ "stats", "stats", "", NULL,
	  "beamline: counters, drops by reason, ports, lcores, mbufs (stats)" },
	{ "routes", "route.list", "limit", "routes",
	  "beamline: routes, default first, at most 100; params: limit=N (route.list)" },
	{ "ps", "ps", NULL, "procs",
	  "beamline: processes; params passed to the ps command, e.g. top=10,sort=memory" },
	{ "memory", "memory", NULL, NULL,
	  "beamline: memory use; params passed to the memory command" },
	{ "lcores", "lcores", NULL, NULL, "beamline: lcores; params passed to the lcores command" },
	{ "latency", "latency", "", NULL,
	  "beamline: time inside the router per lcore and path, p50..max in ns (latency)" },
	{ "telemetry", NULL, "", NULL, "beamline: counters of the telemetry bridge itself" },
};

#define N_TEL_CMDS (sizeof(tel_cmds) / sizeof(tel_cmds[0]))

static const struct tel_cmd *cmd_find(const char *cmd)
{
	size_t i;

	if (strncmp(cmd, TEL_PREFIX, sizeof(TEL_PREFIX) - 1) != 0)
		return NULL;
	cmd += sizeof(TEL_PREFIX) - 1;
	for (i = 0; i < N_TEL_CMDS; i++)
		if (strcmp(tel_cmds[i].name, cmd) == 0)
			return &tel_cmds[i];
	return NULL;
}

/* ---- JSON -> rte_tel_data ------------------------------------------------------ */

struct conv {
	size_t budget; /* output bytes left */
	bool full;     /* budget or an entry bound hit: add nothing more */
	bool truncated;
};

/* Bytes of s as a JSON string, quotes and escapes included. */
static size_t str_cost(const char *s)
{
	size_t n = 2;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		n += (c == '"' || c == '\\') ? 2 : c < 0x20 ? 6 : 1;
	}
	return n;
}

/* Take n bytes of the budget; false (and mark it full) if they are not there. */
static bool charge(struct conv *cv, size_t n)
{
	if (cv->full || n > cv->budget) {
		cv->full = true;
		cv->truncated = true;
		return false;
	}
	cv->budget -= n;
	return true;
}

/* Copy at most max bytes of s, never cutting a UTF-8 sequence. */
static void copy_cut(char *dst, const char *s, size_t max, struct conv *cv)
{
	size_t n = strlen(s);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		cv->truncated = true;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* A dict name in rte_tel_data's alphabet: [A-Za-z0-9_/], at most TEL_NAME_MAX bytes. */
static void tel_name(char *dst, const char *s, struct conv *cv)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < TEL_NAME_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[i] = (char)(((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				 (c >= '0' && c <= '9') || c == '_' || c == '/')
				    ? c
				    : '_');
	}
	if (s[i] != '\0')
		cv->truncated = true;
	if (i == 0)
		dst[i++] = '_';
	dst[i] = '\0';
}

/* Text of a scalar (for string arrays and for values DPDK has no type for). */
static void scalar_text(const json_t *v, char *buf, size_t len, struct conv *cv)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		copy_cut(buf, json_string_value(v), len - 1, cv);
		break;
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "%.15g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(buf, len, "true");
		break;
	case JSON_FALSE:
		snprintf(buf, len, "false");
		break;
	default:
		snprintf(buf, len, "null");
		break;
	}
}

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* Integer value of an integer or boolean; false for anything else. */
static bool int_like(const json_t *v, json_int_t *out)
{
	if (json_is_integer(v))
		*out = json_integer_value(v);
	else if (json_is_boolean(v))
		*out = json_is_true(v);
	else
		return false;
	return true;
}

static size_t num_cost(json_int_t x)
{
	char b[32];

	return (size_t)snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, x);
}

static void add_value(struct conv *cv, struct rte_tel_data *d, const char *name, json_t *v,
		      unsigned int depth);

/* Fill a fresh container c from object or array v (nested at depth). */
static void fill_dict(struct conv *cv, struct rte_tel_data *c, json_t *v, unsigned int depth)
{
	const char *k;
	json_t *e;
	size_t i;

	rte_tel_data_start_dict(c);
	if (json_is_object(v)) {
		i = 0;
		json_object_foreach (v, k, e) {
			if (i++ >= RTE_TEL_MAX_DICT_ENTRIES) {
				cv->truncated = true;
				break;
			}
			add_value(cv, c, k, e, depth);
		}
		return;
	}
	json_array_foreach (v, i, e) {
		char idx[24];

		if (i >= RTE_TEL_MAX_DICT_ENTRIES) {
			cv->truncated = true;
			break;
		}
		snprintf(idx, sizeof(idx), "%zu", i);
		add_value(cv, c, idx, e, depth);
	}
}

/*
 * Fill c as a typed array from v, an array of scalars: u64 if every element
 * is a non-negative integer (or boolean), int if they all fit int32, else
 * strings.
 */
static void fill_array(struct conv *cv, struct rte_tel_data *c, json_t *v)
{
	bool all_u64 = true, all_int = true;
	json_int_t x;
	json_t *e;
	size_t i;

	json_array_foreach (v, i, e) {
		if (!int_like(e, &x)) {
			all_u64 = all_int = false;
			break;
		}
		if (x < 0)
			all_u64 = false;
		if (x < INT_MIN || x > INT_MAX)
			all_int = false;
	}
	rte_tel_data_start_array(c, all_u64   ? RTE_TEL_U64_VAL
				    : all_int ? RTE_TEL_INT_VAL
					      : RTE_TEL_STRING_VAL);
	json_array_foreach (v, i, e) {
		char text[RTE_TEL_MAX_STRING_LEN];
		int ret;

		if (i >= RTE_TEL_MAX_ARRAY_ENTRIES) {
			cv->truncated = true;
			break;
		}
		if (all_u64 || all_int) {
			int_like(e, &x);
			if (!charge(cv, num_cost(x) + 1))
				break;
			ret = all_u64 ? rte_tel_data_add_array_u64(c, (uint64_t)x)
				      : rte_tel_data_add_array_int(c, (int)x);
		} else {
			scalar_text(e, text, sizeof(text), cv);
			if (!charge(cv, str_cost(text) + 1))
				break;
			ret = rte_tel_data_add_array_string(c, text);
		}
		if (ret != 0) {
			cv->truncated = true;
			break;
		}
	}
}

static bool array_of_scalars(json_t *v)
{
	json_t *e;
	size_t i;

	json_array_foreach (v, i, e)
		if (!is_scalar(e))
			return false;
	return true;
}

/* Add v under name to dict d, which sits at nesting depth `depth` (top: 0). */
static void add_value(struct conv *cv, struct rte_tel_data *d, const char *name, json_t *v,
		      unsigned int depth)
{
	char key[RTE_TEL_MAX_STRING_LEN], text[RTE_TEL_MAX_STRING_LEN];
	struct rte_tel_data *c;
	json_int_t x;
	int ret;

	if (cv->full) {
		cv->truncated = true;
		return;
	}
	tel_name(key, name, cv);
	if (!charge(cv, str_cost(key) + 2)) /* name, colon, comma */
		return;
	if (!is_scalar(v) && depth + 1 > BL_TELEMETRY_MAX_DEPTH) {
		char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		copy_cut(text, dump != NULL ? dump : "", TEL_STR_MAX, cv);
		free(dump);
		cv->truncated = true;
		if (!charge(cv, str_cost(text)))
			return;
		ret = rte_tel_data_add_dict_string(d, key, text);
	} else if (!is_scalar(v)) {
		c = rte_tel_data_alloc();
		if (c == NULL || !charge(cv, 2)) {
			rte_tel_data_free(c);
			cv->full = cv->truncated = true;
			return;
		}
		if (json_is_array(v) && array_of_scalars(v))
			fill_array(cv, c, v);
		else
			fill_dict(cv, c, v, depth + 1);
		ret = rte_tel_data_add_dict_container(d, key, c, 0);
		if (ret != 0)
			rte_tel_data_free(c);
	} else if (int_like(v, &x) && x >= 0) {
		if (!charge(cv, num_cost(x)))
			return;
		ret = rte_tel_data_add_dict_u64(d, key, (uint64_t)x);
	} else if (int_like(v, &x) && x >= INT_MIN) {
		if (!charge(cv, num_cost(x)))
			return;
		ret = rte_tel_data_add_dict_int(d, key, (int)x);
	} else {
		scalar_text(v, text, sizeof(text), cv);
		if (!charge(cv, str_cost(text)))
			return;
		ret = rte_tel_data_add_dict_string(d, key, text);
	}
	if (ret != 0) /* E2BIG was ruled out above: a full dict, or no memory */
		cv->truncated = true;
}

/* The whole reply as the top-level dict of d, with "truncated". */
static void reply_to_tel(const char *cmd, json_t *reply, bool cut, struct rte_tel_data *d)
{
	struct conv cv = { 0 };
	unsigned int n = 0;
	const char *k;
	json_t *v;

	cv.budget = BL_TELEMETRY_OUT_MAX - TEL_RESERVE - str_cost(cmd);
	rte_tel_data_start_dict(d);
	json_object_foreach (reply, k, v) {
		if (strcmp(k, "truncated") == 0)
			continue;		       /* ours below says it all */
		if (++n >= RTE_TEL_MAX_DICT_ENTRIES) { /* one entry stays for "truncated" */
			cv.truncated = true;
			break;
		}
		add_value(&cv, d, k, v, 0);
	}
	if (cv.truncated || cut) {
		pthread_mutex_lock(&tel.lock);
		tel.st.truncated++;
		pthread_mutex_unlock(&tel.lock);
	}
	/* TEL_RESERVE keeps the bytes for this entry, the loop above its slot. */
	rte_tel_data_add_dict_int(d, "truncated", cv.truncated || cut);
}

/* {"ok":0,"error":name,"message":msg}; name from control/errors.h. */
static void error_to_tel(struct rte_tel_data *d, const char *name, const char *msg)
{
	char text[RTE_TEL_MAX_STRING_LEN], ename[RTE_TEL_MAX_STRING_LEN];
	struct conv cv = { 0 };

	copy_cut(text, msg, TEL_STR_MAX, &cv);
	copy_cut(ename, name, TEL_STR_MAX, &cv);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "ok", 0);
	rte_tel_data_add_dict_string(d, "error", ename);
	rte_tel_data_add_dict_string(d, "message", text);
}

/* ---- the hand-off ------------------------------------------------------------------ */

static void req_free(struct tel_req *r)
{
	json_decref(r->req);
	json_decref(r->reply);
	free(r);
}

static void deadline_after(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void queue_unlink(struct tel_req *r)
{
	struct tel_req **pp = &tel.head, *prev = NULL;

	while (*pp != NULL && *pp != r) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == NULL)
		return;
	*pp = r->next;
	if (tel.tail == r)
		tel.tail = prev;
}

/*
 * Queue r and wait for the control thread's answer. Returns the reply (the
 * caller owns it), or NULL with *err set: -EBUSY (timed out) or -ESHUTDOWN
 * (no ctl). Takes r in every case.
 */
static json_t *exec_on_control_thread(struct tel_req *r, int *err)
{
	struct timespec deadline;
	json_t *reply = NULL;

	deadline_after(&deadline, BL_TELEMETRY_WAIT_MS);
	pthread_mutex_lock(&tel.lock);
	if (tel.ctl == NULL || !tel.cond_ready) {
		tel.st.closed++;
		pthread_mutex_unlock(&tel.lock);
		req_free(r);
		*err = -ESHUTDOWN;
		return NULL;
	}
	if (tel.tail != NULL)
		tel.tail->next = r;
	else
		tel.head = r;
	tel.tail = r;
	while (r->state != REQ_DONE) {
		if (pthread_cond_timedwait(&tel.done, &tel.lock, &deadline) == ETIMEDOUT &&
		    r->state != REQ_DONE)
			break;
	}
	if (r->state == REQ_DONE) {
		reply = r->reply;
		r->reply = NULL;
		if (reply != NULL)
			tel.st.served++;
		else
			tel.st.closed++;
		*err = reply != NULL ? 0 : -ESHUTDOWN;
	} else {
		tel.st.timeouts++;
		*err = -EBUSY;
		if (r->state == REQ_QUEUED) {
			queue_unlink(r);
		} else {
			r->abandoned = true; /* the control thread frees it when done */
			r = NULL;
		}
	}
	pthread_mutex_unlock(&tel.lock);
	if (r != NULL)
		req_free(r);
	return reply;
}

static void own_stats(struct rte_tel_data *d)
{
	struct bl_telemetry_stats st;

	bl_telemetry_stats_get(&st);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "ok", 1);
	rte_tel_data_add_dict_u64(d, "requests", st.requests);
	rte_tel_data_add_dict_u64(d, "served", st.served);
	rte_tel_data_add_dict_u64(d, "bad_params", st.bad_params);
	rte_tel_data_add_dict_u64(d, "timeouts", st.timeouts);
	rte_tel_data_add_dict_u64(d, "closed", st.closed);
	rte_tel_data_add_dict_u64(d, "truncated_replies", st.truncated);
	rte_tel_data_add_dict_u64(d, "wait_ms", BL_TELEMETRY_WAIT_MS);
	rte_tel_data_add_dict_u64(d, "list_max", BL_TELEMETRY_LIST_MAX);
	rte_tel_data_add_dict_int(d, "truncated", 0);
}

/* The telemetry callback of every /beamline/ command. Telemetry thread. */
static int tel_callback(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct tel_cmd *tc = cmd_find(cmd);
	struct tel_req *r = NULL;
	json_t *req = NULL, *reply, *list;
	char msg[200];
	bool cut = false;
	int ret;

	pthread_mutex_lock(&tel.lock);
	tel.st.requests++;
	pthread_mutex_unlock(&tel.lock);
	if (tc == NULL) { /* only registered names reach us */
		error_to_tel(d, BL_ERR_UNKNOWN_COMMAND, "not a beamline telemetry command");
		return 0;
	}
	msg[0] = '\0';
	req = json_pack("{s:s}", "cmd", tc->ctl_cmd != NULL ? tc->ctl_cmd : "");
	if (req == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = bl__tel_params_parse(tc, params, req, msg, sizeof(msg));
	if (ret == 0 && strcmp(tc->name, "routes") == 0)
		ret = bl__tel_routes_limit(req, msg, sizeof(msg));
	if (ret != 0) {
		if (ret == -EINVAL) {
			pthread_mutex_lock(&tel.lock);
			tel.st.bad_params++;
			pthread_mutex_unlock(&tel.lock);
		}
		goto fail;
	}
	if (tc->ctl_cmd == NULL) {
		json_decref(req);
		own_stats(d);
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	r->req = req;
	req = NULL;
	reply = exec_on_control_thread(r, &ret);
	if (reply == NULL) {
		snprintf(msg, sizeof(msg), "%s",
			 ret == -EBUSY ? "the control thread did not answer in time"
				       : "the daemon is shutting down (no control socket)");
		goto fail;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		const char *name = json_string_value(json_object_get(reply, "error"));
		const char *m = json_string_value(json_object_get(reply, "message"));

		error_to_tel(d, name != NULL ? name : BL_ERR_GENERIC, m != NULL ? m : "error");
		json_decref(reply);
		return 0;
	}
	/* A list the command itself cut (a limit, a top N) is a truncation too. */
	list = tc->list != NULL ? json_object_get(reply, tc->list) : NULL;
	if (json_is_array(list) && json_is_integer(json_object_get(reply, "total")))
		cut = (json_int_t)json_array_size(list) <
		      json_integer_value(json_object_get(reply, "total"));
	reply_to_tel(cmd, reply, cut, d);
	json_decref(reply);
	return 0;
fail:
	json_decref(req);
	if (msg[0] == '\0')
		snprintf(msg, sizeof(msg), "%s", strerror(-ret));
	error_to_tel(d, bl_err_name(ret == -ESHUTDOWN ? -EBUSY : ret), msg);
	return 0;
}

/* ---- public ------------------------------------------------------------------------- */

int bl_telemetry_register(struct bl_ctl *ctl, char *err, size_t errlen)
{
	char path[64];
	size_t i;
	int ret = 0;

	if (ctl == NULL) {
		bl_err_set(err, errlen, "telemetry: no control server");
		return -EINVAL;
	}
	pthread_mutex_lock(&tel.lock);
	if (tel.ctl != NULL) {
		pthread_mutex_unlock(&tel.lock);
		bl_err_set(err, errlen, "telemetry: a control server is attached already");
		return -EBUSY;
	}
	if (!tel.cond_ready) {
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		ret = -pthread_cond_init(&tel.done, &ca);
		pthread_condattr_destroy(&ca);
		if (ret != 0) {
			pthread_mutex_unlock(&tel.lock);
			bl_err_set(err, errlen, "telemetry: %s", strerror(-ret));
			return ret;
		}
		tel.cond_ready = true;
	}
	tel.ctl = ctl;
	pthread_mutex_unlock(&tel.lock);

	/* rte_telemetry has no unregister: the commands stay, detached they answer "busy". */
	if (tel.cmds_registered)
		return 0;
	for (i = 0; i < N_TEL_CMDS; i++) {
		snprintf(path, sizeof(path), "%s%s", TEL_PREFIX, tel_cmds[i].name);
		ret = rte_telemetry_register_cmd(path, tel_callback, tel_cmds[i].help);
		if (ret != 0) {
			bl_err_set(err, errlen, "telemetry: cannot register %s: %s", path,
				   strerror(-ret));
			bl_telemetry_close();
			return ret;
		}
	}
	tel.cmds_registered = true;
	return 0;
}

void bl_telemetry_poll(void)
{
	struct bl_ctl *ctl;
	struct tel_req *r;

	pthread_mutex_lock(&tel.lock);
	while ((ctl = tel.ctl) != NULL && (r = tel.head) != NULL) {
		json_t *reply = NULL;

		tel.head = r->next;
		if (tel.head == NULL)
			tel.tail = NULL;
		r->next = NULL;
		r->state = REQ_RUNNING;
		pthread_mutex_unlock(&tel.lock);
		bl_ctl_exec(ctl, r->req, &reply); /* always sets reply, or NULL on ENOMEM */
		if (reply == NULL)
			reply = json_pack("{s:b, s:s, s:s}", "ok", 0, "error", BL_ERR_GENERIC,
					  "message", "out of memory");
		pthread_mutex_lock(&tel.lock);
		if (r->abandoned) {
			json_decref(reply);
			req_free(r);
			continue;
		}
		r->reply = reply;
		r->state = REQ_DONE;
		pthread_cond_broadcast(&tel.done);
	}
	pthread_mutex_unlock(&tel.lock);
}

void bl_telemetry_close(void)
{
	struct tel_req *r;

	pthread_mutex_lock(&tel.lock);
	tel.ctl = NULL;
	while ((r = tel.head) != NULL) {
		tel.head = r->next;
		r->next = NULL;
		r->state = REQ_DONE; /* reply NULL: refused, the waiter says so */
	}
	tel.tail = NULL;
	if (tel.cond_ready)
		pthread_cond_broadcast(&tel.done);
	pthread_mutex_unlock(&tel.lock);
}

void bl_telemetry_stats_get(struct bl_telemetry_stats *st)
{
	pthread_mutex_lock(&tel.lock);
	*st = tel.st;
	pthread_mutex_unlock(&tel.lock);
}

static int ipc_probe(const struct rte_mp_msg *msg, const void *peer)
{
	(void)msg;
	(void)peer;
	return 0;
}

int bl_pdump_setup(bool enable, char *err, size_t errlen)
{
	if (!enable || tel.pdump_on)
		return 0;
	/*
	 * rte_pdump_init succeeds without multi-process IPC (it lets ENOTSUP
	 * pass), so ask EAL directly: with --no-shconf it refuses any action.
	 */
	if (rte_mp_action_register("bl_ipc_probe", ipc_probe) != 0) {
		bl_err_set(err, errlen,
			   "--pdump: no multi-process channel (%s): dpdk-dumpcap reaches the "
			   "daemon through its runtime directory; run EAL without --no-shconf, "
			   "with a --file-prefix that dpdk-dumpcap is then given",
			   rte_strerror(rte_errno));
		return -ENOTSUP;
	}
	rte_mp_action_unregister("bl_ipc_probe");
	if (!rte_eal_has_hugepages()) {
		bl_err_set(err, errlen,
			   "--pdump needs hugepages: dpdk-dumpcap and dpdk-pdump attach as "
			   "secondary processes, which map the primary's memory from its hugepage "
			   "files, and a --no-huge primary has none");
		return -ENOTSUP;
	}
	if (rte_pdump_init() != 0) {
		bl_err_set(err, errlen, "--pdump: rte_pdump_init failed: %s",
			   rte_strerror(rte_errno));
		return rte_errno > 0 ? -rte_errno : -EIO;
	}
	tel.pdump_on = true;
	return 0;
}

void bl_pdump_teardown(void)
{
	if (!tel.pdump_on)
		return;
	rte_pdump_uninit();
	tel.pdump_on = false;
}
