/*
 * decide.c: per-pm_id memory (restart samples, CPU over time, stops seen
 * on the event bus) and the verdict on each PM2 app. Pure functions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"

void
pm2_fmt_bytes(char *buf, size_t len, uint64_t n)
{
	double d = (double)n;

	if (n >= 1024ULL * 1024 * 1024)
		snprintf(buf, len, "%.1f GB", d / (1024.0 * 1024 * 1024));
	else if (n >= 1024 * 1024)
		snprintf(buf, len, "%.0f MB", d / (1024.0 * 1024));
	else if (n >= 1024)
		snprintf(buf, len, "%.0f KB", d / 1024.0);
	else
		snprintf(buf, len, "%llu B", (unsigned long long)n);
}

void
pm2_fmt_ms(char *buf, size_t len, int64_t ms)
{
	if (ms < 1000)
		snprintf(buf, len, "%lld ms", (long long)ms);
	else if (ms < 120000)
		snprintf(buf, len, "%.3g s", (double)ms / 1000.0);
	else
		snprintf(buf, len, "%.3g min", (double)ms / 60000.0);
}

static void
pm2_inst_clear(struct pm2_inst *in)
{
	free(in->name);
	free(in->exec_path);
	memset(in, 0, sizeof(*in));
}

void
pm2_tracks_free(struct pm2_tracks *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		pm2_inst_clear(&t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

struct pm2_inst *
pm2_track_find(struct pm2_tracks *t, int pm_id)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].pm_id == pm_id)
			return &t->v[i];
	return NULL;
}

struct pm2_inst *
pm2_track_get(struct pm2_tracks *t, int pm_id, const char *name)
{
	struct pm2_inst *in, *nv;
	size_t cap;

	if ((in = pm2_track_find(t, pm_id)) != NULL) {
		if (strcmp(in->name, name) == 0)
			return in;
		/* The id now names another process: forget the old one. */
		pm2_inst_clear(in);
	} else {
		if (t->n == t->cap) {
			cap = t->cap ? t->cap * 2 : 16;
			if ((nv = realloc(t->v, cap * sizeof(*nv))) == NULL)
				return NULL;
			t->v = nv;
			t->cap = cap;
		}
		in = &t->v[t->n++];
		memset(in, 0, sizeof(*in));
	}
	in->pm_id = pm_id;
	if ((in->name = strdup(name)) == NULL) {
		t->n--;
		return NULL;
	}
	return in;
}

static void
pm2_crash_add(struct pm2_inst *in, int64_t at, int64_t window)
{
	int i, j;

	for (i = j = 0; i < in->ncrash; i++)
		if (in->crash[i] > at - window)
			in->crash[j++] = in->crash[i];
	in->ncrash = j;
	if (in->ncrash == PM2_CRASHES_MAX) {
		memmove(in->crash, in->crash + 1,
		    (size_t)(in->ncrash - 1) * sizeof(in->crash[0]));
		in->ncrash--;
	}
	in->crash[in->ncrash++] = at;
}

int64_t
pm2_inst_restarts(const struct pm2_inst *in, int64_t now, int64_t window)
{
	int64_t n = 0;
	int i;

	for (i = 0; i < in->ncrash; i++)
		if (in->crash[i] > now - window)
			n++;
	return n;
}

