/*
 * test_gh_plugin.c: the github_actions plugin on the mock host: targets
 * per workflow file, snapshots, restores (and refusals when git did it),
 * the REST side with conditional requests and rate limits, local runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <redundancyd/rdd_plugin.h>

#include "plugins/github_actions/sha1.h"
#include "plugins/github_actions/store.h"
#include "tests/lib/mock_host.h"

extern const struct rdd_plugin rdd_plugin;

#define HEAD "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
#define TOKEN "ghp_tok3n5ecret0000000000000000000000000"

static const char ci_yml[] = "name: CI\n"
                             "on: [push]\n"
                             "jobs:\n"
                             "  build:\n"
                             "    runs-on: ubuntu-latest\n"
                             "    steps:\n"
                             "      - uses: actions/checkout@v4\n"
                             "      - run: make\n";

static const char lint_yml[] = "on: push\n"
                               "jobz: 1\n"
                               "jobs:\n"
                               "  x:\n"
                               "    runs-on: ubuntu-latest\n"
                               "    steps:\n"
                               "      - run: true\n";

static const char bad_yml[] = "on: push\njobs: [\n";

static const char local_yml[] =
    "name: Local\n"
    "on: push\n"
    "env:\n"
    "  GREETING: hello\n"
    "jobs:\n"
    "  build:\n"
    "    runs-on: ubuntu-latest\n"
    "    env:\n"
    "      WHO: ${{ github.workflow }}\n"
    "    steps:\n"
    "      - uses: actions/checkout@v4\n"
    "      - uses: actions/setup-node@v4\n"
    "      - id: compile\n"
    "        run: echo \"$GREETING $WHO\"\n"
    "        working-directory: src\n"
    "        timeout-minutes: 1\n"
    "  test:\n"
    "    needs: build\n"
    "    runs-on: ubuntu-latest\n"
    "    steps:\n"
    "      - name: unit\n"
    "        run: exit 1\n"
    "      - name: never\n"
    "        run: echo no\n"
    "      - name: on failure\n"
    "        if: failure()\n"
    "        shell: sh\n"
    "        run: echo cleanup ${{ steps.x.outcome }}\n"
    "  deploy:\n"
    "    needs: test\n"
    "    runs-on: ubuntu-latest\n"
    "    steps:\n"
    "      - run: echo deploy\n"
    "  report:\n"
    "    needs: [test]\n"
    "    if: always()\n"
    "    runs-on: ubuntu-latest\n"
    "    steps:\n"
    "      - continue-on-error: true\n"
    "        run: exit 3\n"
    "      - run: echo ${{ needs.test.result }}\n";

struct fx {
	struct mock_host mh;
	void *ctx;
	char dir[64];
	char repo[128];
	char wf[192];
	char state[128];
	char err[512];
};

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void
put(struct fx *f, const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->wf, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *
get(struct fx *f, const char *name)
{
	static char buf[8192];
	char path[512];
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->wf, name);
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
del(struct fx *f, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", f->wf, name);
	assert_int_equal(unlink(path), 0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[256];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_gh_plugin.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	snprintf(path, sizeof(path), "%s/.github", f->repo);
	snprintf(f->wf, sizeof(f->wf), "%s/.github/workflows", f->repo);
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	if (mkdir(f->repo, 0755) != 0 || mkdir(path, 0755) != 0 ||
	    mkdir(f->wf, 0755) != 0 || mkdir(f->state, 0700) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/src", f->repo);
	(void)mkdir(path, 0755);
	mock_host_init(&f->mh, "gh");
	mock_set_state_dir(&f->mh, f->state);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f->ctx != NULL) {
		rdd_plugin.stop(f->ctx);
		rdd_plugin.destroy(f->ctx);
	}
	assert_int_equal(f->mh.violations, 0);
	mock_host_free(&f->mh);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* create with repository set, plus name/value pairs, NULL-terminated. */
static int
create_v(struct fx *f, va_list ap)
{
	const char *kv[32];
	size_t n = 0;
	void *cfg;
	const char *s;

	kv[n++] = "repository";
	kv[n++] = f->repo;
	/* No grace periods here: the grace is tested on its own. */
	kv[n++] = "restore_grace";
	kv[n++] = "0";
	kv[n++] = "delete_grace";
	kv[n++] = "0";
	while ((s = va_arg(ap, const char *)) != NULL && n < 30)
		kv[n++] = s;
	kv[n] = NULL;
	switch (n) {
	case 6:
		cfg = mock_config_new(&f->mh, &rdd_plugin, kv[0], kv[1], kv[2],
		    kv[3], kv[4], kv[5], NULL);
		break;
	case 8:
		cfg = mock_config_new(&f->mh, &rdd_plugin, kv[0], kv[1], kv[2],
		    kv[3], kv[4], kv[5], kv[6], kv[7], NULL);
		break;
	case 10:
		cfg = mock_config_new(&f->mh, &rdd_plugin, kv[0], kv[1], kv[2],
		    kv[3], kv[4], kv[5], kv[6], kv[7], kv[8], kv[9], NULL);
		break;
	case 18:
		cfg = mock_config_new(&f->mh, &rdd_plugin, kv[0], kv[1], kv[2],
		    kv[3], kv[4], kv[5], kv[6], kv[7], kv[8], kv[9], kv[10],
		    kv[11], kv[12], kv[13], kv[14], kv[15], kv[16], kv[17],
		    NULL);
		break;
	default:
		fail_msg("create: unsupported option count %zu", n);
		return -1;
	}
	assert_non_null(cfg);
	f->err[0] = '\0';
	return rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh), cfg,
	    &f->ctx, f->err, sizeof(f->err));
}

static int
create(struct fx *f, ...)
{
	va_list ap;
	int rc;

	va_start(ap, f);
	rc = create_v(f, ap);
	va_end(ap);
	return rc;
}

static const struct mock_report *
last(struct fx *f, const char *target)
{
	return mock_report_last(&f->mh, target);
}

/* A check on a checkout without .git: no children, done at once. */
static void
check_nogit(struct fx *f)
{
	int done = f->mh.checks_done;

	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(f->mh.checks_done, done + 1);
}

