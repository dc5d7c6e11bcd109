/*
 * test_conf.c: unit tests of conf.c: merging of drop-ins, defaults, every
 * error with its exact file:line text, option filling and dependency order.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libconfig.h>

#include "rdd.h"

/* configure's --with-plugindir, as the daemon itself is built with. */
#ifndef PLUGINDIR
#define PLUGINDIR "/usr/local/lib/redundancyd/plugins"
#endif

struct fx {
	char dir[256];
	char main[PATH_MAX];
	struct errlist errs, warns;
};

static const char *
srcdir(void)
{
	const char *s = getenv("srcdir");

	return s != NULL && *s != '\0' ? s : ".";
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p);
	return unlink(p);
}

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/rdd-test-conf-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->main, sizeof(f->main), "%s/redundancyd.conf", f->dir);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	errlist_free(&f->errs);
	errlist_free(&f->warns);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Write text to dir/name, creating conf.d/ on the way. */
static void
put(const struct fx *f, const char *name, const char *text)
{
	char p[PATH_MAX], *slash;

	snprintf(p, sizeof(p), "%s/%.*s", f->dir, PATH_MAX / 2, name);
	slash = strrchr(p, '/');
	*slash = '\0';
	assert_int_equal(util_mkdirs(p, 0755), 0);
	*slash = '/';
	assert_int_equal(util_write_atomic(p, text, strlen(text), 0644), 0);
}

static void
dump(const char *what, const struct errlist *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(stderr, "  %s[%zu] = %s\n", what, i, e->v[i]);
}

static int
has(const struct errlist *e, const char *want)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->v[i], want) == 0)
			return 1;
	fprintf(stderr, "wanted: %s\n", want);
	dump("got", e);
	return 0;
}

static int
has_prefix(const struct errlist *e, const char *want)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], want, strlen(want)) == 0)
			return 1;
	fprintf(stderr, "wanted a line starting: %s\n", want);
	dump("got", e);
	return 0;
}

/* ---- fake plugin with one option of each type ---- */
struct fake_cfg {
	int b;
	int64_t i;
	double d;
	char *s;
	int64_t dur;
	int64_t size;
	struct rdd_strlist l;
	const void *g;
	int64_t ranged;
	char *req;
	double dr;
	int64_t durr;
	int64_t tok;
	int64_t sizer;
};

#define OFF(f) offsetof(struct fake_cfg, f)
static const struct rdd_option fake_opts[] = {
    {"b", RDD_OPT_BOOL, "true", 0, 0, OFF(b), 0, "bool"},
    {"i", RDD_OPT_INT, "-7", 0, 0, OFF(i), 0, "int"},
    {"d", RDD_OPT_DOUBLE, "2.5", 0, 0, OFF(d), 0, "double"},
    {"s", RDD_OPT_STRING, "hello", 0, 0, OFF(s), 0, "string"},
    {"dur", RDD_OPT_DURATION, "1m", 0, 0, OFF(dur), 0, "duration"},
    {"size", RDD_OPT_SIZE, "80M", 0, 0, OFF(size), 0, "size"},
    {"l", RDD_OPT_STRLIST, "only", 0, 0, OFF(l), 0, "list"},
    {"g", RDD_OPT_GROUP, NULL, 0, 0, OFF(g), 0, "group"},
    {"ranged", RDD_OPT_INT, "50", 10, 100, OFF(ranged), 0, "ranged"},
    {"req", RDD_OPT_STRING, NULL, 0, 0, OFF(req), RDD_OPT_REQUIRED, "required"},
    {"dr", RDD_OPT_DOUBLE, NULL, 0.5, 1.5, OFF(dr), 0, "ranged double"},
    {"durr", RDD_OPT_DURATION, NULL, 1000, 60000, OFF(durr), 0,
        "ranged duration"},
    {"tok", RDD_OPT_INT, NULL, 1, 5, OFF(tok), RDD_OPT_SECRET, "secret"},
    {"sizer", RDD_OPT_SIZE, NULL, 1, 1024, OFF(sizer), 0, "ranged size"},
    RDD_OPTIONS_END,
};

static const struct rdd_plugin fake_plugin = {
    RDD_PLUGIN_HEADER,
    .name = "fake",
    .version = "1.0",
    .description = "test",
    .options = fake_opts,
    .config_size = sizeof(struct fake_cfg),
};

static const struct rdd_plugin *
fake_lookup(void *arg, const char *name)
{
	int *calls = arg;

	if (calls != NULL)
		(*calls)++;
	return strcmp(name, "fake") == 0 ? &fake_plugin : NULL;
}

/* ---- loading ---- */

static void
test_defaults(void **state)
{
	struct fx *f = *state;
	struct conf *c;

	put(f, "redundancyd.conf", "# nothing set\n");
	c = conf_load2(f->main, &f->errs, &f->warns);
	assert_non_null(c);
	assert_int_equal(f->errs.n, 0);
	assert_int_equal(f->warns.n, 0);
	assert_string_equal(c->path, f->main);
	assert_string_equal(
	    c->plugin_dir, PLUGINDIR);
	assert_string_equal(c->state_dir, "/var/lib/redundancyd");
	assert_string_equal(c->log_dir, "/var/log/redundancyd");
	assert_string_equal(c->control_socket, "/run/redundancyd/control.sock");
	assert_null(c->control_group);
	assert_string_equal(c->http_listen, "127.0.0.1:9321");
	assert_int_equal(c->http_any, 0);
	assert_string_equal(c->pidfile, "/run/redundancyd/redundancyd.pid");
	assert_int_equal(c->syslog, 0);
	assert_int_equal(c->startup_delay_ms, 10000);
	assert_int_equal(c->max_concurrent_recoveries, 10);
	assert_int_equal(c->max_children, 8);
	assert_int_equal(c->max_transfers, 16);
	assert_int_equal(c->shutdown_deadline_ms, 10000);
	assert_int_equal(c->rec.max_attempts, 3);
	assert_int_equal(c->rec.delay_ms, 5000);
	assert_true(c->rec.backoff == 2.0);
	assert_int_equal(c->rec.max_delay_ms, 300000);
	assert_int_equal(c->rec.cooldown_ms, 600000);
	assert_int_equal(c->rec.window_ms, 3600000);
	assert_int_equal(c->rec.window_max, 10);
	assert_int_equal(c->rec.hard_after, 1);
	assert_true(c->rec.flap_low == 20.0);
	assert_true(c->rec.flap_high == 50.0);
	assert_int_equal(c->nmon, 0);
	/* No conf.d/ at all is fine: one file read. */
	assert_int_equal(c->ncfgs, 1);
	assert_string_equal(c->files[0], f->main);
	conf_free(c);
}

