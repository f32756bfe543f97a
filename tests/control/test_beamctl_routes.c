/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built beamctl binary against a canned daemon (beamctl_test.h), its
 * route commands: a big batch sent in pieces, route list walking every
 * page or showing one (--json lines, cursors, a failing or stalled page),
 * and route count.
 */
#include "beamctl_test.h"

/* ---- tests ---- */

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
	 * its own line); NAME and VLAN are there since later pages may need them.
	 */
	assert_string_equal(
	    r->out, "  KEY      ACTION   NAME  PORT  MAC                IP         UDP  VLAN\n"
		    "  7        forward  -        0  02:00:00:00:00:01  10.0.0.2  7447     -\n"
		    "  default  drop     -        -  -                  -            -     -\n"
		    "  8        drop     -        -  -                  -            -     -\n"
		    "  9        process  echo1     -  -                  -            -     -\n"
		    "  18446744073709551615  drop     -        -  -                  -"
		    "            -     -\n"
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
		cmocka_unit_test_setup_teardown(test_big_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_count, setup, teardown),
	};
	int rc = beamctl_test_begin(argc, argv);

	if (rc != 0)
		return rc;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	beamctl_test_end();
	return rc;
}
