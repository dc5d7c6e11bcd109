/*
 * bad.h: the shared skeleton of the misbehaving test plugins: an
 * option-free descriptor named after the file, a context that counts
 * checks, and a well-behaved check for the rounds that do not misbehave.
 * Built out of tree against the installed SDK, like any third party's.
 */
#ifndef BAD_H
#define BAD_H

#include <stdlib.h>

#include <redundancyd/rdd_plugin.h>

struct bad {
	const struct rdd_host *host;
	struct rdd_monitor *m;
	unsigned checks; /* of this process: a restarted worker starts at 0 */
};

static int
bad_create(const struct rdd_host *host, struct rdd_monitor *m,
    const void *config, void **ctx, char *err, size_t errlen)
{
	struct bad *b;

	(void)config;
	(void)err;
	(void)errlen;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	b->host = host;
	b->m = m;
	*ctx = b;
	return 0;
}

static void
bad_destroy(void *ctx)
{
	free(ctx);
}

/* The good behaviour: one target "t", OK, then check_done. */
static inline void
bad_ok(struct bad *b, struct rdd_check *c)
{
	b->host->report(c, "t", RDD_OK, "t OK", NULL, 0);
	b->host->check_done(c);
}

#define BAD_PLUGIN(NAME, CHECK)                                                \
	RDD_EXPORT const struct rdd_plugin rdd_plugin = {                      \
		RDD_PLUGIN_HEADER,                                             \
		.name = NAME,                                                  \
		.version = "0.0.1",                                            \
		.description = "misbehaving test plugin (tests/isolation)",    \
		.create = bad_create,                                          \
		.check = CHECK,                                                \
		.destroy = bad_destroy,                                        \
	}

#endif /* BAD_H */
