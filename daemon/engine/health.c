/*
 * health.c: the health model: targets with state, message, metrics and
 * since-time; soft and hard states; flap detection; roll-ups (render.c shows them).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "daemon.h"
#include "alerts/engine.h"

#define FLAP_MIN_SAMPLES 10

/* Worse-of ordering: CRITICAL > UNKNOWN > WARNING > OK. */
static int
health_rank(enum rdd_state st)
{
	switch (st) {
	case RDD_OK:
		return 0;
	case RDD_WARNING:
		return 1;
	case RDD_UNKNOWN:
		return 2;
	case RDD_CRITICAL:
		return 3;
	}
	return 2;
}

static enum rdd_state
health_worse(enum rdd_state a, enum rdd_state b)
{
	return health_rank(a) >= health_rank(b) ? a : b;
}

struct target *
health_target(struct monitor *m, const char *name, int create)
{
	struct target *t, **nv;
	size_t i;

	for (i = 0; i < m->nt; i++)
		if (strcmp(m->t[i]->name, name) == 0)
			return m->t[i];
	if (!create)
		return NULL;
	t = calloc(1, sizeof(*t));
	nv = realloc(m->t, (m->nt + 1) * sizeof(*nv));
	if (t == NULL || nv == NULL || (t->name = strdup(name)) == NULL) {
		free(t);
		if (nv)
			m->t = nv;
		return NULL;
	}
	m->t = nv;
	m->t[m->nt++] = t;
	t->m = m;
	t->state = RDD_UNKNOWN;
	t->hard = 0;
	t->since = util_wall_ms();
	/* Seen first while an upstream is down: blocked from the start. */
	if ((t->blocked = monitor_blocked(m)) != 0) {
		journal_write("blocked", m->cm->name, t->name,
		    "an upstream monitor is down", -1);
		alerts_event(m->d->alerts, AEV_BLOCKED, m->cm->name, t->name,
		    "an upstream monitor is down");
	}
	recover_restore(t);
	return t;
}

void
health_target_free(struct target *t)
{
	size_t i;

	recover_target_gone(t);
	for (i = 0; i < t->nmetrics; i++) {
		free(t->metrics[i].name);
		free(t->metrics[i].unit);
	}
	free(t->metrics);
	free(t->window);
	free(t->name);
	free(t->msg);
	free(t);
}

/*
 * Nagios's percent state change over the last 21 results, weighted from
 * 0.8 for the oldest to 1.2 for the newest, with hysteresis between the
 * low and high thresholds.
 */
static void
health_flap(struct target *t, int changed)
{
	const struct conf_recovery *rc = &t->m->cm->rec;
	double sum = 0, w;
	int i, was = t->flapping;

	if (t->nhist < FLAP_SAMPLES)
		t->hist[t->nhist++] = (uint8_t)changed;
	else {
		memmove(t->hist, t->hist + 1, FLAP_SAMPLES - 1);
		t->hist[FLAP_SAMPLES - 1] = (uint8_t)changed;
	}
	for (i = 0; i < t->nhist; i++) {
		w = 0.8 + 0.4 * i / (FLAP_SAMPLES - 1);
		if (t->hist[i])
			sum += w;
	}
	t->flap_pct = t->nhist > 1 ? 100.0 * sum / (t->nhist - 1) : 0;
	if (t->flap_pct > 100)
		t->flap_pct = 100;
	/* A short history says nothing about flapping yet. */
	if (!t->flapping && t->nhist >= FLAP_MIN_SAMPLES &&
	    t->flap_pct >= rc->flap_high)
		t->flapping = 1;
	else if (t->flapping && t->flap_pct < rc->flap_low)
		t->flapping = 0;
	if (was != t->flapping) {
		log_write(t->m->cm->name, RDD_LOG_WARN,
		    "%s: %s flapping (%.0f%% state change)", t->name,
		    t->flapping ? "started" : "stopped", t->flap_pct);
		journal_write(t->flapping ? "flap-start" : "flap-stop",
		    t->m->cm->name, t->name, t->msg, -1);
	}
}

