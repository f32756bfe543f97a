/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared fixture of the control socket server tests (test_ctl_requests.c,
 * test_ctl_clients.c): a server in this process with test handlers, in a
 * fresh directory per binary, clients on real Unix sockets, and
 * bl_ctl_poll called between client steps.
 */
#ifndef BL_TESTS_CONTROL_CTL_TEST_H
#define BL_TESTS_CONTROL_CTL_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/cmd.h"
#include "control/ctl.h"
#include "control/errors.h"

static char tmpdir[64];
static char sock_path[128];

/* ---- handlers ---- */

struct calls {
	int echo, fail, route_add, status, batch;
	bool batch_strict; /* route.batch checks its lines with the grammar */
	json_t *last_req;
};

static inline int h_echo(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct calls *k = arg;
	json_t *v = json_object_get(req, "value");

	(void)errmsg;
	(void)errlen;
	k->echo++;
	json_object_set(reply, "value", v ? v : json_null());
	return 0;
}

/* Fails with the errno given in the request's "errno" (positive), message optional. */
static inline int h_fail(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct calls *k = arg;
	const char *msg = json_string_value(json_object_get(req, "msg"));

	k->fail++;
	json_object_set_new(reply, "partial", json_true()); /* must not reach the client */
	if (msg != NULL)
		snprintf(errmsg, errlen, "%s", msg);
	return -(int)json_integer_value(json_object_get(req, "errno"));
}

/* A handler that tries to claim "ok" itself: the server has the last word. */
static inline int h_sneaky(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg;
	(void)req;
	(void)errmsg;
	(void)errlen;
	json_object_set_new(reply, "data", json_integer(1));
	json_object_set_new(reply, "ok", json_false());
	return 0;
}

/* A reply of `size` bytes of 'x', to fill a slow client's buffers fast. */
static inline int h_big(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	size_t size = (size_t)json_integer_value(json_object_get(req, "size"));
	char *s = malloc(size + 1);

	(void)arg;
	if (s == NULL) {
		snprintf(errmsg, errlen, "no memory");
		return -ENOMEM;
	}
	memset(s, 'x', size);
	s[size] = '\0';
	json_object_set_new(reply, "data", json_string(s));
	free(s);
	return 0;
}

static inline int h_bad_utf8(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg;
	(void)req;
	(void)reply;
	snprintf(errmsg, errlen, "junk \xff\xfe here");
	return -EINVAL;
}

static inline int h_route_add(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct calls *k = arg;
	json_t *route = json_array_get(json_object_get(req, "routes"), 0);

	k->route_add++;
	json_decref(k->last_req);
	k->last_req = json_incref(req);
	if (json_is_string(json_object_get(route, "key")) ||
	    json_integer_value(json_object_get(route, "port")) == 4) {
		snprintf(errmsg, errlen, "port %d does not exist",
			 (int)json_integer_value(json_object_get(route, "port")));
		return -ENODEV;
	}
	json_object_set_new(reply, "added", json_integer(1));
	return 0;
}

static inline int batch_line_ok(void *arg, bool del, const struct bl_cmd_route *r)
{
	(void)arg, (void)del, (void)r;
	return 0;
}

/* route.batch: answers with the "text" it got and the request's fields;
 * refuses, changing nothing, a text naming port 4 (as route.add does) and,
 * when batch_strict, one with a line the grammar refuses (as the daemon's). */
static inline int h_batch(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct calls *k = arg;
	const char *text = json_string_value(json_object_get(req, "text"));

	k->batch++;
	json_decref(k->last_req);
	k->last_req = json_incref(req);
	if (text != NULL && strstr(text, "port 4 ") != NULL) {
		snprintf(errmsg, errlen, "port 4 does not exist");
		return -ENODEV;
	}
	for (const char *p = k->batch_strict ? text : NULL; p != NULL && *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		char line[1024], sub[256];

		if (l >= sizeof(line))
			return -E2BIG;
		memcpy(line, p, l);
		line[l] = '\0';
		if (bl_cmd_batch_line(line, batch_line_ok, NULL, sub, sizeof(sub)) != 0) {
			snprintf(errmsg, errlen, "%s", sub);
			return -EINVAL;
		}
		p = nl ? nl + 1 : p + l;
	}
	json_object_set(reply, "got", json_object_get(req, "text"));
	json_object_set_new(reply, "fields", json_integer((json_int_t)json_object_size(req)));
	return 0;
}

