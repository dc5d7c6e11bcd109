/*
 * rename.c: a monitor renamed by a reload is the same monitor: its state,
 * state directory, pauses and what its plugin runs carry over to the name.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "alerts/engine.h"

#define RENAME_ASIDE ".replaced" /* a leading dot: never a monitor's name */

static char *
rename_path(const struct conf *c, const char *name, const char *suffix)
{
	char *p;

	if (asprintf(&p, "%s/%s%s%s", c->state_dir, suffix ? "." : "", name,
	        suffix ? suffix : "") < 0)
		return NULL;
	return p;
}

static void
rename_cancel(struct conf_monitor *cm, const char *why)
{
	log_warn("reload: %s looks like %s renamed, but %s: it is taken as a "
	         "new monitor, and %s as dropped",
	    cm->name, cm->renamed_from, why, cm->renamed_from);
	free(cm->renamed_from);
	cm->renamed_from = NULL;
}

/*
 * What stands at the new name's state directory (a dropped monitor's of
 * that name) must go aside first; if that cannot be, the monitor is not
 * taken for renamed: its plugin's files (an owned process's logs) would be
 * in one place and looked for in another.
 */
static int
rename_dir_movable(const struct conf *c, const char *to, char *why, size_t len)
{
	struct stat sb;
	char *dst = rename_path(c, to, NULL),
	     *aside = rename_path(c, to, RENAME_ASIDE);
	int ok = 0;

	if (dst == NULL || aside == NULL)
		snprintf(why, len, "out of memory");
	else if (lstat(dst, &sb) == -1 && errno == ENOENT)
		ok = 1;
	else if (lstat(aside, &sb) == 0)
		snprintf(why, len, "%s and %s both exist: move them away", dst,
		    aside);
	else
		ok = 1;
	free(dst);
	free(aside);
	return ok;
}

size_t
rename_prepare(struct rdd_daemon *d, struct conf *next)
{
	char why[RDD_ERRLEN];
	size_t i, n;

	if (d->once || d->conf == NULL ||
	    strcmp(d->conf->state_dir, next->state_dir) != 0)
		return 0;
	if ((n = conf_renames(d->conf, next)) == 0)
		return 0;
	for (i = 0; i < next->nmon; i++) {
		struct conf_monitor *cm = &next->mon[i];

		if (cm->renamed_from == NULL)
			continue;
		if (!rename_dir_movable(next, cm->name, why, sizeof(why))) {
			rename_cancel(cm, why);
			n--;
		}
	}
	return n;
}

/* The monitor's directory under state_dir follows its name. */
static int
rename_dir(const struct conf *c, const char *from, const char *to, char *why,
    size_t len)
{
	char *src = rename_path(c, from, NULL), *dst = rename_path(c, to, NULL);
	char *aside = rename_path(c, to, RENAME_ASIDE);
	struct stat sb;
	int rc = -1;

	if (src == NULL || dst == NULL || aside == NULL) {
		snprintf(why, len, "out of memory");
		goto out;
	}
	if (lstat(dst, &sb) == 0 && rmdir(dst) == -1) {
		if (rename(dst, aside) == -1) {
			snprintf(why, len, "cannot move %s aside: %s", dst,
			    strerror(errno));
			goto out;
		}
		log_warn("reload: %s held a dropped monitor's files: moved to "
		         "%s",
		    dst, aside);
	}
	if (rename(src, dst) == -1 && errno != ENOENT) {
		snprintf(why, len, "cannot move %s to %s: %s", src, dst,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(src);
	free(dst);
	free(aside);
	return rc;
}

void
rename_apply(struct rdd_daemon *d, const struct conf *next, long uid)
{
	char why[RDD_ERRLEN], msg[RDD_ERRLEN + 256];
	size_t i;

	for (i = 0; i < next->nmon; i++) {
		const struct conf_monitor *cm = &next->mon[i];

		if (cm->renamed_from == NULL)
			continue;
		if (state_rename_scope(d->state, cm->renamed_from, cm->name) <
		    0)
			log_err("reload: %s: out of memory: the state of %s "
			        "is not carried over",
			    cm->name, cm->renamed_from);
		why[0] = '\0';
		if (rename_dir(next, cm->renamed_from, cm->name, why,
		        sizeof(why)) != 0)
			log_err("reload: %s: %s: fix it and restart the "
			        "daemon, or the plugin looks for its files in "
			        "the new place",
			    cm->name, why);
		(void)alerts_rename(d->alerts, cm->renamed_from, cm->name);
		snprintf(msg, sizeof(msg),
		    "renamed from %s: its state, pauses and what it runs carry "
		    "over",
		    cm->renamed_from);
		log_info("reload: %s: %s", cm->name, msg);
		journal_write("monitor-renamed", cm->name, NULL, msg, uid);
	}
	if (d->state != NULL && state_flush(d->state) != 0)
		log_err("reload: state: cannot write: %m");
}
