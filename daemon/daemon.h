/*
 * daemon.h: the host's core state: the daemon, its monitors and their
 * targets, and the check and recovery records the SDK's opaque handles name.
 */
#ifndef RDD_DAEMON_H
#define RDD_DAEMON_H

#include "rdd.h"
#include "wire.h"

#define FLAP_SAMPLES 21

struct recover_wait;

struct metric {
	char *name;
	char *unit;
	double value;
	/* Nagios thresholds and bounds (report_bounds), NaN where absent */
	struct rdd_metric_bounds b;
};

/*
 * Counters and histograms of one monitor name, kept by the daemon across
 * reloads (stats.c). Histogram buckets are per bucket, not cumulative.
 */
#define STATS_CHECK_NB 13
#define STATS_TTR_NB 12
#define STATS_REC_N 3
struct mstats {
	char *monitor;
	uint64_t checks;
	uint64_t by_state[4]; /* checks by the roll-up state they left */
	uint64_t overruns;
	uint64_t dur[STATS_CHECK_NB + 1];
	double dur_sum;
	uint64_t dur_count;
	uint64_t rec[STATS_REC_N]; /* recovery results, stats_rec_name */
	uint64_t ttr[STATS_TTR_NB + 1];
	double ttr_sum;
	uint64_t ttr_count;
};

struct target {
	struct monitor *m;
	char *name;
	enum rdd_state state;	/* last observed */
	int hard;		/* state confirmed by hard_after failures */
	int fails;		/* consecutive non-OK observations */
	char *msg;
	int64_t since;		/* wall ms of the last state change */
	struct metric *metrics;
	size_t nmetrics;
	int seen;		/* reported by the check in progress */

	uint8_t hist[FLAP_SAMPLES]; /* 1 where the state changed */
	int nhist;
	double flap_pct;
	int flapping;

	/* recovery: the engine's state for this target, persisted */
	/*
	 * Times are monotonic ms: a wall-clock step in either direction
	 * changes no cooldown and no window. The state file holds them as
	 * wall-clock ms (the monotonic clock restarts at boot), converted at
	 * save and clamped at load (recover_restore).
	 */
	int attempts;		/* in the current incident */
	int incident;           /* an incident is open */
	int64_t incident_mono;  /* when it started */
	int64_t next_mono;	/* no attempt before this */
	int64_t cooldown_mono;  /* gave up: nothing until then */
	int64_t *window;        /* when recent attempts started (sliding) */
	int nwindow;
	int recovering;		/* an action is in flight */
	int queued;		/* waiting for a global recovery slot */
	int verifying;		/* action succeeded; waiting for a check */
	uint64_t verify_seq;	/* the first check that can verify it */
	int blocked;		/* an upstream monitor is down */
	int gave_up;
	uint32_t na_rungs;	/* rungs that said "not applicable" */
	int needs_operator;	/* no rung applies: wait for a person */
	int served;		/* an action left it WARNING: degraded, served */
	int crit_action;	/* the last action started on a CRITICAL state */
	int warn_deferred; /* a WARNING's detection waits for the re-check */
	int pause_noted;        /* "paused" journaled for this incident */
	int64_t last_ttr_ms;	/* time to recover of the last incident */
	struct event *retry_ev;
	struct rdd_recovery *rec; /* in flight */
	struct recover_wait *wait; /* an operator waits for its next attempt */
	int manual_queued;         /* the queued attempt is an operator's */
};

struct rdd_check {
	struct monitor *m;
	uint64_t id;		/* names it on the wire */
	int once;		/* --once: print, no recovery */
	uint64_t seq;		/* m->check_seq when it started */
	struct event *timeout_ev;
};

struct rdd_recovery {
	struct monitor *m;
	uint64_t id;
	struct target *t;	/* NULL once the target is gone */
	char *target;
	char *action;
	unsigned attempt;
	int manual;		/* asked for over the control socket */
	int dry_run;            /* recovery.mode = "dry-run": journaled only */
	int64_t started_mono;
	struct event *deadline_ev;
	struct recover_wait *wait; /* an operator waits for the result */
	int finished;
	int64_t started_wall;	/* recorded in the state while in flight */
	pid_t pg[8];		/* process groups of its children */
	unsigned long long pgst[8]; /* their leaders' start times */
	int npg;
};

