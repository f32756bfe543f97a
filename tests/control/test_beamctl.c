/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built beamctl binary (path in argv[1]) against a server in this test:
 * the server is polled while beamctl runs, and the test checks its exit
 * status, its tables, its --json output and its error messages.
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

static int reply_from(json_t *reply, const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	json_object_update(reply, j);
	json_decref(j);
	return 0;
}

static int h_status(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg, (void)req, (void)errmsg, (void)errlen;
	return reply_from(reply,
			  "{\"version\":\"0.1.0\",\"pid\":4242,\"uptime_s\":3661,\"lcores\":[1,2],"
			  "\"ports\":[{\"port\":0,\"name\":\"net_pcap0\",\"mac\":\"02:00:00:00:00:"
			  "aa\",\"ip\":\"10.0.0.1\",\"link\":\"up\"}],\"routes\":2,\"socket\":"
			  "\"/run/beamline/beamline.sock\"}");
}

static int h_stats(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
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
static int h_route_list(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
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

static int h_route_count(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg, (void)req, (void)errmsg, (void)errlen;
	return reply_from(reply, "{\"total\":4,\"by_action\":{\"drop\":2,\"forward\":1,"
				 "\"process\":1,\"group\":0,\"pool\":0},\"default_route\":true,"
				 "\"max_routes\":1000000,\"slots\":64,\"bytes\":2048,"
				 "\"resizes\":0}");
}

static int h_route_add(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
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

static int count_change(void *arg, bool del, const struct bl_cmd_route *r)
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
static int h_route_batch(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
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

static int h_custom(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg, (void)req, (void)errmsg, (void)errlen;
	return reply_from(reply, "{\"name\":\"sup0\",\"children\":3,\"strategy\":{\"kind\":"
				 "\"one_for_one\",\"max_restarts\":5},\"procs\":[{\"pid\":\"<1.2.0>"
				 "\",\"heap\":512},{\"pid\":\"<1.3.0>\",\"heap\":1024,\"mailbox\":"
				 "3}],\"tags\":[\"a\",\"b\"]}");
}

static int setup(void **state)
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

static int teardown(void **state)
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

static void drain(int fd, char *buf, size_t cap, size_t *len)
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
static void run_beamctl(struct bl_ctl *c, bool serve, const char *env_socket, struct run *r, ...)
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

static void has(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("output lacks '%s':\n%s", part, text);
}

static void lacks(const char *text, const char *part)
{
	if (strstr(text, part) != NULL)
		fail_msg("output should not have '%s':\n%s", part, text);
}

/* ---- tests ---- */

static void test_json_status(void **state)
{
	struct daemon *d = *state;
	struct run *r = malloc(sizeof(*r));
	json_t *j;

	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--json", "status", NULL);
	assert_int_equal(r->status, 0);
	/* Verbatim: one line, "ok" first, exactly what the server sent. */
	{
		const char *head = "{\"ok\":true,\"version\":\"0.1.0\",\"pid\":4242,";

		assert_true(strncmp(r->out, head, strlen(head)) == 0);
	}
	assert_int_equal(strchr(r->out, '\n') - r->out, (long)r->out_len - 1);
	j = json_loads(r->out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "routes")), 2);
	json_decref(j);

	run_beamctl(d->c, true, NULL, r, "--socket", sock_path, "--json", "--pretty", "status",
		    NULL);
	assert_int_equal(r->status, 0);
	has(r->out, "{\n  \"ok\": true,\n  \"version\": \"0.1.0\"");
	free(r);
}

static void test_tables(void **state)
{
	struct daemon *d = *state;
	struct run *r = malloc(sizeof(*r));

	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "status", NULL);
	assert_int_equal(r->status, 0);
	has(r->out, "uptime   0d 01:01:01 (3661 s)\n");
	has(r->out, "version  0.1.0");
	has(r->out, "lcores   1, 2");
	has(r->out, "PORT  NAME       MAC                IP        LINK");
	has(r->out, "     0  net_pcap0  02:00:00:00:00:aa  10.0.0.1  up");
	lacks(r->out, "\"ok\"");

	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "stats", NULL);
	assert_int_equal(r->status, 0);
	has(r->out,
	    "totals\n  rx_pkts    1000\n  rx_msgs    5000\n  fwd_msgs   4990\n  drop_msgs    10\n");
	has(r->out, "drops\n  packet not_ipv4");
	has(r->out, "msg    no_route");
	lacks(r->out, "bad_magic"); /* zero reasons are not shown */
	lacks(r->out, "tx_full");
	has(r->out, "RX_BYTES");
	has(r->out, "123456");
	has(r->out, "BUSY_LOOPS");
	has(r->out, "777777");
	has(r->out, "seq\n  sources       2\n  frames     1000\n");
	has(r->out, "mempool\n  size    8191\n  in_use    64\n");

	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "list", NULL);
	assert_int_equal(r->status, 0);
	has(r->out, "  KEY      ACTION   PORT  MAC                IP         UDP\n"
		    "  7        forward     0  02:00:00:00:00:01  10.0.0.2  7447\n"
		    "  default  drop        -  -                  -            -\n");
	has(r->out, "2 of 2 routes shown");

	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "add", "5", "drop", NULL);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, "added 1, replaced 0, deleted 0\n");

	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "help", NULL);
	assert_int_equal(r->status, 0);
	has(r->out, "CMD");
	has(r->out, "HELP");
	has(r->out, "route.batch");
	has(r->out, "list commands with their help text");

	/* A reply beamctl has no special table for: the generic printer. */
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--raw", "{\"cmd\":\"custom\"}", NULL);
	assert_int_equal(r->status, 0);
	has(r->out, "name      sup0\n");
	has(r->out, "tags      a, b\n");
	has(r->out, "strategy\n  kind          one_for_one\n");
	has(r->out, "procs\n  PID      HEAP  MAILBOX\n  <1.2.0>   512        -\n");
	free(r);
}

