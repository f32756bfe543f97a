/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic model of beamline-gen.
 *
 * Design: one 64-bit random stream (splitmix64, seeded by --seed) drives
 * every choice in a fixed order per frame: the source, then for each message
 * its key and payload length, then whether the frame skips seq numbers. So
 * a seed names one exact sequence of frames, whatever mode writes them.
 *
 * Keys: uniform, or zipf over ranks 0..keys-1 where rank r is key
 * key_base + r with weight 1/(r+1)^s. The zipf CDF is computed once
 * (O(keys) memory) and each draw is a binary search, O(log keys).
 *
 * Sources: --sources of them, one drawn per frame; or, with --source-per-key
 * (one message per frame), the frame's key draws its own source, so each
 * key is one IPv4 5-tuple: what l3fwd -E looks up, one flow per key.
 *
 * Seq: each source numbers its messages consecutively; a frame carries the
 * seq of its first message and advances the source by its message count.
 * --gaps skips 1..M numbers before a frame, and the totals say how many.
 *
 * The route class of a key (routed / drop / unrouted) hashes (seed, key)
 * with its own mixer, independent of the traffic stream, so the routes file
 * and the traffic agree without either being generated first.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire_fmt.h"
#include "perf/gen/gen.h"

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n >= 1 (multiply-shift: no modulo bias worth a branch). */
static uint64_t rng_below(uint64_t *state, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)splitmix64(state) * n) >> 64);
}

/* Uniform double in [0, 1). */
static double rng_unit(uint64_t *state)
{
	return (double)(splitmix64(state) >> 11) * (1.0 / 9007199254740992.0);
}

enum bl_gen_key_class bl_gen_key_class(const struct bl_gen_cfg *cfg, uint64_t key)
{
	uint64_t st = cfg->seed ^ 0xC2B2AE3D27D4EB4Full ^ (key * 0x165667B19E3779F9ull);
	uint64_t h = rng_below(&st, 1000);

	if (h < cfg->route_drop_permille)
		return BL_GEN_KEY_DROP;
	if (h < cfg->route_drop_permille + cfg->unrouted_permille)
		return BL_GEN_KEY_UNROUTED;
	return BL_GEN_KEY_ROUTED;
}

struct bl_gen *bl_gen_create(const struct bl_gen_cfg *cfg)
{
	struct bl_gen *g;
	uint64_t i;

	g = calloc(1, sizeof(*g));
	if (g == NULL)
		goto nomem;
	g->cfg = cfg;
	g->rng = cfg->seed;
	g->n_src = cfg->source_per_key ? cfg->keys : cfg->sources;
	g->src = calloc(g->n_src, sizeof(*g->src));
	if (g->src == NULL)
		goto nomem;
	for (i = 0; i < g->n_src; i++) {
		if (cfg->source_per_key) {
			g->src[i].ip = cfg->src_ip + (uint32_t)(i / BL_GEN_PORTS_PER_IP(cfg));
			g->src[i].port =
			    (uint16_t)(cfg->src_port_base + i % BL_GEN_PORTS_PER_IP(cfg));
		} else {
			g->src[i].ip = cfg->src_ip + (uint32_t)i;
			g->src[i].port = (uint16_t)(cfg->src_port_base + i);
		}
		g->src[i].next_seq = 1;
	}
	if (cfg->dist == BL_GEN_DIST_ZIPF) {
		double sum = 0.0;
		uint64_t r;

		g->cdf = malloc(cfg->keys * sizeof(*g->cdf));
		if (g->cdf == NULL)
			goto nomem;
		for (r = 0; r < cfg->keys; r++) {
			sum += pow((double)(r + 1), -cfg->zipf_s);
			g->cdf[r] = sum;
		}
		for (r = 0; r < cfg->keys; r++)
			g->cdf[r] /= sum;
		/* Rounding must not leave a draw past the last rank. */
		g->cdf[cfg->keys - 1] = 1.0;
	}
	return g;

nomem:
	bl_gen_destroy(g);
	errno = ENOMEM;
	return NULL;
}

void bl_gen_destroy(struct bl_gen *g)
{
	if (g == NULL)
		return;
	free(g->cdf);
	free(g->src);
	free(g);
}

