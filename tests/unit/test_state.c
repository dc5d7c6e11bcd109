/*
 * test_state.c: state.c round trips, writes only when dirty, writes
 * atomically with mode 0600, and survives a corrupt file without losing it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rdd.h"

struct fx {
	char dir[256];
	char path[300];
	char logdir[300];
};

static void
rm_tree(const char *dir)
{
	char p[600];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct log_conf lc = { .level = RDD_LOG_INFO };
	char err[RDD_ERRLEN];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/test_state.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/state.json", f->dir);
	/* Logs go beside the state, so the warning can be checked. */
	snprintf(f->logdir, sizeof(f->logdir), "%s/log", f->dir);
	lc.dir = f->logdir;
	assert_int_equal(log_setup(&lc, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	log_close();
	rm_tree(f->dir);
	free(f);
	return 0;
}

static char *
slurp(const char *path)
{
	struct stat sb;
	char *buf;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	assert_int_equal(fstat(fd, &sb), 0);
	buf = malloc((size_t)sb.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)sb.st_size), sb.st_size);
	buf[sb.st_size] = '\0';
	close(fd);
	return buf;
}

static void
put(const char *path, const char *s, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd != -1);
	assert_int_equal(write(fd, s, len), (ssize_t)len);
	close(fd);
}

