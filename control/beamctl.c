/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamctl: words -> one JSON request (control/cmd.h) -> the daemon's control
 * socket -> the reply, printed as aligned tables (or verbatim with --json).
 *
 * Exit status: 0 ok, 1 the daemon answered with an error, 2 usage error,
 * 3 the daemon could not be reached or did not answer properly.
 *
 * A request longer than the socket's line limit (a big `route batch`, a long
 * `route del`) is sent as several requests over one connection, each under
 * the limit; their counters are added up. Such a batch is applied in pieces.
 * `route list` without a limit walks every page (control/beamctl_routes.c).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "control/beamctl_routes.h"
#include "control/cmd.h"
#include "control/ctl.h"

#define EXIT_ERROR_REPLY BL_BEAMCTL_EXIT_ERROR_REPLY
#define EXIT_USAGE	 BL_BEAMCTL_EXIT_USAGE
#define EXIT_UNREACHABLE BL_BEAMCTL_EXIT_UNREACHABLE

#define DEFAULT_SOCKET	   "/run/beamline/beamline.sock"
#define DEFAULT_TIMEOUT_MS 5000
#define MAX_REPLY	   (256u << 20)

struct opts {
	const char *socket;
	const char *raw;
	bool json;
	bool pretty;
	int timeout_ms; /* 0: wait forever */
};

/* ---- talking to the daemon ---- */

struct conn {
	int fd;
	const char *path;
	int timeout_ms;
	struct timespec deadline;
	char *buf; /* bytes received past the last reply line */
	size_t len, cap;
};

static int ms_left(const struct conn *cn)
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
static int wait_fd(struct conn *cn, short ev)
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
static void conn_arm(struct conn *cn)
{
	clock_gettime(CLOCK_MONOTONIC, &cn->deadline);
	cn->deadline.tv_sec += cn->timeout_ms / 1000;
	cn->deadline.tv_nsec += (long)(cn->timeout_ms % 1000) * 1000000;
	if (cn->deadline.tv_nsec >= 1000000000) {
		cn->deadline.tv_sec++;
		cn->deadline.tv_nsec -= 1000000000;
	}
}

