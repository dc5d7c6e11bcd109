/*
 * redundancyctl.c: the command-line client of redundancyd's control socket:
 * one JSON request, the reply as a table or as JSON, and a Nagios exit code.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "rdd.h"

#ifndef RDD_DEFAULT_SOCKET
#define RDD_DEFAULT_SOCKET RDD_DEFAULT_CONTROL_SOCKET
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define EX_OK 0
#define EX_FAILED 1		/* the daemon said ok:false */
#define EX_REFUSED 2            /* recover: refused, nothing was run */
#define EX_UNREACHABLE 3	/* also Nagios UNKNOWN */
#define EX_USAGE_ 64
#define CTL_REPLY_TIMEOUT_S 60
#define CTL_WAIT_MARGIN_S 10 /* recover --wait: past the daemon's bound */
#define CTL_MAX_REPLY (64 << 20)

struct ctl {
	const char *sock;
	int sock_set;     /* -s given: it wins over -c */
	const char *conf; /* -c: the socket comes from this config */
	int json;
	int fd;
	int timeout_s;          /* for each read of a reply */
	char *buf;		/* bytes read but not yet returned */
	size_t len, cap;
};

static volatile sig_atomic_t ctl_interrupted;
static char *ctl_conf_sock; /* -c CONFIG's daemon.control_socket */

static void
ctl_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: redundancyctl [-s SOCKET | -c CONFIG] [--json] COMMAND "
	    "[ARGS]\n"
	    "       redundancyctl -V\n"
	    "commands:\n"
	    "  status                          every monitor and target\n"
	    "  health [MONITOR]                the same, for one monitor\n"
	    "  logs [MONITOR] [-n N] [-f]      last N log lines; -f follows\n"
	    "  recover MONITOR [TARGET] [--force] [--wait [--timeout D]]\n"
	    "                                  run the recovery ladder now;\n"
	    "              --force: also targets OK, UNKNOWN or not reported;\n"
	    "              --wait: for the result, at most D (default 5m10s)\n"
	    "  reload                          re-read the configuration\n"
	    "  history [--since DURATION]      incident journal, e.g. 1h\n"
	    "  run-workflow MONITOR WORKFLOW [JOB] [--event E] [--in-place]\n"
	    "              run it here: E is a trigger of the workflow "
	    "(default its first);\n"
	    "              in a temporary git worktree of HEAD unless "
	    "--in-place\n"
	    "  run MONITOR COMMAND [ARG...]    a plugin's own command, e.g.\n"
	    "                                  run web stop (process plugin)\n"
	    "  unquarantine WORKER             restart a quarantined plugin "
	    "worker\n"
	    "  alerts                          firing, silenced, acknowledged "
	    "alerts; outbox depth\n"
	    "  ack MONITOR[/TARGET] [--comment TEXT]   stop escalation\n"
	    "  silence MONITOR[/TARGET] --for 2h [--comment TEXT]\n"
	    "  silence --list | --remove ID\n"
	    "  pause [MONITOR] [--for 1h] [--comment TEXT]   checks go on; "
	    "actions, alerts stop\n"
	    "  resume [MONITOR]                end a pause\n"
	    "  alerts test RECEIVER [N]        queue a test notification "
	    "(N of them)\n"
	    "  config history                  configurations applied, kept "
	    "by the daemon\n"
	    "  config diff N                   configuration N against the "
	    "files now\n"
	    "  config rollback N               write N's files back and "
	    "reload\n"
	    "  stop                            stop the daemon\n"
	    "  ping                            is the daemon answering\n"
	    "status and health exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
	    "recover exits 0 started (--wait: succeeded), 1 failed,\n"
	    "2 refused (nothing was run), 3 no result within the timeout.\n"
	    "Socket: -s, else daemon.control_socket of -c CONFIG, else "
	    "$REDUNDANCYD_SOCKET,\nelse %s.\n",
	    RDD_DEFAULT_SOCKET);
}

static int
ctl_usage_error(const char *fmt, ...) RDD_PRINTF(1, 2);

static int
ctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("redundancyctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (redundancyctl -h for help)\n", stderr);
	return EX_USAGE_;
}

static void
ctl_onsigint(int sig)
{
	ctl_interrupted = 1;
}

/* ---- talking to the daemon ---- */

/*
 * -c CONFIG: daemon.control_socket as the daemon reads it, with its own
 * loader (conf.d drop-ins, @include, the default when unset). A config
 * the daemon would refuse is reported, not guessed around: its socket
 * is not known for sure.
 */
static int
ctl_conf_socket(struct ctl *c)
{
	struct errlist errs = {0};
	struct conf *cf;
	size_t i;

	if ((cf = conf_load2(c->conf, &errs, NULL)) == NULL ||
	    (ctl_conf_sock = strdup(cf->control_socket)) == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "redundancyctl: %s\n", errs.v[i]);
		if (errs.n == 0)
			fprintf(stderr, "redundancyctl: %s: out of memory\n",
			    c->conf);
		fprintf(stderr,
		    "redundancyctl: %s: cannot tell the control "
		    "socket: fix the config, or name the socket with -s\n",
		    c->conf);
		errlist_free(&errs);
		if (cf != NULL)
			conf_free(cf);
		return -1;
	}
	errlist_free(&errs);
	conf_free(cf);
	c->sock = ctl_conf_sock;
	return 0;
}

static int
ctl_connect(struct ctl *c)
{
	struct sockaddr_un sun;
	struct timeval tv = {c->timeout_s, 0};

	if (strlen(c->sock) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "redundancyctl: socket path %s is too long "
		    "(at most %zu bytes)\n", c->sock, sizeof(sun.sun_path) - 1);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, c->sock, strlen(c->sock) + 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "redundancyctl: cannot connect to %s: %s: is "
		    "redundancyd running? (-s to choose the socket)\n",
		    c->sock, strerror(errno));
		return -1;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

static int
ctl_send(struct ctl *c, json_object *req)
{
	const char *s;
	size_t len, off = 0;
	ssize_t n;
	char *line;

	s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(s);
	if ((line = malloc(len + 1)) == NULL)
		return -1;
	memcpy(line, s, len);
	line[len++] = '\n';
	while (off < len) {
		n = write(c->fd, line + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "redundancyctl: %s: cannot send the "
			    "request: %s\n", c->sock, strerror(errno));
			free(line);
			return -1;
		}
		off += (size_t)n;
	}
	free(line);
	return 0;
}

/*
 * One line into *line (malloc'd, no newline). Returns 1, 0 at end of
 * stream, -1 on error (message printed) or -2 when interrupted.
 */
