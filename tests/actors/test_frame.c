/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame mailbox entries (BL_MSG_FRAME): one received wire frame delivered to
 * a process as one node holding one mbuf reference. Checked here: every
 * message reaches handle_message in order as a view (key, length, bytes,
 * src, flags), or the whole node reaches handle_frame; reductions, pinning
 * and keeping; bl_transmit_frame with and without a frame callback; the
 * mailbox limit, exit mid-frame and refused deliveries, each with its drops
 * counted per message and every mbuf back in its pool.
 */
#include "actors_test.h"

#include "wire/wire_fmt.h"

/* Payload sizes of the messages of a test frame: around the inline limit. */
static const uint32_t frame_sizes[] = { 0, 10, 64, 65, 300 };
#define N	  ((unsigned)(sizeof(frame_sizes) / sizeof(frame_sizes[0])))
#define FRAME_OFF 42u /* where the messages start in the mbuf (after UDP + frame headers) */
#define SRC_TOKEN 0x5eed0001ull
#define KEY_BASE  1000u
#define DROP_KEY  0xd409u /* tells the keeping behaviour to drop what it kept */
#define MAX_REC	  16u
#define MAX_BYTES 300u
#define TX_DEST	  77u

static uint64_t frame_key(uint64_t base, unsigned i)
{
	return base + 7u * i + 1u;
}

static uint8_t frame_byte(uint64_t base, unsigned i, uint32_t j)
{
	return (uint8_t)(base * 3u + i * 31u + j);
}

/* A received frame in the test's own mbuf: n messages from FRAME_OFF on. */
struct frame {
	struct rte_mbuf *m;
	uint32_t off;
	uint32_t len;
	uint16_t n;
	uint64_t base;
};

static void frame_build(struct world *w, struct frame *f, unsigned n, uint64_t base)
{
	uint32_t len = 0, pos, j;
	uint8_t *d;
	unsigned i;

	assert_true(n <= N);
	for (i = 0; i < n; i++)
		len += BL_WIRE_MSG_HDR_LEN + frame_sizes[i];
	f->m = rte_pktmbuf_alloc(w->pool);
	assert_non_null(f->m);
	d = (uint8_t *)rte_pktmbuf_append(f->m, (uint16_t)(FRAME_OFF + len));
	assert_non_null(d);
	memset(d, 0xee, FRAME_OFF);
	pos = FRAME_OFF;
	for (i = 0; i < n; i++) {
		bl_wire_put_msg_hdr(d + pos, frame_sizes[i], BL_WIRE_KIND_DATA, 0,
				    frame_key(base, i));
		pos += BL_WIRE_MSG_HDR_LEN;
		for (j = 0; j < frame_sizes[i]; j++)
			d[pos + j] = frame_byte(base, i, j);
		pos += frame_sizes[i];
	}
	f->off = FRAME_OFF;
	f->len = len;
	f->n = (uint16_t)n;
	f->base = base;
}

/* Offset from mtod of message i's payload. */
/* Frame f to pid as it would come from the wire (a reference of its own). */
static int deliver_net(struct bl_sched *s, uint64_t pid, const struct frame *f)
{
	return bl_sched_deliver_frame(s, pid, SRC_TOKEN, f->m, f->off, f->len, f->n, BL_MSG_F_NET);
}

static uint32_t frame_payload_off(const struct frame *f, unsigned i)
{
	uint32_t off = f->off;
	unsigned k;

	for (k = 0; k < i; k++)
		off += BL_WIRE_MSG_HDR_LEN + frame_sizes[k];
	return off + BL_WIRE_MSG_HDR_LEN;
}

/* What a recording behaviour saw, message by message. */
struct rec {
	unsigned n;
	uint64_t key[MAX_REC];
	uint64_t src[MAX_REC];
	uint32_t len[MAX_REC];
	uint16_t type[MAX_REC];
	uint16_t flags[MAX_REC];
	const struct rte_mbuf *mbuf[MAX_REC];
	uint32_t off[MAX_REC];
	uint8_t data[MAX_REC][MAX_BYTES];
	uint32_t pinned[MAX_REC]; /* the process's pinned bytes when it saw message i */
	/* options */
	unsigned exit_at; /* bl_exit while handling the exit_at-th message (1-based) */
	int keep;	  /* bl_msg_keep every message */
	uint64_t fwd_to;  /* bl_forward every message there */
	/* keeping */
	struct bl_kbin *kept[MAX_REC];
	uint32_t pinned_after_keep[MAX_REC];
	unsigned dropped;
	/* handle_frame */
	unsigned frames;
	uint16_t f_type;
	uint16_t f_flags;
	uint32_t f_count;
	uint64_t f_src;
	const struct rte_mbuf *f_mbuf;
	uint32_t f_off;
	uint32_t f_len;
	uint32_t f_pinned;
	int tx_rc; /* bl_transmit_frame's return (tx behaviour) */
	int terminated;
	struct bl_reason reason;
};

