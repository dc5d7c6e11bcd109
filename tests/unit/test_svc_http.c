/*
 * test_svc_http: curl multi on libevent against an evhttp server in the same
 * loop: status, bodies, headers, errors, limits, caps, fairness, cancel.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "rdd.h"
#include "../lib/evloop.h"

#define MAXHOLD 8

struct fx {
	struct event_base *base;
	struct evhttp *http;
	int port;
	char tmp[64];
	char sock[128];
	struct evconnlistener *ul;
	struct evhttp *uhttp;
	struct evhttp_request *hold[MAXHOLD];
	int nhold, max_hold, nslow;
};

struct res {
	int done, calls;
	int error;
	char *errmsg;
	long status;
	char *body;
	size_t body_len;
	char *headers;
	double total_ms;
	const char *tag;
	char **order;
	size_t *norder;
	struct svc_http *free_me;
};

static void
res_cb(void *arg, const struct rdd_http_response *r)
{
	struct res *x = arg;

	x->calls++;
	x->done = 1;
	x->error = r->error;
	x->errmsg = r->errmsg != NULL ? strdup(r->errmsg) : NULL;
	x->status = r->status;
	x->body = malloc(r->body_len + 1);
	memcpy(x->body, r->body, r->body_len + 1);
	x->body_len = r->body_len;
	x->headers = strdup(r->headers);
	x->total_ms = r->total_ms;
	if (x->order != NULL)
		x->order[(*x->norder)++] = (char *)x->tag;
	if (x->free_me != NULL)
		svc_http_free(x->free_me);
}

static void
res_clear(struct res *x)
{
	free(x->errmsg);
	free(x->body);
	free(x->headers);
	memset(x, 0, sizeof(*x));
}

static int
is_done(void *arg)
{
	return ((struct res *)arg)->done;
}

/* ---- the server ---- */

static void
h_ok(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "X-Test", "  yes it is ");
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "X-Test-Long", "no");
	evbuffer_add_printf(b, "hello");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
h_err(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add_printf(b, "boom");
	evhttp_send_reply(req, 500, "Internal Server Error", b);
	evbuffer_free(b);
}

static void
h_slow(struct evhttp_request *req, void *arg)
{
	struct fx *f = arg;

	f->nslow++; /* never answered */
}

static void
h_big(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	size_t n = 2 * 1024 * 1024;
	char *p = malloc(n);

	memset(p, 'b', n);
	evbuffer_add(b, p, n);
	free(p);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
h_redir(struct evhttp_request *req, void *arg)
{
	evhttp_add_header(
	    evhttp_request_get_output_headers(req), "Location", "/ok");
	evhttp_send_reply(req, 302, "Found", NULL);
}

static void
h_echo(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	const char *m = "?", *xe;

	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		m = "GET";
		break;
	case EVHTTP_REQ_POST:
		m = "POST";
		break;
	case EVHTTP_REQ_PUT:
		m = "PUT";
		break;
	case EVHTTP_REQ_DELETE:
		m = "DELETE";
		break;
	default:
		break;
	}
	xe =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "X-Echo");
	evbuffer_add_printf(b, "%s\n%s\n", m, xe != NULL ? xe : "-");
	evbuffer_add_buffer(b, in);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static void
h_hold(struct evhttp_request *req, void *arg)
{
	struct fx *f = arg;

	assert_true(f->nhold < MAXHOLD);
	f->hold[f->nhold++] = req;
	if (f->nhold > f->max_hold)
		f->max_hold = f->nhold;
}

static void
hold_release_oldest(struct fx *f)
{
	struct evbuffer *b = evbuffer_new();
	int i;

	evbuffer_add_printf(b, "held");
	evhttp_send_reply(f->hold[0], 200, "OK", b);
	evbuffer_free(b);
	for (i = 1; i < f->nhold; i++)
		f->hold[i - 1] = f->hold[i];
	f->nhold--;
}

