/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Processes sending on the fast path (tests/dataplane/fastpath_test.h): a
 * frame passed on twice in one turn (lent, then copied), and a message too
 * big for any frame the port can send, refused without an empty frame.
 */
#include "actors/behaviours.h"
#include "actors/proc.h"
#include "actors/sched.h"

#include "dataplane/ptx.h"
#include "fastpath_test.h"
#include "sender_test.h"

/* A process that sends each frame it gets to its hop twice. */
/* A hop of port 0 at ip (host order) and udp: a static MAC (02:00..), or
 * with resolve one the neighbour table would find. Its index. */
static int test_hop(uint32_t ip, uint16_t udp, bool resolve)
{
	struct bl_route_hop_spec hs;
	int hop;

	memset(&hs, 0, sizeof(hs));
	hs.port = 0;
	if (!resolve)
		hs.mac.addr_bytes[0] = 0x02;
	hs.ip = ip;
	hs.udp = udp;
	hs.resolve = resolve;
	hop = bl_route_hop_acquire(R->routes, &hs);
	assert_true(hop >= 0);
	return hop;
}

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
	struct rte_mbuf *m;
	struct out o[4];
	uint64_t dest, pid, inplace0 = LC->st.ptx_inplace, frames0 = LC->st.ptx_frames;
	int hop;

	(void)state;
	hop = test_hop(0x0d000001u, 7100, false);
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

/*
 * A message too big for any frame the port can send is refused and counted
 * too_big; the frame opened for it goes with it, never sent with no
 * message in it (the wire format has no empty frame).
 */
static void test_process_sends_too_big(void **state)
{
	struct sender st = { 0 };
	struct rte_mbuf *m;
	struct out o[4];
	uint64_t pid, big0 = LC->st.ptx_drops[BL_PTX_DROP_TOO_BIG], frames0 = LC->st.ptx_frames;
	int hop;

	(void)state;
	hop = test_hop(0x0d000002u, 7101, false);
	st.dest = bl_dest_hop((unsigned)hop);
	pid = bl_proc_spawn(LC->sched, sender_behaviour(), &st, NULL);
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

/* A named message's index (the flags of each message of m's frame) and
 * relay header (the first 8 bytes of each payload). */
static void set_named_f(struct rte_mbuf *m, const struct msg *msgs, unsigned n, uint16_t index,
			uint32_t handle, uint16_t reply, uint16_t flags)
{
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, BL_WIRE_HDRS_LEN);

	for (unsigned j = 0; j < n; j++) {
		bl_wire_put16(p + 6, index);
		bl_wire_put_relay(p + BL_WIRE_MSG_HDR_LEN, handle, reply, flags);
		p += BL_WIRE_MSG_HDR_LEN + msgs[j].len;
	}
}

static void set_named(struct rte_mbuf *m, const struct msg *msgs, unsigned n, uint16_t index,
		      uint32_t handle, uint16_t reply)
{
	set_named_f(m, msgs, n, index, handle, reply, 0);
}

/* Give resolve-hop h a MAC, as the neighbour table would. */
static void hop_resolved(int h)
{
	struct rte_ether_addr mac = { .addr_bytes = { 0x02, 0, 0, 0, 0, 9 } };

	bl_route_hop_set_nbr(R->routes, (unsigned)h, &mac);
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

/* What a process got last: its source, key, length and first byte. */
struct seen {
	uint64_t n, src, key;
	uint32_t len;
	uint8_t first;
};

static int seen_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void seen_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct seen *st = bl_state(c);

	st->n++;
	st->src = m->src;
	st->key = m->key;
	st->len = bl_msg_len(m);
	st->first = st->len ? bl_msg_data(m)[0] : 0;
}

static const struct bl_behaviour seen_beh = {
	.name = "seen",
	.init = seen_init,
	.handle_message = seen_msg,
};

/*
 * Named messages (wire kind 2, from another node): to the process a target
 * this node exports stands for, by the index in their flags, the relay
 * header taken off; an index not exported, past the table, or unexported
 * since is no_process; a payload too short for the header is bad_kind.
 * The process sees a relay token as the source when the header says an
 * answer can go back and the sender is a node this one knows, else none.
 */
