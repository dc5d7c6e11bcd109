/*
 * decide.c: which workflow damage redundancyd repairs: only what git did not
 * do. A commit (or a change staged for one) is reported, never reverted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "wfval.h"

#define DECIDE_DIR ".github/workflows/"

int
decide_is_workflow_name(const char *name)
{
	size_t n;

	if (name == NULL || name[0] == '\0' || name[0] == '.' ||
	    strchr(name, '/') != NULL)
		return 0;
	n = strlen(name);
	return (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
	       (n > 5 && strcmp(name + n - 5, ".yaml") == 0);
}

static int
decide_hex40(const char *p, size_t n)
{
	size_t i;

	if (n != 40)
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		        (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

void
git_ents_free(struct git_ent *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* "MODE TYPE SHA\tPATH" or "MODE SHA STAGE\tPATH" into e; 0 if it fits. */
static int
decide_parse_one(const char *rec, size_t len, int tree, struct git_ent *e,
    const char **path, size_t *plen)
{
	const char *tab = memchr(rec, '\t', len), *p = rec, *sp;
	char word[16];
	size_t wl;

	if (tab == NULL)
		return -1;
	*path = tab + 1;
	*plen = len - (size_t)(tab + 1 - rec);
	/* mode */
	if ((sp = memchr(p, ' ', (size_t)(tab - p))) == NULL)
		return -1;
	wl = (size_t)(sp - p);
	if (wl == 0 || wl >= sizeof(word))
		return -1;
	memcpy(word, p, wl);
	word[wl] = '\0';
	e->mode = (unsigned)strtoul(word, NULL, 8);
	p = sp + 1;
	if (tree) {
		if ((size_t)(tab - p) < 5 || strncmp(p, "blob ", 5) != 0)
			return -1;
		p += 5;
		if (!decide_hex40(p, (size_t)(tab - p)))
			return -1;
		memcpy(e->blob, p, 40);
		e->blob[40] = '\0';
		e->stage = 0;
		return 0;
	}
	if ((sp = memchr(p, ' ', (size_t)(tab - p))) == NULL ||
	    !decide_hex40(p, (size_t)(sp - p)))
		return -1;
	memcpy(e->blob, p, 40);
	e->blob[40] = '\0';
	p = sp + 1;
	if (tab - p != 1 || p[0] < '0' || p[0] > '3')
		return -1;
	e->stage = p[0] - '0';
	return 0;
}

int
git_parse_entries(const char *buf, size_t len, int tree, struct git_ent **out)
{
	struct git_ent *v = NULL, *nv, e;
	const char *p = buf, *end = buf + len, *nul, *path, *name, *slash;
	size_t n = 0, plen, rl, nl, dl = strlen(DECIDE_DIR);

	*out = NULL;
	while (p < end) {
		nul = memchr(p, '\0', (size_t)(end - p));
		rl = nul ? (size_t)(nul - p) : (size_t)(end - p);
		memset(&e, 0, sizeof(e));
		if (rl > 0 &&
		    decide_parse_one(p, rl, tree, &e, &path, &plen) == 0) {
			/* The file must sit directly in a .github/workflows/.
			 */
			name = NULL;
			if (plen > dl) {
				const char *q = path + plen - 1;

				while (q > path && q[-1] != '/')
					q--;
				if ((size_t)(q - path) >= dl &&
				    memcmp(q - dl, DECIDE_DIR, dl) == 0 &&
				    (q - dl == path || q[-(long)dl - 1] == '/'))
					name = q;
			}
			nl = name ? (size_t)(path + plen - name) : 0;
			slash = name ? memchr(name, '/', nl) : NULL;
			if (name != NULL && slash == NULL && nl > 0 &&
			    (e.mode & 0170000) == 0100000) {
				if ((e.name = strndup(name, nl)) == NULL)
					goto nomem;
				if (!decide_is_workflow_name(e.name)) {
					free(e.name);
				} else {
					nv = realloc(v, (n + 1) * sizeof(*v));
					if (nv == NULL) {
						free(e.name);
						goto nomem;
					}
					v = nv;
					v[n++] = e;
				}
			}
		}
		p += rl + 1;
	}
	*out = v;
	return (int)n;
nomem:
	git_ents_free(v, n);
	errno = ENOMEM;
	return -1;
}

const struct git_ent *
git_ent_find(const struct git_ent *v, size_t n, const char *name, int stage)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0 &&
		    (stage < 0 ? v[i].stage > 0 : v[i].stage == stage))
			return &v[i];
	return NULL;
}

static void
decide_set(struct file_decision *d, enum file_verdict v, const char *fmt,
    const char *a)
{
	d->verdict = v;
	snprintf(d->why, sizeof(d->why), fmt, a ? a : "");
}

static const char *
decide_what(const struct file_facts *f)
{
	if (!f->w_exists)
		return "deleted";
	if (f->w_truncated)
		return "truncated";
	return f->w_damage == WF_DMG_EMPTY ? "emptied" : "not YAML any more";
}

/*
 * Damage waits out its grace period first: an editor's save, a rename or a
 * git rm in two steps, a typo fixed a minute later are the user's work.
 * Returns 1 when d is set to FV_WAIT.
 */
static int
decide_grace(const struct file_facts *f, struct file_decision *d)
{
	long long left;

	if (f->dmg_age_ms >= f->grace_ms)
		return 0;
	d->verdict = FV_WAIT;
	d->wait_ms = f->grace_ms - f->dmg_age_ms;
	left = (long long)(d->wait_ms + 999) / 1000;
	snprintf(d->why, sizeof(d->why),
	    "%s; restored in %llds unless it changes (%s)", decide_what(f),
	    left, f->w_exists ? "restore_grace" : "delete_grace");
	return 1;
}

