/*
 * delivery.h: the outbox half's inner interfaces: channel rendering, the
 * master's courier to the alerts worker, and that worker's main.
 */
#ifndef RDD_ALERTS_DELIVERY_H
#define RDD_ALERTS_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "alerts.h"

struct rdd_daemon;

/* receivers.c */
const char *rcv_type_name(enum alert_rcv_type t);

/* ---- channel.c: what each channel sends, from the v4 payload ---- */

/* The fields of the first alert a message is made of; borrowed. */
struct chan_alert {
	const char *status; /* "firing" or "resolved" */
	const char *alertname, *monitor, *target, *severity, *event;
	const char *summary, *description, *next_step;
	const char *starts_at, *generator_url;
	size_t nalerts;
};
void chan_first(json_object *payload, struct chan_alert *a);
/* Slack incoming webhook: {"text":..., "blocks":[...]}; malloc'd. */
char *chan_slack(json_object *payload);
/* RFC 5322 message: headers (CRLF), blank line, plain-text body. */
char *chan_email(json_object *payload, const char *from,
    const struct rdd_strlist *to, const char *key, int64_t wall_ms,
    const char *host);
/* One SMS text: at most CHAN_SMS_MAX bytes, cut on a UTF-8 boundary. */
#define CHAN_SMS_MAX 160
char *chan_sms_body(json_object *payload);
/* To=..&From=..&Body=..&fields: application/x-www-form-urlencoded. */
char *chan_sms_form(const char *body, const char *from, const char *to,
    const struct rdd_strlist *fields);
/* "RDD_EVENT=...", ... NULL-terminated; free with chan_env_free. */
char **chan_env(json_object *payload, const char *receiver, const char *key);
void chan_env_free(char **env);
/* base64 of len bytes; malloc'd. */
char *chan_base64(const void *p, size_t len);
/* A test notification (alert-test) in the v4 shape. */
json_object *chan_test_payload(
    const char *receiver, int64_t wall_ms, const char *host);

/* The receiver as sent to the worker with each notification, and back. */
json_object *chan_rcv_json(const struct alert_receiver *r);
/* r's strings are borrowed from o; lists are malloc'd: chan_rcv_release. */
int chan_rcv_from_json(json_object *o, struct alert_receiver *r);
void chan_rcv_release(struct alert_receiver *r);

/* ---- courier.c: the master's side of the alerts worker ---- */

struct courier;
/* One notification's outcome; msg is redacted. */
typedef void (*courier_done_fn)(
    void *arg, uint64_t id, int ok, const char *msg);
/* The worker can take notifications again (after a restart). */
typedef void (*courier_ready_fn)(void *arg);
struct courier *courier_new(struct rdd_daemon *d, courier_done_fn done,
    courier_ready_fn ready, void *arg);
/*
 * Hand job (consumed) to the worker; deadline_ms: kill the worker if it
 * has not answered by then. -1: no worker now (ready is called later).
 */
int courier_send(
    struct courier *c, uint64_t id, json_object *job, int64_t deadline_ms);
/*
 * A message to the worker that is not a notification (the silence watch);
 * consumed. Starts the worker when none runs; -1 when it cannot now (the
 * ready callback comes later: send it again then).
 */
int courier_post(struct courier *c, json_object *msg);
/* The worker's "ampause" messages: the pauses its silence watch found. */
void courier_on_ampause(
    struct courier *c, void (*fn)(void *arg, json_object *o), void *arg);
void courier_free(struct courier *c);

/* ---- deliver.c: the alerts worker process; never returns ---- */
void deliver_main(struct rdd_daemon *md, int fd) __attribute__((noreturn));

#endif /* RDD_ALERTS_DELIVERY_H */
