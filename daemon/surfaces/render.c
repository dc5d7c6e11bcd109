/*
 * render.c: the engine's state as the surfaces show it: the status reply
 * (JSON, written straight into a buffer or as a json-c tree) and /metrics.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <json-c/json.h>

#include "daemon.h"
#include "alerts/engine.h"
#include "alerts/alerts.h"

static json_object *
health_time(int64_t wall_ms)
{
	char buf[32];
	time_t s = (time_t)(wall_ms / 1000);
	struct tm tm;

	if (wall_ms <= 0)
		return NULL;
	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(buf);
}

static json_object *
health_target_json(struct target *t)
{
	json_object *o = json_object_new_object(), *mo;
	size_t i;

	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(o, "state", json_object_new_int(t->state));
	json_object_object_add(o, "state_name",
	    json_object_new_string(util_state_name(t->state)));
	json_object_object_add(o, "hard", json_object_new_boolean(t->hard));
	json_object_object_add(o, "since", health_time(t->since));
	json_object_object_add(o, "message",
	    json_object_new_string(t->msg ? t->msg : ""));
	json_object_object_add(o, "blocked", json_object_new_boolean(t->blocked));
	json_object_object_add(o, "attempts", json_object_new_int(t->attempts));
	json_object_object_add(o, "recovering",
	    json_object_new_boolean(t->recovering || t->queued));
	json_object_object_add(o, "gave_up", json_object_new_boolean(t->gave_up));
	json_object_object_add(o, "needs_operator",
	    json_object_new_boolean(t->needs_operator));
	json_object_object_add(o, "served", json_object_new_boolean(t->served));
	json_object_object_add(o, "flapping",
	    json_object_new_boolean(t->flapping));
	if (t->last_ttr_ms > 0)
		json_object_object_add(o, "last_ttr_ms",
		    json_object_new_int64(t->last_ttr_ms));
	mo = json_object_new_object();
	for (i = 0; i < t->nmetrics; i++) {
		json_object *v = json_object_new_object();

		json_object_object_add(v, "value",
		    json_object_new_double(t->metrics[i].value));
		json_object_object_add(v, "unit",
		    json_object_new_string(t->metrics[i].unit));
		json_object_object_add(mo, t->metrics[i].name, v);
	}
	json_object_object_add(o, "metrics", mo);
	return o;
}

static json_object *
health_workers_json(struct rdd_daemon *d)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < d->nwk; i++) {
		struct worker *wk = d->wk[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(wk->name));
		json_object_object_add(o, "plugin",
		    json_object_new_string(wk->plugin));
		json_object_object_add(o, "user",
		    json_object_new_string(wk->account ? wk->account : "?"));
		json_object_object_add(o, "pid", json_object_new_int64(
		    wk->pid > 0 ? (int64_t)wk->pid : 0));
		json_object_object_add(o, "state", json_object_new_string(
		    workers_state_name(wk->state)));
		json_object_object_add(o, "crashes",
		    json_object_new_int(wk->ncrashes));
		json_object_object_add(o, "restarts", json_object_new_int64(
		    wk->restarts > 0 ? (int64_t)wk->restarts - 1 : 0));
		json_object_object_add(o, "last_failure", wk->last_failure ?
		    json_object_new_string(wk->last_failure) : NULL);
		json_object_object_add(o, "rss_bytes",
		    json_object_new_int64(wk->rss));
		json_object_object_add(o, "slow_callbacks",
		    json_object_new_int64((int64_t)wk->slow));
		json_object_array_add(a, o);
	}
	return a;
}

/* {"by_uid":N,"until":T|null,"comment":"..."} while paused, else NULL. */
static json_object *
health_paused_json(struct monitor *m)
{
	json_object *o;
	const char *why = NULL;
	int64_t until;
	long by;

	if (!alerts_paused(m->d->alerts, m->cm->name, &by, &until, &why))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "by_uid", json_object_new_int64(by));
	json_object_object_add(o, "until", until ? health_time(until) : NULL);
	json_object_object_add(
	    o, "comment", json_object_new_string(why ? why : ""));
	return o;
}

/*
 * Wall ms of the monitor's next check, 0 if none is armed (stopping, or
 * its worker is not up yet). libevent reports a timer's expiry in wall
 * time (it keeps the offset of its monotonic clock to the wall clock).
 */
