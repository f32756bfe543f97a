/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What spawn and a supervised child have in common: a behaviour's "args"
 * decoded into the blob its init reads, and the words of "overflow".
 * Control thread.
 */
#ifndef BL_SPAWN_CMDS_H
#define BL_SPAWN_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "actors/proc.h"
#include "dataplane/router.h"

#define BL_SPAWN_ARGS_MAX BL_ARGS_MAX /* bytes of a behaviour's argument blob */

/*
 * The behaviour named behaviour in the router's catalog, its argument
 * blob filled from a JSON "args" object (NULL: none) against its schema
 * (control/schema_args.h), its host hook run (forward interns its next
 * hop). blob must hold BL_ARGS_MAX bytes; *blob_len (if not NULL) gets
 * the bytes init reads (0: init gets NULL). Returns the behaviour to
 * spawn, or NULL with a message (unknown behaviour, bad argument).
 * Control thread, RCU-online.
 */
const struct bl_behaviour *bl_spawn_args(struct bl_router *r, const char *behaviour,
					 const json_t *args, void *blob, uint32_t *blob_len,
					 char *err, size_t errlen);

/* Whether beh sends on the wire (never on the control lcore). */
bool bl_spawn_transmits(const struct bl_behaviour *beh);

/* Attach the router's host hooks to the built-ins that need one (forward). Control thread. */
int bl_spawn_host_hooks(struct bl_router *r);

/*
 * The mailbox overflow policies as a request's "overflow" names them, in
 * enum bl_overflow's order (the process options store the index + 1).
 */
#define BL_SPAWN_OVERFLOW_N 4u
extern const char *const bl_spawn_overflow_names[BL_SPAWN_OVERFLOW_N];

#endif /* BL_SPAWN_CMDS_H */
