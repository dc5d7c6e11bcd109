/*
 * test_wfval.c: the GitHub Actions workflow validator: exact position and
 * rule of each invalid fixture, valid fixtures clean, wf_info extraction.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/github_actions/ghdata.h"
#include "plugins/github_actions/wfexpr.h"
#include "plugins/github_actions/wfval.h"

struct blob {
	char *data;
	size_t len;
};

static struct blob
load(const char *rel)
{
	const char *srcdir = getenv("srcdir");
	char path[1024];
	struct blob b = {NULL, 0};
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/unit/fixtures/workflows/%s",
	    srcdir ? srcdir : ".", rel);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open fixture %s (set srcdir)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b.data = malloc((size_t)n + 1);
	assert_non_null(b.data);
	b.len = fread(b.data, 1, (size_t)n, f);
	assert_int_equal(b.len, (size_t)n);
	fclose(f);
	return b;
}

static void
print_diags(const struct wf_diag *d, size_t n)
{
	char line[1024];
	size_t i;

	for (i = 0; i < n; i++) {
		wfval_format(line, sizeof(line), &d[i]);
		print_message("  %s\n", line);
	}
}

/* One expected diagnostic per invalid fixture: exactly this one. */
static const struct {
	const char *file;
	unsigned line, col;
	const char *rule;
	int severity;
} invalid[] = {
    {"i01-yaml-syntax.yml", 7, 1, "syntax-check", WF_SEV_ERROR},
    {"i02-tab-indent.yml", 4, 1, "syntax-check", WF_SEV_ERROR},
    {"i03-dup-top-key.yml", 7, 1, "syntax-check", WF_SEV_ERROR},
    {"i04-dup-job-id.yml", 7, 3, "syntax-check", WF_SEV_ERROR},
    {"i05-dup-step-key.yml", 8, 9, "syntax-check", WF_SEV_ERROR},
    {"i06-missing-on.yml", 1, 1, "syntax-check", WF_SEV_ERROR},
    {"i07-unknown-event.yml", 3, 3, "events", WF_SEV_ERROR},
    {"i08-unknown-event-list.yml", 1, 12, "events", WF_SEV_ERROR},
    {"i09-missing-jobs.yml", 1, 1, "syntax-check", WF_SEV_ERROR},
    {"i10-empty-jobs.yml", 2, 7, "syntax-check", WF_SEV_ERROR},
    {"i11-bad-job-id.yml", 3, 3, "id", WF_SEV_ERROR},
    {"i12-no-runs-on.yml", 3, 3, "syntax-check", WF_SEV_ERROR},
    {"i13-run-and-uses.yml", 6, 9, "syntax-check", WF_SEV_ERROR},
    {"i14-step-neither.yml", 6, 9, "syntax-check", WF_SEV_ERROR},
    {"i15-steps-not-seq.yml", 6, 7, "syntax-check", WF_SEV_ERROR},
    {"i16-step-not-map.yml", 6, 9, "syntax-check", WF_SEV_ERROR},
    {"i17-uses-job-with-steps.yml", 5, 5, "syntax-check", WF_SEV_ERROR},
    {"i18-needs-unknown.yml", 8, 20, "job-needs", WF_SEV_ERROR},
    {"i19-needs-self.yml", 4, 12, "job-needs", WF_SEV_ERROR},
    {"i20-needs-cycle.yml", 4, 12, "job-needs", WF_SEV_ERROR},
    {"i21-timeout-string.yml", 5, 22, "syntax-check", WF_SEV_ERROR},
    {"i22-schedule-not-list.yml", 3, 5, "events", WF_SEV_ERROR},
    {"i23-cron-fields.yml", 3, 13, "events", WF_SEV_ERROR},
    {"i24-cron-range.yml", 3, 13, "events", WF_SEV_ERROR},
    {"i25-cron-month-name.yml", 3, 13, "events", WF_SEV_ERROR},
    {"i26-unclosed-expr.yml", 6, 20, "expression", WF_SEV_ERROR},
    {"i27-dispatch-bad-type.yml", 5, 15, "events", WF_SEV_ERROR},
    {"i28-dispatch-choice-no-options.yml", 4, 7, "events", WF_SEV_ERROR},
    {"i29-dispatch-default-not-option.yml", 7, 18, "events", WF_SEV_ERROR},
    {"i30-dispatch-unknown-key.yml", 6, 9, "syntax-check", WF_SEV_LINT},
    {"i31-matrix-not-map.yml", 6, 15, "matrix", WF_SEV_ERROR},
    {"i32-matrix-value-scalar.yml", 7, 15, "matrix", WF_SEV_ERROR},
    {"i33-matrix-include-not-seq.yml", 9, 11, "matrix", WF_SEV_ERROR},
    {"i34-unknown-top-key.yml", 2, 1, "syntax-check", WF_SEV_LINT},
    {"i35-unknown-job-key.yml", 5, 5, "syntax-check", WF_SEV_LINT},
    {"i36-unknown-step-key.yml", 7, 9, "syntax-check", WF_SEV_LINT},
    {"i37-empty-file.yml", 1, 1, "syntax-check", WF_SEV_ERROR},
    {"i38-root-sequence.yml", 1, 1, "syntax-check", WF_SEV_ERROR},
    {"i39-empty-expr.yml", 6, 19, "expression", WF_SEV_ERROR},
    {"i40-no-steps.yml", 3, 3, "syntax-check", WF_SEV_ERROR},
    {"i41-bad-step-id.yml", 6, 13, "id", WF_SEV_ERROR},
    {"i42-unknown-anchor.yml", 5, 10, "syntax-check", WF_SEV_ERROR},
    {"i43-on-empty.yml", 1, 1, "syntax-check", WF_SEV_ERROR},
    {"i44-unclosed-expr-block.yml", 8, 19, "expression", WF_SEV_ERROR},
    {"i45-env-nested.yml", 4, 5, "syntax-check", WF_SEV_ERROR},
    {"i46-dup-step-id.yml", 8, 13, "id", WF_SEV_ERROR},
};
#define NINVALID (sizeof(invalid) / sizeof(invalid[0]))

