/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON of etcd's v3 gateway (etcd 3.4: POST /v3/kv/range, /v3/kv/put,
 * /v3/watch, ...): keys and values travel base64-encoded, 64-bit numbers
 * travel as decimal strings. This module builds the request bodies and
 * reads the replies, and nothing else: no I/O, no threads, so the unit tests
 * (tests/control/test_etcd_json.c) run it on recorded replies.
 *
 * A watch reply is a stream of JSON objects, one after another:
 *   {"result":{"header":{"revision":"7"},"created":true}}
 *   {"result":{"header":{"revision":"8"},"events":[{"kv":{...}},
 *              {"type":"DELETE","kv":{...}}]}}
 *   {"result":{"header":{},"canceled":true,"compact_revision":"3"}}
 * A PUT event has no "type" (the default of the enum is left out).
 *
 * Any thread; everything here may allocate.
 */
#ifndef BL_ETCD_JSON_H
#define BL_ETCD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Bytes to standard base64 (with padding). NULL with errno ENOMEM. Caller frees. */
char *bl_etcd_b64_encode(const void *data, size_t len);

/*
 * Standard base64 (padding optional) to bytes, NUL-terminated for
 * convenience (*len excludes it). NULL with errno EINVAL for bad input or
 * ENOMEM. Caller frees.
 */
char *bl_etcd_b64_decode(const char *s, size_t *len);

/*
 * The end of the range of keys that start with prefix (the prefix with its
 * last byte incremented, as etcd's clients compute it). NULL with errno
 * EINVAL for an empty or all-0xff prefix, ENOMEM. Caller frees.
 */
char *bl_etcd_prefix_end(const char *prefix);

/* Request bodies; each a new object, or NULL for lack of memory. */
json_t *bl_etcd_req_range_prefix(const char *prefix);
json_t *bl_etcd_req_put(const char *key, const char *value, int64_t lease);
json_t *bl_etcd_req_delete(const char *key);
json_t *bl_etcd_req_watch_prefix(const char *prefix, int64_t start_revision);
json_t *bl_etcd_req_lease(const char *field, int64_t value); /* {"TTL":v} or {"ID":"v"} */

/* A 64-bit number as the gateway writes it: "123" or 123. 0 or -EINVAL. */
int bl_etcd_int(const json_t *v, int64_t *out);

/* header.revision of a reply (or of a watch "result"); 0 when absent. */
int64_t bl_etcd_revision(const json_t *reply);

/* One key-value pair of a range reply or a watch event, decoded. */
struct bl_etcd_kv {
	bool deleted; /* a DELETE event (value empty) */
	char *key;    /* NUL-terminated */
	char *value;  /* NUL-terminated; "" for a delete */
	size_t value_len;
	int64_t mod_revision;
	int64_t lease; /* 0: none */
};

void bl_etcd_kv_clear(struct bl_etcd_kv *kv);

/*
 * Decode a kv object ({"key":b64,"value":b64,"mod_revision":"N","lease":"L"}).
 * 0, or -EINVAL (missing or bad key, bad base64) / -ENOMEM; on error kv
 * holds nothing to free.
 */
int bl_etcd_kv_decode(const json_t *o, bool deleted, struct bl_etcd_kv *kv);

/*
 * Call fn for every kv of a range reply's "kvs", in order. Returns 0, the
 * first non-zero return of fn, or -EINVAL / -ENOMEM for a kv that does not
 * decode (then fn is not called for it or after it).
 */
typedef int (*bl_etcd_kv_fn)(void *arg, const struct bl_etcd_kv *kv);
int bl_etcd_range_each(const json_t *reply, bl_etcd_kv_fn fn, void *arg);

/* What one watch reply said besides its events. */
struct bl_etcd_watch_msg {
	int64_t revision;	  /* header.revision (0 when absent) */
	int64_t compact_revision; /* > 0: the start revision was compacted away */
	bool created;
	bool canceled;
	bool error;    /* {"error":{...}}: the stream failed */
	size_t events; /* events seen (fn called for each) */
};

/*
 * Read the first whole JSON object of buf[0..len). Returns the bytes it
 * took (the object and the blanks before it: the caller drops them and
 * calls again with the rest), 0 when buf holds no whole object yet, or
 * -EINVAL for bytes that are not a watch reply (the stream must be
 * dropped). For each event fn is called in order; a non-zero return of fn
 * is returned as is. msg tells the rest.
 */
long bl_etcd_watch_take(const char *buf, size_t len, struct bl_etcd_watch_msg *msg,
			bl_etcd_kv_fn fn, void *arg);

#endif /* BL_ETCD_JSON_H */
