/*
 * pm2.c: the pm2 plugin: watches a PM2 daemon over its own sockets, judges
 * every app, pushes exits PM2 will not repair, validates ecosystem files,
 * and walks restart -> start-from-ecosystem -> start-backup.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include <redundancyd/rdd_plugin.h>

#include "amp.h"
#include "conn.h"
#include "decide.h"
#include "eco.h"
#include "orphan.h"
#include "procs.h"
#include "rpc.h"

#define PM2_DAEMON_TARGET "pm2-daemon"
#define PM2_ECO_PREFIX "ecosystem:"
#define PM2_PIDS_MAX 64
#define PM2_ORPHANS_MAX 64
#define PM2_FILE_MAX ((size_t)4 * 1024 * 1024)
#define PM2_BACKOFF_MIN 200
#define PM2_BACKOFF_MAX 5000

struct pm2_config {
	char *pm2_home;
	char *pm2_bin;
	char *node_bin;
	struct rdd_strlist ecosystem;
	struct rdd_strlist critical;
	char *backup_prefix;
	struct rdd_strlist backup_env;
	int64_t memory_max;
	double cpu_max;
	int64_t cpu_window;
	int64_t restarts_max;
	int64_t restarts_window;
	int64_t settle;
	int jlist_fallback;
	int64_t verify;
	int64_t rpc_timeout;
	int64_t command_timeout;
	int64_t hang_max;
};

#define PM2_OPT(name, type, def, min, max, field, desc)                        \
	{                                                                      \
		name, type, def, min, max, offsetof(struct pm2_config, field), \
		    0, desc                                                    \
	}

static const struct rdd_option pm2_options[] = {
    PM2_OPT("pm2_home", RDD_OPT_STRING, NULL, 0, 0, pm2_home,
        "PM2's home holding rpc.sock, pub.sock and pm2.pid (default: "
        "$PM2_HOME, else ~/.pm2)"),
    PM2_OPT("pm2_bin", RDD_OPT_STRING, "pm2", 0, 0, pm2_bin,
        "the pm2 command for starts, resurrect and jlist; its package's "
        "lib/API/schema.json validates ecosystem files"),
    PM2_OPT("node_bin", RDD_OPT_STRING, "node", 0, 0, node_bin,
        "node, to read .config.js/.cjs/.mjs ecosystem files"),
    PM2_OPT("ecosystem", RDD_OPT_STRLIST, NULL, 0, 0, ecosystem,
        "ecosystem files (.config.js, .cjs, .mjs, .json, .yaml, .yml): "
        "validated, one target each; their apps must run"),
    PM2_OPT("critical", RDD_OPT_STRLIST, NULL, 0, 0, critical,
        "app names that get a backup process (rung start-backup) when "
        "restarts fail"),
    PM2_OPT("backup_prefix", RDD_OPT_STRING, "backup-", 0, 0, backup_prefix,
        "name prefix of backup processes"),
    PM2_OPT("backup_env", RDD_OPT_STRLIST, NULL, 0, 0, backup_env,
        "environment overrides of backups: \"PORT=3101\" for all, "
        "\"api:PORT=3101\" for one app"),
    PM2_OPT("memory_max", RDD_OPT_SIZE, "0", 0, 0, memory_max,
        "RSS per process over which an app is CRITICAL at any check (0: "
        "the app's own max_memory_restart, if any)"),
    PM2_OPT("cpu_max", RDD_OPT_DOUBLE, "0", 0, 100000, cpu_max,
        "percent of one core; over it for cpu_window is CRITICAL (0: off)"),
    PM2_OPT("cpu_window", RDD_OPT_DURATION, "60s", 0, 0, cpu_window,
        "how long CPU must stay over cpu_max"),
    PM2_OPT("restarts_max", RDD_OPT_INT, "5", 0, 1000000, restarts_max,
        "crashes (exits PM2 did not ask for) within restarts_window "
        "above which an app is in a restart loop (0: off)"),
    PM2_OPT("restarts_window", RDD_OPT_DURATION, "5m", 1000, 0, restarts_window,
        "sliding window of restarts_max"),
    PM2_OPT("settle", RDD_OPT_DURATION, "30s", 0, 0, settle,
        "how long a primary must be healthy before its backup is deleted"),
    PM2_OPT("jlist_fallback", RDD_OPT_BOOL, "false", 0, 0, jlist_fallback,
        "read `pm2 jlist` when rpc.sock fails but pm2.pid names a live "
        "daemon (never started otherwise: jlist would spawn a daemon)"),
    PM2_OPT("verify", RDD_OPT_DURATION, "1500ms", 0, 600000, verify,
        "after a restart or start, how long the app must stay up before "
        "the action counts as done"),
    PM2_OPT("rpc_timeout", RDD_OPT_DURATION, "10s", 100, 600000, rpc_timeout,
        "a PM2 RPC without a reply by then fails"),
    PM2_OPT("command_timeout", RDD_OPT_DURATION, "60s", 1000, 3600000,
        command_timeout, "limit for pm2 commands (start, resurrect, jlist)"),
    PM2_OPT("hang_max", RDD_OPT_DURATION, "5m", 100, 0, hang_max,
        "how long a live PM2 God daemon may leave requests unanswered "
        "(UNKNOWN meanwhile, no action) before the pm2-daemon recovery "
        "kills it and resurrects its apps"),
    RDD_OPTIONS_END,
};

enum pm2_action {
	PM2_RESTART = 0,
	PM2_START_ECO,
	PM2_START_BACKUP,
};

static const char *const pm2_actions[] = {
    "restart", "start-from-ecosystem", "start-backup", NULL};

struct pm2;

/* One recovery in flight. */
struct pm2_rec {
	struct pm2_rec *next;
	struct pm2 *p;
	struct rdd_recovery *r;
	enum pm2_action act;
	char *target;
	char *app; /* app verified at the end (the backup's name) */
	int pm_ids[PM2_PIDS_MAX];
	size_t npm;
	uint64_t reqs[PM2_PIDS_MAX];
	size_t nreq, nreplied;
	char err[512];
	uint64_t child;
	uint64_t timer;
	int verifying;
	char what[512]; /* what was done, for the final message */
	/* daemon recovery */
	int daemon;
	long orphans[PM2_ORPHANS_MAX];
	size_t norphans;
	int64_t orphan_deadline;
	size_t eco_next;
	int resurrected;
	int started;          /* a pm2 command started apps or a daemon */
	long god;             /* a hung God daemon killed, waited for */
	int64_t god_deadline; /* monotonic ms */
	int64_t sent_ms;      /* monotonic ms the probe was sent */
};

/* App names kept in the monitor's state under key, one per line. */
struct pm2_names {
	char **v;
	size_t n;
	const char *key;
};

struct pm2_prev {
	char *name;
	enum rdd_state st;
	int seen;
};

struct pm2 {
	const struct rdd_host *h;
	struct rdd_monitor *m;
	const struct pm2_config *cfg;
	char *home;
	char pidfile[PATH_MAX], dump[PATH_MAX];
	struct pm2_limits lim;
	struct conn conn;
	uint64_t retry_timer;
	int64_t backoff;
	int pushed_down;
	int kill_seen;
	char down_why[256];

	struct eco_schema schema;
	struct eco_file *eco; /* loaded, one per cfg->ecosystem entry */
	size_t neco;
	struct eco_file *eco_new;
	size_t eco_pending;
	uint64_t *eco_child;
	struct stat *eco_st;
	int eco_loaded;

	struct pm2_tracks tracks;
	struct procs_list list;
	int have_list;

	struct rdd_check *check;
	uint64_t check_req;
	uint64_t check_child;
	int check_wait_eco;
	int64_t check_t0;

	struct pm2_rec *recs;
	int64_t *healthy_since; /* per cfg->critical entry */

	struct pm2_prev *prev; /* state last reported per app */
	size_t nprev;
	struct pm2_names opstop;  /* apps an operator stopped */
	struct pm2_names opdel;   /* apps an operator deleted */
	struct pm2_names running; /* apps of the last list not stopped */
	int running_known;        /* p->running was ever set */
	long list_pid;            /* the God daemon that gave p->list */
	int64_t hang_since;       /* ms: first unanswered request, 0: none */
	long hang_pid;            /* the God daemon that does not answer */
	char *pids_saved;
	/*
	 * Apps whose push came before any process list was read: held, not
	 * pushed, until a list says what they are (held_req reads one now).
	 */
	struct pm2_names held;
	uint64_t held_req;
};

static int64_t
pm2_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- small helpers ---- */

