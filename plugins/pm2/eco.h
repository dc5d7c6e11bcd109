/*
 * eco.h: PM2 ecosystem files: .json (json-c) and .yaml/.yml (libyaml)
 * parsed here with line numbers, .config.js/.cjs/.mjs as the JSON that node
 * prints; every app checked against the option schema PM2 ships
 * (lib/API/schema.json). Pure: text in, apps and diagnostics out.
 */
#ifndef PM2_ECO_H
#define PM2_ECO_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

enum eco_kind {
	ECO_UNKNOWN = 0,
	ECO_JS,   /* .config.js, .cjs, .mjs: evaluated by node */
	ECO_JSON, /* .json */
	ECO_YAML, /* .yaml, .yml */
};

enum eco_sev {
	ECO_WARN = 0,
	ECO_ERR,
};

struct eco_diag {
	enum eco_sev sev;
	int line;  /* 1-based, 0 when the format has no lines (JS) */
	char *msg; /* "FILE:LINE: app 'x': key: problem: fix" */
};

struct eco_app {
	char *name;
	char *script_path; /* absolute, NULL when not found */
	char *cwd;         /* absolute: the app's cwd or the file's dir */
	int instances;     /* as configured; 0 / -1 / "max": per CPU */
	int cluster;       /* exec_mode cluster */
	int autostart;
	int port;                /* env.PORT or port, 0 if none */
	struct json_object *def; /* the app object as written */
	int line;
};

struct eco_file {
	char *path;
	char *dir; /* absolute directory of path */
	enum eco_kind kind;
	struct eco_app *apps;
	size_t napps;
	struct eco_diag *diags;
	size_t ndiags;
	int nerr, nwarn;
};

/* The option schema; an empty one (root NULL) checks only the basics. */
struct eco_schema {
	struct json_object *root;
	char *path;
};

int eco_schema_load(
    struct eco_schema *s, const char *path, char *err, size_t errlen);
/* From text (tests); path names it in messages. */
int eco_schema_load_text(struct eco_schema *s, const char *path,
    const char *text, char *err, size_t errlen);
void eco_schema_free(struct eco_schema *s);

/* By suffix, the way PM2 decides: .json, .yml/.yaml, .config.js/.cjs/.mjs */
enum eco_kind eco_kind_of(const char *path);

/*
 * Parse and validate one file's text. For ECO_JS the text is the JSON
 * node printed (no line numbers). f is initialised here; eco_file_free it
 * even on -1 (-1 only on ENOMEM: syntax and schema problems are diags).
 */
int eco_load_text(struct eco_file *f, const char *path, enum eco_kind kind,
    const char *text, size_t len, const struct eco_schema *s);
/* An error that happened before parsing (node failed, unreadable file). */
int eco_load_error(struct eco_file *f, const char *path, enum eco_kind kind,
    int line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void eco_file_free(struct eco_file *f);

/* Errors for app names declared twice across (and within) files. */
/*
 * Lines of a .js file's apps from its source (node's output has none), so
 * duplicate-name errors name the line of each app's name:.
 */
void eco_js_lines(struct eco_file *f, const char *src, size_t len);

void eco_check_duplicates(struct eco_file *files, size_t n);

/* The worst diag's text, for a one-line status message. */
const struct eco_diag *eco_first(const struct eco_file *f);

const struct eco_app *eco_find_app(const struct eco_file *files, size_t n,
    const char *name, const struct eco_file **file);

/* The node -e program that prints a JS ecosystem file as JSON. */
extern const char eco_node_program[];

#endif /* PM2_ECO_H */
