/*
 * test_exec.c: unit tests of the exec plugin (plugins/exec/exec.c), linked
 * directly and driven through the mock host table of tests/lib/mock_host.c.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <redundancyd/rdd_plugin.h>

#include "tests/lib/mock_host.h"

extern const struct rdd_plugin rdd_plugin;

#define LADDER                                                                 \
	"( [\"systemctl\", \"restart\", \"app\"], "                            \
	"[\"/usr/local/bin/failover\", \"--now\"] )"

struct fx {
	struct mock_host mh;
	void *ctx;
	char err[512];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	mock_host_init(&f->mh, "web");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f->ctx != NULL) {
		rdd_plugin.stop(f->ctx);
		rdd_plugin.destroy(f->ctx);
	}
	mock_host_free(&f->mh);
	free(f);
	return 0;
}

static int
create(struct fx *f, const void *cfg)
{
	assert_non_null(cfg);
	f->err[0] = '\0';
	return rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh), cfg,
	    &f->ctx, f->err, sizeof(f->err));
}

/* A monitor with a check and the two-rung ladder. */
static void
create_default(struct fx *f)
{
	void *cfg = mock_config_new(&f->mh, &rdd_plugin, "command",
	    "[\"/usr/lib/nagios/plugins/check_http\", \"-H\", \"localhost\"]",
	    "recover", LADDER, NULL);

	assert_int_equal(create(f, cfg), 0);
	assert_non_null(f->ctx);
}

/* Run one check and complete its child with an exit status and output. */
static const struct mock_report *
check_exit(struct fx *f, int status, const char *out, const char *err)
{
	int idx, done = f->mh.checks_done;

	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	idx = mock_child_last(&f->mh);
	assert_true(idx >= 0);
	assert_int_equal(
	    mock_child_exit(&f->mh, (size_t)idx, status, out, err), 0);
	assert_int_equal(f->mh.checks_done, done + 1);
	return mock_report_last(&f->mh, NULL);
}

static void
test_descriptor(void **state)
{
	const struct rdd_option *o;
	int found = 0, i;

	(void)state;
	assert_int_equal(rdd_plugin.magic, RDD_PLUGIN_MAGIC);
	assert_int_equal(rdd_plugin.abi_major, RDD_ABI_MAJOR);
	assert_int_equal(rdd_plugin.size, sizeof(struct rdd_plugin));
	assert_string_equal(rdd_plugin.name, "exec");
	assert_non_null(rdd_plugin.create);
	assert_non_null(rdd_plugin.check);
	assert_non_null(rdd_plugin.recover);
	assert_non_null(rdd_plugin.stop);
	assert_non_null(rdd_plugin.destroy);
	for (i = 0; rdd_plugin.actions[i] != NULL; i++) {
		char want[32];

		snprintf(want, sizeof(want), "recover-%d", i + 1);
		assert_string_equal(rdd_plugin.actions[i], want);
	}
	assert_int_equal(i, 5);
	for (o = rdd_plugin.options; o->name != NULL; o++) {
		assert_true(o->offset < rdd_plugin.config_size);
		assert_non_null(o->desc);
		if (strcmp(o->name, "command") == 0) {
			assert_int_equal(o->type, RDD_OPT_STRLIST);
			assert_true(o->flags & RDD_OPT_REQUIRED);
			found++;
		}
		if (strcmp(o->name, "check_timeout") == 0 ||
		    strcmp(o->name, "recover_timeout") == 0 ||
		    strcmp(o->name, "output_cap") == 0 ||
		    strcmp(o->name, "recover") == 0 ||
		    strcmp(o->name, "env") == 0 ||
		    strcmp(o->name, "cwd") == 0 ||
		    strcmp(o->name, "target") == 0)
			found++;
	}
	assert_int_equal(found, 8);
}

