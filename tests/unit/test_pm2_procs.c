/*
 * test_pm2_procs.c: PM2 process list, grouping and process:event parsing
 * of the PM2 plugin, on real PM2 7.0.4 output (fixtures/pm2/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "plugins/pm2/amp.h"
#include "plugins/pm2/procs.h"

static char *
load(const char *name, size_t *len)
{
	const char *srcdir = getenv("srcdir");
	char path[1024], *p;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/unit/fixtures/pm2/%s",
	    srcdir ? srcdir : ".", name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open fixture %s (set srcdir)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

static const struct procs_proc *
by_id(const struct procs_list *l, int pm_id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].pm_id == pm_id)
			return &l->v[i];
	fail_msg("pm_id %d not in the list", pm_id);
	return NULL;
}

static void
t_jlist_sample(void **state)
{
	struct procs_list l;
	const struct procs_proc *p;
	char err[256], *text;
	size_t len;

	(void)state;
	text = load("jlist-sample.json", &len);
	if (procs_parse_text(text, len, &l, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	free(text);
	assert_int_equal(l.n, 11);

	p = by_id(&l, 0);
	assert_string_equal(p->name, "stable");
	assert_int_equal(p->pid, 14431);
	assert_int_equal(p->status, PROCS_ONLINE);
	assert_string_equal(p->status_text, "online");
	assert_int_equal(p->exec_mode, PROCS_FORK);
	assert_int_equal(p->instances, 1);
	assert_int_equal(p->node_app_instance, 0);
	assert_int_equal(p->restart_time, 20);
	assert_int_equal(p->unstable_restarts, 1);
	assert_int_equal(p->pm_uptime, 1795922109427LL);
	assert_true(p->has_created_at);
	assert_int_equal(p->created_at, 1795922050842LL);
	assert_true(p->has_exit_code);
	assert_int_equal(p->exit_code, 0);
	assert_int_equal(p->autorestart, 1);
	assert_int_equal(p->max_restarts, 10);
	assert_int_equal(p->max_memory_restart, 209715200);
	assert_int_equal(p->memory, 53309440);
	assert_true(p->cpu == 0.0);
	assert_string_equal(p->namespace, "default");
	assert_string_equal(p->pm_exec_path, "/srv/pm2lab/apps/stable.js");
	assert_int_equal(p->port, 31080);
	assert_false(procs_gave_up(p));

	/* Crash loop with a restart delay: the dead pid stays. */
	p = by_id(&l, 1);
	assert_string_equal(p->name, "crasher");
	assert_int_equal(p->status, PROCS_WAITING);
	assert_string_equal(p->status_text, "waiting restart");
	assert_int_equal(p->pid, 14957);
	assert_int_equal(p->exit_code, 1);
	assert_int_equal(p->port, 0);
	assert_false(procs_gave_up(p));

	/* PM2 7.0.4 overlimit bug: waiting restart, pid 0, created_at null. */
	p = by_id(&l, 3);
	assert_string_equal(p->name, "errorer");
	assert_int_equal(p->status, PROCS_WAITING);
	assert_int_equal(p->pid, 0);
	assert_false(p->has_created_at);
	assert_int_equal(p->max_restarts, 3);
	assert_true(procs_gave_up(p));

	p = by_id(&l, 4);
	assert_string_equal(p->name, "leaker");
	assert_int_equal(p->memory, 143368192);
	assert_true(p->cpu > 3.69 && p->cpu < 3.71);

	/* exit_code absent (never exited). */
	p = by_id(&l, 6);
	assert_string_equal(p->name, "stable-yaml");
	assert_false(p->has_exit_code);
	assert_int_equal(p->port, 31082);

	p = by_id(&l, 7);
	assert_string_equal(p->name, "stable-yml");
	assert_int_equal(p->status, PROCS_STOPPED);
	assert_int_equal(p->pid, 0);
	assert_int_equal(p->memory, 0);
	assert_false(procs_gave_up(p));

	p = by_id(&l, 8);
	assert_string_equal(p->name, "errorer-nodelay");
	assert_int_equal(p->status, PROCS_ERRORED);
	assert_false(p->has_created_at);
	assert_true(procs_gave_up(p));

	/* Cluster instances: same name, own pm_id, no max_restarts set. */
	p = by_id(&l, 20);
	assert_string_equal(p->name, "stable-cluster");
	assert_int_equal(p->exec_mode, PROCS_CLUSTER);
	assert_int_equal(p->instances, 2);
	assert_int_equal(p->node_app_instance, 0);
	assert_int_equal(p->max_restarts, PROCS_DEFAULT_MAX_RESTARTS);
	assert_int_equal(p->port, 31090);
	p = by_id(&l, 21);
	assert_string_equal(p->name, "stable-cluster");
	assert_int_equal(p->node_app_instance, 1);
	assert_int_equal(p->pid, 15002);
	assert_int_equal(p->memory, 56397824);
	procs_list_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

