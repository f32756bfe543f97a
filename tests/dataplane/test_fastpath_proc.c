/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Processes sending on the fast path (tests/dataplane/fastpath_test.h): a
 * frame passed on twice in one turn (lent, then copied), and a message too
 * big for any frame the port can send, refused without an empty frame.
 */
#include "actors/proc.h"
#include "actors/sched.h"

#include "fastpath_test.h"

/* A process that sends each frame it gets to its hop twice. */
static void twice_frame(struct bl_ctx *c, const struct bl_msg *f)
{
	uint64_t dest = *(const uint64_t *)bl_state(c);

	assert_int_equal(bl_transmit_frame(c, dest, f), 0);
	assert_int_equal(bl_transmit_frame(c, dest, f), 0);
}

static int twice_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void twice_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m;
	fail_msg("handle_frame takes every frame");
}

static const struct bl_behaviour twice_beh = {
	.name = "twice",
	.init = twice_init,
	.handle_message = twice_msg,
	.handle_frame = twice_frame,
};

/*
 * A process passes its frame on twice in one turn. The first run borrows the
 * frame node's reference; the second send closes it before the turn is
 * over, so that run takes a reference of its own and goes as a copy; the
 * second run borrows again and leaves in place once the turn has ended.
 * Both frames carry every message; teardown finds every mbuf back.
 */
static void test_process_sends_frame_twice(void **state)
{
	struct msg msgs[2] = { { 500, 40, 0 }, { 501, 70, 0 } };
	struct bl_route_hop_spec hs;
	struct rte_mbuf *m;
	struct out o[4];
	uint64_t dest, pid, inplace0 = LC->st.ptx_inplace, frames0 = LC->st.ptx_frames;
	int hop;

	(void)state;
	memset(&hs, 0, sizeof(hs));
	hs.port = 0;
	hs.mac.addr_bytes[0] = 0x02;
	hs.ip = 0x0d000001u;
	hs.udp = 7100;
	hop = bl_route_hop_acquire(R->routes, &hs);
	assert_true(hop >= 0);
	dest = bl_dest_hop((unsigned)hop);
	pid = bl_proc_spawn(LC->sched, &twice_beh, &dest, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);

	m = make_pkt(msgs, 2, 1);
	assert_int_equal(bl_sched_deliver_frame_owned(LC->sched, pid, 1, m, BL_WIRE_HDRS_LEN,
						      m->data_len - BL_WIRE_HDRS_LEN, 2,
						      BL_MSG_F_NET | BL_MSG_F_PLAIN),
			 0);
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(read_out(o, 4), 2);
	assert_int_equal(o[0].dst_ip, 0x0d000001u);
	assert_int_equal(o[1].dst_ip, 0x0d000001u);
	assert_int_equal(o[0].count, 2);
	assert_int_equal(o[1].count, 2);
	assert_int_equal(o[0].keys[1], 501);
	assert_int_equal(o[1].keys[1], 501);
	assert_int_equal(o[0].lens[1], 70);
	assert_int_equal(o[1].first_byte[1], 31);
	assert_int_equal(o[1].seq, o[0].seq + 2);
	assert_int_equal(LC->st.ptx_frames, frames0 + 2);
	assert_int_equal(LC->st.ptx_inplace, inplace0 + 1);
	/* The copy first (sent while the handler could still read the frame),
	 * then the received mbuf itself. */
	assert_true(o[0].mbuf != (uintptr_t)m);
	assert_true(o[1].mbuf == (uintptr_t)m);

	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
	bl_route_hop_release(R->routes, (unsigned)hop);
}

/* A process that sends each message it gets to its hop, keeping what
 * bl_transmit said. */
struct sender {
	uint64_t dest;
	int rc;
};

static int sender_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void sender_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct sender *st = bl_state(c);

	st->rc = bl_transmit(c, st->dest, m);
}

static const struct bl_behaviour sender_beh = {
	.name = "sender",
	.init = sender_init,
	.handle_message = sender_msg,
};

/*
 * A message too big for any frame the port can send is refused and counted
 * too_big; the frame opened for it goes with it, never sent with no
 * message in it (the wire format has no empty frame).
 */
static void test_process_sends_too_big(void **state)
{
	struct bl_route_hop_spec hs;
	struct sender st = { 0 };
	struct rte_mbuf *m;
	struct out o[4];
	uint64_t pid, big0 = LC->st.ptx_drops[BL_PTX_DROP_TOO_BIG], frames0 = LC->st.ptx_frames;
	int hop;

	(void)state;
	memset(&hs, 0, sizeof(hs));
	hs.port = 0;
	hs.mac.addr_bytes[0] = 0x02;
	hs.ip = 0x0d000002u;
	hs.udp = 7101;
	hop = bl_route_hop_acquire(R->routes, &hs);
	assert_true(hop >= 0);
	st.dest = bl_dest_hop((unsigned)hop);
	pid = bl_proc_spawn(LC->sched, &sender_beh, &st, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);

	m = rte_pktmbuf_alloc(R->pool);
	assert_non_null(m);
	assert_non_null(rte_pktmbuf_append(m, 1900)); /* past a 1500-byte MTU */
	memset(rte_pktmbuf_mtod(m, uint8_t *), 7, 1900);
	assert_int_equal(bl_sched_deliver(LC->sched, pid, 42, pid, m, 0, 1900, 0), 0);
	rte_pktmbuf_free(m);
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(st.rc, -EMSGSIZE);
	assert_int_equal(LC->st.ptx_drops[BL_PTX_DROP_TOO_BIG], big0 + 1);
	assert_int_equal(read_out(o, 4), 0);
	assert_int_equal(LC->st.ptx_frames, frames0);

	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
	bl_route_hop_release(R->routes, (unsigned)hop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_sends_frame_twice),
		cmocka_unit_test(test_process_sends_too_big),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
