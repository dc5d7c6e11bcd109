/*
 * errlist.c: a growable list of error or warning lines ("file:line: text")
 * collected while loading a config, so an operator sees every problem at once.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* vasprintf */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "rdd.h"

void
errlist_add(struct errlist *e, const char *fmt, ...)
{
	va_list ap;
	char *s, **nv;
	int n;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	nv = realloc(e->v, (e->n + 1) * sizeof(*nv));
	if (nv == NULL) {
		free(s);
		return;
	}
	e->v = nv;
	e->v[e->n++] = s;
}

void
errlist_free(struct errlist *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = 0;
}