static void
t_group_sample(void **state)
{
	static const char *const order[] = {"stable", "crasher",
	    "crasher-nodelay", "errorer", "leaker", "stable-json",
	    "stable-yaml", "stable-yml", "errorer-nodelay", "stable-cluster"};
	struct procs_list l;
	struct procs_apps a;
	const struct procs_app *app;
	char err[256], *text;
	size_t len, i, total = 0;

	(void)state;
	text = load("jlist-sample.json", &len);
	assert_int_equal(procs_parse_text(text, len, &l, err, sizeof(err)), 0);
	free(text);
	assert_int_equal(procs_group(&l, &a, err, sizeof(err)), 0);
	assert_int_equal(a.n, 10);
	for (i = 0; i < a.n; i++) {
		assert_string_equal(a.v[i].name, order[i]);
		total += a.v[i].n;
	}
	assert_int_equal(total, l.n);
	app = procs_app_find(&a, "stable-cluster");
	assert_non_null(app);
	assert_int_equal(app->n, 2);
	assert_int_equal(app->exec_mode, PROCS_CLUSTER);
	assert_int_equal(app->inst[0]->pm_id, 20);
	assert_int_equal(app->inst[1]->pm_id, 21);
	assert_int_equal(app->online, 2);
	assert_int_equal(app->memory, 56717312 + 56397824);
	assert_int_equal(app->first, 9);
	app = procs_app_find(&a, "errorer");
	assert_non_null(app);
	assert_int_equal(app->n, 1);
	assert_int_equal(app->online, 0);
	assert_null(procs_app_find(&a, "stable-clust"));
	procs_apps_free(&a);
	assert_int_equal(a.n, 0);
	procs_list_free(&l);
}

