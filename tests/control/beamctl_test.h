/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared fixture of the beamctl binary tests (test_beamctl_output.c,
 * test_beamctl_routes.c): a canned daemon (a control server in this
 * process with fixed replies, a paged route.list and a counting
 * route.batch) in a fresh directory per binary, and the built beamctl
 * (path in argv[1]) run against it while the server is polled, its exit
 * status, stdout and stderr kept.
 */
#ifndef BL_TESTS_CONTROL_BEAMCTL_TEST_H
#define BL_TESTS_CONTROL_BEAMCTL_TEST_H

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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/cmd.h"
#include "control/ctl.h"

static const char *beamctl_path;
static char tmpdir[64];
static char sock_path[128];

/* ---- canned daemon ---- */

struct daemon {
	struct bl_ctl *c;
	int batch_calls;
	long batch_adds, batch_dels;
	/* route.list: the first list_routes of canned_routes, list_page at most a page */
	size_t list_routes, list_page;
	int list_calls;
	long list_limit;      /* the last request's "limit", -1 when absent */
	char list_cursor[32]; /* the last request's "cursor", "" when absent */
	long list_fail_at;    /* a cursor at this place: an error reply (-1: never) */
	bool list_stall;      /* a cursor: an empty page with that same cursor as "next" */
};

static inline int reply_from(json_t *reply, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	json_object_update(reply, j);
	json_decref(j);
	return 0;
}

static inline int h_status(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg, (void)req, (void)errmsg, (void)errlen;
	return reply_from(reply,
			  "{\"version\":\"0.1.0\",\"pid\":4242,\"uptime_s\":3661,\"lcores\":[1,2],"
			  "\"ports\":[{\"port\":0,\"name\":\"net_pcap0\",\"mac\":\"02:00:00:00:00:"
			  "aa\",\"ip\":\"10.0.0.1\",\"link\":\"up\"}],\"routes\":2,\"socket\":"
			  "\"/run/beamline/beamline.sock\"}");
}

static inline int h_stats(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg, (void)req, (void)errmsg, (void)errlen;
	return reply_from(
	    reply,
	    "{\"totals\":{\"rx_pkts\":1000,\"rx_msgs\":5000,\"fwd_msgs\":4990,\"drop_msgs\":10,"
	    "\"drop_pkts\":3,\"tx_pkts\":990},"
	    "\"pkt_drops\":{\"not_ipv4\":3,\"bad_magic\":0},"
	    "\"msg_drops\":{\"no_route\":10,\"tx_full\":0},"
	    "\"ports\":[{\"port\":0,\"name\":\"net_pcap0\",\"rx_pkts\":1000,\"tx_pkts\":990,"
	    "\"rx_bytes\":123456,\"tx_bytes\":120000,\"rx_missed\":0,\"rx_errors\":0,"
	    "\"tx_errors\":0}],"
	    "\"lcores\":[{\"lcore\":1,\"rx_pkts\":1000,\"rx_msgs\":5000,\"fwd_msgs\":4990,"
	    "\"drop_msgs\":10,\"tx_pkts\":990,\"loops\":777777,\"busy_loops\":1234}],"
	    "\"seq\":{\"sources\":2,\"frames\":1000,\"gaps\":1,\"dups\":0,\"untracked\":0},"
	    "\"mempool\":{\"size\":8191,\"in_use\":64,\"avail\":8127}}");
}

static const char *const canned_routes[] = {
	"{\"key\":7,\"action\":\"forward\",\"port\":0,\"mac\":\"02:00:00:00:00:01\",\"ip\":"
	"\"10.0.0.2\",\"udp\":7447}",
	"{\"key\":\"default\",\"action\":\"drop\"}",
	"{\"key\":8,\"action\":\"drop\"}",
	"{\"key\":9,\"action\":\"process\",\"name\":\"echo1\"}",
	"{\"key\":\"18446744073709551615\",\"action\":\"drop\"}",
};

/*
 * route.list over canned_routes as the daemon pages: at most min(limit,
 * list_page) routes from the cursor, which is the index of the next route
 * as 24 hex digits; "next" null after the last.
 */