static int conn_open(struct conn *cn, const char *path, int timeout_ms)
{
	struct sockaddr_un addr;

	memset(cn, 0, sizeof(*cn));
	cn->path = path;
	cn->timeout_ms = timeout_ms;
	conn_arm(cn);
	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "beamctl: cannot connect to %s: path too long\n", path);
		return -ENAMETOOLONG;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	cn->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cn->fd < 0) {
		fprintf(stderr, "beamctl: cannot connect to %s: %s\n", path, strerror(errno));
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
		fprintf(stderr, "beamctl: cannot connect to %s: %s%s\n", path,
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

static void conn_close(struct conn *cn)
{
	if (cn->fd >= 0)
		close(cn->fd);
	free(cn->buf);
}

static int conn_send(struct conn *cn, const char *data, size_t len)
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
static int conn_recv_line(struct conn *cn, char **line, size_t *linelen)
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

static void unreachable(const struct conn *cn, const char *what, int rc)
{
	if (rc == -ETIMEDOUT)
		fprintf(stderr, "beamctl: no reply from %s within %d ms\n", cn->path,
			cn->timeout_ms);
	else if (rc == -EPIPE)
		fprintf(stderr, "beamctl: %s closed the connection before replying\n", cn->path);
	else
		fprintf(stderr, "beamctl: %s %s: %s\n", what, cn->path, strerror(-rc));
}

/* One request, one reply. *raw is the reply line (for --json). 0 or exit code. */
static int roundtrip(struct conn *cn, json_t *req, json_t **reply, char **raw)
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
		fprintf(stderr, "beamctl: garbled reply from %s: %s\n", cn->path,
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
static int recv_piece_reply(struct conn *cn, json_t **sum, json_t **err, size_t *done)
{
	json_error_t jerr;
	json_t *reply;
	char *raw;
	size_t len;
	int rc;

	conn_arm(cn);
	rc = conn_recv_line(cn, &raw, &len);
	if (rc < 0) {
		unreachable(cn, "cannot read from", rc);
		return EXIT_UNREACHABLE;
	}
	reply = json_loadb(raw, len, 0, &jerr);
	free(raw);
	if (!json_is_object(reply)) {
		fprintf(stderr, "beamctl: garbled reply from %s: %s\n", cn->path,
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

/*
 * A batch's "text" in pieces cut at line ends, each request under the line
 * limit, pipelined as send_request's pieces are (see there). A line that
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

static int send_text(struct conn *cn, json_t *req, json_t **reply, size_t *pieces, size_t *done)
{
	json_t *piece = json_copy(req), *sum = NULL, *err = NULL;
	const char *text = json_string_value(json_object_get(req, "text"));
	size_t len = json_string_length(json_object_get(req, "text")), at = 0, base, in_flight = 0;
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
	while (at < len && err == NULL) {
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
		rc = conn_send(cn, buf.p, buf.len);
		if (rc < 0) {
			unreachable(cn, "cannot send to", rc);
			rc = EXIT_UNREACHABLE;
			goto out;
		}
		(*pieces)++;
		if (++in_flight == PIECES_IN_FLIGHT) {
			rc = recv_piece_reply(cn, &sum, &err, done);
			if (rc != 0)
				goto out;
			in_flight--;
		}
	}
	for (; in_flight > 0; in_flight--) {
		rc = recv_piece_reply(cn, &sum, &err, done);
		if (rc != 0)
			goto out;
	}
	if (err != NULL) {
		*reply = err;
		err = NULL;
	} else {
		json_object_set_new(sum, "pieces", json_integer((json_int_t)*pieces));
		*reply = sum;
		sum = NULL;
	}
	rc = 0;
out:
	json_decref(sum);
	json_decref(err);
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
static int send_request(struct conn *cn, json_t *req, json_t **reply, char **raw, size_t *pieces,
			size_t *done)
{
	const char *field = split_field(req);
	json_t *arr, *head = NULL, *sum = NULL, *err = NULL;
	struct textbuf piece = { 0 };
	char *prefix = NULL, *el = NULL;
	size_t n, i = 0, in_flight = 0, plen, count = 0;
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
	while (i < n && err == NULL) {
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
		rc = conn_send(cn, piece.p, piece.len);
		if (rc < 0) {
			unreachable(cn, "cannot send to", rc);
			rc = EXIT_UNREACHABLE;
			goto out;
		}
		(*pieces)++;
		if (++in_flight == PIECES_IN_FLIGHT) {
			rc = recv_piece_reply(cn, &sum, &err, done);
			if (rc != 0)
				goto out;
			in_flight--;
		}
	}
	for (; in_flight > 0; in_flight--) {
		rc = recv_piece_reply(cn, &sum, &err, done);
		if (rc != 0)
			goto out;
	}
	if (err != NULL) {
		*reply = err; /* the caller reports it */
		err = NULL;
	} else {
		json_object_set_new(sum, "pieces", json_integer((json_int_t)*pieces));
		*reply = sum;
		sum = NULL;
	}
	rc = 0;
out:
	json_decref(sum);
	json_decref(err);
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

/* ---- printing ---- */

/* A cell's text: scalars as themselves, null as "-", containers as compact JSON. */
static char *cell_text(const json_t *v)
{
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(buf);
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.6g", json_real_value(v));
		return strdup(buf);
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("-");
	case JSON_ARRAY: {
		/* A list of scalars reads better as "1, 2, 3". */
		size_t i, used = 0, cap = 64;
		char *s = malloc(cap);
		json_t *e;

		if (s == NULL)
			return NULL;
		s[0] = '\0';
		json_array_foreach (v, i, e) {
			char *t = json_is_object(e) || json_is_array(e)
				      ? json_dumps(e, JSON_COMPACT)
				      : cell_text(e);
			size_t tl = t ? strlen(t) : 0;

			if (used + tl + 3 > cap) {
				char *ns;

				while (used + tl + 3 > cap)
					cap *= 2;
				ns = realloc(s, cap);
				if (ns == NULL) {
					free(t);
					free(s);
					return NULL;
				}
				s = ns;
			}
			used += (size_t)sprintf(s + used, "%s%s", i ? ", " : "", t ? t : "");
			free(t);
		}
		return s;
	}
	default:
		return json_dumps(v, JSON_COMPACT);
	}
}

static void print_upper(const char *s, int width)
{
	int n = 0;

	for (; *s != '\0'; s++, n++)
		putchar(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
	for (; n < width; n++)
		putchar(' ');
}

/*
 * An array of objects as an aligned table. cols: the keys to show (NULL: the
 * union of every row's keys, in first-seen order). Numeric columns are right
 * aligned. Missing cells print "-".
 */
static void print_table(const char *title, const json_t *rows, const char *const *cols)
{
	size_t nrows = json_array_size(rows), ncols = 0;
	const char *names[32];
	int width[32];
	bool numeric[32];
	char **cells;

	if (cols != NULL) {
		while (cols[ncols] != NULL && ncols < 32) {
			names[ncols] = cols[ncols];
			ncols++;
		}
	} else {
		for (size_t r = 0; r < nrows; r++) {
			const char *k;
			json_t *v;

			json_object_foreach (json_array_get(rows, r), k, v) {
				size_t c;

				for (c = 0; c < ncols; c++)
					if (strcmp(names[c], k) == 0)
						break;
				if (c == ncols && ncols < 32)
					names[ncols++] = k;
			}
		}
	}
	if (title != NULL)
		printf("%s\n", title);
	if (nrows == 0 || ncols == 0) {
		printf("  (none)\n");
		return;
	}
	cells = calloc(nrows * ncols, sizeof(char *));
	if (cells == NULL)
		return;
	for (size_t c = 0; c < ncols; c++) {
		width[c] = (int)strlen(names[c]);
		numeric[c] = true;
	}
	for (size_t r = 0; r < nrows; r++) {
		const json_t *row = json_array_get(rows, r);

		for (size_t c = 0; c < ncols; c++) {
			const json_t *v =
			    json_is_object(row) ? json_object_get(row, names[c]) : NULL;
			char *t = v ? cell_text(v) : strdup("-");
			int w = t ? (int)strlen(t) : 0;

			cells[r * ncols + c] = t;
			if (w > width[c])
				width[c] = w;
			if (v != NULL && !json_is_number(v))
				numeric[c] = false;
		}
	}
	printf("  ");
	for (size_t c = 0; c < ncols; c++) {
		if (numeric[c]) {
			printf("%*s", width[c] - (int)strlen(names[c]), "");
			print_upper(names[c], 0);
		} else {
			print_upper(names[c], c + 1 < ncols ? width[c] : 0);
		}
		printf(c + 1 < ncols ? "  " : "\n");
	}
	for (size_t r = 0; r < nrows; r++) {
		printf("  ");
		for (size_t c = 0; c < ncols; c++) {
			const char *t = cells[r * ncols + c] ? cells[r * ncols + c] : "";
			bool last = c + 1 == ncols;

			if (numeric[c])
				printf("%*s", width[c], t);
			else
				printf("%-*s", last ? 0 : width[c], t);
			printf(last ? "\n" : "  ");
			free(cells[r * ncols + c]);
		}
	}
	free(cells);
}

static bool is_table(const json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach (v, i, e)
		if (!json_is_object(e))
			return false;
	return true;
}

/* Generic: scalars as "key  value", objects as indented blocks, arrays of objects as tables. */
static void print_object(const json_t *o, int indent, const char *const *skip)
{
	int width = 0, vwidth = 0; /* vwidth > 0: every value is an integer, right-align them */
	bool all_int = true;
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)o, k, v) {
		bool skipped = is_table(v) || (json_is_object(v) && json_object_size(v) > 0);

		for (size_t i = 0; skip != NULL && skip[i] != NULL; i++)
			skipped |= strcmp(skip[i], k) == 0;
		if (skipped)
			continue;
		if ((int)strlen(k) > width)
			width = (int)strlen(k);
		if (json_is_integer(v)) {
			char buf[32];
			int n = snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
					 json_integer_value(v));

			if (n > vwidth)
				vwidth = n;
		} else {
			all_int = false;
		}
	}
	if (!all_int)
		vwidth = 0;
	json_object_foreach ((json_t *)o, k, v) {
		bool skipped = false;

		for (size_t i = 0; skip != NULL && skip[i] != NULL; i++)
			skipped |= strcmp(skip[i], k) == 0;
		if (skipped || is_table(v) || (json_is_object(v) && json_object_size(v) > 0))
			continue;
		{
			char *t = cell_text(v);

			printf("%*s%-*s  %*s\n", indent, "", width, k, vwidth, t ? t : "");
			free(t);
		}
	}
	json_object_foreach ((json_t *)o, k, v) {
		bool skipped = false;

		for (size_t i = 0; skip != NULL && skip[i] != NULL; i++)
			skipped |= strcmp(skip[i], k) == 0;
		if (skipped)
			continue;
		if (json_is_object(v) && json_object_size(v) > 0) {
			printf("\n%*s%s\n", indent, "", k);
			print_object(v, indent + 2, NULL);
		} else if (is_table(v)) {
			printf("\n");
			print_table(k, v, NULL);
		}
	}
}

static const char *const skip_ok[] = { "ok", NULL };

/* The generic layout, with the uptime made readable where uptime_s was. */
static void print_status(const json_t *r)
{
	json_t *copy = json_object();
	const char *k;
	json_t *v;

	if (copy == NULL)
		return;
	json_object_foreach ((json_t *)r, k, v) {
		if (strcmp(k, "uptime_s") == 0 && json_is_integer(v)) {
			long long s = json_integer_value(v);
			char buf[64];

			snprintf(buf, sizeof(buf), "%lldd %02lld:%02lld:%02lld (%lld s)", s / 86400,
				 s / 3600 % 24, s / 60 % 60, s % 60, s);
			json_object_set_new(copy, "uptime", json_string(buf));
		} else {
			json_object_set(copy, k, v);
		}
	}
	print_object(copy, 0, skip_ok);
	json_decref(copy);
}

static void print_drops(const char *title, const json_t *drops, int *shown)
{
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)drops, k, v) {
		if (json_is_integer(v) && json_integer_value(v) == 0)
			continue;
		if (*shown == 0)
			printf("\ndrops\n");
		char *t = cell_text(v);

		printf("  %-6s %-20s %12s\n", title, k, t ? t : "");
		free(t);
		(*shown)++;
	}
}

