/*
 * svc_http.c: asynchronous HTTP for plugins: libcurl's multi-socket API
 * driven by libevent (curl's hiperfifo pattern), with fair transfer caps;
 * plain http:// to an IP literal goes to plainhttp.c and needs no libcurl.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dlfcn.h>

/* Plain prototypes: the functions are reached through a table below. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <event2/event.h>

#include "rdd.h"

/*
 * libcurl is loaded on the first request, not linked: its TLS stack costs
 * a daemon that never speaks HTTP some 8 MB of RSS at start. The table is
 * process-wide like the library it points into; it is filled once.
 */
#define HTTP_CURL_FUNCS(X)                                                     \
	X(global_init)                                                         \
	X(global_cleanup) X(easy_init) X(easy_setopt) X(easy_getinfo)          \
	    X(easy_cleanup) X(easy_strerror) X(multi_init) X(multi_setopt)     \
	        X(multi_add_handle) X(multi_remove_handle) X(multi_assign)     \
	            X(multi_cleanup) X(multi_info_read) X(multi_socket_action) \
	                X(multi_strerror) X(slist_append) X(slist_free_all)
#define HTTP_CURL_FIELD(n) __typeof__(curl_##n) *n;
static struct {
	void *dl;
	HTTP_CURL_FUNCS(HTTP_CURL_FIELD)
} http_curl;

static int
http_curl_load(char *err, size_t errlen)
{
	static const char *const names[] = {"libcurl.so.4", "libcurl.so"};
	void *dl = NULL, *f;
	size_t i;

	if (http_curl.dl != NULL)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && dl == NULL; i++)
		dl = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		snprintf(err, errlen,
		    "cannot load libcurl: %s: apt-get install "
		    "libcurl4",
		    dlerror());
		return -1;
	}
#define HTTP_CURL_SYM(n)                                                       \
	if ((f = dlsym(dl, "curl_" #n)) == NULL) {                             \
		snprintf(err, errlen,                                          \
		    "libcurl lacks curl_" #n ": install "                      \
		    "libcurl >= 7.68");                                        \
		dlclose(dl);                                                   \
		return -1;                                                     \
	}                                                                      \
	memcpy(&http_curl.n, &f, sizeof(f));
	HTTP_CURL_FUNCS(HTTP_CURL_SYM)
#undef HTTP_CURL_SYM
	http_curl.dl = dl;
	return 0;
}

/* curl.h wraps these three in function-like macros of their own. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init (*http_curl.global_init)
#define curl_global_cleanup (*http_curl.global_cleanup)
#define curl_easy_init (*http_curl.easy_init)
#define curl_easy_setopt (*http_curl.easy_setopt)
#define curl_easy_getinfo (*http_curl.easy_getinfo)
#define curl_easy_cleanup (*http_curl.easy_cleanup)
#define curl_easy_strerror (*http_curl.easy_strerror)
#define curl_multi_init (*http_curl.multi_init)
#define curl_multi_setopt (*http_curl.multi_setopt)
#define curl_multi_add_handle (*http_curl.multi_add_handle)
#define curl_multi_remove_handle (*http_curl.multi_remove_handle)
#define curl_multi_assign (*http_curl.multi_assign)
#define curl_multi_cleanup (*http_curl.multi_cleanup)
#define curl_multi_info_read (*http_curl.multi_info_read)
#define curl_multi_socket_action (*http_curl.multi_socket_action)
#define curl_multi_strerror (*http_curl.multi_strerror)
#define curl_slist_append (*http_curl.slist_append)
#define curl_slist_free_all (*http_curl.slist_free_all)

#define HTTP_DEFAULT_MAX 16
#define HTTP_DEFAULT_TIMEOUT_MS 30000
#define HTTP_DEFAULT_MAX_RESPONSE (8 * 1024 * 1024)

struct http_buf {
	char *p;
	size_t len, alloc;
};

struct http_xfer {
	struct fairq_ent fq; /* first: fairq_pop hands this back */
	struct http_xfer *prev, *next;
	struct svc_http *s;
	uint64_t h;
	const void *owner; /* a key only, never dereferenced */
	rdd_http_cb cb;
	void *arg;

	CURL *easy;
	struct plainhttp *plain; /* instead of easy: see plainhttp.c */
	struct curl_slist *hdrs;
	char *body; /* a copy: the request may wait queued */
	size_t body_len, body_off; /* SMTP: the message read by curl */
	struct curl_slist *rcpt;   /* SMTP: RCPT TO */
	size_t max_response;
	int too_big;
	int failed; /* could not start; reported from s->later */
	struct http_buf resp, head;
	char errbuf[CURL_ERROR_SIZE];
	char errmsg[CURL_ERROR_SIZE + 128];
};

