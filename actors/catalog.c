/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The behaviour catalog (see catalog.h): design note.
 *
 * A fixed table of BL_CATALOG_MAX slots, each an RCU-published pointer to
 * an entry (NULL: free). Adding fills a free slot with a fully built entry
 * (rcu_assign_pointer: its fields are visible before the pointer);
 * removing clears the slot, waits a grace period (no reader holds the
 * entry) and only then frees the entry and closes its module. A version's
 * live counts tell whether any process still runs its code; the lcores
 * update them at spawn and teardown (actors/proc.c), so a zero read with
 * acquire order means every terminate callback has returned.
 *
 * Names are interned in a table that only grows (BL_CATALOG_NAMES_MAX), so
 * a behaviour's name outlives it: crash records keep the pointer.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-qsbr.h>

#include "actors/behaviours.h"
#include "actors/catalog.h"
#include "actors/name.h"
#include "actors/schema.h"

struct bl_catalog {
	struct bl_catalog_entry *slots[BL_CATALOG_MAX]; /* RCU-published */
	unsigned n_names;
	char names[BL_CATALOG_NAMES_MAX][BL_NAME_MAX];
};

static void err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *intern(struct bl_catalog *cat, const char *name)
{
	for (unsigned i = 0; i < cat->n_names; i++)
		if (strcmp(cat->names[i], name) == 0)
			return cat->names[i];
	if (cat->n_names == BL_CATALOG_NAMES_MAX)
		return NULL;
	snprintf(cat->names[cat->n_names], BL_NAME_MAX, "%s", name);
	return cat->names[cat->n_names++];
}

/* A version string: 1..BL_VERSION_MAX-1 printable characters, no blanks. */
static bool version_ok(const char *v)
{
	return v != NULL && bl_name_check(v, BL_VERSION_MAX) > 0;
}

static void version_free(struct bl_beh_version *v)
{
	if (v == NULL)
		return;
	if (v->dl != NULL)
		dlclose(v->dl);
	free(v->path);
	free(v);
}

/* Every version of e: its current, its old one, and those retired. */
static void entry_free(struct bl_catalog_entry *e)
{
	while (e->retired != NULL) {
		struct bl_beh_version *v = e->retired;

		e->retired = v->retired_next;
		version_free(v);
	}
	version_free(e->old);
	version_free(e->cur);
	free(e);
}

/* A version of behaviour name (interned) from d, or NULL (out of memory). */
static struct bl_beh_version *version_new(const struct bl_module_desc *d, const char *name,
					  const char *path, void *dl)
{
	struct bl_beh_version *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	if (path != NULL && (v->path = strdup(path)) == NULL) {
		free(v);
		return NULL;
	}
	v->desc = d;
	snprintf(v->version, sizeof(v->version), "%s", d->version);
	v->beh.name = name;
	v->beh.init = d->init;
	v->beh.handle_message = d->handle_message;
	v->beh.handle_timeout = d->handle_timeout;
	v->beh.handle_exit = d->handle_exit;
	v->beh.terminate = d->terminate;
	v->beh.handle_frame = d->handle_frame;
	v->beh.handle_reply = d->handle_reply;
	v->beh.info = d->info;
	v->beh.code_change = d->code_change;
	v->beh.version = v->version;
	v->beh.live = &v->live;
	v->dl = dl;
	return v;
}

