/*
 * test_journal.c: journal.c appends redacted JSON lines and reads them back
 * by time and count, skipping whatever is malformed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "rdd.h"

struct fx {
	char dir[256];
	char path[300];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct log_conf lc = { .level = RDD_LOG_ERR };
	char err[RDD_ERRLEN];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/test_journal.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/journal.jsonl", f->dir);
	assert_int_equal(log_setup(&lc, err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	journal_close();
	redact_clear();
	log_close();
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
append_raw(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);

	assert_true(fd != -1);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

static struct json_object *
read_arr(const char *path, int64_t since, size_t max)
{
	struct json_object *a;
	char *s;

	s = journal_read_since(path, since, max);
	assert_non_null(s);
	a = json_tokener_parse(s);
	free(s);
	assert_non_null(a);
	assert_true(json_object_is_type(a, json_type_array));
	return a;
}

static const char *
field(struct json_object *a, size_t i, const char *key)
{
	struct json_object *o, *v;

	o = json_object_array_get_idx(a, i);
	assert_non_null(o);
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static void
t_write_read(void **state)
{
	struct fx *f = *state;
	struct json_object *a, *o, *v;
	char err[RDD_ERRLEN], *s, *nl;
	int64_t t0 = wall_ms();
	struct stat sb;

	assert_int_equal(journal_open(f->path, err, sizeof(err)), 0);
	journal_write("detect", "pm2", "api", "app api errored", -1);
	journal_write("control", NULL, NULL, "recover pm2 api", 1000);
	journal_close();

	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0137, 0);
	s = slurp(f->path);
	/* Exactly one object per line. */
	nl = strchr(s, '\n');
	assert_non_null(nl);
	assert_non_null(strchr(nl + 1, '\n'));
	assert_string_equal(strchr(nl + 1, '\n'), "\n");
	assert_int_equal(s[0], '{');
	free(s);

	a = read_arr(f->path, 0, 0);
	assert_int_equal(json_object_array_length(a), 2);
	assert_string_equal(field(a, 0, "kind"), "detect");
	assert_string_equal(field(a, 0, "monitor"), "pm2");
	assert_string_equal(field(a, 0, "target"), "api");
	assert_string_equal(field(a, 0, "msg"), "app api errored");
	assert_null(field(a, 0, "uid"));
	assert_string_equal(field(a, 1, "kind"), "control");
	assert_null(field(a, 1, "monitor"));
	assert_string_equal(field(a, 1, "uid"), "1000");
	o = json_object_array_get_idx(a, 0);
	assert_true(json_object_object_get_ex(o, "ts_ms", &v));
	assert_true(json_object_get_int64(v) >= t0);
	assert_true(json_object_get_int64(v) <= wall_ms());
	assert_true(json_object_object_get_ex(o, "ts", &v));
	assert_int_equal(strlen(json_object_get_string(v)), 24);
	assert_int_equal(json_object_get_string(v)[23], 'Z');
	json_object_put(a);
}

static void
t_since_and_max(void **state)
{
	struct fx *f = *state;
	struct json_object *a;
	char line[256], err[RDD_ERRLEN];
	int i;

	/* Fixed timestamps make "since" independent of the clock. */
	for (i = 0; i < 50; i++) {
		snprintf(line, sizeof(line), "{\"ts\":\"x\",\"ts_ms\":%d,"
		    "\"kind\":\"k\",\"msg\":\"m%d\"}\n", 1000 + i, i);
		append_raw(f->path, line);
	}
	a = read_arr(f->path, 1040, 0);
	assert_int_equal(json_object_array_length(a), 10);
	assert_string_equal(field(a, 0, "msg"), "m40");
	assert_string_equal(field(a, 9, "msg"), "m49");
	json_object_put(a);

	/* max keeps the newest, oldest first. */
	a = read_arr(f->path, 0, 3);
	assert_int_equal(json_object_array_length(a), 3);
	assert_string_equal(field(a, 0, "msg"), "m47");
	assert_string_equal(field(a, 2, "msg"), "m49");
	json_object_put(a);

	a = read_arr(f->path, 0, 1000000000);
	assert_int_equal(json_object_array_length(a), 50);
	json_object_put(a);

	a = read_arr(f->path, INT64_MAX, 0);
	assert_int_equal(json_object_array_length(a), 0);
	json_object_put(a);

	/* New records land after the fixed ones. */
	assert_int_equal(journal_open(f->path, err, sizeof(err)), 0);
	journal_write("start", NULL, NULL, "daemon started", -1);
	a = read_arr(f->path, 2000, 0);
	assert_int_equal(json_object_array_length(a), 1);
	assert_string_equal(field(a, 0, "kind"), "start");
	json_object_put(a);
}

