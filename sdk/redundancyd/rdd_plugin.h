/*
 * rdd_plugin.h: the public plugin SDK of redundancyd, ABI 1.4.
 * The one header a plugin includes; depends on the C standard library only.
 *
 * Where a plugin runs: each plugin's monitors run in a worker process of
 * their own (as the monitor's `user`/`group` when set), never in the master
 * that schedules them. A crash, a hang (no loop progress for the monitor's
 * stall_timeout) or a leak (the worker above memory_max) therefore kills or
 * restarts only that worker and its monitors, which turn UNKNOWN meanwhile;
 * the daemon and other plugins carry on. Misuse of a handle (check_done
 * twice, report after check_done, recovery_done twice, a cancelled or
 * deleted handle) is logged once per monitor and ignored, never a crash.
 *
 * Ownership, in one rule with the exceptions written at each pointer:
 * what the plugin passes to the host is copied before the call returns
 * (the plugin may free or reuse it at once); what the host passes to a
 * callback is valid only during that call (copy what you keep); handles
 * are valid until their *_done, *_cancel, *_del or fd_unwatch call (a
 * child's or transfer's also until its callback has run), and none after
 * stop() returns.
 */
#ifndef RDD_PLUGIN_H
#define RDD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ABI version. Record every change in docs/ABI.md, newest first:
 *
 *   1.4  2026-12-03  host->stopping_for_good (a reload keeps what runs).
 *   1.3  2026-12-03  host->report_bounds (Nagios thresholds, min, max).
 *   1.2  2026-12-03  host->read_only (--once writes nothing).
 *   1.1  2026-12-03  host->post, plugin validate and start_err; newer
 *                    minors accepted; plugins run in worker processes.
 *   1.0  2026-11-29  first public ABI.
 *
 * MAJOR changes break binary compatibility (a field moved or removed); the
 * host refuses a plugin of another major. MINOR changes only append fields
 * to struct rdd_plugin or struct rdd_host, so both directions work within
 * one major (as Redis modules do):
 *
 *   - An older plugin on a newer host: its descriptor is shorter; the host
 *     reads fields past the plugin's `size` as NULL (no validate, no
 *     start_err for a 1.0 plugin) and behaves as the older ABI did.
 *   - A newer plugin on an older host: the host ACCEPTS it and reads only
 *     the min(descriptor size, its own size) bytes it knows; newer
 *     callbacks are simply never called. The plugin sees host->size
 *     smaller than its own sizeof(struct rdd_host) and must test
 *     RDD_HOST_HAS(host, field) before calling any host function newer
 *     than 1.0 (post, ...): fall back, or fail create() with a message
 *     that names the daemon version needed.
 *
 * A plugin tests RDD_HOST_HAS, never abi_minor: the size is what says
 * which fields exist. (redundancyd releases before 1.1 still refused newer
 * minors at load time; the rule above is what every host from 1.1 on does,
 * and what a plugin must be written for.)
 */
#define RDD_PLUGIN_MAGIC 0x52444450u /* "RDDP" */
#define RDD_ABI_MAJOR 1
#define RDD_ABI_MINOR 4

#if defined(__GNUC__)
#define RDD_EXPORT __attribute__((visibility("default")))
#define RDD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define RDD_EXPORT
#define RDD_PRINTF(f, a)
#endif

/* Health of a target. The numeric values are Nagios's exit codes. */
enum rdd_state {
	RDD_OK = 0,
	RDD_WARNING = 1,
	RDD_CRITICAL = 2,
	RDD_UNKNOWN = 3,
};

enum rdd_log_level {
	RDD_LOG_ERR = 0,
	RDD_LOG_WARN = 1,
	RDD_LOG_INFO = 2,
	RDD_LOG_DEBUG = 3,
};

/*
 * Declared options (Fluent Bit's config_map). The host reads libconfig,
 * checks types and ranges with file:line errors, applies defaults and fills
 * the plugin's config struct at `offset`. The same table produces
 * `redundancyd --plugin-help NAME` and the option reference.
 *
 *   BOOL      int         true/false
 *   INT       int64_t     integer within [min, max] when min < max
 *   DOUBLE    double      number within [min, max] when min < max
 *   STRING    char *      owned by the host, NULL when unset and no default
 *   DURATION  int64_t     milliseconds; accepts 30, "30s", "500ms", "5m", "1h"
 *   SIZE      int64_t     bytes; accepts 1024, "80K", "80M", "2G"
 *   STRLIST   struct rdd_strlist   a string or an array of strings
 *   GROUP     const void *  opaque libconfig setting for nested groups,
 *                          read with host->group_* functions
 */
