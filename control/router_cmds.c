/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Router commands: status, ports, stats, and the registration of every
 * router command (the route.* family is control/route_cmds.c). They read
 * counters the lcores write; status goes RCU-online for the route table's
 * size, the others need not.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu-qsbr.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "actors/info.h"
#include "control/args.h"
#include "control/cmd_route.h"
#include "control/online.h"
#include "control/router_cmds.h"
#include "control/router_cmds_pvt.h"
#include "dataplane/drop.h"
#include "dataplane/seq.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void fmt_mac(const struct rte_ether_addr *m, char *buf, size_t len)
{
	rte_ether_format_addr(buf, (uint16_t)len, m);
}

static void fmt_ip(uint32_t host_ip, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", host_ip >> 24, (host_ip >> 16) & 255,
		 (host_ip >> 8) & 255, host_ip & 255);
}

/* A port's VLANs as `--port-vlans` names them ("100", "300.400"), with the
 * addresses a VLAN has of its own. */
static json_t *port_vlans_json(const struct bl_port *pt)
{
	static const uint8_t unset[16];
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; i < pt->n_vlans; i++) {
		const struct bl_port_vlan *v = &pt->vlans[i];
		json_t *o = json_object();
		char id[16], ip[INET6_ADDRSTRLEN];

		bl_cmd_vlan_format(v->outer, v->vid, id, sizeof(id));
		json_object_set_new(o, "vlan", json_string(id));
		if (v->ip != 0) {
			fmt_ip(rte_be_to_cpu_32(v->ip), ip, sizeof(ip));
			json_object_set_new(o, "ip", json_string(ip));
		}
		if (memcmp(v->ip6, unset, 16) != 0 && inet_ntop(AF_INET6, v->ip6, ip, sizeof(ip)))
			json_object_set_new(o, "ip6", json_string(ip));
		json_array_append_new(a, o);
	}
	return a;
}

/* ---- status ---------------------------------------------------------------- */

/* The control socket server's own figures: who is connected, what it refused or closed. */
static json_t *control_json(const struct bl_ctl *c)
{
	struct bl_ctl_stats st;
	json_t *o = json_object();

	bl_ctl_stats_get(c, &st);
	bl__set_u64(o, "clients", st.clients);
	bl__set_u64(o, "max_clients", BL_CTL_MAX_CLIENTS);
	bl__set_u64(o, "idle_timeout_ms", bl_ctl_idle_timeout(c));
	bl__set_u64(o, "accepted", st.accepted);
	bl__set_u64(o, "requests", st.requests);
	bl__set_u64(o, "errors", st.errors);
	bl__set_u64(o, "busy", st.refused_busy);
	bl__set_u64(o, "evicted", st.evicted);
	bl__set_u64(o, "idle_closed", st.idle_closed);
	bl__set_u64(o, "slow_dropped", st.dropped_slow);
	bl__set_u64(o, "too_big", st.too_big);
	bl__set_u64(o, "bad_request", st.bad_request);
	bl__set_u64(o, "unknown_command", st.unknown_command);
	return o;
}

static int cmd_status(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_router_cmds *rc = arg;
	struct bl_router *r = rc->r;
	json_t *lcores, *ports;
	unsigned int i;
	uint16_t p;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	lcores = json_array();
	ports = json_array();
	for (i = 0; i < r->n_workers; i++)
		json_array_append_new(lcores, json_integer(r->workers[i]->lcore_id));
	for (p = 0; p < r->n_ports; p++) {
		const struct bl_port *pt = &r->ports[p];
		struct rte_eth_link link;
		char mac[RTE_ETHER_ADDR_FMT_SIZE], ip[16];

		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(p, &link);
		fmt_mac(&pt->local.mac, mac, sizeof(mac));
		fmt_ip(rte_be_to_cpu_32(pt->local.ip), ip, sizeof(ip));
		json_array_append_new(
		    ports,
		    json_pack("{s:i, s:s, s:s, s:s, s:i, s:s, s:i, s:b, s:b, s:i}", "port", p,
			      "name", pt->name, "mac", mac, "ip", ip, "udp", r->conf.udp_port,
			      "link", link.link_status ? "up" : "down", "queues", pt->n_queues,
			      "rss", pt->rss, "multiseg_tx", pt->multiseg_tx, "mtu", pt->mtu));
		if (pt->n_vlans > 0)
			json_object_set_new(json_array_get(ports, json_array_size(ports) - 1),
					    "vlans", port_vlans_json(pt));
	}
	json_object_set_new(reply, "version", json_string(rc->version));
	bl__set_u64(reply, "pid", (uint64_t)getpid());
	bl__set_u64(reply, "uptime_s", (now_ns() - rc->start_ns) / 1000000000ull);
	json_object_set_new(reply, "main_lcore", json_integer(rte_get_main_lcore()));
	json_object_set_new(reply, "lcores", lcores);
	json_object_set_new(reply, "ports", ports);
	bl__set_u64(reply, "routes", r->routes->count);
	json_object_set_new(reply, "default_route",
			    json_boolean(r->routes->dflt != BL_ROUTE_VAL_NONE));
	json_object_set_new(reply, "socket", json_string(rc->socket_path));
	if (rc->ctl != NULL)
		json_object_set_new(reply, "control", control_json(rc->ctl));
	if (rc->cluster.status != NULL)
		rc->cluster.status(rc->cluster.arg, reply);
	else
		json_object_set_new(reply, "cluster", json_pack("{s:s}", "state", "off"));
	return 0;
}

