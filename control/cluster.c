/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cluster thread: design note.
 *
 * One loop, in one thread, owns the etcd client (control/etcd.h):
 *   not joined -> grant a lease, put the member key with it; if a full read
 *                 is due (at start, after a compaction) read every route and
 *                 queue RESYNC_BEGIN, PUT..., RESYNC_END; open the watch
 *                 from `revision` + 1;
 *   joined     -> read the watch (up to 200 ms, woken early by a queued
 *                 write); every TTL/3 keep the lease alive; every second
 *                 read the members and the global names; perform the
 *                 queued writes and put this node's global names
 *                 (control/cluster_names.c) under its lease.
 * Any failed call means etcd is lost: state DEGRADED, the watch closed, and
 * the loop starts again at "not joined" every 500 ms. The watch resumes
 * after the last revision whose events were queued (the mod_revision of the
 * last event, never a header revision, which can run ahead of the events
 * still to come), so an outage loses no change; a compacted revision makes
 * the next join a full read, and the control thread removes what vanished.
 *
 * Shared with the control thread, under `lock`: the change queue, the
 * write queue, the member list text, the state, counters and last error.
 * Bounded: writes wait at most BL_CLUSTER_WRITES_MAX; the change queue is
 * drained by the control thread every loop (about 5 ms).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "control/cluster.h"
#include "control/cluster_pvt.h"
#include "control/errors.h"
#include "control/etcd.h"

#define BL_CLUSTER_WRITES_MAX 4096
#define BL_CLUSTER_RETRY_MS   500
#define BL_CLUSTER_CALL_MS                                                                         \
	2000 /* a loaded host can take a second; a lost etcd is refused at once */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 1 && n <= BL_CLUSTER_NAME_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

int bl_cluster_conf_check(const struct bl_cluster_conf *conf, char *err, size_t errlen)
{
	if (!name_ok(conf->name)) {
		bl_err_set(err, errlen, "bad cluster name '%s': 1..%d of A-Z a-z 0-9 . _ -",
			   conf->name ? conf->name : "", BL_CLUSTER_NAME_MAX);
		return -EINVAL;
	}
	if (!name_ok(conf->node)) {
		bl_err_set(err, errlen,
			   "%s '%s': --cluster needs --node ID, 1..%d of A-Z a-z 0-9 . _ -",
			   conf->node ? "bad node id" : "no node id", conf->node ? conf->node : "",
			   BL_CLUSTER_NAME_MAX);
		return -EINVAL;
	}
	if (conf->endpoints == NULL || *conf->endpoints == '\0') {
		bl_err_set(err, errlen, "--cluster needs --etcd http://HOST:PORT[,...]");
		return -EINVAL;
	}
	if (conf->ttl_s < 2 || conf->ttl_s > 3600) {
		bl_err_set(err, errlen, "bad lease TTL %u s: expected 2..3600", conf->ttl_s);
		return -EINVAL;
	}
	return 0;
}

/* ---- queues (callers hold the lock) ---- */

static void queue_push(struct queue *q, struct bl_cluster_change *c)
{
	c->next = NULL;
	if (q->tail != NULL)
		q->tail->next = c;
	else
		q->head = c;
	q->tail = c;
	q->n++;
}

/* Append all of src to q; src is left empty. */
static void queue_splice(struct queue *q, struct queue *src)
{
	if (src->head == NULL)
		return;
	if (q->tail != NULL)
		q->tail->next = src->head;
	else
		q->head = src->head;
	q->tail = src->tail;
	q->n += src->n;
	memset(src, 0, sizeof(*src));
}

static struct bl_cluster_change *change_new(enum bl_cluster_change_kind kind, const char *key,
					    const char *value, int64_t rev)
{
	struct bl_cluster_change *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->kind = kind;
	c->revision = rev;
	c->key = key ? strdup(key) : NULL;
	c->value = value ? strdup(value) : NULL;
	if ((key && c->key == NULL) || (value && c->value == NULL)) {
		bl_cluster_changes_free(c);
		return NULL;
	}
	return c;
}

