/*
 * mock_host.c: the recording fake of struct rdd_host used by plugin unit
 * tests, with config filling from a plugin's option table; see mock_host.h.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock_host.h"

#define MOCK_MAGIC_CHILD 0x4d434844u
#define MOCK_MAGIC_HTTP 0x4d485450u
#define MOCK_MAGIC_TIMER 0x4d544d52u
#define MOCK_MAGIC_FD 0x4d464421u
#define MOCK_MAGIC_WATCH 0x4d575443u
#define MOCK_MAGIC_GROUP 0x4d475250u

/*
 * The SDK's opaque handles, defined here: the plugin only ever holds
 * pointers to them. `gen` ties a handle to one mock_host_reset epoch.
 */
struct rdd_monitor {
	struct mock_host *mh;
};

struct rdd_check {
	struct mock_host *mh;
	unsigned gen;
	int id;
	int done;
};

struct rdd_recovery {
	struct mock_host *mh;
	unsigned gen;
	int id;
};

struct rdd_command {
	struct mock_host *mh;
	unsigned gen;
	int id;
};

enum mock_gkind {
	MG_STRING,
	MG_INT,
	MG_FLOAT,
	MG_BOOL,
	MG_ARRAY,
	MG_LIST,
	MG_GROUP,
};

struct mock_group {
	uint32_t magic;
	enum mock_gkind kind;
	char *name; /* member name inside a group */
	char *str;  /* MG_STRING value */
	int64_t i;
	double d;
	struct mock_group **elems;
	int n;
};

struct mock_arena_item {
	void *p;
	void (*free)(void *);
};

static unsigned
mock_gen(const struct mock_host *mh)
{
	return mh->epoch;
}

static void *
mock_xmalloc(size_t n)
{
	void *p = calloc(1, n == 0 ? 1 : n);

	if (p == NULL)
		abort();
	return p;
}

static void *
mock_grow(void *v, size_t n, size_t size)
{
	void *p = realloc(v, (n + 1) * size);

	if (p == NULL)
		abort();
	memset((char *)p + n * size, 0, size);
	return p;
}

static char *
mock_strdup(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		abort();
	return d;
}

static char *
mock_memdup(const char *s, size_t n)
{
	char *d = mock_xmalloc(n + 1);

	if (n > 0)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char **
mock_strv_dup(const char *const *v, size_t *np)
{
	char **d;
	size_t n = 0, i;

	if (v == NULL) {
		if (np != NULL)
			*np = 0;
		return NULL;
	}
	while (v[n] != NULL)
		n++;
	d = mock_xmalloc((n + 1) * sizeof(*d));
	for (i = 0; i < n; i++)
		d[i] = mock_strdup(v[i]);
	if (np != NULL)
		*np = n;
	return d;
}

static void
mock_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void mock_violation(struct mock_host *mh, const char *fmt, ...)
    RDD_PRINTF(2, 3);

static void
mock_violation(struct mock_host *mh, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mh->violation, sizeof(mh->violation), fmt, ap);
	va_end(ap);
	mh->violations++;
	if (getenv("MOCK_HOST_VERBOSE") != NULL)
		fprintf(stderr, "mock_host: violation: %s\n", mh->violation);
}

static void
mock_arena_add(struct mock_host *mh, void *p, void (*fn)(void *))
{
	struct mock_arena_item *a;

	mh->arena = mock_grow(mh->arena, mh->narena, sizeof(*a));
	a = (struct mock_arena_item *)(void *)mh->arena;
	a[mh->narena].p = p;
	a[mh->narena].free = fn;
	mh->narena++;
}

static void
mock_graveyard_add(struct mock_host *mh, void *p, void (*fn)(void *))
{
	struct mock_arena_item *a;

	mh->graveyard = mock_grow(mh->graveyard, mh->ngraveyard, sizeof(*a));
	a = (struct mock_arena_item *)(void *)mh->graveyard;
	a[mh->ngraveyard].p = p;
	a[mh->ngraveyard].free = fn;
	mh->ngraveyard++;
}

/* Host functions. */

/*
 * Every host function but post belongs to the loop thread. A call from
 * another thread would race with the test's own use of mh, so it is
 * stopped here with a message rather than counted as a violation.
 */
static void
mock_loop_thread(const struct mock_host *mh, const char *fn)
{
	if (!pthread_equal(pthread_self(), mh->loop_thread)) {
		fprintf(stderr,
		    "mock_host: %s called from a thread other than the loop "
		    "thread: only host->post may be (see rdd_plugin.h)\n",
		    fn);
		abort();
	}
}

static struct mock_host *
mock_mon(struct rdd_monitor *m, const char *fn)
{
	if (m == NULL || m->mh == NULL || m->mh->mon != m) {
		/* Nowhere to record it: this is a plugin bug worth a crash. */
		fprintf(
		    stderr, "mock_host: %s: not a mock monitor handle\n", fn);
		abort();
	}
	mock_loop_thread(m->mh, fn);
	return m->mh;
}

static void
mock_log_fn(struct rdd_monitor *m, enum rdd_log_level lvl, const char *fmt, ...)
{
	struct mock_host *mh = mock_mon(m, "log");
	va_list ap, aq;
	int n;
	char *text;

	va_start(ap, fmt);
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	text = mock_xmalloc(n < 0 ? 1 : (size_t)n + 1);
	if (n > 0)
		vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	mh->logs = mock_grow(mh->logs, mh->nlogs, sizeof(*mh->logs));
	mh->logs[mh->nlogs].level = lvl;
	mh->logs[mh->nlogs].text = text;
	mh->nlogs++;
	if (getenv("MOCK_HOST_VERBOSE") != NULL)
		fprintf(stderr, "mock_host: log %d: %s\n", (int)lvl, text);
}

static const char *
mock_monitor_name(struct rdd_monitor *m)
{
	return mock_mon(m, "monitor_name")->name;
}

static const char *
mock_state_dir(struct rdd_monitor *m)
{
	return mock_mon(m, "state_dir")->state_dir;
}

static char *
mock_secret(struct rdd_monitor *m, const char *env_name, const char *file,
    char *err, size_t errlen)
{
	struct mock_host *mh = mock_mon(m, "secret");
	size_t i;

	mh->secret_calls++;
	for (i = 0; i < mh->nsecrets; i++) {
		if (env_name != NULL &&
		    strcmp(mh->secrets[i].key, env_name) == 0)
			return mock_strdup(mh->secrets[i].value);
	}
	for (i = 0; i < mh->nsecrets; i++) {
		if (file != NULL && strcmp(mh->secrets[i].key, file) == 0)
			return mock_strdup(mh->secrets[i].value);
	}
	snprintf(err, errlen,
	    "secret not found: environment variable %s, "
	    "file %s: set one of them",
	    env_name != NULL ? env_name : "(none)",
	    file != NULL ? file : "(none)");
	return NULL;
}

static const struct mock_group *
mock_group_cast(const void *g)
{
	const struct mock_group *mg = g;

	if (mg == NULL || mg->magic != MOCK_MAGIC_GROUP)
		return NULL;
	return mg;
}

static int
mock_group_count(const void *group)
{
	const struct mock_group *g = mock_group_cast(group);

	if (g == NULL)
		return 0;
	return g->kind == MG_ARRAY || g->kind == MG_LIST || g->kind == MG_GROUP
	           ? g->n
	           : 0;
}