static void
test_create_errors(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *opt, *value, *want;
	} bad[] = {
	    {"command", "[]", "command:"},
	    {"command", "[\"\"]", "command:"},
	    {"env", "[\"LANG\"]", "env: entry 1 \"LANG\" is not K=V"},
	    {"env", "[\"A=1\", \"=x\"]", "env: entry 2"},
	    {"cwd", "srv/app", "cwd: \"srv/app\" is not an absolute path"},
	    {"recover", "( \"systemctl restart app\" , [\"b\"] )",
	        "recover: entry 1 is a string"},
	    {"recover", "( [\"a\"], [] )", "recover: entry 2 is empty"},
	    {"recover", "( [\"a\", 5] )", "recover: entry 1, element 2"},
	    {"recover", "( [\"\"] )", "recover: entry 1, element 1"},
	    {"recover",
	        "( [\"a\"], [\"b\"], [\"c\"], [\"d\"], [\"e\"], "
	        "[\"f\"] )",
	        "at most 5"},
	};
	void *cfg;
	size_t i;

	/* No command at all: the host would refuse first, create too. */
	cfg = mock_config_new(&f->mh, &rdd_plugin, NULL);
	assert_int_equal(create(f, cfg), -1);
	assert_null(f->ctx);
	assert_non_null(strstr(f->err, "command: missing or empty: set "
	                               "command = ["));

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (strcmp(bad[i].opt, "command") == 0)
			cfg = mock_config_new(&f->mh, &rdd_plugin, bad[i].opt,
			    bad[i].value, NULL);
		else
			cfg = mock_config_new(&f->mh, &rdd_plugin, "command",
			    "/bin/check", bad[i].opt, bad[i].value, NULL);
		if (cfg == NULL)
			fail_msg("config %s: %s", bad[i].opt, f->mh.error);
		if (create(f, cfg) != -1 || strstr(f->err, bad[i].want) == NULL)
			fail_msg("%s = %s: err '%s', want '%s'", bad[i].opt,
			    bad[i].value, f->err, bad[i].want);
		assert_null(f->ctx);
	}
	assert_int_equal(f->mh.violations, 0);
}

static void
test_check_spec(void **state)
{
	struct fx *f = *state;
	const struct mock_child *ch;
	void *cfg;

	cfg = mock_config_new(&f->mh, &rdd_plugin, "command", "/bin/check -w 5",
	    "env", "[\"LANG=C\", \"X=a b\"]", "cwd", "/srv/app",
	    "check_timeout", "5s", "output_cap", "1K", NULL);
	assert_int_equal(create(f, cfg), 0);
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(f->mh.nchildren, 1);
	ch = f->mh.children[0];
	assert_string_equal(ch->cmdline, "/bin/check -w 5");
	assert_int_equal(ch->argc, 3);
	assert_non_null(ch->env);
	assert_string_equal(ch->env[0], "LANG=C");
	assert_string_equal(ch->env[1], "X=a b");
	assert_null(ch->env[2]);
	assert_string_equal(ch->cwd, "/srv/app");
	assert_int_equal(ch->timeout_ms, 5000);
	assert_int_equal(ch->output_cap, 1024);
	/* Nothing reported until the child finishes. */
	assert_int_equal(f->mh.nreports, 0);
	assert_int_equal(f->mh.checks_done, 0);

	/* Defaults: 30 s, 64 KiB, no env, no cwd. */
	rdd_plugin.stop(f->ctx);
	rdd_plugin.destroy(f->ctx);
	f->ctx = NULL;
	mock_host_reset(&f->mh);
	create_default(f);
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	ch = f->mh.children[0];
	assert_int_equal(ch->timeout_ms, 30000);
	assert_int_equal(ch->output_cap, 65536);
	assert_null(ch->env);
	assert_null(ch->cwd);
	assert_int_equal(f->mh.violations, 0);
}

