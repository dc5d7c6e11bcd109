/*
 * eco.c: loads PM2 ecosystem files (.json with the JavaScript literal
 * syntax PM2 evaluates, rewritten to JSON for json-c; YAML via libyaml; JS
 * as node's JSON output), remembers where each app and key was written,
 * and validates every app against PM2's own schema.json.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <yaml.h>

#include "eco.h"

#define ECO_DEPTH 64
#define ECO_DIAG_MAX 200

/*
 * Prints the module's export as JSON; functions and RegExps drop out as
 * they do for PM2, which only reads plain values.
 */
const char eco_node_program[] =
    "const u=require('url'),p=require('path');"
    "const f=p.resolve(process.argv[1]);"
    "import(u.pathToFileURL(f).href).then(m=>{"
    "let c=m&&m.default!==undefined?m.default:m;"
    "if(c&&c.default&&!c.apps&&!Array.isArray(c))c=c.default;"
    "process.stdout.write(JSON.stringify(c===undefined?null:c));"
    "},e=>{process.stderr.write(String(e&&e.stack||e)+'\\n');"
    "process.exit(1);});";

/* Lines of JSON paths: "apps[0]", "apps[0].name". */
struct eco_lines {
	char **path;
	int *line;
	size_t n, cap;
	struct eco_file *f; /* for duplicate-key diagnostics */
};

static int eco_diag(struct eco_file *f, enum eco_sev sev, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
eco_vdiag(
    struct eco_file *f, enum eco_sev sev, int line, const char *fmt, va_list ap)
{
	struct eco_diag *nd;
	char body[768], *msg;
	int n;

	if (f->ndiags >= ECO_DIAG_MAX)
		return 0;
	vsnprintf(body, sizeof(body), fmt, ap);
	if (line > 0)
		n = asprintf(&msg, "%s:%d: %s", f->path, line, body);
	else
		n = asprintf(&msg, "%s: %s", f->path, body);
	if (n < 0)
		return -1;
	nd = realloc(f->diags, (f->ndiags + 1) * sizeof(*nd));
	if (nd == NULL) {
		free(msg);
		return -1;
	}
	f->diags = nd;
	nd[f->ndiags].sev = sev;
	nd[f->ndiags].line = line;
	nd[f->ndiags].msg = msg;
	f->ndiags++;
	if (sev == ECO_ERR)
		f->nerr++;
	else
		f->nwarn++;
	return 0;
}

static int
eco_diag(struct eco_file *f, enum eco_sev sev, int line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = eco_vdiag(f, sev, line, fmt, ap);
	va_end(ap);
	return rc;
}

enum eco_kind
eco_kind_of(const char *path)
{
	/* PM2 tests substrings, in this order (lib/Common.js). */
	if (strstr(path, ".json") != NULL)
		return ECO_JSON;
	if (strstr(path, ".yml") != NULL || strstr(path, ".yaml") != NULL)
		return ECO_YAML;
	if (strstr(path, ".config.js") != NULL ||
	    strstr(path, ".cjs") != NULL || strstr(path, ".mjs") != NULL)
		return ECO_JS;
	return ECO_UNKNOWN;
}

static void
eco_lines_free(struct eco_lines *L)
{
	size_t i;

	for (i = 0; i < L->n; i++)
		free(L->path[i]);
	free(L->path);
	free(L->line);
	memset(L, 0, sizeof(*L));
}

static int
eco_line_of(const struct eco_lines *L, const char *path)
{
	size_t i;

	for (i = L->n; i > 0; i--)
		if (strcmp(L->path[i - 1], path) == 0)
			return L->line[i - 1];
	return 0;
}

static void
eco_line_add(struct eco_lines *L, const char *path, int line, int is_key)
{
	char **np;
	int *nl, prev;
	size_t cap;

	if (is_key && (prev = eco_line_of(L, path)) > 0 && L->f != NULL)
		eco_diag(L->f, ECO_WARN, line,
		    "key %s is written twice (also on line %d): the last one "
		    "wins; remove one",
		    path, prev);
	if (L->n == L->cap) {
		cap = L->cap ? L->cap * 2 : 64;
		np = realloc(L->path, cap * sizeof(*np));
		if (np == NULL)
			return;
		L->path = np;
		nl = realloc(L->line, cap * sizeof(*nl));
		if (nl == NULL)
			return;
		L->line = nl;
		L->cap = cap;
	}
	if ((L->path[L->n] = strdup(path)) == NULL)
		return;
	L->line[L->n++] = line;
}

/* A path element: obj.key or arr[i], depth limited to what we report. */
struct eco_frame {
	int is_obj;
	int idx;
	char path[300];
	char key[128];
	int have_key;
};

static void
eco_child_path(char *dst, size_t len, const struct eco_frame *fr)
{
	if (fr->is_obj)
		snprintf(dst, len, "%.170s%s%.120s", fr->path,
		    fr->path[0] ? "." : "", fr->key);
	else
		snprintf(dst, len, "%.280s[%d]", fr->path, fr->idx);
}

/*
 * Record the lines of values and keys of valid JSON text (json-c already
 * accepted it). Only the first levels matter: apps, apps[i], apps[i].k.
 */
static void
eco_json_lines(const char *t, size_t len, struct eco_lines *L)
{
	struct eco_frame st[8];
	int depth = 0, line = 1, expect_key = 0;
	size_t i = 0, j;
	char sbuf[128];

	memset(st, 0, sizeof(st));
	while (i < len) {
		char c = t[i];

		if (c == '\n') {
			line++;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == ',' ||
		    c == ':') {
			if (c == ',' && depth > 0) {
				if (st[depth - 1].is_obj) {
					expect_key = 1;
					st[depth - 1].have_key = 0;
				} else
					st[depth - 1].idx++;
			}
			i++;
			continue;
		}
		if (c == '"') {
			/* A string: a key or a value. */
			size_t k = 0;

			for (j = i + 1; j < len && t[j] != '"'; j++) {
				if (t[j] == '\\' && j + 1 < len)
					j++;
				if (k + 1 < sizeof(sbuf))
					sbuf[k++] = t[j];
				if (t[j] == '\n')
					line++;
			}
			sbuf[k] = '\0';
			if (depth > 0 && st[depth - 1].is_obj && expect_key) {
				char p[300];

				snprintf(st[depth - 1].key,
				    sizeof(st[depth - 1].key), "%s", sbuf);
				st[depth - 1].have_key = 1;
				expect_key = 0;
				if (depth <= 4) {
					eco_child_path(
					    p, sizeof(p), &st[depth - 1]);
					eco_line_add(L, p, line, 1);
				}
			}
			i = j + 1;
			continue;
		}
		if (c == '{' || c == '[') {
			if (depth > 0 && depth <= 4 && !st[depth - 1].is_obj) {
				char p[300];

				eco_child_path(p, sizeof(p), &st[depth - 1]);
				eco_line_add(L, p, line, 0);
			}
			if (depth < (int)(sizeof(st) / sizeof(st[0]))) {
				struct eco_frame *fr = &st[depth];
				char p[300] = "";

				if (depth > 0)
					eco_child_path(
					    p, sizeof(p), &st[depth - 1]);
				memset(fr, 0, sizeof(*fr));
				fr->is_obj = c == '{';
				snprintf(fr->path, sizeof(fr->path), "%s", p);
			}
			depth++;
			expect_key = c == '{';
			i++;
			continue;
		}
		if (c == '}' || c == ']') {
			if (depth > 0)
				depth--;
			expect_key = 0;
			i++;
			continue;
		}
		/* A number or a literal. */
		while (i < len && strchr(",]}\n \t\r", t[i]) == NULL)
			i++;
	}
}

/* ---- YAML to json-c, with lines ---- */

struct eco_anchor {
	char *name;
	struct json_object *o;
};

struct eco_yaml {
	yaml_parser_t p;
	struct eco_lines *L;
	struct eco_file *f;
	struct eco_anchor *anchors;
	size_t nanchors;
	char err[300];
	int errline;
};

static struct json_object *
eco_yaml_scalar(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	char *end;
	long long ll;
	double d;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    ev->data.scalar.tag != NULL)
		return json_object_new_string_len(s, (int)n);
	if (n == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0)
		return NULL;
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0)
		return json_object_new_boolean(1);
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0)
		return json_object_new_boolean(0);
	if (isdigit((unsigned char)s[0]) ||
	    ((s[0] == '-' || s[0] == '+') && isdigit((unsigned char)s[1]))) {
		errno = 0;
		ll = strtoll(s, &end, 0);
		if (*end == '\0' && errno == 0 &&
		    !(s[0] == '0' && s[1] != '\0' && s[1] != 'x' &&
		        s[1] != 'X'))
			return json_object_new_int64(ll);
	}
	if (isdigit((unsigned char)s[0]) || s[0] == '.' || s[0] == '-' ||
	    s[0] == '+') {
		errno = 0;
		d = strtod(s, &end);
		if (*end == '\0' && errno == 0 && isfinite(d) &&
		    strpbrk(s, "xXpP") == NULL)
			return json_object_new_double(d);
	}
	return json_object_new_string_len(s, (int)n);
}

