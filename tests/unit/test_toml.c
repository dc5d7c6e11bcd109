/*
 * test_toml.c: unit tests of the netlify.toml reader (plugins/netlify/toml.c):
 * error positions and wording, lookups, netlify shapes, limits, big inputs.
 */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/netlify/toml.h"

static char errbuf[512];

static struct toml_doc *
parse(const char *s)
{
	return toml_parse(s, strlen(s), "netlify.toml", errbuf, sizeof(errbuf));
}

/* Parsing must fail with exactly this message. */
static void
expect_err(const char *src, const char *msg)
{
	struct toml_doc *doc = parse(src);

	if (doc != NULL) {
		toml_free(doc);
		fail_msg("accepted: %s", src);
	}
	assert_string_equal(errbuf, msg);
}

/* Parsing must succeed (Netlify accepts it) with exactly this warning. */
static void
expect_warn(const char *src, const char *msg)
{
	struct toml_doc *doc = parse(src);

	if (doc == NULL)
		fail_msg("rejected: %s: %s", src, errbuf);
	assert_int_equal(doc->nwarnings, 1);
	assert_string_equal(doc->warnings[0], msg);
	toml_free(doc);
}

static const char *
str_at(const struct toml_value *root, const char *path)
{
	const char *s = toml_string(toml_get_path(root, path), NULL);

	if (s == NULL)
		fail_msg("no string at %s", path);
	return s;
}

static int64_t
int_at(const struct toml_value *root, const char *path)
{
	int64_t v = 0;

	if (toml_int(toml_get_path(root, path), &v) != 0)
		fail_msg("no integer at %s", path);
	return v;
}

static void
test_error_duplicate_key(void **state)
{
	(void)state;
	expect_err("[functions]\n  directory = \"a\"\n  node_bundler = "
	           "\"esbuild\"\n  directory = \"b\"\n",
	    "netlify.toml:4:3: duplicate key 'directory' (first defined on "
	    "line 2)");
	expect_err("a.b = 1\na . \"b\" = 2\n",
	    "netlify.toml:2:1: duplicate key 'a.b' (first defined on line 1)");
	expect_err("x = {k = 1, k = 2}\n",
	    "netlify.toml:1:13: duplicate key 'k' (first defined on line 1)");
}

static void
test_error_tables(void **state)
{
	(void)state;
	expect_err("[build]\ncommand = \"x\"\n\n[build]\n",
	    "netlify.toml:4:1: table 'build' is already defined on line 1: "
	    "merge the two");
	expect_err("build.command = \"x\"\n[build]\n",
	    "netlify.toml:2:1: table 'build' is already defined by dotted "
	    "keys on line 1: merge the two");
	expect_err("[[redirects]]\n[redirects]\n",
	    "netlify.toml:2:1: 'redirects' is an array of tables (line 1): "
	    "use [[redirects]] to add an element");
	expect_err("redirects = []\n[[redirects]]\n",
	    "netlify.toml:2:1: cannot append to static array 'redirects' "
	    "(line 1) with [[redirects]]");
	expect_err("env = { A = \"1\" }\nenv.B = \"2\"\n",
	    "netlify.toml:2:1: cannot add keys to inline table 'env' (line "
	    "1): an inline table is complete once written");
	expect_err("[a.b]\n[a]\nb.c = 1\n",
	    "netlify.toml:3:1: table 'b' was defined by a header on line 1: "
	    "add the key under that header");
	expect_err("a = 1\n[a.b]\n",
	    "netlify.toml:2:1: key 'a' is already an integer (line 1), not "
	    "a table");
	expect_err("[\"my func\"]\n[\"my func\"]\n",
	    "netlify.toml:2:1: table '\"my func\"' is already defined on line "
	    "1: merge the two");
}

