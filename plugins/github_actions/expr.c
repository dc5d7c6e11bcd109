/*
 * expr.c: a recursive-descent evaluator of GitHub Actions expressions with
 * GitHub's loose comparison rules (numbers coerced, strings case-folded).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr.h"

#define EXPR_MAX_DEPTH 64
#define EXPR_MAX_PATH 8
#define EXPR_MAX_ARGS 16

/* A value, or a context path not yet resolved (env.X, steps.a.outcome). */
struct ex_item {
	struct ex_val v;
	int is_path;
	char *path[EXPR_MAX_PATH];
	size_t np;
};

struct ex_p {
	const char *p;
	const struct ex_ctx *c;
	char *err;
	size_t errlen;
	int failed;
	int depth;
};

void
expr_free(struct ex_val *v)
{
	if (v->t == EX_STR)
		free(v->s);
	memset(v, 0, sizeof(*v));
}

int
expr_str(struct ex_val *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	if ((v->s = strdup(s ? s : "")) == NULL)
		return -1;
	v->t = EX_STR;
	return 0;
}

static void
ex_item_free(struct ex_item *it)
{
	size_t i;

	expr_free(&it->v);
	for (i = 0; i < it->np; i++)
		free(it->path[i]);
	memset(it, 0, sizeof(*it));
}

static void
ex_fail(struct ex_p *x, const char *what)
{
	if (x->failed)
		return;
	x->failed = 1;
	snprintf(x->err, x->errlen, "%s near \"%.20s\"", what, x->p);
}

