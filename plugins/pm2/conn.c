/*
 * conn.c: non-blocking client of PM2's rpc.sock and pub.sock on the host's
 * loop: connect, buffered writes, replies matched by id with a deadline,
 * pub.sock drained on every readable event.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"

/* Bytes read per readable event at most, so one busy socket cannot
 * starve the loop; the watch fires again at once if more is waiting. */
#define CONN_READ_BUDGET (1024 * 1024)

struct conn_req {
	struct conn_req *next;
	struct conn *c;
	uint64_t handle;
	char id[RPC_ID_MAX];
	uint64_t timer;
	conn_reply_cb cb;
	void *arg;
};

int64_t
conn_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
conn_sock_init(struct conn_sock *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	amp_decoder_init(&s->dec, 0);
}

void
conn_init(struct conn *c, const struct rdd_host *h, struct rdd_monitor *m,
    const char *home, conn_event_cb ev, conn_down_cb down, void *arg)
{
	memset(c, 0, sizeof(*c));
	c->h = h;
	c->m = m;
	snprintf(c->rpc_path, sizeof(c->rpc_path), "%s/rpc.sock", home);
	snprintf(c->pub_path, sizeof(c->pub_path), "%s/pub.sock", home);
	conn_sock_init(&c->rpc);
	conn_sock_init(&c->pub);
	c->timeout_ms = 10000;
	c->on_event = ev;
	c->on_down = down;
	c->arg = arg;
}

static void
conn_sock_close(struct conn *c, struct conn_sock *s)
{
	if (s->rh != 0)
		c->h->fd_unwatch(c->m, s->rh);
	if (s->wh != 0)
		c->h->fd_unwatch(c->m, s->wh);
	s->rh = s->wh = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	amp_buf_free(&s->out);
	amp_decoder_reset(&s->dec);
}

static void
conn_req_free(struct conn *c, struct conn_req *q)
{
	if (q->timer != 0)
		c->h->timer_del(c->m, q->timer);
	free(q);
}

/* Fail every pending request; callbacks may reconnect or send anew. */
static void
conn_fail_all(struct conn *c, const char *why)
{
	struct conn_req *q;

	while ((q = c->reqs) != NULL) {
		c->reqs = q->next;
		q->next = NULL;
		if (q->timer != 0)
			c->h->timer_del(c->m, q->timer);
		q->timer = 0;
		if (q->cb != NULL)
			q->cb(q->arg, NULL, why);
		free(q);
	}
}

void
conn_close(struct conn *c, const char *why)
{
	if (c->later != 0)
		c->h->timer_del(c->m, c->later);
	c->later = 0;
	conn_sock_close(c, &c->rpc);
	conn_sock_close(c, &c->pub);
	c->up = 0;
	conn_fail_all(c, why ? why : "connection closed");
}

static void
conn_lost(struct conn *c, const char *why)
{
	char w[256];

	snprintf(w, sizeof(w), "%s", why);
	if (c->later != 0)
		c->h->timer_del(c->m, c->later);
	c->later = 0;
	conn_sock_close(c, &c->rpc);
	conn_sock_close(c, &c->pub);
	c->up = 0;
	conn_fail_all(c, w);
	if (c->on_down != NULL)
		c->on_down(c->arg, w);
}

static void conn_rpc_cb(int fd, int events, void *arg);
static void conn_pub_cb(int fd, int events, void *arg);

static int
conn_connect(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un sa;
	const char *base = strrchr(path, '/');
	int fd, e;

	base = base ? base + 1 : path;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, whylen,
		    "%s: path longer than %zu bytes: use a "
		    "shorter pm2_home",
		    path, sizeof(sa.sun_path) - 1);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "%s: socket: %s", base, strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
	    errno != EINPROGRESS) {
		e = errno;
		close(fd);
		snprintf(why, whylen, "%s: %s", base, strerror(e));
		errno = e;
		return -1;
	}
	return fd;
}

int
conn_open(struct conn *c, char *why, size_t whylen)
{
	int e;

	if (c->up)
		return 0;
	conn_sock_close(c, &c->rpc);
	conn_sock_close(c, &c->pub);
	/* pub first: no event between the two may be missed. */
	if ((c->pub.fd = conn_connect(c->pub_path, why, whylen)) < 0)
		return -1;
	if ((c->rpc.fd = conn_connect(c->rpc_path, why, whylen)) < 0) {
		e = errno;
		conn_sock_close(c, &c->pub);
		errno = e;
		return -1;
	}
	c->pub.rh =
	    c->h->fd_watch(c->m, c->pub.fd, RDD_FD_READ, conn_pub_cb, c);
	c->rpc.rh =
	    c->h->fd_watch(c->m, c->rpc.fd, RDD_FD_READ, conn_rpc_cb, c);
	if (c->pub.rh == 0 || c->rpc.rh == 0) {
		conn_sock_close(c, &c->rpc);
		conn_sock_close(c, &c->pub);
		snprintf(why, whylen,
		    "the daemon refused to watch the PM2 "
		    "sockets (see system.log)");
		errno = ENOMEM;
		return -1;
	}
	c->up = 1;
	return 0;
}

