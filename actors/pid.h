/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Process identifiers.
 *
 * A pid is a uint64_t: generation (32 bits) | lcore (10 bits) | slot (22 bits).
 * The slot indexes the per-lcore process table; the generation is bumped
 * every time the slot is reused, so a pid kept after its process exited no
 * longer matches the table entry and every use of it is detected as stale.
 * Generation 0 is never issued, so the value 0 is "no process" (BL_PID_NONE).
 */
#ifndef BL_ACTORS_PID_H
#define BL_ACTORS_PID_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BL_PID_NONE	  UINT64_C(0)
#define BL_PID_SLOT_BITS  22
#define BL_PID_LCORE_BITS 10
#define BL_PID_MAX_SLOTS  (1u << BL_PID_SLOT_BITS)
#define BL_PID_MAX_LCORE  ((1u << BL_PID_LCORE_BITS) - 1)

/* Pure functions: any thread. */
static inline uint64_t bl_pid_make(uint32_t lcore, uint32_t slot, uint32_t gen)
{
	return ((uint64_t)gen << 32) | ((uint64_t)(lcore & BL_PID_MAX_LCORE) << BL_PID_SLOT_BITS) |
	       (slot & (BL_PID_MAX_SLOTS - 1));
}

static inline uint32_t bl_pid_slot(uint64_t pid)
{
	return (uint32_t)(pid & (BL_PID_MAX_SLOTS - 1));
}

static inline uint32_t bl_pid_lcore(uint64_t pid)
{
	return (uint32_t)(pid >> BL_PID_SLOT_BITS) & BL_PID_MAX_LCORE;
}

static inline uint32_t bl_pid_gen(uint64_t pid)
{
	return (uint32_t)(pid >> 32);
}

/* Next generation for a reused slot: never 0, so no pid is ever BL_PID_NONE. */
static inline uint32_t bl_pid_next_gen(uint32_t gen)
{
	gen++;
	return gen ? gen : 1;
}

/* "<lcore.slot.gen>", Erlang's way of printing a pid, into buf (len bytes,
 * cut short like snprintf). Any thread (pid.c). */
void bl_pid_format(uint64_t pid, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_PID_H */
