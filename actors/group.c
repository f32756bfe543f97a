/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process groups on cds_lfht + RCU-published member arrays.
 *
 * Design note: a join or leave copies the member array (O(members)) and
 * publishes the copy; readers never wait and never see a half-written list.
 * Membership changes are control-plane events (spawn, supervisor restarts,
 * the periodic sweep), rare next to the per-message reads, so copy-on-write
 * costs nothing where it matters. We use cds_lfht for the name lookup (as the
 * registry does) rather than a second table type.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actors/group.h"
#include "actors/pid.h"
#include "actors/sched.h"

struct bl_groups {
	struct cds_lfht *ht;
	uint32_t max_groups;
	uint32_t max_members;
	uint32_t count;
};

static unsigned long group_hash(const char *name)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *name != '\0'; name++) {
		h ^= (uint8_t)*name;
		h *= UINT64_C(0x100000001b3);
	}
	return (unsigned long)h;
}

static int group_match(struct cds_lfht_node *node, const void *key)
{
	return strcmp(caa_container_of(node, struct bl_group, node)->name, key) == 0;
}

struct bl_groups *bl_groups_create(uint32_t max_groups, uint32_t max_members)
{
	struct bl_groups *gs;

	if (max_groups == 0 || max_members == 0) {
		errno = EINVAL;
		return NULL;
	}
	gs = calloc(1, sizeof(*gs));
	if (gs == NULL)
		return NULL;
	gs->ht = cds_lfht_new(64, 64, 0, CDS_LFHT_AUTO_RESIZE, NULL);
	if (gs->ht == NULL) {
		free(gs);
		errno = ENOMEM;
		return NULL;
	}
	gs->max_groups = max_groups;
	gs->max_members = max_members;
	return gs;
}

static void members_free_rcu(struct rcu_head *head)
{
	free(caa_container_of(head, struct bl_members, rcu));
}

void bl_groups_destroy(struct bl_groups *gs)
{
	struct cds_lfht_iter it;
	struct bl_group *g;

	if (gs == NULL)
		return;
	synchronize_rcu(); /* no reader holds a member list or group any more */
	cds_lfht_for_each_entry (gs->ht, &it, g, node) {
		cds_lfht_del(gs->ht, &g->node);
		free(g->members);
		free(g);
	}
	cds_lfht_destroy(gs->ht, NULL);
	free(gs);
}

struct bl_group *bl_group_find(struct bl_groups *gs, const char *name)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	if (!bl_registry_name_ok(name, BL_NAME_MAX))
		return NULL;
	cds_lfht_lookup(gs->ht, group_hash(name), group_match, name, &it);
	node = cds_lfht_iter_get_node(&it);
	return node != NULL ? caa_container_of(node, struct bl_group, node) : NULL;
}

struct bl_group *bl_group_get(struct bl_groups *gs, const char *name)
{
	struct bl_group *g;