static void test_named_messages(void **state)
{
	struct msg named[2] = { { 77, 10, BL_WIRE_KIND_NAMED }, { 78, 20, BL_WIRE_KIND_NAMED } };
	struct msg short_one[1] = { { 79, 5, BL_WIRE_KIND_NAMED } };
	uint64_t pid, np0 = LC->st.msg_drops[BL_MSG_DROP_NO_PROCESS],
		      bk0 = LC->st.msg_drops[BL_MSG_DROP_BAD_KIND];
	struct seen sn = { 0 };
	struct rte_mbuf *m;
	int idx, hop;

	(void)state;
	pid = bl_proc_spawn(LC->sched, &seen_beh, &sn, NULL);
	assert_int_not_equal(pid, BL_PID_NONE);
	assert_int_equal(bl_registry_register(R->registry, "gsvc", BL_NAME_MAX, pid), 0);
	idx = bl_route_target_export(R->routes, "gsvc");
	assert_true(idx >= 0 && idx < (int)BL_ROUTE_TARGET_MAX);
	assert_int_equal(bl_route_target_export(R->routes, "gsvc"), idx); /* once */
	assert_true(bl_route_target_exported(R->routes, (uint16_t)idx));

	/* From a node this one does not know: delivered, no source. */
	m = make_pkt(named, 2, 1);
	set_named(m, named, 2, (uint16_t)idx, 0x1234, 9);
	send_in(m);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(sn.n, 2);
	assert_int_equal(sn.key, 78);
	assert_int_equal(sn.len, 12);
	assert_int_equal(sn.first, (uint8_t)(31 + 8)); /* the payload behind the header */
	assert_int_equal(sn.src, 0);

	/* From a known node (put_pkt's source, 10.1.0.1): a relay token. */
	hop = test_hop(0x0a010001u, 7447, true);
	assert_int_equal(bl_peer_add(&R->peers, rte_cpu_to_be_32(0x0a010001u), (uint16_t)hop), 0);
	assert_int_equal(bl_peer_hop(&R->peers, rte_cpu_to_be_32(0x0a010001u)), hop);
	m = make_pkt(named, 1, 3);
	set_named(m, named, 1, (uint16_t)idx, 0x1234, 9);
	send_in(m);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(sn.n, 3);
	assert_true(bl_ptx_token_is_relay(sn.src));
	assert_int_equal(sn.src, bl_ptx_relay_token((unsigned)hop, 9, 0x1234));
	assert_int_equal(bl_ptx_relay_handle(sn.src), 0x1234);
	{
		/* An answer to the relay token: a named message to index 9 on
		 * that node's hop, with the handle and no reply index. */
		struct sender st = { .dest = sn.src };
		static uint8_t raw[2048];
		struct rte_mbuf *out;
		const uint8_t *d;
		uint64_t spid = bl_proc_spawn(LC->sched, sender_behaviour(), &st, NULL);

		hop_resolved(hop);
		assert_int_equal(bl_sched_deliver(LC->sched, spid, 55, spid, NULL, 0, 0, 0), 0);
		bl_sched_run(LC->sched, 16);
		bl_lcore_close_frames(LC);
		bl_lcore_flush(LC);
		assert_int_equal(st.rc, 0);
		assert_int_equal(rte_eth_rx_burst(0, 0, &out, 1), 1);
		d = rte_pktmbuf_read(out, 0, out->pkt_len, raw);
		assert_int_equal(bl_wire_get32(d + 14 + 16), 0x0a010001u);
		d += BL_WIRE_HDRS_LEN;
		assert_int_equal(bl_wire_get32(d), BL_WIRE_RELAY_LEN);
		assert_int_equal(bl_wire_get16(d + 4), BL_WIRE_KIND_NAMED);
		assert_int_equal(bl_wire_get16(d + 6), 9);
		assert_int_equal(bl_wire_get64(d + 8), 55);
		assert_int_equal(bl_wire_get32(d + 16), 0x1234);
		assert_int_equal(bl_wire_get16(d + 20), BL_NAMED_NO_REPLY);
		rte_pktmbuf_free(out);
		assert_int_equal(bl_proc_kill(LC->sched, spid, bl_reason_make(BL_EXIT_KILL)), 0);
	}
	/* No handle: no source. */
	m = make_pkt(named, 1, 4);
	set_named(m, named, 1, (uint16_t)idx, 0, 9);
	send_in(m);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(sn.n, 4);
	assert_int_equal(sn.src, 0);
	/* A handle and no reply index (an answer, for a stand-in): a relay
	 * token that says whose answer it is, and that cannot be answered. */
	m = make_pkt(named, 1, 5);
	set_named(m, named, 1, (uint16_t)idx, 0x1234, BL_NAMED_NO_REPLY);
	send_in(m);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(sn.n, 5);
	assert_int_equal(sn.src, bl_ptx_relay_token((unsigned)hop, BL_NAMED_NO_REPLY, 0x1234));
	{
		struct sender st = { .dest = sn.src };
		uint64_t bd0 = LC->st.ptx_drops[BL_PTX_DROP_BAD_DEST];
		uint64_t spid = bl_proc_spawn(LC->sched, sender_behaviour(), &st, NULL);

		assert_int_equal(bl_sched_deliver(LC->sched, spid, 56, spid, NULL, 0, 0, 0), 0);
		bl_sched_run(LC->sched, 16);
		assert_int_equal(st.rc, -EINVAL);
		assert_int_equal(LC->st.ptx_drops[BL_PTX_DROP_BAD_DEST], bd0 + 1);
		assert_int_equal(bl_proc_kill(LC->sched, spid, bl_reason_make(BL_EXIT_KILL)), 0);
	}
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_PROCESS], np0);

	/* Too short for its header; an index not exported; one past the table. */
	m = make_pkt(short_one, 1, 6);
	bl_wire_put16(rte_pktmbuf_mtod_offset(m, uint8_t *, BL_WIRE_HDRS_LEN + 6), (uint16_t)idx);
	send_in(m);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_BAD_KIND], bk0 + 1);
	m = make_pkt(named, 2, 7);
	set_named(m, named, 2, (uint16_t)(idx + 1), 1, 1);
	send_in(m);
	m = make_pkt(named, 1, 9);
	set_named(m, named, 1, 60000, 1, 1);
	send_in(m);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_PROCESS], np0 + 3);

	/* No longer exported. */
	bl_route_target_unexport(R->routes, (unsigned)idx);
	assert_false(bl_route_target_exported(R->routes, (uint16_t)idx));
	m = make_pkt(named, 2, 10);
	set_named(m, named, 2, (uint16_t)idx, 1, 1);
	send_in(m);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(LC->st.msg_drops[BL_MSG_DROP_NO_PROCESS], np0 + 5);
	assert_int_equal(sn.n, 5);

	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
	bl_route_hop_release(R->routes, (unsigned)hop);
}