static int rec_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static void rec_one(struct bl_ctx *c, struct rec *r, const struct bl_msg *m)
{
	unsigned i = r->n++;

	assert_true(i < MAX_REC);
	r->key[i] = m->key;
	r->src[i] = m->src;
	r->len[i] = bl_msg_len(m);
	r->type[i] = m->type;
	r->flags[i] = m->flags;
	r->mbuf[i] = m->bin.m;
	r->off[i] = m->bin.off;
	r->pinned[i] = c->p->pinned_bytes;
	assert_true(bl_msg_len(m) <= MAX_BYTES);
	if (bl_msg_len(m) != 0)
		memcpy(r->data[i], bl_msg_data(m), bl_msg_len(m));
	if (r->keep) {
		r->kept[i] = bl_msg_keep(c, m);
		r->pinned_after_keep[i] = c->p->pinned_bytes;
	}
	if (r->fwd_to != 0)
		assert_int_equal(bl_forward(c, r->fwd_to, m), 0);
	if (r->exit_at != 0 && r->n == r->exit_at)
		bl_exit(c, bl_reason_error(7, "frame test exit"));
}

static void rec_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct rec *r = (struct rec *)bl_state(c);
	unsigned i;

	if (m->key == DROP_KEY) {
		/* Drop every kept binary that references an mbuf. */
		for (i = 0; i < r->n; i++) {
			if (r->kept[i] != NULL && r->kept[i]->bin.m != NULL) {
				bl_bin_drop(c, r->kept[i]);
				r->kept[i] = NULL;
				r->dropped++;
			}
		}
		return;
	}
	rec_one(c, r, m);
}

static void rec_frame(struct bl_ctx *c, const struct bl_msg *f)
{
	struct rec *r = (struct rec *)bl_state(c);
	struct bl_frame_iter it;
	struct bl_msg v;

	r->frames++;
	r->f_type = f->type;
	r->f_flags = f->flags;
	r->f_count = bl_frame_count(f);
	r->f_src = f->src;
	r->f_mbuf = f->bin.m;
	r->f_off = f->bin.off;
	r->f_len = f->bin.len;
	r->f_pinned = c->p->pinned_bytes;
	bl_frame_iter_init(&it, f);
	while (bl_frame_next(&it, &v))
		rec_one(c, r, &v);
	/* past the last: stays false */
	assert_false(bl_frame_next(&it, &v));
}

static void rec_terminate(struct bl_ctx *c, struct bl_reason reason)
{
	struct rec *r = (struct rec *)bl_state(c);

	r->terminated++;
	r->reason = reason;
}

static const struct bl_behaviour rec_beh = {
	.name = "rec",
	.init = rec_init,
	.handle_message = rec_msg,
	.terminate = rec_terminate,
};

static const struct bl_behaviour rec_frame_beh = {
	.name = "rec_frame",
	.init = rec_init,
	.handle_message = rec_msg,
	.handle_frame = rec_frame,
	.terminate = rec_terminate,
};

/* Messages first..first+n-1 of f, as recorded from index at on. */
static void assert_seen(const struct rec *r, unsigned at, const struct frame *f, unsigned n,
			uint64_t src, uint16_t flags)
{
	unsigned i;
	uint32_t j;

	for (i = 0; i < n; i++) {
		assert_int_equal(r->key[at + i], frame_key(f->base, i));
		assert_int_equal(r->len[at + i], frame_sizes[i]);
		assert_int_equal(r->src[at + i], src);
		assert_int_equal(r->type[at + i], BL_MSG_DATA);
		assert_int_equal(r->flags[at + i], flags);
		/* a view into the frame's own mbuf, at the payload */
		assert_ptr_equal(r->mbuf[at + i], f->m);
		assert_int_equal(r->off[at + i], frame_payload_off(f, i));
		for (j = 0; j < frame_sizes[i]; j++)
			assert_int_equal(r->data[at + i][j], frame_byte(f->base, i, j));
	}
}