static const void *
mock_group_elem(const void *group, int i)
{
	const struct mock_group *g = mock_group_cast(group);

	if (g == NULL || i < 0 || i >= mock_group_count(g))
		return NULL;
	return g->elems[i];
}

/* name NULL: g itself; else the member of group g called name. */
static const struct mock_group *
mock_group_member(const void *group, const char *name)
{
	const struct mock_group *g = mock_group_cast(group);
	int i;

	if (g == NULL || name == NULL)
		return g;
	if (g->kind != MG_GROUP)
		return NULL;
	for (i = 0; i < g->n; i++) {
		if (g->elems[i]->name != NULL &&
		    strcmp(g->elems[i]->name, name) == 0)
			return g->elems[i];
	}
	return NULL;
}

static const char *
mock_group_string(const void *group, const char *name)
{
	const struct mock_group *g = mock_group_member(group, name);

	return g != NULL && g->kind == MG_STRING ? g->str : NULL;
}

static int
mock_group_int(const void *group, const char *name, int64_t *out)
{
	const struct mock_group *g = mock_group_member(group, name);

	if (g == NULL || (g->kind != MG_INT && g->kind != MG_BOOL))
		return -1;
	*out = g->i;
	return 0;
}

static int
mock_check_ok(struct rdd_check *c, const char *fn)
{
	if (c == NULL || c->mh == NULL) {
		fprintf(stderr, "mock_host: %s: not a mock check handle\n", fn);
		abort();
	}
	mock_loop_thread(c->mh, fn);
	if (c->gen != mock_gen(c->mh)) {
		mock_violation(
		    c->mh, "%s: check handle from before a reset", fn);
		return 0;
	}
	if (c->done) {
		mock_violation(c->mh, "%s: check %d already done", fn, c->id);
		return 0;
	}
	return 1;
}

static void
mock_record_report(struct mock_host *mh, int check, const char *target,
    enum rdd_state st, const char *msg, const struct rdd_metric *m,
    const struct rdd_metric_bounds *b, size_t nm)
{
	struct mock_report *r;
	size_t i;

	mh->reports = mock_grow(mh->reports, mh->nreports, sizeof(*r));
	r = &mh->reports[mh->nreports++];
	r->check = check;
	r->target = mock_strdup(target);
	r->state = st;
	r->msg = mock_strdup(msg);
	r->nmetrics = m != NULL ? nm : 0;
	if (r->nmetrics > 0) {
		r->metrics = mock_xmalloc(nm * sizeof(*r->metrics));
		for (i = 0; i < nm; i++) {
			r->metrics[i].name = mock_strdup(m[i].name);
			r->metrics[i].value = m[i].value;
			r->metrics[i].unit = mock_strdup(m[i].unit);
			r->metrics[i].has_bounds = b != NULL;
			if (b != NULL)
				r->metrics[i].bounds = b[i];
		}
	}
}

static void
mock_report_fn(struct rdd_check *c, const char *target, enum rdd_state st,
    const char *msg, const struct rdd_metric *m, size_t nm)
{
	if (!mock_check_ok(c, "report"))
		return;
	if (target == NULL)
		mock_violation(c->mh, "report: target is NULL");
	mock_record_report(c->mh, c->id, target, st, msg, m, NULL, nm);
}

static void
mock_report_bounds_fn(struct rdd_check *c, const char *target,
    enum rdd_state st, const char *msg, const struct rdd_metric *m,
    const struct rdd_metric_bounds *b, size_t nm)
{
	if (!mock_check_ok(c, "report_bounds"))
		return;
	if (target == NULL)
		mock_violation(c->mh, "report_bounds: target is NULL");
	mock_record_report(c->mh, c->id, target, st, msg, m, b, nm);
}

static void
mock_check_done(struct rdd_check *c)
{
	if (!mock_check_ok(c, "check_done"))
		return;
	c->done = 1;
	c->mh->checks_done++;
}

static void
mock_recovery_done(struct rdd_recovery *r, int ok, const char *msg)
{
	struct mock_host *mh;
	struct mock_recovery *rec;

	if (r == NULL || r->mh == NULL) {
		fprintf(stderr, "mock_host: recovery_done: bad handle\n");
		abort();
	}
	mh = r->mh;
	mock_loop_thread(mh, "recovery_done");
	if (r->gen != mock_gen(mh)) {
		mock_violation(mh, "recovery_done: handle from before a reset");
		return;
	}
	rec = &mh->recoveries[r->id];
	if (rec->done++ > 0) {
		mock_violation(
		    mh, "recovery_done: recovery %d already done", r->id);
		return;
	}
	rec->ok = ok;
	rec->msg = mock_strdup(msg);
}

static void
mock_push(struct rdd_monitor *m, const char *target, enum rdd_state st,
    const char *msg)
{
	mock_record_report(
	    mock_mon(m, "push"), -1, target, st, msg, NULL, NULL, 0);
}

static void
mock_journal_fn(struct rdd_monitor *m, const char *event, const char *target,
    const char *msg)
{
	struct mock_host *mh = mock_mon(m, "journal");
	struct mock_journal *j;

	mh->journal = mock_grow(mh->journal, mh->njournal, sizeof(*j));
	j = &mh->journal[mh->njournal++];
	j->event = mock_strdup(event);
	j->target = mock_strdup(target);
	j->msg = mock_strdup(msg);
}

static const char *
mock_state_get(struct rdd_monitor *m, const char *key)
{
	struct mock_host *mh = mock_mon(m, "state_get");
	size_t i;

	for (i = 0; i < mh->nstate; i++) {
		if (strcmp(mh->state[i].key, key) == 0)
			return mh->state[i].value;
	}
	return NULL;
}

static void
mock_state_set(struct rdd_monitor *m, const char *key, const char *value)
{
	struct mock_host *mh = mock_mon(m, "state_set");
	size_t i;

	for (i = 0; i < mh->nstate; i++) {
		if (strcmp(mh->state[i].key, key) == 0) {
			free(mh->state[i].value);
			mh->state[i].value = mock_strdup(value);
			return;
		}
	}
	mh->state = mock_grow(mh->state, mh->nstate, sizeof(*mh->state));
	mh->state[mh->nstate].key = mock_strdup(key);
	mh->state[mh->nstate].value = mock_strdup(value);
	mh->nstate++;
}

