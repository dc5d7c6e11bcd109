/*
 * channel.c: what each channel sends, rendered from the Alertmanager v4
 * payload: Slack blocks, an RFC 5322 mail, an SMS form, a command's env.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "rdd.h"
#include "alerts.h"
#include "delivery.h"

#define CHAN_SLACK_ALERTS 10 /* sections; Slack allows 50 blocks */

static const char *
chan_get(json_object *o, const char *k)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *
chan_alerts(json_object *payload)
{
	json_object *a;

	if (payload == NULL ||
	    !json_object_object_get_ex(payload, "alerts", &a) ||
	    !json_object_is_type(a, json_type_array))
		return NULL;
	return a;
}

static void
chan_one(json_object *al, struct chan_alert *a)
{
	json_object *lab = NULL, *ann = NULL;

	if (al != NULL) {
		json_object_object_get_ex(al, "labels", &lab);
		json_object_object_get_ex(al, "annotations", &ann);
		if (chan_get(al, "status") != NULL)
			a->status = chan_get(al, "status");
	}
	a->alertname = chan_get(lab, "alertname");
	a->monitor = chan_get(lab, "monitor");
	a->target = chan_get(lab, "target");
	a->severity = chan_get(lab, "severity");
	a->event = chan_get(lab, "event");
	a->summary = chan_get(ann, "summary");
	a->description = chan_get(ann, "description");
	a->next_step = chan_get(ann, "next_step");
	a->starts_at = chan_get(al, "startsAt");
	a->generator_url = chan_get(al, "generatorURL");
}

void
chan_first(json_object *payload, struct chan_alert *a)
{
	json_object *al = chan_alerts(payload);

	memset(a, 0, sizeof(*a));
	a->status = chan_get(payload, "status");
	a->nalerts = al != NULL ? json_object_array_length(al) : 0;
	chan_one(a->nalerts > 0 ? json_object_array_get_idx(al, 0) : NULL, a);
	if (a->status == NULL)
		a->status = "firing";
}

static int
chan_resolved(const char *status)
{
	return status != NULL && strcmp(status, "resolved") == 0;
}

/* "[FIRING:2] CRITICAL web-1 (api): summary", one line. */
static void
chan_title(FILE *f, const struct chan_alert *a, int with_count)
{
	char up[32];
	size_t i;

	for (i = 0; a->severity != NULL && a->severity[i] && i + 1 < sizeof(up);
	     i++)
		up[i] = (char)(a->severity[i] >= 'a' && a->severity[i] <= 'z'
		                   ? a->severity[i] - 32
		                   : a->severity[i]);
	up[a->severity != NULL ? i : 0] = '\0';
	if (with_count && a->nalerts > 1)
		fprintf(f, "[%s:%zu]",
		    chan_resolved(a->status) ? "RESOLVED" : "FIRING",
		    a->nalerts);
	else
		fprintf(f, "[%s]",
		    chan_resolved(a->status) ? "RESOLVED" : "FIRING");
	if (up[0] != '\0' && !chan_resolved(a->status))
		fprintf(f, " %s", up);
	if (a->target != NULL)
		fprintf(f, " %s", a->target);
	if (a->monitor != NULL)
		fprintf(f, " (%s)", a->monitor);
	if (a->summary != NULL)
		fprintf(f, ": %s", a->summary);
	else if (a->alertname != NULL)
		fprintf(f, ": %s", a->alertname);
}

/* Header values and SMS bodies: one line, no control characters. */
static void
chan_oneline(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static char *
chan_close(FILE *f, char **buf)
{
	if (fclose(f) != 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

/* ---- Slack ---- */

/* mrkdwn escapes: &, < and > only. */
static void
chan_mrkdwn(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else
			fputc(*s, f);
}

static json_object *
chan_text(const char *type, const char *text)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "text", json_object_new_string(text));
	return o;
}

static json_object *
chan_block(const char *type, json_object *text)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	if (text != NULL)
		json_object_object_add(o, "text", text);
	return o;
}

