/*
 * decide.h: the PM2 plugin's decisions, pure: what we remember per pm_id
 * between checks and events, and the verdict on one app from its
 * instances, the thresholds and that memory. No I/O, no host.
 */
#ifndef PM2_DECIDE_H
#define PM2_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include <redundancyd/rdd_plugin.h>

#include "procs.h"

/* Crash times kept per pm_id: beyond any sane restarts_max. */
#define PM2_CRASHES_MAX 64
/* Instances of one app named in a verdict (restart targets). */
#define PM2_BAD_MAX 64
#define PM2_MSG_MAX 1024

struct pm2_limits {
	int64_t memory_max;      /* bytes, 0: the app's max_memory_restart */
	double cpu_max;          /* percent of one core, 0: off */
	int64_t cpu_window;      /* ms over cpu_max before CRITICAL */
	int restarts_max;        /* restarts per window, 0: off */
	int64_t restarts_window; /* ms */
	int64_t confirm;         /* ms an app that was CRITICAL must stay up */
};

/* What the plugin remembers about one pm_id. */
struct pm2_inst {
	int pm_id;
	char *name;
	char *exec_path; /* pm_exec_path, for orphan identity */
	int port;        /* PORT of its env, 0 if none */
	long last_pid;   /* last pid seen online, 0 if none */
	int present;     /* in the last process list */
	int stopping;    /* an exit with status "stopping" was seen */
	int op_stopped;  /* a stop was asked (stop event, stopProcessId) */
	int64_t cpu_over_since; /* ms, 0: not over cpu_max */
	int cpu_under;          /* samples under cpu_max in a row */
	int64_t stopped_since;  /* ms, 0: not seen stopped */
	int64_t exit_seen_us;   /* monotonic us of the last exit event */
	int64_t exit_at;        /* its "at": PM2's clock, epoch ms */
	/*
	 * Times (ms) of exits PM2 did not ask for: crashes and self-exits.
	 * Restarts asked for (restartProcessId, pm2 restart, a memory
	 * restart) go through "stopping" and are not counted, so repairs
	 * never feed the restart-loop detection.
	 */
	int64_t crash[PM2_CRASHES_MAX];
	int ncrash;
};

struct pm2_tracks {
	struct pm2_inst *v;
	size_t n, cap;
	int64_t window; /* restarts_window, ms: how long samples are kept */
};

void pm2_tracks_free(struct pm2_tracks *t);
struct pm2_inst *pm2_track_find(struct pm2_tracks *t, int pm_id);
/*
 * The record of pm_id, created when absent; a different name means PM2
 * reused the id for a new process: the record starts afresh. NULL: ENOMEM.
 */
struct pm2_inst *pm2_track_get(
    struct pm2_tracks *t, int pm_id, const char *name);

/*
 * A new process list at `now` (ms): CPU over time, stops, pids; forgets
 * pm_ids that are gone. Returns -1 on ENOMEM (tracking partial).
 */
int pm2_track_list(struct pm2_tracks *t, const struct procs_list *l,
    const struct pm2_limits *lim, int64_t now);

/* Crashes of one instance within the last `window` ms. */
int64_t pm2_inst_restarts(
    const struct pm2_inst *in, int64_t now, int64_t window);

/*
 * A process:event at `now` (ms; now_us monotonic for latency). Returns 1
 * when PM2 will not restart the process by itself (an exit with autorestart
 * off that no stop asked for, "restart overlimit"): the caller pushes
 * CRITICAL with `msg` at once. 0 otherwise.
 */
int pm2_track_event(struct pm2_tracks *t, const struct procs_event *ev,
    int64_t now, int64_t now_us, char *msg, size_t msglen);

struct pm2_verdict {
	enum rdd_state st;
	char msg[PM2_MSG_MAX];
	int bad[PM2_BAD_MAX]; /* pm_ids to act on; empty: the whole app */
	size_t nbad;
	int whole;        /* an app-level problem: act on every instance */
	int gave_up;      /* some instance errored or stuck */
	int64_t restarts; /* in the window, all instances */
	uint64_t memory;  /* sum */
	double cpu;       /* sum */
	size_t online, n;
};

/*
 * Judge one app: `op_stopped` is 1 when an operator stop of this app name
 * is on record (persisted across daemon restarts by the caller); `prev` is
 * the state reported last time. An app that was CRITICAL stays CRITICAL
 * while PM2 is still bringing it back (launching, waiting restart) or
 * until it has been online for lim->confirm: a crash loop caught online
 * between two crashes must not close the incident.
 */
void pm2_judge_app(const struct procs_app *a, struct pm2_tracks *t,
    const struct pm2_limits *lim, int64_t now, int op_stopped,
    enum rdd_state prev, struct pm2_verdict *v);

/* "1.5 GB", "80 MB", "512 KB", "12 B" */
void pm2_fmt_bytes(char *buf, size_t len, uint64_t n);
/* "1.5 s", "2 min", "250 ms" */
void pm2_fmt_ms(char *buf, size_t len, int64_t ms);

#endif /* PM2_DECIDE_H */
