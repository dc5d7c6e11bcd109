/*
 * rdd_plugin.h: the public plugin SDK of redundancyd, ABI 1.0.
 * The one header a plugin includes; depends on the C standard library only.
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
 *   1.0  2026-11-29  first public ABI.
 *
 * MAJOR changes break binary compatibility (a field moved or removed); the
 * host refuses a plugin of another major. MINOR changes only append fields to
 * struct rdd_plugin or struct rdd_host; the host refuses a plugin built
 * against a newer minor than its own, and a plugin must test
 * RDD_HOST_HAS(host, field) before calling a function added after 1.0.
 */
#define RDD_PLUGIN_MAGIC 0x52444450u /* "RDDP" */
#define RDD_ABI_MAJOR 1
#define RDD_ABI_MINOR 0

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

struct rdd_strlist {
	size_t n;
	char **v;
};

/* Opaque handles owned by the host. */
struct rdd_monitor;  /* a configured instance of a plugin */
struct rdd_check;    /* one check in progress */
struct rdd_recovery; /* one recovery action in progress */
struct rdd_command;  /* one control command addressed to the plugin */

struct rdd_metric {
	const char *name;
	double value;
	const char *unit; /* "", "s", "ms", "B", "%", "c" (counter) */
};

/* Child processes: argv only, never a shell string. */
struct rdd_child_spec {
	const char *const *argv; /* argv[0] is looked up in PATH */
	const char *const *env;  /* "K=V" added to the daemon's env, or NULL */
	const char *cwd;	 /* NULL: the daemon's */
	int64_t timeout_ms;	 /* 0: 60 s. Then SIGTERM, 2 s, SIGKILL */
	size_t output_cap;	 /* per stream; 0: 64 KiB; the rest discarded */
	const char *input;	 /* written to stdin, or NULL */
	size_t input_len;
};

struct rdd_child_result {
	int spawn_errno;  /* non-zero: the child never ran */
	int exited;	  /* 1: exit status valid */
	int status;	  /* exit status */
	int signal;	  /* terminating signal, 0 if none */
	int timed_out;	  /* killed because of timeout_ms */
	int truncated;	  /* output beyond output_cap was discarded */
	const char *out;  /* NUL-terminated, valid during the callback */
	size_t out_len;
	const char *err;
	size_t err_len;
	int64_t duration_ms;
};

typedef void (*rdd_child_cb)(void *arg, const struct rdd_child_result *res);

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

struct rdd_http_response {
	int error;	    /* 0, or non-zero: transfer failed, see errmsg */
	const char *errmsg; /* transport error text */
	long status;	    /* HTTP status */
	const char *body;   /* NUL-terminated */
	size_t body_len;
	const char *headers; /* raw header block of the final response */
	double total_ms;
};

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
 * What the host gives a plugin. All functions run on the daemon's event loop
 * and return at once; results arrive through callbacks on the same loop.
 * Handles returned as uint64_t are 0 on failure.
 */
struct rdd_host {
	uint32_t size; /* sizeof(struct rdd_host) of the host */
	uint16_t abi_major;
	uint16_t abi_minor;

	void (*log)(struct rdd_monitor *m, enum rdd_log_level lvl,
	    const char *fmt, ...) RDD_PRINTF(3, 4);
	const char *(*monitor_name)(struct rdd_monitor *m);
	/* A private directory for the monitor under the daemon's state_dir. */
	const char *(*state_dir)(struct rdd_monitor *m);

	/*
	 * A secret from an environment variable or a file of mode 0600 (or
	 * stricter). It is registered for redaction before it is returned.
	 * Returns a string the plugin frees with free(), or NULL with err set.
	 */
	char *(*secret)(struct rdd_monitor *m, const char *env_name,
	    const char *file, char *err, size_t errlen);

