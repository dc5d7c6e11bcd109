/*
 * aconf.h: the parsed `alerts` group as the engine reads it: routes,
 * timings, escalation levels, severity rules and trend rules (aconf.c).
 */
#ifndef RDD_ACONF_H
#define RDD_ACONF_H

#include <stddef.h>
#include <stdint.h>

#include "rdd.h"

/* Defaults, as Alertmanager's (docs/alerts.md). */
#define ACONF_GROUP_WAIT_MS (30 * 1000)
#define ACONF_GROUP_INTERVAL_MS (5 * 60 * 1000)
#define ACONF_REPEAT_INTERVAL_MS (4 * 3600 * 1000)
#define ACONF_LEVELS_MAX 3

/* Alert severities; info, warning, critical map to OK, WARNING, CRITICAL. */
enum aconf_sev {
	ASEV_NONE = -1, /* a rule that drops the alert */
	ASEV_INFO = 0,
	ASEV_WARNING = 1,
	ASEV_CRITICAL = 2,
};

/* Label matchers; NULL matches anything, else a glob (fnmatch). */
struct aconf_match {
	char *severity, *monitor, *target, *event;
};

struct aconf_route {
	struct aconf_match match;
	struct rdd_strlist receivers;
	int cont; /* `continue`: also try the routes after this one */
	int64_t group_wait_ms, group_interval_ms, repeat_interval_ms;
};

struct aconf_level {
	int level; /* 2 or 3; level 1 is the route */
	int64_t after_ms;
	struct rdd_strlist receivers;
};

struct aconf_rule {
	struct aconf_match match; /* monitor, target, event */
	enum aconf_sev severity;
};

struct aconf_trend {
	char *monitor, *target, *metric; /* globs; metric exact */
	double limit;
	char *limit_name; /* "memory_max" in the message */
	int64_t horizon_ms, window_ms;
	int min_samples;
};

struct alerts_conf {
	struct alert_receiver *rcv;
	size_t nrcv;
	struct rdd_strlist names; /* receivers' names, as written */
	struct aconf_route root;
	struct aconf_route *routes;
	size_t nroutes;
	struct aconf_level levels[ACONF_LEVELS_MAX];
	size_t nlevels;
	struct aconf_rule *rules;
	size_t nrules;
	struct aconf_trend *trends;
	size_t ntrends;
	int inhibit; /* depends_on inhibition, on by default */
	char *external_url;
};

const char *aconf_sev_name(enum aconf_sev s);
int aconf_match(const struct aconf_match *m, const char *severity,
    const char *monitor, const char *target, const char *event);

#endif /* RDD_ACONF_H */