static void
test_invalid_fixtures(void **state)
{
	struct wf_diag *d;
	struct blob b;
	char rel[256];
	size_t i, nd;
	int sev;

	(void)state;
	for (i = 0; i < NINVALID; i++) {
		snprintf(rel, sizeof(rel), "invalid/%s", invalid[i].file);
		b = load(rel);
		sev =
		    wfval_check(b.data, b.len, invalid[i].file, &d, &nd, NULL);
		free(b.data);
		if (nd != 1 || d[0].line != invalid[i].line ||
		    d[0].col != invalid[i].col ||
		    strcmp(d[0].rule, invalid[i].rule) != 0 ||
		    (int)d[0].severity != invalid[i].severity) {
			print_message("%s: want %u:%u [%s], got %zu:\n",
			    invalid[i].file, invalid[i].line, invalid[i].col,
			    invalid[i].rule, nd);
			print_diags(d, nd);
			fail();
		}
		assert_int_equal(sev, invalid[i].severity);
		assert_string_equal(d[0].file, invalid[i].file);
		assert_true(strlen(d[0].message) > 10);
		wfval_diags_free(d, nd);
	}
}

/* Every fixture in the invalid directory is in the table and vice versa. */
static void
test_invalid_table_complete(void **state)
{
	const char *srcdir = getenv("srcdir");
	char path[1024];
	struct dirent *de;
	size_t n = 0, i;
	DIR *dir;
	int found;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/unit/fixtures/workflows/invalid",
	    srcdir ? srcdir : ".");
	dir = opendir(path);
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL) {
		if (strstr(de->d_name, ".yml") == NULL)
			continue;
		for (i = 0, found = 0; i < NINVALID; i++)
			found |= strcmp(invalid[i].file, de->d_name) == 0;
		if (!found)
			fail_msg(
			    "invalid/%s has no entry in the table", de->d_name);
		n++;
	}
	closedir(dir);
	assert_int_equal(n, NINVALID);
}

static void
check_clean_dir(const char *sub, size_t min)
{
	const char *srcdir = getenv("srcdir");
	char path[1024], rel[512];
	struct wf_diag *d;
	struct wf_info info;
	struct dirent *de;
	struct blob b;
	size_t nd, n = 0;
	DIR *dir;
	int sev;

	snprintf(path, sizeof(path), "%s/tests/unit/fixtures/workflows/%s",
	    srcdir ? srcdir : ".", sub);
	dir = opendir(path);
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL) {
		if (strstr(de->d_name, ".yml") == NULL)
			continue;
		snprintf(rel, sizeof(rel), "%s/%s", sub, de->d_name);
		b = load(rel);
		sev = wfval_check(b.data, b.len, rel, &d, &nd, &info);
		free(b.data);
		if (sev != WF_SEV_NONE || nd != 0) {
			print_message("%s is valid but got:\n", rel);
			print_diags(d, nd);
			fail();
		}
		/* Every valid fixture has at least one job with an id. */
		assert_true(info.njobs >= 1);
		assert_non_null(info.jobs[0].id);
		assert_true(info.nevents >= 1);
		wfval_info_free(&info);
		wfval_diags_free(d, nd);
		n++;
	}
	closedir(dir);
	assert_true(n >= min);
}

static void
test_valid_fixtures(void **state)
{
	(void)state;
	check_clean_dir("valid", 25);
	check_clean_dir("github-only", 3);
}

/*
 * corpus/: files written to cover what real repositories use. Every valid
 * one is clean; every invalid one has exactly the error its EXPECT line
 * names (rule and line:col).
 */
static void
test_corpus_valid(void **state)
{
	(void)state;
	check_clean_dir("corpus/valid", 70);
}

static int
expect_listed(const char *name, char (*files)[128], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(files[i], name) == 0)
			return 1;
	return 0;
}