static void
test_error_lexical(void **state)
{
	(void)state;
	expect_err("a = \"x\\qy\"\n",
	    "netlify.toml:1:7: invalid escape: backslash followed by 'q'; use "
	    "\\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX or \\UXXXXXXXX, or a "
	    "literal "
	    "'string'");
	expect_err("\n\na = \"\"\"never closed\n\n",
	    "netlify.toml:3:5: unterminated string: add the closing \"\"\"");
	expect_err("status = 0200\n",
	    "netlify.toml:1:10: leading zeros are not allowed in '0200'");
	/* Netlify's loader refuses what a JavaScript number rounds. */
	expect_err("n = 9223372036854775808\n",
	    "netlify.toml:1:5: integer '9223372036854775808' is beyond "
	    "+/-(2^53-1): Netlify's config loader (smol-toml, @netlify/config "
	    "25.2+) cannot hold it exactly and rejects it (older loaders "
	    "(@iarna/toml, @netlify/config < 25.2) accepted it); quote it as a "
	    "string");
	expect_err("n = -0x20000000000000\n",
	    "netlify.toml:1:5: invalid number '-0x20000000000000': use 42, "
	    "-1_000, 0x2A, 3.14, 1e6, inf or nan, with '_' only between "
	    "digits");
	expect_err("port = 9007199254740992\n",
	    "netlify.toml:1:8: integer '9007199254740992' is beyond "
	    "+/-(2^53-1): Netlify's config loader (smol-toml, @netlify/config "
	    "25.2+) cannot hold it exactly and rejects it (older loaders "
	    "(@iarna/toml, @netlify/config < 25.2) accepted it); quote it as a "
	    "string");
	expect_err("n = 1__0\n",
	    "netlify.toml:1:5: invalid number '1__0': use 42, -1_000, 0x2A, "
	    "3.14, 1e6, inf or nan, with '_' only between digits");
	expect_err("a = \"\\uD800\"\n",
	    "netlify.toml:1:6: \\uD800 is not a Unicode scalar value "
	    "(surrogates and values past 10FFFF are not allowed)");
	expect_err("a = 1 b = 2\n",
	    "netlify.toml:1:7: expected a newline or '#' after the value, "
	    "found 'b'");
	expect_err("a = \n", "netlify.toml:1:5: missing value for key 'a'");
	expect_err("[build\n",
	    "netlify.toml:1:7: expected ']' to close the header of 'build', "
	    "found end of line");
	expect_err("t = {a = 1,\n b = 2\n",
	    "netlify.toml:1:5: inline table not closed: add '}'");
	expect_err("d = 2023-02-32\n",
	    "netlify.toml:1:5: invalid date 2023-02-32: that month has no "
	    "such day");
	expect_err("t = 24:00:00\n",
	    "netlify.toml:1:5: invalid time 24:00:00: hours go to 23, minutes "
	    "and seconds to 59; Netlify's config loader (smol-toml, "
	    "@netlify/config 25.2+) rejects hour 24 (older loaders "
	    "(@iarna/toml, @netlify/config < 25.2) accepted it)");
	expect_err("[a.b.c]\n[a]\nb.d = 1\n",
	    "netlify.toml:3:1: table 'b' was made by the header on line 1: "
	    "TOML 1.0 lets dotted keys extend it, but Netlify's config loader "
	    "(smol-toml, @netlify/config 25.2+) rejects that (older loaders "
	    "(@iarna/toml, @netlify/config < 25.2) accepted it): write [b] "
	    "instead");
	expect_err("# ok\n# bad \x7f\n",
	    "netlify.toml:2:7: control character U+007F in a comment: "
	    "Netlify's config loader (smol-toml, @netlify/config 25.2+) "
	    "rejects it (older loaders (@iarna/toml, @netlify/config < 25.2) "
	    "accepted it): remove it");
	expect_err("a = 1\rb = 2\n",
	    "netlify.toml:1:6: carriage return without a line feed: use LF or "
	    "CRLF line endings");
	expect_err("a = True\n",
	    "netlify.toml:1:5: expected a value (string, number, boolean, "
	    "date, array or inline table), found 'T'");
}

