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

static int
log_open_file(const char *dir, const char *name)
{
	char path[4096];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s.log", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    LOG_MODE);
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

static int
log_monitor_fd(const char *monitor)
{
	struct log_file *v;
	char *name;
	size_t i;

	if (log_st.dir == NULL)
		return -1;
	for (i = 0; i < log_st.nmon; i++)
		if (strcmp(log_st.mon[i].name, monitor) == 0)
			break;
	if (i == log_st.nmon) {
		v = reallocarray(log_st.mon, log_st.nmon + 1, sizeof(*v));
		if (v == NULL)
			return -1;
		log_st.mon = v;
		if ((v[i].name = strdup(monitor)) == NULL)
			return -1;
		v[i].fd = -1;
		v[i].warned = 0;
		log_st.nmon++;
	}
	log_st.mon[i].used = ++log_st.tick;
	if (log_st.mon[i].fd == -1) {
		if (log_st.nopen >= LOG_MAX_OPEN)
			log_close_oldest();
		if ((name = log_file_name(monitor)) == NULL)
			return -1;
		log_st.mon[i].fd = log_open_file(log_st.dir, name);
		if (log_st.mon[i].fd != -1)
			log_st.nopen++;
		if (log_st.mon[i].fd == -1 && !log_st.mon[i].warned) {
			log_st.mon[i].warned = 1;
			/* monitor NULL: cannot recurse into this table. */
			log_err("log_dir %s: cannot open %s.log: %s: its lines "
			    "go to system.log only; fix the directory's mode",
			    log_st.dir, name, strerror(errno));
		} else if (log_st.mon[i].fd != -1)
			log_st.mon[i].warned = 0;
		free(name);
	}
	return log_st.mon[i].fd;
}

/* One write(2) per line: O_APPEND keeps concurrent lines whole. */
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
	int n, saved = errno, mfd;
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
			log_put(log_st.sysfd, line, (size_t)n);
		if (monitor != NULL && (mfd = log_monitor_fd(monitor)) != -1)
			log_put(mfd, line, (size_t)n);
		if (log_st.syslog)
			syslog(log_syslog_prio(lvl), "%s", clean);
	}
	free(line);
	free(clean);
out:
	errno = saved;
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
	char *dir = NULL;

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
		if ((fd = log_open_file(dir, "system")) == -1) {
			snprintf(err, errlen,
			    "log_dir %s: cannot open system.log: %s: fix the "
			    "directory's owner or mode", dir, strerror(errno));
			free(dir);
			return -1;
		}
	}
	log_close();
	log_st.dir = dir;
	log_st.sysfd = fd;
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
	size_t i;
	int fd;

	if (!log_st.setup || log_st.dir == NULL)
		return;
	if ((fd = log_open_file(log_st.dir, "system")) != -1) {
		if (log_st.sysfd != -1)
			close(log_st.sysfd);
		log_st.sysfd = fd;
	} else
		log_err("log_dir %s: cannot reopen system.log: %s: keeping "
		    "the old file", log_st.dir, strerror(errno));
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
