/*
 * wfexpr.c: a recursive-descent recogniser of GitHub Actions expressions
 * for the validator. The grammar, loosest binding first:
 *
 *   or      = and { "||" and }
 *   and     = cmp { "&&" cmp }
 *   cmp     = unary { ("==" | "!=" | "<" | "<=" | ">" | ">=") unary }
 *   unary   = "!" unary | postfix
 *   postfix = primary { "." (name | "*") | "[" ("*" | or) "]" }
 *   primary = number | 'string' | true | false | null
 *           | function "(" [ or { "," or } ] ")" | context | "(" or ")"
 *
 * Names are [A-Za-z_][A-Za-z0-9_-]*, contexts and functions are matched
 * case-insensitively against ghdata.c. The first error stops the parse.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ghdata.h"
#include "wfexpr.h"

/* Deeper nesting than any real expression; keeps the stack bounded. */
#define WFEXPR_MAX_DEPTH 64

enum wfexpr_tok {
	TK_EOF,
	TK_NUM,
	TK_STR,
	TK_NAME,
	TK_LPAREN,
	TK_RPAREN,
	TK_LBRACK,
	TK_RBRACK,
	TK_DOT,
	TK_COMMA,
	TK_STAR,
	TK_NOT,
	TK_AND,
	TK_OR,
	TK_CMP,
	TK_BAD, /* the lexer already reported it */
};

struct wfexpr {
	const char *s;
	size_t n;
	size_t pos;  /* next byte to lex */
	size_t tpos; /* current token */
	size_t tlen;
	enum wfexpr_tok tok;
	int prop; /* the token before allows ".name": a "." is a dereference */
	int depth;
	struct wfexpr_err *e;
	int failed;
	unsigned allowed; /* contexts available here; 0: any */
	const char *key;  /* the workflow key, for the message */
};

static void wfexpr_or(struct wfexpr *x);

static void wfexpr_fail(struct wfexpr *x, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
wfexpr_fail(struct wfexpr *x, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (x->failed)
		return;
	x->failed = 1;
	x->e->off = off;
	va_start(ap, fmt);
	vsnprintf(x->e->msg, sizeof(x->e->msg), fmt, ap);
	va_end(ap);
	x->tok = TK_BAD;
}

static int
wfexpr_name_char(char ch, int first)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       ch == '_' || (!first && ((ch >= '0' && ch <= '9') || ch == '-'));
}

