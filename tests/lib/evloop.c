/*
 * evloop.c: deadline-bounded waits on a libevent loop for the unit tests;
 * one copy, so every service test fails the same way when an event is lost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "evloop.h"

static void
evloop_flag_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

static void
evloop_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

void
evloop_until(struct event_base *base, int (*cond)(void *), void *arg)
{
	struct timeval tv = {10, 0}, ttv = {0, 10000};
	struct event *dl, *tick;
	int hit = 0;

	dl = evtimer_new(base, evloop_flag_cb, &hit);
	evtimer_add(dl, &tv);
	tick = event_new(base, -1, EV_PERSIST, evloop_tick_cb, NULL);
	evtimer_add(tick, &ttv);
	while (!cond(arg) && !hit)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(dl);
	event_free(tick);
	assert_true(cond(arg));
}
