/*
 * privsep.c: when every plugin worker runs as daemon.user, the master drops
 * to that account too, after it has bound its sockets and opened its files.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

struct privsep_acct {
	uid_t uid;
	gid_t gid;
};

/*
 * The account a worker of cm would run as; -1 when a name does not resolve
 * (conf.c refused that already) or when nothing is set (the master's own).
 */
static int
privsep_resolve(const char *user, const char *group, struct privsep_acct *a)
{
	struct passwd *pw = NULL;
	struct group *gr = NULL;

	if (user == NULL && group == NULL)
		return 1; /* the master's own account */
	if (user && (pw = getpwnam(user)) == NULL)
		return -1;
	if (group && (gr = getgrnam(group)) == NULL)
		return -1;
	a->uid = pw ? pw->pw_uid : geteuid();
	a->gid = gr ? gr->gr_gid : pw ? pw->pw_gid : getegid();
	return 0;
}

static const char *
privsep_user(const struct conf *c, const struct conf_monitor *cm)
{
	return cm->user ? cm->user : c->user;
}

static const char *
privsep_group(const struct conf *c, const struct conf_monitor *cm)
{
	return cm->group ? cm->group : c->group;
}

int
privsep_conf_check(const struct conf *c, struct errlist *errs)
{
	struct privsep_acct a;
	size_t i;
	int r;

	if (geteuid() == 0)
		return 0;
	for (i = 0; i < c->nmon; i++) {
		const struct conf_monitor *cm = &c->mon[i];

		r = privsep_resolve(
		    privsep_user(c, cm), privsep_group(c, cm), &a);
		if (r != 0 || (a.uid == geteuid() && a.gid == getegid()))
			continue;
		errlist_add(errs,
		    "%s:%d: monitor '%s': user %s%s%s needs a "
		    "master that runs as root, and this one runs as uid %ld: "
		    "restart redundancyd as root (with daemon.master_root = "
		    "true if a reload is to add it) or drop user/group",
		    cm->file, cm->line, cm->name,
		    privsep_user(c, cm) ? privsep_user(c, cm) : "(same)",
		    privsep_group(c, cm) ? " group " : "",
		    privsep_group(c, cm) ? privsep_group(c, cm) : "",
		    (long)geteuid());
	}
	return errs->n ? -1 : 0;
}

/* Writable by a process that has exactly uid and gid (no other groups). */
static int
privsep_dir_writable(const char *path, const struct privsep_acct *a)
{
	struct stat st;

	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode))
		return 0;
	if (st.st_uid == a->uid)
		return (st.st_mode & (S_IWUSR | S_IXUSR)) ==
		       (S_IWUSR | S_IXUSR);
	if (st.st_gid == a->gid)
		return (st.st_mode & (S_IWGRP | S_IXGRP)) ==
		       (S_IWGRP | S_IXGRP);
	return (st.st_mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
}

/* Why the master must stay root, in why; 0 when it may drop to *a. */
static int
privsep_needs_root(
    const struct conf *c, struct privsep_acct *a, char *why, size_t len)
{
	struct privsep_acct m;
	size_t i;

	if (c->master_root) {
		snprintf(why, len, "daemon.master_root = true");
		return 1;
	}
	if (c->user == NULL) {
		snprintf(why, len,
		    "daemon.user is not set, so workers run as "
		    "root");
		return 1;
	}
	if (privsep_resolve(c->user, c->group, a) != 0 || a->uid == 0) {
		snprintf(why, len, "daemon.user %s is root", c->user);
		return 1;
	}
	for (i = 0; i < c->nmon; i++) {
		const struct conf_monitor *cm = &c->mon[i];

		if (privsep_resolve(
		        privsep_user(c, cm), privsep_group(c, cm), &m) != 0 ||
		    m.uid != a->uid || m.gid != a->gid) {
			snprintf(why, len,
			    "monitor '%s' runs as another "
			    "account than daemon.user %s",
			    cm->name, c->user);
			return 1;
		}
	}
	if (!privsep_dir_writable(c->state_dir, a)) {
		snprintf(why, len,
		    "state_dir %s is not writable by %s: chown "
		    "%s %s",
		    c->state_dir, c->user, c->user, c->state_dir);
		return 1;
	}
	if (!privsep_dir_writable(c->log_dir, a)) {
		snprintf(why, len,
		    "log_dir %s is not writable by %s: chown "
		    "%s %s",
		    c->log_dir, c->user, c->user, c->log_dir);
		return 1;
	}
	return 0;
}

int
privsep_master_drop(const struct conf *c)
{
	struct privsep_acct a;
	char why[RDD_ERRLEN];

	if (geteuid() != 0)
		return 0;
	if (privsep_needs_root(c, &a, why, sizeof(why))) {
		log_info("master stays root: %s", why);
		return 0;
	}
	/* Ours: the owner may use the socket as root could before. */
	if (chown(c->control_socket, a.uid, (gid_t)-1) == -1)
		log_warn("%s: chown to %s: %m: only root may use it",
		    c->control_socket, c->user);
	if (setgroups(1, &a.gid) != 0 || setgid(a.gid) != 0 ||
	    setuid(a.uid) != 0) {
		log_err("master: cannot switch to user %s: %m", c->user);
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		log_err(
		    "master: could regain root after switching to %s", c->user);
		return -1;
	}
	log_info("master runs as %s (uid %ld, gid %ld): every monitor runs "
	         "as that account",
	    c->user, (long)a.uid, (long)a.gid);
	return 0;
}