struct http_sock {
	struct http_sock *prev, *next;
	struct event *ev;
};

struct svc_http {
	struct event_base *base;
	CURLM *multi; /* NULL until the first request */
	int curl_ref; /* holds a curl_global_init reference */
	struct event *timer;
	struct event *later; /* reports transfers that could not start */
	struct http_sock *socks;
	size_t max;
	uint64_t next_h;
	struct fairq q;
	struct http_xfer *head, *tail;
	int depth; /* user callbacks running now */
	int dying; /* freed from inside a callback */
};

static void http_dispatch(struct svc_http *s);
static void http_destroy(struct svc_http *s);
static void http_later_cb(evutil_socket_t fd, short what, void *arg);

static int
http_buf_add(struct http_buf *b, const char *p, size_t n)
{
	size_t na;
	char *np;

	if (b->len + n + 1 > b->alloc) {
		na = b->alloc ? b->alloc : 1024;
		while (na < b->len + n + 1)
			na *= 2;
		if ((np = realloc(b->p, na)) == NULL)
			return -1;
		b->p = np;
		b->alloc = na;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static size_t
http_write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_xfer *x = arg;
	size_t n = size * nmemb;

	if (x->resp.len + n > x->max_response) {
		x->too_big = 1;
		return 0; /* CURLE_WRITE_ERROR ends the transfer */
	}
	if (http_buf_add(&x->resp, p, n) == -1)
		return 0;
	return n;
}

static size_t
http_header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_xfer *x = arg;
	size_t n = size * nmemb;

	/* A new status line: a 1xx or a proxy's reply came first. */
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		x->head.len = 0;
	if (x->head.len + n > x->max_response) {
		x->too_big = 1;
		return 0;
	}
	if (http_buf_add(&x->head, p, n) == -1)
		return 0;
	return n;
}

static void
http_xfer_free(struct http_xfer *x)
{
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	plainhttp_free(x->plain);
	if (x->hdrs != NULL)
		curl_slist_free_all(x->hdrs);
	if (x->rcpt != NULL)
		curl_slist_free_all(x->rcpt);
	free(x->body);
	free(x->resp.p);
	free(x->head.p);
	free(x);
}

static void
http_unlink(struct svc_http *s, struct http_xfer *x)
{
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		s->head = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	else
		s->tail = x->prev;
	x->prev = x->next = NULL;
	fairq_remove(&s->q, &x->fq);
}

static void
http_deliver(struct http_xfer *x, CURLcode code)
{
	struct svc_http *s = x->s;
	struct rdd_http_response res;
	double tt = 0;
	long status = 0;

	memset(&res, 0, sizeof(res));
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME, &tt);
	if (x->too_big) {
		snprintf(x->errmsg, sizeof(x->errmsg),
		    "response larger than %zu bytes", x->max_response);
		res.error = CURLE_FILESIZE_EXCEEDED;
		res.errmsg = x->errmsg;
	} else if (code != CURLE_OK) {
		snprintf(x->errmsg, sizeof(x->errmsg), "%s%s%s",
		    curl_easy_strerror(code), x->errbuf[0] ? ": " : "",
		    x->errbuf);
		res.error = (int)code;
		res.errmsg = x->errmsg;
	}
	res.status = status;
	res.body = x->resp.p != NULL ? x->resp.p : "";
	res.body_len = x->resp.len;
	res.headers = x->head.p != NULL ? x->head.p : "";
	res.total_ms = tt * 1000.0;

	if (!x->failed)
		curl_multi_remove_handle(s->multi, x->easy);
	http_unlink(s, x);
	if (x->cb != NULL) {
		s->depth++;
		x->cb(x->arg, &res);
		s->depth--;
	}
	http_xfer_free(x);
}

