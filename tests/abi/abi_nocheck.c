/*
 * abi_nocheck.c: no check callback; the loader must refuse it.
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

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
    .magic = RDD_PLUGIN_MAGIC,
    .abi_major = RDD_ABI_MAJOR,
    .abi_minor = RDD_ABI_MINOR,
    .size = sizeof(struct rdd_plugin),
    .name = "nocheck",
    .version = "0.0.1",
    .description = "Broken test plugin",
    .options = NULL,
    .config_size = 0,
    .create = bad_create,
    .check = NULL,
};