size_t
conn_pending(const struct conn *c)
{
	const struct conn_req *q;
	size_t n = 0;

	for (q = c->reqs; q != NULL; q = q->next)
		n++;
	return n;
}

/* Write what the buffer holds; watch for writability if some is left. */
static int
conn_flush(struct conn *c, char *why, size_t whylen)
{
	struct conn_sock *s = &c->rpc;
	ssize_t w;

	while (s->out.len > 0) {
		w = send(s->fd, s->out.data, s->out.len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			snprintf(why, whylen, "rpc.sock: write: %s",
			    w < 0 ? strerror(errno) : "nothing written");
			return -1;
		}
		amp_buf_consume(&s->out, (size_t)w);
	}
	if (s->out.len == 0)
		c->last_write_us = conn_now_us();
	if (s->out.len > 0 && s->wh == 0)
		s->wh =
		    c->h->fd_watch(c->m, s->fd, RDD_FD_WRITE, conn_rpc_cb, c);
	else if (s->out.len == 0 && s->wh != 0) {
		c->h->fd_unwatch(c->m, s->wh);
		s->wh = 0;
	}
	return 0;
}

static struct conn_req *
conn_req_take(struct conn *c, const char *id, uint64_t handle)
{
	struct conn_req **pp, *q;

	for (pp = &c->reqs; (q = *pp) != NULL; pp = &q->next)
		if ((id != NULL && strcmp(q->id, id) == 0) ||
		    (id == NULL && q->handle == handle)) {
			*pp = q->next;
			q->next = NULL;
			return q;
		}
	return NULL;
}

static void
conn_timeout_cb(void *arg)
{
	struct conn_req *q = arg;
	struct conn *c = q->c;
	char why[128];

	q->timer = 0; /* one-shot: gone */
	if (conn_req_take(c, NULL, q->handle) == NULL)
		return;
	snprintf(why, sizeof(why), "no reply from PM2 within %lld ms",
	    (long long)c->timeout_ms);
	if (q->cb != NULL)
		q->cb(q->arg, NULL, why);
	free(q);
}

/* A write that failed inside conn_call is reported from the loop. */
static void
conn_lost_later_cb(void *arg)
{
	struct conn *c = arg;

	c->later = 0;
	if (c->up)
		conn_lost(c, "rpc.sock: write failed: the PM2 daemon went "
		             "away");
}

static uint64_t
conn_send(struct conn *c, struct conn_req *q, char *why, size_t whylen)
{
	char werr[160];

	q->c = c;
	q->handle = ++c->seq;
	q->timer = c->h->timer_add(c->m, c->timeout_ms, 0, conn_timeout_cb, q);
	q->next = c->reqs;
	c->reqs = q;
	if (conn_flush(c, werr, sizeof(werr)) != 0) {
		/* Fails with the others, from the loop, not from here. */
		if (c->later == 0)
			c->later =
			    c->h->timer_add(c->m, 0, 0, conn_lost_later_cb, c);
	}
	return q->handle;
}

