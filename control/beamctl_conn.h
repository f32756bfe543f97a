/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamctl's connection to the daemon: a Unix stream socket with a deadline,
 * one JSON request line out and one reply line in, and requests longer than
 * the socket's line limit sent as several pipelined pieces whose replies are
 * summed. CLI code only (no DPDK); one connection is used by one thread.
 */
#ifndef BL_CTL_BEAMCTL_CONN_H
#define BL_CTL_BEAMCTL_CONN_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

struct bl_beamctl_conn {
	int fd;
	const char *path;
	char path_shown[512]; /* path as messages show it (control/text.h) */
	int timeout_ms;
	struct timespec deadline;
	char *buf; /* bytes received past the last reply line */
	size_t len, cap;
};

/*
 * Connect to the daemon's socket at path; every wait on it gives up
 * timeout_ms after the last bl_beamctl_conn_arm (0: never). Returns 0, or
 * -errno with the reason printed on stderr (the path, and a hint when no
 * daemon listens). cn is to be closed with bl_beamctl_conn_close either way.
 */
int bl_beamctl_conn_open(struct bl_beamctl_conn *cn, const char *path, int timeout_ms);

/* Close the socket and free the buffer. Safe after a failed open. */
void bl_beamctl_conn_close(struct bl_beamctl_conn *cn);

/* Give the connection its whole timeout again, from now. */
void bl_beamctl_conn_arm(struct bl_beamctl_conn *cn);

/*
 * Send req (borrowed), split into pieces under the socket's line limit if
 * needed. On success *reply is the reply (or the sum of the pieces'
 * replies, with "pieces") and *raw the verbatim line when there was one
 * piece (else NULL); the caller frees both. Returns 0 or an exit status
 * (BL_BEAMCTL_EXIT_UNREACHABLE, the reason printed); on an error reply,
 * *reply is that error and *done how many pieces were applied. Pieces are
 * pipelined, each reply with a whole timeout. May block up to the timeout.
 */
int bl_beamctl_send_request(struct bl_beamctl_conn *cn, json_t *req, json_t **reply, char **raw,
			    size_t *pieces, size_t *done);

#endif /* BL_CTL_BEAMCTL_CONN_H */