static int eco_yaml_node(struct eco_yaml *y, yaml_event_t *ev, const char *path,
    int depth, struct json_object **out);

static void
eco_yaml_anchor(
    struct eco_yaml *y, const yaml_char_t *name, struct json_object *o)
{
	struct eco_anchor *na;

	if (name == NULL)
		return;
	na = realloc(y->anchors, (y->nanchors + 1) * sizeof(*na));
	if (na == NULL)
		return;
	y->anchors = na;
	na[y->nanchors].name = strdup((const char *)name);
	na[y->nanchors].o = json_object_get(o);
	y->nanchors++;
}

static int
eco_yaml_next(struct eco_yaml *y, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&y->p, ev)) {
		snprintf(y->err, sizeof(y->err), "YAML syntax: %s%s%s",
		    y->p.problem ? y->p.problem : "error",
		    y->p.context ? " " : "", y->p.context ? y->p.context : "");
		y->errline = (int)y->p.problem_mark.line + 1;
		return -1;
	}
	return 0;
}

static char *
eco_yaml_take(const yaml_char_t *anchor)
{
	return anchor ? strdup((const char *)anchor) : NULL;
}

/* Builds the value that starts with *ev (consumed here). */
static int
eco_yaml_node(struct eco_yaml *y, yaml_event_t *ev, const char *path, int depth,
    struct json_object **out)
{
	yaml_event_t e;
	struct json_object *o = NULL, *v;
	char p[300], key[256], *anchor = NULL;
	int line = (int)ev->start_mark.line + 1, idx = 0, rc = 0;
	size_t i;

	*out = NULL;
	if (depth > ECO_DEPTH) {
		snprintf(y->err, sizeof(y->err), "YAML nested deeper than %d",
		    ECO_DEPTH);
		y->errline = line;
		yaml_event_delete(ev);
		return -1;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		for (i = y->nanchors; i > 0; i--)
			if (y->anchors[i - 1].name != NULL &&
			    strcmp(y->anchors[i - 1].name,
			        (const char *)ev->data.alias.anchor) == 0) {
				*out = json_object_get(y->anchors[i - 1].o);
				break;
			}
		if (i == 0) {
			/* Unknown, or inside its own anchor: a cycle. */
			snprintf(y->err, sizeof(y->err), "alias *%.64s names no "
			    "finished anchor (unknown or recursive)",
			    (const char *)ev->data.alias.anchor);
			y->errline = line;
			yaml_event_delete(ev);
			return -1;
		}
		yaml_event_delete(ev);
		return 0;
	case YAML_SCALAR_EVENT:
		*out = eco_yaml_scalar(ev);
		eco_yaml_anchor(y, ev->data.scalar.anchor, *out);
		yaml_event_delete(ev);
		return 0;
	case YAML_SEQUENCE_START_EVENT:
		o = json_object_new_array();
		/* Anchored once complete: an alias inside it would be a cycle. */
		anchor = eco_yaml_take(ev->data.sequence_start.anchor);
		yaml_event_delete(ev);
		for (;;) {
			if (eco_yaml_next(y, &e) != 0) {
				rc = -1;
				break;
			}
			if (e.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&e);
				break;
			}
			snprintf(p, sizeof(p), "%s[%d]", path, idx++);
			if (depth < 4)
				eco_line_add(
				    y->L, p, (int)e.start_mark.line + 1, 0);
			if (eco_yaml_node(y, &e, p, depth + 1, &v) != 0) {
				rc = -1;
				break;
			}
			json_object_array_add(o, v);
		}
		break;
	case YAML_MAPPING_START_EVENT:
		o = json_object_new_object();
		anchor = eco_yaml_take(ev->data.mapping_start.anchor);
		yaml_event_delete(ev);
		for (;;) {
			if (eco_yaml_next(y, &e) != 0) {
				rc = -1;
				break;
			}
			if (e.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&e);
				break;
			}
			if (e.type != YAML_SCALAR_EVENT) {
				snprintf(y->err, sizeof(y->err),
				    "a mapping key must be a plain string");
				y->errline = (int)e.start_mark.line + 1;
				yaml_event_delete(&e);
				rc = -1;
				break;
			}
			snprintf(key, sizeof(key), "%s",
			    (const char *)e.data.scalar.value);
			snprintf(p, sizeof(p), "%s%s%s", path,
			    path[0] ? "." : "", key);
			if (depth < 4)
				eco_line_add(
				    y->L, p, (int)e.start_mark.line + 1, 1);
			yaml_event_delete(&e);
			if (eco_yaml_next(y, &e) != 0) {
				rc = -1;
				break;
			}
			if (eco_yaml_node(y, &e, p, depth + 1, &v) != 0) {
				rc = -1;
				break;
			}
			json_object_object_add(o, key, v);
		}
		break;
	default:
		snprintf(y->err, sizeof(y->err), "unexpected YAML event %d",
		    (int)ev->type);
		y->errline = line;
		yaml_event_delete(ev);
		return -1;
	}
	if (rc == 0 && anchor != NULL)
		eco_yaml_anchor(y, (const yaml_char_t *)anchor, o);
	free(anchor);
	if (rc != 0) {
		json_object_put(o);
		return -1;
	}
	*out = o;
	return 0;
}

static int
eco_yaml_parse(struct eco_file *f, const char *text, size_t len,
    struct eco_lines *L, struct json_object **root)
{
	struct eco_yaml y;
	yaml_event_t e;
	int rc = -1, docs = 0;
	size_t i;

	*root = NULL;
	memset(&y, 0, sizeof(y));
	y.L = L;
	y.f = f;
	if (!yaml_parser_initialize(&y.p)) {
		eco_diag(f, ECO_ERR, 0, "out of memory for the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&y.p, (const unsigned char *)text, len);
	for (;;) {
		if (eco_yaml_next(&y, &e) != 0)
			break;
		if (e.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&e);
			rc = 0;
			break;
		}
		if (e.type == YAML_STREAM_START_EVENT ||
		    e.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&e);
			continue;
		}
		if (e.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&e);
			if (++docs > 1) {
				eco_diag(f, ECO_WARN, (int)y.p.mark.line + 1,
				    "more than one YAML document: PM2 reads "
				    "the first one only");
				rc = 0;
				break;
			}
			continue;
		}
		if (eco_yaml_node(&y, &e, "", 0, root) != 0)
			break;
	}
	if (rc != 0) {
		eco_diag(f, ECO_ERR, y.errline, "%s: fix the YAML", y.err);
		json_object_put(*root);
		*root = NULL;
	}
	for (i = 0; i < y.nanchors; i++) {
		free(y.anchors[i].name);
		json_object_put(y.anchors[i].o);
	}
	free(y.anchors);
	yaml_parser_delete(&y.p);
	return rc;
}

