/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Word splitting for the command grammar (control/cmd.h, bl_cmd_split): a
 * line of beamctl's config file or batch input into words, as a shell
 * splits them, with quotes, escapes and comments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cmd.h"
#include "control/errors.h"

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
