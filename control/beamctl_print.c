/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamctl's tables and blocks. The generic layout needs no knowledge of a
 * command: scalars as "key  value" lines, nested objects as indented blocks,
 * arrays of objects as tables, so a field a newer daemon adds still shows.
 * Every string and key shown goes through control/text.h: a name or an
 * error holding control characters prints them as \xNN, never raw.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/beamctl_print.h"
#include "control/text.h"

static char *cell_text(const json_t *v)
{
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return bl_text_escape_dup(json_string_value(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(buf);
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.6g", json_real_value(v));
		return strdup(buf);
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("-");
	case JSON_ARRAY: {
		/* A list of scalars reads better as "1, 2, 3". */
		size_t i, used = 0, cap = 64;
		char *s = malloc(cap);
		json_t *e;

		if (s == NULL)
			return NULL;
		s[0] = '\0';
		json_array_foreach (v, i, e) {
			char *t = json_is_object(e) || json_is_array(e)
				      ? json_dumps(e, JSON_COMPACT | JSON_ENSURE_ASCII)
				      : cell_text(e);
			size_t tl = t ? strlen(t) : 0;

			if (used + tl + 3 > cap) {
				char *ns;

				while (used + tl + 3 > cap)
					cap *= 2;
				ns = realloc(s, cap);
				if (ns == NULL) {
					free(t);
					free(s);
					return NULL;
				}
				s = ns;
			}
			used += (size_t)sprintf(s + used, "%s%s", i ? ", " : "", t ? t : "");
			free(t);
		}
		return s;
	}
	default: {
		/* jansson escapes C0 controls; ASCII only keeps DEL and C1 out too. */
		char *t = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
		char *safe = t ? bl_text_escape_dup(t) : NULL;

		free(t);
		return safe;
	}
	}
}

static void print_upper(const char *s, int width)
{
	int n = 0;

	for (; *s != '\0'; s++, n++)
		putchar(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s);
	for (; n < width; n++)
		putchar(' ');
}

/*
 * An array of objects as an aligned table. cols: the keys to show (NULL: the
 * union of every row's keys, in first-seen order). Numeric columns are right
 * aligned. Missing cells print "-".
 */
void bl_beamctl_print_table(const char *title, const json_t *rows, const char *const *cols)
{
	size_t nrows = json_array_size(rows), ncols = 0;
	const char *names[32];
	char *heads[32]; /* the names as shown (escaped) */
	int width[32];
	bool numeric[32];
	char **cells;

	if (cols != NULL) {
		while (cols[ncols] != NULL && ncols < 32) {
			names[ncols] = cols[ncols];
			ncols++;
		}
	} else {
		for (size_t r = 0; r < nrows; r++) {
			const char *k;
			json_t *v;

			json_object_foreach (json_array_get(rows, r), k, v) {
				size_t c;

				for (c = 0; c < ncols; c++)
					if (strcmp(names[c], k) == 0)
						break;
				if (c == ncols && ncols < 32)
					names[ncols++] = k;
			}
		}
	}
	if (title != NULL) {
		char *t = bl_text_escape_dup(title);

		printf("%s\n", t ? t : "");
		free(t);
	}
	if (nrows == 0 || ncols == 0) {
		printf("  (none)\n");
		return;
	}
	cells = calloc(nrows * ncols, sizeof(char *));
	if (cells == NULL)
		return;
	for (size_t c = 0; c < ncols; c++) {
		heads[c] = bl_text_escape_dup(names[c]);
		width[c] = heads[c] ? (int)strlen(heads[c]) : 0;
		numeric[c] = true;
	}
	for (size_t r = 0; r < nrows; r++) {
		const json_t *row = json_array_get(rows, r);

		for (size_t c = 0; c < ncols; c++) {
			const json_t *v =
			    json_is_object(row) ? json_object_get(row, names[c]) : NULL;
			char *t = v ? cell_text(v) : strdup("-");
			int w = t ? (int)strlen(t) : 0;

			cells[r * ncols + c] = t;
			if (w > width[c])
				width[c] = w;
			if (v != NULL && !json_is_number(v))
				numeric[c] = false;
		}
	}
	printf("  ");
	for (size_t c = 0; c < ncols; c++) {
		const char *h = heads[c] ? heads[c] : "";

		if (numeric[c]) {
			printf("%*s", width[c] - (int)strlen(h), "");
			print_upper(h, 0);
		} else {
			print_upper(h, c + 1 < ncols ? width[c] : 0);
		}
		printf(c + 1 < ncols ? "  " : "\n");
	}
	for (size_t r = 0; r < nrows; r++) {
		printf("  ");
		for (size_t c = 0; c < ncols; c++) {
			const char *t = cells[r * ncols + c] ? cells[r * ncols + c] : "";
			bool last = c + 1 == ncols;

			if (numeric[c])
				printf("%*s", width[c], t);
			else
				printf("%-*s", last ? 0 : width[c], t);
			printf(last ? "\n" : "  ");
			free(cells[r * ncols + c]);
		}
	}
	free(cells);
	for (size_t c = 0; c < ncols; c++)
		free(heads[c]);
}

static bool is_table(const json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach (v, i, e)
		if (!json_is_object(e))
			return false;
	return true;
}

/* Generic: scalars as "key  value", objects as indented blocks, arrays of objects as tables. */
static void print_object(const json_t *o, int indent, const char *const *skip)
{
	int width = 0, vwidth = 0; /* vwidth > 0: every value is an integer, right-align them */
	bool all_int = true;
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)o, k, v) {
		bool skipped = is_table(v) || (json_is_object(v) && json_object_size(v) > 0);

		for (size_t i = 0; skip != NULL && skip[i] != NULL; i++)
			skipped |= strcmp(skip[i], k) == 0;
		if (skipped)
			continue;
		if ((int)bl_text_escape(k, NULL, 0) > width)
			width = (int)bl_text_escape(k, NULL, 0);
		if (json_is_integer(v)) {
			char buf[32];
			int n = snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
					 json_integer_value(v));

			if (n > vwidth)
				vwidth = n;
		} else {
			all_int = false;
		}
	}
	if (!all_int)
		vwidth = 0;
	json_object_foreach ((json_t *)o, k, v) {
		bool skipped = false;

		for (size_t i = 0; skip != NULL && skip[i] != NULL; i++)
			skipped |= strcmp(skip[i], k) == 0;
		if (skipped || is_table(v) || (json_is_object(v) && json_object_size(v) > 0))
			continue;
		{
			char *t = cell_text(v);
			char *key = bl_text_escape_dup(k);

			printf("%*s%-*s  %*s\n", indent, "", width, key ? key : "", vwidth,
			       t ? t : "");
			free(key);
			free(t);
		}
	}
	json_object_foreach ((json_t *)o, k, v) {
		bool skipped = false;

		for (size_t i = 0; skip != NULL && skip[i] != NULL; i++)
			skipped |= strcmp(skip[i], k) == 0;
		if (skipped)
			continue;
		if (json_is_object(v) && json_object_size(v) > 0) {
			char *key = bl_text_escape_dup(k);

			printf("\n%*s%s\n", indent, "", key ? key : "");
			free(key);
			print_object(v, indent + 2, NULL);
		} else if (is_table(v)) {
			printf("\n");
			bl_beamctl_print_table(k, v, NULL);
		}
	}
}

