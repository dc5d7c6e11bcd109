/*
 * remote.c: the github_actions plugin's REST side: conditional GETs of
 * workflows and runs, the status page, rate-limit pacing, and the repairs
 * (enable, re-run failed jobs, cancel and re-run) as recovery actions.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "gha.h"

#define REMOTE_URL_MAX 2048

/* snprintf that truncates silently: messages and URLs are cut, by design. */
static void remote_fmt(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
remote_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
#define REMOTE_PER_POLL 2 /* workflows + runs, each poll */

enum remote_step { RS_STATUS = 1, RS_REPO, RS_WORKFLOWS, RS_RUNS };

static void remote_next(struct gha *x);
static void remote_finish(struct gha *x);
static void remote_pend_next(struct gha *x);

static void
remote_at(char *buf, size_t len, int64_t when)
{
	struct tm tm;
	time_t t = (time_t)when;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%SZ", &tm);
}

static void
remote_decs_free(struct gha_remote *rm)
{
	size_t i;

	for (i = 0; i < rm->ndecs; i++)
		free(rm->decs[i].file);
	free(rm->decs);
	rm->decs = NULL;
	rm->ndecs = 0;
}

void
remote_free(struct gha *x)
{
	struct gha_remote *rm = &x->rm;
	size_t i;

	for (i = 0; i < rm->netags; i++) {
		free(rm->etags[i].url);
		free(rm->etags[i].etag);
		free(rm->etags[i].body);
	}
	free(rm->etags);
	for (i = 0; i < rm->npend; i++)
		free(rm->pend[i].name);
	free(rm->pend);
	remote_decs_free(rm);
	api_wfs_free(rm->wfs, rm->nwfs);
	if (rm->token != NULL) {
		memset(rm->token, 0, strlen(rm->token));
		free(rm->token);
	}
	memset(rm, 0, sizeof(*rm));
}

int
remote_init(struct gha *x, char *err, size_t errlen)
{
	const struct gha_config *cfg = x->cfg;
	struct gha_remote *rm = &x->rm;
	const char *slash, *v;
	int tok = (cfg->token_env && cfg->token_env[0]) ||
	          (cfg->token_file && cfg->token_file[0]);

	rm->remaining = -1;
	if (cfg->github_repo == NULL || cfg->github_repo[0] == '\0') {
		if (tok) {
			remote_fmt(err, errlen,
			    "github_repo: needed with a "
			    "token: set github_repo = \"owner/name\"");
			return -1;
		}
		return 0;
	}
	if (!api_repo_ok(cfg->github_repo)) {
		remote_fmt(err, errlen,
		    "github_repo: \"%s\": expected "
		    "\"owner/name\"",
		    cfg->github_repo);
		return -1;
	}
	slash = strchr(cfg->github_repo, '/');
	if ((size_t)(slash - cfg->github_repo) >= sizeof(rm->owner) ||
	    strlen(slash + 1) >= sizeof(rm->name)) {
		remote_fmt(err, errlen, "github_repo: \"%s\": too long",
		    cfg->github_repo);
		return -1;
	}
	remote_fmt(rm->owner, sizeof(rm->owner), "%.*s",
	    (int)(slash - cfg->github_repo), cfg->github_repo);
	remote_fmt(rm->name, sizeof(rm->name), "%s", slash + 1);
	if (cfg->api_url == NULL ||
	    (strncmp(cfg->api_url, "https://", 8) != 0 &&
	        strncmp(cfg->api_url, "http://", 7) != 0)) {
		remote_fmt(err, errlen,
		    "api_url: \"%s\": expected an http(s) "
		    "URL like https://api.github.com",
		    cfg->api_url ? cfg->api_url : "");
		return -1;
	}
	if (cfg->status_url != NULL && cfg->status_url[0] != '\0' &&
	    strncmp(cfg->status_url, "https://", 8) != 0 &&
	    strncmp(cfg->status_url, "http://", 7) != 0) {
		remote_fmt(err, errlen,
		    "status_url: \"%s\": expected an http(s) "
		    "URL or \"\"",
		    cfg->status_url);
		return -1;
	}
	if (cfg->branch != NULL && cfg->branch[0] != '\0')
		remote_fmt(rm->branch, sizeof(rm->branch), "%s", cfg->branch);
	else if ((v = x->host->state_get(x->mon, "default_branch")) != NULL)
		remote_fmt(rm->branch, sizeof(rm->branch), "%s", v);
	if (!tok) {
		x->host->log(x->mon, RDD_LOG_INFO,
		    "github_repo %s without "
		    "token_env or token_file: the API is not watched",
		    cfg->github_repo);
		return 0;
	}
	rm->token = x->host->secret(
	    x->mon, cfg->token_env, cfg->token_file, err, errlen);
	if (rm->token == NULL)
		return -1;
	if (rm->token[0] == '\0' || strpbrk(rm->token, "\r\n") != NULL) {
		remote_fmt(err, errlen,
		    "the GitHub token from %s is empty or "
		    "has a line break: store the bare token",
		    cfg->token_env ? cfg->token_env : cfg->token_file);
		return -1;
	}
	x->has_remote = 1;
	return 0;
}

/* ---- re-run and cancel bookkeeping in the daemon's state ---- */

static long
remote_reruns(struct gha *x, long long run)
{
	const char *s = x->host->state_get(x->mon, "reruns");
	json_object *o, *v;
	char key[32];
	long n = 0;

	if (s == NULL || (o = json_tokener_parse(s)) == NULL)
		return 0;
	remote_fmt(key, sizeof(key), "%lld", run);
	if (json_object_object_get_ex(o, key, &v))
		n = (long)json_object_get_int64(v);
	json_object_put(o);
	return n;
}

static void
remote_reruns_set(
    struct gha *x, const char *key, long long run, long n, int add)
{
	const char *s = x->host->state_get(x->mon, key);
	json_object *o = s ? json_tokener_parse(s) : NULL;
	char k[32];

	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	remote_fmt(k, sizeof(k), "%lld", run);
	if (add) {
		json_object *v;

		if (json_object_object_get_ex(o, k, &v))
			n += (long)json_object_get_int64(v);
	}
	json_object_object_add(o, k, json_object_new_int64(n));
	/* Bounded: only the newest few dozen runs matter. */
	while (json_object_object_length(o) > 64) {
		const char *first = NULL;

		json_object_object_foreach(o, kk, vv)
		{
			(void)vv;
			if (first == NULL ||
			    strtoll(kk, NULL, 10) < strtoll(first, NULL, 10))
				first = kk;
		}
		if (first == NULL)
			break;
		json_object_object_del(o, first);
	}
	if (!x->ro)
		x->host->state_set(x->mon, key, json_object_to_json_string(o));
	json_object_put(o);
}

static int
remote_cancelled(struct gha *x, long long run)
{
	const char *s = x->host->state_get(x->mon, "cancelled");
	json_object *o, *v;
	char key[32];
	int yes = 0;

	if (s == NULL || (o = json_tokener_parse(s)) == NULL)
		return 0;
	remote_fmt(key, sizeof(key), "%lld", run);
	yes = json_object_object_get_ex(o, key, &v) &&
	      json_object_get_int64(v) > 0;
	json_object_put(o);
	return yes;
}

/* ---- HTTP ---- */

static struct gha_etag *
remote_etag(struct gha_remote *rm, const char *url)
{
	size_t i;

	for (i = 0; i < rm->netags; i++)
		if (strcmp(rm->etags[i].url, url) == 0)
			return &rm->etags[i];
	return NULL;
}

static void
remote_etag_set(
    struct gha_remote *rm, const char *url, const char *etag, const char *body)
{
	struct gha_etag *e = remote_etag(rm, url), *nv;
	char *ne, *nb;

	if ((ne = strdup(etag)) == NULL || (nb = strdup(body)) == NULL) {
		free(ne);
		return;
	}
	if (e == NULL) {
		if ((nv = realloc(rm->etags, (rm->netags + 1) * sizeof(*nv))) ==
		        NULL ||
		    (nv[rm->netags].url = strdup(url)) == NULL) {
			if (nv != NULL)
				rm->etags = nv;
			free(ne);
			free(nb);
			return;
		}
		rm->etags = nv;
		e = &rm->etags[rm->netags++];
		e->etag = NULL;
		e->body = NULL;
	}
	free(e->etag);
	free(e->body);
	e->etag = ne;
	e->body = nb;
}

static void
remote_api_base(const struct gha *x, char *buf, size_t len)
{
	size_t n;

	remote_fmt(buf, len, "%s", x->cfg->api_url);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
}

/* Percent-encode a query value (a branch name may hold almost anything). */
static void
remote_qenc(char *out, size_t len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s && n + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '~' || c == '/')
			out[n++] = (char)c;
		else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
}

