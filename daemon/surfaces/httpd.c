/*
 * httpd.c: the HTTP status surface: /health (JSON), /metrics (Prometheus
 * text) and / (a self-contained dashboard page), on a small HTTP/1.x server
 * of its own: one request per connection, bounded in number, size and time.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <json-c/json.h>

#include "rdd.h"
#include "daemon.h"

#define HTTPD_MAX_HEAD 8192  /* request line and headers */
#define HTTPD_MAX_CONNS 64   /* simultaneous clients, at most */
#define HTTPD_FD_SHARE 8     /* ...and RLIMIT_NOFILE / 8 */
#define HTTPD_MIN_CONNS 4    /* ...but never fewer */
#define HTTPD_REQUEST_S 10   /* to send the whole request head */
#define HTTPD_WRITE_S 10     /* to read the whole reply */
#define HTTPD_LINGER_MS 2000 /* to take what it sent after that */

/*
 * Why not evhttp: libevent 2.1's evhttp has no hook when it accepts a
 * connection (so no cap, and no peer to log), only a read timeout that
 * restarts at every byte, and it sends HEAD replies with their body and
 * without Content-Length. Three paths, GET and HEAD, one request per
 * connection: small enough to own.
 */
enum httpd_state {
	HTTPD_READING, /* the request head */
	HTTPD_WRITING, /* the reply */
	HTTPD_LINGER   /* replied, write side shut: draining */
};

struct httpd_conn {
	TAILQ_ENTRY(httpd_conn) entry;
	struct httpd *hd;
	struct bufferevent *bev;
	struct event *deadline; /* of the current state */
	enum httpd_state state;
	int head;                        /* the request was HEAD: no body */
	char peer[INET6_ADDRSTRLEN + 8]; /* "127.0.0.1:4242" */
};

TAILQ_HEAD(httpd_conns, httpd_conn);

struct httpd {
	struct rdd_daemon *d;
	struct evconnlistener *lis;
	struct event *resume; /* after accept() failed (EMFILE) */
	struct httpd_conns conns;
	size_t nconns;
	size_t max;                /* connections at most */
	struct limits_log refused; /* refused and dropped peers */
	int port;
};

/*
 * The dashboard: no external assets, names and messages are set with
 * textContent so a target called "<script>" stays text. Times are shown in
 * the browser's zone with their age on the daemon's clock; below 640 px
 * the tables become cards, so a phone never scrolls sideways.
 */
