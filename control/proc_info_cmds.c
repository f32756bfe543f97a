/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * info, ps, memory, lcores: looking at processes and lcores.
 *
 * info and ps run a function on each lcore (bl__proc_run_on), so they see
 * a consistent process table between two turns. ps keeps only the top N of
 * each lcore (a bounded min-heap, on the lcore), so a million processes
 * cost the lcore O(P log N) and the reply stays small; "total" says how
 * many there were. memory and lcores read counters only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "actors/behaviours.h"
#include "actors/ets.h"
#include "actors/group.h"
#include "actors/info.h"
#include "actors/registry.h"
#include "actors/sched.h"
#include "control/args.h"
#include "control/errors.h"
#include "control/online.h"
#include "control/proc_cmds_pvt.h"

#define PS_TOP_DEFAULT	  100u
#define PS_TOP_MAX	  10000u
#define INFO_MESSAGES_MAX 100u /* info --messages: the first N queued */

/* ---- info / ps ---- */

struct info_job {
	uint64_t pid;
	struct bl_proc_info info;
	int rc;
	int kind; /* 1: counter, 2: relay: what the built-in's state says */
	uint64_t v[3];
	struct bl_info_kv kv[16]; /* the behaviour's own figures (its info callback) */
	unsigned n_kv;
	char beh_name[BL_NAME_MAX];
	/* info --messages N: the first n_want queued, as they stand. */
	unsigned n_want, n_msgs;
	struct queued_msg {
		uint64_t key, src, rx_tsc;
		uint32_t len; /* a frame node: its messages' bytes */
		uint16_t type, weight;
		bool net;
	} msgs[INFO_MESSAGES_MAX];
	uint64_t tsc_now;
};

static void info_fn(struct bl_sched *s, void *arg)
{
	struct info_job *j = arg;
	struct bl_proc *p;
	const struct bl_msg *m;

	j->rc = bl_proc_info_get(s, j->pid, &j->info);
	p = j->rc == 0 ? bl_proc_lookup(s, j->pid) : NULL;
	if (p == NULL)
		return;
	/* Between turns on the owner lcore: the mailbox holds still. */
	j->tsc_now = rte_rdtsc();
	for (m = p->mbox.head; m != NULL && j->n_msgs < j->n_want; m = m->next) {
		struct queued_msg *q = &j->msgs[j->n_msgs++];

		q->key = m->key;
		q->src = m->src;
		q->rx_tsc = m->rx_tsc & ~UINT64_C(1);
		q->len = m->bin.len;
		q->type = m->type;
		q->weight = (uint16_t)bl_msg_weight(m);
		q->net = (m->flags & BL_MSG_F_NET) != 0;
	}
	if (p->state == NULL)
		return;
	if (bl_behaviour_same(p->beh, &bl_counter_behaviour)) {
		j->kind = 1;
		bl_counter_totals(p->state, &j->v[0], &j->v[1], &j->v[2]);
	} else if (bl_behaviour_same(p->beh, &bl_relay_behaviour)) {
		j->kind = 2;
		bl_relay_stats(p->state, &j->v[0], &j->v[1]);
	} else if (p->beh->info != NULL) {
		j->n_kv = p->beh->info(p->state, j->kv, RTE_DIM(j->kv));
		snprintf(j->beh_name, sizeof(j->beh_name), "%s", p->beh->name);
	}
}

struct groups_of {
	uint64_t pid;
	json_t *names;
};

static int group_has(void *arg, const struct bl_group *g)
{
	struct groups_of *go = arg;
	const struct bl_members *m = bl_group_members(g);

	for (uint32_t i = 0; m != NULL && i < m->n; i++) {
		if (m->pid[i] == go->pid) {
			json_array_append_new(go->names, json_string(g->name));
			break;
		}
	}
	return 0;
}

