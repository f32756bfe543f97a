/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libblmsg receiver, fed datagrams directly (no socket): message iteration,
 * per-source gap/duplicate accounting, the source bound, and malformed
 * datagrams counted by reason without ever being trusted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/blmsg.h"

static struct sockaddr_in addr(uint32_t ip, uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(ip);
	a.sin_port = htons(port);
	return a;
}

/* Build a frame of `count` messages "m<seq>" with key = seq * 10 into buf. */
static size_t make_frame(uint8_t *buf, size_t cap, uint64_t seq, unsigned int count)
{
	struct bl_client_batch *b = bl_client_batch_create(cap, 0, seq);
	const uint8_t *frame;
	size_t len;
	char p[32];

	assert_non_null(b);
	for (unsigned int i = 0; i < count; i++) {
		int n = snprintf(p, sizeof(p), "m%llu", (unsigned long long)(seq + i));
		assert_int_equal(bl_client_batch_add(b, (seq + i) * 10, p, (uint32_t)n), 0);
	}
	assert_int_equal(bl_client_batch_seal(b, &frame, &len), count);
	memcpy(buf, frame, len);
	bl_client_batch_destroy(b);
	return len;
}

/* Feed a frame and drain it; returns how many messages were flagged dup. */
static unsigned int feed_drain(struct bl_client_receiver *r, uint64_t seq, unsigned int count,
			       const struct sockaddr_in *src)
{
	uint8_t buf[2048];
	size_t len = make_frame(buf, sizeof(buf), seq, count);
	struct bl_client_msg m;
	unsigned int n = 0, dups = 0;
	char p[32];

	assert_int_equal(bl_client_receiver_feed(r, buf, len, src), (int)count);
	while (bl_client_receiver_next(r, &m) == 1) {
		int pl = snprintf(p, sizeof(p), "m%llu", (unsigned long long)(seq + n));
		assert_int_equal(m.seq, seq + n);
		assert_int_equal(m.key, (seq + n) * 10);
		assert_int_equal(m.len, (uint32_t)pl);
		assert_memory_equal(m.payload, p, m.len);
		assert_int_equal(m.src.sin_addr.s_addr, src->sin_addr.s_addr);
		assert_int_equal(m.src.sin_port, src->sin_port);
		dups += m.dup;
		n++;
	}
	assert_int_equal(n, count);
	return dups;
}

