/*
 * test_process.c: the process plugin on the mock host, against real children
 * (sleep): options, pidfile/match lookups, owned starts, pidfd exits, intent.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex.h>
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

#include "plugins/process/procfs.h"
#include "tests/lib/mock_host.h"

extern const struct rdd_plugin rdd_plugin;

/* Every wait of this file gives up (and fails) after this. */
#define DEADLINE_MS 5000

struct fx {
	struct mock_host mh;
	char dir[256];     /* under TMPDIR: pidfiles, the owned logs */
	char pidfile[300]; /* dir/app.pid */
	void *ctx;         /* the plugin instance, NULL when none */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A short pause inside a polling loop that has its own deadline. */
static void
tick(void)
{
	struct timespec ts = {0, 2000000};

	nanosleep(&ts, NULL);
}

/* ---- children: started here, and every one reaped in teardown ---- */

/*
 * fork and exec file; returns after the exec (the CLOEXEC pipe closes
 * then), so /proc already shows the new program's command line.
 */
static pid_t
spawn(const char *file, char *const argv[])
{
	int ep[2];
	ssize_t n;
	pid_t pid;
	char c;

	assert_int_equal(pipe2(ep, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ep[0]);
		execvp(file, argv);
		(void)!write(ep[1], "x", 1);
		_exit(127);
	}
	close(ep[1]);
	while ((n = read(ep[0], &c, 1)) == -1 && errno == EINTR)
		;
	close(ep[0]);
	assert_int_equal(n, 0);
	return pid;
}

/* A sleep whose argv[0] is argv0: the command line match mode sees. */
static pid_t
spawn_sleep(const char *argv0)
{
	char *argv[] = {(char *)argv0, "3600", NULL};

	return spawn("sleep", argv);
}

/* A pid that was ours a moment ago and is reaped: nobody's now. */
static pid_t
dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

/*
 * Fields of /proc/PID/stat: state (3), ppid (4) and starttime (22); -1
 * when the pid is gone. comm may hold blanks: fields follow the last ')'.
 */
static int
stat_of(pid_t pid, char *state, pid_t *ppid, unsigned long long *start)
{
	char path[64], buf[1024], *p, *save = NULL;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p = strtok_r(p + 1, " ", &save);
	for (i = 3; p != NULL && i <= 22; i++) {
		if (i == 3 && state != NULL)
			*state = p[0];
		if (i == 4 && ppid != NULL)
			*ppid = (pid_t)strtol(p, NULL, 10);
		if (i == 22 && start != NULL)
			*start = strtoull(p, NULL, 10);
		if (i < 22)
			p = strtok_r(NULL, " ", &save);
	}
	return p != NULL ? 0 : -1;
}

/* Running (not gone, not a zombie waiting for us). */
static int
running(pid_t pid)
{
	char st;

	return stat_of(pid, &st, NULL, NULL) == 0 && st != 'Z' && st != 'X';
}

/*
 * Wait (bounded) until a sleep is in its nanosleep: right after the exec
 * it has no pages yet (rss 0) and may hold a locale file open, so its
 * metrics are only stable from then on. Without wchan (kallsyms hidden:
 * "0"), sleeping at all is taken for it.
 */
static void
wait_asleep(pid_t pid)
{
	int64_t until = now_ms() + DEADLINE_MS;
	char path[64], wchan[64], st = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	for (;; tick()) {
		if (now_ms() >= until)
			fail_msg("pid %d never went to sleep", (int)pid);
		if (stat_of(pid, &st, NULL, NULL) != 0 || st != 'S')
			continue;
		wchan[0] = '\0';
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
			if ((n = read(fd, wchan, sizeof(wchan) - 1)) >= 0)
				wchan[n] = '\0';
			close(fd);
		}
		if (strstr(wchan, "sleep") != NULL || wchan[0] == '\0' ||
		    strcmp(wchan, "0") == 0)
			return;
	}
}

/*
 * Every child of this process, whoever forked it (the test or the plugin
 * for an owned command), running or zombie: SIGKILL and reap.
 */
static void
reap_children(void)
{
	pid_t self = getpid(), ppid, pid;
	struct dirent *e;
	DIR *d;

	if ((d = opendir("/proc")) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			pid = (pid_t)strtol(e->d_name, NULL, 10);
			if (stat_of(pid, NULL, &ppid, NULL) != 0 ||
			    ppid != self)
				continue;
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
		}
		closedir(d);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* ---- the plugin on the mock host ---- */

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/test_process.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->pidfile, sizeof(f->pidfile), "%s/app.pid", f->dir);
	mock_host_init(&f->mh, "web");
	mock_set_state_dir(&f->mh, f->dir);
	*state = f;
	return 0;
}

/* Stop and destroy the instance as a daemon shutdown does. */
static void
fx_destroy(struct fx *f)
{
	if (f->ctx == NULL)
		return;
	f->mh.stopping_for_good = 1;
	mock_plugin_stop(&f->mh, &rdd_plugin, f->ctx);
	rdd_plugin.destroy(f->ctx);
	f->ctx = NULL;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int v;

	fx_destroy(f);
	reap_children();
	if ((v = f->mh.violations) != 0)
		print_error("mock host violation: %s\n", f->mh.violation);
	mock_host_free(&f->mh);
	(void)nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return v == 0 ? 0 : -1;
}

/* A config that must parse (the option table accepts it). */
static void *
cfg_ok(struct fx *f, void *cfg)
{
	if (cfg == NULL)
		fail_msg("config refused: %s", f->mh.error);
	return cfg;
}

/* validate's verdict: NULL when accepted, else its error text. */
static const char *
refusal(struct fx *f, void *cfg)
{
	static char err[512];

	cfg_ok(f, cfg);
	err[0] = '\0';
	if (mock_plugin_validate(&f->mh, &rdd_plugin, cfg, err, sizeof(err)) ==
	    0)
		return NULL;
	return err;
}

static void
assert_refused(struct fx *f, void *cfg, const char *needle)
{
	const char *err = refusal(f, cfg);

	if (err == NULL)
		fail_msg("accepted, expected a refusal with \"%s\"", needle);
	if (strstr(err, needle) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", err, needle);
}

static void
assert_accepted(struct fx *f, void *cfg)
{
	const char *err = refusal(f, cfg);

	if (err != NULL)
		fail_msg("refused: %s", err);
}

static void
fx_start(struct fx *f, void *cfg)
{
	char err[512] = "";

	cfg_ok(f, cfg);
	if (rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh), cfg, &f->ctx,
	        err, sizeof(err)) != 0)
		fail_msg("create: %s", err);
	assert_int_equal(
	    mock_plugin_start(&f->mh, &rdd_plugin, f->ctx, err, sizeof(err)),
	    0);
}

/* One check, answered at once (no probe configured): its report. */
static const struct mock_report *
check(struct fx *f)
{
	int done = f->mh.checks_done, id = f->mh.checks_started;
	const struct mock_report *r;

	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(f->mh.checks_done, done + 1);
	assert_true(f->mh.nreports > 0);
	r = &f->mh.reports[f->mh.nreports - 1];
	assert_int_equal(r->check, id);
	assert_string_equal(r->target, "web");
	return r;
}

static void
assert_msg(const struct mock_report *r, enum rdd_state st, const char *needle)
{
	if (r->state != st || strstr(r->msg, needle) == NULL)
		fail_msg("got state %d \"%s\", expected state %d with \"%s\"",
		    (int)r->state, r->msg, (int)st, needle);
}

static int
npushes(const struct fx *f)
{
	size_t i;
	int n = 0;

	for (i = 0; i < f->mh.nreports; i++)
		n += f->mh.reports[i].check == -1;
	return n;
}

static const struct mock_report *
last_push(const struct fx *f)
{
	size_t i;

	for (i = f->mh.nreports; i > 0; i--)
		if (f->mh.reports[i - 1].check == -1)
			return &f->mh.reports[i - 1];
	fail_msg("no push");
	return NULL;
}

