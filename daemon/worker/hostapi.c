/*
 * hostapi.c: the struct rdd_host table handed to plugins, and the handles
 * (timers, fd watches) it gives out, released with their monitor.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <libconfig.h>

#include "daemon.h"




enum handle_kind { H_TIMER, H_FD, H_CHILD, H_HTTP, H_WATCH };
struct handle;

/* Service callbacks run plugin code: named and timed like the others. */
struct hcb {
	struct handle *h;
	struct monitor *m;
	int in_check; /* started on a check's behalf */
	uint64_t rid; /* started on a recovery's behalf (its wire id) */
	union {
		rdd_child_cb child;
		rdd_http_cb http;
		rdd_watch_cb watch;
	} cb;
	void *arg;
};

struct handle {
	uint64_t id;
	enum handle_kind kind;
	struct monitor *m;
	struct event *ev;
	uint64_t svc;		/* the service's own handle */
	int repeat;
	int in_check; /* made while plugin code worked for a check */
	union {
		rdd_timer_cb timer;
		rdd_fd_cb fd;
	} cb;
	void *arg;
	struct hcb t;		/* children, transfers, watches */
};

static struct handle *
hostapi_handle_new(struct monitor *m, enum handle_kind kind)
{
	struct rdd_daemon *d = m->d;
	struct handle *h, **nv;

	h = calloc(1, sizeof(*h));
	nv = realloc(d->handles, (d->nhandles + 1) * sizeof(*nv));
	if (h == NULL || nv == NULL) {
		free(h);
		if (nv)
			d->handles = nv;
		return NULL;
	}
	d->handles = nv;
	h->id = ++d->next_handle;
	h->kind = kind;
	h->m = m;
	h->in_check = d->in_check;
	d->handles[d->nhandles++] = h;
	return h;
}

static struct handle *
hostapi_handle_find(struct rdd_daemon *d, uint64_t id, size_t *idx)
{
	size_t i;

	if (d == NULL || id == 0)
		return NULL;
	for (i = 0; i < d->nhandles; i++)
		if (d->handles[i]->id == id) {
			if (idx)
				*idx = i;
			return d->handles[i];
		}
	return NULL;
}

static void
hostapi_handle_free(struct rdd_daemon *d, size_t i)
{
	struct handle *h = d->handles[i];

	if (h->ev)
		event_free(h->ev);
	d->handles[i] = d->handles[--d->nhandles];
	free(h);
}

/* A handle whose service refused to start: gone before anyone saw it. */
static void
hostapi_handle_drop(struct rdd_daemon *d, uint64_t id)
{
	size_t i;

	if (hostapi_handle_find(d, id, &i))
		hostapi_handle_free(d, i);
}

static void
h_log(struct rdd_monitor *rm, enum rdd_log_level lvl, const char *fmt, ...)
{
	struct monitor *m = (struct monitor *)rm;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(m ? m->cm->name : NULL, lvl, fmt, ap);
	va_end(ap);
}

static const char *
h_monitor_name(struct rdd_monitor *rm)
{
	return ((struct monitor *)rm)->cm->name;
}

static const char *
h_state_dir(struct rdd_monitor *rm)
{
	struct monitor *m = (struct monitor *)rm;

	if (m->sdir != NULL)
		return m->sdir;
	/* Monitor names are [A-Za-z0-9_.-]: safe as one path component. */
	if (asprintf(&m->sdir, "%s/%s", m->d->conf->state_dir, m->cm->name) < 0)
		return m->sdir = NULL;
	/* --once is read-only: a missing directory stays missing. */
	if (!m->d->once && util_mkdirs(m->sdir, 0700) != 0)
		log_write(m->cm->name, RDD_LOG_ERR, "cannot create %s: %m: "
		    "check daemon.state_dir", m->sdir);
	return m->sdir;
}

static int
h_read_only(struct rdd_monitor *rm)
{
	return ((struct monitor *)rm)->d->once;
}

