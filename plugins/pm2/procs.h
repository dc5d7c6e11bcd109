/*
 * procs.h: PM2 process lists (getMonitorData reply, `pm2 jlist` output)
 * and pub.sock process:event payloads, parsed into plain structs; apps
 * grouped from their instances. Pure: json-c in, structs out.
 */
#ifndef PM2_PROCS_H
#define PM2_PROCS_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

/* pm2_env.status; PROCS_UNKNOWN for anything else (raw text kept). */
enum procs_status {
	PROCS_ONLINE = 0,
	PROCS_STOPPING,
	PROCS_STOPPED,
	PROCS_LAUNCHING,
	PROCS_ERRORED,
	PROCS_ONE_LAUNCH, /* "one-launch-status" */
	PROCS_WAITING,    /* "waiting restart" */
	PROCS_UNKNOWN,
};

enum procs_mode {
	PROCS_MODE_UNKNOWN = 0,
	PROCS_FORK,    /* "fork_mode" */
	PROCS_CLUSTER, /* "cluster_mode" */
};

/* PM2's default when an app sets no max_restarts. */
#define PROCS_DEFAULT_MAX_RESTARTS 16
/* Entries beyond this make the whole list an error. */
#define PROCS_MAX_ENTRIES 65536
#define PROCS_STATUS_MAX 32

/*
 * One PM2 process (one instance of an app). Strings are owned by the list
 * and never NULL (empty when absent). Numbers of the wrong JSON type count
 * as absent.
 */
struct procs_proc {
	char *name; /* required */
	int pm_id;  /* required, >= 0 */
	long pid;   /* 0 when stopped/errored; the DEAD pid while
	             * "waiting restart"; 0 if absent */
	enum procs_status status;
	char status_text[PROCS_STATUS_MAX]; /* raw pm2_env.status */
	enum procs_mode exec_mode;
	int instances;             /* configured count; 1 if absent */
	int node_app_instance;     /* NODE_APP_INSTANCE, -1 if absent */
	int64_t restart_time;      /* automatic + manual restarts */
	int64_t unstable_restarts; /* reset to 0 when errored */
	int64_t pm_uptime;         /* epoch ms of the last start, 0 absent */
	int has_created_at;        /* 0: null (after overlimit) or absent */
	int64_t created_at;        /* epoch ms */
	int has_exit_code;
	int exit_code;              /* a signal death reports 0 */
	int autorestart;            /* 1 if absent */
	int max_restarts;           /* PROCS_DEFAULT_MAX_RESTARTS if absent */
	int64_t max_memory_restart; /* bytes, 0 if unset */
	uint64_t memory;            /* monit.memory: RSS bytes */
	double cpu;                 /* monit.cpu: % of one core */
	char *namespace;
	char *pm_exec_path; /* the script */
	int port;           /* pm2_env.PORT or pm2_env.env.PORT, 0 if none */
};

struct procs_list {
	size_t n;
	struct procs_proc *v;
};

/*
 * Parse a process list (a JSON array). Returns 0, or -1 with `err` like
 * "process list: entry 3: pm2_env missing" and *out empty: an entry without
 * name, pm_id or pm2_env means the daemon is not the PM2 we know, and a
 * partial list would make present apps look missing.
 */
int procs_parse(
    struct json_object *arr, struct procs_list *out, char *err, size_t errlen);
/*
 * Same from text (`pm2 jlist` stdout). PM2 may print notices before the
 * JSON, so if the whole text is not JSON, parsing restarts at the first
 * line that begins with '['.
 */
int procs_parse_text(const char *text, size_t len, struct procs_list *out,
    char *err, size_t errlen);
void procs_list_free(struct procs_list *l);

const char *procs_status_name(enum procs_status st);
enum procs_status procs_status_parse(const char *s);
/*
 * True when PM2 will not restart it any more: "errored", or (PM2 7.0.4
 * bug) "waiting restart" with pid 0 and created_at null.
 */
int procs_gave_up(const struct procs_proc *p);

/* Instances grouped by name, in order of first appearance. */
struct procs_app {
	const char *name;               /* points into the list */
	enum procs_mode exec_mode;      /* of the first instance */
	size_t n;                       /* instances */
	const struct procs_proc **inst; /* sorted by pm_id */
	size_t first;                   /* list index of the first one */
	size_t online;                  /* instances with status online */
	uint64_t memory;                /* sum of instances */
	double cpu;                     /* sum of instances */
};

struct procs_apps {
	size_t n;
	struct procs_app *v;
	const struct procs_proc **storage; /* backs every app's inst */
};

/* Valid while `l` lives. Returns 0, or -1 (out of memory) with `err`. */
int procs_group(const struct procs_list *l, struct procs_apps *out, char *err,
    size_t errlen);
void procs_apps_free(struct procs_apps *a);
const struct procs_app *procs_app_find(
    const struct procs_apps *a, const char *name);

/* process:event names; PROCS_EV_OTHER for the rest (name kept). */
enum procs_event_kind {
	PROCS_EV_OTHER = 0,
	PROCS_EV_ONLINE,    /* right after fork; status still launching */
	PROCS_EV_START,     /* new app via prepare (manually) */
	PROCS_EV_EXIT,      /* crash, or stop/restart (twice) */
	PROCS_EV_OVERLIMIT, /* "restart overlimit": errored, PM2 gave up */
	PROCS_EV_RESTART,   /* sent by the CLI (notifyByProcessId) */
	PROCS_EV_STOP,
	PROCS_EV_RELOAD,
	PROCS_EV_DELETE,
};

/*
 * A pub.sock "process:event" payload:
 * {"event":E,"manually":bool,"process":<pm2_env minus env>,"at":ms}.
 * There is no pid in it.
 */
struct procs_event {
	enum procs_event_kind kind;
	char *event; /* raw event name */
	int manually;
	int64_t at; /* epoch ms, daemon clock; 0 if absent */
	char *name;
	int pm_id;
	enum procs_status status;
	char status_text[PROCS_STATUS_MAX];
	int autorestart;
	int64_t restart_time;
	int64_t unstable_restarts;
	int has_exit_code;
	int exit_code;
	int has_created_at;
	int64_t created_at;
};

/* Returns 0, or -1 with `err` ("process:event: process.pm_id missing"). */
int procs_event_parse(struct json_object *payload, struct procs_event *ev,
    char *err, size_t errlen);
int procs_event_parse_text(const char *text, size_t len, struct procs_event *ev,
    char *err, size_t errlen);
void procs_event_free(struct procs_event *ev);

#endif /* PM2_PROCS_H */
