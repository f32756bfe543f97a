/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Supervision trees from the config file and beamctl:
 *
 *   sup new ID [strategy one_for_one|one_for_all|rest_for_one] [intensity N]
 *          [period MS] [parent ID] [restart R] [shutdown MS|infinity]
 *   sup child SUP ID BEHAVIOUR [name N] [lcore L|any] [restart R]
 *          [shutdown MS|brutal|infinity] [ARG VALUE...]
 *   sup start ID     start a defined tree (a root), or a stopped child
 *   sup stop ID      stop a running tree cleanly, or one child
 *   sup tree         every tree, node by node
 *   crashes [top N]  the crash reports, newest last
 *
 * A tree is defined node by node (nested supervisors name their parent)
 * and built into actors/sup.h specs when it starts; a tree started from
 * the config file starts once the workers run (they spawn its children).
 * Everything runs on the control thread.
 */
#ifndef BL_SUP_CMDS_H
#define BL_SUP_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actors/crash.h"
#include "actors/proc.h"
#include "control/ctl.h"
#include "dataplane/router.h"

#define BL_SUP_CMDS_MAX	       64u  /* supervisors defined */
#define BL_CRASH_LOG_CAPACITY  256u /* crash reports kept */
#define BL_SUP_STOP_TIMEOUT_MS 10000u

struct bl_sup_def;

struct bl_sup_cmds {
	struct bl_router *r;
	struct bl_crash_log *crash_log; /* created by register */
	unsigned n;
	struct bl_sup_def *defs[BL_SUP_CMDS_MAX];
};

/* Register the sup and crashes commands, create the crash log. Control thread. */
int bl_sup_cmds_register(struct bl_ctl *c, struct bl_sup_cmds *sc);

/* Start the trees `sup start` asked for before the workers ran. 0 or -errno + err. */
int bl_sup_cmds_start_pending(struct bl_sup_cmds *sc, char *err, size_t errlen);

/* Stop every running tree cleanly (reverse start order). Control thread, RCU-offline. */
void bl_sup_cmds_stop_all(struct bl_sup_cmds *sc);

/*
 * Whether a child spec (of any supervisor defined, running or not) names
 * beh; *who gets "child 'c' of supervisor 't'" for the first one. Control
 * thread.
 */
bool bl_sup_cmds_names(const struct bl_sup_cmds *sc, const struct bl_behaviour *beh, char *who,
		       size_t len);

/* Free the definitions and the crash log. */
void bl_sup_cmds_fini(struct bl_sup_cmds *sc);

#endif /* BL_SUP_CMDS_H */
