/*
 * abi_good.c: a valid plugin for the loader tests; it must load next to the
 * broken ones and feeds the --plugin-help table.
 */
#include <stddef.h>
#include <stdint.h>

#include "redundancyd/rdd_plugin.h"

struct good_config {
	char *command;
	int64_t timeout_ms;
	int64_t retries;
	char *token;
	double ratio;
	struct rdd_strlist tags;
	int64_t max_output;
	int verbose;
};

static const struct rdd_option good_options[] = {
    {"command", RDD_OPT_STRING, NULL, 0, 0,
        offsetof(struct good_config, command), RDD_OPT_REQUIRED,
        "Command to run"},
    {"timeout", RDD_OPT_DURATION, "30s", 1000, 3600000,
        offsetof(struct good_config, timeout_ms), 0, "Check timeout"},
    {"retries", RDD_OPT_INT, "3", 0, 10, offsetof(struct good_config, retries),
        0, "Retries per check"},
    {"token", RDD_OPT_STRING, NULL, 0, 0, offsetof(struct good_config, token),
        RDD_OPT_REQUIRED | RDD_OPT_SECRET, "API token"},
    {"ratio", RDD_OPT_DOUBLE, "0.5", 0, 1, offsetof(struct good_config, ratio),
        0, "Warning ratio"},
    {"tags", RDD_OPT_STRLIST, NULL, 0, 0, offsetof(struct good_config, tags), 0,
        "Tags"},
    {"max_output", RDD_OPT_SIZE, "64K", 1024, 1048576,
        offsetof(struct good_config, max_output), 0, "Output cap"},
    {"verbose", RDD_OPT_BOOL, "false", 0, 0,
        offsetof(struct good_config, verbose), 0, "Log more"},
    RDD_OPTIONS_END,
};

static const char *const good_actions[] = {
    "restart", "start-from-ecosystem", NULL};

static int
good_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	*ctx = NULL;
	return 0;
}

static void
good_check(void *ctx, struct rdd_check *c)
{
}

static void
good_recover(void *ctx, struct rdd_recovery *r, const char *target,
    const char *action, unsigned attempt)
{
}

static void
good_destroy(void *ctx)
{
}

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
    RDD_PLUGIN_HEADER,
    .name = "abi_good",
    .version = "1.2.3",
    .description = "Good test plugin for the loader",
    .options = good_options,
    .config_size = sizeof(struct good_config),
    .actions = good_actions,
    .create = good_create,
    .check = good_check,
    .recover = good_recover,
    .destroy = good_destroy,
};
