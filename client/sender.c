/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sender: a batcher and a connected UDP socket.
 *
 * A frame leaves exactly once: after send() it is reset whether the kernel
 * took it or not, so a caller that retries after an error can never put the
 * same seq on the wire twice. A refused frame's messages are counted as
 * dropped and show up at the receiver as a gap, which is the truth.
 *
 * Flow control (the router pausing a key) is sender_flow.c's: a frame's
 * send reads the socket first, and an add to a paused key waits there.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/sender_pvt.h"

struct bl_client_sender *bl_client_sender_open(const struct sockaddr_in *dst, size_t max_dgram,
					       unsigned int max_msgs, uint64_t first_seq)
{
	if (dst == NULL || dst->sin_family != AF_INET) {
		errno = EINVAL;
		return NULL;
	}
	return bl_client_sender_open_any((const struct sockaddr *)dst, sizeof(*dst), max_dgram,
					 max_msgs, first_seq);
}

struct bl_client_sender *bl_client_sender_open_any(const struct sockaddr *dst, socklen_t len,
						   size_t max_dgram, unsigned int max_msgs,
						   uint64_t first_seq)
{
	const struct sockaddr_in6 *d6 = (const struct sockaddr_in6 *)(const void *)dst;
	const struct sockaddr_in *d4 = (const struct sockaddr_in *)(const void *)dst;
	struct bl_client_sender *s;
	int err;
	bool v4 =
	    dst != NULL && dst->sa_family == AF_INET && len >= sizeof(*d4) && d4->sin_port != 0;
	bool v6 =
	    dst != NULL && dst->sa_family == AF_INET6 && len >= sizeof(*d6) && d6->sin6_port != 0;

	if (!v4 && !v6) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->fd = -1;
	s->batch = bl_client_batch_create(max_dgram, max_msgs, first_seq);
	if (s->batch == NULL)
		goto fail;
	s->fd = socket(dst->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	if (connect(s->fd, dst, len) < 0)
		goto fail;
	return s;
fail:
	err = errno;
	bl_client_sender_close(s);
	errno = err;
	return NULL;
}

int bl_client_sender_flush(struct bl_client_sender *s)
{
	const uint8_t *frame;
	size_t len;
	unsigned int n;
	ssize_t rc;
	int err = 0;

	n = bl_client_batch_seal(s->batch, &frame, &len);
	if (n == 0)
		return 0;
	/* What came back first; a socket error it finds is this send's. */
	err = bl__sender_flow_drain(s);
	if (err == 0) {
		do {
			rc = send(s->fd, frame, len, 0);
		} while (rc < 0 && errno == EINTR);
		if (rc < 0)
			err = -errno;
	}
	if (err != 0) {
		s->stats.send_errors++;
		s->stats.msgs_dropped += n;
		s->stats.last_error = err;
	} else {
		s->stats.frames++;
		s->stats.msgs += n;
		s->stats.bytes += len;
	}
	bl_client_batch_reset(s->batch);
	return err;
}

int bl_client_sender_add(struct bl_client_sender *s, uint64_t key, const void *payload,
			 uint32_t len)
{
	int rc;

	if (s->n_paused != 0 && bl_client_sender_paused(s, key)) {
		/* What is queued for other keys goes first; then wait (or refuse). */
		rc = bl_client_sender_flush(s);
		if (rc)
			return rc;
		rc = bl__sender_flow_wait(s, key);
		if (rc)
			return rc;
	}
	rc = bl_client_batch_add(s->batch, key, payload, len);
	if (rc != -ENOBUFS)
		return rc;
	rc = bl_client_sender_flush(s);
	if (rc)
		return rc;
	/* An empty frame takes anything bl_client_batch_max_payload allows. */
	return bl_client_batch_add(s->batch, key, payload, len);
}

unsigned int bl_client_sender_pending(const struct bl_client_sender *s)
{
	return s->batch->count;
}

uint64_t bl_client_sender_next_seq(const struct bl_client_sender *s)
{
	return bl_client_batch_next_seq(s->batch);
}

uint32_t bl_client_sender_max_payload(const struct bl_client_sender *s)
{
	return bl_client_batch_max_payload(s->batch);
}

int bl_client_sender_fd(const struct bl_client_sender *s)
{
	return s->fd;
}

void bl_client_sender_stats(const struct bl_client_sender *s, struct bl_client_tx_stats *out)
{
	*out = s->stats;
}

void bl_client_sender_close(struct bl_client_sender *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	bl__sender_flow_free(s);
	bl_client_batch_destroy(s->batch);
	free(s);
}
