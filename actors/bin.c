/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kept binaries: a process's references to payloads beyond one message.
 *
 * A kbin lives in the owner's heap and on its kept list (doubly linked, so a
 * drop is O(1)); exit walks the list once to release the references. Only
 * kbins that reference an mbuf pin memory; their pinned size is the mbuf's
 * whole buffer, counted in the process and the lcore totals.
 */
#include "actors/internal.h"

static void kept_link(struct bl_proc *p, struct bl_kbin *k)
{
	k->prev = NULL;
	k->next = p->kept;
	if (p->kept != NULL)
		p->kept->prev = k;
	p->kept = k;
}

static void kept_unlink(struct bl_proc *p, struct bl_kbin *k)
{
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		p->kept = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
}

static size_t kbin_size(const struct bl_kbin *k)
{
	return sizeof(*k) + (k->bin.m == NULL ? k->bin.len : 0);
}

struct bl_kbin *bl_bin_keep_bytes(struct bl_ctx *c, const void *data, uint32_t len)
{
	struct bl_kbin *k;

	if (data == NULL && len != 0) {
		errno = EINVAL;
		return NULL;
	}
	k = (struct bl_kbin *)bl_alloc(c, sizeof(*k) + len);
	if (k == NULL)
		return NULL;
	k->bin.m = NULL;
	k->bin.off = 0;
	k->bin.len = len;
	if (len != 0)
		memcpy(k->inl, data, len);
	kept_link(c->p, k);
	return k;
}

struct bl_kbin *bl_bin_keep(struct bl_ctx *c, const struct bl_bin *b)
{
	struct bl_kbin *k;

	if (b == NULL || b->m == NULL) {
		errno = EINVAL;
		return NULL;
	}
	k = (struct bl_kbin *)bl_alloc(c, sizeof(*k));
	if (k == NULL)
		return NULL;
	rte_mbuf_refcnt_update(b->m, 1);
	k->bin = *b;
	kept_link(c->p, k);
	bl__pin(c->s, c->p, b->m);
	return k;
}

struct bl_kbin *bl_msg_keep(struct bl_ctx *c, const struct bl_msg *m)
{
	/* Small payloads are the receiver's copy, also when a frame's message
	 * is a view into the mbuf (BL_MSG_F_VIEW): they never pin a frame. */
	if (m->bin.m != NULL && m->bin.len > BL_BIN_INLINE_MAX)
		return bl_bin_keep(c, &m->bin);
	return bl_bin_keep_bytes(c, bl_msg_data(m), m->bin.len);
}

struct bl_kbin *bl_bin_copy(struct bl_ctx *c, struct bl_kbin *k)
{
	struct bl_kbin *n;

	if (k->bin.m == NULL)
		return k;
	n = bl_bin_keep_bytes(c, bl_bin_data(&k->bin), k->bin.len);
	if (n == NULL)
		return NULL;
	bl_bin_drop(c, k);
	return n;
}

void bl_bin_drop(struct bl_ctx *c, struct bl_kbin *k)
{
	size_t size = kbin_size(k);

	kept_unlink(c->p, k);
	if (k->bin.m != NULL) {
		bl__unpin(c->s, c->p, k->bin.m);
		rte_pktmbuf_free(k->bin.m);
	}
	bl_free(c, k, size);
}

void bl__kept_release_all(struct bl_sched *s, struct bl_proc *p)
{
	struct bl_kbin *k;

	for (k = p->kept; k != NULL; k = k->next) {
		if (k->bin.m != NULL) {
			bl__unpin(s, p, k->bin.m);
			rte_pktmbuf_free(k->bin.m);
		}
	}
	p->kept = NULL;
}
