/* SPDX-License-Identifier: BSD-3-Clause */
/* blmsg command-line tool: shared helpers of its subcommands (not installed). */
#ifndef BL_CLIENT_TOOL_H
#define BL_CLIENT_TOOL_H

#include <stdbool.h>
#include <stdint.h>

/* Exit codes: bad input is 2, a runtime failure 1. */
#define BLMSG_EXIT_OK	 0
#define BLMSG_EXIT_FAIL	 1
#define BLMSG_EXIT_USAGE 2

int bl__blmsg_send(int argc, char **argv);
int bl__blmsg_recv(int argc, char **argv);
int bl__blmsg_ping(int argc, char **argv);

/* Print "blmsg <cmd>: <message>" and a hint to stderr, then exit 2. */
void bl__blmsg_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Print "blmsg <cmd>: <message>" to stderr (runtime errors). */
void bl__blmsg_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Decimal or 0x-hex unsigned 64-bit number, whole string. 0 or -EINVAL/-ERANGE. */
int bl__blmsg_parse_u64(const char *s, uint64_t *out);

/* Parse a u64 option in [min, max] or exit 2 naming the option. */
uint64_t bl__blmsg_opt_u64(const char *cmd, const char *opt, const char *s, uint64_t min,
			   uint64_t max);

/* Positive finite decimal number, or exit 2 naming the option. */
double bl__blmsg_opt_positive(const char *cmd, const char *opt, const char *s);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bl__blmsg_now_ns(void);

/* Sleep until CLOCK_MONOTONIC reaches t_ns (returns early on a signal). */
void bl__blmsg_sleep_until(uint64_t t_ns);

#endif /* BL_CLIENT_TOOL_H */
