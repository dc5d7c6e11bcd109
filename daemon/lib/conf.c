/*
 * conf.c: reads the libconfig main file and its conf.d drop-ins, merges them,
 * validates every value with file:line errors and fills plugin option structs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libconfig.h>

#include "rdd.h"
#include "alerts/alerts.h"

#ifndef PLUGINDIR
#define PLUGINDIR "/usr/local/lib/redundancyd/plugins"
#endif

#define CONF_WHERE 1024   /* "file:line: " plus a monitor prefix */
#define CONF_NAME_MAX 128 /* monitor names become log file names */

/* One parsed value of any option type. */
union conf_val {
	int b;
	int64_t i;
	double d;
	const char *s;
	struct rdd_strlist l;
	const void *g;
};

/* A fixed key of the daemon, http or recovery groups. */
#define CK_PATH 0x1       /* relative to the main file's directory */
#define CK_EMPTY_NULL 0x2 /* "" means unset */
#define CK_INT32 0x4      /* RDD_OPT_INT stored as int, not int64_t */
#define CK_SOCKET 0x8     /* must fit a sockaddr_un */
#define CK_HOSTPORT 0x10  /* "host:port" */
#define CK_MODE 0x20      /* recovery.mode: "act" or "dry-run", to an int */
#define CK_ENV 0x40       /* daemon.environment: "" or an environment name */

struct conf_key {
	const char *name;
	enum rdd_opt_type type;
	unsigned flags;
	double min, max;
	size_t off;
};

static const struct conf_key conf_daemon_keys[] = {
    {"plugin_dir", RDD_OPT_STRING, CK_PATH, 0, 0,
        offsetof(struct conf, plugin_dir)},
    {"state_dir", RDD_OPT_STRING, CK_PATH, 0, 0,
        offsetof(struct conf, state_dir)},
    {"log_dir", RDD_OPT_STRING, CK_PATH, 0, 0, offsetof(struct conf, log_dir)},
    {"control_socket", RDD_OPT_STRING, CK_PATH | CK_SOCKET, 0, 0,
        offsetof(struct conf, control_socket)},
    {"control_group", RDD_OPT_STRING, CK_EMPTY_NULL, 0, 0,
        offsetof(struct conf, control_group)},
    {"http", RDD_OPT_GROUP, 0, 0, 0, 0},
    {"pidfile", RDD_OPT_STRING, CK_PATH, 0, 0, offsetof(struct conf, pidfile)},
    {"syslog", RDD_OPT_BOOL, 0, 0, 0, offsetof(struct conf, syslog)},
    {"startup_delay", RDD_OPT_DURATION, 0, 0, 0,
        offsetof(struct conf, startup_delay_ms)},
    {"max_concurrent_recoveries", RDD_OPT_INT, CK_INT32, 1, 1000,
        offsetof(struct conf, max_concurrent_recoveries)},
    {"max_children", RDD_OPT_INT, CK_INT32, 1, 256,
        offsetof(struct conf, max_children)},
    {"max_transfers", RDD_OPT_INT, CK_INT32, 1, 1024,
        offsetof(struct conf, max_transfers)},
    {"shutdown_deadline", RDD_OPT_DURATION, 0, 0, 0,
        offsetof(struct conf, shutdown_deadline_ms)},
    {"stall_timeout", RDD_OPT_DURATION, 0, 0, 0,
        offsetof(struct conf, stall_timeout_ms)},
    {"ping_interval", RDD_OPT_DURATION, 0, 0, 0,
        offsetof(struct conf, ping_interval_ms)},
    {"memory_max", RDD_OPT_SIZE, 0, 0, 0, offsetof(struct conf, memory_max)},
    {"user", RDD_OPT_STRING, CK_EMPTY_NULL, 0, 0, offsetof(struct conf, user)},
    {"group", RDD_OPT_STRING, CK_EMPTY_NULL, 0, 0,
        offsetof(struct conf, group)},
    {"master_root", RDD_OPT_BOOL, 0, 0, 0, offsetof(struct conf, master_root)},
    {"environment", RDD_OPT_STRING, CK_ENV, 0, 0,
        offsetof(struct conf, environment)},
    {"host", RDD_OPT_STRING, 0, 0, 0, offsetof(struct conf, host)},
    {"config_history", RDD_OPT_INT, CK_INT32, 0, 1000,
        offsetof(struct conf, config_history)},
    {NULL, RDD_OPT_END, 0, 0, 0, 0},
};

static const struct conf_key conf_http_keys[] = {
    {"listen", RDD_OPT_STRING, CK_EMPTY_NULL | CK_HOSTPORT, 0, 0,
        offsetof(struct conf, http_listen)},
    {"allow_remote", RDD_OPT_BOOL, 0, 0, 0, offsetof(struct conf, http_any)},
    {NULL, RDD_OPT_END, 0, 0, 0, 0},
};

static const struct conf_key conf_recovery_keys[] = {
    {"max_attempts", RDD_OPT_INT, CK_INT32, 1, 100,
        offsetof(struct conf_recovery, max_attempts)},
    {"delay", RDD_OPT_DURATION, 0, 0, 0,
        offsetof(struct conf_recovery, delay_ms)},
    {"backoff", RDD_OPT_DOUBLE, 0, 1.0, 10.0,
        offsetof(struct conf_recovery, backoff)},
    {"max_delay", RDD_OPT_DURATION, 0, 0, 0,
        offsetof(struct conf_recovery, max_delay_ms)},
    {"cooldown", RDD_OPT_DURATION, 0, 0, 0,
        offsetof(struct conf_recovery, cooldown_ms)},
    {"window", RDD_OPT_DURATION, 0, 0, 0,
        offsetof(struct conf_recovery, window_ms)},
    {"window_max", RDD_OPT_INT, CK_INT32, 1, 1000,
        offsetof(struct conf_recovery, window_max)},
    {"hard_after", RDD_OPT_INT, CK_INT32, 1, 100,
        offsetof(struct conf_recovery, hard_after)},
    {"flap_low", RDD_OPT_DOUBLE, 0, 0, 100,
        offsetof(struct conf_recovery, flap_low)},
    {"flap_high", RDD_OPT_DOUBLE, 0, 0, 100,
        offsetof(struct conf_recovery, flap_high)},
    {"mode", RDD_OPT_STRING, CK_MODE, 0, 0,
        offsetof(struct conf_recovery, dry_run)},
    {NULL, RDD_OPT_END, 0, 0, 0, 0},
};

/* Keys of a monitor that belong to the host, not to the plugin. */
static const char *const conf_common_keys[] = {"name", "plugin", "enabled",
    "interval", "timeout", "depends_on", "recovery", "isolate", "user",
    "group", "memory_max", NULL};

/* State of one conf_load call. */
struct conf_names;

struct conf_ld {
	struct conf *c;
	struct errlist *errs, *warns;
	size_t nerr;
	char *confdir;             /* absolute directory of the main file */
	char recwhere[CONF_WHERE]; /* last top-level recovery group */
	const char *env_override;  /* redundancyd -e, or NULL */
	struct conf_names *names;  /* the files to read, main file first */
};

static void conf_err(struct conf_ld *L, const char *fmt, ...) RDD_PRINTF(2, 3);

static void
conf_err(struct conf_ld *L, const char *fmt, ...)
{
	va_list ap;
	char buf[RDD_ERRLEN * 2];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	errlist_add(L->errs, "%s", buf);
	L->nerr++;
}

/* "file:line: " of s, falling back to file when libconfig knows no name. */
static void
conf_where(const config_setting_t *s, const char *file, char *buf, size_t len)
{
	const char *f = NULL;
	unsigned line = 0;

	if (s != NULL) {
		f = config_setting_source_file(s);
		line = config_setting_source_line(s);
	}
	if (f == NULL)
		f = file;
	if (f == NULL)
		buf[0] = '\0';
	else if (line == 0)
		snprintf(buf, len, "%s: ", f);
	else
		snprintf(buf, len, "%s:%u: ", f, line);
}

static const char *
conf_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "nothing";
}

static const char *
conf_expected(enum rdd_opt_type t)
{
	switch (t) {
	case RDD_OPT_BOOL:
		return "expected true or false";
	case RDD_OPT_INT:
		return "expected an integer";
	case RDD_OPT_DOUBLE:
		return "expected a number";
	case RDD_OPT_STRING:
		return "expected a string";
	case RDD_OPT_DURATION:
		return "expected a duration like \"30s\"";
	case RDD_OPT_SIZE:
		return "expected a size like \"80M\"";
	case RDD_OPT_STRLIST:
		return "expected a string or a list of strings";
	case RDD_OPT_GROUP:
		return "expected a group or a list";
	case RDD_OPT_END:
		break;
	}
	return "expected nothing";
}

static int
conf_is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	       config_setting_type(s) == CONFIG_TYPE_INT64;
}

