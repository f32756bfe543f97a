/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's side of flow control, against a stand-in router: a UDP
 * socket on 127.0.0.1 that sends the sender PAUSE and RESUME messages (the
 * wire format's flow kind) and replies. A paused key is refused (TRY) or
 * waited for (BLOCK) until resumed or its hold runs out, other keys go on,
 * replies read on the way are kept in order for bl_client_sender_recv (and
 * counted when there is no room), and IGNORE never reads the socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/blmsg.h"

struct router {
	int fd;
	struct sockaddr_in self, peer; /* peer: the sender, learnt from its first frame */
	uint64_t seq;
};

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A stand-in router and a sender connected to it; the router learns the
 * sender's address from one frame. */
static struct bl_client_sender *pair(struct router *r)
{
	struct bl_client_sender *s;
	socklen_t sl = sizeof(r->self);
	uint8_t buf[2048];

	memset(r, 0, sizeof(*r));
	r->fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(r->fd >= 0);
	r->self.sin_family = AF_INET;
	r->self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(r->fd, (struct sockaddr *)&r->self, sizeof(r->self)), 0);
	assert_int_equal(getsockname(r->fd, (struct sockaddr *)&r->self, &sl), 0);
	s = bl_client_sender_open(&r->self, 1472, 0, 0);
	assert_non_null(s);
	assert_int_equal(bl_client_sender_add(s, 1, "hello", 5), 0);
	assert_int_equal(bl_client_sender_flush(s), 0);
	sl = sizeof(r->peer);
	assert_true(recvfrom(r->fd, buf, sizeof(buf), 0, (struct sockaddr *)&r->peer, &sl) > 0);
	return s;
}

/* One frame to the sender: n messages, each (kind, key, payload). */
struct m {
	uint16_t kind;
	uint64_t key;
	const uint8_t *p;
	uint32_t len;
};

static void say(struct router *r, const struct m *ms, unsigned n)
{
	uint8_t f[2048];
	size_t off = BL_WIRE_FRAME_HDR_LEN;
	unsigned i;

	for (i = 0; i < n; i++) {
		bl_wire_put_msg_hdr(f + off, ms[i].len, ms[i].kind, 0, ms[i].key);
		memcpy(f + off + BL_WIRE_MSG_HDR_LEN, ms[i].p, ms[i].len);
		off += BL_WIRE_MSG_HDR_LEN + ms[i].len;
	}
	bl_wire_put_frame_hdr(f, (uint16_t)n, 0, r->seq);
	r->seq += n;
	assert_int_equal(sendto(r->fd, f, off, 0, (struct sockaddr *)&r->peer, sizeof(r->peer)),
			 (ssize_t)off);
}

static void flow(struct router *r, enum bl_wire_flow_op op, uint64_t key, uint32_t hold_ms)
{
	uint8_t p[BL_WIRE_FLOW_LEN];
	struct m msg = { BL_WIRE_KIND_FLOW, key, p, sizeof(p) };

	bl_wire_put_flow(p, op, hold_ms);
	say(r, &msg, 1);
}

static void done(struct router *r, struct bl_client_sender *s)
{
	bl_client_sender_close(s);
	close(r->fd);
}

/* TRY: a paused key is refused, others go on; RESUME lets it go. */
static void test_try_pause_resume(void **state)
{
	struct router r;
	struct bl_client_sender *s = pair(&r);
	struct bl_client_flow_stats fs;

	(void)state;
	assert_int_equal(bl_client_sender_set_flow(s, BL_CLIENT_FLOW_TRY), 0);
	assert_int_equal(bl_client_sender_set_flow(s, (enum bl_client_flow)7), -EINVAL);
	flow(&r, BL_WIRE_FLOW_PAUSE, 5, 10000);
	assert_int_equal(bl_client_sender_poll(s, 1000), 1);
	assert_true(bl_client_sender_paused(s, 5));
	assert_false(bl_client_sender_paused(s, 6));
	assert_int_equal(bl_client_sender_add(s, 5, "x", 1), -EAGAIN);
	assert_int_equal(bl_client_sender_pending(s), 0);
	assert_int_equal(bl_client_sender_add(s, 6, "y", 1), 0);
	assert_int_equal(bl_client_sender_pending(s), 1);
	flow(&r, BL_WIRE_FLOW_RESUME, 5, 0);
	assert_int_equal(bl_client_sender_poll(s, 1000), 1);
	assert_false(bl_client_sender_paused(s, 5));
	assert_int_equal(bl_client_sender_add(s, 5, "x", 1), 0);
	bl_client_sender_flow_stats(s, &fs);
	assert_int_equal(fs.pauses, 1);
	assert_int_equal(fs.resumes, 1);
	assert_int_equal(fs.backpressured, 1);
	assert_int_equal(fs.paused, 0);
	done(&r, s);
}

/* BLOCK: the add waits the hold out when no RESUME comes; the frame so far
 * (another key's messages) leaves before the wait. */
static void test_block_hold_runs_out(void **state)
{
	struct router r;
	struct bl_client_sender *s = pair(&r);
	struct bl_client_flow_stats fs;
	uint8_t buf[2048];
	uint64_t t0;

	(void)state;
	flow(&r, BL_WIRE_FLOW_PAUSE, 5, 80);
	assert_int_equal(bl_client_sender_poll(s, 1000), 1);
	assert_int_equal(bl_client_sender_add(s, 6, "other", 5), 0);
	t0 = ms_now();
	assert_int_equal(bl_client_sender_add(s, 5, "x", 1), 0);
	assert_true(ms_now() - t0 >= 70);
	/* The other key's frame left before the wait. */
	assert_true(recv(r.fd, buf, sizeof(buf), MSG_DONTWAIT) > 0);
	bl_client_sender_flow_stats(s, &fs);
	assert_int_equal(fs.waits, 1);
	assert_int_equal(fs.expired, 1);
	assert_true(fs.wait_ns >= 70000000u);
	done(&r, s);
}

