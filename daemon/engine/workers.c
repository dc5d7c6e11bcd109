/*
 * workers.c: the master's side of plugin workers: spawn, messages, pings,
 * crash and stall handling, memory limits, restart backoff and quarantine.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sigabbrev_np */
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "daemon.h"
#include "alerts/engine.h"

#define WK_KILL_CRASH 0
#define WK_KILL_STALL 1
#define WK_KILL_MEMORY 2
#define WK_KILL_STOP 3
/* After EOF a worker gets this long to be reaped before SIGKILL. */
#define WK_REAP_MS 2000
#define WK_BACKOFF_MAX_MS (60 * 1000)

static void workers_spawn(struct worker *wk);
static void workers_dead(struct worker *wk, int status);
static void workers_free_one(struct worker *wk);

const char *
workers_state_name(enum worker_state st)
{
	switch (st) {
	case WK_STARTING:
		return "starting";
	case WK_RUNNING:
		return "running";
	case WK_RESTARTING:
		return "restarting";
	case WK_QUARANTINED:
		return "quarantined";
	case WK_STOPPING:
		return "stopping";
	case WK_STOPPED:
		return "stopped";
	}
	return "?";
}

static const char *
wk_user(const struct rdd_daemon *d, const struct conf_monitor *cm)
{
	return cm->user ? cm->user : d->conf->user;
}

static const char *
wk_group(const struct rdd_daemon *d, const struct conf_monitor *cm)
{
	return cm->group ? cm->group : d->conf->group;
}

static int
wk_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

struct worker *
workers_find(struct rdd_daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nwk; i++)
		if (strcmp(d->wk[i]->name, name) == 0)
			return d->wk[i];
	return NULL;
}

static struct worker *
workers_new(struct rdd_daemon *d, struct monitor *m)
{
	struct worker *wk = calloc(1, sizeof(*wk)), **nv;
	const char *u = wk_user(d, m->cm), *g = wk_group(d, m->cm);
	int rc;

	if (wk == NULL)
		return NULL;
	wk->d = d;
	wk->isolate = m->cm->isolate;
	wk->plugin = strdup(m->cm->plugin);
	wk->user = u ? strdup(u) : NULL;
	{
		/* What status shows: the account the plugin really runs as. */
		struct passwd *pw = u ? NULL : getpwuid(geteuid());

		wk->account = strdup(u ? u : pw ? pw->pw_name : "?");
	}
	wk->group = g ? strdup(g) : NULL;
	if (wk->isolate)
		rc = asprintf(&wk->name, "%s", m->cm->name);
	else if (u)
		rc = asprintf(&wk->name, "%s@%s", m->cm->plugin, u);
	else
		rc = asprintf(&wk->name, "%s", m->cm->plugin);
	wk->shm = mmap(NULL, sizeof(*wk->shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	nv = realloc(d->wk, (d->nwk + 1) * sizeof(*nv));
	if (nv)
		d->wk = nv;
	if (rc < 0 || wk->plugin == NULL || wk->shm == MAP_FAILED ||
	    nv == NULL) {
		if (wk->shm != MAP_FAILED && wk->shm != NULL)
			munmap(wk->shm, sizeof(*wk->shm));
		free(wk->plugin);
		free(wk->user);
		free(wk->group);
		free(wk);
		return NULL;
	}
	wk->pid = -1;
	wk->state = WK_STOPPED;
	wk->memory_max = d->conf->memory_max;
	d->wk[d->nwk++] = wk;
	return wk;
}

int
workers_assign(struct rdd_daemon *d)
{
	size_t i, j;

	for (i = 0; i < d->nmon; i++) {
		struct monitor *m = d->mon[i], **nv;
		struct worker *wk = NULL;

		for (j = 0; !m->cm->isolate && j < d->nwk; j++)
			if (!d->wk[j]->isolate &&
			    strcmp(d->wk[j]->plugin, m->cm->plugin) == 0 &&
			    wk_same(d->wk[j]->user, wk_user(d, m->cm)) &&
			    wk_same(d->wk[j]->group, wk_group(d, m->cm))) {
				wk = d->wk[j];
				break;
			}
		if (wk == NULL && (wk = workers_new(d, m)) == NULL)
			return -1;
		if ((nv = realloc(wk->mon, (wk->nmon + 1) * sizeof(*nv))) ==
		    NULL)
			return -1;
		wk->mon = nv;
		m->wk = wk;
		m->widx = (int)wk->nmon;
		wk->mon[wk->nmon++] = m;
		/* The largest limit of its monitors: one process, one RSS. */
		if (m->cm->memory_max > 0 &&
		    (wk->nmon == 1 || m->cm->memory_max > wk->memory_max))
			wk->memory_max = m->cm->memory_max;
	}
	return 0;
}

static void
wk_set_failure(struct worker *wk, const char *msg)
{
	free(wk->last_failure);
	wk->last_failure = msg ? strdup(msg) : NULL;
}

/* Every monitor of the worker: its state is unknown for this reason. */
static void
wk_monitors_down(struct worker *wk, const char *why)
{
	struct rdd_daemon *d = wk->d;
	size_t i, j;

	struct rdd_command *c;

	for (i = 0; i < wk->nmon; i++) {
		struct monitor *m = wk->mon[i];

		m->ready = 0;
		free(m->down);
		m->down = strdup(why);
		m->start_failed = 0;
		if (m->cur != NULL) {
			struct rdd_check *ck = m->cur;

			m->cur = NULL;
			if (ck->timeout_ev)
				event_free(ck->timeout_ev);
			free(ck);
			if (d->once && --d->pending_once == 0)
				event_base_loopexit(d->base, NULL);
		}
		if (m->want_check && d->once && --d->pending_once == 0)
			event_base_loopexit(d->base, NULL);
		m->want_check = 0;
		/*
		 * The check in flight (or due) died with the worker: without
		 * this, no timer would ever schedule the monitor's next one.
		 */
		if (!d->once)
			monitor_rearm(m, m->cm->interval_ms);
		/*
		 * An action cut off by the crash: its outcome is unknown, and
		 * what it started may still run: stopped before the next.
		 */
		while (m->nrecs > 0) {
			size_t before = m->nrecs;
			struct rdd_recovery *r = m->recs[m->nrecs - 1];
			char rwhy[RDD_ERRLEN];

			snprintf(rwhy, sizeof(rwhy), "%s%s", why,
			    inflight_orphan(r) ? "; what the action left "
			    "running is stopped before the next attempt" : "");
			recover_done(r, RDD_RECOVERY_FAILED, rwhy);
			if (m->nrecs == before)
				break;
		}
		for (j = 0; j < m->nt; j++)
			health_observe(
			    m->t[j], RDD_UNKNOWN, why, NULL, NULL, 0, 1);
	}
	while ((c = wk->cmds) != NULL) {
		wk->cmds = c->next;
		ctlcmd_command_done(c, 0, why);
	}
	health_rollup(d);
}

static void
wk_read_mem(struct worker *wk)
{
	char path[64], line[256];
	FILE *f;
	long long v;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)wk->pid);
	if ((f = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmRSS: %lld kB", &v) == 1)
			wk->rss = v * 1024;
		else if (sscanf(line, "RssAnon: %lld kB", &v) == 1)
			wk->rss_anon = v * 1024;
	}
	fclose(f);
}

/* A signal the kernel raises for the worker's own fault, not one sent. */
static int
wk_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
	       sig == SIGFPE || sig == SIGABRT || sig == SIGSYS ||
	       sig == SIGTRAP || sig == SIGXCPU || sig == SIGXFSZ;
}

