/*
 * test_svc_child: asynchronous children: capture, caps, exit and signal
 * status, spawn errors, group kills on timeout and (for checks) on exit,
 * fair queueing, cancel.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
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
#include <event2/event.h>

#include "rdd.h"
#include "../lib/evloop.h"

struct res {
	int done;
	int calls;
	struct rdd_child_result r;
	char *out, *err;
	const char *tag;
	char **order;		/* where to record tag, for queue tests */
	size_t *norder;
	struct svc_child *free_me;
};

struct fx {
	struct event_base *base;
	char tmp[64];
};

static void
res_cb(void *arg, const struct rdd_child_result *r)
{
	struct res *x = arg;

	x->calls++;
	x->done = 1;
	x->r = *r;
	free(x->out);
	free(x->err);
	x->out = malloc(r->out_len + 1);
	memcpy(x->out, r->out, r->out_len + 1);
	x->err = malloc(r->err_len + 1);
	memcpy(x->err, r->err, r->err_len + 1);
	x->r.out = x->out;
	x->r.err = x->err;
	if (x->order != NULL)
		x->order[(*x->norder)++] = (char *)x->tag;
	if (x->free_me != NULL)
		svc_child_free(x->free_me);
}

static void
res_clear(struct res *x)
{
	free(x->out);
	free(x->err);
	memset(x, 0, sizeof(*x));
}

static int
is_done(void *arg)
{
	return ((struct res *)arg)->done;
}

static int
is_idle(void *arg)
{
	struct svc_child *s = arg;

	return svc_child_running(s) == 0 && svc_child_queued(s) == 0;
}

/* Wait for an orphan (reparented to us, the subreaper) to die. */
static int
reap_within(pid_t pid, int *status)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int i;
	pid_t r;

	for (i = 0; i < 2000; i++) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 1;
		if (r == -1)
			return 0;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->base = event_base_new();
	strcpy(f->tmp, "/tmp/test_svc_child.XXXXXX");
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

static void
run1(struct fx *f, struct rdd_child_spec *spec, struct res *x)
{
	struct svc_child *s = svc_child_new(f->base, 4);

	assert_non_null(s);
	assert_int_not_equal(svc_child_run(s, f, spec, res_cb, x), 0);
	evloop_until(f->base, is_done, x);
	assert_int_equal(x->calls, 1);
	svc_child_free(s);
}

static void
test_echo(void **state)
{
	const char *argv[] = { "echo", "hello", "world", NULL };
	struct rdd_child_spec spec = { .argv = argv };
	struct res x = { 0 };

	run1(*state, &spec, &x);
	assert_int_equal(x.r.spawn_errno, 0);
	assert_int_equal(x.r.exited, 1);
	assert_int_equal(x.r.status, 0);
	assert_int_equal(x.r.signal, 0);
	assert_int_equal(x.r.timed_out, 0);
	assert_int_equal(x.r.truncated, 0);
	assert_string_equal(x.r.out, "hello world\n");
	assert_int_equal(x.r.out_len, 12);
	assert_string_equal(x.r.err, "");
	assert_true(x.r.duration_ms >= 0);
	res_clear(&x);
}

static void
test_exit_status_and_stderr(void **state)
{
	const char *argv[] = { "sh", "-c", "echo out; echo oops >&2; exit 3",
		NULL };
	struct rdd_child_spec spec = { .argv = argv };
	struct res x = { 0 };

	run1(*state, &spec, &x);
	assert_int_equal(x.r.exited, 1);
	assert_int_equal(x.r.status, 3);
	assert_string_equal(x.r.out, "out\n");
	assert_string_equal(x.r.err, "oops\n");
	res_clear(&x);
}

static void
test_signal_death(void **state)
{
	const char *argv[] = { "sh", "-c", "kill -KILL $$", NULL };
	struct rdd_child_spec spec = { .argv = argv };
	struct res x = { 0 };

	run1(*state, &spec, &x);
	assert_int_equal(x.r.exited, 0);
	assert_int_equal(x.r.signal, SIGKILL);
	assert_int_equal(x.r.timed_out, 0);
	res_clear(&x);
}

