/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared fixture of the dataplane/wire tests on real mbufs
 * (test_wire_parse.c, test_wire_build.c): EAL and a small mbuf pool once
 * per binary, a teardown that checks every mbuf came back, mbufs made from
 * bytes, the default local address, and the check of every message of an
 * accepted frame against what twu_build wrote (wire_test_util.h).
 */
#ifndef BL_TESTS_DATAPLANE_WIRE_MBUF_TEST_H
#define BL_TESTS_DATAPLANE_WIRE_MBUF_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dataplane/wire.h"
#include "wire_test_util.h"

#define POOL_SIZE 63
#define BUF_CAP	  2048

static struct rte_mempool *pool;

static inline int group_setup(void **state)
{
	(void)state;
	if (twu_eal_init("test_wire") < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	pool = rte_pktmbuf_pool_create("test_wire_pool", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static inline int group_teardown(void **state)
{
	(void)state;
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}

/* Every test must give back every mbuf it took. */
static inline int check_pool_full(void **state)
{
	(void)state;
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
	return 0;
}

static inline struct rte_mbuf *mbuf_from(const uint8_t *b, size_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)n);
	assert_non_null(d);
	memcpy(d, b, n);
	return m;
}

static inline struct bl_wire_local default_local(void)
{
	struct bl_wire_local l = {
		.mac = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x01 } },
		.ip = TWU_IPV4(10, 0, 0, 1),
		.udp_port = RTE_BE16(7447),
		.promisc = 0,
	};
	l.ip = rte_cpu_to_be_32(l.ip);
	return l;
}

/* Check every message of an accepted frame against what twu_build wrote. */
static inline void check_msgs(const uint8_t *frame, const struct bl_pkt *pkt, const uint32_t *lens,
			      uint16_t count)
{
	uint32_t off = BL_WIRE_FRAME_HDR_LEN;
	struct bl_wire_msg msg;

	for (unsigned int i = 0; i < count; i++) {
		bl_wire_msg_next(frame, &off, &msg);
		assert_int_equal(msg.len, lens[i]);
		assert_int_equal(msg.kind, BL_WIRE_KIND_DATA);
		assert_int_equal(msg.flags, 0);
		assert_true(msg.key == twu_key(i));
		for (uint32_t j = 0; j < msg.len; j++)
			assert_int_equal(frame[msg.off + j], twu_byte(i, j));
	}
	assert_int_equal(off, pkt->frame_len);
}

#endif /* BL_TESTS_DATAPLANE_WIRE_MBUF_TEST_H */
