/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request field reader: every getter with a field absent (required and
 * optional), of the wrong type and out of range, and unknown fields. The
 * messages are compared whole: they are the protocol's wording
 * (docs/cli.md), the same for every command.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "control/args.h"

struct world {
	json_t *obj;
	struct bl_args a;
	char err[512];
};

static int setup(void **state)
{
	struct world *w = test_calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	json_decref(w->obj);
	test_free(w);
	return 0;
}

/* Read text (a JSON object) as a nested object, any member allowed. */
static struct bl_args *rd(struct world *w, const char *text)
{
	json_error_t jerr;

	json_decref(w->obj);
	w->obj = json_loads(text, JSON_ALLOW_NUL, &jerr);
	if (w->obj == NULL)
		fail_msg("bad test JSON %s: %s", text, jerr.text);
	w->err[0] = '\0';
	assert_int_equal(bl_args_open(&w->a, w->obj, w->err, sizeof(w->err)), 0);
	return &w->a;
}

/* The call failed with -EINVAL and exactly this message. */
#define EXPECT_REFUSED(w, call, msg)                                                               \
	do {                                                                                       \
		(w)->err[0] = '\0';                                                                \
		assert_int_equal((call), -EINVAL);                                                 \
		assert_string_equal((w)->err, (msg));                                              \
	} while (0)

static void test_open_and_unknown_fields(void **state)
{
	static const char *const fields[] = { "sort", "top", NULL };
	static const char *const none[] = { NULL };
	struct world *w = *state;
	json_t *j;

	j = json_loads("[1]", 0, NULL);
	EXPECT_REFUSED(w, bl_args_open(&w->a, j, w->err, sizeof(w->err)),
		       "expected an object, not an array");
	json_decref(j);
	EXPECT_REFUSED(w, bl_args_open(&w->a, NULL, w->err, sizeof(w->err)),
		       "expected an object, not nothing");

	/* A request may carry "cmd" and the fields it declares, nothing else. */
	w->obj = json_loads("{\"cmd\":\"ps\",\"top\":3,\"sort\":\"memory\"}", 0, NULL);
	assert_int_equal(bl_args_open_request(&w->a, w->obj, fields, w->err, sizeof(w->err)), 0);
	json_decref(w->obj);
	w->obj = json_loads("{\"cmd\":\"ps\",\"top\":3,\"cuont\":1}", 0, NULL);
	EXPECT_REFUSED(w, bl_args_open_request(&w->a, w->obj, fields, w->err, sizeof(w->err)),
		       "unknown field \"cuont\" for ps (it takes: sort, top)");
	json_decref(w->obj);
	w->obj = json_loads("{\"cmd\":\"status\",\"verbose\":true}", 0, NULL);
	EXPECT_REFUSED(w, bl_args_open_request(&w->a, w->obj, none, w->err, sizeof(w->err)),
		       "unknown field \"verbose\" for status (it takes none)");
	json_decref(w->obj);
	w->obj = json_loads("{\"cmd\":\"status\"}", 0, NULL);
	assert_int_equal(bl_args_open_request(&w->a, w->obj, none, w->err, sizeof(w->err)), 0);
	assert_int_equal(bl_args_open_request(&w->a, w->obj, NULL, w->err, sizeof(w->err)), 0);
	assert_int_equal(bl_args_none(w->obj, w->err, sizeof(w->err)), 0);
	json_decref(w->obj);
	w->obj = json_loads("{\"cmd\":\"stats\",\"x\":1}", 0, NULL);
	EXPECT_REFUSED(w, bl_args_none(w->obj, w->err, sizeof(w->err)),
		       "unknown field \"x\" for stats (it takes none)");

	/* In a nested object "cmd" is a field like any other. */
	rd(w, "{\"key\":1,\"cmd\":2}");
	EXPECT_REFUSED(w, bl_args_only(&w->a, "action drop", (const char *const[]){ "key", NULL }),
		       "unknown field \"cmd\" for action drop (it takes: key)");
	assert_true(bl_args_has(&w->a, "key"));
	assert_false(bl_args_has(&w->a, "port"));
}