/* A stand-in's arguments: the hop to its node, the name's index there,
 * its own index here. */
static const struct bl_remote_args *remote_args(struct bl_remote_args *ra, unsigned hop,
						uint16_t index, uint16_t reply)
{
	memset(ra, 0, sizeof(*ra));
	ra->dest = bl_dest_hop(hop);
	ra->index = index;
	ra->reply = reply;
	return ra;
}

/*
 * The remote behaviour (a stand-in for another node's process): what it
 * gets leaves for the node's hop as named messages to its index, key and
 * payload unchanged behind a relay header that names a handle for the
 * asker and the stand-in's own index here; a message from a relay token
 * (an answer) goes back to the asker its handle names, and one with a
 * handle it does not know is counted late_reply.
 */
static void test_remote_stand_in(void **state)
{
	const struct bl_behaviour remote = { .name = "remote",
					     .init = bl_remote_desc.init,
					     .handle_message = bl_remote_desc.handle_message };
	struct msg msgs[2] = { { 900, 30, 0 }, { 901, 5, 0 } };
	struct bl_remote_args ra;
	struct seen asker = { 0 };
	struct rte_mbuf *m;
	uint64_t pid, asker_pid, late0 = LC->sched->drops[BL_SDROP_LATE_REPLY];
	static uint8_t raw[4096];
	const uint8_t *d;
	uint32_t handle;
	int hop;

	(void)state;
	hop = test_hop(0x0d000003u, 7447, false);
	pid = bl_proc_spawn(LC->sched, &remote, (void *)remote_args(&ra, (unsigned)hop, 513, 7),
			    NULL);
	assert_int_not_equal(pid, BL_PID_NONE);
	asker_pid = bl_proc_spawn(LC->sched, &seen_beh, &asker, NULL);

	/* A frame of two from the wire (source token 1), one from a process. */
	m = make_pkt(msgs, 2, 1);
	assert_int_equal(bl_sched_deliver_frame_owned(LC->sched, pid, 1, m, BL_WIRE_HDRS_LEN,
						      m->data_len - BL_WIRE_HDRS_LEN, 2,
						      BL_MSG_F_NET | BL_MSG_F_PLAIN),
			 0);
	assert_int_equal(bl_sched_deliver(LC->sched, pid, 902, asker_pid, NULL, 0, 0, 0), 0);
	bl_sched_run(LC->sched, 16);
	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(rte_eth_rx_burst(0, 0, &m, 1), 1);
	d = rte_pktmbuf_read(m, 0, m->pkt_len, raw);
	assert_non_null(d);
	assert_int_equal(bl_wire_get32(d + 14 + 16), 0x0d000003u);
	d += BL_WIRE_HDRS_LEN;
	for (unsigned j = 0; j < 3; j++) {
		static const uint32_t lens[3] = { 30, 5, 0 };

		assert_int_equal(bl_wire_get32(d), BL_WIRE_RELAY_LEN + lens[j]);
		assert_int_equal(bl_wire_get16(d + 4), BL_WIRE_KIND_NAMED);
		assert_int_equal(bl_wire_get16(d + 6), 513);
		assert_int_equal(bl_wire_get64(d + 8), 900 + j);
		handle = bl_wire_get32(d + 16);
		assert_int_not_equal(handle, 0);
		assert_int_equal(bl_wire_get16(d + 20), 7); /* answers: to index 7 here */
		if (lens[j] != 0)
			assert_int_equal(d[24], (uint8_t)(j * 31));
		d += BL_WIRE_MSG_HDR_LEN + BL_WIRE_RELAY_LEN + lens[j];
	}
	rte_pktmbuf_free(m);

	/* The answer to the process's message (the last handle): to it. */
	assert_int_equal(bl_sched_deliver(LC->sched, pid, 902,
					  bl_ptx_relay_token((unsigned)hop, 7, handle), NULL, 0, 0,
					  BL_MSG_F_NET),
			 0);
	/* One for a handle never given: late. */
	assert_int_equal(bl_sched_deliver(LC->sched, pid, 903,
					  bl_ptx_relay_token((unsigned)hop, 7, handle + 1), NULL, 0,
					  0, BL_MSG_F_NET),
			 0);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(asker.n, 1);
	assert_int_equal(asker.key, 902);
	assert_int_equal(LC->sched->drops[BL_SDROP_LATE_REPLY], late0 + 1);

	/* A group's stand-in (fanout): what came from another node stays. */
	{
		struct bl_remote_args fa;
		uint64_t gpid, frames0 = LC->st.ptx_frames;

		remote_args(&fa, (unsigned)hop, 4, BL_NAMED_NO_REPLY);
		fa.fanout = true;
		gpid = bl_proc_spawn(LC->sched, &remote, &fa, NULL);
		assert_int_equal(bl_sched_deliver(LC->sched, gpid, 1, 0, NULL, 0, 0,
						  BL_MSG_F_NET | BL_MSG_F_NODE),
				 0);
		bl_sched_run(LC->sched, 16);
		bl_lcore_close_frames(LC);
		bl_lcore_flush(LC);
		assert_int_equal(LC->st.ptx_frames, frames0);
		assert_int_equal(bl_sched_deliver(LC->sched, gpid, 2, 0, NULL, 0, 0, BL_MSG_F_NET),
				 0);
		bl_sched_run(LC->sched, 16);
		bl_lcore_close_frames(LC);
		bl_lcore_flush(LC);
		assert_int_equal(LC->st.ptx_frames, frames0 + 1);
		assert_int_equal(rte_eth_rx_burst(0, 0, &m, 1), 1);
		rte_pktmbuf_free(m);
		assert_int_equal(bl_proc_kill(LC->sched, gpid, bl_reason_make(BL_EXIT_KILL)), 0);
	}

	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	assert_int_equal(bl_proc_kill(LC->sched, asker_pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
	bl_route_hop_release(R->routes, (unsigned)hop);
}

/* Answers every call with key + 1 and `len` bytes of 0x5a; counts data. */
struct answerer {
	uint64_t calls, data, src;
	uint32_t len;
	int rc;
};

static void answerer_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct answerer *st = bl_state(c);
	static uint8_t bytes[600];

	if (m->type != BL_MSG_CALL) {
		st->data++;
		return;
	}
	st->calls++;
	st->src = m->src;
	memset(bytes, 0x5a, sizeof(bytes));
	st->rc = bl_reply(c, m, m->key + 1, bytes, st->len);
}

static const struct bl_behaviour answerer_beh = {
	.name = "answerer",
	.init = seen_init,
	.handle_message = answerer_msg,
};

/* Calls its `to` on each message (key, the message's), keeps the reply. */
struct caller {
	uint64_t to, ref, replies, key;
	uint32_t status, len;
};

static void caller_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct caller *st = bl_state(c);

	st->ref = bl_call(c, st->to, m->key, "q", 1, 5000);
}

