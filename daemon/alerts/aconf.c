/*
 * aconf.c: the `alerts` group: receivers (receivers.c), route, escalation,
 * rules and trends, checked with file, line and fix like the rest.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "rdd.h"
#include "alerts.h"
#include "aconf.h"

/* One parse: where errors go and what the receivers are called. */
struct aconf_ld {
	struct alerts_conf *ac;
	struct errlist *errs;
	const char *where; /* of the alerts group, for settings without one */
	int nerr;
};

static const char *const aconf_top_keys[] = {"receivers", "route", "escalation",
    "rules", "trends", "inhibit", "external_url", NULL};
static const char *const aconf_route_keys[] = {"receivers", "group_wait",
    "group_interval", "repeat_interval", "routes", NULL};
static const char *const aconf_subroute_keys[] = {"match", "receivers",
    "continue", "group_wait", "group_interval", "repeat_interval", NULL};
static const char *const aconf_match_keys[] = {
    "severity", "monitor", "target", "event", NULL};
static const char *const aconf_level_keys[] = {
    "level", "after", "receivers", NULL};
static const char *const aconf_rule_keys[] = {
    "monitor", "target", "event", "severity", NULL};
static const char *const aconf_trend_keys[] = {"monitor", "target", "metric",
    "limit", "limit_name", "horizon", "window", "min_samples", NULL};
static const char *const aconf_events[] = {"critical", "warning", "gave-up",
    "served", "recovered", "crash", "stall", "quarantine", "lifecycle",
    "blocked", "trend", NULL};

static void aconf_err(struct aconf_ld *L, const config_setting_t *s,
    const char *fmt, ...) RDD_PRINTF(3, 4);

static void
aconf_err(struct aconf_ld *L, const config_setting_t *s, const char *fmt, ...)
{
	char where[1024], msg[RDD_ERRLEN];
	const char *f = s ? config_setting_source_file(s) : NULL;
	unsigned line = s ? config_setting_source_line(s) : 0;
	va_list ap;

	if (f != NULL && line > 0)
		snprintf(where, sizeof(where), "%s:%u: ", f, line);
	else
		snprintf(where, sizeof(where), "%s", L->where);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errlist_add(L->errs, "%s%s", where, msg);
	L->nerr++;
}

const char *
aconf_sev_name(enum aconf_sev s)
{
	switch (s) {
	case ASEV_INFO:
		return "info";
	case ASEV_WARNING:
		return "warning";
	case ASEV_CRITICAL:
		return "critical";
	case ASEV_NONE:
		break;
	}
	return "none";
}

static int
aconf_glob(const char *pat, const char *s)
{
	return pat == NULL || fnmatch(pat, s ? s : "", 0) == 0;
}

int
aconf_match(const struct aconf_match *m, const char *severity,
    const char *monitor, const char *target, const char *event)
{
	return aconf_glob(m->severity, severity) &&
	       aconf_glob(m->monitor, monitor) &&
	       aconf_glob(m->target, target) && aconf_glob(m->event, event);
}

/* Every member of a group must be one of keys: "did you mean" or a list. */
static void
aconf_known(struct aconf_ld *L, const config_setting_t *g,
    const char *const *keys, const char *what)
{
	char known[512];
	size_t o;
	int i, n = config_setting_length(g), k;

	for (i = 0; i < n; i++) {
		const config_setting_t *s =
		    config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);

		for (k = 0; keys[k] != NULL; k++)
			if (name != NULL && strcmp(keys[k], name) == 0)
				break;
		if (keys[k] != NULL)
			continue;
		o = 0;
		known[0] = '\0';
		for (k = 0; keys[k] != NULL && o < sizeof(known); k++)
			o += (size_t)snprintf(known + o, sizeof(known) - o,
			    "%s%s", k ? ", " : "", keys[k]);
		aconf_err(L, s,
		    "%s: unknown setting '%s': fix or remove it "
		    "(known: %s)",
		    what, name ? name : "?", known);
	}
}

