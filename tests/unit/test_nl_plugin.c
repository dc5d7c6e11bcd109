/*
 * test_nl_plugin.c: the netlify plugin (plugins/netlify/netlify.c) on the
 * mock host: checks of fixture sites, node --check children, probes, the
 * deploy API, the recovery ladder, 429 handling, the manifest watch.
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

#include "plugins/netlify/site.h"
#include "tests/lib/mock_host.h"

extern const struct rdd_plugin rdd_plugin;

#define TOKEN "nfp_s3cr3t-token-for-tests-0123456789"

static char fixtures[2048];

struct fx {
	struct mock_host mh;
	void *ctx;
	char dir[256];
	char site[512];
	char err[512];
};

static int copy_cb(
    const char *p, const struct stat *sb, int flag, struct FTW *ftw);
static const char *copy_from, *copy_to;

static int
copy_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	char dst[1024], *buf;
	size_t len;
	int fd;

	(void)ftw;
	snprintf(dst, sizeof(dst), "%s%s", copy_to, p + strlen(copy_from));
	if (flag == FTW_D)
		return mkdir(dst, 0755) == 0 || errno == EEXIST ? 0 : -1;
	if ((buf = nl_read_file(p, 1 << 20, &len)) == NULL)
		return -1;
	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, sb->st_mode & 0777);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		free(buf);
		return -1;
	}
	close(fd);
	free(buf);
	return 0;
}

static int
rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* A private copy of fixture site `name`, with old mtimes. */
static void
site_copy(struct fx *f, const char *name)
{
	char from[2200];

	snprintf(from, sizeof(from), "%s/%s", fixtures, name);
	snprintf(f->site, sizeof(f->site), "%s/site", f->dir);
	copy_from = from;
	copy_to = f->site;
	assert_int_equal(nftw(from, copy_cb, 16, FTW_PHYS), 0);
}

static void
put(const char *dir, const char *rel, const char *text)
{
	char path[1024], *sl;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (sl = path + 1; (sl = strchr(sl, '/')) != NULL; sl++) {
		*sl = '\0';
		mkdir(path, 0755);
		*sl = '/';
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_nl_plugin.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	mock_host_init(&f->mh, "netlify-functions");
	mock_secret_add(&f->mh, "NETLIFY_TOKEN", TOKEN);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	size_t i;

	if (f->ctx != NULL) {
		rdd_plugin.stop(f->ctx);
		rdd_plugin.destroy(f->ctx);
	}
	/* The token never reaches a log line. */
	for (i = 0; i < f->mh.nlogs; i++)
		assert_null(strstr(f->mh.logs[i].text, TOKEN));
	for (i = 0; i < f->mh.nreports; i++)
		assert_null(strstr(f->mh.reports[i].msg, TOKEN));
	assert_int_equal(f->mh.violations, 0);
	mock_host_free(&f->mh);
	nftw(f->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

#define CREATE(f, ...)                                                         \
	do {                                                                   \
		void *cfg_ = mock_config_new(&(f)->mh, &rdd_plugin,            \
		    "site_dir", (f)->site, __VA_ARGS__, NULL);                 \
		assert_non_null(cfg_);                                         \
		assert_int_equal(                                              \
		    rdd_plugin.create(&(f)->mh.host, mock_monitor(&(f)->mh),   \
		        cfg_, &(f)->ctx, (f)->err, sizeof((f)->err)),          \
		    0);                                                        \
		assert_int_equal(rdd_plugin.start((f)->ctx), 0);               \
	} while (0)

static int
child_for(struct mock_host *mh, const char *sub)
{
	size_t i;

	for (i = 0; i < mh->nchildren; i++)
		if (mh->children[i]->status == MOCK_PENDING &&
		    strstr(mh->children[i]->cmdline, sub) != NULL)
			return (int)i;
	return -1;
}

static int
http_for(struct mock_host *mh, const char *sub)
{
	size_t i;

	for (i = 0; i < mh->nhttps; i++)
		if (mh->https[i]->status == MOCK_PENDING &&
		    strstr(mh->https[i]->url, sub) != NULL)
			return (int)i;
	return -1;
}

static size_t
pending_children(struct mock_host *mh)
{
	size_t i, n = 0;

	for (i = 0; i < mh->nchildren; i++)
		n += mh->children[i]->status == MOCK_PENDING;
	return n;
}

/* Finish every pending node --check with success. */
static void
children_ok(struct mock_host *mh)
{
	size_t i;

	for (i = 0; i < mh->nchildren; i++)
		if (mh->children[i]->status == MOCK_PENDING)
			mock_child_exit(mh, i, 0, "", "");
}

static const struct mock_report *
last(struct fx *f, const char *target)
{
	const struct mock_report *r = mock_report_last(&f->mh, target);

	if (r == NULL)
		fail_msg("no report for %s", target);
	return r;
}

static void
assert_msg(const struct mock_report *r, const char *sub)
{
	if (strstr(r->msg, sub) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", r->target, r->msg, sub);
}

static struct rdd_recovery *
recover(struct fx *f, const char *target, const char *action)
{
	struct rdd_recovery *r = mock_recovery_begin(&f->mh);

	rdd_plugin.recover(f->ctx, r, target, action, 1);
	return r;
}

static const struct mock_recovery *
rec_of(struct fx *f, struct rdd_recovery *r)
{
	return &f->mh.recoveries[mock_recovery_id(r)];
}

static void
test_create_errors(void **state)
{
	struct fx *f = *state;
	void *cfg;

	cfg =
	    mock_config_new(&f->mh, &rdd_plugin, "site_dir", "rel/site", NULL);
	assert_int_equal(rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh),
	                     cfg, &f->ctx, f->err, sizeof(f->err)),
	    -1);
	assert_non_null(strstr(f->err, "site_dir: not an absolute path"));
	cfg = mock_config_new(&f->mh, &rdd_plugin, "site_dir", "/srv/app",
	    "site_id", "abc", NULL);
	assert_int_equal(rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh),
	                     cfg, &f->ctx, f->err, sizeof(f->err)),
	    -1);
	assert_non_null(strstr(f->err, "site_id needs a token"));
	cfg = mock_config_new(&f->mh, &rdd_plugin, "site_dir", "/srv/app",
	    "deploy_recovery", "rollback", NULL);
	assert_int_equal(rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh),
	                     cfg, &f->ctx, f->err, sizeof(f->err)),
	    -1);
	assert_non_null(strstr(f->err, "deploy_recovery: \"rollback\""));
	cfg = mock_config_new(&f->mh, &rdd_plugin, "site_dir", "/srv/app",
	    "probes", "( { method = \"GET\"; } )", NULL);
	assert_int_equal(rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh),
	                     cfg, &f->ctx, f->err, sizeof(f->err)),
	    -1);
	assert_non_null(strstr(f->err, "probes: entry 1 has no function"));
	cfg = mock_config_new(&f->mh, &rdd_plugin, "site_dir", "/srv/app",
	    "site_id", "abc", "token_env", "NOPE", NULL);
	assert_int_equal(rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh),
	                     cfg, &f->ctx, f->err, sizeof(f->err)),
	    -1);
	assert_non_null(strstr(f->err, "secret not found"));
	mock_secret_add(&f->mh, "TWO_LINES", "abc\r\nX-Evil: 1");
	cfg = mock_config_new(&f->mh, &rdd_plugin, "site_dir", "/srv/app",
	    "site_id", "abc", "token_env", "TWO_LINES", NULL);
	assert_int_equal(rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh),
	                     cfg, &f->ctx, f->err, sizeof(f->err)),
	    -1);
	assert_non_null(strstr(f->err, "must be one line"));
	assert_null(f->ctx);
}

