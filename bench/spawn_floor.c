/*
 * spawn_floor.c: the parent's CPU for one bare clone(CLONE_VM|CLONE_VFORK)
 * + exec /bin/true + waitpid, paced as the exec bench paces its checks.
 */
#define _GNU_SOURCE /* clone */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char stack[64 * 1024];
static char *argv_true[] = { "/bin/true", NULL };

static int
child(void *arg)
{
	(void)arg;
	execve(argv_true[0], argv_true, environ);
	_exit(127);
}

static long long
self_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * What no exec check can cost less than on this kernel: the daemon's
 * own spawn adds pipes, an event loop and a result on top of it.
 */
int
main(int argc, char **argv)
{
	int i, n = argc > 1 ? atoi(argv[1]) : 500;
	int pace_ms = argc > 2 ? atoi(argv[2]) : 10;
	struct timespec pace = { 0, pace_ms * 1000000L };
	long long c0;

	if (n <= 0)
		n = 500;
	c0 = self_ns();
	for (i = 0; i < n; i++) {
		int st;
		pid_t p = clone(child, stack + sizeof(stack),
		    CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);

		if (p == -1) {
			perror("spawn_floor: clone");
			return 1;
		}
		while (waitpid(p, &st, 0) == -1)
			if (errno != EINTR) {
				perror("spawn_floor: waitpid");
				return 1;
			}
		if (pace_ms > 0)
			nanosleep(&pace, NULL);
	}
	printf("%.4f\n", (self_ns() - c0) / 1e6 / n);
	return 0;
}
