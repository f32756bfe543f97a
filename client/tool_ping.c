/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blmsg ping: round-trip latency through an echo process.
 *
 * Each probe is its own frame: one message with the given key whose payload
 * is [magic u32][nonce u32][id u64][send time u64 ns, CLOCK_MONOTONIC]
 * followed by zero padding up to --size. The echo returns the same key and
 * payload to our source address, so the latency is computed from our own
 * clock only. The socket is not connected: the echo may answer from another
 * address than the one we sent to. A reply is matched by magic, nonce, key
 * and an id not yet answered; anything else is counted as foreign or dup.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/blmsg.h"
#include "client/tool.h"

static const char *const CMD = "ping";

#define PING_MAGIC	0x424C5047u /* "BLPG" */
#define PING_HDR_LEN	24u
#define PING_MAX_PROBES 10000000u

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct ping_opts {
	struct sockaddr_storage dst;
	socklen_t dst_len;
	uint64_t key;
	bool have_key;
	uint64_t count;
	uint64_t interval_ms;
	uint32_t size;
	uint64_t timeout_ms;
};

static void parse(int argc, char **argv, struct ping_opts *o)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "count", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *target = NULL;
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->count = 10;
	o->interval_ms = 100;
	o->size = 32;
	o->timeout_ms = 1000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->key = bl__blmsg_opt_u64(CMD, "--key", optarg, 0, UINT64_MAX);
			o->have_key = true;
			break;
		case 'n':
			o->count = bl__blmsg_opt_u64(CMD, "--count", optarg, 1, PING_MAX_PROBES);
			break;
		case 'i':
			o->interval_ms = bl__blmsg_opt_u64(CMD, "--interval", optarg, 0, 3600000);
			break;
		case 's':
			o->size =
			    (uint32_t)bl__blmsg_opt_u64(CMD, "--size", optarg, PING_HDR_LEN,
							BL_CLIENT_MAX_DGRAM - BL_CLIENT_MIN_DGRAM);
			break;
		case 't':
			o->timeout_ms = bl__blmsg_opt_u64(CMD, "--timeout", optarg, 0, 3600000);
			break;
		case ':':
			bl__blmsg_usage_error(CMD, "%s needs a value", argv[optind - 1]);
		default:
			bl__blmsg_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++) {
		if (target != NULL)
			bl__blmsg_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
		target = argv[optind];
	}
	if (target == NULL)
		bl__blmsg_usage_error(CMD, "missing HOST:PORT");
	if (!o->have_key)
		bl__blmsg_usage_error(CMD, "--key is required");
	rc = bl_client_addr_parse_any(target, 0, false, &o->dst, &o->dst_len);
	if (rc == -ENOENT)
		bl__blmsg_usage_error(CMD, "cannot resolve host in '%s'", target);
	if (rc)
		bl__blmsg_usage_error(CMD, "'%s' is not HOST:PORT or [IPV6]:PORT (port 1..65535)",
				      target);
}

struct ping_state {
	const struct ping_opts *o;
	int fd;
	uint32_t nonce;
	struct bl_client_batch *batch;
	struct bl_client_receiver *rx;
	uint8_t *payload;
	uint8_t *rxbuf;
	uint8_t *answered;	      /* one byte per probe */
	uint64_t *lat_ns;	      /* latencies of answered probes, in arrival order */
	struct sockaddr_storage from; /* the datagram being read: where it came from */
	uint64_t sent, received, dups, foreign, send_errors;
};

static int send_probe(struct ping_state *ps, uint64_t id)
{
	const uint8_t *frame;
	size_t len;
	ssize_t rc;

	bl_wire_put32(ps->payload, PING_MAGIC);
	bl_wire_put32(ps->payload + 4, ps->nonce);
	bl_wire_put64(ps->payload + 8, id);
	bl_wire_put64(ps->payload + 16, bl__blmsg_now_ns());
	if (bl_client_batch_add(ps->batch, ps->o->key, ps->payload, ps->o->size) != 0)
		return -EMSGSIZE; /* sized at creation: cannot happen */
	bl_client_batch_seal(ps->batch, &frame, &len);
	rc = sendto(ps->fd, frame, len, 0, (const struct sockaddr *)&ps->o->dst, ps->o->dst_len);
	bl_client_batch_reset(ps->batch);
	ps->sent++;
	if (rc < 0) {
		ps->send_errors++;
		return -errno;
	}
	return 0;
}

static void take_reply(struct ping_state *ps, const struct bl_client_msg *m, uint64_t now)
{
	uint64_t id, ts;
	char a[BL_CLIENT_ADDR_STR_MAX];

	if (m->key != ps->o->key || m->len < PING_HDR_LEN ||
	    bl_wire_get32(m->payload) != PING_MAGIC || bl_wire_get32(m->payload + 4) != ps->nonce) {
		ps->foreign++;
		return;
	}
	id = bl_wire_get64(m->payload + 8);
	ts = bl_wire_get64(m->payload + 16);
	if (id >= ps->sent || ts > now) {
		ps->foreign++;
		return;
	}
	if (ps->answered[id]) {
		ps->dups++;
		return;
	}
	ps->answered[id] = 1;
	ps->lat_ns[ps->received++] = now - ts;
	printf("reply id=%llu from %s len=%u time=%.1f us\n", (unsigned long long)id,
	       bl_client_addr_str_any((const struct sockaddr *)&ps->from, a, sizeof(a)), m->len,
	       (double)(now - ts) / 1e3);
}