static int
journal_has(struct fx *f, const char *event, const char *frag)
{
	size_t i;

	for (i = 0; i < f->mh.njournal; i++)
		if (strcmp(f->mh.journal[i].event, event) == 0 &&
		    (frag == NULL || strstr(f->mh.journal[i].msg, frag)))
			return 1;
	return 0;
}

/* ---- descriptor and config ---- */

static void
test_descriptor(void **state)
{
	const struct rdd_option *o;

	(void)state;
	assert_int_equal(rdd_plugin.magic, RDD_PLUGIN_MAGIC);
	assert_string_equal(rdd_plugin.name, "github_actions");
	assert_string_equal(rdd_plugin.actions[0], "repair");
	assert_null(rdd_plugin.actions[1]);
	assert_non_null(rdd_plugin.command);
	for (o = rdd_plugin.options; o->name != NULL; o++) {
		assert_true(o->offset < rdd_plugin.config_size);
		assert_non_null(o->desc);
	}
}

static void
test_config_errors(void **state)
{
	struct fx *f = *state;

	assert_int_equal(create(f, "restore", "sometimes", NULL), -1);
	assert_non_null(strstr(f->err, "restore"));
	assert_int_equal(create(f, "enable", "bogus", NULL), -1);
	assert_non_null(strstr(f->err, "enable"));
	assert_int_equal(create(f, "token_env", "GH_TOKEN", NULL), -1);
	assert_non_null(strstr(f->err, "github_repo"));
	assert_int_equal(create(f, "github_repo", "no-slash", NULL), -1);
	assert_int_equal(
	    create(f, "github_repo", "octo/app", "token_env", "NOPE", NULL),
	    -1);
	assert_non_null(strstr(f->err, "NOPE"));
	assert_int_equal(
	    create(f, "github_repo", "octo/app", "api_url", "ftp://x", NULL),
	    -1);
	{
		void *cfg = mock_config_new(
		    &f->mh, &rdd_plugin, "repository", "relative/path", NULL);

		assert_int_equal(
		    rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh), cfg,
		        &f->ctx, f->err, sizeof(f->err)),
		    -1);
		assert_non_null(strstr(f->err, "absolute"));
		cfg = mock_config_new(&f->mh, &rdd_plugin, "repository",
		    "/no/such/checkout", NULL);
		assert_int_equal(
		    rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh), cfg,
		        &f->ctx, f->err, sizeof(f->err)),
		    -1);
	}
	assert_null(f->ctx);
	/* github_repo without a token: fine, only local checks. */
	assert_int_equal(create(f, "github_repo", "octo/app", NULL), 0);
}

/* ---- outside git ---- */

static void
test_validate_and_snapshot(void **state)
{
	struct fx *f = *state;
	const struct mock_report *r;
	char path[256], *idx;
	size_t len;
	FILE *fp;

	put(f, "ci.yml", ci_yml);
	put(f, "lint.yml", lint_yml);
	put(f, "bad.yml", bad_yml);
	put(f, "README.md", "not a workflow");
	assert_int_equal(create(f, NULL), 0);
	check_nogit(f);
	r = last(f, "ci.yml");
	assert_non_null(r);
	assert_int_equal(r->state, RDD_OK);
	assert_non_null(strstr(r->msg, "1 job, 2 steps"));
	r = last(f, "lint.yml");
	assert_int_equal(r->state, RDD_WARNING);
	assert_non_null(strstr(r->msg, ".github/workflows/lint.yml:2:1:"));
	assert_non_null(strstr(r->msg, "[syntax-check]"));
	r = last(f, "bad.yml");
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_non_null(strstr(r->msg, ".github/workflows/bad.yml:"));
	assert_non_null(strstr(r->msg, "ever seen"));
	assert_non_null(mock_metric_find(r, "errors"));
	assert_null(last(f, "README.md"));
	/* Each diagnostic was logged once, actionlint style. */
	assert_true(mock_log_find(&f->mh, "bad.yml:3:") >= 0);
	/* The valid ones are in the index, the invalid one is not. */
	snprintf(path, sizeof(path), "%s/index.json", f->state);
	fp = fopen(path, "r");
	assert_non_null(fp);
	idx = calloc(1, 4096);
	len = fread(idx, 1, 4095, fp);
	fclose(fp);
	assert_true(len > 0);
	assert_non_null(strstr(idx, "\"ci.yml\""));
	assert_non_null(strstr(idx, "\"lint.yml\""));
	assert_null(strstr(idx, "\"bad.yml\""));
	free(idx);
}

static void
test_delete_restore_by_watch(void **state)
{
	struct fx *f = *state;
	const struct mock_report *r;
	int rec, t;
	char *text;

	put(f, "ci.yml", ci_yml);
	assert_int_equal(create(f, NULL), 0);
	assert_int_equal(rdd_plugin.start(f->ctx), 0);
	assert_int_equal(f->mh.nwatches, 2);
	assert_non_null(strstr(f->mh.watches[0]->path, ".github/workflows"));
	check_nogit(f);
	del(f, "ci.yml");
	/* The event is debounced, then the scan pushes at once. */
	assert_int_equal(mock_watch_fire(&f->mh, 0, f->wf), 0);
	assert_int_equal(mock_watch_fire(&f->mh, 0, f->wf), 0);
	t = mock_timer_last(&f->mh);
	assert_int_equal(t, 0); /* one timer for two events */
	assert_int_equal(mock_timer_fire(&f->mh, (size_t)t), 0);
	r = last(f, "ci.yml");
	assert_int_equal(r->check, -1);
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_non_null(strstr(r->msg, "deleted"));
	/* The engine's recovery restores it. */
	rec = mock_recovery_id(mock_recovery_begin(&f->mh));
	rdd_plugin.recover(f->ctx, f->mh.recv[rec], "ci.yml", "repair", 1);
	assert_int_equal(f->mh.recoveries[rec].done, 1);
	assert_int_equal(f->mh.recoveries[rec].ok, 1);
	assert_non_null(strstr(f->mh.recoveries[rec].msg, "restored"));
	text = get(f, "ci.yml");
	assert_non_null(text);
	assert_string_equal(text, ci_yml);
	assert_true(journal_has(f, "restore", "ci.yml"));
	/* The re-check says OK. */
	check_nogit(f);
	assert_int_equal(last(f, "ci.yml")->state, RDD_OK);
}

