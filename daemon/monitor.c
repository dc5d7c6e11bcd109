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

static void monitor_timer_cb(evutil_socket_t fd, short what, void *arg);

/*
 * A random delay below span (at most 5 s) so monitors do not beat
 * together: 10% of the interval between checks, 10% of the startup delay
 * before the first, so a startup delay of 0 means checks start at once.
 */
static int64_t
monitor_jitter(int64_t span)
{
	uint32_t r;

	if (span > 5000)
		span = 5000;
	if (span <= 0)
		return 0;
	evutil_secure_rng_get_bytes(&r, sizeof(r));
	return (int64_t)(r % (uint32_t)span);
}

static void
monitor_arm(struct monitor *m, int64_t ms)
{
	struct timeval tv;

	if (m->d->stopping || m->d->once)
		return;
	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(m->timer, &tv);
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
	char err[RDD_ERRLEN];

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
		m->timer = evtimer_new(d->base, monitor_timer_cb, m);
		d->mon[n++] = m;
		d->nmon = n;
		err[0] = '\0';
		if (m->pd->create(&d->host, (struct rdd_monitor *)m,
			cm->plugin_config, &m->ctx, err, sizeof(err)) != 0) {
			errlist_add(errs, "%s:%d: monitor '%s': %s", cm->file,
			    cm->line, cm->name,
			    err[0] ? err : "the plugin refused its config");
			m->ctx = NULL;
		}
	}
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

	for (i = 0; i < d->nmon; i++) {
		struct monitor *m = d->mon[i];

		if (m->ctx == NULL)
			continue;
		if (m->pd->start && m->pd->start(m->ctx) != 0) {
			log_write(m->cm->name, RDD_LOG_ERR,
			    "plugin %s failed to start; checks will report it",
			    m->pd->name);
		}
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

	/*
	 * The plugin still owns the handle and will call check_done later;
	 * the record stays allocated until then or until the monitor stops.
	 */
	struct rdd_check **nl;

	nl = realloc(m->lost, (m->nlost + 1) * sizeof(*nl));
	if (nl != NULL) {
		m->lost = nl;
		m->lost[m->nlost++] = c;
	}
	c->abandoned = 1;
	m->cur = NULL;
	log_write(m->cm->name, RDD_LOG_WARN,
	    "check did not complete within %lld ms: raise timeout or fix "
	    "the plugin", (long long)m->cm->timeout_ms);
	free(m->msg);
	if (asprintf(&m->msg, "check timed out after %lld ms",
		(long long)m->cm->timeout_ms) < 0)
		m->msg = NULL;
	m->state = RDD_UNKNOWN;
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

	if (m->ctx == NULL || m->d->stopping)
		return;
	if (m->cur != NULL) {
		/* Never two checks of one monitor at once. */
		m->overruns++;
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
	m->pd->check(m->ctx, c);
}

/* host->check_done */
void
monitor_check_done(struct rdd_check *c)
{
	struct monitor *m = c->m;

	size_t i;

	if (c->abandoned) {
		for (i = 0; i < m->nlost; i++)
			if (m->lost[i] == c) {
				m->lost[i] = m->lost[--m->nlost];
				break;
			}
		check_free(c);
		return;
	}
	m->cur = NULL;
	m->checks++;
	m->last_check_wall = util_wall_ms();
	m->last_check_ms = util_now_ms() - m->check_started_mono;
	check_free(c);
	health_check_finished(m);
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
		monitor_arm(m, m->cm->interval_ms);
}

static void
monitor_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct monitor *m = arg;

	monitor_run_check(m);
	/* Keep the cadence of the interval, not interval plus check time. */
	if (m->cur != NULL && !evtimer_pending(m->timer, NULL))
		monitor_arm(m, m->cm->interval_ms +
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
monitors_destroy(struct rdd_daemon *d)
{
	size_t i, j;

	recover_cancel_all(d);
	for (i = 0; i < d->nmon; i++) {
		struct monitor *m = d->mon[i];

		if (m->timer)
			event_del(m->timer);
		if (m->ctx && m->started && m->pd->stop)
			m->pd->stop(m->ctx);
		hostapi_release_owner(d, m);
	}
	for (i = 0; i < d->nmon; i++) {
		struct monitor *m = d->mon[i];

		if (m->cur)
			check_free(m->cur);
		for (j = 0; j < m->nlost; j++)
			check_free(m->lost[j]);
		free(m->lost);
		recover_free_monitor(m);
		if (m->ctx && m->pd->destroy)
			m->pd->destroy(m->ctx);
		for (j = 0; j < m->nt; j++)
			health_target_free(m->t[j]);
		free(m->t);
		if (m->timer)
			event_free(m->timer);
		free(m->msg);
		free(m->sdir);
		free(m);
	}
	free(d->mon);
	d->mon = NULL;
	d->nmon = 0;
}
