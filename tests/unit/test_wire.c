/*
 * test_wire.c: unit tests of the master-worker channel: messages queued
 * together travel packed in few datagrams, in order, none lost or merged.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/socket.h>

#include <setjmp.h>
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

#include "wire.h"

struct got {
	int n;
	int64_t last;
	int in_order;
	size_t biggest;
};

static void
got_msg(void *arg, json_object *o)
{
	struct got *g = arg;
	int64_t i;

	assert_int_equal(wire_int(o, "i", &i), 0);
	if (i != g->last + 1)
		g->in_order = 0;
	g->last = i;
	g->n++;
	if (wire_str(o, "pad") != NULL &&
	    strlen(wire_str(o, "pad")) > g->biggest)
		g->biggest = strlen(wire_str(o, "pad"));
}

static json_object *
msg(int64_t i, size_t pad)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "t", json_object_new_string("report"));
	json_object_object_add(o, "i", json_object_new_int64(i));
	/* A newline inside a string must not split the message. */
	json_object_object_add(o, "msg", json_object_new_string("two\nlines"));
	if (pad > 0) {
		char *p = malloc(pad + 1);

		memset(p, 'x', pad);
		p[pad] = '\0';
		json_object_object_add(o, "pad", json_object_new_string(p));
		free(p);
	}
	return o;
}

/* Reads every datagram waiting on fd; returns how many, lines counted. */
static int
drain(int fd, struct got *g)
{
	static char buf[300 * 1024];
	int dgrams = 0;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		assert_int_equal(
		    wire_decode_each(buf, (size_t)n, got_msg, g), 0);
		dgrams++;
	}
	return dgrams;
}

/* One end wrapped in a wire, the other read raw; g counts what came. */
struct fx {
	struct event_base *base;
	struct wire *w;
	int peer;
	struct got g;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int sv[2];

	if (f == NULL || (f->base = event_base_new()) == NULL ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		return -1;
	f->g.in_order = 1;
	if ((f->w = wire_new(f->base, sv[0], got_msg, NULL, &f->g)) == NULL)
		return -1;
	f->peer = sv[1];
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	wire_free(f->w);
	close(f->peer);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void
test_corked_messages_share_datagrams(void **state)
{
	struct fx *f = *state;
	int i, dgrams;

	wire_cork(f->w);
	for (i = 1; i <= 200; i++)
		assert_int_equal(wire_send(f->w, msg(i, 0)), 0);
	assert_int_equal(wire_uncork(f->w), 0);
	dgrams = drain(f->peer, &f->g);
	assert_int_equal(f->g.n, 200);
	assert_true(f->g.in_order);
	/* 64 a datagram at most: 200 take 4, not 200. */
	assert_int_equal(dgrams, 4);
}

static void
test_big_messages_go_alone(void **state)
{
	struct fx *f = *state;
	int dgrams;

	wire_cork(f->w);
	/*
	 * 40 KB each: two do not fit one 64 KB datagram, a small one does
	 * after the second; 100 KB goes alone: [1] [2 3] [4] [5].
	 */
	assert_int_equal(wire_send(f->w, msg(1, 40000)), 0);
	assert_int_equal(wire_send(f->w, msg(2, 40000)), 0);
	assert_int_equal(wire_send(f->w, msg(3, 10)), 0);
	assert_int_equal(wire_send(f->w, msg(4, 100000)), 0);
	assert_int_equal(wire_send(f->w, msg(5, 10)), 0);
	assert_int_equal(wire_uncork(f->w), 0);
	dgrams = drain(f->peer, &f->g);
	assert_int_equal(f->g.n, 5);
	assert_true(f->g.in_order);
	assert_int_equal(f->g.biggest, 100000);
	assert_int_equal(dgrams, 4);
}

static void
test_receiver_splits_lines(void **state)
{
	struct fx *f = *state;
	const char dg[] =
	    "{\"t\":\"pong\",\"i\":1}\n\n{\"t\":\"pong\",\"i\":2}\n"
	    "not json\n{\"t\":\"pong\",\"i\":3}";

	assert_int_equal(send(f->peer, dg, sizeof(dg) - 1, 0), sizeof(dg) - 1);
	assert_int_equal(event_base_loop(f->base, EVLOOP_NONBLOCK), 0);
	/* Three messages; the bad line is counted, not fatal to the rest. */
	assert_int_equal(f->g.n, 3);
	assert_true(f->g.in_order);
	assert_int_equal(wire_dropped(f->w), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_corked_messages_share_datagrams, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_big_messages_go_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_receiver_splits_lines, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