static int
wfexpr_digit(char ch, int hex)
{
	return (ch >= '0' && ch <= '9') ||
	       (hex && ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')));
}

/* JSON numbers, 0x hex, 0o octal, Infinity, with an optional "-". */
static void
wfexpr_number(struct wfexpr *x)
{
	const char *s = x->s;
	size_t i = x->pos, d;

	if (s[i] == '-')
		i++;
	if (x->n - i >= 8 && memcmp(s + i, "Infinity", 8) == 0) {
		i += 8;
	} else if (x->n - i >= 2 && s[i] == '0' &&
	           (s[i + 1] == 'x' || s[i + 1] == 'o')) {
		for (i += 2, d = 0; i < x->n && wfexpr_digit(s[i], 1); i++)
			d++;
		if (d == 0)
			goto bad;
	} else {
		for (d = 0; i < x->n && wfexpr_digit(s[i], 0); i++)
			d++;
		if (i < x->n && s[i] == '.')
			for (i++; i < x->n && wfexpr_digit(s[i], 0); i++)
				d++;
		if (d == 0)
			goto bad;
		if (i < x->n && (s[i] == 'e' || s[i] == 'E')) {
			if (++i < x->n && (s[i] == '+' || s[i] == '-'))
				i++;
			for (d = 0; i < x->n && wfexpr_digit(s[i], 0); i++)
				d++;
			if (d == 0)
				goto bad;
		}
	}
	if (i < x->n && (wfexpr_name_char(s[i], 0) || s[i] == '.'))
		goto bad;
	x->tok = TK_NUM;
	x->pos = i;
	return;
bad:
	while (i < x->n && (wfexpr_name_char(s[i], 0) || s[i] == '.'))
		i++;
	wfexpr_fail(x, x->tpos,
	    "\"%.*s\" is not a number: write a JSON number like 42, -9.2, "
	    "2.99e-2 or 0xff",
	    (int)(i - x->tpos), s + x->tpos);
}

static void
wfexpr_string(struct wfexpr *x)
{
	size_t i;

	for (i = x->pos + 1; i < x->n; i++) {
		if (x->s[i] != '\'')
			continue;
		if (i + 1 < x->n && x->s[i + 1] == '\'') {
			i++; /* '' is a quote inside the string */
			continue;
		}
		x->tok = TK_STR;
		x->pos = i + 1;
		return;
	}
	wfexpr_fail(x, x->tpos,
	    "string literal is not closed: end it with ' (write '' for a "
	    "quote inside it)");
}

/* Bytes of the (UTF-8) character at s, at most left. */
static size_t
wfexpr_char_len(const char *s, size_t left)
{
	unsigned char b = (unsigned char)s[0];
	size_t n = b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4, i;

	if (n > left)
		n = left;
	for (i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			return i;
	return n;
}

static void
wfexpr_lex_op(struct wfexpr *x)
{
	const char *s = x->s + x->pos;
	size_t left = x->n - x->pos;
	char ch = s[0], nx = left > 1 ? s[1] : '\0';

	x->pos++;
	switch (ch) {
	case '(':
		x->tok = TK_LPAREN;
		return;
	case ')':
		x->tok = TK_RPAREN;
		return;
	case '[':
		x->tok = TK_LBRACK;
		return;
	case ']':
		x->tok = TK_RBRACK;
		return;
	case ',':
		x->tok = TK_COMMA;
		return;
	case '*':
		x->tok = TK_STAR;
		return;
	case '.':
		x->tok = TK_DOT;
		return;
	case '<':
	case '>':
		x->tok = TK_CMP;
		x->pos += nx == '=';
		return;
	case '!':
		x->tok = nx == '=' ? TK_CMP : TK_NOT;
		x->pos += nx == '=';
		return;
	case '=':
	case '&':
	case '|':
		if (nx == ch) {
			x->tok = ch == '='   ? TK_CMP
			         : ch == '&' ? TK_AND
			                     : TK_OR;
			x->pos++;
			return;
		}
		wfexpr_fail(x, x->tpos,
		    "operator \"%c\" does not exist: write \"%c%c\"", ch, ch,
		    ch);
		return;
	case '"':
		wfexpr_fail(x, x->tpos,
		    "string literals take single quotes: write 'text', not "
		    "\"text\"");
		return;
	default:
		wfexpr_fail(x, x->tpos,
		    "unexpected character \"%.*s\" in the expression",
		    (int)wfexpr_char_len(s, left), s);
		return;
	}
}

static void
wfexpr_next(struct wfexpr *x)
{
	const char *s = x->s;
	int prop = x->prop;
	char ch;

	if (x->failed)
		return;
	while (x->pos < x->n && (s[x->pos] == ' ' || s[x->pos] == '\t' ||
	                            s[x->pos] == '\n' || s[x->pos] == '\r'))
		x->pos++;
	x->tpos = x->pos;
	x->prop = 0;
	if (x->pos == x->n) {
		x->tok = TK_EOF;
		x->tlen = 0;
		return;
	}
	ch = s[x->pos];
	if (prop == 2 && (wfexpr_name_char(ch, 0))) {
		/* after ".": a property name, digits and - allowed */
		while (x->pos < x->n && wfexpr_name_char(s[x->pos], 0))
			x->pos++;
		x->tok = TK_NAME;
		x->prop = 1;
	} else if (wfexpr_name_char(ch, 1)) {
		while (x->pos < x->n && wfexpr_name_char(s[x->pos], 0))
			x->pos++;
		x->tok = TK_NAME;
		x->prop = 1;
	} else if (wfexpr_digit(ch, 0) || ch == '-' ||
	           (ch == '.' && !prop && x->pos + 1 < x->n &&
	               wfexpr_digit(s[x->pos + 1], 0))) {
		wfexpr_number(x);
	} else if (ch == '\'') {
		wfexpr_string(x);
	} else {
		wfexpr_lex_op(x);
		if (x->tok == TK_RPAREN || x->tok == TK_RBRACK)
			x->prop = 1;
		else if (x->tok == TK_DOT)
			x->prop = 2;
	}
	x->tlen = x->pos - x->tpos;
}

static int
wfexpr_is(const struct wfexpr *x, const char *word)
{
	size_t i, l = strlen(word);
	char a, b;

	if (x->tok != TK_NAME || x->tlen != l)
		return 0;
	for (i = 0; i < l; i++) {
		a = x->s[x->tpos + i];
		b = word[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

static const char *
wfexpr_tok_name(const struct wfexpr *x)
{
	switch (x->tok) {
	case TK_EOF:
		return "the end of the expression";
	case TK_RPAREN:
		return "\")\"";
	case TK_RBRACK:
		return "\"]\"";
	case TK_COMMA:
		return "\",\"";
	case TK_DOT:
		return "\".\"";
	case TK_STAR:
		return "\"*\"";
	case TK_AND:
		return "\"&&\"";
	case TK_OR:
		return "\"||\"";
	case TK_CMP:
		return "a comparison";
	default:
		return "this";
	}
}

static void
wfexpr_call(struct wfexpr *x, size_t fpos, size_t flen)
{
	const struct gh_func *f = gh_function(x->s + fpos, flen);
	size_t lpos = x->tpos;
	unsigned nargs = 0;

	if (f == NULL) {
		wfexpr_fail(x, fpos,
		    "unknown function \"%.*s\": GitHub knows contains, "
		    "startsWith, endsWith, format, join, toJSON, fromJSON, "
		    "hashFiles, case, success, always, cancelled, failure",
		    (int)flen, x->s + fpos);
		return;
	}
	wfexpr_next(x); /* past "(" */
	if (x->tok != TK_RPAREN) {
		for (;;) {
			wfexpr_or(x);
			nargs++;
			if (x->tok != TK_COMMA)
				break;
			wfexpr_next(x);
		}
	}
	if (x->failed)
		return;
	if (x->tok != TK_RPAREN) {
		wfexpr_fail(x, x->tok == TK_EOF ? lpos : x->tpos,
		    "%s(...) is not closed: expected \",\" or \")\", found %s",
		    f->name, wfexpr_tok_name(x));
		return;
	}
	if (nargs < f->min || nargs > f->max || (f->odd && nargs % 2 == 0)) {
		if (f->odd)
			wfexpr_fail(x, fpos,
			    "%s() takes an odd number of arguments, %u or more "
			    "(condition, value pairs, then a default), not %u",
			    f->name, f->min, nargs);
		else if (f->max == GH_ARGS_MANY)
			wfexpr_fail(x, fpos,
			    "%s() takes %u argument%s or more, not %u", f->name,
			    f->min, f->min == 1 ? "" : "s", nargs);
		else if (f->min == f->max)
			wfexpr_fail(x, fpos, "%s() takes %u argument%s, not %u",
			    f->name, f->min, f->min == 1 ? "" : "s", nargs);
		else
			wfexpr_fail(x, fpos,
			    "%s() takes %u to %u arguments, not %u", f->name,
			    f->min, f->max, nargs);
		return;
	}
	wfexpr_next(x);
}

static void
wfexpr_primary(struct wfexpr *x)
{
	size_t pos = x->tpos, len = x->tlen, lpos;

	switch (x->tok) {
	case TK_NUM:
	case TK_STR:
		wfexpr_next(x);
		return;
	case TK_LPAREN:
		lpos = x->tpos;
		wfexpr_next(x);
		wfexpr_or(x);
		if (x->failed)
			return;
		if (x->tok != TK_RPAREN) {
			wfexpr_fail(x, x->tok == TK_EOF ? lpos : x->tpos,
			    "\"(\" is not closed: expected \")\", found %s",
			    wfexpr_tok_name(x));
			return;
		}
		wfexpr_next(x);
		return;
	case TK_NAME:
		if (wfexpr_is(x, "true") || wfexpr_is(x, "false") ||
		    wfexpr_is(x, "null") || wfexpr_is(x, "nan") ||
		    wfexpr_is(x, "infinity")) {
			wfexpr_next(x);
			return;
		}
		wfexpr_next(x);
		if (x->tok == TK_LPAREN) {
			wfexpr_call(x, pos, len);
			return;
		}
		if (!gh_in_nocase(gh_contexts, x->s + pos, len))
			wfexpr_fail(x, pos,
			    "unknown context \"%.*s\": use github, env, vars, "
			    "job, jobs, steps, runner, secrets, strategy, "
			    "matrix, needs or inputs (a string needs single "
			    "quotes)",
			    (int)len, x->s + pos);
		else if (x->allowed != 0 &&
		         !(gh_context_bit(x->s + pos, len) & x->allowed)) {
			char names[160];

			/* GitHub: "Unrecognized named-value: 'matrix'". */
			gh_ctx_names(x->allowed, names, sizeof(names));
			wfexpr_fail(x, pos,
			    "context \"%.*s\" is not available in %s, GitHub "
			    "refuses it (Unrecognized named-value): use only "
			    "%s there",
			    (int)len, x->s + pos, x->key ? x->key : "this key",
			    names);
		}
		return;
	case TK_BAD:
		return;
	default:
		wfexpr_fail(x, x->tpos, "expected a value, found %s",
		    wfexpr_tok_name(x));
		return;
	}
}

static void
wfexpr_postfix(struct wfexpr *x)
{
	size_t lpos;

	wfexpr_primary(x);
	while (!x->failed) {
		if (x->tok == TK_DOT) {
			wfexpr_next(x);
			if (x->tok != TK_NAME && x->tok != TK_STAR) {
				wfexpr_fail(x, x->tpos,
				    "expected a property name or \"*\" after "
				    "\".\", found %s",
				    wfexpr_tok_name(x));
				return;
			}
			wfexpr_next(x);
		} else if (x->tok == TK_LBRACK) {
			lpos = x->tpos;
			wfexpr_next(x);
			if (x->tok == TK_STAR)
				wfexpr_next(x);
			else
				wfexpr_or(x);
			if (x->failed)
				return;
			if (x->tok != TK_RBRACK) {
				wfexpr_fail(x,
				    x->tok == TK_EOF ? lpos : x->tpos,
				    "\"[\" is not closed: expected \"]\", "
				    "found "
				    "%s",
				    wfexpr_tok_name(x));
				return;
			}
			wfexpr_next(x);
		} else {
			return;
		}
	}
}

static void
wfexpr_unary(struct wfexpr *x)
{
	if (++x->depth > WFEXPR_MAX_DEPTH) {
		wfexpr_fail(x, x->tpos,
		    "expression nested more than %d deep: simplify it",
		    WFEXPR_MAX_DEPTH);
		return;
	}
	if (x->tok == TK_NOT) {
		wfexpr_next(x);
		wfexpr_unary(x);
	} else {
		wfexpr_postfix(x);
	}
	x->depth--;
}

static void
wfexpr_cmp(struct wfexpr *x)
{
	wfexpr_unary(x);
	while (!x->failed && x->tok == TK_CMP) {
		wfexpr_next(x);
		wfexpr_unary(x);
	}
}

static void
wfexpr_and(struct wfexpr *x)
{
	wfexpr_cmp(x);
	while (!x->failed && x->tok == TK_AND) {
		wfexpr_next(x);
		wfexpr_cmp(x);
	}
}

static void
wfexpr_or(struct wfexpr *x)
{
	wfexpr_and(x);
	while (!x->failed && x->tok == TK_OR) {
		wfexpr_next(x);
		wfexpr_and(x);
	}
}

int
wfexpr_check(const char *s, size_t n, struct wfexpr_err *e)
{
	return wfexpr_check_at(s, n, 0, NULL, e);
}

int
wfexpr_check_at(const char *s, size_t n, unsigned allowed, const char *key,
    struct wfexpr_err *e)
{
	struct wfexpr x;

	memset(&x, 0, sizeof(x));
	x.s = s;
	x.n = n;
	x.e = e;
	x.allowed = allowed;
	x.key = key;
	e->off = 0;
	e->msg[0] = '\0';
	wfexpr_next(&x);
	if (x.tok == TK_EOF) {
		wfexpr_fail(&x, 0, "expression is empty");
		return -1;
	}
	wfexpr_or(&x);
	if (!x.failed && x.tok != TK_EOF)
		wfexpr_fail(&x, x.tpos,
		    "unexpected %s after a complete expression: join the "
		    "parts with an operator such as && or ==",
		    x.tok == TK_NAME || x.tok == TK_NUM || x.tok == TK_STR
		        ? "value"
		        : wfexpr_tok_name(&x));
	return x.failed ? -1 : 0;
}
