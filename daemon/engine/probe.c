/*
 * probe.c: plugins are checked in short-lived children (load, options,
 * validate), so `-t`, start and reload never run plugin code in the master.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "daemon.h"

#define PROBE_DEADLINE_MS (10 * 1000)
#define PROBE_OUT_MAX (1024 * 1024)

static void
probe_where(const struct conf_monitor *cm, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%d: monitor '%s'", cm->file, cm->line,
	    cm->name);
}

/* Load plugin, or an error naming the file and the fix. */
int
probe_load(const struct conf *c, const char *plugin, struct loader_entry *e,
    char *err, size_t errlen)
{
	char path[PATH_MAX];

	memset(e, 0, sizeof(*e));
	if (snprintf(path, sizeof(path), "%s/%s.so", c->plugin_dir, plugin) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "plugin '%s': path too long", plugin);
		return -1;
	}
	if (loader_load_name(e, c->plugin_dir, plugin, geteuid()) != 0) {
		snprintf(err, errlen, "plugin '%s' not loaded: %s", plugin,
		    e->error ? e->error : path);
		return -1;
	}
	return 0;
}

/* Validate (1.1) or create and destroy (1.0) one bound monitor. */
int
probe_validate(const struct rdd_host *host, struct monitor *m,
    struct conf_monitor *cm, char *err, size_t errlen)
{
	const struct rdd_plugin *pd = cm->pd;
	void *ctx = NULL;
	int rc;

	err[0] = '\0';
#if RDD_ABI_MINOR >= 1
	if (RDD_PLUGIN_HAS(pd, validate) && pd->validate != NULL)
		return pd->validate(host, cm->plugin_config, err, errlen);
#endif
	if (host == NULL || m == NULL)
		return 0;
	rc = pd->create(host, (struct rdd_monitor *)m, cm->plugin_config,
	    &ctx, err, errlen);
	if (rc == 0 && ctx != NULL && pd->destroy)
		pd->destroy(ctx);
	return rc;
}

static void
probe_child(struct conf *c, const char *plugin, const char *only, int fd)
{
	struct loader_entry e;
	struct errlist errs = { 0 };
	struct rdd_daemon d;
	struct monitor m;
	json_object *o = json_object_new_object(), *ea, *aa;
	char err[RDD_ERRLEN], where[RDD_ERRLEN];
	const char *s;
	size_t i, len;
	ssize_t n;

	ea = json_object_new_array();
	if (probe_load(c, plugin, &e, err, sizeof(err)) != 0) {
		for (i = 0; i < c->nmon; i++)
			if (strcmp(c->mon[i].plugin, plugin) == 0) {
				probe_where(&c->mon[i], where, sizeof(where));
				errlist_add(&errs, "%s: %s", where, err);
				break;
			}
	} else {
		/* The real host table: create() may read secrets, log. */
		memset(&d, 0, sizeof(d));
		d.conf = c;
		d.once = 1; /* a probe writes nothing: host->read_only */
		d.base = event_base_new();
		hostapi_init(&d);
		json_object_object_add(o, "name",
		    json_object_new_string(e.pd->name));
		json_object_object_add(o, "version",
		    json_object_new_string(e.pd->version ? e.pd->version : ""));
		json_object_object_add(o, "description",
		    json_object_new_string(
			e.pd->description ? e.pd->description : ""));
		aa = json_object_new_array();
		for (i = 0; e.pd->actions && e.pd->actions[i]; i++)
			json_object_array_add(aa,
			    json_object_new_string(e.pd->actions[i]));
		json_object_object_add(o, "actions", aa);
		json_object_object_add(o, "command",
		    json_object_new_boolean(e.pd->command != NULL));
		if (conf_bind_plugin(c, plugin, e.pd, &errs) == 0) {
			for (i = 0; i < c->nmon; i++) {
				struct conf_monitor *cm = &c->mon[i];

				if (strcmp(cm->plugin, plugin) != 0 ||
				    !cm->enabled ||
				    (only && strcmp(only, cm->name) != 0))
					continue;
				memset(&m, 0, sizeof(m));
				m.d = &d;
				m.cm = cm;
				m.pd = cm->pd;
				if (probe_validate(&d.host, &m, cm, err,
					sizeof(err)) != 0) {
					probe_where(cm, where, sizeof(where));
					errlist_add(&errs, "%s: %s", where,
					    err[0] ? err
						   : "the plugin refused its "
						     "config");
				}
			}
		}
	}
	for (i = 0; i < errs.n; i++)
		json_object_array_add(ea, json_object_new_string(errs.v[i]));
	json_object_object_add(o, "errors", ea);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	for (len = strlen(s); len > 0; s += n, len -= (size_t)n)
		if ((n = write(fd, s, len)) <= 0)
			break;
	_exit(0);
}