static void
conf_strlist_free(struct rdd_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A list of n strings, NULL-terminated so it can serve as an argv. */
static int
conf_strlist_alloc(struct rdd_strlist *l, size_t n)
{
	l->n = 0;
	l->v = calloc(n + 1, sizeof(*l->v));
	return l->v == NULL ? -1 : 0;
}

static int
conf_strlist_push(struct rdd_strlist *l, const char *s)
{
	if ((l->v[l->n] = strdup(s)) == NULL)
		return -1;
	l->n++;
	return 0;
}

/* Integer seconds to milliseconds, or a suffixed string. */
static int
conf_duration_of(
    const config_setting_t *s, int64_t *ms, int secret, char *why, size_t len)
{
	long long n;

	if (conf_is_int(s)) {
		n = config_setting_get_int64(s);
		if (n < 0 || n > INT64_MAX / 1000) {
			snprintf(why, len, "%s, got %lld",
			    conf_expected(RDD_OPT_DURATION), n);
			return -1;
		}
		*ms = (int64_t)n * 1000;
		return 0;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (util_parse_duration(config_setting_get_string(s), ms) == 0)
			return 0;
		snprintf(why, len, "%s, got \"%.64s\"",
		    conf_expected(RDD_OPT_DURATION),
		    secret ? "(secret)" : config_setting_get_string(s));
		return -1;
	}
	snprintf(why, len, "%s, got %s", conf_expected(RDD_OPT_DURATION),
	    conf_type_name(s));
	return -1;
}

static int
conf_size_of(const config_setting_t *s, int64_t *bytes, int secret, char *why,
    size_t len)
{
	long long n;

	if (conf_is_int(s)) {
		n = config_setting_get_int64(s);
		if (n < 0) {
			snprintf(why, len, "%s, got %lld",
			    conf_expected(RDD_OPT_SIZE), n);
			return -1;
		}
		*bytes = (int64_t)n;
		return 0;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (util_parse_size(config_setting_get_string(s), bytes) == 0)
			return 0;
		snprintf(why, len, "%s, got \"%.64s\"",
		    conf_expected(RDD_OPT_SIZE),
		    secret ? "(secret)" : config_setting_get_string(s));
		return -1;
	}
	snprintf(why, len, "%s, got %s", conf_expected(RDD_OPT_SIZE),
	    conf_type_name(s));
	return -1;
}

static int
conf_strlist_of(
    const config_setting_t *s, struct rdd_strlist *l, char *why, size_t len)
{
	const config_setting_t *e;
	int i, n;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (conf_strlist_alloc(l, 1) == -1 ||
		    conf_strlist_push(l, config_setting_get_string(s)) == -1)
			goto oom;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		snprintf(why, len, "%s, got %s", conf_expected(RDD_OPT_STRLIST),
		    conf_type_name(s));
		return -1;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			snprintf(why, len, "%s, got %s at index %d",
			    conf_expected(RDD_OPT_STRLIST), conf_type_name(e),
			    i);
			return -1;
		}
	}
	if (conf_strlist_alloc(l, (size_t)n) == -1)
		goto oom;
	for (i = 0; i < n; i++)
		if (conf_strlist_push(
		        l, config_setting_get_string(
		               config_setting_get_elem(s, (unsigned)i))) == -1)
			goto oom;
	return 0;
oom:
	conf_strlist_free(l);
	snprintf(why, len, "out of memory");
	return -1;
}

/*
 * One setting as type t. Strings point into the setting; a STRLIST is
 * allocated and owned by the caller.
 */
static int
conf_value(const config_setting_t *s, enum rdd_opt_type t, int secret,
    union conf_val *v, char *why, size_t len)
{
	int ct = config_setting_type(s);

	switch (t) {
	case RDD_OPT_BOOL:
		if (ct != CONFIG_TYPE_BOOL)
			break;
		v->b = config_setting_get_bool(s);
		return 0;
	case RDD_OPT_INT:
		if (!conf_is_int(s))
			break;
		v->i = config_setting_get_int64(s);
		return 0;
	case RDD_OPT_DOUBLE:
		if (ct == CONFIG_TYPE_FLOAT)
			v->d = config_setting_get_float(s);
		else if (conf_is_int(s))
			v->d = (double)config_setting_get_int64(s);
		else
			break;
		return 0;
	case RDD_OPT_STRING:
		if (ct != CONFIG_TYPE_STRING)
			break;
		v->s = config_setting_get_string(s);
		return 0;
	case RDD_OPT_DURATION:
		return conf_duration_of(s, &v->i, secret, why, len);
	case RDD_OPT_SIZE:
		return conf_size_of(s, &v->i, secret, why, len);
	case RDD_OPT_STRLIST:
		return conf_strlist_of(s, &v->l, why, len);
	case RDD_OPT_GROUP:
		if (ct != CONFIG_TYPE_GROUP && ct != CONFIG_TYPE_LIST &&
		    ct != CONFIG_TYPE_ARRAY)
			break;
		v->g = s;
		return 0;
	case RDD_OPT_END:
		snprintf(why, len, "option has no type");
		return -1;
	}
	snprintf(why, len, "%s, got %s", conf_expected(t), conf_type_name(s));
	return -1;
}

/* A default written as config text ("30s", "true", "8"). */
static int
conf_value_text(const char *def, enum rdd_opt_type t, union conf_val *v,
    char *why, size_t len)
{
	char *end;

	errno = 0;
	switch (t) {
	case RDD_OPT_BOOL:
		if (strcasecmp(def, "true") == 0 || strcmp(def, "1") == 0)
			v->b = 1;
		else if (strcasecmp(def, "false") == 0 || strcmp(def, "0") == 0)
			v->b = 0;
		else
			break;
		return 0;
	case RDD_OPT_INT:
		v->i = strtoll(def, &end, 0);
		if (end == def || *end != '\0' || errno != 0)
			break;
		return 0;
	case RDD_OPT_DOUBLE:
		v->d = strtod(def, &end);
		if (end == def || *end != '\0' || errno != 0)
			break;
		return 0;
	case RDD_OPT_STRING:
		v->s = def;
		return 0;
	case RDD_OPT_DURATION:
		if (util_parse_duration(def, &v->i) == -1)
			break;
		return 0;
	case RDD_OPT_SIZE:
		if (util_parse_size(def, &v->i) == -1)
			break;
		return 0;
	case RDD_OPT_STRLIST:
		if (conf_strlist_alloc(&v->l, 1) == -1 ||
		    conf_strlist_push(&v->l, def) == -1) {
			conf_strlist_free(&v->l);
			snprintf(why, len, "out of memory");
			return -1;
		}
		return 0;
	case RDD_OPT_GROUP:
		v->g = NULL;
		return 0;
	case RDD_OPT_END:
		break;
	}
	snprintf(why, len, "the plugin's default \"%.64s\" is invalid: %s", def,
	    conf_expected(t));
	return -1;
}

static int
conf_range(enum rdd_opt_type t, const union conf_val *v, double min, double max,
    int secret, char *why, size_t len)
{
	double x;
	char val[64];

	if (!(min < max))
		return 0;
	switch (t) {
	case RDD_OPT_INT:
		x = (double)v->i;
		snprintf(val, sizeof(val), "%lld", (long long)v->i);
		break;
	case RDD_OPT_DURATION:
		x = (double)v->i;
		snprintf(val, sizeof(val), "%lldms", (long long)v->i);
		break;
	case RDD_OPT_SIZE:
		x = (double)v->i;
		snprintf(val, sizeof(val), "%lld bytes", (long long)v->i);
		break;
	case RDD_OPT_DOUBLE:
		x = v->d;
		snprintf(val, sizeof(val), "%g", v->d);
		break;
	default:
		return 0;
	}
	if (x >= min && x <= max)
		return 0;
	if (t == RDD_OPT_DOUBLE)
		snprintf(why, len, "%s is out of range [%g, %g]",
		    secret ? "the value" : val, min, max);
	else if (t == RDD_OPT_DURATION)
		snprintf(why, len, "%s is out of range [%.0fms, %.0fms]",
		    secret ? "the value" : val, min, max);
	else
		snprintf(why, len, "%s is out of range [%.0f, %.0f]",
		    secret ? "the value" : val, min, max);
	return -1;
}

/* "monitor 'x': " when s is a monitor group with a name, else "". */
static void
conf_mon_prefix(const config_setting_t *s, char *buf, size_t len)
{
	const char *name = NULL;

	buf[0] = '\0';
	if (s != NULL && config_setting_is_group(s) &&
	    config_setting_lookup_string(s, "name", &name) == CONFIG_TRUE)
		snprintf(buf, len, "monitor '%.*s': ", CONF_NAME_MAX, name);
}

static void
conf_store(const struct rdd_option *o, void *dst, union conf_val *v)
{
	char *p = (char *)dst + o->offset;
	int b;
	char *s;

	switch (o->type) {
	case RDD_OPT_BOOL:
		b = v->b != 0;
		memcpy(p, &b, sizeof(b));
		break;
	case RDD_OPT_INT:
	case RDD_OPT_DURATION:
	case RDD_OPT_SIZE:
		memcpy(p, &v->i, sizeof(v->i));
		break;
	case RDD_OPT_DOUBLE:
		memcpy(p, &v->d, sizeof(v->d));
		break;
	case RDD_OPT_STRING:
		s = v->s != NULL ? strdup(v->s) : NULL;
		memcpy(p, &s, sizeof(s));
		break;
	case RDD_OPT_STRLIST:
		memcpy(p, &v->l, sizeof(v->l));
		break;
	case RDD_OPT_GROUP:
		memcpy(p, &v->g, sizeof(v->g));
		break;
	case RDD_OPT_END:
		break;
	}
}

