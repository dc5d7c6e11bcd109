/*
 * lrun.h: local execution of one workflow on this machine: run: steps in
 * their shell, env, working-directory, needs order, if: conditions,
 * timeout-minutes, continue-on-error, step and job outputs, matrix
 * combinations (max-parallel, fail-fast); uses: steps are skipped with the
 * reason (actions/checkout maps to the workspace).
 */
#ifndef GHA_LRUN_H
#define GHA_LRUN_H

#include <stddef.h>
#include <stdint.h>

#include <redundancyd/rdd_plugin.h>

#include "wfval.h"

struct lrun;

typedef void (*lrun_done_cb)(void *arg, struct lrun *r);

struct lrun_opts {
	const struct rdd_host *host;
	struct rdd_monitor *mon;
	const char *repo;       /* workspace and cwd: a worktree or checkout */
	const char *rundir;     /* a fresh directory for this run */
	const char *workflow;   /* file name, e.g. ci.yml */
	const char *only_job;   /* run this job and its needs, or NULL */
	const char *event;      /* github.event_name: workflow_dispatch, push */
	const char *sha;        /* HEAD commit or "" */
	const char *ref;        /* refs/heads/main or "" */
	const char *repository; /* owner/name or "" */
	long run_number;
	int64_t job_timeout_ms; /* when a job sets no timeout-minutes */
	size_t output_cap;      /* per step stream */
	lrun_done_cb done;      /* once, when the run ends (not on cancel) */
	void *arg;
};

/*
 * Prepare a run of info (malloc'ed; taken over and freed with the run).
 * Returns NULL with err set when nothing can run (unknown job, no rundir);
 * info is then still the caller's.
 */
struct lrun *lrun_start(
    const struct lrun_opts *o, struct wf_info *info, char *err, size_t errlen);
/*
 * Begin running (after the caller stored the handle: the done callback may
 * come before lrun_go returns).
 */
void lrun_go(struct lrun *r);
/* Kill the running step; no done callback follows. Then lrun_free. */
void lrun_cancel(struct lrun *r);
void lrun_free(struct lrun *r);

/* 1 success, 0 failure. Valid in and after the done callback. */
int lrun_ok(const struct lrun *r);
/* A multi-line summary: run line, then one line per job. */
const char *lrun_summary(const struct lrun *r);
/* One line: "success in 1.2s: 3 jobs (build ok, test failed ...)". */
const char *lrun_headline(const struct lrun *r);
const char *lrun_log_path(const struct lrun *r);
double lrun_seconds(const struct lrun *r);

/* Parse a GITHUB_ENV / GITHUB_OUTPUT file body: K=V and K<<EOF blocks.
 * Calls cb for each pair; returns the count or -1 on a malformed block. */
int lrun_parse_kv_file(const char *buf, size_t len,
    void (*cb)(void *arg, const char *k, const char *v), void *arg);

/* argv of a step's shell for script file `file` (NULL-terminated, malloc'ed
 * strings; free with lrun_argv_free); NULL with err for an unusable shell. */
char **lrun_shell_argv(
    const char *shell, const char *file, char *err, size_t errlen);
void lrun_argv_free(char **v);

#endif /* GHA_LRUN_H */
