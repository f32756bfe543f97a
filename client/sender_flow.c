/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's side of flow control (docs/wire-format.md section 8).
 *
 * The router pauses a (source, key) when the process the key reaches has a
 * full mailbox of policy block, and resumes it when that mailbox drains; a
 * PAUSE holds for the hold time it carries at most, so a lost RESUME costs
 * that long and no more. The sender reads its own socket for these: before
 * a frame it sends, once every BL_SENDER_DRAIN_NS at most (one recv that
 * finds nothing, usually), and while it waits for a paused key. Datagrams
 * carrying anything else are replies to this sender: up to
 * BL_SENDER_KEPT_MAX of them are kept, in order, for bl_client_sender_recv,
 * and any more are counted as lost, never silently dropped.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "client/sender_pvt.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int pause_find(const struct bl_client_sender *s, uint64_t key)
{
	unsigned int i;

	for (i = 0; i < s->n_paused; i++)
		if (s->paused[i].key == key)
			return (int)i;
	return -1;
}

static void pause_del(struct bl_client_sender *s, unsigned int i)
{
	s->paused[i] = s->paused[--s->n_paused];
}

static void pause_set(struct bl_client_sender *s, uint64_t key, uint32_t hold_ms)
{
	uint64_t until = now_ns() + (uint64_t)hold_ms * 1000000ull;
	int i = pause_find(s, key);

	if (i < 0) {
		if (s->n_paused == BL_SENDER_PAUSED_MAX) {
			unsigned int j, soonest = 0;

			for (j = 1; j < s->n_paused; j++)
				if (s->paused[j].until_ns < s->paused[soonest].until_ns)
					soonest = j;
			pause_del(s, soonest);
		}
		i = (int)s->n_paused++;
		s->paused[i].key = key;
	}
	s->paused[i].until_ns = until;
}

bool bl_client_sender_paused(struct bl_client_sender *s, uint64_t key)
{
	int i = pause_find(s, key);

	if (i < 0)
		return false;
	if (now_ns() < s->paused[i].until_ns)
		return true;
	pause_del(s, (unsigned int)i);
	s->fst.expired++;
	return false;
}

static void keep(struct bl_client_sender *s, const uint8_t *p, size_t len)
{
	struct bl_sender_dgram *d;
	uint8_t *copy;

	if (s->n_kept == BL_SENDER_KEPT_MAX || (copy = malloc(len ? len : 1)) == NULL) {
		s->fst.replies_lost++;
		return;
	}
	memcpy(copy, p, len);
	d = &s->kept[(s->kept_head + s->n_kept++) % BL_SENDER_KEPT_MAX];
	d->data = copy;
	d->len = len;
	s->fst.replies++;
}

/* One datagram from the router: its flow messages applied; kept if it has
 * anything else. */
static void take(struct bl_client_sender *s, const uint8_t *p, size_t len)
{
	struct bl_wire_frame fr;
	struct bl_wire_msg m;
	uint32_t off = BL_WIRE_FRAME_HDR_LEN;
	bool other = false;
	unsigned int i;

	if (bl_wire_frame_check(p, len, &fr) != BL_WIRE_OK) {
		s->fst.bad++;
		return;
	}
	for (i = 0; i < fr.count; i++) {
		enum bl_wire_flow_op op;
		uint32_t hold;

		bl_wire_msg_next(p, &off, &m);
		if (m.kind != BL_WIRE_KIND_FLOW) {
			other = true;
			continue;
		}
		if (bl_wire_get_flow(p + m.off, m.len, &op, &hold) != 0) {
			s->fst.bad++;
			continue;
		}
		if (op == BL_WIRE_FLOW_PAUSE) {
			s->fst.pauses++;
			pause_set(s, m.key, hold);
		} else {
			int j = pause_find(s, m.key);

			s->fst.resumes++;
			if (j >= 0)
				pause_del(s, (unsigned int)j);
		}
	}
	if (other)
		keep(s, p, len);
}

