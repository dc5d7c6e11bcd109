/*
 * aconf.c: the `alerts` group: receivers (receivers.c), route, escalation,
 * rules and trends, checked with file, line and fix like the rest.
 */
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "rdd.h"
#include "alerts.h"

struct alerts_conf {
	struct alert_receiver *rcv;
	size_t nrcv;
};

struct alerts_conf *
alerts_conf_parse(const void *setting, const char *where, struct errlist *errs)
{
	const config_setting_t *s = setting, *r;
	struct alerts_conf *ac;

	if (!config_setting_is_group(s)) {
		errlist_add(errs, "%salerts: expected a group { receivers = "
		    "( ... ); route = { ... }; }", where);
		return NULL;
	}
	if ((ac = calloc(1, sizeof(*ac))) == NULL) {
		errlist_add(errs, "%salerts: out of memory", where);
		return NULL;
	}
	if ((r = config_setting_get_member(s, "receivers")) != NULL &&
	    alerts_receivers_parse(r, &ac->rcv, &ac->nrcv, errs) != 0) {
		alerts_conf_free(ac);
		return NULL;
	}
	return ac;
}

void
alerts_conf_free(struct alerts_conf *ac)
{
	if (ac == NULL)
		return;
	alerts_receivers_free(ac->rcv, ac->nrcv);
	free(ac);
}

const struct alert_receiver *
alerts_conf_receivers(const struct alerts_conf *ac, size_t *n)
{
	*n = ac != NULL ? ac->nrcv : 0;
	return ac != NULL ? ac->rcv : NULL;
}