/* What Netlify's current loader accepts beyond TOML 1.0: warnings. */
static void
test_netlify_warnings(void **state)
{
	(void)state;
	expect_warn("t = {a = 1,\n b = 2}\n",
	    "netlify.toml:1:12: newline or comment inside an inline table: not "
	    "TOML 1.0; Netlify's config loader (smol-toml, @netlify/config "
	    "25.2+) accepts it, older loaders (@iarna/toml, @netlify/config < "
	    "25.2) reject it");
	expect_warn("t = {a = 1, }\n",
	    "netlify.toml:1:11: trailing comma in an inline table: not TOML "
	    "1.0, but Netlify's config loaders accept it");
	expect_warn("d = 1979-02-29\n",
	    "netlify.toml:1:5: invalid date 1979-02-29: that month has no such "
	    "day; not TOML 1.0, but Netlify's config loaders accept it and "
	    "read 1979-03-01: fix the date");
	expect_warn("a = [1, \"x\"]\n",
	    "netlify.toml:1:5: mixed-type array (integer and string): accepted "
	    "by Netlify's config loader (smol-toml, @netlify/config 25.2+), "
	    "rejected by older loaders (@iarna/toml, @netlify/config < 25.2)");
	expect_warn("a = 0e0\n",
	    "netlify.toml:1:5: float '0e0': Netlify's config loader "
	    "(smol-toml, @netlify/config 25.2+) accepts it, older loaders "
	    "(@iarna/toml, @netlify/config < 25.2) reject a 0 with an "
	    "exponent: write 0.0");
	expect_warn("t = 07:32\n",
	    "netlify.toml:1:5: time 07:32 without seconds: not TOML 1.0; "
	    "Netlify's config loader (smol-toml, @netlify/config 25.2+) "
	    "accepts it as 07:32:00, older loaders (@iarna/toml, "
	    "@netlify/config < 25.2) reject it");
}

static void
test_error_utf8_column(void **state)
{
	(void)state;
	/* Columns count characters: "é" and "✓" are one column each. */
	expect_warn("# é ✓ \xff\n",
	    "netlify.toml:1:7: invalid UTF-8 (byte 0xFF): not TOML; Netlify's "
	    "config loaders read each bad sequence as U+FFFD: save the file "
	    "as UTF-8");
	expect_err("k = \"é✓\" x\n",
	    "netlify.toml:1:10: expected a newline or '#' after the value, "
	    "found 'x'");
	expect_warn("a = \"\xed\xa0\x80\"\n",
	    "netlify.toml:1:6: invalid UTF-8 (byte 0xED): not TOML; Netlify's "
	    "config loaders read each bad sequence as U+FFFD: save the file "
	    "as UTF-8");
	expect_warn("\xef\xbb\xbf"
	            "a = 1\n",
	    "netlify.toml:1:1: the file starts with a byte order mark: not "
	    "TOML 1.0; Netlify's config loader (smol-toml, @netlify/config "
	    "25.2+) accepts it, older loaders (@iarna/toml, @netlify/config < "
	    "25.2) reject it: save it as UTF-8 without BOM");
}

static void
test_error_buffer_edges(void **state)
{
	char small[12];
	struct toml_doc *doc;

	(void)state;
	/* A short buffer is cut, never overrun. */
	memset(small, 'Z', sizeof(small));
	doc = toml_parse("a = ", 4, "netlify.toml", small, sizeof(small));
	assert_null(doc);
	assert_string_equal(small, "netlify.tom");
	/* No buffer at all, no name: still a clean failure. */
	assert_null(toml_parse("a = ", 4, NULL, NULL, 0));
	assert_null(toml_parse("= 1", 3, NULL, errbuf, sizeof(errbuf)));
	assert_string_equal(errbuf,
	    "<toml>:1:1: expected a key (letters, "
	    "digits, '_', '-' or a quoted string), found '='");
	/* A NUL byte inside the buffer is data, not the end. */
	assert_null(toml_parse("a = 1\0b", 7, "n", errbuf, sizeof(errbuf)));
	assert_string_equal(errbuf, "n:1:6: expected a newline or '#' after "
	                            "the value, found U+0000");
	/* The empty document. */
	doc = toml_parse(NULL, 0, "n", errbuf, sizeof(errbuf));
	assert_non_null(doc);
	assert_int_equal(toml_table_len(doc->root), 0);
	toml_free(doc);
	toml_free(NULL);
}