static void test_messages_in_order(void **state)
{
	/* A budget below the frame's count: the frame is handled whole anyway. */
	struct bl_sched_config cfg = { .budget = 2 };
	struct world *w = world_new(1, &cfg, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	uint64_t handled = s->handled;
	const uint16_t fl = BL_MSG_F_NET;
	struct bl_proc *p;
	struct frame f;

	(void)state;
	assert_int_not_equal(pid, BL_PID_NONE);
	p = bl_proc_lookup(s, pid);
	assert_non_null(p);
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(rte_mempool_avail_count(w->pool), start - 1);
	assert_int_equal(bl_sched_deliver_frame(s, pid, SRC_TOKEN, f.m, f.off, f.len, f.n, fl), 0);
	/* one node, one reference, one mailbox entry */
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	assert_int_equal(p->mbox.len, 1);
	assert_int_equal(s->mbox_total, 1);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 1);
	assert_int_equal(p->reductions, 0);
	/* one turn handles every message of the frame */
	assert_int_equal(bl_sched_run(s, 1), N);
	assert_int_equal(r.n, N);
	assert_seen(&r, 0, &f, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	assert_int_equal(p->reductions, N);
	assert_int_equal(s->handled, handled + N);
	assert_int_equal(p->mbox.len, 0);
	assert_null(p->mbox.head);
	assert_int_equal(s->mbox_total, 0);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	assert_int_equal(bl_sched_check(s), 0);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	assert_int_equal(r.terminated, 0);
	world_free(w);
	assert_int_equal(r.terminated, 1);
}

static void test_pid_source_and_two_frames(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	uint64_t from = bl_pid_make(s->lcore, 3, 5);
	struct frame a, b;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, 3, 2 * KEY_BASE);
	/* a pid as the source: no NET flag, and the view flag alone */
	assert_int_equal(bl_sched_deliver_frame(s, pid, from, a.m, a.off, a.len, a.n, 0), 0);
	assert_int_equal(bl_sched_deliver(s, pid, 5, from, NULL, 0, 0, 0), 0);
	assert_int_equal(bl_sched_deliver_frame(s, pid, from, b.m, b.off, b.len, b.n, 0), 0);
	assert_int_equal(bl_proc_lookup(s, pid)->mbox.len, 3);
	world_settle(s);
	assert_int_equal(r.n, N + 1 + 3);
	assert_seen(&r, 0, &a, N, from, BL_MSG_F_VIEW);
	/* the plain message between the frames stays between them, not a view */
	assert_int_equal(r.key[N], 5);
	assert_int_equal(r.flags[N], 0);
	assert_null(r.mbuf[N]);
	assert_seen(&r, N + 1, &b, 3, from, BL_MSG_F_VIEW);
	assert_int_equal(bl_proc_lookup(s, pid)->reductions, N + 1 + 3);
	assert_int_equal(rte_mbuf_refcnt_read(a.m), 1);
	assert_int_equal(rte_mbuf_refcnt_read(b.m), 1);
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	world_free(w);
}

static void test_pinned_while_queued(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	struct bl_proc_info info;
	struct frame a, b;
	unsigned i;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, N, 3 * KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &a), 0);
	/* one buffer pinned, whatever the number of messages in it */
	assert_int_equal(bl_proc_info_get(s, pid, &info), 0);
	assert_int_equal(info.pinned_bytes, a.m->buf_len);
	assert_int_equal(info.mailbox_len, 1);
	assert_int_equal(bl_proc_lookup(s, pid)->pinned_bytes, a.m->buf_len);
	assert_int_equal(s->pinned_total, a.m->buf_len);
	assert_int_equal(deliver_net(s, pid, &b), 0);
	assert_int_equal(bl_proc_info_get(s, pid, &info), 0);
	assert_int_equal(info.pinned_bytes, a.m->buf_len + b.m->buf_len);
	assert_int_equal(info.mailbox_len, 2);
	world_settle(s);
	assert_int_equal(r.n, 2 * N);
	/* while its messages are handled a frame is still pinned, and the
	 * frame behind it is pinned until its own turn */
	for (i = 0; i < N; i++)
		assert_int_equal(r.pinned[i], a.m->buf_len + b.m->buf_len);
	for (i = N; i < 2 * N; i++)
		assert_int_equal(r.pinned[i], b.m->buf_len);
	assert_int_equal(bl_proc_info_get(s, pid, &info), 0);
	assert_int_equal(info.pinned_bytes, 0);
	assert_int_equal(info.mailbox_len, 0);
	assert_int_equal(info.reductions, 2 * N);
	assert_int_equal(s->pinned_total, 0);
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	world_free(w);
}

