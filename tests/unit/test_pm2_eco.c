/*
 * test_pm2_eco.c: ecosystem files (JSON, YAML, node's JSON of a JS file)
 * checked against PM2 7.0.4's schema.json with file:line errors, and the
 * /proc readers that find orphans holding a port.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "plugins/pm2/eco.h"
#include "plugins/pm2/orphan.h"

static char fixdir[1024];
static struct eco_schema schema;

static int
setup(void **state)
{
	const char *srcdir = getenv("srcdir");
	char path[1200], err[512];

	snprintf(fixdir, sizeof(fixdir), "%s/tests/unit/fixtures/pm2/eco",
	    srcdir ? srcdir : ".");
	snprintf(path, sizeof(path), "%s/pm2-7.0.4-schema.json", fixdir);
	if (eco_schema_load(&schema, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s (set srcdir)\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	eco_schema_free(&schema);
	return 0;
}

static void
load(struct eco_file *f, const char *name, const struct eco_schema *s)
{
	char path[1200], *text;
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	text[n] = '\0';
	fclose(fp);
	assert_int_equal(
	    eco_load_text(f, path, eco_kind_of(path), text, (size_t)n, s), 0);
	free(text);
}

/* A diag of severity sev whose text holds every given fragment. */
static int
has(const struct eco_file *f, enum eco_sev sev, int line, const char *frag)
{
	size_t i;

	for (i = 0; i < f->ndiags; i++)
		if (f->diags[i].sev == sev &&
		    (line < 0 || f->diags[i].line == line) &&
		    strstr(f->diags[i].msg, frag) != NULL)
			return 1;
	return 0;
}

static void
dump(const struct eco_file *f)
{
	size_t i;

	for (i = 0; i < f->ndiags; i++)
		fprintf(stderr, "  diag %s: %s\n",
		    f->diags[i].sev == ECO_ERR ? "ERR" : "WARN",
		    f->diags[i].msg);
}

static void
t_kind(void **state)
{
	assert_int_equal(eco_kind_of("/a/ecosystem.config.js"), ECO_JS);
	assert_int_equal(eco_kind_of("eco.cjs"), ECO_JS);
	assert_int_equal(eco_kind_of("eco.mjs"), ECO_JS);
	assert_int_equal(eco_kind_of("eco.json"), ECO_JSON);
	assert_int_equal(eco_kind_of("eco.yml"), ECO_YAML);
	assert_int_equal(eco_kind_of("eco.yaml"), ECO_YAML);
	/* PM2 runs a plain .js as an app, not as a config. */
	assert_int_equal(eco_kind_of("ecosystem.js"), ECO_UNKNOWN);
}

static void
t_good_json(void **state)
{
	struct eco_file f;
	const struct eco_app *a;

	load(&f, "good.json", &schema);
	if (f.ndiags != 0)
		dump(&f);
	assert_int_equal(f.ndiags, 0);
	assert_int_equal(f.napps, 2);
	a = eco_find_app(&f, 1, "api", NULL);
	assert_non_null(a);
	assert_int_equal(a->instances, 4);
	assert_true(a->cluster);
	assert_int_equal(a->port, 3000);
	assert_int_equal(a->line, 3);
	assert_non_null(a->script_path);
	assert_true(a->script_path[0] == '/');
	assert_non_null(strstr(a->script_path, "/eco/app.js"));
	a = eco_find_app(&f, 1, "worker", NULL);
	assert_non_null(a);
	assert_int_equal(a->instances, 0); /* "max" */
	assert_non_null(strstr(a->cwd, "/eco/sub"));
	assert_non_null(a->script_path);
	eco_file_free(&f);
}

