/*
 * test_abi10: a plugin built against the frozen ABI 1.0 header
 * (tests/abi10/plugin10.c) still loads on this host, and the descriptor
 * fields added since 1.0 read as NULL in the host's copy, so the host
 * falls back to 1.0 behaviour (start, no validate) for it. Then the
 * loaded 1.0 binary is driven through the current (1.1) mock host table.
 *
 * Finds plugin10.so under $top_builddir/tests/abi10/.libs (the test
 * harness exports top_builddir), or ABI10_DIR when set.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rdd.h"
#include "tests/lib/mock_host.h"

struct tstate {
	char dir[PATH_MAX];
	char so[PATH_MAX];
	struct loader_entry e;
};

static void
built_so(char *buf, size_t len)
{
	const char *d = getenv("ABI10_DIR");
	const char *top = getenv("top_builddir");
	int n;

	if (d != NULL && *d != '\0')
		n = snprintf(buf, len, "%s/plugin10.so", d);
	else
		n = snprintf(buf, len, "%s/tests/abi10/.libs/plugin10.so",
		    top != NULL && *top != '\0' ? top : ".");
	assert_true(n > 0 && (size_t)n < len);
}

/*
 * The loader refuses files others may write; copy the module into a
 * private directory with a plain mode so the build tree's umask does not
 * decide the outcome.
 */
static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct tstate *t = calloc(1, sizeof(*t));
	char from[PATH_MAX], buf[8192];
	ssize_t n;
	int in, out;

	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "%s/test_abi10.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(t->dir) == NULL || chmod(t->dir, 0755) == -1)
		return -1;
	if (snprintf(t->so, sizeof(t->so), "%s/plugin10.so", t->dir) >=
	    (int)sizeof(t->so))
		return -1;
	built_so(from, sizeof(from));
	if ((in = open(from, O_RDONLY)) == -1) {
		fprintf(stderr, "%s: %s: build tests/abi10/plugin10.la first\n",
		    from, strerror(errno));
		return -1;
	}
	out = open(t->so, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out == -1)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	if (close(out) != 0 || n != 0 || chmod(t->so, 0644) != 0)
		return -1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tstate *t = *state;

	loader_entry_free(&t->e);
	unlink(t->so);
	rmdir(t->dir);
	free(t);
	return 0;
}

static void
test_loads(void **state)
{
	struct tstate *t = *state;
	const void *sym;

	if (loader_load_file(&t->e, t->so, getuid()) != 0)
		fail_msg("a 1.0 plugin was refused: %s",
		    t->e.error != NULL ? t->e.error : "(no message)");
	assert_null(t->e.error);
	assert_non_null(t->e.dl);
	assert_ptr_equal(t->e.pd, &t->e.copy);
	assert_string_equal(t->e.pd->name, "plugin10");
	assert_int_equal(t->e.pd->abi_major, 1);
	assert_int_equal(t->e.pd->abi_minor, 0);
	/* The plugin really is 1.0-sized, not a 1.1 build claiming 1.0. */
	assert_int_equal(t->e.pd->size, RDD_PLUGIN_SIZE_V1_0);
	sym = dlsym(t->e.dl, "rdd_plugin");
	assert_non_null(sym);
	assert_int_equal(((const struct rdd_plugin *)sym)->size,
	    RDD_PLUGIN_SIZE_V1_0);
}

/* What 1.1 appended is not in a 1.0 descriptor: the copy holds NULL. */
static void
test_new_fields_are_null(void **state)
{
	struct tstate *t = *state;

	assert_int_equal(loader_load_file(&t->e, t->so, getuid()), 0);
	assert_false(RDD_PLUGIN_HAS(t->e.pd, validate));
	assert_false(RDD_PLUGIN_HAS(t->e.pd, start_err));
	assert_null(t->e.copy.validate);
	assert_null(t->e.copy.start_err);
	/* ...while every 1.0 callback it set is there. */
	assert_non_null(t->e.pd->create);
	assert_non_null(t->e.pd->start);
	assert_non_null(t->e.pd->check);
	assert_non_null(t->e.pd->recover);
	assert_non_null(t->e.pd->stop);
	assert_non_null(t->e.pd->destroy);
}

/* The 1.0 binary works against the 1.1 host table, as the daemon's does. */
static void
test_runs_on_a_1_1_host(void **state)
{
	struct tstate *t = *state;
	const struct rdd_plugin *pd;
	const struct mock_report *r;
	struct mock_host mh;
	char err[256];
	void *ctx = NULL;

	assert_int_equal(loader_load_file(&t->e, t->so, getuid()), 0);
	pd = t->e.pd;
	mock_host_init(&mh, "m10");
	assert_int_equal(mock_plugin_validate(&mh, pd, NULL, err, sizeof(err)),
	    0);
	assert_int_equal(pd->create(&mh.host, mock_monitor(&mh), NULL, &ctx,
			     err, sizeof(err)),
	    0);
	assert_int_equal(mock_plugin_start(&mh, pd, ctx, err, sizeof(err)), 0);
	pd->check(ctx, mock_check_begin(&mh));
	assert_int_equal(mh.checks_done, 1);
	r = mock_report_last(&mh, "t10");
	assert_non_null(r);
	assert_int_equal(r->state, RDD_OK);
	assert_string_equal(r->msg, "abi 1.0 plugin");
	pd->recover(ctx, mock_recovery_begin(&mh), "t10", "fix", 1);
	assert_int_equal(mh.recoveries[0].done, 1);
	assert_int_equal(mh.recoveries[0].ok, RDD_RECOVERY_OK);
	mock_plugin_stop(&mh, pd, ctx);
	pd->destroy(ctx);
	assert_int_equal(mh.violations, 0);
	mock_host_free(&mh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_new_fields_are_null, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_runs_on_a_1_1_host, setup, teardown),
	};

	return cmocka_run_group_tests_name("abi10", tests, NULL, NULL);
}
