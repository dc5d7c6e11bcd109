/*
 * httpd.c: the HTTP status surface on evhttp: /health (JSON), /metrics
 * (Prometheus text) and / (a self-contained dashboard page).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <json-c/json.h>

#include "rdd.h"
#include "daemon.h"

#define HTTPD_MAX_HEADERS 8192
#define HTTPD_MAX_BODY 8192
#define HTTPD_TIMEOUT_S 10

struct httpd {
	struct rdd_daemon *d;
	struct evhttp *http;
	int port;
};

/*
 * The dashboard: no external assets, names and messages are set with
 * textContent so a target called "<script>" stays text.
 */
static const char httpd_page[] =
"<!DOCTYPE html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
"<title>redundancyd</title>\n"
"<style>\n"
"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;"
"background:#fafafa}\n"
"h1{font-size:1.3em;margin:0 0 .5em}\n"
"table{border-collapse:collapse;width:100%;background:#fff}\n"
"th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #ddd}\n"
"th{background:#eee}\n"
"tr.target td:first-child{padding-left:2em}\n"
"tr.monitor td{font-weight:600}\n"
".st{display:inline-block;min-width:6em;text-align:center;border-radius:3px;"
"color:#fff;font-weight:600}\n"
".OK{background:#2e7d32}.WARNING{background:#ef8f00}"
".CRITICAL{background:#c62828}.UNKNOWN{background:#6d6d6d}\n"
"#err{color:#c62828}\n"
"</style></head><body>\n"
"<h1>redundancyd <span id=\"overall\" class=\"st UNKNOWN\">UNKNOWN</span>"
"</h1>\n"
"<p><span id=\"updated\">loading&hellip;</span> <span id=\"err\"></span></p>\n"
"<table id=\"monitors\"><thead><tr><th>Monitor / target</th><th>State</th>"
"<th>Since</th><th>Message</th></tr></thead><tbody></tbody></table>\n"
"<script>\n"
"var NAMES=['OK','WARNING','CRITICAL','UNKNOWN'];\n"
"function sn(o){return o.state_name||NAMES[o.state]||'UNKNOWN';}\n"
"function cell(tr,text,cls){var td=document.createElement('td');"
"if(cls){var s=document.createElement('span');s.className='st '+cls;"
"s.textContent=text;td.appendChild(s);}else td.textContent=text==null?'':"
"String(text);tr.appendChild(td);}\n"
"function row(tb,kind,o,name){var tr=document.createElement('tr');"
"tr.className=kind;tr.dataset.name=name;tr.dataset.state=sn(o);"
"cell(tr,name);cell(tr,sn(o),sn(o));cell(tr,o.since);cell(tr,o.message);"
"tb.appendChild(tr);}\n"
"function render(j){var tb=document.querySelector('#monitors tbody');"
"while(tb.firstChild)tb.removeChild(tb.firstChild);"
"var ov=document.getElementById('overall');ov.textContent=sn(j);"
"ov.className='st '+sn(j);"
"(j.monitors||[]).forEach(function(m){row(tb,'monitor',m,m.name);"
"(m.targets||[]).forEach(function(t){row(tb,'target',t,t.name);});});"
"(j.workers||[]).forEach(function(w){if(w.state==='running')return;"
"var tr=document.createElement('tr');tr.className='worker';"
"tr.dataset.name=w.name;tr.dataset.state=w.state;"
"cell(tr,'plugin worker '+w.name);cell(tr,w.state,w.state==='quarantined'?"
"'CRITICAL':'UNKNOWN');cell(tr,'');cell(tr,w.last_failure);"
"tb.appendChild(tr);});"
"document.getElementById('updated').textContent='updated '+"
"new Date().toLocaleTimeString();"
"document.getElementById('err').textContent='';}\n"
"function load(){fetch('/health',{cache:'no-store'})"
".then(function(r){return r.json();}).then(render)"
".catch(function(e){document.getElementById('err').textContent="
"'cannot reach the daemon: '+e;});}\n"
"load();setInterval(load,5000);\n"
"</script></body></html>\n";

static void
httpd_seterr(char *err, size_t errlen, const char *fmt, ...) RDD_PRINTF(3, 4);

