/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server, its clients and its socket file: a full table
 * that still takes a new client (the least active one is evicted), idle
 * clients closed, a slow client dropped while others are served, requests in
 * pieces and EOF, an idle poll, and the socket file's life (mode, stale,
 * live, not a socket, paths that cannot be one).
 */
#include <time.h>

#include "ctl_test.h"

/* ---- tests ---- */

/* Read until EOF (1) or nothing for `rounds` polls of the server (0). */
static int client_closed(struct bl_ctl *c, int fd, int rounds)
{
	char b[256];

	for (int i = 0; i < rounds; i++) {
		ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);

		if (n == 0)
			return 1;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return 1; /* reset: closed too */
		assert_true(bl_ctl_poll(c, 5) >= 0);
	}
	return 0;
}

static void test_full_table_evicts_least_active(void **state)
{
	struct world *w = *state;
	int fds[BL_CTL_MAX_CLIENTS], extra;
	struct bl_ctl_stats st;
	json_t *r;

	for (int i = 0; i < BL_CTL_MAX_CLIENTS; i++) {
		fds[i] = client_connect();
		/* The backlog is not the limit under test: let the server accept as we go. */
		assert_true(bl_ctl_poll(w->c, 0) >= 0);
	}
	for (int i = 0; i < 20; i++)
		assert_true(bl_ctl_poll(w->c, 1) >= 0);
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.clients, BL_CTL_MAX_CLIENTS);
	/* Every client but the first asks something: the first is the least active. */
	for (int i = 1; i < BL_CTL_MAX_CLIENTS; i++) {
		r = ask(w->c, fds[i], "{\"cmd\":\"echo\",\"value\":1}\n");
		assert_true(json_is_true(json_object_get(r, "ok")));
		json_decref(r);
	}

	/* A new client is served anyway: it takes the first one's slot. */
	extra = client_connect();
	r = ask(w->c, extra, "{\"cmd\":\"echo\",\"value\":2}\n");
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 2);
	json_decref(r);
	assert_int_equal(client_closed(w->c, fds[0], 200), 1);
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.refused_busy, 0);
	assert_int_equal(st.clients, BL_CTL_MAX_CLIENTS);

	/* The others still work. */
	for (int i = 1; i < BL_CTL_MAX_CLIENTS; i += 9) {
		r = ask(w->c, fds[i], "{\"cmd\":\"echo\",\"value\":3}\n");
		assert_int_equal(json_integer_value(json_object_get(r, "value")), 3);
		json_decref(r);
	}
	close(extra);
	for (int i = 0; i < BL_CTL_MAX_CLIENTS; i++)
		close(fds[i]);
	for (int i = 0; i < 20; i++)
		assert_true(bl_ctl_poll(w->c, 1) >= 0);
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.clients, 0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void test_idle_timeout(void **state)
{
	struct world *w = *state;
	int silent, half, busy;
	struct bl_ctl_stats st;
	uint64_t t0;
	json_t *r;

	assert_int_equal(bl_ctl_idle_timeout(w->c), BL_CTL_IDLE_MS);
	bl_ctl_set_idle_timeout(w->c, 300);
	assert_int_equal(bl_ctl_idle_timeout(w->c), 300);
	silent = client_connect(); /* connects, sends nothing */
	half = client_connect();   /* sends half a request, and stops */
	busy = client_connect();   /* asks every 50 ms */
	send_str(w->c, half, "{\"cmd\":\"ec");
	t0 = now_ms();
	while (now_ms() - t0 < 900) {
		r = ask(w->c, busy, "{\"cmd\":\"echo\",\"value\":1}\n");
		assert_true(json_is_true(json_object_get(r, "ok")));
		json_decref(r);
		for (int i = 0; i < 10; i++)
			assert_true(bl_ctl_poll(w->c, 5) >= 0);
	}
	assert_int_equal(client_closed(w->c, silent, 1), 1);
	assert_int_equal(client_closed(w->c, half, 1), 1);
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.idle_closed, 2);
	assert_int_equal(st.clients, 1);
	r = ask(w->c, busy, "{\"cmd\":\"echo\",\"value\":5}\n");
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 5);
	json_decref(r);
	close(busy);
	close(silent);
	close(half);

	/* A long poll ends when an idle client is due, not at its own timeout. */
	silent = client_connect();
	assert_true(bl_ctl_poll(w->c, 0) >= 0); /* accepted */
	t0 = now_ms();
	assert_true(bl_ctl_poll(w->c, 10000) >= 0);
	assert_true(now_ms() - t0 < 5000);
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.idle_closed, 3);
	assert_int_equal(client_closed(w->c, silent, 1), 1);
	close(silent);

	/* A request sent while the server was busy elsewhere past the idle time is served. */
	busy = client_connect();
	assert_true(bl_ctl_poll(w->c, 0) >= 0); /* accepted */
	usleep(400 * 1000);			/* the server does not poll meanwhile */
	send_str(NULL, busy, "{\"cmd\":\"echo\",\"value\":7}\n");
	r = client_reply(w->c, busy);
	assert_int_equal(json_integer_value(json_object_get(r, "value")), 7);
	json_decref(r);
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.idle_closed, 3);
	close(busy);

	/* 0: never. */
	bl_ctl_set_idle_timeout(w->c, 0);
	silent = client_connect();
	for (int i = 0; i < 80; i++)
		assert_true(bl_ctl_poll(w->c, 5) >= 0);
	assert_int_equal(client_closed(w->c, silent, 1), 0);
	bl_ctl_stats_get(w->c, &st);
	assert_int_equal(st.idle_closed, 3);
	close(silent);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_table_evicts_least_active, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_and_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_timeout_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
		cmocka_unit_test(test_stale_and_foreign_files),
	};
	int rc;

	if (ctl_test_dir_make() != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	ctl_test_dir_remove();
	return rc;
}
