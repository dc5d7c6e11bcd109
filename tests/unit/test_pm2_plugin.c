/*
 * test_pm2_plugin.c: the pm2 plugin on the mock host against a fake PM2
 * (listening rpc.sock and pub.sock in a temporary PM2_HOME): checks over
 * RPC with the right arity, pushes from pub.sock, each rung of the ladder,
 * rungs that do not apply, the daemon going away, and jlist_fallback that
 * never runs without a live pm2.pid.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "plugins/pm2/amp.h"
#include "tests/lib/mock_host.h"

extern const struct rdd_plugin rdd_plugin;

struct fake {
	char home[256];
	char state[300];
	int lrpc, lpub; /* listening */
	int rpc, pub;   /* accepted */
	struct amp_decoder dec;
	struct mock_host mh;
	void *ctx;
};

static int
listen_unix(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

static void
fake_listen(struct fake *f)
{
	char p[300];

	snprintf(p, sizeof(p), "%s/rpc.sock", f->home);
	unlink(p);
	f->lrpc = listen_unix(p);
	snprintf(p, sizeof(p), "%s/pub.sock", f->home);
	unlink(p);
	f->lpub = listen_unix(p);
}

static void
fake_accept(struct fake *f)
{
	f->pub = accept(f->lpub, NULL, NULL);
	f->rpc = accept(f->lrpc, NULL, NULL);
	assert_true(f->pub >= 0);
	assert_true(f->rpc >= 0);
	amp_decoder_reset(&f->dec);
}

/* A plugin instance on a fake PM2; extra option pairs end with NULL. */
static void
fake_start(struct fake *f, ...)
{
	const char *kv[32];
	char home[300], err[256];
	void *cfg;
	va_list ap;
	int n = 0;

	memset(f, 0, sizeof(*f));
	f->rpc = f->pub = -1;
	snprintf(f->home, sizeof(f->home), "/tmp/pm2t.XXXXXX");
	assert_non_null(mkdtemp(f->home));
	snprintf(f->state, sizeof(f->state), "%s/state", f->home);
	mkdir(f->state, 0700);
	amp_decoder_init(&f->dec, 0);
	fake_listen(f);
	mock_host_init(&f->mh, "pm2");
	mock_set_state_dir(&f->mh, f->state);
	snprintf(home, sizeof(home), "%s", f->home);
	kv[n++] = "pm2_home";
	kv[n++] = home;
	kv[n++] = "pm2_bin";
	kv[n++] = "/nonexistent/pm2";
	kv[n++] = "verify";
	kv[n++] = "777ms";
	va_start(ap, f);
	while (n < 30 && (kv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	kv[n] = NULL;
	cfg = mock_config_new(&f->mh, &rdd_plugin, kv[0], kv[1], kv[2], kv[3],
	    kv[4], kv[5], kv[6], kv[7], kv[8], kv[9], kv[10], kv[11], kv[12],
	    kv[13], kv[14], kv[15], kv[16], kv[17], NULL);
	if (cfg == NULL)
		fail_msg("config: %s", f->mh.error);
	assert_int_equal(rdd_plugin.create(&f->mh.host, mock_monitor(&f->mh),
	                     cfg, &f->ctx, err, sizeof(err)),
	    0);
	assert_int_equal(rdd_plugin.start(f->ctx), 0);
	fake_accept(f);
}

static void
fake_stop(struct fake *f)
{
	char cmd[400];

	rdd_plugin.destroy(f->ctx);
	assert_int_equal(f->mh.violations, 0);
	mock_host_free(&f->mh);
	amp_decoder_free(&f->dec);
	if (f->rpc >= 0)
		close(f->rpc);
	if (f->pub >= 0)
		close(f->pub);
	close(f->lrpc);
	close(f->lpub);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->home);
	assert_int_equal(system(cmd), 0);
}

/* The active read watch of fd. */
static size_t
watch_of(struct fake *f, int client_side_is_rpc)
{
	size_t i;
	int want = -1;

	/* The plugin's fds are the peers of ours: find by elimination. */
	for (i = f->mh.nfds; i > 0; i--) {
		struct mock_fd *w = f->mh.fds[i - 1];
		struct sockaddr_un sa;
		socklen_t sl = sizeof(sa);

		if (!w->active || !(w->events & RDD_FD_READ))
			continue;
		if (getpeername(w->fd, (struct sockaddr *)&sa, &sl) != 0)
			continue;
		want =
		    strstr(sa.sun_path,
		        client_side_is_rpc ? "rpc.sock" : "pub.sock") != NULL;
		if (want)
			return i - 1;
	}
	fail_msg("no active %s watch", client_side_is_rpc ? "rpc" : "pub");
	return 0;
}

/* Read one request frame the plugin wrote; returns the parsed message. */
static struct json_object *
fake_request(struct fake *f, char *id, size_t idlen)
{
	struct amp_frame fr;
	struct json_object *o;
	char buf[65536], err[128];
	ssize_t n;
	int r;

	for (;;) {
		r = amp_next(&f->dec, &fr);
		assert_true(r >= 0);
		if (r == 1)
			break;
		n = read(f->rpc, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(amp_feed(&f->dec, buf, (size_t)n), 0);
	}
	assert_int_equal(fr.argc, 2);
	assert_int_equal(fr.args[1].type, AMP_STRING);
	snprintf(id, idlen, "%s", fr.args[1].data);
	assert_int_equal(amp_arg_json(&fr.args[0], 1, &o, err, sizeof(err)), 0);
	return o;
}

static const char *
req_method(struct json_object *o)
{
	struct json_object *m;

	assert_true(json_object_object_get_ex(o, "method", &m));
	return json_object_get_string(m);
}

static struct json_object *
req_args(struct json_object *o)
{
	struct json_object *a;

	assert_true(json_object_object_get_ex(o, "args", &a));
	return a;
}

static void
fake_reply(struct fake *f, const char *id, const char *msg_json)
{
	struct amp_buf b = {0};
	struct amp_arg a[2];

	a[0] = amp_json(msg_json);
	a[1] = amp_str(id);
	assert_int_equal(amp_encode(&b, 2, a), 0);
	assert_int_equal(write(f->rpc, b.data, b.len), (ssize_t)b.len);
	amp_buf_free(&b);
	assert_int_equal(mock_fd_fire(&f->mh, watch_of(f, 1), RDD_FD_READ), 0);
}

static void
fake_event(struct fake *f, const char *topic, const char *payload)
{
	struct amp_buf b = {0};
	struct amp_arg a[2];

	a[0] = amp_str(topic);
	a[1] = amp_json(payload);
	assert_int_equal(amp_encode(&b, 2, a), 0);
	assert_int_equal(write(f->pub, b.data, b.len), (ssize_t)b.len);
	amp_buf_free(&b);
	assert_int_equal(mock_fd_fire(&f->mh, watch_of(f, 0), RDD_FD_READ), 0);
}

static char *
proc_json(const char *name, int id, const char *status, long pid,
    long long uptime_ago, const char *extra)
{
	char *s;
	long long now = (long long)time(NULL) * 1000;

	if (asprintf(&s,
	        "{\"name\":\"%s\",\"pm_id\":%d,\"pid\":%ld,"
	        "\"monit\":{\"memory\":1000,\"cpu\":0},\"pm2_env\":{"
	        "\"status\":\"%s\",\"pm_uptime\":%lld,\"created_at\":%lld,"
	        "\"restart_time\":0,\"pm_exec_path\":\"/srv/%s.js\"%s}}",
	        name, id, pid, status, now - uptime_ago, now - uptime_ago, name,
	        extra) < 0)
		abort();
	return s;
}

/* Answer getMonitorData with a list of entries. */
static void
answer_list(struct fake *f, int n, ...)
{
	struct json_object *o;
	char id[64], *msg = strdup("{\"args\":["), *e;
	va_list ap;
	int i;

	o = fake_request(f, id, sizeof(id));
	assert_string_equal(req_method(o), "getMonitorData");
	/* Arity: one placeholder argument, PM2 appends its callback. */
	assert_int_equal(json_object_array_length(req_args(o)), 1);
	json_object_put(o);
	msg = realloc(msg, strlen(msg) + 2);
	strcat(msg, "[");
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		e = va_arg(ap, char *);
		msg = realloc(msg, strlen(msg) + strlen(e) + 3);
		if (i)
			strcat(msg, ",");
		strcat(msg, e);
		free(e);
	}
	va_end(ap);
	msg = realloc(msg, strlen(msg) + 4);
	strcat(msg, "]]}");
	fake_reply(f, id, msg);
	free(msg);
}

static const struct mock_report *
last(struct fake *f, const char *target)
{
	const struct mock_report *r = mock_report_last(&f->mh, target);

	if (r == NULL)
		fail_msg("no report for %s", target);
	return r;
}

static void
t_check_over_rpc(void **state)
{
	struct fake f;
	const struct mock_report *r;

	fake_start(&f, NULL);
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	answer_list(&f, 3, proc_json("web", 0, "online", 4242, 60000, ""),
	    proc_json("cr", 1, "errored", 0, 60000, ",\"exit_code\":1"),
	    proc_json(
	        "crd", 2, "waiting restart", 0, 60000, ",\"created_at\":null"));
	assert_int_equal(f.mh.checks_done, 1);
	r = last(&f, "pm2-daemon");
	assert_int_equal(r->state, RDD_OK);
	assert_non_null(strstr(r->msg, "3 processes"));
	assert_int_equal(last(&f, "web")->state, RDD_OK);
	assert_int_equal(last(&f, "cr")->state, RDD_CRITICAL);
	r = last(&f, "crd");
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_non_null(strstr(r->msg, "stuck in 'waiting restart'"));
	assert_non_null(mock_metric_find(last(&f, "web"), "memory"));
	fake_stop(&f);
}

static void
t_push_on_exit(void **state)
{
	struct fake f;
	const struct mock_report *r;

	fake_start(&f, NULL);
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	answer_list(&f, 2, proc_json("once", 3, "online", 4242, 60000, ""),
	    proc_json("web", 0, "online", 4243, 60000, ""));
	fake_event(&f, "process:event",
	    "{\"event\":\"exit\",\"manually\":false,\"at\":1,\"process\":{"
	    "\"name\":\"once\",\"pm_id\":3,\"status\":\"stopped\","
	    "\"autorestart\":false,\"exit_code\":2}}");
	r = last(&f, "once");
	assert_int_equal(r->check, -1); /* a push, not a check report */
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_non_null(strstr(r->msg, "code 2 and autorestart is off"));
	/* Log lines of apps are read and dropped: no push, no report. */
	fake_event(&f, "log:out", "{\"process\":{\"pm_id\":3},\"data\":\"x\"}");
	fake_event(&f, "process:event",
	    "{\"event\":\"exit\",\"manually\":false,\"at\":1,\"process\":{"
	    "\"name\":\"web\",\"pm_id\":0,\"status\":\"stopped\","
	    "\"autorestart\":true,\"exit_code\":1}}");
	r = last(&f, "web");
	assert_int_not_equal(r->check, -1); /* the check's report, no push */
	fake_stop(&f);
}

/*
 * A push before any process list was read is held: the list is read at
 * once and the decision made on it (a restart needs the list), pushed
 * when the app is still CRITICAL there, dropped when it is not.
 */
static void
t_push_held_before_first_list(void **state)
{
	struct fake f;
	const struct mock_report *r;

	fake_start(&f, NULL);
	fake_event(&f, "process:event",
	    "{\"event\":\"exit\",\"manually\":false,\"at\":1,\"process\":{"
	    "\"name\":\"once\",\"pm_id\":3,\"status\":\"stopped\","
	    "\"autorestart\":false,\"exit_code\":2}}");
	assert_null(mock_report_last(&f.mh, "once"));
	fake_event(&f, "process:event",
	    "{\"event\":\"exit\",\"manually\":false,\"at\":1,\"process\":{"
	    "\"name\":\"back\",\"pm_id\":4,\"status\":\"stopped\","
	    "\"autorestart\":false,\"exit_code\":2}}");
	assert_null(mock_report_last(&f.mh, "back"));
	/* One read for both; back is online again by then (restarted). */
	answer_list(&f, 2,
	    proc_json("once", 3, "stopped", 0, 60000, ",\"autorestart\":false"),
	    proc_json("back", 4, "online", 4244, 60000, ""));
	r = last(&f, "once");
	assert_int_equal(r->check, -1);
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_null(mock_report_last(&f.mh, "back"));
	/* The list is the plugin's now: a restart has what it needs. */
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "once", "restart", 1);
	assert_int_equal(f.mh.recoveries[0].done, 0);
	fake_stop(&f);
}

static void
t_restart_rung(void **state)
{
	struct fake f;
	struct json_object *o, *a, *id;
	char rid[64];
	int rec;

	fake_start(&f, NULL);
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	answer_list(&f, 1, proc_json("cr", 5, "errored", 0, 60000, ""));
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "cr", "restart", 1);
	rec = (int)f.mh.nrecoveries - 1;
	o = fake_request(&f, rid, sizeof(rid));
	assert_string_equal(req_method(o), "restartProcessId");
	a = req_args(o);
	assert_int_equal(json_object_array_length(a), 1);
	assert_true(json_object_object_get_ex(
	    json_object_array_get_idx(a, 0), "id", &id));
	assert_int_equal(json_object_get_int(id), 5);
	json_object_put(o);
	assert_int_equal(f.mh.recoveries[rec].done, 0);
	fake_reply(&f, rid, "{\"args\":[{}]}");
	/* Verification after `verify`: the app must be online then. */
	assert_int_equal(f.mh.timers[mock_timer_last(&f.mh)]->ms, 777);
	assert_int_equal(mock_timer_fire(&f.mh, mock_timer_last(&f.mh)), 0);
	answer_list(&f, 1, proc_json("cr", 5, "online", 99, 700, ""));
	assert_int_equal(f.mh.recoveries[rec].done, 1);
	assert_int_equal(f.mh.recoveries[rec].ok, 1);
	assert_non_null(strstr(f.mh.recoveries[rec].msg, "restartProcessId on "
	                                                 "pm_id 5"));
	fake_stop(&f);
}

