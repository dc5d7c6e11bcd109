/*
 * deliver.c: the alerts worker: a child of the master with its own loop,
 * svc_http (HTTP and SMTP) and svc_child; one notification per message.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "daemon.h"
#include "alerts.h"
#include "delivery.h"
#include "amsil.h"

#define DL_MSG_MAX 400     /* an outcome's text */
#define DL_OUTPUT_CAP 4096 /* a command's output kept */
#define DL_TWILIO "https://api.twilio.com/2010-04-01/Accounts/%s/Messages.json"

struct dl {
	struct event_base *base;
	struct wire *w;
	struct svc_http *http;
	struct svc_child *child;
	char host[256];

	/* honor_silences: the master's watch, polled on a timer. */
	json_object *watch;
	struct alert_receiver wr; /* its receiver; strings borrowed */
	struct event *watch_ev;
	int watch_busy;
	size_t watch_url; /* the member asked now */
	char watch_err[DL_MSG_MAX];
};

/* One notification being delivered: parts may run in parallel (SMS). */
struct dl_job {
	struct dl *dl;
	uint64_t id;
	json_object *msg;     /* holds every borrowed string below */
	json_object *payload; /* parsed */
	struct alert_receiver r;
	int pending; /* requests not answered yet */
	int failed;
	int anyof;   /* alertmanager: one member taking it is enough */
	int oks;     /* requests answered 2xx */
	char err[DL_MSG_MAX];
};

static struct dl dl0;

static void
dl_send(struct dl *dl, json_object *o)
{
	(void)wire_send(dl->w, o);
}

static void
dl_log_sink(
    void *arg, const char *monitor, enum rdd_log_level lvl, const char *text)
{
	struct dl *dl = arg;
	json_object *o = json_object_new_object();
	char *r = redact_str(text);

	(void)monitor;
	json_object_object_add(o, "t", json_object_new_string("log"));
	json_object_object_add(o, "l", json_object_new_int(lvl));
	json_object_object_add(o, "msg", json_object_new_string(r ? r : ""));
	free(r);
	dl_send(dl, o);
}

/* The master keeps the journal; its descriptor is not ours. */
static void
dl_journal_drop(void *arg, const char *kind, const char *monitor,
    const char *target, const char *msg)
{
	(void)arg;
	(void)kind;
	(void)monitor;
	(void)target;
	(void)msg;
}

/* A secret known here is masked here and in the master. */
static void
dl_secret(struct dl *dl, const char *s)
{
	json_object *o;

	if (s == NULL || *s == '\0')
		return;
	redact_add(s);
	o = json_object_new_object();
	json_object_object_add(o, "t", json_object_new_string("secret"));
	json_object_object_add(o, "s", json_object_new_string(s));
	dl_send(dl, o);
}

static void
dl_finish(struct dl_job *j)
{
	json_object *o = json_object_new_object();
	char *r;

	json_object_object_add(o, "t", json_object_new_string("done"));
	json_object_object_add(o, "id", json_object_new_int64((int64_t)j->id));
	/*
	 * An Alertmanager cluster shares silences and notifications, not
	 * alerts: every member is sent them, and one that took them is
	 * enough; the others get the next resend.
	 */
	if (j->anyof && j->oks > 0)
		j->failed = 0;
	json_object_object_add(o, "ok", json_object_new_boolean(!j->failed));
	if (j->failed) {
		r = redact_str(j->err);
		json_object_object_add(
		    o, "msg", json_object_new_string(r ? r : "failed"));
		free(r);
	}
	dl_send(j->dl, o);
	chan_rcv_release(&j->r);
	json_object_put(j->payload);
	json_object_put(j->msg);
	free(j);
}

static void dl_fail(struct dl_job *j, const char *fmt, ...) RDD_PRINTF(2, 3);

static void
dl_fail(struct dl_job *j, const char *fmt, ...)
{
	va_list ap;

	if (j->failed)
		return; /* the first reason is the one to read */
	j->failed = 1;
	va_start(ap, fmt);
	vsnprintf(j->err, sizeof(j->err), fmt, ap);
	va_end(ap);
}

/* One part answered; the job ends with its last part. */
static void
dl_part_done(struct dl_job *j)
{
	if (--j->pending <= 0)
		dl_finish(j);
}

/* A certificate curl did not trust: say which knob fixes it. */
static const char *
dl_tls_hint(const struct dl_job *j, const char *errmsg)
{
	if (errmsg == NULL || strstr(errmsg, "certificate") == NULL)
		return "";
	return j->r.ca_file != NULL
	           ? " (is ca_file the CA that signed the server's "
	             "certificate?)"
	           : " (a private CA: set ca_file = \"/path/ca.pem\" on "
	             "the receiver)";
}

