/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route values and route objects: keys, MAC and IPv4 addresses, names, the
 * JSON form of a route (what route.add carries and route.list answers) and
 * the words of `route add`. Design:
 *  - One validator per value, used by the CLI on words and by the daemon on
 *    JSON alike, so both refuse the same values with the same message.
 *  - Keys: an integer in JSON when < 2^63 (jansson integers are signed 64
 *    bit), else a decimal string, so no u64 value is lost.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/args.h"
#include "control/cmd_pvt.h"
#include "control/cmd_route.h"
#include "control/errors.h"

/* ---- numbers, keys, addresses ---- */

/* Decimal or 0x-hex unsigned integer no larger than max. Returns 0 or -EINVAL/-ERANGE. */
int bl__cmd_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	int base = 10;
	uint64_t v = 0;
	const char *p = s;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (*p == '\0')
			return -EINVAL;
	}
	for (; *p != '\0'; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned int)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned int)(*p - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / (uint64_t)base)
			return -ERANGE;
		v = v * (uint64_t)base + d;
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int bl_cmd_key_parse(const char *word, struct bl_cmd_key *key, char *err, size_t errlen)
{
	uint64_t v;
	int rc;

	if (word == NULL) {
		bl_err_set(err, errlen, "missing KEY");
		return -EINVAL;
	}
	if (strcmp(word, "default") == 0) {
		key->value = 0;
		key->is_default = true;
		return 0;
	}
	rc = bl__cmd_parse_uint(word, UINT64_MAX, &v);
	if (rc == -ERANGE) {
		bl_err_set(err, errlen, "bad key '%s': larger than 2^64-1", word);
		return -EINVAL;
	}
	if (rc < 0) {
		bl_err_set(err, errlen,
			   "bad key '%s': expected a decimal or 0x-hex u64, or 'default'", word);
		return -EINVAL;
	}
	key->value = v;
	key->is_default = false;
	return 0;
}

json_t *bl_cmd_key_to_json(const struct bl_cmd_key *key)
{
	char buf[24];

	if (key->is_default)
		return json_string("default");
	if (key->value <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)key->value);
	snprintf(buf, sizeof(buf), "%" PRIu64, key->value);
	return json_string(buf);
}

int bl_cmd_key_from_json(const json_t *j, struct bl_cmd_key *key, char *err, size_t errlen)
{
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);

		if (v < 0) {
			bl_err_set(err, errlen, "bad key %lld: keys are unsigned", (long long)v);
			return -EINVAL;
		}
		key->value = (uint64_t)v;
		key->is_default = false;
		return 0;
	}
	if (json_is_string(j))
		return bl_cmd_key_parse(json_string_value(j), key, err, errlen);
	bl_err_set(err, errlen, "bad key: expected an integer, a decimal string or \"default\"");
	return -EINVAL;
}