static void print_stats(const json_t *r)
{
	static const char *const skip[] = { "ok",     "totals", "pkt_drops", "msg_drops", "ports",
					    "lcores", "seq",	"mempool",   NULL };
	static const char *const port_cols[] = { "port",      "name",	  "rx_pkts",   "tx_pkts",
						 "rx_bytes",  "tx_bytes", "rx_missed", "rx_errors",
						 "tx_errors", NULL };
	static const char *const lcore_cols[] = { "lcore",    "rx_pkts",    "rx_msgs",
						  "fwd_msgs", "drop_msgs",  "tx_pkts",
						  "loops",    "busy_loops", NULL };
	const json_t *v;
	int shown = 0;

	if ((v = json_object_get(r, "totals")) != NULL) {
		printf("totals\n");
		print_object(v, 2, NULL);
	}
	print_drops("packet", json_object_get(r, "pkt_drops"), &shown);
	print_drops("msg", json_object_get(r, "msg_drops"), &shown);
	if (shown == 0)
		printf("\ndrops\n  (none)\n");
	if ((v = json_object_get(r, "ports")) != NULL) {
		printf("\n");
		print_table("ports", v, port_cols);
	}
	if ((v = json_object_get(r, "lcores")) != NULL) {
		printf("\n");
		print_table("lcores", v, lcore_cols);
	}
	if ((v = json_object_get(r, "seq")) != NULL) {
		printf("\nseq\n");
		print_object(v, 2, NULL);
	}
	if ((v = json_object_get(r, "mempool")) != NULL) {
		printf("\nmempool\n");
		print_object(v, 2, NULL);
	}
	/* Anything newer than this beamctl still shows. */
	{
		json_t *rest = json_deep_copy(r);

		for (size_t i = 0; rest != NULL && skip[i] != NULL; i++)
			json_object_del(rest, skip[i]);
		if (rest != NULL && json_object_size(rest) > 0) {
			printf("\n");
			print_object(rest, 0, NULL);
		}
		json_decref(rest);
	}
}

