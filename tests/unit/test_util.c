/*
 * test_util.c: unit tests of util.c: duration and size parsing, atomic
 * writes, whole-file reads, mkdir -p, clocks and state names.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rdd.h"

struct parse_case {
	const char *s;
	int ok;
	int64_t v;
};

static const struct parse_case dur_cases[] = {
    {"0", 1, 0},
    {"30", 1, 30000},
    {"30s", 1, 30000},
    {"500ms", 1, 500},
    {"0ms", 1, 0},
    {"5m", 1, 300000},
    {"1h", 1, 3600000},
    {"2d", 1, 172800000},
    {"007s", 1, 7000},
    {"9223372036854775807ms", 1, INT64_MAX},
    {"9223372036854775s", 1, 9223372036854775000LL},
    {"9223372036854776s", 0, 0},
    {"9223372036854775807", 0, 0},
    {"9223372036854775808ms", 0, 0},
    {"99999999999999999999999", 0, 0},
    {"", 0, 0},
    {"-1", 0, 0},
    {"-1s", 0, 0},
    {"+1s", 0, 0},
    {"1x", 0, 0},
    {" 1", 0, 0},
    {"1s ", 0, 0},
    {"1 s", 0, 0},
    {"1.5s", 0, 0},
    {"s", 0, 0},
    {"ms", 0, 0},
    {"1S", 0, 0},
    {"1sec", 0, 0},
    {"1msx", 0, 0},
    {"1h30m", 0, 0},
    {"0x10", 0, 0},
};

static const struct parse_case size_cases[] = {
    {"0", 1, 0},
    {"1024", 1, 1024},
    {"1B", 1, 1},
    {"80K", 1, 80 * 1024},
    {"80k", 1, 80 * 1024},
    {"80KB", 1, 80 * 1024},
    {"80kb", 1, 80 * 1024},
    {"80M", 1, 80LL * 1024 * 1024},
    {"80mB", 1, 80LL * 1024 * 1024},
    {"2G", 1, 2LL * 1024 * 1024 * 1024},
    {"2gb", 1, 2LL * 1024 * 1024 * 1024},
    {"8589934591G", 1, 8589934591LL * 1024 * 1024 * 1024},
    {"8589934592G", 0, 0},
    {"9223372036854775807", 1, INT64_MAX},
    {"9223372036854775808", 0, 0},
    {"", 0, 0},
    {"-1", 0, 0},
    {"K", 0, 0},
    {"1T", 0, 0},
    {"1KBB", 0, 0},
    {"1 K", 0, 0},
    {"1.5M", 0, 0},
    {"1Ki", 0, 0},
    {"1K ", 0, 0},
};

static void
test_parse_duration(void **state)
{
	size_t i;
	int64_t v;

	(void)state;
	for (i = 0; i < sizeof(dur_cases) / sizeof(dur_cases[0]); i++) {
		v = -42;
		if ((util_parse_duration(dur_cases[i].s, &v) == 0) !=
		    dur_cases[i].ok)
			fail_msg("duration \"%s\": expected %s", dur_cases[i].s,
			    dur_cases[i].ok ? "success" : "failure");
		if (dur_cases[i].ok)
			assert_int_equal(v, dur_cases[i].v);
		else
			assert_int_equal(v, -42);
	}
	assert_int_equal(util_parse_duration(NULL, &v), -1);
	assert_int_equal(util_parse_duration("1y", &v), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(util_parse_duration("9223372036854775807s", &v), -1);
	assert_int_equal(errno, ERANGE);
}

static void
test_parse_size(void **state)
{
	size_t i;
	int64_t v;

	(void)state;
	for (i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
		v = -42;
		if ((util_parse_size(size_cases[i].s, &v) == 0) !=
		    size_cases[i].ok)
			fail_msg("size \"%s\": expected %s", size_cases[i].s,
			    size_cases[i].ok ? "success" : "failure");
		if (size_cases[i].ok)
			assert_int_equal(v, size_cases[i].v);
		else
			assert_int_equal(v, -42);
	}
	assert_int_equal(util_parse_size(NULL, &v), -1);
}

struct fx {
	char dir[256];
};

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p);
	return unlink(p);
}

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/rdd-test-util-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static size_t
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_write_atomic(void **state)
{
	struct fx *f = *state;
	char p[512], q[512], *buf;
	struct stat st;
	size_t len;

	snprintf(p, sizeof(p), "%s/state.json", f->dir);
	assert_int_equal(util_write_atomic(p, "first", 5, 0640), 0);
	buf = util_read_file(p, 100, &len);
	assert_non_null(buf);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "first");
	free(buf);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* Replacing keeps only the new content and leaves no temp file. */
	assert_int_equal(util_write_atomic(p, "2nd", 3, 0600), 0);
	buf = util_read_file(p, 100, &len);
	assert_string_equal(buf, "2nd");
	free(buf);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(count_entries(f->dir), 1);
	/* An empty file is a valid file. */
	assert_int_equal(util_write_atomic(p, "", 0, 0600), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0);

	/* Missing directory: ENOENT. */
	snprintf(q, sizeof(q), "%s/nodir/x", f->dir);
	errno = 0;
	assert_int_equal(util_write_atomic(q, "x", 1, 0600), -1);
	assert_int_equal(errno, ENOENT);
	/* Target is a directory: rename fails, the temp file is removed. */
	snprintf(q, sizeof(q), "%s/adir", f->dir);
	assert_int_equal(mkdir(q, 0755), 0);
	errno = 0;
	assert_int_equal(util_write_atomic(q, "x", 1, 0600), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(count_entries(f->dir), 2);
	assert_int_equal(count_entries(q), 0);
}

