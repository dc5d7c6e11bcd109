/*
 * process.c: the process plugin: one process per monitor, found by pidfile,
 * by a regex on its command line, or started and owned by redundancyd;
 * its exit is seen at once through a pidfd, its resources are checked.
 */
#include <linux/falloc.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <redundancyd/rdd_plugin.h>

#include "procfs.h"
#include "spawn.h"

#define PROC_MSG_MAX 512
#define PROC_READY_POLL_MS 50   /* readiness during a start: bounded polling */
#define PROC_LOG_POLL_MS 5000   /* size of the owned process's logs */
#define PROC_KILL_GRACE_MS 2000 /* after SIGKILL, before giving up */
/*
 * A found process stopped from outside is looked for: one file read, or a
 * scan of every process for match.
 */
#define PROC_RETURN_POLL_MS 2000
#define PROC_RETURN_SCAN_MS 10000
#define PROC_CPU_SAMPLES 16
#define PROC_METRICS_MAX 12

extern char **environ;

struct proc_config {
	struct rdd_strlist command;
	char *pidfile;
	char *match;
	struct rdd_strlist start;
	struct rdd_strlist stop;
	struct rdd_strlist restart;
	char *target;
	char *cwd;
	struct rdd_strlist env;
	char *user;
	char *group;
	char *umask;
	char *stdout_log;
	char *stderr_log;
	int64_t log_max;
	int64_t log_keep;
	int detach;
	int64_t start_timeout;
	int64_t stop_timeout;
	int64_t command_timeout;
	char *stop_signal;
	char *restart_on;
	int64_t hang_max;
	char *host;
	int64_t port;
	char *url;
	int64_t probe_timeout;
	int64_t mem_warn, mem_crit;
	double cpu_warn, cpu_crit;
	int64_t cpu_window;
	int64_t fds_warn, fds_crit;
	int64_t threads_warn, threads_crit;
	int64_t uptime_warn, uptime_crit;
};

#define PROC_OPT(name, type, def, min, max, field, flags, desc)                \
	{                                                                      \
		name, type, def, min, max,                                     \
		    offsetof(struct proc_config, field), flags, desc           \
	}

static const struct rdd_option proc_options[] = {
    PROC_OPT("command", RDD_OPT_STRLIST, NULL, 0, 0, command, 0,
        "argv of a process redundancyd starts and owns, e.g. "
        "[\"/usr/bin/node\", \"server.js\"] (no shell)"),
    PROC_OPT("pidfile", RDD_OPT_STRING, NULL, 0, 0, pidfile, 0,
        "find the process by the pid in this file (e.g. /run/nginx.pid)"),
    PROC_OPT("match", RDD_OPT_STRING, NULL, 0, 0, match, 0,
        "find the process by an extended regex on its command line (Monit's "
        "`matching`); the oldest match is watched"),
    PROC_OPT("start", RDD_OPT_STRLIST, NULL, 0, 0, start, 0,
        "argv that starts a pidfile or match process"),
    PROC_OPT("stop", RDD_OPT_STRLIST, NULL, 0, 0, stop, 0,
        "argv that stops it (default: stop_signal to the process)"),
    PROC_OPT("restart", RDD_OPT_STRLIST, NULL, 0, 0, restart, 0,
        "argv that restarts it (default: stop, then start)"),
    PROC_OPT("target", RDD_OPT_STRING, NULL, 0, 0, target, 0,
        "name of the target (default: the monitor's name)"),
    PROC_OPT("cwd", RDD_OPT_STRING, NULL, 0, 0, cwd, 0,
        "absolute working directory of the owned process and commands"),
    PROC_OPT("env", RDD_OPT_STRLIST, NULL, 0, 0, env, 0,
        "\"K=V\" strings added to the environment of the owned process "
        "and commands"),
    PROC_OPT("user", RDD_OPT_STRING, NULL, 0, 0, user, 0,
        "run the owned process as this user (the worker must be root)"),
    PROC_OPT("group", RDD_OPT_STRING, NULL, 0, 0, group, 0,
        "and this group (default: the user's)"),
    PROC_OPT("umask", RDD_OPT_STRING, NULL, 0, 0, umask, 0,
        "octal umask of the owned process, e.g. \"027\""),
    PROC_OPT("stdout_log", RDD_OPT_STRING, NULL, 0, 0, stdout_log, 0,
        "file the owned process's stdout is appended to (default: "
        "stdout.log in the monitor's state directory)"),
    PROC_OPT("stderr_log", RDD_OPT_STRING, NULL, 0, 0, stderr_log, 0,
        "file its stderr is appended to (default: stderr.log there)"),
    PROC_OPT("log_max", RDD_OPT_SIZE, "10M", 0, 4294967296.0, log_max, 0,
        "rotate a log above this size (0: never)"),
    PROC_OPT("log_keep", RDD_OPT_INT, "3", 0, 99, log_keep, 0,
        "rotated logs kept (FILE.1 .. FILE.N)"),
    PROC_OPT("detach", RDD_OPT_BOOL, "false", 0, 0, detach, 0,
        "leave the owned process running when redundancyd stops; it is "
        "adopted back at the next start"),
    PROC_OPT("start_timeout", RDD_OPT_DURATION, "10s", 10, 3600000.0,
        start_timeout, 0,
        "a restart succeeds when within this the process runs (and port "
        "and url answer, when set)"),
    PROC_OPT("stop_timeout", RDD_OPT_DURATION, "10s", 10, 3600000.0,
        stop_timeout, 0, "after stop_signal or stop, wait this, then SIGKILL"),
    PROC_OPT("command_timeout", RDD_OPT_DURATION, "60s", 100, 3600000.0,
        command_timeout, 0, "limit of a start, stop or restart command"),
    PROC_OPT("stop_signal", RDD_OPT_STRING, "TERM", 0, 0, stop_signal, 0,
        "signal that stops the process: TERM, INT, QUIT, HUP, KILL, USR1, "
        "USR2"),
    PROC_OPT("restart_on", RDD_OPT_STRING, "failure", 0, 0, restart_on, 0,
        "failure: an exit that is clean (status 0, SIGTERM, SIGINT, SIGHUP, "
        "SIGPIPE: a stop from outside) is respected, not restarted; always: "
        "every exit is restarted"),
    PROC_OPT("host", RDD_OPT_STRING, "127.0.0.1", 0, 0, host, 0,
        "numeric address that port is probed on"),
    PROC_OPT("port", RDD_OPT_INT, "0", 0, 65535, port, 0,
        "TCP port the process must accept connections on (0: none)"),
    PROC_OPT("url", RDD_OPT_STRING, NULL, 0, 0, url, 0,
        "HTTP URL that must answer with a status below 400"),
    PROC_OPT("probe_timeout", RDD_OPT_DURATION, "5s", 10, 600000.0,
        probe_timeout, 0, "limit of one port or url probe"),
    PROC_OPT("hang_max", RDD_OPT_DURATION, "5m", 0, 86400000.0, hang_max, 0,
        "a port or url that times out while the process runs is UNKNOWN "
        "(slow or hung: not acted on) until it has for this long, then "
        "CRITICAL (a restart); 0: CRITICAL at the first timeout"),
    PROC_OPT("mem_warn", RDD_OPT_SIZE, "0", 0, 1e15, mem_warn, 0,
        "WARNING when the RSS of the process and its children reaches this"),
    PROC_OPT("mem_crit", RDD_OPT_SIZE, "0", 0, 1e15, mem_crit, 0,
        "CRITICAL (a restart) at this RSS of the process and its children"),
    PROC_OPT("cpu_warn", RDD_OPT_DOUBLE, "0", 0, 100000, cpu_warn, 0,
        "WARNING at this CPU percent (100 = one core) over cpu_window"),
    PROC_OPT("cpu_crit", RDD_OPT_DOUBLE, "0", 0, 100000, cpu_crit, 0,
        "CRITICAL at this CPU percent over cpu_window"),
    PROC_OPT("cpu_window", RDD_OPT_DURATION, "60s", 0, 86400000.0, cpu_window,
        0, "CPU is averaged over the checks of this window"),
    PROC_OPT("fds_warn", RDD_OPT_INT, "0", 0, 1e9, fds_warn, 0,
        "WARNING at this many open file descriptors"),
    PROC_OPT("fds_crit", RDD_OPT_INT, "0", 0, 1e9, fds_crit, 0,
        "CRITICAL at this many open file descriptors"),
    PROC_OPT("threads_warn", RDD_OPT_INT, "0", 0, 1e9, threads_warn, 0,
        "WARNING at this many threads"),
    PROC_OPT("threads_crit", RDD_OPT_INT, "0", 0, 1e9, threads_crit, 0,
        "CRITICAL at this many threads"),
    PROC_OPT("uptime_warn", RDD_OPT_DURATION, "0", 0, 1e12, uptime_warn, 0,
        "WARNING while the process has run for less than this"),
    PROC_OPT("uptime_crit", RDD_OPT_DURATION, "0", 0, 1e12, uptime_crit, 0,
        "CRITICAL while the process has run for less than this"),
    RDD_OPTIONS_END,
};

static const char *const proc_actions[] = {"restart", NULL};

enum proc_mode { PM_OWNED, PM_PIDFILE, PM_MATCH };

/* What an operation in flight is waiting for. */
enum proc_phase {
	PH_NONE,
	PH_STOPPING, /* the process to exit (pidfd), a stop command to end */
	PH_STARTING, /* a start or restart command to end */
	PH_READY,    /* running, port and url answering, before a deadline */
};

/* Who asked: the engine (a recovery) or an operator (a command). */
enum proc_why { PW_RECOVER, PW_STOP, PW_START, PW_RESTART };

struct proc_cpu {
	int64_t ms;
	unsigned long long ticks;
	pid_t pid;
};

struct proc;

/* A TCP connect or an HTTP GET, for a check or for readiness. */
struct proc_probe {
	struct proc *p;
	int fd;
	uint64_t watch, timer, http;
	int busy, done, ok;
	int timed_out; /* no answer at all: slow or hung, not refused */
	int64_t t0;
	double ms;
	char msg[160]; /* the last result, kept after a cancel */
};

struct proc {
	const struct rdd_host *h;
	struct rdd_monitor *m;
	const struct proc_config *cfg;
	enum proc_mode mode;
	char *target;
	regex_t re;
	int have_re;
	int stop_sig;
	int setid;
	uid_t uid;
	gid_t gid;
	mode_t umask;
	int has_umask;
	char *out_path, *err_path;

	/* the watched process */
	pid_t pid;
	unsigned long long pstart;
	int pidfd;
	uint64_t pidfd_w;
	int child; /* 1: our child, so waitpid gives its status */
	int opstop;
	/* stopped from outside (a clean exit): why, or "" */
	char outstop[PROC_MSG_MAX];
	uint64_t return_timer; /* found modes: looks for it back */
	/* the definition fields that changed since it started, or "" */
	char stale[96];
	/* shutdown: signalled in stop, waited for in destroy until then */
	int64_t stop_deadline;
	char last_exit[256];
	int spawn_errno;
	int64_t hang_since; /* first of the probe timeouts in a row, or 0 */
	int uptime_only;    /* the last check: CRITICAL for uptime_crit only */

	/* one operation (a recovery or a command) at a time */
	enum proc_phase phase;
	enum proc_why why;
	struct rdd_recovery *rec;
	struct rdd_command *cmd;
	uint64_t op_timer;
	uint64_t op_child;
	int64_t deadline;
	int killed;
	int stop_then_start;

	struct rdd_check *check;
	struct proc_probe tcp, web;
	struct proc_cpu cpu[PROC_CPU_SAMPLES];
	size_t ncpu;
	struct proc *rot_prev, *rot_next; /* on proc_rot's list */
	int rot_on;
	unsigned restarts;
};

static void proc_op_done(struct proc *p, int ok, const char *fmt, ...)
    RDD_PRINTF(3, 4);
static void proc_ready_tick(void *arg);
static int proc_start_owned(struct proc *p, char *msg, size_t len);
static void proc_begin_start(struct proc *p);
static void proc_ready_check(struct proc *p);
static void proc_check_report(struct proc *p);

/* A probe ended: a start waiting for readiness and a check may use it. */
static void
proc_probe_done(struct proc *p)
{
	proc_ready_check(p);
	proc_check_report(p);
}

static int64_t
proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- reading /proc ---- */

