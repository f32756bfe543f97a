/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libblmsg: the host-side client of beamline, plain C over UDP sockets, no DPDK.
 *
 * Three pieces, usable alone or together:
 *  - a batcher (struct bl_client_batch) that packs (key, payload) messages into
 *    wire-format v1 frames no larger than a chosen datagram size and numbers
 *    them: every message gets the next per-sender sequence number, and a frame
 *    carries the seq of its first message (DESIGN §4);
 *  - a sender (struct bl_client_sender): a batcher plus a connected UDP socket,
 *    honouring the router's flow control (it waits, or says "back-pressured",
 *    while the router has paused a key; docs/wire-format.md section 8);
 *  - a receiver (struct bl_client_receiver): checks datagrams with
 *    bl_wire_frame_check, yields their messages one by one, counts malformed
 *    datagrams by reason and tracks, per source (IPv4 address, UDP port), the
 *    next expected seq with gap and duplicate counts.
 *
 * The byte-level codec is wire/wire_fmt.h, shared with the router, so the
 * client and the daemon can never disagree on the format.
 *
 * Threads: every object belongs to one thread at a time; nothing here locks.
 * Errors: int functions return 0 (or a count) or a negative errno;
 * constructors return NULL and set errno.
 */
#ifndef BL_CLIENT_BLMSG_H
#define BL_CLIENT_BLMSG_H

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/wire_fmt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest UDP payload an IPv4 datagram can carry (65535 - 20 - 8). */
#define BL_CLIENT_MAX_DGRAM 65507u
/* Smallest useful datagram: a frame header and one empty message. */
#define BL_CLIENT_MIN_DGRAM (BL_WIRE_FRAME_HDR_LEN + BL_WIRE_MSG_HDR_LEN)
/* UDP payload of one untagged datagram on a 1500-byte MTU link. */
#define BL_CLIENT_DEFAULT_DGRAM 1472u
/* The same over IPv6 (a 40-byte header, not 20). */
#define BL_CLIENT_DEFAULT_DGRAM6 1452u
/* What an IPv4 datagram spends on headers before its UDP payload. */
#define BL_CLIENT_IP_UDP_HDRS 28u
/* And an IPv6 one (no extension headers). */
#define BL_CLIENT_IP6_UDP_HDRS 48u

/*
 * The largest datagram (UDP payload) for a path of IP MTU `mtu`: mtu - 28,
 * so that no datagram a sender or batcher built for it (max_dgram) is
 * fragmented on the way (beamline counts fragments ip_fragment and never
 * reassembles). 0 when mtu is too small for even the smallest frame
 * (BL_CLIENT_MIN_DGRAM) or above 65535. Any thread.
 */
static inline size_t bl_client_dgram_for_mtu(uint32_t mtu)
{
	if (mtu > 65535u || mtu < BL_CLIENT_IP_UDP_HDRS + BL_CLIENT_MIN_DGRAM)
		return 0;
	return mtu - BL_CLIENT_IP_UDP_HDRS; /* at most 65507, BL_CLIENT_MAX_DGRAM */
}

/* The same over IPv6: mtu - 48; 0 when mtu is too small or above 65535. */
static inline size_t bl_client_dgram_for_mtu6(uint32_t mtu)
{
	if (mtu > 65535u || mtu < BL_CLIENT_IP6_UDP_HDRS + BL_CLIENT_MIN_DGRAM)
		return 0;
	return mtu - BL_CLIENT_IP6_UDP_HDRS;
}
/* Default bound on the number of sources a receiver tracks. */
#define BL_CLIENT_DEFAULT_SOURCES 64u
/* Upper bound accepted by bl_client_receiver_create. */
#define BL_CLIENT_MAX_SOURCES 65536u

/* ------------------------------------------------------------------------ */
/* Addresses                                                                */
/* ------------------------------------------------------------------------ */

/*
 * Parse "HOST:PORT" (or "HOST" alone when default_port is not 0) into an IPv4
 * address. HOST is a dotted quad or a name resolved to IPv4 (may block on DNS).
 * Any thread. Returns 0, -EINVAL for bad syntax or port (1..65535; "0" only
 * if allow_zero_port), -ENOENT when the name does not resolve.
 */