static void
test_corrupt_restore_keeps_copy(void **state)
{
	struct fx *f = *state;
	char *text;
	size_t len;
	int rec;

	put(f, "ci.yml", ci_yml);
	assert_int_equal(create(f, NULL), 0);
	check_nogit(f);
	put(f, "ci.yml", "jobs: [\n"); /* made unparseable */
	check_nogit(f);
	assert_int_equal(last(f, "ci.yml")->state, RDD_CRITICAL);
	assert_non_null(strstr(last(f, "ci.yml")->msg, "[syntax-check]"));
	rec = mock_recovery_id(mock_recovery_begin(&f->mh));
	rdd_plugin.recover(f->ctx, f->mh.recv[rec], "ci.yml", "repair", 1);
	assert_int_equal(f->mh.recoveries[rec].ok, 1);
	/* The damaged copy is kept under state_dir, not in the checkout. */
	assert_non_null(strstr(f->mh.recoveries[rec].msg, "/damaged/ci.yml."));
	assert_string_equal(get(f, "ci.yml"), ci_yml);
	{
		char name[1024];
		const char *p = strstr(f->mh.recoveries[rec].msg, "kept as ");

		assert_non_null(p);
		p += 8;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(p, " ;"), p);
		text = store_read_file(name, 1024, &len);
		assert_non_null(text);
		assert_string_equal(text, "jobs: [\n");
		free(text);
	}
	/* Emptied counts as damage too. */
	put(f, "ci.yml", "");
	check_nogit(f);
	assert_int_equal(last(f, "ci.yml")->state, RDD_CRITICAL);
	/*
	 * Truncated inside a line: damage, though what is left validates;
	 * whole lines dropped (ends in a newline) is an edit.
	 */
	put(f, "ci.yml", ci_yml);
	check_nogit(f);
	{
		char cut[sizeof(ci_yml)];

		snprintf(
		    cut, sizeof(cut), "%.*s", (int)strlen(ci_yml) - 3, ci_yml);
		put(f, "ci.yml", cut);
		check_nogit(f);
		assert_int_equal(last(f, "ci.yml")->state, RDD_CRITICAL);
		assert_non_null(strstr(last(f, "ci.yml")->msg, "truncated"));
		snprintf(cut, sizeof(cut), "%.*s",
		    (int)(strstr(ci_yml, "      - run: make") - ci_yml),
		    ci_yml);
		put(f, "ci.yml", cut);
		check_nogit(f);
		assert_int_equal(last(f, "ci.yml")->state, RDD_OK);
		/* Only the final newline dropped: an edit, not a cut. */
		put(f, "ci.yml", ci_yml);
		check_nogit(f);
		snprintf(
		    cut, sizeof(cut), "%.*s", (int)strlen(ci_yml) - 1, ci_yml);
		put(f, "ci.yml", cut);
		check_nogit(f);
		assert_int_equal(last(f, "ci.yml")->state, RDD_OK);
	}
}

static void
test_lint_and_off_never_restore(void **state)
{
	struct fx *f = *state;
	int rec;

	put(f, "lint.yml", lint_yml);
	put(f, "ci.yml", ci_yml);
	assert_int_equal(create(f, "restore", "off", NULL), 0);
	check_nogit(f);
	rec = mock_recovery_id(mock_recovery_begin(&f->mh));
	rdd_plugin.recover(f->ctx, f->mh.recv[rec], "lint.yml", "repair", 1);
	assert_int_equal(f->mh.recoveries[rec].ok, 1);
	assert_non_null(strstr(f->mh.recoveries[rec].msg, "nothing restored"));
	assert_string_equal(get(f, "lint.yml"), lint_yml);
	/* restore = off: damage is reported, the file is left alone. */
	del(f, "ci.yml");
	check_nogit(f);
	assert_int_equal(last(f, "ci.yml")->state, RDD_CRITICAL);
	rec = mock_recovery_id(mock_recovery_begin(&f->mh));
	rdd_plugin.recover(f->ctx, f->mh.recv[rec], "ci.yml", "repair", 1);
	assert_int_equal(f->mh.recoveries[rec].ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_non_null(strstr(f->mh.recoveries[rec].msg, "restore = off"));
	assert_null(get(f, "ci.yml"));
	/* Other targets are not the plugin's to repair. */
	rec = mock_recovery_id(mock_recovery_begin(&f->mh));
	rdd_plugin.recover(
	    f->ctx, f->mh.recv[rec], "actions-status", "repair", 1);
	assert_int_equal(f->mh.recoveries[rec].ok, 0);
	rec = mock_recovery_id(mock_recovery_begin(&f->mh));
	rdd_plugin.recover(f->ctx, f->mh.recv[rec], "ci.yml", "reboot", 1);
	assert_int_equal(f->mh.recoveries[rec].ok, 0);
}

/* ---- inside git (children completed by hand) ---- */

static void
mkgit(struct fx *f)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/.git", f->repo);
	assert_int_equal(mkdir(path, 0755), 0);
}

static size_t
child_with(struct fx *f, size_t from, const char *frag)
{
	size_t i;

	for (i = from; i < f->mh.nchildren; i++)
		if (f->mh.children[i]->status == MOCK_PENDING &&
		    strstr(f->mh.children[i]->cmdline, frag) != NULL)
			return i;
	fail_msg("no pending child with \"%s\"", frag);
	return 0;
}

static void
child_out(struct fx *f, size_t idx, const char *out, size_t len)
{
	struct rdd_child_result res;

	memset(&res, 0, sizeof(res));
	res.exited = 1;
	res.out = out;
	res.out_len = len;
	res.err = "";
	assert_int_equal(mock_child_complete(&f->mh, idx, &res), 0);
}

/*
 * Answer the git children of one scan: rev-parse, ls-tree and ls-files
 * with the given tree (same index), then cat-file for any blob asked.
 */
