/*
 * procfs.h: parsers of what Linux says about a process (/proc/PID/stat,
 * cmdline) and of pidfiles, on buffers only, so they can be fuzzed.
 */
#ifndef PROCFS_H
#define PROCFS_H

#include <stddef.h>
#include <sys/types.h>

#define PROCFS_PID_MAX 4194304 /* PID_MAX_LIMIT on 64-bit Linux */

/* The fields of /proc/PID/stat the process plugin uses. */
struct procfs_stat {
	pid_t pid;
	char state; /* R, S, D, Z, T, ... */
	pid_t ppid;
	pid_t pgrp;
	unsigned long long utime, stime; /* clock ticks */
	long long num_threads;
	unsigned long long starttime; /* ticks after boot: the pid's identity */
	long long rss;                /* pages */
	/* field 52 (Linux 3.5+; 0 unless we may ptrace it): wait status */
	int has_exit;
	int exit_code;
};

int procfs_stat_parse(const char *buf, size_t len, struct procfs_stat *st);
int procfs_pidfile_parse(const char *buf, size_t len, pid_t *pid);
int procfs_children_parse(const char *buf, size_t len, pid_t *out, size_t max);
size_t procfs_cmdline_join(char *buf, size_t len);
int procfs_uptime_parse(const char *buf, size_t len, double *secs);

#endif /* PROCFS_H */
