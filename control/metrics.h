/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus metrics over HTTP: GET /metrics answers the text exposition
 * format 0.0.4 (control/metrics_page.c says what is in it).
 *
 * libmicrohttpd serves it, driven from the control thread: no thread of
 * its own (MHD_USE_EPOLL without MHD_USE_INTERNAL_POLLING_THREAD), its
 * epoll descriptor watched by the control socket's poll (bl_ctl_watch), so
 * a page is built on the control thread like any command reply and no lock
 * guards router state from an HTTP thread.
 */
#ifndef BL_METRICS_H
#define BL_METRICS_H

#include <stddef.h>
#include <netinet/in.h>

struct bl_ctl;
struct bl_router;
struct bl_metrics;

/*
 * Parse "PORT" (meaning 127.0.0.1:PORT) or "A.B.C.D:PORT" (port 1..65535)
 * into *sa. Returns 0, or -EINVAL with a one-line reason in err. Any thread.
 */
int bl_metrics_parse_addr(const char *s, struct sockaddr_in *sa, char *err, size_t errlen);

/*
 * Listen on *sa and serve /metrics from c's commands and r's histograms;
 * registers the watch on c (c and r must outlive the server). Returns the
 * server, or NULL with errno set (EADDRINUSE, EACCES, EADDRNOTAVAIL, ENOMEM,
 * EBUSY if c watches another descriptor) and a one-line reason in err.
 * Control thread.
 */
struct bl_metrics *bl_metrics_start(const struct sockaddr_in *sa, struct bl_ctl *c,
				    struct bl_router *r, char *err, size_t errlen);

/*
 * Let the server close connections that timed out (bl_ctl_poll only calls
 * it when its descriptor is ready). Cheap: call it once per loop. NULL is
 * a no-op. Control thread.
 */
void bl_metrics_tick(struct bl_metrics *m);

/* Stop serving, close every connection, remove the watch, free. NULL is a no-op.
 * Control thread. */
void bl_metrics_stop(struct bl_metrics *m);

#endif /* BL_METRICS_H */