static uint64_t next_key(struct bl_gen *g)
{
	const struct bl_gen_cfg *cfg = g->cfg;
	uint64_t lo = 0, hi;
	double u;

	if (g->cdf == NULL)
		return cfg->key_base + rng_below(&g->rng, cfg->keys);

	/* First rank whose cumulative probability exceeds u. */
	u = rng_unit(&g->rng);
	hi = cfg->keys - 1;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (g->cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return cfg->key_base + lo;
}

/* Ones' complement sum of len bytes (even len), folded but not inverted. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t bl_gen_next_frame(struct bl_gen *g, uint8_t *buf, uint16_t *nmsgs)
{
	const struct bl_gen_cfg *cfg = g->cfg;
	uint8_t *ip = buf + BL_GEN_ETH_LEN;
	uint8_t *udp = ip + BL_GEN_IP_LEN;
	uint8_t *frame = udp + BL_GEN_UDP_LEN;
	struct bl_gen_src *s;
	uint32_t off = BL_WIRE_FRAME_HDR_LEN;
	uint32_t sum, udp_len, ip_len;
	uint64_t first = 0;
	uint16_t m, csum;

	if (cfg->source_per_key) {
		/* One message, whose key names the source. */
		first = next_key(g);
		s = &g->src[first - cfg->key_base];
	} else {
		s = &g->src[rng_below(&g->rng, cfg->sources)];
	}

	for (m = 0; m < cfg->msgs_per_frame; m++) {
		uint64_t key = cfg->source_per_key ? first : next_key(g);
		uint32_t len = cfg->payload_min;
		uint32_t j;

		if (cfg->payload_max > cfg->payload_min)
			len +=
			    (uint32_t)rng_below(&g->rng, cfg->payload_max - cfg->payload_min + 1);
		bl_wire_put_msg_hdr(frame + off, len, BL_WIRE_KIND_DATA, 0, key);
		off += BL_WIRE_MSG_HDR_LEN;
		/* A pattern a reader can check: byte j of a payload is (key + j). */
		for (j = 0; j < len; j++)
			frame[off + j] = (uint8_t)(key + j);
		off += len;
		g->msgs_by_class[bl_gen_key_class(cfg, key)]++;
		g->payload_bytes += len;
	}

	if (cfg->gaps_permille != 0 && rng_below(&g->rng, 1000) < cfg->gaps_permille) {
		uint64_t skip = 1 + rng_below(&g->rng, cfg->msgs_per_frame);

		s->next_seq += skip;
		g->gaps++;
		g->skipped += skip;
	}
	bl_wire_put_frame_hdr(frame, cfg->msgs_per_frame, 0, s->next_seq);
	s->next_seq += cfg->msgs_per_frame;
	s->frames++;

	udp_len = BL_GEN_UDP_LEN + off;
	ip_len = BL_GEN_IP_LEN + udp_len;

	memcpy(buf, cfg->dst_mac, 6);
	memcpy(buf + 6, cfg->src_mac, 6);
	bl_wire_put16(buf + 12, 0x0800);

	ip[0] = 0x45; /* IPv4, 5-word header */
	ip[1] = 0;
	bl_wire_put16(ip + 2, (uint16_t)ip_len);
	bl_wire_put16(ip + 4, g->ip_id++);
	bl_wire_put16(ip + 6, 0x4000); /* DF, offset 0 */
	ip[8] = 64;
	ip[9] = 17; /* UDP */
	bl_wire_put16(ip + 10, 0);
	bl_wire_put32(ip + 12, s->ip);
	bl_wire_put32(ip + 16, cfg->dst_ip);
	bl_wire_put16(ip + 10, csum_fold(csum_add(0, ip, BL_GEN_IP_LEN)));

	bl_wire_put16(udp, s->port);
	bl_wire_put16(udp + 2, cfg->dst_udp);
	bl_wire_put16(udp + 4, (uint16_t)udp_len);
	bl_wire_put16(udp + 6, 0);
	/* Pseudo-header: src, dst, protocol, UDP length. */
	sum = csum_add(0, ip + 12, 8);
	sum += 17 + udp_len;
	sum = csum_add(sum, udp, udp_len);
	csum = csum_fold(sum);
	bl_wire_put16(udp + 6, csum == 0 ? 0xffff : csum);

	g->frames++;
	g->msgs += cfg->msgs_per_frame;
	*nmsgs = cfg->msgs_per_frame;
	return BL_GEN_ETH_LEN + ip_len;
}

