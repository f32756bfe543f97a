/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration file loader: each line is a beamctl command line, run
 * through the control socket server's dispatch (bl_ctl_exec).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <jansson.h>

#include "control/cmd.h"
#include "control/ctl.h"
#include "control/ctl_pvt.h"
#include "control/errors.h"

int bl_ctl_load_config(struct bl_ctl *c, const char *path, char *err, size_t errlen)
{
	char *line = NULL, sub[BL_CTL_ERRMSG_LEN];
	unsigned long lineno = 0;
	size_t cap = 0;
	int rc = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		bl_err_set(err, errlen, "%s: cannot open config: %s", path, strerror(errno));
		return rc;
	}
	for (;;) {
		json_t *req, *reply;
		char **words;
		ssize_t n;
		int wc;

		errno = 0;
		n = getline(&line, &cap, f);
		if (n < 0) {
			if (errno != 0) {
				rc = -errno;
				bl_err_set(err, errlen, "%s: read error: %s", path,
					   strerror(errno));
			}
			break;
		}
		lineno++;
		if (strlen(line) != (size_t)n) {
			bl_err_set(err, errlen, "%s:%lu: NUL byte in line", path, lineno);
			rc = -EINVAL;
			break;
		}
		rc = bl_cmd_split(line, &wc, &words, sub, sizeof(sub));
		if (rc < 0) {
			bl_err_set(err, errlen, "%s:%lu: %s", path, lineno,
				   rc == -ENOMEM ? "out of memory" : sub);
			break;
		}
		if (wc == 0) {
			free(words);
			continue;
		}
		req = bl_cmd_from_words(wc, words, sub, sizeof(sub));
		free(words);
		if (req == NULL) {
			bl_err_set(err, errlen, "%s:%lu: %s", path, lineno, sub);
			rc = -EINVAL;
			break;
		}
		rc = bl_ctl_exec(c, req, &reply);
		json_decref(req);
		if (rc < 0) {
			const char *m = json_string_value(json_object_get(reply, "message"));

			bl_err_set(err, errlen, "%s:%lu: %s", path, lineno, m ? m : strerror(-rc));
			json_decref(reply);
			break;
		}
		json_decref(reply);
	}
	free(line);
	fclose(f);
	return rc;
}