static int
ctl_readline(struct ctl *c, char **line)
{
	char *nl, *nb;
	size_t n;
	ssize_t r;

	for (;;) {
		if (c->len > 0 && (nl = memchr(c->buf, '\n', c->len)) != NULL) {
			n = (size_t)(nl - c->buf);
			/* The usual case, one whole reply: hand the buffer over. */
			if (n + 1 == c->len) {
				*nl = '\0';
				*line = c->buf;
				c->buf = NULL;
				c->cap = c->len = 0;
				return 1;
			}
			if ((*line = malloc(n + 1)) == NULL)
				return -1;
			memcpy(*line, c->buf, n);
			(*line)[n] = '\0';
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return 1;
		}
		if (c->cap - c->len < 4096) {
			if (c->cap >= CTL_MAX_REPLY) {
				fprintf(stderr, "redundancyctl: %s: reply "
				    "larger than %d bytes\n", c->sock,
				    CTL_MAX_REPLY);
				return -1;
			}
			n = c->cap ? c->cap * 2 : 65536;
			if ((nb = realloc(c->buf, n)) == NULL)
				return -1;
			c->buf = nb;
			c->cap = n;
		}
		r = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (r == -1 && errno == EINTR) {
			if (ctl_interrupted)
				return -2;
			continue;
		}
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fprintf(stderr,
			    "redundancyctl: %s: no reply within "
			    "%d s: the daemon may be stuck, see its log\n",
			    c->sock, c->timeout_s);
			return -1;
		}
		if (r == -1) {
			fprintf(stderr, "redundancyctl: %s: %s\n", c->sock,
			    strerror(errno));
			return -1;
		}
		if (r == 0)
			return 0;
		c->len += (size_t)r;
	}
}

/*
 * Send req (consumed) and read one reply. With --json the raw line goes to
 * *raw. Returns the parsed reply or NULL (message printed).
 */
static json_object *
ctl_call(struct ctl *c, json_object *req, char **raw)
{
	json_object *o;
	char *line = NULL;
	int rc;

	rc = ctl_send(c, req);
	json_object_put(req);
	if (rc == -1)
		return NULL;
	if ((rc = ctl_readline(c, &line)) != 1) {
		if (rc == 0)
			fprintf(stderr, "redundancyctl: %s: the daemon closed "
			    "the connection without a reply: see its log\n",
			    c->sock);
		return NULL;
	}
	if ((o = json_tokener_parse(line)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		fprintf(stderr, "redundancyctl: %s: the reply is not a JSON "
		    "object: %.80s\n", c->sock, line);
		json_object_put(o);
		free(line);
		return NULL;
	}
	if (raw != NULL)
		*raw = line;
	else
		free(line);
	return o;
}

static json_object *
ctl_request(const char *cmd)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "cmd", json_object_new_string(cmd));
	return o;
}

static const char *
ctl_str(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

static int
ctl_ok(json_object *o)
{
	json_object *v;

	return json_object_object_get_ex(o, "ok", &v) &&
	    json_object_get_boolean(v);
}

static void
ctl_print_error(struct ctl *c, json_object *o)
{
	const char *e = ctl_str(o, "error");

	fprintf(stderr, "redundancyctl: %s\n", e ? e : "the daemon refused "
	    "the request without saying why");
}

/* ---- output ---- */

/* Names and messages come from plugins: keep control bytes off the tty. */
static void
ctl_put_clean(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, fp);
}

/*
 * The daemon's own form, "2026-11-29T04:31:02", read without sscanf: a
 * status of 100 monitors has 400 times, and sscanf stood out in the
 * command's profile (issue 13). Returns 0 for any other form (sscanf
 * reads it).
 */
static int
ctl_iso_fast(const char *s, struct tm *tm)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	int f[6] = {0}, k = 0;
	size_t i;

	for (i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] != 'd') {
			if (s[i] != shape[i])
				return 0;
			k++;
		} else if (s[i] >= '0' && s[i] <= '9')
			f[k] = f[k] * 10 + (s[i] - '0');
		else
			return 0;
	}
	tm->tm_year = f[0];
	tm->tm_mon = f[1];
	tm->tm_mday = f[2];
	tm->tm_hour = f[3];
	tm->tm_min = f[4];
	tm->tm_sec = f[5];
	return 1;
}

/*
 * "2026-11-29T04:31:02.123Z" or +hh:mm offsets, or wall ms, as seconds
 * since the epoch; -1 if v is none of these.
 */
static time_t
ctl_time_of(json_object *v)
{
	struct tm tm;
	const char *s, *p;
	time_t t;
	int n = 0, sign, oh, om;

	if (v == NULL)
		return -1;
	if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)) {
		t = (time_t)(json_object_get_int64(v) / 1000);
		return t > 0 ? t : -1;
	}
	if ((s = json_object_get_string(v)) == NULL || *s == '\0')
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (ctl_iso_fast(s, &tm))
		n = 19;
	else if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &tm.tm_year,
	             &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	             &tm.tm_sec, &n) != 6 ||
	         n == 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' || *p == 'z')
		return timegm(&tm);
	if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 &&
		    sscanf(p + 1, "%2d%2d", &oh, &om) != 2)
			return -1;
		return timegm(&tm) - sign * (oh * 3600 + om * 60);
	}
	if (*p == '\0') {
		tm.tm_isdst = -1;
		return mktime(&tm);
	}
	return -1;
}

/* A time of the reply in local time; "-" if none, as sent if unparsed. */
static void
ctl_fmt_time(json_object *v, char *buf, size_t len)
{
	static char last[32];
	static time_t last_t = -1;
	struct tm tm;
	const char *s;
	time_t t;

	snprintf(buf, len, "-");
	if ((t = ctl_time_of(v)) == -1) {
		if (v != NULL && json_object_is_type(v, json_type_string) &&
		    (s = json_object_get_string(v)) != NULL && *s != '\0')
			snprintf(buf, len, "%s", s);
		return;
	}
	/* Most times of a status share their second: format each once. */
	if (t != last_t) {
		last[0] = '\0';
		if (localtime_r(&t, &tm) != NULL)
			strftime(last, sizeof(last), "%Y-%m-%d %H:%M:%S", &tm);
		last_t = t;
	}
	if (last[0])
		snprintf(buf, len, "%s", last);
}

