/*
 * test_pm2_amp.c: the amp codec and the rpc.sock frames of the PM2 plugin,
 * checked against real frames captured from PM2 7.0.4 (fixtures/pm2/).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "plugins/pm2/amp.h"
#include "plugins/pm2/procs.h"
#include "plugins/pm2/rpc.h"

struct blob {
	char *data;
	size_t len;
};

static const char *const fixtures[] = {
    "rpc-ping-request.bin",
    "rpc-ping-reply.bin",
    "rpc-getmonitordata-request.bin",
    "rpc-restart-request.bin",
    "rpc-stop-request.bin",
    "rpc-start-request.bin",
    "rpc-start-error-reply.bin",
    "rpc-unknown-method-reply.bin",
    "rpc-notify-request.bin",
    "rpc-notify-reply.bin",
    "pub-process-event.bin",
    "pub-log-out.bin",
};
#define NFIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static struct blob
load(const char *name)
{
	const char *srcdir = getenv("srcdir");
	char path[1024];
	struct blob b = {NULL, 0};
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/unit/fixtures/pm2/%s",
	    srcdir ? srcdir : ".", name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open fixture %s (set srcdir)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b.data = malloc((size_t)n + 1);
	assert_non_null(b.data);
	assert_int_equal(fread(b.data, 1, (size_t)n, f), (size_t)n);
	b.data[n] = '\0';
	b.len = (size_t)n;
	fclose(f);
	return b;
}

/* A decoded frame as text, for comparisons: "type/len:hex|..." */
static char *
flatten(const struct amp_frame *f)
{
	size_t i, n = 1, k;
	char *s, *p;
	int j;

	for (j = 0; j < f->argc; j++)
		n += 32 + 2 * f->args[j].len;
	s = p = malloc(n);
	assert_non_null(s);
	for (j = 0; j < f->argc; j++) {
		p += sprintf(p, "%d/%zu:", f->args[j].type, f->args[j].len);
		for (i = 0; i < f->args[j].len; i++)
			p += sprintf(
			    p, "%02x", (unsigned char)f->args[j].data[i]);
		/* Decoded arguments are NUL-terminated. */
		k = f->args[j].len;
		assert_int_equal(f->args[j].data[k], '\0');
		*p++ = '|';
	}
	*p = '\0';
	return s;
}

static void
append(struct amp_buf *b, const void *data, size_t len)
{
	char *p = realloc(b->data, b->len + len);

	assert_non_null(p);
	b->data = p;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->cap = b->len;
}

#define LIT(s) (s), (sizeof(s) - 1)

/* Decode a whole buffer fed at once; expects exactly one frame. */
static char *
decode_one(const struct blob *b)
{
	struct amp_decoder d;
	struct amp_frame f;
	char *flat;

	amp_decoder_init(&d, 0);
	assert_int_equal(amp_feed(&d, b->data, b->len), 0);
	assert_int_equal(amp_next(&d, &f), 1);
	flat = flatten(&f);
	assert_int_equal(amp_next(&d, &f), 0);
	assert_int_equal(amp_decoder_pending(&d), 0);
	amp_decoder_free(&d);
	return flat;
}

static void
t_fixtures_decode(void **state)
{
	struct amp_decoder d;
	struct amp_frame f;
	size_t i;

	(void)state;
	for (i = 0; i < NFIXTURES; i++) {
		struct blob b = load(fixtures[i]);

		amp_decoder_init(&d, 0);
		assert_int_equal(amp_feed(&d, b.data, b.len), 0);
		assert_int_equal(amp_next(&d, &f), 1);
		assert_int_equal(f.argc, 2);
		if (strncmp(fixtures[i], "pub-", 4) == 0) {
			/* [s:topic, j:payload] */
			assert_int_equal(f.args[0].type, AMP_STRING);
			assert_int_equal(f.args[1].type, AMP_JSON);
		} else {
			/* [j:message, s:id] */
			assert_int_equal(f.args[0].type, AMP_JSON);
			assert_int_equal(f.args[1].type, AMP_STRING);
			assert_true(strchr(f.args[1].data, ':') != NULL);
		}
		assert_int_equal(amp_next(&d, &f), 0);
		assert_null(amp_error(&d));
		amp_decoder_free(&d);
		free(b.data);
	}
	/* A known frame in detail. */
	{
		struct blob b = load("pub-process-event.bin");
		struct json_object *o;
		char err[200];

		amp_decoder_init(&d, 0);
		assert_int_equal(amp_feed(&d, b.data, b.len), 0);
		assert_int_equal(amp_next(&d, &f), 1);
		assert_string_equal(f.args[0].data, "process:event");
		assert_int_equal(f.args[0].len, 13);
		assert_int_equal(f.args[1].len, 0x0a31 - 2);
		assert_int_equal(
		    amp_arg_json(&f.args[1], 2, &o, err, sizeof(err)), 0);
		assert_string_equal(
		    json_object_get_string(json_object_object_get(o, "event")),
		    "online");
		json_object_put(o);
		amp_decoder_free(&d);
		free(b.data);
	}
}

