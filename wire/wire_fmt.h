/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamline wire format, version 1: the bytes inside a UDP datagram.
 *
 * This header is plain C with no DPDK dependency, so the daemon, the traffic
 * generator and the host client library (client/) all read and write frames
 * through the same code. The packet-level checks (Ethernet, IPv4, UDP) that
 * only the dataplane needs live in dataplane/wire.h.
 *
 * It sits in wire/, a folder of its own, because actors/, dataplane/,
 * client/ and perf/ all include it: kept under dataplane/ it made actors/
 * (below the dataplane) include a dataplane header.
 *
 * Frame: 16-byte header, then `count` messages back to back, each a 16-byte
 * header and `len` payload bytes. All integers big-endian. A frame whose
 * lengths do not add up exactly to the UDP payload is malformed as a whole.
 * See docs/wire-format.md.
 */
#ifndef BL_WIRE_FMT_H
#define BL_WIRE_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BL_WIRE_MAGIC	      0x424C4D31u /* "BLM1" */
#define BL_WIRE_UDP_PORT      7447
#define BL_WIRE_FRAME_HDR_LEN 16u
#define BL_WIRE_MSG_HDR_LEN   16u
#define BL_WIRE_KIND_DATA     0u
/* Flow control, router to sender (docs/wire-format.md section 8): the
 * message's key is the key the sender addresses; its payload, 8 bytes, is
 * an op (BL_WIRE_FLOW_*), three zero bytes and a hold time in ms (u32). */
#define BL_WIRE_KIND_FLOW 1u
#define BL_WIRE_FLOW_LEN  8u
/* Node to node (docs/cluster.md, "Global names"): a message for a process
 * that the receiving node exports under a global name; the message's flags
 * are the name's index there, its key the sender's, its payload an 8-byte
 * relay header (u32 handle, u16 reply index, u16 relay flags) and then the
 * sender's payload. */
#define BL_WIRE_KIND_NAMED 2u
#define BL_WIRE_RELAY_LEN  8u
/* Relay flags: the message is a call (bl_call): the process gets it as one
 * and its bl_reply goes back to the handle as an answer. */
#define BL_WIRE_RELAY_F_CALL 0x1u

/* Node to node (docs/cluster.md, "Heartbeats"): a node is alive; in a frame
 * of its own, key 0, flags 0; its payload, 24 bytes: the sender's clock
 * when it left (u64 ns), the sender's time of the receiver's last
 * heartbeat to it, echoed (u64 ns, 0: none yet), and how long the sender
 * held that one (u64 ns): the receiver's round trip is its own now, less
 * the echo, less the hold. */
#define BL_WIRE_KIND_HEARTBEAT 3u
#define BL_WIRE_HEARTBEAT_LEN  24u

static inline void bl_wire_put_relay(uint8_t *p, uint32_t handle, uint16_t reply, uint16_t flags)
{
	p[0] = (uint8_t)(handle >> 24);
	p[1] = (uint8_t)(handle >> 16);
	p[2] = (uint8_t)(handle >> 8);
	p[3] = (uint8_t)handle;
	p[4] = (uint8_t)(reply >> 8);
	p[5] = (uint8_t)reply;
	p[6] = (uint8_t)(flags >> 8);
	p[7] = (uint8_t)flags;
}

enum bl_wire_flow_op {
	BL_WIRE_FLOW_PAUSE = 1,	 /* send no more to this key for hold_ms, or until resumed */
	BL_WIRE_FLOW_RESUME = 2, /* the key takes messages again */
};

/* Why a frame's bytes were refused; values index bl_wire_status_names. */
enum bl_wire_status {
	BL_WIRE_OK = 0,
	BL_WIRE_TRUNCATED,     /* shorter than the 16-byte frame header */
	BL_WIRE_BAD_MAGIC,     /* magic is not "BLM1" */
	BL_WIRE_ZERO_COUNT,    /* count is 0 */
	BL_WIRE_MSG_TRUNCATED, /* a message header runs past the end */
	BL_WIRE_LEN_OVERFLOW,  /* a payload length runs past the end */
	BL_WIRE_COUNT_MISMATCH /* bytes left over after `count` messages */
};
#define BL_WIRE_STATUS_MAX (BL_WIRE_COUNT_MISMATCH + 1)

/* Stable names, used in counters, the CLI and the docs. */
static const char *const bl_wire_status_names[BL_WIRE_STATUS_MAX] = {
	"ok",
	"frame_truncated",
	"bad_magic",
	"zero_count",
	"msg_truncated",
	"length_overflow",
	"count_mismatch",
};

/* Decoded frame header, host byte order. */
struct bl_wire_frame {
	uint16_t count;
	uint16_t flags;
	uint64_t seq;
};

/* One message of a frame: where its payload is, relative to the frame start. */
struct bl_wire_msg {
	uint64_t key;
	uint32_t len;
	uint32_t off; /* offset of the payload from the frame start */
	uint16_t kind;
	uint16_t flags;
};

static inline uint16_t bl_wire_get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return __builtin_bswap16(v);
}

static inline uint32_t bl_wire_get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return __builtin_bswap32(v);
}