static json_t *info_json(struct bl_router *r, const struct bl_proc_info *in, bool full)
{
	char name[BL_NAME_MAX];
	json_t *o = json_object();

	json_object_set_new(o, "pid", bl__pid_json(in->pid));
	json_object_set_new(
	    o, "name",
	    json_string(
		bl_registry_name_of(r->registry, in->pid, name, sizeof(name)) != NULL ? name : ""));
	json_object_set_new(o, "behaviour", json_string(in->behaviour ? in->behaviour : "?"));
	json_object_set_new(o, "version", json_string(in->version ? in->version : "-"));
	json_object_set_new(o, "lcore", json_integer(in->lcore));
	json_object_set_new(
	    o, "status",
	    json_string(in->status < BL_PROC_STATUS_MAX ? bl_proc_status_names[in->status] : "?"));
	json_object_set_new(o, "memory", json_integer(in->heap_bytes));
	json_object_set_new(o, "binary", json_integer(in->pinned_bytes));
	json_object_set_new(o, "mailbox", json_integer(in->mailbox_len));
	json_object_set_new(o, "reductions", json_integer((json_int_t)in->reductions));
	if (full) {
		struct groups_of go = { in->pid, json_array() };

		json_object_set_new(o, "heap_chunks", json_integer(in->heap_chunks));
		json_object_set_new(o, "mailbox_limit", json_integer(in->mailbox_limit));
		json_object_set_new(o, "mailbox_drops", json_integer(in->drops));
		json_object_set_new(o, "links", json_integer(in->links));
		json_object_set_new(o, "monitors", json_integer(in->monitors));
		json_object_set_new(o, "monitored_by", json_integer(in->monitored_by));
		json_object_set_new(o, "trap_exit", json_boolean(in->trap_exit));
		bl_groups_foreach(r->groups, group_has, &go);
		json_object_set_new(o, "groups", go.names);
	}
	return o;
}

static const char *const msg_type_names[] = { "data", "exit",  "down",	      "frame",
					      "call", "reply", "call_failed", "ets_transfer" };

/* The queued messages info --messages asked for: oldest first. */
static json_t *queued_json(const struct info_job *j)
{
	json_t *arr = json_array();
	uint64_t hz = rte_get_tsc_hz();

	for (unsigned i = 0; i < j->n_msgs; i++) {
		const struct queued_msg *q = &j->msgs[i];
		json_t *o = json_object();

		json_object_set_new(o, "key", json_integer((json_int_t)q->key));
		json_object_set_new(o, "bytes", json_integer(q->len));
		json_object_set_new(
		    o, "kind",
		    json_string(q->type < RTE_DIM(msg_type_names) ? msg_type_names[q->type] : "?"));
		if (q->weight > 1)
			json_object_set_new(o, "messages", json_integer(q->weight));
		if (q->net)
			json_object_set_new(o, "from", json_string("net"));
		else
			json_object_set_new(o, "from", bl__pid_json(q->src));
		/* Its cause's time (the RX burst, or what its sender handled then);
		 * none for what came from no packet (timers, the control plane). */
		if (q->rx_tsc != 0 && j->tsc_now > q->rx_tsc && hz != 0)
			json_object_set_new(
			    o, "age_us",
			    json_integer((json_int_t)((j->tsc_now - q->rx_tsc) * 1000000 / hz)));
		json_array_append_new(arr, o);
	}
	return arr;
}

static int cmd_info(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_proc_cmds *pc = arg;
	static const char *const fields[] = { "target", "messages", NULL };
	struct info_job j;
	uint64_t want;
	struct bl_args a;
	json_t *o;
	int rc;

	memset(&j, 0, sizeof(j));
	rc = bl_args_open_request(&a, req, fields, errmsg, errlen);
	if (rc == 0)
		rc = bl__proc_target_pid(pc, &a, &j.pid);
	if (rc == 0)
		rc = bl_args_u64(&a, "messages", BL_ARG_OPTIONAL, 0, 0, INFO_MESSAGES_MAX, &want);
	if (rc != 0)
		return rc;
	j.n_want = (unsigned)want;
	j.rc = -ESRCH;
	rc = bl__proc_run_on(pc->r, bl__proc_sched_of(pc->r, j.pid), info_fn, &j);
	if (rc == 0)
		rc = j.rc;
	if (rc != 0) {
		bl_err_set(errmsg, errlen, "%s",
			   rc == -ESRCH ? "the process exited" : strerror(-rc));
		return rc == -ESRCH ? -ENOENT : rc;
	}
	o = info_json(pc->r, &j.info, true);
	if (j.kind == 1)
		json_object_set_new(o, "counter",
				    json_pack("{s:I, s:I, s:I}", "msgs", (json_int_t)j.v[0],
					      "bytes", (json_int_t)j.v[1], "other_keys_msgs",
					      (json_int_t)j.v[2]));
	else if (j.kind == 2)
		json_object_set_new(o, "relay",
				    json_pack("{s:I, s:I}", "relayed", (json_int_t)j.v[0], "failed",
					      (json_int_t)j.v[1]));
	else if (j.n_kv != 0) {
		/* Under the behaviour's name, as the counter's and the relay's. */
		json_t *f = json_object();

		for (unsigned i = 0; i < j.n_kv; i++)
			json_object_set_new(f, j.kv[i].name,
					    json_integer((json_int_t)j.kv[i].value));
		json_object_set_new(o, j.beh_name, f);
	}
	if (j.n_want != 0)
		json_object_set_new(o, "queued", queued_json(&j));
	json_object_update(reply, o);
	json_decref(o);
	return 0;
}