/* "42s", "5m03s", "2h05m", "3d04h": a span short enough for a column. */
static void
ctl_fmt_span(long long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

/*
 * A monitor's last or next check relative to the daemon's now: "3s ago",
 * "in 27s", "in <1s" within the second (times come in whole seconds), "-"
 * for none (no check yet, or none armed: the daemon stops).
 */
static void
ctl_fmt_rel(json_object *o, const char *key, time_t now, int future, char *buf,
    size_t len)
{
	json_object *v = NULL;
	char span[32];
	time_t t;

	snprintf(buf, len, "-");
	json_object_object_get_ex(o, key, &v);
	if ((t = ctl_time_of(v)) == -1 || now == -1)
		return;
	if (future && t <= now) {
		snprintf(buf, len, "in <1s");
		return;
	}
	ctl_fmt_span(future ? (long long)(t - now) : (long long)(now - t), span,
	    sizeof(span));
	snprintf(buf, len, future ? "in %s" : "%s ago", span);
}

static const char *
ctl_state_name(json_object *o)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL",
		"UNKNOWN" };
	json_object *v;
	const char *s;
	int st;

	if ((s = ctl_str(o, "state_name")) != NULL)
		return s;
	if (!json_object_object_get_ex(o, "state", &v))
		return "UNKNOWN";
	st = json_object_get_int(v);
	return st >= 0 && st <= 3 ? names[st] : "UNKNOWN";
}

static int
ctl_bool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	    json_object_get_boolean(v);
}

/* " [PAUSED by alice (uid 1000) until ...: comment]" for a paused monitor. */
static void
ctl_paused(json_object *o)
{
	json_object *p, *v = NULL;
	struct passwd *pw;
	char until[64];
	const char *c;
	long uid;

	if (!json_object_object_get_ex(o, "paused", &p) ||
	    !json_object_is_type(p, json_type_object))
		return;
	uid = json_object_object_get_ex(p, "by_uid", &v)
	          ? (long)json_object_get_int64(v)
	          : -1;
	fputs(" [PAUSED by ", stdout);
	if (uid < 0)
		fputs("Alertmanager", stdout); /* a silence: the comment says */
	else if ((pw = getpwuid((uid_t)uid)) != NULL) {
		ctl_put_clean(stdout, pw->pw_name);
		printf(" (uid %ld)", uid);
	} else
		printf("uid %ld", uid);
	v = NULL;
	json_object_object_get_ex(p, "until", &v);
	until[0] = '\0';
	if (v != NULL && !json_object_is_type(v, json_type_null))
		ctl_fmt_time(v, until, sizeof(until));
	printf(" until %s", until[0] ? until : "redundancyctl resume");
	if ((c = ctl_str(p, "comment")) != NULL && *c) {
		fputs(": ", stdout);
		ctl_put_clean(stdout, c);
	}
	putchar(']');
}

/*
 * One row: a monitor (with its last and next check) or, indented, one of
 * its targets. The brackets after the message say what an operator has to
 * know: a give-up, a blocked or paused monitor, a quarantined worker.
 */
static void
ctl_row(const char *indent, json_object *o, time_t now, int monitor)
{
	char name[256], since[64], last[32] = "", next[32] = "";
	json_object *v = NULL;
	const char *st = ctl_state_name(o), *ws;

	snprintf(name, sizeof(name), "%s%s", indent,
	    ctl_str(o, "name") ? ctl_str(o, "name") : "?");
	json_object_object_get_ex(o, "since", &v);
	ctl_fmt_time(v, since, sizeof(since));
	if (monitor) {
		ctl_fmt_rel(o, "last_check", now, 0, last, sizeof(last));
		ctl_fmt_rel(o, "next_check", now, 1, next, sizeof(next));
	}
	ctl_put_clean(stdout, name);
	printf("%*s %-9s %-19s %-11s %-11s ",
	    strlen(name) < 18 ? (int)(18 - strlen(name)) : 0, "", st, since,
	    last, next);
	ctl_put_clean(stdout, ctl_str(o, "message"));
	if (json_object_object_get_ex(o, "hard", &v) &&
	    !json_object_get_boolean(v) && strcmp(st, "OK") != 0)
		fputs(" [soft]", stdout);
	if (ctl_bool(o, "blocked"))
		fputs(" [blocked: upstream down]", stdout);
	if (ctl_bool(o, "recovering"))
		fputs(" [recovering]", stdout);
	/* Not an operator's case yet: the incident is open, but served. */
	if (ctl_bool(o, "served"))
		fputs(" [served, degraded: incident open]", stdout);
	if (ctl_bool(o, "gave_up"))
		fputs(" [GAVE UP: needs an operator; redundancyctl recover]",
		    stdout);
	else if (ctl_bool(o, "needs_operator"))
		fputs(
		    " [NEEDS AN OPERATOR: no recovery action applies]", stdout);
	if (monitor && (ws = ctl_str(o, "worker_state")) != NULL &&
	    strcmp(ws, "quarantined") == 0) {
		fputs(" [QUARANTINED: redundancyctl unquarantine ", stdout);
		ctl_put_clean(stdout, ctl_str(o, "worker"));
		putchar(']');
	}
	ctl_paused(o);
	putchar('\n');
}

/* "redundancyd 1.0 (pid 42), up 3h05m since 2026-12-03 10:00:00: OK" */
static time_t
ctl_print_header(json_object *o)
{
	json_object *dm, *v = NULL;
	char since[64], up[32];
	time_t now;

	if (!json_object_object_get_ex(o, "daemon", &dm) ||
	    !json_object_is_type(dm, json_type_object))
		return time(NULL); /* an older daemon: no header */
	json_object_object_get_ex(dm, "now", &v);
	if ((now = ctl_time_of(v)) == -1)
		now = time(NULL);
	v = NULL;
	json_object_object_get_ex(dm, "started", &v);
	ctl_fmt_time(v, since, sizeof(since));
	v = NULL;
	json_object_object_get_ex(dm, "uptime_s", &v);
	ctl_fmt_span(
	    v ? (long long)json_object_get_int64(v) : 0, up, sizeof(up));
	fputs("redundancyd ", stdout);
	ctl_put_clean(stdout, ctl_str(dm, "version"));
	if (*ctl_str(dm, "host")) {
		fputs(" on ", stdout);
		ctl_put_clean(stdout, ctl_str(dm, "host"));
	}
	if (*ctl_str(dm, "environment")) {
		fputs(" [", stdout);
		ctl_put_clean(stdout, ctl_str(dm, "environment"));
		fputs("]", stdout);
	}
	v = NULL;
	if (json_object_object_get_ex(dm, "pid", &v))
		printf(" (pid %lld)", (long long)json_object_get_int64(v));
	printf(", up %s since %s: %s\n", up, since, ctl_state_name(o));
	return now;
}

/*
 * Plugin workers that failed since the start: a stall or a crash is over
 * by the time one looks (the worker is restarted, its monitor OK again),
 * and it should still be seen, as systemctl status shows a unit's.
 */