/* Rate-limit headers of an API response into rm; sets the pause. */
static void
remote_rate(struct gha *x, const struct rdd_http_response *res)
{
	struct gha_remote *rm = &x->rm;
	char b[64], why[256];
	int64_t now = (int64_t)time(NULL), retry = 0, until, interval;
	int hard;

	if (x->host->http_header(res, "x-ratelimit-remaining", b, sizeof(b)))
		rm->remaining = strtol(b, NULL, 10);
	if (x->host->http_header(res, "x-ratelimit-limit", b, sizeof(b)))
		rm->limit = strtol(b, NULL, 10);
	if (x->host->http_header(res, "x-ratelimit-reset", b, sizeof(b)))
		rm->reset = strtoll(b, NULL, 10);
	if (x->host->http_header(res, "retry-after", b, sizeof(b)))
		retry = strtoll(b, NULL, 10);
	interval = 300;
	until = api_pause_until(res->status, rm->remaining, rm->reset, retry,
	    (long)x->cfg->rate_reserve, REMOTE_PER_POLL, interval, now, &hard,
	    why, sizeof(why));
	if (until > rm->pause_until) {
		rm->pause_until = until;
		rm->pause_hard = hard;
		remote_fmt(rm->pause_why, sizeof(rm->pause_why), "%s", why);
		x->host->log(x->mon, RDD_LOG_WARN, "GitHub API: %s", why);
		x->host->journal(x->mon, "rate-limit", "github-api", why);
	}
}

