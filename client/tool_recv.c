/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blmsg recv: bind, print (or count) messages until --count messages,
 * --seconds elapsed, or SIGINT/SIGTERM; then totals, malformed datagrams by
 * reason, and per-source sequence state. Signals only set a flag: the loop
 * sees it when poll() returns EINTR, so totals are always printed.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/blmsg.h"
#include "client/tool.h"

static const char *const CMD = "recv";
#define PRINT_MAX 256u /* payload bytes shown per message */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct recv_opts {
	struct sockaddr_in bind;
	uint64_t count; /* 0: no limit */
	double seconds; /* 0: no limit */
	bool quiet;
};

static void parse(int argc, char **argv, struct recv_opts *o)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "print", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bind_s = "0.0.0.0:7447";
	bool print = false;
	int c, rc;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bind_s = optarg;
			break;
		case 'n':
			o->count = bl__blmsg_opt_u64(CMD, "--count", optarg, 1, UINT64_MAX);
			break;
		case 't':
			o->seconds = bl__blmsg_opt_positive(CMD, "--seconds", optarg);
			break;
		case 'p':
			print = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case ':':
			bl__blmsg_usage_error(CMD, "%s needs a value", argv[optind - 1]);
		default:
			bl__blmsg_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bl__blmsg_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (print && o->quiet)
		bl__blmsg_usage_error(CMD, "--print and --quiet exclude each other");
	rc = bl_client_addr_parse(bind_s, BL_WIRE_UDP_PORT, true, &o->bind);
	if (rc == -ENOENT)
		bl__blmsg_usage_error(CMD, "cannot resolve address in '%s'", bind_s);
	if (rc)
		bl__blmsg_usage_error(CMD, "--bind: '%s' is not ADDR[:PORT]", bind_s);
}

static void print_msg(const struct bl_client_msg *m)
{
	char a[32];
	uint32_t shown = m->len < PRINT_MAX ? m->len : PRINT_MAX;
	bool text = true;

	for (uint32_t i = 0; i < shown; i++)
		if (m->payload[i] < 0x20 || m->payload[i] > 0x7e)
			text = false;
	printf("%s seq=%llu key=%llu len=%u%s", bl_client_addr_str(&m->src, a, sizeof(a)),
	       (unsigned long long)m->seq, (unsigned long long)m->key, m->len,
	       m->dup ? " dup" : "");
	if (m->kind != BL_WIRE_KIND_DATA)
		printf(" kind=%u", m->kind);
	if (text) {
		fputs(" text=\"", stdout);
		for (uint32_t i = 0; i < shown; i++) {
			if (m->payload[i] == '"' || m->payload[i] == '\\')
				putchar('\\');
			putchar(m->payload[i]);
		}
		putchar('"');
	} else {
		fputs(" hex=", stdout);
		for (uint32_t i = 0; i < shown; i++)
			printf("%02x", m->payload[i]);
	}
	puts(shown < m->len ? " ..." : "");
}

static void print_totals(const struct bl_client_receiver *r)
{
	struct bl_client_rx_stats st;
	struct bl_client_source src;
	uint64_t bad = 0;
	char a[32];

	bl_client_receiver_stats(r, &st);
	for (unsigned int i = 0; i < BL_CLIENT_RX_DROP_MAX; i++)
		bad += st.drops[i];
	printf("total msgs=%llu frames=%llu bytes=%llu dgrams=%llu malformed=%llu sources=%u "
	       "untracked=%llu gaps=%llu lost=%llu dups=%llu\n",
	       (unsigned long long)st.msgs, (unsigned long long)st.frames,
	       (unsigned long long)st.bytes, (unsigned long long)st.dgrams, (unsigned long long)bad,
	       bl_client_receiver_source_count(r), (unsigned long long)st.untracked,
	       (unsigned long long)st.gaps, (unsigned long long)st.lost,
	       (unsigned long long)st.dups);
	if (bad) {
		fputs("malformed", stdout);
		for (unsigned int i = 0; i < BL_CLIENT_RX_DROP_MAX; i++)
			if (st.drops[i])
				printf(" %s=%llu", bl_client_rx_drop_name(i),
				       (unsigned long long)st.drops[i]);
		putchar('\n');
	}
	for (unsigned int i = 0; bl_client_receiver_source_get(r, i, &src) == 0; i++)
		printf("source %s msgs=%llu frames=%llu next_seq=%llu gaps=%llu lost=%llu "
		       "dups=%llu\n",
		       bl_client_addr_str(&src.addr, a, sizeof(a)), (unsigned long long)src.msgs,
		       (unsigned long long)src.frames, (unsigned long long)src.next_seq,
		       (unsigned long long)src.gaps, (unsigned long long)src.lost,
		       (unsigned long long)src.dups);
}

int bl__blmsg_recv(int argc, char **argv)
{
	struct recv_opts o;
	struct bl_client_receiver *r;
	struct bl_client_msg m;
	struct sockaddr_in local;
	struct sigaction sa;
	uint64_t got = 0, deadline = 0;
	char a[32];
	int rc, exit_code = BLMSG_EXIT_OK;

	parse(argc, argv, &o);
	r = bl_client_receiver_create(BL_CLIENT_DEFAULT_SOURCES);
	if (r == NULL) {
		bl__blmsg_error(CMD, "%s", strerror(errno));
		return BLMSG_EXIT_FAIL;
	}
	rc = bl_client_receiver_bind(r, &o.bind);
	if (rc == 0)
		rc = bl_client_receiver_local(r, &local);
	if (rc) {
		bl__blmsg_error(CMD, "cannot bind %s: %s",
				bl_client_addr_str(&o.bind, a, sizeof(a)), strerror(-rc));
		bl_client_receiver_destroy(r);
		return BLMSG_EXIT_FAIL;
	}

	/* No SA_RESTART: poll() must return EINTR so the loop can stop. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* Scripts wait for this line before sending (and learn the port with :0). */
	fprintf(stderr, "listening on %s\n", bl_client_addr_str(&local, a, sizeof(a)));
	if (o.seconds > 0)
		deadline = bl__blmsg_now_ns() + (uint64_t)(o.seconds * 1e9);

	while (!stop_requested && (o.count == 0 || got < o.count)) {
		int timeout = -1;

		if (deadline) {
			uint64_t now = bl__blmsg_now_ns();

			if (now >= deadline)
				break;
			/* Round up so the loop never spins on a sub-millisecond rest. */
			timeout = (int)((deadline - now + 999999) / 1000000);
		}
		rc = bl_client_receiver_recv(r, timeout);
		if (rc == -ETIMEDOUT || rc == -EINTR)
			continue;
		if (rc < 0) {
			bl__blmsg_error(CMD, "receive failed: %s", strerror(-rc));
			exit_code = BLMSG_EXIT_FAIL;
			break;
		}
		while (bl_client_receiver_next(r, &m) == 1) {
			got++;
			if (!o.quiet)
				print_msg(&m);
		}
	}
	print_totals(r);
	fflush(stdout);
	bl_client_receiver_destroy(r);
	return exit_code;
}
