/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scheduler: creation, the run pass, and the command ring.
 *
 * Design notes:
 *  - One bl_sched per lcore holds all of that lcore's runtime state; other
 *    lcores only read its creation-time fields (rings) and enqueue into the
 *    ring reserved for them (inbound[sender idx], SP/SC), so the only shared
 *    writes are rte_ring's own. The control thread enqueues into the MP/SC
 *    command ring.
 *  - bl_sched_run is bounded: at most BL_RUN_BURST elements per ring, one
 *    wheel advance, max_turns turns of at most `budget` messages. A flood
 *    into one mailbox costs the others one turn's wait, never starvation,
 *    and the caller's packet polling gets the core back every pass.
 *  - bl_sched_exec is the one way another thread reaches into the lcore:
 *    the request is heap-allocated with a state word that the lcore and the
 *    requester race for with CAS (PENDING -> RUNNING / PENDING -> CANCELLED),
 *    so a requester that times out never has fn run on its stale arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_debug.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "actors/crash.h"
#include "actors/internal.h"
#include "actors/proc.h"

#define BL_RUN_BURST 32u

void bl_sched_set_init(struct bl_sched_set *set)
{
	memset(set, 0, sizeof(*set));
}

/*
 * The scheduler's clock, in ms: CLOCK_MONOTONIC (the vDSO: no system call),
 * as the Erlang VM's timers use the OS's monotonic clock. Not the TSC: DPDK
 * takes its rate from the CPU's nominal frequency where it can (2690 MHz
 * on a machine whose TSC runs at 2694.9), and a timeout counted in those
 * ms ended up to 0.2% early. Read once a run when timers are armed.
 */