static void
test_daemon_values(void **state)
{
	struct fx *f = *state;
	struct conf *c;

	put(f, "redundancyd.conf",
	    "daemon = {\n"
	    "  control_group = \"ops\";\n"
	    "  http = { listen = \"[::1]:8080\"; allow_remote = true; };\n"
	    "  syslog = true;\n"
	    "  startup_delay = \"500ms\";\n"
	    "  max_concurrent_recoveries = 1000;\n"
	    "  max_children = 1;\n"
	    "  max_transfers = 1024;\n"
	    "  shutdown_deadline = 3;\n"
	    "};\n"
	    "recovery = { max_attempts = 100; delay = 0; backoff = 1;\n"
	    "  max_delay = \"2h\"; cooldown = \"1d\"; window = \"90m\";\n"
	    "  window_max = 1; hard_after = 100; flap_low = 0.0;\n"
	    "  flap_high = 100; };\n"
	    "alerts = { inhibit = true; };\n");
	c = conf_load2(f->main, &f->errs, &f->warns);
	assert_non_null(c);
	assert_int_equal(f->warns.n, 0);
	assert_string_equal(c->control_group, "ops");
	assert_string_equal(c->http_listen, "[::1]:8080");
	assert_int_equal(c->http_any, 1);
	assert_int_equal(c->syslog, 1);
	assert_int_equal(c->startup_delay_ms, 500);
	assert_int_equal(c->max_concurrent_recoveries, 1000);
	assert_int_equal(c->max_children, 1);
	assert_int_equal(c->max_transfers, 1024);
	assert_int_equal(c->shutdown_deadline_ms, 3000);
	assert_int_equal(c->rec.max_attempts, 100);
	assert_int_equal(c->rec.delay_ms, 0);
	assert_true(c->rec.backoff == 1.0);
	assert_int_equal(c->rec.max_delay_ms, 7200000);
	assert_int_equal(c->rec.cooldown_ms, 86400000);
	assert_int_equal(c->rec.window_ms, 5400000);
	assert_int_equal(c->rec.window_max, 1);
	assert_int_equal(c->rec.hard_after, 100);
	assert_true(c->rec.flap_low == 0.0);
	assert_true(c->rec.flap_high == 100.0);
	conf_free(c);
}

static void
test_merge(void **state)
{
	struct fx *f = *state;
	struct conf *c;
	char path[PATH_MAX], want[PATH_MAX + 64];
	size_t order[2];

	(void)f;
	snprintf(path, sizeof(path),
	    "%s/tests/unit/fixtures/conf/merge/"
	    "redundancyd.conf",
	    srcdir());
	c = conf_load2(path, &f->errs, &f->warns);
	if (c == NULL)
		dump("errs", &f->errs);
	assert_non_null(c);
	assert_int_equal(f->warns.n, 0);
	/* Dotfiles, backups and other names were skipped. */
	assert_int_equal(c->ncfgs, 3);
	snprintf(want, sizeof(want),
	    "%s/tests/unit/fixtures/conf/merge/"
	    "conf.d/10-extra.conf",
	    srcdir());
	assert_string_equal(c->files[1], want);
	/* A later file wins for scalars, per key. */
	assert_int_equal(c->max_children, 7);
	assert_int_equal(c->startup_delay_ms, 3000);
	assert_int_equal(c->http_any, 1);
	assert_string_equal(c->http_listen, "127.0.0.1:9321");
	assert_int_equal(c->rec.max_attempts, 5);
	assert_int_equal(c->rec.delay_ms, 7000);
	/* Monitors from all files, in file order. */
	assert_int_equal(c->nmon, 2);
	assert_string_equal(c->mon[0].name, "a");
	assert_string_equal(c->mon[0].file, path);
	assert_int_equal(c->mon[0].line, 5);
	assert_string_equal(c->mon[1].name, "b");
	assert_string_equal(c->mon[1].file, want);
	assert_int_equal(c->mon[1].line, 5);
	/* Overrides land on the merged global values. */
	assert_int_equal(c->mon[0].rec.max_attempts, 9);
	assert_int_equal(c->mon[0].rec.delay_ms, 7000);
	assert_int_equal(c->mon[1].rec.max_attempts, 5);
	assert_int_equal(c->mon[1].depends_on.n, 1);
	assert_string_equal(c->mon[1].depends_on.v[0], "a");
	assert_null(c->mon[1].depends_on.v[1]);
	assert_non_null(c->mon[1].setting);
	assert_null(c->mon[1].plugin_config);
	assert_int_equal(conf_topo_order(c, order, &f->errs), 0);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	conf_free(c);
}

static void
test_relative_paths(void **state)
{
	struct fx *f = *state;
	struct conf *c;
	char path[PATH_MAX], dir[PATH_MAX / 2], *real, want[PATH_MAX * 2];

	snprintf(
	    dir, sizeof(dir), "%s/tests/unit/fixtures/conf/relative", srcdir());
	snprintf(path, sizeof(path), "%s/redundancyd.conf", dir);
	c = conf_load2(path, &f->errs, &f->warns);
	assert_non_null(c);
	real = realpath(dir, NULL);
	assert_non_null(real);
	assert_string_equal(c->plugin_dir, "/opt/rdd/plugins");
	snprintf(want, sizeof(want), "%s/state", real);
	assert_string_equal(c->state_dir, want);
	snprintf(want, sizeof(want), "%s/../logs", real);
	assert_string_equal(c->log_dir, want);
	snprintf(want, sizeof(want), "%s/run/ctl.sock", real);
	assert_string_equal(c->control_socket, want);
	snprintf(want, sizeof(want), "%s/rdd.pid", real);
	assert_string_equal(c->pidfile, want);
	/* "" unsets the group and disables HTTP. */
	assert_null(c->control_group);
	assert_null(c->http_listen);
	free(real);
	conf_free(c);
}

/* A relative -c path gives relative names in messages. */
static void
test_relative_main(void **state)
{
	struct fx *f = *state;
	struct conf *c;
	char cwd[PATH_MAX], *real, want[PATH_MAX + 32];

	put(f, "redundancyd.conf", "daemon = { state_dir = \"st\"; };\n");
	put(f, "conf.d/10-a.conf", "\ndaemon = { max_children = 0; };\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	c = conf_load("redundancyd.conf", &f->errs);
	assert_null(c);
	assert_true(has(&f->errs, "conf.d/10-a.conf:2: daemon.max_children: 0 "
	                          "is out of range [1, 256]"));
	errlist_free(&f->errs);
	put(f, "conf.d/10-a.conf", "\n");
	c = conf_load("redundancyd.conf", &f->errs);
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(c);
	real = realpath(f->dir, NULL);
	snprintf(want, sizeof(want), "%s/st", real);
	assert_string_equal(c->state_dir, want);
	assert_string_equal(c->files[1], "conf.d/10-a.conf");
	free(real);
	conf_free(c);
}

static void
test_missing_main(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX + 128];

	assert_null(conf_load(f->main, &f->errs));
	assert_int_equal(f->errs.n, 1);
	snprintf(want, sizeof(want),
	    "%s: No such file or directory: create "
	    "it or fix -c",
	    f->main);
	assert_true(has(&f->errs, want));
}

