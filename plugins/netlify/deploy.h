/*
 * deploy.h: the Netlify API answers the monitor reads (deploy lists, a
 * build, Retry-After) and the decision about a site's latest deploy.
 */
#ifndef NL_DEPLOY_H
#define NL_DEPLOY_H

#include <stddef.h>
#include <stdint.h>

#include <redundancyd/rdd_plugin.h>

struct nl_deploy {
	char id[64];
	char state[32];
	char error[256];
	char branch[64];
	char context[32];
	int64_t created_ms;
	int64_t updated_ms;
	int64_t published_ms; /* 0 when never published */
	int skipped;
};

enum nl_dkind {
	NL_DK_READY,
	NL_DK_ERROR,
	NL_DK_BUSY, /* new, enqueued, building, uploading, ... */
	NL_DK_OTHER /* pending_review, accepted, rejected, ... */
};

/* "2024-05-22T10:00:00.123Z" (or +hh:mm) to ms; -1 when malformed. */
int64_t nl_iso8601_ms(const char *s);

enum nl_dkind nl_deploy_kind(const char *state);

/*
 * A listSiteDeploys answer: up to max deploys, newest first as the API
 * returns them. Returns the count, or -1 with err set.
 */
int nl_deploys_parse(const char *body, struct nl_deploy *out, size_t max,
    char *err, size_t errlen);

/* createSiteBuild's answer: the build id and its deploy id. */
int nl_build_parse(const char *body, char *build_id, size_t blen,
    char *deploy_id, size_t dlen);

/* Retry-After as delta-seconds or an HTTP-date; -1 when unusable. */
int64_t nl_retry_after_ms(const char *value, int64_t now_ms);

struct nl_deploy_policy {
	int64_t stuck_warning_ms;
	int64_t stuck_critical_ms;
	const char *retried_id;   /* deploy of the build we retried, or NULL */
	const char *restored_for; /* the failed deploy we restored past */
	const char *restored_id;  /* the deploy we restored */
};

/*
 * The state of the site's deploys from the newest (list[0]) and the
 * policy. `ready` gets the newest ready deploy, or -1.
 */
enum rdd_state nl_deploy_judge(const struct nl_deploy *list, size_t n,
    const struct nl_deploy_policy *p, int64_t now_ms, char *msg, size_t msglen,
    int *ready);

#endif
