/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cluster on the control thread: design note. The control thread is
 * the only writer of the route table; cluster routes reach it as a queue
 * of changes from the cluster thread, taken every loop (bl_cluster_cmds_tick,
 * about every 5 ms) and applied RCU-online, one route at a time, through
 * the route-origin bookkeeping: a change never waits on etcd here, and a
 * bad value in etcd is counted and skipped, never a crash. Writes go the
 * other way: route.add/del with "cluster" are queued for the cluster
 * thread and come back, like anyone else's, through the watch.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu-qsbr.h>

#include "control/args.h"
#include "control/cluster_cmds.h"
#include "control/errors.h"
#include "control/cmd_pvt.h"
#include "control/router_cmds_pvt.h"
#include "dataplane/heartbeat.h"

#include <rte_byteorder.h>

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- route-origin callbacks: the table, written as route.add does ---- */

static int origin_apply(void *arg, const struct bl_cmd_route *r)
{
	struct bl_cluster_cmds *cc = arg;
	int rc = bl__route_apply_one(cc->rc->r, r, cc->last_reject, sizeof(cc->last_reject));

	if (rc != 0)
		fprintf(stderr, "beamline: cluster: %s\n", cc->last_reject);
	return rc;
}

static int origin_remove(void *arg, const struct bl_cmd_key *key)
{
	struct bl_cluster_cmds *cc = arg;

	return bl__route_remove_one(cc->rc->r, key);
}

static bool origin_present(void *arg, const struct bl_cmd_key *key)
{
	struct bl_cluster_cmds *cc = arg;

	return bl__route_present(cc->rc->r, key);
}

/* ---- hooks route.add / route.del / status call ---- */

static int cluster_write(void *arg, const struct bl_cmd_key *key, const struct bl_cmd_route *r,
			 char *errmsg, size_t errlen)
{
	struct bl_cluster_cmds *cc = arg;
	char k[32], *value = NULL;
	int rc;

	bl_cmd_key_format(key, k, sizeof(k));
	if (r != NULL) {
		value = bl_cluster_route_value(r, realtime_ns(), bl_cluster_conf(cc->cl)->node);
		if (value == NULL)
			return -ENOMEM;
	}
	rc = bl_cluster_route_write(cc->cl, k, value);
	free(value);
	if (rc == -EAGAIN)
		bl_err_set(errmsg, errlen,
			   "route %s: etcd is not reachable now (cluster %s): try again when "
			   "'beamctl status' says joined",
			   k, bl_cluster_state_name(bl_cluster_state(cc->cl, NULL, NULL, 0)));
	else if (rc == -ENOBUFS)
		bl_err_set(errmsg, errlen, "route %s: too many cluster writes waiting for etcd", k);
	return rc == -ENOBUFS ? -EAGAIN : rc; /* the client's answer: try again later */
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* {"samples":N,"p50_us":..,"p99_us":..,"max_us":..} over the kept delays. */
static json_t *latency_json(const struct bl_cluster_cmds *cc)
{
	size_t n = cc->lat_n < BL_CLUSTER_LAT_SAMPLES ? cc->lat_n : BL_CLUSTER_LAT_SAMPLES;
	uint64_t s[BL_CLUSTER_LAT_SAMPLES];
	json_t *o = json_object();

	json_object_set_new(o, "samples", json_integer((json_int_t)n));
	if (n == 0)
		return o;
	memcpy(s, cc->lat, n * sizeof(s[0]));
	qsort(s, n, sizeof(s[0]), cmp_u64);
	json_object_set_new(o, "p50_us", json_integer((json_int_t)(s[(n - 1) / 2] / 1000)));
	json_object_set_new(o, "p99_us", json_integer((json_int_t)(s[(n * 99 - 1) / 100] / 1000)));
	json_object_set_new(o, "max_us", json_integer((json_int_t)(s[n - 1] / 1000)));
	return o;
}

static json_t *state_json(struct bl_cluster_cmds *cc)
{
	const struct bl_cluster_conf *conf = bl_cluster_conf(cc->cl);
	struct bl_route_origin_stats os;
	struct bl_cluster_counters c;
	enum bl_cluster_state s;
	char err[256];
	json_t *o;

	s = bl_cluster_state(cc->cl, &c, err, sizeof(err));
	bl_route_origin_stats(cc->origin, &os);
	o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "state", bl_cluster_state_name(s), "name",
		      conf->name, "node", conf->node, "etcd", conf->endpoints, "revision",
		      (json_int_t)c.revision);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "routes",
			    json_pack("{s:I, s:I, s:I}", "applied", (json_int_t)os.applied, "held",
				      (json_int_t)os.held, "rejected", (json_int_t)os.rejected));
	json_object_set_new(
	    o, "counters",
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "joins", (json_int_t)c.joins,
		      "leases_kept", (json_int_t)c.leases_kept, "outages", (json_int_t)c.outages,
		      "compactions", (json_int_t)c.compactions, "resyncs", (json_int_t)c.resyncs,
		      "events", (json_int_t)c.events, "writes", (json_int_t)c.writes,
		      "write_errors", (json_int_t)c.write_errors, "bad_values",
		      (json_int_t)cc->bad_values));
	if (s != BL_CLUSTER_JOINED && err[0] != '\0')
		json_object_set_new(o, "last_error", json_string(err));
	return o;
}