static int
active_fds(const struct fx *f)
{
	size_t i;
	int n = 0;

	for (i = 0; i < f->mh.nfds; i++)
		n += f->mh.fds[i]->active;
	return n;
}

/* The one active fd watch: the pidfd of the watched process. */
static size_t
pidfd_watch(const struct fx *f)
{
	size_t i;

	assert_int_equal(active_fds(f), 1);
	for (i = 0; i < f->mh.nfds; i++)
		if (f->mh.fds[i]->active)
			break;
	assert_int_equal(f->mh.fds[i]->events, RDD_FD_READ);
	return i;
}

/*
 * What the worker's loop does when the watched process ends: wait until
 * the pidfd is readable (bounded), then call the plugin's callback.
 */
static void
fire_exit(struct fx *f)
{
	size_t idx = pidfd_watch(f);
	struct pollfd pfd = {f->mh.fds[idx]->fd, POLLIN, 0};
	int64_t left, until = now_ms() + DEADLINE_MS;
	int r;

	do {
		left = until - now_ms();
		r = poll(&pfd, 1, left > 0 ? (int)left : 0);
	} while (r == -1 && errno == EINTR);
	if (r != 1)
		fail_msg("the pidfd never became readable");
	assert_int_equal(mock_fd_fire(&f->mh, idx, RDD_FD_READ), 0);
}

static int
command(struct fx *f, const char *verb)
{
	struct rdd_command *c = mock_command_begin(&f->mh);
	const char *argv[] = {verb, NULL};

	rdd_plugin.command(f->ctx, c, 1, argv);
	return mock_command_id(c);
}

static int
recover(struct fx *f)
{
	struct rdd_recovery *r = mock_recovery_begin(&f->mh);

	rdd_plugin.recover(f->ctx, r, "web", "restart", 1);
	return mock_recovery_id(r);
}

static const char *
state_get(struct fx *f, const char *key)
{
	return f->mh.host.state_get(mock_monitor(&f->mh), key);
}

static int
journal_count(const struct fx *f, const char *event)
{
	size_t i;
	int n = 0;

	for (i = 0; i < f->mh.njournal; i++)
		n += strcmp(f->mh.journal[i].event, event) == 0;
	return n;
}

static double
metric(const struct mock_report *r, const char *name)
{
	const struct mock_metric *m = mock_metric_find(r, name);

	if (m == NULL)
		fail_msg("no metric %s in \"%s\"", name, r->msg);
	return m->value;
}

/* The pid an owned start recorded: "PID STARTTIME" in the state. */
static pid_t
owned_pid(struct fx *f)
{
	const char *s = state_get(f, "pid");
	unsigned long long st = 0, want = 0;
	int pid = 0;

	assert_non_null(s);
	assert_int_equal(sscanf(s, "%d %llu", &pid, &st), 2);
	assert_true(pid > 1);
	/* As documented: field 22 of /proc/PID/stat, for adoption. */
	assert_int_equal(stat_of(pid, NULL, NULL, &want), 0);
	assert_true(st == want);
	return (pid_t)pid;
}

static void *
owned_cfg(struct fx *f, const char *command)
{
	return mock_config_new(&f->mh, &rdd_plugin, "command", command,
	    "stop_timeout", "3s", NULL);
}

/* ---- 1. options ---- */

static void
test_validate_one_mode(void **state)
{
	struct fx *f = *state;
	const struct rdd_plugin *pd = &rdd_plugin;
	struct mock_host *mh = &f->mh;

	assert_refused(f, mock_config_new(mh, pd, NULL), "no process named");
	assert_refused(f, mock_config_new(mh, pd, NULL),
	    "set exactly one of command = [...]");
	assert_refused(f,
	    mock_config_new(
	        mh, pd, "command", "/bin/true", "pidfile", "/run/a.pid", NULL),
	    "command, pidfile and match exclude each other");
	assert_refused(f,
	    mock_config_new(mh, pd, "command", "/bin/true", "match", "x", NULL),
	    "exclude each other");
	assert_refused(f,
	    mock_config_new(
	        mh, pd, "pidfile", "/run/a.pid", "match", "x", NULL),
	    "exclude each other");
	assert_refused(f,
	    mock_config_new(mh, pd, "command", "/bin/true", "pidfile",
	        "/run/a.pid", "match", "x", NULL),
	    "exclude each other");
	assert_accepted(
	    f, mock_config_new(mh, pd, "command", "/bin/true", NULL));
	assert_accepted(
	    f, mock_config_new(mh, pd, "pidfile", "/run/a.pid", NULL));
	assert_accepted(f, mock_config_new(mh, pd, "match", "^nginx", NULL));
}

static void
test_validate_owned_only(void **state)
{
	static const char *const opts[][2] = {{"user", "nobody"},
	    {"group", "nogroup"}, {"umask", "027"},
	    {"stdout_log", "/tmp/a.log"}, {"stderr_log", "/tmp/b.log"},
	    {"detach", "true"}};
	static const char *const modes[][2] = {
	    {"pidfile", "/run/a.pid"}, {"match", "^nginx"}};
	struct fx *f = *state;
	size_t i, k;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		for (k = 0; k < 2; k++) {
			void *cfg =
			    mock_config_new(&f->mh, &rdd_plugin, modes[k][0],
			        modes[k][1], opts[i][0], opts[i][1], NULL);

			char want[160];

			/* Names the option set, the mode, and the way out. */
			snprintf(want, sizeof(want),
			    "%s applies to an owned process (command = [...]) "
			    "only, not with %s: drop it",
			    opts[i][0], modes[k][0]);
			assert_refused(f, cfg, want);
		}
		/* The same option is fine for an owned process. */
		assert_accepted(
		    f, mock_config_new(&f->mh, &rdd_plugin, "command",
		           "/bin/true", opts[i][0], opts[i][1], NULL));
	}
}

static void
test_validate_owned_refuses_commands(void **state)
{
	static const char *const opts[] = {"start", "stop", "restart"};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < 3; i++) {
		assert_refused(f,
		    mock_config_new(&f->mh, &rdd_plugin, "command", "/bin/true",
		        opts[i], "/bin/true", NULL),
		    "start, stop and restart are for pidfile and match");
		assert_accepted(
		    f, mock_config_new(&f->mh, &rdd_plugin, "pidfile",
		           "/run/a.pid", opts[i], "/bin/true", NULL));
	}
}

static void
test_validate_bad_regex(void **state)
{
	static const char *const bad[] = {"(", "[z-a]", "a{2,1}", "x)("};
	struct fx *f = *state;
	char want[512], rerr[128];
	regex_t re;
	size_t i;
	int r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The premise: libc refuses it too, with this text. */
		r = regcomp(&re, bad[i], REG_EXTENDED | REG_NOSUB);
		assert_int_not_equal(r, 0);
		regerror(r, &re, rerr, sizeof(rerr));
		snprintf(want, sizeof(want), "match: \"%s\": %s: give a POSIX",
		    bad[i], rerr);
		assert_refused(f,
		    mock_config_new(&f->mh, &rdd_plugin, "match", bad[i], NULL),
		    want);
	}
	assert_accepted(f, mock_config_new(&f->mh, &rdd_plugin, "match",
	                       "^/usr/sbin/nginx( |$)", NULL));
}