static void
dl_http_cb(void *arg, const struct rdd_http_response *res)
{
	struct dl_job *j = arg;
	char body[160];
	size_t n;

	if (res->error != 0)
		dl_fail(j, "%s%s",
		    res->errmsg ? res->errmsg : "transfer failed",
		    dl_tls_hint(j, res->errmsg));
	else if (res->status >= 200 && res->status <= 299)
		j->oks++;
	else {
		n = res->body_len < sizeof(body) - 1 ? res->body_len
		                                     : sizeof(body) - 1;
		memcpy(body, res->body, n);
		body[n] = '\0';
		body[strcspn(body, "\r\n")] = '\0';
		dl_fail(
		    j, "HTTP %ld%s%s", res->status, body[0] ? ": " : "", body);
	}
	dl_part_done(j);
}

static void
dl_smtp_cb(void *arg, const struct rdd_http_response *res)
{
	struct dl_job *j = arg;

	if (res->error != 0)
		dl_fail(j, "SMTP: %s (last reply %ld)%s",
		    res->errmsg ? res->errmsg : "failed", res->status,
		    dl_tls_hint(j, res->errmsg));
	dl_part_done(j);
}

static void
dl_child_cb(void *arg, const struct rdd_child_result *res)
{
	struct dl_job *j = arg;
	char first[200];

	snprintf(first, sizeof(first), "%s",
	    res->err_len   ? res->err
	    : res->out_len ? res->out
	                   : "");
	first[strcspn(first, "\r\n")] = '\0';
	if (res->spawn_errno != 0)
		dl_fail(j, "%s: cannot run: %s", j->r.command.v[0],
		    strerror(res->spawn_errno));
	else if (res->timed_out)
		dl_fail(j, "%s: killed after %lld ms", j->r.command.v[0],
		    (long long)j->r.timeout_ms);
	else if (!res->exited || res->status != 0)
		dl_fail(j, "%s: %s %d%s%s", j->r.command.v[0],
		    res->exited ? "exit status" : "signal",
		    res->exited ? res->status : res->signal,
		    first[0] ? ": " : "", first);
	dl_part_done(j);
}

/* url, url_env or url_file: a URL from outside may hold a token. */
static char *
dl_url(struct dl_job *j)
{
	char err[RDD_ERRLEN], *u;

	if (j->r.url != NULL)
		return strdup(j->r.url);
	if (j->r.url_env == NULL && j->r.url_file == NULL)
		return NULL;
	if ((u = secret_load(j->r.url_env, j->r.url_file, err, sizeof(err))) ==
	    NULL) {
		dl_fail(j, "url: %s", err);
		return NULL;
	}
	dl_secret(j->dl, u);
	return u;
}

static char *
dl_token(struct dl_job *j, int *bad)
{
	char err[RDD_ERRLEN], *t;

	*bad = 0;
	if (j->r.token_env == NULL && j->r.token_file == NULL)
		return NULL;
	if ((t = secret_load(
	         j->r.token_env, j->r.token_file, err, sizeof(err))) == NULL) {
		dl_fail(j, "token: %s", err);
		*bad = 1;
		return NULL;
	}
	dl_secret(j->dl, t);
	return t;
}

/* "Authorization: Basic b64(user:token)" or "Bearer token". */
static char *
dl_auth(const char *user, const char *token)
{
	char *up, *b, *h = NULL;

	if (token == NULL)
		return NULL;
	if (user == NULL) {
		if (asprintf(&h, "Authorization: Bearer %s", token) < 0)
			return NULL;
	} else {
		if (asprintf(&up, "%s:%s", user, token) < 0)
			return NULL;
		b = chan_base64(up, strlen(up));
		explicit_bzero(up, strlen(up));
		free(up);
		if (b == NULL || asprintf(&h, "Authorization: Basic %s", b) < 0)
			h = NULL;
		free(b);
	}
	if (h != NULL)
		redact_add(h + strlen("Authorization: "));
	return h;
}

