/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request field reader: design note.
 *
 * Every refusal goes through two functions, missing() and refuse(), so the
 * wording cannot drift between getters: `missing "<name>"` and
 * `"<name>" must be <expected>, not <got>`. A getter only says what it
 * expected. Wrong type and out of range are the same sentence: the value
 * shown says which it was.
 *
 * Unknown fields are a separate step (bl_args_only) because a nested
 * object's fields may depend on one of its members (a route's "action"):
 * the decoder reads that member first, then declares the rest.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "control/args.h"
#include "control/errors.h"

#define GOT_STR_MAX 40 /* bytes of a string value quoted in a message */
#define EXPECT_MAX  256

/* ---- messages ---- */

/* What a value is, as a message shows it after "not". */
static void describe(const json_t *v, char *buf, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		break;
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t n = strlen(s), cut = n;

		if (n > GOT_STR_MAX) {
			/* Cut on a UTF-8 character boundary: the reply must stay valid UTF-8. */
			cut = GOT_STR_MAX;
			while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
				cut--;
		}
		snprintf(buf, len, "'%.*s%s'", (int)cut, s, cut < n ? "..." : "");
		break;
	}
	case JSON_TRUE:
		snprintf(buf, len, "true");
		break;
	case JSON_FALSE:
		snprintf(buf, len, "false");
		break;
	case JSON_NULL:
		snprintf(buf, len, "null");
		break;
	case JSON_OBJECT:
		snprintf(buf, len, "an object");
		break;
	default:
		snprintf(buf, len, "an array");
		break;
	}
}

static int missing(struct bl_args *a, const char *name)
{
	bl_err_set(a->err, a->errlen, "missing \"%s\"", name);
	return -EINVAL;
}

/* The one sentence of a value refused; got NULL: describe v. */
static int refuse(struct bl_args *a, const char *name, const char *expected, const json_t *v,
		  const char *got)
{
	char buf[GOT_STR_MAX + 16];

	if (got == NULL) {
		describe(v, buf, sizeof(buf));
		got = buf;
	}
	bl_err_set(a->err, a->errlen, "\"%s\" must be %s, not %s", name, expected, got);
	return -EINVAL;
}

/* "a, b or c" of n words into buf. */
static void word_list(const char *const *names, unsigned int n, const char *last_sep, char *buf,
		      size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < n && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? last_sep : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep, names[i]);

		if (w < 0)
			return;
		used += (size_t)w;
	}
}

/*
 * The field's value: 0 with *v set, 1 when absent (the caller takes its
 * default), -EINVAL when absent and required.
 */
static int lookup(struct bl_args *a, const char *name, enum bl_arg_need need, const json_t **v)
{
	*v = json_object_get(a->obj, name);
	if (*v != NULL && need == BL_ARG_NULLABLE && json_is_null(*v))
		*v = NULL;
	if (*v != NULL)
		return 0;
	return need == BL_ARG_REQUIRED ? missing(a, name) : 1;
}

/* ---- opening and unknown fields ---- */

int bl_args_open(struct bl_args *a, const json_t *obj, char *err, size_t errlen)
{
	char got[GOT_STR_MAX + 16];

	a->obj = obj;
	a->request = false;
	a->err = err;
	a->errlen = errlen;
	if (json_is_object(obj))
		return 0;
	if (obj == NULL)
		snprintf(got, sizeof(got), "nothing");
	else
		describe(obj, got, sizeof(got));
	bl_err_set(err, errlen, "expected an object, not %s", got);
	return -EINVAL;
}

int bl_args_open_request(struct bl_args *a, const json_t *req, const char *const *fields, char *err,
			 size_t errlen)
{
	const char *cmd;
	int rc = bl_args_open(a, req, err, errlen);

	if (rc != 0)
		return rc;
	a->request = true;
	cmd = json_string_value(json_object_get(req, "cmd"));
	return bl_args_only(a, cmd != NULL ? cmd : "this request", fields);
}

int bl_args_none(const json_t *req, char *err, size_t errlen)
{
	struct bl_args a;

	return bl_args_open_request(&a, req, NULL, err, errlen);
}