static void
test_validate_threshold_order(void **state)
{
	static const char *const pairs[][3] = {{"mem", "2M", "1M"},
	    {"cpu", "90", "80.5"}, {"fds", "100", "10"},
	    {"threads", "50", "5"}};
	struct fx *f = *state;
	char w[32], c[32], want[64];
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		snprintf(w, sizeof(w), "%s_warn", pairs[i][0]);
		snprintf(c, sizeof(c), "%s_crit", pairs[i][0]);
		snprintf(want, sizeof(want), "%s_warn is above %s_crit",
		    pairs[i][0], pairs[i][0]);
		assert_refused(f,
		    mock_config_new(&f->mh, &rdd_plugin, "pidfile", "/run/a", w,
		        pairs[i][1], c, pairs[i][2], NULL),
		    want);
		/* In order, equal, or only one of them: fine. */
		assert_accepted(
		    f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", "/run/a",
		           w, pairs[i][2], c, pairs[i][1], NULL));
		assert_accepted(
		    f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", "/run/a",
		           w, pairs[i][1], c, pairs[i][1], NULL));
		assert_accepted(
		    f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", "/run/a",
		           w, pairs[i][1], NULL));
		assert_accepted(
		    f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", "/run/a",
		           c, pairs[i][2], NULL));
	}
	/* uptime is the other way round: too short is the worse. */
	assert_refused(f,
	    mock_config_new(&f->mh, &rdd_plugin, "pidfile", "/run/a",
	        "uptime_warn", "1m", "uptime_crit", "5m", NULL),
	    "uptime_warn is below uptime_crit");
	assert_accepted(
	    f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", "/run/a",
	           "uptime_warn", "5m", "uptime_crit", "1m", NULL));
}

/* The option table's ranges, as the config parser applies them. */
static void
test_options_ranges(void **state)
{
	static const char *const out[][2] = {{"start_timeout", "5ms"},
	    {"start_timeout", "2h"}, {"stop_timeout", "9ms"},
	    {"stop_timeout", "61m"}, {"command_timeout", "99ms"},
	    {"probe_timeout", "11m"}, {"cpu_window", "2d"}, {"port", "65536"},
	    {"port", "-1"}, {"log_keep", "100"}, {"log_max", "5G"},
	    {"cpu_warn", "-1"}, {"fds_crit", "-3"}};
	static const char *const in[][2] = {{"start_timeout", "10ms"},
	    {"start_timeout", "1h"}, {"stop_timeout", "10ms"},
	    {"command_timeout", "100ms"}, {"probe_timeout", "10m"},
	    {"cpu_window", "0"}, {"port", "65535"}, {"log_keep", "0"},
	    {"log_max", "4G"}};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		if (mock_config_new(&f->mh, &rdd_plugin, "pidfile", "/run/a",
		        out[i][0], out[i][1], NULL) != NULL)
			fail_msg("%s = %s accepted", out[i][0], out[i][1]);
		if (strstr(f->mh.error, out[i][0]) == NULL)
			fail_msg(
			    "\"%s\" does not name %s", f->mh.error, out[i][0]);
	}
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_accepted(
		    f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", "/run/a",
		           in[i][0], in[i][1], NULL));
}

static void
test_validate_misc(void **state)
{
	struct fx *f = *state;
	const struct rdd_plugin *pd = &rdd_plugin;
	struct mock_host *mh = &f->mh;

	assert_refused(f,
	    mock_config_new(mh, pd, "command", "/bin/true", "cwd", "srv", NULL),
	    "cwd: \"srv\" is not an absolute path");
	assert_refused(f,
	    mock_config_new(mh, pd, "command", "/bin/true", "env",
	        "[\"A=1\", \"NOEQUALS\"]", NULL),
	    "env: entry 2 \"NOEQUALS\" is not K=V");
	assert_refused(f,
	    mock_config_new(
	        mh, pd, "command", "/bin/true", "env", "[\"=1\"]", NULL),
	    "env: entry 1");
	assert_refused(f,
	    mock_config_new(
	        mh, pd, "command", "/bin/true", "umask", "\"089\"", NULL),
	    "umask: \"089\" is not an octal mode");
	assert_refused(f,
	    mock_config_new(
	        mh, pd, "command", "/bin/true", "umask", "\"1777\"", NULL),
	    "umask");
	assert_refused(f,
	    mock_config_new(
	        mh, pd, "command", "/bin/true", "stop_signal", "STOP", NULL),
	    "stop_signal: \"STOP\": use TERM");
	assert_accepted(f, mock_config_new(mh, pd, "command", "/bin/true",
	                       "stop_signal", "SIGINT", NULL));
	assert_refused(f,
	    mock_config_new(
	        mh, pd, "command", "/bin/true", "url", "ftp://h/", NULL),
	    "url: \"ftp://h/\" is not an http");
	assert_refused(f, mock_config_new(mh, pd, "command", "[\"\"]", NULL),
	    "command: the program is empty");
	assert_refused(f,
	    mock_config_new(mh, pd, "command", "[\"/bin/sleep 10\"]", NULL),
	    "command: \"/bin/sleep 10\" is one string with blanks");
	assert_refused(f,
	    mock_config_new(mh, pd, "pidfile", "/run/a", "start",
	        "[\"systemctl start app\"]", NULL),
	    "start: \"systemctl start app\" is one string");
}

static void
test_create_refusals(void **state)
{
	struct fx *f = *state;
	char err[512] = "";
	void *cfg, *ctx = NULL;

	/* An unknown user is found at create, not between fork and exec. */
	cfg = cfg_ok(f, mock_config_new(&f->mh, &rdd_plugin, "command",
	                    "/bin/true", "user", "rdd-no-such-user-zz", NULL));
	assert_int_equal(rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh),
	                     cfg, &ctx, err, sizeof(err)),
	    -1);
	assert_null(ctx);
	assert_non_null(strstr(err, "user: no user \"rdd-no-such-user-zz\""));

	/* It needs read_only (ABI 1.2): an older host is told to upgrade. */
	cfg = cfg_ok(f,
	    mock_config_new(&f->mh, &rdd_plugin, "command", "/bin/true", NULL));
	mock_host_set_minor(&f->mh, 1);
	assert_int_equal(rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh),
	                     cfg, &ctx, err, sizeof(err)),
	    -1);
	assert_null(ctx);
	assert_non_null(strstr(err, "plugin ABI 1.2 or later"));
	mock_host_set_minor(&f->mh, 4);
}

/* ---- 2. pidfile ---- */

static void
test_pidfile_live(void **state)
{
	struct fx *f = *state;
	const struct mock_report *r;
	char buf[512];
	pid_t pid;

	pid = spawn_sleep("sleep");
	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	write_file(f->pidfile, buf);
	fx_start(f,
	    mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile, NULL));

	r = check(f);
	snprintf(buf, sizeof(buf), "pid %d running", (int)pid);
	assert_msg(r, RDD_OK, buf);
	assert_true(metric(r, "pid") == (double)pid);
	(void)pidfd_watch(f);
	/* Found, not owned: nothing is recorded for adoption. */
	assert_null(state_get(f, "pid"));

	/*
	 * The exit is pushed from the pidfd, with no check, and how it ended
	 * although it is not the plugin's child (a zombie's stat, or pidfs).
	 */
	assert_int_equal(kill(pid, SIGKILL), 0);
	fire_exit(f);
	assert_int_equal(npushes(f), 1);
	snprintf(buf, sizeof(buf), "pid %d killed by signal 9", (int)pid);
	assert_msg(last_push(f), RDD_CRITICAL, buf);
	assert_int_equal(active_fds(f), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);

	snprintf(buf, sizeof(buf), "not running: pid %d from %s is gone",
	    (int)pid, f->pidfile);
	assert_msg(check(f), RDD_CRITICAL, buf);

	/* Found again when the pidfile names a new process. */
	pid = spawn_sleep("sleep");
	snprintf(buf, sizeof(buf), "  %d  \nsecond line\n", (int)pid);
	write_file(f->pidfile, buf);
	snprintf(buf, sizeof(buf), "pid %d running", (int)pid);
	assert_msg(check(f), RDD_OK, buf);
	(void)pidfd_watch(f);
}

