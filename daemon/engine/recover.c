/*
 * recover.c: the recovery engine, the one place where policy lives: the
 * action ladder, attempts, backoff, cooldown, sliding-window give-up,
 * the global limit, verification by re-check and time-to-recover.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "daemon.h"
#include "alerts/engine.h"

/* A saved time this far ahead of the clock is taken as "now". */
#define RECOVER_CLOCK_SLACK_MS (60 * 1000)
/* Saved times beyond this (2286) are garbage. */
#define RECOVER_WALL_MAX 9999999999999LL
/* A move of wall minus monotonic beyond this is a clock step. */
#define RECOVER_OFF_SLACK_MS 1000
/* An action that has not answered by then counts as failed. */
#define RECOVER_DEADLINE_MS RDD_RECOVER_DEADLINE_MS
#define RECOVER_WAIT_TEXT 2048 /* bytes of results in one wait's reply */

/*
 * An operator's `recover --wait`: one reply for the attempts it started.
 * The request holds one reference while it starts them, each attempt (or
 * target waiting for a slot) one more; the reply goes at the last result
 * or when the wait's bound passes, the record with the last reference.
 */
struct recover_wait {
	struct control_req *req; /* NULL once answered */
	struct event *timer;     /* the wait's bound */
	int64_t timeout_ms;
	int refs;
	int results, failed;
	char text[RECOVER_WAIT_TEXT]; /* "; "-joined result lines */
	size_t len;
};

static void recover_start(struct target *t, int manual);
static void recover_drain(evutil_socket_t fd, short what, void *arg);
static void recover_why_not(struct target *t, const char *why);

static size_t
recover_nactions(const struct rdd_plugin *pd)
{
	size_t n = 0;

	if (pd->actions == NULL)
		return 0;
	while (pd->actions[n] != NULL)
		n++;
	return n;
}

static void
recover_dur(char *buf, size_t len, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%lld s", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lld ms", (long long)ms);
}

/* pending: the bound passed first; the attempts go on without a witness. */
static void
recover_wait_reply(struct recover_wait *w, int pending)
{
	json_object *o = json_object_new_object();
	char msg[RECOVER_WAIT_TEXT + 256], d[32];
	int ok = !pending && w->results > 0 && w->failed == 0;

	if (pending) {
		recover_dur(d, sizeof(d), w->timeout_ms);
		if (w->results == 0)
			snprintf(msg, sizeof(msg),
			    "no result within %s; the "
			    "recovery goes on: see redundancyctl history for "
			    "its result",
			    d);
		else
			snprintf(msg, sizeof(msg),
			    "no result within %s from "
			    "%d of %d attempts (so far: %s); they go on: see "
			    "redundancyctl history",
			    d, w->refs, w->refs + w->results, w->text);
	} else
		snprintf(msg, sizeof(msg), "%s", w->text);
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(
	    o, ok ? "message" : "error", json_object_new_string(msg));
	if (pending)
		json_object_object_add(
		    o, "pending", json_object_new_boolean(1));
	control_reply(w->req, o);
	w->req = NULL;
}

static void
recover_wait_put(struct recover_wait *w)
{
	if (--w->refs > 0)
		return;
	if (w->req != NULL)
		recover_wait_reply(w, 0);
	if (w->timer != NULL)
		event_free(w->timer);
	free(w);
}

static void
recover_wait_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct recover_wait *w = arg;

	if (w->req != NULL)
		recover_wait_reply(w, 1);
}

/* Holds the request's reference until recover_wait_put. */
static struct recover_wait *
recover_wait_new(struct rdd_daemon *d, const struct recover_ask *ask)
{
	struct recover_wait *w;
	struct timeval tv;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->req = ask->req;
	w->refs = 1;
	w->timeout_ms =
	    ask->timeout_ms > 0 ? ask->timeout_ms : RDD_RECOVER_WAIT_MS;
	if ((w->timer = evtimer_new(d->base, recover_wait_timeout_cb, w)) ==
	    NULL) {
		free(w);
		return NULL;
	}
	tv.tv_sec = w->timeout_ms / 1000;
	tv.tv_usec = (w->timeout_ms % 1000) * 1000;
	evtimer_add(w->timer, &tv);
	return w;
}

/* One attempt's result, "monitor/target: line"; drops its reference. */
static void
recover_wait_result(struct recover_wait *w, int ok, const struct monitor *m,
    const char *target, const char *line)
{
	size_t room = sizeof(w->text) - w->len;
	int n;

	w->results++;
	if (!ok)
		w->failed++;
	if (room > 1) {
		n = snprintf(w->text + w->len, room, "%s%s/%s: %s",
		    w->len > 0 ? "; " : "", m->cm->name, target, line);
		if (n > 0)
			w->len += (size_t)n < room ? (size_t)n : room - 1;
	}
	recover_wait_put(w);
}

/* A target's operator stops waiting without an attempt of it. */
static void
recover_wait_drop(struct target *t, int ok, const char *why)
{
	struct recover_wait *w = t->wait;

	t->manual_queued = 0;
	if (w == NULL)
		return;
	t->wait = NULL;
	recover_wait_result(w, ok, t->m, t->name, why);
}

