/*
 * example_file.c: a complete redundancyd plugin in one file, built out of
 * tree against the installed SDK: files that must exist, recreated if not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <redundancyd/rdd_plugin.h>

struct example_config {
	struct rdd_strlist paths;	/* files that must exist */
	char *content;			/* written when one is recreated */
};

struct example {
	const struct rdd_host *host;
	struct rdd_monitor *m;
	const struct example_config *cfg;
};

static const struct rdd_option example_options[] = {
	{ "paths", RDD_OPT_STRLIST, NULL, 0, 0,
	    offsetof(struct example_config, paths), RDD_OPT_REQUIRED,
	    "files that must exist (absolute paths)" },
	{ "content", RDD_OPT_STRING, "", 0, 0,
	    offsetof(struct example_config, content), 0,
	    "what a recreated file contains" },
	RDD_OPTIONS_END,
};

static const char *const example_actions[] = { "recreate", NULL };

/*
 * What the option table cannot say. As validate (ABI 1.1) it runs for
 * `redundancyd -t` and before every create, touching nothing; create runs
 * it again because a host that predates validate never calls it.
 */
static int
example_validate(const struct rdd_host *host, const void *config, char *err,
    size_t errlen)
{
	const struct example_config *cfg = config;
	size_t i;

	for (i = 0; i < cfg->paths.n; i++)
		if (cfg->paths.v[i][0] != '/') {
			snprintf(err, errlen, "paths: '%s' is relative: give "
			    "an absolute path", cfg->paths.v[i]);
			return -1;
		}
	return 0;
}

static int
example_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	const struct example_config *cfg = config;
	struct example *e;

	if (example_validate(host, config, err, errlen) != 0)
		return -1;
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->host = host;
	e->m = m;
	e->cfg = cfg;
	*ctx = e;
	return 0;
}

static int
example_start(void *ctx)
{
	return 0;
}

/* stat(2) of a local file is quick enough for the loop. */
static void
example_check(void *ctx, struct rdd_check *c)
{
	struct example *e = ctx;
	struct stat st;
	char msg[512];
	size_t i;

	for (i = 0; i < e->cfg->paths.n; i++) {
		const char *p = e->cfg->paths.v[i];
		struct rdd_metric size;

		if (stat(p, &st) == -1) {
			snprintf(msg, sizeof(msg), "%s: %s", p, strerror(errno));
			e->host->report(c, p, RDD_CRITICAL, msg, NULL, 0);
			continue;
		}
		size.name = "size";
		size.value = (double)st.st_size;
		size.unit = "B";
		e->host->report(c, p, RDD_OK, "present", &size, 1);
	}
	e->host->check_done(c);
}

static void
example_recover(void *ctx, struct rdd_recovery *r, const char *target,
    const char *action, unsigned attempt)
{
	struct example *e = ctx;
	const char *text = e->cfg->content ? e->cfg->content : "";
	char msg[512];
	int fd;

	fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd == -1) {
		snprintf(msg, sizeof(msg), "cannot create %s: %s", target,
		    strerror(errno));
		e->host->recovery_done(r, 0, msg);
		return;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		e->host->recovery_done(r, 0, "short write");
		return;
	}
	close(fd);
	e->host->recovery_done(r, 1, "recreated");
}

static void
example_stop(void *ctx)
{
}

static void
example_destroy(void *ctx)
{
	free(ctx);
}

RDD_EXPORT const struct rdd_plugin rdd_plugin = {
	RDD_PLUGIN_HEADER,
	.name = "example_file",
	.version = "1.0.0",
	.description = "Files that must exist; recreates a missing one",
	.options = example_options,
	.config_size = sizeof(struct example_config),
	.actions = example_actions,
	.create = example_create,
	.start = example_start,
	.check = example_check,
	.recover = example_recover,
	.stop = example_stop,
	.destroy = example_destroy,
	.validate = example_validate,
};
