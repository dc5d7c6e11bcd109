/*
 * expr.h: GitHub Actions ${{ }} expressions for local runs: literals,
 * contexts resolved by the caller, ! == != < <= > >= && ||, and the
 * functions a local run can honour (status checks, contains, startsWith,
 * endsWith, format, join, toJSON).
 */
#ifndef GHA_EXPR_H
#define GHA_EXPR_H

#include <stddef.h>

enum ex_type { EX_NULL = 0, EX_BOOL, EX_NUM, EX_STR };

struct ex_val {
	enum ex_type t;
	int b;
	double n;
	char *s; /* EX_STR: owned */
};

struct ex_ctx {
	/*
	 * Resolve a context path such as {"env","CI"} or
	 * {"steps","build","outcome"}: fill out (a string it owns through
	 * expr_str) and return 0, or return -1 for null.
	 */
	int (*lookup)(
	    void *arg, const char *const *path, size_t n, struct ex_val *out);
	/* success() failure() always() cancelled(): 1 or 0. */
	int (*status)(void *arg, const char *fn);
	void *arg;
};

void expr_free(struct ex_val *v);
/* A string value (copied); returns 0 or -1 on ENOMEM. */
int expr_str(struct ex_val *v, const char *s);
int expr_truthy(const struct ex_val *v);
/* The value as GitHub prints it into a script; malloc'ed, NULL on ENOMEM. */
char *expr_to_string(const struct ex_val *v);

/* Evaluate src (without ${{ }}). 0, or -1 with err set. */
int expr_eval(const char *src, const struct ex_ctx *c, struct ex_val *out,
    char *err, size_t errlen);

/*
 * An if: condition as GitHub reads it: ${{ }} optional, and without a
 * status function it means success() && (cond). NULL or "" is success().
 * *result gets 1 or 0. 0, or -1 with err set.
 */
int expr_if(const char *cond, const struct ex_ctx *c, int *result, char *err,
    size_t errlen);

/*
 * Text with every ${{ expr }} replaced by its value. malloc'ed; NULL with
 * err set on a bad expression or ENOMEM.
 */
char *expr_subst(
    const char *text, const struct ex_ctx *c, char *err, size_t errlen);

#endif /* GHA_EXPR_H */