static void
test_check_good_site(void **state)
{
	struct fx *f = *state;
	const struct mock_report *r;
	int i;

	site_copy(f, "good");
	CREATE(f, "node", "/usr/bin/node");
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	/* Six JavaScript entries; TypeScript is not node's to check. */
	assert_int_equal(pending_children(&f->mh), 6);
	assert_int_equal(child_for(&f->mh, "typed"), -1);
	i = child_for(&f->mh, "esm.mjs");
	assert_true(i >= 0);
	assert_string_equal(f->mh.children[i]->argv[1], "--check");
	assert_string_equal(f->mh.children[i]->cwd, f->site);
	assert_true(child_for(&f->mh, "functions/nested/nested.js") >= 0);
	assert_true(child_for(&f->mh, "functions/idx/index.js") >= 0);
	assert_int_equal(f->mh.checks_done, 0);
	children_ok(&f->mh);
	assert_int_equal(f->mh.checks_done, 1);
	r = last(f, "config");
	assert_int_equal(r->state, RDD_OK);
	assert_msg(r, "7 functions in functions ([functions] directory)");
	/* Never built (no manifest, no bundle, none seen): not damage. */
	r = last(f, "manifest");
	assert_int_equal(r->state, RDD_OK);
	assert_msg(r, "not built yet: no .netlify/functions/manifest.json");
	assert_int_equal(last(f, "function:hello")->state, RDD_OK);
	assert_int_equal(last(f, "function:typed")->state, RDD_OK);
	assert_msg(last(f, "function:v2"), "Functions API v2");
	assert_non_null(mock_metric_find(last(f, "function:hello"), "size"));
	assert_null(mock_report_last(&f->mh, "deploy"));

	/* Unchanged sources: node is not asked again. */
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(pending_children(&f->mh), 0);
	assert_int_equal(f->mh.checks_done, 2);

	/* Once a manifest has existed (remembered in the state), missing is
	 * damage; so it is when a bundle is there. */
	f->mh.host.state_set(mock_monitor(&f->mh), "manifest_seen", "1");
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	r = last(f, "manifest");
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_msg(r, ".netlify/functions/manifest.json is missing");
	f->mh.host.state_set(mock_monitor(&f->mh), "manifest_seen", NULL);
	put(f->site, ".netlify/functions/hello.zip", "PK");
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(last(f, "manifest")->state, RDD_CRITICAL);
}