static void
test_cap_truncates(void **state)
{
	const char *argv[] = { "sh", "-c",
		"head -c 300000 /dev/zero | tr '\\0' x; echo done >&2", NULL };
	struct rdd_child_spec spec = { .argv = argv, .output_cap = 10 };
	struct res x = { 0 };

	run1(*state, &spec, &x);
	assert_int_equal(x.r.exited, 1);
	assert_int_equal(x.r.status, 0);
	assert_int_equal(x.r.truncated, 1);
	assert_int_equal(x.r.out_len, 10);
	assert_string_equal(x.r.out, "xxxxxxxxxx");
	assert_string_equal(x.r.err, "done\n");
	res_clear(&x);
}

static void
test_default_cap(void **state)
{
	const char *argv[] = { "sh", "-c",
		"head -c 100000 /dev/zero | tr '\\0' y", NULL };
	struct rdd_child_spec spec = { .argv = argv };
	struct res x = { 0 };

	run1(*state, &spec, &x);
	assert_int_equal(x.r.truncated, 1);
	assert_int_equal(x.r.out_len, 64 * 1024);
	assert_int_equal(strlen(x.r.out), 64 * 1024);
	res_clear(&x);
}

static void
test_stdin_input(void **state)
{
	const char *argv[] = { "cat", NULL };
	struct rdd_child_spec spec = { .argv = argv };
	struct res x = { 0 };
	size_t n = 1024 * 1024, i;
	char *big = malloc(n);

	spec.input = "abc\nxyz";
	spec.input_len = 7;
	run1(*state, &spec, &x);
	assert_int_equal(x.r.out_len, 7);
	assert_memory_equal(x.r.out, "abc\nxyz", 7);
	res_clear(&x);

	/* Larger than a pipe buffer: the non-blocking writer must go on. */
	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	spec.input = big;
	spec.input_len = n;
	spec.output_cap = 2 * n;
	run1(*state, &spec, &x);
	assert_int_equal(x.r.truncated, 0);
	assert_int_equal(x.r.out_len, n);
	assert_memory_equal(x.r.out, big, n);
	res_clear(&x);
	free(big);
}

static void
test_stdin_not_read(void **state)
{
	const char *argv[] = { "true", NULL };
	struct rdd_child_spec spec = { .argv = argv };
	struct res x = { 0 };
	size_t n = 1024 * 1024;
	char *big = calloc(1, n);

	/* The child exits without reading: EPIPE, never SIGPIPE for us. */
	spec.input = big;
	spec.input_len = n;
	run1(*state, &spec, &x);
	assert_int_equal(x.r.exited, 1);
	assert_int_equal(x.r.status, 0);
	res_clear(&x);
	free(big);
}

static void
test_enoent(void **state)
{
	const char *argv1[] = { "/nonexistent/rdd-no-such-cmd", NULL };
	const char *argv2[] = { "rdd-no-such-command-on-path", "x", NULL };
	struct rdd_child_spec spec = { .argv = argv1 };
	struct res x = { 0 };

	run1(*state, &spec, &x);
	assert_int_equal(x.r.spawn_errno, ENOENT);
	assert_int_equal(x.r.exited, 0);
	res_clear(&x);

	spec.argv = argv2;
	run1(*state, &spec, &x);
	assert_int_equal(x.r.spawn_errno, ENOENT);
	res_clear(&x);
}