static char *
chan_slack_section(const struct chan_alert *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	fputs(chan_resolved(a->status) ? ":large_green_circle: *"
	                               : ":red_circle: *",
	    f);
	chan_mrkdwn(f, a->target ? a->target : "(no target)");
	fputs("*", f);
	if (a->monitor != NULL) {
		fputs(" on monitor *", f);
		chan_mrkdwn(f, a->monitor);
		fputs("*", f);
	}
	if (a->severity != NULL && !chan_resolved(a->status)) {
		fputs(" - ", f);
		chan_mrkdwn(f, a->severity);
	}
	if (a->summary != NULL) {
		fputs("\n", f);
		chan_mrkdwn(f, a->summary);
	}
	if (a->description != NULL) {
		fputs("\n_Tried:_ ", f);
		chan_mrkdwn(f, a->description);
	}
	if (a->next_step != NULL && !chan_resolved(a->status)) {
		fputs("\n_Next step:_ ", f);
		chan_mrkdwn(f, a->next_step);
	}
	return chan_close(f, &buf);
}

char *
chan_slack(json_object *payload)
{
	json_object *o, *blocks, *al = chan_alerts(payload), *ctx, *els;
	struct chan_alert a;
	char *title = NULL, *s;
	size_t len = 0, i, n;
	FILE *f;
	const char *ext = chan_get(payload, "externalURL");

	chan_first(payload, &a);
	if ((f = open_memstream(&title, &len)) == NULL)
		return NULL;
	chan_title(f, &a, 1);
	if ((title = chan_close(f, &title)) == NULL)
		return NULL;
	chan_oneline(title);
	o = json_object_new_object();
	json_object_object_add(o, "text", json_object_new_string(title));
	blocks = json_object_new_array();
	/* A header block takes at most 150 characters of plain text. */
	if (strlen(title) > 150) {
		size_t cut = 147;

		while (cut > 0 && ((unsigned char)title[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(title + cut, "...", 4);
	}
	json_object_array_add(
	    blocks, chan_block("header", chan_text("plain_text", title)));
	free(title);
	n = al != NULL ? json_object_array_length(al) : 0;
	for (i = 0; i < n && i < CHAN_SLACK_ALERTS; i++) {
		struct chan_alert x = a;

		chan_one(json_object_array_get_idx(al, i), &x);
		if ((s = chan_slack_section(&x)) == NULL)
			continue;
		json_object_array_add(
		    blocks, chan_block("section", chan_text("mrkdwn", s)));
		free(s);
	}
	ctx = chan_block("context", NULL);
	els = json_object_new_array();
	{
		char line[512];

		if (n > CHAN_SLACK_ALERTS)
			snprintf(line, sizeof(line),
			    "and %zu more alerts; "
			    "sent by redundancyd%s%s",
			    n - CHAN_SLACK_ALERTS, ext ? " " : "",
			    ext ? ext : "");
		else
			snprintf(line, sizeof(line), "sent by redundancyd%s%s",
			    ext ? " " : "", ext ? ext : "");
		json_object_array_add(els, chan_text("mrkdwn", line));
	}
	json_object_object_add(ctx, "elements", els);
	json_object_array_add(blocks, ctx);
	json_object_object_add(o, "blocks", blocks);
	s = strdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

/* ---- email ---- */

char *
chan_base64(const void *p, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	                          "opqrstuvwxyz0123456789+/";
	const unsigned char *s = p;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		*o++ = tab[s[i] >> 2];
		*o++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*o++ = tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		*o++ = tab[s[i + 2] & 63];
	}
	if (i < len) {
		*o++ = tab[s[i] >> 2];
		if (i + 1 < len) {
			*o++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
			*o++ = tab[(s[i + 1] & 15) << 2];
		} else {
			*o++ = tab[(s[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* A header value: ASCII as it is, else RFC 2047 (UTF-8, base64). */
static void
chan_header(FILE *f, const char *name, const char *value)
{
	char *v = strdup(value != NULL ? value : ""), *b;
	const unsigned char *p;
	int ascii = 1;

	if (v == NULL)
		return;
	chan_oneline(v);
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p >= 0x80)
			ascii = 0;
	if (ascii)
		fprintf(f, "%s: %s\r\n", name, v);
	else if ((b = chan_base64(v, strlen(v))) != NULL) {
		fprintf(f, "%s: =?UTF-8?B?%s?=\r\n", name, b);
		free(b);
	}
	free(v);
}

static uint64_t
chan_fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; s != NULL && *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* A body line: LF becomes CRLF; a CR alone is dropped. */
static void
chan_body(FILE *f, const char *label, const char *s)
{
	if (s == NULL || *s == '\0')
		return;
	fprintf(f, "%s\r\n", label);
	fputs("  ", f);
	for (; *s != '\0'; s++)
		if (*s == '\n')
			fputs("\r\n  ", f);
		else if (*s != '\r')
			fputc(*s, f);
	fputs("\r\n\r\n", f);
}

char *
chan_email(json_object *payload, const char *from, const struct rdd_strlist *to,
    const char *key, int64_t wall_ms, const char *host)
{
	static const char *const days[] = {
	    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	json_object *al = chan_alerts(payload);
	char *buf = NULL, *subj = NULL;
	size_t len = 0, slen = 0, i, n;
	struct chan_alert a;
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	FILE *f, *sf;

	chan_first(payload, &a);
	if ((sf = open_memstream(&subj, &slen)) == NULL)
		return NULL;
	chan_title(sf, &a, 1);
	if ((subj = chan_close(sf, &subj)) == NULL)
		return NULL;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		free(subj);
		return NULL;
	}
	gmtime_r(&t, &tm);
	fprintf(f, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
	/* The same key gives the same Message-ID: a resent copy is known. */
	fprintf(f, "Message-ID: <rdd.%016llx.%016llx@%s>\r\n",
	    (unsigned long long)chan_fnv(key),
	    (unsigned long long)chan_fnv(a.target), host);
	chan_header(f, "From", from);
	fputs("To: ", f);
	for (i = 0; i < to->n; i++) {
		char *v = strdup(to->v[i]);

		if (v == NULL)
			continue;
		chan_oneline(v);
		fprintf(f, "%s%s", i ? ", " : "", v);
		free(v);
	}
	fputs("\r\n", f);
	chan_header(f, "Subject", subj);
	free(subj);
	fputs("MIME-Version: 1.0\r\n"
	      "Content-Type: text/plain; charset=utf-8\r\n"
	      "Content-Transfer-Encoding: 8bit\r\n"
	      "Auto-Submitted: auto-generated\r\n",
	    f);
	fprintf(f, "X-Redundancyd-Key: %016llx\r\n\r\n",
	    (unsigned long long)chan_fnv(key));
	n = al != NULL ? json_object_array_length(al) : 0;
	for (i = 0; i < n || i == 0; i++) {
		struct chan_alert x = a;
		char head[512];

		if (n > 0)
			chan_one(json_object_array_get_idx(al, i), &x);
		snprintf(head, sizeof(head), "%s%s %s%s%s%s%s",
		    n > 1 ? "- " : "",
		    chan_resolved(x.status) ? "RESOLVED" : "FIRING",
		    x.severity && !chan_resolved(x.status) ? x.severity : "",
		    x.target ? " target " : "", x.target ? x.target : "",
		    x.monitor ? " of monitor " : "",
		    x.monitor ? x.monitor : "");
		chan_oneline(head);
		fprintf(f, "%s\r\n\r\n", head);
		chan_body(f, "What happened:", x.summary);
		chan_body(f, "What was tried:", x.description);
		chan_body(f, "Next step:", x.next_step);
		if (x.starts_at != NULL)
			fprintf(f, "Since: %s\r\n", x.starts_at);
		if (x.event != NULL)
			fprintf(f, "Event: %s\r\n", x.event);
		if (x.generator_url != NULL)
			fprintf(f, "More: %s\r\n", x.generator_url);
		fputs("\r\n", f);
	}
	fputs("-- \r\nredundancyd\r\n", f);
	return chan_close(f, &buf);
}

/* ---- SMS ---- */

char *
chan_sms_body(json_object *payload)
{
	struct chan_alert a;
	char *buf = NULL;
	size_t len = 0, cut;
	FILE *f;

	chan_first(payload, &a);
	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	chan_title(f, &a, 1);
	if ((buf = chan_close(f, &buf)) == NULL)
		return NULL;
	chan_oneline(buf);
	if (strlen(buf) > CHAN_SMS_MAX) {
		cut = CHAN_SMS_MAX - 3;
		while (cut > 0 && ((unsigned char)buf[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(buf + cut, "...", 4);
	}
	return buf;
}

static void
chan_form_put(FILE *f, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			fputc(c, f);
		else if (c == ' ')
			fputc('+', f);
		else
			fprintf(f, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
}

static void
chan_form_field(FILE *f, int *first, const char *k, const char *v)
{
	if (!*first)
		fputc('&', f);
	*first = 0;
	chan_form_put(f, k);
	fputc('=', f);
	chan_form_put(f, v);
}

char *
chan_sms_form(const char *body, const char *from, const char *to,
    const struct rdd_strlist *fields)
{
	char *buf = NULL, *k;
	size_t len = 0, i;
	int first = 1;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	chan_form_field(f, &first, "To", to);
	if (from != NULL)
		chan_form_field(f, &first, "From", from);
	chan_form_field(f, &first, "Body", body);
	for (i = 0; fields != NULL && i < fields->n; i++) {
		if ((k = strdup(fields->v[i])) == NULL)
			continue;
		k[strcspn(k, "=")] = '\0';
		chan_form_field(f, &first, k, fields->v[i] + strlen(k) + 1);
		free(k);
	}
	return chan_close(f, &buf);
}

/* ---- command ---- */

char **
chan_env(json_object *payload, const char *receiver, const char *key)
{
	struct chan_alert a;
	const char *kv[][2] = {
	    {"RDD_EVENT", NULL},
	    {"RDD_MONITOR", NULL},
	    {"RDD_TARGET", NULL},
	    {"RDD_STATE", NULL},
	    {"RDD_SEVERITY", NULL},
	    {"RDD_MESSAGE", NULL},
	    {"RDD_STATUS", NULL},
	    {"RDD_RECEIVER", receiver},
	    {"RDD_KEY", key},
	    {"RDD_ALERTS", NULL},
	};
	size_t n = sizeof(kv) / sizeof(kv[0]), i, j = 0;
	char **env = calloc(n + 1, sizeof(*env)), count[32], up[32];

	if (env == NULL)
		return NULL;
	chan_first(payload, &a);
	for (i = 0; a.severity != NULL && a.severity[i] && i + 1 < sizeof(up);
	     i++)
		up[i] = (char)(a.severity[i] >= 'a' && a.severity[i] <= 'z'
		                   ? a.severity[i] - 32
		                   : a.severity[i]);
	up[a.severity != NULL ? i : 0] = '\0';
	snprintf(count, sizeof(count), "%zu", a.nalerts);
	kv[0][1] = a.event;
	kv[1][1] = a.monitor;
	kv[2][1] = a.target;
	/* The target's state now: OK once resolved, else the severity. */
	kv[3][1] = chan_resolved(a.status) ? "OK" : up;
	kv[4][1] = a.severity;
	kv[5][1] = a.summary;
	kv[6][1] = a.status;
	kv[9][1] = count;
	for (i = 0; i < n; i++) {
		char *v;

		if (kv[i][1] == NULL)
			kv[i][1] = "";
		if (asprintf(&env[j], "%s=%s", kv[i][0], kv[i][1]) < 0) {
			env[j] = NULL;
			continue;
		}
		for (v = env[j]; *v != '\0'; v++)
			if (*v == '\n' || *v == '\r')
				*v = ' ';
		j++;
	}
	return env;
}

void
chan_env_free(char **env)
{
	size_t i;

	for (i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/* ---- a test notification ---- */

static void
chan_iso(char *buf, size_t len, int64_t wall_ms)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(wall_ms % 1000));
}

static void
chan_add(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

json_object *
chan_test_payload(const char *receiver, int64_t wall_ms, const char *host)
{
	json_object *p = json_object_new_object(), *al, *a, *lab, *ann, *gl;
	char at[80], fp[17], gk[256];

	chan_iso(at, sizeof(at), wall_ms);
	snprintf(
	    fp, sizeof(fp), "%016llx", (unsigned long long)chan_fnv(receiver));
	snprintf(gk, sizeof(gk),
	    "{}:{alertname=\"RedundancydTest\","
	    "receiver=\"%s\"}",
	    receiver);
	chan_add(p, "version", "4");
	chan_add(p, "groupKey", gk);
	json_object_object_add(p, "truncatedAlerts", json_object_new_int(0));
	chan_add(p, "status", "firing");
	chan_add(p, "receiver", receiver);
	gl = json_object_new_object();
	chan_add(gl, "alertname", "RedundancydTest");
	json_object_object_add(p, "groupLabels", gl);
	lab = json_object_new_object();
	chan_add(lab, "alertname", "RedundancydTest");
	chan_add(lab, "monitor", "redundancyd");
	chan_add(lab, "target", host);
	chan_add(lab, "severity", "info");
	chan_add(lab, "event", "test");
	json_object_object_add(p, "commonLabels", json_object_get(lab));
	ann = json_object_new_object();
	chan_add(ann, "summary", "Test notification from redundancyd");
	chan_add(ann, "description",
	    "An operator ran redundancyctl alerts "
	    "test: nothing is wrong.");
	chan_add(ann, "next_step", "None: this receiver works.");
	json_object_object_add(p, "commonAnnotations", json_object_get(ann));
	chan_add(p, "externalURL", "");
	a = json_object_new_object();
	chan_add(a, "status", "firing");
	json_object_object_add(a, "labels", lab);
	json_object_object_add(a, "annotations", ann);
	chan_add(a, "startsAt", at);
	chan_add(a, "endsAt", "0001-01-01T00:00:00Z");
	chan_add(a, "generatorURL", "");
	chan_add(a, "fingerprint", fp);
	al = json_object_new_array();
	json_object_array_add(al, a);
	json_object_object_add(p, "alerts", al);
	return p;
}

/* ---- the receiver on the wire ---- */

static void
chan_put_str(json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void
chan_put_list(json_object *o, const char *k, const struct rdd_strlist *l)
{
	json_object *a;
	size_t i;

	if (l->n == 0)
		return;
	a = json_object_new_array();
	for (i = 0; i < l->n; i++)
		json_object_array_add(a, json_object_new_string(l->v[i]));
	json_object_object_add(o, k, a);
}

json_object *
chan_rcv_json(const struct alert_receiver *r)
{
	json_object *o = json_object_new_object();

	chan_put_str(o, "name", r->name);
	json_object_object_add(o, "type", json_object_new_int((int)r->type));
	chan_put_str(o, "url", r->url);
	chan_put_str(o, "url_env", r->url_env);
	chan_put_str(o, "url_file", r->url_file);
	chan_put_str(o, "token_env", r->token_env);
	chan_put_str(o, "token_file", r->token_file);
	chan_put_str(o, "user", r->user);
	chan_put_str(o, "from", r->from);
	chan_put_str(o, "ca_file", r->ca_file);
	chan_put_list(o, "to", &r->to);
	chan_put_list(o, "command", &r->command);
	chan_put_list(o, "fields", &r->fields);
	chan_put_list(o, "urls", &r->urls);
	json_object_object_add(
	    o, "honor_silences", json_object_new_boolean(r->honor_silences));
	json_object_object_add(
	    o, "timeout", json_object_new_int64(r->timeout_ms));
	return o;
}

static int
chan_get_list(json_object *o, const char *k, struct rdd_strlist *l)
{
	json_object *a;
	size_t i, n;

	l->n = 0;
	l->v = NULL;
	if (!json_object_object_get_ex(o, k, &a) ||
	    !json_object_is_type(a, json_type_array))
		return 0;
	n = json_object_array_length(a);
	if ((l->v = calloc(n + 1, sizeof(*l->v))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (json_object_is_type(e, json_type_string))
			l->v[l->n++] = (char *)json_object_get_string(e);
	}
	return 0;
}

int
chan_rcv_from_json(json_object *o, struct alert_receiver *r)
{
	json_object *v;

	memset(r, 0, sizeof(*r));
	if (o == NULL || (r->name = (char *)chan_get(o, "name")) == NULL ||
	    !json_object_object_get_ex(o, "type", &v))
		return -1;
	r->type = (enum alert_rcv_type)json_object_get_int(v);
	if (r->type < RCV_WEBHOOK || r->type > RCV_ALERTMANAGER)
		return -1;
	r->url = (char *)chan_get(o, "url");
	r->url_env = (char *)chan_get(o, "url_env");
	r->url_file = (char *)chan_get(o, "url_file");
	r->token_env = (char *)chan_get(o, "token_env");
	r->token_file = (char *)chan_get(o, "token_file");
	r->user = (char *)chan_get(o, "user");
	r->from = (char *)chan_get(o, "from");
	r->ca_file = (char *)chan_get(o, "ca_file");
	r->timeout_ms = json_object_object_get_ex(o, "timeout", &v)
	                    ? json_object_get_int64(v)
	                    : 10000;
	if (chan_get_list(o, "to", &r->to) != 0 ||
	    chan_get_list(o, "command", &r->command) != 0 ||
	    chan_get_list(o, "fields", &r->fields) != 0 ||
	    chan_get_list(o, "urls", &r->urls) != 0) {
		chan_rcv_release(r);
		return -1;
	}
	return 0;
}

void
chan_rcv_release(struct alert_receiver *r)
{
	free(r->to.v);
	free(r->command.v);
	free(r->fields.v);
	free(r->urls.v);
	r->to.v = r->command.v = r->fields.v = r->urls.v = NULL;
}
