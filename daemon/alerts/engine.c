/*
 * engine.c: alerts from engine events: severity, routing, grouping,
 * inhibition, silences, acknowledgements, escalation, pause and dry-run.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "daemon.h"
#include "alerts.h"
#include "aconf.h"
#include "engine.h"
#include "holds.h"
#include "delivery.h"
#include "wire.h"

#define ENGINE_ROUTES_MAX 63 /* a route is a bit of a 64-bit mask */
#define ENGINE_SAMPLES_MAX 256
#define ENGINE_NULL_TIME "0001-01-01T00:00:00Z"
/*
 * Alertmanager receivers are fed state, as Prometheus feeds them: every
 * alert routed to them, re-sent while it fires with endsAt ahead (an
 * alert not re-sent ends by itself when we are gone), and a resolved one
 * with its endsAt for a while after.
 */
#define ENGINE_AM_RESEND_MS (60 * 1000)
#define ENGINE_AM_TTL_MS (4 * ENGINE_AM_RESEND_MS)
#define ENGINE_AM_KEEP_MS (10 * 60 * 1000)

struct alert {
	const char *alertname, *event;   /* static strings */
	char *monitor, *target, *metric; /* "" when none */
	enum aconf_sev sev;
	char *summary, *description, *next_step;
	int64_t starts, ends; /* wall ms; ends 0 while firing */
	int oneshot;          /* a notice: sent once, never resolved */
	int acked;
	int level;         /* escalation level reached, 1..3 */
	uint64_t routes;   /* routes it goes to: bit 0 is the root */
	uint64_t notified; /* routes that were told it fires */
	uint64_t pending;  /* routes that still owe it a message */
	char fp[17];
};

struct agroup {
	int route; /* 0: root, i + 1: routes[i] */
	char *monitor, *target;
	int64_t next_flush; /* 0: nothing to do */
	int64_t last_sent;
	uint64_t last_hash;
	uint64_t seq;
};

/* A resolved alert an Alertmanager receiver is still told about. */
struct am_resolved {
	char *rcv;
	char fp[17]; /* the alert's: the same labels firing again end it */
	json_object *alert;
	int64_t until;
};

struct series {
	char *monitor, *target, *metric;
	double t[ENGINE_SAMPLES_MAX], y[ENGINE_SAMPLES_MAX];
	size_t n;
};

struct alerts {
	struct rdd_daemon *d;
	const struct alerts_conf *ac;
	struct event *ev;
	alerts_put_fn put;
	void *put_arg;
	int64_t (*now)(void *);
	void *now_arg;

	struct alert **al;
	size_t nal;
	struct agroup **g;
	size_t ng;
	struct series **ser;
	size_t nser;
	struct rdd_strlist blocked; /* monitors blocked by an upstream */
	struct holds holds;

	uint64_t n_events, n_sent, n_resolved_sent, n_held, n_escalations,
	    n_dropped, n_put_failed;

	struct am_resolved *amr;
	size_t namr;
	struct holds amh; /* pauses from Alertmanager silences, in memory */
	struct log_limit am_lim;
	int has_am;	/* an alertmanager receiver is configured */
	int am_dirty;	/* something fired or ended: push now */
	int64_t am_next; /* the next resend, 0: nothing to resend */
};

/* ---- time, strings, fingerprints ---- */

static int64_t
engine_now(const struct alerts *a)
{
	return a->now ? a->now(a->now_arg) : util_wall_ms();
}

static char *
engine_dup(const char *s)
{
	return strdup(s ? s : "");
}

static void
engine_rfc3339(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "%s", ENGINE_NULL_TIME);
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(ms % 1000));
}

/* FNV-1a 64 over name 0xff value 0xff, as Alertmanager's label sets. */
static uint64_t
engine_fnv(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	h ^= 0xff;
	h *= 1099511628211ULL;
	return h;
}

static void
engine_fingerprint(struct alert *al)
{
	uint64_t h = 14695981039346656037ULL;

	/* The identity labels, sorted by name. */
	h = engine_fnv(engine_fnv(h, "alertname"), al->alertname);
	if (*al->metric)
		h = engine_fnv(engine_fnv(h, "metric"), al->metric);
	h = engine_fnv(engine_fnv(h, "monitor"), al->monitor);
	h = engine_fnv(engine_fnv(h, "target"), al->target);
	snprintf(al->fp, sizeof(al->fp), "%016llx", (unsigned long long)h);
}

static int
engine_streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* ---- events to alerts ---- */

struct engine_kind {
	const char *event, *alertname;
	enum aconf_sev sev;
	int oneshot;
};

static const struct engine_kind engine_kinds[] = {
    {"critical", "TargetCritical", ASEV_WARNING, 0},
    {"warning", "TargetWarning", ASEV_WARNING, 0},
    {"gave-up", "RecoveryGaveUp", ASEV_CRITICAL, 0},
    {"served", "ServedDegraded", ASEV_WARNING, 0},
    {"recovered", "TargetRecovered", ASEV_INFO, 1},
    {"crash", "PluginCrashed", ASEV_WARNING, 1},
    {"stall", "PluginStalled", ASEV_WARNING, 1},
    {"quarantine", "PluginQuarantined", ASEV_CRITICAL, 0},
    {"lifecycle", "DaemonLifecycle", ASEV_INFO, 1},
    {"blocked", "MonitorBlocked", ASEV_WARNING, 0},
    {"trend", "TrendForecast", ASEV_WARNING, 0},
    {NULL, NULL, ASEV_NONE, 0},
};

static const struct engine_kind *
engine_kind(const char *event)
{
	const struct engine_kind *k;

	for (k = engine_kinds; k->event != NULL; k++)
		if (strcmp(k->event, event) == 0)
			return k;
	return NULL;
}

static const char *
engine_next_step(const char *event, const char *monitor, const char *target,
    char *buf, size_t len)
{
	const char *m = *monitor ? monitor : "MONITOR";

	if (strcmp(event, "critical") == 0 || strcmp(event, "warning") == 0)
		snprintf(buf, len,
		    "redundancyd is acting on it: redundancyctl "
		    "health %s; redundancyctl ack %s%s%s stops escalation",
		    m, m, *target ? "/" : "", target);
	else if (strcmp(event, "gave-up") == 0)
		snprintf(buf, len,
		    "a person must act: fix the cause, then "
		    "redundancyctl recover %s %s; redundancyctl ack %s%s%s",
		    m, target, m, *target ? "/" : "", target);
	else if (strcmp(event, "served") == 0)
		snprintf(buf, len,
		    "a fallback serves meanwhile: fix the cause; the alert "
		    "resolves when %s%s%s is OK; redundancyctl ack %s%s%s",
		    m, *target ? "/" : "", target, m, *target ? "/" : "",
		    target);
	else if (strcmp(event, "quarantine") == 0 ||
	         strcmp(event, "crash") == 0 || strcmp(event, "stall") == 0)
		snprintf(buf, len,
		    "see redundancyctl logs %s; after a fix: "
		    "redundancyctl unquarantine WORKER (see status)",
		    m);
	else if (strcmp(event, "blocked") == 0)
		snprintf(buf, len, "fix the upstream monitor %s depends on", m);
	else if (strcmp(event, "trend") == 0)
		snprintf(buf, len,
		    "act before the limit: redundancyctl "
		    "recover %s %s, or raise the limit",
		    m, target);
	else
		snprintf(buf, len, "nothing to do");
	return buf;
}

static void
engine_alert_free(struct alert *al)
{
	free(al->monitor);
	free(al->target);
	free(al->metric);
	free(al->summary);
	free(al->description);
	free(al->next_step);
	free(al);
}

static struct alert *
engine_find(struct alerts *a, const char *alertname, const char *monitor,
    const char *target, const char *metric)
{
	size_t i;

	for (i = 0; i < a->nal; i++) {
		struct alert *al = a->al[i];

		if (al->ends == 0 && !al->oneshot &&
		    strcmp(al->alertname, alertname) == 0 &&
		    engine_streq(al->monitor, monitor) &&
		    engine_streq(al->target, target) &&
		    engine_streq(al->metric, metric))
			return al;
	}
	return NULL;
}

static int
engine_blocked(const struct alerts *a, const char *monitor)
{
	size_t i;

	for (i = 0; i < a->blocked.n; i++)
		if (strcmp(a->blocked.v[i], monitor) == 0)
			return 1;
	return 0;
}

/* Why an alert is held back now, or NULL. */
static const char *
engine_held(const struct alerts *a, const struct alert *al, int64_t now)
{
	if (holds_find(&a->holds, HOLD_PAUSE, al->monitor, NULL, now) &&
	    (*al->monitor ||
	        holds_find(&a->holds, HOLD_PAUSE, NULL, NULL, now)))
		return "paused";
	if (holds_find(&a->amh, HOLD_PAUSE, al->monitor, NULL, now) &&
	    (*al->monitor || holds_find(&a->amh, HOLD_PAUSE, NULL, NULL, now)))
		return "paused";
	if (*al->monitor && holds_find(&a->holds, HOLD_SILENCE, al->monitor,
	                        *al->target ? al->target : NULL, now))
		return "silenced";
	if (a->ac != NULL && a->ac->inhibit && *al->monitor &&
	    engine_blocked(a, al->monitor))
		return "inhibited";
	return NULL;
}