int
conf_fill_options(const struct rdd_option *opts, void *dst, const void *setting,
    const char *file, struct errlist *errs)
{
	const config_setting_t *grp = setting, *s;
	const struct rdd_option *o;
	union conf_val v;
	char where[CONF_WHERE], mon[CONF_NAME_MAX + 16], why[RDD_ERRLEN];
	int rc = 0, secret;

	if (opts == NULL)
		return 0;
	conf_mon_prefix(grp, mon, sizeof(mon));
	for (o = opts; o->name != NULL; o++) {
		memset(&v, 0, sizeof(v));
		secret = (o->flags & RDD_OPT_SECRET) != 0;
		s = grp != NULL && config_setting_is_group(grp)
		        ? config_setting_get_member(grp, o->name)
		        : NULL;
		if (s != NULL) {
			if (conf_value(s, o->type, secret, &v, why,
			        sizeof(why)) == -1 ||
			    conf_range(o->type, &v, o->min, o->max, secret, why,
			        sizeof(why)) == -1) {
				conf_where(s, file, where, sizeof(where));
				errlist_add(errs, "%s%s%s: %s", where, mon,
				    o->name, why);
				if (o->type == RDD_OPT_STRLIST)
					conf_strlist_free(&v.l);
				memset(&v, 0, sizeof(v));
				rc = -1;
			}
		} else if (o->def != NULL) {
			if (conf_value_text(
			        o->def, o->type, &v, why, sizeof(why)) == -1) {
				conf_where(grp, file, where, sizeof(where));
				errlist_add(errs, "%s%s%s: %s", where, mon,
				    o->name, why);
				memset(&v, 0, sizeof(v));
				rc = -1;
			}
		} else if (o->flags & RDD_OPT_REQUIRED) {
			conf_where(grp, file, where, sizeof(where));
			errlist_add(errs, "%s%s%s is required: add %s = ...;",
			    where, mon, o->name, o->name);
			rc = -1;
		}
		conf_store(o, dst, &v);
	}
	return rc;
}

void
conf_free_options(const struct rdd_option *opts, void *dst)
{
	const struct rdd_option *o;
	struct rdd_strlist l;
	char *p, *s;

	if (opts == NULL || dst == NULL)
		return;
	for (o = opts; o->name != NULL; o++) {
		p = (char *)dst + o->offset;
		if (o->type == RDD_OPT_STRING) {
			memcpy(&s, p, sizeof(s));
			free(s);
			s = NULL;
			memcpy(p, &s, sizeof(s));
		} else if (o->type == RDD_OPT_STRLIST) {
			memcpy(&l, p, sizeof(l));
			conf_strlist_free(&l);
			memcpy(p, &l, sizeof(l));
		}
	}
}

/* A path from the config, relative ones anchored at the main file's dir. */
static char *
conf_resolve(const struct conf_ld *L, const char *p)
{
	char *r;

	if (p[0] == '/')
		return strdup(p);
	if (asprintf(&r, "%s/%s", L->confdir, p) < 0)
		return NULL;
	return r;
}

/* "host:port" or "[v6]:port"; port 0 asks the kernel for a free one. */
static int
conf_hostport_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || colon == s || colon[1] == '\0')
		return 0;
	if (strchr(s, ':') != colon && (s[0] != '[' || colon[-1] != ']'))
		return 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	return *end == '\0' && errno == 0 && port >= 0 && port <= 65535 &&
	       colon[1] >= '0' && colon[1] <= '9';
}

/*
 * Whether "host:port" names a loopback address, as the HTTP server will
 * check when it binds: said at -t, not only when the daemon starts.
 */
static int
conf_listen_loopback(const char *s)
{
	const char *colon = strrchr(s, ':');
	unsigned char a[16];
	char host[64];
	size_t n;

	if (colon == NULL)
		return 0;
	n = (size_t)(colon - s);
	if (s[0] == '[' && n >= 2 && colon[-1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) == 1)
		return memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0 ||
		    (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 &&
			a[12] == 127);
	return strcmp(host, "localhost") == 0;
}

static int
conf_key_store(struct conf_ld *L, const struct conf_key *k, void *base,
    union conf_val *v, const char *what, const char *where)
{
	struct sockaddr_un sun;

	char *p = (char *)base + k->off, **sp = (char **)(void *)p;
	char *str;
	int n;

	switch (k->type) {
	case RDD_OPT_BOOL:
		*(int *)(void *)p = v->b != 0;
		break;
	case RDD_OPT_INT:
		n = (int)v->i;
		memcpy(p, &n, sizeof(n));
		break;
	case RDD_OPT_DOUBLE:
		memcpy(p, &v->d, sizeof(v->d));
		break;
	case RDD_OPT_DURATION:
		memcpy(p, &v->i, sizeof(v->i));
		break;
	case RDD_OPT_STRING:
		if (k->flags & CK_MODE) {
			if (strcmp(v->s, "act") != 0 &&
			    strcmp(v->s, "dry-run") != 0) {
				conf_err(L,
				    "%s%s: \"%s\": expected \"act\" "
				    "(the default) or \"dry-run\" (journal "
				    "what would be done, do nothing)",
				    where, what, v->s);
				return -1;
			}
			*(int *)(void *)p = strcmp(v->s, "dry-run") == 0;
			break;
		}
		if ((k->flags & CK_ENV) && v->s[0] != '\0' &&
		    !conf_env_name_ok(v->s)) {
			conf_err(L,
			    "%s%s: \"%.*s\" is not an environment name: use "
			    "letters, digits, '_', '.' and '-', not starting "
			    "with '.', at most %d characters (it names the "
			    "directory conf.d/ENVIRONMENT/)",
			    where, what, CONF_ENV_MAX + 1, v->s, CONF_ENV_MAX);
			return -1;
		}
		if ((k->flags & CK_EMPTY_NULL) && v->s[0] == '\0')
			str = NULL;
		else if ((k->flags & CK_ENV) && v->s[0] == '\0') {
			if ((str = strdup("")) == NULL)
				goto oom;
		} else if (v->s[0] == '\0') {
			conf_err(L,
			    "%s%s: must not be empty: set a path or "
			    "remove the line for the default",
			    where, what);
			return -1;
		} else if (k->flags & CK_PATH) {
			if ((str = conf_resolve(L, v->s)) == NULL)
				goto oom;
		} else if ((str = strdup(v->s)) == NULL)
			goto oom;
		if ((k->flags & CK_SOCKET) &&
		    strlen(str) >= sizeof(sun.sun_path)) {
			conf_err(L,
			    "%s%s: \"%s\" is longer than the %zu bytes "
			    "a Unix socket path may have: choose a shorter "
			    "path",
			    where, what, str, sizeof(sun.sun_path) - 1);
			free(str);
			return -1;
		}
		if ((k->flags & CK_HOSTPORT) && str != NULL &&
		    !conf_hostport_ok(str)) {
			conf_err(L,
			    "%s%s: expected \"host:port\" like "
			    "\"127.0.0.1:9321\", got \"%.64s\" (\"\" disables "
			    "HTTP)",
			    where, what, str);
			free(str);
			return -1;
		}
		free(*sp);
		*sp = str;
		break;
	default:
		break;
	}
	return 0;
oom:
	conf_err(L, "%s%s: out of memory", where, what);
	return -1;
}

/* Edit distance of two short names, capped: enough to spot a typo. */
static int
conf_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int d[64], prev, tmp, best;

	if (la >= sizeof(d) / sizeof(d[0]) || lb >= sizeof(d) / sizeof(d[0]))
		return 99;
	for (j = 0; j <= lb; j++)
		d[j] = (int)j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (d[j] + 1 < best)
				best = d[j] + 1;
			if (d[j - 1] + 1 < best)
				best = d[j - 1] + 1;
			d[j] = best;
			prev = tmp;
		}
	}
	return d[lb];
}

/* "did you mean 'x'?" for a near key, else the list of known keys. */
static void
conf_hint(const struct conf_key *keys, const char *name, char *buf,
    size_t len)
{
	const struct conf_key *k, *near = NULL;
	int d, best = 3;
	size_t o;

	for (k = keys; k->name != NULL; k++)
		if ((d = conf_distance(name, k->name)) < best) {
			best = d;
			near = k;
		}
	if (near != NULL) {
		snprintf(buf, len, "did you mean '%s'?", near->name);
		return;
	}
	o = (size_t)snprintf(buf, len, "known:");
	for (k = keys; k->name != NULL && o < len; k++)
		o += (size_t)snprintf(buf + o, len - o, "%s %s",
		    k == keys ? "" : ",", k->name);
}

/*
 * Apply a group of fixed keys onto base. pre names the scope for messages
 * ("daemon", "monitor 'x': recovery"). An unknown key is an error in every
 * group: a typo would silently keep a default the operator meant to change.
 */
