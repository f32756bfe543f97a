/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /metrics page. Design:
 *  - Built on the control thread from the replies of the control commands
 *    themselves (stats, status, lcores, memory, route.count, sup.tree), run
 *    in process with bl_ctl_exec: a scrape reads exactly what `beamctl
 *    --json <cmd>` reads, by the same code, and nothing here touches worker
 *    state the commands do not already read safely.
 *  - The one exception is latency: the `latency` command answers
 *    percentiles since its last --reset, which is neither a counter nor
 *    aggregatable. Prometheus gets the lcores' histograms themselves
 *    (dataplane/hist.h, read with bl_hist_read as the command does), never
 *    reset, as Prometheus histograms in seconds over a reduced set of `le`
 *    bounds: rate() and histogram_quantile() then work across lcores and
 *    routers, which summaries' quantiles do not.
 *  - Every name and help text comes from the tables below; a field a
 *    command grows later and nobody names here is not exported (a name is a
 *    promise to dashboards, so it is chosen, not derived).
 *  - A command that fails leaves its families out; the page still serves.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_cycles.h>

#include "control/ctl.h"
#include "control/metrics_pvt.h"
#include "dataplane/heartbeat.h"
#include "dataplane/hist.h"
#include "dataplane/lcore.h"
#include "dataplane/router.h"

enum kind { COUNTER, GAUGE, CYCLES /* a TSC count exported as seconds, counter */ };

struct field {
	const char *key;  /* in the command's reply */
	const char *name; /* the metric */
	enum kind kind;
	const char *help;
};

/* stats "totals": every counter, summed over the worker lcores. */
static const struct field totals[] = {
	{ "rx_pkts", "beamline_rx_packets_total", COUNTER, "Packets received from the ports." },
	{ "acc_pkts", "beamline_accepted_packets_total", COUNTER,
	  "Packets whose frame was accepted." },
	{ "drop_pkts", "beamline_dropped_packets_total", COUNTER,
	  "Packets refused whole (beamline_packet_drops_total by reason)." },
	{ "rx_msgs", "beamline_rx_messages_total", COUNTER, "Messages in accepted frames." },
	{ "fwd_msgs", "beamline_forwarded_messages_total", COUNTER,
	  "Messages the TX queues took." },
	{ "drop_msgs", "beamline_dropped_messages_total", COUNTER,
	  "Messages dropped (beamline_message_drops_total by reason)." },
	{ "buffered_msgs", "beamline_buffered_messages", GAUGE, "Messages in TX buffers now." },
	{ "delivered_msgs", "beamline_delivered_messages_total", COUNTER,
	  "Messages handed to processes." },
	{ "deliveries", "beamline_deliveries_total", COUNTER,
	  "Mailbox deliveries (a group fans one message out to many)." },
	{ "tx_pkts", "beamline_tx_packets_total", COUNTER, "Packets the TX queues took." },
	{ "split_frames", "beamline_split_frames_total", COUNTER,
	  "Frames built by splitting a mixed frame." },
	{ "ref_segs", "beamline_ref_segments_total", COUNTER,
	  "Payload runs sent by reference (indirect mbufs)." },
	{ "ptx_in", "beamline_process_tx_messages_total", COUNTER,
	  "Messages processes handed to the transmit path." },
	{ "ptx_msgs", "beamline_process_sent_messages_total", COUNTER,
	  "Process-sent messages the TX queues took." },
	{ "ptx_drop_msgs", "beamline_process_dropped_messages_total", COUNTER,
	  "Process-sent messages dropped (beamline_process_tx_drops_total by reason)." },
	{ "ptx_buffered", "beamline_process_buffered_messages", GAUGE,
	  "Process-sent messages in open frames or TX buffers now." },
	{ "ptx_frames", "beamline_process_frames_total", COUNTER,
	  "Frames built from process-sent messages." },
	{ "ptx_inplace", "beamline_process_inplace_frames_total", COUNTER,
	  "Process-sent frames sent in the received mbuf (no copy)." },
	{ "frame_deliveries", "beamline_frame_deliveries_total", COUNTER,
	  "Received frames given whole to one process." },
	{ "loops", "beamline_loops_total", COUNTER, "Poll loops of the worker lcores." },
	{ "busy_loops", "beamline_busy_loops_total", COUNTER,
	  "Poll loops that received something." },
	{ "rx_bursts", "beamline_rx_bursts_total", COUNTER, "Non-empty RX bursts." },
	{ "busy_tsc", "beamline_busy_seconds_total", CYCLES, "Time in poll loops that did work." },
	{ "idle_tsc", "beamline_idle_seconds_total", CYCLES,
	  "Time in poll loops that found nothing, sleeps included." },
	{ "sleeps", "beamline_sleeps_total", COUNTER, "Idle back-off sleeps." },
	{ "rx_skips", "beamline_rx_skips_total", COUNTER,
	  "Polls skipped while the processes were behind." },
	{ "neigh_punts", "beamline_neigh_punts_total", COUNTER,
	  "ARP and ND packets handed to the control thread." },
	{ "neigh_held", "beamline_neigh_held_messages_total", COUNTER,
	  "Messages held for a next hop whose MAC was not known yet." },
	{ "neigh_tx", "beamline_neigh_tx_frames_total", COUNTER,
	  "Frames the control thread sent (ARP, ND, held frames let go, heartbeats)." },
	{ "neigh_tx_lost", "beamline_neigh_tx_lost_frames_total", COUNTER,
	  "Of those, refused by the TX queue." },
	{ "node_heartbeats", "beamline_node_heartbeats_total", COUNTER,
	  "Heartbeats taken in from other nodes of the cluster." },
	{ "rx_chains", "beamline_rx_chains_total", COUNTER,
	  "Received chains of mbufs copied into one mbuf to be parsed." },
};

