/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blmsg send: queue N messages (one payload repeated, or one per stdin line)
 * through a bl_client_sender, optionally paced at a message rate. While
 * pacing, the pending frame is flushed before every sleep, so a slow rate
 * never holds a message back waiting for a frame to fill. The router's flow
 * control is honoured (the sender waits while its key is paused) unless
 * --flow ignore says not to.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/blmsg.h"
#include "client/tool.h"

static const char *const CMD = "send";

struct send_opts {
	struct sockaddr_storage dst;
	socklen_t dst_len;
	uint32_t mtu; /* --mtu, 0: none (the size follows from it and dst's family) */
	uint64_t key;
	bool have_key;
	const char *payload;
	const char *file;
	bool from_stdin;
	uint64_t count;
	bool have_count;
	double rate;
	unsigned int batch;
	size_t size;
	enum bl_client_flow flow;
};

/* Whole file into memory; NULL + errno. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		size_t got;

		if (n == cap) {
			char *nb;

			/* Bounded: anything past the largest datagram cannot be sent anyway. */
			if (cap > BL_CLIENT_MAX_DGRAM) {
				free(buf);
				fclose(f);
				errno = EMSGSIZE;
				return NULL;
			}
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf ? buf : calloc(1, 1);
}

static void parse(int argc, char **argv, struct send_opts *o)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "payload", required_argument, NULL, 'p' },
		{ "file", required_argument, NULL, 'f' },
		{ "stdin", no_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "size", required_argument, NULL, 's' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "flow", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	const char *target = NULL;
	int c, sources = 0, rc, sizes = 0;

	memset(o, 0, sizeof(*o));
	o->count = 1;
	o->size = BL_CLIENT_DEFAULT_DGRAM;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->key = bl__blmsg_opt_u64(CMD, "--key", optarg, 0, UINT64_MAX);
			o->have_key = true;
			break;
		case 'p':
			o->payload = optarg;
			sources++;
			break;
		case 'f':
			o->file = optarg;
			sources++;
			break;
		case 'i':
			o->from_stdin = true;
			sources++;
			break;
		case 'n':
			o->count = bl__blmsg_opt_u64(CMD, "--count", optarg, 1, UINT64_MAX);
			o->have_count = true;
			break;
		case 'r':
			o->rate = bl__blmsg_opt_positive(CMD, "--rate", optarg);
			break;
		case 'b':
			o->batch =
			    (unsigned int)bl__blmsg_opt_u64(CMD, "--batch", optarg, 1, UINT16_MAX);
			break;
		case 's':
			o->size = (size_t)bl__blmsg_opt_u64(
			    CMD, "--size", optarg, BL_CLIENT_MIN_DGRAM, BL_CLIENT_MAX_DGRAM);
			sizes++;
			break;
		case 'm': /* the path's IP MTU: datagrams that cross it whole */
			o->mtu = (uint32_t)bl__blmsg_opt_u64(
			    CMD, "--mtu", optarg, BL_CLIENT_IP_UDP_HDRS + BL_CLIENT_MIN_DGRAM,
			    65535);
			sizes++;
			break;
		case 'F':
			if (strcmp(optarg, "block") == 0)
				o->flow = BL_CLIENT_FLOW_BLOCK;
			else if (strcmp(optarg, "ignore") == 0)
				o->flow = BL_CLIENT_FLOW_IGNORE;
			else
				bl__blmsg_usage_error(CMD, "--flow is block or ignore, not '%s'",
						      optarg);
			break;
		case ':':
			bl__blmsg_usage_error(CMD, "%s needs a value", argv[optind - 1]);
		default:
			bl__blmsg_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (sizes > 1)
		bl__blmsg_usage_error(CMD, "give --size or --mtu, not both");
	for (; optind < argc; optind++) {
		if (target != NULL)
			bl__blmsg_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
		target = argv[optind];
	}
	if (target == NULL)
		bl__blmsg_usage_error(CMD, "missing HOST:PORT");
	if (!o->have_key)
		bl__blmsg_usage_error(CMD, "--key is required");
	if (sources > 1)
		bl__blmsg_usage_error(CMD, "--payload, --file and --stdin exclude each other");
	rc = bl_client_addr_parse_any(target, 0, false, &o->dst, &o->dst_len);
	if (rc == -ENOENT)
		bl__blmsg_usage_error(CMD, "cannot resolve host in '%s'", target);
	if (rc)
		bl__blmsg_usage_error(CMD, "'%s' is not HOST:PORT or [IPV6]:PORT (port 1..65535)",
				      target);
	if (sizes == 0 && o->dst.ss_family == AF_INET6)
		o->size = BL_CLIENT_DEFAULT_DGRAM6; /* a 1500-byte link, unfragmented */
	if (o->mtu != 0) {
		o->size = o->dst.ss_family == AF_INET6 ? bl_client_dgram_for_mtu6(o->mtu)
						       : bl_client_dgram_for_mtu(o->mtu);
		if (o->size == 0)
			bl__blmsg_usage_error(CMD, "--mtu %u is too small for IPv6", o->mtu);
	}
}

