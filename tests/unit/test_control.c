/*
 * test_control.c: the control socket server: parsing, replies now and later,
 * streams, bad input, permissions and the life of the socket file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
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
#include <event2/event.h>
#include <json-c/json.h>

#include "rdd.h"

#define DEADLINE_MS 20000

struct fixture {
	char dir[48];
	char sock[80];
	char out[80];
	struct event_base *base;
	struct control *c;

	/* what the handler saw and holds */
	int calls;
	long last_uid;
	char last_cmd[32];
	struct control_req *held;	/* deferred or streaming request */
	struct event *later;		/* fires the deferred reply */
	int stream_step;
	int freed_in_handler;
};

/* ---- the loop driver: poll a condition with a deadline ---- */

struct waiter {
	struct event_base *base;
	int (*done)(struct fixture *, void *);
	struct fixture *f;
	void *arg;
	int ok;
};

static void
waiter_tick(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	if (w->done(w->f, w->arg)) {
		w->ok = 1;
		event_base_loopbreak(w->base);
	}
}

static void
waiter_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	event_base_loopbreak(w->base);
}

static int
run_until(struct fixture *f, int (*done)(struct fixture *, void *), void *arg)
{
	struct timeval tick = { 0, 2000 }, dl = { DEADLINE_MS / 1000, 0 };
	struct waiter w = { f->base, done, f, arg, 0 };
	struct event *t, *d;

	if (done(f, arg))
		return 1;
	t = event_new(f->base, -1, EV_PERSIST, waiter_tick, &w);
	d = evtimer_new(f->base, waiter_deadline, &w);
	event_add(t, &tick);
	evtimer_add(d, &dl);
	event_base_dispatch(f->base);
	event_free(t);
	event_free(d);
	return w.ok;
}

struct child {
	pid_t pid;
	int status;
	int exited;
};

static int
child_done(struct fixture *f, void *arg)
{
	struct child *ch = arg;

	if (!ch->exited && waitpid(ch->pid, &ch->status, WNOHANG) == ch->pid)
		ch->exited = 1;
	return ch->exited;
}

static int
handler_called(struct fixture *f, void *arg)
{
	return f->calls > 0;
}

static int
req_dead(struct fixture *f, void *arg)
{
	return f->held != NULL && !control_req_alive(f->held);
}

/* ---- the client, in a child process doing blocking I/O ---- */

struct client_spec {
	const char *input;
	size_t len;		/* 0: strlen(input) */
	int shut;		/* shutdown(SHUT_WR) after writing */
	int nlines;		/* lines to read; -1: until EOF */
	uid_t uid;		/* as_user: drop to this uid/gid first */
	gid_t gid;
	int as_user;
	const char *path;	/* NULL: the fixture's socket */
	gid_t supp;		/* as_user: one supplementary group, or 0 */
};

static void
client_main(const char *path, const struct client_spec *cs, const char *out)
{
	struct sockaddr_un sun;
	struct timeval tv = { 10, 0 };
	char buf[4096];
	FILE *fp;
	size_t len, off = 0;
	ssize_t n;
	int fd, got = 0, i, atbol = 1;

	signal(SIGPIPE, SIG_IGN);
	if ((fp = fopen(out, "w")) == NULL)
		_exit(10);
	if (cs->as_user && (setgroups(cs->supp ? 1 : 0, &cs->supp) == -1 ||
	    setgid(cs->gid) == -1 || setuid(cs->uid) == -1))
		_exit(11);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(fp, "<CONNECT %s>\n", strerror(errno));
		fclose(fp);
		_exit(12);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	len = cs->len ? cs->len : (cs->input ? strlen(cs->input) : 0);
	while (off < len) {
		n = write(fd, cs->input + off, len - off);
		if (n <= 0)
			break;	/* the server may close on us: read anyway */
		off += (size_t)n;
	}
	if (cs->shut)
		shutdown(fd, SHUT_WR);
	while (cs->nlines < 0 || got < cs->nlines) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			fprintf(fp, "%s<EOF>\n", atbol ? "" : "\n");
			break;
		}
		if (n < 0) {
			fprintf(fp, "%s<TIMEOUT>\n", atbol ? "" : "\n");
			fclose(fp);
			_exit(13);
		}
		fwrite(buf, 1, (size_t)n, fp);
		for (i = 0; i < n; i++)
			if (buf[i] == '\n')
				got++;
		atbol = buf[n - 1] == '\n';
	}
	fclose(fp);
	close(fd);
	_exit(0);
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *s;
	size_t n;

	if (fp == NULL)
		return NULL;
	s = calloc(1, 1 << 20);
	n = fread(s, 1, (1 << 20) - 1, fp);
	s[n] = '\0';
	fclose(fp);
	return s;
}

