/*
 * fuzz_httpd.c: fuzz harness for httpd_parse_head, the HTTP server's only
 * parser: bounds, and the same verdict whether the head comes whole or cut.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rdd.h"
#include "daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* httpd.c's other neighbours: never called by the parser. */
void *
engine_status_json(struct rdd_daemon *d, const char *monitor)
{
	return NULL;
}

char *
engine_metrics_text(struct rdd_daemon *d)
{
	return NULL;
}

enum rdd_state
engine_overall(struct rdd_daemon *d)
{
	return RDD_UNKNOWN;
}

void
log_write(const char *monitor, enum rdd_log_level lvl, const char *fmt, ...)
{
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpd_head h, p;
	const char *s = (const char *)data;
	int rc, prc;

	rc = httpd_parse_head(s, size, &h);
	if (rc > 0) {
		/* A whole head: within the input and the 8 KB bound. */
		if ((size_t)rc > size || rc > 8192)
			abort();
		/* One byte short of it, it is still incomplete. */
		if (httpd_parse_head(s, (size_t)rc - 1, &p) != 0)
			abort();
		return 0;
	}
	if (rc == -1) {
		if (h.status != 400 && h.status != 431 && h.status != 505)
			abort();
		/* Malformed stays malformed as more bytes come. */
		if (size < 8192 && h.status != 431) {
			char *more = malloc(size + 4);

			if (more == NULL)
				return 0;
			memcpy(more, s, size);
			memcpy(more + size, "\r\n\r\n", 4);
			prc = httpd_parse_head(more, size + 4, &p);
			free(more);
			if (prc != -1)
				abort();
		}
		return 0;
	}
	if (rc != 0 || size > 8192)
		abort();
	return 0;
}
