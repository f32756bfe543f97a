/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command grammar. Design:
 *  - One table, bl_cmd_rows: (word, subword) -> JSON "cmd" name, builder,
 *    usage forms. Matching walks the table; the error for an unknown or
 *    missing word is generated from the same table, so it always lists what
 *    really exists. A new command is one row plus one builder.
 *  - Builders validate every value here, before anything is sent, with a
 *    message naming the word and what was expected. The daemon decodes the
 *    same fields with bl_cmd_route_from_json / bl_cmd_key_from_json, which
 *    share the validators.
 *  - Keys: an integer in JSON when < 2^63 (jansson integers are signed 64
 *    bit), else a decimal string, so no u64 value is lost.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cmd.h"
#include "control/errors.h"

/* ---- numbers, keys, addresses ---- */

/* Decimal or 0x-hex unsigned integer no larger than max. Returns 0 or -EINVAL/-ERANGE. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
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
	rc = parse_uint(word, UINT64_MAX, &v);
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
	*ip = v;
	return 0;
bad:
	bl_err_set(err, errlen, "bad IPv4 address '%s': expected A.B.C.D", s ? s : "");
	return -EINVAL;
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
	char mac[18], ip[16];
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
	} else {
		format_mac(r->mac, mac);
		format_ipv4(r->ip, ip);
		rc |= json_object_set_new(o, "action", json_string("forward"));
		rc |= json_object_set_new(o, "port", json_integer(r->port));
		rc |= json_object_set_new(o, "mac", json_string(mac));
		rc |= json_object_set_new(o, "ip", json_string(ip));
		rc |= json_object_set_new(o, "udp", json_integer(r->udp));
	}
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int json_uint_field(const json_t *o, const char *name, uint64_t min, uint64_t max,
			   uint64_t *out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, name);

	if (v == NULL) {
		bl_err_set(err, errlen, "route: missing \"%s\"", name);
		return -EINVAL;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) < min || (uint64_t)json_integer_value(v) > max) {
		bl_err_set(err, errlen, "route: \"%s\" must be an integer in %" PRIu64 "..%" PRIu64,
			   name, min, max);
		return -EINVAL;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static const char *json_str_field(const json_t *o, const char *name, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, name);

	if (!json_is_string(v)) {
		bl_err_set(err, errlen, "route: \"%s\" must be a string", name);
		return NULL;
	}
	return json_string_value(v);
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

int bl_cmd_route_from_json(const json_t *j, struct bl_cmd_route *r, char *err, size_t errlen)
{
	static const char *const fwd_fields[] = { "key", "action", "port", "mac", "ip", "udp" };
	const char *action, *field;
	const json_t *val;
	char sub[192];
	uint64_t v;
	bool forward;
	int rc;

	if (!json_is_object(j)) {
		bl_err_set(err, errlen, "route: expected an object");
		return -EINVAL;
	}
	memset(r, 0, sizeof(*r));
	if (json_object_get(j, "key") == NULL) {
		bl_err_set(err, errlen, "route: missing \"key\"");
		return -EINVAL;
	}
	rc = bl_cmd_key_from_json(json_object_get(j, "key"), &r->key, sub, sizeof(sub));
	if (rc < 0) {
		bl_err_set(err, errlen, "route: %s", sub);
		return rc;
	}
	action = json_str_field(j, "action", err, errlen);
	if (action == NULL)
		return -EINVAL;
	if (strcmp(action, "drop") == 0) {
		forward = false;
	} else if (strcmp(action, "forward") == 0) {
		forward = true;
	} else if (target_action(action) >= 0) {
		json_object_foreach ((json_t *)j, field, val) {
			if (strcmp(field, "key") != 0 && strcmp(field, "action") != 0 &&
			    strcmp(field, "name") != 0) {
				bl_err_set(err, errlen, "route: unknown field \"%s\" for action %s",
					   field, action);
				return -EINVAL;
			}
		}
		r->action = (enum bl_cmd_action)target_action(action);
		field = json_str_field(j, "name", err, errlen);
		if (field == NULL)
			return -EINVAL;
		if (bl_cmd_name_check(field, sub, sizeof(sub)) < 0) {
			bl_err_set(err, errlen, "route: %s", sub);
			return -EINVAL;
		}
		snprintf(r->name, sizeof(r->name), "%s", field);
		return 0;
	} else {
		bl_err_set(err, errlen,
			   "route: unknown action '%s' (expected drop, forward, process, group or "
			   "pool)",
			   action);
		return -EINVAL;
	}
	/* Refuse fields that do not belong, so a typo is an error, not a default. */
	json_object_foreach ((json_t *)j, field, val) {
		size_t known = forward ? 6 : 2;
		bool ok = false;

		for (size_t i = 0; i < known; i++)
			ok |= strcmp(field, fwd_fields[i]) == 0;
		if (!ok) {
			bl_err_set(err, errlen, "route: unknown field \"%s\" for action %s", field,
				   action);
			return -EINVAL;
		}
	}
	if (!forward) {
		r->action = BL_CMD_ACTION_DROP;
		return 0;
	}
	r->action = BL_CMD_ACTION_FORWARD;
	rc = json_uint_field(j, "port", 0, UINT16_MAX, &v, err, errlen);
	if (rc < 0)
		return rc;
	r->port = (uint16_t)v;
	field = json_str_field(j, "mac", err, errlen);
	if (field == NULL)
		return -EINVAL;
	if (bl_cmd_mac_parse(field, r->mac, sub, sizeof(sub)) < 0) {
		bl_err_set(err, errlen, "route: %s", sub);
		return -EINVAL;
	}
	field = json_str_field(j, "ip", err, errlen);
	if (field == NULL)
		return -EINVAL;
	if (bl_cmd_ipv4_parse(field, &r->ip, sub, sizeof(sub)) < 0) {
		bl_err_set(err, errlen, "route: %s", sub);
		return -EINVAL;
	}
	r->udp = BL_CMD_UDP_DEFAULT;
	if (json_object_get(j, "udp") != NULL) {
		rc = json_uint_field(j, "udp", 1, UINT16_MAX, &v, err, errlen);
		if (rc < 0)
			return rc;
		r->udp = (uint16_t)v;
	}
	return 0;
}

