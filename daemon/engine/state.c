/*
 * state.c: persistent scope/key/value state (restart counters, backoff and
 * cooldown timers, last known good data), written atomically.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, explicit_bzero */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "rdd.h"

#define STATE_VERSION 1
#define STATE_MODE 0600
#define STATE_MAXFILE (64 * 1024 * 1024)	/* bigger is not ours */
#define STATE_LOCKFILE "redundancyd.lock"
#define STATE_LOCKMODE 0644 /* anybody may read who holds it */

struct state_kv {
	char *key;
	char *val;
};

struct state_scope {
	char *name;
	struct state_kv *kv;
	size_t n;
};

/* Arrays in insertion order: a few hundred entries, and a stable file. */
struct state {
	char *path;
	struct state_scope *sc;
	size_t n;
	int dirty;
	struct log_limit wlim; /* a full disk: one line, not one per change */
};

static void
state_scope_free(struct state_scope *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++) {
		free(sc->kv[i].key);
		free(sc->kv[i].val);
	}
	free(sc->kv);
	free(sc->name);
}

static void
state_clear(struct state *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		state_scope_free(&s->sc[i]);
	free(s->sc);
	s->sc = NULL;
	s->n = 0;
}

static struct state_scope *
state_find_scope(struct state *s, const char *scope)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->sc[i].name, scope) == 0)
			return &s->sc[i];
	return NULL;
}

static struct state_kv *
state_find_kv(struct state_scope *sc, const char *key)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		if (strcmp(sc->kv[i].key, key) == 0)
			return &sc->kv[i];
	return NULL;
}

static struct state_scope *
state_add_scope(struct state *s, const char *scope)
{
	struct state_scope *v;
	char *name;

	if ((name = strdup(scope)) == NULL)
		return NULL;
	if ((v = reallocarray(s->sc, s->n + 1, sizeof(*v))) == NULL) {
		free(name);
		return NULL;
	}
	s->sc = v;
	v[s->n].name = name;
	v[s->n].kv = NULL;
	v[s->n].n = 0;
	return &v[s->n++];
}

static int
state_add_kv(struct state_scope *sc, const char *key, const char *val)
{
	struct state_kv *v;
	char *k, *d;

	k = strdup(key);
	d = strdup(val);
	v = (k != NULL && d != NULL) ?
	    reallocarray(sc->kv, sc->n + 1, sizeof(*v)) : NULL;
	if (v == NULL) {
		free(k);
		free(d);
		return -1;
	}
	sc->kv = v;
	v[sc->n].key = k;
	v[sc->n].val = d;
	sc->n++;
	return 0;
}

static void
state_remove_scope(struct state *s, struct state_scope *sc)
{
	size_t i = (size_t)(sc - s->sc);

	state_scope_free(sc);
	memmove(&s->sc[i], &s->sc[i + 1], (s->n - i - 1) * sizeof(*sc));
	s->n--;
}

/*
 * Reads at most STATE_MAXFILE bytes; *toobig tells a refusal apart, *kind
 * names what stands where the file belongs (a FIFO would block the open
 * for ever, a link would read someone else's file).
 */
