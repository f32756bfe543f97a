/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route batches: one line of `add ...` / `del ...` (the CLI checks a batch
 * file with it, the daemon reads a route.batch "text" with it), and the
 * `route batch FILE|-` builder, which sends the checked lines as they are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cmd.h"
#include "control/cmd_pvt.h"
#include "control/errors.h"

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
json_t *bl__cmd_build_route_batch(const struct bl_cmd_row *row, int argc, char **argv, char *err,
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
	o = bl__cmd_request_new(row->cmd);
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
