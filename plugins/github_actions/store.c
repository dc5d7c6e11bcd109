/*
 * store.c: snapshots of valid workflows named by git blob id, the index of
 * last good versions (index.json, written atomically) and file restores.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "sha1.h"
#include "store.h"

#define STORE_INDEX "index.json"
#define STORE_MAX_FILE (16u * 1024 * 1024)

static int
store_is_blob(const char *b)
{
	size_t i;

	if (b == NULL || strlen(b) != 40)
		return 0;
	for (i = 0; i < 40; i++)
		if (!((b[i] >= '0' && b[i] <= '9') ||
		        (b[i] >= 'a' && b[i] <= 'f')))
			return 0;
	return 1;
}

static int
store_mkdir(const char *path)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

char *
store_read_file(const char *path, size_t max, size_t *len)
{
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(buf);
			close(fd);
			errno = EFBIG;
			return NULL;
		}
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Write path via path.tmp, fsync, rename: readers see old or new, never half.
 */
static int
store_write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t off = 0;
	ssize_t w;
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(
	    tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd == -1)
		return -1;
	while (off < len) {
		w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return -1;
}

static void
store_blob_path(const struct store *s, const char *blob, char *buf, size_t len)
{
	snprintf(buf, len, "%s/snapshots/%.2s/%s", s->dir, blob, blob + 2);
}

static struct store_entry *
store_find(const struct store *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

static int
store_add(struct store *s, const char *name, const char *blob, const char *head,
    int64_t saved)
{
	struct store_entry *nv, *e;

	if ((nv = realloc(s->v, (s->n + 1) * sizeof(*nv))) == NULL)
		return -1;
	s->v = nv;
	e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	if ((e->name = strdup(name)) == NULL)
		return -1;
	snprintf(e->blob, sizeof(e->blob), "%s", blob);
	snprintf(e->head, sizeof(e->head), "%s", head ? head : "");
	e->saved = saved;
	s->n++;
	return 0;
}

static int
store_load(struct store *s, const char *path)
{
	json_object *root, *wf, *o;
	const char *blob, *head;
	int64_t saved;

	if ((root = json_object_from_file(path)) == NULL)
		return -1;
	if (!json_object_object_get_ex(root, "workflows", &wf) ||
	    !json_object_is_type(wf, json_type_object)) {
		json_object_put(root);
		return -1;
	}
	json_object_object_foreach(wf, name, ent)
	{
		if (!json_object_is_type(ent, json_type_object))
			continue;
		blob = json_object_object_get_ex(ent, "blob", &o)
		           ? json_object_get_string(o)
		           : NULL;
		head = json_object_object_get_ex(ent, "head", &o)
		           ? json_object_get_string(o)
		           : "";
		saved = json_object_object_get_ex(ent, "saved", &o)
		            ? json_object_get_int64(o)
		            : 0;
		if (!store_is_blob(blob) || strchr(name, '/') != NULL ||
		    name[0] == '.' || (head[0] != '\0' && !store_is_blob(head)))
			continue;
		if (store_add(s, name, blob, head, saved) != 0) {
			json_object_put(root);
			return -1;
		}
	}
	json_object_put(root);
	return 0;
}

static int
store_save(const struct store *s, char *err, size_t errlen)
{
	json_object *root, *wf, *ent;
	char path[PATH_MAX];
	const char *txt;
	size_t i;
	int rc;

	root = json_object_new_object();
	wf = json_object_new_object();
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "workflows", wf);
	for (i = 0; i < s->n; i++) {
		ent = json_object_new_object();
		json_object_object_add(
		    ent, "blob", json_object_new_string(s->v[i].blob));
		json_object_object_add(
		    ent, "head", json_object_new_string(s->v[i].head));
		json_object_object_add(
		    ent, "saved", json_object_new_int64(s->v[i].saved));
		json_object_object_add(wf, s->v[i].name, ent);
	}
	txt = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	snprintf(path, sizeof(path), "%s/%s", s->dir, STORE_INDEX);
	rc = store_write_atomic(path, txt, strlen(txt), 0600);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s: check the state_dir", path,
		    strerror(errno));
	json_object_put(root);
	return rc;
}

