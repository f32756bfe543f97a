/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the command grammar tests share (test_cmd.c, test_cmd_vlan.c): a
 * line split and built into its request, compared with the JSON wanted or
 * with the words its error message must contain.
 */
#ifndef BL_TESTS_CONTROL_CMD_TEST_H
#define BL_TESTS_CONTROL_CMD_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "control/cmd.h"

static char err[512];

/* Split `line`, build, return the compact JSON (caller frees) or NULL with err set. */
static char *build(const char *line)
{
	char **argv;
	int argc;
	json_t *req;
	char *s;

	err[0] = '\0';
	assert_int_equal(bl_cmd_split(line, &argc, &argv, err, sizeof(err)), 0);
	req = bl_cmd_from_words(argc, argv, err, sizeof(err));
	free(argv);
	if (req == NULL) {
		assert_true(err[0] != '\0');
		return NULL;
	}
	s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	return s;
}

static void expect_json(const char *line, const char *want)
{
	char *got = build(line);

	if (got == NULL)
		fail_msg("'%s' failed: %s", line, err);
	assert_string_equal(got, want);
	free(got);
}

/* The build fails and the message contains every one of the NULL-terminated strings. */
static void expect_error(const char *line, ...)
{
	char *got = build(line);
	const char *want;
	va_list ap;

	if (got != NULL)
		fail_msg("'%s' should fail, gave %s", line, got);
	va_start(ap, line);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (strstr(err, want) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", line, err, want);
	}
	va_end(ap);
}

#endif /* BL_TESTS_CONTROL_CMD_TEST_H */
