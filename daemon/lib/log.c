/*
 * log.c: system.log, one file per monitor, stderr and syslog; every line is
 * redacted and escaped to a single line before it is written.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, explicit_bzero */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "rdd.h"

#define LOG_MSGMAX 65536	/* a plugin dumping a child's stdout stays sane */
#define LOG_MODE 0640
#define LOG_DIRMODE 0750
/*
 * Monitor log files kept open at once; the least recently written one is
 * closed for the next. A thousand monitors must not take a thousand fds
 * from the children and sockets that need them.
 */
#define LOG_MAX_OPEN 32

struct log_file {
	char *name;	/* monitor name */
	int fd;		/* -1: open lazily on the next line */
	int partial;    /* may end mid-line after a failed write */
	int warned;	/* an open failure is reported once, not per line */
	uint64_t used;	/* tick of the last line, for closing the oldest */
};

/*
 * Process-wide like stderr and syslog themselves: plugins and modules log
 * from anywhere without carrying a handle.
 */
static struct {
	int setup;
	char *dir;
	int foreground;
	int syslog;
	enum rdd_log_level level;
	int sysfd;
	int syspartial; /* system.log may end mid-line */
	struct log_file *mon;
	size_t nmon;
	size_t nopen;
	uint64_t tick;
	log_sink_fn sink;	/* a worker's: lines go to the master */
	void *sink_arg;
} log_st = { .sysfd = -1 };

static const char *
log_level_name(enum rdd_log_level lvl)
{
	switch (lvl) {
	case RDD_LOG_ERR:
		return "ERROR";
	case RDD_LOG_WARN:
		return "WARN";
	case RDD_LOG_INFO:
		return "INFO";
	case RDD_LOG_DEBUG:
		return "DEBUG";
	}
	return "INFO";
}

static int
log_syslog_prio(enum rdd_log_level lvl)
{
	switch (lvl) {
	case RDD_LOG_ERR:
		return LOG_ERR;
	case RDD_LOG_WARN:
		return LOG_WARNING;
	case RDD_LOG_INFO:
		return LOG_INFO;
	case RDD_LOG_DEBUG:
		return LOG_DEBUG;
	}
	return LOG_INFO;
}

static int
log_env_debug(void)
{
	const char *v = getenv("DEBUG_REDUNDANCY");

	return v != NULL && (strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0);
}

/* mkdir -p; kept here so logging works before anything else is set up. */
static int
log_mkdirs(const char *dir)
{
	char *p, *s;
	struct stat sb;

	if (stat(dir, &sb) == 0)
		return S_ISDIR(sb.st_mode) ? 0 : (errno = ENOTDIR, -1);
	if ((s = strdup(dir)) == NULL)
		return -1;
	for (p = s + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, LOG_DIRMODE) == -1 && errno != EEXIST) {
			free(s);
			return -1;
		}
		*p = '/';
	}
	free(s);
	if (mkdir(dir, LOG_DIRMODE) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* why: filled on failure, "cannot open: ..." or "is a FIFO, ...". */
static int
log_open_file(const char *dir, const char *name, char *why, size_t whylen)
{
	const char *kind;
	char path[4096];
	int n, fd;

	n = snprintf(path, sizeof(path), "%s/%s.log", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(
		    why, whylen, "cannot open %s.log: path too long", name);
		return -1;
	}
	/* O_RDWR: a short write is undone only after reading it back. */
	fd = util_open_regular(
	    path, O_RDWR | O_APPEND | O_CREAT, LOG_MODE, &kind);
	if (fd == -1 && kind != NULL)
		snprintf(why, whylen,
		    "%s is %s, not a regular file: move it away (redundancyd "
		    "creates the file)",
		    path, kind);
	else if (fd == -1)
		snprintf(why, whylen,
		    "cannot open %s.log: %s: fix the directory's owner or mode",
		    name, strerror(errno));
	return fd;
}

/*
 * A monitor name becomes a file name: anything that could leave the log
 * directory or hide the file is replaced.
 */
static char *
log_file_name(const char *monitor)
{
	char *s;
	size_t i;

	if ((s = strdup(monitor)) == NULL)
		return NULL;
	if (strlen(s) > 200)
		s[200] = '\0';
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    (c == '.' && i > 0)))
			s[i] = '_';
	}
	/* "system" would mix a monitor into the daemon's own file. */
	if (s[0] == '\0' || strcmp(s, "system") == 0) {
		free(s);
		return strdup("monitor-system");
	}
	return s;
}

