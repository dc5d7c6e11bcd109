/*
 * test_nl_manifest.c: unit tests of plugins/netlify/manifest.c and
 * deploy.c: the manifest against the one zip-it-and-ship-it 16.2.3 wrote
 * for the same fixture, staleness, atomic install with a backup, bundles,
 * and the Netlify API answers and deploy decisions.
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
#include <json-c/json.h>

#include "plugins/netlify/deploy.h"
#include "plugins/netlify/manifest.h"
#include "plugins/netlify/site.h"

static char fixtures[2048];

struct tmp {
	char dir[256];
};

static void
put(const char *dir, const char *rel, const char *text)
{
	char path[1024], *sl;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (sl = path + strlen(dir) + 1; (sl = strchr(sl, '/')) != NULL;
	     sl++) {
		*sl = '\0';
		mkdir(path, 0755);
		*sl = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Set the mtime of dir/rel to now + delta seconds. */
static void
age(const char *dir, const char *rel, int delta)
{
	struct timespec ts[2];
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += delta;
	ts[1] = ts[0];
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static int
rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int
setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_nl_manifest.XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tmp *t = *state;

	nftw(t->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

static char *
slurp(const char *path)
{
	size_t len;
	char *s = nl_read_file(path, 1 << 20, &len);

	assert_non_null(s);
	return s;
}

static char *
subst(const char *text, const char *from, const char *to)
{
	size_t n = 0, fl = strlen(from), tl = strlen(to);
	const char *p;
	char *out, *o;

	for (p = text; (p = strstr(p, from)) != NULL; p += fl)
		n++;
	out = malloc(strlen(text) + n * tl + 1);
	assert_non_null(out);
	for (o = out, p = text; *p != '\0';) {
		if (strncmp(p, from, fl) == 0) {
			memcpy(o, to, tl);
			o += tl;
			p += fl;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static json_object *
by_name(json_object *fns, const char *name)
{
	json_object *fo, *n;
	size_t i;

	for (i = 0; i < json_object_array_length(fns); i++) {
		fo = json_object_array_get_idx(fns, i);
		if (json_object_object_get_ex(fo, "name", &n) &&
		    strcmp(json_object_get_string(n), name) == 0)
			return fo;
	}
	return NULL;
}

/*
 * Every field of the real bundler's manifest that does not depend on the
 * bundler's version or the clock is written the same way by ours.
 */
static void
test_same_as_zisi(void **state)
{
	/*
	 * bootstrapVersion comes from the site's node_modules, which this
	 * fixture has not (nl_manifest.sh compares it with one).
	 */
	static const char *const skip[] = {
	    "timestamp", "bootstrapVersion", NULL};
	struct nl_conf c;
	struct nl_site s;
	char site[4096], dist[4200], path[4300], err[256];
	char *want_text, *want_sub, *ours;
	json_object *want, *got, *wf, *gf, *wfns, *gfns, *v, *gv;
	size_t i, k;

	(void)state;
	snprintf(site, sizeof(site), "%s/good", fixtures);
	snprintf(dist, sizeof(dist), "%s/.netlify/functions", site);
	assert_int_equal(nl_conf_load(&c, site), 0);
	assert_int_equal(
	    nl_discover(&s, site, c.functions_dir, err, sizeof(err)), 0);
	nl_validate(&s, &c, 0);
	ours = nl_manifest_json(&s, dist, 1234);
	assert_non_null(ours);
	/* JSON.stringify escapes no slashes, and neither do we. */
	assert_null(strstr(ours, "\\/"));
	snprintf(
	    path, sizeof(path), "%s/zisi-16.2.3-good-manifest.json", fixtures);
	want_text = slurp(path);
	want_sub = subst(want_text, "@SITE@", site);
	want = json_tokener_parse(want_sub);
	got = json_tokener_parse(ours);
	assert_non_null(want);
	assert_non_null(got);
	json_object_object_get_ex(want, "functions", &wfns);
	json_object_object_get_ex(got, "functions", &gfns);
	assert_int_equal(
	    json_object_array_length(wfns), json_object_array_length(gfns));
	for (i = 0; i < json_object_array_length(wfns); i++) {
		const char *name;

		wf = json_object_array_get_idx(wfns, i);
		json_object_object_get_ex(wf, "name", &v);
		name = json_object_get_string(v);
		gf = by_name(gfns, name);
		if (gf == NULL)
			fail_msg("%s: missing from our manifest", name);
		json_object_object_foreach(wf, key, val)
		{
			for (k = 0; skip[k] != NULL; k++)
				if (strcmp(key, skip[k]) == 0)
					break;
			if (skip[k] != NULL)
				continue;
			if (strcmp(key, "buildData") == 0) {
				json_object *a, *b;

				json_object_object_get_ex(
				    val, "runtimeAPIVersion", &a);
				assert_true(json_object_object_get_ex(
				    gf, "buildData", &gv));
				assert_true(json_object_object_get_ex(
				    gv, "runtimeAPIVersion", &b));
				assert_int_equal(json_object_get_int(a),
				    json_object_get_int(b));
				continue;
			}
			if (!json_object_object_get_ex(gf, key, &gv))
				fail_msg("%s: field %s missing", name, key);
			if (!json_object_equal(val, gv))
				fail_msg("%s: %s: want %s, got %s", name, key,
				    json_object_to_json_string(val),
				    json_object_to_json_string(gv));
		}
	}
	json_object_object_get_ex(want, "system", &v);
	json_object_object_get_ex(got, "system", &gv);
	assert_true(json_object_equal(v, gv));
	json_object_object_get_ex(want, "version", &v);
	json_object_object_get_ex(got, "version", &gv);
	assert_true(json_object_equal(v, gv));
	json_object_object_get_ex(got, "timestamp", &gv);
	assert_int_equal(json_object_get_int64(gv), 1234);
	json_object_put(want);
	json_object_put(got);
	free(want_text);
	free(want_sub);
	free(ours);
	nl_site_free(&s);
	nl_conf_free(&c);
}

static void
mini_site(const char *dir)
{
	put(dir, "netlify/functions/a.js",
	    "exports.handler = async () => 1;\n");
	put(dir, "netlify/functions/b.mjs", "export default async () => 1;\n");
	put(dir, "netlify/functions/c-background.js",
	    "exports.handler = async () => 1;\n");
	age(dir, "netlify/functions/a.js", -100);
	age(dir, "netlify/functions/b.mjs", -100);
	age(dir, "netlify/functions/c-background.js", -100);
}

static void
load(const char *dir, struct nl_site *s)
{
	struct nl_conf c;
	char err[256];

	nl_conf_load(&c, dir);
	assert_int_equal(
	    nl_discover(s, dir, c.functions_dir, err, sizeof(err)), 0);
	nl_validate(s, &c, 0);
	nl_conf_free(&c);
}

static void
test_write_judge_backup(void **state)
{
	struct tmp *t = *state;
	static const char moved[] =
	    "{\"functions\":[{\"name\":\"c-background\",\"mainFile\":"
	    "\"/x/c-background.js\",\"path\":\"/x.zip\",\"runtime\":"
	    "\"js\"}],\"timestamp\":9999999999999,\"version\":1}";
	struct nl_site s;
	struct nl_manifest m, m2;
	char dist[512], path[600], bak[600], err[256], why[512];
	char *first;

	mini_site(t->dir);
	load(t->dir, &s);
	assert_int_equal(s.n, 3);
	snprintf(dist, sizeof(dist), "%s/.netlify/functions", t->dir);
	snprintf(path, sizeof(path), "%s/manifest.json", dist);
	snprintf(bak, sizeof(bak), "%s/manifest.json.bak", dist);

	assert_int_equal(nl_manifest_load(path, &m, err, sizeof(err)), 1);
	assert_int_equal(nl_manifest_write(&s, dist, err, sizeof(err)), 0);
	assert_int_equal(access(bak, F_OK), -1); /* nothing to back up */
	assert_int_equal(nl_manifest_load(path, &m, err, sizeof(err)), 0);
	assert_int_equal(m.n, 3);
	assert_int_equal(m.version, 1);
	assert_string_equal(m.f[1].name, "b");
	assert_int_equal(m.f[1].api, 2);
	assert_string_equal(m.f[1].bundler, "nft");
	assert_int_equal(
	    nl_manifest_judge(&m, &s, why, sizeof(why)), NL_MF_FRESH);
	assert_string_equal(why, "");
	first = slurp(path);
	assert_non_null(strstr(first, "\"invocationMode\":\"background\""));
	assert_non_null(strstr(first, "\"invocationMode\":\"stream\""));

	/* A second write keeps the first as the backup. */
	assert_int_equal(nl_manifest_write(&s, dist, err, sizeof(err)), 1);
	{
		char *b = slurp(bak);

		assert_string_equal(b, first);
		free(b);
	}
	free(first);

	/* Stale: a new function, a changed source, a removed function. */
	put(t->dir, "netlify/functions/d.js", "exports.handler = 1;\n");
	age(t->dir, "netlify/functions/a.js", 5);
	unlink(strcat(strcpy(why, t->dir), "/netlify/functions/b.mjs"));
	nl_site_free(&s);
	load(t->dir, &s);
	assert_int_equal(
	    nl_manifest_judge(&m, &s, why, sizeof(why)), NL_MF_STALE);
	assert_non_null(strstr(why, "function d is not in it"));
	assert_non_null(strstr(why, "a.js changed after it was written"));
	assert_non_null(strstr(why, "it lists b, which no longer exists"));

	/* The entry of a function moved: c-background.js -> dir/index.js. */
	unlink(
	    strcat(strcpy(why, t->dir), "/netlify/functions/c-background.js"));
	put(t->dir, "netlify/functions/c-background/index.js",
	    "exports.handler = 1;\n");
	age(t->dir, "netlify/functions/c-background/index.js", -50);
	nl_site_free(&s);
	load(t->dir, &s);
	assert_int_equal(
	    nl_manifest_parse(moved, strlen(moved), &m2, err, sizeof(err)), 0);
	nl_manifest_judge(&m2, &s, why, sizeof(why));
	assert_non_null(strstr(why, "c-background: its entry is now "
	                            "netlify/functions/c-background/index.js"));
	nl_manifest_free(&m2);
	nl_manifest_free(&m);
	nl_site_free(&s);
}

/* Routes the writer cannot compute are left to the bundler, by name. */
static void
test_writable(void **state)
{
	struct nl_js_cfg cfg;
	struct nl_func f;
	struct nl_site s;
	char err[512];

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&f, 0, sizeof(f));
	memset(&s, 0, sizeof(s));
	f.v2 = 1;
	f.rel = "functions/api.mjs";
	f.cfg = &cfg;
	s.f = &f;
	s.n = 1;
	cfg.found = 1;
	cfg.npath = 2;
	snprintf(cfg.path[0], sizeof(cfg.path[0]), "/api/v1:x");
	snprintf(cfg.path[1], sizeof(cfg.path[1]), "/api");
	assert_int_equal(nl_manifest_writable(&s, err, sizeof(err)), 0);
	snprintf(cfg.path[1], sizeof(cfg.path[1]), "/api/:id");
	assert_int_equal(nl_manifest_writable(&s, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "functions/api.mjs: config path \"/api/:id\" is a URL pattern: "
	    "only zip-it-and-ship-it can write its route; set bundler_cmd");
	cfg.npath = 1;
	cfg.nexcluded = 1;
	snprintf(cfg.excluded[0], sizeof(cfg.excluded[0]), "/api/*");
	assert_int_equal(nl_manifest_writable(&s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "excludedPath \"/api/*\""));
	cfg.nexcluded = 0;
	cfg.unreadable = 1;
	assert_int_equal(nl_manifest_writable(&s, err, sizeof(err)), -1);
	assert_non_null(
	    strstr(err, "functions/api.mjs: `export const config`"));
	/* A v1 function's config is never read. */
	f.v2 = 0;
	assert_int_equal(nl_manifest_writable(&s, err, sizeof(err)), 0);
}

static void
test_parse_errors(void **state)
{
	static const char *const bad[] = {
	    "{\"functions\":[",
	    "[1,2]",
	    "{\"functions\":[],\"version\":2}",
	    "{\"functions\":{},\"version\":1}",
	    "{\"functions\":[{\"name\":\"a\",\"path\":\"/a.zip\","
	    "\"runtime\":\"js\"}],\"version\":1}",
	    "{\"functions\":[],\"version\":1} trailing",
	    "",
	};
	struct nl_manifest m;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (nl_manifest_parse(
		        bad[i], strlen(bad[i]), &m, err, sizeof(err)) != -1)
			fail_msg("case %zu parsed", i);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(nl_manifest_parse("{\"functions\":[],\"version\":1}\n",
	                     29, &m, err, sizeof(err)),
	    0);
	assert_int_equal(m.n, 0);
	nl_manifest_free(&m);
}

static void
test_bundles(void **state)
{
	struct tmp *t = *state;
	struct nl_site s;
	char dist[512];

	mini_site(t->dir);
	load(t->dir, &s);
	snprintf(dist, sizeof(dist), "%s/.netlify/functions", t->dir);
	put(t->dir, ".netlify/functions/a.zip", "PK");
	put(t->dir, ".netlify/functions/b.zip", "PK");
	age(t->dir, ".netlify/functions/b.zip", -1000);
	assert_int_equal(nl_bundle_state(dist, nl_site_find(&s, "a")), 0);
	assert_int_equal(nl_bundle_state(dist, nl_site_find(&s, "b")), 2);
	assert_int_equal(
	    nl_bundle_state(dist, nl_site_find(&s, "c-background")), 1);
	nl_site_free(&s);
}

static void
test_install_backup_of_broken(void **state)
{
	struct tmp *t = *state;
	char dist[512], tmp[600], err[256], bak[600], *b;

	snprintf(dist, sizeof(dist), "%s/d", t->dir);
	put(t->dir, "d/manifest.json", "{ broken");
	put(t->dir, "d/new.tmp", "{\"functions\":[],\"version\":1}");
	snprintf(tmp, sizeof(tmp), "%s/new.tmp", dist);
	assert_int_equal(nl_manifest_install(dist, tmp, err, sizeof(err)), 1);
	snprintf(bak, sizeof(bak), "%s/manifest.json.bak", dist);
	b = slurp(bak);
	assert_string_equal(b, "{ broken");
	free(b);
	assert_int_equal(access(tmp, F_OK), -1);
	/* A missing temp file fails and names the file. */
	assert_int_equal(nl_manifest_install(dist, tmp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "new.tmp"));
}

/* ---- deploys ---- */

static char *
deploys_fixture(const char *name)
{
	char path[4300];

	snprintf(path, sizeof(path), "%s/deploys/%s", fixtures, name);
	return slurp(path);
}

static void
test_deploys_parse(void **state)
{
	struct nl_deploy d[8];
	char err[128], *body;
	int n;

	(void)state;
	body = deploys_fixture("error.json");
	n = nl_deploys_parse(body, d, 8, err, sizeof(err));
	free(body);
	assert_int_equal(n, 3);
	assert_string_equal(d[0].id, "d-err-3");
	assert_string_equal(d[0].state, "error");
	assert_string_equal(
	    d[0].error, "Build script returned non-zero exit code: 2");
	assert_int_equal(d[0].created_ms, 1795946400000LL);
	assert_int_equal(d[0].published_ms, 0);
	assert_int_equal(d[1].published_ms, 1795856580000LL);
	assert_int_equal(nl_deploys_parse("{}", d, 8, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a JSON array"));
	assert_int_equal(nl_deploys_parse("[", d, 8, err, sizeof(err)), -1);
	assert_int_equal(nl_deploys_parse("[{\"id\":\"x\"},1,{\"id\":\"y\","
	                                  "\"state\":\"ready\"}]",
	                     d, 1, err, sizeof(err)),
	    1);
	assert_string_equal(d[0].id, "y");
	/* An id that would change a request path is dropped. */
	assert_int_equal(nl_deploys_parse("[{\"id\":\"../x\",\"state\":"
	                                  "\"ready\"},{\"id\":\"a?b\","
	                                  "\"state\":\"ready\"}]",
	                     d, 8, err, sizeof(err)),
	    0);
}

static void
test_deploy_judge(void **state)
{
	struct nl_deploy d[8];
	struct nl_deploy_policy p;
	char err[128], msg[512], *body;
	int64_t t0 = 1795946400000LL; /* d-err-3 / d-busy-5 created */
	int n, ready;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.stuck_warning_ms = 20 * 60000;
	p.stuck_critical_ms = 40 * 60000;
	body = deploys_fixture("error.json");
	n = nl_deploys_parse(body, d, 8, err, sizeof(err));
	free(body);
	assert_int_equal(nl_deploy_judge(d, (size_t)n, &p, t0 + 60000, msg,
	                     sizeof(msg), &ready),
	    RDD_CRITICAL);
	assert_int_equal(ready, 1);
	assert_non_null(strstr(msg, "deploy d-err-3 (production main) failed: "
	                            "Build script returned"));
	p.retried_id = "d-err-3";
	nl_deploy_judge(d, (size_t)n, &p, t0, msg, sizeof(msg), &ready);
	assert_non_null(strstr(msg, "failed again after the retried build"));
	p.restored_for = "d-err-3";
	p.restored_id = "d-ok-2";
	assert_int_equal(
	    nl_deploy_judge(d, (size_t)n, &p, t0, msg, sizeof(msg), &ready),
	    RDD_WARNING);
	assert_non_null(strstr(msg, "restored deploy d-ok-2"));

	memset(&p, 0, sizeof(p));
	p.stuck_warning_ms = 20 * 60000;
	p.stuck_critical_ms = 40 * 60000;
	body = deploys_fixture("building.json");
	n = nl_deploys_parse(body, d, 8, err, sizeof(err));
	free(body);
	assert_int_equal(nl_deploy_judge(d, (size_t)n, &p, t0 + 5 * 60000, msg,
	                     sizeof(msg), &ready),
	    RDD_OK);
	assert_non_null(strstr(msg, "is building, for 5m"));
	assert_int_equal(nl_deploy_judge(d, (size_t)n, &p, t0 + 25 * 60000, msg,
	                     sizeof(msg), &ready),
	    RDD_WARNING);
	assert_non_null(strstr(msg, "stuck in building for 25m"));
	assert_int_equal(nl_deploy_judge(d, (size_t)n, &p, t0 + 45 * 60000, msg,
	                     sizeof(msg), &ready),
	    RDD_CRITICAL);
	assert_int_equal(ready, 1);

	body = deploys_fixture("ready.json");
	n = nl_deploys_parse(body, d, 8, err, sizeof(err));
	free(body);
	assert_int_equal(nl_deploy_judge(d, (size_t)n, &p, t0 + 7200000, msg,
	                     sizeof(msg), &ready),
	    RDD_OK);
	assert_non_null(strstr(msg, "d-ok-4 (production main) is ready, "
	                            "published 58m ago"));
	/* Skipped deploys do not count as the latest. */
	d[0].skipped = 1;
	assert_int_equal(
	    nl_deploy_judge(d, (size_t)n, &p, t0, msg, sizeof(msg), &ready),
	    RDD_CRITICAL);
	assert_int_equal(
	    nl_deploy_judge(d, 0, &p, t0, msg, sizeof(msg), &ready), RDD_OK);
	assert_string_equal(msg, "no deploys yet");
	assert_int_equal(ready, -1);
}

static void
test_api_bits(void **state)
{
	char b[64], dd[64];

	(void)state;
	assert_int_equal(nl_iso8601_ms("1970-01-01T00:00:01.5Z"), 1500);
	assert_int_equal(nl_iso8601_ms("1970-01-01T01:00:00+01:00"), 0);
	assert_int_equal(nl_iso8601_ms("1970-01-01T00:00:00-00:30"), 1800000);
	assert_int_equal(nl_iso8601_ms("yesterday"), -1);
	assert_int_equal(nl_iso8601_ms("2026-13-01T00:00:00Z"), -1);
	assert_int_equal(nl_retry_after_ms("7", 0), 7000);
	assert_int_equal(nl_retry_after_ms(" 0", 0), 0);
	assert_int_equal(
	    nl_retry_after_ms("Thu, 01 Jan 1970 00:00:30 GMT", 10000), 20000);
	assert_int_equal(nl_retry_after_ms("soon", 0), -1);
	assert_int_equal(nl_retry_after_ms(NULL, 0), -1);
	assert_int_equal(nl_build_parse("{\"id\":\"b-9\",\"deploy_id\":\"d-9\","
	                                "\"done\":false}",
	                     b, sizeof(b), dd, sizeof(dd)),
	    0);
	assert_string_equal(b, "b-9");
	assert_string_equal(dd, "d-9");
	assert_int_equal(
	    nl_build_parse("oops", b, sizeof(b), dd, sizeof(dd)), -1);
	assert_int_equal(nl_deploy_kind("enqueued"), NL_DK_BUSY);
	assert_int_equal(nl_deploy_kind("uploading"), NL_DK_BUSY);
	assert_int_equal(nl_deploy_kind("rejected"), NL_DK_OTHER);
}

int
main(void)
{
	const char *src = getenv("srcdir");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_as_zisi),
	    cmocka_unit_test_setup_teardown(
	        test_write_judge_backup, setup, teardown),
	    cmocka_unit_test(test_writable),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test_setup_teardown(test_bundles, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_install_backup_of_broken, setup, teardown),
	    cmocka_unit_test(test_deploys_parse),
	    cmocka_unit_test(test_deploy_judge),
	    cmocka_unit_test(test_api_bits),
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