static int64_t
health_next_check(struct monitor *m)
{
	struct timeval tv;

	if (m->timer == NULL || !evtimer_pending(m->timer, &tv))
		return 0;
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static json_object *
health_monitor_json(struct monitor *m)
{
	json_object *o = json_object_new_object(), *ta;
	size_t i;

	json_object_object_add(o, "name", json_object_new_string(m->cm->name));
	json_object_object_add(o, "plugin", json_object_new_string(m->pd->name));
	json_object_object_add(o, "worker",
	    m->wk ? json_object_new_string(m->wk->name) : NULL);
	json_object_object_add(o, "state", json_object_new_int(m->state));
	json_object_object_add(o, "state_name",
	    json_object_new_string(util_state_name(m->state)));
	json_object_object_add(o, "since", health_time(m->since));
	json_object_object_add(o, "message",
	    json_object_new_string(m->msg ? m->msg : ""));
	json_object_object_add(o, "last_check", health_time(m->last_check_wall));
	json_object_object_add(o, "checks", json_object_new_int64((int64_t)m->checks));
	json_object_object_add(o, "overruns",
	    json_object_new_int64((int64_t)m->overruns));
	json_object_object_add(o, "blocked",
	    json_object_new_boolean(monitor_blocked(m)));
	json_object_object_add(o, "paused", health_paused_json(m));
	json_object_object_add(
	    o, "next_check", health_time(health_next_check(m)));
	json_object_object_add(o, "last_check_ms",
	    json_object_new_int64(m->checks ? m->last_check_ms : 0));
	json_object_object_add(o, "worker_state",
	    m->wk ? json_object_new_string(workers_state_name(m->wk->state))
	          : NULL);
	ta = json_object_new_array();
	for (i = 0; i < m->nt; i++)
		json_object_array_add(ta, health_target_json(m->t[i]));
	json_object_object_add(o, "targets", ta);
	return o;
}

/*
 * What the dashboard needs besides the monitors: which host this is (one
 * tab per host looks alike otherwise), the daemon's clock (ages are
 * reckoned from it, so a browser whose clock is off still says "3 min
 * ago" right) and the latest incidents, from memory.
 */
static void
health_dashboard_json(struct rdd_daemon *d, json_object *o)
{
	char host[256];
	json_object *inc;

	/* daemon.host, which is the host name unless configured. */
	if (d->conf != NULL && d->conf->host != NULL && *d->conf->host)
		snprintf(host, sizeof(host), "%s", d->conf->host);
	else if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	json_object_object_add(o, "host", json_object_new_string(host));
	json_object_object_add(o, "environment",
	    json_object_new_string(d->conf != NULL && d->conf->environment
	                               ? d->conf->environment
	                               : ""));
	json_object_object_add(o, "now", health_time(util_wall_ms()));
	if ((inc = journal_recent_json()) != NULL)
		json_object_object_add(o, "incidents", inc);
}

void *
engine_status_json(struct rdd_daemon *d, const char *monitor)
{
	json_object *o = json_object_new_object(), *ma;
	enum rdd_state st = monitor ? RDD_OK : d->overall;
	size_t i;

	ma = json_object_new_array();
	for (i = 0; i < d->nmon; i++) {
		if (monitor && strcmp(monitor, d->mon[i]->cm->name) != 0)
			continue;
		if (monitor)
			st = d->mon[i]->state;
		json_object_array_add(ma, health_monitor_json(d->mon[i]));
	}
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "state", json_object_new_int(st));
	json_object_object_add(o, "state_name",
	    json_object_new_string(util_state_name(st)));
	json_object_object_add(o, "monitors", ma);
	json_object_object_add(o, "workers", health_workers_json(d));
	if (monitor == NULL) {
		json_object_object_add(
		    o, "alerts", alerts_summary_json(d->alerts));
		health_dashboard_json(d, o);
	}
	return o;
}

/*
 * The status reply written straight into a buffer: the json-c tree of the
 * same document costs some 20,000 allocations at 1,000 targets, which
 * made `redundancyctl status` slow exactly when there is much to watch.
 * Same shape as engine_status_json (docs/control-protocol.md).
 */
struct jbuf {
	char *p;
	size_t len, cap;
	int oom;
	time_t tsec;		/* the second tbuf holds, formatted */
	char tbuf[32];
	size_t tlen;
};

static void
jb_put(struct jbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

#define jb_lit(b, s) jb_put((b), (s), sizeof(s) - 1)

static void
jb_fmt(struct jbuf *b, const char *fmt, ...) RDD_PRINTF(2, 3);

static void
jb_fmt(struct jbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		jb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n
						       : sizeof(tmp) - 1);
}

static void
jb_str(struct jbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : ""), *run;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	jb_lit(b, "\"");
	for (run = p; *p; p++) {
		if (*p != '"' && *p != '\\' && *p >= 0x20 && *p != 0x7f)
			continue;
		jb_put(b, (const char *)run, (size_t)(p - run));
		if (*p == '"' || *p == '\\') {
			esc[1] = (char)*p;
			jb_put(b, esc, 2);
			esc[1] = 'u';
		} else {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			jb_put(b, esc, 6);
		}
		run = p + 1;
	}
	jb_put(b, (const char *)run, (size_t)(p - run));
	jb_lit(b, "\"");
}