static void
test_pidfile_missing(void **state)
{
	struct fx *f = *state;
	char want[512];

	fx_start(f,
	    mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile, NULL));
	snprintf(want, sizeof(want),
	    "not running: pidfile %s: No such file or directory", f->pidfile);
	assert_msg(check(f), RDD_CRITICAL, want);
	assert_int_equal(active_fds(f), 0);
}

static void
test_pidfile_dead_pid(void **state)
{
	struct fx *f = *state;
	char buf[64], want[512];
	pid_t pid = dead_pid();

	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	write_file(f->pidfile, buf);
	fx_start(f,
	    mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile, NULL));
	snprintf(want, sizeof(want), "not running: pid %d from %s is gone",
	    (int)pid, f->pidfile);
	assert_msg(check(f), RDD_CRITICAL, want);
	assert_int_equal(active_fds(f), 0);
}

static void
test_pidfile_garbage(void **state)
{
	static const char *const junk[] = {"abc", "", "\n", "12x", "12 34",
	    "99999999999999999999999", "4194305", "-5", "0", "+7", "0x1f",
	    "\n42\n", "\x01\xff"};
	struct fx *f = *state;
	char want[512];
	size_t i;

	fx_start(f,
	    mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile, NULL));
	snprintf(want, sizeof(want),
	    "not running: pidfile %s holds no pid (expected a number on its "
	    "first line)",
	    f->pidfile);
	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		const struct mock_report *r;

		write_file(f->pidfile, junk[i]);
		r = check(f);
		if (r->state != RDD_CRITICAL || strcmp(r->msg, want) != 0)
			fail_msg("pidfile \"%s\": state %d \"%s\"", junk[i],
			    (int)r->state, r->msg);
		assert_int_equal(active_fds(f), 0);
	}
}

/* ---- 3. match ---- */

static void
test_match(void **state)
{
	struct fx *f = *state;
	unsigned long long sa = 0, sb = 0;
	int64_t until = now_ms() + DEADLINE_MS;
	char name[64], re[96], want[96];
	pid_t a, b;

	snprintf(name, sizeof(name), "rdd-ptest-%d-m", (int)getpid());
	snprintf(re, sizeof(re), "^%s 3600$", name);
	a = spawn_sleep(name);
	assert_int_equal(stat_of(a, NULL, NULL, &sa), 0);
	/* A younger twin: started in a later clock tick than a. */
	for (;;) {
		b = spawn_sleep(name);
		assert_int_equal(stat_of(b, NULL, NULL, &sb), 0);
		if (sb != sa)
			break;
		kill(b, SIGKILL);
		waitpid(b, NULL, 0);
		assert_true(now_ms() < until);
	}
	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "match", re, NULL));

	/* The oldest of the matches is watched. */
	snprintf(want, sizeof(want), "pid %d running", (int)a);
	assert_msg(check(f), RDD_OK, want);
	(void)pidfd_watch(f);

	assert_int_equal(kill(a, SIGKILL), 0);
	fire_exit(f);
	snprintf(want, sizeof(want), "pid %d killed by signal 9", (int)a);
	assert_msg(last_push(f), RDD_CRITICAL, want);
	assert_int_equal(waitpid(a, NULL, 0), a);

	/* The next check finds the other one. */
	snprintf(want, sizeof(want), "pid %d running", (int)b);
	assert_msg(check(f), RDD_OK, want);
}

static void
test_match_none(void **state)
{
	struct fx *f = *state;
	char re[96], want[160];

	snprintf(re, sizeof(re), "^rdd-ptest-%d-none", (int)getpid());
	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "match", re, NULL));
	snprintf(
	    want, sizeof(want), "not running: no process matches \"%s\"", re);
	assert_msg(check(f), RDD_CRITICAL, want);
	assert_int_equal(active_fds(f), 0);
}

/* ---- 4. owned ---- */

