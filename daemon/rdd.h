/*
 * rdd.h: the host daemon's internal types and the interfaces between its
 * modules. One struct rdd_daemon holds all state; modules get it explicitly.
 */
#ifndef RDD_H
#define RDD_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "redundancyd/rdd_plugin.h"

struct event_base;
struct event;
struct rdd_daemon;

#define RDD_ERRLEN 512

/* A recovery action that has not answered by then counts as failed. */
#define RDD_RECOVER_DEADLINE_MS (5 * 60 * 1000)
/*
 * `recover --wait` without a timeout: every attempt ends by its deadline,
 * so this bounds only the wait for a slot (max_concurrent_recoveries).
 */
#define RDD_RECOVER_WAIT_MS (RDD_RECOVER_DEADLINE_MS + 10 * 1000)

/* ---- errlist: collected errors, each "file:line: message" ---- */
struct errlist {
	char **v;
	size_t n;
};
void errlist_add(struct errlist *e, const char *fmt, ...) RDD_PRINTF(2, 3);
void errlist_free(struct errlist *e);

/* ---- util.c ---- */
int64_t util_now_ms(void);	/* monotonic */
int64_t util_wall_ms(void);	/* realtime, for journals and since-times */
/* Parse "30", "30s", "500ms", "5m", "1h", "2d" to milliseconds. */
int util_parse_duration(const char *s, int64_t *ms);
/* Parse "1024", "80K", "80M", "2G" (powers of 1024) to bytes. */
int util_parse_size(const char *s, int64_t *bytes);
/* Write a file atomically: temp file, fsync, rename, fsync of the dir. */
int util_write_atomic(const char *path, const void *buf, size_t len,
    mode_t mode);
/* Read a whole file (NUL-terminated) up to max bytes. */
char *util_read_file(const char *path, size_t max, size_t *len);
int util_mkdirs(const char *path, mode_t mode);
const char *util_state_name(enum rdd_state st);
/* The shortest of %.15g, %.16g, %.17g that reads back as v: 2.654. */
void util_fmt_double(char *buf, size_t len, double v);
/* Close every descriptor from lowfd up (a fresh child's inheritance). */
void util_close_from(int lowfd);
/*
 * /proc/PID/stat's start time (clock ticks since boot), 0 if gone; with
 * pgrp non-NULL also the process group. util_group_alive counts the
 * processes of group pgid started at or after start, the recorded start
 * time of its leader; 0 when a leader with another start time holds the
 * id (a recycled id: never ours).
 */
unsigned long long util_proc_stat(pid_t pid, pid_t *pgrp);
unsigned long long util_proc_start(pid_t pid);
int util_group_alive(pid_t pgid, unsigned long long start);
/* "a FIFO", "a directory", ...: for messages about the wrong file type. */
const char *util_file_kind(mode_t mode);
/*
 * open(2) a file that must be regular: never blocks (FIFO), never follows
 * a symbolic link. On -1, *kind names what is there instead ("a FIFO",
 * "a symbolic link", ...) or is NULL for an ordinary error in errno.
 */
int util_open_regular(
    const char *path, int flags, mode_t mode, const char **kind);
/*
 * Append one record (a line ending in '\n') in one write(2) to an
 * O_APPEND descriptor. A short write is undone (ftruncate back) so that no
 * record is ever glued onto half of another; if it cannot be, *partial is
 * set and the next record starts with '\n'. Returns len or -1 and errno.
 */
ssize_t util_append(int fd, const char *rec, size_t len, int *partial);
/* What to do about a failed write, for the message: "free space ...". */
const char *util_write_fix(int err);
/* 1 if the file does not end with '\n' (a crash mid-line): *partial. */
int util_ends_midline(int fd);

/* ---- log.c: system.log, one file per monitor, stderr, syslog ---- */
struct log_conf {
	const char *dir;	/* NULL: no files */
	int foreground;		/* copy to stderr */
	int syslog;		/* also to syslog(3) */
	enum rdd_log_level level;
};
int log_setup(const struct log_conf *lc, char *err, size_t errlen);
void log_reopen(void);	/* SIGUSR1 */
void log_close(void);
/* monitor NULL: system.log; else <dir>/<monitor>.log (and system.log). */
void log_vwrite(const char *monitor, enum rdd_log_level lvl, const char *fmt,
    va_list ap);
