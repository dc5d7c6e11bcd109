/*
 * control.c: the control socket: a Unix stream socket speaking JSON lines,
 * its permissions and peer checks, request parsing and reply delivery.
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
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <json-c/json.h>

#include "rdd.h"

#define CONTROL_MAX_LINE 65536		/* bytes per request line */
#define CONTROL_MAX_CONNS 64		/* simultaneous clients, at most */
#define CONTROL_FD_SHARE 8		/* ...and RLIMIT_NOFILE / 8 */
#define CONTROL_MIN_CONNS 8		/* ...but never fewer */
#define CONTROL_MAX_OUTPUT (4 << 20)	/* unread output before a drop */
#define CONTROL_MAX_ARGS 32
#define CONTROL_REQUEST_S 10		/* to send each whole request line */
#define CONTROL_FLUSH_S 10		/* last words to a closing client */

struct control_conn;

struct control_req {
	struct control_conn *conn;	/* NULL once the client is gone */
	int streamed;			/* control_stream or _send was used */
};

struct control_conn {
	TAILQ_ENTRY(control_conn) entry;
	struct control *c;
	struct bufferevent *bev;
	struct event *kick;		/* resume reading or finish closing */
	struct event *deadline;		/* the request line must be whole */
	long uid;
	struct control_req *req;	/* in progress, at most one */
	int closing;			/* close once the output is written */
	int eof;			/* the client shut its write side */
};

TAILQ_HEAD(control_conns, control_conn);

struct control {
	struct event_base *base;
	char *path;
	dev_t dev;			/* of the socket we bound, so we */
	ino_t ino;			/* never unlink a successor's */
	int has_group;
	gid_t gid;
	control_handler h;
	void *arg;
	struct evconnlistener *lis;
	struct event *relisten;		/* after accept() failed (EMFILE) */
	struct control_conns conns;
	size_t nconns;
	size_t max;			/* connections at most */
	size_t reserve;			/* of max, kept for the owner and root */
	struct limits_log refused;	/* refused and dropped peers */
	int dispatching;		/* inside the handler */
	int free_pending;		/* control_free during the handler */
};

static const char *const control_cmds[] = {"status", "health", "logs",
    "recover", "reload", "history", "stop", "run", "ping", "unquarantine",
    "alerts", "ack", "silence", "pause", "resume", "alert-test",
    "config-history", "config-diff", "config-rollback", NULL};

static void control_conn_process(struct control_conn *);

static void
control_seterr(char *err, size_t errlen, const char *fmt, ...)
    RDD_PRINTF(3, 4);

static void
control_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- request parsing ---- */

static int
control_check_string(json_object *o, const char *name, char *err,
    size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		control_seterr(err, errlen,
		    "request: field '%s' must be a string", name);
		return -1;
	}
	if (json_object_get_string_len(v) == 0) {
		control_seterr(err, errlen,
		    "request: field '%s' must not be empty", name);
		return -1;
	}
	return 0;
}

static int
control_check_int(json_object *o, const char *name, char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int)) {
		control_seterr(err, errlen,
		    "request: field '%s' must be an integer", name);
		return -1;
	}
	if (json_object_get_int64(v) < 0) {
		control_seterr(err, errlen,
		    "request: field '%s' must not be negative", name);
		return -1;
	}
	return 0;
}

static int
control_check_bool(json_object *o, const char *name, char *err, size_t errlen)
{
	json_object *v;

	if (json_object_object_get_ex(o, name, &v) && v != NULL &&
	    !json_object_is_type(v, json_type_boolean)) {
		control_seterr(err, errlen,
		    "request: field '%s' must be true or false", name);
		return -1;
	}
	return 0;
}

