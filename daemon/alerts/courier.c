/*
 * courier.c: the master's side of the alerts worker: fork it, hand it one
 * notification at a time per receiver, hear the outcome, restart on death.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "daemon.h"
#include "alerts.h"
#include "delivery.h"

#define CR_BACKOFF_MIN_MS 1000
#define CR_BACKOFF_MAX_MS (60 * 1000)
#define CR_STABLE_MS (60 * 1000) /* alive this long: backoff starts over */
#define CR_TICK_MS 1000

struct cr_job {
	uint64_t id;
	int64_t deadline; /* monotonic ms */
};

struct courier {
	struct rdd_daemon *d;
	courier_done_fn done;
	courier_ready_fn ready;
	void *arg;
	pid_t pid;
	struct wire *w;
	struct cr_job *jobs;
	size_t njobs, ajobs;
	struct event *tick;
	struct event *restart_ev;
	int restart_pending;
	int64_t started; /* monotonic ms of the last spawn */
	int64_t backoff;
	char *why; /* why the worker was killed, for the log */
	void (*ampause)(void *arg, json_object *o);
	void *ampause_arg;
};

static void
cr_forget(struct courier *c, size_t i)
{
	c->jobs[i] = c->jobs[--c->njobs];
}

static void
cr_on_msg(void *arg, json_object *o)
{
	struct courier *c = arg;
	const char *t = wire_str(o, "t");
	int64_t id, v;
	size_t i;

	if (strcmp(t, "done") == 0) {
		json_object *ok;
		char *msg;

		if (wire_int(o, "id", &id) != 0)
			return;
		for (i = 0; i < c->njobs; i++)
			if (c->jobs[i].id == (uint64_t)id)
				break;
		if (i == c->njobs)
			return;
		cr_forget(c, i);
		msg =
		    wire_str(o, "msg") ? redact_str(wire_str(o, "msg")) : NULL;
		c->done(c->arg, (uint64_t)id,
		    json_object_object_get_ex(o, "ok", &ok) &&
		        json_object_get_boolean(ok),
		    msg);
		free(msg);
	} else if (strcmp(t, "log") == 0) {
		if (wire_str(o, "msg") == NULL || wire_int(o, "l", &v) != 0 ||
		    v < 0 || v > 3)
			return;
		log_write(NULL, (enum rdd_log_level)v, "alerts worker: %s",
		    wire_str(o, "msg"));
	} else if (strcmp(t, "secret") == 0) {
		if (wire_str(o, "s") != NULL)
			redact_add(wire_str(o, "s"));
	} else if (strcmp(t, "ampause") == 0 && c->ampause != NULL)
		c->ampause(c->ampause_arg, o);
}

static void
cr_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct courier *c = arg;

	(void)fd;
	(void)what;
	c->restart_pending = 0;
	if (!c->d->stopping)
		c->ready(c->arg);
}

/* The worker is gone: reap it, fail what it held, restart later. */
static void
cr_lost(struct courier *c, const char *how)
{
	struct cr_job *jobs = c->jobs;
	size_t n = c->njobs, i;
	struct timeval tv;
	char msg[512];
	int st = 0;

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &st, 0) == -1 && errno == EINTR)
			;
	}
	wire_free(c->w);
	c->w = NULL;
	c->pid = -1;
	if (c->why != NULL)
		snprintf(msg, sizeof(msg), "the alerts worker was killed: %s",
		    c->why);
	else if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
		snprintf(msg, sizeof(msg),
		    "the alerts worker crashed: signal "
		    "%d",
		    WTERMSIG(st));
	else
		snprintf(msg, sizeof(msg), "the alerts worker %s", how);
	free(c->why);
	c->why = NULL;
	if (util_now_ms() - c->started >= CR_STABLE_MS)
		c->backoff = CR_BACKOFF_MIN_MS;
	else if ((c->backoff *= 2) > CR_BACKOFF_MAX_MS)
		c->backoff = CR_BACKOFF_MAX_MS;
	if (!c->d->stopping) {
		log_warn("alerts: %s: %zu notification%s back to the outbox, "
		         "restarting it in %lld ms",
		    msg, n, n == 1 ? "" : "s", (long long)c->backoff);
		journal_write("alerts-worker", NULL, NULL, msg, -1);
		tv.tv_sec = c->backoff / 1000;
		tv.tv_usec = (c->backoff % 1000) * 1000;
		if (c->restart_ev != NULL &&
		    evtimer_add(c->restart_ev, &tv) == 0)
			c->restart_pending = 1;
	}
	/* Each is retried by its receiver's backoff, nothing is lost. */
	c->jobs = NULL;
	c->njobs = c->ajobs = 0;
	for (i = 0; i < n; i++)
		c->done(c->arg, jobs[i].id, 0, msg);
	free(jobs);
}

