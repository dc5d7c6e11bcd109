/*
 * gha.c: the github_actions plugin: validates every workflow file, keeps
 * snapshots of valid ones, restores working-tree damage git did not make,
 * and runs workflows locally; the REST side lives in remote.c.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gha.h"
#include "sha1.h"
#include "wfval.h"

#define GHA_WFDIR ".github/workflows"
#define GHA_GIT_TIMEOUT_MS 30000
#define GHA_REPLY_AFTER_MS 50000 /* redundancyctl waits 60 s for a reply */
/* git worktree add checks out a whole tree: more than other git calls. */
#define GHA_WT_TIMEOUT_MS 300000
/* Stale worktrees removed by one rm child at most. */
#define GHA_WT_SWEEP_MAX 16
#define GHA_BUSY_RETRY_MS 300

#define GHA_OPT(name, type, def, min, max, field, flags, desc)                 \
	{                                                                      \
		name, type, def, min, max, offsetof(struct gha_config, field), \
		    flags, desc                                                \
	}

static const struct rdd_option gha_options[] = {
    GHA_OPT("repository", RDD_OPT_STRING, NULL, 0, 0, repository,
        RDD_OPT_REQUIRED,
        "absolute path of the checkout whose .github/workflows is watched"),
    GHA_OPT("github_repo", RDD_OPT_STRING, NULL, 0, 0, github_repo, 0,
        "\"owner/name\" on GitHub: with a token, watch workflows and runs "
        "through the REST API"),
    GHA_OPT("token_env", RDD_OPT_STRING, NULL, 0, 0, token_env, 0,
        "environment variable holding the GitHub token (redacted from "
        "every log)"),
    GHA_OPT("token_file", RDD_OPT_STRING, NULL, 0, 0, token_file, 0,
        "file of mode 0600 holding the token, when token_env is unset or "
        "empty"),
    GHA_OPT("api_url", RDD_OPT_STRING, "https://api.github.com", 0, 0, api_url,
        0,
        "base URL of the REST API (GitHub Enterprise: "
        "https://HOST/api/v3)"),
    GHA_OPT("status_url", RDD_OPT_STRING, "https://www.githubstatus.com", 0, 0,
        status_url, 0,
        "Statuspage base URL (or a .json URL) that says whether Actions is "
        "down; \"\" to skip it"),
    GHA_OPT("branch", RDD_OPT_STRING, NULL, 0, 0, branch, 0,
        "branch whose runs are watched (default: the repository's default "
        "branch, asked once from the API)"),
    GHA_OPT("restore", RDD_OPT_STRING, "snapshot", 0, 0, restore, 0,
        "damaged workflows come back from: snapshot (last good, else "
        "HEAD's), git (HEAD's blob), off (report only)"),
    GHA_OPT("enable", RDD_OPT_STRLIST, NULL, 0, 0, enable, 0,
        "workflow states to re-enable: disabled_inactivity, "
        "disabled_manually (default both), or \"none\""),
    GHA_OPT("rerun_max", RDD_OPT_INT, "2", 0, 100, rerun_max, 0,
        "re-runs of a failed run's failed jobs (and of a run cancelled "
        "for queueing too long) before only reporting it"),
    GHA_OPT("queued_max", RDD_OPT_DURATION, "30m", 0, 604800000.0, queued_max,
        0, "a run queued longer is cancelled and re-run; 0 never"),
    GHA_OPT("rate_reserve", RDD_OPT_INT, "100", 0, 100000, rate_reserve, 0,
        "API requests kept in reserve: at or below it the monitor waits "
        "for the rate-limit reset"),
    GHA_OPT("fallback", RDD_OPT_BOOL, "false", 0, 0, fallback, 0,
        "when Actions is down and HEAD moves, run fallback_workflows "
        "locally"),
    GHA_OPT("fallback_workflows", RDD_OPT_STRLIST, NULL, 0, 0,
        fallback_workflows, 0,
        "workflow files run by the fallback (default: those triggered on "
        "push)"),
    GHA_OPT("job_timeout", RDD_OPT_DURATION, "360m", 1000, 604800000.0,
        job_timeout, 0,
        "local runs: limit of a job without timeout-minutes (GitHub's "
        "default 360m)"),
    GHA_OPT("output_cap", RDD_OPT_SIZE, "1M", 1024, 268435456.0, output_cap, 0,
        "local runs: bytes of each step's stdout and stderr kept in the "
        "run log"),
    GHA_OPT("git", RDD_OPT_STRING, "git", 0, 0, git, 0,
        "the git program (looked up in PATH)"),
    GHA_OPT("debounce", RDD_OPT_DURATION, "50ms", 0, 10000, debounce, 0,
        "wait after a file event before looking, so one save is one scan"),
    GHA_OPT("api_timeout", RDD_OPT_DURATION, "20s", 100, 300000, api_timeout, 0,
        "limit of one API or status page request"),
    GHA_OPT("max_file", RDD_OPT_SIZE, "1M", 1024, 67108864.0, max_file, 0,
        "larger workflow files are reported, not parsed"),
    GHA_OPT("restore_grace", RDD_OPT_DURATION, "2m", 0, 86400000.0,
        restore_grace, 0,
        "a workflow emptied, cut short or made non-YAML is restored only "
        "after this long without a change to it and no git operation in "
        "progress"),
    GHA_OPT("delete_grace", RDD_OPT_DURATION, "10s", 0, 86400000.0,
        delete_grace, 0,
        "a deleted workflow is restored only after this long, so a rename "
        "or a git rm can complete"),
    RDD_OPTIONS_END,
};

/*
 * One action: "repair" does what fits the target: restore a workflow file,
 * enable a disabled workflow, re-run failed jobs, cancel and re-run a run
 * stuck in the queue. Each attempt looks afresh before acting.
 */
static const char *const gha_actions[] = {"repair", NULL};

static void gha_scan_kick(struct gha *x);
static void gha_scan_request(struct gha *x, enum gha_wait_kind kind,
    struct rdd_recovery *r, const char *target);
static void gha_fmt(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* snprintf that truncates silently: a message may be cut, by design. */
static void
gha_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
static void gha_run_next(struct gha *x);
static void gha_wt_remove(struct gha *x);
static int gha_on_push(struct gha *x, const char *name);

static int64_t
gha_wall(void)
{
	return (int64_t)time(NULL);
}

static int64_t
gha_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
gha_file_clear(struct gha_file *f)
{
	size_t i;

	free(f->name);
	free(f->wfname);
	for (i = 0; i < f->nlines; i++)
		free(f->lines[i]);
	free(f->lines);
	memset(f, 0, sizeof(*f));
}

static void
gha_files_free(struct gha_file *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gha_file_clear(&v[i]);
	free(v);
}

static struct gha_file *
gha_file_find(struct gha_file *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static int
gha_bad_has(const struct gha *x, const char *blob)
{
	size_t i;

	for (i = 0; i < x->nbad; i++)
		if (strcmp(x->bad[i], blob) == 0)
			return 1;
	return 0;
}

static void
gha_bad_add(struct gha *x, const char *blob)
{
	char(*nv)[41];

	if (gha_bad_has(x, blob))
		return;
	/* A bounded memory of invalid HEAD blobs: forget the oldest. */
	if (x->nbad >= 256) {
		memmove(x->bad, x->bad + 1, (x->nbad - 1) * sizeof(*x->bad));
		x->nbad--;
	}
	if ((nv = realloc(x->bad, (x->nbad + 1) * sizeof(*nv))) == NULL)
		return;
	x->bad = nv;
	snprintf(x->bad[x->nbad++], 41, "%s", blob);
}

/* ---- validation of one buffer ---- */

/*
 * Validate buf into f (severity, counts, diagnostic lines, jobs, steps),
 * labelled .github/workflows/NAME as actionlint would print it.
 */
static void
gha_validate(struct gha *x, struct gha_file *f, const char *buf, size_t len)
{
	struct wf_diag *d = NULL;
	struct wf_info info;
	char label[PATH_MAX], line[2048];
	size_t nd = 0, i;
	int sev;

	snprintf(label, sizeof(label), "%s/%s", GHA_WFDIR, f->name);
	memset(&info, 0, sizeof(info));
	sev = wfval_check(buf, len, label, &d, &nd, &info);
	if (sev < 0) {
		f->sev = WF_SEV_ERROR;
		f->nerr = 1;
		if ((f->lines = calloc(1, sizeof(*f->lines))) != NULL &&
		    (f->lines[0] = strdup("out of memory validating the "
		                          "file")) != NULL)
			f->nlines = 1;
		return;
	}
	f->sev = sev;
	f->damage = info.damage;
	free(f->wfname);
	f->wfname = info.name ? strdup(info.name) : NULL;
	f->jobs = info.njobs;
	for (i = 0; i < info.njobs; i++)
		f->steps += info.jobs[i].nsteps;
	wfval_info_free(&info);
	if (nd > 0 && (f->lines = calloc(nd, sizeof(*f->lines))) != NULL) {
		for (i = 0; i < nd; i++) {
			wfval_format(line, sizeof(line), &d[i]);
			if (d[i].severity == WF_SEV_ERROR)
				f->nerr++;
			else
				f->nlint++;
			if ((f->lines[f->nlines] = strdup(line)) != NULL)
				f->nlines++;
		}
	}
	wfval_diags_free(d, nd);
	(void)x;
}

/* Copy the validation results of a (same-content) earlier scan. */
static int
gha_validation_copy(struct gha_file *dst, const struct gha_file *src)
{
	size_t i;

	dst->sev = src->sev;
	dst->damage = src->damage;
	dst->wfname = src->wfname ? strdup(src->wfname) : NULL;
	dst->nerr = src->nerr;
	dst->nlint = src->nlint;
	dst->jobs = src->jobs;
	dst->steps = src->steps;
	if (src->nlines == 0)
		return 0;
	if ((dst->lines = calloc(src->nlines, sizeof(*dst->lines))) == NULL)
		return -1;
	for (i = 0; i < src->nlines; i++)
		if ((dst->lines[dst->nlines] = strdup(src->lines[i])) != NULL)
			dst->nlines++;
	return 0;
}

/* ---- reading the working tree ---- */

static int
gha_same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size && a->st_mode == b->st_mode &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * A write cut short (disk full, a crash, a killed editor) leaves a prefix
 * of the old content that ends inside a line: damage even when what is
 * left still validates. An edit that drops whole lines ends in a newline
 * and is the user's.
 */
static int
gha_truncated(struct gha *x, const char *name, const char *buf, size_t len)
{
	const struct store_entry *s = store_last(&x->store, name);
	char err[256], *good;
	size_t glen;
	int cut;

	if (s == NULL || !x->store_ok || len == 0 || buf[len - 1] == '\n')
		return 0;
	if ((good = store_get(&x->store, s->blob, &glen, err, sizeof(err))) ==
	    NULL)
		return 0;
	cut = len < glen && memcmp(good, buf, len) == 0;
	/* Only a missing final newline (or blanks) is an edit, not a cut. */
	if (cut && strspn(good + len, " \t\r\n") == glen - len)
		cut = 0;
	free(good);
	return cut;
}

static int
gha_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gha_file *)a)->name,
	    ((const struct gha_file *)b)->name);
}

