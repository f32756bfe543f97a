/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A behaviour's "args" object read against its schema (actors/schema.h),
 * for spawn and sup child alike, built-ins and modules alike: every
 * default set, every given field checked and stored, an unknown field
 * refused (`unknown field "x" for counter (it takes: max_keys)`), a
 * missing required one too (`missing "to"`), then the descriptor's own
 * check. Each refusal is one sentence naming the field.
 *
 * Control thread (no DPDK, nothing allocated).
 */
#ifndef BL_CTL_SCHEMA_ARGS_H
#define BL_CTL_SCHEMA_ARGS_H

#include <stddef.h>

#include <jansson.h>

#include "sdk/beamline/behaviour.h"

/*
 * Fill blob (BL_ARGS_MAX bytes; d->args_size of them used) from args (an
 * object, borrowed; NULL: none given). 0, or -EINVAL with the message.
 */
int bl_schema_args(const struct bl_module_desc *d, const json_t *args, void *blob, char *err,
		   size_t errlen);

/*
 * The schema in the words of the command line: "to:pid" for a required
 * field, "[udp:u64=7447]" for one with a default, an enum's words instead
 * of its type ("[mode:forward|copy=forward]"), space-separated; "" for
 * none. Into buf (len bytes, cut if short).
 */
void bl_schema_usage(const struct bl_module_desc *d, char *buf, size_t len);

#endif /* BL_CTL_SCHEMA_ARGS_H */