static void
conf_apply(struct conf_ld *L, const struct conf_key *keys, void *base,
    const config_setting_t *grp, const char *pre)
{
	const struct conf_key *k;
	const config_setting_t *s;
	union conf_val v;
	char where[CONF_WHERE], what[256], why[RDD_ERRLEN], sub[256];
	int i, n;

	n = config_setting_length(grp);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(grp, (unsigned)i);
		conf_where(s, NULL, where, sizeof(where));
		for (k = keys; k->name != NULL; k++)
			if (strcmp(k->name, config_setting_name(s)) == 0)
				break;
		if (k->name == NULL) {
			conf_hint(keys, config_setting_name(s), why,
			    sizeof(why));
			conf_err(L,
			    "%s%s: unknown setting '%s': fix or remove it (%s)",
			    where, pre, config_setting_name(s), why);
			continue;
		}
		snprintf(what, sizeof(what), "%s.%s", pre, k->name);
		if (k->type == RDD_OPT_GROUP) {
			/* Only daemon.http nests, and it lands in struct conf.
			 */
			if (!config_setting_is_group(s)) {
				conf_err(L,
				    "%s%s: expected a group { listen = "
				    "\"127.0.0.1:9321\"; }, got %s",
				    where, what, conf_type_name(s));
				continue;
			}
			snprintf(sub, sizeof(sub), "%s", what);
			conf_apply(L, conf_http_keys, base, s, sub);
			continue;
		}
		memset(&v, 0, sizeof(v));
		if (conf_value(s, k->type, 0, &v, why, sizeof(why)) == -1 ||
		    conf_range(k->type, &v, k->min, k->max, 0, why,
		        sizeof(why)) == -1) {
			conf_err(L, "%s%s: %s", where, what, why);
			continue;
		}
		conf_key_store(L, k, base, &v, what, where);
	}
}

static int
conf_check_flap(struct conf_ld *L, const struct conf_recovery *r,
    const char *where, const char *pre)
{
	if (r->flap_low < r->flap_high)
		return 0;
	conf_err(L, "%s%s: flap_low (%g) must be below flap_high (%g)", where,
	    pre, r->flap_low, r->flap_high);
	return -1;
}

int
conf_env_name_ok(const char *s)
{
	size_t n;

	/* Not ".", "..", nor hidden: it is a directory under conf.d/. */
	if (s == NULL || s[0] == '\0' || s[0] == '.')
		return 0;
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	              "0123456789_.-");
	return s[n] == '\0' && n <= CONF_ENV_MAX;
}

static int
conf_name_ok(const char *s)
{
	size_t n;

	if (s[0] == '\0' || s[0] == '.')
		return 0;
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	              "0123456789_.-");
	return s[n] == '\0' && n <= CONF_NAME_MAX;
}

static const char *
conf_mon_string(struct conf_ld *L, const config_setting_t *m, const char *key,
    const char *where, const char *pre)
{
	const config_setting_t *s = config_setting_get_member(m, key);
	char w[CONF_WHERE];

	if (s == NULL) {
		conf_err(L, "%s%s%s is required: add %s = \"...\";", where, pre,
		    key, key);
		return NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_where(s, NULL, w, sizeof(w));
		conf_err(L, "%s%s%s: expected a string, got %s", w, pre, key,
		    conf_type_name(s));
		return NULL;
	}
	if (!conf_name_ok(config_setting_get_string(s))) {
		conf_where(s, NULL, w, sizeof(w));
		conf_err(L,
		    "%s%s%s: \"%.*s\" may only contain letters, digits, "
		    "'_', '.' and '-', not start with '.', and be at most %d "
		    "characters",
		    w, pre, key, CONF_NAME_MAX + 1,
		    config_setting_get_string(s), CONF_NAME_MAX);
		return NULL;
	}
	return config_setting_get_string(s);
}

/* A monitor duration key: must be above zero when set. */
static int
conf_mon_duration(struct conf_ld *L, const config_setting_t *m, const char *key,
    const char *pre, int64_t *out)
{
	const config_setting_t *s = config_setting_get_member(m, key);
	char where[CONF_WHERE], why[RDD_ERRLEN];
	union conf_val v;

	if (s == NULL)
		return 0;
	conf_where(s, NULL, where, sizeof(where));
	if (conf_value(s, RDD_OPT_DURATION, 0, &v, why, sizeof(why)) == -1) {
		conf_err(L, "%s%s%s: %s", where, pre, key, why);
		return -1;
	}
	if (v.i <= 0) {
		conf_err(L, "%s%s%s: must be above zero, like \"30s\"", where,
		    pre, key);
		return -1;
	}
	*out = v.i;
	return 1;
}

static void
conf_monitor_free(struct conf_monitor *m)
{
	if (m->pd != NULL && m->plugin_config != NULL)
		conf_free_options(m->pd->options, m->plugin_config);
	free(m->plugin_config);
	free(m->name);
	free(m->plugin);
	free(m->file);
	free(m->user);
	free(m->group);
	free(m->renamed_from);
	conf_strlist_free(&m->depends_on);
	memset(m, 0, sizeof(*m));
}

/* A user or group name the worker will switch to: it must exist now. */
static char *
conf_mon_account(struct conf_ld *L, const config_setting_t *ms,
    const char *key, const char *pre)
{
	const config_setting_t *s = config_setting_get_member(ms, key);
	char where[CONF_WHERE];
	const char *v;

	if (s == NULL)
		return NULL;
	conf_where(s, NULL, where, sizeof(where));
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    *(v = config_setting_get_string(s)) == '\0') {
		conf_err(L, "%s%s%s: expected a non-empty %s name", where, pre,
		    key, key);
		return NULL;
	}
	if (strcmp(key, "user") == 0 ? getpwnam(v) == NULL
				     : getgrnam(v) == NULL) {
		conf_err(L, "%s%s%s: no %s named '%s' on this system: create "
		    "it or fix %s =", where, pre, key, key, v, key);
		return NULL;
	}
	return strdup(v);
}

/* Where the monitor's plugin runs: isolate, user, group, memory_max. */
static void
conf_mon_worker(struct conf_ld *L, const config_setting_t *ms,
    const char *pre, struct conf_monitor *m)
{
	const config_setting_t *s;
	char where[CONF_WHERE], why[RDD_ERRLEN];
	union conf_val v;

	if ((s = config_setting_get_member(ms, "isolate")) != NULL) {
		if (conf_value(s, RDD_OPT_BOOL, 0, &v, why, sizeof(why)) == 0)
			m->isolate = v.b;
		else {
			conf_where(s, NULL, where, sizeof(where));
			conf_err(L, "%s%sisolate: %s", where, pre, why);
		}
	}
	if ((s = config_setting_get_member(ms, "memory_max")) != NULL) {
		conf_where(s, NULL, where, sizeof(where));
		if (conf_value(s, RDD_OPT_SIZE, 0, &v, why, sizeof(why)) != 0)
			conf_err(L, "%s%smemory_max: %s", where, pre, why);
		else if (v.i < 1024 * 1024)
			conf_err(L, "%s%smemory_max: at least 1M, like "
			    "\"256M\"", where, pre);
		else
			m->memory_max = v.i;
	}
	m->user = conf_mon_account(L, ms, "user", pre);
	m->group = conf_mon_account(L, ms, "group", pre);
}

static void
conf_monitor(struct conf_ld *L, config_setting_t *ms, size_t idx)
{
	struct conf *c = L->c;
	struct conf_monitor m, *nm;
	const config_setting_t *s;
	const char *name, *plugin;
	char where[CONF_WHERE], pre[CONF_NAME_MAX + 16], why[RDD_ERRLEN];
	char scope[CONF_NAME_MAX + 32], w2[CONF_WHERE];
	size_t i;
	union conf_val v;

	conf_where(ms, NULL, where, sizeof(where));
	if (!config_setting_is_group(ms)) {
		conf_err(L,
		    "%smonitors[%zu]: expected a group { name = \"...\"; "
		    "plugin = \"...\"; }, got %s",
		    where, idx, conf_type_name(ms));
		return;
	}
	memset(&m, 0, sizeof(m));
	if ((name = conf_mon_string(L, ms, "name", where, "monitor: ")) == NULL)
		return;
	snprintf(pre, sizeof(pre), "monitor '%s': ", name);
	plugin = conf_mon_string(L, ms, "plugin", where, pre);
	for (i = 0; i < c->nmon; i++) {
		if (strcmp(c->mon[i].name, name) != 0)
			continue;
		conf_err(L,
		    "%smonitor '%s' is declared twice: first at %s:%d: "
		    "rename one",
		    where, name, c->mon[i].file, c->mon[i].line);
		return;
	}
	m.enabled = 1;
	m.interval_ms = 30 * 1000;
	m.rec = c->rec;
	if ((s = config_setting_get_member(ms, "enabled")) != NULL) {
		if (conf_value(s, RDD_OPT_BOOL, 0, &v, why, sizeof(why)) == 0)
			m.enabled = v.b;
		else {
			conf_where(s, NULL, w2, sizeof(w2));
			conf_err(L, "%s%senabled: %s", w2, pre, why);
		}
	}
	conf_mon_duration(L, ms, "interval", pre, &m.interval_ms);
	m.timeout_ms = m.interval_ms < 60000 ? m.interval_ms : 60000;
	conf_mon_duration(L, ms, "timeout", pre, &m.timeout_ms);
	if ((s = config_setting_get_member(ms, "depends_on")) != NULL) {
		if (conf_value(s, RDD_OPT_STRLIST, 0, &v, why, sizeof(why)) ==
		    0)
			m.depends_on = v.l;
		else {
			conf_where(s, NULL, w2, sizeof(w2));
			conf_err(L, "%s%sdepends_on: %s", w2, pre, why);
		}
	}
	conf_mon_worker(L, ms, pre, &m);
	if ((s = config_setting_get_member(ms, "recovery")) != NULL) {
		snprintf(scope, sizeof(scope), "%srecovery", pre);
		conf_where(s, NULL, w2, sizeof(w2));
		if (!config_setting_is_group(s))
			conf_err(L,
			    "%s%s: expected a group { max_attempts = 3; "
			    "}, got %s",
			    w2, scope, conf_type_name(s));
		else {
			conf_apply(L, conf_recovery_keys, &m.rec, s, scope);
			conf_check_flap(L, &m.rec, w2, scope);
		}
	}
	m.name = strdup(name);
	m.plugin = strdup(plugin != NULL ? plugin : "");
	m.file = strdup(config_setting_source_file(ms) != NULL
	                    ? config_setting_source_file(ms)
	                    : c->path);
	m.line = (int)config_setting_source_line(ms);
	m.setting = ms;
	nm = realloc(c->mon, (c->nmon + 1) * sizeof(*nm));
	if (m.name == NULL || m.plugin == NULL || m.file == NULL ||
	    nm == NULL) {
		if (nm != NULL)
			c->mon = nm;
		conf_err(L, "%s%sout of memory", where, pre);
		conf_monitor_free(&m);
		return;
	}
	c->mon = nm;
	/* Kept even when invalid so a later duplicate names both places. */
	c->mon[c->nmon++] = m;
}

