/*
 * mock_host.h: a fake struct rdd_host for plugin unit tests (collectd's
 * plugin_mock idea): every host call is recorded, async work waits for the
 * test. It needs only libc (with POSIX threads) and the SDK header, so a
 * plugin author can build it out of tree: `make install` puts it under
 * $(datadir)/redundancyd/sdk/ with a README.
 *
 * A plugin test links the plugin's .c files and mock_host.c directly (no
 * dlopen, no daemon) and drives the descriptor's callbacks:
 *
 *	struct mock_host mh;
 *	void *cfg, *ctx;
 *	char err[256];
 *
 *	mock_host_init(&mh, "web");
 *	cfg = mock_config_new(&mh, &rdd_plugin,
 *	    "command", "[\"/bin/check\", \"-v\"]", NULL);
 *	rdd_plugin.create(&mh.host, mock_monitor(&mh), cfg, &ctx, err,
 *	    sizeof(err));
 *	rdd_plugin.check(ctx, mock_check_begin(&mh));
 *	mock_child_exit(&mh, 0, 2, "CRITICAL - down|t=5ms", "");
 *	assert_int_equal(mh.reports[0].state, RDD_CRITICAL);
 *	assert_int_equal(mh.checks_done, 1);
 *	rdd_plugin.destroy(ctx);
 *	mock_host_free(&mh);
 *
 * Asynchronous services (children, HTTP, timers, fd and file watches) never
 * run anything: the request is recorded and the test completes it later with
 * canned data (mock_child_complete, mock_http_complete, mock_timer_fire...),
 * which calls the plugin's callback synchronously. Handles are pointers to
 * the records, so a plugin's cancel reaches the right mock without globals.
 *
 * host->post (ABI 1.1) is the one function a plugin's own thread may call:
 * it only queues, under a mutex; mock_post_run runs the queue on the test's
 * thread, which stands for the worker's loop thread. Any other host
 * function called from another thread than the one that ran
 * mock_host_init abort()s with a message, as the threading rule is broken.
 * mock_plugin_validate / mock_plugin_start / mock_plugin_stop call a
 * descriptor's callbacks the way the daemon does (start_err preferred over
 * start, posts dropped after stop); mock_host_set_minor(mh, 0) turns the
 * table into a 1.0 host's (no post) to test a plugin's fallback.
 *
 * Protocol mistakes a real host would not survive (report after check_done,
 * check_done or recovery_done twice, a monitor handle that is not ours,
 * completing a cancelled child) are counted in `violations`, the last one
 * described in `violation`: a test asserts violations == 0.
 *
 * Set MOCK_HOST_VERBOSE=1 to echo log() calls to stderr.
 */
#ifndef MOCK_HOST_H
#define MOCK_HOST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <redundancyd/rdd_plugin.h>

enum mock_status {
	MOCK_PENDING = 0, /* waiting for the test */
	MOCK_COMPLETED,   /* the test completed it; callback called */
	MOCK_CANCELLED,   /* the plugin cancelled it */
};

struct mock_metric {
	char *name;
	double value;
	char *unit;
	int has_bounds; /* reported with report_bounds (1.3) */
	struct rdd_metric_bounds bounds;
};

/* One report() (check >= 0) or push() (check == -1), deep-copied. */
struct mock_report {
	int check; /* id from mock_check_begin, -1 for push */
	char *target;
	enum rdd_state state;
	char *msg;
	struct mock_metric *metrics;
	size_t nmetrics;
};

struct mock_log {
	enum rdd_log_level level;
	char *text;
};

struct mock_journal {
	char *event;
	char *target;
	char *msg;
};

/* One recover run started with mock_recovery_begin. */
struct mock_recovery {
	int done; /* recovery_done calls: 1 when the plugin behaved */
	int ok;
	char *msg;
};

/* One control command started with mock_command_begin. */
struct mock_command {
	int done;
	int ok;
	char *text;
};

/* One child_run: a deep copy of the spec. */
struct mock_child {
	uint32_t magic;
	struct mock_host *mh;
	enum mock_status status;
	char **argv; /* NULL-terminated */
	size_t argc;
	char *cmdline; /* argv joined with single spaces, for assertions */
	char **env;    /* NULL-terminated, NULL when the spec had none */
	char *cwd;
	int64_t timeout_ms;
	size_t output_cap;
	char *input;
	size_t input_len;
	rdd_child_cb cb;
	void *arg;
};

/* One http request: a deep copy. */
struct mock_http {
	uint32_t magic;
	struct mock_host *mh;
	enum mock_status status;
	char *method; /* "GET" when the request had NULL */
	char *url;
	char **headers; /* NULL-terminated */
	size_t nheaders;
	char *body;
	size_t body_len;
	int64_t timeout_ms;
	size_t max_response;
	char *unix_socket;
	rdd_http_cb cb;
	void *arg;
};

