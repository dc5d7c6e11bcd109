/*
 * ctlcmd.c: what each control command does: status, health, logs, recover,
 * reload, history, stop and plugin commands, each journaled with its uid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "config.h"
#include "daemon.h"
#include "alerts/engine.h"
#include "alerts/alerts.h"
#include "alerts/delivery.h"

#define CTL_TAIL_MAX (256 * 1024)	/* bytes read back for `logs -n` */
#define CTL_FOLLOW_MS 250
#define CTL_WAIT_MAX_MS 86400000 /* recover: the longest wait, a day */

struct follow {
	struct rdd_daemon *d;
	struct control_req *req;
	char *path;
	off_t off;
	struct event *ev;
	struct follow *next;	/* d->follows, ended when the daemon stops */
};

/* {"ok":false,"error":...}; "refused" tells an attempt that never started. */
static json_object *
ctl_verror(int refused, const char *fmt, va_list ap)
{
	json_object *o = json_object_new_object();
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(buf));
	if (refused)
		json_object_object_add(o, "refused", json_object_new_boolean(1));
	return o;
}

static json_object *
ctl_error(const char *fmt, ...) RDD_PRINTF(1, 2);

static json_object *
ctl_error(const char *fmt, ...)
{
	json_object *o;
	va_list ap;

	va_start(ap, fmt);
	o = ctl_verror(0, fmt, ap);
	va_end(ap);
	return o;
}

/*
 * A recover that started nothing: redundancyctl tells it from an attempt
 * that ran and failed by "refused" (exit 2, not 1).
 */
static json_object *ctl_refused(const char *fmt, ...) RDD_PRINTF(1, 2);

static json_object *
ctl_refused(const char *fmt, ...)
{
	json_object *o;
	va_list ap;

	va_start(ap, fmt);
	o = ctl_verror(1, fmt, ap);
	va_end(ap);
	return o;
}

static json_object *
ctl_ok(const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	if (msg)
		json_object_object_add(o, "message", json_object_new_string(msg));
	return o;
}

