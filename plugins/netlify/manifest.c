/*
 * manifest.c: the functions manifest: parse with json-c, judge against the
 * functions on disk, write it the way zip-it-and-ship-it's manifest.ts does,
 * install atomically (temp file, fsync, rename) keeping a backup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json-c/json.h>

#include "manifest.h"

static char *
nl_jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return strdup(json_object_get_string(v));
}

void
nl_manifest_free(struct nl_manifest *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->f[i].name);
		free(m->f[i].main);
		free(m->f[i].path);
		free(m->f[i].bundler);
		free(m->f[i].runtime);
	}
	free(m->f);
	memset(m, 0, sizeof(*m));
}

int
nl_manifest_parse(const char *text, size_t len, struct nl_manifest *m,
    char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *root, *fns, *v, *fo, *bd;
	enum json_tokener_error je;
	size_t i, n;

	memset(m, 0, sizeof(*m));
	if ((tok = json_tokener_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	je = json_tokener_get_error(tok);
	if (root != NULL && je == json_tokener_success &&
	    json_tokener_get_parse_end(tok) < len) {
		/* Trailing bytes other than white space. */
		const char *p = text + json_tokener_get_parse_end(tok);

		while (p < text + len &&
		       (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
			p++;
		if (p < text + len) {
			json_object_put(root);
			root = NULL;
			je = json_tokener_error_parse_unexpected;
		}
	}
	json_tokener_free(tok);
	if (root == NULL) {
		snprintf(err, errlen, "not JSON: %s",
		    je == json_tokener_continue ? "truncated"
		                                : json_tokener_error_desc(je));
		return -1;
	}
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "functions", &fns) ||
	    !json_object_is_type(fns, json_type_array)) {
		snprintf(err, errlen, "no \"functions\" array");
		json_object_put(root);
		return -1;
	}
	if (json_object_object_get_ex(root, "version", &v))
		m->version = json_object_get_int(v);
	if (m->version != 1) {
		snprintf(err, errlen, "version %d, expected 1", m->version);
		json_object_put(root);
		return -1;
	}
	if (json_object_object_get_ex(root, "timestamp", &v))
		m->timestamp = json_object_get_int64(v);
	n = json_object_array_length(fns);
	if (n > 0 && (m->f = calloc(n, sizeof(*m->f))) == NULL) {
		snprintf(err, errlen, "out of memory");
		json_object_put(root);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct nl_mf_fn *f = &m->f[m->n];

		fo = json_object_array_get_idx(fns, i);
		if (!json_object_is_type(fo, json_type_object))
			continue;
		f->name = nl_jstr(fo, "name");
		f->main = nl_jstr(fo, "mainFile");
		f->path = nl_jstr(fo, "path");
		f->bundler = nl_jstr(fo, "bundler");
		f->runtime = nl_jstr(fo, "runtime");
		if (json_object_object_get_ex(fo, "buildData", &bd) &&
		    json_object_object_get_ex(bd, "runtimeAPIVersion", &v))
			f->api = json_object_get_int(v);
		m->n++;
		if (f->name == NULL || f->main == NULL || f->path == NULL ||
		    f->runtime == NULL) {
			snprintf(err, errlen,
			    "functions[%zu] lacks one of the required name, "
			    "mainFile, path, runtime",
			    i);
			json_object_put(root);
			nl_manifest_free(m);
			return -1;
		}
	}
	json_object_put(root);
	return 0;
}

int
nl_manifest_load(
    const char *path, struct nl_manifest *m, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((text = nl_read_file(path, 64u << 20, &len)) == NULL) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		return -1;
	}
	rc = nl_manifest_parse(text, len, m, err, errlen);
	free(text);
	return rc;
}

static void
nl_why(char *why, size_t len, int *nwhy, const char *fmt, const char *a,
    const char *b)
{
	size_t used = strlen(why);

	if (++*nwhy > 3 || used + 2 >= len)
		return;
	snprintf(why + used, len - used, "%s", used > 0 ? "; " : "");
	used = strlen(why);
	snprintf(why + used, len - used, fmt, a, b);
}