/* Interleaved instances, out of pm_id order, and an empty list. */
static void
t_group_order(void **state)
{
	static const char text[] =
	    "[{\"name\":\"b\",\"pm_id\":7,\"pm2_env\":{\"status\":\"online\"},"
	    "\"monit\":{\"memory\":10,\"cpu\":1.5}},"
	    "{\"name\":\"a\",\"pm_id\":3,\"pm2_env\":{\"status\":\"stopped\"}},"
	    "{\"name\":\"b\",\"pm_id\":2,\"pm2_env\":{\"status\":\"online\"},"
	    "\"monit\":{\"memory\":5,\"cpu\":0.5}},"
	    "{\"name\":\"c\",\"pm_id\":1,\"pm2_env\":{}},"
	    "{\"name\":\"a\",\"pm_id\":0,\"pm2_env\":{\"status\":\"online\"}}]";
	struct procs_list l;
	struct procs_apps a;
	char err[256];

	(void)state;
	assert_int_equal(
	    procs_parse_text(text, sizeof(text) - 1, &l, err, sizeof(err)), 0);
	assert_int_equal(procs_group(&l, &a, err, sizeof(err)), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[0].name, "b");
	assert_int_equal(a.v[0].n, 2);
	assert_int_equal(a.v[0].inst[0]->pm_id, 2);
	assert_int_equal(a.v[0].inst[1]->pm_id, 7);
	assert_int_equal(a.v[0].online, 2);
	assert_int_equal(a.v[0].memory, 15);
	assert_true(a.v[0].cpu > 1.99 && a.v[0].cpu < 2.01);
	assert_string_equal(a.v[1].name, "a");
	assert_int_equal(a.v[1].inst[0]->pm_id, 0);
	assert_int_equal(a.v[1].online, 1);
	assert_string_equal(a.v[2].name, "c");
	assert_int_equal(a.v[2].inst[0]->status, PROCS_UNKNOWN);
	assert_string_equal(a.v[2].inst[0]->status_text, "");
	assert_int_equal(a.v[2].exec_mode, PROCS_MODE_UNKNOWN);
	procs_apps_free(&a);
	procs_list_free(&l);

	assert_int_equal(procs_parse_text("[]", 2, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(procs_group(&l, &a, err, sizeof(err)), 0);
	assert_int_equal(a.n, 0);
	assert_null(procs_app_find(&a, "x"));
	procs_apps_free(&a);
	procs_list_free(&l);
}

static void
t_malformed(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
	    {"{}", "process list: expected a JSON array (getMonitorData / "
	           "pm2 jlist), got object"},
	    {"null", "got null"},
	    {"[1]", "process list: entry 0: not a JSON object"},
	    {"[{\"name\":\"a\",\"pm_id\":0,\"pm2_env\":{}},"
	     "{\"name\":\"b\",\"pm_id\":1}]",
	        "process list: entry 1: pm2_env missing"},
	    {"[{\"name\":\"a\",\"pm_id\":0,\"pm2_env\":{}},{},{},"
	     "{\"pm_id\":3,\"name\":\"x\"}]",
	        "entry 1: pm2_env missing"},
	    {"[{\"name\":\"a\",\"pm_id\":0,\"pm2_env\":\"x\"}]",
	        "entry 0: pm2_env is not an object"},
	    {"[{\"pm_id\":0,\"pm2_env\":{}}]",
	        "entry 0: name missing or not a string"},
	    {"[{\"name\":\"\",\"pm_id\":0,\"pm2_env\":{}}]", "name missing"},
	    {"[{\"name\":7,\"pm_id\":0,\"pm2_env\":{}}]", "name missing"},
	    {"[{\"name\":\"a\",\"pm_id\":\"0\",\"pm2_env\":{}}]",
	        "entry 0 ('a'): pm_id missing or not a non-negative integer"},
	    {"[{\"name\":\"a\",\"pm_id\":-1,\"pm2_env\":{}}]", "pm_id"},
	    {"[{\"name\":\"a\",\"pm_id\":1e30,\"pm2_env\":{}}]", "pm_id"},
	    {"[{\"name\":\"a\",\"pm_id\":4294967296,\"pm2_env\":{}}]", "pm_id"},
	    {"[", "process list: JSON is truncated after 1 bytes"},
	    {"", "truncated"},
	    {"[}", "process list: bad JSON at byte 1"},
	    {"[] x", "trailing data at byte 3"},
	    {"notice\nnot json either", "bad JSON"},
	    {"notice\n[1,", "truncated"},
	};
	struct procs_list l;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		l.n = 99;
		assert_int_equal(
		    procs_parse_text(cases[i].text, strlen(cases[i].text), &l,
		        err, sizeof(err)),
		    -1);
		assert_int_equal(l.n, 0);
		assert_null(l.v);
		if (strstr(err, cases[i].err) == NULL)
			fail_msg(
			    "case %zu: '%s' lacks '%s'", i, err, cases[i].err);
	}
	assert_int_equal(procs_parse(NULL, &l, err, sizeof(err)), -1);
}