int bl_client_addr_parse(const char *hostport, uint16_t default_port, bool allow_zero_port,
			 struct sockaddr_in *out);

/* Format an address as "a.b.c.d:port" into buf (at least 22 bytes). Returns buf. */
char *bl_client_addr_str(const struct sockaddr_in *a, char *buf, size_t size);

/*
 * Either family: "A.B.C.D:PORT", "[IPV6]:PORT", or a name (its first
 * address, IPv4 or IPv6; may block on DNS); with default_port not 0 the
 * port may be left out ("A.B.C.D", "[IPV6]", or a bare IPv6 address).
 * Fills out (an IPv4 or IPv6 socket address) and *len. Any thread.
 * Returns 0, -EINVAL for bad syntax or port, -ENOENT when the name does
 * not resolve.
 */
int bl_client_addr_parse_any(const char *hostport, uint16_t default_port, bool allow_zero_port,
			     struct sockaddr_storage *out, socklen_t *len);

/* Format an IPv4 or IPv6 socket address ("a.b.c.d:port", "[v6]:port")
 * into buf (at least BL_CLIENT_ADDR_STR_MAX bytes). Returns buf. */
#define BL_CLIENT_ADDR_STR_MAX 56u
char *bl_client_addr_str_any(const struct sockaddr *a, char *buf, size_t size);

/* ------------------------------------------------------------------------ */
/* Batcher                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * One frame under construction. Fields are public so that the per-message
 * add is inline; treat them as read-only outside these functions.
 * Invariant: len == BL_WIRE_FRAME_HDR_LEN + sum(16 + payload) of the `count`
 * messages added since the last reset, and len <= cap.
 */
struct bl_client_batch {
	uint8_t *buf;	   /* cap bytes, owned */
	uint32_t cap;	   /* maximum frame (= datagram payload) size */
	uint32_t len;	   /* bytes used, header included */
	uint16_t count;	   /* messages in the frame */
	uint16_t max_msgs; /* flush policy: at most this many per frame */
	uint64_t seq;	   /* seq of the first message of this frame */
};

/*
 * Allocate a batcher whose frames never exceed max_dgram bytes
 * (BL_CLIENT_MIN_DGRAM..BL_CLIENT_MAX_DGRAM), holding at most max_msgs
 * messages per frame (1..65535; 0 means 65535), first message numbered
 * first_seq. Any thread. NULL + errno (EINVAL, ENOMEM). Free with
 * bl_client_batch_destroy.
 */
struct bl_client_batch *bl_client_batch_create(size_t max_dgram, unsigned int max_msgs,
					       uint64_t first_seq);

/* Free a batcher and its buffer; NULL is fine. Pending messages are lost. */
void bl_client_batch_destroy(struct bl_client_batch *b);

/* Largest payload a frame of cap bytes can carry in a single message. */
static inline uint32_t bl_client_batch_max_payload(const struct bl_client_batch *b)
{
	return b->cap - BL_WIRE_FRAME_HDR_LEN - BL_WIRE_MSG_HDR_LEN;
}

/* Seq the next added message will get. */
static inline uint64_t bl_client_batch_next_seq(const struct bl_client_batch *b)
{
	return b->seq + b->count;
}

/*
 * Append one data message. The payload is copied; the caller keeps its buffer.
 * Returns 0; -EMSGSIZE if the message can never fit in a frame of this size
 * (payload > bl_client_batch_max_payload); -ENOBUFS if it does not fit in the
 * current frame, or the frame already holds max_msgs messages: seal, send and
 * reset, then add again. On error nothing changes.
 */