static uint64_t
engine_route(const struct alerts *a, const struct alert *al)
{
	const struct alerts_conf *ac = a->ac;
	uint64_t mask = 0;
	size_t i;

	if (ac == NULL)
		return 0;
	for (i = 0; i < ac->nroutes && i < ENGINE_ROUTES_MAX; i++)
		if (aconf_match(&ac->routes[i].match, aconf_sev_name(al->sev),
		        al->monitor, al->target, al->event)) {
			mask |= 1ULL << (i + 1);
			if (!ac->routes[i].cont)
				break;
		}
	if (mask == 0 && ac->root.receivers.n > 0)
		mask = 1;
	return mask;
}

static const struct aconf_route *
engine_route_conf(const struct alerts *a, int r)
{
	if (a->ac == NULL)
		return NULL;
	if (r == 0)
		return &a->ac->root;
	if ((size_t)r - 1 < a->ac->nroutes)
		return &a->ac->routes[r - 1];
	return NULL;
}

static struct agroup *
engine_group(struct alerts *a, int route, const char *monitor,
    const char *target, int create)
{
	struct agroup *g, **nv;
	size_t i;

	for (i = 0; i < a->ng; i++)
		if (a->g[i]->route == route &&
		    strcmp(a->g[i]->monitor, monitor) == 0 &&
		    strcmp(a->g[i]->target, target) == 0)
			return a->g[i];
	if (!create || (g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	if ((nv = realloc(a->g, (a->ng + 1) * sizeof(*nv))) == NULL) {
		free(g);
		return NULL;
	}
	a->g = nv;
	g->route = route;
	g->monitor = engine_dup(monitor);
	g->target = engine_dup(target);
	a->g[a->ng++] = g;
	return g;
}

static void engine_arm(struct alerts *a);
static void engine_flush(struct alerts *a, struct agroup *g, int64_t now);
static void engine_am_watch(struct alerts *a);
static void engine_am_resolved(
    struct alerts *a, const struct alert *al, int64_t now);

/* Something changed in the groups of al: flush them when timings allow. */
static void
engine_touch(struct alerts *a, const struct alert *al, int64_t now)
{
	const struct aconf_route *rc;
	struct agroup *g;
	int r;

	for (r = 0; r <= ENGINE_ROUTES_MAX; r++) {
		if (!(al->routes & (1ULL << r)) ||
		    (rc = engine_route_conf(a, r)) == NULL)
			continue;
		if ((g = engine_group(a, r, al->monitor, al->target, 1)) ==
		    NULL)
			continue;
		if (g->next_flush != 0)
			continue;
		if (g->seq == 0)
			g->next_flush = now + rc->group_wait_ms;
		else
			g->next_flush =
			    g->last_sent + rc->group_interval_ms > now
			        ? g->last_sent + rc->group_interval_ms
			        : now;
		if (g->next_flush == 0)
			g->next_flush = 1;
	}
	engine_arm(a);
}

/* After a hold went away: held alerts may now be told. */
static void
engine_touch_all(struct alerts *a)
{
	int64_t now = engine_now(a);
	size_t i;

	for (i = 0; i < a->ng; i++)
		if (a->g[i]->next_flush == 0)
			a->g[i]->next_flush = now > 0 ? now : 1;
	engine_arm(a);
}

/*
 * al resolved: its ack ends, and so does an ack of its whole monitor once
 * no alert of that monitor fires any more.
 */
static void
engine_ack_release(struct alerts *a, const struct alert *al)
{
	size_t i;

	if (!al->acked)
		return;
	holds_remove_on(&a->holds, HOLD_ACK, al->monitor, al->target);
	for (i = 0; i < a->nal; i++)
		if (a->al[i]->ends == 0 && !a->al[i]->oneshot &&
		    strcmp(a->al[i]->monitor, al->monitor) == 0)
			return;
	holds_remove_on(&a->holds, HOLD_ACK, al->monitor, NULL);
}

/*
 * The first rule naming event "recovered" (or a glob matching it) that
 * matches al's monitor and target: it governs al's resolved notice.
 */
static const struct aconf_rule *
engine_recovered_rule(const struct alerts *a, const struct alert *al)
{
	const struct alerts_conf *ac = a->ac;
	size_t i;

	for (i = 0; ac != NULL && i < ac->nrules; i++)
		if (ac->rules[i].match.event != NULL &&
		    aconf_match(&ac->rules[i].match, NULL, al->monitor,
		        al->target, "recovered"))
			return &ac->rules[i];
	return NULL;
}

/* Child routes that name event "recovered": they hear every resolution. */
static uint64_t
engine_recovered_routes(const struct alerts *a, const struct alert *al)
{
	const struct alerts_conf *ac = a->ac;
	uint64_t mask = 0;
	size_t i;

	for (i = 0; ac != NULL && i < ac->nroutes && i < ENGINE_ROUTES_MAX;
	     i++)
		if (ac->routes[i].match.event != NULL &&
		    aconf_match(&ac->routes[i].match, aconf_sev_name(al->sev),
		        al->monitor, al->target, "recovered"))
			mask |= 1ULL << (i + 1);
	return mask;
}

static void
engine_resolve(struct alerts *a, struct alert *al, int64_t now)
{
	const struct aconf_rule *r;
	uint64_t extra;

	if (al->ends != 0)
		return;
	al->ends = now > al->starts ? now : al->starts + 1;
	engine_am_resolved(a, al, now);
	r = engine_recovered_rule(a, al);
	if (r != NULL && r->severity == ASEV_NONE && al->notified != 0) {
		/* Resolves silently: no route, no level hears it end. */
		al->pending = 0;
		al->level = 1;
		a->n_dropped++;
		log_write(*al->monitor ? al->monitor : NULL, RDD_LOG_DEBUG,
		    "alert %s %s resolved: no resolved notice (rule on event "
		    "recovered)",
		    al->fp, al->summary);
		engine_ack_release(a, al);
		engine_arm(a);
		return;
	}
	if (r != NULL && r->severity != ASEV_NONE)
		al->sev = r->severity;
	/*
	 * The routes that heard it fire hear it end, and the routes that
	 * ask for recovered notices (only of alerts that were told).
	 */
	extra = al->notified != 0 ? engine_recovered_routes(a, al) : 0;
	al->routes |= extra;
	al->notified |= extra;
	al->pending = al->notified;
	engine_ack_release(a, al);
	engine_touch(a, al, now);
}

static void
engine_fire(struct alerts *a, const char *event, const char *monitor,
    const char *target, const char *metric, const char *msg)
{
	const struct engine_kind *k = engine_kind(event);
	const struct alerts_conf *ac = a->ac;
	struct alert *al, **nv;
	enum aconf_sev sev;
	int64_t now = engine_now(a);
	char buf[512], ns[512];
	size_t i;

	if (k == NULL)
		return;
	monitor = monitor ? monitor : "";
	target = target ? target : "";
	metric = metric ? metric : "";
	a->n_events++;
	if ((al = engine_find(a, k->alertname, monitor, target, metric)) !=
	    NULL) {
		/* Still firing: dedup; a new message updates the text. */
		if (msg && *msg && strcmp(al->description, msg) != 0) {
			free(al->description);
			al->description = engine_dup(msg);
		}
		return;
	}
	sev = k->sev;
	for (i = 0; ac != NULL && i < ac->nrules; i++)
		if (aconf_match(
		        &ac->rules[i].match, NULL, monitor, target, event)) {
			sev = ac->rules[i].severity;
			break;
		}
	if (sev == ASEV_NONE) {
		a->n_dropped++;
		return;
	}
	if ((al = calloc(1, sizeof(*al))) == NULL ||
	    (nv = realloc(a->al, (a->nal + 1) * sizeof(*nv))) == NULL) {
		free(al);
		return;
	}
	a->al = nv;
	al->alertname = k->alertname;
	al->event = k->event;
	al->monitor = engine_dup(monitor);
	al->target = engine_dup(target);
	al->metric = engine_dup(metric);
	al->sev = sev;
	al->oneshot = k->oneshot;
	al->level = 1;
	al->starts = now;
	if (*monitor)
		snprintf(buf, sizeof(buf), "%s%s%s: %s", monitor,
		    *target ? "/" : "", target, event);
	else
		snprintf(buf, sizeof(buf), "redundancyd: %s", event);
	al->summary = engine_dup(buf);
	al->description = engine_dup(msg);
	al->next_step = engine_dup(
	    engine_next_step(event, monitor, target, ns, sizeof(ns)));
	engine_fingerprint(al);
	al->routes = engine_route(a, al);
	al->pending = al->routes;
	if (holds_find(
	        &a->holds, HOLD_ACK, monitor, *target ? target : NULL, now))
		al->acked = 1;
	a->al[a->nal++] = al;
	log_write(*monitor ? monitor : NULL, RDD_LOG_DEBUG,
	    "alert %s %s "
	    "(%s) fires%s",
	    al->fp, al->summary, aconf_sev_name(sev),
	    al->routes ? "" : ": no route");
	if (a->has_am && !al->oneshot) {
		/* Firing again: its old end must not follow it. */
		for (i = 0; i < a->namr; i++)
			if (strcmp(a->amr[i].fp, al->fp) == 0)
				a->amr[i].until = 0;
		a->am_dirty = 1;
	}
	engine_touch(a, al, now);
}

/* Resolve the alerts of monitor/target (all of monitor's when target
 * is NULL), or only those named alertname. */
static void
engine_clear(struct alerts *a, const char *alertname, const char *monitor,
    const char *target)
{
	int64_t now = engine_now(a);
	size_t i;

	for (i = 0; i < a->nal; i++) {
		struct alert *al = a->al[i];

		if (al->ends != 0 || al->oneshot ||
		    !engine_streq(al->monitor, monitor) ||
		    (target != NULL && !engine_streq(al->target, target)) ||
		    (alertname != NULL &&
		        strcmp(al->alertname, alertname) != 0))
			continue;
		engine_resolve(a, al, now);
	}
}

static void
engine_set_blocked(struct alerts *a, const char *monitor, int on)
{
	struct rdd_strlist *b = &a->blocked;
	char **nv;
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->v[i], monitor) == 0)
			break;
	if (on && i == b->n) {
		if ((nv = realloc(b->v, (b->n + 1) * sizeof(*nv))) == NULL)
			return;
		b->v = nv;
		if ((b->v[b->n] = strdup(monitor)) != NULL)
			b->n++;
	} else if (!on && i < b->n) {
		free(b->v[i]);
		b->v[i] = b->v[--b->n];
		engine_touch_all(a);
	}
}

