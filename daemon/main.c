/*
 * main.c: redundancyd's process life: options, configuration and plugins,
 * daemon mode and pidfile, signals, reload, graceful stop and --once.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "daemon.h"
#include "alerts/alerts.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONF SYSCONFDIR "/redundancyd/redundancyd.conf"

/* Exit codes, documented in redundancyd(8) and the README. */
#define EX_OK_ 0
#define EX_CONFIG 1	/* configuration or plugin error */
#define EX_START 2	/* could not set up sockets, files or the loop */
#define EX_RUNNING 3	/* another instance holds the pidfile */
#define EX_USAGE_ 64

struct opts {
	const char *conf;
	const char *pidfile;
	const char *plugin_help;
	const char *once_monitor;
	const char *environment; /* -e: overrides daemon.environment */
	int foreground, test, debug, once, json, plugins, man;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: redundancyd [-c FILE] [-e ENV] [-f] [-t] [-d] [-p PIDFILE] "
	    "[-V]\n"
	    "                   [--once [MONITOR]] [--plugins] "
	    "[--plugin-help PLUGIN]\n"
	    "  -c FILE      configuration (default %s)\n"
	    "  -e ENV       environment: also read conf.d/ENV/*.conf "
	    "(overrides\n"
	    "               daemon.environment of the main file)\n"
	    "  -f           stay in the foreground, log to stderr too\n"
	    "  -t           test the configuration and exit\n"
	    "  -d           debug logging (also DEBUG_REDUNDANCY=true)\n"
	    "  -p PIDFILE   pidfile (default from daemon.pidfile)\n"
	    "  -V           print the version and ABI and exit\n"
	    "  --once [M]   run every check (or monitor M's) once, print, "
	    "exit with the worst state\n"
	    "  --json       with --once: print JSON (states, messages, "
	    "findings)\n"
	    "  --plugins    list the plugin directory and why a file is "
	    "refused\n"
	    "  --plugin-help P  options and recovery actions of plugin P\n"
	    "  --man        with --plugin-help: as a man(7) section\n",
	    DEFAULT_CONF);
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "once", optional_argument, NULL, 'O' },
		{ "plugins", no_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'J' },
		{ "plugin-help", required_argument, NULL, 'H' },
		{ "man", no_argument, NULL, 'M' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->conf = DEFAULT_CONF;
	while ((ch = getopt_long(argc, argv, "c:e:ftdp:Vh", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 'e':
			o->environment = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 't':
			o->test = 1;
			break;
		case 'd':
			o->debug = 1;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 'V':
			printf("redundancyd %s (plugin ABI %d.%d)\n",
			    PACKAGE_VERSION, RDD_ABI_MAJOR, RDD_ABI_MINOR);
			exit(EX_OK_);
		case 'O':
			o->once = 1;
			if (optarg)
				o->once_monitor = optarg;
			else if (optind < argc && argv[optind][0] != '-')
				o->once_monitor = argv[optind++];
			break;
		case 'P':
			o->plugins = 1;
			break;
		case 'J':
			o->json = 1;
			break;
		case 'H':
			o->plugin_help = optarg;
			break;
		case 'M':
			o->man = 1;
			break;
		case 'h':
			usage(stdout);
			exit(EX_OK_);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "redundancyd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return -1;
	}
	if (o->json && !o->once) {
		fprintf(stderr, "redundancyd: --json goes with --once: add "
		                "--once\n");
		return -1;
	}
	if (o->man && o->plugin_help == NULL) {
		fprintf(stderr, "redundancyd: --man goes with --plugin-help: "
		                "add --plugin-help PLUGIN\n");
		return -1;
	}
	return 0;
}

static void
print_errs(const struct errlist *e, const char *prefix)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(stderr, "%s%s\n", prefix, e->v[i]);
}

/*
 * Configuration plus plugins: each plugin the monitors use is loaded in a
 * probe child that checks their options; the master keeps no plugin code.
 */
static struct conf *
load_all(struct rdd_daemon *d, const char *path, struct errlist *errs,
    struct errlist *warns)
{
	struct conf *c =
	    conf_load_with(path, d->env_override, NULL, 0, errs, warns);

	if (c == NULL)
		return NULL;
	/* Only the plugins monitors use, each checked in a child. */
	if (privsep_conf_check(c, errs) != 0 ||
	    probe_conf(c, d->once_monitor, errs) != 0 || errs->n > 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

static int
pidfile_lock(const char *path, int *fdp)
{
	char buf[32];
	ssize_t n;
	int fd, saved;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	/* /run/redundancyd/ is gone after a reboot unless systemd made it. */
	if (fd == -1 && errno == ENOENT) {
		char *dir = strdup(path), *sl;

		if (dir != NULL && (sl = strrchr(dir, '/')) != NULL &&
		    sl != dir) {
			*sl = '\0';
			if (util_mkdirs(dir, 0755) == 0)
				fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
				    0644);
		}
		saved = errno;
		free(dir);
		errno = saved;
	}
	if (fd == -1) {
		fprintf(stderr, "redundancyd: %s: %s: fix daemon.pidfile or -p\n",
		    path, strerror(errno));
		return EX_START;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fprintf(stderr, "redundancyd: already running as pid %s "
		    "(pidfile %s): stop it first or use another -p\n",
		    buf[0] ? buf : "?", path);
		close(fd);
		return EX_RUNNING;
	}
	*fdp = fd;
	return 0;
}

static void
pidfile_write(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warn("pidfile: cannot write: %m");
}

/*
 * Fork into the background; the parent exits only once the child reports
 * that it is listening, so `redundancyd && redundancyctl status` works.
 */
/*
 * The foreground parent of a background start: the child sends its error
 * lines, then one digit, its exit code. The terminal that started the
 * daemon is told why it did not start, not only the log.
 */
static int
daemonize_wait(int fd)
{
	char buf[4096], last = 0;
	ssize_t n;
	size_t k;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		k = (size_t)n;
		last = buf[k - 1];
		/* A lone digit at the end is the code, the rest is text. */
		if (last >= '0' && last <= '9' && (k == 1 || buf[k - 2] == '\n'))
			k--;
		else
			last = 0;
		if (k > 0 && write(STDERR_FILENO, buf, k) < 0)
			break;
	}
	if (last == 0) {
		fprintf(stderr, "redundancyd: the daemon ended during start-up "
		    "without a word: see its log (daemon.log_dir) or start it "
		    "with -f\n");
		return EX_START;
	}
	return last == '0' ? EX_OK_ : last - '0';
}

static int
daemonize(int *notify_fd)
{
	int p[2], devnull;
	pid_t pid;

	if (pipe(p) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0) {
		close(p[1]);
		_exit(daemonize_wait(p[0]));
	}
	close(p[0]);
	if (setsid() == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") == -1)
		return -1;
	if ((devnull = open("/dev/null", O_RDWR)) != -1) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
	*notify_fd = p[1];
	return 0;
}

/* systemd Type=notify and start-stop-daemon --notify-await. */
static void
notify_send(const char *msg)
{
	const char *ns = getenv("NOTIFY_SOCKET");

	if (ns && (ns[0] == '/' || ns[0] == '@') &&
	    strlen(ns) < sizeof(((struct sockaddr_un *)0)->sun_path)) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		socklen_t len;
		int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		strcpy(sun.sun_path, ns);
		if (ns[0] == '@')
			sun.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(ns));
		if (s != -1) {
			if (sendto(s, msg, strlen(msg), 0,
				(struct sockaddr *)&sun, len) == -1)
				log_warn("NOTIFY_SOCKET: %m");
			close(s);
		}
	}
}