static char *
pm2_read_file(
    const char *path, size_t cap, size_t *len, char *err, size_t errlen)
{
	FILE *f;
	char *buf;
	size_t n = 0, r;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if ((buf = malloc(cap + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while (n < cap && (r = fread(buf + n, 1, cap - n, f)) > 0)
		n += r;
	if (n == cap && fgetc(f) != EOF) {
		fclose(f);
		free(buf);
		snprintf(err, errlen, "larger than %zu bytes", cap);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * pid from pm2.pid; 0 if none. alive: PM2_GOD when the pid is alive and
 * /proc/PID/cmdline says it is PM2's God daemon, PM2_NOT_GOD when it is
 * alive but something else (a reused pid), PM2_DEAD when dead or absent.
 */
enum { PM2_DEAD = 0, PM2_GOD = 1, PM2_NOT_GOD = 2 };

static long
pm2_daemon_pid(struct pm2 *p, int *alive)
{
	char buf[64], err[64];
	size_t len;
	char *t = pm2_read_file(p->pidfile, 32, &len, err, sizeof(err));
	long pid;

	*alive = PM2_DEAD;
	if (t == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%s", t);
	free(t);
	pid = strtol(buf, NULL, 10);
	if (pid <= 0)
		return 0;
	if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
		return pid;
	*alive = orphan_is_pm2_god("/proc", pid) ? PM2_GOD : PM2_NOT_GOD;
	return pid;
}

static int
pm2_is_critical(const struct pm2 *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->cfg->critical.n; i++)
		if (strcmp(p->cfg->critical.v[i], name) == 0)
			return 1;
	return 0;
}

/* The primary of a backup name, or NULL. */
static const char *
pm2_backup_of(const struct pm2 *p, const char *name)
{
	size_t n = strlen(p->cfg->backup_prefix);

	if (n == 0 || strncmp(name, p->cfg->backup_prefix, n) != 0)
		return NULL;
	return pm2_is_critical(p, name + n) ? name + n : NULL;
}

/*
 * The last non-empty line of a command's output (PM2 ends with the error),
 * ANSI colours removed, control characters made spaces.
 */
static void
pm2_first_line(char *dst, size_t len, const char *s, size_t slen)
{
	const char *b, *e, *q;
	size_t o = 0;

	dst[0] = '\0';
	if (s == NULL || slen == 0 || len == 0)
		return;
	e = s + slen;
	for (;;) {
		while (
		    e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
			e--;
		if (e == s)
			return;
		for (b = e; b > s && b[-1] != '\n'; b--)
			;
		break;
	}
	for (q = b; q < e && o + 1 < len; q++) {
		if (*q == 0x1b && q + 1 < e && q[1] == '[') {
			q += 2;
			while (q < e && ((*q >= '0' && *q <= '9') || *q == ';'))
				q++;
			continue; /* q is on the final letter */
		}
		dst[o++] = (unsigned char)*q < 0x20 ? ' ' : *q;
	}
	dst[o] = '\0';
}

/* ---- the state last reported per app ---- */

static enum rdd_state
pm2_prev_get(const struct pm2 *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nprev; i++)
		if (strcmp(p->prev[i].name, name) == 0)
			return p->prev[i].st;
	return RDD_UNKNOWN;
}

static void
pm2_prev_set(struct pm2 *p, const char *name, enum rdd_state st)
{
	struct pm2_prev *nv;
	size_t i;

	for (i = 0; i < p->nprev; i++)
		if (strcmp(p->prev[i].name, name) == 0) {
			p->prev[i].st = st;
			p->prev[i].seen = 1;
			return;
		}
	if ((nv = realloc(p->prev, (p->nprev + 1) * sizeof(*nv))) == NULL)
		return;
	p->prev = nv;
	if ((nv[p->nprev].name = strdup(name)) == NULL)
		return;
	nv[p->nprev].st = st;
	nv[p->nprev].seen = 1;
	p->nprev++;
}

/* Forget apps not reported by the last full check. */
static void
pm2_prev_sweep(struct pm2 *p)
{
	size_t i;

	for (i = 0; i < p->nprev;) {
		if (!p->prev[i].seen) {
			free(p->prev[i].name);
			p->prev[i] = p->prev[--p->nprev];
			continue;
		}
		p->prev[i].seen = 0;
		i++;
	}
}

/* ---- operator intent (stops, deletes), remembered across restarts ---- */

static int
pm2_names_has(const struct pm2_names *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return 1;
	return 0;
}

static void
pm2_names_save(struct pm2 *p, const struct pm2_names *l)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < l->n; i++)
		len += strlen(l->v[i]) + 1;
	if ((s = calloc(1, len)) == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		if (i)
			strcat(s, "\n");
		strcat(s, l->v[i]);
	}
	p->h->state_set(p->m, l->key, s);
	free(s);
}

static int
pm2_names_add(struct pm2_names *l, const char *name)
{
	char **nv;

	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL)
		return -1;
	l->v = nv;
	if ((nv[l->n] = strdup(name)) == NULL)
		return -1;
	l->n++;
	return 0;
}

/* Add or remove name; the list is saved when it changed. */
static void
pm2_names_set(struct pm2 *p, struct pm2_names *l, const char *name, int on)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			break;
	if (on && i == l->n) {
		if (pm2_names_add(l, name) == 0)
			pm2_names_save(p, l);
	} else if (!on && i < l->n) {
		free(l->v[i]);
		l->v[i] = l->v[--l->n];
		pm2_names_save(p, l);
	}
}

/* 1 when the state holds the key (maybe empty), else 0. */
static int
pm2_names_load(struct pm2 *p, struct pm2_names *l, const char *key)
{
	const char *s = p->h->state_get(p->m, key);
	const char *q;
	char name[256];
	int known = s != NULL;

	l->key = key;
	while (s != NULL && *s) {
		q = strchr(s, '\n');
		snprintf(name, sizeof(name), "%.*s",
		    (int)(q ? (size_t)(q - s) : strlen(s)), s);
		if (name[0])
			(void)pm2_names_add(l, name);
		s = q ? q + 1 : NULL;
	}
	return known;
}

static void
pm2_names_free(struct pm2_names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* pids of online processes, for orphan hunting after a restart of us. */
static void
pm2_pids_save(struct pm2 *p)
{
	char *buf = NULL, line[PATH_MAX + 64];
	size_t i, len = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return;
	for (i = 0; i < p->tracks.n; i++) {
		const struct pm2_inst *in = &p->tracks.v[i];

		if (in->last_pid <= 0 || in->exec_path == NULL)
			continue;
		snprintf(line, sizeof(line), "%ld %d %s\n", in->last_pid,
		    in->port, in->exec_path);
		fputs(line, f);
	}
	fclose(f);
	if (buf == NULL)
		return;
	if (p->pids_saved == NULL || strcmp(p->pids_saved, buf) != 0) {
		p->h->state_set(p->m, "pids", buf);
		free(p->pids_saved);
		p->pids_saved = buf;
	} else
		free(buf);
}

/* ---- ecosystem files ---- */

static void
pm2_eco_free_all(struct eco_file *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		eco_file_free(&v[i]);
	free(v);
}

static void pm2_check_continue(struct pm2 *p);
static void pm2_eco_log(struct pm2 *p);

static void
pm2_eco_done_one(struct pm2 *p)
{
	if (--p->eco_pending > 0)
		return;
	eco_check_duplicates(p->eco_new, p->cfg->ecosystem.n);
	pm2_eco_free_all(p->eco, p->neco);
	p->eco = p->eco_new;
	p->neco = p->cfg->ecosystem.n;
	p->eco_new = NULL;
	p->eco_loaded = 1;
	pm2_eco_log(p);
	if (p->check_wait_eco) {
		p->check_wait_eco = 0;
		pm2_check_continue(p);
	}
}

struct pm2_eco_job {
	struct pm2 *p;
	size_t i;
};

static void
pm2_eco_node_cb(void *arg, const struct rdd_child_result *res)
{
	struct pm2_eco_job *j = arg;
	struct pm2 *p = j->p;
	size_t i = j->i;
	const char *path = p->cfg->ecosystem.v[i];
	struct eco_file *f = &p->eco_new[i];
	char line[512], *colon;
	int ln = 0;

	free(j);
	p->eco_child[i] = 0;
	if (res->spawn_errno != 0)
		eco_load_error(f, path, ECO_JS, 0,
		    "cannot run %s to read it: %s: set node_bin",
		    p->cfg->node_bin, strerror(res->spawn_errno));
	else if (res->timed_out)
		eco_load_error(f, path, ECO_JS, 0,
		    "node did not finish loading it within 10 s: the file "
		    "must not wait or listen at load time");
	else if (!res->exited || res->status != 0) {
		/* node names the line of a syntax error: "FILE:N". */
		const char *e = res->err ? res->err : "";
		const char *s, *nl0;

		if (e[0] == '/' && (nl0 = strchr(e, '\n')) != NULL) {
			for (colon = (char *)nl0; colon > e && *colon != ':';
			     colon--)
				;
			if (*colon == ':')
				ln = atoi(colon + 1);
		}
		line[0] = '\0';
		for (s = e; s && *s;
		     s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
			const char *nl = strchr(s, '\n');
			size_t n = nl ? (size_t)(nl - s) : strlen(s);

			if (n > 0 && strstr(s, "Error") != NULL &&
			    (size_t)(strstr(s, "Error") - s) < n &&
			    strncmp(s, "    at ", 7) != 0) {
				snprintf(line, sizeof(line), "%.*s", (int)n, s);
				break;
			}
		}
		if (line[0] == '\0')
			pm2_first_line(line, sizeof(line), e, res->err_len);
		eco_load_error(f, path, ECO_JS, ln > 0 && ln < 1000000 ? ln : 0,
		    "node cannot load it: %s: fix the file", line);
	} else if (eco_load_text(f, path, ECO_JS, res->out, res->out_len,
	               &p->schema) == 0) {
		char err[256], *src;
		size_t len;

		/* Lines for the apps, from the source node read. */
		src = pm2_read_file(path, PM2_FILE_MAX, &len, err, sizeof(err));
		if (src != NULL)
			eco_js_lines(f, src, len);
		free(src);
	}
	pm2_eco_done_one(p);
}

/* Start (re)loading every file; the check waits while children run. */
static void
pm2_eco_load(struct pm2 *p)
{
	const struct pm2_config *cfg = p->cfg;
	size_t i, len;
	char err[256], *text;

	if (cfg->ecosystem.n == 0 || p->eco_pending > 0)
		return;
	if ((p->eco_new = calloc(cfg->ecosystem.n, sizeof(*p->eco_new))) ==
	    NULL)
		return;
	p->eco_pending = cfg->ecosystem.n + 1;
	for (i = 0; i < cfg->ecosystem.n; i++) {
		const char *path = cfg->ecosystem.v[i];
		enum eco_kind k = eco_kind_of(path);
		struct eco_file *f = &p->eco_new[i];

		if (stat(path, &p->eco_st[i]) != 0) {
			memset(&p->eco_st[i], 0, sizeof(p->eco_st[i]));
			eco_load_error(f, path, k, 0,
			    "cannot read it: %s: fix the ecosystem option",
			    strerror(errno));
			p->eco_pending--;
			continue;
		}
		if (k == ECO_JS) {
			struct pm2_eco_job *j = calloc(1, sizeof(*j));
			struct rdd_child_spec spec;
			const char *argv[5];
			char *abs = realpath(path, NULL);

			argv[0] = cfg->node_bin;
			argv[1] = "-e";
			argv[2] = eco_node_program;
			argv[3] = abs ? abs : path;
			argv[4] = NULL;
			memset(&spec, 0, sizeof(spec));
			spec.argv = argv;
			spec.timeout_ms = 10000;
			spec.output_cap = PM2_FILE_MAX;
			p->eco_child[i] = 0;
			if (j != NULL) {
				j->p = p;
				j->i = i;
				p->eco_child[i] = p->h->child_run(
				    p->m, &spec, pm2_eco_node_cb, j);
			}
			free(abs);
			if (p->eco_child[i] == 0) {
				/* Never started: no callback will come. */
				free(j);
				eco_load_error(f, path, k, 0,
				    "the daemon could not run %s to read it "
				    "(see system.log)",
				    cfg->node_bin);
				p->eco_pending--;
			}
			continue;
		}
		text =
		    pm2_read_file(path, PM2_FILE_MAX, &len, err, sizeof(err));
		if (text == NULL)
			eco_load_error(
			    f, path, k, 0, "cannot read it: %s", err);
		else
			eco_load_text(f, path, k, text, len, &p->schema);
		free(text);
		p->eco_pending--;
	}
	pm2_eco_done_one(p); /* the +1 above: the loop is over */
}

/* Reload when a file changed (mtime, size or inode). */
static int
pm2_eco_stale(struct pm2 *p)
{
	struct stat sb;
	size_t i;

	if (!p->eco_loaded)
		return 1;
	for (i = 0; i < p->cfg->ecosystem.n; i++) {
		if (stat(p->cfg->ecosystem.v[i], &sb) != 0)
			memset(&sb, 0, sizeof(sb));
		if (sb.st_mtim.tv_sec != p->eco_st[i].st_mtim.tv_sec ||
		    sb.st_mtim.tv_nsec != p->eco_st[i].st_mtim.tv_nsec ||
		    sb.st_size != p->eco_st[i].st_size ||
		    sb.st_ino != p->eco_st[i].st_ino)
			return 1;
	}
	return 0;
}

static void
pm2_eco_target(
    const struct eco_file *f, const char *path, char *buf, size_t len)
{
	const char *b = strrchr(path, '/');

	(void)f;
	snprintf(buf, len, PM2_ECO_PREFIX "%s", b ? b + 1 : path);
}

static void
pm2_report_eco(struct pm2 *p, struct rdd_check *c)
{
	char target[300], msg[1024], names[512];
	const struct eco_diag *d;
	struct rdd_metric mv[2];
	size_t i, j, o;

	for (i = 0; i < p->neco; i++) {
		const struct eco_file *f = &p->eco[i];
		enum rdd_state st = RDD_OK;

		pm2_eco_target(
		    f, p->cfg->ecosystem.v[i], target, sizeof(target));
		names[0] = '\0';
		for (j = o = 0; j < f->napps && o < sizeof(names); j++)
			o += (size_t)snprintf(names + o, sizeof(names) - o,
			    "%s%s", j ? ", " : "", f->apps[j].name);
		d = eco_first(f);
		if (f->nerr > 0) {
			st = RDD_CRITICAL;
			snprintf(msg, sizeof(msg), "%s%s", d->msg,
			    f->nerr + f->nwarn > 1 ? " (and more: see the "
			                             "monitor's log)"
			                           : "");
		} else if (f->nwarn > 0) {
			st = RDD_WARNING;
			snprintf(msg, sizeof(msg), "%s%s", d->msg,
			    f->nwarn > 1 ? " (and more: see the monitor's log)"
			                 : "");
		} else
			snprintf(msg, sizeof(msg), "valid: %zu app%s (%s)",
			    f->napps, f->napps == 1 ? "" : "s", names);
		mv[0].name = "errors";
		mv[0].value = f->nerr;
		mv[0].unit = "";
		mv[1].name = "warnings";
		mv[1].value = f->nwarn;
		mv[1].unit = "";
		p->h->report(c, target, st, msg, mv, 2);
	}
}

/* Log every diagnostic once per load, so "see the log" holds. */
static void
pm2_eco_log(struct pm2 *p)
{
	size_t i, j;

	for (i = 0; i < p->neco; i++)
		for (j = 0; j < p->eco[i].ndiags; j++)
			p->h->log(p->m,
			    p->eco[i].diags[j].sev == ECO_ERR ? RDD_LOG_ERR
			                                      : RDD_LOG_WARN,
			    "%s", p->eco[i].diags[j].msg);
}

/* ---- connection ---- */

static void pm2_retry_cb(void *arg);

static void
pm2_schedule_retry(struct pm2 *p)
{
	if (p->retry_timer != 0)
		return;
	if (p->backoff < PM2_BACKOFF_MIN)
		p->backoff = PM2_BACKOFF_MIN;
	p->retry_timer = p->h->timer_add(p->m, p->backoff, 0, pm2_retry_cb, p);
	p->backoff =
	    p->backoff * 2 > PM2_BACKOFF_MAX ? PM2_BACKOFF_MAX : p->backoff * 2;
}

static struct pm2_rec *
pm2_daemon_rec(struct pm2 *p)
{
	struct pm2_rec *x;

	for (x = p->recs; x != NULL; x = x->next)
		if (x->daemon)
			return x;
	return NULL;
}

static void
pm2_connected(struct pm2 *p)
{
	p->backoff = 0;
	p->kill_seen = 0;
	if (p->retry_timer != 0) {
		p->h->timer_del(p->m, p->retry_timer);
		p->retry_timer = 0;
	}
	p->h->log(p->m, RDD_LOG_INFO, "connected to PM2 at %s", p->home);
	if (p->pushed_down && pm2_daemon_rec(p) == NULL)
		p->h->push(p->m, PM2_DAEMON_TARGET, RDD_OK,
		    "PM2 daemon answers again on rpc.sock and pub.sock");
	p->pushed_down = 0;
	p->down_why[0] = '\0';
}

static int
pm2_try_connect(struct pm2 *p)
{
	char why[256];

	if (p->conn.up)
		return 0;
	if (conn_open(&p->conn, why, sizeof(why)) != 0) {
		snprintf(p->down_why, sizeof(p->down_why), "%s", why);
		return -1;
	}
	pm2_connected(p);
	return 0;
}

static void
pm2_retry_cb(void *arg)
{
	struct pm2 *p = arg;

	p->retry_timer = 0;
	if (pm2_try_connect(p) != 0)
		pm2_schedule_retry(p);
}

static void
pm2_down_cb(void *arg, const char *why)
{
	struct pm2 *p = arg;
	char msg[512];

	long pid;
	int alive;

	snprintf(p->down_why, sizeof(p->down_why), "%s", why);
	p->h->log(p->m, RDD_LOG_WARN, "lost PM2 at %s: %s", p->home, why);
	pid = pm2_daemon_pid(p, &alive);
	if (alive == PM2_GOD)
		p->h->log(p->m, RDD_LOG_WARN,
		    "pid %ld from pm2.pid still runs PM2's God daemon: not "
		    "pushed; the checks decide",
		    pid);
	else if (!p->kill_seen && pm2_daemon_rec(p) == NULL) {
		snprintf(msg, sizeof(msg), "PM2 daemon went away: %s", why);
		p->pushed_down = 1;
		p->h->push(p->m, PM2_DAEMON_TARGET, RDD_CRITICAL, msg);
	}
	p->backoff = PM2_BACKOFF_MIN;
	pm2_schedule_retry(p);
}

/* ---- events ---- */

static void pm2_rec_finish(struct pm2_rec *x, int ok, const char *msg);
static long pm2_list_adopt(struct pm2 *p, struct procs_list *l, int64_t now);

/*
 * The backup of critical app `name` when it runs with every instance
 * online: the service is served while the primary is down.
 */
static const struct procs_app *
pm2_backup_serving(
    const struct pm2 *p, const struct procs_apps *apps, const char *name)
{
	const struct procs_app *b;
	char bname[256];

	if (!pm2_is_critical(p, name))
		return NULL;
	snprintf(bname, sizeof(bname), "%s%s", p->cfg->backup_prefix, name);
	b = procs_app_find(apps, bname);
	return b != NULL && b->n > 0 && b->online == b->n ? b : NULL;
}

/* The same, from the last process list read. */
static int
pm2_backup_serves(const struct pm2 *p, const char *name)
{
	struct procs_apps apps;
	char err[128];
	int yes;

	if (!p->have_list || !pm2_is_critical(p, name) ||
	    procs_group(&p->list, &apps, err, sizeof(err)) != 0)
		return 0;
	yes = pm2_backup_serving(p, &apps, name) != NULL;
	procs_apps_free(&apps);
	return yes;
}

/*
 * Held pushes, decided on the process list just read: pushed when the
 * app is still CRITICAL there, dropped otherwise.
 */
static void
pm2_held_decide(struct pm2 *p)
{
	struct procs_apps apps;
	struct pm2_verdict v;
	const struct procs_app *a;
	char err[128];
	size_t i;

	if (p->held.n == 0 || !p->have_list)
		return;
	if (procs_group(&p->list, &apps, err, sizeof(err)) != 0) {
		p->h->log(p->m, RDD_LOG_ERR, "%s", err);
		return;
	}
	for (i = 0; i < p->held.n; i++) {
		const char *n = p->held.v[i];

		if ((a = procs_app_find(&apps, n)) == NULL) {
			p->h->log(p->m, RDD_LOG_INFO,
			    "%s: held push dropped: not in the process list "
			    "read; the checks decide",
			    n);
			continue;
		}
		pm2_judge_app(a, &p->tracks, &p->lim, pm2_now_ms(),
		    pm2_names_has(&p->opstop, n), pm2_prev_get(p, n), &v);
		if (v.st != RDD_CRITICAL ||
		    pm2_backup_serving(p, &apps, n) != NULL) {
			p->h->log(p->m, RDD_LOG_INFO,
			    "%s: held push dropped: the process list read "
			    "says %s: %s",
			    n,
			    v.st == RDD_CRITICAL ? "its backup serves"
			    : v.st == RDD_OK     ? "OK"
			                         : "not CRITICAL",
			    v.msg);
			continue;
		}
		p->h->log(p->m, RDD_LOG_WARN,
		    "%s: held push decided on the process list read: %s", n,
		    v.msg);
		p->h->push(p->m, n, RDD_CRITICAL, v.msg);
		pm2_prev_set(p, n, RDD_CRITICAL);
	}
	procs_apps_free(&apps);
	pm2_names_free(&p->held);
}

static void
pm2_held_list_cb(void *arg, const struct rpc_reply *r, const char *err)
{
	struct pm2 *p = arg;
	struct procs_list l;
	char perr[256];

	p->held_req = 0;
	if (r == NULL || !r->ok) {
		p->h->log(p->m, RDD_LOG_WARN,
		    "held pushes: getMonitorData: %s: the next check decides",
		    r != NULL ? r->error : err);
		return;
	}
	if (procs_parse(r->result, &l, perr, sizeof(perr)) != 0) {
		p->h->log(p->m, RDD_LOG_WARN,
		    "held pushes: getMonitorData: %s: the next check decides",
		    perr);
		return;
	}
	pm2_list_adopt(p, &l, pm2_now_ms());
	procs_list_free(&l);
	pm2_held_decide(p);
}

/*
 * A push before any process list was read: the restart rung needs the
 * list (which pm_ids, how many instances) and would fail, spending an
 * attempt on a decision made without a state. Held instead; a list is
 * read at once, and the decision is made on it (pm2_held_decide).
 */
static void
pm2_hold(struct pm2 *p, const char *name, int pm_id, const char *msg)
{
	char why[256];

	if (!pm2_names_has(&p->held, name) &&
	    pm2_names_add(&p->held, name) != 0)
		return;
	p->h->log(p->m, RDD_LOG_INFO,
	    "%s (pm_id %d): %s; held: no process list read yet, the "
	    "decision waits for one",
	    name, pm_id, msg);
	if (p->held_req != 0)
		return;
	p->held_req = conn_call0(&p->conn, rpc_get_monitor_data,
	    pm2_held_list_cb, p, why, sizeof(why));
	if (p->held_req == 0)
		p->h->log(p->m, RDD_LOG_WARN,
		    "held pushes: cannot read the process list now (%s): the "
		    "next check decides",
		    why);
}

static void
pm2_event_cb(void *arg, const char *topic, const struct amp_frame *f)
{
	struct pm2 *p = arg;
	struct procs_event ev;
	struct json_object *payload;
	struct pm2_inst *in;
	struct pm2_rec *x, *nx;
	char err[256], msg[512], fail[1024];
	size_t i;
	int push, was;

	if (strcmp(topic, "pm2:kill") == 0) {
		p->kill_seen = 1;
		p->h->log(p->m, RDD_LOG_INFO,
		    "PM2 announced its own kill "
		    "(pm2 kill / pm2 update)");
		return;
	}
	if (strcmp(topic, "process:event") != 0 || f->argc < 2)
		return;
	if (amp_arg_json(&f->args[1], 2, &payload, err, sizeof(err)) != 0) {
		p->h->log(p->m, RDD_LOG_DEBUG, "pub.sock: %s", err);
		return;
	}
	if (procs_event_parse(payload, &ev, err, sizeof(err)) != 0) {
		json_object_put(payload);
		p->h->log(p->m, RDD_LOG_DEBUG, "pub.sock: %s", err);
		return;
	}
	json_object_put(payload);
	in = pm2_track_find(&p->tracks, ev.pm_id);
	was = in != NULL && in->op_stopped;
	push = pm2_track_event(
	    &p->tracks, &ev, pm2_now_ms(), conn_now_us(), msg, sizeof(msg));
	in = pm2_track_find(&p->tracks, ev.pm_id);
	if (in != NULL && in->op_stopped && !was)
		pm2_names_set(p, &p->opstop, ev.name, 1);
	else if (ev.kind == PROCS_EV_ONLINE || ev.kind == PROCS_EV_START ||
	         ev.kind == PROCS_EV_RESTART)
		pm2_names_set(p, &p->opstop, ev.name, 0);
	p->h->log(p->m, RDD_LOG_DEBUG, "event %s %s (pm_id %d) status %s",
	    ev.event, ev.name, ev.pm_id, ev.status_text);

	/* A recovery waiting to see the app stay up: it did not. */
	for (x = p->recs; x != NULL; x = nx) {
		nx = x->next;
		if (!x->verifying || ev.kind != PROCS_EV_EXIT ||
		    ev.status == PROCS_STOPPING || x->app == NULL ||
		    strcmp(x->app, ev.name) != 0)
			continue;
		for (i = 0; i < x->npm || x->npm == 0; i++) {
			if (x->npm != 0 && x->pm_ids[i] != ev.pm_id)
				continue;
			snprintf(fail, sizeof(fail),
			    "%s, but %s (pm_id %d) "
			    "exited again at once (exit code %d, status %s)",
			    x->what, ev.name, ev.pm_id, ev.exit_code,
			    ev.status_text);
			pm2_rec_finish(x, 0, fail);
			break;
		}
	}
	if (push && pm2_backup_of(p, ev.name) == NULL) {
		if (!p->have_list)
			pm2_hold(p, ev.name, ev.pm_id, msg);
		else if (pm2_backup_serves(p, ev.name))
			/* WARNING while served: a push would give up. */
			p->h->log(p->m, RDD_LOG_WARN,
			    "%s (pm_id %d): %s; not pushed: %s%s serves, "
			    "the checks decide",
			    ev.name, ev.pm_id, msg, p->cfg->backup_prefix,
			    ev.name);
		else {
			p->h->log(p->m, RDD_LOG_WARN, "%s (pm_id %d): %s",
			    ev.name, ev.pm_id, msg);
			p->h->push(p->m, ev.name, RDD_CRITICAL, msg);
			pm2_prev_set(p, ev.name, RDD_CRITICAL);
		}
	}
	procs_event_free(&ev);
}

/* ---- checks ---- */

static void
pm2_report_app(struct pm2 *p, struct rdd_check *c, const struct procs_app *a,
    const struct pm2_verdict *v, const struct procs_apps *apps)
{
	const struct procs_app *b = NULL;
	char bname[256];

	struct rdd_metric mv[5];
	const char *primary = pm2_backup_of(p, a->name);
	enum rdd_state st = v->st;
	char msg[PM2_MSG_MAX + 128];

	mv[0] = (struct rdd_metric){"memory", (double)v->memory, "B"};
	mv[1] = (struct rdd_metric){"cpu", v->cpu, "%"};
	mv[2] = (struct rdd_metric){"restarts", (double)v->restarts, ""};
	mv[3] = (struct rdd_metric){"online", (double)v->online, ""};
	mv[4] = (struct rdd_metric){"instances", (double)v->n, ""};
	if (primary != NULL) {
		/* A backup is never recovered: its primary is. */
		if (st == RDD_CRITICAL)
			st = RDD_WARNING;
		snprintf(msg, sizeof(msg), "backup of %s: %s", primary, v->msg);
	} else {
		snprintf(bname, sizeof(bname), "%s%s", p->cfg->backup_prefix,
		    a->name);
		if (st == RDD_CRITICAL &&
		    (b = pm2_backup_serving(p, apps, a->name)) != NULL) {
			/*
			 * Degraded but served: WARNING, so that the engine
			 * neither climbs the ladder again nor gives up; the
			 * incident stays open until the primary is OK, and is
			 * CRITICAL again when the backup stops serving.
			 */
			st = RDD_WARNING;
			snprintf(msg, sizeof(msg),
			    "serving from %.200s (%zu/%zu online): %.900s",
			    bname, b->online, b->n, v->msg);
		} else {
			if (st != RDD_OK && pm2_is_critical(p, a->name))
				b = procs_app_find(apps, bname);
			/* A backup with instances down: named all the same. */
			if (b != NULL)
				snprintf(msg, sizeof(msg),
				    "%.900s; %.200s serves "
				    "meanwhile (%zu/%zu online)",
				    v->msg, bname, b->online, b->n);
			else
				snprintf(msg, sizeof(msg), "%s", v->msg);
		}
	}
	p->h->report(c, a->name, st, msg, mv, 5);
	/* The verdict, not the WARNING of a served primary: judged again. */
	pm2_prev_set(p, a->name, primary != NULL ? st : v->st);
}

/* Delete a backup once its primary stayed healthy for `settle`. */
static void
pm2_backups(struct pm2 *p, const struct procs_apps *apps,
    const enum rdd_state *states, int64_t now)
{
	char bname[256], msg[512], why[128], d[32];
	const struct procs_app *pa, *ba;
	size_t i, j;

	for (i = 0; i < p->cfg->critical.n; i++) {
		const char *name = p->cfg->critical.v[i];

		snprintf(
		    bname, sizeof(bname), "%s%s", p->cfg->backup_prefix, name);
		pa = procs_app_find(apps, name);
		ba = procs_app_find(apps, bname);
		if (pa == NULL || ba == NULL ||
		    states[pa - apps->v] != RDD_OK || pa->online != pa->n) {
			p->healthy_since[i] = 0;
			continue;
		}
		if (p->healthy_since[i] == 0)
			p->healthy_since[i] = now;
		if (now - p->healthy_since[i] < p->cfg->settle)
			continue;
		pm2_fmt_ms(d, sizeof(d), now - p->healthy_since[i]);
		snprintf(msg, sizeof(msg),
		    "%s healthy for %s: deleting %s "
		    "(pm_ids",
		    name, d, bname);
		for (j = 0; j < ba->n; j++) {
			size_t o = strlen(msg);

			snprintf(msg + o, sizeof(msg) - o, " %d",
			    ba->inst[j]->pm_id);
			if (conn_call1(&p->conn, rpc_delete_process_id,
			        ba->inst[j]->pm_id, NULL, NULL, why,
			        sizeof(why)) == 0)
				p->h->log(p->m, RDD_LOG_WARN,
				    "cannot delete %s: %s", bname, why);
		}
		strncat(msg, ")", sizeof(msg) - strlen(msg) - 1);
		p->h->log(p->m, RDD_LOG_INFO, "%s", msg);
		p->h->journal(p->m, "backup-removed", name, msg);
		p->healthy_since[i] = 0;
	}
}

static void pm2_hang_over(struct pm2 *p);

static int
pm2_list_has(const struct procs_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return 1;
	return 0;
}

/*
 * An app that leaves the list of the same, live God daemon was deleted:
 * redundancyd deletes nothing but backups, so an operator did (pm2
 * delete, fork and cluster alike; no event says so). It is not started
 * again until it is in PM2's list again.
 */
static void
pm2_note_deletes(struct pm2 *p, const struct procs_list *l, long dpid)
{
	char msg[512];
	size_t i;

	if (p->have_list && dpid > 0 && p->list_pid == dpid)
		for (i = 0; i < p->list.n; i++) {
			const char *n = p->list.v[i].name;

			if (pm2_list_has(l, n) || pm2_backup_of(p, n) != NULL ||
			    pm2_names_has(&p->opdel, n))
				continue;
			snprintf(msg, sizeof(msg),
			    "%s was deleted from PM2 (pm2 delete by an "
			    "operator): it is not started again until an "
			    "operator starts it",
			    n);
			p->h->log(p->m, RDD_LOG_INFO, "%s", msg);
			p->h->journal(p->m, "operator-delete", n, msg);
			pm2_names_set(p, &p->opdel, n, 1);
		}
	for (i = 0; i < l->n; i++)
		if (pm2_names_has(&p->opdel, l->v[i].name)) {
			p->h->log(p->m, RDD_LOG_INFO,
			    "%s is in PM2's list again: no longer deleted by "
			    "an operator",
			    l->v[i].name);
			pm2_names_set(p, &p->opdel, l->v[i].name, 0);
		}
	p->list_pid = dpid;
}

/* Apps PM2 lists that no operator stopped: what a recovery restores. */
static void
pm2_note_running(struct pm2 *p, const struct procs_list *l)
{
	struct pm2_names nv;
	size_t i;
	int same;

	memset(&nv, 0, sizeof(nv));
	nv.key = "running";
	for (i = 0; i < l->n; i++) {
		const char *n = l->v[i].name;

		if (pm2_backup_of(p, n) != NULL ||
		    pm2_names_has(&p->opstop, n) || pm2_names_has(&nv, n))
			continue;
		if (pm2_names_add(&nv, n) != 0) {
			pm2_names_free(&nv);
			return;
		}
	}
	same = p->running_known && nv.n == p->running.n;
	for (i = 0; same && i < nv.n; i++)
		same = pm2_names_has(&p->running, nv.v[i]);
	pm2_names_free(&p->running);
	p->running = nv;
	p->running_known = 1;
	if (!same)
		pm2_names_save(p, &p->running);
}

static void
pm2_check_end(struct pm2 *p)
{
	struct rdd_check *c = p->check;

	p->check = NULL;
	p->check_req = 0;
	p->check_child = 0;
	if (c != NULL)
		p->h->check_done(c);
}

/* A process list read from PM2 (a check's, or a held push's) is ours. */
static long
pm2_list_adopt(struct pm2 *p, struct procs_list *l, int64_t now)
{
	long dpid;
	int alive;

	pm2_hang_over(p);
	dpid = pm2_daemon_pid(p, &alive);
	if (pm2_track_list(&p->tracks, l, &p->lim, now) != 0)
		p->h->log(p->m, RDD_LOG_WARN,
		    "out of memory tracking PM2 "
		    "processes");
	pm2_note_deletes(p, l, dpid);
	pm2_note_running(p, l);
	procs_list_free(&p->list);
	p->list = *l;
	p->have_list = 1;
	memset(l, 0, sizeof(*l));
	pm2_pids_save(p);
	return dpid;
}

/* Report every app of the list and what is missing. */
static void
pm2_evaluate(
    struct pm2 *p, struct procs_list *l, enum rdd_state dst, const char *dmsg)
{
	struct rdd_check *c = p->check;
	struct procs_apps apps;
	struct pm2_verdict v;
	enum rdd_state *states = NULL;
	int64_t now = pm2_now_ms();
	char err[256], msg[1024], d[32];
	struct rdd_metric mv[3];
	enum rdd_state st;
	size_t i, j;
	long dpid;
	int held;

	dpid = pm2_list_adopt(p, l, now);

	pm2_fmt_ms(d, sizeof(d), (conn_now_us() - p->check_t0) / 1000);
	if (dmsg != NULL)
		snprintf(msg, sizeof(msg), "%s", dmsg);
	else
		snprintf(msg, sizeof(msg),
		    "PM2 up (pid %ld), %zu process%s, "
		    "state read over rpc.sock in %s",
		    dpid, p->list.n, p->list.n == 1 ? "" : "es", d);
	mv[0] = (struct rdd_metric){"processes", (double)p->list.n, ""};
	mv[1] = (struct rdd_metric){
	    "read_ms", (double)(conn_now_us() - p->check_t0) / 1000.0, "ms"};
	p->h->report(c, PM2_DAEMON_TARGET, dst, msg, mv, 2);

	if (procs_group(&p->list, &apps, err, sizeof(err)) != 0) {
		p->h->log(p->m, RDD_LOG_ERR, "%s", err);
		pm2_check_end(p);
		return;
	}
	states = calloc(apps.n ? apps.n : 1, sizeof(*states));
	for (i = 0; i < apps.n; i++) {
		const struct procs_app *a = &apps.v[i];
		int ops = pm2_names_has(&p->opstop, a->name);

		pm2_judge_app(a, &p->tracks, &p->lim, now, ops,
		    pm2_prev_get(p, a->name), &v);
		if (states != NULL)
			states[i] = v.st;
		pm2_report_app(p, c, a, &v, &apps);
	}
	/* Declared but absent. */
	for (i = 0; i < p->neco; i++)
		for (j = 0; j < p->eco[i].napps; j++) {
			const struct eco_app *ea = &p->eco[i].apps[j];

			if (procs_app_find(&apps, ea->name) != NULL)
				continue;
			held = pm2_names_has(&p->opdel, ea->name) ||
			       pm2_names_has(&p->opstop, ea->name);
			if (pm2_names_has(&p->opdel, ea->name))
				snprintf(msg, sizeof(msg),
				    "deleted by an operator (pm2 delete): not "
				    "started again; pm2 start %s --only %s "
				    "brings it back",
				    p->eco[i].path, ea->name);
			else if (held)
				snprintf(msg, sizeof(msg),
				    "stopped by an operator (pm2 stop), not in "
				    "PM2's list since PM2 restarted: not "
				    "started again; pm2 start %s --only %s "
				    "brings it back",
				    p->eco[i].path, ea->name);
			else if (!ea->autostart)
				snprintf(msg, sizeof(msg),
				    "not running; "
				    "autostart is false in %s",
				    p->eco[i].path);
			else if (ea->line > 0)
				snprintf(msg, sizeof(msg),
				    "missing: declared "
				    "in %s:%d but not in PM2's process list",
				    p->eco[i].path, ea->line);
			else
				snprintf(msg, sizeof(msg),
				    "missing: declared "
				    "in %s but not in PM2's process list",
				    p->eco[i].path);
			st = ea->autostart && !held ? RDD_CRITICAL : RDD_OK;
			p->h->report(c, ea->name, st, msg, NULL, 0);
			pm2_prev_set(p, ea->name, st);
		}
	if (states != NULL && p->conn.up)
		pm2_backups(p, &apps, states, now);
	free(states);
	procs_apps_free(&apps);
	pm2_prev_sweep(p);
	pm2_report_eco(p, c);
	pm2_held_decide(p);
	pm2_check_end(p);
}

/* Keep known apps listed, as unknown, so their history stays. */
static void
pm2_report_apps_unknown(struct pm2 *p, struct rdd_check *c, const char *msg)
{
	size_t i, j, k;
	int seen;

	if (p->have_list)
		for (i = 0; i < p->list.n; i++) {
			for (j = 0; j < i; j++)
				if (strcmp(p->list.v[j].name,
				        p->list.v[i].name) == 0)
					break;
			if (j == i)
				p->h->report(c, p->list.v[i].name, RDD_UNKNOWN,
				    msg, NULL, 0);
		}
	for (i = 0; i < p->neco; i++)
		for (j = 0; j < p->eco[i].napps; j++) {
			const char *n = p->eco[i].apps[j].name;

			seen = 0;
			for (k = 0; p->have_list && k < p->list.n; k++)
				if (strcmp(p->list.v[k].name, n) == 0)
					seen = 1;
			if (!seen)
				p->h->report(c, n, RDD_UNKNOWN, msg, NULL, 0);
		}
}

static int64_t
pm2_mono_ms(void)
{
	return conn_now_us() / 1000;
}

/* How long the God daemon pid has not answered; starts the count. */
static int64_t
pm2_hang_for(struct pm2 *p, long pid, int64_t since, const char *why)
{
	char hm[32];

	if (p->hang_since == 0 || p->hang_pid != pid) {
		p->hang_since = since;
		p->hang_pid = pid;
		pm2_fmt_ms(hm, sizeof(hm), p->cfg->hang_max);
		p->h->log(p->m, RDD_LOG_WARN,
		    "PM2 daemon pid %ld is alive but does not answer (%s): "
		    "UNKNOWN while it may still serve; killed and resurrected "
		    "only after hang_max (%s)",
		    pid, why, hm);
	}
	return pm2_mono_ms() - p->hang_since;
}

static void
pm2_hang_over(struct pm2 *p)
{
	char d[32];

	if (p->hang_since == 0)
		return;
	pm2_fmt_ms(d, sizeof(d), pm2_mono_ms() - p->hang_since);
	p->h->log(p->m, RDD_LOG_INFO,
	    "PM2 daemon pid %ld answers again after %s without an answer",
	    p->hang_pid, d);
	p->hang_since = 0;
	p->hang_pid = 0;
}

/*
 * pm2.pid names a live God daemon that does not answer: UNKNOWN, never a
 * reason to act (pm2 commands would wait on it, then start every app a
 * second time when it wakes), until hang_max; then CRITICAL, and the
 * recovery kills it before resurrecting.
 */
static void
pm2_report_hung(struct pm2 *p, long pid, const char *why)
{
	struct rdd_check *c = p->check;
	char msg[800], d[32], hm[32];
	int64_t dur;

	dur = pm2_hang_for(p, pid, p->check_t0 / 1000, why);
	pm2_fmt_ms(d, sizeof(d), dur);
	pm2_fmt_ms(hm, sizeof(hm), p->cfg->hang_max);
	if (dur < p->cfg->hang_max) {
		snprintf(msg, sizeof(msg),
		    "PM2 daemon not answering for %s (pid %ld is alive and is "
		    "PM2's God daemon: %.300s): nothing is done before "
		    "hang_max (%s)",
		    d, pid, why, hm);
		p->h->report(c, PM2_DAEMON_TARGET, RDD_UNKNOWN, msg, NULL, 0);
	} else {
		snprintf(msg, sizeof(msg),
		    "PM2 daemon pid %ld has not answered for %s (hang_max "
		    "%s; %.300s): recovery kills it and resurrects its apps",
		    pid, d, hm, why);
		p->h->report(c, PM2_DAEMON_TARGET, RDD_CRITICAL, msg, NULL, 0);
	}
	pm2_report_apps_unknown(
	    p, c, "PM2 daemon not answering: state unknown");
	pm2_report_eco(p, c);
	pm2_check_end(p);
}

/* The daemon is down: say why; apps are unknown until it is back. */
static void
pm2_report_down(struct pm2 *p, const char *why)
{
	struct rdd_check *c = p->check;
	char msg[600];
	long pid;
	int alive;

	pid = pm2_daemon_pid(p, &alive);
	if (alive == PM2_GOD) {
		pm2_report_hung(p, pid, why);
		return;
	}
	p->hang_since = 0;
	if (pid == 0)
		snprintf(msg, sizeof(msg),
		    "PM2 daemon is not running (no "
		    "pm2.pid in %s): %s",
		    p->home, why);
	else if (alive == PM2_DEAD)
		snprintf(msg, sizeof(msg),
		    "PM2 daemon is down: pid %ld from "
		    "pm2.pid is dead: %s",
		    pid, why);
	else
		snprintf(msg, sizeof(msg),
		    "PM2 daemon is not running: pid %ld from pm2.pid is "
		    "alive but is not PM2 (/proc/%ld/cmdline names no God "
		    "daemon: a reused pid): %s",
		    pid, pid, why);
	p->h->report(c, PM2_DAEMON_TARGET, RDD_CRITICAL, msg, NULL, 0);
	pm2_report_apps_unknown(p, c, "PM2 daemon is down: state unknown");
	pm2_report_eco(p, c);
	pm2_check_end(p);
}

static void
pm2_jlist_cb(void *arg, const struct rdd_child_result *res)
{
	struct pm2 *p = arg;
	struct procs_list l;
	char err[600], msg[1000], line[256];

	p->check_child = 0;
	if (p->check == NULL)
		return;
	if (res->spawn_errno != 0 || !res->exited || res->status != 0) {
		pm2_first_line(line, sizeof(line), res->err, res->err_len);
		snprintf(err, sizeof(err), "%.300s; pm2 jlist failed too: %s",
		    p->down_why,
		    res->spawn_errno ? strerror(res->spawn_errno)
		    : res->timed_out ? "timed out"
		                     : line);
		pm2_report_down(p, err);
		return;
	}
	if (procs_parse_text(res->out, res->out_len, &l, err, sizeof(err)) !=
	    0) {
		snprintf(
		    msg, sizeof(msg), "%s; pm2 jlist: %s", p->down_why, err);
		pm2_report_down(p, msg);
		return;
	}
	snprintf(msg, sizeof(msg),
	    "rpc.sock unusable (%s); state read with "
	    "pm2 jlist (jlist_fallback)",
	    p->down_why);
	pm2_evaluate(p, &l, RDD_WARNING, msg);
}

/*
 * pm2 jlist is a last resort: it starts a daemon when it cannot reach
 * one, so it runs only for a live God daemon (by /proc cmdline) without
 * a unix rpc.sock (PM2 on TCP ports). A socket that refuses or does not
 * answer means a God that is hung or going: jlist would start a second.
 */
static int
pm2_jlist_allowed(struct pm2 *p)
{
	char path[PATH_MAX];
	struct stat sb;
	int alive;

	if (!p->cfg->jlist_fallback)
		return 0;
	pm2_daemon_pid(p, &alive);
	if (alive != PM2_GOD)
		return 0;
	snprintf(path, sizeof(path), "%s/rpc.sock", p->home);
	return lstat(path, &sb) != 0 && errno == ENOENT;
}

static void
pm2_check_down(struct pm2 *p)
{
	struct rdd_child_spec spec;
	const char *argv[3];
	char env0[PATH_MAX + 16];
	const char *env[2];

	if (pm2_jlist_allowed(p)) {
		snprintf(env0, sizeof(env0), "PM2_HOME=%s", p->home);
		env[0] = env0;
		env[1] = NULL;
		argv[0] = p->cfg->pm2_bin;
		argv[1] = "jlist";
		argv[2] = NULL;
		memset(&spec, 0, sizeof(spec));
		spec.argv = argv;
		spec.env = env;
		spec.timeout_ms = p->cfg->command_timeout;
		spec.output_cap = 32 * 1024 * 1024;
		p->check_child = p->h->child_run(p->m, &spec, pm2_jlist_cb, p);
		if (p->check_child != 0 || p->check == NULL)
			return;
	}
	pm2_report_down(p, p->down_why);
}

static void
pm2_list_cb(void *arg, const struct rpc_reply *r, const char *err)
{
	struct pm2 *p = arg;
	struct procs_list l;
	char perr[256], msg[600];

	p->check_req = 0;
	if (p->check == NULL)
		return;
	if (r == NULL) {
		snprintf(p->down_why, sizeof(p->down_why), "getMonitorData: %s",
		    err);
		pm2_check_down(p);
		return;
	}
	pm2_hang_over(p);
	if (!r->ok) {
		snprintf(
		    msg, sizeof(msg), "getMonitorData failed: %s", r->error);
		p->h->report(
		    p->check, PM2_DAEMON_TARGET, RDD_CRITICAL, msg, NULL, 0);
		pm2_report_eco(p, p->check);
		pm2_check_end(p);
		return;
	}
	if (procs_parse(r->result, &l, perr, sizeof(perr)) != 0) {
		snprintf(msg, sizeof(msg), "getMonitorData: %s", perr);
		p->h->report(
		    p->check, PM2_DAEMON_TARGET, RDD_UNKNOWN, msg, NULL, 0);
		pm2_report_eco(p, p->check);
		pm2_check_end(p);
		return;
	}
	pm2_evaluate(p, &l, RDD_OK, NULL);
}

static void
pm2_check_continue(struct pm2 *p)
{
	char why[256];

	if (p->check == NULL)
		return;
	p->check_t0 = conn_now_us();
	if (pm2_try_connect(p) != 0) {
		pm2_check_down(p);
		return;
	}
	p->check_req = conn_call0(
	    &p->conn, rpc_get_monitor_data, pm2_list_cb, p, why, sizeof(why));
	if (p->check_req == 0) {
		snprintf(p->down_why, sizeof(p->down_why), "%s", why);
		pm2_check_down(p);
	}
}

static void
pm2_check(void *ctx, struct rdd_check *c)
{
	struct pm2 *p = ctx;

	if (p->check != NULL) {
		p->h->report(c, PM2_DAEMON_TARGET, RDD_UNKNOWN,
		    "previous check still running", NULL, 0);
		p->h->check_done(c);
		return;
	}
	p->check = c;
	if (p->eco_pending == 0 && pm2_eco_stale(p))
		pm2_eco_load(p);
	if (p->eco_pending > 0) {
		p->check_wait_eco = 1;
		return;
	}
	pm2_check_continue(p);
}

/* ---- recoveries ---- */

static void
pm2_rec_free(struct pm2_rec *x)
{
	struct pm2 *p = x->p;
	struct pm2_rec **pp;
	size_t i;

	for (pp = &p->recs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	if (x->child != 0)
		p->h->child_cancel(p->m, x->child);
	if (x->timer != 0)
		p->h->timer_del(p->m, x->timer);
	for (i = 0; i < x->nreq; i++)
		if (x->reqs[i] != 0)
			conn_cancel(&p->conn, x->reqs[i]);
	free(x->target);
	free(x->app);
	free(x);
}

static void
pm2_rec_finish(struct pm2_rec *x, int ok, const char *msg)
{
	struct pm2 *p = x->p;
	struct rdd_recovery *r = x->r;
	char m[2048];
	size_t n = strlen(msg);

	/* msg may live in x: copy it before x goes. */
	if (n >= sizeof(m))
		n = sizeof(m) - 1;
	memcpy(m, msg, n);
	m[n] = '\0';
	pm2_rec_free(x);
	p->h->recovery_done(r, ok, m);
}

static struct pm2_rec *
pm2_rec_new(struct pm2 *p, struct rdd_recovery *r, const char *target,
    enum pm2_action act)
{
	struct pm2_rec *x = calloc(1, sizeof(*x));

	if (x == NULL || (x->target = strdup(target)) == NULL) {
		free(x);
		p->h->recovery_done(r, 0, "out of memory");
		return NULL;
	}
	x->p = p;
	x->r = r;
	x->act = act;
	x->next = p->recs;
	p->recs = x;
	return x;
}

/* ---- verification: the app must stay up for cfg->verify ---- */

static void
pm2_verify_list_cb(void *arg, const struct rpc_reply *r, const char *err)
{
	struct pm2_rec *x = arg;
	struct procs_list l;
	char perr[256], msg[2048], bad[512];
	size_t i, online = 0, n = 0, o = 0;

	x->reqs[0] = 0;
	if (r == NULL || !r->ok) {
		snprintf(msg, sizeof(msg),
		    "%s, but its state cannot be read: "
		    "%s",
		    x->what, r ? r->error : err);
		pm2_rec_finish(x, 0, msg);
		return;
	}
	if (procs_parse(r->result, &l, perr, sizeof(perr)) != 0) {
		snprintf(msg, sizeof(msg), "%s, but getMonitorData: %s",
		    x->what, perr);
		pm2_rec_finish(x, 0, msg);
		return;
	}
	bad[0] = '\0';
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.v[i].name, x->app) != 0)
			continue;
		n++;
		if (l.v[i].status == PROCS_ONLINE)
			online++;
		else if (o < sizeof(bad))
			o += (size_t)snprintf(bad + o, sizeof(bad) - o,
			    "%spm_id %d %s", o ? ", " : "", l.v[i].pm_id,
			    l.v[i].status_text);
	}
	procs_list_free(&l);
	if (n == 0)
		snprintf(msg, sizeof(msg),
		    "%s, but %s is not in PM2's process "
		    "list",
		    x->what, x->app);
	else if (online < n)
		snprintf(msg, sizeof(msg),
		    "%s, but %s is not up after %lld "
		    "ms: %s",
		    x->what, x->app, (long long)x->p->cfg->verify, bad);
	else
		snprintf(msg, sizeof(msg),
		    "%s: %s online (%zu/%zu) after %lld "
		    "ms",
		    x->what, x->app, online, n, (long long)x->p->cfg->verify);
	pm2_rec_finish(x, n > 0 && online == n, msg);
}

