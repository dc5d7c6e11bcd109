/*
 * test_sdk: the SDK header's ABI arithmetic, which every loader check and
 * every plugin's RDD_HOST_HAS test depends on.
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
	assert_int_equal(RDD_PLUGIN_SIZE_V1_0, sizeof(struct rdd_plugin));
	assert_true(RDD_PLUGIN_SIZE_V1_0 > offsetof(struct rdd_plugin, check));
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_magic_spells_rddp),
		cmocka_unit_test(test_v1_size_covers_every_callback),
		cmocka_unit_test(test_header_initialiser),
		cmocka_unit_test(test_host_has),
	};

	return cmocka_run_group_tests_name("sdk", tests, NULL, NULL);
}