static void
test_check_broken_site(void **state)
{
	struct fx *f = *state;
	const struct mock_report *r;
	char err[1200];
	int i;

	site_copy(f, "broken");
	CREATE(f, "manifest", "false");
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(pending_children(&f->mh), 6);
	snprintf(err, sizeof(err),
	    "%s/netlify/functions/syntax.js:2\n\treturn { statusCode: 200, "
	    "body: \"unclosed\" ;\n\t                                      "
	    "^\n\nSyntaxError: Unexpected token ';'\n    at "
	    "internalCompileFunction (node:internal/vm:76:18)\n\nNode.js "
	    "v20.20.2\n",
	    f->site);
	i = child_for(&f->mh, "syntax.js");
	assert_true(i >= 0);
	mock_child_exit(&f->mh, (size_t)i, 1, "", err);
	/* ESM .js goes through stdin as a module: node fails open on it. */
	i = child_for(&f->mh, "--input-type=module --check");
	assert_true(i >= 0);
	assert_non_null(f->mh.children[i]->input);
	assert_non_null(strstr(f->mh.children[i]->input, "import fs"));
	mock_child_exit(&f->mh, (size_t)i, 1, "",
	    "[stdin]:3\n\treturn x ;\n\n\nSyntaxError: Unexpected token "
	    "';'\n    at checkSyntax (node:internal/main/check_syntax:74:5)\n");
	children_ok(&f->mh);
	assert_int_equal(f->mh.checks_done, 1);
	r = last(f, "function:syntax");
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_msg(r, "netlify/functions/syntax.js:2: SyntaxError: Unexpected "
	              "token ';': fix the syntax");
	r = last(f, "function:esmsyntax");
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_msg(r, "netlify/functions/esmsyntax.js:3: SyntaxError");
	assert_int_equal(last(f, "function:nohandler")->state, RDD_CRITICAL);
	assert_int_equal(last(f, "function:bad.name")->state, RDD_CRITICAL);
	assert_int_equal(last(f, "function:fine")->state, RDD_WARNING);
	r = last(f, "config");
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_msg(r, "netlify.toml:13: redirect /api/ghost -> "
	              "/.netlify/functions/ghost: function ghost does not "
	              "exist in netlify/functions");
	assert_null(mock_report_last(&f->mh, "manifest"));

	/* The cached failure is repeated without a new child. */
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(pending_children(&f->mh), 0);
	assert_int_equal(f->mh.checks_done, 2);
	assert_msg(last(f, "function:syntax"), "syntax.js:2: SyntaxError");
	/* Fixed source: a new check runs node again. */
	put(f->site, "netlify/functions/syntax.js",
	    "exports.handler = async () => ({ statusCode: 200 });\n");
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(pending_children(&f->mh), 1);
	children_ok(&f->mh);
	assert_int_equal(last(f, "function:syntax")->state, RDD_OK);
}

static void
test_recover_manifest_writer(void **state)
{
	struct fx *f = *state;
	struct rdd_recovery *r;
	const struct mock_report *rep;
	char path[1024], *text;
	const char *const names[] = {
	    "esm", "hello", "idx", "legacy", "nested", "typed", "v2"};
	size_t i, len;

	site_copy(f, "good");
	CREATE(f, "watch", "false", "manifest_required", "true");
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	children_ok(&f->mh);
	/* Required: missing is CRITICAL even before the first build. */
	assert_int_equal(last(f, "manifest")->state, RDD_CRITICAL);
	assert_msg(last(f, "manifest"),
	    ".netlify/functions/manifest.json is missing");

	r = recover(f, "manifest", "repair");
	assert_int_equal(rec_of(f, r)->done, 1);
	assert_int_equal(rec_of(f, r)->ok, 1);
	assert_non_null(strstr(rec_of(f, r)->msg,
	    "written from the bundles in .netlify/functions: 7 functions"));
	assert_non_null(
	    strstr(rec_of(f, r)->msg, "bundles: 7 missing, 0 older"));
	assert_null(strstr(rec_of(f, r)->msg, "previous"));
	snprintf(
	    path, sizeof(path), "%s/.netlify/functions/manifest.json", f->site);
	text = nl_read_file(path, 1 << 20, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"name\":\"nested\""));
	free(text);

	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	rep = last(f, "manifest");
	assert_int_equal(rep->state, RDD_WARNING);
	assert_msg(rep, "fresh, but bundles: 7 missing, 0 older");
	rep = last(f, "function:hello");
	assert_int_equal(rep->state, RDD_WARNING);
	assert_msg(rep, "bundle .netlify/functions/hello.zip is missing");

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(
		    path, sizeof(path), ".netlify/functions/%s.zip", names[i]);
		put(f->site, path, "PK");
	}
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	rep = last(f, "manifest");
	assert_int_equal(rep->state, RDD_OK);
	assert_msg(rep, "fresh: 7 functions, all bundles present");
	assert_int_equal(last(f, "function:hello")->state, RDD_OK);

	/* A second regeneration keeps the first manifest as the backup. */
	r = recover(f, "manifest", "repair");
	assert_int_equal(rec_of(f, r)->ok, 1);
	assert_non_null(strstr(rec_of(f, r)->msg,
	    "functions; the previous one is manifest.json.bak"));
	snprintf(path, sizeof(path), "%s/.netlify/functions/manifest.json.bak",
	    f->site);
	assert_int_equal(access(path, F_OK), 0);

	/* A manifest that is not JSON is CRITICAL. */
	put(f->site, ".netlify/functions/manifest.json", "{\"functions\": [");
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	rep = last(f, "manifest");
	assert_int_equal(rep->state, RDD_CRITICAL);
	assert_msg(rep, "is unusable: not JSON");
}

