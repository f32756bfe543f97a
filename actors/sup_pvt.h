/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Supervisor internals shared by actors/sup.c (the supervisor process),
 * actors/sup_spec.c (specs) and actors/sup_ctl.c (control thread API,
 * introspection). bl__sup_: these files only.
 *
 * Do not include this file from outside actors/: include actors/sup.h.
 */
#ifndef BL_ACTORS_SUP_PVT_H
#define BL_ACTORS_SUP_PVT_H

#include <stdbool.h>
#include <stdint.h>

#include "actors/name.h"
#include "actors/sup.h"
#include "actors/internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- the supervisor state (sup.c) --- */

enum sup_op {
	OP_NONE = 0,
	OP_RESTART,  /* stop the marked children, start them again */
	OP_STOP_ONE, /* stop the marked child; it stays stopped */
	OP_SHUTDOWN, /* stop every child, then exit with exit_reason */
};

struct sup_child {
	struct bl_sup_child_spec spec; /* owned copy */
	struct bl_timer *timer;	       /* shutdown timeout while stopping, or NULL */
	uint64_t pid;
	uint32_t lcore; /* where it runs now */
	uint32_t restarts;
	uint8_t state;	 /* enum bl_sup_child_state */
	bool mark;	 /* in the current operation's set */
	bool deferred;	 /* exited during an operation outside its set */
	bool retry;	 /* a restart failed: try again at the next SUP_KEY_RETRY */
	bool registered; /* its name is bound in the registry */
	struct bl_reason deferred_reason;
};

struct sup {
	struct bl_sup_spec spec; /* owned copy; children moved into ch[] */
	uint64_t self;
	uint64_t parent;
	uint32_t n;
	struct sup_child *ch;
	uint32_t *hist; /* restart times, a ring of intensity + 1 */
	uint32_t hist_head;
	uint32_t hist_n;
	uint32_t op; /* enum sup_op */
	struct bl_reason exit_reason;
};

/* --- names and specs (sup_spec.c) --- */

/* Ids and names follow the registry's rule (actors/name.h). */
static inline bool bl__sup_name_ok(const char *s)
{
	return bl_name_check(s, BL_NAME_MAX) > 0;
}

static inline bool bl__sup_name_set(const char *s)
{
	return s[0] != '\0';
}

int bl__sup_spec_check(const struct bl_sup_spec *spec, unsigned depth);
bool bl__sup_spec_has_names(const struct bl_sup_spec *spec);
void bl__sup_child_free(struct bl_sup_child_spec *c);
/* Deep copy; nested specs without a log inherit log. */
int bl__sup_spec_copy(struct bl_sup_spec *dst, const struct bl_sup_spec *src,
		      struct bl_crash_log *log);

/* --- the supervisor process (sup.c) --- */

/* The supervisor state of pid on ctl, or NULL. */
struct sup *bl__sup_get(struct bl_sched *ctl, uint64_t pid, struct bl_proc **pp);
/* Start child i. 0, or -errno (nothing left running then). */
int bl__sup_child_start(struct bl_ctx *c, struct sup *su, uint32_t i);
void bl__sup_begin_shutdown(struct bl_ctx *c, struct sup *su, struct bl_reason why);
/* Advance the current operation as far as it goes without waiting. */
void bl__sup_op_step(struct bl_ctx *c, struct sup *su);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_SUP_PVT_H */
