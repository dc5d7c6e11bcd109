/*
 * procs.c: parses PM2 process lists and process:event payloads into
 * structs, and groups instances into apps. Tolerates absent or mistyped
 * optional fields; rejects entries it cannot name.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "procs.h"

/* A jlist entry nests pm2_env.env.*, axm_monitor.*; 64 leaves headroom. */
#define PROCS_JSON_DEPTH 64

static const char *const procs_status_names[] = {
    [PROCS_ONLINE] = "online",
    [PROCS_STOPPING] = "stopping",
    [PROCS_STOPPED] = "stopped",
    [PROCS_LAUNCHING] = "launching",
    [PROCS_ERRORED] = "errored",
    [PROCS_ONE_LAUNCH] = "one-launch-status",
    [PROCS_WAITING] = "waiting restart",
    [PROCS_UNKNOWN] = "unknown",
};

static const struct {
	const char *name;
	enum procs_event_kind kind;
} procs_event_names[] = {
    {"online", PROCS_EV_ONLINE},
    {"start", PROCS_EV_START},
    {"exit", PROCS_EV_EXIT},
    {"restart overlimit", PROCS_EV_OVERLIMIT},
    {"restart", PROCS_EV_RESTART},
    {"stop", PROCS_EV_STOP},
    {"reload", PROCS_EV_RELOAD},
    {"delete", PROCS_EV_DELETE},
};

/* The pm2_env fields a process list entry and an event share. */
struct procs_common {
	enum procs_status status;
	char status_text[PROCS_STATUS_MAX];
	int autorestart;
	int64_t restart_time;
	int64_t unstable_restarts;
	int has_exit_code;
	int exit_code;
	int has_created_at;
	int64_t created_at;
};

const char *
procs_status_name(enum procs_status st)
{
	if ((unsigned)st > PROCS_UNKNOWN)
		st = PROCS_UNKNOWN;
	return procs_status_names[st];
}

enum procs_status
procs_status_parse(const char *s)
{
	int i;

	if (s == NULL)
		return PROCS_UNKNOWN;
	for (i = 0; i < PROCS_UNKNOWN; i++)
		if (strcmp(s, procs_status_names[i]) == 0)
			return (enum procs_status)i;
	return PROCS_UNKNOWN;
}

int
procs_gave_up(const struct procs_proc *p)
{
	if (p->status == PROCS_ERRORED)
		return 1;
	return p->status == PROCS_WAITING && p->pid == 0 && !p->has_created_at;
}

static struct json_object *
procs_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* An integral JSON number within [lo, hi]; 0 when absent or mistyped. */
static int
procs_num(struct json_object *v, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t n;
	double d;

	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		/* json-c clamps values above INT64_MAX to INT64_MAX. */
		n = json_object_get_int64(v);
	} else if (json_object_is_type(v, json_type_double)) {
		d = json_object_get_double(v);
		if (!isfinite(d) || d < -9.2e18 || d > 9.2e18)
			return 0;
		n = (int64_t)d;
	} else
		return 0;
	if (n < lo || n > hi)
		return 0;
	*out = n;
	return 1;
}

static int
procs_int(struct json_object *v, int lo, int *out)
{
	int64_t n;

	if (!procs_num(v, lo, INT_MAX, &n))
		return 0;
	*out = (int)n;
	return 1;
}

static int
procs_bool(struct json_object *v, int def)
{
	if (v == NULL)
		return def;
	if (json_object_is_type(v, json_type_boolean))
		return json_object_get_boolean(v) ? 1 : 0;
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v) != 0;
	return def;
}

static const char *
procs_str(struct json_object *v)
{
	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static char *
procs_dup(struct json_object *v)
{
	const char *s = procs_str(v);

	return strdup(s ? s : "");
}

/* PORT as a number or a decimal string ("3000"). */
static int
procs_port(struct json_object *v)
{
	const char *s;
	char *end;
	long n;
	int p;

	if (procs_int(v, 1, &p))
		return p <= 65535 ? p : 0;
	if ((s = procs_str(v)) == NULL || *s < '0' || *s > '9')
		return 0;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > 65535)
		return 0;
	return (int)n;
}

static void
procs_common(struct json_object *env, struct procs_common *c)
{
	const char *st;
	int64_t n;

	memset(c, 0, sizeof(*c));
	st = procs_str(procs_get(env, "status"));
	c->status = procs_status_parse(st);
	snprintf(c->status_text, sizeof(c->status_text), "%s", st ? st : "");
	c->autorestart = procs_bool(procs_get(env, "autorestart"), 1);
	procs_num(
	    procs_get(env, "restart_time"), 0, INT64_MAX, &c->restart_time);
	procs_num(procs_get(env, "unstable_restarts"), 0, INT64_MAX,
	    &c->unstable_restarts);
	c->has_exit_code =
	    procs_num(procs_get(env, "exit_code"), INT_MIN, INT_MAX, &n);
	if (c->has_exit_code)
		c->exit_code = (int)n;
	c->has_created_at = procs_num(
	    procs_get(env, "created_at"), 0, INT64_MAX, &c->created_at);
}