static void
test_recover_manifest_bundler(void **state)
{
	struct fx *f = *state;
	struct rdd_recovery *r;
	const struct mock_child *ch;
	char path[1024], want[2048], *text;
	const char *tmp;
	size_t len;
	int i;

	site_copy(f, "good");
	CREATE(f, "watch", "false", "bundler_cmd", "[\"/opt/zisi/bin/zisi\"]");
	put(f->site, ".netlify/functions/manifest.json",
	    "{\"functions\":[],\"version\":1,\"timestamp\":1}");
	r = recover(f, "manifest", "repair");
	assert_int_equal(rec_of(f, r)->done, 0);
	i = child_for(&f->mh, "/opt/zisi/bin/zisi --manifest ");
	assert_true(i >= 0);
	ch = f->mh.children[i];
	assert_string_equal(ch->cwd, f->site);
	assert_string_equal(ch->argv[1], "--manifest");
	tmp = ch->argv[2];
	assert_non_null(strstr(tmp, "/.netlify/functions/.manifest.json."));
	assert_string_equal(ch->argv[3], "--config");
	assert_non_null(strstr(ch->argv[4], "\"typed\":{\"nodeBundler\":"
	                                    "\"esbuild\"}"));
	snprintf(want, sizeof(want), "\"includedFiles\":[\"%s/data/*.json\"]",
	    f->site);
	assert_non_null(strstr(ch->argv[4], want));
	snprintf(want, sizeof(want), "%s/functions", f->site);
	assert_string_equal(ch->argv[5], want);
	snprintf(want, sizeof(want), "%s/.netlify/functions", f->site);
	assert_string_equal(ch->argv[6], want);

	/* The bundler writes its manifest; the plugin installs it. */
	snprintf(want, sizeof(want),
	    "{\"functions\":[{\"name\":\"hello\",\"mainFile\":\"%s/functions/"
	    "hello.js\",\"path\":\"%s/.netlify/functions/hello.zip\","
	    "\"runtime\":\"js\"}],\"timestamp\":9,\"version\":1}",
	    f->site, f->site);
	put("", tmp + 1, want);
	mock_child_exit(&f->mh, (size_t)i, 0, "[]", "");
	assert_int_equal(rec_of(f, r)->ok, 1);
	assert_non_null(strstr(rec_of(f, r)->msg,
	    "manifest regenerated by zisi: 1 function bundled"));
	snprintf(
	    path, sizeof(path), "%s/.netlify/functions/manifest.json", f->site);
	text = nl_read_file(path, 1 << 20, &len);
	assert_string_equal(text, want);
	free(text);
	snprintf(path, sizeof(path), "%s/.netlify/functions/manifest.json.bak",
	    f->site);
	text = nl_read_file(path, 1 << 20, &len);
	assert_string_equal(text, "{\"functions\":[],\"version\":1,"
	                          "\"timestamp\":1}");
	free(text);

	/* A failing bundler leaves the manifest alone and says why. */
	r = recover(f, "manifest", "repair");
	i = child_for(&f->mh, "/opt/zisi/bin/zisi");
	assert_true(i >= 0);
	tmp = f->mh.children[i]->argv[2];
	put("", tmp + 1, "{ half");
	mock_child_exit(&f->mh, (size_t)i, 1, "",
	    "Bundling...\nError: Could not resolve \"left-pad\"\n");
	assert_int_equal(rec_of(f, r)->ok, 0);
	assert_non_null(strstr(rec_of(f, r)->msg,
	    "zisi failed (exit 1): Error: Could not resolve \"left-pad\""));
	assert_int_equal(access(tmp, F_OK), -1);
	snprintf(
	    path, sizeof(path), "%s/.netlify/functions/manifest.json", f->site);
	text = nl_read_file(path, 1 << 20, &len);
	assert_string_equal(text, want);
	free(text);

	/* A bundler that exits 0 without a manifest fails the rung. */
	r = recover(f, "manifest", "repair");
	i = child_for(&f->mh, "/opt/zisi/bin/zisi");
	mock_child_exit(&f->mh, (size_t)i, 0, "", "");
	assert_int_equal(rec_of(f, r)->ok, 0);
	assert_non_null(strstr(rec_of(f, r)->msg, "wrote no usable manifest"));
	/* A bundler that cannot start. */
	r = recover(f, "manifest", "repair");
	i = child_for(&f->mh, "/opt/zisi/bin/zisi");
	mock_child_spawn_error(&f->mh, (size_t)i, ENOENT);
	assert_int_equal(rec_of(f, r)->ok, 0);
	assert_non_null(strstr(rec_of(f, r)->msg, "fix bundler_cmd"));
}