static void
test_owned_start_exit_restart(void **state)
{
	struct fx *f = *state;
	const struct mock_report *r;
	char want[128], path[300];
	struct stat sb;
	pid_t pid, pid2;
	int rid;

	fx_start(f, owned_cfg(f, "[\"sleep\", \"3600\"]"));
	pid = owned_pid(f);
	assert_true(running(pid));
	assert_int_equal(journal_count(f, "process-start"), 1);
	assert_non_null(state_get(f, "definition"));
	/* Its logs default to the monitor's state directory. */
	snprintf(path, sizeof(path), "%s/stdout.log", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/stderr.log", f->dir);
	assert_int_equal(stat(path, &sb), 0);

	wait_asleep(pid);
	r = check(f);
	snprintf(want, sizeof(want), "pid %d running", (int)pid);
	assert_msg(r, RDD_OK, want);
	assert_true(metric(r, "pid") == (double)pid);
	assert_true(metric(r, "starts") == 1);
	assert_true(metric(r, "threads") == 1);
	/* stdin, stdout and stderr: nothing of ours leaked into it. */
	assert_true(metric(r, "fds") == 3);
	assert_true(metric(r, "rss") > 0);
	assert_true(metric(r, "rss_total") >= metric(r, "rss"));

	/* A kill -9 is pushed at once, with the status of our child. */
	assert_int_equal(kill(pid, SIGKILL), 0);
	fire_exit(f);
	assert_int_equal(npushes(f), 1);
	snprintf(want, sizeof(want), "pid %d killed by signal 9", (int)pid);
	assert_msg(last_push(f), RDD_CRITICAL, want);
	/* The plugin reaped it. */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_msg(check(f), RDD_CRITICAL, "not running: killed by signal 9");

	/* The engine's restart starts a new one. */
	rid = recover(f);
	assert_int_equal(f->mh.recoveries[rid].done, 1);
	assert_int_equal(f->mh.recoveries[rid].ok, RDD_RECOVERY_OK);
	pid2 = owned_pid(f);
	assert_int_not_equal(pid2, pid);
	snprintf(want, sizeof(want), "pid %d running", (int)pid2);
	assert_string_equal(f->mh.recoveries[rid].msg, want);
	r = check(f);
	assert_msg(r, RDD_OK, want);
	assert_true(metric(r, "starts") == 2);
	assert_int_equal(journal_count(f, "process-start"), 2);

	/* status */
	rid = command(f, "status");
	assert_int_equal(f->mh.commands[rid].done, 1);
	assert_int_equal(f->mh.commands[rid].ok, 1);
	snprintf(want, sizeof(want), "pid %d", (int)pid2);
	assert_string_equal(f->mh.commands[rid].text, want);
	rid = command(f, "frobnicate");
	assert_int_equal(f->mh.commands[rid].ok, 0);

	/* A shutdown stops it (stop_signal to its group) and waits. */
	fx_destroy(f);
	assert_false(running(pid2));
	assert_non_null(strstr(state_get(f, "pid"), " stopped"));
}

static void
test_owned_exit_status(void **state)
{
	struct fx *f = *state;
	char want[128];
	pid_t pid;

	fx_start(f, owned_cfg(f, "[\"/bin/sh\", \"-c\", \"exit 3\"]"));
	pid = owned_pid(f);
	fire_exit(f);
	snprintf(want, sizeof(want), "pid %d exited with status 3", (int)pid);
	assert_msg(last_push(f), RDD_CRITICAL, want);
	assert_msg(check(f), RDD_CRITICAL, "not running: exited with status 3");
}

static void
test_owned_missing_binary(void **state)
{
	static const char *const cmds[] = {
	    "/nonexistent/rdd-ptest-bin", "rdd-ptest-not-in-path"};
	struct fx *f = *state;
	char want[256];
	size_t i;
	int rid;

	for (i = 0; i < 2; i++) {
		snprintf(want, sizeof(want),
		    "cannot run %s: No such file or directory: fix command=",
		    cmds[i]);
		/* Not fatal at start: logged, then checked and retried. */
		fx_start(f, owned_cfg(f, cmds[i]));
		assert_true(mock_log_find(&f->mh, want) >= 0);
		assert_null(state_get(f, "pid"));
		assert_int_equal(active_fds(f), 0);
		assert_msg(check(f), RDD_CRITICAL, want);
		rid = recover(f);
		assert_int_equal(f->mh.recoveries[rid].done, 1);
		assert_int_equal(f->mh.recoveries[rid].ok, RDD_RECOVERY_FAILED);
		assert_non_null(strstr(f->mh.recoveries[rid].msg, want));
		fx_destroy(f);
	}
}

/* ---- 5. operator intent ---- */

static void
test_operator_stop_start(void **state)
{
	struct fx *f = *state;
	char want[128];
	pid_t pid, pid2;
	int cid, rid, pushes;

	fx_start(f, owned_cfg(f, "[\"sleep\", \"3600\"]"));
	pid = owned_pid(f);

	cid = command(f, "stop");
	assert_int_equal(f->mh.commands[cid].done, 0); /* waits for the exit */
	assert_string_equal(state_get(f, "operator_stopped"), "1");
	assert_int_equal(journal_count(f, "operator-stop"), 1);
	/* Another operation meanwhile is refused, not interleaved. */
	rid = command(f, "start");
	assert_int_equal(f->mh.commands[rid].ok, 0);
	assert_non_null(strstr(f->mh.commands[rid].text, "in flight"));

	fire_exit(f);
	assert_int_equal(f->mh.commands[cid].done, 1);
	assert_int_equal(f->mh.commands[cid].ok, 1);
	snprintf(want, sizeof(want), "pid %d stopped (killed by signal 15",
	    (int)pid);
	assert_non_null(strstr(f->mh.commands[cid].text, want));
	/* Told at once, and OK: the exit was wanted. */
	assert_msg(last_push(f), RDD_OK, "stopped by an operator");
	pushes = npushes(f);
	assert_msg(check(f), RDD_OK,
	    "stopped by an operator: redundancyctl run MONITOR start");

	/* Not restarted by the engine. */
	rid = recover(f);
	assert_int_equal(f->mh.recoveries[rid].ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_non_null(strstr(f->mh.recoveries[rid].msg, "stopped by an"));
	assert_int_equal(journal_count(f, "process-start"), 1);
	assert_int_equal(npushes(f), pushes);

	cid = command(f, "start");
	assert_int_equal(f->mh.commands[cid].done, 1);
	assert_int_equal(f->mh.commands[cid].ok, 1);
	assert_null(state_get(f, "operator_stopped"));
	pid2 = owned_pid(f);
	assert_int_not_equal(pid2, pid);
	snprintf(want, sizeof(want), "pid %d running", (int)pid2);
	assert_string_equal(f->mh.commands[cid].text, want);
	assert_msg(last_push(f), RDD_OK, want);
	assert_msg(check(f), RDD_OK, want);
	(void)pidfd_watch(f);

	/* start again: already running, nothing started. */
	cid = command(f, "start");
	assert_int_equal(f->mh.commands[cid].ok, 1);
	assert_non_null(strstr(f->mh.commands[cid].text, "already running"));
	assert_int_equal(journal_count(f, "process-start"), 2);
}

/* The stop is in the state: a new instance (daemon restart) keeps it. */
static void
test_operator_stop_outlives_restart(void **state)
{
	struct fx *f = *state;
	int cid;

	f->mh.host.state_set(mock_monitor(&f->mh), "operator_stopped", "1");
	fx_start(f, owned_cfg(f, "[\"sleep\", \"3600\"]"));
	assert_int_equal(journal_count(f, "process-start"), 0);
	assert_null(state_get(f, "pid"));
	assert_msg(check(f), RDD_OK, "stopped by an operator");

	cid = command(f, "start");
	assert_int_equal(f->mh.commands[cid].ok, 1);
	assert_true(running(owned_pid(f)));
	assert_msg(check(f), RDD_OK, "running");
}

/* A process that ignores stop_signal gets SIGKILL at stop_timeout. */
static void
test_operator_stop_escalates(void **state)
{
	struct fx *f = *state;
	int64_t until = now_ms() + DEADLINE_MS;
	char comm[32] = "", path[64];
	struct mock_timer *t;
	FILE *fp;
	pid_t pid;
	int cid;

	fx_start(f, owned_cfg(f, "[\"/bin/sh\", \"-c\", "
	                         "\"trap '' TERM; exec sleep 3600\"]"));
	pid = owned_pid(f);
	/* The trap is set once the shell has become sleep. */
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	while (strcmp(comm, "sleep\n") != 0) {
		assert_true(now_ms() < until);
		if ((fp = fopen(path, "r")) != NULL) {
			if (fgets(comm, sizeof(comm), fp) == NULL)
				comm[0] = '\0';
			fclose(fp);
		}
		if (strcmp(comm, "sleep\n") != 0)
			tick();
	}

	cid = command(f, "stop");
	t = f->mh.timers[mock_timer_last(&f->mh)];
	assert_true(t->active);
	assert_int_equal(t->ms, 3000); /* stop_timeout */
	/* TERM is ignored: it still runs when stop_timeout is over. */
	assert_true(running(pid));
	assert_int_equal(f->mh.commands[cid].done, 0);
	assert_int_equal(
	    mock_timer_fire(&f->mh, (size_t)mock_timer_last(&f->mh)), 0);
	assert_true(mock_log_find(&f->mh, "SIGKILL") >= 0);
	fire_exit(f);
	assert_int_equal(f->mh.commands[cid].ok, 1);
	assert_non_null(strstr(f->mh.commands[cid].text, "killed by signal 9"));
}

/* ---- 5b. a stop from outside: a clean exit is respected ---- */

/*
 * Field 52 of /proc/PID/stat (a zombie's wait status, as Linux 6.18 wrote
 * it for a process killed by SIGTERM); a shorter line of an older kernel
 * parses without it.
 */
static void
test_stat_exit_code(void **state)
{
	static const char z[] =
	    "23221 (python3) Z 23114 23105 6038 0 -1 4228172 240 0 0 0 0 0 0 "
	    "0 20 0 1 0 1576646 0 0 18446744073709551615 0 0 0 0 0 0 0 "
	    "16781312 2 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 15\n";
	static const char old[] =
	    "1234 (nginx: master) S 1 1234 1234 0 -1 4194560 300 0 0 0 5 3 0 "
	    "0 20 0 1 0 98765 12345678 600 18446744073709551615 1 1 0 0 0 0 0 "
	    "4096 0 0 0 0 17 0 0 0 0 0 0\n";
	struct procfs_stat st;

	(void)state;
	assert_int_equal(procfs_stat_parse(z, sizeof(z) - 1, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.has_exit, 1);
	assert_true(WIFSIGNALED(st.exit_code));
	assert_int_equal(WTERMSIG(st.exit_code), SIGTERM);
	assert_int_equal(procfs_stat_parse(old, sizeof(old) - 1, &st), 0);
	assert_int_equal(st.starttime, 98765);
	assert_int_equal(st.has_exit, 0);
}

/* The state's record of a stop from outside: "BOOTID MESSAGE". */
static void
boot_id(char *buf, size_t len)
{
	FILE *fp = fopen("/proc/sys/kernel/random/boot_id", "r");

	assert_non_null(fp);
	assert_non_null(fgets(buf, (int)len, fp));
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * How an owned process ends decides: a clean exit (systemd's set: 0 and
 * the stop signals, also as a shell's 128+N) is a stop, anything else a
 * failure that the engine repairs.
 */
static void
test_outside_stop_exit_codes(void **state)
{
	static const struct {
		const char *cmd;
		enum rdd_state st;
		const char *want;
	} cases[] = {
	    {"exit 0", RDD_WARNING, "exited with status 0"},
	    {"exit 143", RDD_WARNING, "exited with status 143"},
	    {"exit 130", RDD_WARNING, "exited with status 130"},
	    {"kill -TERM $$", RDD_WARNING, "killed by signal 15"},
	    {"kill -HUP $$", RDD_WARNING, "killed by signal 1"},
	    {"exit 1", RDD_CRITICAL, "exited with status 1"},
	    {"exit 137", RDD_CRITICAL, "exited with status 137"},
	    {"kill -SEGV $$", RDD_CRITICAL, "killed by signal 11"},
	    {"kill -KILL $$", RDD_CRITICAL, "killed by signal 9"},
	};
	struct fx *f = *state;
	char cmd[128], want[160];
	size_t i;
	pid_t pid;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd), "[\"/bin/sh\", \"-c\", \"%s\"]",
		    cases[i].cmd);
		fx_start(f, owned_cfg(f, cmd));
		pid = owned_pid(f);
		fire_exit(f);
		snprintf(
		    want, sizeof(want), "pid %d %s", (int)pid, cases[i].want);
		assert_msg(last_push(f), cases[i].st, want);
		if (cases[i].st == RDD_WARNING) {
			assert_msg(last_push(f), RDD_WARNING,
			    "stopped outside redundancyd");
			assert_msg(check(f), RDD_WARNING,
			    "not restarted; redundancyctl run web start");
			assert_non_null(state_get(f, "outside_stopped"));
		} else {
			assert_msg(check(f), RDD_CRITICAL, "not running");
			assert_null(state_get(f, "outside_stopped"));
		}
		fx_destroy(f);
		f->mh.host.state_set(mock_monitor(&f->mh), "pid", NULL);
		f->mh.host.state_set(
		    mock_monitor(&f->mh), "outside_stopped", NULL);
	}
}

/* Respected: no recovery, journaled, kept; run start brings it back. */
static void
test_outside_stop_respected(void **state)
{
	struct fx *f = *state;
	char boot[64], want[160];
	const char *rec;
	pid_t pid;
	int rid, cid;

	fx_start(f, owned_cfg(f, "[\"sleep\", \"3600\"]"));
	pid = owned_pid(f);
	wait_asleep(pid);
	assert_int_equal(kill(pid, SIGTERM), 0);
	fire_exit(f);
	snprintf(want, sizeof(want),
	    "stopped outside redundancyd: pid %d killed by signal 15",
	    (int)pid);
	assert_msg(last_push(f), RDD_WARNING, want);
	assert_int_equal(journal_count(f, "outside-stop"), 1);

	/* The engine's restart does not apply, not even forced. */
	rid = recover(f);
	assert_int_equal(f->mh.recoveries[rid].done, 1);
	assert_int_equal(f->mh.recoveries[rid].ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_non_null(strstr(f->mh.recoveries[rid].msg, "clean exit"));
	assert_int_equal(journal_count(f, "process-start"), 1);

	/* Kept with this boot's id, so a daemon restart keeps it too. */
	boot_id(boot, sizeof(boot));
	rec = state_get(f, "outside_stopped");
	assert_non_null(rec);
	assert_true(strncmp(rec, boot, strlen(boot)) == 0);
	assert_non_null(strstr(rec, want));

	cid = command(f, "start");
	assert_int_equal(f->mh.commands[cid].ok, 1);
	assert_null(state_get(f, "outside_stopped"));
	assert_true(running(owned_pid(f)));
	assert_msg(check(f), RDD_OK, "running");
	/* Now a failure is repaired as ever. */
	assert_int_equal(kill(owned_pid(f), SIGKILL), 0);
	fire_exit(f);
	assert_msg(last_push(f), RDD_CRITICAL, "killed by signal 9");
}

/* restart_on = "always": every exit is a failure (Monit's way). */
static void
test_outside_stop_always(void **state)
{
	struct fx *f = *state;

	assert_refused(f,
	    mock_config_new(&f->mh, &rdd_plugin, "command", "/bin/true",
	        "restart_on", "sometimes", NULL),
	    "restart_on = \"sometimes\": expected \"failure\"");
	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "command",
	                "[\"/bin/sh\", \"-c\", \"exit 0\"]", "restart_on",
	                "always", NULL));
	fire_exit(f);
	assert_msg(last_push(f), RDD_CRITICAL, "exited with status 0");
	assert_null(state_get(f, "outside_stopped"));
	assert_int_equal(journal_count(f, "outside-stop"), 0);
}

/*
 * A daemon restart keeps the stop (the process is not started); a
 * record from another boot is dropped (the machine restarted: started).
 */
static void
test_outside_stop_boots(void **state)
{
	struct fx *f = *state;
	char boot[64], rec[256];

	boot_id(boot, sizeof(boot));
	snprintf(rec, sizeof(rec),
	    "%s stopped outside redundancyd: pid 7 "
	    "exited with status 0, a clean exit",
	    boot);
	f->mh.host.state_set(mock_monitor(&f->mh), "outside_stopped", rec);
	fx_start(f, owned_cfg(f, "[\"sleep\", \"3600\"]"));
	assert_int_equal(journal_count(f, "process-start"), 0);
	assert_null(state_get(f, "pid"));
	assert_msg(check(f), RDD_WARNING, "pid 7 exited with status 0");
	fx_destroy(f);

	f->mh.host.state_set(mock_monitor(&f->mh), "outside_stopped",
	    "00000000-0000-0000-0000-000000000000 stopped outside "
	    "redundancyd: pid 7 exited with status 0");
	fx_start(f, owned_cfg(f, "[\"sleep\", \"3600\"]"));
	assert_int_equal(journal_count(f, "process-start"), 1);
	assert_true(running(owned_pid(f)));
	assert_null(state_get(f, "outside_stopped"));
	assert_true(mock_log_find(&f->mh, "before the machine restarted") >= 0);
}

/*
 * A found process stopped cleanly (not the plugin's child: its status
 * comes from a zombie's stat or pidfs) is not started; when someone
 * starts it again, it is watched again without a check.
 */
static void
test_outside_stop_found(void **state)
{
	struct fx *f = *state;
	char buf[64], want[160];
	pid_t a, b;
	int t;

	a = spawn_sleep("sleep");
	snprintf(buf, sizeof(buf), "%d\n", (int)a);
	write_file(f->pidfile, buf);
	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile,
	                "start", "[\"/bin/false\"]", NULL));
	assert_msg(check(f), RDD_OK, "running");
	wait_asleep(a);
	assert_int_equal(kill(a, SIGTERM), 0);
	fire_exit(f);
	snprintf(want, sizeof(want),
	    "stopped outside redundancyd: pid %d killed by signal 15", (int)a);
	assert_msg(last_push(f), RDD_WARNING, want);
	assert_int_equal(waitpid(a, NULL, 0), a);
	assert_msg(check(f), RDD_WARNING, want);

	/* Someone starts it again: the return timer finds it. */
	b = spawn_sleep("sleep");
	snprintf(buf, sizeof(buf), "%d\n", (int)b);
	write_file(f->pidfile, buf);
	t = mock_timer_last(&f->mh);
	assert_true(t >= 0 && f->mh.timers[t]->active);
	assert_int_equal(f->mh.timers[t]->ms, 2000);
	assert_int_equal(mock_timer_fire(&f->mh, (size_t)t), 0);
	snprintf(want, sizeof(want), "pid %d running", (int)b);
	assert_msg(last_push(f), RDD_OK, want);
	assert_int_equal(journal_count(f, "outside-start"), 1);
	assert_null(state_get(f, "outside_stopped"));
	(void)pidfd_watch(f);
}

