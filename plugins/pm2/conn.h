/*
 * conn.h: the plugin's connection to a PM2 daemon: rpc.sock (requests
 * matched to replies by id, written through a buffer drained when the
 * socket is writable) and pub.sock (read continuously so PM2's unbounded
 * queue never grows). Non-blocking, on the host's event loop.
 */
#ifndef PM2_CONN_H
#define PM2_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <redundancyd/rdd_plugin.h>

#include "amp.h"
#include "rpc.h"

/*
 * A reply (r != NULL, check r->ok) or a failure (r == NULL, err set:
 * disconnected, timed out, malformed). Called once per request, never from
 * inside conn_call.
 */
typedef void (*conn_reply_cb)(
    void *arg, const struct rpc_reply *r, const char *err);
/* A pub.sock frame: topic and the decoded frame. */
typedef void (*conn_event_cb)(
    void *arg, const char *topic, const struct amp_frame *f);
/* The connection was lost (not called for conn_close). */
typedef void (*conn_down_cb)(void *arg, const char *why);

struct conn_req;

struct conn_sock {
	int fd;
	uint64_t rh, wh; /* read and write watches */
	struct amp_buf out;
	struct amp_decoder dec;
};

struct conn {
	const struct rdd_host *h;
	struct rdd_monitor *m;
	char rpc_path[108];
	char pub_path[108];
	struct conn_sock rpc, pub;
	int up;
	struct conn_req *reqs; /* in flight */
	uint64_t seq;
	int64_t timeout_ms; /* per request */
	conn_event_cb on_event;
	conn_down_cb on_down;
	void *arg;
	uint64_t bytes_in;     /* for tests and metrics */
	int64_t last_write_us; /* monotonic us of the last request written */
	uint64_t later;        /* timer reporting a failed write */
};

void conn_init(struct conn *c, const struct rdd_host *h, struct rdd_monitor *m,
    const char *home, conn_event_cb ev, conn_down_cb down, void *arg);
/*
 * Connect both sockets now. Returns 0 when both are up, or -1 with why
 * ("rpc.sock: Connection refused") and errno kept (ECONNREFUSED, ENOENT).
 */
int conn_open(struct conn *c, char *why, size_t whylen);
/* Drop both sockets; pending requests fail with `why`. No on_down. */
void conn_close(struct conn *c, const char *why);

/* A request builder of rpc.h: with or without a pm_id. */
typedef int (*conn_build0)(struct amp_buf *out, const char *id);
typedef int (*conn_build1)(struct amp_buf *out, const char *id, int pm_id);

/*
 * Send a request; returns a request handle (non-zero) or 0 with *why set
 * (not connected, out of memory). cb runs later, exactly once, unless
 * conn_cancel is called first.
 */
uint64_t conn_call0(struct conn *c, conn_build0 b, conn_reply_cb cb, void *arg,
    char *why, size_t whylen);
uint64_t conn_call1(struct conn *c, conn_build1 b, int pm_id, conn_reply_cb cb,
    void *arg, char *why, size_t whylen);
void conn_cancel(struct conn *c, uint64_t req);
size_t conn_pending(const struct conn *c);

int64_t conn_now_us(void);

#endif /* PM2_CONN_H */