static int
probe_read(int fd, pid_t pid, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int64_t end = util_now_ms() + PROBE_DEADLINE_MS;
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	while (buf != NULL) {
		int64_t left = end - util_now_ms();

		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		if (len + 1 >= cap) {
			char *nb;

			if (cap >= PROBE_OUT_MAX || (nb = realloc(buf, cap * 2))
			    == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (buf)
		buf[len] = '\0';
	*out = buf;
	return (int)len;
}

/* What the master keeps of a plugin: identity and ladder, no code. */
static struct rdd_plugin *
probe_info(json_object *o, const char *plugin)
{
	struct rdd_plugin *pi = calloc(1, sizeof(*pi));
	json_object *aa;
	const char **acts;
	size_t i, n = 0;

	if (pi == NULL)
		return NULL;
	pi->magic = RDD_PLUGIN_MAGIC;
	pi->abi_major = RDD_ABI_MAJOR;
	pi->abi_minor = RDD_ABI_MINOR;
	pi->size = sizeof(*pi);
	pi->name = strdup(plugin);
	pi->version = strdup(wire_str(o, "version") ? wire_str(o, "version") : "");
	pi->description = strdup(wire_str(o, "description") ?
	    wire_str(o, "description") : "");
	if (json_object_object_get_ex(o, "actions", &aa) &&
	    json_object_is_type(aa, json_type_array))
		n = json_object_array_length(aa);
	acts = calloc(n + 1, sizeof(*acts));
	for (i = 0; acts != NULL && i < n; i++) {
		json_object *a = json_object_array_get_idx(aa, i);

		acts[i] = strdup(json_object_is_type(a, json_type_string) ?
		    json_object_get_string(a) : "?");
	}
	pi->actions = n > 0 ? acts : NULL;
	if (n == 0)
		free(acts);
	{
		json_object *cmd;

		/* Marks "takes commands"; the master never calls it. */
		if (json_object_object_get_ex(o, "command", &cmd) &&
		    json_object_get_boolean(cmd))
			pi->command = (void (*)(void *, struct rdd_command *,
			    int, const char *const *))(uintptr_t)1;
	}
	return pi;
}

static void
probe_one(struct conf *c, const char *plugin, const char *only,
    struct errlist *errs)
{
	int p[2], st = 0;
	pid_t pid;
	char *out = NULL;
	json_object *o = NULL, *ea;
	size_t i;

	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		errlist_add(errs, "plugin '%s': cannot start a probe: %s",
		    plugin, strerror(errno));
		return;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		if (p[1] != 3 && dup2(p[1], 3) == -1)
			_exit(1);
		util_close_from(4);
		probe_child(c, plugin, only, 3);
	}
	close(p[1]);
	probe_read(p[0], pid, &out);
	close(p[0]);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0) ||
	    out == NULL || (o = json_tokener_parse(out)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		for (i = 0; i < c->nmon; i++)
			if (strcmp(c->mon[i].plugin, plugin) == 0)
				break;
		errlist_add(errs, "%s:%d: monitor '%s': plugin '%s' (%s/%s.so) "
		    "%s%s: a constructor, a library it needs or its "
		    "validation is broken; fix or rebuild it",
		    i < c->nmon ? c->mon[i].file : c->path,
		    i < c->nmon ? c->mon[i].line : 0,
		    i < c->nmon ? c->mon[i].name : "?", plugin, c->plugin_dir,
		    plugin, WIFSIGNALED(st) ? "killed the checking process with "
		    : "did not answer its check",
		    WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "");
		json_object_put(o);
		free(out);
		return;
	}
	if (json_object_object_get_ex(o, "errors", &ea))
		for (i = 0; i < json_object_array_length(ea); i++)
			errlist_add(errs, "%s", json_object_get_string(
			    json_object_array_get_idx(ea, i)));
	if (wire_str(o, "name") != NULL && conf_pinfo(c, plugin) == NULL) {
		struct rdd_plugin *pi = probe_info(o, plugin);

		if (pi == NULL || conf_pinfo_add(c, pi) != 0)
			errlist_add(errs, "plugin '%s': out of memory", plugin);
	}
	json_object_put(o);
	free(out);
}

int
probe_conf(struct conf *c, const char *only, struct errlist *errs)
{
	size_t i, j, before = errs->n;

	for (i = 0; i < c->nmon; i++) {
		struct conf_monitor *cm = &c->mon[i];

		if (!cm->enabled || (only && strcmp(only, cm->name) != 0))
			continue;
		for (j = 0; j < i; j++)
			if (c->mon[j].enabled &&
			    (only == NULL || strcmp(only, c->mon[j].name) == 0) &&
			    strcmp(c->mon[j].plugin, cm->plugin) == 0)
				break;
		if (j == i)
			probe_one(c, cm->plugin, only, errs);
	}
	/* The master binds by name to what the probes described. */
	for (i = 0; i < c->nmon; i++)
		c->mon[i].pd = conf_pinfo(c, c->mon[i].plugin);
	return errs->n > before ? -1 : 0;
}