static inline int h_status(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct calls *k = arg;

	(void)req;
	(void)errmsg;
	(void)errlen;
	k->status++;
	json_object_set_new(reply, "version", json_string("0.1.0"));
	return 0;
}

/* ---- test world ---- */

struct world {
	struct bl_ctl *c;
	struct calls k;
};

static inline struct bl_ctl *server_new(struct calls *k)
{
	struct bl_ctl *c = bl_ctl_create(sock_path);

	assert_non_null(c);
	assert_int_equal(bl_ctl_register(c, "echo", h_echo, k, "echo \"value\""), 0);
	assert_int_equal(bl_ctl_register(c, "fail", h_fail, k, "fail with \"errno\""), 0);
	assert_int_equal(bl_ctl_register(c, "sneaky", h_sneaky, k, "claims ok:false"), 0);
	assert_int_equal(bl_ctl_register(c, "big", h_big, k, "a big reply"), 0);
	assert_int_equal(bl_ctl_register(c, "badutf8", h_bad_utf8, k, "bad message"), 0);
	assert_int_equal(bl_ctl_register(c, "route.add", h_route_add, k, "add routes"), 0);
	assert_int_equal(bl_ctl_register(c, "status", h_status, k, "status"), 0);
	assert_int_equal(bl_ctl_register(c, "route.batch", h_batch, k, "batch"), 0);
	return c;
}

static inline int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	w->c = server_new(&w->k);
	*state = w;
	return 0;
}

static inline int teardown(void **state)
{
	struct world *w = *state;
	struct stat st;

	bl_ctl_destroy(w->c);
	/* The socket file goes with the server. */
	assert_int_equal(stat(sock_path, &st), -1);
	json_decref(w->k.last_req);
	free(w);
	return 0;
}

static inline int client_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true(strlen(sock_path) < sizeof(a.sun_path));
	memcpy(a.sun_path, sock_path, strlen(sock_path) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Send all of buf, polling the server whenever the socket is full. */
static inline void client_send(struct bl_ctl *c, int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			assert_true(bl_ctl_poll(c, 10) >= 0);
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static inline void send_str(struct bl_ctl *c, int fd, const char *s)
{
	client_send(c, fd, s, strlen(s));
}

/*
 * Read one line, polling the server in between; returns the line (malloc'ed)
 * or NULL on EOF. Fails the test if nothing comes in 2000 rounds.
 */
static inline char *client_line(struct bl_ctl *c, int fd)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (int round = 0; round < 2000; round++) {
		ssize_t n = recv(fd, buf + len, 1, MSG_DONTWAIT);

		if (n == 1) {
			if (buf[len] == '\n') {
				buf[len] = '\0';
				return buf;
			}
			if (++len == cap) {
				cap *= 2;
				buf = realloc(buf, cap);
				assert_non_null(buf);
			}
			round = 0;
			continue;
		}
		if (n == 0) {
			free(buf);
			return NULL;
		}
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		if (c != NULL)
			assert_true(bl_ctl_poll(c, 5) >= 0);
		else
			poll(NULL, 0, 5);
	}
	fail_msg("no reply line");
	return NULL;
}

static inline json_t *client_reply(struct bl_ctl *c, int fd)
{
	char *line = client_line(c, fd);
	json_t *j;

	assert_non_null(line);
	j = json_loads(line, 0, NULL);
	if (j == NULL)
		fail_msg("reply is not JSON: %s", line);
	free(line);
	return j;
}

static inline json_t *ask(struct bl_ctl *c, int fd, const char *req)
{
	client_send(c, fd, req, strlen(req));
	return client_reply(c, fd);
}

static inline void assert_error(json_t *r, const char *name, const char *msg_part)
{
	const char *m = json_string_value(json_object_get(r, "message"));

	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(r, "error")), name);
	assert_non_null(m);
	if (msg_part != NULL && strstr(m, msg_part) == NULL)
		fail_msg("message '%s' lacks '%s'", m, msg_part);
}

/* ---- the directory of this binary's sockets and files ---- */

/* Make tmpdir and put sock_path in it. 0, or -1 when it cannot be made. */
static inline int ctl_test_dir_make(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bl-test-ctl-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", tmpdir);
	return 0;
}

/* Remove tmpdir and whatever the tests left in it. */
static inline void ctl_test_dir_remove(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

#endif /* BL_TESTS_CONTROL_CTL_TEST_H */