void
alerts_event_kind(struct alerts *a, enum alert_event ev, const char *kind,
    const char *monitor, const char *target, const char *msg)
{
	if (a == NULL)
		return;
	switch (ev) {
	case AEV_CRITICAL:
		engine_clear(a, "TargetWarning", monitor, target ? target : "");
		engine_clear(
		    a, "ServedDegraded", monitor, target ? target : "");
		engine_fire(a, "critical", monitor, target, NULL, msg);
		break;
	case AEV_WARNING:
		engine_clear(
		    a, "TargetCritical", monitor, target ? target : "");
		engine_fire(a, "warning", monitor, target, NULL, msg);
		break;
	case AEV_GAVE_UP:
		engine_fire(a, "gave-up", monitor, target, NULL, msg);
		break;
	case AEV_SERVED:
		/* Served: the CRITICAL alert gives way to this warning. */
		engine_clear(
		    a, "TargetCritical", monitor, target ? target : "");
		engine_clear(a, "TargetWarning", monitor, target ? target : "");
		engine_fire(a, "served", monitor, target, NULL, msg);
		break;
	case AEV_RECOVERED:
		/* The resolved notifications say it: no alert of its own. */
		engine_clear(a, NULL, monitor, target ? target : "");
		if (target == NULL || *target == '\0')
			engine_clear(a, "PluginQuarantined", monitor, "");
		break;
	case AEV_PLUGIN:
		engine_fire(a, kind ? kind : "crash", monitor, NULL, NULL, msg);
		break;
	case AEV_LIFECYCLE:
		engine_fire(a, "lifecycle", NULL, NULL, NULL, msg);
		break;
	case AEV_BLOCKED:
		if (monitor == NULL)
			break;
		if (kind != NULL && strcmp(kind, "unblocked") == 0) {
			engine_set_blocked(a, monitor, 0);
			engine_clear(a, "MonitorBlocked", monitor, "");
			break;
		}
		if (engine_blocked(a, monitor))
			break;
		engine_set_blocked(a, monitor, 1);
		/* Inhibited: named in the upstream's alert instead. */
		if (a->ac != NULL && !a->ac->inhibit)
			engine_fire(a, "blocked", monitor, NULL, NULL, msg);
		else
			engine_touch_all(a);
		break;
	}
}

void
alerts_event(struct alerts *a, enum alert_event ev, const char *monitor,
    const char *target, const char *msg)
{
	alerts_event_kind(a, ev, NULL, monitor, target, msg);
}

/* ---- inhibition: who is blocked behind an upstream ---- */

static const struct conf_monitor *
engine_conf_monitor(const struct alerts *a, const char *name)
{
	const struct conf *c = a->d ? a->d->conf : NULL;
	size_t i;

	for (i = 0; c != NULL && i < c->nmon; i++)
		if (strcmp(c->mon[i].name, name) == 0)
			return &c->mon[i];
	return NULL;
}

static int
engine_depends(
    const struct alerts *a, const char *down, const char *up, int depth)
{
	const struct conf_monitor *cm = engine_conf_monitor(a, down);
	size_t i;

	if (cm == NULL || depth > 32)
		return 0;
	for (i = 0; i < cm->depends_on.n; i++)
		if (strcmp(cm->depends_on.v[i], up) == 0 ||
		    engine_depends(a, cm->depends_on.v[i], up, depth + 1))
			return 1;
	return 0;
}

/* "3 dependent monitors blocked: a, b, c", or "" */
static void
engine_dependents(const struct alerts *a, const char *up, char *buf, size_t len)
{
	size_t i, n = 0, o;
	char names[256];

	names[0] = '\0';
	o = 0;
	for (i = 0; i < a->blocked.n; i++)
		if (engine_depends(a, a->blocked.v[i], up, 0)) {
			if (o < sizeof(names))
				o += (size_t)snprintf(names + o,
				    sizeof(names) - o, "%s%s", n ? ", " : "",
				    a->blocked.v[i]);
			n++;
		}
	if (n == 0)
		buf[0] = '\0';
	else
		snprintf(buf, len, "%zu dependent monitor%s blocked: %s", n,
		    n == 1 ? "" : "s", names);
}

/* ---- notifications ---- */

/* daemon.host (the host name unless configured), and the environment. */
static const char *
engine_host(const struct alerts *a)
{
	static char host[256];

	if (a->d != NULL && a->d->conf != NULL && a->d->conf->host != NULL &&
	    *a->d->conf->host != '\0')
		return a->d->conf->host;
	if (host[0] == '\0' && gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "localhost");
	return host;
}

static const char *
engine_env(const struct alerts *a)
{
	return a->d != NULL && a->d->conf != NULL &&
	               a->d->conf->environment != NULL
	           ? a->d->conf->environment
	           : "";
}

static json_object *
engine_labels(const struct alerts *a, const struct alert *al)
{
	json_object *l = json_object_new_object();

	/* Who says it: a fleet's alerts meet in one Alertmanager. */
	json_object_object_add(
	    l, "host", json_object_new_string(engine_host(a)));
	if (*engine_env(a))
		json_object_object_add(
		    l, "environment", json_object_new_string(engine_env(a)));
	json_object_object_add(
	    l, "alertname", json_object_new_string(al->alertname));
	json_object_object_add(
	    l, "monitor", json_object_new_string(al->monitor));
	json_object_object_add(l, "target", json_object_new_string(al->target));
	json_object_object_add(
	    l, "severity", json_object_new_string(aconf_sev_name(al->sev)));
	json_object_object_add(l, "event", json_object_new_string(al->event));
	if (*al->metric)
		json_object_object_add(
		    l, "metric", json_object_new_string(al->metric));
	return l;
}

static json_object *
engine_annotations(const struct alerts *a, const struct alert *al, int level)
{
	json_object *o = json_object_new_object();
	char dep[400], *desc = NULL;

	json_object_object_add(
	    o, "summary", json_object_new_string(al->summary));
	engine_dependents(a, al->monitor, dep, sizeof(dep));
	if (*dep && al->ends == 0 && *al->monitor &&
	    asprintf(&desc, "%s (%s)", al->description, dep) > 0) {
		json_object_object_add(
		    o, "description", json_object_new_string(desc));
		json_object_object_add(
		    o, "inhibited", json_object_new_string(dep));
		free(desc);
	} else
		json_object_object_add(
		    o, "description", json_object_new_string(al->description));
	json_object_object_add(
	    o, "next_step", json_object_new_string(al->next_step));
	if (level > 1) {
		char l[16];

		snprintf(l, sizeof(l), "L%d", level);
		json_object_object_add(
		    o, "escalation", json_object_new_string(l));
	}
	return o;
}