static const char *
ctl_str(json_object *req, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(req, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int
ctl_bool(json_object *req, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(req, key, &v) &&
	       json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

static int64_t
ctl_int(json_object *req, const char *key, int64_t def)
{
	json_object *v;

	if (!json_object_object_get_ex(req, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}

static char *
ctl_log_path(struct rdd_daemon *d, const char *monitor)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s.log", d->conf->log_dir,
		monitor ? monitor : "system") < 0)
		return NULL;
	return p;
}

/* The last n lines of a file, reading at most CTL_TAIL_MAX bytes. */
static json_object *
ctl_tail(const char *path, int64_t n, off_t *end)
{
	json_object *a = json_object_new_array();
	struct stat st;
	char *buf, *p, *line;
	off_t from;
	ssize_t r;
	int fd;
	size_t cnt = 0, i, total;

	*end = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return a;
	if (fstat(fd, &st) == -1 || (buf = malloc(CTL_TAIL_MAX + 1)) == NULL) {
		close(fd);
		return a;
	}
	*end = st.st_size;
	from = st.st_size > CTL_TAIL_MAX ? st.st_size - CTL_TAIL_MAX : 0;
	r = pread(fd, buf, CTL_TAIL_MAX, from);
	close(fd);
	if (r <= 0) {
		free(buf);
		return a;
	}
	buf[r] = '\0';
	p = buf;
	if (from > 0 && (p = strchr(buf, '\n')) != NULL)
		p++;
	for (line = p; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		cnt++;
	total = cnt;
	for (i = 0, line = p; line && *line; i++) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if ((int64_t)(total - i) <= n)
			json_object_array_add(a, json_object_new_string(line));
		line = nl ? nl + 1 : NULL;
	}
	free(buf);
	return a;
}

static void
ctl_follow_free(struct follow *f)
{
	struct follow **pp;

	for (pp = &f->d->follows; *pp != NULL;
	     pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	if (f->ev)
		event_free(f->ev);
	control_end(f->req);
	free(f->path);
	free(f);
}

/* Before the control socket goes: no stream may outlive it. */
void
ctlcmd_end_streams(struct rdd_daemon *d)
{
	while (d->follows != NULL)
		ctl_follow_free(d->follows);
}

static void
ctl_follow_cb(evutil_socket_t fd0, short what, void *arg)
{
	struct follow *f = arg;
	char buf[8192];
	struct stat st;
	ssize_t r;
	int fd;

	if (!control_req_alive(f->req) || f->d->stopping) {
		ctl_follow_free(f);
		return;
	}
	if (stat(f->path, &st) == 0 && st.st_size < f->off)
		f->off = 0; /* rotated or truncated */
	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	while ((r = pread(fd, buf, sizeof(buf) - 1, f->off)) > 0) {
		char *line = buf, *nl;
		size_t used = 0;

		buf[r] = '\0';
		while ((nl = memchr(line, '\n', (size_t)(buf + r - line))) != NULL) {
			json_object *o = json_object_new_object();

			*nl = '\0';
			json_object_object_add(o, "line",
			    json_object_new_string(line));
			control_stream(f->req, json_object_to_json_string_ext(o,
			    JSON_C_TO_STRING_PLAIN));
			json_object_put(o);
			used = (size_t)(nl + 1 - buf);
			line = nl + 1;
		}
		if (used == 0) {
			/* A partial line: wait for its end, unless huge. */
			if (r < (ssize_t)sizeof(buf) - 1)
				break;
			used = (size_t)r;
		}
		f->off += (off_t)used;
	}
	close(fd);
}

static json_object *
ctl_logs(struct rdd_daemon *d, struct control_req *r, json_object *req)
{
	const char *mon = ctl_str(req, "monitor");
	int64_t n = ctl_int(req, "lines", 50);
	json_object *follow, *o;
	char *path;
	off_t end;

	if (mon && monitor_find(d, mon) == NULL)
		return ctl_error("no monitor named '%s'", mon);
	if ((path = ctl_log_path(d, mon)) == NULL)
		return ctl_error("out of memory");
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "lines", ctl_tail(path, n < 0 ? 0 : n, &end));
	if (json_object_object_get_ex(req, "follow", &follow) &&
	    json_object_get_boolean(follow)) {
		struct follow *f = calloc(1, sizeof(*f));
		struct timeval tv = { 0, CTL_FOLLOW_MS * 1000 };

		if (f == NULL) {
			free(path);
			return o;
		}
		f->d = d;
		f->req = r;
		f->path = path;
		f->off = end;
		f->ev = event_new(d->base, -1, EV_PERSIST, ctl_follow_cb, f);
		event_add(f->ev, &tv);
		f->next = d->follows;
		d->follows = f;
		control_stream(r, json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		return NULL;
	}
	free(path);
	return o;
}

static json_object *
ctl_history(struct rdd_daemon *d, json_object *req)
{
	int64_t since = ctl_int(req, "since_ms", 0);
	char *path = NULL, *text;
	json_object *o, *recs;

	if (asprintf(&path, "%s/journal.jsonl", d->conf->log_dir) < 0)
		return ctl_error("out of memory");
	text = journal_read_since(path, since, (size_t)ctl_int(req, "lines", 1000));
	free(path);
	recs = text ? json_tokener_parse(text) : NULL;
	free(text);
	if (recs == NULL)
		recs = json_object_new_array();
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "records", recs);
	return o;
}

static json_object *
ctl_recover(struct rdd_daemon *d, struct control_req *r, json_object *req)
{
	const char *mon = ctl_str(req, "monitor");
	struct recover_ask ask;
	struct monitor *m;
	char msg[1024];
	int rc;

	if (mon == NULL)
		return ctl_refused("recover: name a monitor");
	if ((m = monitor_find(d, mon)) == NULL)
		return ctl_refused("no monitor named '%s'", mon);
	if (!m->ready)
		return ctl_refused("monitor '%s' is not running: %s", mon,
		    m->down ? m->down : "its worker is starting");
	memset(&ask, 0, sizeof(ask));
	ask.target = ctl_str(req, "target");
	ask.force = ctl_bool(req, "force");
	ask.wait = ctl_bool(req, "wait");
	ask.timeout_ms = ctl_int(req, "timeout_ms", 0);
	ask.req = r;
	if (ask.timeout_ms > CTL_WAIT_MAX_MS)
		return ctl_refused("recover: timeout_ms %lld is more than a "
		                   "day: give at most %d",
		    (long long)ask.timeout_ms, CTL_WAIT_MAX_MS);
	rc = recover_manual(m, &ask, msg, sizeof(msg));
	if (rc == -1)
		return ctl_refused("%s", msg);
	if (rc == 0)
		return NULL; /* the reply comes with the result */
	return ctl_ok(msg);
}

static json_object *
ctl_run(struct rdd_daemon *d, struct control_req *r, json_object *req)
{
	const char *mon = ctl_str(req, "monitor");
	json_object *args;
	struct monitor *m;
	struct rdd_command *c;
	const char *argv[32];
	int argc = 0;
	size_t i;

	if (mon == NULL)
		return ctl_error("run: name a monitor");
	if ((m = monitor_find(d, mon)) == NULL)
		return ctl_error("no monitor named '%s'", mon);
	if (m->pd->command == NULL)
		return ctl_error("monitor '%s' (plugin %s) takes no commands",
		    mon, m->pd->name);
	if (!m->ready)
		return ctl_error("monitor '%s' is not running: %s", mon,
		    m->down ? m->down : "its worker is starting");
	if (json_object_object_get_ex(req, "args", &args) &&
	    json_object_is_type(args, json_type_array))
		for (i = 0; i < json_object_array_length(args) && argc < 31; i++) {
			json_object *a = json_object_array_get_idx(args, i);

			if (json_object_is_type(a, json_type_string))
				argv[argc++] = json_object_get_string(a);
		}
	argv[argc] = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ctl_error("out of memory");
	c->m = m;
	c->req = r;
	if (workers_command(m, c, argc, argv) != 0) {
		free(c);
		return ctl_error("monitor '%s': its worker did not take the "
		    "command", mon);
	}
	return NULL;
}

void
ctlcmd_command_done(struct rdd_command *c, int ok, const char *text)
{
	json_object *o = ok ? ctl_ok(text) : ctl_error("%s", text ? text : "failed");

	journal_write("command-result", c->m->cm->name, NULL,
	    text ? text : "", -1);
	control_reply(c->req, o);
	free(c);
}

/* "api" or "api/web": the monitor must exist; target is optional. */
static json_object *
ctl_alert_scope(struct rdd_daemon *d, json_object *req, char *mon, size_t len,
    const char **target, int need)
{
	const char *m = ctl_str(req, "monitor");
	char *slash;

	*target = ctl_str(req, "target");
	mon[0] = '\0';
	if (m == NULL)
		return need ? ctl_error("name a monitor: MONITOR[/TARGET]")
		            : NULL;
	snprintf(mon, len, "%s", m);
	if (*target == NULL && (slash = strchr(mon, '/')) != NULL) {
		*slash = '\0';
		*target = m + (slash - mon) + 1;
	}
	if (monitor_find(d, mon) == NULL)
		return ctl_error("no monitor named '%s': see redundancyctl "
		                 "status",
		    mon);
	return NULL;
}

static int
ctl_for(json_object *req, int64_t *ms)
{
	const char *f = ctl_str(req, "for");

	*ms = 0;
	return f == NULL                                     ? 0
	       : util_parse_duration(f, ms) != 0 || *ms <= 0 ? -1
	                                                     : 0;
}

/* ack, silence, pause, resume and alerts; each journaled with uid. */
static json_object *
ctl_alerts(struct rdd_daemon *d, const char *cmd, json_object *req, long uid)
{
	const char *target, *comment = ctl_str(req, "comment");
	char mon[256], msg[RDD_ERRLEN];
	json_object *e, *v;
	int64_t ms;
	size_t i, j;
	int rc;

	if (strcmp(cmd, "alerts") == 0) {
		if (d->alerts == NULL)
			return ctl_error("alerts: the engine is not running");
		return alerts_status_json(d->alerts);
	}
	if (strcmp(cmd, "silence") == 0 &&
	    json_object_object_get_ex(req, "list", &v) &&
	    json_object_get_boolean(v)) {
		e = alerts_status_json(d->alerts);
		return e;
	}
	if (strcmp(cmd, "silence") == 0 &&
	    json_object_object_get_ex(req, "remove", &v)) {
		rc = alerts_unsilence(d->alerts,
		    (uint64_t)json_object_get_int64(v), uid, msg, sizeof(msg));
		if (rc == 0)
			journal_write("unsilence", NULL, NULL, msg, uid);
		return rc == 0 ? ctl_ok(msg) : ctl_error("%s", msg);
	}
	if ((e = ctl_alert_scope(d, req, mon, sizeof(mon), &target,
	         strcmp(cmd, "ack") == 0 || strcmp(cmd, "silence") == 0)) !=
	    NULL)
		return e;
	if (ctl_for(req, &ms) != 0)
		return ctl_error("%s: --for '%s': expected a duration like "
		                 "30m or 2h",
		    cmd, ctl_str(req, "for"));
	if (strcmp(cmd, "ack") == 0)
		rc = alerts_ack(
		    d->alerts, mon, target, comment, uid, msg, sizeof(msg));
	else if (strcmp(cmd, "silence") == 0) {
		if (ms == 0)
			return ctl_error("silence: say for how long: --for 2h");
		rc = alerts_silence(
		    d->alerts, mon, target, ms, comment, uid, msg, sizeof(msg));
	} else if (strcmp(cmd, "pause") == 0)
		rc = alerts_pause(d->alerts, *mon ? mon : NULL, ms, comment,
		    uid, msg, sizeof(msg));
	else {
		rc = alerts_resume(
		    d->alerts, *mon ? mon : NULL, uid, msg, sizeof(msg));
		/* Checks went on: what still fails is recovered now. */
		for (i = 0; rc == 0 && i < d->nmon; i++) {
			struct monitor *m = d->mon[i];

			if (*mon && strcmp(m->cm->name, mon) != 0)
				continue;
			for (j = 0; j < m->nt; j++)
				if (m->t[j]->hard &&
				    m->t[j]->state == RDD_CRITICAL) {
					m->t[j]->pause_noted = 0;
					recover_consider(m->t[j]);
				}
		}
	}
	if (rc != 0)
		return ctl_error("%s", msg);
	{
		char line[RDD_ERRLEN + 300];

		snprintf(line, sizeof(line), "%s%s%s", msg, comment ? ": " : "",
		    comment ? comment : "");
		journal_write(cmd, *mon ? mon : NULL, target, line, uid);
	}
	if (d->on_state_changed && strcmp(cmd, "ack") != 0)
		d->on_state_changed(d);
	return ctl_ok(msg);
}

static void
ctl_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rdd_daemon *d = arg;

	if (d->on_stop)
		d->on_stop(d);
}

#define CTL_ALERT_TEST_MAX 1000

/* alert-test: a test notification for one receiver, through the outbox. */
static json_object *
ctl_alert_test(struct rdd_daemon *d, json_object *req)
{
	const char *rcv = ctl_str(req, "receiver");
	int64_t n = ctl_int(req, "count", 1), i, now = util_wall_ms();
	char host[256], key[320], msg[512];
	json_object *p;
	int rc = 0;

	if (rcv == NULL)
		return ctl_error("alert-test: name a receiver");
	if (n < 1 || n > CTL_ALERT_TEST_MAX)
		return ctl_error("alert-test: count %lld: between 1 and %d",
		    (long long)n, CTL_ALERT_TEST_MAX);
	if (!outbox_has_receiver(d->outbox, rcv))
		return ctl_error(
		    "alert-test: no receiver named '%s': see "
		    "alerts.receivers in the configuration, then reload",
		    rcv);
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (i = 0; i < n && rc == 0; i++) {
		p = chan_test_payload(rcv, now, host);
		snprintf(key, sizeof(key), "test:%s:%lld:%lld", rcv,
		    (long long)now, (long long)i);
		rc = outbox_put(d->outbox, rcv, key,
		    json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN),
		    RDD_OK);
		json_object_put(p);
	}
	if (rc != 0)
		return ctl_error("alert-test: the outbox refused the "
		                 "notification: see the system log");
	if (n == 1)
		snprintf(msg, sizeof(msg),
		    "test notification queued for "
		    "receiver '%s' (key %s): watch the receiver, or "
		    "redundancyctl logs",
		    rcv, key);
	else
		snprintf(msg, sizeof(msg),
		    "%lld test notifications queued for "
		    "receiver '%s'",
		    (long long)n, rcv);
	return ctl_ok(msg);
}

