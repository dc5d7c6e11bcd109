/*
 * test_svc_watch: file and directory watches through inotify and through
 * the stat() polling fallback (RDD_WATCH_POLL=1), coalescing, deletion.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
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
#include <event2/event.h>

#include "rdd.h"
#include "../lib/evloop.h"

#define MAXSEEN 64

struct seen {
	int n;
	char *path[MAXSEEN];
	struct svc_watch *free_me;
	uint64_t del_h;
	struct svc_watch *del_s;
};

struct fx {
	struct event_base *base;
	char tmp[64];
	char p[256], q[256];
};

static void
seen_cb(void *arg, const char *path)
{
	struct seen *x = arg;

	if (x->n < MAXSEEN)
		x->path[x->n] = strdup(path);
	x->n++;
	if (x->del_s != NULL)
		svc_watch_del(x->del_s, x->del_h);
	if (x->free_me != NULL)
		svc_watch_free(x->free_me);
}

static void
seen_clear(struct seen *x)
{
	int i;

	for (i = 0; i < x->n && i < MAXSEEN; i++)
		free(x->path[i]);
	memset(x, 0, sizeof(*x));
}

static int
seen_has(const struct seen *x, const char *path)
{
	int i;

	for (i = 0; i < x->n && i < MAXSEEN; i++)
		if (strcmp(x->path[i], path) == 0)
			return 1;
	return 0;
}

static int
any_seen(void *arg)
{
	return ((struct seen *)arg)->n > 0;
}

static void
write_file(const char *path, const char *text, int append)
{
	int fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND :
	    O_TRUNC), 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->base = event_base_new();
	strcpy(f->tmp, "/tmp/test_svc_watch.XXXXXX");
	if (f->base == NULL || mkdtemp(f->tmp) == NULL)
		return -1;
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
	event_base_free(f->base);
	free(f);
	return 0;
}

/* Fresh per-test paths inside the one temp dir. */
static void
paths(struct fx *f, const char *tag)
{
	snprintf(f->p, sizeof(f->p), "%s/%s", f->tmp, tag);
	if (mkdir(f->p, 0700) == -1 && errno != EEXIST)
		fail();
	snprintf(f->q, sizeof(f->q), "%s/%s/file", f->tmp, tag);
}

/* create, modify, delete of a file that does not exist yet */
static void
file_cycle(struct fx *f, struct svc_watch *s)
{
	struct seen x = { 0 };
	char other[300];
	uint64_t h;

	h = svc_watch_add(s, f, f->q, seen_cb, &x);
	assert_int_not_equal(h, 0);

	write_file(f->q, "one\n", 0);
	evloop_until(f->base, any_seen, &x);
	assert_string_equal(x.path[0], f->q);
	seen_clear(&x);

	/* A sibling's change first, then ours: only ours is reported. */
	snprintf(other, sizeof(other), "%s.other", f->q);
	write_file(other, "x", 0);
	write_file(f->q, "two, longer\n", 1);
	evloop_until(f->base, any_seen, &x);
	assert_true(seen_has(&x, f->q));
	assert_false(seen_has(&x, other));
	seen_clear(&x);

	assert_int_equal(unlink(f->q), 0);
	evloop_until(f->base, any_seen, &x);
	assert_string_equal(x.path[0], f->q);
	seen_clear(&x);

	/* Re-created after deletion: still watched. */
	write_file(f->q, "three\n", 0);
	evloop_until(f->base, any_seen, &x);
	assert_string_equal(x.path[0], f->q);
	seen_clear(&x);
	svc_watch_del(s, h);	/* x lives on this stack frame */
}

static void
test_inotify_file(void **state)
{
	struct fx *f = *state;
	struct svc_watch *s;

	unsetenv("RDD_WATCH_POLL");
	s = svc_watch_new(f->base, 10000);	/* a poll would be too slow */
	assert_non_null(s);
	paths(f, "ino-file");
	file_cycle(f, s);
	svc_watch_free(s);
}

static void
test_poll_file(void **state)
{
	struct fx *f = *state;
	struct svc_watch *s;

	setenv("RDD_WATCH_POLL", "1", 1);
	s = svc_watch_new(f->base, 20);
	unsetenv("RDD_WATCH_POLL");
	assert_non_null(s);
	paths(f, "poll-file");
	file_cycle(f, s);
	svc_watch_free(s);
}