static char *
state_read(const char *path, size_t *len, int *toobig, const char **kind)
{
	struct stat sb;
	char *buf;
	size_t off = 0;
	ssize_t r;
	int fd;

	*toobig = 0;
	if ((fd = util_open_regular(path, O_RDONLY, 0, kind)) == -1)
		return NULL;
	if (fstat(fd, &sb) == -1) {
		close(fd);
		return NULL;
	}
	if (sb.st_size > STATE_MAXFILE) {
		*toobig = 1;
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	/* The size may change under us; what was read is what counts. */
	while (off < (size_t)sb.st_size) {
		r = read(fd, buf + off, (size_t)sb.st_size - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	buf[off] = '\0';
	*len = off;
	return buf;
}

/* Fills s from the file text; returns 0 or -1 with why. */
static int
state_parse(struct state *s, const char *buf, size_t len, char *why,
    size_t whylen)
{
	struct json_tokener *tok;
	struct json_object *root, *ver, *scopes;
	struct state_scope *sc;
	size_t off;
	int rc = -1;

	if (len == 0) {
		snprintf(why, whylen, "empty file");
		return -1;
	}
	if (len > INT_MAX || (tok = json_tokener_new()) == NULL) {
		snprintf(why, whylen, "cannot parse: too big or out of memory");
		return -1;
	}
	root = json_tokener_parse_ex(tok, buf, (int)len);
	if (root == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(why, whylen, "not valid JSON at byte %zu: %s",
		    json_tokener_get_parse_end(tok),
		    json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	for (off = json_tokener_get_parse_end(tok); off < len; off++)
		if (buf[off] != ' ' && buf[off] != '\n' && buf[off] != '\t' &&
		    buf[off] != '\r') {
			snprintf(why, whylen, "extra data at byte %zu", off);
			goto out;
		}
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "version", &ver) ||
	    !json_object_is_type(ver, json_type_int) ||
	    !json_object_object_get_ex(root, "scopes", &scopes) ||
	    !json_object_is_type(scopes, json_type_object)) {
		snprintf(why, whylen, "expected {\"version\":%d,\"scopes\":{..}}",
		    STATE_VERSION);
		goto out;
	}
	if (json_object_get_int64(ver) != STATE_VERSION) {
		snprintf(why, whylen, "version %lld, this daemon reads %d",
		    (long long)json_object_get_int64(ver), STATE_VERSION);
		goto out;
	}
	json_object_object_foreach(scopes, name, keys) {
		if (!json_object_is_type(keys, json_type_object)) {
			snprintf(why, whylen, "scope \"%.100s\": expected an "
			    "object", name);
			goto out;
		}
		/* Duplicate names in the file: the later one wins. */
		if ((sc = state_find_scope(s, name)) == NULL &&
		    (sc = state_add_scope(s, name)) == NULL)
			goto nomem;
		json_object_object_foreach(keys, key, val) {
			struct state_kv *kv;
			char *d;

			if (!json_object_is_type(val, json_type_string)) {
				snprintf(why, whylen, "scope \"%.100s\" key "
				    "\"%.100s\": expected a string", name, key);
				goto out;
			}
			if ((kv = state_find_kv(sc, key)) != NULL) {
				if ((d = strdup(json_object_get_string(val))) ==
				    NULL)
					goto nomem;
				free(kv->val);
				kv->val = d;
			} else if (state_add_kv(sc, key,
			    json_object_get_string(val)) == -1)
				goto nomem;
		}
	}
	rc = 0;
	goto out;
nomem:
	snprintf(why, whylen, "out of memory");
out:
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

/* The bad file is evidence: keep it beside the new one, never delete it. */
static int
state_move_aside(const char *path, char *to, size_t tolen)
{
	struct stat sb;
	long now = (long)time(NULL);
	int i, n;

	for (i = 0; i < 1000; i++) {
		if (i == 0)
			n = snprintf(to, tolen, "%s.corrupt-%ld", path, now);
		else
			n = snprintf(to, tolen, "%s.corrupt-%ld-%d", path, now,
			    i);
		if (n < 0 || (size_t)n >= tolen) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (lstat(to, &sb) == -1 && errno == ENOENT)
			return rename(path, to);
	}
	errno = EEXIST;
	return -1;
}

static int
state_dir_usable(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX], *slash;
	struct stat sb;

	if (strlen(path) >= sizeof(dir)) {
		snprintf(err, errlen, "state file %.200s...: path too long: "
		    "shorten daemon.state_dir", path);
		return -1;
	}
	strcpy(dir, path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &sb) == -1 || (!S_ISDIR(sb.st_mode) &&
	    (errno = ENOTDIR) != 0) || access(dir, W_OK | X_OK) == -1) {
		snprintf(err, errlen, "state file %s: directory %s: %s: create "
		    "it writable for the daemon or fix daemon.state_dir", path,
		    dir, strerror(errno));
		return -1;
	}
	return 0;
}

struct state *
state_open(const char *path, char *err, size_t errlen)
{
	struct state *s;
	char why[256], aside[PATH_MAX + 64], *buf;
	const char *kind;
	size_t len = 0;
	int toobig;

	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "state file: no path: set "
		    "daemon.state_dir");
		return NULL;
	}
	if (state_dir_usable(path, err, errlen) == -1)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		free(s);
		snprintf(err, errlen, "state file %s: out of memory", path);
		return NULL;
	}
	errno = 0;
	buf = state_read(path, &len, &toobig, &kind);
	if (buf == NULL && errno == ENOENT)
		return s;
	if (buf == NULL && kind != NULL) {
		/* Not ours to move: someone made it, someone must look. */
		snprintf(err, errlen,
		    "state file %s is %s, not a regular file: move it away "
		    "(redundancyd creates the file)",
		    path, kind);
		state_free(s);
		return NULL;
	}
	if (buf == NULL && !toobig) {
		snprintf(err, errlen, "state file %s: cannot read: %s: fix its "
		    "owner or mode", path, strerror(errno));
		state_free(s);
		return NULL;
	}
	if (buf == NULL)
		snprintf(why, sizeof(why), "larger than %d bytes",
		    STATE_MAXFILE);
	else if (state_parse(s, buf, len, why, sizeof(why)) == 0) {
		free(buf);
		return s;
	}
	free(buf);
	state_clear(s);
	if (state_move_aside(path, aside, sizeof(aside)) == -1) {
		snprintf(err, errlen, "state file %s: unreadable (%s) and "
		    "cannot be moved aside: %s: move it away by hand", path,
		    why, strerror(errno));
		state_free(s);
		return NULL;
	}
	log_warn("state file %s: %s: moved aside to %s, starting with empty "
	    "state (restart counters and timers are reset)", path, why, aside);
	return s;
}