#define CTL_DIFF_MAX (256 * 1024) /* bytes of a `config diff` reply */

/* config-history, config-diff N, config-rollback N (confhist.c). */
static json_object *
ctl_config(struct rdd_daemon *d, const char *cmd, json_object *req, long uid)
{
	int64_t n = ctl_int(req, "n", 0);
	char msg[RDD_ERRLEN * 2], *text, *clean;
	json_object *o, *a;
	int trunc;

	if (d->confhist_dir == NULL)
		return ctl_error(
		    "%s: no configuration history in this run", cmd);
	if (strcmp(cmd, "config-history") == 0) {
		if ((a = confhist_list(d->confhist_dir, msg, sizeof(msg))) ==
		    NULL)
			return ctl_error("config history: %s", msg);
		o = ctl_ok(NULL);
		json_object_object_add(
		    o, "limit", json_object_new_int(d->conf->config_history));
		json_object_object_add(o, "entries", a);
		return o;
	}
	if (n <= 0)
		return ctl_error("%s: say which configuration: a number "
		                 "from redundancyctl config history",
		    cmd);
	if (strcmp(cmd, "config-rollback") == 0) {
		if (confhist_rollback(
		        d, (unsigned long)n, uid, msg, sizeof(msg)) != 0)
			return ctl_refused("%s", msg);
		return ctl_ok(msg);
	}
	if ((text = confhist_diff(d->confhist_dir, (unsigned long)n,
	         d->conf_path, d->conf->environment, CTL_DIFF_MAX, &trunc, msg,
	         sizeof(msg))) == NULL)
		return ctl_error("config diff: %s", msg);
	/* A file may hold a secret a plugin registered: masked here too. */
	clean = redact_str(text);
	free(text);
	o = ctl_ok(NULL);
	json_object_object_add(
	    o, "diff", json_object_new_string(clean != NULL ? clean : ""));
	json_object_object_add(o, "truncated", json_object_new_boolean(trunc));
	free(clean);
	return o;
}

