/*
 * wfval.c: GitHub Actions workflow validation built on libyaml parser events
 * and a node tree of our own (duplicate keys, aliases, 1-based positions).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ghdata.h"
#include "wfexpr.h"
#include "wfval.h"

/* A hostile file could yield one diagnostic per node; nobody reads more. */
#define WFVAL_MAX_DIAGS 500
#define WFVAL_ANCHOR_BUCKETS 1024
/* Longest user text quoted in a message. */
#define WFVAL_QUOTE_MAX 64
/* Jobs named in a cycle message before it is cut short. */
#define WFVAL_CYCLE_NAMES 16

enum wfval_kind {
	WFVAL_SCALAR,
	WFVAL_SEQ,
	WFVAL_MAP,
};

/*
 * One YAML node. Aliases are not nodes: the alias site points at the
 * anchored node itself, so the tree is a DAG and every node is owned by the
 * arena list. A mapping keeps key, value, key, value... in kids.
 */
struct wfval_node {
	struct wfval_node *arena_next;
	enum wfval_kind kind;
	unsigned line;
	unsigned col;
	unsigned end_line; /* scalars: where the text ends */
	int style;         /* yaml_scalar_style_t of a scalar */
	int open; /* collection still being parsed: an alias to it recurses */
	int literal; /* GitHub does not evaluate it: ${{ }} content unchecked */
	unsigned ctx_allowed; /* contexts its expressions may use; 0: any */
	const char *ctx_key;  /* the gh_ctx_keys name that set them */
	unsigned ctx_pass;    /* the marking pass that last reached it */
	char *str;
	size_t len;
	struct wfval_node **kids;
	size_t nkids;
	size_t cap;
	size_t weight; /* nodes after alias expansion, saturating */
};

struct wfval_anchor {
	struct wfval_anchor *next;
	char *name;
	struct wfval_node *node;
};

struct wfval_ctx {
	const char *buf;
	size_t len;
	const char *file;
	struct wf_diag *diags;
	size_t ndiags;
	size_t dcap;
	int worst;
	int oom;
	int too_big;
	int parse_failed; /* libyaml stopped: the tree is partial */
	struct wfval_node *arena;
	size_t nnodes;
	struct wfval_anchor *anchors[WFVAL_ANCHOR_BUCKETS];
	struct wfval_node *root;
	size_t *lines; /* start offset of each source line, built on demand */
	size_t nlines;
	unsigned ctx_pass;
};

struct wfval_quote {
	char s[WFVAL_QUOTE_MAX * 4 + 8];
};

static const char *const wfval_top_keys[] = {"name", "run-name", "on",
    "permissions", "env", "defaults", "concurrency", "jobs", NULL};
static const char *const wfval_job_keys[] = {"name", "permissions", "needs",
    "if", "runs-on", "environment", "concurrency", "outputs", "env", "defaults",
    "steps", "timeout-minutes", "strategy", "continue-on-error", "container",
    "services", "uses", "with", "secrets", NULL};
static const char *const wfval_step_keys[] = {"id", "if", "name", "uses", "run",
    "working-directory", "shell", "with", "env", "continue-on-error",
    "timeout-minutes", "parallel", NULL};
static const char *const wfval_filter_keys[] = {"types", "branches",
    "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore",
    "workflows", NULL};
static const char *const wfval_dispatch_input_keys[] = {
    "description", "required", "default", "type", "options", NULL};
static const char *const wfval_dispatch_types[] = {
    "string", "boolean", "choice", "number", "environment", NULL};
static const char *const wfval_call_keys[] = {
    "inputs", "outputs", "secrets", NULL};
static const char *const wfval_call_input_keys[] = {
    "description", "required", "default", "type", NULL};
static const char *const wfval_call_types[] = {
    "boolean", "number", "string", NULL};
static const char *const wfval_call_secret_keys[] = {
    "description", "required", NULL};
static const char *const wfval_call_output_keys[] = {
    "description", "value", NULL};
static const char *const wfval_container_keys[] = {
    "image", "credentials", "env", "ports", "volumes", "options", NULL};
static const char *const wfval_strategy_keys[] = {
    "matrix", "fail-fast", "max-parallel", NULL};
static const char *const wfval_defaults_keys[] = {"run", NULL};
static const char *const wfval_run_keys[] = {
    "shell", "working-directory", NULL};
static const char *const wfval_concurrency_keys[] = {
    "group", "cancel-in-progress", NULL};
static const char *const wfval_environment_keys[] = {
    "name", "url", "deployment", NULL};
static const char *const wfval_runs_on_keys[] = {"group", "labels", NULL};
static const char *const wfval_months[] = {"JAN", "FEB", "MAR", "APR", "MAY",
    "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const wfval_days[] = {
    "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

/* ---------------------------------------------------------------- diags */

static void wfval_vdiag(struct wfval_ctx *, unsigned, unsigned, int,
    const char *, const char *, va_list) __attribute__((format(printf, 6, 0)));
static void wfval_diag_at(struct wfval_ctx *, unsigned, unsigned, int,
    const char *, const char *, ...) __attribute__((format(printf, 6, 7)));
static void wfval_diag(struct wfval_ctx *, const struct wfval_node *, int,
    const char *, const char *, ...) __attribute__((format(printf, 5, 6)));

static void
wfval_vdiag(struct wfval_ctx *c, unsigned line, unsigned col, int sev,
    const char *rule, const char *fmt, va_list ap)
{
	struct wf_diag *d;
	va_list aq;
	char *msg, *file;
	size_t i;
	int n;

	if (sev > c->worst)
		c->worst = sev;
	if (c->oom || c->ndiags >= WFVAL_MAX_DIAGS)
		return;
	if (c->ndiags == c->dcap) {
		size_t ncap = c->dcap ? c->dcap * 2 : 8;

		d = realloc(c->diags, ncap * sizeof(*d));
		if (d == NULL) {
			c->oom = 1;
			return;
		}
		c->diags = d;
		c->dcap = ncap;
	}
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		n = 0;
	msg = malloc((size_t)n + 1);
	file = strdup(c->file);
	if (msg == NULL || file == NULL) {
		free(msg);
		free(file);
		c->oom = 1;
		return;
	}
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	/* Last line of defence for log hygiene: one message, one line. */
	for (i = 0; i < (size_t)n; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	d = &c->diags[c->ndiags++];
	d->file = file;
	d->line = line ? line : 1;
	d->col = col ? col : 1;
	d->severity = sev;
	d->rule = rule;
	d->message = msg;
}

static void
wfval_diag_at(struct wfval_ctx *c, unsigned line, unsigned col, int sev,
    const char *rule, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wfval_vdiag(c, line, col, sev, rule, fmt, ap);
	va_end(ap);
}

static void
wfval_diag(struct wfval_ctx *c, const struct wfval_node *at, int sev,
    const char *rule, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wfval_vdiag(c, at ? at->line : 1, at ? at->col : 1, sev, rule, fmt, ap);
	va_end(ap);
}

/*
 * User text goes into log lines, so control bytes are masked and length
 * is capped; a message can never be forged into two lines.
 */
static const char *
wfval_q(struct wfval_quote *q, const struct wfval_node *n)
{
	size_t i, o = 0, chars = 0;
	unsigned char ch;

	if (n == NULL || n->kind != WFVAL_SCALAR) {
		snprintf(q->s, sizeof(q->s), "%s",
		    n == NULL              ? ""
		    : n->kind == WFVAL_MAP ? "<mapping>"
		                           : "<sequence>");
		return q->s;
	}
	for (i = 0; i < n->len && o + 8 < sizeof(q->s); i++) {
		ch = (unsigned char)n->str[i];
		if ((ch & 0xC0) != 0x80 && ++chars > WFVAL_QUOTE_MAX) {
			memcpy(q->s + o, "...", 3);
			o += 3;
			break;
		}
		q->s[o++] =
		    (ch < 0x20 || ch == 0x7f || ch == '"') ? '?' : (char)ch;
	}
	q->s[o] = '\0';
	return q->s;
}

static const char *
wfval_kind_name(const struct wfval_node *n)
{
	if (n == NULL)
		return "null";
	switch (n->kind) {
	case WFVAL_SCALAR:
		return "scalar";
	case WFVAL_SEQ:
		return "sequence";
	default:
		return "mapping";
	}
}

/* ---------------------------------------------------------------- nodes */

static size_t
wfval_sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static struct wfval_node *
wfval_node_new(struct wfval_ctx *c, enum wfval_kind kind, yaml_mark_t m)
{
	struct wfval_node *n;

	if (c->nnodes >= WFVAL_NODE_BUDGET) {
		c->too_big = 1;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		c->oom = 1;
		return NULL;
	}
	n->kind = kind;
	n->line = (unsigned)m.line + 1;
	n->col = (unsigned)m.column + 1;
	n->weight = 1;
	n->arena_next = c->arena;
	c->arena = n;
	c->nnodes++;
	return n;
}

static int
wfval_node_push(
    struct wfval_ctx *c, struct wfval_node *parent, struct wfval_node *kid)
{
	struct wfval_node **k;

	if (parent->nkids == parent->cap) {
		size_t ncap = parent->cap ? parent->cap * 2 : 4;

		k = realloc(parent->kids, ncap * sizeof(*k));
		if (k == NULL) {
			c->oom = 1;
			return -1;
		}
		parent->kids = k;
		parent->cap = ncap;
	}
	parent->kids[parent->nkids++] = kid;
	parent->weight = wfval_sat_add(parent->weight, kid->weight);
	if (parent->weight > WFVAL_NODE_BUDGET)
		c->too_big = 1;
	return 0;
}

static unsigned
wfval_hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % WFVAL_ANCHOR_BUCKETS;
}

/* A later anchor of the same name hides the earlier one, as YAML says. */
static void
wfval_anchor_add(
    struct wfval_ctx *c, const unsigned char *name, struct wfval_node *n)
{
	struct wfval_anchor *a;
	unsigned h;

	if (name == NULL)
		return;
	a = calloc(1, sizeof(*a));
	if (a == NULL || (a->name = strdup((const char *)name)) == NULL) {
		free(a);
		c->oom = 1;
		return;
	}
	a->node = n;
	h = wfval_hash(a->name);
	a->next = c->anchors[h];
	c->anchors[h] = a;
}

static struct wfval_node *
wfval_anchor_find(struct wfval_ctx *c, const char *name)
{
	struct wfval_anchor *a;

	for (a = c->anchors[wfval_hash(name)]; a != NULL; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a->node;
	return NULL;
}

static int
wfval_casecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;
	int ca, cb;

	for (i = 0; i < alen && i < blen; i++) {
		ca = (unsigned char)a[i];
		cb = (unsigned char)b[i];
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return ca - cb;
	}
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

struct wfval_keyref {
	const struct wfval_node *key;
	size_t pair;
};

static int
wfval_keyref_cmp(const void *pa, const void *pb)
{
	const struct wfval_keyref *a = pa, *b = pb;
	int r;

	r = wfval_casecmp(a->key->str, a->key->len, b->key->str, b->key->len);
	if (r != 0)
		return r;
	return a->pair < b->pair ? -1 : a->pair > b->pair;
}

/*
 * Keys compare case-insensitively: GitHub matches job ids, env names and
 * inputs that way, and actionlint reports such twins as duplicates. The
 * first key wins; later twins are reported and dropped from the tree.
 */
static void
wfval_map_finish(struct wfval_ctx *c, struct wfval_node *m)
{
	struct wfval_keyref *refs;
	struct wfval_quote q;
	size_t npairs = m->nkids / 2, nrefs = 0, i, j, o;
	char *drop;

	if (npairs < 1)
		return;
	refs = calloc(npairs, sizeof(*refs));
	drop = calloc(npairs, 1);
	if (refs == NULL || drop == NULL) {
		free(refs);
		free(drop);
		c->oom = 1;
		return;
	}
	for (i = 0; i < npairs; i++) {
		struct wfval_node *k = m->kids[2 * i];

		if (k->kind != WFVAL_SCALAR) {
			wfval_diag(c, k, WF_SEV_ERROR, "syntax-check",
			    "mapping key is a %s node but must be a string: "
			    "use a plain key",
			    wfval_kind_name(k));
			drop[i] = 1;
			continue;
		}
		refs[nrefs].key = k;
		refs[nrefs].pair = i;
		nrefs++;
	}
	qsort(refs, nrefs, sizeof(*refs), wfval_keyref_cmp);
	for (i = 0; i < nrefs; i = j) {
		for (j = i + 1;
		     j < nrefs &&
		     wfval_casecmp(refs[i].key->str, refs[i].key->len,
		         refs[j].key->str, refs[j].key->len) == 0;
		     j++) {
			wfval_diag(c, refs[j].key, WF_SEV_ERROR, "syntax-check",
			    "key \"%s\" is duplicated. previously defined at "
			    "line:%u,col:%u (keys are case-insensitive): "
			    "remove or rename one",
			    wfval_q(&q, refs[j].key), refs[i].key->line,
			    refs[i].key->col);
			drop[refs[j].pair] = 1;
		}
	}
	for (i = 0, o = 0; i < npairs; i++) {
		if (drop[i])
			continue;
		m->kids[o++] = m->kids[2 * i];
		m->kids[o++] = m->kids[2 * i + 1];
	}
	m->nkids = o;
	free(refs);
	free(drop);
}

static void
wfval_build_lines(struct wfval_ctx *c)
{
	size_t i, n = 1;

	if (c->lines != NULL)
		return;
	for (i = 0; i < c->len; i++)
		if (c->buf[i] == '\n')
			n++;
	c->lines = malloc(n * sizeof(*c->lines));
	if (c->lines == NULL) {
		c->oom = 1;
		return;
	}
	c->lines[0] = 0;
	c->nlines = 1;
	for (i = 0; i < c->len; i++)
		if (c->buf[i] == '\n')
			c->lines[c->nlines++] = i + 1;
}

static size_t
wfval_chars(const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

static void
wfval_syntax_error(struct wfval_ctx *c, yaml_parser_t *p)
{
	unsigned line, col;
	size_t i, off, ls = 0;

	if (p->error == YAML_MEMORY_ERROR) {
		c->oom = 1;
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		/* Reader errors carry a byte offset, not a mark. */
		off = p->problem_offset < c->len ? p->problem_offset : c->len;
		line = 1;
		for (i = 0; i < off; i++) {
			if (c->buf[i] == '\n') {
				line++;
				ls = i + 1;
			}
		}
		col = (unsigned)wfval_chars(c->buf + ls, off - ls) + 1;
	} else {
		line = (unsigned)p->problem_mark.line + 1;
		col = (unsigned)p->problem_mark.column + 1;
	}
	if (p->context != NULL)
		wfval_diag_at(c, line, col, WF_SEV_ERROR, "syntax-check",
		    "could not parse as YAML: %s %s started at "
		    "line:%u,col:%u: fix the YAML syntax",
		    p->problem ? p->problem : "unknown error", p->context,
		    (unsigned)p->context_mark.line + 1,
		    (unsigned)p->context_mark.column + 1);
	else
		wfval_diag_at(c, line, col, WF_SEV_ERROR, "syntax-check",
		    "could not parse as YAML: %s: fix the YAML syntax",
		    p->problem ? p->problem : "unknown error");
}

static int
wfval_attach(struct wfval_ctx *c, struct wfval_node **stack, size_t depth,
    struct wfval_node *n)
{
	if (depth == 0) {
		if (c->root == NULL)
			c->root = n;
		return 0;
	}
	return wfval_node_push(c, stack[depth - 1], n);
}

/* Stand-in for an alias we refuse, so mappings keep their key/value pairs. */
static struct wfval_node *
wfval_placeholder(struct wfval_ctx *c, yaml_mark_t m)
{
	struct wfval_node *n = wfval_node_new(c, WFVAL_SCALAR, m);

	if (n != NULL)
		n->style = YAML_PLAIN_SCALAR_STYLE;
	return n;
}

static void
wfval_build(struct wfval_ctx *c)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct wfval_node **stack = NULL, *n, *t;
	size_t depth = 0, scap = 0;
	int docs = 0, done = 0;

	if (!yaml_parser_initialize(&p)) {
		c->oom = 1;
		return;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)c->buf, c->len);
	while (!done && !c->oom && !c->too_big) {
		if (!yaml_parser_parse(&p, &ev)) {
			c->parse_failed = 1;
			wfval_syntax_error(c, &p);
			break;
		}
		n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				/* GitHub's handling is not documented, so
				 * this never asks for a restore. */
				wfval_diag_at(c,
				    (unsigned)ev.start_mark.line + 1,
				    (unsigned)ev.start_mark.column + 1,
				    WF_SEV_LINT, "syntax-check",
				    "only the first YAML document of a "
				    "workflow "
				    "is read: remove the rest");
				done = 1;
			}
			break;
		case YAML_SCALAR_EVENT:
			n = wfval_node_new(c, WFVAL_SCALAR, ev.start_mark);
			if (n == NULL)
				break;
			n->style = ev.data.scalar.style;
			n->end_line = (unsigned)ev.end_mark.line + 1;
			n->len = ev.data.scalar.length;
			n->str = malloc(n->len + 1);
			if (n->str == NULL) {
				c->oom = 1;
				break;
			}
			memcpy(n->str, ev.data.scalar.value, n->len);
			n->str[n->len] = '\0';
			wfval_anchor_add(c, ev.data.scalar.anchor, n);
			wfval_attach(c, stack, depth, n);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			n = wfval_node_new(c,
			    ev.type == YAML_SEQUENCE_START_EVENT ? WFVAL_SEQ
			                                         : WFVAL_MAP,
			    ev.start_mark);
			if (n == NULL)
				break;
			n->open = 1;
			wfval_anchor_add(c,
			    ev.type == YAML_SEQUENCE_START_EVENT
			        ? ev.data.sequence_start.anchor
			        : ev.data.mapping_start.anchor,
			    n);
			if (wfval_attach(c, stack, depth, n) != 0)
				break;
			if (depth == scap) {
				size_t ncap = scap ? scap * 2 : 16;
				struct wfval_node **s;

				s = realloc(stack, ncap * sizeof(*s));
				if (s == NULL) {
					c->oom = 1;
					break;
				}
				stack = s;
				scap = ncap;
			}
			stack[depth++] = n;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth == 0)
				break;
			n = stack[--depth];
			n->open = 0;
			if (n->kind == WFVAL_MAP)
				wfval_map_finish(c, n);
			if (depth > 0) {
				t = stack[depth - 1];
				t->weight =
				    wfval_sat_add(t->weight, n->weight - 1);
				if (t->weight > WFVAL_NODE_BUDGET)
					c->too_big = 1;
			}
			break;
		case YAML_ALIAS_EVENT:
			t = wfval_anchor_find(
			    c, (const char *)ev.data.alias.anchor);
			if (t == NULL || t->open) {
				wfval_diag_at(c,
				    (unsigned)ev.start_mark.line + 1,
				    (unsigned)ev.start_mark.column + 1,
				    WF_SEV_ERROR, "syntax-check",
				    t == NULL
				        ? "alias \"*%.64s\" names no anchor "
				          "defined before it: define "
				          "\"&%.64s\" "
				          "first"
				        : "alias \"*%.64s\" refers to a node "
				          "that contains it: remove the "
				          "recursion (&%.64s)",
				    (const char *)ev.data.alias.anchor,
				    (const char *)ev.data.alias.anchor);
				t = wfval_placeholder(c, ev.start_mark);
				if (t == NULL)
					break;
			}
			wfval_attach(c, stack, depth, t);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	if (c->too_big)
		wfval_diag_at(c, 1, 1, WF_SEV_ERROR, "syntax-check",
		    "workflow expands to more than %d YAML nodes (alias "
		    "bomb?): shrink it or use fewer aliases",
		    WFVAL_NODE_BUDGET);
	yaml_parser_delete(&p);
	free(stack);
}