void bl_cluster_changes_free(struct bl_cluster_change *c)
{
	while (c != NULL) {
		struct bl_cluster_change *next = c->next;

		free(c->key);
		free(c->value);
		free(c);
		c = next;
	}
}

static void set_state(struct bl_cluster *cl, enum bl_cluster_state s, const char *err)
{
	pthread_mutex_lock(&cl->lock);
	if (s == BL_CLUSTER_DEGRADED && cl->state != BL_CLUSTER_DEGRADED)
		cl->cnt.outages++;
	if (s == BL_CLUSTER_JOINED)
		cl->cnt.joins++;
	cl->state = s;
	if (err != NULL)
		snprintf(cl->last_error, sizeof(cl->last_error), "%s", err);
	pthread_mutex_unlock(&cl->lock);
}

/* ---- what the thread does ---- */

/* A call that takes its body (NULL: out of memory); *reply is the caller's. */
int bl__cluster_call(struct bl_cluster *cl, const char *path, json_t *body, json_t **reply,
		     char *err, size_t errlen)
{
	int rc;

	*reply = NULL;
	if (body == NULL)
		return -ENOMEM;
	rc = bl_etcd_call(cl->etcd, path, body, reply, err, errlen);
	json_decref(body);
	return rc;
}

/* A call whose reply is not needed. */
int bl__cluster_call_drop(struct bl_cluster *cl, const char *path, json_t *body, char *err,
			  size_t errlen)
{
	json_t *reply = NULL;
	int rc = bl__cluster_call(cl, path, body, &reply, err, errlen);

	json_decref(reply);
	return rc;
}

static int join(struct bl_cluster *cl, char *err, size_t errlen)
{
	int64_t resume_from;
	json_t *reply = NULL, *v;
	char *text;
	int64_t lease = 0;
	int rc;

	pthread_mutex_lock(&cl->lock);
	resume_from = cl->cnt.revision;
	pthread_mutex_unlock(&cl->lock);
	if (cl->lease != 0) {
		/* The lease of before an outage. Still alive (one etcd member
		 * went, or the link for less than the TTL): keep it, and the
		 * keys it holds (the member key, the global names), so that the
		 * other nodes see no flap. Gone: a new one. */
		json_t *res;
		int64_t ttl = 0;

		rc = bl__cluster_call(cl, "/v3/lease/keepalive", bl_etcd_req_lease("ID", cl->lease),
				      &reply, err, errlen);
		if (rc != 0)
			return rc;
		res = json_object_get(reply, "result");
		if (bl_etcd_int(json_object_get(res ? res : reply, "TTL"), &ttl) == 0 && ttl > 0) {
			if (bl_etcd_revision(reply) < resume_from)
				cl->need_full_read = true;
			json_decref(reply);
			pthread_mutex_lock(&cl->lock);
			cl->cnt.leases_kept++;
			pthread_mutex_unlock(&cl->lock);
			return 0;
		}
		json_decref(reply);
		reply = NULL;
		bl__cluster_call_drop(cl, "/v3/lease/revoke", bl_etcd_req_lease("ID", cl->lease),
				      err, errlen);
	}
	cl->lease = 0;
	rc = bl__cluster_call(cl, "/v3/lease/grant",
			      bl_etcd_req_lease("TTL", (int64_t)cl->conf.ttl_s), &reply, err,
			      errlen);
	if (rc == 0 && bl_etcd_int(json_object_get(reply, "ID"), &lease) != 0) {
		bl_err_set(err, errlen, "etcd: lease grant reply without an ID");
		rc = -EPROTO;
	}
	/* An etcd behind the revision we resume from lost its data (a new cluster, a
	 * restore): resuming would wait for revisions it may never reach, so read whole. */
	if (rc == 0 && bl_etcd_revision(reply) < resume_from)
		cl->need_full_read = true;
	json_decref(reply);
	if (rc != 0)
		return rc;
	cl->lease = lease;
	/* A new lease: the names put under the old one go with it. */
	json_object_clear(cl->names_put);
	pthread_mutex_lock(&cl->lock);
	cl->names_dirty = true;
	pthread_mutex_unlock(&cl->lock);
	v = json_pack("{s:s, s:s, s:i, s:I}", "node", cl->node, "addr", cl->conf.addr, "port",
		      cl->conf.port, "started", (json_int_t)time(NULL));
	text = v ? json_dumps(v, JSON_COMPACT) : NULL;
	json_decref(v);
	if (text == NULL)
		return -ENOMEM;
	rc = bl__cluster_call_drop(cl, "/v3/kv/put", bl_etcd_req_put(cl->member_key, text, lease),
				   err, errlen);
	free(text);
	return rc;
}

