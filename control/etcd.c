/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * etcd client: design note. Two curl handles: `easy` for unary calls,
 * performed synchronously with a total timeout, and `watch`, driven by a
 * multi handle so the stream can be read a piece at a time between unary
 * calls. What the stream sends is appended to wbuf and cut into whole
 * replies by bl_etcd_watch_take; wbuf is bounded (BL_ETCD_WATCH_BUF_MAX):
 * a reply larger than that is a broken stream, not a reason to grow.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "control/errors.h"
#include "control/etcd.h"

#define BL_ETCD_ENDPOINTS_MAX 8
#define BL_ETCD_REPLY_MAX     (64u << 20) /* a unary reply (a full range read) */
#define BL_ETCD_WATCH_BUF_MAX (16u << 20) /* one watch reply not yet whole */

struct buf {
	char *p;
	size_t len, cap, max;
	bool over; /* more than max arrived */
};

struct bl_etcd {
	char *endpoints[BL_ETCD_ENDPOINTS_MAX];
	unsigned int n_endpoints, cur;
	long timeout_ms;
	CURL *easy;
	CURL *watch;
	CURLM *multi;
	bool watching;
	char *watch_body;
	struct curl_slist *headers;
	struct buf reply, wbuf;
	char curl_err[CURL_ERROR_SIZE];
};

static size_t buf_write(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t add = size * n;

	if (b->len + add + 1 > b->max) {
		b->over = true;
		return 0; /* curl stops the transfer */
	}
	if (b->len + add + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + add + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, add);
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

struct bl_etcd *bl_etcd_create(const char *endpoints, long timeout_ms, char *err, size_t errlen)
{
	struct bl_etcd *e = calloc(1, sizeof(*e));
	char *list, *tok, *save = NULL;

	if (e == NULL)
		return NULL;
	e->timeout_ms = timeout_ms;
	e->reply.max = BL_ETCD_REPLY_MAX;
	e->wbuf.max = BL_ETCD_WATCH_BUF_MAX;
	list = strdup(endpoints);
	if (list == NULL)
		goto nomem;
	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(tok);

		if (strncmp(tok, "http://", 7) != 0 || n <= 7 || strpbrk(tok, " \t\"") != NULL) {
			bl_err_set(err, errlen,
				   "bad etcd endpoint '%s': expected http://HOST:PORT (plain HTTP "
				   "to the v3 JSON gateway)",
				   tok);
			goto bad;
		}
		if (e->n_endpoints == BL_ETCD_ENDPOINTS_MAX) {
			bl_err_set(err, errlen, "too many etcd endpoints: at most %d",
				   BL_ETCD_ENDPOINTS_MAX);
			goto bad;
		}
		while (n > 0 && tok[n - 1] == '/')
			tok[--n] = '\0';
		e->endpoints[e->n_endpoints] = strdup(tok);
		if (e->endpoints[e->n_endpoints++] == NULL)
			goto nomem;
	}
	if (e->n_endpoints == 0) {
		bl_err_set(err, errlen, "no etcd endpoint given (expected http://HOST:PORT)");
		goto bad;
	}
	free(list);
	list = NULL;
	e->easy = curl_easy_init();
	e->watch = curl_easy_init();
	e->multi = curl_multi_init();
	e->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (e->easy == NULL || e->watch == NULL || e->multi == NULL || e->headers == NULL)
		goto nomem;
	return e;
bad:
	free(list);
	bl_etcd_destroy(e);
	errno = EINVAL;
	return NULL;
nomem:
	free(list);
	bl_etcd_destroy(e);
	errno = ENOMEM;
	return NULL;
}

/* The options both handles share. */
static void setup(struct bl_etcd *e, CURL *h, const char *url, const char *body, struct buf *b)
{
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, e->headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, e->timeout_ms);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, e->curl_err);
	/* Only the endpoints given: no redirect, no proxy from the environment. */
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
}

/* One POST to the current endpoint. 0, -EIO (no answer), -EPROTO, -EREMOTEIO. */
static int call_once(struct bl_etcd *e, const char *path, const char *body, json_t **reply,
		     char *err, size_t errlen)
{
	char url[512];
	long code = 0;
	CURLcode cc;
	json_t *o;
	const json_t *msg;

	snprintf(url, sizeof(url), "%s%s", e->endpoints[e->cur], path);
	e->reply.len = 0;
	e->reply.over = false;
	e->curl_err[0] = '\0';
	setup(e, e->easy, url, body, &e->reply);
	curl_easy_setopt(e->easy, CURLOPT_TIMEOUT_MS, e->timeout_ms);
	cc = curl_easy_perform(e->easy);
	if (cc != CURLE_OK) {
		bl_err_set(err, errlen, "etcd at %s: %s", e->endpoints[e->cur],
			   e->reply.over	 ? "reply too large"
			   : e->curl_err[0] != 0 ? e->curl_err
						 : curl_easy_strerror(cc));
		return e->reply.over ? -EPROTO : -EIO;
	}
	curl_easy_getinfo(e->easy, CURLINFO_RESPONSE_CODE, &code);
	o = e->reply.len > 0 ? json_loadb(e->reply.p, e->reply.len, 0, NULL) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		bl_err_set(err, errlen, "etcd at %s: %s %s: HTTP %ld, not a JSON object",
			   e->endpoints[e->cur], "POST", path, code);
		return -EPROTO;
	}
	/* gRPC errors come back as {"error":"...","code":N,"message":"..."}. */
	msg = json_object_get(o, "message");
	if (code != 200 || json_object_get(o, "error") != NULL) {
		bl_err_set(err, errlen, "etcd at %s: %s: %s", e->endpoints[e->cur], path,
			   json_is_string(msg) ? json_string_value(msg) : "error reply");
		json_decref(o);
		return -EREMOTEIO;
	}
	*reply = o;
	return 0;
}

