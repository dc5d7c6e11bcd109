/*
 * fuzz_github: the GitHub Actions plugin's parsers of outside input: REST
 * answers (workflows, runs, repository), the status page, and ${{ }}
 * expressions from workflow files as the local runner evaluates them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/github_actions/api.h"
#include "plugins/github_actions/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every context is "x"; a path of 3 names is null. */
static int
fz_lookup(void *arg, const char *const *path, size_t n, struct ex_val *out)
{
	(void)arg;
	(void)path;
	if (n >= 3)
		return -1;
	return expr_str(out, "x");
}

static int
fz_status(void *arg, const char *fn)
{
	(void)arg;
	return strcmp(fn, "failure") != 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ex_ctx ctx = { fz_lookup, fz_status, NULL };
	struct gh_wf *wfs = NULL;
	struct gh_run *runs = NULL;
	struct ex_val v;
	char err[256], a[128], b[256], *text;
	size_t n = 0;
	int r;

	if (size < 1 || (text = malloc(size)) == NULL)
		return 0;
	/* The first byte picks the parser; the rest is its input. */
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		if (api_parse_workflows(text, &wfs, &n, err, sizeof(err)) == 0)
			api_wfs_free(wfs, n);
		break;
	case 1:
		if (api_parse_runs(text, &runs, &n, err, sizeof(err)) == 0)
			api_runs_free(runs, n);
		break;
	case 2:
		(void)api_parse_repo(text, a, sizeof(a));
		(void)api_parse_status(text, a, sizeof(a), b, sizeof(b));
		(void)api_time(text);
		(void)api_repo_ok(text);
		break;
	case 3:
		memset(&v, 0, sizeof(v));
		if (expr_eval(text, &ctx, &v, err, sizeof(err)) == 0) {
			free(expr_to_string(&v));
			expr_free(&v);
		}
		(void)expr_if(text, &ctx, &r, err, sizeof(err));
		free(expr_subst(text, &ctx, err, sizeof(err)));
		break;
	}
	free(text);
	return 0;
}
