/*
 * monitor.c: the life of monitors (create, start, stop, destroy) and the
 * scheduler: one timer per monitor with jitter, a timeout, no overlap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "daemon.h"

static void monitor_arm(struct monitor *m, int64_t ms);

static void monitor_timer_cb(evutil_socket_t fd, short what, void *arg);

/*
 * A random delay below span (at most 5 s) so monitors do not beat
 * together: 10% of the interval between checks, 10% of the startup delay
 * before the first, so a startup delay of 0 means checks start at once.
 */
static int64_t
monitor_jitter(int64_t span)
{
	/* Spread, not secrecy: a getrandom(2) per check was measurable. */
	static uint64_t x;

	if (span > 5000)
		span = 5000;
	if (span <= 0)
		return 0;
	while (x == 0)
		evutil_secure_rng_get_bytes(&x, sizeof(x));
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (int64_t)(x % (uint64_t)span);
}

/* Arm the next check unless one is armed already (a crash, a restart). */
void
monitor_rearm(struct monitor *m, int64_t ms)
{
	if (m->timer != NULL && !evtimer_pending(m->timer, NULL))
		monitor_arm(m, ms);
}

static void
monitor_arm_us(struct monitor *m, int64_t us)
{
	struct timeval tv;

	if (m->d->stopping || m->d->once)
		return;
	if (us < 0)
		us = 0;
	log_write(m->cm->name, RDD_LOG_DEBUG, "next check in %lld ms",
	    (long long)(us / 1000));
	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	evtimer_add(m->timer, &tv);
}

static void
monitor_arm(struct monitor *m, int64_t ms)
{
	monitor_arm_us(m, ms * 1000);
}

/*
 * The regular cadence, due on a grid of a twentieth of the interval (at
 * most 100 ms) of the loop's own clock, as systemd's AccuracySec or the
 * kernel's timer slack: checks due on one point expire together, so the
 * master wakes once for them and their worker once for their requests
 * (sent in one go, workers_batch). A check runs at most half of it early
 * or late.
 */
static void
monitor_arm_cadence(struct monitor *m, int64_t ms)
{
	struct timeval now;
	int64_t g = m->cm->interval_ms / 20, t, due;

	if (g > 100)
		g = 100;
	if (g < 10 || event_base_gettimeofday_cached(m->d->base, &now) != 0) {
		monitor_arm(m, ms);
		return;
	}
	/*
	 * From the loop's cached time, to which libevent adds the delay: so
	 * every timer aimed at one grid point gets one and the same expiry.
	 */
	g *= 1000;
	t = (int64_t)now.tv_sec * 1000000 + now.tv_usec;
	due = t + ms * 1000;
	/* The nearest point, so the cadence keeps its interval on average. */
	due = (due + g / 2) / g * g;
	if (due <= t)
		due += g;
	monitor_arm_us(m, due - t);
}

struct monitor *
monitor_find(struct rdd_daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nmon; i++)
		if (strcmp(d->mon[i]->cm->name, name) == 0)
			return d->mon[i];
	return NULL;
}

int
monitors_create(struct rdd_daemon *d, struct errlist *errs)
{
	struct conf *c = d->conf;
	size_t *order, i, n = 0;

	order = calloc(c->nmon ? c->nmon : 1, sizeof(*order));
	d->mon = calloc(c->nmon ? c->nmon : 1, sizeof(*d->mon));
	if (order == NULL || d->mon == NULL) {
		free(order);
		errlist_add(errs, "out of memory");
		return -1;
	}
	if (conf_topo_order(c, order, errs) == -1) {
		free(order);
		return -1;
	}
	for (i = 0; i < c->nmon; i++) {
		struct conf_monitor *cm = &c->mon[order[i]];
		struct monitor *m;

		if (!cm->enabled)
			continue;
		if (d->once_monitor && strcmp(d->once_monitor, cm->name) != 0)
			continue;
		m = calloc(1, sizeof(*m));
		if (m == NULL) {
			errlist_add(errs, "out of memory");
			break;
		}
		m->d = d;
		m->cm = cm;
		m->pd = cm->pd;
		m->index = n;
		m->state = RDD_UNKNOWN;
		m->since = util_wall_ms();
		m->msg = strdup("not checked yet");
		m->st = stats_of(d, cm->name);
		m->timer = evtimer_new(d->base, monitor_timer_cb, m);
		d->mon[n++] = m;
		d->nmon = n;
	}
	if (workers_assign(d) != 0)
		errlist_add(errs, "out of memory assigning plugin workers");
	free(order);
	if (d->once_monitor && n == 0)
		errlist_add(errs,
		    "%s: no enabled monitor named '%s': see the monitors list",
		    c->path, d->once_monitor);
	return errs->n ? -1 : 0;
}

void
monitors_start(struct rdd_daemon *d, int64_t delay_ms)
{
	size_t i;

	workers_spawn_all(d);
	for (i = 0; i < d->nmon; i++) {
		struct monitor *m = d->mon[i];

		m->started = 1;
		if (d->once)
			monitor_run_check(m);
		else
			monitor_arm(m, delay_ms + monitor_jitter(delay_ms / 10));
	}
}

static void
check_free(struct rdd_check *c)
{
	if (c->timeout_ev)
		event_free(c->timeout_ev);
	free(c);
}