static void
t_bad_json(void **state)
{
	struct eco_file f;

	load(&f, "bad.json", &schema);
	assert_true(has(&f, ECO_ERR, 6,
	    "app 'api': instances: expected "
	    "number, got string"));
	assert_true(has(&f, ECO_ERR, 7,
	    "exec_mode: \"forky\" is invalid: "
	    "it should be \"cluster\""));
	assert_true(has(&f, ECO_ERR, 8,
	    "max_restarts: -1 is below the "
	    "minimum 0"));
	assert_true(has(&f, ECO_ERR, 9,
	    "autorestart: expected boolean, got "
	    "string"));
	assert_true(has(&f, ECO_WARN, 10, "unknown key 'max_restartz'"));
	assert_true(has(&f, ECO_ERR, 14,
	    "app 'nofile': script 'missing.js' "
	    "not found"));
	assert_true(has(&f, ECO_ERR, 19,
	    "instances: 2.5 is not a whole "
	    "number"));
	assert_true(has(&f, ECO_ERR, -1, "app 'noscript': script is missing"));
	/* Messages name the file and line like the daemon's config errors. */
	assert_non_null(strstr(f.diags[0].msg, "/bad.json:"));
	/* The second "api": declared twice. */
	eco_check_duplicates(&f, 1);
	assert_true(has(&f, ECO_ERR, 16, "app 'api' is declared twice"));
	assert_int_equal(eco_first(&f)->sev, ECO_ERR);
	eco_file_free(&f);
}

static void
t_syntax_json(void **state)
{
	struct eco_file f;

	load(&f, "syntax.json", &schema);
	assert_int_equal(f.nerr, 1);
	assert_int_equal(f.napps, 0);
	assert_int_equal(f.diags[0].line, 3);
	assert_non_null(strstr(f.diags[0].msg, "JSON syntax"));
	eco_file_free(&f);
}

static void
t_single_app(void **state)
{
	struct eco_file f;

	load(&f, "single.json", &schema);
	assert_int_equal(f.nerr, 0);
	assert_int_equal(f.napps, 1);
	assert_string_equal(f.apps[0].name, "solo");
	eco_file_free(&f);
}

static void
t_good_yaml(void **state)
{
	struct eco_file f;
	const struct eco_app *a;

	load(&f, "good.yaml", &schema);
	if (f.ndiags != 0)
		dump(&f);
	assert_int_equal(f.ndiags, 0);
	assert_int_equal(f.napps, 2);
	a = eco_find_app(&f, 1, "api", NULL);
	assert_int_equal(a->line, 3);
	assert_int_equal(a->instances, 2);
	assert_int_equal(a->port, 3000);
	a = eco_find_app(&f, 1, "worker", NULL);
	assert_false(a->cluster);
	assert_non_null(a->script_path);
	assert_non_null(strstr(
	    json_object_to_json_string_ext(a->def, JSON_C_TO_STRING_PLAIN),
	    "\"autorestart\":false"));
	eco_file_free(&f);
}

static void
t_bad_yaml(void **state)
{
	struct eco_file f;

	load(&f, "bad.yaml", &schema);
	assert_true(has(&f, ECO_ERR, 4,
	    "app 'api': watch: expected boolean "
	    "or array or string, got number"));
	assert_true(has(&f, ECO_WARN, 5,
	                "key [0].script is written twice "
	                "(also on line 3)") ||
	            has(&f, ECO_WARN, 5, "apps[0].script is written twice"));
	assert_true(has(&f, ECO_ERR, 8,
	    "app 'other': kill_timeout: expected "
	    "number, got string"));
	eco_file_free(&f);

	load(&f, "broken.yaml", &schema);
	assert_int_equal(f.nerr, 1);
	assert_true(f.diags[0].line >= 3);
	assert_non_null(strstr(f.diags[0].msg, "YAML syntax"));
	eco_file_free(&f);
}

