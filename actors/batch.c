/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * batch: collects up to `max` messages, or what came in `wait_ms`, then
 * sends them on to the target as one message (the Erlang idiom of a
 * process that buffers and flushes on count or on a timer).
 *
 * The batch's payload is its messages one after the other, each as a
 * 16-byte header — key (u64), length (u32), zero (u32), little-endian —
 * and its bytes (bl_batch_next walks it); its key is the number of
 * messages. The timer is the scheduler's wheel, so `wait_ms` is whole
 * milliseconds: a batch leaves at most wait_ms + 1 ms after its first
 * message. A batch bigger than one buffer (BL_BATCH_BYTES_MAX) leaves
 * early, whatever its count. Messages that cannot be sent on are counted
 * (`failed` in info, and the runtime's reason).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>

#include "actors/behaviours.h"
#include "actors/internal.h"

#define BATCH_FLUSH_KEY UINT64_C(0x6261746368666c21) /* "batchfl!": its own timer */

struct batch_state {
	struct bl_pid_arg to;
	uint32_t max, wait_ms;
	uint32_t n, len; /* messages and bytes held */
	uint64_t timer;	 /* the pending flush's handle, or 0 */
	uint64_t batches, msgs, failed;
	uint8_t buf[BL_BATCH_BYTES_MAX];
};

static int batch_init(struct bl_ctx *c, void *arg)
{
	const struct bl_batch_args *a = arg;
	struct batch_state *st;

	if (a == NULL || a->max == 0 || a->max > 1024 ||
	    (a->to.pid == BL_PID_NONE && (a->to.name[0] == '\0' || c->s->registry == NULL)))
		return -EINVAL;
	st = bl_alloc(c, sizeof(*st));
	if (st == NULL)
		return -errno;
	memset(st, 0, offsetof(struct batch_state, buf));
	st->to = a->to;
	st->to.name[BL_NAME_MAX - 1] = '\0';
	st->max = a->max;
	st->wait_ms = a->wait_ms != 0 ? a->wait_ms : 1;
	bl_set_state(c, st);
	return 0;
}

static void flush(struct bl_ctx *c, struct batch_state *st)
{
	uint64_t to = st->to.pid;

	if (st->timer != 0) {
		(void)bl_timer_cancel(c, st->timer);
		st->timer = 0;
	}
	if (st->n == 0)
		return;
	if (to == BL_PID_NONE)
		to = bl_registry_whereis(c->s->registry, st->to.name, BL_NAME_MAX);
	if (to != BL_PID_NONE && bl_send(c, to, st->n, st->buf, st->len) == 0) {
		st->batches++;
		st->msgs += st->n;
	} else {
		if (to == BL_PID_NONE)
			c->s->drops[BL_SDROP_DEAD_PID] += st->n;
		st->failed += st->n;
	}
	st->n = 0;
	st->len = 0;
}

static void batch_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct batch_state *st = bl_state(c);
	uint32_t len = bl_msg_len(m), len_le;
	uint64_t key;
	uint8_t *h;

	if (m->key == BATCH_FLUSH_KEY && m->src == bl_self(c)) {
		st->timer = 0;
		flush(c, st);
		return;
	}
	if (BL_BATCH_HDR + len > sizeof(st->buf)) {
		st->failed++; /* one message bigger than a whole batch */
		return;
	}
	if (st->len + BL_BATCH_HDR + len > sizeof(st->buf))
		flush(c, st);
	/* A record starts wherever the last one ended: stored byte-wise, never
	 * through a wider pointer (UBSan: misaligned store). */
	h = st->buf + st->len;
	key = rte_cpu_to_le_64(m->key);
	len_le = rte_cpu_to_le_32(len);
	memcpy(h, &key, sizeof(key));
	memcpy(h + 8, &len_le, sizeof(len_le));
	memset(h + 12, 0, 4);
	memcpy(h + BL_BATCH_HDR, bl_msg_data(m), len);
	st->len += BL_BATCH_HDR + len;
	if (++st->n >= st->max) {
		flush(c, st);
		return;
	}
	if (st->timer == 0)
		st->timer = bl_send_after(c, bl_self(c), BATCH_FLUSH_KEY, NULL, 0, st->wait_ms);
}

static void batch_terminate(struct bl_ctx *c, struct bl_reason reason)
{
	struct batch_state *st = bl_state(c);

	(void)reason;
	flush(c, st); /* what it holds goes on before it goes */
}

static unsigned batch_info(const void *state, struct bl_info_kv *kv, unsigned max)
{
	const struct batch_state *st = state;
	const struct bl_info_kv v[] = {
		{ "batches", st->batches },
		{ "msgs", st->msgs },
		{ "held", st->n },
		{ "failed", st->failed },
	};

	return bl__info_put(kv, max, v, sizeof(v) / sizeof(v[0]));
}

bool bl_batch_next(const uint8_t *batch, uint32_t len, uint32_t *off, uint64_t *key,
		   const uint8_t **data, uint32_t *dlen)
{
	uint64_t k;
	uint32_t l;

	if (*off + BL_BATCH_HDR > len)
		return false;
	memcpy(&l, batch + *off + 8, sizeof(l)); /* records are not aligned */
	l = rte_le_to_cpu_32(l);
	if (l > len - *off - BL_BATCH_HDR)
		return false;
	memcpy(&k, batch + *off, sizeof(k));
	*key = rte_le_to_cpu_64(k);
	*data = batch + *off + BL_BATCH_HDR;
	*dlen = l;
	*off += BL_BATCH_HDR + l;
	return true;
}

const struct bl_behaviour bl_batch_behaviour = {
	.name = "batch",
	.init = batch_init,
	.handle_message = batch_msg,
	.terminate = batch_terminate,
	.info = batch_info,
};

static const struct bl_field batch_fields[] = {
	{ .name = "to",
	  .type = BL_FIELD_PID,
	  .offset = offsetof(struct bl_batch_args, to),
	  .size = sizeof(struct bl_pid_arg),
	  .help = "where batches go: a pid, or a name looked up per batch" },
	BL_FIELD_RANGE(struct bl_batch_args, max, BL_FIELD_U64, "32", 1, 1024,
		       "messages a batch at most"),
	BL_FIELD_RANGE(struct bl_batch_args, wait_ms, BL_FIELD_DURATION, "1ms", 1, 60000,
		       "a batch leaves this long after its first message"),
};

BL_BEHAVIOUR_DESC(bl_batch_desc, "batch", "1.0",
		  .summary = "collects up to max messages or wait_ms, sends them on as one",
		  .init = batch_init, .handle_message = batch_msg, .terminate = batch_terminate,
		  .info = batch_info, BL_SCHEMA(struct bl_batch_args, batch_fields));