static void
ex_ws(struct ex_p *x)
{
	while (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r')
		x->p++;
}

static int
ex_accept(struct ex_p *x, const char *tok)
{
	size_t n = strlen(tok);

	ex_ws(x);
	if (strncmp(x->p, tok, n) != 0)
		return 0;
	/* "=" alone is no operator of ours, nor "!" when "!=" was meant. */
	if (strcmp(tok, "!") == 0 && x->p[1] == '=')
		return 0;
	if ((strcmp(tok, "<") == 0 || strcmp(tok, ">") == 0) && x->p[1] == '=')
		return 0;
	x->p += n;
	return 1;
}

/* Resolve a path into a plain value. */
static void
ex_resolve(struct ex_p *x, struct ex_item *it)
{
	struct ex_val v;
	size_t i;

	if (!it->is_path)
		return;
	memset(&v, 0, sizeof(v));
	if (x->c == NULL || x->c->lookup == NULL ||
	    x->c->lookup(
	        x->c->arg, (const char *const *)it->path, it->np, &v) != 0)
		memset(&v, 0, sizeof(v));
	for (i = 0; i < it->np; i++)
		free(it->path[i]);
	it->np = 0;
	it->is_path = 0;
	it->v = v;
}

int
expr_truthy(const struct ex_val *v)
{
	switch (v->t) {
	case EX_NULL:
		return 0;
	case EX_BOOL:
		return v->b;
	case EX_NUM:
		return v->n != 0 && !isnan(v->n);
	case EX_STR:
		return v->s != NULL && v->s[0] != '\0';
	}
	return 0;
}

char *
expr_to_string(const struct ex_val *v)
{
	char buf[64];

	switch (v->t) {
	case EX_NULL:
		return strdup("");
	case EX_BOOL:
		return strdup(v->b ? "true" : "false");
	case EX_NUM:
		if (isnan(v->n))
			return strdup("NaN");
		if (v->n == floor(v->n) && fabs(v->n) < 1e15)
			snprintf(buf, sizeof(buf), "%.0f", v->n);
		else
			snprintf(buf, sizeof(buf), "%.15g", v->n);
		return strdup(buf);
	case EX_STR:
		return strdup(v->s ? v->s : "");
	}
	return strdup("");
}

static double
ex_num(const struct ex_val *v)
{
	const char *s;
	char *end;
	double d;

	switch (v->t) {
	case EX_NULL:
		return 0;
	case EX_BOOL:
		return v->b ? 1 : 0;
	case EX_NUM:
		return v->n;
	case EX_STR:
		s = v->s;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return 0;
		d = strtod(s, &end);
		while (isspace((unsigned char)*end))
			end++;
		return *end == '\0' ? d : NAN;
	}
	return NAN;
}

/* GitHub's loose equality and ordering: -2 when not comparable (NaN). */
static int
ex_compare(const struct ex_val *a, const struct ex_val *b)
{
	double x, y;

	if (a->t == EX_STR && b->t == EX_STR) {
		int r = strcasecmp(a->s, b->s);

		return r < 0 ? -1 : r > 0;
	}
	if (a->t == b->t && a->t == EX_NULL)
		return 0;
	x = ex_num(a);
	y = ex_num(b);
	if (isnan(x) || isnan(y))
		return -2;
	return x < y ? -1 : x > y;
}

static void ex_or(struct ex_p *x, struct ex_item *out);

static int
ex_ident_char(char ch, int first)
{
	return isalpha((unsigned char)ch) || ch == '_' ||
	       (!first && (isdigit((unsigned char)ch) || ch == '-'));
}

static char *
ex_ident(struct ex_p *x)
{
	const char *s = x->p;

	if (!ex_ident_char(*s, 1))
		return NULL;
	while (ex_ident_char(*x->p, s == x->p))
		x->p++;
	return strndup(s, (size_t)(x->p - s));
}

static void
ex_string_lit(struct ex_p *x, struct ex_item *out)
{
	size_t cap = 32, n = 0;
	char *b = malloc(cap), *nb;

	x->p++; /* the opening quote */
	for (;;) {
		if (b == NULL) {
			ex_fail(x, "out of memory");
			return;
		}
		if (*x->p == '\0') {
			free(b);
			ex_fail(x, "unterminated string");
			return;
		}
		if (*x->p == '\'') {
			if (x->p[1] != '\'')
				break;
			x->p++; /* '' is one quote */
		}
		if (n + 2 > cap) {
			cap *= 2;
			if ((nb = realloc(b, cap)) == NULL) {
				free(b);
				b = NULL;
				continue;
			}
			b = nb;
		}
		b[n++] = *x->p++;
	}
	x->p++;
	b[n] = '\0';
	out->v.t = EX_STR;
	out->v.s = b;
}

static void
ex_call(struct ex_p *x, char *fn, struct ex_item *out)
{
	struct ex_item args[EXPR_MAX_ARGS];
	size_t na = 0, i;
	char *s, *t, *r;

	memset(args, 0, sizeof(args));
	ex_ws(x);
	if (!ex_accept(x, ")")) {
		do {
			if (na == EXPR_MAX_ARGS) {
				ex_fail(x, "too many arguments");
				goto out;
			}
			ex_or(x, &args[na]);
			ex_resolve(x, &args[na]);
			na++;
			if (x->failed)
				goto out;
		} while (ex_accept(x, ","));
		if (!ex_accept(x, ")")) {
			ex_fail(x, "expected ')'");
			goto out;
		}
	}
	if (strcasecmp(fn, "success") == 0 || strcasecmp(fn, "failure") == 0 ||
	    strcasecmp(fn, "always") == 0 || strcasecmp(fn, "cancelled") == 0) {
		out->v.t = EX_BOOL;
		out->v.b = strcasecmp(fn, "always") == 0 ? 1
		           : x->c && x->c->status
		               ? x->c->status(x->c->arg, fn) != 0
		               : strcasecmp(fn, "success") == 0;
	} else if ((strcasecmp(fn, "contains") == 0 ||
	               strcasecmp(fn, "startsWith") == 0 ||
	               strcasecmp(fn, "endsWith") == 0) &&
	           na == 2) {
		s = expr_to_string(&args[0].v);
		t = expr_to_string(&args[1].v);
		out->v.t = EX_BOOL;
		if (s != NULL && t != NULL) {
			size_t ls = strlen(s), lt = strlen(t);

			if (strcasecmp(fn, "contains") == 0)
				out->v.b = strcasestr(s, t) != NULL;
			else if (strcasecmp(fn, "startsWith") == 0)
				out->v.b =
				    lt <= ls && strncasecmp(s, t, lt) == 0;
			else
				out->v.b =
				    lt <= ls && strcasecmp(s + ls - lt, t) == 0;
		}
		free(s);
		free(t);
	} else if (strcasecmp(fn, "format") == 0 && na >= 1) {
		/* format('{0} and {1}', a, b); '{{' and '}}' are braces. */
		size_t cap = 64, n = 0;
		char *b = malloc(cap), *nb;
		const char *p;

		s = expr_to_string(&args[0].v);
		for (p = s; b != NULL && s != NULL && *p; p++) {
			const char *piece = NULL;
			char one[2] = {*p, 0};

			r = NULL;
			if (p[0] == '{' && p[1] == '{') {
				piece = "{";
				p++;
			} else if (p[0] == '}' && p[1] == '}') {
				piece = "}";
				p++;
			} else if (p[0] == '{' &&
			           isdigit((unsigned char)p[1])) {
				char *end;
				long k = strtol(p + 1, &end, 10);

				if (*end == '}' && k >= 0 &&
				    (size_t)k + 1 < na) {
					r = expr_to_string(&args[k + 1].v);
					piece = r;
					p = end;
				} else
					piece = one;
			} else
				piece = one;
			if (piece == NULL)
				piece = "";
			while (n + strlen(piece) + 1 > cap) {
				cap *= 2;
				if ((nb = realloc(b, cap)) == NULL) {
					free(b);
					b = NULL;
					break;
				}
				b = nb;
			}
			if (b != NULL) {
				memcpy(b + n, piece, strlen(piece));
				n += strlen(piece);
			}
			free(r);
		}
		free(s);
		if (b == NULL) {
			ex_fail(x, "out of memory");
			goto out;
		}
		b[n] = '\0';
		out->v.t = EX_STR;
		out->v.s = b;
	} else if ((strcasecmp(fn, "join") == 0 ||
	               strcasecmp(fn, "toJSON") == 0 ||
	               strcasecmp(fn, "fromJSON") == 0) &&
	           na >= 1) {
		/* Scalars only: arrays and objects do not exist locally. */
		if (strcasecmp(fn, "toJSON") == 0 && args[0].v.t == EX_STR) {
			size_t l = strlen(args[0].v.s);

			out->v.t = EX_STR;
			if ((out->v.s = malloc(l + 3)) != NULL)
				snprintf(
				    out->v.s, l + 3, "\"%s\"", args[0].v.s);
			else
				out->v.t = EX_NULL;
		} else {
			out->v = args[0].v;
			memset(&args[0].v, 0, sizeof(args[0].v));
		}
	} else {
		char msg[96];

		snprintf(msg, sizeof(msg),
		    "unknown function %s() or wrong "
		    "number of arguments",
		    fn);
		ex_fail(x, msg);
	}
out:
	for (i = 0; i < EXPR_MAX_ARGS; i++)
		ex_item_free(&args[i]);
}

static void
ex_primary(struct ex_p *x, struct ex_item *out)
{
	char *id, *end;

	ex_ws(x);
	if (*x->p == '(') {
		x->p++;
		ex_or(x, out);
		if (!ex_accept(x, ")"))
			ex_fail(x, "expected ')'");
		return;
	}
	if (*x->p == '\'') {
		ex_string_lit(x, out);
		return;
	}
	if (isdigit((unsigned char)*x->p) ||
	    ((*x->p == '-' || *x->p == '.') &&
	        isdigit((unsigned char)x->p[1]))) {
		out->v.t = EX_NUM;
		if (x->p[0] == '0' && (x->p[1] == 'x' || x->p[1] == 'X'))
			out->v.n = (double)strtoll(x->p, &end, 16);
		else
			out->v.n = strtod(x->p, &end);
		x->p = end;
		return;
	}
	if ((id = ex_ident(x)) == NULL) {
		ex_fail(x, "expected a value");
		return;
	}
	ex_ws(x);
	if (*x->p == '(') {
		x->p++;
		ex_call(x, id, out);
		free(id);
		return;
	}
	if (strcmp(id, "true") == 0 || strcmp(id, "false") == 0) {
		out->v.t = EX_BOOL;
		out->v.b = id[0] == 't';
		free(id);
		return;
	}
	if (strcmp(id, "null") == 0) {
		free(id);
		return;
	}
	out->is_path = 1;
	out->path[0] = id;
	out->np = 1;
}

static void
ex_postfix(struct ex_p *x, struct ex_item *out)
{
	struct ex_item key;
	char *comp;

	ex_primary(x, out);
	for (;;) {
		if (x->failed)
			return;
		ex_ws(x);
		comp = NULL;
		if (*x->p == '.') {
			x->p++;
			if (*x->p == '*') {
				x->p++;
				comp = strdup("*");
			} else if ((comp = ex_ident(x)) == NULL) {
				ex_fail(x, "expected a property name");
				return;
			}
		} else if (*x->p == '[') {
			x->p++;
			memset(&key, 0, sizeof(key));
			ex_or(x, &key);
			ex_resolve(x, &key);
			if (!ex_accept(x, "]"))
				ex_fail(x, "expected ']'");
			comp = x->failed ? NULL : expr_to_string(&key.v);
			ex_item_free(&key);
			if (x->failed)
				return;
		} else
			return;
		if (comp == NULL) {
			ex_fail(x, "out of memory");
			return;
		}
		if (!out->is_path || out->np == EXPR_MAX_PATH) {
			/* A property of a literal is null, as on GitHub. */
			free(comp);
			ex_item_free(out);
			continue;
		}
		out->path[out->np++] = comp;
	}
}

static void
ex_unary(struct ex_p *x, struct ex_item *out)
{
	if (++x->depth > EXPR_MAX_DEPTH) {
		ex_fail(x, "expression nested too deeply");
		return;
	}
	if (ex_accept(x, "!")) {
		struct ex_item in;

		memset(&in, 0, sizeof(in));
		ex_unary(x, &in);
		ex_resolve(x, &in);
		out->v.t = EX_BOOL;
		out->v.b = !expr_truthy(&in.v);
		ex_item_free(&in);
	} else
		ex_postfix(x, out);
	x->depth--;
}

static void
ex_cmp(struct ex_p *x, struct ex_item *out)
{
	static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">"};
	struct ex_item r;
	size_t i;
	int c, b;

	ex_unary(x, out);
	for (;;) {
		if (x->failed)
			return;
		for (i = 0; i < 6; i++)
			if (ex_accept(x, ops[i]))
				break;
		if (i == 6)
			return;
		memset(&r, 0, sizeof(r));
		ex_unary(x, &r);
		ex_resolve(x, out);
		ex_resolve(x, &r);
		c = ex_compare(&out->v, &r.v);
		switch (i) {
		case 0:
			b = c == 0;
			break;
		case 1:
			b = c != 0;
			break;
		case 2:
			b = c == -1 || c == 0;
			break;
		case 3:
			b = c == 1 || c == 0;
			break;
		case 4:
			b = c == -1;
			break;
		default:
			b = c == 1;
			break;
		}
		ex_item_free(out);
		ex_item_free(&r);
		out->v.t = EX_BOOL;
		out->v.b = b;
	}
}

