/*
 * util.c: clocks, duration and size parsing, atomic file writes, whole-file
 * reads, mkdir -p and state names shared by every module of the daemon.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rdd.h"

int64_t
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
util_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Leading decimal digits of s into *v; returns the rest or NULL. */
static const char *
util_digits(const char *s, int64_t *v)
{
	int64_t n = 0;

	if (*s < '0' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (INT64_MAX - (*s - '0')) / 10)
			return NULL;
		n = n * 10 + (*s - '0');
	}
	*v = n;
	return s;
}

int
util_parse_duration(const char *s, int64_t *ms)
{
	const char *p;
	int64_t n, mult;

	if (s == NULL || (p = util_digits(s, &n)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (*p == '\0' || strcmp(p, "s") == 0)
		mult = 1000;
	else if (strcmp(p, "ms") == 0)
		mult = 1;
	else if (strcmp(p, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		mult = 3600 * 1000;
	else if (strcmp(p, "d") == 0)
		mult = 86400 * 1000;
	else {
		errno = EINVAL;
		return -1;
	}
	if (n > INT64_MAX / mult) {
		errno = ERANGE;
		return -1;
	}
	*ms = n * mult;
	return 0;
}

int
util_parse_size(const char *s, int64_t *bytes)
{
	const char *p;
	int64_t n, mult = 1;

	if (s == NULL || (p = util_digits(s, &n)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	switch (*p) {
	case 'k':
	case 'K':
		mult = 1024;
		p++;
		break;
	case 'm':
	case 'M':
		mult = 1024 * 1024;
		p++;
		break;
	case 'g':
	case 'G':
		mult = 1024 * 1024 * 1024;
		p++;
		break;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (n > INT64_MAX / mult) {
		errno = ERANGE;
		return -1;
	}
	*bytes = n * mult;
	return 0;
}

/* The directory part of path, or "." for a bare name; malloc'd. */
static char *
util_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int
util_fsync_dir(const char *path)
{
	char *dir;
	int fd, rc = 0, saved;

	if ((dir = util_dir_of(path)) == NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd == -1)
		return -1;
	/* Some filesystems cannot sync a directory; the rename still holds. */
	if (fsync(fd) == -1 && errno != EINVAL && errno != EROFS)
		rc = -1;
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
util_write_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
	const char *p = buf;
	char *tmp = NULL;
	int fd = -1, i, saved, created = 0;
	ssize_t w;

	/* A counter instead of a random name: O_EXCL settles any race. */
	for (i = 0; i < 1000; i++) {
		free(tmp);
		if (asprintf(&tmp, "%s.tmp.%ld.%d", path, (long)getpid(), i) <
		    0)
			return -1;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1)
		goto fail;
	created = 1;
	/* The umask must not weaken or widen what the caller asked for. */
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (len > 0) {
		w = write(fd, p, len);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) == -1)
		goto fail;
	i = close(fd);
	fd = -1;
	if (i == -1 || rename(tmp, path) == -1)
		goto fail;
	free(tmp);
	return util_fsync_dir(path);
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (created)
		unlink(tmp);
	free(tmp);
	errno = saved;
	return -1;
}

char *
util_read_file(const char *path, size_t max, size_t *len)
{
	char *buf = NULL, *nb;
	size_t cap = 0, ncap, n = 0;
	ssize_t r;
	int fd, saved;

	if (max > SIZE_MAX / 2)
		max = SIZE_MAX / 2;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (n == cap) {
			/* Holding max + 1 bytes already: the file is too big.
			 */
			if (cap > max) {
				errno = EFBIG;
				goto fail;
			}
			ncap = cap == 0 ? 4096 : cap * 2;
			if (ncap > max + 1)
				ncap = max + 1;
			if ((nb = realloc(buf, ncap + 1)) == NULL)
				goto fail;
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - n);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		errno = EFBIG;
		goto fail;
	}
	buf[n] = '\0';
	close(fd);
	if (len != NULL)
		*len = n;
	return buf;
fail:
	saved = errno;
	close(fd);
	free(buf);
	errno = saved;
	return NULL;
}

/* Create one level; an existing directory is fine, anything else is not. */
static int
util_mkdir1(const char *p, mode_t mode)
{
	struct stat st;

	if (mkdir(p, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	if (stat(p, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int
util_mkdirs(const char *path, mode_t mode)
{
	char *p, *s;
	int saved;

	if (path == NULL || *path == '\0') {
		errno = EINVAL;
		return -1;
	}
	if ((p = strdup(path)) == NULL)
		return -1;
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/' || s[-1] == '/')
			continue;
		*s = '\0';
		if (util_mkdir1(p, mode) == -1)
			goto fail;
		*s = '/';
	}
	if (util_mkdir1(p, mode) == -1)
		goto fail;
	free(p);
	return 0;
fail:
	saved = errno;
	free(p);
	errno = saved;
	return -1;
}

void
util_fmt_double(char *buf, size_t len, double v)
{
	int prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, len, "%.17g", v);
}

const char *
util_state_name(enum rdd_state st)
{
	switch (st) {
	case RDD_OK:
		return "OK";
	case RDD_WARNING:
		return "WARNING";
	case RDD_CRITICAL:
		return "CRITICAL";
	case RDD_UNKNOWN:
		return "UNKNOWN";
	}
	return "UNKNOWN";
}

void
util_close_from(int lowfd)
{
	int fd, max = (int)sysconf(_SC_OPEN_MAX);

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = lowfd; fd < max; fd++)
		(void)close(fd);
}

const char *
util_file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "not a regular file";
}

/*
 * O_NONBLOCK: opening a FIFO nobody writes would block for ever, and a
 * device may do anything on open. O_NOFOLLOW: a link planted where our
 * file belongs must not send our writes elsewhere. The type is checked on
 * the descriptor, so nothing can be swapped in between.
 */
int
util_open_regular(const char *path, int flags, mode_t mode, const char **kind)
{
	struct stat sb;
	int fd, fl, saved;

	*kind = NULL;
	fd = open(
	    path, flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
	if (fd == -1) {
		saved = errno;
		/* ELOOP is also "too many links" higher up: look. */
		if (saved == ELOOP && lstat(path, &sb) == 0 &&
		    S_ISLNK(sb.st_mode))
			*kind = "a symbolic link";
		errno = saved;
		return -1;
	}
	if (fstat(fd, &sb) == -1)
		goto fail;
	if (!S_ISREG(sb.st_mode)) {
		*kind = util_file_kind(sb.st_mode);
		errno = EINVAL;
		goto fail;
	}
	/* A regular file never blocks; clear the flag for clarity. */
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * After a short write the file ends with the first w bytes of rec: cut
 * them off if they are still the last bytes (we are the only writer, but
 * check), so the file ends on a whole record again.
 */
static int
util_append_undo(int fd, const char *rec, size_t w)
{
	struct stat sb;
	char tail[512];
	size_t off, n;

	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    (size_t)sb.st_size < w)
		return -1;
	for (off = 0; off < w; off += n) {
		n = w - off < sizeof(tail) ? w - off : sizeof(tail);
		if (pread(fd, tail, n, sb.st_size - (off_t)w + (off_t)off) !=
		        (ssize_t)n ||
		    memcmp(tail, rec + off, n) != 0)
			return -1;
	}
	return ftruncate(fd, sb.st_size - (off_t)w);
}

const char *
util_write_fix(int err)
{
	switch (err) {
	case ENOSPC:
		return "free space on its file system";
	case EDQUOT:
		return "raise the disk quota or free space";
	case EFBIG:
		return "the file size limit (ulimit -f, LimitFSIZE=) is "
		       "reached: rotate the file or raise the limit";
	case EROFS:
		return "the file system is read-only: remount it read-write";
	case EIO:
		return "the disk reports I/O errors: check it";
	}
	return "check the file system and the directory's mode";
}

int
util_ends_midline(int fd)
{
	struct stat sb;
	char c;

	return fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
	       pread(fd, &c, 1, sb.st_size - 1) == 1 && c != '\n';
}

ssize_t
util_append(int fd, const char *rec, size_t len, int *partial)
{
	struct iovec iov[2];
	int niov = 0, saved;
	size_t lead, total, done;
	ssize_t w;

	/* An earlier cut could not be undone: end that line first. */
	lead = *partial ? 1 : 0;
	if (lead) {
		iov[niov].iov_base = (void *)"\n";
		iov[niov++].iov_len = 1;
	}
	iov[niov].iov_base = (void *)rec;
	iov[niov++].iov_len = len;
	total = lead + len;
	do
		w = writev(fd, iov, niov);
	while (w == -1 && errno == EINTR);
	if (w == (ssize_t)total) {
		*partial = 0;
		return (ssize_t)len;
	}
	if (w <= 0) {
		/* Nothing written: the file ends as it did. */
		if (w == 0)
			errno = ENOSPC;
		return -1;
	}
	/*
	 * Short: the rest once more, which either completes the record (a
	 * signal cut the write) or fails with the reason (ENOSPC, EFBIG).
	 */
	done = (size_t)w;
	while (done < total) {
		w = write(fd, rec + (done - lead), total - done);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (done == total) {
		*partial = 0;
		return (ssize_t)len;
	}
	saved = w == 0 ? ENOSPC : errno;
	if (done <= lead)
		*partial = 0; /* only the newline went out: now it ends */
	else
		*partial = util_append_undo(fd, rec, done - lead) != 0;
	errno = saved;
	return -1;
}

unsigned long long
util_proc_stat(pid_t pid, pid_t *pgrp)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	long grp = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold blanks and parentheses: skip to the last. */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (field = 2, p++; *p != '\0' && field < 22; p++)
		if (*p == ' ') {
			field++;
			if (field == 5)
				grp = strtol(p + 1, NULL, 10);
			else if (field == 22)
				start = strtoull(p + 1, NULL, 10);
		}
	if (pgrp != NULL)
		*pgrp = (pid_t)grp;
	return start;
}

unsigned long long
util_proc_start(pid_t pid)
{
	return util_proc_stat(pid, NULL);
}

int
util_group_alive(pid_t pgid, unsigned long long start)
{
	struct dirent *e;
	unsigned long long st;
	pid_t grp;
	DIR *dir;
	int n = 0;

	if (pgid <= 1 || kill(-pgid, 0) == -1)
		return 0;
	/*
	 * A process whose pid is the group's id leads it. Alive with another
	 * start time, it is a new group that reused the id: never ours. Gone,
	 * the group id cannot have been reused while members hold it, so
	 * whoever still has it is the recorded group's.
	 */
	st = util_proc_stat(pgid, &grp);
	if (st != 0 && grp == pgid && st != start)
		return 0;
	if ((dir = opendir("/proc")) == NULL)
		return 0;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		st = util_proc_stat((pid_t)strtol(e->d_name, NULL, 10), &grp);
		if (st != 0 && grp == pgid && st >= start)
			n++;
	}
	closedir(dir);
	return n;
}
