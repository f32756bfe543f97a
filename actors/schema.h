/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Argument schemas (struct bl_field, sdk/beamline/behaviour.h): checking a
 * descriptor's schema, and setting one field of an argument struct from a
 * value, for every behaviour alike, built in or loaded.
 *
 * A value comes as text (a default in the descriptor, a word an operator
 * typed), as an integer or as a boolean; which of those a type takes is
 * bl_field_takes. Every refusal is one sentence naming the field:
 *
 *   "max_keys" must be an integer in 0..65536, not 65537
 *   "window" must be a duration in 1..3600000 ms (a number with ms, s, m or h), not 'soon'
 *
 * No DPDK, no JSON, nothing allocated: any thread.
 */
#ifndef BL_ACTORS_SCHEMA_H
#define BL_ACTORS_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdk/beamline/behaviour.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BL_SCHEMA_FIELDS_MAX 32u /* fields of one behaviour */

/* "u64", "i64", "string", ...: the word of each enum bl_field_type (index 0: "?"). */
extern const char *const bl_field_type_names[BL_FIELD_TYPE_MAX];

/* What a field takes: bit set of the value kinds. */
#define BL_FIELD_TAKES_TEXT 0x1u
#define BL_FIELD_TAKES_INT  0x2u
#define BL_FIELD_TAKES_BOOL 0x4u
unsigned bl_field_takes(const struct bl_field *f);

/* The phrase after "must be" for f ("an integer in 0..65536"). */
void bl_field_expect(const struct bl_field *f, char *buf, size_t len);

/*
 * Set field f in blob (the argument struct) from text, an integer or a
 * boolean. 0, or -EINVAL with the sentence in err (a kind f does not take
 * is refused too).
 */
int bl_field_set_text(const struct bl_field *f, const char *text, void *blob, char *err,
		      size_t errlen);
int bl_field_set_int(const struct bl_field *f, int64_t v, void *blob, char *err, size_t errlen);
int bl_field_set_bool(const struct bl_field *f, bool v, void *blob, char *err, size_t errlen);

/*
 * Words a schema field may not be called: the spawn and sup child requests'
 * own (name, lcore, count, ...), which the command line would take for
 * them. NULL-terminated.
 */
extern const char *const bl_schema_reserved[];

/*
 * Check d's schema: every field well formed (a name by the name rule, not
 * reserved, unique; a known type; inside args_size; a size the type can
 * hold; a range inside it; enum words), every default valid. 0, or -EINVAL
 * with "field "x": why" in err.
 */
int bl_schema_check(const struct bl_module_desc *d, char *err, size_t errlen);

/* Zero blob (d->args_size bytes) and set every default. 0 or -EINVAL (a bad default). */
int bl_schema_defaults(const struct bl_module_desc *d, void *blob, char *err, size_t errlen);

/* The field named name, or NULL. */
const struct bl_field *bl_schema_field(const struct bl_module_desc *d, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_SCHEMA_H */
