/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared tables (ETS): the router's side. Processes use the bl_ets_*
 * functions of the SDK header (sdk/beamline/behaviour.h, with their
 * contracts); this header is the table registry those tables live in, and
 * what the control thread reads for `beamctl table` and `beamctl memory`.
 *
 * One registry per router (struct bl_ets), created by the control thread
 * and handed to every scheduler in struct bl_sched_config.ets: a table is
 * visible from every lcore of the set. It holds at most max_tables tables;
 * each table bounds its own entries and bytes. No file-static state.
 *
 * Threads: bl_ets_create and bl_ets_destroy on the control thread; the
 * readers below on any RCU-registered thread that is online (the control
 * thread inside a command handler). They never block.
 */
#ifndef BL_ACTORS_ETS_H
#define BL_ACTORS_ETS_H

#include <stddef.h>
#include <stdint.h>

#include "sdk/beamline/behaviour.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BL_ETS_TABLES_DEFAULT 256u
#define BL_ETS_TABLES_MAX     4096u

struct bl_ets;

/*
 * A registry of at most max_tables tables (0: BL_ETS_TABLES_DEFAULT).
 * Control thread. Also makes sure liburcu's call_rcu thread exists and was
 * started from here, so it never inherits a worker's CPU pinning. NULL and
 * errno (EINVAL, ENOMEM).
 */
struct bl_ets *bl_ets_create(uint32_t max_tables);

/*
 * Free every table left and the registry, after a grace period
 * (rcu_barrier). Control thread, RCU-registered, after every scheduler
 * that used it is destroyed.
 */
void bl_ets_destroy(struct bl_ets *e);

/* Totals over the tables (figures of a moment). */
struct bl_ets_totals {
	uint32_t tables;
	uint32_t max_tables;
	uint64_t entries;
	uint64_t bytes;	 /* entries' bytes */
	uint64_t memory; /* everything the tables hold */
	uint64_t refused;
};
void bl_ets_totals_get(struct bl_ets *e, struct bl_ets_totals *t);

/* fn for every table, in slot order, until it returns non-zero (returned). */
int bl_ets_foreach(struct bl_ets *e, int (*fn)(void *arg, const struct bl_ets_info *in), void *arg);

/* The id of the table named name, or 0. */
uint64_t bl_ets_find(struct bl_ets *e, const char *name);

/* A table's figures by id: 0 or -EBADF. */
int bl_ets_info_of(struct bl_ets *e, uint64_t tab, struct bl_ets_info *out);

/*
 * fn for each value of the key, as bl_ets_lookup_each, for a reader that
 * is no process (the control thread): a private table is refused
 * (-EACCES), as it would be to any process but its owner.
 */
int bl_ets_read(struct bl_ets *e, uint64_t tab, const void *key, uint32_t key_len,
		bl_ets_value_fn fn, void *arg);

extern const char *const bl_ets_type_names[BL_ETS_TYPE_MAX];
extern const char *const bl_ets_access_names[BL_ETS_ACCESS_MAX];

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_ETS_H */