static void test_error_reply(void **state)
{
	struct daemon *d = *state;
	struct run *r = malloc(sizeof(*r));

	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "add", "5", "port", "9", "mac",
		    "02:00:00:00:00:01", "ip", "10.0.0.1", NULL);
	assert_int_equal(r->status, 1);
	assert_string_equal(r->err, "beamctl: no_device: port 9 does not exist\n");
	assert_string_equal(r->out, "");

	/* With --json the error reply is printed too, and the status is still 1. */
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--json", "stats", "x", NULL);
	assert_int_equal(r->status, 2); /* grammar error: never sent */
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--json", "--raw", "{\"cmd\":\"nope\"}",
		    NULL);
	assert_int_equal(r->status, 1);
	has(r->out, "{\"ok\":false,\"error\":\"unknown_command\"");
	has(r->err, "beamctl: unknown_command: unknown command 'nope'");
	free(r);
}

static void test_usage_errors(void **state)
{
	struct daemon *d = *state;
	struct run *r = malloc(sizeof(*r));

	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "add", "xyz", "drop", NULL);
	assert_int_equal(r->status, 2);
	has(r->err, "beamctl: route add: bad key 'xyz'");
	run_beamctl(d->c, true, NULL, r, "launch", NULL);
	assert_int_equal(r->status, 2);
	has(r->err, "unknown command 'launch'");
	run_beamctl(d->c, true, NULL, r, NULL);
	assert_int_equal(r->status, 2);
	has(r->err, "usage: beamctl");
	run_beamctl(d->c, true, NULL, r, "--bogus", "status", NULL);
	assert_int_equal(r->status, 2);
	run_beamctl(d->c, true, NULL, r, "--timeout", "soon", "status", NULL);
	assert_int_equal(r->status, 2);
	has(r->err, "bad --timeout 'soon'");
	run_beamctl(d->c, true, NULL, r, "--raw", "{\"nocmd\":1}", NULL);
	assert_int_equal(r->status, 2);
	run_beamctl(d->c, true, NULL, r, "--raw", "{\"cmd\":\"status\"}", "status", NULL);
	assert_int_equal(r->status, 2);

	run_beamctl(d->c, true, NULL, r, "--help", NULL);
	assert_int_equal(r->status, 0);
	has(r->out, "usage: beamctl");
	has(r->out, "route add KEY port P mac MAC ip A.B.C.D [udp N]");
	has(r->out, "BEAMLINE_SOCKET");
	free(r);
}