static char *
mock_join(char *const *argv)
{
	size_t len = 1, i;
	char *s;

	for (i = 0; argv != NULL && argv[i] != NULL; i++)
		len += strlen(argv[i]) + 1;
	s = mock_xmalloc(len);
	for (i = 0; argv != NULL && argv[i] != NULL; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static uint64_t
mock_child_run(struct rdd_monitor *m, const struct rdd_child_spec *spec,
    rdd_child_cb cb, void *arg)
{
	struct mock_host *mh = mock_mon(m, "child_run");
	struct mock_child *ch;

	if (spec == NULL || spec->argv == NULL || spec->argv[0] == NULL) {
		mock_violation(mh, "child_run: no argv");
		return 0;
	}
	if (mh->refuse_children)
		return 0;
	ch = mock_xmalloc(sizeof(*ch));
	ch->magic = MOCK_MAGIC_CHILD;
	ch->mh = mh;
	ch->status = MOCK_PENDING;
	ch->argv = mock_strv_dup(spec->argv, &ch->argc);
	ch->cmdline = mock_join(ch->argv);
	ch->env = mock_strv_dup(spec->env, NULL);
	ch->cwd = mock_strdup(spec->cwd);
	ch->timeout_ms = spec->timeout_ms;
	ch->output_cap = spec->output_cap;
	if (spec->input != NULL) {
		ch->input = mock_memdup(spec->input, spec->input_len);
		ch->input_len = spec->input_len;
	}
	ch->cb = cb;
	ch->arg = arg;
	mh->children = mock_grow(mh->children, mh->nchildren, sizeof(ch));
	mh->children[mh->nchildren++] = ch;
	return (uint64_t)(uintptr_t)ch;
}

static void
mock_child_cancel(struct rdd_monitor *m, uint64_t h)
{
	struct mock_host *mh = mock_mon(m, "child_cancel");
	struct mock_child *ch = (struct mock_child *)(uintptr_t)h;

	if (h == 0) {
		mock_violation(mh, "child_cancel: handle 0");
		return;
	}
	if (ch->magic != MOCK_MAGIC_CHILD || ch->mh != mh) {
		mock_violation(
		    mh, "child_cancel: not a handle of this monitor");
		return;
	}
	if (ch->status == MOCK_PENDING)
		ch->status = MOCK_CANCELLED;
}

static uint64_t
mock_http_fn(struct rdd_monitor *m, const struct rdd_http_request *req,
    rdd_http_cb cb, void *arg)
{
	struct mock_host *mh = mock_mon(m, "http");
	struct mock_http *hr;

	if (req == NULL || req->url == NULL) {
		mock_violation(mh, "http: no url");
		return 0;
	}
	if (mh->refuse_http)
		return 0;
	hr = mock_xmalloc(sizeof(*hr));
	hr->magic = MOCK_MAGIC_HTTP;
	hr->mh = mh;
	hr->status = MOCK_PENDING;
	hr->method = mock_strdup(req->method != NULL ? req->method : "GET");
	hr->url = mock_strdup(req->url);
	hr->headers = mock_strv_dup(req->headers, &hr->nheaders);
	if (req->body != NULL) {
		hr->body = mock_memdup(req->body, req->body_len);
		hr->body_len = req->body_len;
	}
	hr->timeout_ms = req->timeout_ms;
	hr->max_response = req->max_response;
	hr->unix_socket = mock_strdup(req->unix_socket);
	hr->cb = cb;
	hr->arg = arg;
	mh->https = mock_grow(mh->https, mh->nhttps, sizeof(hr));
	mh->https[mh->nhttps++] = hr;
	return (uint64_t)(uintptr_t)hr;
}

static void
mock_http_cancel(struct rdd_monitor *m, uint64_t h)
{
	struct mock_host *mh = mock_mon(m, "http_cancel");
	struct mock_http *hr = (struct mock_http *)(uintptr_t)h;

	if (h == 0) {
		mock_violation(mh, "http_cancel: handle 0");
		return;
	}
	if (hr->magic != MOCK_MAGIC_HTTP || hr->mh != mh) {
		mock_violation(mh, "http_cancel: not a handle of this monitor");
		return;
	}
	if (hr->status == MOCK_PENDING)
		hr->status = MOCK_CANCELLED;
}

static const char *
mock_http_header(const struct rdd_http_response *res, const char *name,
    char *buf, size_t buflen)
{
	const char *p, *eol, *colon, *v, *ve;
	size_t nlen, n;

	if (res == NULL || res->headers == NULL || name == NULL || buflen == 0)
		return NULL;
	nlen = strlen(name);
	for (p = res->headers; *p != '\0'; p = *eol != '\0' ? eol + 1 : eol) {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL || (size_t)(colon - p) != nlen ||
		    strncasecmp(p, name, nlen) != 0)
			continue;
		v = colon + 1;
		ve = eol;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
			ve--;
		n = (size_t)(ve - v);
		if (n >= buflen)
			n = buflen - 1;
		memcpy(buf, v, n);
		buf[n] = '\0';
		return buf;
	}
	return NULL;
}

static uint64_t
mock_timer_add(
    struct rdd_monitor *m, int64_t ms, int repeat, rdd_timer_cb cb, void *arg)
{
	struct mock_host *mh = mock_mon(m, "timer_add");
	struct mock_timer *t = mock_xmalloc(sizeof(*t));

	t->magic = MOCK_MAGIC_TIMER;
	t->mh = mh;
	t->active = 1;
	t->ms = ms;
	t->repeat = repeat;
	t->cb = cb;
	t->arg = arg;
	mh->timers = mock_grow(mh->timers, mh->ntimers, sizeof(t));
	mh->timers[mh->ntimers++] = t;
	return (uint64_t)(uintptr_t)t;
}

static void
mock_timer_del(struct rdd_monitor *m, uint64_t h)
{
	struct mock_host *mh = mock_mon(m, "timer_del");
	struct mock_timer *t = (struct mock_timer *)(uintptr_t)h;

	if (h == 0) {
		mock_violation(mh, "timer_del: handle 0");
		return;
	}
	if (t->magic != MOCK_MAGIC_TIMER || t->mh != mh) {
		mock_violation(mh, "timer_del: not a handle of this monitor");
		return;
	}
	t->active = 0;
}

static uint64_t
mock_fd_watch(
    struct rdd_monitor *m, int fd, int events, rdd_fd_cb cb, void *arg)
{
	struct mock_host *mh = mock_mon(m, "fd_watch");
	struct mock_fd *f = mock_xmalloc(sizeof(*f));

	f->magic = MOCK_MAGIC_FD;
	f->mh = mh;
	f->active = 1;
	f->fd = fd;
	f->events = events;
	f->cb = cb;
	f->arg = arg;
	mh->fds = mock_grow(mh->fds, mh->nfds, sizeof(f));
	mh->fds[mh->nfds++] = f;
	return (uint64_t)(uintptr_t)f;
}

static void
mock_fd_unwatch(struct rdd_monitor *m, uint64_t h)
{
	struct mock_host *mh = mock_mon(m, "fd_unwatch");
	struct mock_fd *f = (struct mock_fd *)(uintptr_t)h;

	if (h == 0) {
		mock_violation(mh, "fd_unwatch: handle 0");
		return;
	}
	if (f->magic != MOCK_MAGIC_FD || f->mh != mh) {
		mock_violation(mh, "fd_unwatch: not a handle of this monitor");
		return;
	}
	f->active = 0;
}

static uint64_t
mock_watch_add(
    struct rdd_monitor *m, const char *path, rdd_watch_cb cb, void *arg)
{
	struct mock_host *mh = mock_mon(m, "watch_add");
	struct mock_watch *w = mock_xmalloc(sizeof(*w));

	w->magic = MOCK_MAGIC_WATCH;
	w->mh = mh;
	w->active = 1;
	w->path = mock_strdup(path);
	w->cb = cb;
	w->arg = arg;
	mh->watches = mock_grow(mh->watches, mh->nwatches, sizeof(w));
	mh->watches[mh->nwatches++] = w;
	return (uint64_t)(uintptr_t)w;
}

static void
mock_watch_del(struct rdd_monitor *m, uint64_t h)
{
	struct mock_host *mh = mock_mon(m, "watch_del");
	struct mock_watch *w = (struct mock_watch *)(uintptr_t)h;

	if (h == 0) {
		mock_violation(mh, "watch_del: handle 0");
		return;
	}
	if (w->magic != MOCK_MAGIC_WATCH || w->mh != mh) {
		mock_violation(mh, "watch_del: not a handle of this monitor");
		return;
	}
	w->active = 0;
}

static void
mock_command_done(struct rdd_command *c, int ok, const char *text)
{
	struct mock_host *mh;
	struct mock_command *cmd;

	if (c == NULL || c->mh == NULL) {
		fprintf(stderr, "mock_host: command_done: bad handle\n");
		abort();
	}
	mh = c->mh;
	mock_loop_thread(mh, "command_done");
	if (c->gen != mock_gen(mh)) {
		mock_violation(mh, "command_done: handle from before a reset");
		return;
	}
	cmd = &mh->commands[c->id];
	if (cmd->done++ > 0) {
		mock_violation(
		    mh, "command_done: command %d already done", c->id);
		return;
	}
	cmd->ok = ok;
	cmd->text = mock_strdup(text);
}

/*
 * The one host function of any thread: queue under the lock and nothing
 * else, so it never touches what the loop thread reads without the lock.
 * m is checked without mock_mon, which insists on the loop thread.
 */
static int
mock_post_fn(struct rdd_monitor *m, rdd_timer_cb cb, void *arg)
{
	struct mock_host *mh;
	struct mock_post *q;

	if (m == NULL || m->mh == NULL || m->mh->mon != m) {
		fprintf(stderr, "mock_host: post: not a mock monitor handle\n");
		abort();
	}
	mh = m->mh;
	if (cb == NULL) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&mh->post_lock);
	if (mh->refuse_post) {
		pthread_mutex_unlock(&mh->post_lock);
		errno = ENOMEM;
		return -1;
	}
	if (mh->stopped) {
		/* As the daemon: dropped, though the caller may see 0. */
		mh->posts_dropped++;
		pthread_mutex_unlock(&mh->post_lock);
		return 0;
	}
	q = realloc(mh->postq, (mh->npostq + 1) * sizeof(*q));
	if (q == NULL) {
		pthread_mutex_unlock(&mh->post_lock);
		errno = ENOMEM;
		return -1;
	}
	mh->postq = q;
	q[mh->npostq].cb = cb;
	q[mh->npostq].arg = arg;
	mh->npostq++;
	mh->posts++;
	pthread_mutex_unlock(&mh->post_lock);
	return 0;
}