static void
ctl_print_workers(json_object *o)
{
	json_object *wks, *w, *v;
	size_t i, n, shown = 0;

	if (!json_object_object_get_ex(o, "workers", &wks) ||
	    !json_object_is_type(wks, json_type_array))
		return;
	n = json_object_array_length(wks);
	for (i = 0; i < n; i++) {
		const char *name = NULL, *state = NULL, *last = NULL;
		int64_t restarts = 0, crashes = 0;

		w = json_object_array_get_idx(wks, i);
		if (json_object_object_get_ex(w, "name", &v))
			name = json_object_get_string(v);
		if (json_object_object_get_ex(w, "state", &v))
			state = json_object_get_string(v);
		if (json_object_object_get_ex(w, "last_failure", &v) &&
		    json_object_is_type(v, json_type_string))
			last = json_object_get_string(v);
		if (json_object_object_get_ex(w, "restarts", &v))
			restarts = json_object_get_int64(v);
		if (json_object_object_get_ex(w, "crashes", &v))
			crashes = json_object_get_int64(v);
		if (last == NULL && restarts == 0 && crashes == 0)
			continue;
		if (shown++ == 0)
			printf("\nworkers that failed:\n");
		printf("  %s (%s): %lld restart%s; last failure: %s\n",
		    name ? name : "?", state ? state : "?", (long long)restarts,
		    restarts == 1 ? "" : "s", last ? last : "-");
	}
}

static void
ctl_print_status(json_object *o)
{
	json_object *mons, *m, *ts;
	size_t i, j, n;
	time_t now = ctl_print_header(o);

	printf("%-18s %-9s %-19s %-11s %-11s %s\n", "MONITOR", "STATE", "SINCE",
	    "LAST CHECK", "NEXT CHECK", "MESSAGE");
	if (!json_object_object_get_ex(o, "monitors", &mons) ||
	    !json_object_is_type(mons, json_type_array) ||
	    (n = json_object_array_length(mons)) == 0) {
		printf("(no monitors)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(mons, i);
		ctl_row("", m, now, 1);
		if (!json_object_object_get_ex(m, "targets", &ts) ||
		    !json_object_is_type(ts, json_type_array))
			continue;
		for (j = 0; j < json_object_array_length(ts); j++)
			ctl_row("  ", json_object_array_get_idx(ts, j), now, 0);
	}
	ctl_print_workers(o);
}

/* ---- commands ---- */

/*
 * Skip one JSON value at p; returns the byte after it, or NULL. Only
 * strings and nesting are tracked: enough to walk the top level.
 */
static const char *
ctl_skip_value(const char *p)
{
	int depth = 0;

	do {
		p += strspn(p, " \t\r\n");
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p++ != '"')
				return NULL;
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			depth--;
			p++;
		} else if (*p == ',' || *p == ':') {
			p++;
		} else if (*p) {
			p += strcspn(p, ",:]} \t\r\n");
		} else
			return NULL;
	} while (depth > 0);
	return p;
}

/*
 * The status reply's "ok" and "state" without building the whole tree:
 * at 1,000 targets the document is 400 KB and --json only passes it on.
 * Returns 0, or -1 when the reply is not shaped as expected.
 */
static int
ctl_scan_state(const char *raw, int *ok, int *st)
{
	const char *p = raw + strspn(raw, " \t\r\n");
	int seen = 0;

	if (*p++ != '{')
		return -1;
	for (;;) {
		const char *key, *end;

		p += strspn(p, " \t\r\n,");
		if (*p == '}')
			break;
		if (*p != '"')
			return -1;
		key = p + 1;
		if ((end = ctl_skip_value(p)) == NULL)
			return -1;
		p = end + strspn(end, " \t\r\n");
		if (*p++ != ':')
			return -1;
		p += strspn(p, " \t\r\n");
		if (strncmp(key, "ok\"", 3) == 0) {
			*ok = strncmp(p, "true", 4) == 0;
			seen |= 1;
		} else if (strncmp(key, "state\"", 6) == 0 && *p >= '0' &&
		    *p <= '9') {
			*st = atoi(p);
			seen |= 2;
		}
		/* Both lead the reply: the 400 KB after them need no scan. */
		if (seen == 3)
			return 0;
		if ((p = ctl_skip_value(p)) == NULL)
			return -1;
	}
	return seen == 3 ? 0 : -1;
}

static int
ctl_cmd_status(struct ctl *c, const char *cmd, const char *monitor)
{
	json_object *req = ctl_request(cmd), *o, *v;
	char *raw = NULL;
	int st;

	if (monitor != NULL)
		json_object_object_add(req, "monitor",
		    json_object_new_string(monitor));
	/* The table shows no metrics: half the reply to send and parse. */
	if (!c->json)
		json_object_object_add(req, "brief", json_object_new_boolean(1));
	if (c->json) {
		int ok = 0, rc;

		st = RDD_UNKNOWN;

		rc = ctl_send(c, req);
		json_object_put(req);
		if (rc == -1 || ctl_readline(c, &raw) != 1)
			return EX_UNREACHABLE;
		if (ctl_scan_state(raw, &ok, &st) == 0) {
			puts(raw);
			free(raw);
			if (!ok)
				return EX_UNREACHABLE;
			return st < RDD_OK || st > RDD_UNKNOWN ? RDD_UNKNOWN : st;
		}
		/* Not the expected shape: let the full parser explain. */
		o = json_tokener_parse(raw);
		if (o == NULL || !json_object_is_type(o, json_type_object)) {
			fprintf(stderr, "redundancyctl: %s: the reply is not a "
			    "JSON object: %.80s\n", c->sock, raw);
			json_object_put(o);
			free(raw);
			return EX_UNREACHABLE;
		}
	} else if ((o = ctl_call(c, req, &raw)) == NULL)
		return EX_UNREACHABLE;
	if (!ctl_ok(o)) {
		if (c->json)
			puts(raw);
		else
			ctl_print_error(c, o);
		free(raw);
		json_object_put(o);
		return EX_UNREACHABLE;
	}
	st = RDD_UNKNOWN;
	if (json_object_object_get_ex(o, "state", &v) &&
	    json_object_is_type(v, json_type_int))
		st = json_object_get_int(v);
	if (st < RDD_OK || st > RDD_UNKNOWN)
		st = RDD_UNKNOWN;
	if (c->json)
		puts(raw);
	else
		ctl_print_status(o);
	free(raw);
	json_object_put(o);
	return st;
}

/* Commands whose reply is ok or an error, and maybe a message. */
static int
ctl_cmd_simple(struct ctl *c, json_object *req)
{
	json_object *o;
	const char *msg;
	char *raw = NULL;
	int rc = EX_OK;

	if ((o = ctl_call(c, req, &raw)) == NULL)
		return EX_UNREACHABLE;
	if (c->json)
		puts(raw);
	if (!ctl_ok(o)) {
		if (!c->json)
			ctl_print_error(c, o);
		rc = EX_FAILED;
	} else if (!c->json) {
		if ((msg = ctl_str(o, "message")) != NULL) {
			ctl_put_clean(stdout, msg);
			putchar('\n');
		}
	}
	free(raw);
	json_object_put(o);
	return rc;
}

