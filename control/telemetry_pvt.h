/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What only the telemetry bridge's own files (control/telemetry*.c) share:
 * the command table's row and the parameter parser.
 */
#ifndef BL_TELEMETRY_PVT_H
#define BL_TELEMETRY_PVT_H

#include <stddef.h>

#include <jansson.h>

#define TEL_PREFIX "/beamline/"

struct tel_cmd {
	const char *name;    /* after TEL_PREFIX */
	const char *ctl_cmd; /* control command; NULL: answered here */
	const char *params;  /* accepted parameters, space separated; "" none; NULL any */
	const char *list;    /* array field that may hold fewer than the reply's "total" */
	const char *help;
};

/*
 * Parse "k=v,k=v" into fields of req. 0, or -EINVAL with a message naming
 * the offending parameter, or -ENOMEM.
 */
int bl__tel_params_parse(const struct tel_cmd *tc, const char *params, json_t *req, char *msg,
			 size_t len);

/* /beamline/routes: bound "limit" to what fits one reply. */
int bl__tel_routes_limit(json_t *req, char *msg, size_t len);

#endif /* BL_TELEMETRY_PVT_H */