/*
 * "check of monitor pm2" from the shared record, read once (the worker
 * may move on): 1 if a callback runs, 0 (and "") between callbacks.
 */
static int
wk_where(struct worker *wk, char *buf, size_t len, int64_t *since)
{
	int cb = wk->shm->cb, mi = wk->shm->mon;

	*since = wk->shm->since;
	buf[0] = '\0';
	if (cb == WK_CB_NONE)
		return 0;
	if (mi >= 0 && (size_t)mi < wk->nmon)
		snprintf(buf, len, "%s of monitor %s", wk_cb_name(cb),
		    wk->mon[mi]->cm->name);
	else
		snprintf(buf, len, "%s", wk_cb_name(cb));
	return 1;
}

static const char *
wk_first_monitor(struct worker *wk)
{
	int mi = wk->shm->mon;

	if (wk->shm->cb != WK_CB_NONE && mi >= 0 && (size_t)mi < wk->nmon)
		return wk->mon[mi]->cm->name;
	return wk->nmon ? wk->mon[0]->cm->name : NULL;
}

static void
wk_kill(struct worker *wk, int why, const char *msg)
{
	if (wk->pid <= 0 || wk->exiting)
		return;
	wk->kill_why = why;
	free(wk->kill_msg);
	wk->kill_msg = msg ? strdup(msg) : NULL;
	wk->exiting = 1;
	kill(wk->pid, SIGKILL);
}

static void
wk_ping_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *wk = arg;
	struct rdd_daemon *d = wk->d;
	int64_t now = util_now_ms();
	char where[256], msg[512];
	int64_t since;
	json_object *o;

	(void)fd;
	(void)what;
	if (wk->pid <= 0 || wk->exiting)
		return;
	if (wk->ping_seq > wk->pong_seq &&
	    now - wk->ping_mono >= d->conf->stall_timeout_ms) {
		if (wk_where(wk, where, sizeof(where), &since))
			snprintf(msg, sizeof(msg),
			    "%s plugin stalled in %s for %lld s", wk->plugin,
			    where, (long long)((now - since + 500) / 1000));
		else
			snprintf(msg, sizeof(msg), "%s plugin stalled: its "
			    "loop did not answer for %lld s", wk->plugin,
			    (long long)((now - wk->ping_mono + 500) / 1000));
		wk_kill(wk, WK_KILL_STALL, msg);
		return;
	}
	wk_read_mem(wk);
	if (wk->rss > wk->memory_max) {
		snprintf(msg, sizeof(msg), "%s plugin worker %s uses %lldM "
		    "resident, over memory_max %lldM: restarted", wk->plugin,
		    wk->name, (long long)(wk->rss >> 20),
		    (long long)(wk->memory_max >> 20));
		wk_kill(wk, WK_KILL_MEMORY, msg);
		return;
	}
	if (wk->ping_seq == wk->pong_seq) {
		o = json_object_new_object();
		json_object_object_add(o, "t", json_object_new_string("ping"));
		json_object_object_add(o, "q",
		    json_object_new_int64((int64_t)++wk->ping_seq));
		wk->ping_mono = now;
		(void)wire_send(wk->w, o);
	}
}

static struct monitor *
wk_mon(struct worker *wk, json_object *o)
{
	int64_t i;

	if (wire_int(o, "m", &i) != 0 || i < 0 || (size_t)i >= wk->nmon)
		return NULL;
	return wk->mon[i];
}

static struct rdd_check *
wk_check(struct worker *wk, json_object *o)
{
	int64_t id;
	size_t i;

	if (wire_int(o, "c", &id) != 0)
		return NULL;
	for (i = 0; i < wk->nmon; i++)
		if (wk->mon[i]->cur && wk->mon[i]->cur->id == (uint64_t)id)
			return wk->mon[i]->cur;
	return NULL;
}