struct rdd_command {
	struct monitor *m;
	struct control_req *req;
	uint64_t id;
	struct rdd_command *next; /* the worker's unanswered commands */
};

enum worker_state {
	WK_STARTING,		/* forked, no hello yet */
	WK_RUNNING,
	WK_RESTARTING,		/* dead, restart timer armed */
	WK_QUARANTINED,		/* dead, kept down until an operator acts */
	WK_STOPPING,
	WK_STOPPED,
};

#define WK_CRASH_WINDOW_MS (10 * 60 * 1000)
#define WK_CRASH_MAX 3

/* Master side of one plugin worker process. */
struct worker {
	struct rdd_daemon *d;
	int corked;		/* its wire holds this turn's checks (batch) */
	char *name;		/* plugin, plugin@user, or the isolated monitor */
	char *plugin;
	char *user, *group;	/* NULL: the daemon's own */
	char *account;		/* the user it runs as, for status */
	int isolate;
	struct monitor **mon;
	size_t nmon;
	int64_t memory_max;

	pid_t pid;
	struct wire *w;
	struct wk_shm *shm;	/* shared with the child */
	enum worker_state state;
	int exiting;		/* EOF seen or killed: waiting to reap */
	int kill_why;		/* 0 crash, 1 stall, 2 memory, 3 stop */
	char *kill_msg;
	int64_t crashes[WK_CRASH_MAX]; /* monotonic ms of the latest crashes */
	int ncrashes;
	uint64_t restarts;
	uint64_t slow;		/* callbacks over 100 ms */
	char *last_failure;
	int64_t rss, rss_anon;	/* bytes, at the last pong */
	uint64_t ping_seq, pong_seq;
	int64_t ping_mono;	/* when the unanswered ping went out */
	int64_t pong_mono;
	struct event *ping_ev, *restart_ev, *kill_ev;
	struct rdd_command *cmds;
	int misuse_logged;
};

struct monitor {
	struct rdd_daemon *d;
	struct conf_monitor *cm;
	const struct rdd_plugin *pd;
	void *ctx;
	size_t index;		/* position in topological order */
	int started;

	struct target **t;
	size_t nt;
	struct mstats *st; /* the daemon's, outlives the monitor */

	struct event *timer;
	struct rdd_check *cur;	/* check in flight */
	uint64_t checks;
	uint64_t overruns;
	int64_t last_check_wall;
	int64_t check_started_mono;
	int64_t last_check_ms;	/* duration */
	int recheck;		/* run a check as soon as the current ends */
	uint64_t check_seq;	/* checks started, numbered */
	struct rdd_recovery **recs; /* not yet answered by the plugin */
	size_t nrecs;

	enum rdd_state state;	/* roll-up */
	int64_t since;
	char *msg;
	char *sdir;		/* state_dir/name, made on first use */

	struct worker *wk;	/* master: where the plugin runs */
	int widx;		/* index in wk->mon */
	int ready;		/* created and started in its worker */
	int want_check;		/* a check is due once the worker says hello */
	int timed_out;		/* the last check never finished */
	char *down;		/* why its worker cannot run it, or NULL */
	int start_failed;	/* down because the plugin refused to start */
	int64_t cb_since;	/* worker: when the running callback began */
	int stop_for_good;	/* worker: no instance follows this stop */
};

struct handle;
struct follow;

struct rdd_daemon {
	struct event_base *base;
	struct conf *conf;
	char *conf_path;
	struct monitor **mon;	/* in dependency order */
	size_t nmon;

