/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route origins: design note. An open-addressing hash of cluster routes by
 * key (linear probing, deletion by backward shift, so there are no
 * tombstones), at most half full. Only cluster routes have entries: local
 * routes cost nothing here, so a node with a million local routes and no
 * cluster pays nothing. The state machine is in route_origin.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/route_origin.h"

struct entry {
	bool used;
	bool stale; /* not put since resync_begin */
	enum bl_route_origin_state state;
	struct bl_cmd_route route; /* route.key is the entry's key */
};

struct bl_route_origin {
	struct bl_route_origin_ops ops;
	void *arg;
	struct entry *slots;
	size_t cap, n; /* cap a power of two */
	struct bl_route_origin_stats st;
};

static size_t key_hash(const struct bl_cmd_key *k)
{
	uint64_t h = k->is_default ? 0x9e3779b97f4a7c15ull : k->value * 0xff51afd7ed558ccdull;

	return (size_t)(h ^ h >> 29);
}

static bool key_eq(const struct bl_cmd_key *a, const struct bl_cmd_key *b)
{
	return a->is_default == b->is_default && (a->is_default || a->value == b->value);
}

struct bl_route_origin *bl_route_origin_create(const struct bl_route_origin_ops *ops, void *arg)
{
	struct bl_route_origin *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->ops = *ops;
	o->arg = arg;
	o->cap = 64;
	o->slots = calloc(o->cap, sizeof(*o->slots));
	if (o->slots == NULL) {
		free(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

void bl_route_origin_destroy(struct bl_route_origin *o)
{
	if (o == NULL)
		return;
	free(o->slots);
	free(o);
}

static struct entry *find(const struct bl_route_origin *o, const struct bl_cmd_key *k)
{
	size_t i = key_hash(k) & (o->cap - 1);

	while (o->slots[i].used) {
		if (key_eq(&o->slots[i].route.key, k))
			return &o->slots[i];
		i = (i + 1) & (o->cap - 1);
	}
	return NULL;
}

/* Place e (by value) in slots of capacity cap; the key is not there. */
static struct entry *place(struct entry *slots, size_t cap, const struct entry *e)
{
	size_t i = key_hash(&e->route.key) & (cap - 1);

	while (slots[i].used)
		i = (i + 1) & (cap - 1);
	slots[i] = *e;
	return &slots[i];
}

static int grow(struct bl_route_origin *o)
{
	size_t cap = o->cap * 2;
	struct entry *s = calloc(cap, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < o->cap; i++)
		if (o->slots[i].used)
			place(s, cap, &o->slots[i]);
	free(o->slots);
	o->slots = s;
	o->cap = cap;
	return 0;
}

/* Remove e, shifting back the entries of its probe run so lookups still find them. */
static void erase(struct bl_route_origin *o, struct entry *e)
{
	size_t mask = o->cap - 1, i = (size_t)(e - o->slots), j = i;

	o->slots[i].used = false;
	o->n--;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!o->slots[j].used)
			return;
		home = key_hash(&o->slots[j].route.key) & mask;
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			o->slots[i] = o->slots[j];
			o->slots[j].used = false;
			i = j;
		}
	}
}

static void count_state(struct bl_route_origin *o, enum bl_route_origin_state s, int d)
{
	uint64_t *c = s == BL_ORIGIN_APPLIED ? &o->st.applied
		      : s == BL_ORIGIN_HELD  ? &o->st.held
					     : &o->st.rejected;

	*c += (uint64_t)(int64_t)d;
}

static void set_state(struct bl_route_origin *o, struct entry *e, enum bl_route_origin_state s)
{
	count_state(o, e->state, -1);
	e->state = s;
	count_state(o, s, +1);
}

enum bl_route_origin_state bl_route_origin_cluster_put(struct bl_route_origin *o,
						       const struct bl_cmd_route *r)
{
	struct entry *e = find(o, &r->key);
	bool held;

	o->st.puts++;
	if (e == NULL) {
		struct entry n = { .used = true, .state = BL_ORIGIN_REJECTED, .route = *r };

		if (2 * (o->n + 1) > o->cap && grow(o) != 0) {
			o->st.rejected++; /* not kept: counted, and tried at its next change */
			return BL_ORIGIN_REJECTED;
		}
		/* A route already in the table at a new cluster key is a local one: it wins. */
		held = o->ops.present(o->arg, &r->key);
		e = place(o->slots, o->cap, &n);
		o->n++;
		count_state(o, BL_ORIGIN_REJECTED, +1);
	} else {
		held = e->state == BL_ORIGIN_HELD;
		e->route = *r;
	}
	e->stale = false;
	if (held)
		set_state(o, e, BL_ORIGIN_HELD);
	else
		set_state(o, e,
			  o->ops.apply(o->arg, r) == 0 ? BL_ORIGIN_APPLIED : BL_ORIGIN_REJECTED);
	return e->state;
}

int bl_route_origin_cluster_del(struct bl_route_origin *o, const struct bl_cmd_key *key)
{
	struct entry *e = find(o, key);

	if (e == NULL)
		return -ENOENT;
	o->st.dels++;
	if (e->state == BL_ORIGIN_APPLIED)
		o->ops.remove(o->arg, key);
	count_state(o, e->state, -1);
	erase(o, e);
	return 0;
}

void bl_route_origin_local_added(struct bl_route_origin *o, const struct bl_cmd_key *key)
{
	struct entry *e = o != NULL ? find(o, key) : NULL;

	if (e != NULL)
		set_state(o, e, BL_ORIGIN_HELD);
}

bool bl_route_origin_local_deleted(struct bl_route_origin *o, const struct bl_cmd_key *key)
{
	struct entry *e = o != NULL ? find(o, key) : NULL;

	if (e == NULL || e->state != BL_ORIGIN_HELD)
		return false;
	set_state(o, e,
		  o->ops.apply(o->arg, &e->route) == 0 ? BL_ORIGIN_APPLIED : BL_ORIGIN_REJECTED);
	return e->state == BL_ORIGIN_APPLIED;
}

bool bl_route_origin_is_cluster(const struct bl_route_origin *o, const struct bl_cmd_key *key)
{
	const struct entry *e = o != NULL ? find(o, key) : NULL;

	return e != NULL && e->state == BL_ORIGIN_APPLIED;
}

int bl_route_origin_state(const struct bl_route_origin *o, const struct bl_cmd_key *key,
			  enum bl_route_origin_state *st)
{
	const struct entry *e = o != NULL ? find(o, key) : NULL;

	if (e == NULL)
		return -ENOENT;
	*st = e->state;
	return 0;
}

void bl_route_origin_resync_begin(struct bl_route_origin *o)
{
	for (size_t i = 0; i < o->cap; i++)
		o->slots[i].stale = o->slots[i].used;
	o->st.resyncs++;
}

size_t bl_route_origin_resync_end(struct bl_route_origin *o)
{
	size_t removed = 0;
	size_t i = 0;

	/* erase() shifts later entries back into slot i: look at i again after one. */
	while (i < o->cap) {
		struct entry *e = &o->slots[i];

		if (e->used && e->stale) {
			struct bl_cmd_key k = e->route.key;

			bl_route_origin_cluster_del(o, &k);
			removed++;
			continue;
		}
		i++;
	}
	o->st.stale_removed += removed;
	return removed;
}

void bl_route_origin_stats(const struct bl_route_origin *o, struct bl_route_origin_stats *st)
{
	*st = o->st;
}