static void
health_set_metrics(struct target *t, const struct rdd_metric *mv,
    const struct rdd_metric_bounds *bv, size_t nm)
{
	static const struct rdd_metric_bounds none = {
	    NAN, NAN, NAN, NAN, NAN, NAN};
	size_t i;

	for (i = 0; i < t->nmetrics; i++) {
		free(t->metrics[i].name);
		free(t->metrics[i].unit);
	}
	free(t->metrics);
	t->metrics = NULL;
	t->nmetrics = 0;
	if (nm == 0 || (t->metrics = calloc(nm, sizeof(*t->metrics))) == NULL)
		return;
	for (i = 0; i < nm; i++) {
		if (mv[i].name == NULL)
			continue;
		t->metrics[t->nmetrics].name = strdup(mv[i].name);
		t->metrics[t->nmetrics].unit = strdup(mv[i].unit ? mv[i].unit : "");
		t->metrics[t->nmetrics].value = mv[i].value;
		t->metrics[t->nmetrics].b = bv != NULL ? bv[i] : none;
		t->nmetrics++;
	}
}

/* A change of state, journaled and alerted as a detection. */
static void
health_detect(
    struct target *t, enum rdd_state st, enum rdd_state old, const char *msg)
{
	struct monitor *m = t->m;

	if (st != RDD_OK && t->hard)
		journal_write("detect", m->cm->name, t->name, msg, -1);
	if (st == RDD_CRITICAL && t->hard)
		alerts_event(
		    m->d->alerts, AEV_CRITICAL, m->cm->name, t->name, msg);
	else if (st == RDD_WARNING && t->hard)
		alerts_event(
		    m->d->alerts, AEV_WARNING, m->cm->name, t->name, msg);
	else if (st == RDD_OK && old != RDD_OK)
		alerts_event(
		    m->d->alerts, AEV_RECOVERED, m->cm->name, t->name, msg);
}

/*
 * A WARNING seen while an action ran turned out not to be served (the
 * action failed, or the re-check came without it): it is a detection.
 */
void
health_detect_deferred(struct target *t)
{
	if (!t->warn_deferred)
		return;
	t->warn_deferred = 0;
	if (t->state == RDD_WARNING)
		health_detect(
		    t, RDD_WARNING, RDD_CRITICAL, t->msg ? t->msg : "");
}