static void ip_str(uint32_t ip, char *out, size_t n)
{
	snprintf(out, n, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fprintf(stderr, "beamline-gen: cannot write %s: %s\n", path, strerror(errno));
	return f;
}

static int close_out(FILE *f, const char *path)
{
	int bad = ferror(f);

	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "beamline-gen: error writing %s\n", path);
		return -EIO;
	}
	return 0;
}

int bl_gen_write_routes(const struct bl_gen *g, const char *path)
{
	const struct bl_gen_cfg *cfg = g->cfg;
	const uint8_t *mac = cfg->route_mac;
	char ip[16];
	uint64_t k;
	FILE *f;

	f = open_out(path);
	if (f == NULL)
		return -errno;
	ip_str(cfg->route_ip, ip, sizeof(ip));
	fprintf(f, "# beamline routes written by beamline-gen --seed %llu for keys %llu..%llu\n",
		(unsigned long long)cfg->seed, (unsigned long long)cfg->key_base,
		(unsigned long long)(cfg->key_base + cfg->keys - 1));
	for (k = cfg->key_base; k < cfg->key_base + cfg->keys; k++) {
		switch (bl_gen_key_class(cfg, k)) {
		case BL_GEN_KEY_ROUTED:
			fprintf(
			    f,
			    "route add %llu port %u mac %02x:%02x:%02x:%02x:%02x:%02x ip %s udp "
			    "%u\n",
			    (unsigned long long)k, cfg->route_port, mac[0], mac[1], mac[2], mac[3],
			    mac[4], (uint8_t)(mac[5] + k % cfg->route_hops), ip, cfg->route_udp);
			break;
		case BL_GEN_KEY_DROP:
			fprintf(f, "route add %llu drop\n", (unsigned long long)k);
			break;
		default:
			break;
		}
	}
	return close_out(f, path);
}

int bl_gen_write_l3fwd_rules(const struct bl_gen *g, const char *path)
{
	const struct bl_gen_cfg *cfg = g->cfg;
	char src[16], dst[16];
	uint64_t i;
	FILE *f;

	f = open_out(path);
	if (f == NULL)
		return -errno;
	/* l3fwd exact match: R<dst ip> <src ip> <dst port> <src port> <proto> <out port> */
	ip_str(cfg->dst_ip, dst, sizeof(dst));
	for (i = 0; i < g->n_src; i++) {
		/* One flow per key: all of them, as the routes file has every key. */
		if (g->src[i].frames == 0 && !cfg->source_per_key)
			continue;
		ip_str(g->src[i].ip, src, sizeof(src));
		fprintf(f, "R%s %s %u %u 0x11 %u\n", dst, src, cfg->dst_udp, g->src[i].port,
			cfg->l3fwd_port);
	}
	return close_out(f, path);
}

void bl_gen_print_summary(const struct bl_gen *g, const char *what)
{
	uint64_t i, used = 0;

	for (i = 0; i < g->n_src; i++)
		used += g->src[i].frames != 0;
	printf("beamline-gen: %s frames=%llu msgs=%llu payload_bytes=%llu flows=%llu gaps=%llu "
	       "skipped=%llu routed_msgs=%llu drop_msgs=%llu unrouted_msgs=%llu\n",
	       what, (unsigned long long)g->frames, (unsigned long long)g->msgs,
	       (unsigned long long)g->payload_bytes, (unsigned long long)used,
	       (unsigned long long)g->gaps, (unsigned long long)g->skipped,
	       (unsigned long long)g->msgs_by_class[BL_GEN_KEY_ROUTED],
	       (unsigned long long)g->msgs_by_class[BL_GEN_KEY_DROP],
	       (unsigned long long)g->msgs_by_class[BL_GEN_KEY_UNROUTED]);
	fflush(stdout);
}