static void
t_js_output(void **state)
{
	struct eco_file f;
	const char *out = "{\"apps\":[{\"name\":\"js\",\"script\":\"app.js\","
	                  "\"instances\":\"x\"}]}";
	char path[1200];

	snprintf(path, sizeof(path), "%s/ecosystem.config.js", fixdir);
	assert_int_equal(
	    eco_load_text(&f, path, ECO_JS, out, strlen(out), &schema), 0);
	assert_int_equal(f.napps, 1);
	/* JS has no lines: the message names the file only. */
	assert_true(has(&f, ECO_ERR, 0,
	    "ecosystem.config.js: app 'js': "
	    "instances: expected number"));
	eco_file_free(&f);
	assert_int_equal(eco_load_error(&f, path, ECO_JS, 3,
	                     "node cannot "
	                     "load it: %s",
	                     "SyntaxError: Unexpected token"),
	    0);
	assert_true(has(&f, ECO_ERR, 3,
	    "ecosystem.config.js:3: node cannot "
	    "load it"));
	eco_file_free(&f);
}

/* .json text given inline, loaded as ecosystem.json in the fixtures. */
static void
load_str(struct eco_file *f, const char *text)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/inline.json", fixdir);
	assert_int_equal(
	    eco_load_text(f, path, ECO_JSON, text, strlen(text), &schema), 0);
}

static void
t_json5_features(void **state)
{
	struct eco_file f;
	struct json_object *env;

	load(&f, "json5.json", &schema);
	if (f.nerr != 0)
		dump(&f);
	assert_int_equal(f.nerr, 0);
	assert_int_equal(f.napps, 2);
	assert_string_equal(f.apps[0].name, "api");
	assert_int_equal(f.apps[0].line, 6);
	assert_int_equal(f.apps[1].line, 16);
	assert_int_equal(f.apps[0].instances, 4);
	assert_int_equal(f.apps[0].port, 3000);
	assert_int_equal(json_object_get_int(json_object_object_get(
	                     f.apps[0].def, "max_restarts")),
	    10);
	assert_int_equal(json_object_get_int(json_object_object_get(
	                     f.apps[0].def, "kill_timeout")),
	    1600);
	assert_int_equal(json_object_get_int(json_object_object_get(
	                     f.apps[0].def, "restart_delay")),
	    500);
	assert_string_equal(json_object_get_string(json_object_object_get(
	                        f.apps[0].def, "node_args")),
	    "say \"hi\"!");
	env = json_object_object_get(f.apps[0].def, "env");
	assert_true(isinf(
	    json_object_get_double(json_object_object_get(env, "LEVEL"))));
	assert_true(
	    json_object_get_double(json_object_object_get(env, "RATIO")) < 0);
	assert_true(
	    isnan(json_object_get_double(json_object_object_get(env, "X"))));
	eco_file_free(&f);
}

/* One feature each: the value json-c sees for key v. */
static void
check_value(const char *text, const char *want)
{
	struct eco_file f;
	struct json_object *v;

	load_str(&f, text);
	if (f.nerr != 0)
		dump(&f);
	assert_int_equal(f.nerr, 0);
	assert_int_equal(f.napps, 1);
	if (!json_object_object_get_ex(f.apps[0].def, "v", &v))
		fprintf(stderr, "no v in %s\n", text);
	assert_true(json_object_object_get_ex(f.apps[0].def, "v", &v));
	assert_string_equal(
	    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), want);
	eco_file_free(&f);
}