/* The route key's text: what follows the routes prefix. */
static const char *route_key(struct bl_cluster *cl, const char *etcd_key)
{
	size_t n = strlen(cl->routes_prefix);

	return strncmp(etcd_key, cl->routes_prefix, n) == 0 ? etcd_key + n : NULL;
}

struct collect {
	struct bl_cluster *cl;
	struct queue q;
	int64_t max_rev;
};

static int collect_kv(void *arg, const struct bl_etcd_kv *kv)
{
	struct collect *c = arg;
	const char *k = route_key(c->cl, kv->key);
	struct bl_cluster_change *ch;

	if (kv->mod_revision > c->max_rev)
		c->max_rev = kv->mod_revision;
	if (k == NULL || *k == '\0')
		return 0; /* not ours: ignored */
	ch = change_new(kv->deleted ? BL_CLUSTER_ROUTE_DEL : BL_CLUSTER_ROUTE_PUT, k,
			kv->deleted ? NULL : kv->value, kv->mod_revision);
	if (ch == NULL)
		return -ENOMEM;
	queue_push(&c->q, ch);
	return 0;
}

/* Every route in etcd, as a resync; returns the revision the read saw. */
static int full_read(struct bl_cluster *cl, int64_t *rev, char *err, size_t errlen)
{
	struct collect c = { .cl = cl };
	json_t *reply = NULL;
	struct bl_cluster_change *b, *e;
	int rc = bl__cluster_call(cl, "/v3/kv/range", bl_etcd_req_range_prefix(cl->routes_prefix),
				  &reply, err, errlen);

	b = change_new(BL_CLUSTER_RESYNC_BEGIN, NULL, NULL, 0);
	if (b != NULL)
		queue_push(&c.q, b);
	if (rc == 0)
		rc = b != NULL ? bl_etcd_range_each(reply, collect_kv, &c) : -ENOMEM;
	*rev = bl_etcd_revision(reply);
	json_decref(reply);
	e = rc == 0 ? change_new(BL_CLUSTER_RESYNC_END, NULL, NULL, *rev) : NULL;
	if (rc == 0 && e == NULL)
		rc = -ENOMEM;
	if (rc != 0) {
		bl_cluster_changes_free(c.q.head);
		if (rc == -EINVAL)
			bl_err_set(err, errlen, "etcd: a route key or value that does not decode");
		return rc;
	}
	queue_push(&c.q, e);
	pthread_mutex_lock(&cl->lock);
	queue_splice(&cl->changes, &c.q);
	cl->cnt.resyncs++;
	cl->cnt.revision = *rev;
	pthread_mutex_unlock(&cl->lock);
	return 0;
}

struct watch_ctx {
	struct bl_cluster *cl;
	struct collect c;
	bool compacted;
	bool failed;
};

static int watch_msg(void *arg, const struct bl_etcd_watch_msg *m)
{
	struct watch_ctx *w = arg;

	if (m->compact_revision > 0)
		w->compacted = true;
	if (m->error || (m->canceled && m->compact_revision == 0))
		w->failed = true;
	return 0;
}