/* Every split point, fed as two reads; also byte by byte. */
static void
t_split_every_boundary(void **state)
{
	struct amp_decoder d;
	struct amp_frame f;
	size_t i, k, j;

	(void)state;
	for (i = 0; i < NFIXTURES; i++) {
		struct blob b = load(fixtures[i]);
		char *want = decode_one(&b);

		for (k = 0; k <= b.len; k++) {
			char *got;

			amp_decoder_init(&d, 0);
			assert_int_equal(amp_feed(&d, b.data, k), 0);
			if (k < b.len) {
				assert_int_equal(amp_next(&d, &f), 0);
				assert_int_equal(amp_decoder_pending(&d), k);
			}
			assert_int_equal(
			    amp_feed(&d, b.data + k, b.len - k), 0);
			assert_int_equal(amp_next(&d, &f), 1);
			got = flatten(&f);
			assert_string_equal(got, want);
			free(got);
			assert_int_equal(amp_next(&d, &f), 0);
			assert_int_equal(amp_decoder_pending(&d), 0);
			amp_decoder_free(&d);
		}
		/* One byte per read, draining after each. */
		amp_decoder_init(&d, 0);
		for (k = 0; k < b.len; k++) {
			assert_int_equal(amp_feed(&d, b.data + k, 1), 0);
			assert_int_equal(amp_next(&d, &f), k + 1 == b.len);
		}
		amp_decoder_free(&d);
		/* Three reads at every pair of split points (small ones). */
		if (b.len <= 100) {
			for (k = 0; k <= b.len; k++)
				for (j = k; j <= b.len; j++) {
					char *got;

					amp_decoder_init(&d, 0);
					amp_feed(&d, b.data, k);
					assert_int_equal(
					    amp_next(&d, &f), k == b.len);
					amp_feed(&d, b.data + k, j - k);
					if (k < b.len)
						assert_int_equal(
						    amp_next(&d, &f),
						    j == b.len);
					amp_feed(&d, b.data + j, b.len - j);
					if (j < b.len)
						assert_int_equal(
						    amp_next(&d, &f), 1);
					got = flatten(&f);
					assert_string_equal(got, want);
					free(got);
					amp_decoder_free(&d);
				}
		}
		free(want);
		free(b.data);
	}
}

/* All fixtures three times over, in one read and in odd-sized reads. */
static void
t_several_frames_one_read(void **state)
{
	struct amp_buf all = {0};
	struct amp_decoder d;
	struct amp_frame f;
	char *want[NFIXTURES];
	size_t i, n, off, chunk;
	int rep, r;

	(void)state;
	for (i = 0; i < NFIXTURES; i++) {
		struct blob b = load(fixtures[i]);

		want[i] = decode_one(&b);
		free(b.data);
	}
	for (rep = 0; rep < 3; rep++)
		for (i = 0; i < NFIXTURES; i++) {
			struct blob b = load(fixtures[i]);

			append(&all, b.data, b.len);
			free(b.data);
		}
	for (chunk = 1; chunk <= all.len; chunk = chunk * 3 + 1) {
		amp_decoder_init(&d, 0);
		n = 0;
		for (off = 0; off < all.len; off += chunk) {
			size_t len =
			    all.len - off < chunk ? all.len - off : chunk;

			assert_int_equal(amp_feed(&d, all.data + off, len), 0);
			while ((r = amp_next(&d, &f)) == 1) {
				char *got = flatten(&f);

				assert_string_equal(got, want[n % NFIXTURES]);
				free(got);
				n++;
			}
			assert_int_equal(r, 0);
		}
		assert_int_equal(n, 3 * NFIXTURES);
		assert_int_equal(amp_decoder_pending(&d), 0);
		amp_decoder_free(&d);
	}
	/* Everything in one read. */
	amp_decoder_init(&d, 0);
	assert_int_equal(amp_feed(&d, all.data, all.len), 0);
	for (n = 0; amp_next(&d, &f) == 1; n++)
		;
	assert_int_equal(n, 3 * NFIXTURES);
	amp_decoder_free(&d);
	for (i = 0; i < NFIXTURES; i++)
		free(want[i]);
	amp_buf_free(&all);
}

