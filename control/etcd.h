/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small etcd v3 client over the JSON gateway (libcurl for HTTP, jansson
 * for JSON; the bodies are control/etcd_json.h). It serves one thread, the
 * cluster thread (control/cluster.h): unary calls block for at most the
 * timeout given at creation, and one watch stream runs beside them on its
 * own connection, read in pieces by bl_etcd_watch_poll. Never the control
 * thread, never a worker lcore: etcd is not on the packet path.
 *
 * Endpoints are tried in the order given; a call that cannot connect moves
 * to the next one and tries again, once round the list.
 */
#ifndef BL_ETCD_H
#define BL_ETCD_H

#include <stddef.h>

#include <jansson.h>

#include "control/etcd_json.h"

struct bl_etcd;

/*
 * endpoints: "http://HOST:PORT[,http://HOST:PORT...]" (up to 8). timeout_ms
 * bounds each unary call, connecting included. Returns the client, or NULL
 * with errno EINVAL (a bad list; err says why) or ENOMEM. The caller must
 * have called curl_global_init. One thread at a time.
 */
struct bl_etcd *bl_etcd_create(const char *endpoints, long timeout_ms, char *err, size_t errlen);

/*
 * POST body (borrowed) to path ("/v3/kv/range", ...) and read the reply
 * object into *reply (the caller's). Returns 0; -EIO when no endpoint
 * answers (err says why), -EPROTO for a reply that is not a JSON object,
 * -EREMOTEIO when etcd answers with an error (its message in err), -ENOMEM.
 * Blocks up to the timeout per endpoint tried.
 */
int bl_etcd_call(struct bl_etcd *e, const char *path, json_t *body, json_t **reply, char *err,
		 size_t errlen);

/* Open the watch stream with body (borrowed; bl_etcd_req_watch_prefix). Closes one open. */
int bl_etcd_watch_open(struct bl_etcd *e, json_t *body);

/*
 * Take what the stream has sent, waiting up to timeout_ms for it. For every
 * whole reply, kv_fn is called for each of its events and then msg_fn with
 * the rest; a non-zero return of either stops and is returned. Returns 0
 * while the stream runs; -EPIPE once it has ended (etcd went away or closed
 * it), -EPROTO for bytes that are no watch reply, -ENOTCONN with no stream
 * open. After an error the stream is closed.
 */
typedef int (*bl_etcd_msg_fn)(void *arg, const struct bl_etcd_watch_msg *m);
int bl_etcd_watch_poll(struct bl_etcd *e, int timeout_ms, bl_etcd_kv_fn kv_fn,
		       bl_etcd_msg_fn msg_fn, void *arg);

/* Close the watch stream (no-op when none). */
void bl_etcd_watch_close(struct bl_etcd *e);

/* Make a bl_etcd_watch_poll under way return early. The one call any thread may make. */
void bl_etcd_wakeup(struct bl_etcd *e);

/* The endpoint in use (borrowed). */
const char *bl_etcd_endpoint(const struct bl_etcd *e);

/* Close everything and free. NULL is a no-op. */
void bl_etcd_destroy(struct bl_etcd *e);

#endif /* BL_ETCD_H */