static void
pm2_verify_timer_cb(void *arg)
{
	struct pm2_rec *x = arg;
	struct pm2 *p = x->p;
	char why[256], msg[1400];

	x->timer = 0;
	if (pm2_try_connect(p) != 0) {
		snprintf(msg, sizeof(msg), "%s, but PM2 does not answer: %s",
		    x->what, p->down_why);
		pm2_rec_finish(x, 0, msg);
		return;
	}
	x->nreq = 1;
	x->reqs[0] = conn_call0(&p->conn, rpc_get_monitor_data,
	    pm2_verify_list_cb, x, why, sizeof(why));
	if (x->reqs[0] == 0) {
		snprintf(msg, sizeof(msg), "%s, but %s", x->what, why);
		pm2_rec_finish(x, 0, msg);
	}
}

static void
pm2_verify(struct pm2_rec *x)
{
	struct pm2 *p = x->p;

	x->verifying = 1;
	x->nreq = 0;
	x->timer =
	    p->h->timer_add(p->m, p->cfg->verify, 0, pm2_verify_timer_cb, x);
	if (x->timer == 0)
		pm2_verify_timer_cb(x);
}

/* ---- rung 1: restartProcessId ---- */

static void
pm2_restart_reply_cb(void *arg, const struct rpc_reply *r, const char *err)
{
	struct pm2_rec *x = arg;
	char msg[1024];

	x->nreplied++;
	if (r == NULL || !r->ok) {
		size_t o = strlen(x->err);

		snprintf(x->err + o, sizeof(x->err) - o, "%s%s", o ? "; " : "",
		    r ? r->error : err);
	}
	if (x->nreplied < x->nreq)
		return;
	memset(x->reqs, 0, sizeof(x->reqs));
	x->nreq = 0;
	if (x->err[0] != '\0') {
		snprintf(
		    msg, sizeof(msg), "restartProcessId failed: %s", x->err);
		pm2_rec_finish(x, 0, msg);
		return;
	}
	pm2_verify(x);
}