static void
t_oversized(void **state)
{
	/* argc 1, length 16 MiB + 1: refused from the header alone. */
	static const unsigned char big[] = {0x11, 0x01, 0x00, 0x00, 0x01};
	static const unsigned char huge[] = {0x12, 0x00, 0x00, 0x00, 0x03, 's',
	    ':', 'x', 0xff, 0xff, 0xff, 0xff};
	struct amp_decoder d;
	struct amp_frame f;

	(void)state;
	amp_decoder_init(&d, 0);
	assert_int_equal(amp_feed(&d, big, 4), 0);
	assert_int_equal(amp_next(&d, &f), 0); /* length incomplete */
	assert_null(amp_error(&d));
	assert_int_equal(amp_feed(&d, big + 4, 1), 0);
	assert_int_equal(amp_next(&d, &f), -1);
	assert_string_equal(amp_error(&d),
	    "amp: argument of 16777217 bytes exceeds the 16 MiB limit");
	/* Sticky: the stream lost framing. */
	assert_int_equal(amp_next(&d, &f), -1);
	assert_int_equal(amp_feed(&d, "x", 1), -1);
	amp_decoder_reset(&d);
	assert_null(amp_error(&d));
	assert_int_equal(amp_feed(&d, huge, sizeof(huge)), 0);
	assert_int_equal(amp_next(&d, &f), -1);
	assert_string_equal(amp_error(&d),
	    "amp: argument of 4294967295 bytes exceeds the 16 MiB limit");
	amp_decoder_free(&d);

	/* A configured limit: exactly the limit passes, one more fails. */
	{
		struct amp_buf b = {0};
		char body[101];
		struct amp_arg a = amp_blob(body, 100);

		memset(body, 'x', sizeof(body));
		amp_decoder_init(&d, 100);
		assert_int_equal(amp_encode(&b, 1, &a), 0);
		assert_int_equal(amp_feed(&d, b.data, b.len), 0);
		assert_int_equal(amp_next(&d, &f), 1);
		assert_int_equal(f.args[0].len, 100);
		b.len = 0;
		a.len = 101;
		assert_int_equal(amp_encode(&b, 1, &a), 0);
		assert_int_equal(amp_feed(&d, b.data, b.len), 0);
		assert_int_equal(amp_next(&d, &f), -1);
		assert_string_equal(amp_error(&d),
		    "amp: argument of 101 bytes exceeds the 100 byte limit");
		amp_decoder_free(&d);
		amp_decoder_init(&d, 64 * 1024);
		a.len = 101;
		b.len = 0;
		assert_int_equal(amp_encode(&b, 1, &a), 0);
		b.data[1] = 0x7f; /* 2 GiB claimed */
		assert_int_equal(amp_feed(&d, b.data, b.len), 0);
		assert_int_equal(amp_next(&d, &f), -1);
		assert_non_null(strstr(amp_error(&d), "the 64 KiB limit"));
		amp_decoder_free(&d);
		amp_buf_free(&b);
	}
}

/* A length past the data is "need more", never a read past the end. */
static void
t_bad_lengths(void **state)
{
	struct blob b = load("rpc-ping-reply.bin");
	struct amp_decoder d;
	struct amp_frame f;

	(void)state;
	/*
	 * First length says 0x1b; claim 0x1c: the frame eats a byte of the
	 * second header, whose length is then 0x873, and waits for more.
	 */
	b.data[4] = 0x1c;
	amp_decoder_init(&d, 0);
	assert_int_equal(amp_feed(&d, b.data, b.len), 0);
	assert_int_equal(amp_next(&d, &f), 0);
	assert_int_equal(amp_decoder_pending(&d), b.len);
	amp_decoder_free(&d);
	/* Claim fewer: JSON text ("\":\"p") is read as the next length. */
	b.data[4] = 0x10;
	amp_decoder_init(&d, 0);
	assert_int_equal(amp_feed(&d, b.data, b.len), 0);
	assert_int_equal(amp_next(&d, &f), -1);
	assert_string_equal(amp_error(&d),
	    "amp: argument of 574235248 bytes exceeds the 16 MiB limit");
	amp_decoder_free(&d);
	/* A complete frame followed by a stray byte: frame, then error. */
	amp_decoder_init(&d, 0);
	b.data[4] = 0x1b;
	assert_int_equal(amp_feed(&d, b.data, b.len), 0);
	assert_int_equal(amp_feed(&d, "{", 1), 0);
	assert_int_equal(amp_next(&d, &f), 1);
	assert_int_equal(amp_next(&d, &f), -1);
	assert_non_null(strstr(amp_error(&d), "version 7 is not 1"));
	amp_decoder_free(&d);
	free(b.data);
}