static void
test_unreadable_main(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX + 128];

	/* A directory cannot be read, even by root. */
	assert_int_equal(mkdir(f->main, 0755), 0);
	assert_null(conf_load(f->main, &f->errs));
	snprintf(want, sizeof(want), "%s: Is a directory: create it or fix -c",
	    f->main);
	assert_true(has(&f->errs, want));
	errlist_free(&f->errs);
	assert_int_equal(rmdir(f->main), 0);
	/* Permissions only stop a non-root user. */
	put(f, "redundancyd.conf", "daemon = {};\n");
	assert_int_equal(chmod(f->main, 0), 0);
	if (geteuid() != 0) {
		assert_null(conf_load(f->main, &f->errs));
		snprintf(want, sizeof(want),
		    "%s: Permission denied: create it "
		    "or fix -c",
		    f->main);
		assert_true(has(&f->errs, want));
	}
}

static void
test_dropin_errors(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX + 128], p[PATH_MAX];

	put(f, "redundancyd.conf", "daemon = {};\n");
	put(f, "conf.d/10-bad.conf", "# bad\n\nx = ;\n");
	snprintf(p, sizeof(p), "%s/conf.d/20-dir.conf", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_null(conf_load(f->main, &f->errs));
	assert_int_equal(f->errs.n, 2);
	snprintf(want, sizeof(want), "%s/conf.d/10-bad.conf:3: syntax error",
	    f->dir);
	assert_true(has(&f->errs, want));
	snprintf(want, sizeof(want),
	    "%s: Is a directory: fix its permissions "
	    "or remove it",
	    p);
	assert_true(has(&f->errs, want));
}

static void
test_duplicate_across_files(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX * 2 + 128];

	put(f, "redundancyd.conf",
	    "monitors = (\n"
	    "  { name = \"a\"; plugin = \"x\"; }\n);\n");
	put(f, "conf.d/10-dup.conf",
	    "monitors = ( { name = \"a\"; plugin = "
	    "\"y\"; } );\n");
	assert_null(conf_load(f->main, &f->errs));
	assert_int_equal(f->errs.n, 1);
	snprintf(want, sizeof(want),
	    "%s/conf.d/10-dup.conf:1: monitor 'a' is "
	    "declared twice: first at %s:2: rename one",
	    f->dir, f->main);
	assert_true(has(&f->errs, want));
}

static void
test_unknown_keys(void **state)
{
	struct fx *f = *state;
	struct conf *c;
	char want[PATH_MAX + 160];

	/* A typo anywhere is an error: it would keep a default silently. */
	put(f, "redundancyd.conf",
	    "foo = 1;\n"
	    "daemon = {\n  bar = 2;\n  http = { qux = 3; };\n};\n"
	    "recovery = { max_attempt = 4; };\nalerts = { };\n");
	c = conf_load2(f->main, &f->errs, &f->warns);
	assert_null(c);
	assert_int_equal(f->errs.n, 4);
	snprintf(want, sizeof(want),
	    "%s:1: unknown top-level setting 'foo': fix or remove it "
	    "(known: daemon, recovery, monitors, alerts)",
	    f->main);
	assert_true(has(&f->errs, want));
	snprintf(want, sizeof(want),
	    "%s:3: daemon: unknown setting 'bar': fix or remove it (known: "
	    "plugin_dir, state_dir, log_dir,",
	    f->main);
	assert_true(has_prefix(&f->errs, want));
	snprintf(want, sizeof(want),
	    "%s:4: daemon.http: unknown setting 'qux': fix or remove it "
	    "(known: listen, allow_remote)",
	    f->main);
	assert_true(has(&f->errs, want));
	snprintf(want, sizeof(want),
	    "%s:6: recovery: unknown setting 'max_attempt': fix or remove "
	    "it (did you mean 'max_attempts'?)",
	    f->main);
	assert_true(has(&f->errs, want));
}

struct err_case {
	const char *text;
	const char *want; /* %1$s is the main file */
};