	struct alerts *alerts;	/* master: the alert engine (alerts/) */
	struct inflight *inflight; /* master: what a killed run left running */
	struct outbox *outbox;	/* master: notifications to deliver */
	struct worker **wk;	/* master: plugin workers */
	size_t nwk;
	struct worker **retiring; /* master: stopped by a reload, not reaped */
	size_t nretiring;
	uint64_t next_id;	/* checks, recoveries, commands on the wire */
	struct event *chld_ev;
	struct event *batch_ev;	/* master: ends a turn's corked requests */
	int batching;
	struct wkctx *wctx;	/* worker: the child's side, NULL in the master */
	/*
	 * Worker: the plugin code running now works for a check: check()
	 * itself, or the callback of a child, transfer or one-shot timer
	 * started on a check's behalf. Children it starts are a check's:
	 * their process group dies with them (SVC_CHILD_KILL_GROUP).
	 */
	int in_check;
	/*
	 * Worker: the wire id of the recovery whose recover() (or a child
	 * callback it led to) runs now, else 0. Its children's process
	 * groups go to the master, which records them in the state so a
	 * restarted daemon can stop what an interrupted action left running.
	 */
	uint64_t in_recovery;
	struct hpost *post;	/* worker: host->post's queue */

	struct svc_child *child;
	struct svc_http *http;
	struct svc_watch *watch;
	struct state *state;
	struct control *ctl;
	struct httpd *httpd;
	struct rdd_host host;

	struct handle **handles; /* timers and fd watches given to plugins */
	size_t nhandles;
	uint64_t next_handle;

	int recoveries;		/* in flight */
	struct target **rq;	/* waiting for a slot, in dependency order */
	size_t nrq;
	struct follow *follows;	/* `logs -f` streams (ctlcmd.c) */
	struct mstats **stats;  /* per monitor name, across reloads */
	size_t nstats;

	int once;		/* --once: check, print, exit */
	const char *once_monitor;
	const char *env_override; /* redundancyd -e, kept for reloads */
	char *confhist_dir;       /* state_dir/config-history of the start */
	int pending_once;
	int stopping;
	int64_t stop_began_ms;	/* monotonic; checks in flight get a deadline */
	int stop_phase;		/* 1: workers told to stop */
	int64_t started_wall;
	int64_t wall_off; /* wall minus monotonic ms, as last saved */
	struct event *sig[5];
	struct event *stop_ev;
	struct event *flush_ev;
	enum rdd_state overall;
	/*
	 * What the process (main.c) does for the engine and the surfaces:
	 * they call these, never up into main.c. NULL: not available.
	 */
	/* why: "reload", "signal" or "rollback", kept in the history. */
	int (*on_reload)(struct rdd_daemon *d, long uid, const char *why,
	    char *err, size_t errlen);
	void (*on_stop)(struct rdd_daemon *d);
	void (*on_state_changed)(struct rdd_daemon *d);
};

/* monitor.c: life of monitors and the scheduler */
int monitors_create(struct rdd_daemon *d, struct errlist *errs);
void monitors_start(struct rdd_daemon *d, int64_t delay_ms);
/*
 * next: the configuration that follows a reload, NULL when the daemon
 * stops; a monitor that is in it again keeps what its plugin runs.
 */
void monitors_destroy(struct rdd_daemon *d, const struct conf *next);
struct monitor *monitor_find(struct rdd_daemon *d, const char *name);
void monitor_run_check(struct monitor *m);
void monitor_rearm(struct monitor *m, int64_t ms);
void monitor_check_done(struct rdd_check *c);
int monitors_busy(struct rdd_daemon *d);

/* health.c */
struct target *health_target(struct monitor *m, const char *name, int create);
void health_observe(struct target *t, enum rdd_state st, const char *msg,
    const struct rdd_metric *mv, const struct rdd_metric_bounds *bv, size_t nm,
    int pushed);
void health_check_finished(struct monitor *m);
void health_detect_deferred(struct target *t);
void health_rollup(struct rdd_daemon *d);
void health_target_free(struct target *t);
int monitor_blocked(struct monitor *m);
/*
 * An upstream (depends_on, transitively) whose state is UNKNOWN (not
 * checked yet, or its plugin cannot tell): its name, or NULL. Recovery of
 * m waits: whether the upstream is the cause is not known.
 */
