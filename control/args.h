/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one reader of a request's fields, for every command handler of the
 * daemon (and the nested objects they decode: a route, a behaviour's
 * "args", a batch op). A handler declares the fields it takes and reads
 * each with a typed getter that says whether the field is required or what
 * its default is. Every refusal has the same wording, naming the field:
 *
 *   missing "id"                                     required, absent
 *   "top" must be an integer in 1..10000, not 0      out of range
 *   "top" must be an integer in 1..10000, not 'ten'  wrong type
 *   unknown field "cuont" for spawn (it takes: behaviour, name, ...)
 *
 * "<got>" shows the value given: an integer or real as is, a string quoted
 * (cut at 40 bytes), true, false, null, "an object" or "an array". The
 * errno is always -EINVAL (the reply's "invalid_argument").
 *
 * No DPDK; control thread (or any thread that owns the bl_args). Nothing
 * is allocated: strings and JSON values handed out are borrowed from the
 * object read and live as long as it does.
 */
#ifndef BL_CTL_ARGS_H
#define BL_CTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "control/cmd_route.h"

/* Whether a field must be there; an optional one absent takes the getter's default. */
enum bl_arg_need {
	BL_ARG_OPTIONAL = 0,
	BL_ARG_REQUIRED,
	BL_ARG_NULLABLE, /* optional, and null means absent (route.list's "cursor") */
};

/* A reader over one JSON object. Fill it with bl_args_open or bl_args_open_request. */
struct bl_args {
	const json_t *obj;
	bool request; /* a request: its "cmd" member is never an unknown field */
	char *err;    /* where messages go (errlen bytes) */
	size_t errlen;
};

/*
 * Read obj (borrowed; a nested object of a request). Returns 0, or -EINVAL
 * with "expected an object, not <got>" when it is not an object. Members
 * are not checked: call bl_args_only once the fields it may have are known.
 */
int bl_args_open(struct bl_args *a, const json_t *obj, char *err, size_t errlen);

/*
 * Read a request: bl_args_open, then bl_args_only with the request's own
 * "cmd" as what. fields: the names it takes besides "cmd", NULL-terminated
 * (a list of just NULL: none). Returns 0 or -EINVAL (unknown field).
 */
int bl_args_open_request(struct bl_args *a, const json_t *req, const char *const *fields, char *err,
			 size_t errlen);

/* A request that takes no field but "cmd" (status, stats, ...): bl_args_open_request with none. */
int bl_args_none(const json_t *req, char *err, size_t errlen);

/*
 * Refuse a member whose name is not in fields (NULL-terminated), "cmd"
 * excepted in a request: -EINVAL with `unknown field "X" for <what> (it
 * takes: a, b)` or `(it takes none)`. Returns 0 when every member is known.
 */
int bl_args_only(struct bl_args *a, const char *what, const char *const *fields);

/* Whether the field is there (null included). */
bool bl_args_has(const struct bl_args *a, const char *name);

/*
 * The getters. Each returns 0 with *out set (to the value, or to dflt when
 * an optional field is absent), or -EINVAL with the message in a->err.
 */

/* An integer in min..max. */
int bl_args_u64(struct bl_args *a, const char *name, enum bl_arg_need need, uint64_t dflt,
		uint64_t min, uint64_t max, uint64_t *out);
int bl_args_i64(struct bl_args *a, const char *name, enum bl_arg_need need, int64_t dflt,
		int64_t min, int64_t max, int64_t *out);

/* true or false. */
int bl_args_bool(struct bl_args *a, const char *name, enum bl_arg_need need, bool dflt, bool *out);

/* A string of min_len..max_len bytes (max_len 0: any length). */
int bl_args_str(struct bl_args *a, const char *name, enum bl_arg_need need, const char *dflt,
		size_t min_len, size_t max_len, const char **out);

/*
 * A string of any length and its length in bytes, NUL bytes included (a
 * route.batch "text"); absent optional: NULL and 0.
 */
int bl_args_text(struct bl_args *a, const char *name, enum bl_arg_need need, const char **out,
		 size_t *len);

/* A process, group or supervision name (actors/name.h's rule); absent optional: NULL. */
int bl_args_name(struct bl_args *a, const char *name, enum bl_arg_need need, const char **out);

/* One of the n words names[0..n): *out is its index. */
int bl_args_enum(struct bl_args *a, const char *name, enum bl_arg_need need, unsigned int dflt,
		 const char *const *names, unsigned int n, unsigned int *out);

/* An integer in min..max, or one of a few words standing for a value ("any", "infinity"). */
struct bl_args_word {
	const char *word;
	uint64_t value;
};
int bl_args_u64_or_word(struct bl_args *a, const char *name, enum bl_arg_need need, uint64_t dflt,
			uint64_t min, uint64_t max, const struct bl_args_word *words,
			unsigned int nwords, uint64_t *out);

/* A route key: an integer >= 0, a decimal or 0x-hex string, or "default". */
int bl_args_key(struct bl_args *a, const char *name, enum bl_arg_need need, struct bl_cmd_key dflt,
		struct bl_cmd_key *out);

/* An array or an object, borrowed; absent optional: NULL. */
int bl_args_array(struct bl_args *a, const char *name, enum bl_arg_need need, const json_t **out);
int bl_args_object(struct bl_args *a, const char *name, enum bl_arg_need need, const json_t **out);

/*
 * For a check a getter cannot make (a key that may not be "default"):
 * `"<name>" must be <expected>, not <got>` for the field's value. Returns
 * -EINVAL.
 */
int bl_args_refuse(struct bl_args *a, const char *name, const char *expected);

#endif /* BL_CTL_ARGS_H */