void *
ctlcmd_handle(void *arg, struct control_req *r, void *request, long uid)
{
	struct rdd_daemon *d = arg;
	json_object *req = request;
	const char *cmd = ctl_str(req, "cmd"), *mon;
	char what[256];

	if (cmd == NULL)
		return ctl_error("request: field 'cmd' is missing");
	mon = ctl_str(req, "monitor");
	if (strcmp(cmd, "ping") != 0 && strcmp(cmd, "status") != 0 &&
	    strcmp(cmd, "health") != 0 && strcmp(cmd, "logs") != 0 &&
	    strcmp(cmd, "history") != 0 && strcmp(cmd, "alerts") != 0 &&
	    strcmp(cmd, "config-history") != 0 &&
	    strcmp(cmd, "config-diff") != 0) {
		if (mon == NULL)
			mon = ctl_str(req, "worker");
		if (mon == NULL)
			mon = ctl_str(req, "receiver");
		snprintf(what, sizeof(what), "%s%s%s%s%s%s", cmd,
		    mon ? " " : "", mon ? mon : "",
		    ctl_str(req, "target") ? " " : "",
		    ctl_str(req, "target") ? ctl_str(req, "target") : "",
		    ctl_bool(req, "force") ? " --force" : "");
		journal_write("control", mon, ctl_str(req, "target"), what, uid);
		log_info("control: uid %ld: %s", uid, what);
	}
	if (strcmp(cmd, "ping") == 0) {
		json_object *o = ctl_ok(NULL);

		json_object_object_add(o, "version",
		    json_object_new_string(PACKAGE_VERSION));
		return o;
	}
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "health") == 0) {
		char *text;

		if (mon && monitor_find(d, mon) == NULL)
			return ctl_error("no monitor named '%s'", mon);
		/* brief: no metrics, which the text table does not show. */
		if ((text = engine_status_text(
		         d, mon, !ctl_bool(req, "brief"))) == NULL)
			return ctl_error("out of memory");
		control_reply_text(r, text);
		free(text);
		return NULL;
	}
	if (strcmp(cmd, "logs") == 0)
		return ctl_logs(d, r, req);
	if (strcmp(cmd, "history") == 0)
		return ctl_history(d, req);
	if (strcmp(cmd, "recover") == 0)
		return ctl_recover(d, r, req);
	if (strcmp(cmd, "run") == 0)
		return ctl_run(d, r, req);
	if (strcmp(cmd, "alerts") == 0 || strcmp(cmd, "ack") == 0 ||
	    strcmp(cmd, "silence") == 0 || strcmp(cmd, "pause") == 0 ||
	    strcmp(cmd, "resume") == 0)
		return ctl_alerts(d, cmd, req, uid);
	if (strcmp(cmd, "reload") == 0) {
		char err[RDD_ERRLEN];

		if (d->on_reload == NULL) {
			snprintf(err, sizeof(err), "reload: not available");
			return ctl_error("%s", err);
		}
		if (d->on_reload(d, uid, "reload", err, sizeof(err)) != 0)
			return ctl_error("%s", err);
		return ctl_ok(err);
	}
	if (strcmp(cmd, "unquarantine") == 0) {
		char msg[RDD_ERRLEN];
		const char *w = ctl_str(req, "worker");

		if (w == NULL)
			return ctl_error("unquarantine: name a worker");
		if (workers_unquarantine(d, w, msg, sizeof(msg)) != 0)
			return ctl_error("%s", msg);
		journal_write("worker-unquarantine", NULL, NULL, msg, uid);
		return ctl_ok(msg);
	}
	if (strcmp(cmd, "alert-test") == 0)
		return ctl_alert_test(d, req);
	if (strcmp(cmd, "config-history") == 0 ||
	    strcmp(cmd, "config-diff") == 0 ||
	    strcmp(cmd, "config-rollback") == 0)
		return ctl_config(d, cmd, req, uid);
	if (strcmp(cmd, "stop") == 0) {
		struct timeval zero = { 0, 0 };

		event_base_once(d->base, -1, EV_TIMEOUT, ctl_stop_cb, d, &zero);
		return ctl_ok("stopping");
	}
	return ctl_error("unknown command '%s'", cmd);
}
