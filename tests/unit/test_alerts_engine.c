/*
 * test_alerts_engine.c: the alert engine on a fake clock with a fake
 * outbox: routing, grouping, repeat, resolved, inhibition, escalation, holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <libconfig.h>

#include "daemon.h"
#include "alerts/aconf.h"
#include "alerts/engine.h"

#define MIN (60 * 1000LL)

struct sent {
	char rcv[32];
	char key[512];
	json_object *doc;
	enum rdd_state sev;
};

static struct sent sent[64];
static size_t nsent;
static int64_t clock_ms;
static int with_escalation; /* else L2/L3 receivers are not recorded */

static int64_t
fake_now(void *arg)
{
	(void)arg;
	return clock_ms;
}

static int
fake_put(void *arg, const char *receiver, const char *key, const char *payload,
    enum rdd_state sev)
{
	(void)arg;
	if (!with_escalation &&
	    (strcmp(receiver, "chat") == 0 || strcmp(receiver, "phone") == 0))
		return 0;
	assert_true(nsent < 64);
	snprintf(sent[nsent].rcv, sizeof(sent[nsent].rcv), "%s", receiver);
	snprintf(sent[nsent].key, sizeof(sent[nsent].key), "%s", key);
	sent[nsent].doc = json_tokener_parse(payload);
	assert_non_null(sent[nsent].doc);
	sent[nsent].sev = sev;
	nsent++;
	return 0;
}

static void
sent_clear(void)
{
	size_t i;

	for (i = 0; i < nsent; i++)
		json_object_put(sent[i].doc);
	nsent = 0;
}