/* Up to len-1 bytes of a small file, NUL-terminated; -1 if unreadable. */
static ssize_t
proc_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)got < len - 1) {
		n = read(fd, buf + got, len - 1 - (size_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

static int
proc_stat(pid_t pid, struct procfs_stat *st)
{
	char path[64], buf[1024];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((n = proc_read_file(path, buf, sizeof(buf))) <= 0)
		return -1;
	return procfs_stat_parse(buf, (size_t)n, st);
}

/* Alive and not a zombie: a zombie's pid is not a running service. */
static int
proc_alive(pid_t pid, struct procfs_stat *st)
{
	struct procfs_stat tmp;

	if (st == NULL)
		st = &tmp;
	return pid > 0 && proc_stat(pid, st) == 0 && st->state != 'Z' &&
	       st->state != 'X';
}

/* The pid in the pidfile, alive, or 0 with why. */
static pid_t
proc_find_pidfile(struct proc *p, char *why, size_t len)
{
	char buf[256];
	ssize_t n;
	pid_t pid;

	if ((n = proc_read_file(p->cfg->pidfile, buf, sizeof(buf))) == -1) {
		snprintf(why, len, "not running: pidfile %s: %s",
		    p->cfg->pidfile, strerror(errno));
		return 0;
	}
	if (procfs_pidfile_parse(buf, (size_t)n, &pid) != 0) {
		snprintf(why, len,
		    "not running: pidfile %s holds no pid (expected a "
		    "number on its first line)",
		    p->cfg->pidfile);
		return 0;
	}
	if (!proc_alive(pid, NULL)) {
		snprintf(why, len, "not running: pid %d from %s is gone",
		    (int)pid, p->cfg->pidfile);
		return 0;
	}
	return pid;
}

/* The oldest process whose command line matches, never ourselves. */
static pid_t
proc_find_match(struct proc *p, char *why, size_t len)
{
	struct procfs_stat st;
	unsigned long long best_start = 0;
	char path[64], buf[4096];
	struct dirent *e;
	pid_t pid, best = 0, self = getpid(), parent = getppid();
	ssize_t n;
	DIR *d;

	if ((d = opendir("/proc")) == NULL) {
		snprintf(why, len, "cannot read /proc: %s", strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = (pid_t)strtol(e->d_name, NULL, 10);
		if (pid == self || pid == parent)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		if ((n = proc_read_file(path, buf, sizeof(buf))) <= 0)
			continue; /* kernel threads have no command line */
		procfs_cmdline_join(buf, (size_t)n);
		if (regexec(&p->re, buf, 0, NULL, 0) != 0)
			continue;
		if (!proc_alive(pid, &st))
			continue;
		if (best == 0 || st.starttime < best_start) {
			best = pid;
			best_start = st.starttime;
		}
	}
	closedir(d);
	if (best == 0)
		snprintf(why, len, "not running: no process matches \"%s\"",
		    p->cfg->match);
	return best;
}

/* ---- the pidfd watch: an exit is seen when it happens ---- */

static void
proc_unwatch(struct proc *p)
{
	if (p->pidfd_w != 0)
		p->h->fd_unwatch(p->m, p->pidfd_w);
	if (p->pidfd != -1)
		close(p->pidfd);
	p->pidfd_w = 0;
	p->pidfd = -1;
}

static void
proc_forget(struct proc *p)
{
	proc_unwatch(p);
	p->uptime_only = 0; /* gone: that is a failure of its own */
	p->pid = 0;
	p->pstart = 0;
	p->child = 0;
	p->ncpu = 0;
	/*
	 * The record of the pid stays: a state write is an fsync in the
	 * master, which would delay the exit's push behind it, and a dead
	 * or recycled pid is never adopted (its start time differs).
	 */
}

static void proc_exit_cb(int fd, int events, void *arg);

/* Watch pid (starttime st); -1 when it is gone already. */
static int
proc_watch(struct proc *p, pid_t pid, unsigned long long st, int child,
    int pidfd)
{
	char buf[64];

	if (p->pid == pid && p->pidfd != -1) {
		if (pidfd != -1)
			close(pidfd);
		return 0;
	}
	proc_unwatch(p);
	/* A pidfd from the spawn itself, or one opened now. */
	if ((p->pidfd = pidfd != -1 ? pidfd : spawn_pidfd_open(pid)) == -1) {
		if (errno == ESRCH)
			return -1;
		p->h->log(p->m, RDD_LOG_WARN,
		    "pidfd_open(%d): %s: exits are seen at the next check "
		    "only (Linux 5.3 or later sees them at once)",
		    (int)pid, strerror(errno));
	} else if ((p->pidfd_w = p->h->fd_watch(
	                p->m, p->pidfd, RDD_FD_READ, proc_exit_cb, p)) == 0) {
		close(p->pidfd);
		p->pidfd = -1;
	}
	p->pid = pid;
	p->pstart = st;
	p->child = child;
	p->ncpu = 0;
	p->hang_since = 0;
	p->uptime_only = 0;
	if (p->mode == PM_OWNED && !p->h->read_only(p->m)) {
		snprintf(buf, sizeof(buf), "%d %llu", (int)pid, st);
		p->h->state_set(p->m, "pid", buf);
	}
	return 0;
}

static void
proc_describe_status(char *buf, size_t len, int st)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "ended");
}

/*
 * pidfs's record of how a process ended (PIDFD_GET_INFO, Linux 6.15): kept
 * for whoever holds a pidfd, once the parent has reaped it. Declared here:
 * the C library's headers are older than the kernel.
 */
struct proc_pidfd_info {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid,
	    fsgid;
	int32_t exit_code;
};
#define PROC_PIDFD_GET_INFO _IOWR(0xFF, 11, struct proc_pidfd_info)
#define PROC_PIDFD_INFO_EXIT (1ULL << 3)

static int
proc_pidfd_exit(int pidfd, int *status)
{
	struct proc_pidfd_info in;

	memset(&in, 0, sizeof(in));
	in.mask = PROC_PIDFD_INFO_EXIT;
	if (pidfd == -1 || ioctl(pidfd, PROC_PIDFD_GET_INFO, &in) == -1 ||
	    (in.mask & PROC_PIDFD_INFO_EXIT) == 0)
		return 0;
	*status = in.exit_code;
	return 1;
}

/*
 * The wait status of a found process (not our child): pidfs has it once
 * its parent reaped it; until then the zombie's /proc/PID/stat shows it,
 * but as 0 to whoever may not ptrace it, so only ours or root's is read.
 * 0 when neither can say (an older kernel, a zombie of another user).
 */
static int
proc_found_status(const struct proc *p, pid_t pid, int *status)
{
	struct procfs_stat st;
	struct stat sb;
	char path[32];

	if (proc_pidfd_exit(p->pidfd, status))
		return 1;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (proc_stat(pid, &st) == 0 && st.starttime == p->pstart &&
	    st.state == 'Z' && st.has_exit && stat(path, &sb) == 0 &&
	    (geteuid() == 0 || sb.st_uid == geteuid())) {
		*status = st.exit_code;
		return 1;
	}
	/* Reaped between the two looks: pidfs has it now. */
	return proc_pidfd_exit(p->pidfd, status);
}

/*
 * An exit that is a stop, not a failure, as systemd's Restart=on-failure
 * counts them: status 0, or SIGHUP, SIGINT, SIGTERM, SIGPIPE, also as the
 * 128+N a shell or a JVM exits with when such a signal ended its work.
 */
static int
proc_clean_exit(int status)
{
	int n;

	if (WIFSIGNALED(status))
		n = WTERMSIG(status);
	else if (WIFEXITED(status) && WEXITSTATUS(status) > 128)
		n = WEXITSTATUS(status) - 128;
	else
		return WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return n == SIGHUP || n == SIGINT || n == SIGTERM || n == SIGPIPE;
}

/* This boot's id: a stop from outside is kept until the machine restarts. */
static void
proc_boot_id(char *buf, size_t len)
{
	ssize_t n = proc_read_file("/proc/sys/kernel/random/boot_id", buf, len);

	if (n <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	buf[strcspn(buf, " \n")] = '\0';
}

static void proc_return_tick(void *arg);

static void
proc_return_disarm(struct proc *p)
{
	if (p->return_timer != 0)
		p->h->timer_del(p->m, p->return_timer);
	p->return_timer = 0;
}

static void
proc_outstop_clear(struct proc *p)
{
	proc_return_disarm(p);
	if (p->outstop[0] != '\0' && !p->h->read_only(p->m))
		p->h->state_set(p->m, "outside_stopped", NULL);
	p->outstop[0] = '\0';
}

/* A found process is looked for until someone starts it again. */
static void
proc_return_arm(struct proc *p)
{
	if (p->mode != PM_OWNED && p->return_timer == 0)
		p->return_timer = p->h->timer_add(p->m,
		    p->mode == PM_MATCH ? PROC_RETURN_SCAN_MS
		                        : PROC_RETURN_POLL_MS,
		    0, proc_return_tick, p);
}

/*
 * Someone stopped it (a clean exit outside our operations): respected.
 * Kept in the state, with the boot it happened in, so a daemon restart
 * keeps it and a reboot, which starts every service, drops it.
 */
static void
proc_outstop_set(struct proc *p, pid_t pid, const char *how)
{
	char boot[64], then[160], *rec;
	size_t len;

	if (p->mode != PM_OWNED && p->cfg->start.n == 0 &&
	    p->cfg->restart.n == 0)
		snprintf(then, sizeof(then), "watched again once it runs");
	else
		snprintf(then, sizeof(then),
		    "redundancyctl run %s start brings it back",
		    p->h->monitor_name(p->m));
	snprintf(p->outstop, sizeof(p->outstop),
	    "stopped outside redundancyd: pid %d %s, a clean exit, not a "
	    "failure: not restarted; %s",
	    (int)pid, how, then);
	p->h->log(p->m, RDD_LOG_WARN, "%s: %s", p->target, p->outstop);
	p->h->journal(p->m, "outside-stop", p->target, p->outstop);
	proc_return_arm(p);
	if (p->h->read_only(p->m))
		return;
	proc_boot_id(boot, sizeof(boot));
	len = strlen(boot) + strlen(p->outstop) + 2;
	if ((rec = malloc(len)) == NULL)
		return;
	snprintf(rec, len, "%s %s", boot, p->outstop);
	p->h->state_set(p->m, "outside_stopped", rec);
	free(rec);
}

/* A daemon restart keeps a stop from outside; a reboot drops it. */
static void
proc_outstop_load(struct proc *p)
{
	const char *s = p->h->state_get(p->m, "outside_stopped");
	char boot[64];
	size_t n;

	p->outstop[0] = '\0';
	if (s == NULL)
		return;
	proc_boot_id(boot, sizeof(boot));
	n = strlen(boot);
	if (strncmp(s, boot, n) == 0 && s[n] == ' ') {
		snprintf(p->outstop, sizeof(p->outstop), "%s", s + n + 1);
		proc_return_arm(p);
		return;
	}
	p->h->log(p->m, RDD_LOG_INFO,
	    "%s: it was stopped from outside before the machine restarted: "
	    "that stop is not kept",
	    p->target);
	if (!p->h->read_only(p->m))
		p->h->state_set(p->m, "outside_stopped", NULL);
}

/*
 * The watched process is gone: reap it if it is our child, forget it, and
 * end the operation that waited for it. Called by its pidfd, or by whoever
 * saw it gone first (a check in the same loop turn, a deadline without a
 * pidfd): each path must finish the stop, or it waits for ever. push: say
 * so to the engine (a check reports for itself).
 */
static void
proc_gone(struct proc *p, int push)
{
	char msg[PROC_MSG_MAX];
	pid_t pid = p->pid, r;
	int st = 0, known = 0, clean = 0;

	p->last_exit[0] = '\0';
	if (p->child) {
		while ((r = waitpid(pid, &st, WNOHANG)) == -1 && errno == EINTR)
			;
		known = r == pid;
	} else
		known = proc_found_status(p, pid, &st);
	if (known)
		proc_describe_status(p->last_exit, sizeof(p->last_exit), st);
	if (p->phase == PH_NONE && !p->opstop &&
	    strcmp(p->cfg->restart_on, "always") != 0) {
		if (known)
			clean = proc_clean_exit(st);
		else if (p->mode == PM_PIDFILE &&
		         access(p->cfg->pidfile, F_OK) == -1 &&
		         errno == ENOENT) {
			/* A crash leaves its pidfile; a shutdown removes it. */
			snprintf(p->last_exit, sizeof(p->last_exit),
			    "exited and removed its pidfile %s",
			    p->cfg->pidfile);
			clean = 1;
		}
	}
	if (p->last_exit[0] == '\0')
		snprintf(p->last_exit, sizeof(p->last_exit), "exited");
	proc_forget(p);

	switch (p->phase) {
	case PH_STOPPING:
		if (p->op_child != 0)
			return; /* the stop command's end decides */
		if (p->op_timer != 0)
			p->h->timer_del(p->m, p->op_timer);
		p->op_timer = 0;
		if (p->stop_then_start) {
			proc_begin_start(p);
			return;
		}
		proc_op_done(
		    p, 1, "pid %d stopped (%s)", (int)pid, p->last_exit);
		return;
	case PH_READY:
		proc_op_done(p, 0, "pid %d %s before it was ready: see %s",
		    (int)pid, p->last_exit,
		    p->err_path ? p->err_path : "its log");
		return;
	default:
		break;
	}
	if (p->opstop)
		return;
	if (clean)
		proc_outstop_set(p, pid, p->last_exit);
	if (!push)
		return;
	if (p->outstop[0] != '\0') {
		p->h->push(p->m, p->target, RDD_WARNING, p->outstop);
		return;
	}
	snprintf(msg, sizeof(msg), "pid %d %s", (int)pid, p->last_exit);
	p->h->push(p->m, p->target, RDD_CRITICAL, msg);
}

static void
proc_exit_cb(int fd, int events, void *arg)
{
	(void)fd;
	(void)events;
	proc_gone(arg, 1);
}

/*
 * Find the process as the mode says and watch it. Returns the pid, 0 when
 * not running (why set), -1 when it cannot be known (why set).
 */
static pid_t
proc_locate(struct proc *p, char *why, size_t len)
{
	struct procfs_stat st;
	pid_t pid;

	why[0] = '\0';
	if (p->pid > 0) {
		if (proc_alive(p->pid, &st) && st.starttime == p->pstart)
			return p->pid;
		/* Before its pidfd said so, or without pidfd support. */
		proc_gone(p, 0);
		if (p->pid > 0)
			return p->pid; /* a stop-then-start started it anew */
	}
	if (p->mode == PM_OWNED) {
		snprintf(why, len, "not running%s%s",
		    p->last_exit[0] ? ": " : "", p->last_exit);
		return 0;
	}
	pid = p->mode == PM_PIDFILE ? proc_find_pidfile(p, why, len)
	                            : proc_find_match(p, why, len);
	if (pid <= 0)
		return pid;
	if (!proc_alive(pid, &st) || proc_watch(p, pid, st.starttime, 0, -1) != 0) {
		snprintf(why, len, "not running: pid %d ended while found",
		    (int)pid);
		return 0;
	}
	if (p->outstop[0] != '\0') {
		char msg[PROC_MSG_MAX];

		/* Started again by whoever stopped it: watched as before. */
		snprintf(msg, sizeof(msg),
		    "running again as pid %d, started outside redundancyd",
		    (int)pid);
		p->h->log(p->m, RDD_LOG_INFO, "%s: %s", p->target, msg);
		p->h->journal(p->m, "outside-start", p->target, msg);
		proc_outstop_clear(p);
	}
	return pid;
}

static void
proc_return_tick(void *arg)
{
	struct proc *p = arg;
	char why[PROC_MSG_MAX], msg[PROC_MSG_MAX];
	pid_t pid;

	p->return_timer = 0;
	if (p->outstop[0] == '\0')
		return;
	if (p->phase == PH_NONE &&
	    (pid = proc_locate(p, why, sizeof(why))) > 0) {
		snprintf(msg, sizeof(msg), "pid %d running", (int)pid);
		p->h->push(p->m, p->target, RDD_OK, msg);
		return;
	}
	proc_return_arm(p);
}

/* ---- probes: a TCP port, an HTTP URL ---- */

static void proc_probe_end(struct proc_probe *pr, int ok, const char *fmt, ...)
    RDD_PRINTF(3, 4);

static void
proc_probe_end(struct proc_probe *pr, int ok, const char *fmt, ...)
{
	struct proc *p = pr->p;
	va_list ap;

	if (pr->watch != 0)
		p->h->fd_unwatch(p->m, pr->watch);
	if (pr->timer != 0)
		p->h->timer_del(p->m, pr->timer);
	if (pr->http != 0)
		p->h->http_cancel(p->m, pr->http);
	if (pr->fd != -1)
		close(pr->fd);
	pr->watch = pr->timer = pr->http = 0;
	pr->fd = -1;
	pr->busy = 0;
	pr->done = 1;
	pr->ok = ok;
	pr->ms = (double)(proc_now_ms() - pr->t0);
	va_start(ap, fmt);
	vsnprintf(pr->msg, sizeof(pr->msg), fmt, ap);
	va_end(ap);
	proc_probe_done(p);
}

static void
proc_tcp_cb(int fd, int events, void *arg)
{
	struct proc_probe *pr = arg;
	struct proc *p = pr->p;
	socklen_t sl = sizeof(int);
	int e = 0;

	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == -1)
		e = errno;
	if (e != 0)
		proc_probe_end(pr, 0, "port %s:%d: %s", p->cfg->host,
		    (int)p->cfg->port, strerror(e));
	else
		proc_probe_end(pr, 1, "port %d answers", (int)p->cfg->port);
}

static void
proc_probe_timeout(void *arg)
{
	struct proc_probe *pr = arg;
	struct proc *p = pr->p;

	pr->timer = 0;
	pr->timed_out = 1;
	if (pr == &p->tcp)
		proc_probe_end(pr, 0, "port %s:%d: no answer within %lld ms",
		    p->cfg->host, (int)p->cfg->port,
		    (long long)p->cfg->probe_timeout);
	else
		proc_probe_end(pr, 0, "%s: no answer within %lld ms",
		    p->cfg->url, (long long)p->cfg->probe_timeout);
}

static void
proc_tcp_begin(struct proc *p)
{
	struct proc_probe *pr = &p->tcp;
	struct addrinfo hints, *ai = NULL;
	char port[8];
	int r;

	pr->busy = 1;
	pr->done = 0;
	pr->timed_out = 0;
	pr->t0 = proc_now_ms();
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV; /* never DNS */
	snprintf(port, sizeof(port), "%d", (int)p->cfg->port);
	if ((r = getaddrinfo(p->cfg->host, port, &hints, &ai)) != 0) {
		proc_probe_end(pr, 0, "host \"%s\": %s: give a numeric address",
		    p->cfg->host, gai_strerror(r));
		return;
	}
	pr->fd = socket(
	    ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pr->fd == -1) {
		freeaddrinfo(ai);
		proc_probe_end(pr, 0, "socket: %s", strerror(errno));
		return;
	}
	r = connect(pr->fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (r == 0) {
		proc_probe_end(pr, 1, "port %d answers", (int)p->cfg->port);
		return;
	}
	if (errno != EINPROGRESS) {
		proc_probe_end(pr, 0, "port %s:%d: %s", p->cfg->host,
		    (int)p->cfg->port, strerror(errno));
		return;
	}
	pr->watch = p->h->fd_watch(p->m, pr->fd, RDD_FD_WRITE, proc_tcp_cb, pr);
	pr->timer = p->h->timer_add(
	    p->m, p->cfg->probe_timeout, 0, proc_probe_timeout, pr);
	if (pr->watch == 0 || pr->timer == 0)
		proc_probe_end(pr, 0, "port probe: out of resources");
}

static void
proc_http_cb(void *arg, const struct rdd_http_response *res)
{
	struct proc_probe *pr = arg;
	struct proc *p = pr->p;

	pr->http = 0;
	pr->timed_out = res->error == RDD_HTTP_TIMEDOUT;
	if (res->error != 0)
		proc_probe_end(pr, 0, "%s: %s", p->cfg->url,
		    res->errmsg ? res->errmsg : "transfer failed");
	else if (res->status >= 400)
		proc_probe_end(pr, 0, "%s: HTTP %ld", p->cfg->url, res->status);
	else
		proc_probe_end(pr, 1, "%s: HTTP %ld", p->cfg->url, res->status);
}

static void
proc_http_begin(struct proc *p)
{
	struct proc_probe *pr = &p->web;
	struct rdd_http_request req;

	pr->busy = 1;
	pr->done = 0;
	pr->timed_out = 0;
	pr->t0 = proc_now_ms();
	memset(&req, 0, sizeof(req));
	req.url = p->cfg->url;
	req.timeout_ms = p->cfg->probe_timeout;
	req.max_response = 65536;
	if ((pr->http = p->h->http(p->m, &req, proc_http_cb, pr)) == 0 &&
	    pr->busy)
		proc_probe_end(pr, 0,
		    "%s: the daemon could not start the "
		    "request",
		    p->cfg->url);
}

static void
proc_probe_cancel(struct proc_probe *pr)
{
	struct proc *p = pr->p;

	if (pr->watch != 0)
		p->h->fd_unwatch(p->m, pr->watch);
	if (pr->timer != 0)
		p->h->timer_del(p->m, pr->timer);
	if (pr->http != 0)
		p->h->http_cancel(p->m, pr->http);
	if (pr->fd != -1)
		close(pr->fd);
	pr->watch = pr->timer = pr->http = 0;
	pr->fd = -1;
	pr->busy = 0;
	pr->done = 0;
}

/* ---- starting an owned process ---- */

/* The daemon's environment with the configured "K=V" replacing keys. */
static char **
proc_envp(const struct rdd_strlist *add)
{
	size_t ne, n = 0, i, k, klen;
	const char *eq;
	char **r;
	int dup;

	for (ne = 0; environ != NULL && environ[ne] != NULL; ne++)
		;
	if ((r = calloc(ne + add->n + 1, sizeof(*r))) == NULL)
		return NULL;
	for (i = 0; i < ne; i++) {
		eq = strchr(environ[i], '=');
		klen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		dup = 0;
		for (k = 0; k < add->n && !dup; k++)
			dup = strncmp(add->v[k], environ[i], klen) == 0 &&
			      add->v[k][klen] == '=';
		if (!dup)
			r[n++] = environ[i];
	}
	for (k = 0; k < add->n; k++)
		r[n++] = add->v[k];
	r[n] = NULL;
	return r;
}

static int
proc_open_log(const char *path, char *msg, size_t len)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd == -1)
		snprintf(msg, len,
		    "cannot open log %s: %s: fix stdout_log/stderr_log or the "
		    "directory's permissions",
		    path, strerror(errno));
	return fd;
}

/* ---- the definition an owned process was started with ---- */

/*
 * What changes how an owned process is started, field by field, so that
 * an adopted process started from another definition can be named with
 * what changed. stop_signal, timeouts, probes and thresholds are left
 * out: they apply to a running process at once.
 */
enum { PD_COMMAND, PD_CWD, PD_ENV, PD_USER, PD_GROUP, PD_UMASK, PD_LOGS, PD_N };
static const char *const proc_def_names[PD_N] = {
    "command", "cwd", "env", "user", "group", "umask", "log_files"};

/* FNV-1a over n bytes. */
static uint64_t
proc_fnv_n(uint64_t h, const char *s, size_t n)
{
	while (n-- > 0) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* FNV-1a over a string and its terminating NUL, so "ab","c" != "a","bc" */
static uint64_t
proc_fnv(uint64_t h, const char *s)
{
	if (s == NULL)
		return h ^ 0xff; /* unset differs from "" */
	return proc_fnv_n(h, s, strlen(s) + 1);
}

static uint64_t
proc_fnv_list(const struct rdd_strlist *l)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < l->n; i++)
		h = proc_fnv(h, l->v[i]);
	return h;
}