/* A watch-only match monitor: no start to offer, so none is named. */
static void
test_outside_stop_watch_only(void **state)
{
	struct fx *f = *state;
	char name[64], re[96], want[160];
	pid_t a;

	snprintf(name, sizeof(name), "rdd-ptest-%d-w", (int)getpid());
	snprintf(re, sizeof(re), "^%s 3600$", name);
	a = spawn_sleep(name);
	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "match", re, NULL));
	assert_msg(check(f), RDD_OK, "running");
	wait_asleep(a);
	assert_int_equal(kill(a, SIGINT), 0);
	fire_exit(f);
	snprintf(want, sizeof(want),
	    "pid %d killed by signal 2 (Interrupt), a clean exit, not a "
	    "failure: not restarted; watched again once it runs",
	    (int)a);
	assert_msg(last_push(f), RDD_WARNING, want);
	assert_int_equal(waitpid(a, NULL, 0), a);
	assert_msg(check(f), RDD_WARNING, want);
}

/* ---- 5c. a probe without an answer: slow or hung, not dead ---- */

/* A check whose url probe the test answers with res: its report. */
static const struct mock_report *
check_url(struct fx *f, const struct rdd_http_response *res)
{
	int done = f->mh.checks_done, h;

	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(f->mh.checks_done, done);
	h = mock_http_last(&f->mh);
	assert_true(h >= 0);
	assert_int_equal(mock_http_complete(&f->mh, (size_t)h, res), 0);
	assert_int_equal(f->mh.checks_done, done + 1);
	return &f->mh.reports[f->mh.nreports - 1];
}