const char *monitor_upstream_unknown(struct monitor *m);
char *engine_status_text(
    struct rdd_daemon *d, const char *monitor, int with_metrics);

/* stats.c: what /metrics counts, kept across reloads */
extern const double stats_check_le[STATS_CHECK_NB];
extern const double stats_ttr_le[STATS_TTR_NB];
extern const char *const stats_rec_name[STATS_REC_N];
struct mstats *stats_of(struct rdd_daemon *d, const char *monitor);
void stats_check(struct monitor *m, int64_t ms);
void stats_recovery(struct monitor *m, int ok);
void stats_ttr(struct monitor *m, int64_t ms);
void stats_free(struct rdd_daemon *d);

/* recover.c */
/* An operator's `recover` (ctlcmd.c). */
struct recover_ask {
	const char *target; /* NULL: every target that needs it */
	int force;          /* also targets OK, UNKNOWN or not reported */
	int wait;           /* reply with the result, not at the start */
	int64_t timeout_ms; /* bound of the wait; 0: RDD_RECOVER_WAIT_MS */
	struct control_req *req;
};
void recover_consider(struct target *t);
void recover_confirmed(struct target *t);
void recover_served(struct target *t, const char *msg);
/*
 * -1: refused, nothing started, msg says why; 0: ask->req is taken and
 * answered later (wait); 1: started, msg says what (the caller replies).
 */
int recover_manual(
    struct monitor *m, const struct recover_ask *ask, char *msg, size_t msglen);
void recover_target_gone(struct target *t);
void recover_restore(struct target *t);
void recover_save(struct target *t);
void recover_cancel_all(struct rdd_daemon *d);
void recover_free_monitor(struct monitor *m);
void recover_done(struct rdd_recovery *r, int ok, const char *msg);

/* workers.c: the master's side of plugin workers */
int workers_assign(struct rdd_daemon *d);
void workers_spawn_all(struct rdd_daemon *d);
int workers_check(struct monitor *m, struct rdd_check *c);
void workers_batch(struct rdd_daemon *d);
void workers_cancel_check(struct monitor *m, struct rdd_check *c);
int workers_recover(struct monitor *m, struct rdd_recovery *r);
int workers_command(struct monitor *m, struct rdd_command *c, int argc,
    const char *const *argv);
void workers_stop_all(
    struct rdd_daemon *d, int retire, const struct conf *next);
int workers_alive(struct rdd_daemon *d);
void workers_free(struct rdd_daemon *d);
int workers_unquarantine(struct rdd_daemon *d, const char *name, char *msg,
    size_t len);
struct worker *workers_find(struct rdd_daemon *d, const char *name);
const char *workers_state_name(enum worker_state st);
int workers_watchdog_ok(struct rdd_daemon *d);
void workers_feed(struct worker *wk, json_object *o);

/* The master's malloc keeps big replies' memory; workers go back to glibc's. */
#define MASTER_MMAP_THRESHOLD (2 * 1024 * 1024)
#define MASTER_TRIM_THRESHOLD (4 * 1024 * 1024)
#define WORKER_MMAP_THRESHOLD (128 * 1024)
#define WORKER_TRIM_THRESHOLD (128 * 1024)

/* worker.c: the child's side; never returns */
void worker_cb_enter(
    struct monitor *m, int cb, int in_check, struct wk_save *save);
void worker_cb_leave(struct monitor *m, struct wk_save *save);
void worker_main(struct rdd_daemon *md, struct worker *wk, int fd)
    __attribute__((noreturn));

/* probe.c: plugins checked in short-lived children, never in the master */
int probe_conf(struct conf *c, const char *only_monitor, struct errlist *errs);
int probe_load(const struct conf *c, const char *plugin,
    struct loader_entry *e, char *err, size_t errlen);
