/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * load, unload, behaviours (see module_cmds.h).
 *
 * An unload checks, in this order: the behaviour exists, is not built in,
 * no supervisor's child spec names it (a supervisor could start it again
 * at any moment), and no process runs it (the catalog's live counts). The
 * crash log is drained first: a crash record's reason text may be the
 * module's, and the log keeps a copy only of what it has drained.
 *
 * An upgrade loads the new version (actors/catalog.h, bl_catalog_upgrade);
 * the processes move on their own lcores at their next turn. The old
 * version's code is closed by the periodic tick (bl_catalog_reap) once no
 * process runs it. --purge first kills the processes still running the
 * oldest version, as code:purge does, so that a third version can come.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <urcu-qsbr.h>

#include "actors/catalog.h"
#include "control/args.h"
#include "control/errors.h"
#include "control/module_cmds.h"
#include "control/online.h"
#include "control/schema_args.h"

#define BL_PURGE_WAIT_MS 2000u /* longest wait for purged processes to go */

static int cmd_load(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "path", NULL };
	struct bl_module_cmds *mc = arg;
	const struct bl_catalog_entry *e;
	const char *path, *name;
	struct bl_args a;
	int rc;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_str(&a, "path", BL_ARG_REQUIRED, NULL, 1, 4095, &path) != 0)
		return -EINVAL;
	rc = bl_module_load(mc->r->catalog, path, &name, errmsg, errlen);
	if (rc != 0)
		return rc;
	e = bl_catalog_find(mc->r->catalog, name);
	json_object_set_new(reply, "behaviour", json_string(name));
	json_object_set_new(reply, "version", json_string(e->cur->version));
	json_object_set_new(reply, "path", json_string(path));
	return 0;
}

/* ---- upgrade ---- */

/* What an upgrade does to the processes of an old version, on each lcore. */
struct old_req {
	const struct bl_behaviour *beh;
	bool kill;	/* purge: kill them; otherwise give each a turn (wake) */
	unsigned count; /* processes killed or woken */
};

static void old_fn(struct bl_sched *s, void *arg)
{
	struct old_req *q = arg;

	q->count += q->kill ? bl_sched_kill_behaviour(s, q->beh, bl_reason_make(BL_EXIT_KILLED))
			    : bl_sched_wake_behaviour(s, q->beh);
}

/*
 * q on every scheduler, each on its own lcore between its passes (the
 * control scheduler's here). 0, or the first lcore's error that did not
 * answer within BL_PURGE_WAIT_MS (*lcore set).
 */
static int each_sched(struct bl_router *r, struct old_req *q, unsigned *lcore)
{
	for (unsigned i = 0; i <= r->n_workers; i++) {
		struct bl_sched *s = i < r->n_workers ? r->workers[i]->sched : r->ctl_sched;
		int rc;

		if (s == NULL)
			continue;
		if (!r->running || s == r->ctl_sched) {
			old_fn(s, q);
		} else if ((rc = bl_sched_exec(s, old_fn, q, BL_PURGE_WAIT_MS)) != 0) {
			*lcore = s->lcore;
			return rc;
		}
	}
	return 0;
}

/*
 * After an upgrade: give every process still on e's old version a turn on
 * its lcore now, so idle ones move too. Best effort: an lcore that does
 * not answer in time moves its processes at their next message.
 */
static void wake_old(struct bl_module_cmds *mc, const struct bl_catalog_entry *e)
{
	struct old_req q = { &e->old->beh, false, 0 };
	unsigned lcore;

	(void)each_sched(mc->r, &q, &lcore);
}

/*
 * code:purge: kill every process of e's old version and wait (at most
 * BL_PURGE_WAIT_MS) until none runs it; the control scheduler's turns run
 * here meanwhile, the workers' on their own. 0 or -errno (err set).
 */
static int purge_old(struct bl_module_cmds *mc, const struct bl_catalog_entry *e, unsigned *killed,
		     char *err, size_t errlen)
{
	struct bl_router *r = mc->r;
	struct old_req q = { &e->old->beh, true, 0 };
	uint64_t waited = 0;
	unsigned lcore = 0;
	int rc = each_sched(r, &q, &lcore);

	if (rc != 0) {
		bl_err_set(err, errlen, "upgrade %s: purge: lcore %u did not answer (%s)", e->name,
			   lcore, strerror(-rc));
		return rc;
	}
	*killed = q.count;
	while (bl_catalog_procs(e->old) != 0) {
		if (waited >= BL_PURGE_WAIT_MS * 1000u) {
			bl_err_set(err, errlen,
				   "upgrade %s: purge: %u process%s of version %s still run after "
				   "%u ms",
				   e->name, bl_catalog_procs(e->old),
				   bl_catalog_procs(e->old) == 1 ? "" : "es", e->old->version,
				   BL_PURGE_WAIT_MS);
			return -ETIMEDOUT;
		}
		while (bl_sched_run(r->ctl_sched, 64) != 0)
			;
		rcu_thread_offline();
		usleep(1000);
		waited += 1000;
		rcu_thread_online();
	}
	return 0;
}

