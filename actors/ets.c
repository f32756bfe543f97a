/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared tables (ETS): named tables of (key, value) entries, owned by a
 * process, read from every lcore without a lock (the SDK header has the
 * contracts, actors/ets.h the registry).
 *
 * Layout. A table is a fixed array of bucket heads, a power of two of them
 * sized at creation from max_entries (half as many: at most two entries a
 * bucket when full), each the head of a singly linked list of entries. An
 * entry is one allocation: header, key, value; it is never changed once
 * published. A write builds a new entry, links it with one
 * rcu_assign_pointer, and hands the entry it replaced or unlinked to
 * call_rcu. Readers follow the lists with rcu_dereference: a reader between
 * two quiescent states (a callback, a control command) sees each entry
 * whole, old or new, and nothing it reaches is freed under it. No resize:
 * the bucket count is the one thing a reader could not follow safely
 * without a second grace period, and max_entries bounds the table anyway.
 *
 * Writers. A protected or private table has one writer, its owner, on its
 * lcore: no lock. A public table's writers take the spin lock of the
 * key's bucket stripe (16 stripes), held for the list update only
 * (allocation and freeing happen outside it). The bounds are counters
 * reserved before a write is published (atomic add, undone on refusal),
 * so entries and bytes never pass max_entries and max_bytes, even with
 * writers on every lcore; a refusal is counted.
 *
 * Registry. Tables live in a slot array published with rcu_assign_pointer;
 * an id is (generation << 32 | slot + 1), so an id whose table was deleted
 * never reaches its slot's next table. Creating and deleting take the
 * registry's spin lock (a name is unique, a slot is taken once); lookups
 * by id are one load, by name a scan of the slots' name hashes.
 *
 * Ownership. Only the owner's lcore changes who owns a table: at the
 * owner's exit (a BL_PEER_TABLE entry in its peer list, ref = the id, so
 * only owners pay) the table is deleted, or passes to its heir: owner
 * becomes 0 (nobody writes a protected table meanwhile) and a
 * BL_X_ETS_GIVE goes to the heir's lcore, which alone makes the heir the
 * owner (peer entry, BL_MSG_ETS_TRANSFER message), or deletes the table
 * when the heir is gone: a heir on another lcore cannot exit between the
 * check and the change. give_away is the same transfer from a live owner.
 *
 * A deleted table leaves its slot at once and is freed whole by call_rcu
 * (entries, buckets, table) in liburcu's thread, not on the lcore.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_spinlock.h>
#include <urcu-qsbr.h>
#include <urcu/call-rcu.h>

#include "actors/ets_pvt.h"
#include "actors/name.h"

#define ETS_LOCKS 16u

const char *const bl_ets_type_names[BL_ETS_TYPE_MAX] = { "set", "bag" };
const char *const bl_ets_access_names[BL_ETS_ACCESS_MAX] = { "protected", "public", "private" };

static uint32_t name_hash(const char *name)
{
	uint32_t h = rte_hash_crc(name, (uint32_t)strlen(name), 0x9e3779b9u);

	return h != 0 ? h : 1;
}

struct bl_ets *bl_ets_create(uint32_t max_tables)
{
	struct bl_ets *e;

	if (max_tables == 0)
		max_tables = BL_ETS_TABLES_DEFAULT;
	if (max_tables > BL_ETS_TABLES_MAX) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->slots = calloc(max_tables, sizeof(*e->slots));
	e->name_hash = calloc(max_tables, sizeof(*e->name_hash));
	e->gen = calloc(max_tables, sizeof(*e->gen));
	if (e->slots == NULL || e->name_hash == NULL || e->gen == NULL) {
		free(e->slots);
		free(e->name_hash);
		free(e->gen);
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	rte_spinlock_init(&e->lock);
	e->max = max_tables;
	/* The first call_rcu would start liburcu's thread from whichever
	 * thread made it, pinned as that thread is: from a worker lcore, it
	 * would share the worker's CPU. Start it here, on the control thread. */
	(void)get_default_call_rcu_data();
	return e;
}

static void tab_free_now(struct ets_tab *t)
{
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct ets_obj *o = t->buckets[i], *next;

		for (; o != NULL; o = next) {
			next = o->next;
			free(o);
		}
	}
	free(t->buckets);
	free(t);
}

static void tab_free_rcu(struct rcu_head *h)
{
	tab_free_now(caa_container_of(h, struct ets_tab, rcu));
}