static void
test_lookups(void **state)
{
	struct toml_doc *doc;
	const struct toml_value *r, *v, *t;
	const char *k;
	size_t len;
	double f;
	int b;
	int64_t i;

	(void)state;
	doc = parse("z = 1\ny = \"two\"\nx = [1, 2.5, true]\n"
	            "\"a.b\" = 3\n'q\"' = 4\nnul = \"a\\u0000b\"\n"
	            "[t.\"sub key\"]\nleaf = 07:32:00\n");
	assert_non_null(doc);
	r = doc->root;
	assert_int_equal(r->kind, TOML_TABLE);
	/* Document order, not sorted. */
	assert_int_equal(toml_table_len(r), 7);
	assert_string_equal(toml_table_key_at(r, 0, NULL), "z");
	assert_string_equal(toml_table_key_at(r, 1, &len), "y");
	assert_int_equal(len, 1);
	assert_string_equal(toml_table_key_at(r, 6, NULL), "t");
	assert_null(toml_table_key_at(r, 7, NULL));
	assert_null(toml_table_value_at(r, 7));
	assert_ptr_equal(toml_table_value_at(r, 1), toml_get(r, "y"));
	assert_null(toml_get(r, "missing"));
	assert_null(toml_get(toml_get(r, "z"), "x")); /* not a table */
	assert_null(toml_get(NULL, "x"));

	assert_int_equal(int_at(r, "z"), 1);
	assert_string_equal(str_at(r, "y"), "two");
	assert_int_equal(int_at(r, "\"a.b\""), 3);
	assert_null(toml_get_path(r, "a.b"));
	assert_int_equal(int_at(r, "'q\"'"), 4);
	assert_int_equal(int_at(r, "\"q\\\"\""), 4);
	assert_non_null(toml_get_path(r, "t.\"sub key\".leaf"));
	assert_null(toml_get_path(r, "t.\"sub key\".leaf.deeper"));
	assert_null(toml_get_path(r, "t.\"unterminated"));
	assert_null(toml_get_path(r, "t."));
	assert_null(toml_get_path(r, ""));
	assert_null(toml_get_path(r, NULL));

	v = toml_get(r, "x");
	assert_int_equal(v->kind, TOML_ARRAY);
	assert_int_equal(toml_array_len(v), 3);
	assert_int_equal(toml_int(toml_array_at(v, 0), &i), 0);
	assert_int_equal(i, 1);
	assert_int_equal(toml_float(toml_array_at(v, 1), &f), 0);
	assert_true(f == 2.5);
	assert_int_equal(toml_float(toml_array_at(v, 0), &f), 0); /* int ok */
	assert_true(f == 1.0);
	assert_int_equal(toml_bool(toml_array_at(v, 2), &b), 0);
	assert_int_equal(b, 1);
	assert_null(toml_array_at(v, 3));
	assert_int_equal(toml_array_len(r), 0);
	assert_int_equal(toml_int(toml_array_at(v, 2), &i), -1);
	assert_int_equal(toml_bool(toml_array_at(v, 0), &b), -1);
	assert_null(toml_string(toml_array_at(v, 0), NULL));
	assert_string_equal(toml_kind_name(toml_array_at(v, 2)), "boolean");

	/* Strings keep embedded NULs through their length. */
	k = toml_string(toml_get(r, "nul"), &len);
	assert_int_equal(len, 3);
	assert_memory_equal(k, "a\0b", 4);

	t = toml_get_path(r, "t.\"sub key\".leaf");
	assert_string_equal(toml_kind_name(t), "local time");
	assert_int_equal(toml_datetime(t)->hour, 7);
	assert_int_equal(toml_datetime(t)->minute, 32);
	assert_null(toml_datetime(toml_get(r, "z")));
	toml_free(doc);
}