/* A plain transfer's end, from the loop (plainhttp.c never calls inside). */
static void
http_plain_done(void *arg, const struct rdd_http_response *res)
{
	struct http_xfer *x = arg;
	struct svc_http *s = x->s;

	http_unlink(s, x);
	if (x->cb != NULL) {
		s->depth++;
		x->cb(x->arg, res);
		s->depth--;
	}
	http_xfer_free(x);
	if (s->dying) {
		if (s->depth == 0)
			http_destroy(s);
		return;
	}
	http_dispatch(s);
}

/* Called outside curl: user callbacks may add or cancel transfers. */
static void
http_check_done(struct svc_http *s)
{
	struct http_xfer *x;
	CURLMsg *m;
	int left;
	char *priv;

	while (!s->dying && (m = curl_multi_info_read(s->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		x = (struct http_xfer *)(void *)priv;
		if (x != NULL)
			http_deliver(x, m->data.result);
	}
	if (s->dying) {
		if (s->depth == 0)
			http_destroy(s);
		return;
	}
	http_dispatch(s);
}

static void
http_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct svc_http *s = arg;
	int running = 0, flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(s->multi, fd, flags, &running);
	http_check_done(s);
}

static void
http_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct svc_http *s = arg;
	int running = 0;

	curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_done(s);
}

/* CURLMOPT_TIMERFUNCTION: only arm our timer; never call curl from here. */
static int
http_multi_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct svc_http *s = arg;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(s->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(s->timer, &tv) == 0 ? 0 : -1;
}

static void
http_sock_free(struct svc_http *s, struct http_sock *hs)
{
	if (hs->prev != NULL)
		hs->prev->next = hs->next;
	else
		s->socks = hs->next;
	if (hs->next != NULL)
		hs->next->prev = hs->prev;
	if (hs->ev != NULL)
		event_free(hs->ev);
	free(hs);
}

/* CURLMOPT_SOCKETFUNCTION: keep one libevent event per curl socket. */
static int
http_sock_cb(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct svc_http *s = arg;
	struct http_sock *hs = sockp;
	short kind;

	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL) {
			http_sock_free(s, hs);
			curl_multi_assign(s->multi, fd, NULL);
		}
		return 0;
	}
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (hs == NULL) {
		if ((hs = calloc(1, sizeof(*hs))) == NULL)
			return -1;
		hs->next = s->socks;
		if (s->socks != NULL)
			s->socks->prev = hs;
		s->socks = hs;
		curl_multi_assign(s->multi, fd, hs);
	} else if (hs->ev != NULL) {
		event_free(hs->ev);
		hs->ev = NULL;
	}
	hs->ev = event_new(s->base, fd, kind, http_event_cb, s);
	if (hs->ev == NULL || event_add(hs->ev, NULL) == -1)
		return -1;
	return 0;
}

struct svc_http *
svc_http_new(struct event_base *base, int max_transfers)
{
	struct svc_http *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->base = base;
	s->max = max_transfers > 0 ? (size_t)max_transfers : HTTP_DEFAULT_MAX;
	s->next_h = 1;
	fairq_init(&s->q);
	if ((s->timer = evtimer_new(base, http_timer_cb, s)) == NULL ||
	    (s->later = evtimer_new(base, http_later_cb, s)) == NULL) {
		if (s->timer != NULL)
			event_free(s->timer);
		free(s);
		return NULL;
	}
	return s;
}

/*
 * The first request loads libcurl and builds the multi handle.
 * curl_global_init is reference counted (thread-safe since 7.84): each
 * svc_http that got this far holds one reference.
 */
static int
http_ready(struct svc_http *s)
{
	char err[256];

	if (s->multi != NULL)
		return 0;
	if (http_curl_load(err, sizeof(err)) != 0) {
		log_err("http: %s", err);
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	if ((s->multi = curl_multi_init()) == NULL) {
		curl_global_cleanup();
		return -1;
	}
	s->curl_ref = 1;
	curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, http_sock_cb);
	curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
	curl_multi_setopt(
	    s->multi, CURLMOPT_TIMERFUNCTION, http_multi_timer_cb);
	curl_multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
	return 0;
}

static int
http_has_header(const char *const *h, const char *name)
{
	size_t n = strlen(name);

	for (; h != NULL && *h != NULL; h++)
		if (strncasecmp(*h, name, n) == 0 && (*h)[n] == ':')
			return 1;
	return 0;
}

