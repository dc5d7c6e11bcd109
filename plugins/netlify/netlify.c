/*
 * netlify.c: the netlify plugin: one site directory and, with a token, the
 * site on Netlify: netlify.toml, functions (syntax, handler, size, probes),
 * the functions manifest (regenerated when stale) and deploys (a failed or
 * stuck deploy leads to a retried build or a restore of the last ready one).
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include <redundancyd/rdd_plugin.h>

#include "deploy.h"
#include "manifest.h"
#include "site.h"

#define NL_DEPLOYS_MAX 100
#define NL_MSG_MAX 1024
#define NL_RETRIES_429 3 /* Retry-After waits within one action */

struct nl_config {
	char *site_dir;
	char *functions_dir;
	char *dist_dir;
	int manifest;
	int manifest_required;
	struct rdd_strlist bundler_cmd;
	int64_t bundler_timeout;
	char *node;
	int64_t node_timeout;
	int64_t max_size;
	char *base_url;
	const void *probes;
	int probe_all;
	char *probe_method;
	int64_t probe_status;
	int64_t probe_timeout;
	int64_t probe_latency_warning;
	char *site_id;
	char *token_env;
	char *token_file;
	char *api_url;
	int64_t api_timeout;
	int64_t deploys;
	char *deploy_recovery;
	int64_t deploy_stuck_warning;
	int64_t deploy_stuck_critical;
	int64_t retry_after_max;
	int watch;
};

#define NL_OPT(name, type, def, min, max, field, flags, desc)                  \
	{                                                                      \
		name, type, def, min, max, offsetof(struct nl_config, field),  \
		    flags, desc                                                \
	}

static const struct rdd_option nl_options[] = {
    NL_OPT("site_dir", RDD_OPT_STRING, NULL, 0, 0, site_dir, RDD_OPT_REQUIRED,
        "absolute path of the site (the directory holding netlify.toml)"),
    NL_OPT("functions_dir", RDD_OPT_STRING, NULL, 0, 0, functions_dir, 0,
        "functions directory relative to site_dir; default: netlify.toml's "
        "[functions] directory, [build] functions, else netlify/functions"),
    NL_OPT("dist_dir", RDD_OPT_STRING, ".netlify/functions", 0, 0, dist_dir, 0,
        "where bundles and manifest.json live, relative to site_dir"),
    NL_OPT("manifest", RDD_OPT_BOOL, "true", 0, 0, manifest, 0,
        "check (and on recovery regenerate) dist_dir/manifest.json"),
    NL_OPT("manifest_required", RDD_OPT_BOOL, "false", 0, 0,
        manifest_required, 0,
        "a missing manifest.json is CRITICAL even on a site never built; "
        "by default it is OK (\"not built yet\") until a manifest or a "
        "bundle has existed"),
    NL_OPT("bundler_cmd", RDD_OPT_STRLIST, NULL, 0, 0, bundler_cmd, 0,
        "argv of Netlify's bundler, e.g. [\"/srv/app/node_modules/.bin/"
        "zip-it-and-ship-it\"]; unset: the manifest is written from the "
        "bundles present"),
    NL_OPT("bundler_timeout", RDD_OPT_DURATION, "4m", 1000, 86400000.0,
        bundler_timeout, 0, "kill the bundler after this long"),
    NL_OPT("node", RDD_OPT_STRING, "node", 0, 0, node, 0,
        "Node.js binary for `node --check`"),
    NL_OPT("node_timeout", RDD_OPT_DURATION, "10s", 100, 3600000.0,
        node_timeout, 0, "kill one `node --check` after this long"),
    NL_OPT("max_size", RDD_OPT_SIZE, "50M", 0, 0, max_size, 0,
        "largest size of a function's sources (0: no limit)"),
    NL_OPT("base_url", RDD_OPT_STRING, NULL, 0, 0, base_url, 0,
        "site URL for probes: base_url/.netlify/functions/NAME"),
    NL_OPT("probes", RDD_OPT_GROUP, NULL, 0, 0, probes, 0,
        "list of { function = \"NAME or glob\"; method = \"GET\"; status = "
        "200; body = \"substring\"; timeout = \"10s\"; latency_warning = "
        "\"2s\"; }"),
    NL_OPT("probe_all", RDD_OPT_BOOL, "false", 0, 0, probe_all, 0,
        "probe every function without a probes entry, with the defaults"),
    NL_OPT("probe_method", RDD_OPT_STRING, "GET", 0, 0, probe_method, 0,
        "default probe method"),
    NL_OPT("probe_status", RDD_OPT_INT, "0", 0, 599, probe_status, 0,
        "default expected status; 0: 200, 202 for NAME-background"),
    NL_OPT("probe_timeout", RDD_OPT_DURATION, "10s", 100, 600000.0,
        probe_timeout, 0, "default probe timeout"),
    NL_OPT("probe_latency_warning", RDD_OPT_DURATION, "2s", 0, 600000.0,
        probe_latency_warning, 0,
        "a probe slower than this is a WARNING (0: never)"),
    NL_OPT("site_id", RDD_OPT_STRING, NULL, 0, 0, site_id, 0,
        "Netlify site id (API id or name); enables the deploy checks"),
    NL_OPT("token_env", RDD_OPT_STRING, NULL, 0, 0, token_env, 0,
        "environment variable holding the Netlify personal access token"),
    NL_OPT("token_file", RDD_OPT_STRING, NULL, 0, 0, token_file, 0,
        "file of mode 0600 holding the token"),
    NL_OPT("api_url", RDD_OPT_STRING, "https://api.netlify.com/api/v1", 0, 0,
        api_url, 0, "Netlify API base URL"),
    NL_OPT("api_timeout", RDD_OPT_DURATION, "30s", 100, 600000.0, api_timeout,
        0, "timeout of one API request"),
    NL_OPT("deploys", RDD_OPT_INT, "10", 1, 100, deploys, 0,
        "deploys read per check (the newest first)"),
    NL_OPT("deploy_recovery", RDD_OPT_STRING, "retry-then-restore", 0, 0,
        deploy_recovery, 0,
        "retry-then-restore, retry (POST /sites/ID/builds), restore (the "
        "last ready deploy) or none"),
    NL_OPT("deploy_stuck_warning", RDD_OPT_DURATION, "20m", 0, 604800000.0,
        deploy_stuck_warning, 0,
        "a deploy building, enqueued or uploading this long is a WARNING"),
    NL_OPT("deploy_stuck_critical", RDD_OPT_DURATION, "40m", 0, 604800000.0,
        deploy_stuck_critical, 0,
        "... and this long a CRITICAL, which starts the recovery ladder"),
    NL_OPT("retry_after_max", RDD_OPT_DURATION, "60s", 0, 3600000.0,
        retry_after_max, 0,
        "longest Retry-After of a 429 a recovery action waits for"),
    NL_OPT("watch", RDD_OPT_BOOL, "true", 0, 0, watch, 0,
        "watch dist_dir: a deleted manifest is reported at once"),
    RDD_OPTIONS_END,
};

static const char *const nl_actions[] = {"repair", "restore-deploy", NULL};

enum nl_mode { NL_RETRY_RESTORE, NL_RETRY, NL_RESTORE, NL_NONE };

struct nl_probe {
	char *function;
	char *method;
	char *body;
	long status;
	int64_t timeout_ms;
	int64_t latency_ms;
};

struct nl_cache {
	char *path;
	int64_t mtime_ns;
	int64_t size;
	int module;
	enum rdd_state st;
	char *msg;
	int used;
};

struct nl_last {
	char *target;
	enum rdd_state st;
	char *msg;
};

struct nl;

enum nl_jkind { NL_J_SYNTAX, NL_J_PROBE, NL_J_DEPLOYS };

struct nl_job {
	struct nl_run *run;
	enum nl_jkind kind;
	size_t fi;
	const struct nl_probe *probe;
	struct nl_probe dflt;
	int module;
	char *input;
	size_t input_len;
	uint64_t h;
	int done;
	int64_t started_ms;
	double latency_ms;
	long status;
};

struct nl_run {
	struct nl *x;
	struct rdd_check *c;
	struct nl_conf conf;
	struct nl_site site;
	int have_site;
	size_t pending;
	struct nl_job *jobs;
	size_t njobs;
	enum rdd_state cfg_st;
	char *cfg_msg;
	enum rdd_state mf_st;
	char *mf_msg;
	double mf_age_s;
	enum rdd_state dep_st;
	char dep_msg[NL_MSG_MAX];
};

enum nl_op { NL_OP_CANCEL, NL_OP_BUILD, NL_OP_RESTORE };

enum nl_slot { NL_SLOT_MANIFEST, NL_SLOT_DEPLOY };