static int
wk_state(json_object *o, enum rdd_state *st)
{
	int64_t v;

	if (wire_int(o, "st", &v) != 0 || v < RDD_OK || v > RDD_UNKNOWN)
		return -1;
	*st = (enum rdd_state)v;
	return 0;
}

/*
 * The worker redacted what its plugin sent with the secrets it knows; the
 * master knows every worker's, so a secret one monitor's command prints
 * about another's is masked too, before anything is stored.
 */
static char *
wk_clean(const char *s)
{
	return s != NULL ? redact_str(s) : NULL;
}

/*
 * A report's thresholds and bounds (report_bounds): entries 3..8 of a
 * metric, a number or null each. Returns 1 if any is set.
 */
static int
wk_bounds(json_object *e, struct rdd_metric_bounds *b)
{
	double *f[6] = {&b->warn_lt, &b->warn_gt, &b->crit_lt, &b->crit_gt,
	    &b->min, &b->max};
	json_object *v;
	int i, any = 0;

	for (i = 0; i < 6; i++) {
		*f[i] = NAN;
		if (json_object_array_length(e) != 9)
			continue;
		v = json_object_array_get_idx(e, (size_t)(3 + i));
		if (json_object_is_type(v, json_type_double) ||
		    json_object_is_type(v, json_type_int)) {
			*f[i] = json_object_get_double(v);
			any = 1;
		}
	}
	return any;
}

static void
wk_on_report(struct worker *wk, json_object *o)
{
	struct rdd_check *c = wk_check(wk, o);
	char *tg = wk_clean(wire_str(o, "tg")), *msg, *mn[64], *mu[64];
	struct rdd_metric mv[64];
	struct rdd_metric_bounds bv[64];
	int hasb = 0;
	json_object *ma;
	enum rdd_state st;
	struct target *t;
	size_t nm = 0, i;

	if (c == NULL || tg == NULL || *tg == '\0' || wk_state(o, &st) != 0) {
		free(tg);
		return;
	}
	if (json_object_object_get_ex(o, "mx", &ma) &&
	    json_object_is_type(ma, json_type_array))
		for (i = 0; i < json_object_array_length(ma) && nm < 64; i++) {
			json_object *e = json_object_array_get_idx(ma, i), *v;

			if (!json_object_is_type(e, json_type_array) ||
			    (json_object_array_length(e) != 3 &&
			        json_object_array_length(e) != 9))
				continue;
			v = json_object_array_get_idx(e, 0);
			if (!json_object_is_type(v, json_type_string))
				continue;
			mn[nm] = wk_clean(json_object_get_string(v));
			v = json_object_array_get_idx(e, 2);
			mu[nm] = wk_clean(json_object_is_type(v,
			    json_type_string) ? json_object_get_string(v) : "");
			mv[nm].name = mn[nm];
			mv[nm].unit = mu[nm] != NULL ? mu[nm] : "";
			v = json_object_array_get_idx(e, 1);
			mv[nm].value = json_object_get_double(v);
			hasb |= wk_bounds(e, &bv[nm]);
			if (mv[nm].name != NULL)
				nm++;
			else
				free(mu[nm]);
		}
	msg = wk_clean(wire_str(o, "msg"));
	if ((t = health_target(c->m, tg, 1)) != NULL)
		health_observe(t, st, msg, mv, hasb ? bv : NULL, nm, 0);
	for (i = 0; i < nm; i++) {
		free(mn[i]);
		free(mu[i]);
	}
	free(msg);
	free(tg);
}

static void
wk_on_push(struct worker *wk, json_object *o)
{
	struct monitor *m = wk_mon(wk, o);
	char *tg = wk_clean(wire_str(o, "tg")), *msg;
	enum rdd_state st;
	struct target *t;

	if (m == NULL || tg == NULL || *tg == '\0' || wk_state(o, &st) != 0 ||
	    wk->d->stopping || (t = health_target(m, tg, 1)) == NULL) {
		free(tg);
		return;
	}
	msg = wk_clean(wire_str(o, "msg"));
	t->seen = 1;
	health_observe(t, st, msg, NULL, NULL, 0, 1);
	free(msg);
	free(tg);
	health_rollup(wk->d);
}

static void
wk_on_rdone(struct worker *wk, json_object *o)
{
	int64_t id, ok;
	size_t i, j;

	if (wire_int(o, "r", &id) != 0 || wire_int(o, "ok", &ok) != 0 ||
	    ok < RDD_RECOVERY_NOT_APPLICABLE || ok > RDD_RECOVERY_OK)
		return;
	for (i = 0; i < wk->nmon; i++)
		for (j = 0; j < wk->mon[i]->nrecs; j++)
			if (wk->mon[i]->recs[j]->id == (uint64_t)id) {
				recover_done(wk->mon[i]->recs[j], (int)ok,
				    wire_str(o, "msg"));
				return;
			}
}

/* A recovery's child started: its process group goes to the state. */
static void
wk_on_rpg(struct worker *wk, json_object *o)
{
	int64_t id, pg, st;
	size_t i, j;

	if (wire_int(o, "r", &id) != 0 || wire_int(o, "pg", &pg) != 0 ||
	    wire_int(o, "st", &st) != 0 || pg <= 1 || st < 0)
		return;
	for (i = 0; i < wk->nmon; i++)
		for (j = 0; j < wk->mon[i]->nrecs; j++)
			if (wk->mon[i]->recs[j]->id == (uint64_t)id) {
				inflight_group(wk->mon[i]->recs[j], (pid_t)pg,
				    (unsigned long long)st);
				return;
			}
}

