/*
 * orphan.c: reads /proc to find listeners of a port and to tell an app
 * process orphaned by a dead PM2 daemon from anything else.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "orphan.h"

#define ORPHAN_INODES_MAX 256

static size_t
orphan_listen_inodes(const char *proc, const char *file, int port,
    unsigned long *ino, size_t n, size_t max)
{
	char path[512], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/net/%s", proc, file);
	if ((f = fopen(path, "r")) == NULL)
		return n;
	while (fgets(line, sizeof(line), f) != NULL && n < max) {
		char local[128];
		unsigned st, lport;
		unsigned long inode;
		char *colon;

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*s %127s %*s %x %*s %*s %*s %*u %*u %lu",
		        local, &st, &inode) != 3)
			continue;
		if (st != 0x0A || (colon = strrchr(local, ':')) == NULL)
			continue; /* 0x0A: TCP_LISTEN */
		if (sscanf(colon + 1, "%x", &lport) != 1 ||
		    (int)lport != port || inode == 0)
			continue;
		ino[n++] = inode;
	}
	fclose(f);
	return n;
}

static int
orphan_isnum(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

size_t
orphan_port_holders(const char *proc, int port, long *pids, size_t max)
{
	unsigned long ino[ORPHAN_INODES_MAX];
	size_t nino = 0, n = 0, i;
	char path[600], link[128];
	struct dirent *de, *fe;
	DIR *d, *fd;
	ssize_t len;

	if (port <= 0 || max == 0)
		return 0;
	nino =
	    orphan_listen_inodes(proc, "tcp", port, ino, 0, ORPHAN_INODES_MAX);
	nino = orphan_listen_inodes(
	    proc, "tcp6", port, ino, nino, ORPHAN_INODES_MAX);
	if (nino == 0 || (d = opendir(proc)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < max) {
		int found = 0;

		if (!orphan_isnum(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd", proc, de->d_name);
		if ((fd = opendir(path)) == NULL)
			continue;
		while (!found && (fe = readdir(fd)) != NULL) {
			unsigned long x;

			if (!orphan_isnum(fe->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s/fd/%s", proc,
			    de->d_name, fe->d_name);
			len = readlink(path, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			if (sscanf(link, "socket:[%lu]", &x) != 1)
				continue;
			for (i = 0; i < nino; i++)
				if (ino[i] == x)
					found = 1;
		}
		closedir(fd);
		if (found)
			pids[n++] = strtol(de->d_name, NULL, 10);
	}
	closedir(d);
	return n;
}

long
orphan_ppid(const char *proc, long pid)
{
	char path[300], buf[1024], *rp;
	long ppid;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%ld/stat", proc, pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) S ppid": comm may hold spaces and parentheses. */
	if ((rp = strrchr(buf, ')')) == NULL)
		return -1;
	if (sscanf(rp + 1, " %*c %ld", &ppid) != 1)
		return -1;
	return ppid;
}

int
orphan_cmdline_has(const char *proc, long pid, const char *needle)
{
	char path[300], buf[8192];
	size_t n, i;
	FILE *f;

	if (needle == NULL || needle[0] == '\0')
		return 0;
	snprintf(path, sizeof(path), "%s/%ld/cmdline", proc, pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	for (i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

/* The state letter of /proc/PID/stat ('R', 'S', 'T', 'Z'...), 0 if gone. */
static char
orphan_state(const char *proc, long pid)
{
	char path[300], buf[1024], *rp, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%ld/stat", proc, pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((rp = strrchr(buf, ')')) == NULL || sscanf(rp + 1, " %c", &st) != 1)
		return 0;
	return st;
}

int
orphan_is_pm2_god(const char *proc, long pid)
{
	char st;

	if (pid <= 1)
		return 0;
	if ((st = orphan_state(proc, pid)) == 0 || st == 'Z' || st == 'X')
		return 0;
	return orphan_cmdline_has(proc, pid, ": God Daemon (") ||
	       orphan_cmdline_has(proc, pid, "/pm2/lib/Daemon.js");
}

int
orphan_is_orphan(const char *proc, long pid, const char *script)
{
	long ppid;

	if (pid <= 1 || (long)getpid() == pid)
		return 0;
	if ((ppid = orphan_ppid(proc, pid)) < 0)
		return 0; /* gone */
	if (!orphan_cmdline_has(proc, pid, script))
		return 0; /* the pid now names another program */
	/* Still a child of a live God daemon: PM2 owns it. */
	if (ppid > 1 && orphan_cmdline_has(proc, ppid, "God Daemon"))
		return 0;
	return 1;
}
