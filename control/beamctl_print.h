/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamctl's output without --json: replies as aligned tables and key/value
 * blocks (docs/cli.md, "Output"). CLI code only (no DPDK); writes stdout.
 */
#ifndef BL_CTL_BEAMCTL_PRINT_H
#define BL_CTL_BEAMCTL_PRINT_H

#include <jansson.h>

/*
 * An array of objects as an aligned table under title (NULL: no title line).
 * cols: the keys to show, NULL-terminated (NULL: the union of every row's
 * keys, in first-seen order; at most 32). Numeric columns are right
 * aligned; a missing cell prints "-"; no rows print "(none)".
 */
void bl_beamctl_print_table(const char *title, const json_t *rows, const char *const *cols);

/*
 * Print the "ok" reply r of command cmd (its "cmd" name) the way beamctl
 * shows it: status, stats and route counts have their own layout, anything
 * else the generic one.
 */
void bl_beamctl_print_reply(const char *cmd, const json_t *r);

#endif /* BL_CTL_BEAMCTL_PRINT_H */