static void
wk_on_cdone(struct worker *wk, json_object *o)
{
	struct rdd_command **pc, *c;
	int64_t id, ok;

	if (wire_int(o, "x", &id) != 0 || wire_int(o, "ok", &ok) != 0)
		return;
	for (pc = &wk->cmds; (c = *pc) != NULL; pc = &c->next)
		if (c->id == (uint64_t)id) {
			*pc = c->next;
			ctlcmd_command_done(c, ok != 0, wire_str(o, "msg"));
			return;
		}
}

static void
wk_on_hello(struct worker *wk, json_object *o)
{
	json_object *ma;
	size_t i;

	if (wk->state != WK_STARTING)
		return;
	wk->state = WK_RUNNING;
	if (!json_object_object_get_ex(o, "mons", &ma) ||
	    !json_object_is_type(ma, json_type_array))
		return;
	for (i = 0; i < wk->nmon; i++) {
		struct monitor *m = wk->mon[i];
		json_object *e = json_object_array_get_idx(ma, i), *ok;
		const char *err = e ? wire_str(e, "err") : NULL;

		free(m->down);
		m->down = NULL;
		m->start_failed = 0;
		if (e != NULL && json_object_object_get_ex(e, "ok", &ok) &&
		    json_object_get_boolean(ok))
			m->ready = 1;
		else {
			m->start_failed = 1;
			log_write(m->cm->name, RDD_LOG_ERR, "%s:%d: monitor "
			    "'%s': %s", m->cm->file, m->cm->line, m->cm->name,
			    err ? err : "the plugin refused its config");
			if (asprintf(&m->down, "plugin instance failed to "
			    "start: %s", err ? err : "see the log") < 0)
				m->down = NULL;
		}
		if (m->want_check) {
			m->want_check = 0;
			/* The check counts itself in --once. */
			if (wk->d->once)
				wk->d->pending_once--;
			if (m->ready)
				monitor_run_check(m);
			if (wk->d->once && wk->d->pending_once == 0)
				event_base_loopexit(wk->d->base, NULL);
		}
	}
	health_rollup(wk->d);
}

/*
 * A worker was sent one of the master's signals (worker.c blocks and reads
 * them): who sent it, and what to do instead.
 */
static void
wk_on_signal(struct worker *wk, json_object *o)
{
	const char *s = wire_str(o, "s");
	int64_t pid = -1, uid = -1;
	char msg[RDD_ERRLEN];

	(void)wire_int(o, "p", &pid);
	(void)wire_int(o, "u", &uid);
	snprintf(msg, sizeof(msg),
	    "%s worker ignored SIG%.12s from pid %lld (uid %lld): the master "
	    "stops, reloads and reopens for its workers; signal only the pid "
	    "in the daemon's pidfile (redundancyctl stop, systemctl stop), or "
	    "SIGKILL a worker to restart it",
	    wk->plugin, s ? s : "?", (long long)pid, (long long)uid);
	log_warn("worker %s: %s", wk->name, msg);
	journal_write("worker-signal", NULL, NULL, msg, (long)uid);
}

static void
wk_on_msg(void *arg, json_object *o)
{
	struct worker *wk = arg;
	struct rdd_daemon *d = wk->d;
	const char *t = wire_str(o, "t");
	struct monitor *m;
	struct rdd_check *c;
	int64_t v;

	if (strcmp(t, "log") == 0) {
		const char *msg = wire_str(o, "msg");

		if (msg == NULL || wire_int(o, "l", &v) != 0 || v < 0 || v > 3)
			return;
		m = wk_mon(wk, o);
		log_write(m ? m->cm->name : NULL, (enum rdd_log_level)v, "%s",
		    msg);
		return;
	}
	/* A worker retired by a reload only gets its last words logged. */
	if (wk->state == WK_STOPPING && wk->nmon == 0)
		return;
	if (log_enabled(RDD_LOG_DEBUG) && strcmp(t, "pong") != 0) {
		if ((m = wk_mon(wk, o)) == NULL && (c = wk_check(wk, o)) != NULL)
			m = c->m;
		log_debug("worker %s (pid %ld): <- %s%s%s%s%s", wk->name,
		    (long)wk->pid, t, m ? " of monitor " : "",
		    m ? m->cm->name : "", wire_str(o, "tg") ? " target " : "",
		    wire_str(o, "tg") ? wire_str(o, "tg") : "");
	}
	if (strcmp(t, "report") == 0)
		wk_on_report(wk, o);
	else if (strcmp(t, "done") == 0) {
		if ((c = wk_check(wk, o)) != NULL)
			monitor_check_done(c);
	} else if (strcmp(t, "push") == 0)
		wk_on_push(wk, o);
	else if (strcmp(t, "rdone") == 0)
		wk_on_rdone(wk, o);
	else if (strcmp(t, "rpg") == 0)
		wk_on_rpg(wk, o);
	else if (strcmp(t, "cdone") == 0)
		wk_on_cdone(wk, o);
	else if (strcmp(t, "journal") == 0) {
		if ((m = wk_mon(wk, o)) != NULL)
			journal_write(wire_str(o, "ev") ? wire_str(o, "ev")
							: "plugin",
			    m->cm->name, wire_str(o, "tg"), wire_str(o, "msg"),
			    -1);
	} else if (strcmp(t, "signal") == 0) {
		wk_on_signal(wk, o);
	} else if (strcmp(t, "sset") == 0) {
		const char *k = wire_str(o, "k");

		if ((m = wk_mon(wk, o)) != NULL && k != NULL && d->state) {
			state_set(d->state, m->cm->name, k, wire_str(o, "v"));
			if (state_flush(d->state) != 0)
				log_write(m->cm->name, RDD_LOG_WARN,
				    "state: cannot write: %m");
		}
	} else if (strcmp(t, "secret") == 0) {
		if (wire_str(o, "s") != NULL)
			redact_add(wire_str(o, "s"));
	} else if (strcmp(t, "pong") == 0) {
		if (wire_int(o, "q", &v) == 0 && (uint64_t)v == wk->ping_seq) {
			wk->pong_seq = (uint64_t)v;
			wk->pong_mono = util_now_ms();
		}
	} else if (strcmp(t, "slow") == 0) {
		int64_t ms = 0;
		const char *cb = wire_str(o, "cb");

		(void)wire_int(o, "ms", &ms);
		m = wk_mon(wk, o);
		wk->slow++;
		log_write(m ? m->cm->name : NULL, RDD_LOG_WARN,
		    "slow callback: %s plugin's %s%s%s took %lld ms (over %d "
		    "ms, every monitor of worker %s waited; %llu so far)",
		    wk->plugin, cb ? cb : "callback", m ? " of monitor " : "",
		    m ? m->cm->name : "", (long long)ms, WK_SLOW_MS, wk->name,
		    (unsigned long long)wk->slow);
	} else if (strcmp(t, "hello") == 0)
		wk_on_hello(wk, o);
}