/* && and || yield an operand, not a boolean, as GitHub's do. */
static void
ex_and(struct ex_p *x, struct ex_item *out)
{
	struct ex_item r;

	ex_cmp(x, out);
	while (!x->failed && ex_accept(x, "&&")) {
		memset(&r, 0, sizeof(r));
		ex_cmp(x, &r);
		ex_resolve(x, out);
		ex_resolve(x, &r);
		if (expr_truthy(&out->v)) {
			ex_item_free(out);
			*out = r;
		} else
			ex_item_free(&r);
	}
}

static void
ex_or(struct ex_p *x, struct ex_item *out)
{
	struct ex_item r;

	if (++x->depth > EXPR_MAX_DEPTH) {
		ex_fail(x, "expression nested too deeply");
		return;
	}
	ex_and(x, out);
	while (!x->failed && ex_accept(x, "||")) {
		memset(&r, 0, sizeof(r));
		ex_and(x, &r);
		ex_resolve(x, out);
		ex_resolve(x, &r);
		if (!expr_truthy(&out->v)) {
			ex_item_free(out);
			*out = r;
		} else
			ex_item_free(&r);
	}
	x->depth--;
}

int
expr_eval(const char *src, const struct ex_ctx *c, struct ex_val *out,
    char *err, size_t errlen)
{
	struct ex_p x;
	struct ex_item it;

	memset(&x, 0, sizeof(x));
	memset(&it, 0, sizeof(it));
	memset(out, 0, sizeof(*out));
	x.p = src;
	x.c = c;
	x.err = err;
	x.errlen = errlen;
	ex_or(&x, &it);
	ex_ws(&x);
	if (!x.failed && *x.p != '\0')
		ex_fail(&x, "unexpected text");
	if (x.failed) {
		ex_item_free(&it);
		return -1;
	}
	ex_resolve(&x, &it);
	*out = it.v;
	return 0;
}