int probe_validate(const struct rdd_host *host, struct monitor *m,
    struct conf_monitor *cm, char *err, size_t errlen);

/*
 * rename.c: before a reload's monitors_destroy, marks the monitors of next
 * that are renamed ones (their old instances then stop as for a successor);
 * after it, carries their state, state directory and pauses over.
 */
size_t rename_prepare(struct rdd_daemon *d, struct conf *next);
void rename_apply(struct rdd_daemon *d, const struct conf *next, long uid);

/*
 * inflight.c: a recovery in flight is in the state (with its children's
 * process groups) until its result; at start-up what a killed daemon left
 * is journaled as interrupted and stopped before its target acts again.
 */
void inflight_begin(struct rdd_recovery *r);
void inflight_group(struct rdd_recovery *r, pid_t pg, unsigned long long st);
void inflight_end(struct rdd_recovery *r);
int inflight_recover(struct rdd_daemon *d);
int inflight_orphan(struct rdd_recovery *r); /* 1: its groups are stopped */
int inflight_blocks(const struct target *t);
void inflight_free(struct rdd_daemon *d);

/*
 * privsep.c: the master drops to daemon.user when every worker runs as it;
 * a master that is not root refuses monitors that need another account.
 */
int privsep_conf_check(const struct conf *c, struct errlist *errs);
int privsep_master_drop(const struct conf *c);

/* hostapi.c */
void hostapi_init(struct rdd_daemon *d);
/*
 * Worker: the RDD_MONITOR, RDD_TARGET, RDD_STATE, RDD_EVENT, RDD_MESSAGE
 * entries added to children started during a recover() callback (NULL
 * ends it). env is NULL-terminated "K=V" strings, copied.
 */
void hostapi_set_event_env(const char *const *env);
int hostapi_post_init(struct rdd_daemon *d);
void hostapi_release_owner(struct rdd_daemon *d, struct monitor *m);
void hostapi_free(struct rdd_daemon *d);

/*
 * confhist.c: the configuration history in confhist_dir, one directory
 * per entry: manifest.json (n, time_ms, uid, trigger, environment, files)
 * and the files' bytes as 0, 1, ... (0600).
 */
struct confhist_entry {
	unsigned long n;
	int64_t time_ms;
	long uid;      /* -1: not known */
	char *trigger; /* start, reload, signal, rollback, backup */
	char *environment;
	char **files; /* absolute paths, main file first */
	size_t nfiles;
	int masked; /* a secret was masked: never written back */
};
/*
 * Keep the files of c, as read, unless the newest entry holds the same;
 * prune to c->config_history entries. Returns the entry's number, 0 when
 * nothing was kept, -1 with err.
 */
long confhist_record(const char *dir, const struct conf *c, long uid,
    const char *trigger, char *err, size_t errlen);
/* The entries, oldest first, as a JSON array; NULL with err. */
json_object *confhist_list(const char *dir, char *err, size_t errlen);
/*
 * Unified diff of entry n against the files of conf_path (environment
 * env) on disk now, at most max bytes (*truncated then). NULL with err.
 */
char *confhist_diff(const char *dir, unsigned long n, const char *conf_path,
    const char *env, size_t max, int *truncated, char *err, size_t errlen);
/*
 * Write entry n's files back (the files now kept first as an entry) and
 * reload. A configuration that does not validate now is refused before
 * anything is written. 0 with msg, -1 with msg.
 */
int confhist_rollback(
    struct rdd_daemon *d, unsigned long n, long uid, char *msg, size_t len);
/* A manifest.json's text (fuzzed); -1 with err. */
int confhist_parse_manifest(
    const char *text, struct confhist_entry *e, char *err, size_t errlen);
void confhist_entry_free(struct confhist_entry *e);

/* ctlcmd.c */
void *ctlcmd_handle(void *arg, struct control_req *r, void *request, long uid);
void ctlcmd_command_done(struct rdd_command *c, int ok, const char *text);
void ctlcmd_end_streams(struct rdd_daemon *d);


#endif /* RDD_DAEMON_H */