/* ---- ports ----------------------------------------------------------------- */

static int cmd_ports(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_router_cmds *rc = arg;
	struct bl_router *r = rc->r;
	json_t *ports;
	uint16_t p;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	ports = json_array();
	for (p = 0; p < r->n_ports; p++) {
		const struct bl_port *pt = &r->ports[p];
		struct rte_eth_link link;
		struct rte_eth_stats es;
		char mac[RTE_ETHER_ADDR_FMT_SIZE], ip[16];

		memset(&link, 0, sizeof(link));
		memset(&es, 0, sizeof(es));
		rte_eth_link_get_nowait(p, &link);
		rte_eth_stats_get(p, &es);
		fmt_mac(&pt->local.mac, mac, sizeof(mac));
		fmt_ip(rte_be_to_cpu_32(pt->local.ip), ip, sizeof(ip));
		json_array_append_new(
		    ports,
		    json_pack(
			"{s:i, s:s, s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:I, "
			"s:I, s:I, s:I}",
			"port", p, "name", pt->name, "link", link.link_status ? "up" : "down",
			"mac", mac, "ip", ip, "queues", pt->n_queues, "mtu", pt->mtu, "rx_pkts",
			(json_int_t)es.ipackets, "tx_pkts", (json_int_t)es.opackets, "rx_bytes",
			(json_int_t)es.ibytes, "tx_bytes", (json_int_t)es.obytes, "rx_missed",
			(json_int_t)es.imissed, "rx_errors", (json_int_t)es.ierrors, "tx_errors",
			(json_int_t)es.oerrors, "rx_nombuf", (json_int_t)es.rx_nombuf));
	}
	json_object_set_new(reply, "ports", ports);
	return 0;
}

/* ---- stats ----------------------------------------------------------------- */

/* The lcore counters a stats reply shows, totals and per lcore alike. */
static const struct {
	const char *name;
	size_t off;
} lcore_counters[] = {
#define C(f)                                                                                       \
	{                                                                                          \
#f, offsetof(struct bl_lcore_stats, f)                                             \
	}
	C(rx_pkts),	     C(acc_pkts),      C(drop_pkts),	  C(rx_msgs),	 C(fwd_msgs),
	C(drop_msgs),	     C(buffered_msgs), C(delivered_msgs), C(deliveries), C(tx_pkts),
	C(split_frames),     C(ref_segs),      C(ptx_in),	  C(ptx_msgs),	 C(ptx_drop_msgs),
	C(ptx_buffered),     C(ptx_frames),    C(loops),	  C(busy_loops), C(rx_bursts),
	C(busy_tsc),	     C(idle_tsc),      C(sleeps),	  C(rx_skips),	 C(ptx_inplace),
	C(frame_deliveries), C(neigh_punts),   C(neigh_held),	  C(neigh_tx),	 C(neigh_tx_lost),
	C(node_heartbeats),  C(rx_chains),
#undef C
};

static json_t *counters_json(const struct bl_lcore_stats *st)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < sizeof(lcore_counters) / sizeof(lcore_counters[0]); i++)
		bl__set_u64(
		    o, lcore_counters[i].name,
		    bl_stat_read((const uint64_t *)((const char *)st + lcore_counters[i].off)));
	return o;
}

struct seq_sum {
	uint64_t sources, frames, gaps, dups, untracked;
};