struct remote_call {
	struct gha *x;
	int recovery;
	char url[REMOTE_URL_MAX];
	char method[8];
};

static void remote_http_cb(void *arg, const struct rdd_http_response *res);
static void remote_rec_cb(void *arg, const struct rdd_http_response *res);

static uint64_t
remote_request(struct gha *x, const char *method, const char *url, int api,
    int recovery, void **callp)
{
	struct gha_remote *rm = &x->rm;
	struct rdd_http_request req;
	struct remote_call *call;
	struct gha_etag *e = remote_etag(rm, url);
	const char *hdr[8];
	char auth[1024], inm[600];
	size_t n = 0;
	uint64_t h;

	if ((call = calloc(1, sizeof(*call))) == NULL)
		return 0;
	call->x = x;
	call->recovery = recovery;
	remote_fmt(call->url, sizeof(call->url), "%s", url);
	remote_fmt(call->method, sizeof(call->method), "%s", method);
	hdr[n++] = api ? "Accept: application/vnd.github+json"
	               : "Accept: application/json";
	hdr[n++] = "User-Agent: redundancyd-github-actions/1.0";
	if (api) {
		hdr[n++] = "X-GitHub-Api-Version: 2022-11-28";
		remote_fmt(
		    auth, sizeof(auth), "Authorization: Bearer %s", rm->token);
		hdr[n++] = auth;
	}
	if (!recovery && e != NULL && strcmp(method, "GET") == 0) {
		remote_fmt(inm, sizeof(inm), "If-None-Match: %s", e->etag);
		hdr[n++] = inm;
	}
	hdr[n] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = hdr;
	req.timeout_ms = x->cfg->api_timeout;
	req.max_response = 16u * 1024 * 1024;
	if (api)
		rm->polled++;
	h = x->host->http(
	    x->mon, &req, recovery ? remote_rec_cb : remote_http_cb, call);
	memset(auth, 0, sizeof(auth));
	if (h == 0)
		free(call);
	else
		*callp = call;
	return h;
}

static void
remote_fail(struct gha *x, const char *what)
{
	struct gha_remote *rm = &x->rm;

	rm->api_state = RDD_UNKNOWN;
	remote_fmt(rm->api_msg, sizeof(rm->api_msg), "%s", what);
}

