/*
 * journal.c: the append-only incident and audit journal, one redacted JSON
 * object per line, and the reader behind "redundancyctl history".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, explicit_bzero */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "rdd.h"

#define JOURNAL_MODE 0640
#define JOURNAL_DEFMAX 1000
#define JOURNAL_HARDMAX 100000	/* bounds the reader's memory */
#define JOURNAL_TAIL ((off_t)8 << 20) /* bytes history reads back */
#define JOURNAL_LINEMAX (1024 * 1024)
#define JOURNAL_RECENT 10 /* incidents the dashboard shows */
#define JOURNAL_SEED_TAIL ((off_t)1 << 20) /* bytes read for them at start */

/* One journal per process, like the log files. */
static int journal_fd = -1;
static journal_sink_fn journal_sink;	/* a worker's: records go to the master */
static void *journal_sink_arg;
static char *journal_path;
static int journal_partial; /* may end mid-line: next record starts '\n' */
static struct log_limit journal_lim; /* a full disk is one line, not 3,000 */

/*
 * The latest incident records, for the dashboard: kept as written, so
 * /health never reads the journal file (which may be large, rotated or on
 * a slow disk) while the loop waits. Only the master fills it: a worker's
 * records reach it through the master's journal_write.
 */
static struct json_object *journal_recent_ring[JOURNAL_RECENT];
static size_t journal_recent_next, journal_recent_n;
static void journal_recent_seed(const char *path);

/* The journal's descriptor, or -1 with err naming the path and the fix. */
static int
journal_open_fd(const char *path, char *err, size_t errlen)
{
	const char *kind;
	int fd;

	/* O_RDWR: util_append reads back what it may have to cut off. */
	fd = util_open_regular(
	    path, O_RDWR | O_APPEND | O_CREAT, JOURNAL_MODE, &kind);
	if (fd == -1 && kind != NULL)
		snprintf(err, errlen,
		    "journal %s is %s, not a regular file: move it away "
		    "(redundancyd creates the file)",
		    path, kind);
	else if (fd == -1)
		snprintf(err, errlen,
		    "journal %s: cannot open: %s: fix the log directory's "
		    "owner or mode",
		    path, strerror(errno));
	return fd;
}

int
journal_open(const char *path, char *err, size_t errlen)
{
	char *p;
	int fd;

	if ((fd = journal_open_fd(path, err, errlen)) == -1)
		return -1;
	if ((p = strdup(path)) == NULL) {
		snprintf(err, errlen, "journal %s: out of memory", path);
		close(fd);
		return -1;
	}
	journal_close();
	journal_path = p;
	journal_fd = fd;
	/* A crash mid-line left a partial record: the next one ends it. */
	journal_partial = util_ends_midline(fd);
	memset(&journal_lim, 0, sizeof(journal_lim));
	journal_recent_seed(path);
	return 0;
}

/*
 * SIGUSR1 after logrotate moved journal.jsonl away: records go to a new
 * file at the same path. On failure the old descriptor stays: records
 * still go somewhere, and the error says where to look.
 */
int
journal_reopen(char *err, size_t errlen)
{
	int fd;

	if (journal_fd == -1 || journal_path == NULL)
		return 0;
	if ((fd = journal_open_fd(journal_path, err, errlen)) == -1)
		return -1;
	close(journal_fd);
	journal_fd = fd;
	journal_partial = util_ends_midline(fd);
	return 0;
}

void
journal_close(void)
{
	size_t i;

	if (journal_fd != -1)
		close(journal_fd);
	journal_fd = -1;
	free(journal_path);
	journal_path = NULL;
	for (i = 0; i < JOURNAL_RECENT; i++) {
		json_object_put(journal_recent_ring[i]);
		journal_recent_ring[i] = NULL;
	}
	journal_recent_next = journal_recent_n = 0;
}

/* The kinds an operator looks for first: something broke, was mended or
 * needs a person. Actions and results are in the journal itself. */
static int
journal_incident(const char *kind)
{
	static const char *const kinds[] = {"detect", "recovered", "giveup",
	    "needs-operator", "served", "blocked", "worker-quarantine"};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return 1;
	return 0;
}

static void
journal_recent_add(struct json_object *o)
{
	json_object_put(journal_recent_ring[journal_recent_next]);
	journal_recent_ring[journal_recent_next] = json_object_get(o);
	journal_recent_next = (journal_recent_next + 1) % JOURNAL_RECENT;
	if (journal_recent_n < JOURNAL_RECENT)
		journal_recent_n++;
}