static const struct err_case err_cases[] = {
    {"daemon = 5;\n",
        "%1$s:1: daemon: expected a group { ... }, got an integer"},
    {"daemon = {\n  max_children = 0;\n};\n",
        "%1$s:2: daemon.max_children: 0 is out of range [1, 256]"},
    {"daemon = { max_transfers = 1025; };\n",
        "%1$s:1: daemon.max_transfers: 1025 is out of range [1, 1024]"},
    {"daemon = { max_concurrent_recoveries = \"10\"; };\n",
        "%1$s:1: daemon.max_concurrent_recoveries: expected an integer, "
        "got a string"},
    {"daemon = { startup_delay = \"10x\"; };\n",
        "%1$s:1: daemon.startup_delay: expected a duration like \"30s\", "
        "got \"10x\""},
    {"daemon = { shutdown_deadline = 1.5; };\n",
        "%1$s:1: daemon.shutdown_deadline: expected a duration like "
        "\"30s\", got a float"},
    {"daemon = { syslog = \"yes\"; };\n",
        "%1$s:1: daemon.syslog: expected true or false, got a string"},
    {"daemon = { plugin_dir = 5; };\n",
        "%1$s:1: daemon.plugin_dir: expected a string, got an integer"},
    {"daemon = { http = { listen = \"localhost\"; }; };\n",
        "%1$s:1: daemon.http.listen: expected \"host:port\" like "
        "\"127.0.0.1:9321\", got \"localhost\" (\"\" disables HTTP)"},
    {"daemon = { http = { listen = \"h:99999\"; }; };\n",
        "%1$s:1: daemon.http.listen: expected \"host:port\" like "
        "\"127.0.0.1:9321\", got \"h:99999\" (\"\" disables HTTP)"},
    {"daemon = { http = 5; };\n",
        "%1$s:1: daemon.http: expected a group { listen = "
        "\"127.0.0.1:9321\"; }, got an integer"},
    {"daemon = { state_dir = \"\"; };\n",
        "%1$s:1: daemon.state_dir: must not be empty: set a path or "
        "remove the line for the default"},
    {"recovery = { backoff = 0.5; };\n",
        "%1$s:1: recovery.backoff: 0.5 is out of range [1, 10]"},
    {"recovery = { flap_low = 60.0; };\n",
        "%1$s:1: recovery: flap_low (60) must be below flap_high (50)"},
    {"recovery = { delay = -1; };\n",
        "%1$s:1: recovery.delay: expected a duration like \"30s\", got -1"},
    {"recovery = ( 1 );\n",
        "%1$s:1: recovery: expected a group { ... }, got a list"},
    {"monitors = { a = 1; };\n",
        "%1$s:1: monitors: expected a list ( { name = \"...\"; plugin = "
        "\"...\"; } ), got a group"},
    {"monitors = (\n  5\n);\n",
        "%1$s:2: monitors[0]: expected a group { name = \"...\"; plugin = "
        "\"...\"; }, got an integer"},
    {"monitors = ( { plugin = \"x\"; } );\n",
        "%1$s:1: monitor: name is required: add name = \"...\";"},
    {"monitors = ( { name = 5; plugin = \"x\"; } );\n",
        "%1$s:1: monitor: name: expected a string, got an integer"},
    {"monitors = ( { name = \"a b\"; plugin = \"x\"; } );\n",
        "%1$s:1: monitor: name: \"a b\" may only contain letters, digits, "
        "'_', '.' and '-', not start with '.', and be at most 128 "
        "characters"},
    {"monitors = ( { name = \".a\"; plugin = \"x\"; } );\n",
        "%1$s:1: monitor: name: \".a\" may only contain letters, digits, "
        "'_', '.' and '-', not start with '.', and be at most 128 "
        "characters"},
    {"monitors = ( { name = \"a\"; } );\n",
        "%1$s:1: monitor 'a': plugin is required: add plugin = \"...\";"},
    {"monitors = ( { name = \"a\"; plugin = \"x\";\n"
     "  interval = true; } );\n",
        "%1$s:2: monitor 'a': interval: expected a duration like \"30s\", "
        "got a boolean"},
    {"monitors = ( { name = \"a\"; plugin = \"x\"; interval = 0; } );\n",
        "%1$s:1: monitor 'a': interval: must be above zero, like \"30s\""},
    {"monitors = ( { name = \"a\"; plugin = \"x\"; timeout = \"0s\"; } );\n",
        "%1$s:1: monitor 'a': timeout: must be above zero, like \"30s\""},
    {"monitors = ( { name = \"a\"; plugin = \"x\"; enabled = 1; } );\n",
        "%1$s:1: monitor 'a': enabled: expected true or false, got an "
        "integer"},
    {"monitors = ( { name = \"a\"; plugin = \"x\"; depends_on = 5; } );\n",
        "%1$s:1: monitor 'a': depends_on: expected a string or a list of "
        "strings, got an integer"},
    {"monitors = ( { name = \"a\"; plugin = \"x\";\n"
     "  depends_on = ( \"b\", 1 ); } );\n",
        "%1$s:2: monitor 'a': depends_on: expected a string or a list of "
        "strings, got an integer at index 1"},
    {"monitors = ( { name = \"a\"; plugin = \"x\";\n"
     "  depends_on = [ \"zz\" ]; } );\n",
        "%1$s:2: monitor 'a': depends_on 'zz' is not a monitor: declare it "
        "or fix depends_on"},
    {"monitors = ( { name = \"a\"; plugin = \"x\"; depends_on = \"a\"; } "
     ");\n",
        "%1$s:1: monitor 'a': depends_on names itself: remove 'a'"},
    {"monitors = (\n"
     "  { name = \"a\"; plugin = \"x\"; depends_on = \"b\"; },\n"
     "  { name = \"b\"; plugin = \"x\"; depends_on = [ \"a\" ]; }\n);\n",
        "%1$s:2: monitor 'a': depends_on forms a cycle: a -> b -> a (-> "
        "means depends on): remove one depends_on"},
    {"monitors = ( { name = \"a\"; plugin = \"x\"; recovery = {\n"
     "  foo = 1; }; } );\n",
        "%1$s:2: monitor 'a': recovery: unknown setting 'foo': fix or "
        "remove it (known: max_attempts, delay, backoff, max_delay, "
        "cooldown, window, window_max, hard_after, flap_low, flap_high, mode)"},
    {"monitors = ( { name = \"a\"; plugin = \"x\";\n"
     "  recovery = { max_attempts = 0; }; } );\n",
        "%1$s:2: monitor 'a': recovery.max_attempts: 0 is out of range "
        "[1, 100]"},
    {"monitors = ( { name = \"a\"; plugin = \"x\"; recovery = 3; } );\n",
        "%1$s:1: monitor 'a': recovery: expected a group { max_attempts = "
        "3; }, got an integer"},
    {"monitors = ( { name = \"a\"; plugin = \"x\";\n"
     "  recovery = { flap_high = 10.0; }; } );\n",
        "%1$s:2: monitor 'a': recovery: flap_low (20) must be below "
        "flap_high (10)"},
    {"monitors = (\n  { name = \"a\"; plugin = \"x\"; },\n"
     "  { name = \"a\"; plugin = \"y\"; }\n);\n",
        "%1$s:3: monitor 'a' is declared twice: first at %1$s:2: rename "
        "one"},
    {"daemon = {\n  max_children = ;\n};\n", "%1$s:2: syntax error"},
    {"a = 1;\na = 2;\n", "%1$s:2: duplicate setting name"},
    {"@include \"nope.conf\"\n", "%1$s:1: cannot open include file"},
};

static void
test_errors(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX * 2 + 256];
	size_t i;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		put(f, "redundancyd.conf", err_cases[i].text);
		snprintf(want, sizeof(want), err_cases[i].want, f->main);
		if (f->errs.n != 0)
			fprintf(stderr, "case %zu\n", i);
		assert_null(conf_load(f->main, &f->errs));
		if (f->errs.n != 1)
			fprintf(stderr, "case %zu: %zu errors\n", i, f->errs.n);
		assert_true(has(&f->errs, want));
		assert_int_equal(f->errs.n, 1);
		errlist_free(&f->errs);
	}
}

static void
test_long_socket(void **state)
{
	struct fx *f = *state;
	char text[512], want[PATH_MAX + 512], sock[256];

	memset(sock, 'x', 120);
	sock[0] = '/';
	sock[120] = '\0';
	snprintf(text, sizeof(text), "daemon = { control_socket = \"%s\"; };\n",
	    sock);
	put(f, "redundancyd.conf", text);
	assert_null(conf_load(f->main, &f->errs));
	snprintf(want, sizeof(want),
	    "%s:1: daemon.control_socket: \"%s\" is "
	    "longer than the 107 bytes a Unix socket path may have: choose a "
	    "shorter path",
	    f->main, sock);
	assert_true(has(&f->errs, want));
}

static void
test_monitor_values(void **state)
{
	struct fx *f = *state;
	struct conf *c;

	put(f, "redundancyd.conf",
	    "monitors = (\n"
	    "  { name = \"a\"; plugin = \"p\"; },\n"
	    "  { name = \"b-2.x_y\"; plugin = \"p\"; interval = \"5m\"; },\n"
	    "  { name = \"c\"; plugin = \"p\"; interval = 10; timeout = "
	    "\"2s\";\n    enabled = false; depends_on = ( \"a\", \"b-2.x_y\" "
	    "); }\n);\n");
	c = conf_load(f->main, &f->errs);
	assert_non_null(c);
	assert_int_equal(c->nmon, 3);
	assert_int_equal(c->mon[0].enabled, 1);
	assert_int_equal(c->mon[0].interval_ms, 30000);
	assert_int_equal(c->mon[0].timeout_ms, 30000);
	assert_int_equal(c->mon[0].depends_on.n, 0);
	assert_string_equal(c->mon[0].plugin, "p");
	assert_int_equal(c->mon[0].line, 2);
	assert_int_equal(c->mon[1].interval_ms, 300000);
	assert_int_equal(c->mon[1].timeout_ms, 60000);
	assert_int_equal(c->mon[2].enabled, 0);
	assert_int_equal(c->mon[2].interval_ms, 10000);
	assert_int_equal(c->mon[2].timeout_ms, 2000);
	assert_int_equal(c->mon[2].depends_on.n, 2);
	assert_string_equal(c->mon[2].depends_on.v[1], "b-2.x_y");
	assert_int_equal(c->mon[2].rec.max_attempts, 3);
	conf_free(c);
}