static void print_counts(const json_t *r)
{
	static const char *const names[] = { "added", "replaced", "deleted", NULL };
	bool first = true;

	for (size_t i = 0; names[i] != NULL; i++) {
		const json_t *v = json_object_get(r, names[i]);

		if (!json_is_integer(v))
			continue;
		printf("%s%s %" JSON_INTEGER_FORMAT, first ? "" : ", ", names[i],
		       json_integer_value(v));
		first = false;
	}
	if (json_is_integer(json_object_get(r, "pieces")))
		printf("%s(sent as %" JSON_INTEGER_FORMAT " requests)", first ? "" : " ",
		       json_integer_value(json_object_get(r, "pieces")));
	printf("\n");
}

static void print_reply(const char *cmd, const json_t *r)
{
	if (strcmp(cmd, "status") == 0)
		print_status(r);
	else if (strcmp(cmd, "stats") == 0)
		print_stats(r);
	else if (strcmp(cmd, "route.add") == 0 || strcmp(cmd, "route.del") == 0 ||
		 strcmp(cmd, "route.batch") == 0)
		print_counts(r);
	else if (strcmp(cmd, "help") == 0 && json_is_array(json_object_get(r, "commands")))
		print_table(NULL, json_object_get(r, "commands"), NULL);
	else if (json_object_size(r) > 1)
		print_object(r, 0, skip_ok);
	else
		printf("ok\n");
}