int bl_etcd_call(struct bl_etcd *e, const char *path, json_t *body, json_t **reply, char *err,
		 size_t errlen)
{
	char *text = json_dumps(body, JSON_COMPACT);
	int rc = -EIO;

	*reply = NULL;
	if (text == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < e->n_endpoints; i++) {
		rc = call_once(e, path, text, reply, err, errlen);
		if (rc != -EIO)
			break;
		e->cur = (e->cur + 1) % e->n_endpoints; /* this one does not answer: the next */
	}
	free(text);
	return rc;
}

int bl_etcd_watch_open(struct bl_etcd *e, json_t *body)
{
	char url[512];

	bl_etcd_watch_close(e);
	e->watch_body = json_dumps(body, JSON_COMPACT);
	if (e->watch_body == NULL)
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s/v3/watch", e->endpoints[e->cur]);
	e->wbuf.len = 0;
	e->wbuf.over = false;
	setup(e, e->watch, url, e->watch_body, &e->wbuf);
	/* A stream: no total timeout, but a dead connection must end it. */
	curl_easy_setopt(e->watch, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e->watch, CURLOPT_TCP_KEEPIDLE, 5L);
	curl_easy_setopt(e->watch, CURLOPT_TCP_KEEPINTVL, 2L);
	if (curl_multi_add_handle(e->multi, e->watch) != CURLM_OK)
		return -ENOMEM;
	e->watching = true;
	return 0;
}

void bl_etcd_watch_close(struct bl_etcd *e)
{
	if (e->watching)
		curl_multi_remove_handle(e->multi, e->watch);
	e->watching = false;
	free(e->watch_body);
	e->watch_body = NULL;
	e->wbuf.len = 0;
}

/* Cut the whole replies off the front of wbuf. */
static int take_replies(struct bl_etcd *e, bl_etcd_kv_fn kv_fn, bl_etcd_msg_fn msg_fn, void *arg)
{
	size_t at = 0;
	int rc = 0;

	while (at < e->wbuf.len) {
		struct bl_etcd_watch_msg m;
		long n = bl_etcd_watch_take(e->wbuf.p + at, e->wbuf.len - at, &m, kv_fn, arg);

		if (n == 0)
			break;
		if (n < 0) {
			rc = (int)n == -EINVAL ? -EPROTO : (int)n;
			break;
		}
		at += (size_t)n;
		rc = msg_fn(arg, &m);
		if (rc != 0)
			break;
	}
	if (at > 0) {
		memmove(e->wbuf.p, e->wbuf.p + at, e->wbuf.len - at);
		e->wbuf.len -= at;
	}
	return rc;
}

int bl_etcd_watch_poll(struct bl_etcd *e, int timeout_ms, bl_etcd_kv_fn kv_fn,
		       bl_etcd_msg_fn msg_fn, void *arg)
{
	size_t had = e->wbuf.len;
	int running = 0, left = 0, rc;
	CURLMsg *m;
	bool ended = false;

	if (!e->watching)
		return -ENOTCONN;
	/* Perform first: a new handle has no socket for the poll to wait on yet, and
	 * what this brings is taken now, not after a wait for more. */
	curl_multi_perform(e->multi, &running);
	if (running > 0 && e->wbuf.len == had) {
		curl_multi_poll(e->multi, NULL, 0, timeout_ms, NULL);
		curl_multi_perform(e->multi, &running);
	}
	while ((m = curl_multi_info_read(e->multi, &left)) != NULL)
		if (m->msg == CURLMSG_DONE)
			ended = true;
	rc = take_replies(e, kv_fn, msg_fn, arg);
	if (rc == 0 && (ended || running == 0))
		rc = -EPIPE;
	if (rc == 0 && e->wbuf.over)
		rc = -EPROTO;
	if (rc != 0)
		bl_etcd_watch_close(e);
	return rc;
}

void bl_etcd_wakeup(struct bl_etcd *e)
{
	curl_multi_wakeup(e->multi); /* libcurl: callable from any thread */
}

const char *bl_etcd_endpoint(const struct bl_etcd *e)
{
	return e->endpoints[e->cur];
}

void bl_etcd_destroy(struct bl_etcd *e)
{
	if (e == NULL)
		return;
	if (e->multi != NULL)
		bl_etcd_watch_close(e);
	if (e->multi != NULL)
		curl_multi_cleanup(e->multi);
	if (e->watch != NULL)
		curl_easy_cleanup(e->watch);
	if (e->easy != NULL)
		curl_easy_cleanup(e->easy);
	curl_slist_free_all(e->headers);
	for (unsigned int i = 0; i < e->n_endpoints; i++)
		free(e->endpoints[i]);
	free(e->reply.p);
	free(e->wbuf.p);
	free(e);
}
