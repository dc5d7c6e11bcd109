/*
 * spawn.c: one clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD) per child, on a
 * stack kept for the next: no page tables copied, no pipe for exec's errno.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clone, execvpe, closefrom, setgroups */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/*
 * The child runs on this stack until exec: execvpe's PATH search and script
 * fallback keep their buffers there (a name and the argv, on top of 32 KiB
 * for the calls themselves). One per thread, grown when an argv needs it.
 */
#define SPAWN_STACK_MIN (64 * 1024)

extern char **environ;

struct spawn_arg {
	const struct spawn_req *r;
	volatile int err; /* the child's errno: memory is shared to exec */
	volatile int ran; /* 0 after clone: not shared (valgrind forks) */
};

static __thread char *spawn_stack;
static __thread size_t spawn_stack_len;

/*
 * Between clone and exec the child shares our memory and our thread's
 * errno: only system calls, nothing that allocates or takes a lock.
 */
static int
spawn_child(void *arg)
{
	struct spawn_arg *sa = arg;
	const struct spawn_req *r = sa->r;
	struct sigaction act;
	sigset_t none;
	int sig, i, fd[3];

	sa->ran = 1;
	if ((r->session ? setsid() : setpgid(0, 0)) == -1)
		goto fail;
	memset(&act, 0, sizeof(act));
	act.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &act, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* Lift 0-2 first: a pipe may have landed there if ours were closed. */
	for (i = 0; i < 3; i++) {
		fd[i] = r->fd[i];
		if (fd[i] < 3 && (fd[i] = fcntl(fd[i], F_DUPFD, 3)) == -1)
			goto fail;
	}
	for (i = 0; i < 3; i++)
		if (dup2(fd[i], i) == -1)
			goto fail;
	/*
	 * Our ends of the pipes are non-blocking and were made so with theirs
	 * in one pipe2; the child's own calls are not the daemon's time.
	 */
	for (i = 0; r->unblock && i < 3; i++) {
		int fl = fcntl(i, F_GETFL);

		if (fl == -1 || ((fl & O_NONBLOCK) &&
		                    fcntl(i, F_SETFL, fl & ~O_NONBLOCK) == -1))
			goto fail;
	}
	closefrom(3);
	if (r->has_umask)
		(void)umask(r->umask);
	if (r->setid && (setgroups(1, &r->gid) == -1 || setgid(r->gid) == -1 ||
	                    setuid(r->uid) == -1))
		goto fail;
	if (r->cwd != NULL && chdir(r->cwd) == -1)
		goto fail;
	if (strchr(r->argv[0], '/') != NULL)
		execve(r->argv[0], r->argv, r->envp ? r->envp : environ);
	else
		execvpe(r->argv[0], r->argv, r->envp ? r->envp : environ);
fail:
	sa->err = errno != 0 ? errno : EIO;
	_exit(127);
}

/* A stack for argc arguments, with a guard page below it. */
static int
spawn_stack_get(char *const *argv)
{
	size_t argc, need, page = (size_t)sysconf(_SC_PAGESIZE);
	const char *path = getenv("PATH");
	char *m;

	for (argc = 0; argv[argc] != NULL; argc++)
		;
	need = SPAWN_STACK_MIN + (argc + 3) * sizeof(char *) +
	       (path != NULL ? strlen(path) : 0) + NAME_MAX + 1;
	need = (need + page - 1) / page * page;
	if (spawn_stack != NULL && spawn_stack_len >= need)
		return 0;
	if (spawn_stack != NULL)
		(void)munmap(spawn_stack - page, spawn_stack_len + page);
	spawn_stack = NULL;
	m = mmap(NULL, need + page, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (m == MAP_FAILED)
		return errno;
	(void)mprotect(m, page, PROT_NONE);
	spawn_stack = m + page;
	spawn_stack_len = need;
	return 0;
}

int
spawn_run(const struct spawn_req *r, pid_t *pid, int *pidfd)
{
	struct spawn_arg sa;
	sigset_t all, old;
	int pfd = -1, e, flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
	pid_t p;

	*pid = -1;
	*pidfd = -1;
	if (r->argv == NULL || r->argv[0] == NULL)
		return EINVAL;
	if ((e = spawn_stack_get(r->argv)) != 0)
		return e;
	sa.r = r;
	sa.err = 0;
	sa.ran = 0;
	/* No handler of ours may run in the child on our memory. */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_BLOCK, &all, &old);
	p = clone(spawn_child, spawn_stack + spawn_stack_len,
	    flags | CLONE_PIDFD, &sa, &pfd);
	if (p == -1 && errno == EINVAL) {
		/* A kernel before 5.2: the caller opens or polls instead. */
		pfd = -1;
		p = clone(
		    spawn_child, spawn_stack + spawn_stack_len, flags, &sa);
	}
	e = errno;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p == -1)
		return e;
	/* CLONE_VFORK: the child has exec'd or exited by now. */
	if (sa.ran && sa.err != 0) {
		if (pfd != -1)
			close(pfd);
		while (waitpid(p, NULL, 0) == -1 && errno == EINTR)
			;
		return sa.err;
	}
	*pid = p;
	*pidfd = pfd;
	return 0;
}

int
spawn_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}
