/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamctl route list: design note.
 *
 * A million routes are a hundred pages of BL_CMD_LIST_LIMIT_MAX. Each page is
 * printed and freed before the next is asked for, so beamctl holds one page
 * whatever the table's size, and the first lines appear at once.
 *
 * The header is printed once, so the first page with routes fixes the
 * columns and their widths. That page is a fair sample (pages come in hash
 * order, not key order), and a wider cell on a later page only pushes the
 * rest of its own line. NAME is shown when that page has a named route or,
 * in a walk, when more pages follow, since a later page may have one.
 *
 * A walk stops when "next" is null. A page that is empty yet has a "next"
 * made no progress: the walk stops there with an error rather than loop.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "control/beamctl_routes.h"
#include "control/cmd.h"
#include "control/text.h"

enum {
	COL_KEY,
	COL_ACTION,
	COL_NAME,
	COL_PORT,
	COL_MAC,
	COL_IP,
	COL_UDP,
	COL_VLAN,
	COL_NEIGH,
	COL_ORIGIN,
	NCOLS
};

static const struct {
	const char *field; /* in a route object */
	const char *title;
	bool right; /* numbers: right aligned */
} cols[NCOLS] = {
	[COL_KEY] = { "key", "KEY", false },	      [COL_ACTION] = { "action", "ACTION", false },
	[COL_NAME] = { "name", "NAME", false },	      [COL_PORT] = { "port", "PORT", true },
	[COL_MAC] = { "mac", "MAC", false },	      [COL_IP] = { "ip", "IP", false },
	[COL_UDP] = { "udp", "UDP", true },	      [COL_VLAN] = { "vlan", "VLAN", true },
	[COL_NEIGH] = { "neigh", "NEIGH", false }, /* a hop resolved by ARP or ND: its state */
	[COL_ORIGIN] = { "origin", "ORIGIN", false },
};

/* Longer than any cell of a route: keys have 20 digits, names 31 characters. */
#define CELL_MAX 64

struct table {
	bool laid_out; /* the header is printed */
	bool show[NCOLS];
	int width[NCOLS];
	int last; /* the last column shown: a left-aligned one is not padded */
	uint64_t shown;
};

