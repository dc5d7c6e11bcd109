/*
 * test_gh_core.c: the github_actions plugin's pure parts: git blob ids,
 * git plumbing parsers, the restore-or-report decision table, the snapshot
 * store, and the GITHUB_ENV parser and shell mapping of local runs.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugins/github_actions/decide.h"
#include "plugins/github_actions/lrun.h"
#include "plugins/github_actions/sha1.h"
#include "plugins/github_actions/store.h"
#include "plugins/github_actions/wfval.h"

#define BLOB_A "1111111111111111111111111111111111111111"
#define BLOB_B "2222222222222222222222222222222222222222"
#define BLOB_C "3333333333333333333333333333333333333333"
#define HEAD1 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEAD2 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void
rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- sha1 ---- */

static void
test_blob_ids(void **state)
{
	char hex[41];

	(void)state;
	/* `git hash-object` of an empty file and of "hello\n". */
	sha1_git_blob("", 0, hex);
	assert_string_equal(hex, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
	sha1_git_blob("hello\n", 6, hex);
	assert_string_equal(hex, "ce013625030ba8dba906f756967f9e9ca394464a");
}

static void
test_sha1_long(void **state)
{
	struct sha1_ctx c;
	unsigned char md[20];
	char buf[1001];
	int i;

	(void)state;
	/* FIPS 180 test vector: a million 'a', fed in uneven pieces. */
	memset(buf, 'a', sizeof(buf));
	sha1_init(&c);
	for (i = 0; i < 1000; i++)
		sha1_update(&c, buf, i % 2 ? 999 : 1001);
	sha1_final(&c, md);
	assert_int_equal(md[0], 0x34);
	assert_int_equal(md[1], 0xaa);
	assert_int_equal(md[19], 0x6f);
}

/* ---- git parsers ---- */

static void
test_parse_ls_tree(void **state)
{
	static const char out[] =
	    "100644 blob " BLOB_A "\t.github/workflows/ci.yml\0"
	    "100755 blob " BLOB_B "\t.github/workflows/deploy.yaml\0"
	    "100644 blob " BLOB_C "\t.github/workflows/README.md\0"
	    "100644 blob " BLOB_C "\t.github/workflows/sub/x.yml\0"
	    "120000 blob " BLOB_C "\t.github/workflows/link.yml\0"
	    "040000 tree " BLOB_C "\t.github/workflows/dir.yml\0"
	    "100644 blob " BLOB_C "\tsub/.github/workflows/nested.yml\0"
	    "100644 blob " BLOB_C "\tx.github/workflows/nope.yml\0"
	    "garbage\0";
	struct git_ent *v;
	int n;

	(void)state;
	n = git_parse_entries(out, sizeof(out) - 1, 1, &v);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "ci.yml");
	assert_string_equal(v[0].blob, BLOB_A);
	assert_int_equal(v[0].mode, 0100644);
	assert_string_equal(v[1].name, "deploy.yaml");
	assert_int_equal(v[1].mode, 0100755);
	assert_string_equal(v[2].name, "nested.yml");
	assert_non_null(git_ent_find(v, (size_t)n, "ci.yml", 0));
	assert_null(git_ent_find(v, (size_t)n, "ci.yml", -1));
	git_ents_free(v, (size_t)n);
}

static void
test_parse_ls_files(void **state)
{
	static const char out[] =
	    "100644 " BLOB_A " 0\t.github/workflows/ci.yml\0"
	    "100644 " BLOB_B " 1\t.github/workflows/m.yml\0"
	    "100644 " BLOB_C " 2\t.github/workflows/m.yml\0"
	    "100644 " BLOB_C " 9\t.github/workflows/bad.yml\0";
	struct git_ent *v;
	int n;

	(void)state;
	n = git_parse_entries(out, sizeof(out) - 1, 0, &v);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].stage, 0);
	assert_non_null(git_ent_find(v, (size_t)n, "m.yml", -1));
	assert_null(git_ent_find(v, (size_t)n, "m.yml", 0));
	git_ents_free(v, (size_t)n);
	/* Nothing at all is no error. */
	assert_int_equal(git_parse_entries("", 0, 0, &v), 0);
	git_ents_free(v, 0);
}

