/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Argument schemas (see schema.h).
 *
 * Integers are stored with the width the field declares (1, 2, 4 or 8
 * bytes, host order, through memcpy: the struct's alignment is the
 * author's); a range of 0..0 means the width's whole range. Durations are
 * milliseconds, sizes bytes, both unsigned. Text is parsed in full: a
 * number with trailing garbage, an overflow or a value out of range is
 * refused, never cut.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actors/name.h"
#include "actors/pid.h"
#include "actors/schema.h"

#define GOT_MAX 40 /* bytes of a text value quoted in a message */

const char *const bl_field_type_names[BL_FIELD_TYPE_MAX] = {
	[0] = "?",
	[BL_FIELD_U64] = "u64",
	[BL_FIELD_I64] = "i64",
	[BL_FIELD_STRING] = "string",
	[BL_FIELD_NAME] = "name",
	[BL_FIELD_PID] = "pid",
	[BL_FIELD_DURATION] = "duration",
	[BL_FIELD_SIZE] = "size",
	[BL_FIELD_BOOL] = "bool",
	[BL_FIELD_ENUM] = "enum",
	[BL_FIELD_KEY] = "key",
};

const char *const bl_schema_reserved[] = {
	"cmd",	 "behaviour",	  "name",	"lcore",    "group",
	"count", "mailbox_limit", "heap_limit", "overflow", "hibernate_after_ms",
	"args",	 "sup",		  "id",		"restart",  "shutdown",
	NULL,
};

static bool is_unsigned(uint32_t type)
{
	return type == BL_FIELD_U64 || type == BL_FIELD_DURATION || type == BL_FIELD_SIZE ||
	       type == BL_FIELD_ENUM || type == BL_FIELD_KEY;
}

static bool int_width(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static uint64_t umax_of(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;
}

static int64_t smax_of(uint32_t size)
{
	return size >= 8 ? INT64_MAX : (int64_t)((UINT64_C(1) << (8 * size - 1)) - 1);
}

/* The range a field's value must be in (unsigned types). */
static void urange(const struct bl_field *f, uint64_t *lo, uint64_t *hi)
{
	if (f->min == 0 && f->max == 0) {
		*lo = 0;
		*hi = umax_of(f->size);
	} else {
		*lo = f->min;
		*hi = f->max;
	}
}

static void srange(const struct bl_field *f, int64_t *lo, int64_t *hi)
{
	if (f->min == 0 && f->max == 0) {
		*hi = smax_of(f->size);
		*lo = -*hi - 1;
	} else {
		*lo = (int64_t)f->min;
		*hi = (int64_t)f->max;
	}
}

static unsigned n_words(const struct bl_field *f)
{
	unsigned n = 0;

	while (f->words != NULL && f->words[n] != NULL && n < 256)
		n++;
	return n;
}

/* Longest string a STRING or NAME field takes. */
static size_t str_max(const struct bl_field *f)
{
	size_t room = f->size > 0 ? f->size - 1 : 0;

	if (f->type == BL_FIELD_NAME)
		return BL_NAME_MAX - 1;
	return f->max != 0 && f->max < room ? (size_t)f->max : room;
}

unsigned bl_field_takes(const struct bl_field *f)
{
	switch (f->type) {
	case BL_FIELD_U64:
	case BL_FIELD_I64:
		return BL_FIELD_TAKES_INT;
	case BL_FIELD_DURATION:
	case BL_FIELD_SIZE:
	case BL_FIELD_KEY:
		return BL_FIELD_TAKES_INT | BL_FIELD_TAKES_TEXT;
	case BL_FIELD_BOOL:
		return BL_FIELD_TAKES_BOOL | BL_FIELD_TAKES_INT | BL_FIELD_TAKES_TEXT;
	default:
		return BL_FIELD_TAKES_TEXT;
	}
}

void bl_field_expect(const struct bl_field *f, char *buf, size_t len)
{
	uint64_t lo, hi;
	int64_t slo, shi;
	size_t used = 0;
	unsigned n;

	switch (f->type) {
	case BL_FIELD_U64:
		urange(f, &lo, &hi);
		snprintf(buf, len, "an integer in %" PRIu64 "..%" PRIu64, lo, hi);
		return;
	case BL_FIELD_I64:
		srange(f, &slo, &shi);
		snprintf(buf, len, "an integer in %" PRId64 "..%" PRId64, slo, shi);
		return;
	case BL_FIELD_DURATION:
		urange(f, &lo, &hi);
		snprintf(buf, len,
			 "a duration in %" PRIu64 "..%" PRIu64 " ms (a number with ms, s, m or h)",
			 lo, hi);
		return;
	case BL_FIELD_SIZE:
		urange(f, &lo, &hi);
		snprintf(buf, len,
			 "a size in %" PRIu64 "..%" PRIu64 " bytes (a number with k, M or G)", lo,
			 hi);
		return;
	case BL_FIELD_BOOL:
		snprintf(buf, len, "true or false");
		return;
	case BL_FIELD_KEY:
		snprintf(buf, len, "a u64 key");
		return;
	case BL_FIELD_NAME:
		snprintf(buf, len, "a name of 1..%u printable ASCII characters without blanks",
			 BL_NAME_MAX - 1);
		return;
	case BL_FIELD_PID:
		snprintf(buf, len, "a pid <L.S.G> or a registered name");
		return;
	case BL_FIELD_STRING:
		if (f->min != 0)
			snprintf(buf, len, "a string of %" PRIu64 "..%zu bytes", f->min,
				 str_max(f));
		else
			snprintf(buf, len, "a string of at most %zu bytes", str_max(f));
		return;
	case BL_FIELD_ENUM:
		n = n_words(f);
		buf[0] = '\0';
		for (unsigned i = 0; i < n && used < len; i++) {
			int w = snprintf(buf + used, len - used, "%s%s",
					 i == 0	      ? ""
					 : i + 1 == n ? " or "
						      : ", ",
					 f->words[i]);

			if (w < 0)
				return;
			used += (size_t)w;
		}
		return;
	default:
		snprintf(buf, len, "a value");
		return;
	}
}

/* `"name" must be <expect>, not <got>`: -EINVAL. */
static int refuse(const struct bl_field *f, const char *got, char *err, size_t errlen)
{
	char expect[256];

	bl_field_expect(f, expect, sizeof(expect));
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "\"%s\" must be %s, not %s", f->name, expect, got);
	return -EINVAL;
}

static void put_uint(void *blob, const struct bl_field *f, uint64_t v)
{
	uint8_t *p = (uint8_t *)blob + f->offset;
	uint8_t v8 = (uint8_t)v;
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;

	switch (f->size) {
	case 1:
		memcpy(p, &v8, 1);
		break;
	case 2:
		memcpy(p, &v16, 2);
		break;
	case 4:
		memcpy(p, &v32, 4);
		break;
	default:
		memcpy(p, &v, 8);
		break;
	}
}

/* Digits (decimal, or 0x-hex) in full, without overflow. */
static int parse_u64(const char *s, const char **end, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		return -EINVAL;
	for (; *p != '\0'; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (p == s || (base == 16 && p == s + 2))
		return -EINVAL;
	*end = p;
	*out = v;
	return 0;
}

/* A number and a unit of table units (NULL-terminated words with multipliers). */
struct unit {
	const char *word;
	uint64_t mul;
};

static int parse_with_unit(const char *s, const struct unit *units, uint64_t *out)
{
	const char *end;
	uint64_t v;

	if (parse_u64(s, &end, &v) != 0)
		return -EINVAL;
	for (const struct unit *u = units; u->word != NULL; u++) {
		if (strcmp(end, u->word) != 0)
			continue;
		if (u->mul != 0 && v > UINT64_MAX / u->mul)
			return -ERANGE;
		*out = v * u->mul;
		return 0;
	}
	return -EINVAL;
}

static int parse_pid(const char *s, uint64_t *pid)
{
	unsigned long l, sl, g;
	char tail;
	int n;

	if (*s == '<')
		n = sscanf(s, "<%lu.%lu.%lu%c", &l, &sl, &g, &tail) == 4 && tail == '>' ? 3 : 0;
	else
		n = sscanf(s, "%lu.%lu.%lu%c", &l, &sl, &g, &tail);
	if (n != 3 || l > BL_PID_MAX_LCORE || sl >= BL_PID_MAX_SLOTS || g == 0 || g > UINT32_MAX)
		return -EINVAL;
	*pid = bl_pid_make((uint32_t)l, (uint32_t)sl, (uint32_t)g);
	return 0;
}

static int set_unsigned(const struct bl_field *f, uint64_t v, const char *got, void *blob,
			char *err, size_t errlen)
{
	uint64_t lo, hi;

	urange(f, &lo, &hi);
	if (v < lo || v > hi)
		return refuse(f, got, err, errlen);
	put_uint(blob, f, v);
	return 0;
}

static int set_signed(const struct bl_field *f, int64_t v, const char *got, void *blob, char *err,
		      size_t errlen)
{
	int64_t lo, hi;

	srange(f, &lo, &hi);
	if (v < lo || v > hi)
		return refuse(f, got, err, errlen);
	put_uint(blob, f, (uint64_t)v);
	return 0;
}

static const struct unit duration_units[] = {
	{ "", 1 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { NULL, 0 },
};

static const struct unit size_units[] = {
	{ "", 1 },
	{ "k", 1024 },
	{ "K", 1024 },
	{ "KiB", 1024 },
	{ "M", 1024 * 1024 },
	{ "MiB", 1024 * 1024 },
	{ "G", UINT64_C(1024) * 1024 * 1024 },
	{ "GiB", UINT64_C(1024) * 1024 * 1024 },
	{ NULL, 0 },
};

int bl_field_set_text(const struct bl_field *f, const char *text, void *blob, char *err,
		      size_t errlen)
{
	char *dst = (char *)blob + f->offset;
	char got[GOT_MAX + 8];
	const char *end;
	uint64_t v;
	unsigned n;

	if (text == NULL)
		return refuse(f, "null", err, errlen);
	snprintf(got, sizeof(got), "'%.*s%s'", GOT_MAX, text, strlen(text) > GOT_MAX ? "..." : "");
	switch (f->type) {
	case BL_FIELD_U64:
		if (parse_u64(text, &end, &v) != 0 || *end != '\0')
			return refuse(f, got, err, errlen);
		return set_unsigned(f, v, got, blob, err, errlen);
	case BL_FIELD_I64: {
		bool neg = text[0] == '-';

		if (parse_u64(text + neg, &end, &v) != 0 || *end != '\0' ||
		    v > (uint64_t)INT64_MAX + neg)
			return refuse(f, got, err, errlen);
		return set_signed(f, neg ? (int64_t)(0 - v) : (int64_t)v, got, blob, err, errlen);
	}
	case BL_FIELD_KEY:
		if (parse_u64(text, &end, &v) != 0 || *end != '\0')
			return refuse(f, got, err, errlen);
		put_uint(blob, f, v);
		return 0;
	case BL_FIELD_DURATION:
		if (parse_with_unit(text, duration_units, &v) != 0)
			return refuse(f, got, err, errlen);
		return set_unsigned(f, v, got, blob, err, errlen);
	case BL_FIELD_SIZE:
		if (parse_with_unit(text, size_units, &v) != 0)
			return refuse(f, got, err, errlen);
		return set_unsigned(f, v, got, blob, err, errlen);
	case BL_FIELD_BOOL: {
		static const char *const yes[] = { "true", "yes", "on", "1", NULL };
		static const char *const no[] = { "false", "no", "off", "0", NULL };
		bool b;

		for (n = 0; yes[n] != NULL && strcmp(text, yes[n]) != 0; n++)
			;
		if (yes[n] != NULL) {
			b = true;
		} else {
			for (n = 0; no[n] != NULL && strcmp(text, no[n]) != 0; n++)
				;
			if (no[n] == NULL)
				return refuse(f, got, err, errlen);
			b = false;
		}
		memcpy(dst, &b, sizeof(b));
		return 0;
	}
	case BL_FIELD_ENUM:
		for (n = 0; f->words[n] != NULL; n++) {
			if (strcmp(f->words[n], text) == 0) {
				put_uint(blob, f, n);
				return 0;
			}
		}
		return refuse(f, got, err, errlen);
	case BL_FIELD_NAME:
		if (bl_name_check(text, SIZE_MAX) < 0)
			return refuse(f, got, err, errlen);
		memset(dst, 0, f->size);
		memcpy(dst, text, strlen(text));
		return 0;
	case BL_FIELD_STRING: {
		size_t len = strlen(text);

		if (len > str_max(f) || len < f->min)
			return refuse(f, got, err, errlen);
		memset(dst, 0, f->size);
		memcpy(dst, text, len);
		return 0;
	}
	case BL_FIELD_PID: {
		struct bl_pid_arg a;

		memset(&a, 0, sizeof(a));
		if (parse_pid(text, &a.pid) != 0) {
			size_t len = strlen(text);

			if ((text[0] == '<' || (text[0] >= '0' && text[0] <= '9')) &&
			    strchr(text, '.') != NULL)
				return refuse(f, got, err, errlen);
			if (bl_name_check(text, SIZE_MAX) < 0) {
				if (err != NULL && errlen > 0)
					snprintf(
					    err, errlen,
					    "\"%s\" must be a pid <L.S.G> or a registered "
					    "name: bad name %s: %s",
					    f->name, got,
					    len == 0 || len >= BL_NAME_MAX
						? "expected 1..31 characters"
						: "printable ASCII characters only, no blanks");
				return -EINVAL;
			}
			a.pid = BL_PID_NONE;
			memcpy(a.name, text, len);
		}
		memcpy(dst, &a, sizeof(a));
		return 0;
	}
	default:
		return refuse(f, got, err, errlen);
	}
}

int bl_field_set_int(const struct bl_field *f, int64_t v, void *blob, char *err, size_t errlen)
{
	char got[32];

	snprintf(got, sizeof(got), "%" PRId64, v);
	if (!(bl_field_takes(f) & BL_FIELD_TAKES_INT))
		return refuse(f, got, err, errlen);
	if (f->type == BL_FIELD_I64)
		return set_signed(f, v, got, blob, err, errlen);
	if (f->type == BL_FIELD_BOOL) {
		bool b = v != 0;

		if (v != 0 && v != 1)
			return refuse(f, got, err, errlen);
		memcpy((char *)blob + f->offset, &b, sizeof(b));
		return 0;
	}
	if (v < 0)
		return refuse(f, got, err, errlen);
	if (f->type == BL_FIELD_KEY) {
		put_uint(blob, f, (uint64_t)v);
		return 0;
	}
	return set_unsigned(f, (uint64_t)v, got, blob, err, errlen);
}

int bl_field_set_bool(const struct bl_field *f, bool v, void *blob, char *err, size_t errlen)
{
	if (!(bl_field_takes(f) & BL_FIELD_TAKES_BOOL))
		return refuse(f, v ? "true" : "false", err, errlen);
	memcpy((char *)blob + f->offset, &v, sizeof(v));
	return 0;
}

/* ---- checking a schema ---- */

static int bad(const struct bl_field *f, char *err, size_t errlen, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "field \"%s\": %s", f->name, why);
	return -EINVAL;
}

static int field_check(const struct bl_module_desc *d, unsigned i, char *err, size_t errlen)
{
	const struct bl_field *f = &d->fields[i];
	char sub[256];
	uint8_t scratch[BL_ARGS_MAX];
	unsigned n;

	if (f->name == NULL || bl_name_check(f->name, SIZE_MAX) < 0) {
		snprintf(sub, sizeof(sub), "field %u has no name (1..%u printable characters)", i,
			 BL_NAME_MAX - 1);
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s", sub);
		return -EINVAL;
	}
	for (n = 0; bl_schema_reserved[n] != NULL; n++)
		if (strcmp(bl_schema_reserved[n], f->name) == 0)
			return bad(f, err, errlen,
				   "the name is the spawn request's own (pick another word)");
	for (n = 0; n < i; n++)
		if (strcmp(d->fields[n].name, f->name) == 0)
			return bad(f, err, errlen, "named twice");
	if (f->type == 0 || f->type >= BL_FIELD_TYPE_MAX)
		return bad(f, err, errlen, "unknown type");
	if (f->size == 0 || f->offset > d->args_size || f->size > d->args_size - f->offset)
		return bad(f, err, errlen, "outside the argument struct (args_size)");
	switch (f->type) {
	case BL_FIELD_U64:
	case BL_FIELD_DURATION:
	case BL_FIELD_SIZE:
	case BL_FIELD_ENUM:
		if (!int_width(f->size))
			return bad(f, err, errlen, "an integer field is 1, 2, 4 or 8 bytes");
		if (f->type != BL_FIELD_ENUM && (f->min > f->max || f->max > umax_of(f->size)))
			return bad(f, err, errlen, "its range does not fit its size");
		break;
	case BL_FIELD_I64:
		if (!int_width(f->size))
			return bad(f, err, errlen, "an integer field is 1, 2, 4 or 8 bytes");
		if ((f->min != 0 || f->max != 0) &&
		    ((int64_t)f->min > (int64_t)f->max || (int64_t)f->max > smax_of(f->size) ||
		     (int64_t)f->min < -smax_of(f->size) - 1))
			return bad(f, err, errlen, "its range does not fit its size");
		break;
	case BL_FIELD_KEY:
		if (f->size != 8)
			return bad(f, err, errlen, "a key is a uint64_t");
		break;
	case BL_FIELD_BOOL:
		if (f->size != sizeof(bool))
			return bad(f, err, errlen, "a bool field is a bool");
		break;
	case BL_FIELD_NAME:
		if (f->size < BL_NAME_MAX)
			return bad(f, err, errlen, "a name field holds BL_NAME_MAX bytes");
		break;
	case BL_FIELD_PID:
		if (f->size != sizeof(struct bl_pid_arg))
			return bad(f, err, errlen, "a pid field is a struct bl_pid_arg");
		break;
	case BL_FIELD_STRING:
		if (f->size < 2 || f->min > str_max(f))
			return bad(f, err, errlen,
				   "a string field holds at least one byte and a NUL");
		break;
	}
	if (is_unsigned(f->type) && f->type == BL_FIELD_ENUM) {
		n = n_words(f);
		if (n == 0 || n >= 256 || (uint64_t)n - 1 > umax_of(f->size))
			return bad(f, err, errlen, "an enum needs 1..255 words its size can count");
		for (unsigned w = 0; w < n; w++)
			if (bl_name_check(f->words[w], SIZE_MAX) < 0)
				return bad(f, err, errlen, "an enum word breaks the name rule");
	}
	if (f->dflt != NULL) {
		memset(scratch, 0, sizeof(scratch));
		if (bl_field_set_text(f, f->dflt, scratch, sub, sizeof(sub)) != 0) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "field \"%s\": bad default: %s", f->name,
					 sub);
			return -EINVAL;
		}
	}
	return 0;
}

