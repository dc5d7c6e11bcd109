/*
 * wfexpr.h: syntax of one GitHub Actions expression (the text inside
 * "${{ }}", or a bare if: condition) as GitHub checks it when it reads a
 * workflow: literals (strings in single quotes only), operators, known
 * contexts and functions with their arity, balanced parentheses and
 * brackets, property access. Nothing is evaluated.
 */
#ifndef GHA_WFEXPR_H
#define GHA_WFEXPR_H

#include <stddef.h>

struct wfexpr_err {
	size_t off; /* byte offset in the checked text of the faulty token */
	char msg[384];
};

/* 0 when s[0..n) is a valid expression, else -1 with *e filled. */
int wfexpr_check(const char *s, size_t n, struct wfexpr_err *e);

/*
 * The same, where only the contexts in allowed (a mask of enum gh_ctx_bit;
 * 0: any) are available, at workflow key key (named in the message).
 */
int wfexpr_check_at(const char *s, size_t n, unsigned allowed, const char *key,
    struct wfexpr_err *e);

#endif /* GHA_WFEXPR_H */
