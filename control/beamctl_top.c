/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamctl top. Each screen is three requests (ps, lcores, memory), each on a
 * connection of its own, so a daemon restarted meanwhile is simply found
 * again; a screen is drawn only when all three answered.
 */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "control/beamctl_conn.h"
#include "control/beamctl_print.h"
#include "control/beamctl_routes.h"
#include "control/beamctl_top.h"

#define EXIT_ERROR_REPLY BL_BEAMCTL_EXIT_ERROR_REPLY
#define EXIT_USAGE	 BL_BEAMCTL_EXIT_USAGE
#define EXIT_UNREACHABLE BL_BEAMCTL_EXIT_UNREACHABLE

static json_t *top_query(struct bl_beamctl_conn *cn, const char *sock, int timeout_ms, json_t *req)
{
	json_t *reply = NULL;
	char *raw = NULL;
	size_t pieces, done;
	int rc;

	if (bl_beamctl_conn_open(cn, sock, timeout_ms) < 0) {
		bl_beamctl_conn_close(cn);
		json_decref(req);
		return NULL;
	}
	rc = bl_beamctl_send_request(cn, req, &reply, &raw, &pieces, &done);
	bl_beamctl_conn_close(cn);
	free(raw);
	json_decref(req);
	if (rc != 0 || !json_is_true(json_object_get(reply, "ok"))) {
		json_decref(reply);
		return NULL;
	}
	return reply;
}

static void human_bytes(json_int_t v, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	unsigned u = 0;

	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", d, units[u]);
}

static struct termios top_saved;
static bool top_raw;

static void top_restore(void)
{
	if (top_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &top_saved);
	top_raw = false;
}

/* Each lcore's fast-path p99 (the latency command) as its "p99_us" cell:
 * since start or the last `latency --reset`; "-" when the daemon has none. */
static void top_add_p99(json_t *lcores, const json_t *lat)
{
	size_t i, j;

	for (i = 0; i < json_array_size(lcores); i++) {
		json_t *row = json_array_get(lcores, i);
		json_int_t id = json_integer_value(json_object_get(row, "lcore"));

		for (j = 0; j < json_array_size(lat); j++) {
			const json_t *l = json_array_get(lat, j);
			char us[32];

			if (!json_is_integer(json_object_get(l, "lcore")) ||
			    json_integer_value(json_object_get(l, "lcore")) != id ||
			    strcmp(json_string_value(json_object_get(l, "path")) ?: "", "fast") !=
				0 ||
			    json_integer_value(json_object_get(l, "count")) == 0)
				continue;
			snprintf(us, sizeof(us), "%.1f",
				 (double)json_integer_value(json_object_get(l, "p99_ns")) / 1000.0);
			json_object_set_new(row, "p99_us", json_string(us));
		}
	}
}

/*
 * beamctl top [--sort KEY] [--top N] [--iterations N] [--interval MS]: every
 * interval (1 s), the busiest processes, the lcores (with their fast
 * path's p99 latency) and memory on one
 * screen, until q (or N screens). Without a terminal it prints screens one
 * after another.
 */