static int
control_check_fields(json_object *o, const char *cmd, char *err,
    size_t errlen)
{
	json_object *v;
	size_t i, n;

	if (control_check_string(o, "monitor", err, errlen) == -1 ||
	    control_check_string(o, "target", err, errlen) == -1 ||
	    control_check_string(o, "worker", err, errlen) == -1 ||
	    control_check_string(o, "receiver", err, errlen) == -1 ||
	    control_check_int(o, "count", err, errlen) == -1 ||
	    control_check_int(o, "lines", err, errlen) == -1 ||
	    control_check_int(o, "since_ms", err, errlen) == -1 ||
	    control_check_int(o, "timeout_ms", err, errlen) == -1 ||
	    control_check_bool(o, "follow", err, errlen) == -1 ||
	    control_check_bool(o, "force", err, errlen) == -1 ||
	    control_check_bool(o, "wait", err, errlen) == -1 ||
	    control_check_string(o, "comment", err, errlen) == -1 ||
	    control_check_string(o, "for", err, errlen) == -1 ||
	    control_check_int(o, "remove", err, errlen) == -1 ||
	    control_check_int(o, "n", err, errlen) == -1)
		return -1;
	if (json_object_object_get_ex(o, "args", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_array)) {
			control_seterr(err, errlen,
			    "request: field 'args' must be an array of "
			    "strings");
			return -1;
		}
		n = json_object_array_length(v);
		if (n > CONTROL_MAX_ARGS) {
			control_seterr(err, errlen,
			    "request: field 'args' has %zu elements: at most "
			    "%d are allowed", n, CONTROL_MAX_ARGS);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (!json_object_is_type(json_object_array_get_idx(v,
			    i), json_type_string)) {
				control_seterr(err, errlen,
				    "request: field 'args' element %zu must "
				    "be a string", i);
				return -1;
			}
		}
	}
	if ((strcmp(cmd, "recover") == 0 || strcmp(cmd, "run") == 0) &&
	    (!json_object_object_get_ex(o, "monitor", &v) || v == NULL)) {
		control_seterr(err, errlen,
		    "request: cmd '%s' needs the field 'monitor'", cmd);
		return -1;
	}
	if (strcmp(cmd, "unquarantine") == 0 &&
	    (!json_object_object_get_ex(o, "worker", &v) || v == NULL)) {
		control_seterr(err, errlen, "request: cmd 'unquarantine' "
		    "needs the field 'worker' (a name from status)");
		return -1;
	}
	if (strcmp(cmd, "run") == 0 &&
	    (!json_object_object_get_ex(o, "args", &v) || v == NULL ||
	    json_object_array_length(v) == 0)) {
		control_seterr(err, errlen,
		    "request: cmd 'run' needs 'args' with the workflow "
		    "first, like [\"deploy.yml\"]");
		return -1;
	}
	return 0;
}

