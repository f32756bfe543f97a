/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server: a server in this process, clients on real Unix
 * sockets, bl_ctl_poll called between client steps. Covers the protocol,
 * every refusal (bad_request, too_big, unknown_command, busy, slow client),
 * the socket file's life (mode, stale, live, not a socket) and the config
 * loader.
 */
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

#include "control/ctl.h"
#include "control/errors.h"

static char tmpdir[64];
static char sock_path[128];

/* ---- handlers ---- */

struct calls {
	int echo, fail, route_add, status;
	json_t *last_req;
};

static int h_echo(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
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
static int h_fail(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
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
static int h_sneaky(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
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
static int h_big(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
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

static int h_bad_utf8(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg;
	(void)req;
	(void)reply;
	snprintf(errmsg, errlen, "junk \xff\xfe here");
	return -EINVAL;
}

static int h_route_add(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct calls *k = arg;
	json_t *route = json_array_get(json_object_get(req, "routes"), 0);

	k->route_add++;
	json_decref(k->last_req);
	k->last_req = json_incref(req);
	if (json_is_string(json_object_get(route, "key"))) {
		snprintf(errmsg, errlen, "port %d does not exist",
			 (int)json_integer_value(json_object_get(route, "port")));
		return -ENODEV;
	}
	json_object_set_new(reply, "added", json_integer(1));
	return 0;
}

/* route.batch: answers with the "text" it got and the request's fields. */
static int h_batch(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg, (void)errmsg, (void)errlen;
	json_object_set(reply, "got", json_object_get(req, "text"));
	json_object_set_new(reply, "fields", json_integer((json_int_t)json_object_size(req)));
	return 0;
}

static int h_status(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
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

static struct bl_ctl *server_new(struct calls *k)
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

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	w->c = server_new(&w->k);
	*state = w;
	return 0;
}

static int teardown(void **state)
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

static int client_connect(void)
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
static void client_send(struct bl_ctl *c, int fd, const char *buf, size_t len)
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

static void send_str(struct bl_ctl *c, int fd, const char *s)
{
	client_send(c, fd, s, strlen(s));
}

/*
 * Read one line, polling the server in between; returns the line (malloc'ed)
 * or NULL on EOF. Fails the test if nothing comes in 2000 rounds.
 */
static char *client_line(struct bl_ctl *c, int fd)
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

static json_t *client_reply(struct bl_ctl *c, int fd)
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

static json_t *ask(struct bl_ctl *c, int fd, const char *req)
{
	client_send(c, fd, req, strlen(req));
	return client_reply(c, fd);
}

static void assert_error(json_t *r, const char *name, const char *msg_part)
{
	const char *m = json_string_value(json_object_get(r, "message"));

	assert_true(json_is_false(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(r, "error")), name);
	assert_non_null(m);
	if (msg_part != NULL && strstr(m, msg_part) == NULL)
		fail_msg("message '%s' lacks '%s'", m, msg_part);
}

/* ---- tests ---- */

static void test_good_requests(void **state)
{
	struct world *w = *state;
	int fd = client_connect();
	json_t *r;
	char *line;

	/* "ok" comes first, then what the handler put. */
	send_str(w->c, fd, "{\"cmd\":\"echo\",\"value\":[1,\"two\"]}\n");
	line = client_line(w->c, fd);
	assert_string_equal(line, "{\"ok\":true,\"value\":[1,\"two\"]}");
	free(line);
	assert_int_equal(w->k.echo, 1);

	/* CRLF and surrounding blanks are fine; a blank line gets no answer. */
	r = ask(w->c, fd, "\n  \r\n{\"cmd\":\"echo\",\"value\":3}\r\n");
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 3);
	json_decref(r);

	r = ask(w->c, fd, "{\"cmd\":\"sneaky\"}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r, "data")), 1);
	json_decref(r);

	/* Pipelined: 300 requests in one write, answered in order. */
	{
		char *buf = malloc(300 * 40), *p = buf;

		assert_non_null(buf);
		for (int i = 0; i < 300; i++)
			p += sprintf(p, "{\"cmd\":\"echo\",\"value\":%d}\n", i);
		client_send(w->c, fd, buf, (size_t)(p - buf));
		free(buf);
		for (int i = 0; i < 300; i++) {
			r = client_reply(w->c, fd);
			assert_int_equal(json_integer_value(json_object_get(r, "value")), i);
			json_decref(r);
		}
	}
	close(fd);
}

/*
 * A route batch's request is read by a path of its own (load_batch_text in
 * control/ctl.c); every variant must mean what jansson reads from it.
 */
static void test_batch_text(void **state)
{
	struct world *w = *state;
	int fd = client_connect();
	json_t *r;

	/* Every escape JSON has but \u, on the fast path. */
	r = ask(w->c, fd,
		"{\"cmd\":\"route.batch\",\"text\":\"add 1 drop\\n\\t\\\"q\\\" \\\\ \\/ "
		"\\r\\b\\f\\n\"}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(r, "got")),
			    "add 1 drop\n\t\"q\" \\ / \r\b\f\n");
	assert_int_equal(json_integer_value(json_object_get(r, "fields")), 2);
	json_decref(r);
	/* \u and UTF-8 go through jansson: the same text. */
	r = ask(w->c, fd, "{\"cmd\":\"route.batch\",\"text\":\"\\u0041 \xc3\xa9\"}\n");
	assert_string_equal(json_string_value(json_object_get(r, "got")), "A \xc3\xa9");
	json_decref(r);
	/* A quote that ends the string early: another field follows. */
	r = ask(w->c, fd, "{\"cmd\":\"route.batch\",\"text\":\"a\",\"x\":\"b\"}\n");
	assert_string_equal(json_string_value(json_object_get(r, "got")), "a");
	assert_int_equal(json_integer_value(json_object_get(r, "fields")), 3);
	json_decref(r);
	/* What JSON forbids stays refused: a raw tab, a bad escape, bad UTF-8,
	 * an unterminated string. */
	r = ask(w->c, fd, "{\"cmd\":\"route.batch\",\"text\":\"a\tb\"}\n");
	assert_error(r, "bad_request", "malformed JSON");
	json_decref(r);
	r = ask(w->c, fd, "{\"cmd\":\"route.batch\",\"text\":\"a\\qb\"}\n");
	assert_error(r, "bad_request", "malformed JSON");
	json_decref(r);
	r = ask(w->c, fd, "{\"cmd\":\"route.batch\",\"text\":\"a\xff\"}\n");
	assert_error(r, "bad_request", "malformed JSON");
	json_decref(r);
	r = ask(w->c, fd, "{\"cmd\":\"route.batch\",\"text\":\"a\\\"}\n");
	assert_error(r, "bad_request", "malformed JSON");
	json_decref(r);
	close(fd);
}

static void test_handler_errors(void **state)
{
	struct world *w = *state;
	int fd = client_connect();
	json_t *r;
	char *line;

	line = NULL;
	send_str(w->c, fd, "{\"cmd\":\"fail\",\"errno\":2,\"msg\":\"no such route 9\"}\n");
	line = client_line(w->c, fd);
	assert_string_equal(
	    line, "{\"ok\":false,\"error\":\"not_found\",\"message\":\"no such route 9\"}");
	free(line);

	/* Every table entry by errno, and a message from strerror when the handler gave none. */
	for (unsigned int i = 0;; i++) {
		const char *name;
		char req[96];
		int e;

		if (bl_err_entry(i, &e, &name) < 0)
			break;
		snprintf(req, sizeof(req), "{\"cmd\":\"fail\",\"errno\":%d}\n", e);
		r = ask(w->c, fd, req);
		assert_error(r, name, strerror(e));
		assert_null(json_object_get(r, "partial"));
		json_decref(r);
	}
	r = ask(w->c, fd, "{\"cmd\":\"fail\",\"errno\":5,\"msg\":\"disk\"}\n");
	assert_error(r, "error", "disk");
	json_decref(r);

	/* Invalid UTF-8 in a message still gives a valid JSON line. */
	r = ask(w->c, fd, "{\"cmd\":\"badutf8\"}\n");
	assert_error(r, "invalid_argument", "junk");
	json_decref(r);
	close(fd);
}

static void test_bad_requests(void **state)
{
	struct world *w = *state;
	int fd = client_connect();
	struct bl_ctl_stats st;
	json_t *r;

	r = ask(w->c, fd, "{\"cmd\":\"echo\"\n");
	assert_error(r, "bad_request", "malformed JSON");
	json_decref(r);
	r = ask(w->c, fd, "not json at all\n");
	assert_error(r, "bad_request", "malformed JSON");
	json_decref(r);
	r = ask(w->c, fd, "[1,2,3]\n");
	assert_error(r, "bad_request", "JSON object");
	json_decref(r);
	r = ask(w->c, fd, "\"status\"\n");
	assert_error(r, "bad_request", "JSON object");
	json_decref(r);
	r = ask(w->c, fd, "{\"value\":1}\n");
	assert_error(r, "bad_request", "\"cmd\" string");
	json_decref(r);
	r = ask(w->c, fd, "{\"cmd\":7}\n");
	assert_error(r, "bad_request", "\"cmd\" string");
	json_decref(r);
	r = ask(w->c, fd, "{\"cmd\":\"status\"} {\"cmd\":\"status\"}\n");
	assert_error(r, "bad_request", "malformed JSON");
	json_decref(r);
	client_send(w->c, fd, "{\"cmd\":\"x\0y\"}\n", 14);
	r = client_reply(w->c, fd);
	assert_error(r, "bad_request", NULL);
	json_decref(r);
	r = ask(w->c, fd, "{\"cmd\":\"launch\"}\n");
	assert_error(r, "unknown_command", "unknown command 'launch'");
	json_decref(r);
	r = ask(w->c, fd, "{\"cmd\":\"\xff\xfe\"}\n");
	assert_error(r, "bad_request", NULL);
	json_decref(r);

	/* After all that, the same connection still works. */
	r = ask(w->c, fd, "{\"cmd\":\"status\"}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.bad_request, 9);
	assert_int_equal(st.unknown_command, 1);
	assert_int_equal(st.errors, 10);
	assert_int_equal(st.requests, 11);
	close(fd);
}

static void test_oversized(void **state)
{
	struct world *w = *state;
	int fd = client_connect();
	size_t big = 3 * BL_CTL_MAX_REQUEST + 123;
	struct bl_ctl_stats st;
	char *buf = malloc(big + 1);
	json_t *r;
	int n;

	assert_non_null(buf);
	/* A line that is too long: one too_big, the rest skipped, the connection lives. */
	memset(buf, 'a', big);
	buf[big] = '\n';
	client_send(w->c, fd, buf, big + 1);
	r = ask(w->c, fd, "{\"cmd\":\"status\"}\n");
	assert_error(r, "too_big", "65536");
	json_decref(r);
	r = client_reply(w->c, fd);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(r, "version")), "0.1.0");
	json_decref(r);

	/* Exactly the limit is accepted; one byte more is not. */
	n = sprintf(buf, "{\"cmd\":\"echo\",\"value\":\"");
	memset(buf + n, 'v', BL_CTL_MAX_REQUEST - (size_t)n - 2);
	memcpy(buf + BL_CTL_MAX_REQUEST - 2, "\"}\n", 3);
	client_send(w->c, fd, buf, BL_CTL_MAX_REQUEST + 1);
	r = client_reply(w->c, fd);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(strlen(json_string_value(json_object_get(r, "value"))),
			 BL_CTL_MAX_REQUEST - (size_t)n - 2);
	json_decref(r);

	n = sprintf(buf, "{\"cmd\":\"echo\",\"value\":\"");
	memset(buf + n, 'v', BL_CTL_MAX_REQUEST - (size_t)n - 1);
	memcpy(buf + BL_CTL_MAX_REQUEST - 1, "\"}\n", 3);
	client_send(w->c, fd, buf, BL_CTL_MAX_REQUEST + 2);
	r = client_reply(w->c, fd);
	assert_error(r, "too_big", NULL);
	json_decref(r);
	r = ask(w->c, fd, "{\"cmd\":\"echo\",\"value\":5}\n");
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 5);
	json_decref(r);

	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.too_big, 2);
	free(buf);
	close(fd);
}

static void test_help(void **state)
{
	struct world *w = *state;
	int fd = client_connect();
	const char *prev = "";
	json_t *r, *list, *e;
	bool saw_echo = false;
	size_t i;

	r = ask(w->c, fd, "{\"cmd\":\"help\"}\n");
	list = json_object_get(r, "commands");
	assert_int_equal(json_array_size(list), 9);
	json_array_foreach (list, i, e) {
		const char *name = json_string_value(json_object_get(e, "cmd"));

		assert_true(strcmp(prev, name) < 0); /* sorted */
		prev = name;
		if (strcmp(name, "echo") == 0) {
			saw_echo = true;
			assert_string_equal(json_string_value(json_object_get(e, "help")),
					    "echo \"value\"");
		}
	}
	assert_true(saw_echo);
	json_decref(r);
	close(fd);
}

static void test_register_errors(void **state)
{
	struct world *w = *state;
	char longname[BL_CTL_MAX_CMD_NAME + 2];

	assert_int_equal(bl_ctl_register(w->c, "echo", h_echo, NULL, ""), -EEXIST);
	assert_int_equal(bl_ctl_register(w->c, "help", h_echo, NULL, ""), -EEXIST);
	assert_int_equal(bl_ctl_register(w->c, "", h_echo, NULL, ""), -EINVAL);
	assert_int_equal(bl_ctl_register(w->c, "two words", h_echo, NULL, ""), -EINVAL);
	assert_int_equal(bl_ctl_register(w->c, "nofn", NULL, NULL, ""), -EINVAL);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(bl_ctl_register(w->c, longname, h_echo, NULL, ""), -EINVAL);
	longname[BL_CTL_MAX_CMD_NAME] = '\0';
	assert_int_equal(bl_ctl_register(w->c, longname, h_echo, NULL, NULL), 0);
}

static void test_exec(void **state)
{
	struct world *w = *state;
	json_t *req, *reply;

	req = json_pack("{s:s,s:i}", "cmd", "echo", "value", 4);
	assert_int_equal(bl_ctl_exec(w->c, req, &reply), 0);
	assert_true(json_is_true(json_object_get(reply, "ok")));
	assert_int_equal(json_integer_value(json_object_get(reply, "value")), 4);
	json_decref(reply);
	json_decref(req);

	req = json_pack("{s:s,s:i}", "cmd", "fail", "errno", ENOSPC);
	assert_int_equal(bl_ctl_exec(w->c, req, &reply), -ENOSPC);
	assert_error(reply, "no_space", NULL);
	json_decref(reply);
	json_decref(req);

	req = json_pack("{s:s}", "cmd", "nope");
	assert_int_equal(bl_ctl_exec(w->c, req, &reply), -ENOSYS);
	assert_error(reply, "unknown_command", "nope");
	json_decref(reply);
	json_decref(req);

	req = json_integer(3);
	assert_int_equal(bl_ctl_exec(w->c, req, &reply), -EPROTO);
	assert_error(reply, "bad_request", NULL);
	json_decref(reply);
	json_decref(req);
}

static void test_too_many_clients(void **state)
{
	struct world *w = *state;
	int fds[BL_CTL_MAX_CLIENTS], extra;
	struct bl_ctl_stats st;
	json_t *r;
	char *line;

	for (int i = 0; i < BL_CTL_MAX_CLIENTS; i++) {
		fds[i] = client_connect();
		/* The backlog is not the limit under test: let the server accept as we go. */
		assert_true(bl_ctl_poll(w->c, 0) >= 0);
	}
	for (int i = 0; i < 20; i++)
		assert_true(bl_ctl_poll(w->c, 1) >= 0);
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.clients, BL_CTL_MAX_CLIENTS);

	extra = client_connect();
	line = client_line(w->c, extra);
	assert_non_null(line);
	r = json_loads(line, 0, NULL);
	free(line);
	assert_error(r, "busy", "too many");
	json_decref(r);
	assert_null(client_line(w->c, extra)); /* and then closed */
	close(extra);
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.refused_busy, 1);

	/* Every admitted client still works; freeing one slot admits a new client. */
	for (int i = 0; i < BL_CTL_MAX_CLIENTS; i += 9) {
		r = ask(w->c, fds[i], "{\"cmd\":\"echo\",\"value\":1}\n");
		assert_true(json_is_true(json_object_get(r, "ok")));
		json_decref(r);
	}
	close(fds[0]);
	for (int i = 0; i < 20; i++)
		assert_true(bl_ctl_poll(w->c, 1) >= 0);
	fds[0] = client_connect();
	r = ask(w->c, fds[0], "{\"cmd\":\"echo\",\"value\":2}\n");
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 2);
	json_decref(r);
	for (int i = 0; i < BL_CTL_MAX_CLIENTS; i++)
		close(fds[i]);
	for (int i = 0; i < 20; i++)
		assert_true(bl_ctl_poll(w->c, 1) >= 0);
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.clients, 0);
}

