/*
 * test_spawn.c: daemon/lib/spawn.c with real children: what the child gets
 * (fds, signals, mask, group, flags) and what the caller gets back.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "spawn.h"

/* Runs argv with stdout to a pipe; returns its output and exit status. */
static char *
run(char *const *argv, int session, int *status)
{
	struct spawn_req rq;
	static char out[8192];
	int p[2], pidfd = -1, devnull, e;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(devnull >= 0);
	memset(&rq, 0, sizeof(rq));
	rq.argv = argv;
	rq.fd[0] = devnull;
	rq.fd[1] = p[1];
	rq.fd[2] = p[1];
	rq.unblock = 1;
	rq.session = session;
	e = spawn_run(&rq, &pid, &pidfd);
	assert_int_equal(e, 0);
	assert_true(pid > 0);
	close(p[1]);
	close(devnull);
	/* The pidfd says when it is done: no sleep, no polling of waitpid. */
	if (pidfd != -1) {
		struct pollfd pf = {pidfd, POLLIN, 0};

		assert_int_equal(poll(&pf, 1, 10000), 1);
		close(pidfd);
	}
	assert_int_equal(fcntl(p[0], F_SETFL, 0), 0);
	while ((n = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, status, 0), pid);
	return out;
}

static void
test_exec_errno(void **state)
{
	struct spawn_req rq;
	char *argv1[] = {"/nonexistent/rdd-spawn", NULL};
	char *argv2[] = {"rdd-spawn-not-on-path", NULL};
	char *argv3[] = {"/etc/passwd", NULL};
	char *argv4[] = {"/bin/true", NULL};
	int pidfd = 7, st;
	pid_t pid = 7;

	(void)state;
	memset(&rq, 0, sizeof(rq));
	rq.fd[0] = 0;
	rq.fd[1] = 1;
	rq.fd[2] = 2;
	rq.argv = argv1;
	assert_int_equal(spawn_run(&rq, &pid, &pidfd), ENOENT);
	assert_int_equal(pid, -1);
	assert_int_equal(pidfd, -1);
	rq.argv = argv2;
	assert_int_equal(spawn_run(&rq, &pid, &pidfd), ENOENT);
	rq.argv = argv3;
	assert_int_equal(spawn_run(&rq, &pid, &pidfd), EACCES);
	rq.argv = argv4;
	rq.cwd = "/nonexistent/rdd-dir";
	assert_int_equal(spawn_run(&rq, &pid, &pidfd), ENOENT);
	/* The failed children were reaped: nothing is left to wait for. */
	assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void
test_child_state(void **state)
{
	char *argv[] = {"/bin/sh", "-c",
	    "grep -E '^(SigIgn|SigBlk):' /proc/self/status; "
	    "ls /proc/self/fd | tr '\\n' ' '; echo; "
	    "grep ^flags: /proc/self/fdinfo/1; "
	    "echo pgid=$(cut -d' ' -f5 /proc/$$/stat) "
	    "sid=$(cut -d' ' -f6 /proc/$$/stat) pid=$$",
	    NULL};
	struct sigaction ign;
	sigset_t blk, old;
	char *out, want[64];
	unsigned long long ignored;
	int st, pid, pgid, sid, fl;

	(void)state;
	/* What the caller ignores and blocks must not reach the child. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGTERM, &ign, NULL);
	sigaction(SIGPIPE, &ign, NULL);
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blk, &old);
	out = run(argv, 0, &st);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(out, "SigIgn:"));
	/*
	 * Signals 1-31; 32 and 33 are glibc's own, which its sigaction will
	 * not touch (a test harness here starts us with them ignored).
	 */
	ignored = strtoull(strstr(out, "SigIgn:") + 7, NULL, 16);
	assert_int_equal(ignored & 0x7fffffffULL, 0);
	assert_non_null(strstr(out, "SigBlk:\t0000000000000000"));
	/* 0, 1, 2 and the fd ls reads with: nothing of ours leaked. */
	assert_non_null(strstr(out, "\n0 1 2 3 \n"));
	/* O_NONBLOCK (04000) cleared on the child's end of the pipe. */
	assert_non_null(strstr(out, "flags:"));
	fl = (int)strtol(strstr(out, "flags:") + 6, NULL, 8);
	assert_int_equal(fl & O_NONBLOCK, 0);
	assert_int_equal(sscanf(strstr(out, "pgid="), "pgid=%d sid=%d pid=%d",
	                     &pgid, &sid, &pid),
	    3);
	assert_int_equal(pgid, pid); /* a process group of its own */
	assert_int_equal(sid, getsid(0));
	out = run(argv, 1, &st);
	assert_int_equal(sscanf(strstr(out, "pgid="), "pgid=%d sid=%d pid=%d",
	                     &pgid, &sid, &pid),
	    3);
	assert_int_equal(sid, pid); /* session: setsid */
	snprintf(want, sizeof(want), "pid=%d", pid);
	assert_non_null(strstr(out, want));
}

static void
test_low_fds(void **state)
{
	char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2", NULL};
	struct spawn_req rq;
	char buf[64];
	int p[2], pidfd, st, saved0, saved1;
	ssize_t n;
	pid_t pid;

	(void)state;
	/* A daemon with 0 and 1 closed gets its pipe there: not clobbered. */
	saved0 = dup(0);
	saved1 = dup(1);
	close(0);
	close(1);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(p[0], 0);
	assert_int_equal(p[1], 1);
	memset(&rq, 0, sizeof(rq));
	rq.argv = argv;
	rq.fd[0] = p[0]; /* stdin from the read end: it is fd 0 already */
	rq.fd[1] = p[1];
	rq.fd[2] = p[1];
	assert_int_equal(spawn_run(&rq, &pid, &pidfd), 0);
	close(p[1]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (pidfd != -1)
		close(pidfd);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	dup2(saved0, 0);
	dup2(saved1, 1);
	close(saved0);
	close(saved1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "out\nerr\n");
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
test_long_argv(void **state)
{
	/* Past the kept stack's first size: it grows, the argv arrives. */
	char **argv = calloc(20004, sizeof(char *));
	char *out;
	int i, st;

	(void)state;
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = "echo $#";
	argv[3] = "sh";
	for (i = 4; i < 20003; i++)
		argv[i] = "x";
	out = run(argv, 0, &st);
	assert_string_equal(out, "19999\n");
	free(argv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exec_errno),
	    cmocka_unit_test(test_child_state),
	    cmocka_unit_test(test_low_fds),
	    cmocka_unit_test(test_long_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
