/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Supervisor specs (see sup.h): the name tables, checks of ids, names and
 * shutdown times, and the building, deep copy and release of specs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "actors/behaviours.h"
#include "actors/name.h"
#include "actors/sup.h"
#include "actors/internal.h"
#include "actors/sup_pvt.h"

const char *const bl_sup_strategy_names[BL_SUP_STRATEGY_MAX] = {
	"one_for_one",
	"one_for_all",
	"rest_for_one",
};

const char *const bl_sup_restart_names[BL_SUP_RESTART_MAX] = {
	"permanent",
	"transient",
	"temporary",
};

const char *const bl_sup_child_state_names[BL_SUP_CHILD_STATE_MAX] = {
	"stopped",
	"running",
	"stopping",
};

/* --- names and specs --- */

static bool shutdown_ok(uint32_t ms)
{
	return ms == BL_SUP_SHUTDOWN_BRUTAL || ms == BL_SUP_SHUTDOWN_INFINITY ||
	       ms <= BL_SUP_SHUTDOWN_MAX_MS;
}

/* The child alone (not its relation to its siblings). */
static int child_check(const struct bl_sup_child_spec *c, unsigned depth)
{
	if (!bl__sup_name_ok(c->id) || (bl__sup_name_set(c->name) && !bl__sup_name_ok(c->name)))
		return -EINVAL;
	if ((c->beh == NULL) == (c->sup == NULL))
		return -EINVAL; /* exactly one of worker or supervisor */
	if (c->beh != NULL && c->beh->handle_message == NULL)
		return -EINVAL;
	/* A supervisor child is given as a spec (sup), never as an arg blob. */
	if (bl_behaviour_same(c->beh, &bl_supervisor_behaviour))
		return -EINVAL;
	if (c->arg_len > BL_SUP_ARG_MAX || (c->arg_len != 0 && c->arg == NULL))
		return -EINVAL;
	if (c->restart >= BL_SUP_RESTART_MAX || !shutdown_ok(c->shutdown_ms))
		return -EINVAL;
	if (c->lcore != BL_SUP_LCORE_ANY && c->lcore >= RTE_MAX_LCORE)
		return -EINVAL;
	if (c->opts.overflow > BL_OVERFLOW_KILL + 1)
		return -EINVAL;
	if (c->sup != NULL) {
		if (depth >= BL_SUP_DEPTH_MAX)
			return -EINVAL;
		return bl__sup_spec_check(c->sup, depth + 1);
	}
	return 0;
}

/* Whether id or name of c is already used in spec (children [0, n)). */
static int sibling_clash(const struct bl_sup_spec *spec, uint32_t n,
			 const struct bl_sup_child_spec *c)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct bl_sup_child_spec *o = &spec->children[i];

		if (strncmp(o->id, c->id, BL_NAME_MAX) == 0)
			return -EEXIST;
		if (bl__sup_name_set(c->name) && strncmp(o->name, c->name, BL_NAME_MAX) == 0)
			return -EEXIST;
	}
	return 0;
}