enum rdd_opt_type {
	RDD_OPT_END = 0,
	RDD_OPT_BOOL,
	RDD_OPT_INT,
	RDD_OPT_DOUBLE,
	RDD_OPT_STRING,
	RDD_OPT_DURATION,
	RDD_OPT_SIZE,
	RDD_OPT_STRLIST,
	RDD_OPT_GROUP,
};

#define RDD_OPT_REQUIRED 0x1u /* the monitor must set it */
#define RDD_OPT_SECRET 0x2u /* value is a secret: never logged */

/*
 * An option table and every string in it belong to the plugin and must stay
 * valid while the plugin is loaded: make it static const.
 */
struct rdd_option {
	const char *name;
	enum rdd_opt_type type;
	const char *def; /* default as config text, NULL for none */
	double min, max; /* range for INT, DOUBLE, DURATION, SIZE if min<max */
	size_t offset; /* offsetof(struct plugin_config, field) */
	unsigned flags;
	const char *desc; /* one line for --plugin-help */
};

#define RDD_OPTIONS_END                                                        \
	{                                                                      \
		NULL, RDD_OPT_END, NULL, 0, 0, 0, 0, NULL                      \
	}

/*
 * In a config: v[0..n-1] and v[n] == NULL, owned by the host (array and
 * strings) until destroy; the plugin never frees or writes them.
 */
struct rdd_strlist {
	size_t n;
	char **v;
};

/*
 * Opaque handles owned by the host; the plugin never frees them.
 *   rdd_monitor   valid from create until destroy returns.
 *   rdd_check     valid from check() until check_done.
 *   rdd_recovery  valid from recover() until recovery_done.
 *   rdd_command   valid from command() until command_done.
 * After stop() returns the plugin uses no handle at all, open or not.
 */
struct rdd_monitor;  /* a configured instance of a plugin */
struct rdd_check;    /* one check in progress */
struct rdd_recovery; /* one recovery action in progress */
struct rdd_command;  /* one control command addressed to the plugin */

/* Passed to report(): the host copies name, unit and the array. */
struct rdd_metric {
	const char *name;
	double value;
	const char *unit; /* "", "s", "ms", "B", "%", "c" (counter) */
};

/*
 * Passed to report_bounds() (1.3), one per metric, in the metric's unit;
 * NaN where absent. A Nagios range "L:H" alerts outside [L, H]: that is
 * warn_lt = L, warn_gt = H ("H" alone is 0:H; "L:" has no warn_gt; "~:H"
 * no warn_lt). An inverted range ("@L:H", alert inside) has no such
 * bounds: leave both NaN.
 */
struct rdd_metric_bounds {
	double warn_lt, warn_gt; /* warning below warn_lt or above warn_gt */
	double crit_lt, crit_gt;
	double min, max; /* the value's possible range */
};

/*
 * Child processes: argv only, never a shell string. Every pointer is the
 * plugin's and is copied by child_run before it returns. Each child runs in
 * a process group of its own; a child started for a check (from check(), or
 * a child's, transfer's or one-shot timer's callback a check started) has
 * that group killed when it exits: a check leaves no process behind.
 */
struct rdd_child_spec {
	const char *const *argv; /* argv[0] is looked up in PATH */
	const char *const *env;  /* "K=V" added to the daemon's env, or NULL */
	const char *cwd;	 /* NULL: the daemon's */
	int64_t timeout_ms;	 /* 0: 60 s. Then SIGTERM, 2 s, SIGKILL */
	size_t output_cap;	 /* per stream; 0: 64 KiB; the rest discarded */
	const char *input;	 /* written to stdin, or NULL */
	size_t input_len;
};

/* Owned by the host; the struct and its strings live during the cb only. */
struct rdd_child_result {
	int spawn_errno;  /* non-zero: the child never ran */
	int exited;	  /* 1: exit status valid */
	int status;	  /* exit status */
	int signal;	  /* terminating signal, 0 if none */
	int timed_out;	  /* killed because of timeout_ms */
	int truncated;	  /* output beyond output_cap was discarded */
	const char *out;  /* NUL-terminated, valid during the callback */
	size_t out_len;
	const char *err;  /* as out */
	size_t err_len;
	int64_t duration_ms;
};

