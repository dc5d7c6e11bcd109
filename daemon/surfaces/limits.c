/*
 * limits.c: what the control socket and the HTTP server share against
 * floods: caps sized from RLIMIT_NOFILE, the out-of-fds pause, refusal logs.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "rdd.h"

#define LIMITS_LOG_MS 10000 /* one refusal line per surface per 10 s */
#define LIMITS_PAUSE_MS 500 /* accept() rests after running out of fds */
#define LIMITS_SHED_MAX 256 /* waiting peers closed per pause */

/*
 * A descriptor kept open on /dev/null: when accept() fails with EMFILE it
 * is closed for a moment so the waiting peers can be accepted and closed,
 * instead of hanging in the backlog until they time out.
 */
static int limits_spare = -1;

static int64_t
limits_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
limits_cap(size_t want, size_t share, size_t floor)
{
	struct rlimit rl;
	size_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return want;
	n = (size_t)rl.rlim_cur / share;
	if (n < floor)
		n = floor;
	return n < want ? n : want;
}

void
limits_spare_reserve(void)
{
	if (limits_spare == -1)
		limits_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void
limits_spare_release(void)
{
	if (limits_spare != -1)
		close(limits_spare);
	limits_spare = -1;
}

/* ---- the rate-limited log of refused and dropped peers ---- */

/* The count of what the window held back, when there is one. */
static void
limits_log_flush(struct limits_log *ll)
{
	if (ll->flush != NULL)
		evtimer_del(ll->flush);
	if (ll->held == 0)
		return;
	log_warn("%s: %lu more connection(s) refused or dropped in the last "
	         "%d s (one line per %d s)",
	    ll->what, ll->held, LIMITS_LOG_MS / 1000, LIMITS_LOG_MS / 1000);
	ll->held = 0;
}

static void
limits_log_flushcb(evutil_socket_t fd, short what, void *arg)
{
	struct limits_log *ll = arg;

	limits_log_flush(ll);
}

int
limits_log_init(
    struct limits_log *ll, struct event_base *base, const char *what)
{
	memset(ll, 0, sizeof(*ll));
	ll->what = what;
	ll->flush = evtimer_new(base, limits_log_flushcb, ll);
	return ll->flush != NULL ? 0 : -1;
}

void
limits_log_free(struct limits_log *ll)
{
	if (ll->flush != NULL)
		event_free(ll->flush);
	ll->flush = NULL;
}

int
limits_refused(struct limits_log *ll, const char *fmt, ...)
{
	struct timeval tv;
	char msg[512];
	int64_t now = limits_now_ms(), left;
	va_list ap;

	if (ll->last_ms != 0 && now - ll->last_ms < LIMITS_LOG_MS) {
		/* Counted now, written once the window closes. */
		ll->held++;
		if (ll->flush != NULL && !evtimer_pending(ll->flush, NULL)) {
			left = LIMITS_LOG_MS - (now - ll->last_ms);
			tv.tv_sec = left / 1000;
			tv.tv_usec = (left % 1000) * 1000;
			evtimer_add(ll->flush, &tv);
		}
		return 0;
	}
	limits_log_flush(ll);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("%s: %s", ll->what, msg);
	ll->last_ms = now;
	return 1;
}

/* ---- accept() out of descriptors ---- */

/* Accept and close the peers waiting in the backlog with the spare fd. */
static unsigned long
limits_shed(int lfd)
{
	unsigned long n = 0;
	int fd;

	if (limits_spare == -1)
		return 0;
	close(limits_spare);
	limits_spare = -1;
	while (n < LIMITS_SHED_MAX &&
	       (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) != -1) {
		close(fd);
		n++;
	}
	limits_spare_reserve();
	return n;
}

/*
 * libevent 2.1 calls the listener's error callback when accept() fails
 * with anything but EAGAIN/EINTR/ECONNABORTED; without one it logs a
 * warning and returns, and the level-triggered fd wakes it again at once:
 * a busy loop writing warnings. Pause the listener instead.
 */
void
limits_accept_failed(
    struct evconnlistener *lis, struct event *resume, struct limits_log *ll)
{
	struct timeval tv = {0, LIMITS_PAUSE_MS * 1000};
	unsigned long shed = 0;
	int e = errno;

	evconnlistener_disable(lis);
	if (e == EMFILE || e == ENFILE)
		shed = limits_shed(evconnlistener_get_fd(lis));
	if (!limits_refused(ll,
	        "accept: %s: paused for %d ms, %lu waiting "
	        "peer(s) closed: raise the descriptor limit (ulimit -n, "
	        "LimitNOFILE=) or find what holds them (ls /proc/%ld/fd)",
	        strerror(e), LIMITS_PAUSE_MS, shed, (long)getpid()))
		ll->held += shed;
	evtimer_add(resume, &tv);
}