struct nl_rec {
	struct nl *x;
	struct rdd_recovery *r;
	enum nl_slot slot;
	enum nl_op op;
	uint64_t h;
	unsigned ncb; /* callbacks seen: one may run inside http/child_run */
	uint64_t timer;
	int tries;
	int via_cancel;
	char *tmp; /* the bundler's manifest before install */
	char *what;
	int64_t started_ms;
	size_t nfuncs;
	char failed_id[64];
	char target_id[64];
};

struct nl {
	const struct rdd_host *host;
	struct rdd_monitor *mon;
	const struct nl_config *cfg;
	char *site;
	char *dist;
	char *api;  /* api_url without a trailing slash */
	char *base; /* base_url likewise, or NULL */
	char *auth; /* "Authorization: Bearer ..." */
	enum nl_mode mode;
	struct nl_probe *probes;
	size_t nprobes;
	char *last_fdir; /* of the last netlify.toml that parsed */

	struct nl_cache *cache;
	size_t ncache;
	struct nl_last *last;
	size_t nlast;

	struct nl_run *run;
	struct nl_rec *rec[2]; /* in flight: manifest, deploy */
	uint64_t watch_h;
	int mf_pushed;

	int64_t api_until_ms; /* no API request before (429) */
	int have_deploys;
	enum rdd_state dep_st;
	char dep_msg[NL_MSG_MAX];
	char latest_id[64];
	int latest_kind;
	char ready_id[64];
};

static int64_t
nl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
nl_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
nl_dur(char *buf, size_t len, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}

/* "30", "500ms", "10s", "5m", "1h" -> ms; -1 when malformed. */
static int64_t
nl_parse_dur(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return (int64_t)(v * 1000);
	if (strcmp(end, "ms") == 0)
		return (int64_t)v;
	if (strcmp(end, "m") == 0)
		return (int64_t)(v * 60000);
	if (strcmp(end, "h") == 0)
		return (int64_t)(v * 3600000);
	return -1;
}

/* ---- instance ---- */

static void
nl_probes_free(struct nl *x)
{
	size_t i;

	for (i = 0; i < x->nprobes; i++) {
		free(x->probes[i].function);
		free(x->probes[i].method);
		free(x->probes[i].body);
	}
	free(x->probes);
	x->probes = NULL;
	x->nprobes = 0;
}

static void
nl_last_free(struct nl *x)
{
	size_t i;

	for (i = 0; i < x->nlast; i++) {
		free(x->last[i].target);
		free(x->last[i].msg);
	}
	free(x->last);
	x->last = NULL;
	x->nlast = 0;
}

static void
nl_free(struct nl *x)
{
	size_t i;

	nl_probes_free(x);
	nl_last_free(x);
	for (i = 0; i < x->ncache; i++) {
		free(x->cache[i].path);
		free(x->cache[i].msg);
	}
	free(x->cache);
	if (x->auth != NULL) {
		memset(x->auth, 0, strlen(x->auth));
		free(x->auth);
	}
	free(x->site);
	free(x->dist);
	free(x->api);
	free(x->base);
	free(x->last_fdir);
	free(x);
}