/*
 * The latest incident records, newest first, as a new json-c array that
 * shares the records (they are never changed after they are written).
 */
void *
journal_recent_json(void)
{
	struct json_object *a;
	size_t i, k;

	if ((a = json_object_new_array()) == NULL)
		return NULL;
	for (i = 0; i < journal_recent_n; i++) {
		k = (journal_recent_next + JOURNAL_RECENT - 1 - i) %
		    JOURNAL_RECENT;
		json_object_array_add(
		    a, json_object_get(journal_recent_ring[k]));
	}
	return a;
}

static void
journal_add_str(struct json_object *o, const char *key, const char *val)
{
	char *r;

	if (val == NULL)
		return;
	/* On a malloc failure the field is dropped, never written raw. */
	if ((r = redact_str(val)) == NULL)
		return;
	json_object_object_add(o, key, json_object_new_string(r));
	free(r);
}

/* Who writes: the fleet reads many hosts' journals side by side. */
static char journal_host[256], journal_env[128];

void
journal_set_identity(const char *host, const char *environment)
{
	snprintf(journal_host, sizeof(journal_host), "%s", host ? host : "");
	snprintf(journal_env, sizeof(journal_env), "%s",
	    environment ? environment : "");
}

void
journal_set_sink(journal_sink_fn fn, void *arg)
{
	journal_sink = fn;
	journal_sink_arg = arg;
}

void
journal_write(const char *kind, const char *monitor, const char *target,
    const char *msg, long uid)
{
	struct json_object *o;
	struct timespec ts;
	struct tm tm;
	char tsbuf[64], tmp[32], *line;
	const char *js;
	int64_t ms;
	size_t len;

	if (journal_sink != NULL) {
		journal_sink(journal_sink_arg, kind, monitor, target, msg);
		return;
	}
	if (journal_fd == -1)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(tsbuf, sizeof(tsbuf), "%s.%03dZ", tmp,
	    (int)(ts.tv_nsec / 1000000));

	if ((o = json_object_new_object()) == NULL)
		return;
	json_object_object_add(o, "ts", json_object_new_string(tsbuf));
	json_object_object_add(o, "ts_ms", json_object_new_int64(ms));
	journal_add_str(o, "kind", kind != NULL ? kind : "event");
	journal_add_str(o, "monitor", monitor);
	journal_add_str(o, "target", target);
	journal_add_str(o, "msg", msg);
	if (uid >= 0)
		json_object_object_add(o, "uid", json_object_new_int64(uid));
	if (journal_host[0] != '\0')
		journal_add_str(o, "host", journal_host);
	if (journal_env[0] != '\0')
		journal_add_str(o, "environment", journal_env);
	if (journal_incident(kind != NULL ? kind : "event"))
		journal_recent_add(o);
	js = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(js);
	if ((line = malloc(len + 2)) == NULL) {
		json_object_put(o);
		return;
	}
	memcpy(line, js, len);
	line[len++] = '\n';
	json_object_put(o);

	/*
	 * One write(2): a record is never split by another writer, and a
	 * short one is cut back, so no record is glued onto half of one.
	 */
	if (util_append(journal_fd, line, len, &journal_partial) == -1)
		log_limit_fail(&journal_lim, RDD_LOG_ERR,
		    "journal %s: cannot append: %s: %s; records are lost "
		    "until it works again",
		    journal_path, strerror(errno), util_write_fix(errno));
	else
		log_limit_ok(
		    &journal_lim, "journal %s: appending again", journal_path);
	free(line);
}

/* A whole JSON object with an integer ts_ms, or NULL. */
static struct json_object *
journal_parse(struct json_tokener *tok, const char *line, size_t len)
{
	struct json_object *o, *t;
	size_t off;

	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success)
		goto bad;
	for (off = json_tokener_get_parse_end(tok); off < len; off++)
		if (line[off] != ' ' && line[off] != '\t' && line[off] != '\r')
			goto bad;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "ts_ms", &t) ||
	    !json_object_is_type(t, json_type_int))
		goto bad;
	return o;
bad:
	json_object_put(o);
	return NULL;
}

/* The newest records of one or two files, oldest first. */
struct journal_ring {
	struct json_tokener *tok;
	struct json_object **v;
	size_t max, n, head;
	int64_t since_ms;
	int incidents; /* only the kinds journal_incident keeps */
};

/*
 * Streams the last budget bytes of path (from the first whole line in
 * them) into the ring. A missing file is empty; a FIFO or a link where the
 * journal belongs is refused rather than read (a FIFO would hang the
 * loop). Returns the size of the file, or -1.
 */