typedef void (*rdd_child_cb)(void *arg, const struct rdd_child_result *res);

/* The plugin's; http() copies every pointer before it returns. */
struct rdd_http_request {
	const char *method; /* NULL: GET */
	const char *url;
	const char *const *headers; /* "Name: value", NULL-terminated */
	const char *body;
	size_t body_len;
	int64_t timeout_ms;  /* 0: 30 s */
	size_t max_response; /* 0: 8 MiB; larger bodies fail */
	const char *unix_socket; /* HTTP over an AF_UNIX socket, or NULL */
};

/* Owned by the host; the struct and its strings live during the cb only. */
struct rdd_http_response {
	int error;          /* 0, or libcurl's CURLcode: see errmsg */
	const char *errmsg; /* transport error text */
	long status;	    /* HTTP status */
	const char *body;   /* NUL-terminated */
	size_t body_len;
	const char *headers; /* raw header block of the final response */
	double total_ms;
};

/* rdd_http_response.error of a request that had no answer in timeout_ms. */
#define RDD_HTTP_TIMEDOUT 28 /* CURLE_OPERATION_TIMEDOUT, on every host */

/*
 * Callbacks. `arg` is the plugin's, passed back untouched: the host never
 * frees it. Pointers the host passes (res, path) live during the call only.
 */
typedef void (*rdd_http_cb)(void *arg, const struct rdd_http_response *res);
typedef void (*rdd_timer_cb)(void *arg);
typedef void (*rdd_fd_cb)(int fd, int events, void *arg);
typedef void (*rdd_watch_cb)(void *arg, const char *path);

#define RDD_RECOVERY_FAILED 0
#define RDD_RECOVERY_OK 1
#define RDD_RECOVERY_NOT_APPLICABLE (-1)

#define RDD_FD_READ 0x2
#define RDD_FD_WRITE 0x4

/*
 * What the host gives a plugin.
 *
 * Threading: every plugin callback (create, start, check, recover, command,
 * stop, destroy, and every rdd_*_cb) runs on the worker's loop thread, one
 * at a time. Every host function except post() must be called from that
 * thread too; they return at once and deliver results through callbacks on
 * the same loop. A plugin that runs threads of its own hands their results
 * back with host->post, or, on a 1.0 host (no post), with a pipe whose read
 * end the loop watches:
 *
 *	// create/start, on the loop thread
 *	if (RDD_HOST_HAS(host, post)) {
 *		p->use_post = 1;
 *	} else {
 *		pipe2(p->fds, O_CLOEXEC | O_NONBLOCK);
 *		p->watch = host->fd_watch(m, p->fds[0], RDD_FD_READ,
 *		    on_wake, p);
 *	}
 *	// the plugin's own thread, when a result is ready
 *	if (p->use_post)
 *		p->host->post(p->m, on_result, res);
 *	else
 *		write(p->fds[1], &res, sizeof(res)); // one pointer: atomic
 *	// on_wake, on the loop thread: read pointers, call on_result(res)
 *
 * Handles returned as uint64_t are 0 on failure. Strings and structs the
 * plugin passes in are copied before the function returns; what a function
 * returns is described at the function.
 */
struct rdd_host {
	uint32_t size; /* sizeof(struct rdd_host) of the host */
	uint16_t abi_major;
	uint16_t abi_minor;

	/* fmt and its arguments are formatted before log returns. */
	void (*log)(struct rdd_monitor *m, enum rdd_log_level lvl,
	    const char *fmt, ...) RDD_PRINTF(3, 4);
	/* The monitor's configured name: the host's, valid until destroy. */
	const char *(*monitor_name)(struct rdd_monitor *m);
	/*
	 * A private directory for the monitor under the daemon's state_dir:
	 * the host's string, valid until destroy.
	 */
	const char *(*state_dir)(struct rdd_monitor *m);

	/*
	 * A secret from an environment variable or a file of mode 0600 (or
	 * stricter). It is registered for redaction before it is returned.
	 * Returns a string the PLUGIN OWNS and frees with free() (wipe it
	 * first), or NULL with err (the plugin's buffer) set.
	 */
	char *(*secret)(struct rdd_monitor *m, const char *env_name,
	    const char *file, char *err, size_t errlen);