static void
test_exit_codes(void **state)
{
	struct fx *f = *state;
	static const struct {
		int status;
		const char *out;
		enum rdd_state st;
		const char *msg;
	} t[] = {
	    {0, "HTTP OK: 200", RDD_OK, "HTTP OK: 200"},
	    {1, "HTTP WARNING: slow", RDD_WARNING, "HTTP WARNING: slow"},
	    {2, "HTTP CRITICAL: 503", RDD_CRITICAL, "HTTP CRITICAL: 503"},
	    {3, "HTTP UNKNOWN: bad args", RDD_UNKNOWN,
	        "HTTP UNKNOWN: bad args"},
	    {4, "odd", RDD_UNKNOWN, "odd (exit status 4)"},
	    {127, "", RDD_UNKNOWN, "exit status 127"},
	    {255, "x", RDD_UNKNOWN, "x (exit status 255)"},
	};
	const struct mock_report *r;
	size_t i;

	create_default(f);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = check_exit(f, t[i].status, t[i].out, NULL);
		assert_non_null(r);
		assert_string_equal(r->target, "web");
		if (r->state != t[i].st || strcmp(r->msg, t[i].msg) != 0)
			fail_msg("exit %d: state %d '%s', want %d '%s'",
			    t[i].status, r->state, r->msg, t[i].st, t[i].msg);
	}
	assert_int_equal(f->mh.nreports, sizeof(t) / sizeof(t[0]));
	assert_int_equal(f->mh.violations, 0);
}

static void
test_message(void **state)
{
	struct fx *f = *state;
	static const struct {
		int status;
		const char *out, *err, *msg;
	} t[] = {
	    {0, "  OK - fine  | t=1s\nlong text\n", "", "OK - fine"},
	    {0, "OK\r\n", "", "OK"},
	    {2, "", "curl: (7) refused\nmore\n", "curl: (7) refused"},
	    {2, "| a=1\nlong", "boom", "boom"},
	    {2, "   \n", "  \n", "exit status 2"},
	    {1, "tab\there\x01", "", "tab here"},
	};
	const struct mock_report *r;
	size_t i;

	create_default(f);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = check_exit(f, t[i].status, t[i].out, t[i].err);
		if (strcmp(r->msg, t[i].msg) != 0)
			fail_msg(
			    "case %zu: '%s', want '%s'", i, r->msg, t[i].msg);
	}
}

static void
test_message_nul_and_cap(void **state)
{
	struct fx *f = *state;
	struct rdd_child_result res;
	const struct mock_report *r;
	static const char out[] = "OK\0hidden | a=1\n";
	char *big;

	create_default(f);
	/* An embedded NUL must not hide the perfdata that follows it. */
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	memset(&res, 0, sizeof(res));
	res.exited = 1;
	res.out = out;
	res.out_len = sizeof(out) - 1;
	res.truncated = 1;
	assert_int_equal(mock_child_complete(&f->mh, 0, &res), 0);
	r = mock_report_last(&f->mh, "web");
	assert_string_equal(r->msg, "OK hidden");
	assert_int_equal(r->nmetrics, 1);
	assert_true(mock_log_find(&f->mh, "output_cap") >= 0);

	/* A very long first line is cut, not overflowed. */
	big = malloc(100000);
	assert_non_null(big);
	memset(big, 'a', 99999);
	big[99999] = '\0';
	r = check_exit(f, 0, big, NULL);
	assert_true(strlen(r->msg) > 100);
	assert_true(strlen(r->msg) < 2048);
	free(big);
}