static void
test_lines(void **state)
{
	struct toml_doc *doc;
	const struct toml_value *r, *v;

	(void)state;
	doc =
	    parse("# header\n\n[build]\n  command = \"make\"\n"
	          "[[redirects]]\nfrom = \"/a\"\n[[redirects]]\nfrom = \"/b\"\n"
	          "m = \"\"\"\nx\ny\"\"\"\nafter = [\n 1,\n  2]\n"
	          "[x.y.z]\n[x]\n");
	assert_non_null(doc);
	r = doc->root;
	v = toml_get(r, "build");
	assert_int_equal(v->line, 3);
	assert_int_equal(v->col, 1);
	v = toml_get_path(r, "build.command");
	assert_int_equal(v->line, 4);
	assert_int_equal(v->col, 13);
	v = toml_get(r, "redirects");
	assert_int_equal(toml_array_at(v, 0)->line, 5);
	assert_int_equal(toml_array_at(v, 1)->line, 7);
	v = toml_array_at(v, 1);
	assert_int_equal(toml_get(v, "m")->line, 9);
	assert_int_equal(toml_get(v, "after")->line, 12);
	assert_int_equal(toml_array_at(toml_get(v, "after"), 1)->line, 14);
	assert_int_equal(toml_array_at(toml_get(v, "after"), 1)->col, 3);
	/* A super-table defined later takes the line of its own header. */
	assert_int_equal(toml_get(r, "x")->line, 16);
	toml_free(doc);
}

static void
test_strings(void **state)
{
	struct toml_doc *doc;
	const struct toml_value *r;

	(void)state;
	doc = parse("a = \"\\u00e9\\U0001F600\\t\"\n"
	            "b = \"\"\"\r\nl1\r\nl2 \\\r\n   l3\"\"\"\n"
	            "c = '''\nC:\\path\\'''\n"
	            "d = \"\"\"q\"\"\"\"\"\n");
	assert_non_null(doc);
	r = doc->root;
	assert_string_equal(str_at(r, "a"), "\xc3\xa9\xf0\x9f\x98\x80\t");
	/* CRLF in a multi-line string is kept, as smol-toml keeps it. */
	assert_string_equal(str_at(r, "b"), "l1\r\nl2 l3");
	assert_string_equal(str_at(r, "c"), "C:\\path\\");
	assert_string_equal(str_at(r, "d"), "q\"\"");
	toml_free(doc);
}