static void test_keep_views(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { .keep = 1 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	struct bl_proc *p = bl_proc_lookup(s, pid);
	uint32_t buf, j;
	struct frame f;
	unsigned i;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	buf = f.m->buf_len;
	assert_int_equal(deliver_net(s, pid, &f), 0);
	world_settle(s);
	assert_int_equal(r.n, N);
	/* sizes 0, 10, 64: heap copies that pin nothing beyond the frame
	 * itself; 65 and 300: a reference each, the whole buffer pinned */
	assert_int_equal(r.pinned_after_keep[0], buf);
	assert_int_equal(r.pinned_after_keep[1], buf);
	assert_int_equal(r.pinned_after_keep[2], buf);
	assert_int_equal(r.pinned_after_keep[3], 2 * buf);
	assert_int_equal(r.pinned_after_keep[4], 3 * buf);
	for (i = 0; i < N; i++) {
		assert_non_null(r.kept[i]);
		assert_int_equal(bl_kbin_len(r.kept[i]), frame_sizes[i]);
		for (j = 0; j < frame_sizes[i]; j++)
			assert_int_equal(bl_kbin_data(r.kept[i])[j], frame_byte(f.base, i, j));
		if (frame_sizes[i] <= BL_BIN_INLINE_MAX) {
			assert_null(r.kept[i]->bin.m);
		} else {
			assert_ptr_equal(r.kept[i]->bin.m, f.m);
			assert_int_equal(r.kept[i]->bin.off, frame_payload_off(&f, i));
		}
	}
	/* the frame node is gone; the two kept references remain */
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 3);
	assert_int_equal(p->pinned_bytes, 2 * buf);
	assert_int_equal(s->pinned_total, 2 * buf);
	/* the test lets go of its own reference: the process's keep the bytes */
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	assert_int_equal(bl_kbin_data(r.kept[4])[299], frame_byte(f.base, 4, 299));
	/* dropping the kept references releases the buffer */
	assert_int_equal(bl_sched_deliver(s, pid, DROP_KEY, 0, NULL, 0, 0, 0), 0);
	world_settle(s);
	assert_int_equal(r.dropped, 2);
	assert_int_equal(p->pinned_bytes, 0);
	assert_int_equal(s->pinned_total, 0);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	/* the small copies are still readable from the heap */
	assert_int_equal(bl_kbin_data(r.kept[1])[9], frame_byte(f.base, 1, 9));
	world_free(w);
}

