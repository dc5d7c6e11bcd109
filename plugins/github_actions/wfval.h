/*
 * wfval.h: pure validation of one GitHub Actions workflow file (libc and
 * libyaml only) and extraction of what a local runner needs from it.
 */
#ifndef GHA_WFVAL_H
#define GHA_WFVAL_H

#include <stddef.h>

/*
 * Severities, ordered so that the worst of a set is its maximum.
 * WF_SEV_ERROR: GitHub rejects the file (structure, syntax, needs, ids,
 * expressions, uses, matrix, events, cron, permission levels, required
 * sections).
 * WF_SEV_LINT: reported, never counted as invalid nor a reason to restore
 * a file (unknown keys and permission scopes, extra YAML documents).
 */
enum wf_severity {
	WF_SEV_NONE = 0,
	WF_SEV_LINT = 1,
	WF_SEV_ERROR = 2,
};

/*
 * Expanded size limit (nodes after resolving aliases) that stops alias
 * bombs; real workflows use a few thousand nodes at most.
 */
#define WFVAL_NODE_BUDGET 200000

struct wf_diag {
	char *file;    /* copy of the name given to wfval_check */
	unsigned line; /* 1-based */
	unsigned col;  /* 1-based, in characters */
	enum wf_severity severity;
	const char *rule; /* static: syntax-check, events, id, job-needs,
	                     expression, action, workflow-call, matrix,
	                     permissions */
	char *message;
};

struct wf_kv {
	char *key;
	char *value; /* scalar text as written (numbers, bools, expressions) */
};

/* One row of a matrix's include: or exclude: list. */
struct wf_mrow {
	struct wf_kv *kv;
	size_t n;
};

/* A matrix variable and its values, in file order. */
struct wf_mdim {
	char *key;
	char **vals;
	size_t nvals;
};

/*
 * strategy.matrix as written. Values are scalar texts; a matrix (or a part
 * of it) that is an expression or holds mappings cannot be expanded
 * without GitHub's evaluation: then unexpanded names the reason.
 */
struct wf_matrix {
	struct wf_mdim *dims;
	size_t ndims;
	struct wf_mrow *include;
	size_t ninclude;
	struct wf_mrow *exclude;
	size_t nexclude;
	char *unexpanded; /* NULL, or why it is not expanded locally */
};

struct wf_step {
	unsigned line; /* line of the step's first key */
	char *id;
	char *name;
	char *run;
	char *uses;
	char *shell;
	char *working_directory;
	char *if_cond;
	char *continue_on_error; /* "true", "false", an expression or NULL */
	char *timeout_minutes;   /* text as written, or NULL */
	double timeout;          /* minutes; < 0 when absent or an expression */
	struct wf_kv *env;
	size_t nenv;
};

struct wf_job {
	unsigned line; /* line of the job id */
	char *id;
	char *name;
	char **runs_on; /* labels; empty for an expression or a group only */
	size_t nruns_on;
	char *runs_on_group; /* runs-on.group, or NULL */
	char *runs_on_expr;  /* runs-on given as one ${{ }} string, or NULL */
	char **needs;
	size_t nneeds;
	char *if_cond;
	char *uses; /* reusable workflow call */
	struct wf_kv *env;
	size_t nenv;
	char *shell;             /* defaults.run.shell */
	char *working_directory; /* defaults.run.working-directory */
	char *timeout_minutes;
	double timeout;
	char *continue_on_error;
	int has_matrix;
	struct wf_matrix matrix;
	char *fail_fast;       /* strategy.fail-fast as written, or NULL */
	char *max_parallel;    /* strategy.max-parallel as written, or NULL */
	struct wf_kv *outputs; /* job outputs: name and expression text */
	size_t noutputs;
	struct wf_step *steps;
	size_t nsteps;
};

/*
 * Damage, as opposed to a broken rule: what a restore may repair. A file
 * that parses is never damaged, however many rules it breaks.
 */
enum wf_damage {
	WF_DMG_NONE = 0,
	WF_DMG_EMPTY,    /* nothing but blanks and comments */
	WF_DMG_UNPARSED, /* not YAML (or an alias bomb) */
};

struct wf_info {
	int damage; /* enum wf_damage, set even for an invalid file */
	char *name;
	char **events; /* in file order */
	size_t nevents;
	char **crons; /* on.schedule[].cron */
	size_t ncrons;
	struct wf_kv *env;
	size_t nenv;
	char *shell;             /* workflow defaults.run.shell */
	char *working_directory; /* workflow defaults.run.working-directory */
	struct wf_job *jobs;     /* in file order */
	size_t njobs;
};

/*
 * Validate buf[0..len) (need not be NUL-terminated). file is used only to
 * label the diagnostics (NULL reads as "<input>"). On return *diags holds
 * *ndiags diagnostics sorted by position (free with wfval_diags_free); diags
 * and ndiags may both be NULL when only the verdict matters. info, when not
 * NULL, is filled best-effort even for an invalid file (free with
 * wfval_info_free). Returns the worst severity found, or -1 with errno set
 * when memory ran out (then nothing is returned in diags or info).
 */
int wfval_check(const char *buf, size_t len, const char *file,
    struct wf_diag **diags, size_t *ndiags, struct wf_info *info);

void wfval_diags_free(struct wf_diag *diags, size_t ndiags);
void wfval_info_free(struct wf_info *info);

/*
 * actionlint's form "file:line:col: message [rule]", snprintf-style:
 * returns the length the full text needs, writes at most size bytes.
 */
int wfval_format(char *out, size_t size, const struct wf_diag *d);

/* Static name of a severity: "error", "lint" or "none". */
const char *wfval_severity_name(int severity);

#endif /* GHA_WFVAL_H */