void
health_observe(struct target *t, enum rdd_state st, const char *msg,
    const struct rdd_metric *mv, const struct rdd_metric_bounds *bv, size_t nm,
    int pushed)
{
	struct monitor *m = t->m;
	enum rdd_state old = t->state;
	int oldhard = t->hard, changed, served, stale, defer, degraded;

	if (msg == NULL)
		msg = "";
	if (st > RDD_UNKNOWN)
		st = RDD_UNKNOWN;
	t->seen = 1;
	if (mv != NULL || !pushed) {
		size_t i;

		health_set_metrics(t, mv, bv, nm);
		for (i = 0; i < t->nmetrics; i++)
			alerts_sample(m->d->alerts, m->cm->name, t->name,
			    t->metrics[i].name, t->metrics[i].value);
	}
	if (t->msg == NULL || strcmp(t->msg, msg) != 0) {
		free(t->msg);
		t->msg = strdup(msg);
	}
	if (st == RDD_OK) {
		t->fails = 0;
		t->hard = 1;
	} else {
		t->fails++;
		/* A push is a direct observation: it is hard at once. */
		t->hard = pushed || t->fails >= m->cm->rec.hard_after;
	}
	/*
	 * A check that started before the last action ended looked at the
	 * target as it was then: it neither confirms nor refutes the action
	 * (under load its CRITICAL came after a spare was up, and cost an
	 * attempt and a give-up). The re-check decides.
	 */
	stale = t->verifying && !pushed && m->cur != NULL &&
	        m->cur->seq < t->verify_seq;
	/*
	 * A CRITICAL target that an action said it repaired is WARNING at
	 * its re-check: the action made it serve, degraded (a PM2 app down
	 * while its backup serves). That ends the ladder without a give-up:
	 * no more attempts, a warning, the incident stays open. The same
	 * WARNING while the action still runs, or from a stale check, waits:
	 * the re-check says served, or the detection is journaled then
	 * (health_detect_deferred), never both.
	 */
	degraded =
	    st == RDD_WARNING && t->crit_action && !pushed && !m->d->once;
	served = degraded && t->verifying && !stale;
	defer = degraded && (stale || t->recovering);
	if (served)
		t->hard = 1;
	/* The first observation replaces "not checked yet": not a change. */
	changed = st != old && t->nhist > 0;
	log_write(m->cm->name, RDD_LOG_DEBUG, "%s: observed %s (%s, %d "
	    "failure%s in a row, hard after %d)%s", t->name,
	    util_state_name(st), t->hard ? "hard" : "soft", t->fails,
	    t->fails == 1 ? "" : "s", m->cm->rec.hard_after,
	    pushed ? ", pushed" : "");
	if (st != old)
		t->since = util_wall_ms();
	health_flap(t, changed);
	if (st != old || (t->hard && !oldhard)) {
		enum rdd_log_level lvl = st == RDD_OK ? RDD_LOG_INFO
		    : st == RDD_WARNING		    ? RDD_LOG_WARN
						    : RDD_LOG_ERR;

		if (st != old)
			log_write(m->cm->name, lvl, "%s: %s -> %s%s: %s",
			    t->name, util_state_name(old), util_state_name(st),
			    t->hard ? "" : " (soft)", msg);
		else
			log_write(m->cm->name, lvl, "%s: %s is hard after %d "
			    "checks: %s", t->name, util_state_name(st),
			    t->fails, msg);
		/* Served: its own record and event below, no detection. */
		if (!served) {
			if (defer && t->hard)
				t->warn_deferred = 1;
			else
				health_detect(t, st, old, msg);
		}
	}
	t->state = st;
	if (served || st != RDD_WARNING)
		t->warn_deferred = 0;
	else if (!defer)
		health_detect_deferred(t);
	if (served)
		recover_served(t, msg);
	if (m->d->once)
		return;
	if (stale) {
		log_write(m->cm->name, RDD_LOG_DEBUG, "%s: %s from a check "
		    "started before the last action ended: waiting for the "
		    "re-check", t->name, util_state_name(st));
	} else if (st == RDD_OK) {
		/* An action in flight ends with its own re-check. */
		if (!t->recovering && (t->incident || t->verifying))
			recover_confirmed(t);
	} else if (t->hard && st == RDD_CRITICAL) {
		/* No longer served (the backup went): the ladder decides. */
		t->served = 0;
		/* Still failing after an action that said it worked. */
		if (t->verifying && !pushed)
			t->verifying = 0;
		recover_consider(t);
	}
}

static void health_rollup_mon(struct monitor *m);

void
health_check_finished(struct monitor *m)
{
	size_t i;

	/* Plugins report every target on each check: the rest are gone. */
	for (i = 0; i < m->nt;) {
		struct target *t = m->t[i];

		if (!t->seen && !t->recovering) {
			log_write(m->cm->name, RDD_LOG_INFO,
			    "%s: no longer reported; forgotten", t->name);
			m->t[i] = m->t[--m->nt];
			health_target_free(t);
			continue;
		}
		i++;
	}
	health_rollup_mon(m);
}

int
monitor_blocked(struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->cm->depends_on.n; i++) {
		struct monitor *up = monitor_find(m->d,
		    m->cm->depends_on.v[i]);

		if (up != NULL &&
		    (up->state == RDD_CRITICAL || monitor_blocked(up)))
			return 1;
	}
	return 0;
}

const char *
monitor_upstream_unknown(struct monitor *m)
{
	const char *u;
	size_t i;

	for (i = 0; i < m->cm->depends_on.n; i++) {
		struct monitor *up = monitor_find(m->d,
		    m->cm->depends_on.v[i]);

		if (up == NULL)
			continue;
		if (up->state == RDD_UNKNOWN)
			return up->cm->name;
		if ((u = monitor_upstream_unknown(up)) != NULL)
			return u;
	}
	return NULL;
}