static void test_cannot_connect(void **state)
{
	struct daemon *d = *state;
	struct run *r = malloc(sizeof(*r));
	char path[160];

	snprintf(path, sizeof(path), "%s/nobody.sock", tmpdir);
	run_beamctl(d->c, true, NULL, r, "-s", path, "status", NULL);
	assert_int_equal(r->status, 3);
	has(r->err, "cannot connect to");
	has(r->err, path);
	has(r->err, "No such file or directory");

	/* The environment names the socket when -s does not. */
	run_beamctl(d->c, true, path, r, "status", NULL);
	assert_int_equal(r->status, 3);
	has(r->err, path);
	run_beamctl(d->c, true, sock_path, r, "status", NULL);
	assert_int_equal(r->status, 0);
	has(r->out, "0.1.0");

	/* A daemon that accepts but never answers: --timeout bounds the wait. */
	run_beamctl(d->c, false, NULL, r, "-s", sock_path, "--timeout", "100", "status", NULL);
	assert_int_equal(r->status, 3);
	has(r->err, "no reply from");
	/* Drain what that client left behind. */
	for (int i = 0; i < 10; i++)
		assert_true(bl_ctl_poll(d->c, 1) >= 0);
	free(r);
}

static void test_big_batch(void **state)
{
	struct daemon *d = *state;
	struct run *r = malloc(sizeof(*r));
	char path[160], want[64];
	FILE *f;

	/* Far over one 64 KiB request line: beamctl sends it in pieces. */
	snprintf(path, sizeof(path), "%s/big.batch", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	/* Quotes, backslashes and tabs must reach the daemon as they are. */
	fprintf(f, "# generated: \"quoted\" \\ back\\slash\n");
	for (int i = 0; i < 3000; i++)
		if (i % 1000 == 999)
			fprintf(f, "add\t%d\tdrop # \"%d\"\n", 100000 + i, i);
		else
			fprintf(f,
				"add %d port 1 mac 02:00:00:00:%02x:%02x ip 10.0.%d.%d udp 7447\n",
				i + 1, (i >> 8) & 0xff, i & 0xff, (i >> 8) + 1, (i & 0x7f) + 1);
	fprintf(f, "del 1 2 3\n");
	fclose(f);
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "batch", path, NULL);
	assert_int_equal(r->status, 0);
	assert_true(d->batch_calls > 1);
	assert_int_equal(d->batch_adds, 3000);
	assert_int_equal(d->batch_dels, 3);
	snprintf(want, sizeof(want), "added 3000, replaced 0, deleted 3 (sent as %d requests)",
		 d->batch_calls);
	has(r->out, want);

	/* A piece refused in the middle: no piece is sent after the error
	 * reply came, the pieces already on their way are applied, and beamctl
	 * says how many were. */
	d->batch_calls = 0;
	d->batch_adds = 0;
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 30000; i++)
		fprintf(f, "add %d port 1 mac 02:00:00:00:00:01 ip 10.0.0.1 udp 7447\n",
			i == 1500 ? 777777 : i + 1);
	fclose(f);
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "batch", path, NULL);
	assert_int_equal(r->status, 1);
	has(r->err, "route 777777: refused");
	/* 30000 routes make about 50 pieces; piece 3 holds the bad key, and at
	 * most 8 are sent before a reply is read. */
	assert_true(d->batch_calls >= 3 && d->batch_calls <= 3 + 8);
	snprintf(want, sizeof(want), "(%d of ", d->batch_calls - 1);
	has(r->err, want);
	assert_true(d->batch_adds > 0 && d->batch_adds < 30000);

	/* A small batch is one request, from stdin. */
	d->batch_calls = 0;
	{
		int saved = dup(0), fd;

		snprintf(path, sizeof(path), "%s/small.batch", tmpdir);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "add 1 drop\ndel 2\n");
		fclose(f);
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		dup2(fd, 0);
		close(fd);
		run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "batch", "-", NULL);
		dup2(saved, 0);
		close(saved);
	}
	assert_int_equal(r->status, 0);
	assert_int_equal(d->batch_calls, 1);
	assert_string_equal(r->out, "added 1, replaced 0, deleted 1\n");
	free(r);
}