	if (!bl_registry_name_ok(name, BL_NAME_MAX)) {
		errno = EINVAL;
		return NULL;
	}
	g = bl_group_find(gs, name);
	if (g != NULL)
		return g;
	if (gs->count >= gs->max_groups) {
		errno = ENOSPC;
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	snprintf(g->name, sizeof(g->name), "%s", name);
	cds_lfht_add(gs->ht, group_hash(name), &g->node);
	__atomic_store_n(&gs->count, gs->count + 1, __ATOMIC_RELAXED);
	return g;
}

/* Publish a copy of g's members with `add` appended (if not NONE) and every
 * member for which drop(arg, pid) is true left out. */
static int republish(struct bl_group *g, uint64_t add, int (*drop)(void *arg, uint64_t pid),
		     void *arg, unsigned *dropped)
{
	const struct bl_members *old = g->members;
	uint32_t n_old = old != NULL ? old->n : 0, i, n = 0;
	struct bl_members *m;

	m = malloc(sizeof(*m) + sizeof(uint64_t) * (n_old + 1));
	if (m == NULL)
		return -ENOMEM;
	for (i = 0; i < n_old; i++) {
		if (drop != NULL && drop(arg, old->pid[i])) {
			(*dropped)++;
			continue;
		}
		m->pid[n++] = old->pid[i];
	}
	if (add != BL_PID_NONE)
		m->pid[n++] = add;
	m->n = n;
	m->pad = 0;
	if (n == 0) {
		free(m);
		m = NULL;
	}
	rcu_assign_pointer(g->members, m);
	if (old != NULL)
		call_rcu((struct rcu_head *)&old->rcu, members_free_rcu);
	return 0;
}

int bl_group_join(struct bl_groups *gs, const char *name, uint64_t pid)
{
	struct bl_group *g;
	const struct bl_members *m;
	uint32_t i;
	int rc;

	if (pid == BL_PID_NONE)
		return -EINVAL;
	g = bl_group_get(gs, name);
	if (g == NULL)
		return -errno;
	m = g->members;
	if (m != NULL) {
		for (i = 0; i < m->n; i++)
			if (m->pid[i] == pid)
				return -EEXIST;
		if (m->n >= gs->max_members)
			return -ENOSPC;
	}
	rc = republish(g, pid, NULL, NULL, NULL);
	if (rc == 0)
		g->joins++;
	return rc;
}

static int is_pid(void *arg, uint64_t pid)
{
	return pid == *(const uint64_t *)arg;
}

int bl_group_leave(struct bl_groups *gs, const char *name, uint64_t pid)
{
	struct bl_group *g = bl_group_find(gs, name);
	unsigned dropped = 0;
	int rc;

	if (g == NULL)
		return -ENOENT;
	rc = republish(g, BL_PID_NONE, is_pid, &pid, &dropped);
	if (rc != 0)
		return rc;
	if (dropped == 0)
		return -ENOENT;
	g->leaves++;
	return 0;
}

int bl_pid_alive(const struct bl_sched_set *set, uint64_t pid)
{
	const struct bl_sched *s;
	const struct bl_proc *p;
	uint32_t slot = bl_pid_slot(pid);
	uint8_t st;

	if (pid == BL_PID_NONE)
		return 0;
	s = set->by_lcore[bl_pid_lcore(pid) % RTE_MAX_LCORE];
	if (s == NULL || slot >= s->cap)
		return 0;
	p = &s->procs[slot];
	st = __atomic_load_n(&p->status, __ATOMIC_RELAXED);
	return __atomic_load_n(&p->pid, __ATOMIC_RELAXED) == pid && st != BL_PROC_FREE &&
	       st != BL_PROC_EXITING;
}

static int is_dead(void *arg, uint64_t pid)
{
	return !bl_pid_alive(arg, pid);
}

unsigned bl_groups_sweep(struct bl_groups *gs, const struct bl_sched_set *set)
{
	struct cds_lfht_iter it;
	struct bl_group *g;
	unsigned total = 0;

	cds_lfht_for_each_entry (gs->ht, &it, g, node) {
		const struct bl_members *m = g->members;
		unsigned dropped = 0;
		uint32_t i;
		int any = 0;

		if (m == NULL)
			continue;
		for (i = 0; i < m->n && !any; i++)
			any = is_dead((void *)set, m->pid[i]);
		if (!any)
			continue;
		if (republish(g, BL_PID_NONE, is_dead, (void *)set, &dropped) == 0) {
			g->leaves += dropped;
			total += dropped;
		}
	}
	return total;
}

int bl_groups_foreach(struct bl_groups *gs, int (*fn)(void *arg, const struct bl_group *g),
		      void *arg)
{
	struct cds_lfht_iter it;
	struct bl_group *g;
	int rc;

	cds_lfht_for_each_entry (gs->ht, &it, g, node) {
		rc = fn(arg, g);
		if (rc != 0)
			return rc;
	}
	return 0;
}

uint32_t bl_groups_count(const struct bl_groups *gs)
{
	return __atomic_load_n(&gs->count, __ATOMIC_RELAXED);
}