static void
notify_ready(int *fd, int code)
{
	char c = (char)('0' + code);

	log_start_errors(-1);
	if (*fd >= 0) {
		if (write(*fd, &c, 1) != 1)
			log_warn("cannot tell the parent we started: %m");
		close(*fd);
		*fd = -1;
	}
	if (code == 0)
		notify_send("READY=1");
}

/*
 * systemd's WatchdogSec: a ping only while this loop turns and every
 * worker that should run answers, so a wedged daemon gets restarted.
 */
static void
daemon_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct rdd_daemon *d = arg;

	(void)fd;
	(void)what;
	if (workers_watchdog_ok(d))
		notify_send("WATCHDOG=1");
	else
		log_warn("watchdog: a plugin worker does not answer; not "
		    "telling systemd we are fine");
}

static struct event *
daemon_watchdog_start(struct rdd_daemon *d)
{
	const char *us = getenv("WATCHDOG_USEC"), *wp = getenv("WATCHDOG_PID");
	long long usec;
	struct timeval tv;
	struct event *ev;

	if (us == NULL || (usec = atoll(us)) <= 0 ||
	    (wp != NULL && atol(wp) != (long)getpid()))
		return NULL;
	usec /= 2;
	tv.tv_sec = usec / 1000000;
	tv.tv_usec = usec % 1000000;
	if ((ev = event_new(d->base, -1, EV_PERSIST, daemon_watchdog, d)))
		event_add(ev, &tv);
	return ev;
}

