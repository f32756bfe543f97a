/* SPDX-License-Identifier: BSD-3-Clause */
/* blmsg: send, receive and ping beamline messages from an ordinary host. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/tool.h"

static void usage(FILE *f)
{
	fputs("usage:\n"
	      "  blmsg send HOST:PORT --key K [--payload STR | --file F | --stdin]\n"
	      "             [--count N] [--rate MSG/S] [--batch N] [--size BYTES | --mtu N]\n"
	      "             [--flow block|ignore]\n"
	      "  blmsg recv [--bind ADDR:PORT] [--count N] [--seconds S] [--print | --quiet]\n"
	      "  blmsg ping HOST:PORT --key K [--count N] [--interval MS] [--size B]\n"
	      "             [--timeout MS]\n"
	      "  blmsg help\n"
	      "HOST:PORT is A.B.C.D:PORT, [IPV6]:PORT or NAME:PORT (send and ping).\n"
	      "Keys and counts are decimal or 0x-hex. Exit status: 0 ok, 1 runtime error,\n"
	      "2 bad arguments. See docs/client.md.\n",
	      f);
}

void bl__blmsg_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "blmsg %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(run 'blmsg help' for usage)\n");
	exit(BLMSG_EXIT_USAGE);
}

void bl__blmsg_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "blmsg %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int bl__blmsg_parse_u64(const char *s, uint64_t *out)
{
	const char *digits = s;
	char *end;
	int base = 10;
	unsigned long long v;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		digits = s + 2;
	}
	/* strtoull would accept a sign and leading blanks: refuse them. */
	if (!((*digits >= '0' && *digits <= '9') ||
	      (base == 16 &&
	       ((*digits >= 'a' && *digits <= 'f') || (*digits >= 'A' && *digits <= 'F')))))
		return -EINVAL;
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || *end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

uint64_t bl__blmsg_opt_u64(const char *cmd, const char *opt, const char *s, uint64_t min,
			   uint64_t max)
{
	uint64_t v;

	if (bl__blmsg_parse_u64(s, &v) != 0)
		bl__blmsg_usage_error(cmd, "%s: '%s' is not a number", opt, s);
	if (v < min || v > max)
		bl__blmsg_usage_error(cmd, "%s: %s is out of range %llu..%llu", opt, s,
				      (unsigned long long)min, (unsigned long long)max);
	return v;
}

double bl__blmsg_opt_positive(const char *cmd, const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v) || v <= 0)
		bl__blmsg_usage_error(cmd, "%s: '%s' is not a positive number", opt, s);
	return v;
}

uint64_t bl__blmsg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bl__blmsg_sleep_until(uint64_t t_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t_ns / 1000000000ull),
		.tv_nsec = (long)(t_ns % 1000000000ull),
	};

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return BLMSG_EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return BLMSG_EXIT_OK;
	}
	if (strcmp(cmd, "send") == 0)
		return bl__blmsg_send(argc - 1, argv + 1);
	if (strcmp(cmd, "recv") == 0)
		return bl__blmsg_recv(argc - 1, argv + 1);
	if (strcmp(cmd, "ping") == 0)
		return bl__blmsg_ping(argc - 1, argv + 1);
	fprintf(stderr, "blmsg: unknown command '%s' (send, recv, ping, help)\n", cmd);
	return BLMSG_EXIT_USAGE;
}