static void
gha_read_work(struct gha *x)
{
	struct gha_file *v = NULL, *nv, *f, *old;
	struct dirent *de;
	struct stat st;
	char path[PATH_MAX], err[256];
	size_t n = 0, len;
	char *buf;
	DIR *dir;
	int fresh;

	gha_files_free(x->work, x->nwork);
	x->work = NULL;
	x->nwork = 0;
	if ((dir = opendir(x->wfdir)) == NULL)
		return; /* no workflows directory: every file is "deleted" */
	while ((de = readdir(dir)) != NULL) {
		if (!decide_is_workflow_name(de->d_name))
			continue;
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL)
			break;
		v = nv;
		f = &v[n];
		memset(f, 0, sizeof(*f));
		if ((f->name = strdup(de->d_name)) == NULL)
			break;
		n++;
		f->told = -1;
		snprintf(path, sizeof(path), "%s/%s", x->wfdir, de->d_name);
		if (lstat(path, &st) != 0)
			continue; /* gone meanwhile: reads as deleted */
		f->w_mode = st.st_mode & 07777;
		if (!S_ISREG(st.st_mode)) {
			f->w_exists = 1;
			f->sev = WF_SEV_ERROR;
			f->nerr = 1;
			snprintf(f->w_blob, sizeof(f->w_blob), "%040d", 0);
			if ((f->lines = calloc(1, sizeof(*f->lines))) != NULL &&
			    (f->lines[0] = strdup(
			         S_ISLNK(st.st_mode)
			             ? "a symbolic link, which GitHub does not "
			               "follow: make it a regular file"
			             : "not a regular file")) != NULL)
				f->nlines = 1;
			continue;
		}
		old = gha_file_find(x->files, x->nfiles, f->name);
		if (old != NULL && old->w_exists && old->w_st_ok &&
		    gha_same_stat(&old->w_st, &st)) {
			/* Unchanged since a read we trust: no read, no hash. */
			f->w_exists = 1;
			memcpy(f->w_blob, old->w_blob, sizeof(f->w_blob));
			f->w_truncated = old->w_truncated;
			f->w_st = st;
			f->w_st_ok = 1;
			(void)gha_validation_copy(f, old);
			continue;
		}
		buf = store_read_file(path, (size_t)x->cfg->max_file, &len);
		if (buf == NULL) {
			if (errno == ENOENT)
				continue;
			f->w_exists = 1;
			f->sev = WF_SEV_ERROR;
			f->nerr = 1;
			snprintf(err, sizeof(err), "%s/%s: cannot read: %s%s",
			    GHA_WFDIR, f->name, strerror(errno),
			    errno == EFBIG ? " (larger than max_file)" : "");
			snprintf(f->w_blob, sizeof(f->w_blob), "%040d", 0);
			if ((f->lines = calloc(1, sizeof(*f->lines))) != NULL &&
			    (f->lines[0] = strdup(err)) != NULL)
				f->nlines = 1;
			continue;
		}
		f->w_exists = 1;
		sha1_git_blob(buf, len, f->w_blob);
		/*
		 * Racy timestamps: a change within the clock's granularity
		 * of this read would keep them; only older files are trusted.
		 */
		f->w_st = st;
		f->w_st_ok = gha_wall() - (int64_t)st.st_mtim.tv_sec >= 2 &&
		             gha_wall() - (int64_t)st.st_ctim.tv_sec >= 2;
		fresh = old == NULL || !old->w_exists ||
		        strcmp(old->w_blob, f->w_blob) != 0;
		if (!fresh) {
			(void)gha_validation_copy(f, old);
			f->w_truncated = old->w_truncated;
		} else {
			gha_validate(x, f, buf, len);
			f->w_truncated = gha_truncated(x, f->name, buf, len);
		}
		/* Keep every valid version: content-addressed, so cheap. */
		if (f->sev < WF_SEV_ERROR && x->store_ok &&
		    !store_has(&x->store, f->w_blob)) {
			char blob[41];

			if (store_put(&x->store, buf, len, blob, err,
			        sizeof(err)) != 0)
				x->host->log(x->mon, RDD_LOG_WARN,
				    "snapshot of %s: %s", f->name, err);
		}
		free(buf);
	}
	closedir(dir);
	if (n > 1)
		qsort(v, n, sizeof(*v), gha_name_cmp);
	x->work = v;
	x->nwork = n;
}

/* ---- the git side of a scan ---- */

enum gha_git_step { GS_REV, GS_TREE, GS_INDEX, GS_CAT };

static void gha_scan_end(struct gha *x);
static void gha_cat_next(struct gha *x);
static void gha_git_cb(void *arg, const struct rdd_child_result *res);

struct gha_gitcall {
	struct gha *x;
	enum gha_git_step step;
	char blob[41];
};

