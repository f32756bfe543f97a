/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh.list: the neighbour table (dataplane/nbr.h), one object a
 * neighbour (address, port, VLAN, MAC, state, age, probes, frames held),
 * and its counters. Control thread; the table is the control thread's, so
 * it is read without locks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>
#include <rte_ether.h>

#include "control/args.h"
#include "control/cmd_route.h"
#include "control/router_cmds.h"
#include "control/router_cmds_pvt.h"
#include "dataplane/nbr.h"
#include "dataplane/router.h"

static json_t *nbr_json(const struct bl_nbr_info *n)
{
	char ip[INET6_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE], vl[16];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	inet_ntop(n->v6 ? AF_INET6 : AF_INET, n->v6 ? (const void *)n->ip6 : (const void *)&n->ip,
		  ip, sizeof(ip));
	json_object_set_new(o, "ip", json_string(ip));
	bl__set_u64(o, "port", n->port);
	if (n->vlan != 0) {
		bl_cmd_vlan_format(n->vlan_outer, n->vlan, vl, sizeof(vl));
		json_object_set_new(o, "vlan", json_string(vl));
	}
	if (n->have_mac) {
		rte_ether_format_addr(mac, sizeof(mac), &n->mac);
		json_object_set_new(o, "mac", json_string(mac));
	} else {
		json_object_set_new(o, "mac", json_null());
	}
	json_object_set_new(o, "state", json_string(bl_nbr_state_names[n->state]));
	bl__set_u64(o, "age_ms", n->age_ms);
	bl__set_u64(o, "probes", n->probes);
	bl__set_u64(o, "queued", n->queued);
	bl__set_u64(o, "queued_msgs", n->queued_msg);
	bl__set_u64(o, "hops", n->hops);
	return o;
}

static json_t *stats_json(const struct bl_nbr_stats *s)
{
	json_t *o = json_object();

#define SET(f) bl__set_u64(o, #f, __atomic_load_n(&s->f, __ATOMIC_RELAXED))
	SET(arp_in);
	SET(nd_in);
	SET(bad_in);
	SET(replies);
	SET(solicits);
	SET(held_msgs);
	SET(released_msgs);
	SET(unresolved_msgs);
	SET(tx_full);
	SET(resolved);
	SET(failed);
#undef SET
	return o;
}

/* neigh.list {}: every neighbour (at most BL_NBR_MAX) and the counters. */
static int cmd_neigh_list(void *arg, json_t *req, json_t *reply, char *errmsg, size_t errlen)
{
	struct bl_router_cmds *rc = arg;
	static const char *const fields[] = { NULL };
	struct bl_nbr_info *v;
	struct bl_args a;
	json_t *list;
	size_t n, i;

	if (bl_args_open_request(&a, req, fields, errmsg, errlen) != 0)
		return -EINVAL;
	if (rc->r->nbr == NULL)
		return -ENOTSUP;
	v = malloc(BL_NBR_MAX * sizeof(*v));
	list = json_array();
	if (v == NULL || list == NULL) {
		free(v);
		json_decref(list);
		return -ENOMEM;
	}
	n = bl_nbr_list(rc->r->nbr, bl_nbr_now_ms(), v, BL_NBR_MAX);
	for (i = 0; i < n; i++)
		json_array_append_new(list, nbr_json(&v[i]));
	free(v);
	json_object_set_new(reply, "neighbours", list);
	json_object_set_new(reply, "stats", stats_json(bl_nbr_stats(rc->r->nbr)));
	return 0;
}

int bl__neigh_cmds_register(struct bl_ctl *c, struct bl_router_cmds *rc)
{
	return bl_ctl_register(c, "neigh.list", cmd_neigh_list, rc,
			       "the neighbour table: next hops resolved by ARP and ND");
}