void bl_ets_destroy(struct bl_ets *e)
{
	bool online;

	if (e == NULL)
		return;
	for (uint32_t i = 0; i < e->max; i++) {
		struct ets_tab *t = e->slots[i];

		if (t != NULL) {
			rcu_assign_pointer(e->slots[i], NULL);
			call_rcu(&t->rcu, tab_free_rcu);
		}
	}
	/* QSBR: an online caller would hold up the very grace periods waited for. */
	online = rcu_read_ongoing();
	if (online)
		rcu_thread_offline();
	rcu_barrier(); /* every table and entry freed before the registry goes */
	if (online)
		rcu_thread_online();
	free(e->slots);
	free(e->name_hash);
	free(e->gen);
	free(e);
}

/* The table of id tid, or NULL (deleted, stale, bad). RCU-online. */

static uint64_t find_name(struct bl_ets *e, const char *name)
{
	uint32_t h = name_hash(name);

	for (uint32_t i = 0; i < e->max; i++) {
		struct ets_tab *t;

		if (__atomic_load_n(&e->name_hash[i], __ATOMIC_RELAXED) != h)
			continue;
		t = rcu_dereference(e->slots[i]);
		if (t != NULL && strcmp(t->name, name) == 0)
			return t->tid;
	}
	return 0;
}

/* Take the table out of the registry; freed whole after a grace period. */
static void tab_delete(struct bl_ets *e, struct ets_tab *t)
{
	uint32_t slot = (uint32_t)t->tid - 1;
	bool mine = false;

	rte_spinlock_lock(&e->lock);
	if (e->slots[slot] == t) {
		rcu_assign_pointer(e->slots[slot], NULL);
		__atomic_store_n(&e->name_hash[slot], 0, __ATOMIC_RELAXED);
		e->n--;
		mine = true;
	}
	rte_spinlock_unlock(&e->lock);
	if (mine)
		call_rcu(&t->rcu, tab_free_rcu);
}

static int check_gift(const void *data, uint32_t len)
{
	return len > BL_ETS_GIFT_MAX || (data == NULL && len != 0) ? -EINVAL : 0;
}

uint64_t bl_ets_new(struct bl_ctx *c, const char *name, const struct bl_ets_opts *opts)
{
	static const struct bl_ets_opts dflt;
	struct bl_ets *e = c->s->ets;
	const struct bl_ets_opts *o = opts != NULL ? opts : &dflt;
	uint32_t max_entries = o->max_entries ? o->max_entries : BL_ETS_ENTRIES_DEFAULT;
	uint32_t nb = 16, slot = UINT32_MAX, h;
	struct ets_tab *t;
	int rc;

	if (e == NULL) {
		errno = ENOTSUP;
		return 0;
	}
	if (bl_name_check(name, BL_NAME_MAX) < 0 || o->type >= BL_ETS_TYPE_MAX ||
	    o->access >= BL_ETS_ACCESS_MAX ||
	    (o->flags & ~(BL_ETS_F_KEY_U64 | BL_ETS_F_VALUE_U64)) != 0 ||
	    max_entries > BL_ETS_ENTRIES_MAX || o->heir == c->p->pid ||
	    check_gift(o->heir_data, o->heir_len) != 0) {
		errno = EINVAL;
		return 0;
	}
	while (nb < max_entries / 2)
		nb <<= 1;
	t = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*t), RTE_CACHE_LINE_SIZE));
	if (t == NULL)
		return 0;
	memset(t, 0, sizeof(*t));
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (t->buckets == NULL) {
		free(t);
		errno = ENOMEM;
		return 0;
	}
	t->mask = nb - 1;
	t->type = (uint8_t)o->type;
	t->access = (uint8_t)o->access;
	t->flags = (uint16_t)o->flags;
	t->max_entries = max_entries;
	t->max_bytes = o->max_bytes ? o->max_bytes : BL_ETS_BYTES_DEFAULT;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->owner = c->p->pid;
	t->heir = o->heir;
	t->heir_len = o->heir_len;
	if (o->heir_len != 0)
		memcpy(t->heir_data, o->heir_data, o->heir_len);
	for (unsigned i = 0; i < ETS_LOCKS; i++)
		rte_spinlock_init(&t->locks[i]);
	/* The owner's peer entry first: its heap may refuse it. */
	rc = bl__peer_add(c->s, c->p, BL_PEER_TABLE, c->p->pid, 0);
	if (rc != 0) {
		tab_free_now(t);
		errno = -rc;
		return 0;
	}
	h = name_hash(name);
	rte_spinlock_lock(&e->lock);
	rc = find_name(e, name) != 0 ? -EEXIST : e->n >= e->max ? -ENOSPC : 0;
	for (uint32_t i = 0; rc == 0 && i < e->max && slot == UINT32_MAX; i++)
		if (e->slots[i] == NULL)
			slot = i;
	if (rc == 0) {
		e->gen[slot]++;
		t->tid = ((uint64_t)e->gen[slot] << 32) | (slot + 1);
		rcu_assign_pointer(e->slots[slot], t); /* the table is whole before it is seen */
		__atomic_store_n(&e->name_hash[slot], h, __ATOMIC_RELAXED);
		e->n++;
	}
	rte_spinlock_unlock(&e->lock);
	if (rc != 0) {
		struct bl_peer gone;

		(void)bl__peer_del_tag(c->s, c->p, BL_PEER_TABLE, BL_PID_NONE, 0, &gone);
		tab_free_now(t);
		errno = -rc;
		return 0;
	}
	c->p->peers->ref = t->tid; /* bl__peer_add put it first */
	return t->tid;
}

