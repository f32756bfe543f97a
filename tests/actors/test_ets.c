/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared tables (ETS): set and bag, access, bounds, heirs and give-away
 * (on one lcore and across two), the owner's exit, and readers and public
 * writers on other threads while the table changes under them.
 *
 * The table calls take a handler's ctx; between turns the test thread owns
 * the schedulers, so it makes the ctx of a process itself and calls as that
 * process would. The test thread is a registered QSBR thread, as the
 * control thread and the lcores are.
 */
#include <pthread.h>
#include <urcu-qsbr.h>

#include "actors/ets.h"
#include "actors/internal.h"
#include "actors_test.h"

/* A process that remembers the tables it was given. */
struct holder {
	uint64_t transfers, last_tab, last_from;
	uint32_t gift_len;
	uint8_t gift[BL_ETS_GIFT_MAX];
};

static int holder_init(struct bl_ctx *c, void *arg)
{
	struct holder *h = bl_alloc(c, sizeof(*h));

	(void)arg;
	if (h == NULL)
		return -ENOMEM;
	memset(h, 0, sizeof(*h));
	bl_set_state(c, h);
	return 0;
}

static void holder_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct holder *h = bl_state(c);

	if (m->type != BL_MSG_ETS_TRANSFER)
		return;
	h->transfers++;
	h->last_tab = m->key;
	h->last_from = m->src;
	h->gift_len = bl_msg_len(m);
	memcpy(h->gift, bl_msg_data(m), h->gift_len);
}

static const struct bl_behaviour holder_beh = {
	.name = "holder",
	.init = holder_init,
	.handle_message = holder_msg,
};

struct ets_world {
	struct world *w;
	struct bl_ets *ets;
};

/* One scheduler, or two (the second with a made-up lcore id: the test
 * thread runs both in turn, so rings and signals cross for real). */
static struct ets_world ew_new(unsigned n)
{
	struct ets_world ew;
	struct bl_sched_config cfg;
	unsigned lc = rte_get_main_lcore();

	ew.ets = bl_ets_create(0);
	assert_non_null(ew.ets);
	memset(&cfg, 0, sizeof(cfg));
	cfg.ets = ew.ets;
	if (n == 1) {
		ew.w = world_new(1, &cfg, false);
		return ew;
	}
	ew.w = calloc(1, sizeof(*ew.w));
	assert_non_null(ew.w);
	bl_sched_set_init(&ew.w->set);
	ew.w->pool = rte_pktmbuf_pool_create("ets_tp", 255, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM,
					     (int)rte_socket_id());
	assert_non_null(ew.w->pool);
	cfg.set = &ew.w->set;
	cfg.clock_ms = world_clock;
	cfg.clock_arg = ew.w;
	ew.w->s[0] = bl_sched_create(lc, 2, &cfg);
	ew.w->s[1] = bl_sched_create(lc + 1, 2, &cfg);
	assert_non_null(ew.w->s[0]);
	assert_non_null(ew.w->s[1]);
	return ew;
}

static void ew_settle(struct ets_world *ew)
{
	for (unsigned round = 0; round < 4; round++)
		for (unsigned i = 0; i < 2; i++)
			if (ew->w->s[i] != NULL)
				world_settle(ew->w->s[i]);
	rcu_quiescent_state();
}

static void ew_free(struct ets_world *ew)
{
	struct bl_ets_totals t;

	world_free(ew->w); /* every owner exits: its tables go */
	bl_ets_totals_get(ew->ets, &t);
	assert_int_equal(t.tables, 0);
	bl_ets_destroy(ew->ets);
}

static uint64_t spawn_on(struct bl_sched *s)
{
	uint64_t pid = bl_proc_spawn(s, &holder_beh, NULL, NULL);

	assert_int_not_equal(pid, BL_PID_NONE);
	return pid;
}

static struct bl_ctx ctx_of(struct bl_sched *s, uint64_t pid)
{
	struct bl_ctx c = { s, bl_proc_lookup(s, pid) };

	assert_non_null(c.p);
	return c;
}