static void
log_close_oldest(void)
{
	struct log_file *old = NULL;
	size_t i;

	for (i = 0; i < log_st.nmon; i++)
		if (log_st.mon[i].fd != -1 &&
		    (old == NULL || log_st.mon[i].used < old->used))
			old = &log_st.mon[i];
	if (old != NULL) {
		close(old->fd);
		old->fd = -1;
		log_st.nopen--;
	}
}

/* The monitor's open file, or NULL: its lines go to system.log only. */
static struct log_file *
log_monitor_file(const char *monitor)
{
	struct log_file *v;
	char *name, why[4300];
	size_t i;

	if (log_st.dir == NULL)
		return NULL;
	for (i = 0; i < log_st.nmon; i++)
		if (strcmp(log_st.mon[i].name, monitor) == 0)
			break;
	if (i == log_st.nmon) {
		v = reallocarray(log_st.mon, log_st.nmon + 1, sizeof(*v));
		if (v == NULL)
			return NULL;
		log_st.mon = v;
		if ((v[i].name = strdup(monitor)) == NULL)
			return NULL;
		v[i].fd = -1;
		v[i].warned = 0;
		log_st.nmon++;
	}
	log_st.mon[i].used = ++log_st.tick;
	if (log_st.mon[i].fd == -1) {
		if (log_st.nopen >= LOG_MAX_OPEN)
			log_close_oldest();
		if ((name = log_file_name(monitor)) == NULL)
			return NULL;
		log_st.mon[i].fd =
		    log_open_file(log_st.dir, name, why, sizeof(why));
		if (log_st.mon[i].fd != -1) {
			log_st.mon[i].partial =
			    util_ends_midline(log_st.mon[i].fd);
			log_st.nopen++;
		}
		if (log_st.mon[i].fd == -1 && !log_st.mon[i].warned) {
			log_st.mon[i].warned = 1;
			/* monitor NULL: cannot recurse into this table. */
			log_err("log_dir %s: %s; its lines go to "
			        "system.log only",
			    log_st.dir, why);
		} else if (log_st.mon[i].fd != -1)
			log_st.mon[i].warned = 0;
		free(name);
	}
	return log_st.mon[i].fd != -1 ? &log_st.mon[i] : NULL;
}

/*
 * A file: one write(2) per line, O_APPEND keeps concurrent lines whole and
 * util_append never leaves half a line for the next one to be glued to.
 * The failure itself cannot be logged to the file that fails; the journal
 * and the state file, which matter more, report theirs.
 */
static void
log_put_file(int fd, int *partial, const char *buf, size_t len)
{
	(void)util_append(fd, buf, len, partial);
}

/* stderr may be a pipe or a terminal: write it all. */
static void
log_put(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += w;
		len -= (size_t)w;
	}
}

/*
 * One call must stay one line whatever the message holds, so that nobody
 * can forge a log line through a process name or an API error text.
 */
static char *
log_escape(const char *s, int *changed)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t n = 0;
	char *out, *o;

	*changed = 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\\')
			n += 2;
		else if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			n += 4;
		else
			n++;
	}
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (o = out, p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\\') {
			*o++ = '\\';
			*o++ = *p == '\n' ? 'n' : *p == '\r' ? 'r' : '\\';
			*changed = 1;
		} else if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 0xf];
			*changed = 1;
		} else
			*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

static void
log_timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char tmp[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", tmp, (int)(ts.tv_nsec / 1000000));
}