static void
test_workflow_names(void **state)
{
	(void)state;
	assert_true(decide_is_workflow_name("ci.yml"));
	assert_true(decide_is_workflow_name("a.yaml"));
	assert_false(decide_is_workflow_name(".yml"));
	assert_false(decide_is_workflow_name(".hidden.yml"));
	assert_false(
	    decide_is_workflow_name("ci.yml.corrupt-20260101T000000Z"));
	assert_false(decide_is_workflow_name("ci.yml.tmp-12"));
	assert_false(decide_is_workflow_name("a/b.yml"));
	assert_false(decide_is_workflow_name(NULL));
}

/* ---- the decision table ---- */

/* A tracked file whose working copy is damaged; HEAD's version is valid. */
static struct file_facts
damaged_tracked(void)
{
	struct file_facts f;

	memset(&f, 0, sizeof(f));
	f.w_exists = 1;
	f.w_severity = WF_SEV_ERROR;
	f.w_damage = WF_DMG_UNPARSED;
	snprintf(f.w_blob, sizeof(f.w_blob), "%s", BLOB_C);
	f.in_git = 1;
	f.head = HEAD1;
	f.h_present = 1;
	snprintf(f.h_blob, sizeof(f.h_blob), "%s", BLOB_A);
	f.h_valid = 1;
	f.i_present = 1;
	snprintf(f.i_blob, sizeof(f.i_blob), "%s", BLOB_A);
	f.s_blob = BLOB_B;
	f.s_head = HEAD1;
	f.s_stored = 1;
	return f;
}

static void
test_decide_valid(void **state)
{
	struct file_facts f = damaged_tracked();
	struct file_decision d;

	(void)state;
	f.w_severity = WF_SEV_NONE;
	f.w_damage = WF_DMG_NONE;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_OK);
	/* Lint findings alone never restore. */
	f.w_severity = WF_SEV_LINT;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_OK);
	/* A cut-off prefix is damage even when what is left validates. */
	f.w_severity = WF_SEV_NONE;
	f.w_truncated = 1;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_RESTORE);
	assert_non_null(strstr(d.why, "truncated"));
	/* Parses but breaks a rule: reported, never replaced. */
	f.w_truncated = 0;
	f.w_severity = WF_SEV_ERROR;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_REPORT);
	assert_non_null(strstr(d.why, "never replaced"));
}

static void
test_decide_grace_and_rename(void **state)
{
	struct file_facts f = damaged_tracked();
	struct file_decision d;

	(void)state;
	/* Within restore_grace: wait, and say how long. */
	f.grace_ms = 120000;
	f.dmg_age_ms = 20000;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_WAIT);
	assert_true(d.wait_ms == 100000);
	assert_non_null(strstr(d.why, "restored in 100s"));
	assert_non_null(strstr(d.why, "restore_grace"));
	f.dmg_age_ms = 120000;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_RESTORE);
	/* A git operation in progress comes first. */
	f.git_busy = "rebase-merge";
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_BUSY);
	assert_non_null(strstr(d.why, "rebase-merge"));
	/* Deleted: delete_grace, then restored unless renamed. */
	f = damaged_tracked();
	f.w_exists = 0;
	f.grace_ms = 10000;
	f.dmg_age_ms = 1000;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_WAIT);
	assert_non_null(strstr(d.why, "delete_grace"));
	f.renamed_to = "golang.yml";
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_GONE);
	assert_non_null(strstr(d.why, "renamed to golang.yml"));
	assert_false(d.forget); /* the commit of the rename forgets it */
	/* Outside git, the grace holds as well. */
	f.renamed_to = NULL;
	f.in_git = 0;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_WAIT);
}