int
pm2_track_list(struct pm2_tracks *t, const struct procs_list *l,
    const struct pm2_limits *lim, int64_t now)
{
	struct pm2_inst *in;
	size_t i, j;
	int rc = 0;

	t->window = lim->restarts_window > 0 ? lim->restarts_window : 60000;
	for (i = 0; i < t->n; i++)
		t->v[i].present = 0;
	for (i = 0; i < l->n; i++) {
		const struct procs_proc *p = &l->v[i];

		if ((in = pm2_track_get(t, p->pm_id, p->name)) == NULL) {
			rc = -1;
			continue;
		}
		in->present = 1;
		if (p->status == PROCS_ONLINE && p->pid > 0) {
			in->last_pid = p->pid;
			in->stopping = 0;
			in->op_stopped = 0;
		}
		if (p->port > 0)
			in->port = p->port;
		if (p->pm_exec_path[0] != '\0' &&
		    (in->exec_path == NULL ||
		        strcmp(in->exec_path, p->pm_exec_path) != 0)) {
			free(in->exec_path);
			in->exec_path = strdup(p->pm_exec_path);
		}
		if (p->status == PROCS_STOPPED) {
			if (in->stopped_since == 0)
				in->stopped_since = now;
		} else
			in->stopped_since = 0;
		/*
		 * PM2's figure is the share since its previous sample and
		 * dips when the machine is busy: one sample under the limit
		 * does not end a sustained period, two in a row do.
		 */
		if (lim->cpu_max > 0 && p->status == PROCS_ONLINE &&
		    p->cpu > lim->cpu_max) {
			if (in->cpu_over_since == 0)
				in->cpu_over_since = now;
			in->cpu_under = 0;
		} else if (p->status != PROCS_ONLINE || ++in->cpu_under >= 2) {
			in->cpu_over_since = 0;
			in->cpu_under = 0;
		}
	}
	for (i = j = 0; i < t->n; i++) {
		if (t->v[i].present) {
			if (i != j)
				t->v[j] = t->v[i];
			j++;
		} else
			pm2_inst_clear(&t->v[i]);
	}
	t->n = j;
	return rc;
}