static void
test_inotify_coalesces(void **state)
{
	struct fx *f = *state;
	struct svc_watch *s;
	struct seen x = { 0 };

	unsetenv("RDD_WATCH_POLL");
	s = svc_watch_new(f->base, 10000);
	paths(f, "coalesce");
	svc_watch_add(s, f, f->q, seen_cb, &x);
	/* create, close_write, attrib, close_write: all queued before the
	 * loop runs, so one batch and one callback. */
	write_file(f->q, "a", 0);
	assert_int_equal(chmod(f->q, 0600), 0);
	write_file(f->q, "b", 1);
	evloop_until(f->base, any_seen, &x);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.path[0], f->q);
	seen_clear(&x);
	svc_watch_free(s);
}

static void
dir_cycle(struct fx *f, struct svc_watch *s)
{
	struct seen x = { 0 };
	char sub[300];
	uint64_t h;

	/* f->p is the directory; a change inside it is reported. */
	h = svc_watch_add(s, f, f->p, seen_cb, &x);
	assert_int_not_equal(h, 0);
	write_file(f->q, "x", 0);
	evloop_until(f->base, any_seen, &x);
	seen_clear(&x);
	snprintf(sub, sizeof(sub), "%s/new", f->p);
	write_file(sub, "y", 0);
	evloop_until(f->base, any_seen, &x);
	assert_true(seen_has(&x, sub) || seen_has(&x, f->p));
	seen_clear(&x);
	svc_watch_del(s, h);	/* x lives on this stack frame */
}

static void
test_inotify_dir(void **state)
{
	struct fx *f = *state;
	struct svc_watch *s;
	struct seen x = { 0 };
	char sub[300];

	unsetenv("RDD_WATCH_POLL");
	s = svc_watch_new(f->base, 10000);
	paths(f, "ino-dir");
	dir_cycle(f, s);

	/* With inotify, the entry itself is named. */
	svc_watch_add(s, f, f->p, seen_cb, &x);
	snprintf(sub, sizeof(sub), "%s/third", f->p);
	write_file(sub, "z", 0);
	evloop_until(f->base, any_seen, &x);
	assert_string_equal(x.path[0], sub);
	seen_clear(&x);
	svc_watch_free(s);
}

static void
test_poll_dir(void **state)
{
	struct fx *f = *state;
	struct svc_watch *s;

	setenv("RDD_WATCH_POLL", "1", 1);
	s = svc_watch_new(f->base, 20);
	unsetenv("RDD_WATCH_POLL");
	paths(f, "poll-dir");
	dir_cycle(f, s);
	svc_watch_free(s);
}

static void
test_parent_deleted_and_recreated(void **state)
{
	struct fx *f = *state;
	struct svc_watch *s;
	struct seen x = { 0 };

	unsetenv("RDD_WATCH_POLL");
	s = svc_watch_new(f->base, 20);
	paths(f, "parent");
	write_file(f->q, "x", 0);
	svc_watch_add(s, f, f->q, seen_cb, &x);
	assert_int_equal(unlink(f->q), 0);
	assert_int_equal(rmdir(f->p), 0);
	evloop_until(f->base, any_seen, &x);
	assert_string_equal(x.path[0], f->q);
	seen_clear(&x);

	/* The directory comes back, then the file: seen again. */
	assert_int_equal(mkdir(f->p, 0700), 0);
	write_file(f->q, "again", 0);
	evloop_until(f->base, any_seen, &x);
	assert_string_equal(x.path[0], f->q);
	seen_clear(&x);
	svc_watch_free(s);
}

static void
test_dir_deleted_and_recreated(void **state)
{
	struct fx *f = *state;
	struct svc_watch *s;
	struct seen x = { 0 };
	char e1[300], e2[300];

	unsetenv("RDD_WATCH_POLL");
	s = svc_watch_new(f->base, 20);
	paths(f, "redir");
	snprintf(e1, sizeof(e1), "%s/e1", f->p);
	snprintf(e2, sizeof(e2), "%s/e2", f->p);
	svc_watch_add(s, f, f->p, seen_cb, &x);
	assert_int_equal(rmdir(f->p), 0);
	evloop_until(f->base, any_seen, &x);
	assert_string_equal(x.path[0], f->p);
	seen_clear(&x);

	assert_int_equal(mkdir(f->p, 0700), 0);
	evloop_until(f->base, any_seen, &x);
	assert_string_equal(x.path[0], f->p);
	seen_clear(&x);

	/* Re-armed on the new directory (maybe by the next poll tick). */
	write_file(e1, "1", 0);
	evloop_until(f->base, any_seen, &x);
	assert_true(seen_has(&x, e1) || seen_has(&x, f->p));
	seen_clear(&x);
	write_file(e2, "2", 0);
	evloop_until(f->base, any_seen, &x);
	assert_string_equal(x.path[0], e2);
	seen_clear(&x);
	svc_watch_free(s);
}