static void
answer_git(struct fx *f, const char *tree, size_t tlen, const char *index,
    size_t ilen, const char *const *blobs, const char *const *texts)
{
	size_t c = f->mh.nchildren - 1, i;

	assert_non_null(strstr(
	    f->mh.children[c]->cmdline, "rev-parse -q --verify HEAD^{commit}"));
	assert_string_equal(f->mh.children[c]->argv[1], "-C");
	assert_string_equal(f->mh.children[c]->argv[2], f->repo);
	child_out(f, c, HEAD "\n", 41);
	c = child_with(f, c, "ls-tree -r -z " HEAD " -- .github/workflows");
	child_out(f, c, tree, tlen);
	c = child_with(f, c, "ls-files -s -z -- .github/workflows");
	child_out(f, c, index, ilen);
	for (;;) {
		c = f->mh.nchildren - 1;
		if (f->mh.children[c]->status != MOCK_PENDING ||
		    strstr(f->mh.children[c]->cmdline, "cat-file") == NULL)
			break;
		for (i = 0; blobs[i] != NULL; i++)
			if (strstr(f->mh.children[c]->cmdline, blobs[i]))
				break;
		assert_non_null(blobs[i]);
		child_out(f, c, texts[i], strlen(texts[i]));
	}
}

static void
test_git_committed_invalid_is_reported(void **state)
{
	struct fx *f = *state;
	char bad[41], ci[41], tree[512], index[512];
	const char *blobs[] = {bad, NULL};
	const char *texts[] = {bad_yml, NULL};
	size_t tl, il;
	int rec;

	mkgit(f);
	put(f, "ci.yml", ci_yml);
	put(f, "bad.yml", bad_yml);
	sha1_git_blob(bad_yml, strlen(bad_yml), bad);
	sha1_git_blob(ci_yml, strlen(ci_yml), ci);
	tl = (size_t)snprintf(tree, sizeof(tree),
	    "100644 blob %s\t.github/workflows/bad.yml%c"
	    "100644 blob %s\t.github/workflows/ci.yml%c",
	    bad, 0, ci, 0);
	il = (size_t)snprintf(index, sizeof(index),
	    "100644 %s 0\t.github/workflows/bad.yml%c"
	    "100644 %s 0\t.github/workflows/ci.yml%c",
	    bad, 0, ci, 0);
	assert_int_equal(create(f, NULL), 0);
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	answer_git(f, tree, tl, index, il, blobs, texts);
	assert_int_equal(f->mh.checks_done, 1);
	assert_int_equal(last(f, "ci.yml")->state, RDD_OK);
	assert_int_equal(last(f, "bad.yml")->state, RDD_CRITICAL);
	assert_non_null(strstr(last(f, "bad.yml")->msg, "committed in HEAD "
	                                                "c0ffee0"));
	/* The repair looks again and refuses to revert the commit. */
	rec = mock_recovery_id(mock_recovery_begin(&f->mh));
	rdd_plugin.recover(f->ctx, f->mh.recv[rec], "bad.yml", "repair", 1);
	assert_int_equal(f->mh.recoveries[rec].done, 0);
	answer_git(f, tree, tl, index, il, blobs, texts);
	assert_int_equal(f->mh.recoveries[rec].done, 1);
	assert_int_equal(f->mh.recoveries[rec].ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_non_null(strstr(f->mh.recoveries[rec].msg, "never reverts"));
	assert_string_equal(get(f, "bad.yml"), bad_yml);
}

static void
test_git_deleted_restored_from_head(void **state)
{
	struct fx *f = *state;
	char ci[41], tree[512];
	const char *blobs[] = {ci, NULL};
	const char *texts[] = {ci_yml, NULL};
	size_t tl;
	int rec, cat = 0;
	size_t i;

	mkgit(f);
	sha1_git_blob(ci_yml, strlen(ci_yml), ci);
	tl = (size_t)snprintf(tree, sizeof(tree),
	    "100755 blob %s\t.github/workflows/ci.yml%c", ci, 0);
	assert_int_equal(create(f, "restore", "git", NULL), 0);
	/* Never seen in the working tree: HEAD's blob is fetched once. */
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	answer_git(f, tree, tl, "100755 x", 0, blobs, texts);
	/* The index answered empty: a staged deletion is git's business. */
	assert_null(last(f, "ci.yml"));
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	{
		char index[256];
		size_t il = (size_t)snprintf(index, sizeof(index),
		    "100755 %s 0\t.github/workflows/ci.yml%c", ci, 0);

		answer_git(f, tree, tl, index, il, blobs, texts);
		assert_int_equal(last(f, "ci.yml")->state, RDD_CRITICAL);
		assert_non_null(
		    strstr(last(f, "ci.yml")->msg, "restoring HEAD's blob"));
		rec = mock_recovery_id(mock_recovery_begin(&f->mh));
		rdd_plugin.recover(
		    f->ctx, f->mh.recv[rec], "ci.yml", "repair", 1);
		answer_git(f, tree, tl, index, il, blobs, texts);
	}
	for (i = 0; i < f->mh.nchildren; i++)
		if (strstr(f->mh.children[i]->cmdline, "cat-file blob"))
			cat++;
	assert_int_equal(cat, 1);
	assert_int_equal(f->mh.recoveries[rec].ok, 1);
	assert_string_equal(get(f, "ci.yml"), ci_yml);
	{
		char path[256];
		struct stat st;

		snprintf(path, sizeof(path), "%s/ci.yml", f->wf);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0755); /* HEAD's mode */
	}
}

static void
test_git_deleted_by_commit_is_forgotten(void **state)
{
	struct fx *f = *state;
	const char *none[] = {NULL};
	char path[256];
	FILE *fp;
	char buf[2048];
	size_t n;

	put(f, "old.yml", ci_yml);
	assert_int_equal(create(f, NULL), 0);
	check_nogit(f); /* snapshotted outside git */
	assert_int_equal(last(f, "old.yml")->state, RDD_OK);
	mkgit(f);
	del(f, "old.yml");
	mock_host_reset(&f->mh);
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	answer_git(f, "", 0, "", 0, none, none);
	assert_int_equal(f->mh.checks_done, 1);
	assert_null(last(f, "old.yml"));
	assert_true(journal_has(f, "workflow-removed", "not in HEAD"));
	snprintf(path, sizeof(path), "%s/index.json", f->state);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	assert_null(strstr(buf, "old.yml"));
}