static int
gha_git(struct gha *x, enum gha_git_step step, const char *blob,
    const char *const *args, size_t nargs)
{
	static const char *const env[] = {
	    "LC_ALL=C", "GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0", NULL};
	const char *argv[16];
	struct rdd_child_spec spec;
	struct gha_gitcall *gc;
	size_t i, n = 0;
	uint64_t h;

	if ((gc = calloc(1, sizeof(*gc))) == NULL)
		return -1;
	gc->x = x;
	gc->step = step;
	if (blob != NULL)
		snprintf(gc->blob, sizeof(gc->blob), "%s", blob);
	argv[n++] = x->cfg->git && x->cfg->git[0] ? x->cfg->git : "git";
	argv[n++] = "-C";
	argv[n++] = x->repo;
	for (i = 0; i < nargs && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.env = env;
	spec.timeout_ms = GHA_GIT_TIMEOUT_MS;
	spec.output_cap = (size_t)x->cfg->max_file * 4 + 65536;
	x->gitcall = gc;
	h = x->host->child_run(x->mon, &spec, gha_git_cb, gc);
	if (x->gitcall != gc)
		return 0; /* the result came already */
	if (h == 0) {
		x->gitcall = NULL;
		free(gc);
		return -1;
	}
	x->scan_child = h;
	return 0;
}

static void
gha_git_fail(
    struct gha *x, const char *what, const struct rdd_child_result *res)
{
	char line[256];
	size_t n;

	n = res->err_len < sizeof(line) - 1 ? res->err_len : sizeof(line) - 1;
	memcpy(line, res->err ? res->err : "", n);
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	x->host->log(x->mon, RDD_LOG_WARN,
	    "git %s in %s failed (%s%d): %s: "
	    "judging by snapshots only this time",
	    what, x->repo, res->exited ? "exit " : "signal ",
	    res->exited ? res->status : res->signal,
	    line[0] ? line : "no message");
}

static void
gha_git_cb(void *arg, const struct rdd_child_result *res)
{
	struct gha_gitcall *gc = arg;
	struct gha *x = gc->x;
	enum gha_git_step step = gc->step;
	int n;

	x->scan_child = 0;
	x->gitcall = NULL;
	if (x->stopping) {
		free(gc);
		return;
	}
	if (res->spawn_errno != 0) {
		if (!x->git_missing)
			x->host->log(x->mon, RDD_LOG_WARN,
			    "cannot run %s: %s: "
			    "without git, snapshots alone decide what to "
			    "restore (set git = \"/path/to/git\")",
			    x->cfg->git, strerror(res->spawn_errno));
		x->git_missing = 1;
		x->in_git = 0;
		free(gc);
		gha_scan_end(x);
		return;
	}
	x->git_missing = 0;
	switch (step) {
	case GS_REV:
		if (res->exited && res->status == 0 && res->out_len >= 40) {
			memcpy(x->head, res->out, 40);
			x->head[40] = '\0';
			x->in_git = strspn(x->head, "0123456789abcdef") == 40;
		} else
			x->in_git = 0; /* not a checkout, or no commit yet */
		if (!x->in_git) {
			x->head[0] = '\0';
			break;
		}
		{
			const char *a[] = {
			    "ls-tree", "-r", "-z", x->head, "--", GHA_WFDIR};

			free(gc);
			if (gha_git(x, GS_TREE, NULL, a, 6) != 0) {
				x->in_git = 0;
				gha_scan_end(x);
			}
			return;
		}
	case GS_TREE:
		if (!res->exited || res->status != 0 || res->truncated) {
			gha_git_fail(x, "ls-tree", res);
			x->in_git = 0;
			break;
		}
		git_ents_free(x->tree, x->ntree);
		x->tree = NULL;
		x->ntree = 0;
		if ((n = git_parse_entries(
		         res->out, res->out_len, 1, &x->tree)) < 0) {
			x->in_git = 0;
			break;
		}
		x->ntree = (size_t)n;
		{
			const char *a[] = {
			    "ls-files", "-s", "-z", "--", GHA_WFDIR};

			free(gc);
			if (gha_git(x, GS_INDEX, NULL, a, 5) != 0) {
				x->in_git = 0;
				gha_scan_end(x);
			}
			return;
		}
	case GS_INDEX:
		if (!res->exited || res->status != 0 || res->truncated) {
			gha_git_fail(x, "ls-files", res);
			x->in_git = 0;
			break;
		}
		git_ents_free(x->idx, x->nidx);
		x->idx = NULL;
		x->nidx = 0;
		if ((n = git_parse_entries(
		         res->out, res->out_len, 0, &x->idx)) < 0) {
			x->in_git = 0;
			break;
		}
		x->nidx = (size_t)n;
		x->cat_i = 0;
		free(gc);
		gha_cat_next(x);
		return;
	case GS_CAT:
		if (res->exited && res->status == 0 && !res->truncated) {
			struct gha_file f;
			char blob[41], err[256];

			memset(&f, 0, sizeof(f));
			f.name = (char *)"(HEAD)";
			sha1_git_blob(res->out, res->out_len, blob);
			if (strcmp(blob, gc->blob) == 0) {
				gha_validate(x, &f, res->out, res->out_len);
				if (f.sev < WF_SEV_ERROR && x->store_ok) {
					if (store_put(&x->store, res->out,
					        res->out_len, blob, err,
					        sizeof(err)) != 0)
						x->host->log(x->mon,
						    RDD_LOG_WARN,
						    "snapshot of HEAD's "
						    "blob %.7s: %s",
						    gc->blob, err);
				} else if (f.sev >= WF_SEV_ERROR)
					gha_bad_add(x, gc->blob);
				f.name = NULL;
				gha_file_clear(&f);
			}
		} else
			gha_git_fail(x, "cat-file", res);
		x->cat_i++;
		free(gc);
		gha_cat_next(x);
		return;
	}
	free(gc);
	gha_scan_end(x);
}

/* Fetch HEAD's blobs the store does not know yet, one child at a time. */
static void
gha_cat_next(struct gha *x)
{
	const struct git_ent *e;

	while (x->cat_i < x->ntree) {
		e = &x->tree[x->cat_i];
		if ((x->store_ok && store_has(&x->store, e->blob)) ||
		    gha_bad_has(x, e->blob)) {
			x->cat_i++;
			continue;
		}
		{
			const char *a[] = {"cat-file", "blob", e->blob};

			if (gha_git(x, GS_CAT, e->blob, a, 3) == 0)
				return;
		}
		x->cat_i++;
	}
	gha_scan_end(x);
}

/* ---- decisions ---- */

/*
 * The git directory of the checkout: .git, or what a worktree's (or a
 * submodule's) .git file names ("gitdir: PATH", relative to the checkout).
 */
static void
gha_git_dir(const struct gha *x, char *out, size_t len)
{
	char path[PATH_MAX], line[PATH_MAX];
	struct stat st;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/.git", x->repo);
	snprintf(out, len, "%s", path);
	if (stat(path, &st) != 0 || S_ISDIR(st.st_mode))
		return;
	if ((fp = fopen(path, "r")) == NULL)
		return;
	if (fgets(line, sizeof(line), fp) != NULL &&
	    strncmp(line, "gitdir: ", 8) == 0) {
		n = strcspn(line + 8, "\r\n");
		line[8 + n] = '\0';
		if (line[8] == '/')
			snprintf(out, len, "%s", line + 8);
		else
			gha_fmt(out, len, "%s/%s", x->repo, line + 8);
	}
	fclose(fp);
}

/* The git operation in progress in the checkout, or NULL. */
static const char *
gha_git_busy(const struct gha *x)
{
	static const char *const marks[] = {"index.lock", "MERGE_HEAD",
	    "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply",
	    NULL};
	char dir[PATH_MAX], path[PATH_MAX];
	size_t i;

	gha_git_dir(x, dir, sizeof(dir));
	for (i = 0; marks[i] != NULL; i++) {
		gha_fmt(path, sizeof(path), "%s/%s", dir, marks[i]);
		if (access(path, F_OK) == 0)
			return marks[i];
	}
	return NULL;
}

static void
gha_msg_for(struct gha_file *f)
{
	const char *first = f->nlines > 0 ? f->lines[0] : "";
	char more[32] = "";
	size_t shown = f->nlines;

	if (shown > 1)
		snprintf(more, sizeof(more), " (+%zu more)", shown - 1);
	switch (f->d.verdict) {
	case FV_OK:
		if (f->sev == WF_SEV_NONE) {
			f->state = RDD_OK;
			snprintf(f->msg, sizeof(f->msg),
			    "valid: %zu job%s, "
			    "%zu step%s",
			    f->jobs, f->jobs == 1 ? "" : "s", f->steps,
			    f->steps == 1 ? "" : "s");
		} else {
			f->state = RDD_WARNING;
			snprintf(f->msg, sizeof(f->msg),
			    "valid with %zu lint "
			    "finding%s: %s%s",
			    f->nlint, f->nlint == 1 ? "" : "s", first, more);
		}
		break;
	case FV_BUSY:
	case FV_WAIT:
		f->state = RDD_WARNING;
		snprintf(f->msg, sizeof(f->msg), "%s", f->d.why);
		break;
	case FV_REPORT:
	case FV_RESTORE:
		f->state = RDD_CRITICAL;
		if (!f->w_exists || f->nlines == 0)
			snprintf(f->msg, sizeof(f->msg), "%s/%s: %s", GHA_WFDIR,
			    f->name, f->d.why);
		else
			snprintf(f->msg, sizeof(f->msg), "%s%s; %s", first,
			    more, f->d.why);
		break;
	case FV_GONE:
		f->state = RDD_OK;
		f->msg[0] = '\0';
		break;
	}
}

static void
gha_add_name(char ***names, size_t *n, const char *name)
{
	char **nv;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*names)[i], name) == 0)
			return;
	if ((nv = realloc(*names, (*n + 1) * sizeof(*nv))) == NULL)
		return;
	*names = nv;
	(*names)[*n] = (char *)name;
	(*n)++;
}

static int
gha_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The workflow name (name:) inside a stored blob, malloc'ed, or NULL. */
static char *
gha_blob_wfname(struct gha *x, const char *blob)
{
	struct wf_info info;
	char err[256], *data, *name = NULL;
	size_t len;

	if (blob == NULL || !x->store_ok || !store_has(&x->store, blob))
		return NULL;
	if ((data = store_get(&x->store, blob, &len, err, sizeof(err))) ==
	    NULL)
		return NULL;
	memset(&info, 0, sizeof(info));
	if (wfval_check(data, len, NULL, NULL, NULL, &info) >= 0) {
		if (info.name != NULL)
			name = strdup(info.name);
		wfval_info_free(&info);
	}
	free(data);
	return name;
}

/*
 * A deleted workflow that lives on in the same directory: the same blob,
 * or the same name:, in a working file HEAD does not hold (a plain mv).
 * Returns that file's name (in x->work), or NULL.
 */
static const char *
gha_renamed(struct gha *x, const char *name, const char *blob)
{
	const struct gha_file *w;
	char *wfname;
	const char *to = NULL;
	size_t k;

	if (blob == NULL)
		return NULL;
	wfname = gha_blob_wfname(x, blob);
	for (k = 0; to == NULL && k < x->nwork; k++) {
		w = &x->work[k];
		if (!w->w_exists || strcmp(w->name, name) == 0)
			continue;
		if (x->in_git && git_ent_find(x->tree, x->ntree, w->name, 0))
			continue; /* an old workflow, not a new name */
		if (strcmp(w->w_blob, blob) == 0 ||
		    (wfname != NULL && w->wfname != NULL &&
		        strcmp(w->wfname, wfname) == 0))
			to = w->name;
	}
	free(wfname);
	return to;
}

/* Keep when this very damage was first seen; 0 when there is none. */
static int64_t
gha_damage_since(const struct gha_file *f, const struct gha_file *old,
    const char *busy, int64_t now)
{
	if (f->w_exists && f->damage == WF_DMG_NONE && !f->w_truncated)
		return 0;
	/* The grace counts from the end of a git operation. */
	if (busy != NULL || old == NULL || old->dmg_since == 0 ||
	    old->w_exists != f->w_exists ||
	    (f->w_exists && strcmp(old->w_blob, f->w_blob) != 0))
		return now;
	return old->dmg_since;
}