static void
test_missing_parent_polls(void **state)
{
	struct fx *f = *state;
	struct svc_watch *s;
	struct seen x = { 0 };
	char deep[300], dir[300];

	unsetenv("RDD_WATCH_POLL");
	s = svc_watch_new(f->base, 20);
	paths(f, "missing");
	snprintf(dir, sizeof(dir), "%s/a", f->p);
	snprintf(deep, sizeof(deep), "%s/a/file", f->p);
	svc_watch_add(s, f, deep, seen_cb, &x);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file(deep, "x", 0);
	evloop_until(f->base, any_seen, &x);
	assert_string_equal(x.path[0], deep);
	seen_clear(&x);
	/* Now armed on its parent: a change is still seen. */
	write_file(deep, "xy", 0);
	evloop_until(f->base, any_seen, &x);
	assert_string_equal(x.path[0], deep);
	seen_clear(&x);
	svc_watch_free(s);
}

static void
test_del_and_del_owner(void **state)
{
	struct fx *f = *state;
	struct svc_watch *s;
	struct seen a = { 0 }, b = { 0 }, c = { 0 };
	uint64_t ha;
	int o1, o2;
	char pb[300];

	unsetenv("RDD_WATCH_POLL");
	s = svc_watch_new(f->base, 10000);
	paths(f, "del");
	snprintf(pb, sizeof(pb), "%s/b", f->p);
	ha = svc_watch_add(s, &o1, f->q, seen_cb, &a);
	svc_watch_add(s, &o2, f->q, seen_cb, &b);
	svc_watch_add(s, &o2, pb, seen_cb, &c);
	svc_watch_del(s, ha);
	svc_watch_del(s, ha);	/* twice is harmless */
	write_file(f->q, "x", 0);
	evloop_until(f->base, any_seen, &b);
	assert_int_equal(a.n, 0);
	seen_clear(&b);

	/* Same directory, shared inotify watch: o2's removal keeps o1's. */
	svc_watch_add(s, &o1, f->q, seen_cb, &a);
	svc_watch_del_owner(s, &o2);
	write_file(f->q, "xy", 0);
	write_file(pb, "b", 0);
	evloop_until(f->base, any_seen, &a);
	assert_int_equal(b.n, 0);
	assert_int_equal(c.n, 0);
	seen_clear(&a);
	svc_watch_free(s);
}

static void
test_callback_deletes_and_frees(void **state)
{
	struct fx *f = *state;
	struct svc_watch *s;
	struct seen a = { 0 }, b = { 0 };
	uint64_t hb;

	unsetenv("RDD_WATCH_POLL");
	s = svc_watch_new(f->base, 10000);
	paths(f, "cbdel");
	/* Newest first: b is added last so it is called first. */
	svc_watch_add(s, f, f->q, seen_cb, &a);
	hb = svc_watch_add(s, f, f->q, seen_cb, &b);
	(void)hb;
	b.free_me = s;
	write_file(f->q, "x", 0);
	evloop_until(f->base, any_seen, &b);
	assert_int_equal(b.n, 1);
	assert_int_equal(a.n, 0);	/* freed before its turn */
	seen_clear(&b);
}

static void
test_bad_args(void **state)
{
	struct fx *f = *state;
	struct svc_watch *s = svc_watch_new(f->base, 0);

	assert_non_null(s);
	assert_int_equal(svc_watch_add(s, f, "", seen_cb, NULL), 0);
	assert_int_equal(svc_watch_add(s, f, NULL, seen_cb, NULL), 0);
	assert_int_equal(svc_watch_add(s, f, "/tmp", NULL, NULL), 0);
	svc_watch_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inotify_file),
		cmocka_unit_test(test_poll_file),
		cmocka_unit_test(test_inotify_coalesces),
		cmocka_unit_test(test_inotify_dir),
		cmocka_unit_test(test_poll_dir),
		cmocka_unit_test(test_parent_deleted_and_recreated),
		cmocka_unit_test(test_dir_deleted_and_recreated),
		cmocka_unit_test(test_missing_parent_polls),
		cmocka_unit_test(test_del_and_del_owner),
		cmocka_unit_test(test_callback_deletes_and_frees),
		cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