/*
 * A log in the monitor's state directory is keyed without the monitor's
 * name: a rename moves that directory, and the file, with it (the host
 * carries renamed monitors over), so the process still writes where the
 * new instance looks. "logs" in older records hashed the whole path.
 */
static uint64_t
proc_log_key(uint64_t h, const char *configured, const char *path)
{
	const char *leaf, *mon;

	if (configured != NULL || path == NULL ||
	    (leaf = strrchr(path, '/')) == NULL || leaf == path)
		return proc_fnv(h, path);
	for (mon = leaf - 1; mon > path && *mon != '/'; mon--)
		;
	return proc_fnv(proc_fnv_n(h, path, (size_t)(mon - path)), leaf);
}

/* "command=HEX cwd=HEX ...": the state's record of the definition. */
static void
proc_def_print(const struct proc *p, char *buf, size_t len)
{
	const uint64_t b = 0xcbf29ce484222325ULL;
	uint64_t v[PD_N];
	size_t i, used = 0;

	v[PD_COMMAND] = proc_fnv_list(&p->cfg->command);
	v[PD_CWD] = proc_fnv(b, p->cfg->cwd);
	v[PD_ENV] = proc_fnv_list(&p->cfg->env);
	v[PD_USER] = proc_fnv(b, p->cfg->user);
	v[PD_GROUP] = proc_fnv(b, p->cfg->group);
	v[PD_UMASK] = proc_fnv(b, p->cfg->umask);
	v[PD_LOGS] =
	    proc_log_key(proc_log_key(b, p->cfg->stdout_log, p->out_path),
	        p->cfg->stderr_log, p->err_path);
	buf[0] = '\0';
	for (i = 0; i < PD_N && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s=%016llx",
		    i ? " " : "", proc_def_names[i], (unsigned long long)v[i]);
}

