/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registry: names -> pids, shared by all lcores.
 *
 * An RCU hash table (liburcu QSBR cds_lfht). Lookups are wait-free reads an
 * lcore can do per packet while it is RCU-online (the lcore loop announces
 * quiescent states). Writes come from the control thread only, from config
 * and control commands, never from packet bytes: the table is bounded
 * (-ENOSPC past max entries) and names are short printable strings, so
 * nothing a peer sends can grow it (the atom-table lesson).
 */
#ifndef BL_ACTORS_REGISTRY_H
#define BL_ACTORS_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "actors/name.h" /* BL_NAME_MAX, the name rule */

#ifdef __cplusplus
extern "C" {
#endif

struct bl_registry;

/*
 * Create a registry of at most max_entries names. Control thread. Returns
 * NULL and sets errno (EINVAL, ENOMEM).
 */
struct bl_registry *bl_registry_create(uint32_t max_entries);

/*
 * Remove every name and free the registry after a grace period
 * (rcu_barrier). Control thread, RCU-registered; no reader may use it after.
 */
void bl_registry_destroy(struct bl_registry *r);

/*
 * Bind name to pid. name is read up to max_len bytes and must be
 * NUL-terminated within them, 1..BL_NAME_MAX-1 printable ASCII characters
 * without spaces. Control thread, RCU-registered and online.
 * Returns 0, -EINVAL (bad name or pid), -EEXIST (taken), -ENOSPC (full), -ENOMEM.
 */
int bl_registry_register(struct bl_registry *r, const char *name, size_t max_len, uint64_t pid);

/* Bind or rebind name to pid (a supervisor after a restart). Same errors but -EEXIST. */
int bl_registry_set(struct bl_registry *r, const char *name, size_t max_len, uint64_t pid);

/* Remove name; its entry is freed after a grace period. -ENOENT, -EINVAL. */
int bl_registry_unregister(struct bl_registry *r, const char *name, size_t max_len);

/*
 * Remove every name whose pid `dead` says has exited, as a name goes with
 * its process in Erlang (a supervisor binds it again to the restarted
 * child). Control thread, RCU-registered and online. Returns the names
 * removed.
 */
unsigned bl_registry_sweep(struct bl_registry *r, int (*dead)(void *arg, uint64_t pid), void *arg);

/*
 * The pid bound to name, or BL_PID_NONE (0). Any thread that is RCU-online
 * (QSBR: an lcore between quiescent states). The pid may be stale if the
 * process exited: sending to it is then a counted dead_pid drop.
 */
uint64_t bl_registry_whereis(struct bl_registry *r, const char *name, size_t max_len);

/*
 * A counter bumped after every change is published (acquire load). Lcores
 * cache name lookups tagged with it: a cached pid is used only while the
 * generation has not moved. Any thread.
 */
uint64_t bl_registry_gen(const struct bl_registry *r);

/*
 * Call fn for every name until it returns non-zero (returned). Control
 * thread or any RCU-online thread; entries seen stay valid for the call.
 */
int bl_registry_foreach(struct bl_registry *r, int (*fn)(void *arg, const char *name, uint64_t pid),
			void *arg);

/*
 * The name bound to pid, copied into buf (len bytes), or NULL when it has
 * none. A scan: control thread (RCU-online) only, for reports.
 */
const char *bl_registry_name_of(struct bl_registry *r, uint64_t pid, char *buf, size_t len);

/*
 * Whether name (read up to max_len bytes) is a valid name: bl_name_check
 * (actors/name.h) says so. Any thread. Groups and route targets use the
 * same rule.
 */
int bl_registry_name_ok(const char *name, size_t max_len);

/* Names registered now. Any thread (racy read). */
uint32_t bl_registry_count(const struct bl_registry *r);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_REGISTRY_H */
