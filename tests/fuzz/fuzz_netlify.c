/*
 * fuzz_netlify: the Netlify plugin's parsers of outside input: netlify.toml
 * (through the plugin's reading of it), function source scanned for its
 * handler, the functions manifest, and the API's deploy and build answers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/netlify/deploy.h"
#include "plugins/netlify/manifest.h"
#include "plugins/netlify/site.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nl_deploy deploys[8];
	struct nl_manifest mf;
	struct nl_conf conf;
	struct nl_js js;
	char err[256], bid[64], did[64], *text;
	size_t len;

	if (size < 1)
		return 0;
	/* The first byte picks the parser; the rest is its input. */
	len = size - 1;
	if ((text = malloc(len + 1)) == NULL)
		return 0;
	memcpy(text, data + 1, len);
	text[len] = '\0';
	switch (data[0] % 4) {
	case 0:
		memset(&conf, 0, sizeof(conf));
		(void)nl_conf_parse(&conf, text, len, "netlify.toml");
		nl_conf_free(&conf);
		break;
	case 1:
		nl_js_scan(text, len, &js);
		break;
	case 2:
		memset(&mf, 0, sizeof(mf));
		(void)nl_manifest_parse(text, len, &mf, err, sizeof(err));
		nl_manifest_free(&mf);
		break;
	case 3:
		(void)nl_deploys_parse(text, deploys, 8, err, sizeof(err));
		(void)nl_build_parse(text, bid, sizeof(bid), did, sizeof(did));
		(void)nl_retry_after_ms(text, 1795000000000LL);
		(void)nl_iso8601_ms(text);
		break;
	}
	free(text);
	return 0;
}