/* Every line of text that is one JSON object: the routes' keys, in order, as "k1 k2 ...". */
static void json_lines_keys(const char *text, char *keys, size_t len, int *lines)
{
	const char *p = text;
	size_t used = 0;

	keys[0] = '\0';
	*lines = 0;
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		json_t *j, *route;
		size_t i;

		assert_non_null(nl);
		j = json_loadb(p, (size_t)(nl - p), 0, NULL);
		assert_true(json_is_object(j));
		assert_true(json_is_true(json_object_get(j, "ok")));
		json_array_foreach (json_object_get(j, "routes"), i, route) {
			json_t *k = json_object_get(route, "key");
			int n = json_is_string(k)
				    ? snprintf(keys + used, len - used, "%s ", json_string_value(k))
				    : snprintf(keys + used, len - used, "%lld ",
					       (long long)json_integer_value(k));

			assert_true(n > 0 && (size_t)n < len - used);
			used += (size_t)n;
		}
		json_decref(j);
		(*lines)++;
		p = nl + 1;
	}
}

/* Without a limit, route list walks every page: the header once, each route once. */
static void test_route_walk(void **state)
{
	struct daemon *d = *state;
	struct run *r = malloc(sizeof(*r));
	char keys[256];
	int lines;

	d->list_routes = 5;
	d->list_page = 2;
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "list", NULL);
	assert_int_equal(r->status, 0);
	assert_int_equal(d->list_calls, 3);
	assert_int_equal(d->list_limit, 10000); /* the largest page, every time */
	assert_string_equal(d->list_cursor, "000000000000000000000004");
	/*
	 * The first page sets the widths (a wider cell later pushes the rest of
	 * its own line); NAME is there since later pages may need it.
	 */
	assert_string_equal(r->out,
			    "  KEY      ACTION   NAME  PORT  MAC                IP         UDP\n"
			    "  7        forward  -        0  02:00:00:00:00:01  10.0.0.2  7447\n"
			    "  default  drop     -        -  -                  -            -\n"
			    "  8        drop     -        -  -                  -            -\n"
			    "  9        process  echo1     -  -                  -            -\n"
			    "  18446744073709551615  drop     -        -  -                  -"
			    "            -\n"
			    "5 of 5 routes shown\n");
	assert_string_equal(r->err, "");

	/* --json: one reply object per page, one per line, as the daemon sent it. */
	d->list_calls = 0;
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--json", "route", "list", NULL);
	assert_int_equal(r->status, 0);
	json_lines_keys(r->out, keys, sizeof(keys), &lines);
	assert_int_equal(lines, 3);
	assert_int_equal(d->list_calls, 3);
	assert_string_equal(keys, "7 default 8 9 18446744073709551615 ");

	/* A cursor without a limit: the walk starts there. */
	d->list_calls = 0;
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "list", "cursor",
		    "000000000000000000000003", NULL);
	assert_int_equal(r->status, 0);
	assert_int_equal(d->list_calls, 1);
	assert_int_equal(d->list_limit, 10000);
	has(r->out, "  9  ");
	has(r->out, "  18446744073709551615  ");
	lacks(r->out, "default");
	has(r->out, "2 of 5 routes shown\n");
	lacks(r->out, "next page");

	/* An error reply mid-walk: what came before stays printed, the exit status is 1. */
	d->list_fail_at = 4;
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "list", NULL);
	assert_int_equal(r->status, 1);
	has(r->out, "  9        process  echo1");
	lacks(r->out, "18446744073709551615");
	lacks(r->out, "routes shown");
	assert_string_equal(r->err, "beamctl: error: page 4 went missing\n");
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--json", "route", "list", NULL);
	assert_int_equal(r->status, 1);
	has(r->out, "{\"ok\":false,\"error\":\"error\",\"message\":\"page 4 went missing\"}\n");

	/* A daemon that gives an empty page and the same cursor: stop, do not loop. */
	d->list_fail_at = -1;
	d->list_stall = true;
	d->list_calls = 0;
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "list", NULL);
	assert_int_equal(r->status, 3);
	assert_int_equal(d->list_calls, 2);
	has(r->err, "empty page");
	has(r->err, "stopped after 2 routes");
	free(r);
}

