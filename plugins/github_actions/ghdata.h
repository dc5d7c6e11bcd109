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

/*
 * Context availability: a set of contexts is a mask of bits, bit i for
 * gh_contexts[i]. gh_ctx_keys lists, for each workflow key where GitHub
 * restricts them, the contexts its expressions may use; a key not in the
 * table is not checked.
 */
enum gh_ctx_bit {
	GH_C_GITHUB = 1u << 0,
	GH_C_ENV = 1u << 1,
	GH_C_VARS = 1u << 2,
	GH_C_JOB = 1u << 3,
	GH_C_JOBS = 1u << 4,
	GH_C_STEPS = 1u << 5,
	GH_C_RUNNER = 1u << 6,
	GH_C_SECRETS = 1u << 7,
	GH_C_STRATEGY = 1u << 8,
	GH_C_MATRIX = 1u << 9,
	GH_C_NEEDS = 1u << 10,
	GH_C_INPUTS = 1u << 11,
};

struct gh_ctx_key {
	const char *key; /* as the documentation writes it */
	unsigned allowed;
};

extern const struct gh_ctx_key gh_ctx_keys[];

/* The mask of the context named s[0..n), case-insensitive; 0 if none. */
unsigned gh_context_bit(const char *s, size_t n);
/* The contexts allowed at key (a gh_ctx_keys name); 0: not restricted. */
unsigned gh_ctx_allowed(const char *key);
/* "github, inputs, vars": the names in mask, in table order. */
void gh_ctx_names(unsigned mask, char *buf, size_t len);

/* The date the tables were checked against GitHub's documentation. */
extern const char gh_data_date[];

/* Lookups; the case-insensitive ones follow GitHub's expression rules. */
int gh_in(const char *const *list, const char *s, size_t n);
int gh_in_nocase(const char *const *list, const char *s, size_t n);
const struct gh_func *gh_function(const char *s, size_t n);

#endif /* GHA_GHDATA_H */