/* Run a client to completion while the server loop runs; returns output. */
static char *
run_client(struct fixture *f, const struct client_spec *cs)
{
	struct child ch = { 0, 0, 0 };
	char *s;

	unlink(f->out);
	ch.pid = fork();
	assert_true(ch.pid >= 0);
	if (ch.pid == 0)
		client_main(cs->path ? cs->path : f->sock, cs, f->out);
	assert_true(run_until(f, child_done, &ch));
	assert_true(WIFEXITED(ch.status));
	s = slurp(f->out);
	assert_non_null(s);
	if (WEXITSTATUS(ch.status) != 0)
		fail_msg("client exit %d, output: %s", WEXITSTATUS(ch.status),
		    s);
	return s;
}

/* The n-th line (0-based) of s parsed as JSON. */
static json_object *
line_json(const char *s, int n)
{
	const char *p = s, *e;
	char *tmp;
	json_object *o;

	while (n-- > 0) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	e = strchr(p, '\n');
	assert_non_null(e);
	tmp = strndup(p, (size_t)(e - p));
	o = json_tokener_parse(tmp);
	if (o == NULL)
		fail_msg("not JSON: '%s'", tmp);
	free(tmp);
	return o;
}

static int
reply_ok(json_object *o)
{
	json_object *v;

	return json_object_object_get_ex(o, "ok", &v) &&
	    json_object_get_boolean(v);
}

static const char *
reply_str(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return NULL;
	return json_object_get_string(v);
}

/* ---- the handler under test ---- */

static json_object *
mkreply(const char *k, const char *v)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, k, json_object_new_string(v));
	return o;
}

static void
later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fixture *f = arg;
	struct control_req *r = f->held;

	if (strcmp(f->last_cmd, "logs") == 0) {
		/* stream two lines, then end from the server side */
		if (f->stream_step < 2) {
			/* a raw newline must not split the message */
			control_stream(r, f->stream_step == 0 ?
			    "{\"line\":\"two\"}" : "{\"line\":\"thr\nee\"}");
			f->stream_step++;
			event_active(f->later, EV_TIMEOUT, 0);
			return;
		}
		f->held = NULL;
		control_end(r);
		return;
	}
	f->held = NULL;
	control_reply(r, mkreply("deferred", "yes"));
}

static void *
handler(void *arg, struct control_req *r, void *request, long uid)
{
	struct fixture *f = arg;
	json_object *req = request, *v;
	const char *cmd;

	f->calls++;
	f->last_uid = uid;
	assert_true(json_object_object_get_ex(req, "cmd", &v));
	cmd = json_object_get_string(v);
	snprintf(f->last_cmd, sizeof(f->last_cmd), "%s", cmd);
	if (strcmp(cmd, "status") == 0) {
		json_object *o = mkreply("cmd", cmd);

		json_object_object_add(o, "uid", json_object_new_int64(uid));
		if (json_object_object_get_ex(req, "monitor", &v))
			json_object_object_add(o, "monitor",
			    json_object_get(v));
		return o;
	}
	if (strcmp(cmd, "recover") == 0 || strcmp(cmd, "history") == 0) {
		/* recover: reply from a timer; history: the test replies */
		f->held = r;
		if (strcmp(cmd, "recover") == 0)
			event_active(f->later, EV_TIMEOUT, 0);
		return NULL;
	}
	if (strcmp(cmd, "logs") == 0) {
		f->held = r;
		f->stream_step = 0;
		control_send(r, mkreply("first", "one"));
		if (json_object_object_get_ex(req, "target", &v))
			return NULL;	/* "target": the client ends it */
		event_active(f->later, EV_TIMEOUT, 0);
		return NULL;
	}
	if (strcmp(cmd, "reload") == 0) {
		control_reply(r, mkreply("reloaded", "now"));
		return NULL;
	}
	if (strcmp(cmd, "stop") == 0) {
		control_free(f->c);
		f->c = NULL;
		f->freed_in_handler = 1;
		return mkreply("stopping", "yes");
	}
	return mkreply("cmd", cmd);
}

/* ---- fixture ---- */

