/*
 * holds.c: silences, acknowledgements and pauses: a small list written
 * atomically to <state_dir>/alerts.json on every change, read at start.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "rdd.h"
#include "holds.h"

#define HOLDS_MAXFILE (4 * 1024 * 1024)
#define HOLDS_MAX 10000

static const char *const holds_kinds[] = {"silence", "ack", "pause"};

static void
holds_entry_free(struct hold *e)
{
	free(e->monitor);
	free(e->target);
	free(e->comment);
}

static char *
holds_dup(const char *s)
{
	return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

static const char *
holds_jstr(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t
holds_jint(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	return json_object_get_int64(v);
}

void
holds_init(struct holds *h, const char *path)
{
	json_object *root = NULL, *arr;
	char *text;
	size_t len, i, k;

	memset(h, 0, sizeof(*h));
	h->next_id = 1;
	if (path == NULL || (h->path = strdup(path)) == NULL)
		return;
	if ((text = util_read_file(path, HOLDS_MAXFILE, &len)) == NULL)
		return;
	root = json_tokener_parse(text);
	free(text);
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		log_warn(
		    "alerts: %s is damaged: silences, acks and pauses "
		    "start empty (the file is rewritten at the next change)",
		    path);
		json_object_put(root);
		return;
	}
	if (holds_jint(root, "next_id") > 0)
		h->next_id = (uint64_t)holds_jint(root, "next_id");
	for (k = 0; k < 3; k++) {
		char key[32];

		snprintf(key, sizeof(key), "%ss", holds_kinds[k]);
		if (!json_object_object_get_ex(root, key, &arr) ||
		    !json_object_is_type(arr, json_type_array))
			continue;
		for (i = 0;
		     i < json_object_array_length(arr) && h->n < HOLDS_MAX;
		     i++) {
			json_object *e = json_object_array_get_idx(arr, i);
			struct hold *nv;
			uint64_t id = (uint64_t)holds_jint(e, "id");

			if (!json_object_is_type(e, json_type_object) ||
			    id == 0)
				continue;
			if ((nv = realloc(h->v, (h->n + 1) * sizeof(*nv))) ==
			    NULL)
				break;
			h->v = nv;
			memset(&h->v[h->n], 0, sizeof(h->v[h->n]));
			h->v[h->n].kind = (enum hold_kind)k;
			h->v[h->n].id = id;
			h->v[h->n].monitor =
			    holds_dup(holds_jstr(e, "monitor"));
			h->v[h->n].target = holds_dup(holds_jstr(e, "target"));
			h->v[h->n].comment =
			    holds_dup(holds_jstr(e, "comment"));
			h->v[h->n].created_wall = holds_jint(e, "created_ms");
			h->v[h->n].until_wall = holds_jint(e, "until_ms");
			h->v[h->n].uid = (long)holds_jint(e, "uid");
			if (id >= h->next_id)
				h->next_id = id + 1;
			h->n++;
		}
	}
	json_object_put(root);
}

void
holds_free(struct holds *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		holds_entry_free(&h->v[i]);
	free(h->v);
	free(h->path);
	memset(h, 0, sizeof(*h));
}

static json_object *
holds_entry_json(const struct hold *e)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64((int64_t)e->id));
	json_object_object_add(o, "monitor",
	    e->monitor ? json_object_new_string(e->monitor) : NULL);
	json_object_object_add(
	    o, "target", e->target ? json_object_new_string(e->target) : NULL);
	json_object_object_add(
	    o, "created_ms", json_object_new_int64(e->created_wall));
	json_object_object_add(
	    o, "until_ms", json_object_new_int64(e->until_wall));
	json_object_object_add(o, "uid", json_object_new_int64(e->uid));
	json_object_object_add(
	    o, "comment", json_object_new_string(e->comment ? e->comment : ""));
	return o;
}

void *
holds_json(const struct holds *h, enum hold_kind k)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->v[i].kind == k)
			json_object_array_add(a, holds_entry_json(&h->v[i]));
	return a;
}

int
holds_save(struct holds *h)
{
	json_object *root;
	const char *text;
	char key[32];
	int rc = 0, k;

	if (h->path == NULL)
		return 0;
	root = json_object_new_object();
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(
	    root, "next_id", json_object_new_int64((int64_t)h->next_id));
	for (k = 0; k < 3; k++) {
		snprintf(key, sizeof(key), "%ss", holds_kinds[k]);
		json_object_object_add(
		    root, key, holds_json(h, (enum hold_kind)k));
	}
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	if (util_write_atomic(h->path, text, strlen(text), 0600) != 0) {
		log_warn("alerts: cannot write %s: %m: silences, acks and "
		         "pauses may not survive a restart: check state_dir",
		    h->path);
		rc = -1;
	}
	json_object_put(root);
	return rc;
}

uint64_t
holds_add(struct holds *h, enum hold_kind k, const char *monitor,
    const char *target, int64_t until_wall, long uid, const char *comment)
{
	struct hold *nv;

	if (h->n >= HOLDS_MAX ||
	    (nv = realloc(h->v, (h->n + 1) * sizeof(*nv))) == NULL)
		return 0;
	h->v = nv;
	memset(&h->v[h->n], 0, sizeof(h->v[h->n]));
	h->v[h->n].kind = k;
	h->v[h->n].id = h->next_id++;
	h->v[h->n].monitor = holds_dup(monitor);
	h->v[h->n].target = holds_dup(target);
	h->v[h->n].comment = holds_dup(comment);
	h->v[h->n].created_wall = util_wall_ms();
	h->v[h->n].until_wall = until_wall;
	h->v[h->n].uid = uid;
	h->n++;
	(void)holds_save(h);
	return h->v[h->n - 1].id;
}

static void
holds_del_at(struct holds *h, size_t i)
{
	holds_entry_free(&h->v[i]);
	memmove(&h->v[i], &h->v[i + 1], (h->n - i - 1) * sizeof(*h->v));
	h->n--;
}

int
holds_remove(struct holds *h, uint64_t id)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->v[i].id == id) {
			holds_del_at(h, i);
			(void)holds_save(h);
			return 0;
		}
	return -1;
}

static int
holds_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

size_t
holds_remove_on(
    struct holds *h, enum hold_kind k, const char *monitor, const char *target)
{
	size_t i, n = 0;

	if (target != NULL && *target == '\0')
		target = NULL;
	for (i = 0; i < h->n;)
		if (h->v[i].kind == k && holds_same(h->v[i].monitor, monitor) &&
		    holds_same(h->v[i].target, target)) {
			holds_del_at(h, i);
			n++;
		} else
			i++;
	if (n > 0)
		(void)holds_save(h);
	return n;
}

/*
 * A monitor renamed by a reload keeps what the operator put on it; a target
 * named after the monitor is renamed with it (as in the state).
 */
