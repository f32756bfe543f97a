/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket server. Design:
 *  - Single-threaded, non-blocking, poll(2)-driven; one call to bl_ctl_poll
 *    is one poll() plus the work it reported, so the control thread keeps its
 *    other duties (supervisors, RCU reclamation) on schedule.
 *  - Nobody can lock the socket up: a client that makes no progress (no
 *    request line completed, no reply taken) for idle_ms is closed, and a
 *    new client finding every slot taken gets the slot of the client that
 *    made no progress for the longest (evicted). Only a table of clients
 *    that each have a complete request waiting refuses it ("busy").
 *  - Bounded everywhere: at most BL_CTL_MAX_CLIENTS clients; each has a
 *    fixed input buffer of
 *    BL_CTL_MAX_REQUEST + 1 bytes (a longer line is answered "too_big" and
 *    skipped up to its newline, the connection stays usable); each has an
 *    output buffer that may not grow past out_limit while the client is not
 *    reading (the client is dropped instead); at most BL_CTL_LINES_PER_ROUND
 *    requests per client per round, so one chatty client cannot starve the
 *    others.
 *  - Every refusal has its counter in struct bl_ctl_stats.
 *  - Replies never carry invalid UTF-8: messages are cleaned before they are
 *    put in a JSON string, so a client echoing binary junk gets a valid line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/args.h"
#include "control/cmd.h"
#include "control/ctl.h"
#include "control/ctl_pvt.h"
#include "control/errors.h"

#define BL_CTL_LINES_PER_ROUND	 64
#define BL_CTL_ACCEPTS_PER_ROUND 16

struct bl_ctl_cmd {
	char name[BL_CTL_MAX_CMD_NAME + 1];
	bl_ctl_handler fn;
	void *arg;
	char *help;
};

struct bl_ctl_client {
	int fd;		 /* -1: free slot */
	bool discarding; /* inside a too-long line: skip up to its newline */
	bool eof;	 /* peer shut its write side: flush, then close */
	char *in;	 /* BL_CTL_MAX_REQUEST + 1 bytes */
	size_t in_len;
	char *out;
	size_t out_off, out_len, out_cap;
	uint64_t active_ms; /* last progress: accepted, a request line served, reply bytes taken */
};

