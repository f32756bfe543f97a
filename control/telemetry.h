/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK's own tools on the daemon: rte_telemetry commands under /beamline/
 * (read with dpdk-telemetry.py or any client of the telemetry socket), and
 * packet capture for dpdk-dumpcap / dpdk-pdump.
 *
 * Telemetry commands and the control commands they run:
 *
 *   /beamline/status     status
 *   /beamline/stats      stats
 *   /beamline/routes     route.list   (params: limit=N, 0..BL_TELEMETRY_LIST_MAX)
 *   /beamline/ps         ps           (params passed through: top=10,sort=memory)
 *   /beamline/memory     memory       (params passed through)
 *   /beamline/lcores     lcores       (params passed through)
 *   /beamline/telemetry  this module's own counters (no control command)
 *
 * Threads: DPDK runs telemetry callbacks on its telemetry threads (one per
 * connected client), but a struct bl_ctl belongs to the control thread. So a
 * callback queues its request and waits on a condition variable, at most
 * BL_TELEMETRY_WAIT_MS; the control thread serves the queue in
 * bl_telemetry_poll, which its loop calls every iteration. A request the
 * control thread did not answer in time gets a "busy" error reply.
 *
 * Replies: the control reply (one JSON object) becomes an rte_tel_data dict:
 * objects are dicts, arrays of scalars are arrays, arrays holding objects or
 * arrays are dicts keyed "0", "1", ... (rte_tel_data arrays hold scalars
 * only), true/false are 1/0, reals and negative numbers below INT32_MIN are
 * strings, null is the string "null". Names are cut to rte_tel_data's
 * alphabet ([A-Za-z0-9_/], other bytes become '_') and length; strings to
 * 127 bytes. The reply is bounded to fit DPDK's 16 KB output, dicts to 256
 * entries, arrays to 512, nesting to BL_TELEMETRY_MAX_DEPTH; every reply has
 * "truncated": 1 when any of that (or a list limit) cut something, else 0.
 * An error is {"ok":0,"error":"<name>","message":"..."} with names from
 * control/errors.h.
 */
#ifndef BL_TELEMETRY_H
#define BL_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ctl.h"

#define BL_TELEMETRY_WAIT_MS   2000  /* longest wait of a telemetry thread for the control thread */
#define BL_TELEMETRY_LIST_MAX  100   /* routes in one /beamline/routes reply (it must fit 16 KB) */
#define BL_TELEMETRY_MAX_DEPTH 8     /* nested dicts; deeper values become JSON text */
#define BL_TELEMETRY_OUT_MAX   16384 /* DPDK 22.11's telemetry output bound (max_output_len) */

/* What this module counted; every refused request has its own counter. */
struct bl_telemetry_stats {
	uint64_t requests;   /* /beamline/ callbacks entered */
	uint64_t served;     /* answered by the control thread */
	uint64_t bad_params; /* refused: malformed or unknown parameters */
	uint64_t timeouts;   /* refused: no answer within BL_TELEMETRY_WAIT_MS */
	uint64_t closed;     /* refused: no ctl (closed, or never registered) */
	uint64_t truncated;  /* replies cut to fit rte_tel_data's bounds */
};

/*
 * Register the /beamline/ telemetry commands (once per process: later calls
 * only attach the new ctl) and serve them from `ctl`, which must outlive
 * bl_telemetry_close. Returns 0; -EBUSY if a ctl is attached already;
 * -EINVAL for a NULL ctl; or rte_telemetry_register_cmd's -errno, with a
 * message in err. Control thread, after the control commands are
 * registered. Telemetry must be enabled in EAL (no --no-telemetry) for the
 * commands to be reachable; registering works either way.
 */
int bl_telemetry_register(struct bl_ctl *ctl, char *err, size_t errlen);

/*
 * Serve the queued telemetry requests through bl_ctl_exec and wake their
 * telemetry threads. Never blocks beyond the handlers' own time. Control
 * thread (the one that owns the ctl), every loop iteration.
 */
void bl_telemetry_poll(void);

/*
 * Detach the ctl: queued requests are answered "busy" (shutting down) at
 * once, later ones too, until bl_telemetry_register attaches a ctl again.
 * Call before bl_ctl_destroy. Control thread; a no-op when nothing is
 * attached.
 */
void bl_telemetry_close(void);

/* Copy the counters. Any thread. */
void bl_telemetry_stats_get(struct bl_telemetry_stats *st);

/*
 * Packet capture: with enable, call rte_pdump_init so dpdk-dumpcap and
 * dpdk-pdump, started as secondary processes with the daemon's
 * --file-prefix, can capture its ports. Needs a shared runtime directory
 * (EAL without --no-shconf) and hugepages (without --no-huge): a DPDK 22.11
 * secondary maps the primary's memory from its hugepage files, which a
 * --no-huge primary does not have. Either missing gives -ENOTSUP and says
 * which in err. !enable: nothing, 0. Main thread, after rte_eal_init;
 * bl_pdump_teardown undoes it.
 */
int bl_pdump_setup(bool enable, char *err, size_t errlen);

/* rte_pdump_uninit if bl_pdump_setup enabled capture; else nothing. Main thread. */
void bl_pdump_teardown(void);

#endif /* BL_TELEMETRY_H */