static int watch_kv(void *arg, const struct bl_etcd_kv *kv)
{
	return collect_kv(&((struct watch_ctx *)arg)->c, kv);
}

/* Read the watch once; queue what it brought. 0 while it runs, else why it stopped. */
static int watch_step(struct bl_cluster *cl, char *err, size_t errlen)
{
	struct watch_ctx w = { .cl = cl, .c = { .cl = cl } };
	int rc = bl_etcd_watch_poll(cl->etcd, 200, watch_kv, watch_msg, &w);

	pthread_mutex_lock(&cl->lock);
	cl->cnt.events += w.c.q.n;
	if (w.c.max_rev > cl->cnt.revision)
		cl->cnt.revision = w.c.max_rev;
	queue_splice(&cl->changes, &w.c.q);
	if (w.compacted)
		cl->cnt.compactions++;
	pthread_mutex_unlock(&cl->lock);
	if (w.compacted) {
		cl->need_full_read = true;
		bl_etcd_watch_close(cl->etcd);
		bl_err_set(err, errlen, "etcd: watch revision compacted: full read");
		return -ESTALE;
	}
	if (w.failed && rc == 0) {
		bl_etcd_watch_close(cl->etcd);
		rc = -EPIPE;
	}
	if (rc != 0 && rc != -ESTALE)
		bl_err_set(err, errlen, "etcd at %s: the watch stream ended (%s)",
			   bl_etcd_endpoint(cl->etcd), strerror(-rc));
	return rc;
}

static int start(struct bl_cluster *cl, char *err, size_t errlen)
{
	json_t *body;
	int64_t rev;
	int rc = join(cl, err, errlen);

	if (rc == 0 && cl->need_full_read) {
		rc = full_read(cl, &rev, err, errlen);
		if (rc == 0)
			cl->need_full_read = false;
	}
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&cl->lock);
	rev = cl->cnt.revision;
	pthread_mutex_unlock(&cl->lock);
	body = bl_etcd_req_watch_prefix(cl->routes_prefix, rev + 1);
	rc = body ? bl_etcd_watch_open(cl->etcd, body) : -ENOMEM;
	json_decref(body);
	cl->next_keepalive = now_s() + cl->conf.ttl_s / 3.0;
	cl->next_members = 0;
	return rc;
}

static int keepalive(struct bl_cluster *cl, char *err, size_t errlen)
{
	json_t *reply = NULL, *res;
	int64_t ttl = 0;
	int rc = bl__cluster_call(cl, "/v3/lease/keepalive", bl_etcd_req_lease("ID", cl->lease),
				  &reply, err, errlen);

	if (rc != 0)
		return rc;
	res = json_object_get(reply, "result");
	/* A lease that expired meanwhile answers without a TTL: join again. */
	if (bl_etcd_int(json_object_get(res ? res : reply, "TTL"), &ttl) != 0 || ttl <= 0) {
		bl_err_set(err, errlen, "etcd: the lease expired: joining again");
		rc = -ETIMEDOUT;
	}
	json_decref(reply);
	return rc;
}

/* One member: its registration and how old its lease's last renewal is. */
static json_t *member_json(struct bl_cluster *cl, const struct bl_etcd_kv *kv, char *err,
			   size_t errlen)
{
	json_t *v = json_loadb(kv->value, kv->value_len, 0, NULL), *m, *reply = NULL;
	int64_t ttl = -1, granted = 0;

	m = json_object();
	if (m == NULL) {
		json_decref(v);
		return NULL;
	}
	json_object_set_new(m, "node", json_string(kv->key + strlen(cl->members_prefix)));
	if (json_is_object(v)) {
		json_object_set(m, "addr", json_object_get(v, "addr"));
		json_object_set(m, "port", json_object_get(v, "port"));
	}
	json_decref(v);
	if (kv->lease != 0 &&
	    bl__cluster_call(cl, "/v3/lease/timetolive", bl_etcd_req_lease("ID", kv->lease), &reply,
			     err, errlen) == 0) {
		bl_etcd_int(json_object_get(reply, "TTL"), &ttl);
		bl_etcd_int(json_object_get(reply, "grantedTTL"), &granted);
	}
	json_decref(reply);
	if (ttl >= 0 && granted > 0) {
		/* Renewed every granted/3 s: two missed renewals and it is not answering. */
		json_object_set_new(m, "lease_age_s", json_integer(granted - ttl));
		json_object_set_new(m, "lease_ttl_s", json_integer(granted));
		json_object_set_new(m, "reachable",
				    json_boolean(granted - ttl <= 2 * granted / 3 + 1));
	} else {
		json_object_set_new(m, "reachable", json_false());
	}
	json_object_set_new(m, "self", json_boolean(strcmp(kv->key, cl->member_key) == 0));
	return m;
}

