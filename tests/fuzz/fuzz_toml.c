/*
 * fuzz_toml.c: libFuzzer-style harness for the netlify.toml reader
 * (plugins/netlify/toml.c): parse, walk the whole tree, look keys up.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "plugins/netlify/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every node so that a bad pointer in the tree shows up here. */
static size_t
fuzz_walk(const struct toml_value *v, int depth)
{
	const struct toml_datetime *dt;
	const char *k, *s;
	size_t i, n = 1, len;
	int64_t iv;
	double f;
	int b;

	if (depth > TOML_MAX_DEPTH + 2)
		__builtin_trap(); /* the depth limit did not hold */
	switch (v->kind) {
	case TOML_TABLE:
		for (i = 0; i < toml_table_len(v); i++) {
			k = toml_table_key_at(v, i, &len);
			if (k == NULL || k[len] != '\0')
				__builtin_trap();
			/* Lookup by name must find the same entry. */
			if (strlen(k) == len &&
			    toml_get(v, k) != toml_table_value_at(v, i))
				__builtin_trap();
			n += fuzz_walk(toml_table_value_at(v, i), depth + 1);
		}
		break;
	case TOML_ARRAY:
		for (i = 0; i < toml_array_len(v); i++)
			n += fuzz_walk(toml_array_at(v, i), depth + 1);
		break;
	case TOML_STRING:
		s = toml_string(v, &len);
		if (s == NULL || s[len] != '\0')
			__builtin_trap();
		break;
	case TOML_INTEGER:
		if (toml_int(v, &iv) != 0)
			__builtin_trap();
		break;
	case TOML_FLOAT:
		if (toml_float(v, &f) != 0)
			__builtin_trap();
		break;
	case TOML_BOOL:
		if (toml_bool(v, &b) != 0 || (b != 0 && b != 1))
			__builtin_trap();
		break;
	case TOML_DATETIME:
		dt = toml_datetime(v);
		if (dt == NULL || dt->text == NULL || strlen(dt->text) < 8)
			__builtin_trap();
		break;
	}
	if (v->line < 1 || v->col < 1)
		__builtin_trap();
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toml_doc *doc;
	char err[256];
	static const char *paths[] = {"functions.directory", "build.functions",
	    "build.command", "functions.\"api-*\".node_bundler", "redirects",
	    "a.b.c", "'a'.\"b\"", ""};
	size_t i;

	doc =
	    toml_parse((const char *)data, size, "fuzz.toml", err, sizeof(err));
	if (doc == NULL) {
		/* Every error names the place. */
		if (strncmp(err, "fuzz.toml:", 10) != 0)
			__builtin_trap();
		return 0;
	}
	/* Warnings name the place too, and never exceed their bound. */
	if (doc->nwarnings > TOML_MAX_WARNINGS ||
	    doc->nwarnings > doc->nwarnings_total)
		__builtin_trap();
	for (i = 0; i < doc->nwarnings; i++)
		if (strncmp(doc->warnings[i], "fuzz.toml:", 10) != 0)
			__builtin_trap();
	fuzz_walk(doc->root, 0);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		(void)toml_get_path(doc->root, paths[i]);
	toml_free(doc);
	return 0;
}
