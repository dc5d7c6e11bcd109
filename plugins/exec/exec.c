/*
 * exec.c: the exec plugin: runs a Nagios-compatible check command for one
 * target and walks a ladder of configured recovery commands.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <redundancyd/rdd_plugin.h>

#include "perfdata.h"

#define EXEC_RUNGS_MAX 5    /* entries of exec_actions */
#define EXEC_METRICS_MAX 64 /* perfdata items kept per check */
#define EXEC_MSG_MAX 1024   /* bytes of a message handed to the host */

/* exec_stream's buffer, shared by the instances of this worker. */
static char *exec_buf;
static size_t exec_buf_len;
static size_t exec_live; /* instances: the last one frees exec_buf */

struct exec_config {
	struct rdd_strlist command;
	char *target;
	const void *recover;
	struct rdd_strlist env;
	char *cwd;
	int64_t check_timeout;
	int64_t recover_timeout;
	int64_t output_cap;
	char *secret_env;
	char *secret_file;
	char *secret_var;
};

struct exec {
	const struct rdd_host *host;
	struct rdd_monitor *mon;
	const struct exec_config *cfg;
	char *target;
	char **argv; /* NULL-terminated copies */
	char **env;
	char **rungs[EXEC_RUNGS_MAX];
	size_t nrungs;

	struct rdd_check *check; /* in flight, or NULL */
	uint64_t check_h;
	struct rdd_recovery *rec; /* in flight, or NULL */
	uint64_t rec_h;
	size_t rec_rung;
};

#define EXEC_OPT(name, type, def, min, max, field, flags, desc)                \
	{                                                                      \
		name, type, def, min, max,                                     \
		    offsetof(struct exec_config, field), flags, desc           \
	}

static const struct rdd_option exec_options[] = {
    EXEC_OPT("command", RDD_OPT_STRLIST, NULL, 0, 0, command, RDD_OPT_REQUIRED,
        "argv of the check, e.g. [\"/usr/lib/nagios/plugins/check_http\", "
        "\"-H\", \"localhost\"]; exit 0/1/2/3 = OK/WARNING/CRITICAL/UNKNOWN"),
    EXEC_OPT("target", RDD_OPT_STRING, NULL, 0, 0, target, 0,
        "name of the one target the check reports (default: the "
        "monitor's name)"),
    EXEC_OPT("recover", RDD_OPT_GROUP, NULL, 0, 0, recover, 0,
        "recovery ladder: a list of argv arrays, one per rung, tried in "
        "order as actions recover-1 .. recover-5"),
    EXEC_OPT("env", RDD_OPT_STRLIST, NULL, 0, 0, env, 0,
        "\"K=V\" strings added to the environment of every command"),
    EXEC_OPT("cwd", RDD_OPT_STRING, NULL, 0, 0, cwd, 0,
        "absolute working directory of every command (default: the "
        "daemon's)"),
    EXEC_OPT("check_timeout", RDD_OPT_DURATION, "30s", 100, 86400000.0,
        check_timeout, 0, "kill the check after this long and report UNKNOWN"),
    EXEC_OPT("recover_timeout", RDD_OPT_DURATION, "60s", 100, 86400000.0,
        recover_timeout, 0,
        "kill a recovery command after this long; the rung fails"),
    EXEC_OPT("output_cap", RDD_OPT_SIZE, "64K", 1024, 67108864.0, output_cap, 0,
        "bytes kept of each output stream of a command; the rest is "
        "discarded"),
    EXEC_OPT("secret_env", RDD_OPT_STRING, NULL, 0, 0, secret_env, 0,
        "environment variable of the daemon holding a secret (an API "
        "token) that commands get as secret_var; redacted from logs"),
    EXEC_OPT("secret_file", RDD_OPT_STRING, NULL, 0, 0, secret_file, 0,
        "file of mode 0600 holding that secret, when secret_env is "
        "unset or empty"),
    EXEC_OPT("secret_var", RDD_OPT_STRING, "RDD_SECRET", 0, 0, secret_var, 0,
        "name of the variable that carries the secret to commands"),
    RDD_OPTIONS_END,
};