/* Set by the master's "stop" (worker.c); 0 until then. */
static int
h_stopping_for_good(struct rdd_monitor *rm)
{
	return ((struct monitor *)rm)->stop_for_good;
}

static char *
h_secret(struct rdd_monitor *rm, const char *env, const char *file,
    char *err, size_t errlen)
{
	char *s = secret_load(env, file, err, errlen);

	if (s != NULL)
		redact_add(s);
	return s;
}

static int
h_group_count(const void *g)
{
	return g ? config_setting_length((const config_setting_t *)g) : 0;
}

static const void *
h_group_elem(const void *g, int i)
{
	return g ? config_setting_get_elem((const config_setting_t *)g,
		       (unsigned)i)
		 : NULL;
}

/* name NULL: the element's own string value (an array of strings). */
static const char *
h_group_string(const void *g, const char *name)
{
	const config_setting_t *s = g;

	if (s == NULL)
		return NULL;
	if (name != NULL)
		s = config_setting_get_member(s, name);
	if (s == NULL || config_setting_type(s) != CONFIG_TYPE_STRING)
		return NULL;
	return config_setting_get_string(s);
}

static int
h_group_int(const void *g, const char *name, int64_t *out)
{
	const config_setting_t *s = g;

	if (s == NULL)
		return -1;
	if (name != NULL)
		s = config_setting_get_member(s, name);
	if (s == NULL)
		return -1;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		*out = config_setting_get_int64(s);
		return 0;
	case CONFIG_TYPE_BOOL:
		*out = config_setting_get_bool(s);
		return 0;
	default:
		return -1;
	}
}

/*
 * Outside a worker (a probe's create()) nothing may report: these answer
 * nothing. worker.c replaces them with the ones that reach the master.
 */
static void
h_report(struct rdd_check *c, const char *target, enum rdd_state st,
    const char *msg, const struct rdd_metric *mv, size_t nm)
{
	(void)c, (void)target, (void)st, (void)msg, (void)mv, (void)nm;
}

static void
h_report_bounds(struct rdd_check *c, const char *target, enum rdd_state st,
    const char *msg, const struct rdd_metric *mv,
    const struct rdd_metric_bounds *bv, size_t nm)
{
	(void)c, (void)target, (void)st, (void)msg, (void)mv, (void)bv;
	(void)nm;
}

static void
h_check_done(struct rdd_check *c)
{
	(void)c;
}

static void
h_recovery_done(struct rdd_recovery *r, int ok, const char *msg)
{
	(void)r, (void)ok, (void)msg;
}

static void
h_push(struct rdd_monitor *rm, const char *target, enum rdd_state st,
    const char *msg)
{
	(void)rm, (void)target, (void)st, (void)msg;
}

static void
h_journal(struct rdd_monitor *rm, const char *event, const char *target,
    const char *msg)
{
	journal_write(event, ((struct monitor *)rm)->cm->name, target, msg, -1);
}

static const char *
h_state_get(struct rdd_monitor *rm, const char *key)
{
	struct monitor *m = (struct monitor *)rm;

	return m->d->state ? state_get(m->d->state, m->cm->name, key) : NULL;
}

static void
h_state_set(struct rdd_monitor *rm, const char *key, const char *value)
{
	(void)rm, (void)key, (void)value;
}

static void
h_command_done(struct rdd_command *c, int ok, const char *text)
{
	(void)c, (void)ok, (void)text;
}


/*
 * A one-shot handle is gone before its callback runs (the callback may
 * start another); what the callback needs is copied out first.
 */
static struct monitor *
hostapi_tramp_done(struct hcb *t, struct hcb *copy)
{
	struct monitor *m = t->m;
	size_t i;

	*copy = *t;
	if (hostapi_handle_find(m->d, t->h->id, &i))
		hostapi_handle_free(m->d, i);
	return m;
}