static void
dl_wipe(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static int
dl_post(struct dl_job *j, const char *url, const char *ctype, const char *auth,
    const char *body)
{
	const char *key = wire_str(j->msg, "key");
	const char *hdr[4] = {ctype, NULL, NULL, NULL};
	struct rdd_http_request req;
	char idem[400];

	/* The receiver can tell a resent copy (same key) from a new one. */
	snprintf(idem, sizeof(idem), "Idempotency-Key: %s", key ? key : "");
	idem[strcspn(idem, "\r\n")] = '\0';
	hdr[1] = idem;
	hdr[2] = auth;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = hdr;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = j->r.timeout_ms;
	req.max_response = 64 * 1024;
	j->pending++;
	if (svc_http_request_ca(
	        j->dl->http, j, &req, j->r.ca_file, dl_http_cb, j) == 0) {
		j->pending--;
		dl_fail(j,
		    "POST %s: could not start (libcurl missing, or out "
		    "of memory)",
		    url);
		return -1;
	}
	return 0;
}

static void
dl_http_kind(struct dl_job *j, const char *payload_text)
{
	char *url = dl_url(j), *tok, *auth, *body = NULL;
	int bad;

	tok = dl_token(j, &bad);
	auth = dl_auth(j->r.user, tok);
	if (url == NULL) {
		if (!j->failed)
			dl_fail(j, "no url");
	} else if (j->r.type == RCV_WEBHOOK)
		(void)dl_post(j, url, "Content-Type: application/json", auth,
		    payload_text);
	else if ((body = chan_slack(j->payload)) == NULL)
		dl_fail(j, "out of memory");
	else
		(void)dl_post(
		    j, url, "Content-Type: application/json", auth, body);
	free(body);
	dl_wipe(auth);
	dl_wipe(tok);
	dl_wipe(url);
}

static void
dl_sms(struct dl_job *j)
{
	char *url = NULL, *tok, *auth, *text, *form;
	size_t i;
	int bad;

	if (j->r.url == NULL && j->r.url_env == NULL && j->r.url_file == NULL) {
		if (asprintf(&url, DL_TWILIO, j->r.user) < 0)
			url = NULL;
	} else
		url = dl_url(j);
	tok = dl_token(j, &bad);
	auth = dl_auth(j->r.user, tok);
	text = chan_sms_body(j->payload);
	for (i = 0; url != NULL && text != NULL && !bad && i < j->r.to.n; i++) {
		if ((form = chan_sms_form(
		         text, j->r.from, j->r.to.v[i], &j->r.fields)) == NULL)
			break;
		(void)dl_post(j, url,
		    "Content-Type: "
		    "application/x-www-form-urlencoded",
		    auth, form);
		free(form);
	}
	if (text == NULL && !j->failed)
		dl_fail(j, "out of memory");
	free(text);
	dl_wipe(auth);
	dl_wipe(tok);
	dl_wipe(url);
}

/*
 * A notification in the webhook shape (`alerts test`) as the alerts array
 * POST /api/v2/alerts takes: labels, annotations, times. A test alert
 * ends by itself five minutes later.
 */
static char *
dl_am_array(json_object *doc, int64_t wall_ms)
{
	json_object *arr = json_object_new_array(), *al, *v;
	char ts[64], *out;
	time_t t = (time_t)(wall_ms / 1000) + 300;
	struct tm tm;
	size_t i;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!json_object_object_get_ex(doc, "alerts", &al) ||
	    !json_object_is_type(al, json_type_array)) {
		json_object_put(arr);
		return NULL;
	}
	for (i = 0; i < json_object_array_length(al); i++) {
		json_object *src = json_object_array_get_idx(al, i);
		json_object *o = json_object_new_object();
		const char *ends = NULL;
		static const char *const keep[] = {
		    "labels", "annotations", "startsAt", "generatorURL"};
		size_t k;

		for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (json_object_object_get_ex(src, keep[k], &v))
				json_object_object_add(
				    o, keep[k], json_object_get(v));
		if (json_object_object_get_ex(src, "endsAt", &v))
			ends = json_object_get_string(v);
		json_object_object_add(o, "endsAt",
		    json_object_new_string(
		        ends != NULL && strncmp(ends, "0001-", 5) != 0 ? ends
		                                                       : ts));
		json_object_array_add(arr, o);
	}
	out = strdup(json_object_to_json_string_ext(
	    arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return out;
}

/* POST /api/v2/alerts of every member, the payload as the engine made it. */
static void
dl_alertmanager(struct dl_job *j, const char *payload_text)
{
	char *tok, *auth, *u, *conv = NULL;
	size_t i, n;
	int bad;

	if (json_object_is_type(j->payload, json_type_object)) {
		if ((conv = dl_am_array(j->payload, util_wall_ms())) == NULL) {
			dl_fail(j, "not an alerts payload");
			return;
		}
		payload_text = conv;
	}
	tok = dl_token(j, &bad);
	auth = dl_auth(j->r.user, tok);
	j->anyof = 1;
	for (i = 0; i < j->r.urls.n && !bad; i++) {
		n = strlen(j->r.urls.v[i]);
		while (n > 0 && j->r.urls.v[i][n - 1] == '/')
			n--;
		if (asprintf(&u, "%.*s/api/v2/alerts", (int)n,
		        j->r.urls.v[i]) < 0) {
			dl_fail(j, "out of memory");
			break;
		}
		(void)dl_post(j, u, "Content-Type: application/json", auth,
		    payload_text);
		free(u);
	}
	dl_wipe(auth);
	dl_wipe(tok);
	free(conv);
}

static void
dl_email(struct dl_job *j)
{
	struct svc_smtp_request req;
	char *url = dl_url(j), *tok, *msg;
	const char *key = wire_str(j->msg, "key");
	int bad;

	tok = dl_token(j, &bad);
	msg = chan_email(j->payload, j->r.from, &j->r.to, key ? key : "",
	    util_wall_ms(), j->dl->host);
	if (url != NULL && msg != NULL && !bad) {
		memset(&req, 0, sizeof(req));
		req.url = url;
		req.from = j->r.from;
		req.rcpt = (const char *const *)j->r.to.v;
		req.user = j->r.user;
		req.password = tok;
		req.message = msg;
		req.message_len = strlen(msg);
		req.timeout_ms = j->r.timeout_ms;
		req.ca_file = j->r.ca_file;
		j->pending++;
		if (svc_http_smtp(j->dl->http, j, &req, dl_smtp_cb, j) == 0) {
			j->pending--;
			dl_fail(j, "SMTP: could not start (libcurl missing, "
			           "or out of memory)");
		}
	} else if (!j->failed)
		dl_fail(j, "%s", url == NULL ? "no url" : "out of memory");
	free(msg);
	dl_wipe(tok);
	dl_wipe(url);
}

static void
dl_command(struct dl_job *j, const char *payload_text)
{
	struct rdd_child_spec spec;
	const char *key = wire_str(j->msg, "key");
	char **env = chan_env(j->payload, j->r.name, key ? key : "");

	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)j->r.command.v;
	spec.env = (const char *const *)env;
	spec.timeout_ms = j->r.timeout_ms;
	spec.output_cap = DL_OUTPUT_CAP;
	spec.input = payload_text;
	spec.input_len = strlen(payload_text);
	j->pending++;
	if (env == NULL ||
	    svc_child_run(j->dl->child, j, &spec, dl_child_cb, j) == 0) {
		j->pending--;
		dl_fail(j, "%s: could not start", j->r.command.v[0]);
	}
	chan_env_free(env);
}

static void
dl_on_send(struct dl *dl, json_object *o)
{
	struct dl_job *j = calloc(1, sizeof(*j));
	const char *payload = wire_str(o, "payload");
	json_object *rcv;
	int64_t id;

	if (j == NULL || wire_int(o, "id", &id) != 0) {
		free(j);
		return;
	}
	j->dl = dl;
	j->id = (uint64_t)id;
	j->msg = json_object_get(o);
	j->pending = 1; /* this function's own, released at the end */
	if (!json_object_object_get_ex(o, "rcv", &rcv) ||
	    chan_rcv_from_json(rcv, &j->r) != 0 || payload == NULL)
		dl_fail(j, "malformed job");
	else if ((j->payload = json_tokener_parse(payload)) == NULL)
		dl_fail(j, "the payload is not JSON");
	else if (j->r.type == RCV_WEBHOOK || j->r.type == RCV_SLACK)
		dl_http_kind(j, payload);
	else if (j->r.type == RCV_SMS)
		dl_sms(j);
	else if (j->r.type == RCV_EMAIL)
		dl_email(j);
	else if (j->r.type == RCV_ALERTMANAGER)
		dl_alertmanager(j, payload);
	else
		dl_command(j, payload);
	dl_part_done(j);
}

/* ---- honor_silences: GET /api/v2/silences, pauses to the master ---- */

static void dl_watch_poll(struct dl *dl);

static void
dl_watch_arm(struct dl *dl, int64_t ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	int64_t every;

	if (dl->watch_ev == NULL)
		return;
	if (ms < 0) {
		every = wire_int(dl->watch, "every", &every) == 0 ? every
		                                                   : 60000;
		tv.tv_sec = every / 1000;
		tv.tv_usec = (every % 1000) * 1000;
	}
	evtimer_add(dl->watch_ev, &tv);
}

static void
dl_watch_report(struct dl *dl, json_object *pauses, const char *err)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "t", json_object_new_string("ampause"));
	json_object_object_add(o, "ok", json_object_new_boolean(err == NULL));
	if (err != NULL) {
		char *r = redact_str(err);

		json_object_object_add(
		    o, "msg", json_object_new_string(r ? r : err));
		free(r);
	} else
		json_object_object_add(o, "p", pauses);
	dl_send(dl, o);
}