	/*
	 * Nested option groups (RDD_OPT_GROUP) and lists of groups. The group
	 * handles and strings they return belong to the config: valid until
	 * destroy, never freed by the plugin. These four may also be called
	 * from validate(), with the config validate was given.
	 */
	int (*group_count)(const void *group);
	const void *(*group_elem)(const void *group, int i);
	const char *(*group_string)(const void *group, const char *name);
	int (*group_int)(const void *group, const char *name, int64_t *out);

	/*
	 * Check results: any number of reports, then check_done once; c is
	 * invalid after check_done. target, msg and the metrics are copied.
	 */
	void (*report)(struct rdd_check *c, const char *target,
	    enum rdd_state st, const char *msg, const struct rdd_metric *m,
	    size_t nmetrics);
	void (*check_done)(struct rdd_check *c);

	/*
	 * Recovery: exactly one recovery_done per recover callback, with
	 * RDD_RECOVERY_OK, RDD_RECOVERY_FAILED, or RDD_RECOVERY_NOT_APPLICABLE
	 * when the action cannot help this target (the engine moves to the
	 * next rung at once without counting an attempt; when no rung
	 * applies it stops until the target is healthy or an operator acts).
	 * r is invalid after it; msg is copied.
	 */
	void (*recovery_done)(struct rdd_recovery *r, int ok, const char *msg);

	/*
	 * Out-of-band observation (an exit event, a file deleted): the target
	 * takes this state now and the engine acts without waiting for the
	 * next check. target and msg are copied.
	 */
	void (*push)(struct rdd_monitor *m, const char *target,
	    enum rdd_state st, const char *msg);

	/* Append a record to the incident journal; strings are copied. */
	void (*journal)(struct rdd_monitor *m, const char *event,
	    const char *target, const char *msg);

	/*
	 * Persistent key/value state for the monitor, flushed atomically.
	 * state_set copies key and value (NULL value: delete). state_get
	 * returns the host's string, or NULL: valid until the monitor's next
	 * state_set or destroy, whichever comes first; copy it to keep it.
	 */
	const char *(*state_get)(struct rdd_monitor *m, const char *key);
	void (*state_set)(struct rdd_monitor *m, const char *key,
	    const char *value);

	/*
	 * spec is copied. The handle is valid until cb has run or
	 * child_cancel; cb runs once, never after child_cancel or stop().
	 */
	uint64_t (*child_run)(struct rdd_monitor *m,
	    const struct rdd_child_spec *spec, rdd_child_cb cb, void *arg);
	void (*child_cancel)(struct rdd_monitor *m, uint64_t h); /* no cb after */

	/*
	 * As child_run: req is copied, the handle is valid until cb has run
	 * or http_cancel, and no cb after http_cancel.
	 */
	uint64_t (*http)(struct rdd_monitor *m,
	    const struct rdd_http_request *req, rdd_http_cb cb, void *arg);
	void (*http_cancel)(struct rdd_monitor *m, uint64_t h);
	/*
	 * A header of a response, case-insensitive, into buf (the plugin's);
	 * returns buf, or NULL if none. Only inside the rdd_http_cb of res.
	 */
	const char *(*http_header)(const struct rdd_http_response *res,
	    const char *name, char *buf, size_t buflen);

	/*
	 * A one-shot timer's handle is valid until it fires, a repeating
	 * one's until timer_del; no cb after timer_del.
	 */
	uint64_t (*timer_add)(struct rdd_monitor *m, int64_t ms, int repeat,
	    rdd_timer_cb cb, void *arg);
	void (*timer_del)(struct rdd_monitor *m, uint64_t h);

	/*
	 * fd stays the plugin's: unwatch it before closing it. The handle is
	 * valid until fd_unwatch; no cb after it.
	 */
	uint64_t (*fd_watch)(struct rdd_monitor *m, int fd, int events,
	    rdd_fd_cb cb, void *arg);
	void (*fd_unwatch)(struct rdd_monitor *m, uint64_t h);

	/*
	 * A file or directory; cb runs on create, change, delete or move.
	 * path is copied; the handle is valid until watch_del.
	 */
	uint64_t (*watch_add)(struct rdd_monitor *m, const char *path,
	    rdd_watch_cb cb, void *arg);
	void (*watch_del)(struct rdd_monitor *m, uint64_t h);