static void
routes(struct evhttp *h, struct fx *f)
{
	evhttp_set_cb(h, "/ok", h_ok, f);
	evhttp_set_cb(h, "/err", h_err, f);
	evhttp_set_cb(h, "/slow", h_slow, f);
	evhttp_set_cb(h, "/big", h_big, f);
	evhttp_set_cb(h, "/redir", h_redir, f);
	evhttp_set_cb(h, "/echo", h_echo, f);
	evhttp_set_cb(h, "/hold", h_hold, f);
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	                                  EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                                  EVHTTP_REQ_HEAD);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	struct sockaddr_un sun;
	socklen_t sl = sizeof(sin);
	int fd;

	f->base = event_base_new();
	f->http = evhttp_new(f->base);
	routes(f->http, f);
	bs = evhttp_bind_socket_with_handle(f->http, "127.0.0.1", 0);
	if (bs == NULL)
		return -1;
	if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin,
	        &sl) == -1)
		return -1;
	f->port = ntohs(sin.sin_port);

	strcpy(f->tmp, "/tmp/test_svc_http.XXXXXX");
	if (mkdtemp(f->tmp) == NULL)
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/http.sock", f->tmp);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, f->sock);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return -1;
	f->ul = evconnlistener_new(f->base, NULL, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
	f->uhttp = evhttp_new(f->base);
	routes(f->uhttp, f);
	if (f->ul == NULL || evhttp_bind_listener(f->uhttp, f->ul) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	evhttp_free(f->http);
	evhttp_free(f->uhttp); /* frees the listener it was bound to */
	unlink(f->sock);
	rmdir(f->tmp);
	event_base_free(f->base);
	free(f);
	return 0;
}

/*
 * Each test runs twice: to 127.0.0.1, an IP literal that plainhttp.c
 * serves without libcurl, and to localhost, a name that goes to libcurl.
 */
static const char *url_host = "127.0.0.1";

static char *
url(struct fx *f, const char *path)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(
	    buf[i], sizeof(buf[i]), "http://%s:%d%s", url_host, f->port, path);
	return buf[i];
}

static void
get1(struct fx *f, struct rdd_http_request *req, struct res *x)
{
	struct svc_http *s = svc_http_new(f->base, 4);

	assert_non_null(s);
	assert_int_not_equal(svc_http_request(s, f, req, res_cb, x), 0);
	/* Never a callback inside the request call. */
	assert_int_equal(x->calls, 0);
	evloop_until(f->base, is_done, x);
	assert_int_equal(x->calls, 1);
	svc_http_free(s);
}

static void
test_ok_with_header(void **state)
{
	struct fx *f = *state;
	struct rdd_http_request req = {.url = url(f, "/ok")};
	struct rdd_http_response r = {0};
	struct res x = {0};
	char buf[64], small[4];

	get1(f, &req, &x);
	assert_int_equal(x.error, 0);
	assert_null(x.errmsg);
	assert_int_equal(x.status, 200);
	assert_string_equal(x.body, "hello");
	assert_int_equal(x.body_len, 5);
	assert_true(x.total_ms >= 0);
	assert_true(strncmp(x.headers, "HTTP/1.1 200", 12) == 0);
	r.headers = x.headers;
	assert_non_null(svc_http_header(&r, "x-test", buf, sizeof(buf)));
	assert_string_equal(buf, "yes it is");
	assert_non_null(svc_http_header(&r, "X-TEST-LONG", buf, sizeof(buf)));
	assert_string_equal(buf, "no");
	assert_non_null(
	    svc_http_header(&r, "Content-Length", buf, sizeof(buf)));
	assert_string_equal(buf, "5");
	assert_null(svc_http_header(&r, "X-None", buf, sizeof(buf)));
	assert_non_null(svc_http_header(&r, "x-test", small, sizeof(small)));
	assert_string_equal(small, "yes");
	res_clear(&x);
}