static void
daemon_state_changed(struct rdd_daemon *d)
{
	if (d->state && !d->once)
		(void)state_flush(d->state);
}

static void
daemon_finish(struct rdd_daemon *d)
{
	if (d->stop_ev) {
		event_free(d->stop_ev);
		d->stop_ev = NULL;
	}
	monitors_destroy(d, NULL);
	if (d->state && state_flush(d->state) != 0)
		log_err("state: final flush failed: %m: recovery counters of "
		    "this run may be lost");
	journal_write("stop", NULL, NULL, "redundancyd stopped", -1);
	alerts_event(d->alerts, AEV_LIFECYCLE, NULL, NULL,
	    "redundancyd stopped");
	event_base_loopexit(d->base, NULL);
}

static void
daemon_stop_poll(evutil_socket_t fd, short what, void *arg)
{
	struct rdd_daemon *d = arg;
	static const struct timeval tick = { 0, 50 * 1000 };
	int64_t left = d->conf->shutdown_deadline_ms -
	    (util_now_ms() - d->stop_began_ms);

	if (d->stop_phase == 0 && monitors_busy(d) && left > 0) {
		evtimer_add(d->stop_ev, &tick);
		return;
	}
	if (d->stop_phase == 0) {
		if (monitors_busy(d))
			log_warn("stopping with checks or recoveries still in "
			    "flight after %lld ms (daemon.shutdown_deadline)",
			    (long long)d->conf->shutdown_deadline_ms);
		/* Plugins get their stop() and destroy() in the workers. */
		d->stop_phase = 1;
		d->stop_began_ms = util_now_ms();
		/*
		 * A deadline of their own: with the first one spent, the
		 * workers were SIGKILLed before they read "stop", and the
		 * children of checks and recoveries in flight outlived us.
		 */
		left = d->conf->shutdown_deadline_ms;
		workers_stop_all(d, 0, NULL);
	}
	if (workers_alive(d) > 0 && left > 0) {
		evtimer_add(d->stop_ev, &tick);
		return;
	}
	daemon_finish(d);
}

static void
daemon_shutdown(struct rdd_daemon *d)
{
	size_t i;

	if (d->stopping)
		return;
	d->stopping = 1;
	log_info("stopping: %d recoveries and checks in flight get up to "
	    "%lld ms", d->recoveries, (long long)d->conf->shutdown_deadline_ms);
	for (i = 0; i < d->nmon; i++)
		evtimer_del(d->mon[i]->timer);
	recover_cancel_all(d);
	d->stop_began_ms = util_now_ms();
	d->stop_ev = evtimer_new(d->base, daemon_stop_poll, d);
	daemon_stop_poll(-1, 0, d);
}