void *
control_parse(const char *line, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	json_object *o, *v;
	const char *cmd;
	size_t end, i;

	if (len > CONTROL_MAX_LINE) {
		control_seterr(err, errlen, "request larger than %d bytes",
		    CONTROL_MAX_LINE);
		return NULL;
	}
	if (len > 0 && memchr(line, '\0', len) != NULL) {
		control_seterr(err, errlen,
		    "request: NUL byte in the request line");
		return NULL;
	}
	if ((tok = json_tokener_new_ex(16)) == NULL) {
		control_seterr(err, errlen, "request: out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	/* A bare number at the end stays open; a space closes it. */
	end = json_tokener_get_parse_end(tok);
	if (o == NULL && jerr == json_tokener_continue) {
		o = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	if (o == NULL) {
		if (jerr == json_tokener_continue ||
		    jerr == json_tokener_success)
			control_seterr(err, errlen,
			    "request: incomplete JSON: send one whole object "
			    "per line");
		else
			control_seterr(err, errlen,
			    "request: invalid JSON near byte %zu: %s", end,
			    json_tokener_error_desc(jerr));
		return NULL;
	}
	for (i = end; i < len; i++) {
		if (strchr(" \t\r\n", line[i]) == NULL) {
			control_seterr(err, errlen,
			    "request: unexpected data after the JSON object at "
			    "byte %zu: send one object per line", i);
			json_object_put(o);
			return NULL;
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		control_seterr(err, errlen,
		    "request: expected a JSON object like "
		    "{\"cmd\":\"status\"}");
		json_object_put(o);
		return NULL;
	}
	if (!json_object_object_get_ex(o, "cmd", &v) || v == NULL) {
		control_seterr(err, errlen,
		    "request: field 'cmd' is required, like "
		    "{\"cmd\":\"status\"}");
		json_object_put(o);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		control_seterr(err, errlen,
		    "request: field 'cmd' must be a string");
		json_object_put(o);
		return NULL;
	}
	cmd = json_object_get_string(v);
	for (i = 0; control_cmds[i] != NULL; i++)
		if (strcmp(cmd, control_cmds[i]) == 0)
			break;
	if (control_cmds[i] == NULL) {
		control_seterr(err, errlen,
		    "request: unknown cmd '%.64s': expected one of status, "
		    "health, logs, recover, reload, history, stop, run, ping, "
		    "unquarantine, alerts, ack, silence, pause, resume, "
		    "alert-test, "
		    "config-history, config-diff, config-rollback",
		    cmd);
		json_object_put(o);
		return NULL;
	}
	if (control_check_fields(o, cmd, err, errlen) == -1) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* ---- connections ---- */

static void
control_conn_free(struct control_conn *cn)
{
	struct control *c = cn->c;

	if (cn->req != NULL)
		cn->req->conn = NULL;
	event_free(cn->kick);
	event_free(cn->deadline);
	bufferevent_free(cn->bev);
	TAILQ_REMOVE(&c->conns, cn, entry);
	c->nconns--;
	free(cn);
}

/* Write one JSON object and its newline; ownership of o stays with caller. */
static void
control_conn_write(struct control_conn *cn, json_object *o)
{
	const char *s;

	if (cn->closing)
		return;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL)
		s = "{\"ok\":false,\"error\":\"reply could not be encoded\"}";
	bufferevent_write(cn->bev, s, strlen(s));
	bufferevent_write(cn->bev, "\n", 1);
}

static void
control_conn_error(struct control_conn *cn, const char *msg)
{
	json_object *o;

	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	control_conn_write(cn, o);
	json_object_put(o);
}

/*
 * Stop reading and close once the output is written. The free happens from
 * the kick event or the write callback, never inside the caller's stack.
 */
static void
control_conn_close_later(struct control_conn *cn)
{
	struct timeval tv = { CONTROL_FLUSH_S, 0 };

	cn->closing = 1;
	if (cn->req != NULL) {
		cn->req->conn = NULL;
		cn->req = NULL;
	}
	bufferevent_disable(cn->bev, EV_READ);
	bufferevent_set_timeouts(cn->bev, NULL, &tv);
	evtimer_del(cn->deadline);
	event_active(cn->kick, EV_TIMEOUT, 0);
}

/*
 * Waiting for a request: the whole line must arrive within
 * CONTROL_REQUEST_S. A read timeout would restart at every byte, and a peer
 * that trickles one byte now and then would hold its slot for ever.
 */
static void
control_conn_deadline(struct control_conn *cn, int on)
{
	struct timeval tv = {CONTROL_REQUEST_S, 0};

	if (on)
		evtimer_add(cn->deadline, &tv);
	else
		evtimer_del(cn->deadline);
}

static void
control_conn_deadlinecb(evutil_socket_t fd, short what, void *arg)
{
	struct control_conn *cn = arg;
	char msg[160];

	if (cn->closing || cn->req != NULL)
		return;
	limits_refused(&cn->c->refused,
	    "dropped uid %ld: no whole request line within %d s", cn->uid,
	    CONTROL_REQUEST_S);
	snprintf(msg, sizeof(msg),
	    "no whole request line within %d s: send one JSON object and a "
	    "newline at once",
	    CONTROL_REQUEST_S);
	control_conn_error(cn, msg);
	control_conn_close_later(cn);
}

static json_object *
control_pong(void)
{
	json_object *o;

	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "pong", json_object_new_boolean(1));
	json_object_object_add(o, "pid", json_object_new_int64(getpid()));
#ifdef PACKAGE_VERSION
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
#endif
	return o;
}

static void
control_free_now(struct control *c)
{
	struct control_conn *cn;
	struct evbuffer *out;
	struct stat st;
	size_t n;

	while ((cn = TAILQ_FIRST(&c->conns)) != NULL) {
		/* One non-blocking try, so "stop" gets its reply out. */
		out = bufferevent_get_output(cn->bev);
		if ((n = evbuffer_get_length(out)) > 0 && n <= 65536)
			(void)send(bufferevent_getfd(cn->bev),
			    evbuffer_pullup(out, -1), n,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
		control_conn_free(cn);
	}
	if (c->lis != NULL)
		evconnlistener_free(c->lis);
	if (c->relisten != NULL)
		event_free(c->relisten);
	limits_log_free(&c->refused);
	if (c->path != NULL && lstat(c->path, &st) == 0 &&
	    S_ISSOCK(st.st_mode) && st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	free(c->path);
	free(c);
}

/*
 * Run one request line. Returns -1 when the control was freed from inside
 * the handler: the caller must not touch cn or c again.
 */
static int
control_conn_dispatch(struct control_conn *cn, const char *line, size_t len)
{
	struct control *c = cn->c;
	struct control_req *r;
	json_object *req, *cmd, *reply;
	char err[RDD_ERRLEN];

	if ((req = control_parse(line, len, err, sizeof(err))) == NULL) {
		control_conn_error(cn, err);
		return 0;
	}
	json_object_object_get_ex(req, "cmd", &cmd);
	if (strcmp(json_object_get_string(cmd), "ping") == 0) {
		reply = control_pong();
		control_conn_write(cn, reply);
		json_object_put(reply);
		json_object_put(req);
		return 0;
	}
	if (c->h == NULL || (r = calloc(1, sizeof(*r))) == NULL) {
		control_conn_error(cn, c->h == NULL ?
		    "control: no handler installed" : "control: out of memory");
		json_object_put(req);
		return 0;
	}
	r->conn = cn;
	cn->req = r;
	control_conn_deadline(cn, 0);
	c->dispatching++;
	reply = c->h(c->arg, r, req, cn->uid);
	c->dispatching--;
	json_object_put(req);
	/* r may be gone here: the handler may have replied already. */
	if (reply != NULL)
		control_reply(r, reply);
	if (c->free_pending && c->dispatching == 0) {
		control_free_now(c);
		return -1;
	}
	return 0;
}

static void
control_conn_process(struct control_conn *cn)
{
	struct evbuffer *in = bufferevent_get_input(cn->bev);
	char *line;
	size_t n;

	while (!cn->closing && cn->req == NULL) {
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
		if (line == NULL) {
			n = evbuffer_get_length(in);
			if (n > CONTROL_MAX_LINE)
				goto oversized;
			if (n == 0 || !cn->eof)
				break;
			/* The client's last line lacks its newline. */
			if ((line = malloc(n + 1)) == NULL)
				break;
			evbuffer_remove(in, line, n);
			line[n] = '\0';
		}
		if (n > CONTROL_MAX_LINE) {
			free(line);
			goto oversized;
		}
		if (strspn(line, " \t\r") == n) {
			free(line);
			continue;
		}
		if (control_conn_dispatch(cn, line, n) == -1) {
			free(line);
			return;
		}
		free(line);
	}
	if (cn->eof && !cn->closing && cn->req == NULL)
		control_conn_close_later(cn);
	return;
oversized:
	control_conn_error(cn, "request larger than 65536 bytes");
	evbuffer_drain(in, evbuffer_get_length(in));
	control_conn_close_later(cn);
}

static void
control_conn_readcb(struct bufferevent *bev, void *arg)
{
	struct control_conn *cn = arg;

	if (cn->closing) {
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
		return;
	}
	control_conn_process(cn);
}

static void
control_conn_writecb(struct bufferevent *bev, void *arg)
{
	struct control_conn *cn = arg;

	if (cn->closing && evbuffer_get_length(bufferevent_get_output(bev)) ==
	    0)
		control_conn_free(cn);
}

static void
control_conn_kickcb(evutil_socket_t fd, short what, void *arg)
{
	struct control_conn *cn = arg;

	if (cn->closing)
		control_conn_writecb(cn->bev, cn);
	else
		control_conn_process(cn);
}

static void
control_conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct control_conn *cn = arg;

	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		/*
		 * A half-close (echo ... | nc -U) still wants its reply, but
		 * nobody reads a stream after shutting down: drop it.
		 */
		cn->eof = 1;
		bufferevent_disable(bev, EV_READ);
		if (cn->req != NULL && cn->req->streamed) {
			control_conn_free(cn);
			return;
		}
		if (!cn->closing)
			control_conn_process(cn);
		return;
	}
	control_conn_free(cn);
}

/* ---- peer credentials ---- */

static int
control_peer_in_group(struct control *c, int fd, const struct ucred *uc)
{
	struct passwd pw, *pwp;
	gid_t groups[256];
	char buf[4096];
	socklen_t len;
	int i, ng;

	if (uc->gid == c->gid)
		return 1;
#ifdef SO_PEERGROUPS
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
		for (i = 0; i < (int)(len / sizeof(gid_t)); i++)
			if (groups[i] == c->gid)
				return 1;
		return 0;
	}
#endif
	(void)len;
	/* Older kernels: ask the user database. */
	if (getpwuid_r(uc->uid, &pw, buf, sizeof(buf), &pwp) != 0 ||
	    pwp == NULL)
		return 0;
	ng = (int)(sizeof(groups) / sizeof(groups[0]));
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ng) == -1)
		return 0;
	for (i = 0; i < ng; i++)
		if (groups[i] == c->gid)
			return 1;
	return 0;
}