enum ps_sort { PS_MEMORY, PS_MAILBOX, PS_REDUCTIONS, PS_BINARY };

struct ps_job {
	enum ps_sort sort;
	unsigned top;
	unsigned n;		   /* in heap */
	unsigned total;		   /* processes seen */
	struct bl_proc_info *heap; /* min-heap on the sort key, [top] */
};

static uint64_t ps_key(const struct bl_proc_info *p, enum ps_sort s)
{
	switch (s) {
	case PS_MEMORY:
		return p->heap_bytes;
	case PS_MAILBOX:
		return p->mailbox_len;
	case PS_BINARY:
		return p->pinned_bytes;
	default:
		return p->reductions;
	}
}

static void heap_down(struct ps_job *j, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, m = i;
		struct bl_proc_info t;

		if (l < j->n && ps_key(&j->heap[l], j->sort) < ps_key(&j->heap[m], j->sort))
			m = l;
		if (l + 1 < j->n && ps_key(&j->heap[l + 1], j->sort) < ps_key(&j->heap[m], j->sort))
			m = l + 1;
		if (m == i)
			return;
		t = j->heap[i];
		j->heap[i] = j->heap[m];
		j->heap[m] = t;
		i = m;
	}
}

static int ps_visit(const struct bl_proc_info *in, void *arg)
{
	struct ps_job *j = arg;

	j->total++;
	if (j->n < j->top) {
		unsigned i = j->n++;

		j->heap[i] = *in;
		while (i > 0 &&
		       ps_key(&j->heap[(i - 1) / 2], j->sort) > ps_key(&j->heap[i], j->sort)) {
			struct bl_proc_info t = j->heap[i];

			j->heap[i] = j->heap[(i - 1) / 2];
			j->heap[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
	} else if (ps_key(in, j->sort) > ps_key(&j->heap[0], j->sort)) {
		j->heap[0] = *in;
		heap_down(j, 0);
	}
	return 0;
}

static void ps_fn(struct bl_sched *s, void *arg)
{
	bl_sched_foreach(s, ps_visit, arg);
}

/* Biggest first, then by pid (qsort_r: the sort key is the argument). */
static int ps_cmp(const void *a, const void *b, void *sort)
{
	enum ps_sort k = *(const enum ps_sort *)sort;
	uint64_t x = ps_key(a, k), y = ps_key(b, k);

	if (x != y)
		return x > y ? -1 : 1;
	return ((const struct bl_proc_info *)a)->pid < ((const struct bl_proc_info *)b)->pid ? -1
											     : 1;
}

static int cmd_ps(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	/* In the order of enum ps_sort. */
	static const char *const sorts[] = { "memory", "mailbox", "reductions", "binary" };
	static const char *const fields[] = { "sort", "top", "lcore", NULL };
	struct bl_proc_cmds *pc = arg;
	struct bl_router *r = pc->r;
	struct bl_proc_info *all;
	uint64_t top, lcore;
	unsigned n_all = 0, total = 0, i, sort;
	struct bl_args a;
	json_t *procs;
	struct ps_job j;
	int rc;

	memset(&j, 0, sizeof(j));
	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_enum(&a, "sort", BL_ARG_OPTIONAL, PS_REDUCTIONS, sorts, 4, &sort) != 0 ||
	    bl_args_u64(&a, "top", BL_ARG_OPTIONAL, PS_TOP_DEFAULT, 1, PS_TOP_MAX, &top) != 0 ||
	    bl_args_u64(&a, "lcore", BL_ARG_OPTIONAL, UINT64_MAX, 0, RTE_MAX_LCORE - 1, &lcore) !=
		0)
		return -EINVAL;
	j.sort = (enum ps_sort)sort;
	if (lcore != UINT64_MAX && bl_router_sched(r, (unsigned)lcore) == NULL) {
		bl_err_set(errmsg, errlen, "ps: lcore %llu runs no scheduler",
			   (unsigned long long)lcore);
		return -ENODEV;
	}
	j.top = (unsigned)top;
	all = calloc((size_t)top * (r->n_workers + 1), sizeof(*all));
	j.heap = malloc(sizeof(*j.heap) * top);
	if (all == NULL || j.heap == NULL) {
		free(all);
		free(j.heap);
		return -ENOMEM;
	}
	for (i = 0; i <= r->n_workers; i++) {
		struct bl_sched *s = i < r->n_workers ? r->workers[i]->sched : r->ctl_sched;

		if (lcore != UINT64_MAX && s->lcore != lcore)
			continue;
		j.n = 0;
		j.total = 0;
		rc = bl__proc_run_on(r, s, ps_fn, &j);
		if (rc != 0) {
			bl_err_set(errmsg, errlen, "ps: lcore %u did not answer: %s", s->lcore,
				   strerror(-rc));
			free(all);
			free(j.heap);
			return rc;
		}
		memcpy(all + n_all, j.heap, sizeof(*all) * j.n);
		n_all += j.n;
		total += j.total;
	}
	qsort_r(all, n_all, sizeof(*all), ps_cmp, &j.sort);
	procs = json_array();
	for (i = 0; i < n_all && i < top; i++)
		json_array_append_new(procs, info_json(r, &all[i], false));
	json_object_set_new(reply, "procs", procs);
	json_object_set_new(reply, "total", json_integer(total));
	json_object_set_new(reply, "sort", json_string(sorts[j.sort]));
	free(all);
	free(j.heap);
	return 0;
}

/* ---- memory / lcores ---- */

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return (uint64_t)rss * 4096u;
}