/*
 * The fields of rec (an older record) that differ from now, as "command,
 * env"; "" when none. A field rec lacks (a record from an older plugin)
 * is not taken for a change.
 */
static void
proc_def_diff(const char *rec, const char *now, char *out, size_t len)
{
	char key[32];
	const char *r, *n;
	size_t i, used = 0, kl;

	out[0] = '\0';
	for (i = 0; i < PD_N; i++) {
		kl = (size_t)snprintf(
		    key, sizeof(key), "%s=", proc_def_names[i]);
		if ((r = strstr(rec, key)) == NULL ||
		    (n = strstr(now, key)) == NULL)
			continue;
		if (strncmp(r + kl, n + kl, 16) == 0)
			continue;
		used +=
		    (size_t)snprintf(out + used, len > used ? len - used : 0,
		        "%s%s", used ? ", " : "", proc_def_names[i]);
	}
}

/*
 * Start the owned command (spawn.c: vfork semantics, exec's errno back, the
 * pidfd from the same call): a session of its own, so that neither our
 * signals nor our exit reach it (detach) and its group can be signalled as
 * one. 0, or -1 with msg set.
 */
static int
proc_start_owned(struct proc *p, char *msg, size_t len)
{
	struct spawn_req rq;
	struct procfs_stat st;
	int in = -1, out = -1, err = -1, pidfd = -1, cerr;
	char **envp = NULL;
	pid_t pid;

	p->last_exit[0] = '\0';
	p->spawn_errno = 0;
	if ((out = proc_open_log(p->out_path, msg, len)) == -1 ||
	    (err = proc_open_log(p->err_path, msg, len)) == -1)
		goto fail;
	if ((in = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(msg, len, "cannot open /dev/null: %s", strerror(errno));
		goto fail;
	}
	if ((envp = proc_envp(&p->cfg->env)) == NULL) {
		snprintf(msg, len, "out of memory");
		goto fail;
	}
	memset(&rq, 0, sizeof(rq));
	rq.argv = p->cfg->command.v;
	rq.envp = envp;
	rq.cwd = p->cfg->cwd;
	rq.fd[0] = in;
	rq.fd[1] = out;
	rq.fd[2] = err;
	rq.session = 1;
	rq.has_umask = p->has_umask;
	rq.umask = p->umask;
	rq.setid = p->setid;
	rq.uid = p->uid;
	rq.gid = p->gid;
	if ((cerr = spawn_run(&rq, &pid, &pidfd)) != 0) {
		p->spawn_errno = cerr;
		snprintf(msg, len,
		    "cannot run %s: %s: fix command=", p->cfg->command.v[0],
		    strerror(cerr));
		snprintf(p->last_exit, sizeof(p->last_exit), "%.200s", msg);
		goto fail;
	}
	st.starttime = 0;
	(void)proc_stat(pid, &st);
	if (proc_watch(p, pid, st.starttime, 1, pidfd) != 0) {
		snprintf(msg, len, "pid %d ended at once", (int)pid);
		goto fail;
	}
	p->restarts++;
	if (!p->h->read_only(p->m)) {
		char def[256];

		/* What the next instance compares with after a reload. */
		proc_def_print(p, def, sizeof(def));
		p->h->state_set(p->m, "definition", def);
		if (p->stale[0] != '\0')
			p->h->state_set(p->m, "definition_noted", NULL);
	}
	p->stale[0] = '\0';
	snprintf(msg, len, "started pid %d", (int)pid);
	p->h->journal(p->m, "process-start", p->target, msg);
	free(envp);
	close(in);
	close(out);
	close(err);
	return 0;
fail:
	free(envp);
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	if (err != -1)
		close(err);
	return -1;
}

/* ---- operations: restart (the engine's), stop/start (an operator's) ---- */

static void
proc_op_clear(struct proc *p)
{
	if (p->op_timer != 0)
		p->h->timer_del(p->m, p->op_timer);
	if (p->op_child != 0)
		p->h->child_cancel(p->m, p->op_child);
	p->op_timer = p->op_child = 0;
	proc_probe_cancel(&p->tcp);
	proc_probe_cancel(&p->web);
	p->phase = PH_NONE;
	p->killed = 0;
	p->stop_then_start = 0;
	/* A check that waited on the cancelled probes gets its answer. */
	proc_check_report(p);
}

static void
proc_op_done(struct proc *p, int ok, const char *fmt, ...)
{
	struct rdd_recovery *r = p->rec;
	struct rdd_command *c = p->cmd;
	char msg[PROC_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	proc_op_clear(p);
	p->rec = NULL;
	p->cmd = NULL;
	if (r != NULL)
		p->h->recovery_done(
		    r, ok ? RDD_RECOVERY_OK : RDD_RECOVERY_FAILED, msg);
	if (c != NULL) {
		/* The operator's act is the news: no check needed to show it.
		 */
		if (ok && p->why == PW_STOP)
			p->h->push(p->m, p->target, RDD_OK,
			    "stopped by an operator: redundancyctl run MONITOR "
			    "start brings it back");
		else if (ok && p->pid > 0)
			p->h->push(p->m, p->target, RDD_OK, msg);
		p->h->command_done(c, ok, msg);
	}
}

static void
proc_stop_deadline(void *arg)
{
	struct proc *p = arg;
	struct procfs_stat st;

	p->op_timer = 0;
	if (p->pid <= 0)
		return;
	/* Gone without a word from a pidfd: never signal a recycled pid. */
	if (!proc_alive(p->pid, &st) || st.starttime != p->pstart) {
		proc_gone(p, 1);
		return;
	}
	if (p->killed) {
		proc_op_done(p, 0,
		    "pid %d survived SIGKILL for %d ms "
		    "(uninterruptible sleep?): look at it with ps",
		    (int)p->pid, PROC_KILL_GRACE_MS);
		return;
	}
	p->killed = 1;
	p->h->log(p->m, RDD_LOG_WARN,
	    "%s: pid %d still runs %lld ms after "
	    "the stop: SIGKILL",
	    p->target, (int)p->pid, (long long)p->cfg->stop_timeout);
	if (p->mode == PM_OWNED)
		(void)kill(-p->pid, SIGKILL);
	(void)kill(p->pid, SIGKILL);
	p->op_timer =
	    p->h->timer_add(p->m, PROC_KILL_GRACE_MS, 0, proc_stop_deadline, p);
}

static void
proc_stopcmd_cb(void *arg, const struct rdd_child_result *res)
{
	struct proc *p = arg;

	p->op_child = 0;
	if (res->spawn_errno != 0 || !res->exited || res->status != 0) {
		proc_op_done(p, 0, "stop command %s: %s", p->cfg->stop.v[0],
		    res->spawn_errno ? strerror(res->spawn_errno)
		    : res->timed_out ? "timed out"
		    : res->exited    ? "exited non-zero"
		                     : "killed by a signal");
		return;
	}
	if (p->pid <= 0) { /* the pidfd saw it go during the command */
		if (p->stop_then_start)
			proc_begin_start(p);
		else
			proc_op_done(p, 1, "stopped by the stop command");
		return;
	}
	p->op_timer = p->h->timer_add(
	    p->m, p->cfg->stop_timeout, 0, proc_stop_deadline, p);
}

/* Stop what runs; then start when stop_then_start, else finish. */
static void
proc_begin_stop(struct proc *p)
{
	struct rdd_child_spec spec;
	int sig = p->stop_sig;

	p->phase = PH_STOPPING;
	if (p->pid <= 0) {
		if (p->stop_then_start)
			proc_begin_start(p);
		else
			proc_op_done(p, 1, "not running");
		return;
	}
	if (p->mode != PM_OWNED && p->cfg->stop.n > 0) {
		memset(&spec, 0, sizeof(spec));
		spec.argv = (const char *const *)p->cfg->stop.v;
		spec.env = (const char *const *)p->cfg->env.v;
		spec.cwd = p->cfg->cwd;
		spec.timeout_ms = p->cfg->command_timeout;
		p->op_child = p->h->child_run(p->m, &spec, proc_stopcmd_cb, p);
		if (p->op_child == 0 && p->phase == PH_STOPPING && p->pid > 0)
			proc_op_done(p, 0,
			    "the daemon could not run the stop "
			    "command (see system.log)");
		return;
	}
	/*
	 * An owned process leads its session: its helpers go with it. One
	 * that left its group (setsid of its own) is signalled by pid.
	 */
	if ((p->mode != PM_OWNED || kill(-p->pid, sig) == -1) &&
	    kill(p->pid, sig) == -1 && errno != ESRCH) {
		proc_op_done(p, 0,
		    "kill(%d, %s): %s: the worker's user cannot "
		    "signal it; set stop = [...]",
		    (int)p->pid, strsignal(sig), strerror(errno));
		return;
	}
	p->op_timer = p->h->timer_add(
	    p->m, p->cfg->stop_timeout, 0, proc_stop_deadline, p);
}

static void
proc_ready_check(struct proc *p)
{
	char why[PROC_MSG_MAX];
	int port_ok, url_ok;

	if (p->phase != PH_READY)
		return;
	if (proc_locate(p, why, sizeof(why)) <= 0)
		return; /* not yet: the next tick looks again */
	port_ok = p->cfg->port == 0 || (p->tcp.done && p->tcp.ok);
	url_ok = p->cfg->url == NULL || (p->web.done && p->web.ok);
	if (port_ok && url_ok) {
		proc_op_done(p, 1, "pid %d running%s%s", (int)p->pid,
		    p->cfg->port ? ", port answers" : "",
		    p->cfg->url ? ", url answers" : "");
		return;
	}
	if (!port_ok && !p->tcp.busy)
		proc_tcp_begin(p);
	if (p->phase == PH_READY && !url_ok && !p->web.busy)
		proc_http_begin(p);
}

static void
proc_ready_tick(void *arg)
{
	struct proc *p = arg;
	char what[200];

	if (proc_now_ms() >= p->deadline) {
		if (p->pid <= 0)
			snprintf(what, sizeof(what),
			    "the process is not "
			    "running");
		else if (p->cfg->port != 0 && !(p->tcp.done && p->tcp.ok))
			snprintf(what, sizeof(what), "%s",
			    p->tcp.msg[0] ? p->tcp.msg : "port never answered");
		else
			snprintf(what, sizeof(what), "%s",
			    p->web.msg[0] ? p->web.msg : "url never answered");
		/* op_timer repeats: proc_op_done deletes it. */
		proc_op_done(p, 0, "not ready within start_timeout=%lld ms: %s",
		    (long long)p->cfg->start_timeout, what);
		return;
	}
	/* A probe that failed is tried again on the next tick. */
	if (p->tcp.done && !p->tcp.ok)
		p->tcp.done = 0;
	if (p->web.done && !p->web.ok)
		p->web.done = 0;
	proc_ready_check(p);
}

static void
proc_begin_ready(struct proc *p)
{
	p->phase = PH_READY;
	p->deadline = proc_now_ms() + p->cfg->start_timeout;
	p->tcp.done = p->web.done = 0;
	p->tcp.msg[0] = p->web.msg[0] = '\0';
	p->op_timer =
	    p->h->timer_add(p->m, PROC_READY_POLL_MS, 1, proc_ready_tick, p);
	proc_ready_check(p);
}

static void
proc_startcmd_cb(void *arg, const struct rdd_child_result *res)
{
	struct proc *p = arg;
	char line[200];
	const char *nl;
	size_t n;

	p->op_child = 0;
	if (res->spawn_errno != 0 || !res->exited || res->status != 0) {
		line[0] = '\0';
		if (res->err_len > 0) {
			nl = memchr(res->err, '\n', res->err_len);
			n = nl ? (size_t)(nl - res->err) : res->err_len;
			if (n >= sizeof(line))
				n = sizeof(line) - 1;
			memcpy(line, res->err, n);
			line[n] = '\0';
		}
		proc_op_done(p, 0, "start command %s: %s%s%s",
		    p->cfg->start.v[0],
		    res->spawn_errno ? strerror(res->spawn_errno)
		    : res->timed_out ? "timed out"
		    : res->exited    ? "exited non-zero"
		                     : "killed by a signal",
		    line[0] ? ": " : "", line);
		return;
	}
	proc_begin_ready(p);
}

static void
proc_begin_start(struct proc *p)
{
	const struct rdd_strlist *cmd;
	struct rdd_child_spec spec;
	char msg[PROC_MSG_MAX];

	if (p->op_timer != 0)
		p->h->timer_del(p->m, p->op_timer);
	p->op_timer = 0;
	p->phase = PH_STARTING;
	if (p->mode == PM_OWNED) {
		if (proc_start_owned(p, msg, sizeof(msg)) != 0) {
			proc_op_done(p, 0, "%s", msg);
			return;
		}
		proc_begin_ready(p);
		return;
	}
	cmd = &p->cfg->start;
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)cmd->v;
	spec.env = (const char *const *)p->cfg->env.v;
	spec.cwd = p->cfg->cwd;
	spec.timeout_ms = p->cfg->command_timeout;
	p->op_child = p->h->child_run(p->m, &spec, proc_startcmd_cb, p);
	if (p->op_child == 0 && p->phase == PH_STARTING)
		proc_op_done(p, 0,
		    "the daemon could not run the start "
		    "command (see system.log)");
}

/* A restart command of its own: run it, then wait for readiness. */
static void
proc_begin_restart_cmd(struct proc *p)
{
	struct rdd_child_spec spec;

	p->phase = PH_STARTING;
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)p->cfg->restart.v;
	spec.env = (const char *const *)p->cfg->env.v;
	spec.cwd = p->cfg->cwd;
	spec.timeout_ms = p->cfg->command_timeout;
	proc_unwatch(p); /* the restart may replace the pid: find it again */
	p->pid = 0;
	p->op_child = p->h->child_run(p->m, &spec, proc_startcmd_cb, p);
	if (p->op_child == 0 && p->phase == PH_STARTING)
		proc_op_done(p, 0,
		    "the daemon could not run the restart "
		    "command (see system.log)");
}