static int
control_peer_owner(long uid)
{
	return uid == 0 || uid == (long)geteuid();
}

/* Returns 1 when the peer may talk to us; fills *uid either way. */
static int
control_peer_allowed(struct control *c, int fd, long *uid)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	*uid = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return 0;
	*uid = (long)uc.uid;
	if (control_peer_owner(*uid))
		return 1;
	return c->has_group && control_peer_in_group(c, fd, &uc);
}

/* ---- listener ---- */

static void
control_send_and_close(int fd, const char *msg)
{
	ssize_t n;

	n = send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)n;
	close(fd);
}

/* Its last words in one try, then gone: no slot is held for a flush. */
static void
control_conn_drop(struct control_conn *cn, const char *msg)
{
	struct evbuffer *out = bufferevent_get_output(cn->bev);
	ssize_t n;

	if (evbuffer_get_length(out) == 0) {
		n = send(bufferevent_getfd(cn->bev), msg, strlen(msg),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)n;
	}
	control_conn_free(cn);
}

/* The oldest connection that is not working on a request. */
static struct control_conn *
control_idlest(struct control *c)
{
	struct control_conn *cn;

	TAILQ_FOREACH(cn, &c->conns, entry) {
		if (cn->req == NULL)
			return cn;
	}
	return NULL;
}