static void
hostapi_child_tramp(void *arg, const struct rdd_child_result *res)
{
	struct hcb t;
	struct monitor *m = hostapi_tramp_done(arg, &t);
	struct wk_save save;
	uint64_t rid = m->d->in_recovery;

	worker_cb_enter(m, WK_CB_CHILD, t.in_check, &save);
	m->d->in_recovery = t.rid; /* a ladder's next rung is its action's */
	t.cb.child(t.arg, res);
	m->d->in_recovery = rid;
	worker_cb_leave(m, &save);
}

static void
hostapi_http_tramp(void *arg, const struct rdd_http_response *res)
{
	struct hcb t;
	struct monitor *m = hostapi_tramp_done(arg, &t);
	struct wk_save save;

	worker_cb_enter(m, WK_CB_HTTP, t.in_check, &save);
	t.cb.http(t.arg, res);
	worker_cb_leave(m, &save);
}

static void
hostapi_watch_tramp(void *arg, const char *path)
{
	struct hcb *t = arg;
	struct wk_save save;

	/* A watch outlives the check that may have made it: no check's. */
	worker_cb_enter(t->m, WK_CB_WATCH, 0, &save);
	t->cb.watch(t->arg, path);
	worker_cb_leave(t->m, &save);
}

/* The event of the recover() callback running now (worker.c sets it). */
static char **hostapi_event_env;

void
hostapi_set_event_env(const char *const *env)
{
	size_t i, n = 0;

	if (hostapi_event_env != NULL) {
		for (i = 0; hostapi_event_env[i] != NULL; i++)
			free(hostapi_event_env[i]);
		free(hostapi_event_env);
		hostapi_event_env = NULL;
	}
	if (env == NULL)
		return;
	while (env[n] != NULL)
		n++;
	if ((hostapi_event_env = calloc(n + 1, sizeof(char *))) == NULL)
		return;
	for (i = 0; i < n; i++)
		if ((hostapi_event_env[i] = strdup(env[i])) == NULL)
			break;
}

/*
 * The spec's env with the event's RDD_* entries added (the spec's own
 * win), or NULL when no event is set. The strings stay the callers'.
 */
static const char **
hostapi_env_with_event(const struct rdd_child_spec *spec)
{
	const char **v;
	size_t n = 0, e = 0, i, k;

	if (hostapi_event_env == NULL)
		return NULL;
	while (spec->env != NULL && spec->env[n] != NULL)
		n++;
	while (hostapi_event_env[e] != NULL)
		e++;
	if ((v = calloc(n + e + 1, sizeof(*v))) == NULL)
		return NULL;
	for (k = 0; k < e; k++)
		v[k] = hostapi_event_env[k];
	for (i = 0; i < n; i++)
		v[k++] = spec->env[i];
	return v;
}

/*
 * Children and transfers: the service does the work; a handle of ours
 * carries the owner and the trampoline that names the callback.
 * A check's child must leave nothing behind: its group dies with it. A
 * recovery's may start a long-lived program, so its group is left alone.
 */
static uint64_t
h_child_run(struct rdd_monitor *rm, const struct rdd_child_spec *spec,
    rdd_child_cb cb, void *arg)
{
	struct monitor *m = (struct monitor *)rm;
	struct rdd_child_spec es;
	const char **env;
	struct handle *h;
	unsigned flags;

	if (spec == NULL || spec->argv == NULL || spec->argv[0] == NULL ||
	    cb == NULL || (h = hostapi_handle_new(m, H_CHILD)) == NULL)
		return 0;
	h->t.h = h;
	h->t.m = m;
	h->t.in_check = h->in_check;
	h->t.rid = m->d->in_recovery;
	h->t.cb.child = cb;
	h->t.arg = arg;
	flags = h->in_check ? SVC_CHILD_KILL_GROUP : 0;
	/* A recovery command learns its event from RDD_* variables. */
	if ((env = hostapi_env_with_event(spec)) != NULL) {
		es = *spec;
		es.env = env;
		spec = &es;
	}
	svc_child_set_tag(m->d->child, m->d->in_recovery);
	h->svc = svc_child_run_flags(m->d->child, m, spec, flags,
	    hostapi_child_tramp, &h->t);
	svc_child_set_tag(m->d->child, 0);
	free(env);
	if (h->svc == 0) {
		hostapi_handle_drop(m->d, h->id);
		return 0;
	}
	return h->id;
}

