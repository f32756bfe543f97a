/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared fixture of the frame mailbox tests (test_frame_deliver.c,
 * test_frame_tx.c, test_frame_drops.c): a received wire frame built in a
 * test mbuf (messages of sizes around the inline limit, keys and bytes
 * derived from a base), delivered as from the wire, and a recording
 * behaviour that notes every message (or whole frame) it is handed, with
 * options to keep, forward or exit part way.
 */
#ifndef BL_TESTS_ACTORS_FRAME_TEST_H
#define BL_TESTS_ACTORS_FRAME_TEST_H

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

static inline uint64_t frame_key(uint64_t base, unsigned i)
{
	return base + 7u * i + 1u;
}

static inline uint8_t frame_byte(uint64_t base, unsigned i, uint32_t j)
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

static inline void frame_build(struct world *w, struct frame *f, unsigned n, uint64_t base)
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

/* Frame f to pid as it would come from the wire (a reference of its own). */
static inline int deliver_net(struct bl_sched *s, uint64_t pid, const struct frame *f)
{
	return bl_sched_deliver_frame(s, pid, SRC_TOKEN, f->m, f->off, f->len, f->n, BL_MSG_F_NET);
}

/* Offset from mtod of message i's payload. */
static inline uint32_t frame_payload_off(const struct frame *f, unsigned i)
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

static inline int rec_init(struct bl_ctx *c, void *arg)
{
	bl_set_state(c, arg);
	return 0;
}

static inline void rec_one(struct bl_ctx *c, struct rec *r, const struct bl_msg *m)
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

static inline void rec_msg(struct bl_ctx *c, const struct bl_msg *m)
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

static inline void rec_frame(struct bl_ctx *c, const struct bl_msg *f)
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

static inline void rec_terminate(struct bl_ctx *c, struct bl_reason reason)
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
static inline void assert_seen(const struct rec *r, unsigned at, const struct frame *f, unsigned n,
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

#endif /* BL_TESTS_ACTORS_FRAME_TEST_H */