static void test_create_bounds(void **state)
{
	(void)state;
	errno = 0;
	assert_null(bl_client_receiver_create(0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(bl_client_receiver_create(BL_CLIENT_MAX_SOURCES + 1));
	assert_int_equal(errno, EINVAL);
	bl_client_receiver_destroy(NULL);
}

static void test_in_order(void **state)
{
	struct bl_client_receiver *r = bl_client_receiver_create(4);
	struct sockaddr_in a = addr(0x0a000001, 5000);
	struct bl_client_rx_stats st;
	struct bl_client_source s;
	struct bl_client_msg m;

	(void)state;
	assert_non_null(r);
	assert_int_equal(bl_client_receiver_next(r, &m), 0);
	/* A source may start anywhere: its first frame sets the expectation. */
	assert_int_equal(feed_drain(r, 500, 3, &a), 0);
	assert_int_equal(feed_drain(r, 503, 1, &a), 0);
	assert_int_equal(feed_drain(r, 504, 7, &a), 0);
	assert_int_equal(bl_client_receiver_next(r, &m), 0);
	bl_client_receiver_stats(r, &st);
	assert_int_equal(st.dgrams, 3);
	assert_int_equal(st.frames, 3);
	assert_int_equal(st.msgs, 11);
	assert_int_equal(st.gaps + st.lost + st.dups + st.untracked, 0);
	assert_int_equal(bl_client_receiver_source_count(r), 1);
	assert_int_equal(bl_client_receiver_source_get(r, 0, &s), 0);
	assert_int_equal(s.next_seq, 511);
	assert_int_equal(s.frames, 3);
	assert_int_equal(s.msgs, 11);
	assert_int_equal(bl_client_receiver_source_get(r, 1, &s), -ENOENT);
	bl_client_receiver_destroy(r);
}

static void test_gaps(void **state)
{
	struct bl_client_receiver *r = bl_client_receiver_create(4);
	struct sockaddr_in a = addr(0x0a000001, 5000);
	struct bl_client_rx_stats st;
	struct bl_client_source s;

	(void)state;
	assert_non_null(r);
	feed_drain(r, 0, 2, &a);
	feed_drain(r, 5, 1, &a);  /* 2,3,4 missing */
	feed_drain(r, 6, 2, &a);  /* in order again */
	feed_drain(r, 10, 1, &a); /* 8,9 missing */
	bl_client_receiver_source_get(r, 0, &s);
	assert_int_equal(s.gaps, 2);
	assert_int_equal(s.lost, 5);
	assert_int_equal(s.dups, 0);
	assert_int_equal(s.next_seq, 11);
	bl_client_receiver_stats(r, &st);
	assert_int_equal(st.gaps, 2);
	assert_int_equal(st.lost, 5);
	bl_client_receiver_destroy(r);
}

static void test_duplicates(void **state)
{
	struct bl_client_receiver *r = bl_client_receiver_create(4);
	struct sockaddr_in a = addr(0x0a000001, 5000);
	struct bl_client_source s;

	(void)state;
	assert_non_null(r);
	assert_int_equal(feed_drain(r, 0, 3, &a), 0);
	assert_int_equal(feed_drain(r, 0, 3, &a), 3); /* replayed frame */
	assert_int_equal(feed_drain(r, 2, 3, &a), 1); /* 2 seen, 3 and 4 new */
	assert_int_equal(feed_drain(r, 5, 1, &a), 0);
	bl_client_receiver_source_get(r, 0, &s);
	assert_int_equal(s.dups, 4);
	assert_int_equal(s.gaps, 0);
	assert_int_equal(s.next_seq, 6);
	/* A late frame after a gap is a duplicate of nothing seen, but below expected. */
	assert_int_equal(feed_drain(r, 10, 1, &a), 0);
	assert_int_equal(feed_drain(r, 7, 2, &a), 2);
	bl_client_receiver_source_get(r, 0, &s);
	assert_int_equal(s.gaps, 1);
	assert_int_equal(s.lost, 4);
	assert_int_equal(s.dups, 6);
	assert_int_equal(s.next_seq, 11);
	bl_client_receiver_destroy(r);
}

/* Same address, different ports: independent sequences. */
static void test_sources_independent(void **state)
{
	struct bl_client_receiver *r = bl_client_receiver_create(4);
	struct sockaddr_in a = addr(0x7f000001, 1000), b = addr(0x7f000001, 1001);
	struct sockaddr_in c = addr(0x7f000002, 1000);
	struct bl_client_source s;

	(void)state;
	assert_non_null(r);
	feed_drain(r, 0, 2, &a);
	feed_drain(r, 0, 2, &b);
	feed_drain(r, 0, 2, &c);
	feed_drain(r, 2, 2, &b);
	feed_drain(r, 2, 2, &a);
	assert_int_equal(bl_client_receiver_source_count(r), 3);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(bl_client_receiver_source_get(r, i, &s), 0);
		assert_int_equal(s.gaps + s.dups, 0);
	}
	/* Order of first appearance. */
	bl_client_receiver_source_get(r, 0, &s);
	assert_int_equal(s.addr.sin_port, htons(1000));
	assert_int_equal(s.next_seq, 4);
	bl_client_receiver_source_get(r, 2, &s);
	assert_int_equal(s.addr.sin_addr.s_addr, htonl(0x7f000002));
	assert_int_equal(s.next_seq, 2);
	bl_client_receiver_destroy(r);
}

/* Past the bound, frames are delivered but not tracked, and counted. */
static void test_source_overflow(void **state)
{
	struct bl_client_receiver *r = bl_client_receiver_create(2);
	struct sockaddr_in a = addr(1, 1), b = addr(2, 2), c = addr(3, 3);
	struct bl_client_rx_stats st;

	(void)state;
	assert_non_null(r);
	feed_drain(r, 0, 1, &a);
	feed_drain(r, 0, 1, &b);
	assert_int_equal(feed_drain(r, 0, 2, &c), 0);
	assert_int_equal(feed_drain(r, 0, 2, &c), 0); /* untracked: no dup verdict */
	feed_drain(r, 1, 1, &a);
	bl_client_receiver_stats(r, &st);
	assert_int_equal(bl_client_receiver_source_count(r), 2);
	assert_int_equal(st.untracked, 2);
	assert_int_equal(st.msgs, 7);
	assert_int_equal(st.dups + st.gaps, 0);
	bl_client_receiver_destroy(r);
}

/* A full table of many sources: every one found again, none confused. */
static void test_many_sources(void **state)
{
	const unsigned int n = 1000;
	struct bl_client_receiver *r = bl_client_receiver_create(n);
	struct bl_client_rx_stats st;
	struct bl_client_source s;

	(void)state;
	assert_non_null(r);
	for (unsigned int i = 0; i < n; i++) {
		struct sockaddr_in a = addr(0x0a000000 + (i % 7), (uint16_t)(1000 + i));
		feed_drain(r, i, 1, &a);
	}
	for (unsigned int i = 0; i < n; i++) {
		struct sockaddr_in a = addr(0x0a000000 + (i % 7), (uint16_t)(1000 + i));
		feed_drain(r, i + 1, 1, &a);
	}
	bl_client_receiver_stats(r, &st);
	assert_int_equal(bl_client_receiver_source_count(r), n);
	assert_int_equal(st.untracked + st.gaps + st.dups, 0);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(bl_client_receiver_source_get(r, i, &s), 0);
		assert_int_equal(s.next_seq, i + 2);
		assert_int_equal(s.frames, 2);
	}
	bl_client_receiver_destroy(r);
}

