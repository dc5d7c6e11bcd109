/*
 * ghdata.c: GitHub Actions' vocabulary for the workflow validator, in one
 * place so that a change on GitHub's side is one edit here.
 *
 * Checked on 2026-12-03 against GitHub's documentation:
 *   events:
 * https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows
 *   permissions:
 * https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token
 *   contexts, and their availability per workflow key ("Context
 *   availability"):
 * https://docs.github.com/en/actions/reference/workflows-and-actions/contexts
 *   expressions:
 * https://docs.github.com/en/actions/reference/workflows-and-actions/expressions
 *
 * The project_* events are gone from the page (classic projects were
 * retired) but stay here: a workflow that names them is not refused for
 * it. Runner labels are free-form and have no table.
 */
#include <stdio.h>
#include <string.h>

#include "ghdata.h"

const char gh_data_date[] = "2026-12-03";

const char *const gh_events[] = {
    "branch_protection_rule",
    "check_run",
    "check_suite",
    "create",
    "delete",
    "deployment",
    "deployment_status",
    "discussion",
    "discussion_comment",
    "fork",
    "gollum",
    "image_version",
    "issue_comment",
    "issues",
    "label",
    "merge_group",
    "milestone",
    "page_build",
    "project",
    "project_card",
    "project_column",
    "public",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_target",
    "push",
    "registry_package",
    "release",
    "repository_dispatch",
    "schedule",
    "status",
    "watch",
    "workflow_call",
    "workflow_dispatch",
    "workflow_run",
    NULL,
};

const char *const gh_permission_scopes[] = {
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "id-token",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
    NULL,
};

const char *const gh_permission_levels[] = {"read", "write", "none", NULL};

/* permissions: as one scalar. */
const char *const gh_permission_all[] = {"read-all", "write-all", NULL};

const char *const gh_contexts[] = {
    "github",
    "env",
    "vars",
    "job",
    "jobs",
    "steps",
    "runner",
    "secrets",
    "strategy",
    "matrix",
    "needs",
    "inputs",
    NULL,
};

/*
 * The "Context availability" table, key by key. Where GitHub adds a
 * context late in a job's life (steps, runner, job) the key is evaluated
 * on the runner; keys evaluated before the job runs see fewer.
 */
#define GH_C_WF (GH_C_GITHUB | GH_C_INPUTS | GH_C_VARS)
#define GH_C_JOBKEY (GH_C_WF | GH_C_NEEDS | GH_C_STRATEGY | GH_C_MATRIX)
#define GH_C_STEPKEY                                                           \
	(GH_C_JOBKEY | GH_C_ENV | GH_C_JOB | GH_C_RUNNER | GH_C_SECRETS |      \
	    GH_C_STEPS)