/* Restart: what runs is stopped first, so there is never a second copy. */
static void
proc_restart(struct proc *p)
{
	char why[PROC_MSG_MAX];

	(void)proc_locate(p, why, sizeof(why));
	if (p->mode != PM_OWNED && p->pid > 0 && p->cfg->restart.n > 0) {
		proc_begin_restart_cmd(p);
		return;
	}
	p->stop_then_start = 1;
	proc_begin_stop(p);
}

static void
proc_recover(void *ctx, struct rdd_recovery *r, const char *target,
    const char *action, unsigned attempt)
{
	struct proc *p = ctx;

	(void)attempt;
	(void)target;
	if (action == NULL || strcmp(action, "restart") != 0) {
		p->h->recovery_done(r, RDD_RECOVERY_FAILED,
		    "unknown action: the process plugin's action is restart");
		return;
	}
	if (p->mode != PM_OWNED && p->cfg->start.n == 0 &&
	    p->cfg->restart.n == 0) {
		p->h->recovery_done(r, RDD_RECOVERY_NOT_APPLICABLE,
		    "no start command: this monitor only watches (set start = "
		    "[...])");
		return;
	}
	if (p->opstop) {
		p->h->recovery_done(r, RDD_RECOVERY_NOT_APPLICABLE,
		    "stopped by an operator: redundancyctl run MONITOR start "
		    "brings it back");
		return;
	}
	if (p->outstop[0] != '\0') {
		p->h->recovery_done(r, RDD_RECOVERY_NOT_APPLICABLE, p->outstop);
		return;
	}
	if (p->uptime_only) {
		p->h->recovery_done(r, RDD_RECOVERY_NOT_APPLICABLE,
		    "running for less than uptime_crit: it restarts too often, "
		    "and a restart of ours would not cure that: find why it "
		    "exits (its stderr log, the journal's earlier exits)");
		return;
	}
	if (p->phase != PH_NONE) {
		p->h->recovery_done(r, RDD_RECOVERY_FAILED,
		    "another operation on the process is in flight");
		return;
	}
	p->rec = r;
	p->why = PW_RECOVER;
	proc_restart(p);
}

static void
proc_set_opstop(struct proc *p, int on)
{
	p->opstop = on;
	if (!p->h->read_only(p->m))
		p->h->state_set(p->m, "operator_stopped", on ? "1" : NULL);
}

/* redundancyctl run MONITOR stop|start|restart|status */
static void
proc_command(
    void *ctx, struct rdd_command *c, int argc, const char *const *argv)
{
	struct proc *p = ctx;
	char why[PROC_MSG_MAX];
	const char *verb = argc > 0 ? argv[0] : "";

	if (strcmp(verb, "status") == 0) {
		pid_t pid = proc_locate(p, why, sizeof(why));

		if (pid == 0 && p->outstop[0] != '\0')
			snprintf(why, sizeof(why), "%s", p->outstop);
		else if (pid > 0 && p->stale[0] != '\0')
			snprintf(why, sizeof(why),
			    "pid %d%s (the definition from before the reload: "
			    "%s changed; restart applies it)",
			    (int)pid,
			    p->opstop ? " (operator stop pending)" : "",
			    p->stale);
		else if (pid > 0)
			snprintf(why, sizeof(why), "pid %d%s", (int)pid,
			    p->opstop ? " (operator stop pending)" : "");
		p->h->command_done(c, 1, why);
		return;
	}
	if (strcmp(verb, "stop") != 0 && strcmp(verb, "start") != 0 &&
	    strcmp(verb, "restart") != 0) {
		p->h->command_done(c, 0,
		    "expected stop, start, restart or "
		    "status");
		return;
	}
	if (p->phase != PH_NONE) {
		p->h->command_done(c, 0,
		    "an operation is in flight: try again "
		    "when it ends");
		return;
	}
	if (p->mode != PM_OWNED && strcmp(verb, "stop") != 0 &&
	    p->cfg->start.n == 0 && p->cfg->restart.n == 0) {
		p->h->command_done(c, 0,
		    "no start command configured: set "
		    "start = [...]");
		return;
	}
	p->cmd = c;
	(void)proc_locate(p, why, sizeof(why));
	/* The operator speaks now: a stop seen from outside is replaced. */
	proc_outstop_clear(p);
	if (strcmp(verb, "stop") == 0) {
		/* Remembered first: the exit it causes is intended. */
		proc_set_opstop(p, 1);
		p->why = PW_STOP;
		p->h->journal(p->m, "operator-stop", p->target,
		    "stopped by an operator: not restarted until started");
		proc_begin_stop(p);
		return;
	}
	proc_set_opstop(p, 0);
	if (strcmp(verb, "start") == 0) {
		p->why = PW_START;
		if (p->pid > 0) {
			proc_op_done(
			    p, 1, "already running as pid %d", (int)p->pid);
			return;
		}
		proc_begin_start(p);
		return;
	}
	p->why = PW_RESTART;
	proc_restart(p);
}

/* ---- log rotation of an owned process: copy, then cut the head ---- */

/*
 * Copy [0, len) of fd to the file at `to` (created 0640, flushed to disk
 * before the caller drops those bytes from the log). 0, or -1.
 */
static int
proc_copy_head(int fd, const char *to, loff_t len)
{
	loff_t off = 0;
	ssize_t n;
	int out, r = -1;

	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) ==
	    -1)
		return -1;
	while (off < len && (n = copy_file_range(fd, &off, out, NULL,
	                         (size_t)(len - off), 0)) > 0)
		;
	if (off == len && fdatasync(out) == 0)
		r = 0;
	close(out);
	return r;
}

/*
 * The process keeps its descriptor (O_APPEND), so the file cannot be
 * renamed under it. Where the filesystem can (ext4, xfs), the head is
 * copied to FILE.1 and then cut out of the file with COLLAPSE_RANGE, in
 * whole blocks: what the process writes meanwhile lands after the cut and
 * stays, so no line is lost (one may be split between FILE.1 and FILE).
 * Elsewhere: copy, then truncate, and lines written between the two are
 * lost, as with logrotate's copytruncate. Returns the bytes moved out.
 */
static int64_t
proc_rotate_cut(struct proc *p, const char *path, const char *to)
{
	struct stat sb;
	loff_t k;
	int fd, e;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || sb.st_blksize <= 0)
		goto copytruncate;
	/* Whole blocks, and short of the end: COLLAPSE_RANGE's two rules. */
	k = sb.st_size - sb.st_size % sb.st_blksize;
	if (k == sb.st_size)
		k -= sb.st_blksize;
	if (k <= 0)
		goto copytruncate;
	if (to != NULL && proc_copy_head(fd, to, k) == -1) {
		e = errno;
		close(fd);
		p->h->log(p->m, RDD_LOG_WARN,
		    "cannot copy %s to %s: %s: the log was not rotated", path,
		    to, strerror(e));
		return -1;
	}
	if (fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, k) == 0) {
		close(fd);
		return (int64_t)k;
	}
copytruncate:
	if (fstat(fd, &sb) == -1 ||
	    (to != NULL && proc_copy_head(fd, to, sb.st_size) == -1) ||
	    ftruncate(fd, 0) == -1) {
		e = errno;
		close(fd);
		p->h->log(p->m, RDD_LOG_WARN, "cannot rotate %s: %s", path,
		    strerror(e));
		return -1;
	}
	close(fd);
	return (int64_t)sb.st_size;
}

static void
proc_rotate_one(struct proc *p, const char *path)
{
	char from[4096], to[4096];
	struct stat sb;
	int64_t k, moved;

	if (stat(path, &sb) == -1 || sb.st_size <= p->cfg->log_max)
		return;
	for (k = p->cfg->log_keep; k > 1; k--) {
		snprintf(from, sizeof(from), "%s.%lld", path, (long long)k - 1);
		snprintf(to, sizeof(to), "%s.%lld", path, (long long)k);
		(void)rename(from, to);
	}
	snprintf(to, sizeof(to), "%s.1", path);
	moved = proc_rotate_cut(p, path, p->cfg->log_keep > 0 ? to : NULL);
	if (moved >= 0)
		p->h->log(p->m, RDD_LOG_INFO, "rotated %s: %lld of %lld bytes",
		    path, (long long)moved, (long long)sb.st_size);
}

static void
proc_rotate(void *arg)
{
	struct proc *p = arg;

	if (p->h->read_only(p->m) || p->cfg->log_max == 0)
		return;
	proc_rotate_one(p, p->out_path);
	if (strcmp(p->out_path, p->err_path) != 0)
		proc_rotate_one(p, p->err_path);
}

/*
 * One poll of log sizes for every owned process of this worker, not a
 * timer each: a hundred processes cost one wake-up every 5 s instead of
 * twenty a second. The timer belongs to one instance (the host ties
 * timers to monitors) and moves to another when that one stops. Plugin
 * code runs on the worker's loop thread only: no lock.
 */
static struct {
	struct proc *head;
	struct proc *owner;
	uint64_t timer;
} proc_rot;

static void
proc_rotate_all(void *arg)
{
	struct proc *p, *next;

	(void)arg;
	for (p = proc_rot.head; p != NULL; p = next) {
		next = p->rot_next;
		proc_rotate(p);
	}
}

static void
proc_rot_arm(struct proc *p)
{
	proc_rot.owner = p;
	proc_rot.timer = p != NULL ? p->h->timer_add(p->m, PROC_LOG_POLL_MS, 1,
	                                 proc_rotate_all, NULL)
	                           : 0;
}

