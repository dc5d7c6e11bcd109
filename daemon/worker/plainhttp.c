/*
 * plainhttp.c: HTTP/1.1 without TLS to an IP literal, on libevent's evhttp,
 * so a loopback probe never loads libcurl and its TLS stack (8 MB of PSS).
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
#include <time.h>

/* Error numbers only: plugins see the same codes as from libcurl. */
#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "rdd.h"

#define PLAIN_DEFAULT_TIMEOUT_MS 30000
#define PLAIN_DEFAULT_MAX (8 * 1024 * 1024)

struct plainhttp {
	struct event_base *base;
	enum evhttp_cmd_type type;
	char host[INET6_ADDRSTRLEN];
	char hosthdr[INET6_ADDRSTRLEN + 16]; /* "[::1]:8080" */
	int port;
	char *path;
	char **hdrs;
	size_t nhdrs;
	char *body;
	size_t body_len;
	int64_t timeout_ms;
	size_t max_response;

	struct evhttp_connection *conn;
	struct event *deadline; /* the whole transfer's, as curl's TIMEOUT */
	struct event *later;    /* delivery outside evhttp's callbacks */
	struct timespec t0;
	plainhttp_cb cb;
	void *arg;
	int finished;
	int evreq_error; /* enum evhttp_request_error + 1; 0: none */
	int timed_out;

	/* The result, copied out of evhttp's request before it frees it. */
	long status;
	char *resp;
	size_t resp_len;
	char *head;
	char errmsg[160];
};

static const struct {
	const char *name;
	enum evhttp_cmd_type type;
} plain_methods[] = {
    {"GET", EVHTTP_REQ_GET},
    {"POST", EVHTTP_REQ_POST},
    {"HEAD", EVHTTP_REQ_HEAD},
    {"PUT", EVHTTP_REQ_PUT},
    {"DELETE", EVHTTP_REQ_DELETE},
    {"OPTIONS", EVHTTP_REQ_OPTIONS},
    {"PATCH", EVHTTP_REQ_PATCH},
};

/* "http://IP[:port]/path": the only URLs taken here; the rest go to curl. */
static int
plain_parse(struct plainhttp *p, const char *url)
{
	const char *a, *ae, *h, *he, *q;
	char tmp[INET6_ADDRSTRLEN + 2];
	unsigned char bin[16];
	long port = 80;
	size_t n;

	if (strncasecmp(url, "http://", 7) != 0)
		return -1;
	for (q = url; *q; q++)
		if ((unsigned char)*q <= ' ' || *q == 0x7f)
			return -1;
	a = url + 7;
	ae = a + strcspn(a, "/?#");
	if (memchr(a, '@', (size_t)(ae - a)) != NULL)
		return -1;
	if (*a == '[') {
		h = a + 1;
		if ((he = memchr(h, ']', (size_t)(ae - h))) == NULL)
			return -1;
		q = he + 1;
	} else {
		h = a;
		he = memchr(a, ':', (size_t)(ae - a));
		if (he == NULL)
			he = ae;
		q = he;
	}
	n = (size_t)(he - h);
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, h, n);
	tmp[n] = '\0';
	if (inet_pton(*a == '[' ? AF_INET6 : AF_INET, tmp, bin) != 1)
		return -1;
	if (q < ae) {
		char *end;

		if (*q != ':' || q + 1 == ae || !isdigit((unsigned char)q[1]))
			return -1;
		port = strtol(q + 1, &end, 10);
		if (end != ae || port < 1 || port > 65535)
			return -1;
	}
	memcpy(p->host, tmp, n + 1);
	snprintf(p->hosthdr, sizeof(p->hosthdr), "%s%s%s%s%.0ld",
	    *a == '[' ? "[" : "", tmp, *a == '[' ? "]" : "",
	    port != 80 ? ":" : "", port != 80 ? port : 0L);
	p->port = (int)port;
	/* The fragment is the client's; the server never sees it. */
	n = strcspn(ae, "#");
	if (n == 0)
		p->path = strdup("/");
	else if (*ae == '?') {
		if ((p->path = malloc(n + 2)) != NULL) {
			p->path[0] = '/';
			memcpy(p->path + 1, ae, n);
			p->path[n + 1] = '\0';
		}
	} else
		p->path = strndup(ae, n);
	return p->path != NULL ? 0 : -1;
}