static void
test_numbers_dates(void **state)
{
	struct toml_doc *doc;
	const struct toml_value *r;
	const struct toml_datetime *dt;
	double f;

	(void)state;
	doc =
	    parse("h = 0xFF_ff\no = 0o17\nb = 0b101\nmin = "
	          "-9007199254740991\nf = -1_0.5e-1\npi = +inf\nnn = -nan\n"
	          "odt = 1979-05-27 07:32:00.123456789-07:30\nld = 2000-02-29\n"
	          "ldt = 1979-05-27t07:32:00\n");
	assert_non_null(doc);
	r = doc->root;
	assert_int_equal(int_at(r, "h"), 0xffff);
	assert_int_equal(int_at(r, "o"), 15);
	assert_int_equal(int_at(r, "b"), 5);
	assert_true(int_at(r, "min") == -TOML_NETLIFY_INT_MAX);
	assert_int_equal(toml_float(toml_get(r, "f"), &f), 0);
	assert_true(f == -1.05);
	assert_int_equal(toml_float(toml_get(r, "pi"), &f), 0);
	assert_true(isinf(f) && f > 0);
	assert_int_equal(toml_float(toml_get(r, "nn"), &f), 0);
	assert_true(isnan(f));
	dt = toml_datetime(toml_get(r, "odt"));
	assert_non_null(dt);
	assert_int_equal(dt->kind, TOML_DT_OFFSET);
	assert_string_equal(dt->text, "1979-05-27 07:32:00.123456789-07:30");
	assert_int_equal(dt->year, 1979);
	assert_int_equal(dt->day, 27);
	assert_int_equal(dt->second, 0);
	assert_int_equal(dt->nanosecond, 123456789);
	assert_int_equal(dt->offset_minutes, -450);
	assert_int_equal(toml_datetime(toml_get(r, "ld"))->kind, TOML_DT_DATE);
	assert_int_equal(
	    toml_datetime(toml_get(r, "ldt"))->kind, TOML_DT_LOCAL);
	assert_string_equal(toml_kind_name(toml_get(r, "odt")), "datetime");
	toml_free(doc);
}