/* stats' back-pressure counters, at its top level. */
static const struct field flow[] = {
	{ "flow_pauses", "beamline_flow_pauses_total", COUNTER,
	  "Sending processes stopped by a full mailbox of policy block." },
	{ "flow_resumes", "beamline_flow_resumes_total", COUNTER,
	  "Mailboxes of policy block drained, their senders let go." },
	{ "wire_pauses", "beamline_wire_pauses_total", COUNTER,
	  "Flow-control PAUSE messages sent to sources on the wire." },
	{ "wire_resumes", "beamline_wire_resumes_total", COUNTER,
	  "Flow-control RESUME messages sent to sources on the wire." },
};

/* stats' drop objects: one family each, label reason. */
static const struct field drops[] = {
	{ "pkt_drops", "beamline_packet_drops_total", COUNTER, "Packets refused, by reason." },
	{ "msg_drops", "beamline_message_drops_total", COUNTER, "Messages dropped, by reason." },
	{ "ptx_drops", "beamline_process_tx_drops_total", COUNTER,
	  "Process-sent messages dropped, by reason." },
	{ "proc_drops", "beamline_process_runtime_drops_total", COUNTER,
	  "Drops of the process runtime (mailboxes, signals), by reason." },
};

/* stats "ports": label port and name. */
static const struct field ports[] = {
	{ "rx_pkts", "beamline_port_rx_packets_total", COUNTER, "Packets the port received." },
	{ "tx_pkts", "beamline_port_tx_packets_total", COUNTER, "Packets the port sent." },
	{ "rx_bytes", "beamline_port_rx_bytes_total", COUNTER, "Bytes the port received." },
	{ "tx_bytes", "beamline_port_tx_bytes_total", COUNTER, "Bytes the port sent." },
	{ "rx_missed", "beamline_port_rx_missed_packets_total", COUNTER,
	  "Packets the port dropped for want of RX descriptors." },
	{ "rx_errors", "beamline_port_rx_errors_total", COUNTER, "Erroneous received packets." },
	{ "tx_errors", "beamline_port_tx_errors_total", COUNTER, "Failed transmitted packets." },
	{ "rx_nombuf", "beamline_port_rx_nombuf_total", COUNTER,
	  "RX mbuf allocation failures of the port." },
};

/* stats "lcores": label lcore. */
static const struct field lcore_stats[] = {
	{ "rx_pkts", "beamline_lcore_rx_packets_total", COUNTER, "Packets the lcore received." },
	{ "tx_pkts", "beamline_lcore_tx_packets_total", COUNTER, "Packets the lcore sent." },
	{ "rx_msgs", "beamline_lcore_rx_messages_total", COUNTER, "Messages the lcore received." },
	{ "drop_msgs", "beamline_lcore_dropped_messages_total", COUNTER,
	  "Messages the lcore dropped." },
	{ "busy_tsc", "beamline_lcore_busy_seconds_total", CYCLES,
	  "Time the lcore spent in loops that did work." },
	{ "idle_tsc", "beamline_lcore_idle_seconds_total", CYCLES,
	  "Time the lcore spent in loops that found nothing." },
};