static struct conn_req *
conn_req_new(struct conn *c, char *why, size_t whylen)
{
	struct conn_req *q;

	if (!c->up) {
		snprintf(why, whylen, "not connected to PM2");
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	rpc_format_id(q->id, sizeof(q->id), (long)getpid(), c->seq + 1);
	return q;
}

uint64_t
conn_call0(struct conn *c, conn_build0 b, conn_reply_cb cb, void *arg,
    char *why, size_t whylen)
{
	struct conn_req *q = conn_req_new(c, why, whylen);

	if (q == NULL)
		return 0;
	if (b(&c->rpc.out, q->id) != 0) {
		snprintf(why, whylen, "cannot build the request: %s",
		    strerror(errno));
		free(q);
		return 0;
	}
	q->cb = cb;
	q->arg = arg;
	return conn_send(c, q, why, whylen);
}

uint64_t
conn_call1(struct conn *c, conn_build1 b, int pm_id, conn_reply_cb cb,
    void *arg, char *why, size_t whylen)
{
	struct conn_req *q = conn_req_new(c, why, whylen);

	if (q == NULL)
		return 0;
	if (b(&c->rpc.out, q->id, pm_id) != 0) {
		snprintf(why, whylen,
		    "cannot build the request for pm_id %d: "
		    "%s",
		    pm_id, strerror(errno));
		free(q);
		return 0;
	}
	q->cb = cb;
	q->arg = arg;
	return conn_send(c, q, why, whylen);
}

void
conn_cancel(struct conn *c, uint64_t req)
{
	struct conn_req *q;

	if (req != 0 && (q = conn_req_take(c, NULL, req)) != NULL)
		conn_req_free(c, q);
}

/*
 * Read what is there into the decoder. Returns 1 while data may remain,
 * 0 on EAGAIN, -1 on EOF or error with why set.
 */
static int
conn_read(struct conn *c, struct conn_sock *s, const char *name, char *why,
    size_t whylen)
{
	char buf[65536];
	size_t total = 0;
	ssize_t n;

	while (total < CONN_READ_BUDGET) {
		n = recv(s->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0) {
			snprintf(
			    why, whylen, "%s: read: %s", name, strerror(errno));
			return -1;
		}
		if (n == 0) {
			snprintf(why, whylen,
			    "%s: the PM2 daemon closed the "
			    "socket (EOF)",
			    name);
			return -1;
		}
		c->bytes_in += (uint64_t)n;
		if (amp_feed(&s->dec, buf, (size_t)n) != 0) {
			snprintf(why, whylen, "%s: %s", name,
			    amp_error(&s->dec) ? amp_error(&s->dec)
			                       : "out of memory");
			return -1;
		}
		total += (size_t)n;
		if ((size_t)n < sizeof(buf))
			return 0;
	}
	return 1;
}

static void
conn_rpc_cb(int fd, int events, void *arg)
{
	struct conn *c = arg;
	struct amp_frame f;
	struct rpc_reply r;
	struct conn_req *q;
	char why[256], err[256];
	int rc;

	if (events & RDD_FD_WRITE) {
		if (conn_flush(c, why, sizeof(why)) != 0) {
			conn_lost(c, why);
			return;
		}
	}
	if (!(events & RDD_FD_READ))
		return;
	rc = conn_read(c, &c->rpc, "rpc.sock", why, sizeof(why));
	for (;;) {
		int got = amp_next(&c->rpc.dec, &f);

		if (got < 0) {
			snprintf(why, sizeof(why), "rpc.sock: %s",
			    amp_error(&c->rpc.dec));
			conn_lost(c, why);
			return;
		}
		if (got == 0)
			break;
		if (rpc_reply_parse(&f, &r, err, sizeof(err)) != 0) {
			c->h->log(c->m, RDD_LOG_WARN,
			    "PM2 rpc.sock: %s; "
			    "ignored",
			    err);
			continue;
		}
		if ((q = conn_req_take(c, r.id, 0)) == NULL) {
			c->h->log(c->m, RDD_LOG_DEBUG,
			    "PM2 rpc.sock: reply "
			    "%s matches no request (timed out?); ignored",
			    r.id);
			rpc_reply_free(&r);
			continue;
		}
		if (q->timer != 0)
			c->h->timer_del(c->m, q->timer);
		q->timer = 0;
		if (q->cb != NULL)
			q->cb(q->arg, &r, NULL);
		free(q);
		rpc_reply_free(&r);
		if (c->rpc.fd != fd)
			return; /* the callback closed or reopened */
	}
	if (rc < 0)
		conn_lost(c, why);
}

static void
conn_pub_cb(int fd, int events, void *arg)
{
	struct conn *c = arg;
	struct amp_frame f;
	char why[256], topic[128];
	int rc, got;

	rc = conn_read(c, &c->pub, "pub.sock", why, sizeof(why));
	for (;;) {
		got = amp_next(&c->pub.dec, &f);
		if (got < 0) {
			snprintf(why, sizeof(why), "pub.sock: %s",
			    amp_error(&c->pub.dec));
			conn_lost(c, why);
			return;
		}
		if (got == 0)
			break;
		if (f.argc < 1 || f.args[0].type != AMP_STRING)
			continue;
		snprintf(topic, sizeof(topic), "%.*s",
		    (int)(f.args[0].len < 127 ? f.args[0].len : 127),
		    f.args[0].data);
		if (c->on_event != NULL)
			c->on_event(c->arg, topic, &f);
		if (c->pub.fd != fd)
			return;
	}
	if (rc < 0)
		conn_lost(c, why);
}
