/*
 * deploy.c: parsing of Netlify API answers (swagger v2.55 shapes) and the
 * decision about the latest deploy: failed, stuck past a threshold, fine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "deploy.h"

static const char *const nl_busy[] = {"new", "enqueued", "building",
    "uploading", "uploaded", "preparing", "prepared", "processing", "processed",
    "retrying", NULL};

int64_t
nl_iso8601_ms(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0, ms = 0, oh, om;
	const char *p;
	int64_t t;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h,
	                     &mi, &sec, &n) != 6)
		return -1;
	p = s + n;
	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	t = (int64_t)timegm(&tm) * 1000 + ms;
	if (*p == 'Z' || *p == 'z' || *p == '\0')
		return t;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
		return t -
		       (*p == '+' ? 1 : -1) * ((int64_t)oh * 60 + om) * 60000;
	return -1;
}

enum nl_dkind
nl_deploy_kind(const char *state)
{
	size_t i;

	if (strcmp(state, "ready") == 0)
		return NL_DK_READY;
	if (strcmp(state, "error") == 0)
		return NL_DK_ERROR;
	for (i = 0; nl_busy[i] != NULL; i++)
		if (strcmp(state, nl_busy[i]) == 0)
			return NL_DK_BUSY;
	return NL_DK_OTHER;
}

static void
nl_jcopy(json_object *o, const char *key, char *dst, size_t len)
{
	json_object *v;
	const char *s;
	size_t i;

	dst[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return;
	s = json_object_get_string(v);
	snprintf(dst, len, "%s", s);
	/* API text lands in log lines: one line, no control bytes. */
	for (i = 0; dst[i] != '\0'; i++)
		if ((unsigned char)dst[i] < 0x20)
			dst[i] = ' ';
}

static int64_t
nl_jtime(json_object *o, const char *key)
{
	char buf[64];

	nl_jcopy(o, key, buf, sizeof(buf));
	return buf[0] != '\0' ? nl_iso8601_ms(buf) : 0;
}

int
nl_deploys_parse(const char *body, struct nl_deploy *out, size_t max, char *err,
    size_t errlen)
{
	json_object *root, *o, *v;
	size_t i, n, k = 0;

	if ((root = json_tokener_parse(body)) == NULL) {
		snprintf(err, errlen, "the deploy list is not JSON");
		return -1;
	}
	if (!json_object_is_type(root, json_type_array)) {
		snprintf(err, errlen, "the deploy list is not a JSON array");
		json_object_put(root);
		return -1;
	}
	n = json_object_array_length(root);
	for (i = 0; i < n && k < max; i++) {
		struct nl_deploy *d = &out[k];

		o = json_object_array_get_idx(root, i);
		if (!json_object_is_type(o, json_type_object))
			continue;
		memset(d, 0, sizeof(*d));
		nl_jcopy(o, "id", d->id, sizeof(d->id));
		nl_jcopy(o, "state", d->state, sizeof(d->state));
		nl_jcopy(o, "error_message", d->error, sizeof(d->error));
		nl_jcopy(o, "branch", d->branch, sizeof(d->branch));
		nl_jcopy(o, "context", d->context, sizeof(d->context));
		d->created_ms = nl_jtime(o, "created_at");
		d->updated_ms = nl_jtime(o, "updated_at");
		d->published_ms = nl_jtime(o, "published_at");
		if (json_object_object_get_ex(o, "skipped", &v))
			d->skipped = json_object_get_boolean(v);
		/* Ids go into request paths: nothing but [A-Za-z0-9_-]. */
		if (d->id[0] == '\0' || d->state[0] == '\0' ||
		    strspn(d->id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
		                  "QRSTUVWXYZ0123456789_-") != strlen(d->id))
			continue;
		k++;
	}
	json_object_put(root);
	return (int)k;
}

int
nl_build_parse(
    const char *body, char *build_id, size_t blen, char *deploy_id, size_t dlen)
{
	json_object *root;

	build_id[0] = deploy_id[0] = '\0';
	if ((root = json_tokener_parse(body)) == NULL)
		return -1;
	if (json_object_is_type(root, json_type_object)) {
		nl_jcopy(root, "id", build_id, blen);
		nl_jcopy(root, "deploy_id", deploy_id, dlen);
	}
	json_object_put(root);
	return build_id[0] != '\0' ? 0 : -1;
}

#define RETRY_AFTER_MAX_S 86400L

