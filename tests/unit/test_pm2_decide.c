/*
 * test_pm2_decide.c: every verdict of the PM2 plugin on an app (errored,
 * PM2's stuck "waiting restart", stopped, memory, CPU, restart loops,
 * cluster instances, confirmation) and the push decisions on events.
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

#include "plugins/pm2/decide.h"
#include "plugins/pm2/procs.h"

#define T0 1795927000000LL

/* One jlist entry; extra is more pm2_env members ("" or ",\"k\":v"). */
static char *
entry(const char *name, int id, const char *status, long pid, int64_t uptime,
    int64_t restarts, uint64_t mem, double cpu, const char *extra)
{
	char *s;

	if (asprintf(&s,
	        "{\"name\":\"%s\",\"pm_id\":%d,\"pid\":%ld,"
	        "\"monit\":{\"memory\":%llu,\"cpu\":%.1f},"
	        "\"pm2_env\":{\"status\":\"%s\",\"pm_uptime\":%lld,"
	        "\"created_at\":%lld,\"restart_time\":%lld,"
	        "\"exec_mode\":\"fork_mode\",\"pm_exec_path\":\"/srv/"
	        "%s.js\"%s}}",
	        name, id, pid, (unsigned long long)mem, cpu, status,
	        (long long)uptime, (long long)uptime, (long long)restarts, name,
	        extra) < 0)
		abort();
	return s;
}

static void
parse(struct procs_list *l, int n, ...)
{
	char *text = strdup("["), *e, err[256];
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n; i++) {
		e = va_arg(ap, char *);
		text = realloc(text, strlen(text) + strlen(e) + 3);
		if (i)
			strcat(text, ",");
		strcat(text, e);
		free(e);
	}
	va_end(ap);
	strcat(text, "]");
	if (procs_parse_text(text, strlen(text), l, err, sizeof(err)) != 0)
		fail_msg("parse: %s in %s", err, text);
	free(text);
}

static const struct pm2_limits lim0 = {
    .memory_max = 0,
    .cpu_max = 90,
    .cpu_window = 10000,
    .restarts_max = 5,
    .restarts_window = 60000,
    .confirm = 1500,
};

/* Track the list at now, judge app `name`. */
static void
judge(struct pm2_tracks *t, struct procs_list *l, const char *name,
    const struct pm2_limits *lim, int64_t now, int ops, enum rdd_state prev,
    struct pm2_verdict *v)
{
	struct procs_apps apps;
	const struct procs_app *a;
	char err[128];

	assert_int_equal(pm2_track_list(t, l, lim, now), 0);
	assert_int_equal(procs_group(l, &apps, err, sizeof(err)), 0);
	a = procs_app_find(&apps, name);
	assert_non_null(a);
	pm2_judge_app(a, t, lim, now, ops, prev, v);
	procs_apps_free(&apps);
}