	/*
	 * Reply to a control command: ok or not, and text for the operator
	 * (copied). c is invalid after it.
	 */
	void (*command_done)(struct rdd_command *c, int ok, const char *text);

	/* 1.1 */
	/*
	 * The ONE host function that may be called from any thread: queues
	 * cb(arg) to run on the worker's loop thread, like any callback, in
	 * the order one thread posted them. Returns 0, or -1 with errno set
	 * if it cannot be queued (ENOMEM, EINVAL for a NULL cb). cb is never
	 * called after stop() returns: callbacks posted later are dropped, and
	 * so may be those still queued, so arg must not be the only reference
	 * to memory the plugin has to free (keep it reachable from ctx, or
	 * join the threads in stop and drain what they made). A 1.0 host has
	 * no post: test RDD_HOST_HAS(host, post) first.
	 */
	int (*post)(struct rdd_monitor *m, rdd_timer_cb cb, void *arg);

	/* 1.2 */
	/*
	 * 1 when the daemon runs read-only (redundancyd --once, e.g. a
	 * pre-commit hook beside a running daemon on the same state_dir):
	 * the plugin writes nothing, neither files under state_dir nor
	 * state_set, and repairs nothing; it may read its state. A host
	 * before 1.2 has no read_only: test RDD_HOST_HAS(host, read_only).
	 */
	int (*read_only)(struct rdd_monitor *m);

	/* 1.3 */
	/*
	 * report() with each metric's thresholds and bounds: b[i] belongs to
	 * m[i] (b NULL: report()). The host exports them beside the value in
	 * /metrics. A host before 1.3 has no report_bounds: test
	 * RDD_HOST_HAS(host, report_bounds) and call report() otherwise.
	 */
	void (*report_bounds)(struct rdd_check *c, const char *target,
	    enum rdd_state st, const char *msg, const struct rdd_metric *m,
	    const struct rdd_metric_bounds *b, size_t nmetrics);

	/* 1.4 */
	/*
	 * Asked in stop(): 1 when no instance of this monitor follows (the
	 * daemon stops, or a reload dropped the monitor, disabled it or gave
	 * it another plugin), 0 when one does (a reload that keeps it: its
	 * new instance starts at once, in a new worker, with the same
	 * state). A plugin that runs something meant to outlive a reload (a
	 * service process) stops it only on 1 and on 0 leaves it, recorded
	 * in its state, for the successor to adopt; what belongs to the
	 * instance (timers, sockets, threads) is released either way. 0
	 * before stop(). A worker that crashed or was killed gets no stop()
	 * at all, which leaves things running too. A host before 1.4 has no
	 * stopping_for_good: test RDD_HOST_HAS(host, stopping_for_good) and,
	 * without it, assume 1 (every stop is final: those hosts restart a
	 * monitor's instance at every reload).
	 */
	int (*stopping_for_good)(struct rdd_monitor *m);
};

/* True if the host is new enough to have `field`. */
#define RDD_HOST_HAS(host, field)                                              \
	((host)->size >= offsetof(struct rdd_host, field) +                    \
		sizeof(((struct rdd_host *)0)->field))

/* Size of the ABI 1.0 host table: a 1.0 host passes host->size == this. */
#define RDD_HOST_SIZE_V1_0                                                     \
	(offsetof(struct rdd_host, command_done) +                             \
	    sizeof(((struct rdd_host *)0)->command_done))
/* Size of the ABI 1.1 host table. */
#define RDD_HOST_SIZE_V1_1                                                     \
	(offsetof(struct rdd_host, post) + sizeof(((struct rdd_host *)0)->post))
/* Size of the ABI 1.2 host table. */
#define RDD_HOST_SIZE_V1_2                                                     \
	(offsetof(struct rdd_host, read_only) +                                \
	    sizeof(((struct rdd_host *)0)->read_only))
/* Size of the ABI 1.3 host table. */
#define RDD_HOST_SIZE_V1_3                                                     \
	(offsetof(struct rdd_host, report_bounds) +                            \
	    sizeof(((struct rdd_host *)0)->report_bounds))