static void
proc_rot_add(struct proc *p)
{
	if (p->rot_on)
		return;
	p->rot_on = 1;
	p->rot_prev = NULL;
	p->rot_next = proc_rot.head;
	if (proc_rot.head != NULL)
		proc_rot.head->rot_prev = p;
	proc_rot.head = p;
	if (proc_rot.timer == 0)
		proc_rot_arm(p);
}

/* own_calls: 0 after stop, when p may no longer call the host. */
static void
proc_rot_remove(struct proc *p, int own_calls)
{
	if (!p->rot_on)
		return;
	p->rot_on = 0;
	if (p->rot_prev != NULL)
		p->rot_prev->rot_next = p->rot_next;
	else
		proc_rot.head = p->rot_next;
	if (p->rot_next != NULL)
		p->rot_next->rot_prev = p->rot_prev;
	p->rot_prev = p->rot_next = NULL;
	if (proc_rot.owner == p) {
		/* Without own calls the host drops p's timer with p. */
		if (proc_rot.timer != 0 && own_calls)
			p->h->timer_del(p->m, proc_rot.timer);
		proc_rot_arm(proc_rot.head);
	}
}

/* ---- checks ---- */

/* The process and its descendants, by one scan of /proc (the fallback). */
static void
proc_tree_scan(pid_t root, long long *rss, unsigned long long *ticks)
{
	struct procfs_stat st;
	struct dirent *e;
	pid_t *pids = NULL, *pp = NULL, *np;
	size_t n = 0, cap = 0, i, k;
	long long *rs = NULL;
	unsigned long long *tk = NULL;
	char *in = NULL;
	int grew;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		if (proc_stat((pid_t)strtol(e->d_name, NULL, 10), &st) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((np = realloc(pids, cap * sizeof(*np))) == NULL)
				break;
			pids = np;
			if ((np = realloc(pp, cap * sizeof(*np))) == NULL)
				break;
			pp = np;
			rs = realloc(rs, cap * sizeof(*rs));
			tk = realloc(tk, cap * sizeof(*tk));
			if (rs == NULL || tk == NULL)
				break;
		}
		pids[n] = st.pid;
		pp[n] = st.ppid;
		rs[n] = st.rss > 0 ? st.rss : 0;
		tk[n] = st.utime + st.stime;
		n++;
	}
	closedir(d);
	if (pids == NULL || pp == NULL || rs == NULL || tk == NULL ||
	    (in = calloc(n ? n : 1, 1)) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (pids[i] == root)
			in[i] = 1;
	/* Mark children of marked processes until nothing changes. */
	do {
		grew = 0;
		for (i = 0; i < n; i++) {
			if (in[i])
				continue;
			for (k = 0; k < n; k++)
				if (in[k] && pids[k] == pp[i]) {
					in[i] = 1;
					grew = 1;
					break;
				}
		}
	} while (grew);
	for (i = 0; i < n; i++)
		if (in[i]) {
			*rss += rs[i];
			*ticks += tk[i];
		}
out:
	free(in);
	free(pids);
	free(pp);
	free(rs);
	free(tk);
}

#define PROC_TREE_MAX 4096 /* descendants summed; a fork bomb stops here */

/* Whether this kernel has /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN). */
static int
proc_have_children(void)
{
	static int have = -1;
	char path[64];

	if (have == -1) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/children",
		    (int)getpid());
		have = access(path, R_OK) == 0;
	}
	return have;
}

/* The children of one thread of pid, appended to v (up to PROC_TREE_MAX). */
static void
proc_tree_task(pid_t pid, const char *tid, pid_t *v, size_t *n)
{
	char path[64], buf[8192], *sp;
	ssize_t len;
	int k;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/children", (int)pid, tid);
	if ((len = proc_read_file(path, buf, sizeof(buf))) <= 0)
		return; /* gone meanwhile, or no children */
	/* A full buffer may end inside a pid: drop that one. */
	if ((size_t)len == sizeof(buf) - 1 && (sp = strrchr(buf, ' ')) != NULL)
		len = sp - buf;
	if ((k = procfs_children_parse(buf, (size_t)len, v + *n,
	         PROC_TREE_MAX - *n)) > 0)
		*n += (size_t)k;
}

/* The children of every thread of pid, appended to v. */
static void
proc_tree_kids(pid_t pid, long long nthreads, pid_t *v, size_t *n)
{
	char path[64], num[16];
	struct dirent *e;
	DIR *d;

	/* One thread (the usual): its task is the pid, no listing needed. */
	if (nthreads == 1) {
		snprintf(num, sizeof(num), "%d", (int)pid);
		proc_tree_task(pid, num, v, n);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return;
	while (*n < PROC_TREE_MAX && (e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			proc_tree_task(pid, e->d_name, v, n);
	closedir(d);
}

/*
 * The process and its descendants: RSS in pages, CPU ticks. Walked down
 * the kernel's children lists: a handful of reads for a process without
 * children, where a scan of /proc reads every process's stat (a check a
 * second at 100 monitors was that, 300 times).
 */
static void
proc_tree(pid_t root, const struct procfs_stat *rootst, long long *rss,
    unsigned long long *ticks)
{
	struct procfs_stat st;
	pid_t *v;
	size_t n = 1, i;

	*rss = 0;
	*ticks = 0;
	if (!proc_have_children()) {
		proc_tree_scan(root, rss, ticks);
		return;
	}
	if ((v = malloc(PROC_TREE_MAX * sizeof(*v))) == NULL)
		return;
	v[0] = root;
	for (i = 0; i < n; i++) {
		if (i == 0)
			st = *rootst; /* read by the caller a moment ago */
		else if (proc_stat(v[i], &st) != 0)
			continue; /* gone meanwhile */
		*rss += st.rss > 0 ? st.rss : 0;
		*ticks += st.utime + st.stime;
		if (n < PROC_TREE_MAX)
			proc_tree_kids(v[i], st.num_threads, v, &n);
	}
	free(v);
}

static int
proc_count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	struct stat sb;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	/* Linux 6.2 and later give the count as the directory's size. */
	if (stat(path, &sb) == -1)
		return -1;
	if (sb.st_size > 0)
		return sb.st_size > INT_MAX ? INT_MAX : (int)sb.st_size;
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Worst of st and a level reached; the message grows with what crossed. */
static void
proc_threshold(enum rdd_state *st, char *msg, size_t len, double v, double warn,
    double crit, int below, const char *what, const char *unit, const char *opt)
{
	enum rdd_state s = RDD_OK;
	size_t used = strlen(msg);

	if (crit > 0 && (below ? v < crit : v >= crit))
		s = RDD_CRITICAL;
	else if (warn > 0 && (below ? v < warn : v >= warn))
		s = RDD_WARNING;
	if (s == RDD_OK)
		return;
	if (s > *st || *st == RDD_UNKNOWN)
		*st = s;
	snprintf(msg + used, len - used, "; %s %.0f%s %s %s %.0f%s (%s_%s)",
	    what, v, unit,
	    below ? "below" : ">=", s == RDD_CRITICAL ? "critical" : "warning",
	    s == RDD_CRITICAL ? crit : warn, unit, opt,
	    s == RDD_CRITICAL ? "crit" : "warn");
}

/* CPU percent over cpu_window from the samples of earlier checks. */
static double
proc_cpu_pct(struct proc *p, unsigned long long ticks, int64_t now)
{
	static long hz;
	struct proc_cpu *old = NULL;
	size_t i;

	if (hz == 0)
		hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;
	if (p->ncpu == PROC_CPU_SAMPLES) {
		memmove(p->cpu, p->cpu + 1, sizeof(p->cpu[0]) * (p->ncpu - 1));
		p->ncpu--;
	}
	p->cpu[p->ncpu].ms = now;
	p->cpu[p->ncpu].ticks = ticks;
	p->cpu[p->ncpu].pid = p->pid;
	p->ncpu++;
	/* The newest sample at least a window old, else the oldest. */
	for (i = 0; i + 1 < p->ncpu; i++) {
		if (p->cpu[i].pid != p->pid)
			continue;
		if (old == NULL || now - p->cpu[i].ms >= p->cfg->cpu_window)
			old = &p->cpu[i];
	}
	if (old == NULL || now <= old->ms || ticks < old->ticks)
		return -1;
	return (double)(ticks - old->ticks) * 100000.0 / (double)hz /
	       (double)(now - old->ms);
}

/* Not running: what the operator's and the outside's stops say, else why. */
static void
proc_report_gone(struct proc *p, struct rdd_check *c, const char *why)
{
	if (p->opstop)
		p->h->report(c, p->target, RDD_OK,
		    "stopped by an operator: redundancyctl run "
		    "MONITOR start brings it back",
		    NULL, 0);
	else if (p->outstop[0] != '\0')
		p->h->report(c, p->target, RDD_WARNING, p->outstop, NULL, 0);
	else
		p->h->report(c, p->target, RDD_CRITICAL, why, NULL, 0);
	p->h->check_done(c);
}

/*
 * A probe that failed: refused, reset or an HTTP error is an answer, and
 * CRITICAL; no answer at all is a process that may be slow, not dead.
 */
static void
proc_probe_state(const struct proc_probe *pr, enum rdd_state *st, int *hung,
    char *msg, size_t len)
{
	size_t used = strlen(msg);

	if (pr->timed_out)
		*hung = 1;
	else
		*st = RDD_CRITICAL;
	snprintf(msg + used, len - used, "; %s", pr->msg);
}

/*
 * Probes that time out while the process runs: UNKNOWN, never acted on,
 * for hang_max (a GC pause, a swapping or CPU-starved host: a restart
 * would drop every request in flight and load a struggling machine);
 * past it, hung, and CRITICAL. A CRITICAL of its own (a threshold, a
 * refused port) stands.
 */
static void
proc_hang_state(
    struct proc *p, int hung, enum rdd_state *st, char *msg, size_t len)
{
	int64_t now = proc_now_ms(), for_ms;
	size_t used = strlen(msg);

	if (!hung) {
		p->hang_since = 0;
		return;
	}
	if (p->hang_since == 0)
		p->hang_since = now;
	for_ms = now - p->hang_since;
	if (for_ms >= p->cfg->hang_max) {
		*st = RDD_CRITICAL;
		snprintf(msg + used, len - used,
		    "; no answer for %lld s: hung (hang_max = %lld s)",
		    (long long)for_ms / 1000,
		    (long long)p->cfg->hang_max / 1000);
		return;
	}
	if (*st != RDD_CRITICAL)
		*st = RDD_UNKNOWN;
	snprintf(msg + used, len - used,
	    "; running but not answering for %lld s: slow or hung, not acted "
	    "on before hang_max = %lld s",
	    (long long)for_ms / 1000, (long long)p->cfg->hang_max / 1000);
}

static void
proc_check_report(struct proc *p)
{
	struct rdd_metric mv[PROC_METRICS_MAX];
	struct procfs_stat st;
	enum rdd_state state = RDD_OK;
	char msg[PROC_MSG_MAX], why[PROC_MSG_MAX], up[256];
	unsigned long long ticks;
	struct timespec bt;
	double cpu, uptime = 0, boot;
	long long rss_tree;
	long page = sysconf(_SC_PAGESIZE);
	size_t nm = 0;
	int fds, hung = 0;
	enum rdd_state pst = RDD_OK; /* the port and url probes' verdict */
	enum rdd_state ust = RDD_OK; /* uptime's */
	struct rdd_check *c = p->check;

	/* During a start the probes are its own: report their last word. */
	if (c == NULL || (p->phase == PH_NONE && (p->tcp.busy || p->web.busy)))
		return;
	p->check = NULL;
	if (p->pid <= 0 || proc_stat(p->pid, &st) != 0) {
		/* It ended while the probes ran. */
		pid_t np = proc_locate(p, why, sizeof(why));

		if (np < 0) {
			p->h->report(c, p->target, RDD_UNKNOWN, why, NULL, 0);
			p->h->check_done(c);
			return;
		}
		if (np == 0) {
			proc_report_gone(p, c, why[0] ? why : "not running");
			return;
		}
		if (proc_stat(p->pid, &st) != 0) {
			proc_report_gone(p, c, "not running");
			return;
		}
	}
	proc_tree(p->pid, &st, &rss_tree, &ticks);
	cpu = proc_cpu_pct(p, ticks, proc_now_ms());
	fds = proc_count_fds(p->pid);
	/* Start times count from boot: CLOCK_BOOTTIME is /proc/uptime. */
	if (clock_gettime(CLOCK_BOOTTIME, &bt) == 0)
		boot = (double)bt.tv_sec + (double)bt.tv_nsec / 1e9;
	else if (proc_read_file("/proc/uptime", up, sizeof(up)) <= 0 ||
	         procfs_uptime_parse(up, strlen(up), &boot) != 0)
		boot = -1;
	if (boot >= 0) {
		long hz = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100;

		uptime = boot - (double)st.starttime / (double)hz;
		if (uptime < 0)
			uptime = 0;
	}
	if (p->stale[0] != '\0')
		snprintf(msg, sizeof(msg),
		    "pid %d running the definition from before the reload "
		    "(%s changed): redundancyctl run %s restart to apply it",
		    (int)p->pid, p->stale, p->h->monitor_name(p->m));
	else
		snprintf(msg, sizeof(msg), "pid %d running", (int)p->pid);
	mv[nm++] = (struct rdd_metric){"pid", (double)p->pid, ""};
	mv[nm++] = (struct rdd_metric){"rss", (double)st.rss * page, "B"};
	mv[nm++] =
	    (struct rdd_metric){"rss_total", (double)rss_tree * page, "B"};
	mv[nm++] = (struct rdd_metric){"threads", (double)st.num_threads, ""};
	mv[nm++] = (struct rdd_metric){"uptime", uptime, "s"};
	mv[nm++] = (struct rdd_metric){"starts", (double)p->restarts, "c"};
	if (cpu >= 0)
		mv[nm++] = (struct rdd_metric){"cpu", cpu, "%"};
	if (fds >= 0)
		mv[nm++] = (struct rdd_metric){"fds", (double)fds, ""};
	proc_threshold(&state, msg, sizeof(msg),
	    (double)rss_tree * page / 1048576.0,
	    (double)p->cfg->mem_warn / 1048576.0,
	    (double)p->cfg->mem_crit / 1048576.0, 0, "memory", " MiB", "mem");
	if (cpu >= 0)
		proc_threshold(&state, msg, sizeof(msg), cpu, p->cfg->cpu_warn,
		    p->cfg->cpu_crit, 0, "cpu", "%", "cpu");
	if (fds >= 0)
		proc_threshold(&state, msg, sizeof(msg), fds,
		    (double)p->cfg->fds_warn, (double)p->cfg->fds_crit, 0,
		    "open fds", "", "fds");
	proc_threshold(&state, msg, sizeof(msg), (double)st.num_threads,
	    (double)p->cfg->threads_warn, (double)p->cfg->threads_crit, 0,
	    "threads", "", "threads");
	proc_threshold(&ust, msg, sizeof(msg), uptime,
	    (double)p->cfg->uptime_warn / 1000.0,
	    (double)p->cfg->uptime_crit / 1000.0, 1, "uptime", " s", "uptime");
	if (p->cfg->port != 0) {
		mv[nm++] = (struct rdd_metric){"port_ms", p->tcp.ms, "ms"};
		if (!p->tcp.ok)
			proc_probe_state(
			    &p->tcp, &pst, &hung, msg, sizeof(msg));
	}
	if (p->cfg->url != NULL) {
		mv[nm++] = (struct rdd_metric){"url_ms", p->web.ms, "ms"};
		if (!p->web.ok)
			proc_probe_state(
			    &p->web, &pst, &hung, msg, sizeof(msg));
	}
	proc_hang_state(p, hung, &pst, msg, sizeof(msg));
	/*
	 * Just started (by us at the daemon's start, by a person, by its own
	 * supervisor): not listening yet is what starting looks like.
	 */
	if (pst != RDD_OK && boot >= 0 &&
	    uptime * 1000.0 < (double)p->cfg->start_timeout) {
		pst = RDD_UNKNOWN;
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
		    "; started %.1f s ago: not judged before start_timeout = "
		    "%.1f s",
		    uptime, (double)p->cfg->start_timeout / 1000.0);
	}
	if (pst == RDD_CRITICAL ||
	    (pst == RDD_UNKNOWN && state != RDD_CRITICAL))
		state = pst;
	/* A restart cannot cure restarting too often: see proc_recover. */
	p->uptime_only = ust == RDD_CRITICAL && state != RDD_CRITICAL;
	if (ust != RDD_OK && (ust > state || state == RDD_UNKNOWN))
		state = ust;
	/* Not what the configuration says: the operator's call, not ours. */
	if (p->stale[0] != '\0' && state == RDD_OK)
		state = RDD_WARNING;
	p->h->report(c, p->target, state, msg, mv, nm);
	p->h->check_done(c);
}

static void
proc_check(void *ctx, struct rdd_check *c)
{
	struct proc *p = ctx;
	char why[PROC_MSG_MAX];
	pid_t pid;

	if (p->check != NULL) {
		p->h->report(c, p->target, RDD_UNKNOWN,
		    "previous check still running", NULL, 0);
		p->h->check_done(c);
		return;
	}
	pid = proc_locate(p, why, sizeof(why));
	if (pid < 0) {
		p->h->report(c, p->target, RDD_UNKNOWN, why, NULL, 0);
		p->h->check_done(c);
		return;
	}
	if (pid == 0) {
		proc_report_gone(p, c, why);
		return;
	}
	p->check = c;
	/* Probes that a start is running are left to it: they are shared. */
	if (p->phase == PH_NONE) {
		/* Both marked first, so one ending at once waits for the other.
		 */
		p->tcp.busy = p->cfg->port != 0;
		p->web.busy = p->cfg->url != NULL;
		if (p->cfg->port != 0)
			proc_tcp_begin(p);
		if (p->cfg->url != NULL)
			proc_http_begin(p);
	}
	proc_check_report(p);
}

/* ---- life cycle ---- */

static int
proc_signal_parse(const char *s)
{
	static const struct {
		const char *n;
		int sig;
	} t[] = {{"TERM", SIGTERM}, {"INT", SIGINT}, {"QUIT", SIGQUIT},
	    {"HUP", SIGHUP}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
	    {"USR2", SIGUSR2}};
	size_t i;

	if (s == NULL)
		return SIGTERM;
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].n) == 0)
			return t[i].sig;
	return -1;
}

