/*
 * site.c: netlify.toml resolution (functions directory, bundler, included
 * files, per-function sections, redirects), function discovery and the
 * static checks of each function (name, entry, handler export, size).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "site.h"
#include "toml.h"

#define NL_WALK_MAX 5000       /* entries counted in a directory function */
#define NL_WALK_DEPTH 16

/* zip-it-and-ship-it's allowedExtensions, in order of precedence. */
static const char *const nl_exts[] = {
    ".js", ".zip", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", NULL};

/* Entry files of a directory function NAME/, in zisi's order. */
static const char *const nl_dir_entries[] = {"%s.js", "index.js", "%s.ts",
    "index.ts", "%s.mjs", "index.mjs", "%s.cjs", "index.cjs", "%s.tsx",
    "index.tsx", "%s.mts", "index.mts", "%s.cts", "index.cts", NULL};

static const char *const nl_top_keys[] = {"build", "context", "dev",
    "edge_functions", "functions", "headers", "images", "plugins", "redirects",
    "template", "split_testing", NULL};

/* @netlify/config's FUNCTION_CONFIG_PROPERTIES. */
static const char *const nl_fn_keys[] = {"node_bundler", "included_files",
    "external_node_modules", "ignored_node_modules", "schedule", "memory",
    "region", "vcpu", "deno_import_map", "timeout", "node_version", NULL};

static const char *const nl_bundlers[] = {
    "esbuild", "zisi", "nft", "none", "esbuild_zisi", NULL};

static int
nl_in(const char *s, const char *const *set)
{
	size_t i;

	for (i = 0; set[i] != NULL; i++)
		if (strcmp(s, set[i]) == 0)
			return 1;
	return 0;
}

void
nl_msg_add(
    char **msg, enum rdd_state *st, enum rdd_state add, const char *fmt, ...)
{
	char buf[1024], *n;
	size_t old;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* UNKNOWN ranks below WARNING/CRITICAL only when added to OK. */
	if (*st == RDD_OK || (add != RDD_UNKNOWN && add > *st) ||
	    (*st == RDD_UNKNOWN && add == RDD_CRITICAL))
		*st = add;
	old = *msg != NULL ? strlen(*msg) : 0;
	if ((n = realloc(*msg, old + strlen(buf) + 3)) == NULL)
		return;
	if (old > 0)
		memcpy(n + old, "; ", 3), old += 2;
	memcpy(n + old, buf, strlen(buf) + 1);
	*msg = n;
}

/* netlify.toml is read whole up to this; a larger one is refused, never cut. */
#define NL_TOML_MAX (16u << 20)

char *
nl_read_file(const char *path, size_t cap, size_t *lenp)
{
	struct stat sb;
	char *buf;
	size_t len = 0, want;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		errno = S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
		return NULL;
	}
	want = (size_t)sb.st_size < cap ? (size_t)sb.st_size : cap;
	if ((buf = malloc(want + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (len < want) {
		r = read(fd, buf + len, want - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

void
nl_path_clean(char *p)
{
	char *out = p, *seg = p;
	size_t n;

	if (*p != '/')
		return;
	while (*seg != '\0') {
		while (*seg == '/')
			seg++;
		if (*seg == '\0')
			break;
		n = strcspn(seg, "/");
		if (n == 1 && seg[0] == '.') {
			/* skip */
		} else if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, seg, n);
			out += n;
		}
		seg += n;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

static char *
nl_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p;

	if (b[0] == '/')
		la = 0;
	if ((p = malloc(la + lb + 2)) == NULL)
		return NULL;
	memcpy(p, a, la);
	if (la > 0)
		p[la++] = '/';
	memcpy(p + la, b, lb + 1);
	nl_path_clean(p);
	return p;
}

/* ---- netlify.toml ---- */

static void nl_note(struct nl_conf *c, enum rdd_state st, int line,
    const char *fmt, ...) RDD_PRINTF(4, 5);

static void
nl_note(struct nl_conf *c, enum rdd_state st, int line, const char *fmt, ...)
{
	struct nl_note *v;
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((v = realloc(c->notes, (c->nnotes + 1) * sizeof(*v))) == NULL)
		return;
	c->notes = v;
	v[c->nnotes].st = st;
	v[c->nnotes].line = line;
	if ((v[c->nnotes].msg = strdup(buf)) != NULL)
		c->nnotes++;
}

static void
nl_strv_free(struct nl_strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

static int
nl_str(struct nl_conf *c, const char *file, const struct toml_value *v,
    const char *what, char **out)
{
	const char *s = toml_string(v, NULL);

	if (s == NULL) {
		nl_note(c, RDD_CRITICAL, v->line,
		    "%s:%d: %s: expected a string, found %s: quote the value",
		    file, v->line, what, toml_kind_name(v));
		return -1;
	}
	free(*out);
	*out = strdup(s);
	return 0;
}

static int
nl_strlist(struct nl_conf *c, const char *file, const struct toml_value *v,
    const char *what, struct nl_strv *out)
{
	size_t i, n;
	const char *s;

	/* A single string is accepted as a one-element list. */
	if (v->kind == TOML_STRING) {
		nl_strv_free(out);
		if ((out->v = calloc(1, sizeof(char *))) == NULL)
			return -1;
		if ((out->v[0] = strdup(toml_string(v, NULL))) != NULL)
			out->n = 1;
		return 0;
	}
	if (v->kind != TOML_ARRAY) {
		nl_note(c, RDD_CRITICAL, v->line,
		    "%s:%d: %s: expected an array of strings, found %s", file,
		    v->line, what, toml_kind_name(v));
		return -1;
	}
	n = toml_array_len(v);
	for (i = 0; i < n; i++) {
		if (toml_string(toml_array_at(v, i), NULL) == NULL) {
			nl_note(c, RDD_CRITICAL, v->line,
			    "%s:%d: %s: element %zu is not a string", file,
			    v->line, what, i + 1);
			return -1;
		}
	}
	nl_strv_free(out);
	if (n == 0 || (out->v = calloc(n, sizeof(char *))) == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		s = toml_string(toml_array_at(v, i), NULL);
		if ((out->v[out->n] = strdup(s)) != NULL)
			out->n++;
	}
	return 0;
}

/* The function properties of one table into sect. */
static void
nl_sect_fill(struct nl_conf *c, const char *file, struct nl_fsect *sect,
    const struct toml_value *tab, int global)
{
	const struct toml_value *v;
	const char *k;
	char what[300];
	size_t i;

	for (i = 0; i < toml_table_len(tab); i++) {
		k = toml_table_key_at(tab, i, NULL);
		v = toml_table_value_at(tab, i);
		snprintf(what, sizeof(what), "functions%s%s%s.%s",
		    sect->pattern ? ".\"" : "",
		    sect->pattern ? sect->pattern : "",
		    sect->pattern ? "\"" : "", k);
		if (global && strcmp(k, "directory") == 0)
			continue;
		if (strcmp(k, "node_bundler") == 0) {
			if (nl_str(c, file, v, what, &sect->node_bundler) ==
			        0 &&
			    !nl_in(sect->node_bundler, nl_bundlers)) {
				nl_note(c, RDD_CRITICAL, v->line,
				    "%s:%d: %s: unknown bundler \"%s\": use "
				    "esbuild, zisi, nft or none",
				    file, v->line, what, sect->node_bundler);
				free(sect->node_bundler);
				sect->node_bundler = NULL;
			}
		} else if (strcmp(k, "schedule") == 0) {
			nl_str(c, file, v, what, &sect->schedule);
		} else if (strcmp(k, "included_files") == 0) {
			nl_strlist(c, file, v, what, &sect->included_files);
		} else if (strcmp(k, "external_node_modules") == 0) {
			nl_strlist(
			    c, file, v, what, &sect->external_node_modules);
		} else if (strcmp(k, "ignored_node_modules") == 0) {
			nl_strlist(
			    c, file, v, what, &sect->ignored_node_modules);
		} else if (nl_in(k, nl_fn_keys)) {
			/* Known to Netlify, no meaning for the monitor. */
		} else if (!global || v->kind != TOML_TABLE) {
			nl_note(c, RDD_WARNING, v->line,
			    "%s:%d: %s: unknown function property: Netlify "
			    "ignores it (known: node_bundler, included_files, "
			    "external_node_modules, ignored_node_modules, "
			    "schedule, ...)",
			    file, v->line, what);
		}
	}
}

static struct nl_fsect *
nl_sect_new(struct nl_conf *c, const char *pattern, int line)
{
	struct nl_fsect *v;

	if ((v = realloc(c->sect, (c->nsect + 1) * sizeof(*v))) == NULL)
		return NULL;
	c->sect = v;
	v += c->nsect;
	memset(v, 0, sizeof(*v));
	v->line = line;
	if (pattern != NULL && (v->pattern = strdup(pattern)) == NULL)
		return NULL;
	c->nsect++;
	return v;
}

static void
nl_conf_functions(
    struct nl_conf *c, const char *file, const struct toml_value *fn)
{
	const struct toml_value *v;
	struct nl_fsect *g;
	const char *k;
	size_t i;

	if (fn->kind != TOML_TABLE) {
		nl_note(c, RDD_CRITICAL, fn->line,
		    "%s:%d: functions: expected a table [functions], found %s",
		    file, fn->line, toml_kind_name(fn));
		return;
	}
	if ((g = nl_sect_new(c, NULL, fn->line)) == NULL)
		return;
	nl_sect_fill(c, file, g, fn, 1);
	for (i = 0; i < toml_table_len(fn); i++) {
		k = toml_table_key_at(fn, i, NULL);
		v = toml_table_value_at(fn, i);
		if (v->kind != TOML_TABLE || nl_in(k, nl_fn_keys))
			continue;
		if ((g = nl_sect_new(c, k, v->line)) == NULL)
			return;
		nl_sect_fill(c, file, g, v, 0);
	}
}

static void
nl_conf_redirects(
    struct nl_conf *c, const char *file, const struct toml_value *rds)
{
	const struct toml_value *r, *from, *to;
	struct nl_redirect *v, *d;
	const char *t, *p = "/.netlify/functions/";
	size_t i, n;

	if (rds->kind != TOML_ARRAY) {
		nl_note(c, RDD_CRITICAL, rds->line,
		    "%s:%d: redirects: expected [[redirects]] tables, found %s",
		    file, rds->line, toml_kind_name(rds));
		return;
	}
	for (i = 0; i < toml_array_len(rds); i++) {
		r = toml_array_at(rds, i);
		if (r->kind != TOML_TABLE) {
			nl_note(c, RDD_CRITICAL, r->line,
			    "%s:%d: redirects: element %zu is not a table",
			    file, r->line, i + 1);
			continue;
		}
		from = toml_get(r, "from");
		to = toml_get(r, "to");
		if (toml_string(from, NULL) == NULL ||
		    toml_string(to, NULL) == NULL) {
			nl_note(c, RDD_CRITICAL, r->line,
			    "%s:%d: [[redirects]] needs string keys `from` and "
			    "`to`: add them",
			    file, r->line);
			continue;
		}
		if ((v = realloc(c->rd, (c->nrd + 1) * sizeof(*v))) == NULL)
			return;
		c->rd = v;
		d = &v[c->nrd++];
		memset(d, 0, sizeof(*d));
		d->line = to->line;
		d->from = strdup(toml_string(from, NULL));
		d->to = strdup(t = toml_string(to, NULL));
		/* An absolute URL to this site's own functions counts too. */
		if (strncmp(t, "http", 4) == 0 && strstr(t, p) != NULL)
			t = strstr(t, p);
		if (strncmp(t, p, strlen(p)) != 0)
			continue;
		t += strlen(p);
		n = strcspn(t, "/?#");
		/* :splat and other placeholders are resolved at request time.
		 */
		if (n == 0 || t[0] == ':' || memchr(t, '*', n) != NULL)
			continue;
		d->fn = strndup(t, n);
	}
}

static int
nl_line_of(const char *err)
{
	const char *p = strchr(err, ':');

	return p != NULL ? atoi(p + 1) : 0;
}

int
nl_conf_parse(struct nl_conf *c, const char *src, size_t len, const char *name)
{
	const struct toml_value *root, *b, *v, *fn, *dir = NULL, *legacy = NULL;
	struct toml_doc *doc;
	char err[512], *pub, *fd, *junk = NULL;
	const char *k;
	size_t i, pl;

	memset(c, 0, sizeof(*c));
	c->ok = 1;
	c->origin = "default";
	if (src == NULL)
		goto defaults;
	c->present = 1;
	if ((doc = toml_parse(src, len, name, err, sizeof(err))) == NULL) {
		c->ok = 0;
		nl_note(c, RDD_CRITICAL, nl_line_of(err),
		    "%s: Netlify's config loader rejects the file too, so "
		    "the build will fail: fix the syntax",
		    err);
		goto defaults;
	}
	/* Netlify accepts these; they matter to TOML 1.0 or older loaders. */
	for (i = 0; i < doc->nwarnings; i++)
		nl_note(c, RDD_WARNING, nl_line_of(doc->warnings[i]), "%s",
		    doc->warnings[i]);
	if (doc->nwarnings_total > doc->nwarnings)
		nl_note(c, RDD_WARNING, 0,
		    "%s: %zu more warnings of the same kinds", name,
		    doc->nwarnings_total - doc->nwarnings);
	root = doc->root;
	for (i = 0; i < toml_table_len(root); i++) {
		k = toml_table_key_at(root, i, NULL);
		v = toml_table_value_at(root, i);
		if (!nl_in(k, nl_top_keys))
			nl_note(c, RDD_WARNING, v->line,
			    "%s:%d: unknown top-level key `%s`: Netlify "
			    "ignores "
			    "it (misspelt section?)",
			    name, v->line, k);
	}
	if ((b = toml_get(root, "build")) != NULL) {
		if (b->kind != TOML_TABLE)
			nl_note(c, RDD_CRITICAL, b->line,
			    "%s:%d: build: expected a table [build]", name,
			    b->line);
		if ((legacy = toml_get(b, "functions")) != NULL &&
		    toml_string(legacy, NULL) == NULL) {
			nl_str(c, name, legacy, "build.functions", &junk);
			legacy = NULL;
		}
		if ((v = toml_get(b, "publish")) != NULL)
			nl_str(c, name, v, "build.publish", &c->publish);
	}
	if ((fn = toml_get(root, "functions")) != NULL) {
		nl_conf_functions(c, name, fn);
		if ((dir = toml_get(fn, "directory")) != NULL &&
		    toml_string(dir, NULL) == NULL) {
			nl_str(c, name, dir, "functions.directory", &junk);
			dir = NULL;
		}
	}
	if (dir != NULL) {
		c->functions_dir = strdup(toml_string(dir, NULL));
		c->origin = "[functions] directory";
		c->functions_line = dir->line;
		if (legacy != NULL)
			nl_note(c, RDD_WARNING, legacy->line,
			    "%s:%d: [build] functions is ignored: [functions] "
			    "directory (line %d) wins: remove the legacy key",
			    name, legacy->line, dir->line);
	} else if (legacy != NULL) {
		c->functions_dir = strdup(toml_string(legacy, NULL));
		c->origin = "[build] functions";
		c->functions_line = legacy->line;
		nl_note(c, RDD_WARNING, legacy->line,
		    "%s:%d: [build] functions is the legacy key: move it to "
		    "[functions] directory = \"%s\"",
		    name, legacy->line, c->functions_dir);
	}
	if ((v = toml_get(root, "redirects")) != NULL)
		nl_conf_redirects(c, name, v);
	toml_free(doc);

	/* Functions under the publish directory would be served as files. */
	if (c->publish != NULL && c->functions_dir != NULL) {
		pub = strdup(c->publish);
		fd = strdup(c->functions_dir);
		if (pub != NULL && fd != NULL) {
			pl = strlen(pub);
			while (pl > 1 && pub[pl - 1] == '/')
				pub[--pl] = '\0';
			if (strcmp(pub, ".") != 0 &&
			    strncmp(fd, pub, pl) == 0 &&
			    (fd[pl] == '/' || fd[pl] == '\0'))
				nl_note(c, RDD_WARNING, c->functions_line,
				    "%s:%d: functions directory \"%s\" is "
				    "inside "
				    "the publish directory \"%s\": its sources "
				    "would be published: move it out",
				    name, c->functions_line, c->functions_dir,
				    c->publish);
		}
		free(pub);
		free(fd);
	}
defaults:
	if (c->functions_dir == NULL)
		c->functions_dir = strdup(NL_DEFAULT_FUNCTIONS);
	return c->ok ? 0 : -1;
}

int
nl_conf_load(struct nl_conf *c, const char *site)
{
	char *path, *src;
	size_t len;
	int rc;

	if ((path = nl_join(site, "netlify.toml")) == NULL)
		return nl_conf_parse(c, NULL, 0, "netlify.toml");
	/* One byte over the limit tells a cut from a file that fits. */
	src = nl_read_file(path, NL_TOML_MAX + 1, &len);
	free(path);
	if (src != NULL && len > NL_TOML_MAX) {
		free(src);
		rc = nl_conf_parse(c, NULL, 0, "netlify.toml");
		c->present = 1;
		c->ok = 0;
		nl_note(c, RDD_CRITICAL, 0, "netlify.toml: file too large: over "
		    "%u MiB, more than any site needs and more than this "
		    "monitor reads: move generated redirects into a _redirects "
		    "file", NL_TOML_MAX >> 20);
		return -1;
	}
	if (src == NULL && errno != ENOENT) {
		rc = nl_conf_parse(c, NULL, 0, "netlify.toml");
		c->present = 1;
		c->ok = 0;
		nl_note(c, RDD_CRITICAL, 0, "netlify.toml: cannot read: %s",
		    strerror(errno));
		return -1;
	}
	rc = nl_conf_parse(c, src, len, "netlify.toml");
	free(src);
	return rc;
}

void
nl_conf_free(struct nl_conf *c)
{
	size_t i;

	for (i = 0; i < c->nsect; i++) {
		free(c->sect[i].pattern);
		free(c->sect[i].node_bundler);
		free(c->sect[i].schedule);
		nl_strv_free(&c->sect[i].included_files);
		nl_strv_free(&c->sect[i].external_node_modules);
		nl_strv_free(&c->sect[i].ignored_node_modules);
	}
	free(c->sect);
	for (i = 0; i < c->nrd; i++) {
		free(c->rd[i].from);
		free(c->rd[i].to);
		free(c->rd[i].fn);
	}
	free(c->rd);
	for (i = 0; i < c->nnotes; i++)
		free(c->notes[i].msg);
	free(c->notes);
	free(c->functions_dir);
	free(c->publish);
	memset(c, 0, sizeof(*c));
}

/* Later sections win, as @netlify/config merges them in order. */
static const struct nl_fsect *
nl_conf_pick(const struct nl_conf *c, const char *name, size_t field)
{
	const struct nl_fsect *best = NULL;
	size_t i;

	for (i = 0; i < c->nsect; i++) {
		const struct nl_fsect *s = &c->sect[i];

		if (*(char *const *)((const char *)s + field) == NULL)
			continue;
		if (s->pattern == NULL || fnmatch(s->pattern, name, 0) == 0)
			best = s;
	}
	return best;
}

const char *
nl_conf_bundler(const struct nl_conf *c, const char *name)
{
	const struct nl_fsect *s =
	    nl_conf_pick(c, name, offsetof(struct nl_fsect, node_bundler));

	return s != NULL ? s->node_bundler : NULL;
}

const char *
nl_conf_schedule(const struct nl_conf *c, const char *name)
{
	const struct nl_fsect *s =
	    nl_conf_pick(c, name, offsetof(struct nl_fsect, schedule));

	return s != NULL ? s->schedule : NULL;
}

/* ---- discovery ---- */

int
nl_name_ok(const char *name)
{
	const char *p;

	if (*name == '\0')
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		        (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	}
	return 1;
}

static int
nl_ext_rank(const char *fname, const char **extp)
{
	const char *dot = strrchr(fname, '.');
	int i;

	if (dot == NULL || dot == fname)
		return -1;
	for (i = 0; nl_exts[i] != NULL; i++) {
		if (strcmp(dot, nl_exts[i]) == 0) {
			*extp = nl_exts[i];
			return i;
		}
	}
	return -1;
}

static void
nl_walk(const char *dir, int depth, int *budget, int64_t *size, int64_t *newest)
{
	struct dirent *de;
	struct stat sb;
	char path[4096];
	DIR *d;

	if (depth > NL_WALK_DEPTH || (d = opendir(dir)) == NULL)
		return;
	while (*budget > 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "node_modules") == 0)
			continue;
		(*budget)--;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		        de->d_name) >= sizeof(path) ||
		    lstat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			nl_walk(path, depth + 1, budget, size, newest);
		} else if (S_ISREG(sb.st_mode)) {
			*size += sb.st_size;
			if ((int64_t)sb.st_mtime * 1000 +
			        sb.st_mtim.tv_nsec / 1000000 >
			    *newest)
				*newest = (int64_t)sb.st_mtime * 1000 +
				          sb.st_mtim.tv_nsec / 1000000;
		}
	}
	closedir(d);
}

static struct nl_func *
nl_site_add(struct nl_site *s)
{
	struct nl_func *v;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;

		if ((v = realloc(s->f, cap * sizeof(*v))) == NULL)
			return NULL;
		s->f = v;
		s->cap = cap;
	}
	v = &s->f[s->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

static void
nl_func_free(struct nl_func *f)
{
	free(f->name);
	free(f->path);
	free(f->main);
	free(f->rel);
	free(f->msg);
	free(f->cfg);
}

struct nl_found {
	char *name;
	char *fname;
	const char *ext;
	int rank; /* extension precedence, or 100 for a directory */
};

static int
nl_found_cmp(const void *a, const void *b)
{
	const struct nl_found *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	/* Directories first, then the extension precedence. */
	return (y->rank == 100) - (x->rank == 100) != 0
	           ? (y->rank == 100) - (x->rank == 100)
	           : x->rank - y->rank;
}

static int
nl_func_fill(struct nl_site *s, struct nl_func *f, const struct nl_found *fd)
{
	char *rel_main, tmp[4096];
	struct stat sb;
	size_t i, sl;
	int budget = NL_WALK_MAX;

	if ((f->name = strdup(fd->name)) == NULL ||
	    (f->path = nl_join(s->fdir, fd->fname)) == NULL)
		return -1;
	f->st = RDD_OK;
	if (fd->rank == 100) {
		f->is_dir = 1;
		for (i = 0; nl_dir_entries[i] != NULL; i++) {
			snprintf(
			    tmp, sizeof(tmp), nl_dir_entries[i], fd->fname);
			if ((rel_main = nl_join(f->path, tmp)) == NULL)
				return -1;
			if (stat(rel_main, &sb) == 0 && S_ISREG(sb.st_mode)) {
				f->main = rel_main;
				break;
			}
			free(rel_main);
		}
		if (f->main == NULL)
			return 1; /* not a function: zisi skips it */
		f->ext = strrchr(f->main, '.');
		nl_walk(f->path, 0, &budget, &f->size, &f->newest_ms);
	} else {
		if ((f->main = strdup(f->path)) == NULL)
			return -1;
		f->ext = fd->ext;
		if (stat(f->main, &sb) == 0) {
			f->size = sb.st_size;
			f->newest_ms = (int64_t)sb.st_mtime * 1000 +
			               sb.st_mtim.tv_nsec / 1000000;
		}
	}
	if (stat(f->main, &sb) == 0)
		f->mtime_ns =
		    (int64_t)sb.st_mtime * 1000000000 + sb.st_mtim.tv_nsec;
	sl = strlen(s->site);
	if (strncmp(f->main, s->site, sl) == 0 && f->main[sl] == '/')
		f->rel = strdup(f->main + sl + 1);
	else
		f->rel = strdup(f->main);
	return f->rel != NULL ? 0 : -1;
}

int
nl_discover(struct nl_site *s, const char *site, const char *fdir_rel,
    char *err, size_t errlen)
{
	struct nl_found *fv = NULL, *nv;
	size_t nf = 0, cap = 0, i, j;
	struct dirent *de;
	struct stat sb;
	char path[4096];
	const char *ext;
	int rank, rc = -1;
	DIR *d;

	memset(s, 0, sizeof(*s));
	if ((s->site = strdup(site)) == NULL ||
	    (s->fdir_rel = strdup(fdir_rel)) == NULL ||
	    (s->fdir = nl_join(site, fdir_rel)) == NULL)
		goto nomem;
	if ((d = opendir(s->fdir)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		snprintf(err, errlen, "%s: cannot list: %s", s->fdir,
		    strerror(errno));
		return -1;
	}
	s->fdir_exists = 1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' &&
		    (de->d_name[1] == '\0' ||
		        (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if (strcmp(de->d_name, "node_modules") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->fdir, de->d_name);
		if (stat(path, &sb) != 0)
			continue;
		ext = "";
		if (S_ISDIR(sb.st_mode))
			rank = 100;
		else if (!S_ISREG(sb.st_mode) ||
		         (rank = nl_ext_rank(de->d_name, &ext)) < 0)
			continue;
		if (nf == cap) {
			cap = cap ? cap * 2 : 32;
			if ((nv = realloc(fv, cap * sizeof(*nv))) == NULL) {
				closedir(d);
				goto nomem_fv;
			}
			fv = nv;
		}
		fv[nf].fname = strdup(de->d_name);
		fv[nf].name =
		    rank == 100
		        ? strdup(de->d_name)
		        : strndup(de->d_name, strlen(de->d_name) - strlen(ext));
		fv[nf].ext = ext;
		fv[nf].rank = rank;
		if (fv[nf].fname == NULL || fv[nf].name == NULL) {
			free(fv[nf].fname);
			free(fv[nf].name);
			closedir(d);
			goto nomem_fv;
		}
		nf++;
	}
	closedir(d);
	if (nf > 0)
		qsort(fv, nf, sizeof(*fv), nl_found_cmp);
	for (i = 0; i < nf; i = j) {
		struct nl_func *f;
		int r = 1;

		/* The first of a name wins; the others are shadowed. */
		for (j = i; j < nf && strcmp(fv[j].name, fv[i].name) == 0; j++)
			;
		for (; i < j; i++) {
			if ((f = nl_site_add(s)) == NULL)
				goto nomem_fv;
			if ((r = nl_func_fill(s, f, &fv[i])) < 0) {
				nl_func_free(f);
				s->n--;
				goto nomem_fv;
			}
			if (r == 0)
				break;
			nl_func_free(f);
			s->n--;
		}
		for (i++; r == 0 && i < j; i++)
			nl_msg_add(&f->msg, &f->st, RDD_WARNING,
			    "%s/%s is ignored: %s takes precedence (Netlify "
			    "bundles one entry per name): remove one",
			    fdir_rel, fv[i].fname, f->rel);
	}
	rc = 0;
nomem_fv:
	for (i = 0; i < nf; i++) {
		free(fv[i].name);
		free(fv[i].fname);
	}
	free(fv);
	if (rc == 0)
		return 0;
nomem:
	snprintf(err, errlen, "out of memory listing functions");
	nl_site_free(s);
	return -1;
}

void
nl_site_free(struct nl_site *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		nl_func_free(&s->f[i]);
	free(s->f);
	free(s->site);
	free(s->fdir);
	free(s->fdir_rel);
	memset(s, 0, sizeof(*s));
}

struct nl_func *
nl_site_find(const struct nl_site *s, const char *name)
{
	size_t lo = 0, hi = s->n, mid;
	int c;

	/* Discovery sorts by name. */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(name, s->f[mid].name);
		if (c == 0)
			return &s->f[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ---- the JavaScript scan ---- */

enum nl_tk { TK_ID, TK_STR, TK_PUNCT };

struct nl_tok {
	enum nl_tk k;
	const char *s;
	size_t n;
};

struct nl_lex {
	const char *p, *end;
	int prev_regex_ok; /* a '/' here starts a regex */
	int tpl[32];       /* brace depth at each open ${ */
	int ntpl;
	int depth;
};

static int
nl_idch(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

/* Scan template text up to '`' or "${"; returns after it. */
static void
nl_lex_tpl(struct nl_lex *L)
{
	while (L->p < L->end) {
		if (*L->p == '\\') {
			L->p += 2;
			continue;
		}
		if (*L->p == '`') {
			L->p++;
			return;
		}
		if (*L->p == '$' && L->p + 1 < L->end && L->p[1] == '{') {
			L->p += 2;
			if (L->ntpl < 32)
				L->tpl[L->ntpl++] = L->depth;
			L->depth++;
			return;
		}
		L->p++;
	}
}

static int
nl_lex(struct nl_lex *L, struct nl_tok *t)
{
	const char *p;
	char q;

	for (;;) {
		while (L->p < L->end && (*L->p == ' ' || *L->p == '\t' ||
		                            *L->p == '\n' || *L->p == '\r'))
			L->p++;
		if (L->p >= L->end)
			return 0;
		p = L->p;
		if (p[0] == '/' && p + 1 < L->end && p[1] == '/') {
			while (L->p < L->end && *L->p != '\n')
				L->p++;
			continue;
		}
		if (p[0] == '/' && p + 1 < L->end && p[1] == '*') {
			L->p += 2;
			while (L->p + 1 < L->end &&
			       !(L->p[0] == '*' && L->p[1] == '/'))
				L->p++;
			L->p = L->p + 2 <= L->end ? L->p + 2 : L->end;
			continue;
		}
		if (p[0] == '#' && p == L->p && p + 1 < L->end && p[1] == '!') {
			while (L->p < L->end && *L->p != '\n')
				L->p++;
			continue;
		}
		break;
	}
	if (nl_idch((unsigned char)*p)) {
		while (L->p < L->end && nl_idch((unsigned char)*L->p))
			L->p++;
		t->k = TK_ID;
		t->s = p;
		t->n = (size_t)(L->p - p);
		/* After a keyword like return, '/' starts a regex. */
		L->prev_regex_ok = (t->n == 6 && memcmp(p, "return", 6) == 0) ||
		                   (t->n == 6 && memcmp(p, "typeof", 6) == 0) ||
		                   (t->n == 4 && memcmp(p, "case", 4) == 0) ||
		                   (t->n == 5 && memcmp(p, "throw", 5) == 0) ||
		                   (t->n == 5 && memcmp(p, "yield", 5) == 0) ||
		                   (t->n == 5 && memcmp(p, "await", 5) == 0);
		return 1;
	}
	if (*p == '"' || *p == '\'') {
		q = *p;
		L->p++;
		while (L->p < L->end && *L->p != q && *L->p != '\n') {
			if (*L->p == '\\')
				L->p++;
			L->p++;
		}
		t->k = TK_STR;
		t->s = p + 1;
		t->n = (size_t)((L->p < L->end ? L->p : L->end) - (p + 1));
		if (L->p < L->end)
			L->p++;
		L->prev_regex_ok = 0;
		return 1;
	}
	if (*p == '`') {
		L->p++;
		nl_lex_tpl(L);
		t->k = TK_STR;
		t->s = p;
		t->n = 0;
		L->prev_regex_ok = 0;
		return 1;
	}
	if (*p == '/' && L->prev_regex_ok) {
		int cls = 0;

		L->p++;
		while (L->p < L->end && *L->p != '\n') {
			if (*L->p == '\\') {
				L->p += 2;
				continue;
			}
			if (*L->p == '[')
				cls = 1;
			else if (*L->p == ']')
				cls = 0;
			else if (*L->p == '/' && !cls)
				break;
			L->p++;
		}
		if (L->p < L->end)
			L->p++;
		while (L->p < L->end && nl_idch((unsigned char)*L->p))
			L->p++;
		t->k = TK_STR;
		t->s = p;
		t->n = 0;
		L->prev_regex_ok = 0;
		return 1;
	}
	L->p++;
	t->k = TK_PUNCT;
	t->s = p;
	t->n = 1;
	if (*p == '{') {
		L->depth++;
	} else if (*p == '}') {
		L->depth--;
		if (L->ntpl > 0 && L->tpl[L->ntpl - 1] == L->depth) {
			L->ntpl--;
			nl_lex_tpl(L);
			t->k = TK_STR;
			t->n = 0;
			L->prev_regex_ok = 0;
			return 1;
		}
	}
	L->prev_regex_ok = !(*p == ')' || *p == ']' || *p == '}');
	return 1;
}

static int
nl_is(const struct nl_tok *t, const char *s)
{
	size_t n = strlen(s);

	return (t->k == TK_ID || t->k == TK_STR) && t->n == n &&
	       memcmp(t->s, s, n) == 0;
}

static int
nl_punct(const struct nl_tok *t, char c)
{
	return t->k == TK_PUNCT && t->s[0] == c;
}

#define NL_WIN 8

/* Config keys the manifest uses; others are skipped whatever they hold. */
enum nl_ck {
	CK_OTHER,
	CK_PATH,
	CK_EXCLUDED,
	CK_METHOD,
	CK_SCHEDULE,
	CK_PREFER_STATIC,
	CK_BACKGROUND
};

/* The config reader's state between tokens. */
struct nl_cfgscan {
	int depth; /* brace depth of the object's body, -1 when not in it */
	int state; /* 0 key, 1 ':', 2 value, 3 in a [list], 4 ',' or '}' */
	enum nl_ck key;
	int nest; /* '(' and '[' open inside a skipped value */
};

static enum nl_ck
nl_cfg_key(const struct nl_tok *t)
{
	if (nl_is(t, "path"))
		return CK_PATH;
	if (nl_is(t, "excludedPath"))
		return CK_EXCLUDED;
	if (nl_is(t, "method"))
		return CK_METHOD;
	if (nl_is(t, "schedule"))
		return CK_SCHEDULE;
	if (nl_is(t, "preferStatic"))
		return CK_PREFER_STATIC;
	if (nl_is(t, "background"))
		return CK_BACKGROUND;
	return CK_OTHER;
}

/*
 * One string literal of the config into c; anything JavaScript would have
 * to compute (escapes, templates, too long, too many) makes it unreadable.
 */
static void
nl_cfg_str(struct nl_js_cfg *c, enum nl_ck key, const struct nl_tok *t)
{
	char *dst = NULL;
	size_t i;

	if (t->k != TK_STR || t->n == 0 || t->n >= NL_CFG_STR ||
	    memchr(t->s, '\\', t->n) != NULL) {
		if (key != CK_OTHER)
			c->unreadable = 1;
		return;
	}
	switch (key) {
	case CK_PATH:
		if (c->npath < NL_CFG_PATHS)
			dst = c->path[c->npath++];
		break;
	case CK_EXCLUDED:
		if (c->nexcluded < NL_CFG_PATHS)
			dst = c->excluded[c->nexcluded++];
		break;
	case CK_SCHEDULE:
		dst = c->schedule;
		break;
	case CK_METHOD:
		if (t->n < 8 && c->nmethod < NL_CFG_METHODS)
			dst = c->method[c->nmethod++];
		break;
	default:
		return;
	}
	if (dst == NULL) {
		c->unreadable = 1;
		return;
	}
	memcpy(dst, t->s, t->n);
	dst[t->n] = '\0';
	if (key == CK_METHOD)
		for (i = 0; dst[i] != '\0'; i++)
			if (dst[i] >= 'a' && dst[i] <= 'z')
				dst[i] = (char)(dst[i] - 'a' + 'A');
}

/*
 * Feeds one token of `export const config = { ... }` to the reader; depth
 * is the lexer's brace depth after the token.
 */
static void
nl_cfg_tok(struct nl_cfgscan *S, struct nl_js_cfg *c, const struct nl_tok *t,
    int depth)
{
	switch (S->state) {
	case 0: /* a key, or the end */
		if (nl_punct(t, '}') && depth < S->depth) {
			c->found = 1;
			S->depth = -1;
		} else if (t->k == TK_ID || t->k == TK_STR) {
			S->key = nl_cfg_key(t);
			S->state = 1;
		} else {
			c->unreadable = 1; /* ...spread, [computed] */
			S->key = CK_OTHER;
			S->state = 4;
			S->nest = 0;
		}
		return;
	case 1:
		if (nl_punct(t, ':')) {
			S->state = 2;
			return;
		}
		/* Shorthand `{ path }` or a method `schedule() {}`. */
		if (S->key != CK_OTHER)
			c->unreadable = 1;
		S->state = 4;
		S->nest = 0;
		nl_cfg_tok(S, c, t, depth);
		return;
	case 2:
		S->state = 4;
		S->nest = 0;
		if (nl_punct(t, '[') &&
		    (S->key == CK_PATH || S->key == CK_EXCLUDED ||
		        S->key == CK_METHOD)) {
			S->state = 3;
			return;
		}
		if (t->k == TK_STR) {
			nl_cfg_str(c, S->key, t);
			return;
		}
		if (S->key == CK_PREFER_STATIC || S->key == CK_BACKGROUND) {
			if (nl_is(t, "true") || nl_is(t, "false")) {
				if (S->key == CK_PREFER_STATIC)
					c->prefer_static = nl_is(t, "true");
				else
					c->background = nl_is(t, "true");
				return;
			}
		}
		if (S->key != CK_OTHER)
			c->unreadable = 1;
		nl_cfg_tok(S, c, t, depth); /* skip it in state 4 */
		return;
	case 3: /* [ "a", "b" ] */
		if (nl_punct(t, ']'))
			S->state = 4;
		else if (!nl_punct(t, ','))
			nl_cfg_str(c, S->key, t);
		return;
	default: /* the rest of a value, up to ',' or '}' of the object */
		if (depth > S->depth)
			return; /* inside a nested { } */
		if (nl_punct(t, '(') || nl_punct(t, '['))
			S->nest++;
		else if ((nl_punct(t, ')') || nl_punct(t, ']')) && S->nest > 0)
			S->nest--;
		else if (S->nest == 0 && nl_punct(t, ','))
			S->state = 0;
		else if (nl_punct(t, '}') && depth < S->depth) {
			c->found = 1;
			S->depth = -1;
		}
		return;
	}
}

void
nl_js_scan(const char *src, size_t len, struct nl_js *out)
{
	struct nl_tok w[NL_WIN]; /* w[0] is the newest token */
	struct nl_lex L;
	struct nl_tok t;
	size_t have = 0;
	int obj_depth = -1, obj_found = 0, list = 0;
	struct nl_cfgscan cs = {-1, 0, CK_OTHER, 0};

	memset(out, 0, sizeof(*out));
	memset(&L, 0, sizeof(L));
	memset(w, 0, sizeof(w));
	L.p = src;
	L.end = src + len;
	L.prev_regex_ok = 1;
	while (nl_lex(&L, &t)) {
		memmove(w + 1, w, (NL_WIN - 1) * sizeof(w[0]));
		w[0] = t;
		if (have < NL_WIN)
			have++;
		/* Reading the object literal of `export const config = {`. */
		if (cs.depth >= 0) {
			nl_cfg_tok(&cs, &out->cfg, &t, L.depth);
			continue;
		}
		if (have >= 5 && nl_punct(&w[1], '=') &&
		    nl_is(&w[2], "config") && w[2].k == TK_ID &&
		    (nl_is(&w[3], "const") || nl_is(&w[3], "let") ||
		        nl_is(&w[3], "var")) &&
		    nl_is(&w[4], "export") && !out->cfg.found) {
			memset(&out->cfg, 0, sizeof(out->cfg));
			if (nl_punct(&t, '{')) {
				cs.depth = L.depth;
				cs.state = 0;
			} else {
				/* Computed: only the bundler can read it. */
				out->cfg.found = out->cfg.unreadable = 1;
			}
		}
		/* Scanning the object literal of `module.exports = {`. */
		if (obj_depth >= 0) {
			if ((nl_is(&t, "handler")) && L.depth == obj_depth + 1)
				obj_found = 1;
			if (nl_punct(&t, '}') && L.depth == obj_depth) {
				if (obj_found)
					out->handler = 1;
				else
					out->mexports_obj_nohandler = 1;
				obj_depth = -1;
			}
			continue;
		}
		/* Inside export { a, b as handler }: at ',' or '}' the token
		 * before is the exported name. */
		if (list) {
			if ((nl_punct(&t, ',') || nl_punct(&t, '}')) &&
			    (w[1].k == TK_ID || w[1].k == TK_STR)) {
				if (nl_is(&w[1], "handler"))
					out->handler = 1;
				else if (nl_is(&w[1], "default"))
					out->dflt = 1;
			}
			if (nl_punct(&t, '}'))
				list = 0;
			continue;
		}
		if (have < 2)
			continue;
		/* export ... (not obj.export) */
		if (nl_is(&w[1], "export") &&
		    !(have >= 3 && nl_punct(&w[2], '.'))) {
			out->esm = 1;
			if (nl_is(&t, "default"))
				out->dflt = 1;
			else if (nl_punct(&t, '{'))
				list = 1;
		}
		/* export * from "./x.mjs": followed one level by the caller */
		if (have >= 4 && nl_is(&w[3], "export") && nl_punct(&w[2], '*') &&
		    nl_is(&w[1], "from") && t.k == TK_STR && t.n > 0 &&
		    t.n < sizeof(out->star_from) && t.s[0] == '.' &&
		    out->star_from[0] == '\0') {
			memcpy(out->star_from, t.s, t.n);
			out->star_from[t.n] = '\0';
		}
		/* export const|let|var|function|class handler */
		if (have >= 3 && nl_is(&w[2], "export") &&
		    nl_is(&t, "handler") &&
		    (nl_is(&w[1], "const") || nl_is(&w[1], "let") ||
		        nl_is(&w[1], "var") || nl_is(&w[1], "function") ||
		        nl_is(&w[1], "class")))
			out->handler = 1;
		/* export async function handler, export function* handler */
		if (have >= 4 && nl_is(&w[3], "export") &&
		    nl_is(&t, "handler") &&
		    (nl_is(&w[1], "function") || nl_punct(&w[1], '*')) &&
		    (nl_is(&w[2], "async") || nl_is(&w[2], "function")))
			out->handler = 1;
		/* import x from / import {..} / import "x" / import.meta */
		if (nl_is(&w[1], "import") && w[1].k == TK_ID &&
		    !(have >= 3 && nl_punct(&w[2], '.')) && !nl_punct(&t, '('))
			out->esm = 1;
		/* exports.handler, module.exports.handler */
		if (have >= 3 && nl_is(&w[2], "exports") && w[2].k == TK_ID &&
		    nl_punct(&w[1], '.') && nl_is(&t, "handler") &&
		    t.k == TK_ID)
			out->handler = 1;
		/* exports["handler"] */
		if (have >= 3 && nl_is(&w[2], "exports") && w[2].k == TK_ID &&
		    nl_punct(&w[1], '[') && t.k == TK_STR &&
		    nl_is(&t, "handler"))
			out->handler = 1;
		/* Object.defineProperty(exports, "handler" */
		if (have >= 3 && nl_is(&w[2], "exports") &&
		    nl_punct(&w[1], ',') && t.k == TK_STR &&
		    nl_is(&t, "handler"))
			out->handler = 1;
		/* module.exports = X */
		if (have >= 5 && nl_is(&w[4], "module") &&
		    nl_punct(&w[3], '.') && nl_is(&w[2], "exports") &&
		    nl_punct(&w[1], '=') && !nl_punct(&t, '=')) {
			out->mexports = 1;
			if (nl_punct(&t, '{')) {
				obj_depth = L.depth - 1;
				obj_found = 0;
			} else {
				/* A function or a required module: cannot tell.
				 */
				out->handler = 1;
			}
		}
	}
	if (cs.depth >= 0) /* the file ends inside the object */
		out->cfg.found = out->cfg.unreadable = 1;
}

/*
 * `export * from "./x.mjs"` re-exports x's named exports (never its
 * default): the handler may live there. One level only, relative to the
 * entry's directory; as Node resolves ESM, the extension is written out.
 * Only whether it exports a handler is used, nothing of its text.
 */
static int
nl_star_handler(const struct nl_func *f, const char *from, size_t cap)
{
	char dir[PATH_MAX], path[PATH_MAX], *slash, *src;
	struct nl_js js;
	size_t len;

	if (snprintf(dir, sizeof(dir), "%s", f->main) >= (int)sizeof(dir) ||
	    (slash = strrchr(dir, '/')) == NULL)
		return 0;
	*slash = '\0';
	if (snprintf(path, sizeof(path), "%s/%s", dir, from) >=
	    (int)sizeof(path))
		return 0;
	nl_path_clean(path);
	if ((src = nl_read_file(path, cap, &len)) == NULL)
		return 0;
	nl_js_scan(src, len, &js);
	free(src);
	return js.handler;
}

/* ---- validation ---- */

static const char *
nl_default_bundler(const struct nl_func *f, const char *cfg)
{
	/* zip-it-and-ship-it looks at the entry's extension, in a folder too.
	 */
	const char *ext = f->ext;

	if (f->v2)
		return cfg != NULL && strcmp(cfg, "none") == 0 ? "none" : "nft";
	if (cfg != NULL)
		return strcmp(cfg, "esbuild_zisi") == 0 ? "esbuild" : cfg;
	if (strcmp(ext, ".mjs") == 0 || strcmp(ext, ".ts") == 0 ||
	    strcmp(ext, ".tsx") == 0 || strcmp(ext, ".cts") == 0 ||
	    strcmp(ext, ".mts") == 0)
		return "esbuild";
	if (strcmp(f->ext, ".cjs") != 0 && f->esm)
		return "nft";
	return "zisi";
}

static void
nl_fmt_size(char *buf, size_t len, int64_t n)
{
	if (n >= 1 << 20)
		snprintf(buf, len, "%.1f MiB", (double)n / (1 << 20));
	else if (n >= 1024)
		snprintf(buf, len, "%.1f KiB", (double)n / 1024);
	else
		snprintf(buf, len, "%lld B", (long long)n);
}

void
nl_validate(struct nl_site *s, const struct nl_conf *c, int64_t max_size)
{
	struct nl_js js;
	char a[32], b[32], *src;
	size_t i, len;
	/*
	 * The whole entry file, up to max_size (a larger one is refused
	 * below): bundlers put the handler at the end of a 9 MB file. Read,
	 * not mapped: a file cut while it is scanned must not kill the
	 * worker with SIGBUS. The buffer is mmap'ed by malloc and given back
	 * to the system when freed, so the worker's budget is untouched.
	 */
	size_t cap = max_size > 0 ? (size_t)max_size : SIZE_MAX - 1;

	for (i = 0; i < s->n; i++) {
		struct nl_func *f = &s->f[i];

		if (!nl_name_ok(f->name))
			nl_msg_add(&f->msg, &f->st, RDD_CRITICAL,
			    "name \"%s\" is not accepted by Netlify (letters, "
			    "digits, '-' and '_' only): rename %s",
			    f->name, f->rel);
		f->schedule = nl_conf_schedule(c, f->name);
		if (strcmp(f->ext, ".zip") == 0) {
			/* A prebuilt archive: nothing to parse. */
			f->handler = 1;
		} else if ((src = nl_read_file(f->main, cap, &len)) == NULL) {
			nl_msg_add(&f->msg, &f->st, RDD_CRITICAL,
			    "entry file %s cannot be read: %s: fix its "
			    "permissions",
			    f->rel, strerror(errno));
		} else {
			nl_js_scan(src, len, &js);
			free(src);
			if (!js.handler && js.star_from[0] != '\0' &&
			    nl_star_handler(f, js.star_from, cap))
				js.handler = 1;
			f->scanned = 1;
			f->esm = js.esm;
			f->handler = js.handler;
			f->dflt = js.dflt;
			f->v2 = !js.handler && js.dflt;
			free(f->cfg);
			f->cfg = NULL;
			if (f->v2 && js.cfg.found &&
			    (f->cfg = malloc(sizeof(*f->cfg))) != NULL)
				*f->cfg = js.cfg;
			if (!js.handler && !js.dflt)
				nl_msg_add(&f->msg, &f->st, RDD_CRITICAL,
				    js.mexports_obj_nohandler
				        ? "%s: module.exports has no `handler` "
				          "property: Netlify calls "
				          "exports.handler: add it"
				        : "%s exports no handler: add "
				          "`exports.handler = async (event) => "
				          "{...}` or `export default async "
				          "(req) => new Response(...)`",
				    f->rel);
		}
		f->bundler = nl_default_bundler(f, nl_conf_bundler(c, f->name));
		if (max_size > 0 && f->size > max_size) {
			nl_fmt_size(a, sizeof(a), f->size);
			nl_fmt_size(b, sizeof(b), max_size);
			nl_msg_add(&f->msg, &f->st, RDD_CRITICAL,
			    "sources are %s, over max_size %s: move data out "
			    "of the function or raise max_size",
			    a, b);
		}
	}
}