static json_object *
engine_alert_json(const struct alerts *a, const struct alert *al, int level)
{
	json_object *o = json_object_new_object();
	char ts[64], url[512];
	const char *ext =
	    a->ac && a->ac->external_url ? a->ac->external_url : "";

	json_object_object_add(o, "status",
	    json_object_new_string(al->ends ? "resolved" : "firing"));
	json_object_object_add(o, "labels", engine_labels(a, al));
	json_object_object_add(
	    o, "annotations", engine_annotations(a, al, level));
	engine_rfc3339(al->starts, ts, sizeof(ts));
	json_object_object_add(o, "startsAt", json_object_new_string(ts));
	engine_rfc3339(al->ends, ts, sizeof(ts));
	json_object_object_add(o, "endsAt", json_object_new_string(ts));
	snprintf(url, sizeof(url), "%s%s%s", ext,
	    *ext && *al->monitor ? "/#" : "", *ext ? al->monitor : "");
	json_object_object_add(o, "generatorURL", json_object_new_string(url));
	json_object_object_add(
	    o, "fingerprint", json_object_new_string(al->fp));
	return o;
}

/* Labels equal in every alert of arr (labels or annotations). */
static json_object *
engine_common(json_object *arr, const char *field)
{
	json_object *common = json_object_new_object(), *first, *v, *w;
	size_t i, n = json_object_array_length(arr);

	if (n == 0 || !json_object_object_get_ex(
	                  json_object_array_get_idx(arr, 0), field, &first))
		return common;
	json_object_object_foreach(first, k, val)
	{
		int same = 1;

		for (i = 1; i < n && same; i++) {
			json_object *f;

			json_object_object_get_ex(
			    json_object_array_get_idx(arr, i), field, &f);
			same = f != NULL &&
			       json_object_object_get_ex(f, k, &w) &&
			       strcmp(json_object_get_string(w),
			           json_object_get_string(val)) == 0;
		}
		if (same) {
			v = json_object_new_string(json_object_get_string(val));
			json_object_object_add(common, k, v);
		}
	}
	return common;
}

static void
engine_groupkey(const struct alerts *a, int route, const char *monitor,
    const char *target, char *buf, size_t len)
{
	const struct aconf_route *rc = engine_route_conf(a, route);
	char m[256] = "";

	if (rc != NULL && route > 0) {
		const struct aconf_match *mt = &rc->match;

		snprintf(m, sizeof(m), "%s%s%s%s%s%s%s%s%s%s%s%s",
		    mt->event ? "event=\"" : "", mt->event ? mt->event : "",
		    mt->event ? "\"," : "", mt->monitor ? "monitor=\"" : "",
		    mt->monitor ? mt->monitor : "", mt->monitor ? "\"," : "",
		    mt->severity ? "severity=\"" : "",
		    mt->severity ? mt->severity : "", mt->severity ? "\"," : "",
		    mt->target ? "target=\"" : "", mt->target ? mt->target : "",
		    mt->target ? "\"," : "");
		if (*m)
			m[strlen(m) - 1] = '\0';
		snprintf(buf, len, "{}/{%s}:{monitor=\"%s\", target=\"%s\"}", m,
		    monitor, target);
	} else
		snprintf(buf, len, "{}:{monitor=\"%s\", target=\"%s\"}",
		    monitor, target);
}

static enum rdd_state
engine_state(enum aconf_sev s)
{
	return s == ASEV_CRITICAL  ? RDD_CRITICAL
	       : s == ASEV_WARNING ? RDD_WARNING
	                           : RDD_OK;
}

/* One document to every receiver of rcv. key names it for the outbox. */
/* ---- Alertmanager receivers: state, not notifications ---- */

static const struct alert_receiver *
engine_rcv(const struct alerts *a, const char *name)
{
	const struct alert_receiver *r;
	size_t i, n = 0;

	if (a->ac == NULL)
		return NULL;
	r = alerts_conf_receivers(a->ac, &n);
	for (i = 0; i < n; i++)
		if (strcmp(r[i].name, name) == 0)
			return &r[i];
	return NULL;
}

static int
engine_is_am(const struct alerts *a, const char *name)
{
	const struct alert_receiver *r = engine_rcv(a, name);

	return r != NULL && r->type == RCV_ALERTMANAGER;
}

static int
engine_routed_to(const struct alerts *a, const struct alert *al,
    const char *name)
{
	const struct aconf_route *rc;
	size_t k;
	int r;

	for (r = 0; r <= ENGINE_ROUTES_MAX; r++) {
		if (!(al->routes & (1ULL << r)) ||
		    (rc = engine_route_conf(a, r)) == NULL)
			continue;
		for (k = 0; k < rc->receivers.n; k++)
			if (strcmp(rc->receivers.v[k], name) == 0)
				return 1;
	}
	return 0;
}

/*
 * One alert as POST /api/v2/alerts takes it: the webhook's form without
 * status and fingerprint (Alertmanager makes its own), the plugin among
 * the labels, and endsAt ahead while it fires.
 */
static json_object *
engine_am_alert(const struct alerts *a, const struct alert *al, int64_t ends)
{
	const struct conf_monitor *cm = engine_conf_monitor(a, al->monitor);
	json_object *o = engine_alert_json(a, al, 1), *l;
	char ts[64];

	json_object_object_del(o, "status");
	json_object_object_del(o, "fingerprint");
	if (cm != NULL && cm->plugin != NULL &&
	    json_object_object_get_ex(o, "labels", &l))
		json_object_object_add(
		    l, "plugin", json_object_new_string(cm->plugin));
	engine_rfc3339(ends, ts, sizeof(ts));
	json_object_object_add(o, "endsAt", json_object_new_string(ts));
	return o;
}

/* al ended: the Alertmanager receivers it went to hear so for a while. */
static void
engine_am_resolved(struct alerts *a, const struct alert *al, int64_t now)
{
	const struct alert_receiver *r;
	struct am_resolved *nv;
	size_t i, n = 0;

	if (!a->has_am || al->oneshot)
		return;
	r = alerts_conf_receivers(a->ac, &n);
	for (i = 0; i < n; i++) {
		if (r[i].type != RCV_ALERTMANAGER ||
		    !engine_routed_to(a, al, r[i].name))
			continue;
		if ((nv = realloc(a->amr, (a->namr + 1) * sizeof(*nv))) == NULL)
			return;
		a->amr = nv;
		nv[a->namr].rcv = engine_dup(r[i].name);
		memcpy(nv[a->namr].fp, al->fp, sizeof(nv[a->namr].fp));
		nv[a->namr].alert = engine_am_alert(a, al, al->ends);
		nv[a->namr].until = now + ENGINE_AM_KEEP_MS;
		a->namr++;
		a->am_dirty = 1;
	}
}

/* What every Alertmanager receiver is told now: one outbox entry each. */
static void
engine_am_push(struct alerts *a, int64_t now)
{
	const struct alert_receiver *r;
	size_t i, k, n = 0;
	int again = 0;

	a->am_dirty = 0;
	r = a->ac != NULL ? alerts_conf_receivers(a->ac, &n) : NULL;
	for (i = 0; i < n; i++) {
		json_object *arr;
		enum aconf_sev sev = ASEV_INFO;
		char key[512];

		if (r[i].type != RCV_ALERTMANAGER)
			continue;
		arr = json_object_new_array();
		for (k = 0; k < a->nal; k++) {
			const struct alert *al = a->al[k];

			if (al->ends != 0 || al->oneshot ||
			    !engine_routed_to(a, al, r[i].name) ||
			    engine_held(a, al, now))
				continue;
			json_object_array_add(arr,
			    engine_am_alert(a, al, now + ENGINE_AM_TTL_MS));
			if (al->sev > sev)
				sev = al->sev;
			again = 1;
		}
		for (k = 0; k < a->namr; k++)
			if (a->amr[k].until > now &&
			    strcmp(a->amr[k].rcv, r[i].name) == 0) {
				json_object_array_add(
				    arr, json_object_get(a->amr[k].alert));
				again = 1;
			}
		if (json_object_array_length(arr) > 0) {
			snprintf(key, sizeof(key), "am/%s/%lld", r[i].name,
			    (long long)now);
			if (a->put(a->put_arg, r[i].name, key,
			        json_object_to_json_string_ext(
			            arr, JSON_C_TO_STRING_PLAIN),
			        engine_state(sev)) != 0) {
				a->n_put_failed++;
				log_warn("alerts: state for receiver %s could "
				         "not be queued",
				    r[i].name);
			} else
				a->n_sent++;
		}
		json_object_put(arr);
	}
	for (k = 0; k < a->namr;)
		if (a->amr[k].until <= now) {
			free(a->amr[k].rcv);
			json_object_put(a->amr[k].alert);
			a->amr[k] = a->amr[--a->namr];
		} else
			k++;
	a->am_next = again ? now + ENGINE_AM_RESEND_MS : 0;
}

static void
engine_am_due(struct alerts *a, int64_t now)
{
	if (a->has_am &&
	    (a->am_dirty || (a->am_next != 0 && now >= a->am_next)))
		engine_am_push(a, now);
}

