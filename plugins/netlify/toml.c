/*
 * toml.c: the netlify.toml reader, TOML 1.0 bent to Netlify's loader. Owns
 * UTF-8 checks, the grammar, table (re)definition rules, errors, warnings.
 */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

/*
 * Table states. The rules of TOML 1.0 about redefinition are checked on the
 * nodes themselves (the same outcome as tomllib's path flags):
 * IMPLICIT  parent made by a [a.b.c] header, may be defined once later;
 * DEFINED   made by a [header] or an element of [[header]];
 * DOTTED    made or extended by dotted keys in `section`, closed after it;
 * FROZEN    an inline table (and what it contains): never extended;
 * AOT       an array made by [[header]], the only kind that can grow.
 */
#define F_IMPLICIT 0x01u
#define F_DEFINED 0x02u
#define F_DOTTED 0x04u
#define F_FROZEN 0x08u
#define F_AOT 0x10u

#if defined(__GNUC__)
#define TOML_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TOML_PRINTF(f, a)
#endif

/*
 * Why a rule is bent: the verdict follows Netlify's config loader since
 * @netlify/config 25.2 (smol-toml 1.x); older loaders used @iarna/toml.
 */
#define NL_NEW "Netlify's config loader (smol-toml, @netlify/config 25.2+)"
#define NL_OLD "older loaders (@iarna/toml, @netlify/config < 25.2)"

#define HASH_MIN 8     /* tables up to this size are searched linearly */
#define KEYMSG_MAX 120 /* key names are cut in messages past this */

struct toml_kv {
	char *key;
	size_t len;
	int line;
	struct toml_value *val;
};

/* Every allocation of a document is linked here so errors free everything. */
union blk {
	struct {
		union blk *prev, *next;
	} l;
	long double ld; /* alignment for any payload */
	long long ll;
	void *p;
};

struct pos {
	const char *at;
	const char *bol;
	int line;
};

struct buf {
	char *p;
	size_t n, cap;
};

struct keypart {
	char *s;
	size_t len;
	int owned; /* until moved into a table */
	struct pos at;
};

struct key {
	struct keypart *v;
	size_t n, cap;
};

struct parser {
	const char *src, *p, *end;
	const char *name;
	const char *bol;
	int line;
	char *err;
	size_t errlen;
	union blk *mem;
	struct toml_value *root;
	struct toml_value *cur; /* where key/values of this section go */
	int section;            /* of the document, bumped by each header */
	int nsect;              /* ids for sections and inline tables */
	struct buf sb;          /* scratch for strings */
	const char *cbol, *cat; /* toml_col's cache: long lines stay linear */
	int ccol;
	char kbuf[KEYMSG_MAX + 8];
	char cbuf[32];
	char **warn; /* toml_warn's messages, in mem */
	size_t nwarn, nwarn_total;
	int nest; /* arrays and inline tables around the value being read */
};

static int toml_parse_value(struct parser *, int, struct toml_value **);
static int toml_err(struct parser *, struct pos, const char *, ...)
    TOML_PRINTF(3, 4);

/* ---- memory ---- */

static void *
toml_mem_alloc(union blk *head, size_t n)
{
	union blk *b;

	if (n > SIZE_MAX - sizeof(*b))
		return NULL;
	if ((b = calloc(1, sizeof(*b) + n)) == NULL)
		return NULL;
	b->l.next = head->l.next;
	b->l.prev = head;
	head->l.next->l.prev = b;
	head->l.next = b;
	return b + 1;
}

static void
toml_mem_release(void *p)
{
	union blk *b;

	if (p == NULL)
		return;
	b = (union blk *)p - 1;
	b->l.prev->l.next = b->l.next;
	b->l.next->l.prev = b->l.prev;
	free(b);
}

static void *
toml_mem_grow(union blk *head, void *p, size_t n)
{
	union blk *b, *nb;
	int failed;

	if (p == NULL)
		return toml_mem_alloc(head, n);
	if (n > SIZE_MAX - sizeof(*b))
		return NULL;
	b = (union blk *)p - 1;
	b->l.prev->l.next = b->l.next;
	b->l.next->l.prev = b->l.prev;
	nb = realloc(b, sizeof(*b) + n);
	if ((failed = nb == NULL))
		nb = b; /* still valid: relink it and fail */
	nb->l.next = head->l.next;
	nb->l.prev = head;
	head->l.next->l.prev = nb;
	head->l.next = nb;
	return failed ? NULL : nb + 1;
}

static void
toml_mem_destroy(union blk *head)
{
	union blk *b, *next;

	if (head == NULL)
		return;
	for (b = head->l.next; b != head; b = next) {
		next = b->l.next;
		free(b);
	}
	free(head);
}