static int member_kv(void *arg, const struct bl_etcd_kv *kv)
{
	struct bl__list_ctx *m = arg;
	json_t *o;

	if (strncmp(kv->key, m->cl->members_prefix, strlen(m->cl->members_prefix)) != 0)
		return 0;
	o = member_json(m->cl, kv, m->err, m->errlen);
	return o != NULL ? json_array_append_new(m->arr, o) : -ENOMEM;
}

int bl__cluster_read_list(struct bl_cluster *cl, const char *prefix, bl_etcd_kv_fn fn, char **slot,
			  char *err, size_t errlen)
{
	struct bl__list_ctx m = { cl, json_array(), err, errlen };
	json_t *reply = NULL;
	char *text;
	int rc = m.arr ? bl__cluster_call(cl, "/v3/kv/range", bl_etcd_req_range_prefix(prefix),
					  &reply, err, errlen)
		       : -ENOMEM;

	if (rc == 0)
		rc = bl_etcd_range_each(reply, fn, &m);
	json_decref(reply);
	text = rc == 0 ? json_dumps(m.arr, JSON_COMPACT) : NULL;
	json_decref(m.arr);
	if (text == NULL)
		return rc != 0 ? rc : -ENOMEM;
	pthread_mutex_lock(&cl->lock);
	free(*slot);
	*slot = text;
	pthread_mutex_unlock(&cl->lock);
	return 0;
}

static int read_members(struct bl_cluster *cl, char *err, size_t errlen)
{
	return bl__cluster_read_list(cl, cl->members_prefix, member_kv, &cl->members, err, errlen);
}

/* The queued writes, in order. A write etcd refuses is counted and dropped. */
static int do_writes(struct bl_cluster *cl, char *err, size_t errlen)
{
	struct bl_cluster_change *w;
	int rc = 0;

	pthread_mutex_lock(&cl->lock);
	w = cl->writes.head;
	memset(&cl->writes, 0, sizeof(cl->writes));
	pthread_mutex_unlock(&cl->lock);
	while (w != NULL) {
		struct bl_cluster_change *next = w->next;
		char key[512];

		snprintf(key, sizeof(key), "%s%s", cl->routes_prefix, w->key);
		rc = w->value
			 ? bl__cluster_call_drop(cl, "/v3/kv/put",
						 bl_etcd_req_put(key, w->value, 0), err, errlen)
			 : bl__cluster_call_drop(cl, "/v3/kv/deleterange", bl_etcd_req_delete(key),
						 err, errlen);
		if (rc == -EIO)
			break; /* w stays, with the rest */
		pthread_mutex_lock(&cl->lock);
		cl->cnt.writes += rc == 0;
		cl->cnt.write_errors += rc != 0;
		pthread_mutex_unlock(&cl->lock);
		w->next = NULL;
		bl_cluster_changes_free(w);
		w = next;
	}
	/* etcd went away: the writes not done go back to the front of the queue, in
	 * order, for the next join (puts and deletes are idempotent, so one that etcd
	 * did take before the connection broke is no harm done again). */
	if (w != NULL) {
		struct queue back = { .head = w };

		for (back.tail = w, back.n = 1; back.tail->next != NULL; back.n++)
			back.tail = back.tail->next;
		pthread_mutex_lock(&cl->lock);
		queue_splice(&back, &cl->writes);
		cl->writes = back;
		pthread_mutex_unlock(&cl->lock);
	}
	return rc == -EIO ? rc : 0;
}

