/*
 * test_httpd.c: the HTTP status surface: /health codes, /metrics, the
 * dashboard, 404 and 405, HEAD, the request head parser, and the
 * loopback-only rule for the listen address.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json-c/json.h>

#include "rdd.h"
#include "daemon.h"

/* ---- engine stubs: fixed data, the state set by each test ---- */

static enum rdd_state stub_overall = RDD_OK;
static int stub_status_calls;

static const char *const stub_names[] = { "OK", "WARNING", "CRITICAL",
	"UNKNOWN" };

void *
engine_status_json(struct rdd_daemon *d, const char *monitor)
{
	char buf[512];

	stub_status_calls++;
	snprintf(buf, sizeof(buf), "{\"ok\":true,\"state\":%d,"
	    "\"state_name\":\"%s\",\"monitors\":[{\"name\":\"pm2\","
	    "\"plugin\":\"pm2\",\"state\":%d,\"state_name\":\"%s\","
	    "\"message\":\"1 target\",\"targets\":[{\"name\":\"api\","
	    "\"state\":%d,\"state_name\":\"%s\",\"message\":\"<b>x</b>\"}]}]}",
	    stub_overall, stub_names[stub_overall], stub_overall,
	    stub_names[stub_overall], stub_overall, stub_names[stub_overall]);
	return json_tokener_parse(buf);
}

char *
engine_metrics_text(struct rdd_daemon *d)
{
	return strdup("# TYPE redundancyd_up gauge\nredundancyd_up 1\n");
}

enum rdd_state
engine_overall(struct rdd_daemon *d)
{
	return stub_overall;
}

/* httpd.c logs refused peers: the lines are kept for the tests. */
static char stub_log[4096];

void
log_write(const char *monitor, enum rdd_log_level lvl, const char *fmt, ...)
{
	size_t n = strlen(stub_log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(stub_log + n, sizeof(stub_log) - n, fmt, ap);
	va_end(ap);
	n = strlen(stub_log);
	if (n + 1 < sizeof(stub_log))
		strcpy(stub_log + n, "\n");
}

/* ---- a libevent HTTP client on the same loop ---- */

struct fixture {
	struct event_base *base;
	struct rdd_daemon d;
	struct httpd *h;
	int port;
};

struct result {
	struct event_base *base;
	int done;
	int code;
	char ctype[128];
	char allow[64];
	char csp[256];
	long clen;		/* Content-Length, -1 if none */
	char *body;
};

static void
result_cb(struct evhttp_request *req, void *arg)
{
	struct result *r = arg;
	struct evbuffer *b;
	const char *v;
	size_t n;

	r->done = 1;
	event_base_loopbreak(r->base);
	if (req == NULL)
		return;
	r->code = evhttp_request_get_response_code(req);
	v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	snprintf(r->ctype, sizeof(r->ctype), "%s", v ? v : "");
	v = evhttp_find_header(evhttp_request_get_input_headers(req), "Allow");
	snprintf(r->allow, sizeof(r->allow), "%s", v ? v : "");
	v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Security-Policy");
	snprintf(r->csp, sizeof(r->csp), "%s", v ? v : "");
	v = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Content-Length");
	r->clen = v != NULL ? strtol(v, NULL, 10) : -1;
	b = evhttp_request_get_input_buffer(req);
	n = evbuffer_get_length(b);
	r->body = calloc(1, n + 1);
	evbuffer_remove(b, r->body, n);
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

static void
fetch(struct fixture *f, enum evhttp_cmd_type m, const char *uri,
    struct result *r)
{
	struct evhttp_connection *cn;
	struct evhttp_request *req;
	struct timeval tv = { 20, 0 };
	struct event *dl;

	memset(r, 0, sizeof(*r));
	r->base = f->base;
	cn = evhttp_connection_base_new(f->base, NULL, "127.0.0.1",
	    (uint16_t)f->port);
	assert_non_null(cn);
	req = evhttp_request_new(result_cb, r);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    "localhost");
	if (m == EVHTTP_REQ_POST)
		evbuffer_add(evhttp_request_get_output_buffer(req), "x", 1);
	assert_int_equal(evhttp_make_request(cn, req, m, uri), 0);
	dl = evtimer_new(f->base, deadline_cb, f->base);
	evtimer_add(dl, &tv);
	while (!r->done)
		if (event_base_dispatch(f->base) != 0 ||
		    !evtimer_pending(dl, NULL))
			break;
	event_free(dl);
	evhttp_connection_free(cn);
	assert_true(r->done);
	assert_non_null(r->body);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[RDD_ERRLEN];

	assert_non_null(f);
	f->base = event_base_new();
	f->d.base = f->base;
	f->h = httpd_new(&f->d, "127.0.0.1:0", 0, err, sizeof(err));
	if (f->h == NULL)
		fail_msg("httpd_new: %s", err);
	f->port = httpd_port(f->h);
	assert_true(f->port > 0);
	stub_overall = RDD_OK;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	httpd_free(f->h);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* ---- tests ---- */

static void
check_health(struct fixture *f, enum rdd_state st, int want)
{
	struct result r;
	json_object *o, *v;

	stub_overall = st;
	fetch(f, EVHTTP_REQ_GET, "/health", &r);
	assert_int_equal(r.code, want);
	assert_string_equal(r.ctype, "application/json");
	o = json_tokener_parse(r.body);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "state", &v));
	assert_int_equal(json_object_get_int(v), (int)st);
	assert_true(json_object_object_get_ex(o, "monitors", &v));
	assert_int_equal(json_object_array_length(v), 1);
	json_object_put(o);
	free(r.body);
}