static void
h_svc_cancel(struct rdd_monitor *rm, uint64_t id, enum handle_kind kind)
{
	struct rdd_daemon *d = rm ? ((struct monitor *)rm)->d : NULL;
	size_t i;
	struct handle *h = d ? hostapi_handle_find(d, id, &i) : NULL;

	if (h == NULL || h->kind != kind)
		return;
	/* Timers and fd watches are the handle's own event, freed with it. */
	if (kind == H_CHILD)
		svc_child_cancel(d->child, h->svc);
	else if (kind == H_HTTP)
		svc_http_cancel(d->http, h->svc);
	else if (kind == H_WATCH)
		svc_watch_del(d->watch, h->svc);
	hostapi_handle_free(d, i);
}

static void
h_child_cancel(struct rdd_monitor *rm, uint64_t h)
{
	h_svc_cancel(rm, h, H_CHILD);
}

static uint64_t
h_http(struct rdd_monitor *rm, const struct rdd_http_request *req,
    rdd_http_cb cb, void *arg)
{
	struct monitor *m = (struct monitor *)rm;
	struct handle *h;

	if (req == NULL || req->url == NULL || cb == NULL ||
	    (h = hostapi_handle_new(m, H_HTTP)) == NULL)
		return 0;
	h->t.h = h;
	h->t.m = m;
	h->t.in_check = h->in_check;
	h->t.cb.http = cb;
	h->t.arg = arg;
	if ((h->svc = svc_http_request(m->d->http, m, req, hostapi_http_tramp,
		 &h->t)) == 0) {
		hostapi_handle_drop(m->d, h->id);
		return 0;
	}
	return h->id;
}

static void
h_http_cancel(struct rdd_monitor *rm, uint64_t h)
{
	h_svc_cancel(rm, h, H_HTTP);
}

static void
hostapi_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct handle *h = arg;
	struct rdd_daemon *d = h->m->d;
	size_t i;
	rdd_timer_cb cb = h->cb.timer;
	void *cbarg = h->arg;
	/* A one-shot timer continues the work that set it; a periodic one
	 * outlives any one check. */
	int in_check = h->repeat ? 0 : h->in_check;
	struct monitor *m = h->m;
	struct wk_save save;

	/* A one-shot timer is gone before its callback may add another. */
	if (!h->repeat && hostapi_handle_find(d, h->id, &i))
		hostapi_handle_free(d, i);
	worker_cb_enter(m, WK_CB_TIMER, in_check, &save);
	cb(cbarg);
	worker_cb_leave(m, &save);
}

static uint64_t
h_timer_add(struct rdd_monitor *rm, int64_t ms, int repeat, rdd_timer_cb cb,
    void *arg)
{
	struct monitor *m = (struct monitor *)rm;
	struct handle *h;
	struct timeval tv;

	if (cb == NULL || ms < 0 || (h = hostapi_handle_new(m, H_TIMER)) == NULL)
		return 0;
	h->repeat = repeat;
	h->cb.timer = cb;
	h->arg = arg;
	h->ev = event_new(m->d->base, -1, repeat ? EV_PERSIST : 0,
	    hostapi_timer_cb, h);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (h->ev == NULL || event_add(h->ev, &tv) != 0) {
		hostapi_handle_drop(m->d, h->id);
		return 0;
	}
	return h->id;
}

static void
h_timer_del(struct rdd_monitor *rm, uint64_t id)
{
	h_svc_cancel(rm, id, H_TIMER);
}