/*
 * Two daemons on one state_dir would overwrite each other's counters and
 * both repair the same targets. The lock is flock(2) on a file holding the
 * pid: it dies with the process (no stale lock after SIGKILL), and the
 * file is never unlinked (unlinking races with a daemon that just opened
 * it). Workers close the descriptor when they start.
 */
int
state_lock(const char *dir, char *err, size_t errlen)
{
	const char *kind;
	char path[PATH_MAX], buf[32];
	ssize_t n;
	int fd, len, saved;

	len = snprintf(path, sizeof(path), "%s/%s", dir, STATE_LOCKFILE);
	if (len < 0 || (size_t)len >= sizeof(path)) {
		snprintf(err, errlen,
		    "state_dir %.200s...: path too long: shorten "
		    "daemon.state_dir",
		    dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	/* errno tells the caller EWOULDBLOCK (held) from the rest. */
	fd = util_open_regular(path, O_RDWR | O_CREAT, STATE_LOCKMODE, &kind);
	if (fd == -1 && kind != NULL) {
		snprintf(err, errlen,
		    "state_dir lock %s is %s, not a regular file: move it away "
		    "(redundancyd creates the file)",
		    path, kind);
		errno = EINVAL;
		return -1;
	}
	if (fd == -1) {
		saved = errno;
		snprintf(err, errlen,
		    "state_dir lock %s: cannot open: %s: create the directory "
		    "writable for the daemon or fix daemon.state_dir",
		    path, strerror(saved));
		errno = saved;
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		saved = errno;
		n = saved == EWOULDBLOCK ? pread(fd, buf, sizeof(buf) - 1, 0)
		                         : -1;
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (n >= 0)
			snprintf(err, errlen,
			    "state_dir %s is locked by pid %s (another "
			    "redundancyd): stop it or use another state_dir",
			    dir, buf[0] ? buf : "unknown");
		else
			snprintf(err, errlen,
			    "state_dir lock %s: %s: fix daemon.state_dir", path,
			    strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	state_lock_pid(fd, dir);
	return fd;
}

void
state_lock_pid(int fd, const char *dir)
{
	char buf[32];
	int len;

	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)len, 0) != len)
		log_warn("state_dir %s: cannot write our pid to %s: %m: the "
		         "lock holds, but a second daemon cannot name us",
		    dir, STATE_LOCKFILE);
}

const char *
state_get(struct state *s, const char *scope, const char *key)
{
	struct state_scope *sc;
	struct state_kv *kv;

	if (s == NULL || scope == NULL || key == NULL ||
	    (sc = state_find_scope(s, scope)) == NULL ||
	    (kv = state_find_kv(sc, key)) == NULL)
		return NULL;
	return kv->val;
}

void
state_set(struct state *s, const char *scope, const char *key,
    const char *value)
{
	struct state_scope *sc;
	struct state_kv *kv;
	char *d;

	if (s == NULL || scope == NULL || key == NULL)
		return;
	sc = state_find_scope(s, scope);
	kv = sc != NULL ? state_find_kv(sc, key) : NULL;
	if (value == NULL) {
		if (kv == NULL)
			return;
		free(kv->key);
		free(kv->val);
		memmove(kv, kv + 1, (sc->n - (size_t)(kv - sc->kv) - 1) *
		    sizeof(*kv));
		if (--sc->n == 0)
			state_remove_scope(s, sc);
		s->dirty = 1;
		return;
	}
	if (kv != NULL) {
		if (strcmp(kv->val, value) == 0)
			return;
		if ((d = strdup(value)) == NULL) {
			log_err("state %s/%s: out of memory: value not kept",
			    scope, key);
			return;
		}
		free(kv->val);
		kv->val = d;
		s->dirty = 1;
		return;
	}
	if ((sc == NULL && (sc = state_add_scope(s, scope)) == NULL) ||
	    state_add_kv(sc, key, value) == -1) {
		log_err("state %s/%s: out of memory: value not kept", scope,
		    key);
		if (sc != NULL && sc->n == 0)
			state_remove_scope(s, sc);
		return;
	}
	s->dirty = 1;
}

size_t
state_each(struct state *s, const char *key,
    void (*fn)(void *arg, const char *scope, const char *val), void *arg)
{
	struct state_kv *kv;
	size_t i, n = 0;

	for (i = 0; s != NULL && key != NULL && i < s->n; i++)
		if ((kv = state_find_kv(&s->sc[i], key)) != NULL) {
			fn(arg, s->sc[i].name, kv->val);
			n++;
		}
	return n;
}

void
state_del_scope(struct state *s, const char *scope)
{
	struct state_scope *sc;

	if (s == NULL || scope == NULL ||
	    (sc = state_find_scope(s, scope)) == NULL)
		return;
	state_remove_scope(s, sc);
	s->dirty = 1;
}

/*
 * A monitor renamed by a reload: its scope, and "from/T" (a target's), go
 * to "to" and "to/T"; a target named after the monitor is renamed with it.
 * What stood under the new name (a monitor of that name long gone) goes.
 */
int
state_rename_scope(struct state *s, const char *from, const char *to)
{
	size_t i, fl, tl;
	char *nn;
	const char *rest;
	int n = 0;

	if (s == NULL || from == NULL || to == NULL || strcmp(from, to) == 0)
		return 0;
	fl = strlen(from);
	tl = strlen(to);
	for (i = 0; i < s->n;)
		if (strncmp(s->sc[i].name, to, tl) == 0 &&
		    (s->sc[i].name[tl] == '\0' || s->sc[i].name[tl] == '/')) {
			state_remove_scope(s, &s->sc[i]);
			s->dirty = 1;
		} else
			i++;
	for (i = 0; i < s->n; i++) {
		if (strncmp(s->sc[i].name, from, fl) != 0 ||
		    (s->sc[i].name[fl] != '\0' && s->sc[i].name[fl] != '/'))
			continue;
		rest = s->sc[i].name + fl;
		if (*rest == '/' && strcmp(rest + 1, from) == 0)
			rest = NULL; /* "from/from" */
		if (asprintf(&nn, "%s%s%s", to, rest ? rest : "/",
		        rest ? "" : to) < 0)
			return -1;
		free(s->sc[i].name);
		s->sc[i].name = nn;
		s->dirty = 1;
		n++;
	}
	return n;
}

int
state_dirty(const struct state *s)
{
	return s != NULL && s->dirty;
}

int
state_flush(struct state *s)
{
	struct json_object *root, *scopes, *keys;
	const char *js;
	char *buf;
	size_t i, j, len;
	int rc = -1;

	if (s == NULL)
		return -1;
	if (!s->dirty)
		return 0;
	root = json_object_new_object();
	scopes = json_object_new_object();
	if (root == NULL || scopes == NULL) {
		json_object_put(root);
		json_object_put(scopes);
		goto nomem;
	}
	json_object_object_add(root, "version",
	    json_object_new_int(STATE_VERSION));
	json_object_object_add(root, "scopes", scopes);
	for (i = 0; i < s->n; i++) {
		if ((keys = json_object_new_object()) == NULL) {
			json_object_put(root);
			goto nomem;
		}
		for (j = 0; j < s->sc[i].n; j++)
			json_object_object_add(keys, s->sc[i].kv[j].key,
			    json_object_new_string(s->sc[i].kv[j].val));
		json_object_object_add(scopes, s->sc[i].name, keys);
	}
	js = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (js == NULL || (len = strlen(js)) == SIZE_MAX ||
	    (buf = malloc(len + 2)) == NULL) {
		json_object_put(root);
		goto nomem;
	}
	memcpy(buf, js, len);
	buf[len++] = '\n';
	json_object_put(root);
	if (util_write_atomic(s->path, buf, len, STATE_MODE) == 0) {
		s->dirty = 0;
		rc = 0;
		log_limit_ok(&s->wlim, "state file %s: written again", s->path);
	} else
		log_limit_fail(&s->wlim, RDD_LOG_ERR,
		    "state file %s: cannot write: %s: %s; state is kept in "
		    "memory and retried at every change",
		    s->path, strerror(errno), util_write_fix(errno));
	free(buf);
	return rc;
nomem:
	log_err("state file %s: out of memory while writing", s->path);
	return -1;
}

void
state_free(struct state *s)
{
	if (s == NULL)
		return;
	state_clear(s);
	free(s->path);
	free(s);
}
