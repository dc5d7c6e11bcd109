/*
 * inflight.c: a recovery in flight is written to the state with its process
 * groups, so a daemon killed during it stops what it left before acting again.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <event2/event.h>

#include "daemon.h"

#define INFLIGHT_KEY "inflight"
#define INFLIGHT_GROUPS 8	      /* process groups kept per action */
#define INFLIGHT_GRACE_MS 5000	      /* SIGTERM, then SIGKILL after this */
#define INFLIGHT_POLL_MS 100

/* One interrupted action's groups, stopped before its target acts again. */
struct leftover {
	char *scope; /* "monitor/target" */
	pid_t pg[INFLIGHT_GROUPS];
	unsigned long long st[INFLIGHT_GROUPS];
	int npg;
};

struct inflight {
	struct leftover *v;
	size_t n;
	struct event *ev;
	int64_t started_mono;
	int killed;
};

static void
inflight_scope(const struct rdd_recovery *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", r->m->cm->name, r->target);
}

/* "action\tattempt\tstarted_wall\tpg:start,pg:start" */
static void
inflight_save(struct rdd_recovery *r, int flush)
{
	struct state *s = r->m->d->state;
	char scope[512], val[512];
	size_t o;
	int i;

	if (s == NULL || r->m->d->once)
		return;
	inflight_scope(r, scope, sizeof(scope));
	o = (size_t)snprintf(val, sizeof(val), "%s\t%u\t%lld\t", r->action,
	    r->attempt, (long long)r->started_wall);
	for (i = 0; i < r->npg && o < sizeof(val); i++)
		o += (size_t)snprintf(val + o, sizeof(val) - o, "%s%ld:%llu",
		    i ? "," : "", (long)r->pg[i], r->pgst[i]);
	state_set(s, scope, INFLIGHT_KEY, val);
	if (flush && state_flush(s) != 0)
		log_write(r->m->cm->name, RDD_LOG_WARN, "%s: state: cannot "
		    "record the action in flight: %m: a restart during it would "
		    "not know what it left running", r->target);
}

/* The caller flushes (recover_save): one write for counters and this. */
void
inflight_begin(struct rdd_recovery *r)
{
	r->started_wall = util_wall_ms();
	inflight_save(r, 0);
}

void
inflight_group(struct rdd_recovery *r, pid_t pg, unsigned long long st)
{
	if (r->finished || r->npg >= INFLIGHT_GROUPS || pg <= 1)
		return;
	r->pg[r->npg] = pg;
	r->pgst[r->npg] = st;
	r->npg++;
	log_write(r->m->cm->name, RDD_LOG_DEBUG, "%s: %s runs in process "
	    "group %ld", r->target, r->action, (long)pg);
	inflight_save(r, 1);
}

void
inflight_end(struct rdd_recovery *r)
{
	struct state *s = r->m->d->state;
	char scope[512];

	if (s == NULL || r->m->d->once)
		return;
	inflight_scope(r, scope, sizeof(scope));
	state_set(s, scope, INFLIGHT_KEY, NULL);
	(void)state_flush(s);
}

/* ---- at start-up: what a killed daemon left running ---- */

static int
inflight_alive(const struct leftover *l)
{
	int i, n = 0;

	for (i = 0; i < l->npg; i++)
		n += util_group_alive(l->pg[i], l->st[i]);
	return n;
}

static void
inflight_signal(const struct leftover *l, int sig)
{
	int i;

	/* Only a group that still holds a process started after ours. */
	for (i = 0; i < l->npg; i++)
		if (util_group_alive(l->pg[i], l->st[i]) > 0)
			(void)kill(-l->pg[i], sig);
}

static void
inflight_free_list(struct inflight *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->v[i].scope);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

/* The targets held back may act now: ask them again. */
static void
inflight_release(struct rdd_daemon *d)
{
	size_t i, j;

	for (i = 0; i < d->nmon; i++)
		for (j = 0; j < d->mon[i]->nt; j++) {
			struct target *t = d->mon[i]->t[j];

			if (t->state == RDD_CRITICAL && t->hard)
				recover_consider(t);
		}
}

static void
inflight_poll(evutil_socket_t fd, short what, void *arg)
{
	struct rdd_daemon *d = arg;
	struct inflight *f = d->inflight;
	struct timeval tv = { 0, INFLIGHT_POLL_MS * 1000 };
	size_t i;
	int left = 0;

	(void)fd;
	(void)what;
	for (i = 0; i < f->n; i++)
		left += inflight_alive(&f->v[i]);
	if (left > 0 && !f->killed &&
	    util_now_ms() - f->started_mono >= INFLIGHT_GRACE_MS) {
		for (i = 0; i < f->n; i++)
			inflight_signal(&f->v[i], SIGKILL);
		f->killed = 1;
		log_warn("interrupted recoveries: %d process%s ignored SIGTERM "
		    "for %d s: killed", left, left == 1 ? "" : "es",
		    INFLIGHT_GRACE_MS / 1000);
	}
	if (left > 0) {
		evtimer_add(f->ev, &tv);
		return;
	}
	for (i = 0; i < f->n; i++)
		log_debug("%s: what the interrupted action left running is "
		    "gone", f->v[i].scope);
	inflight_free_list(f);
	inflight_release(d);
}

static void
inflight_parse_groups(struct leftover *l, const char *p)
{
	char *end;
	long pg;

	while (p != NULL && *p != '\0' && l->npg < INFLIGHT_GROUPS) {
		pg = strtol(p, &end, 10);
		if (end == p || *end != ':')
			return;
		l->pg[l->npg] = (pid_t)pg;
		l->st[l->npg] = strtoull(end + 1, &end, 10);
		if (pg > 1)
			l->npg++;
		p = *end == ',' ? end + 1 : NULL;
	}
}

