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

/* An action that has not answered by then counts as failed. */
#define RECOVER_DEADLINE_MS (5 * 60 * 1000)

static void recover_start(struct target *t, int manual,
    struct control_req *req);
static void recover_drain(evutil_socket_t fd, short what, void *arg);

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
recover_scope(struct target *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", t->m->cm->name, t->name);
}

void
recover_save(struct target *t)
{
	struct state *s = t->m->d->state;
	char scope[512], v[64], *w = NULL;
	size_t wl = 0;
	FILE *f;
	int i;

	if (s == NULL)
		return;
	recover_scope(t, scope, sizeof(scope));
	if (t->incident_wall == 0 && t->cooldown_wall == 0 && t->nwindow == 0) {
		state_del_scope(s, scope);
	} else {
		snprintf(v, sizeof(v), "%d", t->attempts);
		state_set(s, scope, "attempts", v);
		snprintf(v, sizeof(v), "%lld", (long long)t->incident_wall);
		state_set(s, scope, "incident", v);
		snprintf(v, sizeof(v), "%lld", (long long)t->cooldown_wall);
		state_set(s, scope, "cooldown", v);
		state_set(s, scope, "gave_up", t->gave_up ? "1" : "0");
		if ((f = open_memstream(&w, &wl)) != NULL) {
			for (i = 0; i < t->nwindow; i++)
				fprintf(f, "%s%lld", i ? "," : "",
				    (long long)t->window[i]);
			fclose(f);
			state_set(s, scope, "window", w);
			free(w);
		}
	}
	/* SIGKILL of the daemon must not lose a counter: flush now. */
	if (state_flush(s) != 0)
		log_warn("state: cannot write recovery state: %m");
}

void
recover_restore(struct target *t)
{
	struct state *s = t->m->d->state;
	char scope[512];
	const char *v;

	if (s == NULL)
		return;
	recover_scope(t, scope, sizeof(scope));
	if ((v = state_get(s, scope, "attempts")) != NULL)
		t->attempts = atoi(v);
	if ((v = state_get(s, scope, "incident")) != NULL)
		t->incident_wall = strtoll(v, NULL, 10);
	if ((v = state_get(s, scope, "cooldown")) != NULL)
		t->cooldown_wall = strtoll(v, NULL, 10);
	if ((v = state_get(s, scope, "gave_up")) != NULL)
		t->gave_up = atoi(v) != 0;
	if ((v = state_get(s, scope, "window")) != NULL && *v) {
		const char *p = v;
		int n = 1;

		for (; *p; p++)
			n += *p == ',';
		free(t->window);
		t->window = calloc((size_t)n, sizeof(*t->window));
		t->nwindow = 0;
		for (p = v; t->window && *p && t->nwindow < n;) {
			char *end;
			long long x = strtoll(p, &end, 10);

			if (end == p)
				break;
			t->window[t->nwindow++] = x;
			p = *end == ',' ? end + 1 : end;
		}
	}
	if (t->attempts < 0 || t->attempts > 1000)
		t->attempts = 0;
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
	t->cooldown_wall = util_wall_ms() + rc->cooldown_ms;
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

	recover_start(t, 0, NULL);
}

