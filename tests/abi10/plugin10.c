/*
 * plugin10.c: a small working plugin built against the frozen ABI 1.0
 * header (rdd_plugin_1_0.h, a copy of the header as released), standing
 * for every plugin compiled before 1.1. Its descriptor is 1.0-sized, so a
 * newer host must accept it and see the fields added since as NULL.
 */
#include <stdlib.h>

#include "rdd_plugin_1_0.h"

struct p10 {
	const struct rdd_host *host;
	struct rdd_monitor *m;
};

static int
p10_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	struct p10 *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return -1;
	p->host = host;
	p->m = m;
	*ctx = p;
	return 0;
}

static int
p10_start(void *ctx)
{
	return 0;
}

static void
p10_check(void *ctx, struct rdd_check *c)
{
	struct p10 *p = ctx;

	p->host->report(c, "t10", RDD_OK, "abi 1.0 plugin", NULL, 0);
	p->host->check_done(c);
}

static void
p10_recover(void *ctx, struct rdd_recovery *r, const char *target,
    const char *action, unsigned attempt)
{
	struct p10 *p = ctx;

	p->host->recovery_done(r, RDD_RECOVERY_OK, "recovered by 1.0");
}

static void
p10_stop(void *ctx)
{
}

static void
p10_destroy(void *ctx)
{
	free(ctx);
}

static const char *const p10_actions[] = {"fix", NULL};

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
	RDD_PLUGIN_HEADER,
	.name = "plugin10",
	.version = "1.0.0",
	.description = "Test plugin built against ABI 1.0",
	.options = NULL,
	.config_size = 0,
	.actions = p10_actions,
	.create = p10_create,
	.start = p10_start,
	.check = p10_check,
	.recover = p10_recover,
	.stop = p10_stop,
	.destroy = p10_destroy,
};