/* lcores "lcores": label lcore. */
static const struct field lcore_info[] = {
	{ "procs", "beamline_lcore_processes", GAUGE, "Processes on the lcore." },
	{ "procs_handled", "beamline_lcore_process_turns_total", COUNTER,
	  "Process turns the lcore ran." },
	{ "stalled", "beamline_lcore_stalled", GAUGE, "1 while the lcore runs no poll loop." },
	{ "stalls", "beamline_lcore_stalls_total", COUNTER, "Stalls the lcore had." },
};

/* memory "lcores": label lcore (the control lcore included). */
static const struct field lcore_mem[] = {
	{ "heap_bytes", "beamline_lcore_heap_bytes", GAUGE, "Process heap bytes on the lcore." },
	{ "binary_bytes", "beamline_lcore_binary_bytes", GAUGE,
	  "Binary bytes the lcore's processes hold." },
	{ "mailbox_msgs", "beamline_lcore_mailbox_messages", GAUGE,
	  "Messages in the mailboxes of the lcore's processes." },
	{ "chunks_in_use", "beamline_lcore_heap_chunks", GAUGE,
	  "Heap chunks in use on the lcore." },
};

/* Scalars: a path of object keys in one reply, all gauges or counters. */
struct scalar {
	const char *cmd, *obj, *key, *name;
	enum kind kind;
	const char *help;
};

static const struct scalar scalars[] = {
	{ "status", NULL, "uptime_s", "beamline_uptime_seconds", GAUGE,
	  "Seconds since the daemon started." },
	{ "stats", "seq", "sources", "beamline_seq_sources", GAUGE,
	  "Sources tracked for sequence gaps." },
	{ "stats", "seq", "frames", "beamline_seq_frames_total", COUNTER,
	  "Frames checked for sequence gaps." },
	{ "stats", "seq", "gaps", "beamline_seq_gaps_total", COUNTER, "Sequence gaps seen." },
	{ "stats", "seq", "dups", "beamline_seq_duplicates_total", COUNTER,
	  "Duplicate or reordered frames seen." },
	{ "stats", "seq", "untracked", "beamline_seq_untracked_frames_total", COUNTER,
	  "Frames from sources over the tracking bound." },
	{ "memory", "processes", "count", "beamline_processes", GAUGE, "Processes alive." },
	{ "memory", "processes", "heap_bytes", "beamline_process_heap_bytes", GAUGE,
	  "Bytes of the processes' heaps." },
	{ "memory", "processes", "table_bytes", "beamline_process_table_bytes", GAUGE,
	  "Bytes of the process tables." },
	{ "memory", "processes", "mailbox_msgs", "beamline_mailbox_messages", GAUGE,
	  "Messages waiting in mailboxes." },
	{ "memory", NULL, "binaries_pinned", "beamline_binary_bytes", GAUGE,
	  "Bytes of binaries (received payloads) processes hold." },
	{ "memory", "tables", "route_bytes", "beamline_route_table_bytes", GAUGE,
	  "Bytes of the route table." },
	{ "memory", "tables", "names", "beamline_registered_names", GAUGE,
	  "Registered process names." },
	{ "memory", "tables", "groups", "beamline_groups", GAUGE, "Process groups." },
	{ "memory", "mbufs", "size", "beamline_mbufs", GAUGE, "Mbufs in the pool." },
	{ "memory", "mbufs", "in_use", "beamline_mbufs_in_use", GAUGE,
	  "Mbufs taken from the pool." },
	{ "memory", "mbufs", "bytes", "beamline_mbuf_pool_bytes", GAUGE,
	  "Bytes of the mbuf pool." },
	{ "memory", "system", "dpdk_heap_total", "beamline_dpdk_heap_bytes", GAUGE,
	  "Bytes of DPDK's heap." },
	{ "memory", "system", "dpdk_heap_used", "beamline_dpdk_heap_used_bytes", GAUGE,
	  "Bytes of DPDK's heap in use." },
	{ "memory", "system", "rss", "beamline_resident_memory_bytes", GAUGE,
	  "Resident memory of the daemon." },
	{ "route.count", NULL, "total", "beamline_route_entries", GAUGE, "Routes in the table." },
	{ "route.count", NULL, "max_routes", "beamline_routes_max", GAUGE,
	  "The route table bound." },
	{ "route.count", NULL, "default_route", "beamline_route_default", GAUGE,
	  "1 when a default route is set." },
	{ "route.count", NULL, "resizes", "beamline_route_table_resizes_total", COUNTER,
	  "Times the route table grew." },
};