static void test_u64(void **state)
{
	struct world *w = *state;
	uint64_t v = 0;

	rd(w, "{\"top\":5,\"zero\":0,\"big\":101,\"neg\":-1,\"word\":\"ten\",\"real\":1.5,"
	      "\"no\":null,\"t\":true}");
	assert_int_equal(bl_args_u64(&w->a, "top", BL_ARG_REQUIRED, 0, 1, 100, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(bl_args_u64(&w->a, "count", BL_ARG_OPTIONAL, 7, 1, 100, &v), 0);
	assert_int_equal(v, 7); /* default */
	EXPECT_REFUSED(w, bl_args_u64(&w->a, "count", BL_ARG_REQUIRED, 7, 1, 100, &v),
		       "missing \"count\"");
	EXPECT_REFUSED(w, bl_args_u64(&w->a, "zero", BL_ARG_OPTIONAL, 7, 1, 100, &v),
		       "\"zero\" must be an integer in 1..100, not 0");
	EXPECT_REFUSED(w, bl_args_u64(&w->a, "big", BL_ARG_OPTIONAL, 7, 1, 100, &v),
		       "\"big\" must be an integer in 1..100, not 101");
	EXPECT_REFUSED(w, bl_args_u64(&w->a, "neg", BL_ARG_OPTIONAL, 7, 0, 100, &v),
		       "\"neg\" must be an integer in 0..100, not -1");
	EXPECT_REFUSED(w, bl_args_u64(&w->a, "word", BL_ARG_OPTIONAL, 7, 1, 100, &v),
		       "\"word\" must be an integer in 1..100, not 'ten'");
	EXPECT_REFUSED(w, bl_args_u64(&w->a, "real", BL_ARG_OPTIONAL, 7, 1, 100, &v),
		       "\"real\" must be an integer in 1..100, not 1.5");
	EXPECT_REFUSED(w, bl_args_u64(&w->a, "t", BL_ARG_OPTIONAL, 7, 1, 100, &v),
		       "\"t\" must be an integer in 1..100, not true");
	/* null is a value unless the field is NULLABLE. */
	EXPECT_REFUSED(w, bl_args_u64(&w->a, "no", BL_ARG_OPTIONAL, 7, 1, 100, &v),
		       "\"no\" must be an integer in 1..100, not null");
	assert_int_equal(bl_args_u64(&w->a, "no", BL_ARG_NULLABLE, 9, 1, 100, &v), 0);
	assert_int_equal(v, 9);
	/* The bounds are inclusive, and the default need not be in them. */
	assert_int_equal(bl_args_u64(&w->a, "zero", BL_ARG_OPTIONAL, 7, 0, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(bl_args_u64(&w->a, "lcore", BL_ARG_OPTIONAL, UINT64_MAX, 0, 127, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_i64(void **state)
{
	struct world *w = *state;
	int64_t v = 0;

	rd(w, "{\"off\":-5,\"low\":-11,\"s\":\"-5\"}");
	assert_int_equal(bl_args_i64(&w->a, "off", BL_ARG_REQUIRED, 0, -10, 10, &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(bl_args_i64(&w->a, "gap", BL_ARG_OPTIONAL, -3, -10, 10, &v), 0);
	assert_int_equal(v, -3);
	EXPECT_REFUSED(w, bl_args_i64(&w->a, "gap", BL_ARG_REQUIRED, 0, -10, 10, &v),
		       "missing \"gap\"");
	EXPECT_REFUSED(w, bl_args_i64(&w->a, "low", BL_ARG_OPTIONAL, 0, -10, 10, &v),
		       "\"low\" must be an integer in -10..10, not -11");
	EXPECT_REFUSED(w, bl_args_i64(&w->a, "s", BL_ARG_OPTIONAL, 0, -10, 10, &v),
		       "\"s\" must be an integer in -10..10, not '-5'");
}

static void test_bool(void **state)
{
	struct world *w = *state;
	bool v = false;

	rd(w, "{\"on\":true,\"off\":false,\"one\":1,\"yes\":\"yes\"}");
	assert_int_equal(bl_args_bool(&w->a, "on", BL_ARG_REQUIRED, false, &v), 0);
	assert_true(v);
	assert_int_equal(bl_args_bool(&w->a, "off", BL_ARG_REQUIRED, true, &v), 0);
	assert_false(v);
	assert_int_equal(bl_args_bool(&w->a, "trace", BL_ARG_OPTIONAL, true, &v), 0);
	assert_true(v);
	EXPECT_REFUSED(w, bl_args_bool(&w->a, "trace", BL_ARG_REQUIRED, true, &v),
		       "missing \"trace\"");
	EXPECT_REFUSED(w, bl_args_bool(&w->a, "one", BL_ARG_OPTIONAL, true, &v),
		       "\"one\" must be true or false, not 1");
	EXPECT_REFUSED(w, bl_args_bool(&w->a, "yes", BL_ARG_OPTIONAL, true, &v),
		       "\"yes\" must be true or false, not 'yes'");
}

static void test_str(void **state)
{
	struct world *w = *state;
	const char *s = NULL;

	rd(w, "{\"reason\":\"shutdown\",\"empty\":\"\",\"n\":5,"
	      "\"long\":\"0123456789012345678901234567890123456789abcdef\","
	      "\"utf\":\"012345678901234567890123456789012345678\xc3\xa9xyz\"}");
	assert_int_equal(bl_args_str(&w->a, "reason", BL_ARG_REQUIRED, NULL, 1, 64, &s), 0);
	assert_string_equal(s, "shutdown");
	assert_int_equal(bl_args_str(&w->a, "text", BL_ARG_OPTIONAL, "dflt", 0, 0, &s), 0);
	assert_string_equal(s, "dflt");
	assert_int_equal(bl_args_str(&w->a, "text", BL_ARG_OPTIONAL, NULL, 0, 0, &s), 0);
	assert_null(s);
	EXPECT_REFUSED(w, bl_args_str(&w->a, "text", BL_ARG_REQUIRED, NULL, 0, 0, &s),
		       "missing \"text\"");
	EXPECT_REFUSED(w, bl_args_str(&w->a, "n", BL_ARG_OPTIONAL, NULL, 0, 0, &s),
		       "\"n\" must be a string, not 5");
	/* Out of range: too short shows the value, too long its length. */
	EXPECT_REFUSED(w, bl_args_str(&w->a, "empty", BL_ARG_OPTIONAL, NULL, 1, 64, &s),
		       "\"empty\" must be a string of 1..64 bytes, not ''");
	EXPECT_REFUSED(w, bl_args_str(&w->a, "long", BL_ARG_OPTIONAL, NULL, 1, 8, &s),
		       "\"long\" must be a string of 1..8 bytes, not a string of 46 bytes");
	EXPECT_REFUSED(w, bl_args_str(&w->a, "empty", BL_ARG_OPTIONAL, NULL, 2, 0, &s),
		       "\"empty\" must be a string of at least 2 bytes, not ''");
	assert_int_equal(bl_args_str(&w->a, "empty", BL_ARG_OPTIONAL, NULL, 0, 0, &s), 0);
	assert_string_equal(s, "");
	/* A text: any string, NUL bytes included, and its length. */
	{
		size_t len = 99;

		json_object_set_new(w->obj, "text", json_stringn("a\0b\n", 4));
		assert_int_equal(bl_args_text(&w->a, "text", BL_ARG_REQUIRED, &s, &len), 0);
		assert_int_equal(len, 4);
		assert_memory_equal(s, "a\0b\n", 4);
		assert_int_equal(bl_args_text(&w->a, "none", BL_ARG_OPTIONAL, &s, &len), 0);
		assert_null(s);
		assert_int_equal(len, 0);
		EXPECT_REFUSED(w, bl_args_text(&w->a, "none", BL_ARG_REQUIRED, &s, &len),
			       "missing \"none\"");
		EXPECT_REFUSED(w, bl_args_text(&w->a, "n", BL_ARG_REQUIRED, &s, &len),
			       "\"n\" must be a string, not 5");
	}
	/* A long value is quoted cut, never inside a UTF-8 character. */
	EXPECT_REFUSED(w, bl_args_u64(&w->a, "long", BL_ARG_OPTIONAL, 0, 0, 1, NULL),
		       "\"long\" must be an integer in 0..1, not "
		       "'0123456789012345678901234567890123456789...'");
	EXPECT_REFUSED(w, bl_args_u64(&w->a, "utf", BL_ARG_OPTIONAL, 0, 0, 1, NULL),
		       "\"utf\" must be an integer in 0..1, not "
		       "'012345678901234567890123456789012345678...'");
}

static void test_name(void **state)
{
	struct world *w = *state;
	const char *s = "x";

	rd(w, "{\"name\":\"c1\",\"blank\":\"a b\",\"empty\":\"\",\"n\":7,"
	      "\"long\":\"0123456789012345678901234567890123\",\"nul\":\"a\\u0000b\"}");
	assert_int_equal(bl_args_name(&w->a, "name", BL_ARG_REQUIRED, &s), 0);
	assert_string_equal(s, "c1");
	assert_int_equal(bl_args_name(&w->a, "group", BL_ARG_OPTIONAL, &s), 0);
	assert_null(s);
	EXPECT_REFUSED(w, bl_args_name(&w->a, "group", BL_ARG_REQUIRED, &s), "missing \"group\"");
	EXPECT_REFUSED(w, bl_args_name(&w->a, "n", BL_ARG_OPTIONAL, &s),
		       "\"n\" must be a name of 1..31 printable ASCII characters without blanks, "
		       "not 7");
	EXPECT_REFUSED(w, bl_args_name(&w->a, "blank", BL_ARG_OPTIONAL, &s),
		       "\"blank\" must be a name of 1..31 printable ASCII characters without "
		       "blanks, not 'a b'");
	EXPECT_REFUSED(w, bl_args_name(&w->a, "empty", BL_ARG_OPTIONAL, &s),
		       "\"empty\" must be a name of 1..31 printable ASCII characters without "
		       "blanks, not ''");
	assert_int_equal(bl_args_name(&w->a, "long", BL_ARG_OPTIONAL, &s), -EINVAL);
	assert_int_equal(bl_args_name(&w->a, "nul", BL_ARG_OPTIONAL, &s), -EINVAL);
}

static void test_enum(void **state)
{
	static const char *const sorts[] = { "memory", "mailbox", "binary" };
	struct world *w = *state;
	unsigned int i = 99;

	rd(w, "{\"sort\":\"mailbox\",\"bad\":\"frob\",\"n\":1}");
	assert_int_equal(bl_args_enum(&w->a, "sort", BL_ARG_REQUIRED, 0, sorts, 3, &i), 0);
	assert_int_equal(i, 1);
	assert_int_equal(bl_args_enum(&w->a, "order", BL_ARG_OPTIONAL, 2, sorts, 3, &i), 0);
	assert_int_equal(i, 2);
	EXPECT_REFUSED(w, bl_args_enum(&w->a, "order", BL_ARG_REQUIRED, 2, sorts, 3, &i),
		       "missing \"order\"");
	EXPECT_REFUSED(w, bl_args_enum(&w->a, "bad", BL_ARG_OPTIONAL, 0, sorts, 3, &i),
		       "\"bad\" must be memory, mailbox or binary, not 'frob'");
	EXPECT_REFUSED(w, bl_args_enum(&w->a, "n", BL_ARG_OPTIONAL, 0, sorts, 3, &i),
		       "\"n\" must be memory, mailbox or binary, not 1");
	EXPECT_REFUSED(w, bl_args_enum(&w->a, "n", BL_ARG_OPTIONAL, 0, sorts, 1, &i),
		       "\"n\" must be memory, not 1");
}

static void test_u64_or_word(void **state)
{
	static const struct bl_args_word words[] = { { "brutal", 0 }, { "infinity", UINT32_MAX } };
	struct world *w = *state;
	uint64_t v = 0;

	rd(w, "{\"ms\":500,\"inf\":\"infinity\",\"zero\":0,\"bad\":\"soon\",\"any\":\"any\"}");
	assert_int_equal(
	    bl_args_u64_or_word(&w->a, "ms", BL_ARG_REQUIRED, 0, 1, 3600000, words, 2, &v), 0);
	assert_int_equal(v, 500);
	assert_int_equal(
	    bl_args_u64_or_word(&w->a, "inf", BL_ARG_REQUIRED, 0, 1, 3600000, words, 2, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(
	    bl_args_u64_or_word(&w->a, "shutdown", BL_ARG_OPTIONAL, 42, 1, 3600000, words, 2, &v),
	    0);
	assert_int_equal(v, 42);
	EXPECT_REFUSED(
	    w, bl_args_u64_or_word(&w->a, "shutdown", BL_ARG_REQUIRED, 0, 1, 3600000, words, 2, &v),
	    "missing \"shutdown\"");
	EXPECT_REFUSED(
	    w, bl_args_u64_or_word(&w->a, "zero", BL_ARG_OPTIONAL, 0, 1, 3600000, words, 2, &v),
	    "\"zero\" must be an integer in 1..3600000, brutal or infinity, not 0");
	EXPECT_REFUSED(w,
		       bl_args_u64_or_word(&w->a, "bad", BL_ARG_OPTIONAL, 0, 0, 127,
					   (const struct bl_args_word[]){ { "any", 1000 } }, 1, &v),
		       "\"bad\" must be an integer in 0..127 or any, not 'soon'");
	assert_int_equal(bl_args_u64_or_word(&w->a, "any", BL_ARG_OPTIONAL, 0, 0, 127,
					     (const struct bl_args_word[]){ { "any", 1000 } }, 1,
					     &v),
			 0);
	assert_int_equal(v, 1000);
}

static void test_key(void **state)
{
	struct world *w = *state;
	struct bl_cmd_key k = { 0 }, dflt = { 5, false };

	rd(w, "{\"a\":42,\"b\":\"0x2a\",\"d\":\"default\",\"big\":\"18446744073709551615\","
	      "\"neg\":-4,\"bad\":\"12ab\",\"o\":{}}");
	assert_int_equal(bl_args_key(&w->a, "a", BL_ARG_REQUIRED, dflt, &k), 0);
	assert_true(k.value == 42 && !k.is_default);
	assert_int_equal(bl_args_key(&w->a, "b", BL_ARG_REQUIRED, dflt, &k), 0);
	assert_true(k.value == 42 && !k.is_default);
	assert_int_equal(bl_args_key(&w->a, "d", BL_ARG_REQUIRED, dflt, &k), 0);
	assert_true(k.is_default);
	assert_int_equal(bl_args_key(&w->a, "big", BL_ARG_REQUIRED, dflt, &k), 0);
	assert_true(k.value == UINT64_MAX);
	assert_int_equal(bl_args_key(&w->a, "poison", BL_ARG_OPTIONAL, dflt, &k), 0);
	assert_true(k.value == 5 && !k.is_default);
	EXPECT_REFUSED(w, bl_args_key(&w->a, "poison", BL_ARG_REQUIRED, dflt, &k),
		       "missing \"poison\"");
	EXPECT_REFUSED(w, bl_args_key(&w->a, "neg", BL_ARG_REQUIRED, dflt, &k),
		       "\"neg\" must be a u64 (an integer, or a decimal or 0x-hex string) or "
		       "\"default\", not -4");
	EXPECT_REFUSED(w, bl_args_key(&w->a, "bad", BL_ARG_REQUIRED, dflt, &k),
		       "\"bad\" must be a u64 (an integer, or a decimal or 0x-hex string) or "
		       "\"default\", not '12ab'");
	EXPECT_REFUSED(w, bl_args_key(&w->a, "o", BL_ARG_REQUIRED, dflt, &k),
		       "\"o\" must be a u64 (an integer, or a decimal or 0x-hex string) or "
		       "\"default\", not an object");
	/* A check the getters cannot make, in the same sentence. */
	EXPECT_REFUSED(w, bl_args_refuse(&w->a, "d", "a u64 key"),
		       "\"d\" must be a u64 key, not 'default'");
}

static void test_array_and_object(void **state)
{
	struct world *w = *state;
	const json_t *v = (const json_t *)1;

	rd(w, "{\"routes\":[1,2],\"args\":{\"max_keys\":3},\"s\":\"x\"}");
	assert_int_equal(bl_args_array(&w->a, "routes", BL_ARG_REQUIRED, &v), 0);
	assert_int_equal(json_array_size(v), 2);
	assert_int_equal(bl_args_object(&w->a, "args", BL_ARG_REQUIRED, &v), 0);
	assert_int_equal(json_object_size(v), 1);
	assert_int_equal(bl_args_array(&w->a, "keys", BL_ARG_OPTIONAL, &v), 0);
	assert_null(v);
	v = (const json_t *)1;
	assert_int_equal(bl_args_object(&w->a, "opts", BL_ARG_OPTIONAL, &v), 0);
	assert_null(v);
	EXPECT_REFUSED(w, bl_args_array(&w->a, "keys", BL_ARG_REQUIRED, &v), "missing \"keys\"");
	EXPECT_REFUSED(w, bl_args_object(&w->a, "opts", BL_ARG_REQUIRED, &v), "missing \"opts\"");
	EXPECT_REFUSED(w, bl_args_array(&w->a, "args", BL_ARG_OPTIONAL, &v),
		       "\"args\" must be an array, not an object");
	EXPECT_REFUSED(w, bl_args_object(&w->a, "routes", BL_ARG_OPTIONAL, &v),
		       "\"routes\" must be an object, not an array");
	EXPECT_REFUSED(w, bl_args_object(&w->a, "s", BL_ARG_OPTIONAL, &v),
		       "\"s\" must be an object, not 'x'");
}

/* A message cut to the caller's buffer stays a terminated string. */
static void test_small_buffer(void **state)
{
	struct world *w = *state;
	char small[12];
	uint64_t v;

	(void)w;
	w->obj = json_loads("{\"top\":0}", 0, NULL);
	assert_int_equal(bl_args_open(&w->a, w->obj, small, sizeof(small)), 0);
	assert_int_equal(bl_args_u64(&w->a, "top", BL_ARG_OPTIONAL, 1, 1, 10, &v), -EINVAL);
	assert_string_equal(small, "\"top\" must ");
	assert_int_equal(bl_args_open(&w->a, w->obj, NULL, 0), 0);
	assert_int_equal(bl_args_u64(&w->a, "top", BL_ARG_OPTIONAL, 1, 1, 10, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_and_unknown_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_u64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_i64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_str, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_u64_or_word, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_array_and_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_buffer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
