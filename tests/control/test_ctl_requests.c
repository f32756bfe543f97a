/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server, what requests mean: the protocol (good requests,
 * pipelining, route batch text), handler errors and their names, every
 * refusal of a request (bad_request, too_big, unknown_command), help,
 * registering commands, bl_ctl_exec in process, and the config loader.
 */
#include "ctl_test.h"

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

	w->k.batch_strict = true;
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
	/* Consecutive route lines go as one route.batch text, as beamctl
	 * route batch sends them. */
	assert_int_equal(w->k.route_add, 0);
	assert_int_equal(w->k.batch, 1);
	assert_string_equal(json_string_value(json_object_get(w->k.last_req, "text")),
			    "add 7 port 0 mac 02:00:00:00:00:01 ip 10.0.0.2\nadd 8 drop\n");

	/* A key again starts a new batch (a config replaces, a batch would
	 * refuse); another command ends one, so order holds. */
	path = write_file("runs.conf", "route add 5 drop\nroute add 6 drop\nroute del 9 5\n"
				       "status\nroute add 0x10 drop\n");
	w->k.batch = 0;
	assert_int_equal(bl_ctl_load_config(w->c, path, err, sizeof(err)), 0);
	assert_int_equal(w->k.batch, 3);
	assert_int_equal(w->k.status, 2);
	assert_string_equal(json_string_value(json_object_get(w->k.last_req, "text")),
			    "add 0x10 drop\n");

	/* A refused batch changed nothing: its lines run again one by one, so
	 * the lines before the bad one are applied and the error names its
	 * line, as without batches. */
	path = write_file("replay.conf", "route add 1 drop\n"
					 "route add 2 port 4 mac 02:00:00:00:00:01 ip 10.0.0.1\n"
					 "route add 3 drop\n");
	w->k.batch = 0;
	w->k.route_add = 0;
	assert_int_equal(bl_ctl_load_config(w->c, path, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "replay.conf:2: port 4 does not exist"));
	assert_int_equal(w->k.batch, 1);
	assert_int_equal(w->k.route_add, 2);
	route = json_array_get(json_object_get(w->k.last_req, "routes"), 0);
	assert_int_equal(json_integer_value(json_object_get(route, "key")), 2);

	/* A grammar error on line 3: earlier lines applied, later ones not. */
	path = write_file("bad.conf", "status\n"
				      "# two\n"
				      "route add 9 port 0 mac 02:00:00:00:00:01 ip 10.0.0.256\n"
				      "status\n");
	assert_int_equal(bl_ctl_load_config(w->c, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: route add: bad IPv4 address '10.0.0.256'", path);
	assert_non_null(strstr(err, want));
	assert_int_equal(w->k.status, 3);

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
	w->k.batch = 0;
	assert_int_equal(bl_ctl_load_config(w->c, path, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "handler.conf:2: port 4 does not exist"));
	assert_int_equal(w->k.batch, 1); /* line 1, before the default route's line */
	assert_int_equal(w->k.route_add, 1);

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
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	};
	int rc;

	if (ctl_test_dir_make() != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	ctl_test_dir_remove();
	return rc;
}