/* The message path alone, for the fuzz harness (tests/fuzz/fuzz_wire.c). */
void
workers_feed(struct worker *wk, json_object *o)
{
	wk_on_msg(wk, o);
}

static void
wk_reap_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct worker *wk = arg;

	(void)fd;
	(void)what;
	if (wk->pid > 0)
		kill(wk->pid, SIGKILL);
}

static void
wk_try_reap(struct worker *wk)
{
	int st;
	pid_t r;

	if (wk->pid <= 0)
		return;
	while ((r = waitpid(wk->pid, &st, WNOHANG)) == -1 && errno == EINTR)
		;
	if (r == wk->pid || (r == -1 && errno == ECHILD))
		workers_dead(wk, r == wk->pid ? st : 0);
}

static void
wk_on_eof(void *arg)
{
	struct worker *wk = arg;
	struct timeval tv = { WK_REAP_MS / 1000, (WK_REAP_MS % 1000) * 1000 };

	wk->exiting = 1;
	if (wk->kill_ev == NULL)
		wk->kill_ev = evtimer_new(wk->d->base, wk_reap_timeout, wk);
	if (wk->kill_ev)
		evtimer_add(wk->kill_ev, &tv);
	wk_try_reap(wk);
}

static void
wk_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *wk = arg;

	(void)fd;
	(void)what;
	if (wk->state == WK_RESTARTING && !wk->d->stopping)
		workers_spawn(wk);
}

static int
wk_recent_crashes(struct worker *wk, int64_t now)
{
	int i, n = 0;

	for (i = 0; i < wk->ncrashes; i++)
		if (now - wk->crashes[i] < WK_CRASH_WINDOW_MS)
			n++;
	return n;
}

static void
workers_dead(struct worker *wk, int status)
{
	struct rdd_daemon *d = wk->d;
	char where[256], msg[768], qmsg[1024];
	const char *kind = "worker-crash", *mon;
	const char *during = "during ";
	int64_t since, now = util_now_ms(), delay;
	int n, i;
	struct timeval tv;

	if (!wk_where(wk, where, sizeof(where), &since)) {
		during = "";
		snprintf(
		    where, sizeof(where), "while idle (between callbacks)");
	}
	mon = wk_first_monitor(wk);
	wire_free(wk->w);
	wk->w = NULL;
	if (wk->ping_ev) {
		event_free(wk->ping_ev);
		wk->ping_ev = NULL;
	}
	if (wk->kill_ev)
		evtimer_del(wk->kill_ev);
	wk->pid = -1;
	wk->exiting = 0;
	wk->shm->cb = WK_CB_NONE;
	if (wk->state == WK_STOPPING || d->stopping) {
		wk->state = WK_STOPPED;
		return;
	}
	if (wk->kill_why == WK_KILL_STALL || wk->kill_why == WK_KILL_MEMORY) {
		snprintf(msg, sizeof(msg), "%s", wk->kill_msg ? wk->kill_msg
							      : "killed");
		kind = wk->kill_why == WK_KILL_STALL ? "worker-stall"
						     : "worker-memory";
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *ab = sigabbrev_np(sig) ? sigabbrev_np(sig) : "?";

		/*
		 * A fault is the plugin's; SIGTERM or SIGKILL was sent (pkill
		 * -f, the OOM killer): say which, so the operator does not
		 * debug a plugin that did nothing wrong.
		 */
		if (wk_fault_signal(sig))
			snprintf(msg, sizeof(msg),
			    "%s plugin crashed: SIG%s %s%s", wk->plugin, ab,
			    during, where);
		else
			snprintf(msg, sizeof(msg),
			    "%s worker killed by SIG%s %s%s: sent by another "
			    "process or the kernel, not raised by the plugin's "
			    "code",
			    wk->plugin, ab, during, where);
	} else
		snprintf(msg, sizeof(msg),
		    "%s plugin exited with status %d %s%s", wk->plugin,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1, during,
		    where);
	wk->kill_why = WK_KILL_CRASH;
	wk_set_failure(wk, msg);
	log_write(mon, RDD_LOG_ERR, "worker %s: %s", wk->name, msg);
	journal_write(kind, mon, NULL, msg, -1);
	alerts_event_kind(d->alerts, AEV_PLUGIN,
	    strcmp(kind, "worker-stall") == 0 ? "stall" : "crash", mon, NULL,
	    msg);
	/* A leak is the plugin's steady state, not a crash loop. */
	if (strcmp(kind, "worker-memory") != 0) {
		if (wk->ncrashes == WK_CRASH_MAX) {
			for (i = 1; i < WK_CRASH_MAX; i++)
				wk->crashes[i - 1] = wk->crashes[i];
			wk->ncrashes--;
		}
		wk->crashes[wk->ncrashes++] = now;
	}
	n = wk_recent_crashes(wk, now);
	if (n >= WK_CRASH_MAX) {
		wk->state = WK_QUARANTINED;
		snprintf(qmsg, sizeof(qmsg), "%s quarantined after %d failures "
		    "in %d min (last: %s): fix the plugin, then redundancyctl "
		    "unquarantine %s or reload", wk->name, n,
		    WK_CRASH_WINDOW_MS / 60000, msg, wk->name);
		log_write(mon, RDD_LOG_ERR, "worker %s", qmsg);
		journal_write("worker-quarantine", mon, NULL, qmsg, -1);
		alerts_event_kind(
		    d->alerts, AEV_PLUGIN, "quarantine", mon, NULL, qmsg);
		wk_monitors_down(wk, qmsg);
		return;
	}
	wk->state = WK_RESTARTING;
	delay = 1000;
	for (i = 1; i < n && delay < WK_BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > WK_BACKOFF_MAX_MS)
		delay = WK_BACKOFF_MAX_MS;
	wk_monitors_down(wk, msg);
	if (wk->restart_ev == NULL)
		wk->restart_ev = evtimer_new(d->base, wk_restart_cb, wk);
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	if (wk->restart_ev)
		evtimer_add(wk->restart_ev, &tv);
	log_write(mon, RDD_LOG_WARN, "worker %s: restarting in %lld ms",
	    wk->name, (long long)delay);
}