/* Replies of the commands a page reads, fetched once per scrape. */
static const char *const page_cmds[] = { "stats",  "status",	  "lcores",
					 "memory", "route.count", "sup.tree" };
#define N_CMDS (sizeof(page_cmds) / sizeof(page_cmds[0]))

struct page {
	struct bl_mtext *t;
	json_t *reply[N_CMDS];
	double hz;
	unsigned failed;
};

static json_t *reply_of(struct page *pg, const char *cmd)
{
	for (size_t i = 0; i < N_CMDS; i++)
		if (strcmp(page_cmds[i], cmd) == 0)
			return pg->reply[i];
	return NULL;
}

static const char *type_of(enum kind k)
{
	return k == GAUGE ? "gauge" : "counter";
}

/* A JSON number or boolean as a sample value; false for anything else. */
static int value_of(const json_t *v, double *out)
{
	if (json_is_integer(v))
		*out = (double)json_integer_value(v);
	else if (json_is_real(v))
		*out = json_real_value(v);
	else if (json_is_boolean(v))
		*out = json_is_true(v) ? 1 : 0;
	else
		return 0;
	return 1;
}

static void sample(struct page *pg, const struct field *f, const char *const *labels,
		   const json_t *v)
{
	double d;

	if (f->kind != CYCLES && json_is_integer(v) && json_integer_value(v) >= 0) {
		bl__mtext_u64(pg->t, f->name, labels, (uint64_t)json_integer_value(v));
		return;
	}
	if (!value_of(v, &d))
		return;
	bl__mtext_f(pg->t, f->name, labels, f->kind == CYCLES ? d / pg->hz : d);
}

/* One family per field over the rows of an array, label `label` = row[key_field]. */
static void rows_families(struct page *pg, const json_t *rows, const struct field *fs, size_t n,
			  const char *label, const char *id_key, const char *name_key)
{
	for (size_t i = 0; i < n; i++) {
		size_t k;
		json_t *row;

		if (!json_is_array(rows) || json_array_size(rows) == 0)
			return;
		bl__mtext_family(pg->t, fs[i].name, type_of(fs[i].kind), fs[i].help);
		json_array_foreach (rows, k, row) {
			const json_t *v = json_object_get(row, fs[i].key);
			const char *nm =
			    name_key ? json_string_value(json_object_get(row, name_key)) : NULL;
			char id[24];
			const char *labels[5] = { label, id, NULL, NULL, NULL };

			if (v == NULL)
				continue;
			snprintf(id, sizeof(id), "%lld",
				 (long long)json_integer_value(json_object_get(row, id_key)));
			if (nm != NULL) {
				labels[2] = "name";
				labels[3] = nm;
			}
			sample(pg, &fs[i], labels, v);
		}
	}
}

static void stats_families(struct page *pg)
{
	const json_t *st = reply_of(pg, "stats");
	const json_t *tot = json_object_get(st, "totals");
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		const json_t *v = json_object_get(tot, totals[i].key);

		if (v == NULL)
			continue;
		bl__mtext_family(pg->t, totals[i].name, type_of(totals[i].kind), totals[i].help);
		sample(pg, &totals[i], NULL, v);
	}
	for (i = 0; i < sizeof(flow) / sizeof(flow[0]); i++) {
		const json_t *v = json_object_get(st, flow[i].key);

		if (v == NULL)
			continue;
		bl__mtext_family(pg->t, flow[i].name, type_of(flow[i].kind), flow[i].help);
		sample(pg, &flow[i], NULL, v);
	}
	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
		const json_t *o = json_object_get(st, drops[i].key);
		const char *reason;
		json_t *v;

		if (!json_is_object(o))
			continue;
		bl__mtext_family(pg->t, drops[i].name, "counter", drops[i].help);
		json_object_foreach ((json_t *)o, reason, v) {
			const char *labels[] = { "reason", reason, NULL };

			sample(pg, &drops[i], labels, v);
		}
	}
	rows_families(pg, json_object_get(st, "ports"), ports, sizeof(ports) / sizeof(ports[0]),
		      "port", "port", "name");
	rows_families(pg, json_object_get(st, "lcores"), lcore_stats,
		      sizeof(lcore_stats) / sizeof(lcore_stats[0]), "lcore", "lcore", NULL);
}