static void
health_monitor_rollup(struct monitor *m)
{
	enum rdd_state st = RDD_OK, old = m->state;
	size_t i, bad = 0;
	char buf[256];
	const char *worst = NULL;

	if (m->down != NULL) {
		/*
		 * Old targets say nothing about a plugin that cannot run: a
		 * crash may leave the watched thing fine (UNKNOWN), but a
		 * plugin that refused to start watches nothing (CRITICAL).
		 */
		st = m->start_failed ? RDD_CRITICAL : RDD_UNKNOWN;
		snprintf(buf, sizeof(buf), "%s", m->down);
	} else if (m->timed_out) {
		st = RDD_UNKNOWN;
		snprintf(buf, sizeof(buf), "check timed out after %lld ms: "
		    "the plugin did not finish it", (long long)m->cm->timeout_ms);
	} else if (m->nt == 0 && m->checks == 0) {
		st = old;
		snprintf(buf, sizeof(buf), "%s", m->msg ? m->msg : "");
	} else {
		for (i = 0; i < m->nt; i++) {
			struct target *t = m->t[i];
			enum rdd_state ts = t->hard ? t->state : RDD_OK;

			if (t->hard && t->state != RDD_OK) {
				bad++;
				if (worst == NULL ||
				    health_rank(ts) > health_rank(st))
					worst = t->name;
			}
			st = health_worse(st, ts);
		}
		if (bad == 0)
			snprintf(buf, sizeof(buf), "%zu target%s OK", m->nt,
			    m->nt == 1 ? "" : "s");
		else
			snprintf(buf, sizeof(buf), "%zu of %zu targets not OK "
			    "(worst: %s)", bad, m->nt, worst);
	}
	if (m->msg == NULL || strcmp(buf, m->msg) != 0) {
		free(m->msg);
		m->msg = strdup(buf);
	}
	if (st != old) {
		m->since = util_wall_ms();
		log_write(m->cm->name, RDD_LOG_DEBUG, "monitor state %s -> %s: "
		    "%s", util_state_name(old), util_state_name(st),
		    m->msg ? m->msg : "");
	}
	m->state = st;
}

/* A target whose upstream is down is blocked, not recovered. */
static void
health_blocked_apply(struct monitor *m)
{
	int b = monitor_blocked(m);
	size_t j;

	for (j = 0; j < m->nt; j++) {
		struct target *t = m->t[j];

		if (b == t->blocked)
			continue;
		t->blocked = b;
		journal_write(b ? "blocked" : "unblocked", m->cm->name, t->name,
		    b ? "an upstream monitor is down" : "", -1);
		alerts_event_kind(m->d->alerts, AEV_BLOCKED,
		    b ? NULL : "unblocked", m->cm->name, t->name,
		    b ? "an upstream monitor is down" : "");
		if (!b && t->state == RDD_CRITICAL && t->hard)
			recover_consider(t);
	}
}

static void
health_rollup_tell(struct rdd_daemon *d)
{
	/* Everything this result changed, blocked marks included: tell it. */
	alerts_due(d->alerts);
	if (d->on_state_changed)
		d->on_state_changed(d);
}

void
health_rollup(struct rdd_daemon *d)
{
	enum rdd_state all = RDD_OK;
	size_t i;

	for (i = 0; i < d->nmon; i++) {
		health_monitor_rollup(d->mon[i]);
		all = health_worse(all, d->mon[i]->state);
	}
	for (i = 0; i < d->nmon; i++)
		health_blocked_apply(d->mon[i]);
	d->overall = d->nmon ? all : RDD_OK;
	health_rollup_tell(d);
}

/*
 * After one monitor's check only its own summary can change, and others'
 * blocked marks only if its state did: the whole pass is O(monitors) with a
 * formatted message each, which at 100 checks a second was most of the
 * master's time per check.
 */
static void
health_rollup_mon(struct monitor *m)
{
	enum rdd_state old = m->state;

	health_monitor_rollup(m);
	if (m->state != old) {
		health_rollup(m->d);
		return;
	}
	/* New targets take the monitor's blocked mark. */
	health_blocked_apply(m);
	health_rollup_tell(m->d);
}

enum rdd_state
engine_overall(struct rdd_daemon *d)
{
	return d->overall;
}