/*
 * Room for one more peer? Others may use all but the reserve; the owner
 * and root may use the reserve, and when even that is full the oldest idle
 * connection makes way, so a flood of idle clients (even the owner's own)
 * cannot lock the operator out.
 */
static int
control_admit(struct control *c, long uid, int owner)
{
	struct control_conn *old;

	if (c->nconns + c->reserve < c->max)
		return 0;
	if (!owner) {
		limits_refused(&c->refused,
		    "refused uid %ld: %zu connections open, the last %zu of "
		    "%zu are kept for the owner and root",
		    uid, c->nconns, c->reserve, c->max);
		return -1;
	}
	if (c->nconns < c->max)
		return 0;
	if ((old = control_idlest(c)) == NULL) {
		limits_refused(&c->refused,
		    "refused uid %ld: all %zu connections are working on "
		    "requests",
		    uid, c->nconns);
		return -1;
	}
	limits_refused(&c->refused,
	    "closed an idle connection of uid %ld to admit uid %ld: %zu "
	    "connections open, the limit",
	    old->uid, uid, c->nconns);
	control_conn_drop(old,
	    "{\"ok\":false,\"error\":\"connection closed: the control "
	    "socket is full and this one was idle\"}\n");
	return 0;
}

static void
control_acceptcb(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control *c = arg;
	struct control_conn *cn;
	char msg[128];
	long uid;
	int allowed;

	allowed = control_peer_allowed(c, fd, &uid);
	if (control_admit(c, uid, allowed && control_peer_owner(uid)) == -1) {
		control_send_and_close(fd, "{\"ok\":false,\"error\":\"too many "
		    "control connections: try again later\"}\n");
		return;
	}
	if ((cn = calloc(1, sizeof(*cn))) == NULL) {
		close(fd);
		return;
	}
	cn->c = c;
	cn->uid = uid;
	cn->bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	/* A status reply at 1,000 targets is 400 KB: not 16 KB per pass. */
	if (cn->bev != NULL)
		bufferevent_set_max_single_write(cn->bev, 1 << 20);
	cn->kick = event_new(c->base, -1, 0, control_conn_kickcb, cn);
	cn->deadline = evtimer_new(c->base, control_conn_deadlinecb, cn);
	if (cn->bev == NULL || cn->kick == NULL || cn->deadline == NULL) {
		if (cn->bev != NULL)
			bufferevent_free(cn->bev);
		else
			close(fd);
		if (cn->kick != NULL)
			event_free(cn->kick);
		if (cn->deadline != NULL)
			event_free(cn->deadline);
		free(cn);
		return;
	}
	TAILQ_INSERT_TAIL(&c->conns, cn, entry);
	c->nconns++;
	bufferevent_setcb(cn->bev, control_conn_readcb, control_conn_writecb,
	    control_conn_eventcb, cn);
	/* Bounded input while a request is in progress. */
	bufferevent_setwatermark(cn->bev, EV_READ, 0, 2 * CONTROL_MAX_LINE);
	if (!allowed) {
		limits_refused(&c->refused,
		    "refused uid %ld: not the owner, root or a member of "
		    "control_group",
		    uid);
		if (uid == -1)
			snprintf(msg, sizeof(msg), "permission denied: peer "
			    "credentials unavailable");
		else
			snprintf(msg, sizeof(msg), "permission denied for uid "
			    "%ld", uid);
		control_conn_error(cn, msg);
		control_conn_close_later(cn);
		return;
	}
	control_conn_deadline(cn, 1);
	bufferevent_enable(cn->bev, EV_READ | EV_WRITE);
}