static void
test_corpus_invalid(void **state)
{
	const char *srcdir = getenv("srcdir");
	static char files[128][128];
	char path[1024], line[512], rule[64], rel[256];
	struct wf_diag *d;
	struct dirent *de;
	struct blob b;
	unsigned ln, col;
	size_t n = 0, nd;
	int bad = 0, sev;
	FILE *f;
	DIR *dir;

	(void)state;
	snprintf(path, sizeof(path),
	    "%s/tests/unit/fixtures/workflows/corpus/invalid/EXPECT",
	    srcdir ? srcdir : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_true(n < 128);
		assert_int_equal(sscanf(line, "%127s %u %u %63s", files[n], &ln,
		                     &col, rule),
		    4);
		snprintf(rel, sizeof(rel), "corpus/invalid/%s", files[n]);
		b = load(rel);
		sev = wfval_check(b.data, b.len, files[n], &d, &nd, NULL);
		free(b.data);
		if (sev != WF_SEV_ERROR || nd != 1 || d[0].line != ln ||
		    d[0].col != col || strcmp(d[0].rule, rule) != 0 ||
		    d[0].severity != WF_SEV_ERROR) {
			print_message("%s: want %u:%u [%s] (error), got %zu:\n",
			    files[n], ln, col, rule, nd);
			print_diags(d, nd);
			bad++;
		}
		wfval_diags_free(d, nd);
		n++;
	}
	fclose(f);
	assert_int_equal(bad, 0);
	assert_true(n >= 30);
	/* Every invalid file has its line in EXPECT. */
	snprintf(path, sizeof(path),
	    "%s/tests/unit/fixtures/workflows/corpus/invalid",
	    srcdir ? srcdir : ".");
	dir = opendir(path);
	assert_non_null(dir);
	while ((de = readdir(dir)) != NULL)
		if (strstr(de->d_name, ".yml") != NULL &&
		    !expect_listed(de->d_name, files, n))
			fail_msg("corpus/invalid/%s is not in EXPECT",
			    de->d_name);
	closedir(dir);
}

/*
 * Context availability: a context outside a key's set is refused at its
 * name (case-insensitive, as GitHub reads names), the message names the
 * key and what it allows; an alias reachable from two keys gets both sets.
 */
static void
test_context_availability(void **state)
{
	static const char alias[] =
	    "on: push\n"
	    "jobs:\n"
	    "  a:\n"
	    "    runs-on: ubuntu-latest\n"
	    "    env:\n"
	    "      X: &x ${{ secrets.T }}-${{ runner.os }}\n"
	    "    steps:\n"
	    "      - run: echo\n"
	    "        env:\n"
	    "          Y: *x\n";
	static const char matrix_if[] = "on: push\n"
	                                "jobs:\n"
	                                "  a:\n"
	                                "    if: ${{ MATRIX.os }}\n"
	                                "    runs-on: ubuntu-latest\n"
	                                "    steps:\n"
	                                "      - run: echo\n";
	unsigned jobif = gh_ctx_allowed("jobs.<job_id>.if");
	struct wfexpr_err e;
	struct wf_diag *d;
	size_t nd;

	(void)state;
	{
		assert_int_equal(
		    jobif, GH_C_GITHUB | GH_C_NEEDS | GH_C_VARS | GH_C_INPUTS);
		assert_int_equal(gh_ctx_allowed("jobs.<job_id>.steps.uses"), 0);
		const char *ok = "needs.a.result == 'success' && github.ref";
		const char *bad = "always() || Steps.x.outcome";

		assert_int_equal(wfexpr_check_at(ok, strlen(ok), jobif,
		                     "jobs.<job_id>.if", &e),
		    0);
		assert_int_equal(wfexpr_check_at(bad, strlen(bad), jobif,
		                     "jobs.<job_id>.if", &e),
		    -1);
		assert_int_equal(e.off, 12);
		assert_non_null(strstr(e.msg, "\"Steps\" is not available in "
		                              "jobs.<job_id>.if"));
		assert_non_null(
		    strstr(e.msg, "use only github, vars, needs, inputs"));
	}
	/* Without a key, every context is fine. */
	assert_int_equal(wfexpr_check("steps.x.outcome", 15, &e), 0);
	assert_int_equal(wfval_check(matrix_if, sizeof(matrix_if) - 1, "m.yml",
	                     &d, &nd, NULL),
	    WF_SEV_ERROR);
	assert_int_equal(nd, 1);
	assert_int_equal(d[0].line, 4);
	assert_int_equal(d[0].col, 13);
	wfval_diags_free(d, nd);
	/* runner is refused in a job's env, even though the step's env that
	 * aliases the same node allows it: both sets apply (no false alarm
	 * for the step), so nothing is reported. */
	assert_int_equal(
	    wfval_check(alias, sizeof(alias) - 1, "a.yml", &d, &nd, NULL),
	    WF_SEV_NONE);
	wfval_diags_free(d, nd);
}