static void
wk_sigchld(evutil_socket_t fd, short what, void *arg)
{
	struct rdd_daemon *d = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < d->nwk; i++)
		wk_try_reap(d->wk[i]);
	for (i = 0; i < d->nretiring;) {
		struct worker *wk = d->retiring[i];

		wk_try_reap(wk);
		if (wk->pid <= 0) {
			d->retiring[i] = d->retiring[--d->nretiring];
			workers_free_one(wk);
			continue;
		}
		i++;
	}
}

/* The monitors' state directories, made for the worker's account. */
static void
wk_prepare_dirs(struct worker *wk, uid_t uid, gid_t gid)
{
	size_t i;
	char *p;

	if (wk->d->once)
		return; /* --once writes nothing under state_dir */
	for (i = 0; i < wk->nmon; i++) {
		if (asprintf(&p, "%s/%s", wk->d->conf->state_dir,
			wk->mon[i]->cm->name) < 0)
			continue;
		if (util_mkdirs(p, 0700) != 0 ||
		    (uid != (uid_t)-1 && chown(p, uid, gid) != 0))
			log_write(wk->mon[i]->cm->name, RDD_LOG_WARN,
			    "%s: %m: the plugin may not keep state", p);
		free(p);
	}
}

static void
workers_spawn(struct worker *wk)
{
	struct rdd_daemon *d = wk->d;
	struct timeval tv;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int sv[2];
	pid_t pid;

	if (wk->user) {
		struct passwd *pw = getpwnam(wk->user);

		if (pw) {
			uid = pw->pw_uid;
			gid = pw->pw_gid;
		}
	}
	if (wk->group) {
		struct group *gr = getgrnam(wk->group);

		if (gr)
			gid = gr->gr_gid;
	}
	wk_prepare_dirs(wk, uid, gid);
	if (d->chld_ev == NULL) {
		d->chld_ev = evsignal_new(d->base, SIGCHLD, wk_sigchld, d);
		if (d->chld_ev)
			evsignal_add(d->chld_ev, NULL);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_err("worker %s: socketpair: %m: retrying", wk->name);
		goto fail;
	}
	memset((void *)wk->shm, 0, sizeof(*wk->shm));
	wk->shm->mon = -1;
	if ((pid = fork()) == -1) {
		log_err("worker %s: fork: %m: retrying", wk->name);
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		worker_main(d, wk, sv[1]);
	}
	close(sv[1]);
	(void)fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	wk->pid = pid;
	wk->exiting = 0;
	wk->kill_why = WK_KILL_CRASH;
	wk->state = WK_STARTING;
	wk->ping_seq = wk->pong_seq = 0;
	wk->pong_mono = util_now_ms();
	wk->rss = wk->rss_anon = 0;
	wk->w = wire_new(d->base, sv[0], wk_on_msg, wk_on_eof, wk);
	wk->ping_ev = event_new(d->base, -1, EV_PERSIST, wk_ping_cb, wk);
	tv.tv_sec = d->conf->ping_interval_ms / 1000;
	tv.tv_usec = (d->conf->ping_interval_ms % 1000) * 1000;
	if (wk->ping_ev)
		evtimer_add(wk->ping_ev, &tv);
	if (wk->restarts++ > 0)
		journal_write("worker-restart", wk->nmon ? wk->mon[0]->cm->name
							 : NULL,
		    NULL, wk->name, -1);
	log_write(NULL, RDD_LOG_DEBUG, "worker %s: pid %ld for %zu monitor%s",
	    wk->name, (long)pid, wk->nmon, wk->nmon == 1 ? "" : "s");
	return;
fail:
	wk->state = WK_RESTARTING;
	if (wk->restart_ev == NULL)
		wk->restart_ev = evtimer_new(d->base, wk_restart_cb, wk);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	if (wk->restart_ev)
		evtimer_add(wk->restart_ev, &tv);
}

