/*
 * evloop.h: the unit tests' way to wait on a libevent loop: run it until a
 * condition holds, with a deadline that fails the test instead of hanging.
 */
#ifndef TESTS_EVLOOP_H
#define TESTS_EVLOOP_H

#include <event2/event.h>

/*
 * Run base until cond(arg) holds; a 10 s deadline fails the test. A 10 ms
 * tick re-checks conditions no event of the loop announces (files, pids).
 */
void evloop_until(struct event_base *base, int (*cond)(void *), void *arg);

#endif /* TESTS_EVLOOP_H */