static void test_keep_released_by_exit(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { .keep = 1 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	rte_pktmbuf_free(f.m); /* only the node's reference is left */
	world_settle(s);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	assert_int_equal(s->pinned_total, 2 * f.m->buf_len);
	assert_int_equal(rte_mempool_avail_count(w->pool), start - 1);
	assert_int_equal(bl_proc_kill(s, pid, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	assert_null(bl_proc_lookup(s, pid));
	assert_int_equal(r.terminated, 1);
	assert_int_equal(s->pinned_total, 0);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_handle_frame(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_frame_beh, &r, NULL);
	uint64_t handled = s->handled;
	struct bl_proc_info info;
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	/* a plain message still goes to handle_message */
	assert_int_equal(bl_sched_deliver(s, pid, 9, SRC_TOKEN, NULL, 0, 0, BL_MSG_F_NET), 0);
	assert_int_equal(bl_sched_run(s, 1), N + 1);
	assert_int_equal(r.frames, 1);
	assert_int_equal(r.f_type, BL_MSG_FRAME);
	assert_int_equal(r.f_count, N);
	assert_int_equal(r.f_flags, BL_MSG_F_NET);
	assert_int_equal(r.f_src, SRC_TOKEN);
	assert_ptr_equal(r.f_mbuf, f.m);
	assert_int_equal(r.f_off, f.off);
	assert_int_equal(r.f_len, f.len);
	assert_int_equal(r.f_pinned, f.m->buf_len);
	/* the iterator yields the same messages handle_message would see */
	assert_int_equal(r.n, N + 1);
	assert_seen(&r, 0, &f, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	assert_int_equal(r.key[N], 9);
	assert_int_equal(r.flags[N], BL_MSG_F_NET);
	assert_int_equal(bl_proc_info_get(s, pid, &info), 0);
	assert_int_equal(info.reductions, N + 1);
	assert_int_equal(info.pinned_bytes, 0);
	assert_int_equal(s->handled, handled + N + 1);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	rte_pktmbuf_free(f.m);
	world_free(w);
}

/* A hand-made frame node: bl_frame_next stays inside its region. */
static void test_iter_bounds(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct frame f;
	struct bl_msg node, v;
	struct bl_frame_iter it;
	unsigned n = 0;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	memset(&node, 0, sizeof(node));
	node.type = BL_MSG_FRAME;
	node.bin.m = f.m;
	node.bin.off = f.off;
	node.bin.len = f.len;
	node.aux = N + 3; /* claims more messages than the region holds */
	bl_frame_iter_init(&it, &node);
	while (bl_frame_next(&it, &v))
		n++;
	assert_int_equal(n, N);
	/* a region that ends inside the last payload: that message is refused */
	node.bin.len = f.len - 1;
	node.aux = N;
	n = 0;
	bl_frame_iter_init(&it, &node);
	while (bl_frame_next(&it, &v)) {
		assert_int_equal(v.key, frame_key(f.base, n));
		n++;
	}
	assert_int_equal(n, N - 1);
	rte_pktmbuf_free(f.m);
	world_free(w);
}

/* The recording transmit callbacks. */
struct txrec {
	unsigned n;
	uint64_t dest[MAX_REC];
	uint64_t key[MAX_REC];
	uint32_t len[MAX_REC];
	uint16_t flags[MAX_REC];
	const struct rte_mbuf *mbuf[MAX_REC];
	uint8_t last[MAX_REC];
	unsigned frames;
	uint64_t f_dest;
	uint16_t f_type;
	uint32_t f_count;
	const struct rte_mbuf *f_mbuf;
	uint32_t f_off;
	uint32_t f_len;
	struct rte_mbuf *held; /* frame_fn keeps the mbuf, as the dataplane does */
	int fail;
	/* Lending (bl_sched_lend_frame): 1 borrow the node's reference, 2 borrow
	 * then give it back and take one of its own. */
	int lend;
	struct bl_sched *s;
	uint64_t turn;
	bool lent, lent_again, over_in_turn;
};

static int rec_tx(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *m)
{
	struct txrec *t = (struct txrec *)arg;
	unsigned i = t->n;

	(void)lcore;
	if (t->fail)
		return -ENOBUFS;
	assert_true(i < MAX_REC);
	t->dest[i] = dest;
	t->key[i] = m->key;
	t->len[i] = bl_msg_len(m);
	t->flags[i] = m->flags;
	t->mbuf[i] = m->bin.m;
	t->last[i] = bl_msg_len(m) ? bl_msg_data(m)[bl_msg_len(m) - 1] : 0;
	t->n++;
	return 0;
}

static int rec_tx_frame(void *arg, uint32_t lcore, uint64_t dest, const struct bl_msg *f)
{
	struct txrec *t = (struct txrec *)arg;

	(void)lcore;
	if (t->fail)
		return (int)bl_frame_count(f); /* refuses every message */
	t->frames++;
	t->f_dest = dest;
	t->f_type = f->type;
	t->f_count = bl_frame_count(f);
	t->f_mbuf = f->bin.m;
	t->f_off = f->bin.off;
	t->f_len = f->bin.len;
	t->held = f->bin.m;
	if (t->lend) {
		t->lent = bl_sched_lend_frame(t->s, f, &t->turn);
		t->lent_again = bl_sched_lend_frame(t->s, f, &t->turn);
		t->over_in_turn = bl_sched_frame_turn_over(t->s, t->turn);
		if (t->lent && t->lend == 1)
			return 0;
		if (t->lent)
			bl_sched_lend_cancel(t->s, f);
	}
	rte_mbuf_refcnt_update(f->bin.m, 1);
	return 0;
}

/* handle_frame: the whole frame to the transmit callback, the result kept. */
static void tx_frame(struct bl_ctx *c, const struct bl_msg *f)
{
	struct rec *r = (struct rec *)bl_state(c);

	r->frames++;
	r->tx_rc = bl_transmit_frame(c, TX_DEST, f);
}

static const struct bl_behaviour tx_beh = {
	.name = "txf",
	.init = rec_init,
	.handle_message = rec_msg,
	.handle_frame = tx_frame,
};

static struct world *tx_world(struct txrec *t, bool whole)
{
	struct bl_sched_config cfg = { 0 };

	cfg.tx.fn = rec_tx;
	cfg.tx.frame_fn = whole ? rec_tx_frame : NULL;
	cfg.tx.arg = t;
	return world_new(1, &cfg, false);
}

static void test_transmit_frame_per_message(void **state)
{
	struct txrec t = { 0 };
	struct world *w = tx_world(&t, false);
	struct bl_sched *s = w->s[0];
	struct bl_forward_args fa = { .dest = TX_DEST };
	uint64_t pid = bl_proc_spawn(s, &bl_forward_behaviour, &fa, NULL);
	struct frame f;
	unsigned i;

	(void)state;
	assert_int_not_equal(pid, BL_PID_NONE);
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	world_settle(s);
	/* forward passes the frame on: without frame_fn, message by message */
	assert_int_equal(t.n, N);
	assert_int_equal(t.frames, 0);
	for (i = 0; i < N; i++) {
		assert_int_equal(t.dest[i], TX_DEST);
		assert_int_equal(t.key[i], frame_key(f.base, i));
		assert_int_equal(t.len[i], frame_sizes[i]);
		assert_int_equal(t.flags[i], BL_MSG_F_NET | BL_MSG_F_VIEW);
		assert_ptr_equal(t.mbuf[i], f.m);
		if (frame_sizes[i] != 0)
			assert_int_equal(t.last[i], frame_byte(f.base, i, frame_sizes[i] - 1));
	}
	assert_int_equal(bl_proc_lookup(s, pid)->reductions, N);
	assert_int_equal(s->drops[BL_SDROP_TX_FAILED], 0);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	rte_pktmbuf_free(f.m);
	world_free(w);
}

static void test_transmit_frame_refused_per_message(void **state)
{
	struct txrec t = { .fail = 1 };
	struct world *w = tx_world(&t, false);
	struct bl_sched *s = w->s[0];
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &tx_beh, &r, NULL);
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	world_settle(s);
	assert_int_equal(r.frames, 1);
	assert_int_equal(r.tx_rc, -ENOBUFS);
	/* every refused message is a counted drop */
	assert_int_equal(s->drops[BL_SDROP_TX_FAILED], N);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	rte_pktmbuf_free(f.m);
	world_free(w);
}

static void test_transmit_frame_whole(void **state)
{
	struct txrec t = { 0 };
	struct world *w = tx_world(&t, true);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct bl_forward_args fa = { .dest = TX_DEST };
	uint64_t pid = bl_proc_spawn(s, &bl_forward_behaviour, &fa, NULL);
	struct rec r = { 0 };
	uint64_t pid2 = bl_proc_spawn(s, &tx_beh, &r, NULL);
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	world_settle(s);
	/* once, with the node; the per-message callback never runs */
	assert_int_equal(t.frames, 1);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.f_dest, TX_DEST);
	assert_int_equal(t.f_type, BL_MSG_FRAME);
	assert_int_equal(t.f_count, N);
	assert_ptr_equal(t.f_mbuf, f.m);
	assert_int_equal(t.f_off, f.off);
	assert_int_equal(t.f_len, f.len);
	assert_int_equal(bl_proc_lookup(s, pid)->reductions, N);
	/* the callback's own reference outlives the node's */
	assert_ptr_equal(t.held, f.m);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	rte_pktmbuf_free(t.held);
	t.held = NULL;
	/* a refusing frame callback: its error reaches the handler, counted */
	t.fail = 1;
	assert_int_equal(deliver_net(s, pid2, &f), 0);
	world_settle(s);
	assert_int_equal(r.frames, 1);
	assert_int_equal(r.tx_rc, -ENOBUFS);
	assert_int_equal(t.frames, 1);
	assert_int_equal(t.n, 0);
	assert_int_equal(s->drops[BL_SDROP_TX_FAILED], N);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

/*
 * The node of the running frame turn lends its reference: kept by the
 * transmitter when the turn ends, or given back (and released by the node)
 * when the transmitter cancels. Lent once; never outside the turn.
 */
static void lend_case(int mode)
{
	struct txrec t = { 0 };
	struct world *w = tx_world(&t, true);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct bl_forward_args fa = { .dest = TX_DEST };
	uint64_t pid = bl_proc_spawn(s, &bl_forward_behaviour, &fa, NULL);
	struct frame f;
	uint64_t turn;

	t.lend = mode;
	t.s = s;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &f), 0);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2); /* ours and the node's */
	world_settle(s);
	assert_int_equal(t.frames, 1);
	assert_true(t.lent);
	assert_false(t.lent_again);
	assert_false(t.over_in_turn);
	assert_true(bl_sched_frame_turn_over(s, t.turn));
	/* The node is gone either way; the transmitter holds one reference. */
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	assert_ptr_equal(t.held, f.m);
	assert_false(
	    bl_sched_lend_frame(s, &(struct bl_msg){ .type = BL_MSG_FRAME, .bin.m = f.m }, &turn));
	rte_pktmbuf_free(t.held);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_transmit_frame_lent(void **state)
{
	(void)state;
	lend_case(1);
}

static void test_transmit_frame_lend_cancelled(void **state)
{
	(void)state;
	lend_case(2);
}

static void test_mailbox_limit_drop_newest(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct bl_spawn_opts o = { .mailbox_limit = 1, .overflow = BL_OVERFLOW_DROP_NEWEST + 1 };
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, &o);
	uint64_t full = s->drops[BL_SDROP_MAILBOX_FULL];
	struct bl_proc *p = bl_proc_lookup(s, pid);
	struct frame a, b;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, N, 2 * KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &a), 0);
	/* the mailbox holds one entry: the second frame is refused whole */
	assert_int_not_equal(deliver_net(s, pid, &b), 0);
	assert_int_equal(p->drops, N);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL], full + N);
	assert_int_equal(rte_mbuf_refcnt_read(b.m), 1);
	assert_int_equal(rte_mbuf_refcnt_read(a.m), 2);
	assert_int_equal(p->pinned_bytes, a.m->buf_len);
	assert_int_equal(p->mbox.len, 1);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 1);
	world_settle(s);
	assert_int_equal(r.n, N);
	assert_seen(&r, 0, &a, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_mailbox_limit_drop_oldest(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct bl_spawn_opts o = { .mailbox_limit = 1, .overflow = BL_OVERFLOW_DROP_OLDEST + 1 };
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, &o);
	uint64_t full = s->drops[BL_SDROP_MAILBOX_FULL];
	struct bl_proc *p = bl_proc_lookup(s, pid);
	struct frame a, b;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, 3, 2 * KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &a), 0);
	/* the new frame pushes the old one out: its N messages are the drops */
	assert_int_equal(deliver_net(s, pid, &b), 0);
	assert_int_equal(p->drops, N);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL], full + N);
	assert_int_equal(rte_mbuf_refcnt_read(a.m), 1);
	assert_int_equal(rte_mbuf_refcnt_read(b.m), 2);
	assert_int_equal(p->pinned_bytes, b.m->buf_len);
	assert_int_equal(s->pinned_total, b.m->buf_len);
	assert_int_equal(s->mbox_total, 1);
	world_settle(s);
	assert_int_equal(r.n, 3);
	assert_seen(&r, 0, &b, 3, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_mailbox_limit_kill(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct bl_spawn_opts o = { .mailbox_limit = 1, .overflow = BL_OVERFLOW_KILL + 1 };
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, &o);
	uint64_t full = s->drops[BL_SDROP_MAILBOX_FULL];
	struct frame a, b;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, 3, 2 * KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &a), 0);
	assert_int_not_equal(deliver_net(s, pid, &b), 0);
	assert_int_equal(s->drops[BL_SDROP_MAILBOX_FULL], full + 3);
	assert_int_equal(rte_mbuf_refcnt_read(b.m), 1);
	world_settle(s);
	/* killed by the overflow: nothing handled, the queued frame released */
	assert_null(bl_proc_lookup(s, pid));
	assert_int_equal(r.n, 0);
	assert_int_equal(r.terminated, 1);
	assert_int_equal(r.reason.code, BL_EXIT_MAILBOX_OVERFLOW);
	assert_int_equal(rte_mbuf_refcnt_read(a.m), 1);
	assert_int_equal(s->pinned_total, 0);
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_exit_mid_frame(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { .exit_at = 2 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	uint64_t handled = s->handled, exited = s->exited;
	uint64_t lost = s->drops[BL_SDROP_EXITED];
	struct rte_mbuf *big = world_mbuf(w, 200);
	struct frame a, b;

	(void)state;
	frame_build(w, &a, N, KEY_BASE);
	frame_build(w, &b, N, 2 * KEY_BASE);
	assert_int_equal(deliver_net(s, pid, &a), 0);
	/* more mail behind the frame: a second frame and a referenced payload */
	assert_int_equal(deliver_net(s, pid, &b), 0);
	assert_int_equal(bl_sched_deliver(s, pid, 1, SRC_TOKEN, big, 0, 200, BL_MSG_F_NET), 0);
	assert_int_equal(rte_mbuf_refcnt_read(big), 2);
	/* the test's own references go: only the queued nodes hold the mbufs */
	rte_pktmbuf_free(a.m);
	rte_pktmbuf_free(b.m);
	rte_pktmbuf_free(big);
	world_settle(s);
	assert_int_equal(r.n, 2);
	assert_seen(&r, 0, &a, 2, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	assert_int_equal(s->handled, handled + 2);
	assert_null(bl_proc_lookup(s, pid));
	assert_int_equal(s->exited, exited + 1);
	/* the rest of frame a, all of frame b and the 200-byte message: counted */
	assert_int_equal(s->drops[BL_SDROP_EXITED], lost + (N - 2) + N + 1);
	assert_int_equal(r.terminated, 1);
	assert_int_equal(r.reason.code, BL_EXIT_ERROR);
	assert_int_equal(r.reason.detail, 7);
	assert_int_equal(s->pinned_total, 0);
	assert_int_equal(s->mbox_total, 0);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

/* A view passed on with bl_forward: the receiver takes its own reference. */
static void test_forward_view(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec sink = { 0 };
	uint64_t psink = bl_proc_spawn(s, &rec_beh, &sink, NULL);
	struct rec fwd = { .fwd_to = psink };
	uint64_t pfwd = bl_proc_spawn(s, &rec_beh, &fwd, NULL);
	struct frame f;
	unsigned i;
	uint32_t j;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(deliver_net(s, pfwd, &f), 0);
	rte_pktmbuf_free(f.m); /* the node's reference alone keeps the frame */
	assert_int_equal(bl_sched_run(s, 1), N);
	assert_int_equal(fwd.n, N);
	/* the frame node is gone; the two big payloads hold a reference each */
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 2);
	assert_int_equal(bl_proc_lookup(s, psink)->mbox.len, N);
	assert_int_equal(bl_proc_lookup(s, psink)->pinned_bytes, 2 * f.m->buf_len);
	world_settle(s);
	assert_int_equal(sink.n, N);
	for (i = 0; i < N; i++) {
		assert_int_equal(sink.key[i], frame_key(f.base, i));
		assert_int_equal(sink.len[i], frame_sizes[i]);
		assert_int_equal(sink.src[i], SRC_TOKEN);
		assert_int_equal(sink.flags[i], BL_MSG_F_NET);
		for (j = 0; j < frame_sizes[i]; j++)
			assert_int_equal(sink.data[i][j], frame_byte(f.base, i, j));
		/* small payloads were copied into the receiver's node */
		if (frame_sizes[i] <= BL_BIN_INLINE_MAX)
			assert_null(sink.mbuf[i]);
		else
			assert_ptr_equal(sink.mbuf[i], f.m);
	}
	assert_int_equal(s->pinned_total, 0);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_refused_deliveries(void **state)
{
	struct world *w = world_new(1, NULL, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	uint64_t before[BL_SDROP_MAX];
	uint64_t other = bl_pid_make(s->lcore + 1, bl_pid_slot(pid), bl_pid_gen(pid));
	struct frame f;
	unsigned i;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	assert_int_equal(bl_proc_kill(s, pid, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	world_settle(s);
	assert_null(bl_proc_lookup(s, pid));
	memcpy(before, s->drops, sizeof(before));
	/* a dead pid: every message of the frame is a dead_pid drop */
	assert_int_equal(deliver_net(s, pid, &f), -ESRCH);
	assert_int_equal(s->drops[BL_SDROP_DEAD_PID], before[BL_SDROP_DEAD_PID] + N);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	/* another lcore's pid: refused before anything is taken or counted */
	memcpy(before, s->drops, sizeof(before));
	assert_int_equal(deliver_net(s, other, &f), -EXDEV);
	for (i = 0; i < BL_SDROP_MAX; i++)
		assert_int_equal(s->drops[i], before[i]);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	assert_int_equal(bl_msg_pool_in_use(&s->msgs), 0);
	assert_int_equal(s->mbox_total, 0);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

static void test_no_msg_buf(void **state)
{
	struct bl_sched_config cfg = { .n_msgs = 1 };
	struct world *w = world_new(1, &cfg, false);
	struct bl_sched *s = w->s[0];
	unsigned start = rte_mempool_avail_count(w->pool);
	struct rec r = { 0 };
	uint64_t pid = bl_proc_spawn(s, &rec_beh, &r, NULL);
	uint64_t nomsg = s->drops[BL_SDROP_NO_MSG_BUF];
	struct frame f;

	(void)state;
	frame_build(w, &f, N, KEY_BASE);
	/* the only node is taken by a plain message */
	assert_int_equal(bl_sched_deliver(s, pid, 1, SRC_TOKEN, NULL, 0, 0, BL_MSG_F_NET), 0);
	assert_int_equal(deliver_net(s, pid, &f), -ENOBUFS);
	assert_int_equal(s->drops[BL_SDROP_NO_MSG_BUF], nomsg + N);
	assert_int_equal(rte_mbuf_refcnt_read(f.m), 1);
	world_settle(s);
	/* with the node back the frame goes through */
	assert_int_equal(deliver_net(s, pid, &f), 0);
	world_settle(s);
	assert_int_equal(r.n, 1 + N);
	assert_seen(&r, 1, &f, N, SRC_TOKEN, BL_MSG_F_NET | BL_MSG_F_VIEW);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_mempool_avail_count(w->pool), start);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages_in_order),
		cmocka_unit_test(test_pid_source_and_two_frames),
		cmocka_unit_test(test_pinned_while_queued),
		cmocka_unit_test(test_keep_views),
		cmocka_unit_test(test_keep_released_by_exit),
		cmocka_unit_test(test_handle_frame),
		cmocka_unit_test(test_iter_bounds),
		cmocka_unit_test(test_transmit_frame_per_message),
		cmocka_unit_test(test_transmit_frame_refused_per_message),
		cmocka_unit_test(test_transmit_frame_whole),
		cmocka_unit_test(test_transmit_frame_lent),
		cmocka_unit_test(test_transmit_frame_lend_cancelled),
		cmocka_unit_test(test_mailbox_limit_drop_newest),
		cmocka_unit_test(test_mailbox_limit_drop_oldest),
		cmocka_unit_test(test_mailbox_limit_kill),
		cmocka_unit_test(test_exit_mid_frame),
		cmocka_unit_test(test_forward_view),
		cmocka_unit_test(test_refused_deliveries),
		cmocka_unit_test(test_no_msg_buf),
	};

	if (actors_test_eal("frame", "0") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
