/*
 * abi_evil.c: a valid plugin whose constructor leaves a marker file (its path
 * in RDD_EVIL_MARKER): the race test swaps it in for a good plugin and
 * asserts the loader never ran its code.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "redundancyd/rdd_plugin.h"

__attribute__((constructor)) static void
evil_ctor(void)
{
	const char *marker = getenv("RDD_EVIL_MARKER");
	int fd;

	if (marker == NULL || *marker == '\0')
		return;
	fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd != -1)
		close(fd);
}

static int
evil_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	*ctx = NULL;
	return 0;
}

static void
evil_check(void *ctx, struct rdd_check *c)
{
}

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
    RDD_PLUGIN_HEADER,
    .name = "abi_evil",
    .version = "6.6.6",
    .description = "Must never be loaded by the race test",
    .create = evil_create,
    .check = evil_check,
};