/* Read replies until `until` (CLOCK_MONOTONIC ns) or, if stop_when_done, all answered. */
static int wait_replies(struct ping_state *ps, uint64_t until, bool stop_when_done)
{
	struct pollfd pfd = { .fd = ps->fd, .events = POLLIN };

	while (!stop_requested) {
		uint64_t now = bl__blmsg_now_ns();
		struct sockaddr_in key;
		socklen_t fl = sizeof(ps->from);
		struct bl_client_msg m;
		ssize_t n;
		int rc;

		if (stop_when_done && ps->received == ps->sent)
			return 0;
		if (now >= until)
			return 0;
		rc = poll(&pfd, 1, (int)((until - now + 999999) / 1000000));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			continue;
		n = recvfrom(ps->fd, ps->rxbuf, BL_CLIENT_MAX_DGRAM + 1, MSG_DONTWAIT,
			     (struct sockaddr *)&ps->from, &fl);
		now = bl__blmsg_now_ns();
		if (n < 0) {
			/* ECONNREFUSED: an ICMP port unreachable for an earlier probe. */
			if (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED)
				continue;
			return -errno;
		}
		/* The receiver tracks sources by IPv4 address and port: an IPv6
		 * answer (one peer, the router) is tracked under its port alone. */
		memset(&key, 0, sizeof(key));
		key.sin_family = AF_INET;
		if (ps->from.ss_family == AF_INET)
			memcpy(&key, &ps->from, sizeof(key));
		else
			key.sin_port =
			    ((const struct sockaddr_in6 *)(const void *)&ps->from)->sin6_port;
		if (bl_client_receiver_feed(ps->rx, ps->rxbuf, (size_t)n, &key) <= 0) {
			ps->foreign++;
			continue;
		}
		while (bl_client_receiver_next(ps->rx, &m) == 1)
			take_reply(ps, &m, now);
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array of n > 0 values. */
static uint64_t percentile(const uint64_t *v, uint64_t n, unsigned int p)
{
	uint64_t rank = (n * p + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

static int summarize(struct ping_state *ps)
{
	uint64_t lost = ps->sent - ps->received;
	const uint64_t *v = ps->lat_ns;
	uint64_t n = ps->received;

	printf("ping sent=%llu received=%llu lost=%llu loss=%.1f%% dups=%llu foreign=%llu "
	       "send_errors=%llu\n",
	       (unsigned long long)ps->sent, (unsigned long long)ps->received,
	       (unsigned long long)lost, ps->sent ? 100.0 * (double)lost / (double)ps->sent : 0.0,
	       (unsigned long long)ps->dups, (unsigned long long)ps->foreign,
	       (unsigned long long)ps->send_errors);
	if (n == 0) {
		bl__blmsg_error(CMD, "no reply");
		return BLMSG_EXIT_FAIL;
	}
	qsort(ps->lat_ns, n, sizeof(*ps->lat_ns), cmp_u64);
	printf("latency_us min=%.1f p50=%.1f p90=%.1f p99=%.1f max=%.1f\n", (double)v[0] / 1e3,
	       (double)percentile(v, n, 50) / 1e3, (double)percentile(v, n, 90) / 1e3,
	       (double)percentile(v, n, 99) / 1e3, (double)v[n - 1] / 1e3);
	return BLMSG_EXIT_OK;
}

int bl__blmsg_ping(int argc, char **argv)
{
	struct ping_opts o;
	struct ping_state ps;
	struct sigaction sa;
	uint64_t start, i;
	int rc = 0, exit_code = BLMSG_EXIT_FAIL;

	parse(argc, argv, &o);
	memset(&ps, 0, sizeof(ps));
	ps.o = &o;
	ps.fd = -1;
	/* Tells our probes from another ping's sharing the echo: pid and clock. */
	ps.nonce = (uint32_t)getpid() ^ (uint32_t)bl__blmsg_now_ns();
	ps.batch = bl_client_batch_create(BL_CLIENT_MIN_DGRAM + o.size, 1, 0);
	ps.rx = bl_client_receiver_create(BL_CLIENT_DEFAULT_SOURCES);
	ps.payload = calloc(1, o.size);
	ps.rxbuf = malloc(BL_CLIENT_MAX_DGRAM + 1);
	ps.answered = calloc(o.count, 1);
	ps.lat_ns = calloc(o.count, sizeof(*ps.lat_ns));
	if (ps.batch == NULL || ps.rx == NULL || ps.payload == NULL || ps.rxbuf == NULL ||
	    ps.answered == NULL || ps.lat_ns == NULL) {
		bl__blmsg_error(CMD, "out of memory");
		goto out;
	}
	ps.fd = socket(o.dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ps.fd < 0) {
		bl__blmsg_error(CMD, "cannot open a UDP socket: %s", strerror(errno));
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	start = bl__blmsg_now_ns();
	for (i = 0; i < o.count && !stop_requested; i++) {
		rc = send_probe(&ps, i);
		if (rc && rc != -ECONNREFUSED) {
			bl__blmsg_error(CMD, "send failed: %s", strerror(-rc));
			goto out;
		}
		if (i + 1 < o.count)
			rc = wait_replies(&ps, start + (i + 1) * o.interval_ms * 1000000ull, false);
		else
			rc =
			    wait_replies(&ps, bl__blmsg_now_ns() + o.timeout_ms * 1000000ull, true);
		if (rc) {
			bl__blmsg_error(CMD, "receive failed: %s", strerror(-rc));
			goto out;
		}
	}
	exit_code = summarize(&ps);
out:
	fflush(stdout);
	if (ps.fd >= 0)
		close(ps.fd);
	bl_client_batch_destroy(ps.batch);
	bl_client_receiver_destroy(ps.rx);
	free(ps.payload);
	free(ps.rxbuf);
	free(ps.answered);
	free(ps.lat_ns);
	return exit_code;
}
