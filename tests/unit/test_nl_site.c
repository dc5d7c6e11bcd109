/*
 * test_nl_site.c: unit tests of plugins/netlify/site.c: netlify.toml
 * resolution, function discovery and the static checks, on fixture sites.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugins/netlify/site.h"

static char fixtures[2048];

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
site_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", fixtures, name);
}

static const struct nl_note *
note_with(const struct nl_conf *c, const char *sub)
{
	size_t i;

	for (i = 0; i < c->nnotes; i++)
		if (strstr(c->notes[i].msg, sub) != NULL)
			return &c->notes[i];
	return NULL;
}

static void
test_conf_good(void **state)
{
	struct nl_conf c;
	char site[4096];

	(void)state;
	site_path(site, sizeof(site), "good");
	assert_int_equal(nl_conf_load(&c, site), 0);
	assert_true(c.present);
	assert_string_equal(c.functions_dir, "functions");
	assert_string_equal(c.origin, "[functions] directory");
	assert_int_equal(c.functions_line, 7);
	assert_int_equal(c.nnotes, 0);
	assert_int_equal(c.nsect, 3);
	assert_null(c.sect[0].pattern);
	assert_int_equal(c.sect[0].included_files.n, 1);
	assert_string_equal(c.sect[0].included_files.v[0], "data/*.json");
	assert_string_equal(nl_conf_bundler(&c, "typed"), "esbuild");
	assert_null(nl_conf_bundler(&c, "hello"));
	assert_string_equal(c.sect[2].pattern, "nest*");
	assert_string_equal(c.sect[2].external_node_modules.v[0], "left-pad");
	assert_int_equal(c.nrd, 2);
	assert_string_equal(c.rd[0].fn, "hello");
	assert_int_equal(c.rd[0].line, 18);
	assert_null(c.rd[1].fn); /* :splat */
	assert_string_equal(c.publish, "public");
	nl_conf_free(&c);
}

/*
 * What Netlify accepts against TOML 1.0 or its older loader is a WARNING
 * with the place; what it rejects is CRITICAL and says the build fails.
 */
static void
test_conf_netlify_quirks(void **state)
{
	static const char ok[] = "[functions]\n"
	                         "directory = \"fn\"\n"
	                         "included_files = [\"a\", 1]\n"
	                         "[[headers]]\n"
	                         "for = \"/*\"\n"
	                         "values = { X-Frame-Options = \"DENY\", }\n";
	static const char bad[] = "[build]\ncommand = \"make\"\n"
	                          "timeout = 9007199254740993\n";
	struct nl_conf c;
	const struct nl_note *n;

	(void)state;
	assert_int_equal(nl_conf_parse(&c, ok, strlen(ok), "netlify.toml"), 0);
	assert_true(c.ok);
	assert_string_equal(c.functions_dir, "fn");
	n = note_with(&c, "netlify.toml:3:18: mixed-type array");
	assert_non_null(n);
	assert_int_equal(n->st, RDD_WARNING);
	assert_int_equal(n->line, 3);
	n = note_with(
	    &c, "netlify.toml:6:36: trailing comma in an inline table");
	assert_non_null(n);
	assert_int_equal(n->st, RDD_WARNING);
	nl_conf_free(&c);

	assert_int_equal(
	    nl_conf_parse(&c, bad, strlen(bad), "netlify.toml"), -1);
	assert_false(c.ok);
	n = note_with(&c, "netlify.toml:3:11: integer '9007199254740993'");
	assert_non_null(n);
	assert_int_equal(n->st, RDD_CRITICAL);
	assert_non_null(strstr(n->msg, "so the build will fail"));
	nl_conf_free(&c);
}

static void
test_conf_syntax_error(void **state)
{
	struct nl_conf c;
	char site[4096];

	(void)state;
	site_path(site, sizeof(site), "badtoml");
	assert_int_equal(nl_conf_load(&c, site), -1);
	assert_false(c.ok);
	assert_int_equal(c.nnotes, 1);
	assert_int_equal(c.notes[0].st, RDD_CRITICAL);
	assert_int_equal(c.notes[0].line, 3);
	assert_non_null(strstr(c.notes[0].msg, "netlify.toml:3:"));
	assert_non_null(strstr(c.notes[0].msg, "fix the syntax"));
	/* Defaults still let discovery go on. */
	assert_string_equal(c.functions_dir, NL_DEFAULT_FUNCTIONS);
	nl_conf_free(&c);
}