int bl_args_only(struct bl_args *a, const char *what, const char *const *fields)
{
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)a->obj, k, v) {
		char list[EXPECT_MAX];
		unsigned int n = 0;
		bool known = a->request && strcmp(k, "cmd") == 0;

		for (; fields != NULL && fields[n] != NULL; n++)
			known |= strcmp(fields[n], k) == 0;
		if (known)
			continue;
		if (n == 0) {
			bl_err_set(a->err, a->errlen, "unknown field \"%s\" for %s (it takes none)",
				   k, what);
		} else {
			word_list(fields, n, ", ", list, sizeof(list));
			bl_err_set(a->err, a->errlen, "unknown field \"%s\" for %s (it takes: %s)",
				   k, what, list);
		}
		return -EINVAL;
	}
	return 0;
}

bool bl_args_has(const struct bl_args *a, const char *name)
{
	return json_object_get(a->obj, name) != NULL;
}

int bl_args_refuse(struct bl_args *a, const char *name, const char *expected)
{
	const json_t *v = json_object_get(a->obj, name);

	return refuse(a, name, expected, v, v == NULL ? "nothing" : NULL);
}

/* ---- getters ---- */

int bl_args_u64(struct bl_args *a, const char *name, enum bl_arg_need need, uint64_t dflt,
		uint64_t min, uint64_t max, uint64_t *out)
{
	char expected[EXPECT_MAX];
	const json_t *v;
	int rc = lookup(a, name, need, &v);

	if (rc > 0) {
		*out = dflt;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    (uint64_t)json_integer_value(v) >= min && (uint64_t)json_integer_value(v) <= max) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	snprintf(expected, sizeof(expected), "an integer in %" PRIu64 "..%" PRIu64, min, max);
	return refuse(a, name, expected, v, NULL);
}

int bl_args_i64(struct bl_args *a, const char *name, enum bl_arg_need need, int64_t dflt,
		int64_t min, int64_t max, int64_t *out)
{
	char expected[EXPECT_MAX];
	const json_t *v;
	int rc = lookup(a, name, need, &v);

	if (rc > 0) {
		*out = dflt;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max) {
		*out = json_integer_value(v);
		return 0;
	}
	snprintf(expected, sizeof(expected), "an integer in %" PRId64 "..%" PRId64, min, max);
	return refuse(a, name, expected, v, NULL);
}

int bl_args_bool(struct bl_args *a, const char *name, enum bl_arg_need need, bool dflt, bool *out)
{
	const json_t *v;
	int rc = lookup(a, name, need, &v);

	if (rc > 0) {
		*out = dflt;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (!json_is_boolean(v))
		return refuse(a, name, "true or false", v, NULL);
	*out = json_is_true(v);
	return 0;
}

int bl_args_str(struct bl_args *a, const char *name, enum bl_arg_need need, const char *dflt,
		size_t min_len, size_t max_len, const char **out)
{
	char expected[EXPECT_MAX], got[64];
	const json_t *v;
	size_t n;
	int rc = lookup(a, name, need, &v);

	if (rc > 0) {
		*out = dflt;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (max_len == 0 && min_len == 0)
		snprintf(expected, sizeof(expected), "a string");
	else if (max_len == 0)
		snprintf(expected, sizeof(expected), "a string of at least %zu bytes", min_len);
	else
		snprintf(expected, sizeof(expected), "a string of %zu..%zu bytes", min_len,
			 max_len);
	if (!json_is_string(v))
		return refuse(a, name, expected, v, NULL);
	n = json_string_length(v);
	if (n < min_len)
		return refuse(a, name, expected, v, NULL);
	if (max_len != 0 && n > max_len) {
		snprintf(got, sizeof(got), "a string of %zu bytes", n);
		return refuse(a, name, expected, v, got);
	}
	*out = json_string_value(v);
	return 0;
}

int bl_args_text(struct bl_args *a, const char *name, enum bl_arg_need need, const char **out,
		 size_t *len)
{
	int rc = bl_args_str(a, name, need, NULL, 0, 0, out);

	*len = rc == 0 && *out != NULL ? json_string_length(json_object_get(a->obj, name)) : 0;
	return rc;
}

int bl_args_name(struct bl_args *a, const char *name, enum bl_arg_need need, const char **out)
{
	char expected[EXPECT_MAX];
	const json_t *v;
	int rc = lookup(a, name, need, &v);

	if (rc > 0) {
		*out = NULL;
		return 0;
	}
	if (rc < 0)
		return rc;
	/* A NUL inside the JSON string would cut the name: not printable either. */
	if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v) &&
	    bl_name_check(json_string_value(v), SIZE_MAX) > 0) {
		*out = json_string_value(v);
		return 0;
	}
	snprintf(expected, sizeof(expected),
		 "a name of 1..%u printable ASCII characters without blanks", BL_NAME_MAX - 1);
	return refuse(a, name, expected, v, NULL);
}