void
workers_spawn_all(struct rdd_daemon *d)
{
	size_t i;

	for (i = 0; i < d->nwk; i++)
		if (d->wk[i]->pid <= 0 && d->wk[i]->state != WK_QUARANTINED)
			workers_spawn(d->wk[i]);
}

static json_object *
wk_msg(const char *t, struct monitor *m)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "t", json_object_new_string(t));
	if (m != NULL)
		json_object_object_add(o, "m", json_object_new_int(m->widx));
	return o;
}

static int
wk_usable(struct monitor *m)
{
	return m->wk && m->wk->w && m->wk->state == WK_RUNNING && m->ready;
}

int
workers_check(struct monitor *m, struct rdd_check *c)
{
	json_object *o;

	if (!wk_usable(m))
		return -1;
	c->id = ++m->d->next_id;
	o = wk_msg("check", m);
	json_object_object_add(o, "c", json_object_new_int64((int64_t)c->id));
	if (m->d->batching && !m->wk->corked) {
		m->wk->corked = 1;
		wire_cork(m->wk->w);
	}
	return wire_send(m->wk->w, o);
}

void
workers_cancel_check(struct monitor *m, struct rdd_check *c)
{
	json_object *o;

	if (!wk_usable(m))
		return;
	o = wk_msg("cancel", m);
	json_object_object_add(o, "c", json_object_new_int64((int64_t)c->id));
	(void)wire_send(m->wk->w, o);
}

int
workers_recover(struct monitor *m, struct rdd_recovery *r)
{
	json_object *o;

	if (!wk_usable(m))
		return -1;
	r->id = ++m->d->next_id;
	o = wk_msg("recover", m);
	json_object_object_add(o, "r", json_object_new_int64((int64_t)r->id));
	json_object_object_add(o, "tg", json_object_new_string(r->target));
	json_object_object_add(o, "a", json_object_new_string(r->action));
	json_object_object_add(o, "n", json_object_new_int64(r->attempt));
	/* The event, for RDD_* in the environment of recovery commands. */
	{
		json_object *ev = json_object_new_object();
		const struct target *t = r->t;

		json_object_object_add(ev, "state",
		    json_object_new_string(
		        util_state_name(t ? t->state : RDD_UNKNOWN)));
		json_object_object_add(ev, "event",
		    json_object_new_string(r->manual         ? "manual"
		                           : t && t->gave_up ? "gave-up"
		                           : t && t->state == RDD_WARNING
		                               ? "warning"
		                               : "critical"));
		json_object_object_add(ev, "message",
		    json_object_new_string(t && t->msg ? t->msg : ""));
		json_object_object_add(o, "ev", ev);
	}
	return wire_send(m->wk->w, o);
}

int
workers_command(struct monitor *m, struct rdd_command *c, int argc,
    const char *const *argv)
{
	json_object *o, *a;
	int i;

	if (!wk_usable(m))
		return -1;
	c->id = ++m->d->next_id;
	o = wk_msg("cmd", m);
	json_object_object_add(o, "x", json_object_new_int64((int64_t)c->id));
	a = json_object_new_array();
	for (i = 0; i < argc; i++)
		json_object_array_add(a, json_object_new_string(argv[i]));
	json_object_object_add(o, "argv", a);
	if (wire_send(m->wk->w, o) != 0)
		return -1;
	c->next = m->wk->cmds;
	m->wk->cmds = c;
	return 0;
}

static void
workers_free_one(struct worker *wk)
{
	struct rdd_command *c;

	if (wk->pid > 0) {
		int st;

		kill(wk->pid, SIGKILL);
		while (waitpid(wk->pid, &st, 0) == -1 && errno == EINTR)
			;
	}
	while ((c = wk->cmds) != NULL) {
		wk->cmds = c->next;
		ctlcmd_command_done(c, 0, "the daemon is stopping");
	}
	wire_free(wk->w);
	if (wk->ping_ev)
		event_free(wk->ping_ev);
	if (wk->restart_ev)
		event_free(wk->restart_ev);
	if (wk->kill_ev)
		event_free(wk->kill_ev);
	if (wk->shm)
		munmap((void *)wk->shm, sizeof(*wk->shm));
	free(wk->mon);
	free(wk->name);
	free(wk->plugin);
	free(wk->user);
	free(wk->account);
	free(wk->group);
	free(wk->kill_msg);
	free(wk->last_failure);
	free(wk);
}

/*
 * Whether monitor m comes back in next (a reload's configuration): the
 * same name (or renamed, conf_renames), plugin and enabled. Its new
 * instance then adopts what the old one leaves running; anything else
 * stops for good.
 */
static int
wk_has_successor(const struct monitor *m, const struct conf *next)
{
	size_t i;

	if (next == NULL || m->d->stopping)
		return 0;
	for (i = 0; i < next->nmon; i++)
		if (strcmp(next->mon[i].name, m->cm->name) == 0 ||
		    (next->mon[i].renamed_from != NULL &&
		        strcmp(next->mon[i].renamed_from, m->cm->name) == 0))
			return next->mon[i].enabled &&
			       strcmp(next->mon[i].plugin, m->cm->plugin) == 0;
	return 0;
}

/*
 * "stop", with "keep": the indices of the worker's monitors that have a
 * successor (host->stopping_for_good answers 0 for them).
 */
