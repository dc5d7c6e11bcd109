/*
 * test_gh_expr.c: ${{ }} expressions of local runs: literals, operators
 * with GitHub's loose comparison, contexts, functions, if: defaults and
 * template substitution.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/github_actions/expr.h"

/* A context: env.NAME=world, env.N=3, steps.build.outcome=failure. */
struct fake {
	int failed;
	int lookups;
};

static int
fake_lookup(void *arg, const char *const *p, size_t n, struct ex_val *out)
{
	struct fake *f = arg;

	f->lookups++;
	if (n == 2 && strcmp(p[0], "env") == 0 && strcmp(p[1], "NAME") == 0)
		return expr_str(out, "world");
	if (n == 2 && strcmp(p[0], "env") == 0 && strcmp(p[1], "N") == 0)
		return expr_str(out, "3");
	if (n == 3 && strcmp(p[0], "steps") == 0 &&
	    strcmp(p[1], "build") == 0 && strcmp(p[2], "outcome") == 0)
		return expr_str(out, "failure");
	return -1;
}

static int
fake_status(void *arg, const char *fn)
{
	struct fake *f = arg;

	if (strcmp(fn, "failure") == 0)
		return f->failed;
	if (strcmp(fn, "success") == 0)
		return !f->failed;
	return 0;
}

static char *
eval_str(const char *src, struct fake *f)
{
	struct ex_ctx c = {fake_lookup, fake_status, f};
	struct ex_val v;
	char err[128], *s;

	if (expr_eval(src, &c, &v, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", src, err);
		return NULL;
	}
	s = expr_to_string(&v);
	expr_free(&v);
	return s;
}

#define EQ(src, want)                                                          \
	do {                                                                   \
		char *got_ = eval_str(src, &f);                                \
		assert_non_null(got_);                                         \
		assert_string_equal(got_, want);                               \
		free(got_);                                                    \
	} while (0)

static void
test_literals_and_ops(void **state)
{
	struct fake f = {0, 0};

	(void)state;
	EQ("'it''s'", "it's");
	EQ("42", "42");
	EQ("1.5", "1.5");
	EQ("0xff", "255");
	EQ("true", "true");
	EQ("null", "");
	EQ("!false", "true");
	EQ("1 == 1.0", "true");
	EQ("'ABC' == 'abc'", "true"); /* case-insensitive */
	EQ("'3' == 3", "true");       /* coerced to numbers */
	EQ("true == 1", "true");
	EQ("null == 0", "true");
	EQ("'x' == 1", "false"); /* NaN is never equal */
	EQ("'x' != 1", "true");
	EQ("2 > 1 && 1 >= 1 && 0 < 1 && 1 <= 1", "true");
	EQ("'' || 'fallback'", "fallback"); /* operands, not booleans */
	EQ("'a' && 'b'", "b");
	EQ("0 && 'b'", "0");
	EQ("(1 == 2) || (2 == 2)", "true");
}

static void
test_contexts_and_functions(void **state)
{
	struct fake f = {0, 0};

	(void)state;
	EQ("env.NAME", "world");
	EQ("env['NAME']", "world");
	EQ("env.MISSING", "");
	EQ("env.N == 3", "true");
	EQ("steps.build.outcome == 'failure'", "true");
	EQ("secrets.TOKEN", "");
	EQ("contains('Hello World', 'world')", "true");
	EQ("startsWith(env.NAME, 'WO')", "true");
	EQ("endsWith(env.NAME, 'x')", "false");
	EQ("format('{0}-{1}-{{x}}', env.NAME, 2)", "world-2-{x}");
	EQ("success()", "true");
	EQ("always()", "true");
	f.failed = 1;
	EQ("failure()", "true");
	EQ("toJSON('a')", "\"a\"");
	assert_true(f.lookups > 0);
}

static void
test_errors(void **state)
{
	struct ex_ctx c = {fake_lookup, fake_status, NULL};
	static const char *const bad[] = {"", "1 +", "'open", "(1", "nosuch()",
	    "a..b", "1 2", "contains('a')", "env[", NULL};
	struct fake f = {0, 0};
	struct ex_val v;
	char err[128], deep[400];
	size_t i;

	(void)state;
	c.arg = &f;
	for (i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		assert_int_equal(
		    expr_eval(bad[i], &c, &v, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
	/* Deep nesting is refused, not a stack overflow. */
	memset(deep, '(', 300);
	deep[300] = '1';
	deep[301] = '\0';
	assert_int_equal(expr_eval(deep, &c, &v, err, sizeof(err)), -1);
	memset(deep, '!', 300);
	assert_int_equal(expr_eval(deep, &c, &v, err, sizeof(err)), -1);
}

static void
test_if_defaults(void **state)
{
	struct fake f = {0, 0};
	struct ex_ctx c = {fake_lookup, fake_status, &f};
	char err[128];
	int r = -1;

	(void)state;
	assert_int_equal(expr_if(NULL, &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r, 1);
	assert_int_equal(
	    expr_if("env.NAME == 'world'", &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r, 1);
	/* After a failure, a plain condition means success() && (...). */
	f.failed = 1;
	assert_int_equal(
	    expr_if("env.NAME == 'world'", &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r, 0);
	assert_int_equal(
	    expr_if("${{ always() }}", &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r, 1);
	assert_int_equal(
	    expr_if("failure() && env.N == 3", &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r, 1);
	/* 'failure()' inside a string is no status function. */
	assert_int_equal(
	    expr_if("'failure()' == 'x'", &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r, 0);
	assert_int_equal(expr_if("${{ 1 +", &c, &r, err, sizeof(err)), -1);
}

static void
test_subst(void **state)
{
	struct fake f = {0, 0};
	struct ex_ctx c = {fake_lookup, fake_status, &f};
	char err[128], *s;

	(void)state;
	s = expr_subst(
	    "echo ${{ env.NAME }} ${{ 1 == 1 }} $HOME", &c, err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(s, "echo world true $HOME");
	free(s);
	s = expr_subst("plain", &c, err, sizeof(err));
	assert_string_equal(s, "plain");
	free(s);
	assert_null(expr_subst("x ${{ env.NAME", &c, err, sizeof(err)));
	assert_non_null(strstr(err, "unclosed"));
	assert_null(expr_subst("${{ ( }}", &c, err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_literals_and_ops),
	    cmocka_unit_test(test_contexts_and_functions),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_if_defaults),
	    cmocka_unit_test(test_subst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
