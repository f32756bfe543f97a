/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one name rule of beamline: registered process names, group names,
 * supervisor and child ids, behaviour names in the catalog and route targets
 * are 1..BL_NAME_MAX-1 printable ASCII characters without blanks. The
 * registry, the supervisors and the control plane's grammar all check names
 * with bl_name_check, so a name one of them accepts the others accept too.
 *
 * Header only and free of DPDK: the CLI (control/cmd.c) uses it as well.
 */
#ifndef BL_ACTORS_NAME_H
#define BL_ACTORS_NAME_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BL_NAME_MAX 32u /* bytes with the terminating NUL */

/*
 * Check name, read up to max_len bytes (it must be NUL-terminated within
 * them; SIZE_MAX: a C string of any length). Returns its length (1..
 * BL_NAME_MAX-1), or -EINVAL when it is NULL, empty, too long, has no NUL
 * within max_len, or holds a blank, a control character or a byte outside
 * printable ASCII. Any thread; never blocks.
 */
static inline int bl_name_check(const char *name, size_t max_len)
{
	size_t n, i;

	if (name == NULL || max_len == 0)
		return -EINVAL;
	n = strnlen(name, max_len < BL_NAME_MAX ? max_len : BL_NAME_MAX);
	if (n == 0 || n >= BL_NAME_MAX || n == max_len)
		return -EINVAL; /* empty, too long, or no NUL within max_len */
	for (i = 0; i < n; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return -EINVAL;
	return (int)n;
}

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_NAME_H */