static int collect(void *arg, const void *val, uint32_t len)
{
	char *out = arg;

	strncat(out, (const char *)val, len);
	strcat(out, ",");
	return 0;
}

static void test_set_and_bag(void **state)
{
	struct ets_world ew = ew_new(1);
	struct bl_sched *s = ew.w->s[0];
	uint64_t a = spawn_on(s);
	struct bl_ctx c = ctx_of(s, a);
	struct bl_ets_opts bag = { .type = BL_ETS_BAG };
	struct bl_ets_info in;
	uint64_t set_t, bag_t, n;
	char buf[16], all[64];

	(void)state;
	set_t = bl_ets_new(&c, "prices", NULL);
	assert_int_not_equal(set_t, 0);
	assert_int_equal(bl_ets_whereis(&c, "prices"), set_t);
	assert_int_equal(bl_ets_find(ew.ets, "prices"), set_t);
	/* set: an insert replaces */
	assert_int_equal(bl_ets_insert(&c, set_t, "eur", 3, "1.08", 4), 0);
	assert_int_equal(bl_ets_insert(&c, set_t, "eur", 3, "1.09", 4), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(bl_ets_lookup(&c, set_t, "eur", 3, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "1.09");
	/* a short buffer gets the start, the length says how much there was */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(bl_ets_lookup(&c, set_t, "eur", 3, buf, 2), 4);
	assert_string_equal(buf, "1.");
	assert_int_equal(bl_ets_lookup(&c, set_t, "gbp", 3, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(bl_ets_info(&c, set_t, &in), 0);
	assert_int_equal(in.entries, 1);
	assert_int_equal(in.bytes, 40 + 3 + 4);
	assert_int_equal(in.owner, a);
	assert_string_equal(in.name, "prices");
	assert_int_equal(bl_ets_delete(&c, set_t, "eur", 3), 1);
	assert_int_equal(bl_ets_delete(&c, set_t, "eur", 3), 0);
	assert_int_equal(bl_ets_lookup(&c, set_t, "eur", 3, buf, sizeof(buf)), -ENOENT);
	/* counters */
	assert_int_equal(bl_ets_update_counter(&c, set_t, "n", 1, 5, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(bl_ets_update_counter(&c, set_t, "n", 1, -2, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(bl_ets_insert(&c, set_t, "s", 1, "abc", 3), 0);
	assert_int_equal(bl_ets_update_counter(&c, set_t, "s", 1, 1, &n), -EINVAL);
	/* bag: distinct values per key, in insertion order */
	bag_t = bl_ets_new(&c, "subs", &bag);
	assert_int_not_equal(bag_t, 0);
	assert_int_equal(bl_ets_insert(&c, bag_t, "k", 1, "a", 1), 0);
	assert_int_equal(bl_ets_insert(&c, bag_t, "k", 1, "b", 1), 0);
	assert_int_equal(bl_ets_insert(&c, bag_t, "k", 1, "a", 1), 1);
	assert_int_equal(bl_ets_insert(&c, bag_t, "j", 1, "a", 1), 0);
	all[0] = '\0';
	assert_int_equal(bl_ets_lookup_each(&c, bag_t, "k", 1, collect, all), 2);
	assert_string_equal(all, "a,b,");
	assert_int_equal(bl_ets_delete_object(&c, bag_t, "k", 1, "a", 1), 1);
	assert_int_equal(bl_ets_delete_object(&c, bag_t, "k", 1, "a", 1), 0);
	all[0] = '\0';
	assert_int_equal(bl_ets_read(ew.ets, bag_t, "k", 1, collect, all), 1);
	assert_string_equal(all, "b,");
	assert_int_equal(bl_ets_update_counter(&c, bag_t, "k", 1, 1, NULL), -EINVAL);
	assert_int_equal(bl_ets_info(&c, bag_t, &in), 0);
	assert_int_equal(in.entries, 2);
	assert_int_equal(in.type, BL_ETS_BAG);
	/* bad input: refused, never a crash */
	assert_int_equal(bl_ets_insert(&c, set_t, NULL, 1, "x", 1), -EINVAL);
	assert_int_equal(bl_ets_insert(&c, set_t, "k", 0, "x", 1), -EINVAL);
	assert_int_equal(bl_ets_insert(&c, set_t, all, BL_ETS_KEY_MAX + 1, "x", 1), -EINVAL);
	assert_int_equal(bl_ets_insert(&c, set_t, "k", 1, NULL, 1), -EINVAL);
	assert_int_equal(bl_ets_insert(&c, set_t, "k", 1, all, BL_ETS_VALUE_MAX + 1), -EINVAL);
	assert_int_equal(bl_ets_lookup(&c, set_t, "k", 1, NULL, 4), -EINVAL);
	assert_int_equal(bl_ets_insert(&c, 12345, "k", 1, "x", 1), -EBADF);
	assert_int_equal(bl_ets_lookup(&c, 0, "k", 1, buf, 4), -EBADF);
	assert_int_equal(bl_ets_new(&c, "prices", NULL), 0);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(bl_ets_new(&c, "bad name", NULL), 0);
	assert_int_equal(errno, EINVAL);
	bag.type = 7;
	assert_int_equal(bl_ets_new(&c, "odd", &bag), 0);
	assert_int_equal(errno, EINVAL);
	bag.type = BL_ETS_SET;
	bag.heir = a;
	assert_int_equal(bl_ets_new(&c, "selfish", &bag), 0);
	assert_int_equal(errno, EINVAL);
	/* deleting the table: the id goes stale, the name is free again */
	assert_int_equal(bl_ets_delete_table(&c, bag_t), 0);
	assert_int_equal(bl_ets_lookup(&c, bag_t, "k", 1, buf, 4), -EBADF);
	assert_int_equal(bl_ets_delete_table(&c, bag_t), -EBADF);
	assert_int_equal(bl_ets_whereis(&c, "subs"), 0);
	bag_t = bl_ets_new(&c, "subs", NULL);
	assert_int_not_equal(bag_t, 0);
	ew_free(&ew);
}

static void test_access(void **state)
{
	struct ets_world ew = ew_new(1);
	struct bl_sched *s = ew.w->s[0];
	uint64_t a = spawn_on(s), b = spawn_on(s);
	struct bl_ctx ca = ctx_of(s, a), cb = ctx_of(s, b);
	struct bl_ets_opts pub = { .access = BL_ETS_PUBLIC };
	struct bl_ets_opts priv = { .access = BL_ETS_PRIVATE };
	uint64_t prot_t, pub_t, priv_t, v = 0;
	struct bl_ets_info in;
	char all[16];

	(void)state;
	prot_t = bl_ets_new(&ca, "prot", NULL);
	pub_t = bl_ets_new(&ca, "pub", &pub);
	priv_t = bl_ets_new(&ca, "priv", &priv);
	assert_true(prot_t != 0 && pub_t != 0 && priv_t != 0);
	/* protected: the owner writes, others read */
	assert_int_equal(bl_ets_insert(&ca, prot_t, "k", 1, "v", 1), 0);
	assert_int_equal(bl_ets_insert(&cb, prot_t, "k", 1, "w", 1), -EACCES);
	assert_int_equal(bl_ets_delete(&cb, prot_t, "k", 1), -EACCES);
	assert_int_equal(bl_ets_update_counter(&cb, prot_t, "c", 1, 1, NULL), -EACCES);
	assert_int_equal(bl_ets_lookup(&cb, prot_t, "k", 1, all, sizeof(all)), 1);
	/* public: anyone writes; only the owner deletes the table */
	assert_int_equal(bl_ets_insert(&cb, pub_t, "k", 1, "w", 1), 0);
	assert_int_equal(bl_ets_update_counter(&cb, pub_t, "c", 1, 2, &v), 0);
	assert_int_equal(bl_ets_update_counter(&ca, pub_t, "c", 1, 2, &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(bl_ets_delete_table(&cb, pub_t), -EACCES);
	assert_int_equal(bl_ets_give_away(&cb, pub_t, b, NULL, 0), -EINVAL);
	assert_int_equal(bl_ets_give_away(&cb, pub_t, a, NULL, 0), -EACCES);
	assert_int_equal(bl_ets_set_heir(&cb, pub_t, b, NULL, 0), -EINVAL);
	/* private: the owner alone, but anyone may ask for its figures */
	assert_int_equal(bl_ets_insert(&ca, priv_t, "k", 1, "v", 1), 0);
	assert_int_equal(bl_ets_lookup(&cb, priv_t, "k", 1, all, sizeof(all)), -EACCES);
	assert_int_equal(bl_ets_lookup_each(&cb, priv_t, "k", 1, collect, all), -EACCES);
	assert_int_equal(bl_ets_read(ew.ets, priv_t, "k", 1, collect, all), -EACCES);
	assert_int_equal(bl_ets_lookup(&ca, priv_t, "k", 1, all, sizeof(all)), 1);
	assert_int_equal(bl_ets_info(&cb, priv_t, &in), 0);
	assert_int_equal(in.entries, 1);
	assert_int_equal(in.access, BL_ETS_PRIVATE);
	/* a scheduler without tables says so */
	s->ets = NULL;
	assert_int_equal(bl_ets_new(&ca, "none", NULL), 0);
	assert_int_equal(errno, ENOTSUP);
	s->ets = ew.ets;
	ew_free(&ew);
}

static void test_bounds(void **state)
{
	struct ets_world ew = ew_new(1);
	struct bl_sched *s = ew.w->s[0];
	uint64_t a = spawn_on(s);
	struct bl_ctx c = ctx_of(s, a);
	struct bl_ets_opts few = { .max_entries = 4 };
	struct bl_ets_opts small = { .max_bytes = 100 };
	struct bl_ets_totals tot;
	struct bl_ets_info in;
	uint64_t t, u;
	char big[64];

	(void)state;
	t = bl_ets_new(&c, "few", &few);
	assert_int_not_equal(t, 0);
	for (uint64_t k = 0; k < 4; k++)
		assert_int_equal(bl_ets_insert(&c, t, &k, 8, "v", 1), 0);
	u = 4;
	assert_int_equal(bl_ets_insert(&c, t, &u, 8, "v", 1), -ENOSPC);
	assert_int_equal(bl_ets_update_counter(&c, t, &u, 8, 1, NULL), -ENOSPC);
	u = 0; /* replacing at the bound is no new entry */
	assert_int_equal(bl_ets_insert(&c, t, &u, 8, "vv", 2), 0);
	assert_int_equal(bl_ets_info(&c, t, &in), 0);
	assert_int_equal(in.entries, 4);
	assert_int_equal(in.refused, 2);
	/* after a delete there is room again */
	assert_int_equal(bl_ets_delete(&c, t, &u, 8), 1);
	u = 4;
	assert_int_equal(bl_ets_insert(&c, t, &u, 8, "v", 1), 0);
	/* bytes: 40 + key + value each */
	t = bl_ets_new(&c, "small", &small);
	assert_int_not_equal(t, 0);
	memset(big, 'x', sizeof(big));
	assert_int_equal(bl_ets_insert(&c, t, "a", 1, big, 50), 0); /* 91 */
	assert_int_equal(bl_ets_insert(&c, t, "b", 1, big, 1), -EDQUOT);
	assert_int_equal(bl_ets_insert(&c, t, "a", 1, big, 59), 0); /* 100: the bound */
	assert_int_equal(bl_ets_insert(&c, t, "a", 1, big, 60), -EDQUOT);
	assert_int_equal(bl_ets_insert(&c, t, "a", 1, big, 10), 0);
	assert_int_equal(bl_ets_info(&c, t, &in), 0);
	assert_int_equal(in.bytes, 51);
	assert_int_equal(in.refused, 2);
	bl_ets_totals_get(ew.ets, &tot);
	assert_int_equal(tot.tables, 2);
	assert_int_equal(tot.entries, 5);
	assert_int_equal(tot.refused, 4);
	assert_true(tot.memory > tot.bytes);
	/* bounds out of range */
	few.max_entries = BL_ETS_ENTRIES_MAX + 1;
	assert_int_equal(bl_ets_new(&c, "huge", &few), 0);
	assert_int_equal(errno, EINVAL);
	/* the table limit of the registry */
	for (unsigned i = 0; i < BL_ETS_TABLES_DEFAULT - 2; i++) {
		char name[16];

		snprintf(name, sizeof(name), "t%u", i);
		assert_int_not_equal(bl_ets_new(&c, name, NULL), 0);
	}
	assert_int_equal(bl_ets_new(&c, "onetoomany", NULL), 0);
	assert_int_equal(errno, ENOSPC);
	ew_free(&ew);
}

/* The owner exits: its tables go, stale ids say so, nothing leaks (ASan). */
static void test_owner_exit(void **state)
{
	struct ets_world ew = ew_new(1);
	struct bl_sched *s = ew.w->s[0];
	uint64_t a = spawn_on(s), b = spawn_on(s);
	struct bl_ctx ca = ctx_of(s, a), cb = ctx_of(s, b);
	struct bl_ets_opts pub = { .access = BL_ETS_PUBLIC };
	struct bl_ets_totals tot;
	uint64_t t, t2;
	char v[100];

	(void)state;
	t = bl_ets_new(&ca, "mine", &pub);
	t2 = bl_ets_new(&ca, "also", NULL);
	memset(v, 'v', sizeof(v));
	for (uint64_t k = 0; k < 1000; k++)
		assert_int_equal(bl_ets_insert(&cb, t, &k, 8, v, sizeof(v)), 0);
	bl_ets_totals_get(ew.ets, &tot);
	assert_int_equal(tot.tables, 2);
	assert_int_equal(tot.entries, 1000);
	assert_int_equal(bl_proc_kill(s, a, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	ew_settle(&ew);
	bl_ets_totals_get(ew.ets, &tot);
	assert_int_equal(tot.tables, 0);
	assert_int_equal(tot.entries, 0);
	cb = ctx_of(s, b);
	assert_int_equal(bl_ets_insert(&cb, t, "k", 1, "v", 1), -EBADF);
	assert_int_equal(bl_ets_lookup(&cb, t2, "k", 1, v, 1), -EBADF);
	assert_int_equal(bl_ets_whereis(&cb, "mine"), 0);
	ew_free(&ew);
}

/* Heirs and give_away on one lcore (n 1) or across two (n 2). */
static void heir_case(unsigned n)
{
	struct ets_world ew = ew_new(n);
	struct bl_sched *sa = ew.w->s[0], *sb = ew.w->s[n - 1];
	uint64_t a = spawn_on(sa), b = spawn_on(sb), d = spawn_on(sb);
	struct bl_ctx ca = ctx_of(sa, a), cb;
	struct bl_ets_opts o = { .heir = b, .heir_data = "hi", .heir_len = 2 };
	struct bl_ets_info in;
	struct holder *h;
	uint64_t t, t2;

	t = bl_ets_new(&ca, "inherited", &o);
	assert_int_not_equal(t, 0);
	assert_int_equal(bl_ets_insert(&ca, t, "k", 1, "v", 1), 0);
	/* an heir that is gone by then takes the table with it */
	o.heir = d;
	o.heir_len = 0;
	t2 = bl_ets_new(&ca, "orphan", &o);
	assert_int_not_equal(t2, 0);
	assert_int_equal(bl_proc_kill(sb, d, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	ew_settle(&ew);
	assert_int_equal(bl_proc_kill(sa, a, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	ew_settle(&ew);
	cb = ctx_of(sb, b);
	h = bl_state(&cb);
	assert_int_equal(h->transfers, 1);
	assert_int_equal(h->last_tab, t);
	assert_int_equal(h->last_from, a);
	assert_int_equal(h->gift_len, 2);
	assert_memory_equal(h->gift, "hi", 2);
	assert_int_equal(bl_ets_info(&cb, t, &in), 0);
	assert_int_equal(in.owner, b);
	assert_int_equal(in.heir, BL_PID_NONE); /* inherited once */
	assert_int_equal(in.entries, 1);
	assert_int_equal(bl_ets_insert(&cb, t, "k2", 2, "v", 1), 0);
	assert_int_equal(bl_ets_info_of(ew.ets, t2, &in), -EBADF);
	/* give_away back to a new process on the first lcore, with a gift */
	a = spawn_on(sa);
	assert_int_equal(bl_ets_give_away(&cb, t, a, "gift", 4), 0);
	assert_int_equal(bl_ets_insert(&cb, t, "k3", 2, "v", 1), -EACCES); /* not b's */
	ew_settle(&ew);
	ca = ctx_of(sa, a);
	h = bl_state(&ca);
	assert_int_equal(h->transfers, 1);
	assert_int_equal(h->last_from, b);
	assert_memory_equal(h->gift, "gift", 4);
	assert_int_equal(bl_ets_insert(&ca, t, "k3", 2, "v", 1), 0);
	assert_int_equal(bl_ets_info(&ca, t, &in), 0);
	assert_int_equal(in.owner, a);
	assert_int_equal(in.entries, 3);
	/* to a dead pid on the giver's lcore: refused, nothing changes */
	d = spawn_on(sa);
	assert_int_equal(bl_proc_kill(sa, d, bl_reason_make(BL_EXIT_SHUTDOWN)), 0);
	ew_settle(&ew);
	ca = ctx_of(sa, a);
	assert_int_equal(bl_ets_give_away(&ca, t, d, NULL, 0), -ESRCH);
	/* set_heir, then the owner goes: the heir has it */
	assert_int_equal(bl_ets_set_heir(&ca, t, b, "again", 5), 0);
	assert_int_equal(bl_proc_kill(sa, a, bl_reason_make(BL_EXIT_KILL)), 0);
	ew_settle(&ew);
	cb = ctx_of(sb, b);
	assert_int_equal(bl_ets_info(&cb, t, &in), 0);
	assert_int_equal(in.owner, b);
	assert_int_equal(((struct holder *)bl_state(&cb))->transfers, 2);
	/* given to its own heir: the new owner is no heir of itself */
	d = spawn_on(sa);
	assert_int_equal(bl_ets_set_heir(&cb, t, d, NULL, 0), 0);
	assert_int_equal(bl_ets_give_away(&cb, t, d, NULL, 0), 0);
	ew_settle(&ew);
	assert_int_equal(bl_ets_info_of(ew.ets, t, &in), 0);
	assert_int_equal(in.owner, d);
	assert_int_equal(in.heir, BL_PID_NONE);
	ew_free(&ew);
}

static void test_heir_one_lcore(void **state)
{
	(void)state;
	heir_case(1);
}

static void test_heir_two_lcores(void **state)
{
	(void)state;
	heir_case(2);
}

/*
 * A reader on another thread looks keys up while the owner replaces and
 * deletes them: every value it sees is one the owner wrote, whole (each
 * 64-byte value is one byte repeated, its version); under ASan a read of
 * a freed entry would stop the test.
 */
#define RD_KEYS 64u

struct rd {
	struct bl_ets *ets;
	uint64_t tab;
	volatile int stop;
	uint64_t reads, hits, bad;
};

static int rd_check(void *arg, const void *val, uint32_t len)
{
	struct rd *r = arg;
	const uint8_t *b = val;

	r->hits++;
	if (len != 64) {
		r->bad++;
		return 1;
	}
	for (uint32_t i = 1; i < len; i++)
		if (b[i] != b[0])
			r->bad++;
	return 0;
}

static void *rd_main(void *arg)
{
	struct rd *r = arg;

	rcu_register_thread();
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		for (uint64_t k = 0; k < RD_KEYS; k++) {
			(void)bl_ets_read(r->ets, r->tab, &k, sizeof(k), rd_check, r);
			r->reads++;
		}
		rcu_quiescent_state(); /* what an lcore's loop does */
	}
	rcu_unregister_thread();
	return NULL;
}

static void test_concurrent_reader(void **state)
{
	struct ets_world ew = ew_new(1);
	struct bl_sched *s = ew.w->s[0];
	uint64_t a = spawn_on(s);
	struct bl_ctx c = ctx_of(s, a);
	struct rd r = { 0 };
	pthread_t th;
	uint8_t v[64];

	(void)state;
	r.ets = ew.ets;
	r.tab = bl_ets_new(&c, "hot", NULL);
	assert_int_not_equal(r.tab, 0);
	assert_int_equal(pthread_create(&th, NULL, rd_main, &r), 0);
	for (unsigned round = 0; round < 3000; round++) {
		memset(v, (int)(round & 0xff), sizeof(v));
		for (uint64_t k = 0; k < RD_KEYS; k++) {
			if ((k + round) % 5 == 0)
				assert_true(bl_ets_delete(&c, r.tab, &k, sizeof(k)) >= 0);
			else
				assert_int_equal(bl_ets_insert(&c, r.tab, &k, sizeof(k), v, 64), 0);
		}
		rcu_quiescent_state();
		if (round % 100 == 0)
			sched_yield(); /* on one CPU, let the reader in */
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	rcu_thread_offline(); /* the reader's last grace period needs none of us */
	assert_int_equal(pthread_join(th, NULL), 0);
	rcu_thread_online();
	assert_int_equal(r.bad, 0);
	assert_true(r.reads > 0);
	ew_free(&ew);
}

/* Writers of a public table on two threads, one counter: no increment lost. */
#define PUB_INCS 20000u

struct pw {
	struct bl_ctx c;
	uint64_t tab;
	int errors;
};

static void *pw_main(void *arg)
{
	struct pw *w = arg;

	rcu_register_thread();
	for (unsigned i = 0; i < PUB_INCS; i++) {
		uint64_t k = i % 4;

		if (bl_ets_update_counter(&w->c, w->tab, &k, sizeof(k), 1, NULL) != 0)
			w->errors++;
		if (i % 256 == 0)
			rcu_quiescent_state();
	}
	rcu_unregister_thread();
	return NULL;
}

static void test_public_writers(void **state)
{
	struct ets_world ew = ew_new(2);
	uint64_t a = spawn_on(ew.w->s[0]), b = spawn_on(ew.w->s[1]);
	struct bl_ets_opts pub = { .access = BL_ETS_PUBLIC };
	struct pw wa = { .c = ctx_of(ew.w->s[0], a) }, wb = { .c = ctx_of(ew.w->s[1], b) };
	pthread_t ta, tb;
	uint64_t total = 0;

	(void)state;
	wa.tab = wb.tab = bl_ets_new(&wa.c, "shared", &pub);
	assert_int_not_equal(wa.tab, 0);
	rcu_thread_offline();
	assert_int_equal(pthread_create(&ta, NULL, pw_main, &wa), 0);
	assert_int_equal(pthread_create(&tb, NULL, pw_main, &wb), 0);
	assert_int_equal(pthread_join(ta, NULL), 0);
	assert_int_equal(pthread_join(tb, NULL), 0);
	rcu_thread_online();
	assert_int_equal(wa.errors + wb.errors, 0);
	for (uint64_t k = 0; k < 4; k++) {
		uint64_t n = 0;

		assert_int_equal(bl_ets_lookup(&wa.c, wa.tab, &k, sizeof(k), &n, sizeof(n)), 8);
		total += n;
	}
	assert_int_equal(total, 2 * PUB_INCS);
	ew_free(&ew);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_bag),
		cmocka_unit_test(test_access),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_owner_exit),
		cmocka_unit_test(test_heir_one_lcore),
		cmocka_unit_test(test_heir_two_lcores),
		cmocka_unit_test(test_concurrent_reader),
		cmocka_unit_test(test_public_writers),
	};
	int rc;

	if (actors_test_eal("ets", "0") != 0)
		return 1;
	rcu_register_thread(); /* as the control thread and the lcores are */
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rcu_unregister_thread();
	return rc;
}
