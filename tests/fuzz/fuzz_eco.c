/*
 * fuzz_eco: PM2 ecosystem files as the pm2 plugin reads them, JSON and
 * YAML (.json with its JavaScript literal syntax), and the .js line
 * scanner, validated against the pinned copy of PM2's own option schema.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/pm2/eco.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct eco_schema schema;
static int schema_state; /* 0 not tried, 1 loaded, -1 unavailable */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eco_file f;
	char path[4096], err[256];
	const char *top = getenv("top_srcdir");
	char *text;

	if (schema_state == 0) {
		snprintf(path, sizeof(path),
		    "%s/tests/unit/fixtures/pm2/eco/pm2-7.0.4-schema.json",
		    top ? top : ".");
		memset(&schema, 0, sizeof(schema));
		schema_state =
		    eco_schema_load(&schema, path, err, sizeof(err)) == 0 ? 1
									  : -1;
		if (schema_state < 0) {
			/* An empty schema: the parsers still run. */
			fprintf(stderr, "fuzz_eco: %s: without the schema\n", err);
			memset(&schema, 0, sizeof(schema));
		}
	}
	if (size < 1 || (text = malloc(size)) == NULL)
		return 0;
	/* The first byte picks the format; the rest is the file. */
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	memset(&f, 0, sizeof(f));
	(void)eco_load_text(&f, data[0] & 1 ? "ecosystem.yml" : "ecosystem.json",
	    data[0] & 1 ? eco_kind_of("ecosystem.yml")
			: eco_kind_of("ecosystem.json"),
	    text, size - 1, &schema);
	if (data[0] & 2) {
		/* The .js line scanner, reading the same text as source. */
		size_t i;

		for (i = 0; i < f.napps; i++)
			f.apps[i].line = 0;
		eco_js_lines(&f, text, size - 1);
	}
	eco_file_free(&f);
	free(text);
	return 0;
}
