/*
 * test_sdk: the SDK header's ABI arithmetic, which every loader check and
 * every plugin's RDD_HOST_HAS / host's RDD_PLUGIN_HAS test depends on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "redundancyd/rdd_plugin.h"

static void
test_magic_spells_rddp(void **state)
{
	uint32_t m = RDD_PLUGIN_MAGIC;

	assert_int_equal((m >> 24) & 0xff, 'R');
	assert_int_equal((m >> 16) & 0xff, 'D');
	assert_int_equal((m >> 8) & 0xff, 'D');
	assert_int_equal(m & 0xff, 'P');
}

static void
test_v1_size_covers_every_callback(void **state)
{
	/* 1.0's descriptor ends at destroy; 1.1 only appended after it. */
	assert_int_equal(RDD_PLUGIN_SIZE_V1_0,
	    offsetof(struct rdd_plugin, destroy) + sizeof(void (*)(void *)));
	assert_true(RDD_PLUGIN_SIZE_V1_0 > offsetof(struct rdd_plugin, check));
	assert_true(
	    RDD_PLUGIN_SIZE_V1_0 <= offsetof(struct rdd_plugin, validate));
}

static void
test_v1_1_appends_at_the_end(void **state)
{
	assert_int_equal(RDD_ABI_MAJOR, 1);
	assert_int_equal(RDD_ABI_MINOR, 1);
	/* Nothing after the 1.1 fields: the next minor appends after them. */
	assert_int_equal(sizeof(struct rdd_plugin),
	    offsetof(struct rdd_plugin, start_err) +
		sizeof(((struct rdd_plugin *)0)->start_err));
	assert_true(offsetof(struct rdd_plugin, validate) <
	    offsetof(struct rdd_plugin, start_err));
	assert_int_equal(sizeof(struct rdd_host),
	    offsetof(struct rdd_host, post) +
		sizeof(((struct rdd_host *)0)->post));
	assert_true(RDD_HOST_SIZE_V1_0 <= offsetof(struct rdd_host, post));
	assert_true(
	    RDD_HOST_SIZE_V1_0 > offsetof(struct rdd_host, command_done));
}

static void
test_header_initialiser(void **state)
{
	static const struct rdd_plugin p = { RDD_PLUGIN_HEADER, .name = "x" };

	assert_int_equal(p.magic, RDD_PLUGIN_MAGIC);
	assert_int_equal(p.abi_major, RDD_ABI_MAJOR);
	assert_int_equal(p.abi_minor, RDD_ABI_MINOR);
	assert_int_equal(p.size, sizeof(struct rdd_plugin));
}

static void
test_host_has(void **state)
{
	struct rdd_host h = { .size = sizeof(struct rdd_host) };

	assert_true(RDD_HOST_HAS(&h, command_done));
	h.size = offsetof(struct rdd_host, report);
	assert_true(RDD_HOST_HAS(&h, log));
	assert_false(RDD_HOST_HAS(&h, report));
	assert_false(RDD_HOST_HAS(&h, command_done));
}

/* A 1.1 plugin on a 1.0 host sees a table that ends at command_done. */
static void
test_host_has_on_a_1_0_host(void **state)
{
	struct rdd_host h = { .size = RDD_HOST_SIZE_V1_0 };

	assert_true(RDD_HOST_HAS(&h, command_done));
	assert_false(RDD_HOST_HAS(&h, post));
	h.size = sizeof(struct rdd_host);
	assert_true(RDD_HOST_HAS(&h, post));
}

/* The host's view of a 1.0 descriptor and of a 1.1 one. */
static void
test_plugin_has(void **state)
{
	struct rdd_plugin p = { RDD_PLUGIN_HEADER };

	assert_true(RDD_PLUGIN_HAS(&p, destroy));
	assert_true(RDD_PLUGIN_HAS(&p, validate));
	assert_true(RDD_PLUGIN_HAS(&p, start_err));
	p.size = RDD_PLUGIN_SIZE_V1_0;
	assert_true(RDD_PLUGIN_HAS(&p, destroy));
	assert_false(RDD_PLUGIN_HAS(&p, validate));
	assert_false(RDD_PLUGIN_HAS(&p, start_err));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_magic_spells_rddp),
		cmocka_unit_test(test_v1_size_covers_every_callback),
		cmocka_unit_test(test_v1_1_appends_at_the_end),
		cmocka_unit_test(test_header_initialiser),
		cmocka_unit_test(test_host_has),
		cmocka_unit_test(test_host_has_on_a_1_0_host),
		cmocka_unit_test(test_plugin_has),
	};

	return cmocka_run_group_tests_name("sdk", tests, NULL, NULL);
}