static void
hostapi_fd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct handle *h = arg;
	int ev = 0;

	if (what & EV_READ)
		ev |= RDD_FD_READ;
	if (what & EV_WRITE)
		ev |= RDD_FD_WRITE;
	{
		struct monitor *m = h->m;
		struct wk_save save;

		/* The callback may unwatch, freeing h. */
		worker_cb_enter(m, WK_CB_FD, 0, &save);
		h->cb.fd(fd, ev, h->arg);
		worker_cb_leave(m, &save);
	}
}

static uint64_t
h_fd_watch(struct rdd_monitor *rm, int fd, int events, rdd_fd_cb cb,
    void *arg)
{
	struct monitor *m = (struct monitor *)rm;
	struct handle *h;
	short what = EV_PERSIST;

	if (cb == NULL || fd < 0 || (h = hostapi_handle_new(m, H_FD)) == NULL)
		return 0;
	if (events & RDD_FD_READ)
		what |= EV_READ;
	if (events & RDD_FD_WRITE)
		what |= EV_WRITE;
	h->cb.fd = cb;
	h->arg = arg;
	h->ev = event_new(m->d->base, fd, what, hostapi_fd_cb, h);
	if (h->ev == NULL || event_add(h->ev, NULL) != 0) {
		hostapi_handle_drop(m->d, h->id);
		return 0;
	}
	return h->id;
}

static void
h_fd_unwatch(struct rdd_monitor *rm, uint64_t id)
{
	h_svc_cancel(rm, id, H_FD);
}

static uint64_t
h_watch_add(struct rdd_monitor *rm, const char *path, rdd_watch_cb cb,
    void *arg)
{
	struct monitor *m = (struct monitor *)rm;
	struct handle *h;

	if (path == NULL || cb == NULL ||
	    (h = hostapi_handle_new(m, H_WATCH)) == NULL)
		return 0;
	h->repeat = 1;
	h->t.h = h;
	h->t.m = m;
	h->t.cb.watch = cb;
	h->t.arg = arg;
	if ((h->svc = svc_watch_add(m->d->watch, m, path, hostapi_watch_tramp,
		 &h->t)) == 0) {
		hostapi_handle_drop(m->d, h->id);
		return 0;
	}
	return h->id;
}

static void
h_watch_del(struct rdd_monitor *rm, uint64_t h)
{
	h_svc_cancel(rm, h, H_WATCH);
}

/*
 * host->post: the one function other threads may call. A mutex-guarded
 * FIFO and a pipe whose read end wakes the loop; callbacks run there.
 */
struct hpost_item {
	struct hpost_item *next;
	struct monitor *m;
	rdd_timer_cb cb;
	void *arg;
};

struct hpost {
	pthread_mutex_t mu;
	int fd[2];
	struct event *ev;
	struct hpost_item *head, *tail;
};

static void
hostapi_post_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hpost *p = arg;
	struct hpost_item *list, *it;
	char buf[256];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&p->mu);
	list = p->head;
	p->head = p->tail = NULL;
	pthread_mutex_unlock(&p->mu);
	while ((it = list) != NULL) {
		struct wk_save save;

		list = it->next;
		if (it->m != NULL) {
			worker_cb_enter(it->m, WK_CB_POST, 0, &save);
			it->cb(it->arg);
			worker_cb_leave(it->m, &save);
		}
		free(it);
	}
}

static int
h_post(struct rdd_monitor *rm, rdd_timer_cb cb, void *arg)
{
	struct monitor *m = (struct monitor *)rm;
	struct hpost *p;
	struct hpost_item *it;

	if (m == NULL || cb == NULL || (p = m->d->post) == NULL) {
		errno = EINVAL;
		return -1;
	}
	if ((it = calloc(1, sizeof(*it))) == NULL)
		return -1;
	it->m = m;
	it->cb = cb;
	it->arg = arg;
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = it;
	else
		p->head = it;
	p->tail = it;
	pthread_mutex_unlock(&p->mu);
	/* A full pipe already means "wake up". */
	if (write(p->fd[1], "", 1) == -1 && errno != EAGAIN)
		return -1;
	return 0;
}