uint32_t bl__now(struct bl_sched *s)
{
	struct timespec ts;

	if (s->clock_ms != NULL) {
		s->now = s->clock_ms(s->clock_arg);
	} else {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s->now = (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
	}
	s->now_fresh = s->in_run; /* good for the rest of this run only */
	return s->now;
}

static uint32_t or_default(uint32_t v, uint32_t d)
{
	return v != 0 ? v : d;
}

static void sched_free(struct bl_sched *s)
{
	uint32_t i;

	free(s->out);
	if (s->inbound != NULL) {
		for (i = 0; i < s->n_lcores; i++)
			rte_ring_free(s->inbound[i]);
		free(s->inbound);
	}
	rte_ring_free(s->cmd);
	rte_ring_free(s->crash);
	if (s->own_pool)
		rte_mempool_free(s->mbuf_pool);
	free(s->timers);
	bl_msg_pool_fini(&s->msgs);
	bl_chunk_pool_fini(&s->chunks);
	if (s->procs != NULL)
		munmap(s->procs, s->procs_bytes);
	free(s);
}

struct bl_sched *bl_sched_create(uint32_t lcore_id, uint32_t n_lcores,
				 const struct bl_sched_config *cfg)
{
	struct bl_sched_set *set = cfg != NULL ? cfg->set : NULL;
	char name[RTE_RING_NAMESIZE];
	struct bl_sched *s = NULL;
	uint32_t i, ring_size, cmd_size, crash_size;
	int socket, rc;

	if (set == NULL || lcore_id >= RTE_MAX_LCORE || lcore_id > BL_PID_MAX_LCORE ||
	    n_lcores == 0 || n_lcores > RTE_MAX_LCORE) {
		errno = EINVAL;
		return NULL;
	}
	if (set->by_lcore[lcore_id] != NULL) {
		errno = EEXIST;
		return NULL;
	}
	if (set->n >= n_lcores) {
		errno = ENOSPC;
		return NULL;
	}
	if (posix_memalign((void **)&s, RTE_CACHE_LINE_SIZE, sizeof(*s)) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->lcore = lcore_id;
	s->n_lcores = n_lcores;
	s->set = set;
	s->cap = or_default(cfg->max_procs, 4096);
	s->budget = or_default(cfg->budget, 8);
	s->registry = cfg->registry;
	s->ets = cfg->ets;
	s->tx = cfg->tx;
	s->clock_ms = cfg->clock_ms;
	s->clock_arg = cfg->clock_arg;
	s->tsc_per_ms = rte_get_timer_hz() / 1000;
	if (s->tsc_per_ms == 0)
		s->tsc_per_ms = 1;
	s->defaults.mailbox_limit = or_default(cfg->mailbox_limit, 1024);
	s->defaults.heap_limit = or_default(cfg->heap_limit, 1u << 20);
	s->defaults.hibernate_after_ms = cfg->hibernate_after_ms;
	s->defaults.overflow = (uint8_t)or_default(cfg->overflow, BL_OVERFLOW_DROP_NEWEST + 1);
	ring_size = or_default(cfg->ring_size, 1024);
	cmd_size = or_default(cfg->cmd_ring_size, 256);
	crash_size = or_default(cfg->crash_ring_size, 64);
	socket = (int)rte_lcore_to_socket_id(lcore_id);
	if (socket < 0 || socket >= RTE_MAX_NUMA_NODES)
		socket = SOCKET_ID_ANY;

	if (s->cap > BL_PID_MAX_SLOTS || s->defaults.overflow > BL_OVERFLOW_BLOCK + 1 ||
	    (ring_size & (ring_size - 1)) != 0 || (cmd_size & (cmd_size - 1)) != 0 ||
	    (crash_size & (crash_size - 1)) != 0) {
		rc = -EINVAL;
		goto fail;
	}
	rc = -ENOMEM;
	/* Zeroed, page-aligned and not resident until touched: mmap. */
	s->procs_bytes = (size_t)s->cap * sizeof(struct bl_proc);
	s->procs = (struct bl_proc *)mmap(NULL, s->procs_bytes, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->procs == MAP_FAILED) {
		s->procs = NULL;
		goto fail;
	}
	/* Slots are taken from the never-used end until it is exhausted, so the
	 * table's pages become resident only as processes are spawned. */
	s->n_fresh = s->cap;
	rc = bl_chunk_pool_init(&s->chunks, or_default(cfg->chunk_size, BL_CHUNK_DEFAULT_SIZE),
				or_default(cfg->n_chunks, 4096));
	if (rc != 0)
		goto fail;
	rc = bl_msg_pool_init(&s->msgs, or_default(cfg->n_msgs, 16384));
	if (rc != 0)
		goto fail;
	s->n_timers = or_default(cfg->n_timers, 1024);
	s->timers = (struct bl_timer *)calloc(s->n_timers, sizeof(struct bl_timer));
	rc = -ENOMEM;
	if (s->timers == NULL)
		goto fail;
	for (i = s->n_timers; i-- > 0;) {
		s->timers[i].node.next = (struct bl_tnode *)s->free_timers;
		s->free_timers = &s->timers[i];
	}
	s->n_timers_free = s->n_timers;
	s->inbound = (struct rte_ring **)calloc(n_lcores, sizeof(struct rte_ring *));
	s->out = (struct bl_outbuf *)calloc(n_lcores, sizeof(struct bl_outbuf));
	if (s->inbound == NULL || s->out == NULL)
		goto fail;
	for (i = 0; i < n_lcores; i++) {
		snprintf(name, sizeof(name), "bl%hu.%hu.%x", (uint16_t)lcore_id, (uint16_t)i,
			 (uint32_t)(uintptr_t)s);
		s->inbound[i] = rte_ring_create_elem(name, sizeof(struct bl_xmsg), ring_size,
						     socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (s->inbound[i] == NULL) {
			rc = -rte_errno;
			goto fail;
		}
	}
	snprintf(name, sizeof(name), "blc%hu.%x", (uint16_t)lcore_id, (uint32_t)(uintptr_t)s);
	s->cmd =
	    rte_ring_create_elem(name, sizeof(struct bl_xmsg), cmd_size, socket, RING_F_SC_DEQ);
	if (s->cmd == NULL) {
		rc = -rte_errno;
		goto fail;
	}
	/* Crash records: this lcore produces, the control thread consumes. */
	snprintf(name, sizeof(name), "blx%hu.%x", (uint16_t)lcore_id, (uint32_t)(uintptr_t)s);
	s->crash = rte_ring_create_elem(name, sizeof(struct bl_crash), crash_size, socket,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (s->crash == NULL) {
		rc = -rte_errno;
		goto fail;
	}
	s->mbuf_pool = cfg->mbuf_pool;
	if (s->mbuf_pool == NULL) {
		snprintf(name, sizeof(name), "blm%hu.%x", (uint16_t)lcore_id,
			 (uint32_t)(uintptr_t)s);
		s->mbuf_pool =
		    rte_pktmbuf_pool_create(name, 1023, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
		if (s->mbuf_pool == NULL) {
			rc = -rte_errno;
			goto fail;
		}
		s->own_pool = true;
	}
	bl_wheel_init(&s->wheel, bl__now(s));
	s->idx = set->n++;
	set->by_idx[s->idx] = s;
	set->by_lcore[lcore_id] = s;
	return s;
fail:
	sched_free(s);
	errno = rc < 0 ? -rc : ENOMEM;
	return NULL;
}

/* Drop what a ring element holds without delivering it. */
static void xmsg_discard(struct bl_sched *s, const struct bl_xmsg *x)
{
	if (x->type == BL_X_EXEC)
		bl__handle_xmsg(s, x); /* a waiting requester still gets its answer */
	else if (x->m != NULL)
		rte_pktmbuf_free(x->m);
}

static unsigned drain_ring(struct bl_sched *s, struct rte_ring *r, bool discard)
{
	struct bl_xmsg xs[BL_RUN_BURST];
	unsigned n, i;

	n = rte_ring_sc_dequeue_burst_elem(r, xs, sizeof(struct bl_xmsg), BL_RUN_BURST, NULL);
	for (i = 0; i < n; i++) {
		if (discard)
			xmsg_discard(s, &xs[i]);
		else
			bl__handle_xmsg(s, &xs[i]);
	}
	return n;
}

void bl__outbuf_flush(struct bl_sched *s, struct bl_sched *d, struct bl_outbuf *ob)
{
	unsigned k;

	k = rte_ring_sp_enqueue_burst_elem(d->inbound[s->idx], ob->x, sizeof(struct bl_xmsg), ob->n,
					   NULL);
	if (k != 0 && k < ob->n)
		memmove(ob->x, ob->x + k, (ob->n - k) * sizeof(struct bl_xmsg));
	ob->n -= k;
}

/* Drop whatever is buffered towards receiver idx (it is gone). */
static void outbuf_drop(struct bl_sched *s, struct bl_outbuf *ob, uint64_t reason)
{
	uint32_t i;

	for (i = 0; i < ob->n; i++) {
		if (ob->x[i].m != NULL)
			rte_pktmbuf_free(ob->x[i].m);
		s->drops[reason]++;
	}
	ob->n = 0;
}

void bl_sched_flush(struct bl_sched *s)
{
	uint32_t i;

	for (i = 0; i < s->n_lcores; i++) {
		struct bl_outbuf *ob = &s->out[i];
		struct bl_sched *d;

		if (ob->n == 0)
			continue;
		d = s->set->by_idx[i];
		if (d == NULL)
			outbuf_drop(s, ob, BL_SDROP_UNKNOWN_LCORE);
		else
			bl__outbuf_flush(s, d, ob);
	}
}

void bl_sched_destroy(struct bl_sched *s)
{
	uint32_t i;

	if (s == NULL)
		return;
	/* Take in what is already queued, then shut every process down in turns. */
	while (drain_ring(s, s->cmd, false) != 0)
		;
	for (i = 0; i < s->n_lcores; i++)
		while (drain_ring(s, s->inbound[i], false) != 0)
			;
	/* terminate callbacks may spawn: repeat until the table is empty. */
	while (s->n_live != 0) {
		for (i = 0; i < s->cap; i++) {
			struct bl_proc *p = &s->procs[i];

			if (p->status != BL_PROC_FREE)
				bl__proc_mark_exit(s, p, bl_reason_make(BL_EXIT_SHUTDOWN));
		}
		while (s->runq_head != NULL) {
			struct bl_proc *p = s->runq_head;

			s->runq_head = p->runq_next;
			if (s->runq_head == NULL)
				s->runq_tail = NULL;
			s->runq_len--;
			/* Processes woken by the shutdown exit too, whatever they trap. */
			if (!(p->flags & BL_PF_EXIT_PENDING))
				bl__proc_mark_exit(s, p, bl_reason_make(BL_EXIT_SHUTDOWN));
			p->flags &= ~BL_PF_RUNQ;
			bl__proc_teardown(s, p, true);
		}
	}
	bl_sched_flush(s);
	for (i = 0; i < s->n_lcores; i++)
		outbuf_drop(s, &s->out[i], BL_SDROP_RING_FULL);
	s->set->by_lcore[s->lcore] = NULL;
	s->set->by_idx[s->idx] = NULL;
	while (drain_ring(s, s->cmd, true) != 0)
		;
	for (i = 0; i < s->n_lcores; i++)
		while (drain_ring(s, s->inbound[i], true) != 0)
			;
	sched_free(s);
}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: sched invariant broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                            \
			return -EFAULT;                                                            \
		}                                                                                  \
	} while (0)

int bl_sched_check(struct bl_sched *s)
{
	uint64_t mbox = 0, pinned = 0;
	uint32_t i, live = 0, queued = 0, n = 0, used = s->cap - s->n_fresh;
	const struct bl_proc *p;
	const struct bl_chunk *c;
	const struct bl_msg *m;

	for (p = s->runq_head; p != NULL; p = p->runq_next) {
		CHECK(++n <= s->cap); /* no cycle */
		CHECK(p->flags & BL_PF_RUNQ);
		CHECK(p->status != BL_PROC_FREE && p->status != BL_PROC_RUNNING);
		CHECK(p->runq_next != NULL || p == s->runq_tail);
	}
	CHECK(n == s->runq_len);
	for (i = 0; i < used; i++) {
		uint32_t len = 0;

		p = &s->procs[i];
		if (p->status == BL_PROC_FREE)
			continue;
		live++;
		queued += (p->flags & BL_PF_RUNQ) != 0;
		for (m = p->mbox.head; m != NULL; m = m->next) {
			CHECK(++len <= p->mbox.len);
			CHECK(m->next != NULL || m == p->mbox.tail);
			if (m->bin.m != NULL)
				pinned += bl_bin_pin_size(m->bin.m);
		}
		CHECK(len == p->mbox.len);
		mbox += len;
	}
	for (i = 0; i < used; i++) {
		const struct bl_kbin *k;

		p = &s->procs[i];
		if (p->status == BL_PROC_FREE)
			continue;
		for (k = p->kept; k != NULL; k = k->next)
			if (k->bin.m != NULL)
				pinned += bl_bin_pin_size(k->bin.m);
	}
	CHECK(live == s->n_live);
	CHECK(queued == s->runq_len);
	CHECK(mbox == s->mbox_total);
	CHECK(pinned == s->pinned_total);
	for (n = 0, c = s->chunks.free; c != NULL; c = c->next)
		CHECK(++n <= s->chunks.n_chunks);
	CHECK(n + s->chunks.n_fresh == s->chunks.n_free);
	for (n = 0, m = s->msgs.free; m != NULL; m = m->next)
		CHECK(++n <= s->msgs.n);
	CHECK(n + s->msgs.n_fresh == s->msgs.n_free);
	return 0;
}

unsigned bl_sched_run(struct bl_sched *s, unsigned max_turns)
{
	unsigned work = 0, t;
	uint64_t handled = s->handled;
	uint32_t i;

	s->in_run = true;
	work += drain_ring(s, s->cmd, false);
	for (i = 0; i < s->n_lcores; i++)
		work += drain_ring(s, s->inbound[i], false);
	/* The clock is read only when a timer may be due: processes without
	 * timers never pay for it (turns stamp last_active only when needed). */
	if (s->wheel.armed != 0)
		work += bl_wheel_advance(&s->wheel, bl__now(s), bl__timer_fire, s);
	for (t = 0; t < max_turns && s->runq_head != NULL; t++) {
		struct bl_proc *p = s->runq_head;

		s->runq_head = p->runq_next;
		if (s->runq_head == NULL)
			s->runq_tail = NULL;
		s->runq_len--;
		bl__proc_turn(s, p);
	}
	bl_sched_flush(s);
	s->now_fresh = false; /* the next run reads the clock again */
	s->in_run = false;
#ifdef BL_CHECK_EXPENSIVE
	if (bl_sched_check(s) != 0)
		rte_panic("%s:%d: scheduler of lcore %u is corrupt\n", __FILE__, __LINE__,
			  s->lcore);
#endif
	return work + (unsigned)(s->handled - handled);
}

/* --- any thread --- */

static uint64_t elapsed_ms(uint64_t start)
{
	return (rte_get_timer_cycles() - start) * 1000 / rte_get_timer_hz();
}

int bl_sched_exec(struct bl_sched *s, void (*fn)(struct bl_sched *s, void *arg), void *arg,
		  unsigned timeout_ms)
{
	struct bl_exec *e = (struct bl_exec *)malloc(sizeof(*e));
	uint64_t start = rte_get_timer_cycles();
	struct bl_xmsg x;
	unsigned spins = 0;

	if (e == NULL)
		return -ENOMEM;
	e->fn = fn;
	e->arg = arg;
	e->state = BL_EXEC_PENDING;
	bl__xmsg_init(&x, BL_X_EXEC, 0, 0, 0);
	x.ptr = e;
	if (rte_ring_mp_enqueue_elem(s->cmd, &x, sizeof(x)) != 0) {
		free(e);
		return -ENOBUFS;
	}
	for (;;) {
		/* Pairs with the release store of DONE in exec_run. */
		int st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);

		if (st == BL_EXEC_DONE) {
			free(e);
			return 0;
		}
		if (st == BL_EXEC_PENDING && timeout_ms != 0 && elapsed_ms(start) >= timeout_ms) {
			int expected = BL_EXEC_PENDING;

			/* Pairs with the lcore's CAS in exec_run: exactly one wins. */
			if (__atomic_compare_exchange_n(&e->state, &expected, BL_EXEC_CANCELLED,
							false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return -ETIMEDOUT; /* the lcore frees e */
		}
		if (++spins < 1000)
			rte_pause();
		else
			usleep(50);
	}
}

struct spawn_req {
	const struct bl_behaviour *beh;
	void *arg;
	const struct bl_spawn_opts *opts;
	uint64_t pid;
	int err;
};

static void spawn_fn(struct bl_sched *s, void *arg)
{
	struct spawn_req *r = (struct spawn_req *)arg;

	r->pid = bl_proc_spawn(s, r->beh, r->arg, r->opts);
	r->err = r->pid == BL_PID_NONE ? errno : 0;
}

uint64_t bl_sched_spawn_on(struct bl_sched *s, const struct bl_behaviour *beh, void *arg,
			   const struct bl_spawn_opts *opts, unsigned timeout_ms)
{
	struct spawn_req r = { beh, arg, opts, BL_PID_NONE, 0 };
	int rc = bl_sched_exec(s, spawn_fn, &r, timeout_ms);

	if (rc != 0) {
		errno = -rc;
		return BL_PID_NONE;
	}
	if (r.pid == BL_PID_NONE)
		errno = r.err;
	return r.pid;
}

int bl_sched_post(struct bl_sched *s, uint64_t dst, uint64_t key, const void *data, uint32_t len)
{
	struct rte_mbuf *m = NULL;
	struct bl_xmsg x;

	if (bl_pid_lcore(dst) != s->lcore || (data == NULL && len != 0))
		return -EINVAL;
	if (len != 0) {
		m = rte_pktmbuf_alloc(s->mbuf_pool);
		if (m == NULL)
			return -ENOBUFS;
		if (len > rte_pktmbuf_tailroom(m)) {
			rte_pktmbuf_free(m);
			return -EMSGSIZE;
		}
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), data, len);
	}
	bl__xmsg_init(&x, BL_X_DATA, dst, BL_PID_NONE, key);
	x.m = m;
	x.len = len;
	if (rte_ring_mp_enqueue_elem(s->cmd, &x, sizeof(x)) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

int bl_sched_kill_on(struct bl_sched *s, uint64_t pid, struct bl_reason reason)
{
	struct bl_xmsg x;

	if (bl_pid_lcore(pid) != s->lcore)
		return -EINVAL;
	bl__xmsg_init(&x, BL_X_EXIT_SIGNAL, pid, BL_PID_NONE, 0);
	bl__xmsg_set_reason(&x, reason);
	if (rte_ring_mp_enqueue_elem(s->cmd, &x, sizeof(x)) != 0)
		return -ENOBUFS;
	return 0;
}