static void
recover_scope(struct target *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", t->m->cm->name, t->name);
}

/*
 * The state file holds wall-clock ms; memory holds monotonic ms. The
 * offset between the two is re-read at each save but kept unless it moved
 * by more than a second (a clock step), so that saving an unchanged target
 * writes the same numbers and the file is not rewritten for nothing.
 */
static int64_t
recover_wall_off(struct rdd_daemon *d)
{
	int64_t off = util_wall_ms() - util_now_ms();

	if (d->wall_off == 0 || off - d->wall_off > RECOVER_OFF_SLACK_MS ||
	    d->wall_off - off > RECOVER_OFF_SLACK_MS)
		d->wall_off = off;
	return d->wall_off;
}

static void
recover_set_ll(struct state *s, const char *scope, const char *key, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	state_set(s, scope, key, buf);
}

void
recover_save(struct target *t)
{
	struct state *s = t->m->d->state;
	int64_t off;
	char scope[512], *w = NULL;
	size_t wl = 0;
	FILE *f;
	int i;

	if (s == NULL)
		return;
	recover_scope(t, scope, sizeof(scope));
	if (!t->incident && !t->gave_up && t->nwindow == 0) {
		state_del_scope(s, scope);
	} else {
		off = recover_wall_off(t->m->d);
		recover_set_ll(s, scope, "attempts", t->attempts);
		recover_set_ll(s, scope, "incident",
		    t->incident ? t->incident_mono + off : 0);
		recover_set_ll(s, scope, "cooldown",
		    t->gave_up ? t->cooldown_mono + off : 0);
		state_set(s, scope, "gave_up", t->gave_up ? "1" : "0");
		state_set(s, scope, "served", t->served ? "1" : "0");
		if ((f = open_memstream(&w, &wl)) != NULL) {
			for (i = 0; i < t->nwindow; i++)
				fprintf(f, "%s%lld", i ? "," : "",
				    (long long)(t->window[i] + off));
			fclose(f);
			state_set(s, scope, "window", w);
			free(w);
		}
	}
	/*
	 * SIGKILL of the daemon must not lose a counter: flush now. A
	 * failure is state_flush's to report (rate-limited), not ours.
	 */
	(void)state_flush(s);
}

/*
 * A saved wall-clock ms, or -1: negative or past the year 2286 is nobody's
 * clock, and would overflow the arithmetic below.
 */
static int64_t
recover_wall_val(const char *v, char **end)
{
	long long x = strtoll(v, end, 10);

	return x < 0 || x > RECOVER_WALL_MAX ? -1 : x;
}

/* The window as saved: wall ms, oldest first; *future counts refusals. */
static void
recover_restore_window(struct target *t, const char *v, int64_t now_wall,
    int64_t now_mono, int *future)
{
	const char *p;
	char *end;
	int64_t x, age;
	int n = 1;

	for (p = v; *p; p++)
		n += *p == ',';
	free(t->window);
	t->window = calloc((size_t)n, sizeof(*t->window));
	t->nwindow = 0;
	for (p = v; t->window && *p && t->nwindow < n;) {
		x = recover_wall_val(p, &end);
		if (end == p)
			break;
		p = *end == ',' ? end + 1 : end;
		if (x < 0)
			continue;
		age = now_wall - x;
		/*
		 * An attempt "in the future" did not happen yet: the clock
		 * was stepped back since. Within the slack it is now; beyond
		 * it, it would hold the window shut for as long as the step.
		 */
		if (age < -RECOVER_CLOCK_SLACK_MS) {
			(*future)++;
			continue;
		}
		t->window[t->nwindow++] = now_mono - (age > 0 ? age : 0);
	}
}

/*
 * Loaded times are not trusted further than the configuration allows: a
 * cooldown never ends later than recovery.cooldown from now, and history
 * in the future is dropped, whatever the clock did between two runs.
 */