/* With a limit, one page, and the command that asks for the next. */
static void test_route_page(void **state)
{
	struct daemon *d = *state;
	struct run *r = malloc(sizeof(*r));

	d->list_routes = 5;
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "list", "limit", "2", NULL);
	assert_int_equal(r->status, 0);
	assert_int_equal(d->list_calls, 1);
	assert_int_equal(d->list_limit, 2);
	assert_string_equal(d->list_cursor, "");
	/* Everything on the page is seen: no NAME column when none has a name. */
	assert_string_equal(
	    r->out, "  KEY      ACTION   PORT  MAC                IP         UDP\n"
		    "  7        forward     0  02:00:00:00:00:01  10.0.0.2  7447\n"
		    "  default  drop        -  -                  -            -\n"
		    "2 of 5 routes shown\n"
		    "next page: beamctl route list limit 2 cursor 000000000000000000000002\n");

	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "list", "limit", "2", "cursor",
		    "000000000000000000000002", NULL);
	assert_int_equal(r->status, 0);
	assert_string_equal(d->list_cursor, "000000000000000000000002");
	assert_string_equal(r->out, "  KEY  ACTION   NAME   PORT  MAC  IP  UDP\n"
				    "  8    drop     -         -  -    -     -\n"
				    "  9    process  echo1     -  -    -     -\n"
				    "2 of 5 routes shown\n"
				    "next page: beamctl route list limit 2 cursor "
				    "000000000000000000000004\n");

	/* The last page has no next. */
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "list", "cursor",
		    "000000000000000000000004", "limit", "3", NULL);
	assert_int_equal(r->status, 0);
	assert_int_equal(d->list_limit, 3);
	has(r->out, "  18446744073709551615  drop       -  -    -     -\n1 of 5 routes shown\n");
	lacks(r->out, "next page");

	/* --json: the one reply, verbatim. */
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--json", "route", "list", "limit", "1",
		    NULL);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, "{\"ok\":true,\"total\":5,\"routes\":[{\"key\":7,\"action\":"
				    "\"forward\",\"port\":0,\"mac\":\"02:00:00:00:00:01\",\"ip\":"
				    "\"10.0.0.2\",\"udp\":7447}],\"next\":"
				    "\"000000000000000000000001\"}\n");

	/* --raw is sent as it is: one page, even without a limit. */
	d->list_page = 2;
	d->list_calls = 0;
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--raw", "{\"cmd\":\"route.list\"}",
		    NULL);
	assert_int_equal(r->status, 0);
	assert_int_equal(d->list_calls, 1);
	assert_int_equal(d->list_limit, -1);
	has(r->out, "next page: beamctl route list limit 1000 cursor 000000000000000000000002\n");

	/* Usage errors are caught before anything is sent. */
	d->list_calls = 0;
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "list", "limit", "10001", NULL);
	assert_int_equal(r->status, 2);
	has(r->err, "beamctl: route list: bad limit '10001': at most 10000");
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "list", "cursor", "12", NULL);
	assert_int_equal(r->status, 2);
	has(r->err, "beamctl: route list: bad cursor '12': expected 24 hex digits");
	assert_int_equal(d->list_calls, 0);

	/* An empty table. */
	d->list_routes = 0;
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "list", NULL);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, "  (none)\n0 of 0 routes shown\n");
	free(r);
}

static void test_route_count(void **state)
{
	struct daemon *d = *state;
	struct run *r = malloc(sizeof(*r));

	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "count", NULL);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->out, "total          4\n"
				    "default_route  true\n"
				    "max_routes     1000000\n"
				    "slots          64\n"
				    "bytes          2048\n"
				    "resizes        0\n"
				    "\n"
				    "by_action\n"
				    "  drop     2\n"
				    "  forward  1\n"
				    "  process  1\n"
				    "  group    0\n"
				    "  pool     0\n");
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "count", "all", NULL);
	assert_int_equal(r->status, 2);
	assert_string_equal(r->err,
			    "beamctl: route count: unexpected word 'all': it takes no arguments\n");
	free(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cannot_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_count, setup, teardown),
	};
	char cmd[96];
	int rc;

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
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return rc;
}
