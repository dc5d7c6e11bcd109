/*
 * site.h: a Netlify site on disk: netlify.toml resolved the way
 * @netlify/config does, functions found and statically checked the way
 * @netlify/zip-it-and-ship-it finds them.
 */
#ifndef NL_SITE_H
#define NL_SITE_H

#include <stddef.h>
#include <stdint.h>

#include <redundancyd/rdd_plugin.h>

#define NL_DEFAULT_FUNCTIONS "netlify/functions"

struct nl_strv {
	char **v;
	size_t n;
};

/* [functions] (pattern NULL) or [functions."pattern"]. */
struct nl_fsect {
	char *pattern;
	int line;
	char *node_bundler;
	char *schedule;
	struct nl_strv included_files;
	struct nl_strv external_node_modules;
	struct nl_strv ignored_node_modules;
};

struct nl_redirect {
	char *from;
	char *to;
	char *fn; /* NAME when `to` is /.netlify/functions/NAME, else NULL */
	int line;
};

/* A finding about netlify.toml: warning or error, with its line. */
struct nl_note {
	enum rdd_state st;
	int line;
	char *msg;
};

struct nl_conf {
	int present;         /* netlify.toml exists */
	int ok;              /* it parsed (or is absent) */
	char *functions_dir; /* relative to the site, as resolved */
	const char *origin;  /* "[functions] directory", ... */
	int functions_line;
	char *publish;
	struct nl_fsect *sect;
	size_t nsect;
	struct nl_redirect *rd;
	size_t nrd;
	struct nl_note *notes;
	size_t nnotes;
};

/* Everything of one function: what it is, then what the checks found. */
struct nl_func {
	char *name;
	char *path;      /* absolute: the file or directory found */
	char *main;      /* absolute entry file */
	char *rel;       /* entry relative to the site, for messages */
	const char *ext; /* ".js", ".ts", ... of the entry */
	int is_dir;
	int64_t mtime_ns;  /* of the entry */
	int64_t newest_ms; /* newest mtime of the sources (tree for a dir) */
	int64_t size;      /* bytes of the sources */

	/* Static analysis of the entry file. */
	int scanned; /* source read and scanned */
	int esm;     /* import/export syntax */
	int handler; /* exports a handler */
	int dflt;    /* has a default export */
	int v2;      /* Functions API v2: default export, no handler */
	const char *bundler;
	const char *schedule;  /* from netlify.toml */
	struct nl_js_cfg *cfg; /* v2 in-source config, or NULL */

	enum rdd_state st;
	char *msg;
};

struct nl_site {
	char *site;     /* absolute site directory */
	char *fdir;     /* absolute functions directory */
	char *fdir_rel; /* as configured */
	int fdir_exists;
	struct nl_func *f;
	size_t n;
	size_t cap;
};

/* Appends "; text" to *msg and raises *st to st. */
void nl_msg_add(char **msg, enum rdd_state *st, enum rdd_state add,
    const char *fmt, ...) RDD_PRINTF(4, 5);

/*
 * netlify.toml from memory; name is used in messages. Always fills c
 * (defaults when src is NULL); returns -1 when the file does not parse.
 */
int nl_conf_parse(
    struct nl_conf *c, const char *src, size_t len, const char *name);
/* site/netlify.toml, absent is fine. */
int nl_conf_load(struct nl_conf *c, const char *site);
void nl_conf_free(struct nl_conf *c);
/* The node_bundler / schedule / sections that apply to function `name`. */
const char *nl_conf_bundler(const struct nl_conf *c, const char *name);
const char *nl_conf_schedule(const struct nl_conf *c, const char *name);

/* Netlify's name rule: letters, digits, '-' and '_'. */
int nl_name_ok(const char *name);

/*
 * The functions in site/fdir_rel the way zip-it-and-ship-it lists them.
 * Returns 0, or -1 with err set (out of memory); a missing directory is
 * not an error (fdir_exists 0).
 */
int nl_discover(struct nl_site *s, const char *site, const char *fdir_rel,
    char *err, size_t errlen);
void nl_site_free(struct nl_site *s);
struct nl_func *nl_site_find(const struct nl_site *s, const char *name);

/* Static checks of every function: name, entry, handler, size. */
void nl_validate(struct nl_site *s, const struct nl_conf *c, int64_t max_size);

#define NL_CFG_PATHS 16  /* paths (and excluded paths) read per function */
#define NL_CFG_STR 256   /* longest path or schedule read */
#define NL_CFG_METHODS 8 /* GET POST PUT PATCH OPTIONS DELETE HEAD */

/*
 * A v2 function's `export const config = { ... }`, as far as the manifest
 * needs it; only string, string-array and boolean literals are read.
 */
struct nl_js_cfg {
	int found;      /* the object literal was read to its '}' */
	int unreadable; /* a key below has a value that is not a literal */
	char schedule[NL_CFG_STR];
	char path[NL_CFG_PATHS][NL_CFG_STR];
	size_t npath;
	char excluded[NL_CFG_PATHS][NL_CFG_STR];
	size_t nexcluded;
	char method[NL_CFG_METHODS][8]; /* upper case, as zisi writes them */
	size_t nmethod;
	int prefer_static;
	int background;
};

/* The JavaScript scan, exposed for tests. */
struct nl_js {
	int esm, handler, dflt, mexports, mexports_obj_nohandler;
	/* The first `export * from "./x"` (a relative module), or "". */
	char star_from[256];
	struct nl_js_cfg cfg;
};
void nl_js_scan(const char *src, size_t len, struct nl_js *out);

/* Read a whole small file (cap bytes at most); NULL with errno set. */
char *nl_read_file(const char *path, size_t cap, size_t *lenp);

/* "/a/b/../c/./d" -> "/a/c/d" in place (absolute paths only). */
void nl_path_clean(char *p);

#endif