static int
toml_buf_put(struct buf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (n >= SIZE_MAX / 2 - b->n)
		return -1;
	if (b->n + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

/* ---- positions and errors ---- */

static struct pos
toml_mark(const struct parser *P)
{
	struct pos at;

	at.at = P->p;
	at.bol = P->bol;
	at.line = P->line;
	return at;
}

static int
toml_col(struct parser *P, struct pos at)
{
	const char *s = at.bol;
	int col = 1;

	if (P->cbol == at.bol && P->cat != NULL && P->cat <= at.at) {
		s = P->cat;
		col = P->ccol;
	}
	/* Characters, not bytes: continuation bytes do not count. */
	for (; s < at.at && col < INT_MAX; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			col++;
	P->cbol = at.bol;
	P->cat = at.at;
	P->ccol = col;
	return col;
}

static int
toml_err(struct parser *P, struct pos at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (P->err == NULL || P->errlen == 0)
		return -1;
	n = snprintf(
	    P->err, P->errlen, "%s:%d:%d: ", P->name, at.line, toml_col(P, at));
	if (n < 0 || (size_t)n >= P->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(P->err + n, P->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Records "name:line:col: message" for a file Netlify accepts against TOML
 * 1.0 or its older loader. Returns 0, or -1 (with an error) out of memory.
 */
static int toml_warn(struct parser *, struct pos, const char *, ...)
    TOML_PRINTF(3, 4);

static int
toml_warn(struct parser *P, struct pos at, const char *fmt, ...)
{
	char buf[512], **nw;
	va_list ap;
	int n;

	if (P->nwarn_total++ >= TOML_MAX_WARNINGS)
		return 0;
	n = snprintf(
	    buf, sizeof(buf), "%s:%d:%d: ", P->name, at.line, toml_col(P, at));
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	nw = toml_mem_grow(P->mem, P->warn, (P->nwarn + 1) * sizeof(*nw));
	if (nw == NULL)
		return toml_err(P, at, "out of memory");
	P->warn = nw;
	if ((nw[P->nwarn] = toml_mem_alloc(P->mem, strlen(buf) + 1)) == NULL)
		return toml_err(P, at, "out of memory");
	memcpy(nw[P->nwarn++], buf, strlen(buf) + 1);
	return 0;
}

static int
toml_oom(struct parser *P)
{
	return toml_err(P, toml_mark(P), "out of memory");
}

static int
toml_peek(const struct parser *P, size_t off)
{
	if ((size_t)(P->end - P->p) <= off)
		return -1;
	return (unsigned char)P->p[off];
}

/* Decodes the (already validated) character at q for a message. */
static const char *
toml_describe(struct parser *P, const char *q)
{
	unsigned char c;
	uint32_t cp;
	int n, i;

	if (q >= P->end)
		return "end of file";
	c = (unsigned char)*q;
	if (c == '\n' || (c == '\r' && q + 1 < P->end && q[1] == '\n'))
		return "end of line";
	if (c > 0x20 && c < 0x7f) {
		snprintf(P->cbuf, sizeof(P->cbuf), "'%c'", c);
		return P->cbuf;
	}
	if (c == ' ')
		return "a space";
	if (c < 0x80) {
		cp = c;
	} else {
		n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
		cp = c & (0x3f >> n);
		for (i = 1; i <= n && q + i < P->end; i++)
			cp = cp << 6 | ((unsigned char)q[i] & 0x3f);
	}
	snprintf(P->cbuf, sizeof(P->cbuf), "U+%04X", (unsigned)cp);
	return P->cbuf;
}

static int
toml_is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Formats parts [0, n) of a key the way it would be written. */
static const char *
toml_keystr(struct parser *P, const struct keypart *parts, size_t n)
{
	struct buf b = {NULL, 0, 0};
	size_t i, j;
	int bare;
	char esc[8];
	unsigned char c;

	P->kbuf[0] = '\0';
	for (i = 0; i < n && b.n <= KEYMSG_MAX; i++) {
		if (i > 0 && toml_buf_put(&b, ".", 1))
			break;
		bare = parts[i].len > 0;
		for (j = 0; j < parts[i].len; j++)
			if (!toml_is_bare((unsigned char)parts[i].s[j]))
				bare = 0;
		if (bare) {
			if (toml_buf_put(&b, parts[i].s, parts[i].len))
				break;
			continue;
		}
		toml_buf_put(&b, "\"", 1);
		for (j = 0; j < parts[i].len && b.n <= KEYMSG_MAX; j++) {
			c = (unsigned char)parts[i].s[j];
			if (c < 0x20 || c == 0x7f)
				snprintf(esc, sizeof(esc), "\\u%04X", c);
			else if (c == '"' || c == '\\')
				snprintf(esc, sizeof(esc), "\\%c", c);
			else
				snprintf(esc, sizeof(esc), "%c", c);
			toml_buf_put(&b, esc, strlen(esc));
		}
		toml_buf_put(&b, "\"", 1);
	}
	if (b.p != NULL) {
		if (b.n > KEYMSG_MAX) {
			/* Do not cut a UTF-8 sequence in two. */
			j = KEYMSG_MAX;
			while (j > 0 && ((unsigned char)b.p[j] & 0xc0) == 0x80)
				j--;
			memcpy(b.p + j, "...", 4);
		}
		snprintf(P->kbuf, sizeof(P->kbuf), "%s", b.p);
	}
	free(b.p);
	return P->kbuf;
}

static const char *
toml_article(const struct toml_value *v)
{
	switch (v->kind) {
	case TOML_TABLE:
		return "a table";
	case TOML_ARRAY:
		return "an array";
	case TOML_STRING:
		return "a string";
	case TOML_INTEGER:
		return "an integer";
	case TOML_FLOAT:
		return "a float";
	case TOML_BOOL:
		return "a boolean";
	case TOML_DATETIME:
		return "a date/time";
	}
	return "a value";
}

/* ---- tables ---- */

static uint32_t
toml_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static struct toml_kv *
toml_tab_find(const struct toml_value *t, const char *k, size_t len)
{
	size_t i, mask;
	uint32_t idx;
	struct toml_kv *kv;

	if (t->u.tab.hash == NULL) {
		for (i = 0; i < t->u.tab.n; i++) {
			kv = &t->u.tab.v[i];
			if (kv->len == len && memcmp(kv->key, k, len) == 0)
				return kv;
		}
		return NULL;
	}
	mask = t->u.tab.hcap - 1;
	for (i = toml_hash(k, len) & mask; (idx = t->u.tab.hash[i]) != 0;
	     i = (i + 1) & mask) {
		kv = &t->u.tab.v[idx - 1];
		if (kv->len == len && memcmp(kv->key, k, len) == 0)
			return kv;
	}
	return NULL;
}

static void
toml_hash_put(struct toml_value *t, size_t idx)
{
	size_t i, mask = t->u.tab.hcap - 1;
	const struct toml_kv *kv = &t->u.tab.v[idx];

	for (i = toml_hash(kv->key, kv->len) & mask; t->u.tab.hash[i] != 0;
	     i = (i + 1) & mask)
		;
	t->u.tab.hash[i] = (uint32_t)(idx + 1);
}

/* Takes ownership of key (allocated in P->mem). */
static int
toml_tab_add(struct parser *P, struct toml_value *t, char *key, size_t len,
    int line, struct toml_value *v)
{
	struct toml_kv *nv;
	uint32_t *nh;
	size_t cap, hcap, i;

	if (t->u.tab.n >= UINT32_MAX - 1)
		return toml_oom(P);
	if (t->u.tab.n == t->u.tab.cap) {
		cap = t->u.tab.cap ? t->u.tab.cap * 2 : 4;
		nv = toml_mem_grow(P->mem, t->u.tab.v, cap * sizeof(*nv));
		if (nv == NULL)
			return toml_oom(P);
		t->u.tab.v = nv;
		t->u.tab.cap = cap;
	}
	nv = &t->u.tab.v[t->u.tab.n++];
	nv->key = key;
	nv->len = len;
	nv->line = line;
	nv->val = v;
	if (t->u.tab.n <= HASH_MIN)
		return 0;
	if (t->u.tab.hash != NULL && t->u.tab.n * 2 <= t->u.tab.hcap) {
		toml_hash_put(t, t->u.tab.n - 1);
		return 0;
	}
	for (hcap = 32; hcap < t->u.tab.n * 4; hcap *= 2)
		;
	if ((nh = toml_mem_alloc(P->mem, hcap * sizeof(*nh))) == NULL)
		return toml_oom(P);
	toml_mem_release(t->u.tab.hash);
	t->u.tab.hash = nh;
	t->u.tab.hcap = hcap;
	for (i = 0; i < t->u.tab.n; i++)
		toml_hash_put(t, i);
	return 0;
}

static int
toml_arr_push(struct parser *P, struct toml_value *a, struct toml_value *v)
{
	struct toml_value **nv;
	size_t cap;

	if (a->u.arr.n == a->u.arr.cap) {
		if (a->u.arr.cap > SIZE_MAX / 2 / sizeof(*nv))
			return toml_oom(P);
		cap = a->u.arr.cap ? a->u.arr.cap * 2 : 4;
		nv = toml_mem_grow(P->mem, a->u.arr.v, cap * sizeof(*nv));
		if (nv == NULL)
			return toml_oom(P);
		a->u.arr.v = nv;
		a->u.arr.cap = cap;
	}
	a->u.arr.v[a->u.arr.n++] = v;
	return 0;
}

static struct toml_value *
toml_new(struct parser *P, enum toml_kind kind, struct pos at, int depth)
{
	struct toml_value *v;

	if ((kind == TOML_TABLE || kind == TOML_ARRAY) &&
	    depth > TOML_MAX_DEPTH) {
		toml_err(P, at,
		    "tables and arrays nest deeper than %d levels: flatten "
		    "the document",
		    TOML_MAX_DEPTH);
		return NULL;
	}
	if ((v = toml_mem_alloc(P->mem, sizeof(*v))) == NULL) {
		toml_oom(P);
		return NULL;
	}
	v->kind = kind;
	v->line = at.line;
	v->col = toml_col(P, at);
	v->depth = depth;
	return v;
}

static void
toml_freeze(struct toml_value *t)
{
	size_t i;
	struct toml_value *v;

	t->flags |= F_FROZEN;
	for (i = 0; i < t->u.tab.n; i++) {
		v = t->u.tab.v[i].val;
		if (v->kind == TOML_TABLE && !(v->flags & F_FROZEN))
			toml_freeze(v);
	}
}

/* ---- lexical helpers ---- */

static void
toml_skip_ws(struct parser *P)
{
	while (P->p < P->end && (*P->p == ' ' || *P->p == '\t'))
		P->p++;
}

static int
toml_at_newline(const struct parser *P)
{
	return toml_peek(P, 0) == '\n' ||
	       (toml_peek(P, 0) == '\r' && toml_peek(P, 1) == '\n');
}

static int
toml_eat_newline(struct parser *P)
{
	if (toml_peek(P, 0) == '\r' && toml_peek(P, 1) == '\n')
		P->p++;
	if (toml_peek(P, 0) != '\n')
		return 0;
	P->p++;
	P->line++;
	P->bol = P->p;
	return 1;
}

static int
toml_ctrl(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* At '#': skips to the end of the line, refusing control characters. */
static int
toml_skip_comment(struct parser *P)
{
	int c;

	while (P->p < P->end && !toml_at_newline(P)) {
		c = (unsigned char)*P->p;
		if (toml_ctrl(c))
			return toml_err(P, toml_mark(P),
			    "control character U+%04X in a comment: " NL_NEW
			    " rejects it (" NL_OLD " accepted it): remove it",
			    c);
		P->p++;
	}
	return 0;
}

/*
 * Whitespace, newlines and comments, as allowed inside arrays (and, by
 * smol-toml, inside inline tables: *nl is set when one was skipped).
 */
static int
toml_skip_void(struct parser *P, int *nl)
{
	for (;;) {
		toml_skip_ws(P);
		if (toml_peek(P, 0) == '#') {
			if (toml_skip_comment(P))
				return -1;
			*nl = 1;
		} else if (!toml_eat_newline(P)) {
			return 0;
		} else {
			*nl = 1;
		}
	}
}

static int
toml_skip_ws_nl(struct parser *P)
{
	int nl = 0;

	return toml_skip_void(P, &nl);
}

/* The rest of a line after a statement: blanks, a comment, a newline. */
static int
toml_end_line(struct parser *P, const char *after)
{
	toml_skip_ws(P);
	if (toml_peek(P, 0) == '#' && toml_skip_comment(P))
		return -1;
	if (P->p >= P->end || toml_eat_newline(P))
		return 0;
	if (*P->p == '\r')
		return toml_err(P, toml_mark(P),
		    "carriage return without a line feed: use LF or CRLF line "
		    "endings");
	return toml_err(P, toml_mark(P),
	    "expected a newline or '#' after %s, found %s", after,
	    toml_describe(P, P->p));
}

/* ---- strings ---- */

static int
toml_hexval(int c)
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
toml_put_utf8(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return toml_buf_put(b, u, n);
}

/* At a backslash of a basic string: one escape into P->sb. */
static int
toml_escape(struct parser *P)
{
	struct pos at = toml_mark(P);
	int c = toml_peek(P, 1), n, i, h;
	uint32_t cp = 0;
	const char *rep;

	switch (c) {
	case 'b':
		rep = "\b";
		break;
	case 't':
		rep = "\t";
		break;
	case 'n':
		rep = "\n";
		break;
	case 'f':
		rep = "\f";
		break;
	case 'r':
		rep = "\r";
		break;
	case '"':
		rep = "\"";
		break;
	case '\\':
		rep = "\\";
		break;
	case 'u':
	case 'U':
		n = c == 'u' ? 4 : 8;
		for (i = 0; i < n; i++) {
			if ((h = toml_hexval(toml_peek(P, 2 + i))) < 0)
				return toml_err(P, at,
				    "\\%c needs exactly %d hex digits", c, n);
			cp = cp << 4 | (uint32_t)h;
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return toml_err(P, at,
			    "\\%c%0*X is not a Unicode scalar value "
			    "(surrogates "
			    "and values past 10FFFF are not allowed)",
			    c, n, (unsigned)cp);
		P->p += 2 + n;
		return toml_put_utf8(&P->sb, cp) ? toml_oom(P) : 0;
	default:
		if (c < 0)
			return toml_err(P, at,
			    "unterminated escape at the end "
			    "of the file");
		return toml_err(P, at,
		    "invalid escape: backslash followed by %s; use \\b \\t "
		    "\\n \\f \\r \\\" \\\\ \\uXXXX or \\UXXXXXXXX, or a "
		    "literal 'string'",
		    toml_describe(P, P->p + 1));
	}
	P->p += 2;
	return toml_buf_put(&P->sb, rep, 1) ? toml_oom(P) : 0;
}

/*
 * A string of any of the four forms, decoded into P->sb. P->p is at the
 * opening quote. keyonly refuses multi-line forms.
 */
static int
toml_string_lit(struct parser *P, int keyonly)
{
	struct pos start = toml_mark(P);
	char q = *P->p;
	int ml, c, n;
	const char *r;

	P->sb.n = 0;
	if (toml_buf_put(&P->sb, "", 0))
		return toml_oom(P);
	ml = toml_peek(P, 1) == q && toml_peek(P, 2) == q;
	if (ml && keyonly)
		return toml_err(P, start,
		    "a multi-line string cannot be a key: use \"key\"");
	P->p += ml ? 3 : 1;
	if (ml)
		toml_eat_newline(P); /* the first newline is trimmed */
	for (;;) {
		if (P->p >= P->end)
			return toml_err(P, start,
			    "unterminated string: add the closing %s",
			    q == '"' ? (ml ? "\"\"\"" : "\"")
			             : (ml ? "'''" : "'"));
		c = (unsigned char)*P->p;
		if (c == q) {
			if (!ml) {
				P->p++;
				return 0;
			}
			for (n = 0; toml_peek(P, n) == q; n++)
				;
			if (n >= 3) {
				if (n > 5)
					return toml_err(P, toml_mark(P),
					    "too many quotes: a multi-line "
					    "string may end with at most 5");
				if (n > 3 &&
				    toml_warn(P, toml_mark(P),
				        "a multi-line string ending in %d "
				        "quotes: " NL_NEW " accepts it, " NL_OLD
				        " reject it",
				        n))
					return -1;
				if (toml_buf_put(&P->sb, P->p, n - 3))
					return toml_oom(P);
				P->p += n;
				return 0;
			}
			if (toml_buf_put(&P->sb, P->p, n))
				return toml_oom(P);
			P->p += n;
			continue;
		}
		if (c == '\\' && q == '"') {
			if (ml && (toml_peek(P, 1) == ' ' ||
			              toml_peek(P, 1) == '\t' ||
			              toml_peek(P, 1) == '\n' ||
			              toml_peek(P, 1) == '\r')) {
				/* Line-ending backslash: trim to the next text.
				 */
				r = P->p++;
				toml_skip_ws(P);
				if (!toml_at_newline(P)) {
					P->p = r;
					return toml_err(P, toml_mark(P),
					    "a backslash followed by blanks "
					    "must "
					    "end the line in a multi-line "
					    "string");
				}
				while (toml_eat_newline(P))
					toml_skip_ws(P);
				continue;
			}
			if (toml_escape(P))
				return -1;
			continue;
		}
		if (c == '\n' || (c == '\r' && toml_peek(P, 1) == '\n')) {
			if (!ml)
				return toml_err(P, toml_mark(P),
				    "newline in a single-line string: close it "
				    "on this line or use a multi-line string");
			/* Kept as written, as smol-toml keeps it. */
			n = c == '\r' ? 2 : 1;
			if (toml_buf_put(&P->sb, P->p, (size_t)n))
				return toml_oom(P);
			toml_eat_newline(P);
			continue;
		}
		if (toml_ctrl(c))
			return toml_err(P, toml_mark(P),
			    "control character U+%04X in a string: %s", c,
			    q == '"' ? "write it as an escape like \\u0001"
			             : "use a \"basic string\" with an escape");
		/* Copy a run of plain bytes at once. */
		for (r = P->p; r < P->end; r++) {
			c = (unsigned char)*r;
			if (c == q || c == '\\' || c == '\n' || c == '\r' ||
			    toml_ctrl(c))
				break;
		}
		if (r == P->p)
			r++;
		if (toml_buf_put(&P->sb, P->p, (size_t)(r - P->p)))
			return toml_oom(P);
		P->p = r;
	}
}

static char *
toml_sb_copy(struct parser *P)
{
	char *s;

	if ((s = toml_mem_alloc(P->mem, P->sb.n + 1)) == NULL)
		return NULL;
	memcpy(s, P->sb.p, P->sb.n);
	return s;
}

/* ---- keys ---- */

static int
toml_key_add(
    struct parser *P, struct key *k, const char *s, size_t len, struct pos at)
{
	struct keypart *nv;
	size_t cap;
	char *copy;

	if (k->n >= TOML_MAX_DEPTH)
		return toml_err(
		    P, at, "key has more than %d dotted parts", TOML_MAX_DEPTH);
	if (k->n == k->cap) {
		cap = k->cap ? k->cap * 2 : 4;
		if ((nv = toml_mem_grow(P->mem, k->v, cap * sizeof(*nv))) ==
		    NULL)
			return toml_oom(P);
		k->v = nv;
		k->cap = cap;
	}
	if ((copy = toml_mem_alloc(P->mem, len + 1)) == NULL)
		return toml_oom(P);
	memcpy(copy, s, len);
	k->v[k->n].s = copy;
	k->v[k->n].owned = 1;
	k->v[k->n].len = len;
	k->v[k->n].at = at;
	k->n++;
	return 0;
}

static void
toml_key_free(struct key *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (k->v[i].owned)
			toml_mem_release(k->v[i].s);
	toml_mem_release(k->v);
	memset(k, 0, sizeof(*k));
}

static int
toml_parse_key(struct parser *P, struct key *k)
{
	struct pos at;
	const char *s;

	for (;;) {
		at = toml_mark(P);
		if (P->p < P->end && toml_is_bare((unsigned char)*P->p)) {
			for (s = P->p; P->p < P->end &&
			               toml_is_bare((unsigned char)*P->p);
			     P->p++)
				;
			if (toml_key_add(P, k, s, (size_t)(P->p - s), at))
				return -1;
		} else if (P->p < P->end && (*P->p == '"' || *P->p == '\'')) {
			if (toml_string_lit(P, 1) ||
			    toml_key_add(P, k, P->sb.p, P->sb.n, at))
				return -1;
		} else {
			return toml_err(P, at,
			    "expected a key (letters, digits, '_', '-' or a "
			    "quoted string), found %s",
			    toml_describe(P, P->p));
		}
		toml_skip_ws(P);
		if (toml_peek(P, 0) != '.')
			return 0;
		P->p++;
		toml_skip_ws(P);
	}
}

/* ---- numbers and dates ---- */

static int
toml_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int
toml_isdigit_radix(int c, int radix)
{
	if (radix == 16)
		return toml_hexval(c) >= 0;
	return c >= '0' && c < '0' + radix;
}

/* Digits with single underscores between them; NULL if malformed. */
static const char *
toml_digits(const char *s, const char *e, int radix)
{
	if (s >= e || !toml_isdigit_radix((unsigned char)*s, radix))
		return NULL;
	for (s++; s < e; s++) {
		if (*s == '_') {
			if (s + 1 >= e ||
			    !toml_isdigit_radix((unsigned char)s[1], radix))
				return NULL;
			continue;
		}
		if (!toml_isdigit_radix((unsigned char)*s, radix))
			break;
	}
	return s;
}

static int
toml_num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static int
toml_alldigits(const char *s, const char *e, size_t n)
{
	size_t i;

	if ((size_t)(e - s) < n)
		return 0;
	for (i = 0; i < n; i++)
		if (!toml_isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * HH:MM:SS[.frac] at s; returns the end or NULL with a message in P. HH:MM
 * (TOML 1.1) is accepted with a warning, as smol-toml accepts it.
 */
static const char *
toml_time(
    struct parser *P, struct pos at, const char *s, struct toml_datetime *dt)
{
	const char *e = P->end;
	int i, short_time;

	if (!toml_alldigits(s, e, 2) || s + 2 >= e || s[2] != ':' ||
	    !toml_alldigits(s + 3, e, 2)) {
		toml_err(P, at, "invalid time: expected HH:MM:SS");
		return NULL;
	}
	short_time = s + 5 >= e || s[5] != ':';
	if (!short_time && !toml_alldigits(s + 6, e, 2)) {
		toml_err(P, at, "invalid time: expected HH:MM:SS");
		return NULL;
	}
	if (short_time && s + 5 < e && s[5] == '.') {
		toml_err(P, at, "invalid time: expected HH:MM:SS");
		return NULL;
	}
	dt->hour = toml_num2(s);
	dt->minute = toml_num2(s + 3);
	dt->second = short_time ? 0 : toml_num2(s + 6);
	if (dt->hour > 23 || dt->minute > 59 || dt->second > 59) {
		toml_err(P, at,
		    "invalid time %.*s: hours go to 23, minutes "
		    "and seconds to 59%s",
		    short_time ? 5 : 8, s,
		    dt->hour == 24 && dt->minute < 60 && dt->second < 60
		        ? "; " NL_NEW " rejects hour 24 (" NL_OLD
		          " accepted it)"
		        : "");
		return NULL;
	}
	if (short_time) {
		if (toml_warn(P, at,
		        "time %.5s without seconds: not TOML 1.0; " NL_NEW
		        " accepts it as %.5s:00, " NL_OLD " reject it",
		        s, s))
			return NULL;
		return s + 5;
	}
	s += 8;
	if (s < e && *s == '.') {
		if (s + 1 >= e || !toml_isdigit((unsigned char)s[1])) {
			toml_err(P, at,
			    "invalid time: digits must follow the "
			    "'.' of the seconds");
			return NULL;
		}
		for (s++, i = 0; s < e && toml_isdigit((unsigned char)*s);
		     s++, i++)
			if (i < 9)
				dt->nanosecond =
				    dt->nanosecond * 10 + (*s - '0');
		for (; i < 9; i++)
			dt->nanosecond *= 10;
	}
	return s;
}

static int
toml_days(int y, int m)
{
	static const int dm[] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static int
toml_datetime_val(
    struct parser *P, struct pos at, int depth, struct toml_value **out)
{
	struct toml_datetime dt;
	const char *s = P->p, *e = P->end, *q;
	struct toml_value *v;
	char *text;
	int oh, om;

	memset(&dt, 0, sizeof(dt));
	if (toml_alldigits(s, e, 2) && s + 2 < e && s[2] == ':') {
		if ((q = toml_time(P, at, s, &dt)) == NULL)
			return -1;
		dt.kind = TOML_DT_TIME;
		goto done;
	}
	if (!(toml_alldigits(s, e, 4) && s + 4 < e && s[4] == '-' &&
	        toml_alldigits(s + 5, e, 2) && s + 7 < e && s[7] == '-' &&
	        toml_alldigits(s + 8, e, 2)))
		return toml_err(P, at, "invalid date: expected YYYY-MM-DD");
	dt.year = toml_num2(s) * 100 + toml_num2(s + 2);
	dt.month = toml_num2(s + 5);
	dt.day = toml_num2(s + 8);
	if (dt.month < 1 || dt.month > 12)
		return toml_err(P, at,
		    "invalid date %.10s: months go from 01 "
		    "to 12",
		    s);
	if (dt.day < 1 || dt.day > 31)
		return toml_err(P, at,
		    "invalid date %.10s: that month has no "
		    "such day",
		    s);
	/*
	 * smol-toml lets JavaScript's Date roll 1979-02-29 over to 03-01; the
	 * build goes on with the other date, so it is only a warning.
	 */
	if (dt.day > toml_days(dt.year, dt.month) &&
	    toml_warn(P, at,
	        "invalid date %.10s: that month has no such day; not TOML "
	        "1.0, but Netlify's config loaders accept it and read "
	        "%04d-%02d-%02d: fix the date",
	        s, dt.month == 12 ? dt.year + 1 : dt.year,
	        dt.month == 12 ? 1 : dt.month + 1,
	        dt.day - toml_days(dt.year, dt.month)))
		return -1;
	if (dt.year < 1 && /* TOML 1.0 allows it, Python's tomllib not */
	    toml_warn(P, at,
	        "year 0000 in %.10s: Python's tomllib rejects it; Netlify "
	        "accepts it",
	        s))
		return -1;
	q = s + 10;
	dt.kind = TOML_DT_DATE;
	if (q < e && (*q == 'T' || *q == 't' ||
	                 (*q == ' ' && toml_alldigits(q + 1, e, 2) &&
	                     q + 3 < e && q[3] == ':'))) {
		if (*q == 't' && toml_warn(P, at,
		                     "lower-case 't' in %.10st: " NL_NEW
		                     " accepts it, " NL_OLD " reject it: "
		                     "write 'T'",
		                     s))
			return -1;
		if ((q = toml_time(P, at, q + 1, &dt)) == NULL)
			return -1;
		dt.kind = TOML_DT_LOCAL;
		if (q < e && *q == 'z' &&
		    toml_warn(P, at,
		        "lower-case 'z' in a date-time: " NL_NEW
		        " accepts it, " NL_OLD " reject it: write 'Z'"))
			return -1;
		if (q < e && (*q == 'Z' || *q == 'z')) {
			q++;
			dt.kind = TOML_DT_OFFSET;
		} else if (q < e && (*q == '+' || *q == '-')) {
			if (!toml_alldigits(q + 1, e, 2) || q + 3 >= e ||
			    q[3] != ':' || !toml_alldigits(q + 4, e, 2))
				return toml_err(P, at,
				    "invalid time offset: "
				    "expected Z or +HH:MM");
			oh = toml_num2(q + 1);
			om = toml_num2(q + 4);
			if (oh > 23 || om > 59)
				return toml_err(P, at,
				    "invalid time offset "
				    "%.6s",
				    q);
			dt.offset_minutes =
			    (oh * 60 + om) * (*q == '-' ? -1 : 1);
			dt.kind = TOML_DT_OFFSET;
			q += 6;
		}
	}
done:
	/* @iarna/toml reads a local date or time up to the line's end only. */
	if (P->nest > 0 && dt.kind != TOML_DT_OFFSET &&
	    toml_warn(P, at,
	        "a local %s inside an array or inline table: " NL_NEW
	        " accepts it, " NL_OLD " reject it",
	        dt.kind == TOML_DT_DATE   ? "date"
	        : dt.kind == TOML_DT_TIME ? "time"
	                                  : "date-time"))
		return -1;
	if ((text = toml_mem_alloc(P->mem, (size_t)(q - s) + 1)) == NULL)
		return toml_oom(P);
	memcpy(text, s, (size_t)(q - s));
	dt.text = text;
	if ((v = toml_new(P, TOML_DATETIME, at, depth)) == NULL)
		return -1;
	v->u.dt = dt;
	P->p = q;
	*out = v;
	return 0;
}

static int
toml_tokchar(int c)
{
	return toml_is_bare(c) || c == '.' || c == '+';
}

static int
toml_float_val(
    struct parser *P, struct pos at, const char *s, const char *e, double *out)
{
	char sbuf[128], *b, *d, *endp;
	int bad;
	const char *dp = localeconv()->decimal_point;
	size_t n = (size_t)(e - s), dpl = strlen(dp);

	/* strtod follows the locale; feed it the locale's decimal point. */
	b = n + dpl + 1 <= sizeof(sbuf) ? sbuf : malloc(n + dpl + 1);
	if (b == NULL)
		return toml_oom(P);
	for (d = b; s < e; s++) {
		if (*s == '_')
			continue;
		if (*s == '.') {
			memcpy(d, dp, dpl);
			d += dpl;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
	*out = strtod(b, &endp);
	bad = *endp != '\0';
	if (b != sbuf)
		free(b);
	if (bad)
		return toml_err(P, at, "invalid float");
	return 0;
}

static int
toml_number(struct parser *P, struct pos at, int depth, struct toml_value **out)
{
	const char *s = P->p, *e, *t, *q;
	int neg = 0, sign = 0, radix = 10, isfloat = 0, d;
	uint64_t u = 0, lim;
	double f = 0;
	struct toml_value *v;
	int len;

	if (toml_alldigits(s, P->end, 2) &&
	    (toml_peek(P, 2) == ':' ||
	        (toml_alldigits(s, P->end, 4) && toml_peek(P, 4) == '-')))
		return toml_datetime_val(P, at, depth, out);
	for (e = s; e < P->end && toml_tokchar((unsigned char)*e); e++)
		;
	len = e - s > 60 ? 60 : (int)(e - s);
	t = s;
	if (t < e && (*t == '+' || *t == '-')) {
		sign = 1;
		neg = *t == '-';
		t++;
	}
	if (e - t == 3 &&
	    (memcmp(t, "inf", 3) == 0 || memcmp(t, "nan", 3) == 0)) {
		f = t[0] == 'i' ? INFINITY : NAN;
		f = neg ? -f : f;
		isfloat = 1;
		goto make;
	}
	if (!sign && e - t > 2 && t[0] == '0' &&
	    (t[1] == 'x' || t[1] == 'o' || t[1] == 'b')) {
		radix = t[1] == 'x' ? 16 : t[1] == 'o' ? 8 : 2;
		t += 2;
		if ((q = toml_digits(t, e, radix)) != e)
			return toml_err(P, at,
			    "invalid %s integer '%.*s': "
			    "digits with single '_' between them",
			    radix == 16  ? "hexadecimal"
			    : radix == 8 ? "octal"
			                 : "binary",
			    len, s);
	} else {
		if (t < e && *t == '0' && t + 1 < e &&
		    (toml_isdigit((unsigned char)t[1]) || t[1] == '_'))
			return toml_err(P, at,
			    "leading zeros are not allowed "
			    "in '%.*s'",
			    len, s);
		if ((q = toml_digits(t, e, 10)) == NULL)
			goto bad;
		if (q < e && *q == '.') {
			isfloat = 1;
			if ((q = toml_digits(q + 1, e, 10)) == NULL)
				goto bad;
		}
		if (q < e && (*q == 'e' || *q == 'E')) {
			isfloat = 1;
			q++;
			if (q < e && (*q == '+' || *q == '-'))
				q++;
			if ((q = toml_digits(q, e, 10)) == NULL)
				goto bad;
		}
		if (q != e)
			goto bad;
		if (isfloat) {
			if (!sign && t[0] == '0' &&
			    (t[1] == 'e' || t[1] == 'E') &&
			    toml_warn(P, at,
			        "float '%.*s': " NL_NEW " accepts it, " NL_OLD
			        " reject a 0 with an exponent: write 0.0",
			        len, s))
				return -1;
			if (toml_float_val(P, at, s, e, &f))
				return -1;
			goto make;
		}
	}
	/*
	 * smol-toml refuses what a JavaScript number cannot hold exactly; the
	 * loop stops before 64 bits overflow.
	 */
	lim = (uint64_t)TOML_NETLIFY_INT_MAX;
	for (; t < e; t++) {
		if (*t == '_')
			continue;
		d = toml_hexval((unsigned char)*t);
		if (u > (lim - (uint64_t)d) / (uint64_t)radix)
			return toml_err(P, at,
			    "integer '%.*s' is beyond +/-(2^53-1): " NL_NEW
			    " cannot hold it exactly and rejects it (" NL_OLD
			    " accepted it); quote it as a string",
			    len, s);
		u = u * (uint64_t)radix + (uint64_t)d;
	}
make:
	if ((v = toml_new(P, isfloat ? TOML_FLOAT : TOML_INTEGER, at, depth)) ==
	    NULL)
		return -1;
	if (isfloat)
		v->u.f = f;
	else if (neg)
		v->u.i = -(int64_t)u;
	else
		v->u.i = (int64_t)u;
	P->p = e;
	*out = v;
	return 0;
bad:
	if (e == s)
		return toml_err(P, at,
		    "expected a value (string, number, "
		    "boolean, date, array or inline table), found %s",
		    toml_describe(P, s));
	return toml_err(P, at,
	    "invalid number '%.*s': use 42, -1_000, "
	    "0x2A, 3.14, 1e6, inf or nan, with '_' only between digits",
	    len, s);
}

/* ---- key/values and containers ---- */

/*
 * Walks the dotted parts of k but the last from t, creating tables. Returns
 * the table that receives the last part.
 */
static struct toml_value *
toml_dotted(struct parser *P, struct toml_value *t, struct key *k, int section)
{
	struct toml_kv *kv;
	struct toml_value *v;
	size_t i;

	for (i = 0; i + 1 < k->n; i++) {
		kv = toml_tab_find(t, k->v[i].s, k->v[i].len);
		if (kv == NULL) {
			if ((v = toml_new(P, TOML_TABLE, k->v[0].at,
			         t->depth + 1)) == NULL)
				return NULL;
			v->flags = F_DOTTED;
			v->section = section;
			if (toml_tab_add(P, t, k->v[i].s, k->v[i].len,
			        k->v[i].at.line, v))
				return NULL;
			k->v[i].owned = 0;
			t = v;
			continue;
		}
		v = kv->val;
		if (v->kind != TOML_TABLE) {
			toml_err(P, k->v[0].at,
			    "key '%s' is already %s "
			    "(line %d), so it cannot hold sub-keys",
			    toml_keystr(P, k->v, i + 1), toml_article(v),
			    kv->line);
			return NULL;
		}
		if (v->flags & F_FROZEN) {
			toml_err(P, k->v[0].at,
			    "cannot add keys to inline "
			    "table '%s' (line %d): an inline table is "
			    "complete once written",
			    toml_keystr(P, k->v, i + 1), v->line);
			return NULL;
		}
		if (v->flags & F_DEFINED) {
			toml_err(P, k->v[0].at,
			    "table '%s' was defined by a "
			    "header on line %d: add the key under that header",
			    toml_keystr(P, k->v, i + 1), v->line);
			return NULL;
		}
		if (v->flags & F_IMPLICIT) {
			toml_err(P, k->v[0].at,
			    "table '%s' was made by the header on line %d: "
			    "TOML 1.0 lets dotted keys extend it, but " NL_NEW
			    " rejects that (" NL_OLD " accepted it): write "
			    "[%s] instead",
			    toml_keystr(P, k->v, i + 1), v->line,
			    toml_keystr(P, k->v, i + 1));
			return NULL;
		}
		if ((v->flags & F_DOTTED) && v->section != section) {
			toml_err(P, k->v[0].at,
			    "table '%s' was defined with "
			    "dotted keys on line %d and cannot be extended "
			    "from another section",
			    toml_keystr(P, k->v, i + 1), v->line);
			return NULL;
		}
		v->flags = (v->flags & ~F_IMPLICIT) | F_DOTTED;
		v->section = section;
		t = v;
	}
	return t;
}

/* key = value, into table t (the section's table or an inline table). */
static int
toml_keyval(struct parser *P, struct toml_value *t, int section)
{
	struct key k = {NULL, 0, 0};
	struct keypart *last;
	struct toml_kv *kv;
	struct toml_value *parent, *v = NULL;
	struct pos at;
	int rc = -1;

	if (toml_parse_key(P, &k))
		goto out;
	toml_skip_ws(P);
	if (toml_peek(P, 0) != '=') {
		toml_err(P, toml_mark(P),
		    "expected '=' after key '%s', "
		    "found %s",
		    toml_keystr(P, k.v, k.n), toml_describe(P, P->p));
		goto out;
	}
	P->p++;
	toml_skip_ws(P);
	if ((parent = toml_dotted(P, t, &k, section)) == NULL)
		goto out;
	last = &k.v[k.n - 1];
	if ((kv = toml_tab_find(parent, last->s, last->len)) != NULL) {
		toml_err(P, k.v[0].at,
		    "duplicate key '%s' (first defined on "
		    "line %d)",
		    toml_keystr(P, k.v, k.n), kv->line);
		goto out;
	}
	at = toml_mark(P);
	if (P->p >= P->end || toml_at_newline(P) || *P->p == '#') {
		toml_err(P, at, "missing value for key '%s'",
		    toml_keystr(P, k.v, k.n));
		goto out;
	}
	if (toml_parse_value(P, parent->depth + 1, &v))
		goto out;
	if (toml_tab_add(P, parent, last->s, last->len, last->at.line, v))
		goto out;
	last->owned = 0;
	rc = 0;
out:
	toml_key_free(&k);
	return rc;
}

static int
toml_array(struct parser *P, struct pos at, int depth, struct toml_value **out)
{
	struct toml_value *a, *v;
	int mixed = 0;

	if ((a = toml_new(P, TOML_ARRAY, at, depth)) == NULL)
		return -1;
	P->p++;
	P->nest++;
	for (;;) {
		if (toml_skip_ws_nl(P))
			return -1;
		if (P->p >= P->end)
			return toml_err(P, at,
			    "unterminated array: add the "
			    "closing ']'");
		if (*P->p == ']')
			break;
		if (toml_parse_value(P, depth + 1, &v) ||
		    toml_arr_push(P, a, v) || toml_skip_ws_nl(P))
			return -1;
		/* TOML 1.0 allows it; @iarna/toml keeps TOML 0.5's rule. */
		if (!mixed && a->u.arr.n > 1 &&
		    a->u.arr.v[0]->kind != v->kind) {
			mixed = 1;
			if (toml_warn(P, at,
			        "mixed-type array (%s and %s): accepted "
			        "by " NL_NEW ", rejected by " NL_OLD,
			        toml_kind_name(a->u.arr.v[0]),
			        toml_kind_name(v)))
				return -1;
		}
		if (P->p >= P->end)
			return toml_err(P, at,
			    "unterminated array: add the "
			    "closing ']'");
		if (*P->p == ']')
			break;
		if (*P->p != ',')
			return toml_err(P, toml_mark(P),
			    "expected ',' or ']' "
			    "in the array, found %s",
			    toml_describe(P, P->p));
		P->p++;
	}
	P->p++;
	P->nest--;
	*out = a;
	return 0;
}

/* Blanks, newlines and comments in an inline table: one warning per table. */
static int
toml_inline_void(struct parser *P, int *warned)
{
	struct pos at = toml_mark(P);
	int nl = 0;

	if (toml_skip_void(P, &nl))
		return -1;
	if (!nl || *warned)
		return 0;
	*warned = 1;
	return toml_warn(P, at,
	    "newline or comment inside an inline table: not TOML 1.0; " NL_NEW
	    " accepts it, " NL_OLD " reject it");
}

/*
 * { k = v, ... }. smol-toml also takes newlines, comments and a trailing
 * comma (TOML 1.1): accepted, each with a warning.
 */
static int
toml_inline(struct parser *P, struct pos at, int depth, struct toml_value **out)
{
	struct toml_value *t;
	struct pos nlat;
	int warned = 0;

	if ((t = toml_new(P, TOML_TABLE, at, depth)) == NULL)
		return -1;
	t->section = ++P->nsect;
	P->p++;
	P->nest++;
	for (;;) {
		if (toml_inline_void(P, &warned))
			return -1;
		if (P->p >= P->end)
			return toml_err(
			    P, at, "inline table not closed: add '}'");
		if (*P->p == '}')
			break;
		if (toml_keyval(P, t, t->section))
			return -1;
		if (toml_inline_void(P, &warned))
			return -1;
		if (toml_peek(P, 0) == '}')
			break;
		if (toml_peek(P, 0) != ',') {
			if (P->p >= P->end)
				return toml_err(
				    P, at, "inline table not closed: add '}'");
			return toml_err(P, toml_mark(P),
			    "expected ',' or '}' in the inline table, "
			    "found %s",
			    toml_describe(P, P->p));
		}
		nlat = toml_mark(P);
		P->p++;
		if (toml_inline_void(P, &warned))
			return -1;
		if (toml_peek(P, 0) == '}') {
			if (toml_warn(P, nlat,
			        "trailing comma in an inline table: not TOML "
			        "1.0, but Netlify's config loaders accept it"))
				return -1;
			break;
		}
	}
	P->p++;
	P->nest--;
	toml_freeze(t);
	*out = t;
	return 0;
}

static int
toml_parse_value(struct parser *P, int depth, struct toml_value **out)
{
	struct pos at = toml_mark(P);
	struct toml_value *v;
	int c = toml_peek(P, 0);

	switch (c) {
	case '"':
	case '\'':
		if (toml_string_lit(P, 0))
			return -1;
		if ((v = toml_new(P, TOML_STRING, at, depth)) == NULL)
			return -1;
		if ((v->u.s.ptr = toml_sb_copy(P)) == NULL)
			return toml_oom(P);
		v->u.s.len = P->sb.n;
		*out = v;
		return 0;
	case 't':
	case 'f':
		if ((size_t)(P->end - P->p) >= 4 + (c == 'f') &&
		    memcmp(P->p, c == 't' ? "true" : "false", 4 + (c == 'f')) ==
		        0) {
			if ((v = toml_new(P, TOML_BOOL, at, depth)) == NULL)
				return -1;
			v->u.b = c == 't';
			P->p += 4 + (c == 'f');
			*out = v;
			return 0;
		}
		break;
	case '[':
		return toml_array(P, at, depth, out);
	case '{':
		return toml_inline(P, at, depth, out);
	default:
		if (c == '+' || c == '-' || c == 'i' || c == 'n' ||
		    toml_isdigit(c))
			return toml_number(P, at, depth, out);
		break;
	}
	return toml_err(P, at,
	    "expected a value (string, number, boolean, "
	    "date, array or inline table), found %s",
	    toml_describe(P, P->p));
}

/* [a.b] or [[a.b]]: selects (creating) the table for the next key/values. */
static int
toml_header(struct parser *P)
{
	struct key k = {NULL, 0, 0};
	struct pos at = toml_mark(P);
	struct toml_kv *kv;
	struct toml_value *t = P->root, *v, *nt = NULL;
	struct keypart *last;
	const char *name;
	int aot = toml_peek(P, 1) == '[';
	size_t i;
	int rc = -1;

	P->p += aot ? 2 : 1;
	toml_skip_ws(P);
	if (toml_parse_key(P, &k))
		goto out;
	toml_skip_ws(P);
	if (toml_peek(P, 0) != ']' || (aot && toml_peek(P, 1) != ']')) {
		toml_err(P, toml_mark(P),
		    "expected '%s' to close the header "
		    "of '%s', found %s",
		    aot ? "]]" : "]", toml_keystr(P, k.v, k.n),
		    toml_describe(P, P->p));
		goto out;
	}
	P->p += aot ? 2 : 1;
	for (i = 0; i + 1 < k.n; i++) {
		kv = toml_tab_find(t, k.v[i].s, k.v[i].len);
		if (kv == NULL) {
			if ((v = toml_new(P, TOML_TABLE, at, t->depth + 1)) ==
			    NULL)
				goto out;
			v->flags = F_IMPLICIT;
			if (toml_tab_add(
			        P, t, k.v[i].s, k.v[i].len, at.line, v))
				goto out;
			k.v[i].owned = 0;
			t = v;
			continue;
		}
		v = kv->val;
		name = toml_keystr(P, k.v, i + 1);
		if (v->kind == TOML_ARRAY && (v->flags & F_AOT)) {
			t = v->u.arr.v[v->u.arr.n - 1];
		} else if (v->kind == TOML_ARRAY) {
			toml_err(P, at,
			    "cannot extend '%s' with a header: it "
			    "is a static array (line %d)",
			    name, v->line);
			goto out;
		} else if (v->kind != TOML_TABLE) {
			toml_err(P, at,
			    "key '%s' is already %s (line %d), not "
			    "a table",
			    name, toml_article(v), kv->line);
			goto out;
		} else if (v->flags & F_FROZEN) {
			toml_err(P, at,
			    "cannot extend inline table '%s' (line "
			    "%d) with a header: an inline table is complete "
			    "once written",
			    name, v->line);
			goto out;
		} else {
			t = v;
		}
	}
	last = &k.v[k.n - 1];
	kv = toml_tab_find(t, last->s, last->len);
	name = toml_keystr(P, k.v, k.n);
	v = kv != NULL ? kv->val : NULL;
	if (!aot) {
		if (v == NULL) {
			if ((nt = toml_new(P, TOML_TABLE, at, t->depth + 1)) ==
			        NULL ||
			    toml_tab_add(P, t, last->s, last->len, at.line, nt))
				goto out;
			last->owned = 0;
		} else if (v->kind == TOML_TABLE &&
		           (v->flags & (F_DEFINED | F_DOTTED | F_FROZEN)) ==
		               0) {
			nt = v; /* a super-table defined after a sub-table */
			nt->line = at.line;
			nt->col = toml_col(P, at);
		} else if (v->kind == TOML_TABLE) {
			toml_err(P, at,
			    "table '%s' is already defined %son "
			    "line %d: merge the two",
			    name,
			    v->flags & F_FROZEN   ? "as an inline table "
			    : v->flags & F_DOTTED ? "by dotted keys "
			                          : "",
			    v->line);
			goto out;
		} else if (v->kind == TOML_ARRAY && (v->flags & F_AOT)) {
			toml_err(P, at,
			    "'%s' is an array of tables (line %d): "
			    "use [[%s]] to add an element",
			    name, v->line, name);
			goto out;
		} else {
			toml_err(P, at,
			    "key '%s' is already %s (line %d), not "
			    "a table",
			    name, toml_article(v), kv->line);
			goto out;
		}
	} else {
		if (v == NULL) {
			if ((v = toml_new(P, TOML_ARRAY, at, t->depth + 1)) ==
			        NULL ||
			    toml_tab_add(P, t, last->s, last->len, at.line, v))
				goto out;
			last->owned = 0;
			v->flags = F_AOT;
		} else if (v->kind == TOML_ARRAY && !(v->flags & F_AOT)) {
			toml_err(P, at,
			    "cannot append to static array '%s' "
			    "(line %d) with [[%s]]",
			    name, v->line, name);
			goto out;
		} else if (v->kind != TOML_ARRAY) {
			toml_err(P, at,
			    "key '%s' is already %s (line %d), not "
			    "an array of tables",
			    name, toml_article(v), kv->line);
			goto out;
		}
		if ((nt = toml_new(P, TOML_TABLE, at, v->depth + 1)) == NULL ||
		    toml_arr_push(P, v, nt))
			goto out;
	}
	nt->flags = F_DEFINED;
	P->cur = nt;
	P->section = ++P->nsect;
	rc = 0;
out:
	toml_key_free(&k);
	return rc;
}

static int
toml_document(struct parser *P)
{
	int c;

	for (;;) {
		toml_skip_ws(P);
		if (P->p >= P->end)
			return 0;
		c = (unsigned char)*P->p;
		if (c == '[') {
			if (toml_header(P) ||
			    toml_end_line(P, "the table header"))
				return -1;
		} else if (c != '#' && c != '\n' && c != '\r') {
			if (toml_keyval(P, P->cur, P->section) ||
			    toml_end_line(P, "the value"))
				return -1;
		} else if (toml_end_line(P, "the blank")) {
			return -1;
		}
	}
}

/*
 * Length of the UTF-8 sequence at s (no overlongs, surrogates or past
 * U+10FFFF), or 0 when it is invalid; *good gets how many of its bytes are
 * a valid prefix, the "maximal subpart" one U+FFFD replaces.
 */
static int
toml_utf8_len(const unsigned char *s, const unsigned char *e, int *good)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (*s >= 0xc2 && *s <= 0xdf) {
		n = 1;
	} else if (*s >= 0xe0 && *s <= 0xef) {
		n = 2;
		lo = *s == 0xe0 ? 0xa0 : 0x80;
		hi = *s == 0xed ? 0x9f : 0xbf;
	} else if (*s >= 0xf0 && *s <= 0xf4) {
		n = 3;
		lo = *s == 0xf0 ? 0x90 : 0x80;
		hi = *s == 0xf4 ? 0x8f : 0xbf;
	} else {
		*good = 1;
		return 0;
	}
	for (i = 1; i <= n; i++) {
		if (s + i >= e || s[i] < (i == 1 ? lo : 0x80) ||
		    s[i] > (i == 1 ? hi : 0xbf)) {
			*good = i;
			return 0;
		}
	}
	return n + 1;
}

/*
 * Netlify reads netlify.toml with Node's UTF-8 decoder, which puts U+FFFD
 * for each bad sequence (as the WHATWG Encoding Standard says) and goes on;
 * so does this copy, and P reads the copy.
 */
static int
toml_replace_utf8(struct parser *P, const unsigned char *bad)
{
	const unsigned char *s = (const unsigned char *)P->src, *e;
	size_t len = (size_t)(P->end - P->src), n = 0;
	char *out;
	int l, good;

	e = s + len;
	if (len > (SIZE_MAX - 1) / 3 ||
	    (out = toml_mem_alloc(P->mem, len * 3 + 1)) == NULL)
		return toml_oom(P);
	memcpy(out, s, (size_t)(bad - s));
	n = (size_t)(bad - s);
	for (s = bad; s < e;) {
		if (*s < 0x80) {
			out[n++] = (char)*s++;
		} else if ((l = toml_utf8_len(s, e, &good)) > 0) {
			memcpy(out + n, s, (size_t)l);
			n += (size_t)l;
			s += l;
		} else {
			memcpy(out + n, "\xef\xbf\xbd", 3);
			n += 3;
			s += good;
		}
	}
	P->src = P->p = P->bol = out;
	P->end = out + n;
	return 0;
}

/*
 * A byte order mark and invalid UTF-8 are not TOML 1.0, but Netlify's
 * loader takes both (the latter decoded to U+FFFD): warnings.
 */
static int
toml_check_utf8(struct parser *P)
{
	const unsigned char *s = (const unsigned char *)P->src;
	const unsigned char *e = (const unsigned char *)P->end;
	struct pos at;
	int n, good;

	if (e - s >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
		if (toml_warn(P, toml_mark(P),
		        "the file starts with a byte order mark: not TOML "
		        "1.0; " NL_NEW " accepts it, " NL_OLD " reject it: "
		        "save it as UTF-8 without BOM"))
			return -1;
		s += 3;
		P->src = P->p = P->bol = (const char *)s;
	}
	while (s < e) {
		if (*s < 0x80) {
			if (*s == '\n') {
				P->line++;
				P->bol = (const char *)s + 1;
			}
			s++;
			continue;
		}
		if ((n = toml_utf8_len(s, e, &good)) == 0) {
			at.at = (const char *)s;
			at.bol = P->bol;
			at.line = P->line;
			if (toml_warn(P, at,
			        "invalid UTF-8 (byte 0x%02X): not TOML; "
			        "Netlify's config loaders read each bad "
			        "sequence as U+FFFD: save the file as UTF-8",
			        *s))
				return -1;
			P->line = 1;
			P->cbol = P->cat = NULL;
			return toml_replace_utf8(P, s);
		}
		s += n;
	}
	P->line = 1;
	P->bol = P->src;
	P->p = P->src;
	P->cbol = P->cat = NULL;
	return 0;
}

struct toml_doc *
toml_parse(
    const char *src, size_t len, const char *name, char *err, size_t errlen)
{
	struct parser P;
	struct toml_doc *doc;
	struct pos at;
	int rc = -1;

	memset(&P, 0, sizeof(P));
	P.src = P.p = P.bol = src != NULL ? src : "";
	P.end = P.src + (src != NULL ? len : 0);
	P.name = name != NULL ? name : "<toml>";
	P.line = 1;
	P.err = err;
	P.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((doc = calloc(1, sizeof(*doc))) == NULL ||
	    (P.mem = calloc(1, sizeof(*P.mem))) == NULL) {
		free(doc);
		toml_oom(&P);
		return NULL;
	}
	P.mem->l.next = P.mem->l.prev = P.mem;
	at = toml_mark(&P);
	if (len > INT_MAX / 2) {
		toml_err(&P, at, "input of %zu bytes is too large", len);
		goto out;
	}
	if ((P.root = toml_new(&P, TOML_TABLE, at, 0)) == NULL)
		goto out;
	P.root->flags = F_DEFINED;
	P.cur = P.root;
	if (toml_check_utf8(&P) || toml_document(&P))
		goto out;
	rc = 0;
out:
	free(P.sb.p);
	if (rc != 0) {
		toml_mem_destroy(P.mem);
		free(doc);
		return NULL;
	}
	doc->root = P.root;
	doc->mem = P.mem;
	doc->warnings = P.warn;
	doc->nwarnings = P.nwarn;
	doc->nwarnings_total = P.nwarn_total;
	return doc;
}

void
toml_free(struct toml_doc *doc)
{
	if (doc == NULL)
		return;
	toml_mem_destroy(doc->mem);
	free(doc);
}

/* ---- lookups ---- */

const char *
toml_kind_name(const struct toml_value *v)
{
	if (v == NULL)
		return "nothing";
	switch (v->kind) {
	case TOML_TABLE:
		return "table";
	case TOML_ARRAY:
		return "array";
	case TOML_STRING:
		return "string";
	case TOML_INTEGER:
		return "integer";
	case TOML_FLOAT:
		return "float";
	case TOML_BOOL:
		return "boolean";
	case TOML_DATETIME:
		switch (v->u.dt.kind) {
		case TOML_DT_OFFSET:
			return "datetime";
		case TOML_DT_LOCAL:
			return "local datetime";
		case TOML_DT_DATE:
			return "local date";
		case TOML_DT_TIME:
			return "local time";
		}
	}
	return "value";
}

const struct toml_value *
toml_get(const struct toml_value *table, const char *key)
{
	const struct toml_kv *kv;

	if (table == NULL || table->kind != TOML_TABLE || key == NULL)
		return NULL;
	kv = toml_tab_find(table, key, strlen(key));
	return kv != NULL ? kv->val : NULL;
}

const struct toml_value *
toml_get_path(const struct toml_value *t, const char *path)
{
	const struct toml_kv *kv;
	const char *s = path, *seg;
	char *tmp;
	size_t n;
	char q;

	if (path == NULL || *path == '\0')
		return NULL;
	for (;;) {
		if (t == NULL || t->kind != TOML_TABLE)
			return NULL;
		tmp = NULL;
		if (*s == '"' || *s == '\'') {
			q = *s++;
			for (n = 0; s[n] != '\0' && s[n] != q; n++)
				if (q == '"' && s[n] == '\\' &&
				    s[n + 1] != '\0')
					n++;
			if (s[n] != q || (tmp = malloc(n + 1)) == NULL)
				return NULL;
			seg = tmp;
			for (n = 0; *s != q; s++) {
				if (q == '"' && *s == '\\')
					s++;
				tmp[n++] = *s;
			}
			s++;
		} else {
			seg = s;
			n = strcspn(s, ".");
			s += n;
		}
		kv = toml_tab_find(t, seg, n);
		free(tmp);
		if (kv == NULL || (*s != '.' && *s != '\0'))
			return NULL;
		if (*s == '\0')
			return kv->val;
		s++;
		t = kv->val;
	}
}

size_t
toml_table_len(const struct toml_value *t)
{
	return t != NULL && t->kind == TOML_TABLE ? t->u.tab.n : 0;
}

const char *
toml_table_key_at(const struct toml_value *t, size_t i, size_t *lenp)
{
	if (t == NULL || t->kind != TOML_TABLE || i >= t->u.tab.n)
		return NULL;
	if (lenp != NULL)
		*lenp = t->u.tab.v[i].len;
	return t->u.tab.v[i].key;
}

const struct toml_value *
toml_table_value_at(const struct toml_value *t, size_t i)
{
	if (t == NULL || t->kind != TOML_TABLE || i >= t->u.tab.n)
		return NULL;
	return t->u.tab.v[i].val;
}

size_t
toml_array_len(const struct toml_value *a)
{
	return a != NULL && a->kind == TOML_ARRAY ? a->u.arr.n : 0;
}

const struct toml_value *
toml_array_at(const struct toml_value *a, size_t i)
{
	if (a == NULL || a->kind != TOML_ARRAY || i >= a->u.arr.n)
		return NULL;
	return a->u.arr.v[i];
}

const char *
toml_string(const struct toml_value *v, size_t *lenp)
{
	if (v == NULL || v->kind != TOML_STRING)
		return NULL;
	if (lenp != NULL)
		*lenp = v->u.s.len;
	return v->u.s.ptr;
}

int
toml_int(const struct toml_value *v, int64_t *out)
{
	if (v == NULL || v->kind != TOML_INTEGER)
		return -1;
	*out = v->u.i;
	return 0;
}

int
toml_float(const struct toml_value *v, double *out)
{
	if (v != NULL && v->kind == TOML_INTEGER) {
		*out = (double)v->u.i;
		return 0;
	}
	if (v == NULL || v->kind != TOML_FLOAT)
		return -1;
	*out = v->u.f;
	return 0;
}

int
toml_bool(const struct toml_value *v, int *out)
{
	if (v == NULL || v->kind != TOML_BOOL)
		return -1;
	*out = v->u.b;
	return 0;
}

const struct toml_datetime *
toml_datetime(const struct toml_value *v)
{
	if (v == NULL || v->kind != TOML_DATETIME)
		return NULL;
	return &v->u.dt;
}