static void
test_decide_damage(void **state)
{
	struct file_facts f = damaged_tracked();
	struct file_decision d;

	(void)state;
	/* Saved under this HEAD: the snapshot may hold uncommitted work. */
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_RESTORE);
	assert_string_equal(d.source, BLOB_B);
	assert_false(d.from_git);
	/* Saved under an older HEAD: HEAD's blob is the better copy. */
	f.s_head = HEAD2;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_RESTORE);
	assert_string_equal(d.source, BLOB_A);
	assert_true(d.from_git);
	/* restore = git always takes HEAD's blob. */
	f.s_head = HEAD1;
	f.restore = RESTORE_GIT;
	decide_file(&f, &d);
	assert_string_equal(d.source, BLOB_A);
	/* Deleted: the same, and the reason says so. */
	f.restore = RESTORE_SNAPSHOT;
	f.w_exists = 0;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_RESTORE);
	assert_non_null(strstr(d.why, "deleted"));
	/* restore = off only reports. */
	f.restore = RESTORE_OFF;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_REPORT);
	/* git busy: decide later. */
	f.restore = RESTORE_SNAPSHOT;
	f.git_busy = "index.lock";
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_BUSY);
}

static void
test_decide_git_did_it(void **state)
{
	struct file_facts f = damaged_tracked();
	struct file_decision d;

	(void)state;
	/* Committed invalid: the working file is HEAD's blob. */
	snprintf(f.w_blob, sizeof(f.w_blob), "%s", BLOB_A);
	snprintf(f.i_blob, sizeof(f.i_blob), "%s", BLOB_A);
	f.h_valid = 0;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_REPORT);
	assert_non_null(strstr(d.why, "committed in HEAD aaaaaaa"));
	/* HEAD's version is invalid too: nothing good to restore. */
	snprintf(f.w_blob, sizeof(f.w_blob), "%s", BLOB_C);
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_REPORT);
	assert_non_null(strstr(d.why, "invalid version too"));
	/* A change staged in the index is the user's git work. */
	f = damaged_tracked();
	snprintf(f.i_blob, sizeof(f.i_blob), "%s", BLOB_C);
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_REPORT);
	assert_non_null(strstr(d.why, "staged"));
	/* A staged deletion, file gone: no target. */
	f = damaged_tracked();
	f.i_present = 0;
	f.w_exists = 0;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_GONE);
	assert_false(d.forget);
	/* Merge conflict. */
	f = damaged_tracked();
	f.i_conflict = 1;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_REPORT);
	/* Deleted by a commit: gone, and its snapshot is forgotten. */
	f = damaged_tracked();
	f.h_present = 0;
	f.i_present = 0;
	f.w_exists = 0;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_GONE);
	assert_true(d.forget);
	assert_non_null(strstr(d.why, "not in HEAD"));
	/* Untracked and invalid: reported, never restored. */
	f.w_exists = 1;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_REPORT);
	assert_non_null(strstr(d.why, "untracked"));
	/* HEAD's blob unreadable. */
	f = damaged_tracked();
	f.h_valid = -1;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_REPORT);
}

static void
test_decide_outside_git(void **state)
{
	struct file_facts f;
	struct file_decision d;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.w_exists = 1;
	f.w_severity = WF_SEV_ERROR;
	f.w_damage = WF_DMG_UNPARSED;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_REPORT); /* never valid: nothing */
	f.s_blob = BLOB_B;
	f.s_head = "";
	f.s_stored = 1;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_RESTORE);
	assert_string_equal(d.source, BLOB_B);
	f.w_exists = 0;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_RESTORE);
	f.s_stored = 0; /* the snapshot file was lost */
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_GONE);
	f.s_stored = 1;
	f.restore = RESTORE_OFF;
	decide_file(&f, &d);
	assert_int_equal(d.verdict, FV_REPORT);
}

/* ---- the store ---- */

