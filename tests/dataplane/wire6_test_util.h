/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-only IPv6 packets, built byte by byte like wire_test_util.h's IPv4
 * ones (never through dataplane/wire6.h), with the UDP checksum summed
 * here independently: Ethernet, IPv6, optional extension headers, UDP and
 * a beamline frame of twu_spec's messages.
 */
#ifndef BL_TEST_WIRE6_UTIL_H
#define BL_TEST_WIRE6_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire_test_util.h"

/* What to build, beyond the frame (taken from a twu_spec). */
struct twu6_spec {
	struct twu_spec f; /* MACs, ports, magic, count, flags, seq, lens, pad */
	uint8_t version;   /* 6 */
	uint8_t hlim;
	uint8_t src[16], dst[16];
	uint8_t ext[64]; /* extension header bytes, each one's next header is patched */
	size_t ext_len;
	uint8_t ext_types[8]; /* the type of each header in ext, in order */
	unsigned int n_ext;
	uint8_t upper; /* the upper layer after the headers (17: UDP) */
};

static inline struct twu6_spec twu6_default_spec(void)
{
	struct twu6_spec s;

	memset(&s, 0, sizeof(s));
	s.f = twu_default_spec();
	s.f.ethertype = 0x86DD;
	s.version = 6;
	s.hlim = 9;
	s.src[0] = 0x20;
	s.src[1] = 0x01;
	s.src[2] = 0x0d;
	s.src[3] = 0xb8;
	s.src[15] = 2;
	memcpy(s.dst, s.src, 16);
	s.dst[15] = 1;
	s.upper = 17;
	return s;
}

/* Append an extension header of `type` and `len` bytes (a multiple of 8,
 * 8..64 in all): the options area padded with one PadN option. */
static inline void twu6_add_ext(struct twu6_spec *s, uint8_t type, size_t len)
{
	uint8_t *h = s->ext + s->ext_len;

	if (s->n_ext == sizeof(s->ext_types) || s->ext_len + len > sizeof(s->ext))
		abort(); /* a test asked for more than the builder holds */
	memset(h, 0, len);
	h[1] = (uint8_t)(len / 8 - 1);
	h[2] = 1; /* PadN over the rest */
	h[3] = (uint8_t)(len - 4);
	s->ext_types[s->n_ext++] = type;
	s->ext_len += len;
}

/* One's complement 16-bit sum of n bytes (big-endian words), unfolded. */
static inline uint32_t twu6_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)((p[i] << 8) | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

/* The UDP-over-IPv6 checksum of a packet whose IPv6 header is at ip6 and
 * whose UDP header (l4_len bytes with the payload) at udp: 0 when the
 * stored checksum is right, else what is wrong with it. */
static inline uint16_t twu6_udp_check(const uint8_t *ip6, const uint8_t *udp, size_t l4_len)
{
	uint8_t ph[8] = { 0 };
	uint32_t s;

	twu_wr32(ph, (uint32_t)l4_len);
	ph[7] = 17;
	s = twu6_sum(ip6 + 8, 32, 0);
	s = twu6_sum(ph, 8, s);
	s = twu6_sum(udp, l4_len, s);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Build the packet into buf (size cap); its layout (len 0: did not fit).
 * Lengths and the UDP checksum are made right. */
static inline struct twu_layout twu6_build(uint8_t *buf, size_t cap, const struct twu6_spec *s)
{
	struct twu_layout l = { 0 };
	size_t msgs = 0, off;
	uint8_t *ip, *udp, *f, *nxt;
	uint16_t c;

	for (unsigned int i = 0; i < s->f.count; i++)
		msgs += 16 + s->f.lens[i];
	l.ip = 14;
	l.udp = l.ip + 40 + s->ext_len;
	l.frame = l.udp + 8;
	l.frame_len = 16 + msgs;
	l.len = l.frame + l.frame_len + s->f.pad;
	if (l.len > cap) {
		l.len = 0;
		return l;
	}
	memset(buf, 0, l.len);
	memcpy(buf, s->f.dst_mac, 6);
	memcpy(buf + 6, s->f.src_mac, 6);
	twu_wr16(buf + 12, s->f.ethertype);

	ip = buf + l.ip;
	ip[0] = (uint8_t)(s->version << 4);
	ip[1] = 0x01; /* a flow label, which nobody checks */
	twu_wr16(ip + 4, (uint16_t)(l.frame + l.frame_len - l.ip - 40));
	ip[7] = s->hlim;
	memcpy(ip + 8, s->src, 16);
	memcpy(ip + 24, s->dst, 16);
	memcpy(ip + 40, s->ext, s->ext_len);
	/* Chain the next-header fields: IPv6 header, each extension, upper. */
	nxt = ip + 6;
	off = 40;
	for (unsigned int i = 0; i < s->n_ext; i++) {
		*nxt = s->ext_types[i];
		nxt = ip + off;
		off += ((size_t)ip[off + 1] + 1) * 8;
	}
	*nxt = s->upper;

	udp = buf + l.udp;
	twu_wr16(udp, s->f.sport);
	twu_wr16(udp + 2, s->f.dport);
	twu_wr16(udp + 4, (uint16_t)(8 + l.frame_len));

	f = buf + l.frame;
	twu_wr32(f, s->f.magic);
	twu_wr16(f + 4, s->f.count);
	twu_wr16(f + 6, s->f.fflags);
	twu_wr64(f + 8, s->f.seq);
	off = 16;
	for (unsigned int i = 0; i < s->f.count; i++) {
		twu_wr32(f + off, s->f.lens[i]);
		twu_wr64(f + off + 8, twu_key(i));
		off += 16;
		for (uint32_t j = 0; j < s->f.lens[i]; j++)
			f[off + j] = twu_byte(i, j);
		off += s->f.lens[i];
	}
	c = twu6_udp_check(ip, udp, 8 + l.frame_len);
	twu_wr16(udp + 6, c == 0 ? 0xffff : c);
	return l;
}

/* Recompute the UDP checksum after a test changed the packet. */
static inline void twu6_fix_csum(uint8_t *buf, const struct twu_layout *l)
{
	uint8_t *udp = buf + l->udp;
	uint16_t c;

	twu_wr16(udp + 6, 0);
	c = twu6_udp_check(buf + l->ip, udp, twu_rd16(udp + 4));
	twu_wr16(udp + 6, c == 0 ? 0xffff : c);
}

#endif /* BL_TEST_WIRE6_UTIL_H */