/* A short reason from a GitHub error body: {"message": "..."}. */
static void
remote_body_msg(const char *body, char *buf, size_t len)
{
	json_object *o = body ? json_tokener_parse(body) : NULL, *m;

	buf[0] = '\0';
	if (o != NULL && json_object_object_get_ex(o, "message", &m) &&
	    json_object_is_type(m, json_type_string))
		remote_fmt(buf, len, ": %s", json_object_get_string(m));
	json_object_put(o);
}

static void
remote_use_workflows(struct gha *x, const char *body)
{
	struct gha_remote *rm = &x->rm;
	struct gh_wf *v;
	size_t n;
	char err[256], msg[512];

	if (api_parse_workflows(body, &v, &n, err, sizeof(err)) != 0) {
		remote_fmt(msg, sizeof(msg), "workflows list: %s", err);
		remote_fail(x, msg);
		return;
	}
	api_wfs_free(rm->wfs, rm->nwfs);
	rm->wfs = v;
	rm->nwfs = n;
}

static void
remote_use_runs(struct gha *x, const char *body)
{
	struct gha_remote *rm = &x->rm;
	struct api_policy pol;
	struct gh_run *runs;
	const struct gh_run **mine;
	struct gha_wfdec *decs;
	size_t nruns, i, k, nm;
	char err[256], msg[512];
	int64_t now = (int64_t)time(NULL);

	if (api_parse_runs(body, &runs, &nruns, err, sizeof(err)) != 0) {
		remote_fmt(msg, sizeof(msg), "runs list: %s", err);
		remote_fail(x, msg);
		return;
	}
	memset(&pol, 0, sizeof(pol));
	pol.enable_manual = pol.enable_inactivity = x->cfg->enable.n == 0;
	for (i = 0; i < x->cfg->enable.n; i++) {
		if (strcmp(x->cfg->enable.v[i], "disabled_manually") == 0)
			pol.enable_manual = 1;
		if (strcmp(x->cfg->enable.v[i], "disabled_inactivity") == 0)
			pol.enable_inactivity = 1;
	}
	pol.rerun_max = (long)x->cfg->rerun_max;
	pol.queued_max = x->cfg->queued_max / 1000;
	mine = calloc(nruns ? nruns : 1, sizeof(*mine));
	decs = calloc(rm->nwfs ? rm->nwfs : 1, sizeof(*decs));
	if (mine == NULL || decs == NULL) {
		free(mine);
		free(decs);
		api_runs_free(runs, nruns);
		remote_fail(x, "out of memory");
		return;
	}
	remote_decs_free(rm);
	for (i = 0, k = 0; i < rm->nwfs; i++) {
		const struct gh_wf *w = &rm->wfs[i];
		size_t j;
		long long latest;

		if (strcmp(w->state, "deleted") == 0)
			continue;
		for (j = 0, nm = 0; j < nruns; j++)
			if (runs[j].workflow_id == w->id ||
			    (runs[j].workflow_id == 0 && runs[j].path &&
			        strcmp(runs[j].path, w->path) == 0))
				mine[nm++] = &runs[j];
		latest = nm > 0 ? mine[0]->id : 0;
		if ((decs[k].file = strdup(w->file)) == NULL)
			continue;
		decs[k].wf_id = w->id;
		api_decide(w, mine, nm, &pol, now,
		    latest ? remote_reruns(x, latest) : 0,
		    latest ? remote_cancelled(x, latest) : 0, &decs[k].d);
		k++;
	}
	rm->decs = decs;
	rm->ndecs = k;
	free(mine);
	api_runs_free(runs, nruns);
}