static int cmd_memory(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_proc_cmds *pc = arg;
	struct bl_router *r = pc->r;
	uint64_t procs = 0, heap = 0, bins = 0, mbox = 0, ptab = 0, tables, pool_bytes, total;
	struct rte_malloc_socket_stats ms;
	struct bl_ets_totals ets;
	json_t *o, *lc;
	unsigned i;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	lc = json_array();
	for (i = 0; i <= r->n_workers; i++) {
		struct bl_sched *s = i < r->n_workers ? r->workers[i]->sched : r->ctl_sched;
		struct bl_sched_totals t;

		bl_sched_totals(s, &t);
		procs += t.procs;
		heap += t.heap_bytes;
		bins += t.bin_bytes;
		mbox += t.mailbox_msgs;
		ptab += s->procs_bytes;
		json_array_append_new(lc, json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I}", "lcore",
						    t.lcore, "procs", (json_int_t)t.procs,
						    "heap_bytes", (json_int_t)t.heap_bytes,
						    "binary_bytes", (json_int_t)t.bin_bytes,
						    "mailbox_msgs", (json_int_t)t.mailbox_msgs,
						    "chunks_in_use", (json_int_t)t.chunks_in_use,
						    "chunks_total", (json_int_t)t.chunks_total));
	}
	tables = bl_route_mem_bytes(r->routes);
	pool_bytes = (uint64_t)r->pool->size *
		     (r->pool->elt_size + r->pool->header_size + r->pool->trailer_size);
	bl_ets_totals_get(r->ets, &ets);
	total = heap + ptab + tables + pool_bytes + ets.memory;
	json_object_set_new(reply, "total", json_integer((json_int_t)total));
	o = json_object();
	json_object_set_new(o, "count", json_integer((json_int_t)procs));
	json_object_set_new(o, "heap_bytes", json_integer((json_int_t)heap));
	json_object_set_new(o, "table_bytes", json_integer((json_int_t)ptab));
	json_object_set_new(o, "mailbox_msgs", json_integer((json_int_t)mbox));
	json_object_set_new(reply, "processes", o);
	json_object_set_new(reply, "binaries_pinned", json_integer((json_int_t)bins));
	o = json_object();
	json_object_set_new(o, "routes", json_integer((json_int_t)r->routes->count));
	json_object_set_new(o, "route_bytes", json_integer((json_int_t)tables));
	/* 1M routes in a table of 2^18 buckets: 16.8 bytes each. */
	json_object_set_new(
	    o, "route_bytes_per_route",
	    json_real(r->routes->count == 0 ? 0.0 : (double)tables / (double)r->routes->count));
	json_object_set_new(o, "route_slots", json_integer((json_int_t)bl_route_slots(r->routes)));
	json_object_set_new(o, "names", json_integer(bl_registry_count(r->registry)));
	json_object_set_new(o, "groups", json_integer(bl_groups_count(r->groups)));
	/* Shared tables (ETS): entries, their bytes, and all the tables hold. */
	json_object_set_new(o, "ets_tables", json_integer(ets.tables));
	json_object_set_new(o, "ets_entries", json_integer((json_int_t)ets.entries));
	json_object_set_new(o, "ets_bytes", json_integer((json_int_t)ets.memory));
	json_object_set_new(reply, "tables", o);
	o = json_object();
	json_object_set_new(o, "size", json_integer(r->pool->size));
	json_object_set_new(o, "in_use", json_integer(rte_mempool_in_use_count(r->pool)));
	json_object_set_new(o, "free", json_integer(rte_mempool_avail_count(r->pool)));
	json_object_set_new(o, "bytes", json_integer((json_int_t)pool_bytes));
	json_object_set_new(reply, "mbufs", o);
	o = json_object();
	memset(&ms, 0, sizeof(ms));
	rte_malloc_get_socket_stats((int)rte_socket_id(), &ms);
	json_object_set_new(o, "dpdk_heap_total", json_integer((json_int_t)ms.heap_totalsz_bytes));
	json_object_set_new(o, "dpdk_heap_used", json_integer((json_int_t)ms.heap_allocsz_bytes));
	json_object_set_new(o, "rss", json_integer((json_int_t)rss_bytes()));
	json_object_set_new(reply, "system", o);
	json_object_set_new(reply, "lcores", lc);
	return 0;
}