/* The inside of "${{ X }}" when s is exactly that, else NULL. */
static char *
ex_unwrap(const char *s)
{
	const char *b, *e;

	while (isspace((unsigned char)*s))
		s++;
	if (strncmp(s, "${{", 3) != 0)
		return NULL;
	b = s + 3;
	e = s + strlen(s);
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	if (e - b < 2 || strncmp(e - 2, "}}", 2) != 0)
		return NULL;
	e -= 2;
	/* "${{ a }} x ${{ b }}" is a template, not one expression. */
	if (strstr(b, "}}") != e)
		return NULL;
	return strndup(b, (size_t)(e - b));
}

/* A status function called anywhere outside string literals. */
static int
ex_has_status_fn(const char *src)
{
	static const char *const fns[] = {
	    "success", "failure", "always", "cancelled"};
	const char *s;
	size_t i, n;
	int q = 0;

	for (s = src; *s; s++) {
		if (*s == '\'') {
			q = !q;
			continue;
		}
		if (q || (s > src && ex_ident_char(s[-1], 0)))
			continue;
		for (i = 0; i < 4; i++) {
			n = strlen(fns[i]);
			if (strncasecmp(s, fns[i], n) == 0) {
				const char *p = s + n;

				while (isspace((unsigned char)*p))
					p++;
				if (*p == '(')
					return 1;
			}
		}
	}
	return 0;
}