/* The daemon-wide worker keys: limits that make sense, accounts that exist. */
static void
conf_check_workers(struct conf_ld *L)
{
	struct conf *c = L->c;

	if (c->stall_timeout_ms < 1000)
		conf_err(L, "%s: daemon.stall_timeout: at least 1 s, like "
		    "\"10s\"", c->path);
	if (c->ping_interval_ms < 100 ||
	    c->ping_interval_ms > c->stall_timeout_ms)
		conf_err(L, "%s: daemon.ping_interval: between 100 ms and "
		    "stall_timeout, like \"2s\"", c->path);
	if (c->memory_max < 1024 * 1024)
		conf_err(L, "%s: daemon.memory_max: at least 1M, like "
		    "\"256M\"", c->path);
	if (c->user != NULL && getpwnam(c->user) == NULL)
		conf_err(L, "%s: daemon.user: no user named '%s' on this "
		    "system: create it or fix user =", c->path, c->user);
	if (c->group != NULL && getgrnam(c->group) == NULL)
		conf_err(L, "%s: daemon.group: no group named '%s' on this "
		    "system: create it or fix group =", c->path, c->group);
	if (c->http_listen != NULL && *c->http_listen != '\0' &&
	    !c->http_any && !conf_listen_loopback(c->http_listen))
		conf_err(L, "%s: daemon.http.listen \"%s\" is not a loopback "
		    "address, and the status page has no authentication: "
		    "use \"127.0.0.1:9321\", or set daemon.http.allow_remote "
		    "= true to expose it", c->path, c->http_listen);
}