static int
proc_argv_ok(
    const struct rdd_strlist *l, const char *opt, char *err, size_t errlen)
{
	if (l->n == 0)
		return 1;
	if (l->v[0] == NULL || l->v[0][0] == '\0') {
		snprintf(err, errlen,
		    "%s: the program is empty: give an argv "
		    "array like [\"/usr/sbin/nginx\"]",
		    opt);
		return 0;
	}
	if (strpbrk(l->v[0], " \t") != NULL && access(l->v[0], F_OK) != 0) {
		snprintf(err, errlen,
		    "%s: \"%s\" is one string with blanks "
		    "and no shell splits it: write it as an argv array like "
		    "[\"systemctl\", \"start\", \"app\"]",
		    opt, l->v[0]);
		return 0;
	}
	return 1;
}

static int
proc_validate(
    const struct rdd_host *host, const void *config, char *err, size_t errlen)
{
	const struct proc_config *cfg = config;
	regex_t re;
	size_t i;
	const char *pair = NULL;
	int modes, r;
	char *e;

	(void)host;
	modes = (cfg->command.n > 0) + (cfg->pidfile != NULL) +
	        (cfg->match != NULL);
	if (modes != 1) {
		snprintf(err, errlen,
		    "%s: set exactly one of command = [...] "
		    "(owned), pidfile = \"...\" or match = \"REGEX\"",
		    modes ? "command, pidfile and match exclude each other"
		          : "no process named");
		return -1;
	}
	if (strcmp(cfg->restart_on, "failure") != 0 &&
	    strcmp(cfg->restart_on, "always") != 0) {
		snprintf(err, errlen,
		    "restart_on = \"%s\": expected \"failure\" (a clean exit "
		    "is a stop, respected) or \"always\"",
		    cfg->restart_on);
		return -1;
	}
	if (!proc_argv_ok(&cfg->command, "command", err, errlen) ||
	    !proc_argv_ok(&cfg->start, "start", err, errlen) ||
	    !proc_argv_ok(&cfg->stop, "stop", err, errlen) ||
	    !proc_argv_ok(&cfg->restart, "restart", err, errlen))
		return -1;
	if (cfg->command.n > 0 &&
	    (cfg->start.n || cfg->stop.n || cfg->restart.n)) {
		snprintf(err, errlen,
		    "start, stop and restart are for pidfile "
		    "and match processes: redundancyd starts and stops an "
		    "owned command itself (drop them, or stop_signal)");
		return -1;
	}
	if (cfg->command.n == 0 &&
	    (cfg->user || cfg->group || cfg->umask || cfg->stdout_log ||
	        cfg->stderr_log || cfg->detach)) {
		/* Name the one that was set: the operator looks for it. */
		snprintf(err, errlen,
		    "%s applies to an owned process (command = [...]) only, "
		    "not with %s: drop it, or put it in the start command's "
		    "own setup",
		    cfg->user         ? "user"
		    : cfg->group      ? "group"
		    : cfg->umask      ? "umask"
		    : cfg->stdout_log ? "stdout_log"
		    : cfg->stderr_log ? "stderr_log"
		                      : "detach",
		    cfg->pidfile != NULL ? "pidfile" : "match");
		return -1;
	}
	if (cfg->match != NULL) {
		if ((r = regcomp(&re, cfg->match, REG_EXTENDED | REG_NOSUB)) !=
		    0) {
			char rerr[128];

			regerror(r, &re, rerr, sizeof(rerr));
			snprintf(err, errlen,
			    "match: \"%s\": %s: give a POSIX "
			    "extended regex like \"^/usr/sbin/nginx\"",
			    cfg->match, rerr);
			return -1;
		}
		regfree(&re);
	}
	if (cfg->cwd != NULL && cfg->cwd[0] != '/') {
		snprintf(err, errlen, "cwd: \"%s\" is not an absolute path",
		    cfg->cwd);
		return -1;
	}
	for (i = 0; i < cfg->env.n; i++)
		if (strchr(cfg->env.v[i], '=') == NULL ||
		    cfg->env.v[i][0] == '=') {
			snprintf(err, errlen,
			    "env: entry %zu \"%s\" is not "
			    "K=V: write it like \"LANG=C\"",
			    i + 1, cfg->env.v[i]);
			return -1;
		}
	if (cfg->umask != NULL) {
		long v = strtol(cfg->umask, &e, 8);

		if (*cfg->umask == '\0' || *e != '\0' || v < 0 || v > 0777) {
			snprintf(err, errlen,
			    "umask: \"%s\" is not an octal "
			    "mode: write it like \"027\"",
			    cfg->umask);
			return -1;
		}
	}
	if (proc_signal_parse(cfg->stop_signal) == -1) {
		snprintf(err, errlen,
		    "stop_signal: \"%s\": use TERM, INT, "
		    "QUIT, HUP, KILL, USR1 or USR2",
		    cfg->stop_signal);
		return -1;
	}
	if (cfg->mem_warn && cfg->mem_crit && cfg->mem_warn > cfg->mem_crit)
		pair = "mem";
	else if (cfg->cpu_warn > 0 && cfg->cpu_crit > 0 &&
	         cfg->cpu_warn > cfg->cpu_crit)
		pair = "cpu";
	else if (cfg->fds_warn && cfg->fds_crit &&
	         cfg->fds_warn > cfg->fds_crit)
		pair = "fds";
	else if (cfg->threads_warn && cfg->threads_crit &&
	         cfg->threads_warn > cfg->threads_crit)
		pair = "threads";
	if (pair != NULL) {
		snprintf(err, errlen,
		    "%s_warn is above %s_crit: WARNING must "
		    "come first (swap them)",
		    pair, pair);
		return -1;
	}
	if (cfg->uptime_warn && cfg->uptime_crit &&
	    cfg->uptime_warn < cfg->uptime_crit) {
		snprintf(err, errlen,
		    "uptime_warn is below uptime_crit: a "
		    "short uptime is CRITICAL first, so uptime_warn must be "
		    "the longer one");
		return -1;
	}
	if (cfg->url != NULL && strncmp(cfg->url, "http://", 7) != 0 &&
	    strncmp(cfg->url, "https://", 8) != 0) {
		snprintf(err, errlen,
		    "url: \"%s\" is not an http:// or "
		    "https:// URL",
		    cfg->url);
		return -1;
	}
	return 0;
}