static void
t_default_max(void **state)
{
	struct fx *f = *state;
	struct json_object *a;
	char *buf, *p;
	int i;

	buf = malloc(1100 * 64);
	assert_non_null(buf);
	for (p = buf, i = 0; i < 1100; i++)
		p += sprintf(p, "{\"ts_ms\":%d,\"msg\":\"r%d\"}\n", i, i);
	append_raw(f->path, buf);
	free(buf);
	a = read_arr(f->path, 0, 0);
	assert_int_equal(json_object_array_length(a), 1000);
	assert_string_equal(field(a, 0, "msg"), "r100");
	json_object_put(a);
}

/*
 * A journal of months: only its newest 8 MiB are read, from the first
 * whole line, so the oldest records drop out and nothing half is parsed.
 */
static void
t_reads_only_the_tail(void **state)
{
	struct fx *f = *state;
	struct json_object *a;
	size_t total = 0, len;
	char *buf, *p;
	int i, n = 0;

	/* 10 MiB of old records with padding, then one new record. */
	buf = malloc(1 << 20);
	assert_non_null(buf);
	while (total < (size_t)10 << 20) {
		for (p = buf, i = 0; i < 4000; i++, n++)
			p += sprintf(p, "{\"ts_ms\":%d,\"msg\":\"old %d "
			    "%0180d\"}\n", n, n, 0);
		len = (size_t)(p - buf);
		append_raw(f->path, buf);
		total += len;
	}
	free(buf);
	append_raw(f->path, "{\"ts_ms\":999999999,\"msg\":\"newest\"}\n");
	a = read_arr(f->path, 0, 100000);
	/* Only the records of the tail, the newest last, none cut. */
	assert_true(json_object_array_length(a) > 30000);
	assert_true(json_object_array_length(a) < (size_t)n);
	assert_null(strstr(field(a, 0, "msg"), "old 0 "));
	assert_string_equal(
	    field(a, json_object_array_length(a) - 1, "msg"), "newest");
	json_object_put(a);
}

static void
t_malformed(void **state)
{
	struct fx *f = *state;
	struct json_object *a;
	char err[RDD_ERRLEN];
	static const char bad[] =
	    "{\"ts_ms\":1,\"msg\":\"good1\"}\n"
	    "not json at all\n"
	    "\n"
	    "[1,2,3]\n"
	    "{\"msg\":\"no ts\"}\n"
	    "{\"ts_ms\":\"5\",\"msg\":\"string ts\"}\n"
	    "{\"ts_ms\":2,\"msg\":\"trailing\"} garbage\n"
	    "{\"ts_ms\":3,\"msg\":\"two\"}{\"ts_ms\":4}\n"
	    "\xff\xfe\x00\x01\n"
	    "{\"ts_ms\":5,\"msg\":\"good2\"}\n"
	    "{\"ts_ms\":6,\"msg\":\"trunc";

	{
		int fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		assert_true(fd != -1);
		assert_int_equal(write(fd, bad, sizeof(bad) - 1),
		    (ssize_t)sizeof(bad) - 1);
		close(fd);
	}
	a = read_arr(f->path, 0, 0);
	assert_int_equal(json_object_array_length(a), 2);
	assert_string_equal(field(a, 0, "msg"), "good1");
	assert_string_equal(field(a, 1, "msg"), "good2");
	json_object_put(a);

	/* Reopening ends the truncated line, so the next record is whole. */
	assert_int_equal(journal_open(f->path, err, sizeof(err)), 0);
	journal_write("result", "pm2", "api", "recovered", -1);
	a = read_arr(f->path, 0, 0);
	assert_int_equal(json_object_array_length(a), 3);
	assert_string_equal(field(a, 2, "msg"), "recovered");
	json_object_put(a);
}

static void
t_redaction(void **state)
{
	struct fx *f = *state;
	struct json_object *a;
	char err[RDD_ERRLEN], *s;

	redact_add("s3cr3t-value");
	assert_int_equal(journal_open(f->path, err, sizeof(err)), 0);
	journal_write("action", "mon-s3cr3t-value", "t-s3cr3t-value",
	    "curl -H 'Authorization: token s3cr3t-value' "
	    "ghp_0123456789abcdefghijABCDEFGHIJ\nnext", 0);
	s = slurp(f->path);
	assert_null(strstr(s, "s3cr3t-value"));
	assert_null(strstr(s, "ghp_0123456789abcdefghij"));
	free(s);
	a = read_arr(f->path, 0, 0);
	assert_int_equal(json_object_array_length(a), 1);
	assert_string_equal(field(a, 0, "monitor"), "mon-[REDACTED]");
	assert_string_equal(field(a, 0, "target"), "t-[REDACTED]");
	assert_string_equal(field(a, 0, "msg"),
	    "curl -H 'Authorization: token [REDACTED]' [REDACTED]\nnext");
	assert_string_equal(field(a, 0, "uid"), "0");
	json_object_put(a);
}