static void
t_restart_crashes_again(void **state)
{
	struct fake f;
	struct json_object *o;
	char rid[64];
	int rec;

	fake_start(&f, NULL);
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	answer_list(&f, 1, proc_json("cr", 5, "errored", 0, 60000, ""));
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "cr", "restart", 1);
	rec = (int)f.mh.nrecoveries - 1;
	o = fake_request(&f, rid, sizeof(rid));
	json_object_put(o);
	fake_reply(&f, rid, "{\"args\":[{}]}");
	/* It exits again while we wait: fail at once, next rung. */
	fake_event(&f, "process:event",
	    "{\"event\":\"exit\",\"manually\":false,\"at\":1,\"process\":{"
	    "\"name\":\"cr\",\"pm_id\":5,\"status\":\"stopped\","
	    "\"autorestart\":true,\"exit_code\":1}}");
	assert_int_equal(f.mh.recoveries[rec].done, 1);
	assert_int_equal(f.mh.recoveries[rec].ok, 0);
	assert_non_null(strstr(f.mh.recoveries[rec].msg, "exited again"));
	fake_stop(&f);
}

static void
t_rungs_that_do_not_apply(void **state)
{
	struct fake f;

	fake_start(&f, "critical", "[\"api\"]", NULL);
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	answer_list(&f, 1, proc_json("cr", 1, "errored", 0, 60000, ""));
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "cr", "start-backup", 3);
	assert_int_equal(f.mh.recoveries[0].done, 1);
	assert_int_equal(f.mh.recoveries[0].ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_non_null(strstr(f.mh.recoveries[0].msg, "only to apps listed "
	                                               "in critical (api)"));
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "cr", "start-from-ecosystem", 2);
	assert_int_equal(f.mh.recoveries[1].ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_non_null(strstr(f.mh.recoveries[1].msg, "not declared in any "
	                                               "ecosystem file"));
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "ghost", "restart", 1);
	assert_int_equal(f.mh.recoveries[2].ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_non_null(strstr(f.mh.recoveries[2].msg, "restart does not "
	                                               "apply"));
	rdd_plugin.recover(f.ctx, mock_recovery_begin(&f.mh),
	    "ecosystem:eco.json", "restart", 1);
	assert_int_equal(f.mh.recoveries[3].ok, RDD_RECOVERY_NOT_APPLICABLE);
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "pm2-daemon", "start-backup", 3);
	assert_int_equal(f.mh.recoveries[4].ok, RDD_RECOVERY_NOT_APPLICABLE);
	assert_non_null(strstr(f.mh.recoveries[4].msg, "does not apply to the "
	                                               "PM2 daemon"));
	/* Nothing was sent to PM2 or run for any of them. */
	assert_int_equal(f.mh.nchildren, 0);
	fake_stop(&f);
}