static int
setup(void **state)
{
	struct fixture *f;
	char err[RDD_ERRLEN];
	const char *tmp = getenv("TMPDIR");

	signal(SIGPIPE, SIG_IGN);
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/rddctlXXXXXX",
	    tmp && strlen(tmp) < 30 ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	chmod(f->dir, 0755);	/* the unprivileged client must reach it */
	snprintf(f->sock, sizeof(f->sock), "%s/control.sock", f->dir);
	snprintf(f->out, sizeof(f->out), "%s/client.out", f->dir);
	f->base = event_base_new();
	assert_non_null(f->base);
	f->later = event_new(f->base, -1, 0, later_cb, f);
	f->c = control_new(f->base, f->sock, NULL, handler, f, err,
	    sizeof(err));
	if (f->c == NULL)
		fail_msg("control_new: %s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->held != NULL) {
		control_reply(f->held, NULL);
		f->held = NULL;
	}
	control_free(f->c);
	event_free(f->later);
	event_base_free(f->base);
	unlink(f->out);
	unlink(f->sock);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ---- tests ---- */

static void
test_ping(void **state)
{
	struct fixture *f = *state;
	struct client_spec cs = { .input = "{\"cmd\":\"ping\"}\n",
	    .nlines = 1 };
	char *s = run_client(f, &cs);
	json_object *o = line_json(s, 0);

	assert_true(reply_ok(o));
	assert_string_equal(reply_str(o, "pong"), "true");
	assert_int_equal(f->calls, 0);	/* ping never reaches the handler */
	json_object_put(o);
	free(s);
}

static void
test_handler_reply(void **state)
{
	struct fixture *f = *state;
	struct client_spec cs = {
		.input = "{\"cmd\":\"status\",\"monitor\":\"pm2\"}\n"
		    "{\"cmd\":\"health\"}\n",
		.nlines = 2 };
	char *s = run_client(f, &cs);
	json_object *o = line_json(s, 0), *o2 = line_json(s, 1);

	assert_true(reply_ok(o));
	assert_string_equal(reply_str(o, "cmd"), "status");
	assert_string_equal(reply_str(o, "monitor"), "pm2");
	assert_int_equal(f->calls, 2);
	assert_int_equal(f->last_uid, (long)geteuid());
	assert_string_equal(reply_str(o2, "cmd"), "health");
	json_object_put(o);
	json_object_put(o2);
	free(s);
}

static void
test_deferred_reply(void **state)
{
	struct fixture *f = *state;
	/* The second request waits in the buffer until the first is done. */
	struct client_spec cs = {
		.input = "{\"cmd\":\"recover\",\"monitor\":\"pm2\","
		    "\"target\":\"api\"}\n{\"cmd\":\"status\"}\n",
		.nlines = 2 };
	char *s = run_client(f, &cs);
	json_object *o = line_json(s, 0), *o2 = line_json(s, 1);

	assert_string_equal(reply_str(o, "deferred"), "yes");
	assert_string_equal(reply_str(o2, "cmd"), "status");
	assert_null(f->held);
	json_object_put(o);
	json_object_put(o2);
	free(s);
}

static void
test_reply_inside_handler(void **state)
{
	struct fixture *f = *state;
	struct client_spec cs = {
		.input = "{\"cmd\":\"reload\"}\n{\"cmd\":\"ping\"}\n",
		.nlines = 2 };
	char *s = run_client(f, &cs);
	json_object *o = line_json(s, 0), *o2 = line_json(s, 1);

	assert_string_equal(reply_str(o, "reloaded"), "now");
	assert_true(reply_ok(o2));
	json_object_put(o);
	json_object_put(o2);
	free(s);
}

static void
test_half_close_gets_reply(void **state)
{
	struct fixture *f = *state;
	/* echo ... | nc -U: no final newline, write side shut */
	struct client_spec cs = {
		.input = "{\"cmd\":\"recover\",\"monitor\":\"m\"}",
		.shut = 1, .nlines = -1 };
	char *s = run_client(f, &cs);
	json_object *o = line_json(s, 0);

	assert_string_equal(reply_str(o, "deferred"), "yes");
	assert_non_null(strstr(s, "<EOF>"));
	json_object_put(o);
	free(s);
}

static void
test_bad_requests(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *req, *err;
	} cases[] = {
		{ "{bad", "request: invalid JSON" },
		{ "[1,2]", "request: expected a JSON object" },
		{ "42", "request: expected a JSON object" },
		{ "{\"cmd\":\"fly\"}", "request: unknown cmd 'fly'" },
		{ "{\"cmd\":7}", "request: field 'cmd' must be a string" },
		{ "{\"monitor\":\"x\"}", "request: field 'cmd' is required" },
		{ "{\"cmd\":\"logs\",\"lines\":\"ten\"}",
		    "request: field 'lines' must be an integer" },
		{ "{\"cmd\":\"logs\",\"lines\":-1}",
		    "request: field 'lines' must not be negative" },
		{ "{\"cmd\":\"logs\",\"follow\":1}",
		    "request: field 'follow' must be true or false" },
		{ "{\"cmd\":\"health\",\"monitor\":3}",
		    "request: field 'monitor' must be a string" },
		{ "{\"cmd\":\"run\",\"monitor\":\"gh\",\"args\":[1]}",
		    "request: field 'args' element 0 must be a string" },
		{ "{\"cmd\":\"run\",\"monitor\":\"gh\",\"args\":\"x\"}",
		    "request: field 'args' must be an array of strings" },
		{ "{\"cmd\":\"recover\"}",
		    "request: cmd 'recover' needs the field 'monitor'" },
		{ "{\"cmd\":\"recover\",\"monitor\":\"a\",\"force\":\"yes\"}",
		    "request: field 'force' must be true or false" },
		{ "{\"cmd\":\"recover\",\"monitor\":\"a\",\"wait\":1}",
		    "request: field 'wait' must be true or false" },
		{ "{\"cmd\":\"recover\",\"monitor\":\"a\",\"timeout_ms\":-1}",
		    "request: field 'timeout_ms' must not be negative" },
		{ "{\"cmd\":\"recover\",\"monitor\":\"a\",\"timeout_ms\":\"1s\"}",
		    "request: field 'timeout_ms' must be an integer" },
		{ "{\"cmd\":\"history\",\"since_ms\":1.5}",
		    "request: field 'since_ms' must be an integer" },
		{ "{\"cmd\":\"ping\"} {}",
		    "request: invalid JSON near byte 15" },
	};
	const size_t n = sizeof(cases) / sizeof(cases[0]);
	char input[4096] = "";
	struct client_spec cs = { .input = input, .nlines = (int)n + 1 };
	json_object *o;
	size_t i;
	char *s;

	for (i = 0; i < n; i++) {
		strcat(input, cases[i].req);
		strcat(input, "\n");
	}
	/* ...and the connection is still open for a good request */
	strcat(input, "{\"cmd\":\"ping\"}\n");
	s = run_client(f, &cs);
	for (i = 0; i < n; i++) {
		o = line_json(s, (int)i);
		assert_false(reply_ok(o));
		if (strncmp(reply_str(o, "error"), cases[i].err,
		    strlen(cases[i].err)) != 0)
			fail_msg("'%s': got '%s', want '%s...'", cases[i].req,
			    reply_str(o, "error"), cases[i].err);
		json_object_put(o);
	}
	o = line_json(s, (int)n);
	assert_true(reply_ok(o));
	json_object_put(o);
	assert_int_equal(f->calls, 0);
	free(s);
}