static void
t_version(void **state)
{
	static const unsigned char bytes[] = {0x22, 0x02, 0x00, 0xf2, 0x12};
	struct amp_decoder d;
	struct amp_frame f;
	size_t i;
	char want[64];

	(void)state;
	for (i = 0; i < 4; i++) {
		amp_decoder_init(&d, 0);
		assert_int_equal(amp_feed(&d, &bytes[i], 1), 0);
		assert_int_equal(amp_next(&d, &f), -1);
		snprintf(want, sizeof(want), "amp: frame version %u is not 1",
		    bytes[i] >> 4);
		assert_non_null(strstr(amp_error(&d), want));
		amp_decoder_free(&d);
	}
	/* 0x12 waits for its arguments. */
	amp_decoder_init(&d, 0);
	assert_int_equal(amp_feed(&d, &bytes[4], 1), 0);
	assert_int_equal(amp_next(&d, &f), 0);
	amp_decoder_free(&d);
}

static void
t_round_trip(void **state)
{
	static const char bin[] = {0, 1, 2, 's', 0, (char)0xff};
	struct amp_buf b = {0};
	struct amp_decoder d;
	struct amp_frame f;
	struct amp_arg a[AMP_MAX_ARGS + 1];
	char tmp[AMP_MAX_ARGS][8];
	int i, argc;

	(void)state;
	/* argc 0 .. 15 with mixed types, including empty arguments. */
	for (argc = 0; argc <= AMP_MAX_ARGS; argc++) {
		b.len = 0;
		for (i = 0; i < argc; i++) {
			snprintf(tmp[i], sizeof(tmp[i]), "%d", i * 7);
			if (i % 4 == 0)
				a[i] = amp_str(tmp[i]);
			else if (i % 4 == 1)
				a[i] = amp_json(tmp[i]);
			else if (i % 4 == 2)
				a[i] = amp_blob(bin, sizeof(bin));
			else
				a[i] = amp_str("");
		}
		assert_int_equal(amp_encode(&b, argc, a), 0);
		assert_int_equal((unsigned char)b.data[0], 0x10 | argc);
		amp_decoder_init(&d, 0);
		assert_int_equal(amp_feed(&d, b.data, b.len), 0);
		assert_int_equal(amp_next(&d, &f), 1);
		assert_int_equal(f.argc, argc);
		for (i = 0; i < argc; i++) {
			assert_int_equal(f.args[i].type, a[i].type);
			assert_int_equal(f.args[i].len, a[i].len);
			assert_memory_equal(
			    f.args[i].data, a[i].data, a[i].len);
			assert_int_equal(f.args[i].data[a[i].len], '\0');
		}
		amp_decoder_free(&d);
	}
	/* Re-encoding a decoded frame gives the captured bytes back. */
	{
		struct blob fx = load("rpc-start-error-reply.bin");

		amp_decoder_init(&d, 0);
		assert_int_equal(amp_feed(&d, fx.data, fx.len), 0);
		assert_int_equal(amp_next(&d, &f), 1);
		b.len = 0;
		assert_int_equal(amp_encode(&b, f.argc, f.args), 0);
		assert_int_equal(b.len, fx.len);
		assert_memory_equal(b.data, fx.data, fx.len);
		amp_decoder_free(&d);
		free(fx.data);
	}
	/* Bad argc: nothing appended. */
	b.len = 3;
	errno = 0;
	assert_int_equal(amp_encode(&b, 16, a), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(amp_encode(&b, -1, a), -1);
	assert_int_equal(b.len, 3);
	/* A two-byte "s:" blob decodes as an empty string: the prefix wins. */
	b.len = 0;
	a[0] = amp_blob("j:", 2);
	assert_int_equal(amp_encode(&b, 1, a), 0);
	amp_decoder_init(&d, 0);
	amp_feed(&d, b.data, b.len);
	assert_int_equal(amp_next(&d, &f), 1);
	assert_int_equal(f.args[0].type, AMP_JSON);
	assert_int_equal(f.args[0].len, 0);
	amp_decoder_free(&d);
	/* amp_buf_consume drops written bytes. */
	b.len = 0;
	a[0] = amp_str("abc");
	assert_int_equal(amp_encode(&b, 1, a), 0);
	amp_buf_consume(&b, 4);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "\x05s:abc", 6);
	amp_buf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	amp_buf_free(&b);
}