int bl_cmd_key_format(const struct bl_cmd_key *key, char *buf, size_t len)
{
	if (key->is_default)
		return snprintf(buf, len, "default");
	return snprintf(buf, len, "%" PRIu64, key->value);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int bl_cmd_mac_parse(const char *s, uint8_t mac[6], char *err, size_t errlen)
{
	uint8_t m[6];
	unsigned int any = 0;

	if (s == NULL || strlen(s) != 17)
		goto bad;
	for (int i = 0; i < 6; i++) {
		int hi = hexval((unsigned char)s[3 * i]);
		int lo = hexval((unsigned char)s[3 * i + 1]);

		if (hi < 0 || lo < 0)
			goto bad;
		if (i < 5 && s[3 * i + 2] != ':')
			goto bad;
		m[i] = (uint8_t)(hi << 4 | lo);
		any |= m[i];
	}
	if (any == 0) {
		bl_err_set(err, errlen, "bad MAC '%s': the all-zero address is not a next hop", s);
		return -EINVAL;
	}
	/* A next hop is one station: a frame to a group address reaches every listener. */
	if ((m[0] & m[1] & m[2] & m[3] & m[4] & m[5]) == 0xff) {
		bl_err_set(err, errlen,
			   "bad MAC '%s': the broadcast address is not a next hop (a unicast MAC "
			   "is)",
			   s);
		return -EINVAL;
	}
	if (m[0] & 1) {
		bl_err_set(err, errlen,
			   "bad MAC '%s': a multicast address (first byte odd) is not a next hop "
			   "(a unicast MAC is)",
			   s);
		return -EINVAL;
	}
	memcpy(mac, m, 6);
	return 0;
bad:
	bl_err_set(err, errlen, "bad MAC '%s': expected six hex pairs like 02:00:00:00:00:01",
		   s ? s : "");
	return -EINVAL;
}

int bl_cmd_ipv4_parse(const char *s, uint32_t *ip, char *err, size_t errlen)
{
	uint32_t v = 0;
	const char *p = s;

	if (s == NULL)
		goto bad;
	for (int i = 0; i < 4; i++) {
		unsigned int octet = 0;
		int digits = 0;
		const char *start = p;

		while (*p >= '0' && *p <= '9') {
			octet = octet * 10 + (unsigned int)(*p - '0');
			p++;
			if (++digits > 3)
				goto bad;
		}
		if (digits == 0)
			goto bad;
		if (digits > 1 && *start == '0') {
			bl_err_set(err, errlen, "bad IPv4 address '%s': octet with a leading zero",
				   s);
			return -EINVAL;
		}
		if (octet > 255) {
			bl_err_set(err, errlen, "bad IPv4 address '%s': octet %u is over 255", s,
				   octet);
			return -EINVAL;
		}
		v = v << 8 | octet;
		if (i < 3) {
			if (*p != '.')
				goto bad;
			p++;
		}
	}
	if (*p != '\0')
		goto bad;
	if (v == 0) {
		bl_err_set(err, errlen, "bad IPv4 address '%s': 0.0.0.0 is not a next hop", s);
		return -EINVAL;
	}
	if (v == 0xffffffffu) {
		bl_err_set(err, errlen,
			   "bad IPv4 address '%s': the broadcast address is not a next hop (a "
			   "unicast address is)",
			   s);
		return -EINVAL;
	}
	if ((v >> 28) == 0xe) {
		bl_err_set(err, errlen,
			   "bad IPv4 address '%s': a multicast address (224.0.0.0/4) is not a next "
			   "hop (a unicast address is)",
			   s);
		return -EINVAL;
	}
	*ip = v;
	return 0;
bad:
	bl_err_set(err, errlen, "bad IPv4 address '%s': expected A.B.C.D", s ? s : "");
	return -EINVAL;
}

int bl_cmd_ipv6_parse(const char *s, uint8_t ip6[16], char *err, size_t errlen)
{
	static const uint8_t any[16];
	uint8_t a[16];

	if (s == NULL || inet_pton(AF_INET6, s, a) != 1) {
		bl_err_set(err, errlen, "bad IPv6 address '%s': expected one like 2001:db8::2",
			   s ? s : "");
		return -EINVAL;
	}
	if (memcmp(a, any, sizeof(a)) == 0) {
		bl_err_set(err, errlen, "bad IPv6 address '%s': :: is not a next hop", s);
		return -EINVAL;
	}
	if (a[0] == 0xff) {
		bl_err_set(err, errlen,
			   "bad IPv6 address '%s': a multicast address (ff00::/8) is not a next "
			   "hop (a unicast address is)",
			   s);
		return -EINVAL;
	}
	memcpy(ip6, a, sizeof(a));
	return 0;
}

int bl_cmd_ip_parse(const char *s, uint32_t *ip, bool *v6, uint8_t ip6[16], char *err,
		    size_t errlen)
{
	*v6 = s != NULL && strchr(s, ':') != NULL;
	*ip = 0;
	memset(ip6, 0, 16);
	return *v6 ? bl_cmd_ipv6_parse(s, ip6, err, errlen) : bl_cmd_ipv4_parse(s, ip, err, errlen);
}

/* One VLAN id, 1..4094, in decimal: what bl_cmd_vlan_parse takes per part. */
static int vlan_id_parse(const char *s, uint16_t *id)
{
	uint64_t v;

	if (bl__cmd_parse_uint(s, 4094, &v) < 0 || v == 0)
		return -EINVAL;
	*id = (uint16_t)v;
	return 0;
}

int bl_cmd_vlan_parse(const char *s, uint16_t *outer, uint16_t *vid, char *err, size_t errlen)
{
	const char *dot = strchr(s, '.');
	char o[8];

	*outer = 0;
	if (dot == NULL) {
		if (vlan_id_parse(s, vid) == 0)
			return 0;
	} else if ((size_t)(dot - s) < sizeof(o)) {
		memcpy(o, s, (size_t)(dot - s));
		o[dot - s] = '\0';
		if (vlan_id_parse(o, outer) == 0 && vlan_id_parse(dot + 1, vid) == 0)
			return 0;
	}
	*outer = *vid = 0;
	bl_err_set(err, errlen, "bad vlan '%s': expected V or OUTER.INNER, each 1..4094", s);
	return -EINVAL;
}

int bl_cmd_vlan_format(uint16_t outer, uint16_t vid, char *buf, size_t len)
{
	if (outer != 0)
		return snprintf(buf, len, "%u.%u", outer, vid);
	return snprintf(buf, len, "%u", vid);
}

static void format_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

static void format_ipv4(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

/* ---- route objects ---- */

static const char *const target_actions[] = { "process", "group", "pool" };

/* The action named s among process/group/pool, or -1. */
static int target_action(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, target_actions[i]) == 0)
			return BL_CMD_ACTION_PROCESS + i;
	return -1;
}