/*
 * ---- .json as PM2 reads it ----
 *
 * PM2 7.0.4 (lib/Common.js parseConfig) evaluates a .json file as the
 * JavaScript expression "(" + text + ")", not with JSON5 (lib/tools/json5.js
 * is only used for the KM interaction file). Its literal syntax is rewritten
 * here to strict JSON, lines kept, so json-c and the line recorder read it:
 * comments, unquoted and single-quoted keys, single-quoted strings and JS
 * escapes, trailing commas, hex/octal/binary numbers, +, leading or trailing
 * decimal points, Infinity and NaN. Other JavaScript (expressions, variables,
 * templates with ${}) is refused. Iterative: the nesting is a bounded stack.
 */
struct eco_j5 {
	const char *t;
	size_t len, i;
	int line, col;
	char *out;
	size_t n, cap;
	char err[160];
	int eline, ecol;
	int pend_nl; /* newlines continued inside a string */
};

static int
eco_j5_fail(struct eco_j5 *j, const char *msg)
{
	if (j->err[0] == '\0') {
		snprintf(j->err, sizeof(j->err), "%s", msg);
		j->eline = j->line;
		j->ecol = j->col;
	}
	return -1;
}

static int
eco_j5_put(struct eco_j5 *j, const char *s, size_t k)
{
	if (j->n + k + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		char *no;

		while (j->n + k + 1 > cap)
			cap *= 2;
		if ((no = realloc(j->out, cap)) == NULL)
			return eco_j5_fail(j, "out of memory");
		j->out = no;
		j->cap = cap;
	}
	memcpy(j->out + j->n, s, k);
	j->n += k;
	j->out[j->n] = '\0';
	return 0;
}

static int
eco_j5_putc(struct eco_j5 *j, char c)
{
	return eco_j5_put(j, &c, 1);
}

static int
eco_j5_peek(const struct eco_j5 *j, size_t ahead)
{
	return j->i + ahead < j->len ? (unsigned char)j->t[j->i + ahead] : -1;
}

/* Consume one byte; columns count characters, not UTF-8 continuations. */
static void
eco_j5_adv(struct eco_j5 *j)
{
	if (j->i >= j->len)
		return;
	if (j->t[j->i] == '\n') {
		j->line++;
		j->col = 1;
	} else if (((unsigned char)j->t[j->i] & 0xc0) != 0x80)
		j->col++;
	j->i++;
}

/* Whitespace and comments become blanks; newlines stay. */
static int
eco_j5_white(struct eco_j5 *j)
{
	for (;;) {
		int c = eco_j5_peek(j, 0), d = eco_j5_peek(j, 1);

		if (c == '\n') {
			eco_j5_adv(j);
			if (eco_j5_putc(j, '\n') != 0)
				return -1;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\v' ||
		           c == '\f') {
			eco_j5_adv(j);
			if (eco_j5_putc(j, ' ') != 0)
				return -1;
		} else if (c == 0xc2 && d == 0xa0) { /* no-break space */
			eco_j5_adv(j);
			eco_j5_adv(j);
		} else if (c == 0xef && d == 0xbb &&
		           eco_j5_peek(j, 2) == 0xbf) {
			eco_j5_adv(j); /* byte order mark */
			eco_j5_adv(j);
			eco_j5_adv(j);
		} else if (c == '/' && d == '/') {
			while (j->i < j->len && j->t[j->i] != '\n')
				eco_j5_adv(j);
			if (j->i >= j->len)
				return eco_j5_fail(j,
				    "a // comment on the last line hides the "
				    "')' PM2 wraps the file in: end the file "
				    "with a newline");
		} else if (c == '/' && d == '*') {
			int l = j->line, k = j->col;

			eco_j5_adv(j);
			eco_j5_adv(j);
			while (j->i < j->len && !(eco_j5_peek(j, 0) == '*' &&
			                            eco_j5_peek(j, 1) == '/')) {
				if (j->t[j->i] == '\n' &&
				    eco_j5_putc(j, '\n') != 0)
					return -1;
				eco_j5_adv(j);
			}
			if (j->i >= j->len) {
				j->line = l;
				j->col = k;
				return eco_j5_fail(
				    j, "unterminated /* comment: close it with "
				       "*/");
			}
			eco_j5_adv(j);
			eco_j5_adv(j);
		} else
			return 0;
	}
}

static int
eco_j5_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
eco_j5_putu(struct eco_j5 *j, unsigned long u)
{
	char b[16];

	if (u > 0x10ffff)
		return eco_j5_fail(j, "\\u{...} is beyond U+10FFFF");
	if (u >= 0x10000) {
		u -= 0x10000;
		snprintf(b, sizeof(b), "\\u%04lx\\u%04lx", 0xd800 + (u >> 10),
		    0xdc00 + (u & 0x3ff));
	} else
		snprintf(b, sizeof(b), "\\u%04lx", u);
	return eco_j5_put(j, b, strlen(b));
}

/* \xHH, \uHHHH or \u{H...}: the backslash and letter are consumed. */
static int
eco_j5_hexesc(struct eco_j5 *j, int ndig)
{
	unsigned long u = 0;
	int k, v, brace = ndig == 4 && eco_j5_peek(j, 0) == '{';

	if (brace)
		eco_j5_adv(j);
	for (k = 0; brace ? k < 7 : k < ndig; k++) {
		if (brace && eco_j5_peek(j, 0) == '}' && k > 0)
			break;
		if ((v = eco_j5_hexval(eco_j5_peek(j, 0))) < 0)
			return eco_j5_fail(
			    j, "bad \\x or \\u escape: write \\uXXXX");
		u = u * 16 + (unsigned long)v;
		eco_j5_adv(j);
	}
	if (brace) {
		if (eco_j5_peek(j, 0) != '}')
			return eco_j5_fail(j, "bad \\u{...} escape");
		eco_j5_adv(j);
	}
	return eco_j5_putu(j, u);
}

/* A legacy octal escape \0 .. \377, as sloppy-mode JavaScript reads it. */
static int
eco_j5_octesc(struct eco_j5 *j, int c)
{
	unsigned long u = (unsigned long)(c - '0');
	int k, d;

	for (k = 1; k < 3; k++) {
		d = eco_j5_peek(j, 0);
		if (d < '0' || d > '7' ||
		    u * 8 + (unsigned long)(d - '0') > 255)
			break;
		u = u * 8 + (unsigned long)(d - '0');
		eco_j5_adv(j);
	}
	return eco_j5_putu(j, u);
}

static int
eco_j5_escape(struct eco_j5 *j)
{
	int c = eco_j5_peek(j, 0);
	char b[2] = {'\\', 0};

	if (c < 0)
		return eco_j5_fail(j, "unterminated string");
	eco_j5_adv(j);
	switch (c) {
	case '\n': /* a continuation: the newline goes after the string */
		j->pend_nl++;
		return 0;
	case '\r':
		if (eco_j5_peek(j, 0) == '\n') {
			eco_j5_adv(j);
			j->pend_nl++;
		}
		return 0;
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
	case '"':
	case '\\':
	case '/':
		b[1] = (char)c;
		return eco_j5_put(j, b, 2);
	case 'v':
		return eco_j5_putu(j, 0x0b);
	case 'x':
		return eco_j5_hexesc(j, 2);
	case 'u':
		return eco_j5_hexesc(j, 4);
	}
	if (c >= '0' && c <= '7')
		return eco_j5_octesc(j, c);
	return eco_j5_putc(j, (char)c); /* \' and any other: the char */
}

