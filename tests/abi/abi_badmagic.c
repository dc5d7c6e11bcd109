/*
 * abi_badmagic.c: wrong magic number; the loader must refuse it.
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
    .magic = 0x12345678u,
    .abi_major = RDD_ABI_MAJOR,
    .abi_minor = RDD_ABI_MINOR,
    .size = sizeof(struct rdd_plugin),
    .name = "badmagic",
    .version = "0.0.1",
    .description = "Broken test plugin",
    .options = NULL,
    .config_size = 0,
    .create = bad_create,
    .check = bad_check,
};
