/*
 * stats.c: the counters and histograms /metrics shows, per monitor name.
 * They live in the daemon, not in the monitor: a reload destroys and
 * recreates every monitor, and a Prometheus counter must not go back to
 * zero because the configuration was reloaded. A monitor that a reload
 * removes keeps its record (hidden from /metrics), so it counts on if it
 * comes back.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

/* Upper bounds in seconds; +Inf is implicit. A check is mostly quick. */
const double stats_check_le[STATS_CHECK_NB] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
/* Time to recover: a restart takes seconds, a redeploy minutes. */
const double stats_ttr_le[STATS_TTR_NB] = {
    1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600};

const char *const stats_rec_name[STATS_REC_N] = {
    "succeeded", "failed", "not_applicable"};

struct mstats *
stats_of(struct rdd_daemon *d, const char *monitor)
{
	struct mstats **nv, *s;
	size_t i;

	for (i = 0; i < d->nstats; i++)
		if (strcmp(d->stats[i]->monitor, monitor) == 0)
			return d->stats[i];
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->monitor = strdup(monitor)) == NULL ||
	    (nv = realloc(d->stats, (d->nstats + 1) * sizeof(*nv))) == NULL) {
		if (s)
			free(s->monitor);
		free(s);
		return NULL;
	}
	d->stats = nv;
	d->stats[d->nstats++] = s;
	return s;
}

static void
stats_observe(uint64_t *b, size_t nb, const double *le, double *sum,
    uint64_t *count, double v)
{
	size_t i;

	/* Buckets are not cumulative here; the renderer adds them up. */
	for (i = 0; i < nb && v > le[i]; i++)
		;
	b[i]++;
	*sum += v;
	(*count)++;
}

void
stats_check(struct monitor *m, int64_t ms)
{
	struct mstats *s = m->st;

	if (s == NULL)
		return;
	s->checks++;
	if (m->state >= RDD_OK && m->state <= RDD_UNKNOWN)
		s->by_state[m->state]++;
	stats_observe(s->dur, STATS_CHECK_NB, stats_check_le, &s->dur_sum,
	    &s->dur_count, (double)ms / 1000.0);
}

void
stats_recovery(struct monitor *m, int ok)
{
	if (m->st != NULL)
		m->st->rec[ok > 0 ? 0 : ok < 0 ? 2 : 1]++;
}

void
stats_ttr(struct monitor *m, int64_t ms)
{
	struct mstats *s = m->st;

	if (s != NULL)
		stats_observe(s->ttr, STATS_TTR_NB, stats_ttr_le, &s->ttr_sum,
		    &s->ttr_count, (double)ms / 1000.0);
}

void
stats_free(struct rdd_daemon *d)
{
	size_t i;

	for (i = 0; i < d->nstats; i++) {
		free(d->stats[i]->monitor);
		free(d->stats[i]);
	}
	free(d->stats);
	d->stats = NULL;
	d->nstats = 0;
}
