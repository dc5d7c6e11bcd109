/*
 * store.h: the snapshot store of valid workflows (content-addressed by git
 * blob id under the monitor's state_dir) and the index of the last good
 * version of each workflow file; also the atomic restore of a file.
 */
#ifndef GHA_STORE_H
#define GHA_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct store_entry {
	char *name;    /* file name inside .github/workflows */
	char blob[41]; /* git blob id of the last good version */
	char head[41]; /* HEAD commit when it was saved, "" outside git */
	int64_t saved; /* wall clock, seconds */
};

struct store {
	char *dir; /* state_dir of the monitor */
	struct store_entry *v;
	size_t n;
	int dirty; /* the index changed since store_flush */
	int ro;    /* read-only (--once): every write is a no-op */
};

/*
 * Open (create) the store in dir: dir/snapshots/ and dir/index.json. A
 * damaged index is set aside as index.json.bad and started afresh. Returns
 * 0, or -1 with err set (the store is then empty and unusable for writes).
 */
int store_open(struct store *s, const char *dir, char *err, size_t errlen);
/* The same without creating or renaming anything; writes do nothing. */
int store_open_ro(struct store *s, const char *dir, char *err, size_t errlen);
void store_close(struct store *s);

/* True if the blob is stored. */
int store_has(const struct store *s, const char *blob);
/* Store data under its blob id (computed); 0 or -1 with err set. */
int store_put(const struct store *s, const char *data, size_t len,
    char blob[41], char *err, size_t errlen);
/*
 * The content of a stored blob, checked against its id; malloc'ed with a
 * NUL after it, or NULL with err set.
 */
char *store_get(const struct store *s, const char *blob, size_t *len, char *err,
    size_t errlen);

const struct store_entry *store_last(const struct store *s, const char *name);
/*
 * Record the last good version of name, or forget it; in memory until
 * store_flush writes the index (once per scan, not once per file).
 */
int store_set_last(struct store *s, const char *name, const char *blob,
    const char *head, int64_t now, char *err, size_t errlen);
int store_forget(struct store *s, const char *name, char *err, size_t errlen);
/* Write index.json atomically when it changed. 0, or -1 with err set. */
int store_flush(struct store *s, char *err, size_t errlen);

/*
 * Put data at dir/name atomically (temporary file, fsync, rename) with the
 * given mode, first keeping a copy of an existing file as
 * keep/name.YYYYmmddTHHMMSSZ, outside the working tree (aside gets that
 * path, "" when there was nothing to keep). Creates dir and keep when
 * missing. 0, or -1 with err set.
 */
int store_restore_file(const char *dir, const char *name, const char *data,
    size_t len, mode_t mode, int64_t now, const char *keep, char *aside,
    size_t asidelen, char *err, size_t errlen);

/* Read a whole small file; NULL with errno set. At most max bytes. */
char *store_read_file(const char *path, size_t max, size_t *len);

#endif /* GHA_STORE_H */