/* A '...', "..." or `...` (no ${}) literal, written as a JSON string. */
static int
eco_j5_string(struct eco_j5 *j)
{
	int q = eco_j5_peek(j, 0), c;

	eco_j5_adv(j);
	if (eco_j5_putc(j, '"') != 0)
		return -1;
	for (;;) {
		c = eco_j5_peek(j, 0);
		if (c < 0)
			return eco_j5_fail(j, "unterminated string");
		if (c == q)
			break;
		if (c == '\\') {
			int l = j->line, k = j->col;

			eco_j5_adv(j);
			if (eco_j5_escape(j) != 0) {
				j->eline = l; /* at the backslash */
				j->ecol = k;
				return -1;
			}
			continue;
		}
		if (q == '`' && c == '$' && eco_j5_peek(j, 1) == '{')
			return eco_j5_fail(j,
			    "a ${} template is JavaScript redundancyd does "
			    "not run: write the value");
		if ((c == '\n' || c == '\r') && q != '`')
			return eco_j5_fail(j,
			    "newline in a string: write \\n or close the "
			    "string");
		if (c == '\n' && q == '`') {
			eco_j5_adv(j);
			j->pend_nl++;
			if (eco_j5_put(j, "\\n", 2) != 0)
				return -1;
			continue;
		}
		eco_j5_adv(j);
		if (c == '"') {
			if (eco_j5_put(j, "\\\"", 2) != 0)
				return -1;
		} else if (c < 0x20) {
			if (eco_j5_putu(j, (unsigned long)c) != 0)
				return -1;
		} else if (eco_j5_putc(j, (char)c) != 0)
			return -1;
	}
	eco_j5_adv(j);
	if (eco_j5_putc(j, '"') != 0)
		return -1;
	for (; j->pend_nl > 0; j->pend_nl--)
		if (eco_j5_putc(j, '\n') != 0)
			return -1;
	return 0;
}

static int
eco_j5_idchar(int c, int first)
{
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c >= 0x80 ||
	       (!first && c >= '0' && c <= '9');
}

/* An identifier's length at the cursor, 0 if none. */
static size_t
eco_j5_ident(const struct eco_j5 *j)
{
	size_t k = 0;

	while (
	    eco_j5_peek(j, k) >= 0 && eco_j5_idchar(eco_j5_peek(j, k), k == 0))
		k++;
	return k;
}

static int
eco_j5_is(const struct eco_j5 *j, size_t k, const char *w)
{
	return k == strlen(w) && strncmp(j->t + j->i, w, k) == 0;
}

/* Digits of base b with _ separators between them, into buf. */
static int
eco_j5_digits(struct eco_j5 *j, int b, char *buf, size_t *n, size_t max)
{
	int c, v, any = 0;

	for (;;) {
		c = eco_j5_peek(j, 0);
		if (c == '_' && any) {
			eco_j5_adv(j);
			c = eco_j5_peek(j, 0);
			v = c >= 0 ? eco_j5_hexval(c) : -1;
			if (v < 0 || v >= b)
				return eco_j5_fail(j, "bad _ in a number");
			continue;
		}
		v = c >= 0 ? eco_j5_hexval(c) : -1;
		if (v < 0 || v >= b)
			return 0;
		if (*n + 1 >= max)
			return eco_j5_fail(j, "number too long");
		buf[(*n)++] = (char)c;
		buf[*n] = '\0';
		any = 1;
		eco_j5_adv(j);
	}
}

static int
eco_j5_putnum(struct eco_j5 *j, int neg, double v)
{
	char b[64];

	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(b, sizeof(b), "%s%.0f", neg ? "-" : "", v);
	else
		snprintf(b, sizeof(b), "%s%.17g", neg ? "-" : "", v);
	return eco_j5_put(j, b, strlen(b));
}

/* A decimal as JSON: .5 is 0.5, 5. is 5.0; the digits are kept. */
static int
eco_j5_putdec(struct eco_j5 *j, int neg, const char *b)
{
	const char *dot = strchr(b, '.');

	if ((neg && eco_j5_putc(j, '-') != 0) ||
	    (b[0] == '.' && eco_j5_putc(j, '0') != 0))
		return -1;
	if (dot == NULL || (dot[1] >= '0' && dot[1] <= '9'))
		return eco_j5_put(j, b, strlen(b));
	if (eco_j5_put(j, b, (size_t)(dot - b) + 1) != 0 ||
	    eco_j5_putc(j, '0') != 0)
		return -1;
	return eco_j5_put(j, dot + 1, strlen(dot + 1));
}

/* A number with an optional sign, or [+-]Infinity, or NaN. */
static int
eco_j5_number(struct eco_j5 *j)
{
	char b[400];
	size_t n = 0, k;
	int neg = 0, base = 10, c;

	if ((c = eco_j5_peek(j, 0)) == '-' || c == '+') {
		neg = c == '-';
		eco_j5_adv(j);
		if (eco_j5_white(j) != 0)
			return -1;
	}
	k = eco_j5_ident(j);
	if (eco_j5_is(j, k, "Infinity") || eco_j5_is(j, k, "NaN")) {
		if (neg && j->t[j->i] == 'I' && eco_j5_putc(j, '-') != 0)
			return -1;
		if (eco_j5_put(j, j->t + j->i, k) != 0)
			return -1;
		while (k-- > 0)
			eco_j5_adv(j);
		return 0;
	}
	if (eco_j5_peek(j, 0) == '0') {
		c = eco_j5_peek(j, 1);
		base = c == 'x' || c == 'X'   ? 16
		       : c == 'o' || c == 'O' ? 8
		       : c == 'b' || c == 'B' ? 2
		       : c >= '0' && c <= '9' ? -8
		                              : 10;
		if (base > 0 && base != 10) {
			eco_j5_adv(j);
			eco_j5_adv(j);
		}
	}
	if (base != 10) {
		if (eco_j5_digits(j, base < 0 ? 10 : base, b, &n, sizeof(b)) !=
		    0)
			return -1;
		if (n == 0)
			return eco_j5_fail(j, "a number without digits");
		if (base < 0) /* 017 is octal in sloppy mode, 019 decimal */
			base = strspn(b, "01234567") == n ? 8 : 10;
		if (eco_j5_idchar(eco_j5_peek(j, 0), 0) ||
		    eco_j5_peek(j, 0) == '.')
			return eco_j5_fail(j, "bad number");
		return eco_j5_putnum(j, neg, (double)strtoull(b, NULL, base));
	}
	if (eco_j5_digits(j, 10, b, &n, sizeof(b) - 8) != 0)
		return -1;
	if (eco_j5_peek(j, 0) == '.') {
		b[n++] = '.';
		eco_j5_adv(j);
		if (eco_j5_digits(j, 10, b, &n, sizeof(b) - 8) != 0)
			return -1;
	}
	if (n == 0 || (n == 1 && b[0] == '.'))
		return eco_j5_fail(j, "a number without digits");
	if ((c = eco_j5_peek(j, 0)) == 'e' || c == 'E') {
		b[n++] = 'e';
		eco_j5_adv(j);
		if ((c = eco_j5_peek(j, 0)) == '-' || c == '+') {
			b[n++] = (char)c;
			eco_j5_adv(j);
		}
		k = n;
		if (eco_j5_digits(j, 10, b, &n, sizeof(b)) != 0)
			return -1;
		if (n == k)
			return eco_j5_fail(j, "an exponent without digits");
	}
	b[n] = '\0';
	if (eco_j5_idchar(eco_j5_peek(j, 0), 0))
		return eco_j5_fail(j, "bad number");
	return eco_j5_putdec(j, neg, b);
}

/* A key: a string, an identifier (reserved words too) or digits. */
static int
eco_j5_key(struct eco_j5 *j)
{
	size_t k;
	int c = eco_j5_peek(j, 0);

	if (c == '"' || c == '\'' || c == '`')
		return c == '`'
		           ? eco_j5_fail(j, "a template as a key: quote it")
		           : eco_j5_string(j);
	k = eco_j5_ident(j);
	if (k == 0)
		while (eco_j5_peek(j, k) >= '0' && eco_j5_peek(j, k) <= '9')
			k++;
	if (k == 0)
		return eco_j5_fail(j, "expected a key");
	if (eco_j5_putc(j, '"') != 0 || eco_j5_put(j, j->t + j->i, k) != 0 ||
	    eco_j5_putc(j, '"') != 0)
		return -1;
	while (k-- > 0)
		eco_j5_adv(j);
	return 0;
}