static void
test_conf_legacy(void **state)
{
	struct nl_conf c;
	const struct nl_note *n;
	char site[4096];

	(void)state;
	site_path(site, sizeof(site), "legacy");
	assert_int_equal(nl_conf_load(&c, site), 0);
	assert_string_equal(c.functions_dir, "lambda");
	assert_string_equal(c.origin, "[build] functions");
	n = note_with(&c, "legacy key");
	assert_non_null(n);
	assert_int_equal(n->st, RDD_WARNING);
	assert_int_equal(n->line, 2);
	n = note_with(&c, "`funtions`");
	assert_non_null(n);
	assert_int_equal(n->line, 5);
	assert_non_null(strstr(n->msg, "netlify.toml:5:"));
	nl_conf_free(&c);
}

static void
test_conf_precedence_and_types(void **state)
{
	static const char src[] =
	    "[build]\n"
	    "functions = \"old\"\n"
	    "publish = \"site\"\n"
	    "[functions]\n"
	    "directory = \"site/fn\"\n"
	    "node_bundler = \"webpack\"\n"
	    "included_files = \"one.txt\"\n"
	    "colour = \"blue\"\n"
	    "[functions.api]\n"
	    "node_bundler = 3\n"
	    "schedule = \"@hourly\"\n"
	    "[[redirects]]\n"
	    "from = \"/a\"\n"
	    "to = \"https://x.netlify.app/.netlify/functions/abs?x=1\"\n"
	    "[[redirects]]\n"
	    "from = \"/b\"\n"
	    "to = \"/.netlify/functions/sub/more\"\n"
	    "[[redirects]]\n"
	    "from = \"/c\"\n";
	struct nl_conf c;
	const struct nl_note *n;

	(void)state;
	assert_int_equal(
	    nl_conf_parse(&c, src, strlen(src), "netlify.toml"), 0);
	assert_string_equal(c.functions_dir, "site/fn");
	assert_string_equal(c.origin, "[functions] directory");
	n = note_with(&c, "[build] functions is ignored");
	assert_non_null(n);
	assert_int_equal(n->line, 2);
	n = note_with(&c, "unknown bundler \"webpack\"");
	assert_non_null(n);
	assert_int_equal(n->st, RDD_CRITICAL);
	assert_int_equal(n->line, 6);
	n = note_with(&c, "functions.\"api\".node_bundler: expected a string");
	assert_non_null(n);
	assert_int_equal(n->line, 10);
	n = note_with(&c, "functions.colour: unknown function property");
	assert_non_null(n);
	assert_int_equal(n->st, RDD_WARNING);
	assert_non_null(note_with(&c, "inside the publish directory"));
	n = note_with(&c, "needs string keys `from` and `to`");
	assert_non_null(n);
	assert_int_equal(n->line, 18);
	assert_int_equal(c.sect[0].included_files.n, 1);
	assert_string_equal(nl_conf_schedule(&c, "api"), "@hourly");
	assert_null(nl_conf_schedule(&c, "other"));
	assert_null(nl_conf_bundler(&c, "api"));
	assert_int_equal(c.nrd, 2);
	assert_string_equal(c.rd[0].fn, "abs");
	assert_string_equal(c.rd[1].fn, "sub");
	nl_conf_free(&c);
}

static void
test_conf_absent(void **state)
{
	struct nl_conf c;

	(void)state;
	assert_int_equal(nl_conf_load(&c, "/nonexistent-nl-site"), 0);
	assert_false(c.present);
	assert_true(c.ok);
	assert_string_equal(c.functions_dir, NL_DEFAULT_FUNCTIONS);
	assert_string_equal(c.origin, "default");
	nl_conf_free(&c);
}

