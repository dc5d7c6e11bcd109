/*
 * secret.c: loading a secret from an environment variable or from a file
 * that only the daemon's user can read; errors never carry the secret.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rdd.h"

#define SECRET_MAX (64 * 1024)

static void
secret_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static char *
secret_from_file(const char *file, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, e;

	/* O_NONBLOCK: a FIFO put in its place must not hang the daemon. */
	fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		e = errno;
		if (e == ELOOP)
			secret_err(err, errlen, "%s: is a symbolic link, "
			    "refused: point the option at the real file",
			    file);
		else if (e == ENOENT)
			secret_err(err, errlen, "%s: no such file: create it "
			    "with the secret and chmod 600 %s", file, file);
		else
			secret_err(err, errlen, "%s: cannot open: %s", file,
			    strerror(e));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		secret_err(err, errlen, "%s: cannot stat: %s", file,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		secret_err(err, errlen, "%s: not a regular file: put the "
		    "secret in a plain file of mode 0600", file);
		goto fail;
	}
	if ((st.st_mode & 077) != 0) {
		secret_err(err, errlen, "%s: mode %04o is readable by others: "
		    "chmod 600 %s", file, (unsigned)(st.st_mode & 07777),
		    file);
		goto fail;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		secret_err(err, errlen, "%s: owned by uid %ld, not by the "
		    "daemon's uid %ld or root: chown it", file,
		    (long)st.st_uid, (long)geteuid());
		goto fail;
	}
	if ((buf = malloc(SECRET_MAX + 1)) == NULL) {
		secret_err(err, errlen, "%s: out of memory", file);
		goto fail;
	}
	for (;;) {
		n = read(fd, buf + len, SECRET_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			secret_err(err, errlen, "%s: cannot read: %s", file,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > SECRET_MAX) {
			secret_err(err, errlen, "%s: larger than %d bytes: a "
			    "secret file holds one value", file, SECRET_MAX);
			goto fail;
		}
	}
	close(fd);
	fd = -1;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	if (len == 0) {
		secret_err(err, errlen, "%s: is empty: write the secret into "
		    "it", file);
		goto fail;
	}
	if (memchr(buf, '\0', len) != NULL) {
		secret_err(err, errlen, "%s: contains a NUL byte: a secret is "
		    "text", file);
		goto fail;
	}
	return buf;

fail:
	if (buf != NULL) {
		explicit_bzero(buf, SECRET_MAX + 1);
		free(buf);
	}
	if (fd != -1)
		close(fd);
	return NULL;
}

char *
secret_load(const char *env_name, const char *file, char *err,
    size_t errlen)
{
	const char *v = NULL;
	char *s, *small;
	size_t n;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (env_name != NULL && env_name[0] != '\0')
		v = getenv(env_name);
	if (v != NULL && v[0] != '\0') {
		if ((s = strdup(v)) == NULL)
			secret_err(err, errlen, "environment variable %s: out "
			    "of memory", env_name);
		return s;
	}
	if (file != NULL && file[0] != '\0') {
		if ((s = secret_from_file(file, err, errlen)) == NULL)
			return NULL;
		/* Shrink the 64 KiB buffer; wipe it, it held the secret. */
		n = strlen(s);
		if ((small = strdup(s)) != NULL) {
			explicit_bzero(s, n);
			free(s);
			s = small;
		}
		return s;
	}
	if (env_name != NULL && env_name[0] != '\0')
		secret_err(err, errlen, "environment variable %s is unset or "
		    "empty and no secret file is given: set %s or name a file "
		    "of mode 0600", env_name, env_name);
	else
		secret_err(err, errlen, "no secret given: name an environment "
		    "variable or a file of mode 0600");
	return NULL;
}
