/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared tables' entries: insert, update_counter, delete, lookup (the
 * design note is at the top of actors/ets.c). Every write builds its entry
 * before it takes a lock, publishes it with one rcu_assign_pointer, and
 * hands what it replaced or unlinked to call_rcu; a reader follows the
 * lists with rcu_dereference and copies out or calls back while it is
 * RCU-online, so an entry it holds is never freed under it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "actors/ets_pvt.h"

static void obj_free_rcu(struct rcu_head *h)
{
	free(caa_container_of(h, struct ets_obj, rcu));
}

static int check_key(const void *key, uint32_t klen)
{
	return key == NULL || klen == 0 || klen > BL_ETS_KEY_MAX ? -EINVAL : 0;
}

static uint32_t key_hash(const void *key, uint32_t klen)
{
	return rte_hash_crc(key, klen, 0);
}

static bool obj_is(const struct ets_obj *o, uint32_t h, const void *key, uint32_t klen)
{
	return o->hash == h && o->klen == klen && memcmp(o->data, key, klen) == 0;
}

static bool obj_same(const struct ets_obj *o, const struct ets_obj *n)
{
	return obj_is(o, n->hash, n->data, n->klen) && o->vlen == n->vlen &&
	       memcmp(o->data + o->klen, n->data + n->klen, n->vlen) == 0;
}