static inline int h_route_list(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct daemon *d = arg;
	json_t *lim = json_object_get(req, "limit"), *cur = json_object_get(req, "cursor");
	json_t *routes = json_array();
	size_t from = 0, n, limit = json_is_integer(lim) ? (size_t)json_integer_value(lim) : 1000;
	char next[32];

	d->list_calls++;
	d->list_limit = json_is_integer(lim) ? (long)json_integer_value(lim) : -1;
	snprintf(d->list_cursor, sizeof(d->list_cursor), "%s",
		 json_is_string(cur) ? json_string_value(cur) : "");
	if (json_is_string(cur))
		from = (size_t)strtoull(json_string_value(cur), NULL, 16);
	if (json_is_string(cur) && (long)from == d->list_fail_at) {
		json_decref(routes);
		snprintf(errmsg, errlen, "page %zu went missing", from);
		return -EIO;
	}
	if (json_is_string(cur) && d->list_stall) {
		json_object_set_new(reply, "total", json_integer((json_int_t)d->list_routes));
		json_object_set_new(reply, "routes", routes);
		json_object_set(reply, "next", cur);
		return 0;
	}
	n = d->list_routes - from;
	if (n > limit)
		n = limit;
	if (n > d->list_page)
		n = d->list_page;
	for (size_t i = from; i < from + n; i++)
		json_array_append_new(routes, json_loads(canned_routes[i], 0, NULL));
	json_object_set_new(reply, "total", json_integer((json_int_t)d->list_routes));
	json_object_set_new(reply, "routes", routes);
	snprintf(next, sizeof(next), "%024zx", from + n);
	json_object_set_new(reply, "next",
			    from + n < d->list_routes ? json_string(next) : json_null());
	(void)errlen;
	return 0;
}

static inline int h_route_count(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg, (void)req, (void)errmsg, (void)errlen;
	return reply_from(reply, "{\"total\":4,\"by_action\":{\"drop\":2,\"forward\":1,"
				 "\"process\":1,\"group\":0,\"pool\":0},\"default_route\":true,"
				 "\"max_routes\":1000000,\"slots\":64,\"bytes\":2048,"
				 "\"resizes\":0}");
}

static inline int h_route_add(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	json_t *route = json_array_get(json_object_get(req, "routes"), 0);

	(void)arg;
	if (json_integer_value(json_object_get(route, "port")) == 9) {
		snprintf(errmsg, errlen, "port 9 does not exist");
		return -ENODEV;
	}
	return reply_from(reply, "{\"added\":1,\"replaced\":0,\"deleted\":0}");
}

struct batch_count {
	long adds, dels;
	bool refused;
};

static inline int count_change(void *arg, bool del, const struct bl_cmd_route *r)
{
	struct batch_count *b = arg;

	*(del ? &b->dels : &b->adds) += 1;
	if (r->key.value == 777777)
		b->refused = true;
	return 0;
}

/* route.batch as beamctl sends a batch file: "text", lines of the batch
 * grammar. A piece with key 777777 is refused whole (the daemon checks a
 * request before it applies any of it). */
static inline int h_route_batch(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct daemon *d = arg;
	const char *text = json_string_value(json_object_get(req, "text"));
	struct batch_count b = { 0 };
	char *copy, *line, *save = NULL, sub[200];

	d->batch_calls++;
	if (text == NULL) {
		snprintf(errmsg, errlen, "no text");
		return -EINVAL;
	}
	copy = strdup(text);
	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		assert_int_equal(bl_cmd_batch_line(line, count_change, &b, sub, sizeof(sub)), 0);
	free(copy);
	if (b.refused) {
		snprintf(errmsg, errlen, "route 777777: refused");
		return -EINVAL;
	}
	d->batch_adds += b.adds;
	d->batch_dels += b.dels;
	json_object_set_new(reply, "added", json_integer(b.adds));
	json_object_set_new(reply, "replaced", json_integer(0));
	json_object_set_new(reply, "deleted", json_integer(b.dels));
	return 0;
}

