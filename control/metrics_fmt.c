/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition format, version 0.0.4: a family is its
 * "# HELP" and "# TYPE" lines followed by all its samples, one per line,
 * "name{label="value",...} value". HELP text escapes \ and newline; label
 * values escape \, " and newline. Nothing else is special: the callers
 * choose names and label keys from fixed tables, only label values come
 * from users (port and node names), so only those are escaped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/metrics_pvt.h"

static int reserve(struct bl_mtext *t, size_t more)
{
	size_t cap;
	char *p;

	if (t->err != 0)
		return t->err;
	if (t->len + more + 1 <= t->cap)
		return 0;
	cap = t->cap ? t->cap : 16384;
	while (cap < t->len + more + 1)
		cap *= 2;
	p = realloc(t->p, cap);
	if (p == NULL) {
		t->err = -ENOMEM;
		return t->err;
	}
	t->p = p;
	t->cap = cap;
	return 0;
}

void bl__mtext_printf(struct bl_mtext *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (reserve(t, 256) != 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= t->cap - t->len) {
		if (reserve(t, (size_t)n) != 0)
			return;
		va_start(ap, fmt);
		n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
	}
	t->len += (size_t)n;
}

/* s onto t with \ and newline escaped, and " too when quoted. */
static void put_escaped(struct bl_mtext *t, const char *s, int quoted)
{
	size_t n = strlen(s);

	if (reserve(t, 2 * n) != 0)
		return;
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '\n' || (quoted && *s == '"')) {
			t->p[t->len++] = '\\';
			t->p[t->len++] = *s == '\n' ? 'n' : *s;
		} else {
			t->p[t->len++] = *s;
		}
	}
	t->p[t->len] = '\0';
}

void bl__mtext_family(struct bl_mtext *t, const char *name, const char *type, const char *help)
{
	bl__mtext_printf(t, "# HELP %s ", name);
	put_escaped(t, help, 0);
	bl__mtext_printf(t, "\n# TYPE %s %s\n", name, type);
}

static void put_head(struct bl_mtext *t, const char *name, const char *const *labels)
{
	bl__mtext_printf(t, "%s", name);
	if (labels == NULL || labels[0] == NULL)
		return;
	for (size_t i = 0; labels[i] != NULL && labels[i + 1] != NULL; i += 2) {
		bl__mtext_printf(t, "%c%s=\"", i == 0 ? '{' : ',', labels[i]);
		put_escaped(t, labels[i + 1], 1);
		bl__mtext_printf(t, "\"");
	}
	bl__mtext_printf(t, "}");
}

void bl__mtext_u64(struct bl_mtext *t, const char *name, const char *const *labels, uint64_t v)
{
	put_head(t, name, labels);
	bl__mtext_printf(t, " %llu\n", (unsigned long long)v);
}

void bl__mtext_f(struct bl_mtext *t, const char *name, const char *const *labels, double v)
{
	put_head(t, name, labels);
	if (v != v)
		bl__mtext_printf(t, " NaN\n");
	else if (v > 1.7e308)
		bl__mtext_printf(t, " +Inf\n");
	else
		bl__mtext_printf(t, " %.10g\n", v);
}