static void
test_parse_direct(void **state)
{
	char err[RDD_ERRLEN];
	json_object *o;
	const char *good = "{\"cmd\":\"logs\",\"monitor\":\"pm2\",\"lines\":5,"
	    "\"follow\":true,\"since_ms\":0,\"args\":[],\"extra\":1}";
	const char *rec = "{\"cmd\":\"recover\",\"monitor\":\"a\","
	    "\"target\":\"b\",\"force\":true,\"wait\":false,"
	    "\"timeout_ms\":90000}";

	o = control_parse(good, strlen(good), err, sizeof(err));
	assert_non_null(o);
	json_object_put(o);
	o = control_parse(rec, strlen(rec), err, sizeof(err));
	assert_non_null(o);
	json_object_put(o);
	assert_null(control_parse("{\"cmd\":\"ping\"}\0x", 16, err,
	    sizeof(err)));
	assert_string_equal(err, "request: NUL byte in the request line");
	assert_null(control_parse("", 0, err, sizeof(err)));
	assert_non_null(strstr(err, "incomplete JSON"));
	assert_null(control_parse("\"\xff\"", 3, err, sizeof(err)));
	assert_non_null(strstr(err, "invalid JSON"));
}

static void
test_oversized_line(void **state)
{
	struct fixture *f = *state;
	size_t len = 70 * 1024;
	char *big = malloc(len + 1);
	struct client_spec cs = { .input = big, .len = len + 1, .nlines = -1 };
	json_object *o;
	char *s;

	memset(big, 'a', len);
	big[len] = '\n';
	s = run_client(f, &cs);
	o = line_json(s, 0);
	assert_false(reply_ok(o));
	assert_string_equal(reply_str(o, "error"),
	    "request larger than 65536 bytes");
	assert_non_null(strstr(s, "<EOF>"));	/* and closed */
	assert_int_equal(f->calls, 0);
	json_object_put(o);
	free(s);
	free(big);
}