struct later {
	struct router *r;
	unsigned ms;
};

static void *resume_later(void *arg)
{
	struct later *l = arg;

	usleep(l->ms * 1000u);
	flow(l->r, BL_WIRE_FLOW_RESUME, 5, 0);
	return NULL;
}

/* BLOCK: a RESUME ends the wait well before the hold. */
static void test_block_until_resumed(void **state)
{
	struct router r;
	struct bl_client_sender *s = pair(&r);
	struct later l = { &r, 50 };
	struct bl_client_flow_stats fs;
	pthread_t t;
	uint64_t t0, took;

	(void)state;
	flow(&r, BL_WIRE_FLOW_PAUSE, 5, 60000);
	assert_int_equal(bl_client_sender_poll(s, 1000), 1);
	t0 = ms_now();
	assert_int_equal(pthread_create(&t, NULL, resume_later, &l), 0);
	assert_int_equal(bl_client_sender_add(s, 5, "x", 1), 0);
	took = ms_now() - t0;
	pthread_join(t, NULL);
	assert_true(took >= 40 && took < 30000);
	bl_client_sender_flow_stats(s, &fs);
	assert_int_equal(fs.resumes, 1);
	assert_int_equal(fs.expired, 0);
	done(&r, s);
}

/* Replies read on the way are kept in order, flow messages taken out of
 * the count; past 64 kept they are counted lost; a bad flow payload and a
 * malformed datagram are counted. */
static void test_replies_kept(void **state)
{
	struct router r;
	struct bl_client_sender *s = pair(&r);
	struct bl_client_flow_stats fs;
	struct bl_client_receiver *rcv = bl_client_receiver_create(4);
	struct bl_client_msg got;
	uint8_t buf[2048], pause[BL_WIRE_FLOW_LEN];
	const struct m mixed[2] = { { BL_WIRE_KIND_FLOW, 9, pause, sizeof(pause) },
				    { BL_WIRE_KIND_DATA, 42, (const uint8_t *)"answer", 6 } };
	const struct m bad = { BL_WIRE_KIND_FLOW, 9, pause, 4 };
	int n, i;

	(void)state;
	assert_non_null(rcv);
	bl_wire_put_flow(pause, BL_WIRE_FLOW_PAUSE, 10000);
	say(&r, mixed, 2);
	say(&r, &bad, 1);
	assert_int_equal(sendto(r.fd, "junk", 4, 0, (struct sockaddr *)&r.peer, sizeof(r.peer)), 4);
	/* A flush reads them (before its own send). */
	assert_int_equal(bl_client_sender_add(s, 1, "q", 1), 0);
	usleep(20000);
	assert_int_equal(bl_client_sender_flush(s), 0);
	assert_true(bl_client_sender_paused(s, 9));
	n = bl_client_sender_recv(s, buf, sizeof(buf), 1000);
	assert_true(n > 0);
	assert_int_equal(bl_client_receiver_feed(rcv, buf, (size_t)n, &r.self), 2);
	assert_int_equal(bl_client_receiver_next(rcv, &got), 1);
	assert_int_equal(got.kind, BL_WIRE_KIND_FLOW);
	assert_int_equal(bl_client_receiver_next(rcv, &got), 1);
	assert_int_equal(got.key, 42);
	assert_memory_equal(got.payload, "answer", 6);
	assert_int_equal(bl_client_sender_recv(s, buf, sizeof(buf), 0), -ETIMEDOUT);
	bl_client_sender_flow_stats(s, &fs);
	assert_int_equal(fs.bad, 2);
	assert_int_equal(fs.replies, 1);

	for (i = 0; i < 70; i++)
		say(&r, &mixed[1], 1);
	usleep(20000);
	while (bl_client_sender_poll(s, 0) > 0)
		;
	bl_client_sender_flow_stats(s, &fs);
	assert_int_equal(fs.replies, 65);
	assert_int_equal(fs.replies_lost, 6);
	assert_int_equal(bl_client_sender_recv(s, buf, 8, 0), -EMSGSIZE); /* too long: lost */
	for (i = 1; i < 64; i++)
		assert_true(bl_client_sender_recv(s, buf, sizeof(buf), 0) > 0);
	assert_int_equal(bl_client_sender_recv(s, buf, sizeof(buf), 0), -ETIMEDOUT);
	bl_client_sender_flow_stats(s, &fs);
	assert_int_equal(fs.replies_lost, 7);
	bl_client_receiver_destroy(rcv);
	done(&r, s);
}

/* IGNORE: the socket is never read, so a pause is not seen. */
static void test_ignore(void **state)
{
	struct router r;
	struct bl_client_sender *s = pair(&r);
	struct bl_client_flow_stats fs;

	(void)state;
	assert_int_equal(bl_client_sender_set_flow(s, BL_CLIENT_FLOW_IGNORE), 0);
	flow(&r, BL_WIRE_FLOW_PAUSE, 5, 10000);
	usleep(20000);
	assert_int_equal(bl_client_sender_add(s, 5, "x", 1), 0);
	assert_int_equal(bl_client_sender_flush(s), 0);
	assert_int_equal(bl_client_sender_add(s, 5, "x", 1), 0);
	bl_client_sender_flow_stats(s, &fs);
	assert_int_equal(fs.pauses, 0);
	assert_false(bl_client_sender_paused(s, 5));
	done(&r, s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_try_pause_resume),
		cmocka_unit_test(test_block_hold_runs_out),
		cmocka_unit_test(test_block_until_resumed),
		cmocka_unit_test(test_replies_kept),
		cmocka_unit_test(test_ignore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