/* wfexpr alone: what GitHub accepts, and where the first error is. */
static void
test_expression_syntax(void **state)
{
	static const struct {
		const char *e;
		int off; /* -1: valid */
	} t[] = {
	    {"github.ref == 'refs/heads/main'", -1},
	    {"!(a)", 2},
	    {"NaN != Infinity && -Infinity < 0o17", -1},
	    {".5 == 0.5 && 1E3 > 2e-2", -1},
	    {"github.event.commits[*].message", -1},
	    {"fromJSON(x).a", 9},
	    {"fromJSON('[1]')[0]", -1},
	    {"ToJson(Github) && SUCCESS()", -1},
	    {"steps.my-step.outputs.out-1", -1},
	    {"matrix.0.a", -1},
	    {"format('{0}', 1, 2, 3, 4)", -1},
	    {"case(true, 1, false, 2, 3)", -1},
	    {"case(true, 1, false, 2)", 0},
	    {"join()", 0},
	    {"always(1)", 0},
	    {"github.ref == \"x\"", 14},
	    {"github ref", 7},
	    {"(github", 0},
	    {"github.ref ==", 13},
	    {"github.", 7},
	    {"a", 0},
	    {"'it''s'", -1},
	    {"'open", 0},
	};
	char deep[300];
	struct wfexpr_err e;
	size_t i;
	int r, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = wfexpr_check(t[i].e, strlen(t[i].e), &e);
		if ((t[i].off < 0) != (r == 0) ||
		    (t[i].off >= 0 && e.off != (size_t)t[i].off)) {
			print_message("'%s': want %d, got %d at %zu: %s\n",
			    t[i].e, t[i].off, r, e.off, e.msg);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* Nesting is bounded: no stack to exhaust. */
	memset(deep, '(', sizeof(deep));
	assert_int_equal(wfexpr_check(deep, sizeof(deep), &e), -1);
	assert_non_null(strstr(e.msg, "nested"));
	memset(deep, '!', sizeof(deep));
	assert_int_equal(wfexpr_check(deep, sizeof(deep), &e), -1);
}

static const char multi_job[] =
    "name: Multi\n"
    "on:\n"
    "  push:\n"
    "    branches: [main]\n"
    "  schedule:\n"
    "    - cron: '0 3 * * *'\n"
    "env:\n"
    "  GLOBAL: \"1\"\n"
    "defaults:\n"
    "  run:\n"
    "    shell: bash\n"
    "    working-directory: repo\n"
    "jobs:\n"
    "  build:\n"
    "    name: Build it\n"
    "    runs-on: [self-hosted, linux]\n"
    "    env:\n"
    "      MODE: release\n"
    "      EMPTY:\n"
    "    defaults:\n"
    "      run:\n"
    "        working-directory: src\n"
    "    timeout-minutes: 15\n"
    "    steps:\n"
    "      - id: compile\n"
    "        name: Compile\n"
    "        run: |\n"
    "          make\n"
    "          make install\n"
    "        shell: sh\n"
    "        env:\n"
    "          CC: gcc\n"
    "        working-directory: build\n"
    "        if: success()\n"
    "        continue-on-error: true\n"
    "        timeout-minutes: 2.5\n"
    "      - uses: actions/checkout@v4\n"
    "  test:\n"
    "    needs: build\n"
    "    if: github.ref == 'refs/heads/main'\n"
    "    runs-on: ubuntu-latest\n"
    "    continue-on-error: ${{ matrix.experimental }}\n"
    "    timeout-minutes: ${{ 3 }}\n"
    "    defaults:\n"
    "      run:\n"
    "        shell: pwsh\n"
    "    steps:\n"
    "      - run: make test\n"
    "  deploy:\n"
    "    needs: [build, test]\n"
    "    uses: ./.github/workflows/deploy.yml\n"
    "    with:\n"
    "      target: prod\n"
    "  group:\n"
    "    runs-on:\n"
    "      group: big\n"
    "      labels: gpu\n"
    "    steps:\n"
    "      - run: nvidia-smi\n"
    "  dyn:\n"
    "    runs-on: ${{ matrix.os }}\n"
    "    steps:\n"
    "      - run: echo\n";

static void
test_info_multi_job(void **state)
{
	struct wf_info in;
	const struct wf_job *j;
	const struct wf_step *s;
	struct wf_diag *d;
	size_t nd;
	int sev;

	(void)state;
	sev = wfval_check(
	    multi_job, sizeof(multi_job) - 1, "multi.yml", &d, &nd, &in);
	print_diags(d, nd);
	assert_int_equal(sev, WF_SEV_NONE);
	assert_int_equal(nd, 0);
	wfval_diags_free(d, nd);

	assert_string_equal(in.name, "Multi");
	assert_int_equal(in.nevents, 2);
	assert_string_equal(in.events[0], "push");
	assert_string_equal(in.events[1], "schedule");
	assert_int_equal(in.ncrons, 1);
	assert_string_equal(in.crons[0], "0 3 * * *");
	assert_int_equal(in.nenv, 1);
	assert_string_equal(in.env[0].key, "GLOBAL");
	assert_string_equal(in.env[0].value, "1");
	assert_string_equal(in.shell, "bash");
	assert_string_equal(in.working_directory, "repo");
	assert_int_equal(in.njobs, 5);

	j = &in.jobs[0];
	assert_string_equal(j->id, "build");
	assert_int_equal(j->line, 14);
	assert_string_equal(j->name, "Build it");
	assert_int_equal(j->nruns_on, 2);
	assert_string_equal(j->runs_on[0], "self-hosted");
	assert_string_equal(j->runs_on[1], "linux");
	assert_null(j->runs_on_group);
	assert_null(j->runs_on_expr);
	assert_int_equal(j->nneeds, 0);
	assert_null(j->if_cond);
	assert_null(j->uses);
	assert_int_equal(j->nenv, 2);
	assert_string_equal(j->env[0].key, "MODE");
	assert_string_equal(j->env[0].value, "release");
	assert_string_equal(j->env[1].key, "EMPTY");
	assert_string_equal(j->env[1].value, "");
	assert_null(j->shell);
	assert_string_equal(j->working_directory, "src");
	assert_string_equal(j->timeout_minutes, "15");
	assert_true(j->timeout == 15.0);
	assert_null(j->continue_on_error);
	assert_int_equal(j->nsteps, 2);

	s = &j->steps[0];
	assert_int_equal(s->line, 25);
	assert_string_equal(s->id, "compile");
	assert_string_equal(s->name, "Compile");
	assert_string_equal(s->run, "make\nmake install\n");
	assert_null(s->uses);
	assert_string_equal(s->shell, "sh");
	assert_string_equal(s->working_directory, "build");
	assert_string_equal(s->if_cond, "success()");
	assert_string_equal(s->continue_on_error, "true");
	assert_string_equal(s->timeout_minutes, "2.5");
	assert_true(s->timeout == 2.5);
	assert_int_equal(s->nenv, 1);
	assert_string_equal(s->env[0].key, "CC");
	assert_string_equal(s->env[0].value, "gcc");
	s = &j->steps[1];
	assert_null(s->run);
	assert_string_equal(s->uses, "actions/checkout@v4");
	assert_null(s->timeout_minutes);
	assert_true(s->timeout < 0);

	j = &in.jobs[1];
	assert_string_equal(j->id, "test");
	assert_int_equal(j->nneeds, 1);
	assert_string_equal(j->needs[0], "build");
	assert_string_equal(j->if_cond, "github.ref == 'refs/heads/main'");
	assert_string_equal(j->continue_on_error, "${{ matrix.experimental }}");
	assert_string_equal(j->timeout_minutes, "${{ 3 }}");
	assert_true(j->timeout < 0);
	assert_string_equal(j->shell, "pwsh");
	assert_null(j->working_directory);
	assert_int_equal(j->nsteps, 1);
	assert_string_equal(j->steps[0].run, "make test");

	j = &in.jobs[2];
	assert_string_equal(j->id, "deploy");
	assert_int_equal(j->nneeds, 2);
	assert_string_equal(j->needs[0], "build");
	assert_string_equal(j->needs[1], "test");
	assert_string_equal(j->uses, "./.github/workflows/deploy.yml");
	assert_int_equal(j->nsteps, 0);
	assert_int_equal(j->nruns_on, 0);

	j = &in.jobs[3];
	assert_string_equal(j->runs_on_group, "big");
	assert_int_equal(j->nruns_on, 1);
	assert_string_equal(j->runs_on[0], "gpu");

	j = &in.jobs[4];
	assert_string_equal(j->runs_on_expr, "${{ matrix.os }}");
	assert_int_equal(j->nruns_on, 0);

	wfval_info_free(&in);
	assert_null(in.jobs);
}

/* Aliases resolve to the anchored node, in info as in checks. */
static void
test_info_anchors(void **state)
{
	struct wf_info in;
	struct blob b;
	int sev;

	(void)state;
	b = load("github-only/g01-anchors.yml");
	sev = wfval_check(b.data, b.len, "g01", NULL, NULL, &in);
	free(b.data);
	assert_int_equal(sev, WF_SEV_NONE);
	assert_int_equal(in.njobs, 2);
	assert_int_equal(in.jobs[1].nenv, 2);
	assert_string_equal(in.jobs[1].env[0].key, "NODE_ENV");
	assert_string_equal(in.jobs[1].env[1].value, "info");
	assert_int_equal(in.jobs[1].nruns_on, 1);
	assert_string_equal(in.jobs[1].runs_on[0], "ubuntu-latest");
	assert_int_equal(in.jobs[1].nsteps, 2);
	assert_string_equal(in.jobs[1].steps[0].uses, "actions/checkout@v4");
	wfval_info_free(&in);
}

static int
check_text(const char *text, struct wf_diag **d, size_t *nd)
{
	return wfval_check(text, strlen(text), "t.yml", d, nd, NULL);
}

static const char ok_head[] = "on: push\n"
                              "jobs:\n"
                              "  a:\n"
                              "    runs-on: ubuntu-latest\n";

/* A billion-laughs file must stop at the node budget, quickly. */
static void
test_alias_bomb(void **state)
{
	char buf[4096];
	struct wf_diag *d;
	size_t nd, o;
	int i, sev;

	(void)state;
	o = (size_t)snprintf(buf, sizeof(buf),
	    "a0: &a0 [x, x, x, x, x, x, "
	    "x, x, x, x]\n");
	for (i = 1; i < 30; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o,
		    "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
		    "*a%d, *a%d, *a%d]\n",
		    i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
		    i - 1, i - 1, i - 1);
	sev = check_text(buf, &d, &nd);
	assert_int_equal(sev, WF_SEV_ERROR);
	assert_true(nd >= 1);
	assert_non_null(strstr(d[nd - 1].message, "alias bomb"));
	wfval_diags_free(d, nd);
}

static void
test_recursive_alias(void **state)
{
	struct wf_diag *d;
	size_t nd, i;

	(void)state;
	assert_int_equal(check_text("on: push\n"
	                            "jobs: &j\n"
	                            "  a:\n"
	                            "    b: *j\n",
	                     &d, &nd),
	    WF_SEV_ERROR);
	for (i = 0; i < nd && strstr(d[i].message, "recursion") == NULL; i++)
		;
	assert_true(i < nd);
	assert_int_equal(d[i].line, 4);
	assert_int_equal(d[i].col, 8);
	assert_string_equal(d[i].rule, "syntax-check");
	wfval_diags_free(d, nd);
}

/* GitHub supports anchors but not merge keys: "<<" is a plain key. */
static void
test_merge_key_is_plain(void **state)
{
	char buf[512];
	struct wf_diag *d;
	size_t nd;

	(void)state;
	snprintf(buf, sizeof(buf),
	    "%s"
	    "    env: &e\n"
	    "      A: b\n"
	    "    steps:\n"
	    "      - run: echo\n"
	    "        env:\n"
	    "          <<: *e\n",
	    ok_head);
	assert_int_equal(check_text(buf, &d, &nd), WF_SEV_ERROR);
	assert_int_equal(nd, 1);
	assert_int_equal(d[0].line, 5);
	assert_non_null(strstr(d[0].message, "env var \"<<\""));
	wfval_diags_free(d, nd);
}

static void
test_dispatch_number_and_quiet_mode(void **state)
{
	static const char text[] = "on:\n"
	                           "  workflow_dispatch:\n"
	                           "    inputs:\n"
	                           "      n: {type: number, default: 3}\n"
	                           "jobs:\n"
	                           "  a:\n"
	                           "    runs-on: ubuntu-latest\n"
	                           "    steps: [{run: echo}]\n";
	static const char lint[] =
	    "on: push\nnope: 1\n"
	    "jobs: {a: {runs-on: x, steps: [{run: y}]}}\n";

	(void)state;
	/* diags and info are optional. */
	assert_int_equal(
	    wfval_check(text, sizeof(text) - 1, NULL, NULL, NULL, NULL),
	    WF_SEV_NONE);
	assert_int_equal(
	    wfval_check(lint, strlen(lint), NULL, NULL, NULL, NULL),
	    WF_SEV_LINT);
	assert_int_equal(
	    wfval_check(NULL, 0, NULL, NULL, NULL, NULL), WF_SEV_ERROR);
}

static void
test_format(void **state)
{
	struct wf_diag *d;
	char out[512], tiny[8];
	size_t nd;
	int n;

	(void)state;
	assert_int_equal(check_text("on: push\njobs:\n  x:\n    runs-on: a\n"
	                            "    steps:\n      - run: b\n    foo: 1\n",
	                     &d, &nd),
	    WF_SEV_LINT);
	assert_int_equal(nd, 1);
	n = wfval_format(out, sizeof(out), &d[0]);
	assert_int_equal((size_t)n, strlen(out));
	assert_true(strncmp(out,
	                "t.yml:7:5: unexpected key \"foo\" for "
	                "\"job\" section",
	                41) == 0);
	assert_non_null(strstr(out, " [syntax-check]"));
	assert_int_equal(out[n - 1], ']');
	assert_int_equal(wfval_format(tiny, sizeof(tiny), &d[0]), n);
	assert_string_equal(tiny, "t.yml:7");
	/* Unknown keys are lint: GitHub adds keys faster than any table. */
	assert_string_equal(wfval_severity_name(d[0].severity), "lint");
	assert_string_equal(wfval_severity_name(WF_SEV_LINT), "lint");
	wfval_diags_free(d, nd);
}

static void
test_invalid_utf8(void **state)
{
	static const char text[] = "on: push\njobs:\n  a\xff: x\n";
	struct wf_diag *d;
	size_t nd;

	(void)state;
	assert_int_equal(
	    wfval_check(text, sizeof(text) - 1, "u", &d, &nd, NULL),
	    WF_SEV_ERROR);
	assert_int_equal(nd, 1);
	assert_int_equal(d[0].line, 3);
	assert_int_equal(d[0].col, 4);
	assert_string_equal(d[0].rule, "syntax-check");
	wfval_diags_free(d, nd);
}

/* Positions of an unclosed ${{ in the scalar shapes we can map. */
static void
test_expression_positions(void **state)
{
	static const struct {
		const char *step;
		unsigned line, col;
	} t[] = {
	    {"      - run: 'x ${{ a'\n", 6, 17},
	    {"      - run: \"x ${{ a\"\n", 6, 17},
	    {"      - run: 'it''s ${{ a'\n", 6, 14},      /* escape: start */
	    {"      - run: \"\\t ${{ a\"\n", 6, 14},      /* escape: start */
	    {"      - run: x\n          ${{ a\n", 6, 14}, /* folded plain */
	    {"      - run: >\n          ${{ a\n", 6, 14}, /* folded block */
	    {"      - run: |\n          x\n\n            ${{ a\n", 9, 13},
	    {"      - run: \"é ${{ a\"\n", 6, 17}, /* columns in chars */
	    {"      - run: ${{ 'a }}' \n", 6, 14}, /* }} inside a string */
	};
	char buf[512];
	struct wf_diag *d;
	size_t i, nd;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(
		    buf, sizeof(buf), "%s    steps:\n%s", ok_head, t[i].step);
		assert_int_equal(check_text(buf, &d, &nd), WF_SEV_ERROR);
		if (nd != 1 || d[0].line != t[i].line || d[0].col != t[i].col ||
		    strcmp(d[0].rule, "expression") != 0) {
			print_message(
			    "case %zu: want %u:%u\n", i, t[i].line, t[i].col);
			print_diags(d, nd);
			fail();
		}
		wfval_diags_free(d, nd);
	}
}