static void test_slow_client(void **state)
{
	struct world *w = *state;
	int slow = client_connect(), good = client_connect();
	const char *req = "{\"cmd\":\"big\",\"size\":16384}\n";
	struct bl_ctl_stats st;
	json_t *r;
	int sent = 0;

	bl_ctl_set_out_limit(w->c, 64 * 1024);
	/* The slow client asks and asks, and never reads. */
	for (int round = 0; round < 2000; round++) {
		size_t off = 0;

		/* Whole lines only, so the server sees complete requests. */
		while (off < strlen(req)) {
			ssize_t n =
			    send(slow, req + off, strlen(req) - off, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
				break;
			if (n > 0)
				off += (size_t)n;
			assert_true(bl_ctl_poll(w->c, 0) >= 0);
		}
		if (off == strlen(req))
			sent++;
		bl_ctl_stats_get(w->c, &st);
		if (st.dropped_slow > 0)
			break;
		/* Meanwhile the other client is served. */
		if (round % 50 == 0) {
			r = ask(w->c, good, "{\"cmd\":\"echo\",\"value\":1}\n");
			assert_true(json_is_true(json_object_get(r, "ok")));
			json_decref(r);
		}
	}
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.dropped_slow, 1);
	assert_true(sent > 4);
	assert_int_equal(st.clients, 1);
	r = ask(w->c, good, "{\"cmd\":\"echo\",\"value\":2}\n");
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 2);
	json_decref(r);
	close(slow);
	close(good);
}