/* ---- plugin options ---- */

/* Parse text and return the member "m" of it. */
static const config_setting_t *
parse_m(config_t *cfg, const char *text)
{
	config_init(cfg);
	assert_int_equal(config_read_string(cfg, text), CONFIG_TRUE);
	return config_lookup(cfg, "m");
}

static void
test_fill_values(void **state)
{
	struct fx *f = *state;
	struct fake_cfg fc;
	config_t cfg;
	const config_setting_t *m;

	m = parse_m(&cfg,
	    "m = { name = \"m\"; b = false; i = 123456789012L;\n"
	    "d = 3; s = \"str\"; dur = 90; size = \"2G\"; l = [ \"x\", \"y\" "
	    "];\n"
	    "g = ( { k = 1; } ); ranged = 10; req = \"r\"; dr = 1.5;\n"
	    "durr = \"1m\"; tok = 5; sizer = \"1K\"; };");
	memset(&fc, 0, sizeof(fc));
	assert_int_equal(
	    conf_fill_options(fake_opts, &fc, m, "x.conf", &f->errs), 0);
	assert_int_equal(f->errs.n, 0);
	assert_int_equal(fc.b, 0);
	assert_int_equal(fc.i, 123456789012LL);
	assert_true(fc.d == 3.0);
	assert_string_equal(fc.s, "str");
	assert_int_equal(fc.dur, 90000);
	assert_int_equal(fc.size, 2LL * 1024 * 1024 * 1024);
	assert_int_equal(fc.l.n, 2);
	assert_string_equal(fc.l.v[0], "x");
	assert_string_equal(fc.l.v[1], "y");
	assert_null(fc.l.v[2]);
	assert_ptr_equal(fc.g, config_setting_get_member(m, "g"));
	assert_int_equal(fc.ranged, 10);
	assert_string_equal(fc.req, "r");
	assert_true(fc.dr == 1.5);
	assert_int_equal(fc.durr, 60000);
	assert_int_equal(fc.tok, 5);
	assert_int_equal(fc.sizer, 1024);
	conf_free_options(fake_opts, &fc);
	assert_null(fc.s);
	assert_null(fc.l.v);
	assert_int_equal(fc.l.n, 0);
	config_destroy(&cfg);

	/* A single string is a list of one; a group is a GROUP. */
	m = parse_m(&cfg, "m = { req = \"r\"; l = \"one\"; g = { a = 1; }; "
	                  "d = 0.25; };");
	memset(&fc, 0, sizeof(fc));
	assert_int_equal(
	    conf_fill_options(fake_opts, &fc, m, NULL, &f->errs), 0);
	assert_int_equal(fc.l.n, 1);
	assert_string_equal(fc.l.v[0], "one");
	assert_null(fc.l.v[1]);
	assert_ptr_equal(fc.g, config_setting_get_member(m, "g"));
	assert_true(fc.d == 0.25);
	conf_free_options(fake_opts, &fc);
	config_destroy(&cfg);
}

static void
test_fill_defaults(void **state)
{
	struct fx *f = *state;
	struct fake_cfg fc;

	memset(&fc, 0, sizeof(fc));
	/* No setting at all: defaults, and the required one is missing. */
	assert_int_equal(
	    conf_fill_options(fake_opts, &fc, NULL, NULL, &f->errs), -1);
	assert_int_equal(f->errs.n, 1);
	assert_true(has(&f->errs, "req is required: add req = ...;"));
	assert_int_equal(fc.b, 1);
	assert_int_equal(fc.i, -7);
	assert_true(fc.d == 2.5);
	assert_string_equal(fc.s, "hello");
	assert_int_equal(fc.dur, 60000);
	assert_int_equal(fc.size, 80LL * 1024 * 1024);
	assert_int_equal(fc.l.n, 1);
	assert_string_equal(fc.l.v[0], "only");
	assert_null(fc.g);
	assert_int_equal(fc.ranged, 50);
	assert_null(fc.req);
	assert_int_equal(fc.durr, 0);
	conf_free_options(fake_opts, &fc);
	errlist_free(&f->errs);

	memset(&fc, 0, sizeof(fc));
	assert_int_equal(
	    conf_fill_options(fake_opts, &fc, NULL, "x.conf", &f->errs), -1);
	assert_true(has(&f->errs, "x.conf: req is required: add req = ...;"));
	conf_free_options(fake_opts, &fc);
	/* No table: nothing to do. */
	assert_int_equal(conf_fill_options(NULL, &fc, NULL, NULL, &f->errs), 0);
}

static void
test_fill_bad_default(void **state)
{
	struct fx *f = *state;
	static const struct rdd_option bad[] = {
	    {"n", RDD_OPT_INT, "12abc", 0, 0, 0, 0, ""},
	    {"t", RDD_OPT_BOOL, "maybe", 0, 0, sizeof(int64_t), 0, ""},
	    RDD_OPTIONS_END,
	};
	struct {
		int64_t n;
		int t;
	} v;

	memset(&v, 0, sizeof(v));
	assert_int_equal(
	    conf_fill_options(bad, &v, NULL, "x.conf", &f->errs), -1);
	assert_int_equal(f->errs.n, 2);
	assert_true(has(&f->errs, "x.conf: n: the plugin's default \"12abc\" "
	                          "is invalid: expected an integer"));
	assert_true(has(&f->errs, "x.conf: t: the plugin's default \"maybe\" "
	                          "is invalid: expected true or false"));
}

struct fill_case {
	const char *line;
	const char *want;
};

static const struct fill_case fill_cases[] = {
    {"b = 1;", "x.conf:4: monitor 'm': b: expected true or false, got an "
               "integer"},
    {"i = \"5\";", "x.conf:4: monitor 'm': i: expected an integer, got a "
                   "string"},
    {"d = \"x\";", "x.conf:4: monitor 'm': d: expected a number, got a "
                   "string"},
    {"s = 5;", "x.conf:4: monitor 'm': s: expected a string, got an "
               "integer"},
    {"dur = true;", "x.conf:4: monitor 'm': dur: expected a duration like "
                    "\"30s\", got a boolean"},
    {"dur = \"5 s\";", "x.conf:4: monitor 'm': dur: expected a duration "
                       "like \"30s\", got \"5 s\""},
    {"size = \"80X\";", "x.conf:4: monitor 'm': size: expected a size "
                        "like \"80M\", got \"80X\""},
    {"size = -1;", "x.conf:4: monitor 'm': size: expected a size like "
                   "\"80M\", got -1"},
    {"size = [ 1 ];", "x.conf:4: monitor 'm': size: expected a size like "
                      "\"80M\", got an array"},
    {"l = 5;", "x.conf:4: monitor 'm': l: expected a string or a list of "
               "strings, got an integer"},
    {"l = ( \"a\", 2 );", "x.conf:4: monitor 'm': l: expected a string or "
                          "a list of strings, got an integer at index 1"},
    {"l = ( \"a\", [ \"b\" ] );",
        "x.conf:4: monitor 'm': l: expected a "
        "string or a list of strings, got an array at index 1"},
    {"g = 5;", "x.conf:4: monitor 'm': g: expected a group or a list, got "
               "an integer"},
    {"ranged = 5;", "x.conf:4: monitor 'm': ranged: 5 is out of range "
                    "[10, 100]"},
    {"ranged = 101;", "x.conf:4: monitor 'm': ranged: 101 is out of "
                      "range [10, 100]"},
    {"dr = 2.0;", "x.conf:4: monitor 'm': dr: 2 is out of range [0.5, "
                  "1.5]"},
    {"durr = \"2m\";", "x.conf:4: monitor 'm': durr: 120000ms is out of "
                       "range [1000ms, 60000ms]"},
    {"tok = 9;", "x.conf:4: monitor 'm': tok: the value is out of range "
                 "[1, 5]"},
    {"sizer = \"2K\";", "x.conf:4: monitor 'm': sizer: 2048 bytes is out "
                        "of range [1, 1024]"},
};