static void
jb_int(struct jbuf *b, long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
				     : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	jb_put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* Most since-times of one reply share their second: format each once. */
static void
jb_time(struct jbuf *b, int64_t wall_ms)
{
	time_t s = (time_t)(wall_ms / 1000);
	struct tm tm;

	if (wall_ms <= 0) {
		jb_lit(b, "null");
		return;
	}
	if (s != b->tsec) {
		gmtime_r(&s, &tm);
		b->tlen = strftime(b->tbuf, sizeof(b->tbuf),
		    "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
		b->tsec = s;
	}
	jb_put(b, b->tbuf, b->tlen);
}

/* A known-safe word and its closing quote. */
static void
jb_str_plain(struct jbuf *b, const char *s)
{
	jb_put(b, s, strlen(s));
	jb_lit(b, "\"");
}

static void
jb_bool(struct jbuf *b, int v)
{
	if (v)
		jb_lit(b, "true");
	else
		jb_lit(b, "false");
}

/* A flag the brief reply sends only when set: absent means false. */
static void
jb_flag(struct jbuf *b, const char *key, int v, int brief)
{
	if (brief && !v)
		return;
	jb_lit(b, ",\"");
	jb_str_plain(b, key);
	jb_lit(b, ":");
	jb_bool(b, v);
}

/*
 * Brief (the text table's request, no metrics) leaves out what the table
 * does not show and the flags that are false: at 100 monitors 25 KB where
 * the full reply is 82 KB, and parsing it was most of the command's time.
 */
static void
health_target_text(struct jbuf *b, struct target *t, int with_metrics)
{
	int brief = !with_metrics;
	size_t i;

	jb_lit(b, "{\"name\":");
	jb_str(b, t->name);
	jb_lit(b, ",\"state\":");
	jb_int(b, t->state);
	if (!brief) {
		jb_lit(b, ",\"state_name\":\"");
		jb_str_plain(b, util_state_name(t->state));
	}
	/* The table marks a soft state: brief sends hard only when false. */
	if (!brief || !t->hard) {
		jb_lit(b, ",\"hard\":");
		jb_bool(b, t->hard);
	}
	jb_lit(b, ",\"since\":");
	jb_time(b, t->since);
	jb_lit(b, ",\"message\":");
	jb_str(b, t->msg);
	jb_flag(b, "blocked", t->blocked, brief);
	if (!brief) {
		jb_lit(b, ",\"attempts\":");
		jb_int(b, t->attempts);
	}
	jb_flag(b, "recovering", t->recovering || t->queued, brief);
	jb_flag(b, "gave_up", t->gave_up, brief);
	jb_flag(b, "needs_operator", t->needs_operator, brief);
	jb_flag(b, "served", t->served, brief);
	if (!brief)
		jb_flag(b, "flapping", t->flapping, 0);
	if (t->last_ttr_ms > 0 && !brief)
		jb_fmt(b, ",\"last_ttr_ms\":%lld", (long long)t->last_ttr_ms);
	if (!with_metrics) {
		jb_lit(b, "}");
		return;
	}
	jb_lit(b, ",\"metrics\":{");
	for (i = 0; i < t->nmetrics; i++) {
		if (i)
			jb_lit(b, ",");
		jb_str(b, t->metrics[i].name);
		jb_fmt(b, ":{\"value\":%.17g,\"unit\":",
		    isfinite(t->metrics[i].value) ? t->metrics[i].value : 0.0);
		jb_str(b, t->metrics[i].unit);
		jb_lit(b, "}");
	}
	jb_lit(b, "}}");
}

char *
engine_status_text(struct rdd_daemon *d, const char *monitor, int with_metrics)
{
	enum rdd_state st = monitor ? RDD_OK : d->overall;
	struct jbuf b = { 0 };
	int64_t now = util_wall_ms();
	size_t i, j, n = 0;
	int brief = !with_metrics;

	for (i = 0; monitor && i < d->nmon; i++)
		if (strcmp(monitor, d->mon[i]->cm->name) == 0)
			st = d->mon[i]->state;
	jb_fmt(&b, "{\"ok\":true,\"state\":%d,\"state_name\":\"%s\","
		   "\"monitors\":[", st, util_state_name(st));
	for (i = 0; i < d->nmon; i++) {
		struct monitor *m = d->mon[i];
		int quarantined = m->wk && m->wk->state == WK_QUARANTINED;

		if (monitor && strcmp(monitor, m->cm->name) != 0)
			continue;
		if (n++)
			jb_lit(&b, ",");
		jb_lit(&b, "{\"name\":");
		jb_str(&b, m->cm->name);
		if (!brief) {
			jb_lit(&b, ",\"plugin\":");
			jb_str(&b, m->pd->name);
		}
		/* The table names the worker of a quarantined monitor. */
		if (!brief || quarantined) {
			jb_lit(&b, ",\"worker\":");
			jb_str(&b, m->wk ? m->wk->name : NULL);
		}
		jb_lit(&b, ",\"state\":");
		jb_int(&b, m->state);
		if (!brief) {
			jb_lit(&b, ",\"state_name\":\"");
			jb_str_plain(&b, util_state_name(m->state));
		}
		jb_lit(&b, ",\"since\":");
		jb_time(&b, m->since);
		jb_lit(&b, ",\"message\":");
		jb_str(&b, m->msg);
		jb_lit(&b, ",\"last_check\":");
		jb_time(&b, m->last_check_wall);
		if (!brief) {
			jb_lit(&b, ",\"checks\":");
			jb_int(&b, (long long)m->checks);
			jb_lit(&b, ",\"overruns\":");
			jb_int(&b, (long long)m->overruns);
		}
		jb_flag(&b, "blocked", monitor_blocked(m), brief);
		{
			long by;
			int64_t until;
			const char *why = NULL;
			int paused = alerts_paused(
			    d->alerts, m->cm->name, &by, &until, &why);

			if (!brief || paused)
				jb_lit(&b, ",\"paused\":");
			if (paused) {
				jb_lit(&b, "{\"by_uid\":");
				jb_int(&b, by);
				jb_lit(&b, ",\"until\":");
				if (until)
					jb_time(&b, until);
				else
					jb_lit(&b, "null");
				jb_lit(&b, ",\"comment\":");
				jb_str(&b, why ? why : "");
				jb_lit(&b, "}");
			} else if (!brief)
				jb_lit(&b, "null");
		}
		jb_lit(&b, ",\"next_check\":");
		jb_time(&b, health_next_check(m));
		if (!brief) {
			jb_lit(&b, ",\"last_check_ms\":");
			jb_int(&b, m->checks ? (long long)m->last_check_ms : 0);
		}
		if (!brief || quarantined) {
			jb_lit(&b, ",\"worker_state\":");
			if (m->wk) {
				jb_lit(&b, "\"");
				jb_str_plain(
				    &b, workers_state_name(m->wk->state));
			} else
				jb_lit(&b, "null");
		}
		jb_lit(&b, ",\"targets\":[");
		for (j = 0; j < m->nt; j++) {
			if (j)
				jb_lit(&b, ",");
			health_target_text(&b, m->t[j], with_metrics);
		}
		jb_lit(&b, "]}");
	}
	jb_lit(&b, "],\"workers\":[");
	for (i = 0; i < d->nwk; i++) {
		struct worker *wk = d->wk[i];

		if (i)
			jb_lit(&b, ",");
		jb_lit(&b, "{\"name\":");
		jb_str(&b, wk->name);
		jb_lit(&b, ",\"plugin\":");
		jb_str(&b, wk->plugin);
		jb_lit(&b, ",\"user\":");
		jb_str(&b, wk->account);
		jb_lit(&b, ",\"pid\":");
		jb_int(&b, wk->pid > 0 ? (long long)wk->pid : 0);
		jb_lit(&b, ",\"state\":\"");
		jb_str_plain(&b, workers_state_name(wk->state));
		jb_lit(&b, ",\"crashes\":");
		jb_int(&b, wk->ncrashes);
		jb_lit(&b, ",\"restarts\":");
		jb_int(&b, wk->restarts > 0 ? (long long)wk->restarts - 1 : 0);
		jb_lit(&b, ",\"last_failure\":");
		if (wk->last_failure)
			jb_str(&b, wk->last_failure);
		else
			jb_lit(&b, "null");
		jb_lit(&b, ",\"rss_bytes\":");
		jb_int(&b, (long long)wk->rss);
		jb_lit(&b, ",\"slow_callbacks\":");
		jb_int(&b, (long long)wk->slow);
		jb_lit(&b, "}");
	}
	/* The header of `redundancyctl status`: who answers, since when. */
	jb_lit(&b, "],\"daemon\":{\"version\":");
	jb_str(&b, PACKAGE_VERSION);
	jb_lit(&b, ",\"host\":");
	jb_str(&b, d->conf && d->conf->host ? d->conf->host : "");
	jb_lit(&b, ",\"environment\":");
	jb_str(&b, d->conf && d->conf->environment ? d->conf->environment : "");
	jb_lit(&b, ",\"pid\":");
	jb_int(&b, (long long)getpid());
	jb_lit(&b, ",\"started\":");
	jb_time(&b, d->started_wall);
	jb_lit(&b, ",\"now\":");
	jb_time(&b, now);
	jb_lit(&b, ",\"uptime_s\":");
	jb_int(&b, d->started_wall > 0
	               ? (long long)(now - d->started_wall) / 1000
	               : 0);
	jb_lit(&b, "}}");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* Prometheus label values: backslash, quote and newline escaped. */
static void
health_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void
health_worker_label(FILE *f, const struct worker *wk)
{
	fputs("{worker=\"", f);
	health_label(f, wk->name);
	fputs("\",plugin=\"", f);
	health_label(f, wk->plugin);
	fputs("\"}", f);
}

static void
health_worker_metrics(FILE *f, struct rdd_daemon *d)
{
	size_t i;

	fputs("# HELP redundancyd_worker_rss_bytes Resident memory of a "
	      "plugin worker.\n# TYPE redundancyd_worker_rss_bytes gauge\n", f);
	for (i = 0; i < d->nwk; i++) {
		fputs("redundancyd_worker_rss_bytes", f);
		health_worker_label(f, d->wk[i]);
		fprintf(f, " %lld\n", (long long)d->wk[i]->rss);
	}
	fputs("# HELP redundancyd_worker_restarts_total Restarts of a plugin "
	      "worker after a crash, stall or memory limit.\n"
	      "# TYPE redundancyd_worker_restarts_total counter\n", f);
	for (i = 0; i < d->nwk; i++) {
		fputs("redundancyd_worker_restarts_total", f);
		health_worker_label(f, d->wk[i]);
		fprintf(f, " %llu\n", (unsigned long long)(d->wk[i]->restarts ?
		    d->wk[i]->restarts - 1 : 0));
	}
	fputs("# HELP redundancyd_worker_quarantined 1 while a plugin worker "
	      "is quarantined.\n# TYPE redundancyd_worker_quarantined gauge\n",
	    f);
	for (i = 0; i < d->nwk; i++) {
		fputs("redundancyd_worker_quarantined", f);
		health_worker_label(f, d->wk[i]);
		fprintf(f, " %d\n", d->wk[i]->state == WK_QUARANTINED);
	}
	fputs("# HELP redundancyd_worker_slow_callbacks_total Plugin callbacks "
	      "that ran over 100 ms.\n"
	      "# TYPE redundancyd_worker_slow_callbacks_total counter\n", f);
	for (i = 0; i < d->nwk; i++) {
		fputs("redundancyd_worker_slow_callbacks_total", f);
		health_worker_label(f, d->wk[i]);
		fprintf(f, " %llu\n", (unsigned long long)d->wk[i]->slow);
	}
}

/* The outbox: its depth, and per receiver what was sent, failed, dropped. */
static void
health_alert_metrics(FILE *f, struct rdd_daemon *d)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
	    {"queued", "gauge",
	        "Notifications waiting, the one in flight too."},
	    {"retrying", "gauge", "Notifications waiting behind a failure."},
	    {"sent_total", "counter", "Notifications delivered."},
	    {"failed_total", "counter", "Delivery attempts that failed."},
	    {"dropped_total", "counter", "Notifications dropped: outbox full."},
	};
	struct outbox_rcv_stats st[64];
	size_t n = outbox_stats(d->outbox, st, 64), i, k;

	fprintf(f,
	    "# HELP redundancyd_alerts_outbox_depth Notifications in "
	    "the outbox.\n# TYPE redundancyd_alerts_outbox_depth gauge\n"
	    "redundancyd_alerts_outbox_depth %zu\n",
	    outbox_depth(d->outbox));
	for (k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		fprintf(f,
		    "# HELP redundancyd_alerts_%s %s\n# TYPE "
		    "redundancyd_alerts_%s %s\n",
		    fam[k].name, fam[k].help, fam[k].name, fam[k].type);
		for (i = 0; i < n; i++) {
			unsigned long long v = k == 0   ? st[i].queued
			                       : k == 1 ? st[i].retrying
			                       : k == 2 ? st[i].sent
			                       : k == 3 ? st[i].failed
			                                : st[i].dropped;

			fprintf(f, "redundancyd_alerts_%s{receiver=\"",
			    fam[k].name);
			health_label(f, st[i].receiver);
			fprintf(f, "\"} %llu\n", v);
		}
	}
}

/* A family's HELP and TYPE lines, which every family carries. */
static void
metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A sample value: shortest text that reads back, Prometheus' NaN/Inf. */
static void
metrics_value(FILE *f, double v)
{
	char num[40];

	if (isnan(v))
		fputs(" NaN\n", f);
	else if (isinf(v))
		fputs(v > 0 ? " +Inf\n" : " -Inf\n", f);
	else {
		util_fmt_double(num, sizeof(num), v);
		fprintf(f, " %s\n", num);
	}
}

/* name{monitor="M"[,target="T"] and the caller closes the braces. */
static void
metrics_open(FILE *f, const char *name, const char *monitor, const char *target)
{
	fputs(name, f);
	fputs("{monitor=\"", f);
	health_label(f, monitor);
	if (target != NULL) {
		fputs("\",target=\"", f);
		health_label(f, target);
	}
	fputc('"', f);
}

/*
 * One histogram's series for a monitor: b holds per-bucket counts (stats.c),
 * Prometheus wants them cumulative, ending with le="+Inf" == _count.
 */
static void
metrics_histogram(FILE *f, const char *name, const char *monitor,
    const uint64_t *b, const double *le, size_t nb, double sum, uint64_t count)
{
	char num[40], fam[96];
	uint64_t cum = 0;
	size_t i;

	snprintf(fam, sizeof(fam), "%s_bucket", name);
	for (i = 0; i <= nb; i++) {
		cum += b[i];
		metrics_open(f, fam, monitor, NULL);
		if (i < nb) {
			util_fmt_double(num, sizeof(num), le[i]);
			fprintf(f, ",le=\"%s\"} %llu\n", num,
			    (unsigned long long)cum);
		} else
			fprintf(
			    f, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
	}
	snprintf(fam, sizeof(fam), "%s_sum", name);
	metrics_open(f, fam, monitor, NULL);
	fputc('}', f);
	metrics_value(f, sum);
	snprintf(fam, sizeof(fam), "%s_count", name);
	metrics_open(f, fam, monitor, NULL);
	fprintf(f, "} %llu\n", (unsigned long long)count);
}

/* Counters and histograms of stats.c, for the monitors configured now. */
static void
metrics_stats(FILE *f, struct rdd_daemon *d)
{
	static const char *const stname[4] = {
	    "ok", "warning", "critical", "unknown"};
	static const struct mstats zero;
	size_t i, k;

#define ST(i) (d->mon[i]->st != NULL ? d->mon[i]->st : &zero)
	metrics_family(f, "redundancyd_monitor_checks_total", "counter",
	    "Completed checks.");
	for (i = 0; i < d->nmon; i++) {
		metrics_open(f, "redundancyd_monitor_checks_total",
		    d->mon[i]->cm->name, NULL);
		fprintf(f, "} %llu\n", (unsigned long long)ST(i)->checks);
	}
	metrics_family(f, "redundancyd_checks_total", "counter",
	    "Completed checks, by the monitor state they left.");
	for (i = 0; i < d->nmon; i++)
		for (k = 0; k < 4; k++) {
			metrics_open(f, "redundancyd_checks_total",
			    d->mon[i]->cm->name, NULL);
			fprintf(f, ",state=\"%s\"} %llu\n", stname[k],
			    (unsigned long long)ST(i)->by_state[k]);
		}
	metrics_family(f, "redundancyd_monitor_overruns_total", "counter",
	    "Checks skipped because the previous one still ran.");
	for (i = 0; i < d->nmon; i++) {
		metrics_open(f, "redundancyd_monitor_overruns_total",
		    d->mon[i]->cm->name, NULL);
		fprintf(f, "} %llu\n", (unsigned long long)ST(i)->overruns);
	}
	metrics_family(f, "redundancyd_check_duration_seconds", "histogram",
	    "How long checks took, from sending to check_done.");
	for (i = 0; i < d->nmon; i++)
		metrics_histogram(f, "redundancyd_check_duration_seconds",
		    d->mon[i]->cm->name, ST(i)->dur, stats_check_le,
		    STATS_CHECK_NB, ST(i)->dur_sum, ST(i)->dur_count);
	metrics_family(f, "redundancyd_recoveries_total", "counter",
	    "Recovery actions that finished, by result.");
	for (i = 0; i < d->nmon; i++)
		for (k = 0; k < STATS_REC_N; k++) {
			metrics_open(f, "redundancyd_recoveries_total",
			    d->mon[i]->cm->name, NULL);
			fprintf(f, ",result=\"%s\"} %llu\n", stats_rec_name[k],
			    (unsigned long long)ST(i)->rec[k]);
		}
	metrics_family(f, "redundancyd_time_to_recover_seconds", "histogram",
	    "From an incident's detection to the check that found the "
	    "target healthy again.");
	for (i = 0; i < d->nmon; i++)
		metrics_histogram(f, "redundancyd_time_to_recover_seconds",
		    d->mon[i]->cm->name, ST(i)->ttr, stats_ttr_le, STATS_TTR_NB,
		    ST(i)->ttr_sum, ST(i)->ttr_count);
#undef ST
}

/* A per-target gauge of 0 or 1, or of a small integer. */
static void
metrics_target_gauge(FILE *f, struct rdd_daemon *d, const char *name,
    const char *help, int (*get)(const struct target *))
{
	size_t i, j;

	metrics_family(f, name, "gauge", help);
	for (i = 0; i < d->nmon; i++)
		for (j = 0; j < d->mon[i]->nt; j++) {
			metrics_open(f, name, d->mon[i]->cm->name,
			    d->mon[i]->t[j]->name);
			fprintf(f, "} %d\n", get(d->mon[i]->t[j]));
		}
}

static int
metrics_t_state(const struct target *t)
{
	return (int)t->state;
}

static int
metrics_t_attempts(const struct target *t)
{
	return t->attempts;
}

static int
metrics_t_operator(const struct target *t)
{
	return t->needs_operator || t->gave_up;
}

static int
metrics_t_gave_up(const struct target *t)
{
	return t->gave_up;
}

/*
 * Plugin metrics (an exec check's Nagios perfdata, a plugin's numbers) as
 * Nagios-to-Prometheus bridges export them: one family, the perfdata label
 * a label value, so "/" and "/var" stay apart whatever characters they
 * hold. Thresholds and bounds are families of their own, named as
 * Telegraf's Nagios parser names its fields (docs/metrics.md).
 */
static void
metrics_perfdata(FILE *f, struct rdd_daemon *d)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fam[] = {
	    {"redundancyd_perfdata",
	        "A plugin's metric (Nagios perfdata), "
	        "in base units (uom s, B, %, c or empty).",
	        offsetof(struct metric, value)},
	    {"redundancyd_perfdata_warning_lt",
	        "Below this the check warns "
	        "(the warning range's start).",
	        offsetof(struct metric, b.warn_lt)},
	    {"redundancyd_perfdata_warning_gt",
	        "Above this the check warns "
	        "(the warning range's end).",
	        offsetof(struct metric, b.warn_gt)},
	    {"redundancyd_perfdata_critical_lt",
	        "Below this the check is "
	        "critical (the critical range's start).",
	        offsetof(struct metric, b.crit_lt)},
	    {"redundancyd_perfdata_critical_gt",
	        "Above this the check is "
	        "critical (the critical range's end).",
	        offsetof(struct metric, b.crit_gt)},
	    {"redundancyd_perfdata_min", "The metric's least possible value.",
	        offsetof(struct metric, b.min)},
	    {"redundancyd_perfdata_max",
	        "The metric's greatest possible "
	        "value.",
	        offsetof(struct metric, b.max)},
	};
	size_t i, j, k, q;

	for (q = 0; q < sizeof(fam) / sizeof(fam[0]); q++) {
		metrics_family(f, fam[q].name, "gauge", fam[q].help);
		for (i = 0; i < d->nmon; i++)
			for (j = 0; j < d->mon[i]->nt; j++) {
				struct target *t = d->mon[i]->t[j];

				for (k = 0; k < t->nmetrics; k++) {
					const struct metric *mt =
					    &t->metrics[k];
					double v;

					memcpy(&v,
					    (const char *)mt + fam[q].off,
					    sizeof(v));
					if (!isfinite(v))
						continue;
					metrics_open(f, fam[q].name,
					    d->mon[i]->cm->name, t->name);
					fputs(",label=\"", f);
					health_label(f, mt->name);
					fputs("\",uom=\"", f);
					health_label(f, mt->unit);
					fputs("\"}", f);
					metrics_value(f, v);
				}
			}
	}
}

char *
engine_metrics_text(struct rdd_daemon *d)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	metrics_family(
	    f, "redundancyd_up", "gauge", "1 while the daemon runs.");
	fputs("redundancyd_up 1\n", f);
	metrics_family(f, "redundancyd_build_info", "gauge",
	    "Always 1: the daemon's version and plugin ABI as labels.");
	fprintf(f, "redundancyd_build_info{version=\"%s\",abi=\"%d.%d\"} 1\n",
	    PACKAGE_VERSION, RDD_ABI_MAJOR, RDD_ABI_MINOR);
	/* Identity as a join series: group_left(host, environment) on it. */
	metrics_family(f, "redundancyd_info", "gauge",
	    "Always 1; who this daemon is: daemon.host and "
	    "daemon.environment.");
	fputs("redundancyd_info{host=\"", f);
	health_label(f, d->conf && d->conf->host ? d->conf->host : "");
	fputs("\",environment=\"", f);
	health_label(f, d->conf && d->conf->environment ? d->conf->environment
	                                                : "");
	fputs("\"} 1\n", f);
	metrics_family(f, "redundancyd_start_time_seconds", "gauge",
	    "When the daemon started, in seconds since the epoch.");
	fputs("redundancyd_start_time_seconds", f);
	metrics_value(f, (double)d->started_wall / 1000.0);
	metrics_family(f, "redundancyd_state", "gauge",
	    "Overall state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.");
	fprintf(f, "redundancyd_state %d\n", d->overall);
	metrics_family(f, "redundancyd_recoveries_in_flight", "gauge",
	    "Recovery actions running now.");
	fprintf(f, "redundancyd_recoveries_in_flight %d\n", d->recoveries);
	metrics_family(
	    f, "redundancyd_monitor_state", "gauge", "Monitor roll-up state.");
	for (i = 0; i < d->nmon; i++) {
		metrics_open(
		    f, "redundancyd_monitor_state", d->mon[i]->cm->name, NULL);
		fprintf(f, "} %d\n", d->mon[i]->state);
	}
	metrics_family(f, "redundancyd_monitor_blocked", "gauge",
	    "1 while an upstream monitor (depends_on) is down.");
	for (i = 0; i < d->nmon; i++) {
		metrics_open(f, "redundancyd_monitor_blocked",
		    d->mon[i]->cm->name, NULL);
		fprintf(f, "} %d\n", monitor_blocked(d->mon[i]) ? 1 : 0);
	}
	metrics_family(f, "redundancyd_monitor_paused", "gauge",
	    "1 while an operator paused the monitor's recovery and alerts.");
	for (i = 0; i < d->nmon; i++) {
		long by;
		int64_t until;
		const char *why = NULL;

		metrics_open(
		    f, "redundancyd_monitor_paused", d->mon[i]->cm->name, NULL);
		fprintf(f, "} %d\n",
		    alerts_paused(
		        d->alerts, d->mon[i]->cm->name, &by, &until, &why)
		        ? 1
		        : 0);
	}
	metrics_stats(f, d);
	metrics_target_gauge(
	    f, d, "redundancyd_target_state", "Target state.", metrics_t_state);
	metrics_target_gauge(f, d, "redundancyd_target_recovery_attempts",
	    "Attempts in the current incident.", metrics_t_attempts);
	metrics_target_gauge(f, d, "redundancyd_target_needs_operator",
	    "1 while recovery stopped and waits for a person: every attempt "
	    "was spent (gave up) or no action applies.",
	    metrics_t_operator);
	metrics_target_gauge(f, d, "redundancyd_target_gave_up",
	    "1 while every attempt was spent and the cooldown runs.",
	    metrics_t_gave_up);
	metrics_perfdata(f, d);
	health_worker_metrics(f, d);
	alerts_metrics_text(d->alerts, f);
	health_alert_metrics(f, d);
	fclose(f);
	return buf;
}

