/* SPDX-License-Identifier: BSD-3-Clause */
/* libblmsg batcher: exact size boundaries, per-message seq numbering, frame bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "client/blmsg.h"

static void test_create_rejects_bad_sizes(void **state)
{
	(void)state;
	errno = 0;
	assert_null(bl_client_batch_create(BL_CLIENT_MIN_DGRAM - 1, 0, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(bl_client_batch_create(BL_CLIENT_MAX_DGRAM + 1, 0, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(bl_client_batch_create(1000, 65536, 0));
	assert_int_equal(errno, EINVAL);

	struct bl_client_batch *b = bl_client_batch_create(BL_CLIENT_MIN_DGRAM, 0, 0);
	assert_non_null(b);
	assert_int_equal(b->max_msgs, UINT16_MAX);
	assert_int_equal(bl_client_batch_max_payload(b), 0);
	/* The smallest frame takes exactly one empty message. */
	assert_int_equal(bl_client_batch_add(b, 1, NULL, 0), 0);
	assert_int_equal(bl_client_batch_add(b, 1, NULL, 0), -ENOBUFS);
	assert_int_equal(bl_client_batch_add(b, 1, "x", 1), -EMSGSIZE);
	bl_client_batch_destroy(b);
	bl_client_batch_destroy(NULL);
}

/* One message exactly filling the frame; one byte more can never fit. */
/* The datagram bound for a path MTU: what IPv4 and UDP leave of it, and a
 * batcher made with it builds no frame larger. */
static void test_dgram_for_mtu(void **state)
{
	struct bl_client_batch *b;

	(void)state;
	assert_int_equal(bl_client_dgram_for_mtu(1500), BL_CLIENT_DEFAULT_DGRAM);
	assert_int_equal(bl_client_dgram_for_mtu(9000), 8972);
	assert_int_equal(bl_client_dgram_for_mtu(60), BL_CLIENT_MIN_DGRAM);
	assert_int_equal(bl_client_dgram_for_mtu(59), 0);
	assert_int_equal(bl_client_dgram_for_mtu(65535), BL_CLIENT_MAX_DGRAM);
	assert_int_equal(bl_client_dgram_for_mtu(65536), 0);
	b = bl_client_batch_create(bl_client_dgram_for_mtu(9000), 0, 0);
	assert_non_null(b);
	bl_client_batch_destroy(b);
}

static void test_single_message_boundary(void **state)
{
	uint8_t payload[200];
	const uint8_t *frame;
	size_t len;
	struct bl_client_batch *b = bl_client_batch_create(100, 0, 0);

	(void)state;
	assert_non_null(b);
	memset(payload, 0xab, sizeof(payload));
	assert_int_equal(bl_client_batch_max_payload(b), 100 - 32);
	assert_int_equal(bl_client_batch_add(b, 7, payload, 69), -EMSGSIZE);
	assert_int_equal(bl_client_batch_add(b, 7, payload, UINT32_MAX), -EMSGSIZE);
	assert_int_equal(b->count, 0);
	assert_int_equal(b->len, BL_WIRE_FRAME_HDR_LEN);
	assert_int_equal(bl_client_batch_add(b, 7, payload, 68), 0);
	assert_int_equal(b->len, 100);
	assert_int_equal(bl_client_batch_add(b, 7, NULL, 0), -ENOBUFS);
	assert_int_equal(bl_client_batch_seal(b, &frame, &len), 1);
	assert_int_equal(len, 100);
	bl_client_batch_destroy(b);
}

/* Two messages fill the frame to the byte; a frame one byte smaller takes one. */
static void test_two_message_boundary(void **state)
{
	const uint8_t *frame;
	size_t len;
	struct bl_wire_frame fr;
	const size_t exact = BL_WIRE_FRAME_HDR_LEN + 2 * (BL_WIRE_MSG_HDR_LEN + 10);
	struct bl_client_batch *b = bl_client_batch_create(exact, 0, 0);
	struct bl_client_batch *s = bl_client_batch_create(exact - 1, 0, 0);

	(void)state;
	assert_non_null(b);
	assert_non_null(s);
	assert_int_equal(bl_client_batch_add(b, 1, "0123456789", 10), 0);
	assert_int_equal(bl_client_batch_add(b, 2, "abcdefghij", 10), 0);
	assert_int_equal(bl_client_batch_add(b, 3, NULL, 0), -ENOBUFS);
	assert_int_equal(bl_client_batch_seal(b, &frame, &len), 2);
	assert_int_equal(len, exact);
	assert_int_equal(bl_wire_frame_check(frame, len, &fr), BL_WIRE_OK);
	assert_int_equal(fr.count, 2);

	assert_int_equal(bl_client_batch_add(s, 1, "0123456789", 10), 0);
	assert_int_equal(bl_client_batch_add(s, 2, "abcdefghij", 10), -ENOBUFS);
	/* A refused add leaves the frame exactly as it was. */
	assert_int_equal(s->count, 1);
	assert_int_equal(s->len, BL_WIRE_FRAME_HDR_LEN + BL_WIRE_MSG_HDR_LEN + 10);
	assert_int_equal(bl_client_batch_add(s, 2, "abcdefghi", 9), 0);
	assert_int_equal(s->len, exact - 1);
	bl_client_batch_destroy(b);
	bl_client_batch_destroy(s);
}