/* A new entry (not yet seen by anyone), or NULL with ENOMEM. */
static struct ets_obj *obj_new(uint32_t h, const void *key, uint32_t klen, const void *val,
			       uint32_t vlen)
{
	uint32_t size = (uint32_t)sizeof(struct ets_obj) + klen + vlen;
	struct ets_obj *o = malloc(size);

	if (o == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	o->next = NULL;
	o->hash = h;
	o->klen = (uint16_t)klen;
	o->pad = 0;
	o->vlen = vlen;
	o->size = size;
	memcpy(o->data, key, klen);
	if (vlen != 0)
		memcpy(o->data + klen, val, vlen);
	return o;
}

/*
 * The table tid for a write by the calling process: -EBADF when gone,
 * -EACCES unless it owns it or the table is public.
 */
static int tab_for_write(struct bl_ctx *c, uint64_t tid, struct ets_tab **out)
{
	struct ets_tab *t = bl__ets_tab_get(c->s->ets, tid);

	if (t == NULL)
		return -EBADF;
	if (t->access != BL_ETS_PUBLIC && bl__ets_owner(t) != c->p->pid)
		return -EACCES;
	*out = t;
	return 0;
}

static int tab_for_read(struct bl_ctx *c, uint64_t tid, struct ets_tab **out)
{
	struct ets_tab *t = bl__ets_tab_get(c->s->ets, tid);

	if (t == NULL)
		return -EBADF;
	if (t->access == BL_ETS_PRIVATE && bl__ets_owner(t) != c->p->pid)
		return -EACCES;
	*out = t;
	return 0;
}

/* A public table's writers serialise per stripe; the owner of another is alone. */
static void wlock(struct ets_tab *t, uint32_t h)
{
	if (t->access == BL_ETS_PUBLIC)
		rte_spinlock_lock(&t->locks[h & (ETS_LOCKS - 1)]);
}

static void wunlock(struct ets_tab *t, uint32_t h)
{
	if (t->access == BL_ETS_PUBLIC)
		rte_spinlock_unlock(&t->locks[h & (ETS_LOCKS - 1)]);
}

/*
 * Reserve dn entries and db bytes before a write is published, or refuse
 * it (counted). A negative db is given back at once: the write that frees
 * those bytes is under way and cannot fail any more.
 */
static int reserve(struct ets_tab *t, uint32_t dn, int64_t db)
{
	if (dn != 0 && __atomic_fetch_add(&t->entries, 1, __ATOMIC_RELAXED) >= t->max_entries) {
		__atomic_fetch_sub(&t->entries, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&t->refused, 1, __ATOMIC_RELAXED);
		return -ENOSPC;
	}
	if (db > 0 &&
	    __atomic_add_fetch(&t->bytes, (uint64_t)db, __ATOMIC_RELAXED) > t->max_bytes) {
		__atomic_fetch_sub(&t->bytes, (uint64_t)db, __ATOMIC_RELAXED);
		if (dn != 0)
			__atomic_fetch_sub(&t->entries, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&t->refused, 1, __ATOMIC_RELAXED);
		return -EDQUOT;
	}
	if (db < 0)
		__atomic_fetch_sub(&t->bytes, (uint64_t)-db, __ATOMIC_RELAXED);
	return 0;
}

/* o, unlinked from its list: out of the counts, freed after a grace period. */
static void obj_retire(struct ets_tab *t, struct ets_obj *o)
{
	__atomic_fetch_sub(&t->entries, 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&t->bytes, o->size, __ATOMIC_RELAXED);
	call_rcu(&o->rcu, obj_free_rcu);
}

/*
 * Publish n in its bucket (writer side, under wlock): a set replaces the
 * key's entry in place, a bag appends n after the list's last entry unless
 * an equal entry is there. Returns 0, 1 (a bag had it), or the refusal.
 */
static int publish(struct ets_tab *t, struct ets_obj *n, struct ets_obj **retired)
{
	struct ets_obj **pp = &t->buckets[n->hash & t->mask], *o;
	int rc;

	*retired = NULL;
	for (; (o = *pp) != NULL; pp = &o->next) {
		if (t->type == BL_ETS_BAG) {
			if (obj_same(o, n))
				return 1;
			continue;
		}
		if (!obj_is(o, n->hash, n->data, n->klen))
			continue;
		rc = reserve(t, 0, (int64_t)n->size - (int64_t)o->size);
		if (rc != 0)
			return rc;
		n->next = o->next;
		rcu_assign_pointer(*pp, n); /* readers see o or n, each whole */
		*retired = o;
		return 0;
	}
	rc = reserve(t, 1, n->size);
	if (rc != 0)
		return rc;
	rcu_assign_pointer(*pp, n); /* at the end: a bag keeps insertion order */
	return 0;
}

int bl_ets_insert(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len,
		  const void *value, uint32_t value_len)
{
	struct ets_obj *n, *old;
	struct ets_tab *t;
	uint32_t h;
	int rc;

	if (check_key(key, key_len) != 0 || value_len > BL_ETS_VALUE_MAX ||
	    (value == NULL && value_len != 0))
		return -EINVAL;
	rc = tab_for_write(c, tab, &t);
	if (rc != 0)
		return rc;
	h = key_hash(key, key_len);
	n = obj_new(h, key, key_len, value, value_len);
	if (n == NULL)
		return -ENOMEM;
	wlock(t, h);
	rc = publish(t, n, &old);
	wunlock(t, h);
	if (rc != 0)
		free(n); /* never seen by anyone */
	else if (old != NULL)
		call_rcu(&old->rcu, obj_free_rcu); /* its bytes were given back in publish */
	return rc;
}

int bl_ets_update_counter(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len,
			  int64_t incr, uint64_t *out)
{
	struct ets_obj *n, *o, *old = NULL;
	struct ets_tab *t;
	uint64_t v = 0;
	uint32_t h;
	int rc;

	if (check_key(key, key_len) != 0)
		return -EINVAL;
	rc = tab_for_write(c, tab, &t);
	if (rc != 0)
		return rc;
	if (t->type != BL_ETS_SET)
		return -EINVAL;
	h = key_hash(key, key_len);
	n = obj_new(h, key, key_len, &v, sizeof(v));
	if (n == NULL)
		return -ENOMEM;
	wlock(t, h);
	/* The read and the write under one lock: no increment is lost. */
	for (o = t->buckets[h & t->mask]; o != NULL; o = o->next)
		if (obj_is(o, h, key, key_len))
			break;
	if (o != NULL && o->vlen != sizeof(v)) {
		rc = -EINVAL;
	} else {
		if (o != NULL)
			memcpy(&v, o->data + o->klen, sizeof(v));
		v += (uint64_t)incr;
		memcpy(n->data + key_len, &v, sizeof(v));
		rc = publish(t, n, &old);
	}
	wunlock(t, h);
	if (rc != 0) {
		free(n);
		return rc;
	}
	if (old != NULL)
		call_rcu(&old->rcu, obj_free_rcu);
	if (out != NULL)
		*out = v;
	return 0;
}

/* Unlink every entry of the key (and of that value, when val is given). */
static int remove_key(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t klen,
		      const void *val, uint32_t vlen, bool by_value)
{
	struct ets_obj **pp, *o;
	struct ets_tab *t;
	uint32_t h;
	int rc, n = 0;

	if (check_key(key, klen) != 0 || (by_value && val == NULL && vlen != 0))
		return -EINVAL;
	rc = tab_for_write(c, tab, &t);
	if (rc != 0)
		return rc;
	h = key_hash(key, klen);
	wlock(t, h);
	pp = &t->buckets[h & t->mask];
	while ((o = *pp) != NULL) {
		if (!obj_is(o, h, key, klen) ||
		    (by_value && (o->vlen != vlen || memcmp(o->data + klen, val, vlen) != 0))) {
			pp = &o->next;
			continue;
		}
		/* Readers at o go on to o->next, which lives as long as o does. */
		rcu_assign_pointer(*pp, o->next);
		obj_retire(t, o); /* call_rcu: a wait-free enqueue */
		n++;
	}
	wunlock(t, h);
	return n;
}

int bl_ets_delete(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len)
{
	return remove_key(c, tab, key, key_len, NULL, 0, false);
}

int bl_ets_delete_object(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len,
			 const void *value, uint32_t value_len)
{
	int rc;

	if (value_len > BL_ETS_VALUE_MAX)
		return -EINVAL;
	rc = remove_key(c, tab, key, key_len, value, value_len, true);
	return rc > 1 ? 1 : rc;
}

/* ---- reading ---- */

static int each_value(struct ets_tab *t, const void *key, uint32_t klen, bl_ets_value_fn fn,
		      void *arg)
{
	uint32_t h = key_hash(key, klen);
	struct ets_obj *o;
	int n = 0;

	rcu_read_lock();
	for (o = rcu_dereference(t->buckets[h & t->mask]); o != NULL;
	     o = rcu_dereference(o->next)) {
		if (!obj_is(o, h, key, klen))
			continue;
		n++;
		if (fn(arg, o->data + o->klen, o->vlen) != 0 || t->type == BL_ETS_SET)
			break;
	}
	rcu_read_unlock();
	return n;
}

struct copy_out {
	void *buf;
	uint32_t cap;
	uint32_t len;
};

static int copy_first(void *arg, const void *val, uint32_t len)
{
	struct copy_out *co = arg;

	co->len = len;
	if (co->cap != 0 && len != 0)
		memcpy(co->buf, val, len < co->cap ? len : co->cap);
	return 1;
}

int bl_ets_lookup(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len, void *buf,
		  uint32_t cap)
{
	struct copy_out co = { buf, cap, 0 };
	struct ets_tab *t;
	int rc;

	if (check_key(key, key_len) != 0 || (buf == NULL && cap != 0))
		return -EINVAL;
	rc = tab_for_read(c, tab, &t);
	if (rc != 0)
		return rc;
	if (each_value(t, key, key_len, copy_first, &co) == 0)
		return -ENOENT;
	return (int)co.len;
}

int bl_ets_lookup_each(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len,
		       bl_ets_value_fn fn, void *arg)
{
	struct ets_tab *t;
	int rc;

	if (check_key(key, key_len) != 0 || fn == NULL)
		return -EINVAL;
	rc = tab_for_read(c, tab, &t);
	if (rc != 0)
		return rc;
	return each_value(t, key, key_len, fn, arg);
}

int bl_ets_read(struct bl_ets *e, uint64_t tab, const void *key, uint32_t key_len,
		bl_ets_value_fn fn, void *arg)
{
	struct ets_tab *t;

	if (check_key(key, key_len) != 0 || fn == NULL)
		return -EINVAL;
	t = bl__ets_tab_get(e, tab);
	if (t == NULL)
		return -EBADF;
	if (t->access == BL_ETS_PRIVATE)
		return -EACCES;
	return each_value(t, key, key_len, fn, arg);
}