int
mock_post_run(struct mock_host *mh)
{
	struct mock_post *batch;
	size_t n, i;

	mock_loop_thread(mh, "mock_post_run");
	/* Take the whole queue, then call without the lock held. */
	pthread_mutex_lock(&mh->post_lock);
	batch = mh->postq;
	n = mh->npostq;
	mh->postq = NULL;
	mh->npostq = 0;
	pthread_mutex_unlock(&mh->post_lock);
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&mh->post_lock);
		if (mh->stopped) {
			/* A callback of this batch stopped the plugin. */
			mh->posts_dropped += (int)(n - i);
			pthread_mutex_unlock(&mh->post_lock);
			break;
		}
		mh->posts_run++;
		pthread_mutex_unlock(&mh->post_lock);
		batch[i].cb(batch[i].arg);
	}
	free(batch);
	return (int)i;
}

size_t
mock_post_pending(struct mock_host *mh)
{
	size_t n;

	pthread_mutex_lock(&mh->post_lock);
	n = mh->npostq;
	pthread_mutex_unlock(&mh->post_lock);
	return n;
}

int
mock_plugin_validate(struct mock_host *mh, const struct rdd_plugin *pd,
    const void *cfg, char *err, size_t errlen)
{
	int rc;

	mock_loop_thread(mh, "mock_plugin_validate");
	if (errlen > 0)
		err[0] = '\0';
	if (!RDD_PLUGIN_HAS(pd, validate) || pd->validate == NULL)
		return 0;
	rc = pd->validate(&mh->host, cfg, err, errlen);
	if (rc != 0 && errlen > 0 && err[0] == '\0')
		mock_violation(
		    mh, "validate: returned %d without a message", rc);
	return rc;
}

int
mock_plugin_start(struct mock_host *mh, const struct rdd_plugin *pd,
    void *ctx, char *err, size_t errlen)
{
	int rc = 0;

	mock_loop_thread(mh, "mock_plugin_start");
	if (errlen > 0)
		err[0] = '\0';
	pthread_mutex_lock(&mh->post_lock);
	mh->stopped = 0;
	pthread_mutex_unlock(&mh->post_lock);
	if (RDD_PLUGIN_HAS(pd, start_err) && pd->start_err != NULL) {
		rc = pd->start_err(ctx, err, errlen);
		if (rc != 0 && errlen > 0 && err[0] == '\0')
			mock_violation(mh,
			    "start_err: returned %d without a message", rc);
	} else if (pd->start != NULL) {
		rc = pd->start(ctx);
		if (rc != 0 && errlen > 0)
			snprintf(err, errlen, "start failed");
	}
	return rc;
}

void
mock_plugin_stop(struct mock_host *mh, const struct rdd_plugin *pd, void *ctx)
{
	mock_loop_thread(mh, "mock_plugin_stop");
	if (pd->stop != NULL)
		pd->stop(ctx);
	pthread_mutex_lock(&mh->post_lock);
	mh->stopped = 1;
	mh->posts_dropped += (int)mh->npostq;
	free(mh->postq);
	mh->postq = NULL;
	mh->npostq = 0;
	pthread_mutex_unlock(&mh->post_lock);
}

static int
mock_read_only(struct rdd_monitor *m)
{
	struct mock_host *mh = mock_mon(m, "read_only");

	return mh->read_only;
}

static int
mock_stopping_for_good(struct rdd_monitor *m)
{
	struct mock_host *mh = mock_mon(m, "stopping_for_good");

	return mh->stopping_for_good;
}

void
mock_host_set_minor(struct mock_host *mh, int minor)
{
	/* The host table of each minor: what it had, and its size. */
	static const size_t size[] = {RDD_HOST_SIZE_V1_0, RDD_HOST_SIZE_V1_1,
	    RDD_HOST_SIZE_V1_2, RDD_HOST_SIZE_V1_3};
	_Static_assert(sizeof(size) / sizeof(size[0]) == RDD_ABI_MINOR,
	    "a size for each older minor of this major");

	if (minor < 0 || minor >= RDD_ABI_MINOR)
		minor = RDD_ABI_MINOR;
	mh->host.size = minor < RDD_ABI_MINOR ? size[minor]
	                                      : sizeof(struct rdd_host);
	mh->host.abi_minor = minor;
	mh->host.post = minor >= 1 ? mock_post_fn : NULL;
	mh->host.read_only = minor >= 2 ? mock_read_only : NULL;
	mh->host.report_bounds = minor >= 3 ? mock_report_bounds_fn : NULL;
	mh->host.stopping_for_good = minor >= 4 ? mock_stopping_for_good : NULL;
}

/* Life cycle. */