struct mock_timer {
	uint32_t magic;
	struct mock_host *mh;
	int active; /* cleared by timer_del, or after a one-shot fired */
	int64_t ms;
	int repeat;
	int fired;
	rdd_timer_cb cb;
	void *arg;
};

struct mock_fd {
	uint32_t magic;
	struct mock_host *mh;
	int active;
	int fd;
	int events;
	rdd_fd_cb cb;
	void *arg;
};

struct mock_watch {
	uint32_t magic;
	struct mock_host *mh;
	int active;
	char *path;
	rdd_watch_cb cb;
	void *arg;
};

struct mock_kv {
	char *key;
	char *value;
};

/* One host->post waiting for mock_post_run. */
struct mock_post {
	rdd_timer_cb cb;
	void *arg;
};

struct mock_host {
	struct rdd_host host; /* give &mh.host to the plugin */
	char *name;           /* monitor_name() */
	char *state_dir;      /* state_dir(), set by mock_set_state_dir */

	/* Recorded calls, reset by mock_host_reset. */
	struct mock_report *reports; /* report() and push() in call order */
	size_t nreports;
	int checks_started; /* mock_check_begin calls */
	int checks_done;    /* check_done calls (each once per check) */
	struct mock_recovery *recoveries; /* by mock_recovery_begin id */
	size_t nrecoveries;
	struct mock_command *commands;
	size_t ncommands;
	struct mock_log *logs;
	size_t nlogs;
	struct mock_journal *journal;
	size_t njournal;
	struct mock_child **children;
	size_t nchildren;
	struct mock_http **https;
	size_t nhttps;
	struct mock_timer **timers;
	size_t ntimers;
	struct mock_fd **fds;
	size_t nfds;
	struct mock_watch **watches;
	size_t nwatches;
	int secret_calls;
	int read_only;	/* what host->read_only answers (1.2) */
	int stopping_for_good; /* what host->stopping_for_good answers (1.4) */
	int violations;
	char violation[256];

	/*
	 * host->post. The counters are written under post_lock (posts may
	 * come from any thread): read them after joining the plugin's
	 * threads, or with mock_post_pending. Kept across resets.
	 */
	int posts;	   /* post calls that queued a callback */
	int posts_run;	   /* callbacks mock_post_run called */
	int posts_dropped; /* posted after mock_plugin_stop, never run */

	/* Behaviour switches for failure paths, kept across resets. */
	int refuse_children; /* child_run returns 0 */
	int refuse_http;     /* http returns 0 */
	int refuse_post;     /* post returns -1 with errno ENOMEM */

	/* Kept across resets. */
	struct mock_kv *secrets; /* mock_secret_add */
	size_t nsecrets;
	struct mock_kv *state; /* state_get / state_set */
	size_t nstate;
	char error[512]; /* why the last mock_config_* or group parse failed */

	/* Private. */
	unsigned epoch; /* bumped by reset; stale handles are violations */
	struct rdd_monitor *mon;
	struct rdd_check **checkv;
	struct rdd_recovery **recv;
	struct rdd_command **cmdv;
	void **graveyard; /* handle records of earlier resets */
	size_t ngraveyard;
	void **arena; /* config values, groups */
	size_t narena;
	pthread_t loop_thread; /* the thread of mock_host_init */
	pthread_mutex_t post_lock;
	struct mock_post *postq; /* under post_lock */
	size_t npostq;
	int stopped; /* mock_plugin_stop ran: posts are dropped */
};

/* A fresh host for monitor `name`; abort()s on ENOMEM. */
void mock_host_init(struct mock_host *mh, const char *name);
/*
 * Forget recorded calls (reports, logs, children...) between scenarios.
 * Handle records stay allocated until mock_host_free, so a late cancel by
 * the plugin is harmless. Secrets, state, configs and switches are kept.
 */
void mock_host_reset(struct mock_host *mh);
void mock_host_free(struct mock_host *mh);

struct rdd_monitor *mock_monitor(struct mock_host *mh);
void mock_set_state_dir(struct mock_host *mh, const char *dir);
/* secret() returns value for env_name or file equal to key. */
void mock_secret_add(struct mock_host *mh, const char *key, const char *value);

/* Handles to pass to the plugin's check / recover / command callbacks. */
struct rdd_check *mock_check_begin(struct mock_host *mh);
struct rdd_recovery *mock_recovery_begin(struct mock_host *mh);
struct rdd_command *mock_command_begin(struct mock_host *mh);
/* Id (index into recoveries / commands) of a handle. */
int mock_recovery_id(const struct rdd_recovery *r);
int mock_command_id(const struct rdd_command *c);

/* Lookups; NULL or -1 when absent. */
const struct mock_report *mock_report_last(
    const struct mock_host *mh, const char *target);
const struct mock_metric *mock_metric_find(
    const struct mock_report *r, const char *name);
