/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parameters of the /beamline/ telemetry commands (control/telemetry.c):
 * "k=v,k=v" parsed and checked into fields of the control request.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "control/errors.h"
#include "control/telemetry.h"
#include "control/telemetry_pvt.h"

#define TEL_MAX_PARAMS 16
#define TEL_MAX_PNAME  32

static bool param_allowed(const struct tel_cmd *tc, const char *name)
{
	const char *p = tc->params;
	size_t n = strlen(name);

	if (p == NULL)
		return true;
	while (*p != '\0') {
		size_t w = strcspn(p, " ");

		if (w == n && strncmp(p, name, n) == 0)
			return true;
		p += w;
		p += strspn(p, " ");
	}
	return false;
}

/* A parameter value: a decimal integer, true/false, or else a string. */
static json_t *param_value(const char *s)
{
	const char *digits = s + (*s == '-');
	char *end;
	long long x;

	if (*digits >= '0' && *digits <= '9' && strspn(digits, "0123456789") == strlen(digits)) {
		errno = 0;
		x = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0')
			return json_integer(x);
	}
	if (strcmp(s, "true") == 0)
		return json_true();
	if (strcmp(s, "false") == 0)
		return json_false();
	return json_string(s);
}

/*
 * Parse "k=v,k=v" into fields of req. 0, or -EINVAL with a message naming
 * the offending parameter, or -ENOMEM.
 */
int bl__tel_params_parse(const struct tel_cmd *tc, const char *params, json_t *req, char *msg,
			 size_t len)
{
	char *copy, *item, *save = NULL;
	unsigned int n = 0;
	int ret = 0;

	if (params == NULL || *params == '\0')
		return 0;
	if (tc->params != NULL && *tc->params == '\0') {
		bl_err_set(msg, len, "%s%s takes no parameters (got '%.60s')", TEL_PREFIX, tc->name,
			   params);
		return -EINVAL;
	}
	copy = strdup(params);
	if (copy == NULL)
		return -ENOMEM;
	/* strtok_r would skip empty items; an empty item is an error here. */
	for (item = copy; item != NULL; item = save) {
		char *eq;
		size_t klen;
		json_t *val;

		save = strchr(item, ',');
		if (save != NULL)
			*save++ = '\0';
		eq = strchr(item, '=');
		klen = eq != NULL ? (size_t)(eq - item) : strlen(item);
		if (*item == '\0') {
			bl_err_set(msg, len, "empty parameter in '%.60s'", params);
			ret = -EINVAL;
			break;
		}
		if (eq == NULL || eq[1] == '\0') {
			bl_err_set(msg, len, "parameter '%.32s' needs a value: name=value", item);
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		if (klen > TEL_MAX_PNAME ||
		    strspn(item, "abcdefghijklmnopqrstuvwxyz0123456789_") != klen) {
			bl_err_set(msg, len,
				   "bad parameter name '%.32s': use [a-z0-9_], at most %d", item,
				   TEL_MAX_PNAME);
			ret = -EINVAL;
			break;
		}
		if (strcmp(item, "cmd") == 0 || !param_allowed(tc, item)) {
			if (tc->params != NULL)
				bl_err_set(msg, len,
					   "%s%s does not take parameter '%s' (takes: %s)",
					   TEL_PREFIX, tc->name, item, tc->params);
			else
				bl_err_set(msg, len, "parameter name 'cmd' is reserved");
			ret = -EINVAL;
			break;
		}
		if (json_object_get(req, item) != NULL) {
			bl_err_set(msg, len, "parameter '%s' given twice", item);
			ret = -EINVAL;
			break;
		}
		if (++n > TEL_MAX_PARAMS) {
			bl_err_set(msg, len, "more than %d parameters", TEL_MAX_PARAMS);
			ret = -EINVAL;
			break;
		}
		val = param_value(eq + 1);
		if (val == NULL || json_object_set_new(req, item, val) != 0) {
			ret = -ENOMEM;
			break;
		}
	}
	free(copy);
	return ret;
}

/* /beamline/routes: bound "limit" to what fits one reply. */
int bl__tel_routes_limit(json_t *req, char *msg, size_t len)
{
	json_t *lim = json_object_get(req, "limit");

	if (lim == NULL)
		return json_object_set_new(req, "limit", json_integer(BL_TELEMETRY_LIST_MAX)) == 0
			   ? 0
			   : -ENOMEM;
	/* 0 is refused, as route.list refuses it. */
	if (!json_is_integer(lim) || json_integer_value(lim) < 1 ||
	    json_integer_value(lim) > BL_TELEMETRY_LIST_MAX) {
		bl_err_set(msg, len,
			   "limit must be an integer 1..%d (a telemetry reply holds at most 16 KB; "
			   "beamctl route list shows more)",
			   BL_TELEMETRY_LIST_MAX);
		return -EINVAL;
	}
	return 0;
}