void
mock_host_init(struct mock_host *mh, const char *name)
{
	memset(mh, 0, sizeof(*mh));
	mh->host.size = sizeof(struct rdd_host);
	mh->host.abi_major = RDD_ABI_MAJOR;
	mh->host.abi_minor = RDD_ABI_MINOR;
	mh->host.log = mock_log_fn;
	mh->host.monitor_name = mock_monitor_name;
	mh->host.state_dir = mock_state_dir;
	mh->host.read_only = mock_read_only;
	mh->host.secret = mock_secret;
	mh->host.group_count = mock_group_count;
	mh->host.group_elem = mock_group_elem;
	mh->host.group_string = mock_group_string;
	mh->host.group_int = mock_group_int;
	mh->host.report = mock_report_fn;
	mh->host.report_bounds = mock_report_bounds_fn;
	mh->host.stopping_for_good = mock_stopping_for_good;
	mh->host.check_done = mock_check_done;
	mh->host.recovery_done = mock_recovery_done;
	mh->host.push = mock_push;
	mh->host.journal = mock_journal_fn;
	mh->host.state_get = mock_state_get;
	mh->host.state_set = mock_state_set;
	mh->host.child_run = mock_child_run;
	mh->host.child_cancel = mock_child_cancel;
	mh->host.http = mock_http_fn;
	mh->host.http_cancel = mock_http_cancel;
	mh->host.http_header = mock_http_header;
	mh->host.timer_add = mock_timer_add;
	mh->host.timer_del = mock_timer_del;
	mh->host.fd_watch = mock_fd_watch;
	mh->host.fd_unwatch = mock_fd_unwatch;
	mh->host.watch_add = mock_watch_add;
	mh->host.watch_del = mock_watch_del;
	mh->host.command_done = mock_command_done;
	mh->host.post = mock_post_fn;
	mh->loop_thread = pthread_self();
	if (pthread_mutex_init(&mh->post_lock, NULL) != 0)
		abort();
	mh->name = mock_strdup(name != NULL ? name : "mock");
	mh->mon = mock_xmalloc(sizeof(*mh->mon));
	mh->mon->mh = mh;
}

static void
mock_child_free(void *p)
{
	struct mock_child *ch = p;

	mock_strv_free(ch->argv);
	mock_strv_free(ch->env);
	free(ch->cmdline);
	free(ch->cwd);
	free(ch->input);
	ch->magic = 0;
	free(ch);
}

static void
mock_http_free(void *p)
{
	struct mock_http *hr = p;

	free(hr->method);
	free(hr->url);
	mock_strv_free(hr->headers);
	free(hr->body);
	free(hr->unix_socket);
	hr->magic = 0;
	free(hr);
}

static void
mock_watch_free(void *p)
{
	struct mock_watch *w = p;

	free(w->path);
	w->magic = 0;
	free(w);
}

/*
 * Records the plugin may still hold handles to go to the graveyard, freed
 * by mock_host_free; plain records are freed now.
 */
static void
mock_clear(struct mock_host *mh)
{
	size_t i, j;

	for (i = 0; i < mh->nreports; i++) {
		free(mh->reports[i].target);
		free(mh->reports[i].msg);
		for (j = 0; j < mh->reports[i].nmetrics; j++) {
			free(mh->reports[i].metrics[j].name);
			free(mh->reports[i].metrics[j].unit);
		}
		free(mh->reports[i].metrics);
	}
	free(mh->reports);
	for (i = 0; i < mh->nrecoveries; i++)
		free(mh->recoveries[i].msg);
	free(mh->recoveries);
	for (i = 0; i < mh->ncommands; i++)
		free(mh->commands[i].text);
	free(mh->commands);
	for (i = 0; i < mh->nlogs; i++)
		free(mh->logs[i].text);
	free(mh->logs);
	for (i = 0; i < mh->njournal; i++) {
		free(mh->journal[i].event);
		free(mh->journal[i].target);
		free(mh->journal[i].msg);
	}
	free(mh->journal);

	for (i = 0; i < mh->nchildren; i++)
		mock_graveyard_add(mh, mh->children[i], mock_child_free);
	free(mh->children);
	for (i = 0; i < mh->nhttps; i++)
		mock_graveyard_add(mh, mh->https[i], mock_http_free);
	free(mh->https);
	for (i = 0; i < mh->ntimers; i++)
		mock_graveyard_add(mh, mh->timers[i], free);
	free(mh->timers);
	for (i = 0; i < mh->nfds; i++)
		mock_graveyard_add(mh, mh->fds[i], free);
	free(mh->fds);
	for (i = 0; i < mh->nwatches; i++)
		mock_graveyard_add(mh, mh->watches[i], mock_watch_free);
	free(mh->watches);
	for (i = 0; i < (size_t)mh->checks_started; i++)
		mock_graveyard_add(mh, mh->checkv[i], free);
	free(mh->checkv);
	for (i = 0; i < mh->nrecoveries; i++)
		mock_graveyard_add(mh, mh->recv[i], free);
	free(mh->recv);
	for (i = 0; i < mh->ncommands; i++)
		mock_graveyard_add(mh, mh->cmdv[i], free);
	free(mh->cmdv);
	mh->epoch++;

	mh->reports = NULL;
	mh->nreports = 0;
	mh->checks_started = mh->checks_done = 0;
	mh->recoveries = NULL;
	mh->nrecoveries = 0;
	mh->commands = NULL;
	mh->ncommands = 0;
	mh->logs = NULL;
	mh->nlogs = 0;
	mh->journal = NULL;
	mh->njournal = 0;
	mh->children = NULL;
	mh->nchildren = 0;
	mh->https = NULL;
	mh->nhttps = 0;
	mh->timers = NULL;
	mh->ntimers = 0;
	mh->fds = NULL;
	mh->nfds = 0;
	mh->watches = NULL;
	mh->nwatches = 0;
	mh->checkv = NULL;
	mh->recv = NULL;
	mh->cmdv = NULL;
	mh->secret_calls = 0;
	mh->violations = 0;
	mh->violation[0] = '\0';
}

void
mock_host_reset(struct mock_host *mh)
{
	mock_clear(mh);
}

static void
mock_items_free(void **v, size_t n)
{
	struct mock_arena_item *a = (struct mock_arena_item *)(void *)v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i].p != NULL)
			a[i].free(a[i].p);
	}
	free(v);
}

void
mock_host_free(struct mock_host *mh)
{
	size_t i;

	mock_clear(mh);
	mock_items_free(mh->graveyard, mh->ngraveyard);
	mock_items_free(mh->arena, mh->narena);
	for (i = 0; i < mh->nsecrets; i++) {
		free(mh->secrets[i].key);
		free(mh->secrets[i].value);
	}
	free(mh->secrets);
	for (i = 0; i < mh->nstate; i++) {
		free(mh->state[i].key);
		free(mh->state[i].value);
	}
	free(mh->state);
	free(mh->name);
	free(mh->state_dir);
	free(mh->mon);
	/* Never run: a test that wants them runs mock_post_run first. */
	free(mh->postq);
	pthread_mutex_destroy(&mh->post_lock);
	memset(mh, 0, sizeof(*mh));
}

struct rdd_monitor *
mock_monitor(struct mock_host *mh)
{
	return mh->mon;
}

void
mock_set_state_dir(struct mock_host *mh, const char *dir)
{
	free(mh->state_dir);
	mh->state_dir = mock_strdup(dir);
}

void
mock_secret_add(struct mock_host *mh, const char *key, const char *value)
{
	mh->secrets =
	    mock_grow(mh->secrets, mh->nsecrets, sizeof(*mh->secrets));
	mh->secrets[mh->nsecrets].key = mock_strdup(key);
	mh->secrets[mh->nsecrets].value = mock_strdup(value);
	mh->nsecrets++;
}

