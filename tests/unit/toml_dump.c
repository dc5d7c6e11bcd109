/*
 * toml_dump.c: one TOML file read by plugins/netlify/toml.c as toml-test
 * JSON, warnings on stderr, for toml_diff.py's differential test.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/netlify/toml.h"

struct dump_key {
	const char *s;
	size_t len;
	const struct toml_value *v;
};

static void
dump_str(const char *s, size_t n)
{
	unsigned char c;

	putchar('"');
	for (; n > 0; n--, s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int
dump_keycmp(const void *a, const void *b)
{
	const struct dump_key *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static const char *
dump_dt_type(const struct toml_datetime *dt)
{
	switch (dt->kind) {
	case TOML_DT_OFFSET:
		return "datetime";
	case TOML_DT_LOCAL:
		return "datetime-local";
	case TOML_DT_DATE:
		return "date-local";
	case TOML_DT_TIME:
		return "time-local";
	}
	return "?";
}

static void
dump_value(const struct toml_value *v)
{
	struct dump_key *keys;
	const char *s;
	size_t i, n, len;
	int64_t iv;
	double f;
	int b;

	switch (v->kind) {
	case TOML_TABLE:
		n = toml_table_len(v);
		if ((keys = calloc(n + 1, sizeof(*keys))) == NULL)
			exit(2);
		for (i = 0; i < n; i++) {
			keys[i].s = toml_table_key_at(v, i, &keys[i].len);
			keys[i].v = toml_table_value_at(v, i);
		}
		qsort(keys, n, sizeof(*keys), dump_keycmp);
		putchar('{');
		for (i = 0; i < n; i++) {
			if (i > 0)
				putchar(',');
			dump_str(keys[i].s, keys[i].len);
			putchar(':');
			dump_value(keys[i].v);
		}
		putchar('}');
		free(keys);
		break;
	case TOML_ARRAY:
		putchar('[');
		for (i = 0; i < toml_array_len(v); i++) {
			if (i > 0)
				putchar(',');
			dump_value(toml_array_at(v, i));
		}
		putchar(']');
		break;
	case TOML_STRING:
		s = toml_string(v, &len);
		printf("{\"type\":\"string\",\"value\":");
		dump_str(s, len);
		putchar('}');
		break;
	case TOML_INTEGER:
		toml_int(v, &iv);
		printf("{\"type\":\"integer\",\"value\":\"%" PRId64 "\"}", iv);
		break;
	case TOML_FLOAT:
		toml_float(v, &f);
		if (isnan(f))
			printf("{\"type\":\"float\",\"value\":\"nan\"}");
		else if (isinf(f))
			printf("{\"type\":\"float\",\"value\":\"%sinf\"}",
			    f < 0 ? "-" : "+");
		else
			printf("{\"type\":\"float\",\"value\":\"%.17g\"}", f);
		break;
	case TOML_BOOL:
		toml_bool(v, &b);
		printf("{\"type\":\"bool\",\"value\":\"%s\"}",
		    b ? "true" : "false");
		break;
	case TOML_DATETIME:
		printf("{\"type\":\"%s\",\"value\":",
		    dump_dt_type(toml_datetime(v)));
		dump_str(
		    toml_datetime(v)->text, strlen(toml_datetime(v)->text));
		putchar('}');
		break;
	}
}

int
main(int argc, char **argv)
{
	struct toml_doc *doc;
	char err[512], *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	FILE *fp;

	if (argc != 2) {
		fprintf(stderr, "usage: toml_dump FILE\n");
		return 2;
	}
	if ((fp = fopen(argv[1], "rb")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL)
				return 2;
			buf = nb;
		}
		if ((n = fread(buf + len, 1, cap - len, fp)) == 0)
			break;
		len += n;
	}
	fclose(fp);
	doc = toml_parse(buf, len, argv[1], err, sizeof(err));
	free(buf);
	if (doc == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* Warnings on stderr with exit 0: Netlify accepts the file. */
	for (n = 0; n < doc->nwarnings; n++)
		fprintf(stderr, "%s\n", doc->warnings[n]);
	dump_value(doc->root);
	putchar('\n');
	toml_free(doc);
	return 0;
}
