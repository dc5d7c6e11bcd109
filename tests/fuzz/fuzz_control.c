/*
 * fuzz_control.c: fuzz harness for control_parse and the control socket's
 * request path (line splitting, dispatch, replies, streams, closing).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "rdd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* control.c logs refused peers; the harness has no log. */
void
log_write(const char *monitor, enum rdd_log_level lvl, const char *fmt, ...)
{
}

static struct {
	int ready;
	char dir[64];
	char sock[96];
	struct event_base *base;
	struct control *c;
	struct event *later;
	struct control_req *held;	/* deferred "recover" */
} fz;

static json_object *
fz_reply(const char *cmd)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "cmd", json_object_new_string(cmd));
	return o;
}

static void
fz_latercb(evutil_socket_t fd, short what, void *arg)
{
	struct control_req *r = fz.held;

	fz.held = NULL;
	if (r != NULL)
		control_reply(r, fz_reply("recover"));
}

/* A field control_parse let through: absent, null or of its type. */
static void
fz_field(json_object *request, const char *key, json_type type)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(request, key, &v) && v != NULL &&
	    !json_object_is_type(v, type))
		abort();
	if (type == json_type_int && v != NULL && json_object_get_int64(v) < 0)
		abort();
}

/* Every path a real handler uses: now, later, inside, streamed. */
static void *
fz_handler(void *arg, struct control_req *r, void *request, long uid)
{
	json_object *v;
	const char *cmd;

	if (!json_object_object_get_ex(request, "cmd", &v) ||
	    (cmd = json_object_get_string(v)) == NULL)
		abort();	/* control_parse let a bad request through */
	fz_field(request, "force", json_type_boolean);
	fz_field(request, "wait", json_type_boolean);
	fz_field(request, "timeout_ms", json_type_int);
	if (strcmp(cmd, "recover") == 0 && fz.held == NULL) {
		fz.held = r;
		event_active(fz.later, EV_TIMEOUT, 0);
		return NULL;
	}
	if (strcmp(cmd, "reload") == 0) {
		control_reply(r, fz_reply(cmd));
		return NULL;
	}
	if (strcmp(cmd, "logs") == 0 &&
	    json_object_object_get_ex(request, "follow", &v) &&
	    json_object_get_boolean(v)) {
		control_send(r, fz_reply(cmd));
		control_stream(r, "{\"line\":\"a \\\"q\\\" \\n\"}");
		if (control_req_alive(r))
			control_stream(r, "{\"line\":\"another\"}");
		control_end(r);
		return NULL;
	}
	return fz_reply(cmd);
}

static void
fz_cleanup(void)
{
	if (fz.held != NULL)
		control_reply(fz.held, NULL);
	control_free(fz.c);
	event_free(fz.later);
	event_base_free(fz.base);
	rmdir(fz.dir);
}

static void
fz_init(void)
{
	char err[RDD_ERRLEN];

	signal(SIGPIPE, SIG_IGN);
	snprintf(fz.dir, sizeof(fz.dir), "/tmp/fuzzctlXXXXXX");
	if (mkdtemp(fz.dir) == NULL)
		abort();
	snprintf(fz.sock, sizeof(fz.sock), "%s/c.sock", fz.dir);
	fz.base = event_base_new();
	fz.later = event_new(fz.base, -1, 0, fz_latercb, NULL);
	fz.c = control_new(fz.base, fz.sock, NULL, fz_handler, NULL, err,
	    sizeof(err));
	if (fz.c == NULL) {
		fprintf(stderr, "fuzz_control: %s\n", err);
		abort();
	}
	atexit(fz_cleanup);
	fz.ready = 1;
}

/* Every line the server writes must be a JSON object with ok or line. */
static void
fz_check_output(const char *buf, size_t len)
{
	const char *p = buf, *nl;
	json_object *o, *v;
	char *line;

	while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL) {
		line = strndup(p, (size_t)(nl - p));
		o = json_tokener_parse(line);
		if (o == NULL || !json_object_is_type(o, json_type_object) ||
		    (!(json_object_object_get_ex(o, "ok", &v) &&
		    json_object_is_type(v, json_type_boolean)) &&
		    !json_object_object_get_ex(o, "line", &v))) {
			fprintf(stderr, "bad reply line: %s\n", line);
			abort();
		}
		json_object_put(o);
		free(line);
		p = nl + 1;
	}
	if ((size_t)(p - buf) != len) {
		fprintf(stderr, "reply without a newline\n");
		abort();
	}
}

static void
fz_parse_lines(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	char err[RDD_ERRLEN];
	json_object *o;

	err[0] = '\0';
	if ((o = control_parse(p, size, err, sizeof(err))) != NULL)
		json_object_put(o);
	else if (err[0] == '\0')
		abort();	/* a refusal must say why */
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		err[0] = '\0';
		if ((o = control_parse(p, (size_t)(nl - p), err,
		    sizeof(err))) != NULL)
			json_object_put(o);
		else if (err[0] == '\0')
			abort();
		p = nl + 1;
	}
}

/* Feed the bytes through a real connection and read until it closes. */
static void
fz_session(const uint8_t *data, size_t size)
{
	struct sockaddr_un sun;
	char *out = NULL, buf[4096];
	size_t off = 0, olen = 0;
	time_t deadline = time(NULL) + 20;
	ssize_t n;
	int fd, shut = 0;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, fz.sock, strlen(fz.sock) + 1);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sun,
	    sizeof(sun)) == -1)
		abort();
	for (;;) {
		if (off < size) {
			n = write(fd, data + off, size - off);
			if (n > 0)
				off += (size_t)n;
			else if (n == -1 && errno != EAGAIN)
				off = size;	/* the server hung up */
		}
		if (off == size && !shut) {
			shutdown(fd, SHUT_WR);
			shut = 1;
		}
		event_base_loop(fz.base, EVLOOP_NONBLOCK);
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			if ((out = realloc(out, olen + (size_t)n)) == NULL)
				abort();
			memcpy(out + olen, buf, (size_t)n);
			olen += (size_t)n;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			break;
		if (time(NULL) > deadline) {
			fprintf(stderr, "the server never closed\n");
			abort();
		}
	}
	close(fd);
	fz_check_output(out ? out : "", olen);
	free(out);
	/* let the server finish with its side */
	event_base_loop(fz.base, EVLOOP_NONBLOCK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fz.ready)
		fz_init();
	fz_parse_lines(data, size);
	fz_session(data, size);
	return 0;
}
