/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The behaviour catalog: every behaviour a router can spawn by name, built
 * in or loaded from a module, each declared with the same descriptor
 * (struct bl_module_desc, sdk/beamline/behaviour.h): name, version,
 * callbacks, argument schema.
 *
 * An entry holds a behaviour's current version and, after a live upgrade
 * (bl_catalog_upgrade), the old one still running processes that have not
 * had a turn since: at most two versions with code. A version owns the struct
 * bl_behaviour its processes point at (p->beh), so the process hot path is
 * exactly what it was: one pointer to callbacks, resolved at spawn. That
 * struct carries the version's live-process counts (struct bl_beh_live),
 * kept by the lcores at spawn and teardown, which is what makes unloading
 * safe: a version goes only when no process runs it.
 *
 * Threads: the control thread alone adds, removes and changes entries
 * (create, add, remove, set_prepare, destroy). Entries are published with
 * rcu_assign_pointer and freed only after a grace period, so any
 * RCU-online thread may look one up (bl_catalog_find) and use it until its
 * next quiescent state; workers see a new behaviour through RCU. Names are
 * interned for the catalog's life: crash records and logs may keep a
 * behaviour's name after the behaviour is gone.
 */
#ifndef BL_ACTORS_CATALOG_H
#define BL_ACTORS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actors/proc.h"
#include "sdk/beamline/behaviour.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BL_CATALOG_MAX	     64u  /* behaviours at once */
#define BL_CATALOG_NAMES_MAX 256u /* distinct names over a catalog's life */
#define BL_VERSION_MAX	     32u  /* bytes of a version with its NUL */

/* One version of a behaviour. */
struct bl_beh_version {
	struct bl_behaviour beh;	   /* what its processes run; beh.live = &live */
	const struct bl_module_desc *desc; /* schema, flags, check (in the module) */
	char version[BL_VERSION_MAX];
	char *path; /* the module file, or NULL: built in */
	void *dl;   /* its dlopen handle, or NULL */
	struct bl_beh_live live;
	struct bl_beh_version *retired_next; /* the entry's retired list */
};

/* Run after the schema and the descriptor's check, on the control thread: the host's own. */
typedef int (*bl_catalog_prepare_fn)(void *arg, void *blob, char *err, size_t errlen);

struct bl_catalog_entry {
	const char *name;	    /* interned */
	struct bl_beh_version *cur; /* new processes run this one */
	struct bl_beh_version *old; /* the previous version, until no process runs it */
	/* Versions whose module was closed (dl NULL, callbacks dangling): kept
	 * for their next pointers until the behaviour goes. */
	struct bl_beh_version *retired;
	bl_catalog_prepare_fn prepare;
	void *prepare_arg;
};

struct bl_catalog;

/*
 * A catalog holding the built-in behaviours (counter, echo, fault, forward,
 * relay). Control thread. NULL with errno ENOMEM.
 */
struct bl_catalog *bl_catalog_create(void);

/*
 * Free the catalog and close every module. No process may run any of its
 * behaviours any more (the schedulers are gone). Control thread.
 */
void bl_catalog_destroy(struct bl_catalog *cat);

/*
 * Add the behaviour d declares. path and dl: the module it came from (the
 * catalog closes dl when the behaviour goes), or NULL for a built-in.
 * Checks the descriptor (ABI, size, name, version, callbacks, flags,
 * schema and its defaults). 0, or -errno with a one-line reason in err:
 * -ENOEXEC (another ABI), -EINVAL (a bad descriptor), -EEXIST (the name is
 * taken), -ENOSPC (BL_CATALOG_MAX, or BL_CATALOG_NAMES_MAX names), -ENOMEM.
 * On error nothing is kept (dl is the caller's). Control thread.
 */
int bl_catalog_add(struct bl_catalog *cat, const struct bl_module_desc *d, const char *path,
		   void *dl, char *err, size_t errlen);

/*
 * Remove the behaviour name: refused with -EBUSY while a process runs one
 * of its versions (the count in err), -EPERM for a built-in, -ENOENT.
 * Otherwise it is unpublished, a grace period passes (synchronize_rcu:
 * the control thread may be online, it goes offline meanwhile), and its
 * module is closed. Control thread.
 */