static void
test_header_lookup_block(void **state)
{
	struct rdd_http_response r = {0};
	char buf[32];

	r.headers = "HTTP/1.1 204 No Content\r\nX-A:v1\r\n"
	            "x-b: \t spaced \t\r\nX-Empty:\r\nX-AB: no\r\n\r\n";
	assert_string_equal(svc_http_header(&r, "X-A", buf, sizeof(buf)), "v1");
	assert_string_equal(
	    svc_http_header(&r, "X-B", buf, sizeof(buf)), "spaced");
	assert_string_equal(
	    svc_http_header(&r, "x-empty", buf, sizeof(buf)), "");
	assert_null(svc_http_header(&r, "HTTP/1.1 204", buf, sizeof(buf)));
	assert_null(svc_http_header(&r, "X", buf, sizeof(buf)));
	assert_null(svc_http_header(&r, "X-A", buf, 0));
	r.headers = NULL;
	assert_null(svc_http_header(&r, "X-A", buf, sizeof(buf)));
}

static void
test_status_500(void **state)
{
	struct fx *f = *state;
	struct rdd_http_request req = {.url = url(f, "/err")};
	struct res x = {0};

	get1(f, &req, &x);
	assert_int_equal(x.error, 0);
	assert_int_equal(x.status, 500);
	assert_string_equal(x.body, "boom");
	res_clear(&x);
}

static void
test_timeout(void **state)
{
	struct fx *f = *state;
	struct rdd_http_request req = {
	    .url = url(f, "/slow"), .timeout_ms = 300};
	struct res x = {0};

	get1(f, &req, &x);
	assert_int_equal(x.error, CURLE_OPERATION_TIMEDOUT);
	assert_non_null(x.errmsg);
	assert_non_null(strstr(x.errmsg, "Timeout was reached"));
	assert_true(x.total_ms >= 250);
	assert_int_equal(f->nslow, 1);
	res_clear(&x);
}

static void
test_too_big(void **state)
{
	struct fx *f = *state;
	struct rdd_http_request req = {
	    .url = url(f, "/big"), .max_response = 1024 * 1024};
	struct res x = {0};

	get1(f, &req, &x);
	assert_int_not_equal(x.error, 0);
	assert_string_equal(x.errmsg, "response larger than 1048576 bytes");
	assert_true(x.body_len <= 1024 * 1024);
	res_clear(&x);

	/* The default limit, 8 MiB, lets 2 MiB through. */
	req.max_response = 0;
	get1(f, &req, &x);
	assert_int_equal(x.error, 0);
	assert_int_equal(x.body_len, 2 * 1024 * 1024);
	assert_int_equal(strlen(x.body), 2 * 1024 * 1024);
	res_clear(&x);
}

static void
test_echo_method_headers_body(void **state)
{
	struct fx *f = *state;
	const char *hdrs[] = {"X-Echo: abc", "Content-Type: text/plain", NULL};
	struct rdd_http_request req = {.url = url(f, "/echo"),
	    .method = "PUT",
	    .headers = hdrs,
	    .body = "payload\0x",
	    .body_len = 9};
	struct res x = {0};

	get1(f, &req, &x);
	assert_int_equal(x.status, 200);
	assert_int_equal(x.body_len, 4 + 4 + 9);
	assert_memory_equal(x.body, "PUT\nabc\npayload\0x", 17);
	res_clear(&x);

	req.method = "POST";
	req.body = "{}";
	req.body_len = 2;
	get1(f, &req, &x);
	assert_string_equal(x.body, "POST\nabc\n{}");
	res_clear(&x);

	req.method = "DELETE";
	req.body = NULL;
	req.body_len = 0;
	req.headers = NULL;
	get1(f, &req, &x);
	assert_string_equal(x.body, "DELETE\n-\n");
	res_clear(&x);

	req.method = NULL;
	get1(f, &req, &x);
	assert_string_equal(x.body, "GET\n-\n");
	res_clear(&x);
}