void log_write(const char *monitor, enum rdd_log_level lvl, const char *fmt,
    ...) RDD_PRINTF(3, 4);
/* A worker hands its lines to the master instead of writing them. */
typedef void (*log_sink_fn)(void *arg, const char *monitor,
    enum rdd_log_level lvl, const char *text);
void log_set_sink(log_sink_fn fn, void *arg);
/* Until ready, a background daemon copies its errors to fd (-1: stop). */
void log_start_errors(int fd);
int log_enabled(enum rdd_log_level lvl);
/*
 * A failure that repeats (a full disk): logged once, then summed up at
 * most every LOG_LIMIT_EVERY_MS; log_limit_ok logs the end once, when
 * writes have worked for LOG_LIMIT_SETTLE_MS (a disk on the edge of full
 * takes a small record after a big one failed: that is no recovery).
 */
#define LOG_LIMIT_EVERY_MS (60 * 1000)
#define LOG_LIMIT_SETTLE_MS (3 * 1000)
struct log_limit {
	unsigned long total;       /* failures in this streak, 0: none */
	unsigned long unsaid;      /* since the last line about it */
	int64_t first_ms, said_ms; /* monotonic */
	int ok;                    /* writes work again, since ok_ms */
	int64_t ok_ms;
};
void log_limit_fail(struct log_limit *l, enum rdd_log_level lvl,
    const char *fmt, ...) RDD_PRINTF(3, 4);
void log_limit_ok(struct log_limit *l, const char *fmt, ...) RDD_PRINTF(2, 3);
#define log_err(...) log_write(NULL, RDD_LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_write(NULL, RDD_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_write(NULL, RDD_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_write(NULL, RDD_LOG_DEBUG, __VA_ARGS__)

/* ---- redact.c: secrets never reach a log, journal or reply ---- */
void redact_add(const char *secret);	/* registered secrets */
void redact_clear(void);
/* Returns a malloc'd copy of s with secrets and token shapes masked. */
char *redact_str(const char *s);

/* ---- journal.c: append-only JSON lines ---- */
int journal_open(const char *path, char *err, size_t errlen);
/* SIGUSR1: the same path again, after logrotate moved the file. */
int journal_reopen(char *err, size_t errlen);
void journal_close(void);
/* kind: detect, action, result, reload, control, start, stop, giveup ... */
void journal_write(const char *kind, const char *monitor, const char *target,
    const char *msg, long uid);
typedef void (*journal_sink_fn)(void *arg, const char *kind,
    const char *monitor, const char *target, const char *msg);
void journal_set_sink(journal_sink_fn fn, void *arg);
/* daemon.host and daemon.environment, in every record from now on. */
void journal_set_identity(const char *host, const char *environment);
/* The latest incident records (detect, recovered, giveup ...), newest
 * first: a new json-c array, for the dashboard. */
void *journal_recent_json(void);
/*
 * Records newer than since_ms (wall clock), as a JSON array string, from
 * path and, right after a rotation, the end of path.1.
 */
char *journal_read_since(const char *path, int64_t since_ms, size_t max);

/* ---- conf.c: libconfig main file + conf.d drop-ins ---- */
struct conf_recovery {
	int max_attempts;	/* per incident, default 3 */
	int64_t delay_ms;	/* first delay, default 5 s */
	double backoff;		/* factor, default 2.0 */
	int64_t max_delay_ms;	/* cap, default 5 m */
	int64_t cooldown_ms;	/* after give-up or success, default 10 m */
	int64_t window_ms;	/* sliding window for give-up, default 1 h */
	int window_max;		/* recoveries in window before give-up, 10 */
	int hard_after;		/* consecutive failures -> hard, default 1 */
	double flap_low, flap_high; /* percent state change, 20 / 50 */
	int dry_run;                /* mode = "dry-run": journal, never act */
};

struct conf_monitor {
	char *name;
	char *plugin;
	int enabled;
	int64_t interval_ms;
	int64_t timeout_ms;	/* check timeout, default min(interval, 60 s) */
	struct rdd_strlist depends_on;
	struct conf_recovery rec; /* global recovery with monitor overrides */
	char *file;		/* where the monitor was declared */
	int line;
	const void *setting;	/* libconfig setting, valid while conf lives */
	void *plugin_config;	/* filled struct of plugin's config_size */
	const struct rdd_plugin *pd; /* set by conf_bind_plugins */
	int isolate;		/* a worker of its own */
	char *user, *group;	/* the worker's account; NULL: daemon's */
	int64_t memory_max;	/* worker RSS limit; 0: daemon.memory_max */
	char *renamed_from;     /* a reload found it renamed (conf_renames) */
};