static void
t_start_from_ecosystem_and_backup(void **state)
{
	struct fake f;
	const struct mock_report *r;
	char eco[1200], bfile[400], *text;
	const struct mock_child *c;
	const char *srcdir = getenv("srcdir");
	struct json_object *root, *app, *env, *v;
	FILE *fp;
	long n;

	snprintf(eco, sizeof(eco),
	    "[\"%s/tests/unit/fixtures/pm2/eco/"
	    "good.json\"]",
	    srcdir ? srcdir : ".");
	fake_start(&f, "ecosystem", eco, "critical", "[\"api\"]", "backup_env",
	    "[\"api:PORT=3999\", \"EXTRA=1\"]", NULL);
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	answer_list(&f, 1, proc_json("api", 0, "errored", 0, 60000, ""));
	/* worker is declared but absent: missing. */
	assert_int_equal(last(&f, "worker")->state, RDD_CRITICAL);
	assert_non_null(strstr(last(&f, "worker")->msg, "good.json:12 but "
	                                                "not in PM2"));
	assert_int_equal(last(&f, "ecosystem:good.json")->state, RDD_OK);

	rdd_plugin.recover(f.ctx, mock_recovery_begin(&f.mh), "api",
	    "start-from-ecosystem", 2);
	c = f.mh.children[mock_child_last(&f.mh)];
	assert_non_null(strstr(c->cmdline, "/nonexistent/pm2 start "));
	assert_non_null(strstr(c->cmdline, "good.json --only api"));
	assert_non_null(c->env);
	assert_int_equal(strncmp(c->env[0], "PM2_HOME=", 9), 0);
	mock_child_exit(&f.mh, (size_t)mock_child_last(&f.mh), 0, "", "");
	assert_int_equal(mock_timer_fire(&f.mh, mock_timer_last(&f.mh)), 0);
	answer_list(&f, 1, proc_json("api", 0, "errored", 0, 60000, ""));
	assert_int_equal(f.mh.recoveries[0].ok, 0);
	assert_non_null(strstr(f.mh.recoveries[0].msg, "api is not up"));

	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "api", "start-backup", 3);
	c = f.mh.children[mock_child_last(&f.mh)];
	snprintf(bfile, sizeof(bfile), "%s/backup-api.json", f.state);
	assert_non_null(strstr(c->cmdline, bfile));
	fp = fopen(bfile, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	root = json_tokener_parse(text);
	free(text);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "apps", &v));
	app = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(app, "name", &v));
	assert_string_equal(json_object_get_string(v), "backup-api");
	assert_true(json_object_object_get_ex(app, "script", &v));
	assert_true(json_object_get_string(v)[0] == '/');
	assert_true(json_object_object_get_ex(app, "env", &env));
	assert_true(json_object_object_get_ex(env, "PORT", &v));
	assert_string_equal(json_object_get_string(v), "3999");
	assert_true(json_object_object_get_ex(env, "EXTRA", &v));
	assert_true(json_object_object_get_ex(env, "NODE_ENV", &v));
	json_object_put(root);
	mock_child_exit(&f.mh, (size_t)mock_child_last(&f.mh), 0, "", "");
	assert_int_equal(mock_timer_fire(&f.mh, mock_timer_last(&f.mh)), 0);
	answer_list(&f, 2, proc_json("api", 0, "errored", 0, 60000, ""),
	    proc_json("backup-api", 1, "online", 77, 800, ""));
	assert_int_equal(f.mh.recoveries[1].ok, 1);
	assert_non_null(strstr(f.mh.recoveries[1].msg, "PORT=3999"));
	/* Served: the primary is WARNING while its backup is all online. */
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	answer_list(&f, 2, proc_json("api", 0, "errored", 0, 60000, ""),
	    proc_json("backup-api", 1, "online", 77, 800, ""));
	r = last(&f, "api");
	assert_int_equal(r->state, RDD_WARNING);
	assert_non_null(strstr(r->msg, "serving from backup-api (1/1 online)"));
	/* Its exits are not pushed: a push would be a give-up. */
	fake_event(&f, "process:event",
	    "{\"event\":\"restart overlimit\",\"manually\":false,\"at\":1,"
	    "\"process\":{\"name\":\"api\",\"pm_id\":0,"
	    "\"status\":\"errored\",\"restart_time\":16,\"exit_code\":1}}");
	assert_int_not_equal(last(&f, "api")->check, -1);
	/* Not serving (a backup instance down): CRITICAL again. */
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	answer_list(&f, 2, proc_json("api", 0, "errored", 0, 60000, ""),
	    proc_json("backup-api", 1, "stopped", 0, 800, ""));
	assert_int_equal(last(&f, "api")->state, RDD_CRITICAL);
	fake_stop(&f);
}