/* ---- word splitting ---- */

int bl_cmd_split(const char *line, int *argc, char ***argv, char *err, size_t errlen)
{
	size_t len = strlen(line);
	/* At most len/2+1 words; each word and its NUL fit in len+1 bytes in total. */
	size_t maxwords = len / 2 + 2;
	char **v;
	char *out;
	const char *p = line;
	int n = 0;

	v = malloc(maxwords * sizeof(char *) + 2 * (len + 1));
	if (v == NULL)
		return -ENOMEM;
	out = (char *)(v + maxwords);

	for (;;) {
		char quote = 0;
		bool inword = false;
		char *start = out;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' ||
		       *p == '\f')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		for (; *p != '\0'; p++) {
			if (quote == '\'') {
				if (*p == '\'')
					quote = 0;
				else
					*out++ = *p;
				continue;
			}
			if (quote == '"') {
				if (*p == '"')
					quote = 0;
				else if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					*out++ = *++p;
				else
					*out++ = *p;
				continue;
			}
			if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' ||
			    *p == '\f')
				break;
			if (*p == '\'' || *p == '"') {
				quote = *p;
				inword = true;
			} else if (*p == '\\') {
				if (p[1] == '\0') {
					bl_err_set(err, errlen, "trailing backslash");
					free(v);
					return -EINVAL;
				}
				*out++ = *++p;
			} else {
				*out++ = *p;
			}
			inword = true;
		}
		if (quote != 0) {
			bl_err_set(err, errlen, "unterminated %s quote",
				   quote == '"' ? "double" : "single");
			free(v);
			return -EINVAL;
		}
		if (inword) {
			*out++ = '\0';
			v[n++] = start;
		}
	}
	v[n] = NULL;
	*argc = n;
	*argv = v;
	return 0;
}

/* ---- builders ---- */

struct bl_cmd_row;
typedef json_t *(*bl_cmd_builder)(const struct bl_cmd_row *row, int argc, char **argv, char *err,
				  size_t errlen);

