/*
 * engine.h: what the engine offers beyond alerts.h: the control commands
 * (ack, silence, pause), the recovery gate (pause, dry-run) and tests' hooks.
 */
#ifndef RDD_ALERTS_ENGINE_H
#define RDD_ALERTS_ENGINE_H

#include <stdio.h>

#include "alerts.h"

/* An event with a finer kind: "crash", "stall", "quarantine", "unblocked". */
void alerts_event_kind(struct alerts *a, enum alert_event ev, const char *kind,
    const char *monitor, const char *target, const char *msg);
/* A target's metric sample, for the trend rules (health.c). */
void alerts_sample(struct alerts *a, const char *monitor, const char *target,
    const char *metric, double value);

/*
 * Before recovery starts an action: 0 act; 1 dry-run (why: "would
 * recover-1 app"); 2 paused (why: "paused by uid 0 until ..."). manual:
 * asked for by an operator, which a pause lets through.
 */
int alerts_recovery_gate(struct alerts *a, const char *monitor,
    const char *target, const char *action, int manual, char *why, size_t len);
/* Is monitor paused now? Fills by, until (0: indefinite) when so. */
int alerts_paused(struct alerts *a, const char *monitor, long *by,
    int64_t *until_wall, const char **comment);

/*
 * A monitor renamed by a reload: its silences, acknowledgements and pauses
 * follow it (Alertmanager's silences match labels: not ours to move).
 */
size_t alerts_rename(struct alerts *a, const char *from, const char *to);
/* Control commands: 0 with msg, or -1 with msg as the error. */
int alerts_ack(struct alerts *a, const char *monitor, const char *target,
    const char *comment, long uid, char *msg, size_t len);
int alerts_silence(struct alerts *a, const char *monitor, const char *target,
    int64_t for_ms, const char *comment, long uid, char *msg, size_t len);
int alerts_unsilence(
    struct alerts *a, uint64_t id, long uid, char *msg, size_t len);
int alerts_pause(struct alerts *a, const char *monitor, int64_t for_ms,
    const char *comment, long uid, char *msg, size_t len);
int alerts_resume(
    struct alerts *a, const char *monitor, long uid, char *msg, size_t len);
/* {"firing":[...],"silences":[...],"acks":[...],"pauses":[...], ...} */
void *alerts_status_json(struct alerts *a);
/*
 * For /health and the dashboard: {"firing":[{"alertname","monitor",
 * "target","severity","state","level","since"}],"outbox_depth":N}, no
 * annotations (no check output on an unauthenticated surface).
 */
void *alerts_summary_json(struct alerts *a);
/* Prometheus families of the engine (render.c). */
void alerts_metrics_text(struct alerts *a, FILE *f);

/* Tests: where notifications go and what time it is. */
typedef int (*alerts_put_fn)(void *arg, const char *receiver, const char *key,
    const char *payload, enum rdd_state severity);
void alerts_set_sink(struct alerts *a, alerts_put_fn fn, void *arg);
void alerts_set_clock(struct alerts *a, int64_t (*now_ms)(void *), void *arg);
/* Run what is due now (the timer's body). */
void alerts_tick(struct alerts *a);
/*
 * Tell the groups due now (group_wait "0s") at once: the engine calls it
 * when it has taken in a check's result (health_rollup), so that a
 * notification is not left behind the state's fsyncs and the loop's turn.
 */
void alerts_due(struct alerts *a);
/* The firing alert count (not resolved), and the held-back ones. */
size_t alerts_firing(const struct alerts *a);

/* trend.c: least squares; 1 and eta_ms when x reaches limit within h. */
int trend_fit(const double *t_ms, const double *y, size_t n, double limit,
    double *slope_per_ms, double *eta_ms);

#endif /* RDD_ALERTS_ENGINE_H */