/* daemon.control_socket when unset; redundancyctl's default too. */
#define RDD_DEFAULT_CONTROL_SOCKET "/run/redundancyd/control.sock"

struct conf {
	char *path;
	char *plugin_dir;
	char *state_dir;
	char *log_dir;
	char *control_socket;
	char *control_group;	/* NULL: owner only */
	char *http_listen;	/* "127.0.0.1:9321"; NULL or "" disables */
	int http_any;		/* operator allows a non-loopback address */
	char *pidfile;
	int syslog;
	int64_t startup_delay_ms;
	int max_concurrent_recoveries;
	int max_children;
	int max_transfers;
	int64_t shutdown_deadline_ms;
	int64_t stall_timeout_ms;	/* a worker that does not answer: killed */
	int64_t ping_interval_ms;	/* how often the master asks */
	int64_t memory_max;	/* worker RSS limit */
	char *user, *group;	/* default account of plugin workers */
	int master_root;	/* keep the master root even when it could drop */
	struct conf_recovery rec;
	struct conf_monitor *mon;
	size_t nmon;
	void *cfgs;		/* libconfig objects, one per file */
	size_t ncfgs;
	char **files;		/* the files read, in order */
	/*
	 * What the master knows of each plugin in use, from a probe child:
	 * name, version, description and actions; no code, no options.
	 */
	struct rdd_plugin **pinfo;
	size_t npinfo;
	struct alerts_conf *alerts; /* the `alerts` group, or NULL */
	char *environment;          /* daemon.environment or -e; "" if none */
	char *host;                 /* daemon.host; default gethostname() */
	int config_history; /* entries kept in config-history/, 0: off */
	/*
	 * The bytes of files[i] as read for this configuration (what the
	 * configuration history keeps), text_len[i] long.
	 */
	char **text;
	size_t *text_len;
};
/* An info descriptor for plugin name, or NULL. */
const struct rdd_plugin *conf_pinfo(const struct conf *c, const char *name);
/* Takes a malloc'd descriptor whose strings and actions are malloc'd. */
int conf_pinfo_add(struct conf *c, struct rdd_plugin *pi);

/*
 * Load path and <dir of path>/conf.d/ *.conf in name order. Errors go to errs
 * as "file:line: message". Returns NULL if there was any error.
 */
struct conf *conf_load(const char *path, struct errlist *errs);
/*
 * Fill each monitor's plugin_config from its plugin's option table;
 * lookup returns the descriptor for a plugin name or NULL.
 */
int conf_bind_plugins(struct conf *c,
    const struct rdd_plugin *(*lookup)(void *arg, const char *name),
    void *arg, struct errlist *errs);
/* The same for the monitors of one plugin only (a worker's). */
int conf_bind_plugin(struct conf *c, const char *plugin,
    const struct rdd_plugin *pd, struct errlist *errs);
void conf_free(struct conf *c);
/*
 * Marks each monitor of next that is one of prev's under a new name: same
 * plugin, account and plugin options (how the engine watches it, such as
 * interval or depends_on, may differ) and no other monitor that could be it
 * either way. Returns how many.
 */
size_t conf_renames(const struct conf *prev, struct conf *next);
/* Fill one options struct (also used by tests and --plugin-help). */
int conf_fill_options(const struct rdd_option *opts, void *dst,
    const void *setting, const char *file, struct errlist *errs);
void conf_free_options(const struct rdd_option *opts, void *dst);
/* Dependency order: indexes of monitors, upstream first; -1 on a cycle. */
int conf_topo_order(const struct conf *c, size_t *order, struct errlist *errs);
/* -- conf.c additions (helper "conf") -- */
/*
 * conf_load, also collecting warnings (unknown top-level, daemon or recovery
 * keys) as "file:line: message" in warns (may be NULL). A conf_strlist
 * filled by conf.c is NULL-terminated (v[n] == NULL), usable as an argv.
 */
struct conf *conf_load2(const char *path, struct errlist *errs,
    struct errlist *warns);