/* A scalar value: string, number or word. */
static int
eco_j5_scalar(struct eco_j5 *j)
{
	int c = eco_j5_peek(j, 0);
	size_t k;

	if (c == '"' || c == '\'' || c == '`')
		return eco_j5_string(j);
	if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'))
		return eco_j5_number(j);
	k = eco_j5_ident(j);
	if (eco_j5_is(j, k, "Infinity") || eco_j5_is(j, k, "NaN"))
		return eco_j5_number(j);
	if (!eco_j5_is(j, k, "true") && !eco_j5_is(j, k, "false") &&
	    !eco_j5_is(j, k, "null"))
		return eco_j5_fail(j, k > 0
		                          ? "a JavaScript name or expression: "
		                            "redundancyd reads values only, "
		                            "write the value"
		                          : "expected a value");
	if (eco_j5_put(j, j->t + j->i, k) != 0)
		return -1;
	while (k-- > 0)
		eco_j5_adv(j);
	return 0;
}

/*
 * The structure: st holds '{' or '[' per level; after a value, a ',' or
 * the closer; a ',' before the closer is dropped.
 */
static int
eco_j5_run(struct eco_j5 *j)
{
	char st[ECO_DEPTH];
	int depth = 0, c;

	for (;;) {
		if (eco_j5_white(j) != 0)
			return -1;
		c = eco_j5_peek(j, 0);
		if (depth > 0 && c == (st[depth - 1] == '{' ? '}' : ']'))
			goto close;
		if (depth > 0 && st[depth - 1] == '{') {
			if (eco_j5_key(j) != 0 || eco_j5_white(j) != 0)
				return -1;
			if (eco_j5_peek(j, 0) != ':')
				return eco_j5_fail(
				    j, "expected ':' after the key");
			eco_j5_adv(j);
			if (eco_j5_putc(j, ':') != 0 || eco_j5_white(j) != 0)
				return -1;
			c = eco_j5_peek(j, 0);
		}
		if (c == ',' && depth > 0)
			return eco_j5_fail(
			    j, "an empty element: remove the comma");
		if (c == '{' || c == '[') {
			if (depth >= ECO_DEPTH)
				return eco_j5_fail(j, "nested too deep");
			st[depth++] = (char)c;
			eco_j5_adv(j);
			if (eco_j5_putc(j, (char)c) != 0)
				return -1;
			continue;
		}
		if (c < 0)
			return eco_j5_fail(j, "unexpected end of file");
		if (eco_j5_scalar(j) != 0)
			return -1;
	after:
		if (depth == 0)
			break;
		if (eco_j5_white(j) != 0)
			return -1;
		c = eco_j5_peek(j, 0);
		if (c == ',') {
			eco_j5_adv(j);
			if (eco_j5_white(j) != 0)
				return -1;
			c = eco_j5_peek(j, 0);
			if (c == (st[depth - 1] == '{' ? '}' : ']'))
				goto close; /* a trailing comma */
			if (eco_j5_putc(j, ',') != 0)
				return -1;
			continue;
		}
		if (c < 0)
			return eco_j5_fail(j, "unexpected end of file");
		if (c != (st[depth - 1] == '{' ? '}' : ']'))
			return eco_j5_fail(j, st[depth - 1] == '{'
			                          ? "expected ',' or '}'"
			                          : "expected ',' or ']'");
	close:
		eco_j5_adv(j);
		if (eco_j5_putc(j, st[--depth] == '{' ? '}' : ']') != 0)
			return -1;
		goto after;
	}
	if (eco_j5_white(j) != 0)
		return -1;
	if (j->i < j->len && j->t[j->i] != '\0')
		return eco_j5_fail(j, "text after the value: remove it");
	return 0;
}

/* The .json text as strict JSON in *out, or an error with line:column. */
static int
eco_j5_normalise(struct eco_file *f, const char *text, size_t len, char **out)
{
	struct eco_j5 j;

	memset(&j, 0, sizeof(j));
	j.t = text;
	j.len = len;
	j.line = j.col = 1;
	if (eco_j5_run(&j) != 0) {
		free(j.out);
		eco_diag(f, ECO_ERR, j.eline,
		    "JSON syntax at line %d, column %d: %s (PM2 evaluates "
		    ".json as "
		    "a JavaScript value)",
		    j.eline, j.ecol, j.err);
		return -1;
	}
	*out = j.out ? j.out : strdup("");
	return *out ? 0 : -1;
}

static int
eco_json_parse(struct eco_file *f, const char *text, size_t len,
    struct eco_lines *L, struct json_object **root)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t end, i;
	int line = 1;

	*root = NULL;
	if (len > INT_MAX) {
		eco_diag(f, ECO_ERR, 0, "file too large");
		return -1;
	}
	if ((tok = json_tokener_new_ex(ECO_DEPTH)) == NULL)
		return -1;
	*root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_success) {
		while (end < len && isspace((unsigned char)text[end]))
			end++;
		if (end < len && text[end] != '\0')
			jerr = json_tokener_error_parse_unexpected;
	}
	if (jerr != json_tokener_success) {
		json_object_put(*root);
		*root = NULL;
		for (i = 0; i < end && i < len; i++)
			if (text[i] == '\n')
				line++;
		eco_diag(f, ECO_ERR, line,
		    "JSON syntax: %s at byte %zu: fix the JSON (PM2 evaluates "
		    ".json as JavaScript, but strict JSON is what can be "
		    "checked)",
		    jerr == json_tokener_continue
		        ? "unexpected end of file"
		        : json_tokener_error_desc(jerr),
		    end);
		return -1;
	}
	if (L != NULL)
		eco_json_lines(text, len, L);
	return 0;
}

/* A .json ecosystem: its JavaScript literal syntax, then json-c. */
static int
eco_json5_parse(struct eco_file *f, const char *text, size_t len,
    struct eco_lines *L, struct json_object **root)
{
	char *norm;
	size_t k;
	int rc;

	*root = NULL;
	for (k = 0; k < len && isspace((unsigned char)text[k]); k++)
		;
	if (k == len || text[k] == '\0') /* empty: said once, in eco_apps */
		return eco_json_parse(f, text, len, L, root);
	if (len > INT_MAX / 8) {
		eco_diag(f, ECO_ERR, 0, "file too large");
		return -1;
	}
	if (eco_j5_normalise(f, text, len, &norm) != 0)
		return -1;
	rc = eco_json_parse(f, norm, strlen(norm), L, root);
	free(norm);
	return rc;
}

/* ---- schema ---- */

int
eco_schema_load_text(struct eco_schema *s, const char *path, const char *text,
    char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->root = json_tokener_parse(text);
	if (s->root == NULL ||
	    !json_object_is_type(s->root, json_type_object)) {
		json_object_put(s->root);
		s->root = NULL;
		snprintf(err, errlen,
		    "%s: not a JSON object: PM2's schema.json "
		    "is damaged; reinstall pm2",
		    path);
		return -1;
	}
	s->path = strdup(path);
	return 0;
}