int mock_log_find(const struct mock_host *mh, const char *substring);
int mock_child_last(const struct mock_host *mh);
int mock_http_last(const struct mock_host *mh);
int mock_timer_last(const struct mock_host *mh);

/*
 * Finish child idx with res (out/err may be NULL; their lengths are taken
 * with strlen when 0). Returns -1 if idx is unknown or not pending.
 */
int mock_child_complete(
    struct mock_host *mh, size_t idx, const struct rdd_child_result *res);
/* Shorthands: a normal exit, and a spawn failure. */
int mock_child_exit(struct mock_host *mh, size_t idx, int status,
    const char *out, const char *err);
int mock_child_spawn_error(struct mock_host *mh, size_t idx, int errnum);

/* Finish request idx with res (body length by strlen when 0). */
int mock_http_complete(
    struct mock_host *mh, size_t idx, const struct rdd_http_response *res);
/* Shorthand: status, body and raw header block ("Name: v\r\n..."). */
int mock_http_reply(struct mock_host *mh, size_t idx, long status,
    const char *body, const char *headers);

/* Run a timer / fd / watch callback; -1 if idx is unknown or inactive. */
int mock_timer_fire(struct mock_host *mh, size_t idx);
int mock_fd_fire(struct mock_host *mh, size_t idx, int events);
int mock_watch_fire(struct mock_host *mh, size_t idx, const char *path);

/*
 * host->post. mock_post_run calls, on the calling thread, the callbacks
 * queued when it starts (one loop turn: callbacks they post wait for the
 * next run, so a plugin that re-posts forever cannot hang the test) and
 * returns how many it ran. mock_post_pending counts what is queued; both
 * are safe while plugin threads post.
 */
int mock_post_run(struct mock_host *mh);
size_t mock_post_pending(struct mock_host *mh);

/*
 * The descriptor's callbacks as the daemon calls them. Each tests
 * RDD_PLUGIN_HAS first, so a descriptor built against 1.0 works too.
 *
 * mock_plugin_validate: pd->validate(&mh->host, cfg, err, errlen), or 0
 *   when the plugin has none. A non-zero return without err set is a
 *   violation (the daemon would have nothing to show).
 * mock_plugin_start: pd->start_err when set, else pd->start (err gets
 *   "start failed" when start returns non-zero), else 0. Posts are
 *   accepted again after it.
 * mock_plugin_stop: pd->stop, then queued posts and every later one are
 *   dropped without being called, as after stop() in the daemon.
 */
int mock_plugin_validate(struct mock_host *mh, const struct rdd_plugin *pd,
    const void *cfg, char *err, size_t errlen);
int mock_plugin_start(struct mock_host *mh, const struct rdd_plugin *pd,
    void *ctx, char *err, size_t errlen);
void mock_plugin_stop(
    struct mock_host *mh, const struct rdd_plugin *pd, void *ctx);

/*
 * Pretend to be a host of ABI 1.minor: host.size becomes that minor's
 * RDD_HOST_SIZE_V1_N and the later functions NULL (minor 0: no post; 3: no
 * stopping_for_good), so a plugin that calls one without RDD_HOST_HAS
 * crashes in its test rather than on an old daemon; 4 or more restores
 * the full table.
 */
void mock_host_set_minor(struct mock_host *mh, int minor);

/*
 * Plugin configs. mock_fill_config zeroes cfg (pd->config_size bytes), then
 * stores every option of pd->options from its default, or from an override
 * given as name, value text pairs ending with NULL. Value text:
 *
 *   BOOL      true / false / yes / no / 1 / 0
 *   INT       123, DOUBLE 1.5
 *   STRING    raw text, or a "quoted" string
 *   DURATION  30, "30s", 500ms, 5m, 1h, 1d (milliseconds stored)
 *   SIZE      1024, 64K, 80M, 2G (powers of 1024)
 *   STRLIST   ["a", "b c"] (libconfig array), or plain words split on
 *             spaces: "/bin/check -v"
 *   GROUP     libconfig value text: { a = "x"; n = 3; }, ( [..], [..] ),
 *             [ .. ]; read back with the host's group_* functions
 *
 * Ranges (min < max) are checked; REQUIRED is not, so create's own
 * validation can be tested. Storage belongs to mh until mock_host_free.
 * Returns 0, or -1 with mh->error naming the option.
 */
int mock_fill_config(
    struct mock_host *mh, const struct rdd_plugin *pd, void *cfg, ...);
/* The same into a new zeroed buffer owned by mh; NULL on error. */
void *mock_config_new(struct mock_host *mh, const struct rdd_plugin *pd, ...);

/*
 * A libconfig-like value as a group handle for group_count, group_elem,
 * group_string (name NULL: the setting's own string value) and group_int.
 * NULL with mh->error on a syntax error.
 */
const void *mock_group_parse(struct mock_host *mh, const char *text);

#endif /* MOCK_HOST_H */
