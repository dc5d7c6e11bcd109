/*
 * fuzz_perfdata.c: fuzz harness of the exec plugin's Nagios perfdata
 * parser; checks the parser's promises on every input, not only no crash.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/exec/perfdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perf_item items[16];
	const char *unit;
	double v;
	char *text;
	int n, i;

	/* The parser takes a C string, as the exec plugin hands it. */
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';

	n = perfdata_parse(text, items, 16);
	if (n < 0 || n > 16)
		abort();
	for (i = 0; i < n; i++) {
		if (items[i].label[0] == '\0' ||
		    strlen(items[i].label) > PERF_LABEL_MAX ||
		    strlen(items[i].warn) > PERF_RANGE_MAX ||
		    strlen(items[i].crit) > PERF_RANGE_MAX ||
		    !isfinite(items[i].value))
			abort();
		perfdata_base(&items[i], &v, &unit);
		if (!isfinite(v) || unit == NULL)
			abort();
	}
	/* A smaller max must give a prefix of the same result. */
	if (perfdata_parse(text, items, 1) != (n > 0 ? 1 : 0))
		abort();
	free(text);
	return 0;
}
