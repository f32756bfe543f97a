/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A behaviour's "args" read against its schema (control/schema_args.h over
 * actors/schema.h): every field type with good values and bad ones, as the
 * command line sends them (integers, words) and as JSON may (booleans,
 * other kinds); every refusal names its field; defaults, required fields,
 * unknown fields and the descriptor's own check. No EAL: pure functions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "actors/schema.h"
#include "control/schema_args.h"

struct all_args {
	uint64_t u;
	int32_t i;
	char s[8];
	char n[BL_NAME_MAX];
	struct bl_pid_arg p;
	uint32_t d;
	uint64_t z;
	bool b;
	uint8_t e;
	uint64_t k;
	uint16_t small;
};

static const char *const colours[] = { "red", "green", "blue", NULL };

static const struct bl_field all_fields[] = {
	BL_FIELD_RANGE(struct all_args, u, BL_FIELD_U64, BL_REQUIRED, 1, 100, "u64"),
	BL_FIELD_RANGE(struct all_args, i, BL_FIELD_I64, "-5", -10, 10, "i64"),
	BL_FIELD_RANGE(struct all_args, s, BL_FIELD_STRING, "abc", 2, 0, "string"),
	BL_FIELD(struct all_args, n, BL_FIELD_NAME, "nm", "name"),
	BL_FIELD(struct all_args, p, BL_FIELD_PID, "svc", "pid"),
	BL_FIELD_RANGE(struct all_args, d, BL_FIELD_DURATION, "2s", 0, 3600000, "duration"),
	BL_FIELD_RANGE(struct all_args, z, BL_FIELD_SIZE, "64k", 0, UINT64_C(1) << 32, "size"),
	BL_FIELD(struct all_args, b, BL_FIELD_BOOL, "false", "bool"),
	BL_FIELD_WORDS(struct all_args, e, "green", colours, "enum"),
	BL_FIELD(struct all_args, k, BL_FIELD_KEY, "0x10", "key"),
	BL_FIELD(struct all_args, small, BL_FIELD_U64, "7", "u64, its width's range"),
};

static int all_check(const void *args, char *err, size_t errlen)
{
	const struct all_args *a = args;

	if (a->u == 13) {
		snprintf(err, errlen, "\"u\" must not be 13 with these");
		return -EINVAL;
	}
	return 0;
}

static BL_BEHAVIOUR_DESC(all_desc, "every", "1.0", .handle_message = NULL, .check = all_check,
			 BL_SCHEMA(struct all_args, all_fields));

/* Read JSON text (single quotes for double) as the args; 0 or -EINVAL with err. */
static int parse(const char *text, struct all_args *out, char *err, size_t errlen)
{
	uint8_t blob[BL_ARGS_MAX];
	char buf[1024];
	json_t *j;
	int rc;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *c = buf; *c != '\0'; c++)
		if (*c == '\'')
			*c = '"';
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	err[0] = '\0';
	rc = bl_schema_args(&all_desc, j, blob, err, errlen);
	json_decref(j);
	memcpy(out, blob, sizeof(*out));
	return rc;
}

static struct all_args good(const char *text)
{
	struct all_args a;
	char err[512];

	if (parse(text, &a, err, sizeof(err)) != 0)
		fail_msg("%s: refused: %s", text, err);
	return a;
}

static void bad(const char *text, const char *part)
{
	struct all_args a;
	char err[512];

	assert_int_equal(parse(text, &a, err, sizeof(err)), -EINVAL);
	if (strstr(err, part) == NULL)
		fail_msg("%s: message '%s' lacks '%s'", text, err, part);
}