static void cluster_status(void *arg, json_t *reply)
{
	json_t *o = state_json(arg);

	if (o != NULL)
		json_object_set_new(reply, "cluster", o);
}

/* ---- cluster.members ---- */

/* Each other member's link, as its heartbeats say (dataplane/heartbeat.h):
 * a member this node has no data-plane hop to has none. Flat fields, so
 * the member table shows them as columns. */
static void add_heartbeats(const struct bl_router *r, json_t *members)
{
	uint64_t now = bl_heartbeat_now_ns();
	size_t k;

	for (k = 0; k < json_array_size(members); k++) {
		json_t *m = json_array_get(members, k);
		const char *addr = json_string_value(json_object_get(m, "addr"));
		struct bl_heartbeat_info hi;
		struct in_addr a;

		if (addr == NULL || inet_pton(AF_INET, addr, &a) != 1 ||
		    !bl_heartbeat_info(r, a.s_addr, now, &hi))
			continue;
		json_object_set_new(m, "link", json_string(hi.up ? "up" : "down"));
		json_object_set_new(m, "rtt_us",
				    hi.rtt_ns == 0 ? json_null()
						   : json_integer((json_int_t)(hi.rtt_ns / 1000u)));
		json_object_set_new(m, "hb_age_ms",
				    hi.age_ms == UINT64_MAX ? json_null()
							    : json_integer((json_int_t)hi.age_ms));
		json_object_set_new(m, "hb_sent", json_integer((json_int_t)hi.sent));
		json_object_set_new(m, "hb_received", json_integer((json_int_t)hi.received));
	}
}

static int cmd_cluster_members(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_cluster_cmds *cc = arg;
	json_t *members = NULL, *state;
	char *text;

	if (bl_args_none(req, errmsg, errlen) != 0)
		return -EINVAL;
	if (cc->cl == NULL) {
		bl_err_set(errmsg, errlen,
			   "this node is in no cluster (start beamline with --cluster NAME --node "
			   "ID --etcd URL)");
		return -ENOTCONN;
	}
	state = state_json(cc);
	if (state != NULL) {
		json_object_update(reply, state);
		json_decref(state);
	}
	json_object_set_new(reply, "apply_latency", latency_json(cc));
	text = bl_cluster_members(cc->cl);
	if (text != NULL)
		members = json_loads(text, 0, NULL);
	free(text);
	if (json_is_array(members))
		add_heartbeats(cc->rc->r, members);
	/* Before the first read (or while etcd is away and none was ever read): empty. */
	json_object_set_new(reply, "members", json_is_array(members) ? members : json_array());
	if (!json_is_array(members))
		json_decref(members);
	return 0;
}

int bl_cluster_cmds_register(struct bl_ctl *c, struct bl_cluster_cmds *cc)
{
	return bl_ctl_register(c, "cluster.members", cmd_cluster_members, cc,
			       "the cluster's members: address, lease age, reachable; this "
			       "node's cluster state");
}

int bl_cluster_cmds_opt(struct bl_cluster_conf *conf, const char *opt, const char *arg, char *err,
			size_t errlen)
{
	char host[64];
	const char *colon;
	uint64_t v = 0;
	uint32_t ip;

	if (strcmp(opt, "cluster") == 0) {
		conf->name = arg;
	} else if (strcmp(opt, "node") == 0) {
		conf->node = arg;
	} else if (strcmp(opt, "etcd") == 0) {
		conf->endpoints = arg;
	} else if (strcmp(opt, "cluster-ttl") == 0) {
		if (bl__cmd_parse_uint(arg, 3600, &v) != 0 || v < 2) {
			bl_err_set(err, errlen, "bad TTL '%s': expected 2..3600 seconds", arg);
			return -EINVAL;
		}
		conf->ttl_s = (unsigned int)v;
	} else if (strcmp(opt, "cluster-addr") == 0) {
		colon = strchr(arg, ':');
		snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - arg) : (int)strlen(arg),
			 arg);
		if (bl_cmd_ipv4_parse(host, &ip, err, errlen) != 0)
			return -EINVAL;
		if (colon != NULL && (bl__cmd_parse_uint(colon + 1, 65535, &v) != 0 || v == 0)) {
			bl_err_set(err, errlen, "bad UDP port '%s': expected 1..65535", colon + 1);
			return -EINVAL;
		}
		snprintf(conf->addr, sizeof(conf->addr), "%s", host);
		if (colon != NULL)
			conf->port = (uint16_t)v;
	} else if (strcmp(opt, "cluster-port") == 0) {
		if (bl__cmd_parse_uint(arg, 65535, &v) != 0) {
			bl_err_set(err, errlen, "bad port '%s': expected a port number", arg);
			return -EINVAL;
		}
		conf->via_port = (uint16_t)v;
	} else {
		bl_err_set(err, errlen, "no such cluster option");
		return -EINVAL;
	}
	return 0;
}