/* Decide every workflow name the working tree, git or the store knows. */
static void
gha_decide_all(struct gha *x)
{
	struct gha_file *v, *f, *w, *old;
	const struct git_ent *h, *i;
	const struct store_entry *s;
	struct file_facts ff;
	char **names = NULL, err[256];
	const char **ren = NULL;
	size_t nn = 0, k, n = 0;
	const char *busy = x->in_git ? gha_git_busy(x) : NULL;
	int64_t now = gha_wall(), mono = gha_mono_ms();

	for (k = 0; k < x->nwork; k++)
		gha_add_name(&names, &nn, x->work[k].name);
	for (k = 0; x->in_git && k < x->ntree; k++)
		gha_add_name(&names, &nn, x->tree[k].name);
	for (k = 0; x->in_git && k < x->nidx; k++)
		gha_add_name(&names, &nn, x->idx[k].name);
	for (k = 0; k < x->store.n; k++)
		gha_add_name(&names, &nn, x->store.v[k].name);
	if (nn > 1)
		qsort(names, nn, sizeof(*names), gha_str_cmp);
	v = calloc(nn ? nn : 1, sizeof(*v));
	ren = calloc(nn ? nn : 1, sizeof(*ren));
	if (v == NULL || ren == NULL) {
		free(v);
		free(ren);
		free(names);
		return;
	}
	/* Renames first: x->work is taken apart below. */
	for (k = 0; k < nn; k++) {
		w = gha_file_find(x->work, x->nwork, names[k]);
		if (w != NULL && w->w_exists)
			continue;
		h = x->in_git ? git_ent_find(x->tree, x->ntree, names[k], 0)
		              : NULL;
		s = store_last(&x->store, names[k]);
		ren[k] = gha_renamed(x, names[k], h ? h->blob : NULL);
		if (ren[k] == NULL && s != NULL)
			ren[k] = gha_renamed(x, names[k], s->blob);
	}
	for (k = 0; k < nn; k++) {
		memset(&ff, 0, sizeof(ff));
		w = gha_file_find(x->work, x->nwork, names[k]);
		f = &v[n];
		if (w != NULL) {
			*f = *w; /* take over its strings */
			memset(w, 0, sizeof(*w));
			w->name = strdup(f->name); /* keep x->work consistent */
		} else {
			memset(f, 0, sizeof(*f));
			if ((f->name = strdup(names[k])) == NULL)
				continue;
		}
		ff.w_exists = f->w_exists;
		ff.w_severity = f->sev;
		ff.w_truncated = f->w_truncated;
		ff.w_damage = f->w_exists ? f->damage : WF_DMG_NONE;
		ff.renamed_to = ren[k];
		old = gha_file_find(x->files, x->nfiles, f->name);
		f->dmg_since = gha_damage_since(f, old, busy, mono);
		ff.dmg_age_ms = f->dmg_since ? mono - f->dmg_since : 0;
		ff.grace_ms = f->w_exists ? x->cfg->restore_grace
		                          : x->cfg->delete_grace;
		snprintf(ff.w_blob, sizeof(ff.w_blob), "%s", f->w_blob);
		ff.in_git = x->in_git;
		ff.git_busy = busy;
		ff.head = x->in_git ? x->head : NULL;
		ff.restore = x->restore;
		if (x->in_git) {
			if ((h = git_ent_find(x->tree, x->ntree, f->name, 0)) !=
			    NULL) {
				ff.h_present = 1;
				snprintf(ff.h_blob, sizeof(ff.h_blob), "%s",
				    h->blob);
				ff.h_valid =
				    x->store_ok && store_has(&x->store, h->blob)
				        ? 1
				    : gha_bad_has(x, h->blob) ? 0
				                              : -1;
			}
			if ((i = git_ent_find(x->idx, x->nidx, f->name, 0)) !=
			    NULL) {
				ff.i_present = 1;
				snprintf(ff.i_blob, sizeof(ff.i_blob), "%s",
				    i->blob);
			}
			ff.i_conflict =
			    git_ent_find(x->idx, x->nidx, f->name, -1) != NULL;
		}
		if ((s = store_last(&x->store, f->name)) != NULL) {
			ff.s_blob = s->blob;
			ff.s_head = s->head;
			ff.s_stored =
			    x->store_ok && store_has(&x->store, s->blob);
		}
		decide_file(&ff, &f->d);
		if (f->d.verdict == FV_OK && x->store_ok &&
		    store_set_last(&x->store, f->name, f->w_blob,
		        x->in_git ? x->head : "", now, err, sizeof(err)) != 0)
			x->host->log(
			    x->mon, RDD_LOG_WARN, "snapshot index: %s", err);
		if (f->d.forget && x->store_ok && !x->ro) {
			x->host->journal(
			    x->mon, "workflow-removed", f->name, f->d.why);
			x->host->log(x->mon, RDD_LOG_INFO,
			    "%s/%s: %s: not "
			    "restored, its snapshot is forgotten",
			    GHA_WFDIR, f->name, f->d.why);
			(void)store_forget(
			    &x->store, f->name, err, sizeof(err));
		}
		f->told = old ? old->told : -1;
		gha_msg_for(f);
		/* Diagnostics are logged once per new content. */
		if (f->w_exists && f->nlines > 0 &&
		    (old == NULL || strcmp(old->w_blob, f->w_blob) != 0)) {
			size_t q;

			for (q = 0; q < f->nlines; q++)
				x->host->log(x->mon,
				    f->sev >= WF_SEV_ERROR ? RDD_LOG_ERR
				                           : RDD_LOG_WARN,
				    "%s", f->lines[q]);
		}
		n++;
	}
	free(ren);
	free(names);
	if (x->store_ok && store_flush(&x->store, err, sizeof(err)) != 0)
		x->host->log(x->mon, RDD_LOG_WARN, "snapshot index: %s", err);
	gha_files_free(x->files, x->nfiles);
	x->files = v;
	x->nfiles = n;
}

/* ---- restore ---- */

static mode_t
gha_mode_for(const struct gha *x, const struct gha_file *f)
{
	const struct git_ent *h;

	if (f->w_exists && (f->w_mode & 0777) != 0)
		return f->w_mode & 0777;
	h = x->in_git ? git_ent_find(x->tree, x->ntree, f->name, 0) : NULL;
	if (h != NULL && h->mode == 0100755)
		return 0755;
	return 0644;
}

static void
gha_restore(struct gha *x, struct rdd_recovery *r, struct gha_file *f)
{
	char err[512], aside[PATH_MAX], msg[GHA_MSG_MAX], keep[PATH_MAX];
	struct gha_file chk;
	size_t len;
	char *data;

	if (!x->store_ok) {
		x->host->recovery_done(r, 0,
		    "no snapshot store (state_dir is "
		    "not writable): cannot restore");
		return;
	}
	data = store_get(&x->store, f->d.source, &len, err, sizeof(err));
	if (data == NULL) {
		snprintf(msg, sizeof(msg), "snapshot %.7s of %s: %s",
		    f->d.source, f->name, err);
		x->host->recovery_done(r, 0, msg);
		return;
	}
	memset(&chk, 0, sizeof(chk));
	chk.name = f->name;
	gha_validate(x, &chk, data, len);
	chk.name = NULL;
	if (chk.sev >= WF_SEV_ERROR) {
		gha_file_clear(&chk);
		free(data);
		snprintf(msg, sizeof(msg),
		    "snapshot %.7s of %s does not "
		    "validate any more; not restored",
		    f->d.source, f->name);
		x->host->recovery_done(r, 0, msg);
		return;
	}
	gha_file_clear(&chk);
	/* The damaged copy goes under state_dir, never into the checkout. */
	gha_fmt(keep, sizeof(keep), "%s/damaged", x->store.dir);
	if (store_restore_file(x->wfdir, f->name, data, len, gha_mode_for(x, f),
	        gha_wall(), keep, aside, sizeof(aside), err,
	        sizeof(err)) != 0) {
		free(data);
		snprintf(
		    msg, sizeof(msg), "restore of %s failed: %s", f->name, err);
		x->host->recovery_done(r, 0, msg);
		return;
	}
	free(data);
	gha_fmt(msg, sizeof(msg), "restored %s/%s from %s %.7s%s%s%s",
	    GHA_WFDIR, f->name,
	    f->d.from_git ? "HEAD's blob" : "the last good snapshot",
	    f->d.source, aside[0] ? "; the damaged copy is kept as " : "",
	    aside, aside[0] ? "" : " (it had been deleted)");
	x->host->log(x->mon, RDD_LOG_INFO, "%s", msg);
	x->host->journal(x->mon, "restore", f->name, msg);
	x->host->recovery_done(r, 1, msg);
}

static void
gha_recover_file(struct gha *x, struct rdd_recovery *r, const char *name)
{
	struct gha_file *f = gha_file_find(x->files, x->nfiles, name);
	char msg[GHA_MSG_MAX];

	if (f == NULL || f->d.verdict == FV_GONE) {
		x->host->recovery_done(r, 1,
		    "the workflow is gone by git's "
		    "doing: nothing to restore");
		return;
	}
	switch (f->d.verdict) {
	case FV_OK:
		x->host->recovery_done(r, 1, "valid again; nothing restored");
		return;
	case FV_RESTORE:
		gha_restore(x, r, f);
		return;
	case FV_BUSY:
	case FV_WAIT:
		x->host->recovery_done(r, 0, f->d.why);
		return;
	default:
		/* git's own change, or nothing good to restore: a person acts. */
		snprintf(msg, sizeof(msg), "not restored: %s", f->d.why);
		x->host->recovery_done(r, RDD_RECOVERY_NOT_APPLICABLE, msg);
		return;
	}
}

/* ---- the end of a scan: serve its waiters ---- */

static void
gha_report_files(struct gha *x, struct rdd_check *c)
{
	struct rdd_metric mv[4];
	size_t i;

	for (i = 0; i < x->nfiles; i++) {
		struct gha_file *f = &x->files[i];

		if (f->d.verdict == FV_GONE)
			continue;
		mv[0].name = "errors";
		mv[0].value = (double)f->nerr;
		mv[0].unit = "";
		mv[1].name = "lint";
		mv[1].value = (double)f->nlint;
		mv[1].unit = "";
		mv[2].name = "jobs";
		mv[2].value = (double)f->jobs;
		mv[2].unit = "";
		x->host->report(c, f->name, f->state, f->msg, mv, 3);
		f->told = (int)f->state;
	}
}

static void
gha_push_changes(struct gha *x)
{
	size_t i;

	for (i = 0; i < x->nfiles; i++) {
		struct gha_file *f = &x->files[i];

		if (f->d.verdict == FV_GONE || f->told == (int)f->state)
			continue;
		/* A new target is left to the next check unless it needs
		 * action now. */
		if (f->told < 0 && f->state != RDD_CRITICAL)
			continue;
		f->told = (int)f->state;
		x->host->push(x->mon, f->name, f->state, f->msg);
	}
}

