/*
 * toml.h: a TOML reader (libc only) for netlify.toml that gives Netlify's
 * verdict; owns the value tree, errors and warnings as "name:line:col: ..."
 */
#ifndef RDD_TOML_H
#define RDD_TOML_H

#include <stddef.h>
#include <stdint.h>

/* Containers nested deeper than this are refused, so recursion stays safe. */
#define TOML_MAX_DEPTH 128
/* Warnings kept per document; a file with thousands of quirks says so once. */
#define TOML_MAX_WARNINGS 16
/* smol-toml refuses integers JavaScript's number cannot hold exactly. */
#define TOML_NETLIFY_INT_MAX ((int64_t)9007199254740991) /* 2^53 - 1 */

enum toml_kind {
	TOML_TABLE,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME
};

enum toml_dt_kind {
	TOML_DT_OFFSET, /* 1979-05-27T07:32:00Z, 1979-05-27 07:32:00-07:00 */
	TOML_DT_LOCAL,  /* 1979-05-27T07:32:00 */
	TOML_DT_DATE,   /* 1979-05-27 */
	TOML_DT_TIME    /* 07:32:00.999 */
};

struct toml_datetime {
	enum toml_dt_kind kind;
	const char *text;         /* exactly as written */
	int year, month, day;     /* 0 for TOML_DT_TIME */
	int hour, minute, second; /* 0 for TOML_DT_DATE */
	long nanosecond;          /* digits past the ninth are dropped */
	int offset_minutes;       /* TOML_DT_OFFSET only; Z is 0 */
};

struct toml_kv;

/*
 * A node of the tree. kind, line and col are public; read the payload through
 * the accessors below. line/col (1-based, col counts characters) is where the
 * value starts; for a table it is its [header], the first dotted key that
 * created it, or its '{'.
 */
struct toml_value {
	enum toml_kind kind;
	int line;
	int col;
	union {
		struct {
			char *ptr; /* NUL-terminated; may hold \u0000 */
			size_t len;
		} s;
		int64_t i;
		double f;
		int b;
		struct toml_datetime dt;
		struct {
			struct toml_value **v;
			size_t n, cap;
		} arr;
		struct {
			struct toml_kv *v; /* in document order */
			size_t n, cap;
			uint32_t *hash; /* index, built past 8 keys */
			size_t hcap;
		} tab;
	} u;
	/* private to toml.c */
	unsigned flags;
	int depth;
	int section;
};

struct toml_doc {
	struct toml_value *root; /* always a table */
	void *mem;               /* private: every allocation */
	/*
	 * "name:line:col: message" for what Netlify's config loader accepts
	 * but TOML 1.0 or its older loader (@iarna/toml) does not; at most
	 * TOML_MAX_WARNINGS, nwarnings_total counts them all.
	 */
	char **warnings;
	size_t nwarnings, nwarnings_total;
};

/*
 * Parses len bytes of src (no NUL needed) as Netlify's config loader does
 * since @netlify/config 25.2 (smol-toml 1.x): what it rejects is an error,
 * what it accepts beyond TOML 1.0 or what @iarna/toml (older loaders)
 * rejects is a warning. name is used in messages. On error returns NULL and
 * writes "name:line:col: message" to err.
 */
struct toml_doc *toml_parse(
    const char *src, size_t len, const char *name, char *err, size_t errlen);
void toml_free(struct toml_doc *doc);

const char *toml_kind_name(const struct toml_value *v); /* "string", ... */

/* Lookups return NULL when v is NULL, of another kind, or has no such key. */
const struct toml_value *toml_get(
    const struct toml_value *table, const char *key);
/*
 * Dotted path, each part bare or quoted as in TOML:
 * toml_get_path(root, "functions.\"api-*\".node_bundler").
 */
const struct toml_value *toml_get_path(
    const struct toml_value *table, const char *path);
size_t toml_table_len(const struct toml_value *table);
/* lenp (may be NULL) receives the length: keys may contain \u0000. */
const char *toml_table_key_at(
    const struct toml_value *table, size_t i, size_t *lenp);
const struct toml_value *toml_table_value_at(
    const struct toml_value *table, size_t i);
size_t toml_array_len(const struct toml_value *array);
const struct toml_value *toml_array_at(
    const struct toml_value *array, size_t i);

/*
 * Scalars. toml_string and toml_datetime return NULL, the others -1, when v
 * is NULL or of another kind; toml_float also accepts an integer.
 */
const char *toml_string(const struct toml_value *v, size_t *lenp);
int toml_int(const struct toml_value *v, int64_t *out);
int toml_float(const struct toml_value *v, double *out); /* ints too */
int toml_bool(const struct toml_value *v, int *out);
const struct toml_datetime *toml_datetime(const struct toml_value *v);

#endif