static void
pm2_restart_app(struct pm2 *p, struct pm2_rec *x)
{
	struct procs_apps apps;
	struct pm2_verdict v;
	const struct procs_app *a;
	char why[256], msg[1024], err[128];
	size_t i, o;
	int64_t now_us;

	if (pm2_try_connect(p) != 0) {
		snprintf(msg, sizeof(msg),
		    "PM2 daemon is down (%s): the %s "
		    "target's recovery starts it",
		    p->down_why, PM2_DAEMON_TARGET);
		pm2_rec_finish(x, 0, msg);
		return;
	}
	if (!p->have_list ||
	    procs_group(&p->list, &apps, err, sizeof(err)) != 0) {
		pm2_rec_finish(x, 0,
		    "no process list read yet: wait for a "
		    "check");
		return;
	}
	if ((a = procs_app_find(&apps, x->target)) == NULL) {
		procs_apps_free(&apps);
		snprintf(msg, sizeof(msg),
		    "'%s' is not in PM2's process list: "
		    "restart does not apply; the next rung starts it from the "
		    "ecosystem file",
		    x->target);
		pm2_rec_finish(x, RDD_RECOVERY_NOT_APPLICABLE, msg);
		return;
	}
	pm2_judge_app(a, &p->tracks, &p->lim, pm2_now_ms(),
	    pm2_names_has(&p->opstop, a->name), RDD_OK, &v);
	if (v.nbad > 0) {
		for (i = 0; i < v.nbad && x->npm < PM2_PIDS_MAX; i++)
			x->pm_ids[x->npm++] = v.bad[i];
	} else
		for (i = 0; i < a->n && x->npm < PM2_PIDS_MAX; i++)
			x->pm_ids[x->npm++] = a->inst[i]->pm_id;
	procs_apps_free(&apps);
	if ((x->app = strdup(x->target)) == NULL) {
		pm2_rec_finish(x, 0, "out of memory");
		return;
	}
	o = (size_t)snprintf(
	    x->what, sizeof(x->what), "restartProcessId on pm_id");
	now_us = conn_now_us();
	for (i = 0; i < x->npm; i++) {
		struct pm2_inst *in = pm2_track_find(&p->tracks, x->pm_ids[i]);

		x->reqs[i] = conn_call1(&p->conn, rpc_restart_process_id,
		    x->pm_ids[i], pm2_restart_reply_cb, x, why, sizeof(why));
		if (x->reqs[i] == 0) {
			/* pm2_rec_free cancels the ones already sent. */
			snprintf(msg, sizeof(msg),
			    "restartProcessId pm_id %d: "
			    "%s",
			    x->pm_ids[i], why);
			x->nreq = i;
			pm2_rec_finish(x, 0, msg);
			return;
		}
		x->nreq = i + 1;
		if (o < sizeof(x->what))
			o += (size_t)snprintf(x->what + o, sizeof(x->what) - o,
			    " %d", x->pm_ids[i]);
		/* The figure bench/pm2 measures: exit event to request. */
		if (in != NULL && in->exit_seen_us > 0 &&
		    now_us - in->exit_seen_us < 60 * 1000000LL) {
			int64_t w = p->conn.last_write_us > 0
			                ? p->conn.last_write_us
			                : conn_now_us();

			p->h->log(p->m, RDD_LOG_INFO,
			    "%s (pm_id %d): "
			    "restartProcessId written %.3f ms after PM2's "
			    "exit event reached us (%lld ms after PM2 sent "
			    "it)",
			    x->target, x->pm_ids[i],
			    (double)(w - in->exit_seen_us) / 1000.0,
			    in->exit_at > 0
			        ? (long long)(pm2_now_ms() - in->exit_at)
			        : -1LL);
			in->exit_seen_us = 0;
		}
	}
}

