/*
 * fuzz_confhist.c: a history entry's manifest.json is read back from the
 * state directory: its parser gets arbitrary bytes. The input, cut in two,
 * is also diffed, and the diff must be bounded and NUL-terminated.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct confhist_entry e;
	struct udiff_out o = {0};
	char *text, err[256];
	size_t half = size / 2;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (confhist_parse_manifest(text, &e, err, sizeof(err)) == 0) {
		if (e.n == 0 || e.nfiles == 0 || e.files[0][0] != '/')
			abort();
		confhist_entry_free(&e);
	}
	o.max = 4096;
	if (udiff(&o, "A", text, half, "B", text + half, size - half) == 1 &&
	    (o.s == NULL || o.len > o.max || strlen(o.s) > o.len))
		abort();
	free(o.s);
	free(text);
	return 0;
}