struct bl_ctl {
	int lfd;
	char *path;
	dev_t dev;
	ino_t ino;
	struct bl_ctl_cmd *cmds;
	size_t ncmds, cmds_cap;
	size_t out_limit;
	uint32_t idle_ms; /* 0: never close an idle client */
	uint64_t now_ms;  /* CLOCK_MONOTONIC at the start of this bl_ctl_poll */
	struct bl_ctl_stats st;
	struct bl_ctl_client clients[BL_CTL_MAX_CLIENTS];
	struct pollfd pfd[BL_CTL_MAX_CLIENTS + 2];
	int pfd_client[BL_CTL_MAX_CLIENTS + 2];
	int watch_fd; /* -1: none (bl_ctl_watch) */
	void (*watch_fn)(void *arg);
	void *watch_arg;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- replies ---- */

/* A JSON string of msg; invalid UTF-8 (a cut multibyte char, binary junk) becomes '?'. */
static json_t *safe_string(const char *msg)
{
	json_t *s = json_string(msg);
	char *copy;

	if (s != NULL)
		return s;
	copy = strdup(msg);
	if (copy == NULL)
		return NULL;
	for (char *p = copy; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			*p = '?';
	s = json_string(copy);
	free(copy);
	return s;
}

static json_t *error_reply(int rc, const char *msg)
{
	json_t *r = json_object();

	if (r == NULL)
		return NULL;
	if (json_object_set_new(r, "ok", json_false()) != 0 ||
	    json_object_set_new(r, "error", json_string(bl_err_name(rc))) != 0 ||
	    json_object_set_new(r, "message", safe_string(msg)) != 0) {
		json_decref(r);
		return NULL;
	}
	return r;
}

static struct bl_ctl_cmd *find_cmd(struct bl_ctl *c, const char *name)
{
	for (size_t i = 0; i < c->ncmds; i++)
		if (strcmp(c->cmds[i].name, name) == 0)
			return &c->cmds[i];
	return NULL;
}

/* Dispatch one parsed request. Never returns with *reply NULL unless out of memory. */
static int dispatch(struct bl_ctl *c, json_t *req, json_t **reply)
{
	char msg[BL_CTL_ERRMSG_LEN] = "";
	const struct bl_ctl_cmd *cmd;
	const char *name;
	json_t *body, *r;
	int rc;

	c->st.requests++;
	if (!json_is_object(req)) {
		c->st.bad_request++;
		rc = -EPROTO;
		snprintf(msg, sizeof(msg), "a request is a JSON object");
		goto fail;
	}
	name = json_string_value(json_object_get(req, "cmd"));
	if (name == NULL) {
		c->st.bad_request++;
		rc = -EPROTO;
		snprintf(msg, sizeof(msg), "a request needs a \"cmd\" string");
		goto fail;
	}
	cmd = find_cmd(c, name);
	if (cmd == NULL) {
		c->st.unknown_command++;
		rc = -ENOSYS;
		snprintf(msg, sizeof(msg), "unknown command '%.*s' (try help)", BL_CTL_MAX_CMD_NAME,
			 name);
		goto fail;
	}
	body = json_object();
	if (body == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = cmd->fn(cmd->arg, req, body, msg, sizeof(msg));
	if (rc >= 0) {
		r = json_object();
		if (r == NULL || json_object_set_new(r, "ok", json_true()) != 0 ||
		    json_object_update(r, body) != 0 ||
		    json_object_set_new(r, "ok", json_true()) != 0) {
			json_decref(r);
			json_decref(body);
			rc = -ENOMEM;
			goto fail;
		}
		json_decref(body);
		*reply = r;
		return 0;
	}
	json_decref(body);
	if (rc == INT_MIN)
		rc = -EIO; /* a handler bug; -rc would overflow */
fail:
	c->st.errors++;
	if (msg[0] == '\0')
		snprintf(msg, sizeof(msg), "%s", strerror(-rc));
	*reply = error_reply(rc, msg);
	return rc;
}

int bl_ctl_exec(struct bl_ctl *c, json_t *req, json_t **reply)
{
	int rc = dispatch(c, req, reply);

	if (*reply == NULL) {
		/* Out of memory even for the error object: try the smallest reply. */
		*reply = json_pack("{s:b,s:s,s:s}", "ok", 0, "error", BL_ERR_GENERIC, "message",
				   "out of memory");
		if (rc == 0)
			rc = -ENOMEM;
	}
	return rc;
}

/* ---- built-in help ---- */

static int cmp_cmd(const void *a, const void *b)
{
	return strcmp(((const struct bl_ctl_cmd *)a)->name, ((const struct bl_ctl_cmd *)b)->name);
}

static int help_handler(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_ctl *c = arg;
	json_t *list;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	list = json_array();
	if (list == NULL || json_object_set_new(reply, "commands", list) != 0) {
		bl_err_set(errmsg, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Sorted so the listing is stable whatever the registration order. */
	qsort(c->cmds, c->ncmds, sizeof(c->cmds[0]), cmp_cmd);
	for (size_t i = 0; i < c->ncmds; i++) {
		json_t *e = json_object();

		if (e == NULL || json_array_append_new(list, e) != 0 ||
		    json_object_set_new(e, "cmd", json_string(c->cmds[i].name)) != 0 ||
		    json_object_set_new(e, "help", safe_string(c->cmds[i].help)) != 0) {
			bl_err_set(errmsg, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

int bl_ctl_register(struct bl_ctl *c, const char *cmd, bl_ctl_handler fn, void *arg,
		    const char *help)
{
	struct bl_ctl_cmd *e;
	size_t len;

	if (c == NULL || cmd == NULL || fn == NULL)
		return -EINVAL;
	len = strlen(cmd);
	if (len == 0 || len > BL_CTL_MAX_CMD_NAME)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)cmd[i] <= ' ' || (unsigned char)cmd[i] >= 0x7f)
			return -EINVAL;
	if (find_cmd(c, cmd) != NULL)
		return -EEXIST;
	if (c->ncmds == c->cmds_cap) {
		size_t cap = c->cmds_cap ? 2 * c->cmds_cap : 16;
		struct bl_ctl_cmd *n = realloc(c->cmds, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		c->cmds = n;
		c->cmds_cap = cap;
	}
	e = &c->cmds[c->ncmds];
	memcpy(e->name, cmd, len + 1);
	e->help = strdup(help ? help : "");
	if (e->help == NULL)
		return -ENOMEM;
	e->fn = fn;
	e->arg = arg;
	c->ncmds++;
	return 0;
}

/* ---- clients ---- */

static void client_close(struct bl_ctl *c, struct bl_ctl_client *cl)
{
	if (cl->fd < 0)
		return;
	close(cl->fd);
	cl->fd = -1;
	free(cl->in);
	free(cl->out);
	cl->in = NULL;
	cl->out = NULL;
	cl->in_len = cl->out_off = cl->out_len = cl->out_cap = 0;
	cl->discarding = cl->eof = false;
	c->st.clients--;
}

/* Write what the socket takes. Returns 0, or -1 if the client is gone. */
static int client_flush(struct bl_ctl *c, struct bl_ctl_client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			c->st.closed++;
			client_close(c, cl);
			return -1;
		}
		cl->out_off += (size_t)n;
		cl->active_ms = c->now_ms;
	}
	cl->out_off = cl->out_len = 0;
	return 0;
}

/* Queue one reply line. Returns 0, or -1 if the client was dropped. */
static int client_queue(struct bl_ctl *c, struct bl_ctl_client *cl, json_t *reply)
{
	static const char fallback[] =
	    "{\"ok\":false,\"error\":\"error\",\"message\":\"reply could not be encoded\"}";
	/* ASCII only: a C1 control (U+0080..U+009F) in a name would reach a
	 * terminal raw through `beamctl --json` otherwise; jansson escapes C0. */
	char *text = reply ? json_dumps(reply, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	const char *line = text ? text : fallback;
	size_t len = strlen(line);

	if (cl->out_len - cl->out_off >= c->out_limit) {
		/* It has not read what we already owe it: stop paying for it. */
		free(text);
		c->st.dropped_slow++;
		client_close(c, cl);
		return -1;
	}
	if (cl->out_off > 0 && cl->out_off == cl->out_len)
		cl->out_off = cl->out_len = 0;
	if (cl->out_len + len + 1 > cl->out_cap) {
		size_t pending = cl->out_len - cl->out_off;
		size_t cap = cl->out_cap ? cl->out_cap : 4096;
		char *n;

		/* Compact first; grow only for what is really pending. */
		if (cl->out_off > 0) {
			memmove(cl->out, cl->out + cl->out_off, pending);
			cl->out_off = 0;
			cl->out_len = pending;
		}
		while (cap < pending + len + 1)
			cap *= 2;
		if (cap > cl->out_cap) {
			n = realloc(cl->out, cap);
			if (n == NULL) {
				free(text);
				c->st.closed++;
				client_close(c, cl);
				return -1;
			}
			cl->out = n;
			cl->out_cap = cap;
		}
	}
	memcpy(cl->out + cl->out_len, line, len);
	cl->out[cl->out_len + len] = '\n';
	cl->out_len += len + 1;
	free(text);
	return client_flush(c, cl);
}

/* Answer one request line (without its newline). Returns 0, or -1 if the client is gone. */
static int serve_line(struct bl_ctl *c, struct bl_ctl_client *cl, char *line, size_t len,
		      int *served)
{
	json_error_t jerr;
	json_t *req, *reply = NULL;
	size_t i;
	int rc;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			break;
	if (i == len)
		return 0; /* blank line: nothing asked, nothing answered */
	(*served)++;
	cl->active_ms = c->now_ms;
	req = bl__ctl_load_batch_text(line, len);
	if (req == NULL)
		req = json_loadb(line, len, JSON_DECODE_ANY, &jerr);
	if (req == NULL) {
		char msg[BL_CTL_ERRMSG_LEN];

		c->st.requests++;
		c->st.errors++;
		c->st.bad_request++;
		snprintf(msg, sizeof(msg), "malformed JSON at column %d: %s", jerr.column,
			 jerr.text);
		reply = error_reply(-EPROTO, msg);
	} else {
		dispatch(c, req, &reply);
		json_decref(req);
		/* A handler may take long: its client is not idle meanwhile. */
		c->now_ms = mono_ms();
		cl->active_ms = c->now_ms;
	}
	rc = client_queue(c, cl, reply);
	json_decref(reply);
	return rc;
}

/* Serve the complete lines in the input buffer (at most a round's worth). */
static int client_serve(struct bl_ctl *c, struct bl_ctl_client *cl, int *served)
{
	for (int lines = 0; lines < BL_CTL_LINES_PER_ROUND && cl->fd >= 0;) {
		char *nl = memchr(cl->in, '\n', cl->in_len);

		if (cl->discarding) {
			if (nl == NULL) {
				cl->in_len = 0;
				return 0;
			}
			cl->discarding = false;
		} else if (nl != NULL) {
			lines++;
			if (serve_line(c, cl, cl->in, (size_t)(nl - cl->in), served) < 0)
				return -1;
		} else if (cl->in_len > BL_CTL_MAX_REQUEST) {
			json_t *reply;
			char msg[128];

			(*served)++;
			lines++;
			c->st.requests++;
			c->st.errors++;
			c->st.too_big++;
			snprintf(msg, sizeof(msg), "request line longer than %d bytes",
				 BL_CTL_MAX_REQUEST);
			reply = error_reply(-E2BIG, msg);
			cl->discarding = true;
			cl->in_len = 0;
			if (client_queue(c, cl, reply) < 0) {
				json_decref(reply);
				return -1;
			}
			json_decref(reply);
			continue;
		} else {
			if (cl->eof && cl->in_len > 0) {
				/* The last request may lack its newline: serve it anyway. */
				size_t len = cl->in_len;

				cl->in_len = 0;
				return serve_line(c, cl, cl->in, len, served);
			}
			return 0;
		}
		{
			size_t used = (size_t)(nl - cl->in) + 1;

			memmove(cl->in, cl->in + used, cl->in_len - used);
			cl->in_len -= used;
		}
	}
	return 0;
}

static bool client_has_line(const struct bl_ctl_client *cl)
{
	if (cl->fd < 0)
		return false;
	if (cl->discarding)
		return cl->in_len > 0;
	return memchr(cl->in, '\n', cl->in_len) != NULL || cl->in_len > BL_CTL_MAX_REQUEST ||
	       (cl->eof && cl->in_len > 0);
}

static void client_read(struct bl_ctl *c, struct bl_ctl_client *cl)
{
	size_t room = BL_CTL_MAX_REQUEST + 1 - cl->in_len;
	ssize_t n;

	if (room == 0 || cl->eof)
		return;
	do
		n = recv(cl->fd, cl->in + cl->in_len, room, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		cl->in_len += (size_t)n;
		return;
	}
	if (n == 0) {
		cl->eof = true;
		return;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK) {
		c->st.closed++;
		client_close(c, cl);
	}
}

/*
 * Whether the client has bytes in the socket not read yet: sent while this
 * thread was busy elsewhere (a long handler), so not idle on its side.
 */
static bool client_sent_unread(const struct bl_ctl_client *cl)
{
	int n = 0;

	return ioctl(cl->fd, FIONREAD, &n) == 0 && n > 0;
}

/*
 * A slot for a new client: a free one, else the slot of the client that has
 * made no progress for the longest, closed (evicted). A client with a
 * complete request waiting, or bytes not read yet, is never evicted. NULL:
 * every slot has one.
 */
static struct bl_ctl_client *free_slot(struct bl_ctl *c)
{
	struct bl_ctl_client *victim = NULL;

	for (int k = 0; k < BL_CTL_MAX_CLIENTS; k++) {
		struct bl_ctl_client *cl = &c->clients[k];

		if (cl->fd < 0)
			return cl;
		if (client_has_line(cl) || client_sent_unread(cl))
			continue;
		if (victim == NULL || cl->active_ms < victim->active_ms)
			victim = cl;
	}
	if (victim != NULL) {
		c->st.evicted++;
		client_close(c, victim);
	}
	return victim;
}

/* Close the clients idle for idle_ms; returns the ms until the next may be (INT_MAX: none). */
static int close_idle(struct bl_ctl *c)
{
	uint64_t next = UINT64_MAX;

	if (c->idle_ms == 0)
		return INT_MAX;
	for (int k = 0; k < BL_CTL_MAX_CLIENTS; k++) {
		struct bl_ctl_client *cl = &c->clients[k];
		uint64_t due;

		if (cl->fd < 0 || client_has_line(cl))
			continue;
		due = cl->active_ms + c->idle_ms;
		if (due <= c->now_ms && !client_sent_unread(cl)) {
			c->st.idle_closed++;
			client_close(c, cl);
		} else if (due <= c->now_ms) {
			next = c->now_ms; /* read what it sent first; decide after that */
		} else if (due < next) {
			next = due;
		}
	}
	return next == UINT64_MAX	    ? INT_MAX
	       : next - c->now_ms > INT_MAX ? INT_MAX
					    : (int)(next - c->now_ms);
}

static void accept_clients(struct bl_ctl *c)
{
	static const char busy[] = "{\"ok\":false,\"error\":\"busy\",\"message\":"
				   "\"too many control clients\"}\n";

	for (int i = 0; i < BL_CTL_ACCEPTS_PER_ROUND; i++) {
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct bl_ctl_client *cl;

		if (fd < 0)
			return; /* EAGAIN, or a client that gave up meanwhile */
		cl = free_slot(c);
		if (cl != NULL)
			cl->in = malloc(BL_CTL_MAX_REQUEST + 1);
		if (cl == NULL || cl->in == NULL) {
			ssize_t n = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);

			(void)n; /* best effort: the close says the rest */
			close(fd);
			c->st.refused_busy++;
			continue;
		}
		cl->fd = fd;
		cl->active_ms = c->now_ms;
		c->st.accepted++;
		c->st.clients++;
	}
}

int bl_ctl_poll(struct bl_ctl *c, int timeout_ms)
{
	int served = 0, n = 0, rc, idle_left;
	bool pending = false;

	if (c == NULL)
		return -EINVAL;
	if (timeout_ms < 0)
		timeout_ms = 0;
	c->now_ms = mono_ms();
	idle_left = close_idle(c);
	if (timeout_ms > idle_left)
		timeout_ms = idle_left;
	c->pfd[n].fd = c->lfd;
	c->pfd[n].events = POLLIN;
	c->pfd_client[n++] = -1;
	for (int k = 0; k < BL_CTL_MAX_CLIENTS; k++) {
		struct bl_ctl_client *cl = &c->clients[k];
		short ev = 0;

		if (cl->fd < 0)
			continue;
		if (client_has_line(cl))
			pending = true;
		else if (!cl->eof)
			ev |= POLLIN;
		if (cl->out_len > cl->out_off)
			ev |= POLLOUT;
		c->pfd[n].fd = cl->fd;
		c->pfd[n].events = ev;
		c->pfd_client[n++] = k;
	}
	if (c->watch_fd >= 0) {
		/* Last in the set, so the client loop below stops before it. */
		c->pfd[n].fd = c->watch_fd;
		c->pfd[n].events = POLLIN;
		c->pfd[n].revents = 0;
		c->pfd_client[n] = -1;
	}
	rc = poll(c->pfd, (nfds_t)(n + (c->watch_fd >= 0)), pending ? 0 : timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	c->now_ms = mono_ms();
	if (c->pfd[0].revents & (POLLERR | POLLNVAL))
		return -EIO;
	for (int i = 1; i < n; i++) {
		struct bl_ctl_client *cl = &c->clients[c->pfd_client[i]];
		short re = c->pfd[i].revents;

		if (re & POLLNVAL) {
			c->st.closed++;
			client_close(c, cl);
			continue;
		}
		if ((re & POLLOUT) && client_flush(c, cl) < 0)
			continue;
		if (re & (POLLIN | POLLHUP | POLLERR))
			client_read(c, cl);
		/* Also serves lines left over from an earlier round (not polled for input). */
		if (cl->fd >= 0 && client_serve(c, cl, &served) < 0)
			continue;
		if (cl->fd >= 0 && cl->eof && !client_has_line(cl) && cl->out_len == cl->out_off) {
			c->st.closed++;
			client_close(c, cl);
		}
	}
	if (c->pfd[0].revents & POLLIN)
		accept_clients(c);
	if (c->watch_fd >= 0 && (c->pfd[n].revents & (POLLIN | POLLERR | POLLHUP)))
		c->watch_fn(c->watch_arg);
	/* The wait may have ended for an idle client: close it now, not a round later. */
	(void)close_idle(c);
	return served;
}

int bl_ctl_watch(struct bl_ctl *c, int fd, void (*fn)(void *arg), void *arg)
{
	if (c == NULL || (fd >= 0 && fn == NULL))
		return -EINVAL;
	if (fd >= 0 && c->watch_fd >= 0 && c->watch_fd != fd)
		return -EBUSY;
	c->watch_fd = fd < 0 ? -1 : fd;
	c->watch_fn = fd < 0 ? NULL : fn;
	c->watch_arg = fd < 0 ? NULL : arg;
	return 0;
}

struct bl_ctl *bl_ctl_create(const char *sock_path)
{
	struct sockaddr_un addr;
	struct bl_ctl *c;
	int rc;

	if (sock_path == NULL || sock_path[0] == '\0') {
		errno = EINVAL;
		return NULL;
	}
	if (strlen(sock_path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->lfd = -1;
	c->watch_fd = -1;
	c->out_limit = BL_CTL_OUT_LIMIT;
	c->idle_ms = BL_CTL_IDLE_MS;
	for (int k = 0; k < BL_CTL_MAX_CLIENTS; k++)
		c->clients[k].fd = -1;
	c->path = strdup(sock_path);
	if (c->path == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = bl_ctl_register(c, "help", help_handler, c, "list commands with their help text");
	if (rc < 0)
		goto fail;
	rc = bl__ctl_listen(sock_path, &c->lfd, &c->dev, &c->ino);
	if (rc < 0)
		goto fail;
	return c;
fail:
	if (c->lfd >= 0)
		close(c->lfd);
	for (size_t i = 0; i < c->ncmds; i++)
		free(c->cmds[i].help);
	free(c->cmds);
	free(c->path);
	free(c);
	errno = -rc;
	return NULL;
}

void bl_ctl_destroy(struct bl_ctl *c)
{
	struct stat st;

	if (c == NULL)
		return;
	for (int k = 0; k < BL_CTL_MAX_CLIENTS; k++)
		client_close(c, &c->clients[k]);
	if (c->lfd >= 0)
		close(c->lfd);
	/* Only our own file: a newer daemon may have replaced it after we went stale. */
	if (stat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	for (size_t i = 0; i < c->ncmds; i++)
		free(c->cmds[i].help);
	free(c->cmds);
	free(c->path);
	free(c);
}

const char *bl_ctl_path(const struct bl_ctl *c)
{
	return c->path;
}

void bl_ctl_set_out_limit(struct bl_ctl *c, size_t bytes)
{
	c->out_limit = bytes ? bytes : 1;
}

void bl_ctl_set_idle_timeout(struct bl_ctl *c, uint32_t ms)
{
	c->idle_ms = ms;
}

uint32_t bl_ctl_idle_timeout(const struct bl_ctl *c)
{
	return c->idle_ms;
}

void bl_ctl_stats_get(const struct bl_ctl *c, struct bl_ctl_stats *st)
{
	*st = c->st;
}
