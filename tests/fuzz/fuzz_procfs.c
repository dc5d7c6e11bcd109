/*
 * fuzz_procfs.c: fuzz harness of the process plugin's /proc parsers (stat,
 * cmdline, children, uptime) and of pidfiles; checks their promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/process/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procfs_stat st;
	double secs;
	char *buf;
	size_t n;
	pid_t pid, kids[8];
	int nk, i;

	/* Exact-size copies: a read past the end is ASan's to see. */
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(buf, data, size);
	if (procfs_stat_parse(buf, size, &st) == 0 &&
	    (st.pid < 1 || st.pid > PROCFS_PID_MAX || st.ppid < 0 ||
	        st.pgrp < 0 ||
	        (st.has_exit && (st.exit_code < 0 || st.exit_code > 0xffff))))
		abort();
	if (procfs_pidfile_parse(buf, size, &pid) == 0 &&
	    (pid < 1 || pid > PROCFS_PID_MAX))
		abort();
	nk = procfs_children_parse(buf, size, kids, 8);
	if (nk > 8)
		abort();
	for (i = 0; i < nk; i++)
		if (kids[i] < 1 || kids[i] > PROCFS_PID_MAX)
			abort();
	if (procfs_uptime_parse(buf, size, &secs) == 0 &&
	    (!(secs >= 0) || secs > 1e12))
		abort();
	n = procfs_cmdline_join(buf, size);
	if (n > size || buf[n] != '\0' || memchr(buf, '\0', n) != NULL)
		abort();
	free(buf);
	return 0;
}