void
plainhttp_free(struct plainhttp *p)
{
	size_t i;

	if (p == NULL)
		return;
	/* Pending requests are freed without their callbacks. */
	if (p->conn != NULL)
		evhttp_connection_free(p->conn);
	if (p->deadline != NULL)
		event_free(p->deadline);
	if (p->later != NULL)
		event_free(p->later);
	for (i = 0; i < p->nhdrs; i++)
		free(p->hdrs[i]);
	free(p->hdrs);
	free(p->path);
	free(p->body);
	free(p->resp);
	free(p->head);
	free(p);
}

struct plainhttp *
plainhttp_prepare(const struct rdd_http_request *req)
{
	const char *method = req->method != NULL ? req->method : "GET";
	struct plainhttp *p;
	const char *const *h;
	size_t i, n = 0;

	if (req->url == NULL || req->unix_socket != NULL)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	for (i = 0; i < sizeof(plain_methods) / sizeof(plain_methods[0]); i++)
		if (strcmp(method, plain_methods[i].name) == 0)
			break;
	if (i == sizeof(plain_methods) / sizeof(plain_methods[0]) ||
	    plain_parse(p, req->url) != 0)
		goto no;
	p->type = plain_methods[i].type;
	for (h = req->headers; h != NULL && *h != NULL; h++) {
		/* Lines curl would reject or treat specially stay curl's. */
		if (strchr(*h, ':') == NULL || strpbrk(*h, "\r\n") != NULL)
			goto no;
		n++;
	}
	if (n > 0 && (p->hdrs = calloc(n, sizeof(*p->hdrs))) == NULL)
		goto no;
	for (h = req->headers; h != NULL && *h != NULL; h++)
		if ((p->hdrs[p->nhdrs++] = strdup(*h)) == NULL)
			goto no;
	if (req->body != NULL && req->body_len > 0) {
		if ((p->body = malloc(req->body_len)) == NULL)
			goto no;
		memcpy(p->body, req->body, req->body_len);
		p->body_len = req->body_len;
	}
	p->timeout_ms =
	    req->timeout_ms > 0 ? req->timeout_ms : PLAIN_DEFAULT_TIMEOUT_MS;
	p->max_response =
	    req->max_response > 0 ? req->max_response : PLAIN_DEFAULT_MAX;
	return p;
no:
	plainhttp_free(p);
	return NULL;
}

static double
plain_elapsed_ms(const struct plainhttp *p)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - p->t0.tv_sec) * 1000.0 +
	       (double)(now.tv_nsec - p->t0.tv_nsec) / 1e6;
}