/* One file given in memory instead of read from the disk. */
struct conf_src {
	const char *path;
	const char *text;
	size_t len;
};
/*
 * conf_load2 with an environment that overrides the main file's
 * daemon.environment (redundancyd -e; NULL: none) and, with nsrc > 0,
 * the files themselves from memory: src[0] the main file, then the
 * drop-ins in reading order (a rollback is checked before a byte is
 * written). Files from memory skip the ownership checks of the disk.
 */
struct conf *conf_load_with(const char *path, const char *environment,
    const struct conf_src *src, size_t nsrc, struct errlist *errs,
    struct errlist *warns);
/*
 * The files conf_load_with would read now for environment env (NULL or
 * ""; none): path, then the drop-ins, n of them in all; NULL on an error.
 */
char **conf_list_files(const char *path, const char *env, size_t *n);
/* Whether s is a usable environment name: [A-Za-z0-9_.-]+, no leading '.'. */
int conf_env_name_ok(const char *s);
#define CONF_ENV_MAX 64
#define CONF_TEXT_MAX (1024 * 1024) /* the largest config file read */
/* -- end of conf.c additions -- */

/* ---- udiff.c: unified diffs in memory, bounded ---- */
struct udiff_out {
	char *s; /* NUL-terminated, malloc'd */
	size_t len, cap;
	size_t max; /* 0: no bound; past it nothing more is added */
	int truncated;
};
/*
 * Append the unified diff (3 lines of context) of text a against text b
 * to o. Returns 0 when they are the same (nothing added), 1 when a diff
 * was added, -1 out of memory.
 */
int udiff(struct udiff_out *o, const char *alabel, const char *a, size_t alen,
    const char *blabel, const char *b, size_t blen);
void udiff_puts(struct udiff_out *o, const char *s, size_t len);
void udiff_printf(struct udiff_out *o, const char *fmt, ...) RDD_PRINTF(2, 3);

/* ---- loader.c: dlopen of plugins with ABI checks ---- */
struct loader_entry {
	char *path;
	char *file;		/* base name */
	void *dl;		/* dlopen handle, NULL if refused */
	const struct rdd_plugin *pd;
	char *error;		/* why refused, NULL if loaded */
	/*
	 * (loader) Host copy of the descriptor, zeroed beyond the plugin's
	 * declared size; pd points here, so an entry must not move once
	 * loaded.
	 */
	struct rdd_plugin copy;
};
struct loader {
	struct loader_entry *v;
	size_t n;
};
/* Scan dir for *.so; refused files carry error, others keep loading. */
int loader_scan(struct loader *l, const char *dir, uid_t allowed_uid);
/*
 * Load one file: opened once (O_NOFOLLOW), checked through that descriptor
 * with every directory above it, and dlopened through /proc/self/fd, so the
 * file checked is the file loaded. Returns 0, or -1 with e->error. Not
 * thread-safe.
 */
int loader_load_file(struct loader_entry *e, const char *path,
    uid_t allowed_uid);
/*
 * Load the plugin a configuration names: exactly dir/name.so, refused if
 * name is not a valid plugin name or the file declares another name.
 */
int loader_load_name(struct loader_entry *e, const char *dir,
    const char *name, uid_t allowed_uid);
const struct rdd_plugin *loader_find(struct loader *l, const char *name);

void loader_free(struct loader *l);
/* ---- loader.c additions (loader helper) ---- */
#include <stdio.h>
/* Release what loader_load_file filled (loader_free does it per entry). */
void loader_entry_free(struct loader_entry *e);
/* --plugins: one line per file, "REFUSED: reason" for a refused one. */
void loader_print(const struct loader *l, FILE *out);
/* --plugin-help: identity, recovery ladder and the option table. */
void loader_print_help(const struct rdd_plugin *pd, FILE *out);
/* The same as a man(7) section: the build puts it in redundancyd.conf(5). */
void loader_print_help_man(const struct rdd_plugin *pd, FILE *out);
/*
 * --plugins without loading anything into the caller: each *.so of dir is
 * loaded in a child process (5 s, then SIGKILL), so a plugin whose
 * constructor aborts or crashes is reported, not fatal. Output as
 * loader_print. Returns 0, or -1 with errno if dir cannot be read.
 */
int loader_inspect_dir(const char *dir, uid_t allowed_uid, FILE *out);
/*
 * --plugin-help for dir/name.so, loaded in a child process. Returns 0, or 1
 * with a message naming the file on stderr.
 */
int loader_inspect_help(const char *dir, const char *name, uid_t allowed_uid,
    FILE *out);
