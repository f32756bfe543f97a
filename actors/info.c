/* SPDX-License-Identifier: BSD-3-Clause */
/* Process info (owner lcore, or through the command ring) and racy totals. */
#include "actors/info.h"
#include "actors/internal.h"
#include "actors/proc.h"

static void fill(const struct bl_sched *s, const struct bl_proc *p, struct bl_proc_info *o)
{
	const struct bl_peer *e;

	memset(o, 0, sizeof(*o));
	o->pid = p->pid;
	o->behaviour = p->beh != NULL ? p->beh->name : NULL;
	o->version = p->beh != NULL ? p->beh->version : NULL;
	o->reductions = p->reductions;
	o->lcore = s->lcore;
	o->status = p->status;
	o->heap_bytes = p->heap.bytes;
	o->heap_chunks = bl_heap_chunk_count(&p->heap);
	o->pinned_bytes = p->pinned_bytes;
	o->mailbox_len = p->mbox.len;
	o->mailbox_limit = p->mbox.limit;
	o->drops = p->drops;
	o->links = p->n_links;
	o->monitors = p->n_monitors;
	for (e = p->peers; e != NULL; e = e->next)
		if (e->kind == BL_PEER_MONITORED_BY)
			o->monitored_by++;
	o->trap_exit = (p->flags & BL_PF_TRAP_EXIT) != 0;
}

int bl_proc_info_get(struct bl_sched *s, uint64_t pid, struct bl_proc_info *out)
{
	struct bl_proc *p = bl_proc_lookup(s, pid);

	if (p == NULL)
		return -ESRCH;
	fill(s, p, out);
	return 0;
}

unsigned bl_sched_foreach(struct bl_sched *s, int (*cb)(const struct bl_proc_info *info, void *arg),
			  void *arg)
{
	struct bl_proc_info info;
	unsigned i, n = 0;

	for (i = 0; i < s->cap; i++) {
		const struct bl_proc *p = &s->procs[i];

		if (p->status == BL_PROC_FREE)
			continue;
		fill(s, p, &info);
		n++;
		if (cb(&info, arg) != 0)
			break;
	}
	return n;
}

struct ps_req {
	struct bl_proc_info *out;
	unsigned max;
	unsigned n;
	unsigned total;
};

static int ps_cb(const struct bl_proc_info *info, void *arg)
{
	struct ps_req *r = (struct ps_req *)arg;

	if (r->n < r->max)
		r->out[r->n++] = *info;
	return 0;
}

static void ps_fn(struct bl_sched *s, void *arg)
{
	struct ps_req *r = (struct ps_req *)arg;

	r->total = bl_sched_foreach(s, ps_cb, r);
}

int bl_sched_ps(struct bl_sched *s, struct bl_proc_info *out, unsigned max, unsigned *n,
		unsigned *total, unsigned timeout_ms)
{
	struct ps_req r = { out, max, 0, 0 };
	int rc = bl_sched_exec(s, ps_fn, &r, timeout_ms);

	if (rc != 0)
		return rc;
	if (n != NULL)
		*n = r.n;
	if (total != NULL)
		*total = r.total;
	return 0;
}

struct info_req {
	uint64_t pid;
	struct bl_proc_info *out;
	int rc;
};

static void info_fn(struct bl_sched *s, void *arg)
{
	struct info_req *r = (struct info_req *)arg;

	r->rc = bl_proc_info_get(s, r->pid, r->out);
}

int bl_sched_proc_info(struct bl_sched *s, uint64_t pid, struct bl_proc_info *out,
		       unsigned timeout_ms)
{
	struct info_req r = { pid, out, 0 };
	int rc = bl_sched_exec(s, info_fn, &r, timeout_ms);

	return rc != 0 ? rc : r.rc;
}

#define RD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void bl_sched_totals(const struct bl_sched *s, struct bl_sched_totals *t)
{
	unsigned i;

	memset(t, 0, sizeof(*t));
	t->lcore = s->lcore;
	t->procs = RD(s->n_live);
	t->chunks_total = s->chunks.n_chunks;
	t->chunks_in_use = t->chunks_total - RD(s->chunks.n_free);
	t->heap_bytes = (uint64_t)t->chunks_in_use * s->chunks.chunk_size + RD(s->chunks.big_bytes);
	t->bin_bytes = RD(s->pinned_total);
	t->mailbox_msgs = RD(s->mbox_total);
	t->handled = RD(s->handled);
	t->spawned = RD(s->spawned);
	t->exited = RD(s->exited);
	t->msgs_total = s->msgs.n;
	t->msgs_in_use = t->msgs_total - RD(s->msgs.n_free);
	for (i = 0; i < BL_SDROP_MAX; i++)
		t->drops[i] = RD(s->drops[i]);
	t->flow_pauses = RD(s->flow_pauses);
	t->flow_resumes = RD(s->flow_resumes);
	t->wire_pauses = RD(s->wire_pauses);
	t->wire_resumes = RD(s->wire_resumes);
}