int bl_cluster_cmds_start(struct bl_cluster_cmds *cc, struct bl_router_cmds *rc,
			  struct bl_router *r, struct bl_cluster_conf *conf, char *err,
			  size_t errlen)
{
	static const struct bl_route_origin_ops ops = { origin_apply, origin_remove,
							origin_present };
	int e;

	if (conf->ttl_s == 0)
		conf->ttl_s = BL_CLUSTER_TTL_DEFAULT;
	if (conf->via_port >= r->n_ports) {
		bl_err_set(err, errlen, "--cluster-port %u: no such port (ports: 0..%u)",
			   conf->via_port, r->n_ports - 1);
		return -EINVAL;
	}
	if (conf->port == 0)
		conf->port = r->conf.udp_port;
	if (conf->addr[0] == '\0') {
		uint32_t ip = r->n_ports > 0 ? rte_be_to_cpu_32(r->ports[0].local.ip) : 0;

		snprintf(conf->addr, sizeof(conf->addr), "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255,
			 ip >> 8 & 255, ip & 255);
	}
	cc->rc = rc;
	cc->origin = bl_route_origin_create(&ops, cc);
	if (cc->origin == NULL) {
		bl_err_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	cc->cl = bl_cluster_start(conf, err, errlen);
	if (cc->cl == NULL) {
		e = errno;
		bl_route_origin_destroy(cc->origin);
		cc->origin = NULL;
		return -e;
	}
	rc->origin = cc->origin;
	rc->cluster.write = cluster_write;
	rc->cluster.status = cluster_status;
	rc->cluster.arg = cc;
	return 0;
}

/* One route change from etcd. */
static void apply_change(struct bl_cluster_cmds *cc, const struct bl_cluster_change *ch,
			 uint64_t now)
{
	struct bl_cmd_route r;
	struct bl_cmd_key k;
	uint64_t written;
	char err[256];

	switch (ch->kind) {
	case BL_CLUSTER_RESYNC_BEGIN:
		bl_route_origin_resync_begin(cc->origin);
		return;
	case BL_CLUSTER_RESYNC_END:
		bl_route_origin_resync_end(cc->origin);
		return;
	case BL_CLUSTER_ROUTE_DEL:
		if (bl_cmd_key_parse(ch->key, &k, err, sizeof(err)) == 0)
			bl_route_origin_cluster_del(cc->origin, &k);
		return;
	case BL_CLUSTER_ROUTE_PUT:
		break;
	}
	if (bl_cluster_route_parse(ch->key, ch->value, &r, &written, err, sizeof(err)) != 0) {
		cc->bad_values++;
		snprintf(cc->last_reject, sizeof(cc->last_reject), "%s", err);
		fprintf(stderr, "beamline: cluster: skipped: %s\n", err);
		/* A route this node had from the key before is wrong now: gone. */
		if (bl_cmd_key_parse(ch->key, &k, err, sizeof(err)) == 0)
			bl_route_origin_cluster_del(cc->origin, &k);
		return;
	}
	if (bl_route_origin_cluster_put(cc->origin, &r) == BL_ORIGIN_REJECTED)
		cc->rejected++;
	else
		cc->applied++;
	if (written != 0 && now > written)
		cc->lat[cc->lat_n++ % BL_CLUSTER_LAT_SAMPLES] = now - written;
}

unsigned int bl_cluster_cmds_tick(struct bl_cluster_cmds *cc)
{
	struct bl_cluster_change *head, *ch;
	unsigned int n = 0;
	uint64_t now;

	if (cc->cl == NULL)
		return 0;
	head = bl_cluster_take(cc->cl);
	if (head == NULL)
		return 0;
	now = realtime_ns();
	rcu_thread_online();
	for (ch = head; ch != NULL; ch = ch->next, n++)
		apply_change(cc, ch, now);
	rcu_thread_offline();
	bl_cluster_changes_free(head);
	return n;
}

void bl_cluster_cmds_stop(struct bl_cluster_cmds *cc)
{
	if (cc->cl == NULL)
		return;
	bl_cluster_stop(cc->cl);
	cc->cl = NULL;
	if (cc->rc != NULL) {
		cc->rc->origin = NULL;
		memset(&cc->rc->cluster, 0, sizeof(cc->rc->cluster));
	}
	bl_route_origin_destroy(cc->origin);
	cc->origin = NULL;
}