static inline uint64_t bl_wire_get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}

static inline void bl_wire_put16(uint8_t *p, uint16_t v)
{
	v = __builtin_bswap16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void bl_wire_put32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void bl_wire_put64(uint8_t *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, sizeof(v));
}

/*
 * Check a frame's 16-byte header only (length, magic, count >= 1) and decode
 * it into *fr. The messages are not looked at: a caller that walks them
 * anyway checks their lengths on the way (bl_wire_frame_check does).
 */
static inline enum bl_wire_status bl_wire_frame_hdr_check(const uint8_t *p, size_t len,
							  struct bl_wire_frame *fr)
{
	if (len < BL_WIRE_FRAME_HDR_LEN)
		return BL_WIRE_TRUNCATED;
	if (bl_wire_get32(p) != BL_WIRE_MAGIC)
		return BL_WIRE_BAD_MAGIC;
	fr->count = bl_wire_get16(p + 4);
	fr->flags = bl_wire_get16(p + 6);
	fr->seq = bl_wire_get64(p + 8);
	if (fr->count == 0)
		return BL_WIRE_ZERO_COUNT;
	return BL_WIRE_OK;
}

/*
 * Check a whole frame of `len` bytes: header, then every message's lengths,
 * which must add up to exactly `len`. Nothing is trusted before this returns
 * BL_WIRE_OK. On success *fr holds the decoded header. Any thread; no side
 * effects.
 */
static inline enum bl_wire_status bl_wire_frame_check(const uint8_t *p, size_t len,
						      struct bl_wire_frame *fr)
{
	enum bl_wire_status st = bl_wire_frame_hdr_check(p, len, fr);
	size_t off;
	unsigned int i;

	if (st != BL_WIRE_OK)
		return st;
	off = BL_WIRE_FRAME_HDR_LEN;
	for (i = 0; i < fr->count; i++) {
		uint32_t mlen;

		if (len - off < BL_WIRE_MSG_HDR_LEN)
			return BL_WIRE_MSG_TRUNCATED;
		mlen = bl_wire_get32(p + off);
		off += BL_WIRE_MSG_HDR_LEN;
		if (mlen > len - off)
			return BL_WIRE_LEN_OVERFLOW;
		off += mlen;
	}
	return off == len ? BL_WIRE_OK : BL_WIRE_COUNT_MISMATCH;
}

/*
 * Decode the message at *off (start: BL_WIRE_FRAME_HDR_LEN) and advance *off
 * past it. Only for a frame that bl_wire_frame_check accepted.
 */
static inline void bl_wire_msg_next(const uint8_t *frame, uint32_t *off, struct bl_wire_msg *m)
{
	const uint8_t *h = frame + *off;

	m->len = bl_wire_get32(h);
	m->kind = bl_wire_get16(h + 4);
	m->flags = bl_wire_get16(h + 6);
	m->key = bl_wire_get64(h + 8);
	m->off = *off + BL_WIRE_MSG_HDR_LEN;
	*off = m->off + m->len;
}

/* Write a frame header at p (16 bytes). */
static inline void bl_wire_put_frame_hdr(uint8_t *p, uint16_t count, uint16_t flags, uint64_t seq)
{
	bl_wire_put32(p, BL_WIRE_MAGIC);
	bl_wire_put16(p + 4, count);
	bl_wire_put16(p + 6, flags);
	bl_wire_put64(p + 8, seq);
}

/* Write a message header at p (16 bytes); its payload follows at p + 16. */
static inline void bl_wire_put_msg_hdr(uint8_t *p, uint32_t len, uint16_t kind, uint16_t flags,
				       uint64_t key)
{
	bl_wire_put32(p, len);
	bl_wire_put16(p + 4, kind);
	bl_wire_put16(p + 6, flags);
	bl_wire_put64(p + 8, key);
}

static inline void bl_wire_put_heartbeat(uint8_t *p, uint64_t sent_ns, uint64_t echo_ns,
					 uint64_t held_ns)
{
	bl_wire_put64(p, sent_ns);
	bl_wire_put64(p + 8, echo_ns);
	bl_wire_put64(p + 16, held_ns);
}

/* Write a flow-control payload (BL_WIRE_FLOW_LEN bytes) at p. */
static inline void bl_wire_put_flow(uint8_t *p, enum bl_wire_flow_op op, uint32_t hold_ms)
{
	p[0] = (uint8_t)op;
	p[1] = p[2] = p[3] = 0;
	bl_wire_put32(p + 4, hold_ms);
}

/* Read a flow-control payload: 0, or -1 if it is too short or its op unknown. */
static inline int bl_wire_get_flow(const uint8_t *p, uint32_t len, enum bl_wire_flow_op *op,
				   uint32_t *hold_ms)
{
	if (len < BL_WIRE_FLOW_LEN || (p[0] != BL_WIRE_FLOW_PAUSE && p[0] != BL_WIRE_FLOW_RESUME))
		return -1;
	*op = (enum bl_wire_flow_op)p[0];
	*hold_ms = bl_wire_get32(p + 4);
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* BL_WIRE_FMT_H */