int bl_router_cmds_stats(struct bl_router_cmds *rc, json_t *reply)
{
	struct bl_router *r = rc->r;
	struct bl_lcore_stats tot;
	struct seq_sum seq = { 0 };
	json_t *pd, *md, *ports, *lcores, *o;
	unsigned int i;
	uint16_t p;

	bl_router_stats_sum(r, &tot);
	json_object_set_new(reply, "totals", counters_json(&tot));

	pd = json_object();
	for (i = 1; i < BL_PKT_DROP_MAX; i++)
		bl__set_u64(pd, bl_pkt_drop_names[i], tot.pkt_drops[i]);
	json_object_set_new(reply, "pkt_drops", pd);
	md = json_object();
	for (i = 0; i < BL_MSG_DROP_MAX; i++)
		bl__set_u64(md, bl_msg_drop_names[i], tot.msg_drops[i]);
	json_object_set_new(reply, "msg_drops", md);
	md = json_object();
	for (i = 0; i < BL_PTX_DROP_MAX; i++)
		bl__set_u64(md, bl_ptx_drop_names[i], tot.ptx_drops[i]);
	json_object_set_new(reply, "ptx_drops", md);
	{
		/* The process runtime's own drops, every scheduler summed. */
		uint64_t sd[BL_SDROP_MAX] = { 0 }, pauses = 0, resumes = 0, wpauses = 0,
			 wresumes = 0;
		struct bl_sched_totals t;

		for (i = 0; i <= r->n_workers; i++) {
			struct bl_sched *s = i < r->n_workers ? r->workers[i]->sched : r->ctl_sched;

			if (s == NULL)
				continue;
			bl_sched_totals(s, &t);
			for (unsigned k = 0; k < BL_SDROP_MAX; k++)
				sd[k] += t.drops[k];
			pauses += t.flow_pauses;
			resumes += t.flow_resumes;
			wpauses += t.wire_pauses;
			wresumes += t.wire_resumes;
		}
		md = json_object();
		for (i = 0; i < BL_SDROP_MAX; i++)
			bl__set_u64(md, bl_sched_drop_names[i], sd[i]);
		json_object_set_new(reply, "proc_drops", md);
		/* Back-pressure between processes (policy block). */
		bl__set_u64(reply, "flow_pauses", pauses);
		bl__set_u64(reply, "flow_resumes", resumes);
		/* And of sources on the wire (flow-control messages sent). */
		bl__set_u64(reply, "wire_pauses", wpauses);
		bl__set_u64(reply, "wire_resumes", wresumes);
	}

	ports = json_array();
	for (p = 0; p < r->n_ports; p++) {
		struct rte_eth_stats es;

		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(p, &es);
		o = json_object();
		bl__set_u64(o, "port", p);
		json_object_set_new(o, "name", json_string(r->ports[p].name));
		bl__set_u64(o, "rx_pkts", es.ipackets);
		bl__set_u64(o, "tx_pkts", es.opackets);
		bl__set_u64(o, "rx_bytes", es.ibytes);
		bl__set_u64(o, "tx_bytes", es.obytes);
		bl__set_u64(o, "rx_missed", es.imissed);
		bl__set_u64(o, "rx_errors", es.ierrors);
		bl__set_u64(o, "tx_errors", es.oerrors);
		bl__set_u64(o, "rx_nombuf", es.rx_nombuf);
		json_array_append_new(ports, o);
	}
	json_object_set_new(reply, "ports", ports);

	lcores = json_array();
	for (i = 0; i < r->n_workers; i++) {
		const struct bl_lcore *lc = r->workers[i];
		struct bl_seq_stats ss;

		bl_seq_stats_get(lc->seq, &ss);
		seq.sources += ss.sources;
		seq.frames += ss.frames;
		seq.gaps += ss.gaps;
		seq.dups += ss.dups;
		seq.untracked += ss.untracked;
		o = counters_json(&lc->st);
		bl__set_u64(o, "lcore", lc->lcore_id);
		json_array_append_new(lcores, o);
	}
	json_object_set_new(reply, "lcores", lcores);

	o = json_object();
	bl__set_u64(o, "sources", seq.sources);
	bl__set_u64(o, "frames", seq.frames);
	bl__set_u64(o, "gaps", seq.gaps);
	bl__set_u64(o, "dups", seq.dups);
	bl__set_u64(o, "untracked", seq.untracked);
	json_object_set_new(reply, "seq", o);

	o = json_object();
	bl__set_u64(o, "size", r->pool->size);
	bl__set_u64(o, "in_use", rte_mempool_in_use_count(r->pool));
	bl__set_u64(o, "avail", rte_mempool_avail_count(r->pool));
	bl__set_u64(o, "data_room", rte_pktmbuf_data_room_size(r->pool)); /* with --mtu, larger */
	json_object_set_new(reply, "mempool", o);
	return 0;
}

static int cmd_stats(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	return bl_router_cmds_stats(arg, reply);
}

/* ---- registration ---------------------------------------------------------- */

/*
 * Handlers touch RCU-protected tables, so they run RCU-online; the control
 * thread is otherwise offline (it spends its life waiting on the socket).
 */
BL_ONLINE(cmd_status)

int bl_router_cmds_register(struct bl_ctl *c, struct bl_router_cmds *rc)
{
	static const struct {
		const char *name;
		bl_ctl_handler fn;
		const char *help;
	} cmds[] = {
		{ "status", cmd_status_online, "daemon, lcores and ports at a glance" },
		{ "stats", cmd_stats,
		  "counters: totals, drops by reason, ports, lcores, seq, mbufs" },
		{ "ports", cmd_ports, "ports: link, addresses, queues, packet and error counters" },
	};
	size_t i;
	int ret;

	rc->start_ns = now_ns();
	rc->ctl = c;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ret = bl_ctl_register(c, cmds[i].name, cmds[i].fn, rc, cmds[i].help);
		if (ret != 0)
			return ret;
	}
	ret = bl__route_cmds_register(c, rc);
	return ret != 0 ? ret : bl__neigh_cmds_register(c, rc);
}