/* Keep l (taken) on the list, stopped, and poll until its groups are gone. */
static int
inflight_hold(struct rdd_daemon *d, struct leftover *l)
{
	struct inflight *f;
	struct leftover *nv;
	struct timeval tv = { 0, INFLIGHT_POLL_MS * 1000 };

	if (d->inflight == NULL &&
	    (d->inflight = calloc(1, sizeof(*d->inflight))) == NULL)
		goto fail;
	f = d->inflight;
	if ((nv = realloc(f->v, (f->n + 1) * sizeof(*nv))) == NULL)
		goto fail;
	inflight_signal(l, SIGTERM);
	f->v = nv;
	f->v[f->n++] = *l;
	if (f->n == 1) {
		f->started_mono = util_now_ms();
		f->killed = 0;
	}
	if (f->ev == NULL &&
	    (f->ev = evtimer_new(d->base, inflight_poll, d)) == NULL)
		return -1;
	if (!evtimer_pending(f->ev, NULL))
		evtimer_add(f->ev, &tv);
	return 0;
fail:
	inflight_signal(l, SIGKILL);
	free(l->scope);
	return -1;
}

/*
 * The worker running r died: r's children live on in their own groups.
 * They are stopped like a killed daemon's before the target acts again:
 * two actions of one target must never run at once.
 */
int
inflight_orphan(struct rdd_recovery *r)
{
	struct leftover l;
	char scope[512];
	int i;

	memset(&l, 0, sizeof(l));
	for (i = 0; i < r->npg; i++) {
		l.pg[l.npg] = r->pg[i];
		l.st[l.npg] = r->pgst[i];
		l.npg++;
	}
	if (inflight_alive(&l) == 0)
		return 0;
	inflight_scope(r, scope, sizeof(scope));
	if ((l.scope = strdup(scope)) == NULL) {
		inflight_signal(&l, SIGKILL);
		return 0;
	}
	(void)inflight_hold(r->m->d, &l);
	return 1;
}

struct inflight_scan {
	struct rdd_daemon *d;
	char **scopes;
	size_t n;
};

static void
inflight_collect(void *arg, const char *scope, const char *val)
{
	struct inflight_scan *sc = arg;
	struct leftover l;
	char action[128], msg[768], **ns;
	const char *p = val, *tab;
	long long started = 0;
	unsigned attempt = 0;
	int alive;
	size_t n;

	memset(&l, 0, sizeof(l));
	/* The key goes in any case: it is answered now, once. */
	if ((ns = realloc(sc->scopes, (sc->n + 1) * sizeof(*ns))) != NULL &&
	    (ns[sc->n] = strdup(scope)) != NULL) {
		sc->scopes = ns;
		sc->n++;
	} else if (ns != NULL)
		sc->scopes = ns;
	if ((tab = strchr(p, '\t')) == NULL)
		return;
	n = (size_t)(tab - p) < sizeof(action) - 1 ? (size_t)(tab - p) :
	    sizeof(action) - 1;
	memcpy(action, p, n);
	action[n] = '\0';
	if (sscanf(tab + 1, "%u\t%lld\t", &attempt, &started) != 2)
		return;
	if ((p = strchr(tab + 1, '\t')) != NULL &&
	    (p = strchr(p + 1, '\t')) != NULL)
		inflight_parse_groups(&l, p + 1);
	alive = inflight_alive(&l);
	snprintf(msg, sizeof(msg), "attempt %u: %s had no result: the daemon "
	    "stopped during it%s", attempt, action, alive > 0 ?
	    "; what it left running (process group) is stopped before the "
	    "target acts again" : "; nothing of it still runs");
	{
		const char *slash = strchr(scope, '/');
		char mon[256];

		n = slash ? (size_t)(slash - scope) : strlen(scope);
		if (n >= sizeof(mon))
			n = sizeof(mon) - 1;
		memcpy(mon, scope, n);
		mon[n] = '\0';
		log_write(mon, RDD_LOG_WARN, "%s: %s", slash ? slash + 1 :
		    scope, msg);
		journal_write("interrupted", mon, slash ? slash + 1 : NULL, msg,
		    -1);
	}
	if (alive == 0)
		return;
	if ((l.scope = strdup(scope)) == NULL) {
		inflight_signal(&l, SIGKILL);
		return;
	}
	(void)inflight_hold(sc->d, &l);
}

int
inflight_recover(struct rdd_daemon *d)
{
	struct inflight_scan sc = { d, NULL, 0 };
	size_t i;

	if (d->state == NULL)
		return 0;
	(void)state_each(d->state, INFLIGHT_KEY, inflight_collect, &sc);
	for (i = 0; i < sc.n; i++) {
		state_set(d->state, sc.scopes[i], INFLIGHT_KEY, NULL);
		free(sc.scopes[i]);
	}
	free(sc.scopes);
	if (sc.n > 0)
		(void)state_flush(d->state);
	return 0;
}

int
inflight_blocks(const struct target *t)
{
	const struct inflight *f = t->m->d->inflight;
	char scope[512];
	size_t i;

	if (f == NULL || f->n == 0)
		return 0;
	snprintf(scope, sizeof(scope), "%s/%s", t->m->cm->name, t->name);
	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].scope, scope) == 0)
			return 1;
	return 0;
}

void
inflight_free(struct rdd_daemon *d)
{
	if (d->inflight == NULL)
		return;
	if (d->inflight->ev != NULL)
		event_free(d->inflight->ev);
	inflight_free_list(d->inflight);
	free(d->inflight);
	d->inflight = NULL;
}
