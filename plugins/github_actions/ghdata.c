/*
 * ghdata.c: GitHub Actions' vocabulary for the workflow validator, in one
 * place so that a change on GitHub's side is one edit here.
 *
 * Checked on 2026-12-03 against GitHub's documentation:
 *   events:
 * https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows
 *   permissions:
 * https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token
 *   contexts:
 * https://docs.github.com/en/actions/reference/workflows-and-actions/contexts
 *   expressions:
 * https://docs.github.com/en/actions/reference/workflows-and-actions/expressions
 *
 * The project_* events are gone from the page (classic projects were
 * retired) but stay here: a workflow that names them is not refused for
 * it. Runner labels are free-form and have no table.
 */
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
