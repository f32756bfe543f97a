/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Behaviour modules from the control socket, the config file and the
 * daemon's --load:
 *
 *   load PATH        load a behaviour module (.so) into the running router
 *   unload NAME      remove a loaded behaviour: refused while a process runs
 *                    it or a supervisor's child spec names it
 *   upgrade PATH [--purge]
 *                    load a new version of a loaded behaviour: its processes
 *                    move to it at their next turn (code_change)
 *   behaviours       every behaviour: version, source, processes, arguments
 *
 * Only the control thread loads and unloads (actors/catalog.h); workers
 * see a new behaviour through RCU when a spawn hands them its pointer.
 */
#ifndef BL_MODULE_CMDS_H
#define BL_MODULE_CMDS_H

#include "actors/crash.h"
#include "control/ctl.h"
#include "control/sup_cmds.h"
#include "dataplane/router.h"

struct bl_module_cmds {
	struct bl_router *r;
	struct bl_sup_cmds *sup;	/* child specs that name a behaviour; may be NULL */
	struct bl_crash_log *crash_log; /* drained before an unload; may be NULL */
};

/* Register load, unload, upgrade and behaviours on c. Control thread. 0 or -errno. */
int bl_module_cmds_register(struct bl_ctl *c, struct bl_module_cmds *mc);

/*
 * Periodic work from the control loop: close the code of old versions no
 * process runs any more (bl_catalog_reap; blocks a grace period when there
 * is one). Control thread, RCU-offline.
 */
void bl_module_cmds_tick(struct bl_module_cmds *mc);

#endif /* BL_MODULE_CMDS_H */
