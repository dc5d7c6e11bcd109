/*
 * daemon.h: the host's core state: the daemon, its monitors and their
 * targets, and the check and recovery records the SDK's opaque handles name.
 */
#ifndef RDD_DAEMON_H
#define RDD_DAEMON_H

#include "rdd.h"

#define FLAP_SAMPLES 21

struct metric {
	char *name;
	char *unit;
	double value;
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
	int attempts;		/* in the current incident */
	int64_t incident_wall;	/* when the incident started, 0: none */
	int64_t next_mono;	/* no attempt before this */
	int64_t cooldown_wall;	/* gave up: nothing until then */
	int64_t *window;	/* wall ms of recent attempts (sliding) */
	int nwindow;
	int recovering;		/* an action is in flight */
	int queued;		/* waiting for a global recovery slot */
	int verifying;		/* action succeeded; waiting for a check */
	int blocked;		/* an upstream monitor is down */
	int gave_up;
	uint32_t na_rungs;	/* rungs that said "not applicable" */
	int needs_operator;	/* no rung applies: wait for a person */
	int64_t last_ttr_ms;	/* time to recover of the last incident */
	struct event *retry_ev;
	struct rdd_recovery *rec; /* in flight */
};

struct rdd_check {
	struct monitor *m;
	int abandoned;		/* timed out; ignore what still arrives */
	int once;		/* --once: print, no recovery */
	struct event *timeout_ev;
};

struct rdd_recovery {
	struct monitor *m;
	struct target *t;	/* NULL once the target is gone */
	char *target;
	char *action;
	unsigned attempt;
	int manual;		/* asked for over the control socket */
	int64_t started_mono;
	struct event *deadline_ev;
	struct control_req *req; /* manual: reply when done */
	int finished;
};

struct rdd_command {
	struct monitor *m;
	struct control_req *req;
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

	struct event *timer;
	struct rdd_check *cur;	/* check in flight */
	uint64_t checks;
	uint64_t overruns;
	int64_t last_check_wall;
	int64_t check_started_mono;
	int64_t last_check_ms;	/* duration */
	int recheck;		/* run a check as soon as the current ends */
	struct rdd_check **lost; /* timed out, plugin may still answer */
	size_t nlost;
	struct rdd_recovery **recs; /* not yet answered by the plugin */
	size_t nrecs;

	enum rdd_state state;	/* roll-up */
	int64_t since;
	char *msg;
	char *sdir;		/* state_dir/name, made on first use */
};

struct handle;
struct follow;

struct rdd_daemon {
	struct event_base *base;
	struct conf *conf;
	struct loader loader;
	char *conf_path;
	struct monitor **mon;	/* in dependency order */
	size_t nmon;

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

	int once;		/* --once: check, print, exit */
	const char *once_monitor;
	int pending_once;
	int stopping;
	int64_t stop_began_ms;	/* monotonic; checks in flight get a deadline */
	int64_t started_wall;
	struct event *sig[5];
	struct event *stop_ev;
	struct event *flush_ev;
	enum rdd_state overall;
};

/* monitor.c: life of monitors and the scheduler */
int monitors_create(struct rdd_daemon *d, struct errlist *errs);
void monitors_start(struct rdd_daemon *d, int64_t delay_ms);
void monitors_destroy(struct rdd_daemon *d);
struct monitor *monitor_find(struct rdd_daemon *d, const char *name);
void monitor_run_check(struct monitor *m);
void monitor_check_done(struct rdd_check *c);
int monitors_busy(struct rdd_daemon *d);

/* health.c */
struct target *health_target(struct monitor *m, const char *name, int create);
void health_observe(struct target *t, enum rdd_state st, const char *msg,
    const struct rdd_metric *mv, size_t nm, int pushed);
void health_check_finished(struct monitor *m);
void health_rollup(struct rdd_daemon *d);
void health_target_free(struct target *t);
int monitor_blocked(struct monitor *m);
char *engine_status_text(struct rdd_daemon *d, const char *monitor);

/* recover.c */
void recover_consider(struct target *t);
void recover_confirmed(struct target *t);
int recover_manual(struct monitor *m, const char *target,
    struct control_req *req, char *err, size_t errlen);
void recover_target_gone(struct target *t);
void recover_restore(struct target *t);
void recover_save(struct target *t);
void recover_cancel_all(struct rdd_daemon *d);
void recover_free_monitor(struct monitor *m);
void recover_done(struct rdd_recovery *r, int ok, const char *msg);

/* hostapi.c */
void hostapi_init(struct rdd_daemon *d);
void hostapi_release_owner(struct rdd_daemon *d, struct monitor *m);
void hostapi_free(struct rdd_daemon *d);

/* ctlcmd.c */
void *ctlcmd_handle(void *arg, struct control_req *r, void *request, long uid);
void ctlcmd_command_done(struct rdd_command *c, int ok, const char *text);
void ctlcmd_end_streams(struct rdd_daemon *d);

/* main.c */
int daemon_reload(struct rdd_daemon *d, long uid, char *err, size_t errlen);
void daemon_shutdown(struct rdd_daemon *d);
void daemon_state_changed(struct rdd_daemon *d);

#endif /* RDD_DAEMON_H */