static const char *const exec_actions[EXEC_RUNGS_MAX + 1] = {
    "recover-1", "recover-2", "recover-3", "recover-4", "recover-5", NULL};

static void
exec_argv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* A NULL-terminated copy of n strings; NULL on ENOMEM. */
static char **
exec_argv_dup(char *const *src, size_t n)
{
	char **v;
	size_t i;

	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((v[i] = strdup(src[i])) == NULL) {
			exec_argv_free(v);
			return NULL;
		}
	}
	return v;
}

static void
exec_free(struct exec *x)
{
	size_t i;

	exec_argv_free(x->argv);
	exec_argv_free(x->env);
	for (i = 0; i < x->nrungs; i++)
		exec_argv_free(x->rungs[i]);
	free(x->target);
	free(x);
}

static void
exec_dur(char *buf, size_t len, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}

/*
 * "systemctl restart app" as one string would run a program of that name:
 * no shell splits it. A first word with a blank that names no file is
 * that mistake, not a program.
 */
static int
exec_argv0_ok(const char *a0, const char *what, char *err, size_t errlen)
{
	if (strpbrk(a0, " \t") == NULL || access(a0, F_OK) == 0)
		return 1;
	snprintf(err, errlen,
	    "%s: \"%s\" is one string with blanks and no shell splits it: "
	    "write it as an argv array like [\"systemctl\", \"restart\", "
	    "\"app\"]",
	    what, a0);
	return 0;
}

/*
 * One rung of `recover`: an array of strings. The element strings are read
 * with group_string(elem, NULL), the host's convention for "this setting's
 * own string value".
 */
static int
exec_rung(
    struct exec *x, const void *entry, size_t idx, char *err, size_t errlen)
{
	const struct rdd_host *h = x->host;
	const char *s;
	char **v;
	int n, i;

