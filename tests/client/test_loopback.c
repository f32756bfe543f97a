/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libblmsg over real UDP sockets on 127.0.0.1: address parsing, a sender and
 * a receiver round trip, and the sender's accounting of refused frames.
 * Ports come from the kernel (bind to port 0), so tests never collide.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/blmsg.h"

static void test_addr_parse(void **state)
{
	struct sockaddr_in a;
	char buf[32];

	(void)state;
	assert_int_equal(bl_client_addr_parse("127.0.0.1:7447", 0, false, &a), 0);
	assert_int_equal(a.sin_family, AF_INET);
	assert_int_equal(a.sin_addr.s_addr, htonl(0x7f000001));
	assert_int_equal(ntohs(a.sin_port), 7447);
	assert_string_equal(bl_client_addr_str(&a, buf, sizeof(buf)), "127.0.0.1:7447");

	assert_int_equal(bl_client_addr_parse("10.1.2.3", 99, false, &a), 0);
	assert_string_equal(bl_client_addr_str(&a, buf, sizeof(buf)), "10.1.2.3:99");
	assert_int_equal(bl_client_addr_parse("0.0.0.0:0", 0, true, &a), 0);
	assert_int_equal(a.sin_port, 0);

	assert_int_equal(bl_client_addr_parse("10.1.2.3", 0, false, &a), -EINVAL);
	assert_int_equal(bl_client_addr_parse("0.0.0.0:0", 0, false, &a), -EINVAL);
	assert_int_equal(bl_client_addr_parse(":80", 0, false, &a), -EINVAL);
	assert_int_equal(bl_client_addr_parse("1.2.3.4:", 0, false, &a), -EINVAL);
	assert_int_equal(bl_client_addr_parse("1.2.3.4:65536", 0, false, &a), -EINVAL);
	assert_int_equal(bl_client_addr_parse("1.2.3.4:-1", 0, false, &a), -EINVAL);
	assert_int_equal(bl_client_addr_parse("1.2.3.4:+1", 0, false, &a), -EINVAL);
	assert_int_equal(bl_client_addr_parse("1.2.3.4:12x", 0, false, &a), -EINVAL);
	assert_int_equal(bl_client_addr_parse(NULL, 0, false, &a), -EINVAL);
}

static void test_bad_use(void **state)
{
	struct bl_client_receiver *r = bl_client_receiver_create(4);
	struct sockaddr_in a, local;

	(void)state;
	assert_non_null(r);
	assert_int_equal(bl_client_receiver_fd(r), -1);
	assert_int_equal(bl_client_receiver_recv(r, 0), -ENOTCONN);
	assert_int_equal(bl_client_receiver_local(r, &local), -ENOTCONN);
	assert_int_equal(bl_client_addr_parse("127.0.0.1:0", 0, true, &a), 0);
	assert_int_equal(bl_client_receiver_bind(r, &a), 0);
	assert_int_equal(bl_client_receiver_bind(r, &a), -EBUSY);
	assert_int_equal(bl_client_receiver_recv(r, 0), -ETIMEDOUT);
	bl_client_receiver_destroy(r);

	errno = 0;
	assert_null(bl_client_sender_open(NULL, 1472, 0, 0));
	assert_int_equal(errno, EINVAL);
	a.sin_port = 0;
	errno = 0;
	assert_null(bl_client_sender_open(&a, 1472, 0, 0));
	assert_int_equal(errno, EINVAL);
	a.sin_port = htons(9);
	errno = 0;
	assert_null(bl_client_sender_open(&a, 10, 0, 0));
	assert_int_equal(errno, EINVAL);
}

