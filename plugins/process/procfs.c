/*
 * procfs.c: parsers of /proc/PID/stat, cmdline, /proc/uptime and pidfiles.
 * Input comes from outside (any process names itself, anyone may write a
 * pidfile): every byte is bounded, nothing is trusted to be terminated.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"

/* One unsigned decimal field at *p within end; advances past it. */
static int
procfs_ull(const char **p, const char *end, unsigned long long *out)
{
	unsigned long long v = 0;
	const char *q = *p;

	while (q < end && *q == ' ')
		q++;
	if (q == end || !isdigit((unsigned char)*q))
		return -1;
	while (q < end && isdigit((unsigned char)*q)) {
		if (v > (~0ULL - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*q - '0');
		q++;
	}
	if (q < end && *q != ' ' && *q != '\n')
		return -1;
	*out = v;
	*p = q;
	return 0;
}

/* A signed field (rss and friends may be -1 in odd kernels). */
static int
procfs_ll(const char **p, const char *end, long long *out)
{
	unsigned long long v;
	int neg = 0;

	while (*p < end && **p == ' ')
		(*p)++;
	if (*p < end && **p == '-') {
		neg = 1;
		(*p)++;
	}
	if (procfs_ull(p, end, &v) != 0 || v > (unsigned long long)1 << 62)
		return -1;
	*out = neg ? -(long long)v : (long long)v;
	return 0;
}

/*
 * "PID (COMM) S PPID PGRP ...": comm may hold spaces and parentheses, so
 * the fields start after the LAST ')'. Returns 0 or -1.
 */
int
procfs_stat_parse(const char *buf, size_t len, struct procfs_stat *st)
{
	const char *p = buf, *end = buf + len, *rp = NULL, *q;
	unsigned long long v[24];
	long long sv;
	int i;

	memset(st, 0, sizeof(*st));
	for (q = buf; q < end; q++)
		if (*q == ')')
			rp = q;
	if (rp == NULL || procfs_ull(&p, rp, &v[0]) != 0 || v[0] == 0 ||
	    v[0] > PROCFS_PID_MAX || p + 2 > rp || p[0] != ' ' || p[1] != '(')
		return -1;
	st->pid = (pid_t)v[0];
	p = rp + 1;
	if (p + 2 > end || p[0] != ' ' || !isalpha((unsigned char)p[1]))
		return -1;
	st->state = p[1];
	p += 2;
	/* Fields 4..24 (1-based): ppid .. rss; field 20 num_threads. */
	for (i = 4; i <= 24; i++) {
		if (i == 20 || i == 24) {
			if (procfs_ll(&p, end, &sv) != 0)
				return -1;
			v[i - 1] = (unsigned long long)sv;
			if (i == 20)
				st->num_threads = sv;
			else
				st->rss = sv;
			continue;
		}
		/* Fields 5..8 may be negative (tpgid -1): parse signed. */
		if (procfs_ll(&p, end, &sv) != 0)
			return -1;
		v[i - 1] = (unsigned long long)sv;
	}
	if ((long long)v[3] < 0 || (long long)v[4] < 0)
		return -1;
	st->ppid = (pid_t)v[3];
	st->pgrp = (pid_t)v[4];
	st->utime = v[13];
	st->stime = v[14];
	st->starttime = v[21];
	/*
	 * Fields 25..51 are skipped: rsslim is 2^64-1 and addresses may be
	 * anything. A short line (an old kernel) is no error: no exit_code.
	 */
	for (i = 25; i < 52; i++) {
		while (p < end && *p == ' ')
			p++;
		if (p < end && *p == '-')
			p++;
		if (p == end || !isdigit((unsigned char)*p))
			return 0;
		while (p < end && isdigit((unsigned char)*p))
			p++;
	}
	if (procfs_ll(&p, end, &sv) == 0 && sv >= 0 && sv <= 0xffff) {
		st->exit_code = (int)sv;
		st->has_exit = 1;
	}
	return 0;
}

/*
 * A pidfile: a positive decimal pid on its first line, blanks around it
 * allowed, later lines ignored (postgres writes more there).
 */
int
procfs_pidfile_parse(const char *buf, size_t len, pid_t *pid)
{
	const char *p = buf, *end = buf + len;
	unsigned long long v = 0;
	int digits = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end && isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > PROCFS_PID_MAX)
			return -1;
		p++;
		digits++;
	}
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (digits == 0 || v < 1 || (p < end && *p != '\n'))
		return -1;
	*pid = (pid_t)v;
	return 0;
}

/*
 * /proc/PID/task/TID/children: the pids of that thread's children, blank
 * separated. Stores up to max of them in out; returns how many were
 * stored, or -1 for anything but pids and blanks.
 */
int
procfs_children_parse(const char *buf, size_t len, pid_t *out, size_t max)
{
	const char *p = buf, *end = buf + len;
	unsigned long long v;
	size_t n = 0;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\n'))
			p++;
		if (p == end)
			return (int)n;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (v = 0; p < end && isdigit((unsigned char)*p); p++) {
			v = v * 10 + (unsigned long long)(*p - '0');
			if (v > PROCFS_PID_MAX)
				return -1;
		}
		if (v < 1 || (p < end && *p != ' ' && *p != '\n'))
			return -1;
		if (n < max)
			out[n++] = (pid_t)v;
	}
}

/*
 * /proc/PID/cmdline's NUL-separated argv as one line, as pgrep -f and
 * Monit's `matching` see it: NULs become spaces, trailing ones dropped.
 * buf holds len bytes and room for one more; returns the new length.
 */
size_t
procfs_cmdline_join(char *buf, size_t len)
{
	size_t i;

	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++)
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = ' ';
	buf[len] = '\0';
	return len;
}

/* "12345.67 890.12\n": seconds since boot. */
int
procfs_uptime_parse(const char *buf, size_t len, double *secs)
{
	char tmp[64], *e;
	size_t n = len < sizeof(tmp) - 1 ? len : sizeof(tmp) - 1;
	double v;

	memcpy(tmp, buf, n);
	tmp[n] = '\0';
	if (n == 0 || !isdigit((unsigned char)tmp[0]))
		return -1;
	errno = 0;
	v = strtod(tmp, &e);
	if (errno != 0 || e == tmp || v < 0 || v > 1e12 ||
	    (*e != ' ' && *e != '\n' && *e != '\0'))
		return -1;
	*secs = v;
	return 0;
}
