/*
 * abi_badopt.c: an option that lands outside its config struct; the loader
 * must refuse it.
 */
#include <stddef.h>
#include <stdint.h>

#include "redundancyd/rdd_plugin.h"

struct badopt_config {
	int verbose;
};

/* "count" is written 64 bytes into a struct of 4. */
static const struct rdd_option badopt_options[] = {
    {"verbose", RDD_OPT_BOOL, "false", 0, 0,
        offsetof(struct badopt_config, verbose), 0, "Log more"},
    {"count", RDD_OPT_INT, "1", 0, 0, 64, 0, "Out of bounds"},
    RDD_OPTIONS_END,
};

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
    .abi_major = RDD_ABI_MAJOR,
    .abi_minor = RDD_ABI_MINOR,
    .size = sizeof(struct rdd_plugin),
    .name = "badopt",
    .version = "0.0.1",
    .description = "Broken test plugin",
    .options = badopt_options,
    .config_size = sizeof(struct badopt_config),
    .create = bad_create,
    .check = bad_check,
};
