/*
 * amp.c: encoder and streaming decoder of the amp framing used by PM2's
 * axon sockets. No I/O here: callers read and write the sockets.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "amp.h"

/* Buffers above this size are given back once they are mostly empty. */
#define AMP_KEEP ((size_t)64 * 1024)
/* json-c's default of 32 is tight for a cloned ChildProcess reply. */
#define AMP_JSON_DEPTH 64

static int
amp_buf_reserve(struct amp_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len) {
		errno = ENOMEM;
		return -1;
	}
	need = b->len + extra;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

void
amp_buf_free(struct amp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
amp_buf_consume(struct amp_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

struct amp_arg
amp_strn(const char *s, size_t len)
{
	struct amp_arg a = {AMP_STRING, s, len};

	return a;
}

struct amp_arg
amp_str(const char *s)
{
	return amp_strn(s, strlen(s));
}

struct amp_arg
amp_json(const char *json_text)
{
	struct amp_arg a = {AMP_JSON, json_text, strlen(json_text)};

	return a;
}

struct amp_arg
amp_blob(const void *p, size_t len)
{
	struct amp_arg a = {AMP_BLOB, p, len};

	return a;
}

static void
amp_put32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

static uint32_t
amp_get32(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int
amp_encode(struct amp_buf *out, int argc, const struct amp_arg *args)
{
	size_t total = 1, blen;
	char *p;
	int i;

	if (argc < 0 || argc > AMP_MAX_ARGS || (argc > 0 && args == NULL)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < argc; i++) {
		blen = args[i].len + (args[i].type == AMP_BLOB ? 0 : 2);
		if (args[i].len > UINT32_MAX - 2 || blen > UINT32_MAX ||
		    (args[i].len > 0 && args[i].data == NULL)) {
			errno = EINVAL;
			return -1;
		}
		if (blen + 4 > SIZE_MAX - total) {
			errno = ENOMEM;
			return -1;
		}
		total += 4 + blen;
	}
	if (amp_buf_reserve(out, total) == -1)
		return -1;
	p = out->data + out->len;
	*p++ = (char)(AMP_VERSION << 4 | argc);
	for (i = 0; i < argc; i++) {
		blen = args[i].len;
		if (args[i].type != AMP_BLOB)
			blen += 2;
		amp_put32(p, (uint32_t)blen);
		p += 4;
		if (args[i].type == AMP_STRING) {
			memcpy(p, "s:", 2);
			p += 2;
		} else if (args[i].type == AMP_JSON) {
			memcpy(p, "j:", 2);
			p += 2;
		}
		if (args[i].len > 0)
			memcpy(p, args[i].data, args[i].len);
		p += args[i].len;
	}
	out->len += total;
	return 0;
}

void
amp_decoder_init(struct amp_decoder *d, size_t max_arg)
{
	memset(d, 0, sizeof(*d));
	d->max_arg = max_arg ? max_arg : AMP_DEFAULT_MAX_ARG;
}

void
amp_decoder_free(struct amp_decoder *d)
{
	free(d->buf);
	d->buf = NULL;
	d->start = d->end = d->cap = 0;
	amp_buf_free(&d->frame);
}

void
amp_decoder_reset(struct amp_decoder *d)
{
	size_t max_arg = d->max_arg;

	amp_decoder_free(d);
	amp_decoder_init(d, max_arg);
}

const char *
amp_error(const struct amp_decoder *d)
{
	return d->failed ? d->err : NULL;
}

size_t
amp_decoder_pending(const struct amp_decoder *d)
{
	return d->end - d->start;
}

size_t
amp_decoder_capacity(const struct amp_decoder *d)
{
	return d->cap;
}

static int amp_fail(struct amp_decoder *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
amp_fail(struct amp_decoder *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	d->failed = 1;
	return -1;
}

static void
amp_fmt_size(char *buf, size_t len, size_t n)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(buf, len, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%zu KiB", n / 1024);
	else
		snprintf(buf, len, "%zu byte", n);
}

int
amp_feed(struct amp_decoder *d, const void *data, size_t len)
{
	size_t have, need, cap;
	char *p;

	if (d->failed) {
		errno = EINVAL;
		return -1;
	}
	if (len == 0)
		return 0;
	have = d->end - d->start;
	if (len > SIZE_MAX - have) {
		errno = ENOMEM;
		return -1;
	}
	need = have + len;
	/* The incomplete frame goes to the front: one move per frame. */
	if (d->start > 0) {
		if (have > 0)
			memmove(d->buf, d->buf + d->start, have);
		d->start = 0;
		d->end = have;
	}
	if (d->cap > AMP_KEEP && need < d->cap / 4) {
		/* One big frame passed: give the memory back. */
		cap = need * 2 > AMP_KEEP ? need * 2 : AMP_KEEP;
		if ((p = realloc(d->buf, cap)) != NULL) {
			d->buf = p;
			d->cap = cap;
		}
	}
	if (d->end + len > d->cap) {
		cap = d->cap ? d->cap : 4096;
		while (cap < d->end + len)
			cap = cap > SIZE_MAX / 2 ? d->end + len : cap * 2;
		if ((p = realloc(d->buf, cap)) == NULL)
			return -1;
		d->buf = p;
		d->cap = cap;
	}
	memcpy(d->buf + d->end, data, len);
	d->end += len;
	return 0;
}

int
amp_next(struct amp_decoder *d, struct amp_frame *f)
{
	size_t avail, off, total, lens[AMP_MAX_ARGS];
	const char *p;
	char limit[32], *q;
	unsigned meta;
	int argc, i;

	if (d->failed)
		return -1;
	avail = d->end - d->start;
	if (avail < 1)
		return 0;
	p = d->buf + d->start;
	meta = (unsigned char)p[0];
	if (meta >> 4 != AMP_VERSION)
		return amp_fail(d,
		    "amp: frame version %u is not %d (first byte 0x%02x): "
		    "the peer is not a PM2 axon socket or the stream lost "
		    "its framing; reconnect",
		    meta >> 4, AMP_VERSION, meta);
	argc = (int)(meta & 0x0f);
	/*
	 * Re-scan the headers from the frame start on every call: at most 15
	 * length fields, and no state to get wrong across split reads.
	 */
	off = 1;
	total = 0;
	for (i = 0; i < argc; i++) {
		if (avail - off < 4)
			return 0;
		lens[i] = amp_get32(p + off);
		if (lens[i] > d->max_arg) {
			amp_fmt_size(limit, sizeof(limit), d->max_arg);
			return amp_fail(d,
			    "amp: argument of %zu bytes exceeds the %s limit",
			    lens[i], limit);
		}
		off += 4;
		if (avail - off < lens[i])
			return 0;
		off += lens[i];
		total += lens[i] + 1;
	}

	/* Complete: copy the bodies out, NUL-terminated. */
	if (d->frame.cap > AMP_KEEP && total < d->frame.cap / 4)
		amp_buf_free(&d->frame);
	d->frame.len = 0;
	if (amp_buf_reserve(&d->frame, total ? total : 1) == -1)
		return amp_fail(
		    d, "amp: out of memory for a frame of %zu bytes", total);
	f->argc = argc;
	q = d->frame.data;
	off = 1;
	for (i = 0; i < argc; i++) {
		const char *body = p + off + 4;
		size_t n = lens[i];

		memcpy(q, body, n);
		q[n] = '\0';
		if (n >= 2 && body[0] == 's' && body[1] == ':') {
			f->args[i].type = AMP_STRING;
			f->args[i].data = q + 2;
			f->args[i].len = n - 2;
		} else if (n >= 2 && body[0] == 'j' && body[1] == ':') {
			f->args[i].type = AMP_JSON;
			f->args[i].data = q + 2;
			f->args[i].len = n - 2;
		} else {
			f->args[i].type = AMP_BLOB;
			f->args[i].data = q;
			f->args[i].len = n;
		}
		q += n + 1;
		off += 4 + n;
	}
	for (; i < AMP_MAX_ARGS; i++) {
		f->args[i].type = AMP_BLOB;
		f->args[i].data = NULL;
		f->args[i].len = 0;
	}
	d->frame.len = total;
	d->start += off;
	if (d->start == d->end) {
		d->start = d->end = 0;
		if (d->cap > AMP_KEEP) {
			free(d->buf);
			d->buf = NULL;
			d->cap = 0;
		}
	}
	return 1;
}

int
amp_arg_json(const struct amp_arg *a, int idx, struct json_object **out,
    char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	if (a->type != AMP_JSON) {
		snprintf(err, errlen,
		    "amp: argument %d is %s, expected JSON (\"j:\")", idx,
		    a->type == AMP_STRING ? "a string (\"s:\")" : "a raw blob");
		return -1;
	}
	if (a->len > INT32_MAX) {
		snprintf(err, errlen,
		    "amp: argument %d: JSON of %zu bytes is too long", idx,
		    a->len);
		return -1;
	}
	if ((tok = json_tokener_new_ex(AMP_JSON_DEPTH)) == NULL) {
		snprintf(err, errlen, "amp: argument %d: out of memory", idx);
		return -1;
	}
	o = json_tokener_parse_ex(tok, a->data, (int)a->len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* A bare number or literal ends only at a delimiter. */
		o = json_tokener_parse_ex(tok, "", 1);
		if ((jerr = json_tokener_get_error(tok)) !=
		    json_tokener_success)
			jerr =
			    json_tokener_continue; /* reported as truncated */
		end = a->len;
	}
	json_tokener_free(tok);
	if (jerr == json_tokener_continue) {
		json_object_put(o);
		snprintf(err, errlen,
		    "amp: argument %d: JSON is truncated after %zu bytes", idx,
		    a->len);
		return -1;
	}
	if (jerr != json_tokener_success) {
		json_object_put(o);
		snprintf(err, errlen,
		    "amp: argument %d: bad JSON at byte %zu: %s", idx, end,
		    json_tokener_error_desc(jerr));
		return -1;
	}
	while (end < a->len && a->data[end] != '\0' &&
	       strchr(" \t\r\n", a->data[end]) != NULL)
		end++;
	if (end < a->len) {
		json_object_put(o);
		snprintf(err, errlen,
		    "amp: argument %d: bad JSON: trailing data at byte %zu",
		    idx, end);
		return -1;
	}
	*out = o;
	return 0;
}
