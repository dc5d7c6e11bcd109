/*
 * fairq.c: the fair queue shared by svc_child and svc_http: FIFO within an
 * owner, least recently served owner first across owners.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>

#include "rdd.h"

/*
 * An owner record lives while the owner has a job queued or running. Keeping
 * it across running jobs is what makes a job that started at once count as
 * "served": otherwise an owner whose first job never waited would look new
 * and go ahead of an owner that has been waiting.
 */
struct fairq_owner {
	struct fairq_owner *next;
	const void *owner;
	struct fairq_ent *head, *tail;
	size_t refs;		/* jobs queued or running */
	uint64_t served;	/* q->serial when last served, 0: never */
};

void
fairq_init(struct fairq *q)
{
	q->owners = NULL;
	q->serial = 0;
	q->nqueued = 0;
	q->nrunning = 0;
}

static struct fairq_owner *
fairq_owner_get(struct fairq *q, const void *owner)
{
	struct fairq_owner *fo;

	/* A linear scan: owners are monitors, tens of them, not thousands. */
	for (fo = q->owners; fo != NULL; fo = fo->next)
		if (fo->owner == owner)
			return fo;
	if ((fo = calloc(1, sizeof(*fo))) == NULL)
		return NULL;
	fo->owner = owner;
	fo->next = q->owners;
	q->owners = fo;
	return fo;
}

static void
fairq_owner_unref(struct fairq *q, struct fairq_owner *fo)
{
	struct fairq_owner **pp;

	if (--fo->refs > 0)
		return;
	for (pp = &q->owners; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == fo) {
			*pp = fo->next;
			break;
		}
	}
	free(fo);
}

int
fairq_push(struct fairq *q, struct fairq_ent *e, const void *owner)
{
	struct fairq_owner *fo;

	if ((fo = fairq_owner_get(q, owner)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	fo->refs++;
	e->fo = fo;
	e->queued = 1;
	e->next = NULL;
	e->prev = fo->tail;
	if (fo->tail != NULL)
		fo->tail->next = e;
	else
		fo->head = e;
	fo->tail = e;
	q->nqueued++;
	return 0;
}

static void
fairq_unlink(struct fairq *q, struct fairq_ent *e)
{
	struct fairq_owner *fo = e->fo;

	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		fo->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		fo->tail = e->prev;
	e->prev = e->next = NULL;
	e->queued = 0;
	q->nqueued--;
}

struct fairq_ent *
fairq_pop(struct fairq *q)
{
	struct fairq_owner *fo, *best = NULL;
	struct fairq_ent *e;

	/*
	 * Owners are kept newest first, so on a tie (never served) the scan
	 * keeps the last one it sees, the oldest: first come, first served.
	 */
	for (fo = q->owners; fo != NULL; fo = fo->next)
		if (fo->head != NULL &&
		    (best == NULL || fo->served <= best->served))
			best = fo;
	if (best == NULL)
		return NULL;
	e = best->head;
	fairq_unlink(q, e);
	best->served = ++q->serial;
	q->nrunning++;
	return e;
}

void
fairq_remove(struct fairq *q, struct fairq_ent *e)
{
	if (e->fo == NULL)
		return;
	if (e->queued)
		fairq_unlink(q, e);
	else
		q->nrunning--;
	fairq_owner_unref(q, e->fo);
	e->fo = NULL;
}

size_t
fairq_queued(const struct fairq *q)
{
	return q->nqueued;
}

size_t
fairq_running(const struct fairq *q)
{
	return q->nrunning;
}

void
fairq_free(struct fairq *q)
{
	struct fairq_owner *fo, *next;

	for (fo = q->owners; fo != NULL; fo = next) {
		next = fo->next;
		free(fo);
	}
	fairq_init(q);
}