static void
test_perfdata(void **state)
{
	struct fx *f = *state;
	const struct mock_report *r;
	const struct mock_metric *m;
	/* The long-output example of the Nagios plugin guidelines. */
	static const char out[] =
	    "DISK OK - free space: / 3326 MB (56%); | "
	    "/=2643MB;5948;5958;0;5968\n"
	    "/ 15272 MB (77%);\n"
	    "/boot 68 MB (69%);\n"
	    "/home 69357 MB (27%);\n"
	    "/var/log 819 MB (84%); | /boot=68MB;88;93;0;98\n"
	    "/home=69357MB;253404;253409;0;253414\n"
	    "/var/log=818MB;970;975;0;980 'resp time'=250ms bogus=x\n";

	create_default(f);
	r = check_exit(f, 0, out, NULL);
	assert_int_equal(r->state, RDD_OK);
	assert_string_equal(r->msg, "DISK OK - free space: / 3326 MB (56%);");
	assert_int_equal(r->nmetrics, 5);
	m = mock_metric_find(r, "/");
	assert_non_null(m);
	assert_true(m->value == 2643.0 * 1024 * 1024);
	assert_string_equal(m->unit, "B");
	/* Thresholds and bounds go with it, in the same base unit. */
	assert_true(m->has_bounds);
	assert_true(m->bounds.warn_lt == 0);
	assert_true(m->bounds.warn_gt == 5948.0 * 1024 * 1024);
	assert_true(m->bounds.crit_gt == 5958.0 * 1024 * 1024);
	assert_true(m->bounds.min == 0);
	assert_true(m->bounds.max == 5968.0 * 1024 * 1024);
	assert_non_null(mock_metric_find(r, "/boot"));
	assert_non_null(mock_metric_find(r, "/home"));
	assert_non_null(mock_metric_find(r, "/var/log"));
	m = mock_metric_find(r, "resp time");
	assert_non_null(m);
	assert_true(m->value > 0.2499 && m->value < 0.2501);
	assert_string_equal(m->unit, "s");
	assert_true(isnan(m->bounds.warn_gt) && isnan(m->bounds.max));
	assert_null(mock_metric_find(r, "bogus"));

	/* A host before 1.3 gets the values through report(). */
	mock_host_set_minor(&f->mh, 2);
	r = check_exit(f, 0, "OK | a=5%;80;90", NULL);
	assert_int_equal(r->nmetrics, 1);
	assert_false(r->metrics[0].has_bounds);
	mock_host_set_minor(&f->mh, 3);

	/* Perfdata only on a later line. */
	r = check_exit(f, 1, "WARN\nmore | a=5%;80;90\n", NULL);
	assert_int_equal(r->nmetrics, 1);
	assert_string_equal(r->metrics[0].name, "a");
	assert_string_equal(r->metrics[0].unit, "%");
	assert_true(r->metrics[0].value == 5);

	/* Far more items than the plugin keeps: capped, no overflow. */
	{
		char buf[8192];
		size_t used = 0;
		int i;

		used += (size_t)snprintf(buf, sizeof(buf), "OK |");
		for (i = 0; i < 200; i++)
			used += (size_t)snprintf(
			    buf + used, sizeof(buf) - used, " m%d=%d", i, i);
		r = check_exit(f, 0, buf, NULL);
		assert_int_equal(r->nmetrics, 64);
	}
	assert_int_equal(f->mh.violations, 0);
}

static void
test_failures(void **state)
{
	struct fx *f = *state;
	struct rdd_child_result res;
	const struct mock_report *r;
	void *cfg;

	cfg = mock_config_new(&f->mh, &rdd_plugin, "command",
	    "/nonexistent/check", "check_timeout", "1500ms", NULL);
	assert_int_equal(create(f, cfg), 0);

	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(mock_child_spawn_error(&f->mh, 0, ENOENT), 0);
	r = mock_report_last(&f->mh, NULL);
	assert_int_equal(r->state, RDD_UNKNOWN);
	assert_string_equal(r->msg, "cannot run /nonexistent/check: No such "
	                            "file or directory: fix command=");

	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	memset(&res, 0, sizeof(res));
	res.timed_out = 1;
	res.signal = 15;
	res.out = "partial | a=1";
	assert_int_equal(mock_child_complete(&f->mh, 1, &res), 0);
	r = mock_report_last(&f->mh, NULL);
	assert_int_equal(r->state, RDD_UNKNOWN);
	assert_string_equal(r->msg, "check timed out after 1500ms");
	assert_int_equal(r->nmetrics, 0);

	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	memset(&res, 0, sizeof(res));
	res.signal = 9;
	assert_int_equal(mock_child_complete(&f->mh, 2, &res), 0);
	r = mock_report_last(&f->mh, NULL);
	assert_int_equal(r->state, RDD_UNKNOWN);
	assert_string_equal(r->msg, "killed by signal 9");

	/* The host refuses to start a child: still one report and done. */
	f->mh.refuse_children = 1;
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	r = mock_report_last(&f->mh, NULL);
	assert_int_equal(r->state, RDD_UNKNOWN);
	assert_non_null(strstr(r->msg, "could not start"));
	assert_int_equal(f->mh.checks_done, 4);
	assert_int_equal(f->mh.nreports, 4);

	/* Default timeout formats as whole seconds. */
	f->mh.refuse_children = 0;
	rdd_plugin.destroy(f->ctx);
	f->ctx = NULL;
	create_default(f);
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	memset(&res, 0, sizeof(res));
	res.timed_out = 1;
	assert_int_equal(
	    mock_child_complete(&f->mh, (size_t)mock_child_last(&f->mh), &res),
	    0);
	assert_string_equal(
	    mock_report_last(&f->mh, NULL)->msg, "check timed out after 30s");
	assert_int_equal(f->mh.violations, 0);
}

