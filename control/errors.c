/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "control/errors.h"

static const struct {
	int err;
	const char *name;
} bl_err_table[] = {
	{ EINVAL, BL_ERR_INVALID_ARGUMENT },
	{ ENOENT, BL_ERR_NOT_FOUND },
	{ EEXIST, BL_ERR_EXISTS },
	{ ENOSPC, BL_ERR_NO_SPACE },
	{ E2BIG, BL_ERR_TOO_BIG },
	{ ENODEV, BL_ERR_NO_DEVICE },
	{ EBUSY, BL_ERR_BUSY },
	{ ENOSYS, BL_ERR_UNKNOWN_COMMAND },
	{ EPROTO, BL_ERR_BAD_REQUEST },
	{ ETIMEDOUT, BL_ERR_TIMEOUT },
	{ ESRCH, BL_ERR_NOT_RUNNING },
	{ EALREADY, BL_ERR_ALREADY },
	{ ENOEXEC, BL_ERR_NOT_LOADABLE },
	{ EPERM, BL_ERR_NOT_PERMITTED },
	{ ENOTCONN, BL_ERR_NOT_CONNECTED },
	{ EAGAIN, BL_ERR_TRY_AGAIN },
};

#define BL_ERR_TABLE_LEN (sizeof(bl_err_table) / sizeof(bl_err_table[0]))

const char *bl_err_name(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < BL_ERR_TABLE_LEN; i++)
		if (bl_err_table[i].err == err)
			return bl_err_table[i].name;
	return BL_ERR_GENERIC;
}

int bl_err_from_name(const char *name)
{
	if (name == NULL)
		return 0;
	for (size_t i = 0; i < BL_ERR_TABLE_LEN; i++)
		if (strcmp(bl_err_table[i].name, name) == 0)
			return bl_err_table[i].err;
	return 0;
}

int bl_err_entry(unsigned int i, int *err, const char **name)
{
	if (i >= BL_ERR_TABLE_LEN)
		return -ENOENT;
	if (err != NULL)
		*err = bl_err_table[i].err;
	if (name != NULL)
		*name = bl_err_table[i].name;
	return 0;
}

void bl_err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