static void
test_fill_errors(void **state)
{
	struct fx *f = *state;
	struct fake_cfg fc;
	config_t cfg;
	const config_setting_t *m;
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(fill_cases) / sizeof(fill_cases[0]); i++) {
		snprintf(text, sizeof(text),
		    "m = {\n name = \"m\";\n req = "
		    "\"r\";\n %s\n};",
		    fill_cases[i].line);
		m = parse_m(&cfg, text);
		memset(&fc, 0, sizeof(fc));
		assert_int_equal(
		    conf_fill_options(fake_opts, &fc, m, "x.conf", &f->errs),
		    -1);
		assert_true(has(&f->errs, fill_cases[i].want));
		assert_int_equal(f->errs.n, 1);
		conf_free_options(fake_opts, &fc);
		config_destroy(&cfg);
		errlist_free(&f->errs);
	}
	/* The required option is reported at the monitor's line. */
	m = parse_m(&cfg, "\nm = { name = \"m\"; };");
	memset(&fc, 0, sizeof(fc));
	assert_int_equal(
	    conf_fill_options(fake_opts, &fc, m, "x.conf", &f->errs), -1);
	assert_true(has(&f->errs, "x.conf:2: monitor 'm': req is required: "
	                          "add req = ...;"));
	conf_free_options(fake_opts, &fc);
	config_destroy(&cfg);
}

static void
test_bind(void **state)
{
	struct fx *f = *state;
	struct conf *c;
	struct fake_cfg *fc;
	char want[PATH_MAX + 256];
	int calls = 0;

	put(f, "redundancyd.conf",
	    "monitors = (\n"
	    "  { name = \"a\"; plugin = \"fake\"; req = \"r\";\n"
	    "    colour = \"red\"; },\n"
	    "  { name = \"b\"; plugin = \"fake\"; req = \"q\"; s = \"x\";\n"
	    "    l = [ \"1\", \"2\" ]; interval = \"1s\"; enabled = true;\n"
	    "    timeout = 1; depends_on = \"a\"; recovery = { delay = 1; }; "
	    "},\n"
	    "  { name = \"c\"; plugin = \"nope\"; }\n);\n");
	c = conf_load(f->main, &f->errs);
	assert_non_null(c);
	assert_int_equal(
	    conf_bind_plugins(c, fake_lookup, &calls, &f->errs), -1);
	assert_int_equal(calls, 3);
	assert_int_equal(f->errs.n, 2);
	snprintf(want, sizeof(want),
	    "%s:3: monitor 'a': unknown option "
	    "'colour' for plugin 'fake' (see redundancyd --plugin-help fake)",
	    f->main);
	assert_true(has(&f->errs, want));
	snprintf(want, sizeof(want),
	    "%s:7: monitor 'c': plugin 'nope' not "
	    "loaded: install nope.so in the plugin directory or fix plugin=",
	    f->main);
	assert_true(has(&f->errs, want));
	assert_ptr_equal(c->mon[1].pd, &fake_plugin);
	fc = c->mon[1].plugin_config;
	assert_non_null(fc);
	assert_string_equal(fc->s, "x");
	assert_string_equal(fc->req, "q");
	assert_int_equal(fc->l.n, 2);
	assert_int_equal(fc->dur, 60000);
	assert_null(c->mon[2].pd);
	assert_null(c->mon[2].plugin_config);
	/* Binding again replaces, without leaking, what was filled. */
	errlist_free(&f->errs);
	assert_int_equal(conf_bind_plugins(c, fake_lookup, NULL, &f->errs), -1);
	assert_int_equal(f->errs.n, 2);
	conf_free(c);
}

static void
test_topo_order(void **state)
{
	struct fx *f = *state;
	struct conf *c;
	size_t order[5], i, j, k, pos[5];

	put(f, "redundancyd.conf",
	    "monitors = (\n"
	    "  { name = \"d\"; plugin = \"p\"; depends_on = [ \"b\", \"c\" ]; "
	    "},\n"
	    "  { name = \"c\"; plugin = \"p\"; depends_on = \"a\"; },\n"
	    "  { name = \"b\"; plugin = \"p\"; depends_on = \"a\"; },\n"
	    "  { name = \"a\"; plugin = \"p\"; },\n"
	    "  { name = \"e\"; plugin = \"p\"; }\n);\n");
	c = conf_load(f->main, &f->errs);
	assert_non_null(c);
	assert_int_equal(conf_topo_order(c, order, &f->errs), 0);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
	assert_int_equal(order[3], 0);
	assert_int_equal(order[4], 4);
	for (i = 0; i < 5; i++)
		pos[order[i]] = i;
	/* Every upstream comes before its dependant. */
	for (i = 0; i < c->nmon; i++)
		for (j = 0; j < c->mon[i].depends_on.n; j++) {
			for (k = 0; k < c->nmon; k++)
				if (strcmp(c->mon[k].name,
				        c->mon[i].depends_on.v[j]) == 0)
					break;
			assert_true(pos[k] < pos[i]);
		}
	conf_free(c);
}

static void
test_topo_cycle(void **state)
{
	struct fx *f = *state;
	struct conf c;
	struct conf_monitor m[3];
	char *dx[] = {"y", NULL}, *dy[] = {"z", NULL}, *dz[] = {"y", NULL};
	size_t order[3];

	memset(&c, 0, sizeof(c));
	memset(m, 0, sizeof(m));
	m[0].name = "x";
	m[0].file = "a.conf";
	m[0].line = 1;
	m[0].depends_on.n = 1;
	m[0].depends_on.v = dx;
	m[1].name = "y";
	m[1].file = "a.conf";
	m[1].line = 2;
	m[1].depends_on.n = 1;
	m[1].depends_on.v = dy;
	m[2].name = "z";
	m[2].file = "b.conf";
	m[2].line = 3;
	m[2].depends_on.n = 1;
	m[2].depends_on.v = dz;
	c.mon = m;
	c.nmon = 3;
	c.path = "a.conf";
	assert_int_equal(conf_topo_order(&c, order, &f->errs), -1);
	assert_int_equal(f->errs.n, 1);
	assert_true(has(&f->errs,
	    "a.conf:2: monitor 'y': depends_on forms a "
	    "cycle: y -> z -> y (-> means depends on): remove one "
	    "depends_on"));
	/* No monitors: nothing to order. */
	c.nmon = 0;
	assert_int_equal(conf_topo_order(&c, order, &f->errs), 0);
}