int bl__sup_spec_check(const struct bl_sup_spec *spec, unsigned depth)
{
	uint32_t i;
	int rc;

	if (spec == NULL || !bl__sup_name_ok(spec->id) || spec->strategy >= BL_SUP_STRATEGY_MAX ||
	    spec->intensity > BL_SUP_INTENSITY_MAX || spec->n_children > BL_SUP_CHILDREN_MAX ||
	    (spec->n_children != 0 && spec->children == NULL))
		return -EINVAL;
	for (i = 0; i < spec->n_children; i++) {
		rc = child_check(&spec->children[i], depth);
		if (rc == 0)
			rc = sibling_clash(spec, i, &spec->children[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

bool bl__sup_spec_has_names(const struct bl_sup_spec *spec)
{
	uint32_t i;

	for (i = 0; i < spec->n_children; i++) {
		const struct bl_sup_child_spec *c = &spec->children[i];

		if (bl__sup_name_set(c->name) || (c->sup != NULL && bl__sup_spec_has_names(c->sup)))
			return true;
	}
	return false;
}

void bl__sup_child_free(struct bl_sup_child_spec *c)
{
	free((void *)(uintptr_t)c->arg);
	c->arg = NULL;
	if (c->sup != NULL) {
		bl_sup_spec_fini(c->sup);
		free(c->sup);
		c->sup = NULL;
	}
}

/* Deep copy; nested specs without a log inherit log. */
static int child_copy(struct bl_sup_child_spec *dst, const struct bl_sup_child_spec *src,
		      struct bl_crash_log *log)
{
	*dst = *src;
	dst->arg = NULL;
	dst->sup = NULL;
	if (src->arg_len != 0) {
		void *a = malloc(src->arg_len);

		if (a == NULL)
			return -ENOMEM;
		memcpy(a, src->arg, src->arg_len);
		dst->arg = a;
	}
	if (src->sup != NULL) {
		struct bl_sup_spec *s = (struct bl_sup_spec *)calloc(1, sizeof(*s));
		int rc;

		if (s == NULL) {
			bl__sup_child_free(dst);
			return -ENOMEM;
		}
		rc = bl__sup_spec_copy(s, src->sup, log);
		if (rc != 0) {
			free(s);
			bl__sup_child_free(dst);
			return rc;
		}
		dst->sup = s;
	}
	return 0;
}

int bl__sup_spec_copy(struct bl_sup_spec *dst, const struct bl_sup_spec *src,
		      struct bl_crash_log *log)
{
	uint32_t i;
	int rc;

	*dst = *src;
	if (dst->log == NULL)
		dst->log = log;
	dst->children = NULL;
	dst->n_children = 0;
	dst->cap = 0;
	if (src->n_children == 0)
		return 0;
	dst->children =
	    (struct bl_sup_child_spec *)calloc(src->n_children, sizeof(struct bl_sup_child_spec));
	if (dst->children == NULL)
		return -ENOMEM;
	dst->cap = src->n_children;
	for (i = 0; i < src->n_children; i++) {
		rc = child_copy(&dst->children[i], &src->children[i], dst->log);
		if (rc != 0) {
			bl_sup_spec_fini(dst);
			return rc;
		}
		dst->n_children++;
	}
	return 0;
}

int bl_sup_spec_init(struct bl_sup_spec *spec, const char *id, uint32_t strategy,
		     uint32_t intensity, uint32_t period_ms)
{
	if (spec == NULL)
		return -EINVAL;
	memset(spec, 0, sizeof(*spec));
	if (!bl__sup_name_ok(id) || strategy >= BL_SUP_STRATEGY_MAX ||
	    intensity > BL_SUP_INTENSITY_MAX)
		return -EINVAL;
	strcpy(spec->id, id);
	spec->strategy = strategy;
	spec->intensity = intensity;
	spec->period_ms = period_ms;
	return 0;
}

int bl_sup_child_spec_init(struct bl_sup_child_spec *c, const char *id,
			   const struct bl_behaviour *beh)
{
	if (c == NULL)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->lcore = BL_SUP_LCORE_ANY;
	c->restart = BL_SUP_PERMANENT;
	c->beh = beh;
	if (!bl__sup_name_ok(id) || beh == NULL)
		return -EINVAL;
	strcpy(c->id, id);
	return 0;
}

int bl_sup_child_spec_sup(struct bl_sup_child_spec *c, const char *id, struct bl_sup_spec *sup)
{
	if (c == NULL)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->lcore = BL_SUP_LCORE_ANY;
	c->restart = BL_SUP_PERMANENT;
	c->shutdown_ms = BL_SUP_SHUTDOWN_INFINITY;
	c->sup = sup;
	if (!bl__sup_name_ok(id) || sup == NULL)
		return -EINVAL;
	strcpy(c->id, id);
	return 0;
}

int bl_sup_child_set_name(struct bl_sup_child_spec *c, const char *name)
{
	if (c == NULL || !bl__sup_name_ok(name))
		return -EINVAL;
	strcpy(c->name, name);
	return 0;
}

int bl_sup_spec_add(struct bl_sup_spec *spec, const struct bl_sup_child_spec *child)
{
	int rc;

	if (spec == NULL || child == NULL)
		return -EINVAL;
	rc = child_check(child, 0);
	if (rc != 0)
		return rc;
	rc = sibling_clash(spec, spec->n_children, child);
	if (rc != 0)
		return rc;
	if (spec->n_children >= BL_SUP_CHILDREN_MAX)
		return -ENOSPC;
	if (spec->n_children == spec->cap) {
		uint32_t cap = spec->cap != 0 ? spec->cap * 2 : 4;
		struct bl_sup_child_spec *c =
		    (struct bl_sup_child_spec *)realloc(spec->children, (size_t)cap * sizeof(*c));

		if (c == NULL)
			return -ENOMEM;
		spec->children = c;
		spec->cap = cap;
	}
	/* Nested specs inherit the log when the tree is started, not here. */
	rc = child_copy(&spec->children[spec->n_children], child, NULL);
	if (rc != 0)
		return rc;
	spec->n_children++;
	return 0;
}

void bl_sup_spec_fini(struct bl_sup_spec *spec)
{
	uint32_t i;

	if (spec == NULL)
		return;
	for (i = 0; i < spec->n_children; i++)
		bl__sup_child_free(&spec->children[i]);
	free(spec->children);
	spec->children = NULL;
	spec->n_children = 0;
	spec->cap = 0;
}