static void caller_reply(struct bl_ctx *c, const struct bl_reply *r)
{
	struct caller *st = bl_state(c);

	assert_int_equal(r->ref, st->ref);
	st->replies++;
	st->status = r->status;
	st->key = r->m != NULL ? r->m->key : 0;
	st->len = r->m != NULL ? bl_msg_len(r->m) : 0;
}

static const struct bl_behaviour caller_beh = {
	.name = "caller",
	.init = seen_init,
	.handle_message = caller_msg,
	.handle_reply = caller_reply,
};

/* The one frame this lcore sent: its first message's header and relay. */
static void read_named(uint16_t *index, uint64_t *key, uint32_t *handle, uint16_t *reply,
		       uint16_t *flags, uint32_t *len)
{
	static uint8_t raw[2048];
	struct rte_mbuf *out;
	const uint8_t *d;

	bl_lcore_close_frames(LC);
	bl_lcore_flush(LC);
	assert_int_equal(rte_eth_rx_burst(0, 0, &out, 1), 1);
	d = (const uint8_t *)rte_pktmbuf_read(out, 0, out->pkt_len, raw) + BL_WIRE_HDRS_LEN;
	assert_int_equal(bl_wire_get16(d + 4), BL_WIRE_KIND_NAMED);
	*len = bl_wire_get32(d) - BL_WIRE_RELAY_LEN;
	*index = bl_wire_get16(d + 6);
	*key = bl_wire_get64(d + 8);
	*handle = bl_wire_get32(d + 16);
	*reply = bl_wire_get16(d + 20);
	*flags = bl_wire_get16(d + 22);
	rte_pktmbuf_free(out);
}

