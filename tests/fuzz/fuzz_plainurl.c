/*
 * fuzz_plainurl.c: fuzz harness of plainhttp.c's URL and request check,
 * which decides from a plugin's URL whether libcurl is needed at all.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "daemon/rdd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rdd_http_request req = { 0 };
	const char *hdrs[2] = { NULL, NULL };
	struct plainhttp *p;
	char *text, *nl;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	/* "URL\nHeader: value": the second line, if any, is one header. */
	if ((nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		hdrs[0] = nl + 1;
		req.headers = hdrs;
	}
	req.url = text;
	req.body = text;
	req.body_len = strlen(text);
	p = plainhttp_prepare(&req);
	/* It takes only http:// and never a URL with a blank or a user. */
	if (p != NULL && (strncasecmp(text, "http://", 7) != 0 ||
			     strpbrk(text, " \t@") != NULL))
		abort();
	plainhttp_free(p);
	free(text);
	return 0;
}
