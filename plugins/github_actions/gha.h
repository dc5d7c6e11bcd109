/*
 * gha.h: the github_actions plugin's instance, shared by its files: gha.c
 * (descriptor, workflow files, snapshots, restores, local runs) and
 * remote.c (the REST API and the status page).
 */
#ifndef GHA_GHA_H
#define GHA_GHA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <redundancyd/rdd_plugin.h>

#include "api.h"
#include "decide.h"
#include "lrun.h"
#include "store.h"

#define GHA_MSG_MAX 1024

struct gha_config {
	char *repository;
	char *github_repo;
	char *token_env;
	char *token_file;
	char *api_url;
	char *status_url;
	char *branch;
	char *restore;
	struct rdd_strlist enable;
	int64_t rerun_max;
	int64_t queued_max; /* ms */
	int64_t rate_reserve;
	int fallback;
	struct rdd_strlist fallback_workflows;
	int64_t job_timeout; /* ms */
	int64_t output_cap;  /* bytes */
	char *git;
	int64_t debounce;    /* ms */
	int64_t api_timeout; /* ms */
	int64_t max_file;    /* bytes */
	int64_t restore_grace; /* ms: content damage left alone this long */
	int64_t delete_grace;  /* ms: a deletion left alone this long */
};

/* One workflow file as the last scan saw it. */
struct gha_file {
	char *name;
	int w_exists;
	char w_blob[41];
	mode_t w_mode;
	int w_truncated;  /* a cut-off prefix of the last good version */
	int damage;       /* enum wf_damage */
	char *wfname;     /* its name: (rename detection), or NULL */
	int64_t dmg_since; /* monotonic ms this very damage was first seen */
	struct stat w_st; /* when it was read */
	int w_st_ok;      /* w_st old enough to stand for the content */
	int sev;          /* wfval severity */
	size_t nerr, nlint;
	char **lines; /* diagnostics in actionlint's form */
	size_t nlines;
	size_t jobs, steps;
	struct file_decision d;
	enum rdd_state state;
	char msg[GHA_MSG_MAX];
	int told; /* state last reported or pushed, -1 never */
};

enum gha_wait_kind { GW_CHECK, GW_RECOVER, GW_WATCH };

struct gha_waiter {
	enum gha_wait_kind kind;
	struct rdd_recovery *r;
	char *target;
};

struct gha_etag {
	char *url;
	char *etag;
	char *body;
};

struct gha_wfdec {
	char *file; /* ci.yml */
	long long wf_id;
	struct api_decision d;
};

/* A repair waiting for the one in flight. */
struct gha_pend {
	struct rdd_recovery *r;
	char *name;
};

/* The REST side (remote.c). */
struct gha_remote {
	char *token;
	char owner[128], name[128];
	char branch[256];
	struct gha_etag *etags;
	size_t netags;

	/* rate limit, from the last response */
	long remaining, limit;
	int64_t reset;
	int64_t pause_until;
	int pause_hard;
	char pause_why[256];
	int said_slow;

	/* status page */
	char actions_status[64];
	char actions_desc[256];
	char status_err[256];

	/* last poll */
	int api_state;
	char api_msg[GHA_MSG_MAX];
	struct gha_wfdec *decs;
	size_t ndecs;
	struct gh_wf *wfs;
	size_t nwfs;

	/* in flight */
	struct rdd_check *check;
	int step;
	uint64_t http_h;
	void *call; /* its record, freed on cancel */
	int polled; /* requests this poll */
	struct rdd_recovery *rec;
	uint64_t rec_h;
	void *rec_call;
	enum api_action rec_action;
	long long rec_id;
	char rec_target[256];
	struct gha_pend *pend;
	size_t npend;
};

/* The last local run of each workflow: a target local:NAME. */
struct gha_local {
	char *name;
	enum rdd_state state;
	char msg[GHA_MSG_MAX];
};

struct gha {
	const struct rdd_host *host;
	struct rdd_monitor *mon;
	const struct gha_config *cfg;
	char *repo;
	char *wfdir;
	enum restore_mode restore;
	struct store store;
	int store_ok;

	struct gha_file *files;
	size_t nfiles;

	/* scan */
	int scanning;
	struct gha_waiter *now;
	size_t nnow;
	struct gha_waiter *next;
	size_t nnext;
	uint64_t scan_child;
	void *gitcall; /* the git child's record, or NULL */
	int in_git;
	char head[41];
	struct git_ent *tree;
	size_t ntree;
	struct git_ent *idx;
	size_t nidx;
	size_t cat_i;
	char (*bad)[41];
	size_t nbad;
	struct gha_file *work; /* working files read by this scan */
	size_t nwork;
	int git_missing; /* git could not be run: snapshots decide */

	uint64_t watch_h, watch2_h, debounce_h, grace_h;
	int ro; /* --once: host->read_only, nothing is written */
	struct rdd_check *check;

	struct gha_remote rm;
	int has_remote;

	/* local runs */
	struct lrun *run;
	struct rdd_command *run_cmd;
	uint64_t run_timer;
	char *run_name;
	long run_seq;
	/*
	 * The run's temporary git worktree (NULL: --in-place) and the git
	 * child that adds or removes it; the reply to the command waits for
	 * the removal, so the run is over when redundancyctl returns.
	 */
	char *run_wt;
	int wt_stage; /* enum gha_wt_stage in gha.c; 0 idle */
	int wt_waiting;
	uint64_t wt_child;
	struct rdd_command *wt_cmd;
	int wt_ok;
	char *wt_summary;
	char **queue;
	size_t nqueue;
	struct gha_local *locals;
	size_t nlocals;
	char fallback_head[41];
	char base_head[41];

	int stopping;
};

/* remote.c */
int remote_init(struct gha *x, char *err, size_t errlen);
void remote_free(struct gha *x);
/* Poll the API and status page, report targets, then gha_check_finish. */
void remote_poll(struct gha *x, struct rdd_check *c);
/* recover for a github:NAME target. */
void remote_recover(struct gha *x, struct rdd_recovery *r, const char *name);
void remote_stop(struct gha *x);
/* 1 when the status page says Actions is down. */
int remote_actions_down(const struct gha *x);

/* gha.c */
void gha_check_finish(struct gha *x, struct rdd_check *c);
/* Queue local runs of the fallback workflows for HEAD (remote.c calls it). */
void gha_fallback(struct gha *x);

#endif /* GHA_GHA_H */