static void
t_arg_json(void **state)
{
	static const struct {
		struct amp_arg a;
		const char *err; /* NULL: parses */
	} cases[] = {
	    {{AMP_JSON, "{\"a\":1}", 7}, NULL},
	    {{AMP_JSON, "[1, 2] \n", 8}, NULL},
	    {{AMP_JSON, "{\"a\":", 5}, "JSON is truncated"},
	    {{AMP_JSON, "{bad}", 5}, "bad JSON at byte"},
	    {{AMP_JSON, "{} x", 4}, "trailing data at byte 3"},
	    {{AMP_JSON, "", 0}, "truncated"},
	    {{AMP_JSON, "{}\0{}", 5}, "trailing data"},
	    {{AMP_STRING, "{}", 2}, "expected JSON"},
	    {{AMP_BLOB, "{}", 2}, "a raw blob"},
	};
	struct json_object *o;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = amp_arg_json(&cases[i].a, 1, &o, err, sizeof(err));

		if (cases[i].err == NULL) {
			assert_int_equal(rc, 0);
			assert_non_null(o);
			json_object_put(o);
		} else {
			assert_int_equal(rc, -1);
			assert_null(o);
			if (strstr(err, cases[i].err) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i, err,
				    cases[i].err);
		}
	}
	/* j:null is valid JSON: 0 and a NULL object. */
	{
		struct amp_arg a = {AMP_JSON, "null", 4};

		assert_int_equal(amp_arg_json(&a, 1, &o, err, sizeof(err)), 0);
		assert_null(o);
	}
	/* Nesting deeper than the tokener allows is an error, not a crash. */
	{
		char deep[2001];
		struct amp_arg a = {AMP_JSON, deep, 2000};

		memset(deep, '[', 1000);
		memset(deep + 1000, ']', 1000);
		assert_int_equal(amp_arg_json(&a, 1, &o, err, sizeof(err)), -1);
	}
}

/* A long-lived stream keeps a small buffer; big frames give memory back. */
static void
t_compaction(void **state)
{
	struct blob ev = load("pub-process-event.bin");
	struct amp_decoder d;
	struct amp_frame f;
	struct amp_buf big = {0};
	struct amp_arg a[2];
	char *body;
	size_t i, off, max_cap = 0, chunk = 1000;

	(void)state;
	amp_decoder_init(&d, 0);
	/* 2000 frames through reads that straddle frame boundaries. */
	for (i = 0; i < 2000; i++)
		for (off = 0; off < ev.len; off += chunk) {
			size_t n = ev.len - off < chunk ? ev.len - off : chunk;

			assert_int_equal(amp_feed(&d, ev.data + off, n), 0);
			while (amp_next(&d, &f) == 1)
				;
			if (amp_decoder_capacity(&d) > max_cap)
				max_cap = amp_decoder_capacity(&d);
		}
	assert_true(max_cap <= 8192);
	/* One 4 MiB frame, then small ones again. */
	body = malloc(4 << 20);
	assert_non_null(body);
	memset(body, 'x', 4 << 20);
	a[0] = amp_str("log:out");
	a[1] = amp_blob(body, 4 << 20);
	assert_int_equal(amp_encode(&big, 2, a), 0);
	for (off = 0; off < big.len; off += 65536) {
		size_t n = big.len - off < 65536 ? big.len - off : 65536;

		assert_int_equal(amp_feed(&d, big.data + off, n), 0);
		i = 0;
		while (amp_next(&d, &f) == 1)
			i++;
		assert_int_equal(i, off + n == big.len);
	}
	assert_int_equal(f.args[1].len, 4 << 20);
	assert_true(d.frame.cap >= (size_t)(4 << 20));
	for (i = 0; i < 10; i++) {
		assert_int_equal(amp_feed(&d, ev.data, 100), 0);
		assert_int_equal(amp_next(&d, &f), 0);
		assert_int_equal(amp_feed(&d, ev.data + 100, ev.len - 100), 0);
		assert_int_equal(amp_next(&d, &f), 1);
	}
	assert_true(amp_decoder_capacity(&d) <= 64 * 1024);
	assert_true(d.frame.cap <= 64 * 1024);
	amp_decoder_free(&d);
	amp_buf_free(&big);
	free(body);
	free(ev.data);
}

