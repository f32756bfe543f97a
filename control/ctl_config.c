/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration file loader: each line is a beamctl command line, run
 * through the control socket server's dispatch (bl_ctl_exec).
 *
 * Runs of `route add KEY ...` and `route del KEY...` lines (the bulk of a
 * large config) go as one route.batch "text" request per run of at most
 * CHUNK_LINES lines, as `beamctl route batch` sends them: a million routes
 * load at the batch's speed, not a request each. A run ends before any
 * other command (order holds) and before a key it already holds (a batch
 * refuses a key twice; a config replaces). If a run is refused, it was
 * applied not at all, and its lines are run again one by one, so what is
 * applied and the error (with its file line) are as if it had never been
 * batched.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <jansson.h>

#include "control/cmd.h"
#include "control/cmd_pvt.h"
#include "control/ctl.h"
#include "control/ctl_pvt.h"
#include "control/errors.h"

#define CHUNK_LINES (1u << 16)
#define KEY_SLOTS   (4u * CHUNK_LINES) /* open addressing, at most a quarter full */

/* A run of route lines on its way to one route.batch request. */
struct chunk {
	char *text; /* the lines without their "route ", each ending in '\n' */
	size_t len, cap;
	unsigned long *lineno; /* the file line of each */
	unsigned n;
	uint64_t *keys; /* the keys it holds (KEY_SLOTS; 0 marks empty, key 0 in has0) */
	bool has0;
};

static int chunk_init(struct chunk *k)
{
	memset(k, 0, sizeof(*k));
	k->lineno = malloc(CHUNK_LINES * sizeof(*k->lineno));
	k->keys = calloc(KEY_SLOTS, sizeof(*k->keys));
	return k->lineno != NULL && k->keys != NULL ? 0 : -ENOMEM;
}

static void chunk_free(struct chunk *k)
{
	free(k->text);
	free(k->lineno);
	free(k->keys);
}

/* Does the run hold key already? Adds it when not. */
static bool chunk_key_seen(struct chunk *k, uint64_t key)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ull;
	size_t i = (size_t)(h >> 40) & (KEY_SLOTS - 1);

	if (key == 0) {
		if (k->has0)
			return true;
		k->has0 = true;
		return false;
	}
	for (; k->keys[i] != 0; i = (i + 1) & (KEY_SLOTS - 1))
		if (k->keys[i] == key)
			return true;
	k->keys[i] = key;
	return false;
}

/* The keys a route line changes, if it may go in a run: `route add KEY ...`
 * or `route del KEY...`, numeric keys, words that need no quoting. */
static int batchable(int wc, char **words, uint64_t *keys, int *nkeys)
{
	int i, last;

	if (wc < 3 || strcmp(words[0], "route") != 0)
		return 0;
	if (strcmp(words[1], "add") == 0)
		last = 2;
	else if (strcmp(words[1], "del") == 0)
		last = wc - 1;
	else
		return 0;
	if (last - 1 > 16)
		return 0;
	for (i = 1; i < wc; i++)
		if (strpbrk(words[i], " \t'\"\\#") != NULL || words[i][0] == '\0')
			return 0;
	for (i = 2; i <= last; i++)
		if (bl__cmd_parse_uint(words[i], UINT64_MAX - 1, &keys[i - 2]) != 0)
			return 0;
	*nkeys = last - 1;
	return 1;
}

static int chunk_add(struct chunk *k, int wc, char **words, unsigned long lineno)
{
	size_t need = k->len + 2;
	int i;

	for (i = 1; i < wc; i++)
		need += strlen(words[i]) + 1;
	if (need > k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 1u << 20;
		char *t;

		while (cap < need)
			cap *= 2;
		t = realloc(k->text, cap);
		if (t == NULL)
			return -ENOMEM;
		k->text = t;
		k->cap = cap;
	}
	for (i = 1; i < wc; i++) {
		size_t l = strlen(words[i]);

		memcpy(k->text + k->len, words[i], l);
		k->len += l;
		k->text[k->len++] = i + 1 < wc ? ' ' : '\n';
	}
	k->lineno[k->n++] = lineno;
	return 0;
}