static int cmd_lcores(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_proc_cmds *pc = arg;
	struct bl_router *r = pc->r;
	json_t *a;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	a = json_array();
	for (unsigned i = 0; i < r->n_workers; i++) {
		const struct bl_lcore *lc = r->workers[i];
		uint64_t busy = bl_stat_read(&lc->st.busy_tsc),
			 idle = bl_stat_read(&lc->st.idle_tsc);
		uint64_t pk = bl_stat_read(&lc->st.rx_pkts), bu = bl_stat_read(&lc->st.rx_bursts);
		struct bl_sched_totals t;
		char pct[16], avg[16];

		bl_sched_totals(lc->sched, &t);
		snprintf(pct, sizeof(pct), "%.1f",
			 busy + idle ? 100.0 * (double)busy / (double)(busy + idle) : 0.0);
		snprintf(avg, sizeof(avg), "%.1f", bu ? (double)pk / (double)bu : 0.0);
		json_array_append_new(
		    a,
		    json_pack("{s:i, s:i, s:I, s:I, s:s, s:s, s:I, s:I, s:I, s:i, s:b, s:I, s:I}",
			      "lcore", lc->lcore_id, "worker", i, "busy_cycles", (json_int_t)busy,
			      "idle_cycles", (json_int_t)idle, "busy_pct", pct, "avg_burst", avg,
			      "loops", (json_int_t)bl_stat_read(&lc->st.loops), "sleeps",
			      (json_int_t)bl_stat_read(&lc->st.sleeps), "procs_handled",
			      (json_int_t)t.handled, "procs", t.procs, "stalled",
			      pc->stalled[i] != 0, "stalls", (json_int_t)pc->stalls[i],
			      "preemptions", (json_int_t)pc->preemptions[i]));
	}
	json_object_set_new(reply, "lcores", a);
	json_object_set_new(reply, "tsc_hz", json_integer((json_int_t)rte_get_tsc_hz()));
	json_object_set_new(reply, "stall_ms",
			    json_integer(pc->stall_ms ? pc->stall_ms : BL_STALL_MS_DEFAULT));
	return 0;
}

BL_ONLINE(cmd_info)
BL_ONLINE(cmd_ps)
BL_ONLINE(cmd_memory)
BL_ONLINE(cmd_lcores)

int bl__proc_info_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc)
{
	static const struct {
		const char *name;
		bl_ctl_handler fn;
		const char *help;
	} cmds[] = {
		{ "info", cmd_info_online, "everything about one process" },
		{ "ps", cmd_ps_online, "processes, sorted, top N" },
		{ "memory", cmd_memory_online,
		  "memory by processes, binaries, tables, mbufs, system" },
		{ "lcores", cmd_lcores_online, "busy/idle cycles, bursts, stalls per lcore" },
	};
	int ret;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ret = bl_ctl_register(c, cmds[i].name, cmds[i].fn, pc, cmds[i].help);
		if (ret != 0)
			return ret;
	}
	return 0;
}
