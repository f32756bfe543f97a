/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamctl's connection: design note.
 *
 * Every wait (connect retries, send, receive) is bounded by one deadline,
 * armed when the connection opens and again for each reply of a request
 * sent in pieces, so --timeout bounds each answer, not a whole big batch.
 * Bytes read past a reply line stay in the connection's buffer for the next
 * one (at most MAX_REPLY bytes: a reply longer than that is refused).
 *
 * A request longer than the socket's line limit (a big `route batch`, a long
 * `route del`) is sent as several requests over one connection, each under
 * the limit; their counters are added up. Such a batch is applied in pieces.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/beamctl_conn.h"
#include "control/beamctl_routes.h"
#include "control/ctl.h"
#include "control/text.h"

#define EXIT_UNREACHABLE BL_BEAMCTL_EXIT_UNREACHABLE

#define MAX_REPLY (256u << 20)

static int ms_left(const struct bl_beamctl_conn *cn)
{
	struct timespec now;
	long long ms;

	if (cn->timeout_ms == 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (cn->deadline.tv_sec - now.tv_sec) * 1000LL +
	     (cn->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/* Wait for `ev` on the socket. 0, or -ETIMEDOUT / -errno. */
static int wait_fd(struct bl_beamctl_conn *cn, short ev)
{
	struct pollfd p = { .fd = cn->fd, .events = ev };

	for (;;) {
		int left = ms_left(cn);
		int rc;

		if (left == 0)
			return -ETIMEDOUT;
		rc = poll(&p, 1, left);
		if (rc > 0)
			return 0;
		if (rc == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* Give the connection timeout_ms from now. */
void bl_beamctl_conn_arm(struct bl_beamctl_conn *cn)
{
	clock_gettime(CLOCK_MONOTONIC, &cn->deadline);
	cn->deadline.tv_sec += cn->timeout_ms / 1000;
	cn->deadline.tv_nsec += (long)(cn->timeout_ms % 1000) * 1000000;
	if (cn->deadline.tv_nsec >= 1000000000) {
		cn->deadline.tv_sec++;
		cn->deadline.tv_nsec -= 1000000000;
	}
}

int bl_beamctl_conn_open(struct bl_beamctl_conn *cn, const char *path, int timeout_ms)
{
	struct sockaddr_un addr;

	memset(cn, 0, sizeof(*cn));
	cn->path = path;
	bl_text_escape(path, cn->path_shown, sizeof(cn->path_shown));
	cn->timeout_ms = timeout_ms;
	bl_beamctl_conn_arm(cn);
	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "beamctl: cannot connect to %s: path too long\n", cn->path_shown);
		return -ENAMETOOLONG;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	cn->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cn->fd < 0) {
		fprintf(stderr, "beamctl: cannot connect to %s: %s\n", cn->path_shown,
			strerror(errno));
		return -errno;
	}
	/* A full backlog makes a non-blocking connect say EAGAIN: retry until the deadline. */
	while (connect(cn->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;

		if ((e == EAGAIN || e == EINTR) && ms_left(cn) != 0) {
			struct timespec ts = { 0, 10 * 1000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		fprintf(stderr, "beamctl: cannot connect to %s: %s%s\n", cn->path_shown,
			e == EAGAIN ? "daemon busy: " : "", strerror(e));
		if (e == ENOENT || e == ECONNREFUSED)
			fprintf(stderr, "beamctl: is the daemon running? (socket: -s PATH or "
					"$BEAMLINE_SOCKET)\n");
		close(cn->fd);
		cn->fd = -1;
		return -e;
	}
	return 0;
}

void bl_beamctl_conn_close(struct bl_beamctl_conn *cn)
{
	if (cn->fd >= 0)
		close(cn->fd);
	free(cn->buf);
}

static int conn_send(struct bl_beamctl_conn *cn, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(cn->fd, data, len, MSG_NOSIGNAL);

		if (n < 0) {
			int rc;

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			rc = wait_fd(cn, POLLOUT);
			if (rc < 0)
				return rc;
			continue;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read one reply line. *line is malloc'ed (no newline). 0 or -errno (-EPIPE: closed). */
static int conn_recv_line(struct bl_beamctl_conn *cn, char **line, size_t *linelen)
{
	for (;;) {
		char *nl = cn->buf ? memchr(cn->buf, '\n', cn->len) : NULL;
		ssize_t n;
		int rc;

		if (nl != NULL) {
			size_t l = (size_t)(nl - cn->buf);

			*line = malloc(l + 1);
			if (*line == NULL)
				return -ENOMEM;
			memcpy(*line, cn->buf, l);
			(*line)[l] = '\0';
			*linelen = l;
			memmove(cn->buf, nl + 1, cn->len - l - 1);
			cn->len -= l + 1;
			return 0;
		}
		if (cn->len == MAX_REPLY)
			return -E2BIG;
		if (cn->cap - cn->len < 65536) {
			size_t cap = cn->cap ? cn->cap * 2 : 65536 * 2;
			char *b;

			if (cap > MAX_REPLY)
				cap = MAX_REPLY;
			b = realloc(cn->buf, cap);
			if (b == NULL)
				return -ENOMEM;
			cn->buf = b;
			cn->cap = cap;
		}
		n = recv(cn->fd, cn->buf + cn->len, cn->cap - cn->len, 0);
		if (n > 0) {
			cn->len += (size_t)n;
			continue;
		}
		if (n == 0)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		rc = wait_fd(cn, POLLIN);
		if (rc < 0)
			return rc;
	}
}

static void unreachable(const struct bl_beamctl_conn *cn, const char *what, int rc)
{
	if (rc == -ETIMEDOUT)
		fprintf(stderr, "beamctl: no reply from %s within %d ms\n", cn->path_shown,
			cn->timeout_ms);
	else if (rc == -EPIPE)
		fprintf(stderr, "beamctl: %s closed the connection before replying\n",
			cn->path_shown);
	else
		fprintf(stderr, "beamctl: %s %s: %s\n", what, cn->path_shown, strerror(-rc));
}

/* One request, one reply. *raw is the reply line (for --json). 0 or exit code. */
static int roundtrip(struct bl_beamctl_conn *cn, json_t *req, json_t **reply, char **raw)
{
	json_error_t jerr;
	size_t len;
	char *text = json_dumps(req, JSON_COMPACT);
	int rc;

	*reply = NULL;
	*raw = NULL;
	if (text == NULL) {
		fprintf(stderr, "beamctl: out of memory\n");
		return EXIT_UNREACHABLE;
	}
	len = strlen(text);
	text[len] = '\0';
	rc = conn_send(cn, text, len);
	if (rc == 0)
		rc = conn_send(cn, "\n", 1);
	free(text);
	if (rc < 0) {
		unreachable(cn, "cannot send to", rc);
		return EXIT_UNREACHABLE;
	}
	rc = conn_recv_line(cn, raw, &len);
	if (rc < 0) {
		unreachable(cn, "cannot read from", rc);
		return EXIT_UNREACHABLE;
	}
	*reply = json_loadb(*raw, len, 0, &jerr);
	if (!json_is_object(*reply)) {
		fprintf(stderr, "beamctl: garbled reply from %s: %s\n", cn->path_shown,
			*reply ? "not an object" : jerr.text);
		json_decref(*reply);
		*reply = NULL;
		return EXIT_UNREACHABLE;
	}
	return 0;
}

/* ---- splitting requests that are too long for one line ---- */

static size_t dumped_len(const json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT);
	size_t n = t ? strlen(t) : SIZE_MAX;

	free(t);
	return n;
}

/* The member that can be split: the array "ops" (batch), "keys" (del) or
 * "routes" (add), or a batch's "text" (at its line ends). */
static const char *split_field(const json_t *req)
{
	static const char *const fields[] = { "ops", "keys", "routes" };

	for (size_t i = 0; i < 3; i++)
		if (json_array_size(json_object_get(req, fields[i])) > 1)
			return fields[i];
	if (json_is_string(json_object_get(req, "text")))
		return "text";
	return NULL;
}

/* Bytes c takes in a JSON string as jansson writes it (UTF-8 as is). */
static size_t json_char_len(unsigned char c)
{
	if (c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f')
		return 2;
	return c < 0x20 ? 6 : 1;
}

/* Add the integer members of `part` into `sum` (added, replaced, deleted...). */
static void add_counts(json_t *sum, const json_t *part)
{
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)part, k, v) {
		json_t *s = json_object_get(sum, k);

		if (json_is_integer(v) && json_is_integer(s))
			json_integer_set(s, json_integer_value(s) + json_integer_value(v));
		else if (s == NULL)
			json_object_set(sum, k, v);
	}
}

/* A piece's reply: summed into *sum, or the first error kept in *err. */
static void take_piece_reply(json_t *reply, json_t **sum, json_t **err, size_t *done)
{
	if (!json_is_true(json_object_get(reply, "ok"))) {
		if (*err == NULL)
			*err = reply;
		else
			json_decref(reply);
		return;
	}
	(*done)++;
	if (*sum == NULL) {
		*sum = reply;
	} else {
		add_counts(*sum, reply);
		json_decref(reply);
	}
}

/* Wait for the oldest piece's reply, with a whole --timeout for it. */
static int recv_piece_reply(struct bl_beamctl_conn *cn, json_t **sum, json_t **err, size_t *done)
{
	json_error_t jerr;
	json_t *reply;
	char *raw;
	size_t len;
	int rc;

	bl_beamctl_conn_arm(cn);
	rc = conn_recv_line(cn, &raw, &len);
	if (rc < 0) {
		unreachable(cn, "cannot read from", rc);
		return EXIT_UNREACHABLE;
	}
	reply = json_loadb(raw, len, 0, &jerr);
	free(raw);
	if (!json_is_object(reply)) {
		fprintf(stderr, "beamctl: garbled reply from %s: %s\n", cn->path_shown,
			reply ? "not an object" : jerr.text);
		json_decref(reply);
		return EXIT_UNREACHABLE;
	}
	take_piece_reply(reply, sum, err, done);
	return 0;
}

/* Text appended to a growing buffer. */
struct textbuf {
	char *p;
	size_t len, cap;
};

static int text_add(struct textbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *q;

		while (cap < b->len + n + 1)
			cap *= 2;
		q = realloc(b->p, cap);
		if (q == NULL)
			return -ENOMEM;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/*
 * Requests in flight at once when a request goes in pieces: the daemon
 * applies them in order, and the pipe stays full while it does.
 */
#define PIECES_IN_FLIGHT 8u

/* Pieces on their way: sent, and their replies summed in order. */
struct pipe {
	struct bl_beamctl_conn *cn;
	json_t *sum, *err; /* the summed replies; the first error reply */
	size_t in_flight;
	size_t *pieces, *done;
};

/* Send one piece; past PIECES_IN_FLIGHT, wait for the oldest reply. */
static int pipe_send(struct pipe *p, const char *text, size_t len)
{
	int rc = conn_send(p->cn, text, len);

	if (rc < 0) {
		unreachable(p->cn, "cannot send to", rc);
		return EXIT_UNREACHABLE;
	}
	(*p->pieces)++;
	if (++p->in_flight < PIECES_IN_FLIGHT)
		return 0;
	p->in_flight--;
	return recv_piece_reply(p->cn, &p->sum, &p->err, p->done);
}

/* Every reply in; *reply the first error, else the sum with "pieces".
 * Frees what it holds whatever it returns. */
static int pipe_finish(struct pipe *p, int rc, json_t **reply)
{
	for (; rc == 0 && p->in_flight > 0; p->in_flight--)
		rc = recv_piece_reply(p->cn, &p->sum, &p->err, p->done);
	if (rc == 0 && p->err != NULL) {
		*reply = p->err; /* the caller reports it */
		p->err = NULL;
	} else if (rc == 0) {
		json_object_set_new(p->sum, "pieces", json_integer((json_int_t)*p->pieces));
		*reply = p->sum;
		p->sum = NULL;
	}
	json_decref(p->sum);
	json_decref(p->err);
	return rc;
}

/*
 * A batch's "text" in pieces cut at line ends, each request under the line
 * limit, pipelined as bl_beamctl_send_request's pieces are (see there). A line that
 * alone is over the limit is sent alone (the daemon refuses it).
 */
/* Append s[0..n) escaped as jansson escapes a string (json_char_len). */
static int text_add_escaped(struct textbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		char e[6] = { '\\', 0 };
		size_t el = 2;

		if (json_char_len(c) == 1)
			continue;
		if (text_add(b, s + run, k - run) < 0)
			return -ENOMEM;
		run = k + 1;
		switch (c) {
		case '"':
		case '\\':
			e[1] = (char)c;
			break;
		case '\n':
			e[1] = 'n';
			break;
		case '\t':
			e[1] = 't';
			break;
		case '\r':
			e[1] = 'r';
			break;
		case '\b':
			e[1] = 'b';
			break;
		case '\f':
			e[1] = 'f';
			break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			el = 6;
		}
		if (text_add(b, e, el) < 0)
			return -ENOMEM;
	}
	return text_add(b, s + run, n - run);
}

static int send_text(struct bl_beamctl_conn *cn, json_t *req, json_t **reply, size_t *pieces,
		     size_t *done)
{
	json_t *piece = json_copy(req);
	struct pipe pp = { .cn = cn, .pieces = pieces, .done = done };
	const char *text = json_string_value(json_object_get(req, "text"));
	size_t len = json_string_length(json_object_get(req, "text")), at = 0, base;
	struct textbuf buf = { 0 };
	char *shape = NULL, *hole;
	int rc = 0;

	*pieces = 0;
	/* Each piece is the request with its text cut: the request's own JSON
	 * with an empty text, and the piece's lines escaped into the hole. */
	if (piece == NULL || json_object_set_new(piece, "text", json_string("")) != 0 ||
	    (shape = json_dumps(piece, JSON_COMPACT)) == NULL)
		goto nomem;
	hole = strstr(shape, "\"text\":\"\"");
	if (hole == NULL)
		goto nomem;
	hole += strlen("\"text\":\"");
	base = strlen(shape) + 1; /* and the newline */
	while (at < len && pp.err == NULL && rc == 0) {
		size_t end = at, size = base;

		/* Whole lines while they fit; at least one. */
		while (end < len) {
			const char *nl = memchr(text + end, '\n', len - end);
			size_t next = nl ? (size_t)(nl - text) + 1 : len, l = 0;

			for (size_t k = end; k < next; k++)
				l += json_char_len((unsigned char)text[k]);
			if (end > at && size + l > BL_CTL_MAX_REQUEST)
				break;
			size += l;
			end = next;
		}
		buf.len = 0;
		if (text_add(&buf, shape, (size_t)(hole - shape)) < 0 ||
		    text_add_escaped(&buf, text + at, end - at) < 0 ||
		    text_add(&buf, hole, strlen(hole)) < 0 || text_add(&buf, "\n", 1) < 0)
			goto nomem;
		at = end;
		rc = pipe_send(&pp, buf.p, buf.len);
	}
	rc = pipe_finish(&pp, rc, reply);
	pp.sum = pp.err = NULL;
out:
	json_decref(pp.sum);
	json_decref(pp.err);
	json_decref(piece);
	free(shape);
	free(buf.p);
	return rc;
nomem:
	fprintf(stderr, "beamctl: out of memory\n");
	rc = EXIT_UNREACHABLE;
	goto out;
}

/*
 * Send `req`, split into pieces under the line limit if needed. On success
 * *reply is the reply (or the sum of the pieces' replies) and *raw the
 * verbatim line when there was one piece. Returns 0 or an exit code; on an
 * error reply, *reply is that error and `*done` how many pieces were applied.
 *
 * Pieces are pipelined: up to PIECES_IN_FLIGHT are sent before the first
 * reply is read, and each reply gets a whole --timeout. After an error
 * reply no new piece is sent; those already sent are applied or refused
 * on their own, and counted in *done.
 */
int bl_beamctl_send_request(struct bl_beamctl_conn *cn, json_t *req, json_t **reply, char **raw,
			    size_t *pieces, size_t *done)
{
	const char *field = split_field(req);
	json_t *arr, *head = NULL;
	struct pipe pp = { .cn = cn, .pieces = pieces, .done = done };
	struct textbuf piece = { 0 };
	char *prefix = NULL, *el = NULL;
	size_t n, i = 0, plen, count = 0;
	int rc = 0;

	*pieces = 1;
	*done = 0;
	/* A text over the limit is split without dumping it whole first. */
	if (field != NULL && strcmp(field, "text") == 0 &&
	    json_string_length(json_object_get(req, "text")) > BL_CTL_MAX_REQUEST)
		return send_text(cn, req, reply, pieces, done);
	if (field == NULL || dumped_len(req) <= BL_CTL_MAX_REQUEST)
		return roundtrip(cn, req, reply, raw);
	if (strcmp(field, "text") == 0)
		return send_text(cn, req, reply, pieces, done);
	arr = json_object_get(req, field);
	n = json_array_size(arr);
	/* The request without the array, as text: `{...,"field":[` is the
	 * prefix of every piece, `]}` its end. */
	head = json_copy(req);
	if (head == NULL || json_object_del(head, field) != 0 ||
	    json_object_set_new(head, field, json_array()) != 0)
		goto nomem;
	prefix = json_dumps(head, JSON_COMPACT);
	if (prefix == NULL)
		goto nomem;
	plen = strlen(prefix);
	if (plen < 3 || strcmp(prefix + plen - 2, "]}") != 0)
		goto nomem;
	plen -= 2; /* up to and with the '[' */
	*pieces = 0;
	while (i < n && pp.err == NULL && rc == 0) {
		piece.len = 0;
		count = 0;
		if (text_add(&piece, prefix, plen) < 0)
			goto nomem;
		/* Greedy: each element costs its own length plus a comma. */
		while (i < n) {
			size_t l;

			if (el == NULL && (el = json_dumps(json_array_get(arr, i),
							   JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
				goto nomem;
			l = strlen(el);
			if (count > 0 && piece.len + 1 + l + 2 > BL_CTL_MAX_REQUEST)
				break;
			if ((count > 0 && text_add(&piece, ",", 1) < 0) ||
			    text_add(&piece, el, l) < 0)
				goto nomem;
			free(el);
			el = NULL;
			count++;
			i++;
		}
		if (text_add(&piece, "]}\n", 3) < 0)
			goto nomem;
		rc = pipe_send(&pp, piece.p, piece.len);
	}
	rc = pipe_finish(&pp, rc, reply);
	pp.sum = pp.err = NULL;
out:
	json_decref(pp.sum);
	json_decref(pp.err);
	json_decref(head);
	free(prefix);
	free(el);
	free(piece.p);
	return rc;
nomem:
	fprintf(stderr, "beamctl: out of memory\n");
	rc = EXIT_UNREACHABLE;
	goto out;
}
