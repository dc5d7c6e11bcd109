/*
 * confhist.c: the configuration history: each applied configuration kept
 * under state_dir/config-history/, listed, diffed and rolled back.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "daemon.h"

#define CH_MANIFEST "manifest.json"
#define CH_MANIFEST_MAX (256 * 1024)
#define CH_FILES_MAX 1000 /* files of one configuration */

/* The files of one configuration, in reading order. */
struct ch_snap {
	char **path;
	char **text; /* NULL: the file does not exist */
	size_t *len;
	size_t n;
	const char *environment;
};

void
confhist_entry_free(struct confhist_entry *e)
{
	size_t i;

	for (i = 0; i < e->nfiles; i++)
		free(e->files[i]);
	free(e->files);
	free(e->trigger);
	free(e->environment);
	memset(e, 0, sizeof(*e));
}

static void
ch_snap_free(struct ch_snap *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->path[i]);
		free(s->text[i]);
	}
	free(s->path);
	free(s->text);
	free(s->len);
	memset(s, 0, sizeof(*s));
}

static int
ch_snap_add(struct ch_snap *s, const char *path, char *text, size_t len)
{
	char **np, **nt;
	size_t *nl;

	np = realloc(s->path, (s->n + 1) * sizeof(*np));
	if (np != NULL)
		s->path = np;
	nt = realloc(s->text, (s->n + 1) * sizeof(*nt));
	if (nt != NULL)
		s->text = nt;
	nl = realloc(s->len, (s->n + 1) * sizeof(*nl));
	if (nl != NULL)
		s->len = nl;
	if (np == NULL || nt == NULL || nl == NULL ||
	    (s->path[s->n] = strdup(path)) == NULL) {
		free(text);
		return -1;
	}
	s->text[s->n] = text;
	s->len[s->n++] = len;
	return 0;
}

static int
ch_snap_has(const struct ch_snap *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->path[i], path) == 0)
			return 1;
	return 0;
}

static int
ch_is_entry(const struct dirent *d)
{
	size_t n = strspn(d->d_name, "0123456789");

	return n > 0 && n < 20 && d->d_name[n] == '\0';
}

