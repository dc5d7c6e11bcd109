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

/* One journal per process, like the log files. */
static int journal_fd = -1;
static journal_sink_fn journal_sink;	/* a worker's: records go to the master */
static void *journal_sink_arg;
static char *journal_path;
static int journal_failed;	/* warn once per failure streak, not per line */

int
journal_open(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	char c;
	int fd;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
	    JOURNAL_MODE);
	if (fd == -1) {
		snprintf(err, errlen, "journal %s: cannot open: %s: fix the "
		    "state directory's owner or mode", path, strerror(errno));
		return -1;
	}
	/*
	 * A crash mid-line left a partial record: end it so that the next
	 * record starts on its own line and stays readable.
	 */
	if (fstat(fd, &sb) == 0 && sb.st_size > 0 &&
	    pread(fd, &c, 1, sb.st_size - 1) == 1 && c != '\n' &&
	    write(fd, "\n", 1) != 1) {
		snprintf(err, errlen, "journal %s: cannot write: %s: check "
		    "free space", path, strerror(errno));
		close(fd);
		return -1;
	}
	journal_close();
	if ((journal_path = strdup(path)) == NULL) {
		snprintf(err, errlen, "journal %s: out of memory", path);
		close(fd);
		return -1;
	}
	journal_fd = fd;
	journal_failed = 0;
	return 0;
}

void
journal_close(void)
{
	if (journal_fd != -1)
		close(journal_fd);
	journal_fd = -1;
	free(journal_path);
	journal_path = NULL;
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
	ssize_t w;

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

	/* One write(2): a record is never split by another writer. */
	do
		w = write(journal_fd, line, len);
	while (w == -1 && errno == EINTR);
	if (w != (ssize_t)len) {
		if (!journal_failed)
			log_warn("journal %s: cannot append: %s: check free "
			    "space; records are lost until it works again",
			    journal_path, w == -1 ? strerror(errno) :
			    "short write");
		journal_failed = 1;
	} else
		journal_failed = 0;
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

char *
journal_read_since(const char *path, int64_t since_ms, size_t max)
{
	struct json_tokener *tok;
	struct json_object **ring, *o, *arr, *t;
	FILE *fp;
	char *line = NULL, *out;
	size_t cap = 0, n = 0, head = 0, i;
	ssize_t len;
	int err;

	if (max == 0)
		max = JOURNAL_DEFMAX;
	if (max > JOURNAL_HARDMAX)
		max = JOURNAL_HARDMAX;
	if ((fp = fopen(path, "re")) == NULL)
		return errno == ENOENT ? strdup("[]") : NULL;
	/*
	 * The control socket asks from the event loop: read only the newest
	 * JOURNAL_TAIL bytes of a journal that may have grown for months,
	 * from the first whole line in them.
	 */
	if (fseeko(fp, 0, SEEK_END) == 0 && ftello(fp) > JOURNAL_TAIL) {
		int c;

		if (fseeko(fp, -JOURNAL_TAIL, SEEK_END) == 0)
			while ((c = getc(fp)) != EOF && c != '\n')
				;
	} else
		rewind(fp);
	if ((tok = json_tokener_new()) == NULL ||
	    (ring = calloc(max, sizeof(*ring))) == NULL) {
		if (tok != NULL)
			json_tokener_free(tok);
		fclose(fp);
		return NULL;
	}
	/* Keep the newest max records in a ring while streaming the file. */
	while ((len = getline(&line, &cap, fp)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0 || len > JOURNAL_LINEMAX)
			continue;
		if ((o = journal_parse(tok, line, (size_t)len)) == NULL)
			continue;
		json_object_object_get_ex(o, "ts_ms", &t);
		if (json_object_get_int64(t) < since_ms) {
			json_object_put(o);
			continue;
		}
		json_object_put(ring[head]);
		ring[head] = o;
		head = (head + 1) % max;
		if (n < max)
			n++;
	}
	free(line);
	err = ferror(fp);
	fclose(fp);
	json_tokener_free(tok);

	out = NULL;
	if (!err && (arr = json_object_new_array()) != NULL) {
		for (i = 0; i < n; i++) {
			o = ring[(head + max - n + i) % max];
			ring[(head + max - n + i) % max] = NULL;
			json_object_array_add(arr, o);
		}
		out = strdup(json_object_to_json_string_ext(arr,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	}
	for (i = 0; i < max; i++)
		json_object_put(ring[i]);
	free(ring);
	return out;
}