static int
aconf_group(struct aconf_ld *L, const config_setting_t *s, const char *what,
    const char *example)
{
	if (config_setting_is_group(s))
		return 0;
	aconf_err(L, s, "%s: expected a group %s", what, example);
	return -1;
}

static int
aconf_str(struct aconf_ld *L, const config_setting_t *g, const char *key,
    const char *what, char **out)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    *config_setting_get_string(s) == '\0') {
		aconf_err(L, s, "%s.%s: expected a non-empty string in quotes",
		    what, key);
		return -1;
	}
	free(*out);
	if ((*out = strdup(config_setting_get_string(s))) == NULL) {
		aconf_err(L, s, "%s.%s: out of memory", what, key);
		return -1;
	}
	return 0;
}

static int
aconf_duration(struct aconf_ld *L, const config_setting_t *g, const char *key,
    const char *what, int64_t *ms)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	int64_t v;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    util_parse_duration(config_setting_get_string(s), &v) != 0 ||
	    v < 0) {
		aconf_err(L, s,
		    "%s.%s: expected a duration in quotes like "
		    "\"30s\", \"5m\" or \"4h\"",
		    what, key);
		return -1;
	}
	*ms = v;
	return 0;
}

static int
aconf_bool(struct aconf_ld *L, const config_setting_t *g, const char *key,
    const char *what, int *out)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		aconf_err(L, s, "%s.%s: expected true or false", what, key);
		return -1;
	}
	*out = config_setting_get_bool(s);
	return 0;
}

static int
aconf_has_receiver(const struct alerts_conf *ac, const char *name)
{
	size_t i;

	for (i = 0; i < ac->names.n; i++)
		if (strcmp(ac->names.v[i], name) == 0)
			return 1;
	return 0;
}

/* receivers = [ "ops", "mail" ] (or one string): each must exist. */
static int
aconf_receivers(struct aconf_ld *L, const config_setting_t *g, const char *what,
    struct rdd_strlist *out, int required)
{
	const config_setting_t *s = config_setting_get_member(g, "receivers");
	int i, n, bad = 0;

	if (s == NULL) {
		if (required)
			aconf_err(L, g,
			    "%s: receivers missing: add receivers "
			    "= [ \"name\" ]; naming entries of "
			    "alerts.receivers",
			    what);
		return required ? -1 : 0;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		n = 1;
	else if (config_setting_is_array(s) || config_setting_is_list(s))
		n = config_setting_length(s);
	else {
		aconf_err(
		    L, s, "%s.receivers: expected [ \"name\", ... ]", what);
		return -1;
	}
	out->v = calloc((size_t)n + 1, sizeof(*out->v));
	if (out->v == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		const config_setting_t *e =
		    config_setting_type(s) == CONFIG_TYPE_STRING
		        ? s
		        : config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);

		if (v == NULL) {
			aconf_err(L, s,
			    "%s.receivers: entry %d is not a "
			    "string: write [ \"ops\" ]",
			    what, i + 1);
			bad = 1;
			continue;
		}
		if (!aconf_has_receiver(L->ac, v)) {
			aconf_err(L, s,
			    "%s.receivers: no receiver named "
			    "'%s': declare it in alerts.receivers or fix the "
			    "name",
			    what, v);
			bad = 1;
			continue;
		}
		out->v[out->n++] = strdup(v);
	}
	return bad ? -1 : 0;
}