/* A route's field as text: strings and integers as themselves, "-" when absent. */
static void cell(const json_t *route, int c, char buf[CELL_MAX])
{
	const json_t *v = json_object_get(route, cols[c].field);
	size_t n;

	if (v == NULL || json_is_null(v)) {
		snprintf(buf, CELL_MAX, "-");
	} else if (json_is_string(v)) {
		bl_text_escape(json_string_value(v), buf, CELL_MAX);
	} else if (json_is_integer(v)) {
		snprintf(buf, CELL_MAX, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else {
		n = json_dumpb(v, buf, CELL_MAX - 1, JSON_COMPACT | JSON_ENCODE_ANY);
		if (n == 0 || n >= CELL_MAX)
			snprintf(buf, CELL_MAX, "?");
		else
			buf[n] = '\0';
	}
}

static void print_cell(const struct table *t, int c, const char *text)
{
	if (cols[c].right)
		printf("%*s", t->width[c], text);
	else
		printf("%-*s", c == t->last ? 0 : t->width[c], text);
	printf(c == t->last ? "\n" : "  ");
}

/*
 * Choose the columns and widths from the first page with routes and print
 * the header. more: later pages will be printed under it.
 */
static void lay_out(struct table *t, const json_t *routes, bool more)
{
	char buf[CELL_MAX];
	json_t *r;
	size_t i;
	int c;

	for (c = 0; c < NCOLS; c++) {
		t->show[c] =
		    (c != COL_NAME && c != COL_VLAN && c != COL_NEIGH) || (more && c != COL_NEIGH);
		t->width[c] = (int)strlen(cols[c].title);
	}
	json_array_foreach (routes, i, r)
		t->show[COL_NAME] |= json_object_get(r, "name") != NULL;
	json_array_foreach (routes, i, r)
		t->show[COL_VLAN] |= json_object_get(r, "vlan") != NULL;
	/* Only when this page has one: a later page's are in `--json`. */
	json_array_foreach (routes, i, r)
		t->show[COL_NEIGH] |= json_object_get(r, "neigh") != NULL;
	/* Every route has an origin from a daemon that knows them; an older one sends none. */
	t->show[COL_ORIGIN] = false;
	json_array_foreach (routes, i, r)
		t->show[COL_ORIGIN] |= json_object_get(r, "origin") != NULL;
	json_array_foreach (routes, i, r) {
		for (c = 0; c < NCOLS; c++) {
			if (!t->show[c])
				continue;
			cell(r, c, buf);
			if ((int)strlen(buf) > t->width[c])
				t->width[c] = (int)strlen(buf);
		}
	}
	for (c = 0; c < NCOLS; c++)
		if (t->show[c])
			t->last = c;
	printf("  ");
	for (c = 0; c < NCOLS; c++)
		if (t->show[c])
			print_cell(t, c, cols[c].title);
	t->laid_out = true;
}

static void print_page(struct table *t, const json_t *routes, bool more)
{
	char buf[CELL_MAX];
	json_t *r;
	size_t i;

	if (json_array_size(routes) == 0)
		return;
	if (!t->laid_out)
		lay_out(t, routes, more);
	json_array_foreach (routes, i, r) {
		printf("  ");
		for (int c = 0; c < NCOLS; c++) {
			if (!t->show[c])
				continue;
			cell(r, c, buf);
			print_cell(t, c, buf);
		}
	}
}

/* "N of TOTAL routes shown", and after one page that is not the last, how to go on. */
static void print_footer(const struct table *t, const json_t *req, const json_t *last, bool walk)
{
	const json_t *total = json_object_get(last, "total");
	const json_t *next = json_object_get(last, "next");
	const json_t *limit = json_object_get(req, "limit");

	if (!t->laid_out)
		printf("  (none)\n");
	if (json_is_integer(total))
		printf("%" PRIu64 " of %" JSON_INTEGER_FORMAT " routes shown\n", t->shown,
		       json_integer_value(total));
	else
		printf("%" PRIu64 " routes shown\n", t->shown);
	if (!walk && json_is_string(next))
		printf("next page: beamctl route list limit %" JSON_INTEGER_FORMAT " cursor %s\n",
		       json_is_integer(limit) ? json_integer_value(limit)
					      : (json_int_t)BL_CMD_LIST_LIMIT_DEFAULT,
		       json_string_value(next));
}

int bl_beamctl_route_list(json_t *req, bool walk, bool table, bl_beamctl_ask_fn ask, void *arg)
{
	struct table t = { 0 };
	json_t *reply = NULL, *routes, *next;
	int rc;

	if (walk && json_object_set_new(req, "limit", json_integer(BL_CMD_LIST_LIMIT_MAX)) != 0)
		goto nomem;
	for (;;) {
		rc = ask(arg, req, &reply);
		if (rc != 0)
			return rc;
		routes = json_object_get(reply, "routes");
		next = json_object_get(reply, "next");
		if (!json_is_array(routes) ||
		    (next != NULL && !json_is_null(next) && !json_is_string(next))) {
			fprintf(stderr, "beamctl: route list: garbled reply: no \"routes\" array, "
					"or a \"next\" that is neither a string nor null\n");
			rc = BL_BEAMCTL_EXIT_UNREACHABLE;
			break;
		}
		if (table)
			print_page(&t, routes, walk && json_is_string(next));
		t.shown += json_array_size(routes);
		fflush(stdout);
		if (!walk || !json_is_string(next))
			break;
		if (json_array_size(routes) == 0) {
			fprintf(stderr,
				"beamctl: route list: the daemon sent an empty page with a "
				"\"next\"; stopped after %" PRIu64 " routes\n",
				t.shown);
			rc = BL_BEAMCTL_EXIT_UNREACHABLE;
			break;
		}
		if (json_object_set(req, "cursor", next) != 0)
			goto nomem;
		json_decref(reply);
		reply = NULL;
	}
	if (rc == 0 && table)
		print_footer(&t, req, reply, walk);
	json_decref(reply);
	return rc;
nomem:
	json_decref(reply);
	fprintf(stderr, "beamctl: out of memory\n");
	return BL_BEAMCTL_EXIT_UNREACHABLE;
}