	/* Nested option groups (RDD_OPT_GROUP) and lists of groups. */
	int (*group_count)(const void *group);
	const void *(*group_elem)(const void *group, int i);
	const char *(*group_string)(const void *group, const char *name);
	int (*group_int)(const void *group, const char *name, int64_t *out);

	/* Check results: any number of reports, then check_done once. */
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
	 */
	void (*recovery_done)(struct rdd_recovery *r, int ok, const char *msg);

	/*
	 * Out-of-band observation (an exit event, a file deleted): the target
	 * takes this state now and the engine acts without waiting for the
	 * next check.
	 */
	void (*push)(struct rdd_monitor *m, const char *target,
	    enum rdd_state st, const char *msg);

	/* Append a record to the incident journal. */
	void (*journal)(struct rdd_monitor *m, const char *event,
	    const char *target, const char *msg);

	/* Persistent key/value state for the monitor, flushed atomically. */
	const char *(*state_get)(struct rdd_monitor *m, const char *key);
	void (*state_set)(struct rdd_monitor *m, const char *key,
	    const char *value);

	uint64_t (*child_run)(struct rdd_monitor *m,
	    const struct rdd_child_spec *spec, rdd_child_cb cb, void *arg);
	void (*child_cancel)(struct rdd_monitor *m, uint64_t h); /* no cb after */

	uint64_t (*http)(struct rdd_monitor *m,
	    const struct rdd_http_request *req, rdd_http_cb cb, void *arg);
	void (*http_cancel)(struct rdd_monitor *m, uint64_t h);
	/* A header of a response, case-insensitive, into buf; NULL if none. */
	const char *(*http_header)(const struct rdd_http_response *res,
	    const char *name, char *buf, size_t buflen);

	uint64_t (*timer_add)(struct rdd_monitor *m, int64_t ms, int repeat,
	    rdd_timer_cb cb, void *arg);
	void (*timer_del)(struct rdd_monitor *m, uint64_t h);

	uint64_t (*fd_watch)(struct rdd_monitor *m, int fd, int events,
	    rdd_fd_cb cb, void *arg);
	void (*fd_unwatch)(struct rdd_monitor *m, uint64_t h);

	/* A file or directory; cb runs on create, change, delete or move. */
	uint64_t (*watch_add)(struct rdd_monitor *m, const char *path,
	    rdd_watch_cb cb, void *arg);
	void (*watch_del)(struct rdd_monitor *m, uint64_t h);

	/* Reply to a control command: ok or not, and text for the operator. */
	void (*command_done)(struct rdd_command *c, int ok, const char *text);
};

/* True if the host is new enough to have `field`. */
#define RDD_HOST_HAS(host, field)                                              \
	((host)->size >= offsetof(struct rdd_host, field) +                    \
		sizeof(((struct rdd_host *)0)->field))

/*
 * The plugin descriptor: the one symbol a plugin exports, as data, so the
 * host validates it before any plugin code runs.
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
	 * host, valid until destroy). Returns 0, or -1 with err set.
	 */
	int (*create)(const struct rdd_host *host, struct rdd_monitor *m,
	    const void *config, void **ctx, char *err, size_t errlen);
	/* start: open sockets, watches. Returns 0 or -1 (logged). */
	int (*start)(void *ctx);
	/* check: report targets, then host->check_done(c), now or later. */
	void (*check)(void *ctx, struct rdd_check *c);
	/*
	 * recover: perform `action` (one of `actions`) on `target`, attempt
	 * counted from 1, then host->recovery_done(r, ...) now or later.
	 */
	void (*recover)(void *ctx, struct rdd_recovery *r, const char *target,
	    const char *action, unsigned attempt);
	/* command: a plugin-specific control command (may be NULL). */
	void (*command)(void *ctx, struct rdd_command *c, int argc,
	    const char *const *argv);
	/* stop: cancel what is in flight; no callbacks after it returns. */
	void (*stop)(void *ctx);
	void (*destroy)(void *ctx);
};

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
