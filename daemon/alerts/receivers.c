/*
 * receivers.c: the `alerts.receivers` list: one entry per channel, its
 * address and where its secret lives (environment or a 0600 file).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "rdd.h"
#include "alerts.h"
#include "delivery.h"

#define RCV_TIMEOUT_MS (10 * 1000)
#define RCV_TIMEOUT_MAX_MS (5 * 60 * 1000)
#define RCV_RETRY_MIN_MS (5 * 1000)
#define RCV_RETRY_MAX_MS (5 * 60 * 1000)
#define RCV_KNOWN                                                              \
	"name, type, url, url_env, url_file, token_env, token_file, user, "    \
	"from, to, ca_file, command, fields, urls, honor_silences, refresh, "  \
	"timeout, retry_min, retry_max"

static const char *const rcv_types[] = {
    [RCV_WEBHOOK] = "webhook",
    [RCV_SLACK] = "slack",
    [RCV_EMAIL] = "email",
    [RCV_SMS] = "sms",
    [RCV_COMMAND] = "command",
    [RCV_ALERTMANAGER] = "alertmanager",
};

/* One receiver being parsed: where it is, for every message. */
struct rcv_ctx {
	struct errlist *errs;
	const config_setting_t *s;
	char where[512]; /* "file:line: alerts.receivers[i] 'name'" */
	int nerr;
};

static void rcv_err(struct rcv_ctx *c, const config_setting_t *at,
    const char *fmt, ...) RDD_PRINTF(3, 4);

static void
rcv_err(struct rcv_ctx *c, const config_setting_t *at, const char *fmt, ...)
{
	const config_setting_t *s = at != NULL ? at : c->s;
	const char *f = config_setting_source_file(s);
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errlist_add(c->errs, "%s:%u: %s: %s", f != NULL ? f : "?",
	    config_setting_source_line(s), c->where, msg);
	c->nerr++;
}

const char *
rcv_type_name(enum alert_rcv_type t)
{
	return (size_t)t < sizeof(rcv_types) / sizeof(rcv_types[0])
	           ? rcv_types[t]
	           : "?";
}

static int
rcv_name_ok(const char *n)
{
	const char *p;

	if (*n == '\0' || strlen(n) > 64)
		return 0;
	for (p = n; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		        (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		        *p == '.'))
			return 0;
	return 1;
}

static char *
rcv_string(struct rcv_ctx *c, const config_setting_t *m)
{
	const char *v;
	char *r;

	if (config_setting_type(m) != CONFIG_TYPE_STRING ||
	    (v = config_setting_get_string(m)) == NULL) {
		rcv_err(c, m, "%s: expected a string in quotes",
		    config_setting_name(m));
		return NULL;
	}
	if (*v == '\0') {
		rcv_err(c, m, "%s: empty: give a value or remove the line",
		    config_setting_name(m));
		return NULL;
	}
	if ((r = strdup(v)) == NULL)
		rcv_err(c, m, "out of memory");
	return r;
}