static const char *const skip_ok[] = { "ok", NULL };

/* The generic layout, with the uptime made readable where uptime_s was. */
static void print_status(const json_t *r)
{
	json_t *copy = json_object();
	const char *k;
	json_t *v;

	if (copy == NULL)
		return;
	json_object_foreach ((json_t *)r, k, v) {
		if (strcmp(k, "uptime_s") == 0 && json_is_integer(v)) {
			long long s = json_integer_value(v);
			char buf[64];

			snprintf(buf, sizeof(buf), "%lldd %02lld:%02lld:%02lld (%lld s)", s / 86400,
				 s / 3600 % 24, s / 60 % 60, s % 60, s);
			json_object_set_new(copy, "uptime", json_string(buf));
		} else {
			json_object_set(copy, k, v);
		}
	}
	print_object(copy, 0, skip_ok);
	json_decref(copy);
}

static void print_drops(const char *title, const json_t *drops, int *shown)
{
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)drops, k, v) {
		if (json_is_integer(v) && json_integer_value(v) == 0)
			continue;
		if (*shown == 0)
			printf("\ndrops\n");
		char *t = cell_text(v);
		char *key = bl_text_escape_dup(k);

		printf("  %-6s %-20s %12s\n", title, key ? key : "", t ? t : "");
		free(key);
		free(t);
		(*shown)++;
	}
}