static void
test_health_ok(void **state)
{
	check_health(*state, RDD_OK, 200);
	check_health(*state, RDD_WARNING, 200);
}

static void
test_health_unhealthy(void **state)
{
	check_health(*state, RDD_CRITICAL, 503);
	check_health(*state, RDD_UNKNOWN, 503);
}

static void
test_health_query_ignored(void **state)
{
	struct result r;

	fetch(*state, EVHTTP_REQ_GET, "/health?pretty=1", &r);
	assert_int_equal(r.code, 200);
	free(r.body);
}

static void
test_metrics(void **state)
{
	struct result r;

	fetch(*state, EVHTTP_REQ_GET, "/metrics", &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.ctype, "text/plain; version=0.0.4");
	assert_string_equal(r.body,
	    "# TYPE redundancyd_up gauge\nredundancyd_up 1\n");
	free(r.body);
}

static void
test_dashboard(void **state)
{
	struct result r;

	fetch(*state, EVHTTP_REQ_GET, "/", &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.ctype, "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "<!DOCTYPE html>"));
	assert_non_null(strstr(r.body, "fetch('/health'"));
	assert_non_null(strstr(r.body, "setInterval(load,5000)"));
	assert_non_null(strstr(r.body, "<table id=\"monitors\">"));
	/* self-contained: nothing loaded from elsewhere */
	assert_null(strstr(r.body, "src=\"http"));
	assert_null(strstr(r.body, "href=\"http"));
	/* ...and the browser holds it to that, framing included */
	assert_non_null(strstr(r.csp, "default-src 'none'"));
	assert_non_null(strstr(r.csp, "connect-src 'self'"));
	assert_non_null(strstr(r.csp, "frame-ancestors 'none'"));
	/* a phone gets cards, not a table wider than its screen */
	assert_non_null(strstr(r.body, "@media (max-width:640px)"));
	assert_non_null(strstr(r.body, "<span id=\"host\">"));
	free(r.body);
}

static void
test_not_found(void **state)
{
	struct result r;

	fetch(*state, EVHTTP_REQ_GET, "/nope", &r);
	assert_int_equal(r.code, 404);
	free(r.body);
	fetch(*state, EVHTTP_REQ_GET, "/health/x", &r);
	assert_int_equal(r.code, 404);
	free(r.body);
}

static void
test_method_not_allowed(void **state)
{
	struct result r;

	stub_status_calls = 0;
	fetch(*state, EVHTTP_REQ_POST, "/health", &r);
	assert_int_equal(r.code, 405);
	assert_string_equal(r.allow, "GET, HEAD");
	assert_int_equal(stub_status_calls, 0);
	free(r.body);
	fetch(*state, EVHTTP_REQ_DELETE, "/", &r);
	assert_int_equal(r.code, 405);
	free(r.body);
}

static void
test_head(void **state)
{
	struct result g, r;

	fetch(*state, EVHTTP_REQ_HEAD, "/health", &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.body, "");
	free(r.body);
	/* GET's headers, its Content-Length included, and no body */
	fetch(*state, EVHTTP_REQ_GET, "/", &g);
	fetch(*state, EVHTTP_REQ_HEAD, "/", &r);
	assert_int_equal(r.code, 200);
	assert_string_equal(r.ctype, g.ctype);
	assert_true(g.clen > 0);
	assert_int_equal(g.clen, (long)strlen(g.body));
	assert_int_equal(r.clen, g.clen);
	assert_string_equal(r.body, "");
	free(g.body);
	free(r.body);
}

/* ---- the request head parser ---- */

static int
parse(const char *s, struct httpd_head *h)
{
	return httpd_parse_head(s, strlen(s), h);
}

static void
test_parse_head(void **state)
{
	struct httpd_head h;
	char big[9000];

	(void)state;
	assert_int_equal(
	    parse("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", &h), 33);
	assert_int_equal(h.method, HTTPD_METHOD_GET);
	assert_int_equal(h.route, HTTPD_ROUTE_HEALTH);
	/* bare LF, a stray CRLF first, a query, absolute-form */
	assert_true(parse("\r\nHEAD /metrics?x=1 HTTP/1.0\n\n", &h) > 0);
	assert_int_equal(h.method, HTTPD_METHOD_HEAD);
	assert_int_equal(h.route, HTTPD_ROUTE_METRICS);
	assert_true(
	    parse("GET http://localhost:9321/ HTTP/1.1\r\n\r\n", &h) > 0);
	assert_int_equal(h.route, HTTPD_ROUTE_PAGE);
	assert_true(parse("POST /health/x HTTP/1.1\r\n\r\n", &h) > 0);
	assert_int_equal(h.method, HTTPD_METHOD_OTHER);
	assert_int_equal(h.route, HTTPD_ROUTE_NONE);
	/* incomplete: wait for more */
	assert_int_equal(parse("GET /health HTTP/1.1\r\nHost: x\r\n", &h), 0);
	assert_int_equal(parse("GET /hea", &h), 0);
	/* malformed */
	assert_int_equal(parse("GET /health\r\n\r\n", &h), -1);
	assert_int_equal(h.status, 400);
	assert_int_equal(parse("GET  /health HTTP/1.1\r\n\r\n", &h), -1);
	assert_int_equal(
	    parse("GET /health HTTP/1.1\r\nno colon\r\n\r\n", &h), -1);
	assert_int_equal(
	    parse("GET /health HTTP/1.1\r\n folded: x\r\n\r\n", &h), -1);
	assert_int_equal(parse("GET /a\rb HTTP/1.1\r\n\r\n", &h), -1);
	assert_int_equal(parse("GET /health HTTP/2.0\r\n\r\n", &h), -1);
	assert_int_equal(h.status, 505);
	/* too large, complete or not */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	assert_int_equal(httpd_parse_head(big, 8192, &h), -1);
	assert_int_equal(h.status, 431);
	memcpy(big + 8990, "\r\n\r\n", 4);
	assert_int_equal(httpd_parse_head(big, 8994, &h), -1);
	assert_int_equal(h.status, 431);
}

static void
test_listen_rules(void **state)
{
	struct fixture *f = *state;
	char err[RDD_ERRLEN];
	struct httpd *h;

	assert_null(httpd_new(&f->d, "0.0.0.0:9321", 0, err, sizeof(err)));
	assert_string_equal(err, "http.listen 0.0.0.0:9321 is not loopback: "
	    "set daemon.http.allow_remote = true to expose it");
	assert_null(httpd_new(&f->d, "[::]:9321", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "is not loopback"));
	assert_null(httpd_new(&f->d, "192.168.1.1:9321", 0, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "is not loopback"));
	assert_null(httpd_new(&f->d, "localhost-ish", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "expected HOST:PORT"));
	assert_null(httpd_new(&f->d, "127.0.0.1", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "no port"));
	/* the operator allowed it: it binds */
	h = httpd_new(&f->d, "0.0.0.0:0", 1, err, sizeof(err));
	if (h == NULL)
		fail_msg("allowed: %s", err);
	httpd_free(h);
	/* any 127/8 address and ::1 count as loopback */
	h = httpd_new(&f->d, "127.0.0.2:0", 0, err, sizeof(err));
	if (h == NULL)
		fail_msg("127.0.0.2: %s", err);
	httpd_free(h);
	h = httpd_new(&f->d, "[::1]:0", 0, err, sizeof(err));
	if (h == NULL)	/* no IPv6 here: still not a loopback refusal */
		assert_null(strstr(err, "is not loopback"));
	httpd_free(h);
}

static void
test_port_in_use(void **state)
{
	struct fixture *f = *state;
	char err[RDD_ERRLEN], addr[64];

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", f->port);
	assert_null(httpd_new(&f->d, addr, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot listen"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_health_ok, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_health_unhealthy, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_health_query_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dashboard, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_method_not_allowed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_head, setup, teardown),
	    cmocka_unit_test(test_parse_head),
	    cmocka_unit_test_setup_teardown(test_listen_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_port_in_use, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
