/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics server without a daemon: --metrics values, the text writer's
 * escaping, bl_ctl_watch, a port in use, and HTTP answers served through
 * bl_ctl_poll on a control server that has no router commands (the page
 * then says so in beamline_metrics_command_failures and still serves).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/ctl.h"
#include "control/metrics.h"
#include "control/metrics_pvt.h"
#include "dataplane/router.h"

static char tmpdir[64];
static char sock_path[128];

static void test_parse_addr(void **state)
{
	static const char *const bad[] = { "",
					   "0",
					   "65536",
					   "x",
					   "80x",
					   ":80",
					   "1.2.3:80",
					   "1.2.3.4:",
					   "1.2.3.4:0",
					   "-1",
					   "host:80",
					   "1.2.3.4:65536",
					   "1.2.3.4.5:80" };
	struct sockaddr_in sa;
	char err[160], ip[INET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(bl_metrics_parse_addr("9470", &sa, err, sizeof(err)), 0);
	assert_int_equal(ntohs(sa.sin_port), 9470);
	assert_string_equal(inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip)), "127.0.0.1");
	assert_int_equal(bl_metrics_parse_addr("0.0.0.0:1", &sa, err, sizeof(err)), 0);
	assert_int_equal(ntohs(sa.sin_port), 1);
	assert_string_equal(inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip)), "0.0.0.0");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(bl_metrics_parse_addr(bad[i], &sa, err, sizeof(err)), -EINVAL);
		assert_true(strlen(err) > 0);
	}
}

static void test_text_escaping(void **state)
{
	struct bl_mtext t = { 0 };
	const char *labels[] = { "name", "a\"b\\c\nd", "port", "0", NULL };

	(void)state;
	bl__mtext_family(&t, "beamline_x_total", "counter", "Help with \\ and\nnewline.");
	bl__mtext_u64(&t, "beamline_x_total", labels, 18446744073709551615ull);
	bl__mtext_f(&t, "beamline_y_seconds", NULL, 0.5);
	assert_int_equal(t.err, 0);
	assert_string_equal(t.p, "# HELP beamline_x_total Help with \\\\ and\\nnewline.\n"
				 "# TYPE beamline_x_total counter\n"
				 "beamline_x_total{name=\"a\\\"b\\\\c\\nd\",port=\"0\"} "
				 "18446744073709551615\n"
				 "beamline_y_seconds 0.5\n");
	free(t.p);
}

static void noop(void *arg)
{
	(void)arg;
}

/* Send req on a fresh TCP connection and serve until the peer closes; the answer in buf. */
static size_t http(struct bl_ctl *c, uint16_t port, const char *req, char *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	(void)connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	for (int i = 0; i < 2000; i++) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		bl_ctl_poll(c, 1);
		if (poll(&p, 1, 0) == 1 && (p.revents & POLLOUT))
			break;
	}
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	for (int i = 0; i < 5000; i++) {
		ssize_t n;

		bl_ctl_poll(c, 1);
		n = recv(fd, buf + got, len - 1 - got, 0);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
		assert_true(got < len - 1);
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

static void test_server(void **state)
{
	static struct bl_router r; /* no workers: no latency series */
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct bl_metrics *m, *m2;
	struct bl_ctl *c;
	char err[256], *buf;
	int busy;

	(void)state;
	buf = malloc(1 << 20);
	assert_non_null(buf);
	c = bl_ctl_create(sock_path);
	assert_non_null(c);

	/* A port in use: EADDRINUSE and a message that says so. */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	busy = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(busy, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(busy, 1), 0);
	assert_int_equal(getsockname(busy, (struct sockaddr *)&sa, &sl), 0);
	assert_null(bl_metrics_start(&sa, c, &r, err, sizeof(err)));
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(err, "Address already in use"));
	close(busy);

	m = bl_metrics_start(&sa, c, &r, err, sizeof(err));
	assert_non_null(m);
	/* One watch per server. */
	assert_int_equal(bl_ctl_watch(c, 0, noop, NULL), -EBUSY);
	sa.sin_port = 0;
	m2 = bl_metrics_start(&sa, c, &r, err, sizeof(err));
	assert_null(m2);
	assert_int_equal(errno, EBUSY);
	bl_metrics_stop(m);
	assert_int_equal(bl_ctl_watch(c, 0, noop, NULL), 0); /* the watch is gone */
	assert_int_equal(bl_ctl_watch(c, -1, NULL, NULL), 0);

	/* Serve on a port the kernel picks: take one, free it, listen there. */
	busy = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = 0;
	assert_int_equal(bind(busy, (struct sockaddr *)&sa, sizeof(sa)), 0);
	sl = sizeof(sa);
	assert_int_equal(getsockname(busy, (struct sockaddr *)&sa, &sl), 0);
	close(busy);
	m = bl_metrics_start(&sa, c, &r, err, sizeof(err));
	assert_non_null(m);

	http(c, ntohs(sa.sin_port), "GET /metrics HTTP/1.0\r\n\r\n", buf, 1 << 20);
	assert_non_null(strstr(buf, "HTTP/1.0 200") ?: strstr(buf, "HTTP/1.1 200"));
	assert_non_null(strstr(buf, "Content-Type: text/plain; version=0.0.4"));
	/* No router commands registered: all six reported, the page still serves. */
	assert_non_null(strstr(buf, "\nbeamline_metrics_command_failures 6\n"));
	assert_non_null(strstr(buf, "# TYPE beamline_control_requests_total counter\n"));
	assert_non_null(strstr(buf, "# TYPE beamline_latency_seconds histogram\n"));
	http(c, ntohs(sa.sin_port), "GET /nope HTTP/1.0\r\n\r\n", buf, 1 << 20);
	assert_non_null(strstr(buf, " 404 "));
	http(c, ntohs(sa.sin_port), "DELETE /metrics HTTP/1.0\r\n\r\n", buf, 1 << 20);
	assert_non_null(strstr(buf, " 405 "));
	http(c, ntohs(sa.sin_port), "garbage\r\n\r\n", buf, 1 << 20);
	assert_null(strstr(buf, " 200 "));

	bl_metrics_stop(m);
	bl_metrics_stop(NULL);
	bl_metrics_tick(NULL);
	bl_ctl_destroy(c);
	free(buf);
}

static int setup(void **state)
{
	(void)state;
	/* mkdtemp fills in the X's: a folder of this run's own. */
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bl-metrics-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(sock_path);
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_text_escaping),
		cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
