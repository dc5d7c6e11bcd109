/*
 * udiff.c: a unified diff of two texts in memory, bounded in time, memory
 * and output, so the daemon can answer `config diff` without a child.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdd.h"

/*
 * The longest-common-subsequence table is this many cells at most (4 MiB):
 * beyond, the changed middle is shown as removed and added whole, which is
 * still a correct diff, only not the shortest.
 */
#define UDIFF_CELLS_MAX (1024 * 1024)
#define UDIFF_CONTEXT 3

struct udiff_line {
	const char *s;
	size_t len; /* with its '\n', if it has one */
};

struct udiff_op {
	char kind;     /* ' ', '-' or '+' */
	size_t ai, bi; /* lines of a and b before this one */
};

static int
udiff_split(const char *t, size_t len, struct udiff_line **out, size_t *n)
{
	size_t i, k = 0, cnt = 0;
	const char *p;

	for (i = 0; i < len; i++)
		if (t[i] == '\n')
			cnt++;
	if (len > 0 && t[len - 1] != '\n')
		cnt++;
	*n = cnt;
	if ((*out = calloc(cnt + 1, sizeof(**out))) == NULL)
		return -1;
	for (p = t; p < t + len; k++) {
		const char *nl = memchr(p, '\n', (size_t)(t + len - p));
		size_t l =
		    nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(t + len - p);

		(*out)[k].s = p;
		(*out)[k].len = l;
		p += l;
	}
	return 0;
}

static int
udiff_eq(const struct udiff_line *x, const struct udiff_line *y)
{
	return x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
}

void
udiff_puts(struct udiff_out *o, const char *s, size_t len)
{
	char *nb;
	size_t ncap;

	if (o->truncated)
		return;
	if (o->max > 0 && o->len + len > o->max) {
		o->truncated = 1;
		return;
	}
	if (o->len + len + 1 > o->cap) {
		ncap = o->cap ? o->cap : 1024;
		while (ncap < o->len + len + 1)
			ncap *= 2;
		if ((nb = realloc(o->s, ncap)) == NULL) {
			o->truncated = 1;
			return;
		}
		o->s = nb;
		o->cap = ncap;
	}
	memcpy(o->s + o->len, s, len);
	o->len += len;
	o->s[o->len] = '\0';
}

