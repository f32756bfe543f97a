/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * etcd v3 gateway JSON: design note. Every reply is read as untrusted
 * input: a field of the wrong type is an error, never a crash, and base64
 * is decoded strictly. A watch stream is cut into objects with jansson's
 * JSON_DISABLE_EOF_CHECK (the parser stops after the first value and says
 * where), so chunk boundaries and several objects in one read are both
 * handled without knowing how the gateway frames them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/etcd_json.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *bl_etcd_b64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	size_t i, o = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int b64_value(int c)
{
	const char *at = c != 0 ? strchr(b64_alphabet, c) : NULL;

	return at != NULL ? (int)(at - b64_alphabet) : -1;
}

char *bl_etcd_b64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), o = 0, i;
	uint32_t acc = 0;
	int bits = 0;
	char *out;

	while (n > 0 && s[n - 1] == '=')
		n--;
	if (strlen(s) - n > 2 || n % 4 == 1) {
		errno = EINVAL;
		return NULL;
	}
	out = malloc(n * 3 / 4 + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		int v = b64_value((unsigned char)s[i]);

		if (v < 0) {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	if (len != NULL)
		*len = o;
	return out;
}

char *bl_etcd_prefix_end(const char *prefix)
{
	size_t n = strlen(prefix);
	char *end = strdup(prefix);

	if (end == NULL)
		return NULL;
	while (n > 0 && (unsigned char)end[n - 1] == 0xff)
		n--;
	if (n == 0) {
		free(end);
		errno = EINVAL;
		return NULL;
	}
	end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
	end[n] = '\0';
	return end;
}

/* o[k] = base64(s); 0 or -1. */
static int set_b64(json_t *o, const char *k, const char *s)
{
	char *b = bl_etcd_b64_encode(s, strlen(s));
	int rc;

	if (b == NULL)
		return -1;
	rc = json_object_set_new(o, k, json_string(b));
	free(b);
	return rc;
}

static int set_num(json_t *o, const char *k, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_object_set_new(o, k, json_string(buf));
}

static json_t *done(json_t *o, int rc)
{
	if (rc != 0) {
		json_decref(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

/* {"key":prefix,"range_end":end} into o. */
static int set_prefix(json_t *o, const char *prefix)
{
	char *end = bl_etcd_prefix_end(prefix);
	int rc;

	if (end == NULL)
		return -1;
	rc = set_b64(o, "key", prefix) | set_b64(o, "range_end", end);
	free(end);
	return rc;
}

json_t *bl_etcd_req_range_prefix(const char *prefix)
{
	json_t *o = json_object();

	return o ? done(o, set_prefix(o, prefix)) : NULL;
}

json_t *bl_etcd_req_put(const char *key, const char *value, int64_t lease)
{
	json_t *o = json_object();
	int rc;

	if (o == NULL)
		return NULL;
	rc = set_b64(o, "key", key) | set_b64(o, "value", value);
	if (lease != 0)
		rc |= set_num(o, "lease", lease);
	return done(o, rc);
}

json_t *bl_etcd_req_delete(const char *key)
{
	json_t *o = json_object();

	return o ? done(o, set_b64(o, "key", key)) : NULL;
}

json_t *bl_etcd_req_watch_prefix(const char *prefix, int64_t start_revision)
{
	json_t *o = json_object(), *c = json_object();
	int rc;

	if (o == NULL || c == NULL) {
		json_decref(o);
		json_decref(c);
		return NULL;
	}
	rc = set_prefix(c, prefix);
	if (start_revision > 0)
		rc |= set_num(c, "start_revision", start_revision);
	rc |= json_object_set_new(o, "create_request", c);
	return done(o, rc);
}

json_t *bl_etcd_req_lease(const char *field, int64_t value)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	/* TTL is a plain number in etcd's JSON, an ID a string. */
	if (strcmp(field, "TTL") == 0)
		return done(o, json_object_set_new(o, field, json_integer(value)));
	return done(o, set_num(o, field, value));
}

int bl_etcd_int(const json_t *v, int64_t *out)
{
	const char *s;
	char *end;
	long long n;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	if (*s == '\0')
		return -EINVAL;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*out = n;
	return 0;
}

int64_t bl_etcd_revision(const json_t *reply)
{
	const json_t *h = json_object_get(reply, "header");
	int64_t rev = 0;

	if (json_is_object(h) && bl_etcd_int(json_object_get(h, "revision"), &rev) == 0)
		return rev;
	return 0;
}

void bl_etcd_kv_clear(struct bl_etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

/* An optional numeric field: absent is 0, present must be a number. */
static int opt_int(const json_t *o, const char *k, int64_t *out)
{
	const json_t *v = json_object_get(o, k);

	*out = 0;
	return v == NULL ? 0 : bl_etcd_int(v, out);
}

int bl_etcd_kv_decode(const json_t *o, bool deleted, struct bl_etcd_kv *kv)
{
	const json_t *k = json_object_get(o, "key"), *v = json_object_get(o, "value");
	size_t klen;

	memset(kv, 0, sizeof(*kv));
	kv->deleted = deleted;
	if (!json_is_object(o) || !json_is_string(k) || (v != NULL && !json_is_string(v)) ||
	    opt_int(o, "mod_revision", &kv->mod_revision) != 0 ||
	    opt_int(o, "lease", &kv->lease) != 0)
		return -EINVAL;
	kv->key = bl_etcd_b64_decode(json_string_value(k), &klen);
	if (kv->key != NULL && memchr(kv->key, '\0', klen) != NULL) {
		bl_etcd_kv_clear(kv); /* a key with a NUL byte is no key of ours */
		return -EINVAL;
	}
	if (kv->key != NULL)
		kv->value = bl_etcd_b64_decode(v ? json_string_value(v) : "", &kv->value_len);
	if (kv->key == NULL || kv->value == NULL) {
		int e = errno == ENOMEM ? -ENOMEM : -EINVAL;

		bl_etcd_kv_clear(kv);
		return e;
	}
	return 0;
}

int bl_etcd_range_each(const json_t *reply, bl_etcd_kv_fn fn, void *arg)
{
	const json_t *kvs = json_object_get(reply, "kvs");
	const json_t *o;
	size_t i;

	if (kvs == NULL)
		return 0; /* an empty range has no "kvs" at all */
	if (!json_is_array(kvs))
		return -EINVAL;
	json_array_foreach (kvs, i, o) {
		struct bl_etcd_kv kv;
		int rc = bl_etcd_kv_decode(o, false, &kv);

		if (rc == 0)
			rc = fn(arg, &kv);
		bl_etcd_kv_clear(&kv);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int watch_events(const json_t *events, struct bl_etcd_watch_msg *msg, bl_etcd_kv_fn fn,
			void *arg)
{
	const json_t *e;
	size_t i;

	if (events == NULL)
		return 0;
	if (!json_is_array(events))
		return -EINVAL;
	json_array_foreach (events, i, e) {
		const json_t *type = json_object_get(e, "type");
		struct bl_etcd_kv kv;
		bool del;
		int rc;

		if (type != NULL && !json_is_string(type))
			return -EINVAL;
		del = type != NULL && strcmp(json_string_value(type), "DELETE") == 0;
		if (type != NULL && !del && strcmp(json_string_value(type), "PUT") != 0)
			return -EINVAL;
		rc = bl_etcd_kv_decode(json_object_get(e, "kv"), del, &kv);
		if (rc == 0) {
			msg->events++;
			rc = fn(arg, &kv);
		}
		bl_etcd_kv_clear(&kv);
		if (rc != 0)
			return rc;
	}
	return 0;
}

long bl_etcd_watch_take(const char *buf, size_t len, struct bl_etcd_watch_msg *msg,
			bl_etcd_kv_fn fn, void *arg)
{
	json_error_t jerr;
	const json_t *res;
	json_t *o;
	size_t used = 0;
	long rc = 0;

	memset(msg, 0, sizeof(*msg));
	while (used < len && strchr(" \t\r\n", buf[used]) != NULL && buf[used] != '\0')
		used++;
	if (used == len)
		return 0; /* nothing but blanks: wait for more */
	o = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &jerr);
	if (o == NULL)
		return json_error_code(&jerr) == json_error_premature_end_of_input ? 0 : -EINVAL;
	used = (size_t)jerr.position;
	if (!json_is_object(o)) {
		rc = -EINVAL;
		goto out;
	}
	if (json_object_get(o, "error") != NULL) {
		msg->error = true;
		goto out;
	}
	res = json_object_get(o, "result");
	if (!json_is_object(res) || opt_int(res, "compact_revision", &msg->compact_revision) != 0) {
		rc = -EINVAL;
		goto out;
	}
	msg->revision = bl_etcd_revision(res);
	msg->created = json_is_true(json_object_get(res, "created"));
	msg->canceled = json_is_true(json_object_get(res, "canceled"));
	rc = watch_events(json_object_get(res, "events"), msg, fn, arg);
out:
	json_decref(o);
	return rc != 0 ? rc : (long)used;
}
