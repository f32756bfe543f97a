/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built beamctl binary against a canned daemon (beamctl_test.h), what
 * it prints: --json output, its tables (nested replies included), an
 * error reply, usage errors, and a daemon it cannot reach, each with its
 * exit status and message.
 */
#include "beamctl_test.h"

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
	has(r->out, "route add KEY port P [mac MAC] ip A.B.C.D [udp N]");
	has(r->out, "BEAMLINE_SOCKET");
	free(r);
}

/* User text with control characters: a name, a key, an error that echoes a request. */
static int h_hostile(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg, (void)req, (void)errmsg, (void)errlen;
	return reply_from(reply, "{\"name\":\"evil\\u001b[31mred\",\"bell\":\"a\\u0007b\","
				 "\"c1\":\"x\\u009by\",\"accent\":\"caf\\u00e9\","
				 "\"procs\":[{\"pid\":\"<1.2.0>\",\"name\":\"p\\u001b[2Jq\"}],"
				 "\"groups\":{\"g\\u001bk\":3}}");
}

static int h_hostile_fail(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	(void)arg, (void)req, (void)reply;
	snprintf(errmsg, errlen, "no process is registered as 'x\033]0;pwned\007'");
	return -ENOENT;
}

/* No byte a terminal would take for a command: C0 but newline, DEL, C1 in UTF-8. */
static void no_controls(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f ||
		    (c == 0xc2 && i + 1 < len && (unsigned char)text[i + 1] >= 0x80 &&
		     (unsigned char)text[i + 1] <= 0x9f))
			fail_msg("raw control byte 0x%02x at %zu in:\n%s", c, i, text);
	}
}

static void test_control_chars_escaped(void **state)
{
	struct daemon *d = *state;
	struct run *r = malloc(sizeof(*r));

	assert_int_equal(bl_ctl_register(d->c, "hostile", h_hostile, d, "names with escapes"), 0);
	assert_int_equal(bl_ctl_register(d->c, "hostile.fail", h_hostile_fail, d, "echoes"), 0);
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--raw", "{\"cmd\":\"hostile\"}", NULL);
	assert_int_equal(r->status, 0);
	no_controls(r->out, r->out_len);
	has(r->out, "evil\\x1b[31mred");
	has(r->out, "a\\x07b");
	has(r->out, "x\\xc2\\x9by");
	has(r->out, "caf\xc3\xa9"); /* text that is no control stays as it is */
	has(r->out, "p\\x1b[2Jq");
	has(r->out, "g\\x1bk");

	/* An error reply that echoes user text. */
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--raw", "{\"cmd\":\"hostile.fail\"}",
		    NULL);
	assert_int_equal(r->status, 1);
	no_controls(r->err, r->err_len);
	has(r->err, "beamctl: not_found: no process is registered as 'x\\x1b]0;pwned\\x07'\n");

	/* A usage error that echoes a word, before anything is sent. */
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "route", "add", "5", "port", "0", "mac",
		    "zz\033[2J", "ip", "10.0.0.1", NULL);
	assert_int_equal(r->status, 2);
	no_controls(r->err, r->err_len);
	has(r->err, "bad MAC 'zz\\x1b[2J'");

	/* --json: jansson's escapes, the JSON stays what the daemon sent. */
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--json", "--raw",
		    "{\"cmd\":\"hostile\"}", NULL);
	assert_int_equal(r->status, 0);
	no_controls(r->out, r->out_len);
	has(r->out, "evil\\u001B[31mred");
	has(r->out, "x\\u009By");
	/* the same with --pretty, which beamctl encodes itself */
	run_beamctl(d->c, true, NULL, r, "-s", sock_path, "--json", "--pretty", "--raw",
		    "{\"cmd\":\"hostile\"}", NULL);
	assert_int_equal(r->status, 0);
	no_controls(r->out, r->out_len);
	has(r->out, "x\\u009By");
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

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_chars_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cannot_connect, setup, teardown),
	};
	int rc = beamctl_test_begin(argc, argv);

	if (rc != 0)
		return rc;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	beamctl_test_end();
	return rc;
}