/* From the loop, never from inside evhttp: the callback may free us. */
static void
plain_later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct plainhttp *p = arg;
	struct rdd_http_response res;

	(void)fd;
	(void)what;
	memset(&res, 0, sizeof(res));
	if (p->conn != NULL) {
		evhttp_connection_free(p->conn);
		p->conn = NULL;
	}
	event_del(p->deadline);
	res.total_ms = plain_elapsed_ms(p);
	if (p->timed_out) {
		res.error = CURLE_OPERATION_TIMEDOUT;
		snprintf(p->errmsg, sizeof(p->errmsg),
		    "Timeout was reached: "
		    "no complete reply from %s within %lld ms",
		    p->hosthdr, (long long)p->timeout_ms);
	} else if (p->evreq_error == EVREQ_HTTP_DATA_TOO_LONG + 1) {
		res.error = CURLE_FILESIZE_EXCEEDED;
		snprintf(p->errmsg, sizeof(p->errmsg),
		    "response larger than %zu bytes", p->max_response);
	} else if (p->evreq_error == EVREQ_HTTP_TIMEOUT + 1) {
		res.error = CURLE_OPERATION_TIMEDOUT;
		snprintf(p->errmsg, sizeof(p->errmsg),
		    "Timeout was reached: "
		    "%s went silent",
		    p->hosthdr);
	} else if (p->evreq_error != 0) {
		res.error = CURLE_RECV_ERROR;
		snprintf(p->errmsg, sizeof(p->errmsg),
		    "Failure when "
		    "receiving data from the peer: %s closed the connection "
		    "or sent a malformed reply",
		    p->hosthdr);
	} else if (p->status == 0) {
		res.error = CURLE_COULDNT_CONNECT;
		snprintf(p->errmsg, sizeof(p->errmsg),
		    "Couldn't connect to "
		    "server: %s",
		    p->hosthdr);
	}
	if (res.error != 0) {
		res.errmsg = p->errmsg;
		res.body = "";
		res.headers = "";
	} else {
		res.status = p->status;
		res.body = p->resp != NULL ? p->resp : "";
		res.body_len = p->resp_len;
		res.headers = p->head != NULL ? p->head : "";
	}
	p->cb(p->arg, &res);
}

static void
plain_finish(struct plainhttp *p)
{
	if (p->finished)
		return;
	p->finished = 1;
	event_active(p->later, EV_TIMEOUT, 0);
}

static void
plain_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct plainhttp *p = arg;

	(void)fd;
	(void)what;
	if (p->finished)
		return;
	p->timed_out = 1;
	plain_finish(p);
}

static void
plain_error_cb(enum evhttp_request_error e, void *arg)
{
	struct plainhttp *p = arg;

	if (!p->finished && p->evreq_error == 0)
		p->evreq_error = (int)e + 1;
}

static int
plain_copy_headers(struct plainhttp *p, struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *line = evhttp_request_get_response_code_line(req);
	struct evkeyval *kv;
	struct evbuffer *b;
	size_t n;

	if ((b = evbuffer_new()) == NULL)
		return -1;
	evbuffer_add_printf(
	    b, "HTTP/1.1 %ld %s\r\n", p->status, line != NULL ? line : "");
	/* keyvalq_struct.h names the list; sys/queue.h's macros are not ours.
	 */
	for (kv = in->tqh_first; kv != NULL; kv = kv->next.tqe_next)
		evbuffer_add_printf(b, "%s: %s\r\n", kv->key, kv->value);
	evbuffer_add(b, "\r\n", 2);
	n = evbuffer_get_length(b);
	if ((p->head = malloc(n + 1)) != NULL) {
		evbuffer_remove(b, p->head, n);
		p->head[n] = '\0';
	}
	evbuffer_free(b);
	return p->head != NULL ? 0 : -1;
}

static void
plain_done_cb(struct evhttp_request *req, void *arg)
{
	struct plainhttp *p = arg;
	struct evbuffer *in;
	size_t n;

	if (p->finished)
		return;
	if (req != NULL && p->evreq_error == 0 &&
	    evhttp_request_get_response_code(req) > 0) {
		p->status = evhttp_request_get_response_code(req);
		in = evhttp_request_get_input_buffer(req);
		n = evbuffer_get_length(in);
		if (n > p->max_response)
			p->evreq_error = EVREQ_HTTP_DATA_TOO_LONG + 1;
		else if ((p->resp = malloc(n + 1)) == NULL ||
		         plain_copy_headers(p, req) != 0)
			p->evreq_error = EVREQ_HTTP_BUFFER_ERROR + 1;
		else {
			evbuffer_remove(in, p->resp, n);
			p->resp[n] = '\0';
			p->resp_len = n;
		}
	}
	plain_finish(p);
}