static void
test_target(void **state)
{
	struct fx *f = *state;
	void *cfg;

	cfg = mock_config_new(&f->mh, &rdd_plugin, "command", "/bin/true",
	    "target", "api.example.org", NULL);
	assert_int_equal(create(f, cfg), 0);
	check_exit(f, 0, "OK", NULL);
	assert_non_null(mock_report_last(&f->mh, "api.example.org"));
	assert_null(mock_report_last(&f->mh, "web"));
}

static void
test_overlap_and_stop(void **state)
{
	struct fx *f = *state;
	const struct mock_report *r;

	create_default(f);
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	/* A second check while the first runs is answered, not queued. */
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	assert_int_equal(f->mh.nchildren, 1);
	r = mock_report_last(&f->mh, NULL);
	assert_int_equal(r->check, 1);
	assert_string_equal(r->msg, "previous check still running");
	assert_int_equal(f->mh.checks_done, 1);

	/* stop cancels check 0 and a recovery; neither completes. */
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-1", 1);
	assert_int_equal(f->mh.nchildren, 2);
	rdd_plugin.stop(f->ctx);
	assert_int_equal(f->mh.children[0]->status, MOCK_CANCELLED);
	assert_int_equal(f->mh.children[1]->status, MOCK_CANCELLED);
	assert_int_equal(mock_child_exit(&f->mh, 0, 0, "OK", NULL), -1);
	assert_int_equal(f->mh.nreports, 1);
	assert_int_equal(f->mh.recoveries[0].done, 0);

	/* After stop a new check works again. */
	check_exit(f, 0, "OK again", NULL);
	assert_string_equal(mock_report_last(&f->mh, NULL)->msg, "OK again");

	/* destroy with work in flight cancels it too. */
	rdd_plugin.check(f->ctx, mock_check_begin(&f->mh));
	rdd_plugin.destroy(f->ctx);
	f->ctx = NULL;
	assert_int_equal(
	    f->mh.children[mock_child_last(&f->mh)]->status, MOCK_CANCELLED);
	/* The only violation is the test completing a cancelled child. */
	assert_int_equal(f->mh.violations, 1);
}