/*
 * A call across nodes. On the callee's node, a named message flagged a
 * call (from a node this one knows, with a reply index) reaches the
 * process as a call, whose bl_reply leaves as an answer to the relay token
 * (short or in an mbuf of its own); without a reply index it is data. On
 * the caller's node, a call to the stand-in leaves flagged a call, and the
 * answer to its handle ends the caller's call with that reply.
 */
static void test_call_across_nodes(void **state)
{
	const struct bl_behaviour remote = { .name = "remote",
					     .init = bl_remote_desc.init,
					     .handle_message = bl_remote_desc.handle_message };
	struct msg one[1] = { { 40, 12, BL_WIRE_KIND_NAMED } };
	struct answerer an = { .len = 3 };
	struct caller cl = { 0 };
	struct bl_remote_args ra;
	uint64_t pid, spid, cpid;
	uint32_t handle, len;
	uint16_t index, reply, flags;
	struct rte_mbuf *m;
	uint64_t key;
	int idx, hop;

	(void)state;
	pid = bl_proc_spawn(LC->sched, &answerer_beh, &an, NULL);
	assert_int_equal(bl_registry_register(R->registry, "csvc", BL_NAME_MAX, pid), 0);
	idx = bl_route_target_export(R->routes, "csvc");
	assert_true(idx >= 0);
	hop = test_hop(0x0a010001u, 7447, true);
	hop_resolved(hop);
	assert_int_equal(bl_peer_add(&R->peers, rte_cpu_to_be_32(0x0a010001u), (uint16_t)hop), 0);

	/* The callee's node: a call in, its reply out as an answer. */
	for (unsigned round = 0; round < 2; round++) {
		an.len = round == 0 ? 3 : 500; /* inline, then an mbuf of its own */
		m = make_pkt(one, 1, 20 + round);
		set_named_f(m, one, 1, (uint16_t)idx, 0x77, 12, BL_WIRE_RELAY_F_CALL);
		send_in(m);
		bl_sched_run(LC->sched, 16);
		assert_int_equal(an.calls, round + 1);
		assert_int_equal(an.rc, 0);
		assert_int_equal(an.src, bl_ptx_relay_token((unsigned)hop, 12, 0x77));
		read_named(&index, &key, &handle, &reply, &flags, &len);
		assert_int_equal(index, 12);
		assert_int_equal(key, 41);
		assert_int_equal(handle, 0x77);
		assert_int_equal(reply, BL_NAMED_NO_REPLY);
		assert_int_equal(flags, 0); /* an answer, not a call */
		assert_int_equal(len, an.len);
	}
	/* No reply index: nobody could answer, so it is data. */
	m = make_pkt(one, 1, 22);
	set_named_f(m, one, 1, (uint16_t)idx, 0x77, BL_NAMED_NO_REPLY, BL_WIRE_RELAY_F_CALL);
	send_in(m);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(an.calls, 2);
	assert_int_equal(an.data, 1);

	/* The caller's node: a call to the stand-in leaves as a call ... */
	spid = bl_proc_spawn(LC->sched, &remote, (void *)remote_args(&ra, (unsigned)hop, 300, 8),
			     NULL);
	cl.to = spid;
	cpid = bl_proc_spawn(LC->sched, &caller_beh, &cl, NULL);
	assert_int_equal(bl_sched_deliver(LC->sched, cpid, 61, cpid, NULL, 0, 0, 0), 0);
	bl_sched_run(LC->sched, 16);
	assert_int_not_equal(cl.ref, 0);
	read_named(&index, &key, &handle, &reply, &flags, &len);
	assert_int_equal(index, 300);
	assert_int_equal(key, 61);
	assert_int_not_equal(handle, 0);
	assert_int_equal(reply, 8);
	assert_int_equal(flags, BL_WIRE_RELAY_F_CALL);
	assert_int_equal(len, 1);
	/* ... and the answer to its handle is the caller's reply. */
	assert_int_equal(bl_sched_deliver(LC->sched, spid, 62,
					  bl_ptx_relay_token((unsigned)hop, 8, handle), NULL, 0, 0,
					  BL_MSG_F_NET),
			 0);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(cl.replies, 1);
	assert_int_equal(cl.status, BL_CALL_OK);
	assert_int_equal(cl.key, 62);
	/* The stand-in goes: a call to it then is noproc, not a timeout. */
	assert_int_equal(bl_proc_kill(LC->sched, spid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(bl_sched_deliver(LC->sched, cpid, 63, cpid, NULL, 0, 0, 0), 0);
	bl_sched_run(LC->sched, 16);
	assert_int_equal(cl.replies, 2);
	assert_int_equal(cl.status, BL_CALL_NOPROC);

	assert_int_equal(bl_proc_kill(LC->sched, cpid, bl_reason_make(BL_EXIT_KILL)), 0);
	assert_int_equal(bl_proc_kill(LC->sched, pid, bl_reason_make(BL_EXIT_KILL)), 0);
	bl_sched_run(LC->sched, 16);
	bl_route_target_unexport(R->routes, (unsigned)idx);
	bl_route_hop_release(R->routes, (unsigned)hop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_sends_frame_twice),
		cmocka_unit_test(test_process_sends_too_big),
		cmocka_unit_test(test_named_messages),
		cmocka_unit_test(test_remote_stand_in),
		cmocka_unit_test(test_call_across_nodes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