void
udiff_printf(struct udiff_out *o, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		udiff_puts(o, buf,
		    (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void
udiff_line_out(struct udiff_out *o, char kind, const struct udiff_line *l)
{
	static const char nonl[] = "\n\\ No newline at end of file\n";

	udiff_puts(o, &kind, 1);
	udiff_puts(o, l->s, l->len);
	if (l->len == 0 || l->s[l->len - 1] != '\n')
		udiff_puts(o, nonl, sizeof(nonl) - 1);
}

/* "start,len", or "start" alone for one line, as diff -u writes it. */
static void
udiff_range(struct udiff_out *o, const char *pre, size_t start, size_t len)
{
	if (len == 1)
		udiff_printf(o, "%s%zu", pre, start);
	else
		udiff_printf(o, "%s%zu,%zu", pre, start, len);
}

/* The edit script of the middle a[0..n) against b[0..m) onto ops. */
static int
udiff_middle(const struct udiff_line *a, size_t n, const struct udiff_line *b,
    size_t m, size_t a0, size_t b0, struct udiff_op *ops, size_t *k)
{
	uint32_t *t;
	size_t i, j, w = m + 1;

	if (n == 0 || m == 0 || (n + 1) > UDIFF_CELLS_MAX / (m + 1)) {
		for (i = 0; i < n; i++)
			ops[(*k)++] = (struct udiff_op){'-', a0 + i, b0};
		for (j = 0; j < m; j++)
			ops[(*k)++] = (struct udiff_op){'+', a0 + n, b0 + j};
		return 0;
	}
	/* t[i][j]: the LCS length of a[i..n) and b[j..m). */
	if ((t = calloc((n + 1) * w, sizeof(*t))) == NULL)
		return -1;
	for (i = n; i-- > 0;)
		for (j = m; j-- > 0;)
			t[i * w + j] = udiff_eq(&a[i], &b[j])
			                   ? t[(i + 1) * w + j + 1] + 1
			               : t[(i + 1) * w + j] >= t[i * w + j + 1]
			                   ? t[(i + 1) * w + j]
			                   : t[i * w + j + 1];
	i = j = 0;
	while (i < n || j < m) {
		if (i < n && j < m && udiff_eq(&a[i], &b[j])) {
			ops[(*k)++] = (struct udiff_op){' ', a0 + i, b0 + j};
			i++;
			j++;
		} else if (j == m ||
		           (i < n && t[(i + 1) * w + j] >= t[i * w + j + 1])) {
			ops[(*k)++] = (struct udiff_op){'-', a0 + i, b0 + j};
			i++;
		} else {
			ops[(*k)++] = (struct udiff_op){'+', a0 + i, b0 + j};
			j++;
		}
	}
	free(t);
	return 0;
}

int
udiff(struct udiff_out *o, const char *alabel, const char *a, size_t alen,
    const char *blabel, const char *b, size_t blen)
{
	struct udiff_line *la = NULL, *lb = NULL;
	struct udiff_op *ops = NULL;
	size_t na, nb, pre = 0, suf = 0, k = 0, i, s, e, h, an, bn;
	int rc = -1;

	if (udiff_split(a, alen, &la, &na) == -1 ||
	    udiff_split(b, blen, &lb, &nb) == -1)
		goto out;
	while (pre < na && pre < nb && udiff_eq(&la[pre], &lb[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre &&
	       udiff_eq(&la[na - 1 - suf], &lb[nb - 1 - suf]))
		suf++;
	if (pre == na && pre == nb) {
		rc = 0; /* the same: no output */
		goto out;
	}
	if ((ops = calloc(na + nb + 1, sizeof(*ops))) == NULL)
		goto out;
	for (i = 0; i < pre; i++)
		ops[k++] = (struct udiff_op){' ', i, i};
	if (udiff_middle(la + pre, na - pre - suf, lb + pre, nb - pre - suf,
	        pre, pre, ops, &k) == -1)
		goto out;
	for (i = 0; i < suf; i++)
		ops[k++] = (struct udiff_op){' ', na - suf + i, nb - suf + i};
	udiff_puts(o, "--- ", 4);
	udiff_puts(o, alabel, strlen(alabel));
	udiff_puts(o, "\n+++ ", 5);
	udiff_puts(o, blabel, strlen(blabel));
	udiff_puts(o, "\n", 1);
	for (i = 0; i < k;) {
		if (ops[i].kind == ' ') {
			i++;
			continue;
		}
		/* A hunk: context before, changes closer than 2 contexts. */
		s = i > UDIFF_CONTEXT ? i - UDIFF_CONTEXT : 0;
		e = i;
		for (h = i; h < k; h++) {
			if (ops[h].kind != ' ')
				e = h;
			else if (h - e > 2 * UDIFF_CONTEXT)
				break;
		}
		h = e + 1 + UDIFF_CONTEXT < k ? e + 1 + UDIFF_CONTEXT : k;
		for (an = bn = 0, i = s; i < h; i++) {
			an += ops[i].kind != '+';
			bn += ops[i].kind != '-';
		}
		udiff_range(o, "@@ -", an ? ops[s].ai + 1 : ops[s].ai, an);
		udiff_range(o, " +", bn ? ops[s].bi + 1 : ops[s].bi, bn);
		udiff_puts(o, " @@\n", 4);
		for (i = s; i < h; i++)
			udiff_line_out(o, ops[i].kind,
			    ops[i].kind == '+' ? &lb[ops[i].bi]
			                       : &la[ops[i].ai]);
	}
	rc = 1;
out:
	free(la);
	free(lb);
	free(ops);
	return rc;
}