/* ---- one command ---- */

/*
 * Send req (in pieces when it is too long for one line), print the reply as
 * --json asks, and report an error reply on stderr. Returns 0 with *reply
 * the "ok" reply (the caller's to print and free), or an exit status with
 * *reply NULL.
 */
static int exchange(struct conn *cn, const struct opts *o, json_t *req, json_t **reply)
{
	size_t pieces = 1, done = 0;
	char *raw = NULL;
	int rc;

	rc = send_request(cn, req, reply, &raw, &pieces, &done);
	if (rc != 0) {
		json_decref(*reply);
		*reply = NULL;
		free(raw);
		return rc;
	}
	if (o->json) {
		if (raw != NULL && !o->pretty) {
			printf("%s\n", raw);
		} else {
			char *t = json_dumps(*reply, o->pretty ? JSON_INDENT(2) : JSON_COMPACT);

			printf("%s\n", t ? t : "");
			free(t);
		}
	}
	free(raw);
	if (!json_is_true(json_object_get(*reply, "ok"))) {
		const char *e = json_string_value(json_object_get(*reply, "error"));
		const char *m = json_string_value(json_object_get(*reply, "message"));

		fprintf(stderr, "beamctl: %s: %s", e ? e : "error", m ? m : "(no message)");
		if (pieces > 1)
			fprintf(stderr, " (%zu of %zu requests applied)", done, pieces);
		fprintf(stderr, "\n");
		json_decref(*reply);
		*reply = NULL;
		return EXIT_ERROR_REPLY;
	}
	return 0;
}