static void
test_probe_timeout_unknown(void **state)
{
	struct fx *f = *state;
	struct rdd_http_response
	    slow = {RDD_HTTP_TIMEDOUT,
	        "Operation timed out after 5000 milliseconds", 0, "", 0, "",
	        5000},
	    refused = {7, "Couldn't connect to server", 0, "", 0, "", 1};

	/* Just started: not listening yet is what starting looks like. */
	fx_start(f,
	    mock_config_new(&f->mh, &rdd_plugin, "command",
	        "[\"sleep\", \"3600\"]", "url", "http://127.0.0.1:9/", NULL));
	assert_msg(check_url(f, &refused), RDD_UNKNOWN,
	    "Couldn't connect to server; started ");
	assert_msg(&f->mh.reports[f->mh.nreports - 1], RDD_UNKNOWN,
	    "not judged before start_timeout = 10.0 s");
	fx_destroy(f);

	/*
	 * A process that has run for long, found by its pidfile: init. Only
	 * read (and probed through the mock): nothing is sent to it.
	 */
	write_file(f->pidfile, "1\n");
	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile,
	                "url", "http://127.0.0.1:9/", NULL));
	/* No answer: UNKNOWN, which the engine never acts on. */
	assert_msg(check_url(f, &slow), RDD_UNKNOWN,
	    "Operation timed out after 5000 milliseconds; running but not "
	    "answering for 0 s: slow or hung, not acted on before hang_max = "
	    "300 s");
	assert_msg(check_url(f, &slow), RDD_UNKNOWN, "slow or hung");
	/* A refusal is an answer: CRITICAL at once. */
	assert_msg(check_url(f, &refused), RDD_CRITICAL,
	    "http://127.0.0.1:9/: Couldn't connect to server");
	assert_null(strstr(f->mh.reports[f->mh.nreports - 1].msg, "hang"));
	fx_destroy(f);

	/* hang_max = 0: Monit's way, a timeout is CRITICAL at once. */
	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile,
	                "url", "http://127.0.0.1:9/", "hang_max", "0", NULL));
	assert_msg(check_url(f, &slow), RDD_CRITICAL,
	    "no answer for 0 s: hung (hang_max = 0 s)");
}

/*
 * The port probe's own timeout: a listener whose accept queue is full
 * drops the SYN, so the connect neither succeeds nor fails (loopback).
 */
static void
test_port_timeout_unknown(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char port[16];
	int l, c1, t, done;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 0), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &sl), 0);
	c1 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c1, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(port, sizeof(port), "%d", (int)ntohs(sa.sin_port));

	write_file(f->pidfile, "1\n"); /* init: long running, only read */
	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile,
	                "port", port, NULL));
	done = f->mh.checks_done;
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(f->mh.checks_done, done); /* the connect waits */
	t = mock_timer_last(&f->mh);
	assert_true(t >= 0 && f->mh.timers[t]->ms == 5000);
	assert_int_equal(mock_timer_fire(&f->mh, (size_t)t), 0);
	assert_int_equal(f->mh.checks_done, done + 1);
	assert_msg(&f->mh.reports[f->mh.nreports - 1], RDD_UNKNOWN,
	    "no answer within 5000 ms; running but not answering");
	close(c1);
	close(l);
}

/* A reload keeps the process: the next instance adopts it by pid. */
static void
test_adopt_after_reload(void **state)
{
	struct fx *f = *state;
	char want[64];
	void *cfg;
	pid_t pid;
	int st;

	cfg = owned_cfg(f, "[\"sleep\", \"3600\"]");
	fx_start(f, cfg);
	pid = owned_pid(f);
	f->mh.stopping_for_good = 0; /* a reload */
	mock_plugin_stop(&f->mh, &rdd_plugin, f->ctx);
	rdd_plugin.destroy(f->ctx);
	f->ctx = NULL;
	assert_true(running(pid));
	assert_true(mock_log_find(&f->mh, "keeps running") >= 0);
	assert_int_equal(f->mh.violations, 0);
	mock_host_reset(&f->mh);

	fx_start(f, cfg);
	assert_int_equal(journal_count(f, "process-adopt"), 1);
	assert_int_equal(journal_count(f, "process-start"), 0);
	assert_int_equal(owned_pid(f), pid);
	snprintf(want, sizeof(want), "pid %d running", (int)pid);
	assert_msg(check(f), RDD_OK, want);
	(void)pidfd_watch(f);

	/* A shutdown for good: stop_signal, waited for, record marked. */
	fx_destroy(f);
	assert_false(running(pid));
	assert_non_null(strstr(state_get(f, "pid"), " stopped"));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
}

/* ---- 6. thresholds ---- */

static void
test_thresholds_memory(void **state)
{
	struct fx *f = *state;
	const struct mock_report *r;
	char buf[32];
	pid_t pid = spawn_sleep("sleep");

	wait_asleep(pid);
	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	write_file(f->pidfile, buf);

	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile,
	                "mem_warn", "1K", "mem_crit", "1G", NULL));
	r = check(f);
	assert_msg(r, RDD_WARNING, "memory");
	assert_msg(r, RDD_WARNING, "(mem_warn)");
	assert_true(metric(r, "rss_total") > 1024);
	fx_destroy(f);

	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile,
	                "mem_warn", "1K", "mem_crit", "2K", NULL));
	r = check(f);
	assert_msg(r, RDD_CRITICAL, "(mem_crit)");
	assert_null(strstr(r->msg, "(mem_warn)"));
	assert_true(metric(r, "rss_total") > 2048);
	assert_true(metric(r, "pid") == (double)pid);
	fx_destroy(f);

	/* Far above: OK. */
	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile,
	                "mem_warn", "1G", "mem_crit", "2G", NULL));
	assert_msg(check(f), RDD_OK, "running");
}

