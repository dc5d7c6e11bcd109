/*
 * test_secret: secrets from the environment and from files, and every way a
 * secret file is refused, without the secret ever reaching the error text.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rdd.h"

struct fx {
	char tmp[64];
	char path[256];
	char err[RDD_ERRLEN];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	strcpy(f->tmp, "/tmp/test_secret.XXXXXX");
	if (mkdtemp(f->tmp) == NULL)
		return -1;
	unsetenv("RDD_TEST_SECRET");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->tmp);
	if (system(cmd) != 0)
		return -1;
	unsetenv("RDD_TEST_SECRET");
	free(f);
	return 0;
}

static const char *
mkfile(struct fx *f, const char *name, const char *text, size_t len,
    mode_t mode)
{
	int fd;

	snprintf(f->path, sizeof(f->path), "%s/%s", f->tmp, name);
	fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	assert_int_equal(chmod(f->path, mode), 0);
	return f->path;
}

static void
test_env(void **state)
{
	struct fx *f = *state;
	const char *file = mkfile(f, "unused", "fromfile", 8, 0600);
	char *s;

	setenv("RDD_TEST_SECRET", "fromenv", 1);
	s = secret_load("RDD_TEST_SECRET", file, f->err, sizeof(f->err));
	assert_string_equal(s, "fromenv");
	free(s);

	/* Empty: the file is used instead. */
	setenv("RDD_TEST_SECRET", "", 1);
	s = secret_load("RDD_TEST_SECRET", file, f->err, sizeof(f->err));
	assert_string_equal(s, "fromfile");
	free(s);
}

static void
test_file_0600(void **state)
{
	struct fx *f = *state;
	const char *file = mkfile(f, "tok", "s3cr3t-v@lue\r\n\n", 15, 0600);
	char *s;

	s = secret_load(NULL, file, f->err, sizeof(f->err));
	assert_non_null(s);
	assert_string_equal(s, "s3cr3t-v@lue");
	free(s);

	/* 0400 is stricter, also fine; inner newlines are kept. */
	file = mkfile(f, "tok2", "a\nb\n", 4, 0400);
	s = secret_load("RDD_TEST_SECRET", file, f->err, sizeof(f->err));
	assert_string_equal(s, "a\nb");
	free(s);
}

static void
test_file_0644_refused(void **state)
{
	struct fx *f = *state;
	const char *file = mkfile(f, "open", "s3cr3t", 6, 0644);
	char want[600];

	assert_null(secret_load(NULL, file, f->err, sizeof(f->err)));
	snprintf(want, sizeof(want),
	    "%s: mode 0644 is readable by others: chmod 600 %s", file, file);
	assert_string_equal(f->err, want);
	assert_null(strstr(f->err, "s3cr3t"));

	file = mkfile(f, "grp", "s3cr3t", 6, 0640);
	assert_null(secret_load(NULL, file, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "mode 0640"));
}

static void
test_missing_file(void **state)
{
	struct fx *f = *state;
	char path[300];

	snprintf(path, sizeof(path), "%s/nope", f->tmp);
	assert_null(secret_load("RDD_TEST_SECRET", path, f->err,
	    sizeof(f->err)));
	assert_non_null(strstr(f->err, path));
	assert_non_null(strstr(f->err, "no such file"));
}

static void
test_empty_file(void **state)
{
	struct fx *f = *state;
	const char *file = mkfile(f, "empty", "", 0, 0600);

	assert_null(secret_load(NULL, file, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "is empty"));

	file = mkfile(f, "nl", "\r\n\n", 3, 0600);
	assert_null(secret_load(NULL, file, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "is empty"));
}

static void
test_symlink_refused(void **state)
{
	struct fx *f = *state;
	char target[300], link[300];

	snprintf(target, sizeof(target), "%s", mkfile(f, "real", "s3cr3t", 6,
	    0600));
	snprintf(link, sizeof(link), "%s/link", f->tmp);
	assert_int_equal(symlink(target, link), 0);
	assert_null(secret_load(NULL, link, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "symbolic link"));
	assert_null(strstr(f->err, "s3cr3t"));
}

static void
test_not_regular(void **state)
{
	struct fx *f = *state;
	char fifo[300];

	assert_null(secret_load(NULL, f->tmp, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "not a regular file"));

	/* A FIFO must be refused, not block the daemon on open. */
	snprintf(fifo, sizeof(fifo), "%s/fifo", f->tmp);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_null(secret_load(NULL, fifo, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "not a regular file"));
}

static void
test_too_large(void **state)
{
	struct fx *f = *state;
	size_t n = 64 * 1024 + 1;
	char *big = malloc(n);
	const char *file;
	char *s;

	memset(big, 'k', n);
	file = mkfile(f, "big", big, n, 0600);
	assert_null(secret_load(NULL, file, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "larger than"));

	/* Exactly 64 KiB is accepted. */
	file = mkfile(f, "max", big, n - 1, 0600);
	s = secret_load(NULL, file, f->err, sizeof(f->err));
	assert_non_null(s);
	assert_int_equal(strlen(s), n - 1);
	free(s);
	free(big);
}

static void
test_nul_refused(void **state)
{
	struct fx *f = *state;
	const char *file = mkfile(f, "nul", "ab\0cd", 5, 0600);

	assert_null(secret_load(NULL, file, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "NUL"));
}

static void
test_neither(void **state)
{
	struct fx *f = *state;

	assert_null(secret_load(NULL, NULL, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "no secret given"));
	assert_null(secret_load("RDD_TEST_SECRET", "", f->err,
	    sizeof(f->err)));
	assert_non_null(strstr(f->err, "RDD_TEST_SECRET"));
	/* A NULL error buffer is allowed. */
	assert_null(secret_load(NULL, NULL, NULL, 0));
}

static void
test_foreign_owner(void **state)
{
	struct fx *f = *state;
	const char *file;

	if (geteuid() != 0)
		skip();	/* only root can give a file away */
	file = mkfile(f, "foreign", "s3cr3t", 6, 0600);
	assert_int_equal(chown(file, 65534, 65534), 0);
	assert_null(secret_load(NULL, file, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "owned by uid 65534"));
	assert_null(strstr(f->err, "s3cr3t"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_file_0600),
		cmocka_unit_test(test_file_0644_refused),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_symlink_refused),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_nul_refused),
		cmocka_unit_test(test_neither),
		cmocka_unit_test(test_foreign_owner),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
