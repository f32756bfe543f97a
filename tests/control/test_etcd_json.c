/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/etcd_json.h and control/cluster_route_json.h on replies as etcd
 * 3.4's gateway writes them: base64 both ways, prefix ranges, request
 * bodies, range replies, a watch stream cut at any byte (created, events of
 * both kinds, compaction, error), garbage refused; and cluster route values
 * round-trip, with a wrong key or a bad route refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/cluster_route_json.h"
#include "control/etcd_json.h"

static void test_base64(void **state)
{
	static const char *const plain[] = {
		"", "a", "ab", "abc", "abcd", "/beamline/c/routes/42"
	};
	static const char *const coded[] = { "",     "YQ==",	 "YWI=",
					     "YWJj", "YWJjZA==", "L2JlYW1saW5lL2Mvcm91dGVzLzQy" };
	size_t n;
	char *s;

	(void)state;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		s = bl_etcd_b64_encode(plain[i], strlen(plain[i]));
		assert_string_equal(s, coded[i]);
		free(s);
		s = bl_etcd_b64_decode(coded[i], &n);
		assert_non_null(s);
		assert_int_equal(n, strlen(plain[i]));
		assert_string_equal(s, plain[i]);
		free(s);
	}
	/* Padding is optional; anything else outside the alphabet is refused. */
	s = bl_etcd_b64_decode("YQ", &n);
	assert_string_equal(s, "a");
	free(s);
	assert_null(bl_etcd_b64_decode("Y", &n));
	assert_null(bl_etcd_b64_decode("YQ=!", &n));
	assert_null(bl_etcd_b64_decode("Y Q==", &n));
	assert_null(bl_etcd_b64_decode("YQ===", &n));
}

static void test_prefix_and_requests(void **state)
{
	char *end = bl_etcd_prefix_end("/beamline/c/routes/");
	json_t *o;
	char *s;

	(void)state;
	assert_string_equal(end, "/beamline/c/routes0");
	free(end);
	assert_null(bl_etcd_prefix_end(""));
	assert_null(bl_etcd_prefix_end("\xff\xff"));
	end = bl_etcd_prefix_end("a\xff");
	assert_string_equal(end, "b");
	free(end);

	o = bl_etcd_req_watch_prefix("a", 7);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"create_request\":{\"key\":\"YQ==\",\"range_end\":\"Yg==\","
			       "\"start_revision\":\"7\"}}");
	free(s);
	json_decref(o);
	o = bl_etcd_req_put("a", "1", 42);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"key\":\"YQ==\",\"lease\":\"42\",\"value\":\"MQ==\"}");
	free(s);
	json_decref(o);
	o = bl_etcd_req_lease("TTL", 5);
	s = json_dumps(o, JSON_COMPACT);
	assert_string_equal(s, "{\"TTL\":5}");
	free(s);
	json_decref(o);
}

struct seen {
	int n;
	char keys[8][64];
	char values[8][64];
	bool deleted[8];
	int64_t rev[8];
};

static int record(void *arg, const struct bl_etcd_kv *kv)
{
	struct seen *s = arg;

	if (s->n == 8)
		return -E2BIG;
	snprintf(s->keys[s->n], 64, "%s", kv->key);
	snprintf(s->values[s->n], 64, "%s", kv->value);
	s->deleted[s->n] = kv->deleted;
	s->rev[s->n++] = kv->mod_revision;
	return 0;
}

