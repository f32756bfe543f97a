/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process runtime in one include: what the dataplane and the control
 * plane use. See docs/processes.md.
 *
 *  actors/pid.h       pids (lcore, slot, generation)
 *  actors/heap.h      private heaps and the per-lcore chunk pool
 *  actors/bin.h       binaries over mbufs, kept binaries
 *  actors/mailbox.h   messages and bounded mailboxes
 *  actors/timer.h     the timer wheel
 *  actors/proc.h      behaviours, the handler API (calls too: actors/call.c),
 *                     spawn/kill/lookup on a scheduler
 *  actors/task.h      tasks and task streams: work in short-lived processes
 *  actors/sched.h     the per-lcore scheduler, delivery, the command ring
 *                     (its layout in sched_core.h, inline internals in sched_pvt.h)
 *  actors/registry.h  the RCU name registry
 *  actors/info.h      process info and per-lcore totals
 *  actors/behaviours.h built-in behaviours: counter, relay, forward, echo, fault
 *  actors/schema.h    argument schemas: checking them, setting a field from a value
 *  actors/catalog.h   the behaviour catalog: built-ins and loaded modules
 *  actors/crash.h     crash records and the control thread's crash log
 *  actors/sup.h       supervisors, child specs
 */
#ifndef BL_ACTORS_H
#define BL_ACTORS_H

#include "actors/pid.h"
#include "actors/heap.h"
#include "actors/bin.h"
#include "actors/mailbox.h"
#include "actors/timer.h"
#include "actors/proc.h"
#include "actors/task.h"
#include "actors/sched.h"
#include "actors/registry.h"
#include "actors/catalog.h"
#include "actors/info.h"
#include "actors/behaviours.h"
#include "actors/crash.h"
#include "actors/sup.h"
#include "actors/group.h"

#endif /* BL_ACTORS_H */