static inline int h_custom(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg, (void)req, (void)errmsg, (void)errlen;
	return reply_from(reply, "{\"name\":\"sup0\",\"children\":3,\"strategy\":{\"kind\":"
				 "\"one_for_one\",\"max_restarts\":5},\"procs\":[{\"pid\":\"<1.2.0>"
				 "\",\"heap\":512},{\"pid\":\"<1.3.0>\",\"heap\":1024,\"mailbox\":"
				 "3}],\"tags\":[\"a\",\"b\"]}");
}

static inline int setup(void **state)
{
	struct daemon *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	d->list_routes = 2;
	d->list_page = 1000;
	d->list_fail_at = -1;
	d->c = bl_ctl_create(sock_path);
	assert_non_null(d->c);
	assert_int_equal(bl_ctl_register(d->c, "status", h_status, d, "daemon status"), 0);
	assert_int_equal(bl_ctl_register(d->c, "stats", h_stats, d, "counters"), 0);
	assert_int_equal(bl_ctl_register(d->c, "route.list", h_route_list, d, "list routes"), 0);
	assert_int_equal(bl_ctl_register(d->c, "route.count", h_route_count, d, "count routes"), 0);
	assert_int_equal(bl_ctl_register(d->c, "route.add", h_route_add, d, "add routes"), 0);
	assert_int_equal(bl_ctl_register(d->c, "route.batch", h_route_batch, d, "batch"), 0);
	assert_int_equal(bl_ctl_register(d->c, "custom", h_custom, d, "nested reply"), 0);
	*state = d;
	return 0;
}

static inline int teardown(void **state)
{
	struct daemon *d = *state;

	bl_ctl_destroy(d->c);
	free(d);
	return 0;
}

/* ---- running beamctl ---- */

struct run {
	int status; /* exit status, or -1 if it did not exit normally */
	char out[1 << 16];
	char err[1 << 14];
	size_t out_len, err_len;
};

static inline void drain(int fd, char *buf, size_t cap, size_t *len)
{
	for (;;) {
		ssize_t n = read(fd, buf + *len, cap - 1 - *len);

		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	buf[*len] = '\0';
}

/*
 * Run beamctl with the NULL-terminated words; serve requests meanwhile if
 * `serve`. env_socket: the BEAMLINE_SOCKET to set (NULL: unset).
 */
static inline void run_beamctl(struct bl_ctl *c, bool serve, const char *env_socket, struct run *r,
			       ...)
{
	const char *argv[32];
	int out[2], err[2], n = 0, st;
	pid_t pid;
	va_list ap;

	argv[n++] = beamctl_path;
	va_start(ap, r);
	while ((argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (env_socket)
			setenv("BEAMLINE_SOCKET", env_socket, 1);
		else
			unsetenv("BEAMLINE_SOCKET");
		execv(beamctl_path, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	memset(r, 0, sizeof(*r));
	for (;;) {
		pid_t w;

		if (serve)
			assert_true(bl_ctl_poll(c, 5) >= 0);
		else
			poll(NULL, 0, 5);
		drain(out[0], r->out, sizeof(r->out), &r->out_len);
		drain(err[0], r->err, sizeof(r->err), &r->err_len);
		w = waitpid(pid, &st, WNOHANG);
		assert_true(w >= 0);
		if (w == pid)
			break;
	}
	drain(out[0], r->out, sizeof(r->out), &r->out_len);
	drain(err[0], r->err, sizeof(r->err), &r->err_len);
	close(out[0]);
	close(err[0]);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline void has(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("output lacks '%s':\n%s", part, text);
}

static inline void lacks(const char *text, const char *part)
{
	if (strstr(text, part) != NULL)
		fail_msg("output should not have '%s':\n%s", part, text);
}

/* ---- the binary under test and the directory of its socket ---- */

/*
 * Take beamctl's path from argv[1], make tmpdir and put sock_path in it.
 * 0, or the status main should exit with.
 */
static inline int beamctl_test_begin(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-BEAMCTL\n", argv[0]);
		return 2;
	}
	beamctl_path = argv[1];
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bl-test-beamctl-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", tmpdir);
	return 0;
}

/* Remove tmpdir and whatever the tests left in it. */
static inline void beamctl_test_end(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

#endif /* BL_TESTS_CONTROL_BEAMCTL_TEST_H */