int
pm2_track_event(struct pm2_tracks *t, const struct procs_event *ev, int64_t now,
    int64_t now_us, char *msg, size_t msglen)
{
	struct pm2_inst *in;

	msg[0] = '\0';
	if ((in = pm2_track_get(t, ev->pm_id, ev->name)) == NULL)
		return 0;
	switch (ev->kind) {
	case PROCS_EV_ONLINE:
	case PROCS_EV_START:
	case PROCS_EV_RESTART:
	case PROCS_EV_RELOAD:
		in->stopping = 0;
		in->op_stopped = 0;
		return 0;
	case PROCS_EV_STOP:
		in->stopping = 0;
		in->op_stopped = 1;
		return 0;
	case PROCS_EV_OVERLIMIT:
		in->exit_seen_us = now_us;
		in->exit_at = ev->at;
		snprintf(msg, msglen,
		    "errored: PM2 gave up after too many unstable restarts "
		    "(%lld restarts; exit code %d)",
		    (long long)ev->restart_time, ev->exit_code);
		return 1;
	case PROCS_EV_EXIT:
		if (ev->status == PROCS_STOPPING) {
			/* stopProcessId: a stop or a restart was asked. */
			in->stopping = 1;
			return 0;
		}
		if (ev->status == PROCS_STOPPED && in->stopping) {
			in->op_stopped = 1;
			in->stopping = 0;
			return 0;
		}
		/*
		 * Nobody asked for this exit: a crash or a self-exit, the
		 * event a repair answers and its latency is measured from
		 * (never the exits our own restart causes).
		 */
		in->exit_seen_us = now_us;
		in->exit_at = ev->at;
		if (!ev->manually)
			pm2_crash_add(
			    in, now, t->window > 0 ? t->window : 60000);
		if (ev->status == PROCS_STOPPED && !ev->autorestart &&
		    !ev->manually) {
			snprintf(msg, msglen,
			    "exited with code %d and autorestart is off: PM2 "
			    "will not restart it",
			    ev->has_exit_code ? ev->exit_code : 0);
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}

/* Problems of one app, most severe first when composed. */
struct pm2_probs {
	enum rdd_state st;
	char crit[PM2_MSG_MAX];
	char warn[PM2_MSG_MAX / 2];
};

static void pm2_prob(struct pm2_probs *p, enum rdd_state st, const char *fmt,
    ...) RDD_PRINTF(3, 4);

static void
pm2_prob(struct pm2_probs *p, enum rdd_state st, const char *fmt, ...)
{
	char *dst = st == RDD_CRITICAL ? p->crit : p->warn;
	size_t cap = st == RDD_CRITICAL ? sizeof(p->crit) : sizeof(p->warn);
	size_t used = strlen(dst);
	va_list ap;

	if (used > 0 && used + 3 < cap) {
		memcpy(dst + used, "; ", 3);
		used += 2;
	}
	if (used + 1 < cap) {
		va_start(ap, fmt);
		vsnprintf(dst + used, cap - used, fmt, ap);
		va_end(ap);
	}
	if (st == RDD_CRITICAL || (st == RDD_WARNING && p->st == RDD_OK))
		p->st = st;
}

static void
pm2_bad_add(struct pm2_verdict *v, int pm_id)
{
	size_t i;

	for (i = 0; i < v->nbad; i++)
		if (v->bad[i] == pm_id)
			return;
	if (v->nbad < PM2_BAD_MAX)
		v->bad[v->nbad++] = pm_id;
}

void
pm2_judge_app(const struct procs_app *a, struct pm2_tracks *t,
    const struct pm2_limits *lim, int64_t now, int op_stopped,
    enum rdd_state prev, struct pm2_verdict *v)
{
	int64_t youngest = INT64_MAX, last_crash = 0;
	int busy = 0;
	struct pm2_probs pr;
	char b1[32], b2[32], who[48], summary[256], ids[160];
	size_t i, used = 0;
	int stopped_ok = 0;

	memset(v, 0, sizeof(*v));
	memset(&pr, 0, sizeof(pr));
	v->n = a->n;
	v->online = a->online;
	v->memory = a->memory;
	v->cpu = a->cpu;
	ids[0] = '\0';
	for (i = 0; i < a->n; i++) {
		const struct procs_proc *p = a->inst[i];
		struct pm2_inst *in = pm2_track_find(t, p->pm_id);
		uint64_t thr = lim->memory_max > 0
		                   ? (uint64_t)lim->memory_max
		                   : (uint64_t)p->max_memory_restart;

		if (a->n > 1)
			snprintf(who, sizeof(who), "instance %d (pm_id %d): ",
			    p->node_app_instance >= 0 ? p->node_app_instance
			                              : (int)i,
			    p->pm_id);
		else
			who[0] = '\0';
		if (used < sizeof(ids))
			used += (size_t)snprintf(ids + used, sizeof(ids) - used,
			    "%s%d", i ? "," : "", p->pm_id);
		if (in != NULL) {
			v->restarts +=
			    pm2_inst_restarts(in, now, lim->restarts_window);
			if (in->ncrash > 0 &&
			    in->crash[in->ncrash - 1] > last_crash)
				last_crash = in->crash[in->ncrash - 1];
		}
		if (procs_gave_up(p)) {
			v->gave_up = 1;
			pm2_bad_add(v, p->pm_id);
			if (p->status == PROCS_ERRORED)
				pm2_prob(&pr, RDD_CRITICAL,
				    "%serrored: PM2 gave up after %lld "
				    "restarts (exit code %d)",
				    who, (long long)p->restart_time,
				    p->exit_code);
			else
				pm2_prob(&pr, RDD_CRITICAL,
				    "%sstuck in 'waiting restart' with pid 0 "
				    "and created_at null: PM2 gave up and "
				    "will not restart it",
				    who);
			continue;
		}
		if (p->status == PROCS_ONLINE && p->pm_uptime > 0 &&
		    now - p->pm_uptime < youngest)
			youngest = now - p->pm_uptime;
		switch (p->status) {
		case PROCS_STOPPED:
			if (op_stopped || (in != NULL && in->op_stopped)) {
				stopped_ok = 1;
				break;
			}
			/*
			 * With autorestart PM2 starts it again within
			 * milliseconds: only a stop that lasts is one.
			 */
			if (p->autorestart && in != NULL &&
			    now - in->stopped_since < lim->confirm) {
				busy = 1;
				break;
			}
			pm2_bad_add(v, p->pm_id);
			pm2_prob(&pr, RDD_CRITICAL,
			    "%sstopped, and no operator stopped it (exit "
			    "code %d%s)",
			    who, p->exit_code,
			    p->autorestart ? "" : ", autorestart off");
			break;
		case PROCS_ONLINE:
			if (thr > 0 && p->memory > thr) {
				pm2_fmt_bytes(b1, sizeof(b1), p->memory);
				pm2_fmt_bytes(b2, sizeof(b2), thr);
				pm2_bad_add(v, p->pm_id);
				pm2_prob(&pr, RDD_CRITICAL,
				    "%smemory %s over %s (%s)", who, b1, b2,
				    lim->memory_max > 0
				        ? "memory_max"
				        : "its max_memory_restart");
			}
			if (lim->cpu_max > 0 && in != NULL &&
			    in->cpu_over_since > 0) {
				int64_t over = now - in->cpu_over_since;
				char now_txt[32] = "";

				if (p->cpu <= lim->cpu_max)
					snprintf(now_txt, sizeof(now_txt),
					    ", %.0f%% just now", p->cpu);
				pm2_fmt_ms(b1, sizeof(b1), over);
				pm2_fmt_ms(b2, sizeof(b2), lim->cpu_window);
				if (over >= lim->cpu_window) {
					pm2_bad_add(v, p->pm_id);
					pm2_prob(&pr, RDD_CRITICAL,
					    "%scpu %.0f%% over %.0f%% for %s "
					    "(cpu_window %s%s)",
					    who, p->cpu, lim->cpu_max, b1, b2,
					    now_txt);
				} else
					pm2_prob(&pr, RDD_WARNING,
					    "%scpu %.0f%% over %.0f%% for %s "
					    "(CRITICAL after %s%s)",
					    who, p->cpu, lim->cpu_max, b1, b2,
					    now_txt);
			}
			break;
		case PROCS_LAUNCHING:
		case PROCS_STOPPING:
		case PROCS_WAITING:
		case PROCS_ONE_LAUNCH:
			busy = 1;
			break; /* PM2 is at work: judged at the next check */
		default:
			pm2_prob(&pr, RDD_WARNING, "%sunknown status '%s'", who,
			    p->status_text);
			break;
		}
	}
	/*
	 * A loop that stopped (no crash for window / restarts_max, the
	 * mean gap the threshold allows) is over, even if the window
	 * still holds its crashes: a fixed app must not stay CRITICAL.
	 */
	if (lim->restarts_max > 0 && v->restarts > lim->restarts_max &&
	    now - last_crash < lim->restarts_window / lim->restarts_max) {
		pm2_fmt_ms(b1, sizeof(b1), lim->restarts_window);
		v->whole = 1;
		pm2_prob(&pr, RDD_CRITICAL,
		    "restart loop: %lld crashes in the last %s "
		    "(restarts_max %d)",
		    (long long)v->restarts, b1, lim->restarts_max);
	}

	if (pr.st == RDD_OK && prev == RDD_CRITICAL && !stopped_ok &&
	    (busy || (youngest < lim->confirm))) {
		if (busy)
			pm2_prob(&pr, RDD_CRITICAL,
			    "PM2 is restarting it: "
			    "confirming it comes back");
		else {
			pm2_fmt_ms(b1, sizeof(b1), youngest < 0 ? 0 : youngest);
			pm2_fmt_ms(b2, sizeof(b2), lim->confirm);
			pm2_prob(&pr, RDD_CRITICAL,
			    "online again for %s: "
			    "confirming it stays up for %s",
			    b1, b2);
		}
	}

	if (a->n > 1 || a->exec_mode == PROCS_CLUSTER)
		snprintf(summary, sizeof(summary),
		    "%s, %zu/%zu online "
		    "(pm_ids %s)",
		    a->exec_mode == PROCS_CLUSTER ? "cluster" : "fork",
		    a->online, a->n, ids);
	else if (a->online == 1)
		snprintf(summary, sizeof(summary), "online, pid %ld, pm_id %s",
		    a->inst[0]->pid, ids);
	else
		snprintf(summary, sizeof(summary), "%s, pm_id %s",
		    a->inst[0]->status_text[0] ? a->inst[0]->status_text
		                               : "unknown",
		    ids);
	v->st = pr.st;
	if (pr.st == RDD_CRITICAL)
		snprintf(v->msg, sizeof(v->msg), "%.560s%s%.200s [%.240s]",
		    pr.crit, pr.warn[0] ? "; " : "", pr.warn, summary);
	else if (pr.st == RDD_WARNING)
		snprintf(v->msg, sizeof(v->msg), "%.500s [%.240s]", pr.warn,
		    summary);
	else if (stopped_ok)
		snprintf(v->msg, sizeof(v->msg), "stopped by an operator [%s]",
		    summary);
	else
		snprintf(v->msg, sizeof(v->msg), "%s", summary);
	if (v->whole)
		v->nbad = 0;
}