void
recover_restore(struct target *t)
{
	struct state *s = t->m->d->state;
	const struct conf_recovery *rc = &t->m->cm->rec;
	int64_t now_mono = util_now_ms(), now_wall, x, left = 0;
	int future = 0, clamped = 0, late = 0, n;
	char scope[512], msg[512];
	const char *v;

	if (s == NULL)
		return;
	now_wall = now_mono + recover_wall_off(t->m->d);
	recover_scope(t, scope, sizeof(scope));
	if ((v = state_get(s, scope, "attempts")) != NULL)
		t->attempts = atoi(v);
	if ((v = state_get(s, scope, "gave_up")) != NULL)
		t->gave_up = atoi(v) != 0;
	if ((v = state_get(s, scope, "served")) != NULL)
		t->served = atoi(v) != 0;
	if ((v = state_get(s, scope, "incident")) != NULL &&
	    (x = recover_wall_val(v, NULL)) > 0) {
		t->incident = 1;
		late = now_wall - x < -RECOVER_CLOCK_SLACK_MS;
		/* Began in the future: it begins now, as far as we know. */
		t->incident_mono = now_mono - (now_wall > x ? now_wall - x : 0);
	}
	if (t->gave_up) {
		v = state_get(s, scope, "cooldown");
		x = v != NULL ? recover_wall_val(v, NULL) : -1;
		left = x > 0 ? x - now_wall : 0;
		if (left > rc->cooldown_ms) {
			/* Within the slack: the two runs' clock readings. */
			clamped =
			    left - rc->cooldown_ms > RECOVER_CLOCK_SLACK_MS;
			left = rc->cooldown_ms;
		}
		t->cooldown_mono = now_mono + (left > 0 ? left : 0);
	}
	if ((v = state_get(s, scope, "window")) != NULL && *v)
		recover_restore_window(t, v, now_wall, now_mono, &future);
	if (t->attempts < 0 || t->attempts > 1000)
		t->attempts = 0;
	if (!clamped && future == 0 && !late)
		return;
	n = snprintf(msg, sizeof(msg),
	    "saved times lie ahead of the clock (it was stepped back%s)",
	    clamped ? ", or recovery.cooldown shortened" : "");
	if (clamped && n > 0 && (size_t)n < sizeof(msg))
		n += snprintf(msg + n, sizeof(msg) - (size_t)n,
		    "; the cooldown ends within recovery.cooldown: next try in "
		    "%lld s",
		    (long long)left / 1000);
	if (future && n > 0 && (size_t)n < sizeof(msg))
		n += snprintf(msg + n, sizeof(msg) - (size_t)n,
		    "; %d attempt%s of the window dropped", future,
		    future == 1 ? "" : "s");
	if (late && n > 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n,
		    "; the incident is taken to start now");
	log_write(t->m->cm->name, RDD_LOG_WARN, "%s: %s", t->name, msg);
	journal_write("clock", t->m->cm->name, t->name, msg, -1);
}

static void
recover_window_prune(struct target *t, int64_t now)
{
	int64_t lo = now - t->m->cm->rec.window_ms;
	int i, j = 0;

	for (i = 0; i < t->nwindow; i++)
		if (t->window[i] >= lo)
			t->window[j++] = t->window[i];
	t->nwindow = j;
}

static void
recover_window_add(struct target *t, int64_t now)
{
	int64_t *nw = realloc(t->window, (t->nwindow + 1) * sizeof(*nw));

	if (nw == NULL)
		return;
	t->window = nw;
	t->window[t->nwindow++] = now;
}

static void
recover_give_up(struct target *t, const char *why)
{
	const struct conf_recovery *rc = &t->m->cm->rec;
	char msg[512];

	t->gave_up = 1;
	t->served = 0;
	t->cooldown_mono = util_now_ms() + rc->cooldown_ms;
	snprintf(msg, sizeof(msg), "%s; next try after a cooldown of %lld s "
	    "(redundancyctl recover %s %s to try now)", why,
	    (long long)rc->cooldown_ms / 1000, t->m->cm->name, t->name);
	log_write(t->m->cm->name, RDD_LOG_ERR, "%s: giving up: %s", t->name,
	    msg);
	journal_write("giveup", t->m->cm->name, t->name, msg, -1);
	alerts_event(
	    t->m->d->alerts, AEV_GAVE_UP, t->m->cm->name, t->name, msg);
	recover_save(t);
}

static void
recover_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct target *t = arg;

	recover_start(t, 0);
}