/* Made by the worker once its loop exists; probes have no post. */
int
hostapi_post_init(struct rdd_daemon *d)
{
	struct hpost *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -1;
	if (pipe2(p->fd, O_CLOEXEC | O_NONBLOCK) == -1) {
		free(p);
		return -1;
	}
	pthread_mutex_init(&p->mu, NULL);
	p->ev = event_new(d->base, p->fd[0], EV_READ | EV_PERSIST,
	    hostapi_post_cb, p);
	if (p->ev == NULL || event_add(p->ev, NULL) != 0) {
		if (p->ev)
			event_free(p->ev);
		close(p->fd[0]);
		close(p->fd[1]);
		free(p);
		return -1;
	}
	d->post = p;
	return 0;
}

static void
hostapi_post_drop(struct rdd_daemon *d, struct monitor *m)
{
	struct hpost *p = d->post;
	struct hpost_item *it;

	if (p == NULL)
		return;
	/* After stop() nothing posted runs; items stay owned by the queue. */
	pthread_mutex_lock(&p->mu);
	for (it = p->head; it != NULL; it = it->next)
		if (m == NULL || it->m == m)
			it->m = NULL;
	pthread_mutex_unlock(&p->mu);
}

static void
hostapi_post_free(struct rdd_daemon *d)
{
	struct hpost *p = d->post;
	struct hpost_item *it;

	if (p == NULL)
		return;
	event_free(p->ev);
	close(p->fd[0]);
	close(p->fd[1]);
	while ((it = p->head) != NULL) {
		p->head = it->next;
		free(it);
	}
	pthread_mutex_destroy(&p->mu);
	free(p);
	d->post = NULL;
}

void
hostapi_init(struct rdd_daemon *d)
{
	struct rdd_host *h = &d->host;

	memset(h, 0, sizeof(*h));
	h->size = sizeof(*h);
	h->abi_major = RDD_ABI_MAJOR;
	h->abi_minor = RDD_ABI_MINOR;
	h->log = h_log;
	h->monitor_name = h_monitor_name;
	h->state_dir = h_state_dir;
	h->secret = h_secret;
	h->group_count = h_group_count;
	h->group_elem = h_group_elem;
	h->group_string = h_group_string;
	h->group_int = h_group_int;
	h->report = h_report;
	h->check_done = h_check_done;
	h->recovery_done = h_recovery_done;
	h->push = h_push;
	h->journal = h_journal;
	h->state_get = h_state_get;
	h->state_set = h_state_set;
	h->child_run = h_child_run;
	h->child_cancel = h_child_cancel;
	h->http = h_http;
	h->http_cancel = h_http_cancel;
	h->http_header = svc_http_header;
	h->timer_add = h_timer_add;
	h->timer_del = h_timer_del;
	h->fd_watch = h_fd_watch;
	h->fd_unwatch = h_fd_unwatch;
	h->watch_add = h_watch_add;
	h->watch_del = h_watch_del;
	h->command_done = h_command_done;
	h->post = h_post;
	h->read_only = h_read_only;
	h->report_bounds = h_report_bounds;
	h->stopping_for_good = h_stopping_for_good;
}

void
hostapi_release_owner(struct rdd_daemon *d, struct monitor *m)
{
	size_t i;

	for (i = 0; i < d->nhandles;) {
		if (d->handles[i]->m == m) {
			hostapi_handle_free(d, i);
			continue;
		}
		i++;
	}
	if (d->child)
		svc_child_cancel_owner(d->child, m);
	if (d->http)
		svc_http_cancel_owner(d->http, m);
	if (d->watch)
		svc_watch_del_owner(d->watch, m);
	hostapi_post_drop(d, m);
}

void
hostapi_free(struct rdd_daemon *d)
{
	while (d->nhandles > 0)
		hostapi_handle_free(d, d->nhandles - 1);
	free(d->handles);
	d->handles = NULL;
	hostapi_post_free(d);
}