/* Text GitHub never evaluates keeps its ${{ }} unparsed; the rest is. */
static void
test_expression_unevaluated(void **state)
{
	static const char text[] =
	    "name: Build ${{ \"x\" }}\n"
	    "on:\n"
	    "  workflow_dispatch:\n"
	    "    inputs:\n"
	    "      a:\n"
	    "        description: \"use ${{ foo( }}\"\n"
	    "  workflow_call:\n"
	    "    outputs:\n"
	    "      o:\n"
	    "        value: ${{ jobs.a.outputs.x == \"y\" }}\n"
	    "jobs:\n"
	    "  a:\n"
	    "    runs-on: x\n"
	    "    steps: [{run: y}]\n";
	struct wf_diag *d;
	size_t nd;

	(void)state;
	assert_int_equal(check_text(text, &d, &nd), WF_SEV_ERROR);
	if (nd != 1 || d[0].line != 10 || d[0].col != 40) {
		print_diags(d, nd);
		fail();
	}
	wfval_diags_free(d, nd);
}

static void
test_cron(void **state)
{
	static const struct {
		const char *cron;
		int ok;
	} t[] = {
	    {"0 0 * * *", 1},
	    {"59 23 31 12 6", 1},
	    {"*/5 1-3,7 1/2 jan-MAR Sun-sat", 1},
	    {"0 0 * DEC SAT", 1},
	    {"  0   0 * * *  ", 1},
	    {"60 0 * * *", 0},
	    {"0 0 0 * *", 0},
	    {"0 0 32 * *", 0},
	    {"0 0 * 0 *", 0},
	    {"0 0 * 13 *", 0},
	    {"0 0 * * 7", 0},
	    {"0 0 * * FUN", 0},
	    {"0 0 * * MON,", 0},
	    {"0 0 * * 3-1", 0},
	    {"*/0 * * * *", 0},
	    {"*/ * * * *", 0},
	    {"- * * * *", 0},
	    {"0 0 * * * *", 0},
	    {"", 0},
	    {"0 0 ? * *", 0},
	    {"99999999999999999999 * * * *", 0},
	};
	char buf[512];
	struct wf_diag *d;
	size_t i, nd;
	int sev;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf),
		    "on:\n  schedule:\n    - cron: '%s'\njobs:\n  a:\n"
		    "    runs-on: x\n    steps: [{run: y}]\n",
		    t[i].cron);
		sev = check_text(buf, &d, &nd);
		if (sev != (t[i].ok ? WF_SEV_NONE : WF_SEV_ERROR) ||
		    nd != (t[i].ok ? 0u : 1u)) {
			print_message("cron '%s': sev %d\n", t[i].cron, sev);
			print_diags(d, nd);
			fail();
		}
		if (!t[i].ok) {
			assert_string_equal(d[0].rule, "events");
			assert_int_equal(d[0].line, 3);
			assert_int_equal(d[0].col, 13);
		}
		wfval_diags_free(d, nd);
	}
}