static int cmd_upgrade(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "path", "purge", "lazy", NULL };
	struct bl_module_cmds *mc = arg;
	const struct bl_catalog_entry *e;
	const char *path, *name;
	char prev[BL_VERSION_MAX] = "";
	unsigned killed = 0;
	struct bl_args a;
	bool purge, lazy;
	int rc;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_str(&a, "path", BL_ARG_REQUIRED, NULL, 1, 4095, &path) != 0 ||
	    bl_args_bool(&a, "purge", BL_ARG_OPTIONAL, false, &purge) != 0 ||
	    bl_args_bool(&a, "lazy", BL_ARG_OPTIONAL, false, &lazy) != 0)
		return -EINVAL;
	(void)bl_catalog_reap(mc->r->catalog);
	if (purge) {
		/* Which behaviour the file declares is known once it is open: the
		 * purge waits for the load that names it, so look it up first. */
		const struct bl_module_desc *d = NULL;
		void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		char sub[256];

		if (dl != NULL)
			d = (const struct bl_module_desc *)dlsym(dl, BL_MODULE_SYMBOL);
		/* Nothing is killed for an upgrade that would be refused anyway. */
		e = NULL;
		if (d != NULL && bl_catalog_upgrade_check(mc->r->catalog, d, sub, sizeof(sub)) == 0)
			e = bl_catalog_find(mc->r->catalog, d->name);
		if (dl != NULL)
			dlclose(dl);
		if (e != NULL && e->old != NULL && bl_catalog_procs(e->old) != 0) {
			rc = purge_old(mc, e, &killed, errmsg, errlen);
			if (rc != 0)
				return rc;
			if (mc->crash_log != NULL)
				(void)bl_crash_drain(mc->crash_log, mc->r->set);
		}
	}
	rc = bl_module_upgrade(mc->r->catalog, path, &name, errmsg, errlen);
	if (rc != 0)
		return rc;
	e = bl_catalog_find(mc->r->catalog, name);
	snprintf(prev, sizeof(prev), "%s", e->old != NULL ? e->old->version : "");
	json_object_set_new(reply, "behaviour", json_string(name));
	json_object_set_new(reply, "version", json_string(e->cur->version));
	json_object_set_new(reply, "old_version", json_string(prev));
	json_object_set_new(reply, "to_move", json_integer(bl_catalog_procs(e->old)));
	if (!lazy && e->old != NULL && bl_catalog_procs(e->old) != 0)
		wake_old(mc, e);
	if (purge)
		json_object_set_new(reply, "purged", json_integer(killed));
	json_object_set_new(reply, "path", json_string(path));
	return 0;
}

static int cmd_unload(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "behaviour", NULL };
	struct bl_module_cmds *mc = arg;
	const struct bl_catalog_entry *e;
	const char *name;
	char who[128], sub[256];
	struct bl_args a;
	int rc;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_str(&a, "behaviour", BL_ARG_REQUIRED, NULL, 1, 0, &name) != 0)
		return -EINVAL;
	e = bl_catalog_find(mc->r->catalog, name);
	if (e != NULL && e->cur->path != NULL && mc->sup != NULL &&
	    bl_sup_cmds_names(mc->sup, &e->cur->beh, who, sizeof(who))) {
		bl_err_set(errmsg, errlen,
			   "unload %s: the %s names it (a supervisor may start it again)", name,
			   who);
		return -EBUSY;
	}
	if (mc->crash_log != NULL)
		(void)bl_crash_drain(mc->crash_log, mc->r->set);
	rc = bl_catalog_remove(mc->r->catalog, name, sub, sizeof(sub));
	if (rc != 0) {
		bl_err_set(errmsg, errlen, "unload %s: %s", name, sub);
		return rc;
	}
	json_object_set_new(reply, "behaviour", json_string(name));
	json_object_set_new(reply, "unloaded", json_true());
	return 0;
}

static int cmd_behaviours(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_module_cmds *mc = arg;
	const struct bl_catalog_entry *e[BL_CATALOG_MAX];
	json_t *rows;
	unsigned n;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	n = bl_catalog_list(mc->r->catalog, e, BL_CATALOG_MAX);
	rows = json_array();
	for (unsigned i = 0; i < n && i < BL_CATALOG_MAX; i++) {
		/* One row a version: the current one, then the old one an upgrade
		 * is moving processes from (the old version's code is live). */
		for (unsigned k = 0; k < 2; k++) {
			const struct bl_beh_version *v = k == 0 ? e[i]->cur : e[i]->old;
			char usage[1024];
			json_t *row;

			if (v == NULL)
				continue;
			bl_schema_usage(v->desc, usage, sizeof(usage));
			row = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "name", e[i]->name,
					"version", v->version, "source",
					v->path != NULL ? v->path : "built-in", "processes",
					(int)bl_catalog_procs(v), "args",
					usage[0] != '\0' ? usage : "-", "summary",
					v->desc->summary != NULL ? v->desc->summary : "");
			if (e[i]->old != NULL)
				json_object_set_new(row, "upgrade",
						    json_string(k == 0 ? "current" : "old"));
			json_array_append_new(rows, row);
		}
	}
	json_object_set_new(reply, "behaviours", rows);
	return 0;
}

BL_ONLINE(cmd_load)
BL_ONLINE(cmd_unload)
BL_ONLINE(cmd_behaviours)
BL_ONLINE(cmd_upgrade)

void bl_module_cmds_tick(struct bl_module_cmds *mc)
{
	(void)bl_catalog_reap(mc->r->catalog);
}

int bl_module_cmds_register(struct bl_ctl *c, struct bl_module_cmds *mc)
{
	static const struct {
		const char *name;
		bl_ctl_handler fn;
		const char *help;
	} cmds[] = {
		{ "load", cmd_load_online, "load a behaviour module (.so)" },
		{ "unload", cmd_unload_online, "remove a loaded behaviour no process runs" },
		{ "upgrade", cmd_upgrade_online,
		  "load a new version of a loaded behaviour; processes move at their next turn" },
		{ "behaviours", cmd_behaviours_online,
		  "every behaviour: version, source, processes, arguments" },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int ret = bl_ctl_register(c, cmds[i].name, cmds[i].fn, mc, cmds[i].help);

		if (ret != 0)
			return ret;
	}
	return 0;
}