static void test_schema_is_valid(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(bl_schema_check(&all_desc, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	bl_schema_usage(&all_desc, err, sizeof(err));
	assert_non_null(strstr(err, "u:u64 [i:i64=-5] [s:string=abc]"));
	assert_non_null(strstr(err, "[e:red|green|blue=green] [k:key=0x10]"));
}

static void test_defaults_and_required(void **state)
{
	struct all_args a;

	(void)state;
	a = good("{'u': 1}");
	assert_int_equal(a.u, 1);
	assert_int_equal(a.i, -5);
	assert_string_equal(a.s, "abc");
	assert_string_equal(a.n, "nm");
	assert_int_equal(a.p.pid, 0);
	assert_string_equal(a.p.name, "svc");
	assert_int_equal(a.d, 2000);
	assert_int_equal(a.z, 65536);
	assert_false(a.b);
	assert_int_equal(a.e, 1);
	assert_int_equal(a.k, 16);
	assert_int_equal(a.small, 7);
	bad("{}", "missing \"u\"");
	bad("{'u': 1, 'x': 2}",
	    "unknown field \"x\" for every (it takes: u, i, s, n, p, d, z, b, e, k");
	bad("{'u': 13}", "\"u\" must not be 13 with these");
	/* "args" itself must be an object (the request reader says so). */
	{
		uint8_t blob[BL_ARGS_MAX];
		char err[256];
		json_t *j = json_array();

		assert_int_equal(bl_schema_args(&all_desc, j, blob, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "expected an object, not an array"));
		json_decref(j);
		assert_int_equal(bl_schema_args(&all_desc, NULL, blob, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "missing \"u\""));
	}
}

static void test_u64_i64(void **state)
{
	(void)state;
	assert_int_equal(good("{'u': 100}").u, 100);
	bad("{'u': 0}", "\"u\" must be an integer in 1..100, not 0");
	bad("{'u': 101}", "\"u\" must be an integer in 1..100, not 101");
	bad("{'u': -1}", "\"u\" must be an integer in 1..100, not -1");
	bad("{'u': '5'}", "\"u\" must be an integer in 1..100, not '5'");
	bad("{'u': 1.5}", "\"u\" must be an integer in 1..100, not 1.5");
	bad("{'u': true}", "\"u\" must be an integer in 1..100, not true");
	assert_int_equal(good("{'u': 1, 'i': -10}").i, -10);
	assert_int_equal(good("{'u': 1, 'i': 10}").i, 10);
	bad("{'u': 1, 'i': -11}", "\"i\" must be an integer in -10..10, not -11");
	bad("{'u': 1, 'i': '-3'}", "\"i\" must be an integer in -10..10, not '-3'");
	assert_int_equal(good("{'u': 1, 'small': 65535}").small, 65535);
	bad("{'u': 1, 'small': 65536}", "\"small\" must be an integer in 0..65535, not 65536");
}

static void test_strings_names_pids(void **state)
{
	struct all_args a;

	(void)state;
	assert_string_equal(good("{'u': 1, 's': 'seven77'}").s, "seven77");
	bad("{'u': 1, 's': 'eight888'}", "\"s\" must be a string of 2..7 bytes, not 'eight888'");
	bad("{'u': 1, 's': 'x'}", "\"s\" must be a string of 2..7 bytes, not 'x'");
	bad("{'u': 1, 's': 5}", "\"s\" must be a string, not 5");
	assert_string_equal(good("{'u': 1, 'n': 'feed.a-1'}").n, "feed.a-1");
	bad("{'u': 1, 'n': 'a b'}",
	    "\"n\" must be a name of 1..31 printable ASCII characters without blanks, not 'a b'");
	bad("{'u': 1, 'n': ''}", "\"n\" must be a name");
	bad("{'u': 1, 'n': 'abcdefghijklmnopqrstuvwxyz0123456'}", "\"n\" must be a name");
	bad("{'u': 1, 'n': 7}", "\"n\" must be a name of 1..31");
	a = good("{'u': 1, 'p': '<1.2.3>'}");
	assert_int_equal(a.p.pid >> 32, 3);
	assert_string_equal(a.p.name, "");
	a = good("{'u': 1, 'p': '1.2.3'}");
	assert_int_not_equal(a.p.pid, 0);
	a = good("{'u': 1, 'p': 'sink'}");
	assert_int_equal(a.p.pid, 0);
	assert_string_equal(a.p.name, "sink");
	bad("{'u': 1, 'p': '<1.2>'}",
	    "\"p\" must be a pid <L.S.G> or a registered name, not '<1.2>'");
	bad("{'u': 1, 'p': '1.2.0'}", "\"p\" must be a pid <L.S.G> or a registered name");
	bad("{'u': 1, 'p': 'a b'}",
	    "\"p\" must be a pid <L.S.G> or a registered name: bad name 'a b'");
	bad("{'u': 1, 'p': 12}", "\"p\" must be a string, not 12");
}

static void test_durations_sizes(void **state)
{
	(void)state;
	assert_int_equal(good("{'u': 1, 'd': 250}").d, 250);
	assert_int_equal(good("{'u': 1, 'd': '250ms'}").d, 250);
	assert_int_equal(good("{'u': 1, 'd': '3s'}").d, 3000);
	assert_int_equal(good("{'u': 1, 'd': '2m'}").d, 120000);
	assert_int_equal(good("{'u': 1, 'd': '1h'}").d, 3600000);
	bad("{'u': 1, 'd': '2h'}",
	    "\"d\" must be a duration in 0..3600000 ms (a number with ms, s, "
	    "m or h), not '2h'");
	bad("{'u': 1, 'd': 'soon'}", "\"d\" must be a duration in 0..3600000 ms");
	bad("{'u': 1, 'd': '5 s'}", "\"d\" must be a duration");
	bad("{'u': 1, 'd': '1.5s'}", "\"d\" must be a duration");
	bad("{'u': 1, 'd': -1}", "\"d\" must be a duration");
	bad("{'u': 1, 'd': '99999999999999999999h'}", "\"d\" must be a duration");
	assert_int_equal(good("{'u': 1, 'z': 4096}").z, 4096);
	assert_int_equal(good("{'u': 1, 'z': '4k'}").z, 4096);
	assert_int_equal(good("{'u': 1, 'z': '2M'}").z, 2u << 20);
	assert_int_equal(good("{'u': 1, 'z': '1GiB'}").z, 1u << 30);
	assert_int_equal(good("{'u': 1, 'z': '4G'}").z, UINT64_C(4) << 30);
	bad("{'u': 1, 'z': '5G'}",
	    "\"z\" must be a size in 0..4294967296 bytes (a number with k, M "
	    "or G), not '5G'");
	bad("{'u': 1, 'z': '4 KB'}", "\"z\" must be a size");
	bad("{'u': 1, 'z': 'big'}", "\"z\" must be a size");
	bad("{'u': 1, 'z': false}", "\"z\" must be a size");
}

static void test_bools_enums_keys(void **state)
{
	(void)state;
	assert_true(good("{'u': 1, 'b': true}").b);
	assert_true(good("{'u': 1, 'b': 'yes'}").b);
	assert_true(good("{'u': 1, 'b': 'on'}").b);
	assert_true(good("{'u': 1, 'b': 1}").b);
	assert_false(good("{'u': 1, 'b': 'off'}").b);
	assert_false(good("{'u': 1, 'b': 0}").b);
	bad("{'u': 1, 'b': 2}", "\"b\" must be true or false, not 2");
	bad("{'u': 1, 'b': 'maybe'}", "\"b\" must be true or false, not 'maybe'");
	bad("{'u': 1, 'b': null}", "\"b\" must be true or false, not null");
	assert_int_equal(good("{'u': 1, 'e': 'red'}").e, 0);
	assert_int_equal(good("{'u': 1, 'e': 'blue'}").e, 2);
	bad("{'u': 1, 'e': 'pink'}", "\"e\" must be red, green or blue, not 'pink'");
	bad("{'u': 1, 'e': 1}", "\"e\" must be red, green or blue, not 1");
	assert_int_equal(good("{'u': 1, 'k': 0}").k, 0);
	assert_int_equal(good("{'u': 1, 'k': '0xffffffffffffffff'}").k, UINT64_MAX);
	assert_int_equal(good("{'u': 1, 'k': '18446744073709551615'}").k, UINT64_MAX);
	bad("{'u': 1, 'k': 'default'}", "\"k\" must be a u64 key, not 'default'");
	bad("{'u': 1, 'k': '18446744073709551616'}", "\"k\" must be a u64 key");
	bad("{'u': 1, 'k': -4}", "\"k\" must be a u64 key, not -4");
	bad("{'u': 1, 'k': '0x'}", "\"k\" must be a u64 key");
	bad("{'u': 1, 'k': [1]}", "\"k\" must be a u64 key, not an array");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_is_valid),
		cmocka_unit_test(test_defaults_and_required),
		cmocka_unit_test(test_u64_i64),
		cmocka_unit_test(test_strings_names_pids),
		cmocka_unit_test(test_durations_sizes),
		cmocka_unit_test(test_bools_enums_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
