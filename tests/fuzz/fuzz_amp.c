/*
 * fuzz_amp.c: fuzz harness of the PM2 plugin's amp decoder and rpc reply
 * parser; the input is fed in chunks whose sizes derive from its bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "plugins/pm2/amp.h"
#include "plugins/pm2/procs.h"
#include "plugins/pm2/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decoding what we encode must give the same frame back. */
static void
fuzz_amp_round_trip(const struct amp_frame *f)
{
	struct amp_buf b = {0};
	struct amp_decoder d;
	struct amp_frame g;
	int i;

	if (amp_encode(&b, f->argc, f->args) != 0)
		abort();
	amp_decoder_init(&d, 0);
	if (amp_feed(&d, b.data, b.len) != 0 || amp_next(&d, &g) != 1 ||
	    g.argc != f->argc || amp_decoder_pending(&d) != 0)
		abort();
	for (i = 0; i < f->argc; i++)
		if (g.args[i].type != f->args[i].type ||
		    g.args[i].len != f->args[i].len ||
		    memcmp(g.args[i].data, f->args[i].data, g.args[i].len) !=
		        0 ||
		    g.args[i].data[g.args[i].len] != '\0')
			abort();
	amp_decoder_free(&d);
	amp_buf_free(&b);
}

static void
fuzz_amp_frame(const struct amp_frame *f)
{
	struct json_object *o;
	struct rpc_reply r;
	struct procs_event ev;
	char err[256];
	int i;

	for (i = 0; i < f->argc; i++)
		if (amp_arg_json(&f->args[i], i + 1, &o, err, sizeof(err)) == 0)
			json_object_put(o);
	if (rpc_reply_parse(f, &r, err, sizeof(err)) == 0) {
		if (r.ok != 0 && r.ok != 1)
			abort();
		rpc_reply_free(&r);
	}
	if (f->argc == 2 && f->args[0].type == AMP_STRING &&
	    strcmp(f->args[0].data, "process:event") == 0 &&
	    procs_event_parse_text(
	        f->args[1].data, f->args[1].len, &ev, err, sizeof(err)) == 0)
		procs_event_free(&ev);
	fuzz_amp_round_trip(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amp_decoder d;
	struct amp_frame f;
	uint32_t x = 2463534242u;
	size_t off = 0, n, i, maxchunk;
	int r = 0;

	/* Chunk sizes from the first bytes, which are still decoded. */
	for (i = 0; i < size && i < 4; i++)
		x = x * 31 + data[i];
	maxchunk = 1 + (x & 0x3f) * ((x >> 8) & 3 ? 1 : 64);
	/* A small limit so that big claimed lengths hit it too. */
	amp_decoder_init(&d, (x >> 12) & 1 ? 0 : 256);
	while (off < size && r >= 0) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		n = 1 + x % maxchunk;
		if (n > size - off)
			n = size - off;
		if (amp_feed(&d, data + off, n) != 0)
			abort();
		off += n;
		while ((r = amp_next(&d, &f)) == 1)
			fuzz_amp_frame(&f);
		if (r == -1 && amp_error(&d) == NULL)
			abort();
		if (r == 0 && amp_error(&d) != NULL)
			abort();
	}
	amp_decoder_free(&d);
	return 0;
}