/* The dashboard's latest incidents: 10 at most, newest first, incident
 * kinds only, redacted like the file, read back at the next start. */
static void
t_recent(void **state)
{
	struct fx *f = *state;
	struct json_object *a, *r, *v;
	char err[RDD_ERRLEN], msg[32];
	int i;

	a = journal_recent_json();
	assert_int_equal(json_object_array_length(a), 0);
	json_object_put(a);
	redact_add("s3cr3t-value");
	assert_int_equal(journal_open(f->path, err, sizeof(err)), 0);
	journal_write("giveup", "db", "db", "the oldest: falls out", -1);
	for (i = 0; i < 12; i++) {
		snprintf(msg, sizeof(msg), "detect %d", i);
		journal_write("detect", "api", "api", msg, -1);
		/* Not incidents: actions, results, control commands. */
		journal_write("action", "api", "api", "attempt", -1);
		journal_write("control", NULL, NULL, "status", 0);
	}
	journal_write("recovered", "api", "api", "healthy again", -1);
	journal_write("giveup", "db", "db", "token s3cr3t-value", -1);
	a = journal_recent_json();
	assert_int_equal(json_object_array_length(a), 10);
	assert_null(strstr(json_object_to_json_string(a), "s3cr3t-value"));
	assert_null(strstr(json_object_to_json_string(a), "falls out"));
	r = json_object_array_get_idx(a, 0);
	assert_true(json_object_object_get_ex(r, "kind", &v));
	assert_string_equal(json_object_get_string(v), "giveup");
	assert_true(json_object_object_get_ex(r, "msg", &v));
	assert_string_equal(json_object_get_string(v), "token [REDACTED]");
	assert_true(json_object_object_get_ex(r, "ts_ms", &v));
	assert_true(json_object_get_int64(v) > 0);
	r = json_object_array_get_idx(a, 1);
	assert_true(json_object_object_get_ex(r, "kind", &v));
	assert_string_equal(json_object_get_string(v), "recovered");
	for (i = 2; i < 10; i++) {
		r = json_object_array_get_idx(a, i);
		assert_true(json_object_object_get_ex(r, "msg", &v));
		snprintf(msg, sizeof(msg), "detect %d", 13 - i);
		assert_string_equal(json_object_get_string(v), msg);
	}
	json_object_put(a);
	/* Closing the journal (at exit) frees them. */
	journal_close();
	a = journal_recent_json();
	assert_int_equal(json_object_array_length(a), 0);
	json_object_put(a);
	/* A restart reads them back from the end of the file. */
	assert_int_equal(journal_open(f->path, err, sizeof(err)), 0);
	a = journal_recent_json();
	assert_int_equal(json_object_array_length(a), 10);
	r = json_object_array_get_idx(a, 0);
	assert_true(json_object_object_get_ex(r, "msg", &v));
	assert_string_equal(json_object_get_string(v), "token [REDACTED]");
	r = json_object_array_get_idx(a, 1);
	assert_true(json_object_object_get_ex(r, "kind", &v));
	assert_string_equal(json_object_get_string(v), "recovered");
	r = json_object_array_get_idx(a, 9);
	assert_true(json_object_object_get_ex(r, "msg", &v));
	assert_string_equal(json_object_get_string(v), "detect 4");
	json_object_put(a);
}

static void
t_errors(void **state)
{
	struct fx *f = *state;
	char p[400], err[RDD_ERRLEN] = "", *s;

	/* Writing while closed is a no-op, not a crash. */
	journal_write("detect", "m", "t", "lost", -1);
	snprintf(p, sizeof(p), "%s/no/such/dir/j.jsonl", f->dir);
	assert_int_equal(journal_open(p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, p));
	/* A missing journal reads as no records; a directory is an error. */
	s = journal_read_since(p, 0, 0);
	assert_string_equal(s, "[]");
	free(s);
	assert_null(journal_read_since(f->dir, 0, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_write_read, setup, teardown),
		cmocka_unit_test_setup_teardown(t_since_and_max, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_reads_only_the_tail, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_default_max, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(t_redaction, setup, teardown),
		cmocka_unit_test_setup_teardown(t_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(t_recent, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