static void status_families(struct page *pg)
{
	const json_t *s = reply_of(pg, "status");
	const json_t *ps = json_object_get(s, "ports");
	const char *ver = json_string_value(json_object_get(s, "version"));
	size_t k;
	json_t *row;

	if (s == NULL)
		return;
	bl__mtext_family(pg->t, "beamline_build_info", "gauge",
			 "Always 1; the label version is the daemon's.");
	{
		const char *labels[] = { "version", ver ? ver : "?", NULL };

		bl__mtext_u64(pg->t, "beamline_build_info", labels, 1);
	}
	if (!json_is_array(ps) || json_array_size(ps) == 0)
		return;
	bl__mtext_family(pg->t, "beamline_port_link_up", "gauge", "1 when the port's link is up.");
	json_array_foreach (ps, k, row) {
		const char *link = json_string_value(json_object_get(row, "link"));
		const char *nm = json_string_value(json_object_get(row, "name"));
		char id[24];
		const char *labels[] = { "port", id, "name", nm ? nm : "", NULL };

		snprintf(id, sizeof(id), "%lld",
			 (long long)json_integer_value(json_object_get(row, "port")));
		bl__mtext_u64(pg->t, "beamline_port_link_up", labels,
			      link != NULL && strcmp(link, "up") == 0);
	}
}

static void scalar_families(struct page *pg)
{
	for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
		const struct scalar *s = &scalars[i];
		const json_t *o = reply_of(pg, s->cmd);
		const json_t *v;
		struct field f = { s->key, s->name, s->kind, s->help };

		if (o != NULL && s->obj != NULL)
			o = json_object_get(o, s->obj);
		v = json_object_get(o, s->key);
		if (v == NULL)
			continue;
		bl__mtext_family(pg->t, s->name, type_of(s->kind), s->help);
		sample(pg, &f, NULL, v);
	}
}

static void route_families(struct page *pg)
{
	const json_t *by = json_object_get(reply_of(pg, "route.count"), "by_action");
	const char *action;
	json_t *v;

	if (!json_is_object(by))
		return;
	bl__mtext_family(pg->t, "beamline_routes", "gauge", "Routes in the table, by action.");
	json_object_foreach ((json_t *)by, action, v) {
		const char *labels[] = { "action", action, NULL };
		struct field f = { action, "beamline_routes", GAUGE, "" };

		sample(pg, &f, labels, v);
	}
}

/* Restarts per supervised node, labelled by its tree (the root's id) and its id. */
static void sup_families(struct page *pg)
{
	const json_t *nodes = json_object_get(reply_of(pg, "sup.tree"), "nodes");
	char tree[128] = "";
	size_t k;
	json_t *row;

	bl__mtext_family(pg->t, "beamline_supervisor_restarts_total", "counter",
			 "Restarts of each node of the running supervision trees.");
	if (!json_is_array(nodes))
		return;
	json_array_foreach (nodes, k, row) {
		const char *node = json_string_value(json_object_get(row, "node"));
		const json_t *v = json_object_get(row, "restarts");
		const char *labels[] = { "tree", tree, "node", NULL, NULL };
		struct field f = { "restarts", "beamline_supervisor_restarts_total", COUNTER, "" };

		if (node == NULL)
			continue;
		if (node[0] != ' ')
			snprintf(tree, sizeof(tree), "%s", node);
		while (*node == ' ')
			node++; /* the reply indents by depth */
		labels[3] = node;
		sample(pg, &f, labels, v);
	}
}