struct rdd_check *
mock_check_begin(struct mock_host *mh)
{
	struct rdd_check *c = mock_xmalloc(sizeof(*c));

	c->mh = mh;
	c->gen = mock_gen(mh);
	c->id = mh->checks_started;
	mh->checkv =
	    mock_grow(mh->checkv, (size_t)mh->checks_started, sizeof(c));
	mh->checkv[mh->checks_started++] = c;
	return c;
}

struct rdd_recovery *
mock_recovery_begin(struct mock_host *mh)
{
	struct rdd_recovery *r = mock_xmalloc(sizeof(*r));

	r->mh = mh;
	r->gen = mock_gen(mh);
	r->id = (int)mh->nrecoveries;
	mh->recv = mock_grow(mh->recv, mh->nrecoveries, sizeof(r));
	mh->recv[mh->nrecoveries] = r;
	mh->recoveries =
	    mock_grow(mh->recoveries, mh->nrecoveries, sizeof(*mh->recoveries));
	mh->nrecoveries++;
	return r;
}

struct rdd_command *
mock_command_begin(struct mock_host *mh)
{
	struct rdd_command *c = mock_xmalloc(sizeof(*c));

	c->mh = mh;
	c->gen = mock_gen(mh);
	c->id = (int)mh->ncommands;
	mh->cmdv = mock_grow(mh->cmdv, mh->ncommands, sizeof(c));
	mh->cmdv[mh->ncommands] = c;
	mh->commands =
	    mock_grow(mh->commands, mh->ncommands, sizeof(*mh->commands));
	mh->ncommands++;
	return c;
}

int
mock_recovery_id(const struct rdd_recovery *r)
{
	return r->id;
}

int
mock_command_id(const struct rdd_command *c)
{
	return c->id;
}

const struct mock_report *
mock_report_last(const struct mock_host *mh, const char *target)
{
	size_t i;

	for (i = mh->nreports; i > 0; i--) {
		if (target == NULL ||
		    (mh->reports[i - 1].target != NULL &&
		        strcmp(mh->reports[i - 1].target, target) == 0))
			return &mh->reports[i - 1];
	}
	return NULL;
}

const struct mock_metric *
mock_metric_find(const struct mock_report *r, const char *name)
{
	size_t i;

	for (i = 0; r != NULL && i < r->nmetrics; i++) {
		if (r->metrics[i].name != NULL &&
		    strcmp(r->metrics[i].name, name) == 0)
			return &r->metrics[i];
	}
	return NULL;
}

int
mock_log_find(const struct mock_host *mh, const char *substring)
{
	size_t i;

	for (i = 0; i < mh->nlogs; i++) {
		if (strstr(mh->logs[i].text, substring) != NULL)
			return (int)i;
	}
	return -1;
}

int
mock_child_last(const struct mock_host *mh)
{
	return (int)mh->nchildren - 1;
}

int
mock_http_last(const struct mock_host *mh)
{
	return (int)mh->nhttps - 1;
}

int
mock_timer_last(const struct mock_host *mh)
{
	return (int)mh->ntimers - 1;
}

/* Completing async work. */

int
mock_child_complete(
    struct mock_host *mh, size_t idx, const struct rdd_child_result *res)
{
	struct rdd_child_result r = *res;
	struct mock_child *ch;

	if (idx >= mh->nchildren)
		return -1;
	ch = mh->children[idx];
	if (ch->status != MOCK_PENDING) {
		if (ch->status == MOCK_CANCELLED)
			mock_violation(mh,
			    "child %zu: completed after the "
			    "plugin cancelled it (test bug)",
			    idx);
		return -1;
	}
	/* The host promises NUL-terminated streams, never NULL. */
	if (r.out == NULL)
		r.out = "";
	if (r.out_len == 0)
		r.out_len = strlen(r.out);
	if (r.err == NULL)
		r.err = "";
	if (r.err_len == 0)
		r.err_len = strlen(r.err);
	ch->status = MOCK_COMPLETED;
	if (ch->cb != NULL)
		ch->cb(ch->arg, &r);
	return 0;
}

int
mock_child_exit(struct mock_host *mh, size_t idx, int status, const char *out,
    const char *err)
{
	struct rdd_child_result r;

	memset(&r, 0, sizeof(r));
	r.exited = 1;
	r.status = status;
	r.out = out;
	r.err = err;
	return mock_child_complete(mh, idx, &r);
}

int
mock_child_spawn_error(struct mock_host *mh, size_t idx, int errnum)
{
	struct rdd_child_result r;

	memset(&r, 0, sizeof(r));
	r.spawn_errno = errnum;
	return mock_child_complete(mh, idx, &r);
}

int
mock_http_complete(
    struct mock_host *mh, size_t idx, const struct rdd_http_response *res)
{
	struct rdd_http_response r = *res;
	struct mock_http *hr;

	if (idx >= mh->nhttps)
		return -1;
	hr = mh->https[idx];
	if (hr->status != MOCK_PENDING) {
		if (hr->status == MOCK_CANCELLED)
			mock_violation(mh,
			    "http %zu: completed after the "
			    "plugin cancelled it (test bug)",
			    idx);
		return -1;
	}
	if (r.body == NULL)
		r.body = "";
	if (r.body_len == 0)
		r.body_len = strlen(r.body);
	if (r.headers == NULL)
		r.headers = "";
	hr->status = MOCK_COMPLETED;
	if (hr->cb != NULL)
		hr->cb(hr->arg, &r);
	return 0;
}

int
mock_http_reply(struct mock_host *mh, size_t idx, long status, const char *body,
    const char *headers)
{
	struct rdd_http_response r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = body;
	r.headers = headers;
	return mock_http_complete(mh, idx, &r);
}

int
mock_timer_fire(struct mock_host *mh, size_t idx)
{
	struct mock_timer *t;

	if (idx >= mh->ntimers || !mh->timers[idx]->active)
		return -1;
	t = mh->timers[idx];
	if (!t->repeat)
		t->active = 0;
	t->fired++;
	t->cb(t->arg);
	return 0;
}

int
mock_fd_fire(struct mock_host *mh, size_t idx, int events)
{
	struct mock_fd *f;

	if (idx >= mh->nfds || !mh->fds[idx]->active)
		return -1;
	f = mh->fds[idx];
	f->cb(f->fd, events, f->arg);
	return 0;
}

int
mock_watch_fire(struct mock_host *mh, size_t idx, const char *path)
{
	struct mock_watch *w;

	if (idx >= mh->nwatches || !mh->watches[idx]->active)
		return -1;
	w = mh->watches[idx];
	w->cb(w->arg, path != NULL ? path : w->path);
	return 0;
}

/* A small libconfig value parser for GROUP and STRLIST values. */

struct mock_parser {
	struct mock_host *mh;
	const char *p;
	const char *start;
	int failed;
};

static void
mock_group_free(void *p)
{
	struct mock_group *g = p;
	int i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++)
		mock_group_free(g->elems[i]);
	free(g->elems);
	free(g->name);
	free(g->str);
	g->magic = 0;
	free(g);
}

static void
mock_parse_fail(struct mock_parser *ps, const char *what)
{
	if (!ps->failed)
		snprintf(ps->mh->error, sizeof(ps->mh->error), "offset %zu: %s",
		    (size_t)(ps->p - ps->start), what);
	ps->failed = 1;
}

