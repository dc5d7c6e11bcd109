/*
 * lrun.c: runs a workflow's jobs on this machine in needs order, a job's
 * matrix combinations side by side (max-parallel), each one step at a time
 * through the host's child service, with GitHub's if:, env, shell,
 * working-directory, timeout, continue-on-error, outputs and fail-fast.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "expr.h"
#include "lrun.h"
#include "store.h"

#define LRUN_SUMMARY_MAX 8192
#define LRUN_ENV_FILE_MAX (1024 * 1024)
/* GitHub's own limit of jobs a matrix may generate. */
#define LRUN_MATRIX_MAX 256

enum lrun_res { R_PENDING = 0, R_SUCCESS, R_FAILURE, R_SKIPPED, R_CANCELLED };

static const char *const lrun_res_names[] = {
    "pending", "success", "failure", "skipped", "cancelled"};

struct lrun_kv {
	char *k;
	char *v;
};

struct lrun_kvs {
	struct lrun_kv *v;
	size_t n;
};

struct lrun_step {
	enum lrun_res outcome;
	enum lrun_res conclusion;
	struct lrun_kvs outputs;
	char note[512];
};

struct lrun_job {
	const struct wf_job *j;
	int selected;
	enum lrun_res result;
	char note[1024];
	double seconds;
	struct lrun_kvs outputs; /* job outputs:, for needs.<id>.outputs */
	struct lrun_kvs *combos; /* matrix combinations; one empty if none */
	size_t ncombos;
	size_t next;  /* the next combination to start */
	size_t limit; /* combinations running at once at most */
	int fail_fast;
	int stopped; /* fail-fast: start no more */
	int nfailed, nsucceeded, ncancelled;
	int nfail_hard; /* failed combinations without continue-on-error */
};

/*
 * One combination of the current job running its steps (a job without a
 * matrix has one combination). Up to the job's limit run side by side,
 * each with its own env, files, step results and child.
 */
enum lrun_sphase { S_FREE = 0, S_BEGIN, S_STEP, S_WAIT, S_END };

struct lrun_slot {
	struct lrun *r;
	enum lrun_sphase phase;
	size_t ci;               /* its combination */
	size_t si;               /* its next step */
	struct lrun_step *steps; /* nsteps + 1 */
	int steps_failed;
	struct lrun_kvs env; /* workflow + job env, plus GITHUB_ENV */
	struct lrun_kvs stepenv;
	const struct lrun_kvs *combo; /* matrix.* */
	char label[256];              /* "build (a, x)" as GitHub names it */
	int64_t start_ms, deadline_ms, step_start_ms;
	uint64_t child;
	int waiting;
	char envfile[PATH_MAX], outfile[PATH_MAX];
};

enum lrun_phase { P_JOB, P_MATRIX, P_JOB_END, P_DONE };

struct lrun {
	struct lrun_opts o;
	char *repo, *rundir, *workflow, *only_job, *event, *sha, *ref,
	    *repository;
	struct wf_info *info;
	struct lrun_job *jobs;
	size_t *order; /* indexes into jobs, needs first */
	size_t norder;
	FILE *log;
	char logpath[PATH_MAX];
	char jtarget[300]; /* local:NAME, the journal's target */
	char sumfile[PATH_MAX];

	/* cursor */
	enum lrun_phase phase;
	size_t oi;               /* position in order */
	struct lrun_slot *slots; /* the current job's, limit of them */
	size_t nslots;
	int64_t job_start_ms, run_start_ms;
	int in_pump, kick, cancelled, finished;
	int own_info;

	/* results */
	enum lrun_res result;
	double seconds;
	char *summary;
	char headline[512];
};

static int64_t
lrun_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void lrun_log(struct lrun *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
lrun_log(struct lrun *r, const char *fmt, ...)
{
	va_list ap;

	if (r->log == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(r->log, fmt, ap);
	va_end(ap);
	fflush(r->log);
}

static void
lrun_kvs_free(struct lrun_kvs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].k);
		free(s->v[i].v);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static const char *
lrun_kvs_get(const struct lrun_kvs *s, const char *k)
{
	size_t i;

	for (i = s->n; i > 0; i--)
		if (strcmp(s->v[i - 1].k, k) == 0)
			return s->v[i - 1].v;
	return NULL;
}

/* Set k (replacing an earlier value). 0 or -1 on ENOMEM. */
static int
lrun_kvs_set(struct lrun_kvs *s, const char *k, const char *v)
{
	struct lrun_kv *nv;
	char *nk, *nval;
	size_t i;

	if ((nval = strdup(v ? v : "")) == NULL)
		return -1;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].k, k) == 0) {
			free(s->v[i].v);
			s->v[i].v = nval;
			return 0;
		}
	if ((nk = strdup(k)) == NULL ||
	    (nv = realloc(s->v, (s->n + 1) * sizeof(*nv))) == NULL) {
		free(nk);
		free(nval);
		return -1;
	}
	s->v = nv;
	s->v[s->n].k = nk;
	s->v[s->n].v = nval;
	s->n++;
	return 0;
}