static void ctl_families(struct page *pg, struct bl_ctl *c)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} cs[] = {
#define S(f, n, h) { n, h, offsetof(struct bl_ctl_stats, f) }
		S(accepted, "beamline_control_connections_total", "Control connections accepted."),
		S(closed, "beamline_control_closed_total", "Control connections closed."),
		S(refused_busy, "beamline_control_busy_refusals_total",
		  "Control clients turned away: too many connected."),
		S(dropped_slow, "beamline_control_slow_dropped_total",
		  "Control clients dropped for not reading their replies."),
		S(idle_closed, "beamline_control_idle_closed_total",
		  "Control clients closed after the idle time without a request."),
		S(evicted, "beamline_control_evicted_total",
		  "Control clients closed to make room for a new one (the least active)."),
		S(requests, "beamline_control_requests_total",
		  "Control requests served (scrapes included)."),
		S(errors, "beamline_control_errors_total",
		  "Control requests answered with an error."),
		S(too_big, "beamline_control_too_big_total",
		  "Control request lines over the bound."),
		S(bad_request, "beamline_control_bad_requests_total",
		  "Malformed control requests."),
		S(unknown_command, "beamline_control_unknown_commands_total",
		  "Control requests for an unknown command."),
#undef S
	};
	struct bl_ctl_stats st;

	bl_ctl_stats_get(c, &st);
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		bl__mtext_family(pg->t, cs[i].name, "counter", cs[i].help);
		bl__mtext_u64(pg->t, cs[i].name, NULL,
			      *(const uint64_t *)((const char *)&st + cs[i].off));
	}
	bl__mtext_family(pg->t, "beamline_control_clients", "gauge",
			 "Control clients connected now.");
	bl__mtext_u64(pg->t, "beamline_control_clients", NULL, st.clients);
}

/*
 * Latency: the upper bounds, in seconds. From a microsecond (a forwarded
 * packet's usual time) to a second (a stalled lcore); 15 buckets keep a
 * series count of 17 per lcore and path.
 */
static const double le_s[] = { 1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4,
			       5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 1e-1, 1 };
static const char *const le_txt[] = { "1e-06", "2e-06",	 "5e-06",  "1e-05",  "2e-05",
				      "5e-05", "0.0001", "0.0002", "0.0005", "0.001",
				      "0.002", "0.005",	 "0.01",   "0.1",    "1" };
#define N_LE (sizeof(le_s) / sizeof(le_s[0]))
_Static_assert(sizeof(le_txt) / sizeof(le_txt[0]) == N_LE, "one text per bound");

static const char *const path_names[BL_LAT_PATHS] = { "fast", "process", "fanout" };

/*
 * A fine bucket counts under the first bound its highest value fits
 * (bl_hist_high, in cycles): the cumulative counts never claim a packet
 * was faster than it was, and are off by at most a fine bucket's width
 * (1.6%) at each bound. The sum takes each fine bucket's middle.
 */
static void hist_samples(struct page *pg, const struct bl_hist *h, const char *lcore,
			 const char *path)
{
	uint64_t cum[N_LE] = { 0 }, total = 0;
	double sum = 0;
	char le[24];
	const char *labels[] = { "lcore", lcore, "path", path, "le", le, NULL };

	for (unsigned b = 0; b < BL_HIST_BUCKETS; b++) {
		uint64_t c = h->count[b];
		double hi_s;

		if (c == 0)
			continue;
		total += c;
		if (b == BL_HIST_OVERFLOW) {
			sum += (double)c * (double)bl_hist_low(b) / pg->hz;
			continue;
		}
		hi_s = (double)bl_hist_high(b) / pg->hz;
		sum += (double)c * ((double)bl_hist_low(b) + (double)bl_hist_high(b)) / 2 / pg->hz;
		for (size_t i = 0; i < N_LE; i++)
			if (hi_s <= le_s[i]) {
				cum[i] += c;
				break;
			}
	}
	for (size_t i = 0; i < N_LE; i++) {
		if (i > 0)
			cum[i] += cum[i - 1];
		snprintf(le, sizeof(le), "%s", le_txt[i]);
		bl__mtext_u64(pg->t, "beamline_latency_seconds_bucket", labels, cum[i]);
	}
	snprintf(le, sizeof(le), "+Inf");
	bl__mtext_u64(pg->t, "beamline_latency_seconds_bucket", labels, total);
	labels[4] = NULL;
	bl__mtext_f(pg->t, "beamline_latency_seconds_sum", labels, sum);
	bl__mtext_u64(pg->t, "beamline_latency_seconds_count", labels, total);
}