/* ---------------------------------------------------------------- tree helpers
 */

static int
wfval_is(const struct wfval_node *n, const char *s)
{
	size_t l = strlen(s);

	return n != NULL && n->kind == WFVAL_SCALAR && n->len == l &&
	       memcmp(n->str, s, l) == 0;
}

static int
wfval_is_null(const struct wfval_node *n)
{
	if (n == NULL)
		return 1;
	if (n->kind != WFVAL_SCALAR || n->style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return n->len == 0 || wfval_is(n, "~") || wfval_is(n, "null") ||
	       wfval_is(n, "Null") || wfval_is(n, "NULL");
}

static int
wfval_is_scalar(const struct wfval_node *n)
{
	return n != NULL && n->kind == WFVAL_SCALAR && !wfval_is_null(n);
}

static int
wfval_is_bool(const struct wfval_node *n)
{
	if (n == NULL || n->kind != WFVAL_SCALAR ||
	    n->style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return wfval_is(n, "true") || wfval_is(n, "True") ||
	       wfval_is(n, "TRUE") || wfval_is(n, "false") ||
	       wfval_is(n, "False") || wfval_is(n, "FALSE");
}

/* A plain decimal number in YAML 1.2 core schema terms. */
static int
wfval_is_number(const struct wfval_node *n)
{
	size_t i = 0, digits = 0;
	const char *s;

	if (n == NULL || n->kind != WFVAL_SCALAR ||
	    n->style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = n->str;
	if (i < n->len && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < n->len && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < n->len && s[i] == '.')
		for (i++; i < n->len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (digits == 0)
		return 0;
	if (i < n->len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n->len && (s[i] == '-' || s[i] == '+'))
			i++;
		for (digits = 0; i < n->len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
		if (digits == 0)
			return 0;
	}
	return i == n->len;
}

/* The whole value is one ${{ }} expression (surrounding blanks allowed). */
static int
wfval_is_expr(const struct wfval_node *n)
{
	size_t a = 0, b;

	if (n == NULL || n->kind != WFVAL_SCALAR)
		return 0;
	b = n->len;
	while (a < b &&
	       (n->str[a] == ' ' || n->str[a] == '\t' || n->str[a] == '\n'))
		a++;
	while (b > a && (n->str[b - 1] == ' ' || n->str[b - 1] == '\t' ||
	                    n->str[b - 1] == '\n'))
		b--;
	return b - a >= 5 && memcmp(n->str + a, "${{", 3) == 0 &&
	       memcmp(n->str + b - 2, "}}", 2) == 0;
}

/* The scalar holds a "${{". */
static int
wfval_has_expr(const struct wfval_node *n)
{
	size_t i;

	for (i = 0; i + 2 < n->len; i++)
		if (memcmp(n->str + i, "${{", 3) == 0)
			return 1;
	return 0;
}

static int
wfval_in_list(const struct wfval_node *k, const char *const *list)
{
	for (; *list != NULL; list++)
		if (wfval_is(k, *list))
			return 1;
	return 0;
}

/* Value of key in mapping m (exact match), and its key node in *kp. */
static struct wfval_node *
wfval_get(
    const struct wfval_node *m, const char *key, const struct wfval_node **kp)
{
	size_t i;

	if (kp != NULL)
		*kp = NULL;
	if (m == NULL || m->kind != WFVAL_MAP)
		return NULL;
	for (i = 0; i + 1 < m->nkids; i += 2) {
		if (wfval_is(m->kids[i], key)) {
			if (kp != NULL)
				*kp = m->kids[i];
			return m->kids[i + 1];
		}
	}
	return NULL;
}

static int
wfval_has(const struct wfval_node *m, const char *key)
{
	const struct wfval_node *k;

	wfval_get(m, key, &k);
	return k != NULL;
}

static void
wfval_check_keys(struct wfval_ctx *c, const struct wfval_node *m,
    const char *const *allowed, const char *what)
{
	struct wfval_quote q;
	char list[512];
	size_t i, o;
	const char *const *a;

	if (m == NULL || m->kind != WFVAL_MAP)
		return;
	for (i = 0; i + 1 < m->nkids; i += 2) {
		if (wfval_in_list(m->kids[i], allowed))
			continue;
		o = 0;
		list[0] = '\0';
		for (a = allowed; *a != NULL && o < sizeof(list); a++)
			o += (size_t)snprintf(list + o, sizeof(list) - o,
			    "%s\"%s\"", a == allowed ? "" : ", ", *a);
		/* GitHub adds keys faster than any table: lint only. */
		wfval_diag(c, m->kids[i], WF_SEV_LINT, "syntax-check",
		    "unexpected key \"%s\" for \"%s\" section: expected one "
		    "of %s (lint: GitHub may know a newer key)",
		    wfval_q(&q, m->kids[i]), what, list);
	}
}

/* Reports and returns 0 when n is not a mapping (null allowed if asked). */
static int
wfval_want_map(struct wfval_ctx *c, const struct wfval_node *n,
    const struct wfval_node *at, const char *what, int null_ok,
    const char *rule)
{
	if (n != NULL && n->kind == WFVAL_MAP)
		return 1;
	if (null_ok && wfval_is_null(n))
		return 0;
	wfval_diag(c, n ? n : at, WF_SEV_ERROR, rule,
	    "\"%s\" is a %s node but must be a mapping: fix its value", what,
	    wfval_is_null(n) ? "null" : wfval_kind_name(n));
	return 0;
}

static void
wfval_want_scalar(struct wfval_ctx *c, const struct wfval_node *n,
    const struct wfval_node *at, const char *what, int null_ok)
{
	if (n != NULL && n->kind == WFVAL_SCALAR &&
	    (null_ok || !wfval_is_null(n)))
		return;
	wfval_diag(c, n ? n : at, WF_SEV_ERROR, "syntax-check",
	    "\"%s\" is a %s node but must be a string: fix its value", what,
	    wfval_is_null(n) ? "null" : wfval_kind_name(n));
}

/* A string or a sequence of strings, e.g. needs, branches, runs-on. */
static void
wfval_want_strings(struct wfval_ctx *c, const struct wfval_node *n,
    const struct wfval_node *at, const char *what)
{
	size_t i;

	if (n != NULL && n->kind == WFVAL_SEQ) {
		for (i = 0; i < n->nkids; i++)
			wfval_want_scalar(c, n->kids[i], n, what, 0);
		return;
	}
	wfval_want_scalar(c, n, at, what, 0);
}

static void
wfval_want_number(struct wfval_ctx *c, const struct wfval_node *n,
    const struct wfval_node *at, const char *what)
{
	struct wfval_quote q;

	if (wfval_is_number(n) || wfval_is_expr(n))
		return;
	wfval_diag(c, n ? n : at, WF_SEV_ERROR, "syntax-check",
	    "\"%s\" must be a number or a ${{ }} expression, not \"%s\": "
	    "write a plain number like 10",
	    what, wfval_q(&q, n));
}

static void
wfval_want_bool(struct wfval_ctx *c, const struct wfval_node *n,
    const struct wfval_node *at, const char *what)
{
	struct wfval_quote q;

	if (wfval_is_bool(n) || wfval_is_expr(n))
		return;
	wfval_diag(c, n ? n : at, WF_SEV_ERROR, "syntax-check",
	    "\"%s\" must be true, false or a ${{ }} expression, not \"%s\"",
	    what, wfval_q(&q, n));
}

/* ---------------------------------------------------------------- cron */

static int
wfval_cron_value(
    const char *s, size_t n, const char *const *names, int base, long *out)
{
	size_t i;
	long v = 0;

	if (n == 0)
		return -1;
	if (names != NULL && n == 3) {
		for (i = 0; names[i] != NULL; i++) {
			if (wfval_casecmp(s, n, names[i], 3) == 0) {
				*out = (long)i + base;
				return 0;
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v < 100000)
			v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* NULL when fine, else why, in buf. Grammar: item{,item} with item
 * = (* | v | v-v)[/step]. */
static const char *
wfval_cron_field(const char *f, size_t n, long lo, long hi,
    const char *const *names, int base, char *buf, size_t bsz)
{
	size_t s = 0, e, dash, slash;
	long a, b, step;

	while (s <= n) {
		for (e = s; e < n && f[e] != ','; e++)
			;
		if (e == s) {
			snprintf(buf, bsz, "empty item in \"%.*s\"", (int)n, f);
			return buf;
		}
		for (slash = s; slash < e && f[slash] != '/'; slash++)
			;
		if (slash < e) {
			if (wfval_cron_value(f + slash + 1, e - slash - 1, NULL,
			        0, &step) != 0 ||
			    step < 1) {
				snprintf(buf, bsz,
				    "step of \"%.*s\" must be a positive "
				    "number",
				    (int)(e - s), f + s);
				return buf;
			}
		}
		if (slash - s == 1 && f[s] == '*') {
			a = lo;
			b = hi;
		} else {
			for (dash = s; dash < slash && f[dash] != '-'; dash++)
				;
			if (wfval_cron_value(
			        f + s, dash - s, names, base, &a) != 0 ||
			    (dash < slash &&
			        wfval_cron_value(f + dash + 1, slash - dash - 1,
			            names, base, &b) != 0)) {
				snprintf(buf, bsz, "\"%.*s\" is not a value",
				    (int)(e - s), f + s);
				return buf;
			}
			if (dash == slash)
				b = a;
			if (a < lo || a > hi || b < lo || b > hi) {
				snprintf(buf, bsz,
				    "\"%.*s\" is outside %ld-%ld", (int)(e - s),
				    f + s, lo, hi);
				return buf;
			}
			if (a > b) {
				snprintf(buf, bsz,
				    "range \"%.*s\" starts after its end",
				    (int)(e - s), f + s);
				return buf;
			}
		}
		s = e + 1;
	}
	return NULL;
}

static void
wfval_check_cron(struct wfval_ctx *c, const struct wfval_node *n)
{
	static const struct {
		const char *name;
		long lo, hi;
		const char *const *names;
		int base;
	} fields[5] = {
	    {"minute", 0, 59, NULL, 0},
	    {"hour", 0, 23, NULL, 0},
	    {"day of month", 1, 31, NULL, 0},
	    {"month", 1, 12, wfval_months, 1},
	    {"day of week", 0, 6, wfval_days, 0},
	};
	struct wfval_quote q;
	size_t i = 0, nf = 0, fs[6], fe[6];
	const char *why;
	char buf[160];

	if (n == NULL || n->kind != WFVAL_SCALAR || wfval_is_null(n)) {
		wfval_diag(c, n, WF_SEV_ERROR, "events",
		    "\"cron\" must be a string of 5 fields like \"30 5 * * "
		    "1\"");
		return;
	}
	while (i < n->len) {
		while (i < n->len && (n->str[i] == ' ' || n->str[i] == '\t'))
			i++;
		if (i == n->len)
			break;
		if (nf < 6)
			fs[nf] = i;
		while (i < n->len && n->str[i] != ' ' && n->str[i] != '\t')
			i++;
		if (nf < 6)
			fe[nf] = i;
		nf++;
	}
	if (nf != 5) {
		wfval_diag(c, n, WF_SEV_ERROR, "events",
		    "invalid CRON format \"%s\" in schedule event: expected "
		    "exactly 5 fields (minute hour day month weekday), found "
		    "%zu",
		    wfval_q(&q, n), nf);
		return;
	}
	for (i = 0; i < 5; i++) {
		why = wfval_cron_field(n->str + fs[i], fe[i] - fs[i],
		    fields[i].lo, fields[i].hi, fields[i].names, fields[i].base,
		    buf, sizeof(buf));
		if (why != NULL) {
			wfval_diag(c, n, WF_SEV_ERROR, "events",
			    "invalid CRON format \"%s\" in schedule event: "
			    "%s field: %s",
			    wfval_q(&q, n), fields[i].name, why);
			return;
		}
	}
}

/* ---------------------------------------------------------------- events */

static void
wfval_check_schedule(
    struct wfval_ctx *c, const struct wfval_node *k, const struct wfval_node *v)
{
	const struct wfval_node *item, *cron;
	size_t i;

	if (v == NULL || v->kind != WFVAL_SEQ || v->nkids == 0) {
		wfval_diag(c, v && !wfval_is_null(v) ? v : k, WF_SEV_ERROR,
		    "events",
		    "\"schedule\" must be a non-empty sequence of mappings "
		    "like \"- cron: '30 5 * * 1'\"");
		return;
	}
	for (i = 0; i < v->nkids; i++) {
		item = v->kids[i];
		if (item->kind != WFVAL_MAP || item->nkids != 2 ||
		    !wfval_is(item->kids[0], "cron")) {
			wfval_diag(c, item, WF_SEV_ERROR, "events",
			    "element of \"schedule\" must be a mapping with "
			    "the one key \"cron\"");
			continue;
		}
		cron = item->kids[1];
		wfval_check_cron(c, cron);
	}
}

static void
wfval_check_dispatch(
    struct wfval_ctx *c, const struct wfval_node *k, const struct wfval_node *v)
{
	static const char *const keys[] = {"inputs", NULL};
	const struct wfval_node *inputs, *in, *ty, *opts, *def, *tk;
	struct wfval_quote q, q2;
	size_t i, j;
	int found;

	if (!wfval_want_map(c, v, k, "workflow_dispatch", 1, "syntax-check"))
		return;
	wfval_check_keys(c, v, keys, "workflow_dispatch");
	inputs = wfval_get(v, "inputs", NULL);
	if (!wfval_want_map(c, inputs, k, "inputs", 1, "events"))
		return;
	for (i = 0; i + 1 < inputs->nkids; i += 2) {
		in = inputs->kids[i + 1];
		if (!wfval_want_map(
		        c, in, inputs->kids[i], "input", 1, "events"))
			continue;
		wfval_check_keys(c, in, wfval_dispatch_input_keys, "inputs");
		ty = wfval_get(in, "type", &tk);
		if (ty != NULL && !wfval_in_list(ty, wfval_dispatch_types)) {
			wfval_diag(c, ty, WF_SEV_ERROR, "events",
			    "input type of workflow_dispatch event must be one "
			    "of \"string\", \"boolean\", \"choice\", "
			    "\"number\", \"environment\", not \"%s\"",
			    wfval_q(&q, ty));
		}
		if (wfval_has(in, "required"))
			wfval_want_bool(
			    c, wfval_get(in, "required", NULL), in, "required");
		if (wfval_has(in, "description"))
			wfval_want_scalar(c, wfval_get(in, "description", NULL),
			    in, "description", 1);
		def = wfval_get(in, "default", NULL);
		if (wfval_has(in, "default"))
			wfval_want_scalar(c, def, in, "default", 1);
		opts = wfval_get(in, "options", NULL);
		if (wfval_has(in, "options")) {
			if (opts == NULL || opts->kind != WFVAL_SEQ ||
			    opts->nkids == 0) {
				wfval_diag(c,
				    opts && !wfval_is_null(opts) ? opts : in,
				    WF_SEV_ERROR, "events",
				    "\"options\" of input \"%s\" must be a "
				    "non-empty sequence of strings",
				    wfval_q(&q, inputs->kids[i]));
				opts = NULL;
			} else {
				wfval_want_strings(c, opts, in, "options");
			}
		}
		if (!wfval_is(ty, "choice"))
			continue;
		if (opts == NULL) {
			if (!wfval_has(in, "options"))
				wfval_diag(c, inputs->kids[i], WF_SEV_ERROR,
				    "events",
				    "input \"%s\" is of type \"choice\" but "
				    "has no \"options\": list the choices",
				    wfval_q(&q, inputs->kids[i]));
			continue;
		}
		if (!wfval_is_scalar(def))
			continue;
		for (j = 0, found = 0; j < opts->nkids && !found; j++)
			found =
			    opts->kids[j]->kind == WFVAL_SCALAR &&
			    opts->kids[j]->len == def->len &&
			    memcmp(opts->kids[j]->str, def->str, def->len) == 0;
		if (!found)
			wfval_diag(c, def, WF_SEV_ERROR, "events",
			    "default \"%s\" of input \"%s\" is not one of "
			    "its options: add it to \"options\" or change it",
			    wfval_q(&q, def), wfval_q(&q2, inputs->kids[i]));
	}
}

static void
wfval_check_call(
    struct wfval_ctx *c, const struct wfval_node *k, const struct wfval_node *v)
{
	const struct wfval_node *sec, *in, *ty;
	struct wfval_quote q;
	size_t i;

	if (!wfval_want_map(c, v, k, "workflow_call", 1, "syntax-check"))
		return;
	wfval_check_keys(c, v, wfval_call_keys, "workflow_call");
	sec = wfval_get(v, "inputs", NULL);
	if (wfval_want_map(c, sec, v, "inputs", 1, "syntax-check")) {
		for (i = 0; i + 1 < sec->nkids; i += 2) {
			in = sec->kids[i + 1];
			if (!wfval_want_map(c, in, sec->kids[i], "input", 0,
			        "syntax-check"))
				continue;
			wfval_check_keys(c, in, wfval_call_input_keys,
			    "inputs at workflow_call event");
			ty = wfval_get(in, "type", NULL);
			if (ty == NULL)
				wfval_diag(c, sec->kids[i], WF_SEV_ERROR,
				    "syntax-check",
				    "\"type\" is missing at \"%s\" input of "
				    "workflow_call event: add boolean, number "
				    "or string",
				    wfval_q(&q, sec->kids[i]));
			else if (!wfval_in_list(ty, wfval_call_types))
				wfval_diag(c, ty, WF_SEV_ERROR, "syntax-check",
				    "input type of workflow_call event must "
				    "be one of \"boolean\", \"number\", "
				    "\"string\", not \"%s\"",
				    wfval_q(&q, ty));
			if (wfval_has(in, "required"))
				wfval_want_bool(c,
				    wfval_get(in, "required", NULL), in,
				    "required");
		}
	}
	sec = wfval_get(v, "secrets", NULL);
	if (wfval_want_map(c, sec, v, "secrets", 1, "syntax-check"))
		for (i = 0; i + 1 < sec->nkids; i += 2)
			if (wfval_want_map(c, sec->kids[i + 1], sec->kids[i],
			        "secret", 1, "syntax-check"))
				wfval_check_keys(c, sec->kids[i + 1],
				    wfval_call_secret_keys,
				    "secrets at workflow_call event");
	sec = wfval_get(v, "outputs", NULL);
	if (wfval_want_map(c, sec, v, "outputs", 1, "syntax-check"))
		for (i = 0; i + 1 < sec->nkids; i += 2)
			if (wfval_want_map(c, sec->kids[i + 1], sec->kids[i],
			        "output", 0, "syntax-check"))
				wfval_check_keys(c, sec->kids[i + 1],
				    wfval_call_output_keys,
				    "outputs at workflow_call event");
}

static void
wfval_check_webhook(
    struct wfval_ctx *c, const struct wfval_node *k, const struct wfval_node *v)
{
	static const char *const rd_keys[] = {"types", NULL};
	static const char *const iv_keys[] = {"names", "versions", NULL};
	static const char *const pairs[] = {"branches", "branches-ignore",
	    "tags", "tags-ignore", "paths", "paths-ignore", NULL};
	const char *const *keys = wfval_filter_keys;
	const struct wfval_node *ik;
	struct wfval_quote q;
	char what[WFVAL_QUOTE_MAX * 4 + 8];
	size_t i;

	snprintf(what, sizeof(what), "%s", wfval_q(&q, k));
	if (!wfval_want_map(c, v, k, what, 1, "syntax-check"))
		return;
	if (wfval_is(k, "repository_dispatch"))
		keys = rd_keys;
	else if (wfval_is(k, "image_version"))
		keys = iv_keys;
	wfval_check_keys(c, v, keys, what);
	for (i = 0; pairs[i] != NULL; i += 2) {
		wfval_get(v, pairs[i + 1], &ik);
		if (ik != NULL && wfval_has(v, pairs[i]))
			wfval_diag(c, ik, WF_SEV_ERROR, "events",
			    "\"%s\" and \"%s\" cannot both filter event "
			    "\"%s\": keep one (a \"!\" pattern in %s "
			    "excludes)",
			    pairs[i], pairs[i + 1], what, pairs[i]);
	}
	for (i = 0; i + 1 < v->nkids; i += 2)
		if (wfval_in_list(v->kids[i], keys))
			wfval_want_strings(
			    c, v->kids[i + 1], v->kids[i], v->kids[i]->str);
}

static int
wfval_event_name(struct wfval_ctx *c, const struct wfval_node *n)
{
	struct wfval_quote q;

	if (n == NULL || n->kind != WFVAL_SCALAR || wfval_is_null(n)) {
		wfval_diag(c, n, WF_SEV_ERROR, "syntax-check",
		    "event name must be a string, not a %s node",
		    wfval_is_null(n) ? "null" : wfval_kind_name(n));
		return 0;
	}
	if (wfval_in_list(n, gh_events))
		return 1;
	wfval_diag(c, n, WF_SEV_ERROR, "events",
	    "unknown Webhook event \"%s\": use a workflow trigger such as "
	    "push, pull_request, schedule or workflow_dispatch",
	    wfval_q(&q, n));
	return 0;
}

static void
wfval_check_on(struct wfval_ctx *c, const struct wfval_node *k,
    const struct wfval_node *on)
{
	const struct wfval_node *ek, *ev;
	size_t i;

	if (wfval_is_null(on) || (on->kind != WFVAL_SCALAR && on->nkids == 0)) {
		wfval_diag(c, on && !wfval_is_null(on) ? on : k, WF_SEV_ERROR,
		    "syntax-check",
		    "\"on\" section should not be empty: name the events "
		    "that trigger this workflow");
		return;
	}
	if (on->kind == WFVAL_SCALAR) {
		wfval_event_name(c, on);
		return;
	}
	if (on->kind == WFVAL_SEQ) {
		for (i = 0; i < on->nkids; i++)
			wfval_event_name(c, on->kids[i]);
		return;
	}
	for (i = 0; i + 1 < on->nkids; i += 2) {
		ek = on->kids[i];
		ev = on->kids[i + 1];
		if (!wfval_event_name(c, ek))
			continue;
		if (wfval_is(ek, "schedule"))
			wfval_check_schedule(c, ek, ev);
		else if (wfval_is(ek, "workflow_dispatch"))
			wfval_check_dispatch(c, ek, ev);
		else if (wfval_is(ek, "workflow_call"))
			wfval_check_call(c, ek, ev);
		else
			wfval_check_webhook(c, ek, ev);
	}
}

/* ---------------------------------------------------------------- sections */

static void
wfval_check_env(struct wfval_ctx *c, const struct wfval_node *k,
    const struct wfval_node *env, int expr_ok)
{
	struct wfval_quote q;
	size_t i;

	if (expr_ok && wfval_is_expr(env))
		return;
	if (!wfval_want_map(c, env, k, "env", 1, "syntax-check"))
		return;
	for (i = 0; i + 1 < env->nkids; i += 2)
		if (env->kids[i + 1]->kind != WFVAL_SCALAR)
			wfval_diag(c, env->kids[i + 1], WF_SEV_ERROR,
			    "syntax-check",
			    "env var \"%s\" is a %s node but must be a "
			    "string, number or boolean",
			    wfval_q(&q, env->kids[i]),
			    wfval_kind_name(env->kids[i + 1]));
}

static void
wfval_check_defaults(
    struct wfval_ctx *c, const struct wfval_node *k, const struct wfval_node *d)
{
	const struct wfval_node *run, *rk;
	size_t i;

	if (!wfval_want_map(c, d, k, "defaults", 0, "syntax-check"))
		return;
	wfval_check_keys(c, d, wfval_defaults_keys, "defaults");
	run = wfval_get(d, "run", &rk);
	if (rk == NULL || !wfval_want_map(c, run, rk, "run", 0, "syntax-check"))
		return;
	wfval_check_keys(c, run, wfval_run_keys, "run");
	for (i = 0; i + 1 < run->nkids; i += 2)
		wfval_want_scalar(
		    c, run->kids[i + 1], run->kids[i], run->kids[i]->str, 0);
}

static void
wfval_check_scalar_or_map(struct wfval_ctx *c, const struct wfval_node *k,
    const struct wfval_node *v, const char *const *keys, const char *what)
{
	if (v != NULL && v->kind == WFVAL_SCALAR && !wfval_is_null(v))
		return;
	if (wfval_want_map(c, v, k, what, 0, "syntax-check"))
		wfval_check_keys(c, v, keys, what);
}

/*
 * read-all, write-all, or scope: read|write|none. An unknown scope is lint
 * (GitHub adds scopes); an unknown level is an error.
 */
static void
wfval_check_permissions(
    struct wfval_ctx *c, const struct wfval_node *k, const struct wfval_node *v)
{
	const struct wfval_node *sk, *sv;
	struct wfval_quote q, q2;
	size_t i;

	if (v != NULL && v->kind == WFVAL_SCALAR && !wfval_is_null(v)) {
		if (!wfval_in_list(v, gh_permission_all))
			wfval_diag(c, v, WF_SEV_ERROR, "permissions",
			    "\"%s\" is not a permission: write read-all, "
			    "write-all, or a mapping of scopes like "
			    "\"contents: read\"",
			    wfval_q(&q, v));
		return;
	}
	if (!wfval_want_map(c, v, k, "permissions", 0, "syntax-check"))
		return;
	for (i = 0; i + 1 < v->nkids; i += 2) {
		sk = v->kids[i];
		sv = v->kids[i + 1];
		if (sk->kind == WFVAL_SCALAR &&
		    !wfval_in_list(sk, gh_permission_scopes))
			wfval_diag(c, sk, WF_SEV_LINT, "permissions",
			    "unknown permission scope \"%s\" (lint: GitHub "
			    "may know a newer scope; known: actions, "
			    "attestations, checks, contents, deployments, "
			    "discussions, id-token, issues, models, packages, "
			    "pages, pull-requests, repository-projects, "
			    "security-events, statuses)",
			    wfval_q(&q, sk));
		if (sv->kind != WFVAL_SCALAR || wfval_is_null(sv)) {
			wfval_want_scalar(c, sv, sk, "permissions", 0);
			continue;
		}
		if (!wfval_in_list(sv, gh_permission_levels))
			wfval_diag(c, sv, WF_SEV_ERROR, "permissions",
			    "permission \"%s\" of scope \"%s\" must be read, "
			    "write or none",
			    wfval_q(&q, sv), wfval_q(&q2, sk));
	}
}

static void
wfval_check_container(struct wfval_ctx *c, const struct wfval_node *k,
    const struct wfval_node *v, const char *what)
{
	if (v != NULL && v->kind == WFVAL_SCALAR && !wfval_is_null(v))
		return;
	if (!wfval_want_map(c, v, k, what, 0, "syntax-check"))
		return;
	wfval_check_keys(c, v, wfval_container_keys, what);
	if (wfval_has(v, "env"))
		wfval_check_env(c, v, wfval_get(v, "env", NULL), 0);
}

/* Every key of an exclude row must be a variable of the matrix. */
static void
wfval_check_exclude(struct wfval_ctx *c, const struct wfval_node *m)
{
	const struct wfval_node *ex = wfval_get(m, "exclude", NULL), *row, *key;
	struct wfval_quote q;
	size_t i, j;

	if (ex == NULL || ex->kind != WFVAL_SEQ)
		return;
	for (i = 0; i < ex->nkids; i++) {
		row = ex->kids[i];
		if (row->kind != WFVAL_MAP)
			continue;
		for (j = 0; j + 1 < row->nkids; j += 2) {
			key = row->kids[j];
			if (key->kind != WFVAL_SCALAR || wfval_has_expr(key) ||
			    (wfval_has(m, key->str) &&
			        !wfval_is(key, "include") &&
			        !wfval_is(key, "exclude")))
				continue;
			wfval_diag(c, key, WF_SEV_ERROR, "matrix",
			    "matrix exclude key \"%s\" is not a variable of "
			    "the matrix: add it to the matrix or remove it "
			    "from exclude",
			    wfval_q(&q, key));
		}
	}
}

static void
wfval_check_strategy(
    struct wfval_ctx *c, const struct wfval_node *k, const struct wfval_node *s)
{
	const struct wfval_node *m, *mk, *row, *key, *val;
	struct wfval_quote q;
	size_t i, j;

	if (!wfval_want_map(c, s, k, "strategy", 0, "syntax-check"))
		return;
	wfval_check_keys(c, s, wfval_strategy_keys, "strategy");
	if (wfval_has(s, "fail-fast"))
		wfval_want_bool(
		    c, wfval_get(s, "fail-fast", NULL), s, "fail-fast");
	if (wfval_has(s, "max-parallel"))
		wfval_want_number(
		    c, wfval_get(s, "max-parallel", NULL), s, "max-parallel");
	m = wfval_get(s, "matrix", &mk);
	if (mk == NULL || wfval_is_expr(m))
		return;
	if (m == NULL || m->kind != WFVAL_MAP || m->nkids == 0) {
		wfval_diag(c, m && !wfval_is_null(m) ? m : mk, WF_SEV_ERROR,
		    "matrix",
		    "\"matrix\" must be a non-empty mapping or a ${{ }} "
		    "expression, not a %s node: list its variables",
		    wfval_is_null(m) ? "null" : wfval_kind_name(m));
		return;
	}
	for (i = 0; i + 1 < m->nkids; i += 2) {
		key = m->kids[i];
		val = m->kids[i + 1];
		if (wfval_is_expr(val))
			continue;
		if (wfval_is(key, "include") || wfval_is(key, "exclude")) {
			if (val->kind != WFVAL_SEQ) {
				wfval_diag(c, val, WF_SEV_ERROR, "matrix",
				    "\"%s\" must be a sequence of mappings, "
				    "not a %s node",
				    key->str, wfval_kind_name(val));
				continue;
			}
			for (j = 0; j < val->nkids; j++) {
				row = val->kids[j];
				if (row->kind != WFVAL_MAP &&
				    !wfval_is_expr(row))
					wfval_diag(c, row, WF_SEV_ERROR,
					    "matrix",
					    "element of \"%s\" must be a "
					    "mapping, not a %s node",
					    key->str, wfval_kind_name(row));
			}
			continue;
		}
		if (val->kind != WFVAL_SEQ || val->nkids == 0)
			wfval_diag(c, val->kind == WFVAL_SEQ ? val : val,
			    WF_SEV_ERROR, "matrix",
			    "matrix value \"%s\" must be a non-empty "
			    "sequence or a ${{ }} expression, not a %s node: "
			    "write [a, b]",
			    wfval_q(&q, key),
			    val->kind == WFVAL_SEQ ? "empty sequence"
			                           : wfval_kind_name(val));
	}
	wfval_check_exclude(c, m);
}

static int
wfval_valid_id(const struct wfval_node *n)
{
	size_t i;
	char ch;

	if (n == NULL || n->kind != WFVAL_SCALAR || n->len == 0)
		return 0;
	for (i = 0; i < n->len; i++) {
		ch = n->str[i];
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    ch == '_')
			continue;
		if (i > 0 && ((ch >= '0' && ch <= '9') || ch == '-'))
			continue;
		return 0;
	}
	return 1;
}

static void wfval_check_step(
    struct wfval_ctx *c, const struct wfval_node *st);
static void wfval_check_if(struct wfval_ctx *c, const struct wfval_node *n);

/* Bytes of s[0..n) before the first ch, or n. */
static size_t
wfval_span(const char *s, size_t n, char ch)
{
	const char *p = memchr(s, ch, n);

	return p == NULL ? n : (size_t)(p - s);
}

static int
wfval_has_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			return 1;
	return 0;
}

/*
 * "owner/repo[/path]@ref": why it is not, or NULL. min_parts is the
 * number of /-separated parts before "@" (2 for an action, 3 for a
 * reusable workflow: owner/repo/path).
 */
static const char *
wfval_remote_ref(const char *s, size_t n, size_t min_parts)
{
	size_t at = wfval_span(s, n, '@'), i, start = 0, parts = 0;

	if (wfval_has_blank(s, n))
		return "it contains a blank";
	if (at == n)
		return "the @ref is missing";
	if (at + 1 == n)
		return "the ref after @ is empty";
	for (i = 0; i <= at; i++) {
		if (i < at && s[i] != '/')
			continue;
		if (i == start)
			return "a part between / is empty";
		parts++;
		start = i + 1;
	}
	if (parts < min_parts)
		return min_parts == 2 ? "the repository is missing"
		                      : "the workflow path is missing";
	return NULL;
}

/* A step's uses: owner/repo@ref, owner/repo/path@ref, ./path, docker://. */
static void
wfval_check_step_uses(struct wfval_ctx *c, const struct wfval_node *v)
{
	struct wfval_quote q;
	const char *why;

	if (!wfval_is_scalar(v) || wfval_has_expr(v))
		return;
	if (v->len >= 2 && memcmp(v->str, "./", 2) == 0)
		return;
	if (v->len >= 9 && memcmp(v->str, "docker://", 9) == 0) {
		if (v->len == 9 || wfval_has_blank(v->str, v->len))
			wfval_diag(c, v, WF_SEV_ERROR, "action",
			    "\"%s\" names no image: write docker://IMAGE[:TAG]",
			    wfval_q(&q, v));
		return;
	}
	why = wfval_remote_ref(v->str, v->len, 2);
	if (why != NULL)
		wfval_diag(c, v, WF_SEV_ERROR, "action",
		    "invalid action reference \"%s\": %s; write "
		    "owner/repo@ref (e.g. actions/checkout@v4), "
		    "owner/repo/path@ref, ./path or docker://image",
		    wfval_q(&q, v), why);
}

/* A job's uses: owner/repo/path@ref or ./path of a reusable workflow. */
static void
wfval_check_job_uses(struct wfval_ctx *c, const struct wfval_node *v)
{
	struct wfval_quote q;
	const char *why;

	if (!wfval_is_scalar(v) || wfval_has_expr(v))
		return;
	if (v->len >= 2 && memcmp(v->str, "./", 2) == 0)
		return;
	why = wfval_remote_ref(v->str, v->len, 3);
	if (why != NULL)
		wfval_diag(c, v, WF_SEV_ERROR, "workflow-call",
		    "invalid reusable workflow reference \"%s\": %s; write "
		    "owner/repo/.github/workflows/FILE.yml@ref or "
		    "./.github/workflows/FILE.yml",
		    wfval_q(&q, v), why);
}

/* A step whose "parallel" holds a sequence of steps run side by side. */
static void
wfval_check_parallel(struct wfval_ctx *c, const struct wfval_node *st)
{
	const struct wfval_node *p = wfval_get(st, "parallel", NULL), *s;
	size_t i;

	if (wfval_has(st, "run") || wfval_has(st, "uses")) {
		wfval_diag(c, st, WF_SEV_ERROR, "syntax-check",
		    "a \"parallel\" step cannot have \"run\" or \"uses\": "
		    "move them into the steps it lists");
		return;
	}
	if (p == NULL || p->kind != WFVAL_SEQ || p->nkids == 0) {
		wfval_diag(c, p && !wfval_is_null(p) ? p : st, WF_SEV_ERROR,
		    "syntax-check",
		    "\"parallel\" must be a non-empty sequence of steps");
		return;
	}
	for (i = 0; i < p->nkids; i++) {
		s = p->kids[i];
		if (s->kind != WFVAL_MAP) {
			wfval_diag(c, s, WF_SEV_ERROR, "syntax-check",
			    "element of \"parallel\" is a %s node but must be "
			    "a step mapping with \"run\" or \"uses\"",
			    wfval_is_null(s) ? "null" : wfval_kind_name(s));
			continue;
		}
		wfval_check_step(c, s);
	}
}

static void
wfval_check_step(struct wfval_ctx *c, const struct wfval_node *st)
{
	const struct wfval_node *run, *uses, *v, *k;
	struct wfval_quote q;
	size_t i;

	wfval_check_keys(c, st, wfval_step_keys, "step");
	run = wfval_get(st, "run", NULL);
	uses = wfval_get(st, "uses", NULL);
	if (wfval_has(st, "parallel")) {
		wfval_check_parallel(c, st);
	} else if (wfval_has(st, "run") && wfval_has(st, "uses")) {
		wfval_diag(c, st, WF_SEV_ERROR, "syntax-check",
		    "step has both \"run\" and \"uses\": keep one, or split it "
		    "into two steps");
	} else if (!wfval_has(st, "run") && !wfval_has(st, "uses")) {
		wfval_diag(c, st, WF_SEV_ERROR, "syntax-check",
		    "step must run a script with \"run\" or an action with "
		    "\"uses\": add one of them");
	} else if (wfval_has(st, "run")) {
		wfval_want_scalar(c, run, st, "run", 0);
		if (wfval_has(st, "with"))
			wfval_diag(c,
			    wfval_get(st, "with", NULL)
			        ? wfval_get(st, "with", NULL)
			        : st,
			    WF_SEV_ERROR, "syntax-check",
			    "a \"run\" step cannot have \"with\" (it is for "
			    "actions): use env instead");
	} else {
		wfval_want_scalar(c, uses, st, "uses", 0);
		wfval_check_step_uses(c, uses);
		for (i = 0; i + 1 < st->nkids; i += 2) {
			k = st->kids[i];
			if (wfval_is(k, "shell") ||
			    wfval_is(k, "working-directory"))
				wfval_diag(c, k, WF_SEV_ERROR, "syntax-check",
				    "a \"uses\" step cannot have \"%s\" (it "
				    "is for run steps): remove it",
				    k->str);
		}
	}
	for (i = 0; i + 1 < st->nkids; i += 2) {
		k = st->kids[i];
		v = st->kids[i + 1];
		if (wfval_is(k, "id")) {
			if (!wfval_valid_id(v))
				wfval_diag(c, v, WF_SEV_ERROR, "id",
				    "invalid step ID \"%s\": an ID starts "
				    "with a letter or _ and holds only "
				    "letters, digits, - and _",
				    wfval_q(&q, v));
		} else if (wfval_is(k, "name") || wfval_is(k, "shell") ||
		           wfval_is(k, "working-directory") ||
		           wfval_is(k, "if")) {
			wfval_want_scalar(c, v, k, k->str, 0);
			if (wfval_is(k, "if"))
				wfval_check_if(c, v);
		} else if (wfval_is(k, "env")) {
			wfval_check_env(c, k, v, 1);
		} else if (wfval_is(k, "with")) {
			if (!wfval_want_map(c, v, k, "with", 1, "syntax-check"))
				continue;
			for (size_t j = 0; j + 1 < v->nkids; j += 2)
				wfval_want_scalar(
				    c, v->kids[j + 1], v->kids[j], "with", 1);
		} else if (wfval_is(k, "continue-on-error")) {
			wfval_want_bool(c, v, k, "continue-on-error");
		} else if (wfval_is(k, "timeout-minutes")) {
			wfval_want_number(c, v, k, "timeout-minutes");
		}
	}
}

static void
wfval_check_steps(struct wfval_ctx *c, const struct wfval_node *k,
    const struct wfval_node *steps)
{
	const struct wfval_node *st, *id;
	struct wfval_keyref *refs;
	struct wfval_quote q;
	size_t i, j, nrefs = 0;

	if (steps == NULL || steps->kind != WFVAL_SEQ || steps->nkids == 0) {
		wfval_diag(c, steps && !wfval_is_null(steps) ? steps : k,
		    WF_SEV_ERROR, "syntax-check",
		    "\"steps\" must be a non-empty sequence, not a %s node",
		    steps && steps->kind == WFVAL_SEQ ? "empty sequence"
		    : wfval_is_null(steps)            ? "null"
		                                      : wfval_kind_name(steps));
		return;
	}
	refs = calloc(steps->nkids, sizeof(*refs));
	if (refs == NULL)
		c->oom = 1;
	for (i = 0; i < steps->nkids; i++) {
		st = steps->kids[i];
		if (st->kind != WFVAL_MAP) {
			wfval_diag(c, st, WF_SEV_ERROR, "syntax-check",
			    "element of \"steps\" is a %s node but must be a "
			    "mapping with \"run\" or \"uses\"",
			    wfval_is_null(st) ? "null" : wfval_kind_name(st));
			continue;
		}
		wfval_check_step(c, st);
		id = wfval_get(st, "id", NULL);
		if (wfval_is_scalar(id) && refs != NULL) {
			refs[nrefs].key = id;
			refs[nrefs].pair = i;
			nrefs++;
		}
	}
	if (refs == NULL)
		return;
	/* Sorted by id then position: each later twin names the first. */
	qsort(refs, nrefs, sizeof(*refs), wfval_keyref_cmp);
	for (i = 1, j = 0; i < nrefs; i++) {
		if (wfval_casecmp(refs[j].key->str, refs[j].key->len,
		        refs[i].key->str, refs[i].key->len) != 0) {
			j = i;
			continue;
		}
		wfval_diag(c, refs[i].key, WF_SEV_ERROR, "id",
		    "step ID \"%s\" duplicates the step at line:%u,col:%u: "
		    "step IDs must be unique in a job",
		    wfval_q(&q, refs[i].key), refs[j].key->line,
		    refs[j].key->col);
	}
	free(refs);
}

static void
wfval_check_runs_on(
    struct wfval_ctx *c, const struct wfval_node *k, const struct wfval_node *v)
{
	if (v != NULL && v->kind == WFVAL_MAP) {
		wfval_check_keys(c, v, wfval_runs_on_keys, "runs-on");
		if (wfval_has(v, "group"))
			wfval_want_scalar(
			    c, wfval_get(v, "group", NULL), v, "group", 0);
		if (wfval_has(v, "labels"))
			wfval_want_strings(
			    c, wfval_get(v, "labels", NULL), v, "labels");
		return;
	}
	if (v != NULL && v->kind == WFVAL_SEQ && v->nkids == 0) {
		wfval_diag(c, v, WF_SEV_ERROR, "syntax-check",
		    "\"runs-on\" must name at least one runner label");
		return;
	}
	wfval_want_strings(c, v, k, "runs-on");
}

static void
wfval_check_job(struct wfval_ctx *c, const struct wfval_node *idk,
    const struct wfval_node *job)
{
	static const char *const not_with_uses[] = {"runs-on", "steps",
	    "container", "services", "env", "defaults", "timeout-minutes",
	    "continue-on-error", "environment", NULL};
	const struct wfval_node *k, *v, *uk;
	struct wfval_quote q;
	size_t i;
	int calls;

	wfval_check_keys(c, job, wfval_job_keys, "job");
	wfval_get(job, "uses", &uk);
	calls = uk != NULL;
	if (!calls && !wfval_has(job, "runs-on"))
		wfval_diag(c, idk, WF_SEV_ERROR, "syntax-check",
		    "\"runs-on\" section is missing in job \"%s\": add "
		    "runs-on (e.g. ubuntu-latest), or uses for a reusable "
		    "workflow",
		    wfval_q(&q, idk));
	if (!calls && !wfval_has(job, "steps"))
		wfval_diag(c, idk, WF_SEV_ERROR, "syntax-check",
		    "\"steps\" section is missing in job \"%s\": add the "
		    "steps to run",
		    wfval_q(&q, idk));
	for (i = 0; i + 1 < job->nkids; i += 2) {
		k = job->kids[i];
		v = job->kids[i + 1];
		if (calls && wfval_in_list(k, not_with_uses)) {
			wfval_diag(c, k, WF_SEV_ERROR, "syntax-check",
			    "\"%s\" is not available in job \"%s\", which "
			    "calls a reusable workflow with \"uses\": remove "
			    "it",
			    k->str, wfval_q(&q, idk));
			continue;
		}
		if (!calls && (wfval_is(k, "with") || wfval_is(k, "secrets"))) {
			wfval_diag(c, k, WF_SEV_ERROR, "syntax-check",
			    "\"%s\" is only for a job that calls a reusable "
			    "workflow with \"uses\": remove it or add uses",
			    k->str);
			continue;
		}
		if (wfval_is(k, "uses") || wfval_is(k, "name") ||
		    wfval_is(k, "if")) {
			wfval_want_scalar(c, v, k, k->str, 0);
			if (wfval_is(k, "if"))
				wfval_check_if(c, v);
			else if (wfval_is(k, "uses"))
				wfval_check_job_uses(c, v);
		} else if (wfval_is(k, "runs-on"))
			wfval_check_runs_on(c, k, v);
		else if (wfval_is(k, "needs"))
			wfval_want_strings(c, v, k, "needs");
		else if (wfval_is(k, "steps"))
			wfval_check_steps(c, k, v);
		else if (wfval_is(k, "env"))
			wfval_check_env(c, k, v, 1);
		else if (wfval_is(k, "defaults"))
			wfval_check_defaults(c, k, v);
		else if (wfval_is(k, "timeout-minutes"))
			wfval_want_number(c, v, k, "timeout-minutes");
		else if (wfval_is(k, "continue-on-error"))
			wfval_want_bool(c, v, k, "continue-on-error");
		else if (wfval_is(k, "strategy"))
			wfval_check_strategy(c, k, v);
		else if (wfval_is(k, "container"))
			wfval_check_container(c, k, v, "container");
		else if (wfval_is(k, "services")) {
			if (wfval_want_map(
			        c, v, k, "services", 0, "syntax-check"))
				for (size_t j = 0; j + 1 < v->nkids; j += 2)
					wfval_check_container(c, v->kids[j],
					    v->kids[j + 1], "services");
		} else if (wfval_is(k, "outputs")) {
			if (wfval_want_map(
			        c, v, k, "outputs", 0, "syntax-check"))
				for (size_t j = 0; j + 1 < v->nkids; j += 2)
					wfval_want_scalar(c, v->kids[j + 1],
					    v->kids[j], "outputs", 0);
		} else if (wfval_is(k, "environment"))
			wfval_check_scalar_or_map(
			    c, k, v, wfval_environment_keys, "environment");
		else if (wfval_is(k, "concurrency"))
			wfval_check_scalar_or_map(
			    c, k, v, wfval_concurrency_keys, "concurrency");
		else if (wfval_is(k, "permissions"))
			wfval_check_permissions(c, k, v);
		else if (wfval_is(k, "with")) {
			if (wfval_want_map(c, v, k, "with", 1, "syntax-check"))
				for (size_t j = 0; j + 1 < v->nkids; j += 2)
					wfval_want_scalar(c, v->kids[j + 1],
					    v->kids[j], "with", 1);
		} else if (wfval_is(k, "secrets")) {
			if (!wfval_is(v, "inherit") &&
			    wfval_want_map(
			        c, v, k, "secrets", 1, "syntax-check"))
				for (size_t j = 0; j + 1 < v->nkids; j += 2)
					wfval_want_scalar(c, v->kids[j + 1],
					    v->kids[j], "secrets", 0);
		}
	}
}

/* ---------------------------------------------------------------- needs */

struct wfval_graph {
	const struct wfval_node **ids;   /* job id key nodes */
	const struct wfval_node **needs; /* each job's needs node */
	size_t n;
	size_t *edges; /* flattened: job i depends on edges[off[i]..off[i+1]) */
	size_t *off;
	struct wfval_keyref *sorted; /* ids sorted for lookup */
};

static size_t
wfval_job_index(const struct wfval_graph *g, const struct wfval_node *name)
{
	size_t lo = 0, hi = g->n, mid;
	int r;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = wfval_casecmp(g->sorted[mid].key->str,
		    g->sorted[mid].key->len, name->str, name->len);
		if (r == 0)
			return g->sorted[mid].pair;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

static void
wfval_report_cycle(
    struct wfval_ctx *c, struct wfval_graph *g, const char *resolved)
{
	struct wfval_quote q;
	size_t *order, cur, j, steps = 0, start, len;
	size_t *seen_at;
	char msg[WFVAL_CYCLE_NAMES * (WFVAL_QUOTE_MAX + 8) + 32];
	size_t o = 0, i;

	for (cur = 0; cur < g->n && resolved[cur]; cur++)
		;
	if (cur == g->n)
		return;
	order = calloc(g->n + 1, sizeof(*order));
	seen_at = malloc(g->n * sizeof(*seen_at));
	if (order == NULL || seen_at == NULL) {
		free(order);
		free(seen_at);
		c->oom = 1;
		return;
	}
	for (i = 0; i < g->n; i++)
		seen_at[i] = SIZE_MAX;
	/* Every unresolved job waits on another unresolved one, so this
	 * walk must come back to a job it has seen: that loop is a cycle. */
	while (seen_at[cur] == SIZE_MAX) {
		seen_at[cur] = steps;
		order[steps++] = cur;
		for (j = g->off[cur]; j < g->off[cur + 1]; j++)
			if (!resolved[g->edges[j]])
				break;
		if (j == g->off[cur + 1])
			break;
		cur = g->edges[j];
	}
	start = seen_at[cur];
	len = steps - start;
	for (i = 0; i <= len && o + WFVAL_QUOTE_MAX + 16 < sizeof(msg); i++) {
		if (i == WFVAL_CYCLE_NAMES) {
			o += (size_t)snprintf(
			    msg + o, sizeof(msg) - o, " -> ...");
			break;
		}
		o += (size_t)snprintf(msg + o, sizeof(msg) - o, "%s\"%s\"",
		    i ? " -> " : "",
		    wfval_q(&q, g->ids[order[start + (i % len)]]));
	}
	cur = order[start];
	wfval_diag(c, g->needs[cur] ? g->needs[cur] : g->ids[cur], WF_SEV_ERROR,
	    "job-needs",
	    "cyclic dependencies in \"needs\" job configurations are "
	    "detected. detected cycle is %s: break the cycle",
	    msg);
	free(order);
	free(seen_at);
}

static void
wfval_check_needs(struct wfval_ctx *c, const struct wfval_node *jobs)
{
	struct wfval_graph g = {0};
	struct wfval_quote q, q2;
	const struct wfval_node *nd, *name;
	size_t i, j, k, nedges = 0, t, *pending = NULL, *queue = NULL;
	size_t qh = 0, qt = 0, *rev = NULL, *roff = NULL;
	char *resolved = NULL;

	g.n = jobs->nkids / 2;
	g.ids = calloc(g.n + 1, sizeof(*g.ids));
	g.needs = calloc(g.n + 1, sizeof(*g.needs));
	g.off = calloc(g.n + 1, sizeof(*g.off));
	for (i = 0; i < g.n && g.needs != NULL; i++) {
		g.ids[i] = jobs->kids[2 * i];
		nd = wfval_get(jobs->kids[2 * i + 1], "needs", NULL);
		g.needs[i] = nd;
		if (nd != NULL)
			nedges += nd->kind == WFVAL_SEQ ? nd->nkids : 1;
	}
	g.edges = calloc(nedges + 1, sizeof(*g.edges));
	rev = calloc(nedges + 1, sizeof(*rev));
	roff = calloc(g.n + 2, sizeof(*roff));
	g.sorted = calloc(g.n + 1, sizeof(*g.sorted));
	pending = calloc(g.n + 1, sizeof(*pending));
	queue = calloc(g.n + 1, sizeof(*queue));
	resolved = calloc(g.n + 1, 1);
	if (g.ids == NULL || g.needs == NULL || g.off == NULL ||
	    g.edges == NULL || rev == NULL || roff == NULL ||
	    g.sorted == NULL || pending == NULL || queue == NULL ||
	    resolved == NULL) {
		c->oom = 1;
		goto out;
	}
	/* Job ids are unique case-insensitively (duplicates were dropped
	 * when the mapping closed), so a sorted array finds them. */
	for (i = 0; i < g.n; i++) {
		g.sorted[i].key = g.ids[i];
		g.sorted[i].pair = i;
	}
	qsort(g.sorted, g.n, sizeof(*g.sorted), wfval_keyref_cmp);
	for (i = 0, nedges = 0; i < g.n; i++) {
		g.off[i] = nedges;
		nd = g.needs[i];
		if (nd == NULL || wfval_is_null(nd))
			continue;
		for (j = 0; j < (nd->kind == WFVAL_SEQ ? nd->nkids : 1); j++) {
			name = nd->kind == WFVAL_SEQ ? nd->kids[j] : nd;
			if (name->kind != WFVAL_SCALAR)
				continue; /* reported as a type error */
			t = wfval_job_index(&g, name);
			if (t == SIZE_MAX) {
				wfval_diag(c, name, WF_SEV_ERROR, "job-needs",
				    "job \"%s\" needs job \"%s\" which does "
				    "not exist in this workflow: fix the name",
				    wfval_q(&q, g.ids[i]), wfval_q(&q2, name));
				continue;
			}
			if (t == i) {
				wfval_diag(c, name, WF_SEV_ERROR, "job-needs",
				    "job \"%s\" needs itself: remove it from "
				    "its \"needs\"",
				    wfval_q(&q, g.ids[i]));
				continue;
			}
			for (k = g.off[i]; k < nedges && g.edges[k] != t; k++)
				;
			if (k < nedges) { /* needs lists are short */
				wfval_diag(c, name, WF_SEV_ERROR, "job-needs",
				    "job \"%s\" is listed twice in the "
				    "\"needs\" of job \"%s\": remove one",
				    wfval_q(&q, name), wfval_q(&q2, g.ids[i]));
				continue;
			}
			g.edges[nedges++] = t;
		}
	}
	g.off[g.n] = nedges;
	/* Kahn's algorithm on "depends on": whatever stays unresolved is on
	 * a cycle or waits on one. No recursion, so no depth limit. */
	for (i = 0; i < g.n; i++) {
		pending[i] = g.off[i + 1] - g.off[i];
		if (pending[i] == 0)
			queue[qt++] = i;
	}
	/* Reverse edges (who waits on t), by counting sort. */
	for (k = 0; k < nedges; k++)
		roff[g.edges[k] + 2]++;
	for (i = 0; i < g.n; i++)
		roff[i + 2] += roff[i + 1];
	for (i = 0; i < g.n; i++)
		for (k = g.off[i]; k < g.off[i + 1]; k++)
			rev[roff[g.edges[k] + 1]++] = i;
	while (qh < qt) {
		t = queue[qh++];
		resolved[t] = 1;
		for (k = roff[t]; k < roff[t + 1]; k++)
			if (--pending[rev[k]] == 0)
				queue[qt++] = rev[k];
	}
	if (qt < g.n)
		wfval_report_cycle(c, &g, resolved);
out:
	free(g.ids);
	free(g.needs);
	free(g.off);
	free(g.edges);
	free(g.sorted);
	free(rev);
	free(roff);
	free(pending);
	free(queue);
	free(resolved);
}

static void
wfval_check_jobs(struct wfval_ctx *c, const struct wfval_node *k,
    const struct wfval_node *jobs)
{
	const struct wfval_node *id, *job;
	struct wfval_quote q;
	size_t i;

	if (jobs == NULL || jobs->kind != WFVAL_MAP || jobs->nkids == 0) {
		wfval_diag(c, jobs && !wfval_is_null(jobs) ? jobs : k,
		    WF_SEV_ERROR, "syntax-check",
		    "\"jobs\" must be a non-empty mapping of job IDs to jobs, "
		    "not a %s node: add a job",
		    jobs && jobs->kind == WFVAL_MAP ? "empty mapping"
		    : wfval_is_null(jobs)           ? "null"
		                                    : wfval_kind_name(jobs));
		return;
	}
	for (i = 0; i + 1 < jobs->nkids; i += 2) {
		id = jobs->kids[i];
		job = jobs->kids[i + 1];
		if (!wfval_valid_id(id))
			wfval_diag(c, id, WF_SEV_ERROR, "id",
			    "invalid job ID \"%s\": a job ID starts with a "
			    "letter or _ and holds only letters, digits, - "
			    "and _",
			    wfval_q(&q, id));
		if (job->kind != WFVAL_MAP) {
			wfval_diag(c, wfval_is_null(job) ? id : job,
			    WF_SEV_ERROR, "syntax-check",
			    "job \"%s\" is a %s node but must be a mapping",
			    wfval_q(&q, id),
			    wfval_is_null(job) ? "null" : wfval_kind_name(job));
			continue;
		}
		wfval_check_job(c, id, job);
	}
	wfval_check_needs(c, jobs);
}

/* ---------------------------------------------------------------- expressions
 */

/* Byte offset of 1-based character column col of the line at ls. */
static size_t
wfval_src_col(const struct wfval_ctx *c, size_t ls, unsigned col)
{
	size_t i = ls;
	unsigned k = 1;

	while (i < c->len && c->buf[i] != '\n') {
		if (((unsigned char)c->buf[i] & 0xC0) != 0x80) {
			if (k == col)
				return i;
			k++;
		}
		i++;
	}
	return c->len;
}

/*
 * Position of byte off of scalar n in the source. Exact for one-line plain
 * and quoted scalars and for literal blocks; other shapes fold or escape
 * text, so they point at the scalar itself. Returns 1 when exact.
 */
static int
wfval_text_pos(struct wfval_ctx *c, const struct wfval_node *n, size_t off,
    unsigned *line, unsigned *col)
{
	size_t i, nl = 0, ls = 0, sline, src, srclen, vlead, slead, cmp;

	*line = n->line;
	*col = n->col;
	for (i = 0; i < off; i++) {
		if (n->str[i] == '\n') {
			nl++;
			ls = i + 1;
		}
	}
	switch (n->style) {
	case YAML_PLAIN_SCALAR_STYLE:
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		/* Folded lines break the byte-to-column map. */
		if (nl > 0 || n->end_line != n->line)
			return 0;
		wfval_build_lines(c);
		if (c->lines == NULL || n->line > c->nlines)
			return 0;
		/* Escapes shift it: trust the column only if the source
		 * really has the same text there. */
		i = wfval_src_col(c, c->lines[n->line - 1],
		    n->col + (n->style != YAML_PLAIN_SCALAR_STYLE) +
		        (unsigned)wfval_chars(n->str, off));
		cmp = n->len - off < 3 ? n->len - off : 3;
		if (i + cmp > c->len || memcmp(c->buf + i, n->str + off, cmp))
			return 0;
		*col = n->col + (n->style != YAML_PLAIN_SCALAR_STYLE) +
		       (unsigned)wfval_chars(n->str, off);
		return 1;
	case YAML_LITERAL_SCALAR_STYLE:
		wfval_build_lines(c);
		sline = n->line + nl; /* 0-based index of the content line */
		if (c->lines == NULL || sline >= c->nlines)
			return 0;
		src = c->lines[sline];
		srclen =
		    (sline + 1 < c->nlines ? c->lines[sline + 1] : c->len) -
		    src;
		for (slead = 0; slead < srclen && c->buf[src + slead] == ' ';
		     slead++)
			;
		for (vlead = 0;
		     ls + vlead < n->len && n->str[ls + vlead] == ' '; vlead++)
			;
		if (slead < vlead)
			return 0;
		*line = (unsigned)sline + 1;
		*col = (unsigned)(slead - vlead +
		                  wfval_chars(n->str + ls, off - ls)) +
		       1;
		return 1;
	default:
		return 0;
	}
}

/*
 * Check the expression at n->str[off..off+len): on error report it at its
 * faulty token when the position is exact, else at the scalar (or at at,
 * the "${{" it is inside).
 */
static void
wfval_check_expr(struct wfval_ctx *c, const struct wfval_node *n, size_t at,
    size_t off, size_t len)
{
	struct wfexpr_err e;
	unsigned line, col;

	if (wfexpr_check_at(
	        n->str + off, len, n->ctx_allowed, n->ctx_key, &e) == 0)
		return;
	if (!wfval_text_pos(c, n, off + e.off, &line, &col))
		wfval_text_pos(c, n, at, &line, &col);
	wfval_diag_at(c, line, col, WF_SEV_ERROR, "expression",
	    "invalid expression: %s", e.msg);
}

/* An if: condition, where ${{ }} is optional. */
static void
wfval_check_if(struct wfval_ctx *c, const struct wfval_node *n)
{
	if (n == NULL || n->kind != WFVAL_SCALAR || wfval_is_null(n))
		return;
	if (wfval_has_expr(n))
		return; /* checked with the other ${{ }} */
	wfval_check_expr(c, n, 0, 0, n->len);
}

/*
 * Push n on a walk's stack, doubling it when full. On a failed allocation
 * the stack is freed and c->oom set: -1, and the walk ends there.
 */
static int
wfval_push(struct wfval_ctx *c, struct wfval_node ***st, size_t *sp,
    size_t *cap, struct wfval_node *n)
{
	struct wfval_node **ns;

	if (*sp == *cap) {
		if ((ns = realloc(*st, 2 * *cap * sizeof(**st))) == NULL) {
			c->oom = 1;
			free(*st);
			return -1;
		}
		*st = ns;
		*cap *= 2;
	}
	(*st)[(*sp)++] = n;
	return 0;
}

/*
 * Mark n and what it holds as text GitHub shows without evaluating (the
 * workflow's name, event filters, dispatch input texts). Iterative, and a
 * marked node is not entered again: linear even with aliases, and no
 * recursion however deep the file nests.
 */
static void
wfval_mark_literal(struct wfval_ctx *c, struct wfval_node *n)
{
	struct wfval_node **st;
	size_t sp = 0, cap = 64, i;

	if (n == NULL || n->literal)
		return;
	if ((st = malloc(cap * sizeof(*st))) == NULL) {
		c->oom = 1;
		return;
	}
	st[sp++] = n;
	while (sp > 0) {
		n = st[--sp];
		if (n->literal)
			continue;
		n->literal = 1;
		for (i = 0; i < n->nkids; i++) {
			if (n->kids[i]->literal)
				continue;
			if (wfval_push(c, &st, &sp, &cap, n->kids[i]) != 0)
				return;
		}
	}
	free(st);
}

/* The parts of the file whose ${{ }} GitHub never evaluates. */
static void
wfval_mark_literals(struct wfval_ctx *c)
{
	struct wfval_node *r = c->root, *on;
	size_t i;

	if (r == NULL || r->kind != WFVAL_MAP)
		return;
	wfval_mark_literal(c, wfval_get(r, "name", NULL));
	on = wfval_get(r, "on", NULL);
	if (on == NULL || on->kind != WFVAL_MAP)
		return;
	/* workflow_call's input defaults and output values are evaluated */
	for (i = 0; i + 1 < on->nkids; i += 2)
		if (!wfval_is(on->kids[i], "workflow_call"))
			wfval_mark_literal(c, on->kids[i + 1]);
}

/*
 * Give the scalars under n the contexts of workflow key key. A node that
 * aliases make reachable from two keys gets both sets: a false alarm is
 * worse than a miss. Iterative, each node once per pass.
 */
static void
wfval_mark_ctx(struct wfval_ctx *c, struct wfval_node *n, const char *key)
{
	unsigned allowed = gh_ctx_allowed(key);
	struct wfval_node **st;
	size_t sp = 0, cap = 32, i;

	if (n == NULL || allowed == 0)
		return;
	if ((st = malloc(cap * sizeof(*st))) == NULL) {
		c->oom = 1;
		return;
	}
	c->ctx_pass++;
	st[sp++] = n;
	while (sp > 0) {
		n = st[--sp];
		if (n->ctx_pass == c->ctx_pass)
			continue;
		n->ctx_pass = c->ctx_pass;
		if (n->ctx_key == NULL) {
			n->ctx_allowed = allowed;
			n->ctx_key = key;
		} else
			n->ctx_allowed |= allowed;
		for (i = 0; i < n->nkids; i++)
			if (wfval_push(c, &st, &sp, &cap, n->kids[i]) != 0)
				return;
	}
	free(st);
}

/* Each value of mapping m under key (for "<id>" entries). */
static void
wfval_mark_ctx_each(
    struct wfval_ctx *c, const struct wfval_node *m, const char *key)
{
	size_t i;

	if (m == NULL || m->kind != WFVAL_MAP)
		return;
	for (i = 0; i + 1 < m->nkids; i += 2)
		wfval_mark_ctx(c, m->kids[i + 1], key);
}

/*
 * Where GitHub restricts the contexts of expressions (Contexts → Context
 * availability), in the order of its table. The more specific keys come
 * after their parent, whose set they widen.
 */
static void
wfval_mark_contexts(struct wfval_ctx *c)
{
	static const char *const job_keys[][2] = {{"if", "jobs.<job_id>.if"},
	    {"strategy", "jobs.<job_id>.strategy"},
	    {"concurrency", "jobs.<job_id>.concurrency"},
	    {"container", "jobs.<job_id>.container"},
	    {"continue-on-error", "jobs.<job_id>.continue-on-error"},
	    {"env", "jobs.<job_id>.env"},
	    {"environment", "jobs.<job_id>.environment"},
	    {"name", "jobs.<job_id>.name"},
	    {"runs-on", "jobs.<job_id>.runs-on"},
	    {"services", "jobs.<job_id>.services"},
	    {"timeout-minutes", "jobs.<job_id>.timeout-minutes"}, {NULL, NULL}};
	static const char *const step_keys[][2] = {
	    {"if", "jobs.<job_id>.steps.if"},
	    {"continue-on-error", "jobs.<job_id>.steps.continue-on-error"},
	    {"env", "jobs.<job_id>.steps.env"},
	    {"name", "jobs.<job_id>.steps.name"},
	    {"run", "jobs.<job_id>.steps.run"},
	    {"timeout-minutes", "jobs.<job_id>.steps.timeout-minutes"},
	    {"with", "jobs.<job_id>.steps.with"},
	    {"working-directory", "jobs.<job_id>.steps.working-directory"},
	    {NULL, NULL}};
	struct wfval_node *r = c->root, *on, *wc, *jobs, *j, *x, *steps;
	size_t i, k, s;

	if (r == NULL || r->kind != WFVAL_MAP)
		return;
	wfval_mark_ctx(c, wfval_get(r, "run-name", NULL), "run-name");
	wfval_mark_ctx(c, wfval_get(r, "concurrency", NULL), "concurrency");
	wfval_mark_ctx(c, wfval_get(r, "env", NULL), "env");
	on = wfval_get(r, "on", NULL);
	wc = wfval_get(on, "workflow_call", NULL);
	x = wfval_get(wc, "inputs", NULL);
	for (i = 0; x != NULL && x->kind == WFVAL_MAP && i + 1 < x->nkids;
	     i += 2)
		wfval_mark_ctx(c, wfval_get(x->kids[i + 1], "default", NULL),
		    "on.workflow_call.inputs.<inputs_id>.default");
	x = wfval_get(wc, "outputs", NULL);
	for (i = 0; x != NULL && x->kind == WFVAL_MAP && i + 1 < x->nkids;
	     i += 2)
		wfval_mark_ctx(c, wfval_get(x->kids[i + 1], "value", NULL),
		    "on.workflow_call.outputs.<output_id>.value");
	jobs = wfval_get(r, "jobs", NULL);
	if (jobs == NULL || jobs->kind != WFVAL_MAP)
		return;
	for (i = 0; i + 1 < jobs->nkids; i += 2) {
		j = jobs->kids[i + 1];
		if (j->kind != WFVAL_MAP)
			continue;
		for (k = 0; job_keys[k][0] != NULL; k++)
			wfval_mark_ctx(c, wfval_get(j, job_keys[k][0], NULL),
			    job_keys[k][1]);
		x = wfval_get(j, "container", NULL);
		wfval_mark_ctx(c, wfval_get(x, "credentials", NULL),
		    "jobs.<job_id>.container.credentials");
		wfval_mark_ctx(c, wfval_get(x, "env", NULL),
		    "jobs.<job_id>.container.env.<env_id>");
		x = wfval_get(j, "services", NULL);
		for (k = 0;
		     x != NULL && x->kind == WFVAL_MAP && k + 1 < x->nkids;
		     k += 2) {
			wfval_mark_ctx(c,
			    wfval_get(x->kids[k + 1], "credentials", NULL),
			    "jobs.<job_id>.services.<service_id>.credentials");
			wfval_mark_ctx(c,
			    wfval_get(x->kids[k + 1], "env", NULL),
			    "jobs.<job_id>.services.<service_id>.env.<env_id>");
		}
		wfval_mark_ctx(c,
		    wfval_get(wfval_get(j, "environment", NULL), "url", NULL),
		    "jobs.<job_id>.environment.url");
		wfval_mark_ctx(c,
		    wfval_get(wfval_get(j, "defaults", NULL), "run", NULL),
		    "jobs.<job_id>.defaults.run");
		wfval_mark_ctx_each(c, wfval_get(j, "outputs", NULL),
		    "jobs.<job_id>.outputs.<output_id>");
		wfval_mark_ctx_each(c, wfval_get(j, "with", NULL),
		    "jobs.<job_id>.with.<with_id>");
		wfval_mark_ctx_each(c, wfval_get(j, "secrets", NULL),
		    "jobs.<job_id>.secrets.<secrets_id>");
		steps = wfval_get(j, "steps", NULL);
		for (s = 0; steps != NULL && steps->kind == WFVAL_SEQ &&
		            s < steps->nkids;
		     s++)
			for (k = 0; step_keys[k][0] != NULL; k++)
				wfval_mark_ctx(c,
				    wfval_get(
				        steps->kids[s], step_keys[k][0], NULL),
				    step_keys[k][1]);
	}
}

static void
wfval_check_exprs(struct wfval_ctx *c)
{
	const struct wfval_node *n;
	size_t i, j, start;
	unsigned line, col;
	int instr, closed;

	for (n = c->arena; n != NULL; n = n->arena_next) {
		if (n->kind != WFVAL_SCALAR)
			continue;
		for (i = 0; i + 2 < n->len; i++) {
			if (memcmp(n->str + i, "${{", 3) != 0)
				continue;
			start = i;
			instr = 0;
			closed = 0;
			for (j = i + 3; j < n->len; j++) {
				if (n->str[j] == '\'') {
					/* '' inside a literal is a quote,
					 * toggling twice keeps us inside. */
					instr = !instr;
				} else if (!instr && n->str[j] == '}' &&
				           j + 1 < n->len &&
				           n->str[j + 1] == '}') {
					closed = 1;
					break;
				}
			}
			wfval_text_pos(c, n, start, &line, &col);
			if (!closed) {
				wfval_diag_at(c, line, col, WF_SEV_ERROR,
				    "expression",
				    "\"${{\" is not closed by \"}}\"%s: close "
				    "the expression",
				    instr ? " (a string literal in it is "
				            "not closed either)"
				          : "");
				break;
			}
			for (i += 3;
			     i < j && (n->str[i] == ' ' || n->str[i] == '\t' ||
			                  n->str[i] == '\n');
			     i++)
				;
			if (i == j)
				wfval_diag_at(c, line, col, WF_SEV_ERROR,
				    "expression",
				    "expression \"${{ }}\" is empty: write an "
				    "expression inside or remove it");
			else if (!n->literal)
				wfval_check_expr(c, n, start, i, j - i);
			i = j + 1;
		}
	}
}

/* ---------------------------------------------------------------- root */

static void
wfval_check_root(struct wfval_ctx *c)
{
	const struct wfval_node *r = c->root, *k, *v;
	size_t i;

	if (wfval_is_null(r)) {
		wfval_diag(c, r, WF_SEV_ERROR, "syntax-check",
		    "workflow is empty: add \"on\" and \"jobs\" sections");
		return;
	}
	if (r->kind != WFVAL_MAP) {
		wfval_diag(c, r, WF_SEV_ERROR, "syntax-check",
		    "workflow is a %s node but must be a mapping with \"on\" "
		    "and \"jobs\"",
		    wfval_kind_name(r));
		return;
	}
	wfval_check_keys(c, r, wfval_top_keys, "workflow");
	if (!wfval_has(r, "on"))
		wfval_diag(c, r, WF_SEV_ERROR, "syntax-check",
		    "\"on\" section is missing in workflow: add the events "
		    "that trigger it, e.g. \"on: push\"");
	if (!wfval_has(r, "jobs"))
		wfval_diag(c, r, WF_SEV_ERROR, "syntax-check",
		    "\"jobs\" section is missing in workflow: add at least "
		    "one job");
	for (i = 0; i + 1 < r->nkids; i += 2) {
		k = r->kids[i];
		v = r->kids[i + 1];
		if (wfval_is(k, "on"))
			wfval_check_on(c, k, v);
		else if (wfval_is(k, "jobs"))
			wfval_check_jobs(c, k, v);
		else if (wfval_is(k, "name") || wfval_is(k, "run-name"))
			wfval_want_scalar(c, v, k, k->str, 0);
		else if (wfval_is(k, "env"))
			wfval_check_env(c, k, v, 0);
		else if (wfval_is(k, "defaults"))
			wfval_check_defaults(c, k, v);
		else if (wfval_is(k, "concurrency"))
			wfval_check_scalar_or_map(
			    c, k, v, wfval_concurrency_keys, "concurrency");
		else if (wfval_is(k, "permissions"))
			wfval_check_permissions(c, k, v);
	}
}

/* ---------------------------------------------------------------- info */

static char *
wfval_dup(struct wfval_ctx *c, const struct wfval_node *n)
{
	char *s;

	if (n == NULL || n->kind != WFVAL_SCALAR || wfval_is_null(n))
		return NULL;
	s = malloc(n->len + 1);
	if (s == NULL) {
		c->oom = 1;
		return NULL;
	}
	memcpy(s, n->str, n->len);
	s[n->len] = '\0';
	return s;
}

static void
wfval_info_strs(
    struct wfval_ctx *c, const struct wfval_node *n, char ***out, size_t *nout)
{
	size_t i, cnt;

	*out = NULL;
	*nout = 0;
	if (n == NULL || wfval_is_null(n) || n->kind == WFVAL_MAP)
		return;
	cnt = n->kind == WFVAL_SEQ ? n->nkids : 1;
	*out = calloc(cnt + 1, sizeof(**out));
	if (*out == NULL) {
		c->oom = 1;
		return;
	}
	for (i = 0; i < cnt; i++) {
		const struct wfval_node *e =
		    n->kind == WFVAL_SEQ ? n->kids[i] : n;

		if (!wfval_is_scalar(e))
			continue;
		(*out)[*nout] = wfval_dup(c, e);
		if ((*out)[*nout] != NULL)
			(*nout)++;
	}
}

static void
wfval_info_env(struct wfval_ctx *c, const struct wfval_node *env,
    struct wf_kv **out, size_t *nout)
{
	size_t i;

	*out = NULL;
	*nout = 0;
	if (env == NULL || env->kind != WFVAL_MAP || env->nkids == 0)
		return;
	*out = calloc(env->nkids / 2, sizeof(**out));
	if (*out == NULL) {
		c->oom = 1;
		return;
	}
	for (i = 0; i + 1 < env->nkids; i += 2) {
		struct wf_kv *kv = &(*out)[*nout];

		if (env->kids[i + 1]->kind != WFVAL_SCALAR)
			continue;
		kv->key = wfval_dup(c, env->kids[i]);
		if (kv->key == NULL)
			continue;
		/* An empty env value is an empty string, not absent. */
		kv->value = wfval_is_null(env->kids[i + 1])
		                ? strdup("")
		                : wfval_dup(c, env->kids[i + 1]);
		if (kv->value == NULL) {
			c->oom = 1;
			free(kv->key);
			kv->key = NULL;
			continue;
		}
		(*nout)++;
	}
}

static void
wfval_info_timeout(
    struct wfval_ctx *c, const struct wfval_node *n, char **text, double *num)
{
	*text = wfval_dup(c, n);
	*num = wfval_is_number(n) ? strtod(n->str, NULL) : -1.0;
}

static void
wfval_info_defaults(
    struct wfval_ctx *c, const struct wfval_node *d, char **shell, char **wd)
{
	const struct wfval_node *run = wfval_get(d, "run", NULL);

	*shell = wfval_dup(c, wfval_get(run, "shell", NULL));
	*wd = wfval_dup(c, wfval_get(run, "working-directory", NULL));
}

static void
wfval_info_step(
    struct wfval_ctx *c, const struct wfval_node *st, struct wf_step *s)
{
	s->line = st->line;
	s->id = wfval_dup(c, wfval_get(st, "id", NULL));
	s->name = wfval_dup(c, wfval_get(st, "name", NULL));
	s->run = wfval_dup(c, wfval_get(st, "run", NULL));
	s->uses = wfval_dup(c, wfval_get(st, "uses", NULL));
	s->shell = wfval_dup(c, wfval_get(st, "shell", NULL));
	s->working_directory =
	    wfval_dup(c, wfval_get(st, "working-directory", NULL));
	s->if_cond = wfval_dup(c, wfval_get(st, "if", NULL));
	s->continue_on_error =
	    wfval_dup(c, wfval_get(st, "continue-on-error", NULL));
	wfval_info_timeout(c, wfval_get(st, "timeout-minutes", NULL),
	    &s->timeout_minutes, &s->timeout);
	wfval_info_env(c, wfval_get(st, "env", NULL), &s->env, &s->nenv);
}

/* A mapping of scalars (an include/exclude row); other values skipped. */
static void
wfval_info_mrow(struct wfval_ctx *c, const struct wfval_node *m,
    struct wf_mrow *row, struct wf_matrix *mx)
{
	size_t i;

	if (m->kind != WFVAL_MAP) {
		if (mx->unexpanded == NULL)
			mx->unexpanded = strdup("an include or exclude row is "
			                        "an expression");
		return;
	}
	if (m->nkids == 0)
		return;
	if ((row->kv = calloc(m->nkids / 2, sizeof(*row->kv))) == NULL) {
		c->oom = 1;
		return;
	}
	for (i = 0; i + 1 < m->nkids; i += 2) {
		if (m->kids[i + 1]->kind != WFVAL_SCALAR) {
			if (mx->unexpanded == NULL)
				mx->unexpanded = strdup(
				    "a matrix value is a mapping or sequence");
			continue;
		}
		row->kv[row->n].key = wfval_dup(c, m->kids[i]);
		row->kv[row->n].value = wfval_is_null(m->kids[i + 1])
		                            ? strdup("")
		                            : wfval_dup(c, m->kids[i + 1]);
		if (row->kv[row->n].key == NULL ||
		    row->kv[row->n].value == NULL) {
			free(row->kv[row->n].key);
			free(row->kv[row->n].value);
			continue;
		}
		row->n++;
	}
}

static void
wfval_info_mrows(struct wfval_ctx *c, const struct wfval_node *seq,
    struct wf_mrow **out, size_t *nout, struct wf_matrix *mx)
{
	size_t i;

	if (seq == NULL || seq->kind != WFVAL_SEQ || seq->nkids == 0)
		return;
	if ((*out = calloc(seq->nkids, sizeof(**out))) == NULL) {
		c->oom = 1;
		return;
	}
	for (i = 0; i < seq->nkids; i++)
		wfval_info_mrow(c, seq->kids[i], &(*out)[(*nout)++], mx);
}

/* strategy.matrix of a job, as far as it can be expanded without GitHub. */
static void
wfval_info_matrix(
    struct wfval_ctx *c, const struct wfval_node *m, struct wf_matrix *mx)
{
	const struct wfval_node *k, *v;
	struct wf_mdim *d;
	size_t i, j;

	if (m == NULL || m->kind != WFVAL_MAP) {
		mx->unexpanded = strdup("the matrix is an expression");
		return;
	}
	if ((mx->dims = calloc(m->nkids / 2 + 1, sizeof(*mx->dims))) == NULL) {
		c->oom = 1;
		return;
	}
	for (i = 0; i + 1 < m->nkids; i += 2) {
		k = m->kids[i];
		v = m->kids[i + 1];
		if (wfval_is(k, "include")) {
			if (v->kind != WFVAL_SEQ)
				mx->unexpanded = strdup("its include: is an "
				                        "expression");
			wfval_info_mrows(c, v, &mx->include, &mx->ninclude, mx);
			continue;
		}
		if (wfval_is(k, "exclude")) {
			if (v->kind != WFVAL_SEQ)
				mx->unexpanded = strdup("its exclude: is an "
				                        "expression");
			wfval_info_mrows(c, v, &mx->exclude, &mx->nexclude, mx);
			continue;
		}
		if (v->kind != WFVAL_SEQ) {
			if (mx->unexpanded == NULL)
				mx->unexpanded = strdup(
				    "a matrix variable is an expression");
			continue;
		}
		d = &mx->dims[mx->ndims];
		if ((d->key = wfval_dup(c, k)) == NULL)
			continue;
		if ((d->vals = calloc(v->nkids + 1, sizeof(*d->vals))) ==
		    NULL) {
			c->oom = 1;
			free(d->key);
			continue;
		}
		mx->ndims++;
		for (j = 0; j < v->nkids; j++) {
			if (v->kids[j]->kind != WFVAL_SCALAR) {
				if (mx->unexpanded == NULL)
					mx->unexpanded = strdup(
					    "a matrix "
					    "value is a mapping or sequence");
				continue;
			}
			d->vals[d->nvals] = wfval_is_null(v->kids[j])
			                        ? strdup("")
			                        : wfval_dup(c, v->kids[j]);
			if (d->vals[d->nvals] != NULL)
				d->nvals++;
		}
	}
}

static void
wfval_info_job(struct wfval_ctx *c, const struct wfval_node *idk,
    const struct wfval_node *jn, struct wf_job *j)
{
	const struct wfval_node *ro, *steps, *st, *mk;
	size_t i;

	j->line = idk->line;
	j->id = wfval_dup(c, idk);
	j->name = wfval_dup(c, wfval_get(jn, "name", NULL));
	ro = wfval_get(jn, "runs-on", NULL);
	if (wfval_is_expr(ro)) {
		j->runs_on_expr = wfval_dup(c, ro);
	} else if (ro != NULL && ro->kind == WFVAL_MAP) {
		j->runs_on_group = wfval_dup(c, wfval_get(ro, "group", NULL));
		wfval_info_strs(c, wfval_get(ro, "labels", NULL), &j->runs_on,
		    &j->nruns_on);
	} else {
		wfval_info_strs(c, ro, &j->runs_on, &j->nruns_on);
	}
	wfval_info_strs(c, wfval_get(jn, "needs", NULL), &j->needs, &j->nneeds);
	j->if_cond = wfval_dup(c, wfval_get(jn, "if", NULL));
	j->uses = wfval_dup(c, wfval_get(jn, "uses", NULL));
	wfval_info_env(c, wfval_get(jn, "env", NULL), &j->env, &j->nenv);
	wfval_info_defaults(c, wfval_get(jn, "defaults", NULL), &j->shell,
	    &j->working_directory);
	wfval_info_timeout(c, wfval_get(jn, "timeout-minutes", NULL),
	    &j->timeout_minutes, &j->timeout);
	j->continue_on_error =
	    wfval_dup(c, wfval_get(jn, "continue-on-error", NULL));
	wfval_info_env(
	    c, wfval_get(jn, "outputs", NULL), &j->outputs, &j->noutputs);
	st = wfval_get(jn, "strategy", NULL);
	j->fail_fast = wfval_dup(c, wfval_get(st, "fail-fast", NULL));
	j->max_parallel = wfval_dup(c, wfval_get(st, "max-parallel", NULL));
	wfval_get(st, "matrix", &mk);
	if (mk != NULL) {
		j->has_matrix = 1;
		wfval_info_matrix(c, wfval_get(st, "matrix", NULL), &j->matrix);
	}
	steps = wfval_get(jn, "steps", NULL);
	if (steps == NULL || steps->kind != WFVAL_SEQ || steps->nkids == 0)
		return;
	j->steps = calloc(steps->nkids, sizeof(*j->steps));
	if (j->steps == NULL) {
		c->oom = 1;
		return;
	}
	for (i = 0; i < steps->nkids; i++) {
		if (steps->kids[i]->kind != WFVAL_MAP)
			continue;
		wfval_info_step(c, steps->kids[i], &j->steps[j->nsteps++]);
	}
}

static void
wfval_fill_info(struct wfval_ctx *c, struct wf_info *info)
{
	const struct wfval_node *r = c->root, *on, *jobs, *sched, *cron;
	size_t i, n;

	if (r == NULL || r->kind != WFVAL_MAP)
		return;
	info->name = wfval_dup(c, wfval_get(r, "name", NULL));
	on = wfval_get(r, "on", NULL);
	if (on != NULL && on->kind == WFVAL_MAP && on->nkids > 0) {
		info->events = calloc(on->nkids / 2, sizeof(*info->events));
		if (info->events == NULL)
			c->oom = 1;
		for (i = 0; info->events && i + 1 < on->nkids; i += 2)
			if ((info->events[info->nevents] =
			            wfval_dup(c, on->kids[i])) != NULL)
				info->nevents++;
	} else {
		wfval_info_strs(c, on, &info->events, &info->nevents);
	}
	sched = wfval_get(on, "schedule", NULL);
	if (sched != NULL && sched->kind == WFVAL_SEQ && sched->nkids > 0) {
		info->crons = calloc(sched->nkids, sizeof(*info->crons));
		if (info->crons == NULL)
			c->oom = 1;
		for (i = 0; info->crons && i < sched->nkids; i++) {
			cron = wfval_get(sched->kids[i], "cron", NULL);
			if (wfval_is_scalar(cron) &&
			    (info->crons[info->ncrons] = wfval_dup(c, cron)) !=
			        NULL)
				info->ncrons++;
		}
	}
	wfval_info_env(c, wfval_get(r, "env", NULL), &info->env, &info->nenv);
	wfval_info_defaults(c, wfval_get(r, "defaults", NULL), &info->shell,
	    &info->working_directory);
	jobs = wfval_get(r, "jobs", NULL);
	if (jobs == NULL || jobs->kind != WFVAL_MAP || jobs->nkids == 0)
		return;
	n = jobs->nkids / 2;
	info->jobs = calloc(n, sizeof(*info->jobs));
	if (info->jobs == NULL) {
		c->oom = 1;
		return;
	}
	for (i = 0; i + 1 < jobs->nkids; i += 2) {
		if (jobs->kids[i + 1]->kind != WFVAL_MAP ||
		    !wfval_is_scalar(jobs->kids[i]))
			continue;
		wfval_info_job(c, jobs->kids[i], jobs->kids[i + 1],
		    &info->jobs[info->njobs++]);
	}
}

/* ---------------------------------------------------------------- public */

struct wfval_sorted {
	struct wf_diag d;
	size_t seq;
};

static int
wfval_sorted_cmp(const void *pa, const void *pb)
{
	const struct wfval_sorted *a = pa, *b = pb;

	if (a->d.line != b->d.line)
		return a->d.line < b->d.line ? -1 : 1;
	if (a->d.col != b->d.col)
		return a->d.col < b->d.col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void
wfval_sort_diags(struct wfval_ctx *c)
{
	struct wfval_sorted *s;
	size_t i;

	if (c->ndiags < 2)
		return;
	s = malloc(c->ndiags * sizeof(*s));
	if (s == NULL) {
		c->oom = 1;
		return;
	}
	for (i = 0; i < c->ndiags; i++) {
		s[i].d = c->diags[i];
		s[i].seq = i;
	}
	qsort(s, c->ndiags, sizeof(*s), wfval_sorted_cmp);
	for (i = 0; i < c->ndiags; i++)
		c->diags[i] = s[i].d;
	free(s);
}

static void
wfval_ctx_free(struct wfval_ctx *c)
{
	struct wfval_node *n, *next;
	struct wfval_anchor *a, *an;
	size_t i;

	for (n = c->arena; n != NULL; n = next) {
		next = n->arena_next;
		free(n->str);
		free(n->kids);
		free(n);
	}
	for (i = 0; i < WFVAL_ANCHOR_BUCKETS; i++) {
		for (a = c->anchors[i]; a != NULL; a = an) {
			an = a->next;
			free(a->name);
			free(a);
		}
	}
	free(c->lines);
}

int
wfval_check(const char *buf, size_t len, const char *file,
    struct wf_diag **diags, size_t *ndiags, struct wf_info *info)
{
	struct wfval_ctx *c;
	int worst;

	if (diags != NULL)
		*diags = NULL;
	if (ndiags != NULL)
		*ndiags = 0;
	if (info != NULL)
		memset(info, 0, sizeof(*info));
	/* The anchor table makes the context too big for the stack. */
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		errno = ENOMEM;
		return -1;
	}
	c->buf = buf ? buf : "";
	c->len = buf ? len : 0;
	c->file = file ? file : "<input>";
	wfval_build(c);
	/* After a syntax error the tree is partial: checking it would only
	 * add noise (actionlint reports the syntax error alone too). */
	if (!c->oom && !c->too_big && !c->parse_failed) {
		/* Before the checks: bare if: conditions are checked there. */
		wfval_mark_contexts(c);
		wfval_check_root(c);
		wfval_mark_literals(c);
		wfval_check_exprs(c);
		if (info != NULL)
			wfval_fill_info(c, info);
	}
	if (!c->oom)
		wfval_sort_diags(c);
	if (c->oom) {
		wfval_diags_free(c->diags, c->ndiags);
		if (info != NULL)
			wfval_info_free(info);
		wfval_ctx_free(c);
		free(c);
		errno = ENOMEM;
		return -1;
	}
	worst = c->worst;
	if (info != NULL)
		info->damage = c->parse_failed || c->too_big ? WF_DMG_UNPARSED
		               : wfval_is_null(c->root)      ? WF_DMG_EMPTY
		                                             : WF_DMG_NONE;
	if (diags != NULL && ndiags != NULL) {
		*diags = c->diags;
		*ndiags = c->ndiags;
	} else {
		wfval_diags_free(c->diags, c->ndiags);
	}
	wfval_ctx_free(c);
	free(c);
	return worst;
}

void
wfval_diags_free(struct wf_diag *diags, size_t ndiags)
{
	size_t i;

	for (i = 0; diags != NULL && i < ndiags; i++) {
		free(diags[i].file);
		free(diags[i].message);
	}
	free(diags);
}

static void
wfval_free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

static void
wfval_free_env(struct wf_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; kv != NULL && i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void
wfval_info_free(struct wf_info *info)
{
	struct wf_job *j;
	struct wf_step *s;
	size_t i, k;

	if (info == NULL)
		return;
	for (i = 0; info->jobs != NULL && i < info->njobs; i++) {
		j = &info->jobs[i];
		for (k = 0; j->steps != NULL && k < j->nsteps; k++) {
			s = &j->steps[k];
			free(s->id);
			free(s->name);
			free(s->run);
			free(s->uses);
			free(s->shell);
			free(s->working_directory);
			free(s->if_cond);
			free(s->continue_on_error);
			free(s->timeout_minutes);
			wfval_free_env(s->env, s->nenv);
		}
		free(j->steps);
		free(j->id);
		free(j->name);
		wfval_free_strs(j->runs_on, j->nruns_on);
		free(j->runs_on_group);
		free(j->runs_on_expr);
		wfval_free_strs(j->needs, j->nneeds);
		free(j->if_cond);
		free(j->uses);
		wfval_free_env(j->env, j->nenv);
		free(j->shell);
		free(j->working_directory);
		free(j->timeout_minutes);
		free(j->continue_on_error);
		free(j->fail_fast);
		free(j->max_parallel);
		wfval_free_env(j->outputs, j->noutputs);
		for (k = 0; k < j->matrix.ndims; k++) {
			free(j->matrix.dims[k].key);
			wfval_free_strs(
			    j->matrix.dims[k].vals, j->matrix.dims[k].nvals);
		}
		free(j->matrix.dims);
		for (k = 0; k < j->matrix.ninclude; k++)
			wfval_free_env(
			    j->matrix.include[k].kv, j->matrix.include[k].n);
		free(j->matrix.include);
		for (k = 0; k < j->matrix.nexclude; k++)
			wfval_free_env(
			    j->matrix.exclude[k].kv, j->matrix.exclude[k].n);
		free(j->matrix.exclude);
		free(j->matrix.unexpanded);
	}
	free(info->jobs);
	free(info->name);
	wfval_free_strs(info->events, info->nevents);
	wfval_free_strs(info->crons, info->ncrons);
	wfval_free_env(info->env, info->nenv);
	free(info->shell);
	free(info->working_directory);
	memset(info, 0, sizeof(*info));
}

int
wfval_format(char *out, size_t size, const struct wf_diag *d)
{
	return snprintf(out, size, "%s:%u:%u: %s [%s]",
	    d->file ? d->file : "<input>", d->line, d->col,
	    d->message ? d->message : "", d->rule ? d->rule : "");
}

const char *
wfval_severity_name(int severity)
{
	switch (severity) {
	case WF_SEV_ERROR:
		return "error";
	case WF_SEV_LINT:
		return "lint";
	default:
		return "none";
	}
}