static int
conf_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nmon; i++)
		if (strcmp(c->mon[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void
conf_check_deps(struct conf_ld *L)
{
	struct conf *c = L->c;
	const config_setting_t *s;
	struct conf_monitor *m;
	char where[CONF_WHERE];
	size_t i, j;

	for (i = 0; i < c->nmon; i++) {
		m = &c->mon[i];
		s = config_setting_get_member(m->setting, "depends_on");
		conf_where(s, m->file, where, sizeof(where));
		for (j = 0; j < m->depends_on.n; j++) {
			if (strcmp(m->depends_on.v[j], m->name) == 0)
				conf_err(L,
				    "%smonitor '%s': depends_on names "
				    "itself: remove '%s'",
				    where, m->name, m->name);
			else if (conf_find(c, m->depends_on.v[j]) < 0)
				conf_err(L,
				    "%smonitor '%s': depends_on '%s' is "
				    "not a monitor: declare it or fix "
				    "depends_on",
				    where, m->name, m->depends_on.v[j]);
		}
	}
}

/*
 * The configuration names commands the daemon runs, so whoever can change
 * a config file, or swap it through a directory above it, owns the daemon.
 * Each must be owned by root or the daemon's user and writable by nobody
 * else; a root-owned sticky directory (/tmp) is the one exception above
 * a file, as nobody may rename entries they do not own there.
 */
static int
conf_trust_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static int
conf_trust_file(struct conf_ld *L, const char *path, const struct stat *st)
{
	if (st->st_mode & (S_IWOTH | S_IWGRP)) {
		conf_err(L, "%s: mode %04o is writable by %s, who could make "
		    "the daemon run any command: chmod go-w %s", path,
		    (unsigned)(st->st_mode & 07777),
		    (st->st_mode & S_IWOTH) ? "anybody" : "its group", path);
		return -1;
	}
	if (!conf_trust_owner(st->st_uid)) {
		conf_err(L, "%s: owned by uid %lu, neither root nor the "
		    "daemon's uid %lu, who could make the daemon run any "
		    "command: chown root %s, or remove it", path,
		    (unsigned long)st->st_uid, (unsigned long)geteuid(), path);
		return -1;
	}
	return 0;
}

/* Every directory from the one holding path up to /. */
static int
conf_trust_dirs(struct conf_ld *L, const char *path)
{
	char *real, *slash;
	struct stat st;
	int rc = 0;

	if ((real = realpath(path, NULL)) == NULL)
		return 0; /* the open that follows says why */
	while (rc == 0 && (slash = strrchr(real, '/')) != NULL) {
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(real, &st) == -1)
			break;
		if (st.st_uid == 0 && (st.st_mode & S_ISVTX))
			;
		else if (st.st_mode & (S_IWOTH | S_IWGRP)) {
			conf_err(L, "%s: directory %s is %s-writable (mode "
			    "%04o): others could put their own file in its "
			    "place: chmod go-w %s", path, real,
			    (st.st_mode & S_IWOTH) ? "world" : "group",
			    (unsigned)(st.st_mode & 07777), real);
			rc = -1;
		} else if (!conf_trust_owner(st.st_uid)) {
			conf_err(L, "%s: directory %s is owned by uid %lu, "
			    "neither root nor the daemon's uid %lu: chown "
			    "root %s", path, real, (unsigned long)st.st_uid,
			    (unsigned long)geteuid(), real);
			rc = -1;
		}
		if (slash == real)
			break;
	}
	free(real);
	return rc;
}

/* A file given in memory (a rollback's check): parsed from the bytes. */
static config_t *
conf_read_mem(struct conf_ld *L, const struct conf_src *src, const char *incdir,
    char **text, size_t *tlen)
{
	config_t *cfg;

	if (memchr(src->text, '\0', src->len) != NULL) {
		conf_err(L, "%s: holds a NUL byte: not a configuration file",
		    src->path);
		return NULL;
	}
	if ((*text = malloc(src->len + 1)) == NULL ||
	    (cfg = malloc(sizeof(*cfg))) == NULL) {
		free(*text);
		*text = NULL;
		conf_err(L, "%s: out of memory", src->path);
		return NULL;
	}
	memcpy(*text, src->text, src->len);
	(*text)[src->len] = '\0';
	*tlen = src->len;
	config_init(cfg);
	config_set_include_dir(cfg, incdir);
	if (config_read_string(cfg, *text) == CONFIG_TRUE)
		return cfg;
	conf_err(L, "%s:%d: %s", src->path, config_error_line(cfg),
	    config_error_text(cfg) != NULL ? config_error_text(cfg)
	                                   : "cannot parse");
	config_destroy(cfg);
	free(cfg);
	free(*text);
	*text = NULL;
	return NULL;
}

/*
 * Read one file into a new libconfig object; NULL with an error. *text
 * gets the file's bytes for the configuration history.
 */
static config_t *
conf_read_one(struct conf_ld *L, const char *path, const char *incdir,
    int main_file, const struct conf_src *src, char **text, size_t *tlen)
{
	struct stat st;
	config_t *cfg;
	int fd;
	const char *fix = main_file ? "create it or fix -c"
	                            : "fix its permissions or remove it";

	*text = NULL;
	*tlen = 0;
	if (src != NULL)
		return conf_read_mem(L, src, incdir, text, tlen);
	/* libconfig only says "file I/O error"; find the real reason first. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		conf_err(L, "%s: %s: %s", path, strerror(errno), fix);
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		conf_err(L, "%s: %s: %s", path, strerror(EISDIR), fix);
		return NULL;
	}
	close(fd);
	if (conf_trust_file(L, path, &st) != 0 || conf_trust_dirs(L, path) != 0)
		return NULL;
	/*
	 * The bytes the history keeps, read just before libconfig reads the
	 * file by name (so that its errors name the file): an edit in that
	 * instant is recorded by the next apply.
	 */
	if ((*text = util_read_file(path, CONF_TEXT_MAX, tlen)) == NULL) {
		conf_err(L, "%s: %s: %s", path, strerror(errno),
		    errno == EFBIG ? "a configuration file has at most 1 MiB: "
		                     "split it into conf.d/ files"
		                   : fix);
		return NULL;
	}
	if ((cfg = malloc(sizeof(*cfg))) == NULL) {
		conf_err(L, "%s: out of memory", path);
		free(*text);
		*text = NULL;
		return NULL;
	}
	config_init(cfg);
	config_set_include_dir(cfg, incdir);
	if (config_read_file(cfg, path) == CONFIG_TRUE)
		return cfg;
	if (config_error_type(cfg) == CONFIG_ERR_PARSE)
		conf_err(L, "%s:%d: %s",
		    config_error_file(cfg) != NULL ? config_error_file(cfg)
		                                   : path,
		    config_error_line(cfg), config_error_text(cfg));
	else
		conf_err(L, "%s: %s: %s", path,
		    config_error_text(cfg) != NULL ? config_error_text(cfg)
		                                   : "cannot read",
		    fix);
	config_destroy(cfg);
	free(cfg);
	free(*text);
	*text = NULL;
	return NULL;
}

static int
conf_dropin_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	if (d->d_name[0] == '.' || d->d_name[n - 1] == '~')
		return 0;
	return n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

/* A growing list of file names. */
struct conf_names {
	char **v;
	size_t n, cap;
};

static int
conf_names_push(struct conf_names *l, char *s)
{
	char **nv;

	if (s == NULL)
		return -1;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		if ((nv = realloc(l->v, l->cap * sizeof(*nv))) == NULL) {
			free(s);
			return -1;
		}
		l->v = nv;
	}
	l->v[l->n++] = s;
	return 0;
}

/*
 * dd/ *.conf in name order onto l. A missing conf.d/ is normal; a missing
 * conf.d/ENVIRONMENT/ is said (a typo in the name would silently keep the
 * environment's settings out).
 */
static int
conf_list_dir(struct conf_ld *L, const char *dd, const char *env)
{
	struct dirent **ents = NULL;
	int i, n, rc = 0;
	char *p;

	n = scandir(dd, &ents, conf_dropin_filter, alphasort);
	if (n < 0) {
		if (errno != ENOENT)
			conf_err(L, "%s: %s: fix its permissions or remove it",
			    dd, strerror(errno));
		else if (env != NULL && L->warns != NULL)
			errlist_add(L->warns,
			    "%s: no such directory: environment '%s' adds no "
			    "files (create it, or fix daemon.environment or "
			    "-e)",
			    dd, env);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 &&
		    (asprintf(&p, "%s/%s", dd, ents[i]->d_name) < 0 ||
		        conf_names_push(L->names, p) == -1))
			rc = -1;
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/* conf.d/ *.conf, then conf.d/ENVIRONMENT/ *.conf, each in name order. */
static int
conf_file_list(struct conf_ld *L, const char *dir, const char *env)
{
	char *dd, *ed;
	int rc;

	if (strcmp(dir, ".") == 0)
		dd = strdup("conf.d");
	else if (strcmp(dir, "/") == 0)
		dd = strdup("/conf.d");
	else if (asprintf(&dd, "%s/conf.d", dir) < 0)
		dd = NULL;
	if (dd == NULL)
		return -1;
	rc = conf_list_dir(L, dd, NULL);
	if (rc == 0 && env != NULL && *env != '\0') {
		if (asprintf(&ed, "%s/%s", dd, env) < 0)
			rc = -1;
		else {
			rc = conf_list_dir(L, ed, env);
			free(ed);
		}
	}
	free(dd);
	return rc;
}

char **
conf_list_files(const char *path, const char *env, size_t *n)
{
	struct conf_names names = {0};
	struct errlist errs = {0};
	struct conf_ld L;
	char *dir, *sl;

	memset(&L, 0, sizeof(L));
	L.errs = &errs;
	L.names = &names;
	*n = 0;
	if ((dir = strdup(path)) == NULL)
		return NULL;
	if ((sl = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (sl == dir)
		dir[1] = '\0';
	else
		*sl = '\0';
	if (conf_names_push(&names, strdup(path)) == -1 ||
	    conf_file_list(&L, dir, env) == -1 || L.nerr > 0) {
		while (names.n > 0)
			free(names.v[--names.n]);
		free(names.v);
		names.v = NULL;
	} else
		*n = names.n;
	errlist_free(&errs);
	free(dir);
	return names.v;
}

static int
conf_defaults(struct conf *c, const char *path)
{
	char host[256];

	c->path = strdup(path);
	c->plugin_dir = strdup(PLUGINDIR);
	c->state_dir = strdup("/var/lib/redundancyd");
	c->log_dir = strdup("/var/log/redundancyd");
	c->control_socket = strdup(RDD_DEFAULT_CONTROL_SOCKET);
	c->http_listen = strdup("127.0.0.1:9321");
	c->pidfile = strdup("/run/redundancyd/redundancyd.pid");
	c->startup_delay_ms = 10 * 1000;
	c->max_concurrent_recoveries = 10;
	c->max_children = 8;
	c->max_transfers = 16;
	c->shutdown_deadline_ms = 10 * 1000;
	c->stall_timeout_ms = 10 * 1000;
	c->ping_interval_ms = 2 * 1000;
	c->memory_max = 256 * 1024 * 1024;
	c->rec.max_attempts = 3;
	c->rec.delay_ms = 5 * 1000;
	c->rec.backoff = 2.0;
	c->rec.max_delay_ms = 5 * 60 * 1000;
	c->rec.cooldown_ms = 10 * 60 * 1000;
	c->rec.window_ms = 3600 * 1000;
	c->rec.window_max = 10;
	c->rec.hard_after = 1;
	c->rec.flap_low = 20.0;
	c->rec.flap_high = 50.0;
	c->config_history = 20;
	c->environment = strdup("");
	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	c->host = strdup(host);
	if (c->path == NULL || c->plugin_dir == NULL || c->state_dir == NULL ||
	    c->log_dir == NULL || c->control_socket == NULL ||
	    c->http_listen == NULL || c->pidfile == NULL ||
	    c->environment == NULL || c->host == NULL)
		return -1;
	return 0;
}

/* The absolute directory of path, so relative settings survive a chdir. */
static char *
conf_absdir(const char *dir)
{
	char cwd[PATH_MAX], *r;

	/* The directory holds the file just named, so it normally resolves. */
	if ((r = realpath(dir, NULL)) != NULL)
		return r;
	if (dir[0] == '/')
		return strdup(dir);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	if (strcmp(dir, ".") == 0)
		return strdup(cwd);
	if (asprintf(&r, "%s/%s", cwd, dir) < 0)
		return NULL;
	return r;
}

static void
conf_top(struct conf_ld *L, config_t *cfg, int main_file)
{
	config_setting_t *root = config_root_setting(cfg), *s;
	char where[CONF_WHERE];
	const char *name;
	int i, n;

	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(root, (unsigned)i);
		name = config_setting_name(s);
		conf_where(s, NULL, where, sizeof(where));
		if (strcmp(name, "daemon") == 0 ||
		    strcmp(name, "recovery") == 0) {
			if (!config_setting_is_group(s)) {
				conf_err(L,
				    "%s%s: expected a group { ... }, "
				    "got %s",
				    where, name, conf_type_name(s));
				continue;
			}
			/* The drop-ins read depend on it: one place only. */
			if (name[0] == 'd' && !main_file &&
			    config_setting_get_member(s, "environment") !=
			        NULL) {
				conf_where(
				    config_setting_get_member(s, "environment"),
				    NULL, where, sizeof(where));
				conf_err(L,
				    "%sdaemon.environment: only the main file "
				    "(%s) may set it, as it chooses the "
				    "drop-ins read: move it there, or start "
				    "redundancyd with -e ENVIRONMENT",
				    where, L->c->path);
			} else if (name[0] == 'd')
				conf_apply(
				    L, conf_daemon_keys, L->c, s, "daemon");
			else {
				conf_apply(L, conf_recovery_keys, &L->c->rec, s,
				    "recovery");
				snprintf(L->recwhere, sizeof(L->recwhere), "%s",
				    where);
			}
		} else if (strcmp(name, "monitors") == 0) {
			/* An empty [] is an array; anything else needs ( ). */
			if (!config_setting_is_list(s) &&
			    !(config_setting_is_array(s) &&
			        config_setting_length(s) == 0))
				conf_err(L,
				    "%smonitors: expected a list ( { "
				    "name = \"...\"; plugin = \"...\"; } ), "
				    "got %s",
				    where, conf_type_name(s));
		} else if (strcmp(name, "alerts") == 0) {
			struct errlist ae = { 0 };
			size_t k;

			if (L->c->alerts != NULL)
				conf_err(L, "%salerts: a second alerts group: "
				    "keep one, in one file", where);
			else if ((L->c->alerts = alerts_conf_parse(s, where,
				      &ae)) == NULL && ae.n == 0)
				conf_err(L, "%salerts: not accepted", where);
			for (k = 0; k < ae.n; k++)
				conf_err(L, "%s", ae.v[k]);
			errlist_free(&ae);
		} else
			conf_err(L,
			    "%sunknown top-level setting '%s': fix or remove "
			    "it (known: daemon, recovery, monitors, alerts)",
			    where, name);
	}
}

struct conf *
conf_load_with(const char *path, const char *environment,
    const struct conf_src *src, size_t nsrc, struct errlist *errs,
    struct errlist *warns)
{
	struct conf_ld L;
	struct conf_names names = {0};
	struct conf *c;
	config_t **cfgs, *cfg, *maincfg = NULL;
	config_setting_t *ms;
	char *dir, *text, *maintext = NULL;
	const char *env = NULL;
	size_t i, nfiles, tlen, mainlen = 0, *order;
	int j, n;

	memset(&L, 0, sizeof(L));
	L.errs = errs;
	L.warns = warns;
	L.env_override = environment;
	L.names = &names;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		errlist_add(errs, "%s: out of memory", path);
		return NULL;
	}
	L.c = c;
	if (conf_defaults(c, path) == -1 || (dir = strdup(path)) == NULL) {
		errlist_add(errs, "%s: out of memory", path);
		conf_free(c);
		return NULL;
	}
	/* dirname() may modify its argument and return static storage. */
	if (strrchr(dir, '/') == NULL)
		strcpy(dir, ".");
	else if (strrchr(dir, '/') == dir)
		dir[1] = '\0';
	else
		*strrchr(dir, '/') = '\0';
	L.confdir = conf_absdir(dir);
	if (L.confdir == NULL) {
		conf_err(&L, "%s: cannot list the config files: %s", path,
		    strerror(errno));
		goto out;
	}
	if (environment != NULL && !conf_env_name_ok(environment)) {
		conf_err(&L,
		    "-e \"%.*s\": not an environment name: use letters, "
		    "digits, '_', '.' and '-', not starting with '.', at most "
		    "%d characters (it names the directory "
		    "conf.d/ENVIRONMENT/)",
		    CONF_ENV_MAX + 1, environment, CONF_ENV_MAX);
		goto out;
	}
	/*
	 * The main file first: its daemon.environment (unless -e) chooses
	 * the drop-ins of conf.d/ENVIRONMENT/, read after those of conf.d/.
	 */
	maincfg = conf_read_one(
	    &L, path, dir, 1, nsrc > 0 ? &src[0] : NULL, &maintext, &mainlen);
	/*
	 * A main file that does not read still has its drop-ins read, for
	 * their errors too: those of conf.d/, and of -e's environment.
	 */
	env = environment;
	if (env == NULL && (maincfg == NULL ||
	                       config_lookup_string(maincfg,
	                           "daemon.environment", &env) != CONFIG_TRUE ||
	                       !conf_env_name_ok(env)))
		env = NULL; /* an invalid one is reported by conf_top */
	if (conf_names_push(&names, strdup(path)) == -1)
		goto oom;
	if (nsrc > 0) {
		for (i = 1; i < nsrc; i++)
			if (conf_names_push(&names, strdup(src[i].path)) == -1)
				goto oom;
	} else if (conf_file_list(&L, dir, env) == -1)
		goto oom;
	nfiles = names.n;
	cfgs = calloc(nfiles, sizeof(*cfgs));
	c->files = calloc(nfiles, sizeof(*c->files));
	c->text = calloc(nfiles, sizeof(*c->text));
	c->text_len = calloc(nfiles, sizeof(*c->text_len));
	c->cfgs = cfgs;
	if (cfgs == NULL || c->files == NULL || c->text == NULL ||
	    c->text_len == NULL)
		goto oom;
	for (i = 0; i < nfiles; i++) {
		if (i == 0 && maincfg == NULL)
			continue;
		if (i == 0) {
			cfg = maincfg;
			maincfg = NULL;
			text = maintext;
			maintext = NULL;
			tlen = mainlen;
		} else if ((cfg = conf_read_one(&L, names.v[i], dir, 0,
		                nsrc > 0 ? &src[i] : NULL, &text, &tlen)) ==
		           NULL)
			continue;
		cfgs[c->ncfgs] = cfg;
		c->text[c->ncfgs] = text;
		c->text_len[c->ncfgs] = tlen;
		c->files[c->ncfgs++] = names.v[i];
		names.v[i] = NULL;
	}
	if (L.nerr > 0)
		goto out;
	/* Globals first: a monitor's recovery overrides the merged result. */
	for (i = 0; i < c->ncfgs; i++)
		conf_top(&L, cfgs[i], i == 0);
	if (environment != NULL) {
		free(c->environment);
		if ((c->environment = strdup(environment)) == NULL)
			goto oom;
	}
	if (L.recwhere[0] == '\0')
		conf_where(NULL, c->path, L.recwhere, sizeof(L.recwhere));
	conf_check_flap(&L, &c->rec, L.recwhere, "recovery");
	conf_check_workers(&L);
	for (i = 0; i < c->ncfgs; i++) {
		ms = config_lookup(cfgs[i], "monitors");
		if (ms == NULL || (!config_setting_is_list(ms) &&
		                      !config_setting_is_array(ms)))
			continue;
		n = config_setting_length(ms);
		for (j = 0; j < n; j++)
			conf_monitor(&L,
			    config_setting_get_elem(ms, (unsigned)j),
			    (size_t)j);
	}
	if (L.nerr > 0)
		goto out;
	conf_check_deps(&L);
	if (L.nerr == 0 && c->nmon > 0) {
		if ((order = calloc(c->nmon, sizeof(*order))) == NULL)
			conf_err(&L, "%s: out of memory", path);
		else if (conf_topo_order(c, order, errs) == -1)
			L.nerr++;
		free(order);
	}
	goto out;
oom:
	conf_err(&L, "%s: out of memory", path);
out:
	if (maincfg != NULL) {
		config_destroy(maincfg);
		free(maincfg);
	}
	free(maintext);
	for (i = 0; i < names.n; i++)
		free(names.v[i]);
	free(names.v);
	free(L.confdir);
	free(dir);
	if (L.nerr > 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

struct conf *
conf_load2(const char *path, struct errlist *errs, struct errlist *warns)
{
	return conf_load_with(path, NULL, NULL, 0, errs, warns);
}

struct conf *
conf_load(const char *path, struct errlist *errs)
{
	return conf_load2(path, errs, NULL);
}

static int
conf_is_common(const char *k)
{
	size_t i;

	for (i = 0; conf_common_keys[i] != NULL; i++)
		if (strcmp(conf_common_keys[i], k) == 0)
			return 1;
	return 0;
}

static int
conf_is_option(const struct rdd_option *o, const char *k)
{
	for (; o != NULL && o->name != NULL; o++)
		if (strcmp(o->name, k) == 0)
			return 1;
	return 0;
}

int
conf_bind_plugins(struct conf *c,
    const struct rdd_plugin *(*lookup)(void *arg, const char *name), void *arg,
    struct errlist *errs)
{
	const struct rdd_plugin *pd;
	const config_setting_t *s;
	struct conf_monitor *m;
	char where[CONF_WHERE];
	size_t i;
	int j, n, rc = 0;

	for (i = 0; i < c->nmon; i++) {
		m = &c->mon[i];
		if (m->pd != NULL && m->plugin_config != NULL)
			conf_free_options(m->pd->options, m->plugin_config);
		free(m->plugin_config);
		m->plugin_config = NULL;
		m->pd = NULL;
		conf_where(m->setting, m->file, where, sizeof(where));
		if ((pd = lookup(arg, m->plugin)) == NULL) {
			errlist_add(errs,
			    "%smonitor '%s': plugin '%s' not "
			    "loaded: install %s.so in the plugin directory or "
			    "fix plugin=",
			    where, m->name, m->plugin, m->plugin);
			rc = -1;
			continue;
		}
		n = config_setting_length(m->setting);
		for (j = 0; j < n; j++) {
			s = config_setting_get_elem(m->setting, (unsigned)j);
			if (conf_is_common(config_setting_name(s)) ||
			    conf_is_option(pd->options, config_setting_name(s)))
				continue;
			conf_where(s, m->file, where, sizeof(where));
			errlist_add(errs,
			    "%smonitor '%s': unknown option '%s' "
			    "for plugin '%s' (see redundancyd --plugin-help "
			    "%s)",
			    where, m->name, config_setting_name(s), pd->name,
			    pd->name);
			rc = -1;
		}
		if ((m->plugin_config = calloc(1,
		         pd->config_size > 0 ? pd->config_size : 1)) == NULL) {
			errlist_add(
			    errs, "monitor '%s': out of memory", m->name);
			rc = -1;
			continue;
		}
		m->pd = pd;
		if (conf_fill_options(pd->options, m->plugin_config, m->setting,
		        m->file, errs) == -1)
			rc = -1;
	}
	return rc;
}

static void
conf_pinfo_free(struct rdd_plugin *pi)
{
	size_t i;

	if (pi == NULL)
		return;
	free((char *)pi->name);
	free((char *)pi->version);
	free((char *)pi->description);
	for (i = 0; pi->actions != NULL && pi->actions[i] != NULL; i++)
		free((char *)pi->actions[i]);
	free((char **)pi->actions);
	free(pi);
}

const struct rdd_plugin *
conf_pinfo(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; c != NULL && i < c->npinfo; i++)
		if (strcmp(c->pinfo[i]->name, name) == 0)
			return c->pinfo[i];
	return NULL;
}

int
conf_pinfo_add(struct conf *c, struct rdd_plugin *pi)
{
	struct rdd_plugin **nv;

	nv = realloc(c->pinfo, (c->npinfo + 1) * sizeof(*nv));
	if (nv == NULL) {
		conf_pinfo_free(pi);
		return -1;
	}
	c->pinfo = nv;
	c->pinfo[c->npinfo++] = pi;
	return 0;
}

struct conf_one {
	const char *name;
	const struct rdd_plugin *pd;
};

static const struct rdd_plugin *
conf_lookup_one(void *arg, const char *name)
{
	const struct conf_one *o = arg;

	return strcmp(name, o->name) == 0 ? o->pd : NULL;
}

int
conf_bind_plugin(struct conf *c, const char *plugin,
    const struct rdd_plugin *pd, struct errlist *errs)
{
	struct conf_one one = { plugin, pd };
	struct conf sub;
	size_t i;
	int rc = 0;

	/* Bind one monitor at a time through the common path. */
	for (i = 0; i < c->nmon; i++) {
		if (strcmp(c->mon[i].plugin, plugin) != 0)
			continue;
		sub = *c;
		sub.mon = &c->mon[i];
		sub.nmon = 1;
		if (conf_bind_plugins(&sub, conf_lookup_one, &one, errs) != 0)
			rc = -1;
	}
	return rc;
}

/* Follow unfinished upstreams from start until a monitor repeats. */
static void
conf_report_cycle(const struct conf *c, const unsigned char *done, size_t start,
    struct errlist *errs)
{
	size_t *path, len = 0, i, k, cur = start;
	char *msg = NULL, *nmsg;
	int up, found;

	if ((path = calloc(c->nmon + 1, sizeof(*path))) == NULL)
		return;
	for (;;) {
		for (k = 0; k < len; k++)
			if (path[k] == cur)
				break;
		if (k < len || len > c->nmon)
			break;
		path[len++] = cur;
		found = 0;
		for (i = 0; i < c->mon[cur].depends_on.n; i++) {
			up = conf_find(c, c->mon[cur].depends_on.v[i]);
			if (up >= 0 && !done[up]) {
				cur = (size_t)up;
				found = 1;
				break;
			}
		}
		if (!found)
			break;
	}
	/* path[k..len) is the cycle; cur closes it. */
	if (asprintf(&msg, "%s", c->mon[cur].name) < 0)
		msg = NULL;
	for (i = k + 1; msg != NULL && i < len; i++) {
		if (asprintf(&nmsg, "%s -> %s", msg, c->mon[path[i]].name) < 0)
			nmsg = NULL;
		free(msg);
		msg = nmsg;
	}
	if (msg != NULL) {
		errlist_add(errs,
		    "%s:%d: monitor '%s': depends_on forms a "
		    "cycle: %s -> %s (-> means depends on): remove one "
		    "depends_on",
		    c->mon[cur].file, c->mon[cur].line, c->mon[cur].name, msg,
		    c->mon[cur].name);
		free(msg);
	}
	free(path);
}

int
conf_topo_order(const struct conf *c, size_t *order, struct errlist *errs)
{
	unsigned char *done;
	size_t i, j, n = 0;
	int up, ready, progress;

	if (c->nmon == 0)
		return 0;
	if ((done = calloc(c->nmon, 1)) == NULL) {
		errlist_add(errs, "%s: out of memory", c->path);
		return -1;
	}
	/*
	 * Kahn's algorithm, always taking the lowest ready index so the order
	 * is stable across reloads; O(n^2) is fine for a config's monitors.
	 */
	do {
		progress = 0;
		for (i = 0; i < c->nmon; i++) {
			if (done[i])
				continue;
			ready = 1;
			for (j = 0; j < c->mon[i].depends_on.n; j++) {
				up = conf_find(c, c->mon[i].depends_on.v[j]);
				if (up >= 0 && (size_t)up != i && !done[up]) {
					ready = 0;
					break;
				}
			}
			if (!ready)
				continue;
			done[i] = 1;
			order[n++] = i;
			progress = 1;
			break;
		}
	} while (progress);
	if (n < c->nmon) {
		for (i = 0; i < c->nmon && done[i]; i++)
			;
		conf_report_cycle(c, done, i, errs);
		free(done);
		return -1;
	}
	free(done);
	return 0;
}

/*
 * Keys of a monitor that tell the engine how to watch it, not what it is:
 * a rename may come with them changed (depends_on must, when a dependency
 * is renamed too).
 */
static const char *const conf_engine_keys[] = {"name", "depends_on", "interval",
    "timeout", "recovery", "isolate", "memory_max", NULL};

static int
conf_skipped(const char *const *skip, const char *key)
{
	for (; skip != NULL && *skip != NULL; skip++)
		if (strcmp(*skip, key) == 0)
			return 1;
	return 0;
}

/* Same value and shape; 1 and 1L are one number. skip: top-level keys. */
static int
conf_setting_same(const config_setting_t *a, const config_setting_t *b,
    const char *const *skip)
{
	const config_setting_t *e, *f;
	int i, n, na = 0, nb = 0;

	if (conf_is_int(a) && conf_is_int(b))
		return config_setting_get_int64(a) ==
		       config_setting_get_int64(b);
	if (config_setting_type(a) != config_setting_type(b))
		return 0;
	switch (config_setting_type(a)) {
	case CONFIG_TYPE_FLOAT:
		return config_setting_get_float(a) ==
		       config_setting_get_float(b);
	case CONFIG_TYPE_BOOL:
		return config_setting_get_bool(a) == config_setting_get_bool(b);
	case CONFIG_TYPE_STRING:
		return strcmp(config_setting_get_string(a),
		           config_setting_get_string(b)) == 0;
	case CONFIG_TYPE_GROUP:
		/* Members by name: their order in the file means nothing. */
		n = config_setting_length(a);
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(a, (unsigned)i);
			if (conf_skipped(skip, config_setting_name(e)))
				continue;
			na++;
			f = config_setting_get_member(
			    b, config_setting_name(e));
			if (f == NULL || !conf_setting_same(e, f, NULL))
				return 0;
		}
		n = config_setting_length(b);
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(b, (unsigned)i);
			if (!conf_skipped(skip, config_setting_name(e)))
				nb++;
		}
		return na == nb;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		n = config_setting_length(a);
		if (n != config_setting_length(b))
			return 0;
		for (i = 0; i < n; i++)
			if (!conf_setting_same(
			        config_setting_get_elem(a, (unsigned)i),
			        config_setting_get_elem(b, (unsigned)i), NULL))
				return 0;
		return 1;
	default:
		return 0;
	}
}

static int
conf_str_same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static const struct conf_monitor *
conf_mon_named(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nmon; i++)
		if (strcmp(c->mon[i].name, name) == 0)
			return &c->mon[i];
	return NULL;
}

