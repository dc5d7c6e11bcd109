/*
 * wire.h: the framed channel between the master and a plugin worker, and
 * the shared record that names the callback a worker is running.
 */
#ifndef RDD_WIRE_H
#define RDD_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct event_base;
struct wire;

/* msg is the channel's: valid during the call. */
typedef void (*wire_msg_cb)(void *arg, json_object *msg);
typedef void (*wire_eof_cb)(void *arg);

/* fd: one end of a SOCK_SEQPACKET socketpair; the wire closes it. */
struct wire *wire_new(struct event_base *base, int fd, wire_msg_cb on_msg,
    wire_eof_cb on_eof, void *arg);
/* Consumes o; -1 when the peer is gone or the message is refused. */
int wire_send(struct wire *w, json_object *o);
/* Nested: sends wait for the outermost uncork, then go in one syscall. */
void wire_cork(struct wire *w);
int wire_uncork(struct wire *w);
/* Blocking, bounded: only for a worker's last messages before _exit. */
void wire_flush(struct wire *w, int timeout_ms);
uint64_t wire_dropped(const struct wire *w);
void wire_free(struct wire *w);

/* One message: one object with a string "t", or NULL. */
json_object *wire_decode(const char *buf, size_t len);
/* A datagram as the peer sent it, a message a line: the lines refused. */
size_t wire_decode_each(const char *buf, size_t len, wire_msg_cb fn, void *arg);
const char *wire_str(json_object *o, const char *key);
int wire_int(json_object *o, const char *key, int64_t *out);

/*
 * What a worker is doing, in memory shared with the master (Varnish's panic
 * segment): written before and after each plugin callback, read by the
 * master after a crash or during a stall, when the worker can say nothing.
 */
enum wk_cb {
	WK_CB_NONE = 0,
	WK_CB_LOAD,
	WK_CB_VALIDATE,
	WK_CB_CREATE,
	WK_CB_START,
	WK_CB_CHECK,
	WK_CB_RECOVER,
	WK_CB_COMMAND,
	WK_CB_STOP,
	WK_CB_DESTROY,
	WK_CB_TIMER,
	WK_CB_FD,
	WK_CB_CHILD,
	WK_CB_HTTP,
	WK_CB_WATCH,
	WK_CB_POST,
};

struct wk_shm {
	volatile int32_t cb;	 /* enum wk_cb */
	volatile int32_t mon;	 /* the worker's monitor index, -1: none */
	volatile int64_t since;	 /* monotonic ms when the callback began */
	volatile uint64_t beats; /* loop turns, for the curious */
};

const char *wk_cb_name(int cb);

/* A callback longer than this blocks every monitor of its worker. */
#define WK_SLOW_MS 100

/* What a nested callback saves of the record (worker.c). */
struct wk_save {
	int32_t cb, mon;
	int64_t since;
	int in_check; /* the worker's rdd_daemon.in_check */
};

#endif /* RDD_WIRE_H */