/* ---- redundancyd --once --json ---- */

/*
 * The first "FILE:LINE:COL: MESSAGE [RULE]" in a target's message (the
 * actionlint form the workflow validator uses), as an object, or NULL.
 */
static json_object *
once_finding_json(const char *msg)
{
	const char *p, *f, *q, *r, *text;
	unsigned long line, col;
	char *end;
	json_object *o;

	for (p = msg; (p = strchr(p, ':')) != NULL; p++) {
		if (p[1] < '0' || p[1] > '9')
			continue;
		line = strtoul(p + 1, &end, 10);
		if (*end != ':' || end[1] < '0' || end[1] > '9')
			continue;
		col = strtoul(end + 1, &end, 10);
		if (end[0] != ':' || end[1] != ' ')
			continue;
		for (f = p; f > msg && f[-1] != ' '; f--)
			;
		if (f == p)
			continue;
		text = end + 2;
		for (q = text; (q = strstr(q, " [")) != NULL; q++) {
			for (r = q + 2; (*r >= 'a' && *r <= 'z') || *r == '-';
			     r++)
				;
			if (r > q + 2 && *r == ']' &&
			    (r[1] == '\0' || r[1] == ';' || r[1] == ' '))
				break;
		}
		if (q == NULL)
			return NULL;
		o = json_object_new_object();
		json_object_object_add(
		    o, "file", json_object_new_string_len(f, (int)(p - f)));
		json_object_object_add(
		    o, "line", json_object_new_int64((int64_t)line));
		json_object_object_add(
		    o, "col", json_object_new_int64((int64_t)col));
		json_object_object_add(o, "rule",
		    json_object_new_string_len(q + 2, (int)(r - q - 2)));
		json_object_object_add(o, "message",
		    json_object_new_string_len(text, (int)(q - text)));
		return o;
	}
	return NULL;
}

