/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamctl: words -> one JSON request (control/cmd.h) -> the daemon's control
 * socket -> the reply, printed as aligned tables (or verbatim with --json).
 *
 * Exit status: 0 ok, 1 the daemon answered with an error, 2 usage error,
 * 3 the daemon could not be reached or did not answer properly.
 *
 * A request longer than the socket's line limit is sent in pieces
 * (control/beamctl_conn.c); `route list` without a limit walks every page
 * (control/beamctl_routes.c); replies are printed by control/beamctl_print.c
 * and `top` is control/beamctl_top.c. This file: options, usage, main.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/beamctl_conn.h"
#include "control/beamctl_print.h"
#include "control/beamctl_routes.h"
#include "control/beamctl_top.h"
#include "control/cmd.h"
#include "control/ctl.h"
#include "control/text.h"

#define EXIT_ERROR_REPLY BL_BEAMCTL_EXIT_ERROR_REPLY
#define EXIT_USAGE	 BL_BEAMCTL_EXIT_USAGE
#define EXIT_UNREACHABLE BL_BEAMCTL_EXIT_UNREACHABLE

#define DEFAULT_SOCKET	   "/run/beamline/beamline.sock"
#define DEFAULT_TIMEOUT_MS 5000

struct opts {
	const char *socket;
	const char *raw;
	bool json;
	bool pretty;
	int timeout_ms; /* 0: wait forever */
};

/* ---- one command ---- */

/*
 * Send req (in pieces when it is too long for one line), print the reply as
 * --json asks, and report an error reply on stderr. Returns 0 with *reply
 * the "ok" reply (the caller's to print and free), or an exit status with
 * *reply NULL.
 */
static int exchange(struct bl_beamctl_conn *cn, const struct opts *o, json_t *req, json_t **reply)
{
	size_t pieces = 1, done = 0;
	char *raw = NULL;
	int rc;

	rc = bl_beamctl_send_request(cn, req, reply, &raw, &pieces, &done);
	if (rc != 0) {
		json_decref(*reply);
		*reply = NULL;
		free(raw);
		return rc;
	}
	if (o->json) {
		if (raw != NULL && !o->pretty) {
			printf("%s\n", raw);
		} else {
			char *t = json_dumps(*reply, (o->pretty ? JSON_INDENT(2) : JSON_COMPACT) |
							 JSON_ENSURE_ASCII);

			printf("%s\n", t ? t : "");
			free(t);
		}
	}
	free(raw);
	if (!json_is_true(json_object_get(*reply, "ok"))) {
		const char *e = json_string_value(json_object_get(*reply, "error"));
		const char *m = json_string_value(json_object_get(*reply, "message"));

		char *se = bl_text_escape_dup(e ? e : "error");
		char *sm = bl_text_escape_dup(m ? m : "(no message)");

		/* The message may echo what was asked (a name, a line): never raw. */
		fprintf(stderr, "beamctl: %s: %s", se ? se : "error", sm ? sm : "");
		free(se);
		free(sm);
		if (pieces > 1)
			fprintf(stderr, " (%zu of %zu requests applied)", done, pieces);
		fprintf(stderr, "\n");
		json_decref(*reply);
		*reply = NULL;
		return EXIT_ERROR_REPLY;
	}
	return 0;
}

struct page_asker {
	struct bl_beamctl_conn *cn;
	const struct opts *o;
};

/* A route list page: each one gets the whole --timeout, however long the walk. */
static int ask_page(void *arg, json_t *req, json_t **reply)
{
	struct page_asker *pa = arg;

	bl_beamctl_conn_arm(pa->cn);
	return exchange(pa->cn, pa->o, req, reply);
}

/*
 * A call: the daemon answers with the call's id at once; ask for the result
 * every 2 ms until it is no longer pending (the daemon's own timeout ends
 * every call), then print that. Quiet while it waits, whatever --json says.
 */
