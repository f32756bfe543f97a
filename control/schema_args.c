/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A behaviour's "args" against its schema (see schema_args.h).
 *
 * The JSON value's kind picks the setter: an integer, a string (what the
 * command line sends for a word that is not all digits), true or false.
 * A kind the field's type does not take is refused the same way as a bad
 * value; a string field given a number says "a string", as the request
 * reader does for any field.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "actors/schema.h"
#include "control/args.h"
#include "control/errors.h"
#include "control/schema_args.h"

static int one_field(struct bl_args *a, const struct bl_field *f, const json_t *v, void *blob)
{
	unsigned takes = bl_field_takes(f);
	char expect[256];

	if (json_is_integer(v) && (takes & BL_FIELD_TAKES_INT))
		return bl_field_set_int(f, (int64_t)json_integer_value(v), blob, a->err, a->errlen);
	if (json_is_string(v) && (takes & BL_FIELD_TAKES_TEXT))
		return bl_field_set_text(f, json_string_value(v), blob, a->err, a->errlen);
	if (json_is_boolean(v) && (takes & BL_FIELD_TAKES_BOOL))
		return bl_field_set_bool(f, json_is_true(v), blob, a->err, a->errlen);
	if (f->type == BL_FIELD_STRING || f->type == BL_FIELD_PID)
		snprintf(expect, sizeof(expect), "a string");
	else
		bl_field_expect(f, expect, sizeof(expect));
	return bl_args_refuse(a, f->name, expect);
}

int bl_schema_args(const struct bl_module_desc *d, const json_t *args, void *blob, char *err,
		   size_t errlen)
{
	const char *names[BL_SCHEMA_FIELDS_MAX + 1];
	json_t *empty = NULL;
	struct bl_args a;
	int rc;

	memset(blob, 0, BL_ARGS_MAX);
	if (d->n_fields > BL_SCHEMA_FIELDS_MAX || d->args_size > BL_ARGS_MAX) {
		bl_err_set(err, errlen, "%s: a bad schema", d->name);
		return -EINVAL;
	}
	if (args == NULL)
		args = empty = json_object();
	rc = bl_args_open(&a, args, err, errlen);
	for (unsigned i = 0; i < d->n_fields; i++)
		names[i] = d->fields[i].name;
	names[d->n_fields] = NULL;
	if (rc == 0)
		rc = bl_args_only(&a, d->name, names);
	if (rc == 0)
		rc = bl_schema_defaults(d, blob, err, errlen);
	for (unsigned i = 0; rc == 0 && i < d->n_fields; i++) {
		const struct bl_field *f = &d->fields[i];
		const json_t *v = json_object_get(args, f->name);

		if (v == NULL) {
			if (f->dflt == NULL) {
				bl_err_set(err, errlen, "missing \"%s\"", f->name);
				rc = -EINVAL;
			}
			continue;
		}
		rc = one_field(&a, f, v, blob);
	}
	if (rc == 0 && d->check != NULL) {
		err[0] = '\0';
		rc = d->check(blob, err, errlen);
		if (rc != 0) {
			if (err[0] == '\0')
				bl_err_set(err, errlen, "%s: its arguments were refused", d->name);
			rc = -EINVAL;
		}
	}
	json_decref(empty);
	return rc;
}

void bl_schema_usage(const struct bl_module_desc *d, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < d->n_fields && used < len; i++) {
		const struct bl_field *f = &d->fields[i];
		const char *type = f->type < BL_FIELD_TYPE_MAX ? bl_field_type_names[f->type] : "?";
		char words[256];
		int w;

		if (f->type == BL_FIELD_ENUM && f->words != NULL) {
			/* The words themselves say more than "enum". */
			size_t u = 0;

			words[0] = '\0';
			for (unsigned k = 0; f->words[k] != NULL && u < sizeof(words); k++) {
				int n = snprintf(words + u, sizeof(words) - u, "%s%s", k ? "|" : "",
						 f->words[k]);

				if (n < 0)
					break;
				u += (size_t)n;
			}
			type = words;
		}

		if (f->dflt == NULL)
			w = snprintf(buf + used, len - used, "%s%s:%s", i ? " " : "", f->name,
				     type);
		else
			w = snprintf(buf + used, len - used, "%s[%s:%s=%s]", i ? " " : "", f->name,
				     type, f->dflt);
		if (w < 0)
			return;
		used += (size_t)w;
	}
}