/* 300 messages of 0..299 bytes through 512-byte datagrams, all back in order. */
static void test_round_trip(void **state)
{
	const unsigned int n = 300;
	struct bl_client_receiver *r = bl_client_receiver_create(4);
	struct bl_client_sender *s;
	struct sockaddr_in a, local, src;
	struct bl_client_tx_stats tx;
	struct bl_client_rx_stats rx;
	struct bl_client_source so;
	struct bl_client_msg m;
	socklen_t sl = sizeof(src);
	uint8_t payload[400];
	unsigned int got = 0;

	(void)state;
	for (unsigned int i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	assert_non_null(r);
	assert_int_equal(bl_client_addr_parse("127.0.0.1:0", 0, true, &a), 0);
	assert_int_equal(bl_client_receiver_bind(r, &a), 0);
	assert_int_equal(bl_client_receiver_local(r, &local), 0);
	assert_int_not_equal(local.sin_port, 0);

	s = bl_client_sender_open(&local, 512, 0, 1u << 20);
	assert_non_null(s);
	assert_int_equal(bl_client_sender_max_payload(s), 512 - 32);
	assert_int_equal(bl_client_sender_add(s, 1, payload, 481), -EMSGSIZE);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(bl_client_sender_add(s, 1000 + i, payload, i), 0);
	assert_true(bl_client_sender_pending(s) > 0);
	assert_int_equal(bl_client_sender_flush(s), 0);
	assert_int_equal(bl_client_sender_pending(s), 0);
	assert_int_equal(bl_client_sender_flush(s), 0); /* nothing pending: no frame */
	bl_client_sender_stats(s, &tx);
	assert_int_equal(tx.msgs, n);
	assert_int_equal(tx.send_errors, 0);
	assert_int_equal(bl_client_sender_next_seq(s), (1u << 20) + n);

	while (got < n) {
		int rc = bl_client_receiver_recv(r, 5000);

		/* Loopback does not lose datagrams this small at this rate. */
		assert_true(rc > 0);
		while (bl_client_receiver_next(r, &m) == 1) {
			assert_int_equal(m.seq, (1u << 20) + got);
			assert_int_equal(m.key, 1000 + got);
			assert_int_equal(m.len, got);
			if (m.len)
				assert_memory_equal(m.payload, payload, m.len);
			assert_false(m.dup);
			got++;
		}
	}
	bl_client_receiver_stats(r, &rx);
	assert_int_equal(rx.frames, tx.frames);
	assert_int_equal(rx.msgs, n);
	assert_int_equal(rx.bytes, (uint64_t)n * (n - 1) / 2);
	assert_int_equal(rx.gaps + rx.dups, 0);
	assert_int_equal(bl_client_receiver_source_get(r, 0, &so), 0);
	assert_int_equal(getsockname(bl_client_sender_fd(s), (struct sockaddr *)&src, &sl), 0);
	assert_int_equal(so.addr.sin_port, src.sin_port);
	assert_int_equal(so.next_seq, (1u << 20) + n);

	bl_client_sender_close(s);
	bl_client_receiver_destroy(r);
}

/*
 * Frames to a closed loopback port: the kernel reports ECONNREFUSED on a
 * later send. Every frame is either counted sent or counted dropped, never
 * both, and the seq moves on either way.
 */
static void test_refused_frames_are_counted(void **state)
{
	struct bl_client_sender *s;
	struct bl_client_tx_stats tx;
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd, failures = 0;

	(void)state;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bl_client_addr_parse("127.0.0.1:0", 0, true, &a), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd); /* the port is now closed */

	s = bl_client_sender_open(&a, 256, 2, 0);
	assert_non_null(s);
	for (int i = 0; i < 20; i++) {
		int rc;

		assert_int_equal(bl_client_sender_add(s, 1, "x", 1), 0);
		rc = bl_client_sender_flush(s);
		if (rc) {
			assert_int_equal(rc, -ECONNREFUSED);
			failures++;
		}
	}
	bl_client_sender_stats(s, &tx);
	assert_true(failures > 0);
	assert_int_equal(tx.send_errors, (uint64_t)failures);
	assert_int_equal(tx.msgs_dropped, (uint64_t)failures);
	assert_int_equal(tx.last_error, -ECONNREFUSED);
	assert_int_equal(tx.frames + tx.send_errors, 20);
	assert_int_equal(bl_client_sender_next_seq(s), 20);
	bl_client_sender_close(s);
	bl_client_sender_close(NULL);
}

