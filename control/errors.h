/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one error table of the control plane. A handler returns -errno; the
 * control socket turns that errno into a stable error name that beamctl,
 * scripts and docs/cli.md rely on. Names never change once published;
 * errnos not in the table are reported as "error".
 */
#ifndef BL_CTL_ERRORS_H
#define BL_CTL_ERRORS_H

#include <stddef.h>

/* Error names (stable, part of the protocol). */
#define BL_ERR_INVALID_ARGUMENT "invalid_argument"
#define BL_ERR_NOT_FOUND	"not_found"
#define BL_ERR_EXISTS		"exists"
#define BL_ERR_NO_SPACE		"no_space"
#define BL_ERR_TOO_BIG		"too_big"
#define BL_ERR_NO_DEVICE	"no_device"
#define BL_ERR_BUSY		"busy"
#define BL_ERR_TIMEOUT		"timeout"      /* a worker lcore did not answer in time */
#define BL_ERR_NOT_RUNNING	"not_running"  /* the process or tree does not run */
#define BL_ERR_ALREADY		"already"      /* it runs already */
#define BL_ERR_NOT_LOADABLE	"not_loadable" /* a module: not a module, or built for another ABI */
#define BL_ERR_NOT_PERMITTED	"not_permitted" /* unloading a built-in behaviour */
#define BL_ERR_NOT_CONNECTED	"not_connected" /* a cluster command on a node in no cluster */
#define BL_ERR_TRY_AGAIN	"try_again"	/* etcd unreachable now, or its write queue full */
#define BL_ERR_UNKNOWN_COMMAND	"unknown_command"
#define BL_ERR_BAD_REQUEST	"bad_request"
#define BL_ERR_GENERIC		"error"

/*
 * Name of an errno value, positive or negative (EINVAL and -EINVAL give the
 * same). Never NULL: unknown values give "error". Any thread; the string is
 * static.
 */
const char *bl_err_name(int err);

/*
 * Inverse of bl_err_name: the positive errno of a table name, or 0 if the
 * name is not in the table ("error" included, since it has no single errno).
 * Any thread.
 */
int bl_err_from_name(const char *name);

/*
 * Walk the table in order: the i-th entry's errno and name, for documentation
 * and tests. Returns 0, or -ENOENT past the end. Any thread.
 */
int bl_err_entry(unsigned int i, int *err, const char **name);

/*
 * Write a one-line message for an error reply into err (errlen bytes),
 * printf style, cut to fit. Does nothing when err is NULL or errlen is 0.
 * The one message setter of control/: handlers, the grammar and the
 * argument reader all use it. Any thread.
 */
void bl_err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* BL_CTL_ERRORS_H */
