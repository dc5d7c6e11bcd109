/*
 * worker.c: a plugin worker process: loads one plugin, runs its monitors on
 * its own loop with the host services, and talks to the master over a wire.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "daemon.h"

/* Text fields on the wire: long enough for any message, bounded. */
#define WK_TEXT_MAX 8192

enum { SL_CHECK = 1, SL_RECOVER, SL_COMMAND };
#define SL_BITS 16
#define SL_MASK ((1u << SL_BITS) - 1)

/* One outstanding check, recovery or command; handles carry gen. */
struct wslot {
	uint32_t gen;
	uint8_t kind;
	uint8_t live;
	int mon;
	uint64_t mid;		/* the master's id */
};

struct wkctx {
	struct worker *wk;
	struct rdd_daemon d;	/* this process's own: loop, services */
	struct wire *w;
	struct wslot *slots;
	size_t nslots;
	unsigned misuse;	/* kinds of misuse already logged */
	struct loader_entry le;
	int stopping;
	struct event *turn_ev;	/* uncorks the wire at the end of a turn */
	int turn_corked;
	int sigfd; /* the master's signals, read and not obeyed */
	struct event *sig_ev;
};

static void
wk_turn_end(evutil_socket_t fd, short what, void *arg)
{
	struct wkctx *x = arg;

	(void)fd;
	(void)what;
	x->turn_corked = 0;
	(void)wire_uncork(x->w);
}

/* ---- callbacks into the plugin: timed, and named in shared memory ---- */

static void
wk_enter(struct wkctx *x, int cb, int mon, struct wk_save *sv)
{
	sv->cb = x->wk->shm->cb;
	sv->mon = x->wk->shm->mon;
	sv->since = x->wk->shm->since;
	x->wk->shm->mon = mon;
	x->wk->shm->since = util_now_ms();
	x->wk->shm->cb = cb;
	/*
	 * What the callbacks of one loop turn say (several checks' reports
	 * and dones when their children ended together) leaves in one send,
	 * after the turn's callbacks: an event made active now runs after
	 * those already active.
	 */
	if (!x->turn_corked && x->w != NULL && x->turn_ev != NULL) {
		x->turn_corked = 1;
		wire_cork(x->w);
		event_active(x->turn_ev, EV_TIMEOUT, 0);
	}
}

static void
wk_leave(struct wkctx *x, const struct wk_save *sv)
{
	int64_t ms = util_now_ms() - x->wk->shm->since;
	int cb = x->wk->shm->cb, mon = x->wk->shm->mon;

	x->wk->shm->cb = sv->cb;
	x->wk->shm->mon = sv->mon;
	x->wk->shm->since = sv->since;
	if (ms > WK_SLOW_MS && x->w != NULL) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "t", json_object_new_string("slow"));
		json_object_object_add(o, "m", json_object_new_int(mon));
		json_object_object_add(o, "cb",
		    json_object_new_string(wk_cb_name(cb)));
		json_object_object_add(o, "ms", json_object_new_int64(ms));
		(void)wire_send(x->w, o);
	}
}

/*
 * hostapi.c's hooks around service callbacks (timers, fds, children...).
 * in_check: the callback continues a check's work (rdd_daemon.in_check).
 */
void
worker_cb_enter(struct monitor *m, int cb, int in_check, struct wk_save *save)
{
	struct wkctx *x = m->d->wctx;

	save->in_check = m->d->in_check;
	m->d->in_check = in_check;
	if (x != NULL)
		wk_enter(x, cb, m->widx, save);
}

void
worker_cb_leave(struct monitor *m, struct wk_save *save)
{
	struct wkctx *x = m->d->wctx;

	m->d->in_check = save->in_check;
	if (x != NULL)
		wk_leave(x, save);
}

/* ---- messages to the master ---- */

/*
 * Every string a plugin hands the master passes here: redacted first, so
 * the cut at WK_TEXT_MAX can never leave part of a secret readable, then
 * cut on a UTF-8 character boundary.
 */