	n = h->group_count(entry);
	if (n <= 0) {
		if (h->group_string(entry, NULL) != NULL)
			snprintf(err, errlen,
			    "recover: entry %zu is a string, not an argv "
			    "array: write it as [\"systemctl\", \"restart\", "
			    "\"app\"] (no shell is used)",
			    idx + 1);
		else
			snprintf(err, errlen,
			    "recover: entry %zu is empty: give it an argv "
			    "array like [\"systemctl\", \"restart\", \"app\"] "
			    "or remove it",
			    idx + 1);
		return -1;
	}
	if ((v = calloc((size_t)n + 1, sizeof(*v))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		s = h->group_string(h->group_elem(entry, i), NULL);
		if (s == NULL || (i == 0 && *s == '\0')) {
			snprintf(err, errlen,
			    "recover: entry %zu, element %d: expected a "
			    "non-empty string: each rung is an argv array like "
			    "[\"systemctl\", \"restart\", \"app\"]",
			    idx + 1, i + 1);
			exec_argv_free(v);
			return -1;
		}
		if ((v[i] = strdup(s)) == NULL) {
			exec_argv_free(v);
			goto nomem;
		}
	}
	if (!exec_argv0_ok(v[0], "recover", err, errlen)) {
		exec_argv_free(v);
		return -1;
	}
	x->rungs[x->nrungs++] = v;
	return 0;
nomem:
	snprintf(err, errlen, "recover: out of memory");
	return -1;
}

static int
exec_ladder(struct exec *x, const void *recover, char *err, size_t errlen)
{
	const struct rdd_host *h = x->host;
	int n, i, strings = 0;

	if (recover == NULL)
		return 0;
	n = h->group_count(recover);
	for (i = 0; i < n; i++) {
		if (h->group_string(h->group_elem(recover, i), NULL) != NULL)
			strings++;
	}
	/* recover = ["a", "b"]: one rung written without the outer list. */
	if (n > 0 && strings == n)
		return exec_rung(x, recover, 0, err, errlen);
	if (n > EXEC_RUNGS_MAX) {
		snprintf(err, errlen,
		    "recover: %d entries, at most %d are supported: merge "
		    "rungs into a script or remove some",
		    n, EXEC_RUNGS_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (exec_rung(x, h->group_elem(recover, i), (size_t)i, err,
		        errlen) != 0)
			return -1;
	}
	return 0;
}

static int exec_secret(struct exec *x, char *err, size_t errlen);

static int
exec_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	const struct exec_config *cfg = config;
	struct exec *x;
	const char *name, *eq;
	size_t i;

	*ctx = NULL;
	if (cfg->command.n == 0 || cfg->command.v[0] == NULL ||
	    cfg->command.v[0][0] == '\0') {
		snprintf(err, errlen,
		    "command: missing or empty: set command = "
		    "[\"/usr/lib/nagios/plugins/check_http\", \"-H\", "
		    "\"localhost\"] (argv, no shell)");
		return -1;
	}
	if (!exec_argv0_ok(cfg->command.v[0], "command", err, errlen))
		return -1;
	for (i = 0; i < cfg->env.n; i++) {
		eq = strchr(cfg->env.v[i], '=');
		if (eq == NULL || eq == cfg->env.v[i]) {
			snprintf(err, errlen,
			    "env: entry %zu \"%s\" is not K=V: write it like "
			    "\"LANG=C\"",
			    i + 1, cfg->env.v[i]);
			return -1;
		}
	}
	if (cfg->cwd != NULL && cfg->cwd[0] != '/') {
		snprintf(err, errlen,
		    "cwd: \"%s\" is not an absolute path: give a path starting "
		    "with /",
		    cfg->cwd);
		return -1;
	}

	if ((x = calloc(1, sizeof(*x))) == NULL)
		goto nomem;
	x->host = host;
	x->mon = m;
	x->cfg = cfg;
	name = cfg->target != NULL && cfg->target[0] != '\0'
	           ? cfg->target
	           : host->monitor_name(m);
	if ((x->target = strdup(name != NULL ? name : "exec")) == NULL ||
	    (x->argv = exec_argv_dup(cfg->command.v, cfg->command.n)) == NULL ||
	    (cfg->env.n > 0 &&
	        (x->env = exec_argv_dup(cfg->env.v, cfg->env.n)) == NULL)) {
		exec_free(x);
		goto nomem;
	}
	if (exec_ladder(x, cfg->recover, err, errlen) != 0) {
		exec_free(x);
		return -1;
	}
	if ((cfg->secret_env || cfg->secret_file) &&
	    exec_secret(x, err, errlen) != 0) {
		exec_free(x);
		return -1;
	}
	exec_live++;
	*ctx = x;
	return 0;
nomem:
	snprintf(err, errlen, "exec: out of memory");
	return -1;
}

/*
 * The secret reaches commands through their environment, never argv (argv
 * shows in ps); the host registers it for redaction as it hands it out.
 */
static int
exec_secret(struct exec *x, char *err, size_t errlen)
{
	const struct exec_config *cfg = x->cfg;
	const char *var = cfg->secret_var ? cfg->secret_var : "RDD_SECRET";
	char *sec, *kv, **nv;
	size_t n = 0, len;

	sec = x->host->secret(x->mon, cfg->secret_env, cfg->secret_file, err,
	    errlen);
	if (sec == NULL)
		return -1;
	len = strlen(var) + strlen(sec) + 2;

	if ((kv = malloc(len)) == NULL) {
		free(sec);
		snprintf(err, errlen, "exec: out of memory");
		return -1;
	}
	snprintf(kv, len, "%s=%s", var, sec);
	memset(sec, 0, strlen(sec));
	free(sec);
	while (x->env != NULL && x->env[n] != NULL)
		n++;
	if ((nv = realloc(x->env, (n + 2) * sizeof(*nv))) == NULL) {
		free(kv);
		snprintf(err, errlen, "exec: out of memory");
		return -1;
	}
	nv[n] = kv;
	nv[n + 1] = NULL;
	x->env = nv;
	return 0;
}

static int
exec_start(void *ctx)
{
	(void)ctx; /* children are started per check, nothing to open */
	return 0;
}

/* Spaces and control characters: neither belongs at a message's ends. */
static int
exec_isblank(char c)
{
	return c == ' ' || (unsigned char)c < 0x20 || c == 0x7f;
}

/*
 * Copy [p, end) trimmed into dst, control characters made spaces so one
 * message stays one log line, cut at a UTF-8 boundary.
 */
static void
exec_line_copy(char *dst, size_t dstlen, const char *p, const char *end)
{
	size_t n, i;

	while (p < end && exec_isblank(*p))
		p++;
	while (end > p && exec_isblank(end[-1]))
		end--;
	n = (size_t)(end - p);
	if (n >= dstlen) {
		n = dstlen - 1;
		while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		dst[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	dst[n] = '\0';
}

/*
 * A copy of a child's stream to parse in place: NUL bytes inside the output
 * would hide what follows them from the string functions, so they become
 * spaces. One buffer for every instance, grown to the largest output and
 * reused: callbacks all run on the worker's loop thread, one at a time.
 */

static char *
exec_stream(const char *s, size_t len)
{
	char *b;
	size_t i;

	if (exec_buf_len < len + 1) {
		if ((b = realloc(exec_buf, len + 1)) == NULL)
			return NULL;
		exec_buf = b;
		exec_buf_len = len + 1;
	}
	b = exec_buf;
	if (len > 0)
		memcpy(b, s, len);
	b[len] = '\0';
	for (i = 0; i < len; i++) {
		if (b[i] == '\0')
			b[i] = ' ';
	}
	return b;
}

/* First line of a stream, trimmed; '|' has no meaning outside stdout. */
static void
exec_first_line(char *dst, size_t dstlen, const char *s, size_t len)
{
	const char *nl;

	dst[0] = '\0';
	if (s == NULL || len == 0)
		return;
	nl = memchr(s, '\n', len);
	exec_line_copy(dst, dstlen, s, nl != NULL ? nl : s + len);
}

/*
 * Nagios output: "TEXT | PERF" on line 1, then long text; a '|' on a later
 * line starts more perfdata running to the end. Fills msg and perf (room
 * for EXEC_METRICS_MAX items, shared by all instances like exec_buf: an
 * instance at rest should cost bytes, not kilobytes, when a daemon runs a
 * thousand, and a check should not allocate and zero them each time).
 */
static struct perf_item exec_perf[EXEC_METRICS_MAX];

static int
exec_parse_output(struct perf_item *perf, char *out, char *msg, size_t msglen)
{
	char *nl, *bar, *rest = NULL;
	int n = 0;

	if ((nl = strchr(out, '\n')) != NULL) {
		*nl = '\0';
		rest = nl + 1;
	}
	if ((bar = strchr(out, '|')) != NULL) {
		*bar = '\0';
		n = perfdata_parse(bar + 1, perf, EXEC_METRICS_MAX);
	}
	exec_line_copy(msg, msglen, out, out + strlen(out));
	if (rest != NULL && (bar = strchr(rest, '|')) != NULL)
		n += perfdata_parse(bar + 1, perf + n, EXEC_METRICS_MAX - n);
	return n;
}

static void
exec_check_cb(void *arg, const struct rdd_child_result *res)
{
	struct exec *x = arg;
	const struct rdd_host *h = x->host;
	struct rdd_check *c = x->check;
	struct rdd_metric metrics[EXEC_METRICS_MAX];
	struct rdd_metric_bounds bounds[EXEC_METRICS_MAX];
	struct perf_item *perf = exec_perf;
	enum rdd_state st = RDD_UNKNOWN;
	char msg[EXEC_MSG_MAX], line[EXEC_MSG_MAX - 32], d[32];
	char *out;
	int i, n = 0;

	x->check = NULL;
	x->check_h = 0;
	if (c == NULL)
		return; /* stop() raced a host that still called us */

	if (res->spawn_errno != 0) {
		snprintf(msg, sizeof(msg),
		    "cannot run %s: %s: fix command=", x->argv[0],
		    strerror(res->spawn_errno));
	} else if (res->timed_out) {
		exec_dur(d, sizeof(d), x->cfg->check_timeout);
		snprintf(msg, sizeof(msg), "check timed out after %s", d);
	} else if (!res->exited) {
		snprintf(msg, sizeof(msg), "killed by signal %d", res->signal);
	} else {
		if (res->status >= 0 && res->status <= 3)
			st = (enum rdd_state)res->status;
		if ((out = exec_stream(res->out, res->out_len)) == NULL) {
			snprintf(
			    msg, sizeof(msg), "out of memory reading output");
		} else {
			n = exec_parse_output(perf, out, line, sizeof(line));
			if (line[0] == '\0')
				exec_first_line(
				    line, sizeof(line), res->err, res->err_len);
			if (line[0] == '\0')
				snprintf(msg, sizeof(msg), "exit status %d",
				    res->status);
			else if (st == RDD_UNKNOWN && res->status != 3)
				snprintf(msg, sizeof(msg),
				    "%s (exit status %d)", line, res->status);
			else
				snprintf(msg, sizeof(msg), "%s", line);
		}
	}
	if (res->truncated)
		h->log(x->mon, RDD_LOG_DEBUG,
		    "check output beyond output_cap=%lld bytes was discarded",
		    (long long)x->cfg->output_cap);

	for (i = 0; i < n; i++) {
		struct rdd_metric_bounds *b = &bounds[i];

		metrics[i].name = perf[i].label;
		perfdata_base(&perf[i], &metrics[i].value, &metrics[i].unit);
		perfdata_bounds(&perf[i], &b->warn_lt, &b->warn_gt, &b->crit_lt,
		    &b->crit_gt, &b->min, &b->max);
	}
	/* A host before 1.3 takes the values without the thresholds. */
	if (RDD_HOST_HAS(h, report_bounds))
		h->report_bounds(
		    c, x->target, st, msg, metrics, bounds, (size_t)n);
	else
		h->report(c, x->target, st, msg, metrics, (size_t)n);
	h->check_done(c);
}

static void
exec_check(void *ctx, struct rdd_check *c)
{
	struct exec *x = ctx;
	const struct rdd_host *h = x->host;
	struct rdd_child_spec spec;
	uint64_t hd;

	if (x->check != NULL) {
		h->report(c, x->target, RDD_UNKNOWN,
		    "previous check still running", NULL, 0);
		h->check_done(c);
		return;
	}
	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)x->argv;
	spec.env = (const char *const *)x->env;
	spec.cwd = x->cfg->cwd;
	spec.timeout_ms = x->cfg->check_timeout;
	spec.output_cap = (size_t)x->cfg->output_cap;

	x->check = c;
	hd = h->child_run(x->mon, &spec, exec_check_cb, x);
	if (x->check != c)
		return; /* the host completed it already */
	if (hd == 0) {
		x->check = NULL;
		h->report(c, x->target, RDD_UNKNOWN,
		    "the daemon could not start the check command (see "
		    "system.log)",
		    NULL, 0);
		h->check_done(c);
		return;
	}
	x->check_h = hd;
}

/* The rung as the operator wrote it, for messages. */
static void
exec_cmdline(char *buf, size_t len, char *const *argv)
{
	size_t used = 0, i;
	int q, w;

	buf[0] = '\0';
	for (i = 0; argv[i] != NULL && used < len; i++) {
		q = argv[i][0] == '\0' || strpbrk(argv[i], " \t") != NULL;
		w = snprintf(buf + used, len - used, "%s%s%s%s",
		    i > 0 ? " " : "", q ? "'" : "", argv[i], q ? "'" : "");
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static void
exec_recover_cb(void *arg, const struct rdd_child_result *res)
{
	struct exec *x = arg;
	const struct rdd_host *h = x->host;
	struct rdd_recovery *r = x->rec;
	char msg[EXEC_MSG_MAX], cmd[256], line[512], d[32];
	size_t rung = x->rec_rung;
	int ok = 0;

	x->rec = NULL;
	x->rec_h = 0;
	if (r == NULL)
		return;

	exec_cmdline(cmd, sizeof(cmd), x->rungs[rung]);
	line[0] = '\0';
	if (res->spawn_errno != 0) {
		snprintf(msg, sizeof(msg),
		    "recover-%zu: cannot run %s: %s: fix recover entry %zu",
		    rung + 1, x->rungs[rung][0], strerror(res->spawn_errno),
		    rung + 1);
	} else if (res->timed_out) {
		exec_dur(d, sizeof(d), x->cfg->recover_timeout);
		snprintf(msg, sizeof(msg),
		    "recover-%zu: `%s` timed out after %s", rung + 1, cmd, d);
	} else if (!res->exited) {
		snprintf(msg, sizeof(msg),
		    "recover-%zu: `%s` killed by signal %d", rung + 1, cmd,
		    res->signal);
	} else {
		ok = res->status == 0;
		exec_first_line(line, sizeof(line), res->out, res->out_len);
		if (line[0] == '\0')
			exec_first_line(
			    line, sizeof(line), res->err, res->err_len);
		snprintf(msg, sizeof(msg), "recover-%zu: `%s` exited %d%s%s",
		    rung + 1, cmd, res->status, line[0] != '\0' ? ": " : "",
		    line);
	}
	h->recovery_done(r, ok, msg);
}

static void
exec_recover(void *ctx, struct rdd_recovery *r, const char *target,
    const char *action, unsigned attempt)
{
	struct exec *x = ctx;
	const struct rdd_host *h = x->host;
	struct rdd_child_spec spec;
	char msg[256];
	size_t rung;
	uint64_t hd;

	/* One target per monitor, and the engine counts attempts itself. */
	(void)target;
	(void)attempt;
	for (rung = 0; rung < EXEC_RUNGS_MAX; rung++) {
		if (action != NULL && strcmp(action, exec_actions[rung]) == 0)
			break;
	}
	if (rung == EXEC_RUNGS_MAX) {
		snprintf(msg, sizeof(msg),
		    "unknown action '%s': the exec plugin's actions are "
		    "recover-1 to recover-%d",
		    action != NULL ? action : "(null)", EXEC_RUNGS_MAX);
		h->recovery_done(r, 0, msg);
		return;
	}
	if (x->nrungs == 0) {
		snprintf(msg, sizeof(msg), "no recovery command configured: "
		    "this monitor only watches (set recover = ( [...] ))");
		h->recovery_done(r, 0, msg);
		return;
	}
	/* The engine walks recover-1..5; past the configured ones the last
	 * command repeats, as the engine's own ladder does. */
	if (rung >= x->nrungs)
		rung = x->nrungs - 1;
	if (x->rec != NULL) {
		snprintf(msg, sizeof(msg),
		    "recover-%zu: recover-%zu is still running", rung + 1,
		    x->rec_rung + 1);
		h->recovery_done(r, 0, msg);
		return;
	}

	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)x->rungs[rung];
	spec.env = (const char *const *)x->env;
	spec.cwd = x->cfg->cwd;
	spec.timeout_ms = x->cfg->recover_timeout;
	spec.output_cap = (size_t)x->cfg->output_cap;

	x->rec = r;
	x->rec_rung = rung;
	hd = h->child_run(x->mon, &spec, exec_recover_cb, x);
	if (x->rec != r)
		return;
	if (hd == 0) {
		x->rec = NULL;
		snprintf(msg, sizeof(msg),
		    "recover-%zu: the daemon could not start the command (see "
		    "system.log)",
		    rung + 1);
		h->recovery_done(r, 0, msg);
		return;
	}
	x->rec_h = hd;
}

static void
exec_stop(void *ctx)
{
	struct exec *x = ctx;

	if (x->check_h != 0)
		x->host->child_cancel(x->mon, x->check_h);
	if (x->rec_h != 0)
		x->host->child_cancel(x->mon, x->rec_h);
	x->check = NULL;
	x->check_h = 0;
	x->rec = NULL;
	x->rec_h = 0;
}

static void
exec_destroy(void *ctx)
{
	struct exec *x = ctx;

	if (x == NULL)
		return;
	exec_stop(x);
	exec_free(x);
	if (exec_live > 0 && --exec_live == 0) {
		free(exec_buf);
		exec_buf = NULL;
		exec_buf_len = 0;
	}
}

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
    RDD_PLUGIN_HEADER,
    .name = "exec",
    .version = "1.0.0",
    .description = "run a Nagios-compatible check command and a ladder "
                   "of recovery commands",
    .options = exec_options,
    .config_size = sizeof(struct exec_config),
    .actions = exec_actions,
    .create = exec_create,
    .start = exec_start,
    .check = exec_check,
    .recover = exec_recover,
    .command = NULL,
    .stop = exec_stop,
    .destroy = exec_destroy,
};