/* Receivers and routes of the current configuration, at start and reload. */
static void
daemon_alerts_apply(struct rdd_daemon *d)
{
	const struct alert_receiver *r;
	size_t n;

	journal_set_identity(d->conf->host, d->conf->environment);
	r = alerts_conf_receivers(d->conf->alerts, &n);
	if (d->outbox)
		outbox_set_receivers(d->outbox, r, n);
	if (d->alerts)
		alerts_apply(d->alerts, d->conf->alerts);
}

/* Each applied configuration goes to the history; a failure only warns. */
static void
daemon_confhist(struct rdd_daemon *d, long uid, const char *why)
{
	char err[RDD_ERRLEN];

	if (d->confhist_dir != NULL && confhist_record(d->confhist_dir, d->conf,
	                                   uid, why, err, sizeof(err)) < 0)
		log_warn("config history: %s", err);
}

static int
daemon_reload(
    struct rdd_daemon *d, long uid, const char *why, char *err, size_t errlen)
{
	struct errlist errs = { 0 }, warns = { 0 };
	struct conf *nc;
	size_t i;

	nc = load_all(d, d->conf_path, &errs, &warns);
	for (i = 0; i < warns.n; i++)
		log_warn("reload: %s", warns.v[i]);
	if (nc == NULL) {
		for (i = 0; i < errs.n; i++)
			log_err("reload: %s", errs.v[i]);
		snprintf(err, errlen, "reload refused, the running "
		    "configuration stays: %s%s", errs.n ? errs.v[0] : "error",
		    errs.n > 1 ? " (and more: see system.log)" : "");
		journal_write("reload-failed", NULL, NULL, err, uid);
		errlist_free(&errs);
		errlist_free(&warns);
		return -1;
	}
	errlist_free(&warns);
	if (strcmp(nc->control_socket, d->conf->control_socket) != 0 ||
	    strcmp(nc->log_dir, d->conf->log_dir) != 0 ||
	    strcmp(nc->state_dir, d->conf->state_dir) != 0 ||
	    strcmp(nc->http_listen ? nc->http_listen : "",
		d->conf->http_listen ? d->conf->http_listen : "") != 0)
		log_warn("reload: changes to daemon sockets and directories "
		    "take effect at the next restart");
	/* A monitor that stays keeps what its plugin runs (its processes). */
	(void)rename_prepare(d, nc);
	monitors_destroy(d, nc);
	rename_apply(d, nc, uid);
	conf_free(d->conf);
	d->conf = nc;
	daemon_alerts_apply(d);
	if (monitors_create(d, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			log_err("reload: %s", errs.v[i]);
	}
	errlist_free(&errs);
	monitors_start(d, 0);
	snprintf(err, errlen, "configuration reloaded: %zu monitors", d->nmon);
	log_info("%s", err);
	journal_write("reload", NULL, NULL, err, uid);
	/* A signal's sender is not known (libevent gives no siginfo). */
	daemon_confhist(d, strcmp(why, "signal") == 0 ? -1 : uid, why);
	alerts_event(d->alerts, AEV_LIFECYCLE, NULL, NULL, err);
	return 0;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct rdd_daemon *d = arg;
	char err[RDD_ERRLEN];

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		daemon_shutdown(d);
		break;
	case SIGHUP:
		log_info("SIGHUP: reloading %s", d->conf_path);
		/* Who sent the signal is not known: the trigger says so. */
		(void)daemon_reload(
		    d, (long)getuid(), "signal", err, sizeof(err));
		break;
	case SIGUSR1:
		/* logrotate moved the files: new ones at the same paths. */
		log_reopen();
		if (journal_reopen(err, sizeof(err)) != 0)
			log_err("SIGUSR1: %s; records still go to the "
			        "old file",
			    err);
		log_info(
		    "SIGUSR1: log files reopened (system.log, the monitors' "
		    "logs and journal.jsonl)");
		break;
	}
}

