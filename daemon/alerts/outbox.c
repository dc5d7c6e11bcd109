/*
 * outbox.c: every notification is written (fsync) under state_dir before
 * it is sent, then delivered in order per receiver by the alert worker.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "daemon.h"
#include "alerts.h"
#include "delivery.h"

#define OB_MAX 1000 /* entries on disk; the least kept dropped */
#define OB_PAYLOAD_MAX (192 * 1024) /* the wire carries 256 KiB */
#define OB_RECENT 1024              /* keys delivered lately, never resent */
#define OB_GRACE_MS 5000            /* the worker's time beyond a timeout */
#define OB_NAME_LEN 21              /* 16 hex digits + ".json" */

struct ob_rcv;

/* One notification: a file <seq>.json until its receiver took it. */
struct ob_ent {
	struct ob_ent *prev, *next; /* its receiver's FIFO */
	struct ob_rcv *r;
	uint64_t seq;
	char *key; /* the payload stays on disk until it is sent */
	enum rdd_state sev;
	int64_t created; /* wall ms */
};

/* A receiver's queue; one without spec is not configured (parked). */
struct ob_rcv {
	struct ob_rcv *next;
	struct outbox *ob;
	char *name;
	json_object *spec; /* chan_rcv_json, sent with each job */
	char *spec_text;   /* to see a reload change it */
	int64_t retry_min, retry_max, timeout;
	struct ob_ent *head, *tail;
	size_t n;
	struct ob_ent *inflight;
	int fails;     /* consecutive failed attempts */
	int64_t delay; /* the current backoff */
	struct event *retry_ev;
	int waiting; /* retry_ev armed */
	uint64_t sent, failed, dropped;
	int parked_logged;
};

struct outbox {
	struct rdd_daemon *d;
	char *dir;
	struct ob_rcv *rcvs;
	size_t depth;
	uint64_t next_seq;
	struct courier *cr;
	uint64_t recent[OB_RECENT]; /* hashes of receiver and key */
	size_t nrecent;
	json_object *amwatch; /* the silence watch, sent to every worker */
	void (*ampause)(void *arg, void *o);
	void *ampause_arg;
};

static void ob_kick(struct ob_rcv *r);
static struct courier *ob_courier(struct outbox *ob);