struct bl_cmd_row {
	const char *word;     /* first word */
	const char *sub;      /* second word, or NULL for one-word commands */
	const char *cmd;      /* the request's "cmd" */
	bl_cmd_builder build; /* gets the words after word [sub] */
	const char *forms[3]; /* usage forms, NULL-terminated */
	const char *summary;
};

static json_t *request_new(const char *cmd)
{
	json_t *o = json_object();

	if (o != NULL && json_object_set_new(o, "cmd", json_string(cmd)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *oom(char *err, size_t errlen)
{
	bl_err_set(err, errlen, "out of memory");
	return NULL;
}

/* A command without arguments; its one usage form is its words ("route count"). */
static json_t *build_plain(const struct bl_cmd_row *row, int argc, char **argv, char *err,
			   size_t errlen)
{
	json_t *o;

	if (argc > 0) {
		bl_err_set(err, errlen, "%s: unexpected word '%s': it takes no arguments",
			   row->forms[0], argv[0]);
		return NULL;
	}
	o = request_new(row->cmd);
	return o ? o : oom(err, errlen);
}

/*
 * The words after `add`: KEY drop | KEY port P mac MAC ip A.B.C.D [udp N]
 * (the pairs in any order). Returns a route object, or NULL + err prefixed
 * with `what`.
 */
int bl_cmd_route_parse(const char *what, int argc, char **argv, struct bl_cmd_route *out, char *err,
		       size_t errlen)
{
	struct bl_cmd_route r;
	bool have_port = false, have_mac = false, have_ip = false, have_udp = false;
	char sub[192];
	uint64_t v;

	memset(&r, 0, sizeof(r));
	if (argc < 1) {
		bl_err_set(err, errlen,
			   "%s: missing KEY (usage: %s KEY drop | %s KEY port P mac MAC ip A.B.C.D "
			   "[udp N])",
			   what, what, what);
		return -EINVAL;
	}
	if (bl_cmd_key_parse(argv[0], &r.key, sub, sizeof(sub)) < 0) {
		bl_err_set(err, errlen, "%s: %s", what, sub);
		return -EINVAL;
	}
	if (argc < 2) {
		bl_err_set(
		    err, errlen,
		    "%s: missing action after KEY (drop, process|group|pool NAME, or port P mac "
		    "MAC ip A.B.C.D [udp N])",
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
		if (argc > 3) {
			bl_err_set(err, errlen, "%s: unexpected word '%s' after %s NAME", what,
				   argv[3], argv[1]);
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
		else {
			bl_err_set(
			    err, errlen,
			    "%s: unknown word '%s' (expected drop, process, group, pool, or port, "
			    "mac, ip, udp)",
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
			if (parse_uint(val, UINT16_MAX, &v) < 0) {
				bl_err_set(err, errlen, "%s: bad port '%s': expected 0..65535",
					   what, val);
				return -EINVAL;
			}
			r.port = (uint16_t)v;
		} else if (seen == &have_udp) {
			if (parse_uint(val, UINT16_MAX, &v) < 0 || v == 0) {
				bl_err_set(err, errlen, "%s: bad udp port '%s': expected 1..65535",
					   what, val);
				return -EINVAL;
			}
			r.udp = (uint16_t)v;
		} else if (seen == &have_mac) {
			if (bl_cmd_mac_parse(val, r.mac, sub, sizeof(sub)) < 0) {
				bl_err_set(err, errlen, "%s: %s", what, sub);
				return -EINVAL;
			}
		} else if (bl_cmd_ipv4_parse(val, &r.ip, sub, sizeof(sub)) < 0) {
			bl_err_set(err, errlen, "%s: %s", what, sub);
			return -EINVAL;
		}
	}
	if (!have_port || !have_mac || !have_ip) {
		bl_err_set(err, errlen,
			   "%s: missing %s (usage: %s KEY port P mac MAC ip A.B.C.D [udp N])", what,
			   !have_port  ? "'port P'"
			   : !have_mac ? "'mac MAC'"
				       : "'ip A.B.C.D'",
			   what);
		return -EINVAL;
	}
done:
	*out = r;
	return 0;
}

static json_t *parse_route_add(const char *what, int argc, char **argv, char *err, size_t errlen)
{
	struct bl_cmd_route r;
	json_t *o;

	if (bl_cmd_route_parse(what, argc, argv, &r, err, errlen) < 0)
		return NULL;
	o = bl_cmd_route_to_json(&r);
	return o ? o : oom(err, errlen);
}

/* Append the keys argv[0..argc) to array `keys`. Returns 0 or -1 with err. */
static int parse_keys(const char *what, int argc, char **argv, json_t *keys, char *err,
		      size_t errlen)
{
	char sub[192];

	if (argc < 1) {
		bl_err_set(err, errlen, "%s: missing KEY (usage: %s KEY [KEY...])", what, what);
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		struct bl_cmd_key k;

		if (bl_cmd_key_parse(argv[i], &k, sub, sizeof(sub)) < 0) {
			bl_err_set(err, errlen, "%s: %s", what, sub);
			return -1;
		}
		if (json_array_append_new(keys, bl_cmd_key_to_json(&k)) != 0) {
			bl_err_set(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

static json_t *build_route_add(const struct bl_cmd_row *row, int argc, char **argv, char *err,
			       size_t errlen)
{
	json_t *route = parse_route_add("route add", argc, argv, err, errlen);
	json_t *o, *routes;

	if (route == NULL)
		return NULL;
	o = request_new(row->cmd);
	routes = json_array();
	if (o == NULL || routes == NULL || json_array_append_new(routes, route) != 0 ||
	    json_object_set_new(o, "routes", routes) != 0) {
		json_decref(o);
		return oom(err, errlen);
	}
	return o;
}

static json_t *build_route_del(const struct bl_cmd_row *row, int argc, char **argv, char *err,
			       size_t errlen)
{
	json_t *o = request_new(row->cmd);
	json_t *keys = json_array();

	if (o == NULL || keys == NULL || json_object_set(o, "keys", keys) != 0) {
		json_decref(o);
		json_decref(keys);
		return oom(err, errlen);
	}
	json_decref(keys);
	if (parse_keys("route del", argc, argv, keys, err, errlen) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * route list [limit N] [cursor C], the pairs in any order, each at most once.
 * Without limit the request has none: the daemon then sends its default page,
 * and beamctl takes the absence to mean "walk every page".
 */
static json_t *build_route_list(const struct bl_cmd_row *row, int argc, char **argv, char *err,
				size_t errlen)
{
	const char *limit_word = NULL, *cursor = NULL;
	uint64_t limit = 0;
	json_t *o;
	int rc;

	for (int i = 0; i < argc; i += 2) {
		const char **slot = strcmp(argv[i], "limit") == 0    ? &limit_word
				    : strcmp(argv[i], "cursor") == 0 ? &cursor
								     : NULL;

		if (slot == NULL) {
			bl_err_set(err, errlen, "route list: unexpected word '%s' (usage: %s)",
				   argv[i], row->forms[0]);
			return NULL;
		}
		if (i + 1 >= argc) {
			bl_err_set(err, errlen, "route list: '%s' needs a value", argv[i]);
			return NULL;
		}
		if (*slot != NULL) {
			bl_err_set(err, errlen, "route list: '%s' given twice", argv[i]);
			return NULL;
		}
		*slot = argv[i + 1];
	}
	if (limit_word != NULL) {
		rc = parse_uint(limit_word, BL_CMD_LIST_LIMIT_MAX, &limit);
		if (rc == -ERANGE) {
			bl_err_set(err, errlen,
				   "route list: bad limit '%s': at most %d routes a page (leave "
				   "limit out to list every page)",
				   limit_word, BL_CMD_LIST_LIMIT_MAX);
			return NULL;
		}
		if (rc < 0) {
			bl_err_set(err, errlen, "route list: bad limit '%s': expected 0..%d",
				   limit_word, BL_CMD_LIST_LIMIT_MAX);
			return NULL;
		}
	}
	/* The same check as the daemon's: a cursor is an earlier reply's "next". */
	if (cursor != NULL &&
	    (strlen(cursor) != 24 || strspn(cursor, "0123456789abcdefABCDEF") != 24)) {
		bl_err_set(
		    err, errlen,
		    "route list: bad cursor '%s': expected 24 hex digits (the \"next\" of an "
		    "earlier page)",
		    cursor);
		return NULL;
	}
	o = request_new(row->cmd);
	if (o == NULL ||
	    (limit_word != NULL &&
	     json_object_set_new(o, "limit", json_integer((json_int_t)limit)) != 0) ||
	    (cursor != NULL && json_object_set_new(o, "cursor", json_string(cursor)) != 0)) {
		json_decref(o);
		return oom(err, errlen);
	}
	return o;
}

int bl_cmd_batch_line(const char *line, bl_cmd_batch_fn fn, void *arg, char *err, size_t errlen)
{
	struct bl_cmd_route r;
	char **argv = NULL, sub[256];
	int argc, rc, i;

	rc = bl_cmd_split(line, &argc, &argv, sub, sizeof(sub));
	if (rc < 0) {
		bl_err_set(err, errlen, "%s", rc == -ENOMEM ? "out of memory" : sub);
		return rc;
	}
	if (argc == 0) {
		rc = 0;
	} else if (strcmp(argv[0], "add") == 0) {
		rc = bl_cmd_route_parse("add", argc - 1, argv + 1, &r, err, errlen);
		if (rc == 0)
			rc = fn(arg, false, &r);
	} else if (strcmp(argv[0], "del") == 0) {
		rc = 0;
		if (argc < 2) {
			bl_err_set(err, errlen, "del: missing KEY (usage: del KEY [KEY...])");
			rc = -EINVAL;
		}
		for (i = 1; i < argc && rc == 0; i++) {
			memset(&r, 0, sizeof(r));
			rc = bl_cmd_key_parse(argv[i], &r.key, sub, sizeof(sub));
			if (rc < 0)
				bl_err_set(err, errlen, "del: %s", sub);
			else
				rc = fn(arg, true, &r);
		}
	} else {
		bl_err_set(err, errlen, "unknown operation '%s' (expected add or del)", argv[0]);
		rc = -EINVAL;
	}
	free(argv);
	return rc;
}

static int batch_count(void *arg, bool del, const struct bl_cmd_route *r)
{
	(void)del, (void)r;
	(*(size_t *)arg)++;
	return 0;
}

/*
 * `route batch FILE|-`: the file's lines, each checked here (an error names
 * the file and line, and nothing is sent), go as they are in the request's
 * "text"; the daemon reads them with the same grammar. A file of a million
 * lines is one string, not a million JSON objects.
 */
static json_t *build_route_batch(const struct bl_cmd_row *row, int argc, char **argv, char *err,
				 size_t errlen)
{
	const char *name;
	char *line = NULL, *text = NULL, sub[256];
	size_t cap = 0, len = 0, tcap = 0, changes = 0;
	unsigned long lineno = 0;
	json_t *o = NULL;
	FILE *f;

	if (argc != 1) {
		bl_err_set(err, errlen,
			   argc < 1 ? "route batch: missing FILE (usage: %s)"
				    : "route batch: too many words (usage: %s)",
			   row->forms[0]);
		return NULL;
	}
	if (strcmp(argv[0], "-") == 0) {
		name = "stdin";
		f = stdin;
	} else {
		name = argv[0];
		f = fopen(name, "r");
		if (f == NULL) {
			bl_err_set(err, errlen, "route batch: cannot open %s: %s", name,
				   strerror(errno));
			return NULL;
		}
	}
	for (;;) {
		ssize_t n;

		errno = 0;
		n = getline(&line, &cap, f);
		if (n < 0) {
			if (errno != 0 && errno != EAGAIN) {
				bl_err_set(err, errlen, "route batch: %s: read error: %s", name,
					   strerror(errno));
				goto fail;
			}
			break;
		}
		lineno++;
		if (strlen(line) != (size_t)n) {
			bl_err_set(err, errlen, "%s:%lu: NUL byte in line", name, lineno);
			goto fail;
		}
		if (bl_cmd_batch_line(line, batch_count, &changes, sub, sizeof(sub)) < 0) {
			bl_err_set(err, errlen, "%s:%lu: %s", name, lineno, sub);
			goto fail;
		}
		if (len + (size_t)n + 2 > tcap) {
			size_t ncap = tcap ? 2 * tcap : 1 << 16;
			char *t;

			while (ncap < len + (size_t)n + 2)
				ncap *= 2;
			t = realloc(text, ncap);
			if (t == NULL)
				goto nomem;
			text = t;
			tcap = ncap;
		}
		memcpy(text + len, line, (size_t)n);
		len += (size_t)n;
		if (text[len - 1] != '\n')
			text[len++] = '\n';
	}
	o = request_new(row->cmd);
	if (o == NULL)
		goto nomem;
	if (json_object_set_new(o, "text", json_stringn(text ? text : "", len)) != 0) {
		bl_err_set(err, errlen, "route batch: %s is not UTF-8 text", name);
		goto fail;
	}
	free(text);
	free(line);
	if (f != stdin)
		fclose(f);
	return o;
nomem:
	bl_err_set(err, errlen, "out of memory");
fail:
	json_decref(o);
	free(text);
	free(line);
	if (f != stdin)
		fclose(f);
	return NULL;
}

/*
 * Commands of the form: POSITIONAL... then NAME VALUE pairs (NAME may be
 * written --NAME). A value of decimal digits travels as an integer, any
 * other as a string: the daemon checks types and ranges. Pairs a command
 * does not know go into "args" when it takes behaviour arguments (spawn),
 * else they are refused here.
 */
struct kv_spec {
	const char *cmd;
	const char *pos[3];
	const char *opts[10];
	bool args_rest;
};

static const struct kv_spec kv_specs[] = {
	{ "spawn",
	  { "behaviour" },
	  { "name", "lcore", "group", "count", "mailbox_limit", "heap_limit", "overflow",
	    "hibernate_after_ms" },
	  true },
	{ "kill", { "target" }, { NULL }, false },
	{ "exit", { "target", "reason" }, { NULL }, false },
	{ "info", { "target" }, { NULL }, false },
	{ "group.join", { "group", "target" }, { NULL }, false },
	{ "group.leave", { "group", "target" }, { NULL }, false },
	{ "ps", { NULL }, { "sort", "top", "lcore" }, false },
	{ "sup.new",
	  { "id" },
	  { "strategy", "intensity", "period", "parent", "restart", "shutdown" },
	  false },
	{ "sup.child",
	  { "sup", "id", "behaviour" },
	  { "name", "lcore", "restart", "shutdown", "mailbox_limit", "heap_limit", "overflow" },
	  true },
	{ "sup.tree", { NULL }, { NULL }, false },
	{ "sup.start", { "id" }, { NULL }, false },
	{ "sup.stop", { "id" }, { NULL }, false },
	{ "crashes", { NULL }, { "top" }, false },
	{ "lcores", { NULL }, { NULL }, false },
};

static json_t *kv_value(const char *v)
{
	uint64_t n;

	if (v[0] >= '0' && v[0] <= '9' && parse_uint(v, INT64_MAX, &n) == 0)
		return json_integer((json_int_t)n);
	return json_string(v);
}

static json_t *build_kv(const struct bl_cmd_row *row, int argc, char **argv, char *err,
			size_t errlen)
{
	const struct kv_spec *k = NULL;
	json_t *o, *args = NULL;
	int i, npos = 0;

	for (size_t j = 0; j < sizeof(kv_specs) / sizeof(kv_specs[0]); j++)
		if (strcmp(kv_specs[j].cmd, row->cmd) == 0)
			k = &kv_specs[j];
	if (k == NULL) {
		bl_err_set(err, errlen, "%s: no grammar", row->cmd);
		return NULL;
	}
	while (npos < 3 && k->pos[npos] != NULL)
		npos++;
	if (argc < npos) {
		bl_err_set(err, errlen, "%s: missing %s (usage: %s)", row->cmd, k->pos[argc],
			   row->forms[0]);
		return NULL;
	}
	o = request_new(row->cmd);
	if (o == NULL)
		return oom(err, errlen);
	for (i = 0; i < npos; i++)
		json_object_set_new(o, k->pos[i], kv_value(argv[i]));
	for (; i < argc; i += 2) {
		const char *name = argv[i];
		bool known = false;

		while (*name == '-')
			name++;
		for (size_t j = 0; j < 10 && k->opts[j] != NULL; j++)
			known |= strcmp(k->opts[j], name) == 0;
		if (*name == '\0' || (!known && !k->args_rest)) {
			bl_err_set(err, errlen, "%s: unexpected word '%s' (usage: %s)", row->cmd,
				   argv[i], row->forms[0]);
			goto fail;
		}
		if (i + 1 >= argc) {
			bl_err_set(err, errlen, "%s: '%s' needs a value", row->cmd, argv[i]);
			goto fail;
		}
		if (known) {
			if (json_object_get(o, name) != NULL) {
				bl_err_set(err, errlen, "%s: '%s' given twice", row->cmd, name);
				goto fail;
			}
			json_object_set_new(o, name, kv_value(argv[i + 1]));
			continue;
		}
		if (args == NULL) {
			args = json_object();
			if (args == NULL || json_object_set_new(o, "args", args) != 0) {
				json_decref(o);
				return oom(err, errlen);
			}
		}
		if (json_object_get(args, name) != NULL) {
			bl_err_set(err, errlen, "%s: '%s' given twice", row->cmd, name);
			goto fail;
		}
		json_object_set_new(args, name, kv_value(argv[i + 1]));
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static const struct bl_cmd_row bl_cmd_rows[] = {
	{ "help", NULL, "help", build_plain, { "help" }, "list the daemon's commands" },
	{ "status", NULL, "status", build_plain, { "status" }, "version, uptime, lcores, ports" },
	{ "ports", NULL, "ports", build_plain, { "ports" }, "ports: link, addresses, counters" },
	{ "stats",
	  NULL,
	  "stats",
	  build_plain,
	  { "stats" },
	  "counters: totals, drops by reason, ports, lcores, sequence, mempool" },
	{ "route",
	  "add",
	  "route.add",
	  build_route_add,
	  { "route add KEY drop", "route add KEY port P mac MAC ip A.B.C.D [udp N]",
	    "route add KEY process|group|pool NAME" },
	  "add or replace a route (udp defaults to 7447)" },
	{ "route",
	  "del",
	  "route.del",
	  build_route_del,
	  { "route del KEY [KEY...]" },
	  "delete routes" },
	{ "route",
	  "list",
	  "route.list",
	  build_route_list,
	  { "route list [limit N] [cursor C]" },
	  "every route, page by page; or one page of N (at most 10000) from cursor C" },
	{ "route",
	  "count",
	  "route.count",
	  build_plain,
	  { "route count" },
	  "routes by action, default route, table size" },
	{ "route",
	  "batch",
	  "route.batch",
	  build_route_batch,
	  { "route batch FILE|-" },
	  "apply a file of 'add ...' and 'del ...' lines" },
	{ "spawn",
	  NULL,
	  "spawn",
	  build_kv,
	  { "spawn BEHAVIOUR [name N] [lcore L|any] [group G] [count N] [ARG VALUE...]" },
	  "start processes (counter: max_keys N; relay: to NAME; forward: port P mac MAC ip A "
	  "[udp N]; echo)" },
	{ "kill", NULL, "kill", build_kv, { "kill PID|NAME" }, "kill a process (untrappable)" },
	{ "exit",
	  NULL,
	  "exit",
	  build_kv,
	  { "exit PID|NAME REASON" },
	  "send an exit signal: normal, shutdown, kill, or an error text" },
	{ "info", NULL, "info", build_kv, { "info PID|NAME" }, "everything about one process" },
	{ "ps",
	  NULL,
	  "ps",
	  build_kv,
	  { "ps [--sort memory|mailbox|reductions|binary] [--top N] [--lcore L]" },
	  "processes, biggest first" },
	{ "memory",
	  NULL,
	  "memory",
	  build_plain,
	  { "memory" },
	  "memory: processes, binaries, tables, mbuf pools, system" },
	{ "lcores",
	  NULL,
	  "lcores",
	  build_kv,
	  { "lcores" },
	  "per lcore: busy and idle cycles, average burst, processes, stalls" },
	{ "group",
	  "join",
	  "group.join",
	  build_kv,
	  { "group join GROUP PID|NAME" },
	  "add a process to a group" },
	{ "group",
	  "leave",
	  "group.leave",
	  build_kv,
	  { "group leave GROUP PID|NAME" },
	  "remove a process from a group" },
	{ "group", "list", "group.list", build_plain, { "group list" }, "groups and members" },
	{ "sup",
	  "new",
	  "sup.new",
	  build_kv,
	  { "sup new ID [strategy one_for_one|one_for_all|rest_for_one] [intensity N] [period MS] "
	    "[parent ID] [restart R] [shutdown MS|infinity]" },
	  "define a supervisor (a root, or nested under a parent)" },
	{ "sup",
	  "child",
	  "sup.child",
	  build_kv,
	  { "sup child SUP ID BEHAVIOUR [name N] [lcore L|any] [restart permanent|transient|"
	    "temporary] [shutdown MS|brutal|infinity] [ARG VALUE...]" },
	  "define a worker child of a supervisor" },
	{ "sup", "start", "sup.start", build_kv, { "sup start ID" }, "start a tree, or a child" },
	{ "sup",
	  "stop",
	  "sup.stop",
	  build_kv,
	  { "sup stop ID" },
	  "stop a tree cleanly, or a child" },
	{ "sup", "tree", "sup.tree", build_plain, { "sup tree" }, "every tree, node by node" },
	{ "crashes",
	  NULL,
	  "crashes",
	  build_kv,
	  { "crashes [--top N]" },
	  "crash reports: pid, name, behaviour, reason, messages, heap, last key" },
};

#define BL_CMD_NROWS (sizeof(bl_cmd_rows) / sizeof(bl_cmd_rows[0]))

/* "a, b, c" of the distinct first words, or of the subwords of `word`. */
static void known_words(const char *word, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < BL_CMD_NROWS; i++) {
		const char *w = word ? bl_cmd_rows[i].sub : bl_cmd_rows[i].word;
		bool dup = false;
		int n;

		if (word != NULL && strcmp(bl_cmd_rows[i].word, word) != 0)
			continue;
		for (size_t j = 0; j < i && word == NULL; j++)
			dup |= strcmp(bl_cmd_rows[j].word, w) == 0;
		if (dup || w == NULL)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", w);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

json_t *bl_cmd_from_words(int argc, char **argv, char *err, size_t errlen)
{
	char known[256];
	bool word_known = false;

	if (argc < 1 || argv == NULL || argv[0] == NULL) {
		known_words(NULL, known, sizeof(known));
		bl_err_set(err, errlen, "missing command (known: %s)", known);
		return NULL;
	}
	for (size_t i = 0; i < BL_CMD_NROWS; i++) {
		const struct bl_cmd_row *row = &bl_cmd_rows[i];

		if (strcmp(row->word, argv[0]) != 0)
			continue;
		word_known = true;
		if (row->sub == NULL)
			return row->build(row, argc - 1, argv + 1, err, errlen);
		if (argc >= 2 && strcmp(row->sub, argv[1]) == 0)
			return row->build(row, argc - 2, argv + 2, err, errlen);
	}
	if (!word_known) {
		known_words(NULL, known, sizeof(known));
		bl_err_set(err, errlen, "unknown command '%s' (known: %s)", argv[0], known);
		return NULL;
	}
	known_words(argv[0], known, sizeof(known));
	if (argc < 2)
		bl_err_set(err, errlen, "%s: missing subcommand (known: %s)", argv[0], known);
	else
		bl_err_set(err, errlen, "unknown %s subcommand '%s' (known: %s)", argv[0], argv[1],
			   known);
	return NULL;
}

int bl_cmd_usage_entry(unsigned int i, const char **form, const char **summary)
{
	for (size_t r = 0; r < BL_CMD_NROWS; r++) {
		for (size_t f = 0; f < 3 && bl_cmd_rows[r].forms[f] != NULL; f++) {
			if (i-- == 0) {
				*form = bl_cmd_rows[r].forms[f];
				*summary = bl_cmd_rows[r].summary;
				return 0;
			}
		}
	}
	return -ENOENT;
}