void
recover_consider(struct target *t)
{
	struct monitor *m = t->m;
	struct rdd_daemon *d = m->d;
	const struct conf_recovery *rc = &m->cm->rec;
	int64_t now = util_now_ms(), delay;
	char why[256];
	const char *up;
	long by = 0;

	if (d->once || d->stopping || recover_nactions(m->pd) == 0)
		return;
	if (t->recovering || t->queued ||
	    (t->retry_ev && evtimer_pending(t->retry_ev, NULL))) {
		recover_why_not(t, t->recovering ? "an action is in flight" :
		    t->queued ? "queued for a slot" : "the next attempt is "
		    "scheduled (backoff)");
		return;
	}
	if (inflight_blocks(t)) {
		recover_why_not(t, "an action of the previous run is still "
		    "being stopped");
		return;
	}
	if (!t->blocked &&
	    (up = monitor_upstream_unknown(m)) != NULL) {
		snprintf(why, sizeof(why),
		    "upstream monitor %s has no known state yet", up);
		recover_why_not(t, why);
		return;
	}
	/* An action succeeded: wait for the re-check to say if it worked. */
	if (t->blocked || t->verifying || t->needs_operator) {
		recover_why_not(t, t->blocked ? "an upstream monitor is down" :
		    t->verifying ? "verifying the last action" :
		    "it needs an operator");
		return;
	}
	/* Paused for maintenance: checks go on, actions wait for resume. */
	if (alerts_paused(d->alerts, m->cm->name, &by, NULL, NULL)) {
		if (!t->pause_noted) {
			t->pause_noted = 1;
			journal_write("paused", m->cm->name, t->name,
			    by < 0 ? "paused by an Alertmanager silence: no "
			             "recovery until it ends"
			           : "paused: no recovery until redundancyctl "
			             "resume",
			    -1);
		}
		return;
	}
	t->pause_noted = 0;
	if (t->gave_up) {
		if (now < t->cooldown_mono) {
			log_write(m->cm->name, RDD_LOG_DEBUG, "%s: no recovery "
			    "now: gave up, cooldown ends in %lld ms", t->name,
			    (long long)(t->cooldown_mono - now));
			return;
		}
		/*
		 * Still a crash loop: the incident's give-up stands, quietly.
		 * Journaling it again at every cooldown end would fill the
		 * journal and page people for one incident.
		 */
		recover_window_prune(t, now);
		if (t->nwindow >= rc->window_max) {
			t->cooldown_mono = now + rc->cooldown_ms;
			recover_why_not(t, "the recovery window is still full: "
			    "the give-up stands for another cooldown");
			recover_save(t);
			return;
		}
		t->gave_up = 0;
		t->attempts = 0;
		t->cooldown_mono = 0;
		journal_write("cooldown-end", m->cm->name, t->name,
		    "trying again after the cooldown", -1);
	}
	if (!t->incident) {
		t->incident = 1;
		t->incident_mono = now;
		t->attempts = 0;
	}
	recover_window_prune(t, now);
	if (t->nwindow >= rc->window_max) {
		snprintf(why, sizeof(why), "%d recoveries within %lld s: a "
		    "crash loop; fix the cause or raise recovery.window_max",
		    t->nwindow, (long long)rc->window_ms / 1000);
		recover_give_up(t, why);
		return;
	}
	if (t->attempts >= rc->max_attempts) {
		snprintf(why, sizeof(why), "%d attempts failed (the whole "
		    "ladder was tried); fix the cause or raise "
		    "recovery.max_attempts", t->attempts);
		recover_give_up(t, why);
		return;
	}
	delay = 0;
	if (t->attempts > 0) {
		double dd = (double)rc->delay_ms;
		int k;

		/* Stops at the cap: the master links no libm for one pow. */
		for (k = 1; k < t->attempts && dd <= (double)rc->max_delay_ms;
		     k++)
			dd *= rc->backoff;

		delay = dd > (double)rc->max_delay_ms ? rc->max_delay_ms
						      : (int64_t)dd;
	}
	if (delay <= 0) {
		recover_start(t, 0);
		return;
	}
	if (t->retry_ev == NULL)
		t->retry_ev = evtimer_new(d->base, recover_retry_cb, t);
	if (t->retry_ev) {
		struct timeval tv = { delay / 1000, (delay % 1000) * 1000 };

		log_write(m->cm->name, RDD_LOG_INFO,
		    "%s: attempt %d in %lld ms (backoff)", t->name,
		    t->attempts + 1, (long long)delay);
		evtimer_add(t->retry_ev, &tv);
	}
}

/* Why a CRITICAL target is not acted on now: the -d trail of a decision. */
static void
recover_why_not(struct target *t, const char *why)
{
	log_write(t->m->cm->name, RDD_LOG_DEBUG, "%s: no recovery now: %s",
	    t->name, why);
}

static void
recover_enqueue(struct target *t)
{
	struct rdd_daemon *d = t->m->d;
	struct target **nq;
	size_t i;

	nq = realloc(d->rq, (d->nrq + 1) * sizeof(*nq));
	if (nq == NULL)
		return;
	d->rq = nq;
	/* Upstream monitors first: dependency order, FIFO within one. */
	for (i = d->nrq; i > 0 && d->rq[i - 1]->m->index > t->m->index; i--)
		d->rq[i] = d->rq[i - 1];
	d->rq[i] = t;
	d->nrq++;
	t->queued = 1;
	log_write(t->m->cm->name, RDD_LOG_INFO,
	    "%s: waiting for a recovery slot (%d in flight, limit %d)",
	    t->name, d->recoveries, d->conf->max_concurrent_recoveries);
}

static void
recover_dequeue(struct target *t)
{
	struct rdd_daemon *d = t->m->d;
	size_t i;

	for (i = 0; i < d->nrq; i++)
		if (d->rq[i] == t) {
			memmove(&d->rq[i], &d->rq[i + 1],
			    (d->nrq - i - 1) * sizeof(*d->rq));
			d->nrq--;
			break;
		}
	t->queued = 0;
}

static void
recover_track(struct monitor *m, struct rdd_recovery *r, int add)
{
	size_t i;

	if (add) {
		struct rdd_recovery **nv = realloc(m->recs,
		    (m->nrecs + 1) * sizeof(*nv));

		if (nv != NULL) {
			m->recs = nv;
			m->recs[m->nrecs++] = r;
		}
		return;
	}
	for (i = 0; i < m->nrecs; i++)
		if (m->recs[i] == r) {
			m->recs[i] = m->recs[--m->nrecs];
			return;
		}
}

static void
recover_free(struct rdd_recovery *r)
{
	if (r->deadline_ev)
		event_free(r->deadline_ev);
	free(r->target);
	free(r->action);
	free(r);
}

static void recover_finish(struct rdd_recovery *r, int ok, const char *msg);

static void
recover_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rdd_recovery *r = arg;

	recover_finish(r, 0, "no answer from the plugin within 5 minutes");
}

/*
 * Attempt n uses rung n-1, the last rung repeating; rungs that said they
 * do not apply to this target are passed over for the rest of the incident.
 */