/*
 * recover: 0 started, or with wait succeeded; 1 the attempt failed; 2
 * refused, nothing was run; 3 no result within the wait's bound.
 */
static int
ctl_cmd_recover(struct ctl *c, json_object *req)
{
	json_object *o;
	const char *msg;
	char *raw = NULL;
	int rc = EX_OK;

	if ((o = ctl_call(c, req, &raw)) == NULL)
		return EX_UNREACHABLE;
	if (c->json)
		puts(raw);
	if (!ctl_ok(o)) {
		if (!c->json)
			ctl_print_error(c, o);
		rc = ctl_bool(o, "refused")   ? EX_REFUSED
		     : ctl_bool(o, "pending") ? EX_UNREACHABLE
		                              : EX_FAILED;
	} else if (!c->json && (msg = ctl_str(o, "message")) != NULL) {
		ctl_put_clean(stdout, msg);
		putchar('\n');
	}
	free(raw);
	json_object_put(o);
	return rc;
}

static int
ctl_cmd_ping(struct ctl *c)
{
	json_object *o;
	char *raw = NULL;
	const char *pid, *ver;
	int rc;

	if ((o = ctl_call(c, ctl_request("ping"), &raw)) == NULL)
		return EX_UNREACHABLE;
	if (c->json)
		puts(raw);
	else if (ctl_ok(o)) {
		pid = ctl_str(o, "pid");
		ver = ctl_str(o, "version");
		printf("redundancyd is answering on %s (pid %s%s%s)\n", c->sock,
		    pid ? pid : "?", ver ? ", version " : "", ver ? ver : "");
	} else
		ctl_print_error(c, o);
	rc = ctl_ok(o) ? EX_OK : EX_FAILED;
	free(raw);
	json_object_put(o);
	return rc;
}

static int
ctl_cmd_logs(struct ctl *c, const char *monitor, long lines, int follow)
{
	json_object *req = ctl_request("logs"), *o, *arr, *v;
	struct sigaction sa;
	char *raw = NULL, *line;
	size_t i;
	int rc;

	if (monitor != NULL)
		json_object_object_add(req, "monitor",
		    json_object_new_string(monitor));
	if (lines >= 0)
		json_object_object_add(req, "lines",
		    json_object_new_int64(lines));
	if (follow) {
		json_object_object_add(req, "follow",
		    json_object_new_boolean(1));
		/* Ctrl-C ends a follow cleanly, and no timeout applies. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = ctl_onsigint;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if ((o = ctl_call(c, req, &raw)) == NULL)
		return ctl_interrupted ? EX_OK : EX_UNREACHABLE;
	if (c->json)
		puts(raw);
	free(raw);
	if (!ctl_ok(o)) {
		if (!c->json)
			ctl_print_error(c, o);
		json_object_put(o);
		return EX_FAILED;
	}
	if (!c->json && json_object_object_get_ex(o, "lines", &arr) &&
	    json_object_is_type(arr, json_type_array))
		for (i = 0; i < json_object_array_length(arr); i++)
			puts(json_object_get_string(
			    json_object_array_get_idx(arr, i)));
	json_object_put(o);
	fflush(stdout);
	if (!follow)
		return EX_OK;
	{
		struct timeval tv = { 0, 0 };

		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	while ((rc = ctl_readline(c, &line)) == 1) {
		if (c->json) {
			puts(line);
		} else if ((o = json_tokener_parse(line)) != NULL) {
			if (json_object_object_get_ex(o, "line", &v))
				puts(json_object_get_string(v));
			else if (json_object_object_get_ex(o, "ok", &v) &&
			    !json_object_get_boolean(v)) {
				ctl_print_error(c, o);
				json_object_put(o);
				free(line);
				return EX_FAILED;
			}
			json_object_put(o);
		}
		free(line);
		fflush(stdout);
	}
	return rc == -1 ? EX_UNREACHABLE : EX_OK;
}

static int
ctl_cmd_history(struct ctl *c, int64_t since_ms)
{
	json_object *req = ctl_request("history"), *o, *recs, *r, *v;
	const char *mon, *tgt, *kind, *msg;
	char *raw = NULL, ts[64];
	size_t i;

	if (since_ms >= 0)
		json_object_object_add(req, "since_ms",
		    json_object_new_int64(since_ms));
	if ((o = ctl_call(c, req, &raw)) == NULL)
		return EX_UNREACHABLE;
	if (c->json) {
		puts(raw);
		free(raw);
		i = ctl_ok(o) ? EX_OK : EX_FAILED;
		json_object_put(o);
		return (int)i;
	}
	free(raw);
	if (!ctl_ok(o)) {
		ctl_print_error(c, o);
		json_object_put(o);
		return EX_FAILED;
	}
	if (json_object_object_get_ex(o, "records", &recs) &&
	    json_object_is_type(recs, json_type_array)) {
		for (i = 0; i < json_object_array_length(recs); i++) {
			r = json_object_array_get_idx(recs, i);
			v = NULL;
			json_object_object_get_ex(r, "ts", &v);
			ctl_fmt_time(v, ts, sizeof(ts));
			kind = ctl_str(r, "kind");
			mon = ctl_str(r, "monitor");
			tgt = ctl_str(r, "target");
			msg = ctl_str(r, "msg");
			printf("%s %s ", ts, kind ? kind : "-");
			ctl_put_clean(stdout, mon && *mon ? mon : "-");
			if (tgt != NULL && *tgt != '\0') {
				putchar('/');
				ctl_put_clean(stdout, tgt);
			}
			putchar(' ');
			ctl_put_clean(stdout, msg ? msg : "");
			putchar('\n');
		}
	}
	json_object_put(o);
	return EX_OK;
}

static json_object *
ctl_recover_request(const char *monitor, const char *target, int force,
    int wait, int64_t timeout_ms)
{
	json_object *req = ctl_request("recover");

	json_object_object_add(req, "monitor", json_object_new_string(monitor));
	if (target != NULL)
		json_object_object_add(
		    req, "target", json_object_new_string(target));
	if (force)
		json_object_object_add(
		    req, "force", json_object_new_boolean(1));
	if (wait)
		json_object_object_add(req, "wait", json_object_new_boolean(1));
	if (timeout_ms > 0)
		json_object_object_add(
		    req, "timeout_ms", json_object_new_int64(timeout_ms));
	return req;
}

/* ---- arguments ---- */

struct ctl_args {
	char *pos[8];
	int npos;
	long lines;
	int follow;
	const char *since;
	int force, wait; /* recover */
	const char *timeout;
	const char *comment, *dur, *remove;
	int list;
	const char *event; /* run-workflow --event */
	int in_place;      /* run-workflow --in-place */
};

static int
ctl_is_alert_cmd(const char *cmd)
{
	return strcmp(cmd, "ack") == 0 || strcmp(cmd, "silence") == 0 ||
	       strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0;
}

static void
ctl_hold_rows(json_object *o, const char *key, const char *title)
{
	json_object *arr, *e, *v;
	size_t i;
	char until[64];

	if (!json_object_object_get_ex(o, key, &arr) ||
	    json_object_array_length(arr) == 0)
		return;
	printf("%s:\n", title);
	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		v = NULL;
		json_object_object_get_ex(e, "until_ms", &v);
		ctl_fmt_time(v, until, sizeof(until));
		printf("  %-4s ", ctl_str(e, "id") ? ctl_str(e, "id") : "?");
		ctl_put_clean(stdout,
		    ctl_str(e, "monitor") ? ctl_str(e, "monitor") : "(all)");
		if (ctl_str(e, "target")) {
			putchar('/');
			ctl_put_clean(stdout, ctl_str(e, "target"));
		}
		printf("  by uid %s until %s  ",
		    ctl_str(e, "uid") ? ctl_str(e, "uid") : "?",
		    strcmp(until, "-") ? until : "removed");
		ctl_put_clean(stdout, ctl_str(e, "comment"));
		putchar('\n');
	}
}

static int
ctl_cmd_alerts(struct ctl *c, json_object *req)
{
	json_object *o, *arr, *e, *l, *an;
	char *raw = NULL;
	size_t i;

	if ((o = ctl_call(c, req, &raw)) == NULL)
		return EX_UNREACHABLE;
	if (c->json || !ctl_ok(o)) {
		if (c->json)
			puts(raw);
		else
			ctl_print_error(c, o);
		free(raw);
		i = ctl_ok(o) ? EX_OK : EX_FAILED;
		json_object_put(o);
		return (int)i;
	}
	free(raw);
	printf("%-14s %-9s %-12s %-24s %s\n", "STATE", "SEVERITY", "LEVEL",
	    "MONITOR/TARGET", "SUMMARY");
	if (json_object_object_get_ex(o, "firing", &arr))
		for (i = 0; i < json_object_array_length(arr); i++) {
			char mt[256];

			e = json_object_array_get_idx(arr, i);
			json_object_object_get_ex(e, "labels", &l);
			json_object_object_get_ex(e, "annotations", &an);
			const char *lm = ctl_str(l, "monitor"),
			           *lt = ctl_str(l, "target");

			lm = lm ? lm : "";
			lt = lt ? lt : "";
			snprintf(
			    mt, sizeof(mt), "%s%s%s", lm, *lt ? "/" : "", lt);
			printf("%-14s %-9s L%-11s ",
			    ctl_str(e, "state") ? ctl_str(e, "state") : "?",
			    ctl_str(l, "severity") ? ctl_str(l, "severity")
			                           : "?",
			    ctl_str(e, "level") ? ctl_str(e, "level") : "?");
			ctl_put_clean(stdout, mt);
			printf("%*s ",
			    strlen(mt) < 24 ? (int)(24 - strlen(mt)) : 0, "");
			ctl_put_clean(stdout, ctl_str(an, "description"));
			putchar('\n');
		}
	ctl_hold_rows(o, "silences", "silences");
	ctl_hold_rows(o, "acks", "acknowledged");
	ctl_hold_rows(o, "pauses", "paused");
	printf("outbox depth: %s\n",
	    ctl_str(o, "outbox_depth") ? ctl_str(o, "outbox_depth") : "0");
	json_object_put(o);
	return EX_OK;
}

/* ---- config: history, diff N, rollback N ---- */

/* N of `config diff N`: a positive entry number, or 0 when it is not. */
static int64_t
ctl_config_n(const char *s)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	return errno != 0 || *end != '\0' || end == s || n <= 0 ? 0 : n;
}