static const char *
jpath(json_object *o, const char *a, const char *b)
{
	json_object *v;

	if (!json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b != NULL && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return json_object_get_string(v);
}

static json_object *
first_alert(json_object *doc)
{
	json_object *arr;

	assert_true(json_object_object_get_ex(doc, "alerts", &arr));
	return json_object_array_get_idx(arr, 0);
}

static const char *BASE =
    "alerts = { receivers = ( { name = \"ops\"; type = \"webhook\"; url = "
    "\"http://127.0.0.1:9/h\"; }, { name = \"mail\"; type = \"email\"; "
    "url = \"smtp://127.0.0.1:9\"; from = \"rdd@example.org\"; "
    "to = [ \"ops@example.org\" ]; }, { name = \"chat\"; type = \"slack\"; "
    "url = \"http://127.0.0.1:9/s\"; }, { name = \"phone\"; type = \"sms\"; "
    "url = \"http://127.0.0.1:9/m\"; to = [ \"+15550100\" ]; } );\n"
    " route = { receivers = [ \"ops\" ]; group_wait = \"0s\"; "
    "group_interval = \"1m\"; repeat_interval = \"10m\";\n"
    "   routes = ( { match = { severity = \"critical\"; }; receivers = [ "
    "\"ops\", \"mail\" ]; } ); };\n"
    " escalation = ( { level = 2; after = \"2m\"; receivers = [ \"chat\" ]; "
    "}, { level = 3; after = \"5m\"; receivers = [ \"phone\" ]; } );\n"
    " trends = ( { monitor = \"api\"; metric = \"memory\"; limit = \"1G\"; "
    "limit_name = \"memory_max\"; horizon = \"30m\"; window = \"10m\"; } );\n"
    "};\n";

struct fx {
	config_t cfg;
	struct alerts_conf *ac;
	struct conf conf;
	struct conf_monitor mon[4];
	struct rdd_daemon d;
	struct alerts *a;
	char dir[64];
};

static char *deps_api[] = {"db", NULL};
static char *deps_web[] = {"api", NULL};

static struct alerts_conf *
parse(config_t *cfg, const char *text, struct errlist *errs)
{
	config_init(cfg);
	if (!config_read_string(cfg, text))
		fail_msg("config: %s at %d", config_error_text(cfg),
		    config_error_line(cfg));
	return alerts_conf_parse(config_lookup(cfg, "alerts"), "t:1: ", errs);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct errlist errs = {0};

	snprintf(f->dir, sizeof(f->dir), "/tmp/rdd-ae.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->ac = parse(&f->cfg, BASE, &errs);
	if (f->ac == NULL)
		fail_msg("parse: %s", errs.n ? errs.v[0] : "?");
	f->mon[0].name = "db";
	f->mon[1].name = "api";
	f->mon[1].depends_on.v = deps_api;
	f->mon[1].depends_on.n = 1;
	f->mon[2].name = "web";
	f->mon[2].depends_on.v = deps_web;
	f->mon[2].depends_on.n = 1;
	f->mon[3].name = "cron";
	f->mon[3].depends_on.v = deps_api;
	f->mon[3].depends_on.n = 1;
	f->conf.mon = f->mon;
	f->conf.nmon = 4;
	f->conf.state_dir = f->dir;
	f->d.conf = &f->conf;
	clock_ms = 1700000000000LL;
	f->a = alerts_new(&f->d);
	alerts_set_sink(f->a, fake_put, NULL);
	alerts_set_clock(f->a, fake_now, NULL);
	alerts_apply(f->a, f->ac);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	sent_clear();
	alerts_free(f->a);
	alerts_conf_free(f->ac);
	config_destroy(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
tick_at(struct fx *f, int64_t ms)
{
	clock_ms += ms;
	alerts_tick(f->a);
}

/*
 * alerts_due tells what one check result made due, all of it in one
 * notification; what comes after waits for group_interval.
 */
static void
t_due_now(void **state)
{
	struct fx *f = *state;
	size_t n;

	alerts_event(f->a, AEV_CRITICAL, "api", "web", "HTTP 502");
	alerts_event(f->a, AEV_CRITICAL, "api", "web", "HTTP 503");
	assert_int_equal(nsent, 0); /* an event alone waits for its result */
	alerts_due(f->a);
	assert_int_equal(nsent, 1);
	/* Same group (severity warning, one route): it waits. */
	alerts_event(f->a, AEV_WARNING, "api", "web", "slow");
	alerts_due(f->a);
	n = nsent;
	assert_int_equal(n, 1);
	tick_at(f, 59 * 1000);
	assert_int_equal(nsent, 1); /* group_interval: 1m */
	tick_at(f, 1000);
	assert_int_equal(nsent, 2);
}

/* A hard CRITICAL: one notification, deduplicated, repeated, resolved. */
static void
t_group_dedup_repeat_resolved(void **state)
{
	struct fx *f = *state;
	json_object *al;
	const char *fp;

	alerts_event(f->a, AEV_CRITICAL, "api", "web", "HTTP 502");
	alerts_event(f->a, AEV_CRITICAL, "api", "web", "HTTP 502");
	tick_at(f, 0);
	assert_int_equal(nsent, 1);
	assert_string_equal(sent[0].rcv, "ops");
	assert_int_equal(sent[0].sev, RDD_WARNING);
	assert_string_equal(jpath(sent[0].doc, "version", NULL), "4");
	assert_string_equal(jpath(sent[0].doc, "status", NULL), "firing");
	assert_string_equal(jpath(sent[0].doc, "receiver", NULL), "ops");
	assert_string_equal(jpath(sent[0].doc, "groupKey", NULL),
	    "{}:{monitor=\"api\", target=\"web\"}");
	assert_string_equal(
	    jpath(sent[0].doc, "groupLabels", "monitor"), "api");
	assert_string_equal(
	    jpath(sent[0].doc, "commonLabels", "severity"), "warning");
	al = first_alert(sent[0].doc);
	assert_string_equal(jpath(al, "labels", "alertname"), "TargetCritical");
	assert_string_equal(jpath(al, "labels", "event"), "critical");
	assert_string_equal(
	    jpath(al, "annotations", "description"), "HTTP 502");
	assert_non_null(jpath(al, "annotations", "next_step"));
	assert_string_equal(jpath(al, "endsAt", NULL), "0001-01-01T00:00:00Z");
	assert_string_equal(
	    jpath(al, "startsAt", NULL), "2023-11-14T22:13:20.000Z");
	fp = jpath(al, "fingerprint", NULL);
	assert_int_equal(strlen(fp), 16);
	assert_true(strspn(fp, "0123456789abcdef") == 16);
	assert_int_equal(alerts_firing(f->a), 1);

	/* Unchanged: nothing until repeat_interval. */
	tick_at(f, MIN);
	tick_at(f, 4 * MIN);
	assert_int_equal(nsent, 1);
	tick_at(f, 6 * MIN);
	assert_int_equal(nsent, 2);
	assert_string_not_equal(sent[0].key, sent[1].key);

	alerts_event(f->a, AEV_RECOVERED, "api", "web", "OK");
	tick_at(f, 0);
	assert_int_equal(nsent, 2); /* waits for group_interval */
	tick_at(f, MIN);
	assert_int_equal(nsent, 3);
	assert_string_equal(jpath(sent[2].doc, "status", NULL), "resolved");
	al = first_alert(sent[2].doc);
	assert_string_not_equal(
	    jpath(al, "endsAt", NULL), "0001-01-01T00:00:00Z");
	assert_int_equal(alerts_firing(f->a), 0);
	tick_at(f, 20 * MIN);
	assert_int_equal(nsent, 3);
}

/* give-up is critical: the child route sends it to ops and mail. */
static void
t_route_by_severity(void **state)
{
	struct fx *f = *state;

	alerts_event(f->a, AEV_GAVE_UP, "api", "web", "3 attempts failed");
	alerts_event(f->a, AEV_LIFECYCLE, NULL, NULL, "redundancyd started");
	tick_at(f, 0);
	assert_int_equal(nsent, 3);
	assert_string_equal(sent[0].rcv, "ops");
	assert_string_equal(sent[1].rcv, "mail");
	assert_int_equal(sent[0].sev, RDD_CRITICAL);
	assert_non_null(strstr(
	    jpath(sent[0].doc, "groupKey", NULL), "{severity=\"critical\"}"));
	assert_string_equal(sent[2].rcv, "ops");
	assert_int_equal(sent[2].sev, RDD_OK);
	/* The lifecycle notice is sent once, never repeated or resolved. */
	tick_at(f, 30 * MIN);
	assert_int_equal(nsent, 5); /* the give-up repeats to both */
}

/*
 * Served from a fallback (pm2's backup) after the ladder: a warning that
 * takes the place of the CRITICAL alert; never a critical give-up.
 */
static void
t_served(void **state)
{
	struct fx *f = *state;
	json_object *arr, *al;
	size_t i, j, served = 0;

	alerts_event(f->a, AEV_CRITICAL, "api", "web", "errored");
	tick_at(f, 0);
	assert_int_equal(nsent, 1);
	alerts_event(f->a, AEV_SERVED, "api", "web",
	    "serving from backup-web (1/1 online): errored");
	tick_at(f, MIN);
	assert_true(nsent > 1);
	for (i = 1; i < nsent; i++) {
		/* Warning severity: the critical route (mail) hears nothing. */
		assert_string_equal(sent[i].rcv, "ops");
		assert_true(
		    json_object_object_get_ex(sent[i].doc, "alerts", &arr));
		for (j = 0; j < json_object_array_length(arr); j++) {
			al = json_object_array_get_idx(arr, j);
			assert_string_not_equal(
			    jpath(al, "labels", "event"), "gave-up");
			if (strcmp(jpath(al, "labels", "alertname"),
			        "ServedDegraded") != 0)
				continue;
			served++;
			assert_string_equal(
			    jpath(al, "status", NULL), "firing");
			assert_string_equal(
			    jpath(al, "labels", "severity"), "warning");
			assert_string_equal(
			    jpath(al, "labels", "event"), "served");
			assert_non_null(
			    strstr(jpath(al, "annotations", "description"),
			        "serving from backup-web"));
		}
	}
	assert_int_equal(served, 1);
	/* The CRITICAL alert gave way: one alert fires, the served one. */
	assert_int_equal(alerts_firing(f->a), 1);
	alerts_event(f->a, AEV_RECOVERED, "api", "web", "OK");
	tick_at(f, MIN);
	assert_int_equal(alerts_firing(f->a), 0);
}

/* Blocked downstream monitors are held back and named upstream. */
static void
t_inhibition(void **state)
{
	struct fx *f = *state;
	json_object *al;

	alerts_event(f->a, AEV_CRITICAL, "db", "main", "refused");
	alerts_event(f->a, AEV_BLOCKED, "api", "web", "upstream down");
	alerts_event(f->a, AEV_BLOCKED, "web", "home", "upstream down");
	alerts_event(f->a, AEV_BLOCKED, "cron", "job", "upstream down");
	alerts_event(f->a, AEV_CRITICAL, "api", "web", "HTTP 502");
	alerts_event(f->a, AEV_CRITICAL, "web", "home", "HTTP 502");
	tick_at(f, 0);
	assert_int_equal(nsent, 1);
	al = first_alert(sent[0].doc);
	assert_string_equal(jpath(al, "labels", "monitor"), "db");
	assert_non_null(strstr(jpath(al, "annotations", "description"),
	    "3 dependent monitors blocked: api, web, cron"));
	/* Upstream back: the downstream alerts that still fire are told. */
	alerts_event(f->a, AEV_RECOVERED, "db", "main", "OK");
	alerts_event_kind(f->a, AEV_BLOCKED, "unblocked", "api", "web", "");
	alerts_event_kind(f->a, AEV_BLOCKED, "unblocked", "web", "home", "");
	alerts_event_kind(f->a, AEV_BLOCKED, "unblocked", "cron", "job", "");
	tick_at(f, MIN);
	assert_int_equal(nsent, 4); /* db resolved, api and web firing */
}

/* L1 -> L2 -> L3 unless acknowledged; resolution tells those paged. */
static void
t_escalation_and_ack(void **state)
{
	struct fx *f = *state;
	char msg[256];
	size_t i, chat = 0, phone = 0;

	with_escalation = 1;
	alerts_event(f->a, AEV_GAVE_UP, "api", "web", "needs an operator");
	alerts_event(f->a, AEV_GAVE_UP, "db", "main", "needs an operator");
	tick_at(f, 0);
	assert_int_equal(nsent, 4);
	tick_at(f, 2 * MIN);
	for (i = 0; i < nsent; i++)
		chat += strcmp(sent[i].rcv, "chat") == 0;
	assert_int_equal(chat, 2);
	assert_string_equal(jpath(first_alert(sent[nsent - 1].doc),
	                        "annotations", "escalation"),
	    "L2");
	assert_int_equal(
	    alerts_ack(f->a, "api", "web", "on it", 1000, msg, sizeof(msg)), 0);
	assert_int_equal(
	    alerts_ack(f->a, "nope", NULL, NULL, 1000, msg, sizeof(msg)), -1);
	tick_at(f, 3 * MIN);
	for (i = 0; i < nsent; i++)
		if (strcmp(sent[i].rcv, "phone") == 0) {
			phone++;
			assert_string_equal(jpath(first_alert(sent[i].doc),
			                        "labels", "monitor"),
			    "db");
		}
	assert_int_equal(phone, 1);
	sent_clear();
	alerts_event(f->a, AEV_RECOVERED, "db", "main", "OK");
	tick_at(f, MIN);
	for (i = 0, chat = phone = 0; i < nsent; i++) {
		chat += strcmp(sent[i].rcv, "chat") == 0;
		phone += strcmp(sent[i].rcv, "phone") == 0;
		assert_string_equal(
		    jpath(sent[i].doc, "status", NULL), "resolved");
	}
	assert_int_equal(chat, 1);
	assert_int_equal(phone, 1);
	with_escalation = 0;
}

/* Silences and pauses hold alerts back; dry-run and pause gate actions. */
static void
t_silence_pause_dryrun(void **state)
{
	struct fx *f = *state;
	char msg[256];
	struct alerts *b;
	int64_t until;
	long by;

	assert_int_equal(alerts_silence(f->a, "api", NULL, 10 * MIN, "deploy",
	                     1000, msg, sizeof(msg)),
	    0);
	assert_int_equal(
	    alerts_pause(f->a, "db", 0, "maintenance", 1001, msg, sizeof(msg)),
	    0);
	alerts_event(f->a, AEV_CRITICAL, "api", "web", "HTTP 502");
	alerts_event(f->a, AEV_CRITICAL, "db", "main", "refused");
	tick_at(f, 0);
	tick_at(f, MIN);
	assert_int_equal(nsent, 0);
	assert_int_equal(alerts_recovery_gate(f->a, "db", "main", "restart", 0,
	                     msg, sizeof(msg)),
	    2);
	assert_non_null(strstr(msg, "paused by uid 1001"));
	assert_int_equal(alerts_recovery_gate(f->a, "db", "main", "restart", 1,
	                     msg, sizeof(msg)),
	    0);
	assert_int_equal(alerts_recovery_gate(f->a, "api", "web", "restart", 0,
	                     msg, sizeof(msg)),
	    0);
	f->mon[1].rec.dry_run = 1;
	assert_int_equal(alerts_recovery_gate(
	                     f->a, "api", "", "recover-1", 0, msg, sizeof(msg)),
	    1);
	assert_string_equal(msg, "would recover-1 api");

	/* Holds survive a restart: a new engine reads alerts.json. */
	b = alerts_new(&f->d);
	alerts_set_clock(b, fake_now, NULL);
	assert_true(alerts_paused(b, "db", &by, &until, NULL));
	assert_int_equal(by, 1001);
	assert_int_equal(until, 0);
	/* A rename by a reload carries the pause over, and saves it. */
	assert_int_equal(alerts_rename(b, "db", "pg"), 1);
	assert_false(alerts_paused(b, "db", NULL, NULL, NULL));
	assert_true(alerts_paused(b, "pg", &by, NULL, NULL));
	assert_int_equal(by, 1001);
	assert_int_equal(alerts_rename(b, "nothing", "here"), 0);
	alerts_free(b);
	b = alerts_new(&f->d);
	assert_true(alerts_paused(b, "pg", NULL, NULL, NULL));
	assert_int_equal(alerts_rename(b, "pg", "db"), 1);
	alerts_free(b);

	/* The silence expires: the alert still fires, so it is told. */
	tick_at(f, 10 * MIN);
	assert_int_equal(nsent, 1);
	assert_string_equal(
	    jpath(sent[0].doc, "groupLabels", "monitor"), "api");
	assert_int_equal(alerts_resume(f->a, "db", 1001, msg, sizeof(msg)), 0);
	assert_int_equal(alerts_resume(f->a, "db", 1001, msg, sizeof(msg)), -1);
	tick_at(f, 0);
	assert_int_equal(nsent, 2);
	assert_string_equal(jpath(sent[1].doc, "groupLabels", "monitor"), "db");
}

/* Least squares on a synthetic series: 1 MiB a minute up to 1 GiB. */
static void
t_trend(void **state)
{
	struct fx *f = *state;
	double t[10], y[10], slope, eta;
	int i;

	for (i = 0; i < 10; i++) {
		t[i] = i * 60000.0;
		y[i] = 100.0 + 2.0 * i + (i % 2 ? 0.5 : -0.5);
	}
	assert_int_equal(trend_fit(t, y, 10, 200.0, &slope, &eta), 1);
	assert_true(slope > 1.9 / 60000 && slope < 2.1 / 60000);
	assert_true(eta > 40 * 60000.0 && eta < 42 * 60000.0);
	for (i = 0; i < 10; i++)
		y[i] = 100.0 - i;
	assert_int_equal(trend_fit(t, y, 10, 200.0, &slope, &eta), 0);
	assert_int_equal(trend_fit(t, y, 1, 200.0, &slope, &eta), -1);

	/* 1 GiB - 14 MiB used, growing by 1 MiB a minute: ~14 min left. */
	for (i = 0; i < 6; i++) {
		alerts_sample(f->a, "api", "api", "memory",
		    (double)(1024 - 14 - 5 + i) * 1048576.0);
		if (i < 5)
			clock_ms += MIN;
	}
	tick_at(f, 0);
	assert_int_equal(nsent, 1);
	assert_string_equal(
	    jpath(first_alert(sent[0].doc), "labels", "alertname"),
	    "TrendForecast");
	assert_string_equal(
	    jpath(first_alert(sent[0].doc), "annotations", "description"),
	    "api memory reaches memory_max in ~14 min");
	/* Flat again: the forecast resolves. */
	for (i = 0; i < 10; i++) {
		clock_ms += MIN;
		alerts_sample(f->a, "api", "api", "memory", 100.0);
	}
	assert_int_equal(alerts_firing(f->a), 0);
}

/* Swap the fixture's configuration for text. */
static void
reconf_text(struct fx *f, const char *text)
{
	struct errlist errs = {0};

	alerts_conf_free(f->ac);
	config_destroy(&f->cfg);
	f->ac = parse(&f->cfg, text, &errs);
	if (f->ac == NULL)
		fail_msg("parse: %s", errs.n ? errs.v[0] : "?");
	alerts_apply(f->a, f->ac);
}

/* BASE with extra settings inside its alerts group. */
static void
reconf(struct fx *f, const char *extra)
{
	char *text;
	size_t n = strlen(BASE);

	assert_non_null(text = malloc(n + strlen(extra) + 1));
	memcpy(text, BASE, n - 3); /* up to the closing "};\n" */
	strcpy(text + n - 3, extra);
	strcat(text, "};\n");
	reconf_text(f, text);
	free(text);
}

/*
 * Rules on event "recovered" govern the resolved notice: a severity sets
 * the one it is delivered with, "none" resolves silently; a route naming
 * event "recovered" hears every resolution of an alert that was told.
 */
static void
t_recovered_rules(void **state)
{
	struct fx *f = *state;
	size_t i, ops = 0, mail = 0;

	reconf(f, " rules = ( { monitor = \"db\"; event = \"recovered\"; "
	          "severity = \"none\"; }, { monitor = \"api\"; event = "
	          "\"recovered\"; severity = \"critical\"; } );\n");
	alerts_event(f->a, AEV_CRITICAL, "api", "web", "HTTP 502");
	alerts_event(f->a, AEV_CRITICAL, "db", "main", "refused");
	tick_at(f, 0);
	assert_int_equal(nsent, 2);
	assert_int_equal(sent[0].sev, RDD_WARNING);
	sent_clear();
	alerts_event(f->a, AEV_RECOVERED, "api", "web", "OK");
	alerts_event(f->a, AEV_RECOVERED, "db", "main", "OK");
	tick_at(f, MIN);
	/* api: resolved as critical (its routes stay those told it fired). */
	assert_int_equal(nsent, 1);
	assert_string_equal(sent[0].rcv, "ops");
	assert_string_equal(jpath(sent[0].doc, "status", NULL), "resolved");
	assert_string_equal(
	    jpath(sent[0].doc, "groupLabels", "monitor"), "api");
	assert_int_equal(sent[0].sev, RDD_CRITICAL);
	assert_string_equal(
	    jpath(first_alert(sent[0].doc), "labels", "severity"), "critical");
	assert_int_equal(alerts_firing(f->a), 0);
	tick_at(f, 20 * MIN);
	assert_int_equal(nsent, 1);
	sent_clear();

	/* A route on event "recovered": resolutions also go to mail. */
	reconf_text(f,
	    "alerts = { receivers = ( { name = \"ops\"; type = \"webhook\"; "
	    "url = \"http://127.0.0.1:9/h\"; }, { name = \"mail\"; type = "
	    "\"webhook\"; url = \"http://127.0.0.1:9/m\"; } ); route = { "
	    "receivers = [ \"ops\" ]; group_wait = \"0s\"; group_interval = "
	    "\"1m\"; routes = ( { match = { event = \"recovered\"; }; "
	    "receivers = [ \"mail\" ]; } ); }; };\n");
	alerts_event(f->a, AEV_CRITICAL, "web", "home", "HTTP 502");
	tick_at(f, 0);
	assert_int_equal(nsent, 1);
	assert_string_equal(sent[0].rcv, "ops");
	alerts_event(f->a, AEV_RECOVERED, "web", "home", "OK");
	tick_at(f, MIN);
	for (i = 1; i < nsent; i++) {
		ops += strcmp(sent[i].rcv, "ops") == 0;
		mail += strcmp(sent[i].rcv, "mail") == 0;
		assert_string_equal(
		    jpath(sent[i].doc, "status", NULL), "resolved");
	}
	assert_int_equal(ops, 1);
	assert_int_equal(mail, 1);
}

/* Config errors name the place and the fix. */
static void
t_conf_errors(void **state)
{
	config_t cfg;
	struct errlist errs = {0};
	struct alerts_conf *ac;

	(void)state;
	ac = parse(&cfg,
	    "alerts = { receivers = ( { name = \"ops\"; type = "
	    "\"webhook\"; url = \"http://127.0.0.1:9/\"; } );\n route = { "
	    "receivers = [ \"opz\" ]; group_wiat = \"1s\"; };\n"
	    " escalation = ( { level = 4; after = \"1m\"; receivers = "
	    "[\"ops\"]; } ); };",
	    &errs);
	assert_null(ac);
	assert_true(errs.n >= 3);
	assert_non_null(strstr(errs.v[0], "unknown setting 'group_wiat'"));
	assert_non_null(strstr(errs.v[1], "no receiver named 'opz'"));
	assert_non_null(strstr(errs.v[1], "t:1: alerts.route.receivers"));
	assert_non_null(strstr(errs.v[2], "expected 2 or 3"));
	errlist_free(&errs);
	config_destroy(&cfg);

	/* Only receivers and route.receivers: defaults for the rest. */
	ac = parse(&cfg,
	    "alerts = { receivers = ( { name = \"ops\"; type = "
	    "\"webhook\"; url = \"http://127.0.0.1:9/\"; } ); route = { "
	    "receivers = \"ops\"; }; };",
	    &errs);
	assert_non_null(ac);
	assert_int_equal(ac->root.group_wait_ms, ACONF_GROUP_WAIT_MS);
	assert_int_equal(ac->root.repeat_interval_ms, ACONF_REPEAT_INTERVAL_MS);
	assert_int_equal(ac->inhibit, 1);
	alerts_conf_free(ac);
	config_destroy(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        t_group_dedup_repeat_resolved, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        t_route_by_severity, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_served, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_inhibition, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_due_now, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        t_escalation_and_ack, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        t_silence_pause_dryrun, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_trend, setup, teardown),
	    cmocka_unit_test_setup_teardown(t_recovered_rules, setup, teardown),
	    cmocka_unit_test(t_conf_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
