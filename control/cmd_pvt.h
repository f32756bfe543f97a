/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What only the grammar's own files (control/cmd*.c) share: the number
 * parser, the command table's row and the request helpers of the builders.
 */
#ifndef BL_CTL_CMD_PVT_H
#define BL_CTL_CMD_PVT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Decimal or 0x-hex unsigned integer no larger than max. Returns 0,
 * -EINVAL (not a number) or -ERANGE (over max or 2^64-1).
 */
int bl__cmd_parse_uint(const char *s, uint64_t max, uint64_t *out);

struct bl_cmd_row;
typedef json_t *(*bl_cmd_builder)(const struct bl_cmd_row *row, int argc, char **argv, char *err,
				  size_t errlen);

struct bl_cmd_row {
	const char *word;     /* first word */
	const char *sub;      /* second word, or NULL for one-word commands */
	const char *cmd;      /* the request's "cmd" */
	bl_cmd_builder build; /* gets the words after word [sub] */
	const char *forms[3]; /* usage forms, NULL-terminated */
	const char *summary;
};

/* A new request object {"cmd": cmd}, or NULL (out of memory). */
json_t *bl__cmd_request_new(const char *cmd);

/* Set "out of memory" in err; returns NULL for the builder to return. */
json_t *bl__cmd_oom(char *err, size_t errlen);

/* `route batch FILE|-` (control/cmd_batch.c). */
json_t *bl__cmd_build_route_batch(const struct bl_cmd_row *row, int argc, char **argv, char *err,
				  size_t errlen);

#endif /* BL_CTL_CMD_PVT_H */