static int
http_setup(struct http_xfer *x, const struct rdd_http_request *req)
{
	const char *method = req->method != NULL ? req->method : "GET";
	int64_t timeout =
	    req->timeout_ms > 0 ? req->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	const char *const *h;
	struct curl_slist *l;
	CURL *e;

	if ((e = x->easy = curl_easy_init()) == NULL)
		return -1;
	for (h = req->headers; h != NULL && *h != NULL; h++) {
		if ((l = curl_slist_append(x->hdrs, *h)) == NULL)
			return -1;
		x->hdrs = l;
	}
	/* curl would wait for "100 Continue" before sending larger bodies. */
	if (!http_has_header(req->headers, "Expect")) {
		if ((l = curl_slist_append(x->hdrs, "Expect:")) == NULL)
			return -1;
		x->hdrs = l;
	}
	/* Options copy their strings (curl 7.17+), except POSTFIELDS. */
	if (curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
	        CURLE_OK)
		return -1;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "redundancyd");
	if (req->unix_socket != NULL &&
	    curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, req->unix_socket) !=
	        CURLE_OK)
		return -1;
	if (req->body != NULL || strcasecmp(method, "POST") == 0) {
		if ((x->body = malloc(req->body_len + 1)) == NULL)
			return -1;
		if (req->body_len > 0)
			memcpy(x->body, req->body, req->body_len);
		x->body[req->body_len] = '\0';
		curl_easy_setopt(
		    e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
	}
	if (strcasecmp(method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcasecmp(method, "GET") != 0 ||
	         (x->body != NULL && strcasecmp(method, "POST") != 0))
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	return 0;
}

/* Transfers curl refused to add, reported from the loop. */
static void
http_later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct svc_http *s = arg;
	struct http_xfer *x;

	for (;;) {
		for (x = s->head; x != NULL && !x->failed; x = x->next)
			;
		if (x == NULL || s->dying)
			break;
		if (x->plain != NULL) {
			struct rdd_http_response res = {0};

			res.error = CURLE_OUT_OF_MEMORY;
			res.errmsg = "could not start the transfer: out of "
			             "memory or file descriptors";
			res.body = res.headers = "";
			x->failed = 0; /* delivered once, by this call */
			s->depth++;
			http_unlink(s, x);
			if (x->cb != NULL)
				x->cb(x->arg, &res);
			s->depth--;
			http_xfer_free(x);
			continue;
		}
		http_deliver(x, CURLE_OUT_OF_MEMORY);
	}
	if (s->dying) {
		if (s->depth == 0)
			http_destroy(s);
		return;
	}
	http_dispatch(s);
}

static void
http_start(struct http_xfer *x)
{
	struct svc_http *s = x->s;
	CURLMcode mc;

	if (x->plain != NULL) {
		if (plainhttp_start(x->plain, s->base, http_plain_done, x) == 0)
			return;
		x->failed = 1;
		event_active(s->later, EV_TIMEOUT, 0);
		return;
	}
	if ((mc = curl_multi_add_handle(s->multi, x->easy)) == CURLM_OK)
		return;
	/* Short of memory exhaustion this cannot happen. */
	snprintf(x->errbuf, sizeof(x->errbuf), "curl_multi_add_handle: %s",
	    curl_multi_strerror(mc));
	x->failed = 1;
	event_active(s->later, EV_TIMEOUT, 0);
}

static void
http_dispatch(struct svc_http *s)
{
	struct fairq_ent *e;

	while (!s->dying && fairq_running(&s->q) < s->max &&
	       (e = fairq_pop(&s->q)) != NULL)
		http_start((struct http_xfer *)e);
}

/*
 * Queue a prepared transfer (HTTP or SMTP) under its owner's fair share.
 * Starting it only arms a timer or a deferred event: the callback never
 * runs inside the caller's request. Frees x and returns 0 on failure.
 */
static uint64_t
http_enqueue(struct svc_http *s, struct http_xfer *x, const void *owner)
{
	if (fairq_push(&s->q, &x->fq, owner) == -1) {
		http_xfer_free(x);
		return 0;
	}
	x->h = s->next_h++;
	x->prev = s->tail;
	if (s->tail != NULL)
		s->tail->next = x;
	else
		s->head = x;
	s->tail = x;
	http_dispatch(s);
	return x->h;
}