int bl_catalog_remove(struct bl_catalog *cat, const char *name, char *err, size_t errlen);

/*
 * Upgrade a loaded behaviour to the version d declares (the module path,
 * dl): a live upgrade, as Erlang's code loading. The new version becomes
 * current (new spawns run it) and each process of the current one moves to
 * it at the start of its next turn, through its code_change (proc.c); the
 * previous version becomes old. Refused: -ENOENT (no behaviour of d's name),
 * -EPERM (a built-in), -EEXIST (that version is current), -EINVAL (its
 * argument schema differs: fields, types, offsets, sizes), -EBUSY (an old
 * version still runs processes: a third would be one too many; kill them
 * first, as `upgrade --purge` does with bl_sched_kill_behaviour), and the
 * descriptor's refusals of bl_catalog_add. On error nothing is kept (dl is
 * the caller's). Control thread, RCU-online or not (it may wait a grace
 * period: bl_catalog_reap).
 */
int bl_catalog_upgrade(struct bl_catalog *cat, const struct bl_module_desc *d, const char *path,
		       void *dl, char *err, size_t errlen);

/*
 * bl_catalog_upgrade's refusals but -EBUSY: whether d could replace the
 * current version of its behaviour once no process runs the old one (the
 * check before a purge kills anything). Control thread.
 */
int bl_catalog_upgrade_check(struct bl_catalog *cat, const struct bl_module_desc *d, char *err,
			     size_t errlen);

/*
 * Close the code of every old version no process runs any more: after one
 * grace period (synchronize_rcu) and a second look at the counts, each is
 * dlclosed and retired. Returns how many were. Control thread, from its
 * periodic work (it blocks for a grace period only when there is one to
 * close).
 */
unsigned bl_catalog_reap(struct bl_catalog *cat);

/*
 * The entry named name, or NULL. Control thread, or any RCU-online thread
 * (valid until its next quiescent state).
 */
const struct bl_catalog_entry *bl_catalog_find(const struct bl_catalog *cat, const char *name);

/* The current version's behaviour (to spawn), or NULL. As bl_catalog_find. */
const struct bl_behaviour *bl_catalog_behaviour(const struct bl_catalog *cat, const char *name);

/* Up to max entries, sorted by name, into out; returns how many there are. Control thread. */
unsigned bl_catalog_list(const struct bl_catalog *cat, const struct bl_catalog_entry **out,
			 unsigned max);

/* Processes running version v now, over every lcore. Any thread. */
uint32_t bl_catalog_procs(const struct bl_beh_version *v);

/* The version whose behaviour beh is (a pointer a process runs), or NULL. Any thread. */
const struct bl_beh_version *bl_catalog_version_of(const struct bl_behaviour *beh);

/* Give name a host hook (prepare) run after its arguments are read. Control thread. */
int bl_catalog_set_prepare(struct bl_catalog *cat, const char *name, bl_catalog_prepare_fn fn,
			   void *arg);

/*
 * Load the module at path (a path: with a '/'), check its descriptor
 * (symbol BL_MODULE_SYMBOL) and add its behaviour. 0 and *name (interned),
 * or -errno with the reason in err: no such file (-ENOENT), it cannot be
 * linked (dlerror), has no descriptor or was built for another ABI (all
 * -ENOEXEC), a bad descriptor (-EINVAL), a name already in the catalog
 * (-EEXIST). Nothing is kept on error.
 * Control thread (actors/module.c).
 */
int bl_module_load(struct bl_catalog *cat, const char *path, const char **name, char *err,
		   size_t errlen);

/*
 * Load the module at path as a new version of the behaviour it declares
 * (bl_catalog_upgrade): as bl_module_load, and its refusals. 0 and *name
 * (interned). Control thread (actors/module.c).
 */
int bl_module_upgrade(struct bl_catalog *cat, const char *path, const char **name, char *err,
		      size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_CATALOG_H */