static void
test_discover_good(void **state)
{
	static const char *const names[] = {
	    "esm", "hello", "idx", "legacy", "nested", "typed", "v2"};
	struct nl_conf c;
	struct nl_site s;
	struct nl_func *f;
	char site[4096], err[256];
	size_t i;

	(void)state;
	site_path(site, sizeof(site), "good");
	assert_int_equal(nl_conf_load(&c, site), 0);
	assert_int_equal(
	    nl_discover(&s, site, c.functions_dir, err, sizeof(err)), 0);
	assert_true(s.fdir_exists);
	assert_int_equal(s.n, 7);
	for (i = 0; i < s.n; i++)
		assert_string_equal(s.f[i].name, names[i]);
	nl_validate(&s, &c, 50 << 20);
	for (i = 0; i < s.n; i++) {
		if (s.f[i].st != RDD_OK)
			fail_msg("%s: %s", s.f[i].name, s.f[i].msg);
		assert_true(s.f[i].size > 0);
	}
	f = nl_site_find(&s, "nested");
	assert_non_null(f);
	assert_true(f->is_dir);
	assert_string_equal(f->rel, "functions/nested/nested.js");
	assert_string_equal(f->bundler, "zisi");
	f = nl_site_find(&s, "idx");
	assert_string_equal(f->rel, "functions/idx/index.js");
	f = nl_site_find(&s, "esm");
	assert_true(f->esm && f->handler && !f->dflt);
	assert_string_equal(f->bundler, "esbuild");
	f = nl_site_find(&s, "typed");
	assert_true(f->handler);
	assert_string_equal(f->bundler, "esbuild");
	f = nl_site_find(&s, "v2");
	assert_true(f->v2);
	assert_string_equal(f->bundler, "nft");
	f = nl_site_find(&s, "legacy");
	assert_true(f->handler);
	assert_string_equal(f->ext, ".cjs");
	assert_string_equal(f->bundler, "zisi");
	f = nl_site_find(&s, "hello");
	assert_string_equal(f->bundler, "zisi");
	assert_null(nl_site_find(&s, "utils"));
	assert_null(nl_site_find(&s, "README"));
	nl_site_free(&s);
	nl_conf_free(&c);
}

static void
test_discover_broken(void **state)
{
	struct nl_conf c;
	struct nl_site s;
	struct nl_func *f;
	char site[4096], err[256];

	(void)state;
	site_path(site, sizeof(site), "broken");
	assert_int_equal(nl_conf_load(&c, site), 0);
	assert_string_equal(c.functions_dir, "netlify/functions");
	assert_int_equal(
	    nl_discover(&s, site, c.functions_dir, err, sizeof(err)), 0);
	assert_int_equal(s.n, 6);
	nl_validate(&s, &c, 50 << 20);

	f = nl_site_find(&s, "fine");
	assert_non_null(f);
	assert_string_equal(f->ext, ".js"); /* .js wins over .ts */
	assert_int_equal(f->st, RDD_WARNING);
	assert_non_null(strstr(f->msg, "fine.ts is ignored"));
	assert_string_equal(f->bundler, "zisi");

	f = nl_site_find(&s, "bad.name");
	assert_int_equal(f->st, RDD_CRITICAL);
	assert_non_null(strstr(f->msg, "not accepted by Netlify"));

	f = nl_site_find(&s, "nohandler");
	assert_int_equal(f->st, RDD_CRITICAL);
	assert_non_null(strstr(f->msg, "exports no handler"));

	f = nl_site_find(&s, "objnohandler");
	assert_int_equal(f->st, RDD_CRITICAL);
	assert_non_null(strstr(f->msg, "module.exports has no `handler`"));

	/* Syntax is node's job, not the scan's. */
	f = nl_site_find(&s, "syntax");
	assert_int_equal(f->st, RDD_OK);
	assert_true(f->handler && !f->esm);
	f = nl_site_find(&s, "esmsyntax");
	assert_true(f->handler && f->esm);
	nl_site_free(&s);
	nl_conf_free(&c);
}

static void
test_size_limit(void **state)
{
	struct nl_conf c;
	struct nl_site s;
	char site[4096], err[256];
	size_t i;

	(void)state;
	site_path(site, sizeof(site), "good");
	nl_conf_load(&c, site);
	assert_int_equal(
	    nl_discover(&s, site, "functions", err, sizeof(err)), 0);
	nl_validate(&s, &c, 40);
	for (i = 0; i < s.n; i++) {
		assert_int_equal(s.f[i].st, RDD_CRITICAL);
		assert_non_null(strstr(s.f[i].msg, "over max_size 40 B"));
	}
	nl_site_free(&s);
	nl_conf_free(&c);
}