static void
test_thresholds_counts(void **state)
{
	struct fx *f = *state;
	const struct mock_report *r;
	int rid;

	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "command",
	                "[\"sleep\", \"3600\"]", "threads_warn", "1",
	                "fds_warn", "3", "fds_crit", "4", NULL));
	wait_asleep(owned_pid(f));
	r = check(f);
	assert_msg(r, RDD_WARNING, "threads 1 >= warning 1 (threads_warn)");
	assert_msg(r, RDD_WARNING, "open fds 3 >= warning 3 (fds_warn)");
	fx_destroy(f);

	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "command",
	                "[\"sleep\", \"3600\"]", "fds_crit", "3", NULL));
	wait_asleep(owned_pid(f));
	r = check(f);
	assert_msg(r, RDD_CRITICAL, "open fds 3 >= critical 3 (fds_crit)");
	assert_true(metric(r, "fds") == 3);
	fx_destroy(f);

	/* Just started: below uptime_crit (a restart loop). */
	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "command",
	                "[\"sleep\", \"3600\"]", "uptime_crit", "1h", NULL));
	r = check(f);
	assert_msg(r, RDD_CRITICAL, "(uptime_crit)");
	assert_true(metric(r, "uptime") < 3600);
	/* ...which another restart would not cure: not ours to act on. */
	rid = recover(f);
	assert_int_equal(f->mh.recoveries[rid].done, 1);
	assert_int_equal(f->mh.recoveries[rid].ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_non_null(strstr(f->mh.recoveries[rid].msg, "uptime_crit"));
	/* A crash is a failure of its own, and repaired. */
	assert_int_equal(kill(owned_pid(f), SIGKILL), 0);
	fire_exit(f);
	rid = recover(f);
	assert_int_equal(f->mh.recoveries[rid].done, 1);
	assert_int_equal(f->mh.recoveries[rid].ok, RDD_RECOVERY_OK);
	fx_destroy(f);

	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "command",
	                "[\"sleep\", \"3600\"]", "threads_warn", "2",
	                "fds_warn", "4", NULL));
	wait_asleep(owned_pid(f));
	assert_msg(check(f), RDD_OK, "running");
}

static void
test_thresholds_cpu(void **state)
{
	struct fx *f = *state;
	unsigned long long t0 = 0;
	const struct mock_report *r;
	int64_t until = now_ms() + DEADLINE_MS;
	char buf[32], path[64];
	FILE *fp;
	pid_t pid;

	/* A child of ours that only burns CPU (no exec: it never returns). */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		volatile unsigned long spin = 0;

		for (;;)
			spin++;
	}
	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	write_file(f->pidfile, buf);
	fx_start(f, mock_config_new(&f->mh, &rdd_plugin, "pidfile", f->pidfile,
	                "cpu_warn", "0.1", "cpu_crit", "100000", NULL));

	/* One sample is no rate: no cpu metric, no threshold. */
	r = check(f);
	assert_msg(r, RDD_OK, "running");
	assert_null(mock_metric_find(r, "cpu"));

	/* Until it has run at least two more clock ticks. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (;; tick()) {
		unsigned long long u = 0, s = 0;
		char b[1024], *p;
		size_t n;

		assert_true(now_ms() < until);
		assert_non_null(fp = fopen(path, "r"));
		n = fread(b, 1, sizeof(b) - 1, fp);
		fclose(fp);
		b[n] = '\0';
		assert_non_null(p = strrchr(b, ')'));
		/* utime and stime: fields 14 and 15. */
		assert_int_equal(sscanf(p + 2,
		                     "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
		                     "%*u %llu %llu",
		                     &u, &s),
		    2);
		if (t0 == 0)
			t0 = u + s + 1;
		else if (u + s >= t0 + 1)
			break;
	}
	r = check(f);
	assert_true(metric(r, "cpu") > 0.1);
	assert_msg(r, RDD_WARNING, "(cpu_warn)");
}

/* ---- one log poll for every owned process, handed on at a stop ---- */

static void
grow_file(const char *path, size_t n)
{
	FILE *fp = fopen(path, "a");
	size_t i;

	assert_non_null(fp);
	for (i = 0; i < n; i++)
		fputc('x', fp);
	assert_int_equal(fclose(fp), 0);
}

static void
test_rotation_timer_shared(void **state)
{
	struct fx *f = *state;
	char alog[320], blog[320], rotated[330];
	void *a = NULL, *b = NULL;
	char err[512] = "";
	int t1, t2, active = 0;
	size_t i;
	struct stat sb;

	snprintf(alog, sizeof(alog), "%s/a.log", f->dir);
	snprintf(blog, sizeof(blog), "%s/b.log", f->dir);
	assert_int_equal(
	    rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh),
	        cfg_ok(f, mock_config_new(&f->mh, &rdd_plugin, "command",
	                      "[\"sleep\", \"3600\"]", "stdout_log", alog,
	                      "log_max", "1K", NULL)),
	        &a, err, sizeof(err)),
	    0);
	assert_int_equal(
	    mock_plugin_start(&f->mh, &rdd_plugin, a, err, sizeof(err)), 0);
	t1 = mock_timer_last(&f->mh);
	assert_true(t1 >= 0);
	fx_start(f, cfg_ok(f, mock_config_new(&f->mh, &rdd_plugin, "command",
	                          "[\"sleep\", \"3600\"]", "stdout_log", blog,
	                          "log_max", "1K", NULL)));
	b = f->ctx;
	assert_non_null(b);
	/* The second owned process shares the first one's poll. */
	assert_int_equal(mock_timer_last(&f->mh), t1);
	/* The owner stops: the poll moves to b, one timer still. */
	mock_plugin_stop(&f->mh, &rdd_plugin, a);
	rdd_plugin.destroy(a);
	t2 = mock_timer_last(&f->mh);
	assert_true(t2 > t1);
	for (i = 0; i < f->mh.ntimers; i++)
		active += f->mh.timers[i]->active;
	assert_int_equal(active, 1);
	/* b's log past log_max: the moved poll rotates it. */
	grow_file(blog, 3000);
	assert_int_equal(mock_timer_fire(&f->mh, (size_t)t2), 0);
	snprintf(rotated, sizeof(rotated), "%s.1", blog);
	assert_int_equal(stat(rotated, &sb), 0);
	assert_true(sb.st_size > 0);
	assert_int_equal(stat(blog, &sb), 0);
	assert_true(sb.st_size < 3000);
}

/* ---- a stop whose exit a check sees before the pidfd does ---- */

/*
 * A check that runs after an operator's stop made the process exit, but
 * before the loop dispatched the pidfd (both ready in one loop turn, or no
 * pidfd support), used to forget the pid and drop the pidfd watch: the
 * stop was never answered, the phase stayed "in flight" for good and the
 * owned child stayed a zombie. Whoever sees the exit first ends the stop.
 */
static void
test_stop_seen_by_check_first(void **state)
{
	struct fx *f = *state;
	struct pollfd pfd;
	char st = 0;
	pid_t pid;
	int stop, start;

	fx_start(f, owned_cfg(f, "[\"sleep\", \"3600\"]"));
	pid = owned_pid(f);
	stop = command(f, "stop");
	pfd.fd = f->mh.fds[pidfd_watch(f)]->fd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, DEADLINE_MS), 1); /* it exited */
	/* The check's turn comes first. */
	assert_msg(check(f), RDD_OK, "stopped by an operator");
	assert_int_equal(f->mh.commands[stop].done, 1);
	assert_int_equal(f->mh.commands[stop].ok, 1);
	/* The stop_timeout timer, if one is still armed, finds nothing. */
	(void)mock_timer_fire(&f->mh, (size_t)mock_timer_last(&f->mh));
	start = command(f, "start");
	assert_int_equal(f->mh.commands[start].ok, 1);
	/* Reaped by the plugin: no zombie of it is left. */
	assert_true(stat_of(pid, &st, NULL, NULL) != 0 || st != 'Z');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_validate_one_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_validate_owned_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_validate_owned_refuses_commands, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_validate_bad_regex, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_validate_threshold_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_options_ranges, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_validate_misc, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_create_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pidfile_live, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_pidfile_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_pidfile_dead_pid, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_pidfile_garbage, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_match, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_match_none, setup, teardown),
	    cmocka_unit_test(test_stat_exit_code),
	    cmocka_unit_test_setup_teardown(
	        test_outside_stop_exit_codes, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_outside_stop_respected, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_outside_stop_always, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_outside_stop_boots, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_outside_stop_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_outside_stop_watch_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_probe_timeout_unknown, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_port_timeout_unknown, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_owned_start_exit_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_owned_exit_status, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_owned_missing_binary, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_operator_stop_start, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_operator_stop_outlives_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_operator_stop_escalates, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_adopt_after_reload, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_thresholds_memory, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_thresholds_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_thresholds_cpu, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_stop_seen_by_check_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_rotation_timer_shared, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