static void
t_json5_each(void **state)
{
	check_value("{script:'app.js',v:1}", "1");
	check_value("{script:'app.js',v:1,}", "1");
	check_value("// c\n{script:'app.js',v:[1,2,],}\n", "[1,2]");
	check_value("{script:'app.js',/* c */v:2}", "2");
	check_value("{\"script\":'app.js','v':'it\\'s'}", "\"it's\"");
	check_value("{script:'app.js',v:0xff}", "255");
	check_value("{script:'app.js',v:0XA}", "10");
	check_value("{script:'app.js',v:-0x10}", "-16");
	check_value("{script:'app.js',v:0o17}", "15");
	check_value("{script:'app.js',v:0b101}", "5");
	check_value("{script:'app.js',v:017}", "15"); /* sloppy octal */
	check_value("{script:'app.js',v:019}", "19"); /* not octal */
	check_value("{script:'app.js',v:.5}", "0.5");
	check_value("{script:'app.js',v:5.}", "5.0");
	check_value("{script:'app.js',v:+1}", "1");
	check_value("{script:'app.js',v:1e3}", "1e3");
	check_value(
	    "{script:'app.js',v:'a\\x41\\u0042\\u{43}\\v'}", "\"aABC\\u000b\"");
	check_value("{script:'app.js',v:'a\\\nb'}", "\"ab\"");
	check_value("{script:'app.js',v:'\\101\\0'}", "\"A\\u0000\"");
	check_value("{script:'app.js',v:'\\q\\/'}", "\"q\\/\"");
	check_value("{script:'app.js',v:`t\nu`}", "\"t\\nu\"");
	check_value("{script:'app.js',v:'\\u{1F600}'}", "\"\xf0\x9f\x98\x80\"");
	check_value("{script:'app.js',default:1,v:null}", "null");
	check_value("{script:'app.js',v:true}", "true");
	check_value("\xef\xbb\xbf{script:'app.js',\xc2\xa0v:false}", "false");
}

/* A syntax error: the line and column PM2's parser would stop at. */
static void
check_error(const char *text, int line, int col, const char *frag)
{
	struct eco_file f;
	char want[64];

	load_str(&f, text);
	snprintf(want, sizeof(want), "line %d, column %d: ", line, col);
	if (!has(&f, ECO_ERR, line, want) || !has(&f, ECO_ERR, line, frag))
		dump(&f);
	assert_int_equal(f.nerr, 1);
	assert_true(has(&f, ECO_ERR, line, want));
	assert_true(has(&f, ECO_ERR, line, frag));
	eco_file_free(&f);
}

static void
t_json5_errors(void **state)
{
	check_error("{\n  apps: [\n    { name: 'a' script: 'x' }\n]}", 3, 17,
	    "expected ',' or '}'");
	check_error("[1, 2", 1, 6, "unexpected end of file");
	check_error("[1 2]", 1, 4, "expected ',' or ']'");
	check_error("{a 1}", 1, 4, "expected ':'");
	check_error("{\n-: 1}", 2, 1, "expected a key");
	check_error("[1,,2]", 1, 4, "an empty element");
	check_error("[,]", 1, 2, "an empty element");
	check_error("{a: 'x\n'}", 1, 7, "newline in a string");
	check_error("{a: 'x", 1, 7, "unterminated string");
	check_error("{a: `${b}`}", 1, 6, "template");
	check_error("{a: process.env.X}", 1, 5, "JavaScript name");
	check_error("{a: undefined}", 1, 5, "JavaScript name");
	check_error("{a: 1 + 2}", 1, 7, "expected ',' or '}'");
	check_error("{a: 0x}", 1, 7, "without digits");
	check_error("{a: 1e}", 1, 7, "exponent without digits");
	check_error("{a: 12abc}", 1, 7, "bad number");
	check_error("{a: 1__0}", 1, 7, "bad _");
	check_error("{a: '\\xZ1'}", 1, 6, "bad \\x");
	check_error("{a: '\\u{110000}'}", 1, 6, "U+10FFFF");
	check_error("  /* open\n\n", 1, 3, "unterminated /*");
	check_error("{a: 1} // end", 1, 14, "// comment on the last line");
	check_error("{a: 1};\n", 1, 7, "text after the value");
	check_error("{a: 1}\n{b: 2}", 2, 1, "text after the value");
	check_error("{a: 'é' x}", 1, 9, "expected ',' or '}'");
}