int bl_args_enum(struct bl_args *a, const char *name, enum bl_arg_need need, unsigned int dflt,
		 const char *const *names, unsigned int n, unsigned int *out)
{
	char expected[EXPECT_MAX];
	const json_t *v;
	int rc = lookup(a, name, need, &v);

	if (rc > 0) {
		*out = dflt;
		return 0;
	}
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; json_is_string(v) && i < n; i++) {
		if (strcmp(json_string_value(v), names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	word_list(names, n, " or ", expected, sizeof(expected));
	return refuse(a, name, expected, v, NULL);
}

int bl_args_u64_or_word(struct bl_args *a, const char *name, enum bl_arg_need need, uint64_t dflt,
			uint64_t min, uint64_t max, const struct bl_args_word *words,
			unsigned int nwords, uint64_t *out)
{
	char expected[EXPECT_MAX];
	const json_t *v;
	size_t used;
	int rc = lookup(a, name, need, &v);

	if (rc > 0) {
		*out = dflt;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    (uint64_t)json_integer_value(v) >= min && (uint64_t)json_integer_value(v) <= max) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	for (unsigned int i = 0; json_is_string(v) && i < nwords; i++) {
		if (strcmp(json_string_value(v), words[i].word) == 0) {
			*out = words[i].value;
			return 0;
		}
	}
	used = (size_t)snprintf(expected, sizeof(expected), "an integer in %" PRIu64 "..%" PRIu64,
				min, max);
	for (unsigned int i = 0; i < nwords && used < sizeof(expected); i++) {
		int w = snprintf(expected + used, sizeof(expected) - used, "%s%s",
				 i + 1 == nwords ? " or " : ", ", words[i].word);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return refuse(a, name, expected, v, NULL);
}

int bl_args_key(struct bl_args *a, const char *name, enum bl_arg_need need, struct bl_cmd_key dflt,
		struct bl_cmd_key *out)
{
	char ignored[128];
	const json_t *v;
	int rc = lookup(a, name, need, &v);

	if (rc > 0) {
		*out = dflt;
		return 0;
	}
	if (rc < 0)
		return rc;
	/* The key codec decides; only the sentence is the reader's. */
	if (bl_cmd_key_from_json(v, out, ignored, sizeof(ignored)) == 0)
		return 0;
	return refuse(a, name, "a u64 (an integer, or a decimal or 0x-hex string) or \"default\"",
		      v, NULL);
}

int bl_args_array(struct bl_args *a, const char *name, enum bl_arg_need need, const json_t **out)
{
	const json_t *v;
	int rc = lookup(a, name, need, &v);

	if (rc > 0) {
		*out = NULL;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (!json_is_array(v))
		return refuse(a, name, "an array", v, NULL);
	*out = v;
	return 0;
}

int bl_args_object(struct bl_args *a, const char *name, enum bl_arg_need need, const json_t **out)
{
	const json_t *v;
	int rc = lookup(a, name, need, &v);

	if (rc > 0) {
		*out = NULL;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (!json_is_object(v))
		return refuse(a, name, "an object", v, NULL);
	*out = v;
	return 0;
}