static int desc_check(const struct bl_module_desc *d, bool module, char *err, size_t errlen)
{
	char sub[256];

	if (d->abi != BL_BEHAVIOUR_ABI) {
		err_set(err, errlen,
			"built for behaviour ABI %u; this router speaks ABI %u: rebuild it against "
			"this router's SDK",
			d->abi, BL_BEHAVIOUR_ABI);
		return -ENOEXEC;
	}
	if (d->size != sizeof(*d)) {
		err_set(err, errlen, "its descriptor is %u bytes, ABI %u's is %zu: a broken build",
			d->size, BL_BEHAVIOUR_ABI, sizeof(*d));
		return -EINVAL;
	}
	if (d->name == NULL || bl_name_check(d->name, SIZE_MAX) < 0) {
		err_set(err, errlen, "bad behaviour name: 1..%u printable characters, no blanks",
			BL_NAME_MAX - 1);
		return -EINVAL;
	}
	if (!version_ok(d->version)) {
		err_set(err, errlen, "'%s': bad version: 1..%u printable characters, no blanks",
			d->name, BL_VERSION_MAX - 1);
		return -EINVAL;
	}
	if (d->handle_message == NULL) {
		err_set(err, errlen, "'%s': no handle_message callback", d->name);
		return -EINVAL;
	}
	if (module && d->handle_frame != NULL) {
		err_set(err, errlen, "'%s': handle_frame is for built-ins only in ABI %u", d->name,
			BL_BEHAVIOUR_ABI);
		return -EINVAL;
	}
	if ((d->flags & ~BL_BEHAVIOUR_F_TRANSMITS) != 0) {
		err_set(err, errlen, "'%s': unknown flags 0x%x", d->name,
			d->flags & ~BL_BEHAVIOUR_F_TRANSMITS);
		return -EINVAL;
	}
	if (bl_schema_check(d, sub, sizeof(sub)) != 0) {
		err_set(err, errlen, "'%s': bad argument schema: %s", d->name, sub);
		return -EINVAL;
	}
	return 0;
}

/* The entry named name in the table (control thread: no RCU needed). */
static int slot_of(const struct bl_catalog *cat, const char *name)
{
	for (unsigned i = 0; i < BL_CATALOG_MAX; i++) {
		const struct bl_catalog_entry *e = cat->slots[i];

		if (e != NULL && strcmp(e->name, name) == 0)
			return (int)i;
	}
	return -1;
}