static void
test_write_atomic_taken_temp(void **state)
{
	struct fx *f = *state;
	char p[512], t[600], *buf;

	/* A stale temp name of our pid is skipped, not overwritten. */
	snprintf(p, sizeof(p), "%s/f", f->dir);
	snprintf(t, sizeof(t), "%s.tmp.%ld.0", p, (long)getpid());
	assert_int_equal(util_write_atomic(t, "stale", 5, 0600), 0);
	assert_int_equal(util_write_atomic(p, "new", 3, 0600), 0);
	buf = util_read_file(t, 100, NULL);
	assert_string_equal(buf, "stale");
	free(buf);
	buf = util_read_file(p, 100, NULL);
	assert_string_equal(buf, "new");
	free(buf);
}

static void
test_read_file(void **state)
{
	struct fx *f = *state;
	char p[512], big[10000], *buf;
	size_t len;

	snprintf(p, sizeof(p), "%s/r", f->dir);
	memset(big, 'a', sizeof(big));
	big[5000] = '\0'; /* NUL inside the data is kept */
	assert_int_equal(util_write_atomic(p, big, sizeof(big), 0600), 0);
	buf = util_read_file(p, sizeof(big), &len);
	assert_non_null(buf);
	assert_int_equal(len, sizeof(big));
	assert_memory_equal(buf, big, sizeof(big));
	assert_int_equal(buf[len], '\0');
	free(buf);
	/* One byte over max is too big. */
	errno = 0;
	assert_null(util_read_file(p, sizeof(big) - 1, &len));
	assert_int_equal(errno, EFBIG);
	errno = 0;
	assert_null(util_read_file(p, 0, &len));
	assert_int_equal(errno, EFBIG);
	/* Empty file. */
	assert_int_equal(util_write_atomic(p, "", 0, 0600), 0);
	buf = util_read_file(p, 0, &len);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	/* len may be NULL. */
	assert_int_equal(util_write_atomic(p, "abc", 3, 0600), 0);
	buf = util_read_file(p, 3, NULL);
	assert_string_equal(buf, "abc");
	free(buf);
	snprintf(p, sizeof(p), "%s/missing", f->dir);
	errno = 0;
	assert_null(util_read_file(p, 10, &len));
	assert_int_equal(errno, ENOENT);
	/* A file whose size stat reports as 0 is still read in full. */
	buf = util_read_file("/proc/self/stat", 1 << 16, &len);
	if (buf != NULL) {
		assert_true(len > 0);
		assert_int_equal(strlen(buf), len);
		free(buf);
	}
}

