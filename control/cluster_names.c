/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Global names in etcd: the cluster thread's side (control/cluster.h).
 *
 * Each node puts its own names under /beamline/<cluster>/names/<name> with
 * its lease, so that a node that dies takes its names with it within its
 * TTL, as it takes its member key. The control thread says what it wants
 * (names_want, under the lock); this thread puts what etcd lacks and
 * deletes what was given up (names_put is what etcd has of ours under the
 * current lease: a new lease empties it, so everything is put again). Every
 * node reads every name once a second, with the members.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/cluster_pvt.h"
#include "control/errors.h"
#include "control/etcd_json.h"

int bl_cluster_name_set(struct bl_cluster *cl, const char *name, const char *value)
{
	int rc;

	pthread_mutex_lock(&cl->lock);
	rc = value != NULL ? json_object_set_new(cl->names_want, name, json_string(value))
			   : (json_object_del(cl->names_want, name), 0);
	cl->names_dirty = true;
	pthread_mutex_unlock(&cl->lock);
	if (rc != 0)
		return -ENOMEM;
	bl_etcd_wakeup(cl->etcd);
	return 0;
}

char *bl_cluster_names(struct bl_cluster *cl)
{
	char *m;

	pthread_mutex_lock(&cl->lock);
	m = cl->names ? strdup(cl->names) : NULL;
	pthread_mutex_unlock(&cl->lock);
	return m;
}

static int put_one(struct bl_cluster *cl, const char *name, const char *value, char *err,
		   size_t errlen)
{
	size_t n = strlen(cl->names_prefix) + strlen(name) + 1;
	char *key = malloc(n);
	int rc;

	if (key == NULL)
		return -ENOMEM;
	snprintf(key, n, "%s%s", cl->names_prefix, name);
	rc = value != NULL
		 ? bl__cluster_call_drop(cl, "/v3/kv/put", bl_etcd_req_put(key, value, cl->lease),
					 err, errlen)
		 : bl__cluster_call_drop(cl, "/v3/kv/deleterange", bl_etcd_req_delete(key), err,
					 errlen);
	free(key);
	return rc;
}

int bl__cluster_names_sync(struct bl_cluster *cl, char *err, size_t errlen)
{
	json_t *want, *v;
	const char *name;
	void *tmp;
	int rc = 0;

	pthread_mutex_lock(&cl->lock);
	if (!cl->names_dirty) {
		pthread_mutex_unlock(&cl->lock);
		return 0;
	}
	cl->names_dirty = false;
	want = json_deep_copy(cl->names_want);
	pthread_mutex_unlock(&cl->lock);
	if (want == NULL)
		return -ENOMEM;
	json_object_foreach (want, name, v) {
		const char *have = json_string_value(json_object_get(cl->names_put, name));

		if (have != NULL && strcmp(have, json_string_value(v)) == 0)
			continue;
		rc = put_one(cl, name, json_string_value(v), err, errlen);
		if (rc != 0)
			break;
		json_object_set(cl->names_put, name, v);
	}
	json_object_foreach_safe(cl->names_put, tmp, name, v)
	{
		if (rc != 0 || json_object_get(want, name) != NULL)
			continue;
		rc = put_one(cl, name, NULL, err, errlen);
		if (rc == 0)
			json_object_del(cl->names_put, name);
	}
	json_decref(want);
	if (rc != 0) { /* try the rest again at the next step */
		pthread_mutex_lock(&cl->lock);
		cl->names_dirty = true;
		pthread_mutex_unlock(&cl->lock);
	}
	return rc;
}

static int name_kv(void *arg, const struct bl_etcd_kv *kv)
{
	struct bl__list_ctx *m = arg;
	size_t n = strlen(m->cl->names_prefix);
	json_t *v;

	if (strncmp(kv->key, m->cl->names_prefix, n) != 0)
		return 0;
	v = json_loadb(kv->value, kv->value_len, 0, NULL);
	if (!json_is_object(v)) { /* written by hand: not ours to read */
		json_decref(v);
		return 0;
	}
	json_object_set_new(v, "name", json_string(kv->key + n));
	return json_array_append_new(m->arr, v);
}

int bl__cluster_names_read(struct bl_cluster *cl, char *err, size_t errlen)
{
	return bl__cluster_read_list(cl, cl->names_prefix, name_kv, &cl->names, err, errlen);
}