int bl_catalog_add(struct bl_catalog *cat, const struct bl_module_desc *d, const char *path,
		   void *dl, char *err, size_t errlen)
{
	struct bl_catalog_entry *e;
	struct bl_beh_version *v;
	const char *name;
	int rc, free_slot = -1;

	if (cat == NULL || d == NULL) {
		err_set(err, errlen, "no descriptor");
		return -EINVAL;
	}
	rc = desc_check(d, path != NULL, err, errlen);
	if (rc != 0)
		return rc;
	rc = slot_of(cat, d->name);
	if (rc >= 0) {
		const struct bl_beh_version *o = cat->slots[rc]->cur;

		err_set(err, errlen,
			"behaviour '%s' exists already (version %s, %s%s): unload it first",
			d->name, o->version, o->path != NULL ? "from " : "built in",
			o->path != NULL ? o->path : "");
		return -EEXIST;
	}
	for (unsigned i = 0; i < BL_CATALOG_MAX && free_slot < 0; i++)
		if (cat->slots[i] == NULL)
			free_slot = (int)i;
	if (free_slot < 0) {
		err_set(err, errlen, "the catalog holds %u behaviours already", BL_CATALOG_MAX);
		return -ENOSPC;
	}
	name = intern(cat, d->name);
	if (name == NULL) {
		err_set(err, errlen, "%u behaviour names were used already: restart the router",
			BL_CATALOG_NAMES_MAX);
		return -ENOSPC;
	}
	e = calloc(1, sizeof(*e));
	v = version_new(d, name, path, dl);
	if (e == NULL || v == NULL) {
		free(e);
		if (v != NULL)
			v->dl = NULL; /* the caller's on error */
		version_free(v);
		err_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e->name = name;
	e->cur = v;
	/* Pairs with rcu_dereference in bl_catalog_find: the entry is whole first. */
	rcu_assign_pointer(cat->slots[free_slot], e);
	return 0;
}

uint32_t bl_catalog_procs(const struct bl_beh_version *v)
{
	uint32_t n = 0;

	if (v == NULL)
		return 0;
	/* Pairs with the lcores' release stores in actors/proc.c (live_add). */
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
		n += __atomic_load_n(&v->live.procs[i], __ATOMIC_ACQUIRE);
	return n;
}

const struct bl_beh_version *bl_catalog_version_of(const struct bl_behaviour *beh)
{
	if (beh == NULL || beh->live == NULL)
		return NULL;
	return (const struct bl_beh_version *)((const char *)beh->live -
					       offsetof(struct bl_beh_version, live));
}

int bl_catalog_remove(struct bl_catalog *cat, const char *name, char *err, size_t errlen)
{
	struct bl_catalog_entry *e;
	uint32_t n;
	int i = name != NULL ? slot_of(cat, name) : -1;

	if (i < 0) {
		err_set(err, errlen, "no behaviour '%s'", name != NULL ? name : "");
		return -ENOENT;
	}
	e = cat->slots[i];
	if (e->cur->path == NULL) {
		err_set(err, errlen, "'%s' is built in: it cannot be unloaded", name);
		return -EPERM;
	}
	n = bl_catalog_procs(e->cur) + bl_catalog_procs(e->old);
	if (n != 0) {
		err_set(err, errlen, "%u process%s run%s '%s': stop %s first", n,
			n == 1 ? "" : "es", n == 1 ? "s" : "", name, n == 1 ? "it" : "them");
		return -EBUSY;
	}
	rcu_assign_pointer(cat->slots[i], NULL);
	/* No reader holds e after this; QSBR lets an online caller wait here. */
	synchronize_rcu();
	entry_free(e);
	return 0;
}

/*
 * Whether new reads the argument struct as old does: a supervisor keeps the
 * arguments it read against the old schema and restarts on the new version.
 */
static int args_same(const struct bl_module_desc *old, const struct bl_module_desc *nd, char *err,
		     size_t errlen)
{
	bool same = old->args_size == nd->args_size && old->n_fields == nd->n_fields;

	for (uint32_t i = 0; same && i < old->n_fields; i++) {
		const struct bl_field *a = &old->fields[i], *b = &nd->fields[i];

		same = strcmp(a->name, b->name) == 0 && a->type == b->type &&
		       a->offset == b->offset && a->size == b->size;
	}
	if (same)
		return 0;
	err_set(err, errlen,
		"'%s' %s changes the argument struct of %s (its fields, their types, offsets "
		"or sizes): a supervisor restarts children with arguments read the old way",
		nd->name, nd->version, old->version);
	return -EINVAL;
}

int bl_catalog_upgrade_check(struct bl_catalog *cat, const struct bl_module_desc *d, char *err,
			     size_t errlen)
{
	struct bl_catalog_entry *e;
	int rc, i;

	if (cat == NULL || d == NULL) {
		err_set(err, errlen, "no module");
		return -EINVAL;
	}
	rc = desc_check(d, true, err, errlen);
	if (rc != 0)
		return rc;
	i = slot_of(cat, d->name);
	if (i < 0) {
		err_set(err, errlen, "no behaviour '%s' is loaded: load it first", d->name);
		return -ENOENT;
	}
	e = cat->slots[i];
	if (e->cur->path == NULL) {
		err_set(err, errlen, "'%s' is built in: it cannot be upgraded", d->name);
		return -EPERM;
	}
	if (strcmp(e->cur->version, d->version) == 0) {
		err_set(err, errlen, "'%s' version %s is loaded already: give the new one another",
			d->name, d->version);
		return -EEXIST;
	}
	return args_same(e->cur->desc, d, err, errlen);
}

int bl_catalog_upgrade(struct bl_catalog *cat, const struct bl_module_desc *d, const char *path,
		       void *dl, char *err, size_t errlen)
{
	struct bl_catalog_entry *e;
	struct bl_beh_version *v;
	uint32_t n;
	int rc;

	if (path == NULL) {
		err_set(err, errlen, "no module");
		return -EINVAL;
	}
	rc = bl_catalog_upgrade_check(cat, d, err, errlen);
	if (rc != 0)
		return rc;
	e = cat->slots[slot_of(cat, d->name)];
	(void)bl_catalog_reap(cat);
	if (e->old != NULL) {
		n = bl_catalog_procs(e->old);
		err_set(err, errlen,
			"%u process%s still run%s '%s' version %s, and two versions are live "
			"already: wait until %s moved on, or upgrade --purge",
			n, n == 1 ? "" : "es", n == 1 ? "s" : "", d->name, e->old->version,
			n == 1 ? "it" : "they");
		return -EBUSY;
	}
	v = version_new(d, e->name, path, dl);
	if (v == NULL) {
		err_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e->old = e->cur;
	/* Spawns from now on find v (bl_catalog_find's readers: the entry's cur). */
	rcu_assign_pointer(e->cur, v);
	/* Pairs with the lcores' acquire loads (bl__proc_turn, bl__behaviour_newest):
	 * v is whole before a process can move to it. */
	__atomic_store_n(&e->old->beh.next, &v->beh, __ATOMIC_RELEASE);
	return 0;
}

/* Whether e's old version may be retired: no process runs it. */
static bool old_idle(const struct bl_catalog_entry *e)
{
	return e != NULL && e->old != NULL && bl_catalog_procs(e->old) == 0;
}

unsigned bl_catalog_reap(struct bl_catalog *cat)
{
	unsigned n = 0;
	bool any = false;

	for (unsigned i = 0; i < BL_CATALOG_MAX && !any; i++)
		any = old_idle(cat->slots[i]);
	if (!any)
		return 0;
	/*
	 * A spawn that read the old version as the newest (before its next
	 * was set) has counted its process by the end of a grace period; so
	 * has any turn that read the version's pointer. A count still zero
	 * after it stays zero: everything from now on follows next.
	 */
	synchronize_rcu();
	for (unsigned i = 0; i < BL_CATALOG_MAX; i++) {
		struct bl_catalog_entry *e = cat->slots[i];
		struct bl_beh_version *v;

		if (!old_idle(e))
			continue;
		v = e->old;
		e->old = NULL;
		if (v->dl != NULL)
			dlclose(v->dl);
		v->dl = NULL;
		/* Kept (without code) until the behaviour goes: a child spec or a
		 * spawn on its way may still hold its pointer, and follows next. */
		v->retired_next = e->retired;
		e->retired = v;
		n++;
	}
	return n;
}

const struct bl_catalog_entry *bl_catalog_find(const struct bl_catalog *cat, const char *name)
{
	if (cat == NULL || name == NULL)
		return NULL;
	for (unsigned i = 0; i < BL_CATALOG_MAX; i++) {
		const struct bl_catalog_entry *e = rcu_dereference(cat->slots[i]);

		if (e != NULL && strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

const struct bl_behaviour *bl_catalog_behaviour(const struct bl_catalog *cat, const char *name)
{
	const struct bl_catalog_entry *e = bl_catalog_find(cat, name);

	return e != NULL ? &rcu_dereference(e->cur)->beh : NULL;
}

unsigned bl_catalog_list(const struct bl_catalog *cat, const struct bl_catalog_entry **out,
			 unsigned max)
{
	const struct bl_catalog_entry *all[BL_CATALOG_MAX];
	unsigned n = 0;

	for (unsigned i = 0; i < BL_CATALOG_MAX; i++)
		if (cat->slots[i] != NULL)
			all[n++] = cat->slots[i];
	/* Insertion sort by name: at most BL_CATALOG_MAX entries. */
	for (unsigned i = 1; i < n; i++) {
		const struct bl_catalog_entry *x = all[i];
		unsigned j = i;

		for (; j > 0 && strcmp(all[j - 1]->name, x->name) > 0; j--)
			all[j] = all[j - 1];
		all[j] = x;
	}
	for (unsigned i = 0; i < n && i < max; i++)
		out[i] = all[i];
	return n;
}

int bl_catalog_set_prepare(struct bl_catalog *cat, const char *name, bl_catalog_prepare_fn fn,
			   void *arg)
{
	int i = slot_of(cat, name);

	if (i < 0)
		return -ENOENT;
	cat->slots[i]->prepare = fn;
	cat->slots[i]->prepare_arg = arg;
	return 0;
}

struct bl_catalog *bl_catalog_create(void)
{
	struct bl_catalog *cat = calloc(1, sizeof(*cat));
	char err[256];

	if (cat == NULL)
		return NULL;
	for (unsigned i = 0; bl_builtin_descs[i] != NULL; i++) {
		if (bl_catalog_add(cat, bl_builtin_descs[i], NULL, NULL, err, sizeof(err)) != 0) {
			/* A built-in's descriptor is wrong: a bug, caught by every test. */
			fprintf(stderr, "beamline: built-in behaviour: %s\n", err);
			bl_catalog_destroy(cat);
			errno = EINVAL;
			return NULL;
		}
	}
	return cat;
}

void bl_catalog_destroy(struct bl_catalog *cat)
{
	if (cat == NULL)
		return;
	for (unsigned i = 0; i < BL_CATALOG_MAX; i++) {
		struct bl_catalog_entry *e = cat->slots[i];

		if (e == NULL)
			continue;
		cat->slots[i] = NULL;
		entry_free(e);
	}
	free(cat);
}