static json_object *
wk_text(const char *s)
{
	json_object *o;
	char *r;
	size_t n;

	if (s == NULL)
		return NULL;
	if ((r = redact_str(s)) == NULL)
		return json_object_new_string("[REDACTED: out of memory]");
	n = strlen(r);
	if (n > WK_TEXT_MAX) {
		n = WK_TEXT_MAX;
		while (n > 0 && ((unsigned char)r[n] & 0xc0) == 0x80)
			n--;
	}
	o = json_object_new_string_len(r, (int)n);
	free(r);
	return o;
}

static json_object *
wk_msg(const char *t, int mon)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "t", json_object_new_string(t));
	if (mon >= 0)
		json_object_object_add(o, "m", json_object_new_int(mon));
	return o;
}

static int
wk_mon_index(struct wkctx *x, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < x->d.nmon; i++)
		if (strcmp(x->d.mon[i]->cm->name, name) == 0)
			return (int)i;
	return -1;
}

static void
wk_log_sink(void *arg, const char *monitor, enum rdd_log_level lvl,
    const char *text)
{
	struct wkctx *x = arg;
	json_object *o;

	if (x->w == NULL)
		return;
	o = wk_msg("log", wk_mon_index(x, monitor));
	json_object_object_add(o, "l", json_object_new_int(lvl));
	json_object_object_add(o, "msg", wk_text(text));
	(void)wire_send(x->w, o);
}

static void
wk_journal_sink(void *arg, const char *kind, const char *monitor,
    const char *target, const char *msg)
{
	struct wkctx *x = arg;
	int mi = wk_mon_index(x, monitor);
	json_object *o;

	if (x->w == NULL || mi < 0)
		return;
	o = wk_msg("journal", mi);
	json_object_object_add(o, "ev", wk_text(kind ? kind : "plugin"));
	if (target)
		json_object_object_add(o, "tg", wk_text(target));
	if (msg)
		json_object_object_add(o, "msg", wk_text(msg));
	(void)wire_send(x->w, o);
}

/*
 * A recovery's child has exec'd: its process group, with the group
 * leader's start time (so that a recycled pid is never taken for it),
 * goes to the master, which keeps it in the state until the result.
 */
static void
wk_recovery_group(void *arg, uint64_t rid, pid_t pgid)
{
	struct wkctx *x = arg;
	json_object *o;

	if (x->w == NULL)
		return;
	o = wk_msg("rpg", -1);
	json_object_object_add(o, "r", json_object_new_int64((int64_t)rid));
	json_object_object_add(o, "pg", json_object_new_int64((int64_t)pgid));
	json_object_object_add(o, "st",
	    json_object_new_int64((int64_t)util_proc_start(pgid)));
	(void)wire_send(x->w, o);
}

/* ---- handles with generations: misuse is logged once, then ignored ---- */

static void *
wk_slot_new(struct wkctx *x, int kind, int mon, uint64_t mid)
{
	size_t i;
	struct wslot *nv;

	for (i = 0; i < x->nslots; i++)
		if (!x->slots[i].live)
			break;
	if (i == x->nslots) {
		if (x->nslots >= SL_MASK - 1 ||
		    (nv = realloc(x->slots, (x->nslots + 16) * sizeof(*nv))) ==
			NULL)
			return NULL;
		memset(nv + x->nslots, 0, 16 * sizeof(*nv));
		x->slots = nv;
		x->nslots += 16;
	}
	x->slots[i].gen++;
	x->slots[i].live = 1;
	x->slots[i].kind = (uint8_t)kind;
	x->slots[i].mon = mon;
	x->slots[i].mid = mid;
	return (void *)(uintptr_t)(((uintptr_t)x->slots[i].gen << SL_BITS) |
	    (i + 1));
}

static void
wk_misuse(struct wkctx *x, unsigned bit, const char *what)
{
	if (x->misuse & bit)
		return;
	x->misuse |= bit;
	log_write(NULL, RDD_LOG_ERR, "plugin %s misused its host: %s; ignored "
	    "(logged once): fix the plugin", x->le.pd ? x->le.pd->name : "?",
	    what);
}

