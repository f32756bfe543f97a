/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading a behaviour module (bl_module_load, catalog.h): design note.
 *
 * The file is opened with RTLD_NOW, so every symbol it needs from the
 * router is resolved before any of its code can run on a worker: a module
 * that calls a function this router does not export is refused here, not
 * crashed on later. When that open fails, the file is opened once more
 * with RTLD_LAZY only to read its descriptor's ABI: a module built for
 * another ABI is then refused as such, which says more than "undefined
 * symbol". RTLD_LOCAL keeps a module's own symbols out of the router's
 * and other modules' way. A module that is refused is closed again; one
 * that is added is closed by the catalog when it is unloaded, or, as an
 * upgrade's old version, once no process runs it (bl_catalog_reap).
 *
 * An upgrade's module must be another file than the running version's
 * (or the same file replaced, not rewritten in place): dlopen of a path
 * already open returns the handle it has, and the old code with it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "actors/catalog.h"

static void err_set(char *err, size_t errlen, const char *what, const char *path, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s %s: %s", what, path, why);
}

/* The ABI a module that would not link says it was built for, or 0. */
static uint32_t abi_of(const char *path)
{
	const struct bl_module_desc *d;
	uint32_t abi = 0;
	void *dl = dlopen(path, RTLD_LAZY | RTLD_LOCAL);

	if (dl == NULL)
		return 0;
	d = (const struct bl_module_desc *)dlsym(dl, BL_MODULE_SYMBOL);
	if (d != NULL)
		abi = d->abi;
	dlclose(dl);
	return abi;
}

/* Open the module at path and find its descriptor: 0, or -errno with err set. */
static int module_open(const char *path, void **dlp, const struct bl_module_desc **dp, char *err,
		       size_t errlen)
{
	const struct bl_module_desc *d;
	char sub[512];
	struct stat st;
	void *dl;
	int rc;

	if (path == NULL || strchr(path, '/') == NULL) {
		err_set(err, errlen, "cannot load", path != NULL ? path : "(none)",
			"give a path with a '/' (./name.so): a bare name would be searched for");
		return -EINVAL;
	}
	if (stat(path, &st) != 0) {
		rc = -errno;
		err_set(err, errlen, "cannot load", path, strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, errlen, "cannot load", path, "not a regular file");
		return -EINVAL;
	}
	dlerror();
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		const char *why = dlerror();
		uint32_t abi;

		snprintf(sub, sizeof(sub), "%s", why != NULL ? why : "dlopen failed");
		abi = abi_of(path);
		if (abi != 0 && abi != BL_BEHAVIOUR_ABI) {
			snprintf(
			    sub, sizeof(sub),
			    "built for behaviour ABI %u; this router speaks ABI %u: rebuild it "
			    "against this router's SDK",
			    abi, BL_BEHAVIOUR_ABI);
			err_set(err, errlen, "refused", path, sub);
			return -ENOEXEC;
		}
		err_set(err, errlen, "cannot load", path, sub);
		return -ENOEXEC;
	}
	d = (const struct bl_module_desc *)dlsym(dl, BL_MODULE_SYMBOL);
	if (d == NULL) {
		dlclose(dl);
		err_set(err, errlen, "refused", path,
			"no descriptor (symbol " BL_MODULE_SYMBOL
			"): declare the behaviour with BL_BEHAVIOUR_MODULE");
		return -ENOEXEC;
	}
	*dlp = dl;
	*dp = d;
	return 0;
}

static int module_add(struct bl_catalog *cat, const char *path, const char **name, char *err,
		      size_t errlen, bool upgrade)
{
	const struct bl_module_desc *d = NULL;
	char sub[512];
	void *dl = NULL;
	int rc = module_open(path, &dl, &d, err, errlen);

	if (rc != 0)
		return rc;
	if (upgrade)
		rc = bl_catalog_upgrade(cat, d, path, dl, sub, sizeof(sub));
	else
		rc = bl_catalog_add(cat, d, path, dl, sub, sizeof(sub));
	if (rc != 0) {
		dlclose(dl);
		err_set(err, errlen, "refused", path, sub);
		return rc;
	}
	if (name != NULL)
		*name = bl_catalog_find(cat, d->name)->name;
	return 0;
}

int bl_module_load(struct bl_catalog *cat, const char *path, const char **name, char *err,
		   size_t errlen)
{
	return module_add(cat, path, name, err, errlen, false);
}

int bl_module_upgrade(struct bl_catalog *cat, const char *path, const char **name, char *err,
		      size_t errlen)
{
	return module_add(cat, path, name, err, errlen, true);
}
