/*
 * amp.h: the amp framing codec of PM2's axon sockets (rpc.sock, pub.sock).
 * Pure and loop-free: an encoder into a growable buffer and a streaming
 * decoder fed with arbitrary byte chunks.
 *
 * Wire format (amp 0.3.1, no frame length, no terminator):
 *   byte 0        (version << 4) | argc      version 1, argc 0..15
 *   per argument  uint32 big-endian length, then that many bytes
 *   body          "s:" + UTF-8 string | "j:" + JSON text | anything else: blob
 */
#ifndef PM2_AMP_H
#define PM2_AMP_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

#define AMP_VERSION 1
#define AMP_MAX_ARGS 15
/* Default limit for one argument; PM2's biggest frames are ~50 KB. */
#define AMP_DEFAULT_MAX_ARG ((size_t)16 * 1024 * 1024)

enum amp_type {
	AMP_BLOB = 0, /* raw bytes, no prefix */
	AMP_STRING,   /* "s:" prefix */
	AMP_JSON,     /* "j:" prefix */
};

/*
 * One argument. On encode, data/len is the body without its prefix; the
 * encoder adds "s:" or "j:". On decode, data points past the prefix and is
 * NUL-terminated (len excludes the NUL), valid until the next amp_next(),
 * amp_feed() or amp_decoder_free() on the decoder that produced it.
 */
struct amp_arg {
	enum amp_type type;
	const char *data;
	size_t len;
};

struct amp_frame {
	int argc;
	struct amp_arg args[AMP_MAX_ARGS];
};

/* A growable byte buffer; zero-initialise it, release with amp_buf_free. */
struct amp_buf {
	char *data;
	size_t len;
	size_t cap;
};

void amp_buf_free(struct amp_buf *b);
/* Forget `n` bytes from the front (written to the socket). */
void amp_buf_consume(struct amp_buf *b, size_t n);

struct amp_arg amp_str(const char *s);
struct amp_arg amp_strn(const char *s, size_t len);
struct amp_arg amp_json(const char *json_text);
struct amp_arg amp_blob(const void *p, size_t len);

/*
 * Append one frame to `out`. Returns 0, or -1 with errno EINVAL (argc not
 * in 0..15, an argument above 4 GiB) or ENOMEM; `out` is unchanged then.
 */
int amp_encode(struct amp_buf *out, int argc, const struct amp_arg *args);

/*
 * Streaming decoder. Feed bytes with amp_feed(), then call amp_next()
 * until it returns 0 before feeding again: the decoder buffers only what
 * is not yet a complete frame, compacts on every feed and gives back large
 * allocations, so a long-lived pub.sock stream stays small.
 *
 * Errors are sticky: after -1 the stream has lost framing and the caller
 * must drop the connection and start a new decoder (amp_decoder_reset).
 */
struct amp_decoder {
	char *buf; /* received bytes, frame data from `start` to `end` */
	size_t start, end, cap;
	size_t max_arg;       /* limit for one argument's length */
	struct amp_buf frame; /* storage of the last frame's arguments */
	int failed;
	char err[160];
};

/* max_arg 0 means AMP_DEFAULT_MAX_ARG. */
void amp_decoder_init(struct amp_decoder *d, size_t max_arg);
void amp_decoder_free(struct amp_decoder *d);
/* Free and re-init with the same limit: for a new connection. */
void amp_decoder_reset(struct amp_decoder *d);

/* Returns 0, or -1 (ENOMEM or decoder already failed; see amp_error). */
int amp_feed(struct amp_decoder *d, const void *data, size_t len);
/* 1: a frame in *f; 0: need more bytes; -1: error, see amp_error. */
int amp_next(struct amp_decoder *d, struct amp_frame *f);
const char *amp_error(const struct amp_decoder *d);
/* Bytes of an incomplete frame held: non-zero at EOF means a cut frame. */
size_t amp_decoder_pending(const struct amp_decoder *d);
/* Bytes currently allocated for the input buffer (for tests, metrics). */
size_t amp_decoder_capacity(const struct amp_decoder *d);

/*
 * Parse a JSON argument (`idx` only names it in errors). Returns 0 with a
 * new json-c reference in *out that the caller puts (NULL for JSON null),
 * or -1 with `err` set: not a "j:" argument, bad or truncated JSON (with
 * the byte offset), trailing data.
 */
int amp_arg_json(const struct amp_arg *a, int idx, struct json_object **out,
    char *err, size_t errlen);

#endif /* PM2_AMP_H */
