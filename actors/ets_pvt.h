/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared tables' internals, for actors/ets.c (the registry, tables and
 * their owners) and actors/ets_ops.c (entries) only.
 */
#ifndef BL_ACTORS_ETS_PVT_H
#define BL_ACTORS_ETS_PVT_H

#include <rte_common.h>
#include <rte_spinlock.h>
#include <urcu-qsbr.h>
#include <urcu/call-rcu.h>

#include "actors/ets.h"
#include "actors/internal.h"

#define ETS_LOCKS 16u

struct ets_obj {
	struct ets_obj *next; /* rcu_assign_pointer / rcu_dereference */
	struct rcu_head rcu;
	uint32_t hash;
	uint16_t klen;
	uint16_t pad;
	uint32_t vlen;
	uint32_t size;	/* what it counts against max_bytes */
	uint8_t data[]; /* key, then value */
};

static_assert(sizeof(struct ets_obj) == 40, "the per-entry overhead the SDK header states");

struct ets_tab {
	/* Set at creation: read by everyone. */
	uint64_t tid;
	struct ets_obj **buckets;
	uint32_t mask;
	uint8_t type, access;
	uint16_t flags;
	uint32_t max_entries;
	uint32_t gift_len;
	uint64_t max_bytes;
	char name[BL_NAME_MAX];
	/* Written by the owner's lcore (the heir's during a transfer), read by
	 * all: atomic loads and stores. */
	uint64_t owner;
	uint64_t heir;
	uint32_t heir_len;
	uint8_t heir_data[BL_ETS_GIFT_MAX];
	uint8_t gift[BL_ETS_GIFT_MAX]; /* the transfer in flight's bytes */
	struct rcu_head rcu;
	/* Written by every writer: a line of their own. */
	uint64_t entries __rte_cache_aligned;
	uint64_t bytes;
	uint64_t refused;
	rte_spinlock_t locks[ETS_LOCKS];
};

struct bl_ets {
	rte_spinlock_t lock; /* slot and name changes */
	uint32_t max;
	uint32_t n;
	struct ets_tab **slots; /* RCU-published */
	uint32_t *name_hash;	/* by slot: 0 free; written under the lock, read relaxed */
	uint32_t *gen;		/* by slot, under the lock */
};

/* The table of id tid, or NULL (deleted, stale, bad). RCU-online. */
static inline struct ets_tab *bl__ets_tab_get(struct bl_ets *e, uint64_t tid)
{
	uint32_t slot = (uint32_t)tid - 1;
	struct ets_tab *t;

	if (e == NULL || slot >= e->max)
		return NULL;
	t = rcu_dereference(e->slots[slot]);
	return t != NULL && t->tid == tid ? t : NULL;
}

/* Pairs with the release stores of a transfer (ets.c). */
static inline uint64_t bl__ets_owner(const struct ets_tab *t)
{
	return __atomic_load_n(&t->owner, __ATOMIC_ACQUIRE);
}

#endif /* BL_ACTORS_ETS_PVT_H */