/* A process whose /proc cmdline says it is PM2's God daemon of home. */
static pid_t
fake_god(const char *home)
{
	char title[400];
	pid_t pid;

	snprintf(title, sizeof(title), "PM2 v7.0.4: God Daemon (%s)", home);
	if ((pid = fork()) == 0) {
		execl("/bin/sleep", title, "60", (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	/* Until exec, the child's cmdline is ours. */
	for (int i = 0; i < 400; i++) {
		char path[64], buf[512] = "";
		FILE *fp;

		snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
		if ((fp = fopen(path, "r")) != NULL) {
			if (fgets(buf, sizeof(buf), fp) == NULL)
				buf[0] = '\0';
			fclose(fp);
		}
		if (strstr(buf, "God Daemon") != NULL)
			break;
		usleep(5000);
	}
	return pid;
}

static void
write_pidfile(const struct fake *f, long pid)
{
	char path[400];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/pm2.pid", f->home);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "%ld\n", pid);
	fclose(fp);
}

static int
journal_has(const struct fake *f, const char *event, const char *text)
{
	size_t i;

	for (i = 0; i < f->mh.njournal; i++)
		if (strcmp(f->mh.journal[i].event, event) == 0 &&
		    strstr(f->mh.journal[i].msg, text) != NULL)
			return 1;
	return 0;
}

/*
 * A God daemon that is alive but does not answer (SIGSTOP): UNKNOWN and
 * no pm2 command before hang_max; after it, CRITICAL, and the recovery
 * kills that God daemon before anything is started.
 */
static void
t_hung_daemon(void **state)
{
	struct fake f;
	const struct mock_report *r;
	char id[64];
	struct json_object *o;
	pid_t god;
	int st;

	fake_start(&f, "hang_max", "300ms", "jlist_fallback", "true", NULL);
	god = fake_god(f.home);
	write_pidfile(&f, god);
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	answer_list(&f, 1, proc_json("web", 0, "online", 5, 60000, ""));

	/* No answer: the RPC times out. */
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	o = fake_request(&f, id, sizeof(id));
	json_object_put(o);
	assert_int_equal(mock_timer_fire(&f.mh, mock_timer_last(&f.mh)), 0);
	assert_int_equal(f.mh.checks_done, 2);
	r = last(&f, "pm2-daemon");
	assert_int_equal(r->state, RDD_UNKNOWN);
	assert_non_null(strstr(r->msg, "PM2 daemon not answering for"));
	assert_int_equal(last(&f, "web")->state, RDD_UNKNOWN);
	assert_int_equal(f.mh.nchildren, 0); /* no jlist on a hung God */

	/* A recovery meanwhile runs nothing. */
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "pm2-daemon", "restart", 1);
	o = fake_request(&f, id, sizeof(id));
	json_object_put(o);
	assert_int_equal(mock_timer_fire(&f.mh, mock_timer_last(&f.mh)), 0);
	assert_int_equal(f.mh.recoveries[0].done, 1);
	assert_int_equal(f.mh.recoveries[0].ok, 0);
	assert_non_null(strstr(
	    f.mh.recoveries[0].msg, "no pm2 command runs before hang_max"));
	assert_int_equal(f.mh.nchildren, 0);
	assert_int_equal(kill(god, 0), 0);

	/* Past hang_max: CRITICAL, then SIGKILL and a start. */
	usleep(350 * 1000);
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	o = fake_request(&f, id, sizeof(id));
	json_object_put(o);
	assert_int_equal(mock_timer_fire(&f.mh, mock_timer_last(&f.mh)), 0);
	r = last(&f, "pm2-daemon");
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_non_null(strstr(r->msg, "has not answered for"));
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "pm2-daemon", "restart", 1);
	o = fake_request(&f, id, sizeof(id));
	json_object_put(o);
	assert_int_equal(mock_timer_fire(&f.mh, mock_timer_last(&f.mh)), 0);
	assert_true(journal_has(&f, "pm2-killed", "SIGKILL"));
	assert_int_equal(waitpid(god, &st, 0), god);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* The wait for its end sees a dead God, then starts PM2. */
	assert_int_equal(mock_timer_fire(&f.mh, mock_timer_last(&f.mh)), 0);
	assert_int_equal(f.mh.nchildren, 1);
	assert_string_equal(f.mh.children[0]->cmdline, "/nonexistent/pm2 ping");
	mock_child_exit(&f.mh, 0, 0, "", "");
	assert_int_equal(f.mh.recoveries[1].done, 1);
	assert_non_null(
	    strstr(f.mh.recoveries[1].msg, "killed hung PM2 daemon pid"));
	fake_stop(&f);
}

/* pm2.pid naming a live process that is not PM2 (a reused pid). */
static void
t_reused_pid(void **state)
{
	struct fake f;
	const struct mock_report *r;
	char p[400];

	fake_start(&f, "jlist_fallback", "true", NULL);
	close(f.lrpc);
	close(f.lpub);
	f.lrpc = f.lpub = -1;
	snprintf(p, sizeof(p), "%s/rpc.sock", f.home);
	unlink(p);
	snprintf(p, sizeof(p), "%s/pub.sock", f.home);
	unlink(p);
	close(f.pub);
	f.pub = -1;
	assert_int_equal(mock_fd_fire(&f.mh, watch_of(&f, 0), RDD_FD_READ), 0);
	write_pidfile(&f, (long)getpid());
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	assert_int_equal(f.mh.nchildren, 0);
	r = last(&f, "pm2-daemon");
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_non_null(strstr(r->msg, "is not PM2"));
	fake_listen(&f);
	fake_stop(&f);
}

static void
t_daemon_down_and_jlist(void **state)
{
	struct fake f;
	const struct mock_report *r;
	char pidfile[400], jl[2048];
	pid_t god;
	char *e;

	fake_start(&f, "jlist_fallback", "true", NULL);
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	answer_list(&f, 1, proc_json("web", 0, "online", 5, 60000, ""));
	/* PM2 dies: EOF on pub.sock is pushed at once. */
	close(f.pub);
	f.pub = -1;
	close(f.lrpc);
	close(f.lpub);
	f.lrpc = f.lpub = -1;
	snprintf(pidfile, sizeof(pidfile), "%s/rpc.sock", f.home);
	unlink(pidfile);
	snprintf(pidfile, sizeof(pidfile), "%s/pub.sock", f.home);
	unlink(pidfile);
	assert_int_equal(mock_fd_fire(&f.mh, watch_of(&f, 0), RDD_FD_READ), 0);
	r = last(&f, "pm2-daemon");
	assert_int_equal(r->check, -1);
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_non_null(strstr(r->msg, "PM2 daemon went away"));

	/* No pm2.pid: the check says so and never runs pm2 jlist. */
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	assert_int_equal(f.mh.checks_done, 2);
	assert_int_equal(f.mh.nchildren, 0);
	r = last(&f, "pm2-daemon");
	assert_int_equal(r->state, RDD_CRITICAL);
	assert_non_null(strstr(r->msg, "not running (no pm2.pid"));
	assert_int_equal(last(&f, "web")->state, RDD_UNKNOWN);

	/* A live God daemon but no socket: jlist_fallback reads jlist. */
	god = fake_god(f.home);
	write_pidfile(&f, god);
	rdd_plugin.check(f.ctx, mock_check_begin(&f.mh));
	assert_int_equal(f.mh.nchildren, 1);
	assert_non_null(strstr(f.mh.children[0]->cmdline, "pm2 jlist"));
	e = proc_json("web", 0, "online", 5, 60000, "");
	snprintf(jl, sizeof(jl), "[PM2] notice first\n[%s]\n", e);
	free(e);
	mock_child_exit(&f.mh, 0, 0, jl, "");
	assert_int_equal(f.mh.checks_done, 3);
	r = last(&f, "pm2-daemon");
	assert_int_equal(r->state, RDD_WARNING);
	assert_non_null(strstr(r->msg, "pm2 jlist (jlist_fallback)"));
	assert_int_equal(last(&f, "web")->state, RDD_OK);
	kill(god, SIGKILL);
	waitpid(god, NULL, 0);
	fake_stop(&f);
}

static void
t_daemon_recovery(void **state)
{
	struct fake f;
	char p[400];
	const struct mock_child *c;

	fake_start(&f, NULL);
	close(f.pub);
	f.pub = -1;
	assert_int_equal(mock_fd_fire(&f.mh, watch_of(&f, 0), RDD_FD_READ), 0);
	snprintf(p, sizeof(p), "%s/rpc.sock", f.home);
	close(f.lrpc);
	unlink(p);
	snprintf(p, sizeof(p), "%s/pub.sock", f.home);
	close(f.lpub);
	unlink(p);
	/* No dump, no ecosystem: start an empty daemon with pm2 ping. */
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "pm2-daemon", "restart", 1);
	c = f.mh.children[mock_child_last(&f.mh)];
	assert_string_equal(c->cmdline, "/nonexistent/pm2 ping");
	/* The "new daemon" listens before the command returns. */
	fake_listen(&f);
	mock_child_exit(&f.mh, (size_t)mock_child_last(&f.mh), 0, "", "");
	assert_int_equal(f.mh.recoveries[0].done, 1);
	assert_int_equal(f.mh.recoveries[0].ok, 1);
	assert_non_null(strstr(f.mh.recoveries[0].msg, "PM2 daemon started"));
	fake_accept(&f);

	/* A dump makes rung restart resurrect. */
	close(f.pub);
	f.pub = -1;
	assert_int_equal(mock_fd_fire(&f.mh, watch_of(&f, 0), RDD_FD_READ), 0);
	snprintf(p, sizeof(p), "%s/dump.pm2", f.home);
	{
		FILE *fp = fopen(p, "w");

		fputs("[{\"name\":\"x\"}]", fp);
		fclose(fp);
	}
	snprintf(p, sizeof(p), "%s/rpc.sock", f.home);
	close(f.lrpc);
	unlink(p);
	snprintf(p, sizeof(p), "%s/pub.sock", f.home);
	close(f.lpub);
	unlink(p);
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "pm2-daemon", "restart", 1);
	c = f.mh.children[mock_child_last(&f.mh)];
	assert_string_equal(c->cmdline, "/nonexistent/pm2 resurrect");
	/* The command fails and PM2 stays down: the rung fails. */
	mock_child_exit(&f.mh, (size_t)mock_child_last(&f.mh), 1, "",
	    "\x1b[31m[PM2][ERROR]\x1b[39m cannot resurrect\n");
	assert_int_equal(f.mh.recoveries[1].ok, 0);
	assert_non_null(strstr(f.mh.recoveries[1].msg, "exited 1: [PM2][ERROR] "
	                                               "cannot resurrect"));
	fake_listen(&f); /* for fake_stop to close */
	fake_stop(&f);
}