static void
proc_free(struct proc *p)
{
	if (p->have_re)
		regfree(&p->re);
	free(p->target);
	free(p->out_path);
	free(p->err_path);
	free(p);
}

static char *
proc_path(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *s = malloc(len);

	if (s != NULL)
		snprintf(s, len, "%s/%s", dir, name);
	return s;
}

static int
proc_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	const struct proc_config *cfg = config;
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	const char *name, *sd;
	struct proc *p;

	*ctx = NULL;
	if (proc_validate(host, config, err, errlen) != 0)
		return -1;
	if (!RDD_HOST_HAS(host, read_only)) {
		snprintf(err, errlen,
		    "the process plugin needs redundancyd "
		    "with plugin ABI 1.2 or later: upgrade the daemon");
		return -1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto nomem;
	p->h = host;
	p->m = m;
	p->cfg = cfg;
	p->pidfd = -1;
	p->tcp.fd = p->web.fd = -1;
	p->tcp.p = p->web.p = p;
	p->mode = cfg->command.n ? PM_OWNED
	          : cfg->pidfile ? PM_PIDFILE
	                         : PM_MATCH;
	p->stop_sig = proc_signal_parse(cfg->stop_signal);
	name = cfg->target ? cfg->target : host->monitor_name(m);
	if ((p->target = strdup(name ? name : "process")) == NULL)
		goto nomem_free;
	if (cfg->match != NULL) {
		if (regcomp(&p->re, cfg->match, REG_EXTENDED | REG_NOSUB) != 0)
			goto nomem_free;
		p->have_re = 1;
	}
	if (cfg->umask != NULL) {
		p->umask = (mode_t)strtol(cfg->umask, NULL, 8);
		p->has_umask = 1;
	}
	if (cfg->user != NULL || cfg->group != NULL) {
		/* At create, not between fork and exec (NSS is not safe). */
		if (cfg->user && (pw = getpwnam(cfg->user)) == NULL) {
			snprintf(err, errlen,
			    "user: no user \"%s\" on this "
			    "system",
			    cfg->user);
			proc_free(p);
			return -1;
		}
		if (cfg->group && (gr = getgrnam(cfg->group)) == NULL) {
			snprintf(err, errlen,
			    "group: no group \"%s\" on this "
			    "system",
			    cfg->group);
			proc_free(p);
			return -1;
		}
		p->uid = pw ? pw->pw_uid : getuid();
		p->gid = gr ? gr->gr_gid : pw ? pw->pw_gid : getgid();
		if (p->uid != geteuid() || p->gid != getegid()) {
			if (geteuid() != 0) {
				snprintf(err, errlen,
				    "user/group: the worker "
				    "runs as uid %d and cannot switch: run "
				    "redundancyd as root, or set the "
				    "monitor's own user = instead",
				    (int)geteuid());
				proc_free(p);
				return -1;
			}
			p->setid = 1;
		}
	}
	if (p->mode == PM_OWNED) {
		sd = host->state_dir(m);
		p->out_path = cfg->stdout_log ? strdup(cfg->stdout_log)
		                              : proc_path(sd, "stdout.log");
		p->err_path = cfg->stderr_log ? strdup(cfg->stderr_log)
		                              : proc_path(sd, "stderr.log");
		if (p->out_path == NULL || p->err_path == NULL)
			goto nomem_free;
	}
	*ctx = p;
	return 0;
nomem_free:
	proc_free(p);
nomem:
	snprintf(err, errlen, "process: out of memory");
	return -1;
}

/*
 * An adopted process started from another definition keeps running: a
 * reload never restarts it. The check says so (WARNING) until an operator
 * restarts it; the journal says it once per new definition.
 */
static void
proc_adopt_definition(struct proc *p)
{
	char now[256], rec[256], msg[PROC_MSG_MAX];
	const char *s = p->h->state_get(p->m, "definition");

	proc_def_print(p, now, sizeof(now));
	if (s == NULL) {
		/* Started by a plugin before definitions were kept: assumed. */
		if (!p->h->read_only(p->m))
			p->h->state_set(p->m, "definition", now);
		return;
	}
	snprintf(rec, sizeof(rec), "%s", s); /* state_set may free s */
	proc_def_diff(rec, now, p->stale, sizeof(p->stale));
	if (p->stale[0] == '\0')
		return;
	snprintf(msg, sizeof(msg),
	    "running the definition from before the reload (%s changed): "
	    "redundancyctl run %s restart to apply it",
	    p->stale, p->h->monitor_name(p->m));
	p->h->log(p->m, RDD_LOG_WARN, "%s: %s", p->target, msg);
	if (p->h->read_only(p->m) ||
	    ((s = p->h->state_get(p->m, "definition_noted")) != NULL &&
	        strcmp(s, now) == 0))
		return;
	p->h->journal(p->m, "process-old-definition", p->target, msg);
	p->h->state_set(p->m, "definition_noted", now);
}

/*
 * An owned process recorded in the state and still alive with the same
 * start time is ours from a previous daemon (detach), worker or instance
 * (a reload): adopt it instead of starting a second copy. A recycled pid
 * has another start time. A record that ends in " stopped" was left by a
 * shutdown that signalled the process: gone is what is expected of it.
 */
static int
proc_adopt(struct proc *p)
{
	struct procfs_stat st;
	const char *s = p->h->state_get(p->m, "pid");
	unsigned long long start;
	int pid, stopped;

	if (s == NULL || sscanf(s, "%d %llu", &pid, &start) != 2 || pid <= 1)
		return 0;
	stopped = strstr(s, " stopped") != NULL;
	if (!proc_alive((pid_t)pid, &st) || st.starttime != start) {
		if (!stopped)
			p->h->log(p->m, RDD_LOG_INFO,
			    "%s: recorded pid %d is gone or is another "
			    "process now: starting a new one",
			    p->target, pid);
		if (!p->h->read_only(p->m))
			p->h->state_set(p->m, "pid", NULL);
		return 0;
	}
	if (proc_watch(p, (pid_t)pid, start, 0, -1) != 0)
		return 0;
	if (stopped)
		p->h->log(p->m, RDD_LOG_WARN,
		    "%s: pid %d outlived the last shutdown's stop (the worker "
		    "ended before SIGKILL: keep stop_timeout below "
		    "daemon.shutdown_deadline): adopted",
		    p->target, pid);
	else
		p->h->log(p->m, RDD_LOG_INFO, "%s: adopted running pid %d",
		    p->target, pid);
	p->h->journal(p->m, "process-adopt", p->target,
	    "adopted the running process instead of starting another");
	proc_adopt_definition(p);
	return 1;
}

static int
proc_start_err(void *ctx, char *err, size_t errlen)
{
	struct proc *p = ctx;
	const char *s;
	char msg[PROC_MSG_MAX], why[PROC_MSG_MAX];

	s = p->h->state_get(p->m, "operator_stopped");
	p->opstop = s != NULL && strcmp(s, "1") == 0;
	proc_outstop_load(p);
	if (p->mode != PM_OWNED) {
		(void)proc_locate(p, why, sizeof(why));
		return 0;
	}
	if (p->cfg->log_max > 0 && !p->h->read_only(p->m))
		proc_rot_add(p);
	if (proc_adopt(p)) {
		proc_outstop_clear(p); /* running: no stop to keep */
		return 0;
	}
	if (p->opstop || p->outstop[0] != '\0' || p->h->read_only(p->m))
		return 0;
	if (proc_start_owned(p, msg, sizeof(msg)) != 0) {
		/* Not fatal: the check reports it and the engine retries. */
		p->h->log(p->m, RDD_LOG_ERR, "%s: %s", p->target, msg);
		snprintf(p->last_exit, sizeof(p->last_exit), "%.200s", msg);
	}
	(void)err;
	(void)errlen;
	return 0;
}

static int
proc_start(void *ctx)
{
	char err[256];

	return proc_start_err(ctx, err, sizeof(err));
}

/*
 * Shutdown, first half: signal the owned process. The worker calls every
 * instance's stop before any destroy, so with the wait in destroy all of
 * a worker's processes get stop_signal at once and the shutdown takes one
 * stop_timeout, not one per process. The record stays, marked, until the
 * next start: should the worker end before destroy's SIGKILL (a
 * daemon.shutdown_deadline shorter than stop_timeout), a survivor is
 * adopted rather than joined by a second copy.
 */
static void
proc_stop_owned(struct proc *p)
{
	char buf[64];
	pid_t pid = p->pid;

	if (kill(-pid, p->stop_sig) == -1 && errno == ESRCH)
		(void)kill(pid, p->stop_sig);
	p->stop_deadline = proc_now_ms() + p->cfg->stop_timeout;
	snprintf(buf, sizeof(buf), "%d %llu stopped", (int)pid, p->pstart);
	p->h->state_set(p->m, "pid", buf);
}

/* 1 once the watched process is gone, 0 if it still runs at until. */
static int
proc_wait_gone(struct proc *p, int64_t until)
{
	struct timespec ts = {0, PROC_READY_POLL_MS * 1000000L};
	struct pollfd pfd = {p->pidfd, POLLIN, 0};
	struct procfs_stat st;
	int64_t left;

	for (;;) {
		if (!proc_alive(p->pid, &st) || st.starttime != p->pstart)
			return 1;
		if ((left = until - proc_now_ms()) <= 0)
			return 0;
		/* Without a pidfd (Linux before 5.3), /proc is polled. */
		if (p->pidfd != -1)
			(void)poll(&pfd, 1, (int)left);
		else
			(void)nanosleep(&ts, NULL);
	}
}

/*
 * Shutdown, second half (destroy: no host calls): wait for the exit until
 * the deadline stop set, then SIGKILL the group. Blocks the loop, but only
 * on the way out.
 */
static void
proc_stop_wait(struct proc *p)
{
	pid_t pid = p->pid;

	if (!proc_wait_gone(p, p->stop_deadline)) {
		(void)kill(-pid, SIGKILL);
		(void)kill(pid, SIGKILL);
		(void)proc_wait_gone(p, proc_now_ms() + PROC_KILL_GRACE_MS);
	}
	if (p->child)
		(void)waitpid(pid, NULL, WNOHANG);
}

static void
proc_stop(void *ctx)
{
	struct proc *p = ctx;
	int for_good;

	p->rec = NULL;
	p->cmd = NULL;
	p->check = NULL;
	proc_op_clear(p);
	proc_rot_remove(p, 1);
	proc_return_disarm(p);
	p->check = NULL;
	/*
	 * A reload that keeps the monitor must not restart its process (an
	 * edit elsewhere would bounce the service): it stays, recorded, and
	 * the new instance adopts it. An older host cannot say: final.
	 */
	for_good = !RDD_HOST_HAS(p->h, stopping_for_good) ||
	           p->h->stopping_for_good(p->m);
	if (p->mode == PM_OWNED && p->pid > 0 && !p->cfg->detach &&
	    !p->h->read_only(p->m) && for_good) {
		proc_stop_owned(p);
		/* The pidfd stays open for destroy; its watch goes now. */
		if (p->pidfd_w != 0)
			p->h->fd_unwatch(p->m, p->pidfd_w);
		p->pidfd_w = 0;
		return;
	}
	if (p->mode == PM_OWNED && p->pid > 0 && !for_good)
		p->h->log(p->m, RDD_LOG_INFO,
		    "%s: pid %d keeps running for the reloaded "
		    "configuration",
		    p->target, (int)p->pid);
	proc_unwatch(p);
}

static void
proc_destroy(void *ctx)
{
	struct proc *p = ctx;

	if (p == NULL)
		return;
	proc_rot_remove(p, 0); /* only if never stopped */
	if (p->stop_deadline != 0 && p->pid > 0)
		proc_stop_wait(p);
	proc_unwatch(p); /* after stop, the watch is gone: closes the pidfd */
	proc_free(p);
}

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
    RDD_PLUGIN_HEADER,
    .name = "process",
    .version = "1.0.0",
    .description = "a process found by pidfile or command line, or started "
                   "and owned; exits seen at once through pidfds",
    .options = proc_options,
    .config_size = sizeof(struct proc_config),
    .actions = proc_actions,
    .create = proc_create,
    .start = proc_start,
    .check = proc_check,
    .recover = proc_recover,
    .command = proc_command,
    .stop = proc_stop,
    .destroy = proc_destroy,
    .validate = proc_validate,
    .start_err = proc_start_err,
};