/* ---- children: pm2 start / resurrect ---- */

static uint64_t
pm2_run(struct pm2 *p, const char *const *argv, const char *cwd,
    rdd_child_cb cb, void *arg)
{
	struct rdd_child_spec spec;
	char env0[PATH_MAX + 16];
	const char *env[2];

	snprintf(env0, sizeof(env0), "PM2_HOME=%s", p->home);
	env[0] = env0;
	env[1] = NULL;
	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.env = env;
	spec.cwd = cwd;
	spec.timeout_ms = p->cfg->command_timeout;
	spec.output_cap = 64 * 1024;
	return p->h->child_run(p->m, &spec, cb, arg);
}

/* Run a pm2 command for a recovery; a refused spawn ends it. */
static void
pm2_run_rec(struct pm2_rec *x, const char *const *argv, rdd_child_cb cb)
{
	char msg[600];

	x->child = pm2_run(x->p, argv, NULL, cb, x);
	if (x->child == 0) {
		snprintf(msg, sizeof(msg),
		    "%s: the daemon could not start "
		    "%s (see system.log)",
		    x->what, argv[0]);
		pm2_rec_finish(x, 0, msg);
	}
}

/* "" when the child succeeded, else why it did not. */
static void
pm2_child_why(const struct rdd_child_result *res, char *buf, size_t len)
{
	char line[300];

	buf[0] = '\0';
	if (res->spawn_errno != 0)
		snprintf(buf, len, "cannot run it: %s (set pm2_bin)",
		    strerror(res->spawn_errno));
	else if (res->timed_out)
		snprintf(buf, len, "timed out");
	else if (!res->exited)
		snprintf(buf, len, "killed by signal %d", res->signal);
	else if (res->status != 0) {
		pm2_first_line(line, sizeof(line), res->err, res->err_len);
		if (line[0] == '\0')
			pm2_first_line(
			    line, sizeof(line), res->out, res->out_len);
		snprintf(buf, len, "exited %d: %s", res->status, line);
	}
}

