/*
 * decide.h: pure decisions of the github_actions plugin: whether a workflow
 * file's state is git's doing or working-tree damage, and the parsers of
 * git's plumbing output they need (no I/O here).
 */
#ifndef GHA_DECIDE_H
#define GHA_DECIDE_H

#include <stddef.h>
#include <stdint.h>

/* One entry of `git ls-tree -r -z` or `git ls-files -s -z`. */
struct git_ent {
	char *name; /* last path component */
	char blob[41];
	unsigned mode; /* octal 100644, 100755, 120000 ... */
	int stage;     /* ls-files: 0, or 1-3 during a merge conflict */
};

/*
 * Parse NUL-separated output: ls-tree ("MODE TYPE SHA\tPATH") when tree is
 * 1, ls-files -s ("MODE SHA STAGE\tPATH") when 0. Keeps only blobs directly
 * inside a .github/workflows directory whose name ends in .yml or .yaml.
 * Returns the count (array in *out, free with git_ents_free), -1 on ENOMEM.
 */
int git_parse_entries(
    const char *buf, size_t len, int tree, struct git_ent **out);
void git_ents_free(struct git_ent *v, size_t n);
const struct git_ent *git_ent_find(
    const struct git_ent *v, size_t n, const char *name, int stage);

/* A workflow file name we watch: NAME.yml or NAME.yaml, no slash, no dot
 * first. */
int decide_is_workflow_name(const char *name);

enum restore_mode { RESTORE_SNAPSHOT = 0, RESTORE_GIT, RESTORE_OFF };

enum file_verdict {
	FV_OK = 0,  /* valid (maybe lint findings) */
	FV_REPORT,  /* invalid, and git's doing or nothing good to restore */
	FV_RESTORE, /* working-tree damage with a good version to restore */
	FV_BUSY,    /* damage, but a git operation is in progress: later */
	FV_WAIT,    /* damage within its grace period: restored after it */
	FV_GONE,    /* no working file and nothing to say: no target */
};

/* What is known about one workflow file name. */
struct file_facts {
	int w_exists;    /* the working file exists */
	int w_severity;  /* wfval severity of the working file */
	int w_truncated; /* a cut-off prefix of the last good version */
	int w_damage;    /* enum wf_damage: emptied or not YAML */
	const char *renamed_to; /* deleted, but it lives on under this name */
	int64_t dmg_age_ms;     /* how long this very damage has been seen */
	int64_t grace_ms;       /* restore_grace, or delete_grace if deleted */
	char w_blob[41];
	int in_git;       /* the checkout has a HEAD commit */
	const char *git_busy; /* the git operation in progress, or NULL */
	const char *head; /* HEAD commit id, or NULL */
	int h_present;    /* HEAD has the file */
	char h_blob[41];
	int h_valid;   /* 1 valid, 0 invalid, -1 unknown */
	int i_present; /* the index has it at stage 0 */
	char i_blob[41];
	int i_conflict;     /* the index has stages 1-3 */
	const char *s_blob; /* last good snapshot, or NULL */
	const char *s_head; /* HEAD when it was saved, "" outside git */
	int s_stored;       /* its content is in the store */
	enum restore_mode restore;
};

struct file_decision {
	enum file_verdict verdict;
	char source[41]; /* blob to restore from (FV_RESTORE) */
	int from_git;    /* source is HEAD's version */
	int forget;      /* drop the index entry (git deleted it) */
	int64_t wait_ms; /* FV_WAIT: the grace left */
	char why[256];   /* for the operator */
};

void decide_file(const struct file_facts *f, struct file_decision *d);

#endif /* GHA_DECIDE_H */