/* a, gone from its configuration, is b, new in the other, but for its name. */
static int
conf_mon_alike(const struct conf_monitor *a, const struct conf_monitor *b)
{
	return strcmp(a->plugin, b->plugin) == 0 &&
	       conf_str_same(a->user, b->user) &&
	       conf_str_same(a->group, b->group) && a->setting != NULL &&
	       b->setting != NULL &&
	       conf_setting_same(a->setting, b->setting, conf_engine_keys);
}

/* gone[j]: prev's monitor j, enabled, has no namesake in next. */
static char *
conf_unmatched(const struct conf *prev, const struct conf *next)
{
	char *v = calloc(prev->nmon + 1, 1);
	size_t j;

	for (j = 0; v != NULL && j < prev->nmon; j++)
		v[j] = prev->mon[j].enabled &&
		       conf_mon_named(next, prev->mon[j].name) == NULL;
	return v;
}

size_t
conf_renames(const struct conf *prev, struct conf *next)
{
	const struct conf_monitor *cand;
	char *gone = NULL, *fresh = NULL;
	size_t i, j, k, n = 0, hits, at = 0;

	if (prev == NULL || next == NULL)
		return 0;
	for (i = 0; i < next->nmon; i++) {
		free(next->mon[i].renamed_from);
		next->mon[i].renamed_from = NULL;
	}
	/* Names first (n^2 compares), so pairs are looked for among few. */
	if ((gone = conf_unmatched(prev, next)) == NULL ||
	    (fresh = conf_unmatched(next, prev)) == NULL)
		goto out;
	for (j = 0; j < prev->nmon; j++) {
		if (!gone[j])
			continue;
		cand = NULL;
		for (i = 0, hits = 0; i < next->nmon; i++)
			if (fresh[i] &&
			    conf_mon_alike(&prev->mon[j], &next->mon[i])) {
				cand = &next->mon[i];
				at = i;
				hits++;
			}
		if (hits != 1)
			continue;
		/* And no other old monitor that the new one could be. */
		for (k = 0, hits = 0; k < prev->nmon; k++)
			if (gone[k] && conf_mon_alike(&prev->mon[k], cand))
				hits++;
		if (hits == 1 && (next->mon[at].renamed_from =
		                         strdup(prev->mon[j].name)) != NULL)
			n++;
	}
out:
	free(gone);
	free(fresh);
	return n;
}

void
conf_free(struct conf *c)
{
	config_t **cfgs;
	size_t i;

	if (c == NULL)
		return;
	alerts_conf_free(c->alerts);
	for (i = 0; i < c->nmon; i++)
		conf_monitor_free(&c->mon[i]);
	free(c->mon);
	cfgs = c->cfgs;
	for (i = 0; i < c->ncfgs; i++) {
		config_destroy(cfgs[i]);
		free(cfgs[i]);
		free(c->files[i]);
		free(c->text[i]);
	}
	free(cfgs);
	free(c->files);
	free(c->text);
	free(c->text_len);
	free(c->environment);
	free(c->host);
	free(c->path);
	free(c->plugin_dir);
	free(c->state_dir);
	free(c->log_dir);
	free(c->control_socket);
	free(c->control_group);
	free(c->http_listen);
	free(c->pidfile);
	for (i = 0; i < c->npinfo; i++)
		conf_pinfo_free(c->pinfo[i]);
	free(c->pinfo);
	free(c->user);
	free(c->group);
	free(c);
}