static json_object *
wk_stop_msg(struct worker *wk, const struct conf *next)
{
	json_object *o = wk_msg("stop", NULL), *keep;
	size_t i;

	if ((keep = json_object_new_array()) == NULL)
		return o;
	for (i = 0; i < wk->nmon; i++)
		if (wk_has_successor(wk->mon[i], next))
			json_object_array_add(
			    keep, json_object_new_int(wk->mon[i]->widx));
	json_object_object_add(o, "keep", keep);
	return o;
}

void
workers_stop_all(struct rdd_daemon *d, int retire, const struct conf *next)
{
	struct timeval tv;
	size_t i;

	for (i = 0; i < d->nwk; i++) {
		struct worker *wk = d->wk[i];

		if (wk->restart_ev)
			evtimer_del(wk->restart_ev);
		if (wk->pid > 0 && wk->w != NULL) {
			(void)wire_send(wk->w, wk_stop_msg(wk, next));
			wk->state = WK_STOPPING;
			if (wk->kill_ev == NULL)
				wk->kill_ev = evtimer_new(d->base,
				    wk_reap_timeout, wk);
			tv.tv_sec = d->conf->shutdown_deadline_ms / 1000;
			tv.tv_usec = (d->conf->shutdown_deadline_ms % 1000) *
			    1000;
			if (wk->kill_ev)
				evtimer_add(wk->kill_ev, &tv);
		} else if (wk->pid > 0) {
			wk->state = WK_STOPPING;
			kill(wk->pid, SIGKILL);
		} else
			wk->state = WK_STOPPED;
	}
	if (!retire)
		return;
	/* The monitors go away now; the processes are reaped later. */
	for (i = 0; i < d->nwk; i++) {
		struct worker *wk = d->wk[i], **nv;

		while (wk->cmds != NULL) {
			struct rdd_command *c = wk->cmds;

			wk->cmds = c->next;
			ctlcmd_command_done(c, 0, "the configuration was "
			    "reloaded");
		}
		wk->nmon = 0;
		if (wk->pid <= 0 ||
		    (nv = realloc(d->retiring, (d->nretiring + 1) *
			sizeof(*nv))) == NULL) {
			workers_free_one(wk);
			continue;
		}
		d->retiring = nv;
		d->retiring[d->nretiring++] = wk;
	}
	free(d->wk);
	d->wk = NULL;
	d->nwk = 0;
}

int
workers_alive(struct rdd_daemon *d)
{
	size_t i;
	int n = 0;

	for (i = 0; i < d->nwk; i++)
		if (d->wk[i]->pid > 0)
			n++;
	for (i = 0; i < d->nretiring; i++)
		if (d->retiring[i]->pid > 0)
			n++;
	return n;
}

static void
wk_batch_end(evutil_socket_t fd, short what, void *arg)
{
	struct rdd_daemon *d = arg;
	size_t i;

	(void)fd;
	(void)what;
	d->batching = 0;
	for (i = 0; i < d->nwk; i++) {
		if (!d->wk[i]->corked)
			continue;
		d->wk[i]->corked = 0;
		(void)wire_uncork(d->wk[i]->w);
	}
}

/*
 * Checks requested from now to the end of this loop turn (those whose
 * timers expired together) leave in one sendmmsg per worker, after every
 * timer of the turn has run: the end is an event made active now, which
 * libevent runs after those already active. The wire of a worker is
 * corked at its first check of the batch (workers_check).
 */
void
workers_batch(struct rdd_daemon *d)
{
	if (d->batching)
		return;
	if (d->batch_ev == NULL &&
	    (d->batch_ev = event_new(d->base, -1, 0, wk_batch_end, d)) == NULL)
		return;
	d->batching = 1;
	event_active(d->batch_ev, EV_TIMEOUT, 0);
}

void
workers_free(struct rdd_daemon *d)
{
	size_t i;

	for (i = 0; i < d->nwk; i++)
		workers_free_one(d->wk[i]);
	free(d->wk);
	d->wk = NULL;
	d->nwk = 0;
	for (i = 0; i < d->nretiring; i++)
		workers_free_one(d->retiring[i]);
	free(d->retiring);
	d->retiring = NULL;
	d->nretiring = 0;
	if (d->chld_ev) {
		event_free(d->chld_ev);
		d->chld_ev = NULL;
	}
	if (d->batch_ev) {
		event_free(d->batch_ev);
		d->batch_ev = NULL;
	}
	d->batching = 0;
}

int
workers_unquarantine(struct rdd_daemon *d, const char *name, char *msg,
    size_t len)
{
	struct worker *wk = workers_find(d, name);

	if (wk == NULL) {
		snprintf(msg, len, "no worker named '%s': see redundancyctl "
		    "status", name);
		return -1;
	}
	if (wk->state != WK_QUARANTINED) {
		snprintf(msg, len, "worker %s is %s, not quarantined", name,
		    workers_state_name(wk->state));
		return -1;
	}
	wk->ncrashes = 0;
	snprintf(msg, len, "worker %s released from quarantine: starting it",
	    name);
	for (size_t i = 0; i < wk->nmon; i++)
		alerts_event(
		    d->alerts, AEV_RECOVERED, wk->mon[i]->cm->name, NULL, msg);
	workers_spawn(wk);
	return 0;
}

/* WATCHDOG=1 only while every worker that should run answers. */
int
workers_watchdog_ok(struct rdd_daemon *d)
{
	int64_t now = util_now_ms();
	size_t i;

	for (i = 0; i < d->nwk; i++) {
		struct worker *wk = d->wk[i];

		if (wk->state != WK_RUNNING)
			continue;
		if (wk->ping_seq > wk->pong_seq &&
		    now - wk->ping_mono >= d->conf->stall_timeout_ms)
			return 0;
	}
	return 1;
}