int
expr_if(const char *cond, const struct ex_ctx *c, int *result, char *err,
    size_t errlen)
{
	struct ex_val v;
	char *inner, *full;
	const char *src;
	size_t n;
	int rc;

	if (cond == NULL || cond[0] == '\0')
		cond = "success()";
	inner = ex_unwrap(cond);
	src = inner ? inner : cond;
	if (ex_has_status_fn(src)) {
		rc = expr_eval(src, c, &v, err, errlen);
	} else {
		n = strlen(src) + 32;
		if ((full = malloc(n)) == NULL) {
			free(inner);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		snprintf(full, n, "success() && (%s)", src);
		rc = expr_eval(full, c, &v, err, errlen);
		free(full);
	}
	free(inner);
	if (rc != 0)
		return -1;
	*result = expr_truthy(&v);
	expr_free(&v);
	return 0;
}

char *
expr_subst(const char *text, const struct ex_ctx *c, char *err, size_t errlen)
{
	size_t cap = strlen(text) + 1, n = 0, l;
	char *out = malloc(cap), *nb, *inner, *val;
	const char *p = text, *open, *close;
	struct ex_val v;

	if (out == NULL)
		goto nomem;
	while ((open = strstr(p, "${{")) != NULL) {
		if ((close = strstr(open + 3, "}}")) == NULL) {
			snprintf(
			    err, errlen, "unclosed ${{ in \"%.30s\"", open);
			free(out);
			return NULL;
		}
		if ((inner = strndup(open + 3, (size_t)(close - open - 3))) ==
		    NULL)
			goto nomem;
		if (expr_eval(inner, c, &v, err, errlen) != 0) {
			free(inner);
			free(out);
			return NULL;
		}
		free(inner);
		val = expr_to_string(&v);
		expr_free(&v);
		if (val == NULL)
			goto nomem;
		l = (size_t)(open - p) + strlen(val);
		if (n + l + strlen(close + 2) + 1 > cap) {
			cap = n + l + strlen(close + 2) + 1;
			if ((nb = realloc(out, cap)) == NULL) {
				free(val);
				goto nomem;
			}
			out = nb;
		}
		memcpy(out + n, p, (size_t)(open - p));
		n += (size_t)(open - p);
		memcpy(out + n, val, strlen(val));
		n += strlen(val);
		free(val);
		p = close + 2;
	}
	l = strlen(p);
	if (n + l + 1 > cap) {
		if ((nb = realloc(out, n + l + 1)) == NULL)
			goto nomem;
		out = nb;
	}
	memcpy(out + n, p, l + 1);
	return out;
nomem:
	free(out);
	snprintf(err, errlen, "out of memory");
	return NULL;
}