int bl_beamctl_top(const char *sock_path, int timeout_ms, int argc, char **argv)
{
	static const char *const ps_cols[] = { "pid",	     "name",   "behaviour", "lcore",
					       "status",     "memory", "binary",    "mailbox",
					       "reductions", NULL };
	static const char *const lc_cols[] = { "lcore",	 "busy_pct", "avg_burst",
					       "p99_us", "procs",    "procs_handled",
					       "sleeps", "stalled",  NULL };
	const char *sort = "reductions";
	long top = 20, iterations = 0, interval = 1000;
	bool tty = isatty(STDOUT_FILENO), quit = false;
	struct bl_beamctl_conn cn;
	int rc = 0;

	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;
		long n = 0;

		while (*k == '-')
			k++;
		if (v == NULL) {
			fprintf(stderr, "beamctl: top: '%s' needs a value\n", argv[i]);
			return EXIT_USAGE;
		}
		if (strcmp(k, "sort") == 0) {
			sort = v;
			continue;
		}
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 0 || n > 1000000) {
			fprintf(stderr, "beamctl: top: bad number '%s' for %s\n", v, argv[i]);
			return EXIT_USAGE;
		}
		if (strcmp(k, "top") == 0 && n > 0)
			top = n;
		else if (strcmp(k, "iterations") == 0)
			iterations = n;
		else if (strcmp(k, "interval") == 0 && n >= 10)
			interval = n;
		else {
			fprintf(
			    stderr,
			    "beamctl: top: unknown option '%s' (usage: top [--sort KEY] [--top N] "
			    "[--iterations N] [--interval MS])\n",
			    argv[i]);
			return EXIT_USAGE;
		}
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &top_saved) == 0) {
		struct termios t = top_saved;

		t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
			top_raw = true;
			atexit(top_restore);
		}
	}
	for (long it = 0; !quit && (iterations == 0 || it < iterations); it++) {
		json_t *ps = top_query(&cn, sock_path, timeout_ms,
				       json_pack("{s:s, s:s, s:I}", "cmd", "ps", "sort", sort,
						 "top", (json_int_t)top));
		json_t *lc =
		    top_query(&cn, sock_path, timeout_ms, json_pack("{s:s}", "cmd", "lcores"));
		json_t *mem =
		    top_query(&cn, sock_path, timeout_ms, json_pack("{s:s}", "cmd", "memory"));
		json_t *lat =
		    top_query(&cn, sock_path, timeout_ms, json_pack("{s:s}", "cmd", "latency"));
		time_t now = time(NULL);
		char ts[32], b1[32], b2[32], b3[32];

		if (ps == NULL || lc == NULL || mem == NULL) {
			fprintf(stderr, "beamctl: top: the daemon at %s did not answer (ps: %s)\n",
				sock_path, ps ? "ok" : "failed: see 'beamctl ps --sort ...'");
			json_decref(ps);
			json_decref(lc);
			json_decref(mem);
			rc = ps == NULL && lc != NULL ? EXIT_ERROR_REPLY : EXIT_UNREACHABLE;
			break;
		}
		strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
		if (tty)
			printf("\033[H\033[2J");
		human_bytes(json_integer_value(json_object_get(mem, "total")), b1, sizeof(b1));
		human_bytes(json_integer_value(
				json_object_get(json_object_get(mem, "processes"), "heap_bytes")),
			    b2, sizeof(b2));
		human_bytes(json_integer_value(json_object_get(mem, "binaries_pinned")), b3,
			    sizeof(b3));
		printf("beamline top  %s  processes %" JSON_INTEGER_FORMAT
		       "  memory %s (process heaps %s, binaries %s)  mbufs in use "
		       "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT "\n\n",
		       ts, json_integer_value(json_object_get(ps, "total")), b1, b2, b3,
		       json_integer_value(json_object_get(json_object_get(mem, "mbufs"), "in_use")),
		       json_integer_value(json_object_get(json_object_get(mem, "mbufs"), "size")));
		top_add_p99(json_object_get(lc, "lcores"), json_object_get(lat, "latency"));
		json_decref(lat);
		bl_beamctl_print_table("lcores", json_object_get(lc, "lcores"), lc_cols);
		printf("\n");
		bl_beamctl_print_table(NULL, json_object_get(ps, "procs"), ps_cols);
		printf("\n(sorted by %s; %s)\n", sort, tty ? "q quits" : "one screen per interval");
		fflush(stdout);
		json_decref(ps);
		json_decref(lc);
		json_decref(mem);
		if (iterations != 0 && it + 1 >= iterations)
			break;
		/* Wait for the next screen, or for q. */
		{
			struct pollfd pf = { .fd = STDIN_FILENO, .events = POLLIN };
			struct timespec start, cur;

			clock_gettime(CLOCK_MONOTONIC, &start);
			for (;;) {
				long left;

				clock_gettime(CLOCK_MONOTONIC, &cur);
				left = interval - ((cur.tv_sec - start.tv_sec) * 1000 +
						   (cur.tv_nsec - start.tv_nsec) / 1000000);
				if (left <= 0)
					break;
				if (!top_raw) {
					poll(NULL, 0, (int)left);
					continue;
				}
				if (poll(&pf, 1, (int)left) > 0) {
					char ch;

					if (read(STDIN_FILENO, &ch, 1) == 1 &&
					    (ch == 'q' || ch == 'Q')) {
						quit = true;
						break;
					}
				}
			}
		}
	}
	top_restore();
	return rc;
}