static int joined_step(struct bl_cluster *cl, char *err, size_t errlen)
{
	int rc = watch_step(cl, err, errlen);
	double now = now_s();

	/* Writes first: a queued write woke the watch's wait for them. */
	if (rc == 0)
		rc = do_writes(cl, err, errlen);
	if (rc == 0)
		rc = bl__cluster_names_sync(cl, err, errlen);
	if (rc == 0 && now >= cl->next_keepalive) {
		rc = keepalive(cl, err, errlen);
		cl->next_keepalive = now + cl->conf.ttl_s / 3.0;
	}
	if (rc == 0 && now >= cl->next_members) {
		rc = read_members(cl, err, errlen);
		if (rc == 0)
			rc = bl__cluster_names_read(cl, err, errlen);
		cl->next_members = now + 1.0;
	}
	return rc;
}

static void *cluster_main(void *arg)
{
	struct bl_cluster *cl = arg;
	bool joined = false;
	char err[256];

	while (!atomic_load(&cl->stop)) {
		int rc;

		err[0] = '\0';
		if (!joined) {
			rc = start(cl, err, sizeof(err));
			if (rc == 0) {
				joined = true;
				set_state(cl, BL_CLUSTER_JOINED, NULL);
				continue;
			}
		} else {
			rc = joined_step(cl, err, sizeof(err));
			if (rc == 0)
				continue;
			joined = false;
			bl_etcd_watch_close(cl->etcd);
			if (rc == -ESTALE)
				continue; /* compacted: a full read at once, not an outage */
		}
		set_state(cl, BL_CLUSTER_DEGRADED, err[0] ? err : strerror(-rc));
		for (int i = 0; i < BL_CLUSTER_RETRY_MS / 50 && !atomic_load(&cl->stop); i++)
			usleep(50 * 1000);
	}
	/* A clean stop: the node leaves the member list now, not a TTL later. */
	if (joined && cl->lease != 0)
		bl__cluster_call_drop(cl, "/v3/lease/revoke", bl_etcd_req_lease("ID", cl->lease),
				      err, sizeof(err));
	return NULL;
}

static char *join3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);

	if (s != NULL)
		snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

static void cluster_free(struct bl_cluster *cl)
{
	bl_etcd_destroy(cl->etcd);
	bl_cluster_changes_free(cl->changes.head);
	bl_cluster_changes_free(cl->writes.head);
	free(cl->members);
	free(cl->names);
	json_decref(cl->names_want);
	json_decref(cl->names_put);
	free(cl->names_prefix);
	free(cl->endpoints);
	free(cl->routes_prefix);
	free(cl->members_prefix);
	free(cl->member_key);
	pthread_mutex_destroy(&cl->lock);
	free(cl);
}

struct bl_cluster *bl_cluster_start(const struct bl_cluster_conf *conf, char *err, size_t errlen)
{
	struct bl_cluster *cl;
	int rc;