static int latency_families(struct page *pg, struct bl_router *r)
{
	struct bl_hist *h = malloc(sizeof(*h));

	if (h == NULL)
		return -ENOMEM;
	bl__mtext_family(pg->t, "beamline_latency_seconds", "histogram",
			 "Time packets spent inside the router, RX burst to TX burst, by lcore "
			 "and path (since start; `beamctl latency --reset` does not reset it).");
	for (unsigned i = 0; i < r->n_workers; i++) {
		const struct bl_lcore *lc = r->workers[i];
		char id[16];

		snprintf(id, sizeof(id), "%u", lc->lcore_id);
		for (unsigned p = 0; p < BL_LAT_PATHS; p++) {
			bl_hist_read(&lc->lat[p], h);
			hist_samples(pg, h, id, path_names[p]);
		}
	}
	free(h);
	return 0;
}

/* The links to the other nodes of the cluster, as their heartbeats say
 * (dataplane/heartbeat.h), read as `cluster` reads them; labelled by the
 * node's data-plane address. None on a node that reaches no other. */
static void node_families(struct page *pg, const struct bl_router *r)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{ "beamline_node_link_up", "gauge",
		  "1 while heartbeats come from the node (one within the last second)." },
		{ "beamline_node_rtt_seconds", "gauge",
		  "The last heartbeat round trip to the node, measured on this node's clock." },
		{ "beamline_node_heartbeats_sent_total", "counter",
		  "Heartbeats sent to the node." },
		{ "beamline_node_heartbeats_received_total", "counter",
		  "Heartbeats received from the node." },
	};
	uint32_t n = __atomic_load_n(&r->peers.n, __ATOMIC_ACQUIRE);
	uint64_t now = bl_heartbeat_now_ns();

	if (n == 0)
		return;
	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		bl__mtext_family(pg->t, fam[f].name, fam[f].type, fam[f].help);
		for (uint32_t i = 0; i < n; i++) {
			struct bl_heartbeat_info hi;
			char addr[INET_ADDRSTRLEN];
			const char *labels[] = { "addr", addr, NULL };

			if (inet_ntop(AF_INET, &r->peers.e[i].ip_be, addr, sizeof(addr)) == NULL ||
			    !bl_heartbeat_info(r, r->peers.e[i].ip_be, now, &hi))
				continue;
			if (f == 0)
				bl__mtext_u64(pg->t, fam[f].name, labels, hi.up);
			else if (f == 1 && hi.rtt_ns != 0)
				bl__mtext_f(pg->t, fam[f].name, labels, (double)hi.rtt_ns / 1e9);
			else if (f == 2)
				bl__mtext_u64(pg->t, fam[f].name, labels, hi.sent);
			else if (f == 3)
				bl__mtext_u64(pg->t, fam[f].name, labels, hi.received);
		}
	}
}

int bl__metrics_page(struct bl_ctl *c, struct bl_router *r, struct bl_mtext *t)
{
	struct page pg = { .t = t, .hz = (double)rte_get_tsc_hz() };
	int ret;

	for (size_t i = 0; i < N_CMDS; i++) {
		json_t *req = json_pack("{s:s}", "cmd", page_cmds[i]);

		if (req == NULL || bl_ctl_exec(c, req, &pg.reply[i]) != 0) {
			json_decref(pg.reply[i]);
			pg.reply[i] = NULL;
			pg.failed++;
		}
		json_decref(req);
	}
	if (pg.hz <= 0)
		pg.hz = 1;
	stats_families(&pg);
	status_families(&pg);
	rows_families(&pg, json_object_get(reply_of(&pg, "lcores"), "lcores"), lcore_info,
		      sizeof(lcore_info) / sizeof(lcore_info[0]), "lcore", "lcore", NULL);
	rows_families(&pg, json_object_get(reply_of(&pg, "memory"), "lcores"), lcore_mem,
		      sizeof(lcore_mem) / sizeof(lcore_mem[0]), "lcore", "lcore", NULL);
	scalar_families(&pg);
	route_families(&pg);
	sup_families(&pg);
	ctl_families(&pg, c);
	node_families(&pg, r);
	ret = latency_families(&pg, r);
	bl__mtext_family(t, "beamline_metrics_command_failures", "gauge",
			 "Control commands this scrape could not read (their families are left "
			 "out).");
	bl__mtext_u64(t, "beamline_metrics_command_failures", NULL, pg.failed);
	for (size_t i = 0; i < N_CMDS; i++)
		json_decref(pg.reply[i]);
	return ret != 0 ? ret : t->err;
}