static struct wslot *
wk_slot(struct wkctx *x, const void *h, int kind, unsigned bit,
    const char *what)
{
	uintptr_t v = (uintptr_t)h;
	size_t i = (size_t)(v & SL_MASK);
	uint32_t gen = (uint32_t)(v >> SL_BITS);

	if (i == 0 || i > x->nslots || !x->slots[i - 1].live ||
	    x->slots[i - 1].gen != gen || x->slots[i - 1].kind != kind) {
		wk_misuse(x, bit, what);
		return NULL;
	}
	return &x->slots[i - 1];
}

static struct wkctx *wk_self; /* the one context of this process */

/* A bound on the wire: null where absent (JSON has no NaN). */
static json_object *
w_bound(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static void
w_report_bounds(struct rdd_check *c, const char *target, enum rdd_state st,
    const char *msg, const struct rdd_metric *mv,
    const struct rdd_metric_bounds *bv, size_t nm)
{
	struct wkctx *x = wk_self;
	struct wslot *s = wk_slot(x, c, SL_CHECK, 0x1,
	    "report() on a check that is done or cancelled");
	json_object *o, *ma;
	size_t i;

	if (s == NULL || target == NULL)
		return;
	o = wk_msg("report", -1);
	json_object_object_add(o, "c", json_object_new_int64((int64_t)s->mid));
	json_object_object_add(o, "tg", wk_text(target));
	json_object_object_add(o, "st", json_object_new_int((int)st));
	if (msg)
		json_object_object_add(o, "msg", wk_text(msg));
	if (nm > 0 && mv != NULL) {
		ma = json_object_new_array();
		for (i = 0; i < nm && i < 64; i++) {
			json_object *e = json_object_new_array();

			json_object_array_add(e, wk_text(mv[i].name ?
			    mv[i].name : ""));
			json_object_array_add(e,
			    json_object_new_double(mv[i].value));
			json_object_array_add(e, wk_text(mv[i].unit ?
			    mv[i].unit : ""));
			if (bv != NULL) {
				json_object_array_add(
				    e, w_bound(bv[i].warn_lt));
				json_object_array_add(
				    e, w_bound(bv[i].warn_gt));
				json_object_array_add(
				    e, w_bound(bv[i].crit_lt));
				json_object_array_add(
				    e, w_bound(bv[i].crit_gt));
				json_object_array_add(e, w_bound(bv[i].min));
				json_object_array_add(e, w_bound(bv[i].max));
			}
			json_object_array_add(ma, e);
		}
		json_object_object_add(o, "mx", ma);
	}
	(void)wire_send(x->w, o);
}

static void
w_report(struct rdd_check *c, const char *target, enum rdd_state st,
    const char *msg, const struct rdd_metric *mv, size_t nm)
{
	w_report_bounds(c, target, st, msg, mv, NULL, nm);
}

static void
w_check_done(struct rdd_check *c)
{
	struct wkctx *x = wk_self;
	struct wslot *s = wk_slot(x, c, SL_CHECK, 0x2,
	    "check_done() twice, or on a cancelled check");
	json_object *o;

	if (s == NULL)
		return;
	s->live = 0;
	o = wk_msg("done", -1);
	json_object_object_add(o, "c", json_object_new_int64((int64_t)s->mid));
	(void)wire_send(x->w, o);
}

static void
w_recovery_done(struct rdd_recovery *r, int ok, const char *msg)
{
	struct wkctx *x = wk_self;
	struct wslot *s = wk_slot(x, r, SL_RECOVER, 0x4,
	    "recovery_done() twice, or on an unknown recovery");
	json_object *o;

	if (s == NULL)
		return;
	s->live = 0;
	if (ok != RDD_RECOVERY_OK && ok != RDD_RECOVERY_NOT_APPLICABLE)
		ok = RDD_RECOVERY_FAILED;
	o = wk_msg("rdone", -1);
	json_object_object_add(o, "r", json_object_new_int64((int64_t)s->mid));
	json_object_object_add(o, "ok", json_object_new_int(ok));
	if (msg)
		json_object_object_add(o, "msg", wk_text(msg));
	(void)wire_send(x->w, o);
}

static void
w_command_done(struct rdd_command *c, int ok, const char *text)
{
	struct wkctx *x = wk_self;
	struct wslot *s = wk_slot(x, c, SL_COMMAND, 0x8,
	    "command_done() twice, or on an unknown command");
	json_object *o;

	if (s == NULL)
		return;
	s->live = 0;
	o = wk_msg("cdone", -1);
	json_object_object_add(o, "x", json_object_new_int64((int64_t)s->mid));
	json_object_object_add(o, "ok", json_object_new_int(ok ? 1 : 0));
	if (text)
		json_object_object_add(o, "msg", wk_text(text));
	(void)wire_send(x->w, o);
}

static void
w_push(struct rdd_monitor *rm, const char *target, enum rdd_state st,
    const char *msg)
{
	struct monitor *m = (struct monitor *)rm;
	json_object *o;

	if (m == NULL || target == NULL || wk_self->stopping)
		return;
	o = wk_msg("push", m->widx);
	json_object_object_add(o, "tg", wk_text(target));
	json_object_object_add(o, "st", json_object_new_int((int)st));
	if (msg)
		json_object_object_add(o, "msg", wk_text(msg));
	(void)wire_send(wk_self->w, o);
}

static void
w_journal(struct rdd_monitor *rm, const char *event, const char *target,
    const char *msg)
{
	if (rm != NULL)
		wk_journal_sink(wk_self, event,
		    ((struct monitor *)rm)->cm->name, target, msg);
}

static void
w_state_set(struct rdd_monitor *rm, const char *key, const char *value)
{
	struct monitor *m = (struct monitor *)rm;
	json_object *o;

	if (m == NULL || key == NULL)
		return;
	/* A local copy for state_get; the master owns the file. */
	if (m->d->state)
		state_set(m->d->state, m->cm->name, key, value);
	o = wk_msg("sset", m->widx);
	json_object_object_add(o, "k", wk_text(key));
	if (value)
		json_object_object_add(o, "v", json_object_new_string(value));
	(void)wire_send(wk_self->w, o);
}

static char *
w_secret(struct rdd_monitor *rm, const char *env, const char *file, char *err,
    size_t errlen)
{
	char *s = secret_load(env, file, err, errlen);
	json_object *o;

	(void)rm;
	if (s == NULL)
		return NULL;
	redact_add(s);
	o = wk_msg("secret", -1);
	json_object_object_add(o, "s", json_object_new_string(s));
	(void)wire_send(wk_self->w, o);
	return s;
}

/* ---- life ---- */

static void __attribute__((noreturn))
wk_exit(struct wkctx *x, int code)
{
	struct wk_save sv;
	size_t i;

	x->stopping = 1;
	for (i = 0; i < x->d.nmon; i++) {
		struct monitor *m = x->d.mon[i];

		if (m->ctx && m->started && m->pd->stop) {
			wk_enter(x, WK_CB_STOP, (int)i, &sv);
			m->pd->stop(m->ctx);
			wk_leave(x, &sv);
		}
		hostapi_release_owner(&x->d, m);
	}
	for (i = 0; i < x->d.nmon; i++) {
		struct monitor *m = x->d.mon[i];

		if (m->ctx && m->pd->destroy) {
			wk_enter(x, WK_CB_DESTROY, (int)i, &sv);
			m->pd->destroy(m->ctx);
			wk_leave(x, &sv);
		}
		free(m->sdir);
		free(m);
	}
	free(x->d.mon);
	x->d.mon = NULL;
	x->d.nmon = 0;
	if (x->d.child)
		svc_child_free(x->d.child);
	if (x->d.http)
		svc_http_free(x->d.http);
	if (x->d.watch)
		svc_watch_free(x->d.watch);
	hostapi_free(&x->d);
	wire_flush(x->w, 2000);
	log_set_sink(NULL, NULL);
	journal_set_sink(NULL, NULL);
	wire_free(x->w);
	x->w = NULL;
	free(x->slots);
	if (x->turn_ev)
		event_free(x->turn_ev);
	if (x->sig_ev)
		event_free(x->sig_ev);
	if (x->sigfd != -1)
		close(x->sigfd);
	if (x->d.base)
		event_base_free(x->d.base);
	_exit(code);
}

/*
 * Each monitor stops for good unless the master listed it in "keep": a
 * reload that keeps it starts its successor, which adopts what it leaves
 * running (host->stopping_for_good).
 */
static void
wk_stop_reason(struct wkctx *x, json_object *o)
{
	json_object *keep = NULL, *e;
	size_t i;

	for (i = 0; i < x->d.nmon; i++)
		x->d.mon[i]->stop_for_good = 1;
	if (!json_object_object_get_ex(o, "keep", &keep) ||
	    !json_object_is_type(keep, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(keep); i++) {
		e = json_object_array_get_idx(keep, i);
		if (json_object_is_type(e, json_type_int) &&
		    json_object_get_int64(e) >= 0 &&
		    (size_t)json_object_get_int64(e) < x->d.nmon)
			x->d.mon[json_object_get_int64(e)]->stop_for_good = 0;
	}
}

/*
 * TERM, HUP and USR1 are the master's to act on. `pkill -f redundancyd`
 * and the like send them to every worker too (a worker's command line is
 * the master's), and a worker that died of one would leave what it runs
 * with nobody to stop it at the master's own shutdown a moment later, and
 * count as a crash. So they are blocked, read here and said: the master
 * stops its workers; SIGKILL still ends one.
 */
static const int wk_master_sigs[] = {SIGTERM, SIGHUP, SIGUSR1};

static void
wk_master_sigset(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < sizeof(wk_master_sigs) / sizeof(wk_master_sigs[0]); i++)
		sigaddset(set, wk_master_sigs[i]);
}

/* Each is told to the master, which logs and journals it. */
static void
wk_sig_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wkctx *x = arg;
	struct signalfd_siginfo si;
	json_object *o;
	const char *ab;

	(void)what;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (x->w == NULL)
			continue;
		ab = sigabbrev_np((int)si.ssi_signo);
		o = wk_msg("signal", -1);
		json_object_object_add(o, "s", wk_text(ab ? ab : "?"));
		json_object_object_add(
		    o, "p", json_object_new_int64(si.ssi_pid));
		json_object_object_add(
		    o, "u", json_object_new_int64(si.ssi_uid));
		(void)wire_send(x->w, o);
	}
}

