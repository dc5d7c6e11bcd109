/*
 * alerts.h: the alert pipeline of issue 10, in two halves that meet here:
 * the engine (events, routing, grouping, escalation) and the outbox that
 * delivers through a worker of its own (webhook, Slack, email, SMS, command).
 */
#ifndef RDD_ALERTS_H
#define RDD_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "rdd.h"

struct rdd_daemon;

/* ---- configuration: the `alerts` group (aconf.c) ---- */

enum alert_rcv_type {
	RCV_WEBHOOK, /* Alertmanager webhook payload, version "4" */
	RCV_SLACK,   /* Slack incoming webhook: text + blocks */
	RCV_EMAIL,   /* SMTP through libcurl: smtp://, smtps://, STARTTLS */
	RCV_SMS,     /* form POST to a gateway, Twilio's Messages shape */
	RCV_COMMAND, /* argv, the notification as JSON on stdin */
	RCV_ALERTMANAGER, /* POST /api/v2/alerts to each of urls */
};

/* One `receivers` entry. Secrets are resolved at send time, never kept. */
struct alert_receiver {
	char *name;
	enum alert_rcv_type type;
	char *url;		 /* or from url_env / url_file at send time */
	char *url_env, *url_file;
	char *token_env, *token_file; /* a secret: bearer / basic / SMTP */
	char *user;		 /* SMTP AUTH or SMS account (basic auth) */
	char *from;		 /* email From, SMS From */
	char *ca_file;           /* PEM CAs trusted for TLS, or the system's */
	struct rdd_strlist to;	 /* email To, SMS To numbers */
	struct rdd_strlist command; /* RCV_COMMAND argv */
	struct rdd_strlist fields;  /* SMS extra form fields "K=V" */
	struct rdd_strlist urls;    /* RCV_ALERTMANAGER: every member */
	int honor_silences;	    /* RCV_ALERTMANAGER: pauses from silences */
	int64_t refresh_ms;	    /* RCV_ALERTMANAGER: silences read every */
	int64_t timeout_ms;	 /* one attempt, default 10 s */
	int64_t retry_min_ms;    /* first retry delay, default 5 s */
	int64_t retry_max_ms;    /* retry delay cap, default 5 min */
	char *file;		 /* where it was declared */
	int line;
};

struct alerts_conf; /* routes, escalation, rules, trends: aconf.c's */

/*
 * Parse the top-level `alerts` setting (a libconfig setting, passed as
 * const void * so that rdd.h needs no libconfig). where is "file:line: ".
 * Errors go to errs as "file:line: alerts.route: ...: fix". NULL on error.
 */
struct alerts_conf *alerts_conf_parse(const void *setting, const char *where,
    struct errlist *errs);
void alerts_conf_free(struct alerts_conf *ac);
/* The receivers, for the outbox; n set to their count. */
const struct alert_receiver *alerts_conf_receivers(
    const struct alerts_conf *ac, size_t *n);

/* receivers.c: the `receivers` list; aconf.c calls it. 0 or -1. */
int alerts_receivers_parse(const void *list, struct alert_receiver **out,
    size_t *n, struct errlist *errs);
void alerts_receivers_free(struct alert_receiver *r, size_t n);

/* ---- the engine (engine.c): events in, notifications to the outbox ---- */

enum alert_event {
	AEV_CRITICAL,	 /* a target went hard CRITICAL */
	AEV_WARNING,	 /* a target went hard WARNING */
	AEV_GAVE_UP,	 /* recovery gave up: needs an operator */
	AEV_SERVED,	 /* an action left it degraded but served: no give-up */
	AEV_RECOVERED,	 /* back to OK after an incident */
	AEV_PLUGIN,	 /* a worker crashed, stalled or was quarantined */
	AEV_LIFECYCLE,	 /* daemon start, stop, reload */
	AEV_BLOCKED,	 /* a monitor blocked by a depends_on upstream */
};

/* Every function takes a NULL engine (--once, -t) and does nothing. */
struct alerts;
struct alerts *alerts_new(struct rdd_daemon *d);
/* At start and after each reload; ac may be NULL (no alerts group). */
void alerts_apply(struct alerts *a, const struct alerts_conf *ac);
void alerts_event(struct alerts *a, enum alert_event ev, const char *monitor,
    const char *target, const char *msg);
void alerts_free(struct alerts *a);

/* ---- the outbox (outbox.c): nothing lost, delivered by its worker ---- */

/* outbox_set_receivers and outbox_free take a NULL outbox. */
struct outbox;
/* dir: <state_dir>/outbox, created 0700. NULL with err on failure. */
struct outbox *outbox_new(struct rdd_daemon *d, const char *dir, char *err,
    size_t errlen);
/* At start and after each reload (receivers may come and go). */
void outbox_set_receivers(struct outbox *ob, const struct alert_receiver *r,
    size_t n);
/*
 * Queue one notification for one receiver. payload is the canonical form
 * every channel renders from: the Alertmanager webhook document (version
 * "4"). key is the idempotency key (same key, same notification: sent at
 * most once more after a crash). Written and fsynced before it returns 0.
 */
int outbox_put(struct outbox *ob, const char *receiver, const char *key,
    const char *payload, enum rdd_state severity);
size_t outbox_depth(const struct outbox *ob);
/*
 * honor_silences: watch (a json_object *, consumed; NULL stops it) is
 * what the alerts worker polls: {"t":"amwatch","urls":[...],"host":...,
 * "monitors":[...],...}; fn gets each {"t":"ampause",...} it answers.
 */
void outbox_watch_silences(struct outbox *ob, void *watch,
    void (*fn)(void *arg, void *o), void *arg);
/* Per receiver, for /metrics and status: v[0..max), the count returned. */
struct outbox_rcv_stats {
	const char *receiver; /* valid until the next outbox call */
	size_t queued;        /* waiting, including the one in flight */
	size_t retrying;      /* queued behind a failed attempt (backoff) */
	uint64_t sent, failed, dropped; /* since start; failed: attempts */
};
size_t outbox_stats(
    const struct outbox *ob, struct outbox_rcv_stats *v, size_t max);
/* Is name a configured receiver? (alert-test, route checks) */
int outbox_has_receiver(const struct outbox *ob, const char *name);
void outbox_free(struct outbox *ob);

#endif /* RDD_ALERTS_H */
