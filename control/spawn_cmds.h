/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What spawn and a supervised child have in common: a behaviour's "args"
 * decoded into the blob its init reads, and the words of "overflow".
 * Control thread.
 */
#ifndef BL_SPAWN_CMDS_H
#define BL_SPAWN_CMDS_H

#include <stddef.h>

#include <jansson.h>

#include "actors/proc.h"
#include "dataplane/router.h"

#define BL_SPAWN_ARGS_MAX 64u /* bytes of a behaviour's argument blob */

/*
 * Fill the argument blob of a built-in behaviour from a JSON "args" object
 * (NULL: none), read with control/args.h (unknown arguments refused). blob
 * must hold BL_SPAWN_ARGS_MAX bytes. Returns the behaviour, or NULL with a
 * message (unknown behaviour, bad argument). Control thread, RCU-online
 * (forward interns its next hop).
 */
const struct bl_behaviour *bl_spawn_args(struct bl_router *r, const char *behaviour,
					 const json_t *args, void *blob, char *err, size_t errlen);

/*
 * The mailbox overflow policies as a request's "overflow" names them, in
 * enum bl_overflow's order (the process options store the index + 1).
 */
#define BL_SPAWN_OVERFLOW_N 4u
extern const char *const bl_spawn_overflow_names[BL_SPAWN_OVERFLOW_N];

#endif /* BL_SPAWN_CMDS_H */
