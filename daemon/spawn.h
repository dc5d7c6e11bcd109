/*
 * spawn.h: start a child from an argv with vfork semantics, its pidfd from
 * the same call; used by the workers' child service and the process plugin.
 */
#ifndef RDD_SPAWN_H
#define RDD_SPAWN_H

#include <sys/types.h>

struct spawn_req {
	char *const *argv; /* argv[0] searched in PATH without a '/' */
	char *const *envp; /* NULL: the caller's environment */
	const char *cwd;   /* NULL: the caller's */
	int fd[3];         /* become the child's 0, 1 and 2 */
	int unblock;       /* clear O_NONBLOCK on them in the child */
	int session;       /* setsid(); otherwise a process group of its own */
	int has_umask;
	mode_t umask;
	int setid; /* setgroups to {gid}, setgid, setuid */
	uid_t uid;
	gid_t gid;
};

/*
 * Starts the child with every signal at its default and none blocked, no
 * descriptor but the three. Returns 0 with *pid and *pidfd (-1 where the
 * kernel has no CLONE_PIDFD), or an errno value: exec's own included, the
 * child then already reaped.
 */
int spawn_run(const struct spawn_req *r, pid_t *pid, int *pidfd);

/* pidfd_open(2) of a process started elsewhere; -1 ENOSYS before 5.3. */
int spawn_pidfd_open(pid_t pid);

#endif