/* The message as it may be shown anywhere: redacted, then one line. */
static char *
log_clean(const char *monitor, const char *msg)
{
	char *tmp, *red, *esc, *out;
	int changed, n;

	if (monitor != NULL) {
		n = asprintf(&tmp, "[%s] %s", monitor, msg);
		if (n == -1)
			return NULL;
	} else if ((tmp = strdup(msg)) == NULL)
		return NULL;
	red = redact_str(tmp);
	free(tmp);
	if (red == NULL)
		return NULL;
	esc = log_escape(red, &changed);
	free(red);
	if (esc == NULL || !changed)
		return esc;
	/* Escaping added backslashes: a secret could only match now. */
	out = redact_str(esc);
	free(esc);
	return out;
}

/* A daemon starting in the background: its errors, for the parent. */
static int log_start_fd = -1;

void
log_start_errors(int fd)
{
	log_start_fd = fd;
}

void
log_vwrite(const char *monitor, enum rdd_log_level lvl, const char *fmt,
    va_list ap)
{
	char stack[1024], ts[64], *msg, *clean, *line;
	struct log_file *mf;
	int n, saved = errno;
	va_list aq;

	/* Before setup only the environment can ask for debug lines. */
	if (lvl > (log_st.setup ? log_st.level :
	    log_env_debug() ? RDD_LOG_DEBUG : RDD_LOG_INFO))
		return;
	va_copy(aq, ap);
	n = vsnprintf(stack, sizeof(stack), fmt, aq);
	va_end(aq);
	if (n < 0)
		goto out;
	msg = stack;
	if ((size_t)n >= sizeof(stack)) {
		if (n > LOG_MSGMAX)
			n = LOG_MSGMAX;
		if ((msg = malloc((size_t)n + 1)) == NULL)
			goto out;
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
	}
	if (log_st.sink != NULL) {
		/* A worker: the master filters, redacts and writes. */
		log_st.sink(log_st.sink_arg, monitor, lvl, msg);
		if (msg != stack)
			free(msg);
		goto out;
	}
	clean = log_clean(monitor, msg);
	if (msg != stack)
		free(msg);
	/* Unredacted text never goes out, not even on a malloc failure. */
	if (clean == NULL)
		goto out;

	log_timestamp(ts, sizeof(ts));
	n = asprintf(&line, "%s %s %s\n", ts, log_level_name(lvl), clean);
	if (n == -1) {
		free(clean);
		goto out;
	}
	if (!log_st.setup || log_st.foreground)
		log_put(STDERR_FILENO, line, (size_t)n);
	else if (log_start_fd >= 0 && lvl <= RDD_LOG_ERR)
		log_put(log_start_fd, line, (size_t)n);
	if (log_st.setup) {
		if (log_st.sysfd != -1)
			log_put_file(
			    log_st.sysfd, &log_st.syspartial, line, (size_t)n);
		if (monitor != NULL && (mf = log_monitor_file(monitor)) != NULL)
			log_put_file(mf->fd, &mf->partial, line, (size_t)n);
		if (log_st.syslog)
			syslog(log_syslog_prio(lvl), "%s", clean);
	}
	free(line);
	free(clean);
out:
	errno = saved;
}

/*
 * A disk that is full stays full for a while: the first failure is logged
 * as it is, later ones are counted and summed up in one line at most every
 * LOG_LIMIT_EVERY_MS (at the next failure after that), and the end of the
 * streak is logged once.
 */
void
log_limit_fail(
    struct log_limit *l, enum rdd_log_level lvl, const char *fmt, ...)
{
	int64_t now = util_now_ms();
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->ok = 0;
	l->total++;
	if (l->total == 1) {
		l->first_ms = now;
		l->said_ms = now;
		l->unsaid = 0;
		log_write(NULL, lvl, "%s", msg);
		return;
	}
	l->unsaid++;
	if (now - l->said_ms < LOG_LIMIT_EVERY_MS)
		return;
	log_write(NULL, lvl,
	    "%s (failed %lu more times in the last %lld s, %lu in all since "
	    "%lld s ago)",
	    msg, l->unsaid, (long long)(now - l->said_ms) / 1000, l->total,
	    (long long)(now - l->first_ms) / 1000);
	l->said_ms = now;
	l->unsaid = 0;
}

