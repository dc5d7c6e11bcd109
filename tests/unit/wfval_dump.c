/*
 * wfval_dump.c: command-line face of wfval for the actionlint differential
 * test and for people: prints each diagnostic as actionlint does.
 *
 * usage: wfval_dump [-i] FILE|-
 *   -i   also print the extracted wf_info (jobs, steps, ...)
 * exit: 0 no diagnostics, 1 at least one error, 2 lint only,
 *       3 usage, I/O or memory failure
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/github_actions/wfval.h"

static char *
wfval_dump_read(FILE *f, size_t *len)
{
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static const char *
wfval_dump_s(const char *s)
{
	return s ? s : "-";
}

static void
wfval_dump_env(const char *indent, const struct wf_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%senv %s=%s\n", indent, kv[i].key, kv[i].value);
}

static void
wfval_dump_info(const struct wf_info *in)
{
	const struct wf_job *j;
	const struct wf_step *s;
	size_t i, k;

	printf("name: %s\n", wfval_dump_s(in->name));
	for (i = 0; i < in->nevents; i++)
		printf("event: %s\n", in->events[i]);
	for (i = 0; i < in->ncrons; i++)
		printf("cron: %s\n", in->crons[i]);
	wfval_dump_env("", in->env, in->nenv);
	printf("defaults: shell=%s working-directory=%s\n",
	    wfval_dump_s(in->shell), wfval_dump_s(in->working_directory));
	for (i = 0; i < in->njobs; i++) {
		j = &in->jobs[i];
		printf("job %s (line %u) name=%s uses=%s if=%s\n", j->id,
		    j->line, wfval_dump_s(j->name), wfval_dump_s(j->uses),
		    wfval_dump_s(j->if_cond));
		printf("  runs-on:");
		for (k = 0; k < j->nruns_on; k++)
			printf(" %s", j->runs_on[k]);
		printf(" group=%s expr=%s\n", wfval_dump_s(j->runs_on_group),
		    wfval_dump_s(j->runs_on_expr));
		printf("  needs:");
		for (k = 0; k < j->nneeds; k++)
			printf(" %s", j->needs[k]);
		printf("\n  shell=%s working-directory=%s timeout=%s (%g) "
		       "continue-on-error=%s\n",
		    wfval_dump_s(j->shell), wfval_dump_s(j->working_directory),
		    wfval_dump_s(j->timeout_minutes), j->timeout,
		    wfval_dump_s(j->continue_on_error));
		wfval_dump_env("  ", j->env, j->nenv);
		for (k = 0; k < j->nsteps; k++) {
			s = &j->steps[k];
			printf("  step %zu (line %u) id=%s name=%s uses=%s "
			       "shell=%s wd=%s if=%s coe=%s timeout=%s\n",
			    k, s->line, wfval_dump_s(s->id),
			    wfval_dump_s(s->name), wfval_dump_s(s->uses),
			    wfval_dump_s(s->shell),
			    wfval_dump_s(s->working_directory),
			    wfval_dump_s(s->if_cond),
			    wfval_dump_s(s->continue_on_error),
			    wfval_dump_s(s->timeout_minutes));
			if (s->run != NULL)
				printf("    run: %s\n", s->run);
			wfval_dump_env("    ", s->env, s->nenv);
		}
	}
}

int
main(int argc, char **argv)
{
	struct wf_diag *d = NULL;
	struct wf_info info;
	size_t nd = 0, len = 0, i;
	const char *path;
	char *buf, line[4096];
	FILE *f;
	int want_info = 0, worst;

	if (argc == 3 && strcmp(argv[1], "-i") == 0) {
		want_info = 1;
		path = argv[2];
	} else if (argc == 2) {
		path = argv[1];
	} else {
		fprintf(stderr, "usage: wfval_dump [-i] FILE|-\n");
		return 3;
	}
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return 3;
	}
	buf = wfval_dump_read(f, &len);
	if (f != stdin)
		fclose(f);
	if (buf == NULL) {
		fprintf(stderr, "%s: cannot read\n", path);
		return 3;
	}
	worst = wfval_check(buf, len, path, &d, &nd, want_info ? &info : NULL);
	free(buf);
	if (worst < 0) {
		perror("wfval_check");
		return 3;
	}
	for (i = 0; i < nd; i++) {
		wfval_format(line, sizeof(line), &d[i]);
		printf("%s (%s)\n", line, wfval_severity_name(d[i].severity));
	}
	wfval_diags_free(d, nd);
	if (want_info) {
		wfval_dump_info(&info);
		wfval_info_free(&info);
	}
	return worst == WF_SEV_ERROR ? 1 : worst == WF_SEV_LINT ? 2 : 0;
}