static void
gha_busy_retry_cb(void *arg)
{
	struct gha *x = arg;
	struct gha_waiter *nv;

	x->debounce_h = 0;
	if (x->stopping)
		return;
	if ((nv = realloc(x->next, (x->nnext + 1) * sizeof(*nv))) == NULL)
		return;
	x->next = nv;
	memset(&x->next[x->nnext], 0, sizeof(*x->next));
	x->next[x->nnext++].kind = GW_WATCH;
	gha_scan_kick(x);
}

static void
gha_grace_cb(void *arg)
{
	struct gha *x = arg;

	x->grace_h = 0;
	if (!x->stopping)
		gha_scan_request(x, GW_WATCH, NULL, NULL);
}

/* Look again when the first grace period ends. */
static void
gha_grace_arm(struct gha *x)
{
	int64_t first = -1;
	size_t i;

	for (i = 0; i < x->nfiles; i++)
		if (x->files[i].d.verdict == FV_WAIT &&
		    (first < 0 || x->files[i].d.wait_ms < first))
			first = x->files[i].d.wait_ms;
	if (x->grace_h != 0) {
		x->host->timer_del(x->mon, x->grace_h);
		x->grace_h = 0;
	}
	if (first >= 0 && !x->stopping && !x->ro)
		x->grace_h = x->host->timer_add(
		    x->mon, first + 5, 0, gha_grace_cb, x);
}

static void
gha_scan_end(struct gha *x)
{
	struct gha_waiter *w = x->now;
	size_t nw = x->nnow, i;
	int push = 0, busy = 0;

	gha_decide_all(x);
	x->now = NULL;
	x->nnow = 0;
	for (i = 0; i < x->nfiles; i++)
		if (x->files[i].d.verdict == FV_BUSY)
			busy = 1;
	gha_grace_arm(x);
	/*
	 * Waiters may re-enter (a push starts a recovery at once, which asks
	 * for a scan): such requests queue for the next scan.
	 */
	for (i = 0; i < nw; i++) {
		switch (w[i].kind) {
		case GW_CHECK:
			gha_report_files(x, x->check);
			break;
		case GW_WATCH:
			push = 1;
			break;
		default:
			break;
		}
	}
	if (push)
		gha_push_changes(x);
	for (i = 0; i < nw; i++) {
		if (w[i].kind == GW_RECOVER)
			gha_recover_file(x, w[i].r, w[i].target);
		free(w[i].target);
	}
	x->scanning = 0;
	for (i = 0; i < nw; i++)
		if (w[i].kind == GW_CHECK && x->check != NULL) {
			struct rdd_check *c = x->check;

			if (x->has_remote)
				remote_poll(x, c);
			else
				gha_check_finish(x, c);
		}
	free(w);
	/* Restores above needed HEAD's modes; the next scan reads afresh. */
	git_ents_free(x->tree, x->ntree);
	x->tree = NULL;
	x->ntree = 0;
	git_ents_free(x->idx, x->nidx);
	x->idx = NULL;
	x->nidx = 0;
	if (busy && x->debounce_h == 0 && !x->stopping)
		x->debounce_h = x->host->timer_add(
		    x->mon, GHA_BUSY_RETRY_MS, 0, gha_busy_retry_cb, x);
	gha_scan_kick(x);
}

static void
gha_scan_kick(struct gha *x)
{
	struct stat st;
	char path[PATH_MAX];

	if (x->scanning || x->nnext == 0 || x->stopping)
		return;
	x->now = x->next;
	x->nnow = x->nnext;
	x->next = NULL;
	x->nnext = 0;
	x->scanning = 1;
	gha_read_work(x);
	x->in_git = 0;
	snprintf(path, sizeof(path), "%s/.git", x->repo);
	if (stat(path, &st) == 0) {
		const char *a[] = {
		    "rev-parse", "-q", "--verify", "HEAD^{commit}"};

		if (gha_git(x, GS_REV, NULL, a, 4) == 0)
			return;
	}
	gha_scan_end(x);
}

static void
gha_scan_request(struct gha *x, enum gha_wait_kind kind, struct rdd_recovery *r,
    const char *target)
{
	struct gha_waiter *nv;

	if ((nv = realloc(x->next, (x->nnext + 1) * sizeof(*nv))) == NULL)
		goto nomem;
	x->next = nv;
	memset(&x->next[x->nnext], 0, sizeof(*x->next));
	x->next[x->nnext].kind = kind;
	x->next[x->nnext].r = r;
	if (target != NULL &&
	    (x->next[x->nnext].target = strdup(target)) == NULL)
		goto nomem;
	x->nnext++;
	gha_scan_kick(x);
	return;
nomem:
	if (kind == GW_RECOVER)
		x->host->recovery_done(r, 0, "out of memory");
	else if (kind == GW_CHECK) {
		x->host->report(x->check, "workflows", RDD_UNKNOWN,
		    "out of memory", NULL, 0);
		gha_check_finish(x, x->check);
	}
}

/* ---- check ---- */

static void
gha_report_locals(struct gha *x, struct rdd_check *c)
{
	char target[PATH_MAX];
	size_t i;

	for (i = 0; i < x->nlocals; i++) {
		snprintf(target, sizeof(target), "local:%s", x->locals[i].name);
		x->host->report(
		    c, target, x->locals[i].state, x->locals[i].msg, NULL, 0);
	}
}

static void
gha_fallback_check(struct gha *x)
{
	if (!x->has_remote || !x->in_git || x->head[0] == '\0' || x->ro)
		return;
	if (x->rm.actions_status[0] == '\0')
		return; /* the status page was not read: no verdict */
	if (!remote_actions_down(x)) {
		if (strcmp(x->base_head, x->head) != 0) {
			snprintf(
			    x->base_head, sizeof(x->base_head), "%s", x->head);
			x->host->state_set(x->mon, "base_head", x->base_head);
		}
		return;
	}
	if (x->base_head[0] == '\0') {
		snprintf(x->base_head, sizeof(x->base_head), "%s", x->head);
		x->host->state_set(x->mon, "base_head", x->base_head);
		return;
	}
	if (!x->cfg->fallback || strcmp(x->head, x->base_head) == 0 ||
	    strcmp(x->head, x->fallback_head) == 0)
		return;
	snprintf(x->fallback_head, sizeof(x->fallback_head), "%s", x->head);
	x->host->state_set(x->mon, "fallback_head", x->fallback_head);
	x->host->log(x->mon, RDD_LOG_WARN,
	    "GitHub Actions is down (%s) and "
	    "HEAD moved to %.7s: running the fallback workflows locally",
	    x->rm.actions_status, x->head);
	x->host->journal(x->mon, "fallback", NULL,
	    "Actions is down and HEAD "
	    "moved: running workflows locally");
	gha_fallback(x);
}

void
gha_check_finish(struct gha *x, struct rdd_check *c)
{
	gha_fallback_check(x);
	gha_report_locals(x, c);
	x->check = NULL;
	x->host->check_done(c);
}

static void
gha_check(void *ctx, struct rdd_check *c)
{
	struct gha *x = ctx;

	if (x->check != NULL) {
		x->host->report(c, "workflows", RDD_UNKNOWN,
		    "previous check still running", NULL, 0);
		x->host->check_done(c);
		return;
	}
	x->check = c;
	gha_scan_request(x, GW_CHECK, NULL, NULL);
}

/* ---- watches ---- */

static void
gha_debounce_cb(void *arg)
{
	struct gha *x = arg;

	x->debounce_h = 0;
	if (!x->stopping)
		gha_scan_request(x, GW_WATCH, NULL, NULL);
}

static void
gha_watch_cb(void *arg, const char *path)
{
	struct gha *x = arg;

	(void)path;
	if (x->stopping || x->debounce_h != 0)
		return;
	x->debounce_h = x->host->timer_add(x->mon,
	    x->cfg->debounce > 0 ? x->cfg->debounce : 1, 0, gha_debounce_cb, x);
}

/* ---- recover ---- */

static void
gha_recover(void *ctx, struct rdd_recovery *r, const char *target,
    const char *action, unsigned attempt)
{
	struct gha *x = ctx;
	char msg[512];

	(void)attempt;
	if (action == NULL || strcmp(action, "repair") != 0) {
		snprintf(msg, sizeof(msg),
		    "unknown action '%s': the "
		    "github_actions plugin's one action is repair",
		    action ? action : "(null)");
		x->host->recovery_done(r, 0, msg);
		return;
	}
	if (strncmp(target, "github:", 7) == 0 && x->has_remote) {
		remote_recover(x, r, target + 7);
		return;
	}
	if (strncmp(target, "local:", 6) != 0 &&
	    strncmp(target, "github:", 7) != 0 &&
	    decide_is_workflow_name(target)) {
		gha_scan_request(x, GW_RECOVER, r, target);
		return;
	}
	if (strncmp(target, "local:", 6) == 0)
		snprintf(msg, sizeof(msg),
		    "a failed local run is the "
		    "workflow's own failure: fix the code and run it again");
	else if (strcmp(target, "actions-status") == 0)
		snprintf(msg, sizeof(msg),
		    "GitHub's own outage: nothing to "
		    "repair here%s",
		    x->cfg->fallback ? " (fallback runs "
		                       "workflows locally when HEAD moves)"
		                     : "");
	else
		snprintf(msg, sizeof(msg),
		    "nothing redundancyd can repair "
		    "for target %s",
		    target);
	x->host->recovery_done(r, 0, msg);
}

/* ---- local runs ---- */