enum nl_mf_verdict
nl_manifest_judge(const struct nl_manifest *m, const struct nl_site *s,
    char *why, size_t whylen)
{
	const struct nl_func *f;
	size_t i, j;
	int nwhy = 0;
	char more[48];

	why[0] = '\0';
	for (i = 0; i < s->n; i++) {
		f = &s->f[i];
		for (j = 0; j < m->n; j++)
			if (strcmp(m->f[j].name, f->name) == 0)
				break;
		if (j == m->n) {
			nl_why(why, whylen, &nwhy, "function %s is not in it%s",
			    f->name, "");
			continue;
		}
		if (strcmp(m->f[j].main, f->main) != 0)
			nl_why(why, whylen, &nwhy, "%s: its entry is now %s",
			    f->name, f->rel);
		else if (f->newest_ms > m->timestamp)
			nl_why(why, whylen, &nwhy,
			    "%s changed after it was written%s", f->rel, "");
	}
	for (j = 0; j < m->n; j++) {
		if (nl_site_find(s, m->f[j].name) == NULL)
			nl_why(why, whylen, &nwhy,
			    "it lists %s, which no longer exists%s",
			    m->f[j].name, "");
	}
	if (nwhy > 3) {
		snprintf(more, sizeof(more), "; and %d more", nwhy - 3);
		if (strlen(why) + strlen(more) < whylen)
			strcat(why, more);
	}
	return nwhy > 0 ? NL_MF_STALE : NL_MF_FRESH;
}

static char *
nl_bundle_path(const char *dist, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s.zip", dist, name) < 0)
		return NULL;
	return p;
}

int
nl_bundle_state(const char *dist, const struct nl_func *f)
{
	struct stat sb;
	char *p = nl_bundle_path(dist, f->name);
	int rc;

	if (p == NULL)
		return 1;
	rc = stat(p, &sb);
	free(p);
	if (rc != 0)
		return 1;
	if ((int64_t)sb.st_mtime * 1000 + sb.st_mtim.tv_nsec / 1000000 <
	    f->newest_ms)
		return 2;
	return 0;
}

void
nl_node_system(char *arch, size_t alen, char *plat, size_t plen)
{
	static const char *const map[][2] = {{"x86_64", "x64"},
	    {"amd64", "x64"}, {"aarch64", "arm64"}, {"arm64", "arm64"},
	    {"i386", "ia32"}, {"i686", "ia32"}, {"armv7l", "arm"},
	    {"ppc64le", "ppc64"}, {"s390x", "s390x"}, {"riscv64", "riscv64"}};
	struct utsname u;
	size_t i;

	snprintf(arch, alen, "x64");
	snprintf(plat, plen, "linux");
	if (uname(&u) != 0)
		return;
	snprintf(arch, alen, "%s", u.machine);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(u.machine, map[i][0]) == 0)
			snprintf(arch, alen, "%s", map[i][1]);
	snprintf(plat, plen, "%s", u.sysname);
	for (i = 0; plat[i] != '\0'; i++)
		if (plat[i] >= 'A' && plat[i] <= 'Z')
			plat[i] = (char)(plat[i] - 'A' + 'a');
}

/*
 * zip-it-and-ship-it writes a path with a '*', ':param', '{', '[' or '('
 * part as a URLPattern regular expression; only literal ones are ours.
 */
static int
nl_path_literal(const char *p)
{
	const char *part = p;

	for (; *p != '\0'; p++) {
		if (*p == '*' || *p == '{' || *p == '[' || *p == '(')
			return 0;
		if (*p == ':' && (p == part || p[-1] == '/'))
			return 0;
	}
	return 1;
}

int
nl_manifest_writable(const struct nl_site *s, char *err, size_t errlen)
{
	const struct nl_js_cfg *c;
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		if (!s->f[i].v2 || (c = s->f[i].cfg) == NULL)
			continue;
		if (c->unreadable) {
			snprintf(err, errlen,
			    "%s: `export const config` holds a value that is "
			    "not a literal string, string array or boolean: "
			    "only zip-it-and-ship-it can read it; set "
			    "bundler_cmd",
			    s->f[i].rel);
			return -1;
		}
		for (j = 0; j < c->npath + c->nexcluded; j++) {
			const char *p = j < c->npath
			                    ? c->path[j]
			                    : c->excluded[j - c->npath];

			if (p[0] != '/' || !nl_path_literal(p)) {
				snprintf(err, errlen,
				    "%s: config %s \"%s\" is %s: only "
				    "zip-it-and-ship-it can write its route; "
				    "set bundler_cmd",
				    s->f[i].rel,
				    j < c->npath ? "path" : "excludedPath", p,
				    p[0] != '/' ? "not absolute (the bundler "
				                  "refuses it)"
				                : "a URL pattern");
				return -1;
			}
		}
	}
	return 0;
}

/*
 * The version of @netlify/serverless-functions-api that zip-it-and-ship-it
 * bundles into v2 functions (buildData.bootstrapVersion): the copy it
 * resolves from its own folder, nested or hoisted in the site's
 * node_modules. 0 found, -1 not (the field is then left out).
 */
