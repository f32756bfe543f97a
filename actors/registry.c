/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registry on cds_lfht (QSBR flavour).
 *
 * Single writer (the control thread): the entry count needs no read-modify-
 * write atomics; it is stored with relaxed atomic stores so other threads
 * can read it for reports. Removed or
 * replaced entries are freed through call_rcu, so a reader holding a node
 * between two quiescent states never sees freed memory. Bounded: at most
 * max entries, names of at most BL_NAME_MAX - 1 bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "actors/name.h"
#include "actors/pid.h"
#include "actors/registry.h"

struct bl_registry {
	struct cds_lfht *ht;
	uint32_t max;
	uint32_t count;
	uint64_t gen; /* bumped (release) after every published change */
};

static void reg_changed(struct bl_registry *r)
{
	/* Pairs with the acquire load in bl_registry_gen(). */
	__atomic_store_n(&r->gen, r->gen + 1, __ATOMIC_RELEASE);
}

struct reg_entry {
	struct cds_lfht_node node;
	struct rcu_head rcu;
	uint64_t pid;
	uint32_t len;
	char name[BL_NAME_MAX];
};

/* FNV-1a, 64 bits. */
static unsigned long name_hash(const char *name, size_t n)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)name[i];
		h *= UINT64_C(0x100000001b3);
	}
	return (unsigned long)h;
}

struct match_key {
	const char *name;
	size_t len;
};

static int entry_match(struct cds_lfht_node *node, const void *key)
{
	const struct reg_entry *e = caa_container_of(node, struct reg_entry, node);
	const struct match_key *k = (const struct match_key *)key;

	return e->len == k->len && memcmp(e->name, k->name, k->len) == 0;
}

static void entry_free_rcu(struct rcu_head *head)
{
	free(caa_container_of(head, struct reg_entry, rcu));
}

struct bl_registry *bl_registry_create(uint32_t max_entries)
{
	struct bl_registry *r;
	unsigned long init = 64;