static void
engine_send(struct alerts *a, const struct rdd_strlist *rcv,
    const char *groupkey, const char *monitor, const char *target,
    json_object *alerts, enum aconf_sev sev, const char *keybase)
{
	json_object *doc, *gl;
	int firing = 0;
	size_t i;

	for (i = 0; i < json_object_array_length(alerts); i++) {
		json_object *s;

		json_object_object_get_ex(
		    json_object_array_get_idx(alerts, i), "status", &s);
		firing |= strcmp(json_object_get_string(s), "firing") == 0;
	}
	for (i = 0; i < rcv->n; i++) {
		char key[512];
		const char *text;

		/* Told by engine_am_push, as state: not per group. */
		if (engine_is_am(a, rcv->v[i]))
			continue;

		doc = json_object_new_object();
		json_object_object_add(
		    doc, "version", json_object_new_string("4"));
		json_object_object_add(
		    doc, "groupKey", json_object_new_string(groupkey));
		json_object_object_add(
		    doc, "truncatedAlerts", json_object_new_int(0));
		json_object_object_add(doc, "status",
		    json_object_new_string(firing ? "firing" : "resolved"));
		json_object_object_add(
		    doc, "receiver", json_object_new_string(rcv->v[i]));
		gl = json_object_new_object();
		json_object_object_add(
		    gl, "monitor", json_object_new_string(monitor));
		json_object_object_add(
		    gl, "target", json_object_new_string(target));
		json_object_object_add(doc, "groupLabels", gl);
		json_object_object_add(
		    doc, "commonLabels", engine_common(alerts, "labels"));
		json_object_object_add(doc, "commonAnnotations",
		    engine_common(alerts, "annotations"));
		json_object_object_add(doc, "externalURL",
		    json_object_new_string(a->ac && a->ac->external_url
		                               ? a->ac->external_url
		                               : ""));
		json_object_object_add(doc, "alerts", json_object_get(alerts));
		text =
		    json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
		snprintf(key, sizeof(key), "%s/%s", keybase, rcv->v[i]);
		if (a->put(a->put_arg, rcv->v[i], key, text,
		        engine_state(sev)) != 0) {
			a->n_put_failed++;
			log_warn(
			    "alerts: notification %s for receiver %s could "
			    "not be queued",
			    key, rcv->v[i]);
		} else
			a->n_sent++;
		json_object_put(doc);
	}
}

static uint64_t
engine_hash_add(uint64_t h, const struct alert *al)
{
	char v[64];

	snprintf(v, sizeof(v), "%lld:%lld", (long long)al->starts,
	    (long long)al->ends);
	return engine_fnv(engine_fnv(h, al->fp), v);
}

static void
engine_flush(struct alerts *a, struct agroup *g, int64_t now)
{
	const struct aconf_route *rc = engine_route_conf(a, g->route);
	uint64_t bit = 1ULL << g->route, h = 14695981039346656037ULL;
	json_object *arr = json_object_new_array();
	enum aconf_sev sev = ASEV_INFO;
	int firing = 0, resolved = 0, due;
	size_t i;

	g->next_flush = 0;
	for (i = 0; i < a->nal; i++) {
		struct alert *al = a->al[i];

		if (!(al->pending & bit) || strcmp(al->monitor, g->monitor) ||
		    strcmp(al->target, g->target))
			continue;
		if (al->ends == 0 && engine_held(a, al, now)) {
			a->n_held++;
			continue;
		}
		if (al->ends != 0 && !(al->notified & bit)) {
			al->pending &= ~bit;
			continue;
		}
		json_object_array_add(arr, engine_alert_json(a, al, al->level));
		h = engine_hash_add(h, al);
		if (al->ends)
			resolved++;
		else
			firing++;
		if (al->sev > sev)
			sev = al->sev;
	}
	due = rc != NULL && json_object_array_length(arr) > 0 &&
	      (h != g->last_hash ||
	          (firing && now - g->last_sent >= rc->repeat_interval_ms));
	if (due) {
		char gk[768], kb[1024];

		engine_groupkey(
		    a, g->route, g->monitor, g->target, gk, sizeof(gk));
		g->seq++;
		snprintf(kb, sizeof(kb), "%016llx/%s/%016llx/%llu",
		    (unsigned long long)engine_fnv(14695981039346656037ULL, gk),
		    firing ? "firing" : "resolved", (unsigned long long)h,
		    (unsigned long long)g->seq);
		engine_send(
		    a, &rc->receivers, gk, g->monitor, g->target, arr, sev, kb);
		if (!firing)
			a->n_resolved_sent++;
		g->last_sent = now;
		g->last_hash = h;
		/* What was told: firing alerts are notified, the rest done. */
		for (i = 0; i < a->nal; i++) {
			struct alert *al = a->al[i];

			if (!(al->pending & bit) ||
			    strcmp(al->monitor, g->monitor) ||
			    strcmp(al->target, g->target))
				continue;
			if (al->ends == 0 && engine_held(a, al, now))
				continue;
			al->notified |= bit;
			if (al->ends != 0 || al->oneshot)
				al->pending &= ~bit;
		}
	}
	json_object_put(arr);
	if (firing && rc != NULL)
		g->next_flush = now + rc->group_interval_ms;
}

/* Resolved to every escalation level it reached. */
static void
engine_escalate_send(struct alerts *a, struct alert *al, int level)
{
	const struct alerts_conf *ac = a->ac;
	json_object *arr;
	char gk[512], kb[600];
	size_t i;

	for (i = 0; i < ac->nlevels; i++) {
		if (ac->levels[i].level != level)
			continue;
		arr = json_object_new_array();
		json_object_array_add(arr, engine_alert_json(a, al, level));
		snprintf(gk, sizeof(gk),
		    "{}/{escalation=\"L%d\"}:{monitor="
		    "\"%s\", target=\"%s\"}",
		    level, al->monitor, al->target);
		snprintf(kb, sizeof(kb), "%s/L%d/%s/%lld", al->fp, level,
		    al->ends ? "resolved" : "firing", (long long)al->starts);
		engine_send(a, &ac->levels[i].receivers, gk, al->monitor,
		    al->target, arr, al->sev, kb);
		json_object_put(arr);
	}
}

static void
engine_escalations(struct alerts *a, int64_t now)
{
	const struct alerts_conf *ac = a->ac;
	size_t i, k;

	if (ac == NULL || ac->nlevels == 0)
		return;
	for (i = 0; i < a->nal; i++) {
		struct alert *al = a->al[i];

		if (al->ends != 0 || al->oneshot || al->acked ||
		    al->sev < ASEV_WARNING || engine_held(a, al, now))
			continue;
		for (k = 0; k < ac->nlevels; k++) {
			const struct aconf_level *l = &ac->levels[k];

			if (l->level <= al->level ||
			    now < al->starts + l->after_ms)
				continue;
			al->level = l->level;
			a->n_escalations++;
			log_write(*al->monitor ? al->monitor : NULL,
			    RDD_LOG_WARN,
			    "alert %s escalated to L%d: not "
			    "acknowledged after %lld s",
			    al->summary, l->level,
			    (long long)l->after_ms / 1000);
			journal_write("alert-escalate", al->monitor, al->target,
			    al->summary, -1);
			engine_escalate_send(a, al, l->level);
		}
	}
}

/* Resolved alerts that every route has heard of are forgotten. */
static void
engine_gc(struct alerts *a)
{
	size_t i, j;

	for (i = 0; i < a->nal;) {
		struct alert *al = a->al[i];

		if ((al->ends != 0 || al->oneshot) && al->pending == 0) {
			int lv;

			if (al->ends != 0 && a->ac != NULL)
				for (lv = 2; lv <= al->level; lv++)
					engine_escalate_send(a, al, lv);
			engine_alert_free(al);
			a->al[i] = a->al[--a->nal];
			continue;
		}
		i++;
	}
	for (i = 0; i < a->ng;) {
		struct agroup *g = a->g[i];
		int used = 0;

		for (j = 0; j < a->nal && !used; j++)
			used = (a->al[j]->pending & (1ULL << g->route)) &&
			       strcmp(a->al[j]->monitor, g->monitor) == 0 &&
			       strcmp(a->al[j]->target, g->target) == 0;
		if (!used && g->next_flush == 0) {
			free(g->monitor);
			free(g->target);
			free(g);
			a->g[i] = a->g[--a->ng];
			continue;
		}
		i++;
	}
}

static int64_t
engine_next_deadline(const struct alerts *a, int64_t now)
{
	int64_t best = holds_next_expiry(&a->holds), t;
	size_t i, k;

	for (i = 0; i < a->ng; i++)
		if (a->g[i]->next_flush != 0 &&
		    (best == 0 || a->g[i]->next_flush < best))
			best = a->g[i]->next_flush;
	for (i = 0; a->ac != NULL && i < a->nal; i++) {
		const struct alert *al = a->al[i];

		if (al->ends != 0 || al->oneshot || al->acked)
			continue;
		for (k = 0; k < a->ac->nlevels; k++)
			if (a->ac->levels[k].level > al->level) {
				t = al->starts + a->ac->levels[k].after_ms;
				if (best == 0 || t < best)
					best = t;
				break;
			}
	}
	if (a->has_am && (a->am_dirty || a->am_next != 0)) {
		t = a->am_dirty ? now : a->am_next;
		if (best == 0 || t < best)
			best = t;
	}
	return best;
}

