/*
 * wire.c: the master-worker channel: one JSON object per SOCK_SEQPACKET
 * datagram, sent at once when the socket takes it and queued when it is full.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg */
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "wire.h"

/* A datagram larger than this is refused by the sender and cut by recv. */
#define WIRE_MAX (256 * 1024)
/* Messages handled per readable event, so one chatty worker cannot starve. */
#define WIRE_BATCH 64
/* A peer that stops reading: past this much queued, messages are dropped. */
#define WIRE_QUEUE_MAX (8 * 1024 * 1024)
/* Datagrams handed to the kernel in one sendmmsg. */
#define WIRE_MMSG 8
/*
 * Messages queued together travel in one datagram, a line each, up to this
 * many bytes and messages: a batch of checks, or a check's reports and its
 * done, costs the peer one recv, not one per message (issue 13).
 */
#define WIRE_PACK (64 * 1024)
#define WIRE_PACK_N 64

struct wire_buf {
	struct wire_buf *next;
	size_t len;
	char data[];
};

struct wire {
	int fd;
	struct event *rev, *wev;
	wire_msg_cb on_msg;
	wire_eof_cb on_eof;
	void *arg;
	struct wire_buf *head, *tail;
	size_t queued;
	uint64_t dropped;
	char *rbuf;
	struct json_tokener *tok;	/* reset per datagram, not reallocated */
	int eof;
	int cork;			/* > 0: queue, send at the last uncork */
};

static json_object *
wire_parse(struct json_tokener *tok, const char *buf, size_t len)
{
	json_object *o;

	if (len == 0 || len > WIRE_MAX)
		return NULL;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	/* One complete object and nothing after it. */
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object) ||
	    wire_str(o, "t") == NULL)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

/*
 * Each line of a datagram is one message; json-c escapes every newline in
 * a string, so a line never splits one. Returns the lines that did not
 * parse, and hands the others to fn.
 */
static size_t
wire_lines(struct json_tokener *tok, const char *buf, size_t len,
    wire_msg_cb fn, void *arg)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t bad = 0;
	json_object *o;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl > p) {
			if ((o = wire_parse(tok, p, (size_t)(nl - p))) == NULL)
				bad++;
			else {
				fn(arg, o);
				json_object_put(o);
			}
		}
		p = nl + 1;
	}
	return bad;
}

size_t
wire_decode_each(const char *buf, size_t len, wire_msg_cb fn, void *arg)
{
	struct json_tokener *tok;
	size_t bad;

	if ((tok = json_tokener_new()) == NULL)
		return 1;
	bad = wire_lines(tok, buf, len, fn, arg);
	json_tokener_free(tok);
	return bad;
}

json_object *
wire_decode(const char *buf, size_t len)
{
	struct json_tokener *tok;
	json_object *o;

	if ((tok = json_tokener_new()) == NULL)
		return NULL;
	o = wire_parse(tok, buf, len);
	json_tokener_free(tok);
	return o;
}

const char *
wire_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
wire_int(json_object *o, const char *key, int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

static void
wire_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wire *w = arg;
	ssize_t n;
	int i;

	(void)what;
	for (i = 0; i < WIRE_BATCH && !w->eof; i++) {
		n = recv(fd, w->rbuf, WIRE_MAX, MSG_DONTWAIT | MSG_TRUNC);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			/* EOF or a reset: the peer is gone either way. */
			w->eof = 1;
			event_del(w->rev);
			if (w->on_eof)
				w->on_eof(w->arg);
			return;
		}
		if ((size_t)n > WIRE_MAX) {
			w->dropped++;
			continue;
		}
		w->dropped +=
		    wire_lines(w->tok, w->rbuf, (size_t)n, w->on_msg, w->arg);
	}
}

static void
wire_drop_queue(struct wire *w)
{
	struct wire_buf *b;

	while ((b = w->head) != NULL) {
		w->head = b->next;
		free(b);
	}
	w->tail = NULL;
	w->queued = 0;
}

/* What the socket takes of the queue, several datagrams a call. */
static int
wire_try(struct wire *w)
{
	struct mmsghdr mm[WIRE_MMSG];
	struct iovec iov[WIRE_MMSG * WIRE_PACK_N];
	size_t nb[WIRE_MMSG], bytes, k;
	struct wire_buf *b;
	int n, i, nio;

	while (w->head != NULL) {
		memset(mm, 0, sizeof(mm));
		for (n = 0, nio = 0, b = w->head; b != NULL && n < WIRE_MMSG;
		     n++) {
			/* A datagram: the next message, and what fits after. */
			mm[n].msg_hdr.msg_iov = &iov[nio];
			bytes = 0;
			for (k = 0; b != NULL && k < WIRE_PACK_N &&
			            (k == 0 || bytes + b->len <= WIRE_PACK);
			     k++, b = b->next) {
				iov[nio].iov_base = b->data;
				iov[nio++].iov_len = b->len;
				bytes += b->len;
			}
			mm[n].msg_hdr.msg_iovlen = k;
			nb[n] = k;
		}
		n = sendmmsg(w->fd, mm, (unsigned)n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == ENOBUFS))
			return 0;
		if (n == -1) {
			/* Gone: the read side reports it; drop the queue. */
			wire_drop_queue(w);
			return -1;
		}
		for (i = 0; i < n; i++)
			for (k = 0; k < nb[i]; k++) {
				b = w->head;
				w->head = b->next;
				w->queued -= b->len;
				free(b);
			}
		if (w->head == NULL)
			w->tail = NULL;
	}
	return 0;
}