static int
plain_has(const struct plainhttp *p, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < p->nhdrs; i++)
		if (strncasecmp(p->hdrs[i], name, n) == 0 &&
		    p->hdrs[i][n] == ':')
			return 1;
	return 0;
}

static int
plain_add_headers(struct plainhttp *p, struct evkeyvalq *out)
{
	char name[256], len[32];
	const char *c, *v;
	size_t i, n;

	for (i = 0; i < p->nhdrs; i++) {
		c = strchr(p->hdrs[i], ':');
		n = (size_t)(c - p->hdrs[i]);
		if (n == 0 || n >= sizeof(name))
			return -1;
		memcpy(name, p->hdrs[i], n);
		name[n] = '\0';
		for (v = c + 1; *v == ' ' || *v == '\t'; v++)
			;
		/* "Name:" with nothing after removes the header, as in curl. */
		if (*v == '\0')
			continue;
		if (evhttp_add_header(out, name, v) != 0)
			return -1;
	}
	if (!plain_has(p, "Host"))
		evhttp_add_header(out, "Host", p->hosthdr);
	if (!plain_has(p, "User-Agent"))
		evhttp_add_header(out, "User-Agent", "redundancyd");
	if (!plain_has(p, "Accept"))
		evhttp_add_header(out, "Accept", "*/*");
	evhttp_remove_header(out, "Connection");
	evhttp_add_header(out, "Connection", "close");
	if (p->body_len > 0 || p->type == EVHTTP_REQ_POST) {
		snprintf(len, sizeof(len), "%zu", p->body_len);
		evhttp_remove_header(out, "Content-Length");
		evhttp_add_header(out, "Content-Length", len);
		if (p->type == EVHTTP_REQ_POST && !plain_has(p, "Content-Type"))
			evhttp_add_header(out, "Content-Type",
			    "application/x-www-form-urlencoded");
	}
	return 0;
}

int
plainhttp_start(
    struct plainhttp *p, struct event_base *base, plainhttp_cb cb, void *arg)
{
	struct evhttp_request *req = NULL;
	struct timeval tv;

	p->base = base;
	p->cb = cb;
	p->arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
	if ((p->deadline = evtimer_new(base, plain_deadline_cb, p)) == NULL ||
	    (p->later = evtimer_new(base, plain_later_cb, p)) == NULL)
		return -1;
	p->conn = evhttp_connection_base_new(
	    base, NULL, p->host, (ev_uint16_t)p->port);
	if (p->conn == NULL)
		return -1;
	evhttp_connection_set_retries(p->conn, 0);
	/* Ours ends the transfer; evhttp's idle timer only backs it up. */
	tv.tv_sec = (time_t)(p->timeout_ms / 1000) + 1;
	tv.tv_usec = 0;
	evhttp_connection_set_timeout_tv(p->conn, &tv);
	evhttp_connection_set_max_body_size(
	    p->conn, (ev_ssize_t)p->max_response);
	evhttp_connection_set_max_headers_size(p->conn,
	    (ev_ssize_t)(p->max_response < 65536 ? 65536 : p->max_response));
	if ((req = evhttp_request_new(plain_done_cb, p)) == NULL)
		return -1;
	evhttp_request_set_error_cb(req, plain_error_cb);
	if (plain_add_headers(p, evhttp_request_get_output_headers(req)) != 0 ||
	    (p->body_len > 0 &&
	        evbuffer_add(evhttp_request_get_output_buffer(req), p->body,
	            p->body_len) != 0)) {
		evhttp_request_free(req);
		return -1;
	}
	/* On failure evhttp_make_request frees req itself. */
	if (evhttp_make_request(p->conn, req, p->type, p->path) != 0)
		return -1;
	tv.tv_sec = (time_t)(p->timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(p->timeout_ms % 1000) * 1000;
	evtimer_add(p->deadline, &tv);
	return 0;
}