/* Report every target of the REST side; called at the end of a poll. */
static void
remote_report(struct gha *x, struct rdd_check *c)
{
	struct gha_remote *rm = &x->rm;
	struct rdd_metric mv[5];
	char target[300], at[32], msg[GHA_MSG_MAX];
	size_t i;
	int64_t now = (int64_t)time(NULL);

	if (x->cfg->status_url != NULL && x->cfg->status_url[0] != '\0') {
		enum rdd_state st = RDD_OK;

		if (rm->status_err[0] != '\0') {
			st = RDD_UNKNOWN;
			remote_fmt(msg, sizeof(msg), "status page: %s",
			    rm->status_err);
		} else {
			if (api_status_down(rm->actions_status) ||
			    api_status_degraded(rm->actions_status))
				st = RDD_WARNING;
			remote_fmt(msg, sizeof(msg), "GitHub Actions: %s%s%s%s",
			    rm->actions_status, rm->actions_desc[0] ? " (" : "",
			    rm->actions_desc, rm->actions_desc[0] ? ")" : "");
		}
		x->host->report(c, "actions-status", st, msg, NULL, 0);
	}
	mv[0].name = "rate_remaining";
	mv[0].value = (double)rm->remaining;
	mv[0].unit = "";
	if (rm->pause_until > now && rm->api_state != RDD_UNKNOWN) {
		remote_at(at, sizeof(at), rm->pause_until);
		remote_fmt(msg, sizeof(msg), "%s (next API poll after %s)",
		    rm->pause_why, at);
		x->host->report(c, "github-api",
		    rm->pause_hard ? RDD_WARNING : RDD_OK, msg, mv,
		    rm->remaining >= 0 ? 1 : 0);
	} else
		x->host->report(c, "github-api", (enum rdd_state)rm->api_state,
		    rm->api_msg, mv, rm->remaining >= 0 ? 1 : 0);
	for (i = 0; i < rm->ndecs; i++) {
		const struct api_decision *d = &rm->decs[i].d;

		remote_fmt(
		    target, sizeof(target), "github:%s", rm->decs[i].file);
		if (rm->api_state == RDD_UNKNOWN) {
			remote_fmt(
			    msg, sizeof(msg), "no fresh data: %s", rm->api_msg);
			x->host->report(c, target, RDD_UNKNOWN, msg, NULL, 0);
			continue;
		}
		mv[0].name = "failures";
		mv[0].value = d->failures;
		mv[0].unit = "";
		mv[1].name = "runs";
		mv[1].value = d->runs;
		mv[1].unit = "";
		mv[2].name = "last_duration";
		mv[2].value = d->last_duration;
		mv[2].unit = "s";
		mv[3].name = "queued_for";
		mv[3].value = d->queued_for;
		mv[3].unit = "s";
		x->host->report(c, target, (enum rdd_state)d->state, d->msg, mv,
		    d->last_duration >= 0 ? 4 : 2);
	}
}

static void
remote_finish(struct gha *x)
{
	struct rdd_check *c = x->rm.check;

	x->rm.check = NULL;
	x->rm.step = 0;
	if (c == NULL)
		return;
	remote_report(x, c);
	gha_check_finish(x, c);
}