/* What the socket takes now; the rest when it is writable again. */
static int
wire_kick(struct wire *w)
{
	if (wire_try(w) == -1)
		return -1;
	if (w->head != NULL)
		event_add(w->wev, NULL);
	return 0;
}

static void
wire_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wire *w = arg;

	(void)fd;
	(void)what;
	(void)wire_try(w);
	if (w->head == NULL)
		event_del(w->wev);
}

struct wire *
wire_new(struct event_base *base, int fd, wire_msg_cb on_msg,
    wire_eof_cb on_eof, void *arg)
{
	struct wire *w = calloc(1, sizeof(*w));
	int sz = 1024 * 1024;

	if (w == NULL)
		return NULL;
	w->fd = fd;
	w->on_msg = on_msg;
	w->on_eof = on_eof;
	w->arg = arg;
	w->rbuf = malloc(WIRE_MAX + 1);
	w->tok = json_tokener_new();
	w->rev = event_new(base, fd, EV_READ | EV_PERSIST, wire_read_cb, w);
	w->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, wire_write_cb, w);
	if (w->rbuf == NULL || w->tok == NULL || w->rev == NULL || w->wev == NULL ||
	    event_add(w->rev, NULL) != 0) {
		wire_free(w);
		return NULL;
	}
	/* Room for bursts of reports without queueing in our heap. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return w;
}

int
wire_send(struct wire *w, json_object *o)
{
	const char *s;
	struct wire_buf *b;
	size_t len;

	if (w == NULL || o == NULL) {
		json_object_put(o);
		return -1;
	}
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = strlen(s) + 1; /* and the newline that ends it */
	if (len > WIRE_MAX || w->queued + len > WIRE_QUEUE_MAX ||
	    (b = malloc(sizeof(*b) + len)) == NULL) {
		w->dropped++;
		json_object_put(o);
		return -1;
	}
	memcpy(b->data, s, len - 1);
	b->data[len - 1] = '\n';
	b->len = len;
	b->next = NULL;
	json_object_put(o);
	if (w->tail)
		w->tail->next = b;
	else
		w->head = b;
	w->tail = b;
	w->queued += len;
	if (w->cork > 0)
		return 0;
	/* Send now: a PM2 exit must reach the engine without a loop turn. */
	return wire_kick(w);
}

void
wire_cork(struct wire *w)
{
	if (w != NULL)
		w->cork++;
}

/*
 * The last uncork sends what the corked stretch queued in one call: a
 * check's reports and its done reach the peer together, one wake-up.
 */
int
wire_uncork(struct wire *w)
{
	if (w == NULL || w->cork == 0 || --w->cork > 0 || w->head == NULL)
		return 0;
	return wire_kick(w);
}

void
wire_flush(struct wire *w, int timeout_ms)
{
	int64_t waited = 0;

	/* Only on the way out, when nothing else is left to run. */
	while (w != NULL && w->head != NULL && waited < timeout_ms) {
		if (wire_try(w) == -1)
			break;
		if (w->head == NULL)
			break;
		usleep(5000);
		waited += 5;
	}
}

uint64_t
wire_dropped(const struct wire *w)
{
	return w ? w->dropped : 0;
}

void
wire_free(struct wire *w)
{
	struct wire_buf *b;

	if (w == NULL)
		return;
	if (w->rev)
		event_free(w->rev);
	if (w->wev)
		event_free(w->wev);
	while ((b = w->head) != NULL) {
		w->head = b->next;
		free(b);
	}
	if (w->fd >= 0)
		close(w->fd);
	if (w->tok)
		json_tokener_free(w->tok);
	free(w->rbuf);
	free(w);
}

const char *
wk_cb_name(int cb)
{
	static const char *const names[] = {
		[WK_CB_NONE] = "no callback",
		[WK_CB_LOAD] = "load",
		[WK_CB_VALIDATE] = "validate",
		[WK_CB_CREATE] = "create",
		[WK_CB_START] = "start",
		[WK_CB_CHECK] = "check",
		[WK_CB_RECOVER] = "recover",
		[WK_CB_COMMAND] = "command",
		[WK_CB_STOP] = "stop",
		[WK_CB_DESTROY] = "destroy",
		[WK_CB_TIMER] = "timer callback",
		[WK_CB_FD] = "fd callback",
		[WK_CB_CHILD] = "child callback",
		[WK_CB_HTTP] = "http callback",
		[WK_CB_WATCH] = "file watch callback",
		[WK_CB_POST] = "posted callback",
	};

	if (cb < 0 || (size_t)cb >= sizeof(names) / sizeof(names[0]))
		return "unknown callback";
	return names[cb];
}