static void
test_git_missing_falls_back_to_snapshots(void **state)
{
	struct fx *f = *state;

	mkgit(f);
	put(f, "ci.yml", ci_yml);
	assert_int_equal(create(f, NULL), 0);
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(mock_child_spawn_error(&f->mh, 0, ENOENT), 0);
	assert_int_equal(f->mh.checks_done, 1);
	assert_int_equal(last(f, "ci.yml")->state, RDD_OK);
	assert_true(mock_log_find(&f->mh, "without git") >= 0);
}

/* ---- the REST side ---- */

static char *
fixture(const char *name)
{
	const char *srcdir = getenv("srcdir");
	static char *bufs[16];
	static int nb;
	char path[1024];
	FILE *fp;
	long n;
	char *b;

	snprintf(path, sizeof(path), "%s/tests/integration/fixtures/github/%s",
	    srcdir ? srcdir : ".", name);
	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("cannot open %s (set srcdir)", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
	b[n] = '\0';
	fclose(fp);
	free(bufs[nb % 16]);
	bufs[nb++ % 16] = b;
	return b;
}

static int
has_header(const struct mock_http *h, const char *want)
{
	size_t i;

	for (i = 0; i < h->nheaders; i++)
		if (strcmp(h->headers[i], want) == 0)
			return 1;
	return 0;
}

static void
create_api(struct fx *f)
{
	put(f, "ci.yml", ci_yml);
	mock_secret_add(&f->mh, "GH_TOKEN", TOKEN);
	assert_int_equal(create(f, "github_repo", "octo/app", "token_env",
	                     "GH_TOKEN", "api_url", "http://127.0.0.1:9/api/",
	                     "status_url", "http://127.0.0.1:9/st", "branch",
	                     "main", "rerun_max", "2", NULL),
	    0);
}

static void
test_api_poll_and_repairs(void **state)
{
	struct fx *f = *state;
	const struct mock_http *h;
	char rate[256], *rs;
	int rec, rec2;
	size_t i;

	create_api(f);
	snprintf(rate, sizeof(rate),
	    "ETag: W/\"wf1\"\r\n"
	    "X-RateLimit-Limit: 5000\r\nX-RateLimit-Remaining: 4990\r\n"
	    "X-RateLimit-Reset: %lld\r\n",
	    (long long)time(NULL) + 3600);
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(f->mh.nhttps, 1);
	h = f->mh.https[0];
	assert_string_equal(
	    h->url, "http://127.0.0.1:9/st/api/v2/summary.json");
	assert_false(has_header(h, "Authorization: Bearer " TOKEN));
	assert_int_equal(mock_http_reply(&f->mh, 0, 200,
	                     fixture("summary.json"), "ETag: \"s1\"\r\n"),
	    0);
	h = f->mh.https[1];
	assert_string_equal(h->method, "GET");
	assert_string_equal(h->url, "http://127.0.0.1:9/api/repos/octo/app/"
	                            "actions/workflows?per_page=100");
	assert_true(has_header(h, "Authorization: Bearer " TOKEN));
	assert_true(has_header(h, "X-GitHub-Api-Version: 2022-11-28"));
	assert_true(has_header(h, "Accept: application/vnd.github+json"));
	assert_int_equal(mock_http_reply(&f->mh, 1, 200,
	                     fixture("workflows_disabled.json"), rate),
	    0);
	h = f->mh.https[2];
	assert_string_equal(h->url, "http://127.0.0.1:9/api/repos/octo/app/"
	                            "actions/runs?branch=main&per_page=100&"
	                            "exclude_pull_requests=true");
	assert_int_equal(mock_http_reply(&f->mh, 2, 200,
	                     fixture("runs_failed.json"), "ETag: \"r1\"\r\n"),
	    0);
	assert_int_equal(f->mh.checks_done, 1);
	assert_int_equal(last(f, "github:ci.yml")->state, RDD_CRITICAL);
	assert_non_null(strstr(last(f, "github:ci.yml")->msg, "#562 failure"));
	assert_non_null(mock_metric_find(last(f, "github:ci.yml"), "failures"));
	assert_int_equal(last(f, "github:nightly.yml")->state, RDD_CRITICAL);
	assert_int_equal(last(f, "github:lint.yml")->state, RDD_CRITICAL);
	assert_null(last(f, "github:old.yml")); /* deleted on GitHub */
	assert_int_equal(last(f, "github-api")->state, RDD_OK);
	assert_non_null(strstr(last(f, "github-api")->msg, "4990 of 5000"));
	assert_int_equal(last(f, "actions-status")->state, RDD_OK);
	assert_int_equal(last(f, "ci.yml")->state, RDD_OK);

	/* The next poll is conditional; a 304 reuses the earlier answer. */
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_true(has_header(f->mh.https[3], "If-None-Match: \"s1\""));
	assert_int_equal(mock_http_reply(&f->mh, 3, 304, "", ""), 0);
	assert_true(has_header(f->mh.https[4], "If-None-Match: W/\"wf1\""));
	assert_int_equal(mock_http_reply(&f->mh, 4, 304, "", rate), 0);
	assert_true(has_header(f->mh.https[5], "If-None-Match: \"r1\""));
	assert_int_equal(mock_http_reply(&f->mh, 5, 304, "", ""), 0);
	assert_int_equal(f->mh.checks_done, 2);
	assert_int_equal(last(f, "github:ci.yml")->state, RDD_CRITICAL);

	/* Repairs: re-run the failed jobs, enable the disabled workflow. */
	rec = mock_recovery_id(mock_recovery_begin(&f->mh));
	rdd_plugin.recover(
	    f->ctx, f->mh.recv[rec], "github:ci.yml", "repair", 1);
	if (f->mh.recoveries[rec].done)
		fail_msg("%s", f->mh.recoveries[rec].msg);
	assert_int_equal(f->mh.nhttps, 7);
	h = f->mh.https[6];
	assert_string_equal(h->method, "POST");
	assert_string_equal(h->url, "http://127.0.0.1:9/api/repos/octo/app/"
	                            "actions/runs/30433642/rerun-failed-jobs");
	assert_true(has_header(h, "Authorization: Bearer " TOKEN));
	assert_int_equal(mock_http_reply(&f->mh, 6, 201, "{}", ""), 0);
	assert_int_equal(f->mh.recoveries[rec].ok, 1);
	rs = NULL;
	for (i = 0; i < f->mh.nstate; i++)
		if (strcmp(f->mh.state[i].key, "reruns") == 0)
			rs = f->mh.state[i].value;
	assert_non_null(rs);
	assert_non_null(strstr(rs, "\"30433642\": 1"));
	rec = mock_recovery_id(mock_recovery_begin(&f->mh));
	rdd_plugin.recover(
	    f->ctx, f->mh.recv[rec], "github:nightly.yml", "repair", 1);
	h = f->mh.https[7];
	assert_string_equal(h->method, "PUT");
	assert_string_equal(h->url, "http://127.0.0.1:9/api/repos/octo/app/"
	                            "actions/workflows/161336/enable");
	/* A second repair waits for the first. */
	rec2 = mock_recovery_id(mock_recovery_begin(&f->mh));
	rdd_plugin.recover(
	    f->ctx, f->mh.recv[rec2], "github:lint.yml", "repair", 1);
	assert_int_equal(f->mh.nhttps, 8);
	assert_int_equal(mock_http_reply(&f->mh, 7, 204, "", ""), 0);
	assert_int_equal(f->mh.recoveries[rec].ok, 1);
	assert_true(journal_has(f, "api-action", "enable"));
	assert_int_equal(f->mh.nhttps, 9);
	assert_non_null(strstr(f->mh.https[8]->url, "workflows/161337/enable"));
	/* A refused repair fails with GitHub's reason. */
	rec = rec2;
	assert_int_equal(mock_http_reply(&f->mh, 8, 403,
	                     "{\"message\":\"Resource not accessible by "
	                     "integration\"}",
	                     ""),
	    0);
	assert_int_equal(f->mh.recoveries[rec].ok, 0);
	assert_non_null(strstr(f->mh.recoveries[rec].msg, "not accessible"));
	/* The token is never in a log line. */
	for (i = 0; i < f->mh.nlogs; i++)
		assert_null(strstr(f->mh.logs[i].text, TOKEN));
}

static void
test_api_rate_limit_and_errors(void **state)
{
	struct fx *f = *state;
	char hdr[256];
	size_t n;

	create_api(f);
	snprintf(hdr, sizeof(hdr),
	    "X-RateLimit-Limit: 5000\r\n"
	    "X-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: %lld\r\n",
	    (long long)time(NULL) + 600);
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	mock_http_reply(&f->mh, 0, 200, fixture("summary_outage.json"), "");
	assert_int_equal(
	    mock_http_reply(&f->mh, 1, 403, fixture("rate_limited.json"), hdr),
	    0);
	assert_int_equal(f->mh.checks_done, 1);
	assert_int_equal(f->mh.nhttps, 2); /* no runs request after it */
	assert_int_equal(last(f, "github-api")->state, RDD_WARNING);
	assert_non_null(strstr(last(f, "github-api")->msg, "rate limit"));
	assert_int_equal(last(f, "actions-status")->state, RDD_WARNING);
	assert_non_null(strstr(last(f, "actions-status")->msg, "major_outage"));
	assert_true(journal_has(f, "rate-limit", NULL));
	/* Paused: the next check asks only the status page. */
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(f->mh.nhttps, 3);
	mock_http_reply(&f->mh, 2, 200, fixture("summary.json"), "");
	assert_int_equal(f->mh.checks_done, 2);
	n = f->mh.nhttps;
	assert_int_equal(n, 3);
	assert_int_equal(last(f, "github-api")->state, RDD_WARNING);
	assert_non_null(strstr(last(f, "github-api")->msg, "next API poll"));
	/* A repair while paused waits, with the reason. */
	{
		int rec = mock_recovery_id(mock_recovery_begin(&f->mh));

		rdd_plugin.recover(
		    f->ctx, f->mh.recv[rec], "github:ci.yml", "repair", 1);
		assert_int_equal(f->mh.recoveries[rec].ok, 1); /* no data */
	}
}

static void
test_api_server_error_is_unknown(void **state)
{
	struct fx *f = *state;
	struct rdd_http_response res;

	create_api(f);
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	memset(&res, 0, sizeof(res));
	res.error = 1;
	res.errmsg = "Connection refused";
	assert_int_equal(mock_http_complete(&f->mh, 0, &res), 0);
	assert_int_equal(
	    mock_http_reply(&f->mh, 1, 500, fixture("server_error.json"), ""),
	    0);
	assert_int_equal(f->mh.checks_done, 1);
	assert_int_equal(last(f, "github-api")->state, RDD_UNKNOWN);
	assert_non_null(strstr(last(f, "github-api")->msg, "HTTP 500"));
	assert_int_equal(last(f, "actions-status")->state, RDD_UNKNOWN);
	assert_non_null(
	    strstr(last(f, "actions-status")->msg, "Connection refused"));
	/* 401 names the fix. */
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	mock_http_reply(&f->mh, 2, 200, fixture("summary.json"), "");
	mock_http_reply(&f->mh, 3, 401, fixture("bad_credentials.json"), "");
	assert_non_null(strstr(last(f, "github-api")->msg, "token_env"));
}

/* ---- local runs ---- */

static int
env_has(const struct mock_child *c, const char *kv)
{
	size_t i;

	for (i = 0; c->env != NULL && c->env[i] != NULL; i++)
		if (strcmp(c->env[i], kv) == 0)
			return 1;
	return 0;
}

static void
test_local_run(void **state)
{
	struct fx *f = *state;
	const struct mock_child *c;
	const char *argv[] = {"local", "--in-place", NULL};
	char path[256];
	int cmd;
	size_t i;

	put(f, "local.yml", local_yml);
	assert_int_equal(create(f, NULL), 0);
	cmd = mock_command_id(mock_command_begin(&f->mh));
	rdd_plugin.command(f->ctx, f->mh.cmdv[cmd], 2, argv);
	/* build: checkout maps to the checkout, setup-node is skipped. */
	assert_int_equal(f->mh.nchildren, 1);
	c = f->mh.children[0];
	assert_string_equal(c->argv[0], "bash");
	assert_string_equal(c->argv[1], "-e");
	snprintf(path, sizeof(path), "%s/src", f->repo);
	assert_string_equal(c->cwd, path);
	assert_int_equal(c->timeout_ms, 60000);
	assert_true(env_has(c, "GREETING=hello"));
	assert_true(env_has(c, "WHO=Local"));
	snprintf(path, sizeof(path), "GITHUB_WORKSPACE=%s", f->repo);
	assert_true(env_has(c, path));
	assert_true(env_has(c, "CI=true"));
	mock_child_exit(&f->mh, 0, 0, "hello Local\n", "");
	/* test: unit fails, "never" is skipped, the failure() step runs. */
	c = f->mh.children[1];
	mock_child_exit(&f->mh, 1, 1, "", "boom\n");
	assert_int_equal(f->mh.nchildren, 3);
	c = f->mh.children[2];
	assert_string_equal(c->argv[0], "sh");
	mock_child_exit(&f->mh, 2, 0, "cleanup\n", "");
	/* deploy is skipped; report runs (always) despite its exit 3. */
	assert_int_equal(f->mh.nchildren, 4);
	mock_child_exit(&f->mh, 3, 3, "", "");
	assert_int_equal(f->mh.nchildren, 5);
	mock_child_exit(&f->mh, 4, 0, "failure\n", "");
	assert_int_equal(f->mh.commands[cmd].done, 1);
	assert_int_equal(f->mh.commands[cmd].ok, 0);
	assert_non_null(strstr(f->mh.commands[cmd].text, "job build: success"));
	assert_non_null(strstr(f->mh.commands[cmd].text,
	    "job test: failure: step 1 'unit': exit status 1"));
	assert_non_null(
	    strstr(f->mh.commands[cmd].text, "job deploy: skipped"));
	assert_non_null(
	    strstr(f->mh.commands[cmd].text, "job report: success"));
	assert_true(
	    journal_has(f, "local-step", "uses: actions/setup-node@v4"));
	assert_true(journal_has(f, "local-job", "job test: failure"));
	assert_true(journal_has(f, "local-run", "failure"));
	/* The run log holds the output. */
	{
		char *p = strstr(f->mh.commands[cmd].text, "log ");
		FILE *fp;
		char buf[8192];
		size_t n;

		assert_non_null(p);
		fp = fopen(p + 4, "r");
		assert_non_null(fp);
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		buf[n] = '\0';
		fclose(fp);
		assert_non_null(strstr(buf, "hello Local"));
		assert_non_null(strstr(buf, "boom"));
	}
	/* The result is a target of the next check. */
	check_nogit(f);
	assert_int_equal(last(f, "local:local.yml")->state, RDD_WARNING);
	/* One job asks for its needs too; an unknown one is refused. */
	{
		const char *two[] = {"local.yml", "test", "--in-place", NULL};
		const char *bad[] = {"local.yml", "nojob", NULL};
		const char *none[] = {"nosuch", NULL};

		cmd = mock_command_id(mock_command_begin(&f->mh));
		rdd_plugin.command(f->ctx, f->mh.cmdv[cmd], 2, bad);
		assert_int_equal(f->mh.commands[cmd].ok, 0);
		assert_non_null(strstr(f->mh.commands[cmd].text, "no job"));
		cmd = mock_command_id(mock_command_begin(&f->mh));
		rdd_plugin.command(f->ctx, f->mh.cmdv[cmd], 1, none);
		assert_int_equal(f->mh.commands[cmd].ok, 0);
		cmd = mock_command_id(mock_command_begin(&f->mh));
		i = f->mh.nchildren;
		rdd_plugin.command(f->ctx, f->mh.cmdv[cmd], 3, two);
		mock_child_exit(&f->mh, i, 0, "", "");
		/* A second run while one is going is refused. */
		{
			int busy = mock_command_id(mock_command_begin(&f->mh));

			rdd_plugin.command(f->ctx, f->mh.cmdv[busy], 1, none);
			assert_int_equal(f->mh.commands[busy].ok, 0);
			assert_non_null(
			    strstr(f->mh.commands[busy].text, "still running"));
		}
		mock_child_exit(&f->mh, i + 1, 0, "", "");
		mock_child_exit(&f->mh, i + 2, 0, "", "");
		assert_int_equal(f->mh.commands[cmd].ok, 1);
		assert_null(strstr(f->mh.commands[cmd].text, "deploy"));
	}
}

static void
test_local_run_refuses_invalid_and_stops(void **state)
{
	struct fx *f = *state;
	const char *bad[] = {"bad.yml", NULL};
	const char *ok[] = {"ci.yml", NULL};
	int cmd;

	put(f, "bad.yml", bad_yml);
	put(f, "ci.yml", ci_yml);
	assert_int_equal(create(f, NULL), 0);
	cmd = mock_command_id(mock_command_begin(&f->mh));
	rdd_plugin.command(f->ctx, f->mh.cmdv[cmd], 1, bad);
	assert_int_equal(f->mh.commands[cmd].ok, 0);
	assert_non_null(strstr(f->mh.commands[cmd].text, "invalid"));
	/* stop() while a step runs: the child is cancelled, the command
	 * answered. */
	cmd = mock_command_id(mock_command_begin(&f->mh));
	rdd_plugin.command(f->ctx, f->mh.cmdv[cmd], 1, ok);
	assert_int_equal(f->mh.nchildren, 1);
	assert_non_null(strstr(f->mh.children[0]->cmdline, "worktree prune"));
	rdd_plugin.stop(f->ctx);
	assert_int_equal(f->mh.children[0]->status, MOCK_CANCELLED);
	assert_int_equal(f->mh.commands[cmd].done, 1);
	assert_int_equal(f->mh.commands[cmd].ok, 0);
}

/*
 * Matrix combinations run side by side (max-parallel unset: all three
 * here); one failing cancels the others still running (fail-fast), whose
 * children are killed; a job's outputs: reach the next job.
 */
static void
test_local_run_matrix_failfast(void **state)
{
	static const char yml[] = "on: push\n"
	                          "jobs:\n"
	                          "  m:\n"
	                          "    runs-on: ubuntu-latest\n"
	                          "    outputs:\n"
	                          "      o: ${{ steps.s.outputs.v }}\n"
	                          "    strategy:\n"
	                          "      matrix:\n"
	                          "        n: [1, 2, 3]\n"
	                          "    steps:\n"
	                          "      - id: s\n"
	                          "        run: echo ${{ matrix.n }}\n"
	                          "  after:\n"
	                          "    needs: m\n"
	                          "    if: always()\n"
	                          "    runs-on: ubuntu-latest\n"
	                          "    steps:\n"
	                          "      - run: echo ${{ needs.m.result }}\n";
	struct fx *f = *state;
	const char *argv[] = {"mx.yml", "--in-place", NULL};
	int cmd;

	put(f, "mx.yml", yml);
	assert_int_equal(create(f, NULL), 0);
	cmd = mock_command_id(mock_command_begin(&f->mh));
	rdd_plugin.command(f->ctx, f->mh.cmdv[cmd], 2, argv);
	/* Three children at once, each its own combination's script. */
	assert_int_equal(f->mh.nchildren, 3);
	assert_non_null(strstr(f->mh.children[0]->cmdline, "m-0-step1.sh"));
	assert_non_null(strstr(f->mh.children[2]->cmdline, "m-2-step1.sh"));
	mock_child_exit(&f->mh, 1, 1, "", "");
	assert_int_equal(f->mh.children[0]->status, MOCK_CANCELLED);
	assert_int_equal(f->mh.children[2]->status, MOCK_CANCELLED);
	/* after runs (always) and sees the failure. */
	assert_int_equal(f->mh.nchildren, 4);
	mock_child_exit(&f->mh, 3, 0, "", "");
	assert_int_equal(f->mh.commands[cmd].done, 1);
	assert_int_equal(f->mh.commands[cmd].ok, 0);
	assert_non_null(
	    strstr(f->mh.commands[cmd].text, "job m: failure: m (2): step 1"));
	assert_true(journal_has(f, "local-job",
	    "3 combinations: 0 succeeded, 1 failed, 2 cancelled"));
	assert_true(journal_has(f, "local-job", "job after: success"));
}

/*
 * Without --in-place the run gets a worktree of HEAD under state_dir:
 * prune, add, the steps there, then remove; the command is answered only
 * once the worktree is gone, and removed even when the run failed.
 */
static void
test_local_run_worktree(void **state)
{
	struct fx *f = *state;
	const char *ok[] = {"ci.yml", NULL};
	const char *ev[] = {"ci.yml", "--event", "schedule", NULL};
	char wt[512], want[1024];
	int cmd;

	put(f, "ci.yml", ci_yml);
	assert_int_equal(create(f, NULL), 0);
	cmd = mock_command_id(mock_command_begin(&f->mh));
	rdd_plugin.command(f->ctx, f->mh.cmdv[cmd], 3, ev);
	assert_int_equal(f->mh.commands[cmd].ok, 0);
	assert_non_null(strstr(f->mh.commands[cmd].text,
	    "ci.yml has no 'schedule' trigger: its \"on:\" lists push"));
	cmd = mock_command_id(mock_command_begin(&f->mh));
	rdd_plugin.command(f->ctx, f->mh.cmdv[cmd], 1, ok);
	assert_int_equal(f->mh.nchildren, 1);
	snprintf(want, sizeof(want), "git -C %s worktree prune", f->repo);
	assert_string_equal(f->mh.children[0]->cmdline, want);
	mock_child_exit(&f->mh, 0, 0, "", "");
	assert_int_equal(f->mh.nchildren, 2);
	snprintf(wt, sizeof(wt), "%s/worktrees/ci.yml-1", f->state);
	snprintf(want, sizeof(want), "git -C %s worktree add --detach %s HEAD",
	    f->repo, wt);
	assert_string_equal(f->mh.children[1]->cmdline, want);
	assert_int_equal(mkdir(wt, 0700), 0); /* what git would do */
	mock_child_exit(&f->mh, 1, 0, "", "");
	/* The step runs in the worktree, with the default event. */
	assert_int_equal(f->mh.nchildren, 3);
	assert_string_equal(f->mh.children[2]->cwd, wt);
	assert_true(env_has(f->mh.children[2], "GITHUB_EVENT_NAME=push"));
	mock_child_exit(&f->mh, 2, 1, "", "make: no rule\n");
	/* A failed run still removes its worktree before the answer. */
	assert_int_equal(f->mh.nchildren, 4);
	snprintf(want, sizeof(want), "git -C %s worktree remove --force %s",
	    f->repo, wt);
	assert_string_equal(f->mh.children[3]->cmdline, want);
	assert_int_equal(f->mh.commands[cmd].done, 0);
	mock_child_exit(&f->mh, 3, 0, "", "");
	assert_int_equal(f->mh.commands[cmd].done, 1);
	assert_int_equal(f->mh.commands[cmd].ok, 0);
	assert_non_null(strstr(f->mh.commands[cmd].text, "job build: failure"));
	/* A worktree left by a stopped daemon is removed before the next. */
	cmd = mock_command_id(mock_command_begin(&f->mh));
	rdd_plugin.command(f->ctx, f->mh.cmdv[cmd], 1, ok);
	assert_int_equal(f->mh.nchildren, 5);
	snprintf(want, sizeof(want), "rm -rf -- %s", wt);
	assert_string_equal(f->mh.children[4]->cmdline, want);
	rdd_plugin.stop(f->ctx);
	assert_int_equal(f->mh.commands[cmd].done, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_descriptor),
	    cmocka_unit_test_setup_teardown(
	        test_config_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_validate_and_snapshot, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_delete_restore_by_watch, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_corrupt_restore_keeps_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_lint_and_off_never_restore, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_git_committed_invalid_is_reported, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_git_deleted_restored_from_head, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_git_deleted_by_commit_is_forgotten, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_git_missing_falls_back_to_snapshots, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_api_poll_and_repairs, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_api_rate_limit_and_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_api_server_error_is_unknown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_local_run, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_local_run_refuses_invalid_and_stops, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_local_run_worktree, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_local_run_matrix_failfast, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