uint64_t
svc_http_request(struct svc_http *s, const void *owner,
    const struct rdd_http_request *req, rdd_http_cb cb, void *arg)
{
	return svc_http_request_ca(s, owner, req, NULL, cb, arg);
}

uint64_t
svc_http_request_ca(struct svc_http *s, const void *owner,
    const struct rdd_http_request *req, const char *ca_file, rdd_http_cb cb,
    void *arg)
{
	struct http_xfer *x;

	if (s == NULL || s->dying || req == NULL || req->url == NULL)
		return 0;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return 0;
	x->plain = plainhttp_prepare(req);
	if (x->plain == NULL && http_ready(s) != 0) {
		free(x);
		return 0;
	}
	x->s = s;
	x->owner = owner;
	x->cb = cb;
	x->arg = arg;
	x->max_response = req->max_response > 0 ? req->max_response
	                                        : HTTP_DEFAULT_MAX_RESPONSE;
	if (x->plain == NULL &&
	    (http_setup(x, req) == -1 ||
	        (ca_file != NULL && curl_easy_setopt(x->easy, CURLOPT_CAINFO,
	                                ca_file) != CURLE_OK))) {
		http_xfer_free(x);
		return 0;
	}
	return http_enqueue(s, x, owner);
}

/* ---- SMTP: one message on the same multi handle ---- */

/* CURLOPT_READFUNCTION: the message, as curl asks for it. */
static size_t
http_read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct http_xfer *x = arg;
	size_t n = size * nitems, left = x->body_len - x->body_off;

	if (n > left)
		n = left;
	memcpy(buf, x->body + x->body_off, n);
	x->body_off += n;
	return n;
}

int
svc_http_smtp_needs_tls(const char *url, int has_password)
{
	char host[256];
	const char *h, *e;
	size_t n;

	if (!has_password || url == NULL)
		return 0;
	if (strncasecmp(url, "smtp://", 7) != 0)
		return strncasecmp(url, "smtps://", 8) == 0 ? 0 : 1;
	h = url + 7;
	if ((e = strchr(h, '@')) != NULL && e < h + strcspn(h, "/"))
		h = e + 1;
	if (*h == '[') {
		h++;
		n = strcspn(h, "]");
	} else
		n = strcspn(h, ":/");
	if (n == 0 || n >= sizeof(host))
		return 1;
	memcpy(host, h, n);
	host[n] = '\0';
	/*
	 * Loopback: a local relay, often without TLS; nothing crosses a
	 * wire. Only a literal address says so: "127.0.0.1.example" is a
	 * name that may resolve anywhere.
	 */
	{
		unsigned char a[16];

		if (inet_pton(AF_INET, host, a) == 1)
			return a[0] != 127;
		if (inet_pton(AF_INET6, host, a) == 1)
			return memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1",
			    16) != 0;
	}
	return strcasecmp(host, "localhost") != 0;
}

static int
http_smtp_setup(struct http_xfer *x, const struct svc_smtp_request *req)
{
	int64_t timeout =
	    req->timeout_ms > 0 ? req->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	const char *const *r;
	struct curl_slist *l;
	CURL *e;

	if ((e = x->easy = curl_easy_init()) == NULL)
		return -1;
	for (r = req->rcpt; r != NULL && *r != NULL; r++) {
		if ((l = curl_slist_append(x->rcpt, *r)) == NULL)
			return -1;
		x->rcpt = l;
	}
	if (x->rcpt == NULL || req->from == NULL || req->message == NULL)
		return -1;
	if ((x->body = malloc(req->message_len + 1)) == NULL)
		return -1;
	memcpy(x->body, req->message, req->message_len);
	x->body[req->message_len] = '\0';
	x->body_len = req->message_len;
	if (curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps") !=
	        CURLE_OK)
		return -1;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
	/*
	 * smtp://: STARTTLS when the server offers it, and required when a
	 * password would otherwise go out in clear (a server that drops
	 * STARTTLS from its offer must not get it); smtps:// is TLS.
	 */
	curl_easy_setopt(e, CURLOPT_USE_SSL,
	    svc_http_smtp_needs_tls(req->url, req->password != NULL)
	        ? (long)CURLUSESSL_ALL
	        : (long)CURLUSESSL_TRY);
	if (req->ca_file != NULL &&
	    curl_easy_setopt(e, CURLOPT_CAINFO, req->ca_file) != CURLE_OK)
		return -1;
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, req->from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, x->rcpt);
	if (req->user != NULL)
		curl_easy_setopt(e, CURLOPT_USERNAME, req->user);
	if (req->password != NULL)
		curl_easy_setopt(e, CURLOPT_PASSWORD, req->password);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, http_read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, x);
	curl_easy_setopt(
	    e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->message_len);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	return 0;
}