static struct gha_local *
gha_local_get(struct gha *x, const char *name)
{
	struct gha_local *nv;
	size_t i;

	for (i = 0; i < x->nlocals; i++)
		if (strcmp(x->locals[i].name, name) == 0)
			return &x->locals[i];
	if ((nv = realloc(x->locals, (x->nlocals + 1) * sizeof(*nv))) == NULL)
		return NULL;
	x->locals = nv;
	memset(&nv[x->nlocals], 0, sizeof(*nv));
	if ((nv[x->nlocals].name = strdup(name)) == NULL)
		return NULL;
	return &x->locals[x->nlocals++];
}

/* ci, ci.yml, .github/workflows/ci.yml or the workflow's name: */
static char *
gha_resolve_workflow(struct gha *x, const char *want)
{
	const char *base = strrchr(want, '/') ? strrchr(want, '/') + 1 : want;
	char path[PATH_MAX], buf[PATH_MAX];
	struct wf_info info;
	struct dirent *de;
	size_t len, n;
	char *found = NULL, *data;
	DIR *dir;

	if ((dir = opendir(x->wfdir)) == NULL)
		return NULL;
	while (found == NULL && (de = readdir(dir)) != NULL) {
		if (!decide_is_workflow_name(de->d_name))
			continue;
		n = strlen(base);
		if (strcmp(de->d_name, base) == 0 ||
		    (strncmp(de->d_name, base, n) == 0 &&
		        (strcmp(de->d_name + n, ".yml") == 0 ||
		            strcmp(de->d_name + n, ".yaml") == 0)))
			found = strdup(de->d_name);
	}
	rewinddir(dir);
	while (found == NULL && (de = readdir(dir)) != NULL) {
		if (!decide_is_workflow_name(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", x->wfdir, de->d_name);
		if ((data = store_read_file(
		         path, (size_t)x->cfg->max_file, &len)) == NULL)
			continue;
		memset(&info, 0, sizeof(info));
		if (wfval_check(data, len, de->d_name, NULL, NULL, &info) >=
		    0) {
			snprintf(
			    buf, sizeof(buf), "%s", info.name ? info.name : "");
			if (strcasecmp(buf, want) == 0)
				found = strdup(de->d_name);
			wfval_info_free(&info);
		}
		free(data);
	}
	closedir(dir);
	return found;
}

/* ---- the temporary worktree of a local run ---- */

enum gha_wt_stage { WT_IDLE = 0, WT_SWEEP, WT_PRUNE, WT_ADD, WT_REMOVE };

static void gha_wt_cb(void *arg, const struct rdd_child_result *res);

/* Run one git (or rm) child for stage; 0, or -1 when it did not start. */
static int
gha_wt_spawn(struct gha *x, int stage, const char *const *argv)
{
	static const char *const env[] = {
	    "LC_ALL=C", "GIT_TERMINAL_PROMPT=0", NULL};
	struct rdd_child_spec spec;
	uint64_t h;

	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.env = env;
	spec.timeout_ms = GHA_WT_TIMEOUT_MS;
	x->wt_stage = stage;
	x->wt_waiting = 1;
	h = x->host->child_run(x->mon, &spec, gha_wt_cb, x);
	if (!x->wt_waiting)
		return 0; /* the callback ran already */
	if (h == 0) {
		x->wt_waiting = 0;
		return -1;
	}
	x->wt_child = h;
	return 0;
}

static const char *
gha_git_prog(const struct gha *x)
{
	return x->cfg->git && x->cfg->git[0] ? x->cfg->git : "git";
}

/* Directory of the runs' worktrees, under the monitor's state_dir. */
static void
gha_wt_dir(struct gha *x, char *buf, size_t len)
{
	const char *sd = x->host->state_dir(x->mon);

	snprintf(buf, len, "%s/worktrees", sd ? sd : ".");
}

/*
 * The run could not get its worktree: answer, log, free the run. Nothing
 * ran in the checkout.
 */
static void
gha_wt_fail(struct gha *x, const char *why)
{
	char msg[1024];

	snprintf(msg, sizeof(msg),
	    "local run %ld of %s not started: git worktree add %s: %s; "
	    "fix the repository or run with --in-place",
	    x->run_seq, x->run_name ? x->run_name : "?",
	    x->run_wt ? x->run_wt : "", why);
	x->host->log(x->mon, RDD_LOG_WARN, "%s", msg);
	if (x->run_timer != 0) {
		x->host->timer_del(x->mon, x->run_timer);
		x->run_timer = 0;
	}
	if (x->run_cmd != NULL)
		x->host->command_done(x->run_cmd, 0, msg);
	x->run_cmd = NULL;
	if (x->run != NULL) {
		lrun_cancel(x->run);
		lrun_free(x->run);
		x->run = NULL;
	}
	free(x->run_name);
	x->run_name = NULL;
	/* git may have made part of it: remove what is there. */
	gha_wt_remove(x);
}

static void
gha_wt_add(struct gha *x)
{
	const char *argv[] = {gha_git_prog(x), "-C", x->repo, "worktree", "add",
	    "--detach", x->run_wt, "HEAD", NULL};

	if (gha_wt_spawn(x, WT_ADD, argv) != 0)
		gha_wt_fail(x, "the daemon could not start git");
}

static void
gha_wt_prune(struct gha *x)
{
	const char *argv[] = {
	    gha_git_prog(x), "-C", x->repo, "worktree", "prune", NULL};

	if (gha_wt_spawn(x, WT_PRUNE, argv) != 0)
		gha_wt_add(x);
}

/*
 * Before a run: worktrees left by a daemon that stopped mid-run are
 * removed (rm, then git worktree prune forgets them), then ours is added.
 */
static void
gha_wt_begin(struct gha *x)
{
	char dir[PATH_MAX], *paths[GHA_WT_SWEEP_MAX];
	const char *argv[GHA_WT_SWEEP_MAX + 4];
	struct dirent *de;
	size_t n = 0, i, a = 0;
	DIR *d;

	gha_wt_dir(x, dir, sizeof(dir));
	if ((d = opendir(dir)) != NULL) {
		while (n < GHA_WT_SWEEP_MAX && (de = readdir(d)) != NULL) {
			char p[sizeof(dir) + sizeof(de->d_name) + 2];

			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			if (strcmp(p, x->run_wt) == 0 ||
			    (paths[n] = strdup(p)) == NULL)
				continue;
			n++;
		}
		closedir(d);
	}
	if (n == 0) {
		gha_wt_prune(x);
		return;
	}
	argv[a++] = "rm";
	argv[a++] = "-rf";
	argv[a++] = "--";
	for (i = 0; i < n; i++) {
		x->host->log(x->mon, RDD_LOG_INFO,
		    "removing %s, the worktree of an earlier local run",
		    paths[i]);
		argv[a++] = paths[i];
	}
	argv[a] = NULL;
	if (gha_wt_spawn(x, WT_SWEEP, argv) != 0)
		gha_wt_prune(x);
	for (i = 0; i < n; i++)
		free(paths[i]);
}

/* After a run (or a failed add): remove the worktree, then reply. */
static void
gha_wt_remove(struct gha *x)
{
	const char *argv[] = {gha_git_prog(x), "-C", x->repo, "worktree",
	    "remove", "--force", x->run_wt, NULL};

	if (x->run_wt == NULL || access(x->run_wt, F_OK) != 0) {
		/* git did not get to make it: nothing to remove. */
		const struct rdd_child_result res = {.exited = 1};

		x->wt_stage = WT_REMOVE;
		gha_wt_cb(x, &res);
	} else if (gha_wt_spawn(x, WT_REMOVE, argv) != 0) {
		const struct rdd_child_result res = {.spawn_errno = EAGAIN};

		x->wt_stage = WT_REMOVE;
		gha_wt_cb(x, &res);
	}
}

static void
gha_wt_cb(void *arg, const struct rdd_child_result *res)
{
	struct gha *x = arg;
	int ok = res->spawn_errno == 0 && res->exited && res->status == 0;
	int stage = x->wt_stage;
	struct rdd_command *cmd;
	char why[512];

	x->wt_waiting = 0;
	x->wt_child = 0;
	x->wt_stage = WT_IDLE;
	snprintf(why, sizeof(why), "%s",
	    res->spawn_errno ? strerror(res->spawn_errno)
	    : res->timed_out ? "timed out"
	    : res->err_len   ? res->err
	                     : "failed");
	why[strcspn(why, "\n")] = '\0';
	switch (stage) {
	case WT_SWEEP:
		gha_wt_prune(x);
		return;
	case WT_PRUNE:
		gha_wt_add(x);
		return;
	case WT_ADD:
		if (!ok) {
			gha_wt_fail(x, why);
			return;
		}
		if (x->run != NULL)
			lrun_go(x->run);
		return;
	case WT_REMOVE:
		if (!ok && x->run_wt != NULL)
			x->host->log(x->mon, RDD_LOG_WARN,
			    "git worktree remove %s: %s; the next local run "
			    "removes it, or run git worktree remove --force "
			    "%s",
			    x->run_wt, why, x->run_wt);
		free(x->run_wt);
		x->run_wt = NULL;
		cmd = x->wt_cmd;
		x->wt_cmd = NULL;
		if (cmd != NULL)
			x->host->command_done(cmd, x->wt_ok,
			    x->wt_summary ? x->wt_summary : "local run ended");
		free(x->wt_summary);
		x->wt_summary = NULL;
		gha_run_next(x);
		return;
	default:
		return;
	}
}

static void
gha_run_reply_cb(void *arg)
{
	struct gha *x = arg;
	char msg[GHA_MSG_MAX];

	x->run_timer = 0;
	if (x->run_cmd == NULL || x->run == NULL)
		return;
	snprintf(msg, sizeof(msg),
	    "local run %ld of %s is still running; "
	    "follow %s; its results go to the journal and to the target "
	    "local:%s",
	    x->run_seq, x->run_name, lrun_log_path(x->run), x->run_name);
	x->host->command_done(x->run_cmd, 1, msg);
	x->run_cmd = NULL;
}

static void
gha_run_done(void *arg, struct lrun *r)
{
	struct gha *x = arg;
	struct gha_local *l = gha_local_get(x, x->run_name);
	struct rdd_command *cmd = x->run_cmd;

	if (l != NULL) {
		l->state = lrun_ok(r) ? RDD_OK : RDD_WARNING;
		snprintf(l->msg, sizeof(l->msg), "%s (log %s)",
		    lrun_headline(r), lrun_log_path(r));
	}
	x->host->log(x->mon, lrun_ok(r) ? RDD_LOG_INFO : RDD_LOG_WARN, "%s",
	    lrun_summary(r));
	x->run_cmd = NULL;
	if (x->run_timer != 0) {
		x->host->timer_del(x->mon, x->run_timer);
		x->run_timer = 0;
	}
	x->run = NULL;
	free(x->run_name);
	x->run_name = NULL;
	if (x->run_wt != NULL) {
		/* Answer once the worktree is gone (gha_wt_cb). */
		x->wt_cmd = cmd;
		x->wt_ok = lrun_ok(r);
		x->wt_summary = strdup(lrun_summary(r));
		lrun_free(r);
		gha_wt_remove(x);
		return;
	}
	if (cmd != NULL)
		x->host->command_done(cmd, lrun_ok(r), lrun_summary(r));
	lrun_free(r);
	gha_run_next(x);
}

/*
 * Start a local run of file name (job may be NULL). cmd, when not NULL, is
 * answered at the end. Returns 0, or -1 with err set.
 */
static int
gha_run_start(struct gha *x, const char *name, const char *job,
    const char *event, int in_place, struct rdd_command *cmd, char *err,
    size_t errlen)
{
	struct lrun_opts o;
	struct wf_info *info;
	struct wf_diag *d = NULL;
	char path[PATH_MAX], rundir[PATH_MAX], ref[300], seq[32], line[1024],
	    wt[PATH_MAX];
	const char *sd = x->host->state_dir(x->mon);
	size_t len, nd = 0;
	char *data;
	int sev;
	struct lrun *r;

	if (sd == NULL) {
		snprintf(err, errlen,
		    "no state_dir for run logs: set "
		    "daemon.state_dir");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", x->wfdir, name);
	if ((data = store_read_file(path, (size_t)x->cfg->max_file, &len)) ==
	    NULL) {
		snprintf(
		    err, errlen, "%s/%s: %s", GHA_WFDIR, name, strerror(errno));
		return -1;
	}
	if ((info = calloc(1, sizeof(*info))) == NULL) {
		free(data);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", GHA_WFDIR, name);
	sev = wfval_check(data, len, path, &d, &nd, info);
	free(data);
	if (sev < 0 || sev >= WF_SEV_ERROR) {
		line[0] = '\0';
		if (nd > 0)
			wfval_format(line, sizeof(line), &d[0]);
		snprintf(err, errlen, "%s is invalid, not run: %s", name,
		    line[0] ? line : "validation failed");
		wfval_diags_free(d, nd);
		if (sev >= 0)
			wfval_info_free(info);
		free(info);
		return -1;
	}
	wfval_diags_free(d, nd);
	/* The event is one of the workflow's triggers, by default its first. */
	if (event == NULL)
		event =
		    info->nevents > 0 ? info->events[0] : "workflow_dispatch";
	else {
		size_t i;

		for (i = 0; i < info->nevents; i++)
			if (strcmp(info->events[i], event) == 0)
				break;
		if (i == info->nevents) {
			snprintf(err, errlen,
			    "%s has no '%s' trigger: its \"on:\" lists", name,
			    event);
			for (i = 0; i < info->nevents; i++) {
				len = strlen(err);
				snprintf(err + len, errlen - len, "%s %s",
				    i ? "," : "", info->events[i]);
			}
			len = strlen(err);
			snprintf(err + len, errlen - len,
			    "%s; give one of them with --event",
			    info->nevents ? "" : " nothing");
			wfval_info_free(info);
			free(info);
			return -1;
		}
	}
	snprintf(rundir, sizeof(rundir), "%s/runs", sd);
	(void)mkdir(rundir, 0700);
	x->run_seq++;
	snprintf(seq, sizeof(seq), "%ld", x->run_seq);
	x->host->state_set(x->mon, "run_seq", seq);
	snprintf(
	    rundir, sizeof(rundir), "%s/runs/%s-%ld", sd, name, x->run_seq);
	snprintf(ref, sizeof(ref), "%s%s", x->rm.branch[0] ? "refs/heads/" : "",
	    x->rm.branch);
	memset(&o, 0, sizeof(o));
	o.host = x->host;
	o.mon = x->mon;
	if (!in_place) {
		/* A detached worktree of HEAD: the checkout is not touched. */
		snprintf(wt, sizeof(wt), "%s/worktrees", sd);
		(void)mkdir(wt, 0700);
		snprintf(wt, sizeof(wt), "%s/worktrees/%s-%ld", sd, name,
		    x->run_seq);
	}
	o.repo = in_place ? x->repo : wt;
	o.rundir = rundir;
	o.workflow = name;
	o.only_job = job;
	o.event = event;
	o.sha = x->head;
	o.ref = ref;
	o.repository = x->cfg->github_repo ? x->cfg->github_repo : "";
	o.run_number = x->run_seq;
	o.job_timeout_ms = x->cfg->job_timeout;
	o.output_cap = (size_t)x->cfg->output_cap;
	o.done = gha_run_done;
	o.arg = x;
	if ((r = lrun_start(&o, info, err, errlen)) == NULL) {
		wfval_info_free(info);
		free(info);
		return -1;
	}
	if ((x->run_name = strdup(name)) == NULL ||
	    (!in_place && (x->run_wt = strdup(wt)) == NULL)) {
		free(x->run_name);
		x->run_name = NULL;
		lrun_free(r);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	x->run = r;
	x->run_cmd = cmd;
	x->host->log(x->mon, RDD_LOG_INFO,
	    "local run %ld of %s%s%s started "
	    "(%s, %s %s); log %s",
	    x->run_seq, name, job ? ", job " : "", job ? job : "", event,
	    in_place ? "in place in" : "in a worktree at",
	    in_place ? x->repo : wt, lrun_log_path(r));
	{
		char t[300];

		snprintf(t, sizeof(t), "local:%s", name);
		x->host->journal(x->mon, "local-run", t, "started");
	}
	if (cmd != NULL)
		x->run_timer = x->host->timer_add(
		    x->mon, GHA_REPLY_AFTER_MS, 0, gha_run_reply_cb, x);
	if (x->run_wt != NULL)
		gha_wt_begin(x); /* lrun_go once git made it */
	else
		lrun_go(r);
	return 0;
}

static void
gha_run_next(struct gha *x)
{
	char err[512], *name;

	while (x->run == NULL && x->wt_stage == WT_IDLE && x->nqueue > 0 &&
	       !x->stopping) {
		name = x->queue[0];
		memmove(x->queue, x->queue + 1,
		    (x->nqueue - 1) * sizeof(*x->queue));
		x->nqueue--;
		/* A fallback stands in for the push GitHub did not run. */
		if (gha_run_start(x, name, NULL,
		        gha_on_push(x, name) ? "push" : NULL, 0, NULL, err,
		        sizeof(err)) != 0) {
			struct gha_local *l = gha_local_get(x, name);

			x->host->log(x->mon, RDD_LOG_WARN,
			    "fallback run of "
			    "%s: %s",
			    name, err);
			if (l != NULL) {
				l->state = RDD_WARNING;
				snprintf(l->msg, sizeof(l->msg),
				    "fallback run "
				    "not started: %s",
				    err);
			}
		}
		free(name);
	}
}

static int
gha_on_push(struct gha *x, const char *name)
{
	char path[PATH_MAX];
	struct wf_info info;
	size_t len, i;
	char *data;
	int yes = 0;

	snprintf(path, sizeof(path), "%s/%s", x->wfdir, name);
	if ((data = store_read_file(path, (size_t)x->cfg->max_file, &len)) ==
	    NULL)
		return 0;
	memset(&info, 0, sizeof(info));
	if (wfval_check(data, len, name, NULL, NULL, &info) >= 0) {
		for (i = 0; i < info.nevents; i++)
			if (strcmp(info.events[i], "push") == 0)
				yes = 1;
		wfval_info_free(&info);
	}
	free(data);
	return yes;
}

static void
gha_queue_add(struct gha *x, const char *name)
{
	char **nv, *s;
	size_t i;

	for (i = 0; i < x->nqueue; i++)
		if (strcmp(x->queue[i], name) == 0)
			return;
	if ((s = strdup(name)) == NULL ||
	    (nv = realloc(x->queue, (x->nqueue + 1) * sizeof(*nv))) == NULL) {
		free(s);
		return;
	}
	x->queue = nv;
	x->queue[x->nqueue++] = s;
}

void
gha_fallback(struct gha *x)
{
	const struct rdd_strlist *l = &x->cfg->fallback_workflows;
	char *name;
	size_t i;

	if (l->n > 0) {
		for (i = 0; i < l->n; i++)
			if ((name = gha_resolve_workflow(x, l->v[i])) != NULL) {
				gha_queue_add(x, name);
				free(name);
			} else
				x->host->log(x->mon, RDD_LOG_WARN,
				    "fallback_workflows: no workflow '%s' in "
				    "%s",
				    l->v[i], x->wfdir);
	} else {
		for (i = 0; i < x->nfiles; i++)
			if (x->files[i].w_exists &&
			    x->files[i].sev < WF_SEV_ERROR &&
			    gha_on_push(x, x->files[i].name))
				gha_queue_add(x, x->files[i].name);
	}
	gha_run_next(x);
}

static void
gha_command(void *ctx, struct rdd_command *c, int argc, const char *const *argv)
{
	struct gha *x = ctx;
	char err[1024], *name;
	const char *words[2] = {NULL, NULL}, *event = NULL;
	int i, nw = 0, in_place = 0;

	/* WORKFLOW [JOB] [--event E] [--in-place], options anywhere. */
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL)
			continue;
		if (strcmp(argv[i], "--event") == 0 && i + 1 < argc &&
		    argv[i + 1] != NULL && argv[i + 1][0] != '\0')
			event = argv[++i];
		else if (strcmp(argv[i], "--in-place") == 0)
			in_place = 1;
		else if (argv[i][0] == '-' || nw == 2) {
			snprintf(err, sizeof(err),
			    "run-workflow: unexpected '%s': usage: "
			    "run-workflow MONITOR WORKFLOW [JOB] [--event E] "
			    "[--in-place]",
			    argv[i]);
			x->host->command_done(c, 0, err);
			return;
		} else
			words[nw++] = argv[i];
	}
	if (nw < 1 || words[0][0] == '\0') {
		x->host->command_done(c, 0,
		    "usage: run-workflow MONITOR "
		    "WORKFLOW [JOB] [--event E] [--in-place]: WORKFLOW is a "
		    "file in .github/workflows or a workflow's name");
		return;
	}
	if (x->run != NULL || x->wt_stage != WT_IDLE) {
		snprintf(err, sizeof(err),
		    "local run %ld of %s is still "
		    "running (log %s): try again when it ends",
		    x->run_seq, x->run_name ? x->run_name : "(ending)",
		    x->run ? lrun_log_path(x->run) : "closed");
		x->host->command_done(c, 0, err);
		return;
	}
	if ((name = gha_resolve_workflow(x, words[0])) == NULL) {
		snprintf(err, sizeof(err),
		    "no workflow '%s' in %s: give a "
		    "file name like ci.yml or a workflow's name",
		    words[0], x->wfdir);
		x->host->command_done(c, 0, err);
		return;
	}
	if (gha_run_start(
	        x, name, words[1], event, in_place, c, err, sizeof(err)) != 0)
		x->host->command_done(c, 0, err);
	free(name);
}

/* ---- life cycle ---- */

static void
gha_free(struct gha *x)
{
	size_t i;

	if (x == NULL)
		return;
	remote_free(x);
	gha_files_free(x->files, x->nfiles);
	gha_files_free(x->work, x->nwork);
	git_ents_free(x->tree, x->ntree);
	git_ents_free(x->idx, x->nidx);
	for (i = 0; i < x->nnow; i++)
		free(x->now[i].target);
	free(x->now);
	for (i = 0; i < x->nnext; i++)
		free(x->next[i].target);
	free(x->next);
	free(x->bad);
	for (i = 0; i < x->nqueue; i++)
		free(x->queue[i]);
	free(x->queue);
	for (i = 0; i < x->nlocals; i++)
		free(x->locals[i].name);
	free(x->locals);
	free(x->run_name);
	store_close(&x->store);
	free(x->repo);
	free(x->wfdir);
	free(x);
}

static int
gha_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	const struct gha_config *cfg = config;
	struct gha *x;
	const char *sd, *v;
	char real[PATH_MAX], serr[512];
	size_t i, len;
	int rc;

	*ctx = NULL;
	if (cfg->repository == NULL || cfg->repository[0] != '/') {
		snprintf(err, errlen,
		    "repository: %s: give the absolute path "
		    "of the checkout, e.g. repository = \"/srv/app\"",
		    cfg->repository ? cfg->repository : "missing");
		return -1;
	}
	if (realpath(cfg->repository, real) == NULL) {
		snprintf(err, errlen, "repository: %s: %s: fix the path",
		    cfg->repository, strerror(errno));
		return -1;
	}
	if (cfg->restore == NULL || (strcmp(cfg->restore, "snapshot") != 0 &&
	                                strcmp(cfg->restore, "git") != 0 &&
	                                strcmp(cfg->restore, "off") != 0)) {
		snprintf(err, errlen,
		    "restore: \"%s\": expected snapshot, git "
		    "or off",
		    cfg->restore ? cfg->restore : "");
		return -1;
	}
	for (i = 0; i < cfg->enable.n; i++) {
		v = cfg->enable.v[i];
		if (strcmp(v, "disabled_inactivity") != 0 &&
		    strcmp(v, "disabled_manually") != 0 &&
		    strcmp(v, "none") != 0) {
			snprintf(err, errlen,
			    "enable: \"%s\": expected "
			    "disabled_inactivity, disabled_manually or none",
			    v);
			return -1;
		}
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		goto nomem;
	x->host = host;
	x->mon = m;
	x->cfg = cfg;
	x->restore = strcmp(cfg->restore, "git") == 0   ? RESTORE_GIT
	             : strcmp(cfg->restore, "off") == 0 ? RESTORE_OFF
	                                                : RESTORE_SNAPSHOT;
	len = strlen(real) + sizeof(GHA_WFDIR) + 2;
	if ((x->repo = strdup(real)) == NULL ||
	    (x->wfdir = malloc(len)) == NULL) {
		gha_free(x);
		goto nomem;
	}
	snprintf(x->wfdir, len, "%s/%s", real, GHA_WFDIR);
	if (remote_init(x, err, errlen) != 0) {
		gha_free(x);
		return -1;
	}
	sd = host->state_dir(m);
	x->ro = RDD_HOST_HAS(host, read_only) && host->read_only != NULL &&
	        host->read_only(m);
	rc = x->ro ? store_open_ro(&x->store, sd, serr, sizeof(serr))
	           : store_open(&x->store, sd, serr, sizeof(serr));
	x->store_ok = rc >= 0;
	if (rc != 0)
		host->log(m, rc > 0 ? RDD_LOG_WARN : RDD_LOG_ERR,
		    "snapshots: %s%s", serr,
		    rc < 0 ? ": workflows are validated but cannot be "
		             "restored"
		           : "");
	if ((v = host->state_get(m, "run_seq")) != NULL)
		x->run_seq = strtol(v, NULL, 10);
	if ((v = host->state_get(m, "base_head")) != NULL)
		snprintf(x->base_head, sizeof(x->base_head), "%s", v);
	if ((v = host->state_get(m, "fallback_head")) != NULL)
		snprintf(x->fallback_head, sizeof(x->fallback_head), "%s", v);
	*ctx = x;
	return 0;
nomem:
	snprintf(err, errlen, "github_actions: out of memory");
	return -1;
}

static int
gha_start(void *ctx)
{
	struct gha *x = ctx;
	char path[PATH_MAX];

	x->watch_h = x->host->watch_add(x->mon, x->wfdir, gha_watch_cb, x);
	snprintf(path, sizeof(path), "%s/.github", x->repo);
	x->watch2_h = x->host->watch_add(x->mon, path, gha_watch_cb, x);
	if (x->watch_h == 0)
		x->host->log(x->mon, RDD_LOG_WARN,
		    "cannot watch %s: damage is "
		    "seen at the next check only",
		    x->wfdir);
	return 0;
}

static void
gha_stop(void *ctx)
{
	struct gha *x = ctx;
	size_t i;

	x->stopping = 1;
	if (x->gitcall != NULL) {
		x->host->child_cancel(x->mon, x->scan_child);
		free(x->gitcall);
		x->gitcall = NULL;
	}
	x->scan_child = 0;
	if (x->debounce_h != 0)
		x->host->timer_del(x->mon, x->debounce_h);
	x->debounce_h = 0;
	if (x->grace_h != 0)
		x->host->timer_del(x->mon, x->grace_h);
	x->grace_h = 0;
	if (x->watch_h != 0)
		x->host->watch_del(x->mon, x->watch_h);
	if (x->watch2_h != 0)
		x->host->watch_del(x->mon, x->watch2_h);
	x->watch_h = x->watch2_h = 0;
	remote_stop(x);
	/* Unanswered recoveries are the host's to close after stop. */
	for (i = 0; i < x->nnow; i++)
		free(x->now[i].target);
	for (i = 0; i < x->nnext; i++)
		free(x->next[i].target);
	x->nnow = x->nnext = 0;
	x->scanning = 0;
	x->check = NULL;
	if (x->run_timer != 0)
		x->host->timer_del(x->mon, x->run_timer);
	x->run_timer = 0;
	if (x->run != NULL) {
		lrun_cancel(x->run);
		if (x->run_cmd != NULL)
			x->host->command_done(x->run_cmd, 0,
			    "the daemon is "
			    "stopping: local run cancelled");
		x->run_cmd = NULL;
		lrun_free(x->run);
		x->run = NULL;
	}
	/* A worktree left here is removed before the next local run. */
	if (x->wt_child != 0)
		x->host->child_cancel(x->mon, x->wt_child);
	x->wt_child = 0;
	x->wt_stage = WT_IDLE;
	if (x->wt_cmd != NULL)
		x->host->command_done(x->wt_cmd, x->wt_ok,
		    x->wt_summary ? x->wt_summary : "local run ended");
	x->wt_cmd = NULL;
	free(x->wt_summary);
	x->wt_summary = NULL;
	free(x->run_wt);
	x->run_wt = NULL;
}

static void
gha_destroy(void *ctx)
{
	struct gha *x = ctx;

	if (x == NULL)
		return;
	if (!x->stopping)
		gha_stop(x);
	gha_free(x);
}

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
    RDD_PLUGIN_HEADER,
    .name = "github_actions",
    .version = "1.0.0",
    .description = "validate, snapshot and restore GitHub Actions workflows, "
                   "watch their runs through the REST API, run them locally",
    .options = gha_options,
    .config_size = sizeof(struct gha_config),
    .actions = gha_actions,
    .create = gha_create,
    .start = gha_start,
    .check = gha_check,
    .recover = gha_recover,
    .command = gha_command,
    .stop = gha_stop,
    .destroy = gha_destroy,
};