/* Requests built by rpc.c are byte-identical to the PM2 CLI's. */
static void
t_rpc_requests_exact(void **state)
{
	static const struct {
		const char *fixture;
		int which;
		const char *id;
	} cases[] = {
	    {"rpc-ping-request.bin", 0, "7180:0"},
	    {"rpc-getmonitordata-request.bin", 1, "13849:0"},
	    {"rpc-restart-request.bin", 2, "13849:1"},
	    {"rpc-stop-request.bin", 3, "13849:2"},
	    {"rpc-start-request.bin", 4, "13849:3"},
	    {"rpc-notify-request.bin", 5, "13849:6"},
	};
	struct amp_buf b = {0};
	size_t i;
	char id[32];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct blob fx = load(cases[i].fixture);
		int rc = -1;

		b.len = 0;
		switch (cases[i].which) {
		case 0:
			rc = rpc_ping(&b, cases[i].id);
			break;
		case 1:
			rc = rpc_get_monitor_data(&b, cases[i].id);
			break;
		case 2:
			rc = rpc_restart_process_id(&b, cases[i].id, 5);
			break;
		case 3:
			rc = rpc_stop_process_id(&b, cases[i].id, 5);
			break;
		case 4:
			rc = rpc_start_process_id(&b, cases[i].id, 5);
			break;
		case 5:
			rc = rpc_notify_by_process_id(
			    &b, cases[i].id, 5, "restart", 1);
			break;
		}
		assert_int_equal(rc, 0);
		if (b.len != fx.len || memcmp(b.data, fx.data, fx.len) != 0)
			fail_msg("%s: built %zu bytes differ from the %zu "
			         "captured: %.*s",
			    cases[i].fixture, b.len, fx.len, (int)b.len - 5,
			    b.data + 5);
		free(fx.data);
	}
	/* Methods without a capture: the body. */
	b.len = 0;
	assert_int_equal(rpc_delete_process_id(&b, "1:9", 21), 0);
	assert_int_equal(rpc_get_version(&b, "1:10"), 0);
	assert_non_null(memmem(b.data, b.len,
	    LIT("j:{\"type\":\"call\",\"method\":\"deleteProcessId\","
	        "\"args\":[21]}\0\0\0\x05s:1:9")));
	assert_non_null(memmem(
	    b.data, b.len, LIT("\"method\":\"getVersion\",\"args\":[{}]}")));
	/* Escaping of a caller string; slashes stay as they are. */
	b.len = 0;
	assert_int_equal(rpc_notify_by_process_id(&b, "x", 0, "a\"/b", 0), 0);
	assert_non_null(memmem(b.data, b.len,
	    LIT("{\"id\":0,\"action_name\":\"a\\\"/b\",\"manually\":false}")));
	/* Bad input: nothing appended. */
	b.len = 0;
	errno = 0;
	assert_int_equal(rpc_stop_process_id(&b, "x", -1), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(rpc_restart_process_id(&b, "x", -5), -1);
	assert_int_equal(rpc_ping(&b, ""), -1);
	assert_int_equal(rpc_ping(&b, NULL), -1);
	memset(id, 'a', sizeof(id));
	id[31] = '\0';
	assert_int_equal(rpc_ping(&b, id), 0);
	b.len = 0;
	{
		char longid[RPC_ID_MAX + 1];

		memset(longid, '1', RPC_ID_MAX);
		longid[RPC_ID_MAX] = '\0';
		assert_int_equal(rpc_ping(&b, longid), -1);
		longid[RPC_ID_MAX - 1] = '\0';
		assert_int_equal(rpc_ping(&b, longid), 0);
	}
	b.len = 0;
	assert_int_equal(rpc_notify_by_process_id(&b, "x", 1, "", 1), -1);
	assert_int_equal(rpc_notify_by_process_id(&b, "x", 1, NULL, 1), -1);
	assert_int_equal(b.len, 0);
	assert_int_equal(rpc_format_id(id, sizeof(id), 13849, 7), 7);
	assert_string_equal(id, "13849:7");
	amp_buf_free(&b);
}

static int
decode_fixture(const char *name, struct amp_decoder *d, struct amp_frame *f)
{
	struct blob b = load(name);

	amp_decoder_init(d, 0);
	assert_int_equal(amp_feed(d, b.data, b.len), 0);
	free(b.data);
	return amp_next(d, f);
}

