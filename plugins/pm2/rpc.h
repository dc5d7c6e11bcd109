/*
 * rpc.h: requests to and replies from PM2's rpc.sock (axon req/rep with
 * pm2-axon-rpc), as amp frames. Pure: builds bytes, parses frames.
 *
 * request  [ j:{"type":"call","method":M,"args":[...]} , s:<id> ]
 * reply    [ j:{"args":[result,...]} , s:<id> ]   or
 *          [ j:{"error":"msg","stack":"..."} , s:<id> ]
 *
 * The daemon appends its callback to "args", so a wrong arity throws inside
 * PM2 (and its domain handler then runs `pm2 update`, restarting every
 * app). One builder per method keeps the arity fixed. Replies may arrive
 * out of order: match them by id.
 */
#ifndef PM2_RPC_H
#define PM2_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "amp.h"

/* Longest id accepted in a reply, NUL included; ours are "pid:seq". */
#define RPC_ID_MAX 64
/* Longest daemon error text kept, NUL included; the stack is dropped. */
#define RPC_ERROR_MAX 512

/*
 * Append one request frame to `out`. `id` is any string of at most
 * RPC_ID_MAX - 1 bytes, echoed in the reply. pm_id must be >= 0.
 * Return 0, or -1 with errno EINVAL (bad id or pm_id) or ENOMEM.
 */
int rpc_get_monitor_data(struct amp_buf *out, const char *id); /* [{}] */
int rpc_ping(struct amp_buf *out, const char *id);             /* [{}] */
int rpc_get_version(struct amp_buf *out, const char *id);      /* [{}] */
/* [{"id":N,"env":{}}]; the reply's result is a cloned ChildProcess. */
int rpc_restart_process_id(struct amp_buf *out, const char *id, int pm_id);
int rpc_stop_process_id(struct amp_buf *out, const char *id, int pm_id);
/* [N]; error "process already online" if it runs. */
int rpc_start_process_id(struct amp_buf *out, const char *id, int pm_id);
int rpc_delete_process_id(struct amp_buf *out, const char *id, int pm_id);
/*
 * [{"id":N,"action_name":A,"manually":B}]: makes PM2 broadcast a
 * process:event A (as the CLI does after restart, stop, reload), so other
 * subscribers see what we did.
 */
int rpc_notify_by_process_id(struct amp_buf *out, const char *id, int pm_id,
    const char *action_name, int manually);

/* "pid:seq" like the PM2 CLI; returns snprintf's result. */
int rpc_format_id(char *buf, size_t len, long pid, uint64_t seq);

struct json_object;

struct rpc_reply {
	char id[RPC_ID_MAX];        /* the echoed message id */
	int ok;                     /* 1: success; 0: the daemon sent "error" */
	size_t nresults;            /* length of "args" (0 for notify) */
	struct json_object *result; /* args[0], NULL if none or JSON null */
	struct json_object *root;   /* the parsed reply; owns result */
	char error[RPC_ERROR_MAX];  /* daemon's message when ok == 0 */
};

/*
 * Parse a decoded reply frame. Returns 0 (then check r->ok) or -1 with
 * `err` set for a malformed reply; r needs rpc_reply_free() after 0 only.
 * Keep `result` beyond that with json_object_get().
 */
int rpc_reply_parse(
    const struct amp_frame *f, struct rpc_reply *r, char *err, size_t errlen);
void rpc_reply_free(struct rpc_reply *r);

#endif /* PM2_RPC_H */