/* The same, printed by loader_print_help_man. */
int loader_inspect_help_man(const char *dir, const char *name,
    uid_t allowed_uid, FILE *out);
/* ---- end of loader.c additions ---- */

/* ---- svc_child.c: async children ---- */
struct svc_child;
struct svc_child *svc_child_new(struct event_base *base, int max_children);
/* owner: fairness key (the monitor); queued when the cap is reached. */
uint64_t svc_child_run(struct svc_child *s, const void *owner,
    const struct rdd_child_spec *spec, rdd_child_cb cb, void *arg);
/*
 * A check's child: when it exits (by itself or after a timeout), SIGKILL
 * what is left of its process group, so a check leaves nothing behind.
 */
#define SVC_CHILD_KILL_GROUP 0x1
uint64_t svc_child_run_flags(struct svc_child *s, const void *owner,
    const struct rdd_child_spec *spec, unsigned flags, rdd_child_cb cb,
    void *arg);
/*
 * A tag set before svc_child_run sticks to the jobs it makes; when such a
 * job's child has exec'd, the spawn hook gets the tag and its pid (also
 * its process group): a recovery's children are recorded that way.
 */
typedef void (*svc_child_spawn_fn)(void *arg, uint64_t tag, pid_t pgid);
void svc_child_set_tag(struct svc_child *s, uint64_t tag);
void svc_child_on_spawn(struct svc_child *s, svc_child_spawn_fn fn,
    void *arg);
void svc_child_cancel(struct svc_child *s, uint64_t h);
void svc_child_cancel_owner(struct svc_child *s, const void *owner);
size_t svc_child_running(struct svc_child *s);
size_t svc_child_queued(struct svc_child *s);
void svc_child_free(struct svc_child *s);	/* kills what still runs */

/*
 * ---- plainhttp.c: http:// to an IP literal on evhttp, without libcurl ----
 * prepare copies the request, or returns NULL when it is not one of those
 * (https, a host name, a unix socket, an unusual method): curl takes it.
 * The callback runs from the loop, never inside start; free cancels.
 */
struct plainhttp;
typedef void (*plainhttp_cb)(void *arg, const struct rdd_http_response *res);
struct plainhttp *plainhttp_prepare(const struct rdd_http_request *req);
int plainhttp_start(struct plainhttp *p, struct event_base *base,
    plainhttp_cb cb, void *arg);
void plainhttp_free(struct plainhttp *p);

/* ---- svc_http.c: curl multi-socket on libevent ---- */
struct svc_http;
struct svc_http *svc_http_new(struct event_base *base, int max_transfers);
uint64_t svc_http_request(struct svc_http *s, const void *owner,
    const struct rdd_http_request *req, rdd_http_cb cb, void *arg);
/* The same, trusting the CAs in ca_file (PEM) instead of the system's. */
uint64_t svc_http_request_ca(struct svc_http *s, const void *owner,
    const struct rdd_http_request *req, const char *ca_file, rdd_http_cb cb,
    void *arg);
void svc_http_cancel(struct svc_http *s, uint64_t h);
void svc_http_cancel_owner(struct svc_http *s, const void *owner);
const char *svc_http_header(const struct rdd_http_response *res,
    const char *name, char *buf, size_t buflen);
/*
 * One mail through libcurl on the same multi handle (the alerts worker):
 * smtp:// with STARTTLS when offered, or smtps://. The response's status
 * is the last SMTP code; error is non-zero when the mail was not taken.
 */
struct svc_smtp_request {
	const char *url;             /* smtp://host:port or smtps://host */
	const char *from;            /* MAIL FROM */
	const char *const *rcpt;     /* RCPT TO, NULL-terminated */
	const char *user, *password; /* AUTH, or NULL */
	const char *message;         /* RFC 5322, CRLF line ends */
	size_t message_len;
	int64_t timeout_ms; /* 0: 30 s */
	const char *ca_file; /* PEM CAs for TLS, or NULL: the system's */
};
uint64_t svc_http_smtp(struct svc_http *s, const void *owner,
    const struct svc_smtp_request *req, rdd_http_cb cb, void *arg);
/*
 * Whether an smtp:// transfer must get TLS (STARTTLS) before AUTH: 1 when
 * a password would otherwise cross a network in clear (a server that is
 * not on loopback), 0 when STARTTLS is only tried (no password, or a
 * loopback relay). smtps:// is TLS from the start either way.
 */