int
store_open(struct store *s, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX], bad[PATH_MAX];

	memset(s, 0, sizeof(*s));
	if (dir == NULL) {
		snprintf(err, errlen, "no state_dir: set daemon.state_dir");
		return -1;
	}
	if ((s->dir = strdup(dir)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/snapshots", dir);
	if (store_mkdir(dir) != 0 || store_mkdir(path) != 0) {
		snprintf(err, errlen, "%s: %s: check daemon.state_dir", path,
		    strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_INDEX);
	if (access(path, F_OK) != 0)
		return 0;
	if (store_load(s, path) != 0) {
		if (snprintf(bad, sizeof(bad), "%s.bad", path) <
		    (int)sizeof(bad))
			(void)rename(path, bad);
		snprintf(err, errlen,
		    "%s: unreadable, kept as %s; the index "
		    "starts empty (snapshots are kept)",
		    path, bad);
		return 1;
	}
	return 0;
}

int
store_open_ro(struct store *s, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];

	memset(s, 0, sizeof(*s));
	s->ro = 1;
	if (dir == NULL) {
		snprintf(err, errlen, "no state_dir: set daemon.state_dir");
		return -1;
	}
	if ((s->dir = strdup(dir)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_INDEX);
	if (access(path, F_OK) == 0 && store_load(s, path) != 0) {
		snprintf(err, errlen, "%s: unreadable: judged without it", path);
		return 1;
	}
	return 0;
}

void
store_close(struct store *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	free(s->dir);
	memset(s, 0, sizeof(*s));
}

int
store_has(const struct store *s, const char *blob)
{
	char path[PATH_MAX];

	if (s->dir == NULL || !store_is_blob(blob))
		return 0;
	store_blob_path(s, blob, path, sizeof(path));
	return access(path, F_OK) == 0;
}

int
store_put(const struct store *s, const char *data, size_t len, char blob[41],
    char *err, size_t errlen)
{
	char path[PATH_MAX], sub[PATH_MAX];

	sha1_git_blob(data, len, blob);
	if (s->ro)
		return 0;
	if (s->dir == NULL) {
		snprintf(err, errlen, "snapshot store not open");
		return -1;
	}
	if (store_has(s, blob))
		return 0;
	snprintf(sub, sizeof(sub), "%s/snapshots/%.2s", s->dir, blob);
	store_blob_path(s, blob, path, sizeof(path));
	if (store_mkdir(sub) != 0 ||
	    store_write_atomic(path, data, len, 0600) != 0) {
		snprintf(err, errlen, "%s: %s: check the state_dir", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

char *
store_get(const struct store *s, const char *blob, size_t *len, char *err,
    size_t errlen)
{
	char path[PATH_MAX], id[41];
	char *buf;

	if (s->dir == NULL || !store_is_blob(blob)) {
		snprintf(err, errlen, "no such snapshot");
		return NULL;
	}
	store_blob_path(s, blob, path, sizeof(path));
	if ((buf = store_read_file(path, STORE_MAX_FILE, len)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	sha1_git_blob(buf, *len, id);
	if (strcmp(id, blob) != 0) {
		snprintf(err, errlen,
		    "%s: content does not match its id "
		    "(damaged snapshot): remove it",
		    path);
		free(buf);
		return NULL;
	}
	return buf;
}

const struct store_entry *
store_last(const struct store *s, const char *name)
{
	return store_find(s, name);
}

int
store_set_last(struct store *s, const char *name, const char *blob,
    const char *head, int64_t now, char *err, size_t errlen)
{
	struct store_entry *e = store_find(s, name);

	if (head == NULL)
		head = "";
	if (e != NULL) {
		if (strcmp(e->blob, blob) == 0 && strcmp(e->head, head) == 0)
			return 0;
		snprintf(e->blob, sizeof(e->blob), "%s", blob);
		snprintf(e->head, sizeof(e->head), "%s", head);
		e->saved = now;
	} else if (store_add(s, name, blob, head, now) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->dirty = 1;
	return 0;
}

int
store_flush(struct store *s, char *err, size_t errlen)
{
	if (!s->dirty || s->ro)
		return 0;
	if (store_save(s, err, errlen) != 0)
		return -1;
	s->dirty = 0;
	return 0;
}

int
store_forget(struct store *s, const char *name, char *err, size_t errlen)
{
	struct store_entry *e = store_find(s, name);

	if (e == NULL)
		return 0;
	free(e->name);
	*e = s->v[--s->n];
	s->dirty = 1;
	return 0;
}

/* Keep the damaged file as keep/name.STAMP, never in the working tree. */
static int
store_keep_damaged(const char *path, const char *name, const struct stat *st,
    int64_t now, const char *keep, char *aside, size_t asidelen)
{
	char side[PATH_MAX], stamp[32];
	struct tm tm;
	time_t t = (time_t)now;
	size_t len;
	char *data;
	int i;

	if (store_mkdir(keep) != 0)
		return -1;
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (snprintf(side, sizeof(side), "%s/%s.%s", keep, name, stamp) >=
	    (int)sizeof(side)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Two restores within one second keep both copies. */
	for (i = 1; access(side, F_OK) == 0 && i < 100; i++)
		if (snprintf(side, sizeof(side), "%s/%s.%s-%d", keep, name,
		        stamp, i) >= (int)sizeof(side))
			break;
	if (!S_ISREG(st->st_mode)) {
		/* A link or a directory: moved (same file system only). */
		if (rename(path, side) != 0)
			return -1;
	} else {
		if ((data = store_read_file(path, (size_t)st->st_size + 1,
		         &len)) == NULL)
			return -1;
		i = store_write_atomic(side, data, len, 0600);
		free(data);
		if (i != 0)
			return -1;
	}
	snprintf(aside, asidelen, "%s", side);
	return 0;
}

int
store_restore_file(const char *dir, const char *name, const char *data,
    size_t len, mode_t mode, int64_t now, const char *keep, char *aside,
    size_t asidelen, char *err, size_t errlen)
{
	char path[PATH_MAX], parent[PATH_MAX];
	struct stat st;
	char *slash;

	aside[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(dir, &st) != 0) {
		/* .github/workflows itself was removed: make it again. */
		snprintf(parent, sizeof(parent), "%s", dir);
		if ((slash = strrchr(parent, '/')) != NULL) {
			*slash = '\0';
			if (mkdir(parent, 0755) != 0 && errno != EEXIST)
				goto fail;
		}
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			goto fail;
	}
	if (lstat(path, &st) == 0 &&
	    store_keep_damaged(path, name, &st, now, keep, aside, asidelen) !=
	        0) {
		snprintf(err, errlen, "keeping the damaged copy in %s: %s",
		    keep, strerror(errno));
		return -1;
	}
	if (store_write_atomic(path, data, len, mode) != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return -1;
}