void
alerts_tick(struct alerts *a)
{
	int64_t now;
	size_t i;

	if (a == NULL)
		return;
	now = engine_now(a);
	if (holds_expire(&a->holds, now) > 0) {
		for (i = 0; i < a->nal; i++)
			if (a->al[i]->acked &&
			    !holds_find(&a->holds, HOLD_ACK, a->al[i]->monitor,
			        *a->al[i]->target ? a->al[i]->target : NULL,
			        now))
				a->al[i]->acked = 0;
		engine_touch_all(a);
	}
	for (i = 0; i < a->ng; i++)
		if (a->g[i]->next_flush != 0 && a->g[i]->next_flush <= now)
			engine_flush(a, a->g[i], now);
	engine_escalations(a, now);
	engine_am_due(a, now);
	engine_gc(a);
	engine_arm(a);
}

void
alerts_due(struct alerts *a)
{
	int64_t now;
	size_t i;
	int any = 0;

	if (a == NULL)
		return;
	now = engine_now(a);
	for (i = 0; i < a->ng; i++)
		if (a->g[i]->next_flush != 0 && a->g[i]->next_flush <= now) {
			engine_flush(a, a->g[i], now);
			any = 1;
		}
	if (a->has_am && a->am_dirty) {
		engine_am_push(a, now);
		any = 1;
	}
	if (any)
		engine_arm(a);
}

static void
engine_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	alerts_tick(arg);
}

static void
engine_arm(struct alerts *a)
{
	int64_t now, when, delay;
	struct timeval tv;

	if (a->ev == NULL)
		return;
	now = engine_now(a);
	if ((when = engine_next_deadline(a, now)) == 0) {
		evtimer_del(a->ev);
		return;
	}
	delay = when > now ? when - now : 0;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(a->ev, &tv);
}

/* ---- life ---- */

static int
engine_outbox_put(void *arg, const char *receiver, const char *key,
    const char *payload, enum rdd_state severity)
{
	struct alerts *a = arg;

	if (a->d == NULL || a->d->outbox == NULL)
		return -1;
	return outbox_put(a->d->outbox, receiver, key, payload, severity);
}

struct alerts *
alerts_new(struct rdd_daemon *d)
{
	struct alerts *a = calloc(1, sizeof(*a));
	char *path = NULL;

	if (a == NULL)
		return NULL;
	a->d = d;
	a->put = engine_outbox_put;
	a->put_arg = a;
	if (d != NULL && d->conf != NULL && d->conf->state_dir != NULL &&
	    asprintf(&path, "%s/alerts.json", d->conf->state_dir) < 0)
		path = NULL;
	holds_init(&a->holds, path);
	holds_init(&a->amh, NULL);
	free(path);
	if (d != NULL && d->base != NULL)
		a->ev = evtimer_new(d->base, engine_timer_cb, a);
	return a;
}

/* ---- Alertmanager silences as pauses (honor_silences) ---- */

/*
 * The alerts worker's answer: the pauses its last read of the silences
 * found. A failed read keeps the pauses as they were (each still ends at
 * its own endsAt): an Alertmanager down must not end a maintenance.
 */
static void
engine_on_ampause(void *arg, void *msg)
{
	struct alerts *a = arg;
	json_object *o = msg, *p, *e, *v;
	struct holds nh;
	int64_t now = engine_now(a), until;
	size_t i, k, n;
	json_object *ok;
	char text[700];

	if (!json_object_object_get_ex(o, "ok", &ok) ||
	    !json_object_get_boolean(ok)) {
		log_limit_fail(&a->am_lim, RDD_LOG_WARN,
		    "alerts: Alertmanager silences not read: %s: the pauses "
		    "they made stay until each one's end",
		    wire_str(o, "msg") ? wire_str(o, "msg") : "failed");
		return;
	}
	log_limit_ok(&a->am_lim, "alerts: Alertmanager silences read again");
	holds_init(&nh, NULL);
	if (json_object_object_get_ex(o, "p", &p) &&
	    json_object_is_type(p, json_type_array)) {
		n = json_object_array_length(p);
		for (i = 0; i < n && i < 10000; i++) {
			const char *mon, *id, *by, *cm;

			e = json_object_array_get_idx(p, i);
			mon = wire_str(e, "m");
			id = wire_str(e, "id");
			by = wire_str(e, "by");
			cm = wire_str(e, "c");
			until = json_object_object_get_ex(e, "until", &v)
			            ? json_object_get_int64(v)
			            : 0;
			if (until <= now || (mon != NULL && *mon == '\0'))
				continue;
			snprintf(text, sizeof(text),
			    "Alertmanager silence %s by %s%s%s",
			    id ? id : "?", by && *by ? by : "?",
			    cm && *cm ? ": " : "", cm ? cm : "");
			(void)holds_add(&nh, HOLD_PAUSE, mon, NULL, until, -1,
			    text);
		}
	}
	/* Journal what began and what ended, by monitor and silence. */
	for (i = 0; i < nh.n; i++) {
		for (k = 0; k < a->amh.n; k++)
			if (engine_streq(nh.v[i].monitor, a->amh.v[k].monitor) &&
			    strcmp(nh.v[i].comment, a->amh.v[k].comment) == 0)
				break;
		if (k == a->amh.n) {
			log_write(nh.v[i].monitor, RDD_LOG_INFO,
			    "paused by %s: checks go on, actions and alerts "
			    "wait",
			    nh.v[i].comment);
			journal_write("pause", nh.v[i].monitor, NULL,
			    nh.v[i].comment, -1);
		}
	}
	for (k = 0; k < a->amh.n; k++) {
		for (i = 0; i < nh.n; i++)
			if (engine_streq(nh.v[i].monitor, a->amh.v[k].monitor) &&
			    strcmp(nh.v[i].comment, a->amh.v[k].comment) == 0)
				break;
		if (i == nh.n) {
			log_write(a->amh.v[k].monitor, RDD_LOG_INFO,
			    "resumed: %s is over", a->amh.v[k].comment);
			journal_write("resume", a->amh.v[k].monitor, NULL,
			    a->amh.v[k].comment, -1);
		}
	}
	holds_free(&a->amh);
	a->amh = nh;
	/* Alerts held by a pause that ended may now be told. */
	engine_touch_all(a);
}

/* What the alerts worker is to watch, from the first honor_silences. */
static void
engine_am_watch(struct alerts *a)
{
	const struct alert_receiver *r = NULL;
	json_object *w, *urls, *mons;
	size_t i, n = 0;

	if (a->d == NULL || a->d->outbox == NULL)
		return;
	if (a->ac != NULL)
		r = alerts_conf_receivers(a->ac, &n);
	for (i = 0; i < n; i++)
		if (r[i].type == RCV_ALERTMANAGER && r[i].honor_silences)
			break;
	if (i == n) {
		outbox_watch_silences(a->d->outbox, NULL, NULL, NULL);
		if (a->amh.n > 0) {
			holds_free(&a->amh);
			holds_init(&a->amh, NULL);
			engine_touch_all(a);
		}
		return;
	}
	r = &r[i];
	w = json_object_new_object();
	json_object_object_add(w, "t", json_object_new_string("amwatch"));
	json_object_object_add(w, "rcv", chan_rcv_json(r));
	urls = json_object_new_array();
	for (i = 0; i < r->urls.n; i++)
		json_object_array_add(urls, json_object_new_string(r->urls.v[i]));
	json_object_object_add(w, "urls", urls);
	json_object_object_add(
	    w, "host", json_object_new_string(engine_host(a)));
	json_object_object_add(
	    w, "environment", json_object_new_string(engine_env(a)));
	mons = json_object_new_array();
	for (i = 0; a->d->conf != NULL && i < a->d->conf->nmon; i++)
		json_object_array_add(
		    mons, json_object_new_string(a->d->conf->mon[i].name));
	json_object_object_add(w, "monitors", mons);
	json_object_object_add(
	    w, "every", json_object_new_int64(r->refresh_ms));
	outbox_watch_silences(a->d->outbox, w, engine_on_ampause, a);
}

void
alerts_apply(struct alerts *a, const struct alerts_conf *ac)
{
	size_t i;

	if (a == NULL)
		return;
	a->ac = ac;
	a->has_am = 0;
	{
		const struct alert_receiver *r =
		    ac != NULL ? alerts_conf_receivers(ac, &i) : NULL;
		size_t k;

		for (k = 0; r != NULL && k < i; k++)
			a->has_am |= r[k].type == RCV_ALERTMANAGER;
	}
	a->am_dirty = a->has_am;
	engine_am_watch(a);
	/* Routes may have changed: route the live alerts again. */
	for (i = 0; i < a->nal; i++) {
		struct alert *al = a->al[i];

		if (al->ends != 0 || al->oneshot)
			continue;
		al->routes = engine_route(a, al);
		al->pending = al->routes;
		al->notified &= al->routes;
	}
	for (i = 0; i < a->ng; i++)
		if (engine_route_conf(a, a->g[i]->route) == NULL)
			a->g[i]->next_flush = 0;
	engine_touch_all(a);
	engine_gc(a);
}