int64_t
nl_retry_after_ms(const char *value, int64_t now_ms)
{
	struct tm tm;
	char *end;
	long v;

	if (value == NULL)
		return -1;
	while (*value == ' ')
		value++;
	v = strtol(value, &end, 10);
	if (end != value && (*end == '\0' || *end == ' ' || *end == '\r')) {
		if (v < 0)
			return -1;
		/* A server asking for more than a day is capped at a day. */
		return (int64_t)(v > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : v) *
		    1000;
	}
	memset(&tm, 0, sizeof(tm));
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	if (strptime(value, "%a, %d %b %Y %H:%M:%S", &tm) == NULL)
		return -1;
	{
		int64_t at = (int64_t)timegm(&tm), now = now_ms / 1000;

		if (at <= now)
			return 0;
		if (at - now > RETRY_AFTER_MAX_S)
			return (int64_t)RETRY_AFTER_MAX_S * 1000;
		return at * 1000 - now_ms;
	}
}

static void
nl_age(char *buf, size_t len, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms < 120000)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else if (ms < 7200000)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else
		snprintf(buf, len, "%lldh%02lldm", (long long)(ms / 3600000),
		    (long long)(ms % 3600000 / 60000));
}

enum rdd_state
nl_deploy_judge(const struct nl_deploy *list, size_t n,
    const struct nl_deploy_policy *p, int64_t now_ms, char *msg, size_t msglen,
    int *ready)
{
	const struct nl_deploy *d = NULL;
	char age[32], lim[32], ctx[128];
	size_t i;

	*ready = -1;
	for (i = 0; i < n; i++) {
		if (d == NULL && !list[i].skipped)
			d = &list[i];
		if (*ready < 0 && strcmp(list[i].state, "ready") == 0)
			*ready = (int)i;
	}
	if (d == NULL) {
		snprintf(msg, msglen, "no deploys yet");
		return RDD_OK;
	}
	snprintf(ctx, sizeof(ctx), "%s%s%s", d->context,
	    d->branch[0] && d->context[0] ? " " : "", d->branch);
	switch (nl_deploy_kind(d->state)) {
	case NL_DK_READY:
		nl_age(age, sizeof(age),
		    now_ms -
		        (d->published_ms ? d->published_ms : d->created_ms));
		snprintf(msg, msglen,
		    "latest deploy %s (%s) is ready, %s %s ago", d->id, ctx,
		    d->published_ms ? "published" : "created", age);
		return RDD_OK;
	case NL_DK_ERROR:
		if (p->restored_for != NULL &&
		    strcmp(p->restored_for, d->id) == 0) {
			snprintf(msg, msglen,
			    "deploy %s failed (%s); redundancyd restored "
			    "deploy %s, which the site serves: fix the build "
			    "and deploy again",
			    d->id, d->error[0] ? d->error : "no message",
			    p->restored_id != NULL ? p->restored_id : "?");
			return RDD_WARNING;
		}
		snprintf(msg, msglen, "deploy %s (%s) failed%s: %s", d->id, ctx,
		    p->retried_id != NULL && strcmp(p->retried_id, d->id) == 0
		        ? " again after the retried build"
		        : "",
		    d->error[0] ? d->error : "no error message");
		return RDD_CRITICAL;
	case NL_DK_BUSY:
		nl_age(age, sizeof(age), now_ms - d->created_ms);
		if (p->stuck_critical_ms > 0 &&
		    now_ms - d->created_ms >= p->stuck_critical_ms) {
			nl_age(lim, sizeof(lim), p->stuck_critical_ms);
			snprintf(msg, msglen,
			    "deploy %s (%s) stuck in %s for %s (critical "
			    "after %s)",
			    d->id, ctx, d->state, age, lim);
			return RDD_CRITICAL;
		}
		if (p->stuck_warning_ms > 0 &&
		    now_ms - d->created_ms >= p->stuck_warning_ms) {
			nl_age(lim, sizeof(lim), p->stuck_warning_ms);
			snprintf(msg, msglen,
			    "deploy %s (%s) stuck in %s for %s (warning after "
			    "%s)",
			    d->id, ctx, d->state, age, lim);
			return RDD_WARNING;
		}
		snprintf(msg, msglen, "deploy %s (%s) is %s, for %s", d->id,
		    ctx, d->state, age);
		return RDD_OK;
	case NL_DK_OTHER:
		break;
	}
	snprintf(
	    msg, msglen, "latest deploy %s (%s) is %s", d->id, ctx, d->state);
	return RDD_OK;
}