static size_t
recover_rung(const struct target *t, size_t n)
{
	size_t r = (size_t)t->attempts - 1, i;

	if (r >= n)
		r = n - 1;
	for (i = r; i < n && i < 32; i++)
		if (!(t->na_rungs & (1u << i)))
			return i;
	for (i = r; i-- > 0;)
		if (!(t->na_rungs & (1u << i)))
			return i;
	return r;
}

static int
recover_all_na(const struct target *t, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 32; i++)
		if (!(t->na_rungs & (1u << i)))
			return 0;
	return 1;
}

/*
 * manual: an operator asked for it; so did one for a queued attempt with
 * t->manual_queued, and t->wait (an operator waiting for the result) goes
 * to the attempt when it starts.
 */
static void
recover_start(struct target *t, int manual)
{
	struct monitor *m = t->m;
	struct rdd_daemon *d = m->d;
	struct rdd_recovery *r;
	size_t n = recover_nactions(m->pd), rung;
	struct timeval tv = { RECOVER_DEADLINE_MS / 1000, 0 };
	int64_t now = util_now_ms();

	if (d->stopping || t->recovering || n == 0) {
		recover_wait_drop(t, 0,
		    d->stopping ? "the daemon is stopping"
		                : "no attempt could start");
		return;
	}
	if (d->recoveries >= d->conf->max_concurrent_recoveries) {
		if (!t->queued)
			recover_enqueue(t);
		if (manual)
			t->manual_queued = 1;
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		recover_wait_drop(t, 0, "out of memory");
		return;
	}
	manual = manual || t->manual_queued;
	t->manual_queued = 0;
	r->wait = t->wait;
	t->wait = NULL;
	t->attempts++;
	if (!t->incident) {
		t->incident = 1;
		t->incident_mono = now;
	}
	recover_window_add(t, now);
	rung = recover_rung(t, n);
	{
		char why[512];
		int gate = alerts_recovery_gate(d->alerts, m->cm->name, t->name,
		    m->pd->actions[rung], manual, why, sizeof(why));

		if (gate == 2) {
			/* Paused between the decision and the start. */
			t->attempts--;
			if (t->nwindow > 0)
				t->nwindow--;
			if (r->wait != NULL)
				recover_wait_result(r->wait, 0, m, t->name, why);
			free(r);
			journal_write("paused", m->cm->name, t->name, why, -1);
			return;
		}
		r->dry_run = gate == 1;
		if (r->dry_run) {
			log_write(m->cm->name, RDD_LOG_WARN, "%s: dry-run: %s",
			    t->name, why);
			journal_write("dry-run", m->cm->name, t->name, why, -1);
		}
	}
	r->m = m;
	r->t = t;
	r->target = strdup(t->name);
	r->action = strdup(m->pd->actions[rung]);
	r->attempt = (unsigned)t->attempts;
	r->manual = manual;
	/* Only a repair of a CRITICAL target can leave it served. */
	t->crit_action = t->state == RDD_CRITICAL;
	r->started_mono = util_now_ms();
	r->deadline_ev = evtimer_new(d->base, recover_deadline_cb, r);
	evtimer_add(r->deadline_ev, &tv);
	t->recovering = 1;
	t->rec = r;
	d->recoveries++;
	recover_track(m, r, 1);
	{
		char msg[256];

		snprintf(msg, sizeof(msg), "attempt %u: %s%s", r->attempt,
		    r->action, manual ? " (requested by operator)" : "");
		if (!r->dry_run)
			log_write(m->cm->name, RDD_LOG_WARN,
			    "%s: recovering: "
			    "%s",
			    t->name, msg);
		if (!r->dry_run)
			journal_write("action", m->cm->name, t->name, msg, -1);
	}
	if (r->dry_run) {
		recover_save(t);
		/* Nothing is done: the ladder goes on as if it failed. */
		recover_done(r, RDD_RECOVERY_FAILED,
		    "dry-run: not taken "
		    "(recovery.mode = \"dry-run\")");
		return;
	}
	/*
	 * The worker first: a PM2 exit is acted on in a few ms, and the
	 * state's fsyncs would double that. The action and its counters
	 * reach the disk right after, in one write, before any child of it
	 * can report its process group (an rpg message, read after this).
	 */
	if (workers_recover(m, r) != 0) {
		recover_save(t);
		recover_done(r, RDD_RECOVERY_FAILED, "the plugin's worker is "
		    "not running");
		return;
	}
	inflight_begin(r);
	recover_save(t);
}

/*
 * The action cannot help this target: it was no attempt. The next rung
 * runs at once; when none applies, a person must act.
 */