static void
test_ladder(void **state)
{
	struct fx *f = *state;
	struct rdd_recovery *r;
	struct rdd_child_result res;
	const struct mock_child *ch;

	create_default(f);

	r = mock_recovery_begin(&f->mh);
	rdd_plugin.recover(f->ctx, r, "web", "recover-1", 1);
	assert_int_equal(f->mh.nchildren, 1);
	ch = f->mh.children[0];
	assert_string_equal(ch->cmdline, "systemctl restart app");
	assert_int_equal(ch->timeout_ms, 60000);
	assert_int_equal(f->mh.recoveries[0].done, 0);
	assert_int_equal(mock_child_exit(&f->mh, 0, 0, "", ""), 0);
	assert_int_equal(f->mh.recoveries[0].done, 1);
	assert_int_equal(f->mh.recoveries[0].ok, 1);
	assert_string_equal(f->mh.recoveries[0].msg,
	    "recover-1: `systemctl restart app` exited 0");

	/* Output is appended; a non-zero exit fails the rung. */
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-2", 1);
	assert_string_equal(
	    f->mh.children[1]->cmdline, "/usr/local/bin/failover --now");
	assert_int_equal(mock_child_exit(&f->mh, 1, 1, "",
	                     "failover: standby not reachable\nmore"),
	    0);
	assert_int_equal(f->mh.recoveries[1].ok, 0);
	assert_string_equal(f->mh.recoveries[1].msg,
	    "recover-2: `/usr/local/bin/failover --now` exited 1: failover: "
	    "standby not reachable");

	/* Rungs beyond the configured ones repeat the last command. */
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-3", 1);
	assert_int_equal(f->mh.nchildren, 3);
	assert_string_equal(
	    f->mh.children[2]->cmdline, "/usr/local/bin/failover --now");
	assert_int_equal(mock_child_exit(&f->mh, 2, 1, "", "still down"), 0);
	assert_int_equal(f->mh.recoveries[2].ok, 0);
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-5", 2);
	assert_int_equal(mock_child_exit(&f->mh, 3, 0, "", ""), 0);
	assert_int_equal(f->mh.recoveries[3].ok, 1);

	/* Unknown action names are refused. */
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "reboot", 1);
	assert_int_equal(f->mh.recoveries[4].ok, 0);
	assert_non_null(strstr(f->mh.recoveries[4].msg, "unknown action"));

	/* Timeout, signal and spawn error of a rung. */
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-1", 2);
	memset(&res, 0, sizeof(res));
	res.timed_out = 1;
	assert_int_equal(mock_child_complete(&f->mh, 4, &res), 0);
	assert_string_equal(f->mh.recoveries[5].msg,
	    "recover-1: `systemctl restart app` timed out after 60s");
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-1", 3);
	memset(&res, 0, sizeof(res));
	res.signal = 11;
	assert_int_equal(mock_child_complete(&f->mh, 5, &res), 0);
	assert_string_equal(f->mh.recoveries[6].msg,
	    "recover-1: `systemctl restart app` killed by signal 11");
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-2", 1);
	assert_int_equal(mock_child_spawn_error(&f->mh, 6, EACCES), 0);
	assert_int_equal(f->mh.recoveries[7].ok, 0);
	assert_non_null(strstr(f->mh.recoveries[7].msg,
	    "cannot run /usr/local/bin/failover: Permission denied"));

	/* One recovery at a time. */
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-1", 1);
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-2", 1);
	assert_int_equal(f->mh.recoveries[9].done, 1);
	assert_int_equal(f->mh.recoveries[9].ok, 0);
	assert_non_null(strstr(f->mh.recoveries[9].msg, "still running"));
	assert_int_equal(mock_child_exit(&f->mh, 7, 0, "restarted\n", ""), 0);
	assert_string_equal(f->mh.recoveries[8].msg,
	    "recover-1: `systemctl restart app` exited 0: restarted");
	assert_int_equal(f->mh.violations, 0);
}