static void test_max_msgs_policy(void **state)
{
	struct bl_client_batch *b = bl_client_batch_create(1000, 3, 0);

	(void)state;
	assert_non_null(b);
	for (int i = 0; i < 3; i++)
		assert_int_equal(bl_client_batch_add(b, 1, "x", 1), 0);
	assert_int_equal(bl_client_batch_add(b, 1, "x", 1), -ENOBUFS);
	bl_client_batch_reset(b);
	assert_int_equal(bl_client_batch_add(b, 1, "x", 1), 0);
	bl_client_batch_destroy(b);
}

/* Zero-length payloads: the count is bounded by bytes, 16 per message. */
static void test_many_empty_messages(void **state)
{
	const uint8_t *frame;
	size_t len;
	struct bl_wire_frame fr;
	unsigned int n = 0;
	struct bl_client_batch *b = bl_client_batch_create(BL_CLIENT_MAX_DGRAM, 0, 0);

	(void)state;
	assert_non_null(b);
	while (bl_client_batch_add(b, n, NULL, 0) == 0)
		n++;
	assert_int_equal(n, (BL_CLIENT_MAX_DGRAM - BL_WIRE_FRAME_HDR_LEN) / BL_WIRE_MSG_HDR_LEN);
	assert_int_equal(bl_client_batch_seal(b, &frame, &len), n);
	assert_int_equal(bl_wire_frame_check(frame, len, &fr), BL_WIRE_OK);
	assert_int_equal(fr.count, n);
	bl_client_batch_destroy(b);
}

/* Seq counts messages: each frame carries the seq of its first message. */
static void test_seq_numbering(void **state)
{
	const uint8_t *frame;
	size_t len;
	struct bl_wire_frame fr;
	struct bl_client_batch *b = bl_client_batch_create(200, 0, 1000);

	(void)state;
	assert_non_null(b);
	assert_int_equal(bl_client_batch_seal(b, &frame, &len), 0);
	assert_int_equal(len, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(bl_client_batch_add(b, 5, "abc", 3), 0);
	assert_int_equal(bl_client_batch_next_seq(b), 1003);
	assert_int_equal(bl_client_batch_seal(b, &frame, &len), 3);
	assert_int_equal(bl_wire_frame_check(frame, len, &fr), BL_WIRE_OK);
	assert_int_equal(fr.seq, 1000);
	bl_client_batch_reset(b);

	/* An empty frame consumes no seq. */
	bl_client_batch_reset(b);
	assert_int_equal(bl_client_batch_next_seq(b), 1003);
	for (int i = 0; i < 2; i++)
		assert_int_equal(bl_client_batch_add(b, 5, "abc", 3), 0);
	assert_int_equal(bl_client_batch_seal(b, &frame, &len), 2);
	assert_int_equal(bl_wire_frame_check(frame, len, &fr), BL_WIRE_OK);
	assert_int_equal(fr.seq, 1003);
	bl_client_batch_reset(b);
	assert_int_equal(bl_client_batch_next_seq(b), 1005);
	bl_client_batch_destroy(b);
}

/* The bytes on the wire, decoded by the shared codec, are what was added. */
static void test_frame_contents(void **state)
{
	static const char *const payloads[] = { "", "a", "hello world", "0123456789abcdef" };
	const uint8_t *frame;
	size_t len;
	struct bl_wire_frame fr;
	struct bl_wire_msg m;
	uint32_t off = BL_WIRE_FRAME_HDR_LEN;
	struct bl_client_batch *b = bl_client_batch_create(1472, 0, 77);

	(void)state;
	assert_non_null(b);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(bl_client_batch_add(b, 0x1122334455667788ull + i, payloads[i],
						     (uint32_t)strlen(payloads[i])),
				 0);
	assert_int_equal(bl_client_batch_seal(b, &frame, &len), 4);
	assert_int_equal(bl_wire_get32(frame), BL_WIRE_MAGIC);
	assert_int_equal(bl_wire_frame_check(frame, len, &fr), BL_WIRE_OK);
	assert_int_equal(fr.flags, 0);
	assert_int_equal(fr.seq, 77);
	for (unsigned int i = 0; i < 4; i++) {
		bl_wire_msg_next(frame, &off, &m);
		assert_int_equal(m.key, 0x1122334455667788ull + i);
		assert_int_equal(m.kind, BL_WIRE_KIND_DATA);
		assert_int_equal(m.flags, 0);
		assert_int_equal(m.len, strlen(payloads[i]));
		if (m.len)
			assert_memory_equal(frame + m.off, payloads[i], m.len);
	}
	assert_int_equal(off, len);
	bl_client_batch_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects_bad_sizes),
		cmocka_unit_test(test_dgram_for_mtu),
		cmocka_unit_test(test_single_message_boundary),
		cmocka_unit_test(test_two_message_boundary),
		cmocka_unit_test(test_max_msgs_policy),
		cmocka_unit_test(test_many_empty_messages),
		cmocka_unit_test(test_seq_numbering),
		cmocka_unit_test(test_frame_contents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