static void
test_ladder_misfits(void **state)
{
	struct fx *f = *state;
	struct rdd_recovery *r;

	site_copy(f, "good");
	CREATE(f, "watch", "false");
	r = recover(f, "manifest", "restore-deploy");
	assert_int_equal(rec_of(f, r)->done, 1);
	assert_int_equal(rec_of(f, r)->ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_non_null(strstr(rec_of(f, r)->msg,
	    "restore-deploy does not apply to the manifest"));
	r = recover(f, "function:hello", "repair");
	assert_int_equal(rec_of(f, r)->ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_non_null(strstr(rec_of(f, r)->msg,
	    "function:hello is not repaired by redundancyd: fix the "
	    "function's source"));
	r = recover(f, "config", "repair");
	assert_int_equal(rec_of(f, r)->ok, RDD_RECOVERY_NOT_APPLICABLE);
	r = recover(f, "deploy", "repair");
	assert_int_equal(rec_of(f, r)->ok, 0);
	assert_non_null(strstr(rec_of(f, r)->msg, "no Netlify token"));
	r = recover(f, "manifest", "reboot");
	assert_int_equal(rec_of(f, r)->ok, 0);
	assert_non_null(strstr(rec_of(f, r)->msg, "unknown action"));
	r = recover(f, "elsewhere", "repair");
	assert_int_equal(rec_of(f, r)->ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_int_equal(f->mh.nchildren, 0);
}

#define API "http://127.0.0.1:9/api/v1"

static void
create_api(struct fx *f, const char *mode)
{
	site_copy(f, "good");
	CREATE(f, "watch", "false", "manifest", "false", "site_id", "site-1",
	    "token_env", "NETLIFY_TOKEN", "api_url", API "/", "deploy_recovery",
	    mode);
}

/* One check whose deploy list is body (or a status without one). */
static void
check_deploys(struct fx *f, long status, const char *body, const char *hdrs)
{
	const struct mock_http *h;
	int i, done = f->mh.checks_done;
	size_t k;

	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	children_ok(&f->mh);
	i = http_for(&f->mh, "/sites/site-1/deploys?per_page=10");
	assert_true(i >= 0);
	h = f->mh.https[i];
	assert_string_equal(h->method, "GET");
	assert_string_equal(h->url, API "/sites/site-1/deploys?per_page=10");
	for (k = 0; k < h->nheaders; k++)
		if (strcmp(h->headers[k], "Authorization: Bearer " TOKEN) == 0)
			break;
	assert_true(k < h->nheaders);
	mock_http_reply(&f->mh, (size_t)i, status, body, hdrs);
	assert_int_equal(f->mh.checks_done, done + 1);
}

static char *
fixture_text(const char *rel)
{
	char path[2200];
	size_t len;
	char *t;

	snprintf(path, sizeof(path), "%s/%s", fixtures, rel);
	t = nl_read_file(path, 1 << 20, &len);
	assert_non_null(t);
	return t;
}

static void
test_deploy_retry_then_restore(void **state)
{
	struct fx *f = *state;
	struct rdd_recovery *r;
	const struct mock_report *rep;
	char *errlist;
	int i;

	create_api(f, "retry-then-restore");
	errlist = fixture_text("deploys/error.json");
	check_deploys(f, 200, errlist, NULL);
	free(errlist);
	rep = last(f, "deploy");
	assert_int_equal(rep->state, RDD_CRITICAL);
	assert_msg(
	    rep, "deploy d-err-3 (production main) failed: Build script");

	r = recover(f, "deploy", "repair");
	{
		/* Other targets are answered while this one runs. */
		struct rdd_recovery *r2 = recover(f, "function:esm", "repair");

		assert_non_null(
		    strstr(rec_of(f, r2)->msg, "fix the function's source"));
		r2 = recover(f, "deploy", "restore-deploy");
		assert_int_equal(rec_of(f, r2)->ok, 0);
		assert_non_null(strstr(rec_of(f, r2)->msg,
		    "a recovery of this target is running"));
	}
	i = http_for(&f->mh, "/builds");
	assert_true(i >= 0);
	assert_string_equal(f->mh.https[i]->method, "POST");
	assert_string_equal(f->mh.https[i]->url, API "/sites/site-1/builds");
	mock_http_reply(&f->mh, (size_t)i, 201,
	    "{\"id\":\"b-9\",\"deploy_id\":\"d-err-9\",\"done\":false}", NULL);
	assert_int_equal(rec_of(f, r)->ok, 1);
	assert_non_null(
	    strstr(rec_of(f, r)->msg, "build b-9 started (deploy d-err-9)"));

	/* The retried build failed too: repair now restores. */
	check_deploys(f, 200,
	    "[{\"id\":\"d-err-9\",\"state\":\"error\",\"error_message\":"
	    "\"again\","
	    "\"created_at\":\"2026-01-01T00:00:00Z\"},{\"id\":\"d-err-3\","
	    "\"state\":\"error\"},{\"id\":\"d-ok-2\",\"state\":\"ready\"}]",
	    NULL);
	assert_msg(last(f, "deploy"), "failed again after the retried build");
	r = recover(f, "deploy", "repair");
	i = http_for(&f->mh, "/restore");
	assert_true(i >= 0);
	assert_string_equal(
	    f->mh.https[i]->url, API "/sites/site-1/deploys/d-ok-2/restore");
	mock_http_reply(&f->mh, (size_t)i, 201, "{\"id\":\"d-ok-2\"}", NULL);
	assert_int_equal(rec_of(f, r)->ok, 1);
	assert_non_null(strstr(rec_of(f, r)->msg,
	    "restored deploy d-ok-2, the last ready one, in place of d-err-9"));

	/* Serving the restored deploy: WARNING until a good deploy. */
	check_deploys(f, 200,
	    "[{\"id\":\"d-err-9\",\"state\":\"error\"},{\"id\":\"d-ok-2\","
	    "\"state\":\"ready\"}]",
	    NULL);
	rep = last(f, "deploy");
	assert_int_equal(rep->state, RDD_WARNING);
	assert_msg(rep, "redundancyd restored deploy d-ok-2");

	/* The second rung restores directly; an API error fails it. */
	r = recover(f, "deploy", "restore-deploy");
	i = http_for(&f->mh, "/restore");
	mock_http_reply(&f->mh, (size_t)i, 422,
	    "{\"code\":422,\"message\":\"Deploy is locked\"}", NULL);
	assert_int_equal(rec_of(f, r)->ok, 0);
	assert_non_null(strstr(rec_of(f, r)->msg, "HTTP 422"));
	assert_non_null(strstr(rec_of(f, r)->msg, "Deploy is locked"));
}

static void
test_deploy_modes(void **state)
{
	struct fx *f = *state;
	struct rdd_recovery *r;
	char *errlist = fixture_text("deploys/error.json");

	create_api(f, "restore");
	check_deploys(f, 200, errlist, NULL);
	free(errlist);
	r = recover(f, "deploy", "repair");
	assert_true(
	    http_for(&f->mh, "/sites/site-1/deploys/d-ok-2/restore") >= 0);
	mock_http_reply(
	    &f->mh, (size_t)http_for(&f->mh, "/restore"), 201, "{}", NULL);
	assert_int_equal(rec_of(f, r)->ok, 1);
	assert_string_equal(
	    f->mh.host.state_get(mock_monitor(&f->mh), "restored_for"),
	    "d-err-3");
}

static void
test_deploy_none_and_no_ready(void **state)
{
	struct fx *f = *state;
	struct rdd_recovery *r;

	create_api(f, "none");
	check_deploys(f, 200, "[{\"id\":\"d1\",\"state\":\"error\"}]", NULL);
	r = recover(f, "deploy", "repair");
	assert_int_equal(rec_of(f, r)->ok, 0);
	assert_non_null(
	    strstr(rec_of(f, r)->msg, "deploy_recovery = \"none\""));
	rdd_plugin.stop(f->ctx);
	rdd_plugin.destroy(f->ctx);
	f->ctx = NULL;
	nftw(f->site, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	create_api(f, "restore");
	check_deploys(f, 200, "[{\"id\":\"d1\",\"state\":\"error\"}]", NULL);
	r = recover(f, "deploy", "restore-deploy");
	assert_int_equal(rec_of(f, r)->ok, 0);
	assert_non_null(strstr(rec_of(f, r)->msg, "no ready deploy"));
}

static void
test_deploy_api_errors(void **state)
{
	struct fx *f = *state;
	const struct mock_report *rep;
	struct mock_host *mh = &f->mh;
	int i;

	create_api(f, "retry");
	check_deploys(f, 401, "{\"code\":401}", NULL);
	rep = last(f, "deploy");
	assert_int_equal(rep->state, RDD_UNKNOWN);
	assert_msg(rep, "refused the token (HTTP 401)");
	check_deploys(f, 404, "", NULL);
	assert_msg(last(f, "deploy"), "site site-1 not found");
	check_deploys(f, 200, "<html>", NULL);
	assert_msg(last(f, "deploy"), "not JSON");
	rdd_plugin.check(f->ctx, mock_check_begin(mh));
	i = http_for(mh, "/deploys");
	{
		struct rdd_http_response res;

		memset(&res, 0, sizeof(res));
		res.error = 7;
		res.errmsg = "Couldn't connect to server";
		mock_http_complete(mh, (size_t)i, &res);
	}
	assert_msg(last(f, "deploy"), "unreachable: Couldn't connect");
}

static void
test_rate_limit(void **state)
{
	struct fx *f = *state;
	struct mock_host *mh = &f->mh;
	struct rdd_recovery *r;
	const struct mock_report *rep;
	size_t n;
	int i, t;

	create_api(f, "retry");
	check_deploys(f, 200, "[{\"id\":\"d1\",\"state\":\"error\"}]", NULL);
	check_deploys(f, 429, "{\"message\":\"rate limited\"}",
	    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\n");
	rep = last(f, "deploy");
	assert_int_equal(rep->state, RDD_CRITICAL); /* the last known */
	assert_msg(rep, "rate limited by the Netlify API (429): next request "
	                "in 30s");
	/* Within the window no request is made. */
	n = mh->nhttps;
	rdd_plugin.check(f->ctx, mock_check_begin(mh));
	children_ok(mh);
	assert_int_equal(mh->nhttps, n);
	assert_msg(last(f, "deploy"), "not asked: Netlify API rate limit");

	/* A recovery waits for a short Retry-After, then sends again. */
	r = recover(f, "deploy", "repair");
	i = http_for(mh, "/builds");
	mock_http_reply(mh, (size_t)i, 429, "", "Retry-After: 2\r\n");
	assert_int_equal(rec_of(f, r)->done, 0);
	t = mock_timer_last(mh);
	assert_true(t >= 0);
	assert_int_equal(mh->timers[t]->ms, 2000);
	assert_int_equal(http_for(mh, "/builds"), -1);
	mock_timer_fire(mh, (size_t)t);
	i = http_for(mh, "/builds");
	assert_true(i >= 0);
	mock_http_reply(mh, (size_t)i, 201,
	    "{\"id\":\"b1\",\"deploy_id\":"
	    "\"d2\"}",
	    NULL);
	assert_int_equal(rec_of(f, r)->ok, 1);
	assert_true(mock_log_find(mh, "retrying after 2s") >= 0);
	/* A long one fails the rung at once. */
	r = recover(f, "deploy", "repair");
	i = http_for(mh, "/builds");
	mock_http_reply(mh, (size_t)i, 429, "", "Retry-After: 600\r\n");
	assert_int_equal(rec_of(f, r)->ok, 0);
	assert_non_null(strstr(rec_of(f, r)->msg, "Retry-After 600s"));
}

static void
test_stuck_deploy(void **state)
{
	struct fx *f = *state;
	struct mock_host *mh = &f->mh;
	struct rdd_recovery *r;
	char body[512], ts[64];
	time_t t = time(NULL) - 50 * 60;
	int i;

	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S.000Z", gmtime(&t));
	snprintf(body, sizeof(body),
	    "[{\"id\":\"d-busy\",\"state\":\"building\",\"created_at\":\"%s\"},"
	    "{\"id\":\"d-ok\",\"state\":\"ready\"}]",
	    ts);
	create_api(f, "retry-then-restore");
	check_deploys(f, 200, body, NULL);
	assert_int_equal(last(f, "deploy")->state, RDD_CRITICAL);
	assert_msg(last(f, "deploy"), "stuck in building for 50m");
	r = recover(f, "deploy", "repair");
	i = http_for(mh, "/deploys/d-busy/cancel");
	assert_true(i >= 0);
	assert_string_equal(mh->https[i]->url, API "/deploys/d-busy/cancel");
	mock_http_reply(mh, (size_t)i, 201, "{}", NULL);
	i = http_for(mh, "/sites/site-1/builds");
	assert_true(i >= 0);
	mock_http_reply(
	    mh, (size_t)i, 201, "{\"id\":\"b\",\"deploy_id\":\"d\"}", NULL);
	assert_int_equal(rec_of(f, r)->ok, 1);
	assert_non_null(
	    strstr(rec_of(f, r)->msg, "after cancelling stuck deploy d-busy"));
}

static void
test_probes(void **state)
{
	struct fx *f = *state;
	struct mock_host *mh = &f->mh;
	struct rdd_http_response res;
	const struct mock_report *rep;
	int i;

	site_copy(f, "good");
	CREATE(f, "watch", "false", "manifest", "false", "base_url",
	    "http://127.0.0.1:9", "probes",
	    "( { function = \"hello\"; body = \"hello from\"; "
	    "latency_warning = \"1s\"; }, { function = \"esm\"; status = 201; "
	    "method = \"POST\"; }, { function = \"n*\"; timeout = 3; }, "
	    "{ function = \"ghost\"; } )");
	rdd_plugin.check(f->ctx, mock_check_begin(mh));
	children_ok(mh);
	assert_int_equal(mh->nhttps, 3);
	i = http_for(mh, "/.netlify/functions/hello");
	assert_string_equal(
	    mh->https[i]->url, "http://127.0.0.1:9/.netlify/functions/hello");
	memset(&res, 0, sizeof(res));
	res.status = 200;
	res.body = "hello from hello";
	res.total_ms = 1500;
	mock_http_complete(mh, (size_t)i, &res);
	i = http_for(mh, "/.netlify/functions/esm");
	assert_string_equal(mh->https[i]->method, "POST");
	mock_http_reply(mh, (size_t)i, 200, "esm", NULL);
	i = http_for(mh, "/.netlify/functions/nested");
	assert_int_equal(mh->https[i]->timeout_ms, 3000);
	memset(&res, 0, sizeof(res));
	res.error = 7;
	res.errmsg = "Connection refused";
	mock_http_complete(mh, (size_t)i, &res);
	assert_int_equal(mh->checks_done, 1);

	rep = last(f, "function:hello");
	assert_int_equal(rep->state, RDD_WARNING);
	assert_msg(rep, "probe took 1500 ms, over latency_warning 1s");
	assert_true(mock_metric_find(rep, "latency")->value > 1.4);
	assert_int_equal(mock_metric_find(rep, "http_status")->value, 200);
	rep = last(f, "function:esm");
	assert_int_equal(rep->state, RDD_CRITICAL);
	assert_msg(rep, "answered HTTP 200, expected 201");
	assert_msg(last(f, "function:nested"), "failed: Connection refused");
	assert_int_equal(last(f, "function:idx")->state, RDD_OK);
	rep = last(f, "config");
	assert_int_equal(rep->state, RDD_WARNING);
	assert_msg(rep, "probes: function ghost is not in functions");

	/* The body check. */
	rdd_plugin.check(f->ctx, mock_check_begin(mh));
	mock_http_reply(mh, (size_t)http_for(mh, "/hello"), 200, "bye", NULL);
	mock_http_reply(mh, (size_t)http_for(mh, "/esm"), 201, "", NULL);
	mock_http_reply(mh, (size_t)http_for(mh, "/nested"), 200, "", NULL);
	assert_msg(last(f, "function:hello"), "the body lacks \"hello from\"");
	assert_int_equal(last(f, "function:esm")->state, RDD_OK);
}

static void
test_probe_all_background(void **state)
{
	struct fx *f = *state;
	struct mock_host *mh = &f->mh;

	snprintf(f->site, sizeof(f->site), "%s/site", f->dir);
	put(f->site, "netlify/functions/job-background.js",
	    "exports.handler = async () => {};\n");
	put(f->site, "netlify/functions/api.mjs",
	    "export default async () => new Response('ok');\n");
	CREATE(f, "watch", "false", "manifest", "false", "base_url",
	    "http://127.0.0.1:9/", "probe_all", "true");
	rdd_plugin.check(f->ctx, mock_check_begin(mh));
	children_ok(mh);
	assert_int_equal(mh->nhttps, 2);
	mock_http_reply(
	    mh, (size_t)http_for(mh, "/job-background"), 202, "", NULL);
	mock_http_reply(mh, (size_t)http_for(mh, "/api"), 202, "", NULL);
	assert_int_equal(last(f, "function:job-background")->state, RDD_OK);
	assert_msg(last(f, "function:api"), "answered HTTP 202, expected 200");
	assert_msg(last(f, "config"), "no netlify.toml; 2 functions in "
	                              "netlify/functions (default)");
}

static void
test_watch_push(void **state)
{
	struct fx *f = *state;
	struct mock_host *mh = &f->mh;
	char path[1024];
	size_t n;

	site_copy(f, "good");
	put(f->site, ".netlify/functions/manifest.json", "{}");
	CREATE(f, "node", "node");
	assert_int_equal(mh->nwatches, 1);
	snprintf(path, sizeof(path), "%s/.netlify/functions", f->site);
	assert_string_equal(mh->watches[0]->path, path);
	mock_watch_fire(mh, 0, path);
	assert_int_equal(mh->nreports, 0);
	snprintf(
	    path, sizeof(path), "%s/.netlify/functions/manifest.json", f->site);
	unlink(path);
	mock_watch_fire(mh, 0, path);
	assert_int_equal(mh->nreports, 1);
	assert_int_equal(mh->reports[0].check, -1);
	assert_string_equal(mh->reports[0].target, "manifest");
	assert_int_equal(mh->reports[0].state, RDD_CRITICAL);
	n = mh->nreports;
	mock_watch_fire(mh, 0, path);
	assert_int_equal(mh->nreports, n); /* once per deletion */
	rdd_plugin.stop(f->ctx);
	assert_false(mh->watches[0]->active);
}

static void
test_busy_and_stop(void **state)
{
	struct fx *f = *state;
	struct mock_host *mh = &f->mh;
	size_t n, i;

	site_copy(f, "good");
	CREATE(f, "watch", "false");
	rdd_plugin.check(f->ctx, mock_check_begin(mh));
	children_ok(mh);
	n = mh->nreports;
	/* A source changed: the next check waits for node. */
	put(f->site, "functions/hello.js", "exports.handler = 2;\n");
	rdd_plugin.check(f->ctx, mock_check_begin(mh));
	assert_int_equal(pending_children(mh), 1);
	assert_int_equal(mh->checks_done, 1);
	/* Overlap: the last results are repeated so no target vanishes. */
	rdd_plugin.check(f->ctx, mock_check_begin(mh));
	assert_int_equal(mh->checks_done, 2);
	assert_int_equal(mh->nreports, 2 * n);
	for (i = 0; i < n; i++)
		assert_string_equal(
		    mh->reports[n + i].target, mh->reports[i].target);
	rdd_plugin.stop(f->ctx);
	assert_int_equal(pending_children(mh), 0);
	assert_int_equal(mh->checks_done, 2);
	/* refused children are reported, not hung on */
	mh->refuse_children = 1;
	rdd_plugin.check(f->ctx, mock_check_begin(mh));
	assert_int_equal(mh->checks_done, 3);
	assert_msg(last(f, "function:hello"), "could not start node --check");
}

int
main(void)
{
	const char *src = getenv("srcdir");
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_create_errors),
	    T(test_check_good_site),
	    T(test_check_broken_site),
	    T(test_recover_manifest_writer),
	    T(test_recover_manifest_bundler),
	    T(test_ladder_misfits),
	    T(test_deploy_retry_then_restore),
	    T(test_deploy_modes),
	    T(test_deploy_none_and_no_ready),
	    T(test_deploy_api_errors),
	    T(test_rate_limit),
	    T(test_stuck_deploy),
	    T(test_probes),
	    T(test_probe_all_background),
	    T(test_watch_push),
	    T(test_busy_and_stop),
#undef T
	};
	char cwd[1024];

	if (src == NULL)
		src = ".";
	if (src[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		snprintf(fixtures, sizeof(fixtures),
		    "%.1000s/%.900s/tests/unit/fixtures/netlify", cwd, src);
	else
		snprintf(fixtures, sizeof(fixtures),
		    "%.1900s/tests/unit/fixtures/netlify", src);
	nl_path_clean(fixtures);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