static int
ctl_config_args(const struct ctl_args *a)
{
	const char *sub = a->npos > 0 ? a->pos[0] : "";

	if (strcmp(sub, "history") == 0)
		return a->npos == 1 ? 0
		                    : ctl_usage_error("config history: "
		                                      "expected no arguments");
	if (strcmp(sub, "diff") != 0 && strcmp(sub, "rollback") != 0)
		return ctl_usage_error("config: expected history, diff N or "
		                       "rollback N");
	if (a->npos != 2 || ctl_config_n(a->pos[1]) == 0)
		return ctl_usage_error("config %s: expected N, a number from "
		                       "redundancyctl config history",
		    sub);
	return 0;
}

static int
ctl_cmd_config(struct ctl *c, const struct ctl_args *a)
{
	json_object *req, *o, *es, *e, *f;
	char *raw = NULL, when[64];
	const char *d, *uid;
	size_t i, k;
	int ok;

	req = ctl_request(strcmp(a->pos[0], "history") == 0 ? "config-history"
	                  : strcmp(a->pos[0], "diff") == 0  ? "config-diff"
	                                                   : "config-rollback");
	if (a->npos > 1)
		json_object_object_add(
		    req, "n", json_object_new_int64(ctl_config_n(a->pos[1])));
	/* refused (2) when a rollback wrote nothing, as for recover. */
	if (strcmp(a->pos[0], "rollback") == 0)
		return ctl_cmd_recover(c, req);
	if ((o = ctl_call(c, req, &raw)) == NULL)
		return EX_UNREACHABLE;
	if (c->json || !ctl_ok(o)) {
		ok = ctl_ok(o);
		if (c->json)
			puts(raw);
		else
			ctl_print_error(c, o);
		free(raw);
		json_object_put(o);
		return ok ? EX_OK : EX_FAILED;
	}
	free(raw);
	if (strcmp(a->pos[0], "diff") == 0) {
		d = ctl_str(o, "diff");
		/* Config text: lines and tabs stay, other control bytes go. */
		for (; d != NULL && *d != '\0'; d++)
			putchar(
			    (unsigned char)*d < 0x20 && *d != '\n' && *d != '\t'
			        ? ' '
			        : *d);
		if (ctl_bool(o, "truncated"))
			printf("... (cut at the daemon's bound: compare the "
			       "files by hand)\n");
		json_object_put(o);
		return EX_OK;
	}
	printf("%-5s %-19s %-6s %-9s %s\n", "N", "TIME", "UID", "TRIGGER",
	    "FILES");
	if (json_object_object_get_ex(o, "entries", &es))
		for (i = 0; i < json_object_array_length(es); i++) {
			e = json_object_array_get_idx(es, i);
			json_object_object_get_ex(e, "time_ms", &f);
			ctl_fmt_time(f, when, sizeof(when));
			/* -1: a start or signal whose sender is not known. */
			uid = ctl_str(e, "uid");
			if (uid == NULL || strcmp(uid, "-1") == 0)
				uid = "-";
			printf("%-5s %-19s %-6s %-9s ", ctl_str(e, "n"), when,
			    uid, ctl_str(e, "trigger"));
			json_object_object_get_ex(e, "files", &f);
			for (k = 0;
			     f != NULL && k < json_object_array_length(f);
			     k++) {
				fputs(k > 0 ? " " : "", stdout);
				ctl_put_clean(stdout,
				    json_object_get_string(
				        json_object_array_get_idx(f, k)));
			}
			putchar('\n');
		}
	if (ctl_str(o, "limit") != NULL)
		printf(
		    "(the daemon keeps the last %s: daemon.config_history)\n",
		    ctl_str(o, "limit"));
	json_object_put(o);
	return EX_OK;
}