/*
 * The plugin descriptor: the one symbol a plugin exports, as data, so the
 * host validates it before any plugin code runs. It and everything it
 * points to (strings, options, actions) belong to the plugin and must be
 * static: the host reads them for as long as the plugin is loaded.
 *
 *   RDD_EXPORT const struct rdd_plugin rdd_plugin = {
 *	RDD_PLUGIN_HEADER,
 *	.name = "exec", .version = "1.0.0", .description = "...",
 *	...
 *   };
 */
struct rdd_plugin {
	uint32_t magic;
	uint16_t abi_major;
	uint16_t abi_minor;
	uint32_t size; /* sizeof(struct rdd_plugin) the plugin was built with */
	const char *name;
	const char *version;
	const char *description;

	const struct rdd_option *options; /* ends with RDD_OPTIONS_END */
	size_t config_size;		  /* size of the plugin's config struct */

	/* Recovery ladder, in order, NULL-terminated; NULL: no recovery. */
	const char *const *actions;

	/*
	 * create: build an instance from its filled config (owned by the
	 * host, valid until destroy returns; the plugin may keep pointers
	 * into it but never frees or writes it). host and m are valid until
	 * destroy. *ctx is the plugin's, freed by destroy. Returns 0, or -1
	 * with err (the host's buffer of errlen bytes) set; then no other
	 * callback runs for this instance, not even destroy, so free what
	 * you allocated before returning -1.
	 */
	int (*create)(const struct rdd_host *host, struct rdd_monitor *m,
	    const void *config, void **ctx, char *err, size_t errlen);
	/*
	 * start: open sockets, watches. Returns 0 or -1 (logged). Not called
	 * when start_err is set.
	 */
	int (*start)(void *ctx);
	/* check: report targets, then host->check_done(c), now or later. */
	void (*check)(void *ctx, struct rdd_check *c);
	/*
	 * recover: perform `action` (one of `actions`) on `target`, attempt
	 * counted from 1, then host->recovery_done(r, ...) now or later.
	 * target and action are valid during the call only: copy them to use
	 * them later.
	 */
	void (*recover)(void *ctx, struct rdd_recovery *r, const char *target,
	    const char *action, unsigned attempt);
	/*
	 * command: a plugin-specific control command (may be NULL); argv and
	 * its strings are valid during the call only.
	 */
	void (*command)(void *ctx, struct rdd_command *c, int argc,
	    const char *const *argv);
	/*
	 * stop: cancel what is in flight and join the plugin's own threads;
	 * no callbacks, no host calls (not even post) after it returns.
	 */
	void (*stop)(void *ctx);
	/* destroy: free ctx and what it owns; the config goes after it. */
	void (*destroy)(void *ctx);

	/* 1.1 */
	/*
	 * validate (may be NULL): check a filled config (host-owned, valid
	 * during the call only) beyond what the option table can express.
	 * Called by `redundancyd -t`, at start and at reload, before create,
	 * possibly in a process that never creates the instance: it must not
	 * start anything, keep anything open or keep state. It has no monitor
	 * handle, so of the host's functions only group_* may be used.
	 * Returns 0, or -1 with err (the host's buffer) set; the host
	 * prefixes the monitor's file:line.
	 */
	int (*validate)(const struct rdd_host *host, const void *config,
	    char *err, size_t errlen);
	/*
	 * start_err (may be NULL): start with a reason. Preferred over start
	 * when set (set both to support 1.0 hosts, which call only start).
	 * Returns 0, or -1 with err set; the host shows err in the monitor's
	 * status as well as in the log.
	 */
	int (*start_err)(void *ctx, char *err, size_t errlen);
};

/* True if descriptor pd was built with `field` (a newer or equal minor). */
#define RDD_PLUGIN_HAS(pd, field)                                              \
	((pd)->size >= offsetof(struct rdd_plugin, field) +                    \
		sizeof(((struct rdd_plugin *)0)->field))

#define RDD_PLUGIN_HEADER                                                      \
	.magic = RDD_PLUGIN_MAGIC, .abi_major = RDD_ABI_MAJOR,                 \
	.abi_minor = RDD_ABI_MINOR, .size = sizeof(struct rdd_plugin)

/* Size of the ABI 1.0 descriptor: the smallest the host accepts. */
#define RDD_PLUGIN_SIZE_V1_0                                                   \
	(offsetof(struct rdd_plugin, destroy) + sizeof(void (*)(void *)))

#ifdef __cplusplus
}
#endif

#endif /* RDD_PLUGIN_H */
