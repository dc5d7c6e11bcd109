/*
 * test_confhist.c: unit tests of udiff.c (unified diffs in memory) and of
 * confhist.c's store: manifests, entries kept only on change, pruning.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/stat.h>

#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "daemon.h"

static char *
diff_of(const char *a, const char *b, int *rc)
{
	struct udiff_out o = {0};

	*rc = udiff(&o, "A", a, strlen(a), "B", b, strlen(b));
	return o.s != NULL ? o.s : strdup("");
}

static void
test_udiff(void **state)
{
	char *d;
	int rc;

	(void)state;
	d = diff_of("a\nb\nc\n", "a\nb\nc\n", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(d, "");
	free(d);
	d = diff_of("a\nb\nc\n", "a\nB\nc\n", &rc);
	assert_int_equal(rc, 1);
	assert_string_equal(
	    d, "--- A\n+++ B\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
	free(d);
	/* One line: no ",1"; a missing last newline is said, as diff -u. */
	d = diff_of("x\n", "x\ny", &rc);
	assert_string_equal(d, "--- A\n+++ B\n@@ -1 +1,2 @@\n x\n+y\n"
	                       "\\ No newline at end of file\n");
	free(d);
	d = diff_of("", "new\n", &rc);
	assert_string_equal(d, "--- A\n+++ B\n@@ -0,0 +1 @@\n+new\n");
	free(d);
	/* Changes far apart: two hunks with three lines of context each. */
	d = diff_of("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
	    "X\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\nY\n", &rc);
	assert_string_equal(d, "--- A\n+++ B\n@@ -1,4 +1,4 @@\n-1\n+X\n 2\n"
	                       " 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n"
	                       "+Y\n");
	free(d);
}

static void
test_udiff_bound(void **state)
{
	struct udiff_out o = {0};
	char a[4096], b[4096];

	(void)state;
	memset(a, 'a', sizeof(a) - 2);
	a[sizeof(a) - 2] = '\n';
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	b[0] = 'b';
	o.max = 100;
	assert_int_equal(udiff(&o, "A", a, strlen(a), "B", b, strlen(b)), 1);
	assert_true(o.truncated);
	assert_true(o.len <= 100);
	free(o.s);
}

static void
test_manifest(void **state)
{
	struct confhist_entry e;
	char err[256];

	(void)state;
	assert_int_equal(confhist_parse_manifest(
	                     "{\"n\":3,\"time_ms\":5,\"uid\":0,\"trigger\":"
	                     "\"reload\",\"environment\":\"prod\",\"files\":"
	                     "[\"/etc/r.conf\",\"/etc/conf.d/a.conf\"]}",
	                     &e, err, sizeof(err)),
	    0);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.uid, 0);
	assert_string_equal(e.trigger, "reload");
	assert_string_equal(e.environment, "prod");
	assert_int_equal(e.nfiles, 2);
	assert_string_equal(e.files[1], "/etc/conf.d/a.conf");
	confhist_entry_free(&e);
	assert_int_equal(
	    confhist_parse_manifest("[]", &e, err, sizeof(err)), -1);
	assert_int_equal(confhist_parse_manifest("{\"n\":0,\"time_ms\":1,"
	                                         "\"files\":[\"/a\"]}",
	                     &e, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "'n' is not a positive integer");
	assert_int_equal(confhist_parse_manifest("{\"n\":1,\"time_ms\":1,"
	                                         "\"files\":[\"rel\"]}",
	                     &e, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "files[0] is not an absolute path");
	assert_int_equal(confhist_parse_manifest("{\"n\":1,\"time_ms\":1,"
	                                         "\"files\":[]}",
	                     &e, err, sizeof(err)),
	    -1);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static struct conf *
load(const char *main)
{
	struct errlist errs = {0};
	struct conf *c = conf_load2(main, &errs, NULL);

	assert_int_equal(errs.n, 0);
	assert_non_null(c);
	return c;
}

static size_t
count(const char *hist)
{
	char err[256];
	json_object *a = confhist_list(hist, err, sizeof(err));
	size_t n;

	assert_non_null(a);
	n = json_object_array_length(a);
	json_object_put(a);
	return n;
}

static void
test_record(void **state)
{
	char dir[] = "/tmp/rdd-test-confhist-XXXXXX", main[PATH_MAX];
	char hist[PATH_MAX], p[PATH_MAX + 32], err[RDD_ERRLEN], *d;
	struct conf *c;
	struct stat st;
	int trunc, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(main, sizeof(main), "%s/r.conf", dir);
	snprintf(hist, sizeof(hist), "%s/h", dir);
	assert_int_equal(util_write_atomic(main,
	                     "daemon: { config_history = 2; };\n", 33, 0644),
	    0);
	c = load(main);
	assert_int_equal(
	    confhist_record(hist, c, 7, "start", err, sizeof(err)), 1);
	/* The same bytes again: no entry. */
	assert_int_equal(
	    confhist_record(hist, c, 7, "reload", err, sizeof(err)), 0);
	conf_free(c);
	snprintf(p, sizeof(p), "%s/00000001/0", hist);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(hist, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	for (i = 2; i <= 4; i++) {
		char text[64];

		snprintf(text, sizeof(text),
		    "daemon: { config_history = 2; };\n# %d\n", i);
		assert_int_equal(
		    util_write_atomic(main, text, strlen(text), 0644), 0);
		c = load(main);
		assert_int_equal(
		    confhist_record(hist, c, 7, "reload", err, sizeof(err)), i);
		conf_free(c);
	}
	/* Pruned to 2: entries 3 and 4. */
	assert_int_equal(count(hist), 2);
	snprintf(p, sizeof(p), "%s/00000002", hist);
	assert_int_not_equal(stat(p, &st), 0);
	d = confhist_diff(hist, 3, main, "", 0, &trunc, err, sizeof(err));
	assert_non_null(d);
	assert_non_null(strstr(d, "\n-# 3\n+# 4\n"));
	free(d);
	assert_null(
	    confhist_diff(hist, 2, main, "", 0, &trunc, err, sizeof(err)));
	assert_non_null(strstr(err, "no configuration 2 in the history"));
	/* A stop in the middle of keeping an entry: swept next time. */
	snprintf(p, sizeof(p), "%s/.new-abcdef", hist);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/.new-abcdef/0", hist);
	assert_int_equal(util_write_atomic(p, "x", 1, 0600), 0);
	assert_int_equal(util_write_atomic(main, "# 5\n", 4, 0644), 0);
	c = load(main);
	assert_int_equal(
	    confhist_record(hist, c, 7, "reload", err, sizeof(err)), 5);
	conf_free(c);
	snprintf(p, sizeof(p), "%s/.new-abcdef", hist);
	assert_int_not_equal(stat(p, &st), 0);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_udiff),
	    cmocka_unit_test(test_udiff_bound),
	    cmocka_unit_test(test_manifest),
	    cmocka_unit_test(test_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