/* Options after the command; -s and --json are accepted anywhere. */
static int
ctl_parse_rest(struct ctl *c, const char *cmd, int argc, char **argv,
    struct ctl_args *a)
{
	char *end;
	int i;

	a->lines = -1;
	for (i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "--json") == 0)
			c->json = 1;
		else if (strcmp(s, "-s") == 0 && i + 1 < argc) {
			c->sock = argv[++i];
			c->sock_set = 1;
		} else if (strcmp(s, "-c") == 0 && i + 1 < argc)
			c->conf = argv[++i];
		else if (ctl_is_alert_cmd(cmd) && strcmp(s, "--comment") == 0 &&
		         i + 1 < argc)
			a->comment = argv[++i];
		else if (ctl_is_alert_cmd(cmd) && strcmp(s, "--for") == 0 &&
		         i + 1 < argc)
			a->dur = argv[++i];
		else if (strcmp(cmd, "silence") == 0 &&
		         strcmp(s, "--list") == 0)
			a->list = 1;
		else if (strcmp(cmd, "silence") == 0 &&
		         strcmp(s, "--remove") == 0 && i + 1 < argc)
			a->remove = argv[++i];
		else if (strcmp(cmd, "logs") == 0 && strcmp(s, "-f") == 0)
			a->follow = 1;
		else if (strcmp(cmd, "logs") == 0 && strcmp(s, "-n") == 0) {
			if (i + 1 >= argc)
				return ctl_usage_error("logs: -n needs a "
				    "number of lines");
			errno = 0;
			a->lines = strtol(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || end == argv[i] ||
			    a->lines < 0)
				return ctl_usage_error("logs: -n '%s': "
				    "expected a number of lines like 50",
				    argv[i]);
		} else if (strcmp(cmd, "history") == 0 &&
		    strcmp(s, "--since") == 0) {
			if (i + 1 >= argc)
				return ctl_usage_error("history: --since needs "
				    "a duration like 1h");
			a->since = argv[++i];
		} else if (strcmp(cmd, "history") == 0 &&
		    strncmp(s, "--since=", 8) == 0)
			a->since = s + 8;
		else if (strcmp(cmd, "recover") == 0 &&
		         strcmp(s, "--force") == 0)
			a->force = 1;
		else if (strcmp(cmd, "recover") == 0 &&
		         strcmp(s, "--wait") == 0)
			a->wait = 1;
		else if (strcmp(cmd, "recover") == 0 &&
		         strcmp(s, "--timeout") == 0) {
			if (i + 1 >= argc)
				return ctl_usage_error(
				    "recover: --timeout "
				    "needs a duration like 90s");
			a->timeout = argv[++i];
		} else if (strcmp(cmd, "recover") == 0 &&
		           strncmp(s, "--timeout=", 10) == 0)
			a->timeout = s + 10;
		else if (strcmp(cmd, "run-workflow") == 0 &&
		         strcmp(s, "--event") == 0) {
			if (i + 1 >= argc)
				return ctl_usage_error(
				    "run-workflow: --event "
				    "needs a trigger like push");
			a->event = argv[++i];
		} else if (strcmp(cmd, "run-workflow") == 0 &&
		           strncmp(s, "--event=", 8) == 0)
			a->event = s + 8;
		else if (strcmp(cmd, "run-workflow") == 0 &&
		         strcmp(s, "--in-place") == 0)
			a->in_place = 1;
		else if (s[0] == '-' && s[1] != '\0')
			return ctl_usage_error("%s: unknown option '%s'", cmd,
			    s);
		else if (a->npos >= (int)(sizeof(a->pos) / sizeof(a->pos[0])))
			return ctl_usage_error("%s: too many arguments", cmd);
		else
			a->pos[a->npos++] = argv[i];
	}
	return 0;
}