static inline int bl_client_batch_add(struct bl_client_batch *b, uint64_t key, const void *payload,
				      uint32_t len)
{
	/* 64-bit sum: a 4 GiB len must not wrap around the checks below. */
	uint64_t need = (uint64_t)BL_WIRE_MSG_HDR_LEN + len;

	if (len > bl_client_batch_max_payload(b))
		return -EMSGSIZE;
	if (b->count >= b->max_msgs || need > (uint64_t)(b->cap - b->len))
		return -ENOBUFS;
	bl_wire_put_msg_hdr(b->buf + b->len, len, BL_WIRE_KIND_DATA, 0, key);
	if (len)
		memcpy(b->buf + b->len + BL_WIRE_MSG_HDR_LEN, payload, len);
	b->len += (uint32_t)need;
	b->count++;
	return 0;
}

/*
 * Write the frame header and expose the frame: *frame and *len stay valid
 * until the next add or reset. Returns the message count (0: nothing to send,
 * *len is then 0).
 */
static inline unsigned int bl_client_batch_seal(struct bl_client_batch *b, const uint8_t **frame,
						size_t *len)
{
	if (b->count == 0) {
		*frame = b->buf;
		*len = 0;
		return 0;
	}
	bl_wire_put_frame_hdr(b->buf, b->count, 0, b->seq);
	*frame = b->buf;
	*len = b->len;
	return b->count;
}

/* Start the next frame; its first message follows the last one of this frame. */
static inline void bl_client_batch_reset(struct bl_client_batch *b)
{
	b->seq += b->count;
	b->count = 0;
	b->len = BL_WIRE_FRAME_HDR_LEN;
}

/* ------------------------------------------------------------------------ */
/* Sender                                                                   */
/* ------------------------------------------------------------------------ */

struct bl_client_sender;

struct bl_client_tx_stats {
	uint64_t frames;       /* frames handed to the kernel */
	uint64_t msgs;	       /* messages in those frames */
	uint64_t bytes;	       /* datagram bytes in those frames */
	uint64_t send_errors;  /* frames the kernel refused */
	uint64_t msgs_dropped; /* messages in refused frames (the receiver sees a gap) */
	int last_error;	       /* negative errno of the last refused frame, or 0 */
};

/*
 * Open a UDP socket connected to dst and a batcher (see
 * bl_client_batch_create for max_dgram, max_msgs, first_seq). Any thread; the
 * sender then belongs to the caller. NULL + errno. Close with
 * bl_client_sender_close.
 */
struct bl_client_sender *bl_client_sender_open(const struct sockaddr_in *dst, size_t max_dgram,
					       unsigned int max_msgs, uint64_t first_seq);

/* The same to an IPv4 or IPv6 address (dst of len bytes, as
 * bl_client_addr_parse_any gives it). */
struct bl_client_sender *bl_client_sender_open_any(const struct sockaddr *dst, socklen_t len,
						   size_t max_dgram, unsigned int max_msgs,
						   uint64_t first_seq);

/*
 * Queue one message. When the current frame is full it is sent first.
 * Returns 0; -EMSGSIZE if the payload can never fit; or the error of sending
 * the full frame (that frame is dropped and counted; this message is not
 * queued). May block in send(). A key the router has paused (flow control):
 * with BL_CLIENT_FLOW_BLOCK (the default) the frame so far is sent and the
 * call waits until the key is resumed or its pause runs out; with
 * BL_CLIENT_FLOW_TRY it returns -EAGAIN at once, nothing queued.
 */
int bl_client_sender_add(struct bl_client_sender *s, uint64_t key, const void *payload,
			 uint32_t len);

/*
 * Send the pending frame, if any. Returns 0 or the negative errno of send();
 * either way the frame is gone (counted as sent or as dropped), so a retry
 * never duplicates. May block.
 */
int bl_client_sender_flush(struct bl_client_sender *s);

/* Messages queued and not yet sent. */
unsigned int bl_client_sender_pending(const struct bl_client_sender *s);

/* Seq the next queued message will get. */
uint64_t bl_client_sender_next_seq(const struct bl_client_sender *s);

/* Largest payload one message may have with this sender's datagram size. */
uint32_t bl_client_sender_max_payload(const struct bl_client_sender *s);