static void
dl_watch_cb(void *arg, const struct rdd_http_response *res)
{
	struct dl *dl = arg;
	struct amsil_who who;
	struct amsil_pause *p = NULL;
	json_object *mons, *arr;
	const char **names = NULL;
	size_t i, n = 0, nm = 0;
	char err[DL_MSG_MAX];

	dl->watch_busy = 0;
	if (dl->watch == NULL)
		return;
	/* A new watch came while this read ran: read for that one. */
	if (dl->watch_url >= dl->wr.urls.n) {
		dl->watch_url = 0;
		dl_watch_arm(dl, 0);
		return;
	}
	if (res->error != 0 || res->status < 200 || res->status > 299) {
		char why[200];
		size_t o = strlen(dl->watch_err);

		if (res->error != 0)
			snprintf(why, sizeof(why), "%s",
			    res->errmsg ? res->errmsg : "failed");
		else
			snprintf(why, sizeof(why), "HTTP %ld", res->status);
		snprintf(dl->watch_err + o, sizeof(dl->watch_err) - o,
		    "%s%s/api/v2/silences: %s", o > 0 ? "; " : "",
		    dl->wr.urls.v[dl->watch_url], why);
		/* Another member may answer: the cluster shares silences. */
		if (++dl->watch_url < dl->wr.urls.n) {
			dl_watch_poll(dl);
			return;
		}
		dl_watch_report(dl, NULL, dl->watch_err);
		dl_watch_arm(dl, -1);
		return;
	}
	if (json_object_object_get_ex(dl->watch, "monitors", &mons) &&
	    json_object_is_type(mons, json_type_array)) {
		nm = json_object_array_length(mons);
		if ((names = calloc(nm + 1, sizeof(*names))) == NULL)
			nm = 0;
		for (i = 0; i < nm; i++)
			names[i] = json_object_get_string(
			    json_object_array_get_idx(mons, i));
	}
	memset(&who, 0, sizeof(who));
	who.host = wire_str(dl->watch, "host") ? wire_str(dl->watch, "host")
	                                       : dl->host;
	who.environment = wire_str(dl->watch, "environment");
	who.monitors = names;
	who.nmonitors = nm;
	if (amsil_pauses(res->body, res->body_len, &who, util_wall_ms(), &p,
	        &n, err, sizeof(err)) != 0)
		dl_watch_report(dl, NULL, err);
	else {
		arr = json_object_new_array();
		for (i = 0; i < n; i++) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "m",
			    p[i].monitor ? json_object_new_string(p[i].monitor)
			                 : NULL);
			json_object_object_add(
			    e, "id", json_object_new_string(p[i].id));
			json_object_object_add(
			    e, "by", json_object_new_string(p[i].by));
			json_object_object_add(
			    e, "c", json_object_new_string(p[i].comment));
			json_object_object_add(
			    e, "until", json_object_new_int64(p[i].until_wall));
			json_object_array_add(arr, e);
		}
		dl_watch_report(dl, arr, NULL);
		amsil_free(p, n);
	}
	free(names);
	dl_watch_arm(dl, -1);
}