static void
monitor_check_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct rdd_check *c = arg;
	struct monitor *m = c->m;

	/* Late answers name an id nobody waits for: the master drops them. */
	workers_cancel_check(m, c);
	m->cur = NULL;
	m->timed_out = 1;
	check_free(c);
	log_write(m->cm->name, RDD_LOG_WARN,
	    "check did not complete within %lld ms: raise timeout or fix "
	    "the plugin", (long long)m->cm->timeout_ms);
	health_rollup(m->d);
	if (m->d->once) {
		m->d->pending_once--;
		if (m->d->pending_once == 0)
			event_base_loopexit(m->d->base, NULL);
	} else
		monitor_arm(m, m->cm->interval_ms);
}

void
monitor_run_check(struct monitor *m)
{
	struct rdd_check *c;
	struct timeval tv;
	size_t i;

	if (m->d->stopping)
		return;
	if (!m->ready) {
		log_write(m->cm->name, RDD_LOG_DEBUG, "check due, but the "
		    "worker %s is %s: %s", m->wk ? m->wk->name : "(none)",
		    m->wk && m->wk->state == WK_STARTING ? "starting" : "down",
		    m->wk && m->wk->state == WK_STARTING ? "checking once it "
		    "says hello" : "next try in one interval");
		/* Due now; the worker is on its way or down (said in status). */
		if (m->wk && m->wk->state == WK_STARTING && !m->want_check) {
			m->want_check = 1;
			if (m->d->once)
				m->d->pending_once++;
		} else if (!m->d->once)
			monitor_arm(m, m->cm->interval_ms);
		return;
	}
	if (m->cur != NULL) {
		/* Never two checks of one monitor at once. */
		m->overruns++;
		if (m->st != NULL)
			m->st->overruns++;
		log_write(m->cm->name, RDD_LOG_WARN,
		    "check still running after %lld ms; skipped this round "
		    "(%llu overruns)",
		    (long long)(util_now_ms() - m->check_started_mono),
		    (unsigned long long)m->overruns);
		m->recheck = 0;
		monitor_arm(m, m->cm->interval_ms);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return;
	c->m = m;
	c->once = m->d->once;
	c->seq = ++m->check_seq;
	c->timeout_ev = evtimer_new(m->d->base, monitor_check_timeout, c);
	tv.tv_sec = m->cm->timeout_ms / 1000;
	tv.tv_usec = (m->cm->timeout_ms % 1000) * 1000;
	evtimer_add(c->timeout_ev, &tv);
	m->cur = c;
	m->check_started_mono = util_now_ms();
	for (i = 0; i < m->nt; i++)
		m->t[i]->seen = 0;
	if (m->d->once)
		m->d->pending_once++;
	log_write(m->cm->name, RDD_LOG_DEBUG, "check started in worker %s "
	    "(timeout %lld ms)", m->wk ? m->wk->name : "?",
	    (long long)m->cm->timeout_ms);
	if (workers_check(m, c) != 0) {
		log_write(m->cm->name, RDD_LOG_DEBUG, "check not sent: the "
		    "worker's socket refused it");
		m->cur = NULL;
		check_free(c);
		if (m->d->once && --m->d->pending_once == 0)
			event_base_loopexit(m->d->base, NULL);
	}
}

/* host->check_done */
void
monitor_check_done(struct rdd_check *c)
{
	struct monitor *m = c->m;

	m->cur = NULL;
	m->timed_out = 0;
	m->checks++;
	m->last_check_wall = util_wall_ms();
	m->last_check_ms = util_now_ms() - m->check_started_mono;
	log_write(m->cm->name, RDD_LOG_DEBUG, "check done in %lld ms: %zu "
	    "target%s%s", (long long)m->last_check_ms, m->nt,
	    m->nt == 1 ? "" : "s", m->recheck ? "; a recheck is due at once" :
	    "");
	check_free(c);
	health_check_finished(m);
	stats_check(m, m->last_check_ms);
	if (m->d->once) {
		m->d->pending_once--;
		if (m->d->pending_once == 0)
			event_base_loopexit(m->d->base, NULL);
		return;
	}
	if (m->recheck) {
		m->recheck = 0;
		evtimer_del(m->timer);
		monitor_arm(m, 0);
	} else if (!evtimer_pending(m->timer, NULL))
		monitor_arm_cadence(m, m->cm->interval_ms);
}

static void
monitor_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;

	workers_batch(m->d);
	monitor_run_check(m);
	/* Keep the cadence of the interval, not interval plus check time. */
	if (m->cur != NULL && !evtimer_pending(m->timer, NULL))
		monitor_arm_cadence(m, m->cm->interval_ms +
		    monitor_jitter(m->cm->interval_ms / 40));
}

int
monitors_busy(struct rdd_daemon *d)
{
	size_t i;

	if (d->recoveries > 0)
		return 1;
	for (i = 0; i < d->nmon; i++)
		if (d->mon[i]->cur != NULL)
			return 1;
	return 0;
}

void
monitors_destroy(struct rdd_daemon *d, const struct conf *next)
{
	size_t i, j;

	recover_cancel_all(d);
	for (i = 0; i < d->nmon; i++)
		if (d->mon[i]->timer)
			event_del(d->mon[i]->timer);
	/* The plugins stop in their workers; these records go now. */
	workers_stop_all(d, 1, next);
	for (i = 0; i < d->nmon; i++) {
		struct monitor *m = d->mon[i];

		if (m->cur)
			check_free(m->cur);
		recover_free_monitor(m);
		for (j = 0; j < m->nt; j++)
			health_target_free(m->t[j]);
		free(m->t);
		if (m->timer)
			event_free(m->timer);
		free(m->msg);
		free(m->down);
		free(m->sdir);
		free(m);
	}
	free(d->mon);
	d->mon = NULL;
	d->nmon = 0;
}