static int
run_once_print(struct rdd_daemon *d, int json)
{
	enum rdd_state worst = RDD_OK;
	size_t i, j;
	static const int rank[] = { 0, 1, 3, 2 };
	char *doc;

	for (i = 0; i < d->nmon; i++) {
		struct monitor *m = d->mon[i];

		if (!json)
			printf("%s (%s): %s: %s\n", m->cm->name, m->pd->name,
			    util_state_name(m->state), m->msg ? m->msg : "");
		if (rank[m->state] > rank[worst])
			worst = m->state;
		for (j = 0; j < m->nt; j++) {
			struct target *t = m->t[j];

			if (!json)
				printf("  %-28s %-8s %s\n", t->name,
				    util_state_name(t->state),
				    t->msg ? t->msg : "");
			if (rank[t->state] > rank[worst])
				worst = t->state;
		}
	}
	if (json) {
		doc = engine_once_json(d, worst);
		if (doc == NULL)
			return (int)RDD_UNKNOWN;
		printf("%s\n", doc);
		free(doc);
	}
	return (int)worst;
}

static int
run(struct opts *o)
{
	struct rdd_daemon d0, *d = &d0;
	struct errlist errs = { 0 }, warns = { 0 };
	struct log_conf lc = { 0 };
	char err[RDD_ERRLEN];
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	int pidfd = -1, lockfd = -1, notify_fd = -1, rc = EX_OK_;
	long started_by;
	struct event *watchdog = NULL;
	char *pidpath = NULL;
	size_t i;

	memset(d, 0, sizeof(*d));
	/*
	 * Under a file size limit (ulimit -f, LimitFSIZE=) a write past it
	 * raises SIGXFSZ, which kills: ignored, the write fails with EFBIG
	 * and is handled like a full disk. Children get the default back.
	 */
	signal(SIGXFSZ, SIG_IGN);
	d->conf_path = realpath(o->conf, NULL);
	if (d->conf_path == NULL)
		d->conf_path = strdup(o->conf);
	d->once = o->once;
	d->once_monitor = o->once_monitor;
	d->env_override = o->environment;
	d->on_reload = daemon_reload;
	d->on_stop = daemon_shutdown;
	d->on_state_changed = daemon_state_changed;
	d->started_wall = util_wall_ms();
	lc.foreground = 1;
	lc.level = o->debug ? RDD_LOG_DEBUG : RDD_LOG_INFO;
	(void)log_setup(&lc, err, sizeof(err));

	if (o->plugins || o->plugin_help) {
		/* Each file is inspected in a child: a broken one is named. */
		struct conf *pc = conf_load_with(
		    d->conf_path, o->environment, NULL, 0, &errs, NULL);
		const char *dir = pc ? pc->plugin_dir : PLUGINDIR;

		if (pc == NULL)
			fprintf(stderr, "redundancyd: %s did not load; listing "
			    "%s\n", o->conf, PLUGINDIR);
		fflush(stdout);
		if (o->plugins) {
			if (loader_inspect_dir(dir, geteuid(), stdout) != 0) {
				fprintf(stderr, "redundancyd: %s: %s: set "
				    "daemon.plugin_dir\n", dir, strerror(errno));
				rc = EX_CONFIG;
			}
		} else if ((o->man ? loader_inspect_help_man
		                   : loader_inspect_help)(dir, o->plugin_help,
		               geteuid(), stdout) != 0)
			rc = EX_CONFIG;
		conf_free(pc);
		goto out;
	}
	d->conf = load_all(d, d->conf_path, &errs, &warns);
	print_errs(&warns, "warning: ");
	if (d->conf == NULL) {
		print_errs(&errs, "");
		fprintf(stderr, "redundancyd: %s: %zu error%s: nothing "
		    "started\n", o->conf, errs.n, errs.n == 1 ? "" : "s");
		rc = EX_CONFIG;
		goto out;
	}
	if (o->test) {
		printf("configuration OK: %s: %zu monitor%s, %zu file%s\n",
		    d->conf_path, d->conf->nmon, d->conf->nmon == 1 ? "" : "s",
		    d->conf->ncfgs, d->conf->ncfgs == 1 ? "" : "s");
		printf("environment: %s%s\n",
		    *d->conf->environment ? d->conf->environment : "(none)",
		    o->environment ? " (from -e)" : "");
		printf("host: %s\n", d->conf->host);
		/* The order matters: a later file's settings win. */
		printf("files, in the order read:\n");
		for (i = 0; i < d->conf->ncfgs; i++)
			printf("  %zu %s\n", i + 1, d->conf->files[i]);
		goto out;
	}

	if (!o->once) {
		const char *pf = o->pidfile ? o->pidfile : d->conf->pidfile;

		if (pf && *pf && (rc = pidfile_lock(pf, &pidfd)) != 0)
			goto out;
		if (pidfd >= 0)
			pidpath = strdup(pf);
		/*
		 * One daemon per state_dir, checked before anything in it is
		 * read, and before daemonizing so the refusal reaches the
		 * terminal. The flock is kept across the forks.
		 */
		if (util_mkdirs(d->conf->state_dir, 0750) != 0)
			log_warn(
			    "%s: %m: set daemon.state_dir", d->conf->state_dir);
		if (asprintf(&d->confhist_dir, "%s/config-history",
		        d->conf->state_dir) < 0)
			d->confhist_dir = NULL;
		if ((lockfd = state_lock(
		         d->conf->state_dir, err, sizeof(err))) == -1) {
			rc = errno == EWOULDBLOCK ? EX_RUNNING : EX_START;
			log_err("%s", err);
			goto out;
		}
		if (!o->foreground && daemonize(&notify_fd) == -1) {
			fprintf(stderr, "redundancyd: cannot daemonize: %s\n",
			    strerror(errno));
			rc = EX_START;
			goto out;
		}
		if (pidfd >= 0)
			pidfile_write(pidfd);
		log_start_errors(notify_fd);
		state_lock_pid(lockfd, d->conf->state_dir);
		lc.dir = d->conf->log_dir;
		lc.foreground = o->foreground;
		lc.syslog = d->conf->syslog;
		if (log_setup(&lc, err, sizeof(err)) != 0) {
			if (notify_fd >= 0)
				dprintf(notify_fd, "redundancyd: %s\n", err);
			else
				fprintf(stderr, "redundancyd: %s\n", err);
			rc = EX_START;
			goto out;
		}
	}

	/* The master runs no plugin code: services live in the workers. */
	d->base = event_base_new();
	if (d->base == NULL) {
		log_err("cannot set up the event loop");
		rc = EX_START;
		goto out;
	}
	if (!o->once) {
		char *jp = NULL, *sp = NULL;
		int jrc;

		/* Not err itself: the message quotes the path. */
		if (asprintf(&sp, "%s/state.json", d->conf->state_dir) < 0) {
			log_err("state: out of memory");
			rc = EX_START;
			goto out;
		}
		d->state = state_open(sp, err, sizeof(err));
		free(sp);
		if (d->state == NULL) {
			log_err("%s", err);
			rc = EX_START;
			goto out;
		}
		/* The audit trail is not optional: no journal, no start. */
		if (asprintf(&jp, "%s/journal.jsonl", d->conf->log_dir) < 0) {
			log_err("journal: out of memory");
			rc = EX_START;
			goto out;
		}
		jrc = journal_open(jp, err, sizeof(err));
		free(jp);
		if (jrc != 0) {
			log_err("%s", err);
			rc = EX_START;
			goto out;
		}
		snprintf(err, sizeof(err), "%s/outbox", d->conf->state_dir);
		if ((d->outbox = outbox_new(d, err, err, sizeof(err))) == NULL)
			log_warn("alerts: %s: notifications cannot be queued",
			    err);
		d->alerts = alerts_new(d);
		daemon_alerts_apply(d);
		d->ctl = control_new(d->base, d->conf->control_socket,
		    d->conf->control_group, ctlcmd_handle, d, err, sizeof(err));
		if (d->ctl == NULL) {
			log_err("control socket: %s", err);
			rc = EX_START;
			goto out;
		}
		if (d->conf->http_listen && *d->conf->http_listen &&
		    (d->httpd = httpd_new(d, d->conf->http_listen,
			 d->conf->http_any, err, sizeof(err))) == NULL) {
			log_err("http: %s", err);
			rc = EX_START;
			goto out;
		}
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			d->sig[i] = evsignal_new(d->base, sigs[i], on_signal, d);
			evsignal_add(d->sig[i], NULL);
		}
	}
	signal(SIGPIPE, SIG_IGN);
	started_by = (long)getuid();
	if (!o->once && privsep_master_drop(d->conf) != 0) {
		rc = EX_START;
		goto out;
	}

	if (monitors_create(d, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			log_err("%s", errs.v[i]);
		if (o->once) {
			rc = EX_CONFIG; /* a plugin's config error */
			goto out;
		}
	}
	if (o->once) {
		monitors_start(d, 0);
		if (d->pending_once > 0)
			event_base_dispatch(d->base);
		health_rollup(d);
		rc = run_once_print(d, o->json);
		monitors_destroy(d, NULL);
		goto out;
	}
	for (i = 0; i < warns.n; i++)
		log_warn("%s", warns.v[i]);
	log_info("redundancyd %s started: %zu monitors, plugin ABI %d.%d, "
	    "first checks in %lld ms", PACKAGE_VERSION, d->nmon, RDD_ABI_MAJOR,
	    RDD_ABI_MINOR, (long long)d->conf->startup_delay_ms);
	if (d->httpd)
		log_info("status page on http://%.*s:%d/ (also /health, "
		    "/metrics)", (int)strcspn(d->conf->http_listen, ":"),
		    d->conf->http_listen, httpd_port(d->httpd));
	journal_write("start", NULL, NULL, "redundancyd started", started_by);
	daemon_confhist(d, started_by, "start");
	alerts_event(d->alerts, AEV_LIFECYCLE, NULL, NULL,
	    "redundancyd started");
	/* Before any attempt: what a killed run's actions left running. */
	if (inflight_recover(d) != 0)
		log_warn("interrupted recoveries: out of memory: what they "
		    "left running is not stopped");
	monitors_start(d, d->conf->startup_delay_ms);
	notify_ready(&notify_fd, 0);
	watchdog = daemon_watchdog_start(d);
	event_base_dispatch(d->base);
	log_info("stopped");
	rc = EX_OK_;
out:
	if (notify_fd >= 0)
		notify_ready(&notify_fd, rc == 0 ? 0 : rc);
	if (d->nmon)
		monitors_destroy(d, NULL);
	workers_free(d);
	if (watchdog)
		event_free(watchdog);
	for (i = 0; i < sizeof(d->sig) / sizeof(d->sig[0]); i++)
		if (d->sig[i])
			event_free(d->sig[i]);
	ctlcmd_end_streams(d);
	if (d->httpd)
		httpd_free(d->httpd);
	if (d->ctl)
		control_free(d->ctl);
	alerts_free(d->alerts);
	outbox_free(d->outbox);
	inflight_free(d);
	stats_free(d);
	if (d->state)
		state_free(d->state);
	if (lockfd >= 0)
		close(lockfd);
	journal_close();
	if (d->conf)
		conf_free(d->conf);
	if (d->base)
		event_base_free(d->base);
	if (pidfd >= 0) {
		/* Unlink while still holding the lock: no window for a race. */
		if (pidpath)
			unlink(pidpath);
		close(pidfd);
	}
	free(pidpath);
	errlist_free(&errs);
	errlist_free(&warns);
	free(d->conf_path);
	free(d->confhist_dir);
	redact_clear();
	log_close();
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;

	if (parse_opts(argc, argv, &o) != 0)
		return EX_USAGE_;
	/*
	 * A status reply at 1,000 targets is 450 KB, built and sent on every
	 * call: kept in the heap instead of mapped and unmapped each time, it
	 * costs a third less (bench/isolation.sh). Workers reset this.
	 */
	mallopt(M_MMAP_THRESHOLD, MASTER_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, MASTER_TRIM_THRESHOLD);
	return run(&o);
}