void
alerts_set_sink(struct alerts *a, alerts_put_fn fn, void *arg)
{
	if (a == NULL)
		return;
	a->put = fn ? fn : engine_outbox_put;
	a->put_arg = fn ? arg : a;
}

void
alerts_set_clock(struct alerts *a, int64_t (*now_ms)(void *), void *arg)
{
	if (a == NULL)
		return;
	a->now = now_ms;
	a->now_arg = arg;
}

size_t
alerts_firing(const struct alerts *a)
{
	size_t i, n = 0;

	for (i = 0; a != NULL && i < a->nal; i++)
		n += a->al[i]->ends == 0 && !a->al[i]->oneshot;
	return n;
}

void
alerts_free(struct alerts *a)
{
	size_t i;

	if (a == NULL)
		return;
	if (a->ev)
		event_free(a->ev);
	for (i = 0; i < a->nal; i++)
		engine_alert_free(a->al[i]);
	free(a->al);
	for (i = 0; i < a->ng; i++) {
		free(a->g[i]->monitor);
		free(a->g[i]->target);
		free(a->g[i]);
	}
	free(a->g);
	for (i = 0; i < a->nser; i++) {
		free(a->ser[i]->monitor);
		free(a->ser[i]->target);
		free(a->ser[i]->metric);
		free(a->ser[i]);
	}
	free(a->ser);
	for (i = 0; i < a->namr; i++) {
		free(a->amr[i].rcv);
		json_object_put(a->amr[i].alert);
	}
	free(a->amr);
	holds_free(&a->amh);
	for (i = 0; i < a->blocked.n; i++)
		free(a->blocked.v[i]);
	free(a->blocked.v);
	holds_free(&a->holds);
	free(a);
}

/* ---- trends ---- */

static int
engine_glob(const char *pat, const char *s)
{
	struct aconf_match m = {NULL, NULL, NULL, NULL};

	m.monitor = (char *)pat;
	return aconf_match(&m, NULL, s, NULL, NULL);
}

static struct series *
engine_series(struct alerts *a, const char *monitor, const char *target,
    const char *metric)
{
	struct series *s, **nv;
	size_t i;

	for (i = 0; i < a->nser; i++)
		if (strcmp(a->ser[i]->monitor, monitor) == 0 &&
		    strcmp(a->ser[i]->target, target) == 0 &&
		    strcmp(a->ser[i]->metric, metric) == 0)
			return a->ser[i];
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((nv = realloc(a->ser, (a->nser + 1) * sizeof(*nv))) == NULL) {
		free(s);
		return NULL;
	}
	a->ser = nv;
	s->monitor = engine_dup(monitor);
	s->target = engine_dup(target);
	s->metric = engine_dup(metric);
	a->ser[a->nser++] = s;
	return s;
}

void
alerts_sample(struct alerts *a, const char *monitor, const char *target,
    const char *metric, double value)
{
	const struct aconf_trend *tr = NULL;
	struct series *s;
	int64_t now;
	double slope, eta;
	size_t i, drop;
	char msg[512], lim[64];

	if (a == NULL || a->ac == NULL || metric == NULL)
		return;
	for (i = 0; i < a->ac->ntrends; i++) {
		tr = &a->ac->trends[i];
		if (strcmp(tr->metric, metric) == 0 &&
		    engine_glob(tr->monitor, monitor) &&
		    engine_glob(tr->target, target))
			break;
	}
	if (i == a->ac->ntrends || (s = engine_series(a, monitor,
	                                target ? target : "", metric)) == NULL)
		return;
	now = engine_now(a);
	for (drop = 0;
	     drop < s->n && s->t[drop] < (double)(now - tr->window_ms); drop++)
		;
	if (s->n == ENGINE_SAMPLES_MAX && drop == 0)
		drop = 1;
	if (drop > 0) {
		memmove(s->t, s->t + drop, (s->n - drop) * sizeof(*s->t));
		memmove(s->y, s->y + drop, (s->n - drop) * sizeof(*s->y));
		s->n -= drop;
	}
	s->t[s->n] = (double)now;
	s->y[s->n++] = value;
	if ((int)s->n < tr->min_samples)
		return;
	if (trend_fit(s->t, s->y, s->n, tr->limit, &slope, &eta) == 1 &&
	    eta <= (double)tr->horizon_ms) {
		if (tr->limit_name)
			snprintf(lim, sizeof(lim), "%s", tr->limit_name);
		else
			snprintf(lim, sizeof(lim), "%g", tr->limit);
		snprintf(msg, sizeof(msg), "%s %s reaches %s in ~%.0f min",
		    target && *target ? target : monitor, metric, lim,
		    eta < 60000.0 ? 1.0 : eta / 60000.0);
		engine_fire(a, "trend", monitor, target, metric, msg);
	} else if (engine_find(a, "TrendForecast", monitor, target, metric))
		engine_resolve(a,
		    engine_find(a, "TrendForecast", monitor, target, metric),
		    now);
}

/* ---- the gate of recovery: pause and dry-run ---- */

int
alerts_paused(struct alerts *a, const char *monitor, long *by,
    int64_t *until_wall, const char **comment)
{
	const struct hold *h;

	if (a == NULL)
		return 0;
	h = holds_find(&a->holds, HOLD_PAUSE, monitor, NULL, engine_now(a));
	if (h == NULL)
		h = holds_find(&a->amh, HOLD_PAUSE, monitor, NULL, engine_now(a));
	if (h == NULL)
		return 0;
	if (by)
		*by = h->uid;
	if (until_wall)
		*until_wall = h->until_wall;
	if (comment)
		*comment = h->comment;
	return 1;
}

size_t
alerts_rename(struct alerts *a, const char *from, const char *to)
{
	return a != NULL ? holds_rename(&a->holds, from, to) : 0;
}

int
alerts_recovery_gate(struct alerts *a, const char *monitor, const char *target,
    const char *action, int manual, char *why, size_t len)
{
	const struct conf_monitor *cm;
	int64_t until;
	long by;

	if (a == NULL)
		return 0;
	cm = engine_conf_monitor(a, monitor);
	if (cm != NULL && cm->rec.dry_run) {
		snprintf(why, len, "would %s %s%s%s", action, monitor,
		    target && *target ? "/" : "", target ? target : "");
		return 1;
	}
	if (!manual && alerts_paused(a, monitor, &by, &until, NULL)) {
		char ts[64];

		engine_rfc3339(until, ts, sizeof(ts));
		snprintf(why, len, "paused by uid %ld%s%s: no %s of %s%s%s", by,
		    until ? " until " : "", until ? ts : "", action, monitor,
		    target && *target ? "/" : "", target ? target : "");
		return 2;
	}
	return 0;
}

/* ---- control commands ---- */

static int engine_msg(char *msg, size_t len, int rc, const char *fmt, ...)
    RDD_PRINTF(4, 5);

static int
engine_msg(char *msg, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return rc;
}

int
alerts_ack(struct alerts *a, const char *monitor, const char *target,
    const char *comment, long uid, char *msg, size_t len)
{
	size_t i, n = 0;

	if (a == NULL)
		return engine_msg(msg, len, -1, "alerts are not running");
	for (i = 0; i < a->nal; i++) {
		struct alert *al = a->al[i];

		if (al->ends != 0 || al->oneshot ||
		    strcmp(al->monitor, monitor) != 0 ||
		    (target != NULL && strcmp(al->target, target) != 0))
			continue;
		al->acked = 1;
		n++;
	}
	if (n == 0)
		return engine_msg(msg, len, -1,
		    "nothing fires for %s%s%s: "
		    "see redundancyctl alerts",
		    monitor, target ? "/" : "", target ? target : "");
	holds_remove_on(&a->holds, HOLD_ACK, monitor, target);
	holds_add(&a->holds, HOLD_ACK, monitor, target, 0, uid, comment);
	engine_arm(a);
	return engine_msg(msg, len, 0,
	    "acknowledged %zu alert%s of %s%s%s: "
	    "escalation stopped until it resolves",
	    n, n == 1 ? "" : "s", monitor, target ? "/" : "",
	    target ? target : "");
}