static void
mock_skip(struct mock_parser *ps)
{
	for (;;) {
		while (isspace((unsigned char)*ps->p))
			ps->p++;
		if (*ps->p != '#')
			return;
		while (*ps->p != '\0' && *ps->p != '\n')
			ps->p++;
	}
}

static char *
mock_parse_string(struct mock_parser *ps)
{
	size_t cap = 16, n = 0;
	char *s = mock_xmalloc(cap), c;

	/* Adjacent literals concatenate, as in libconfig. */
	while (*ps->p == '"') {
		ps->p++;
		while ((c = *ps->p) != '"') {
			if (c == '\0') {
				mock_parse_fail(ps, "unterminated string");
				free(s);
				return NULL;
			}
			if (c == '\\') {
				ps->p++;
				c = *ps->p;
				if (c == 'n')
					c = '\n';
				else if (c == 't')
					c = '\t';
				else if (c == '\0')
					continue;
			}
			if (n + 1 >= cap) {
				cap *= 2;
				if ((s = realloc(s, cap)) == NULL)
					abort();
			}
			s[n++] = c;
			ps->p++;
		}
		ps->p++;
		mock_skip(ps);
	}
	s[n] = '\0';
	return s;
}

static struct mock_group *mock_parse_value(struct mock_parser *ps, int depth);

static void
mock_group_push(struct mock_group *g, struct mock_group *e)
{
	g->elems = mock_grow(g->elems, (size_t)g->n, sizeof(e));
	g->elems[g->n++] = e;
}

static struct mock_group *
mock_parse_seq(
    struct mock_parser *ps, struct mock_group *g, char close, int depth)
{
	struct mock_group *e;

	ps->p++;
	mock_skip(ps);
	while (*ps->p != close) {
		if (g->kind == MG_GROUP) {
			const char *n0 = ps->p;

			while (isalnum((unsigned char)*ps->p) ||
			       *ps->p == '_' || *ps->p == '-' || *ps->p == '*')
				ps->p++;
			if (ps->p == n0) {
				mock_parse_fail(ps, "expected a setting name");
				return g;
			}
			{
				char *name =
				    mock_memdup(n0, (size_t)(ps->p - n0));

				mock_skip(ps);
				if (*ps->p != '=' && *ps->p != ':') {
					free(name);
					mock_parse_fail(ps, "expected = or :");
					return g;
				}
				ps->p++;
				if ((e = mock_parse_value(ps, depth + 1)) ==
				    NULL) {
					free(name);
					return g;
				}
				e->name = name;
			}
		} else if ((e = mock_parse_value(ps, depth + 1)) == NULL) {
			return g;
		}
		mock_group_push(g, e);
		mock_skip(ps);
		if (*ps->p == ',' || *ps->p == ';') {
			ps->p++;
			mock_skip(ps);
		} else if (*ps->p != close) {
			mock_parse_fail(ps, "expected , or a closing bracket");
			return g;
		}
	}
	ps->p++;
	return g;
}

static struct mock_group *
mock_parse_value(struct mock_parser *ps, int depth)
{
	struct mock_group *g;
	const char *t0;
	char *end, *tok;

	mock_skip(ps);
	if (depth > 32) {
		mock_parse_fail(ps, "nested too deeply");
		return NULL;
	}
	g = mock_xmalloc(sizeof(*g));
	g->magic = MOCK_MAGIC_GROUP;
	switch (*ps->p) {
	case '"':
		g->kind = MG_STRING;
		g->str = mock_parse_string(ps);
		break;
	case '[':
		g->kind = MG_ARRAY;
		mock_parse_seq(ps, g, ']', depth);
		break;
	case '(':
		g->kind = MG_LIST;
		mock_parse_seq(ps, g, ')', depth);
		break;
	case '{':
		g->kind = MG_GROUP;
		mock_parse_seq(ps, g, '}', depth);
		break;
	default:
		t0 = ps->p;
		while (isalnum((unsigned char)*ps->p) || *ps->p == '.' ||
		       *ps->p == '-' || *ps->p == '+')
			ps->p++;
		tok = mock_memdup(t0, (size_t)(ps->p - t0));
		if (strcasecmp(tok, "true") == 0 ||
		    strcasecmp(tok, "false") == 0) {
			g->kind = MG_BOOL;
			g->i = tolower((unsigned char)tok[0]) == 't';
		} else if (tok[0] != '\0') {
			errno = 0;
			g->i = strtoll(tok, &end, 0);
			g->kind = MG_INT;
			if (*end == 'L' && end[1] == '\0')
				end++;
			if (*end != '\0' || errno != 0) {
				g->d = strtod(tok, &end);
				g->kind = MG_FLOAT;
				if (*end != '\0')
					mock_parse_fail(ps, "expected a value");
			}
		} else {
			mock_parse_fail(ps, "expected a value");
		}
		free(tok);
		break;
	}
	if (ps->failed) {
		mock_group_free(g);
		return NULL;
	}
	return g;
}

static struct mock_group *
mock_parse_text(struct mock_host *mh, const char *text)
{
	struct mock_parser ps;
	struct mock_group *g;

	memset(&ps, 0, sizeof(ps));
	ps.mh = mh;
	ps.p = ps.start = text;
	if ((g = mock_parse_value(&ps, 0)) == NULL)
		return NULL;
	mock_skip(&ps);
	if (*ps.p == ';')
		ps.p++;
	mock_skip(&ps);
	if (*ps.p != '\0') {
		mock_parse_fail(&ps, "trailing text after the value");
		mock_group_free(g);
		return NULL;
	}
	return g;
}

const void *
mock_group_parse(struct mock_host *mh, const char *text)
{
	struct mock_group *g = mock_parse_text(mh, text);

	if (g != NULL)
		mock_arena_add(mh, g, mock_group_free);
	return g;
}

/* Config filling. */

static char *
mock_unquote(struct mock_host *mh, const char *text)
{
	struct mock_group *g;
	char *s;

	while (isspace((unsigned char)*text))
		text++;
	if (*text != '"')
		return mock_strdup(text);
	if ((g = mock_parse_text(mh, text)) == NULL)
		return NULL;
	s = g->str;
	g->str = NULL;
	mock_group_free(g);
	return s;
}

/* "30", "30s", "500ms", "5m", "1h", "1d" in ms; bare numbers are seconds. */
static int
mock_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *sfx;
		double ms;
	} u[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000},
	    {"h", 3600000}, {"d", 86400000}};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0)
		return -1;
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if (strcmp(end, u[i].sfx) == 0) {
			v *= u[i].ms;
			if (!isfinite(v) || v > 9.2e18)
				return -1;
			*out = (int64_t)v;
			return 0;
		}
	}
	return -1;
}

/* "1024", "64K", "80M", "2G", "1T", with an optional trailing B. */
static int
mock_size(const char *s, int64_t *out)
{
	char *end;
	double v, mul = 1;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || v < 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		mul = 1024.0;
		end++;
		break;
	case 'M':
		mul = 1024.0 * 1024;
		end++;
		break;
	case 'G':
		mul = 1024.0 * 1024 * 1024;
		end++;
		break;
	case 'T':
		mul = 1024.0 * 1024 * 1024 * 1024;
		end++;
		break;
	default:
		break;
	}
	if (toupper((unsigned char)*end) == 'B')
		end++;
	v *= mul;
	if (*end != '\0' || !isfinite(v) || v > 9.2e18)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static void
mock_strlist_arena_free(void *p)
{
	struct rdd_strlist *l = p;
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l);
}

