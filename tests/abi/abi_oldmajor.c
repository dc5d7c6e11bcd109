/*
 * abi_oldmajor.c: built for an older major ABI (0.9); the loader must refuse
 * it.
 */
#include <stddef.h>
#include <stdint.h>

#include "redundancyd/rdd_plugin.h"

static int
bad_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	*ctx = NULL;
	return 0;
}

static void
bad_check(void *ctx, struct rdd_check *c)
{
}

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
    .magic = RDD_PLUGIN_MAGIC,
    .abi_major = 0,
    .abi_minor = 9,
    .size = sizeof(struct rdd_plugin),
    .name = "oldmajor",
    .version = "0.0.1",
    .description = "Broken test plugin",
    .options = NULL,
    .config_size = 0,
    .create = bad_create,
    .check = bad_check,
};