static void expect_drop(struct bl_client_receiver *r, const uint8_t *p, size_t len,
			enum bl_client_rx_drop why)
{
	struct bl_client_rx_stats before, after;
	struct sockaddr_in a = addr(9, 9);
	struct bl_client_msg m;

	bl_client_receiver_stats(r, &before);
	assert_int_equal(bl_client_receiver_feed(r, p, len, &a), 0);
	assert_int_equal(bl_client_receiver_next(r, &m), 0);
	bl_client_receiver_stats(r, &after);
	assert_int_equal(after.drops[why], before.drops[why] + 1);
	assert_int_equal(after.dgrams, before.dgrams + 1);
	assert_int_equal(after.frames, before.frames);
}

static void test_malformed_by_reason(void **state)
{
	struct bl_client_receiver *r = bl_client_receiver_create(4);
	uint8_t good[256], bad[256];
	size_t len = make_frame(good, sizeof(good), 0, 2); /* 16 + 2 * (16 + 2) = 52 */
	uint8_t *big = calloc(1, BL_CLIENT_MAX_DGRAM + 1);
	struct bl_client_rx_stats st;
	struct bl_client_msg m;
	uint64_t total = 0;

	(void)state;
	assert_non_null(r);
	assert_non_null(big);
	assert_int_equal(len, 52);

	expect_drop(r, NULL, 0, BL_CLIENT_RX_DROP_FRAME_TRUNCATED);
	expect_drop(r, good, BL_WIRE_FRAME_HDR_LEN - 1, BL_CLIENT_RX_DROP_FRAME_TRUNCATED);
	memcpy(bad, good, len);
	bad[0] ^= 0xff;
	expect_drop(r, bad, len, BL_CLIENT_RX_DROP_BAD_MAGIC);
	memcpy(bad, good, len);
	bl_wire_put16(bad + 4, 0);
	expect_drop(r, bad, len, BL_CLIENT_RX_DROP_ZERO_COUNT);
	memcpy(bad, good, len);
	bl_wire_put16(bad + 4, 3); /* a third header would start at 52 */
	expect_drop(r, bad, len, BL_CLIENT_RX_DROP_MSG_TRUNCATED);
	expect_drop(r, good, len - 1, BL_CLIENT_RX_DROP_LENGTH_OVERFLOW);
	memcpy(bad, good, len);
	bl_wire_put32(bad + 16, 0xffffffffu); /* first payload length: huge */
	expect_drop(r, bad, len, BL_CLIENT_RX_DROP_LENGTH_OVERFLOW);
	memcpy(bad, good, len);
	bad[len] = 0;
	expect_drop(r, bad, len + 1, BL_CLIENT_RX_DROP_COUNT_MISMATCH);
	memcpy(bad, good, len);
	bl_wire_put16(bad + 4, 1);
	expect_drop(r, bad, len, BL_CLIENT_RX_DROP_COUNT_MISMATCH);
	memcpy(big, good, len);
	expect_drop(r, big, BL_CLIENT_MAX_DGRAM + 1, BL_CLIENT_RX_DROP_OVERSIZE);

	/* A good frame after all that is still accepted; a refused one clears it. */
	assert_int_equal(bl_client_receiver_feed(r, good, len, NULL), 2);
	assert_int_equal(bl_client_receiver_feed(r, good, 3, NULL), 0);
	assert_int_equal(bl_client_receiver_next(r, &m), 0);

	bl_client_receiver_stats(r, &st);
	for (unsigned int i = 0; i < BL_CLIENT_RX_DROP_MAX; i++)
		total += st.drops[i];
	assert_int_equal(st.frames, 1);
	assert_int_equal(st.dgrams, st.frames + total);
	assert_int_equal(st.drops[BL_CLIENT_RX_DROP_FRAME_TRUNCATED], 3);
	free(big);
	bl_client_receiver_destroy(r);
}

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(bl_client_rx_drop_name(BL_CLIENT_RX_DROP_FRAME_TRUNCATED),
			    "frame_truncated");
	assert_string_equal(bl_client_rx_drop_name(BL_CLIENT_RX_DROP_BAD_MAGIC), "bad_magic");
	assert_string_equal(bl_client_rx_drop_name(BL_CLIENT_RX_DROP_COUNT_MISMATCH),
			    "count_mismatch");
	assert_string_equal(bl_client_rx_drop_name(BL_CLIENT_RX_DROP_OVERSIZE), "oversize");
	assert_string_equal(bl_client_rx_drop_name(BL_CLIENT_RX_DROP_MAX), "unknown");
	/* The frame-level names are the shared codec's, so counters read the same. */
	for (unsigned int i = BL_WIRE_TRUNCATED; i < BL_WIRE_STATUS_MAX; i++)
		assert_string_equal(bl_client_rx_drop_name(i - BL_WIRE_TRUNCATED),
				    bl_wire_status_names[i]);
}