static void
dl_watch_poll(struct dl *dl)
{
	struct rdd_http_request req;
	const char *hdr[2] = {NULL, NULL};
	char *u, *tok, *auth;
	size_t n;
	int bad;
	struct dl_job tj;

	if (dl->watch == NULL || dl->wr.urls.n == 0 || dl->watch_busy)
		return;
	if (dl->watch_url == 0)
		dl->watch_err[0] = '\0';
	memset(&tj, 0, sizeof(tj));
	tj.r = dl->wr;
	tok = dl_token(&tj, &bad);
	if (bad) {
		dl_watch_report(dl, NULL, tj.err);
		dl_watch_arm(dl, -1);
		return;
	}
	auth = dl_auth(dl->wr.user, tok);
	hdr[0] = auth;
	n = strlen(dl->wr.urls.v[dl->watch_url]);
	while (n > 0 && dl->wr.urls.v[dl->watch_url][n - 1] == '/')
		n--;
	if (asprintf(&u, "%.*s/api/v2/silences", (int)n,
	        dl->wr.urls.v[dl->watch_url]) < 0) {
		dl_wipe(auth);
		dl_wipe(tok);
		dl_watch_arm(dl, -1);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = u;
	req.headers = auth ? hdr : NULL;
	req.timeout_ms = dl->wr.timeout_ms;
	req.max_response = 4 * 1024 * 1024;
	dl->watch_busy = 1;
	if (svc_http_request_ca(
	        dl->http, dl, &req, dl->wr.ca_file, dl_watch_cb, dl) == 0) {
		dl->watch_busy = 0;
		dl_watch_report(dl, NULL, "could not start a request");
		dl_watch_arm(dl, -1);
	}
	free(u);
	dl_wipe(auth);
	dl_wipe(tok);
}

static void
dl_watch_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dl *dl = arg;

	(void)fd;
	(void)what;
	dl->watch_url = 0;
	dl_watch_poll(dl);
}