static void
test_store_roundtrip(void **state)
{
	char dir[] = "/tmp/test_gh_core.XXXXXX", sd[64], sub[1400], err[512],
	     blob[41];
	char path[1100], aside[1400], keep[1100], *data;
	const struct store_entry *e;
	struct store s, s2;
	struct stat st;
	size_t len;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sd, sizeof(sd), "%s/state", dir);
	assert_int_equal(store_open(&s, sd, err, sizeof(err)), 0);
	assert_int_equal(
	    store_put(&s, "hello\n", 6, blob, err, sizeof(err)), 0);
	assert_string_equal(blob, "ce013625030ba8dba906f756967f9e9ca394464a");
	assert_true(store_has(&s, blob));
	assert_false(store_has(&s, BLOB_A));
	data = store_get(&s, blob, &len, err, sizeof(err));
	assert_non_null(data);
	assert_int_equal(len, 6);
	assert_string_equal(data, "hello\n");
	free(data);
	assert_int_equal(
	    store_set_last(&s, "ci.yml", blob, HEAD1, 42, err, sizeof(err)), 0);
	assert_int_equal(
	    store_set_last(&s, "other.yml", blob, "", 43, err, sizeof(err)), 0);
	assert_int_equal(s.dirty, 1);
	assert_int_equal(store_flush(&s, err, sizeof(err)), 0);
	assert_int_equal(s.dirty, 0);
	store_close(&s);

	/* The index survives a reopen. */
	assert_int_equal(store_open(&s2, sd, err, sizeof(err)), 0);
	assert_int_equal(s2.n, 2);
	e = store_last(&s2, "ci.yml");
	assert_non_null(e);
	assert_string_equal(e->blob, blob);
	assert_string_equal(e->head, HEAD1);
	assert_int_equal(e->saved, 42);
	assert_int_equal(store_forget(&s2, "ci.yml", err, sizeof(err)), 0);
	assert_null(store_last(&s2, "ci.yml"));
	assert_int_equal(store_flush(&s2, err, sizeof(err)), 0);

	/* A damaged snapshot is refused, not restored. */
	snprintf(path, sizeof(path), "%s/snapshots/ce/%s", sd, blob + 2);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("tampered\n", fp);
	fclose(fp);
	assert_null(store_get(&s2, blob, &len, err, sizeof(err)));
	assert_non_null(strstr(err, "does not match"));
	store_close(&s2);

	/* A damaged index is set aside and the store starts empty. */
	snprintf(path, sizeof(path), "%s/index.json", sd);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{ not json", fp);
	fclose(fp);
	assert_int_equal(store_open(&s2, sd, err, sizeof(err)), 1);
	assert_int_equal(s2.n, 0);
	snprintf(path, sizeof(path), "%s/index.json.bad", sd);
	assert_int_equal(stat(path, &st), 0);
	store_close(&s2);

	/*
	 * Restoring into a missing directory makes it; the damaged copy goes
	 * to the keep directory, never next to the file.
	 */
	snprintf(path, sizeof(path), "%s/repo", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(keep, sizeof(keep), "%s/damaged", sd);
	snprintf(path, sizeof(path), "%s/repo/.github/workflows", dir);
	assert_int_equal(
	    store_restore_file(path, "ci.yml", "a: 1\n", 5, 0644, 1767225600,
	        keep, aside, sizeof(aside), err, sizeof(err)),
	    0);
	assert_string_equal(aside, "");
	assert_int_equal(
	    store_restore_file(path, "ci.yml", "b: 2\n", 5, 0644, 1767225600,
	        keep, aside, sizeof(aside), err, sizeof(err)),
	    0);
	snprintf(sub, sizeof(sub), "%s/ci.yml.20260101T000000Z", keep);
	assert_string_equal(aside, sub);
	data = store_read_file(aside, 1024, &len);
	assert_non_null(data);
	assert_string_equal(data, "a: 1\n");
	free(data);
	/* A second restore within the same second keeps both copies. */
	assert_int_equal(
	    store_restore_file(path, "ci.yml", "c: 3\n", 5, 0644, 1767225600,
	        keep, aside, sizeof(aside), err, sizeof(err)),
	    0);
	snprintf(sub, sizeof(sub), "%s/ci.yml.20260101T000000Z-1", keep);
	assert_string_equal(aside, sub);
	/* Nothing but the restored file in the working directory. */
	{
		DIR *dp = opendir(path);
		struct dirent *de;
		int others = 0;

		assert_non_null(dp);
		while ((de = readdir(dp)) != NULL)
			if (de->d_name[0] != '.' &&
			    strcmp(de->d_name, "ci.yml") != 0)
				others++;
		closedir(dp);
		assert_int_equal(others, 0);
	}
	snprintf(sub, sizeof(sub), "%s/ci.yml", path);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	rm_rf(dir);
}

static void
test_store_unusable(void **state)
{
	struct store s;
	char err[256];

	(void)state;
	assert_int_equal(
	    store_open(&s, "/proc/no/such/dir", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "state_dir"));
	store_close(&s);
	assert_int_equal(store_open(&s, NULL, err, sizeof(err)), -1);
	store_close(&s);
}

/* ---- local run helpers ---- */

struct kvs {
	char k[8][32];
	char v[8][64];
	int n;
};

static void
kv_cb(void *arg, const char *k, const char *v)
{
	struct kvs *s = arg;

	if (s->n < 8) {
		snprintf(s->k[s->n], sizeof(s->k[0]), "%s", k);
		snprintf(s->v[s->n], sizeof(s->v[0]), "%s", v);
		s->n++;
	}
}

static void
test_kv_file(void **state)
{
	static const char in[] = "A=1\nB=x=y\nMULTI<<EOF\nline1\nline2\nEOF\n"
	                         "\nC=\nnot a pair\n";
	struct kvs s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(lrun_parse_kv_file(in, sizeof(in) - 1, kv_cb, &s), 4);
	assert_string_equal(s.k[0], "A");
	assert_string_equal(s.v[0], "1");
	assert_string_equal(s.v[1], "x=y");
	assert_string_equal(s.k[2], "MULTI");
	assert_string_equal(s.v[2], "line1\nline2");
	assert_string_equal(s.k[3], "C");
	assert_string_equal(s.v[3], "");
	/* An unterminated heredoc is malformed. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    lrun_parse_kv_file("X<<E\nno end\n", 12, kv_cb, &s), -1);
}

static void
test_shell_argv(void **state)
{
	char err[128], **v;

	(void)state;
	v = lrun_shell_argv(NULL, "/t/s.sh", err, sizeof(err));
	assert_non_null(v);
	assert_string_equal(v[0], "bash");
	assert_string_equal(v[1], "-e");
	assert_string_equal(v[2], "/t/s.sh");
	assert_null(v[3]);
	lrun_argv_free(v);
	v = lrun_shell_argv("bash", "/t/s.sh", err, sizeof(err));
	assert_string_equal(v[3], "-eo");
	assert_string_equal(v[4], "pipefail");
	lrun_argv_free(v);
	v = lrun_shell_argv("sh", "/t/s.sh", err, sizeof(err));
	assert_string_equal(v[0], "sh");
	lrun_argv_free(v);
	v = lrun_shell_argv("perl -w {0} --x", "/t/s.pl", err, sizeof(err));
	assert_string_equal(v[0], "perl");
	assert_string_equal(v[2], "/t/s.pl");
	assert_string_equal(v[3], "--x");
	lrun_argv_free(v);
	v = lrun_shell_argv("node", "/t/s", err, sizeof(err));
	assert_string_equal(v[1], "/t/s"); /* no {0}: the file goes last */
	lrun_argv_free(v);
	assert_null(lrun_shell_argv("cmd", "/t/s", err, sizeof(err)));
	assert_non_null(strstr(err, "Windows"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_blob_ids),
	    cmocka_unit_test(test_sha1_long),
	    cmocka_unit_test(test_parse_ls_tree),
	    cmocka_unit_test(test_parse_ls_files),
	    cmocka_unit_test(test_workflow_names),
	    cmocka_unit_test(test_decide_valid),
	    cmocka_unit_test(test_decide_grace_and_rename),
	    cmocka_unit_test(test_decide_damage),
	    cmocka_unit_test(test_decide_git_did_it),
	    cmocka_unit_test(test_decide_outside_git),
	    cmocka_unit_test(test_store_roundtrip),
	    cmocka_unit_test(test_store_unusable),
	    cmocka_unit_test(test_kv_file),
	    cmocka_unit_test(test_shell_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