static void test_partial_and_eof(void **state)
{
	struct world *w = *state;
	int fd = client_connect();
	json_t *r;

	/* A request in pieces, then one without a newline followed by shutdown. */
	send_str(w->c, fd, "{\"cmd\":");
	for (int i = 0; i < 5; i++)
		assert_int_equal(bl_ctl_poll(w->c, 1), 0);
	send_str(w->c, fd, "\"echo\",\"value\":8}\n{\"cmd\":\"echo\",\"value\":9}");
	r = client_reply(w->c, fd);
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 8);
	json_decref(r);
	shutdown(fd, SHUT_WR);
	r = client_reply(w->c, fd);
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 9);
	json_decref(r);
	assert_null(client_line(w->c, fd));
	close(fd);

	/* A client that vanishes mid-request and one that never reads its reply. */
	fd = client_connect();
	send_str(w->c, fd, "{\"cmd\":\"ec");
	assert_true(bl_ctl_poll(w->c, 1) >= 0);
	close(fd);
	fd = client_connect();
	send_str(w->c, fd, "{\"cmd\":\"big\",\"size\":300000}\n");
	for (int i = 0; i < 10; i++)
		assert_true(bl_ctl_poll(w->c, 1) >= 0);
	close(fd);
	for (int i = 0; i < 10; i++)
		assert_true(bl_ctl_poll(w->c, 1) >= 0);
	{
		struct bl_ctl_stats st;

		bl_ctl_stats_get(w->c, &st);
		assert_int_equal(st.clients, 0);
	}
}