int svc_http_smtp_needs_tls(const char *url, int has_password);
void svc_http_free(struct svc_http *s);

/* ---- svc_watch.c: inotify with a polling fallback ---- */
struct svc_watch;
struct svc_watch *svc_watch_new(struct event_base *base, int64_t poll_ms);
uint64_t svc_watch_add(struct svc_watch *s, const void *owner,
    const char *path, rdd_watch_cb cb, void *arg);
void svc_watch_del(struct svc_watch *s, uint64_t h);
void svc_watch_del_owner(struct svc_watch *s, const void *owner);
void svc_watch_free(struct svc_watch *s);

/* ---- fairq.c (added by the svc helper): the children's and transfers' queue */
/*
 * Jobs wait per owner in FIFO order; the next job comes from the owner served
 * least recently, so one owner with 200 jobs queued cannot starve another.
 * An entry is embedded in the job; it stays registered while it runs so that
 * its owner remembers when it was last served.
 */
struct fairq_owner;
struct fairq_ent {
	struct fairq_ent *prev, *next;	/* in its owner's FIFO while queued */
	struct fairq_owner *fo;
	int queued;
};
struct fairq {
	struct fairq_owner *owners;
	uint64_t serial;
	size_t nqueued;
	size_t nrunning;
};
void fairq_init(struct fairq *q);
/* Queue e for owner; -1 (ENOMEM) if the owner record cannot be made. */
int fairq_push(struct fairq *q, struct fairq_ent *e, const void *owner);
/* The next entry to run, now counted as running; NULL if none waits. */
struct fairq_ent *fairq_pop(struct fairq *q);
/* Forget e, whether queued or running. */
void fairq_remove(struct fairq *q, struct fairq_ent *e);
size_t fairq_queued(const struct fairq *q);
size_t fairq_running(const struct fairq *q);
void fairq_free(struct fairq *q);	/* entries stay the caller's */

/* ---- secret.c ---- */
/* From env_name, else file (must be 0600 or stricter, owned by us). */
char *secret_load(const char *env_name, const char *file, char *err,
    size_t errlen);

/* ---- state.c: persistent key/value state ---- */
struct state;
struct state *state_open(const char *path, char *err, size_t errlen);
/*
 * Lock dir (flock on dir/redundancyd.lock, which then holds our pid): the
 * descriptor to keep open, or -1 with err naming the holder's pid.
 */
int state_lock(const char *dir, char *err, size_t errlen);
/* Our pid into the lock file again (after daemonizing). */
void state_lock_pid(int fd, const char *dir);
const char *state_get(struct state *s, const char *scope, const char *key);
void state_set(struct state *s, const char *scope, const char *key,
    const char *value);
void state_del_scope(struct state *s, const char *scope);
/* A monitor's scopes to its new name; the count, or -1 (out of memory). */
int state_rename_scope(struct state *s, const char *from, const char *to);
/* fn for each scope that has key; fn must not change the state. */
size_t state_each(struct state *s, const char *key,
    void (*fn)(void *arg, const char *scope, const char *val), void *arg);
int state_flush(struct state *s);	/* atomic; no-op when clean */
int state_dirty(const struct state *s);
void state_free(struct state *s);

/* ---- control.c: the Unix socket, JSON lines ---- */
struct control;
/*
 * handler gets the parsed request (a json_object *) and the peer uid and
 * returns the reply (a json_object *, ownership passed) or NULL to reply
 * later with control_reply().
 */
struct control_req;
typedef void *(*control_handler)(void *arg, struct control_req *r,
    void *request, long uid);
struct control *control_new(struct event_base *base, const char *path,
    const char *group, control_handler h, void *arg, char *err,
    size_t errlen);