/* A bundle puts its handler at the end: a 9 MiB file is scanned whole. */
static void
test_handler_at_end_of_bundle(void **state)
{
	char dir[] = "/tmp/rdd-nl-big.XXXXXX", path[256], err[256];
	struct nl_conf c;
	struct nl_site s;
	FILE *f;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/functions", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/functions/big.js", dir);
	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < 9 * 1024; i++) /* 9 MiB of bundled code */
		fprintf(f, "var pad%zu = \"%01000d\";\n", i, 0);
	fputs("exports.handler = async () => ({ statusCode: 200 });\n", f);
	assert_int_equal(fclose(f), 0);
	nl_conf_load(&c, dir);
	assert_int_equal(nl_discover(&s, dir, "functions", err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	nl_validate(&s, &c, 50 << 20);
	assert_int_equal(s.f[0].handler, 1);
	assert_int_equal(s.f[0].st, RDD_OK);
	nl_site_free(&s);
	nl_conf_free(&c);
	unlink(path);
	snprintf(path, sizeof(path), "%s/functions", dir);
	rmdir(path);
	rmdir(dir);
}

/* netlify.toml: 5 MiB is read whole; over 16 MiB is refused, never cut. */
static void
test_conf_large(void **state)
{
	char dir[] = "/tmp/rdd-nl-toml.XXXXXX", path[256];
	struct nl_conf c;
	FILE *f;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/netlify.toml", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("[build]\n  publish = \"dist\"\n", f);
	for (i = 0; i < 5 * 1024; i++) /* 5 MiB of redirects */
		fprintf(f, "[[redirects]]\n  from = \"/old%zu/%0960d\"\n  "
		    "to = \"/new\"\n", i, 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(nl_conf_load(&c, dir), 0);
	assert_true(c.ok);
	assert_null(note_with(&c, "syntax"));
	nl_conf_free(&c);

	assert_non_null(f = fopen(path, "a"));
	for (i = 0; i < 12 * 1024; i++) /* now over 16 MiB */
		fprintf(f, "# %01020d\n", 0);
	assert_int_equal(fclose(f), 0);
	assert_int_not_equal(nl_conf_load(&c, dir), 0);
	assert_non_null(note_with(&c, "netlify.toml: file too large: over "
	    "16 MiB"));
	nl_conf_free(&c);
	unlink(path);
	rmdir(dir);
}

/* export * from "./x.mjs" is followed one level for the handler. */
static void
test_star_reexport(void **state)
{
	char dir[] = "/tmp/rdd-nl-star.XXXXXX", path[256], err[256];
	struct nl_conf c;
	struct nl_site s;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/functions", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/lib", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/lib/impl.mjs", dir);
	write_text(path, "export const handler = async () => ({ statusCode: 200 });\n");
	snprintf(path, sizeof(path), "%s/functions/re.mjs", dir);
	write_text(path, "export * from \"../lib/impl.mjs\";\n");
	snprintf(path, sizeof(path), "%s/functions/gone.mjs", dir);
	write_text(path, "export * from \"../lib/missing.mjs\";\n");
	nl_conf_load(&c, dir);
	assert_int_equal(nl_discover(&s, dir, "functions", err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	nl_validate(&s, &c, 50 << 20);
	for (i = 0; i < s.n; i++) {
		if (strcmp(s.f[i].name, "re") == 0) {
			assert_int_equal(s.f[i].handler, 1);
			assert_int_equal(s.f[i].st, RDD_OK);
		} else {
			assert_int_equal(s.f[i].handler, 0);
			assert_int_equal(s.f[i].st, RDD_CRITICAL);
			assert_non_null(strstr(s.f[i].msg, "exports no handler"));
		}
	}
	nl_site_free(&s);
	nl_conf_free(&c);
	{
		static const char *const rm[] = { "lib/impl.mjs",
			"functions/re.mjs", "functions/gone.mjs", "lib",
			"functions", "" };

		for (i = 0; i < sizeof(rm) / sizeof(rm[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, rm[i]);
			assert_int_equal(remove(path), 0);
		}
	}
}

static void
test_discover_missing_dir(void **state)
{
	struct nl_site s;
	char site[4096], err[256];

	(void)state;
	site_path(site, sizeof(site), "good");
	assert_int_equal(
	    nl_discover(&s, site, "no/such/dir", err, sizeof(err)), 0);
	assert_false(s.fdir_exists);
	assert_int_equal(s.n, 0);
	nl_site_free(&s);
}

struct scan_case {
	const char *src;
	int esm, handler, dflt;
};

static void
test_js_scan(void **state)
{
	static const struct scan_case cases[] = {
	    {"exports.handler = async () => 1;", 0, 1, 0},
	    {"module.exports.handler = function () {};", 0, 1, 0},
	    {"module.exports = { handler };", 0, 1, 0},
	    {"module.exports = { async handler() { return 1; } };", 0, 1, 0},
	    {"module.exports = { run: () => { const handler = 1; } };", 0, 0,
	        0},
	    {"module.exports = require('./impl');", 0, 1, 0},
	    {"exports['handler'] = x;", 0, 1, 0},
	    {"export const handler = async () => 1;", 1, 1, 0},
	    {"export async function handler(e) {}", 1, 1, 0},
	    {"export function* handler() {}", 1, 1, 0},
	    {"const h = 1; export { h as handler };", 1, 1, 0},
	    {"export { handler } from './impl.js';", 1, 1, 0},
	    {"export default async (req) => new Response('x');", 1, 0, 1},
	    {"const f = 1; export { f as default };", 1, 0, 1},
	    {"// exports.handler = 1\n/* export default 2 */ const a = 1;", 0,
	        0, 0},
	    {"const s = 'exports.handler = 1'; const t = `export default`;", 0,
	        0, 0},
	    {"const re = /export default/g; exports.other = re;", 0, 0, 0},
	    {"const x = `a ${ `b ${1}` } c`; exports.handler = x;", 0, 1, 0},
	    {"const m = await import('./m.js'); exports.handler = m;", 0, 1, 0},
	    {"import fs from 'fs';\nexports.handler = fs;", 1, 1, 0},
	    {"console.log(import.meta.url);", 1, 0, 0},
	    {"obj.export = 1; obj.import = 2;", 0, 0, 0},
	    {"#!/usr/bin/env node\nexports.handler = 1;", 0, 1, 0},
	    {"const a = 4 / 2; const b = a / 1; exports.handler = b;", 0, 1, 0},
	    {"export const handler: Handler = async () => ({});", 1, 1, 0},
	};
	struct nl_js js;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nl_js_scan(cases[i].src, strlen(cases[i].src), &js);
		if (js.esm != cases[i].esm || js.handler != cases[i].handler ||
		    js.dflt != cases[i].dflt)
			fail_msg("case %zu `%s`: esm %d handler %d default %d",
			    i, cases[i].src, js.esm, js.handler, js.dflt);
	}
	/* Truncated input never reads past the end. */
	for (i = 0; i < strlen(cases[17].src); i++)
		nl_js_scan(cases[17].src, i, &js);
}

/* A v2 function's `export const config`, as the manifest writer needs it. */
static void
test_js_config(void **state)
{
	static const char full[] =
	    "export default async () => new Response('x');\n"
	    "export const config = {\n"
	    "  path: ['/api/a', \"/api/b\"], method: 'get',\n"
	    "  rateLimit: { windowLimit: 60, aggregateBy: ['ip', 'domain'] },\n"
	    "  excludedPath: '/api/a/skip', schedule: '@hourly',\n"
	    "  preferStatic: true, background: false,\n"
	    "  name: `tpl ${1}`, nodeBundler: 'esbuild',\n"
	    "};\n"
	    "export const other = { path: '/not-config' };\n";
	static const char *const unreadable[] = {
	    "export default f; export const config = { path: P };",
	    "export default f; export const config = { path: `/x` };",
	    "export default f; export const config = { path: ['/a', p] };",
	    "export default f; export const config = { path: '/a\\u0041' };",
	    "export default f; export const config = { ...base };",
	    "export default f; export const config = { path };",
	    "export default f; export const config = make();",
	    "export default f; export const config = { path: '/a'",
	};
	struct nl_js js;
	size_t i;

	(void)state;
	nl_js_scan(full, strlen(full), &js);
	assert_true(js.dflt && !js.handler);
	assert_true(js.cfg.found);
	assert_false(js.cfg.unreadable);
	assert_int_equal(js.cfg.npath, 2);
	assert_string_equal(js.cfg.path[0], "/api/a");
	assert_string_equal(js.cfg.path[1], "/api/b");
	assert_int_equal(js.cfg.nmethod, 1);
	assert_string_equal(js.cfg.method[0], "GET");
	assert_int_equal(js.cfg.nexcluded, 1);
	assert_string_equal(js.cfg.excluded[0], "/api/a/skip");
	assert_string_equal(js.cfg.schedule, "@hourly");
	assert_true(js.cfg.prefer_static);
	assert_false(js.cfg.background);
	for (i = 0; i < sizeof(unreadable) / sizeof(unreadable[0]); i++) {
		nl_js_scan(unreadable[i], strlen(unreadable[i]), &js);
		if (!js.cfg.found || !js.cfg.unreadable)
			fail_msg("`%s`: found %d unreadable %d", unreadable[i],
			    js.cfg.found, js.cfg.unreadable);
	}
	/*
	 * Truncated at every byte: bounded, and before the config's '}' never
	 * taken as read whole.
	 */
	for (i = 0; i < sizeof(full) - 1; i++) {
		nl_js_scan(full, i, &js);
		assert_true(js.cfg.npath <= NL_CFG_PATHS);
		if (js.cfg.found && !js.cfg.unreadable &&
		    full + i <= strstr(full, "};"))
			fail_msg("truncated at %zu but read whole", i);
	}
}

static void
test_name_and_path(void **state)
{
	char p[64];

	(void)state;
	assert_true(nl_name_ok("hello-world_2"));
	assert_false(nl_name_ok("hello.world"));
	assert_false(nl_name_ok(""));
	assert_false(nl_name_ok("a b"));
	snprintf(p, sizeof(p), "/a/./b//c/../d/");
	nl_path_clean(p);
	assert_string_equal(p, "/a/b/d");
	snprintf(p, sizeof(p), "/../..");
	nl_path_clean(p);
	assert_string_equal(p, "/");
}

static void
test_msg_add(void **state)
{
	enum rdd_state st = RDD_OK;
	char *msg = NULL;

	(void)state;
	nl_msg_add(&msg, &st, RDD_WARNING, "first %d", 1);
	assert_int_equal(st, RDD_WARNING);
	nl_msg_add(&msg, &st, RDD_UNKNOWN, "second");
	assert_int_equal(st, RDD_WARNING); /* UNKNOWN never hides a finding */
	nl_msg_add(&msg, &st, RDD_CRITICAL, "third");
	assert_int_equal(st, RDD_CRITICAL);
	nl_msg_add(&msg, &st, RDD_WARNING, "fourth");
	assert_int_equal(st, RDD_CRITICAL);
	assert_string_equal(msg, "first 1; second; third; fourth");
	free(msg);
}

int
main(void)
{
	const char *src = getenv("srcdir");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conf_good),
	    cmocka_unit_test(test_conf_syntax_error),
	    cmocka_unit_test(test_conf_netlify_quirks),
	    cmocka_unit_test(test_conf_legacy),
	    cmocka_unit_test(test_conf_precedence_and_types),
	    cmocka_unit_test(test_conf_absent),
	    cmocka_unit_test(test_discover_good),
	    cmocka_unit_test(test_discover_broken),
	    cmocka_unit_test(test_size_limit),
	    cmocka_unit_test(test_handler_at_end_of_bundle),
	    cmocka_unit_test(test_conf_large),
	    cmocka_unit_test(test_star_reexport),
	    cmocka_unit_test(test_discover_missing_dir),
	    cmocka_unit_test(test_js_scan),
	    cmocka_unit_test(test_js_config),
	    cmocka_unit_test(test_name_and_path),
	    cmocka_unit_test(test_msg_add),
	};
	char cwd[1024];

	if (src == NULL)
		src = ".";
	/* Absolute: discovery works on absolute site paths. */
	if (src[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		snprintf(fixtures, sizeof(fixtures),
		    "%.1000s/%.900s/tests/unit/fixtures/netlify", cwd, src);
	else
		snprintf(fixtures, sizeof(fixtures),
		    "%.1900s/tests/unit/fixtures/netlify", src);
	nl_path_clean(fixtures);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