static void
test_disconnect_before_deferred(void **state)
{
	struct fixture *f = *state;
	struct client_spec cs = { .input = "{\"cmd\":\"history\"}\n",
	    .nlines = 0 };
	char *s = run_client(f, &cs);	/* sends, then exits at once */
	struct control_req *r;

	/* the request may still wait in the socket after the client left */
	assert_true(run_until(f, handler_called, NULL));
	r = f->held;
	assert_non_null(r);
	assert_string_equal(f->last_cmd, "history");
	f->held = NULL;
	/* the reply goes nowhere; r and the reply must still be freed */
	control_reply(r, mkreply("late", "yes"));
	free(s);
}

static void
test_stream_client_leaves(void **state)
{
	struct fixture *f = *state;
	/* "target" makes the handler stream without ending it */
	struct client_spec cs = {
		.input = "{\"cmd\":\"logs\",\"follow\":true,"
		    "\"target\":\"x\"}\n",
		.nlines = 1 };
	char *s = run_client(f, &cs);
	json_object *o = line_json(s, 0);

	assert_string_equal(reply_str(o, "first"), "one");
	assert_non_null(f->held);
	assert_true(run_until(f, req_dead, NULL));
	control_stream(f->held, "{\"line\":\"dropped\"}"); /* harmless */
	control_end(f->held);
	f->held = NULL;
	json_object_put(o);
	free(s);
}

static void
test_stream_server_ends(void **state)
{
	struct fixture *f = *state;
	struct client_spec cs = {
		.input = "{\"cmd\":\"logs\",\"follow\":true}\n",
		.nlines = -1 };
	char *s = run_client(f, &cs);
	json_object *o0 = line_json(s, 0), *o1 = line_json(s, 1),
	    *o2 = line_json(s, 2);

	assert_string_equal(reply_str(o0, "first"), "one");
	assert_string_equal(reply_str(o1, "line"), "two");
	assert_string_equal(reply_str(o2, "line"), "thr ee");
	assert_non_null(strstr(s, "}\n<EOF>\n"));
	assert_null(f->held);
	json_object_put(o0);
	json_object_put(o1);
	json_object_put(o2);
	free(s);
}

static void
test_free_inside_handler(void **state)
{
	struct fixture *f = *state;
	struct client_spec cs = {
		.input = "{\"cmd\":\"stop\"}\n{\"cmd\":\"ping\"}\n",
		.nlines = -1 };
	struct stat st;
	char *s = run_client(f, &cs);

	assert_true(f->freed_in_handler);
	assert_null(f->c);
	/* the socket file went with the control */
	assert_int_equal(lstat(f->sock, &st), -1);
	assert_non_null(strstr(s, "<EOF>"));
	free(s);
}