/* The entries' numbers, ascending; *n of them. */
static unsigned long *
ch_numbers(const char *dir, size_t *n)
{
	struct dirent **ents = NULL;
	unsigned long *v, t;
	int i, k, cnt;

	*n = 0;
	if ((cnt = scandir(dir, &ents, ch_is_entry, NULL)) < 0)
		return errno == ENOENT ? calloc(1, sizeof(*v)) : NULL;
	v = calloc((size_t)cnt + 1, sizeof(*v));
	for (i = 0; i < cnt; i++) {
		if (v != NULL)
			v[i] = strtoul(ents[i]->d_name, NULL, 10);
		free(ents[i]);
	}
	free(ents);
	if (v == NULL)
		return NULL;
	/* Insertion sort: a history holds tens of entries. */
	for (i = 1; i < cnt; i++)
		for (k = i; k > 0 && v[k - 1] > v[k]; k--) {
			t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	*n = (size_t)cnt;
	return v;
}

int
confhist_parse_manifest(
    const char *text, struct confhist_entry *e, char *err, size_t errlen)
{
	json_object *o, *v, *f;
	size_t i, n;
	const char *s;

	memset(e, 0, sizeof(*e));
	if ((o = json_tokener_parse(text)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		goto bad;
	}
	if (!json_object_object_get_ex(o, "n", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) <= 0) {
		snprintf(err, errlen, "'n' is not a positive integer");
		goto bad;
	}
	e->n = (unsigned long)json_object_get_int64(v);
	if (!json_object_object_get_ex(o, "time_ms", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "'time_ms' is not an integer");
		goto bad;
	}
	e->time_ms = json_object_get_int64(v);
	e->uid = -1;
	if (json_object_object_get_ex(o, "uid", &v) &&
	    json_object_is_type(v, json_type_int))
		e->uid = (long)json_object_get_int64(v);
	s = json_object_object_get_ex(o, "trigger", &v) &&
	            json_object_is_type(v, json_type_string)
	        ? json_object_get_string(v)
	        : "?";
	e->trigger = strdup(s);
	s = json_object_object_get_ex(o, "environment", &v) &&
	            json_object_is_type(v, json_type_string)
	        ? json_object_get_string(v)
	        : "";
	e->environment = strdup(s);
	e->masked = json_object_object_get_ex(o, "masked", &v) &&
	            json_object_get_boolean(v);
	if (!json_object_object_get_ex(o, "files", &f) ||
	    !json_object_is_type(f, json_type_array) ||
	    (n = json_object_array_length(f)) == 0 || n > CH_FILES_MAX) {
		snprintf(err, errlen, "'files' is not a list of 1 to %d paths",
		    CH_FILES_MAX);
		goto bad;
	}
	if (e->trigger == NULL || e->environment == NULL ||
	    (e->files = calloc(n, sizeof(*e->files))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto bad;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(f, i);
		if (!json_object_is_type(v, json_type_string) ||
		    (s = json_object_get_string(v))[0] != '/' ||
		    strlen(s) >= PATH_MAX) {
			snprintf(err, errlen,
			    "files[%zu] is not an absolute "
			    "path",
			    i);
			goto bad;
		}
		if ((e->files[e->nfiles] = strdup(s)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto bad;
		}
		e->nfiles++;
	}
	json_object_put(o);
	return 0;
bad:
	json_object_put(o);
	confhist_entry_free(e);
	return -1;
}

/* Entry n's manifest; with snap also its files' bytes. */
static int
ch_load(const char *dir, unsigned long n, struct confhist_entry *e,
    struct ch_snap *snap, char *err, size_t errlen)
{
	char *p = NULL, *text, why[256];
	size_t i, len;

	memset(e, 0, sizeof(*e));
	if (asprintf(&p, "%s/%08lu/%s", dir, n, CH_MANIFEST) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((text = util_read_file(p, CH_MANIFEST_MAX, &len)) == NULL) {
		if (errno == ENOENT)
			snprintf(err, errlen,
			    "no configuration %lu in the "
			    "history: see redundancyctl config history",
			    n);
		else
			snprintf(err, errlen,
			    "%s: %s: fix its permissions or "
			    "remove the entry",
			    p, strerror(errno));
		free(p);
		return -1;
	}
	if (confhist_parse_manifest(text, e, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s: remove the entry", p, why);
		free(text);
		free(p);
		return -1;
	}
	free(text);
	free(p);
	for (i = 0; snap != NULL && i < e->nfiles; i++) {
		if (asprintf(&p, "%s/%08lu/%zu", dir, n, i) < 0 ||
		    (text = util_read_file(p, CONF_TEXT_MAX, &len)) == NULL) {
			snprintf(err, errlen, "%s: %s: the entry is damaged",
			    p != NULL ? p : dir, strerror(errno));
			free(p);
			ch_snap_free(snap);
			confhist_entry_free(e);
			return -1;
		}
		free(p);
		p = NULL;
		if (ch_snap_add(snap, e->files[i], text, len) != 0) {
			snprintf(err, errlen, "out of memory");
			ch_snap_free(snap);
			confhist_entry_free(e);
			return -1;
		}
	}
	return 0;
}

/* Whether the newest entry holds exactly these files with these bytes. */
static int
ch_same_as_last(const char *dir, unsigned long last, const struct ch_snap *s)
{
	struct confhist_entry e;
	struct ch_snap old = {0};
	char err[256];
	size_t i;
	int same;

	if (last == 0 || ch_load(dir, last, &e, &old, err, sizeof(err)) != 0)
		return 0;
	same = old.n == s->n && strcmp(e.environment, s->environment) == 0;
	for (i = 0; same && i < s->n; i++)
		same = strcmp(old.path[i], s->path[i]) == 0 &&
		       old.len[i] == s->len[i] &&
		       memcmp(old.text[i], s->text[i], s->len[i]) == 0;
	ch_snap_free(&old);
	confhist_entry_free(&e);
	return same;
}

/* An entry's directory: flat, files only. */
static void
ch_rmdir(const char *p)
{
	struct dirent *de;
	char *f;
	DIR *dp;

	if ((dp = opendir(p)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (asprintf(&f, "%s/%s", p, de->d_name) >= 0) {
				unlink(f);
				free(f);
			}
		}
		closedir(dp);
	}
	if (rmdir(p) != 0 && errno != ENOENT)
		log_warn("config history: %s: cannot remove: %m", p);
}

static void
ch_remove(const char *dir, unsigned long n)
{
	char *p;

	if (asprintf(&p, "%s/%08lu", dir, n) < 0)
		return;
	ch_rmdir(p);
	free(p);
}

static int
ch_is_partial(const struct dirent *d)
{
	return strncmp(d->d_name, ".new-", 5) == 0;
}

/* What a stop in the middle of keeping an entry left: never renamed. */
static void
ch_sweep(const char *dir)
{
	struct dirent **ents = NULL;
	char *p;
	int i, n;

	if ((n = scandir(dir, &ents, ch_is_partial, NULL)) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (asprintf(&p, "%s/%s", dir, ents[i]->d_name) >= 0) {
			ch_rmdir(p);
			free(p);
		}
		free(ents[i]);
	}
	free(ents);
}

static int
ch_write_file(const char *path, const char *text, size_t len)
{
	return util_write_atomic(path, text, len, 0600);
}

/*
 * Keep s as a new entry unless the newest holds the same; then prune to
 * keep entries. Returns the new entry's number, 0 if unchanged, -1.
 */
static long
ch_record_raw(const char *dir, const struct ch_snap *s, int masked, long uid,
    const char *trigger, int keep, char *err, size_t errlen)
{
	json_object *o, *files;
	unsigned long *nums, n;
	size_t cnt, i;
	char *tmp = NULL, *p = NULL, *fin = NULL;
	const char *js;
	long rc = -1;
	int made = 0;

	if (util_mkdirs(dir, 0700) != 0) {
		snprintf(err, errlen,
		    "%s: %s: fix daemon.state_dir's "
		    "permissions",
		    dir, strerror(errno));
		return -1;
	}
	ch_sweep(dir);
	if ((nums = ch_numbers(dir, &cnt)) == NULL) {
		snprintf(err, errlen, "%s: %s: fix its permissions", dir,
		    strerror(errno));
		return -1;
	}
	n = cnt > 0 ? nums[cnt - 1] : 0;
	if (ch_same_as_last(dir, n, s)) {
		free(nums);
		return 0;
	}
	n++;
	o = json_object_new_object();
	files = json_object_new_array();
	json_object_object_add(o, "n", json_object_new_int64((int64_t)n));
	json_object_object_add(
	    o, "time_ms", json_object_new_int64(util_wall_ms()));
	json_object_object_add(o, "uid", json_object_new_int64(uid));
	json_object_object_add(o, "trigger", json_object_new_string(trigger));
	json_object_object_add(
	    o, "environment", json_object_new_string(s->environment));
	for (i = 0; i < s->n; i++)
		json_object_array_add(
		    files, json_object_new_string(s->path[i]));
	json_object_object_add(o, "files", files);
	if (masked)
		json_object_object_add(o, "masked", json_object_new_boolean(1));
	/* Built aside and renamed into place: an entry is whole or absent. */
	if (asprintf(&tmp, "%s/.new-XXXXXX", dir) < 0) {
		tmp = NULL;
		goto fail;
	}
	if (mkdtemp(tmp) == NULL)
		goto fail;
	made = 1;
	for (i = 0; i < s->n; i++) {
		free(p);
		if (asprintf(&p, "%s/%zu", tmp, i) < 0) {
			p = NULL;
			goto fail;
		}
		if (ch_write_file(p, s->text[i], s->len[i]) != 0)
			goto fail;
	}
	free(p);
	js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (asprintf(&p, "%s/%s", tmp, CH_MANIFEST) < 0) {
		p = NULL;
		goto fail;
	}
	if (ch_write_file(p, js, strlen(js)) != 0 ||
	    asprintf(&fin, "%s/%08lu", dir, n) < 0 || rename(tmp, fin) != 0)
		goto fail;
	rc = (long)n;
	/* The oldest go beyond keep. */
	for (i = 0; i + (size_t)keep < cnt + 1 && i < cnt; i++)
		ch_remove(dir, nums[i]);
	goto out;
fail:
	snprintf(err, errlen,
	    "%s: cannot keep the configuration: %s: free "
	    "space or fix daemon.state_dir's permissions",
	    dir, strerror(errno));
	if (made)
		ch_rmdir(tmp);
out:
	json_object_put(o);
	free(nums);
	free(tmp);
	free(p);
	free(fin);
	return rc;
}

/*
 * A secret never lands in the history: a file that holds a registered
 * secret or a token's shape is kept masked, and an entry kept masked is
 * never written back (a rollback refuses it).
 */
static long
ch_record(const char *dir, const struct ch_snap *s, long uid,
    const char *trigger, int keep, char *err, size_t errlen)
{
	struct ch_snap m = {0};
	size_t i;
	char *r;
	int masked = 0;
	long rc;

	m.environment = s->environment;
	for (i = 0; i < s->n; i++) {
		if ((r = redact_str(s->text[i])) == NULL ||
		    ch_snap_add(&m, s->path[i], r, strlen(r)) != 0) {
			snprintf(err, errlen, "out of memory");
			ch_snap_free(&m);
			return -1;
		}
		masked |= strlen(r) != s->len[i] ||
		          memcmp(r, s->text[i], s->len[i]) != 0;
	}
	rc = ch_record_raw(dir, &m, masked, uid, trigger, keep, err, errlen);
	if (rc > 0 && masked)
		log_warn("config history: configuration %ld holds what looks "
		         "like a token: kept masked, so it cannot be rolled "
		         "back to; name it with a *_file or *_env option "
		         "instead",
		    rc);
	ch_snap_free(&m);
	return rc;
}

long
confhist_record(const char *dir, const struct conf *c, long uid,
    const char *trigger, char *err, size_t errlen)
{
	struct ch_snap s = {0};
	long rc;

	if (c->config_history <= 0)
		return 0;
	/* The bytes read for c, not the disk now: what was applied. */
	s.path = c->files;
	s.text = c->text;
	s.len = c->text_len;
	s.n = c->ncfgs;
	s.environment = c->environment;
	rc = ch_record(dir, &s, uid, trigger, c->config_history, err, errlen);
	if (rc > 0) {
		char msg[256];

		snprintf(msg, sizeof(msg),
		    "configuration %ld kept (%s): %zu "
		    "file%s",
		    rc, trigger, c->ncfgs, c->ncfgs == 1 ? "" : "s");
		journal_write("config-kept", NULL, NULL, msg, uid);
	}
	return rc;
}

json_object *
confhist_list(const char *dir, char *err, size_t errlen)
{
	struct confhist_entry e;
	json_object *a, *o, *f;
	unsigned long *nums;
	size_t cnt, i, k;
	char why[512];

	if ((nums = ch_numbers(dir, &cnt)) == NULL) {
		snprintf(err, errlen, "%s: %s: fix its permissions", dir,
		    strerror(errno));
		return NULL;
	}
	a = json_object_new_array();
	for (i = 0; i < cnt; i++) {
		if (ch_load(dir, nums[i], &e, NULL, why, sizeof(why)) != 0) {
			log_warn("config history: %s", why);
			continue;
		}
		o = json_object_new_object();
		f = json_object_new_array();
		json_object_object_add(
		    o, "n", json_object_new_int64((int64_t)nums[i]));
		json_object_object_add(
		    o, "time_ms", json_object_new_int64(e.time_ms));
		json_object_object_add(o, "uid", json_object_new_int64(e.uid));
		json_object_object_add(
		    o, "trigger", json_object_new_string(e.trigger));
		json_object_object_add(
		    o, "environment", json_object_new_string(e.environment));
		for (k = 0; k < e.nfiles; k++)
			json_object_array_add(
			    f, json_object_new_string(e.files[k]));
		json_object_object_add(o, "files", f);
		json_object_object_add(
		    o, "masked", json_object_new_boolean(e.masked));
		json_object_array_add(a, o);
		confhist_entry_free(&e);
	}
	free(nums);
	return a;
}

/* The files at the paths of entry e and of the disk listing now. */
static int
ch_disk_now(const char *conf_path, const char *env,
    const struct confhist_entry *e, struct ch_snap *now)
{
	char **list, *text;
	size_t n, i, len;
	int rc = 0;

	if ((list = conf_list_files(conf_path, env, &n)) == NULL)
		return -1;
	for (i = 0; i < n + e->nfiles && rc == 0; i++) {
		const char *p = i < n ? list[i] : e->files[i - n];

		if (ch_snap_has(now, p))
			continue;
		text = util_read_file(p, CONF_TEXT_MAX, &len);
		if (text == NULL && errno != ENOENT)
			rc = -1;
		else
			rc = ch_snap_add(now, p, text, text ? len : 0);
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return rc;
}

char *
confhist_diff(const char *dir, unsigned long n, const char *conf_path,
    const char *env, size_t max, int *truncated, char *err, size_t errlen)
{
	struct confhist_entry e;
	struct ch_snap old = {0}, now = {0};
	struct udiff_out o = {0};
	char la[PATH_MAX + 64], lb[PATH_MAX + 64];
	size_t i, k;

	*truncated = 0;
	if (ch_load(dir, n, &e, &old, err, errlen) != 0)
		return NULL;
	if (ch_disk_now(conf_path, env, &e, &now) != 0) {
		snprintf(err, errlen,
		    "%s: cannot read the configuration "
		    "files now: %s",
		    conf_path, strerror(errno));
		goto out;
	}
	/* Compared as kept: a secret on disk is masked on both sides. */
	for (i = 0; i < now.n; i++) {
		char *r;

		if (now.text[i] == NULL)
			continue;
		if ((r = redact_str(now.text[i])) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		free(now.text[i]);
		now.text[i] = r;
		now.len[i] = strlen(r);
	}
	o.max = max;
	udiff_puts(&o, "", 0);
	for (i = 0; i < now.n; i++) {
		const char *a = "";
		size_t alen = 0;
		int in_old = 0;

		for (k = 0; k < old.n; k++)
			if (strcmp(old.path[k], now.path[i]) == 0) {
				a = old.text[k];
				alen = old.len[k];
				in_old = 1;
				break;
			}
		if (!in_old && now.text[i] == NULL)
			continue;
		snprintf(la, sizeof(la), "%s\t(configuration %lu)",
		    in_old ? now.path[i] : "/dev/null", n);
		snprintf(lb, sizeof(lb), "%s\t(now)",
		    now.text[i] != NULL ? now.path[i] : "/dev/null");
		if (udiff(&o, la, a, alen, lb,
		        now.text[i] != NULL ? now.text[i] : "",
		        now.len[i]) == -1) {
			snprintf(err, errlen, "out of memory");
			free(o.s);
			o.s = NULL;
			goto out;
		}
	}
	*truncated = o.truncated;
	if (o.s == NULL)
		o.s = strdup("");
out:
	ch_snap_free(&old);
	ch_snap_free(&now);
	confhist_entry_free(&e);
	return o.s;
}

/* Write s's files in place (absent ones removed); 0, or -1 with errno. */
static int
ch_put_files(const struct ch_snap *s, const char **failed)
{
	struct stat st;
	mode_t mode;
	char *dir, *sl;
	size_t i;

	for (i = 0; i < s->n; i++) {
		*failed = s->path[i];
		if (s->text[i] == NULL) {
			if (unlink(s->path[i]) != 0 && errno != ENOENT)
				return -1;
			continue;
		}
		/* The file's mode stays; a new one is private. */
		mode = stat(s->path[i], &st) == 0 ? st.st_mode & 0777 : 0600;
		if ((dir = strdup(s->path[i])) == NULL)
			return -1;
		if ((sl = strrchr(dir, '/')) != NULL && sl != dir) {
			*sl = '\0';
			(void)util_mkdirs(dir, 0755);
		}
		free(dir);
		if (util_write_atomic(
		        s->path[i], s->text[i], s->len[i], mode) != 0)
			return -1;
	}
	return 0;
}

int
confhist_rollback(
    struct rdd_daemon *d, unsigned long n, long uid, char *msg, size_t len)
{
	struct confhist_entry e;
	struct ch_snap want = {0}, now = {0}, put = {0};
	struct conf_src *src = NULL;
	struct errlist errs = {0};
	struct conf *c;
	const char *dir = d->confhist_dir, *failed = "";
	char why[RDD_ERRLEN], rmsg[RDD_ERRLEN];
	size_t i, k;
	long bak;
	int rc = -1, bad;

	if (d->conf->config_history <= 0) {
		snprintf(msg, len,
		    "rollback: the history is off "
		    "(daemon.config_history = 0): nothing to roll back to");
		return -1;
	}
	if (ch_load(dir, n, &e, &want, msg, len) != 0)
		return -1;
	if (e.masked) {
		snprintf(msg, len,
		    "rollback refused, nothing written: configuration %lu was "
		    "kept with a secret masked and cannot be written back: "
		    "edit the files by hand (see redundancyctl config diff "
		    "%lu)",
		    n, n);
		goto out;
	}
	if (strcmp(e.files[0], d->conf_path) != 0) {
		snprintf(msg, len,
		    "rollback refused, nothing written: "
		    "configuration %lu is of %s, the daemon runs %s",
		    n, e.files[0], d->conf_path);
		goto out;
	}
	if (strcmp(e.environment, d->conf->environment) != 0) {
		snprintf(msg, len,
		    "rollback refused, nothing written: "
		    "configuration %lu was applied in environment '%s', the "
		    "daemon runs in '%s': change the environment first",
		    n, e.environment, d->conf->environment);
		goto out;
	}
	/* The usual validation, of the bytes before they are written. */
	if ((src = calloc(want.n, sizeof(*src))) == NULL) {
		snprintf(msg, len, "rollback: out of memory");
		goto out;
	}
	for (i = 0; i < want.n; i++)
		src[i] =
		    (struct conf_src){want.path[i], want.text[i], want.len[i]};
	c = conf_load_with(
	    d->conf_path, d->env_override, src, want.n, &errs, NULL);
	bad = c == NULL || privsep_conf_check(c, &errs) != 0 ||
	      probe_conf(c, NULL, &errs) != 0 || errs.n > 0;
	conf_free(c);
	if (bad) {
		snprintf(msg, len,
		    "rollback refused, nothing written: "
		    "configuration %lu does not validate now: %s%s",
		    n, errs.n > 0 && errs.v[0] != NULL ? errs.v[0] : "error",
		    errs.n > 1 ? " (and more: see system.log)" : "");
		for (i = 0; i < errs.n; i++)
			if (errs.v[i] != NULL)
				log_err("rollback to %lu: %s", n, errs.v[i]);
		goto out;
	}
	/* The backup: what is on disk now, itself an entry of the history. */
	if (ch_disk_now(d->conf_path, e.environment, &e, &now) != 0) {
		snprintf(msg, len,
		    "rollback refused, nothing written: cannot "
		    "read the configuration files now: %s",
		    strerror(errno));
		goto out;
	}
	for (i = 0; i < now.n; i++)
		if (now.text[i] != NULL &&
		    ch_snap_add(&put, now.path[i], NULL, 0) != 0)
			break;
	put.environment = d->conf->environment;
	for (i = 0; i < put.n; i++)
		for (k = 0; k < now.n; k++)
			if (strcmp(now.path[k], put.path[i]) == 0) {
				put.text[i] = now.text[k];
				put.len[i] = now.len[k];
			}
	bak = put.n > 0 ? ch_record(dir, &put, uid, "backup",
	                      d->conf->config_history + 1, why, sizeof(why))
	                : 0;
	for (i = 0; i < put.n; i++)
		put.text[i] = NULL; /* borrowed from now */
	ch_snap_free(&put);
	if (bak < 0) {
		snprintf(msg, len,
		    "rollback refused, nothing written: no "
		    "backup of the files now: %s",
		    why);
		goto out;
	}
	/* The entry's files, and the drop-ins it did not have removed. */
	for (i = 0; i < now.n; i++)
		if (!ch_snap_has(&want, now.path[i]) &&
		    ch_snap_add(&want, now.path[i], NULL, 0) != 0) {
			snprintf(msg, len, "rollback: out of memory");
			goto out;
		}
	if (ch_put_files(&want, &failed) != 0) {
		snprintf(why, sizeof(why), "%s: %s", failed, strerror(errno));
		(void)ch_put_files(&now, &failed);
		snprintf(msg, len,
		    "rollback failed, the files are as they "
		    "were: %s: write them as root, or fix the permissions",
		    why);
		goto out;
	}
	if (d->on_reload == NULL ||
	    d->on_reload(d, uid, "rollback", rmsg, sizeof(rmsg)) != 0) {
		(void)ch_put_files(&now, &failed);
		snprintf(msg, len,
		    "rollback failed, the files are as they "
		    "were: %s",
		    d->on_reload ? rmsg : "reload not available");
		goto out;
	}
	if (bak > 0)
		snprintf(msg, len,
		    "rolled back to configuration %lu (the "
		    "files before are configuration %ld): %s",
		    n, bak, rmsg);
	else
		snprintf(
		    msg, len, "rolled back to configuration %lu: %s", n, rmsg);
	rc = 0;
out:
	journal_write(rc == 0 ? "config-rollback" : "config-rollback-failed",
	    NULL, NULL, msg, uid);
	errlist_free(&errs);
	free(src);
	ch_snap_free(&want);
	ch_snap_free(&now);
	confhist_entry_free(&e);
	return rc;
}