static void
aconf_strlist_free(struct rdd_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
aconf_match_free(struct aconf_match *m)
{
	free(m->severity);
	free(m->monitor);
	free(m->target);
	free(m->event);
}

static int
aconf_event_ok(struct aconf_ld *L, const config_setting_t *g, const char *what,
    const char *ev)
{
	size_t o = 0;
	char list[256];
	int k;

	if (ev == NULL || strpbrk(ev, "*?[") != NULL)
		return 0;
	for (k = 0; aconf_events[k] != NULL; k++)
		if (strcmp(aconf_events[k], ev) == 0)
			return 0;
	list[0] = '\0';
	for (k = 0; aconf_events[k] != NULL && o < sizeof(list); k++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
		    k ? ", " : "", aconf_events[k]);
	aconf_err(L, config_setting_get_member(g, "event"),
	    "%s.event: "
	    "unknown event '%s': use one of %s",
	    what, ev, list);
	return -1;
}

static int
aconf_match_parse(struct aconf_ld *L, const config_setting_t *g,
    const char *what, struct aconf_match *m, const char *const *keys)
{
	int bad = 0;

	aconf_known(L, g, keys, what);
	bad |= aconf_str(L, g, "severity", what, &m->severity);
	bad |= aconf_str(L, g, "monitor", what, &m->monitor);
	bad |= aconf_str(L, g, "target", what, &m->target);
	bad |= aconf_str(L, g, "event", what, &m->event);
	bad |= aconf_event_ok(L, g, what, m->event);
	return bad ? -1 : 0;
}

static void
aconf_timings(struct aconf_ld *L, const config_setting_t *g, const char *what,
    struct aconf_route *r)
{
	aconf_duration(L, g, "group_wait", what, &r->group_wait_ms);
	aconf_duration(L, g, "group_interval", what, &r->group_interval_ms);
	aconf_duration(L, g, "repeat_interval", what, &r->repeat_interval_ms);
	if (r->group_interval_ms == 0)
		aconf_err(L, config_setting_get_member(g, "group_interval"),
		    "%s.group_interval: must be more than 0: \"5m\" is the "
		    "default",
		    what);
}

static void
aconf_route(struct aconf_ld *L, const config_setting_t *g)
{
	struct alerts_conf *ac = L->ac;
	const config_setting_t *rs, *e, *m;
	char what[128];
	int i, n;

	if (aconf_group(L, g, "alerts.route", "{ receivers = [ \"ops\" ]; }"))
		return;
	aconf_known(L, g, aconf_route_keys, "alerts.route");
	aconf_receivers(L, g, "alerts.route", &ac->root.receivers, 1);
	aconf_timings(L, g, "alerts.route", &ac->root);
	if ((rs = config_setting_get_member(g, "routes")) == NULL)
		return;
	if (!config_setting_is_list(rs)) {
		aconf_err(L, rs,
		    "alerts.route.routes: expected a list ( { "
		    "match = { severity = \"critical\"; }; receivers = [ "
		    "\"ops\" ]; } )");
		return;
	}
	n = config_setting_length(rs);
	if ((ac->routes = calloc((size_t)n + 1, sizeof(*ac->routes))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct aconf_route *r = &ac->routes[ac->nroutes++];

		e = config_setting_get_elem(rs, (unsigned)i);
		snprintf(what, sizeof(what), "alerts.route.routes[%d]", i);
		/* A child inherits its parent's timings. */
		r->group_wait_ms = ac->root.group_wait_ms;
		r->group_interval_ms = ac->root.group_interval_ms;
		r->repeat_interval_ms = ac->root.repeat_interval_ms;
		if (aconf_group(L, e, what,
		        "{ match = { ... }; receivers = "
		        "[ ... ]; }"))
			continue;
		aconf_known(L, e, aconf_subroute_keys, what);
		if ((m = config_setting_get_member(e, "match")) != NULL &&
		    aconf_group(L, m, what,
		        "match = { severity = "
		        "\"critical\"; monitor = \"api*\"; }") == 0) {
			char mw[160];

			snprintf(mw, sizeof(mw), "%s.match", what);
			aconf_match_parse(
			    L, m, mw, &r->match, aconf_match_keys);
		}
		aconf_receivers(L, e, what, &r->receivers, 1);
		aconf_bool(L, e, "continue", what, &r->cont);
		aconf_timings(L, e, what, r);
	}
}

static void
aconf_escalation(struct aconf_ld *L, const config_setting_t *s)
{
	struct alerts_conf *ac = L->ac;
	const config_setting_t *lv;
	char what[64];
	int i, n, level;
	size_t k;

	if (!config_setting_is_list(s)) {
		aconf_err(L, s,
		    "alerts.escalation: expected a list ( { level "
		    "= 2; after = \"15m\"; receivers = [ \"chat\" ]; } )");
		return;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		struct aconf_level *l;

		snprintf(what, sizeof(what), "alerts.escalation[%d]", i);
		if (aconf_group(L,
		        (lv = config_setting_get_elem(s, (unsigned)i)), what,
		        "{ level = 2; after = \"15m\"; "
		        "receivers = [ ... ]; }"))
			continue;
		aconf_known(L, lv, aconf_level_keys, what);
		if (!config_setting_lookup_int(lv, "level", &level) ||
		    level < 2 || level > ACONF_LEVELS_MAX) {
			aconf_err(L, lv,
			    "%s.level: expected 2 or 3 (level 1 "
			    "is alerts.route)",
			    what);
			continue;
		}
		for (k = 0; k < ac->nlevels; k++)
			if (ac->levels[k].level == level)
				break;
		if (k < ac->nlevels) {
			aconf_err(L, lv,
			    "%s: level %d is declared twice: keep "
			    "one",
			    what, level);
			continue;
		}
		l = &ac->levels[ac->nlevels++];
		l->level = level;
		l->after_ms = -1;
		aconf_duration(L, lv, "after", what, &l->after_ms);
		if (l->after_ms <= 0)
			aconf_err(L, lv,
			    "%s.after: missing or zero: write "
			    "after = \"15m\" (since the alert started)",
			    what);
		aconf_receivers(L, lv, what, &l->receivers, 1);
	}
	/* Sorted by level; L3 must come after L2. */
	for (k = 1; k < ac->nlevels; k++)
		if (ac->levels[k].level < ac->levels[k - 1].level) {
			struct aconf_level t = ac->levels[k];

			ac->levels[k] = ac->levels[k - 1];
			ac->levels[k - 1] = t;
		}
	if (ac->nlevels == 2 &&
	    ac->levels[1].after_ms <= ac->levels[0].after_ms)
		aconf_err(L, s,
		    "alerts.escalation: level 3's after must be "
		    "longer than level 2's: both count from the alert's start");
}

static int
aconf_sev_parse(const char *s, enum aconf_sev *out)
{
	if (strcmp(s, "critical") == 0)
		*out = ASEV_CRITICAL;
	else if (strcmp(s, "warning") == 0)
		*out = ASEV_WARNING;
	else if (strcmp(s, "info") == 0)
		*out = ASEV_INFO;
	else if (strcmp(s, "none") == 0)
		*out = ASEV_NONE;
	else
		return -1;
	return 0;
}

static void
aconf_rules(struct aconf_ld *L, const config_setting_t *s)
{
	struct alerts_conf *ac = L->ac;
	const config_setting_t *e;
	const char *sv;
	char what[64];
	int i, n;

	if (!config_setting_is_list(s)) {
		aconf_err(L, s,
		    "alerts.rules: expected a list ( { monitor = "
		    "\"api\"; event = \"warning\"; severity = \"critical\"; "
		    "} )");
		return;
	}
	n = config_setting_length(s);
	if ((ac->rules = calloc((size_t)n + 1, sizeof(*ac->rules))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct aconf_rule *r = &ac->rules[ac->nrules];

		snprintf(what, sizeof(what), "alerts.rules[%d]", i);
		e = config_setting_get_elem(s, (unsigned)i);
		if (aconf_group(L, e, what,
		        "{ monitor = \"api\"; severity = "
		        "\"critical\"; }"))
			continue;
		ac->nrules++;
		aconf_known(L, e, aconf_rule_keys, what);
		aconf_str(L, e, "monitor", what, &r->match.monitor);
		aconf_str(L, e, "target", what, &r->match.target);
		aconf_str(L, e, "event", what, &r->match.event);
		aconf_event_ok(L, e, what, r->match.event);
		if (!config_setting_lookup_string(e, "severity", &sv) ||
		    aconf_sev_parse(sv, &r->severity) != 0)
			aconf_err(L, e,
			    "%s.severity: expected \"critical\", "
			    "\"warning\", \"info\" or \"none\" (drops the "
			    "alert)",
			    what);
	}
}

static void
aconf_trends(struct aconf_ld *L, const config_setting_t *s)
{
	struct alerts_conf *ac = L->ac;
	const config_setting_t *e, *lim;
	char what[64];
	int i, n, ms;

	if (!config_setting_is_list(s)) {
		aconf_err(L, s,
		    "alerts.trends: expected a list ( { monitor = "
		    "\"api\"; metric = \"memory\"; limit = \"512M\"; } )");
		return;
	}
	n = config_setting_length(s);
	if ((ac->trends = calloc((size_t)n + 1, sizeof(*ac->trends))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct aconf_trend *t = &ac->trends[ac->ntrends];

		snprintf(what, sizeof(what), "alerts.trends[%d]", i);
		e = config_setting_get_elem(s, (unsigned)i);
		if (aconf_group(L, e, what,
		        "{ monitor = \"api\"; metric = "
		        "\"memory\"; limit = \"512M\"; }"))
			continue;
		ac->ntrends++;
		t->horizon_ms = 30 * 60 * 1000;
		t->window_ms = 15 * 60 * 1000;
		t->min_samples = 5;
		aconf_known(L, e, aconf_trend_keys, what);
		aconf_str(L, e, "monitor", what, &t->monitor);
		aconf_str(L, e, "target", what, &t->target);
		aconf_str(L, e, "metric", what, &t->metric);
		aconf_str(L, e, "limit_name", what, &t->limit_name);
		aconf_duration(L, e, "horizon", what, &t->horizon_ms);
		aconf_duration(L, e, "window", what, &t->window_ms);
		if (t->metric == NULL)
			aconf_err(L, e,
			    "%s: metric missing: name the target "
			    "metric to watch, e.g. metric = \"memory\"",
			    what);
		if (config_setting_lookup_int(e, "min_samples", &ms)) {
			if (ms < 3 || ms > 1000)
				aconf_err(L, e,
				    "%s.min_samples: expected 3 to "
				    "1000",
				    what);
			else
				t->min_samples = ms;
		}
		lim = config_setting_get_member(e, "limit");
		if (lim == NULL)
			aconf_err(L, e,
			    "%s: limit missing: write limit = "
			    "\"512M\" or limit = 90.0",
			    what);
		else if (config_setting_type(lim) == CONFIG_TYPE_STRING) {
			int64_t b;

			if (util_parse_size(
			        config_setting_get_string(lim), &b) != 0)
				aconf_err(L, lim,
				    "%s.limit: expected a number "
				    "or a size like \"512M\"",
				    what);
			t->limit = (double)b;
		} else if (config_setting_type(lim) == CONFIG_TYPE_FLOAT)
			t->limit = config_setting_get_float(lim);
		else if (config_setting_type(lim) == CONFIG_TYPE_INT ||
		         config_setting_type(lim) == CONFIG_TYPE_INT64)
			t->limit = (double)config_setting_get_int64(lim);
		else
			aconf_err(L, lim,
			    "%s.limit: expected a number or a "
			    "size like \"512M\"",
			    what);
		if (t->window_ms <= 0 || t->horizon_ms <= 0)
			aconf_err(L, e,
			    "%s: window and horizon must be more "
			    "than 0",
			    what);
	}
}

/* The receivers' names, read from the list itself for the route checks. */
static void
aconf_names(struct aconf_ld *L, const config_setting_t *list)
{
	struct rdd_strlist *nl = &L->ac->names;
	const char *name;
	int i, n;

	if (!config_setting_is_list(list) && !config_setting_is_array(list))
		return;
	n = config_setting_length(list);
	if ((nl->v = calloc((size_t)n + 1, sizeof(*nl->v))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		const config_setting_t *e =
		    config_setting_get_elem(list, (unsigned)i);

		if (config_setting_is_group(e) &&
		    config_setting_lookup_string(e, "name", &name) &&
		    (nl->v[nl->n] = strdup(name)) != NULL)
			nl->n++;
	}
}

struct alerts_conf *
alerts_conf_parse(const void *setting, const char *where, struct errlist *errs)
{
	const config_setting_t *s = setting, *r;
	struct aconf_ld L;
	struct alerts_conf *ac;

	if (!config_setting_is_group(s)) {
		errlist_add(errs,
		    "%salerts: expected a group { receivers = "
		    "( ... ); route = { ... }; }",
		    where);
		return NULL;
	}
	if ((ac = calloc(1, sizeof(*ac))) == NULL) {
		errlist_add(errs, "%salerts: out of memory", where);
		return NULL;
	}
	memset(&L, 0, sizeof(L));
	L.ac = ac;
	L.errs = errs;
	L.where = where;
	ac->inhibit = 1;
	ac->root.group_wait_ms = ACONF_GROUP_WAIT_MS;
	ac->root.group_interval_ms = ACONF_GROUP_INTERVAL_MS;
	ac->root.repeat_interval_ms = ACONF_REPEAT_INTERVAL_MS;
	aconf_known(&L, s, aconf_top_keys, "alerts");
	if ((r = config_setting_get_member(s, "receivers")) != NULL) {
		aconf_names(&L, r);
		if (alerts_receivers_parse(r, &ac->rcv, &ac->nrcv, errs) != 0)
			L.nerr++;
	}
	if ((r = config_setting_get_member(s, "route")) != NULL)
		aconf_route(&L, r);
	else if (ac->names.n > 0)
		aconf_err(&L, s,
		    "alerts: route missing: add route = { "
		    "receivers = [ \"%s\" ]; } to say who gets alerts",
		    ac->names.v[0]);
	if ((r = config_setting_get_member(s, "escalation")) != NULL)
		aconf_escalation(&L, r);
	if ((r = config_setting_get_member(s, "rules")) != NULL)
		aconf_rules(&L, r);
	if ((r = config_setting_get_member(s, "trends")) != NULL)
		aconf_trends(&L, r);
	aconf_bool(&L, s, "inhibit", "alerts", &ac->inhibit);
	aconf_str(&L, s, "external_url", "alerts", &ac->external_url);
	if (L.nerr > 0) {
		alerts_conf_free(ac);
		return NULL;
	}
	return ac;
}

static void
aconf_route_free(struct aconf_route *r)
{
	aconf_match_free(&r->match);
	aconf_strlist_free(&r->receivers);
}

void
alerts_conf_free(struct alerts_conf *ac)
{
	size_t i;

	if (ac == NULL)
		return;
	alerts_receivers_free(ac->rcv, ac->nrcv);
	aconf_strlist_free(&ac->names);
	aconf_route_free(&ac->root);
	for (i = 0; i < ac->nroutes; i++)
		aconf_route_free(&ac->routes[i]);
	free(ac->routes);
	for (i = 0; i < ac->nlevels; i++)
		aconf_strlist_free(&ac->levels[i].receivers);
	for (i = 0; i < ac->nrules; i++)
		aconf_match_free(&ac->rules[i].match);
	free(ac->rules);
	for (i = 0; i < ac->ntrends; i++) {
		free(ac->trends[i].monitor);
		free(ac->trends[i].target);
		free(ac->trends[i].metric);
		free(ac->trends[i].limit_name);
	}
	free(ac->trends);
	free(ac->external_url);
	free(ac);
}

const struct alert_receiver *
alerts_conf_receivers(const struct alerts_conf *ac, size_t *n)
{
	*n = ac != NULL ? ac->nrcv : 0;
	return ac != NULL ? ac->rcv : NULL;
}