int
alerts_silence(struct alerts *a, const char *monitor, const char *target,
    int64_t for_ms, const char *comment, long uid, char *msg, size_t len)
{
	uint64_t id;
	char ts[64];
	int64_t until;

	if (a == NULL)
		return engine_msg(msg, len, -1, "alerts are not running");
	if (for_ms <= 0)
		return engine_msg(msg, len, -1,
		    "silence: --for must be a "
		    "duration like 2h");
	until = engine_now(a) + for_ms;
	if ((id = holds_add(&a->holds, HOLD_SILENCE, monitor, target, until,
	         uid, comment)) == 0)
		return engine_msg(msg, len, -1,
		    "silence: out of memory or "
		    "too many silences: remove some (silence --list)");
	engine_rfc3339(until, ts, sizeof(ts));
	engine_arm(a);
	return engine_msg(msg, len, 0, "silence %llu on %s%s%s until %s",
	    (unsigned long long)id, monitor, target ? "/" : "",
	    target ? target : "", ts);
}

int
alerts_unsilence(struct alerts *a, uint64_t id, long uid, char *msg, size_t len)
{
	size_t i;

	(void)uid;
	if (a == NULL)
		return engine_msg(msg, len, -1, "alerts are not running");
	for (i = 0; i < a->holds.n; i++)
		if (a->holds.v[i].id == id &&
		    a->holds.v[i].kind == HOLD_SILENCE)
			break;
	if (i == a->holds.n)
		return engine_msg(msg, len, -1,
		    "no silence %llu: see "
		    "redundancyctl silence --list",
		    (unsigned long long)id);
	holds_remove(&a->holds, id);
	engine_touch_all(a);
	return engine_msg(
	    msg, len, 0, "silence %llu removed", (unsigned long long)id);
}

int
alerts_pause(struct alerts *a, const char *monitor, int64_t for_ms,
    const char *comment, long uid, char *msg, size_t len)
{
	int64_t until;
	char ts[64];

	if (a == NULL)
		return engine_msg(msg, len, -1, "alerts are not running");
	until = for_ms > 0 ? engine_now(a) + for_ms : 0;
	holds_remove_on(&a->holds, HOLD_PAUSE, monitor, NULL);
	if (holds_add(
	        &a->holds, HOLD_PAUSE, monitor, NULL, until, uid, comment) == 0)
		return engine_msg(msg, len, -1, "pause: out of memory");
	engine_rfc3339(until, ts, sizeof(ts));
	engine_arm(a);
	return engine_msg(msg, len, 0,
	    "paused %s%s%s: checks go on, "
	    "recovery actions and alerts stop%s",
	    monitor ? monitor : "every monitor", until ? " until " : "",
	    until ? ts : "", until ? "" : " until redundancyctl resume");
}

int
alerts_resume(
    struct alerts *a, const char *monitor, long uid, char *msg, size_t len)
{
	size_t n;

	(void)uid;
	if (a == NULL)
		return engine_msg(msg, len, -1, "alerts are not running");
	if ((n = holds_remove_on(&a->holds, HOLD_PAUSE, monitor, NULL)) == 0)
		return engine_msg(msg, len, -1,
		    "%s is not paused: see "
		    "redundancyctl alerts",
		    monitor ? monitor : "the daemon as a whole");
	engine_touch_all(a);
	return engine_msg(
	    msg, len, 0, "resumed %s", monitor ? monitor : "every monitor");
}

void *
alerts_status_json(struct alerts *a)
{
	json_object *o = json_object_new_object(), *arr;
	int64_t now;
	size_t i;

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	if (a == NULL)
		return o;
	now = engine_now(a);
	arr = json_object_new_array();
	for (i = 0; i < a->nal; i++) {
		struct alert *al = a->al[i];
		json_object *e;
		const char *held;

		if (al->ends != 0 || al->oneshot)
			continue;
		e = engine_alert_json(a, al, al->level);
		held = engine_held(a, al, now);
		json_object_object_add(e, "state",
		    json_object_new_string(held        ? held
		                           : al->acked ? "acknowledged"
		                                       : "active"));
		json_object_object_add(
		    e, "level", json_object_new_int(al->level));
		json_object_object_add(
		    e, "acknowledged", json_object_new_boolean(al->acked));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "firing", arr);
	json_object_object_add(
	    o, "silences", holds_json(&a->holds, HOLD_SILENCE));
	json_object_object_add(o, "acks", holds_json(&a->holds, HOLD_ACK));
	json_object_object_add(o, "pauses", holds_json(&a->holds, HOLD_PAUSE));
	json_object_object_add(o, "outbox_depth",
	    json_object_new_int64(a->d && a->d->outbox
	                              ? (int64_t)outbox_depth(a->d->outbox)
	                              : 0));
	json_object_object_add(
	    o, "configured", json_object_new_boolean(a->ac != NULL));
	return o;
}

static const char *
engine_alert_state(const struct alerts *a, const struct alert *al, int64_t now)
{
	const char *held = engine_held(a, al, now);

	return held ? held : al->acked ? "acknowledged" : "active";
}

void *
alerts_summary_json(struct alerts *a)
{
	json_object *o = json_object_new_object(), *arr, *e;
	int64_t now;
	char ts[64];
	size_t i;

	arr = json_object_new_array();
	json_object_object_add(o, "firing", arr);
	json_object_object_add(o, "outbox_depth",
	    json_object_new_int64(a && a->d && a->d->outbox
	                              ? (int64_t)outbox_depth(a->d->outbox)
	                              : 0));
	if (a == NULL)
		return o;
	now = engine_now(a);
	for (i = 0; i < a->nal; i++) {
		const struct alert *al = a->al[i];

		if (al->ends != 0 || al->oneshot)
			continue;
		e = json_object_new_object();
		json_object_object_add(
		    e, "alertname", json_object_new_string(al->alertname));
		json_object_object_add(
		    e, "monitor", json_object_new_string(al->monitor));
		json_object_object_add(
		    e, "target", json_object_new_string(al->target));
		json_object_object_add(e, "severity",
		    json_object_new_string(aconf_sev_name(al->sev)));
		json_object_object_add(e, "state",
		    json_object_new_string(engine_alert_state(a, al, now)));
		json_object_object_add(
		    e, "level", json_object_new_int(al->level));
		engine_rfc3339(al->starts, ts, sizeof(ts));
		json_object_object_add(e, "since", json_object_new_string(ts));
		json_object_array_add(arr, e);
	}
	return o;
}

void
alerts_metrics_text(struct alerts *a, FILE *f)
{
	size_t i, n[3] = {0, 0, 0}, held = 0;
	int64_t now;

	if (a == NULL)
		return;
	now = engine_now(a);
	for (i = 0; i < a->nal; i++) {
		if (a->al[i]->ends != 0 || a->al[i]->oneshot)
			continue;
		if (engine_held(a, a->al[i], now))
			held++;
		else if (a->al[i]->sev >= ASEV_INFO)
			n[a->al[i]->sev]++;
	}
	fputs("# HELP redundancyd_alerts_firing Alerts firing and told, by "
	      "severity.\n# TYPE redundancyd_alerts_firing gauge\n",
	    f);
	for (i = 0; i < 3; i++)
		fprintf(f, "redundancyd_alerts_firing{severity=\"%s\"} %zu\n",
		    aconf_sev_name((enum aconf_sev)i), n[i]);
	fprintf(f,
	    "# HELP redundancyd_alerts_held Alerts firing but "
	    "silenced, paused or inhibited.\n# TYPE redundancyd_alerts_held "
	    "gauge\nredundancyd_alerts_held %zu\n",
	    held);
	fprintf(f,
	    "# HELP redundancyd_alerts_events_total Engine events "
	    "seen by the alert engine.\n# TYPE redundancyd_alerts_events_total"
	    " counter\nredundancyd_alerts_events_total %llu\n",
	    (unsigned long long)a->n_events);
	fprintf(f,
	    "# HELP redundancyd_alerts_notifications_total "
	    "Notifications queued for a receiver.\n# TYPE "
	    "redundancyd_alerts_notifications_total counter\n"
	    "redundancyd_alerts_notifications_total %llu\n",
	    (unsigned long long)a->n_sent);
	fprintf(f,
	    "# HELP redundancyd_alerts_escalations_total Alerts "
	    "escalated to L2 or L3.\n# TYPE "
	    "redundancyd_alerts_escalations_total counter\n"
	    "redundancyd_alerts_escalations_total %llu\n",
	    (unsigned long long)a->n_escalations);
	fprintf(f,
	    "# HELP redundancyd_alerts_queue_failures_total "
	    "Notifications the outbox refused.\n# TYPE "
	    "redundancyd_alerts_queue_failures_total counter\n"
	    "redundancyd_alerts_queue_failures_total %llu\n",
	    (unsigned long long)a->n_put_failed);
	for (i = 0, held = 0; i < a->holds.n; i++)
		held += a->holds.v[i].kind == HOLD_SILENCE;
	fprintf(f,
	    "# HELP redundancyd_alerts_silences Active silences.\n"
	    "# TYPE redundancyd_alerts_silences gauge\n"
	    "redundancyd_alerts_silences %zu\n",
	    held);
	/* The outbox's own lines (depth, per receiver) come from render.c. */
}