static void
test_float_locale(void **state)
{
	static const char *names[] = {
	    "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "nl_NL.UTF-8", NULL};
	struct toml_doc *doc;
	double f = 0;
	int i;

	(void)state;
	for (i = 0; names[i] != NULL; i++)
		if (setlocale(LC_NUMERIC, names[i]) != NULL)
			break;
	if (names[i] == NULL)
		skip(); /* no comma-decimal locale installed */
	doc = parse("f = 3.25\n");
	setlocale(LC_NUMERIC, "C");
	assert_non_null(doc);
	assert_int_equal(toml_float(toml_get(doc->root, "f"), &f), 0);
	assert_true(f == 3.25);
	toml_free(doc);
}

static void
test_netlify_shapes(void **state)
{
	struct toml_doc *doc;
	const struct toml_value *r, *redirects, *rd, *fn;
	int64_t status = 0;
	int force = 0;
	size_t i, n;

	(void)state;
	doc = parse(
	    "[build]\n  command = \"npm run build\"\n"
	    "  publish = \"dist\"\n  functions = \"legacy/functions\"\n"
	    "[functions]\n  directory = \"netlify/functions\"\n"
	    "  node_bundler = \"esbuild\"\n"
	    "[functions.\"api-*\"]\n  external_node_modules = [\"sharp\"]\n"
	    "[functions.cleanup]\n  schedule = \"@daily\"\n"
	    "[[redirects]]\n  from = \"/api/*\"\n"
	    "  to = \"/.netlify/functions/:splat\"\n  status = 200\n"
	    "[[redirects]]\n  from = \"/old\"\n  to = \"/new\"\n"
	    "  status = 301\n  force = true\n"
	    "[context.production.environment]\n  API_URL = \"https://x\"\n");
	assert_non_null(doc);
	r = doc->root;
	/* [functions] directory wins over the legacy [build] functions. */
	assert_string_equal(
	    str_at(r, "functions.directory"), "netlify/functions");
	assert_string_equal(str_at(r, "build.functions"), "legacy/functions");
	assert_string_equal(str_at(r, "functions.node_bundler"), "esbuild");
	assert_string_equal(str_at(r, "functions.cleanup.schedule"), "@daily");
	fn = toml_get_path(r, "functions.\"api-*\".external_node_modules");
	assert_int_equal(toml_array_len(fn), 1);
	assert_string_equal(toml_string(toml_array_at(fn, 0), NULL), "sharp");
	/* Per-function tables are the table-valued keys of [functions]. */
	fn = toml_get(r, "functions");
	for (i = 0, n = 0; i < toml_table_len(fn); i++)
		if (toml_table_value_at(fn, i)->kind == TOML_TABLE)
			n++;
	assert_int_equal(n, 2);
	redirects = toml_get(r, "redirects");
	assert_int_equal(redirects->kind, TOML_ARRAY);
	assert_int_equal(toml_array_len(redirects), 2);
	rd = toml_array_at(redirects, 0);
	assert_string_equal(str_at(rd, "to"), "/.netlify/functions/:splat");
	assert_int_equal(toml_int(toml_get(rd, "status"), &status), 0);
	assert_int_equal(status, 200);
	assert_int_equal(toml_bool(toml_get(rd, "force"), &force), -1);
	rd = toml_array_at(redirects, 1);
	assert_int_equal(toml_bool(toml_get(rd, "force"), &force), 0);
	assert_true(force);
	assert_int_equal(rd->line, 16);
	assert_string_equal(str_at(r, "context.production.environment."
	                              "API_URL"),
	    "https://x");
	toml_free(doc);
}

static void
test_netlify_fixture(void **state)
{
	const char *srcdir = getenv("srcdir");
	char path[4096], *buf;
	struct toml_doc *doc;
	FILE *fp;
	long len;
	int64_t mem = 0;

	(void)state;
	snprintf(path, sizeof(path),
	    "%s/tests/unit/fixtures/toml/valid/"
	    "netlify-per-function.toml",
	    srcdir != NULL ? srcdir : ".");
	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("cannot open %s: set srcdir", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	doc = toml_parse(buf, (size_t)len, path, errbuf, sizeof(errbuf));
	free(buf);
	if (doc == NULL)
		fail_msg("%s", errbuf);
	assert_string_equal(
	    str_at(doc->root, "functions.directory"), "netlify/functions");
	assert_string_equal(
	    str_at(doc->root, "functions.\"scheduled-*\".node_bundler"),
	    "zisi");
	assert_int_equal(
	    toml_int(toml_get_path(doc->root, "functions.report.memory"), &mem),
	    0);
	assert_int_equal(mem, 1024);
	toml_free(doc);
}

static char *
repeat(const char *pre, const char *unit, size_t n, const char *post)
{
	size_t lp = strlen(pre), lu = strlen(unit), lq = strlen(post), i;
	char *s = malloc(lp + lu * n + lq + 1), *p;

	assert_non_null(s);
	memcpy(s, pre, lp);
	for (p = s + lp, i = 0; i < n; i++, p += lu)
		memcpy(p, unit, lu);
	memcpy(p, post, lq + 1);
	return s;
}

static void
test_depth_limit(void **state)
{
	struct toml_doc *doc;
	char *open, *close, *s, *p;
	size_t n = TOML_MAX_DEPTH, i, j;

	(void)state;
	/* The root is level 0: 128 nested arrays are allowed, 129 not. */
	open = repeat("a = ", "[", n, "");
	close = repeat(open, "]", n, "\n");
	doc = parse(close);
	assert_non_null(doc);
	toml_free(doc);
	free(open);
	free(close);
	open = repeat("a = ", "[", n + 1, "");
	close = repeat(open, "]", n + 1, "\n");
	assert_null(parse(close));
	assert_string_equal(errbuf,
	    "netlify.toml:1:133: tables and arrays "
	    "nest deeper than 128 levels: flatten the document");
	free(open);
	free(close);

	/* Inline tables and headers count the same way. */
	open = repeat("a = ", "{b = ", n, "1");
	close = repeat(open, "}", n, "\n");
	doc = parse(close);
	assert_non_null(doc);
	toml_free(doc);
	free(open);
	free(close);
	open = repeat("a = ", "{b = ", n + 1, "1");
	close = repeat(open, "}", n + 1, "\n");
	assert_null(parse(close));
	assert_non_null(strstr(errbuf, "deeper than 128"));
	free(open);
	free(close);
	s = repeat("[t", ".t", n - 1, "]\n");
	doc = parse(s);
	assert_non_null(doc);
	toml_free(doc);
	free(s);
	s = repeat("[t", ".t", n, "]\n");
	assert_null(parse(s));
	assert_string_equal(errbuf, "netlify.toml:1:258: key has more than "
	                            "128 dotted parts");
	free(s);
	/* Each [[t.t...]] level adds an array and its element table. */
	s = malloc(n * n + 64);
	assert_non_null(s);
	for (p = s, i = 0; i <= n / 2; i++) {
		if (i == n / 2) { /* 64 levels first, then one more */
			doc = parse(s);
			assert_non_null(doc);
			toml_free(doc);
		}
		p += sprintf(p, "[[t");
		for (j = 0; j < i; j++)
			p += sprintf(p, ".t");
		p += sprintf(p, "]]\n");
	}
	assert_null(parse(s));
	assert_string_equal(errbuf,
	    "netlify.toml:65:1: tables and arrays "
	    "nest deeper than 128 levels: flatten the document");
	free(s);

	/* A million brackets fail fast instead of exhausting the stack. */
	s = repeat("a = ", "[", 1000000, "\n");
	assert_null(parse(s));
	assert_non_null(strstr(errbuf, "deeper than 128"));
	free(s);
	s = repeat("a = ", "{b=", 1000000, "\n");
	assert_null(parse(s));
	free(s);
}

static void
test_big_inputs(void **state)
{
	struct toml_doc *doc;
	const struct toml_value *v;
	char key[32], *s, *p;
	size_t i, n = 200000, cap;
	int64_t x;

	(void)state;
	/* Many keys in one table: lookups stay fast (hash index). */
	cap = n * 32 + 64;
	s = malloc(cap);
	assert_non_null(s);
	for (p = s, i = 0; i < n; i++)
		p += sprintf(p, "k%zu = %zu\n", i, i);
	p += sprintf(p, "[t]\nlast = \"end\"\n");
	doc =
	    toml_parse(s, (size_t)(p - s), "big.toml", errbuf, sizeof(errbuf));
	assert_non_null(doc);
	assert_int_equal(toml_table_len(doc->root), n + 1);
	for (i = 0; i < n; i += 997) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(toml_int(toml_get(doc->root, key), &x), 0);
		assert_int_equal(x, (int64_t)i);
	}
	assert_int_equal(toml_get_path(doc->root, "t.last")->line, n + 2);
	toml_free(doc);
	/* A duplicate far down is still found, with its line. */
	sprintf(p, "[t]\n");
	doc = toml_parse(s, strlen(s), "big.toml", errbuf, sizeof(errbuf));
	assert_null(doc);
	assert_int_equal(strncmp(errbuf,
	                     "big.toml:200003:1: table 't' is "
	                     "already defined on line 200001",
	                     52),
	    0);
	free(s);

	/* A long one-line array: columns must not cost quadratic time. */
	s = repeat("a = [", "1,", 1000000, "]\n");
	doc = parse(s);
	assert_non_null(doc);
	v = toml_get(doc->root, "a");
	assert_int_equal(toml_array_len(v), 1000000);
	assert_int_equal(toml_array_at(v, 999999)->col, 2000004);
	toml_free(doc);
	free(s);

	/* An 8 MiB string. */
	s = repeat("s = \"", "abcdefgh", 1 << 20, "\"\n");
	doc = parse(s);
	assert_non_null(doc);
	assert_int_equal(strlen(str_at(doc->root, "s")), 8 << 20);
	toml_free(doc);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_error_duplicate_key),
	    cmocka_unit_test(test_error_tables),
	    cmocka_unit_test(test_error_lexical),
	    cmocka_unit_test(test_netlify_warnings),
	    cmocka_unit_test(test_error_utf8_column),
	    cmocka_unit_test(test_error_buffer_edges),
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_numbers_dates),
	    cmocka_unit_test(test_float_locale),
	    cmocka_unit_test(test_netlify_shapes),
	    cmocka_unit_test(test_netlify_fixture),
	    cmocka_unit_test(test_depth_limit),
	    cmocka_unit_test(test_big_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
