/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamctl's `route list`: one route.list page, or every page one after
 * another, each printed as it arrives. CLI code only (no DPDK).
 */
#ifndef BL_CTL_BEAMCTL_ROUTES_H
#define BL_CTL_BEAMCTL_ROUTES_H

#include <stdbool.h>

#include <jansson.h>

/* beamctl's exit statuses (beamctl --help, docs/cli.md). */
#define BL_BEAMCTL_EXIT_ERROR_REPLY 1 /* the daemon answered with an error */
#define BL_BEAMCTL_EXIT_USAGE	    2 /* bad words; nothing was sent */
#define BL_BEAMCTL_EXIT_UNREACHABLE 3 /* no daemon, no answer, or a garbled one */

/*
 * One request, one reply, as beamctl does it: 0 with *reply an "ok" reply
 * (new reference; the caller json_decref()s it), or an exit status, the
 * reason already printed (including an error reply). With --json the
 * callback itself prints each reply.
 */
typedef int (*bl_beamctl_ask_fn)(void *arg, json_t *req, json_t **reply);

/*
 * Run `route list`. req is a route.list request (borrowed; a walk sets its
 * "limit" and "cursor"). walk: ask BL_CMD_LIST_LIMIT_MAX routes at a time,
 * from req's cursor or the start, following each reply's "next" until it is
 * null; else ask req as it is, one page. table: print the routes as a table
 * (the header once; the first page sets the columns; each page printed and
 * freed before the next is asked for), then "N of TOTAL routes shown" and,
 * after one page that is not the last, the command for the next page. Not
 * table: print nothing (ask prints the replies). Returns 0 or an exit status.
 * May block in ask; CLI only.
 */
int bl_beamctl_route_list(json_t *req, bool walk, bool table, bl_beamctl_ask_fn ask, void *arg);

#endif /* BL_CTL_BEAMCTL_ROUTES_H */
