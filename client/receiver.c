/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receiver: frame checking, message iteration, per-source sequence tracking.
 *
 * Nothing in a datagram is trusted before bl_wire_frame_check accepts it; a
 * refused datagram is counted under exactly one reason and yields nothing.
 *
 * Sources live in an array in order of first appearance (so listings are
 * stable) and are found through an open-addressing index of twice the bound,
 * so a lookup stays short even when the table is full. The table never grows
 * past max_sources: frames from further sources are still delivered but not
 * sequence-checked, and counted as `untracked`. That bound matters because
 * the source address comes from the network.
 *
 * Sequence rule, per source, for a frame of `count` messages starting at seq:
 * equal to the expected seq: in order; above it: one gap of (seq - expected)
 * lost messages; below it: the messages under the expected seq are
 * duplicates. The expected seq then becomes max(expected, seq + count).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/blmsg.h"

/* Room for any UDP payload, so MSG_TRUNC can only mean a non-IPv4 oddity. */
#define RX_BUF_LEN 65536u

struct bl_client_receiver {
	int fd;
	uint8_t *rxbuf;
	struct bl_client_rx_stats stats;

	/* sources */
	struct bl_client_source *src; /* max_src entries, nsrc used */
	uint32_t *index;	      /* index_mask + 1 slots: source number + 1, or 0 */
	uint32_t index_mask;
	unsigned int max_src;
	unsigned int nsrc;

	/* current frame */
	const uint8_t *frame;
	struct sockaddr_in frame_src;
	uint64_t frame_seq;
	uint64_t dup_below; /* messages with seq < this are duplicates */
	uint32_t off;
	uint16_t count;
	uint16_t next_idx;
};

static const char *const rx_drop_names[BL_CLIENT_RX_DROP_MAX] = {
	"frame_truncated", "bad_magic",	     "zero_count", "msg_truncated",
	"length_overflow", "count_mismatch", "oversize",
};

_Static_assert(BL_CLIENT_RX_DROP_COUNT_MISMATCH - BL_CLIENT_RX_DROP_FRAME_TRUNCATED ==
		   BL_WIRE_COUNT_MISMATCH - BL_WIRE_TRUNCATED,
	       "receiver drop reasons must follow enum bl_wire_status");

const char *bl_client_rx_drop_name(enum bl_client_rx_drop d)
{
	if ((unsigned int)d >= BL_CLIENT_RX_DROP_MAX)
		return "unknown";
	return rx_drop_names[d];
}

struct bl_client_receiver *bl_client_receiver_create(unsigned int max_sources)
{
	struct bl_client_receiver *r;
	uint32_t slots = 2;