static void
cr_on_eof(void *arg)
{
	cr_lost(arg, "exited");
}

/* Deadlines: a worker that sits on a notification is killed. */
static void
cr_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct courier *c = arg;
	int64_t now = util_now_ms();
	char buf[256];
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; c->pid > 0 && i < c->njobs; i++)
		if (now > c->jobs[i].deadline) {
			snprintf(buf, sizeof(buf),
			    "notification %llu not "
			    "answered by its deadline (the receiver's timeout "
			    "plus 5 s)",
			    (unsigned long long)c->jobs[i].id);
			free(c->why);
			c->why = strdup(buf);
			cr_lost(c, "stalled");
			return;
		}
}

static int
cr_spawn(struct courier *c)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_err("alerts: socketpair: %m: notifications wait");
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_err("alerts: fork: %m: notifications wait");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		deliver_main(c->d, sv[1]);
	}
	close(sv[1]);
	(void)fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	if ((c->w = wire_new(c->d->base, sv[0], cr_on_msg, cr_on_eof, c)) ==
	    NULL) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		return -1;
	}
	c->pid = pid;
	c->started = util_now_ms();
	log_debug("alerts: worker started, pid %ld", (long)pid);
	return 0;
}

struct courier *
courier_new(struct rdd_daemon *d, courier_done_fn done, courier_ready_fn ready,
    void *arg)
{
	struct courier *c = calloc(1, sizeof(*c));
	struct timeval tv = {CR_TICK_MS / 1000, (CR_TICK_MS % 1000) * 1000};

	if (c == NULL)
		return NULL;
	c->d = d;
	c->done = done;
	c->ready = ready;
	c->arg = arg;
	c->pid = -1;
	c->backoff = CR_BACKOFF_MIN_MS / 2;
	c->tick = event_new(d->base, -1, EV_PERSIST, cr_tick_cb, c);
	c->restart_ev = evtimer_new(d->base, cr_restart_cb, c);
	if (c->tick == NULL || c->restart_ev == NULL ||
	    evtimer_add(c->tick, &tv) != 0) {
		courier_free(c);
		return NULL;
	}
	return c;
}

/*
 * A worker to talk to: the one running, or a new one. -1 when none can be
 * had now; the ready callback comes once one can (a restart is armed).
 */
static int
cr_live(struct courier *c)
{
	struct timeval tv;

	if (!c->restart_pending && (c->pid > 0 || cr_spawn(c) == 0))
		return 0;
	if (!c->restart_pending) {
		tv.tv_sec = CR_BACKOFF_MIN_MS / 1000;
		tv.tv_usec = 0;
		if (evtimer_add(c->restart_ev, &tv) == 0)
			c->restart_pending = 1;
	}
	return -1;
}

int
courier_send(
    struct courier *c, uint64_t id, json_object *job, int64_t deadline_ms)
{
	struct cr_job *nv;

	if (cr_live(c) != 0) {
		json_object_put(job);
		return -1;
	}
	if (c->njobs == c->ajobs) {
		size_t na = c->ajobs ? c->ajobs * 2 : 8;

		if ((nv = realloc(c->jobs, na * sizeof(*nv))) == NULL) {
			json_object_put(job);
			return -1;
		}
		c->jobs = nv;
		c->ajobs = na;
	}
	if (wire_send(c->w, job) != 0)
		return -1;
	c->jobs[c->njobs].id = id;
	c->jobs[c->njobs].deadline = util_now_ms() + deadline_ms;
	c->njobs++;
	return 0;
}

int
courier_post(struct courier *c, json_object *msg)
{
	if (cr_live(c) != 0) {
		json_object_put(msg);
		return -1;
	}
	return wire_send(c->w, msg);
}

void
courier_on_ampause(
    struct courier *c, void (*fn)(void *arg, json_object *o), void *arg)
{
	c->ampause = fn;
	c->ampause_arg = arg;
}

void
courier_free(struct courier *c)
{
	if (c == NULL)
		return;
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	wire_free(c->w);
	if (c->tick != NULL)
		event_free(c->tick);
	if (c->restart_ev != NULL)
		event_free(c->restart_ev);
	free(c->jobs);
	free(c->why);
	free(c);
}
