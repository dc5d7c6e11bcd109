/*
 * ghdata.h: what GitHub Actions accepts in a workflow file, as tables: the
 * events, the GITHUB_TOKEN permission scopes and levels, the expression
 * contexts and functions (with arity). The tables live in ghdata.c, which
 * names its sources and the date they were checked.
 */
#ifndef GHA_GHDATA_H
#define GHA_GHDATA_H

#include <stddef.h>

/* GH_ARGS_MANY: no upper bound on the number of arguments. */
#define GH_ARGS_MANY 255

struct gh_func {
	const char *name; /* as documented; matched case-insensitively */
	unsigned char min;
	unsigned char max; /* GH_ARGS_MANY: unbounded */
	unsigned char odd; /* the count must be odd (case) */
};

/* NULL-terminated lists. */
extern const char *const gh_events[];
extern const char *const gh_permission_scopes[];
extern const char *const gh_permission_levels[];
extern const char *const gh_permission_all[];
extern const char *const gh_contexts[];
extern const struct gh_func gh_functions[];

/* The date the tables were checked against GitHub's documentation. */
extern const char gh_data_date[];

/* Lookups; the case-insensitive ones follow GitHub's expression rules. */
int gh_in(const char *const *list, const char *s, size_t n);
int gh_in_nocase(const char *const *list, const char *s, size_t n);
const struct gh_func *gh_function(const char *s, size_t n);

#endif /* GHA_GHDATA_H */
