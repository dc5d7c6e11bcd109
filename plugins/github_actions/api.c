/*
 * api.c: parsers of GitHub's REST and Statuspage shapes, the per-workflow
 * health decision and rate-limit arithmetic; pure, so unit tests drive them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "api.h"

/* Keep in step with enum rdd_state; the SDK header is not needed here. */
#define API_OK 0
#define API_WARNING 1
#define API_CRITICAL 2

static const char *
api_str(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static long long
api_int(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return 0;
	return (long long)json_object_get_int64(v);
}

static char *
api_dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

int64_t
api_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	char z;

	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se,
	        &z) != 7 ||
	    (z != 'Z' && z != '.'))
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return (int64_t)timegm(&tm);
}

int
api_repo_ok(const char *s)
{
	const char *slash;
	size_t i;

	if (s == NULL || (slash = strchr(s, '/')) == NULL || slash == s ||
	    slash[1] == '\0' || strchr(slash + 1, '/') != NULL)
		return 0;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.' && s[i] != '/')
			return 0;
	return 1;
}

void
api_wfs_free(struct gh_wf *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
		free(v[i].file);
		free(v[i].state);
	}
	free(v);
}

void
api_runs_free(struct gh_run *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].status);
		free(v[i].conclusion);
		free(v[i].head_branch);
		free(v[i].head_sha);
		free(v[i].html_url);
	}
	free(v);
}