static void
remote_http_cb(void *arg, const struct rdd_http_response *res)
{
	struct remote_call *call = arg;
	struct gha *x = call->x;
	struct gha_remote *rm = &x->rm;
	const char *body = res->body;
	struct gha_etag *e;
	char etag[512], msg[GHA_MSG_MAX], why[300];
	int api = rm->step != RS_STATUS;

	rm->http_h = 0;
	rm->call = NULL;
	if (rm->check == NULL) {
		free(call);
		return;
	}
	x->host->log(x->mon, RDD_LOG_DEBUG, "%s %s -> %ld%s%s (%.0f ms)",
	    call->method, call->url, res->status, res->error ? " " : "",
	    res->error ? res->errmsg : "", res->total_ms);
	if (res->error) {
		remote_fmt(msg, sizeof(msg), "cannot reach %s: %s",
		    api ? "the GitHub API" : "the status page",
		    res->errmsg ? res->errmsg : "transfer failed");
		goto failed;
	}
	if (api)
		remote_rate(x, res);
	if (res->status == 304) {
		if ((e = remote_etag(rm, call->url)) == NULL) {
			remote_fmt(msg, sizeof(msg),
			    "GET %s: 304 without an "
			    "earlier answer",
			    call->url);
			goto failed;
		}
		body = e->body;
	} else if (res->status == 200) {
		if (x->host->http_header(res, "etag", etag, sizeof(etag)))
			remote_etag_set(rm, call->url, etag, res->body);
	} else {
		remote_body_msg(res->body, why, sizeof(why));
		if (api && (res->status == 403 || res->status == 429) &&
		    rm->pause_until > (int64_t)time(NULL)) {
			/* remote_rate paused us; the report says why. */
			remote_fmt(msg, sizeof(msg),
			    "rate limited (HTTP %ld)%s", res->status, why);
			free(call);
			rm->api_state = RDD_WARNING;
			remote_fmt(rm->api_msg, sizeof(rm->api_msg), "%s", msg);
			remote_finish(x);
			return;
		}
		remote_fmt(msg, sizeof(msg), "GET %s: HTTP %ld%s%s", call->url,
		    res->status, why,
		    res->status == 401   ? " (the token was refused: check "
		                           "token_env/token_file)"
		    : res->status == 404 ? " (check "
		                           "github_repo and the token's access)"
		    : res->status == 403
		        ? " (the token may lack the actions scope)"
		        : "");
		goto failed;
	}
	switch (rm->step) {
	case RS_STATUS:
		if (api_parse_status(body, rm->actions_status,
		        sizeof(rm->actions_status), rm->actions_desc,
		        sizeof(rm->actions_desc)) != 0)
			remote_fmt(rm->status_err, sizeof(rm->status_err),
			    "%s: not a Statuspage summary", call->url);
		break;
	case RS_REPO:
		if (api_parse_repo(body, rm->branch, sizeof(rm->branch)) != 0) {
			remote_fail(x, "repository: no default_branch in the "
			               "answer; set branch = \"main\"");
			free(call);
			remote_finish(x);
			return;
		}
		if (!x->ro)
			x->host->state_set(
			    x->mon, "default_branch", rm->branch);
		break;
	case RS_WORKFLOWS:
		remote_use_workflows(x, body);
		break;
	case RS_RUNS:
		remote_use_runs(x, body);
		break;
	}
	free(call);
	if (rm->api_state == RDD_UNKNOWN) {
		remote_finish(x);
		return;
	}
	remote_next(x);
	return;
failed:
	free(call);
	if (!api) {
		/* The status page is one opinion; the API goes on. */
		remote_fmt(rm->status_err, sizeof(rm->status_err), "%s", msg);
		rm->actions_status[0] = '\0';
		remote_next(x);
		return;
	}
	if (rm->actions_status[0] != '\0')
		remote_fmt(msg + strlen(msg), sizeof(msg) - strlen(msg),
		    "; status page: Actions %s", rm->actions_status);
	remote_fail(x, msg);
	remote_finish(x);
}

static void
remote_next(struct gha *x)
{
	struct gha_remote *rm = &x->rm;
	char url[REMOTE_URL_MAX], base[1024], br[768], at[32];
	int api = 1;
	int64_t now = (int64_t)time(NULL);

	rm->step++;
	if (rm->step == RS_STATUS &&
	    (x->cfg->status_url == NULL || x->cfg->status_url[0] == '\0'))
		rm->step++;
	if (rm->step > RS_STATUS && rm->pause_until > now) {
		remote_at(at, sizeof(at), rm->pause_until);
		if (!rm->said_slow)
			x->host->log(x->mon, RDD_LOG_WARN,
			    "GitHub API: %s; "
			    "next poll after %s",
			    rm->pause_why, at);
		rm->said_slow = 1;
		rm->api_state = rm->pause_hard ? RDD_WARNING : RDD_OK;
		remote_fmt(
		    rm->api_msg, sizeof(rm->api_msg), "%s", rm->pause_why);
		remote_finish(x);
		return;
	}
	if (rm->step > RS_STATUS)
		rm->said_slow = 0;
	if (rm->step == RS_REPO && rm->branch[0] != '\0')
		rm->step++;
	remote_api_base(x, base, sizeof(base));
	switch (rm->step) {
	case RS_STATUS: {
		size_t n = strlen(x->cfg->status_url);

		api = 0;
		rm->status_err[0] = '\0';
		if (n > 5 && strcmp(x->cfg->status_url + n - 5, ".json") == 0)
			remote_fmt(url, sizeof(url), "%s", x->cfg->status_url);
		else
			remote_fmt(url, sizeof(url), "%s%sapi/v2/summary.json",
			    x->cfg->status_url,
			    x->cfg->status_url[n - 1] == '/' ? "" : "/");
		break;
	}
	case RS_REPO:
		remote_fmt(url, sizeof(url), "%s/repos/%s/%s", base, rm->owner,
		    rm->name);
		break;
	case RS_WORKFLOWS:
		remote_fmt(url, sizeof(url),
		    "%s/repos/%s/%s/actions/workflows"
		    "?per_page=100",
		    base, rm->owner, rm->name);
		break;
	case RS_RUNS:
		remote_qenc(br, sizeof(br), rm->branch);
		remote_fmt(url, sizeof(url),
		    "%s/repos/%s/%s/actions/runs?branch=%s"
		    "&per_page=100&exclude_pull_requests=true",
		    base, rm->owner, rm->name, br);
		break;
	default:
		if (rm->api_state != RDD_UNKNOWN &&
		    rm->api_state != RDD_WARNING) {
			rm->api_state = RDD_OK;
			if (rm->remaining >= 0) {
				remote_at(at, sizeof(at), rm->reset);
				remote_fmt(rm->api_msg, sizeof(rm->api_msg),
				    "API answers; %ld of %ld requests left "
				    "until %s; %zu workflows on GitHub",
				    rm->remaining, rm->limit, at, rm->ndecs);
			} else
				remote_fmt(rm->api_msg, sizeof(rm->api_msg),
				    "API answers; %zu workflows on GitHub",
				    rm->ndecs);
		}
		remote_finish(x);
		return;
	}
	rm->http_h = remote_request(x, "GET", url, api, 0, &rm->call);
	if (rm->http_h == 0) {
		remote_fail(x, "the daemon could not start an HTTP request "
		               "(see system.log)");
		remote_finish(x);
	}
}

