/*
 * api.h: pure parts of the GitHub REST side: parsers of the documented
 * response shapes (workflows, runs, status page), rate-limit arithmetic and
 * the per-workflow health decision. No I/O, no host.
 */
#ifndef GHA_API_H
#define GHA_API_H

#include <stddef.h>
#include <stdint.h>

struct gh_wf {
	long long id;
	char *name;
	char *path;  /* .github/workflows/ci.yml */
	char *file;  /* ci.yml */
	char *state; /* active, disabled_manually, ... */
};

struct gh_run {
	long long id;
	long long workflow_id;
	char *path;
	char *status;     /* queued, in_progress, completed, ... */
	char *conclusion; /* success, failure, ... or NULL */
	char *head_branch;
	char *head_sha;
	char *html_url;
	long run_number;
	long run_attempt;
	int64_t created; /* epoch seconds, 0 when absent */
	int64_t updated;
	int64_t started;
};

void api_wfs_free(struct gh_wf *v, size_t n);
void api_runs_free(struct gh_run *v, size_t n);

/* GET /repos/{o}/{r}/actions/workflows. 0, or -1 with err set. */
int api_parse_workflows(
    const char *body, struct gh_wf **out, size_t *n, char *err, size_t errlen);
/* GET /repos/{o}/{r}/actions/runs (newest first, as GitHub sends them). */
int api_parse_runs(
    const char *body, struct gh_run **out, size_t *n, char *err, size_t errlen);
/* GET /repos/{o}/{r}: default_branch into buf. 0 or -1. */
int api_parse_repo(const char *body, char *branch, size_t len);
/*
 * Statuspage summary.json or status.json: the status of the component
 * named "Actions" (operational, degraded_performance, partial_outage,
 * major_outage) when present, else the page indicator (none, minor, major,
 * critical); desc gets the page's description. 0 or -1.
 */
int api_parse_status(
    const char *body, char *status, size_t slen, char *desc, size_t dlen);
/* 1 when a status word means Actions is down for us (fallback). */
int api_status_down(const char *status);
/* 1 when it means degraded. */
int api_status_degraded(const char *status);

/* ISO 8601 "2026-01-02T03:04:05Z" into epoch seconds, 0 when malformed. */
int64_t api_time(const char *s);

/* "owner/name" with both parts in GitHub's character set. */
int api_repo_ok(const char *s);

enum api_action {
	API_NONE = 0,
	API_ENABLE,       /* PUT .../workflows/{id}/enable */
	API_RERUN_FAILED, /* POST .../runs/{id}/rerun-failed-jobs */
	API_CANCEL,       /* POST .../runs/{id}/cancel */
	API_RERUN,        /* POST .../runs/{id}/rerun (after our cancel) */
};

struct api_policy {
	int enable_manual;     /* re-enable disabled_manually */
	int enable_inactivity; /* re-enable disabled_inactivity */
	long rerun_max;        /* re-runs of failed jobs per run */
	int64_t queued_max;    /* seconds a run may wait in the queue */
};

struct api_decision {
	int state; /* enum rdd_state values */
	enum api_action action;
	long long id; /* workflow id (enable) or run id */
	long run_number;
	char msg[512];
	/* metrics */
	double failures;      /* failed runs among the listed ones */
	double runs;          /* listed runs of this workflow */
	double last_duration; /* seconds of the latest completed run, -1 */
	double queued_for;    /* seconds the latest run waits, 0 */
};

/*
 * Health of one workflow from its state and its runs (newest first, only
 * this workflow's). reruns: re-runs we already made of the latest run;
 * cancelled_by_us: we cancelled the latest run for waiting too long.
 */
void api_decide(const struct gh_wf *w, const struct gh_run *const *runs,
    size_t nruns, const struct api_policy *pol, int64_t now, long reruns,
    int cancelled_by_us, struct api_decision *d);

/*
 * Rate-limit bookkeeping: when the next poll may happen given what the
 * last response said (status, X-RateLimit-Remaining or -1, -Reset epoch
 * or 0, Retry-After seconds or 0). A 403/429 with Retry-After or with no
 * quota left pauses; a quota at or below reserve pauses until the reset;
 * otherwise polls are spread so that per_poll requests every poll last
 * until the reset, when that is slower than interval_s. Returns the epoch
 * second before which no poll should start (0: no limit); why says so.
 * *hard is 1 for a refusal (403/429), 0 for slowing down by choice.
 */
int64_t api_pause_until(long status, long remaining, int64_t reset,
    int64_t retry_after, long reserve, long per_poll, int64_t interval_s,
    int64_t now, int *hard, char *why, size_t wlen);

#endif /* GHA_API_H */
