/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Processes sending on the fast path (tests/dataplane/fastpath_test.h): a
 * frame passed on twice in one turn (lent, then copied), and a message too
 * big for any frame the port can send, refused without an empty frame.
 */
#include "actors/behaviours.h"
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

/* A named message's index: the flags of each message of m's frame. */
static void set_flags(struct rte_mbuf *m, const struct msg *msgs, unsigned n, uint16_t flags)
{
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, BL_WIRE_HDRS_LEN);

	for (unsigned j = 0; j < n; j++) {
		bl_wire_put16(p + 6, flags);
		p += BL_WIRE_MSG_HDR_LEN + msgs[j].len;
	}
}

/* send_one for frames to processes: the identity counts deliveries too. */
static void send_in(struct rte_mbuf *m)
{
	const struct bl_lcore_stats *st = &LC->st;

	bl_lcore_rx_burst(LC, 0, &m, 1);
	bl_lcore_flush(LC);
	assert_int_equal(st->rx_msgs,
			 st->fwd_msgs + st->drop_msgs + st->buffered_msgs + st->delivered_msgs);
}

static uint64_t counted(uint64_t pid, uint64_t key)
{
	struct bl_proc *p = bl_proc_lookup(LC->sched, pid);
	uint64_t n = 0;

	assert_non_null(p);
	(void)bl_counter_get(p->state, key, &n, NULL);
	return n;
}

/*
 * Named messages (wire kind 2, from another node): to the process a target
 * this node exports stands for, by the index in their flags; an index not
 * exported, or no longer, is no_process. Keys and payloads reach the
 * process as sent.
 */
static void test_named_messages(void **state)
{
	struct msg named[2] = { { 77, 10, BL_WIRE_KIND_NAMED }, { 78, 20, BL_WIRE_KIND_NAMED } };
	uint64_t pid, np0 = LC->st.msg_drops[BL_MSG_DROP_NO_PROCESS];
	struct rte_mbuf *m;
	int idx;

	(void)state;
	pid = bl_proc_spawn(LC->sched, &bl_counter_behaviour, NULL, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);
	assert_int_equal(bl_registry_register(R->registry, "gsvc", BL_NAME_MAX, pid), 0);
	idx = bl_route_target_export(R->routes, "gsvc");
	assert_true(idx >= 0 && idx < (int)BL_ROUTE_TARGET_MAX);
	assert_int_equal(bl_route_target_export(R->routes, "gsvc"), idx); /* once */
	assert_true(bl_route_target_exported(R->routes, (uint16_t)idx));

	m = make_pkt(named, 2, 1);
	set_flags(m, named, 2, (uint16_t)idx);
	send_in(m);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(counted(pid, 77), 1);
	assert_int_equal(counted(pid, 78), 1);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_PROCESS], np0);

	/* An index this node does not export, and one past the table. */
	m = make_pkt(named, 2, 3);
	set_flags(m, named, 2, (uint16_t)(idx + 1));
	send_in(m);
	m = make_pkt(named, 1, 5);
	set_flags(m, named, 1, 60000);
	send_in(m);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_PROCESS], np0 + 3);

	/* No longer exported. */
	bl_route_target_unexport(R->routes, (unsigned)idx);
	assert_false(bl_route_target_exported(R->routes, (uint16_t)idx));
	m = make_pkt(named, 2, 6);
	set_flags(m, named, 2, (uint16_t)idx);
	send_in(m);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_PROCESS], np0 + 5);
	assert_int_equal(counted(pid, 77), 1);

	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
}

/*
 * The remote behaviour (a stand-in for another node's process): what it
 * gets leaves for the node's hop as named messages carrying its index,
 * key and payload unchanged, even a message that lies in a received frame
 * (never in place: its header there says data).
 */
static void test_remote_stand_in(void **state)
{
	const struct bl_behaviour remote = { .name = "remote",
					     .init = bl_remote_desc.init,
					     .handle_message = bl_remote_desc.handle_message };
	struct msg msgs[2] = { { 900, 30, 0 }, { 901, 5, 0 } };
	struct bl_remote_args ra;
	struct bl_route_hop_spec hs;
	struct rte_mbuf *m;
	struct out o[4];
	uint64_t pid;
	int hop;

	(void)state;
	memset(&hs, 0, sizeof(hs));
	hs.port = 0;
	hs.mac.addr_bytes[0] = 0x02;
	hs.ip = 0x0d000003u;
	hs.udp = 7447;
	hop = bl_route_hop_acquire(R->routes, &hs);
	assert_true(hop >= 0);
	memset(&ra, 0, sizeof(ra));
	ra.dest = bl_dest_hop((unsigned)hop);
	ra.index = 513;
	pid = bl_proc_spawn(LC->sched, &remote, &ra, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);

	m = make_pkt(msgs, 2, 1);
	assert_int_equal(bl_sched_deliver_frame_owned(LC->sched, pid, 1, m, BL_WIRE_HDRS_LEN,
						      m->data_len - BL_WIRE_HDRS_LEN, 2,
						      BL_MSG_F_NET | BL_MSG_F_PLAIN),
			 0);
	assert_int_equal(bl_sched_deliver(LC->sched, pid, 902, pid, NULL, 0, 0, 0), 0);
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(read_out(o, 4), 1);
	assert_int_equal(o[0].dst_ip, 0x0d000003u);
	assert_int_equal(o[0].count, 3);
	for (unsigned j = 0; j < 3; j++) {
		assert_int_equal(o[0].kinds[j], BL_WIRE_KIND_NAMED);
		assert_int_equal(o[0].flags[j], 513);
	}
	assert_int_equal(o[0].keys[0], 900);
	assert_int_equal(o[0].lens[0], 30);
	assert_int_equal(o[0].keys[1], 901);
	assert_int_equal(o[0].first_byte[1], 31);
	assert_int_equal(o[0].keys[2], 902);
	assert_int_equal(o[0].lens[2], 0);

	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
	bl_route_hop_release(R->routes, (unsigned)hop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_sends_frame_twice),
		cmocka_unit_test(test_process_sends_too_big),
		cmocka_unit_test(test_named_messages),
		cmocka_unit_test(test_remote_stand_in),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
