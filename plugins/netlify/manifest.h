/*
 * manifest.h: .netlify/functions/manifest.json in the format of
 * @netlify/zip-it-and-ship-it (MANIFEST_VERSION 1): read, judge, write,
 * and install atomically with a backup of the previous one.
 */
#ifndef NL_MANIFEST_H
#define NL_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "site.h"

#define NL_MANIFEST_NAME "manifest.json"
#define NL_MANIFEST_BACKUP "manifest.json.bak"

struct nl_mf_fn {
	char *name;
	char *main;
	char *path;
	char *bundler;
	char *runtime;
	int api; /* buildData.runtimeAPIVersion, 0 when absent */
};

struct nl_manifest {
	int version;
	int64_t timestamp; /* ms since the epoch */
	struct nl_mf_fn *f;
	size_t n;
};

enum nl_mf_verdict {
	NL_MF_FRESH,
	NL_MF_MISSING,
	NL_MF_BROKEN,
	NL_MF_STALE,
};

/* 0 read, 1 missing, -1 unparseable or unreadable (err says why). */
int nl_manifest_load(
    const char *path, struct nl_manifest *m, char *err, size_t errlen);
/* The same from memory. */
int nl_manifest_parse(const char *text, size_t len, struct nl_manifest *m,
    char *err, size_t errlen);
void nl_manifest_free(struct nl_manifest *m);

/*
 * Fresh, or stale because the function set or an entry file changed: a
 * function missing from it or gone from disk, another mainFile, or a
 * source modified after its timestamp. why gets the first reasons.
 */
enum nl_mf_verdict nl_manifest_judge(const struct nl_manifest *m,
    const struct nl_site *s, char *why, size_t whylen);

/* 0 bundle dist/NAME.zip is newer than the sources, 1 missing, 2 older. */
int nl_bundle_state(const char *dist, const struct nl_func *f);

/* The manifest JSON for the site's functions and their bundles in dist. */
char *nl_manifest_json(
    const struct nl_site *s, const char *dist, int64_t now_ms);

/*
 * Install tmp as dist/manifest.json atomically; the previous manifest is
 * kept as manifest.json.bak (hard link, else a copy) first. Returns 1 when
 * a backup was kept, 0 when there was no previous manifest, -1 on error.
 */
int nl_manifest_install(
    const char *dist, const char *tmp, char *err, size_t errlen);

/* Write the manifest from the bundles present (mkdir -p dist); returns as
 * nl_manifest_install. */
int nl_manifest_write(
    const struct nl_site *s, const char *dist, char *err, size_t errlen);

/* runtimeVersion of v2 functions: zip-it-and-ship-it 16.2.3's default. */
#define NL_V2_RUNTIME "nodejs24.x"

/*
 * 0 when the writer can write every function's entry as the bundler
 * would; -1 (err says which function and why) when a v2 config holds a
 * URL pattern or a computed value that only the bundler can resolve.
 */
int nl_manifest_writable(const struct nl_site *s, char *err, size_t errlen);
/* buildData.bootstrapVersion from the site's node_modules; -1 unknown. */
int nl_bootstrap_version(const char *site, char *out, size_t outlen);

/* arch and platform as Node.js names them (process.arch/platform). */
void nl_node_system(char *arch, size_t alen, char *plat, size_t plen);

#endif
