/*
 * amsil.c: which monitors an Alertmanager's silences pause: the reply of
 * GET /api/v2/silences, read in the alerts worker (it is outside input).
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "amsil.h"

#define AMSIL_MAX_SILENCES 10000
#define AMSIL_MAX_MATCHERS 64

/* RFC 3339 as Alertmanager writes it, to wall ms; -1 when it is not. */
static int64_t
amsil_time(const char *s)
{
	struct tm tm;
	const char *p;
	int64_t ms = 0, scale = 100;
	time_t t;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
	if (*p != 'Z' || p[1] != '\0')
		return -1; /* Alertmanager answers in UTC */
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	return (int64_t)t * 1000 + ms;
}

static const char *
amsil_str(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int
amsil_bool(json_object *o, const char *k, int def)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return def;
	return json_object_get_boolean(v);
}

/* value against one matcher, as Alertmanager matches (anchored regex). */
static int
amsil_match(json_object *m, const char *value)
{
	const char *want = amsil_str(m, "value");
	int eq = amsil_bool(m, "isEqual", 1), hit;

	if (want == NULL)
		return -1;
	if (amsil_bool(m, "isRegex", 0)) {
		regex_t re;
		char *pat;
		size_t n = strlen(want);

		if (n > 4096 || (pat = malloc(n + 5)) == NULL)
			return -1;
		snprintf(pat, n + 5, "^(%s)$", want);
		if (regcomp(&re, pat, REG_EXTENDED | REG_NOSUB) != 0) {
			free(pat);
			return -1; /* Go's syntax, not ours: not a pause */
		}
		hit = regexec(&re, value, 0, NULL, 0) == 0;
		regfree(&re);
		free(pat);
	} else
		hit = strcmp(want, value) == 0;
	return eq ? hit : !hit;
}

/*
 * Whether the silence pauses monitor (NULL: the host as a whole): every
 * matcher holds on the labels we know, one of them is
 * redundancyd_pause="true", and none is on a label we cannot tell.
 */
static int
amsil_covers(json_object *matchers, const struct amsil_who *who,
    const char *monitor)
{
	size_t i, n = json_object_array_length(matchers);
	int pause = 0;

	if (n == 0 || n > AMSIL_MAX_MATCHERS)
		return 0;
	for (i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(matchers, i);
		const char *name = amsil_str(m, "name"), *v;

		if (name == NULL)
			return 0;
		if (strcmp(name, "redundancyd_pause") == 0) {
			if (amsil_match(m, "true") != 1 ||
			    !amsil_bool(m, "isEqual", 1))
				return 0;
			pause = 1;
			continue;
		}
		if (strcmp(name, "host") == 0)
			v = who->host;
		else if (strcmp(name, "environment") == 0)
			v = who->environment ? who->environment : "";
		else if (strcmp(name, "monitor") == 0 && monitor != NULL)
			v = monitor;
		else
			return 0;
		if (amsil_match(m, v) != 1)
			return 0;
	}
	return pause;
}

static int
amsil_add(struct amsil_pause **v, size_t *n, const char *monitor,
    const char *id, const char *by, const char *comment, int64_t until)
{
	struct amsil_pause *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	nv[*n].monitor = monitor ? strdup(monitor) : NULL;
	nv[*n].id = strdup(id ? id : "");
	nv[*n].by = strdup(by ? by : "");
	nv[*n].comment = strdup(comment ? comment : "");
	nv[*n].until_wall = until;
	(*n)++;
	return 0;
}

int
amsil_pauses(const char *body, size_t len, const struct amsil_who *who,
    int64_t now_wall, struct amsil_pause **out, size_t *nout, char *err,
    size_t errlen)
{
	struct json_tokener *tok;
	json_object *root;
	size_t i, k, n;

	*out = NULL;
	*nout = 0;
	if ((tok = json_tokener_new_ex(32)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	root = json_tokener_parse_ex(tok, body, (int)(len > 0x7fffffff
	                                             ? 0x7fffffff
	                                             : len));
	if (root == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		snprintf(err, errlen,
		    "the silences are not JSON (%s at byte %d): is this an "
		    "Alertmanager (GET /api/v2/silences)?",
		    json_tokener_error_desc(json_tokener_get_error(tok)),
		    tok->char_offset);
		json_object_put(root);
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_array)) {
		snprintf(err, errlen,
		    "the silences are not a JSON array: is this an "
		    "Alertmanager (GET /api/v2/silences)?");
		json_object_put(root);
		return -1;
	}
	n = json_object_array_length(root);
	for (i = 0; i < n && i < AMSIL_MAX_SILENCES; i++) {
		json_object *s = json_object_array_get_idx(root, i), *st, *ms;
		const char *state;
		int64_t until;

		if (!json_object_is_type(s, json_type_object) ||
		    !json_object_object_get_ex(s, "status", &st) ||
		    (state = amsil_str(st, "state")) == NULL ||
		    strcmp(state, "active") != 0 ||
		    !json_object_object_get_ex(s, "matchers", &ms) ||
		    !json_object_is_type(ms, json_type_array))
			continue;
		until = amsil_time(amsil_str(s, "endsAt"));
		if (until <= now_wall)
			continue;
		if (amsil_covers(ms, who, NULL)) {
			if (amsil_add(out, nout, NULL, amsil_str(s, "id"),
			        amsil_str(s, "createdBy"),
			        amsil_str(s, "comment"), until) != 0)
				goto nomem;
			continue;
		}
		for (k = 0; k < who->nmonitors; k++)
			if (amsil_covers(ms, who, who->monitors[k]) &&
			    amsil_add(out, nout, who->monitors[k],
			        amsil_str(s, "id"), amsil_str(s, "createdBy"),
			        amsil_str(s, "comment"), until) != 0)
				goto nomem;
	}
	json_object_put(root);
	return 0;
nomem:
	json_object_put(root);
	amsil_free(*out, *nout);
	*out = NULL;
	*nout = 0;
	snprintf(err, errlen, "out of memory");
	return -1;
}

void
amsil_free(struct amsil_pause *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].monitor);
		free(v[i].id);
		free(v[i].by);
		free(v[i].comment);
	}
	free(v);
}