void
remote_poll(struct gha *x, struct rdd_check *c)
{
	struct gha_remote *rm = &x->rm;

	rm->check = c;
	rm->step = 0;
	rm->polled = 0;
	rm->api_state = RDD_OK;
	rm->api_msg[0] = '\0';
	remote_next(x);
}

int
remote_actions_down(const struct gha *x)
{
	return api_status_down(x->rm.actions_status);
}

/* ---- repairs ---- */

static void
remote_rec_cb(void *arg, const struct rdd_http_response *res)
{
	struct remote_call *call = arg;
	struct gha *x = call->x;
	struct gha_remote *rm = &x->rm;
	struct rdd_recovery *r = rm->rec;
	char msg[GHA_MSG_MAX], why[300];
	int ok;

	rm->rec = NULL;
	rm->rec_h = 0;
	rm->rec_call = NULL;
	if (r == NULL) {
		free(call);
		return;
	}
	x->host->log(x->mon, RDD_LOG_DEBUG, "%s %s -> %ld%s%s (%.0f ms)",
	    call->method, call->url, res->status, res->error ? " " : "",
	    res->error ? res->errmsg : "", res->total_ms);
	if (!res->error)
		remote_rate(x, res);
	ok = !res->error && res->status >= 200 && res->status < 300;
	if (!ok) {
		if (res->error)
			remote_fmt(why, sizeof(why), ": %s",
			    res->errmsg ? res->errmsg : "transfer failed");
		else
			remote_body_msg(res->body, why, sizeof(why));
		remote_fmt(msg, sizeof(msg), "%s %s: %s%ld%s", call->method,
		    call->url, res->error ? "" : "HTTP ",
		    res->error ? 0L : res->status, why);
		free(call);
		x->host->recovery_done(r, 0, msg);
		remote_pend_next(x);
		return;
	}
	switch (rm->rec_action) {
	case API_RERUN_FAILED:
	case API_RERUN:
		remote_reruns_set(x, "reruns", rm->rec_id, 1, 1);
		break;
	case API_CANCEL:
		remote_reruns_set(x, "cancelled", rm->rec_id, 1, 0);
		break;
	default:
		break;
	}
	remote_fmt(msg, sizeof(msg), "%s %s: HTTP %ld (%s)", call->method,
	    call->url, res->status,
	    rm->rec_action == API_ENABLE         ? "workflow enabled"
	    : rm->rec_action == API_RERUN_FAILED ? "failed jobs re-run"
	    : rm->rec_action == API_CANCEL ? "run cancelled; it is re-run "
	                                     "once it has stopped"
	                                   : "run re-run");
	x->host->journal(x->mon, "api-action", rm->rec_target, msg);
	free(call);
	x->host->recovery_done(r, 1, msg);
	remote_pend_next(x);
}

static void remote_recover_start(
    struct gha *x, struct rdd_recovery *r, const char *name);