static void
decide_nongit(const struct file_facts *f, struct file_decision *d)
{
	if (f->s_blob != NULL && f->s_stored) {
		if (f->restore != RESTORE_OFF && decide_grace(f, d))
			return;
		if (f->restore == RESTORE_OFF) {
			decide_set(d, FV_REPORT,
			    "%srestore = off: put the last "
			    "good version back by hand",
			    f->w_exists ? "" : "deleted; ");
			return;
		}
		d->verdict = FV_RESTORE;
		snprintf(d->source, sizeof(d->source), "%s", f->s_blob);
		snprintf(d->why, sizeof(d->why),
		    "%s; the last good snapshot "
		    "%.7s will be restored",
		    decide_what(f), f->s_blob);
		return;
	}
	if (f->w_exists)
		decide_set(d, FV_REPORT,
		    "%sno valid version of this file "
		    "was ever seen: fix it",
		    NULL);
	else
		decide_set(d, FV_GONE, "%sgone", NULL);
}

void
decide_file(const struct file_facts *f, struct file_decision *d)
{
	char shorthead[8];

	memset(d, 0, sizeof(*d));
	if (f->w_exists && f->w_damage == WF_DMG_NONE && !f->w_truncated) {
		/* Restore only damage, never opinion. */
		if (f->w_severity < WF_SEV_ERROR)
			decide_set(d, FV_OK, "%svalid", NULL);
		else
			decide_set(d, FV_REPORT,
			    "%sGitHub would refuse it: fix it (a file that "
			    "parses is reported, never replaced)",
			    NULL);
		return;
	}
	if (!f->w_exists && f->renamed_to != NULL) {
		decide_set(d, FV_GONE, "renamed to %s: not restored",
		    f->renamed_to);
		d->forget = !f->in_git && f->s_blob != NULL;
		return;
	}
	if (!f->in_git) {
		decide_nongit(f, d);
		return;
	}
	snprintf(shorthead, sizeof(shorthead), "%.7s", f->head ? f->head : "");
	if (f->i_conflict) {
		decide_set(d, FV_REPORT,
		    "%sa merge conflict in the git index: "
		    "resolve it in git",
		    NULL);
		return;
	}
	if (!f->h_present) {
		if (f->i_present) {
			if (f->w_exists)
				decide_set(d, FV_REPORT,
				    "%sadded to the git "
				    "index but not committed: fix it before "
				    "committing",
				    NULL);
			else
				decide_set(d, FV_GONE, "%sdeleted", NULL);
			return;
		}
		if (f->w_exists) {
			decide_set(d, FV_REPORT,
			    "not in HEAD %s (untracked): "
			    "fix it before committing",
			    shorthead);
			return;
		}
		/* Deleted by a commit, or never committed: not ours. */
		decide_set(d, FV_GONE, "not in HEAD %s", shorthead);
		d->forget = f->s_blob != NULL;
		return;
	}
	if (!f->i_present) {
		if (f->w_exists)
			decide_set(d, FV_REPORT,
			    "%sremoved from the git index "
			    "(git rm --cached): fix or commit it",
			    NULL);
		else
			decide_set(d, FV_GONE,
			    "%sdeletion staged in the git "
			    "index",
			    NULL);
		return;
	}
	if (strcmp(f->i_blob, f->h_blob) != 0) {
		decide_set(d, FV_REPORT,
		    "%sa change staged in the git index "
		    "(not committed): fix it before committing",
		    NULL);
		return;
	}
	if (f->w_exists && strcmp(f->w_blob, f->h_blob) == 0) {
		decide_set(d, FV_REPORT,
		    "committed in HEAD %s: fix it in git "
		    "(redundancyd never reverts a commit)",
		    shorthead);
		return;
	}
	if (f->h_valid == 0) {
		decide_set(d, FV_REPORT,
		    "HEAD %s holds an invalid version "
		    "too: nothing good to restore; fix it in git",
		    shorthead);
		return;
	}
	if (f->h_valid < 0) {
		decide_set(d, FV_REPORT,
		    "HEAD %s's version could not be read "
		    "(see the log); not restored",
		    shorthead);
		return;
	}
	if (f->restore == RESTORE_OFF) {
		d->verdict = FV_REPORT;
		snprintf(d->why, sizeof(d->why),
		    "%s in the working tree; "
		    "restore = off: run git checkout -- .github/workflows/",
		    decide_what(f));
		return;
	}
	if (f->git_busy != NULL) {
		decide_set(d, FV_BUSY,
		    "a git operation is in progress (%s): deciding when it "
		    "is done",
		    f->git_busy);
		return;
	}
	if (decide_grace(f, d))
		return;
	d->verdict = FV_RESTORE;
	if (f->restore == RESTORE_SNAPSHOT && f->s_blob != NULL &&
	    f->s_stored && f->s_head != NULL && f->head != NULL &&
	    strcmp(f->s_head, f->head) == 0) {
		/* Saved under this very HEAD: it may hold uncommitted work. */
		snprintf(d->source, sizeof(d->source), "%s", f->s_blob);
	} else {
		snprintf(d->source, sizeof(d->source), "%s", f->h_blob);
		d->from_git = 1;
	}
	snprintf(d->why, sizeof(d->why),
	    "%s in the working tree while HEAD "
	    "%s holds a valid version; restoring %s %.7s",
	    decide_what(f), shorthead, d->from_git ? "HEAD's blob" : "the last good snapshot",
	    d->source);
}