/* Without a signalfd (no memory) the signals are simply ignored. */
static void
wk_sig_watch(struct wkctx *x)
{
	sigset_t set;
	size_t i;

	wk_master_sigset(&set);
	x->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (x->sigfd != -1 &&
	    (x->sig_ev = event_new(x->d.base, x->sigfd, EV_READ | EV_PERSIST,
	         wk_sig_cb, x)) != NULL &&
	    event_add(x->sig_ev, NULL) == 0)
		return;
	for (i = 0; i < sizeof(wk_master_sigs) / sizeof(wk_master_sigs[0]); i++)
		signal(wk_master_sigs[i], SIG_IGN);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void
wk_on_eof(void *arg)
{
	/* The master is gone: nobody would hear what we find. */
	wk_exit(arg, 0);
}

static struct monitor *
wk_mon(struct wkctx *x, json_object *o)
{
	int64_t i;

	if (wire_int(o, "m", &i) != 0 || i < 0 || (size_t)i >= x->d.nmon)
		return NULL;
	return x->d.mon[i];
}

static void
wk_on_msg(void *arg, json_object *o)
{
	struct wkctx *x = arg;
	const char *t = wire_str(o, "t");
	struct monitor *m = wk_mon(x, o);
	struct wk_save sv;
	int64_t id, n;
	void *h;
	size_t i;

	x->wk->shm->beats++;
	if (strcmp(t, "ping") == 0) {
		json_object *r = wk_msg("pong", -1);

		if (wire_int(o, "q", &id) == 0)
			json_object_object_add(r, "q",
			    json_object_new_int64(id));
		(void)wire_send(x->w, r);
	} else if (strcmp(t, "stop") == 0) {
		wk_stop_reason(x, o);
		wk_exit(x, 0);
	} else if (strcmp(t, "check") == 0) {
		if (m == NULL || m->ctx == NULL || wire_int(o, "c", &id) != 0)
			return;
		if ((h = wk_slot_new(x, SL_CHECK, m->widx, (uint64_t)id)) ==
		    NULL)
			return;
		wk_enter(x, WK_CB_CHECK, m->widx, &sv);
		x->d.in_check = 1;
		m->pd->check(m->ctx, h);
		x->d.in_check = 0;
		wk_leave(x, &sv);
	} else if (strcmp(t, "cancel") == 0) {
		if (wire_int(o, "c", &id) != 0)
			return;
		for (i = 0; i < x->nslots; i++)
			if (x->slots[i].live && x->slots[i].kind == SL_CHECK &&
			    x->slots[i].mid == (uint64_t)id)
				x->slots[i].live = 0;
	} else if (strcmp(t, "recover") == 0) {
		const char *tg = wire_str(o, "tg"), *a = wire_str(o, "a");

		if (m == NULL || m->ctx == NULL || tg == NULL || a == NULL ||
		    wire_int(o, "r", &id) != 0 || wire_int(o, "n", &n) != 0)
			return;
		if ((h = wk_slot_new(x, SL_RECOVER, m->widx, (uint64_t)id)) ==
		    NULL)
			return;
		{
			json_object *ev = NULL;
			char *env[6] = {NULL};
			const char *evs = "critical", *st = "CRITICAL",
			           *msg = "";

			if (json_object_object_get_ex(o, "ev", &ev) &&
			    json_object_is_type(ev, json_type_object)) {
				evs = wire_str(ev, "event")
				          ? wire_str(ev, "event")
				          : evs;
				st = wire_str(ev, "state")
				         ? wire_str(ev, "state")
				         : st;
				msg = wire_str(ev, "message")
				          ? wire_str(ev, "message")
				          : msg;
			}
			if (asprintf(&env[0], "RDD_MONITOR=%s", m->cm->name) <
			    0)
				env[0] = NULL;
			if (asprintf(&env[1], "RDD_TARGET=%s", tg) < 0)
				env[1] = NULL;
			if (asprintf(&env[2], "RDD_STATE=%s", st) < 0)
				env[2] = NULL;
			if (asprintf(&env[3], "RDD_EVENT=%s", evs) < 0)
				env[3] = NULL;
			if (asprintf(&env[4], "RDD_MESSAGE=%s", msg) < 0)
				env[4] = NULL;
			if (env[0] && env[1] && env[2] && env[3] && env[4])
				hostapi_set_event_env((const char *const *)env);
			wk_enter(x, WK_CB_RECOVER, m->widx, &sv);
			x->d.in_recovery = (uint64_t)id;
			m->pd->recover(m->ctx, h, tg, a, (unsigned)n);
			x->d.in_recovery = 0;
			wk_leave(x, &sv);
			hostapi_set_event_env(NULL);
			for (i = 0; i < 5; i++)
				free(env[i]);
		}
	} else if (strcmp(t, "cmd") == 0) {
		json_object *aa;
		const char *argv[33];
		int argc = 0;

		if (m == NULL || m->ctx == NULL || m->pd->command == NULL ||
		    wire_int(o, "x", &id) != 0)
			return;
		if (json_object_object_get_ex(o, "argv", &aa) &&
		    json_object_is_type(aa, json_type_array))
			for (i = 0; i < json_object_array_length(aa) &&
			     argc < 32; i++) {
				json_object *e = json_object_array_get_idx(aa,
				    i);

				if (json_object_is_type(e, json_type_string))
					argv[argc++] = json_object_get_string(e);
			}
		argv[argc] = NULL;
		if ((h = wk_slot_new(x, SL_COMMAND, m->widx, (uint64_t)id)) ==
		    NULL)
			return;
		wk_enter(x, WK_CB_COMMAND, m->widx, &sv);
		m->pd->command(m->ctx, h, argc, argv);
		wk_leave(x, &sv);
	}
}

/* setgroups, setgid, setuid, and proof that there is no way back. */
static int
wk_drop(struct worker *wk, char *err, size_t errlen)
{
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	uid_t uid;
	gid_t gid;

	if (wk->user == NULL && wk->group == NULL)
		return 0;
	if (wk->user && (pw = getpwnam(wk->user)) == NULL) {
		snprintf(err, errlen, "no user named '%s'", wk->user);
		return -1;
	}
	if (wk->group && (gr = getgrnam(wk->group)) == NULL) {
		snprintf(err, errlen, "no group named '%s'", wk->group);
		return -1;
	}
	uid = pw ? pw->pw_uid : getuid();
	gid = gr ? gr->gr_gid : pw ? pw->pw_gid : getgid();
	/* A master that dropped to this account already: nothing to do. */
	if (geteuid() != 0 && uid == geteuid() && gid == getegid())
		return 0;
	if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		snprintf(err, errlen, "cannot switch to user %s group %ld: %s: "
		    "run redundancyd as root or drop user/group",
		    wk->user ? wk->user : "(same)", (long)gid, strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "could regain root after switching to %s",
		    wk->user);
		return -1;
	}
	return 0;
}