static void
test_socket_mode(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(lstat(f->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void
test_live_socket_refused(void **state)
{
	struct fixture *f = *state;
	char err[RDD_ERRLEN];
	struct control *c2;

	c2 = control_new(f->base, f->sock, NULL, handler, f, err, sizeof(err));
	assert_null(c2);
	assert_non_null(strstr(err, "another redundancyd is listening: stop "
	    "it or use another control_socket"));
	/* the first one still works */
	struct client_spec cs = { .input = "{\"cmd\":\"ping\"}\n",
	    .nlines = 1 };
	char *s = run_client(f, &cs);
	json_object *o = line_json(s, 0);

	assert_true(reply_ok(o));
	json_object_put(o);
	free(s);
}

static void
test_stale_socket_replaced(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_un sun;
	char path[100], err[RDD_ERRLEN];
	struct control *c2;
	int fd;

	snprintf(path, sizeof(path), "%s/stale.sock", f->dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);	/* a dead daemon's leftover */
	c2 = control_new(f->base, path, NULL, handler, f, err, sizeof(err));
	if (c2 == NULL)
		fail_msg("control_new: %s", err);
	struct client_spec cs = { .input = "{\"cmd\":\"ping\"}\n",
	    .nlines = 1, .path = path };
	char *s = run_client(f, &cs);
	json_object *o = line_json(s, 0);

	assert_true(reply_ok(o));
	json_object_put(o);
	free(s);
	control_free(c2);
	assert_int_equal(access(path, F_OK), -1);
}

static void
test_not_a_socket(void **state)
{
	struct fixture *f = *state;
	char path[160], err[RDD_ERRLEN];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/plain", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_null(control_new(f->base, path, NULL, handler, f, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "exists and is not a socket"));
	assert_int_equal(access(path, F_OK), 0);	/* left alone */
	unlink(path);
}

static void
test_unknown_group(void **state)
{
	struct fixture *f = *state;
	char path[160], err[RDD_ERRLEN];

	snprintf(path, sizeof(path), "%s/g.sock", f->dir);
	assert_null(control_new(f->base, path, "no-such-group-rdd", handler,
	    f, err, sizeof(err)));
	assert_string_equal(err, "control_group 'no-such-group-rdd': no such "
	    "group: create it or remove control_group");
}

static void
test_peer_denied(void **state)
{
	struct fixture *f = *state;
	struct client_spec cs = { .input = "{\"cmd\":\"status\"}\n",
	    .nlines = -1, .uid = 65534, .gid = 65534, .as_user = 1 };
	json_object *o;
	char *s;

	if (geteuid() != 0)
		skip();	/* needs root to act as another user */
	chmod(f->sock, 0666);	/* let the kernel pass it to our check */
	s = run_client(f, &cs);
	o = line_json(s, 0);
	assert_false(reply_ok(o));
	assert_string_equal(reply_str(o, "error"),
	    "permission denied for uid 65534");
	assert_non_null(strstr(s, "<EOF>"));
	assert_int_equal(f->calls, 0);
	json_object_put(o);
	free(s);
}

static void
test_group_allowed(void **state)
{
	struct fixture *f = *state;
	char path[160], err[RDD_ERRLEN];
	struct group *gr;
	struct control *c2;
	struct stat st;
	json_object *o;
	char *s;

	if (geteuid() != 0 || (gr = getgrgid(65534)) == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/g.sock", f->dir);
	c2 = control_new(f->base, path, gr->gr_name, handler, f, err,
	    sizeof(err));
	if (c2 == NULL)
		fail_msg("control_new: %s", err);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, 65534);
	struct client_spec cs = { .input = "{\"cmd\":\"status\"}\n",
	    .nlines = 1, .uid = 65534, .gid = 65534, .as_user = 1,
	    .path = path };
	s = run_client(f, &cs);
	o = line_json(s, 0);
	assert_true(reply_ok(o));
	assert_int_equal(f->last_uid, 65534);
	json_object_put(o);
	free(s);
	control_free(c2);
}

static void
test_group_supplementary(void **state)
{
	struct fixture *f = *state;
	char path[100], err[RDD_ERRLEN];
	struct group *gr;
	struct control *c2;
	json_object *o;
	char *s;

	if (geteuid() != 0 || (gr = getgrgid(65534)) == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/g.sock", f->dir);
	c2 = control_new(f->base, path, gr->gr_name, handler, f, err,
	    sizeof(err));
	if (c2 == NULL)
		fail_msg("control_new: %s", err);
	/* primary group 1, the control group only as a supplementary one */
	struct client_spec in = { .input = "{\"cmd\":\"status\"}\n",
	    .nlines = 1, .uid = 65534, .gid = 1, .as_user = 1, .path = path,
	    .supp = 65534 };
	s = run_client(f, &in);
	o = line_json(s, 0);
	assert_true(reply_ok(o));
	json_object_put(o);
	free(s);
	/* neither primary nor supplementary: refused by us, not the mode */
	chmod(path, 0666);
	struct client_spec out = { .input = "{\"cmd\":\"status\"}\n",
	    .nlines = -1, .uid = 65534, .gid = 1, .as_user = 1, .path = path };
	s = run_client(f, &out);
	o = line_json(s, 0);
	assert_false(reply_ok(o));
	assert_string_equal(reply_str(o, "error"),
	    "permission denied for uid 65534");
	json_object_put(o);
	free(s);
	control_free(c2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_reply, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deferred_reply, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reply_inside_handler,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_close_gets_reply,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup,
		    teardown),
		cmocka_unit_test(test_parse_direct),
		cmocka_unit_test_setup_teardown(test_oversized_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_disconnect_before_deferred, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_client_leaves,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_server_ends, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_inside_handler,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_mode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_live_socket_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_replaced,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_socket, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_group, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_peer_denied, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_group_allowed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_group_supplementary,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
