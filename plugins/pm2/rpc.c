/*
 * rpc.c: builds PM2 rpc.sock request frames with the arity each method
 * needs, and parses reply frames into id + result or error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "rpc.h"

static int
rpc_check_id(const char *id)
{
	return id != NULL && id[0] != '\0' && strlen(id) < RPC_ID_MAX;
}

/* Put `v` into `o` under `k`; on any failure put both and return NULL. */
static struct json_object *
rpc_add(struct json_object *o, const char *k, struct json_object *v)
{
	if (o == NULL || v == NULL || json_object_object_add(o, k, v) != 0) {
		json_object_put(o);
		json_object_put(v);
		return NULL;
	}
	return o;
}

/*
 * Every method takes exactly one argument before PM2's callback, so the
 * request carries "args":[arg]. Takes ownership of `arg`.
 */
static int
rpc_call(struct amp_buf *out, const char *id, const char *method,
    struct json_object *arg)
{
	struct json_object *req, *args;
	struct amp_arg a[2];
	const char *text;
	int rc = -1, saved;

	if (arg == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (!rpc_check_id(id)) {
		json_object_put(arg);
		errno = EINVAL;
		return -1;
	}
	if ((args = json_object_new_array()) == NULL ||
	    json_object_array_add(args, arg) != 0) {
		json_object_put(args);
		json_object_put(arg);
		errno = ENOMEM;
		return -1;
	}
	/* json-c keeps insertion order: the same bytes as the PM2 CLI. */
	req = rpc_add(
	    json_object_new_object(), "type", json_object_new_string("call"));
	req = rpc_add(req, "method", json_object_new_string(method));
	if ((req = rpc_add(req, "args", args)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	text = json_object_to_json_string_ext(
	    req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text != NULL) {
		a[0] = amp_json(text);
		a[1] = amp_str(id);
		rc = amp_encode(out, 2, a);
	} else
		errno = ENOMEM;
	saved = errno;
	json_object_put(req);
	errno = saved;
	return rc;
}

/* [{}]: callback-only methods still need a placeholder argument. */
static int
rpc_call_empty(struct amp_buf *out, const char *id, const char *method)
{
	return rpc_call(out, id, method, json_object_new_object());
}

/* [N] */
static int
rpc_call_pmid(
    struct amp_buf *out, const char *id, const char *method, int pm_id)
{
	if (pm_id < 0) {
		errno = EINVAL;
		return -1;
	}
	return rpc_call(out, id, method, json_object_new_int(pm_id));
}

int
rpc_get_monitor_data(struct amp_buf *out, const char *id)
{
	return rpc_call_empty(out, id, "getMonitorData");
}

int
rpc_ping(struct amp_buf *out, const char *id)
{
	return rpc_call_empty(out, id, "ping");
}

int
rpc_get_version(struct amp_buf *out, const char *id)
{
	return rpc_call_empty(out, id, "getVersion");
}

int
rpc_restart_process_id(struct amp_buf *out, const char *id, int pm_id)
{
	struct json_object *o;

	if (pm_id < 0) {
		errno = EINVAL;
		return -1;
	}
	o = rpc_add(json_object_new_object(), "id", json_object_new_int(pm_id));
	o = rpc_add(o, "env", json_object_new_object());
	return rpc_call(out, id, "restartProcessId", o);
}

int
rpc_stop_process_id(struct amp_buf *out, const char *id, int pm_id)
{
	return rpc_call_pmid(out, id, "stopProcessId", pm_id);
}

int
rpc_start_process_id(struct amp_buf *out, const char *id, int pm_id)
{
	return rpc_call_pmid(out, id, "startProcessId", pm_id);
}

int
rpc_delete_process_id(struct amp_buf *out, const char *id, int pm_id)
{
	return rpc_call_pmid(out, id, "deleteProcessId", pm_id);
}

int
rpc_notify_by_process_id(struct amp_buf *out, const char *id, int pm_id,
    const char *action_name, int manually)
{
	struct json_object *o;

	if (pm_id < 0 || action_name == NULL || action_name[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	o = rpc_add(json_object_new_object(), "id", json_object_new_int(pm_id));
	o = rpc_add(o, "action_name", json_object_new_string(action_name));
	o = rpc_add(o, "manually", json_object_new_boolean(manually != 0));
	return rpc_call(out, id, "notifyByProcessId", o);
}

int
rpc_format_id(char *buf, size_t len, long pid, uint64_t seq)
{
	return snprintf(buf, len, "%ld:%llu", pid, (unsigned long long)seq);
}

/* Daemon text goes to logs: one line, no control characters. */
static void
rpc_copy_text(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i] != '\0'; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f)
		             ? ' '
		             : src[i];
	dst[i] = '\0';
}

int
rpc_reply_parse(
    const struct amp_frame *f, struct rpc_reply *r, char *err, size_t errlen)
{
	struct json_object *root, *args, *e;
	char jerr[200];

	memset(r, 0, sizeof(*r));
	if (f->argc != 2) {
		snprintf(err, errlen,
		    "rpc reply: expected 2 arguments (JSON "
		    "message, id), got %d",
		    f->argc);
		return -1;
	}
	if (f->args[1].type != AMP_STRING) {
		snprintf(err, errlen,
		    "rpc reply: argument 2 (message id) is "
		    "not a string (\"s:\")");
		return -1;
	}
	if (f->args[1].len == 0 || f->args[1].len >= RPC_ID_MAX ||
	    memchr(f->args[1].data, '\0', f->args[1].len) != NULL) {
		snprintf(err, errlen,
		    "rpc reply: message id of %zu bytes is "
		    "empty, longer than %d or binary",
		    f->args[1].len, RPC_ID_MAX - 1);
		return -1;
	}
	memcpy(r->id, f->args[1].data, f->args[1].len);
	r->id[f->args[1].len] = '\0';

	if (amp_arg_json(&f->args[0], 1, &root, jerr, sizeof(jerr)) == -1) {
		snprintf(err, errlen, "rpc reply %s: %s", r->id, jerr);
		return -1;
	}
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		snprintf(err, errlen,
		    "rpc reply %s: message is not a JSON object", r->id);
		return -1;
	}
	if (json_object_object_get_ex(root, "error", &e) && e != NULL) {
		const char *msg = json_object_is_type(e, json_type_string)
		                      ? json_object_get_string(e)
		                      : json_object_to_json_string_ext(
		                            e, JSON_C_TO_STRING_PLAIN);

		rpc_copy_text(r->error, sizeof(r->error),
		    msg && msg[0] ? msg : "(empty error message)");
		r->ok = 0;
		r->root = root;
		return 0;
	}
	if (!json_object_object_get_ex(root, "args", &args)) {
		json_object_put(root);
		snprintf(err, errlen,
		    "rpc reply %s: neither \"args\" nor "
		    "\"error\" in the message",
		    r->id);
		return -1;
	}
	if (!json_object_is_type(args, json_type_array)) {
		json_object_put(root);
		snprintf(err, errlen, "rpc reply %s: \"args\" is not an array",
		    r->id);
		return -1;
	}
	r->ok = 1;
	r->root = root;
	r->nresults = json_object_array_length(args);
	r->result = r->nresults ? json_object_array_get_idx(args, 0) : NULL;
	return 0;
}

void
rpc_reply_free(struct rpc_reply *r)
{
	json_object_put(r->root);
	r->root = NULL;
	r->result = NULL;
}