static int
mock_strlist(struct mock_host *mh, const char *text, struct rdd_strlist *out)
{
	struct rdd_strlist *l = mock_xmalloc(sizeof(*l));
	struct mock_group *g = NULL;
	const char *p = text, *w;
	int i;

	while (isspace((unsigned char)*p))
		p++;
	l->v = mock_xmalloc(sizeof(char *));
	if (*p == '[' || *p == '"') {
		if ((g = mock_parse_text(mh, p)) == NULL) {
			mock_strlist_arena_free(l);
			return -1;
		}
		if (g->kind == MG_STRING) {
			l->v = mock_grow(l->v, l->n + 1, sizeof(char *));
			l->v[l->n++] = g->str;
			g->str = NULL;
		}
		for (i = 0; g->kind == MG_ARRAY && i < g->n; i++) {
			if (g->elems[i]->kind != MG_STRING) {
				snprintf(mh->error, sizeof(mh->error),
				    "element %d is not a string", i + 1);
				mock_group_free(g);
				mock_strlist_arena_free(l);
				return -1;
			}
			l->v = mock_grow(l->v, l->n + 1, sizeof(char *));
			l->v[l->n++] = g->elems[i]->str;
			g->elems[i]->str = NULL;
		}
		mock_group_free(g);
	} else {
		while (*p != '\0') {
			w = p;
			while (*p != '\0' && !isspace((unsigned char)*p))
				p++;
			l->v = mock_grow(l->v, l->n + 1, sizeof(char *));
			l->v[l->n++] = mock_memdup(w, (size_t)(p - w));
			while (isspace((unsigned char)*p))
				p++;
		}
	}
	mock_arena_add(mh, l, mock_strlist_arena_free);
	*out = *l;
	return 0;
}

static int
mock_range(struct mock_host *mh, const struct rdd_option *o, double v)
{
	if (o->min < o->max && (v < o->min || v > o->max)) {
		snprintf(mh->error, sizeof(mh->error),
		    "%s: %g is outside [%g, %g]", o->name, v, o->min, o->max);
		return -1;
	}
	return 0;
}

/* "name: cannot use "text": " before the parser's reason in mh->error. */
static void
mock_error_prefix(struct mock_host *mh, const char *name, const char *text)
{
	char prefix[256];
	size_t pl, el;

	snprintf(prefix, sizeof(prefix), "%s: cannot use \"%.64s\"%s", name,
	    text, mh->error[0] != '\0' ? ": " : "");
	pl = strlen(prefix);
	el = strlen(mh->error);
	if (pl + el >= sizeof(mh->error))
		el = sizeof(mh->error) - 1 - pl;
	memmove(mh->error + pl, mh->error, el);
	memcpy(mh->error, prefix, pl);
	mh->error[pl + el] = '\0';
}

static int
mock_set_option(struct mock_host *mh, const struct rdd_option *o, void *cfg,
    const char *text)
{
	char *dst = (char *)cfg + o->offset, *s, *end;
	int64_t i64;
	double d;
	int b;
	const void *g;
	struct rdd_strlist l;

	switch (o->type) {
	case RDD_OPT_BOOL:
		if (strcmp(text, "true") == 0 || strcmp(text, "yes") == 0 ||
		    strcmp(text, "1") == 0)
			b = 1;
		else if (strcmp(text, "false") == 0 ||
		         strcmp(text, "no") == 0 || strcmp(text, "0") == 0)
			b = 0;
		else
			goto bad;
		memcpy(dst, &b, sizeof(b));
		return 0;
	case RDD_OPT_INT:
		errno = 0;
		i64 = strtoll(text, &end, 0);
		if (end == text || *end != '\0' || errno != 0)
			goto bad;
		if (mock_range(mh, o, (double)i64) != 0)
			return -1;
		memcpy(dst, &i64, sizeof(i64));
		return 0;
	case RDD_OPT_DOUBLE:
		d = strtod(text, &end);
		if (end == text || *end != '\0' || !isfinite(d))
			goto bad;
		if (mock_range(mh, o, d) != 0)
			return -1;
		memcpy(dst, &d, sizeof(d));
		return 0;
	case RDD_OPT_STRING:
		if ((s = mock_unquote(mh, text)) == NULL)
			goto bad;
		mock_arena_add(mh, s, free);
		memcpy(dst, &s, sizeof(s));
		return 0;
	case RDD_OPT_DURATION:
	case RDD_OPT_SIZE:
		if ((s = mock_unquote(mh, text)) == NULL)
			goto bad;
		b = o->type == RDD_OPT_DURATION ? mock_duration(s, &i64)
		                                : mock_size(s, &i64);
		free(s);
		if (b != 0)
			goto bad;
		if (mock_range(mh, o, (double)i64) != 0)
			return -1;
		memcpy(dst, &i64, sizeof(i64));
		return 0;
	case RDD_OPT_STRLIST:
		if (mock_strlist(mh, text, &l) != 0)
			goto bad;
		memcpy(dst, &l, sizeof(l));
		return 0;
	case RDD_OPT_GROUP:
		if ((g = mock_group_parse(mh, text)) == NULL)
			goto bad;
		memcpy(dst, &g, sizeof(g));
		return 0;
	case RDD_OPT_END:
	default:
		break;
	}
bad:
	mock_error_prefix(mh, o->name, text);
	return -1;
}

static int
mock_fill_configv(
    struct mock_host *mh, const struct rdd_plugin *pd, void *cfg, va_list ap)
{
	const struct rdd_option *o;
	const char *names[64], *values[64], *n, *v;
	size_t nov = 0, i;

	mh->error[0] = '\0';
	while ((n = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v == NULL || nov == 64) {
			snprintf(mh->error, sizeof(mh->error),
			    "%s: no value, or too many overrides", n);
			return -1;
		}
		for (o = pd->options; o != NULL && o->name != NULL; o++) {
			if (strcmp(o->name, n) == 0)
				break;
		}
		if (o == NULL || o->name == NULL) {
			snprintf(mh->error, sizeof(mh->error),
			    "%s: not an option of plugin %s", n, pd->name);
			return -1;
		}
		names[nov] = n;
		values[nov++] = v;
	}
	memset(cfg, 0, pd->config_size);
	for (o = pd->options; o != NULL && o->name != NULL; o++) {
		v = o->def;
		/* The last override of a name wins, as in a config file. */
		for (i = 0; i < nov; i++) {
			if (strcmp(names[i], o->name) == 0)
				v = values[i];
		}
		if (v == NULL)
			continue;
		mh->error[0] = '\0';
		if (mock_set_option(mh, o, cfg, v) != 0)
			return -1;
	}
	mh->error[0] = '\0';
	return 0;
}

int
mock_fill_config(
    struct mock_host *mh, const struct rdd_plugin *pd, void *cfg, ...)
{
	va_list ap;
	int rc;

	va_start(ap, cfg);
	rc = mock_fill_configv(mh, pd, cfg, ap);
	va_end(ap);
	return rc;
}

void *
mock_config_new(struct mock_host *mh, const struct rdd_plugin *pd, ...)
{
	va_list ap;
	void *cfg = mock_xmalloc(pd->config_size);
	int rc;

	mock_arena_add(mh, cfg, free);
	va_start(ap, pd);
	rc = mock_fill_configv(mh, pd, cfg, ap);
	va_end(ap);
	return rc == 0 ? cfg : NULL;
}