/*
 * A command of a rung ended: 1 when it failed and the rung is finished
 * with why (after what and sep), 0 when the rung goes on.
 */
static int
pm2_rec_child_failed(struct pm2_rec *x, const struct rdd_child_result *res,
    const char *sep)
{
	char why[400], msg[1024];

	x->child = 0;
	pm2_child_why(res, why, sizeof(why));
	if (why[0] == '\0')
		return 0;
	snprintf(msg, sizeof(msg), "%s%s%s", x->what, sep, why);
	pm2_rec_finish(x, 0, msg);
	return 1;
}

static void
pm2_start_cb(void *arg, const struct rdd_child_result *res)
{
	struct pm2_rec *x = arg;

	if (!pm2_rec_child_failed(x, res, " "))
		pm2_verify(x);
}

static void
pm2_start_eco(struct pm2 *p, struct pm2_rec *x)
{
	const struct eco_file *f;
	const struct eco_app *a;
	const char *argv[6];
	char msg[600];

	if (pm2_names_has(&p->opdel, x->target)) {
		snprintf(msg, sizeof(msg),
		    "'%s' was deleted by an operator (pm2 delete): "
		    "start-from-ecosystem does not apply",
		    x->target);
		pm2_rec_finish(x, RDD_RECOVERY_NOT_APPLICABLE, msg);
		return;
	}
	if ((a = eco_find_app(p->eco, p->neco, x->target, &f)) == NULL) {
		snprintf(msg, sizeof(msg),
		    "'%s' is not declared in any "
		    "ecosystem file%s: start-from-ecosystem does not apply",
		    x->target, p->neco ? "" : " (no ecosystem option set)");
		pm2_rec_finish(x, RDD_RECOVERY_NOT_APPLICABLE, msg);
		return;
	}
	if ((x->app = strdup(x->target)) == NULL) {
		pm2_rec_finish(x, 0, "out of memory");
		return;
	}
	argv[0] = p->cfg->pm2_bin;
	argv[1] = "start";
	argv[2] = f->path;
	argv[3] = "--only";
	argv[4] = x->target;
	argv[5] = NULL;
	snprintf(x->what, sizeof(x->what), "pm2 start %s --only %s", f->path,
	    x->target);
	pm2_run_rec(x, argv, pm2_start_cb);
}

/* Apply backup_env entries ("K=V" or "app:K=V") to env. */
static void
pm2_backup_env(struct pm2 *p, const char *app, struct json_object *env,
    char *note, size_t notelen)
{
	size_t i, o = 0;

	note[0] = '\0';
	for (i = 0; i < p->cfg->backup_env.n; i++) {
		const char *e = p->cfg->backup_env.v[i];
		const char *eq = strchr(e, '='), *colon = strchr(e, ':');
		char key[256];

		if (eq == NULL)
			continue;
		if (colon != NULL && colon < eq) {
			if ((size_t)(colon - e) != strlen(app) ||
			    strncmp(e, app, (size_t)(colon - e)) != 0)
				continue;
			e = colon + 1;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - e), e);
		json_object_object_add(
		    env, key, json_object_new_string(eq + 1));
		if (o < notelen)
			o += (size_t)snprintf(
			    note + o, notelen - o, "%s%s", o ? ", " : "", e);
	}
}

static void
pm2_start_backup(struct pm2 *p, struct pm2_rec *x)
{
	const struct eco_file *f;
	const struct eco_app *a;
	struct json_object *def, *env, *root, *arr;
	const char *argv[4], *dir;
	char bname[256], path[PATH_MAX], msg[1024], note[256], crit[256];
	size_t i, o = 0;
	FILE *fp;

	crit[0] = '\0';
	for (i = 0; i < p->cfg->critical.n && o < sizeof(crit); i++)
		o += (size_t)snprintf(crit + o, sizeof(crit) - o, "%s%s",
		    i ? ", " : "", p->cfg->critical.v[i]);
	if (!pm2_is_critical(p, x->target)) {
		snprintf(msg, sizeof(msg),
		    "start-backup applies only to apps "
		    "listed in critical (%s): '%s' is not",
		    crit[0] ? crit : "none", x->target);
		pm2_rec_finish(x, RDD_RECOVERY_NOT_APPLICABLE, msg);
		return;
	}
	if ((a = eco_find_app(p->eco, p->neco, x->target, &f)) == NULL ||
	    a->def == NULL) {
		snprintf(msg, sizeof(msg),
		    "no definition of '%s' in an "
		    "ecosystem file: a backup needs one (set ecosystem)",
		    x->target);
		pm2_rec_finish(x, 0, msg);
		return;
	}
	snprintf(
	    bname, sizeof(bname), "%s%s", p->cfg->backup_prefix, x->target);
	if ((dir = p->h->state_dir(p->m)) == NULL)
		dir = p->home;
	snprintf(path, sizeof(path), "%s/%s.json", dir, bname);
	/* The same definition under another name, paths made absolute. */
	def = json_tokener_parse(
	    json_object_to_json_string_ext(a->def, JSON_C_TO_STRING_PLAIN));
	if (def == NULL) {
		pm2_rec_finish(x, 0, "out of memory");
		return;
	}
	json_object_object_add(def, "name", json_object_new_string(bname));
	if (a->script_path != NULL) {
		json_object_object_add(
		    def, "script", json_object_new_string(a->script_path));
		json_object_object_del(def, "exec");
	}
	json_object_object_add(def, "cwd", json_object_new_string(a->cwd));
	json_object_object_del(def, "pid_file");
	json_object_object_del(def, "pid");
	if (!json_object_object_get_ex(def, "env", &env) ||
	    !json_object_is_type(env, json_type_object)) {
		env = json_object_new_object();
		json_object_object_add(def, "env", env);
	}
	pm2_backup_env(p, x->target, env, note, sizeof(note));
	root = json_object_new_object();
	arr = json_object_new_array();
	json_object_array_add(arr, def);
	json_object_object_add(root, "apps", arr);
	if ((fp = fopen(path, "w")) == NULL ||
	    fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY),
	        fp) < 0 ||
	    fclose(fp) != 0) {
		snprintf(msg, sizeof(msg), "cannot write %.900s: %s", path,
		    strerror(errno));
		json_object_put(root);
		pm2_rec_finish(x, 0, msg);
		return;
	}
	json_object_put(root);
	if ((x->app = strdup(bname)) == NULL) {
		pm2_rec_finish(x, 0, "out of memory");
		return;
	}
	snprintf(x->what, sizeof(x->what),
	    "started %.60s from %.60s's definition "
	    "in %.200s%s%.120s",
	    bname, x->target, f->path, note[0] ? " with " : "", note);
	argv[0] = p->cfg->pm2_bin;
	argv[1] = "start";
	argv[2] = path;
	argv[3] = NULL;
	pm2_run_rec(x, argv, pm2_start_cb);
}