static int call_and_wait(struct bl_beamctl_conn *cn, const struct opts *o, json_t *req,
			 json_t **reply)
{
	struct opts quiet = *o;
	json_t *ask;
	json_int_t id;
	int rc;

	quiet.json = false;
	rc = exchange(cn, &quiet, req, reply);
	if (rc != 0)
		return rc;
	id = json_integer_value(json_object_get(*reply, "id"));
	ask = json_pack("{s:s, s:I}", "cmd", "call.result", "id", id);
	if (ask == NULL)
		return EXIT_UNREACHABLE;
	for (;;) {
		const char *st;

		json_decref(*reply);
		*reply = NULL;
		bl_beamctl_conn_arm(cn);
		rc = exchange(cn, &quiet, ask, reply);
		if (rc != 0)
			break;
		st = json_string_value(json_object_get(*reply, "status"));
		if (st == NULL || strcmp(st, "pending") != 0)
			break;
		usleep(2000);
	}
	json_decref(ask);
	if (rc == 0 && o->json) {
		char *t = json_dumps(*reply, (o->pretty ? JSON_INDENT(2) : JSON_COMPACT) |
						 JSON_ENSURE_ASCII);

		printf("%s\n", t ? t : "");
		free(t);
	}
	return rc;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	const char *form, *summary;

	fprintf(f, "usage: beamctl [-s|--socket PATH] [--json] [--pretty] [--timeout MS] "
		   "COMMAND...\n"
		   "       beamctl [options] --raw '{\"cmd\":\"...\"}'\n\n"
		   "Commands:\n");
	for (unsigned int i = 0; bl_cmd_usage_entry(i, &form, &summary) == 0; i++)
		fprintf(f, "  %-50s %s\n", form, summary);
	fprintf(f, "  %-50s %s\n", "top [--sort KEY] [--top N] [--iterations N]",
		"live screen: busiest processes, lcores, memory; q quits");
	fprintf(f,
		"\nKEY: a decimal or 0x-hex u64, or 'default'.\n"
		"\nOptions:\n"
		"  -s, --socket PATH  control socket (default $BEAMLINE_SOCKET, else %s)\n"
		"  -j, --json         print the reply as JSON, verbatim\n"
		"  -p, --pretty       with --json: indented\n"
		"  -t, --timeout MS   give up after MS milliseconds (default %d, 0: never)\n"
		"  -r, --raw JSON     send this request object as is\n"
		"  -h, --help         this text\n"
		"\nExit status: 0 ok, 1 the daemon replied with an error, 2 usage error,\n"
		"3 the daemon could not be reached or did not reply.\n",
		DEFAULT_SOCKET, DEFAULT_TIMEOUT_MS);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "raw", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->socket = getenv("BEAMLINE_SOCKET");
	if (o->socket == NULL || o->socket[0] == '\0')
		o->socket = DEFAULT_SOCKET;
	o->timeout_ms = DEFAULT_TIMEOUT_MS;
	/* '+': options end at the first command word, so words never look like options. */
	while ((ch = getopt_long(argc, argv, "+s:jpt:r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->socket = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'p':
			o->pretty = true;
			break;
		case 't': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || v < 0 ||
			    v > 24L * 3600 * 1000) {
				fprintf(stderr,
					"beamctl: bad --timeout '%s': milliseconds, 0..86400000\n",
					optarg);
				return -1;
			}
			o->timeout_ms = (int)v;
			break;
		}
		case 'r':
			o->raw = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "beamctl: try 'beamctl --help'\n");
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	json_t *req, *reply = NULL;
	char err[512];
	const char *cmd;
	struct bl_beamctl_conn cn;
	int rc;

	/* A big batch's buffers are freed piece by piece: keep the pages
	 * rather than give them back and fault them in again. */
	(void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
	(void)mallopt(M_MMAP_THRESHOLD, 64 << 20);

	if (parse_opts(argc, argv, &o) < 0)
		return EXIT_USAGE;
	if (o.raw == NULL && optind < argc && strcmp(argv[optind], "top") == 0)
		return bl_beamctl_top(o.socket, o.timeout_ms, argc - optind, argv + optind);
	if (o.raw != NULL) {
		json_error_t jerr;

		if (optind < argc) {
			fprintf(stderr, "beamctl: --raw takes no command words\n");
			return EXIT_USAGE;
		}
		req = json_loads(o.raw, 0, &jerr);
		if (!json_is_string(json_object_get(req, "cmd"))) {
			fprintf(stderr,
				"beamctl: --raw needs a JSON object with a \"cmd\" string%s%s\n",
				req ? "" : ": ", req ? "" : jerr.text);
			json_decref(req);
			return EXIT_USAGE;
		}
	} else {
		if (optind >= argc) {
			usage(stderr);
			return EXIT_USAGE;
		}
		req = bl_cmd_from_words(argc - optind, argv + optind, err, sizeof(err));
		if (req == NULL) {
			char safe[2048];

			bl_text_escape(err, safe, sizeof(safe));
			fprintf(stderr, "beamctl: %s\n", safe);
			return EXIT_USAGE;
		}
	}
	cmd = json_string_value(json_object_get(req, "cmd"));

	if (bl_beamctl_conn_open(&cn, o.socket, o.timeout_ms) < 0) {
		json_decref(req);
		bl_beamctl_conn_close(&cn);
		return EXIT_UNREACHABLE;
	}
	if (strcmp(cmd, "route.list") == 0) {
		struct page_asker pa = { &cn, &o };

		/* Words without a limit: every page. --raw is sent as it is: one page. */
		rc = bl_beamctl_route_list(req,
					   o.raw == NULL && json_object_get(req, "limit") == NULL,
					   !o.json, ask_page, &pa);
	} else if (strcmp(cmd, "call") == 0 && o.raw == NULL) {
		rc = call_and_wait(&cn, &o, req, &reply);
		if (rc == 0 && !o.json)
			bl_beamctl_print_reply("call.result", reply);
	} else {
		rc = exchange(&cn, &o, req, &reply);
		if (rc == 0 && !o.json)
			bl_beamctl_print_reply(cmd, reply);
	}
	bl_beamctl_conn_close(&cn);
	json_decref(reply);
	json_decref(req);
	if (fflush(stdout) != 0)
		return EXIT_UNREACHABLE;
	return rc;
}