/* Run one command line's words; the error names path:lineno. */
static int run_words(struct bl_ctl *c, int wc, char **words, const char *path, unsigned long lineno,
		     char *err, size_t errlen)
{
	char sub[BL_CTL_ERRMSG_LEN];
	json_t *req, *reply;
	int rc;

	req = bl_cmd_from_words(wc, words, sub, sizeof(sub));
	if (req == NULL) {
		bl_err_set(err, errlen, "%s:%lu: %s", path, lineno, sub);
		return -EINVAL;
	}
	rc = bl_ctl_exec(c, req, &reply);
	json_decref(req);
	if (rc < 0) {
		const char *m = json_string_value(json_object_get(reply, "message"));

		bl_err_set(err, errlen, "%s:%lu: %s", path, lineno, m ? m : strerror(-rc));
	}
	json_decref(reply);
	return rc < 0 ? rc : 0;
}

/* A refused run, a line at a time: "route " + each of its lines. */
static int chunk_replay(struct bl_ctl *c, const struct chunk *k, const char *path, char *err,
			size_t errlen)
{
	char sub[BL_CTL_ERRMSG_LEN];
	const char *p = k->text;
	unsigned i;
	int rc = 0;

	for (i = 0; i < k->n && rc == 0; i++) {
		const char *nl = memchr(p, '\n', k->len - (size_t)(p - k->text));
		size_t l = (size_t)(nl - p);
		char *line = malloc(l + 7), **words;
		int wc;

		if (line == NULL)
			return -ENOMEM;
		memcpy(line, "route ", 6);
		memcpy(line + 6, p, l);
		line[l + 6] = '\0';
		p = nl + 1;
		rc = bl_cmd_split(line, &wc, &words, sub, sizeof(sub));
		free(line);
		if (rc < 0) {
			bl_err_set(err, errlen, "%s:%lu: %s", path, k->lineno[i], sub);
			break;
		}
		rc = run_words(c, wc, words, path, k->lineno[i], err, errlen);
		free(words);
	}
	return rc;
}

/* Send the run as one route.batch; replay it line by line if refused. */
static int chunk_flush(struct bl_ctl *c, struct chunk *k, const char *path, char *err,
		       size_t errlen)
{
	json_t *req, *reply = NULL;
	int rc;

	if (k->n == 0)
		return 0;
	req = json_pack("{s:s, s:s%}", "cmd", "route.batch", "text", k->text, k->len);
	if (req == NULL)
		return -ENOMEM;
	rc = bl_ctl_exec(c, req, &reply);
	json_decref(req);
	json_decref(reply);
	if (rc < 0)
		rc = chunk_replay(c, k, path, err, errlen);
	k->len = 0;
	k->n = 0;
	k->has0 = false;
	memset(k->keys, 0, KEY_SLOTS * sizeof(*k->keys));
	return rc;
}

int bl_ctl_load_config(struct bl_ctl *c, const char *path, char *err, size_t errlen)
{
	char *line = NULL, sub[BL_CTL_ERRMSG_LEN];
	unsigned long lineno = 0;
	struct chunk k;
	size_t cap = 0;
	int rc = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		bl_err_set(err, errlen, "%s: cannot open config: %s", path, strerror(errno));
		return rc;
	}
	if (chunk_init(&k) != 0) {
		chunk_free(&k);
		fclose(f);
		bl_err_set(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	for (;;) {
		uint64_t keys[16];
		char **words;
		ssize_t n;
		int wc, nkeys = 0, i;
		bool seen = false;

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
		if (!batchable(wc, words, keys, &nkeys)) {
			/* Another command: what runs before it goes first. */
			rc = chunk_flush(c, &k, path, err, errlen);
			if (rc == 0)
				rc = run_words(c, wc, words, path, lineno, err, errlen);
			free(words);
			if (rc < 0)
				break;
			continue;
		}
		for (i = 0; i < nkeys; i++)
			seen |= chunk_key_seen(&k, keys[i]);
		if (seen || k.n == CHUNK_LINES) {
			/* A key again (a config replaces it; a batch would refuse):
			 * the run so far first, then this line starts the next. */
			rc = chunk_flush(c, &k, path, err, errlen);
			for (i = 0; rc == 0 && i < nkeys; i++)
				(void)chunk_key_seen(&k, keys[i]);
		}
		if (rc == 0)
			rc = chunk_add(&k, wc, words, lineno);
		free(words);
		if (rc < 0) {
			if (rc == -ENOMEM)
				bl_err_set(err, errlen, "%s:%lu: out of memory", path, lineno);
			break;
		}
	}
	if (rc == 0)
		rc = chunk_flush(c, &k, path, err, errlen);
	chunk_free(&k);
	free(line);
	fclose(f);
	return rc;
}