/* Repairs run one at a time; the rest wait here, in order. */
static void
remote_pend_next(struct gha *x)
{
	struct gha_remote *rm = &x->rm;
	struct rdd_recovery *r;
	char *name;

	while (rm->rec == NULL && rm->npend > 0 && !x->stopping) {
		r = rm->pend[0].r;
		name = rm->pend[0].name;
		memmove(rm->pend, rm->pend + 1,
		    (rm->npend - 1) * sizeof(*rm->pend));
		rm->npend--;
		remote_recover_start(x, r, name);
		free(name);
	}
}

void
remote_recover(struct gha *x, struct rdd_recovery *r, const char *name)
{
	struct gha_remote *rm = &x->rm;
	struct gha_pend *nv;

	if (rm->rec == NULL) {
		remote_recover_start(x, r, name);
		return;
	}
	if ((nv = realloc(rm->pend, (rm->npend + 1) * sizeof(*nv))) == NULL ||
	    (nv[rm->npend].name = strdup(name)) == NULL) {
		if (nv != NULL)
			rm->pend = nv;
		x->host->recovery_done(r, 0, "out of memory");
		return;
	}
	rm->pend = nv;
	rm->pend[rm->npend++].r = r;
}

static void
remote_recover_start(struct gha *x, struct rdd_recovery *r, const char *name)
{
	struct gha_remote *rm = &x->rm;
	const struct api_decision *d = NULL;
	char url[REMOTE_URL_MAX], base[1024], msg[GHA_MSG_MAX], at[32];
	const char *method = "POST", *what = "runs", *verb;
	size_t i;

	for (i = 0; i < rm->ndecs; i++)
		if (strcmp(rm->decs[i].file, name) == 0)
			d = &rm->decs[i].d;
	if (d == NULL) {
		x->host->recovery_done(r, 1,
		    "GitHub no longer lists it; the "
		    "next check decides");
		return;
	}
	if (rm->pause_until > (int64_t)time(NULL)) {
		remote_at(at, sizeof(at), rm->pause_until);
		remote_fmt(msg, sizeof(msg), "API paused until %s: %s", at,
		    rm->pause_why);
		x->host->recovery_done(r, 0, msg);
		return;
	}
	remote_api_base(x, base, sizeof(base));
	/* The documented endpoint of each repair: resource and verb. */
	switch (d->action) {
	case API_ENABLE:
		method = "PUT";
		what = "workflows";
		verb = "enable";
		break;
	case API_RERUN_FAILED:
		verb = "rerun-failed-jobs";
		break;
	case API_CANCEL:
		verb = "cancel";
		break;
	case API_RERUN:
		verb = "rerun";
		break;
	default:
		remote_fmt(msg, sizeof(msg), "nothing to do now: %s", d->msg);
		x->host->recovery_done(r, d->state == RDD_OK, msg);
		return;
	}
	remote_fmt(url, sizeof(url), "%s/repos/%s/%s/actions/%s/%lld/%s", base,
	    rm->owner, rm->name, what, d->id, verb);
	rm->rec = r;
	rm->rec_action = d->action;
	rm->rec_id = d->id;
	remote_fmt(rm->rec_target, sizeof(rm->rec_target), "github:%s", name);
	rm->rec_h = remote_request(x, method, url, 1, 1, &rm->rec_call);
	if (rm->rec_h == 0) {
		rm->rec = NULL;
		x->host->recovery_done(r, 0,
		    "the daemon could not start an "
		    "HTTP request (see system.log)");
	}
}

void
remote_stop(struct gha *x)
{
	struct gha_remote *rm = &x->rm;
	size_t i;

	if (rm->http_h != 0)
		x->host->http_cancel(x->mon, rm->http_h);
	if (rm->rec_h != 0)
		x->host->http_cancel(x->mon, rm->rec_h);
	rm->http_h = rm->rec_h = 0;
	free(rm->call);
	free(rm->rec_call);
	rm->call = rm->rec_call = NULL;
	/* Waiting repairs are the host's to close after stop. */
	for (i = 0; i < rm->npend; i++)
		free(rm->pend[i].name);
	free(rm->pend);
	rm->pend = NULL;
	rm->npend = 0;
	rm->check = NULL;
	rm->rec = NULL;
}
