/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-only helpers shared by tests/dataplane and tests/fuzz: bring up a
 * minimal EAL, and build packets byte by byte, deliberately NOT through
 * dataplane/wire.h or wire/wire_fmt.h, so a bug in the code under test cannot
 * hide itself by also being in the packets the tests feed it.
 */
#ifndef BL_TEST_WIRE_UTIL_H
#define BL_TEST_WIRE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_log.h>

/* Start the EAL once for this process: no hugepages, no PCI, one lcore, a
 * file prefix unique to this process. Returns rte_eal_init's result. */
static inline int twu_eal_init(const char *name)
{
	char prefix[64];
	char *argv[] = {
		(char *)name,
		"--no-huge",
		"--no-shconf",
		"--no-pci",
		"-m",
		"256",
		"-l",
		"0",
		"--log-level=lib.eal:error",
		"--no-telemetry",
		prefix,
	};

	snprintf(prefix, sizeof(prefix), "--file-prefix=%s_%ld", name, (long)getpid());
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv);
}

/* Host-order IPv4 address. DPDK's RTE_IPV4 shifts a signed int, which is
 * undefined for a first octet of 128 and up (UBSan says so). */
#define TWU_IPV4(a, b, c, d)                                                                       \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

static inline void twu_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void twu_wr32(uint8_t *p, uint32_t v)
{
	twu_wr16(p, (uint16_t)(v >> 16));
	twu_wr16(p + 2, (uint16_t)v);
}

static inline void twu_wr64(uint8_t *p, uint64_t v)
{
	twu_wr32(p, (uint32_t)(v >> 32));
	twu_wr32(p + 4, (uint32_t)v);
}

static inline uint16_t twu_rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint64_t twu_rd64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* RFC 1071 checksum of n bytes, as the value to store big-endian. A header
 * that already holds its right checksum sums to 0 here. */
static inline uint16_t twu_csum(const uint8_t *h, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)((h[i] << 8) | h[i + 1]);
	if (n & 1)
		s += (uint32_t)h[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* What to build. Addresses as bytes on the wire; ports host order. */
struct twu_spec {
	uint8_t dst_mac[6], src_mac[6];
	uint16_t ethertype;
	uint8_t version, ihl; /* ihl in 32-bit words; options are filled with NOP (1) */
	uint8_t ttl, proto;
	uint16_t frag; /* flags + fragment offset field */
	uint16_t ip_id;
	uint8_t src_ip[4], dst_ip[4];
	uint16_t sport, dport;
	uint32_t magic;
	uint16_t count;	 /* number of messages written */
	uint16_t fflags; /* frame header flags */
	uint64_t seq;
	const uint32_t *lens; /* payload length of each message */
	uint32_t pad;	      /* Ethernet trailer bytes after the IPv4 datagram */
};

/* Offsets of a built packet's pieces. */
struct twu_layout {
	size_t ip, udp, frame, frame_len, len;
};

static inline struct twu_spec twu_default_spec(void)
{
	struct twu_spec s = {
		.dst_mac = { 0x02, 0, 0, 0, 0, 0x01 },
		.src_mac = { 0x02, 0, 0, 0, 0, 0x02 },
		.ethertype = 0x0800,
		.version = 4,
		.ihl = 5,
		.ttl = 17,
		.proto = 17,
		.frag = 0x4000, /* DF */
		.ip_id = 0x1234,
		.src_ip = { 10, 0, 0, 2 },
		.dst_ip = { 10, 0, 0, 1 },
		.sport = 5000,
		.dport = 7447,
		.magic = 0x424C4D31u,
		.seq = 1000,
	};
	return s;
}

/* Key and payload byte j of message i, so every byte is checkable. */
static inline uint64_t twu_key(unsigned int i)
{
	return 0x0102030405060000ull + i;
}

static inline uint8_t twu_byte(unsigned int i, uint32_t j)
{
	return (uint8_t)(i * 7u + j * 13u + 1u);
}

/* Build the packet into buf (size cap); returns its layout (len 0 if it
 * does not fit). Lengths and the IPv4 checksum are made right. */
static inline struct twu_layout twu_build(uint8_t *buf, size_t cap, const struct twu_spec *s)
{
	struct twu_layout l = { 0 };
	size_t msgs = 0, off;

	for (unsigned int i = 0; i < s->count; i++)
		msgs += 16 + s->lens[i];
	l.ip = 14;
	l.udp = l.ip + (size_t)s->ihl * 4;
	l.frame = l.udp + 8;
	l.frame_len = 16 + msgs;
	l.len = l.frame + l.frame_len + s->pad;
	if (l.len > cap || s->ihl < 5) {
		l.len = 0;
		return l;
	}
	memset(buf, 0, l.len);

	memcpy(buf, s->dst_mac, 6);
	memcpy(buf + 6, s->src_mac, 6);
	twu_wr16(buf + 12, s->ethertype);

	uint8_t *ip = buf + l.ip;
	ip[0] = (uint8_t)((s->version << 4) | s->ihl);
	twu_wr16(ip + 2, (uint16_t)(l.frame + l.frame_len - l.ip));
	twu_wr16(ip + 4, s->ip_id);
	twu_wr16(ip + 6, s->frag);
	ip[8] = s->ttl;
	ip[9] = s->proto;
	memcpy(ip + 12, s->src_ip, 4);
	memcpy(ip + 16, s->dst_ip, 4);
	memset(ip + 20, 1, (size_t)s->ihl * 4 - 20);
	twu_wr16(ip + 10, twu_csum(ip, (size_t)s->ihl * 4));

	uint8_t *udp = buf + l.udp;
	twu_wr16(udp, s->sport);
	twu_wr16(udp + 2, s->dport);
	twu_wr16(udp + 4, (uint16_t)(8 + l.frame_len));
	twu_wr16(udp + 6, 0xbeef); /* a UDP checksum the parser must not care about */

	uint8_t *f = buf + l.frame;
	twu_wr32(f, s->magic);
	twu_wr16(f + 4, s->count);
	twu_wr16(f + 6, s->fflags);
	twu_wr64(f + 8, s->seq);
	off = 16;
	for (unsigned int i = 0; i < s->count; i++) {
		twu_wr32(f + off, s->lens[i]);
		twu_wr16(f + off + 4, 0);
		twu_wr16(f + off + 6, 0);
		twu_wr64(f + off + 8, twu_key(i));
		off += 16;
		for (uint32_t j = 0; j < s->lens[i]; j++)
			f[off + j] = twu_byte(i, j);
		off += s->lens[i];
	}
	return l;
}

/* Recompute the IPv4 header checksum after a test changed the header. */
static inline void twu_fix_ip_csum(uint8_t *buf, const struct twu_layout *l)
{
	uint8_t *ip = buf + l->ip;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;

	twu_wr16(ip + 10, 0);
	twu_wr16(ip + 10, twu_csum(ip, ihl));
}

#endif /* BL_TEST_WIRE_UTIL_H */