int
eco_schema_load(
    struct eco_schema *s, const char *path, char *err, size_t errlen)
{
	FILE *fp;
	char *buf = NULL;
	size_t n = 0, cap = 0, r;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen,
		    "%s: %s: set pm2_bin to the pm2 whose "
		    "package holds lib/API/schema.json",
		    path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 16384;
			if (cap > 4 * 1024 * 1024 ||
			    (nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(fp);
				snprintf(err, errlen, "%s: too large", path);
				return -1;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
		if (r == 0)
			break;
	}
	fclose(fp);
	buf[n] = '\0';
	rc = eco_schema_load_text(s, path, buf, err, errlen);
	free(buf);
	return rc;
}

void
eco_schema_free(struct eco_schema *s)
{
	json_object_put(s->root);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

/* JavaScript regex of schema.json to POSIX ERE: \d \s \S \w. */
static int
eco_regex_compile(regex_t *re, const char *js)
{
	char buf[512];
	size_t i, o = 0;

	for (i = 0; js[i] != '\0' && o + 16 < sizeof(buf); i++) {
		if (js[i] == '\\' && js[i + 1] != '\0') {
			const char *rep = NULL;

			switch (js[i + 1]) {
			case 'd':
				rep = "[0-9]";
				break;
			case 's':
				rep = "[[:space:]]";
				break;
			case 'S':
				rep = "[^[:space:]]";
				break;
			case 'w':
				rep = "[[:alnum:]_]";
				break;
			}
			if (rep != NULL) {
				o += (size_t)snprintf(
				    buf + o, sizeof(buf) - o, "%s", rep);
				i++;
				continue;
			}
		}
		buf[o++] = js[i];
	}
	buf[o] = '\0';
	return regcomp(re, buf, REG_EXTENDED | REG_NOSUB);
}

static int
eco_regex_match(const char *js, const char *s)
{
	regex_t re;
	int m;

	if (eco_regex_compile(&re, js) != 0)
		return 1; /* a pattern we cannot read does not fail the app */
	m = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static int
eco_alias_has(struct json_object *alias, const char *key)
{
	size_t i;

	if (alias == NULL)
		return 0;
	if (json_object_is_type(alias, json_type_string))
		return strcmp(json_object_get_string(alias), key) == 0;
	if (!json_object_is_type(alias, json_type_array))
		return 0;
	for (i = 0; i < json_object_array_length(alias); i++) {
		struct json_object *a = json_object_array_get_idx(alias, i);

		if (json_object_is_type(a, json_type_string) &&
		    strcmp(json_object_get_string(a), key) == 0)
			return 1;
	}
	return 0;
}

/* The schema entry of key (directly, by alias or by a regex key). */
static struct json_object *
eco_schema_entry(
    const struct eco_schema *s, const char *key, const char **canon)
{
	struct json_object *e, *alias;

	*canon = key;
	if (s->root == NULL)
		return NULL;
	if (json_object_object_get_ex(s->root, key, &e) && key[0] != '^')
		return e;
	json_object_object_foreach(s->root, k, v)
	{
		if (json_object_object_get_ex(v, "alias", &alias) &&
		    eco_alias_has(alias, key)) {
			*canon = k;
			return v;
		}
	}
	json_object_object_foreach(s->root, k2, v2)
	{
		if (strchr(k2, '\\') != NULL && eco_regex_match(k2, key)) {
			*canon = k2;
			return v2;
		}
	}
	return NULL;
}

static const char *
eco_jtype(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_int:
	case json_type_double:
		return "number";
	case json_type_string:
		return "string";
	case json_type_array:
		return "array";
	case json_type_object:
		return "object";
	}
	return "?";
}

static int
eco_numeric_string(const char *s, double *out)
{
	char *end;

	if (*s == '\0')
		return 0;
	errno = 0;
	*out = strtod(s, &end);
	while (isspace((unsigned char)*end))
		end++;
	return *end == '\0' && errno == 0;
}

static int
eco_type_allows(struct json_object *types, const char *t)
{
	size_t i;

	if (types == NULL)
		return 1;
	if (json_object_is_type(types, json_type_string))
		return strcmp(json_object_get_string(types), t) == 0;
	if (!json_object_is_type(types, json_type_array))
		return 1;
	for (i = 0; i < json_object_array_length(types); i++) {
		struct json_object *x = json_object_array_get_idx(types, i);

		if (json_object_is_type(x, json_type_string) &&
		    strcmp(json_object_get_string(x), t) == 0)
			return 1;
	}
	return 0;
}

static void
eco_types_text(struct json_object *types, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	if (types == NULL)
		return;
	if (json_object_is_type(types, json_type_string)) {
		snprintf(buf, len, "%s", json_object_get_string(types));
		return;
	}
	for (i = 0; i < json_object_array_length(types) && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " or " : "",
		    json_object_get_string(
		        json_object_array_get_idx(types, i)));
}

static void
eco_check_key(struct eco_file *f, const struct eco_schema *s, const char *app,
    const char *key, struct json_object *v, int line)
{
	struct json_object *e, *types, *x;
	const char *canon, *t = eco_jtype(v);
	char tt[96];
	double d;

	if (s->root == NULL)
		return;
	if ((e = eco_schema_entry(s, key, &canon)) == NULL) {
		eco_diag(f, ECO_WARN, line,
		    "app '%s': unknown key '%s': not in PM2's schema.json, "
		    "so PM2 ignores it; check the spelling",
		    app, key);
		return;
	}
	if (v == NULL)
		return; /* null: PM2 uses its default */
	json_object_object_get_ex(e, "type", &types);
	if (strcmp(canon, "instances") == 0 &&
	    json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "max") == 0)
		return;
	/* PM2 parses numeric strings where a number is allowed. */
	if (json_object_is_type(v, json_type_string) &&
	    eco_type_allows(types, "number") &&
	    eco_numeric_string(json_object_get_string(v), &d))
		t = "number";
	if (!eco_type_allows(types, t)) {
		eco_types_text(types, tt, sizeof(tt));
		eco_diag(f, ECO_ERR, line,
		    "app '%s': %s: expected %s, got %s: fix the value", app,
		    key, tt, t);
		return;
	}
	if (json_object_is_type(v, json_type_string) &&
	    json_object_object_get_ex(e, "regex", &x) &&
	    json_object_is_type(x, json_type_string) &&
	    !eco_regex_match(
	        json_object_get_string(x), json_object_get_string(v))) {
		struct json_object *desc = NULL;

		json_object_object_get_ex(e, "desc", &desc);
		eco_diag(f, ECO_ERR, line,
		    "app '%s': %s: \"%s\" is invalid: %s", app, key,
		    json_object_get_string(v),
		    desc ? json_object_get_string(desc)
		         : json_object_get_string(x));
		return;
	}
	if ((json_object_is_type(v, json_type_int) ||
	        json_object_is_type(v, json_type_double)) &&
	    json_object_object_get_ex(e, "min", &x) &&
	    json_object_get_double(v) < json_object_get_double(x))
		eco_diag(f, ECO_ERR, line,
		    "app '%s': %s: %g is below the minimum %g: fix the value",
		    app, key, json_object_get_double(v),
		    json_object_get_double(x));
}

static struct json_object *
eco_get(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static const char *
eco_str(struct json_object *o, const char *k)
{
	struct json_object *v = eco_get(o, k);

	return v != NULL && json_object_is_type(v, json_type_string)
	           ? json_object_get_string(v)
	           : NULL;
}

static char *
eco_join(const char *dir, const char *p)
{
	char *r;

	if (p[0] == '/')
		return strdup(p);
	if (asprintf(&r, "%s/%s", dir, p) < 0)
		return NULL;
	return r;
}

/* PM2 runs a script that is not a file from PATH (npm, python3...). */
static int
eco_in_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *c;
	char buf[4096];

	if (path == NULL || strchr(prog, '/') != NULL)
		return 0;
	for (p = path; *p; p = *c ? c + 1 : c) {
		c = strchr(p, ':');
		if (c == NULL)
			c = p + strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(c - p), p, prog);
		if (access(buf, X_OK) == 0)
			return 1;
	}
	return 0;
}

static int
eco_port_of(struct json_object *v)
{
	const char *s;
	int64_t n;

	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		n = json_object_get_int64(v);
		return n > 0 && n < 65536 ? (int)n : 0;
	}
	if ((s = json_object_is_type(v, json_type_string)
	             ? json_object_get_string(v)
	             : NULL) != NULL) {
		n = atoll(s);
		return n > 0 && n < 65536 ? (int)n : 0;
	}
	return 0;
}