static void
t_js_dup_lines(void **state)
{
	struct eco_file f;
	const char *out = "{\"apps\":[{\"script\":\"app.js\",\"name\":"
	                  "\"api\"},{\"script\":\"app.js\",\"name\":"
	                  "\"web\",\"args\":\"name: 'api'\"},"
	                  "{\"script\":\"app.js\",\"name\":\"api\"}]}";
	char path[1200], *src;
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "%s/dup.config.js", fixdir);
	assert_int_equal(
	    eco_load_text(&f, path, ECO_JS, out, strlen(out), &schema), 0);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	src = calloc(1, (size_t)n + 1);
	assert_non_null(src);
	assert_int_equal(fread(src, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	eco_js_lines(&f, src, (size_t)n);
	free(src);
	assert_int_equal(f.napps, 3);
	assert_int_equal(f.apps[0].line, 5);
	assert_int_equal(f.apps[1].line, 7);
	assert_int_equal(f.apps[2].line, 10);
	eco_check_duplicates(&f, 1);
	assert_true(has(&f, ECO_ERR, 10,
	    "dup.config.js:10: app 'api' is declared twice (also"));
	assert_true(has(&f, ECO_ERR, 10, "dup.config.js:5)"));
	eco_file_free(&f);
}

static void
t_duplicates_across_files(void **state)
{
	struct eco_file f[2];

	load(&f[0], "good.json", &schema);
	load(&f[1], "good.yaml", &schema);
	eco_check_duplicates(f, 2);
	assert_int_equal(f[0].nerr, 0);
	assert_true(has(&f[1], ECO_ERR, 3,
	    "app 'api' is declared twice "
	    "(also"));
	assert_true(has(&f[1], ECO_ERR, -1, "good.json:3)"));
	eco_file_free(&f[0]);
	eco_file_free(&f[1]);
}

static void
t_no_schema(void **state)
{
	struct eco_schema none;
	struct eco_file f;

	memset(&none, 0, sizeof(none));
	load(&f, "bad.json", &none);
	/* Without PM2's schema: no key checks, files and names still. */
	assert_false(has(&f, ECO_WARN, -1, "unknown key"));
	assert_true(has(&f, ECO_ERR, 14, "script 'missing.js' not found"));
	eco_file_free(&f);
}

static void
t_orphan_proc(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	long pids[8];
	size_t n, i;
	int fd, found = 0;

	assert_int_equal(orphan_ppid("/proc", (long)getpid()), (long)getppid());
	assert_true(
	    orphan_cmdline_has("/proc", (long)getpid(), "test_pm2_eco"));
	assert_false(orphan_cmdline_has("/proc", (long)getpid(), "no-such"));
	assert_int_equal(orphan_ppid("/proc", 999999999L), -1);
	/* Ourselves are never an orphan to kill. */
	assert_false(orphan_is_orphan("/proc", (long)getpid(), "test_pm2"));

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	n = orphan_port_holders("/proc", ntohs(sa.sin_port), pids, 8);
	for (i = 0; i < n; i++)
		if (pids[i] == (long)getpid())
			found = 1;
	assert_true(found);
	close(fd);
	assert_int_equal(orphan_port_holders("/proc", 0, pids, 8), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_kind),
	    cmocka_unit_test(t_good_json),
	    cmocka_unit_test(t_bad_json),
	    cmocka_unit_test(t_syntax_json),
	    cmocka_unit_test(t_single_app),
	    cmocka_unit_test(t_good_yaml),
	    cmocka_unit_test(t_bad_yaml),
	    cmocka_unit_test(t_js_output),
	    cmocka_unit_test(t_json5_features),
	    cmocka_unit_test(t_json5_each),
	    cmocka_unit_test(t_json5_errors),
	    cmocka_unit_test(t_js_dup_lines),
	    cmocka_unit_test(t_duplicates_across_files),
	    cmocka_unit_test(t_no_schema),
	    cmocka_unit_test(t_orphan_proc),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
