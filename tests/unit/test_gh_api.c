/*
 * test_gh_api.c: parsers of GitHub's documented REST and Statuspage shapes
 * (the fixtures the fake API serves), the per-workflow health decision and
 * the rate-limit pacing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/github_actions/api.h"

#define NOW 1795900000 /* 2026-11-28T21:06:40Z */

static char *
fixture(const char *name)
{
	const char *srcdir = getenv("srcdir");
	char path[1024];
	FILE *f;
	long n;
	char *b;

	snprintf(path, sizeof(path), "%s/tests/integration/fixtures/github/%s",
	    srcdir ? srcdir : ".", name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (set srcdir)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	b[n] = '\0';
	fclose(f);
	return b;
}

static void
test_parse_workflows(void **state)
{
	struct gh_wf *v;
	size_t n;
	char err[128], *body = fixture("workflows_disabled.json");

	(void)state;
	assert_int_equal(
	    api_parse_workflows(body, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(v[0].id, 161335);
	assert_string_equal(v[0].file, "ci.yml");
	assert_string_equal(v[0].path, ".github/workflows/ci.yml");
	assert_string_equal(v[0].state, "active");
	assert_string_equal(v[1].state, "disabled_inactivity");
	assert_string_equal(v[2].state, "disabled_manually");
	assert_string_equal(v[3].state, "deleted");
	api_wfs_free(v, n);
	free(body);
	assert_int_equal(
	    api_parse_workflows("[]", &v, &n, err, sizeof(err)), -1);
	assert_int_equal(
	    api_parse_workflows("{\"x\":1}", &v, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "workflows"));
	assert_int_equal(
	    api_parse_workflows(NULL, &v, &n, err, sizeof(err)), -1);
}

static void
test_parse_runs(void **state)
{
	struct gh_run *v;
	size_t n;
	char err[128], *body = fixture("runs_failed.json");

	(void)state;
	assert_int_equal(api_parse_runs(body, &v, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].id, 30433642);
	assert_int_equal(v[0].workflow_id, 161335);
	assert_string_equal(v[0].status, "completed");
	assert_string_equal(v[0].conclusion, "failure");
	assert_int_equal(v[0].run_number, 562);
	assert_int_equal(v[0].run_attempt, 1);
	assert_int_equal(v[0].created, 1795860000); /* 2026-11-28T10:00:00Z */
	assert_int_equal(v[0].updated - v[0].started, 250);
	api_runs_free(v, n);
	free(body);
	body = fixture("runs_rerunning.json");
	assert_int_equal(api_parse_runs(body, &v, &n, err, sizeof(err)), 0);
	assert_null(v[0].conclusion); /* JSON null */
	api_runs_free(v, n);
	free(body);
}

static void
test_parse_status_and_repo(void **state)
{
	char st[64], desc[128], br[64], *body;

	(void)state;
	body = fixture("summary.json");
	assert_int_equal(
	    api_parse_status(body, st, sizeof(st), desc, sizeof(desc)), 0);
	assert_string_equal(st, "operational");
	assert_string_equal(desc, "All Systems Operational");
	assert_false(api_status_down(st));
	free(body);
	body = fixture("summary_outage.json");
	assert_int_equal(
	    api_parse_status(body, st, sizeof(st), desc, sizeof(desc)), 0);
	assert_string_equal(st, "major_outage");
	assert_true(api_status_down(st));
	free(body);
	/* status.json has only the page indicator. */
	assert_int_equal(
	    api_parse_status("{\"status\":{\"indicator\":\"minor\","
	                     "\"description\":\"Minor\"}}",
	        st, sizeof(st), desc, sizeof(desc)),
	    0);
	assert_string_equal(st, "minor");
	assert_true(api_status_degraded(st));
	assert_int_equal(
	    api_parse_status("<html>", st, sizeof(st), desc, sizeof(desc)), -1);
	body = fixture("repo.json");
	assert_int_equal(api_parse_repo(body, br, sizeof(br)), 0);
	assert_string_equal(br, "main");
	free(body);
	assert_int_equal(api_parse_repo("{}", br, sizeof(br)), -1);
}

static void
test_time_and_repo_names(void **state)
{
	(void)state;
	assert_int_equal(api_time("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(api_time("2026-11-28T10:00:00Z"), 1795860000);
	assert_int_equal(api_time("2026-11-28T10:00:00.123Z"), 1795860000);
	assert_int_equal(api_time("yesterday"), 0);
	assert_int_equal(api_time(NULL), 0);
	assert_true(api_repo_ok("octo/app"));
	assert_true(api_repo_ok("my-org/my.repo_1"));
	assert_false(api_repo_ok("octo"));
	assert_false(api_repo_ok("/app"));
	assert_false(api_repo_ok("a/b/c"));
	assert_false(api_repo_ok("a/b?x"));
}

static const struct api_policy pol = {1, 1, 2, 1800};

static void
decide_runs(const char *file, const char *state, long reruns, int ours,
    struct api_decision *d)
{
	struct gh_wf w = {161335, (char *)"CI",
	    (char *)".github/workflows/ci.yml", (char *)"ci.yml",
	    (char *)state};
	const struct gh_run *mine[8];
	struct gh_run *v;
	size_t n, i, k = 0;
	char err[128], *body = fixture(file);

	assert_int_equal(api_parse_runs(body, &v, &n, err, sizeof(err)), 0);
	for (i = 0; i < n && k < 8; i++)
		if (v[i].workflow_id == w.id)
			mine[k++] = &v[i];
	api_decide(&w, mine, k, &pol, NOW, reruns, ours, d);
	api_runs_free(v, n);
	free(body);
}

static void
test_decide(void **state)
{
	struct api_decision d;
	struct api_policy off = pol;

	(void)state;
	decide_runs("runs_ok.json", "active", 0, 0, &d);
	assert_int_equal(d.state, 0);
	assert_int_equal(d.action, API_NONE);
	assert_true(d.failures == 1.0); /* the older run #561 */
	assert_true(d.runs == 2.0);
	assert_true(d.last_duration == 250.0);
	assert_non_null(strstr(d.msg, "#562 success"));

	decide_runs("runs_failed.json", "active", 0, 0, &d);
	assert_int_equal(d.state, 2);
	assert_int_equal(d.action, API_RERUN_FAILED);
	assert_int_equal(d.id, 30433642);
	/* rerun_max reached: report only. */
	decide_runs("runs_failed.json", "active", 2, 0, &d);
	assert_int_equal(d.state, 1);
	assert_int_equal(d.action, API_NONE);
	/* GitHub's run_attempt counts too (state lost, or re-run by hand). */
	decide_runs("runs_failed_twice.json", "active", 0, 0, &d);
	assert_int_equal(d.action, API_NONE);

	decide_runs("runs_queued.json", "active", 0, 0, &d);
	assert_int_equal(d.state, 2);
	assert_int_equal(d.action, API_CANCEL);
	assert_int_equal(d.id, 30433650);
	assert_true(d.queued_for > 1800);
	decide_runs("runs_queued.json", "active", 2, 0, &d);
	assert_int_equal(d.state, 1); /* re-runs used up: only reported */
	assert_int_equal(d.action, API_NONE);
	off.queued_max = 0;
	{
		struct gh_wf w = {161335, (char *)"CI", (char *)"p",
		    (char *)"ci.yml", (char *)"active"};
		struct gh_run r;
		const struct gh_run *one = &r;

		memset(&r, 0, sizeof(r));
		r.id = 9;
		r.status = (char *)"queued";
		r.created = NOW - 100000;
		api_decide(&w, &one, 1, &off, NOW, 0, 0, &d);
		assert_int_equal(d.state, 0); /* queued_max = 0: never */
	}
	/* Held by GitHub on purpose: never cancelled, however old. */
	{
		static const char *const held[] = {
		    "waiting", "pending", "requested"};
		struct gh_wf w = {161335, (char *)"CI", (char *)"p",
		    (char *)"ci.yml", (char *)"active"};
		struct gh_run r;
		const struct gh_run *one = &r;
		size_t k;

		for (k = 0; k < 3; k++) {
			memset(&r, 0, sizeof(r));
			r.id = 9;
			r.run_number = 7;
			r.status = (char *)held[k];
			r.created = NOW - 100000;
			api_decide(&w, &one, 1, &pol, NOW, 0, 0, &d);
			assert_int_equal(d.action, API_NONE);
			assert_int_equal(d.state, k == 0 ? 1 : 0);
			assert_non_null(strstr(d.msg, "never cancelled"));
		}
		r.status = (char *)"waiting";
		api_decide(&w, &one, 1, &pol, NOW, 0, 0, &d);
		assert_non_null(strstr(d.msg, "waiting for approval"));
	}
	decide_runs("runs_waiting.json", "active", 0, 0, &d);
	assert_int_equal(d.action, API_NONE);
	decide_runs("runs_cancelled.json", "active", 0, 1, &d);
	assert_int_equal(d.action, API_RERUN);
	decide_runs("runs_cancelled.json", "active", 0, 0, &d);
	assert_int_equal(d.state, 0); /* someone else cancelled it */

	decide_runs("runs_ok.json", "disabled_manually", 0, 0, &d);
	assert_int_equal(d.state, 2);
	assert_int_equal(d.action, API_ENABLE);
	assert_int_equal(d.id, 161335);
	off = pol;
	off.enable_manual = 0;
	{
		struct gh_wf w = {7, (char *)"CI", (char *)"p",
		    (char *)"ci.yml", (char *)"disabled_manually"};

		api_decide(&w, NULL, 0, &off, NOW, 0, 0, &d);
		assert_int_equal(d.state, 1);
		assert_int_equal(d.action, API_NONE);
		assert_non_null(strstr(d.msg, "left alone"));
	}
}

static void
test_pause(void **state)
{
	char why[256];
	int hard;

	(void)state;
	/* Plenty of quota: no pause. */
	assert_int_equal(api_pause_until(200, 4990, NOW + 3600, 0, 100, 2, 300,
	                     NOW, &hard, why, sizeof(why)),
	    0);
	/* Secondary limit: Retry-After wins. */
	assert_int_equal(api_pause_until(403, 4000, NOW + 3600, 60, 100, 2, 300,
	                     NOW, &hard, why, sizeof(why)),
	    NOW + 61);
	assert_true(hard);
	assert_non_null(strstr(why, "Retry-After"));
	/* Primary limit used up. */
	assert_int_equal(api_pause_until(403, 0, NOW + 900, 0, 100, 2, 300, NOW,
	                     &hard, why, sizeof(why)),
	    NOW + 900);
	assert_true(hard);
	/* At the reserve: wait for the reset, by choice. */
	assert_int_equal(api_pause_until(200, 50, NOW + 900, 0, 100, 2, 300,
	                     NOW, &hard, why, sizeof(why)),
	    NOW + 900);
	assert_false(hard);
	assert_non_null(strstr(why, "rate_reserve"));
	/* Little quota left: spread it (2 per poll, 10 spare, 1 h to go). */
	assert_int_equal(api_pause_until(200, 110, NOW + 3600, 0, 100, 2, 300,
	                     NOW, &hard, why, sizeof(why)),
	    NOW + 720);
	assert_non_null(strstr(why, "slowing down"));
	/* A 403 without rate headers is no rate limit. */
	assert_int_equal(api_pause_until(403, -1, 0, 0, 100, 2, 300, NOW, &hard,
	                     why, sizeof(why)),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_workflows),
	    cmocka_unit_test(test_parse_runs),
	    cmocka_unit_test(test_parse_status_and_repo),
	    cmocka_unit_test(test_time_and_repo_names),
	    cmocka_unit_test(test_decide),
	    cmocka_unit_test(test_pause),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