static off_t
journal_read_file(struct journal_ring *r, const char *path, off_t budget)
{
	struct json_object *o, *t;
	const char *kind;
	struct stat sb;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;
	int fd, c, err;

	if ((fd = util_open_regular(path, O_RDONLY, 0, &kind)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &sb) == -1 || (fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		return -1;
	}
	if (budget <= 0) {
		fclose(fp);
		return sb.st_size;
	}
	/*
	 * The control socket asks from the event loop: read only the newest
	 * budget bytes of a journal that may have grown for months.
	 */
	if (sb.st_size > budget && fseeko(fp, -budget, SEEK_END) == 0)
		while ((c = getc(fp)) != EOF && c != '\n')
			;
	/* Keep the newest max records in a ring while streaming the file. */
	while ((len = getline(&line, &cap, fp)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0 || len > JOURNAL_LINEMAX)
			continue;
		if ((o = journal_parse(r->tok, line, (size_t)len)) == NULL)
			continue;
		json_object_object_get_ex(o, "ts_ms", &t);
		if (json_object_get_int64(t) < r->since_ms ||
		    (r->incidents &&
		        (!json_object_object_get_ex(o, "kind", &t) ||
		            !journal_incident(json_object_get_string(t))))) {
			json_object_put(o);
			continue;
		}
		json_object_put(r->v[r->head]);
		r->v[r->head] = o;
		r->head = (r->head + 1) % r->max;
		if (r->n < r->max)
			r->n++;
	}
	free(line);
	err = ferror(fp);
	fclose(fp);
	return err ? -1 : sb.st_size;
}

/*
 * The dashboard's latest incidents survive a restart: read once, at start,
 * from the end of the journal (1 MB: incidents are rare next to actions
 * and results, and a start may take that long, a request may not).
 */
static void
journal_recent_seed(const char *path)
{
	struct json_object *v[JOURNAL_RECENT] = {NULL};
	struct journal_ring r = {.v = v, .max = JOURNAL_RECENT, .incidents = 1};
	size_t i, k;

	if ((r.tok = json_tokener_new()) == NULL)
		return;
	(void)journal_read_file(&r, path, JOURNAL_SEED_TAIL);
	json_tokener_free(r.tok);
	for (i = 0; i < r.n; i++) {
		k = (r.head + JOURNAL_RECENT - r.n + i) % JOURNAL_RECENT;
		journal_recent_add(v[k]);
	}
	for (i = 0; i < JOURNAL_RECENT; i++)
		json_object_put(v[i]);
}

/*
 * After logrotate (delaycompress, as etc/redundancyd.logrotate has it) the
 * newest records may be in journal.jsonl.1 while journal.jsonl is new and
 * nearly empty: what the current file leaves of the byte budget is read
 * from the end of .1 first, so "history" right after a rotation still
 * shows the last incidents. Older generations are compressed: not read.
 */
char *
journal_read_since(const char *path, int64_t since_ms, size_t max)
{
	struct journal_ring r = {.since_ms = since_ms};
	struct json_object *o, *arr;
	struct stat sb;
	char *out, *prev = NULL;
	off_t cur = 0;
	size_t i;
	int bad = 0;

	if (max == 0)
		max = JOURNAL_DEFMAX;
	if (max > JOURNAL_HARDMAX)
		max = JOURNAL_HARDMAX;
	r.max = max;
	if ((r.tok = json_tokener_new()) == NULL ||
	    (r.v = calloc(max, sizeof(*r.v))) == NULL) {
		if (r.tok != NULL)
			json_tokener_free(r.tok);
		return NULL;
	}
	if (stat(path, &sb) == 0)
		cur = sb.st_size;
	if (cur < JOURNAL_TAIL && asprintf(&prev, "%s.1", path) != -1) {
		/* The older file is a bonus: its errors do not fail history. */
		(void)journal_read_file(&r, prev, JOURNAL_TAIL - cur);
		free(prev);
	}
	if (journal_read_file(&r, path, JOURNAL_TAIL) == -1)
		bad = 1;
	json_tokener_free(r.tok);

	out = NULL;
	if (!bad && (arr = json_object_new_array()) != NULL) {
		for (i = 0; i < r.n; i++) {
			o = r.v[(r.head + max - r.n + i) % max];
			r.v[(r.head + max - r.n + i) % max] = NULL;
			json_object_array_add(arr, o);
		}
		out = strdup(json_object_to_json_string_ext(arr,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	}
	for (i = 0; i < max; i++)
		json_object_put(r.v[i]);
	free(r.v);
	return out;
}