const struct gh_ctx_key gh_ctx_keys[] = {
    {"run-name", GH_C_WF},
    {"concurrency", GH_C_WF},
    {"env", GH_C_WF | GH_C_SECRETS},
    {"on.workflow_call.inputs.<inputs_id>.default", GH_C_WF},
    {"on.workflow_call.outputs.<output_id>.value", GH_C_WF | GH_C_JOBS},
    {"jobs.<job_id>.if", GH_C_WF | GH_C_NEEDS},
    {"jobs.<job_id>.strategy", GH_C_WF | GH_C_NEEDS},
    {"jobs.<job_id>.concurrency", GH_C_JOBKEY},
    {"jobs.<job_id>.container", GH_C_JOBKEY},
    {"jobs.<job_id>.container.credentials",
        GH_C_JOBKEY | GH_C_ENV | GH_C_SECRETS},
    {"jobs.<job_id>.container.env.<env_id>", GH_C_STEPKEY & ~GH_C_STEPS},
    {"jobs.<job_id>.continue-on-error", GH_C_JOBKEY},
    {"jobs.<job_id>.defaults.run", GH_C_JOBKEY | GH_C_ENV},
    {"jobs.<job_id>.env", GH_C_JOBKEY | GH_C_SECRETS},
    {"jobs.<job_id>.environment", GH_C_JOBKEY},
    {"jobs.<job_id>.environment.url", GH_C_STEPKEY & ~GH_C_SECRETS},
    {"jobs.<job_id>.name", GH_C_JOBKEY},
    {"jobs.<job_id>.outputs.<output_id>", GH_C_STEPKEY},
    {"jobs.<job_id>.runs-on", GH_C_JOBKEY},
    {"jobs.<job_id>.secrets.<secrets_id>", GH_C_JOBKEY | GH_C_SECRETS},
    {"jobs.<job_id>.services", GH_C_JOBKEY},
    {"jobs.<job_id>.services.<service_id>.credentials",
        GH_C_JOBKEY | GH_C_ENV | GH_C_SECRETS},
    {"jobs.<job_id>.services.<service_id>.env.<env_id>",
        GH_C_STEPKEY & ~GH_C_STEPS},
    {"jobs.<job_id>.timeout-minutes", GH_C_JOBKEY},
    {"jobs.<job_id>.with.<with_id>", GH_C_JOBKEY},
    {"jobs.<job_id>.steps.if", GH_C_STEPKEY & ~GH_C_SECRETS},
    {"jobs.<job_id>.steps.continue-on-error", GH_C_STEPKEY},
    {"jobs.<job_id>.steps.env", GH_C_STEPKEY},
    {"jobs.<job_id>.steps.name", GH_C_STEPKEY},
    {"jobs.<job_id>.steps.run", GH_C_STEPKEY},
    {"jobs.<job_id>.steps.timeout-minutes", GH_C_STEPKEY},
    {"jobs.<job_id>.steps.with", GH_C_STEPKEY},
    {"jobs.<job_id>.steps.working-directory", GH_C_STEPKEY},
    {NULL, 0},
};

/* case(pred1, val1, ..., default): pairs and a default, so an odd count. */
const struct gh_func gh_functions[] = {
    {"contains", 2, 2, 0},
    {"startsWith", 2, 2, 0},
    {"endsWith", 2, 2, 0},
    {"format", 1, GH_ARGS_MANY, 0},
    {"join", 1, 2, 0},
    {"toJSON", 1, 1, 0},
    {"fromJSON", 1, 1, 0},
    {"hashFiles", 1, GH_ARGS_MANY, 0},
    {"case", 3, GH_ARGS_MANY, 1},
    {"success", 0, 0, 0},
    {"always", 0, 0, 0},
    {"cancelled", 0, 0, 0},
    {"failure", 0, 0, 0},
    {NULL, 0, 0, 0},
};

static int
gh_ncase_eq(const char *a, const char *s, size_t n)
{
	size_t i;
	char x, y;

	for (i = 0; i < n; i++) {
		x = a[i];
		y = s[i];
		if (x == '\0')
			return 0;
		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return a[n] == '\0';
}

int
gh_in(const char *const *list, const char *s, size_t n)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && memcmp(*list, s, n) == 0)
			return 1;
	return 0;
}

int
gh_in_nocase(const char *const *list, const char *s, size_t n)
{
	for (; *list != NULL; list++)
		if (gh_ncase_eq(*list, s, n))
			return 1;
	return 0;
}

const struct gh_func *
gh_function(const char *s, size_t n)
{
	const struct gh_func *f;

	for (f = gh_functions; f->name != NULL; f++)
		if (gh_ncase_eq(f->name, s, n))
			return f;
	return NULL;
}

unsigned
gh_context_bit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; gh_contexts[i] != NULL; i++)
		if (gh_ncase_eq(gh_contexts[i], s, n))
			return 1u << i;
	return 0;
}

unsigned
gh_ctx_allowed(const char *key)
{
	const struct gh_ctx_key *k;

	for (k = gh_ctx_keys; k->key != NULL; k++)
		if (strcmp(k->key, key) == 0)
			return k->allowed;
	return 0;
}

void
gh_ctx_names(unsigned mask, char *buf, size_t len)
{
	size_t i, used = 0;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; gh_contexts[i] != NULL && used < len; i++)
		if (mask & (1u << i))
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
			    used ? ", " : "", gh_contexts[i]);
}
