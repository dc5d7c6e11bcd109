/*
 * fuzz_state.c: the state file is read back at startup, so its parser gets
 * arbitrary bytes: open, query, change, flush and free must all survive.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rdd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[256];

static void
fuzz_empty_dir(void)
{
	char p[600];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(fuzz_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", fuzz_dir, de->d_name);
		unlink(p);
	}
	closedir(d);
}

static void
fuzz_cleanup(void)
{
	fuzz_empty_dir();
	rmdir(fuzz_dir);
	log_close();
}

static int
fuzz_init(void)
{
	struct log_conf lc = { .dir = NULL, .foreground = 0, .syslog = 0,
		.level = RDD_LOG_ERR };
	char err[RDD_ERRLEN];
	const char *tmp = getenv("TMPDIR");

	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz_state.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL)
		return -1;
	/* The corrupt-file warnings would flood the output. */
	if (log_setup(&lc, err, sizeof(err)) == -1)
		return -1;
	atexit(fuzz_cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char path[300], err[RDD_ERRLEN], key[33];
	struct state *s;
	size_t klen;
	int fd;

	if (!ready) {
		if (fuzz_init() == -1)
			abort();
		ready = 1;
	}
	snprintf(path, sizeof(path), "%s/state.json", fuzz_dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);

	if ((s = state_open(path, err, sizeof(err))) == NULL)
		abort();	/* the directory is fine: never NULL here */
	(void)state_get(s, "pm2", "restarts");
	(void)state_get(s, "", "");
	klen = size < sizeof(key) - 1 ? size : sizeof(key) - 1;
	memcpy(key, data, klen);
	key[klen] = '\0';
	(void)state_get(s, key, key);
	state_set(s, key, "fuzz", key);
	state_set(s, "pm2", "restarts", NULL);
	state_del_scope(s, "github-actions");
	if (state_flush(s) == -1)
		abort();
	state_free(s);

	/* What was written must read back as valid. */
	if ((s = state_open(path, err, sizeof(err))) == NULL)
		abort();
	if (state_get(s, key, "fuzz") == NULL ||
	    strcmp(state_get(s, key, "fuzz"), key) != 0)
		abort();
	state_free(s);
	fuzz_empty_dir();
	return 0;
}