/*
 * Random bytes and bit-flipped good frames: nothing crashes (ASan checks
 * every read), every datagram is either a frame or one counted drop, and the
 * messages of an accepted frame lie inside it.
 */
static void test_garbage_never_crashes(void **state)
{
	struct bl_client_receiver *r = bl_client_receiver_create(8);
	uint8_t good[512];
	size_t glen = make_frame(good, sizeof(good), 42, 6);
	struct bl_client_rx_stats st;
	struct bl_client_msg m;
	uint64_t total = 0, msgs = 0;
	unsigned int seed = 12345;

	(void)state;
	assert_non_null(r);
	for (int it = 0; it < 20000; it++) {
		size_t len;
		/* Exact-size heap copy, so any over-read is caught. */
		uint8_t *p;

		if (it & 1) {
			len = (size_t)(rand_r(&seed) % 96);
			p = malloc(len ? len : 1);
			assert_non_null(p);
			for (size_t i = 0; i < len; i++)
				p[i] = (uint8_t)rand_r(&seed);
			/* Half of them get a real magic so the deeper checks run. */
			if (len >= 4 && (it & 2))
				bl_wire_put32(p, BL_WIRE_MAGIC);
		} else {
			len = glen - (size_t)(rand_r(&seed) % 3);
			p = malloc(len);
			assert_non_null(p);
			memcpy(p, good, len);
			for (int k = 0; k < 1 + rand_r(&seed) % 3; k++)
				p[(size_t)rand_r(&seed) % len] ^=
				    (uint8_t)(1u << (rand_r(&seed) % 8));
		}
		if (bl_client_receiver_feed(r, p, len, NULL) > 0) {
			while (bl_client_receiver_next(r, &m) == 1) {
				assert_true(m.payload >= p);
				assert_true(m.payload + m.len <= p + len);
				msgs++;
			}
		}
		free(p);
	}
	bl_client_receiver_stats(r, &st);
	for (unsigned int i = 0; i < BL_CLIENT_RX_DROP_MAX; i++)
		total += st.drops[i];
	assert_int_equal(st.dgrams, 20000);
	assert_int_equal(st.dgrams, st.frames + total);
	assert_int_equal(st.msgs, msgs);
	assert_true(total > 0);
	bl_client_receiver_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_bounds),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_sources_independent),
		cmocka_unit_test(test_source_overflow),
		cmocka_unit_test(test_many_sources),
		cmocka_unit_test(test_malformed_by_reason),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_garbage_never_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