static void
test_cwd_env(void **state)
{
	struct fx *f = *state;
	const char *argv[] = { "sh", "-c", "pwd; echo \"$RDD_T1/$HOME_X\"",
		NULL };
	const char *env[] = { "RDD_T1=one", "HOME_X=two", NULL };
	struct rdd_child_spec spec = { .argv = argv, .env = env,
		.cwd = f->tmp };
	struct res x = { 0 };
	char want[PATH_MAX + 16], real[PATH_MAX];

	setenv("RDD_T1", "old", 1);
	run1(f, &spec, &x);
	assert_non_null(realpath(f->tmp, real));
	snprintf(want, sizeof(want), "%s\none/two\n", real);
	assert_string_equal(x.r.out, want);
	res_clear(&x);
	unsetenv("RDD_T1");

	spec.cwd = "/nonexistent/rdd-dir";
	run1(f, &spec, &x);
	assert_int_equal(x.r.spawn_errno, ENOENT);
	res_clear(&x);
}

static void
test_fds_closed(void **state)
{
	const char *argv[] = { "sh", "-c", "ls /proc/self/fd", NULL };
	struct rdd_child_spec spec = { .argv = argv };
	struct res x = { 0 };
	int leak = dup(0);

	/* A non-CLOEXEC fd of the daemon must not reach the child. */
	run1(*state, &spec, &x);
	assert_int_equal(x.r.status, 0);
	/* 0,1,2 and the fd of ls's own directory listing, nothing else. */
	assert_string_equal(x.r.out, "0\n1\n2\n3\n");
	res_clear(&x);
	close(leak);
}

