/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket: a Unix stream socket (mode 0600) speaking one JSON
 * object per line each way. A request is {"cmd":"<name>", ...}; the reply is
 * the handler's object with "ok":true first, or
 * {"ok":false,"error":"<name>","message":"..."} with <name> from
 * control/errors.h.
 *
 * Everything here runs on the control thread only (never a poll-mode lcore):
 * one struct bl_ctl is used by one thread. The server never blocks longer
 * than the timeout given to bl_ctl_poll, whatever clients do.
 */
#ifndef BL_CTL_H
#define BL_CTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define BL_CTL_MAX_REQUEST  (64 * 1024) /* bytes in one request line, newline excluded */
#define BL_CTL_MAX_CLIENTS  64 /* connected clients; a new one takes the least active's slot */
#define BL_CTL_OUT_LIMIT    (4u << 20) /* default bound on a client's unsent replies */
#define BL_CTL_MAX_CMD_NAME 63	       /* longest command name */
#define BL_CTL_IDLE_MS	    10000u     /* default: a client idle this long is closed */

struct bl_ctl;

/*
 * A command handler, called on the control thread. Fill `reply` (a JSON
 * object, empty on entry, owned by the server) and return 0, or return
 * -errno and write a one-line message into errmsg (errlen bytes). `req` is
 * the whole request, borrowed. The server adds "ok":true, or builds the
 * error reply (the contents of `reply` are then discarded).
 */
typedef int (*bl_ctl_handler)(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen);

/* What the server counted; every refused or dropped thing has its own counter. */
struct bl_ctl_stats {
	uint64_t accepted;	  /* connections accepted */
	uint64_t closed;	  /* connections closed by the peer or on error */
	uint64_t refused_busy;	  /* turned away: every slot had a request being served */
	uint64_t dropped_slow;	  /* dropped: unsent replies over the output limit */
	uint64_t idle_closed;	  /* closed: no progress for the idle time */
	uint64_t evicted;	  /* closed to make room for a new client (the least active) */
	uint64_t requests;	  /* requests dispatched (socket and bl_ctl_exec) */
	uint64_t errors;	  /* of which answered with "ok":false */
	uint64_t too_big;	  /* request lines over BL_CTL_MAX_REQUEST */
	uint64_t bad_request;	  /* malformed JSON, not an object, no "cmd" string */
	uint64_t unknown_command; /* "cmd" not registered */
	unsigned int clients;	  /* connected right now */
};

/*
 * Create the server: bind sock_path, chmod 0600, listen, non-blocking. A
 * socket file already at sock_path is replaced only when nobody answers on
 * it (a stale file of a dead daemon); a live one gives EADDRINUSE, and a
 * path that is not a socket gives EEXIST (never deleted). A missing parent
 * directory is created (one level, mode 0755). Returns the server, or NULL
 * with errno set (ENAMETOOLONG, EADDRINUSE, EEXIST, ENOMEM, or the failing
 * call's errno). Control thread; the caller frees it with bl_ctl_destroy.
 * The built-in command "help" is registered already.
 */
struct bl_ctl *bl_ctl_create(const char *sock_path);

/*
 * Register a command. `cmd` (1..BL_CTL_MAX_CMD_NAME bytes) and `help` are
 * copied; `arg` is passed to fn as is and stays the caller's. Returns 0,
 * -EEXIST if the name is taken, -EINVAL for a bad name or NULL fn, -ENOMEM.
 * Control thread.
 */
int bl_ctl_register(struct bl_ctl *c, const char *cmd, bl_ctl_handler fn, void *arg,
		    const char *help);

/*
 * Serve: wait up to timeout_ms (0: just look; never negative) for activity,
 * then accept new clients, read what arrived, dispatch complete request lines
 * and write replies as far as each socket takes them; close the clients idle
 * past the idle timeout (the wait ends early for them). When every slot is
 * taken, a new client gets the slot of the client that has made no progress
 * for the longest (closed, counted as evicted), so one can always connect;
 * only when every slot has a request waiting to be served is the new client
 * told "busy" and closed. Returns the number of
 * requests served, or -errno if the listening socket itself failed. Never
 * blocks longer than timeout_ms plus the time the handlers take. Control
 * thread.
 */
int bl_ctl_poll(struct bl_ctl *c, int timeout_ms);

/*
 * Dispatch a request in process, as if it came from the socket. *reply is
 * always set to a new object (the caller json_decref()s it), with "ok" and,
 * on error, "error" and "message". Returns 0, or the handler's -errno
 * (-EPROTO for a malformed request, -ENOSYS for an unknown command, -ENOMEM).
 * `req` is borrowed. Control thread.
 */
int bl_ctl_exec(struct bl_ctl *c, json_t *req, json_t **reply);

/*
 * Run a configuration file: one command per line in the bl_cmd grammar
 * (control/cmd.h); blank lines and '#' comments skipped. Stops at the first
 * failure with err = "<path>:<line>: <message>" and returns -EINVAL for a
 * grammar error or the handler's -errno; -ENOENT (or the open error) with
 * "<path>: ..." if the file cannot be opened. Commands before the failing
 * line stay applied. Control thread; blocks reading the file.
 */
int bl_ctl_load_config(struct bl_ctl *c, const char *path, char *err, size_t errlen);

/*
 * Another descriptor for the control thread's poll: when fd is readable (or
 * in error), bl_ctl_poll calls fn(arg) after it has served its clients, so
 * fn may call bl_ctl_exec. One watch per server (the HTTP metrics server's
 * epoll descriptor, control/metrics.h); fd -1 removes it. Returns 0, or
 * -EBUSY if another fd is watched already. Control thread.
 */
int bl_ctl_watch(struct bl_ctl *c, int fd, void (*fn)(void *arg), void *arg);

/* The listening socket's path (borrowed; valid until bl_ctl_destroy). */
const char *bl_ctl_path(const struct bl_ctl *c);

/*
 * Bound the unsent reply bytes per client: when a client has at least this
 * much pending and another reply is due, it is dropped (counted as
 * dropped_slow). Default BL_CTL_OUT_LIMIT. Control thread.
 */
void bl_ctl_set_out_limit(struct bl_ctl *c, size_t bytes);

/*
 * Close a client that makes no progress for ms milliseconds: it neither
 * completes a request line nor takes any of the replies owed to it (so a
 * client that connects and sends nothing, or half a line, or never reads,
 * is closed; counted as idle_closed). 0: never. Default BL_CTL_IDLE_MS.
 * Control thread.
 */
void bl_ctl_set_idle_timeout(struct bl_ctl *c, uint32_t ms);

/* The idle time set (0: none). Control thread. */
uint32_t bl_ctl_idle_timeout(const struct bl_ctl *c);

/* Copy the counters. Control thread. */
void bl_ctl_stats_get(const struct bl_ctl *c, struct bl_ctl_stats *st);

/*
 * Close every client and the listening socket, unlink the socket file if it
 * is still the one this server bound, free everything. NULL is a no-op.
 * Control thread.
 */
void bl_ctl_destroy(struct bl_ctl *c);

#endif /* BL_CTL_H */