static uint64_t
ob_hash(const char *receiver, const char *key)
{
	uint64_t h = 1469598103934665603ULL;
	const char *s;

	for (s = receiver; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (s = key; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int
ob_recent(const struct outbox *ob, uint64_t h)
{
	size_t i, n = ob->nrecent < OB_RECENT ? ob->nrecent : OB_RECENT;

	for (i = 0; i < n; i++)
		if (ob->recent[i] == h)
			return 1;
	return 0;
}

/* The order in which entries are dropped when full: info first. */
static int
ob_rank(enum rdd_state s)
{
	switch (s) {
	case RDD_OK:
		return 0;
	case RDD_UNKNOWN:
		return 1;
	case RDD_WARNING:
		return 2;
	case RDD_CRITICAL:
		return 3;
	}
	return 0;
}

static struct ob_rcv *
ob_rcv(struct outbox *ob, const char *name, int create)
{
	struct ob_rcv *r;

	for (r = ob->rcvs; r != NULL; r = r->next)
		if (strcmp(r->name, name) == 0)
			return r;
	if (!create || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->name = strdup(name)) == NULL) {
		free(r);
		return NULL;
	}
	r->ob = ob;
	r->retry_min = 5000;
	r->retry_max = 300000;
	r->timeout = 10000;
	r->next = ob->rcvs;
	ob->rcvs = r;
	return r;
}

static void
ob_path(const struct outbox *ob, uint64_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%016llx.json", ob->dir, (unsigned long long)seq);
}

static void
ob_append(struct ob_rcv *r, struct ob_ent *e)
{
	e->r = r;
	e->next = NULL;
	e->prev = r->tail;
	if (r->tail != NULL)
		r->tail->next = e;
	else
		r->head = e;
	r->tail = e;
	r->n++;
	r->ob->depth++;
}

static void
ob_unlink_ent(struct ob_ent *e)
{
	struct ob_rcv *r = e->r;

	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		r->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		r->tail = e->prev;
	r->n--;
	r->ob->depth--;
}

static void
ob_ent_free(struct ob_ent *e)
{
	free(e->key);
	free(e);
}

/*
 * Gone from disk, then from memory. The directory is not fsynced here: a
 * power cut may bring a delivered entry back (sent twice); a SIGKILL not.
 */
static void
ob_remove(struct ob_ent *e)
{
	char path[4096];

	ob_path(e->r->ob, e->seq, path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("alerts: outbox: cannot remove %s: %m: it may be "
		         "sent again after a restart",
		    path);
	ob_unlink_ent(e);
	ob_ent_free(e);
}

static void
ob_drop(struct ob_ent *e, const char *why)
{
	char msg[512];

	e->r->dropped++;
	snprintf(msg, sizeof(msg),
	    "alert notification %s for receiver %s "
	    "dropped: %s",
	    e->key, e->r->name, why);
	log_warn("alerts: %s", msg);
	journal_write("alert-dropped", NULL, NULL, msg, -1);
	ob_remove(e);
}

/* The entry to drop when full: lowest rank, then oldest; never in flight. */
static struct ob_ent *
ob_victim(struct outbox *ob)
{
	struct ob_ent *best = NULL, *e;
	struct ob_rcv *r;

	for (r = ob->rcvs; r != NULL; r = r->next)
		for (e = r->head; e != NULL; e = e->next) {
			if (e == r->inflight)
				continue;
			if (best == NULL ||
			    ob_rank(e->sev) < ob_rank(best->sev) ||
			    (ob_rank(e->sev) == ob_rank(best->sev) &&
			        e->seq < best->seq))
				best = e;
		}
	return best;
}

static char *
ob_serialise(const struct ob_ent *e, const char *receiver, const char *payload,
    size_t *len)
{
	json_object *o = json_object_new_object();
	const char *s;
	char *r;

	json_object_object_add(
	    o, "seq", json_object_new_int64((int64_t)e->seq));
	json_object_object_add(o, "receiver", json_object_new_string(receiver));
	json_object_object_add(o, "key", json_object_new_string(e->key));
	json_object_object_add(o, "severity", json_object_new_int(e->sev));
	json_object_object_add(o, "created", json_object_new_int64(e->created));
	json_object_object_add(o, "payload", json_object_new_string(payload));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	*len = strlen(s);
	r = strdup(s);
	json_object_put(o);
	return r;
}

int
outbox_put(struct outbox *ob, const char *receiver, const char *key,
    const char *payload, enum rdd_state severity)
{
	struct ob_rcv *r;
	struct ob_ent *e, *v;
	char path[4096], *buf;
	size_t len;

	if (ob == NULL || receiver == NULL || key == NULL || payload == NULL)
		return -1;
	if (strlen(payload) > OB_PAYLOAD_MAX) {
		log_err("alerts: notification %s for %s: payload of %zu bytes "
		        "over %d: group fewer alerts",
		    key, receiver, strlen(payload), OB_PAYLOAD_MAX);
		return -1;
	}
	if ((r = ob_rcv(ob, receiver, 1)) == NULL)
		return -1;
	/* Once per key: queued already, or delivered lately. */
	for (e = r->head; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return 0;
	if (ob_recent(ob, ob_hash(receiver, key)))
		return 0;
	if (ob->depth >= OB_MAX && (v = ob_victim(ob)) != NULL) {
		if (ob_rank(severity) < ob_rank(v->sev)) {
			char msg[512];

			r->dropped++;
			snprintf(msg, sizeof(msg),
			    "alert notification %s for "
			    "receiver %s dropped: the outbox holds %d more "
			    "important ones",
			    key, receiver, OB_MAX);
			log_warn("alerts: %s", msg);
			journal_write("alert-dropped", NULL, NULL, msg, -1);
			return 0;
		}
		ob_drop(v, "the outbox is full (1000 entries): the oldest of "
		           "the least severe goes first");
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	e->seq = ob->next_seq++;
	e->sev = severity;
	e->created = util_wall_ms();
	e->key = strdup(key);
	if (e->key == NULL ||
	    (buf = ob_serialise(e, receiver, payload, &len)) == NULL) {
		ob_ent_free(e);
		return -1;
	}
	ob_path(ob, e->seq, path, sizeof(path));
	if (util_write_atomic(path, buf, len, 0600) != 0) {
		log_err("alerts: outbox: cannot write %s: %m: notification %s "
		        "for %s not queued",
		    path, key, receiver);
		free(buf);
		ob_ent_free(e);
		return -1;
	}
	free(buf);
	ob_append(r, e);
	ob_kick(r);
	return 0;
}

/* ---- delivery ---- */

static void
ob_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ob_rcv *r = arg;

	(void)fd;
	(void)what;
	r->waiting = 0;
	ob_kick(r);
}

/* The payload, read back from the entry's file when it is sent. */
static json_object *
ob_payload(struct outbox *ob, struct ob_ent *e)
{
	json_object *o, *v, *p = NULL;
	char path[4096], *text;

	ob_path(ob, e->seq, path, sizeof(path));
	if ((text = util_read_file(path, OB_PAYLOAD_MAX * 2, NULL)) == NULL)
		return NULL;
	if ((o = json_tokener_parse(text)) != NULL &&
	    json_object_object_get_ex(o, "payload", &v) &&
	    json_object_is_type(v, json_type_string))
		p = json_object_get(v);
	json_object_put(o);
	free(text);
	return p;
}

static void
ob_kick(struct ob_rcv *r)
{
	struct outbox *ob = r->ob;
	struct ob_ent *e = r->head;
	json_object *job, *payload;

	if (r->spec == NULL) {
		if (r->head != NULL && !r->parked_logged) {
			r->parked_logged = 1;
			log_warn(
			    "alerts: %zu notification%s for receiver '%s' "
			    "wait in the outbox: no such receiver in the "
			    "configuration: add it back or they are dropped "
			    "when the outbox is full",
			    r->n, r->n == 1 ? "" : "s", r->name);
		}
		return;
	}
	if (e == NULL || r->inflight != NULL || r->waiting || ob->d->stopping)
		return;
	if (ob->cr == NULL && (ob->cr = ob_courier(ob)) == NULL)
		return;
	if ((payload = ob_payload(ob, e)) == NULL) {
		ob_drop(e, "its file is gone or unreadable");
		ob_kick(r);
		return;
	}
	job = json_object_new_object();
	json_object_object_add(job, "t", json_object_new_string("send"));
	json_object_object_add(
	    job, "id", json_object_new_int64((int64_t)e->seq));
	json_object_object_add(job, "rcv", json_object_get(r->spec));
	json_object_object_add(job, "key", json_object_new_string(e->key));
	json_object_object_add(job, "payload", payload);
	json_object_object_add(job, "sev", json_object_new_int(e->sev));
	r->inflight = e;
	if (courier_send(ob->cr, e->seq, job, r->timeout + OB_GRACE_MS) != 0)
		r->inflight = NULL; /* the courier says when it is ready */
}

static struct ob_rcv *
ob_find_inflight(struct outbox *ob, uint64_t id)
{
	struct ob_rcv *r;

	for (r = ob->rcvs; r != NULL; r = r->next)
		if (r->inflight != NULL && r->inflight->seq == id)
			return r;
	return NULL;
}

static void
ob_done(void *arg, uint64_t id, int ok, const char *msg)
{
	struct outbox *ob = arg;
	struct ob_rcv *r = ob_find_inflight(ob, id);
	struct ob_ent *e;
	struct timeval tv;
	char line[1024];
	int i;

	if (r == NULL)
		return;
	e = r->inflight;
	r->inflight = NULL;
	if (ok) {
		r->sent++;
		if (r->fails > 0) {
			snprintf(line, sizeof(line),
			    "receiver %s delivers "
			    "again after %d failed attempt%s",
			    r->name, r->fails, r->fails == 1 ? "" : "s");
			log_info("alerts: %s", line);
			journal_write(
			    "alert-receiver-up", NULL, NULL, line, -1);
		}
		r->fails = 0;
		r->delay = 0;
		ob->recent[ob->nrecent++ % OB_RECENT] =
		    ob_hash(r->name, e->key);
		log_debug(
		    "alerts: %s: notification %s delivered", r->name, e->key);
		ob_remove(e);
		ob_kick(r);
		return;
	}
	r->failed++;
	r->fails++;
	r->delay = r->retry_min;
	for (i = 1; i < r->fails && r->delay < r->retry_max; i++)
		r->delay *= 2;
	if (r->delay > r->retry_max)
		r->delay = r->retry_max;
	snprintf(line, sizeof(line),
	    "receiver %s: notification %s not "
	    "delivered (attempt %d): %s: retrying in %lld ms, %zu waiting",
	    r->name, e->key, r->fails, msg != NULL ? msg : "failed",
	    (long long)r->delay, r->n);
	log_warn("alerts: %s", line);
	if (r->fails == 1)
		journal_write("alert-receiver-down", NULL, NULL, line, -1);
	if (r->retry_ev == NULL)
		r->retry_ev = evtimer_new(ob->d->base, ob_retry_cb, r);
	tv.tv_sec = r->delay / 1000;
	tv.tv_usec = (r->delay % 1000) * 1000;
	if (r->retry_ev != NULL && evtimer_add(r->retry_ev, &tv) == 0)
		r->waiting = 1;
}

/* A new worker knows nothing: tell it the watch again. */
static void
ob_send_watch(struct outbox *ob)
{
	if (ob->amwatch != NULL && ob->cr != NULL)
		(void)courier_post(ob->cr, json_object_get(ob->amwatch));
}

static void
ob_ready(void *arg)
{
	struct outbox *ob = arg;
	struct ob_rcv *r;

	ob_send_watch(ob);
	for (r = ob->rcvs; r != NULL; r = r->next)
		ob_kick(r);
}

static void
ob_ampause(void *arg, json_object *o)
{
	struct outbox *ob = arg;

	if (ob->ampause != NULL)
		ob->ampause(ob->ampause_arg, o);
}

/* Made on the first notification: --once and -t never fork one. */
static struct courier *
ob_courier(struct outbox *ob)
{
	struct courier *c = courier_new(ob->d, ob_done, ob_ready, ob);

	if (c != NULL)
		courier_on_ampause(c, ob_ampause, ob);
	return c;
}

void
outbox_watch_silences(struct outbox *ob, void *watch,
    void (*fn)(void *arg, void *o), void *arg)
{
	if (ob == NULL) {
		json_object_put(watch);
		return;
	}
	json_object_put(ob->amwatch);
	ob->amwatch = watch;
	ob->ampause = fn;
	ob->ampause_arg = arg;
	if (watch == NULL) {
		/* Stop a watch a worker may run: an empty one. */
		if (ob->cr != NULL) {
			json_object *o = json_object_new_object();

			json_object_object_add(
			    o, "t", json_object_new_string("amwatch"));
			(void)courier_post(ob->cr, o);
		}
		return;
	}
	if (ob->cr == NULL && (ob->cr = ob_courier(ob)) == NULL)
		return;
	ob_send_watch(ob);
}

/* ---- receivers ---- */

void
outbox_set_receivers(
    struct outbox *ob, const struct alert_receiver *rv, size_t n)
{
	struct ob_rcv *r;
	size_t i;

	if (ob == NULL)
		return;
	for (r = ob->rcvs; r != NULL; r = r->next)
		r->parked_logged = -1; /* -1: not in the new list (yet) */
	for (i = 0; i < n; i++) {
		json_object *spec;
		const char *text;

		if ((r = ob_rcv(ob, rv[i].name, 1)) == NULL)
			continue;
		r->parked_logged = 0;
		spec = chan_rcv_json(&rv[i]);
		text = json_object_to_json_string(spec);
		/* A receiver that changed: its backoff starts again. */
		if (r->spec_text == NULL || strcmp(r->spec_text, text) != 0) {
			free(r->spec_text);
			r->spec_text = strdup(text);
			r->fails = 0;
			r->delay = 0;
			if (r->waiting && r->retry_ev != NULL)
				evtimer_del(r->retry_ev);
			r->waiting = 0;
		}
		json_object_put(r->spec);
		r->spec = spec;
		r->retry_min =
		    rv[i].retry_min_ms > 0 ? rv[i].retry_min_ms : 5000;
		r->retry_max =
		    rv[i].retry_max_ms > 0 ? rv[i].retry_max_ms : 300000;
		r->timeout = rv[i].timeout_ms > 0 ? rv[i].timeout_ms : 10000;
	}
	for (r = ob->rcvs; r != NULL; r = r->next) {
		if (r->parked_logged == -1) {
			json_object_put(r->spec);
			r->spec = NULL;
			free(r->spec_text);
			r->spec_text = NULL;
			r->parked_logged = 0;
		}
	}
	ob_ready(ob);
}

int
outbox_has_receiver(const struct outbox *ob, const char *name)
{
	struct ob_rcv *r;

	for (r = ob != NULL ? ob->rcvs : NULL; r != NULL; r = r->next)
		if (r->spec != NULL && strcmp(r->name, name) == 0)
			return 1;
	return 0;
}

/* ---- start: the outbox as the last run left it ---- */

static int
ob_name_seq(const char *name, uint64_t *seq)
{
	char *end;

	if (strlen(name) != OB_NAME_LEN || strcmp(name + 16, ".json") != 0)
		return -1;
	errno = 0;
	*seq = strtoull(name, &end, 16);
	return errno == 0 && end == name + 16 ? 0 : -1;
}

static int
ob_cmp(const void *a, const void *b)
{
	const struct ob_ent *x = *(struct ob_ent *const *)a,
	                    *y = *(struct ob_ent *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct ob_ent *
ob_load_one(const char *path, uint64_t seq, char **receiver)
{
	json_object *o, *v;
	struct ob_ent *e;
	char *text;
	const char *s;

	if ((text = util_read_file(path, OB_PAYLOAD_MAX * 2, NULL)) == NULL)
		return NULL;
	o = json_tokener_parse(text);
	free(text);
	if (o == NULL)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		goto bad;
	e->seq = seq;
#define OB_STR(k)                                                              \
	(json_object_object_get_ex(o, k, &v) &&                                \
	            json_object_is_type(v, json_type_string)                   \
	        ? json_object_get_string(v)                                    \
	        : NULL)
	if ((s = OB_STR("key")) == NULL || (e->key = strdup(s)) == NULL ||
	    OB_STR("payload") == NULL || (s = OB_STR("receiver")) == NULL ||
	    (*receiver = strdup(s)) == NULL)
		goto bad;
#undef OB_STR
	if (json_object_object_get_ex(o, "severity", &v))
		e->sev = (enum rdd_state)(json_object_get_int(v) & 3);
	if (json_object_object_get_ex(o, "created", &v))
		e->created = json_object_get_int64(v);
	json_object_put(o);
	return e;
bad:
	json_object_put(o);
	if (e != NULL)
		ob_ent_free(e);
	return NULL;
}

static void
ob_load(struct outbox *ob)
{
	struct ob_ent **v = NULL, **nv, *e;
	char path[4096], bad[4200];
	size_t n = 0, i;
	struct dirent *de;
	uint64_t seq;
	DIR *dir;

	if ((dir = opendir(ob->dir)) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		char *rname = NULL;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", ob->dir, de->d_name);
		/* A write cut short by a crash: never renamed, never put. */
		if (strstr(de->d_name, ".json.tmp.") != NULL) {
			(void)unlink(path);
			continue;
		}
		if (ob_name_seq(de->d_name, &seq) != 0)
			continue;
		if ((e = ob_load_one(path, seq, &rname)) == NULL) {
			snprintf(bad, sizeof(bad), "%s.bad", path);
			log_err("alerts: outbox: %s: unreadable, kept as %s: "
			        "look at it, then remove it",
			    path, bad);
			(void)rename(path, bad);
			continue;
		}
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL) {
			ob_ent_free(e);
			free(rname);
			break;
		}
		v = nv;
		e->r = (struct ob_rcv *)(void *)rname; /* until sorted */
		v[n++] = e;
	}
	closedir(dir);
	if (n > 1)
		qsort(v, n, sizeof(*v), ob_cmp);
	for (i = 0; i < n; i++) {
		char *rname = (char *)(void *)v[i]->r;
		struct ob_rcv *r = ob_rcv(ob, rname, 1);

		if (v[i]->seq >= ob->next_seq)
			ob->next_seq = v[i]->seq + 1;
		if (r != NULL)
			ob_append(r, v[i]);
		else
			ob_ent_free(v[i]);
		free(rname);
	}
	free(v);
	if (ob->depth > 0)
		log_info("alerts: outbox: %zu notification%s from the last run "
		         "to deliver",
		    ob->depth, ob->depth == 1 ? "" : "s");
}

struct outbox *
outbox_new(struct rdd_daemon *d, const char *dir, char *err, size_t errlen)
{
	struct outbox *ob = calloc(1, sizeof(*ob));

	if (ob == NULL || (ob->dir = strdup(dir)) == NULL) {
		free(ob);
		snprintf(err, errlen, "outbox: out of memory");
		return NULL;
	}
	ob->d = d;
	ob->next_seq = 1;
	if (util_mkdirs(dir, 0700) != 0) {
		snprintf(err, errlen,
		    "outbox: %s: cannot create: %s: make "
		    "state_dir writable by the daemon",
		    dir, strerror(errno));
		free(ob->dir);
		free(ob);
		return NULL;
	}
	ob_load(ob);
	return ob;
}

size_t
outbox_depth(const struct outbox *ob)
{
	return ob != NULL ? ob->depth : 0;
}

size_t
outbox_stats(const struct outbox *ob, struct outbox_rcv_stats *v, size_t max)
{
	struct ob_rcv *r;
	size_t n = 0;

	for (r = ob != NULL ? ob->rcvs : NULL; r != NULL && n < max;
	     r = r->next) {
		v[n].receiver = r->name;
		v[n].queued = r->n;
		v[n].retrying = r->fails > 0 ? r->n : 0;
		v[n].sent = r->sent;
		v[n].failed = r->failed;
		v[n].dropped = r->dropped;
		n++;
	}
	return n;
}

void
outbox_free(struct outbox *ob)
{
	struct ob_rcv *r;
	struct ob_ent *e;

	if (ob == NULL)
		return;
	courier_free(ob->cr);
	json_object_put(ob->amwatch);
	while ((r = ob->rcvs) != NULL) {
		ob->rcvs = r->next;
		while ((e = r->head) != NULL) {
			r->head = e->next;
			ob_ent_free(e);
		}
		if (r->retry_ev != NULL)
			event_free(r->retry_ev);
		json_object_put(r->spec);
		free(r->spec_text);
		free(r->name);
		free(r);
	}
	free(ob->dir);
	free(ob);
}