static void
control_relistencb(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;

	evconnlistener_enable(c->lis);
}

/* accept() failed (no fds left): pause instead of spinning on the fd. */
static void
control_listen_errorcb(struct evconnlistener *lis, void *arg)
{
	struct control *c = arg;

	limits_accept_failed(lis, c->relisten, &c->refused);
}

/*
 * A socket file left by a daemon that died may be removed; one somebody
 * answers on must not be.
 */
static int
control_clear_stale(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, rc, e;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		control_seterr(err, errlen, "%s: %s: fix the path or its "
		    "directory's permissions", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		control_seterr(err, errlen, "%s: exists and is not a socket: "
		    "remove it or use another control_socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		control_seterr(err, errlen, "%s: socket: %s", path,
		    strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	close(fd);
	if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
		control_seterr(err, errlen, "%s: another redundancyd is "
		    "listening: stop it or use another control_socket", path);
		return -1;
	}
	if (e != ECONNREFUSED) {
		control_seterr(err, errlen, "%s: cannot check the existing "
		    "socket: %s: remove it or use another control_socket",
		    path, strerror(e));
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		control_seterr(err, errlen, "%s: cannot remove the stale "
		    "socket: %s: remove it by hand", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
control_lookup_group(struct control *c, const char *group, char *err,
    size_t errlen)
{
	struct group gr, *grp;
	char buf[8192], *end;
	unsigned long n;
	int rc;

	rc = getgrnam_r(group, &gr, buf, sizeof(buf), &grp);
	if (rc == 0 && grp != NULL) {
		c->gid = gr.gr_gid;
		c->has_group = 1;
		return 0;
	}
	errno = 0;
	n = strtoul(group, &end, 10);
	if (*group != '\0' && *end == '\0' && errno == 0 &&
	    n < (unsigned long)(gid_t)-1) {
		c->gid = (gid_t)n;
		c->has_group = 1;
		return 0;
	}
	control_seterr(err, errlen, "control_group '%s': no such group: "
	    "create it or remove control_group", group);
	return -1;
}

struct control *
control_new(struct event_base *base, const char *path, const char *group,
    control_handler h, void *arg, char *err, size_t errlen)
{
	struct control *c;
	struct sockaddr_un sun;
	struct stat st;
	mode_t omask;
	int fd, rc, e;

	if (path == NULL || *path == '\0') {
		control_seterr(err, errlen, "control_socket: empty path: set "
		    "it to a path like " "/run/redundancyd/control.sock");
		return NULL;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		control_seterr(err, errlen, "control_socket %s: longer than "
		    "%zu bytes: choose a shorter path", path,
		    sizeof(sun.sun_path) - 1);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->path = strdup(path)) == NULL) {
		free(c);
		control_seterr(err, errlen, "control_socket: out of memory");
		return NULL;
	}
	c->base = base;
	c->h = h;
	c->arg = arg;
	TAILQ_INIT(&c->conns);
	c->max =
	    limits_cap(CONTROL_MAX_CONNS, CONTROL_FD_SHARE, CONTROL_MIN_CONNS);
	c->reserve = c->max / 8 < 2 ? 2 : c->max / 8;
	limits_spare_reserve();
	if (limits_log_init(&c->refused, base, "control") == -1) {
		control_seterr(err, errlen, "control_socket: out of memory");
		goto fail;
	}
	if (group != NULL && *group != '\0' &&
	    control_lookup_group(c, group, err, errlen) == -1)
		goto fail;
	if (control_clear_stale(path, err, errlen) == -1)
		goto fail;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		control_seterr(err, errlen, "%s: socket: %s", path,
		    strerror(errno));
		goto fail;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* The mode is set by bind itself: there is no window at 0666. */
	omask = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	umask(omask);
	if (rc == -1) {
		control_seterr(err, errlen, "%s: bind: %s: create the "
		    "directory or use another control_socket", path,
		    strerror(e));
		close(fd);
		goto fail;
	}
	if (lstat(path, &st) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	if (c->has_group && (chown(path, (uid_t)-1, c->gid) == -1 ||
	    chmod(path, 0660) == -1)) {
		control_seterr(err, errlen, "%s: cannot give it to group '%s': "
		    "%s: run as root or as a member of the group", path,
		    group, strerror(errno));
		close(fd);
		unlink(path);
		goto fail;
	}
	c->relisten = evtimer_new(base, control_relistencb, c);
	c->lis = evconnlistener_new(base, control_acceptcb, c,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 64, fd);
	if (c->lis == NULL || c->relisten == NULL) {
		control_seterr(err, errlen, "%s: listen: %s", path,
		    strerror(errno));
		if (c->lis == NULL)
			close(fd);
		unlink(path);
		goto fail;
	}
	evconnlistener_set_error_cb(c->lis, control_listen_errorcb);
	return c;
fail:
	limits_log_free(&c->refused);
	if (c->relisten != NULL)
		event_free(c->relisten);
	if (c->lis != NULL)
		evconnlistener_free(c->lis);
	free(c->path);
	free(c);
	return NULL;
}

void
control_free(struct control *c)
{
	if (c == NULL)
		return;
	if (c->dispatching) {
		/* Called from the handler: finish when it returns. */
		c->free_pending = 1;
		return;
	}
	control_free_now(c);
}

/* ---- replies and streams ---- */

/* The request is answered: the connection reads its next line. */
static void
control_finish(struct control_req *r)
{
	struct control_conn *cn = r->conn;

	if (cn != NULL) {
		cn->req = NULL;
		if (cn->eof) {
			control_conn_close_later(cn);
		} else {
			control_conn_deadline(cn, 1);
			/* Lines that arrived meanwhile wait in the buffer. */
			event_active(cn->kick, EV_TIMEOUT, 0);
		}
	}
	free(r);
}

void
control_reply(struct control_req *r, void *reply)
{
	if (r == NULL) {
		if (reply != NULL)
			json_object_put(reply);
		return;
	}
	if (r->conn != NULL) {
		if (reply != NULL)
			control_conn_write(r->conn, reply);
		else
			control_conn_error(r->conn, "internal error: empty reply");
	}
	if (reply != NULL)
		json_object_put(reply);
	control_finish(r);
}

void
control_reply_text(struct control_req *r, const char *text)
{
	if (r == NULL)
		return;
	if (r->conn != NULL) {
		if (text != NULL)
			control_stream(r, text);
		else
			control_conn_error(r->conn, "internal error: empty reply");
	}
	control_finish(r);
}

/* A client that reads nothing must not grow our memory without bound. */
static int
control_stream_ok(struct control_req *r)
{
	struct control_conn *cn = r->conn;
	struct evbuffer *out;

	if (cn == NULL || cn->closing)
		return 0;
	out = bufferevent_get_output(cn->bev);
	if (evbuffer_get_length(out) > CONTROL_MAX_OUTPUT) {
		evbuffer_drain(out, evbuffer_get_length(out));
		control_conn_close_later(cn);
		return 0;
	}
	return 1;
}

void
control_send(struct control_req *r, void *obj)
{
	if (r != NULL && obj != NULL && control_stream_ok(r)) {
		r->streamed = 1;
		control_conn_write(r->conn, obj);
	}
	if (obj != NULL)
		json_object_put(obj);
}

void
control_stream(struct control_req *r, const char *line)
{
	struct control_conn *cn;
	const char *p;
	size_t n;

	if (r == NULL || line == NULL || !control_stream_ok(r))
		return;
	cn = r->conn;
	r->streamed = 1;
	/* A stray newline would split one message into two for the client. */
	for (p = line; *p != '\0'; p += n) {
		n = strcspn(p, "\r\n");
		bufferevent_write(cn->bev, p, n);
		if (p[n] != '\0') {
			bufferevent_write(cn->bev, " ", 1);
			n++;
		}
	}
	bufferevent_write(cn->bev, "\n", 1);
}

void
control_end(struct control_req *r)
{
	if (r == NULL)
		return;
	if (r->conn != NULL) {
		r->conn->req = NULL;
		control_conn_close_later(r->conn);
	}
	free(r);
}

int
control_req_alive(struct control_req *r)
{
	return r != NULL && r->conn != NULL && !r->conn->closing;
}