static void
procs_proc_free(struct procs_proc *p)
{
	free(p->name);
	free(p->namespace);
	free(p->pm_exec_path);
}

void
procs_list_free(struct procs_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		procs_proc_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
procs_entry(struct json_object *e, size_t idx, struct procs_proc *p, char *err,
    size_t errlen)
{
	struct json_object *env, *monit, *v;
	struct procs_common c;
	const char *name;
	int64_t n;
	double d;

	if (!json_object_is_type(e, json_type_object)) {
		snprintf(err, errlen,
		    "process list: entry %zu: not a JSON object", idx);
		return -1;
	}
	env = procs_get(e, "pm2_env");
	if (env == NULL) {
		snprintf(err, errlen,
		    "process list: entry %zu: pm2_env missing", idx);
		return -1;
	}
	if (!json_object_is_type(env, json_type_object)) {
		snprintf(err, errlen,
		    "process list: entry %zu: pm2_env is not an object", idx);
		return -1;
	}
	if ((name = procs_str(procs_get(e, "name"))) == NULL)
		name = procs_str(procs_get(env, "name"));
	if (name == NULL || name[0] == '\0') {
		snprintf(err, errlen,
		    "process list: entry %zu: name missing or not a string",
		    idx);
		return -1;
	}
	if (!procs_int(procs_get(e, "pm_id"), 0, &p->pm_id) &&
	    !procs_int(procs_get(env, "pm_id"), 0, &p->pm_id)) {
		snprintf(err, errlen,
		    "process list: entry %zu ('%.64s'): "
		    "pm_id missing or not a non-negative integer",
		    idx, name);
		return -1;
	}
	p->name = strdup(name);
	p->namespace = procs_dup(procs_get(env, "namespace"));
	p->pm_exec_path = procs_dup(procs_get(env, "pm_exec_path"));
	if (p->name == NULL || p->namespace == NULL ||
	    p->pm_exec_path == NULL) {
		snprintf(
		    err, errlen, "process list: entry %zu: out of memory", idx);
		return -1;
	}
	if (procs_num(procs_get(e, "pid"), 0, LONG_MAX, &n))
		p->pid = (long)n;

	procs_common(env, &c);
	p->status = c.status;
	memcpy(p->status_text, c.status_text, sizeof(p->status_text));
	p->autorestart = c.autorestart;
	p->restart_time = c.restart_time;
	p->unstable_restarts = c.unstable_restarts;
	p->has_exit_code = c.has_exit_code;
	p->exit_code = c.exit_code;
	p->has_created_at = c.has_created_at;
	p->created_at = c.created_at;

	v = procs_get(env, "exec_mode");
	if (procs_str(v) && strcmp(procs_str(v), "fork_mode") == 0)
		p->exec_mode = PROCS_FORK;
	else if (procs_str(v) && strcmp(procs_str(v), "cluster_mode") == 0)
		p->exec_mode = PROCS_CLUSTER;
	if (!procs_int(procs_get(env, "instances"), INT_MIN, &p->instances))
		p->instances = 1;
	if (!procs_int(
	        procs_get(env, "NODE_APP_INSTANCE"), 0, &p->node_app_instance))
		p->node_app_instance = -1;
	procs_num(procs_get(env, "pm_uptime"), 0, INT64_MAX, &p->pm_uptime);
	if (!procs_int(procs_get(env, "max_restarts"), 0, &p->max_restarts))
		p->max_restarts = PROCS_DEFAULT_MAX_RESTARTS;
	procs_num(procs_get(env, "max_memory_restart"), 0, INT64_MAX,
	    &p->max_memory_restart);

	monit = procs_get(e, "monit");
	if (procs_num(procs_get(monit, "memory"), 0, INT64_MAX, &n))
		p->memory = (uint64_t)n;
	v = procs_get(monit, "cpu");
	if (v != NULL && (json_object_is_type(v, json_type_double) ||
	                     json_object_is_type(v, json_type_int))) {
		d = json_object_get_double(v);
		if (isfinite(d) && d >= 0)
			p->cpu = d;
	}

	p->port = procs_port(procs_get(env, "PORT"));
	if (p->port == 0)
		p->port = procs_port(procs_get(procs_get(env, "env"), "PORT"));
	return 0;
}

int
procs_parse(
    struct json_object *arr, struct procs_list *out, char *err, size_t errlen)
{
	size_t i, n;

	out->n = 0;
	out->v = NULL;
	if (arr == NULL || !json_object_is_type(arr, json_type_array)) {
		snprintf(err, errlen,
		    "process list: expected a JSON array "
		    "(getMonitorData / pm2 jlist), got %s",
		    arr ? json_type_to_name(json_object_get_type(arr))
		        : "null");
		return -1;
	}
	n = json_object_array_length(arr);
	if (n > PROCS_MAX_ENTRIES) {
		snprintf(err, errlen,
		    "process list: %zu entries exceed the limit of %d", n,
		    PROCS_MAX_ENTRIES);
		return -1;
	}
	if (n == 0)
		return 0;
	if ((out->v = calloc(n, sizeof(*out->v))) == NULL) {
		snprintf(err, errlen,
		    "process list: out of memory for %zu entries", n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		out->n = i + 1; /* so that free covers a half-filled entry */
		if (procs_entry(json_object_array_get_idx(arr, i), i,
		        &out->v[i], err, errlen) == -1) {
			procs_list_free(out);
			return -1;
		}
	}
	return 0;
}

static int
procs_json(const char *what, const char *text, size_t len,
    struct json_object **out, char *err, size_t errlen)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	if (len > INT_MAX) {
		snprintf(err, errlen, "%s: %zu bytes of JSON is too long", what,
		    len);
		return -1;
	}
	if ((tok = json_tokener_new_ex(PROCS_JSON_DEPTH)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	*out = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* A bare number or literal ends only at a delimiter. */
		*out = json_tokener_parse_ex(tok, "", 1);
		if ((jerr = json_tokener_get_error(tok)) !=
		    json_tokener_success)
			jerr =
			    json_tokener_continue; /* reported as truncated */
		end = len;
	}
	json_tokener_free(tok);
	if (jerr == json_tokener_success) {
		while (end < len && text[end] != '\0' &&
		       strchr(" \t\r\n", text[end]) != NULL)
			end++;
		if (end >= len)
			return 0;
		snprintf(err, errlen, "%s: bad JSON: trailing data at byte %zu",
		    what, end);
	} else if (jerr == json_tokener_continue)
		snprintf(err, errlen, "%s: JSON is truncated after %zu bytes",
		    what, len);
	else
		snprintf(err, errlen, "%s: bad JSON at byte %zu: %s", what, end,
		    json_tokener_error_desc(jerr));
	json_object_put(*out);
	*out = NULL;
	return -1;
}

int
procs_parse_text(const char *text, size_t len, struct procs_list *out,
    char *err, size_t errlen)
{
	struct json_object *arr;
	const char *p;
	size_t off;
	int rc;

	out->n = 0;
	out->v = NULL;
	if (procs_json("process list", text, len, &arr, err, errlen) == -1) {
		/*
		 * Skip notices PM2 prints before the JSON; they may start
		 * with '[' too ("[PM2] ..."), so try each such line.
		 */
		char err2[256];
		int found = 0, tried = 0;

		for (off = 1; off < len && !found; off++) {
			if (text[off - 1] != '\n' || text[off] != '[')
				continue;
			p = text + off;
			tried = 1;
			if (procs_json("process list", p, len - off, &arr, err2,
			        sizeof(err2)) == 0)
				found = 1;
		}
		if (!found) {
			/* The last candidate's error says most. */
			if (tried)
				snprintf(err, errlen, "%s", err2);
			return -1;
		}
	}
	rc = procs_parse(arr, out, err, errlen);
	json_object_put(arr);
	return rc;
}

static int
procs_by_name(const void *a, const void *b)
{
	const struct procs_proc *x = *(const struct procs_proc *const *)a;
	const struct procs_proc *y = *(const struct procs_proc *const *)b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	if (x->pm_id != y->pm_id)
		return x->pm_id < y->pm_id ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int
procs_by_first(const void *a, const void *b)
{
	const struct procs_app *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

int
procs_group(const struct procs_list *l, struct procs_apps *out, char *err,
    size_t errlen)
{
	const struct procs_proc **slots;
	struct procs_app *apps, *app;
	size_t i, j, k, napps;

	memset(out, 0, sizeof(*out));
	if (l->n == 0)
		return 0;
	slots = calloc(l->n, sizeof(*slots));
	apps = calloc(l->n, sizeof(*apps));
	if (slots == NULL || apps == NULL) {
		free(slots);
		free(apps);
		snprintf(err, errlen,
		    "process list: out of memory grouping %zu processes", l->n);
		return -1;
	}
	/* Sort by (name, pm_id): each app is then one run of `slots`. */
	for (i = 0; i < l->n; i++)
		slots[i] = &l->v[i];
	qsort(slots, l->n, sizeof(*slots), procs_by_name);
	napps = 0;
	for (i = 0; i < l->n; i = j) {
		for (j = i + 1;
		     j < l->n && strcmp(slots[j]->name, slots[i]->name) == 0;
		     j++)
			;
		app = &apps[napps++];
		app->name = slots[i]->name;
		app->inst = slots + i;
		app->n = j - i;
		app->first = SIZE_MAX;
		for (k = i; k < j; k++) {
			size_t pos = (size_t)(slots[k] - l->v);

			if (pos < app->first) {
				app->first = pos;
				app->exec_mode = slots[k]->exec_mode;
			}
			if (slots[k]->status == PROCS_ONLINE)
				app->online++;
			app->memory += slots[k]->memory;
			app->cpu += slots[k]->cpu;
		}
	}
	qsort(apps, napps, sizeof(*apps), procs_by_first);
	out->n = napps;
	out->v = apps;
	out->storage = slots;
	return 0;
}

void
procs_apps_free(struct procs_apps *a)
{
	free(a->v);
	free(a->storage);
	memset(a, 0, sizeof(*a));
}

const struct procs_app *
procs_app_find(const struct procs_apps *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, name) == 0)
			return &a->v[i];
	return NULL;
}

static enum procs_event_kind
procs_event_kind(const char *s)
{
	size_t i;

	for (i = 0;
	     i < sizeof(procs_event_names) / sizeof(procs_event_names[0]); i++)
		if (strcmp(s, procs_event_names[i].name) == 0)
			return procs_event_names[i].kind;
	return PROCS_EV_OTHER;
}

void
procs_event_free(struct procs_event *ev)
{
	free(ev->event);
	free(ev->name);
	ev->event = ev->name = NULL;
}

int
procs_event_parse(struct json_object *payload, struct procs_event *ev,
    char *err, size_t errlen)
{
	struct json_object *proc;
	struct procs_common c;
	const char *event, *name;

	memset(ev, 0, sizeof(*ev));
	if (payload == NULL ||
	    !json_object_is_type(payload, json_type_object)) {
		snprintf(
		    err, errlen, "process:event: payload is not a JSON object");
		return -1;
	}
	if ((event = procs_str(procs_get(payload, "event"))) == NULL) {
		snprintf(err, errlen,
		    "process:event: \"event\" missing or not a string");
		return -1;
	}
	proc = procs_get(payload, "process");
	if (proc == NULL || !json_object_is_type(proc, json_type_object)) {
		snprintf(err, errlen,
		    "process:event '%.32s': \"process\" "
		    "missing or not an object",
		    event);
		return -1;
	}
	if ((name = procs_str(procs_get(proc, "name"))) == NULL ||
	    name[0] == '\0') {
		snprintf(err, errlen,
		    "process:event '%.32s': process.name "
		    "missing or not a string",
		    event);
		return -1;
	}
	if (!procs_int(procs_get(proc, "pm_id"), 0, &ev->pm_id)) {
		snprintf(err, errlen,
		    "process:event '%.32s' ('%.64s'): "
		    "process.pm_id missing or not a non-negative integer",
		    event, name);
		return -1;
	}
	ev->event = strdup(event);
	ev->name = strdup(name);
	if (ev->event == NULL || ev->name == NULL) {
		procs_event_free(ev);
		snprintf(err, errlen, "process:event: out of memory");
		return -1;
	}
	ev->kind = procs_event_kind(event);
	ev->manually = procs_bool(procs_get(payload, "manually"), 0);
	procs_num(procs_get(payload, "at"), 0, INT64_MAX, &ev->at);
	procs_common(proc, &c);
	ev->status = c.status;
	memcpy(ev->status_text, c.status_text, sizeof(ev->status_text));
	ev->autorestart = c.autorestart;
	ev->restart_time = c.restart_time;
	ev->unstable_restarts = c.unstable_restarts;
	ev->has_exit_code = c.has_exit_code;
	ev->exit_code = c.exit_code;
	ev->has_created_at = c.has_created_at;
	ev->created_at = c.created_at;
	return 0;
}

int
procs_event_parse_text(const char *text, size_t len, struct procs_event *ev,
    char *err, size_t errlen)
{
	struct json_object *o;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (procs_json("process:event", text, len, &o, err, errlen) == -1)
		return -1;
	rc = procs_event_parse(o, ev, err, errlen);
	json_object_put(o);
	return rc;
}