	if (max_sources == 0 || max_sources > BL_CLIENT_MAX_SOURCES) {
		errno = EINVAL;
		return NULL;
	}
	while (slots < 2u * max_sources)
		slots <<= 1;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->fd = -1;
	r->max_src = max_sources;
	r->index_mask = slots - 1;
	r->src = calloc(max_sources, sizeof(*r->src));
	r->index = calloc(slots, sizeof(*r->index));
	if (r->src == NULL || r->index == NULL) {
		bl_client_receiver_destroy(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

void bl_client_receiver_destroy(struct bl_client_receiver *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->rxbuf);
	free(r->src);
	free(r->index);
	free(r);
}

int bl_client_receiver_bind(struct bl_client_receiver *r, const struct sockaddr_in *addr)
{
	int fd, err;

	if (addr == NULL || addr->sin_family != AF_INET)
		return -EINVAL;
	if (r->fd >= 0)
		return -EBUSY;
	if (r->rxbuf == NULL) {
		r->rxbuf = malloc(RX_BUF_LEN);
		if (r->rxbuf == NULL)
			return -ENOMEM;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	r->fd = fd;
	return 0;
}

int bl_client_receiver_local(const struct bl_client_receiver *r, struct sockaddr_in *out)
{
	socklen_t sl = sizeof(*out);

	if (r->fd < 0)
		return -ENOTCONN;
	if (getsockname(r->fd, (struct sockaddr *)out, &sl) < 0)
		return -errno;
	return 0;
}

int bl_client_receiver_fd(const struct bl_client_receiver *r)
{
	return r->fd;
}

static uint32_t src_hash(const struct sockaddr_in *a)
{
	uint64_t k = ((uint64_t)a->sin_addr.s_addr << 16) | a->sin_port;

	/* 64-bit multiplicative mix; the top bits are the best mixed. */
	k *= 0x9E3779B97F4A7C15ull;
	return (uint32_t)(k >> 32);
}

/* Find or add the source; NULL when the table is full and it is new. */
static struct bl_client_source *src_lookup(struct bl_client_receiver *r,
					   const struct sockaddr_in *a, bool *is_new)
{
	uint32_t i = src_hash(a) & r->index_mask;
	struct bl_client_source *s;

	*is_new = false;
	/* The index is never more than half full, so this loop ends at an empty slot. */
	while (r->index[i] != 0) {
		s = &r->src[r->index[i] - 1];
		if (s->addr.sin_addr.s_addr == a->sin_addr.s_addr &&
		    s->addr.sin_port == a->sin_port)
			return s;
		i = (i + 1) & r->index_mask;
	}
	if (r->nsrc == r->max_src)
		return NULL;
	s = &r->src[r->nsrc];
	memset(s, 0, sizeof(*s));
	s->addr.sin_family = AF_INET;
	s->addr.sin_addr = a->sin_addr;
	s->addr.sin_port = a->sin_port;
	r->index[i] = ++r->nsrc;
	*is_new = true;
	return s;
}

static void seq_track(struct bl_client_receiver *r, struct bl_client_source *s, bool is_new,
		      uint64_t seq, uint16_t count)
{
	uint64_t end = seq + count;

	s->frames++;
	s->msgs += count;
	if (is_new) {
		r->dup_below = seq;
		s->next_seq = end;
		return;
	}
	r->dup_below = s->next_seq;
	if (seq > s->next_seq) {
		s->gaps++;
		s->lost += seq - s->next_seq;
		r->stats.gaps++;
		r->stats.lost += seq - s->next_seq;
	} else if (seq < s->next_seq) {
		uint64_t d = s->next_seq - seq;

		if (d > count)
			d = count;
		s->dups += d;
		r->stats.dups += d;
	}
	if (end > s->next_seq)
		s->next_seq = end;
}

int bl_client_receiver_feed(struct bl_client_receiver *r, const uint8_t *dgram, size_t len,
			    const struct sockaddr_in *src)
{
	struct bl_wire_frame fr;
	enum bl_wire_status st;
	struct bl_client_source *s;
	bool is_new;

	r->stats.dgrams++;
	r->frame = NULL;
	r->count = 0;
	r->next_idx = 0;
	if (len > BL_CLIENT_MAX_DGRAM) {
		r->stats.drops[BL_CLIENT_RX_DROP_OVERSIZE]++;
		return 0;
	}
	st = bl_wire_frame_check(dgram, len, &fr);
	if (st != BL_WIRE_OK) {
		r->stats.drops[BL_CLIENT_RX_DROP_FRAME_TRUNCATED + (st - BL_WIRE_TRUNCATED)]++;
		return 0;
	}
	r->stats.frames++;
	r->stats.msgs += fr.count;
	r->stats.bytes += len - BL_WIRE_FRAME_HDR_LEN - (size_t)fr.count * BL_WIRE_MSG_HDR_LEN;

	memset(&r->frame_src, 0, sizeof(r->frame_src));
	r->frame_src.sin_family = AF_INET;
	if (src != NULL) {
		r->frame_src.sin_addr = src->sin_addr;
		r->frame_src.sin_port = src->sin_port;
	}
	s = src_lookup(r, &r->frame_src, &is_new);
	if (s != NULL) {
		seq_track(r, s, is_new, fr.seq, fr.count);
	} else {
		r->stats.untracked++;
		r->dup_below = 0;
	}
	r->frame = dgram;
	r->frame_seq = fr.seq;
	r->off = BL_WIRE_FRAME_HDR_LEN;
	r->count = fr.count;
	return fr.count;
}

int bl_client_receiver_next(struct bl_client_receiver *r, struct bl_client_msg *m)
{
	struct bl_wire_msg wm;

	if (r->frame == NULL || r->next_idx >= r->count)
		return 0;
	bl_wire_msg_next(r->frame, &r->off, &wm);
	m->key = wm.key;
	m->seq = r->frame_seq + r->next_idx;
	m->payload = r->frame + wm.off;
	m->len = wm.len;
	m->kind = wm.kind;
	m->flags = wm.flags;
	m->dup = m->seq < r->dup_below;
	m->src = r->frame_src;
	r->next_idx++;
	return 1;
}

int bl_client_receiver_recv(struct bl_client_receiver *r, int timeout_ms)
{
	struct pollfd pfd;
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;
	int rc;

	if (r->fd < 0)
		return -ENOTCONN;
	r->frame = NULL;
	r->count = 0;
	pfd.fd = r->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	n = recvfrom(r->fd, r->rxbuf, RX_BUF_LEN, MSG_TRUNC | MSG_DONTWAIT,
		     (struct sockaddr *)&from, &fl);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if ((size_t)n > RX_BUF_LEN) {
		r->stats.dgrams++;
		r->stats.drops[BL_CLIENT_RX_DROP_OVERSIZE]++;
		return 0;
	}
	return bl_client_receiver_feed(r, r->rxbuf, (size_t)n, &from);
}

void bl_client_receiver_stats(const struct bl_client_receiver *r, struct bl_client_rx_stats *out)
{
	*out = r->stats;
}

unsigned int bl_client_receiver_source_count(const struct bl_client_receiver *r)
{
	return r->nsrc;
}

int bl_client_receiver_source_get(const struct bl_client_receiver *r, unsigned int i,
				  struct bl_client_source *out)
{
	if (i >= r->nsrc)
		return -ENOENT;
	*out = r->src[i];
	return 0;
}
