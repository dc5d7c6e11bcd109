/*
 * bad_start: loads, validates and creates fine, then refuses to start,
 * with a reason (start_err), as a plugin whose socket is taken would.
 */
#include <stdio.h>

#include "bad.h"

static int
start_refuse(void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	snprintf(err, errlen, "cannot bind 127.0.0.1:1: address in use");
	return -1;
}

static void
never_check(void *ctx, struct rdd_check *c)
{
	bad_ok(ctx, c);
}

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
	RDD_PLUGIN_HEADER,
	.name = "bad_start",
	.version = "0.0.1",
	.description = "misbehaving test plugin (tests/isolation)",
	.create = bad_create,
	.start_err = start_refuse,
	.check = never_check,
	.destroy = bad_destroy,
};
