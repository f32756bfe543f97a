/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>

#include "dataplane/port.h"

/* The largest IP MTU the device takes: its max_mtu, and its largest frame
 * less the Ethernet overhead it counts (as rte_ethdev reckons it). */
static uint32_t port_max_mtu(const struct rte_eth_dev_info *info)
{
	uint32_t overhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;

	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		overhead = info->max_rx_pktlen - info->max_mtu;
	if (info->max_rx_pktlen <= overhead)
		return 0;
	return RTE_MIN((uint32_t)info->max_mtu, info->max_rx_pktlen - overhead);
}

int bl_port_setup(struct bl_port *p, uint16_t port_id, const struct bl_port_conf *c, char *err,
		  size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxq;
	struct rte_eth_txconf txq;
	uint16_t rxd = c->rxd, txd = c->txd, q;
	int socket, ret;

	memset(p, 0, sizeof(*p));
	p->port_id = port_id;
	if (!rte_eth_dev_is_valid_port(port_id)) {
		snprintf(err, errlen, "port %u does not exist", port_id);
		return -ENODEV;
	}
	rte_eth_dev_get_name_by_port(port_id, p->name);
	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret != 0) {
		snprintf(err, errlen, "port %u (%s): cannot read device info: %s", port_id, p->name,
			 rte_strerror(-ret));
		return ret;
	}
	if (c->n_queues > info.max_rx_queues || c->n_queues > info.max_tx_queues) {
		snprintf(
		    err, errlen,
		    "port %u (%s): %u worker lcores need %u queues, the device has %u rx / %u tx",
		    port_id, p->name, c->n_queues, c->n_queues, info.max_rx_queues,
		    info.max_tx_queues);
		return -EINVAL;
	}

	memset(&conf, 0, sizeof(conf));
	if (c->mtu != 0) {
		/* Refused here, named, rather than by configure's log line. */
		if (c->mtu < info.min_mtu || c->mtu > port_max_mtu(&info)) {
			snprintf(err, errlen,
				 "port %u (%s): MTU %u is beyond the device: it takes %u..%u",
				 port_id, p->name, c->mtu, info.min_mtu, port_max_mtu(&info));
			return -EINVAL;
		}
		conf.rxmode.mtu = c->mtu; /* configure sets the port's MTU from it */
	}
	if (c->n_queues > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_UDP)) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
		    info.flow_type_rss_offloads & (RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_IPV4 |
						   RTE_ETH_RSS_NONFRAG_IPV6_UDP | RTE_ETH_RSS_IPV6);
		p->rss = true;
	}
	/* Ask only for what the device offers: virtual ports offer little. */
	conf.rxmode.offloads =
	    info.rx_offload_capa & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	conf.txmode.offloads =
	    info.tx_offload_capa & (RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
	/* Tags on frames to VLAN hops: by the device where it can, asked for only
	 * on a port with VLANs (an offload may cost a PMD its fastest TX path). */
	if (c->n_vlans > 0)
		conf.txmode.offloads |= info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	p->vlan_tx = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_VLAN_INSERT) != 0;
	p->multiseg_tx = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
	p->udp6_csum_tx = (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;

	ret = rte_eth_dev_configure(port_id, c->n_queues, c->n_queues, &conf);
	if (ret != 0) {
		snprintf(err, errlen, "port %u (%s): configure failed: %s", port_id, p->name,
			 rte_strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rxd, &txd);
	if (ret != 0) {
		snprintf(err, errlen, "port %u (%s): descriptor counts refused: %s", port_id,
			 p->name, rte_strerror(-ret));
		return ret;
	}
	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = 0;
	rxq = info.default_rxconf;
	rxq.offloads = conf.rxmode.offloads;
	txq = info.default_txconf;
	txq.offloads = conf.txmode.offloads;
	for (q = 0; q < c->n_queues; q++) {
		ret = rte_eth_rx_queue_setup(port_id, q, rxd, (unsigned int)socket, &rxq, c->pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(port_id, q, txd, (unsigned int)socket, &txq);
		if (ret != 0) {
			snprintf(err, errlen, "port %u (%s): queue %u setup failed: %s", port_id,
				 p->name, q, rte_strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_dev_start(port_id);
	if (ret != 0) {
		snprintf(err, errlen, "port %u (%s): start failed: %s", port_id, p->name,
			 rte_strerror(-ret));
		return ret;
	}
	p->started = true;
	p->n_queues = c->n_queues;
	if (c->promisc)
		rte_eth_promiscuous_enable(port_id); /* best effort: vdevs may refuse */
	if (rte_eth_dev_get_mtu(port_id, &p->mtu) != 0)
		p->mtu = c->mtu != 0 ? c->mtu : RTE_ETHER_MTU;

	rte_eth_macaddr_get(port_id, &p->local.mac);
	p->local.ip = rte_cpu_to_be_32(c->ip);
	p->local.udp_port = rte_cpu_to_be_16(c->udp_port);
	p->local.promisc = c->promisc;
	memcpy(p->local6.ip, c->ip6, sizeof(p->local6.ip));
	bl_port_vlans_set(p, c->vlans, c->n_vlans);
	return 0;
}

void bl_port_vlans_set(struct bl_port *p, const struct bl_port_vlan *v, uint16_t n)
{
	uint16_t i;

	p->n_vlans = RTE_MIN(n, (uint16_t)BL_PORT_VLAN_MAX);
	memcpy(p->vlans, v, p->n_vlans * sizeof(p->vlans[0]));
	memset(p->vlan_of, 0, sizeof(p->vlan_of));
	for (i = 0; i < p->n_vlans; i++) {
		p->vlan_local[i] = p->local;
		if (p->vlans[i].ip != 0)
			p->vlan_local[i].ip = p->vlans[i].ip;
		if (p->vlans[i].outer == 0 && p->vlans[i].vid != 0 && p->vlans[i].vid < 4096)
			p->vlan_of[p->vlans[i].vid] = (uint8_t)(i + 1);
	}
}

void bl_port_close(struct bl_port *p)
{
	if (!p->started)
		return;
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
	p->started = false;
}