static void test_range(void **state)
{
	const char *text =
	    "{\"header\":{\"cluster_id\":\"1\",\"revision\":\"9\"},\"kvs\":[{\"key\":\"YQ==\","
	    "\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"MQ==\","
	    "\"lease\":\"77\"},{\"key\":\"Yg==\",\"mod_revision\":\"5\"}],\"count\":\"2\"}";
	json_t *o = json_loads(text, 0, NULL);
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(bl_etcd_revision(o), 9);
	assert_int_equal(bl_etcd_range_each(o, record, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.keys[0], "a");
	assert_string_equal(s.values[0], "1");
	assert_int_equal(s.rev[1], 5);
	assert_string_equal(s.values[1], ""); /* an empty value is left out */
	json_decref(o);

	/* An empty range has no kvs; a bad one is refused, never a crash. */
	o = json_loads("{\"header\":{\"revision\":\"3\"}}", 0, NULL);
	assert_int_equal(bl_etcd_range_each(o, record, &s), 0);
	json_decref(o);
	o = json_loads("{\"kvs\":[{\"key\":\"!!\"}]}", 0, NULL);
	assert_int_equal(bl_etcd_range_each(o, record, &s), -EINVAL);
	json_decref(o);
	o = json_loads("{\"kvs\":[{\"key\":\"YQ==\",\"mod_revision\":\"x\"}]}", 0, NULL);
	assert_int_equal(bl_etcd_range_each(o, record, &s), -EINVAL);
	json_decref(o);
	o = json_loads("{\"kvs\":{}}", 0, NULL);
	assert_int_equal(bl_etcd_range_each(o, record, &s), -EINVAL);
	json_decref(o);
}

/* A watch stream as etcd 3.4 sent it to the test's curl. */
static const char stream[] =
    "{\"result\":{\"header\":{\"cluster_id\":\"1\",\"revision\":\"2\"},\"created\":true}}\n"
    "{\"result\":{\"header\":{\"revision\":\"2\"},\"events\":[{\"kv\":{\"key\":\"YQ==\","
    "\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"MQ==\"}}]}}\n"
    "{\"result\":{\"header\":{\"revision\":\"3\"},\"events\":[{\"type\":\"DELETE\",\"kv\":{"
    "\"key\":\"YQ==\",\"mod_revision\":\"3\"}}]}}\n";

/* Feed the stream cut at `cut` bytes then the rest, as reads would bring it. */
static void feed(size_t cut, struct seen *s, int *created)
{
	char buf[sizeof(stream)];
	size_t have = 0, fed = 0, total = strlen(stream);

	while (fed < total || have > 0) {
		size_t add = fed < cut ? cut - fed : total - fed;
		struct bl_etcd_watch_msg m;
		long n;

		memcpy(buf + have, stream + fed, add);
		have += add;
		fed += add;
		while ((n = bl_etcd_watch_take(buf, have, &m, record, s)) > 0) {
			*created += m.created;
			memmove(buf, buf + n, have - (size_t)n);
			have -= (size_t)n;
		}
		assert_true(n == 0);
		if (fed == total && have > 0) {
			/* Only blanks may be left. */
			assert_int_equal(strspn(buf, "\n"), have);
			break;
		}
	}
}

static void test_watch_stream(void **state)
{
	(void)state;
	for (size_t cut = 0; cut <= strlen(stream); cut += 7) {
		struct seen s = { 0 };
		int created = 0;

		feed(cut, &s, &created);
		assert_int_equal(created, 1);
		assert_int_equal(s.n, 2);
		assert_false(s.deleted[0]);
		assert_string_equal(s.values[0], "1");
		assert_true(s.deleted[1]);
		assert_string_equal(s.keys[1], "a");
		assert_int_equal(s.rev[1], 3);
	}
}

static void test_watch_special(void **state)
{
	const char *compacted = "{\"result\":{\"header\":{\"raft_term\":\"2\"},\"canceled\":true,"
				"\"compact_revision\":\"3\"}}";
	const char *err = "{\"error\":{\"grpc_code\":14,\"message\":\"unavailable\"}}";
	struct bl_etcd_watch_msg m;
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(bl_etcd_watch_take(compacted, strlen(compacted), &m, record, &s),
			 (long)strlen(compacted));
	assert_int_equal(m.compact_revision, 3);
	assert_true(m.canceled);
	assert_int_equal(bl_etcd_watch_take(err, strlen(err), &m, record, &s), (long)strlen(err));
	assert_true(m.error);
	/* Not a watch reply at all: the stream must go. */
	assert_int_equal(bl_etcd_watch_take("]", 1, &m, record, &s), -EINVAL);
	assert_int_equal(bl_etcd_watch_take("[1]", 3, &m, record, &s), -EINVAL);
	assert_int_equal(bl_etcd_watch_take("{\"result\":7}", 12, &m, record, &s), -EINVAL);
	assert_int_equal(
	    bl_etcd_watch_take("{\"result\":{\"events\":[{\"type\":\"EXPLODE\",\"kv\":{}}]}}", 50,
			       &m, record, &s),
	    -EINVAL);
	assert_int_equal(bl_etcd_watch_take("   ", 3, &m, record, &s), 0);
	assert_int_equal(s.n, 0);
}

static void test_route_value(void **state)
{
	struct bl_cmd_route r, back;
	uint64_t written;
	char err[256];
	char *v;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.key.value = 42;
	r.action = BL_CMD_ACTION_DROP;
	v = bl_cluster_route_value(&r, 1234, "nodeA");
	assert_non_null(v);
	assert_int_equal(bl_cluster_route_parse("42", v, &back, &written, err, sizeof(err)), 0);
	assert_int_equal(written, 1234);
	assert_int_equal(back.key.value, 42);
	assert_int_equal(back.action, BL_CMD_ACTION_DROP);
	/* Stored under another key: refused, with both keys named. */
	assert_int_equal(bl_cluster_route_parse("43", v, &back, &written, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "key 42"));
	free(v);
	assert_int_equal(bl_cluster_route_parse("7", "not json", &back, &written, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(bl_cluster_route_parse("7", "{\"route\":{\"key\":7,\"action\":\"fly\"}}",
						&back, &written, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(bl_cluster_route_parse("x", "{}", &back, &written, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(bl_cluster_route_parse(
			     "default", "{\"route\":{\"key\":\"default\",\"action\":\"drop\"}}",
			     &back, &written, err, sizeof(err)),
			 0);
	assert_true(back.key.is_default);
	assert_int_equal(written, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),	      cmocka_unit_test(test_prefix_and_requests),
		cmocka_unit_test(test_range),	      cmocka_unit_test(test_watch_stream),
		cmocka_unit_test(test_watch_special), cmocka_unit_test(test_route_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