/*
 * The connected socket (e.g. for getsockname, or poll before
 * bl_client_sender_recv). Still owned by the sender. Unless its flow mode is
 * BL_CLIENT_FLOW_IGNORE the sender reads this socket itself (for the
 * router's flow-control messages): read replies with bl_client_sender_recv,
 * not from the socket.
 */
int bl_client_sender_fd(const struct bl_client_sender *s);

/* What a sender does about the router's flow control. */
enum bl_client_flow {
	BL_CLIENT_FLOW_BLOCK = 0, /* a message to a paused key waits (the default) */
	BL_CLIENT_FLOW_TRY,	  /* ... is refused with -EAGAIN (Aeron's BACK_PRESSURED) */
	BL_CLIENT_FLOW_IGNORE,	  /* the socket is not read: pauses are not seen, and the
				     router drops what it sends past them (flow_control) */
};

/* Set the flow mode. 0, or -EINVAL for an unknown mode. */
int bl_client_sender_set_flow(struct bl_client_sender *s, enum bl_client_flow mode);

/*
 * Read what has come back to the socket (waiting up to timeout_ms: -1
 * forever, 0 not at all), applying flow-control messages; datagrams with
 * other messages (replies) are kept, at most 64, for bl_client_sender_recv.
 * Returns the number of datagrams read, or -errno of poll/recv.
 */
int bl_client_sender_poll(struct bl_client_sender *s, int timeout_ms);

/*
 * The next reply datagram (a frame with messages other than flow control,
 * which a bl_client_receiver can feed on), copied into buf: its length;
 * -ETIMEDOUT after timeout_ms (-1: forever, 0: do not wait); -EMSGSIZE if it
 * is longer than size (it is dropped and counted); or -errno.
 */
int bl_client_sender_recv(struct bl_client_sender *s, uint8_t *buf, size_t size, int timeout_ms);

/* Whether the router has key paused now (a pause that has run out is not). */
bool bl_client_sender_paused(struct bl_client_sender *s, uint64_t key);

struct bl_client_flow_stats {
	uint64_t pauses;	/* PAUSE messages received */
	uint64_t resumes;	/* RESUME messages received */
	uint64_t expired;	/* pauses that ran out with no RESUME */
	uint64_t waits;		/* adds that waited for a paused key (BLOCK) */
	uint64_t wait_ns;	/* time spent in those waits */
	uint64_t backpressured; /* adds refused with -EAGAIN (TRY) */
	uint64_t replies;	/* reply datagrams kept for bl_client_sender_recv */
	uint64_t replies_lost;	/* reply datagrams dropped: 64 kept already, or too long */
	uint64_t bad;		/* datagrams or flow messages that did not parse */
	unsigned int paused;	/* keys paused now */
};

void bl_client_sender_flow_stats(const struct bl_client_sender *s,
				 struct bl_client_flow_stats *out);

void bl_client_sender_stats(const struct bl_client_sender *s, struct bl_client_tx_stats *out);

/* Close the socket and free everything. Pending messages are NOT sent: flush first. */
void bl_client_sender_close(struct bl_client_sender *s);

/* ------------------------------------------------------------------------ */
/* Receiver                                                                 */
/* ------------------------------------------------------------------------ */

struct bl_client_receiver;

/* One received message. payload points into the receiver's current frame. */
struct bl_client_msg {
	uint64_t key;
	uint64_t seq; /* frame seq + index in the frame */
	const uint8_t *payload;
	uint32_t len;
	uint16_t kind;
	uint16_t flags;
	bool dup; /* seq below the source's expected seq when the frame arrived */
	struct sockaddr_in src;
};

/* Sequence state of one source (IPv4 address, UDP port). */
struct bl_client_source {
	struct sockaddr_in addr;
	uint64_t next_seq; /* seq expected next */
	uint64_t frames;
	uint64_t msgs;
	uint64_t gaps; /* times the seq jumped forward */
	uint64_t lost; /* messages skipped by those jumps */
	uint64_t dups; /* messages at or below an already seen seq */
};