static void
test_mkdirs(void **state)
{
	struct fx *f = *state;
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/a/b//c/", f->dir);
	assert_int_equal(util_mkdirs(p, 0750), 0);
	snprintf(p, sizeof(p), "%s/a/b/c", f->dir);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* Existing is fine. */
	assert_int_equal(util_mkdirs(p, 0750), 0);
	assert_int_equal(util_mkdirs(f->dir, 0750), 0);
	assert_int_equal(util_mkdirs("/", 0750), 0);
	/* A file in the way. */
	snprintf(p, sizeof(p), "%s/file", f->dir);
	assert_int_equal(util_write_atomic(p, "x", 1, 0600), 0);
	snprintf(p, sizeof(p), "%s/file/sub", f->dir);
	errno = 0;
	assert_int_equal(util_mkdirs(p, 0750), -1);
	assert_int_equal(errno, ENOTDIR);
	snprintf(p, sizeof(p), "%s/file", f->dir);
	errno = 0;
	assert_int_equal(util_mkdirs(p, 0750), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(util_mkdirs("", 0750), -1);
	assert_int_equal(errno, EINVAL);
	/* Relative paths work from the cwd. */
	{
		char cwd[PATH_MAX];

		assert_non_null(getcwd(cwd, sizeof(cwd)));
		assert_int_equal(chdir(f->dir), 0);
		assert_int_equal(util_mkdirs("rel/x", 0700), 0);
		assert_int_equal(stat("rel/x", &st), 0);
		assert_int_equal(chdir(cwd), 0);
	}
}

static void
test_clocks(void **state)
{
	int64_t a, b, w, t0, t1;

	(void)state;
	a = util_now_ms();
	b = util_now_ms();
	assert_true(a >= 0);
	assert_true(b >= a);
	/* Bracketed by time(2): same clock, in milliseconds. */
	t0 = (int64_t)time(NULL);
	w = util_wall_ms();
	t1 = (int64_t)time(NULL);
	assert_true(w > 1577836800000LL);
	assert_true(w / 1000 >= t0);
	assert_true(w / 1000 <= t1 + 1); /* time(2) may use a coarse clock */
}

static void
test_state_name(void **state)
{
	(void)state;
	assert_string_equal(util_state_name(RDD_OK), "OK");
	assert_string_equal(util_state_name(RDD_WARNING), "WARNING");
	assert_string_equal(util_state_name(RDD_CRITICAL), "CRITICAL");
	assert_string_equal(util_state_name(RDD_UNKNOWN), "UNKNOWN");
	assert_string_equal(util_state_name((enum rdd_state)42), "UNKNOWN");
}

/* /metrics values: the shortest text that reads back as the double. */
static void
test_fmt_double(void **state)
{
	char b[64];

	(void)state;
	util_fmt_double(b, sizeof(b), 2.654);
	assert_string_equal(b, "2.654");
	util_fmt_double(b, sizeof(b), 0.1 + 0.2);
	assert_string_equal(b, "0.30000000000000004");
	util_fmt_double(b, sizeof(b), 1e21);
	assert_string_equal(b, "1e+21");
	util_fmt_double(b, sizeof(b), 42);
	assert_string_equal(b, "42");
	util_fmt_double(b, sizeof(b), 1.0 / 3.0);
	assert_true(strtod(b, NULL) == 1.0 / 3.0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

/*
 * A recorded process group is ours while its leader lives with the
 * recorded start time, or, the leader gone, while members hold its id;
 * a leader with another start time is a recycled id and never ours.
 */
static void
test_group_alive(void **state)
{
	unsigned long long st;
	int p[2], status;
	pid_t leader, member = 0;
	char c;

	(void)state;
	assert_int_equal(pipe(p), 0);
	if ((leader = fork()) == 0) {
		setpgid(0, 0);
		if (fork() == 0) { /* a member of the same group */
			pause();
			_exit(0);
		}
		(void)read(p[0], &c, 1); /* until told to leave */
		_exit(0);
	}
	assert_true(leader > 0);
	setpgid(leader, leader);
	st = util_proc_start(leader);
	assert_true(st > 0);
	/* The member is forked after setpgid: wait for it to appear. */
	while (util_group_alive(leader, st) < 2)
		usleep(1000);
	assert_int_equal(util_group_alive(leader, st + 1), 0);
	/* The leader leaves: its member still holds the group id. */
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(waitpid(leader, &status, 0), leader);
	assert_int_equal(util_group_alive(leader, st), 1);
	assert_int_equal(kill(-leader, SIGKILL), 0);
	while (util_group_alive(leader, st) > 0)
		usleep(1000);
	(void)member;
	close(p[0]);
	close(p[1]);
	assert_int_equal(util_group_alive(1, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_duration),
	    cmocka_unit_test(test_parse_size),
	    T(test_write_atomic),
	    T(test_write_atomic_taken_temp),
	    T(test_read_file),
	    T(test_mkdirs),
	    cmocka_unit_test(test_clocks),
	    cmocka_unit_test(test_state_name),
	    cmocka_unit_test(test_fmt_double),
	    cmocka_unit_test(test_group_alive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