static int
eco_app(struct eco_file *f, const struct eco_schema *s,
    const struct eco_lines *L, const char *base, int idx, struct json_object *o)
{
	struct eco_app *a, *na;
	char path[300], kp[400], *cwd = NULL, *script = NULL;
	const char *name, *sc, *cw, *em;
	struct json_object *v;
	struct stat sb;
	int line, kl;

	if (base[0])
		snprintf(path, sizeof(path), "%s[%d]", base, idx);
	else
		snprintf(path, sizeof(path), "[%d]", idx);
	line = L ? eco_line_of(L, base[0] || idx >= 0 ? path : "") : 0;
	if (idx < 0) {
		/* A single app object as the whole file. */
		path[0] = '\0';
		line = 1;
	}
	if (!json_object_is_type(o, json_type_object)) {
		eco_diag(f, ECO_ERR, line,
		    "app %d is %s, not an object: write { name: ..., script: "
		    "... }",
		    idx + 1, eco_jtype(o));
		return 0;
	}
	sc = eco_str(o, "script");
	if (sc == NULL)
		sc = eco_str(o, "exec");
	name = eco_str(o, "name");
	if (name == NULL && sc != NULL) {
		/* PM2 names it after the script, without the extension. */
		const char *b = strrchr(sc, '/');
		char *dot;

		snprintf(kp, sizeof(kp), "%s", b ? b + 1 : sc);
		if ((dot = strrchr(kp, '.')) != NULL && dot != kp)
			*dot = '\0';
		name = kp[0] ? kp : NULL;
	}
	if (sc == NULL) {
		eco_diag(f, ECO_ERR, line,
		    "app '%s': script is missing: PM2 requires it; add "
		    "script: \"app.js\"",
		    name ? name : "(unnamed)");
		return 0;
	}
	if (name == NULL)
		name = "(unnamed)";
	{
		char nm[400];

		snprintf(nm, sizeof(nm), "%s", name);
		json_object_object_foreach(o, k, val)
		{
			snprintf(kp, sizeof(kp), "%s%s%s", path,
			    path[0] ? "." : "", k);
			kl = L ? eco_line_of(L, kp) : 0;
			eco_check_key(f, s, nm, k, val, kl ? kl : line);
		}
		name = eco_str(o, "name") ? eco_str(o, "name") : nm;

		na = realloc(f->apps, (f->napps + 1) * sizeof(*na));
		if (na == NULL)
			return -1;
		f->apps = na;
		a = &na[f->napps];
		memset(a, 0, sizeof(*a));
		if ((a->name = strdup(nm[0] ? name : "(unnamed)")) == NULL)
			return -1;
		f->napps++;
	}
	a->line = line;
	a->def = json_object_get(o);
	cw = eco_str(o, "cwd");
	cwd = cw ? eco_join(f->dir, cw) : strdup(f->dir);
	a->cwd = cwd;
	if (cw != NULL && (stat(cwd, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
		snprintf(kp, sizeof(kp), "%s%scwd", path, path[0] ? "." : "");
		kl = L ? eco_line_of(L, kp) : 0;
		eco_diag(f, ECO_ERR, kl ? kl : line,
		    "app '%s': cwd '%s' is not a directory: fix cwd", a->name,
		    cwd);
	}
	script = cwd ? eco_join(cwd, sc) : NULL;
	if (script != NULL && stat(script, &sb) == 0)
		a->script_path = script;
	else {
		free(script);
		if (!eco_in_path(sc)) {
			snprintf(kp, sizeof(kp), "%s%sscript", path,
			    path[0] ? "." : "");
			kl = L ? eco_line_of(L, kp) : 0;
			eco_diag(f, ECO_ERR, kl ? kl : line,
			    "app '%s': script '%s' not found (in %s): fix "
			    "script or cwd",
			    a->name, sc, cwd ? cwd : f->dir);
		}
	}
	a->autostart = 1;
	if ((v = eco_get(o, "autostart")) != NULL &&
	    json_object_is_type(v, json_type_boolean))
		a->autostart = json_object_get_boolean(v);
	a->instances = 1;
	v = eco_get(o, "instances");
	snprintf(kp, sizeof(kp), "%s%sinstances", path, path[0] ? "." : "");
	kl = L ? eco_line_of(L, kp) : 0;
	if (v != NULL) {
		double d = 0;
		int okn = 0;

		if (json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_double)) {
			d = json_object_get_double(v);
			okn = 1;
		} else if (json_object_is_type(v, json_type_string)) {
			if (strcmp(json_object_get_string(v), "max") == 0) {
				d = 0;
				okn = 1;
			} else
				okn = eco_numeric_string(
				    json_object_get_string(v), &d);
		}
		if (okn && (d != floor(d) || d < -4096 || d > 4096))
			eco_diag(f, ECO_ERR, kl ? kl : line,
			    "app '%s': instances: %g is not a whole number: "
			    "use a count, 0 or \"max\" (one per CPU), or -1 "
			    "(CPUs - 1)",
			    a->name, d);
		else if (okn)
			a->instances = (int)d;
	}
	em = eco_str(o, "exec_mode");
	a->cluster = em != NULL && strncmp(em, "cluster", 7) == 0;
	if (em == NULL && v != NULL && a->instances != 1) {
		/* PM2 picks cluster mode for node apps with instances. */
		a->cluster = 1;
	}
	if (em != NULL && !a->cluster && a->instances != 1)
		eco_diag(f, ECO_WARN, kl ? kl : line,
		    "app '%s': %d instances in fork mode: each is a separate "
		    "process and they cannot share a port; use exec_mode "
		    "\"cluster\" for a shared port",
		    a->name, a->instances);
	a->port = eco_port_of(eco_get(eco_get(o, "env"), "PORT"));
	if (a->port == 0)
		a->port = eco_port_of(eco_get(o, "port"));
	return 0;
}

static int
eco_apps(struct eco_file *f, const struct eco_schema *s,
    const struct eco_lines *L, struct json_object *root)
{
	struct json_object *apps;
	size_t i, n;

	if (root == NULL) {
		eco_diag(f, ECO_ERR, 1,
		    "the file is empty: declare apps: [ { name, script } ]");
		return 0;
	}
	if (json_object_is_type(root, json_type_array)) {
		apps = root;
		n = json_object_array_length(apps);
		for (i = 0; i < n; i++)
			if (eco_app(f, s, L, "", (int)i,
			        json_object_array_get_idx(apps, i)) != 0)
				return -1;
	} else if (json_object_is_type(root, json_type_object) &&
	           (apps = eco_get(root, "apps")) != NULL) {
		if (json_object_is_type(apps, json_type_array)) {
			n = json_object_array_length(apps);
			for (i = 0; i < n; i++)
				if (eco_app(f, s, L, "apps", (int)i,
				        json_object_array_get_idx(apps, i)) !=
				    0)
					return -1;
		} else if (json_object_is_type(apps, json_type_object)) {
			if (eco_app(f, s, L, "apps", -1, apps) != 0)
				return -1;
		} else
			eco_diag(f, ECO_ERR, L ? eco_line_of(L, "apps") : 0,
			    "apps is %s: make it a list of apps",
			    eco_jtype(apps));
	} else if (json_object_is_type(root, json_type_object) &&
	           (eco_get(root, "script") != NULL ||
	               eco_get(root, "exec") != NULL)) {
		if (eco_app(f, s, L, "", -1, root) != 0)
			return -1;
	} else
		eco_diag(f, ECO_ERR, 1,
		    "no apps: the file must hold apps: [ { name, script } ] "
		    "(or a list of apps)");
	if (f->napps == 0 && f->nerr == 0)
		eco_diag(f, ECO_WARN, 1, "apps is empty: nothing to run");
	return 0;
}

static int
eco_init(struct eco_file *f, const char *path, enum eco_kind kind)
{
	char *slash, *abs;

	memset(f, 0, sizeof(*f));
	f->kind = kind;
	if ((f->path = strdup(path)) == NULL)
		return -1;
	abs = realpath(path, NULL);
	if (abs == NULL)
		abs = strdup(path);
	if (abs == NULL)
		return -1;
	if ((slash = strrchr(abs, '/')) != NULL) {
		if (slash == abs)
			slash[1] = '\0';
		else
			*slash = '\0';
		f->dir = abs;
	} else {
		free(abs);
		f->dir = strdup(".");
	}
	return f->dir ? 0 : -1;
}

int
eco_load_error(struct eco_file *f, const char *path, enum eco_kind kind,
    int line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (eco_init(f, path, kind) != 0)
		return -1;
	va_start(ap, fmt);
	rc = eco_vdiag(f, ECO_ERR, line, fmt, ap);
	va_end(ap);
	return rc;
}

int
eco_load_text(struct eco_file *f, const char *path, enum eco_kind kind,
    const char *text, size_t len, const struct eco_schema *s)
{
	struct eco_lines L;
	struct json_object *root = NULL;
	int rc = 0;

	if (eco_init(f, path, kind) != 0)
		return -1;
	memset(&L, 0, sizeof(L));
	L.f = f;
	switch (kind) {
	case ECO_JSON:
		if (eco_json5_parse(f, text, len, &L, &root) != 0)
			goto out;
		break;
	case ECO_YAML:
		if (eco_yaml_parse(f, text, len, &L, &root) != 0)
			goto out;
		break;
	case ECO_JS:
		L.f = NULL;
		if (eco_json_parse(f, text, len, NULL, &root) != 0)
			goto out;
		break;
	default:
		eco_diag(f, ECO_ERR, 0,
		    "not an ecosystem file name: PM2 reads .json, .yaml, "
		    ".yml, .config.js, .cjs and .mjs; rename it");
		goto out;
	}
	rc = eco_apps(f, s, kind == ECO_JS ? NULL : &L, root);
out:
	json_object_put(root);
	eco_lines_free(&L);
	return rc;
}

/*
 * ---- lines of a .js file's apps ----
 *
 * node gives only values, so the source is scanned for name: 'x' (or
 * "name": "x"), skipping comments and other strings; the k-th app named x
 * takes the k-th such line. A computed name keeps line 0.
 */
struct eco_js_name {
	char val[128];
	int line, used;
};

/* Skip a comment or string at t[i]; returns the new index. */
static size_t
eco_js_skip(const char *t, size_t len, size_t i, int *line)
{
	char q = t[i];

	if (q == '/' && i + 1 < len && t[i + 1] == '/') {
		while (i < len && t[i] != '\n')
			i++;
		return i;
	}
	if (q == '/' && i + 1 < len && t[i + 1] == '*') {
		for (i += 2; i < len &&
		             !(t[i] == '*' && i + 1 < len && t[i + 1] == '/');
		     i++)
			if (t[i] == '\n')
				(*line)++;
		return i + 2 < len ? i + 2 : len;
	}
	for (i++; i < len && t[i] != q; i++) {
		if (t[i] == '\\' && i + 1 < len)
			i++;
		if (t[i] == '\n')
			(*line)++;
	}
	return i < len ? i + 1 : len;
}

/* A plain string literal at t[i] (no escapes), copied to v. */
static size_t
eco_js_strlit(const char *t, size_t len, size_t i, char *v, size_t vl)
{
	char q = t[i];
	size_t k = 0, j;

	if (q != '\'' && q != '"' && q != '`')
		return 0;
	for (j = i + 1; j < len && t[j] != q; j++) {
		if (t[j] == '\\' || t[j] == '\n' || (q == '`' && t[j] == '$'))
			return 0;
		if (k + 1 < vl)
			v[k++] = t[j];
	}
	v[k] = '\0';
	return j < len ? j + 1 : 0;
}

static size_t
eco_js_ws(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r'))
		i++;
	return i;
}

/* name: 'v' at t[i] (key unquoted or quoted): 1 and v, else 0. */
static int
eco_js_name_at(const char *t, size_t len, size_t i, char *v, size_t vl)
{
	size_t j;

	if (t[i] == '\'' || t[i] == '"') {
		if (i + 5 >= len || strncmp(t + i + 1, "name", 4) != 0 ||
		    t[i + 5] != t[i])
			return 0;
		j = i + 6;
	} else {
		if (strncmp(t + i, "name", 4) != 0 ||
		    (i > 0 &&
		        (isalnum((unsigned char)t[i - 1]) || t[i - 1] == '_' ||
		            t[i - 1] == '$' || t[i - 1] == '.')))
			return 0;
		j = i + 4;
	}
	j = eco_js_ws(t, len, j);
	if (j >= len || t[j] != ':')
		return 0;
	j = eco_js_ws(t, len, j + 1);
	return j < len && eco_js_strlit(t, len, j, v, vl) != 0;
}

static size_t
eco_js_names(const char *t, size_t len, struct eco_js_name *nm, size_t max)
{
	size_t i = 0, n = 0;
	int line = 1;

	while (i < len && n < max) {
		if (eco_js_name_at(t, len, i, nm[n].val, sizeof(nm[n].val))) {
			nm[n].line = line;
			nm[n++].used = 0;
		}
		if (t[i] == '\n') {
			line++;
			i++;
		} else if (t[i] == '\'' || t[i] == '"' || t[i] == '`' ||
		           (t[i] == '/' && i + 1 < len &&
		               (t[i + 1] == '/' || t[i + 1] == '*')))
			i = eco_js_skip(t, len, i, &line);
		else
			i++;
	}
	return n;
}

void
eco_js_lines(struct eco_file *f, const char *src, size_t len)
{
	struct eco_js_name *nm;
	size_t n, i, k;

	if ((nm = calloc(256, sizeof(*nm))) == NULL)
		return;
	n = eco_js_names(src, len, nm, 256);
	for (i = 0; i < f->napps; i++) {
		if (f->apps[i].line > 0)
			continue;
		for (k = 0; k < n; k++)
			if (!nm[k].used &&
			    strcmp(nm[k].val, f->apps[i].name) == 0) {
				nm[k].used = 1;
				f->apps[i].line = nm[k].line;
				break;
			}
	}
	free(nm);
}

void
eco_file_free(struct eco_file *f)
{
	size_t i;

	for (i = 0; i < f->napps; i++) {
		free(f->apps[i].name);
		free(f->apps[i].script_path);
		free(f->apps[i].cwd);
		json_object_put(f->apps[i].def);
	}
	for (i = 0; i < f->ndiags; i++)
		free(f->diags[i].msg);
	free(f->apps);
	free(f->diags);
	free(f->path);
	free(f->dir);
	memset(f, 0, sizeof(*f));
}

void
eco_check_duplicates(struct eco_file *files, size_t n)
{
	size_t i, j, k, l;

	for (i = 0; i < n; i++)
		for (j = 0; j < files[i].napps; j++)
			for (k = 0; k <= i; k++)
				for (l = 0; l < (k == i ? j : files[k].napps);
				     l++) {
					if (strcmp(files[i].apps[j].name,
					        files[k].apps[l].name) != 0)
						continue;
					eco_diag(&files[i], ECO_ERR,
					    files[i].apps[j].line,
					    "app '%s' is declared twice (also "
					    "%s:%d): PM2 would run only one; "
					    "rename one",
					    files[i].apps[j].name,
					    files[k].path,
					    files[k].apps[l].line);
					k = i + 1; /* one message per app */
					break;
				}
}

const struct eco_diag *
eco_first(const struct eco_file *f)
{
	size_t i;

	for (i = 0; i < f->ndiags; i++)
		if (f->diags[i].sev == ECO_ERR)
			return &f->diags[i];
	return f->ndiags > 0 ? &f->diags[0] : NULL;
}

const struct eco_app *
eco_find_app(const struct eco_file *files, size_t n, const char *name,
    const struct eco_file **file)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < files[i].napps; j++)
			if (strcmp(files[i].apps[j].name, name) == 0) {
				if (file != NULL)
					*file = &files[i];
				return &files[i].apps[j];
			}
	return NULL;
}