/* A new watch replaces the old; one without urls ends it. */
static void
dl_on_watch(struct dl *dl, json_object *o)
{
	json_object *rcv;

	if (dl->watch != NULL) {
		chan_rcv_release(&dl->wr);
		json_object_put(dl->watch);
		dl->watch = NULL;
	}
	memset(&dl->wr, 0, sizeof(dl->wr));
	if (dl->watch_ev != NULL)
		evtimer_del(dl->watch_ev);
	if (!json_object_object_get_ex(o, "rcv", &rcv) ||
	    chan_rcv_from_json(rcv, &dl->wr) != 0 || dl->wr.urls.n == 0) {
		memset(&dl->wr, 0, sizeof(dl->wr));
		return;
	}
	dl->watch = json_object_get(o);
	if (dl->watch_ev == NULL)
		dl->watch_ev = evtimer_new(dl->base, dl_watch_timer, dl);
	/* The first read now; one in flight re-arms when it ends. */
	dl->watch_url = dl->watch_busy ? dl->wr.urls.n : 0;
	if (!dl->watch_busy)
		dl_watch_arm(dl, 0);
}

static void
dl_on_msg(void *arg, json_object *o)
{
	struct dl *dl = arg;
	const char *t = wire_str(o, "t");

	if (strcmp(t, "send") == 0)
		dl_on_send(dl, o);
	else if (strcmp(t, "amwatch") == 0)
		dl_on_watch(dl, o);
	else if (strcmp(t, "stop") == 0)
		event_base_loopexit(dl->base, NULL);
}

static void
dl_on_eof(void *arg)
{
	(void)arg;
	/* The master is gone: the outbox on disk is the truth. */
	_exit(0);
}

void
deliver_main(struct rdd_daemon *md, int fd)
{
	static const int sigs[] = {
	    SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGCHLD, SIGALRM};
	struct dl *dl = &dl0;
	sigset_t all;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Ctrl-C is the master's to act on, and so are TERM, HUP and USR1,
	 * which `pkill -f redundancyd` sends this fork too (see worker_main):
	 * the master ends it, and the outbox on disk keeps what is due.
	 * Commands it runs get default dispositions back (spawn.c).
	 */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	mallopt(M_MMAP_THRESHOLD, WORKER_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, WORKER_TRIM_THRESHOLD);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (fd != 3) {
		if (dup2(fd, 3) == -1)
			_exit(70);
		close(fd);
	}
	util_close_from(4);
	(void)prctl(PR_SET_NAME, "rdd:alerts", 0, 0, 0);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() == 1)
		_exit(0);
	if (gethostname(dl->host, sizeof(dl->host) - 1) != 0 ||
	    dl->host[0] == '\0')
		snprintf(dl->host, sizeof(dl->host), "localhost");
	if ((dl->base = event_base_new()) == NULL ||
	    (dl->w = wire_new(dl->base, 3, dl_on_msg, dl_on_eof, dl)) == NULL)
		_exit(71);
	log_set_sink(dl_log_sink, dl);
	journal_set_sink(dl_journal_drop, NULL);
	dl->http = svc_http_new(dl->base, md->conf->max_transfers);
	dl->child = svc_child_new(dl->base, 4);
	if (dl->http == NULL || dl->child == NULL)
		_exit(71);
	event_base_dispatch(dl->base);
	wire_flush(dl->w, 1000);
	_exit(0);
}