void
lrun_argv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static char **
lrun_argv_words(const char *const *w, size_t n)
{
	char **v = calloc(n + 1, sizeof(*v));
	size_t i;

	if (v == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((v[i] = strdup(w[i])) == NULL) {
			lrun_argv_free(v);
			return NULL;
		}
	return v;
}

char **
lrun_shell_argv(const char *shell, const char *file, char *err, size_t errlen)
{
	const char *w[32];
	char *copy, *tok, *save, **v;
	size_t n = 0, i;
	int has0 = 0;

	if (shell == NULL || shell[0] == '\0') {
		const char *d[] = {"bash", "-e", file};

		return lrun_argv_words(d, 3);
	}
	if (strcmp(shell, "bash") == 0) {
		const char *d[] = {
		    "bash", "--noprofile", "--norc", "-eo", "pipefail", file};

		return lrun_argv_words(d, 6);
	}
	if (strcmp(shell, "sh") == 0) {
		const char *d[] = {"sh", "-e", file};

		return lrun_argv_words(d, 3);
	}
	if (strcmp(shell, "python") == 0) {
		const char *d[] = {"python3", file};

		return lrun_argv_words(d, 2);
	}
	if (strcmp(shell, "pwsh") == 0) {
		const char *d[] = {"pwsh", "-command", file};

		return lrun_argv_words(d, 3);
	}
	if (strcmp(shell, "cmd") == 0 || strcmp(shell, "powershell") == 0) {
		snprintf(err, errlen,
		    "shell '%s' exists only on Windows "
		    "runners",
		    shell);
		return NULL;
	}
	/* A custom shell: "perl {0}"; words split on blanks, no quoting. */
	if ((copy = strdup(shell)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (tok = strtok_r(copy, " \t", &save); tok != NULL && n < 30;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (strcmp(tok, "{0}") == 0) {
			w[n++] = file;
			has0 = 1;
		} else
			w[n++] = tok;
	}
	if (n == 0) {
		free(copy);
		snprintf(err, errlen, "empty shell");
		return NULL;
	}
	if (!has0)
		w[n++] = file;
	v = lrun_argv_words(w, n);
	free(copy);
	if (v == NULL)
		snprintf(err, errlen, "out of memory");
	for (i = 0; v != NULL && v[i] != NULL; i++)
		;
	return v;
}

int
lrun_parse_kv_file(const char *buf, size_t len,
    void (*cb)(void *arg, const char *k, const char *v), void *arg)
{
	const char *p = buf, *end = buf + len, *nl, *eq, *lt;
	char *k, *v, *delim, *nv;
	size_t vl, vc;
	int n = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		eq = memchr(p, '=', (size_t)(nl - p));
		lt = NULL;
		{
			const char *q;

			for (q = p; q + 1 < nl; q++)
				if (q[0] == '<' && q[1] == '<') {
					lt = q;
					break;
				}
		}
		if (lt != NULL && (eq == NULL || lt < eq)) {
			/* K<<DELIM, lines, DELIM */
			const char *ls = nl < end ? nl + 1 : end, *le;
			size_t dl;

			if ((k = strndup(p, (size_t)(lt - p))) == NULL)
				return -1;
			dl = (size_t)(nl - (lt + 2));
			if (dl > 0 && lt[2 + dl - 1] == '\r')
				dl--;
			if ((delim = strndup(lt + 2, dl)) == NULL) {
				free(k);
				return -1;
			}
			vc = 64;
			vl = 0;
			v = malloc(vc);
			for (;;) {
				if (ls >= end || v == NULL) {
					free(k);
					free(delim);
					free(v);
					return -1;
				}
				le = memchr(ls, '\n', (size_t)(end - ls));
				if (le == NULL)
					le = end;
				if ((size_t)(le - ls) == strlen(delim) &&
				    memcmp(ls, delim, strlen(delim)) == 0)
					break;
				while (vl + (size_t)(le - ls) + 2 > vc) {
					vc *= 2;
					if ((nv = realloc(v, vc)) == NULL) {
						free(v);
						v = NULL;
						break;
					}
					v = nv;
				}
				if (v == NULL)
					continue;
				if (vl > 0)
					v[vl++] = '\n';
				memcpy(v + vl, ls, (size_t)(le - ls));
				vl += (size_t)(le - ls);
				ls = le < end ? le + 1 : end;
			}
			v[vl] = '\0';
			cb(arg, k, v);
			n++;
			free(k);
			free(delim);
			free(v);
			p = le < end ? le + 1 : end;
			continue;
		}
		if (eq != NULL && eq > p) {
			size_t l = (size_t)(nl - eq - 1);

			if (l > 0 && eq[l] == '\r')
				l--;
			k = strndup(p, (size_t)(eq - p));
			v = strndup(eq + 1, l);
			if (k == NULL || v == NULL) {
				free(k);
				free(v);
				return -1;
			}
			cb(arg, k, v);
			n++;
			free(k);
			free(v);
		}
		p = nl < end ? nl + 1 : end;
	}
	return n;
}

/* ---- expression context ---- */

struct lrun_ectx {
	struct lrun *r;
	struct lrun_slot *s; /* NULL while deciding a job's if: */
	size_t jobidx;
	int job_level;
};

static int
lrun_val_str(struct ex_val *out, const char *s)
{
	if (s == NULL)
		return -1;
	return expr_str(out, s) == 0 ? 0 : -1;
}

static struct lrun_job *
lrun_job_by_id(struct lrun *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->info->njobs; i++)
		if (strcmp(r->info->jobs[i].id, id) == 0)
			return &r->jobs[i];
	return NULL;
}

static int
lrun_lookup(void *arg, const char *const *p, size_t n, struct ex_val *out)
{
	struct lrun_ectx *e = arg;
	struct lrun *r = e->r;
	const struct wf_job *wj;
	char buf[64];
	size_t i;

	if (n == 2 && strcmp(p[0], "env") == 0 && e->s != NULL) {
		const char *v = lrun_kvs_get(&e->s->stepenv, p[1]);

		return lrun_val_str(
		    out, v ? v : lrun_kvs_get(&e->s->env, p[1]));
	}
	if (n == 2 && strcmp(p[0], "github") == 0) {
		const char *k = p[1];

		if (strcmp(k, "sha") == 0)
			return lrun_val_str(out, r->sha);
		if (strcmp(k, "ref") == 0)
			return lrun_val_str(out, r->ref);
		if (strcmp(k, "ref_name") == 0)
			return lrun_val_str(
			    out, strncmp(r->ref, "refs/heads/", 11) == 0
			             ? r->ref + 11
			             : r->ref);
		if (strcmp(k, "workspace") == 0)
			return lrun_val_str(out, r->repo);
		if (strcmp(k, "workflow") == 0)
			return lrun_val_str(
			    out, r->info->name ? r->info->name : r->workflow);
		if (strcmp(k, "event_name") == 0)
			return lrun_val_str(out, r->event);
		if (strcmp(k, "repository") == 0)
			return lrun_val_str(out, r->repository);
		if (strcmp(k, "actor") == 0)
			return lrun_val_str(out, "redundancyd");
		if (strcmp(k, "job") == 0 && !e->job_level)
			return lrun_val_str(out, r->jobs[e->jobidx].j->id);
		if (strcmp(k, "run_number") == 0 || strcmp(k, "run_id") == 0) {
			snprintf(buf, sizeof(buf), "%ld", r->o.run_number);
			return lrun_val_str(out, buf);
		}
		if (strcmp(k, "server_url") == 0)
			return lrun_val_str(out, "https://github.com");
		return -1;
	}
	if (n == 2 && strcmp(p[0], "runner") == 0) {
		if (strcmp(p[1], "os") == 0)
			return lrun_val_str(out, "Linux");
		if (strcmp(p[1], "temp") == 0)
			return lrun_val_str(out, r->rundir);
		if (strcmp(p[1], "name") == 0)
			return lrun_val_str(out, "redundancyd-local");
		return -1;
	}
	if (n == 2 && strcmp(p[0], "job") == 0 && strcmp(p[1], "status") == 0 &&
	    e->s != NULL)
		return lrun_val_str(
		    out, e->s->steps_failed ? "failure" : "success");
	if (n >= 3 && strcmp(p[0], "steps") == 0 && e->s != NULL) {
		wj = r->jobs[e->jobidx].j;
		for (i = 0; i < wj->nsteps && i < e->s->si; i++) {
			if (wj->steps[i].id == NULL ||
			    strcmp(wj->steps[i].id, p[1]) != 0)
				continue;
			if (strcmp(p[2], "outcome") == 0)
				return lrun_val_str(out,
				    lrun_res_names[e->s->steps[i].outcome]);
			if (strcmp(p[2], "conclusion") == 0)
				return lrun_val_str(out,
				    lrun_res_names[e->s->steps[i].conclusion]);
			if (strcmp(p[2], "outputs") == 0 && n == 4)
				return lrun_val_str(
				    out, lrun_kvs_get(
				             &e->s->steps[i].outputs, p[3]));
		}
		return -1;
	}
	if (n >= 3 && strcmp(p[0], "needs") == 0) {
		struct lrun_job *nj = lrun_job_by_id(r, p[1]);

		if (nj == NULL)
			return -1;
		if (n == 3 && strcmp(p[2], "result") == 0)
			return lrun_val_str(out, lrun_res_names[nj->result]);
		if (n == 4 && strcmp(p[2], "outputs") == 0)
			return lrun_val_str(
			    out, lrun_kvs_get(&nj->outputs, p[3]));
		return -1;
	}
	/* matrix and strategy exist once a job's combination runs. */
	if (n == 2 && strcmp(p[0], "matrix") == 0 && e->s != NULL &&
	    e->s->combo != NULL)
		return lrun_val_str(out, lrun_kvs_get(e->s->combo, p[1]));
	if (n == 2 && strcmp(p[0], "strategy") == 0 && e->s != NULL) {
		struct lrun_job *lj = &r->jobs[e->jobidx];

		if (strcmp(p[1], "job-index") == 0)
			snprintf(buf, sizeof(buf), "%zu", e->s->ci);
		else if (strcmp(p[1], "job-total") == 0)
			snprintf(buf, sizeof(buf), "%zu", lj->ncombos);
		else if (strcmp(p[1], "fail-fast") == 0)
			snprintf(buf, sizeof(buf), "%s",
			    lj->fail_fast ? "true" : "false");
		else if (strcmp(p[1], "max-parallel") == 0 &&
		         lj->j->max_parallel != NULL)
			snprintf(buf, sizeof(buf), "%s", lj->j->max_parallel);
		else if (strcmp(p[1], "max-parallel") == 0)
			/* unset: as many as there are combinations */
			snprintf(buf, sizeof(buf), "%zu", lj->ncombos);
		else
			return -1;
		return lrun_val_str(out, buf);
	}
	/* secrets, vars, inputs: nothing of them exists here. */
	return -1;
}

/* Ancestors of job k (needs, transitively) in ok/fail terms. */
static void
lrun_needs_state(struct lrun *r, size_t k, int *anyfail, int *allok, int depth)
{
	const struct wf_job *wj = r->jobs[k].j;
	struct lrun_job *nj;
	size_t i;

	if (depth > 64)
		return;
	for (i = 0; i < wj->nneeds; i++) {
		if ((nj = lrun_job_by_id(r, wj->needs[i])) == NULL)
			continue;
		if (nj->result == R_FAILURE)
			*anyfail = 1;
		if (nj->result != R_SUCCESS)
			*allok = 0;
		lrun_needs_state(
		    r, (size_t)(nj - r->jobs), anyfail, allok, depth + 1);
	}
}

static int
lrun_status(void *arg, const char *fn)
{
	struct lrun_ectx *e = arg;
	int anyfail = 0, allok = 1;

	if (strcasecmp(fn, "cancelled") == 0)
		return e->r->cancelled;
	if (e->job_level) {
		lrun_needs_state(e->r, e->jobidx, &anyfail, &allok, 0);
		if (strcasecmp(fn, "failure") == 0)
			return anyfail;
		return allok;
	}
	if (strcasecmp(fn, "failure") == 0)
		return e->s->steps_failed > 0;
	return e->s->steps_failed == 0;
}

/* s NULL: the job level (its if:, before any combination runs). */
static void
lrun_ectx_init(struct lrun_ectx *e, struct ex_ctx *c, struct lrun *r,
    size_t jobidx, struct lrun_slot *s)
{
	memset(e, 0, sizeof(*e));
	e->r = r;
	e->jobidx = jobidx;
	e->s = s;
	e->job_level = s == NULL;
	c->lookup = lrun_lookup;
	c->status = lrun_status;
	c->arg = e;
}

/* ---- setup ---- */

static int
lrun_select(struct lrun *r, const char *id, int depth)
{
	struct lrun_job *j = lrun_job_by_id(r, id);
	size_t i;

	if (j == NULL || depth > 64)
		return -1;
	if (j->selected)
		return 0;
	j->selected = 1;
	for (i = 0; i < j->j->nneeds; i++)
		(void)lrun_select(r, j->j->needs[i], depth + 1);
	return 0;
}

/* Kahn's algorithm, ties in file order; a cycle leaves jobs out. */
static void
lrun_order(struct lrun *r)
{
	size_t n = r->info->njobs, i, k, placed;
	struct lrun_job *nj;
	int ready, progress = 1;
	char *done = calloc(n ? n : 1, 1);

	r->norder = 0;
	if (done == NULL)
		return;
	while (progress) {
		progress = 0;
		for (i = 0; i < n; i++) {
			if (done[i] || !r->jobs[i].selected)
				continue;
			ready = 1;
			for (k = 0; k < r->jobs[i].j->nneeds; k++) {
				nj = lrun_job_by_id(r, r->jobs[i].j->needs[k]);
				placed = nj ? (size_t)(nj - r->jobs) : n;
				if (placed < n && !done[placed] &&
				    r->jobs[placed].selected)
					ready = 0;
			}
			if (ready) {
				done[i] = 1;
				r->order[r->norder++] = i;
				progress = 1;
			}
		}
	}
	free(done);
}

static char *
lrun_sdup(const char *s)
{
	return strdup(s ? s : "");
}

struct lrun *
lrun_start(
    const struct lrun_opts *o, struct wf_info *info, char *err, size_t errlen)
{
	struct lrun *r;
	size_t i;
	int fd;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	r->o = *o;
	r->repo = lrun_sdup(o->repo);
	r->rundir = lrun_sdup(o->rundir);
	r->workflow = lrun_sdup(o->workflow);
	r->only_job = o->only_job ? strdup(o->only_job) : NULL;
	r->event = lrun_sdup(o->event ? o->event : "workflow_dispatch");
	r->sha = lrun_sdup(o->sha);
	r->ref = lrun_sdup(o->ref);
	r->repository = lrun_sdup(o->repository);
	r->jobs = calloc(info->njobs ? info->njobs : 1, sizeof(*r->jobs));
	r->order = calloc(info->njobs ? info->njobs : 1, sizeof(*r->order));
	if (r->repo == NULL || r->rundir == NULL || r->workflow == NULL ||
	    r->event == NULL || r->sha == NULL || r->ref == NULL ||
	    r->repository == NULL || r->jobs == NULL || r->order == NULL ||
	    (o->only_job && r->only_job == NULL)) {
		lrun_free(r);
		goto nomem;
	}
	r->o.repo = r->repo;
	r->o.rundir = r->rundir;
	r->info = info; /* owned only once lrun_start succeeds */
	for (i = 0; i < info->njobs; i++) {
		r->jobs[i].j = &info->jobs[i];
		r->jobs[i].selected = r->only_job == NULL;
	}
	if (r->only_job != NULL && lrun_select(r, r->only_job, 0) != 0) {
		snprintf(err, errlen, "no job '%s' in %s: jobs are",
		    o->only_job, o->workflow);
		for (i = 0; i < info->njobs; i++) {
			size_t l = strlen(err);

			snprintf(err + l, errlen - l, "%s %s", i ? "," : "",
			    info->jobs[i].id);
		}
		lrun_free(r);
		return NULL;
	}
	lrun_order(r);
	if (r->norder == 0) {
		snprintf(err, errlen, "%s has no job to run", o->workflow);
		lrun_free(r);
		return NULL;
	}
	if (mkdir(r->rundir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", r->rundir, strerror(errno));
		lrun_free(r);
		return NULL;
	}
	snprintf(r->logpath, sizeof(r->logpath), "%s/run.log", r->rundir);
	snprintf(r->jtarget, sizeof(r->jtarget), "local:%s", r->workflow);
	snprintf(r->sumfile, sizeof(r->sumfile), "%s/step_summary", r->rundir);
	fd = open(r->logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || (r->log = fdopen(fd, "a")) == NULL) {
		snprintf(err, errlen, "%s: %s", r->logpath, strerror(errno));
		if (fd >= 0)
			close(fd);
		lrun_free(r);
		return NULL;
	}
	r->run_start_ms = lrun_now_ms();
	lrun_log(r,
	    "== local run %ld of %s (%s) at %s, event %s%s%s, workspace %s\n",
	    o->run_number, r->workflow, info->name ? info->name : "-",
	    r->sha[0] ? r->sha : "(no commit)", r->event,
	    r->only_job ? ", job " : "", r->only_job ? r->only_job : "",
	    r->repo);
	r->phase = P_JOB;
	r->oi = 0;
	r->own_info = 1;
	return r;
nomem:
	snprintf(err, errlen, "out of memory");
	return NULL;
}

static void lrun_pump(struct lrun *r);

void
lrun_go(struct lrun *r)
{
	lrun_pump(r);
}

static int
lrun_file_reset(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void
lrun_env_cb(void *arg, const char *k, const char *v)
{
	(void)lrun_kvs_set(arg, k, v);
}

/* Evaluate ${{ }} in a list of env values and add them to dst. */
static int
lrun_env_add(struct lrun *r, struct lrun_kvs *dst, const struct wf_kv *kv,
    size_t n, const struct ex_ctx *c, char *err, size_t errlen)
{
	char *v;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((v = expr_subst(kv[i].value ? kv[i].value : "", c, err,
		         errlen)) == NULL)
			return -1;
		if (lrun_kvs_set(dst, kv[i].key, v) != 0) {
			free(v);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(v);
	}
	(void)r;
	return 0;
}

static int lrun_flag(const char *text, const struct ex_ctx *c);

/* Does combination c hold every key: value of row? */
static int
lrun_row_matches(const struct lrun_kvs *c, const struct wf_mrow *row)
{
	const char *v;
	size_t i;

	for (i = 0; i < row->n; i++)
		if ((v = lrun_kvs_get(c, row->kv[i].key)) == NULL ||
		    strcmp(v, row->kv[i].value) != 0)
			return 0;
	return 1;
}

static int
lrun_is_dim(const struct wf_matrix *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->ndims; i++)
		if (strcmp(m->dims[i].key, key) == 0)
			return 1;
	return 0;
}

static int
lrun_combo_add(struct lrun_job *lj, struct lrun_kvs **out)
{
	struct lrun_kvs *nv;

	if (lj->ncombos >= LRUN_MATRIX_MAX)
		return -1;
	nv = realloc(lj->combos, (lj->ncombos + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	lj->combos = nv;
	memset(&nv[lj->ncombos], 0, sizeof(nv[0]));
	*out = &nv[lj->ncombos++];
	return 0;
}

/*
 * GitHub's expansion: the cartesian product of the variables (the first
 * varies slowest), minus each combination an exclude row matches (a partial
 * match is enough), then each include row is merged into every original
 * combination whose variables it does not contradict (values it added
 * before may be overwritten), or appended as a combination of its own when
 * it fits none. Returns 0, or -1 with err (too many, out of memory).
 */
static int
lrun_matrix_expand(struct lrun_job *lj, char *err, size_t errlen)
{
	const struct wf_matrix *m = &lj->j->matrix;
	struct lrun_kvs *c;
	size_t total = 1, i, k, nbase, *idx;
	int merged, ok;

	if (m->ndims > 0) {
		for (i = 0; i < m->ndims; i++) {
			total *= m->dims[i].nvals;
			if (total > 65536) {
				snprintf(err, errlen,
				    "the matrix has more than %d "
				    "combinations",
				    LRUN_MATRIX_MAX);
				return -1;
			}
		}
	} else
		total = 0;
	if ((idx = calloc(m->ndims + 1, sizeof(*idx))) == NULL)
		goto nomem;
	for (k = 0; k < total; k++) {
		struct lrun_kvs t = {0};

		for (i = 0; i < m->ndims; i++)
			if (lrun_kvs_set(&t, m->dims[i].key,
			        m->dims[i].vals[idx[i]]) != 0) {
				lrun_kvs_free(&t);
				free(idx);
				goto nomem;
			}
		for (i = m->ndims; i > 0; i--) {
			if (++idx[i - 1] < m->dims[i - 1].nvals)
				break;
			idx[i - 1] = 0;
		}
		for (i = 0, ok = 1; i < m->nexclude && ok; i++)
			if (m->exclude[i].n > 0 &&
			    lrun_row_matches(&t, &m->exclude[i]))
				ok = 0;
		if (!ok) {
			lrun_kvs_free(&t);
			continue;
		}
		if (lrun_combo_add(lj, &c) != 0) {
			lrun_kvs_free(&t);
			free(idx);
			goto toomany;
		}
		*c = t;
	}
	free(idx);
	nbase = lj->ncombos;
	for (i = 0; i < m->ninclude; i++) {
		const struct wf_mrow *row = &m->include[i];

		merged = 0;
		for (k = 0; k < nbase; k++) {
			size_t f;

			for (f = 0, ok = 1; f < row->n && ok; f++) {
				const char *v = lrun_kvs_get(
				    &lj->combos[k], row->kv[f].key);

				if (lrun_is_dim(m, row->kv[f].key) && v &&
				    strcmp(v, row->kv[f].value) != 0)
					ok = 0;
			}
			if (!ok)
				continue;
			merged = 1;
			for (f = 0; f < row->n; f++)
				if (lrun_kvs_set(&lj->combos[k], row->kv[f].key,
				        row->kv[f].value) != 0)
					goto nomem;
		}
		if (merged)
			continue;
		if (lrun_combo_add(lj, &c) != 0)
			goto toomany;
		for (k = 0; k < row->n; k++)
			if (lrun_kvs_set(c, row->kv[k].key, row->kv[k].value) !=
			    0)
				goto nomem;
	}
	if (lj->ncombos > LRUN_MATRIX_MAX)
		goto toomany;
	return 0;
toomany:
	snprintf(err, errlen,
	    "the matrix has more than %d combinations (GitHub's limit)",
	    LRUN_MATRIX_MAX);
	return -1;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static void
lrun_combos_free(struct lrun_job *lj)
{
	size_t i;

	for (i = 0; i < lj->ncombos; i++)
		lrun_kvs_free(&lj->combos[i]);
	free(lj->combos);
	lj->combos = NULL;
	lj->ncombos = 0;
}

/* Combinations running at once when strategy.max-parallel is not set. */
#ifndef LRUN_PARALLEL_DEFAULT
#define LRUN_PARALLEL_DEFAULT 4
#endif

static void
lrun_job_begin(struct lrun *r)
{
	size_t k = r->order[r->oi];
	struct lrun_job *lj = &r->jobs[k];
	const struct wf_job *wj = lj->j;
	struct lrun_ectx e;
	struct ex_ctx c;
	struct lrun_kvs *one;
	char err[256];
	long mp = 0;
	int run = 0;

	lrun_ectx_init(&e, &c, r, k, NULL);
	r->job_start_ms = lrun_now_ms();
	lrun_log(r, "\n== job %s%s%s\n", wj->id, wj->name ? ": " : "",
	    wj->name ? wj->name : "");
	if (wj->uses != NULL) {
		lj->result = R_SKIPPED;
		snprintf(lj->note, sizeof(lj->note),
		    "calls the reusable "
		    "workflow %s, which runs only on GitHub",
		    wj->uses);
		r->phase = P_JOB_END;
		return;
	}
	/* jobs.<id>.if sees no matrix: it decides before the expansion. */
	if (expr_if(wj->if_cond, &c, &run, err, sizeof(err)) != 0) {
		lj->result = R_FAILURE;
		snprintf(lj->note, sizeof(lj->note), "if: %s", err);
		r->phase = P_JOB_END;
		return;
	}
	if (!run) {
		lj->result = R_SKIPPED;
		snprintf(lj->note, sizeof(lj->note), "%s",
		    wj->if_cond ? "its if: condition is false"
		                : "a job it needs did not succeed");
		r->phase = P_JOB_END;
		return;
	}
	lj->fail_fast = wj->fail_fast == NULL || lrun_flag(wj->fail_fast, &c);
	if (wj->has_matrix && wj->matrix.unexpanded == NULL) {
		if (lrun_matrix_expand(lj, err, sizeof(err)) != 0) {
			lj->result = R_FAILURE;
			snprintf(lj->note, sizeof(lj->note), "matrix: %s", err);
			r->phase = P_JOB_END;
			return;
		}
		if (lj->ncombos == 0) {
			lj->result = R_SKIPPED;
			snprintf(lj->note, sizeof(lj->note),
			    "its matrix has no combination left after "
			    "exclude");
			r->phase = P_JOB_END;
			return;
		}
	} else {
		if (wj->has_matrix)
			lrun_log(r,
			    "-- matrix not expanded locally: %s; the job "
			    "runs once with matrix.* empty\n",
			    wj->matrix.unexpanded);
		if (lrun_combo_add(lj, &one) != 0) {
			lj->result = R_FAILURE;
			snprintf(lj->note, sizeof(lj->note), "out of memory");
			r->phase = P_JOB_END;
			return;
		}
	}
	/*
	 * max-parallel bounds the combinations running side by side; an
	 * expression in it is evaluated here (it sees github, needs, vars,
	 * inputs). Unset, GitHub runs them all: here at most
	 * LRUN_PARALLEL_DEFAULT, this machine being one runner.
	 */
	if (wj->max_parallel != NULL) {
		char *v = expr_subst(wj->max_parallel, &c, err, sizeof(err));

		mp = v != NULL ? strtol(v, NULL, 10) : 0;
		free(v);
	}
	lj->limit = mp > 0 ? (size_t)mp : LRUN_PARALLEL_DEFAULT;
	if (lj->limit > lj->ncombos)
		lj->limit = lj->ncombos;
	if (wj->has_matrix && wj->matrix.unexpanded == NULL)
		lrun_log(r,
		    "-- matrix: %zu combination%s, %zu at a time "
		    "(max-parallel %s), fail-fast %s\n",
		    lj->ncombos, lj->ncombos == 1 ? "" : "s", lj->limit,
		    wj->max_parallel ? wj->max_parallel : "unset",
		    lj->fail_fast ? "on" : "off");
	if ((r->slots = calloc(lj->limit, sizeof(*r->slots))) == NULL) {
		lj->result = R_FAILURE;
		snprintf(lj->note, sizeof(lj->note), "out of memory");
		r->phase = P_JOB_END;
		return;
	}
	r->nslots = lj->limit;
	lj->next = 0;
	lj->result = R_SUCCESS;
	r->phase = P_MATRIX;
}

/* Name of a combination: the job's evaluated name, or "id (a, x)". */
static void
lrun_combo_label(
    struct lrun_slot *sl, const struct lrun_job *lj, const struct ex_ctx *c)
{
	char err[128], *nm = NULL;
	size_t i, l;

	if (lj->j->name != NULL && strstr(lj->j->name, "${{") != NULL &&
	    (nm = expr_subst(lj->j->name, c, err, sizeof(err))) != NULL) {
		/* GitHub shows an evaluated name instead of the values. */
		snprintf(sl->label, sizeof(sl->label), "%s: %s", lj->j->id, nm);
		free(nm);
		return;
	}
	snprintf(sl->label, sizeof(sl->label), "%s", lj->j->id);
	if (!lj->j->has_matrix || sl->combo == NULL || sl->combo->n == 0)
		return;
	for (i = 0; i < sl->combo->n; i++) {
		l = strlen(sl->label);
		snprintf(sl->label + l, sizeof(sl->label) - l, "%s%s",
		    i ? ", " : " (", sl->combo->v[i].v);
	}
	l = strlen(sl->label);
	snprintf(sl->label + l, sizeof(sl->label) - l, ")");
}

/* Start combination ci in slot sl: env, files, timeout. */
static void
lrun_slot_begin(struct lrun *r, struct lrun_slot *sl)
{
	size_t k = r->order[r->oi];
	struct lrun_job *lj = &r->jobs[k];
	const struct wf_job *wj = lj->j;
	struct lrun_ectx e;
	struct ex_ctx c;
	char err[256];
	double tmin;

	sl->r = r;
	sl->si = 0;
	sl->steps_failed = 0;
	sl->combo = &lj->combos[sl->ci];
	sl->start_ms = lrun_now_ms();
	snprintf(sl->envfile, sizeof(sl->envfile), "%s/github_env-%zu",
	    r->rundir, sl->ci);
	snprintf(sl->outfile, sizeof(sl->outfile), "%s/github_output-%zu",
	    r->rundir, sl->ci);
	(void)lrun_file_reset(sl->envfile);
	(void)lrun_file_reset(sl->outfile);
	sl->phase = S_STEP;
	lrun_ectx_init(&e, &c, r, k, sl);
	lrun_combo_label(sl, lj, &c);
	if (wj->has_matrix)
		lrun_log(r, "\n== %s: combination %zu of %zu\n", sl->label,
		    sl->ci + 1, lj->ncombos);
	if ((sl->steps = calloc(wj->nsteps + 1, sizeof(*sl->steps))) == NULL ||
	    lrun_env_add(r, &sl->env, r->info->env, r->info->nenv, &c, err,
	        sizeof(err)) != 0 ||
	    lrun_env_add(
	        r, &sl->env, wj->env, wj->nenv, &c, err, sizeof(err)) != 0) {
		sl->steps_failed++;
		if (lj->note[0] == '\0')
			snprintf(lj->note, sizeof(lj->note), "%s%senv: %s",
			    wj->has_matrix ? sl->label : "",
			    wj->has_matrix ? ": " : "",
			    sl->steps ? err : "out of memory");
		sl->phase = S_END;
		return;
	}
	tmin = wj->timeout;
	if (tmin < 0 && wj->timeout_minutes != NULL) {
		char *v = expr_subst(wj->timeout_minutes, &c, err, sizeof(err));

		tmin = v != NULL ? atof(v) : -1.0;
		free(v);
	}
	sl->deadline_ms = sl->start_ms + (tmin > 0 ? (int64_t)(tmin * 60000.0)
	                                           : r->o.job_timeout_ms);
}

static const char *
lrun_step_label(const struct wf_step *s, size_t i, char *buf, size_t len)
{
	if (s->name != NULL)
		snprintf(buf, len, "%s", s->name);
	else if (s->id != NULL)
		snprintf(buf, len, "%s", s->id);
	else if (s->uses != NULL)
		snprintf(buf, len, "uses %s", s->uses);
	else if (s->run != NULL) {
		size_t n = strcspn(s->run, "\n");

		snprintf(buf, len, "run %.*s", (int)(n > 40 ? 40 : n), s->run);
	} else
		snprintf(buf, len, "step %zu", i + 1);
	return buf;
}

/* continue-on-error: true, false or an expression yielding one. */
static int
lrun_flag(const char *text, const struct ex_ctx *c)
{
	char err[128], *v;
	int on;

	if (text == NULL)
		return 0;
	if ((v = expr_subst(text, c, err, sizeof(err))) == NULL)
		return 0;
	on = strcasecmp(v, "true") == 0;
	free(v);
	return on;
}

static void
lrun_step_result(struct lrun_slot *sl, int ok, const char *note)
{
	struct lrun *r = sl->r;
	struct lrun_job *lj = &r->jobs[r->order[r->oi]];
	const struct wf_step *s = &lj->j->steps[sl->si];
	struct lrun_step *ls = &sl->steps[sl->si];
	struct lrun_ectx e;
	struct ex_ctx c;
	char label[96], msg[512];
	int coe = 0;
	double secs = (double)(lrun_now_ms() - sl->step_start_ms) / 1000.0;

	lrun_ectx_init(&e, &c, r, r->order[r->oi], sl);
	ls->outcome = ok ? R_SUCCESS : R_FAILURE;
	ls->conclusion = ls->outcome;
	if (!ok)
		coe = lrun_flag(s->continue_on_error, &c);
	if (!ok && coe)
		ls->conclusion = R_SUCCESS;
	if (!ok && !coe)
		sl->steps_failed++;
	snprintf(ls->note, sizeof(ls->note), "%s", note ? note : "");
	lrun_step_label(s, sl->si, label, sizeof(label));
	snprintf(msg, sizeof(msg),
	    "run %ld job %s step %zu '%s': %s%s%s "
	    "(%.1fs)%s",
	    r->o.run_number, sl->label, sl->si + 1, label,
	    lrun_res_names[ls->outcome], note && *note ? ": " : "",
	    note ? note : "", secs, !ok && coe ? "; continue-on-error" : "");
	lrun_log(r, "-- %s\n", msg);
	r->o.host->journal(r->o.mon, "local-step", r->jtarget, msg);
	sl->si++;
	sl->phase = S_STEP;
}

static void
lrun_out_cb(void *arg, const char *k, const char *v)
{
	(void)lrun_kvs_set(arg, k, v);
}

static void
lrun_read_files(struct lrun_slot *sl, struct lrun_step *ls)
{
	size_t len;
	char *buf;

	if ((buf = store_read_file(sl->envfile, LRUN_ENV_FILE_MAX, &len)) !=
	    NULL) {
		(void)lrun_parse_kv_file(buf, len, lrun_env_cb, &sl->env);
		free(buf);
	}
	if ((buf = store_read_file(sl->outfile, LRUN_ENV_FILE_MAX, &len)) !=
	    NULL) {
		(void)lrun_parse_kv_file(buf, len, lrun_out_cb, &ls->outputs);
		free(buf);
	}
	(void)lrun_file_reset(sl->envfile);
	(void)lrun_file_reset(sl->outfile);
}

static void
lrun_child_cb(void *arg, const struct rdd_child_result *res)
{
	struct lrun_slot *sl = arg;
	struct lrun *r = sl->r;
	char note[256];
	int ok = 0;

	sl->child = 0;
	sl->waiting = 0;
	if (r->cancelled)
		return;
	if (res->out_len > 0 || res->err_len > 0 || res->truncated)
		lrun_log(
		    r, "-- output of %s step %zu:\n", sl->label, sl->si + 1);
	if (res->out_len > 0)
		lrun_log(r, "%s%s", res->out,
		    res->out[res->out_len - 1] == '\n' ? "" : "\n");
	if (res->err_len > 0)
		lrun_log(r, "[stderr]\n%s%s", res->err,
		    res->err[res->err_len - 1] == '\n' ? "" : "\n");
	if (res->truncated)
		lrun_log(r, "[output beyond %zu bytes per stream discarded]\n",
		    r->o.output_cap);
	if (res->spawn_errno != 0)
		snprintf(note, sizeof(note), "cannot start the shell: %s",
		    strerror(res->spawn_errno));
	else if (res->timed_out)
		snprintf(note, sizeof(note),
		    "timed out after %.1fs and was "
		    "killed",
		    (double)res->duration_ms / 1000.0);
	else if (!res->exited)
		snprintf(
		    note, sizeof(note), "killed by signal %d", res->signal);
	else if (res->status != 0)
		snprintf(note, sizeof(note), "exit status %d", res->status);
	else {
		ok = 1;
		note[0] = '\0';
	}
	lrun_read_files(sl, &sl->steps[sl->si]);
	lrun_step_result(sl, ok, note);
	lrun_pump(r);
}

/* Build the env strings of one step: GITHUB_*, then workflow/job/step. */
static char **
lrun_step_env(struct lrun_slot *sl, const struct wf_job *wj)
{
	struct lrun *r = sl->r;
	struct lrun_kvs all = {0};
	char num[32], **v;
	size_t i, len;

	snprintf(num, sizeof(num), "%ld", r->o.run_number);
	if (lrun_kvs_set(&all, "CI", "true") != 0 ||
	    lrun_kvs_set(&all, "GITHUB_WORKSPACE", r->repo) != 0 ||
	    lrun_kvs_set(&all, "GITHUB_SHA", r->sha) != 0 ||
	    lrun_kvs_set(&all, "GITHUB_REF", r->ref) != 0 ||
	    lrun_kvs_set(&all, "GITHUB_WORKFLOW",
	        r->info->name ? r->info->name : r->workflow) != 0 ||
	    lrun_kvs_set(&all, "GITHUB_JOB", wj->id) != 0 ||
	    lrun_kvs_set(&all, "GITHUB_RUN_ID", num) != 0 ||
	    lrun_kvs_set(&all, "GITHUB_RUN_NUMBER", num) != 0 ||
	    lrun_kvs_set(&all, "GITHUB_EVENT_NAME", r->event) != 0 ||
	    lrun_kvs_set(&all, "GITHUB_REPOSITORY", r->repository) != 0 ||
	    lrun_kvs_set(&all, "GITHUB_ACTOR", "redundancyd") != 0 ||
	    lrun_kvs_set(&all, "GITHUB_ENV", sl->envfile) != 0 ||
	    lrun_kvs_set(&all, "GITHUB_OUTPUT", sl->outfile) != 0 ||
	    lrun_kvs_set(&all, "GITHUB_STEP_SUMMARY", r->sumfile) != 0 ||
	    lrun_kvs_set(&all, "RUNNER_OS", "Linux") != 0 ||
	    lrun_kvs_set(&all, "RUNNER_TEMP", r->rundir) != 0 ||
	    lrun_kvs_set(&all, "REDUNDANCYD_LOCAL_RUN", "1") != 0)
		goto fail;
	for (i = 0; i < sl->env.n; i++)
		if (lrun_kvs_set(&all, sl->env.v[i].k, sl->env.v[i].v) != 0)
			goto fail;
	for (i = 0; i < sl->stepenv.n; i++)
		if (lrun_kvs_set(
		        &all, sl->stepenv.v[i].k, sl->stepenv.v[i].v) != 0)
			goto fail;
	if ((v = calloc(all.n + 1, sizeof(*v))) == NULL)
		goto fail;
	for (i = 0; i < all.n; i++) {
		len = strlen(all.v[i].k) + strlen(all.v[i].v) + 2;
		if ((v[i] = malloc(len)) == NULL) {
			lrun_argv_free(v);
			goto fail;
		}
		snprintf(v[i], len, "%s=%s", all.v[i].k, all.v[i].v);
	}
	lrun_kvs_free(&all);
	return v;
fail:
	lrun_kvs_free(&all);
	return NULL;
}

static int
lrun_write_script(const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	if (fd < 0)
		return -1;
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (len > 0 && text[len - 1] != '\n' && write(fd, "\n", 1) != 1) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Begin slot sl's next step: it ends here (if:, uses:, an error) or the
 * slot waits for its child (S_WAIT). */
static void
lrun_step_begin(struct lrun_slot *sl)
{
	struct lrun *r = sl->r;
	size_t k = r->order[r->oi];
	const struct wf_job *wj = r->jobs[k].j;
	const struct wf_step *s = &wj->steps[sl->si];
	struct lrun_step *ls = &sl->steps[sl->si];
	struct rdd_child_spec spec;
	struct lrun_ectx e;
	struct ex_ctx c;
	char err[256], label[96], script[PATH_MAX], cwd[PATH_MAX];
	const char *shell, *wd;
	char **argv = NULL, **env = NULL, *text = NULL, *wdx = NULL;
	int run = 0;
	int64_t left, tmo;
	uint64_t h;

	lrun_ectx_init(&e, &c, r, k, sl);
	sl->step_start_ms = lrun_now_ms();
	lrun_kvs_free(&sl->stepenv);
	lrun_step_label(s, sl->si, label, sizeof(label));
	lrun_log(r, "\n-- %s step %zu: %s\n", sl->label, sl->si + 1, label);
	if (expr_if(s->if_cond, &c, &run, err, sizeof(err)) != 0) {
		lrun_step_result(sl, 0, err);
		return;
	}
	if (!run) {
		ls->outcome = R_SKIPPED;
		ls->conclusion = R_SKIPPED;
		lrun_log(r, "-- skipped: if: %s is false\n",
		    s->if_cond ? s->if_cond : "success()");
		sl->si++;
		return;
	}
	if (s->uses != NULL) {
		if (strncasecmp(s->uses, "actions/checkout@", 17) == 0) {
			lrun_step_result(sl, 1,
			    "the local checkout is the "
			    "workspace");
		} else {
			snprintf(err, sizeof(err),
			    "uses: %s runs only on "
			    "GitHub (no local action runner)",
			    s->uses);
			ls->outcome = R_SKIPPED;
			ls->conclusion = R_SKIPPED;
			snprintf(ls->note, sizeof(ls->note), "%s", err);
			lrun_log(r, "-- skipped: %s\n", err);
			r->o.host->journal(
			    r->o.mon, "local-step", r->jtarget, err);
			sl->si++;
		}
		return;
	}
	if (s->run == NULL) {
		lrun_step_result(sl, 0, "neither run: nor uses:");
		return;
	}
	left = sl->deadline_ms - lrun_now_ms();
	if (left <= 0) {
		lrun_step_result(sl, 0, "the job's timeout-minutes ran out");
		return;
	}
	if (lrun_env_add(
	        r, &sl->stepenv, s->env, s->nenv, &c, err, sizeof(err)) != 0 ||
	    (text = expr_subst(s->run, &c, err, sizeof(err))) == NULL) {
		lrun_step_result(sl, 0, err);
		return;
	}
	shell = s->shell ? s->shell : wj->shell ? wj->shell : r->info->shell;
	wd = s->working_directory    ? s->working_directory
	     : wj->working_directory ? wj->working_directory
	                             : r->info->working_directory;
	if (wd != NULL &&
	    (wdx = expr_subst(wd, &c, err, sizeof(err))) == NULL) {
		free(text);
		lrun_step_result(sl, 0, err);
		return;
	}
	if (wdx == NULL || wdx[0] == '\0')
		snprintf(cwd, sizeof(cwd), "%s", r->repo);
	else if (wdx[0] == '/')
		snprintf(cwd, sizeof(cwd), "%s", wdx);
	else
		snprintf(cwd, sizeof(cwd), "%s/%s", r->repo, wdx);
	free(wdx);
	/* One script per combination: they may run side by side. */
	snprintf(script, sizeof(script), "%s/%s-%zu-step%zu.%s", r->rundir,
	    wj->id, sl->ci, sl->si + 1,
	    shell && strcmp(shell, "python") == 0 ? "py" : "sh");
	if (lrun_write_script(script, text) != 0) {
		snprintf(
		    err, sizeof(err), "%.200s: %s", script, strerror(errno));
		free(text);
		lrun_step_result(sl, 0, err);
		return;
	}
	lrun_log(r, "$ %s\n", text);
	free(text);
	if ((argv = lrun_shell_argv(shell, script, err, sizeof(err))) == NULL ||
	    (env = lrun_step_env(sl, wj)) == NULL) {
		lrun_argv_free(argv);
		lrun_step_result(sl, 0, argv ? "out of memory" : err);
		return;
	}
	tmo = left;
	if (s->timeout > 0 && (int64_t)(s->timeout * 60000.0) < tmo)
		tmo = (int64_t)(s->timeout * 60000.0);
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)argv;
	spec.env = (const char *const *)env;
	spec.cwd = cwd;
	spec.timeout_ms = tmo;
	spec.output_cap = r->o.output_cap;
	sl->waiting = 1;
	sl->phase = S_WAIT;
	h = r->o.host->child_run(r->o.mon, &spec, lrun_child_cb, sl);
	lrun_argv_free(argv);
	lrun_argv_free(env);
	if (!sl->waiting)
		return; /* completed synchronously: the callback went on */
	if (h == 0) {
		sl->waiting = 0;
		lrun_step_result(sl, 0,
		    "the daemon could not start the step "
		    "(see system.log)");
		return;
	}
	sl->child = h;
}

/* Release slot sl (its steps, env, files' names): free for the next. */
static void
lrun_slot_clear(struct lrun *r, struct lrun_slot *sl)
{
	size_t i, n = r->jobs[r->order[r->oi]].j->nsteps;

	if (sl->child != 0)
		r->o.host->child_cancel(r->o.mon, sl->child);
	for (i = 0; sl->steps != NULL && i <= n; i++)
		lrun_kvs_free(&sl->steps[i].outputs);
	free(sl->steps);
	lrun_kvs_free(&sl->env);
	lrun_kvs_free(&sl->stepenv);
	memset(sl, 0, sizeof(*sl));
}

static void
lrun_slots_free(struct lrun *r)
{
	size_t i;

	for (i = 0; r->slots != NULL && i < r->nslots; i++)
		lrun_slot_clear(r, &r->slots[i]);
	free(r->slots);
	r->slots = NULL;
	r->nslots = 0;
}

/*
 * A combination ended: its result, the job's outputs: evaluated with its
 * steps (a later non-empty value wins, as on GitHub), and fail-fast: a
 * failure cancels the combinations running and those still to come.
 */
static void
lrun_slot_end(struct lrun *r, struct lrun_slot *sl)
{
	struct lrun_job *lj = &r->jobs[r->order[r->oi]];
	const struct wf_job *wj = lj->j;
	struct lrun_ectx e;
	struct ex_ctx c;
	char err[256], label[96], msg[1536], *v;
	enum lrun_res res;
	size_t i;
	int coe;

	lrun_ectx_init(&e, &c, r, r->order[r->oi], sl);
	res = sl->steps_failed > 0 ? R_FAILURE : R_SUCCESS;
	for (i = 0; sl->steps != NULL && i < wj->noutputs; i++) {
		v = expr_subst(wj->outputs[i].value ? wj->outputs[i].value : "",
		    &c, err, sizeof(err));
		if (v == NULL) {
			lrun_log(r, "-- %s output %s: %s\n", sl->label,
			    wj->outputs[i].key, err);
			continue;
		}
		if (v[0] != '\0' ||
		    lrun_kvs_get(&lj->outputs, wj->outputs[i].key) == NULL)
			(void)lrun_kvs_set(&lj->outputs, wj->outputs[i].key, v);
		lrun_log(r, "-- %s output %s=%s\n", sl->label,
		    wj->outputs[i].key, v);
		free(v);
	}
	if (res == R_FAILURE && lj->note[0] == '\0' && sl->steps != NULL) {
		for (i = 0; i < wj->nsteps; i++)
			if (sl->steps[i].conclusion == R_FAILURE) {
				snprintf(lj->note, sizeof(lj->note),
				    "%s%sstep %zu '%s': %s",
				    wj->has_matrix ? sl->label : "",
				    wj->has_matrix ? ": " : "", i + 1,
				    lrun_step_label(
				        &wj->steps[i], i, label, sizeof(label)),
				    sl->steps[i].note);
				break;
			}
	}
	if (res == R_FAILURE)
		lj->nfailed++;
	else
		lj->nsucceeded++;
	if (wj->has_matrix) {
		snprintf(msg, sizeof(msg), "run %ld job %s: %s (%.1fs)",
		    r->o.run_number, sl->label, lrun_res_names[res],
		    (double)(lrun_now_ms() - sl->start_ms) / 1000.0);
		lrun_log(r, "== %s\n", msg);
		r->o.host->journal(r->o.mon, "local-job", r->jtarget, msg);
	}
	/* continue-on-error: ${{ matrix.experimental }} is per combination. */
	coe = lrun_flag(wj->continue_on_error, &c);
	if (res == R_FAILURE && !coe)
		lj->nfail_hard++;
	lrun_slot_clear(r, sl);
	if (res != R_FAILURE || !lj->fail_fast || coe || lj->stopped)
		return;
	lj->stopped = 1;
	for (i = 0; i < r->nslots; i++) {
		/* One that ended already keeps its result. */
		if (r->slots[i].phase == S_FREE || r->slots[i].phase == S_END)
			continue;
		lrun_log(r, "-- fail-fast: %s cancelled\n", r->slots[i].label);
		lrun_slot_clear(r, &r->slots[i]);
		lj->ncancelled++;
	}
	lj->ncancelled += (int)(lj->ncombos - lj->next);
	if (lj->ncancelled > 0)
		lrun_log(r, "-- fail-fast: %d combination%s of %s cancelled\n",
		    lj->ncancelled, lj->ncancelled == 1 ? "" : "s", wj->id);
	lj->next = lj->ncombos;
}

/*
 * Advance the current job's combinations as far as they go without
 * waiting: start new ones up to the limit, run steps that end at once,
 * record ended ones. Returns 1 when the job is over.
 */
static int
lrun_matrix_pump(struct lrun *r)
{
	struct lrun_job *lj = &r->jobs[r->order[r->oi]];
	struct lrun_slot *sl;
	size_t i, running;
	int progress = 1;

	while (progress && !r->cancelled) {
		progress = 0;
		running = 0;
		for (i = 0; i < r->nslots; i++) {
			sl = &r->slots[i];
			switch (sl->phase) {
			case S_FREE:
				if (lj->next < lj->ncombos && !lj->stopped) {
					sl->ci = lj->next++;
					sl->phase = S_BEGIN;
					progress = 1;
				}
				break;
			case S_BEGIN:
				lrun_slot_begin(r, sl);
				progress = 1;
				break;
			case S_STEP:
				if (sl->si >= lj->j->nsteps)
					sl->phase = S_END;
				else
					lrun_step_begin(sl);
				progress = 1;
				break;
			case S_WAIT:
				running++;
				break;
			case S_END:
				lrun_slot_end(r, sl);
				progress = 1;
				break;
			}
		}
		if (!progress && running == 0 &&
		    (lj->next >= lj->ncombos || lj->stopped))
			return 1;
	}
	return 0;
}

static void
lrun_job_end(struct lrun *r)
{
	struct lrun_job *lj = &r->jobs[r->order[r->oi]];
	char msg[1536], extra[128] = "";

	lrun_slots_free(r);
	/* A matrix job failed if any combination did (needs.<id>.result). */
	if (lj->result == R_SUCCESS && lj->nfailed > 0)
		lj->result = R_FAILURE;
	lj->seconds = (double)(lrun_now_ms() - r->job_start_ms) / 1000.0;
	if (lj->j->has_matrix && lj->ncombos > 0 &&
	    lj->j->matrix.unexpanded == NULL)
		snprintf(extra, sizeof(extra),
		    "; %zu combinations: %d succeeded, %d failed, %d "
		    "cancelled",
		    lj->ncombos, lj->nsucceeded, lj->nfailed, lj->ncancelled);
	snprintf(msg, sizeof(msg), "run %ld job %s: %s%s%s (%.1fs)%s",
	    r->o.run_number, lj->j->id, lrun_res_names[lj->result],
	    lj->note[0] ? ": " : "", lj->note, lj->seconds, extra);
	lrun_log(r, "== %s\n", msg);
	r->o.host->journal(r->o.mon, "local-job", r->jtarget, msg);
	r->oi++;
	r->phase = r->oi < r->norder ? P_JOB : P_DONE;
}

static void
lrun_finish(struct lrun *r)
{
	size_t i, k, used;
	int failed = 0;
	char *s;

	for (i = 0; i < r->norder; i++) {
		struct lrun_job *lj = &r->jobs[r->order[i]];
		struct lrun_ectx e;
		struct ex_ctx c;
		int coe;

		lrun_ectx_init(&e, &c, r, r->order[i], NULL);
		coe = lrun_flag(lj->j->continue_on_error, &c);
		/* Combinations that failed all under continue-on-error. */
		if (lj->nfailed > 0 && lj->nfail_hard == 0)
			coe = 1;
		if (lj->result == R_FAILURE && !coe)
			failed = 1;
	}
	r->result = failed ? R_FAILURE : R_SUCCESS;
	r->seconds = (double)(lrun_now_ms() - r->run_start_ms) / 1000.0;
	if ((s = malloc(LRUN_SUMMARY_MAX)) == NULL)
		return;
	used = (size_t)snprintf(s, LRUN_SUMMARY_MAX,
	    "local run %ld of %s: %s in %.1fs", r->o.run_number, r->workflow,
	    lrun_res_names[r->result], r->seconds);
	snprintf(r->headline, sizeof(r->headline),
	    "local run %ld: %s in "
	    "%.1fs:",
	    r->o.run_number, lrun_res_names[r->result], r->seconds);
	for (i = 0; i < r->norder && used < LRUN_SUMMARY_MAX; i++) {
		struct lrun_job *lj = &r->jobs[r->order[i]];

		k = strlen(r->headline);
		snprintf(r->headline + k, sizeof(r->headline) - k, " %s %s%s",
		    lj->j->id, lrun_res_names[lj->result],
		    i + 1 < r->norder ? "," : "");
		used += (size_t)snprintf(s + used, LRUN_SUMMARY_MAX - used,
		    "; job %s: %s%s%s", lj->j->id, lrun_res_names[lj->result],
		    lj->note[0] ? ": " : "", lj->note);
	}
	if (used < LRUN_SUMMARY_MAX)
		snprintf(
		    s + used, LRUN_SUMMARY_MAX - used, "; log %s", r->logpath);
	r->summary = s;
	lrun_log(r, "\n== %s\n", s);
	r->o.host->journal(r->o.mon, "local-run", r->jtarget, r->headline);
}

static void
lrun_pump(struct lrun *r)
{
	if (r->in_pump) {
		r->kick = 1;
		return;
	}
	r->in_pump = 1;
	for (;;) {
		if (r->cancelled || r->finished)
			break;
		if (r->phase == P_JOB) {
			lrun_job_begin(r);
			continue;
		}
		if (r->phase == P_MATRIX) {
			r->kick = 0;
			if (lrun_matrix_pump(r)) {
				r->phase = P_JOB_END;
				continue;
			}
			/* A child that ended inside the pump kicked it. */
			if (r->kick)
				continue;
			break;
		}
		if (r->phase == P_JOB_END) {
			lrun_job_end(r);
			continue;
		}
		if (r->phase == P_DONE) {
			lrun_finish(r);
			r->finished = 1;
			break;
		}
	}
	r->in_pump = 0;
	if (r->finished && !r->cancelled && r->o.done != NULL) {
		lrun_done_cb cb = r->o.done;

		r->o.done = NULL;
		cb(r->o.arg, r);
	}
}

void
lrun_cancel(struct lrun *r)
{
	if (r == NULL)
		return;
	r->cancelled = 1;
	lrun_slots_free(r); /* kills the steps running */
	lrun_log(r, "\n== cancelled\n");
}

void
lrun_free(struct lrun *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->slots != NULL)
		lrun_slots_free(r);
	if (r->jobs != NULL && r->info != NULL)
		for (i = 0; i < r->info->njobs; i++) {
			lrun_kvs_free(&r->jobs[i].outputs);
			lrun_combos_free(&r->jobs[i]);
		}
	if (r->info != NULL && r->own_info) {
		wfval_info_free(r->info);
		free(r->info);
	}
	if (r->log != NULL)
		fclose(r->log);
	free(r->jobs);
	free(r->order);
	free(r->repo);
	free(r->rundir);
	free(r->workflow);
	free(r->only_job);
	free(r->event);
	free(r->sha);
	free(r->ref);
	free(r->repository);
	free(r->summary);
	free(r);
}

int
lrun_ok(const struct lrun *r)
{
	return r->result == R_SUCCESS;
}

const char *
lrun_summary(const struct lrun *r)
{
	return r->summary ? r->summary : r->headline;
}

const char *
lrun_headline(const struct lrun *r)
{
	return r->headline;
}

const char *
lrun_log_path(const struct lrun *r)
{
	return r->logpath;
}

double
lrun_seconds(const struct lrun *r)
{
	return r->seconds;
}
