/*
 * abi_newminor.c: built for a newer minor ABI, whose descriptor has a field
 * this host does not know. The host accepts it (the Redis-module rule),
 * copying only the fields it knows.
 */
#include <stddef.h>
#include <stdint.h>

#include "redundancyd/rdd_plugin.h"

/* What a later minor would look like: struct rdd_plugin plus a field. */
struct newer_plugin {
	struct rdd_plugin base;
	void (*later)(void *ctx);
};

static int
new_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	*ctx = NULL;
	return 0;
}

static void
new_check(void *ctx, struct rdd_check *c)
{
}

static void
new_later(void *ctx)
{
}

RDD_EXPORT const struct newer_plugin rdd_plugin = {
    .base =
        {
            .magic = RDD_PLUGIN_MAGIC,
            .abi_major = RDD_ABI_MAJOR,
            .abi_minor = RDD_ABI_MINOR + 3,
            .size = sizeof(struct newer_plugin),
            .name = "newminor",
            .version = "0.0.1",
            .description = "Plugin for a newer minor ABI",
            .options = NULL,
            .config_size = 0,
            .create = new_create,
            .check = new_check,
        },
    .later = new_later,
};