static void
test_sample(void **state)
{
	struct fx *f = *state;
	struct conf *c;
	char src[PATH_MAX], *text;
	size_t len;

	snprintf(src, sizeof(src), "%s/etc/redundancyd.conf.sample", srcdir());
	text = util_read_file(src, 1 << 20, &len);
	assert_non_null(text);
	/* A copy, so drop-ins next to the sample do not change the result. */
	put(f, "redundancyd.conf", text);
	free(text);
	c = conf_load2(f->main, &f->errs, &f->warns);
	if (c == NULL)
		dump("errs", &f->errs);
	assert_non_null(c);
	assert_int_equal(f->warns.n, 0);
	assert_int_equal(c->nmon, 1);
	assert_string_equal(c->mon[0].name, "app");
	assert_string_equal(c->mon[0].plugin, "exec");
	assert_int_equal(c->mon[0].interval_ms, 30000);
	assert_int_equal(c->mon[0].rec.max_attempts, 5);
	assert_int_equal(c->max_children, 8);
	assert_non_null(
	    config_setting_get_member(c->mon[0].setting, "command"));
	conf_free(c);
}

static void
test_errlist(void **state)
{
	struct errlist e = {NULL, 0};

	(void)state;
	errlist_add(&e, "%s:%d: %s", "f", 3, "x");
	errlist_add(&e, "two");
	errlist_add(NULL, "ignored");
	assert_int_equal(e.n, 2);
	assert_string_equal(e.v[0], "f:3: x");
	assert_string_equal(e.v[1], "two");
	errlist_free(&e);
	assert_null(e.v);
	assert_int_equal(e.n, 0);
	errlist_free(&e);
	errlist_free(NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

/* ---- environments and files given in memory ---- */

static void
test_environment(void **state)
{
	struct fx *f = *state;
	struct conf *c;
	char want[PATH_MAX];

	put(f, "redundancyd.conf",
	    "daemon: { environment = \"production\"; host = \"web-1\"; };\n");
	put(f, "conf.d/20-b.conf", "recovery: { max_attempts = 2; };\n");
	put(f, "conf.d/10-a.conf", "recovery: { max_attempts = 1; };\n");
	put(f, "conf.d/production/05-p.conf",
	    "recovery: { max_attempts = 7; };\n");
	put(f, "conf.d/staging/05-s.conf",
	    "recovery: { max_attempts = 9; };\n");
	c = conf_load2(f->main, &f->errs, &f->warns);
	assert_non_null(c);
	assert_string_equal(c->environment, "production");
	assert_string_equal(c->host, "web-1");
	assert_int_equal(c->config_history, 20);
	assert_int_equal(c->ncfgs, 4);
	snprintf(want, sizeof(want), "%s/conf.d/10-a.conf", f->dir);
	assert_string_equal(c->files[1], want);
	snprintf(want, sizeof(want), "%s/conf.d/production/05-p.conf", f->dir);
	assert_string_equal(c->files[3], want);
	/* The environment's drop-in is read last: its setting wins. */
	assert_int_equal(c->rec.max_attempts, 7);
	/* The bytes kept for the history are the file's. */
	assert_int_equal(
	    c->text_len[3], strlen("recovery: { max_attempts = 7; };\n"));
	assert_memory_equal(
	    c->text[3], "recovery: { max_attempts = 7; };\n", c->text_len[3]);
	conf_free(c);

	/* -e wins over the main file. */
	c = conf_load_with(f->main, "staging", NULL, 0, &f->errs, &f->warns);
	assert_non_null(c);
	assert_string_equal(c->environment, "staging");
	assert_int_equal(c->rec.max_attempts, 9);
	conf_free(c);

	/* No environment: conf.d/ only, and the host defaults. */
	put(f, "redundancyd.conf", "daemon: { config_history = 0; };\n");
	c = conf_load2(f->main, &f->errs, &f->warns);
	assert_non_null(c);
	assert_string_equal(c->environment, "");
	assert_true(c->host[0] != '\0');
	assert_int_equal(c->config_history, 0);
	assert_int_equal(c->ncfgs, 3);
	assert_int_equal(c->rec.max_attempts, 2);
	conf_free(c);
	assert_int_equal(f->errs.n, 0);
}

static void
test_environment_errors(void **state)
{
	struct fx *f = *state;
	char want[PATH_MAX + 200];

	put(f, "redundancyd.conf", "daemon: { environment = \"..\"; };\n");
	assert_null(conf_load2(f->main, &f->errs, &f->warns));
	snprintf(want, sizeof(want),
	    "%s:1: daemon.environment: \"..\" is not an environment name",
	    f->main);
	assert_true(has_prefix(&f->errs, want));
	errlist_free(&f->errs);

	put(f, "redundancyd.conf", "daemon: { };\n");
	assert_null(conf_load_with(f->main, "a/b", NULL, 0, &f->errs, NULL));
	assert_true(
	    has_prefix(&f->errs, "-e \"a/b\": not an environment name"));
	errlist_free(&f->errs);

	put(f, "conf.d/10-x.conf", "\ndaemon: { environment = \"x\"; };\n");
	assert_null(conf_load2(f->main, &f->errs, &f->warns));
	snprintf(want, sizeof(want),
	    "%s/conf.d/10-x.conf:2: daemon.environment: only the main file",
	    f->dir);
	assert_true(has_prefix(&f->errs, want));
	errlist_free(&f->errs);

	/* An environment without a directory: a warning only. */
	put(f, "conf.d/10-x.conf", "\n");
	errlist_free(&f->warns);
	conf_free(conf_load_with(f->main, "dev", NULL, 0, &f->errs, &f->warns));
	assert_int_equal(f->errs.n, 0);
	snprintf(
	    want, sizeof(want), "%s/conf.d/dev: no such directory", f->dir);
	assert_true(has_prefix(&f->warns, want));

	/* A broken main file: the drop-ins' errors are still said. */
	errlist_free(&f->errs);
	put(f, "redundancyd.conf", "daemon: {\n");
	put(f, "conf.d/10-x.conf", "recovery: { nope = ; };\n");
	assert_null(conf_load2(f->main, &f->errs, NULL));
	assert_true(has_prefix(&f->errs, f->main));
	snprintf(want, sizeof(want), "%s/conf.d/10-x.conf:1: ", f->dir);
	assert_true(has_prefix(&f->errs, want));

	assert_true(conf_env_name_ok("prod-1.eu_west"));
	assert_false(conf_env_name_ok(""));
	assert_false(conf_env_name_ok(".x"));
	assert_false(conf_env_name_ok("x y"));
}

static void
test_load_memory(void **state)
{
	struct fx *f = *state;
	struct conf_src src[2];
	struct conf *c;
	size_t n, i;
	char **l;

	/* The disk says one thing, the memory another: memory wins. */
	put(f, "redundancyd.conf", "recovery: { max_attempts = 1; };\n");
	src[0] =
	    (struct conf_src){f->main, "recovery: { max_attempts = 5; };", 32};
	src[1] = (struct conf_src){
	    "/nowhere/conf.d/x.conf", "recovery: { delay = \"9s\"; };", 28};
	c = conf_load_with(f->main, NULL, src, 2, &f->errs, &f->warns);
	assert_non_null(c);
	assert_int_equal(c->rec.max_attempts, 5);
	assert_int_equal(c->rec.delay_ms, 9000);
	assert_int_equal(c->ncfgs, 2);
	assert_string_equal(c->files[1], "/nowhere/conf.d/x.conf");
	conf_free(c);
	/* An error names the path given. */
	src[1].text = "recovery: { delay = ; };";
	src[1].len = strlen(src[1].text);
	assert_null(conf_load_with(f->main, NULL, src, 2, &f->errs, NULL));
	assert_true(has_prefix(&f->errs, "/nowhere/conf.d/x.conf:1: "));

	/* conf_list_files: the files a load would read now. */
	put(f, "conf.d/a.conf", "\n");
	put(f, "conf.d/e1/b.conf", "\n");
	l = conf_list_files(f->main, "e1", &n);
	assert_non_null(l);
	assert_int_equal(n, 3);
	assert_string_equal(l[0], f->main);
	assert_non_null(strstr(l[2], "/conf.d/e1/b.conf"));
	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* ---- renames across a reload (conf_renames) ---- */

static struct conf *
load_text(struct fx *f, const char *text)
{
	struct conf *c;

	put(f, "redundancyd.conf", text);
	c = conf_load2(f->main, &f->errs, &f->warns);
	if (c == NULL)
		dump("errs", &f->errs);
	assert_non_null(c);
	return c;
}

static const char *
renamed(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nmon; i++)
		if (strcmp(c->mon[i].name, name) == 0)
			return c->mon[i].renamed_from;
	fail_msg("no monitor %s", name);
	return NULL;
}

static void
test_renames(void **state)
{
	struct fx *f = *state;
	struct conf *a, *b;

	a = load_text(f,
	    "monitors = (\n"
	    "{ name = \"web\"; plugin = \"process\"; command = [\"/bin/a\", "
	    "\"1\"];"
	    "  cwd = \"/srv\"; interval = \"10s\"; },\n"
	    "{ name = \"db\"; plugin = \"process\"; match = \"^pg\"; },\n"
	    "{ name = \"x\"; plugin = \"exec\"; command = [\"/bin/true\"]; },\n"
	    "{ name = \"y\"; plugin = \"exec\"; command = [\"/bin/true\"]; },\n"
	    "{ name = \"off\"; plugin = \"exec\"; enabled = false;"
	    "  command = [\"/bin/false\"]; }\n);\n");
	/*
	 * web: renamed, members reordered, interval changed (how it is
	 * watched, not what it is). db: renamed with an option changed: a new
	 * monitor. x and y are alike: which one is z cannot be told. A
	 * disabled monitor runs nothing to carry over.
	 */
	b = load_text(f,
	    "monitors = (\n"
	    "{ cwd = \"/srv\"; plugin = \"process\"; name = \"site\";"
	    "  command = [\"/bin/a\", \"1\"]; interval = \"1m\"; },\n"
	    "{ name = \"pg\"; plugin = \"process\"; match = \"^postgres\"; },\n"
	    "{ name = \"z\"; plugin = \"exec\"; command = [\"/bin/true\"]; },\n"
	    "{ name = \"on\"; plugin = \"exec\"; enabled = false;"
	    "  command = [\"/bin/false\"]; }\n);\n");
	assert_int_equal(conf_renames(a, b), 1);
	assert_string_equal(renamed(b, "site"), "web");
	assert_null(renamed(b, "pg"));
	assert_null(renamed(b, "z"));
	assert_null(renamed(b, "on"));
	/* The other way round: nothing keeps a stale mark. */
	assert_int_equal(conf_renames(b, b), 0);
	assert_null(renamed(b, "site"));
	conf_free(b);

	/* A name that stays is no rename, even if another could be it. */
	b = load_text(f,
	    "monitors = (\n"
	    "{ name = \"web\"; plugin = \"process\"; command = [\"/bin/a\", "
	    "\"1\"];"
	    "  cwd = \"/srv\"; },\n"
	    "{ name = \"web2\"; plugin = \"process\"; command = [\"/bin/a\", "
	    "\"1\"];"
	    "  cwd = \"/srv\"; },\n"
	    "{ name = \"x\"; plugin = \"exec\"; command = [\"/bin/true\"]; },\n"
	    "{ name = \"w\"; plugin = \"exec\"; command = [\"/bin/true\"]; "
	    "}\n);\n");
	assert_int_equal(conf_renames(a, b), 1);
	assert_null(renamed(b, "web"));
	assert_null(renamed(b, "web2"));
	assert_null(renamed(b, "x"));
	/* y is the only one gone and w the only one new of its kind. */
	assert_string_equal(renamed(b, "w"), "y");
	conf_free(b);

	/* 1 and 1L, 2.0 and 2.0: one value; another plugin is another. */
	conf_free(a);
	a = load_text(f, "monitors = ( { name = \"a\"; plugin = \"p\";"
	                 " n = 1; d = 2.0; g = { k = true; }; } );\n");
	b = load_text(f, "monitors = ( { name = \"b\"; plugin = \"p\";"
	                 " n = 1L; d = 2.0; g = { k = true; }; } );\n");
	assert_int_equal(conf_renames(a, b), 1);
	conf_free(b);
	b = load_text(f, "monitors = ( { name = \"b\"; plugin = \"p\";"
	                 " n = 1; d = 2.0; g = { k = false; }; } );\n");
	assert_int_equal(conf_renames(a, b), 0);
	conf_free(b);
	b = load_text(f, "monitors = ( { name = \"b\"; plugin = \"q\";"
	                 " n = 1; d = 2.0; g = { k = true; }; } );\n");
	assert_int_equal(conf_renames(a, b), 0);
	conf_free(b);
	b = load_text(f,
	    "monitors = ( { name = \"b\"; plugin = \"p\";"
	    " n = 1; d = 2.0; g = { k = true; }; extra = \"\"; } );\n");
	assert_int_equal(conf_renames(a, b), 0);
	conf_free(b);
	conf_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_defaults),
	    T(test_daemon_values),
	    T(test_merge),
	    T(test_relative_paths),
	    T(test_relative_main),
	    T(test_missing_main),
	    T(test_unreadable_main),
	    T(test_dropin_errors),
	    T(test_duplicate_across_files),
	    T(test_unknown_keys),
	    T(test_errors),
	    T(test_long_socket),
	    T(test_monitor_values),
	    T(test_fill_values),
	    T(test_fill_defaults),
	    T(test_fill_bad_default),
	    T(test_fill_errors),
	    T(test_bind),
	    T(test_topo_order),
	    T(test_topo_cycle),
	    T(test_sample),
	    T(test_environment),
	    T(test_environment_errors),
	    T(test_load_memory),
	    T(test_renames),
	    cmocka_unit_test(test_errlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