uint64_t bl_ets_whereis(struct bl_ctx *c, const char *name)
{
	if (c->s->ets == NULL || bl_name_check(name, BL_NAME_MAX) < 0)
		return 0;
	return find_name(c->s->ets, name);
}

static void info_fill(const struct ets_tab *t, struct bl_ets_info *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, t->name, sizeof(out->name));
	out->id = t->tid;
	out->owner = bl__ets_owner(t);
	out->heir = __atomic_load_n(&t->heir, __ATOMIC_RELAXED);
	out->type = t->type;
	out->access = t->access;
	out->flags = t->flags;
	out->max_entries = t->max_entries;
	out->max_bytes = t->max_bytes;
	out->entries = __atomic_load_n(&t->entries, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&t->bytes, __ATOMIC_RELAXED);
	out->refused = __atomic_load_n(&t->refused, __ATOMIC_RELAXED);
	out->memory = out->bytes + sizeof(*t) + (uint64_t)(t->mask + 1) * sizeof(*t->buckets);
}

int bl_ets_info(struct bl_ctx *c, uint64_t tab, struct bl_ets_info *out)
{
	return bl_ets_info_of(c->s->ets, tab, out);
}

/* ---- ownership ---- */

static void transfer_start(struct bl_sched *s, struct ets_tab *t, uint64_t from, uint64_t to,
			   const void *gift, uint32_t len, bool inherit)
{
	struct bl_xmsg x;

	if (len != 0)
		memcpy(t->gift, gift, len);
	t->gift_len = len;
	/* Nobody's until the receiver's lcore takes it; pairs with owner_of. */
	__atomic_store_n(&t->owner, BL_PID_NONE, __ATOMIC_RELEASE);
	bl__xmsg_init(&x, BL_X_ETS_GIVE, to, from, t->tid);
	x.flags = inherit ? 1 : 0;
	bl__signal(s, &x); /* across lcores the ring orders gift before the take */
}

void bl__ets_owner_exit(struct bl_sched *s, struct bl_proc *p, uint64_t tab)
{
	struct ets_tab *t = bl__ets_tab_get(s->ets, tab);
	uint64_t heir;

	if (t == NULL || bl__ets_owner(t) != p->pid)
		return;
	heir = __atomic_load_n(&t->heir, __ATOMIC_RELAXED);
	if (heir == BL_PID_NONE)
		tab_delete(s->ets, t);
	else
		transfer_start(s, t, p->pid, heir, t->heir_data, t->heir_len, true);
}

void bl__ets_give_xmsg(struct bl_sched *s, const struct bl_xmsg *x)
{
	struct ets_tab *t = bl__ets_tab_get(s->ets, x->key);
	struct bl_proc *p;
	struct bl_msg *m;

	if (x->m != NULL)
		rte_pktmbuf_free(x->m);
	if (t == NULL || bl__ets_owner(t) != BL_PID_NONE)
		return;
	p = bl__proc_get(s, x->dst);
	if (p == NULL || bl__peer_add(s, p, BL_PEER_TABLE, p->pid, t->tid) != 0) {
		tab_delete(s->ets, t); /* Erlang: a table without a live heir goes */
		return;
	}
	/* Inherited, or given to its own heir: an owner is no heir of itself. */
	if ((x->flags & 1) || __atomic_load_n(&t->heir, __ATOMIC_RELAXED) == p->pid)
		__atomic_store_n(&t->heir, BL_PID_NONE, __ATOMIC_RELAXED);
	__atomic_store_n(&t->owner, p->pid, __ATOMIC_RELEASE);
	m = bl_msg_alloc(&s->msgs);
	if (m == NULL) {
		s->drops[BL_SDROP_NO_MSG_BUF]++; /* it owns the table all the same */
		return;
	}
	m->src = x->src;
	m->key = t->tid;
	m->type = BL_MSG_ETS_TRANSFER;
	m->flags = 0;
	m->aux = 0;
	m->rx_tsc = 0;
	m->bin.m = NULL;
	m->bin.len = t->gift_len;
	memcpy(m->u.inl, t->gift, t->gift_len);
	/* Bounded by the tables it is given: past the mailbox limit, as exits are. */
	bl_mailbox_append(&p->mbox, m);
	s->mbox_total++;
	if (!(p->flags & BL_PF_RUNQ) && p->status != BL_PROC_RUNNING)
		bl__runq_push(s, p);
}

