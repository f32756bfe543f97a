/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics HTTP server (see metrics.h). Design:
 *  - The listening socket is ours (bound before libmicrohttpd sees it), so
 *    a port in use is a plain EADDRINUSE at start-up, not a NULL daemon.
 *  - libmicrohttpd runs without a thread; bl_ctl_poll wakes on its epoll
 *    descriptor and calls MHD_run, and bl_metrics_tick runs it once per
 *    control loop for its timeouts. Requests are therefore handled on the
 *    control thread, one at a time.
 *  - Bounded: at most BL_METRICS_MAX_CONN connections, each closed after
 *    BL_METRICS_TIMEOUT_S idle seconds; requests carry no body (GET, HEAD).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "control/ctl.h"
#include "control/metrics.h"
#include "control/metrics_pvt.h"

#define BL_METRICS_MAX_CONN  16
#define BL_METRICS_TIMEOUT_S 10
#define BL_METRICS_CTYPE     "text/plain; version=0.0.4; charset=utf-8"

struct bl_metrics {
	struct MHD_Daemon *d;
	int lfd;
	struct bl_ctl *ctl;
	struct bl_router *r;
};

int bl_metrics_parse_addr(const char *s, struct sockaddr_in *sa, char *err, size_t errlen)
{
	const char *colon = strrchr(s, ':');
	const char *port = colon ? colon + 1 : s;
	char host[INET_ADDRSTRLEN] = "127.0.0.1";
	unsigned long v;
	char *end;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (colon != NULL) {
		if ((size_t)(colon - s) >= sizeof(host) || colon == s) {
			snprintf(err, errlen, "'%s': expected PORT or A.B.C.D:PORT", s);
			return -EINVAL;
		}
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		snprintf(err, errlen, "'%s': '%s' is not an IPv4 address", s, host);
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(port, &end, 10);
	if (*port < '0' || *port > '9' || *end != '\0' || errno != 0 || v == 0 || v > 65535) {
		snprintf(err, errlen, "'%s': the port must be 1..65535", s);
		return -EINVAL;
	}
	sa->sin_port = htons((uint16_t)v);
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, char *body, size_t len,
			     const char *ctype)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *s)
{
	char *body = strdup(s);

	if (body == NULL)
		return MHD_NO;
	return reply(conn, status, body, strlen(body), "text/plain; charset=utf-8");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	struct bl_metrics *m = cls;
	struct bl_mtext t = { 0 };

	(void)version;
	(void)upload_data;
	if (*upload_size != 0) {
		*upload_size = 0; /* a body: read and ignored, the answer is 405 */
		return MHD_YES;
	}
	if (*con_cls == NULL) {
		/* Headers only so far; answer on the next call, as MHD asks. */
		*con_cls = m;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n");
	if (strcmp(url, "/") == 0)
		return reply_text(conn, MHD_HTTP_OK, "beamline: metrics at /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
	if (bl__metrics_page(m->ctl, m->r, &t) != 0) {
		free(t.p);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	return reply(conn, MHD_HTTP_OK, t.p, t.len, BL_METRICS_CTYPE);
}

static void on_ready(void *arg)
{
	struct bl_metrics *m = arg;

	(void)MHD_run(m->d);
}

static int listen_on(const struct sockaddr_in *sa)
{
	int one = 1, fd, rc;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A restart binds again at once despite TIME_WAIT; two live
	 * listeners on one port are still refused on Linux. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0 || listen(fd, 64) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

struct bl_metrics *bl_metrics_start(const struct sockaddr_in *sa, struct bl_ctl *c,
				    struct bl_router *r, char *err, size_t errlen)
{
	const union MHD_DaemonInfo *info;
	struct bl_metrics *m;
	char host[INET_ADDRSTRLEN];
	int rc;

	inet_ntop(AF_INET, &sa->sin_addr, host, sizeof(host));
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "metrics: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	m->ctl = c;
	m->r = r;
	m->lfd = listen_on(sa);
	if (m->lfd < 0) {
		rc = -m->lfd;
		snprintf(err, errlen, "metrics: cannot listen on %s:%u: %s%s", host,
			 ntohs(sa->sin_port), strerror(rc),
			 rc == EADDRINUSE ? " (another program serves that port; choose another "
					    "with --metrics)"
					  : "");
		goto fail;
	}
	m->d = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, on_request, m,
				MHD_OPTION_LISTEN_SOCKET, m->lfd, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)BL_METRICS_MAX_CONN, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)BL_METRICS_TIMEOUT_S, MHD_OPTION_END);
	info = m->d ? MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (info == NULL) {
		rc = ENOMEM;
		snprintf(err, errlen, "metrics: libmicrohttpd did not start on %s:%u", host,
			 ntohs(sa->sin_port));
		goto fail;
	}
	rc = -bl_ctl_watch(c, info->epoll_fd, on_ready, m);
	if (rc != 0) {
		snprintf(err, errlen, "metrics: cannot watch the server: %s", strerror(rc));
		goto fail;
	}
	return m;
fail:
	if (m->d != NULL)
		MHD_stop_daemon(m->d); /* closes the listening socket it was given */
	else if (m->lfd >= 0)
		close(m->lfd);
	free(m);
	errno = rc;
	return NULL;
}

void bl_metrics_tick(struct bl_metrics *m)
{
	if (m != NULL)
		(void)MHD_run(m->d);
}

void bl_metrics_stop(struct bl_metrics *m)
{
	if (m == NULL)
		return;
	(void)bl_ctl_watch(m->ctl, -1, NULL, NULL);
	MHD_stop_daemon(m->d);
	/* MHD_stop_daemon closes the listening socket it was given. */
	free(m);
}