static void
test_no_redirect(void **state)
{
	struct fx *f = *state;
	struct rdd_http_request req = {.url = url(f, "/redir")};
	struct rdd_http_response r = {0};
	struct res x = {0};
	char buf[64];

	get1(f, &req, &x);
	assert_int_equal(x.error, 0);
	assert_int_equal(x.status, 302);
	r.headers = x.headers;
	assert_string_equal(
	    svc_http_header(&r, "location", buf, sizeof(buf)), "/ok");
	res_clear(&x);
}

static void
test_unix_socket(void **state)
{
	struct fx *f = *state;
	struct rdd_http_request req = {
	    .url = "http://localhost/ok", .unix_socket = f->sock};
	struct res x = {0};

	get1(f, &req, &x);
	assert_int_equal(x.error, 0);
	assert_int_equal(x.status, 200);
	assert_string_equal(x.body, "hello");
	res_clear(&x);
}

static void
test_transport_errors(void **state)
{
	struct fx *f = *state;
	struct rdd_http_request req = {0};
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct res x = {0};
	char u[64];
	int fd;

	/* A port that was just free: connection refused. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	snprintf(u, sizeof(u), "http://%s:%d/", url_host, ntohs(sin.sin_port));
	req.url = u;
	get1(f, &req, &x); /* bound but not listening: refused */
	close(fd);
	assert_int_equal(x.error, CURLE_COULDNT_CONNECT);
	assert_non_null(strstr(x.errmsg, "Couldn't connect"));
	assert_int_equal(x.status, 0);
	res_clear(&x);

	/* Only http and https. */
	req.url = "file:///etc/passwd";
	get1(f, &req, &x);
	assert_int_equal(x.error, CURLE_UNSUPPORTED_PROTOCOL);
	res_clear(&x);

	/* A unix socket nobody listens on. */
	req.url = "http://localhost/";
	req.unix_socket = "/nonexistent/rdd.sock";
	get1(f, &req, &x);
	assert_int_equal(x.error, CURLE_COULDNT_CONNECT);
	res_clear(&x);
}

static int
held_is(void *arg)
{
	struct fx *f = ((void **)arg)[0];
	int want = *(int *)((void **)arg)[1];

	return f->nhold == want;
}

static int
all4_done(void *arg)
{
	struct res *v = arg;

	return v[0].done && v[1].done && v[2].done && v[3].done;
}

static void
test_cap(void **state)
{
	struct fx *f = *state;
	struct svc_http *s = svc_http_new(f->base, 2);
	struct rdd_http_request req = {.url = url(f, "/hold")};
	struct res v[4];
	void *args[2];
	int i, want;

	memset(v, 0, sizeof(v));
	f->nhold = f->max_hold = 0;
	for (i = 0; i < 4; i++)
		assert_int_not_equal(
		    svc_http_request(s, f, &req, res_cb, &v[i]), 0);
	args[0] = f;
	args[1] = &want;
	for (i = 0; i < 4; i++) {
		want = 4 - i < 2 ? 4 - i : 2;
		evloop_until(f->base, held_is, args);
		hold_release_oldest(f);
	}
	evloop_until(f->base, all4_done, v);
	assert_int_equal(f->max_hold, 2);
	for (i = 0; i < 4; i++) {
		assert_int_equal(v[i].status, 200);
		assert_string_equal(v[i].body, "held");
		res_clear(&v[i]);
	}
	svc_http_free(s);
}

static int
all6_done(void *arg)
{
	struct res *v = arg;
	int i;

	for (i = 0; i < 6; i++)
		if (!v[i].done)
			return 0;
	return 1;
}