/*
 * A SIGKILLed daemon's rpc.sock can still accept for a moment: a connect
 * is no proof of life, only an answered request is (CI saw "nothing to
 * do" and then the ecosystem instead of pm2 resurrect).
 */
static void
t_daemon_probe(void **state)
{
	struct fake f;
	char p[400], id[64];
	struct json_object *o;
	const struct mock_child *c;
	size_t nchild;
	FILE *fp;

	(void)state;
	fake_start(&f, NULL);
	/* A daemon that answers: nothing to do, no command run. */
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "pm2-daemon", "restart", 1);
	assert_int_equal(f.mh.recoveries[0].done, 0);
	answer_list(&f, 0);
	assert_int_equal(f.mh.recoveries[0].done, 1);
	assert_int_equal(f.mh.recoveries[0].ok, 1);
	assert_non_null(
	    strstr(f.mh.recoveries[0].msg, "answers: nothing to do"));
	assert_int_equal(f.mh.nchildren, 0);

	/* pub.sock says EOF, but rpc.sock still accepts a connect. */
	snprintf(p, sizeof(p), "%s/dump.pm2", f.home);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("[{\"name\":\"x\"}]", fp);
	fclose(fp);
	close(f.pub);
	f.pub = -1;
	assert_int_equal(mock_fd_fire(&f.mh, watch_of(&f, 0), RDD_FD_READ), 0);
	close(f.rpc);
	f.rpc = -1;
	nchild = f.mh.nchildren;
	rdd_plugin.recover(
	    f.ctx, mock_recovery_begin(&f.mh), "pm2-daemon", "restart", 1);
	fake_accept(&f);
	o = fake_request(&f, id, sizeof(id));
	assert_string_equal(req_method(o), "getMonitorData");
	json_object_put(o);
	assert_int_equal(f.mh.recoveries[1].done, 0);
	assert_int_equal(f.mh.nchildren, nchild);
	/* ...and the dying daemon drops it unanswered: the ladder runs. */
	close(f.rpc);
	f.rpc = -1;
	close(f.pub);
	f.pub = -1;
	assert_int_equal(mock_fd_fire(&f.mh, watch_of(&f, 1), RDD_FD_READ), 0);
	assert_int_equal(f.mh.recoveries[1].done, 0);
	assert_int_equal(f.mh.nchildren, nchild + 1);
	c = f.mh.children[mock_child_last(&f.mh)];
	assert_string_equal(c->cmdline, "/nonexistent/pm2 resurrect");
	mock_child_exit(&f.mh, (size_t)mock_child_last(&f.mh), 0, "", "");
	assert_int_equal(f.mh.recoveries[1].done, 1);
	assert_int_equal(f.mh.recoveries[1].ok, 1);
	assert_non_null(strstr(f.mh.recoveries[1].msg, "pm2 resurrect"));
	fake_accept(&f);
	fake_stop(&f);
}