/* Why a datagram was refused as a whole. */
enum bl_client_rx_drop {
	BL_CLIENT_RX_DROP_FRAME_TRUNCATED = 0, /* same order as enum bl_wire_status */
	BL_CLIENT_RX_DROP_BAD_MAGIC,
	BL_CLIENT_RX_DROP_ZERO_COUNT,
	BL_CLIENT_RX_DROP_MSG_TRUNCATED,
	BL_CLIENT_RX_DROP_LENGTH_OVERFLOW,
	BL_CLIENT_RX_DROP_COUNT_MISMATCH,
	BL_CLIENT_RX_DROP_OVERSIZE, /* longer than any IPv4 UDP payload */
	BL_CLIENT_RX_DROP_MAX
};

/* Stable names of enum bl_client_rx_drop, e.g. "bad_magic". */
const char *bl_client_rx_drop_name(enum bl_client_rx_drop d);

struct bl_client_rx_stats {
	uint64_t dgrams;    /* datagrams seen, accepted or not */
	uint64_t frames;    /* datagrams accepted */
	uint64_t msgs;	    /* messages in accepted frames */
	uint64_t bytes;	    /* payload bytes of those messages */
	uint64_t gaps;	    /* sum over sources */
	uint64_t lost;	    /* sum over sources */
	uint64_t dups;	    /* sum over sources */
	uint64_t untracked; /* frames from sources beyond the table bound (not seq-checked) */
	uint64_t drops[BL_CLIENT_RX_DROP_MAX];
};

/*
 * A receiver tracking at most max_sources sources (1..BL_CLIENT_MAX_SOURCES).
 * It has no socket until bl_client_receiver_bind; bl_client_receiver_feed
 * works without one. Any thread. NULL + errno (EINVAL, ENOMEM). Free with
 * bl_client_receiver_destroy.
 */
struct bl_client_receiver *bl_client_receiver_create(unsigned int max_sources);

/*
 * Open a UDP socket bound to addr (port 0: the kernel picks one; see
 * bl_client_receiver_local). Returns 0, -EBUSY if already bound, or the
 * errno of socket()/bind().
 */
int bl_client_receiver_bind(struct bl_client_receiver *r, const struct sockaddr_in *addr);

/* The bound address. Returns 0 or -ENOTCONN when not bound. */
int bl_client_receiver_local(const struct bl_client_receiver *r, struct sockaddr_in *out);

/* The bound socket, or -1. Still owned by the receiver. */
int bl_client_receiver_fd(const struct bl_client_receiver *r);

/*
 * Wait up to timeout_ms (-1: forever, 0: do not wait) for one datagram on the
 * bound socket and feed it. Messages of the previous frame not yet taken are
 * discarded. Returns the number of messages now ready (> 0), 0 if the datagram
 * was refused (counted), -ETIMEDOUT, -EINTR on a signal, -ENOTCONN if not
 * bound, or another -errno from recvfrom.
 */
int bl_client_receiver_recv(struct bl_client_receiver *r, int timeout_ms);

/*
 * Check one datagram from src and make its messages the current frame; the
 * bytes are not copied and must stay valid while its messages are taken.
 * Returns the message count (> 0), or 0 if refused (counted by reason).
 */
int bl_client_receiver_feed(struct bl_client_receiver *r, const uint8_t *dgram, size_t len,
			    const struct sockaddr_in *src);

/* Take the next message of the current frame: 1 and *m filled, or 0 when done. */
int bl_client_receiver_next(struct bl_client_receiver *r, struct bl_client_msg *m);

void bl_client_receiver_stats(const struct bl_client_receiver *r, struct bl_client_rx_stats *out);

/* Number of sources tracked so far (at most max_sources). */
unsigned int bl_client_receiver_source_count(const struct bl_client_receiver *r);

/* Copy source i (0..count-1, in order of first appearance). 0 or -ENOENT. */
int bl_client_receiver_source_get(const struct bl_client_receiver *r, unsigned int i,
				  struct bl_client_source *out);

/* Close the socket (if bound) and free everything; NULL is fine. */
void bl_client_receiver_destroy(struct bl_client_receiver *r);

#ifdef __cplusplus
}
#endif

#endif /* BL_CLIENT_BLMSG_H */