static json_object *
once_target_json(const struct target *t)
{
	json_object *o = json_object_new_object(), *mo;
	size_t i;

	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(
	    o, "state", json_object_new_string(util_state_name(t->state)));
	json_object_object_add(
	    o, "message", json_object_new_string(t->msg ? t->msg : ""));
	json_object_object_add(
	    o, "finding", t->msg ? once_finding_json(t->msg) : NULL);
	mo = json_object_new_object();
	for (i = 0; i < t->nmetrics; i++)
		json_object_object_add(mo, t->metrics[i].name,
		    json_object_new_double(t->metrics[i].value));
	json_object_object_add(o, "metrics", mo);
	return o;
}

char *
engine_once_json(struct rdd_daemon *d, enum rdd_state worst)
{
	json_object *o = json_object_new_object(), *ma, *mo, *ta;
	char *out;
	size_t i, j;

	ma = json_object_new_array();
	for (i = 0; i < d->nmon; i++) {
		const struct monitor *m = d->mon[i];

		mo = json_object_new_object();
		json_object_object_add(
		    mo, "name", json_object_new_string(m->cm->name));
		json_object_object_add(
		    mo, "plugin", json_object_new_string(m->pd->name));
		json_object_object_add(mo, "state",
		    json_object_new_string(util_state_name(m->state)));
		json_object_object_add(mo, "message",
		    json_object_new_string(m->msg ? m->msg : ""));
		ta = json_object_new_array();
		for (j = 0; j < m->nt; j++)
			json_object_array_add(ta, once_target_json(m->t[j]));
		json_object_object_add(mo, "targets", ta);
		json_object_array_add(ma, mo);
	}
	json_object_object_add(
	    o, "state", json_object_new_string(util_state_name(worst)));
	json_object_object_add(o, "monitors", ma);
	out = strdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}