/* A string or a list of strings, into a NULL-terminated rdd_strlist. */
static int
rcv_strlist(struct rcv_ctx *c, const config_setting_t *m, struct rdd_strlist *l)
{
	int i, n, one = config_setting_type(m) == CONFIG_TYPE_STRING;
	const char *v;

	if (!one && !config_setting_is_aggregate(m)) {
		rcv_err(c, m,
		    "%s: expected a string or a list of strings "
		    "like [\"a\", \"b\"]",
		    config_setting_name(m));
		return -1;
	}
	n = one ? 1 : config_setting_length(m);
	if (n == 0) {
		rcv_err(c, m, "%s: empty list: give at least one value",
		    config_setting_name(m));
		return -1;
	}
	if ((l->v = calloc((size_t)n + 1, sizeof(*l->v))) == NULL) {
		rcv_err(c, m, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		v = one ? config_setting_get_string(m)
		        : config_setting_get_string_elem(m, i);
		if (v == NULL || *v == '\0') {
			rcv_err(c, m,
			    "%s: item %d: expected a non-empty "
			    "string",
			    config_setting_name(m), i + 1);
			return -1;
		}
		if ((l->v[l->n++] = strdup(v)) == NULL) {
			rcv_err(c, m, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int
rcv_duration(
    struct rcv_ctx *c, const config_setting_t *m, int64_t max, int64_t *out)
{
	const char *v = config_setting_get_string(m);
	int64_t ms;

	if (config_setting_type(m) == CONFIG_TYPE_INT ||
	    config_setting_type(m) == CONFIG_TYPE_INT64)
		ms = config_setting_get_int64(m) * 1000;
	else if (v == NULL || util_parse_duration(v, &ms) != 0) {
		rcv_err(c, m,
		    "%s: expected a duration like \"10s\" or "
		    "\"500ms\"",
		    config_setting_name(m));
		return -1;
	}
	if (ms <= 0 || ms > max) {
		rcv_err(c, m, "%s: must be above 0 and at most %lld s",
		    config_setting_name(m), (long long)(max / 1000));
		return -1;
	}
	*out = ms;
	return 0;
}

/* scheme://user:password@host: a secret inline in the file. */
static int
rcv_url_has_password(const char *u)
{
	const char *p = strstr(u, "://"), *at, *colon;

	if (p == NULL)
		return 0;
	p += 3;
	at = p + strcspn(p, "/?#@");
	if (*at != '@')
		return 0;
	colon = memchr(p, ':', (size_t)(at - p));
	return colon != NULL;
}

static int
rcv_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* The keys, their types and the secrets refused inline. */
static int
rcv_member(struct rcv_ctx *c, struct alert_receiver *r,
    const config_setting_t *m, int *typed)
{
	const char *k = config_setting_name(m);

	if (strcmp(k, "name") == 0)
		return 0; /* read first */
	if (strcmp(k, "type") == 0) {
		const char *v = config_setting_get_string(m);
		size_t i;

		for (i = 0;
		     v != NULL && i < sizeof(rcv_types) / sizeof(rcv_types[0]);
		     i++)
			if (strcmp(v, rcv_types[i]) == 0) {
				r->type = (enum alert_rcv_type)i;
				*typed = 1;
				return 0;
			}
		rcv_err(c, m,
		    "type: '%s' is not a receiver type: use "
		    "webhook, slack, email, sms, command or alertmanager",
		    v != NULL ? v : "(not a string)");
		return -1;
	}
#define RCV_STR(key, field)                                                    \
	if (strcmp(k, key) == 0)                                               \
		return (r->field = rcv_string(c, m)) != NULL ? 0 : -1;
	RCV_STR("url", url)
	RCV_STR("url_env", url_env)
	RCV_STR("url_file", url_file)
	RCV_STR("token_env", token_env)
	RCV_STR("token_file", token_file)
	RCV_STR("user", user)
	RCV_STR("from", from)
	RCV_STR("ca_file", ca_file)
#undef RCV_STR
	if (strcmp(k, "to") == 0)
		return rcv_strlist(c, m, &r->to);
	if (strcmp(k, "command") == 0)
		return rcv_strlist(c, m, &r->command);
	if (strcmp(k, "fields") == 0)
		return rcv_strlist(c, m, &r->fields);
	if (strcmp(k, "urls") == 0)
		return rcv_strlist(c, m, &r->urls);
	if (strcmp(k, "honor_silences") == 0) {
		if (config_setting_type(m) != CONFIG_TYPE_BOOL) {
			rcv_err(c, m, "honor_silences: expected true or false");
			return -1;
		}
		r->honor_silences = config_setting_get_bool(m);
		return 0;
	}
	if (strcmp(k, "timeout") == 0)
		return rcv_duration(c, m, RCV_TIMEOUT_MAX_MS, &r->timeout_ms);
	if (strcmp(k, "refresh") == 0)
		return rcv_duration(c, m, 3600 * 1000, &r->refresh_ms);
	if (strcmp(k, "retry_min") == 0)
		return rcv_duration(c, m, 3600 * 1000, &r->retry_min_ms);
	if (strcmp(k, "retry_max") == 0)
		return rcv_duration(c, m, 24 * 3600 * 1000, &r->retry_max_ms);
	if (strcmp(k, "token") == 0 || strcmp(k, "password") == 0 ||
	    strcmp(k, "secret") == 0 || strcmp(k, "auth_token") == 0) {
		rcv_err(c, m,
		    "%s: secrets are never written in the "
		    "configuration: put it in an environment variable "
		    "(token_env = \"NAME\") or in a file only the daemon can "
		    "read (token_file = \"/etc/redundancyd/NAME.token\", "
		    "chmod 600)",
		    k);
		return -1;
	}
	rcv_err(c, m, "unknown key '%s': fix or remove it (known: %s)", k,
	    RCV_KNOWN);
	return -1;
}

/*
 * ca_file: a private CA for a server's certificate. Checked now so that a
 * typo is a config error, not a retry loop of "certificate problem" later.
 */
static void
rcv_check_ca(struct rcv_ctx *c, const struct alert_receiver *r)
{
	struct stat st;

	errno = 0;
	memset(&st, 0, sizeof(st));
	if (r->type == RCV_COMMAND) {
		rcv_err(c, NULL,
		    "ca_file: a command receiver makes no connection: "
		    "remove it");
		return;
	}
	if (r->ca_file[0] != '/')
		rcv_err(c, NULL,
		    "ca_file: '%s': give an absolute path (the daemon runs "
		    "from /)",
		    r->ca_file);
	else if (stat(r->ca_file, &st) == -1 || !S_ISREG(st.st_mode))
		rcv_err(c, NULL,
		    "ca_file: '%s': %s: give the PEM file of the CA that "
		    "signed the server's certificate",
		    r->ca_file,
		    S_ISREG(st.st_mode) || errno == 0 ? "not a regular file"
		                                      : strerror(errno));
}

/* What each type needs, once every key is read. */
static void
rcv_check(struct rcv_ctx *c, struct alert_receiver *r)
{
	int nurl =
	    (r->url != NULL) + (r->url_env != NULL) + (r->url_file != NULL);
	const char *t = rcv_type_name(r->type);
	size_t i;

	if (nurl > 1)
		rcv_err(c, NULL,
		    "give one of url, url_env and url_file, not "
		    "%d",
		    nurl);
	if (r->token_env != NULL && r->token_file != NULL)
		rcv_err(c, NULL,
		    "give one of token_env and token_file, not "
		    "both");
	if (r->url != NULL && rcv_url_has_password(r->url))
		rcv_err(c, NULL,
		    "url: holds a password: keep user in `user` "
		    "and the password in token_env or token_file");
	switch (r->type) {
	case RCV_WEBHOOK:
	case RCV_SLACK:
	case RCV_SMS:
		if (nurl == 0 && !(r->type == RCV_SMS && r->user != NULL))
			rcv_err(c, NULL,
			    "a %s receiver needs url, url_env "
			    "or url_file (%s)",
			    t,
			    r->type == RCV_SMS
			        ? "or user, the Twilio account SID"
			        : "the address to POST to");
		if (r->url != NULL && !rcv_prefix(r->url, "http://") &&
		    !rcv_prefix(r->url, "https://"))
			rcv_err(c, NULL,
			    "url: '%s': a %s receiver posts to "
			    "http:// or https://",
			    r->url, t);
		break;
	case RCV_EMAIL:
		if (nurl == 0)
			rcv_err(c, NULL,
			    "an email receiver needs url (the "
			    "mail server, like \"smtp://mail.example.com:587"
			    "\" or \"smtps://mail.example.com\")");
		if (r->url != NULL && !rcv_prefix(r->url, "smtp://") &&
		    !rcv_prefix(r->url, "smtps://"))
			rcv_err(c, NULL,
			    "url: '%s': an email receiver needs "
			    "smtp:// (STARTTLS when offered) or smtps://",
			    r->url);
		if (r->from == NULL)
			rcv_err(c, NULL,
			    "an email receiver needs from = "
			    "\"redundancyd@example.com\"");
		if (r->to.n == 0)
			rcv_err(c, NULL,
			    "an email receiver needs to = "
			    "[\"ops@example.com\"]");
		if (r->user != NULL && r->token_env == NULL &&
		    r->token_file == NULL)
			rcv_err(c, NULL,
			    "user '%s' needs its password: "
			    "token_env or token_file",
			    r->user);
		break;
	case RCV_ALERTMANAGER:
		if (nurl != 0)
			rcv_err(c, NULL,
			    "an alertmanager receiver takes urls = "
			    "[\"http://am-1:9093\", \"http://am-2:9093\"] (every "
			    "member of the cluster), not url");
		if (r->urls.n == 0)
			rcv_err(c, NULL,
			    "an alertmanager receiver needs urls = "
			    "[\"http://127.0.0.1:9093\"]: every Alertmanager of "
			    "the cluster, as Prometheus is given them");
		for (i = 0; i < r->urls.n; i++)
			if (!rcv_prefix(r->urls.v[i], "http://") &&
			    !rcv_prefix(r->urls.v[i], "https://"))
				rcv_err(c, NULL,
				    "urls: '%s': an Alertmanager is reached "
				    "over http:// or https://",
				    r->urls.v[i]);
		break;
	case RCV_COMMAND:
		if (r->command.n == 0)
			rcv_err(c, NULL,
			    "a command receiver needs command = "
			    "[\"/path/to/program\", \"arg\"] (run without a "
			    "shell, the notification on its stdin)");
		if (nurl != 0)
			rcv_err(c, NULL,
			    "a command receiver has no url: "
			    "remove it");
		break;
	}
	if (r->type != RCV_ALERTMANAGER && r->urls.n > 0)
		rcv_err(c, NULL,
		    "urls: only for alertmanager receivers: use url");
	if (r->type == RCV_ALERTMANAGER && r->refresh_ms < 200)
		rcv_err(c, NULL,
		    "refresh: at least 200ms (Alertmanager's silences are "
		    "read that often)");
	if (r->type != RCV_ALERTMANAGER && r->honor_silences)
		rcv_err(c, NULL,
		    "honor_silences: only for alertmanager receivers: "
		    "remove it");
	if (r->type == RCV_SMS && r->to.n == 0)
		rcv_err(c, NULL, "an sms receiver needs to = [\"+15550100\"]");
	if (r->type != RCV_SMS && r->fields.n > 0)
		rcv_err(c, NULL, "fields: only for sms receivers: remove it");
	if (r->type != RCV_COMMAND && r->command.n > 0)
		rcv_err(c, NULL,
		    "command: only for command receivers: "
		    "remove it or set type = \"command\"");
	for (i = 0; i < r->fields.n; i++)
		if (strchr(r->fields.v[i], '=') == NULL ||
		    r->fields.v[i][0] == '=')
			rcv_err(c, NULL,
			    "fields: '%s': expected \"Name=value"
			    "\"",
			    r->fields.v[i]);
	if (r->ca_file != NULL)
		rcv_check_ca(c, r);
	if (r->retry_min_ms > r->retry_max_ms)
		rcv_err(c, NULL, "retry_min is above retry_max: swap them");
}

static void
rcv_free_one(struct alert_receiver *r)
{
	size_t i;

	free(r->name);
	free(r->url);
	free(r->url_env);
	free(r->url_file);
	free(r->token_env);
	free(r->token_file);
	free(r->user);
	free(r->from);
	free(r->ca_file);
	for (i = 0; i < r->to.n; i++)
		free(r->to.v[i]);
	free(r->to.v);
	for (i = 0; i < r->command.n; i++)
		free(r->command.v[i]);
	free(r->command.v);
	for (i = 0; i < r->fields.n; i++)
		free(r->fields.v[i]);
	free(r->fields.v);
	for (i = 0; i < r->urls.n; i++)
		free(r->urls.v[i]);
	free(r->urls.v);
	free(r->file);
}

static void
rcv_parse_one(struct rcv_ctx *c, const config_setting_t *s, size_t idx,
    struct alert_receiver *r)
{
	const config_setting_t *nm = config_setting_get_member(s, "name");
	const char *name = NULL, *f = config_setting_source_file(s);
	int i, n, typed = 0;

	r->timeout_ms = RCV_TIMEOUT_MS;
	r->refresh_ms = 60 * 1000;
	r->retry_min_ms = RCV_RETRY_MIN_MS;
	r->retry_max_ms = RCV_RETRY_MAX_MS;
	r->line = (int)config_setting_source_line(s);
	r->file = f != NULL ? strdup(f) : NULL;
	if (nm != NULL && config_setting_type(nm) == CONFIG_TYPE_STRING)
		name = config_setting_get_string(nm);
	snprintf(c->where, sizeof(c->where), "alerts.receivers[%zu]%s%s%s",
	    idx + 1, name ? " '" : "", name ? name : "", name ? "'" : "");
	if (name == NULL || !rcv_name_ok(name)) {
		rcv_err(c, nm,
		    "name: %s: give each receiver a name of "
		    "letters, digits, '-', '_' or '.' (like name = "
		    "\"ops-mail\")",
		    nm == NULL ? "missing" : "invalid");
		return;
	}
	if ((r->name = strdup(name)) == NULL) {
		rcv_err(c, NULL, "out of memory");
		return;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++)
		(void)rcv_member(c, r, config_setting_get_elem(s, i), &typed);
	if (!typed && config_setting_get_member(s, "type") == NULL)
		rcv_err(c, NULL,
		    "type: missing: add type = \"webhook\" (or "
		    "slack, email, sms, command)");
	if (c->nerr == 0)
		rcv_check(c, r);
}

int
alerts_receivers_parse(const void *list, struct alert_receiver **out, size_t *n,
    struct errlist *errs)
{
	const config_setting_t *l = list;
	struct alert_receiver *v;
	struct rcv_ctx c;
	size_t i, j, len;
	int bad = 0;

	*out = NULL;
	*n = 0;
	memset(&c, 0, sizeof(c));
	c.errs = errs;
	c.s = l;
	if (!config_setting_is_list(l) && !config_setting_is_array(l)) {
		snprintf(c.where, sizeof(c.where), "alerts.receivers");
		rcv_err(&c, l,
		    "expected a list: receivers = ( { name = "
		    "\"ops\"; type = \"webhook\"; url = \"https://...\"; } )");
		return -1;
	}
	len = (size_t)config_setting_length(l);
	if (len == 0)
		return 0;
	if ((v = calloc(len, sizeof(*v))) == NULL) {
		errlist_add(errs, "alerts.receivers: out of memory");
		return -1;
	}
	for (i = 0; i < len; i++) {
		const config_setting_t *s = config_setting_get_elem(l, i);

		c.s = s;
		c.nerr = 0;
		if (!config_setting_is_group(s)) {
			snprintf(c.where, sizeof(c.where),
			    "alerts.receivers[%zu]", i + 1);
			rcv_err(&c, s,
			    "expected a group { name = \"...\"; "
			    "type = \"...\"; ... }");
		} else
			rcv_parse_one(&c, s, i, &v[i]);
		for (j = 0; c.nerr == 0 && j < i; j++)
			if (v[j].name != NULL &&
			    strcmp(v[j].name, v[i].name) == 0)
				rcv_err(&c, s,
				    "a second receiver named '%s' "
				    "(the first at %s:%d): rename one",
				    v[i].name, v[j].file ? v[j].file : "?",
				    v[j].line);
		bad |= c.nerr != 0;
	}
	if (bad) {
		alerts_receivers_free(v, len);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

void
alerts_receivers_free(struct alert_receiver *r, size_t n)
{
	size_t i;

	for (i = 0; r != NULL && i < n; i++)
		rcv_free_one(&r[i]);
	free(r);
}