static pid_t
nth_pid(const char *out, int n)
{
	const char *p = out;

	while (n-- > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	return p != NULL ? (pid_t)atol(p) : 0;
}

static void
test_timeout_kills_group(void **state)
{
	const char *argv[] = { "sh", "-c", "echo $$; sleep 100 & echo $!; wait",
		NULL };
	/* Long enough for sh to print both pids even on a loaded machine. */
	struct rdd_child_spec spec = { .argv = argv, .timeout_ms = 1000 };
	struct res x = { 0 };
	pid_t sh, gc;
	int st = 0;

	run1(*state, &spec, &x);
	assert_int_equal(x.r.timed_out, 1);
	assert_int_equal(x.r.signal, SIGTERM);
	assert_true(x.r.duration_ms >= 950);
	sh = nth_pid(x.r.out, 0);
	gc = nth_pid(x.r.out, 1);
	assert_true(sh > 1 && gc > 1 && sh != gc);
	/* We are the subreaper, so the orphaned sleep comes back to us. */
	assert_true(reap_within(gc, &st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	assert_int_equal(kill(sh, 0), -1);
	res_clear(&x);
}

static void
test_timeout_term_ignored(void **state)
{
	const char *argv[] = { "sh", "-c",
		"trap '' TERM; sleep 100 & echo $!; wait", NULL };
	struct rdd_child_spec spec = { .argv = argv, .timeout_ms = 1000 };
	struct res x = { 0 };
	pid_t gc;
	int st = 0;

	run1(*state, &spec, &x);
	assert_int_equal(x.r.timed_out, 1);
	assert_int_equal(x.r.signal, SIGKILL);
	gc = nth_pid(x.r.out, 0);
	assert_true(gc > 1);
	assert_true(reap_within(gc, &st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	res_clear(&x);
}

static void
test_grandchild_holds_pipe(void **state)
{
	const char *argv[] = { "sh", "-c", "sleep 100 & echo $!; exit 4",
		NULL };
	struct rdd_child_spec spec = { .argv = argv };
	struct res x = { 0 };
	pid_t gc;
	int st = 0;

	/* The shell exits at once; its orphan keeps stdout open. */
	run1(*state, &spec, &x);
	assert_int_equal(x.r.exited, 1);
	assert_int_equal(x.r.status, 4);
	assert_int_equal(x.r.timed_out, 0);
	gc = nth_pid(x.r.out, 0);
	assert_true(gc > 1);
	assert_true(reap_within(gc, &st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	res_clear(&x);
}

/* As run1, with svc_child_run_flags. */
static void
run1_flags(
    struct fx *f, struct rdd_child_spec *spec, unsigned flags, struct res *x)
{
	struct svc_child *s = svc_child_new(f->base, 4);

	assert_non_null(s);
	assert_int_not_equal(
	    svc_child_run_flags(s, f, spec, flags, res_cb, x), 0);
	evloop_until(f->base, is_done, x);
	assert_int_equal(x->calls, 1);
	svc_child_free(s);
}

/* A check's leftover with its output redirected: gone when the check is. */
static void
test_exit_kills_group(void **state)
{
	const char *argv[] = {
	    "sh", "-c", "sleep 100 >/dev/null 2>&1 & echo $!; exit 5", NULL};
	struct rdd_child_spec spec = {.argv = argv};
	struct res x = {0};
	pid_t gc;
	int st = 0;

	run1_flags(*state, &spec, SVC_CHILD_KILL_GROUP, &x);
	/* The child's own status is kept: the group died after it. */
	assert_int_equal(x.r.exited, 1);
	assert_int_equal(x.r.status, 5);
	assert_int_equal(x.r.timed_out, 0);
	gc = nth_pid(x.r.out, 0);
	assert_true(gc > 1);
	assert_true(reap_within(gc, &st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	res_clear(&x);
}

/* Without the flag (a recovery's child) the same leftover lives on. */
static void
test_exit_keeps_group_without_flag(void **state)
{
	const char *argv[] = {
	    "sh", "-c", "sleep 100 >/dev/null 2>&1 & echo $!; exit 0", NULL};
	struct rdd_child_spec spec = {.argv = argv};
	struct res x = {0};
	pid_t gc;
	int st = 0;

	run1(*state, &spec, &x);
	assert_int_equal(x.r.exited, 1);
	gc = nth_pid(x.r.out, 0);
	assert_true(gc > 1);
	assert_int_equal(waitpid(gc, &st, WNOHANG), 0);
	assert_int_equal(kill(gc, SIGKILL), 0);
	assert_true(reap_within(gc, &st));
	res_clear(&x);
}

/*
 * A timed-out check whose leftover ignores SIGTERM: the main process dies
 * of the SIGTERM, and the leftover is killed then, not left to the timer.
 */
static void
test_timeout_then_exit_kills_group(void **state)
{
	const char *argv[] = {"sh", "-c",
	    "(trap '' TERM; exec sleep 100) >/dev/null 2>&1 & echo $!; "
	    "exec sleep 100",
	    NULL};
	struct rdd_child_spec spec = {.argv = argv, .timeout_ms = 500};
	struct res x = {0};
	pid_t gc;
	int st = 0;

	run1_flags(*state, &spec, SVC_CHILD_KILL_GROUP, &x);
	assert_int_equal(x.r.timed_out, 1);
	assert_int_equal(x.r.signal, SIGTERM);
	gc = nth_pid(x.r.out, 0);
	assert_true(gc > 1);
	assert_true(reap_within(gc, &st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
	res_clear(&x);
}

static int
all_done(void *arg)
{
	struct res *v = arg;
	int i;

	for (i = 0; i < 6; i++)
		if (!v[i].done)
			return 0;
	return 1;
}

static void
test_fair_order(void **state)
{
	struct fx *f = *state;
	const char *argv[] = { "true", NULL };
	struct rdd_child_spec spec = { .argv = argv };
	struct svc_child *s = svc_child_new(f->base, 1);
	static const char *tags[] = { "A1", "A2", "A3", "A4", "A5", "B1" };
	int owner_a, owner_b, i;
	struct res v[6];
	char *order[6];
	size_t n = 0;

	memset(v, 0, sizeof(v));
	for (i = 0; i < 6; i++) {
		v[i].tag = tags[i];
		v[i].order = order;
		v[i].norder = &n;
		assert_int_not_equal(svc_child_run(s, i < 5 ? (void *)&owner_a :
		    (void *)&owner_b, &spec, res_cb, &v[i]), 0);
	}
	assert_int_equal(svc_child_running(s), 1);
	assert_int_equal(svc_child_queued(s), 5);
	evloop_until(f->base, all_done, v);
	assert_int_equal(n, 6);
	assert_string_equal(order[0], "A1");
	assert_string_equal(order[1], "B1");
	assert_string_equal(order[2], "A2");
	assert_string_equal(order[3], "A3");
	assert_string_equal(order[4], "A4");
	assert_string_equal(order[5], "A5");
	for (i = 0; i < 6; i++)
		res_clear(&v[i]);
	svc_child_free(s);
}

static void
test_cap_two(void **state)
{
	struct fx *f = *state;
	const char *argv[] = { "true", NULL };
	struct rdd_child_spec spec = { .argv = argv };
	struct svc_child *s = svc_child_new(f->base, 2);
	int a, b;
	struct res v[6];
	char *order[6];
	size_t n = 0;
	int i;

	/* Never more than the cap at once, and everything finishes. */
	memset(v, 0, sizeof(v));
	for (i = 0; i < 6; i++) {
		v[i].tag = i < 4 ? "a" : "b";
		v[i].order = order;
		v[i].norder = &n;
		svc_child_run(s, i < 4 ? (void *)&a : (void *)&b, &spec,
		    res_cb, &v[i]);
		assert_true(svc_child_running(s) <= 2);
	}
	assert_int_equal(svc_child_running(s), 2);
	evloop_until(f->base, all_done, v);
	assert_true(v[4].done && v[5].done);
	for (i = 0; i < 6; i++)
		res_clear(&v[i]);
	svc_child_free(s);
}

static void
test_cancel_queued_and_running(void **state)
{
	struct fx *f = *state;
	const char *slow[] = { "sleep", "100", NULL };
	const char *fast[] = { "echo", "x", NULL };
	struct rdd_child_spec sslow = { .argv = slow };
	struct rdd_child_spec sfast = { .argv = fast };
	struct svc_child *s = svc_child_new(f->base, 1);
	struct res a = { 0 }, b = { 0 }, c = { 0 };
	uint64_t ha, hb;
	int o1, o2;

	ha = svc_child_run(s, &o1, &sslow, res_cb, &a);
	hb = svc_child_run(s, &o2, &sfast, res_cb, &b);
	assert_true(ha != 0 && hb != 0 && ha != hb);
	assert_int_equal(svc_child_queued(s), 1);
	svc_child_cancel(s, hb);
	assert_int_equal(svc_child_queued(s), 0);
	svc_child_cancel(s, ha);
	svc_child_cancel(s, ha);	/* twice is harmless */
	evloop_until(f->base, is_idle, s);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 0);

	/* The slot is free again. */
	svc_child_run(s, &o2, &sfast, res_cb, &c);
	evloop_until(f->base, is_done, &c);
	assert_string_equal(c.r.out, "x\n");
	res_clear(&c);
	svc_child_free(s);
}

static void
test_cancel_owner(void **state)
{
	struct fx *f = *state;
	const char *slow[] = { "sleep", "100", NULL };
	const char *fast[] = { "echo", "y", NULL };
	struct rdd_child_spec sslow = { .argv = slow };
	struct rdd_child_spec sfast = { .argv = fast };
	struct svc_child *s = svc_child_new(f->base, 2);
	struct res a[3], b = { 0 };
	int o1, o2, i;

	memset(a, 0, sizeof(a));
	for (i = 0; i < 3; i++)
		svc_child_run(s, &o1, &sslow, res_cb, &a[i]);
	svc_child_run(s, &o2, &sfast, res_cb, &b);
	assert_int_equal(svc_child_running(s), 2);
	assert_int_equal(svc_child_queued(s), 2);
	svc_child_cancel_owner(s, &o1);
	/* b waits until a killed child of o1 is reaped and frees a slot. */
	assert_int_equal(svc_child_queued(s), 1);
	evloop_until(f->base, is_done, &b);
	evloop_until(f->base, is_idle, s);
	for (i = 0; i < 3; i++)
		assert_int_equal(a[i].calls, 0);
	assert_string_equal(b.r.out, "y\n");
	res_clear(&b);
	svc_child_free(s);
}

static int
file_has_pid(void *arg)
{
	FILE *fp = fopen(arg, "r");
	long v = 0;

	if (fp == NULL)
		return 0;
	if (fscanf(fp, "%ld", &v) != 1)
		v = 0;
	fclose(fp);
	return v > 0;
}

static void
test_free_kills_running(void **state)
{
	struct fx *f = *state;
	char path[128], script[512];
	const char *argv[] = { "sh", "-c", script, NULL };
	struct rdd_child_spec spec = { .argv = argv };
	struct svc_child *s = svc_child_new(f->base, 2);
	struct res a = { 0 };
	FILE *fp;
	long pid = 0;

	snprintf(path, sizeof(path), "%s/pid", f->tmp);
	snprintf(script, sizeof(script),
	    "echo $$ > %s.t && mv %s.t %s; exec sleep 100", path, path, path);
	svc_child_run(s, f, &spec, res_cb, &a);
	evloop_until(f->base, file_has_pid, path);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%ld", &pid), 1);
	fclose(fp);
	svc_child_free(s);
	assert_int_equal(a.calls, 0);
	assert_int_equal(kill((pid_t)pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

static void
test_free_inside_callback(void **state)
{
	struct fx *f = *state;
	const char *fast[] = { "true", NULL };
	const char *slow[] = { "sleep", "100", NULL };
	struct rdd_child_spec sfast = { .argv = fast };
	struct rdd_child_spec sslow = { .argv = slow };
	struct svc_child *s = svc_child_new(f->base, 4);
	struct res a = { 0 }, b = { 0 };

	a.free_me = s;
	svc_child_run(s, f, &sslow, res_cb, &b);
	svc_child_run(s, f, &sfast, res_cb, &a);
	evloop_until(f->base, is_done, &a);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 0);
	res_clear(&a);
}

static void
test_bad_spec(void **state)
{
	struct fx *f = *state;
	const char *empty[] = { NULL };
	struct rdd_child_spec spec = { .argv = empty };
	struct svc_child *s = svc_child_new(f->base, 1);

	assert_int_equal(svc_child_run(s, f, &spec, res_cb, NULL), 0);
	spec.argv = NULL;
	assert_int_equal(svc_child_run(s, f, &spec, res_cb, NULL), 0);
	assert_int_equal(svc_child_running(s), 0);
	svc_child_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_exit_status_and_stderr),
		cmocka_unit_test(test_signal_death),
		cmocka_unit_test(test_cap_truncates),
		cmocka_unit_test(test_default_cap),
		cmocka_unit_test(test_stdin_input),
		cmocka_unit_test(test_stdin_not_read),
		cmocka_unit_test(test_enoent),
		cmocka_unit_test(test_cwd_env),
		cmocka_unit_test(test_fds_closed),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_timeout_term_ignored),
		cmocka_unit_test(test_grandchild_holds_pipe),
		cmocka_unit_test(test_exit_kills_group),
		cmocka_unit_test(test_exit_keeps_group_without_flag),
		cmocka_unit_test(test_timeout_then_exit_kills_group),
		cmocka_unit_test(test_fair_order),
		cmocka_unit_test(test_cap_two),
		cmocka_unit_test(test_cancel_queued_and_running),
		cmocka_unit_test(test_cancel_owner),
		cmocka_unit_test(test_free_kills_running),
		cmocka_unit_test(test_free_inside_callback),
		cmocka_unit_test(test_bad_spec),
	};

	/* Orphaned grandchildren come to us, so tests can see them die. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		perror("prctl");
		return 1;
	}
	/* The module must not need the daemon to ignore SIGPIPE. */
	signal(SIGPIPE, SIG_DFL);
	return cmocka_run_group_tests(tests, setup, teardown);
}