void
recover_consider(struct target *t)
{
	struct monitor *m = t->m;
	struct rdd_daemon *d = m->d;
	const struct conf_recovery *rc = &m->cm->rec;
	int64_t now = util_wall_ms(), delay;
	char why[256];

	if (d->once || d->stopping || recover_nactions(m->pd) == 0)
		return;
	if (t->recovering || t->queued ||
	    (t->retry_ev && evtimer_pending(t->retry_ev, NULL)))
		return;
	/* An action succeeded: wait for the re-check to say if it worked. */
	if (t->blocked || t->verifying || t->needs_operator)
		return;
	/* Paused for maintenance: checks go on, actions wait for resume. */
	if (alerts_paused(d->alerts, m->cm->name, NULL, NULL, NULL)) {
		if (!t->pause_noted) {
			t->pause_noted = 1;
			journal_write("paused", m->cm->name, t->name,
			    "paused: no recovery until redundancyctl resume",
			    -1);
		}
		return;
	}
	t->pause_noted = 0;
	if (t->gave_up) {
		if (now < t->cooldown_wall)
			return;
		t->gave_up = 0;
		t->attempts = 0;
		t->cooldown_wall = 0;
		journal_write("cooldown-end", m->cm->name, t->name,
		    "trying again after the cooldown", -1);
	}
	if (t->incident_wall == 0) {
		t->incident_wall = now;
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
		double dd = (double)rc->delay_ms *
		    pow(rc->backoff, (double)(t->attempts - 1));

		delay = dd > (double)rc->max_delay_ms ? rc->max_delay_ms
						      : (int64_t)dd;
	}
	if (delay <= 0) {
		recover_start(t, 0, NULL);
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

static void
recover_start(struct target *t, int manual, struct control_req *req)
{
	struct monitor *m = t->m;
	struct rdd_daemon *d = m->d;
	struct rdd_recovery *r;
	size_t n = recover_nactions(m->pd), rung;
	struct timeval tv = { RECOVER_DEADLINE_MS / 1000, 0 };
	int64_t now = util_wall_ms();

	if (d->stopping || t->recovering || n == 0)
		return;
	if (d->recoveries >= d->conf->max_concurrent_recoveries) {
		if (!t->queued)
			recover_enqueue(t);
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return;
	t->attempts++;
	if (t->incident_wall == 0)
		t->incident_wall = now;
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
			free(r);
			journal_write("paused", m->cm->name, t->name, why, -1);
			if (req != NULL) {
				json_object *o = json_object_new_object();

				json_object_object_add(
				    o, "ok", json_object_new_boolean(0));
				json_object_object_add(
				    o, "error", json_object_new_string(why));
				control_reply(req, o);
			}
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
	r->req = req;
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
	recover_save(t);
	if (r->dry_run) {
		/* Nothing is done: the ladder goes on as if it failed. */
		recover_done(r, RDD_RECOVERY_FAILED,
		    "dry-run: not taken "
		    "(recovery.mode = \"dry-run\")");
		return;
	}
	if (workers_recover(m, r) != 0)
		recover_done(r, RDD_RECOVERY_FAILED, "the plugin's worker is "
		    "not running");
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
	if (ok < 0 && t != NULL)
		recover_not_applicable(t, r, msg);
	if (r->req) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "ok", json_object_new_boolean(ok > 0));
		json_object_object_add(o, ok > 0 ? "message" : "error",
		    json_object_new_string(line));
		control_reply(r->req, o);
		r->req = NULL;
	}
	if (t != NULL) {
		t->recovering = 0;
		t->rec = NULL;
		if (ok > 0 && !d->stopping) {
			/* Confirm by a re-check before counting it a success. */
			t->verifying = 1;
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
		recover_start(t, 0, NULL);
	}
}

void
recover_confirmed(struct target *t)
{
	struct monitor *m = t->m;
	char msg[256];

	if (t->retry_ev)
		evtimer_del(t->retry_ev);
	if (t->queued)
		recover_dequeue(t);
	if (t->incident_wall != 0) {
		t->last_ttr_ms = util_wall_ms() - t->incident_wall;
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
	t->incident_wall = 0;
	t->verifying = 0;
	t->na_rungs = 0;
	t->needs_operator = 0;
	/*
	 * Healthy again by itself after a give-up: the pause holds until the
	 * cooldown ends, or a flapping target would be given up on (and
	 * journaled) at every other check.
	 */
	if (!t->gave_up || util_wall_ms() >= t->cooldown_wall) {
		t->gave_up = 0;
		t->cooldown_wall = 0;
	}
	recover_save(t);
}

int
recover_manual(struct monitor *m, const char *target,
    struct control_req *req, char *err, size_t errlen)
{
	size_t i, started = 0;

	if (recover_nactions(m->pd) == 0) {
		snprintf(err, errlen, "monitor '%s' (plugin %s) has no "
		    "recovery actions", m->cm->name, m->pd->name);
		return -1;
	}
	if (target != NULL) {
		struct target *t = health_target(m, target, 0);

		if (t == NULL) {
			/* A plugin may recover targets it never reports. */
			t = health_target(m, target, 1);
			if (t == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			t->seen = 1;
		}
		if (t->recovering) {
			snprintf(err, errlen, "%s/%s: a recovery is already "
			    "running", m->cm->name, target);
			return -1;
		}
		/* An operator's try after a give-up starts the ladder again. */
		if (t->gave_up || t->needs_operator)
			t->attempts = 0;
		t->gave_up = 0;
		t->cooldown_wall = 0;
		t->needs_operator = 0;
		t->na_rungs = 0;
		if (t->queued)
			recover_dequeue(t);
		if (t->retry_ev)
			evtimer_del(t->retry_ev);
		recover_start(t, 1, req);
		if (t->queued && req != NULL) {
			/* Waiting for a slot: answer now rather than hang. */
			json_object *o = json_object_new_object();

			json_object_object_add(o, "ok",
			    json_object_new_boolean(1));
			json_object_object_add(o, "message",
			    json_object_new_string("queued: the global limit "
						   "of recoveries is reached"));
			control_reply(req, o);
		}
		return 0;
	}
	for (i = 0; i < m->nt; i++) {
		struct target *t = m->t[i];

		if (t->state == RDD_OK || t->recovering)
			continue;
		if (t->gave_up || t->needs_operator)
			t->attempts = 0;
		t->gave_up = 0;
		t->cooldown_wall = 0;
		t->needs_operator = 0;
		t->na_rungs = 0;
		recover_start(t, 1, NULL);
		started++;
	}
	snprintf(err, errlen, "%zu target%s", started, started == 1 ? "" : "s");
	return 1;
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
	if (t->rec)
		t->rec->t = NULL;
	t->rec = NULL;
}

void
recover_cancel_all(struct rdd_daemon *d)
{
	size_t i, j;

	while (d->nrq > 0)
		recover_dequeue(d->rq[0]);
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
			r->finished = 1;
			m->d->recoveries--;
			if (r->req) {
				json_object *o = json_object_new_object();

				json_object_object_add(o, "ok",
				    json_object_new_boolean(0));
				json_object_object_add(o, "error",
				    json_object_new_string("the monitor was "
							   "stopped"));
				control_reply(r->req, o);
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