void
worker_main(struct rdd_daemon *md, struct worker *wk, int fd)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD };
	static struct wkctx x0;
	struct wkctx *x = &x0;
	json_object *hello, *ma;
	char err[RDD_ERRLEN], name[16];
	struct wk_save sv;
	sigset_t all;
	size_t i;
	int failed = 0;

	/* The master's handlers write to its loop's socketpair: not ours. */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A terminal's Ctrl-C goes to the whole foreground group: the master
	 * stops its workers itself, in order; a worker that died of the
	 * SIGINT first would be journaled as a crash.
	 */
	signal(SIGINT, SIG_IGN);
	/* A worker's private memory is its budget (issue 8: 1 MB idle). */
	mallopt(M_MMAP_THRESHOLD, WORKER_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, WORKER_TRIM_THRESHOLD);
	/* Held until wk_sig_watch reads them: none is lost or obeyed. */
	wk_master_sigset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (fd != 3) {
		if (dup2(fd, 3) == -1)
			_exit(70);
		close(fd);
	}
	util_close_from(4);
	snprintf(name, sizeof(name), "rdd:%s", wk->name);
	(void)prctl(PR_SET_NAME, name, 0, 0, 0);

	wk_self = x;
	x->wk = wk;
	x->d.conf = md->conf;
	x->d.once = md->once; /* --once: host->read_only */
	x->d.state = md->state; /* a read copy; the master writes the file */
	x->d.wctx = x;
	x->d.base = event_base_new();
	if (x->d.base == NULL)
		_exit(71);
	x->w = wire_new(x->d.base, 3, wk_on_msg, wk_on_eof, x);
	if (x->w == NULL)
		_exit(71);
	x->sigfd = -1;
	/* Without it (no memory) every send just goes at once. */
	x->turn_ev = event_new(x->d.base, -1, 0, wk_turn_end, x);
	log_set_sink(wk_log_sink, x);
	journal_set_sink(wk_journal_sink, x);
	wk_sig_watch(x);
	x->d.child = svc_child_new(x->d.base, md->conf->max_children);
	svc_child_on_spawn(x->d.child, wk_recovery_group, x);
	x->d.http = svc_http_new(x->d.base, md->conf->max_transfers);
	x->d.watch = svc_watch_new(x->d.base, 1000);
	hostapi_init(&x->d);
	if (hostapi_post_init(&x->d) != 0)
		_exit(71);
	x->d.host.report = w_report;
	x->d.host.report_bounds = w_report_bounds;
	x->d.host.check_done = w_check_done;
	x->d.host.recovery_done = w_recovery_done;
	x->d.host.command_done = w_command_done;
	x->d.host.push = w_push;
	x->d.host.journal = w_journal;
	x->d.host.state_set = w_state_set;
	x->d.host.secret = w_secret;

	hello = wk_msg("hello", -1);
	ma = json_object_new_array();
	err[0] = '\0';
	wk_enter(x, WK_CB_LOAD, -1, &sv);
	if (probe_load(md->conf, wk->plugin, &x->le, err, sizeof(err)) != 0)
		failed = 1;
	wk_leave(x, &sv);
	if (!failed) {
		struct errlist errs = { 0 };

		if (conf_bind_plugin(md->conf, wk->plugin, x->le.pd, &errs) !=
		    0) {
			snprintf(err, sizeof(err), "%s", errs.n ? errs.v[0]
								: "options");
			failed = 1;
		}
		errlist_free(&errs);
	}
	/* Loaded as the daemon; everything after runs as the account. */
	if (!failed && wk_drop(wk, err, sizeof(err)) != 0)
		failed = 1;
	if (getppid() == 1)
		_exit(0);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	x->d.mon = calloc(wk->nmon ? wk->nmon : 1, sizeof(*x->d.mon));
	for (i = 0; x->d.mon != NULL && i < wk->nmon; i++) {
		struct monitor *m = calloc(1, sizeof(*m));
		json_object *e = json_object_new_object();
		char merr[RDD_ERRLEN];
		int ok = 0;

		merr[0] = '\0';
		if (m != NULL) {
			m->d = &x->d;
			m->cm = wk->mon[i]->cm;
			m->pd = x->le.pd;
			m->widx = (int)i;
			x->d.mon[x->d.nmon++] = m;
		}
		if (failed || m == NULL)
			snprintf(merr, sizeof(merr), "%s", err[0] ? err :
			    "out of memory");
		else {
			wk_enter(x, WK_CB_VALIDATE, (int)i, &sv);
			ok = probe_validate(&x->d.host, NULL, m->cm, merr,
			    sizeof(merr)) == 0;
			wk_leave(x, &sv);
			if (ok) {
				wk_enter(x, WK_CB_CREATE, (int)i, &sv);
				ok = m->pd->create(&x->d.host,
				    (struct rdd_monitor *)m,
				    m->cm->plugin_config, &m->ctx, merr,
				    sizeof(merr)) == 0;
				wk_leave(x, &sv);
				if (!ok)
					m->ctx = NULL;
			}
			if (ok) {
				int rc = 0;

				wk_enter(x, WK_CB_START, (int)i, &sv);
#if RDD_ABI_MINOR >= 1
				if (RDD_PLUGIN_HAS(m->pd, start_err) &&
				    m->pd->start_err != NULL)
					rc = m->pd->start_err(m->ctx, merr,
					    sizeof(merr));
				else
#endif
				if (m->pd->start)
					rc = m->pd->start(m->ctx);
				wk_leave(x, &sv);
				m->started = 1;
				/*
				 * Not checked: the monitor is CRITICAL with
				 * this reason until a reload or restart.
				 */
				if (rc != 0) {
					char why[RDD_ERRLEN];

					snprintf(why, sizeof(why), "plugin %s "
					    "failed to start: %s", m->pd->name,
					    merr[0] ? merr : "no reason given "
					    "(start returned -1)");
					snprintf(merr, sizeof(merr), "%s", why);
					ok = 0;
				}
			}
		}
		json_object_object_add(e, "ok", json_object_new_boolean(ok));
		if (!ok)
			json_object_object_add(e, "err", wk_text(merr[0] ? merr
			    : "the plugin refused its config"));
		json_object_array_add(ma, e);
	}
	json_object_object_add(hello, "mons", ma);
	(void)wire_send(x->w, hello);
	event_base_dispatch(x->d.base);
	wk_exit(x, 0);
}