static void
t_bad_options(void **state)
{
	struct mock_host mh;
	void *cfg, *ctx = NULL;
	char err[256];

	mock_host_init(&mh, "pm2");
	cfg =
	    mock_config_new(&mh, &rdd_plugin, "backup_env", "[\"PORT\"]", NULL);
	assert_int_equal(rdd_plugin.create(&mh.host, mock_monitor(&mh), cfg,
	                     &ctx, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "backup_env: entry 1 \"PORT\" is not K=V"));
	cfg = mock_config_new(
	    &mh, &rdd_plugin, "ecosystem", "[\"/srv/ecosystem.js\"]", NULL);
	assert_int_equal(rdd_plugin.create(&mh.host, mock_monitor(&mh), cfg,
	                     &ctx, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "not an ecosystem file name"));
	mock_host_free(&mh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_check_over_rpc),
	    cmocka_unit_test(t_push_on_exit),
	    cmocka_unit_test(t_push_held_before_first_list),
	    cmocka_unit_test(t_restart_rung),
	    cmocka_unit_test(t_restart_crashes_again),
	    cmocka_unit_test(t_rungs_that_do_not_apply),
	    cmocka_unit_test(t_start_from_ecosystem_and_backup),
	    cmocka_unit_test(t_daemon_down_and_jlist),
	    cmocka_unit_test(t_hung_daemon),
	    cmocka_unit_test(t_reused_pid),
	    cmocka_unit_test(t_daemon_recovery),
	    cmocka_unit_test(t_daemon_probe),
	    cmocka_unit_test(t_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