static void
t_online_ok(void **state)
{
	struct pm2_tracks t = {0};
	struct procs_list l;
	struct pm2_verdict v;

	parse(&l, 1,
	    entry("web", 0, "online", 4242, T0 - 60000, 0, 50 << 20, 1.5, ""));
	judge(&t, &l, "web", &lim0, T0, 0, RDD_UNKNOWN, &v);
	assert_int_equal(v.st, RDD_OK);
	assert_non_null(strstr(v.msg, "online, pid 4242"));
	assert_int_equal(v.online, 1);
	assert_int_equal(v.memory, 50 << 20);
	assert_int_equal(t.v[0].last_pid, 4242);
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
t_errored(void **state)
{
	struct pm2_tracks t = {0};
	struct procs_list l;
	struct pm2_verdict v;

	parse(&l, 1,
	    entry("cr", 3, "errored", 0, T0, 16, 0, 0, ",\"exit_code\":1"));
	judge(&t, &l, "cr", &lim0, T0, 0, RDD_UNKNOWN, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	assert_true(v.gave_up);
	assert_non_null(strstr(v.msg, "errored: PM2 gave up"));
	assert_int_equal(v.nbad, 1);
	assert_int_equal(v.bad[0], 3);
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
t_waiting_restart_stuck(void **state)
{
	struct pm2_tracks t = {0};
	struct procs_list l;
	struct pm2_verdict v;
	char *e;

	/* PM2 7.0.4 overwrites errored: pid 0, created_at null. */
	if (asprintf(&e, "{\"name\":\"crd\",\"pm_id\":4,\"pid\":0,"
	                 "\"pm2_env\":{\"status\":\"waiting restart\","
	                 "\"created_at\":null,\"restart_time\":2}}") < 0)
		abort();
	parse(&l, 1, e);
	judge(&t, &l, "crd", &lim0, T0, 0, RDD_UNKNOWN, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	assert_non_null(strstr(v.msg, "stuck in 'waiting restart'"));
	procs_list_free(&l);

	/* A real restart delay: the dead pid stays, created_at is set. */
	parse(&l, 1,
	    entry("crd", 4, "waiting restart", 999, T0 - 500, 3, 0, 0, ""));
	judge(&t, &l, "crd", &lim0, T0, 0, RDD_UNKNOWN, &v);
	assert_int_equal(v.st, RDD_OK);
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
t_stopped(void **state)
{
	struct pm2_tracks t = {0};
	struct procs_list l;
	struct pm2_verdict v;

	parse(&l, 1,
	    entry("once", 0, "stopped", 0, T0 - 5000, 0, 0, 0,
	        ",\"autorestart\":false,\"exit_code\":1"));
	judge(&t, &l, "once", &lim0, T0, 0, RDD_UNKNOWN, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	assert_non_null(strstr(v.msg, "no operator stopped it"));
	assert_non_null(strstr(v.msg, "autorestart off"));
	/* The operator stop remembered by name (from the state file). */
	judge(&t, &l, "once", &lim0, T0, 1, RDD_CRITICAL, &v);
	assert_int_equal(v.st, RDD_OK);
	assert_non_null(strstr(v.msg, "stopped by an operator"));
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
t_stopped_transient(void **state)
{
	struct pm2_tracks t = {0};
	struct procs_list l;
	struct pm2_verdict v;

	/* Caught between PM2's exit handling and its restart: not yet. */
	parse(&l, 1,
	    entry("web", 0, "stopped", 0, T0 - 5000, 3, 0, 0,
	        ",\"exit_code\":1"));
	judge(&t, &l, "web", &lim0, T0, 0, RDD_OK, &v);
	assert_int_equal(v.st, RDD_OK);
	/* Still stopped after `confirm`: PM2 did not restart it. */
	judge(&t, &l, "web", &lim0, T0 + 1500, 0, RDD_OK, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	assert_non_null(strstr(v.msg, "no operator stopped it"));
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
event(struct pm2_tracks *t, const char *ev, const char *name, int id,
    const char *status, int autorestart, int manually, int exit_code,
    int64_t at, char *msg, size_t len, int *push)
{
	struct procs_event e;
	char *text, err[128];

	if (asprintf(&text,
	        "{\"event\":\"%s\",\"manually\":%s,\"at\":%lld,"
	        "\"process\":{\"name\":\"%s\",\"pm_id\":%d,\"status\":\"%s\","
	        "\"autorestart\":%s,\"exit_code\":%d,\"restart_time\":0}}",
	        ev, manually ? "true" : "false", (long long)at, name, id,
	        status, autorestart ? "true" : "false", exit_code) < 0)
		abort();
	if (procs_event_parse_text(text, strlen(text), &e, err, sizeof(err)) !=
	    0)
		fail_msg("%s", err);
	*push = pm2_track_event(t, &e, at, at * 1000, msg, len);
	procs_event_free(&e);
	free(text);
}

static void
t_events_push(void **state)
{
	struct pm2_tracks t = {0};
	char msg[256];
	int push;

	/* An app without autorestart exits: PM2 will not restart it. */
	event(&t, "exit", "once", 0, "stopped", 0, 0, 1, T0, msg, sizeof(msg),
	    &push);
	assert_int_equal(push, 1);
	assert_non_null(strstr(msg, "autorestart is off"));
	assert_non_null(strstr(msg, "code 1"));

	/* A crash PM2 restarts itself: no push. */
	event(&t, "exit", "web", 1, "stopped", 1, 0, 1, T0, msg, sizeof(msg),
	    &push);
	assert_int_equal(push, 0);
	assert_true(pm2_track_find(&t, 1)->exit_seen_us == T0 * 1000);
	/* Our own restartProcessId: an exit while stopping keeps the cause. */
	event(&t, "exit", "web", 1, "stopping", 1, 0, 0, T0 + 11568, msg,
	    sizeof(msg), &push);
	assert_true(pm2_track_find(&t, 1)->exit_seen_us == T0 * 1000);

	/* restart overlimit: PM2 gave up. */
	event(&t, "restart overlimit", "cr", 2, "errored", 1, 0, 1, T0, msg,
	    sizeof(msg), &push);
	assert_int_equal(push, 1);
	assert_non_null(strstr(msg, "gave up"));
	assert_true(pm2_track_find(&t, 2)->exit_seen_us == T0 * 1000);

	/* pm2 stop of an app without autorestart: two exits, then stop. */
	event(&t, "exit", "once2", 5, "stopping", 0, 0, 0, T0, msg, sizeof(msg),
	    &push);
	assert_int_equal(push, 0);
	event(&t, "exit", "once2", 5, "stopped", 0, 0, 0, T0, msg, sizeof(msg),
	    &push);
	assert_int_equal(push, 0);
	assert_true(pm2_track_find(&t, 5)->op_stopped);
	/* Asked-for exits are no cause: latency is not measured from them. */
	assert_true(pm2_track_find(&t, 5)->exit_seen_us == 0);
	event(&t, "stop", "once2", 5, "stopped", 0, 1, 0, T0, msg, sizeof(msg),
	    &push);
	assert_int_equal(push, 0);
	assert_true(pm2_track_find(&t, 5)->op_stopped);
	/* Started again: the stop is forgotten. */
	event(&t, "online", "once2", 5, "launching", 0, 0, 0, T0, msg,
	    sizeof(msg), &push);
	assert_false(pm2_track_find(&t, 5)->op_stopped);
	pm2_tracks_free(&t);
}

static void
t_stop_event_makes_stopped_ok(void **state)
{
	struct pm2_tracks t = {0};
	struct procs_list l;
	struct pm2_verdict v;
	char msg[256];
	int push;

	parse(&l, 1, entry("api", 7, "online", 100, T0 - 60000, 0, 0, 0, ""));
	judge(&t, &l, "api", &lim0, T0, 0, RDD_UNKNOWN, &v);
	procs_list_free(&l);
	event(&t, "stop", "api", 7, "stopped", 1, 1, 0, T0, msg, sizeof(msg),
	    &push);
	parse(&l, 1, entry("api", 7, "stopped", 0, T0 - 60000, 0, 0, 0, ""));
	judge(&t, &l, "api", &lim0, T0 + 1000, 0, RDD_OK, &v);
	assert_int_equal(v.st, RDD_OK);
	assert_non_null(strstr(v.msg, "stopped by an operator"));
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
t_memory(void **state)
{
	struct pm2_tracks t = {0};
	struct pm2_limits lim = lim0;
	struct procs_list l;
	struct pm2_verdict v;

	lim.memory_max = 100 << 20;
	parse(&l, 1,
	    entry("leak", 0, "online", 77, T0 - 60000, 0, 150 << 20, 0, ""));
	judge(&t, &l, "leak", &lim, T0, 0, RDD_UNKNOWN, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	assert_non_null(
	    strstr(v.msg, "memory 150 MB over 100 MB (memory_max)"));
	assert_int_equal(v.nbad, 1);
	procs_list_free(&l);

	parse(&l, 1,
	    entry("leak", 0, "online", 77, T0 - 60000, 0, 90 << 20, 0, ""));
	judge(&t, &l, "leak", &lim, T0, 0, RDD_UNKNOWN, &v);
	assert_int_equal(v.st, RDD_OK);
	procs_list_free(&l);

	/* memory_max 0: the app's own max_memory_restart, at every check. */
	lim.memory_max = 0;
	parse(&l, 1,
	    entry("leak", 0, "online", 77, T0 - 60000, 0, 90 << 20, 0,
	        ",\"max_memory_restart\":83886080"));
	judge(&t, &l, "leak", &lim, T0, 0, RDD_UNKNOWN, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	assert_non_null(strstr(v.msg, "its max_memory_restart"));
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
t_cpu_sustained(void **state)
{
	struct pm2_tracks t = {0};
	struct procs_list l;
	struct pm2_verdict v;

	parse(&l, 1, entry("busy", 0, "online", 5, T0 - 60000, 0, 0, 99.5, ""));
	judge(&t, &l, "busy", &lim0, T0, 0, RDD_UNKNOWN, &v);
	assert_int_equal(v.st, RDD_WARNING);
	assert_non_null(strstr(v.msg, "CRITICAL after 10 s"));
	judge(&t, &l, "busy", &lim0, T0 + 5000, 0, RDD_WARNING, &v);
	assert_int_equal(v.st, RDD_WARNING);
	judge(&t, &l, "busy", &lim0, T0 + 10000, 0, RDD_WARNING, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	assert_non_null(strstr(v.msg, "cpu 100% over 90% for 10 s"));
	assert_int_equal(v.bad[0], 0);
	procs_list_free(&l);

	/* One dip under the limit (a busy machine) keeps the period... */
	parse(&l, 1, entry("busy", 0, "online", 5, T0 - 60000, 0, 0, 10, ""));
	judge(&t, &l, "busy", &lim0, T0 + 11000, 0, RDD_CRITICAL, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	procs_list_free(&l);
	parse(&l, 1, entry("busy", 0, "online", 5, T0 - 60000, 0, 0, 95, ""));
	judge(&t, &l, "busy", &lim0, T0 + 12000, 0, RDD_CRITICAL, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	procs_list_free(&l);
	/* ...two in a row end it: the clock starts again. */
	parse(&l, 1, entry("busy", 0, "online", 5, T0 - 60000, 0, 0, 10, ""));
	judge(&t, &l, "busy", &lim0, T0 + 13000, 0, RDD_CRITICAL, &v);
	judge(&t, &l, "busy", &lim0, T0 + 14000, 0, RDD_CRITICAL, &v);
	assert_int_equal(v.st, RDD_OK);
	procs_list_free(&l);
	parse(&l, 1, entry("busy", 0, "online", 5, T0 - 60000, 0, 0, 95, ""));
	judge(&t, &l, "busy", &lim0, T0 + 15000, 0, RDD_OK, &v);
	assert_int_equal(v.st, RDD_WARNING);
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
t_restart_loop(void **state)
{
	struct pm2_tracks t = {0};
	struct procs_list l;
	struct pm2_verdict v;
	char msg[256];
	int i, push;

	t.window = lim0.restarts_window;
	/* Four crashes PM2 restarted by itself, 5 s apart. */
	for (i = 0; i < 4; i++)
		event(&t, "exit", "flaky", 2, "stopped", 1, 0, 1, T0 + i * 5000,
		    msg, sizeof(msg), &push);
	/* A restart we asked for (stopping, stopped) does not count. */
	event(&t, "exit", "flaky", 2, "stopping", 1, 0, 0, T0 + 21000, msg,
	    sizeof(msg), &push);
	event(&t, "exit", "flaky", 2, "stopped", 1, 0, 0, T0 + 21010, msg,
	    sizeof(msg), &push);
	event(&t, "online", "flaky", 2, "launching", 1, 0, 0, T0 + 21020, msg,
	    sizeof(msg), &push);
	parse(&l, 1, entry("flaky", 2, "online", 12, T0 - 120000, 9, 0, 0, ""));
	judge(&t, &l, "flaky", &lim0, T0 + 22000, 0, RDD_OK, &v);
	assert_int_equal(v.restarts, 4);
	assert_int_equal(v.st, RDD_OK);
	event(&t, "exit", "flaky", 2, "stopped", 1, 0, 1, T0 + 23000, msg,
	    sizeof(msg), &push);
	judge(&t, &l, "flaky", &lim0, T0 + 23500, 0, RDD_OK, &v);
	assert_int_equal(v.st, RDD_OK); /* 5: not over restarts_max 5 */
	event(&t, "exit", "flaky", 2, "stopped", 1, 0, 1, T0 + 24000, msg,
	    sizeof(msg), &push);
	judge(&t, &l, "flaky", &lim0, T0 + 24500, 0, RDD_OK, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	assert_int_equal(v.restarts, 6);
	assert_true(v.whole);
	assert_non_null(strstr(v.msg, "restart loop: 6 crashes in the last "
	                              "60 s (restarts_max 5)"));
	/* Quiet for window / restarts_max (12 s): the loop is over. */
	judge(&t, &l, "flaky", &lim0, T0 + 35000, 0, RDD_CRITICAL, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	judge(&t, &l, "flaky", &lim0, T0 + 36001, 0, RDD_CRITICAL, &v);
	assert_int_equal(v.restarts, 6);
	assert_int_equal(v.st, RDD_OK);
	/* The window slides past the burst: nothing counted any more. */
	judge(&t, &l, "flaky", &lim0, T0 + 90000, 0, RDD_OK, &v);
	assert_int_equal(v.restarts, 0);
	assert_int_equal(v.st, RDD_OK);
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
t_cluster_instances(void **state)
{
	struct pm2_tracks t = {0};
	struct procs_list l;
	struct pm2_verdict v;
	const char *cl = ",\"exec_mode\":\"cluster_mode\",\"instances\":4";
	char x[4][160];
	int i;

	for (i = 0; i < 4; i++)
		snprintf(
		    x[i], sizeof(x[i]), "%s,\"NODE_APP_INSTANCE\":%d", cl, i);
	parse(&l, 4, entry("api", 10, "online", 101, T0 - 60000, 0, 1, 0, x[0]),
	    entry("api", 11, "online", 102, T0 - 60000, 0, 1, 0, x[1]),
	    entry("api", 12, "errored", 0, T0 - 60000, 16, 0, 0, x[2]),
	    entry("api", 13, "online", 104, T0 - 60000, 0, 1, 0, x[3]));
	judge(&t, &l, "api", &lim0, T0, 0, RDD_UNKNOWN, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	assert_int_equal(v.n, 4);
	assert_int_equal(v.online, 3);
	assert_non_null(strstr(v.msg, "instance 2 (pm_id 12): errored"));
	assert_non_null(strstr(v.msg, "cluster, 3/4 online (pm_ids "
	                              "10,11,12,13)"));
	assert_int_equal(v.nbad, 1);
	assert_int_equal(v.bad[0], 12);
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
t_confirm_after_critical(void **state)
{
	struct pm2_tracks t = {0};
	struct procs_list l;
	struct pm2_verdict v;

	/* Online for 300 ms after being CRITICAL: not closed yet. */
	parse(&l, 1, entry("cr", 1, "online", 9, T0 - 300, 5, 0, 0, ""));
	judge(&t, &l, "cr", &lim0, T0, 0, RDD_CRITICAL, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	assert_non_null(strstr(v.msg, "confirming it stays up for 1.5 s"));
	/* The same for an app that was fine: OK at once. */
	judge(&t, &l, "cr", &lim0, T0, 0, RDD_OK, &v);
	assert_int_equal(v.st, RDD_OK);
	/* Up long enough: OK. */
	judge(&t, &l, "cr", &lim0, T0 + 2000, 0, RDD_CRITICAL, &v);
	assert_int_equal(v.st, RDD_OK);
	procs_list_free(&l);
	/* PM2 still bringing it up. */
	parse(&l, 1, entry("cr", 1, "launching", 9, T0 - 50, 5, 0, 0, ""));
	judge(&t, &l, "cr", &lim0, T0, 0, RDD_CRITICAL, &v);
	assert_int_equal(v.st, RDD_CRITICAL);
	assert_non_null(strstr(v.msg, "PM2 is restarting it"));
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
t_pm_id_reused(void **state)
{
	struct pm2_tracks t = {0};
	struct procs_list l;
	struct pm2_verdict v;

	parse(&l, 1, entry("a", 0, "online", 1, T0 - 60000, 9, 0, 0, ""));
	judge(&t, &l, "a", &lim0, T0, 0, RDD_OK, &v);
	procs_list_free(&l);
	/* The list emptied, ids restart at 0 with another app. */
	parse(&l, 1, entry("b", 0, "online", 2, T0 - 60000, 0, 0, 0, ""));
	judge(&t, &l, "b", &lim0, T0 + 1000, 0, RDD_OK, &v);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.v[0].name, "b");
	assert_int_equal(v.restarts, 0);
	procs_list_free(&l);
	pm2_tracks_free(&t);
}

static void
t_fmt(void **state)
{
	char b[32];

	pm2_fmt_bytes(b, sizeof(b), 80 << 20);
	assert_string_equal(b, "80 MB");
	pm2_fmt_bytes(b, sizeof(b), 3ULL << 30);
	assert_string_equal(b, "3.0 GB");
	pm2_fmt_ms(b, sizeof(b), 250);
	assert_string_equal(b, "250 ms");
	pm2_fmt_ms(b, sizeof(b), 1500);
	assert_string_equal(b, "1.5 s");
	pm2_fmt_ms(b, sizeof(b), 300000);
	assert_string_equal(b, "5 min");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_online_ok),
	    cmocka_unit_test(t_errored),
	    cmocka_unit_test(t_waiting_restart_stuck),
	    cmocka_unit_test(t_stopped),
	    cmocka_unit_test(t_stopped_transient),
	    cmocka_unit_test(t_events_push),
	    cmocka_unit_test(t_stop_event_makes_stopped_ok),
	    cmocka_unit_test(t_memory),
	    cmocka_unit_test(t_cpu_sustained),
	    cmocka_unit_test(t_restart_loop),
	    cmocka_unit_test(t_cluster_instances),
	    cmocka_unit_test(t_confirm_after_critical),
	    cmocka_unit_test(t_pm_id_reused),
	    cmocka_unit_test(t_fmt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