static json_object *
api_array(const char *body, const char *key, json_object **root, char *err,
    size_t errlen)
{
	json_object *arr;

	*root = body ? json_tokener_parse(body) : NULL;
	if (*root == NULL || !json_object_is_type(*root, json_type_object)) {
		snprintf(err, errlen, "the response is not a JSON object");
		goto bad;
	}
	if (!json_object_object_get_ex(*root, key, &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		snprintf(err, errlen, "the response has no \"%s\" array", key);
		goto bad;
	}
	return arr;
bad:
	json_object_put(*root);
	*root = NULL;
	return NULL;
}

int
api_parse_workflows(
    const char *body, struct gh_wf **out, size_t *n, char *err, size_t errlen)
{
	json_object *root, *arr, *o;
	struct gh_wf *v;
	const char *path, *slash;
	size_t i, len, k = 0;

	*out = NULL;
	*n = 0;
	if ((arr = api_array(body, "workflows", &root, err, errlen)) == NULL)
		return -1;
	len = json_object_array_length(arr);
	if ((v = calloc(len ? len : 1, sizeof(*v))) == NULL) {
		json_object_put(root);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < len; i++) {
		o = json_object_array_get_idx(arr, i);
		path = api_str(o, "path");
		if (!json_object_is_type(o, json_type_object) || path == NULL)
			continue;
		slash = strrchr(path, '/');
		v[k].id = api_int(o, "id");
		v[k].name = api_dup(api_str(o, "name"));
		v[k].path = strdup(path);
		v[k].file = strdup(slash ? slash + 1 : path);
		v[k].state = strdup(
		    api_str(o, "state") ? api_str(o, "state") : "active");
		k++;
		if (v[k - 1].path == NULL || v[k - 1].file == NULL ||
		    v[k - 1].state == NULL) {
			api_wfs_free(v, k);
			json_object_put(root);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	json_object_put(root);
	*out = v;
	*n = k;
	return 0;
}

int
api_parse_runs(
    const char *body, struct gh_run **out, size_t *n, char *err, size_t errlen)
{
	json_object *root, *arr, *o;
	struct gh_run *v, *r;
	size_t i, len, k = 0;

	*out = NULL;
	*n = 0;
	if ((arr = api_array(body, "workflow_runs", &root, err, errlen)) ==
	    NULL)
		return -1;
	len = json_object_array_length(arr);
	if ((v = calloc(len ? len : 1, sizeof(*v))) == NULL) {
		json_object_put(root);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < len; i++) {
		o = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(o, json_type_object) ||
		    api_int(o, "id") == 0)
			continue;
		r = &v[k++];
		r->id = api_int(o, "id");
		r->workflow_id = api_int(o, "workflow_id");
		r->path = api_dup(api_str(o, "path"));
		r->status = strdup(
		    api_str(o, "status") ? api_str(o, "status") : "unknown");
		r->conclusion = api_dup(api_str(o, "conclusion"));
		r->head_branch = api_dup(api_str(o, "head_branch"));
		r->head_sha = api_dup(api_str(o, "head_sha"));
		r->html_url = api_dup(api_str(o, "html_url"));
		r->run_number = (long)api_int(o, "run_number");
		r->run_attempt = (long)api_int(o, "run_attempt");
		r->created = api_time(api_str(o, "created_at"));
		r->updated = api_time(api_str(o, "updated_at"));
		r->started = api_time(api_str(o, "run_started_at"));
		if (r->status == NULL) {
			api_runs_free(v, k);
			json_object_put(root);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	json_object_put(root);
	*out = v;
	*n = k;
	return 0;
}

int
api_parse_repo(const char *body, char *branch, size_t len)
{
	json_object *root = body ? json_tokener_parse(body) : NULL;
	const char *b = api_str(root, "default_branch");
	int rc = -1;

	if (b != NULL && b[0] != '\0' && strlen(b) < len) {
		snprintf(branch, len, "%s", b);
		rc = 0;
	}
	json_object_put(root);
	return rc;
}

int
api_parse_status(
    const char *body, char *status, size_t slen, char *desc, size_t dlen)
{
	json_object *root = body ? json_tokener_parse(body) : NULL, *arr, *o;
	const char *s;
	size_t i;
	int rc = -1;

	status[0] = '\0';
	desc[0] = '\0';
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -1;
	}
	if (json_object_object_get_ex(root, "status", &o)) {
		if ((s = api_str(o, "description")) != NULL)
			snprintf(desc, dlen, "%s", s);
		if ((s = api_str(o, "indicator")) != NULL) {
			snprintf(status, slen, "%s", s);
			rc = 0;
		}
	}
	if (json_object_object_get_ex(root, "components", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		for (i = 0; i < json_object_array_length(arr); i++) {
			o = json_object_array_get_idx(arr, i);
			s = api_str(o, "name");
			if (s != NULL && strcmp(s, "Actions") == 0 &&
			    api_str(o, "status") != NULL) {
				snprintf(
				    status, slen, "%s", api_str(o, "status"));
				rc = 0;
				break;
			}
		}
	}
	json_object_put(root);
	return rc;
}

int
api_status_down(const char *s)
{
	return s != NULL &&
	       (strcmp(s, "major_outage") == 0 ||
	           strcmp(s, "partial_outage") == 0 ||
	           strcmp(s, "major") == 0 || strcmp(s, "critical") == 0);
}

int
api_status_degraded(const char *s)
{
	return s != NULL && (strcmp(s, "degraded_performance") == 0 ||
	                        strcmp(s, "minor") == 0 ||
	                        strcmp(s, "under_maintenance") == 0);
}

static void
api_dur(char *buf, size_t len, double s)
{
	if (s < 120)
		snprintf(buf, len, "%.0fs", s);
	else if (s < 7200)
		snprintf(buf, len, "%.0fm", s / 60);
	else
		snprintf(buf, len, "%.1fh", s / 3600);
}

static int
api_failed(const char *conclusion)
{
	return conclusion != NULL &&
	       (strcmp(conclusion, "failure") == 0 ||
	           strcmp(conclusion, "timed_out") == 0 ||
	           strcmp(conclusion, "startup_failure") == 0);
}

/*
 * A run held by GitHub on purpose: "waiting" for a deployment reviewer's
 * approval, "pending" behind a concurrency group, "requested" not yet
 * queued. None is stuck in a runner queue: never cancelled, whatever
 * queued_max says; a run waiting for approval is shown as such.
 */
static void
api_decide_held(const struct gh_run *r, int64_t now, struct api_decision *d)
{
	int64_t since = r->created ? r->created : r->started;
	char a[64];

	d->queued_for = since > 0 && now > since ? (double)(now - since) : 0;
	api_dur(a, sizeof(a), d->queued_for);
	if (strcmp(r->status, "waiting") == 0) {
		d->state = API_WARNING;
		snprintf(d->msg, sizeof(d->msg),
		    "run #%ld waiting for approval for %s (a deployment "
		    "review): never cancelled; approve or reject it at %s",
		    r->run_number, a, r->html_url ? r->html_url : "GitHub");
		return;
	}
	d->state = API_OK;
	snprintf(d->msg, sizeof(d->msg),
	    "run #%ld %s for %s (%s): never cancelled", r->run_number,
	    r->status, a,
	    strcmp(r->status, "pending") == 0 ? "held by a concurrency group"
	                                      : "requested, not yet queued");
}

void
api_decide(const struct gh_wf *w, const struct gh_run *const *runs,
    size_t nruns, const struct api_policy *pol, int64_t now, long reruns,
    int cancelled_by_us, struct api_decision *d)
{
	const struct gh_run *r;
	char a[32], b[32];
	size_t i;
	long done;

	memset(d, 0, sizeof(*d));
	d->last_duration = -1;
	d->runs = (double)nruns;
	for (i = 0; i < nruns; i++) {
		if (api_failed(runs[i]->conclusion))
			d->failures++;
		if (d->last_duration < 0 &&
		    strcmp(runs[i]->status, "completed") == 0 &&
		    runs[i]->updated > 0) {
			int64_t st = runs[i]->started ? runs[i]->started
			                              : runs[i]->created;

			if (st > 0 && runs[i]->updated >= st)
				d->last_duration =
				    (double)(runs[i]->updated - st);
		}
	}
	if (strcmp(w->state, "active") != 0) {
		int manual = strcmp(w->state, "disabled_manually") == 0;
		int inact = strcmp(w->state, "disabled_inactivity") == 0;

		if ((manual && pol->enable_manual) ||
		    (inact && pol->enable_inactivity)) {
			d->state = API_CRITICAL;
			d->action = API_ENABLE;
			d->id = w->id;
			snprintf(d->msg, sizeof(d->msg),
			    "workflow is %s on "
			    "GitHub: enabling it",
			    w->state);
		} else {
			d->state = API_WARNING;
			snprintf(d->msg, sizeof(d->msg),
			    "workflow is %s on "
			    "GitHub%s",
			    w->state,
			    manual || inact
			        ? " (left alone: not listed in enable)"
			        : "");
		}
		return;
	}
	if (nruns == 0) {
		d->state = API_OK;
		snprintf(d->msg, sizeof(d->msg),
		    "active; no recent runs on "
		    "the branch");
		return;
	}
	r = runs[0];
	d->id = r->id;
	d->run_number = r->run_number;
	if (strcmp(r->status, "completed") == 0) {
		if (api_failed(r->conclusion)) {
			done = reruns;
			if (r->run_attempt - 1 > done)
				done = r->run_attempt - 1;
			if (done < pol->rerun_max) {
				d->state = API_CRITICAL;
				d->action = API_RERUN_FAILED;
				snprintf(d->msg, sizeof(d->msg),
				    "run #%ld %s "
				    "(attempt %ld): re-running its failed jobs "
				    "(%ld of %ld)",
				    r->run_number, r->conclusion,
				    r->run_attempt, done + 1, pol->rerun_max);
			} else {
				d->state = API_WARNING;
				snprintf(d->msg, sizeof(d->msg),
				    "run #%ld %s "
				    "after %ld attempts; rerun_max (%ld) "
				    "reached: fix the workflow or its code",
				    r->run_number, r->conclusion,
				    r->run_attempt, pol->rerun_max);
			}
			return;
		}
		if (r->conclusion != NULL &&
		    strcmp(r->conclusion, "cancelled") == 0 &&
		    cancelled_by_us) {
			d->state = API_CRITICAL;
			d->action = API_RERUN;
			snprintf(d->msg, sizeof(d->msg),
			    "run #%ld cancelled by "
			    "redundancyd after waiting too long in the queue: "
			    "re-running it",
			    r->run_number);
			return;
		}
		if (r->conclusion == NULL ||
		    strcmp(r->conclusion, "success") == 0 ||
		    strcmp(r->conclusion, "skipped") == 0 ||
		    strcmp(r->conclusion, "neutral") == 0 ||
		    strcmp(r->conclusion, "cancelled") == 0) {
			d->state = API_OK;
			if (d->last_duration >= 0)
				api_dur(a, sizeof(a), d->last_duration);
			snprintf(d->msg, sizeof(d->msg), "run #%ld %s%s%s",
			    r->run_number,
			    r->conclusion ? r->conclusion : "completed",
			    d->last_duration >= 0 ? " in " : "",
			    d->last_duration >= 0 ? a : "");
			return;
		}
		d->state = API_WARNING;
		snprintf(d->msg, sizeof(d->msg),
		    "run #%ld ended %s: look at "
		    "%s",
		    r->run_number, r->conclusion,
		    r->html_url ? r->html_url : "it on GitHub");
		return;
	}
	if (strcmp(r->status, "waiting") == 0 ||
	    strcmp(r->status, "pending") == 0 ||
	    strcmp(r->status, "requested") == 0) {
		api_decide_held(r, now, d);
		return;
	}
	if (strcmp(r->status, "queued") == 0) {
		int64_t since = r->started ? r->started : r->created;

		d->queued_for =
		    since > 0 && now > since ? (double)(now - since) : 0;
		api_dur(a, sizeof(a), d->queued_for);
		api_dur(b, sizeof(b), (double)pol->queued_max);
		if (pol->queued_max > 0 &&
		    d->queued_for > (double)pol->queued_max &&
		    reruns >= pol->rerun_max) {
			d->state = API_WARNING;
			snprintf(d->msg, sizeof(d->msg),
			    "run #%ld %s for %s "
			    "(queued_max %s) after %ld re-runs (rerun_max): "
			    "look at the runners",
			    r->run_number, r->status, a, b, reruns);
		} else if (pol->queued_max > 0 &&
		           d->queued_for > (double)pol->queued_max) {
			d->state = API_CRITICAL;
			d->action = API_CANCEL;
			snprintf(d->msg, sizeof(d->msg),
			    "run #%ld %s for %s "
			    "(queued_max %s): cancelling it to re-run it",
			    r->run_number, r->status, a, b);
		} else {
			d->state = API_OK;
			snprintf(d->msg, sizeof(d->msg), "run #%ld %s for %s",
			    r->run_number, r->status, a);
		}
		return;
	}
	d->state = API_OK;
	snprintf(d->msg, sizeof(d->msg), "run #%ld %s (attempt %ld)",
	    r->run_number, r->status, r->run_attempt);
}

int64_t
api_pause_until(long status, long remaining, int64_t reset, int64_t retry_after,
    long reserve, long per_poll, int64_t interval_s, int64_t now, int *hard,
    char *why, size_t wlen)
{
	struct tm tm;
	time_t t;
	char at[32];
	int64_t until = 0, gap;
	int refused = status == 403 || status == 429;

	*hard = 0;
	why[0] = '\0';
	if (refused && retry_after > 0) {
		*hard = 1;
		snprintf(why, wlen,
		    "GitHub asked to wait %llds (HTTP %ld, "
		    "Retry-After)",
		    (long long)retry_after, status);
		/* now is whole seconds: one more keeps the full wait. */
		return now + retry_after + 1;
	}
	if (refused && remaining == 0) {
		*hard = 1;
		until = reset > now ? reset : now + 60;
	} else if (remaining >= 0 && remaining <= reserve && reset > now)
		until = reset;
	if (until != 0) {
		t = (time_t)until;
		gmtime_r(&t, &tm);
		strftime(at, sizeof(at), "%H:%M:%SZ", &tm);
		snprintf(why, wlen,
		    "rate limit: %ld requests left%s: no API "
		    "polls until the reset at %s",
		    remaining < 0 ? 0 : remaining,
		    refused ? " (HTTP 403/429)" : " (at or below rate_reserve)",
		    at);
		return until;
	}
	if (remaining > reserve && reset > now && per_poll > 0) {
		gap = (reset - now) * per_poll / (remaining - reserve);
		if (gap > interval_s) {
			snprintf(why, wlen,
			    "slowing down: %ld requests left "
			    "until the reset in %llds, polling the API every "
			    "%llds",
			    remaining, (long long)(reset - now),
			    (long long)gap);
			return now + gap;
		}
	}
	return 0;
}