void
log_limit_ok(struct log_limit *l, const char *fmt, ...)
{
	int64_t now;
	char msg[1024];
	va_list ap;

	if (l->total == 0)
		return;
	now = util_now_ms();
	if (!l->ok) {
		l->ok = 1;
		l->ok_ms = now;
	}
	if (now - l->ok_ms < LOG_LIMIT_SETTLE_MS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_write(NULL, RDD_LOG_INFO, "%s after %lu failure%s over %lld s", msg,
	    l->total, l->total == 1 ? "" : "s",
	    (long long)(l->ok_ms - l->first_ms) / 1000);
	memset(l, 0, sizeof(*l));
}

void
log_set_sink(log_sink_fn fn, void *arg)
{
	log_st.sink = fn;
	log_st.sink_arg = arg;
}

int
log_enabled(enum rdd_log_level lvl)
{
	return lvl <= (log_st.setup ? log_st.level :
	    log_env_debug() ? RDD_LOG_DEBUG : RDD_LOG_INFO);
}

void
log_write(const char *monitor, enum rdd_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(monitor, lvl, fmt, ap);
	va_end(ap);
}

int
log_setup(const struct log_conf *lc, char *err, size_t errlen)
{
	int fd = -1;
	char *dir = NULL, why[4300];

	if (lc->dir != NULL && lc->dir[0] != '\0') {
		if (log_mkdirs(lc->dir) == -1) {
			snprintf(err, errlen,
			    "log_dir %s: cannot create: %s: create it or fix "
			    "daemon.log_dir", lc->dir, strerror(errno));
			return -1;
		}
		if ((dir = strdup(lc->dir)) == NULL) {
			snprintf(err, errlen, "log_dir %s: out of memory",
			    lc->dir);
			return -1;
		}
		if ((fd = log_open_file(dir, "system", why, sizeof(why))) ==
		    -1) {
			snprintf(err, errlen, "log_dir %s: %s", dir, why);
			free(dir);
			return -1;
		}
	}
	log_close();
	log_st.dir = dir;
	log_st.sysfd = fd;
	log_st.syspartial = fd != -1 && util_ends_midline(fd);
	log_st.foreground = lc->foreground;
	log_st.level = log_env_debug() ? RDD_LOG_DEBUG : lc->level;
	log_st.syslog = lc->syslog;
	if (log_st.syslog)
		openlog("redundancyd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_st.setup = 1;
	return 0;
}

/* SIGUSR1 after logrotate renamed the files: the next line starts anew. */
void
log_reopen(void)
{
	char why[4300];
	size_t i;
	int fd;

	if (!log_st.setup || log_st.dir == NULL)
		return;
	if ((fd = log_open_file(log_st.dir, "system", why, sizeof(why))) !=
	    -1) {
		if (log_st.sysfd != -1)
			close(log_st.sysfd);
		log_st.sysfd = fd;
		log_st.syspartial = util_ends_midline(fd);
	} else
		log_err("log_dir %s: reopen: %s; keeping the old system.log",
		    log_st.dir, why);
	for (i = 0; i < log_st.nmon; i++) {
		if (log_st.mon[i].fd != -1)
			close(log_st.mon[i].fd);
		log_st.mon[i].fd = -1;
	}
	log_st.nopen = 0;
}

void
log_close(void)
{
	size_t i;

	if (log_st.sysfd != -1)
		close(log_st.sysfd);
	log_st.sysfd = -1;
	for (i = 0; i < log_st.nmon; i++) {
		if (log_st.mon[i].fd != -1)
			close(log_st.mon[i].fd);
		free(log_st.mon[i].name);
	}
	free(log_st.mon);
	log_st.mon = NULL;
	log_st.nmon = 0;
	log_st.nopen = 0;
	free(log_st.dir);
	log_st.dir = NULL;
	if (log_st.syslog)
		closelog();
	log_st.syslog = 0;
	log_st.setup = 0;
}
