/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/text.h: what is escaped for a terminal (C0, DEL, C1, bytes that
 * are not UTF-8), what passes (text, UTF-8, backslash), and the buffer
 * rules (snprintf-like length, cut at a whole escape, always terminated).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/text.h"

static void check(const char *in, const char *want)
{
	char out[256];
	char *dup;
	size_t n = bl_text_escape(in, out, sizeof(out));

	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	dup = bl_text_escape_dup(in);
	assert_non_null(dup);
	assert_string_equal(dup, want);
	free(dup);
	assert_int_equal(bl_text_is_clean(in), strcmp(in, want) == 0);
}

static void test_passes(void **state)
{
	(void)state;
	check("", "");
	check("counter.c1 <1.2.0> ok", "counter.c1 <1.2.0> ok");
	check("a\\x1b is not an escape", "a\\x1b is not an escape");
	check("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80",
	      "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80");
	check("nbsp\xc2\xa0", "nbsp\xc2\xa0"); /* U+00A0: past the C1 range */
	{
		char out[4] = "Z";
		char *dup = bl_text_escape_dup(NULL);

		assert_int_equal(bl_text_escape(NULL, out, sizeof(out)), 0);
		assert_string_equal(out, "");
		assert_string_equal(dup, "");
		free(dup);
		assert_true(bl_text_is_clean(NULL));
	}
}

static void test_controls(void **state)
{
	(void)state;
	check("\033[31mred\033[0m", "\\x1b[31mred\\x1b[0m");
	check("tab\there\nnew\rline", "tab\\x09here\\x0anew\\x0dline");
	check("bell\a del\x7f", "bell\\x07 del\\x7f");
	check("\x01\x1f", "\\x01\\x1f");
	/* C1 controls in UTF-8: CSI (U+009B) and U+0080 */
	check("x\xc2\x9b"
	      "2J",
	      "x\\xc2\\x9b2J");
	check("\xc2\x80", "\\xc2\\x80");
}

static void test_not_utf8(void **state)
{
	(void)state;
	check("raw \x9b byte", "raw \\x9b byte");		    /* 8-bit CSI */
	check("lead \xc3 alone", "lead \\xc3 alone");		    /* no continuation */
	check("cut \xe6\x97", "cut \\xe6\\x97");		    /* truncated at the end */
	check("overlong \xc0\xaf", "overlong \\xc0\\xaf");	    /* bad leads */
	check("overlong \xe0\x82\x9b", "overlong \\xe0\\x82\\x9b"); /* a C1 in 3 bytes */
	check("surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80");
	check("big \xf4\x90\x80\x80", "big \\xf4\\x90\\x80\\x80");
	check("\xff\xfe", "\\xff\\xfe");
}

static void test_buffer(void **state)
{
	char out[8];

	(void)state;
	/* The length needed, whatever the room. */
	assert_int_equal(bl_text_escape("a\033b", NULL, 0), 6);
	/* Cut before an escape that does not fit whole, and terminated. */
	memset(out, 'Z', sizeof(out));
	assert_int_equal(bl_text_escape("abcd\033e", out, 6), 9);
	assert_string_equal(out, "abcd");
	assert_int_equal(bl_text_escape("abcdefghij", out, sizeof(out)), 10);
	assert_string_equal(out, "abcdefg");
	/* A UTF-8 character is not cut in half either. */
	assert_int_equal(bl_text_escape("abcde\xe6\x97\xa5", out, 7), 8);
	assert_string_equal(out, "abcde");
	out[0] = 'Z';
	assert_int_equal(bl_text_escape("x", out, 1), 1);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passes),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