struct page_asker {
	struct conn *cn;
	const struct opts *o;
};

/* A route list page: each one gets the whole --timeout, however long the walk. */
static int ask_page(void *arg, json_t *req, json_t **reply)
{
	struct page_asker *pa = arg;

	conn_arm(pa->cn);
	return exchange(pa->cn, pa->o, req, reply);
}

/* ---- main ---- */

static void usage(FILE *f)
{
	const char *form, *summary;

	fprintf(f, "usage: beamctl [-s|--socket PATH] [--json] [--pretty] [--timeout MS] "
		   "COMMAND...\n"
		   "       beamctl [options] --raw '{\"cmd\":\"...\"}'\n\n"
		   "Commands:\n");
	for (unsigned int i = 0; bl_cmd_usage_entry(i, &form, &summary) == 0; i++)
		fprintf(f, "  %-50s %s\n", form, summary);
	fprintf(f, "  %-50s %s\n", "top [--sort KEY] [--top N] [--iterations N]",
		"live screen: busiest processes, lcores, memory; q quits");
	fprintf(f,
		"\nKEY: a decimal or 0x-hex u64, or 'default'.\n"
		"\nOptions:\n"
		"  -s, --socket PATH  control socket (default $BEAMLINE_SOCKET, else %s)\n"
		"  -j, --json         print the reply as JSON, verbatim\n"
		"  -p, --pretty       with --json: indented\n"
		"  -t, --timeout MS   give up after MS milliseconds (default %d, 0: never)\n"
		"  -r, --raw JSON     send this request object as is\n"
		"  -h, --help         this text\n"
		"\nExit status: 0 ok, 1 the daemon replied with an error, 2 usage error,\n"
		"3 the daemon could not be reached or did not reply.\n",
		DEFAULT_SOCKET, DEFAULT_TIMEOUT_MS);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "raw", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->socket = getenv("BEAMLINE_SOCKET");
	if (o->socket == NULL || o->socket[0] == '\0')
		o->socket = DEFAULT_SOCKET;
	o->timeout_ms = DEFAULT_TIMEOUT_MS;
	/* '+': options end at the first command word, so words never look like options. */
	while ((ch = getopt_long(argc, argv, "+s:jpt:r:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o->socket = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'p':
			o->pretty = true;
			break;
		case 't': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || v < 0 ||
			    v > 24L * 3600 * 1000) {
				fprintf(stderr,
					"beamctl: bad --timeout '%s': milliseconds, 0..86400000\n",
					optarg);
				return -1;
			}
			o->timeout_ms = (int)v;
			break;
		}
		case 'r':
			o->raw = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "beamctl: try 'beamctl --help'\n");
			return -1;
		}
	}
	return 0;
}

/* ---- top: a live screen ---- */

static json_t *top_query(struct conn *cn, const char *sock, int timeout_ms, json_t *req)
{
	json_t *reply = NULL;
	char *raw = NULL;
	size_t pieces, done;
	int rc;

	if (conn_open(cn, sock, timeout_ms) < 0) {
		conn_close(cn);
		json_decref(req);
		return NULL;
	}
	rc = send_request(cn, req, &reply, &raw, &pieces, &done);
	conn_close(cn);
	free(raw);
	json_decref(req);
	if (rc != 0 || !json_is_true(json_object_get(reply, "ok"))) {
		json_decref(reply);
		return NULL;
	}
	return reply;
}

static void human_bytes(json_int_t v, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	unsigned u = 0;

	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", d, units[u]);
}

static struct termios top_saved;
static bool top_raw;

static void top_restore(void)
{
	if (top_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &top_saved);
	top_raw = false;
}