uint64_t
svc_http_smtp(struct svc_http *s, const void *owner,
    const struct svc_smtp_request *req, rdd_http_cb cb, void *arg)
{
	struct http_xfer *x;

	if (s == NULL || s->dying || req == NULL || req->url == NULL)
		return 0;
	if (http_ready(s) != 0 || (x = calloc(1, sizeof(*x))) == NULL)
		return 0;
	x->s = s;
	x->owner = owner;
	x->cb = cb;
	x->arg = arg;
	x->max_response = HTTP_DEFAULT_MAX_RESPONSE;
	if (http_smtp_setup(x, req) == -1) {
		http_xfer_free(x);
		return 0;
	}
	return http_enqueue(s, x, owner);
}

static void
http_cancel_xfer(struct svc_http *s, struct http_xfer *x)
{
	int was_running = !x->fq.queued && !x->failed;

	if (was_running && x->easy != NULL)
		curl_multi_remove_handle(s->multi, x->easy);
	http_unlink(s, x);
	http_xfer_free(x);
	if (was_running && s->depth == 0)
		http_dispatch(s);
}

void
svc_http_cancel(struct svc_http *s, uint64_t h)
{
	struct http_xfer *x;

	if (s == NULL || h == 0)
		return;
	for (x = s->head; x != NULL; x = x->next) {
		if (x->h == h) {
			http_cancel_xfer(s, x);
			return;
		}
	}
}

void
svc_http_cancel_owner(struct svc_http *s, const void *owner)
{
	struct http_xfer *x, *next;

	if (s == NULL)
		return;
	/* Queued ones first, so freed slots do not start the owner's next. */
	for (x = s->head; x != NULL; x = next) {
		next = x->next;
		if (x->owner == owner && x->fq.queued)
			http_cancel_xfer(s, x);
	}
	for (x = s->head; x != NULL; x = next) {
		next = x->next;
		if (x->owner == owner)
			http_cancel_xfer(s, x);
	}
}

const char *
svc_http_header(const struct rdd_http_response *res, const char *name,
    char *buf, size_t buflen)
{
	const char *p, *eol, *v, *ve;
	size_t nlen, n;

	if (res == NULL || res->headers == NULL || name == NULL ||
	    buf == NULL || buflen == 0)
		return NULL;
	nlen = strlen(name);
	for (p = res->headers; *p != '\0'; p = eol) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		else
			eol++;
		if (strncasecmp(p, name, nlen) != 0 || p[nlen] != ':')
			continue;
		v = p + nlen + 1;
		ve = eol;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && isspace((unsigned char)ve[-1]))
			ve--;
		n = (size_t)(ve - v);
		if (n >= buflen)
			n = buflen - 1;
		memcpy(buf, v, n);
		buf[n] = '\0';
		return buf;
	}
	return NULL;
}

static void
http_destroy(struct svc_http *s)
{
	/* Sockets curl closed without telling us (cached connections). */
	while (s->socks != NULL)
		http_sock_free(s, s->socks);
	if (s->timer != NULL)
		event_free(s->timer);
	if (s->later != NULL)
		event_free(s->later);
	fairq_free(&s->q);
	if (s->curl_ref)
		curl_global_cleanup();
	free(s);
}

void
svc_http_free(struct svc_http *s)
{
	struct http_xfer *x;

	if (s == NULL || s->dying)
		return;
	s->dying = 1;
	while ((x = s->head) != NULL) {
		if (!x->fq.queued && !x->failed && x->easy != NULL)
			curl_multi_remove_handle(s->multi, x->easy);
		http_unlink(s, x);
		http_xfer_free(x);
	}
	/* Closes the sockets; the socket callback frees their events. */
	if (s->multi != NULL)
		curl_multi_cleanup(s->multi);
	s->multi = NULL;
	evtimer_del(s->timer);
	evtimer_del(s->later);
	if (s->depth == 0)
		http_destroy(s);
}