int
nl_bootstrap_version(const char *site, char *out, size_t outlen)
{
	static const char *const where[] = {
	    "node_modules/@netlify/zip-it-and-ship-it/node_modules/@netlify/"
	    "serverless-functions-api/package.json",
	    "node_modules/netlify-cli/node_modules/@netlify/"
	    "serverless-functions-api/package.json",
	    "node_modules/@netlify/serverless-functions-api/package.json"};
	json_object *root, *v;
	char path[4096], *text;
	const char *ver;
	size_t i, len, k;
	int rc;

	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", site, where[i]);
		if ((text = nl_read_file(path, 1 << 20, &len)) == NULL)
			continue;
		root = json_tokener_parse(text);
		free(text);
		rc = -1;
		if (root != NULL &&
		    json_object_object_get_ex(root, "version", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    (ver = json_object_get_string(v)) != NULL &&
		    (len = strlen(ver)) > 0 && len < outlen && len < 64) {
			for (k = 0; k < len; k++)
				if (!((ver[k] >= '0' && ver[k] <= '9') ||
				        (ver[k] >= 'a' && ver[k] <= 'z') ||
				        (ver[k] >= 'A' && ver[k] <= 'Z') ||
				        ver[k] == '.' || ver[k] == '-' ||
				        ver[k] == '+'))
					break;
			if (k == len) {
				memcpy(out, ver, len + 1);
				rc = 0;
			}
		}
		json_object_put(root);
		if (rc == 0)
			return 0;
	}
	return -1;
}

/* routes or excludedRoutes of a v2 function: its literal paths, deduped. */
static json_object *
nl_routes(const char (*paths)[NL_CFG_STR], size_t n, const struct nl_js_cfg *c)
{
	json_object *arr = json_object_new_array(), *r, *m;
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(paths[i], paths[j]) == 0)
				break;
		if (j < i)
			continue;
		r = json_object_new_object();
		json_object_object_add(
		    r, "pattern", json_object_new_string(paths[i]));
		json_object_object_add(
		    r, "literal", json_object_new_string(paths[i]));
		if (c != NULL) { /* a route, not an excluded one */
			m = json_object_new_array();
			for (j = 0; j < c->nmethod; j++)
				json_object_array_add(
				    m, json_object_new_string(c->method[j]));
			json_object_object_add(r, "methods", m);
			if (c->prefer_static)
				json_object_object_add(r, "prefer_static",
				    json_object_new_boolean(1));
		}
		json_object_array_add(arr, r);
	}
	return arr;
}