static void
test_misc_rules(void **state)
{
	static const struct {
		const char *text;
		int sev;
		const char *rule;
		unsigned line, col;
		const char *needle;
	} t[] = {
	    /* Extra documents: lint only. */
	    {"on: push\njobs: {a: {runs-on: x, steps: [{run: y}]}}\n"
	     "---\nfoo: 1\n",
	        WF_SEV_LINT, "syntax-check", 3, 1, "first YAML document"},
	    {"on: push\njobs: {a: {runs-on: x, steps: [{run: y}]}}\n"
	     "x: *nope\n",
	        WF_SEV_ERROR, "syntax-check", 3, 1, "unexpected key"},
	    {"on: push\njobs:\n  a:\n    runs-on: x\n    with: {a: b}\n"
	     "    steps: [{run: y}]\n",
	        WF_SEV_ERROR, "syntax-check", 5, 5, "only for a job"},
	    {"on: push\njobs:\n  a:\n    runs-on: x\n"
	     "    steps: [{uses: a/b@v1, shell: bash}]\n",
	        WF_SEV_ERROR, "syntax-check", 5, 28, "\"shell\""},
	    {"on: push\njobs:\n  a:\n    runs-on: x\n"
	     "    steps: [{run: y, with: {a: b}}]\n",
	        WF_SEV_ERROR, "syntax-check", 5, 28, "with"},
	    {"on: push\njobs:\n  a:\n    runs-on: []\n"
	     "    steps: [{run: y}]\n",
	        WF_SEV_ERROR, "syntax-check", 4, 14, "runner label"},
	    {"on: push\njobs:\n  a:\n    runs-on: x\n"
	     "    strategy: {matrix: {}}\n    steps: [{run: y}]\n",
	        WF_SEV_ERROR, "matrix", 5, 24, "non-empty"},
	    {"on: push\njobs:\n  a:\n    runs-on: x\n"
	     "    strategy: {matrix: {os: []}}\n    steps: [{run: y}]\n",
	        WF_SEV_ERROR, "matrix", 5, 29, "empty sequence"},
	    {"on: push\njobs:\n  a:\n    runs-on: x\n"
	     "    strategy: {matrix: {include: [1]}}\n"
	     "    steps: [{run: y}]\n",
	        WF_SEV_ERROR, "matrix", 5, 35, "element of \"include\""},
	    {"on: {workflow_call: {inputs: {x: {required: true}}}}\n"
	     "jobs: {a: {runs-on: x, steps: [{run: y}]}}\n",
	        WF_SEV_ERROR, "syntax-check", 1, 31, "\"type\" is missing"},
	    {"on: {push: main}\njobs: {a: {runs-on: x, steps: [{run: y}]}}\n",
	        WF_SEV_ERROR, "syntax-check", 1, 12, "must be a mapping"},
	    {"on: {push: {branch: [main]}}\n"
	     "jobs: {a: {runs-on: x, steps: [{run: y}]}}\n",
	        WF_SEV_LINT, "syntax-check", 1, 13, "unexpected key"},
	    {"on: push\njobs: {a: {runs-on: x, steps: [{run: y}]}}\n"
	     "? [complex]\n: key\n",
	        WF_SEV_ERROR, "syntax-check", 3, 3, "must be a string"},
	    {"on: push\njobs: {a: {runs-on: x, needs: [b, B], "
	     "steps: [{run: y}]}, b: {runs-on: x, steps: [{run: y}]}}\n",
	        WF_SEV_ERROR, "job-needs", 2, 35, "listed twice"},
	    {"on: push\njobs: {a: {runs-on: x, continue-on-error: maybe, "
	     "steps: [{run: y}]}}\n",
	        WF_SEV_ERROR, "syntax-check", 2, 43, "true, false"},
	};
	struct wf_diag *d;
	size_t i, nd;
	int sev, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sev = check_text(t[i].text, &d, &nd);
		if (sev != t[i].sev || nd < 1 || d[0].line != t[i].line ||
		    d[0].col != t[i].col || strcmp(d[0].rule, t[i].rule) != 0 ||
		    strstr(d[0].message, t[i].needle) == NULL) {
			print_message("case %zu: want %u:%u [%s] '%s'\n", i,
			    t[i].line, t[i].col, t[i].rule, t[i].needle);
			print_diags(d, nd);
			bad++;
		}
		wfval_diags_free(d, nd);
	}
	assert_int_equal(bad, 0);
}