/*
 * beamctl top [--sort KEY] [--top N] [--iterations N] [--interval MS]: every
 * interval (1 s), the busiest processes, the lcores and memory on one
 * screen, until q (or N screens). Without a terminal it prints screens one
 * after another.
 */
static int run_top(const struct opts *o, int argc, char **argv)
{
	static const char *const ps_cols[] = { "pid",	     "name",   "behaviour", "lcore",
					       "status",     "memory", "binary",    "mailbox",
					       "reductions", NULL };
	static const char *const lc_cols[] = { "lcore",		"busy_pct", "avg_burst", "procs",
					       "procs_handled", "sleeps",   "stalled",	 NULL };
	const char *sort = "reductions";
	long top = 20, iterations = 0, interval = 1000;
	bool tty = isatty(STDOUT_FILENO), quit = false;
	struct conn cn;
	int rc = 0;

	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;
		long n = 0;

		while (*k == '-')
			k++;
		if (v == NULL) {
			fprintf(stderr, "beamctl: top: '%s' needs a value\n", argv[i]);
			return EXIT_USAGE;
		}
		if (strcmp(k, "sort") == 0) {
			sort = v;
			continue;
		}
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 0 || n > 1000000) {
			fprintf(stderr, "beamctl: top: bad number '%s' for %s\n", v, argv[i]);
			return EXIT_USAGE;
		}
		if (strcmp(k, "top") == 0 && n > 0)
			top = n;
		else if (strcmp(k, "iterations") == 0)
			iterations = n;
		else if (strcmp(k, "interval") == 0 && n >= 10)
			interval = n;
		else {
			fprintf(
			    stderr,
			    "beamctl: top: unknown option '%s' (usage: top [--sort KEY] [--top N] "
			    "[--iterations N] [--interval MS])\n",
			    argv[i]);
			return EXIT_USAGE;
		}
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &top_saved) == 0) {
		struct termios t = top_saved;

		t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
			top_raw = true;
			atexit(top_restore);
		}
	}
	for (long it = 0; !quit && (iterations == 0 || it < iterations); it++) {
		json_t *ps = top_query(&cn, o->socket, o->timeout_ms,
				       json_pack("{s:s, s:s, s:I}", "cmd", "ps", "sort", sort,
						 "top", (json_int_t)top));
		json_t *lc =
		    top_query(&cn, o->socket, o->timeout_ms, json_pack("{s:s}", "cmd", "lcores"));
		json_t *mem =
		    top_query(&cn, o->socket, o->timeout_ms, json_pack("{s:s}", "cmd", "memory"));
		time_t now = time(NULL);
		char ts[32], b1[32], b2[32], b3[32];

		if (ps == NULL || lc == NULL || mem == NULL) {
			fprintf(stderr, "beamctl: top: the daemon at %s did not answer (ps: %s)\n",
				o->socket, ps ? "ok" : "failed: see 'beamctl ps --sort ...'");
			json_decref(ps);
			json_decref(lc);
			json_decref(mem);
			rc = ps == NULL && lc != NULL ? EXIT_ERROR_REPLY : EXIT_UNREACHABLE;
			break;
		}
		strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
		if (tty)
			printf("\033[H\033[2J");
		human_bytes(json_integer_value(json_object_get(mem, "total")), b1, sizeof(b1));
		human_bytes(json_integer_value(
				json_object_get(json_object_get(mem, "processes"), "heap_bytes")),
			    b2, sizeof(b2));
		human_bytes(json_integer_value(json_object_get(mem, "binaries_pinned")), b3,
			    sizeof(b3));
		printf("beamline top  %s  processes %" JSON_INTEGER_FORMAT
		       "  memory %s (process heaps %s, binaries %s)  mbufs in use "
		       "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT "\n\n",
		       ts, json_integer_value(json_object_get(ps, "total")), b1, b2, b3,
		       json_integer_value(json_object_get(json_object_get(mem, "mbufs"), "in_use")),
		       json_integer_value(json_object_get(json_object_get(mem, "mbufs"), "size")));
		print_table("lcores", json_object_get(lc, "lcores"), lc_cols);
		printf("\n");
		print_table(NULL, json_object_get(ps, "procs"), ps_cols);
		printf("\n(sorted by %s; %s)\n", sort, tty ? "q quits" : "one screen per interval");
		fflush(stdout);
		json_decref(ps);
		json_decref(lc);
		json_decref(mem);
		if (iterations != 0 && it + 1 >= iterations)
			break;
		/* Wait for the next screen, or for q. */
		{
			struct pollfd pf = { .fd = STDIN_FILENO, .events = POLLIN };
			struct timespec start, cur;

			clock_gettime(CLOCK_MONOTONIC, &start);
			for (;;) {
				long left;

				clock_gettime(CLOCK_MONOTONIC, &cur);
				left = interval - ((cur.tv_sec - start.tv_sec) * 1000 +
						   (cur.tv_nsec - start.tv_nsec) / 1000000);
				if (left <= 0)
					break;
				if (!top_raw) {
					poll(NULL, 0, (int)left);
					continue;
				}
				if (poll(&pf, 1, (int)left) > 0) {
					char ch;

					if (read(STDIN_FILENO, &ch, 1) == 1 &&
					    (ch == 'q' || ch == 'Q')) {
						quit = true;
						break;
					}
				}
			}
		}
	}
	top_restore();
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	json_t *req, *reply = NULL;
	char err[512];
	const char *cmd;
	struct conn cn;
	int rc;

	/* A big batch's buffers are freed piece by piece: keep the pages
	 * rather than give them back and fault them in again. */
	(void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
	(void)mallopt(M_MMAP_THRESHOLD, 64 << 20);

	if (parse_opts(argc, argv, &o) < 0)
		return EXIT_USAGE;
	if (o.raw == NULL && optind < argc && strcmp(argv[optind], "top") == 0)
		return run_top(&o, argc - optind, argv + optind);
	if (o.raw != NULL) {
		json_error_t jerr;

		if (optind < argc) {
			fprintf(stderr, "beamctl: --raw takes no command words\n");
			return EXIT_USAGE;
		}
		req = json_loads(o.raw, 0, &jerr);
		if (!json_is_string(json_object_get(req, "cmd"))) {
			fprintf(stderr,
				"beamctl: --raw needs a JSON object with a \"cmd\" string%s%s\n",
				req ? "" : ": ", req ? "" : jerr.text);
			json_decref(req);
			return EXIT_USAGE;
		}
	} else {
		if (optind >= argc) {
			usage(stderr);
			return EXIT_USAGE;
		}
		req = bl_cmd_from_words(argc - optind, argv + optind, err, sizeof(err));
		if (req == NULL) {
			fprintf(stderr, "beamctl: %s\n", err);
			return EXIT_USAGE;
		}
	}
	cmd = json_string_value(json_object_get(req, "cmd"));

	if (conn_open(&cn, o.socket, o.timeout_ms) < 0) {
		json_decref(req);
		conn_close(&cn);
		return EXIT_UNREACHABLE;
	}
	if (strcmp(cmd, "route.list") == 0) {
		struct page_asker pa = { &cn, &o };

		/* Words without a limit: every page. --raw is sent as it is: one page. */
		rc = bl_beamctl_route_list(req,
					   o.raw == NULL && json_object_get(req, "limit") == NULL,
					   !o.json, ask_page, &pa);
	} else {
		rc = exchange(&cn, &o, req, &reply);
		if (rc == 0 && !o.json)
			print_reply(cmd, reply);
	}
	conn_close(&cn);
	json_decref(reply);
	json_decref(req);
	if (fflush(stdout) != 0)
		return EXIT_UNREACHABLE;
	return rc;
}