static const char httpd_page[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
    "<title>redundancyd</title>\n"
    "<style>\n"
    "*{box-sizing:border-box}\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:1em 1.5em;color:#"
    "222;background:#fafafa}\n"
    "h1{font-size:1.3em;margin:0 0 .3em;overflow-wrap:anywhere}\n"
    "h2{font-size:1.1em;margin:1.2em 0 .4em}\n"
    "p{margin:.3em 0}\n"
    ".meta{color:#555}\n"
    "table{border-collapse:collapse;width:100%;background:#fff}\n"
    "th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #ddd;vert"
    "ical-align:top;overflow-wrap:anywhere}\n"
    "th{background:#eee}\n"
    "td.msg{word-break:break-word}\n"
    "tr.target td:first-child{padding-left:2em}\n"
    "tr.monitor td:first-child{font-weight:600}\n"
    ".st{display:inline-block;min-width:6em;text-align:center;border-radius:3px"
    ";color:#fff;font-weight:600;padding:0 .3em}\n"
    ".OK{background:#2e7d32}.WARNING{background:#ef8f00}.CRITICAL{background:#c"
    "62828}.UNKNOWN{background:#6d6d6d}\n"
    ".critical{background:#c62828}.warning{background:#ef8f00}.info{background:"
    "#1565c0}\n"
    ".tag{display:inline-block;border:1px solid #888;border-radius:3px;padding:"
    "0 .3em;margin:.15em .3em 0 0;font-size:.9em;color:#333;background:#f3f3f3}"
    "\n"
    ".tag.bad{border-color:#c62828;color:#c62828;background:#fdecea}\n"
    ".tag.hold{border-color:#1565c0;color:#1565c0;background:#e8f0fb}\n"
    ".ago{color:#666;white-space:nowrap}\n"
    "#err{color:#c62828}\n"
    "@media (max-width:640px){\n"
    "body{padding:.6em}\n"
    "table,tbody,tr,td{display:block}\n"
    "thead{display:none}\n"
    "tr{background:#fff;border:1px solid #ddd;border-radius:4px;margin:0 0 .5em"
    ";padding:.3em .5em}\n"
    "tr.target{margin-left:1em}\n"
    "td,tr.target td:first-child{border:0;padding:.1em 0}\n"
    "td[data-label]:not(:first-child)::before{content:attr(data-label) \": \";c"
    "olor:#666}\n"
    "td:empty{display:none}\n"
    "}\n"
    "</style></head><body>\n"
    "<h1>redundancyd on <span id=\"host\">?</span> <span id=\"overall\" class="
    "\"st UNKNOWN\">UNKNOWN</span></h1>\n"
    "<p class=\"meta\"><span id=\"updated\">loading&hellip;</span> <span id=\"t"
    "z\"></span> <span id=\"err\"></span></p>\n"
    "<table id=\"monitors\"><thead><tr><th>Monitor / target</th><th>State</th><"
    "th>Since</th><th>Message</th></tr></thead><tbody></tbody></table>\n"
    "<h2>Latest incidents</h2>\n"
    "<table id=\"incidents\"><thead><tr><th>When</th><th>What</th><th>Monitor /"
    " target</th><th>Message</th></tr></thead><tbody></tbody></table>\n"
    "<h2>Firing alerts</h2>\n"
    "<table id=\"alerts\"><thead><tr><th>Monitor / target</th><th>Alert</th><th"
    ">Severity</th><th>State</th><th>Since</th></tr></thead><tbody></tbody></ta"
    "ble>\n"
    "<p>outbox: <span id=\"outbox\">0</span> notifications waiting</p>\n"
    "<script>\n"
    "var NAMES=['OK','WARNING','CRITICAL','UNKNOWN'];\n"
    "var KINDS={'detect':'detected','recovered':'recovered','giveup':'gave up',"
    "'needs-operator':'needs an operator','served':'served degraded','blocked':"
    "'blocked by a dependency','worker-quarantine':'worker quarantined'};\n"
    "var skew=0;\n"
    "function sn(o){return o.state_name||NAMES[o.state]||'UNKNOWN';}\n"
    "function $(id){return document.getElementById(id);}\n"
    "function p2(n){return (n<10?'0':'')+n;}\n"
    "/* Times come in UTC from the daemon; shown in the browser's zone, with\n"
    " * the date only when it is not today. */\n"
    "function local(t){var d=new Date(t),n=new Date();\n"
    "var hms=p2(d.getHours())+':'+p2(d.getMinutes())+':'+p2(d.getSeconds());\n"
    "if(d.toDateString()===n.toDateString())return hms;\n"
    "return d.getFullYear()+'-'+p2(d.getMonth()+1)+'-'+p2(d.getDate())+' '+hms;"
    "}\n"
    "/* Ages are reckoned on the daemon's clock (skew), not the browser's. */\n"
    "function rel(t){var s=Math.round((Date.now()-skew-t)/1000),f=s<0;\n"
    "if(f)s=-s;var v;if(s<10)return f?'in a few s':'just now';\n"
    "if(s<60)v=s+' s';else if(s<3600)v=Math.floor(s/60)+' min';\n"
    "else if(s<172800)v=Math.floor(s/3600)+' h '+Math.floor(s%3600/60)+' min';"
    "\n"
    "else v=Math.floor(s/86400)+' days';return f?'in '+v:v+' ago';}\n"
    "function ms(v){if(v==null||v==='')return null;\n"
    "var t=typeof v==='number'?v:Date.parse(v);return isNaN(t)?null:t;}\n"
    "function when(td,v){var t=ms(v);if(t==null)return;\n"
    "var a=document.createElement('time');a.dateTime=new Date(t).toISOString();"
    "\n"
    "a.title=new Date(t).toString();a.textContent=local(t)+' ';td.appendChild(a"
    ");\n"
    "var g=document.createElement('span');g.className='ago';g.dataset.t=t;\n"
    "g.textContent='('+rel(t)+')';td.appendChild(g);}\n"
    "function td(tr,label,cls){var c=document.createElement('td');\n"
    "c.dataset.label=label;if(cls)c.className=cls;tr.appendChild(c);return c;}"
    "\n"
    "function text(tr,label,s,cls){td(tr,label,cls).textContent=s==null?'':Stri"
    "ng(s);}\n"
    "function badge(c,text,cls){var s=document.createElement('span');\n"
    "s.className='st '+cls;s.textContent=text;c.appendChild(s);}\n"
    "function tag(c,text,cls,flag){var s=document.createElement('span');\n"
    "s.className='tag '+cls;s.dataset.flag=flag;s.textContent=text;\n"
    "c.appendChild(document.createTextNode(' '));c.appendChild(s);}\n"
    "function flags(c,o){if(o.gave_up)tag(c,'gave up','bad','gave-up');\n"
    "if(o.needs_operator)tag(c,'needs an operator','bad','needs-operator');\n"
    "if(o.blocked)tag(c,'blocked by a dependency','hold','blocked');\n"
    "if(o.served)tag(c,'served degraded','hold','served');\n"
    "if(o.flapping)tag(c,'flapping','bad','flapping');\n"
    "if(o.recovering)tag(c,'recovering'+(o.attempts?' (attempt '+o.attempts+')'"
    ":''),'hold','recovering');\n"
    "if(o.paused){var p=o.paused,u=ms(p.until);\n"
    "tag(c,'PAUSED by uid '+p.by_uid+(u!=null?' until '+local(u)+' ('+rel(u)+')"
    "':', no end')+(p.comment?': '+p.comment:''),'hold','paused');}}\n"
    "function row(tb,kind,o,name){var tr=document.createElement('tr');\n"
    "tr.className=kind;tr.dataset.name=name;tr.dataset.state=sn(o);\n"
    "text(tr,'Name',name);var c=td(tr,'State');badge(c,sn(o),sn(o));flags(c,o);"
    "\n"
    "when(td(tr,'Since'),o.since);text(tr,'Message',o.message,'msg');tb.appendC"
    "hild(tr);}\n"
    "function clear(tb){while(tb.firstChild)tb.removeChild(tb.firstChild);}\n"
    "function alerts(j){var tb=document.querySelector('#alerts tbody');clear(tb"
    ");\n"
    "var a=j.alerts||{firing:[],outbox_depth:0};\n"
    "(a.firing||[]).forEach(function(x){var tr=document.createElement('tr');\n"
    "tr.className='alert';tr.dataset.name=x.monitor+'/'+x.target;\n"
    "text(tr,'Target',x.monitor+(x.target?'/'+x.target:''));text(tr,'Alert',x.a"
    "lertname);\n"
    "badge(td(tr,'Severity'),x.severity,x.severity);\n"
    "text(tr,'State',x.state+(x.level>1?' (L'+x.level+')':''));when(td(tr,'Sinc"
    "e'),x.since);\n"
    "tb.appendChild(tr);});$('outbox').textContent=String(a.outbox_depth);}\n"
    "function incidents(j){var tb=document.querySelector('#incidents tbody');cl"
    "ear(tb);\n"
    "(j.incidents||[]).forEach(function(r){var tr=document.createElement('tr');"
    "\n"
    "tr.className='incident';tr.dataset.kind=r.kind;when(td(tr,'When'),r.ts_ms)"
    ";\n"
    "text(tr,'What',KINDS[r.kind]||r.kind);\n"
    "text(tr,'Target',(r.monitor||'')+(r.target&&r.target!==r.monitor?'/'+r.tar"
    "get:''));\n"
    "text(tr,'Message',r.msg,'msg');tb.appendChild(tr);});\n"
    "if(!tb.firstChild){var tr=document.createElement('tr');\n"
    "text(tr,'',\"no incident recorded lately\");tb.appendChild(tr);}}\n"
    "function render(j){var n=ms(j.now);skew=n==null?0:Date.now()-n;\n"
    "var tb=document.querySelector('#monitors tbody');clear(tb);\n"
    "$('host').textContent=j.host||'?';document.title='redundancyd: '+(j.host||"
    "'?')+' '+sn(j);\n"
    "var ov=$('overall');ov.textContent=sn(j);ov.className='st '+sn(j);\n"
    "(j.monitors||[]).forEach(function(m){row(tb,'monitor',m,m.name);\n"
    "(m.targets||[]).forEach(function(t){row(tb,'target',t,t.name);});});\n"
    "(j.workers||[]).forEach(function(w){if(w.state==='running')return;\n"
    "var tr=document.createElement('tr');tr.className='worker';\n"
    "tr.dataset.name=w.name;tr.dataset.state=w.state;\n"
    "text(tr,'Name','plugin worker '+w.name);var c=td(tr,'State');\n"
    "badge(c,w.state==='quarantined'?'CRITICAL':'UNKNOWN',w.state==='quarantine"
    "d'?'CRITICAL':'UNKNOWN');\n"
    "tag(c,w.state==='quarantined'?'worker quarantined':w.state,'bad',w.state);"
    "\n"
    "text(tr,'Since','');text(tr,'Message',w.last_failure,'msg');tb.appendChild"
    "(tr);});\n"
    "alerts(j);incidents(j);\n"
    "$('updated').textContent='updated '+local(Date.now());\n"
    "var o=-new Date().getTimezoneOffset();\n"
    "$('tz').textContent='(times are local, UTC'+(o<0?'-':'+')+p2(Math.floor(Ma"
    "th.abs(o)/60))+':'+p2(Math.abs(o)%60)+')';\n"
    "$('err').textContent='';fit();}\n"
    "/* For the tests (and a curious operator): whether the page fits its\n"
    " * window, as an attribute a DOM dump shows. */\n"
    "function fit(){var e=document.documentElement;e.dataset.loaded='1';\n"
    "e.dataset.fits=e.scrollWidth<=window.innerWidth?'yes':'no';\n"
    "e.dataset.width=window.innerWidth+'/'+e.scrollWidth;}\n"
    "function ages(){var a=document.querySelectorAll('span.ago');\n"
    "for(var i=0;i<a.length;i++)a[i].textContent='('+rel(+a[i].dataset.t)+')';}"
    "\n"
    "function load(){fetch('/health',{cache:'no-store'})\n"
    ".then(function(r){return r.json();}).then(render)\n"
    ".catch(function(e){$('err').textContent='cannot reach the daemon: '+e;});}"
    "\n"
    "load();setInterval(load,5000);setInterval(ages,1000);\n"
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

/* ---- the request head ---- */

/* RFC 9110 token characters, for methods and header names. */
static int
httpd_tchar(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') ||
	       (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* The path of an origin-form or absolute-form target, without the query. */
static enum httpd_route
httpd_route(const char *t, size_t n)
{
	const char *p;
	size_t i;

	if (n > 7 && strncasecmp(t, "http://", 7) == 0)
		i = 7;
	else if (n > 8 && strncasecmp(t, "https://", 8) == 0)
		i = 8;
	else
		i = 0;
	if (i > 0) {
		/* Past the authority; "http://host" alone means "/". */
		if ((p = memchr(t + i, '/', n - i)) == NULL)
			return HTTPD_ROUTE_PAGE;
		n -= (size_t)(p - t);
		t = p;
	}
	if ((p = memchr(t, '?', n)) != NULL)
		n = (size_t)(p - t);
	if ((p = memchr(t, '#', n)) != NULL)
		n = (size_t)(p - t);
	if (n == 1 && t[0] == '/')
		return HTTPD_ROUTE_PAGE;
	if (n == 7 && memcmp(t, "/health", 7) == 0)
		return HTTPD_ROUTE_HEALTH;
	if (n == 8 && memcmp(t, "/metrics", 8) == 0)
		return HTTPD_ROUTE_METRICS;
	return HTTPD_ROUTE_NONE;
}

/* "METHOD SP TARGET SP HTTP/1.x", without its line end. */
static int
httpd_parse_line(const char *l, size_t n, struct httpd_head *h)
{
	size_t m, t;

	for (m = 0; m < n && httpd_tchar((unsigned char)l[m]); m++)
		;
	if (m == 0 || m >= n || l[m] != ' ')
		return -1;
	if (m == 3 && memcmp(l, "GET", 3) == 0)
		h->method = HTTPD_METHOD_GET;
	else if (m == 4 && memcmp(l, "HEAD", 4) == 0)
		h->method = HTTPD_METHOD_HEAD;
	else
		h->method = HTTPD_METHOD_OTHER;
	for (t = m + 1; t < n && l[t] > ' ' && l[t] < 0x7f; t++)
		;
	if (t == m + 1 || t >= n || l[t] != ' ')
		return -1;
	h->route = httpd_route(l + m + 1, t - m - 1);
	t++;
	if (n - t != 8 || memcmp(l + t, "HTTP/", 5) != 0 || l[t + 5] < '0' ||
	    l[t + 5] > '9' || l[t + 6] != '.' || l[t + 7] < '0' ||
	    l[t + 7] > '9')
		return -1;
	if (l[t + 5] != '1') {
		h->status = 505;
		return -1;
	}
	return 0;
}

/* "Name: value": headers are checked, none is needed. */
static int
httpd_parse_field(const char *l, size_t n)
{
	size_t i;

	for (i = 0; i < n && httpd_tchar((unsigned char)l[i]); i++)
		;
	if (i == 0 || i >= n || l[i] != ':')
		return -1;
	for (i++; i < n; i++)
		if (((unsigned char)l[i] < ' ' && l[i] != '\t') || l[i] == 0x7f)
			return -1;
	return 0;
}

int
httpd_parse_head(const char *buf, size_t len, struct httpd_head *h)
{
	const char *l, *nl;
	size_t off = 0, n;
	int first = 1;

	memset(h, 0, sizeof(*h));
	h->status = 400;
	for (;;) {
		l = buf + off;
		if ((nl = memchr(l, '\n', len - off)) == NULL)
			break;
		n = (size_t)(nl - l);
		off += n + 1;
		if (off > HTTPD_MAX_HEAD)
			break;
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (first && n == 0)
			continue; /* RFC 9112 2.2: a stray CRLF first */
		if (n == 0)
			return (int)off;
		if (memchr(l, '\r', n) != NULL || memchr(l, '\0', n) != NULL)
			return -1;
		if (first) {
			if (httpd_parse_line(l, n, h) == -1)
				return -1;
			first = 0;
		} else if (httpd_parse_field(l, n) == -1)
			return -1;
	}
	if (off > HTTPD_MAX_HEAD || len >= HTTPD_MAX_HEAD) {
		h->status = 431;
		return -1;
	}
	return 0;
}

/* ---- replies ---- */

static const char *
httpd_reason(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Internal Server Error";
	}
}

/* RFC 9110 IMF-fixdate, free of the locale. */
static void
httpd_date(char *buf, size_t len)
{
	static const char *const wd[] = {
	    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void httpd_conn_arm(struct httpd_conn *, int);

/*
 * Write the whole reply and stop reading. HEAD gets the headers GET would
 * get, Content-Length included, and no body. extra: more header lines,
 * each ending in CRLF.
 */
static void
httpd_send(struct httpd_conn *cn, int code, const char *ctype, const char *body,
    size_t len, const char *extra)
{
	struct evbuffer *out = bufferevent_get_output(cn->bev);
	char date[64];

	httpd_date(date, sizeof(date));
	evbuffer_add_printf(out,
	    "HTTP/1.1 %d %s\r\nDate: %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
	    "%sConnection: close\r\n\r\n",
	    code, httpd_reason(code), date, ctype, len,
	    extra != NULL ? extra : "");
	if (!cn->head)
		evbuffer_add(out, body, len);
	cn->state = HTTPD_WRITING;
	bufferevent_disable(cn->bev, EV_READ);
	httpd_conn_arm(cn, HTTPD_WRITE_S * 1000);
	bufferevent_enable(cn->bev, EV_WRITE);
}

static void
httpd_text(struct httpd_conn *cn, int code, const char *msg, const char *extra)
{
	httpd_send(
	    cn, code, "text/plain; charset=utf-8", msg, strlen(msg), extra);
}

static void
httpd_health(struct httpd_conn *cn)
{
	json_object *o;
	enum rdd_state st;
	const char *s;

	if ((o = engine_status_json(cn->hd->d, NULL)) == NULL) {
		s = "{\"ok\":false,\"error\":\"status unavailable\"}\n";
		httpd_send(cn, 503, "application/json", s, strlen(s), NULL);
		return;
	}
	st = engine_overall(cn->hd->d);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	httpd_send(cn, (st == RDD_OK || st == RDD_WARNING) ? 200 : 503,
	    "application/json", s, strlen(s), NULL);
	json_object_put(o);
}

static void
httpd_metrics(struct httpd_conn *cn)
{
	char *t;

	if ((t = engine_metrics_text(cn->hd->d)) == NULL) {
		httpd_text(cn, 503, "metrics unavailable\n", NULL);
		return;
	}
	httpd_send(cn, 200, "text/plain; version=0.0.4", t, strlen(t), NULL);
	free(t);
}

static void
httpd_dashboard(struct httpd_conn *cn)
{
	httpd_send(cn, 200, "text/html; charset=utf-8", httpd_page,
	    sizeof(httpd_page) - 1,
	    "Content-Security-Policy: default-src 'none'; script-src "
	    "'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
	    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: no-referrer\r\n");
}

static void
httpd_answer(struct httpd_conn *cn, const struct httpd_head *h)
{
	cn->head = h->method == HTTPD_METHOD_HEAD;
	if (h->route == HTTPD_ROUTE_NONE) {
		httpd_text(
		    cn, 404, "not found: try /, /health or /metrics\n", NULL);
		return;
	}
	if (h->method == HTTPD_METHOD_OTHER) {
		httpd_text(cn, 405, "method not allowed: use GET\n",
		    "Allow: GET, HEAD\r\n");
		return;
	}
	if (h->route == HTTPD_ROUTE_HEALTH)
		httpd_health(cn);
	else if (h->route == HTTPD_ROUTE_METRICS)
		httpd_metrics(cn);
	else
		httpd_dashboard(cn);
}

/* ---- connections ---- */

static void
httpd_conn_free(struct httpd_conn *cn)
{
	struct httpd *hd = cn->hd;

	event_free(cn->deadline);
	bufferevent_free(cn->bev);
	TAILQ_REMOVE(&hd->conns, cn, entry);
	hd->nconns--;
	free(cn);
}

/* Each state has one deadline, however slowly the peer trickles. */
static void
httpd_conn_arm(struct httpd_conn *cn, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(cn->deadline, &tv);
}

static void
httpd_conn_deadlinecb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd_conn *cn = arg;
	char msg[128];

	switch (cn->state) {
	case HTTPD_READING:
		limits_refused(&cn->hd->refused,
		    "dropped %s: no whole request head within %d s", cn->peer,
		    HTTPD_REQUEST_S);
		snprintf(msg, sizeof(msg),
		    "request timeout: send the whole request within %d s\n",
		    HTTPD_REQUEST_S);
		cn->head = 0;
		httpd_text(cn, 408, msg, NULL);
		break;
	case HTTPD_WRITING:
		limits_refused(&cn->hd->refused,
		    "dropped %s: did not read its reply within %d s", cn->peer,
		    HTTPD_WRITE_S);
		httpd_conn_free(cn);
		break;
	case HTTPD_LINGER:
		httpd_conn_free(cn);
		break;
	}
}

static void
httpd_conn_readcb(struct bufferevent *bev, void *arg)
{
	struct httpd_conn *cn = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct httpd_head h;
	size_t n = evbuffer_get_length(in);
	const char *msg;
	int rc;

	if (cn->state != HTTPD_READING || n == 0) {
		evbuffer_drain(in, n);
		return;
	}
	rc = httpd_parse_head((const char *)evbuffer_pullup(in, -1), n, &h);
	if (rc == 0)
		return;
	evbuffer_drain(in, n);
	if (rc > 0) {
		httpd_answer(cn, &h);
		return;
	}
	cn->head = h.method == HTTPD_METHOD_HEAD;
	if (h.status == 431)
		msg = "request head too large: at most 8192 bytes\n";
	else if (h.status == 505)
		msg = "HTTP/1.x only\n";
	else
		msg = "bad request: send \"GET /health HTTP/1.1\"\n";
	httpd_text(cn, h.status, msg, NULL);
}

/*
 * The reply is out: shut our side and read what the peer still sends, so
 * unread bytes do not turn the close into a reset that loses the reply.
 */
static void
httpd_conn_writecb(struct bufferevent *bev, void *arg)
{
	struct httpd_conn *cn = arg;

	if (cn->state != HTTPD_WRITING)
		return;
	cn->state = HTTPD_LINGER;
	shutdown(bufferevent_getfd(bev), SHUT_WR);
	httpd_conn_arm(cn, HTTPD_LINGER_MS);
	bufferevent_enable(bev, EV_READ);
}

static void
httpd_conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	httpd_conn_free(arg);
}

/* "127.0.0.1:4242" or "[::1]:4242", for the log. */
static void
httpd_peer_name(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET &&
	    evutil_inet_ntop(AF_INET,
	        &((const struct sockaddr_in *)sa)->sin_addr, a,
	        sizeof(a)) != NULL)
		snprintf(buf, len, "%s:%u", a,
		    ntohs(((const struct sockaddr_in *)sa)->sin_port));
	else if (sa->sa_family == AF_INET6 &&
	         evutil_inet_ntop(AF_INET6,
	             &((const struct sockaddr_in6 *)sa)->sin6_addr, a,
	             sizeof(a)) != NULL)
		snprintf(buf, len, "[%s]:%u", a,
		    ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
	else
		snprintf(buf, len, "(unknown address)");
}

/* Beyond the cap: a 503 in one try, then closed; no slot is used. */
static void
httpd_refuse(struct httpd *hd, int fd, const char *peer)
{
	static const char body[] =
	    "busy: too many connections: try again later\n";
	char msg[256];
	ssize_t n;
	int len;

	limits_refused(&hd->refused,
	    "refused %s: %zu connections open, the limit", peer, hd->nconns);
	len = snprintf(msg, sizeof(msg),
	    "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nRetry-After: 10\r\n"
	    "Connection: close\r\n\r\n%s",
	    sizeof(body) - 1, body);
	n = send(fd, msg, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)n;
	close(fd);
}

static void
httpd_acceptcb(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct httpd *hd = arg;
	struct httpd_conn *cn;
	char peer[sizeof(cn->peer)];

	httpd_peer_name(sa, peer, sizeof(peer));
	if (hd->nconns >= hd->max) {
		httpd_refuse(hd, fd, peer);
		return;
	}
	if ((cn = calloc(1, sizeof(*cn))) == NULL) {
		close(fd);
		return;
	}
	cn->hd = hd;
	memcpy(cn->peer, peer, sizeof(peer));
	cn->bev =
	    bufferevent_socket_new(hd->d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	cn->deadline = evtimer_new(hd->d->base, httpd_conn_deadlinecb, cn);
	if (cn->bev == NULL || cn->deadline == NULL) {
		if (cn->bev != NULL)
			bufferevent_free(cn->bev);
		else
			close(fd);
		if (cn->deadline != NULL)
			event_free(cn->deadline);
		free(cn);
		return;
	}
	TAILQ_INSERT_TAIL(&hd->conns, cn, entry);
	hd->nconns++;
	bufferevent_setcb(cn->bev, httpd_conn_readcb, httpd_conn_writecb,
	    httpd_conn_eventcb, cn);
	/* A head that does not fit is refused: never more is buffered. */
	bufferevent_setwatermark(cn->bev, EV_READ, 0, HTTPD_MAX_HEAD);
	cn->state = HTTPD_READING;
	httpd_conn_arm(cn, HTTPD_REQUEST_S * 1000);
	bufferevent_enable(cn->bev, EV_READ);
}

static void
httpd_resumecb(evutil_socket_t fd, short what, void *arg)
{
	struct httpd *hd = arg;

	evconnlistener_enable(hd->lis);
}

/* accept() failed (no fds left): pause instead of spinning on the fd. */
static void
httpd_listen_errorcb(struct evconnlistener *lis, void *arg)
{
	struct httpd *hd = arg;

	limits_accept_failed(lis, hd->resume, &hd->refused);
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
	    limits_log_init(&hd->refused, d->base, "http") == -1 ||
	    (hd->resume = evtimer_new(d->base, httpd_resumecb, hd)) == NULL) {
		httpd_seterr(err, errlen, "http.listen %s: out of memory",
		    listen);
		goto fail;
	}
	hd->d = d;
	TAILQ_INIT(&hd->conns);
	hd->max = limits_cap(HTTPD_MAX_CONNS, HTTPD_FD_SHARE, HTTPD_MIN_CONNS);
	limits_spare_reserve();
	hd->lis = evconnlistener_new_bind(d->base, httpd_acceptcb, hd,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    64, (struct sockaddr *)&ss, len);
	if (hd->lis == NULL) {
		httpd_seterr(err, errlen, "http.listen %s: cannot listen: %s: "
		    "choose another address or port", listen,
		    strerror(errno));
		goto fail;
	}
	evconnlistener_set_error_cb(hd->lis, httpd_listen_errorcb);
	sl = sizeof(ss);
	if (getsockname(evconnlistener_get_fd(hd->lis), (struct sockaddr *)&ss,
	        &sl) == 0)
		hd->port = ntohs(ss.ss_family == AF_INET
		                     ? ((struct sockaddr_in *)&ss)->sin_port
		                     : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return hd;
fail:
	httpd_free(hd);
	return NULL;
}

int
httpd_port(const struct httpd *h)
{
	return h != NULL ? h->port : 0;
}

void
httpd_free(struct httpd *h)
{
	struct httpd_conn *cn;

	if (h == NULL)
		return;
	while ((cn = TAILQ_FIRST(&h->conns)) != NULL)
		httpd_conn_free(cn);
	if (h->lis != NULL)
		evconnlistener_free(h->lis);
	if (h->resume != NULL)
		event_free(h->resume);
	limits_log_free(&h->refused);
	free(h);
}