static void
test_fair_order(void **state)
{
	struct fx *f = *state;
	struct svc_http *s = svc_http_new(f->base, 1);
	struct rdd_http_request req = {.url = url(f, "/ok")};
	static const char *tags[] = {"A1", "A2", "A3", "A4", "A5", "B1"};
	int oa, ob, i;
	struct res v[6];
	char *order[6];
	size_t n = 0;

	memset(v, 0, sizeof(v));
	for (i = 0; i < 6; i++) {
		v[i].tag = tags[i];
		v[i].order = order;
		v[i].norder = &n;
		svc_http_request(
		    s, i < 5 ? (void *)&oa : (void *)&ob, &req, res_cb, &v[i]);
	}
	evloop_until(f->base, all6_done, v);
	assert_int_equal(n, 6);
	assert_string_equal(order[0], "A1");
	assert_string_equal(order[1], "B1");
	assert_string_equal(order[2], "A2");
	assert_string_equal(order[5], "A5");
	for (i = 0; i < 6; i++)
		res_clear(&v[i]);
	svc_http_free(s);
}

static void
test_cancel(void **state)
{
	struct fx *f = *state;
	struct svc_http *s = svc_http_new(f->base, 1);
	struct rdd_http_request slow = {.url = url(f, "/slow")};
	struct rdd_http_request ok = {.url = url(f, "/ok")};
	struct res a = {0}, b = {0}, c = {0}, d = {0};
	uint64_t ha, hb;
	int o1, o2;

	f->nslow = 0;
	ha = svc_http_request(s, &o1, &slow, res_cb, &a);
	hb = svc_http_request(s, &o1, &ok, res_cb, &b);
	assert_true(ha != 0 && hb != 0 && ha != hb);
	svc_http_cancel(s, hb); /* queued */
	svc_http_request(s, &o2, &ok, res_cb, &c);
	svc_http_cancel(s, ha); /* running: c takes its slot */
	svc_http_cancel(s, ha);
	evloop_until(f->base, is_done, &c);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 0);
	assert_int_equal(c.status, 200);
	res_clear(&c);

	/* cancel_owner: one running, one queued, both silent. */
	svc_http_request(s, &o1, &slow, res_cb, &a);
	svc_http_request(s, &o1, &ok, res_cb, &b);
	svc_http_request(s, &o2, &ok, res_cb, &d);
	svc_http_cancel_owner(s, &o1);
	evloop_until(f->base, is_done, &d);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 0);
	assert_int_equal(d.status, 200);
	res_clear(&d);
	svc_http_free(s);
}

static void
test_free_with_inflight_and_inside_cb(void **state)
{
	struct fx *f = *state;
	struct svc_http *s = svc_http_new(f->base, 4);
	struct rdd_http_request slow = {.url = url(f, "/slow")};
	struct rdd_http_request ok = {.url = url(f, "/ok")};
	struct res a = {0}, b = {0};

	b.free_me = s;
	svc_http_request(s, f, &slow, res_cb, &a);
	svc_http_request(s, f, &ok, res_cb, &b);
	evloop_until(f->base, is_done, &b);
	assert_int_equal(b.calls, 1);
	assert_int_equal(a.calls, 0);
	res_clear(&b);

	s = svc_http_new(f->base, 4);
	svc_http_request(s, f, &slow, res_cb, &a);
	svc_http_free(s);
	assert_int_equal(a.calls, 0);
}

static void
test_bad_request(void **state)
{
	struct fx *f = *state;
	struct svc_http *s = svc_http_new(f->base, 1);
	struct rdd_http_request req = {0};

	assert_int_equal(svc_http_request(s, f, &req, res_cb, NULL), 0);
	assert_int_equal(svc_http_request(s, f, NULL, res_cb, NULL), 0);
	svc_http_free(s);
}

/*
 * Everything above ran to an IP literal: libcurl was never needed; to a
 * host name, libcurl did the work.
 */
static void
test_libcurl_loaded_only_for_names(void **state)
{
	void *dl = dlopen("libcurl.so.4", RTLD_LAZY | RTLD_NOLOAD);

	(void)state;
	if (strcmp(url_host, "127.0.0.1") == 0)
		assert_null(dl);
	else
		assert_non_null(dl);
	if (dl != NULL)
		dlclose(dl);
}