/* ---- the PM2 daemon itself ---- */

static void pm2_daemon_step(struct pm2_rec *x);

static void
pm2_daemon_cmd_cb(void *arg, const struct rdd_child_result *res)
{
	struct pm2_rec *x = arg;

	if (!pm2_rec_child_failed(x, res, ": "))
		pm2_daemon_step(x);
}

/* Collect orphans: last known pids and holders of known ports. */
static void
pm2_orphans_find(struct pm2 *p, struct pm2_rec *x)
{
	long holders[16];
	size_t i, j, k, n;
	const char *s;

	x->norphans = 0;
	for (i = 0; i < p->tracks.n && x->norphans < PM2_ORPHANS_MAX; i++) {
		const struct pm2_inst *in = &p->tracks.v[i];

		if (in->exec_path == NULL)
			continue;
		if (in->last_pid > 0 &&
		    orphan_is_orphan("/proc", in->last_pid, in->exec_path))
			x->orphans[x->norphans++] = in->last_pid;
		n = orphan_port_holders("/proc", in->port, holders, 16);
		for (j = 0; j < n && x->norphans < PM2_ORPHANS_MAX; j++)
			if (orphan_is_orphan(
			        "/proc", holders[j], in->exec_path))
				x->orphans[x->norphans++] = holders[j];
	}
	/* After a restart of redundancyd: the pids it saved. */
	for (s = p->h->state_get(p->m, "pids"); s != NULL && *s;) {
		char path[PATH_MAX];
		long pid;
		int port;

		if (sscanf(s, "%ld %d %4095[^\n]", &pid, &port, path) == 3 &&
		    x->norphans < PM2_ORPHANS_MAX &&
		    orphan_is_orphan("/proc", pid, path))
			x->orphans[x->norphans++] = pid;
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	/* Ports of the ecosystem's apps. */
	for (i = 0; i < p->neco; i++)
		for (j = 0; j < p->eco[i].napps; j++) {
			const struct eco_app *a = &p->eco[i].apps[j];

			if (a->port == 0 || a->script_path == NULL)
				continue;
			n = orphan_port_holders("/proc", a->port, holders, 16);
			for (k = 0; k < n && x->norphans < PM2_ORPHANS_MAX; k++)
				if (orphan_is_orphan(
				        "/proc", holders[k], a->script_path))
					x->orphans[x->norphans++] = holders[k];
		}
	/* Each pid once. */
	for (i = 0; i < x->norphans; i++)
		for (j = i + 1; j < x->norphans;)
			if (x->orphans[j] == x->orphans[i])
				x->orphans[j] = x->orphans[--x->norphans];
			else
				j++;
}

static void
pm2_orphans_wait_cb(void *arg)
{
	struct pm2_rec *x = arg;
	struct pm2 *p = x->p;
	size_t i, alive = 0;

	x->timer = 0;
	for (i = 0; i < x->norphans; i++)
		if (x->orphans[i] > 0 && kill((pid_t)x->orphans[i], 0) == 0 &&
		    orphan_ppid("/proc", x->orphans[i]) >= 0)
			alive++;
	if (alive > 0 && pm2_now_ms() < x->orphan_deadline) {
		x->timer =
		    p->h->timer_add(p->m, 100, 0, pm2_orphans_wait_cb, x);
		return;
	}
	for (i = 0; alive > 0 && i < x->norphans; i++)
		if (kill((pid_t)x->orphans[i], 0) == 0) {
			p->h->log(p->m, RDD_LOG_WARN,
			    "orphan pid %ld ignored "
			    "SIGTERM: SIGKILL",
			    x->orphans[i]);
			kill((pid_t)x->orphans[i], SIGKILL);
		}
	x->norphans = 0;
	pm2_daemon_step(x);
}

/*
 * The apps of ecosystem file i that a recovery without dump.pm2 starts,
 * as a --only list: those PM2 ran (its last list), never the ones an
 * operator stopped or deleted. Returns how many; only is "" when the
 * whole file applies (no list ever seen, the file not loaded).
 */
static size_t
pm2_eco_only(struct pm2 *p, size_t i, char *only, size_t len)
{
	const struct eco_file *f;
	size_t j, n = 0, o = 0;

	only[0] = '\0';
	if (!p->eco_loaded || i >= p->neco)
		return 1;
	f = &p->eco[i];
	for (j = 0; j < f->napps; j++) {
		const char *name = f->apps[j].name;

		if (pm2_names_has(&p->opstop, name) ||
		    pm2_names_has(&p->opdel, name))
			continue;
		if (p->running_known && !pm2_names_has(&p->running, name))
			continue;
		if (o + strlen(name) + 2 >= len)
			break;
		o += (size_t)snprintf(
		    only + o, len - o, "%s%s", n ? "," : "", name);
		n++;
	}
	if (n == f->napps && !p->running_known)
		only[0] = '\0'; /* the whole file, as PM2 would */
	return n;
}

/*
 * The daemon ladder, one step per call: orphans, then resurrect or the
 * ecosystem files one by one (or a bare ping to start an empty daemon),
 * then connect.
 */
static void
pm2_daemon_step(struct pm2_rec *x)
{
	struct pm2 *p = x->p;
	const char *argv[6];
	char msg[1024], pids[256], only[1024];
	struct stat sb;
	size_t i, o = 0;

	if (x->orphan_deadline == 0) {
		x->orphan_deadline = pm2_now_ms() + 3000;
		pm2_orphans_find(p, x);
		if (x->norphans > 0) {
			for (i = 0; i < x->norphans && o < sizeof(pids); i++)
				o += (size_t)snprintf(pids + o,
				    sizeof(pids) - o, " %ld", x->orphans[i]);
			p->h->log(p->m, RDD_LOG_WARN,
			    "PM2 daemon is gone but "
			    "its apps still run: SIGTERM to orphan pid%s%s",
			    x->norphans > 1 ? "s" : "", pids);
			p->h->journal(
			    p->m, "orphans-killed", PM2_DAEMON_TARGET, pids);
			for (i = 0; i < x->norphans; i++)
				kill((pid_t)x->orphans[i], SIGTERM);
			o = strlen(x->what);
			snprintf(x->what + o, sizeof(x->what) - o,
			    "killed orphan%s%s; ", x->norphans > 1 ? "s" : "",
			    pids);
			x->timer = p->h->timer_add(
			    p->m, 50, 0, pm2_orphans_wait_cb, x);
			return;
		}
	}
	o = strlen(x->what);
	if (x->eco_next == 0 && !x->resurrected) {
		x->resurrected = 1;
		if (x->act == PM2_RESTART && stat(p->dump, &sb) == 0 &&
		    sb.st_size > 2) {
			argv[0] = p->cfg->pm2_bin;
			argv[1] = "resurrect";
			argv[2] = NULL;
			snprintf(x->what + o, sizeof(x->what) - o,
			    "pm2 resurrect (%s)", p->dump);
			x->eco_next = (size_t)-1; /* no ecosystem after it */
			x->started = 1;
			pm2_run_rec(x, argv, pm2_daemon_cmd_cb);
			return;
		}
	}
	while (x->eco_next != (size_t)-1 && x->eco_next < p->cfg->ecosystem.n) {
		const char *file = p->cfg->ecosystem.v[x->eco_next++];

		if (pm2_eco_only(p, x->eco_next - 1, only, sizeof(only)) == 0)
			continue;
		argv[0] = p->cfg->pm2_bin;
		argv[1] = "start";
		argv[2] = file;
		argv[3] = only[0] ? "--only" : NULL;
		argv[4] = only[0] ? only : NULL;
		argv[5] = NULL;
		snprintf(x->what + o, sizeof(x->what) - o, "%spm2 start %s%s%s",
		    x->started ? ", " : "", file, only[0] ? " --only " : "",
		    only);
		x->started = 1;
		pm2_run_rec(x, argv, pm2_daemon_cmd_cb);
		return;
	}
	if (!x->started) {
		/* Nothing to start: an empty daemon, as PM2 had none. */
		x->started = 1;
		argv[0] = p->cfg->pm2_bin;
		argv[1] = "ping";
		argv[2] = NULL;
		snprintf(x->what + o, sizeof(x->what) - o,
		    "pm2 ping (starts an empty daemon: no dump.pm2 and no "
		    "app of an ecosystem file to start)");
		pm2_run_rec(x, argv, pm2_daemon_cmd_cb);
		return;
	}
	if (pm2_try_connect(p) != 0) {
		snprintf(msg, sizeof(msg),
		    "%s, but PM2 still does not answer: "
		    "%s",
		    x->what, p->down_why);
		pm2_rec_finish(x, 0, msg);
		return;
	}
	snprintf(msg, sizeof(msg), "PM2 daemon started: %s", x->what);
	pm2_rec_finish(x, 1, msg);
}

static void
pm2_god_wait_cb(void *arg)
{
	struct pm2_rec *x = arg;
	struct pm2 *p = x->p;
	char msg[1200];

	x->timer = 0;
	if (orphan_is_pm2_god("/proc", x->god)) {
		if (pm2_mono_ms() < x->god_deadline) {
			x->timer =
			    p->h->timer_add(p->m, 50, 0, pm2_god_wait_cb, x);
			return;
		}
		snprintf(msg, sizeof(msg),
		    "%sbut pid %ld is still alive 5 s after SIGKILL: check "
		    "it (uninterruptible sleep, D state)",
		    x->what, x->god);
		pm2_rec_finish(x, 0, msg);
		return;
	}
	p->hang_since = 0;
	p->hang_pid = 0;
	pm2_daemon_step(x);
}

/*
 * A God daemon that did not answer for hang_max: SIGKILL (it may be
 * stopped; SIGTERM would wait for it), so that its apps end with it and
 * the resurrect that follows starts each of them exactly once.
 */
static void
pm2_kill_god(struct pm2_rec *x, long pid, int64_t dur)
{
	struct pm2 *p = x->p;
	char d[32], hm[32], msg[512];

	pm2_fmt_ms(d, sizeof(d), dur);
	pm2_fmt_ms(hm, sizeof(hm), p->cfg->hang_max);
	snprintf(msg, sizeof(msg),
	    "PM2 daemon pid %ld has not answered for %s (hang_max %s): "
	    "SIGKILL, then its apps are started again once",
	    pid, d, hm);
	p->h->log(p->m, RDD_LOG_WARN, "%s", msg);
	p->h->journal(p->m, "pm2-killed", PM2_DAEMON_TARGET, msg);
	snprintf(x->what, sizeof(x->what),
	    "killed hung PM2 daemon pid %ld (no answer for %s); ", pid, d);
	conn_close(&p->conn, "PM2 daemon killed: it did not answer");
	if (kill((pid_t)pid, SIGKILL) != 0 && errno != ESRCH) {
		snprintf(msg, sizeof(msg), "cannot kill PM2 daemon pid %ld: %s",
		    pid, strerror(errno));
		pm2_rec_finish(x, 0, msg);
		return;
	}
	x->god = pid;
	x->god_deadline = pm2_mono_ms() + 5000;
	x->timer = p->h->timer_add(p->m, 20, 0, pm2_god_wait_cb, x);
	if (x->timer == 0)
		pm2_god_wait_cb(x);
}

/*
 * The daemon did not answer (why): a live God daemon is waited for until
 * hang_max, then killed; anything else runs the ladder.
 */
static void
pm2_daemon_unanswered(struct pm2_rec *x, const char *why, int64_t since)
{
	struct pm2 *p = x->p;
	char msg[900], d[32], hm[32];
	int64_t dur;
	long pid;
	int alive;

	pid = pm2_daemon_pid(p, &alive);
	if (alive != PM2_GOD) {
		pm2_daemon_step(x);
		return;
	}
	dur = pm2_hang_for(p, pid, since, why);
	if (dur >= p->cfg->hang_max) {
		pm2_kill_god(x, pid, dur);
		return;
	}
	pm2_fmt_ms(d, sizeof(d), dur);
	pm2_fmt_ms(hm, sizeof(hm), p->cfg->hang_max);
	snprintf(msg, sizeof(msg),
	    "PM2 daemon pid %ld is alive but has not answered for %s "
	    "(%.300s): no pm2 command runs before hang_max (%s); its apps "
	    "may still serve",
	    pid, d, why, hm);
	pm2_rec_finish(x, 0, msg);
}

/*
 * A connect alone proves nothing: a SIGKILLed daemon's listening socket can
 * accept for a moment after pub.sock said EOF. Only an answered request
 * means the daemon is up; anything else runs the ladder.
 */
static void
pm2_daemon_probe_cb(void *arg, const struct rpc_reply *r, const char *err)
{
	struct pm2_rec *x = arg;
	char msg[300];
	long pid;
	int alive;

	x->reqs[0] = 0;
	x->nreq = 0;
	if (r != NULL)
		pm2_hang_over(x->p);
	if (r != NULL && r->ok) {
		pid = pm2_daemon_pid(x->p, &alive);
		snprintf(msg, sizeof(msg),
		    "PM2 daemon is up (pid %ld) and answers: nothing to do",
		    pid);
		pm2_rec_finish(x, 1, msg);
		return;
	}
	if (r == NULL) {
		pm2_daemon_unanswered(x, err, x->sent_ms);
		return;
	}
	pm2_daemon_step(x);
}

static void
pm2_recover_daemon(struct pm2 *p, struct pm2_rec *x)
{
	char why[256];

	if (x->act == PM2_START_BACKUP) {
		pm2_rec_finish(x, RDD_RECOVERY_NOT_APPLICABLE,
		    "start-backup does not apply to the PM2 "
		    "daemon: restart and start-from-ecosystem did not bring "
		    "it back");
		return;
	}
	/* Set first, so a drop during the probe is not pushed twice. */
	x->daemon = 1;
	x->sent_ms = pm2_mono_ms();
	if (pm2_try_connect(p) == 0) {
		x->nreq = 1;
		x->reqs[0] = conn_call0(&p->conn, rpc_get_monitor_data,
		    pm2_daemon_probe_cb, x, why, sizeof(why));
		if (x->reqs[0] != 0)
			return;
		x->nreq = 0;
	} else
		snprintf(why, sizeof(why), "%s", p->down_why);
	pm2_daemon_unanswered(x, why, x->sent_ms);
}

static void
pm2_recover(void *ctx, struct rdd_recovery *r, const char *target,
    const char *action, unsigned attempt)
{
	struct pm2 *p = ctx;
	struct pm2_rec *x;
	enum pm2_action act;
	char msg[600];

	(void)attempt;
	if (action == NULL || target == NULL) {
		p->h->recovery_done(r, 0, "no action or target");
		return;
	}
	if (strcmp(action, "restart") == 0)
		act = PM2_RESTART;
	else if (strcmp(action, "start-from-ecosystem") == 0)
		act = PM2_START_ECO;
	else if (strcmp(action, "start-backup") == 0)
		act = PM2_START_BACKUP;
	else {
		snprintf(msg, sizeof(msg),
		    "unknown action '%s': the pm2 "
		    "plugin's actions are restart, start-from-ecosystem, "
		    "start-backup",
		    action);
		p->h->recovery_done(r, 0, msg);
		return;
	}
	if (strncmp(target, PM2_ECO_PREFIX, strlen(PM2_ECO_PREFIX)) == 0) {
		snprintf(msg, sizeof(msg),
		    "%s: redundancyd does not edit "
		    "ecosystem files: fix the errors the target reports",
		    target);
		p->h->recovery_done(r, RDD_RECOVERY_NOT_APPLICABLE, msg);
		return;
	}
	if ((x = pm2_rec_new(p, r, target, act)) == NULL)
		return;
	if (strcmp(target, PM2_DAEMON_TARGET) == 0) {
		pm2_recover_daemon(p, x);
		return;
	}
	switch (act) {
	case PM2_RESTART:
		pm2_restart_app(p, x);
		break;
	case PM2_START_ECO:
		pm2_start_eco(p, x);
		break;
	case PM2_START_BACKUP:
		pm2_start_backup(p, x);
		break;
	}
}

/* ---- life cycle ---- */

static char *
pm2_schema_path(const char *bin)
{
	const char *path = getenv("PATH"), *s, *c;
	char buf[PATH_MAX], *real, *slash, *out = NULL;

	buf[0] = '\0';
	if (strchr(bin, '/') != NULL)
		snprintf(buf, sizeof(buf), "%s", bin);
	else
		for (s = path; s != NULL && *s; s = *c ? c + 1 : c) {
			c = strchr(s, ':');
			if (c == NULL)
				c = s + strlen(s);
			snprintf(
			    buf, sizeof(buf), "%.*s/%s", (int)(c - s), s, bin);
			if (access(buf, X_OK) == 0)
				break;
			buf[0] = '\0';
		}
	if (buf[0] == '\0' || (real = realpath(buf, NULL)) == NULL)
		return NULL;
	/* .../pm2/bin/pm2 -> .../pm2/lib/API/schema.json */
	if ((slash = strrchr(real, '/')) != NULL) {
		*slash = '\0';
		if ((slash = strrchr(real, '/')) != NULL) {
			*slash = '\0';
			if (asprintf(&out, "%s/lib/API/schema.json", real) < 0)
				out = NULL;
		}
	}
	free(real);
	return out;
}

static void
pm2_free(struct pm2 *p)
{
	size_t i;

	pm2_eco_free_all(p->eco, p->neco);
	pm2_eco_free_all(p->eco_new, p->cfg->ecosystem.n);
	eco_schema_free(&p->schema);
	pm2_tracks_free(&p->tracks);
	procs_list_free(&p->list);
	pm2_names_free(&p->opstop);
	pm2_names_free(&p->opdel);
	pm2_names_free(&p->running);
	pm2_names_free(&p->held);
	for (i = 0; i < p->nprev; i++)
		free(p->prev[i].name);
	free(p->prev);
	free(p->eco_child);
	free(p->eco_st);
	free(p->healthy_since);
	free(p->pids_saved);
	free(p->home);
	free(p);
}

static int
pm2_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	const struct pm2_config *cfg = config;
	struct pm2 *p;
	const char *home = cfg->pm2_home, *env, *h;
	char *schema, serr[512];
	size_t i;

	*ctx = NULL;
	for (i = 0; i < cfg->backup_env.n; i++)
		if (strchr(cfg->backup_env.v[i], '=') == NULL ||
		    cfg->backup_env.v[i][0] == '=') {
			snprintf(err, errlen,
			    "backup_env: entry %zu \"%s\" is "
			    "not K=V or APP:K=V: write it like \"PORT=3101\"",
			    i + 1, cfg->backup_env.v[i]);
			return -1;
		}
	for (i = 0; i < cfg->ecosystem.n; i++)
		if (eco_kind_of(cfg->ecosystem.v[i]) == ECO_UNKNOWN) {
			snprintf(err, errlen,
			    "ecosystem: \"%s\" is not an "
			    "ecosystem file name: PM2 reads .config.js, .cjs, "
			    ".mjs, .json, .yaml and .yml",
			    cfg->ecosystem.v[i]);
			return -1;
		}
	if (cfg->backup_prefix == NULL || cfg->backup_prefix[0] == '\0') {
		snprintf(err, errlen,
		    "backup_prefix: empty: a backup needs "
		    "a name of its own; keep the default \"backup-\"");
		return -1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto nomem;
	p->h = host;
	p->m = m;
	p->cfg = cfg;
	if (home == NULL || home[0] == '\0')
		home =
		    (env = getenv("PM2_HOME")) != NULL && env[0] ? env : NULL;
	if (home == NULL) {
		h = getenv("HOME");
		if (asprintf(&p->home, "%s/.pm2", h ? h : "/root") < 0)
			p->home = NULL;
	} else
		p->home = strdup(home);
	if (p->home == NULL)
		goto nomem_free;
	if (strlen(p->home) + sizeof("/rpc.sock") > 108) {
		snprintf(err, errlen,
		    "pm2_home: \"%s\" is too long for a "
		    "unix socket path (%zu bytes at most): use a shorter one",
		    p->home, 108 - sizeof("/rpc.sock"));
		pm2_free(p);
		return -1;
	}
	snprintf(p->pidfile, sizeof(p->pidfile), "%s/pm2.pid", p->home);
	snprintf(p->dump, sizeof(p->dump), "%s/dump.pm2", p->home);
	p->lim.memory_max = cfg->memory_max;
	p->lim.cpu_max = cfg->cpu_max;
	p->lim.cpu_window = cfg->cpu_window;
	p->lim.restarts_max = (int)cfg->restarts_max;
	p->lim.restarts_window = cfg->restarts_window;
	p->lim.confirm = cfg->verify;
	if (cfg->ecosystem.n > 0) {
		p->eco_child = calloc(cfg->ecosystem.n, sizeof(*p->eco_child));
		p->eco_st = calloc(cfg->ecosystem.n, sizeof(*p->eco_st));
		if (p->eco_child == NULL || p->eco_st == NULL)
			goto nomem_free;
	}
	if (cfg->critical.n > 0 && (p->healthy_since = calloc(cfg->critical.n,
	                                sizeof(*p->healthy_since))) == NULL)
		goto nomem_free;
	p->tracks.window = cfg->restarts_window;
	conn_init(&p->conn, host, m, p->home, pm2_event_cb, pm2_down_cb, p);
	p->conn.timeout_ms = cfg->rpc_timeout;
	if ((schema = pm2_schema_path(cfg->pm2_bin)) != NULL) {
		if (eco_schema_load(&p->schema, schema, serr, sizeof(serr)) !=
		    0)
			host->log(m, RDD_LOG_WARN,
			    "%s; ecosystem keys are not "
			    "checked against PM2's schema",
			    serr);
		free(schema);
	} else if (cfg->ecosystem.n > 0)
		host->log(m, RDD_LOG_WARN,
		    "pm2_bin '%s' not found in PATH: "
		    "ecosystem keys are not checked against PM2's schema",
		    cfg->pm2_bin);
	pm2_names_load(p, &p->opstop, "operator_stopped");
	pm2_names_load(p, &p->opdel, "operator_deleted");
	p->running_known = pm2_names_load(p, &p->running, "running");
	*ctx = p;
	return 0;
nomem_free:
	pm2_free(p);
nomem:
	snprintf(err, errlen, "pm2: out of memory");
	return -1;
}

static int
pm2_start(void *ctx)
{
	struct pm2 *p = ctx;

	pm2_eco_load(p);
	if (pm2_try_connect(p) != 0) {
		p->h->log(p->m, RDD_LOG_WARN, "PM2 at %s is not reachable: %s",
		    p->home, p->down_why);
		p->backoff = PM2_BACKOFF_MIN;
		pm2_schedule_retry(p);
	}
	return 0;
}

static void
pm2_stop(void *ctx)
{
	struct pm2 *p = ctx;
	size_t i;

	while (p->recs != NULL)
		pm2_rec_free(p->recs); /* the host forgets them itself */
	if (p->check_child != 0)
		p->h->child_cancel(p->m, p->check_child);
	p->check_child = 0;
	p->check = NULL;
	p->check_req = 0;
	for (i = 0; p->eco_child != NULL && i < p->cfg->ecosystem.n; i++)
		if (p->eco_child[i] != 0) {
			p->h->child_cancel(p->m, p->eco_child[i]);
			p->eco_child[i] = 0;
		}
	p->eco_pending = 0;
	if (p->retry_timer != 0)
		p->h->timer_del(p->m, p->retry_timer);
	p->retry_timer = 0;
	if (p->held_req != 0)
		conn_cancel(&p->conn, p->held_req);
	p->held_req = 0;
	conn_close(&p->conn, "monitor stopped");
}

static void
pm2_destroy(void *ctx)
{
	struct pm2 *p = ctx;

	if (p == NULL)
		return;
	pm2_stop(p);
	pm2_free(p);
}

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
    RDD_PLUGIN_HEADER,
    .name = "pm2",
    .version = "1.0.0",
    .description = "watch a PM2 daemon over its own sockets and repair "
                   "its apps: restart, start from the ecosystem file, "
                   "fail over to a backup",
    .options = pm2_options,
    .config_size = sizeof(struct pm2_config),
    .actions = pm2_actions,
    .create = pm2_create,
    .start = pm2_start,
    .check = pm2_check,
    .recover = pm2_recover,
    .command = NULL,
    .stop = pm2_stop,
    .destroy = pm2_destroy,
};