static void
t_rpc_replies(void **state)
{
	struct amp_decoder d;
	struct amp_frame f;
	struct rpc_reply r;
	char err[256];

	(void)state;
	assert_int_equal(decode_fixture("rpc-ping-reply.bin", &d, &f), 1);
	assert_int_equal(rpc_reply_parse(&f, &r, err, sizeof(err)), 0);
	amp_decoder_free(&d); /* the reply owns its copies */
	assert_string_equal(r.id, "7180:0");
	assert_int_equal(r.ok, 1);
	assert_int_equal(r.nresults, 1);
	assert_string_equal(
	    json_object_get_string(json_object_object_get(r.result, "msg")),
	    "pong");
	rpc_reply_free(&r);

	assert_int_equal(
	    decode_fixture("rpc-start-error-reply.bin", &d, &f), 1);
	assert_int_equal(rpc_reply_parse(&f, &r, err, sizeof(err)), 0);
	assert_string_equal(r.id, "13849:4");
	assert_int_equal(r.ok, 0);
	assert_null(r.result);
	assert_string_equal(r.error, "process already online");
	rpc_reply_free(&r);
	amp_decoder_free(&d);

	assert_int_equal(
	    decode_fixture("rpc-unknown-method-reply.bin", &d, &f), 1);
	assert_int_equal(rpc_reply_parse(&f, &r, err, sizeof(err)), 0);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.error, "method \"noSuchMethod\" does not exist");
	rpc_reply_free(&r);
	amp_decoder_free(&d);

	assert_int_equal(decode_fixture("rpc-notify-reply.bin", &d, &f), 1);
	assert_int_equal(rpc_reply_parse(&f, &r, err, sizeof(err)), 0);
	assert_int_equal(r.ok, 1);
	assert_int_equal(r.nresults, 0);
	assert_null(r.result);
	assert_string_equal(r.id, "13849:6");
	rpc_reply_free(&r);
	amp_decoder_free(&d);
}

static void
t_rpc_reply_errors(void **state)
{
	static const struct {
		int argc;
		struct amp_arg a0, a1, a2;
		const char *err;
	} cases[] = {
	    {1, {AMP_JSON, "{}", 2}, {0}, {0},
	        "expected 2 arguments (JSON message, id), got 1"},
	    {3, {AMP_JSON, "{}", 2}, {AMP_STRING, "1", 1}, {AMP_STRING, "1", 1},
	        "got 3"},
	    {2, {AMP_JSON, "{\"args\":[]}", 11}, {AMP_BLOB, "1:1", 3}, {0},
	        "argument 2 (message id) is not a string"},
	    {2, {AMP_JSON, "{\"args\":[]}", 11}, {AMP_STRING, "", 0}, {0},
	        "message id of 0 bytes"},
	    {2, {AMP_JSON, "{\"args\":[]}", 11}, {AMP_STRING, "a\0b", 3}, {0},
	        "binary"},
	    {2, {AMP_STRING, "{}", 2}, {AMP_STRING, "1:1", 3}, {0},
	        "rpc reply 1:1: amp: argument 1 is a string"},
	    {2, {AMP_JSON, "{\"args\":[", 9}, {AMP_STRING, "1:1", 3}, {0},
	        "rpc reply 1:1: amp: argument 1: JSON is truncated"},
	    {2, {AMP_JSON, "{\"args\" 1}", 10}, {AMP_STRING, "1:1", 3}, {0},
	        "bad JSON at byte"},
	    {2, {AMP_JSON, "[1]", 3}, {AMP_STRING, "1:1", 3}, {0},
	        "rpc reply 1:1: message is not a JSON object"},
	    {2, {AMP_JSON, "null", 4}, {AMP_STRING, "1:1", 3}, {0},
	        "message is not a JSON object"},
	    {2, {AMP_JSON, "{\"methods\":{}}", 14}, {AMP_STRING, "1:1", 3}, {0},
	        "neither \"args\" nor \"error\""},
	    {2, {AMP_JSON, "{\"args\":{}}", 11}, {AMP_STRING, "1:1", 3}, {0},
	        "\"args\" is not an array"},
	};
	struct amp_frame f;
	struct rpc_reply r;
	char err[256], longid[RPC_ID_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&f, 0, sizeof(f));
		f.argc = cases[i].argc;
		f.args[0] = cases[i].a0;
		f.args[1] = cases[i].a1;
		f.args[2] = cases[i].a2;
		err[0] = '\0';
		assert_int_equal(rpc_reply_parse(&f, &r, err, sizeof(err)), -1);
		if (strstr(err, cases[i].err) == NULL)
			fail_msg(
			    "case %zu: '%s' lacks '%s'", i, err, cases[i].err);
		assert_null(r.root);
	}
	memset(longid, '7', RPC_ID_MAX);
	f.argc = 2;
	f.args[0] = amp_json("{\"args\":[1]}");
	f.args[1] = amp_strn(longid, RPC_ID_MAX);
	assert_int_equal(rpc_reply_parse(&f, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 63"));
	f.args[1] = amp_strn(longid, RPC_ID_MAX - 1);
	assert_int_equal(rpc_reply_parse(&f, &r, err, sizeof(err)), 0);
	assert_int_equal(strlen(r.id), RPC_ID_MAX - 1);
	assert_int_equal(json_object_get_int(r.result), 1);
	rpc_reply_free(&r);
	/* Odd error values: kept as one printable line. */
	f.args[1] = amp_str("9:9");
	f.args[0] = amp_json("{\"error\":{\"code\":1}}");
	assert_int_equal(rpc_reply_parse(&f, &r, err, sizeof(err)), 0);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.error, "{\"code\":1}");
	rpc_reply_free(&r);
	f.args[0] = amp_json("{\"error\":\"a\\nb\\u0001\",\"args\":[1]}");
	assert_int_equal(rpc_reply_parse(&f, &r, err, sizeof(err)), 0);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.error, "a b ");
	rpc_reply_free(&r);
	f.args[0] = amp_json("{\"error\":\"\"}");
	assert_int_equal(rpc_reply_parse(&f, &r, err, sizeof(err)), 0);
	assert_string_equal(r.error, "(empty error message)");
	rpc_reply_free(&r);
	/* "error": null is no error (JS falsy). */
	f.args[0] = amp_json("{\"error\":null,\"args\":[null]}");
	assert_int_equal(rpc_reply_parse(&f, &r, err, sizeof(err)), 0);
	assert_int_equal(r.ok, 1);
	assert_int_equal(r.nresults, 1);
	assert_null(r.result);
	rpc_reply_free(&r);
}