	if (bl_cluster_conf_check(conf, err, errlen) != 0) {
		errno = EINVAL;
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		bl_err_set(err, errlen, "cannot initialise libcurl");
		errno = ENOMEM;
		return NULL;
	}
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL)
		goto nomem;
	pthread_mutex_init(&cl->lock, NULL);
	cl->conf = *conf;
	snprintf(cl->name, sizeof(cl->name), "%s", conf->name);
	snprintf(cl->node, sizeof(cl->node), "%s", conf->node);
	cl->endpoints = strdup(conf->endpoints);
	cl->conf.name = cl->name;
	cl->conf.node = cl->node;
	cl->conf.endpoints = cl->endpoints;
	cl->routes_prefix = join3("/beamline/", cl->name, "/routes/");
	cl->members_prefix = join3("/beamline/", cl->name, "/members/");
	cl->member_key = cl->members_prefix ? join3(cl->members_prefix, cl->node, "") : NULL;
	cl->names_prefix = join3("/beamline/", cl->name, "/names/");
	cl->names_want = json_object();
	cl->names_put = json_object();
	if (cl->endpoints == NULL || cl->routes_prefix == NULL || cl->member_key == NULL ||
	    cl->names_prefix == NULL || cl->names_want == NULL || cl->names_put == NULL)
		goto nomem_free;
	cl->need_full_read = true;
	cl->state = BL_CLUSTER_JOINING;
	cl->etcd = bl_etcd_create(conf->endpoints, BL_CLUSTER_CALL_MS, err, errlen);
	if (cl->etcd == NULL) {
		rc = errno;
		cluster_free(cl);
		errno = rc;
		return NULL;
	}
	rc = pthread_create(&cl->thread, NULL, cluster_main, cl);
	if (rc != 0) {
		bl_err_set(err, errlen, "cannot start the cluster thread: %s", strerror(rc));
		cluster_free(cl);
		errno = rc;
		return NULL;
	}
	pthread_setname_np(cl->thread, "bl-cluster");
	return cl;
nomem_free:
	cluster_free(cl);
nomem:
	bl_err_set(err, errlen, "out of memory");
	errno = ENOMEM;
	return NULL;
}

void bl_cluster_stop(struct bl_cluster *cl)
{
	if (cl == NULL)
		return;
	atomic_store(&cl->stop, true);
	bl_etcd_wakeup(cl->etcd);
	pthread_join(cl->thread, NULL);
	cluster_free(cl);
	curl_global_cleanup();
}

struct bl_cluster_change *bl_cluster_take(struct bl_cluster *cl)
{
	struct bl_cluster_change *c;

	pthread_mutex_lock(&cl->lock);
	c = cl->changes.head;
	memset(&cl->changes, 0, sizeof(cl->changes));
	pthread_mutex_unlock(&cl->lock);
	return c;
}

int bl_cluster_route_write(struct bl_cluster *cl, const char *key, const char *value)
{
	struct bl_cluster_change *w;
	int rc = 0;

	w = change_new(value ? BL_CLUSTER_ROUTE_PUT : BL_CLUSTER_ROUTE_DEL, key, value, 0);
	if (w == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&cl->lock);
	/* Joining: queued for the join (a config's lines come before it). Degraded: no. */
	if (cl->state == BL_CLUSTER_DEGRADED)
		rc = -EAGAIN;
	else if (cl->writes.n >= BL_CLUSTER_WRITES_MAX)
		rc = -ENOBUFS;
	else
		queue_push(&cl->writes, w);
	pthread_mutex_unlock(&cl->lock);
	if (rc != 0)
		bl_cluster_changes_free(w);
	else
		bl_etcd_wakeup(cl->etcd);
	return rc;
}

char *bl_cluster_members(struct bl_cluster *cl)
{
	char *m;

	pthread_mutex_lock(&cl->lock);
	m = cl->members ? strdup(cl->members) : NULL;
	pthread_mutex_unlock(&cl->lock);
	return m;
}

enum bl_cluster_state bl_cluster_state(struct bl_cluster *cl, struct bl_cluster_counters *c,
				       char *errbuf, size_t errlen)
{
	enum bl_cluster_state s;

	pthread_mutex_lock(&cl->lock);
	s = cl->state;
	if (c != NULL)
		*c = cl->cnt;
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s", cl->last_error);
	pthread_mutex_unlock(&cl->lock);
	return s;
}

const char *bl_cluster_state_name(enum bl_cluster_state s)
{
	static const char *const names[] = { "off", "joining", "joined", "degraded" };

	return (unsigned)s < 4 ? names[s] : "?";
}

const struct bl_cluster_conf *bl_cluster_conf(const struct bl_cluster *cl)
{
	return &cl->conf;
}
