/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The latency command: per worker lcore and path, the time packets spent
 * inside the router (RX burst to TX burst), from the lcores' histograms
 * (dataplane/hist.h); for the process paths, from the RX burst of the
 * message a process was handling when it opened the frame: count, p50, p90, p99, p99.9 and max in
 * nanoseconds, and "all" merging the lcores. `reset: true` answers, then starts the counts again
 * from zero: the control thread keeps what it answered as a baseline and subtracts it later, so a
 * worker never loses an add.
 */
#include <errno.h>
#include <stdlib.h>

#include <jansson.h>
#include <rte_cycles.h>

#include "control/args.h"
#include "control/online.h"
#include "control/proc_cmds_pvt.h"
#include "dataplane/hist.h"
#include "dataplane/lcore.h"
#include "dataplane/router.h"

static const char *const path_names[BL_LAT_PATHS] = { "fast", "process", "fanout" };

/* Cycles to nanoseconds (UINT64_MAX, the overflow, stays itself). */
static json_int_t ns_of(uint64_t cycles, uint64_t hz)
{
	if (cycles == UINT64_MAX)
		return (json_int_t)INT64_MAX;
	return (json_int_t)((double)cycles * 1e9 / (double)hz);
}

static json_t *hist_row(const struct bl_hist *h, uint64_t hz)
{
	return json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)bl_hist_total(h), "p50_ns",
	    ns_of(bl_hist_value_at(h, 0.5), hz), "p90_ns", ns_of(bl_hist_value_at(h, 0.9), hz),
	    "p99_ns", ns_of(bl_hist_value_at(h, 0.99), hz), "p999_ns",
	    ns_of(bl_hist_value_at(h, 0.999), hz), "max_ns", ns_of(bl_hist_value_at(h, 1.0), hz),
	    "overflow", (json_int_t)h->count[BL_HIST_OVERFLOW]);
}

static int cmd_latency(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	static const char *const fields[] = { "reset", NULL };
	struct bl_proc_cmds *pc = arg;
	struct bl_router *r = pc->r;
	uint64_t hz = rte_get_tsc_hz();
	struct bl_hist *now, *all;
	struct bl_args a;
	uint64_t unstamped = 0;
	bool reset;
	json_t *rows;
	unsigned i, p;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0 ||
	    bl_args_bool(&a, "reset", BL_ARG_OPTIONAL, false, &reset) != 0)
		return -EINVAL;
	now = malloc(sizeof(*now));
	all = calloc(BL_LAT_PATHS, sizeof(*all));
	if (now == NULL || all == NULL) {
		free(now);
		free(all);
		return -ENOMEM;
	}
	rows = json_array();
	for (i = 0; i < r->n_workers; i++) {
		struct bl_lcore *lc = r->workers[i];

		unstamped += bl_stat_read(&lc->lat_unstamped);
		for (p = 0; p < BL_LAT_PATHS; p++) {
			json_t *row;

			bl_hist_read(&lc->lat[p], now);
			if (reset) {
				/* What this answer counts is the next one's zero. */
				struct bl_hist *base = &lc->lat_base[p];
				unsigned b;

				for (b = 0; b < BL_HIST_BUCKETS; b++) {
					uint64_t c = now->count[b];

					now->count[b] = c > base->count[b] ? c - base->count[b] : 0;
					base->count[b] = c;
				}
			} else {
				bl_hist_sub(now, &lc->lat_base[p]);
			}
			bl_hist_merge(&all[p], now);
			row = hist_row(now, hz);
			json_object_set_new(row, "lcore", json_integer(lc->lcore_id));
			json_object_set_new(row, "worker", json_integer(i));
			json_object_set_new(row, "path", json_string(path_names[p]));
			json_array_append_new(rows, row);
		}
	}
	for (p = 0; p < BL_LAT_PATHS; p++) {
		json_t *row = hist_row(&all[p], hz);

		json_object_set_new(row, "lcore", json_string("all"));
		json_object_set_new(row, "path", json_string(path_names[p]));
		json_array_append_new(rows, row);
	}
	free(now);
	free(all);
	json_object_set_new(reply, "latency", rows);
	json_object_set_new(reply, "reset", json_boolean(reset));
	/* Process-sent packets whose cause had no RX time (timers, the
	 * control plane): sent, but in no histogram. Since start. */
	json_object_set_new(reply, "unstamped", json_integer((json_int_t)unstamped));
	return 0;
}

BL_ONLINE(cmd_latency)

int bl__latency_cmds_register(struct bl_ctl *c, struct bl_proc_cmds *pc)
{
	return bl_ctl_register(c, "latency", cmd_latency_online, pc,
			       "time inside the router per lcore and path: count, p50, p90, p99, "
			       "p99.9, max; reset: true starts again from zero");
}