/* The owner's table tid, after the access check of an owner-only call. */
static int tab_owned(struct bl_ctx *c, uint64_t tid, struct ets_tab **out)
{
	struct ets_tab *t = bl__ets_tab_get(c->s->ets, tid);

	if (t == NULL)
		return -EBADF;
	if (bl__ets_owner(t) != c->p->pid)
		return -EACCES;
	*out = t;
	return 0;
}

int bl_ets_delete_table(struct bl_ctx *c, uint64_t tab)
{
	struct ets_tab *t;
	struct bl_peer gone;
	int rc = tab_owned(c, tab, &t);

	if (rc != 0)
		return rc;
	(void)bl__peer_del_tag(c->s, c->p, BL_PEER_TABLE, BL_PID_NONE, (uint32_t)tab, &gone);
	tab_delete(c->s->ets, t);
	return 0;
}

int bl_ets_give_away(struct bl_ctx *c, uint64_t tab, uint64_t pid, const void *data, uint32_t len)
{
	struct ets_tab *t;
	struct bl_peer gone;
	int rc;

	if (pid == BL_PID_NONE || pid == c->p->pid || check_gift(data, len) != 0)
		return -EINVAL;
	rc = tab_owned(c, tab, &t);
	if (rc != 0)
		return rc;
	if (bl_pid_lcore(pid) == c->s->lcore && bl__proc_get(c->s, pid) == NULL)
		return -ESRCH;
	(void)bl__peer_del_tag(c->s, c->p, BL_PEER_TABLE, BL_PID_NONE, (uint32_t)tab, &gone);
	transfer_start(c->s, t, c->p->pid, pid, data, len, false);
	return 0;
}

int bl_ets_set_heir(struct bl_ctx *c, uint64_t tab, uint64_t heir, const void *data, uint32_t len)
{
	struct ets_tab *t;
	int rc;

	if (heir == c->p->pid || check_gift(data, len) != 0)
		return -EINVAL;
	rc = tab_owned(c, tab, &t);
	if (rc != 0)
		return rc;
	/* Read at the owner's exit, on this lcore: plain copies do. */
	if (len != 0)
		memcpy(t->heir_data, data, len);
	t->heir_len = len;
	__atomic_store_n(&t->heir, heir, __ATOMIC_RELAXED);
	return 0;
}

/* ---- the control thread's readers ---- */

void bl_ets_totals_get(struct bl_ets *e, struct bl_ets_totals *tot)
{
	memset(tot, 0, sizeof(*tot));
	if (e == NULL)
		return;
	tot->max_tables = e->max;
	rcu_read_lock();
	for (uint32_t i = 0; i < e->max; i++) {
		struct ets_tab *t = rcu_dereference(e->slots[i]);
		struct bl_ets_info in;

		if (t == NULL)
			continue;
		info_fill(t, &in);
		tot->tables++;
		tot->entries += in.entries;
		tot->bytes += in.bytes;
		tot->memory += in.memory;
		tot->refused += in.refused;
	}
	rcu_read_unlock();
}

int bl_ets_foreach(struct bl_ets *e, int (*fn)(void *arg, const struct bl_ets_info *in), void *arg)
{
	int rc = 0;

	if (e == NULL)
		return 0;
	rcu_read_lock();
	for (uint32_t i = 0; i < e->max && rc == 0; i++) {
		struct ets_tab *t = rcu_dereference(e->slots[i]);
		struct bl_ets_info in;

		if (t == NULL)
			continue;
		info_fill(t, &in);
		rc = fn(arg, &in);
	}
	rcu_read_unlock();
	return rc;
}

uint64_t bl_ets_find(struct bl_ets *e, const char *name)
{
	if (e == NULL || bl_name_check(name, BL_NAME_MAX) < 0)
		return 0;
	return find_name(e, name);
}

int bl_ets_info_of(struct bl_ets *e, uint64_t tab, struct bl_ets_info *out)
{
	struct ets_tab *t;

	if (out == NULL)
		return -EINVAL;
	t = bl__ets_tab_get(e, tab);
	if (t == NULL)
		return -EBADF;
	info_fill(t, out);
	return 0;
}