/* Plain's choice: what it takes, and that what it refuses still works. */
static void
test_plain_takes(void **state)
{
	static const char *const yes[] = {"http://127.0.0.1/",
	    "http://127.0.0.1:8080/x?y=1", "HTTP://10.0.0.1",
	    "http://[::1]:80/", "http://127.0.0.1?q", NULL};
	static const char *const no[] = {"https://127.0.0.1/",
	    "http://localhost/", "http://user@127.0.0.1/", "http://127.1/",
	    "http://127.0.0.1:0/", "http://127.0.0.1:99999/",
	    "http://127.0.0.1:/", "http://[::1/", "http://127.0.0.1/a b",
	    "ftp://127.0.0.1/", NULL};
	struct rdd_http_request req = {0};
	struct plainhttp *p;
	size_t i;

	(void)state;
	for (i = 0; yes[i] != NULL; i++) {
		req.url = yes[i];
		p = plainhttp_prepare(&req);
		if (p == NULL)
			fail_msg("plainhttp should take %s", yes[i]);
		plainhttp_free(p);
	}
	for (i = 0; no[i] != NULL; i++) {
		req.url = no[i];
		if ((p = plainhttp_prepare(&req)) != NULL)
			fail_msg("plainhttp should leave %s to curl", no[i]);
	}
	req.url = "http://127.0.0.1/";
	req.method = "PROPFIND";
	assert_null(plainhttp_prepare(&req));
	req.method = NULL;
	req.unix_socket = "/run/x.sock";
	assert_null(plainhttp_prepare(&req));
}

/* A password never goes to a remote SMTP server without TLS. */
static void
test_smtp_needs_tls(void **state)
{
	(void)state;
	assert_int_equal(svc_http_smtp_needs_tls("smtp://mail.example:587", 1), 1);
	assert_int_equal(svc_http_smtp_needs_tls("smtp://u@mail.example/", 1), 1);
	assert_int_equal(svc_http_smtp_needs_tls("smtp://mail.example:25", 0), 0);
	assert_int_equal(svc_http_smtp_needs_tls("smtp://127.0.0.1:2525", 1), 0);
	assert_int_equal(svc_http_smtp_needs_tls("smtp://[::1]:2525", 1), 0);
	assert_int_equal(svc_http_smtp_needs_tls("SMTP://localhost", 1), 0);
	assert_int_equal(svc_http_smtp_needs_tls("smtps://mail.example", 1), 0);
	assert_int_equal(svc_http_smtp_needs_tls("smtp://127.0.0.1.evil:25", 1), 1);
	assert_int_equal(svc_http_smtp_needs_tls("smtp://127.9.8.7", 1), 0);
	assert_int_equal(svc_http_smtp_needs_tls("smtp://", 1), 1);
	assert_int_equal(svc_http_smtp_needs_tls("ftp://x", 1), 1);
}

static int
group_curl(void **state)
{
	url_host = "localhost";
	return setup(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_takes),
	    cmocka_unit_test(test_smtp_needs_tls),
	    cmocka_unit_test(test_ok_with_header),
	    cmocka_unit_test(test_header_lookup_block),
	    cmocka_unit_test(test_status_500),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_too_big),
	    cmocka_unit_test(test_echo_method_headers_body),
	    cmocka_unit_test(test_no_redirect),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_fair_order),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_free_with_inflight_and_inside_cb),
	    cmocka_unit_test(test_bad_request),
	    cmocka_unit_test(test_libcurl_loaded_only_for_names),
	    /* These use curl whatever the host: file://, unix sockets. */
	    cmocka_unit_test(test_unix_socket),
	    cmocka_unit_test(test_transport_errors),
	};
	int rc;

	/* As in a worker: a peer that hangs up is an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	rc = cmocka_run_group_tests_name(
	    "plain http to 127.0.0.1", tests, setup, teardown);
	return rc + cmocka_run_group_tests_name(
	                "libcurl to localhost", tests, group_curl, teardown);
}