static int
ctl_nargs(const char *cmd, const struct ctl_args *a, int min, int max,
    const char *what)
{
	if (a->npos < min || a->npos > max)
		return ctl_usage_error("%s: expected %s", cmd, what);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctl c;
	struct ctl_args a;
	json_object *req, *args;
	const char *cmd;
	int64_t since_ms, wait_ms;
	int i, rc;

	memset(&c, 0, sizeof(c));
	memset(&a, 0, sizeof(a));
	c.fd = -1;
	c.timeout_s = CTL_REPLY_TIMEOUT_S;
	signal(SIGPIPE, SIG_IGN);
	if ((c.sock = getenv("REDUNDANCYD_SOCKET")) == NULL || *c.sock == '\0')
		c.sock = RDD_DEFAULT_SOCKET;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--socket")
		    == 0) {
			if (++i >= argc)
				return ctl_usage_error("-s needs a socket "
				    "path");
			c.sock = argv[i];
			c.sock_set = 1;
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			c.sock = argv[i] + 9;
			c.sock_set = 1;
		} else if (strcmp(argv[i], "-c") == 0 ||
		           strcmp(argv[i], "--config") == 0) {
			if (++i >= argc)
				return ctl_usage_error("-c needs a config "
				                       "file");
			c.conf = argv[i];
		} else if (strncmp(argv[i], "--config=", 9) == 0)
			c.conf = argv[i] + 9;
		else if (strcmp(argv[i], "--json") == 0)
			c.json = 1;
		else if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			printf("redundancyctl %s\n", PACKAGE_VERSION);
			return EX_OK;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			ctl_usage(stdout);
			return EX_OK;
		} else
			return ctl_usage_error("unknown option '%s'", argv[i]);
	}
	if (i >= argc) {
		ctl_usage(stderr);
		return EX_USAGE_;
	}
	cmd = argv[i++];
	if (strcmp(cmd, "help") == 0) {
		ctl_usage(stdout);
		return EX_OK;
	}
	if ((rc = ctl_parse_rest(&c, cmd, argc - i, argv + i, &a)) != 0)
		return rc;
	if (c.conf != NULL && !c.sock_set && ctl_conf_socket(&c) != 0)
		return EX_UNREACHABLE;

	/* Check the arguments before touching the socket. */
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "reload") == 0 ||
	    strcmp(cmd, "stop") == 0 || strcmp(cmd, "ping") == 0 ||
	    strcmp(cmd, "history") == 0)
		rc = ctl_nargs(cmd, &a, 0, 0, "no arguments");
	else if (strcmp(cmd, "health") == 0 || strcmp(cmd, "logs") == 0)
		rc = ctl_nargs(cmd, &a, 0, 1, "at most one MONITOR");
	else if (strcmp(cmd, "recover") == 0)
		rc = ctl_nargs(cmd, &a, 1, 2, "MONITOR [TARGET]");
	else if (strcmp(cmd, "run-workflow") == 0)
		rc = ctl_nargs(cmd, &a, 2, 3, "MONITOR WORKFLOW [JOB]");
	else if (strcmp(cmd, "run") == 0)
		rc = ctl_nargs(cmd, &a, 2, 8, "MONITOR COMMAND [ARG...]");
	else if (strcmp(cmd, "unquarantine") == 0)
		rc = ctl_nargs(cmd, &a, 1, 1, "WORKER (see status)");
	else if (strcmp(cmd, "alerts") == 0 && a.npos > 0 &&
	         strcmp(a.pos[0], "test") == 0)
		rc = ctl_nargs(cmd, &a, 2, 3, "test RECEIVER [N]");
	else if (strcmp(cmd, "alerts") == 0)
		rc = ctl_nargs(cmd, &a, 0, 0, "no arguments");
	else if (strcmp(cmd, "ack") == 0)
		rc = ctl_nargs(cmd, &a, 1, 1, "MONITOR[/TARGET]");
	else if (strcmp(cmd, "silence") == 0)
		rc =
		    a.list || a.remove
		        ? ctl_nargs(cmd, &a, 0, 0,
		              "no MONITOR with --list or --remove")
		    : a.dur == NULL
		        ? ctl_usage_error("silence: say for how long: --for 2h")
		        : ctl_nargs(cmd, &a, 1, 1, "MONITOR[/TARGET] --for 2h");
	else if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0)
		rc = ctl_nargs(cmd, &a, 0, 1, "at most one MONITOR");
	else if (strcmp(cmd, "config") == 0)
		rc = ctl_config_args(&a);
	else
		rc = ctl_usage_error("unknown command '%s'", cmd);
	if (rc != 0)
		return rc;
	since_ms = -1;
	if (a.since != NULL) {
		if (util_parse_duration(a.since, &since_ms) == -1 ||
		    since_ms < 0)
			return ctl_usage_error("history: --since '%s': "
			    "expected a duration like 30m, 1h or 2d",
			    a.since);
		since_ms = since_ms > util_wall_ms() ? 0 :
		    util_wall_ms() - since_ms;
	}
	wait_ms = 0;
	if (a.timeout != NULL) {
		if (util_parse_duration(a.timeout, &wait_ms) == -1 ||
		    wait_ms <= 0 || wait_ms > 86400000)
			return ctl_usage_error(
			    "recover: --timeout '%s': "
			    "expected a duration like 90s or 10m, at most 1d",
			    a.timeout);
		a.wait = 1; /* a bound on a wait asks for the wait */
	}
	/* The daemon answers by its bound; ours only catches a stuck one. */
	if (a.wait)
		c.timeout_s =
		    (int)((wait_ms > 0 ? wait_ms : RDD_RECOVER_WAIT_MS) /
		          1000) +
		    CTL_WAIT_MARGIN_S;

	if (ctl_connect(&c) == -1)
		return EX_UNREACHABLE;
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "health") == 0)
		rc = ctl_cmd_status(&c, cmd, a.npos ? a.pos[0] : NULL);
	else if (strcmp(cmd, "logs") == 0)
		rc = ctl_cmd_logs(&c, a.npos ? a.pos[0] : NULL, a.lines,
		    a.follow);
	else if (strcmp(cmd, "ping") == 0)
		rc = ctl_cmd_ping(&c);
	else if (strcmp(cmd, "config") == 0)
		rc = ctl_cmd_config(&c, &a);
	else if (strcmp(cmd, "history") == 0)
		rc = ctl_cmd_history(&c, since_ms);
	else if (strcmp(cmd, "recover") == 0)
		rc = ctl_cmd_recover(&c,
		    ctl_recover_request(a.pos[0], a.npos > 1 ? a.pos[1] : NULL,
		        a.force, a.wait, wait_ms));
	else if ((strcmp(cmd, "alerts") == 0 && a.npos == 0) ||
	         (strcmp(cmd, "silence") == 0 && a.list))
		rc = ctl_cmd_alerts(&c, ctl_request("alerts"));
	else if (ctl_is_alert_cmd(cmd)) {
		req = ctl_request(cmd);
		if (a.npos > 0)
			json_object_object_add(
			    req, "monitor", json_object_new_string(a.pos[0]));
		if (a.comment)
			json_object_object_add(
			    req, "comment", json_object_new_string(a.comment));
		if (a.dur)
			json_object_object_add(
			    req, "for", json_object_new_string(a.dur));
		if (a.remove)
			json_object_object_add(req, "remove",
			    json_object_new_int64(atoll(a.remove)));
		rc = ctl_cmd_simple(&c, req);
	} else {
		if (strcmp(cmd, "run-workflow") == 0 ||
		    strcmp(cmd, "run") == 0) {
			req = ctl_request("run");
			args = json_object_new_array();
			for (i = 1; i < a.npos; i++)
				json_object_array_add(args,
				    json_object_new_string(a.pos[i]));
			/* Options follow the words; the plugin reads both. */
			if (a.event != NULL) {
				json_object_array_add(
				    args, json_object_new_string("--event"));
				json_object_array_add(
				    args, json_object_new_string(a.event));
			}
			if (a.in_place)
				json_object_array_add(
				    args, json_object_new_string("--in-place"));
			json_object_object_add(req, "args", args);
		} else if (strcmp(cmd, "alerts") == 0) {
			req = ctl_request("alert-test");
			json_object_object_add(
			    req, "receiver", json_object_new_string(a.pos[1]));
			if (a.npos > 2)
				json_object_object_add(req, "count",
				    json_object_new_int64(
				        strtoll(a.pos[2], NULL, 10)));
			a.npos = 0;
		} else
			req = ctl_request(cmd);
		if (strcmp(cmd, "unquarantine") == 0)
			json_object_object_add(req, "worker",
			    json_object_new_string(a.pos[0]));
		else if (a.npos > 0)
			json_object_object_add(
			    req, "monitor", json_object_new_string(a.pos[0]));
		rc = ctl_cmd_simple(&c, req);
	}
	close(c.fd);
	free(c.buf);
	return rc;
}