size_t
holds_rename(struct holds *h, const char *from, const char *to)
{
	size_t i, n = 0;
	char *m, *t;

	for (i = 0; i < h->n; i++) {
		if (h->v[i].monitor == NULL ||
		    strcmp(h->v[i].monitor, from) != 0)
			continue;
		if ((m = strdup(to)) == NULL)
			break;
		t = NULL;
		if (h->v[i].target != NULL &&
		    strcmp(h->v[i].target, from) == 0 &&
		    (t = strdup(to)) == NULL) {
			free(m);
			break;
		}
		free(h->v[i].monitor);
		h->v[i].monitor = m;
		if (t != NULL) {
			free(h->v[i].target);
			h->v[i].target = t;
		}
		n++;
	}
	if (n > 0)
		(void)holds_save(h);
	return n;
}

const struct hold *
holds_find(const struct holds *h, enum hold_kind k, const char *monitor,
    const char *target, int64_t now)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		const struct hold *e = &h->v[i];

		if (e->kind != k ||
		    (e->until_wall != 0 && e->until_wall <= now))
			continue;
		if (e->monitor != NULL &&
		    (monitor == NULL || strcmp(e->monitor, monitor) != 0))
			continue;
		if (e->target != NULL &&
		    (target == NULL || strcmp(e->target, target) != 0))
			continue;
		return e;
	}
	return NULL;
}

size_t
holds_expire(struct holds *h, int64_t now)
{
	size_t i, n = 0;

	for (i = 0; i < h->n;)
		if (h->v[i].until_wall != 0 && h->v[i].until_wall <= now) {
			log_info("alerts: %s %llu on %s%s%s expired",
			    holds_kinds[h->v[i].kind],
			    (unsigned long long)h->v[i].id,
			    h->v[i].monitor ? h->v[i].monitor : "all",
			    h->v[i].target ? "/" : "",
			    h->v[i].target ? h->v[i].target : "");
			holds_del_at(h, i);
			n++;
		} else
			i++;
	if (n > 0)
		(void)holds_save(h);
	return n;
}

int64_t
holds_next_expiry(const struct holds *h)
{
	int64_t best = 0;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->v[i].until_wall != 0 &&
		    (best == 0 || h->v[i].until_wall < best))
			best = h->v[i].until_wall;
	return best;
}
