/*
 * abi_ctor_abort.c: a valid descriptor, but its constructor aborts, as a
 * broken library the plugin needs would: --plugins must survive loading it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "redundancyd/rdd_plugin.h"

__attribute__((constructor)) static void
ctor_abort(void)
{
	abort();
}

static int
abort_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	*ctx = NULL;
	return 0;
}

static void
abort_check(void *ctx, struct rdd_check *c)
{
}

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
    RDD_PLUGIN_HEADER,
    .name = "ctor_abort",
    .version = "0.0.1",
    .description = "Aborts while being loaded",
    .create = abort_create,
    .check = abort_check,
};
