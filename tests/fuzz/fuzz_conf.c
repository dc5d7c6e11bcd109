/*
 * fuzz_conf.c: libFuzzer-style harness for conf.c: the input is a main config
 * file, loaded and bound to a test plugin with one option of each type.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rdd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * libconfig 1.5 leaks string tokens when a syntax error hits them (`a "x";`,
 * `{ ""}`): its grammar has no %destructor. Not ours to fix, and none of our
 * allocations is made below libconfig; LSan reads this hook under ASan.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

struct fuzz_cfg {
	int b;
	int64_t i;
	double d;
	char *s;
	int64_t dur;
	int64_t size;
	struct rdd_strlist l;
	const void *g;
	char *req;
};

#define OFF(f) offsetof(struct fuzz_cfg, f)
static const struct rdd_option fuzz_opts[] = {
    {"b", RDD_OPT_BOOL, "false", 0, 0, OFF(b), 0, ""},
    {"i", RDD_OPT_INT, "3", 1, 10, OFF(i), 0, ""},
    {"d", RDD_OPT_DOUBLE, "0.5", 0, 1, OFF(d), 0, ""},
    {"s", RDD_OPT_STRING, "x", 0, 0, OFF(s), RDD_OPT_SECRET, ""},
    {"dur", RDD_OPT_DURATION, "30s", 1000, 3600000, OFF(dur), 0, ""},
    {"size", RDD_OPT_SIZE, "1M", 0, 0, OFF(size), 0, ""},
    {"l", RDD_OPT_STRLIST, "a", 0, 0, OFF(l), 0, ""},
    {"g", RDD_OPT_GROUP, NULL, 0, 0, OFF(g), 0, ""},
    {"req", RDD_OPT_STRING, NULL, 0, 0, OFF(req), RDD_OPT_REQUIRED, ""},
    RDD_OPTIONS_END,
};

static const struct rdd_plugin fuzz_plugin = {
    RDD_PLUGIN_HEADER,
    .name = "test",
    .version = "1.0",
    .description = "fuzz",
    .options = fuzz_opts,
    .config_size = sizeof(struct fuzz_cfg),
};

static const struct rdd_plugin *
fuzz_lookup(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "test") == 0 ? &fuzz_plugin : NULL;
}

/* @include could name any file (/dev/zero); configs are trusted input. */
static int
fuzz_has_include(const uint8_t *data, size_t size)
{
	static const char kw[] = "@include";
	size_t i, j;

	for (i = 0; i + sizeof(kw) - 1 <= size; i++) {
		for (j = 0; j < sizeof(kw) - 1; j++)
			if (tolower(data[i + j]) != kw[j])
				break;
		if (j == sizeof(kw) - 1)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[] = "/tmp/rdd-fuzz-conf-XXXXXX", path[sizeof(dir) + 32];
	struct errlist errs = {NULL, 0}, warns = {NULL, 0};
	struct conf *c;
	size_t *order;
	FILE *fp;

	if (fuzz_has_include(data, size))
		return 0;
	if (mkdtemp(dir) == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/redundancyd.conf", dir);
	if ((fp = fopen(path, "w")) != NULL) {
		fwrite(data, 1, size, fp);
		fclose(fp);
		c = conf_load2(path, &errs, &warns);
		if (c != NULL) {
			conf_bind_plugins(c, fuzz_lookup, NULL, &errs);
			if ((order = calloc(c->nmon + 1, sizeof(*order))) !=
			    NULL) {
				conf_topo_order(c, order, &errs);
				free(order);
			}
			conf_free(c);
		}
		unlink(path);
	}
	rmdir(dir);
	errlist_free(&errs);
	errlist_free(&warns);
	return 0;
}