static void
recover_not_applicable(struct target *t, struct rdd_recovery *r,
    const char *msg)
{
	size_t n = recover_nactions(t->m->pd), i;
	char line[640];

	for (i = 0; i < n && i < 32; i++)
		if (strcmp(t->m->pd->actions[i], r->action) == 0)
			t->na_rungs |= 1u << i;
	if (t->attempts > 0)
		t->attempts--;
	if (t->nwindow > 0)
		t->nwindow--;
	if (recover_all_na(t, n)) {
		t->needs_operator = 1;
		snprintf(line, sizeof(line), "no recovery action applies: %s",
		    msg && *msg ? msg : "see the plugin's documentation");
		log_write(t->m->cm->name, RDD_LOG_ERR, "%s: %s", t->name, line);
		journal_write("needs-operator", t->m->cm->name, t->name, line,
		    -1);
		alerts_event(t->m->d->alerts, AEV_GAVE_UP, t->m->cm->name,
		    t->name, line);
	}
}

static void
recover_finish(struct rdd_recovery *r, int ok, const char *msg)
{
	struct monitor *m = r->m;
	struct rdd_daemon *d = m->d;
	struct target *t = r->t;
	struct timeval zero = { 0, 0 };
	char line[768];

	if (r->finished)
		return;
	r->finished = 1;
	if (r->deadline_ev)
		evtimer_del(r->deadline_ev);
	d->recoveries--;
	snprintf(line, sizeof(line), "attempt %u: %s %s in %lld ms%s%s",
	    r->attempt, r->action,
	    ok > 0 ? "succeeded" : ok < 0 ? "does not apply" : "failed",
	    (long long)(util_now_ms() - r->started_mono), msg && *msg ? ": " : "",
	    msg ? msg : "");
	log_write(m->cm->name, ok > 0 ? RDD_LOG_INFO
	    : ok < 0		    ? RDD_LOG_WARN
				    : RDD_LOG_ERR, "%s: %s", r->target, line);
	journal_write("result", m->cm->name, r->target, line, -1);
	stats_recovery(m, ok);
	inflight_end(r);
	if (ok < 0 && t != NULL)
		recover_not_applicable(t, r, msg);
	if (r->wait != NULL) {
		recover_wait_result(r->wait, ok > 0, m, r->target, line);
		r->wait = NULL;
	}
	if (t != NULL) {
		t->recovering = 0;
		t->rec = NULL;
		/* A WARNING seen while it ran is not served by a failure. */
		if (ok == 0)
			health_detect_deferred(t);
		if (ok > 0 && !d->stopping) {
			/*
			 * Confirm by a re-check before counting it a success:
			 * a check already in flight looked before the action
			 * ended, so only the next one started can say.
			 */
			t->verifying = 1;
			t->verify_seq = m->check_seq + 1;
			if (m->cur != NULL)
				m->recheck = 1;
			else {
				evtimer_del(m->timer);
				evtimer_add(m->timer, &zero);
			}
		} else if (ok < 0 && !d->stopping && !t->needs_operator) {
			/* From the loop: the plugin may still be in recover(). */
			if (t->retry_ev == NULL)
				t->retry_ev = evtimer_new(d->base,
				    recover_retry_cb, t);
			if (t->retry_ev != NULL)
				evtimer_add(t->retry_ev, &zero);
		}
		else if (!d->stopping && t->state == RDD_CRITICAL)
			recover_consider(t);
		recover_save(t);
	}
	if (d->nrq > 0 && !d->stopping)
		event_base_once(d->base, -1, EV_TIMEOUT, recover_drain, d, &zero);
}

/* host->recovery_done */
void
recover_done(struct rdd_recovery *r, int ok, const char *msg)
{
	recover_finish(r, ok, msg);
	recover_track(r->m, r, 0);
	recover_free(r);
}

static void
recover_drain(evutil_socket_t fd, short what, void *arg)
{
	struct rdd_daemon *d = arg;

	while (d->nrq > 0 &&
	    d->recoveries < d->conf->max_concurrent_recoveries) {
		struct target *t = d->rq[0];

		recover_dequeue(t);
		log_write(t->m->cm->name, RDD_LOG_DEBUG, "%s: a recovery slot "
		    "is free: starting (%zu still queued)", t->name, d->nrq);
		recover_start(t, 0);
	}
}

void
recover_confirmed(struct target *t)
{
	struct monitor *m = t->m;
	char msg[256];

	if (t->retry_ev)
		evtimer_del(t->retry_ev);
	if (t->queued) {
		recover_dequeue(t);
		recover_wait_drop(t, 1,
		    "healthy again before a recovery slot "
		    "was free: no attempt was needed");
	}
	if (t->incident) {
		t->last_ttr_ms = util_now_ms() - t->incident_mono;
		stats_ttr(m, t->last_ttr_ms);
		if (t->attempts == 0)
			snprintf(msg, sizeof(msg), "healthy again without a "
			    "recovery action; %lld ms after the detection",
			    (long long)t->last_ttr_ms);
		else
			snprintf(msg, sizeof(msg), "healthy again after %d "
			    "attempt%s; time to recover %lld ms", t->attempts,
			    t->attempts == 1 ? "" : "s",
			    (long long)t->last_ttr_ms);
		log_write(m->cm->name, RDD_LOG_INFO, "%s: %s", t->name, msg);
		journal_write("recovered", m->cm->name, t->name, msg, -1);
	}
	/* Counters reset only here, on a confirmed recovery. */
	t->attempts = 0;
	t->incident = 0;
	t->incident_mono = 0;
	t->verifying = 0;
	t->na_rungs = 0;
	t->needs_operator = 0;
	t->served = 0;
	/*
	 * Healthy again by itself after a give-up: the pause holds until the
	 * cooldown ends, or a flapping target would be given up on (and
	 * journaled) at every other check.
	 */
	if (!t->gave_up || util_now_ms() >= t->cooldown_mono) {
		t->gave_up = 0;
		t->cooldown_mono = 0;
	}
	recover_save(t);
}