/* Names in the state dir other than state.json and log/. */
static int
count_other(struct fx *f, const char *prefix, char *found, size_t flen)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir(f->dir);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "state.json") == 0 ||
		    strcmp(de->d_name, "log") == 0)
			continue;
		if (prefix != NULL &&
		    strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (found != NULL)
			snprintf(found, flen, "%s/%s", f->dir, de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

static void
t_round_trip(void **state)
{
	struct fx *f = *state;
	struct state *s;
	char err[RDD_ERRLEN] = "";
	struct stat sb;

	s = state_open(f->path, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(err, "");
	assert_false(state_dirty(s));
	assert_null(state_get(s, "pm2", "restarts"));

	state_set(s, "pm2", "restarts", "3");
	state_set(s, "pm2/api", "backoff_until", "1764390600000");
	state_set(s, "pm2/api", "note", "quote \" backslash \\ nl \n utf8 \xc3\xa9");
	state_set(s, "github-actions", "etag", "W/\"abc\"");
	state_set(s, "gone", "k", "v");
	assert_true(state_dirty(s));
	assert_string_equal(state_get(s, "pm2", "restarts"), "3");
	state_set(s, "pm2", "restarts", "4");
	assert_string_equal(state_get(s, "pm2", "restarts"), "4");
	state_set(s, "github-actions", "etag", NULL);
	assert_null(state_get(s, "github-actions", "etag"));
	state_del_scope(s, "gone");
	assert_null(state_get(s, "gone", "k"));
	state_set(s, "", "", "empty names are fine");
	assert_int_equal(state_flush(s), 0);
	assert_false(state_dirty(s));
	state_free(s);

	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(count_other(f, NULL, NULL, 0), 0);

	s = state_open(f->path, err, sizeof(err));
	assert_non_null(s);
	assert_false(state_dirty(s));
	assert_string_equal(state_get(s, "pm2", "restarts"), "4");
	assert_string_equal(state_get(s, "pm2/api", "backoff_until"),
	    "1764390600000");
	assert_string_equal(state_get(s, "pm2/api", "note"),
	    "quote \" backslash \\ nl \n utf8 \xc3\xa9");
	assert_null(state_get(s, "github-actions", "etag"));
	assert_null(state_get(s, "gone", "k"));
	assert_string_equal(state_get(s, "", ""), "empty names are fine");
	/* NULL arguments are harmless. */
	assert_null(state_get(s, NULL, "k"));
	assert_null(state_get(NULL, "a", "k"));
	state_set(s, NULL, "k", "v");
	state_set(s, "a", NULL, "v");
	assert_false(state_dirty(s));
	state_free(s);
	state_free(NULL);
}

static void
t_clean_no_write(void **state)
{
	struct fx *f = *state;
	struct state *s;
	char err[RDD_ERRLEN];
	struct stat a, b;

	s = state_open(f->path, err, sizeof(err));
	assert_non_null(s);
	/* Clean from the start: nothing is created. */
	assert_int_equal(state_flush(s), 0);
	assert_int_equal(stat(f->path, &a), -1);

	state_set(s, "m", "k", "v");
	assert_int_equal(state_flush(s), 0);
	assert_int_equal(stat(f->path, &a), 0);

	/* Same value, deleting what is absent, an unknown scope: clean. */
	state_set(s, "m", "k", "v");
	state_set(s, "m", "absent", NULL);
	state_set(s, "nope", "absent", NULL);
	state_del_scope(s, "nope");
	assert_false(state_dirty(s));
	assert_int_equal(state_flush(s), 0);
	/* Every write is a rename, so a new inode would mean a write. */
	assert_int_equal(stat(f->path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);

	state_set(s, "m", "k", "w");
	assert_true(state_dirty(s));
	assert_int_equal(state_flush(s), 0);
	assert_int_equal(stat(f->path, &b), 0);
	assert_true(a.st_ino != b.st_ino);
	state_free(s);
}

static void
check_corrupt(struct fx *f, const char *content, size_t len)
{
	struct state *s;
	char err[RDD_ERRLEN] = "", aside[700], *kept, logp[400], *log;

	put(f->path, content, len);
	s = state_open(f->path, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(err, "");
	assert_false(state_dirty(s));
	assert_null(state_get(s, "pm2", "restarts"));

	/* The bad file is kept byte for byte under a new name. */
	assert_int_equal(count_other(f, "state.json.corrupt-", aside,
	    sizeof(aside)), 1);
	kept = slurp(aside);
	assert_non_null(kept);
	assert_memory_equal(kept, content, len);
	free(kept);
	assert_int_equal(access(f->path, F_OK), -1);

	snprintf(logp, sizeof(logp), "%s/system.log", f->logdir);
	log = slurp(logp);
	assert_non_null(log);
	assert_non_null(strstr(log, " WARN state file "));
	assert_non_null(strstr(log, "moved aside to"));
	free(log);

	/* And the daemon carries on writing fresh state. */
	state_set(s, "pm2", "restarts", "1");
	assert_int_equal(state_flush(s), 0);
	state_free(s);
	unlink(aside);
	unlink(f->path);
	assert_int_equal(truncate(logp, 0), 0);
}

static void
t_corrupt(void **state)
{
	static const char *cases[] = {
		"",
		"{",
		"{\"version\":1,\"scopes\":{\"pm2\":{\"restarts\":\"3\"",
		"not json",
		"[]",
		"{\"version\":2,\"scopes\":{}}",
		"{\"version\":\"1\",\"scopes\":{}}",
		"{\"version\":1}",
		"{\"version\":1,\"scopes\":[]}",
		"{\"version\":1,\"scopes\":{\"pm2\":{\"restarts\":3}}}",
		"{\"version\":1,\"scopes\":{\"pm2\":\"x\"}}",
		"{\"version\":1,\"scopes\":{}} trailing",
	};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_corrupt(f, cases[i], strlen(cases[i]));
	check_corrupt(f, "{\"version\":1,\x00\xff}", 15);
}

static void
t_corrupt_twice(void **state)
{
	struct fx *f = *state;
	struct state *s;
	char err[RDD_ERRLEN];

	/* Two bad files within one second must both survive. */
	put(f->path, "bad one", 7);
	s = state_open(f->path, err, sizeof(err));
	assert_non_null(s);
	state_free(s);
	put(f->path, "bad two", 7);
	s = state_open(f->path, err, sizeof(err));
	assert_non_null(s);
	state_free(s);
	assert_int_equal(count_other(f, "state.json.corrupt-", NULL, 0), 2);
}

static void
t_valid_file(void **state)
{
	static const char good[] =
	    "{ \"version\": 1, \"scopes\": {\n"
	    "  \"pm2\": { \"restarts\": \"3\", \"restarts\": \"5\" },\n"
	    "  \"netlify/site\": { \"last_good\": \"d-123\" },\n"
	    "  \"empty\": {} } }\n";
	struct fx *f = *state;
	struct state *s;
	char err[RDD_ERRLEN];

	put(f->path, good, strlen(good));
	s = state_open(f->path, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(state_get(s, "pm2", "restarts"), "5");
	assert_string_equal(state_get(s, "netlify/site", "last_good"), "d-123");
	assert_null(state_get(s, "empty", "x"));
	assert_false(state_dirty(s));
	assert_int_equal(count_other(f, NULL, NULL, 0), 0);
	state_free(s);
}

static void
t_unusable_dir(void **state)
{
	struct fx *f = *state;
	char p[400], err[RDD_ERRLEN] = "";

	snprintf(p, sizeof(p), "%s/missing/state.json", f->dir);
	assert_null(state_open(p, err, sizeof(err)));
	assert_non_null(strstr(err, "missing"));
	assert_non_null(strstr(err, "state_dir"));

	/* A file where the directory should be. */
	put(f->path, "{}", 2);
	snprintf(p, sizeof(p), "%s/state.json/x", f->dir);
	err[0] = '\0';
	assert_null(state_open(p, err, sizeof(err)));
	assert_true(err[0] != '\0');
	assert_null(state_open(NULL, err, sizeof(err)));
	unlink(f->path);
}

static void
t_flush_fails(void **state)
{
	struct fx *f = *state;
	struct state *s;
	char err[RDD_ERRLEN], sub[400], p[450];

	/* Works for root too, unlike a read-only mode. */
	snprintf(sub, sizeof(sub), "%s/gone", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(p, sizeof(p), "%s/state.json", sub);
	s = state_open(p, err, sizeof(err));
	assert_non_null(s);
	state_set(s, "a", "b", "c");
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(state_flush(s), -1);
	assert_true(state_dirty(s));	/* kept for the next try */
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(state_flush(s), 0);
	assert_false(state_dirty(s));
	state_free(s);
	s = state_open(p, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(state_get(s, "a", "b"), "c");
	state_free(s);
}

static void
t_many(void **state)
{
	struct fx *f = *state;
	struct state *s;
	char err[RDD_ERRLEN], sc[32], k[32], v[32];
	int i;

	s = state_open(f->path, err, sizeof(err));
	assert_non_null(s);
	for (i = 0; i < 1000; i++) {
		snprintf(sc, sizeof(sc), "mon%d/t", i % 50);
		snprintf(k, sizeof(k), "k%d", i);
		snprintf(v, sizeof(v), "v%d", i);
		state_set(s, sc, k, v);
	}
	assert_int_equal(state_flush(s), 0);
	state_free(s);
	s = state_open(f->path, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(state_get(s, "mon7/t", "k957"), "v957");
	assert_string_equal(state_get(s, "mon0/t", "k0"), "v0");
	state_free(s);
}

/* A monitor renamed by a reload: its scopes follow, a stale one goes. */
static void
t_rename(void **state)
{
	struct fx *f = *state;
	struct state *s;
	char err[RDD_ERRLEN];

	s = state_open(f->path, err, sizeof(err));
	assert_non_null(s);
	state_set(s, "web", "pid", "42");
	state_set(s, "web/web", "attempts", "2");
	state_set(s, "web/port", "attempts", "1");
	state_set(s, "webx", "k", "other");
	state_set(s, "site", "pid", "stale");
	state_set(s, "site/site", "attempts", "9");
	state_set(s, "sitex", "k", "kept");
	assert_int_equal(state_flush(s), 0);
	assert_int_equal(state_rename_scope(s, "web", "site"), 3);
	assert_true(state_dirty(s));
	assert_string_equal(state_get(s, "site", "pid"), "42");
	assert_string_equal(state_get(s, "site/site", "attempts"), "2");
	assert_string_equal(state_get(s, "site/port", "attempts"), "1");
	assert_null(state_get(s, "web", "pid"));
	assert_null(state_get(s, "web/web", "attempts"));
	assert_string_equal(state_get(s, "webx", "k"), "other");
	assert_string_equal(state_get(s, "sitex", "k"), "kept");
	assert_int_equal(state_rename_scope(s, "nothing", "here"), 0);
	assert_int_equal(state_rename_scope(s, "site", "site"), 0);
	assert_int_equal(state_flush(s), 0);
	state_free(s);
	s = state_open(f->path, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(state_get(s, "site", "pid"), "42");
	assert_null(state_get(s, "web", "pid"));
	state_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(t_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_clean_no_write, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_corrupt, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_corrupt_twice, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_valid_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_unusable_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_flush_fails, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_rename, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