static void
test_ladder_shapes(void **state)
{
	struct fx *f = *state;
	void *cfg;

	/* No recover option: every rung fails at once. */
	cfg =
	    mock_config_new(&f->mh, &rdd_plugin, "command", "/bin/check", NULL);
	assert_int_equal(create(f, cfg), 0);
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-1", 1);
	assert_int_equal(f->mh.nchildren, 0);
	assert_non_null(strstr(f->mh.recoveries[0].msg,
	    "no recovery command configured"));
	rdd_plugin.destroy(f->ctx);
	f->ctx = NULL;

	/* A bare argv array is one rung; arguments with spaces are quoted. */
	cfg = mock_config_new(&f->mh, &rdd_plugin, "command", "/bin/check",
	    "recover", "[\"/bin/sh\", \"-c\", \"pm2 restart api\"]", NULL);
	assert_int_equal(create(f, cfg), 0);
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-1", 1);
	assert_int_equal(f->mh.nchildren, 1);
	assert_int_equal(f->mh.children[0]->argc, 3);
	assert_string_equal(f->mh.children[0]->argv[2], "pm2 restart api");
	assert_int_equal(mock_child_exit(&f->mh, 0, 0, NULL, NULL), 0);
	assert_string_equal(f->mh.recoveries[1].msg,
	    "recover-1: `/bin/sh -c 'pm2 restart api'` exited 0");
	rdd_plugin.recover(
	    f->ctx, mock_recovery_begin(&f->mh), "web", "recover-2", 1);
	assert_int_equal(f->mh.nchildren, 2);
	assert_string_equal(f->mh.children[1]->argv[2], "pm2 restart api");
	assert_int_equal(mock_child_exit(&f->mh, 1, 0, NULL, NULL), 0);
	assert_int_equal(f->mh.violations, 0);
	rdd_plugin.destroy(f->ctx);
	f->ctx = NULL;

	/* A shell line as one string is refused, in recover and command. */
	cfg = mock_config_new(&f->mh, &rdd_plugin, "command", "/bin/check",
	    "recover", "[\"systemctl restart app\"]", NULL);
	assert_int_not_equal(create(f, cfg), 0);
	assert_non_null(strstr(f->err, "no shell splits it"));
	cfg = mock_config_new(&f->mh, &rdd_plugin, "command",
	    "[\"check_http -H localhost\"]", NULL);
	assert_int_not_equal(create(f, cfg), 0);
	assert_non_null(strstr(f->err, "command: \"check_http -H localhost\""));
}

static void
test_mock_config(void **state)
{
	struct fx *f = *state;
	const struct rdd_host *h = &f->mh.host;
	const void *g;

	/* The mock refuses what the host would refuse. */
	assert_null(mock_config_new(&f->mh, &rdd_plugin, "comand", "/x", NULL));
	assert_non_null(strstr(f->mh.error, "comand"));
	assert_null(mock_config_new(&f->mh, &rdd_plugin, "command", "/x",
	    "check_timeout", "10ms", NULL));
	assert_non_null(strstr(f->mh.error, "check_timeout"));
	assert_null(mock_config_new(
	    &f->mh, &rdd_plugin, "command", "/x", "output_cap", "lots", NULL));
	assert_null(mock_config_new(&f->mh, &rdd_plugin, "command", "/x",
	    "recover", "( [\"a\" ", NULL));

	/* group_string(elem, NULL) is an element's own string value. */
	g = mock_group_parse(
	    &f->mh, "( [\"a\", \"b\"], { name = \"x\"; n = 3; } )");
	assert_non_null(g);
	assert_int_equal(h->group_count(g), 2);
	assert_int_equal(h->group_count(h->group_elem(g, 0)), 2);
	assert_string_equal(
	    h->group_string(h->group_elem(h->group_elem(g, 0), 1), NULL), "b");
	assert_null(h->group_string(h->group_elem(g, 0), NULL));
	assert_string_equal(h->group_string(h->group_elem(g, 1), "name"), "x");
	{
		int64_t v = 0;

		assert_int_equal(h->group_int(h->group_elem(g, 1), "n", &v), 0);
		assert_int_equal(v, 3);
		assert_int_equal(
		    h->group_int(h->group_elem(g, 1), "name", &v), -1);
	}
	assert_null(h->group_elem(g, 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_descriptor),
	    cmocka_unit_test_setup_teardown(
	        test_create_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_check_spec, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exit_codes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_message, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_message_nul_and_cap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_perfdata, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_target, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_overlap_and_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ladder, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_ladder_shapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mock_config, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