/* Optional fields of the wrong type read as absent: defaults, no crash. */
static void
t_wrong_types(void **state)
{
	static const char text[] =
	    "[{\"name\":\"w\",\"pm_id\":2,"
	    "\"pid\":\"12\",\"monit\":\"x\",\"pm2_env\":{\"status\":5,"
	    "\"exec_mode\":[],\"instances\":\"max\",\"restart_time\":-3,"
	    "\"unstable_restarts\":{},\"pm_uptime\":null,"
	    "\"created_at\":\"yesterday\",\"exit_code\":\"1\","
	    "\"autorestart\":\"no\",\"max_restarts\":-1,"
	    "\"namespace\":3,\"pm_exec_path\":null,\"PORT\":\"abc\","
	    "\"env\":{\"PORT\":\"3000\"},\"NODE_APP_INSTANCE\":\"0\"}},"
	    "{\"name\":\"v\",\"pm_id\":3,\"pid\":-5,"
	    "\"monit\":{\"memory\":-1,\"cpu\":\"a\"},\"pm2_env\":{"
	    "\"status\":\"a very long status that does not fit in the field\","
	    "\"PORT\":70000,\"env\":\"x\",\"exit_code\":2.0,"
	    "\"autorestart\":false,\"max_memory_restart\":1.5e9}},"
	    "{\"pm2_env\":{\"name\":\"fromenv\",\"pm_id\":9,\"PORT\":8080}}]";
	struct procs_list l;
	const struct procs_proc *p;
	char err[256];

	(void)state;
	if (procs_parse_text(text, sizeof(text) - 1, &l, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(l.n, 3);
	p = &l.v[0];
	assert_int_equal(p->pid, 0);
	assert_int_equal(p->status, PROCS_UNKNOWN);
	assert_int_equal(p->exec_mode, PROCS_MODE_UNKNOWN);
	assert_int_equal(p->instances, 1);
	assert_int_equal(p->restart_time, 0);
	assert_int_equal(p->unstable_restarts, 0);
	assert_int_equal(p->pm_uptime, 0);
	assert_false(p->has_created_at);
	assert_false(p->has_exit_code);
	assert_int_equal(p->autorestart, 1);
	assert_int_equal(p->max_restarts, PROCS_DEFAULT_MAX_RESTARTS);
	assert_string_equal(p->namespace, "");
	assert_string_equal(p->pm_exec_path, "");
	assert_int_equal(p->port, 3000);
	assert_int_equal(p->node_app_instance, -1);
	assert_int_equal(p->memory, 0);
	p = &l.v[1];
	assert_int_equal(p->pid, 0);
	assert_int_equal(p->memory, 0);
	assert_true(p->cpu == 0.0);
	assert_int_equal(p->status, PROCS_UNKNOWN);
	assert_int_equal(strlen(p->status_text), PROCS_STATUS_MAX - 1);
	assert_int_equal(p->port, 0);
	assert_true(p->has_exit_code);
	assert_int_equal(p->exit_code, 2);
	assert_int_equal(p->autorestart, 0);
	assert_int_equal(p->max_memory_restart, 1500000000);
	/* name and pm_id only in pm2_env. */
	p = &l.v[2];
	assert_string_equal(p->name, "fromenv");
	assert_int_equal(p->pm_id, 9);
	assert_int_equal(p->port, 8080);
	procs_list_free(&l);
}

/* `pm2 jlist` output with notices before the JSON. */
static void
t_notice_prefix(void **state)
{
	static const char text[] =
	    ">>>> In-memory PM2 is out-of-date, do:\n>>>> $ pm2 update\n"
	    "[{\"name\":\"x\",\"pm_id\":0,\"pm2_env\":{\"status\":\"online\"}}]"
	    "\n";
	struct procs_list l;
	char err[256];

	(void)state;
	assert_int_equal(
	    procs_parse_text(text, sizeof(text) - 1, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "x");
	procs_list_free(&l);
}

static void
t_huge_list(void **state)
{
	struct procs_list l;
	struct procs_apps a;
	char err[256], *text, *p;
	size_t i, n = 20000, cap;

	(void)state;
	cap = n * 120 + 16;
	text = p = malloc(cap);
	assert_non_null(text);
	*p++ = '[';
	for (i = 0; i < n; i++)
		p += snprintf(p, cap - (size_t)(p - text),
		    "%s{\"name\":\"app%zu\",\"pm_id\":%zu,\"pid\":%zu,"
		    "\"pm2_env\":{\"status\":\"online\"},"
		    "\"monit\":{\"memory\":1}}",
		    i ? "," : "", i % 100, n - i, i + 1000);
	*p++ = ']';
	assert_int_equal(
	    procs_parse_text(text, (size_t)(p - text), &l, err, sizeof(err)),
	    0);
	assert_int_equal(l.n, n);
	assert_int_equal(procs_group(&l, &a, err, sizeof(err)), 0);
	assert_int_equal(a.n, 100);
	for (i = 0; i < a.n; i++) {
		char want[32];

		snprintf(want, sizeof(want), "app%zu", i);
		assert_string_equal(a.v[i].name, want);
		assert_int_equal(a.v[i].n, n / 100);
		assert_int_equal(a.v[i].memory, n / 100);
		assert_true(a.v[i].inst[0]->pm_id < a.v[i].inst[1]->pm_id);
	}
	procs_apps_free(&a);
	procs_list_free(&l);
	free(text);

	/* Past the entry limit: refused before any entry is read. */
	n = PROCS_MAX_ENTRIES + 1;
	text = p = malloc(n * 3 + 2);
	assert_non_null(text);
	*p++ = '[';
	for (i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		*p++ = '{';
		*p++ = '}';
	}
	*p++ = ']';
	assert_int_equal(
	    procs_parse_text(text, (size_t)(p - text), &l, err, sizeof(err)),
	    -1);
	assert_string_equal(
	    err, "process list: 65537 entries exceed the limit of 65536");
	free(text);
}

static void
t_status_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i <= PROCS_UNKNOWN; i++)
		assert_int_equal(
		    procs_status_parse(procs_status_name((enum procs_status)i)),
		    i);
	assert_string_equal(
	    procs_status_name(PROCS_WAITING), "waiting restart");
	assert_string_equal(
	    procs_status_name(PROCS_ONE_LAUNCH), "one-launch-status");
	assert_string_equal(
	    procs_status_name((enum procs_status)99), "unknown");
	assert_int_equal(procs_status_parse("Online"), PROCS_UNKNOWN);
	assert_int_equal(procs_status_parse(NULL), PROCS_UNKNOWN);
}

static struct json_object *
sample_payload(struct json_object *all, const char *key)
{
	struct json_object *e, *p;

	if (!json_object_object_get_ex(all, key, &e) ||
	    !json_object_object_get_ex(e, "payload", &p))
		fail_msg("events-sample.json has no '%s'", key);
	return p;
}

static void
t_events_sample(void **state)
{
	struct json_object *all;
	struct procs_event ev;
	char err[256], *text;
	size_t len, nev = 0;

	(void)state;
	text = load("events-sample.json", &len);
	all = json_tokener_parse(text);
	free(text);
	assert_non_null(all);

	assert_int_equal(
	    procs_event_parse(sample_payload(all, "process:event / online"),
	        &ev, err, sizeof(err)),
	    0);
	assert_int_equal(ev.kind, PROCS_EV_ONLINE);
	assert_string_equal(ev.event, "online");
	assert_false(ev.manually);
	assert_string_equal(ev.name, "stable");
	assert_int_equal(ev.pm_id, 0);
	assert_int_equal(ev.status, PROCS_LAUNCHING);
	assert_int_equal(ev.at, 1795921908791LL);
	assert_int_equal(ev.autorestart, 1);
	assert_false(ev.has_exit_code);
	procs_event_free(&ev);

	assert_int_equal(
	    procs_event_parse(sample_payload(all, "process:event / start"), &ev,
	        err, sizeof(err)),
	    0);
	assert_int_equal(ev.kind, PROCS_EV_START);
	assert_true(ev.manually);
	assert_int_equal(ev.status, PROCS_ONLINE);
	procs_event_free(&ev);

	assert_int_equal(
	    procs_event_parse(
	        sample_payload(all, "process:event / exit (status=stopped)"),
	        &ev, err, sizeof(err)),
	    0);
	assert_int_equal(ev.kind, PROCS_EV_EXIT);
	assert_string_equal(ev.name, "crasher");
	assert_int_equal(ev.pm_id, 1);
	assert_int_equal(ev.status, PROCS_STOPPED);
	assert_true(ev.has_exit_code);
	assert_int_equal(ev.exit_code, 1);
	procs_event_free(&ev);

	assert_int_equal(
	    procs_event_parse(
	        sample_payload(all, "process:event / restart overlimit"), &ev,
	        err, sizeof(err)),
	    0);
	assert_int_equal(ev.kind, PROCS_EV_OVERLIMIT);
	assert_string_equal(ev.event, "restart overlimit");
	assert_string_equal(ev.name, "errorer");
	assert_int_equal(ev.status, PROCS_ERRORED);
	assert_int_equal(ev.restart_time, 2);
	assert_int_equal(ev.unstable_restarts, 3);
	assert_true(ev.has_created_at);
	procs_event_free(&ev);

	assert_int_equal(
	    procs_event_parse(
	        sample_payload(all, "process:event / exit (status=errored)"),
	        &ev, err, sizeof(err)),
	    0);
	assert_int_equal(ev.status, PROCS_ERRORED);
	assert_int_equal(ev.unstable_restarts, 0);
	assert_false(ev.has_created_at);
	procs_event_free(&ev);

	assert_int_equal(
	    procs_event_parse(
	        sample_payload(all, "process:event / exit (status=stopping)"),
	        &ev, err, sizeof(err)),
	    0);
	assert_int_equal(ev.status, PROCS_STOPPING);
	assert_int_equal(ev.pm_id, 7);
	procs_event_free(&ev);

	assert_int_equal(
	    procs_event_parse(sample_payload(all, "process:event / stop"), &ev,
	        err, sizeof(err)),
	    0);
	assert_int_equal(ev.kind, PROCS_EV_STOP);
	assert_true(ev.manually);
	procs_event_free(&ev);

	assert_int_equal(
	    procs_event_parse(sample_payload(all, "process:event / restart"),
	        &ev, err, sizeof(err)),
	    0);
	assert_int_equal(ev.kind, PROCS_EV_RESTART);
	assert_int_equal(ev.restart_time, 1);
	procs_event_free(&ev);

	/* Every process:event sample parses; other topics do not. */
	json_object_object_foreach(all, key, val)
	{
		struct json_object *topic, *payload;
		int is_event;

		assert_true(json_object_object_get_ex(val, "topic", &topic));
		assert_true(
		    json_object_object_get_ex(val, "payload", &payload));
		is_event =
		    strcmp(json_object_get_string(topic), "process:event") == 0;
		if (procs_event_parse(payload, &ev, err, sizeof(err)) == 0) {
			assert_true(is_event);
			nev++;
			procs_event_free(&ev);
		} else if (is_event)
			fail_msg("%s: %s", key, err);
	}
	assert_int_equal(nev, 8);
	/* log:PM2 has pm_id "PM2" and no event. */
	assert_int_equal(procs_event_parse(sample_payload(all, "log:PM2"), &ev,
	                     err, sizeof(err)),
	    -1);
	assert_string_equal(
	    err, "process:event: \"event\" missing or not a string");
	json_object_put(all);
}

/* The captured pub.sock frame, decoded and parsed end to end. */
static void
t_pub_frame(void **state)
{
	struct amp_decoder d;
	struct amp_frame f;
	struct procs_event ev;
	char err[256], *bin;
	size_t len;

	(void)state;
	bin = load("pub-process-event.bin", &len);
	amp_decoder_init(&d, 0);
	assert_int_equal(amp_feed(&d, bin, len), 0);
	assert_int_equal(amp_next(&d, &f), 1);
	assert_string_equal(f.args[0].data, "process:event");
	assert_int_equal(procs_event_parse_text(f.args[1].data, f.args[1].len,
	                     &ev, err, sizeof(err)),
	    0);
	assert_int_equal(ev.kind, PROCS_EV_ONLINE);
	assert_string_equal(ev.name, "stable");
	assert_int_equal(ev.at, 1795921908791LL);
	procs_event_free(&ev);
	amp_decoder_free(&d);
	free(bin);
}

static void
t_event_malformed(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
	    {"[]", "process:event: payload is not a JSON object"},
	    {"{\"event\":1}", "\"event\" missing or not a string"},
	    {"{\"event\":\"exit\"}",
	        "process:event 'exit': \"process\" missing or not an object"},
	    {"{\"event\":\"exit\",\"process\":[]}", "\"process\" missing"},
	    {"{\"event\":\"exit\",\"process\":{\"pm_id\":1}}",
	        "process.name missing"},
	    {"{\"event\":\"exit\",\"process\":{\"name\":\"a\","
	     "\"pm_id\":\"PM2\"}}",
	        "process:event 'exit' ('a'): process.pm_id missing or not "
	        "a non-negative integer"},
	    {"{\"event\":", "process:event: JSON is truncated"},
	    {"{} {}", "trailing data"},
	};
	struct procs_event ev;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
		    procs_event_parse_text(cases[i].text, strlen(cases[i].text),
		        &ev, err, sizeof(err)),
		    -1);
		assert_null(ev.event);
		assert_null(ev.name);
		if (strstr(err, cases[i].err) == NULL)
			fail_msg(
			    "case %zu: '%s' lacks '%s'", i, err, cases[i].err);
	}
	/* Minimal valid payload: defaults for the rest. */
	{
		static const char ok[] =
		    "{\"event\":\"custom\","
		    "\"process\":{\"name\":\"a\",\"pm_id\":4}}";

		assert_int_equal(procs_event_parse_text(
		                     ok, sizeof(ok) - 1, &ev, err, sizeof(err)),
		    0);
	}
	assert_int_equal(ev.kind, PROCS_EV_OTHER);
	assert_string_equal(ev.event, "custom");
	assert_int_equal(ev.at, 0);
	assert_int_equal(ev.autorestart, 1);
	assert_int_equal(ev.status, PROCS_UNKNOWN);
	procs_event_free(&ev);
	assert_int_equal(procs_event_parse(NULL, &ev, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_jlist_sample),
	    cmocka_unit_test(t_group_sample),
	    cmocka_unit_test(t_group_order),
	    cmocka_unit_test(t_malformed),
	    cmocka_unit_test(t_wrong_types),
	    cmocka_unit_test(t_notice_prefix),
	    cmocka_unit_test(t_huge_list),
	    cmocka_unit_test(t_status_names),
	    cmocka_unit_test(t_events_sample),
	    cmocka_unit_test(t_pub_frame),
	    cmocka_unit_test(t_event_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
