/*
 * orphan.h: finding app processes that outlived their PM2 daemon (apps
 * without pmx keep running and keep their port) through /proc: who
 * listens on a TCP port, a process's parent and command line.
 */
#ifndef PM2_ORPHAN_H
#define PM2_ORPHAN_H

#include <stddef.h>

/*
 * Pids whose sockets listen on TCP `port` (IPv4 or IPv6), at most max.
 * proc is "/proc" (tests pass a fake tree). Returns the count.
 */
size_t orphan_port_holders(const char *proc, int port, long *pids, size_t max);
/* Parent pid from /proc/PID/stat, -1 if the process is gone. */
long orphan_ppid(const char *proc, long pid);
/* 1 if /proc/PID/cmdline (NULs as spaces) contains needle. */
int orphan_cmdline_has(const char *proc, long pid, const char *needle);
/*
 * 1 when pid is alive, runs `script` and is not a child of a live PM2
 * God daemon: an orphan that must go before PM2 starts the app again.
 */
int orphan_is_orphan(const char *proc, long pid, const char *script);
/*
 * 1 when pid is alive (not a zombie) and /proc/PID/cmdline says it is a
 * PM2 God daemon ("PM2 vX: God Daemon (HOME)", or node running PM2's
 * lib/Daemon.js before it sets its title). A live pid in pm2.pid is not
 * enough: pids are reused.
 */
int orphan_is_pm2_god(const char *proc, long pid);

#endif /* PM2_ORPHAN_H */