static int
nl_probe_dur(const struct rdd_host *h, const void *g, const char *key,
    int64_t *out, size_t idx, char *err, size_t errlen)
{
	const char *s;
	int64_t v;

	if (h->group_int(g, key, &v) == 0) {
		*out = v * 1000;
		return 0;
	}
	if ((s = h->group_string(g, key)) == NULL)
		return 0;
	if ((v = nl_parse_dur(s)) < 0) {
		snprintf(err, errlen,
		    "probes: entry %zu: %s: \"%s\" is not a duration like "
		    "\"10s\" or \"500ms\"",
		    idx + 1, key, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int
nl_probe_one(struct nl *x, const void *g, size_t idx, char *err, size_t errlen)
{
	const struct rdd_host *h = x->host;
	const struct nl_config *cfg = x->cfg;
	struct nl_probe *p = &x->probes[x->nprobes];
	const char *fn, *s;
	int64_t v;

	memset(p, 0, sizeof(*p));
	if ((fn = h->group_string(g, "function")) == NULL || *fn == '\0') {
		snprintf(err, errlen,
		    "probes: entry %zu has no function: write { function = "
		    "\"hello\"; }",
		    idx + 1);
		return -1;
	}
	p->timeout_ms = cfg->probe_timeout;
	p->latency_ms = cfg->probe_latency_warning;
	p->status = (long)cfg->probe_status;
	if (h->group_int(g, "status", &v) == 0) {
		if (v < 100 || v > 599) {
			snprintf(err, errlen,
			    "probes: entry %zu: status %lld is not an HTTP "
			    "status (100-599)",
			    idx + 1, (long long)v);
			return -1;
		}
		p->status = (long)v;
	}
	if (nl_probe_dur(h, g, "timeout", &p->timeout_ms, idx, err, errlen) !=
	        0 ||
	    nl_probe_dur(
	        h, g, "latency_warning", &p->latency_ms, idx, err, errlen) != 0)
		return -1;
	s = h->group_string(g, "method");
	p->function = strdup(fn);
	p->method = strdup(s != NULL ? s : cfg->probe_method);
	if ((s = h->group_string(g, "body")) != NULL)
		p->body = strdup(s);
	x->nprobes++;
	if (p->function == NULL || p->method == NULL ||
	    (s != NULL && p->body == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
nl_probes_load(struct nl *x, char *err, size_t errlen)
{
	const struct rdd_host *h = x->host;
	const void *g = x->cfg->probes;
	int n, i;

	if (g == NULL)
		return 0;
	/* One group written without the surrounding list. */
	if (h->group_string(g, "function") != NULL) {
		if ((x->probes = calloc(1, sizeof(*x->probes))) == NULL)
			return -1;
		return nl_probe_one(x, g, 0, err, errlen);
	}
	n = h->group_count(g);
	if (n <= 0)
		return 0;
	if ((x->probes = calloc((size_t)n, sizeof(*x->probes))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (nl_probe_one(
		        x, h->group_elem(g, i), (size_t)i, err, errlen) != 0)
			return -1;
	return 0;
}

static int
nl_url_ok(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

static char *
nl_strip_slash(const char *s)
{
	char *p = strdup(s);
	size_t n;

	if (p == NULL)
		return NULL;
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	return p;
}

static int
nl_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	const struct nl_config *cfg = config;
	struct nl *x;
	char *tok, *d;
	size_t len;

	*ctx = NULL;
	if (cfg->site_dir == NULL || cfg->site_dir[0] != '/') {
		snprintf(err, errlen,
		    "site_dir: %s: give the absolute path of the site (the "
		    "directory with netlify.toml)",
		    cfg->site_dir == NULL ? "missing" : "not an absolute path");
		return -1;
	}
	if (cfg->dist_dir == NULL || cfg->dist_dir[0] == '\0') {
		snprintf(err, errlen,
		    "dist_dir: empty: leave it unset for "
		    "\".netlify/functions\"");
		return -1;
	}
	if (cfg->base_url != NULL && !nl_url_ok(cfg->base_url)) {
		snprintf(err, errlen,
		    "base_url: \"%s\" is not an http:// or https:// URL",
		    cfg->base_url);
		return -1;
	}
	if (cfg->api_url == NULL || !nl_url_ok(cfg->api_url)) {
		snprintf(err, errlen,
		    "api_url: \"%s\" is not an http:// or https:// URL",
		    cfg->api_url ? cfg->api_url : "");
		return -1;
	}
	if ((cfg->token_env != NULL || cfg->token_file != NULL) &&
	    cfg->site_id == NULL) {
		snprintf(err, errlen,
		    "token_env/token_file given without "
		    "site_id: set site_id = \"...\" (the "
		    "API id or the site name)");
		return -1;
	}
	if (cfg->site_id != NULL && cfg->token_env == NULL &&
	    cfg->token_file == NULL) {
		snprintf(err, errlen,
		    "site_id needs a token: set token_env = \"NETLIFY_AUTH_"
		    "TOKEN\" or token_file = \"/etc/redundancyd/netlify."
		    "token\" (mode 0600)");
		return -1;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		goto nomem;
	x->host = host;
	x->mon = m;
	x->cfg = cfg;
	if (cfg->deploy_recovery == NULL ||
	    strcmp(cfg->deploy_recovery, "retry-then-restore") == 0)
		x->mode = NL_RETRY_RESTORE;
	else if (strcmp(cfg->deploy_recovery, "retry") == 0)
		x->mode = NL_RETRY;
	else if (strcmp(cfg->deploy_recovery, "restore") == 0)
		x->mode = NL_RESTORE;
	else if (strcmp(cfg->deploy_recovery, "none") == 0)
		x->mode = NL_NONE;
	else {
		snprintf(err, errlen,
		    "deploy_recovery: \"%s\": use retry-then-restore, retry, "
		    "restore or none",
		    cfg->deploy_recovery);
		nl_free(x);
		return -1;
	}
	if ((x->site = nl_strip_slash(cfg->site_dir)) == NULL ||
	    (x->api = nl_strip_slash(cfg->api_url)) == NULL ||
	    (cfg->base_url != NULL &&
	        (x->base = nl_strip_slash(cfg->base_url)) == NULL))
		goto nomem_x;
	nl_path_clean(x->site);
	if (asprintf(&d, "%s/%s", x->site, cfg->dist_dir) < 0)
		goto nomem_x;
	nl_path_clean(d);
	x->dist = d;
	if (nl_probes_load(x, err, errlen) != 0) {
		nl_free(x);
		return -1;
	}
	if (cfg->site_id != NULL) {
		tok = host->secret(
		    m, cfg->token_env, cfg->token_file, err, errlen);
		if (tok == NULL) {
			nl_free(x);
			return -1;
		}
		len = strlen(tok);
		while (
		    len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r' ||
		                   tok[len - 1] == ' '))
			tok[--len] = '\0';
		if (len == 0 || strpbrk(tok, "\r\n") != NULL) {
			memset(tok, 0, len);
			free(tok);
			snprintf(err, errlen,
			    "the Netlify token (%s) is %s: it must be one line",
			    cfg->token_env ? cfg->token_env : cfg->token_file,
			    len == 0 ? "empty" : "several lines");
			nl_free(x);
			return -1;
		}
		if (asprintf(&x->auth, "Authorization: Bearer %s", tok) < 0)
			x->auth = NULL;
		memset(tok, 0, len);
		free(tok);
		if (x->auth == NULL)
			goto nomem_x;
	}
	*ctx = x;
	return 0;
nomem_x:
	nl_free(x);
nomem:
	snprintf(err, errlen, "netlify: out of memory");
	return -1;
}

/* ---- the manifest watch ---- */

static void
nl_watch_cb(void *arg, const char *path)
{
	struct nl *x = arg;
	struct stat sb;
	char *mf;

	(void)path;
	if (asprintf(&mf, "%s/%s", x->dist, NL_MANIFEST_NAME) < 0)
		return;
	if (stat(mf, &sb) == 0) {
		x->mf_pushed = 0;
	} else if (errno == ENOENT && !x->mf_pushed &&
	           x->rec[NL_SLOT_MANIFEST] == NULL) {
		x->mf_pushed = 1;
		x->host->push(x->mon, "manifest", RDD_CRITICAL,
		    "manifest.json was deleted: it will be regenerated");
	}
	free(mf);
}

static int
nl_start(void *ctx)
{
	struct nl *x = ctx;

	if (!x->cfg->watch || !x->cfg->manifest)
		return 0;
	x->watch_h = x->host->watch_add(x->mon, x->dist, nl_watch_cb, x);
	if (x->watch_h == 0)
		x->host->log(x->mon, RDD_LOG_INFO,
		    "%s: not watched (it does not exist yet): a deleted "
		    "manifest is seen at the next check",
		    x->dist);
	return 0;
}

/* ---- check ---- */

static void nl_run_finish(struct nl_run *run);

static void
nl_last_set(
    struct nl *x, const char *target, enum rdd_state st, const char *msg)
{
	struct nl_last *v;

	if ((v = realloc(x->last, (x->nlast + 1) * sizeof(*v))) == NULL)
		return;
	x->last = v;
	v[x->nlast].target = strdup(target);
	v[x->nlast].st = st;
	v[x->nlast].msg = strdup(msg != NULL ? msg : "");
	if (v[x->nlast].target == NULL || v[x->nlast].msg == NULL) {
		free(v[x->nlast].target);
		free(v[x->nlast].msg);
		return;
	}
	x->nlast++;
}

static void
nl_report(struct nl *x, struct rdd_check *c, const char *target,
    enum rdd_state st, const char *msg, const struct rdd_metric *m, size_t nm)
{
	x->host->report(c, target, st, msg, m, nm);
	nl_last_set(x, target, st, msg);
}

static struct nl_cache *
nl_cache_find(struct nl *x, const struct nl_func *f, int module)
{
	size_t i;

	for (i = 0; i < x->ncache; i++) {
		struct nl_cache *e = &x->cache[i];

		if (strcmp(e->path, f->main) == 0 && e->module == module &&
		    e->mtime_ns == f->mtime_ns && e->size == f->size)
			return e;
	}
	return NULL;
}

static void
nl_cache_put(struct nl *x, const struct nl_func *f, int module,
    enum rdd_state st, const char *msg)
{
	struct nl_cache *v, *e = NULL;
	size_t i;

	for (i = 0; i < x->ncache; i++)
		if (strcmp(x->cache[i].path, f->main) == 0) {
			e = &x->cache[i];
			free(e->msg);
			break;
		}
	if (e == NULL) {
		if ((v = realloc(x->cache, (x->ncache + 1) * sizeof(*v))) ==
		    NULL)
			return;
		x->cache = v;
		e = &v[x->ncache];
		if ((e->path = strdup(f->main)) == NULL)
			return;
		x->ncache++;
	}
	e->mtime_ns = f->mtime_ns;
	e->size = f->size;
	e->module = module;
	e->st = st;
	e->msg = msg != NULL ? strdup(msg) : NULL;
	e->used = 1;
}

/* Forget entries of functions gone since, so the cache stays bounded. */
static void
nl_cache_sweep(struct nl *x)
{
	size_t i, k = 0;

	for (i = 0; i < x->ncache; i++) {
		if (!x->cache[i].used) {
			free(x->cache[i].path);
			free(x->cache[i].msg);
			continue;
		}
		x->cache[i].used = 0;
		x->cache[k++] = x->cache[i];
	}
	x->ncache = k;
}

/*
 * node's report: "[stdin]:LINE" or "PATH:LINE", the source line, a caret,
 * then "SyntaxError: ...".
 */
static void
nl_node_error(char *dst, size_t len, const char *rel, const char *err)
{
	const char *p, *nl, *colon, *line = NULL;
	char lno[16] = "";

	if (err == NULL)
		err = "";
	nl = strchr(err, '\n');
	colon = NULL;
	for (p = err; p < (nl ? nl : err + strlen(err)); p++)
		if (*p == ':')
			colon = p;
	if (colon != NULL && colon[1] >= '0' && colon[1] <= '9')
		snprintf(lno, sizeof(lno), ":%d", atoi(colon + 1));
	for (p = err; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (strncmp(p, "SyntaxError", 11) == 0 ||
		    (strstr(p, "Error: ") != NULL &&
		        (nl == NULL || strstr(p, "Error: ") < nl) &&
		        p[0] != ' ')) {
			line = p;
			break;
		}
		if (nl == NULL)
			break;
	}
	if (line == NULL) {
		snprintf(dst, len, "%s%s: node --check failed", rel, lno);
		return;
	}
	nl = strchr(line, '\n');
	snprintf(dst, len, "%s%s: %.*s: fix the syntax", rel, lno,
	    (int)(nl ? nl - line : (ptrdiff_t)strlen(line)), line);
}

static struct nl_func *
nl_job_func(struct nl_job *j)
{
	return &j->run->site.f[j->fi];
}

static void
nl_job_end(struct nl_job *j)
{
	struct nl_run *run = j->run;

	j->done = 1;
	j->h = 0;
	free(j->input);
	j->input = NULL;
	if (--run->pending == 0)
		nl_run_finish(run);
}

static void
nl_syntax_cb(void *arg, const struct rdd_child_result *res)
{
	struct nl_job *j = arg;
	struct nl *x = j->run->x;
	struct nl_func *f = nl_job_func(j);
	char msg[NL_MSG_MAX], d[32];

	if (res->spawn_errno != 0) {
		nl_msg_add(&f->msg, &f->st, RDD_UNKNOWN,
		    "cannot run %s --check: %s: set node = \"/path/to/node\"",
		    x->cfg->node, strerror(res->spawn_errno));
	} else if (res->timed_out) {
		nl_dur(d, sizeof(d), x->cfg->node_timeout);
		nl_msg_add(&f->msg, &f->st, RDD_WARNING,
		    "node --check timed out after %s", d);
	} else if (res->exited && res->status == 0) {
		nl_cache_put(x, f, j->module, RDD_OK, NULL);
	} else {
		nl_node_error(msg, sizeof(msg), f->rel, res->err);
		nl_msg_add(&f->msg, &f->st, RDD_CRITICAL, "%s", msg);
		if (res->exited)
			nl_cache_put(x, f, j->module, RDD_CRITICAL, msg);
	}
	nl_job_end(j);
}

static void
nl_probe_cb(void *arg, const struct rdd_http_response *res)
{
	struct nl_job *j = arg;
	struct nl_func *f = nl_job_func(j);
	const struct nl_probe *p = j->probe;
	long want = p->status;
	char d[32];
	size_t n;

	if (want == 0)
		want = (n = strlen(f->name)) > 11 &&
		               strcmp(f->name + n - 11, "-background") == 0
		           ? 202
		           : 200;
	j->latency_ms = res->total_ms > 0
	                    ? res->total_ms
	                    : (double)(nl_mono_ms() - j->started_ms);
	j->status = res->status;
	if (res->error != 0) {
		nl_msg_add(&f->msg, &f->st, RDD_CRITICAL,
		    "probe %s /.netlify/functions/%s failed: %s", p->method,
		    f->name, res->errmsg ? res->errmsg : "transfer error");
	} else if (res->status != want) {
		nl_msg_add(&f->msg, &f->st, RDD_CRITICAL,
		    "probe %s /.netlify/functions/%s answered HTTP %ld, "
		    "expected %ld",
		    p->method, f->name, res->status, want);
	} else if (p->body != NULL &&
	           (res->body == NULL || strstr(res->body, p->body) == NULL)) {
		nl_msg_add(&f->msg, &f->st, RDD_CRITICAL,
		    "probe %s /.netlify/functions/%s: the body lacks \"%s\"",
		    p->method, f->name, p->body);
	} else if (p->latency_ms > 0 && j->latency_ms > (double)p->latency_ms) {
		nl_dur(d, sizeof(d), p->latency_ms);
		nl_msg_add(&f->msg, &f->st, RDD_WARNING,
		    "probe took %.0f ms, over latency_warning %s",
		    j->latency_ms, d);
	}
	nl_job_end(j);
}

static void
nl_deploys_keep(struct nl *x, const struct nl_deploy *list, size_t n, int ready)
{
	x->have_deploys = 1;
	x->latest_id[0] = '\0';
	x->latest_kind = -1;
	if (n > 0) {
		snprintf(x->latest_id, sizeof(x->latest_id), "%s", list[0].id);
		x->latest_kind = (int)nl_deploy_kind(list[0].state);
	}
	x->ready_id[0] = '\0';
	if (ready >= 0)
		snprintf(
		    x->ready_id, sizeof(x->ready_id), "%s", list[ready].id);
}

static void
nl_rate_limited(
    struct nl *x, const struct rdd_http_response *res, int64_t *wait_ms)
{
	char buf[128];
	int64_t ms;

	ms = nl_retry_after_ms(
	    x->host->http_header(res, "Retry-After", buf, sizeof(buf)),
	    nl_now_ms());
	if (ms < 0)
		ms = 60000; /* Netlify's window is a minute */
	x->api_until_ms = nl_now_ms() + ms;
	*wait_ms = ms;
}

static void
nl_deploys_cb(void *arg, const struct rdd_http_response *res)
{
	struct nl_job *j = arg;
	struct nl_run *run = j->run;
	struct nl *x = run->x;
	const struct rdd_host *h = x->host;
	struct nl_deploy_policy pol;
	struct nl_deploy *list;
	char err[256];
	int64_t wait;
	int n, ready;

	run->dep_st = RDD_UNKNOWN;
	if (res->error != 0) {
		snprintf(run->dep_msg, sizeof(run->dep_msg),
		    "Netlify API unreachable: %s",
		    res->errmsg ? res->errmsg : "transfer error");
	} else if (res->status == 429) {
		nl_rate_limited(x, res, &wait);
		if (x->have_deploys)
			run->dep_st = x->dep_st;
		snprintf(run->dep_msg, sizeof(run->dep_msg),
		    "%.700s%srate limited by the Netlify API (429): next "
		    "request in %llds",
		    x->have_deploys ? x->dep_msg : "",
		    x->have_deploys ? " (last known; " : "",
		    (long long)(wait / 1000));
		if (x->have_deploys)
			strncat(run->dep_msg, ")",
			    sizeof(run->dep_msg) - strlen(run->dep_msg) - 1);
	} else if (res->status == 401 || res->status == 403) {
		snprintf(run->dep_msg, sizeof(run->dep_msg),
		    "the Netlify API refused the token (HTTP %ld): check "
		    "token_env/token_file and the token's access to site %s",
		    res->status, x->cfg->site_id);
	} else if (res->status == 404) {
		snprintf(run->dep_msg, sizeof(run->dep_msg),
		    "site %s not found on Netlify (HTTP 404): check site_id",
		    x->cfg->site_id);
	} else if (res->status != 200) {
		snprintf(run->dep_msg, sizeof(run->dep_msg),
		    "Netlify API answered HTTP %ld to the deploy list",
		    res->status);
	} else if ((list = calloc((size_t)x->cfg->deploys, sizeof(*list))) ==
	           NULL) {
		snprintf(run->dep_msg, sizeof(run->dep_msg), "out of memory");
	} else {
		n = nl_deploys_parse(res->body ? res->body : "", list,
		    (size_t)x->cfg->deploys, err, sizeof(err));
		if (n < 0) {
			snprintf(run->dep_msg, sizeof(run->dep_msg),
			    "Netlify API: %s", err);
		} else {
			memset(&pol, 0, sizeof(pol));
			pol.stuck_warning_ms = x->cfg->deploy_stuck_warning;
			pol.stuck_critical_ms = x->cfg->deploy_stuck_critical;
			pol.retried_id = h->state_get(x->mon, "retried_deploy");
			pol.restored_for = h->state_get(x->mon, "restored_for");
			pol.restored_id = h->state_get(x->mon, "restored_id");
			run->dep_st =
			    nl_deploy_judge(list, (size_t)n, &pol, nl_now_ms(),
			        run->dep_msg, sizeof(run->dep_msg), &ready);
			nl_deploys_keep(x, list, (size_t)n, ready);
			x->dep_st = run->dep_st;
			snprintf(
			    x->dep_msg, sizeof(x->dep_msg), "%s", run->dep_msg);
		}
		free(list);
	}
	nl_job_end(j);
}

static const struct nl_probe *
nl_probe_for(struct nl *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->nprobes; i++)
		if (fnmatch(x->probes[i].function, name, 0) == 0)
			return &x->probes[i];
	return NULL;
}

static void
nl_run_free(struct nl_run *run)
{
	size_t i;

	for (i = 0; i < run->njobs; i++)
		free(run->jobs[i].input);
	free(run->jobs);
	nl_conf_free(&run->conf);
	nl_site_free(&run->site);
	free(run->cfg_msg);
	free(run->mf_msg);
	free(run);
}

static void
nl_run_finish(struct nl_run *run)
{
	struct nl *x = run->x;
	const struct rdd_host *h = x->host;
	struct rdd_check *c = run->c;
	struct rdd_metric m[3];
	char target[300];
	size_t i, j, nm;

	x->run = NULL;
	nl_last_free(x);
	m[0].name = "functions";
	m[0].value = (double)run->site.n;
	m[0].unit = "";
	m[1].name = "redirects";
	m[1].value = (double)run->conf.nrd;
	m[1].unit = "";
	nl_report(x, c, "config", run->cfg_st,
	    run->cfg_msg ? run->cfg_msg : "ok", m, 2);
	if (x->cfg->manifest) {
		m[0].name = "age";
		m[0].value = run->mf_age_s;
		m[0].unit = "s";
		nl_report(x, c, "manifest", run->mf_st,
		    run->mf_msg ? run->mf_msg : "fresh", m,
		    run->mf_age_s >= 0 ? 1 : 0);
	}
	if (x->auth != NULL)
		nl_report(x, c, "deploy", run->dep_st, run->dep_msg, NULL, 0);
	for (i = 0; i < run->site.n; i++) {
		struct nl_func *f = &run->site.f[i];

		nm = 0;
		m[nm].name = "size";
		m[nm].value = (double)f->size;
		m[nm++].unit = "B";
		for (j = 0; j < run->njobs; j++) {
			const struct nl_job *jb = &run->jobs[j];

			if (jb->kind != NL_J_PROBE || jb->fi != i)
				continue;
			m[nm].name = "latency";
			m[nm].value = jb->latency_ms / 1000.0;
			m[nm++].unit = "s";
			m[nm].name = "http_status";
			m[nm].value = (double)jb->status;
			m[nm++].unit = "";
		}
		snprintf(target, sizeof(target), "function:%s", f->name);
		nl_report(x, c, target, f->st,
		    f->msg ? f->msg : (f->v2 ? "ok (Functions API v2)" : "ok"),
		    m, nm);
	}
	nl_cache_sweep(x);
	nl_run_free(run);
	h->check_done(c);
}

/* netlify.toml findings and redirects into the config target. */
static void
nl_judge_config(struct nl *x, struct nl_run *run)
{
	const struct nl_conf *c = &run->conf;
	size_t i;
	int explicit =
	    x->cfg->functions_dir != NULL || strcmp(c->origin, "default") != 0;

	run->cfg_st = RDD_OK;
	for (i = 0; i < c->nnotes; i++)
		nl_msg_add(&run->cfg_msg, &run->cfg_st, c->notes[i].st, "%s",
		    c->notes[i].msg);
	if (!run->site.fdir_exists) {
		if (explicit)
			nl_msg_add(&run->cfg_msg, &run->cfg_st, RDD_CRITICAL,
			    "functions directory %s (%s%s) does not exist: "
			    "create it or fix the path",
			    run->site.fdir_rel,
			    x->cfg->functions_dir ? "functions_dir option"
			                          : c->origin,
			    "");
		else
			nl_msg_add(&run->cfg_msg, &run->cfg_st, RDD_WARNING,
			    "no functions directory %s: set [functions] "
			    "directory in netlify.toml if the functions live "
			    "elsewhere",
			    run->site.fdir_rel);
	}
	for (i = 0; i < c->nrd; i++) {
		if (c->rd[i].fn == NULL ||
		    nl_site_find(&run->site, c->rd[i].fn) != NULL)
			continue;
		nl_msg_add(&run->cfg_msg, &run->cfg_st, RDD_CRITICAL,
		    "netlify.toml:%d: redirect %s -> %s: function %s does not "
		    "exist in %s: create it or fix `to`",
		    c->rd[i].line, c->rd[i].from, c->rd[i].to, c->rd[i].fn,
		    run->site.fdir_rel);
	}
	for (i = 0; i < x->nprobes; i++) {
		if (strpbrk(x->probes[i].function, "*?[") == NULL &&
		    nl_site_find(&run->site, x->probes[i].function) == NULL)
			nl_msg_add(&run->cfg_msg, &run->cfg_st, RDD_WARNING,
			    "probes: function %s is not in %s: fix the probe "
			    "or add the function",
			    x->probes[i].function, run->site.fdir_rel);
	}
	if (x->nprobes > 0 && x->cfg->base_url == NULL)
		nl_msg_add(&run->cfg_msg, &run->cfg_st, RDD_WARNING,
		    "probes are configured but base_url is not: set base_url "
		    "= \"https://SITE.netlify.app\"");
	if (run->cfg_st == RDD_OK && run->cfg_msg == NULL) {
		char buf[512];

		snprintf(buf, sizeof(buf), "%s; %zu function%s in %s (%s)%s",
		    c->present ? "netlify.toml ok" : "no netlify.toml",
		    run->site.n, run->site.n == 1 ? "" : "s",
		    run->site.fdir_rel,
		    x->cfg->functions_dir ? "functions_dir option" : c->origin,
		    "");
		run->cfg_msg = strdup(buf);
	}
}

/*
 * Was this site ever built? A manifest seen once (kept in the state, so
 * a restart remembers it) or a bundle in dist_dir says so: then a
 * missing manifest is damage. A fresh clone has neither, and is fine.
 */
static int
nl_ever_built(struct nl *x)
{
	const char *seen = x->host->state_get(x->mon, "manifest_seen");
	struct dirent *e;
	size_t n;
	DIR *d;
	int built = 0;

	if (seen != NULL && strcmp(seen, "1") == 0)
		return 1;
	if ((d = opendir(x->dist)) == NULL)
		return 0;
	while (!built && (e = readdir(d)) != NULL)
		built = (n = strlen(e->d_name)) > 4 &&
		    strcmp(e->d_name + n - 4, ".zip") == 0;
	closedir(d);
	return built;
}

static void
nl_judge_manifest(struct nl *x, struct nl_run *run)
{
	struct nl_manifest mf;
	char *path, err[256], why[768];
	size_t i, missing = 0, older = 0;
	int rc;

	run->mf_st = RDD_OK;
	run->mf_age_s = -1;
	if (asprintf(&path, "%s/%s", x->dist, NL_MANIFEST_NAME) < 0)
		return;
	rc = nl_manifest_load(path, &mf, err, sizeof(err));
	if (rc == 1 && !x->cfg->manifest_required && !nl_ever_built(x)) {
		snprintf(why, sizeof(why), "not built yet: no %s/%s and no "
		    "bundle (it is checked once the site has been built; set "
		    "manifest_required = true to insist)", x->cfg->dist_dir,
		    NL_MANIFEST_NAME);
		run->mf_msg = strdup(why);
	} else if (rc == 1) {
		nl_msg_add(&run->mf_msg, &run->mf_st, RDD_CRITICAL,
		    "%s/%s is missing: it will be regenerated (redundancyctl "
		    "recover %s manifest)",
		    x->cfg->dist_dir, NL_MANIFEST_NAME,
		    x->host->monitor_name(x->mon));
	} else if (rc < 0) {
		nl_msg_add(&run->mf_msg, &run->mf_st, RDD_CRITICAL,
		    "%s/%s is unusable: %s: it will be regenerated",
		    x->cfg->dist_dir, NL_MANIFEST_NAME, err);
	} else {
		x->host->state_set(x->mon, "manifest_seen", "1");
		run->mf_age_s = (double)(nl_now_ms() - mf.timestamp) / 1000.0;
		if (nl_manifest_judge(&mf, &run->site, why, sizeof(why)) ==
		    NL_MF_STALE)
			nl_msg_add(&run->mf_msg, &run->mf_st, RDD_CRITICAL,
			    "%s/%s is stale: %s", x->cfg->dist_dir,
			    NL_MANIFEST_NAME, why);
		for (i = 0; run->mf_st == RDD_OK && i < run->site.n; i++) {
			struct nl_func *f = &run->site.f[i];

			switch (nl_bundle_state(x->dist, f)) {
			case 1:
				missing++;
				nl_msg_add(&f->msg, &f->st, RDD_WARNING,
				    "bundle %s/%s.zip is missing: run the "
				    "bundler (bundler_cmd) or netlify build",
				    x->cfg->dist_dir, f->name);
				break;
			case 2:
				older++;
				nl_msg_add(&f->msg, &f->st, RDD_WARNING,
				    "bundle %s/%s.zip is older than its "
				    "sources: run the bundler",
				    x->cfg->dist_dir, f->name);
				break;
			}
		}
		if (missing + older > 0)
			nl_msg_add(&run->mf_msg, &run->mf_st, RDD_WARNING,
			    "fresh, but bundles: %zu missing, %zu older than "
			    "the sources",
			    missing, older);
		else if (run->mf_st == RDD_OK) {
			snprintf(why, sizeof(why),
			    "fresh: %zu function%s, all bundles present", mf.n,
			    mf.n == 1 ? "" : "s");
			run->mf_msg = strdup(why);
		}
		nl_manifest_free(&mf);
	}
	free(path);
}

/* The site as it is now: netlify.toml, then the functions. */
static int
nl_load_site(struct nl *x, struct nl_conf *conf, struct nl_site *site,
    char *err, size_t errlen)
{
	const char *fdir;

	if (nl_conf_load(conf, x->site) == 0 && conf->present) {
		free(x->last_fdir);
		x->last_fdir = strdup(conf->functions_dir);
	}
	if (x->cfg->functions_dir != NULL)
		fdir = x->cfg->functions_dir;
	else if (!conf->ok && x->last_fdir != NULL)
		fdir = x->last_fdir; /* broken file: the last good answer */
	else
		fdir = conf->functions_dir;
	if (nl_discover(site, x->site, fdir, err, errlen) != 0)
		return -1;
	nl_validate(site, conf, x->cfg->max_size);
	return 0;
}

static int
nl_syntax_wanted(const struct nl_func *f, int *module)
{
	if (!f->scanned)
		return 0;
	if (strcmp(f->ext, ".mjs") == 0)
		*module = 1;
	else if (strcmp(f->ext, ".cjs") == 0)
		*module = 0;
	else if (strcmp(f->ext, ".js") == 0)
		*module = f->esm;
	else
		return 0; /* TypeScript: node --check does not read it */
	return 1;
}

static void
nl_start_syntax(struct nl_run *run, struct nl_job *j)
{
	struct nl *x = run->x;
	struct nl_func *f = nl_job_func(j);
	struct rdd_child_spec spec;
	const char *argv[5];
	uint64_t hd;

	memset(&spec, 0, sizeof(spec));
	argv[0] = x->cfg->node;
	if (j->module && strcmp(f->ext, ".js") == 0) {
		/* node --check of an ESM .js fails open: feed it as a module.
		 */
		j->input = nl_read_file(f->main, 64u << 20, &j->input_len);
		argv[1] = "--input-type=module";
		argv[2] = "--check";
		argv[3] = NULL;
		spec.input = j->input;
		spec.input_len = j->input_len;
		if (j->input == NULL) {
			nl_msg_add(&f->msg, &f->st, RDD_CRITICAL,
			    "%s: cannot read: %s", f->rel, strerror(errno));
			nl_job_end(j);
			return;
		}
	} else {
		argv[1] = "--check";
		argv[2] = f->main;
		argv[3] = NULL;
	}
	spec.argv = argv;
	spec.cwd = x->site;
	spec.timeout_ms = x->cfg->node_timeout;
	spec.output_cap = 8192;
	hd = x->host->child_run(x->mon, &spec, nl_syntax_cb, j);
	if (j->done)
		return;
	if (hd == 0) {
		nl_msg_add(&f->msg, &f->st, RDD_UNKNOWN,
		    "the daemon could not start node --check (see system.log)");
		nl_job_end(j);
		return;
	}
	j->h = hd;
}

static void
nl_http_send(struct nl *x, struct nl_job *j, const char *method,
    const char *url, int64_t timeout, size_t max, rdd_http_cb cb, int api)
{
	struct rdd_http_request req;
	const char *hdr[4];
	uint64_t hd;
	size_t n = 0;

	if (api) {
		hdr[n++] = x->auth;
		hdr[n++] = "Accept: application/json";
	}
	hdr[n++] = "User-Agent: redundancyd-netlify/1.0";
	hdr[n] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = hdr;
	req.timeout_ms = timeout;
	req.max_response = max;
	j->started_ms = nl_mono_ms();
	hd = x->host->http(x->mon, &req, cb, j);
	if (j->done)
		return;
	if (hd == 0) {
		struct rdd_http_response res;

		memset(&res, 0, sizeof(res));
		res.error = 1;
		res.errmsg = "the daemon could not start the request (see "
		             "system.log)";
		cb(j, &res);
		return;
	}
	j->h = hd;
}

static void
nl_check(void *ctx, struct rdd_check *c)
{
	struct nl *x = ctx;
	const struct rdd_host *h = x->host;
	struct nl_run *run;
	struct nl_cache *ce;
	size_t i, njobs = 0, k = 0;
	char err[256], url[4096];
	int module;

	if (x->run != NULL) {
		/* Re-report what we know, or the host forgets the targets. */
		for (i = 0; i < x->nlast; i++)
			h->report(c, x->last[i].target, x->last[i].st,
			    x->last[i].msg, NULL, 0);
		h->log(x->mon, RDD_LOG_WARN,
		    "the previous check is still running: its results are "
		    "repeated");
		h->check_done(c);
		return;
	}
	if ((run = calloc(1, sizeof(*run))) == NULL) {
		h->report(c, "config", RDD_UNKNOWN, "out of memory", NULL, 0);
		h->check_done(c);
		return;
	}
	run->x = x;
	run->c = c;
	run->dep_st = RDD_UNKNOWN;
	if (nl_load_site(x, &run->conf, &run->site, err, sizeof(err)) != 0) {
		nl_run_free(run);
		h->report(c, "config", RDD_UNKNOWN, err, NULL, 0);
		h->check_done(c);
		return;
	}
	nl_judge_config(x, run);
	if (x->cfg->manifest)
		nl_judge_manifest(x, run);

	/* Count the jobs first: the array never moves once they run. */
	for (i = 0; i < run->site.n; i++) {
		if (nl_syntax_wanted(&run->site.f[i], &module) &&
		    nl_cache_find(x, &run->site.f[i], module) == NULL)
			njobs++;
		if (x->cfg->base_url != NULL &&
		    (nl_probe_for(x, run->site.f[i].name) != NULL ||
		        x->cfg->probe_all))
			njobs++;
	}
	if (x->auth != NULL)
		njobs++;
	if (njobs > 0 &&
	    (run->jobs = calloc(njobs, sizeof(*run->jobs))) == NULL) {
		nl_run_free(run);
		h->report(c, "config", RDD_UNKNOWN, "out of memory", NULL, 0);
		h->check_done(c);
		return;
	}
	run->njobs = njobs;
	x->run = run;
	run->pending = 1; /* held until every job is started */
	for (i = 0; i < run->site.n; i++) {
		struct nl_func *f = &run->site.f[i];
		const struct nl_probe *p;

		if (nl_syntax_wanted(f, &module)) {
			if ((ce = nl_cache_find(x, f, module)) != NULL) {
				ce->used = 1;
				if (ce->st != RDD_OK)
					nl_msg_add(&f->msg, &f->st, ce->st,
					    "%s", ce->msg ? ce->msg : "");
			} else {
				struct nl_job *j = &run->jobs[k++];

				j->run = run;
				j->kind = NL_J_SYNTAX;
				j->fi = i;
				j->module = module;
				run->pending++;
				nl_start_syntax(run, j);
			}
		}
		if (x->cfg->base_url == NULL)
			continue;
		if ((p = nl_probe_for(x, f->name)) != NULL ||
		    x->cfg->probe_all) {
			struct nl_job *j = &run->jobs[k++];

			j->run = run;
			j->kind = NL_J_PROBE;
			j->fi = i;
			if (p == NULL) {
				j->dflt.function = f->name;
				j->dflt.method = x->cfg->probe_method;
				j->dflt.status = (long)x->cfg->probe_status;
				j->dflt.timeout_ms = x->cfg->probe_timeout;
				j->dflt.latency_ms =
				    x->cfg->probe_latency_warning;
				p = &j->dflt;
			}
			j->probe = p;
			snprintf(url, sizeof(url),
			    "%.2000s/.netlify/functions/%s", x->base, f->name);
			run->pending++;
			nl_http_send(x, j, p->method, url, p->timeout_ms,
			    1u << 20, nl_probe_cb, 0);
		}
	}
	if (x->auth != NULL) {
		struct nl_job *j = &run->jobs[k++];
		int64_t now = nl_now_ms();

		j->run = run;
		j->kind = NL_J_DEPLOYS;
		if (now < x->api_until_ms) {
			run->dep_st = x->have_deploys ? x->dep_st : RDD_UNKNOWN;
			snprintf(run->dep_msg, sizeof(run->dep_msg),
			    "%.700s%snot asked: Netlify API rate limit, next "
			    "request in %llds",
			    x->have_deploys ? x->dep_msg : "",
			    x->have_deploys ? "; " : "",
			    (long long)((x->api_until_ms - now + 999) / 1000));
			j->done = 1;
		} else {
			snprintf(url, sizeof(url),
			    "%.2000s/sites/%.500s/deploys?per_page=%lld",
			    x->api, x->cfg->site_id,
			    (long long)x->cfg->deploys);
			run->pending++;
			nl_http_send(x, j, "GET", url, x->cfg->api_timeout,
			    8u << 20, nl_deploys_cb, 1);
		}
	}
	if (--run->pending == 0)
		nl_run_finish(run);
}

/* ---- recovery ---- */

static void
nl_rec_free(struct nl_rec *rc)
{
	if (rc->tmp != NULL) {
		unlink(rc->tmp);
		free(rc->tmp);
	}
	free(rc->what);
	free(rc);
}

static void nl_rec_done(struct nl_rec *rc, int ok, const char *fmt, ...)
    RDD_PRINTF(3, 4);

static void
nl_rec_done(struct nl_rec *rc, int ok, const char *fmt, ...)
{
	struct nl *x = rc->x;
	struct rdd_recovery *r = rc->r;
	char msg[NL_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (x->rec[rc->slot] == rc)
		x->rec[rc->slot] = NULL;
	nl_rec_free(rc);
	x->host->recovery_done(r, ok, msg);
}

/* The bundler's --config: netlify.toml's function sections, camelCased. */
static char *
nl_bundler_config(struct nl *x, const struct nl_conf *c)
{
	json_object *root = json_object_new_object(), *o, *a;
	const struct nl_strv *lists[3];
	static const char *const keys[3] = {
	    "includedFiles", "externalNodeModules", "ignoredNodeModules"};
	char *out = NULL, *p;
	const char *txt;
	size_t i, k, e;

	for (i = 0; i < c->nsect; i++) {
		const struct nl_fsect *s = &c->sect[i];

		o = json_object_new_object();
		if (s->node_bundler != NULL)
			json_object_object_add(o, "nodeBundler",
			    json_object_new_string(s->node_bundler));
		if (s->schedule != NULL)
			json_object_object_add(
			    o, "schedule", json_object_new_string(s->schedule));
		lists[0] = &s->included_files;
		lists[1] = &s->external_node_modules;
		lists[2] = &s->ignored_node_modules;
		for (k = 0; k < 3; k++) {
			if (lists[k]->n == 0)
				continue;
			a = json_object_new_array();
			for (e = 0; e < lists[k]->n; e++) {
				const char *v = lists[k]->v[e];
				int neg = v[0] == '!';

				/* @netlify/config resolves them from the site.
				 */
				if (k == 0 && v[neg] != '/' &&
				    asprintf(&p, "%s%s/%s", neg ? "!" : "",
				        x->site, v + neg) >= 0) {
					json_object_array_add(
					    a, json_object_new_string(p));
					free(p);
				} else {
					json_object_array_add(
					    a, json_object_new_string(v));
				}
			}
			json_object_object_add(o, keys[k], a);
		}
		json_object_object_add(
		    root, s->pattern != NULL ? s->pattern : "*", o);
	}
	txt = json_object_to_json_string_ext(
	    root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (txt != NULL)
		out = strdup(txt);
	json_object_put(root);
	return out;
}

static const char *
nl_last_line(const char *s, char *buf, size_t len)
{
	const char *end, *start;

	buf[0] = '\0';
	if (s == NULL)
		return buf;
	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (start = end; start > s && start[-1] != '\n'; start--)
		;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
	return buf;
}

static void
nl_bundler_cb(void *arg, const struct rdd_child_result *res)
{
	struct nl_rec *rc = arg;
	struct nl *x = rc->x;
	struct nl_manifest mf;
	char err[512], line[512], d[32];
	int rcode, kept;

	rc->h = 0;
	rc->ncb++;
	if (res->spawn_errno != 0) {
		nl_rec_done(rc, 0, "cannot run %s: %s: fix bundler_cmd",
		    x->cfg->bundler_cmd.v[0], strerror(res->spawn_errno));
		return;
	}
	if (res->timed_out) {
		nl_dur(d, sizeof(d), x->cfg->bundler_timeout);
		nl_rec_done(rc, 0,
		    "%s timed out after %s: raise "
		    "bundler_timeout",
		    rc->what, d);
		return;
	}
	if (!res->exited || res->status != 0) {
		nl_last_line(
		    res->err_len > 0 ? res->err : res->out, line, sizeof(line));
		nl_rec_done(rc, 0,
		    "%s failed (%s %d)%s%s: fix the function it names; the "
		    "manifest was left as it was",
		    rc->what, res->exited ? "exit" : "signal",
		    res->exited ? res->status : res->signal,
		    line[0] ? ": " : "", line);
		return;
	}
	rcode = nl_manifest_load(rc->tmp, &mf, err, sizeof(err));
	if (rcode != 0) {
		nl_rec_done(rc, 0, "%s wrote no usable manifest: %s", rc->what,
		    rcode == 1 ? "none written" : err);
		return;
	}
	if ((kept = nl_manifest_install(x->dist, rc->tmp, err, sizeof(err))) <
	    0) {
		nl_manifest_free(&mf);
		nl_rec_done(rc, 0, "cannot install the manifest: %s", err);
		return;
	}
	free(rc->tmp);
	rc->tmp = NULL;
	x->mf_pushed = 0;
	nl_rec_done(rc, 1,
	    "manifest regenerated by %s: %zu function%s bundled in %lld ms%s%s",
	    rc->what, mf.n, mf.n == 1 ? "" : "s",
	    (long long)(nl_mono_ms() - rc->started_ms),
	    kept ? "; the previous one is " : "",
	    kept ? NL_MANIFEST_BACKUP : "");
	nl_manifest_free(&mf);
}

static void
nl_regenerate(struct nl_rec *rc)
{
	struct nl *x = rc->x;
	const struct nl_config *cfg = x->cfg;
	struct nl_conf conf;
	struct nl_site site;
	struct rdd_child_spec spec;
	char err[512], *bconf = NULL;
	const char **argv;
	size_t i, n, missing = 0, older = 0;
	uint64_t hd;
	int st, kept;

	if (nl_load_site(x, &conf, &site, err, sizeof(err)) != 0) {
		nl_conf_free(&conf);
		nl_rec_done(rc, 0, "cannot list the functions: %s", err);
		return;
	}
	if (cfg->bundler_cmd.n == 0) {
		for (i = 0; i < site.n; i++) {
			st = nl_bundle_state(x->dist, &site.f[i]);
			missing += st == 1;
			older += st == 2;
		}
		if ((kept = nl_manifest_write(
		         &site, x->dist, err, sizeof(err))) < 0) {
			nl_rec_done(
			    rc, 0, "cannot write the manifest: %s", err);
		} else {
			char flag[160] = "";

			if (missing + older > 0)
				snprintf(flag, sizeof(flag),
				    "; bundles: %zu missing, %zu older than "
				    "the sources (set bundler_cmd to rebuild "
				    "them)",
				    missing, older);
			x->mf_pushed = 0;
			nl_rec_done(rc, 1,
			    "manifest written from the bundles in %s: %zu "
			    "function%s%s%s%s",
			    cfg->dist_dir, site.n, site.n == 1 ? "" : "s", flag,
			    kept ? "; the previous one is " : "",
			    kept ? NL_MANIFEST_BACKUP : "");
		}
		nl_site_free(&site);
		nl_conf_free(&conf);
		return;
	}
	/* The real bundler rebuilds bundles and manifest. */
	if (!site.fdir_exists) {
		nl_rec_done(rc, 0, "functions directory %s does not exist",
		    site.fdir_rel);
		goto out;
	}
	if (mkdir(x->dist, 0755) != 0 && errno != EEXIST) {
		char *parent = strdup(x->dist), *sl;

		/* .netlify first, then .netlify/functions. */
		if (parent != NULL && (sl = strrchr(parent, '/')) != NULL) {
			*sl = '\0';
			mkdir(parent, 0755);
		}
		free(parent);
		mkdir(x->dist, 0755);
	}
	if (asprintf(&rc->tmp, "%s/.manifest.json.%ld.bundler.tmp", x->dist,
	        (long)getpid()) < 0) {
		rc->tmp = NULL;
		nl_rec_done(rc, 0, "out of memory");
		goto out;
	}
	unlink(rc->tmp);
	n = cfg->bundler_cmd.n;
	if ((argv = calloc(n + 8, sizeof(*argv))) == NULL) {
		nl_rec_done(rc, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		argv[i] = cfg->bundler_cmd.v[i];
	argv[n++] = "--manifest";
	argv[n++] = rc->tmp;
	if (conf.nsect > 0 && (bconf = nl_bundler_config(x, &conf)) != NULL) {
		argv[n++] = "--config";
		argv[n++] = bconf;
	}
	argv[n++] = site.fdir;
	argv[n++] = x->dist;
	argv[n] = NULL;
	{
		const char *b = strrchr(cfg->bundler_cmd.v[0], '/');

		rc->what = strdup(b != NULL ? b + 1 : cfg->bundler_cmd.v[0]);
	}
	rc->nfuncs = site.n;
	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.cwd = x->site;
	spec.timeout_ms = cfg->bundler_timeout;
	spec.output_cap = 64 * 1024;
	rc->started_ms = nl_mono_ms();
	x->rec[rc->slot] = rc;
	hd = x->host->child_run(x->mon, &spec, nl_bundler_cb, rc);
	free(argv);
	free(bconf);
	if (x->rec[rc->slot] != rc || rc->ncb > 0)
		goto out; /* completed already */
	if (hd == 0) {
		nl_rec_done(rc, 0,
		    "the daemon could not start the bundler "
		    "(see system.log)");
		goto out;
	}
	rc->h = hd;
out:
	nl_site_free(&site);
	nl_conf_free(&conf);
}

static void nl_api_send(struct nl_rec *rc);

static void
nl_api_timer(void *arg)
{
	struct nl_rec *rc = arg;

	rc->timer = 0;
	nl_api_send(rc);
}

static void
nl_api_cb(void *arg, const struct rdd_http_response *res)
{
	struct nl_rec *rc = arg;
	struct nl *x = rc->x;
	const struct rdd_host *h = x->host;
	char bid[64], did[64], line[256], d[32];
	int64_t wait;

	rc->h = 0;
	rc->ncb++;
	if (res->error == 0 && res->status == 429) {
		nl_rate_limited(x, res, &wait);
		nl_dur(d, sizeof(d), wait);
		if (wait <= x->cfg->retry_after_max &&
		    rc->tries < NL_RETRIES_429) {
			h->log(x->mon, RDD_LOG_WARN,
			    "deploy: %s rate limited (429): retrying after "
			    "%s as Retry-After asks",
			    rc->what, d);
			rc->timer = h->timer_add(
			    x->mon, wait > 0 ? wait : 1, 0, nl_api_timer, rc);
			if (rc->timer != 0)
				return;
		}
		nl_rec_done(rc, 0,
		    "%s: rate limited by Netlify (429), Retry-After %s: "
		    "the next attempt waits for it",
		    rc->what, d);
		return;
	}
	if (rc->op == NL_OP_CANCEL) {
		/* Whatever the answer, the retried build comes next. */
		if (res->error != 0 || res->status >= 300)
			h->log(x->mon, RDD_LOG_WARN,
			    "deploy: cancel of stuck deploy %s answered %s%ld",
			    rc->failed_id, res->error ? "error " : "HTTP ",
			    res->error ? (long)res->error : res->status);
		rc->op = NL_OP_BUILD;
		rc->tries = 0;
		rc->via_cancel = 1;
		nl_api_send(rc);
		return;
	}
	if (res->error != 0) {
		nl_rec_done(rc, 0, "%s: Netlify API unreachable: %s", rc->what,
		    res->errmsg ? res->errmsg : "transfer error");
		return;
	}
	if (res->status < 200 || res->status >= 300) {
		snprintf(
		    line, sizeof(line), "%.200s", res->body ? res->body : "");
		line[strcspn(line, "\r\n")] = '\0';
		nl_rec_done(rc, 0, "%s: HTTP %ld%s%s", rc->what, res->status,
		    line[0] ? ": " : "", line);
		return;
	}
	if (rc->op == NL_OP_BUILD) {
		nl_build_parse(res->body ? res->body : "", bid, sizeof(bid),
		    did, sizeof(did));
		if (did[0] != '\0')
			h->state_set(x->mon, "retried_deploy", did);
		nl_rec_done(rc, 1, "build %s started (deploy %s)%s%s",
		    bid[0] ? bid : "?", did[0] ? did : "?",
		    rc->via_cancel ? " after cancelling stuck deploy " : "",
		    rc->via_cancel ? rc->failed_id : "");
		return;
	}
	h->state_set(x->mon, "restored_for", rc->failed_id);
	h->state_set(x->mon, "restored_id", rc->target_id);
	nl_rec_done(rc, 1,
	    "restored deploy %s, the last ready one, in place "
	    "of %s",
	    rc->target_id, rc->failed_id[0] ? rc->failed_id : "?");
}

static void
nl_api_send(struct nl_rec *rc)
{
	struct nl *x = rc->x;
	struct rdd_http_request req;
	const char *hdr[5];
	char url[4096];
	uint64_t hd;
	size_t off;
	unsigned ncb;

	rc->tries++;
	switch (rc->op) {
	case NL_OP_CANCEL:
		snprintf(url, sizeof(url), "%.2000s/deploys/%s/cancel", x->api,
		    rc->failed_id);
		break;
	case NL_OP_BUILD:
		snprintf(url, sizeof(url), "%.2000s/sites/%.500s/builds",
		    x->api, x->cfg->site_id);
		break;
	case NL_OP_RESTORE:
		snprintf(url, sizeof(url),
		    "%.2000s/sites/%.500s/deploys/%s/restore", x->api,
		    x->cfg->site_id, rc->target_id);
		break;
	}
	free(rc->what);
	rc->what = NULL;
	off = strlen(x->api) < 2000 ? strlen(x->api) : 2000;
	if (asprintf(&rc->what, "POST %s", url + off) < 0)
		rc->what = NULL;
	hdr[0] = x->auth;
	hdr[1] = "Accept: application/json";
	hdr[2] = "Content-Type: application/json";
	hdr[3] = "User-Agent: redundancyd-netlify/1.0";
	hdr[4] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = hdr;
	req.body = "{}";
	req.body_len = 2;
	req.timeout_ms = x->cfg->api_timeout;
	x->rec[rc->slot] = rc;
	ncb = rc->ncb;
	hd = x->host->http(x->mon, &req, nl_api_cb, rc);
	if (x->rec[rc->slot] != rc || rc->ncb != ncb)
		return; /* answered already (or waiting on a timer) */
	if (hd == 0) {
		nl_rec_done(rc, 0,
		    "the daemon could not start the request "
		    "(see system.log)");
		return;
	}
	rc->h = hd;
}

static void
nl_recover_deploy(struct nl_rec *rc, const char *action)
{
	struct nl *x = rc->x;
	const struct rdd_host *h = x->host;
	const char *retried;
	int restore;

	if (x->auth == NULL) {
		nl_rec_done(rc, 0,
		    "no Netlify token: set site_id and "
		    "token_env or token_file");
		return;
	}
	if (x->mode == NL_NONE) {
		nl_rec_done(rc, 0,
		    "deploy_recovery = \"none\": deploys are "
		    "reported, not repaired");
		return;
	}
	if (!x->have_deploys) {
		nl_rec_done(rc, 0,
		    "no deploy list read yet: the next check "
		    "reads it");
		return;
	}
	retried = h->state_get(x->mon, "retried_deploy");
	if (x->mode == NL_RESTORE)
		restore = 1;
	else if (x->mode == NL_RETRY)
		restore = 0;
	else if (strcmp(action, "restore-deploy") == 0)
		restore = 1;
	else /* repair: a retried build that failed too goes to restore */
		restore = x->latest_kind == NL_DK_ERROR && retried != NULL &&
		          strcmp(retried, x->latest_id) == 0;
	snprintf(rc->failed_id, sizeof(rc->failed_id), "%s", x->latest_id);
	if (restore) {
		if (x->ready_id[0] == '\0') {
			nl_rec_done(rc, 0,
			    "no ready deploy among the last %lld to restore: "
			    "raise deploys or fix the build",
			    (long long)x->cfg->deploys);
			return;
		}
		snprintf(
		    rc->target_id, sizeof(rc->target_id), "%s", x->ready_id);
		rc->op = NL_OP_RESTORE;
	} else {
		/* A stuck deploy is cancelled before the build is retried. */
		rc->op =
		    x->latest_kind == NL_DK_BUSY ? NL_OP_CANCEL : NL_OP_BUILD;
	}
	nl_api_send(rc);
}

static void
nl_recover(void *ctx, struct rdd_recovery *r, const char *target,
    const char *action, unsigned attempt)
{
	struct nl *x = ctx;
	const struct rdd_host *h = x->host;
	struct nl_rec *rc;

	(void)attempt;
	if (action == NULL || (strcmp(action, "repair") != 0 &&
	                          strcmp(action, "restore-deploy") != 0)) {
		h->recovery_done(r, 0,
		    "unknown action: the netlify plugin's "
		    "actions are repair and restore-deploy");
		return;
	}
	if ((rc = calloc(1, sizeof(*rc))) == NULL) {
		h->recovery_done(r, 0, "out of memory");
		return;
	}
	rc->x = x;
	rc->r = r;
	if (strcmp(target, "manifest") == 0 || strcmp(target, "deploy") == 0) {
		rc->slot = target[0] == 'm' ? NL_SLOT_MANIFEST : NL_SLOT_DEPLOY;
		if (x->rec[rc->slot] != NULL) {
			free(rc);
			h->recovery_done(r, 0,
			    "a recovery of this target is running: the next "
			    "attempt follows it");
			return;
		}
	}
	if (strcmp(target, "manifest") == 0) {
		if (!x->cfg->manifest)
			nl_rec_done(rc, 0,
			    "manifest = false: the manifest is "
			    "not managed");
		else if (strcmp(action, "repair") != 0)
			nl_rec_done(rc, RDD_RECOVERY_NOT_APPLICABLE,
			    "%s does not apply to the manifest: its repair "
			    "(regeneration) failed; see the previous attempt",
			    action);
		else
			nl_regenerate(rc);
	} else if (strcmp(target, "deploy") == 0) {
		nl_recover_deploy(rc, action);
	} else if (strncmp(target, "function:", 9) == 0) {
		nl_rec_done(rc, RDD_RECOVERY_NOT_APPLICABLE,
		    "%s is not repaired by redundancyd: fix the function's "
		    "source (see the check message)",
		    target);
	} else if (strcmp(target, "config") == 0) {
		nl_rec_done(rc, RDD_RECOVERY_NOT_APPLICABLE,
		    "netlify.toml is not repaired by "
		    "redundancyd: fix it (see the check "
		    "message)");
	} else {
		nl_rec_done(rc, RDD_RECOVERY_NOT_APPLICABLE,
		    "unknown target '%s': the netlify plugin repairs "
		    "manifest and deploy",
		    target);
	}
}

static void
nl_stop(void *ctx)
{
	struct nl *x = ctx;
	const struct rdd_host *h = x->host;
	struct nl_run *run = x->run;
	size_t i;

	if (run != NULL) {
		for (i = 0; i < run->njobs; i++) {
			struct nl_job *j = &run->jobs[i];

			if (j->done || j->h == 0)
				continue;
			if (j->kind == NL_J_SYNTAX)
				h->child_cancel(x->mon, j->h);
			else
				h->http_cancel(x->mon, j->h);
		}
		x->run = NULL;
		nl_run_free(run);
	}
	for (i = 0; i < 2; i++) {
		struct nl_rec *rc = x->rec[i];

		if (rc == NULL)
			continue;
		if (rc->h != 0) {
			if (rc->tmp != NULL)
				h->child_cancel(x->mon, rc->h);
			else
				h->http_cancel(x->mon, rc->h);
		}
		if (rc->timer != 0)
			h->timer_del(x->mon, rc->timer);
		x->rec[i] = NULL;
		nl_rec_free(rc);
	}
	if (x->watch_h != 0) {
		h->watch_del(x->mon, x->watch_h);
		x->watch_h = 0;
	}
}

static void
nl_destroy(void *ctx)
{
	struct nl *x = ctx;

	if (x == NULL)
		return;
	nl_stop(x);
	nl_free(x);
}

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
    RDD_PLUGIN_HEADER,
    .name = "netlify",
    .version = "1.0.0",
    .description = "Netlify site: netlify.toml, functions (syntax, handler, "
                   "probes), the functions manifest and deploys",
    .options = nl_options,
    .config_size = sizeof(struct nl_config),
    .actions = nl_actions,
    .create = nl_create,
    .start = nl_start,
    .check = nl_check,
    .recover = nl_recover,
    .command = NULL,
    .stop = nl_stop,
    .destroy = nl_destroy,
};