json_t *bl_cmd_route_to_json(const struct bl_cmd_route *r)
{
	json_t *o = json_object();
	json_t *k = bl_cmd_key_to_json(&r->key);
	char mac[18], ip[INET6_ADDRSTRLEN];
	int rc = 0;

	if (o == NULL || k == NULL) {
		json_decref(o);
		json_decref(k);
		return NULL;
	}
	rc |= json_object_set_new(o, "key", k);
	if (r->action == BL_CMD_ACTION_DROP) {
		rc |= json_object_set_new(o, "action", json_string("drop"));
	} else if (r->action >= BL_CMD_ACTION_PROCESS && r->action <= BL_CMD_ACTION_POOL) {
		rc |= json_object_set_new(
		    o, "action", json_string(target_actions[r->action - BL_CMD_ACTION_PROCESS]));
		rc |= json_object_set_new(o, "name", json_string(r->name));
		if (r->least_loaded)
			rc |= json_object_set_new(o, "pick", json_string("least_loaded"));
	} else {
		format_mac(r->mac, mac);
		if (r->v6)
			inet_ntop(AF_INET6, r->ip6, ip, sizeof(ip));
		else
			format_ipv4(r->ip, ip);
		rc |= json_object_set_new(o, "action", json_string("forward"));
		rc |= json_object_set_new(o, "port", json_integer(r->port));
		if (!r->resolve) /* without: resolved by ARP or ND */
			rc |= json_object_set_new(o, "mac", json_string(mac));
		rc |= json_object_set_new(o, "ip", json_string(ip));
		rc |= json_object_set_new(o, "udp", json_integer(r->udp));
		if (r->vlan != 0) {
			char vl[16];

			bl_cmd_vlan_format(r->vlan_outer, r->vlan, vl, sizeof(vl));
			rc |= json_object_set_new(o, "vlan", json_string(vl));
		}
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int bl_cmd_name_check(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (bl_name_check(s, SIZE_MAX) > 0)
		return 0;
	/* The rule is actors/name.h's; here only the message says which part failed. */
	if (n == 0 || n >= BL_CMD_NAME_MAX)
		bl_err_set(err, errlen, "bad name '%s': expected 1..%d characters", s,
			   BL_CMD_NAME_MAX - 1);
	else
		bl_err_set(err, errlen, "bad name '%s': printable ASCII characters only, no blanks",
			   s);
	return -EINVAL;
}

/* The optional "vlan" of a forward route: "V", "O.I", or the integer V. */
static int route_vlan_from_json(const json_t *j, struct bl_cmd_route *r, char *err, size_t errlen)
{
	const json_t *v = json_object_get(j, "vlan");
	char num[16];

	if (v == NULL)
		return 0;
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return bl_cmd_vlan_parse(num, &r->vlan_outer, &r->vlan, err, errlen);
	}
	if (!json_is_string(v)) {
		bl_err_set(err, errlen, "'vlan' must be a string (V or OUTER.INNER) or an integer");
		return -EINVAL;
	}
	return bl_cmd_vlan_parse(json_string_value(v), &r->vlan_outer, &r->vlan, err, errlen);
}

int bl_cmd_route_from_json(const json_t *j, struct bl_cmd_route *r, char *err, size_t errlen)
{
	/* In the order of enum bl_cmd_action. */
	static const char *const actions[] = { "drop", "forward", "process", "group", "pool" };
	/* "origin" is what route.list adds (local or cluster): a listed route reads back
	 * as a route.add item, and the origin is then the new request's, not this field. */
	static const char *const drop_fields[] = { "key", "action", "origin", NULL };
	static const char *const forward_fields[] = { "key", "action", "port",	 "mac", "ip",
						      "udp", "vlan",   "origin", NULL };
	static const char *const target_fields[] = { "key", "action", "name", "origin", NULL };
	static const char *const pool_fields[] = {
		"key", "action", "name", "pick", "origin", NULL
	};
	static const char *const picks[] = { "hash", "least_loaded" };
	unsigned int pick = 0;
	const struct bl_cmd_key no_key = { 0, false };
	const char *s = NULL;
	struct bl_args a;
	unsigned int action = 0;
	char sub[192], what[32];
	uint64_t v = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = bl_args_open(&a, j, sub, sizeof(sub));
	if (rc == 0)
		rc = bl_args_key(&a, "key", BL_ARG_REQUIRED, no_key, &r->key);
	if (rc == 0)
		rc = bl_args_enum(&a, "action", BL_ARG_REQUIRED, 0, actions, 5, &action);
	if (rc == 0) {
		/* The fields that belong depend on the action: a typo is an error, not a default.
		 */
		r->action = (enum bl_cmd_action)action;
		snprintf(what, sizeof(what), "action %s", actions[action]);
		rc = bl_args_only(&a, what,
				  r->action == BL_CMD_ACTION_DROP      ? drop_fields
				  : r->action == BL_CMD_ACTION_FORWARD ? forward_fields
				  : r->action == BL_CMD_ACTION_POOL    ? pool_fields
								       : target_fields);
	}
	if (rc == 0 && r->action >= BL_CMD_ACTION_PROCESS) {
		rc = bl_args_name(&a, "name", BL_ARG_REQUIRED, &s);
		if (rc == 0)
			snprintf(r->name, sizeof(r->name), "%s", s);
	}
	if (rc == 0 && r->action == BL_CMD_ACTION_POOL) {
		rc = bl_args_enum(&a, "pick", BL_ARG_OPTIONAL, 0, picks, 2, &pick);
		r->least_loaded = pick == 1;
	}
	if (rc == 0 && r->action == BL_CMD_ACTION_FORWARD) {
		rc = bl_args_u64(&a, "port", BL_ARG_REQUIRED, 0, 0, UINT16_MAX, &v);
		r->port = (uint16_t)v;
		s = NULL;
		if (rc == 0)
			rc = bl_args_str(&a, "mac", BL_ARG_OPTIONAL, NULL, 0, 0, &s);
		r->resolve = rc == 0 && s == NULL; /* no mac: ARP or ND finds it */
		if (rc == 0 && s != NULL)
			rc = bl_cmd_mac_parse(s, r->mac, sub, sizeof(sub));
		if (rc == 0)
			rc = bl_args_str(&a, "ip", BL_ARG_REQUIRED, NULL, 0, 0, &s);
		if (rc == 0)
			rc = bl_cmd_ip_parse(s, &r->ip, &r->v6, r->ip6, sub, sizeof(sub));
		if (rc == 0)
			rc = bl_args_u64(&a, "udp", BL_ARG_OPTIONAL, BL_CMD_UDP_DEFAULT, 1,
					 UINT16_MAX, &v);
		r->udp = (uint16_t)v;
		if (rc == 0)
			rc = route_vlan_from_json(j, r, sub, sizeof(sub));
	}
	if (rc != 0) {
		bl_err_set(err, errlen, "route: %s", sub);
		return -EINVAL;
	}
	return 0;
}

/*
 * The words after `add`: KEY drop | KEY port P mac MAC ip A.B.C.D [udp N]
 * [vlan V|O.I]
 * (the pairs in any order). Returns a route object, or NULL + err prefixed
 * with `what`.
 */
int bl_cmd_route_parse(const char *what, int argc, char **argv, struct bl_cmd_route *out, char *err,
		       size_t errlen)
{
	struct bl_cmd_route r;
	bool have_port = false, have_mac = false, have_ip = false, have_udp = false;
	bool have_vlan = false;
	char sub[192];
	uint64_t v;

	memset(&r, 0, sizeof(r));
	if (argc < 1) {
		bl_err_set(
		    err, errlen,
		    "%s: missing KEY (usage: %s KEY drop | %s KEY port P [mac MAC] ip A.B.C.D "
		    "[udp N])",
		    what, what, what);
		return -EINVAL;
	}
	if (bl_cmd_key_parse(argv[0], &r.key, sub, sizeof(sub)) < 0) {
		bl_err_set(err, errlen, "%s: %s", what, sub);
		return -EINVAL;
	}
	if (argc < 2) {
		bl_err_set(err, errlen,
			   "%s: missing action after KEY (drop, process|group|pool NAME, or port P "
			   "[mac MAC] "
			   "ip A.B.C.D [udp N])",
			   what);
		return -EINVAL;
	}
	if (strcmp(argv[1], "drop") == 0) {
		if (argc > 2) {
			bl_err_set(err, errlen, "%s: unexpected word '%s' after drop", what,
				   argv[2]);
			return -EINVAL;
		}
		r.action = BL_CMD_ACTION_DROP;
		goto done;
	}
	if (target_action(argv[1]) >= 0) {
		if (argc < 3) {
			bl_err_set(err, errlen, "%s: '%s' needs a NAME", what, argv[1]);
			return -EINVAL;
		}
		/* pool NAME least_loaded|hash: how a member is picked. */
		if (argc == 4 && strcmp(argv[1], "pool") == 0 &&
		    (strcmp(argv[3], "least_loaded") == 0 || strcmp(argv[3], "hash") == 0)) {
			r.least_loaded = strcmp(argv[3], "least_loaded") == 0;
		} else if (argc > 3) {
			bl_err_set(err, errlen, "%s: unexpected word '%s' after %s NAME%s", what,
				   argv[3], argv[1],
				   strcmp(argv[1], "pool") == 0 ? " (least_loaded or hash)" : "");
			return -EINVAL;
		}
		if (bl_cmd_name_check(argv[2], sub, sizeof(sub)) < 0) {
			bl_err_set(err, errlen, "%s: %s", what, sub);
			return -EINVAL;
		}
		r.action = (enum bl_cmd_action)target_action(argv[1]);
		snprintf(r.name, sizeof(r.name), "%s", argv[2]);
		goto done;
	}
	r.action = BL_CMD_ACTION_FORWARD;
	r.udp = BL_CMD_UDP_DEFAULT;
	for (int i = 1; i < argc; i += 2) {
		const char *name = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool *seen;

		if (strcmp(name, "port") == 0)
			seen = &have_port;
		else if (strcmp(name, "mac") == 0)
			seen = &have_mac;
		else if (strcmp(name, "ip") == 0)
			seen = &have_ip;
		else if (strcmp(name, "udp") == 0)
			seen = &have_udp;
		else if (strcmp(name, "vlan") == 0)
			seen = &have_vlan;
		else {
			bl_err_set(
			    err, errlen,
			    "%s: unknown word '%s' (expected drop, process, group, pool, or port, "
			    "mac, ip, udp, vlan)",
			    what, name);
			return -EINVAL;
		}
		if (*seen) {
			bl_err_set(err, errlen, "%s: '%s' given twice", what, name);
			return -EINVAL;
		}
		*seen = true;
		if (val == NULL) {
			bl_err_set(err, errlen, "%s: '%s' needs a value", what, name);
			return -EINVAL;
		}
		if (seen == &have_port) {
			if (bl__cmd_parse_uint(val, UINT16_MAX, &v) < 0) {
				bl_err_set(err, errlen, "%s: bad port '%s': expected 0..65535",
					   what, val);
				return -EINVAL;
			}
			r.port = (uint16_t)v;
		} else if (seen == &have_udp) {
			if (bl__cmd_parse_uint(val, UINT16_MAX, &v) < 0 || v == 0) {
				bl_err_set(err, errlen, "%s: bad udp port '%s': expected 1..65535",
					   what, val);
				return -EINVAL;
			}
			r.udp = (uint16_t)v;
		} else if (seen == &have_vlan) {
			if (bl_cmd_vlan_parse(val, &r.vlan_outer, &r.vlan, sub, sizeof(sub)) < 0) {
				bl_err_set(err, errlen, "%s: %s", what, sub);
				return -EINVAL;
			}
		} else if (seen == &have_mac) {
			if (bl_cmd_mac_parse(val, r.mac, sub, sizeof(sub)) < 0) {
				bl_err_set(err, errlen, "%s: %s", what, sub);
				return -EINVAL;
			}
		} else if (bl_cmd_ip_parse(val, &r.ip, &r.v6, r.ip6, sub, sizeof(sub)) < 0) {
			bl_err_set(err, errlen, "%s: %s", what, sub);
			return -EINVAL;
		}
	}
	if (!have_port || !have_ip) {
		bl_err_set(err, errlen,
			   "%s: missing %s (usage: %s KEY port P [mac MAC] ip A.B.C.D [udp N] "
			   "[vlan V])",
			   what, !have_port ? "'port P'" : "'ip A.B.C.D'", what);
		return -EINVAL;
	}
	r.resolve = !have_mac; /* found by ARP or ND */
done:
	*out = r;
	return 0;
}