/* Read every datagram waiting, after up to timeout_ms for the first. */
static int read_some(struct bl_client_sender *s, int timeout_ms)
{
	int n = 0;

	if (s->rxbuf == NULL && (s->rxbuf = malloc(BL_CLIENT_MAX_DGRAM + 1)) == NULL)
		return -ENOMEM;
	if (timeout_ms != 0) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		int rc = poll(&pfd, 1, timeout_ms);

		if (rc < 0)
			return -errno;
		if (rc == 0)
			return 0;
	}
	for (;;) {
		ssize_t got = recv(s->fd, s->rxbuf, BL_CLIENT_MAX_DGRAM + 1, MSG_DONTWAIT);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return n;
			/* An ICMP error for an earlier send, not data: the next
			 * send would have failed with it, so the next flush
			 * does (bl__sender_flow_drain). */
			if (errno == ECONNREFUSED) {
				s->icmp_err = -ECONNREFUSED;
				return n;
			}
			return -errno;
		}
		take(s, s->rxbuf, (size_t)got);
		n++;
	}
}

int bl__sender_flow_drain(struct bl_client_sender *s)
{
	int err;

	/* At most every BL_SENDER_DRAIN_NS: a recv that finds nothing costs
	 * more than sending a small frame, and a PAUSE read that much later
	 * lets only that much more through (the router keeps it). */
	if (s->flow != BL_CLIENT_FLOW_IGNORE) {
		uint64_t now = now_ns();

		if (now >= s->next_drain_ns) {
			(void)read_some(s, 0);
			s->next_drain_ns = now + BL_SENDER_DRAIN_NS;
		}
	}
	err = s->icmp_err;
	s->icmp_err = 0;
	return err;
}

int bl__sender_flow_wait(struct bl_client_sender *s, uint64_t key)
{
	uint64_t t0;

	if (s->flow == BL_CLIENT_FLOW_TRY) {
		s->fst.backpressured++;
		return -EAGAIN;
	}
	t0 = now_ns();
	s->fst.waits++;
	while (bl_client_sender_paused(s, key)) {
		int i = pause_find(s, key);
		uint64_t now = now_ns(), until = s->paused[i].until_ns;
		int ms = until > now ? (int)((until - now + 999999ull) / 1000000ull) : 0;

		(void)read_some(s, ms > 0 ? ms : 1);
	}
	s->fst.wait_ns += now_ns() - t0;
	return 0;
}

int bl_client_sender_set_flow(struct bl_client_sender *s, enum bl_client_flow mode)
{
	if (mode != BL_CLIENT_FLOW_BLOCK && mode != BL_CLIENT_FLOW_TRY &&
	    mode != BL_CLIENT_FLOW_IGNORE)
		return -EINVAL;
	s->flow = mode;
	return 0;
}

int bl_client_sender_poll(struct bl_client_sender *s, int timeout_ms)
{
	return read_some(s, timeout_ms);
}

int bl_client_sender_recv(struct bl_client_sender *s, uint8_t *buf, size_t size, int timeout_ms)
{
	uint64_t deadline = timeout_ms > 0 ? now_ns() + (uint64_t)timeout_ms * 1000000ull : 0;
	struct bl_sender_dgram *d;
	int len;

	while (s->n_kept == 0) {
		int wait = timeout_ms, rc;

		if (timeout_ms > 0) {
			uint64_t now = now_ns();

			if (now >= deadline)
				return -ETIMEDOUT;
			wait = (int)((deadline - now + 999999ull) / 1000000ull);
		}
		rc = read_some(s, wait);
		if (rc < 0)
			return rc;
		if (rc == 0 && s->n_kept == 0 && timeout_ms == 0)
			return -ETIMEDOUT;
	}
	d = &s->kept[s->kept_head];
	s->kept_head = (s->kept_head + 1) % BL_SENDER_KEPT_MAX;
	s->n_kept--;
	if (d->len > size) {
		s->fst.replies_lost++;
		len = -EMSGSIZE;
	} else {
		memcpy(buf, d->data, d->len);
		len = (int)d->len;
	}
	free(d->data);
	d->data = NULL;
	return len;
}

void bl_client_sender_flow_stats(const struct bl_client_sender *s, struct bl_client_flow_stats *out)
{
	*out = s->fst;
	out->paused = s->n_paused;
}

void bl__sender_flow_free(struct bl_client_sender *s)
{
	while (s->n_kept != 0) {
		free(s->kept[s->kept_head].data);
		s->kept_head = (s->kept_head + 1) % BL_SENDER_KEPT_MAX;
		s->n_kept--;
	}
	free(s->rxbuf);
	s->rxbuf = NULL;
}