/* A long needs chain and a big cycle: no recursion, message is capped. */
static void
test_needs_big_cycle(void **state)
{
	size_t cap = 1 << 20, o = 0, i, nd;
	struct wf_diag *d;
	char *buf;
	const int n = 5000;

	(void)state;
	buf = malloc(cap);
	assert_non_null(buf);
	o += (size_t)snprintf(buf + o, cap - o, "on: push\njobs:\n");
	for (i = 0; i < (size_t)n; i++)
		o += (size_t)snprintf(buf + o, cap - o,
		    "  j%zu: {runs-on: x, needs: j%zu, steps: [{run: y}]}\n", i,
		    (i + 1) % n);
	assert_true(o < cap);
	assert_int_equal(wfval_check(buf, o, "c", &d, &nd, NULL), WF_SEV_ERROR);
	assert_int_equal(nd, 1);
	assert_string_equal(d[0].rule, "job-needs");
	assert_non_null(strstr(d[0].message, "\"j0\" -> \"j1\" -> "));
	assert_non_null(strstr(d[0].message, "-> ..."));
	assert_true(strlen(d[0].message) < 2000);
	wfval_diags_free(d, nd);
	/* Break the cycle: a 5000-long chain is fine. */
	o = (size_t)snprintf(buf, cap, "on: push\njobs:\n");
	for (i = 0; i < (size_t)n; i++)
		o += (size_t)snprintf(buf + o, cap - o,
		    "  j%zu: {runs-on: x, %s%zu, steps: [{run: y}]}\n", i,
		    i == 0 ? "name: j" : "needs: j", i == 0 ? i : i - 1);
	assert_int_equal(wfval_check(buf, o, "c", &d, &nd, NULL), WF_SEV_NONE);
	wfval_diags_free(d, nd);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_invalid_fixtures),
	    cmocka_unit_test(test_invalid_table_complete),
	    cmocka_unit_test(test_valid_fixtures),
	    cmocka_unit_test(test_corpus_valid),
	    cmocka_unit_test(test_corpus_invalid),
	    cmocka_unit_test(test_context_availability),
	    cmocka_unit_test(test_expression_syntax),
	    cmocka_unit_test(test_expression_unevaluated),
	    cmocka_unit_test(test_info_multi_job),
	    cmocka_unit_test(test_info_anchors),
	    cmocka_unit_test(test_alias_bomb),
	    cmocka_unit_test(test_recursive_alias),
	    cmocka_unit_test(test_merge_key_is_plain),
	    cmocka_unit_test(test_dispatch_number_and_quiet_mode),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_expression_positions),
	    cmocka_unit_test(test_cron),
	    cmocka_unit_test(test_misc_rules),
	    cmocka_unit_test(test_needs_big_cycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