struct pacer {
	double rate;
	uint64_t start;
	uint64_t sent;
};

/* Before message number p->sent: flush and sleep if it is not due yet. */
static int pace(struct pacer *p, struct bl_client_sender *s)
{
	uint64_t due, now;
	int rc = 0;

	if (p->rate <= 0)
		return 0;
	due = p->start + (uint64_t)((double)p->sent * 1e9 / p->rate);
	now = bl__blmsg_now_ns();
	if (now < due) {
		rc = bl_client_sender_flush(s);
		bl__blmsg_sleep_until(due);
	}
	p->sent++;
	return rc;
}

static int report(struct bl_client_sender *s, int rc)
{
	struct bl_client_tx_stats st;
	struct bl_client_flow_stats fs;

	bl_client_sender_stats(s, &st);
	bl_client_sender_flow_stats(s, &fs);
	printf("sent msgs=%llu frames=%llu bytes=%llu next_seq=%llu errors=%llu dropped=%llu\n",
	       (unsigned long long)st.msgs, (unsigned long long)st.frames,
	       (unsigned long long)st.bytes, (unsigned long long)bl_client_sender_next_seq(s),
	       (unsigned long long)st.send_errors, (unsigned long long)st.msgs_dropped);
	/* Only when the router held this sender back. */
	if (fs.pauses != 0)
		printf("flow pauses=%llu resumes=%llu expired=%llu waits=%llu waited_ms=%.1f\n",
		       (unsigned long long)fs.pauses, (unsigned long long)fs.resumes,
		       (unsigned long long)fs.expired, (unsigned long long)fs.waits,
		       (double)fs.wait_ns / 1e6);
	if (st.send_errors) {
		bl__blmsg_error(CMD, "%llu frame(s) refused by the kernel: %s",
				(unsigned long long)st.send_errors, strerror(-st.last_error));
		return BLMSG_EXIT_FAIL;
	}
	/* rc is an error add_one already explained (a stdin line too long). */
	return rc ? BLMSG_EXIT_FAIL : BLMSG_EXIT_OK;
}

/* Add one message; a send error is counted in the stats and does not stop the run. */
static int add_one(struct bl_client_sender *s, const struct send_opts *o, const void *p, size_t len)
{
	int rc = bl_client_sender_add(s, o->key, p, (uint32_t)len);

	if (rc == -EMSGSIZE)
		bl__blmsg_error(CMD,
				"a %zu-byte payload does not fit in a %zu-byte datagram "
				"(max %u; raise --size)",
				len, o->size, bl_client_sender_max_payload(s));
	return rc;
}

int bl__blmsg_send(int argc, char **argv)
{
	struct send_opts o;
	struct bl_client_sender *s;
	struct pacer pc = { 0 };
	const char *payload = "";
	char *file_buf = NULL;
	size_t plen = 0;
	int rc = 0, exit_code;

	parse(argc, argv, &o);
	if (o.file != NULL) {
		file_buf = read_file(o.file, &plen);
		if (file_buf == NULL) {
			if (errno == EMSGSIZE)
				bl__blmsg_usage_error(CMD, "%s: larger than any datagram", o.file);
			bl__blmsg_usage_error(CMD, "cannot read %s: %s", o.file, strerror(errno));
		}
		payload = file_buf;
	} else if (o.payload != NULL) {
		payload = o.payload;
		plen = strlen(o.payload);
	}

	s = bl_client_sender_open_any((const struct sockaddr *)&o.dst, o.dst_len, o.size, o.batch,
				      0);
	if (s == NULL) {
		bl__blmsg_error(CMD, "cannot open a UDP socket: %s", strerror(errno));
		free(file_buf);
		return BLMSG_EXIT_FAIL;
	}
	(void)bl_client_sender_set_flow(s, o.flow);
	if (!o.from_stdin && plen > bl_client_sender_max_payload(s)) {
		bl_client_sender_close(s);
		free(file_buf);
		bl__blmsg_usage_error(CMD,
				      "a %zu-byte payload does not fit in a %zu-byte datagram "
				      "(max %u; raise --size)",
				      plen, o.size, (unsigned int)(o.size - BL_CLIENT_MIN_DGRAM));
	}

	pc.rate = o.rate;
	pc.start = bl__blmsg_now_ns();
	if (o.from_stdin) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		uint64_t done = 0;

		while ((!o.have_count || done < o.count) &&
		       (n = getline(&line, &cap, stdin)) >= 0) {
			if (n > 0 && line[n - 1] == '\n')
				n--;
			pace(&pc, s);
			rc = add_one(s, &o, line, (size_t)n);
			if (rc == -EMSGSIZE)
				break;
			done++;
		}
		free(line);
	} else {
		for (uint64_t i = 0; i < o.count; i++) {
			pace(&pc, s);
			add_one(s, &o, payload, plen);
		}
	}
	if (rc != -EMSGSIZE)
		rc = 0;
	bl_client_sender_flush(s);
	exit_code = report(s, rc);
	bl_client_sender_close(s);
	free(file_buf);
	return exit_code;
}