static void print_stats(const json_t *r)
{
	static const char *const skip[] = { "ok",     "totals", "pkt_drops", "msg_drops", "ports",
					    "lcores", "seq",	"mempool",   NULL };
	static const char *const port_cols[] = { "port",      "name",	  "rx_pkts",   "tx_pkts",
						 "rx_bytes",  "tx_bytes", "rx_missed", "rx_errors",
						 "tx_errors", NULL };
	static const char *const lcore_cols[] = { "lcore",    "rx_pkts",    "rx_msgs",
						  "fwd_msgs", "drop_msgs",  "tx_pkts",
						  "loops",    "busy_loops", NULL };
	const json_t *v;
	int shown = 0;

	if ((v = json_object_get(r, "totals")) != NULL) {
		printf("totals\n");
		print_object(v, 2, NULL);
	}
	print_drops("packet", json_object_get(r, "pkt_drops"), &shown);
	print_drops("msg", json_object_get(r, "msg_drops"), &shown);
	if (shown == 0)
		printf("\ndrops\n  (none)\n");
	if ((v = json_object_get(r, "ports")) != NULL) {
		printf("\n");
		bl_beamctl_print_table("ports", v, port_cols);
	}
	if ((v = json_object_get(r, "lcores")) != NULL) {
		printf("\n");
		bl_beamctl_print_table("lcores", v, lcore_cols);
	}
	if ((v = json_object_get(r, "seq")) != NULL) {
		printf("\nseq\n");
		print_object(v, 2, NULL);
	}
	if ((v = json_object_get(r, "mempool")) != NULL) {
		printf("\nmempool\n");
		print_object(v, 2, NULL);
	}
	/* Anything newer than this beamctl still shows. */
	{
		json_t *rest = json_deep_copy(r);

		for (size_t i = 0; rest != NULL && skip[i] != NULL; i++)
			json_object_del(rest, skip[i]);
		if (rest != NULL && json_object_size(rest) > 0) {
			printf("\n");
			print_object(rest, 0, NULL);
		}
		json_decref(rest);
	}
}

static void print_counts(const json_t *r)
{
	static const char *const names[] = { "added", "replaced", "deleted", "queued", NULL };
	bool first = true;

	for (size_t i = 0; names[i] != NULL; i++) {
		const json_t *v = json_object_get(r, names[i]);

		if (!json_is_integer(v))
			continue;
		printf("%s%s %" JSON_INTEGER_FORMAT, first ? "" : ", ", names[i],
		       json_integer_value(v));
		first = false;
	}
	if (json_is_integer(json_object_get(r, "pieces")))
		printf("%s(sent as %" JSON_INTEGER_FORMAT " requests)", first ? "" : " ",
		       json_integer_value(json_object_get(r, "pieces")));
	printf("\n");
}

/* One row per lcore and path, the merged "all" rows last; times in ns. */
static void print_latency(const json_t *r)
{
	static const char *const cols[] = { "lcore",  "path",	 "count",  "p50_ns", "p90_ns",
					    "p99_ns", "p999_ns", "max_ns", NULL };

	bl_beamctl_print_table("latency (ns, RX burst to TX burst)", json_object_get(r, "latency"),
			       cols);
	if (json_is_true(json_object_get(r, "reset")))
		printf("(reset: counting again from zero)\n");
}

/* The neighbour table: one row a neighbour, then its counters. */
static void print_neigh(const json_t *r)
{
	static const char *const cols[] = { "ip",     "port",	"vlan",	  "mac",	 "state",
					    "age_ms", "probes", "queued", "queued_msgs", NULL };
	const json_t *v = json_object_get(r, "neighbours");

	if (json_array_size(v) == 0)
		printf("neighbours\n  (none)\n");
	else
		bl_beamctl_print_table("neighbours", v, cols);
	if ((v = json_object_get(r, "stats")) != NULL) {
		printf("\ncounters\n");
		print_object(v, 2, NULL);
	}
}

void bl_beamctl_print_reply(const char *cmd, const json_t *r)
{
	if (strcmp(cmd, "neigh.list") == 0 && json_is_array(json_object_get(r, "neighbours"))) {
		print_neigh(r);
		return;
	}
	if (strcmp(cmd, "status") == 0)
		print_status(r);
	else if (strcmp(cmd, "stats") == 0)
		print_stats(r);
	else if (strcmp(cmd, "latency") == 0 && json_is_array(json_object_get(r, "latency")))
		print_latency(r);
	else if (strcmp(cmd, "route.add") == 0 || strcmp(cmd, "route.del") == 0 ||
		 strcmp(cmd, "route.batch") == 0)
		print_counts(r);
	else if (strcmp(cmd, "help") == 0 && json_is_array(json_object_get(r, "commands")))
		bl_beamctl_print_table(NULL, json_object_get(r, "commands"), NULL);
	else if (json_object_size(r) > 1)
		print_object(r, 0, skip_ok);
	else
		printf("ok\n");
}