void control_reply(struct control_req *r, void *reply);
/* The same with a reply already serialised: one JSON text, no newline. */
void control_reply_text(struct control_req *r, const char *text);
void control_free(struct control *c);
/* Parse one request line; returns json_object * or NULL with err. */
void *control_parse(const char *line, size_t len, char *err, size_t errlen);
/* ---- control.c additions (control helper) ---- */
/*
 * Ownership of a struct control_req:
 *  - The handler returns a reply: control.c writes and frees it, and r is
 *    gone when the handler returns.
 *  - The handler returns NULL: it owns r and must finish it exactly once,
 *    with control_reply() (one reply; the connection then takes the next
 *    request) or control_end() (ends a stream and closes the connection,
 *    which is how a "logs -f" client learns the stream is over). r stays
 *    valid until then even if the client or the whole control goes away;
 *    output to a gone client is dropped. Never both return a reply and
 *    call control_reply().
 *  - The request json_object is freed after the handler returns; keep it
 *    with json_object_get(). Replies passed in are always consumed.
 *  - "ping" is answered by control.c without calling the handler.
 *  - The daemon must ignore SIGPIPE (replies to a closed peer use write).
 *  - control_free() may be called from inside the handler (the free waits
 *    until the handler returns).
 */
/*
 * Write line (one JSON text, like {"line":"..."}) and a newline without
 * finishing r; CR/LF inside become spaces; dropped if the client is gone.
 */
void control_stream(struct control_req *r, const char *line);
/* Write any JSON object (ownership passed) without finishing r. */
void control_send(struct control_req *r, void *obj);
/* Finish a streamed request: flush, then close the connection; frees r. */
void control_end(struct control_req *r);
/* 0 once the client went away (then stop streaming and control_end(r)). */
int control_req_alive(struct control_req *r);
/* ---- end of control.c additions ---- */

/* ---- httpd.c: /health, /metrics, / ---- */
struct httpd;
struct httpd *httpd_new(struct rdd_daemon *d, const char *listen,
    int allow_any, char *err, size_t errlen);
void httpd_free(struct httpd *h);
/* ---- httpd.c additions (control helper) ---- */
/* The bound TCP port (useful with "127.0.0.1:0" in tests). */
int httpd_port(const struct httpd *h);
/* One request head, as httpd_parse_head reads it (and the fuzzer). */
enum httpd_method { HTTPD_METHOD_GET, HTTPD_METHOD_HEAD, HTTPD_METHOD_OTHER };
enum httpd_route {
	HTTPD_ROUTE_NONE,
	HTTPD_ROUTE_PAGE,
	HTTPD_ROUTE_HEALTH,
	HTTPD_ROUTE_METRICS
};
struct httpd_head {
	enum httpd_method method;
	enum httpd_route route;
	int status; /* when malformed: 400, 431 or 505 */
};
/*
 * The length of the head through its blank line, 0 while incomplete, -1
 * when malformed or larger than 8192 bytes (then h->status says why).
 */
int httpd_parse_head(const char *buf, size_t len, struct httpd_head *h);
/* ---- end of httpd.c additions ---- */

/* ---- limits.c: what the surfaces share against connection floods ---- */
struct evconnlistener;
/* A rate-limited log of refused peers: one line per 10 s, then a count. */
struct limits_log {
	const char *what;    /* "control", "http": the line's prefix */
	int64_t last_ms;     /* when the last line was written */
	unsigned long held;  /* refusals counted but not written yet */
	struct event *flush; /* writes the count when the window ends */
};
/* min(want, RLIMIT_NOFILE / share), at least floor. */
size_t limits_cap(size_t want, size_t share, size_t floor);
/* Keep one fd on /dev/null to accept-and-close with when out of fds. */
void limits_spare_reserve(void);
void limits_spare_release(void);
int limits_log_init(
    struct limits_log *ll, struct event_base *base, const char *what);
void limits_log_free(struct limits_log *ll);
/* Log "what: message" unless one was written in the last 10 s: 1 if so. */
int limits_refused(struct limits_log *ll, const char *fmt, ...)
    RDD_PRINTF(2, 3);
/* A listener's error callback body: pause it, shed waiting peers, log. */
void limits_accept_failed(
    struct evconnlistener *lis, struct event *resume, struct limits_log *ll);

/* ---- engine (health.c, recover.c, sched.c): status for the surfaces ---- */
/* A json_object * describing one monitor (name) or all (NULL). */
void *engine_status_json(struct rdd_daemon *d, const char *monitor);
/* Prometheus text exposition; malloc'd. */
char *engine_metrics_text(struct rdd_daemon *d);
/*
 * redundancyd --once --json: every monitor and target with its state,
 * message, metrics and the first validator finding ("file:line:col:
 * message [rule]") split out; malloc'd, NULL on ENOMEM.
 */
char *engine_once_json(struct rdd_daemon *d, enum rdd_state worst);
enum rdd_state engine_overall(struct rdd_daemon *d);

#endif /* RDD_H */
