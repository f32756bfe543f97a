/* SPDX-License-Identifier: BSD-3-Clause */
/* Cluster route values in etcd: see cluster_route_json.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "control/cluster_route_json.h"
#include "control/errors.h"

char *bl_cluster_route_value(const struct bl_cmd_route *r, uint64_t written_ns, const char *by)
{
	json_t *o = json_object(), *route = bl_cmd_route_to_json(r);
	char *s = NULL;

	if (o != NULL && route != NULL && json_object_set(o, "route", route) == 0 &&
	    json_object_set_new(o, "written_ns", json_integer((json_int_t)written_ns)) == 0 &&
	    json_object_set_new(o, "by", json_string(by)) == 0)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(route);
	json_decref(o);
	return s;
}

int bl_cluster_route_parse(const char *key, const char *value, struct bl_cmd_route *r,
			   uint64_t *written_ns, char *err, size_t errlen)
{
	struct bl_cmd_key k;
	json_error_t jerr;
	json_t *o = json_loads(value, 0, &jerr);
	const json_t *w;
	char sub[200], text[32];
	int rc = 0;

	*written_ns = 0;
	if (bl_cmd_key_parse(key, &k, sub, sizeof(sub)) != 0) {
		bl_err_set(err, errlen, "cluster route '%s': %s", key, sub);
		rc = -EINVAL;
	} else if (!json_is_object(o)) {
		bl_err_set(err, errlen, "cluster route %s: the value is not a JSON object", key);
		rc = -EINVAL;
	} else if (bl_cmd_route_from_json(json_object_get(o, "route"), r, sub, sizeof(sub)) != 0) {
		bl_err_set(err, errlen, "cluster route %s: %s", key, sub);
		rc = -EINVAL;
	} else if (r->key.is_default != k.is_default || r->key.value != k.value) {
		bl_cmd_key_format(&r->key, text, sizeof(text));
		bl_err_set(err, errlen, "cluster route %s: the value is the route of key %s", key,
			   text);
		rc = -EINVAL;
	} else if ((w = json_object_get(o, "written_ns")) != NULL) {
		if (json_is_integer(w) && json_integer_value(w) > 0)
			*written_ns = (uint64_t)json_integer_value(w);
	}
	json_decref(o);
	return rc;
}