/*
 * The last action left a CRITICAL target WARNING: it serves, degraded (a
 * PM2 app whose backup serves). That is no give-up: no more attempts, a
 * warning-level event, and the incident stays open until the target is
 * OK (recover_confirmed) or CRITICAL again (the ladder goes on where it
 * stopped, so with every attempt spent it gives up then).
 */
void
recover_served(struct target *t, const char *msg)
{
	struct monitor *m = t->m;
	char line[768];

	t->verifying = 0;
	t->served = 1;
	snprintf(line, sizeof(line),
	    "%s; degraded but served after %d "
	    "attempt%s: no give-up, the incident stays open until it is OK",
	    msg, t->attempts, t->attempts == 1 ? "" : "s");
	log_write(m->cm->name, RDD_LOG_WARN, "%s: %s", t->name, line);
	journal_write("served", m->cm->name, t->name, line, -1);
	alerts_event(m->d->alerts, AEV_SERVED, m->cm->name, t->name, line);
	recover_save(t);
}

/* m's targets, ", "-joined, cut with "..." when they do not fit. */
static void
recover_target_list(const struct monitor *m, int states, char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	snprintf(buf, len, "none reported yet");
	for (i = 0; i < m->nt && used < len; i++) {
		const struct target *t = m->t[i];

		if (states)
			n = snprintf(buf + used, len - used, "%s%s (%s%s)",
			    i > 0 ? ", " : "", t->name,
			    util_state_name(t->state),
			    t->recovering || t->wait ? ", recovering" : "");
		else
			n = snprintf(buf + used, len - used, "%s%s",
			    i > 0 ? ", " : "", t->name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

/*
 * An operator's recover of a target that does not need it is most likely
 * a typo or a wrong guess: say so rather than act, unless forced.
 */
static int
recover_refusal(const struct monitor *m, const struct target *t,
    const char *name, char *msg, size_t msglen)
{
	char list[384];

	if (t == NULL) {
		recover_target_list(m, 0, list, sizeof(list));
		snprintf(msg, msglen,
		    "monitor '%s' has no target '%s'; its "
		    "targets: %s (use --force to recover a target it does not "
		    "report)",
		    m->cm->name, name, list);
		return -1;
	}
	if (t->state == RDD_OK) {
		snprintf(msg, msglen,
		    "target '%s' is OK: nothing to recover; "
		    "use --force to recover it anyway",
		    name);
		return -1;
	}
	if (t->state == RDD_UNKNOWN) {
		snprintf(msg, msglen,
		    "target '%s' is UNKNOWN (%s): nothing "
		    "says it needs a recovery; use --force to recover it "
		    "anyway",
		    name, t->msg && *t->msg ? t->msg : "not checked yet");
		return -1;
	}
	return 0;
}

/* An operator's try after a give-up starts the ladder again, now. */
static void
recover_operator_reset(struct target *t)
{
	if (t->gave_up || t->needs_operator)
		t->attempts = 0;
	t->gave_up = 0;
	t->cooldown_mono = 0;
	t->needs_operator = 0;
	t->na_rungs = 0;
	t->served = 0;
	if (t->queued)
		recover_dequeue(t);
	if (t->retry_ev)
		evtimer_del(t->retry_ev);
}

/* The reply to a recover without wait: what started, and where to look. */
static void
recover_started_msg(const struct target *t, char *msg, size_t msglen)
{
	const char *mon = t->m->cm->name;

	if (t->rec != NULL)
		snprintf(msg, msglen,
		    "recovery of %s/%s started: attempt %u, "
		    "%s; its result: redundancyctl history (recover --wait "
		    "waits for it)",
		    mon, t->name, t->rec->attempt, t->rec->action);
	else if (t->queued)
		snprintf(msg, msglen,
		    "recovery of %s/%s queued: %d "
		    "recoveries run at once (max_concurrent_recoveries); it "
		    "starts when one ends",
		    mon, t->name, t->m->d->conf->max_concurrent_recoveries);
	else
		snprintf(msg, msglen,
		    "recovery of %s/%s ended at once: see "
		    "redundancyctl history",
		    mon, t->name);
}

static int
recover_manual_one(
    struct monitor *m, const struct recover_ask *ask, char *msg, size_t msglen)
{
	struct target *t = health_target(m, ask->target, 0);
	struct recover_wait *w = NULL;

	if (!ask->force && recover_refusal(m, t, ask->target, msg, msglen) != 0)
		return -1;
	if (t == NULL) {
		/* Forced: a plugin may recover targets it never reports. */
		if ((t = health_target(m, ask->target, 1)) == NULL) {
			snprintf(msg, msglen, "out of memory");
			return -1;
		}
		t->seen = 1;
	}
	if (t->recovering || t->wait != NULL) {
		snprintf(msg, msglen,
		    "%s/%s: a recovery is already %s: see "
		    "redundancyctl status",
		    m->cm->name, t->name,
		    t->recovering ? "running" : "waiting for a slot");
		return -1;
	}
	if (ask->wait && (w = recover_wait_new(m->d, ask)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	recover_operator_reset(t);
	if (w != NULL) {
		t->wait = w;
		w->refs++;
	}
	recover_start(t, 1);
	if (w != NULL) {
		recover_wait_put(w);
		return 0;
	}
	recover_started_msg(t, msg, msglen);
	return 1;
}

/* Every target that needs it: not OK, not UNKNOWN (or all, forced). */
static int
recover_manual_all(
    struct monitor *m, const struct recover_ask *ask, char *msg, size_t msglen)
{
	struct recover_wait *w = NULL;
	char names[384], list[384];
	size_t i, started = 0, used = 0;
	int n;

	if (ask->wait && (w = recover_wait_new(m->d, ask)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	names[0] = '\0';
	for (i = 0; i < m->nt; i++) {
		struct target *t = m->t[i];

		if (t->recovering || t->wait != NULL)
			continue;
		if (!ask->force &&
		    (t->state == RDD_OK || t->state == RDD_UNKNOWN))
			continue;
		recover_operator_reset(t);
		if (w != NULL) {
			t->wait = w;
			w->refs++;
		}
		recover_start(t, 1);
		started++;
		if (used < sizeof(names) &&
		    (n = snprintf(names + used, sizeof(names) - used, "%s%s",
		         used > 0 ? ", " : "", t->name)) > 0)
			used += (size_t)n;
	}
	if (started == 0) {
		if (w != NULL) {
			w->req = NULL; /* the caller answers the refusal */
			recover_wait_put(w);
		}
		recover_target_list(m, 1, list, sizeof(list));
		snprintf(msg, msglen,
		    "monitor '%s' has nothing to recover: "
		    "its targets: %s; use --force to recover them anyway",
		    m->cm->name, list);
		return -1;
	}
	if (w != NULL) {
		recover_wait_put(w);
		return 0;
	}
	if (used >= sizeof(names))
		memcpy(names + sizeof(names) - 4, "...", 4);
	snprintf(msg, msglen,
	    "recovery started for %zu target%s: %s; the "
	    "results: redundancyctl history (recover --wait waits for them)",
	    started, started == 1 ? "" : "s", names);
	return 1;
}

int
recover_manual(
    struct monitor *m, const struct recover_ask *ask, char *msg, size_t msglen)
{
	if (recover_nactions(m->pd) == 0) {
		snprintf(msg, msglen,
		    "monitor '%s' (plugin %s) has no "
		    "recovery actions",
		    m->cm->name, m->pd->name);
		return -1;
	}
	if (ask->target != NULL)
		return recover_manual_one(m, ask, msg, msglen);
	return recover_manual_all(m, ask, msg, msglen);
}

void
recover_target_gone(struct target *t)
{
	if (t->retry_ev) {
		event_free(t->retry_ev);
		t->retry_ev = NULL;
	}
	if (t->queued)
		recover_dequeue(t);
	recover_wait_drop(t, 0,
	    "the target is gone (removed by a reload, "
	    "or no longer reported)");
	if (t->rec)
		t->rec->t = NULL;
	t->rec = NULL;
}

void
recover_cancel_all(struct rdd_daemon *d)
{
	size_t i, j;

	while (d->nrq > 0) {
		struct target *t = d->rq[0];

		recover_dequeue(t);
		recover_wait_drop(t, 0, "the daemon is stopping");
	}
	free(d->rq);
	d->rq = NULL;
	for (i = 0; i < d->nmon; i++)
		for (j = 0; j < d->mon[i]->nt; j++)
			if (d->mon[i]->t[j]->retry_ev)
				evtimer_del(d->mon[i]->t[j]->retry_ev);
}

/* Frees what plugins never answered; called after their stop(). */
void
recover_free_monitor(struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->nrecs; i++) {
		struct rdd_recovery *r = m->recs[i];

		if (!r->finished) {
			char line[512];

			r->finished = 1;
			m->d->recoveries--;
			/* A reload or a stop: the action ends without a result. */
			snprintf(line, sizeof(line), "attempt %u: %s cancelled "
			    "after %lld ms: the monitor was stopped (%s) before "
			    "the action answered", r->attempt, r->action,
			    (long long)(util_now_ms() - r->started_mono),
			    m->d->stopping ? "shutdown" : "reload");
			log_write(m->cm->name, RDD_LOG_WARN, "%s: %s",
			    r->target, line);
			journal_write("result", m->cm->name, r->target, line,
			    -1);
			inflight_end(r);
			if (r->wait != NULL) {
				recover_wait_result(r->wait, 0, m, r->target,
				    "the monitor was stopped before the action "
				    "answered");
				r->wait = NULL;
			}
		}
		if (r->t)
			r->t->rec = NULL;
		recover_free(r);
	}
	free(m->recs);
	m->recs = NULL;
	m->nrecs = 0;
}