static void test_poll_timeout_idle(void **state)
{
	struct world *w = *state;

	/* Nothing to do: returns 0 (served nothing), for any timeout, even negative. */
	assert_int_equal(bl_ctl_poll(w->c, 0), 0);
	assert_int_equal(bl_ctl_poll(w->c, 1), 0);
	assert_int_equal(bl_ctl_poll(w->c, -5), 0);
	assert_int_equal(bl_ctl_poll(NULL, 0), -EINVAL);
}

static void test_socket_file(void **state)
{
	struct world *w = *state;
	struct bl_ctl *other;
	struct stat st;

	assert_int_equal(stat(sock_path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_string_equal(bl_ctl_path(w->c), sock_path);

	/* A live server keeps its socket. */
	errno = 0;
	other = bl_ctl_create(sock_path);
	assert_null(other);
	assert_int_equal(errno, EADDRINUSE);
	{
		int fd = client_connect();
		json_t *r = ask(w->c, fd, "{\"cmd\":\"status\"}\n");

		assert_true(json_is_true(json_object_get(r, "ok")));
		json_decref(r);
		close(fd);
	}
}

static void test_stale_and_foreign_files(void **state)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char path[160];
	struct bl_ctl *c;
	struct stat st;
	int fd;

	(void)state;
	/* A socket file left by a dead server (bound, never unlinked) is replaced. */
	snprintf(path, sizeof(path), "%s/stale.sock", tmpdir);
	assert_true(strlen(path) < sizeof(a.sun_path));
	memcpy(a.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd);
	assert_int_equal(stat(path, &st), 0);
	c = bl_ctl_create(path);
	assert_non_null(c);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	bl_ctl_destroy(c);
	assert_int_equal(stat(path, &st), -1);

	/* A regular file is never deleted. */
	snprintf(path, sizeof(path), "%s/regular", tmpdir);
	fclose(fopen(path, "w"));
	errno = 0;
	assert_null(bl_ctl_create(path));
	assert_int_equal(errno, EEXIST);
	assert_int_equal(stat(path, &st), 0);
	unlink(path);

	/* A missing parent directory is created. */
	snprintf(path, sizeof(path), "%s/run/ctl.sock", tmpdir);
	c = bl_ctl_create(path);
	assert_non_null(c);
	bl_ctl_destroy(c);
	snprintf(path, sizeof(path), "%s/run", tmpdir);
	assert_int_equal(rmdir(path), 0);

	/* Paths that cannot be socket addresses. */
	{
		char longpath[200];

		memset(longpath, 'p', sizeof(longpath) - 1);
		longpath[0] = '/';
		longpath[sizeof(longpath) - 1] = '\0';
		errno = 0;
		assert_null(bl_ctl_create(longpath));
		assert_int_equal(errno, ENAMETOOLONG);
		errno = 0;
		assert_null(bl_ctl_create(""));
		assert_int_equal(errno, EINVAL);
	}
}

static const char *write_file(const char *name, const char *text)
{
	static char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_config(void **state)
{
	struct world *w = *state;
	char err[512], want[256];
	const char *path;
	json_t *route;

	path =
	    write_file("good.conf", "# start-up configuration\n"
				    "\n"
				    "status\n"
				    "   route add 7 port 0 mac 02:00:00:00:00:01 ip \"10.0.0.2\" "
				    "# trailing comment\n"
				    "route add 8 drop\n");
	err[0] = '\0';
	assert_int_equal(bl_ctl_load_config(w->c, path, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(w->k.status, 1);
	assert_int_equal(w->k.route_add, 2);
	route = json_array_get(json_object_get(w->k.last_req, "routes"), 0);
	assert_int_equal(json_integer_value(json_object_get(route, "key")), 8);

	/* A grammar error on line 3: earlier lines applied, later ones not. */
	path = write_file("bad.conf", "status\n"
				      "# two\n"
				      "route add 9 port 0 mac 02:00:00:00:00:01 ip 10.0.0.256\n"
				      "status\n");
	assert_int_equal(bl_ctl_load_config(w->c, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: route add: bad IPv4 address '10.0.0.256'", path);
	assert_non_null(strstr(err, want));
	assert_int_equal(w->k.status, 2);

	path = write_file("unknown.conf", "\n\nlaunch rockets\n");
	assert_int_equal(bl_ctl_load_config(w->c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown.conf:3: unknown command 'launch'"));

	path = write_file("quote.conf", "status 'x\n");
	assert_int_equal(bl_ctl_load_config(w->c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "quote.conf:1: unterminated single quote"));

	/* A handler's error stops the load with its errno and message. */
	path = write_file("handler.conf", "route add 1 drop\nroute add default port 4 mac "
					  "02:00:00:00:00:01 ip 10.0.0.1\nroute add 2 drop\n");
	w->k.route_add = 0;
	assert_int_equal(bl_ctl_load_config(w->c, path, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "handler.conf:2: port 4 does not exist"));
	assert_int_equal(w->k.route_add, 2);

	/* A command the daemon does not have (grammar knows it, no handler). */
	path = write_file("nohandler.conf", "stats\n");
	assert_int_equal(bl_ctl_load_config(w->c, path, err, sizeof(err)), -ENOSYS);
	assert_non_null(strstr(err, "nohandler.conf:1: unknown command 'stats'"));

	snprintf(want, sizeof(want), "%s/missing.conf", tmpdir);
	assert_int_equal(bl_ctl_load_config(w->c, want, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "No such file"));

	/* An empty file is a valid (empty) configuration. */
	path = write_file("empty.conf", "");
	assert_int_equal(bl_ctl_load_config(w->c, path, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_and_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_timeout_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
		cmocka_unit_test(test_stale_and_foreign_files),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};
	char cmd[96];
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bl-test-ctl-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", tmpdir);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return rc;
}