static void
httpd_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void
httpd_send(struct evhttp_request *req, int code, const char *reason,
    const char *ctype, const char *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b;

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if ((b = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void
httpd_text(struct evhttp_request *req, int code, const char *reason,
    const char *msg)
{
	httpd_send(req, code, reason, "text/plain; charset=utf-8", msg,
	    strlen(msg));
}

static void
httpd_health(struct httpd *hd, struct evhttp_request *req)
{
	json_object *o;
	enum rdd_state st;
	const char *s;
	int code;

	if ((o = engine_status_json(hd->d, NULL)) == NULL) {
		s = "{\"ok\":false,\"error\":\"status unavailable\"}\n";
		httpd_send(req, 503, "Service Unavailable",
		    "application/json", s, strlen(s));
		return;
	}
	st = engine_overall(hd->d);
	code = (st == RDD_OK || st == RDD_WARNING) ? 200 : 503;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	httpd_send(req, code, code == 200 ? "OK" : "Service Unavailable",
	    "application/json", s, strlen(s));
	json_object_put(o);
}

static void
httpd_metrics(struct httpd *hd, struct evhttp_request *req)
{
	char *t;

	if ((t = engine_metrics_text(hd->d)) == NULL) {
		httpd_text(req, 503, "Service Unavailable",
		    "metrics unavailable\n");
		return;
	}
	httpd_send(req, 200, "OK", "text/plain; version=0.0.4", t,
	    strlen(t));
	free(t);
}

static void
httpd_dashboard(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy", "default-src 'none'; "
	    "script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
	    "connect-src 'self'");
	httpd_send(req, 200, "OK", "text/html; charset=utf-8", httpd_page,
	    sizeof(httpd_page) - 1);
}

static void
httpd_gencb(struct evhttp_request *req, void *arg)
{
	struct httpd *hd = arg;
	const struct evhttp_uri *uri;
	enum evhttp_cmd_type m;
	const char *path = NULL;
	int which;

	if ((uri = evhttp_request_get_evhttp_uri(req)) != NULL)
		path = evhttp_uri_get_path(uri);
	if (path == NULL || *path == '\0')
		path = "/";
	if (strcmp(path, "/health") == 0)
		which = 1;
	else if (strcmp(path, "/metrics") == 0)
		which = 2;
	else if (strcmp(path, "/") == 0)
		which = 3;
	else {
		httpd_text(req, 404, "Not Found", "not found: try /, /health "
		    "or /metrics\n");
		return;
	}
	m = evhttp_request_get_command(req);
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		httpd_text(req, 405, "Method Not Allowed",
		    "method not allowed: use GET\n");
		return;
	}
	if (which == 1)
		httpd_health(hd, req);
	else if (which == 2)
		httpd_metrics(hd, req);
	else
		httpd_dashboard(req);
}

static int
httpd_is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	const uint8_t *a;

	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)sa;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return 1;
		a = sin6->sin6_addr.s6_addr;
		return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && a[12] == 127;
	}
	return 0;
}

/* "[::1]:0" asks for any port; "[::1]" and "::1" forgot it. */
static int
httpd_has_port(const char *s)
{
	const char *c;

	if (*s == '[')
		return strstr(s, "]:") != NULL;
	return (c = strchr(s, ':')) != NULL && strchr(c + 1, ':') == NULL;
}

/*
 * evutil_parse_sockaddr_port refuses port 0, which asks the kernel for any
 * free port (tests use it): parse ":1" instead and put the 0 back.
 */
static int
httpd_parse(const char *listen, struct sockaddr_storage *ss, int *len)
{
	char buf[256];
	size_t n;
	int zero = 0;

	if (listen == NULL || (n = strlen(listen)) >= sizeof(buf))
		return -1;
	memcpy(buf, listen, n + 1);
	if (n >= 2 && strcmp(buf + n - 2, ":0") == 0) {
		buf[n - 1] = '1';
		zero = 1;
	}
	if (evutil_parse_sockaddr_port(buf, (struct sockaddr *)ss, len) == -1)
		return -1;
	if (ss->ss_family == AF_INET) {
		if (zero)
			((struct sockaddr_in *)ss)->sin_port = 0;
	} else if (ss->ss_family == AF_INET6) {
		if (zero)
			((struct sockaddr_in6 *)ss)->sin6_port = 0;
	} else
		return -1;
	return 0;
}

struct httpd *
httpd_new(struct rdd_daemon *d, const char *listen, int allow_any, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	struct evconnlistener *lis;
	struct httpd *hd;
	socklen_t sl;
	int len = sizeof(ss);
	uint16_t port;

	memset(&ss, 0, sizeof(ss));
	if (httpd_parse(listen, &ss, &len) == -1) {
		httpd_seterr(err, errlen, "http.listen '%s': expected "
		    "HOST:PORT like 127.0.0.1:9321 or [::1]:9321",
		    listen ? listen : "");
		return NULL;
	}
	port = ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port;
	if (port == 0 && !httpd_has_port(listen)) {
		httpd_seterr(err, errlen, "http.listen '%s': no port: write "
		    "HOST:PORT like 127.0.0.1:9321", listen);
		return NULL;
	}
	if (!allow_any && !httpd_is_loopback((struct sockaddr *)&ss)) {
		httpd_seterr(err, errlen, "http.listen %s is not loopback: set "
		    "daemon.http.allow_remote = true to expose it", listen);
		return NULL;
	}
	if ((hd = calloc(1, sizeof(*hd))) == NULL ||
	    (hd->http = evhttp_new(d->base)) == NULL) {
		free(hd);
		httpd_seterr(err, errlen, "http.listen %s: out of memory",
		    listen);
		return NULL;
	}
	hd->d = d;
	lis = evconnlistener_new_bind(d->base, NULL, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    64, (struct sockaddr *)&ss, len);
	if (lis == NULL || evhttp_bind_listener(hd->http, lis) == NULL) {
		httpd_seterr(err, errlen, "http.listen %s: cannot listen: %s: "
		    "choose another address or port", listen,
		    strerror(errno));
		if (lis != NULL)
			evconnlistener_free(lis);
		evhttp_free(hd->http);
		free(hd);
		return NULL;
	}
	sl = sizeof(ss);
	if (getsockname(evconnlistener_get_fd(lis), (struct sockaddr *)&ss,
	    &sl) == 0)
		hd->port = ntohs(ss.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port);
	evhttp_set_max_headers_size(hd->http, HTTPD_MAX_HEADERS);
	evhttp_set_max_body_size(hd->http, HTTPD_MAX_BODY);
	evhttp_set_timeout(hd->http, HTTPD_TIMEOUT_S);
	/* Every method reaches us, so the answer is 405 and not 501. */
	evhttp_set_allowed_methods(hd->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(hd->http, httpd_gencb, hd);
	return hd;
}

int
httpd_port(const struct httpd *h)
{
	return h != NULL ? h->port : 0;
}

void
httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	evhttp_free(h->http);
	free(h);
}