int bl_schema_check(const struct bl_module_desc *d, char *err, size_t errlen)
{
	if (d->args_size > BL_ARGS_MAX) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "args_size %u is above %u bytes", d->args_size,
				 BL_ARGS_MAX);
		return -EINVAL;
	}
	if ((d->fields == NULL) != (d->n_fields == 0) || d->n_fields > BL_SCHEMA_FIELDS_MAX) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen,
				 "fields and n_fields disagree, or more than %u fields",
				 BL_SCHEMA_FIELDS_MAX);
		return -EINVAL;
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		int rc = field_check(d, i, err, errlen);

		if (rc != 0)
			return rc;
	}
	return 0;
}

int bl_schema_defaults(const struct bl_module_desc *d, void *blob, char *err, size_t errlen)
{
	memset(blob, 0, d->args_size);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const struct bl_field *f = &d->fields[i];

		if (f->dflt != NULL && bl_field_set_text(f, f->dflt, blob, err, errlen) != 0)
			return -EINVAL;
	}
	return 0;
}

const struct bl_field *bl_schema_field(const struct bl_module_desc *d, const char *name)
{
	for (unsigned i = 0; i < d->n_fields; i++)
		if (strcmp(d->fields[i].name, name) == 0)
			return &d->fields[i];
	return NULL;
}
