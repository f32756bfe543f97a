/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * load, unload, behaviours (see module_cmds.h).
 *
 * An unload checks, in this order: the behaviour exists, is not built in,
 * no supervisor's child spec names it (a supervisor could start it again
 * at any moment), and no process runs it (the catalog's live counts). The
 * crash log is drained first: a crash record's reason text may be the
 * module's, and the log keeps a copy only of what it has drained.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "actors/catalog.h"
#include "control/args.h"
#include "control/errors.h"
#include "control/module_cmds.h"
#include "control/online.h"
#include "control/schema_args.h"

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
		const struct bl_beh_version *v = e[i]->cur;
		char usage[1024];

		bl_schema_usage(v->desc, usage, sizeof(usage));
		json_array_append_new(
		    rows,
		    json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "name", e[i]->name, "version",
			      v->version, "source", v->path != NULL ? v->path : "built-in",
			      "processes", (int)(bl_catalog_procs(v) + bl_catalog_procs(e[i]->old)),
			      "args", usage[0] != '\0' ? usage : "-", "summary",
			      v->desc->summary != NULL ? v->desc->summary : ""));
	}
	json_object_set_new(reply, "behaviours", rows);
	return 0;
}

BL_ONLINE(cmd_load)
BL_ONLINE(cmd_unload)
BL_ONLINE(cmd_behaviours)

int bl_module_cmds_register(struct bl_ctl *c, struct bl_module_cmds *mc)
{
	static const struct {
		const char *name;
		bl_ctl_handler fn;
		const char *help;
	} cmds[] = {
		{ "load", cmd_load_online, "load a behaviour module (.so)" },
		{ "unload", cmd_unload_online, "remove a loaded behaviour no process runs" },
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