char *
nl_manifest_json(const struct nl_site *s, const char *dist, int64_t now_ms)
{
	json_object *root, *fns, *fo, *bd, *sys;
	char arch[32], plat[32], boot[64], *bp, *out = NULL;
	const char *txt;
	size_t i;
	int have_boot;

	have_boot = nl_bootstrap_version(s->site, boot, sizeof(boot)) == 0;
	root = json_object_new_object();
	fns = json_object_new_array();
	for (i = 0; i < s->n; i++) {
		const struct nl_func *f = &s->f[i];
		const struct nl_js_cfg *c = f->v2 ? f->cfg : NULL;

		/* Key order as manifest.ts writes it. */
		fo = json_object_new_object();
		if (f->bundler != NULL)
			json_object_object_add(
			    fo, "bundler", json_object_new_string(f->bundler));
		{
			size_t nl = strlen(f->name), bl = strlen("-background");
			int bg = (nl >= bl && strcmp(f->name + nl - bl,
			                          "-background") == 0) ||
			         (f->v2 && c != NULL && c->background);

			if (f->v2 || bg)
				json_object_object_add(fo, "invocationMode",
				    json_object_new_string(
				        bg ? "background" : "stream"));
		}
		bd = json_object_new_object();
		if (f->v2 && have_boot)
			json_object_object_add(bd, "bootstrapVersion",
			    json_object_new_string(boot));
		json_object_object_add(bd, "runtimeAPIVersion",
		    json_object_new_int(f->v2 ? 2 : 1));
		json_object_object_add(fo, "buildData", bd);
		json_object_object_add(
		    fo, "mainFile", json_object_new_string(f->main));
		json_object_object_add(
		    fo, "name", json_object_new_string(f->name));
		json_object_object_add(fo, "priority", json_object_new_int(10));
		/*
		 * v2: Node.js 24, zip-it-and-ship-it 16.2.3's default (no
		 * nodeVersion is configured); v1 leaves it to the build.
		 */
		if (f->v2)
			json_object_object_add(fo, "runtimeVersion",
			    json_object_new_string(NL_V2_RUNTIME));
		if ((bp = nl_bundle_path(dist, f->name)) != NULL) {
			json_object_object_add(
			    fo, "path", json_object_new_string(bp));
			free(bp);
		}
		json_object_object_add(
		    fo, "runtime", json_object_new_string("js"));
		/* The source's config.schedule wins over netlify.toml's. */
		if (c != NULL && c->schedule[0] != '\0')
			json_object_object_add(fo, "schedule",
			    json_object_new_string(c->schedule));
		else if (f->schedule != NULL)
			json_object_object_add(fo, "schedule",
			    json_object_new_string(f->schedule));
		if (c != NULL && c->npath > 0)
			json_object_object_add(fo, "routes",
			    nl_routes((const char(*)[NL_CFG_STR])c->path,
			        c->npath, c));
		if (c != NULL && c->nexcluded > 0)
			json_object_object_add(fo, "excludedRoutes",
			    nl_routes((const char(*)[NL_CFG_STR])c->excluded,
			        c->nexcluded, NULL));
		json_object_array_add(fns, fo);
	}
	json_object_object_add(root, "functions", fns);
	nl_node_system(arch, sizeof(arch), plat, sizeof(plat));
	sys = json_object_new_object();
	json_object_object_add(sys, "arch", json_object_new_string(arch));
	json_object_object_add(sys, "platform", json_object_new_string(plat));
	json_object_object_add(root, "system", sys);
	json_object_object_add(
	    root, "timestamp", json_object_new_int64(now_ms));
	json_object_object_add(root, "version", json_object_new_int(1));
	txt = json_object_to_json_string_ext(
	    root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (txt != NULL)
		out = strdup(txt);
	json_object_put(root);
	return out;
}

static int
nl_copy(const char *from, const char *to)
{
	char *buf;
	size_t len, off = 0;
	ssize_t w;
	int fd;

	if ((buf = nl_read_file(from, 64u << 20, &len)) == NULL)
		return -1;
	if ((fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) <
	    0) {
		free(buf);
		return -1;
	}
	while (off < len) {
		if ((w = write(fd, buf + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	free(buf);
	if (off < len || fsync(fd) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int
nl_manifest_install(const char *dist, const char *tmp, char *err, size_t errlen)
{
	char *cur = NULL, *bak = NULL;
	int rc = -1, fd, kept = 0;

	if (asprintf(&cur, "%s/%s", dist, NL_MANIFEST_NAME) < 0 ||
	    asprintf(&bak, "%s/%s", dist, NL_MANIFEST_BACKUP) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* The previous manifest survives as the backup, even a broken one. */
	if (access(cur, F_OK) == 0) {
		if (unlink(bak) != 0 && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove %s: %s", bak,
			    strerror(errno));
			goto out;
		}
		if (link(cur, bak) != 0 && nl_copy(cur, bak) != 0) {
			snprintf(err, errlen, "cannot keep a backup as %s: %s",
			    bak, strerror(errno));
			goto out;
		}
		kept = 1;
	}
	if (rename(tmp, cur) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, cur,
		    strerror(errno));
		goto out;
	}
	/* The rename is durable once the directory is synced. */
	if ((fd = open(dist, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	rc = kept;
out:
	free(cur);
	free(bak);
	return rc;
}

static int
nl_mkdirs(const char *dir)
{
	char *p = strdup(dir), *s;
	int rc = 0;

	if (p == NULL)
		return -1;
	for (s = p + 1; rc == 0 && *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0755) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

int
nl_manifest_write(
    const struct nl_site *s, const char *dist, char *err, size_t errlen)
{
	struct timeval tv;
	char *json, *tmp = NULL;
	size_t len, off = 0;
	ssize_t w;
	int fd, rc = -1;

	if (nl_manifest_writable(s, err, errlen) != 0)
		return -1;
	if (nl_mkdirs(dist) != 0) {
		snprintf(
		    err, errlen, "cannot create %s: %s", dist, strerror(errno));
		return -1;
	}
	gettimeofday(&tv, NULL);
	json = nl_manifest_json(
	    s, dist, (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000);
	if (json == NULL || asprintf(&tmp, "%s/.manifest.json.%ld.tmp", dist,
	                        (long)getpid()) < 0) {
		free(json);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) <
	    0) {
		snprintf(
		    err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	len = strlen(json);
	while (off < len) {
		if ((w = write(fd, json + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	if (off < len || fsync(fd) != 0) {
		snprintf(
		    err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if ((rc = nl_manifest_install(dist, tmp, err, errlen)) < 0)
		unlink(tmp);
out:
	free(json);
	free(tmp);
	return rc;
}