/* Either family: IPv4 and IPv6 forms, with and without a port. */
static void test_addr_parse_any(void **state)
{
	const struct sockaddr_in6 *a6;
	struct sockaddr_storage a;
	char buf[BL_CLIENT_ADDR_STR_MAX];
	socklen_t len;

	(void)state;
	a6 = (const struct sockaddr_in6 *)(const void *)&a;
	assert_int_equal(bl_client_addr_parse_any("[2001:db8::1]:7447", 0, false, &a, &len), 0);
	assert_int_equal(a.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(a6->sin6_port), 7447);
	assert_int_equal(a6->sin6_addr.s6_addr[15], 1);
	assert_string_equal(bl_client_addr_str_any((const struct sockaddr *)&a, buf, sizeof(buf)),
			    "[2001:db8::1]:7447");
	assert_int_equal(bl_client_addr_parse_any("fd78::2", 99, false, &a, &len), 0);
	assert_string_equal(bl_client_addr_str_any((const struct sockaddr *)&a, buf, sizeof(buf)),
			    "[fd78::2]:99");
	assert_int_equal(bl_client_addr_parse_any("[::1]", 5, false, &a, &len), 0);
	assert_int_equal(ntohs(a6->sin6_port), 5);
	assert_int_equal(bl_client_addr_parse_any("10.1.2.3:80", 0, false, &a, &len), 0);
	assert_int_equal(a.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_string_equal(bl_client_addr_str_any((const struct sockaddr *)&a, buf, sizeof(buf)),
			    "10.1.2.3:80");

	assert_int_equal(bl_client_addr_parse_any("fd78::2", 0, false, &a, &len), -EINVAL);
	assert_int_equal(bl_client_addr_parse_any("[fd78::2]", 0, false, &a, &len), -EINVAL);
	assert_int_equal(bl_client_addr_parse_any("[fd78::2", 0, false, &a, &len), -EINVAL);
	assert_int_equal(bl_client_addr_parse_any("[fd78::2]x", 7, false, &a, &len), -EINVAL);
	assert_int_equal(bl_client_addr_parse_any("[fd78::2]:0", 0, false, &a, &len), -EINVAL);
	assert_int_equal(bl_client_addr_parse_any("[]:80", 0, false, &a, &len), -EINVAL);
	assert_int_equal(bl_client_addr_parse_any("[1.2.3.4.5]:80", 0, false, &a, &len), -ENOENT);
	assert_int_equal(bl_client_addr_parse_any(NULL, 0, false, &a, &len), -EINVAL);
}

/* A sender to an IPv6 address: its frames reach an IPv6 socket on ::1. */
static void test_send_ipv6(void **state)
{
	struct sockaddr_in6 local;
	socklen_t sl = sizeof(local);
	struct bl_client_sender *s;
	uint8_t buf[2048];
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { .tv_sec = 5 };
	ssize_t n;

	(void)state;
	if (fd < 0) {
		skip();
		return;
	}
	memset(&local, 0, sizeof(local));
	local.sin6_family = AF_INET6;
	local.sin6_addr = in6addr_loopback;
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) != 0) { /* no IPv6 here */
		close(fd);
		skip();
		return;
	}
	assert_int_equal(getsockname(fd, (struct sockaddr *)&local, &sl), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	s = bl_client_sender_open_any((const struct sockaddr *)&local, sizeof(local), 512, 0, 7);
	assert_non_null(s);
	assert_int_equal(bl_client_sender_add(s, 42, "six", 3), 0);
	assert_int_equal(bl_client_sender_flush(s), 0);
	n = recv(fd, buf, sizeof(buf), 0);
	assert_int_equal(n, 16 + 16 + 3);
	assert_int_equal(buf[15], 7);	    /* seq, low byte */
	assert_int_equal(buf[16 + 15], 42); /* key, low byte */
	assert_memory_equal(buf + 32, "six", 3);
	bl_client_sender_close(s);
	close(fd);

	errno = 0;
	local.sin6_port = 0;
	assert_null(
	    bl_client_sender_open_any((const struct sockaddr *)&local, sizeof(local), 512, 0, 0));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_addr_parse_any),
		cmocka_unit_test(test_send_ipv6),
		cmocka_unit_test(test_bad_use),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused_frames_are_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
