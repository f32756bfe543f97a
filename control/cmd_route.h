/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route values and route objects, as the CLI writes them and the daemon
 * reads them: keys, MAC and IPv4 addresses, process and group names, a
 * route's JSON form, the words of `route add`. Each value is validated by
 * one function with one set of messages, used on both sides.
 *
 * Nothing here depends on DPDK; everything is control-thread (or CLI) code
 * and may allocate.
 */
#ifndef BL_CTL_CMD_ROUTE_H
#define BL_CTL_CMD_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "actors/name.h"

#define BL_CMD_UDP_DEFAULT 7447 /* `udp N` when not given (DESIGN §4) */

/* A route key: a u64, or the default route. */
struct bl_cmd_key {
	uint64_t value; /* 0 when is_default */
	bool is_default;
};

enum bl_cmd_action {
	BL_CMD_ACTION_DROP = 0,
	BL_CMD_ACTION_FORWARD,
	BL_CMD_ACTION_PROCESS, /* to the process registered under name */
	BL_CMD_ACTION_GROUP,   /* to every member of group name */
	BL_CMD_ACTION_POOL,    /* to one member of group name, by source */
};

#define BL_CMD_NAME_MAX ((int)BL_NAME_MAX) /* process and group names, with the NUL */

/* A decoded route: what `route add` says and what a route.add request holds. */
struct bl_cmd_route {
	struct bl_cmd_key key;
	enum bl_cmd_action action;
	/* the next hop; meaningful only for BL_CMD_ACTION_FORWARD */
	uint16_t port;
	uint8_t mac[6];
	bool resolve;	     /* no mac given: found by ARP or ND (dataplane/nbr.h) */
	uint32_t ip;	     /* host byte order: 10.0.0.2 is 0x0a000002; 0 when v6 */
	uint16_t udp;	     /* destination UDP port, 1..65535 */
	bool v6;	     /* the next hop's address is IPv6: ip6 */
	uint8_t ip6[16];     /* network order, as on the wire */
	uint16_t vlan;	     /* 802.1Q VLAN id of the hop, 1..4094; 0 = untagged */
	uint16_t vlan_outer; /* with vlan: QinQ outer VLAN id (`vlan O.I`); 0 = none */
	/* process, group or pool name; meaningful for those actions only */
	char name[BL_CMD_NAME_MAX];
	bool least_loaded; /* pool: the member with the shortest mailbox, not by source */
};

/*
 * Check a process or group name with the runtime's rule (bl_name_check,
 * actors/name.h: 1..31 printable ASCII characters without blanks). Returns 0
 * or -EINVAL with a message saying which part failed. Any thread.
 */
int bl_cmd_name_check(const char *s, char *err, size_t errlen);

/*
 * Parse a KEY word: decimal or 0x-hex u64, or `default`. Returns 0 or -EINVAL
 * with a message naming the word. Any thread.
 */
int bl_cmd_key_parse(const char *word, struct bl_cmd_key *key, char *err, size_t errlen);

/*
 * The protocol form of a key: an integer when < 2^63, else a decimal string;
 * "default" for the default route. New reference, NULL on out of memory.
 */
json_t *bl_cmd_key_to_json(const struct bl_cmd_key *key);

/*
 * Read a key from a request: a non-negative integer, a decimal (or 0x-hex)
 * string, or "default". Returns 0 or -EINVAL with a message. Any thread.
 */
int bl_cmd_key_from_json(const json_t *j, struct bl_cmd_key *key, char *err, size_t errlen);

/* Print a key as the CLI shows it ("default" or decimal). Returns snprintf's count. */
int bl_cmd_key_format(const struct bl_cmd_key *key, char *buf, size_t len);

/*
 * Parse "02:00:00:00:00:01" (six hex pairs separated by ':'), a next hop's
 * address: the all-zero, the broadcast and any multicast address (first
 * byte odd) are refused. Returns 0 or -EINVAL with a message. Any thread.
 */
int bl_cmd_mac_parse(const char *s, uint8_t mac[6], char *err, size_t errlen);

/*
 * Parse a dotted-quad IPv4 address (four decimal octets 0..255 without
 * leading zeros) into host byte order: a unicast address (of a next hop or
 * of a port), so 0.0.0.0, 255.255.255.255 and 224.0.0.0/4 are refused.
 * Returns 0 or -EINVAL with a message. Any thread.
 */
int bl_cmd_ipv4_parse(const char *s, uint32_t *ip, char *err, size_t errlen);

/*
 * Parse an IPv6 address (RFC 4291 text, as inet_pton takes it) into ip6,
 * network order: a unicast address, so :: and ff00::/8 are refused.
 * Returns 0 or -EINVAL with a message. Any thread.
 */
int bl_cmd_ipv6_parse(const char *s, uint8_t ip6[16], char *err, size_t errlen);

/*
 * Either family, told by the text (a colon: IPv6): *v6 says which, and
 * the address goes to *ip (host order) or ip6 (the other is zeroed).
 */
int bl_cmd_ip_parse(const char *s, uint32_t *ip, bool *v6, uint8_t ip6[16], char *err,
		    size_t errlen);

/*
 * Parse a VLAN: "V" (an 802.1Q VLAN id, 1..4094) or "O.I" (QinQ: outer
 * 0x88a8 id O, inner 0x8100 id I, each 1..4094). *outer is 0 for "V".
 * Returns 0 or -EINVAL with a message. Any thread.
 */
int bl_cmd_vlan_parse(const char *s, uint16_t *outer, uint16_t *vid, char *err, size_t errlen);

/* Print a VLAN as bl_cmd_vlan_parse reads it. Returns snprintf's count. */
int bl_cmd_vlan_format(uint16_t outer, uint16_t vid, char *buf, size_t len);

/*
 * Decode one route object of a route.add or route.batch request:
 * {"key":K,"action":"drop"}, {"key":K,"action":"forward","port":P,
 * "mac":"..","ip":"..","udp":N,"vlan":"V"|"O.I"|V} (mac optional: without
 * it the router resolves the address by ARP or ND; udp optional, default
 * 7447; vlan optional, untagged), or
 * {"key":K,"action":"process"|"group"|"pool","name":"..."}. Unknown fields
 * are refused so typos do not pass silently. Returns 0 or -EINVAL with a
 * message "route: ..." naming the field, in control/args.h's wording. Any
 * thread; the daemon's handlers call it.
 */
int bl_cmd_route_from_json(const json_t *j, struct bl_cmd_route *r, char *err, size_t errlen);

/* Encode a route as bl_cmd_route_from_json reads it. New reference or NULL (ENOMEM). */
json_t *bl_cmd_route_to_json(const struct bl_cmd_route *r);

/*
 * Parse the words of `route add` after the command (KEY and the action:
 * `KEY drop`, `KEY process|group|pool NAME`, `KEY port P [mac MAC] ip A [udp N]`)
 * into *r. `what` prefixes the messages ("route add", "add"). Returns 0 or
 * -EINVAL with a message naming the word. Any thread.
 */
int bl_cmd_route_parse(const char *what, int argc, char **argv, struct bl_cmd_route *r, char *err,
		       size_t errlen);

#endif /* BL_CTL_CMD_ROUTE_H */