	if (max_entries == 0) {
		errno = EINVAL;
		return NULL;
	}
	r = (struct bl_registry *)calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	while (init < max_entries && init < 4096)
		init <<= 1;
	r->ht = cds_lfht_new(init, 64, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
	if (r->ht == NULL) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->max = max_entries;
	return r;
}

void bl_registry_destroy(struct bl_registry *r)
{
	struct cds_lfht_iter it;
	struct reg_entry *e;

	if (r == NULL)
		return;
	cds_lfht_for_each_entry (r->ht, &it, e, node) {
		if (cds_lfht_del(r->ht, &e->node) == 0)
			call_rcu(&e->rcu, entry_free_rcu);
	}
	rcu_barrier(); /* every entry freed before the table goes */
	cds_lfht_destroy(r->ht, NULL);
	free(r);
}

static struct reg_entry *entry_new(const char *name, int n, uint64_t pid)
{
	struct reg_entry *e = (struct reg_entry *)calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	cds_lfht_node_init(&e->node);
	memcpy(e->name, name, (size_t)n);
	e->len = (uint32_t)n;
	e->pid = pid;
	return e;
}

static int reg_add(struct bl_registry *r, const char *name, size_t max_len, uint64_t pid,
		   bool replace)
{
	int n = bl_name_check(name, max_len);
	struct match_key k;
	struct reg_entry *e;
	struct cds_lfht_node *old;
	unsigned long h;

	if (n < 0)
		return n;
	if (pid == BL_PID_NONE)
		return -EINVAL;
	k.name = name;
	k.len = (size_t)n;
	h = name_hash(name, (size_t)n);
	e = entry_new(name, n, pid);
	if (e == NULL)
		return -ENOMEM;
	if (replace) {
		if (r->count >= r->max) {
			struct cds_lfht_iter it;

			/* Full: only a rebinding of an existing name may go in. */
			cds_lfht_lookup(r->ht, h, entry_match, &k, &it);
			if (cds_lfht_iter_get_node(&it) == NULL) {
				free(e);
				return -ENOSPC;
			}
		}
		old = cds_lfht_add_replace(r->ht, h, entry_match, &k, &e->node);
		reg_changed(r);
		if (old != NULL)
			call_rcu(&caa_container_of(old, struct reg_entry, node)->rcu,
				 entry_free_rcu);
		else
			__atomic_store_n(&r->count, r->count + 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (r->count >= r->max) {
		struct cds_lfht_iter it;

		free(e);
		cds_lfht_lookup(r->ht, h, entry_match, &k, &it);
		return cds_lfht_iter_get_node(&it) != NULL ? -EEXIST : -ENOSPC;
	}
	old = cds_lfht_add_unique(r->ht, h, entry_match, &k, &e->node);
	if (old != &e->node) {
		free(e);
		return -EEXIST;
	}
	reg_changed(r);
	__atomic_store_n(&r->count, r->count + 1, __ATOMIC_RELAXED);
	return 0;
}

int bl_registry_register(struct bl_registry *r, const char *name, size_t max_len, uint64_t pid)
{
	return reg_add(r, name, max_len, pid, false);
}

int bl_registry_set(struct bl_registry *r, const char *name, size_t max_len, uint64_t pid)
{
	return reg_add(r, name, max_len, pid, true);
}

int bl_registry_unregister(struct bl_registry *r, const char *name, size_t max_len)
{
	int n = bl_name_check(name, max_len);
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	struct match_key k;

	if (n < 0)
		return n;
	k.name = name;
	k.len = (size_t)n;
	cds_lfht_lookup(r->ht, name_hash(name, (size_t)n), entry_match, &k, &it);
	node = cds_lfht_iter_get_node(&it);
	if (node == NULL || cds_lfht_del(r->ht, node) != 0)
		return -ENOENT;
	reg_changed(r);
	__atomic_store_n(&r->count, r->count - 1, __ATOMIC_RELAXED);
	call_rcu(&caa_container_of(node, struct reg_entry, node)->rcu, entry_free_rcu);
	return 0;
}

unsigned bl_registry_sweep(struct bl_registry *r, int (*dead)(void *arg, uint64_t pid), void *arg)
{
	struct cds_lfht_iter it;
	struct reg_entry *e;
	unsigned n = 0;

	cds_lfht_for_each_entry (r->ht, &it, e, node) {
		if (!dead(arg, CMM_LOAD_SHARED(e->pid)) || cds_lfht_del(r->ht, &e->node) != 0)
			continue;
		__atomic_store_n(&r->count, r->count - 1, __ATOMIC_RELAXED);
		call_rcu(&e->rcu, entry_free_rcu);
		n++;
	}
	if (n != 0)
		reg_changed(r);
	return n;
}

uint64_t bl_registry_whereis(struct bl_registry *r, const char *name, size_t max_len)
{
	int n = bl_name_check(name, max_len);
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	struct match_key k;

	if (n < 0 || r == NULL)
		return BL_PID_NONE;
	k.name = name;
	k.len = (size_t)n;
	cds_lfht_lookup(r->ht, name_hash(name, (size_t)n), entry_match, &k, &it);
	node = cds_lfht_iter_get_node(&it);
	if (node == NULL)
		return BL_PID_NONE;
	/* Pairs with the publication in cds_lfht_add_*: the entry is complete. */
	return CMM_LOAD_SHARED(caa_container_of(node, struct reg_entry, node)->pid);
}

uint32_t bl_registry_count(const struct bl_registry *r)
{
	return __atomic_load_n(&r->count, __ATOMIC_RELAXED);
}

uint64_t bl_registry_gen(const struct bl_registry *r)
{
	return __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
}

int bl_registry_foreach(struct bl_registry *r, int (*fn)(void *arg, const char *name, uint64_t pid),
			void *arg)
{
	struct cds_lfht_iter it;
	struct reg_entry *e;
	int rc;

	cds_lfht_for_each_entry (r->ht, &it, e, node) {
		rc = fn(arg, e->name, CMM_LOAD_SHARED(e->pid));
		if (rc != 0)
			return rc;
	}
	return 0;
}

const char *bl_registry_name_of(struct bl_registry *r, uint64_t pid, char *buf, size_t len)
{
	struct cds_lfht_iter it;
	struct reg_entry *e;

	if (len == 0)
		return NULL;
	cds_lfht_for_each_entry (r->ht, &it, e, node) {
		if (CMM_LOAD_SHARED(e->pid) == pid) {
			snprintf(buf, len, "%s", e->name);
			return buf;
		}
	}
	return NULL;
}

int bl_registry_name_ok(const char *name, size_t max_len)
{
	return bl_name_check(name, max_len) > 0;
}
