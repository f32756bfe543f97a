/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command grammar: words (from beamctl's command line or one line of the
 * start-up configuration file) -> one JSON request for the control socket.
 * beamctl and bl_ctl_load_config share it, so the CLI and the config file
 * speak exactly the same language.
 *
 * The value codecs the daemon's handlers use to read those requests back
 * (keys, MAC and IPv4 addresses, route objects) are control/cmd_route.h,
 * included here, so each field is validated by one piece of code with one
 * set of messages.
 *
 * Nothing here depends on DPDK; everything is control-thread (or CLI) code
 * and may allocate.
 */
#ifndef BL_CTL_CMD_H
#define BL_CTL_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "control/cmd_route.h"

#define BL_CMD_LIST_LIMIT_DEFAULT 1000	/* a route.list page without "limit" */
#define BL_CMD_LIST_LIMIT_MAX	  10000 /* the largest route.list page */

/*
 * Build the request for argv[0..argc) (argv[0] is the command word, e.g.
 * "route"). Returns a new JSON object the caller json_decref()s, or NULL with
 * a one-line message in err (never NULL without a message: bad words, a batch
 * file that cannot be read or has a bad line -> "FILE:LINE: ...", out of
 * memory). `route batch -` reads standard input. Any thread; may block only
 * when reading a batch file.
 */
json_t *bl_cmd_from_words(int argc, char **argv, char *err, size_t errlen);

/*
 * Split one line into words like a shell does: blanks separate words; '...'
 * is literal; "..." is literal except \" and \\; a backslash outside quotes
 * escapes the next character; a '#' at the start of a word begins a comment
 * that runs to the end of the line. On success *argv is one allocation (the
 * pointer array and the strings) that the caller free()s, argv[*argc] is
 * NULL, and *argc may be 0 (blank or comment line). Returns 0, -EINVAL with a
 * message in err (unterminated quote, trailing backslash), or -ENOMEM. Any
 * thread.
 */
int bl_cmd_split(const char *line, int *argc, char ***argv, char *err, size_t errlen);

/*
 * One line of a route batch: `add KEY ...` (as route add), `del KEY...`, a
 * blank line or a comment. fn is called once for each change the line
 * makes (del: r->key only), in order; a non-zero return from fn stops and
 * is returned. Returns 0, -EINVAL with a message, -ENOMEM, or fn's value.
 * Any thread: beamctl checks a batch file with it, the daemon reads a
 * route.batch "text" with it.
 */
typedef int (*bl_cmd_batch_fn)(void *arg, bool del, const struct bl_cmd_route *r);
int bl_cmd_batch_line(const char *line, bl_cmd_batch_fn fn, void *arg, char *err, size_t errlen);

/*
 * The grammar, for usage texts: the i-th form ("route add KEY drop") and its
 * one-line summary. Returns 0, or -ENOENT past the end. Any thread.
 */
int bl_cmd_usage_entry(unsigned int i, const char **form, const char **summary);

#endif /* BL_CTL_CMD_H */