/*
 * A getMonitorData reply as big as PM2 sends (the capture was cut; rebuild
 * it from jlist-sample.json), through the decoder in socket-sized reads,
 * into a process list.
 */
static void
t_monitor_data_reply(void **state)
{
	struct blob jl = load("jlist-sample.json");
	struct amp_buf msg = {0}, wire = {0};
	struct amp_decoder d;
	struct amp_frame f;
	struct amp_arg a[2];
	struct rpc_reply r;
	struct procs_list l;
	char err[256];
	size_t off;
	int got = 0;

	(void)state;
	msg.data = malloc(jl.len + 32);
	assert_non_null(msg.data);
	msg.len = (size_t)sprintf(msg.data, "{\"args\":[%s]}", jl.data);
	a[0] = amp_json(msg.data);
	a[1] = amp_str("13849:0");
	assert_int_equal(amp_encode(&wire, 2, a), 0);
	assert_true(wire.len > 65536);
	amp_decoder_init(&d, 0);
	for (off = 0; off < wire.len; off += 4096) {
		size_t n = wire.len - off < 4096 ? wire.len - off : 4096;

		assert_int_equal(amp_feed(&d, wire.data + off, n), 0);
		while (amp_next(&d, &f) == 1) {
			got++;
			assert_int_equal(
			    rpc_reply_parse(&f, &r, err, sizeof(err)), 0);
		}
	}
	assert_int_equal(got, 1);
	amp_decoder_free(&d);
	assert_string_equal(r.id, "13849:0");
	assert_int_equal(r.ok, 1);
	assert_int_equal(procs_parse(r.result, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 11);
	assert_string_equal(l.v[0].name, "stable");
	procs_list_free(&l);
	rpc_reply_free(&r);
	amp_buf_free(&msg);
	amp_buf_free(&wire);
	free(jl.data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_fixtures_decode),
	    cmocka_unit_test(t_split_every_boundary),
	    cmocka_unit_test(t_several_frames_one_read),
	    cmocka_unit_test(t_oversized),
	    cmocka_unit_test(t_bad_lengths),
	    cmocka_unit_test(t_version),
	    cmocka_unit_test(t_round_trip),
	    cmocka_unit_test(t_arg_json),
	    cmocka_unit_test(t_compaction),
	    cmocka_unit_test(t_rpc_requests_exact),
	    cmocka_unit_test(t_rpc_replies),
	    cmocka_unit_test(t_rpc_reply_errors),
	    cmocka_unit_test(t_monitor_data_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
