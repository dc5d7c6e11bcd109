/*
 * test_loader: the plugin loader refuses each broken plugin of tests/abi/ and
 * each unsafe file or directory with its own message, and keeps loading the
 * good one. Needs ABI_DIR: the directory holding the built abi_*.so files.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw FTW_DEPTH */
#endif

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rdd.h"

#define OTHER_UID 12345

struct tstate {
	char base[PATH_MAX];
	char plugins[PATH_MAX];
	struct loader l;
};

/* Join dir and name; a path too long for buf is a test failure. */
static void
path_join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	assert_true(n > 0 && (size_t)n < len);
}

static const char *
abi_dir(void)
{
	const char *d = getenv("ABI_DIR");

	return d != NULL && *d != '\0' ? d : "tests/abi/.libs";
}

/* Copy a built plugin into dir under dst (or its own name) with mode. */
static void
put_so(const char *dir, const char *src, const char *dst, mode_t mode)
{
	char from[PATH_MAX], to[PATH_MAX], buf[8192];
	ssize_t n;
	int in, out;

	snprintf(from, sizeof(from), "%s/%s", abi_dir(), src);
	snprintf(to, sizeof(to), "%s/%s", dir, dst != NULL ? dst : src);
	in = open(from, O_RDONLY);
	if (in == -1)
		fail_msg("%s: %s: build tests/abi first and set ABI_DIR to "
		         "the directory holding abi_*.so",
		    from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(out != -1);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(out), 0);
	assert_int_equal(chmod(to, mode), 0);
}

static void
put_text(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int
chmod_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_D || flag == FTW_DP)
		chmod(path, 0700);
	return 0;
}

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct tstate *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->base, sizeof(t->base), "%s/test_loader.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(t->base) == NULL) {
		free(t);
		return -1;
	}
	path_join(t->plugins, sizeof(t->plugins), t->base, "plugins");
	if (mkdir(t->plugins, 0755) == -1 || chmod(t->plugins, 0755) == -1) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tstate *t = *state;

	loader_free(&t->l);
	nftw(t->base, chmod_one, 16, FTW_PHYS);
	nftw(t->base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

static const struct loader_entry *
entry(const struct loader *l, const char *file)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].file != NULL && strcmp(l->v[i].file, file) == 0)
			return &l->v[i];
	fail_msg("no entry for %s", file);
	return NULL;
}

/* Refused, message starts with the file name, holds every substring. */
static void
assert_refused(const struct loader *l, const char *file, ...)
{
	const struct loader_entry *e = entry(l, file);
	const char *s;
	va_list ap;

	assert_non_null(e->error);
	assert_null(e->dl);
	assert_null(e->pd);
	if (strncmp(e->error, file, strlen(file)) != 0 ||
	    strncmp(e->error + strlen(file), ": ", 2) != 0)
		fail_msg("%s: message does not start with the file name: %s",
		    file, e->error);
	va_start(ap, file);
	while ((s = va_arg(ap, const char *)) != NULL) {
		if (strstr(e->error, s) == NULL) {
			va_end(ap);
			fail_msg(
			    "%s: expected \"%s\" in: %s", file, s, e->error);
		}
	}
	va_end(ap);
}

static void
assert_loaded(const struct loader *l, const char *file, const char *name)
{
	const struct loader_entry *e = entry(l, file);

	if (e->error != NULL)
		fail_msg("%s refused: %s", file, e->error);
	assert_non_null(e->dl);
	assert_non_null(e->pd);
	assert_string_equal(e->pd->name, name);
}

static const char *const broken[] = {"abi_badmagic.so", "abi_badname.so",
    "abi_badopt.so", "abi_newmajor.so", "abi_newminor.so", "abi_nocheck.so",
    "abi_nosym.so", "abi_oldmajor.so", "abi_oversize.so", "abi_short.so"};
#define NBROKEN (sizeof(broken) / sizeof(broken[0]))

static void
test_each_refusal(void **state)
{
	struct tstate *t = *state;
	char newmajor[64], oldmajor[64];
	char shortmsg[96], fixmajor[64], fixold[64];
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < NBROKEN; i++)
		put_so(t->plugins, broken[i], NULL, 0644);
	put_so(t->plugins, "abi_good.so", NULL, 0644);
	put_text(t->plugins, "x.so", "garbage");
	put_text(t->plugins, "README.txt", "not a plugin");
	put_text(t->plugins, ".hidden.so", "editor leftover");
	path_join(path, sizeof(path), t->plugins, "dir.so");
	assert_int_equal(mkdir(path, 0755), 0);
	path_join(path, sizeof(path), t->plugins, "fifo.so");
	assert_int_equal(mkfifo(path, 0644), 0);

	assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
	/* broken + good + x + dir + fifo; README and dot files skipped. */
	assert_int_equal(t->l.n, NBROKEN + 4);
	for (i = 1; i < t->l.n; i++)
		assert_true(strcmp(t->l.v[i - 1].file, t->l.v[i].file) < 0);

	snprintf(newmajor, sizeof(newmajor), "ABI %d.%d, host %d.%d",
	    RDD_ABI_MAJOR + 1, RDD_ABI_MINOR, RDD_ABI_MAJOR, RDD_ABI_MINOR);
	snprintf(fixmajor, sizeof(fixmajor),
	    "rebuild the plugin against redundancyd-plugin %d.x",
	    RDD_ABI_MAJOR);
	snprintf(oldmajor, sizeof(oldmajor), "ABI 0.9, host %d.%d",
	    RDD_ABI_MAJOR, RDD_ABI_MINOR);
	snprintf(fixold, sizeof(fixold),
	    "rebuild the plugin against redundancyd-plugin >= %d",
	    RDD_ABI_MAJOR);
	snprintf(shortmsg, sizeof(shortmsg),
	    "descriptor of 8 bytes, at least %zu expected for ABI 1.0",
	    (size_t)RDD_PLUGIN_SIZE_V1_0);

	assert_refused(&t->l, "abi_badmagic.so",
	    "bad magic 0x12345678, expected 0x52444450",
	    "not a redundancyd plugin or a corrupted file", NULL);
	assert_refused(&t->l, "abi_newmajor.so", newmajor, fixmajor, NULL);
	assert_refused(&t->l, "abi_oldmajor.so", oldmajor, fixold, NULL);
	assert_refused(
	    &t->l, "abi_short.so", shortmsg, "rebuild the plugin", NULL);
	assert_refused(&t->l, "abi_nosym.so", "no rdd_plugin symbol",
	    "not a redundancyd plugin",
	    "build it with RDD_EXPORT const struct rdd_plugin rdd_plugin",
	    NULL);
	assert_refused(&t->l, "abi_badname.so",
	    "plugin name 'Bad-Name' is invalid",
	    "lowercase letters, digits and '_'", NULL);
	assert_refused(
	    &t->l, "abi_nocheck.so", "no check callback", "set .check", NULL);
	assert_refused(&t->l, "abi_badopt.so", "option 'count'",
	    "outside the config struct of 4 bytes", "set .config_size", NULL);
	assert_refused(&t->l, "abi_oversize.so", "descriptor declares",
	    "the rdd_plugin symbol holds", NULL);
	assert_refused(&t->l, "x.so", "x.so: cannot load: ",
	    "rebuild it or remove it from the plugin directory", NULL);
	assert_refused(&t->l, "dir.so", "is a directory, not a regular file",
	    "remove it from the plugin directory", NULL);
	assert_refused(&t->l, "fifo.so", "is a FIFO, not a regular file", NULL);

	assert_loaded(&t->l, "abi_good.so", "abi_good");
	assert_ptr_equal(
	    loader_find(&t->l, "abi_good"), entry(&t->l, "abi_good.so")->pd);
	/* A newer minor of the same major loads (the Redis-module rule). */
	assert_loaded(&t->l, "abi_newminor.so", "newminor");
	assert_ptr_equal(loader_find(&t->l, "newminor"),
	    entry(&t->l, "abi_newminor.so")->pd);
	/* Refused plugins are not found even where their name was valid. */
	assert_null(loader_find(&t->l, "badmagic"));
	assert_null(loader_find(&t->l, "nocheck"));
	assert_null(loader_find(&t->l, "nope"));
	assert_null(loader_find(&t->l, NULL));
}

static void
test_descriptor_is_host_copy(void **state)
{
	struct tstate *t = *state;
	const struct loader_entry *e;
	const void *sym;

	put_so(t->plugins, "abi_good.so", NULL, 0644);
	assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
	assert_int_equal(t->l.n, 1);
	e = &t->l.v[0];
	assert_loaded(&t->l, "abi_good.so", "abi_good");
	sym = dlsym(e->dl, "rdd_plugin");
	assert_non_null(sym);
	assert_ptr_not_equal(sym, e->pd);
	assert_ptr_equal(e->pd, &e->copy);
	assert_memory_equal(sym, e->pd, sizeof(struct rdd_plugin));
	assert_string_equal(e->pd->options[0].name, "command");
	assert_string_equal(e->pd->actions[1], "start-from-ecosystem");
	assert_non_null(e->pd->destroy);
	assert_null(e->pd->stop);
}

static void
test_duplicate_name(void **state)
{
	struct tstate *t = *state;

	put_so(t->plugins, "abi_good.so", NULL, 0644);
	put_so(t->plugins, "abi_good.so", "abi_good_copy.so", 0644);
	assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
	assert_int_equal(t->l.n, 2);
	assert_loaded(&t->l, "abi_good.so", "abi_good");
	assert_refused(&t->l, "abi_good_copy.so",
	    "duplicate plugin name 'abi_good' also in abi_good.so", NULL);
	assert_ptr_equal(loader_find(&t->l, "abi_good"), t->l.v[0].pd);
}

static void
test_world_writable_file(void **state)
{
	struct tstate *t = *state;
	char path[PATH_MAX];

	/* Group members could replace its code as well as anyone. */
	put_so(t->plugins, "abi_good.so", NULL, 0664);
	path_join(path, sizeof(path), t->plugins, "abi_good.so");
	assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
	assert_refused(&t->l, "abi_good.so", path,
	    "is group-writable (mode 0664)", "chmod g-w", NULL);
	loader_free(&t->l);

	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
	assert_loaded(&t->l, "abi_good.so", "abi_good");
	loader_free(&t->l);

	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
	assert_int_equal(t->l.n, 1);
	assert_refused(&t->l, "abi_good.so", path,
	    "is world-writable (mode 0666)", "chmod o-w", NULL);
	assert_null(loader_find(&t->l, "abi_good"));
}

static void
test_world_writable_dir(void **state)
{
	struct tstate *t = *state;
	static const mode_t modes[] = {0777, 01777};
	char want[64];
	size_t i;

	put_so(t->plugins, "abi_good.so", NULL, 0644);
	put_so(t->plugins, "abi_badmagic.so", NULL, 0644);
	for (i = 0; i < 2; i++) {
		assert_int_equal(chmod(t->plugins, modes[i]), 0);
		snprintf(want, sizeof(want), "world-writable (mode %04o)",
		    (unsigned)modes[i]);
		assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
		assert_int_equal(t->l.n, 2);
		assert_refused(&t->l, "abi_good.so", "plugin directory",
		    t->plugins, want, "chmod o-w", NULL);
		assert_refused(
		    &t->l, "abi_badmagic.so", "plugin directory", want, NULL);
		assert_null(loader_find(&t->l, "abi_good"));
		loader_free(&t->l);
	}
}

static void
test_wrong_owner_file(void **state)
{
	struct tstate *t = *state;
	struct loader_entry e;
	char path[PATH_MAX], want[128];

	put_so(t->plugins, "abi_good.so", NULL, 0644);
	path_join(path, sizeof(path), t->plugins, "abi_good.so");
	if (getuid() == 0) {
		/* Root may load its own files, but not a stranger's. */
		assert_int_equal(chown(path, OTHER_UID, (gid_t)-1), 0);
		assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
		snprintf(want, sizeof(want),
		    "is owned by uid %d, neither root nor uid 0", OTHER_UID);
		assert_refused(
		    &t->l, "abi_good.so", path, want, "chown root", NULL);
		return;
	}
	/* Unprivileged: our own file, but the daemon runs as someone else. */
	assert_int_equal(loader_load_file(&e, path, getuid() + 1), -1);
	snprintf(want, sizeof(want),
	    "is owned by uid %lu, neither root nor "
	    "uid %lu",
	    (unsigned long)getuid(), (unsigned long)getuid() + 1);
	assert_non_null(strstr(e.error, want));
	assert_null(e.dl);
	loader_entry_free(&e);
}

static void
test_wrong_owner_dir(void **state)
{
	struct tstate *t = *state;
	char want[128];
	uid_t allowed, owner;

	put_so(t->plugins, "abi_good.so", NULL, 0644);
	if (getuid() == 0) {
		assert_int_equal(chown(t->plugins, OTHER_UID, (gid_t)-1), 0);
		owner = OTHER_UID;
		allowed = 0;
	} else {
		owner = getuid();
		allowed = getuid() + 1;
	}
	assert_int_equal(loader_scan(&t->l, t->plugins, allowed), 0);
	snprintf(want, sizeof(want),
	    "is owned by uid %lu, neither root nor "
	    "uid %lu",
	    (unsigned long)owner, (unsigned long)allowed);
	assert_refused(
	    &t->l, "abi_good.so", "plugin directory", want, "chown root", NULL);
}

/*
 * A link is refused however safe its target: its target can change between
 * the check and the load.
 */
static void
test_symlinks(void **state)
{
	struct tstate *t = *state;
	char safe[PATH_MAX], link[PATH_MAX], target[PATH_MAX];
	struct loader_entry e;

	path_join(safe, sizeof(safe), t->base, "safe");
	assert_int_equal(mkdir(safe, 0755), 0);
	assert_int_equal(chmod(safe, 0755), 0);
	put_so(safe, "abi_good.so", NULL, 0644);
	path_join(target, sizeof(target), safe, "abi_good.so");
	/* The target itself loads. */
	assert_int_equal(loader_load_file(&e, target, getuid()), 0);
	loader_entry_free(&e);

	path_join(link, sizeof(link), t->plugins, "x.so");
	assert_int_equal(symlink(target, link), 0);
	path_join(link, sizeof(link), t->plugins, "broken.so");
	assert_int_equal(symlink("/nonexistent/x.so", link), 0);

	assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
	assert_int_equal(t->l.n, 2);
	assert_refused(&t->l, "x.so", "is a symbolic link", "does not follow",
	    "copy the plugin itself", NULL);
	assert_refused(&t->l, "broken.so", "is a symbolic link", NULL);
	assert_null(loader_find(&t->l, "abi_good"));

	path_join(link, sizeof(link), t->plugins, "x.so");
	assert_int_equal(loader_load_file(&e, link, getuid()), -1);
	assert_non_null(strstr(e.error, "x.so: "));
	assert_non_null(strstr(e.error, link));
	assert_non_null(strstr(e.error, "is a symbolic link"));
	assert_null(e.dl);
	loader_entry_free(&e);
}

static char *
capture_print(const struct loader *l, const struct rdd_plugin *pd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (pd != NULL)
		loader_print_help(pd, f);
	else
		loader_print(l, f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static void
test_print(void **state)
{
	struct tstate *t = *state;
	char *out;

	out = capture_print(&t->l, NULL);
	assert_non_null(strstr(out, "no plugins"));
	free(out);

	put_so(t->plugins, "abi_good.so", NULL, 0644);
	put_so(t->plugins, "abi_badmagic.so", NULL, 0644);
	put_text(t->plugins, "x.so", "garbage");
	assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
	out = capture_print(&t->l, NULL);
	assert_int_equal(count_lines(out), 3);
	/* Names padded to the longest, abi_badmagic.so (15). */
	assert_non_null(strstr(out, "abi_badmagic.so  REFUSED: bad magic "
	                            "0x12345678, expected 0x52444450"));
	assert_non_null(strstr(out, "\nabi_good.so      abi_good 1.2.3  "
	                            "ABI 1.4  Good test plugin for the "
	                            "loader\n"));
	assert_non_null(strstr(out, "\nx.so             REFUSED: cannot "
	                            "load: "));
	/* The file name is not repeated after REFUSED. */
	assert_null(strstr(out, "REFUSED: x.so"));
	free(out);
}

/* Column of needle on the line of out that starts with prefix. */
static long
column_of(const char *out, const char *prefix, const char *needle)
{
	const char *line = out, *nl, *hit;

	while (*line != '\0') {
		nl = strchr(line, '\n');
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			hit = strstr(line + strlen(prefix), needle);
			if (hit != NULL && (nl == NULL || hit < nl))
				return hit - line;
			return -1;
		}
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	return -1;
}

static void
test_print_help(void **state)
{
	struct tstate *t = *state;
	const struct rdd_plugin *pd;
	struct rdd_plugin bare;
	char *out;

	put_so(t->plugins, "abi_good.so", NULL, 0644);
	assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
	pd = loader_find(&t->l, "abi_good");
	assert_non_null(pd);
	out = capture_print(NULL, pd);
	assert_non_null(strstr(out, "abi_good 1.2.3: Good test plugin for "
	                            "the loader\n"));
	assert_non_null(strstr(out, "Recovery actions: restart -> "
	                            "start-from-ecosystem\n"));
	assert_non_null(strstr(out, "Options:\n"));
	/* A header and one row per option, aligned on one column each. */
	assert_int_equal(column_of(out, "  NAME", "TYPE"),
	    column_of(out, "  command ", "string"));
	assert_int_equal(column_of(out, "  NAME", "TYPE"),
	    column_of(out, "  max_output ", "size"));
	assert_int_equal(column_of(out, "  NAME", "DEFAULT"),
	    column_of(out, "  timeout ", "30s"));
	assert_int_equal(column_of(out, "  NAME", "RANGE"),
	    column_of(out, "  timeout ", "1s..1h"));
	assert_int_equal(column_of(out, "  NAME", "RANGE"),
	    column_of(out, "  max_output ", "1K..1M"));
	assert_int_equal(column_of(out, "  NAME", "RANGE"),
	    column_of(out, "  retries ", "0..10"));
	assert_int_equal(column_of(out, "  NAME", "FLAGS"),
	    column_of(out, "  token ", "required,secret"));
	assert_int_equal(column_of(out, "  NAME", "FLAGS"),
	    column_of(out, "  command ", "required "));
	assert_int_equal(column_of(out, "  NAME", "DESCRIPTION"),
	    column_of(out, "  verbose ", "Log more"));
	assert_true(column_of(out, "  NAME", "TYPE") > 0);
	assert_true(column_of(out, "  ratio ", "0..1") > 0);
	assert_true(column_of(out, "  tags ", "strlist") > 0);
	free(out);

	memset(&bare, 0, sizeof(bare));
	bare.name = "bare";
	bare.version = "0.1";
	bare.description = "line\none";
	out = capture_print(NULL, &bare);
	assert_non_null(strstr(out, "bare 0.1: line?one\n"));
	assert_non_null(strstr(out, "Recovery actions: none"));
	assert_non_null(strstr(out, "Options: none\n"));
	free(out);
}

static void
test_load_file(void **state)
{
	struct tstate *t = *state;
	struct loader_entry e;
	char path[PATH_MAX];

	put_so(t->plugins, "abi_good.so", NULL, 0644);
	put_so(t->plugins, "abi_short.so", NULL, 0644);
	path_join(path, sizeof(path), t->plugins, "abi_good.so");
	assert_int_equal(loader_load_file(&e, path, getuid()), 0);
	assert_string_equal(e.file, "abi_good.so");
	assert_null(e.error);
	assert_ptr_equal(e.pd, &e.copy);
	assert_string_equal(e.pd->name, "abi_good");
	loader_entry_free(&e);
	assert_null(e.dl);

	path_join(path, sizeof(path), t->plugins, "abi_short.so");
	assert_int_equal(loader_load_file(&e, path, getuid()), -1);
	assert_non_null(strstr(e.error, "abi_short.so: descriptor of 8"));
	assert_null(e.dl);
	assert_null(e.pd);
	loader_entry_free(&e);

	path_join(path, sizeof(path), t->plugins, "missing.so");
	assert_int_equal(loader_load_file(&e, path, getuid()), -1);
	assert_non_null(strstr(e.error, "missing.so: cannot stat"));
	loader_entry_free(&e);
}

static void
test_bad_dir(void **state)
{
	struct tstate *t = *state;
	char path[PATH_MAX];

	errno = 0;
	path_join(path, sizeof(path), t->base, "nonexistent");
	assert_int_equal(loader_scan(&t->l, path, getuid()), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(t->l.n, 0);

	put_text(t->plugins, "file", "x");
	path_join(path, sizeof(path), t->plugins, "file");
	assert_int_equal(loader_scan(&t->l, path, getuid()), -1);
	assert_int_equal(errno, ENOTDIR);

	assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
	assert_int_equal(t->l.n, 0);
	assert_null(t->l.v);
}

static void
test_newminor_copy(void **state)
{
	struct tstate *t = *state;
	struct loader_entry e;
	char path[PATH_MAX];
	const void *sym;

	put_so(t->plugins, "abi_newminor.so", NULL, 0644);
	path_join(path, sizeof(path), t->plugins, "abi_newminor.so");
	if (loader_load_file(&e, path, getuid()) == -1)
		fail_msg("abi_newminor.so refused: %s", e.error);
	assert_string_equal(e.pd->name, "newminor");
	assert_int_equal(e.pd->abi_minor, RDD_ABI_MINOR + 3);
	/* Its descriptor is larger; the host copied what it knows. */
	assert_true(e.pd->size > sizeof(struct rdd_plugin));
	sym = dlsym(e.dl, "rdd_plugin");
	assert_non_null(sym);
	assert_memory_equal(sym, &e.copy, sizeof(struct rdd_plugin));
	loader_entry_free(&e);
}

/* Load dir/abi_good.so expecting a refusal holding each substring. */
static void
assert_load_refused(const char *dir, ...)
{
	struct loader_entry e;
	char path[PATH_MAX];
	const char *s;
	va_list ap;

	path_join(path, sizeof(path), dir, "abi_good.so");
	assert_int_equal(loader_load_file(&e, path, getuid()), -1);
	assert_null(e.dl);
	assert_non_null(e.error);
	va_start(ap, dir);
	while ((s = va_arg(ap, const char *)) != NULL) {
		if (strstr(e.error, s) == NULL) {
			va_end(ap);
			fail_msg("expected \"%s\" in: %s", s, e.error);
		}
	}
	va_end(ap);
	loader_entry_free(&e);
}

static void
test_parent_dirs(void **state)
{
	struct tstate *t = *state;
	char up[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], want[64];
	struct loader_entry e;

	/* base/up/plugins/abi_good.so, with up changed below. */
	path_join(up, sizeof(up), t->base, "up");
	assert_int_equal(mkdir(up, 0755), 0);
	path_join(dir, sizeof(dir), up, "plugins");
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	put_so(dir, "abi_good.so", NULL, 0644);
	path_join(path, sizeof(path), dir, "abi_good.so");

	assert_int_equal(chmod(up, 0755), 0);
	assert_int_equal(loader_load_file(&e, path, getuid()), 0);
	loader_entry_free(&e);

	/* Group members could rename plugins/ away and plant their own. */
	assert_int_equal(chmod(up, 0775), 0);
	assert_load_refused(dir, "abi_good.so: directory ", up,
	    "above the plugin directory, is group-writable (mode 0775)",
	    "chmod go-w", NULL);
	assert_int_equal(chmod(up, 0777), 0);
	assert_load_refused(
	    dir, up, "is world-writable (mode 0777)", "chmod go-w", NULL);

	/* Sticky, like /tmp: accepted only if root owns it. */
	assert_int_equal(chmod(up, 01777), 0);
	if (getuid() == 0) {
		if (loader_load_file(&e, path, getuid()) == -1)
			fail_msg("refused under a root-owned sticky "
			         "directory: %s",
			    e.error);
		loader_entry_free(&e);
		assert_int_equal(chown(up, OTHER_UID, (gid_t)-1), 0);
	}
	snprintf(want, sizeof(want), "(mode 1777)");
	assert_load_refused(dir, up, want, NULL);

	if (getuid() == 0) {
		assert_int_equal(chmod(up, 0755), 0);
		snprintf(want, sizeof(want), "is owned by uid %d", OTHER_UID);
		assert_load_refused(dir, up, want, "chown root", NULL);
		assert_int_equal(chown(up, 0, (gid_t)-1), 0);
	}

	/* The plugin directory itself: no group writers, sticky or not. */
	assert_int_equal(chmod(up, 0755), 0);
	assert_int_equal(chmod(dir, 0775), 0);
	assert_load_refused(dir, "plugin directory", dir,
	    "group-writable (mode 0775)", "chmod g-w", NULL);
	assert_int_equal(chmod(dir, 01777), 0);
	assert_load_refused(
	    dir, "plugin directory", "world-writable (mode 1777)", NULL);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(loader_load_file(&e, path, getuid()), 0);
	loader_entry_free(&e);
}

#define RACE_LOADS 2000
#define RACE_SWAPS 20000000L

/*
 * Swap dir/race.so, by atomic renames, between the good plugin and two evil
 * stand-ins: a link to the evil plugin in a safe directory, and a
 * group-writable copy of it. Bounded; the parent kills it when done.
 */
static void
race_swapper(const char *tmp, const char *dst, const char *good,
    const char *evil, const char *evil_gw)
{
	long i;
	int r;

	for (i = 0; i < RACE_SWAPS; i++) {
		unlink(tmp);
		if (i % 3 == 0)
			r = link(good, tmp);
		else if (i % 3 == 1)
			r = symlink(evil, tmp);
		else
			r = link(evil_gw, tmp);
		if (r == 0)
			rename(tmp, dst);
	}
	_exit(0);
}

static void
test_race(void **state)
{
	struct tstate *t = *state;
	char store[PATH_MAX], good[PATH_MAX], evil[PATH_MAX], evil_gw[PATH_MAX];
	char race[PATH_MAX], tmp[PATH_MAX], marker[PATH_MAX];
	char bad[RDD_ERRLEN * 2] = "";
	struct loader_entry e;
	size_t loaded = 0, refused = 0, wrong = 0, i;
	int status;
	pid_t pid;

	path_join(store, sizeof(store), t->base, "store");
	assert_int_equal(mkdir(store, 0755), 0);
	assert_int_equal(chmod(store, 0755), 0);
	put_so(store, "abi_good.so", "good.so", 0644);
	put_so(store, "abi_evil.so", "evil.so", 0644);
	put_so(store, "abi_evil.so", "evil_gw.so", 0664);
	path_join(good, sizeof(good), store, "good.so");
	path_join(evil, sizeof(evil), store, "evil.so");
	path_join(evil_gw, sizeof(evil_gw), store, "evil_gw.so");
	path_join(race, sizeof(race), t->plugins, "race.so");
	path_join(tmp, sizeof(tmp), t->plugins, "race.tmp");
	path_join(marker, sizeof(marker), t->base, "evil-ran");
	assert_int_equal(setenv("RDD_EVIL_MARKER", marker, 1), 0);
	assert_int_equal(link(good, race), 0);

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		race_swapper(tmp, race, good, evil, evil_gw);
	/* No assertion may leave the loop before the swapper is killed. */
	for (i = 0; i < RACE_LOADS; i++) {
		if (loader_load_file(&e, race, getuid()) == 0) {
			loaded++;
			if (strcmp(e.pd->name, "abi_good") != 0 && wrong++ == 0)
				snprintf(
				    bad, sizeof(bad), "loaded %s", e.pd->name);
		} else {
			refused++;
			if (strstr(e.error, "is a symbolic link") == NULL &&
			    strstr(e.error, "is group-writable") == NULL &&
			    wrong++ == 0)
				snprintf(
				    bad, sizeof(bad), "refused: %s", e.error);
		}
		loader_entry_free(&e);
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);

	if (access(marker, F_OK) == 0)
		fail_msg("the evil plugin's constructor ran");
	assert_int_equal(errno, ENOENT);
	if (wrong != 0)
		fail_msg("%zu unexpected results, the first: %s", wrong, bad);
	assert_int_equal(loaded + refused, RACE_LOADS);

	/* The marker does tell: loaded for real, the evil plugin leaves it. */
	assert_int_equal(loader_load_file(&e, evil, getuid()), 0);
	assert_int_equal(access(marker, F_OK), 0);
	loader_entry_free(&e);
	unsetenv("RDD_EVIL_MARKER");
}

static void
test_load_name(void **state)
{
	struct tstate *t = *state;
	static const char *const invalid[] = {
	    "../abi_good", "abi_good/", "Abi_good", "", "abi good", NULL};
	struct loader_entry e;
	char path[PATH_MAX];
	size_t i;

	put_so(t->plugins, "abi_good.so", NULL, 0644);
	put_so(t->plugins, "abi_good.so", "other.so", 0644);

	assert_int_equal(
	    loader_load_name(&e, t->plugins, "abi_good", getuid()), 0);
	assert_string_equal(e.file, "abi_good.so");
	assert_string_equal(e.pd->name, "abi_good");
	assert_null(e.error);
	loader_entry_free(&e);

	/* other.so holds abi_good: not the plugin the config asked for. */
	assert_int_equal(
	    loader_load_name(&e, t->plugins, "other", getuid()), -1);
	assert_null(e.dl);
	assert_null(e.pd);
	assert_non_null(strstr(e.error, "other.so: "));
	assert_non_null(strstr(
	    e.error, "declares the plugin name 'abi_good', not 'other'"));
	assert_non_null(strstr(e.error, "rename the file to abi_good.so"));
	loader_entry_free(&e);

	path_join(path, sizeof(path), t->plugins, "missing.so");
	assert_int_equal(
	    loader_load_name(&e, t->plugins, "missing", getuid()), -1);
	assert_non_null(strstr(e.error, "cannot stat"));
	assert_non_null(strstr(e.error, path));
	loader_entry_free(&e);

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		assert_int_equal(
		    loader_load_name(&e, t->plugins, invalid[i], getuid()), -1);
		assert_null(e.dl);
		if (e.error == NULL ||
		    strstr(e.error, "is not a valid plugin name") == NULL)
			fail_msg("%s: %s", invalid[i] ? invalid[i] : "NULL",
			    e.error ? e.error : "no error");
		loader_entry_free(&e);
	}
}

static char *
capture_inspect(const char *dir, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = loader_inspect_dir(dir, getuid(), f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

static void
test_inspect_dir(void **state)
{
	struct tstate *t = *state;
	char want[PATH_MAX + 256], *out;
	int rc;

	put_so(t->plugins, "abi_good.so", NULL, 0644);
	put_so(t->plugins, "abi_ctor_abort.so", NULL, 0644);
	out = capture_inspect(t->plugins, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(count_lines(out), 2);
	snprintf(want, sizeof(want),
	    "abi_ctor_abort.so  REFUSED: loading it killed the inspecting "
	    "process (SIGABRT): a constructor or a library it needs is "
	    "broken; remove it from %s or rebuild it\n",
	    t->plugins);
	if (strncmp(out, want, strlen(want)) != 0)
		fail_msg("expected first line\n%s\ngot\n%s", want, out);
	assert_string_equal(out + strlen(want),
	    "abi_good.so        abi_good 1.2.3  ABI 1.4  Good test plugin "
	    "for the loader\n");
	free(out);
}

/* Apart from what kills a child, loader_inspect_dir prints as loader_print. */
static void
test_inspect_matches_print(void **state)
{
	struct tstate *t = *state;
	char path[PATH_MAX], *printed, *inspected;
	size_t round;
	int rc;

	for (round = 0; round < 3; round++) {
		if (round == 1) {
			put_so(t->plugins, "abi_good.so", NULL, 0644);
			put_so(t->plugins, "abi_good.so", "abi_good_copy.so",
			    0644);
			put_so(t->plugins, "abi_badmagic.so", NULL, 0644);
			put_so(t->plugins, "abi_newminor.so", NULL, 0644);
			put_so(t->plugins, "abi_short.so", NULL, 0664);
			put_text(t->plugins, "x.so", "garbage");
			path_join(path, sizeof(path), t->plugins, "fifo.so");
			assert_int_equal(mkfifo(path, 0644), 0);
		}
		if (round == 2)
			assert_int_equal(chmod(t->plugins, 0777), 0);
		assert_int_equal(loader_scan(&t->l, t->plugins, getuid()), 0);
		printed = capture_print(&t->l, NULL);
		loader_free(&t->l);
		inspected = capture_inspect(t->plugins, &rc);
		assert_int_equal(rc, 0);
		assert_string_equal(inspected, printed);
		assert_true(count_lines(printed) == (round == 0 ? 1 : 7));
		free(printed);
		free(inspected);
	}

	errno = 0;
	path_join(path, sizeof(path), t->base, "nonexistent");
	assert_int_equal(loader_inspect_dir(path, getuid(), stdout), -1);
	assert_int_equal(errno, ENOENT);
}

/* Run loader_inspect_help with stderr captured into *err. */
static int
inspect_help(const char *dir, const char *name, char **out, char **err)
{
	char errpath[PATH_MAX];
	size_t len = 0;
	FILE *f = open_memstream(out, &len), *ef;
	int saved, fd, rc;
	long n;

	assert_non_null(f);
	snprintf(errpath, sizeof(errpath), "%s/../stderr", dir);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved != -1 && fd != -1);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	rc = loader_inspect_help(dir, name, getuid(), f);
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_int_equal(fclose(f), 0);

	ef = fopen(errpath, "r");
	assert_non_null(ef);
	*err = calloc(1, 8192);
	assert_non_null(*err);
	n = (long)fread(*err, 1, 8191, ef);
	assert_true(n >= 0);
	fclose(ef);
	return rc;
}

static void
test_inspect_help(void **state)
{
	struct tstate *t = *state;
	char want[PATH_MAX + 256], *out, *err;

	put_so(t->plugins, "abi_good.so", NULL, 0644);
	put_so(t->plugins, "abi_ctor_abort.so", NULL, 0644);

	assert_int_equal(inspect_help(t->plugins, "abi_good", &out, &err), 0);
	assert_non_null(strstr(out, "abi_good 1.2.3: Good test plugin for "
	                            "the loader\n"));
	assert_non_null(strstr(out, "Recovery actions: restart -> "
	                            "start-from-ecosystem\n"));
	assert_non_null(strstr(out, "Options:\n"));
	assert_string_equal(err, "");
	free(out);
	free(err);

	assert_int_equal(
	    inspect_help(t->plugins, "abi_ctor_abort", &out, &err), 1);
	assert_string_equal(out, "");
	snprintf(want, sizeof(want),
	    "%s/abi_ctor_abort.so: loading it killed the inspecting process "
	    "(SIGABRT)",
	    t->plugins);
	if (strstr(err, want) == NULL)
		fail_msg("expected \"%s\" in: %s", want, err);
	free(out);
	free(err);

	assert_int_equal(inspect_help(t->plugins, "nosuch", &out, &err), 1);
	assert_string_equal(out, "");
	snprintf(want, sizeof(want), "nosuch.so: cannot stat %s/nosuch.so",
	    t->plugins);
	if (strstr(err, want) == NULL)
		fail_msg("expected \"%s\" in: %s", want, err);
	free(out);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_each_refusal, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_descriptor_is_host_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_duplicate_name, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_world_writable_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_world_writable_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_wrong_owner_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_wrong_owner_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_print, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_print_help, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_newminor_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parent_dirs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_race, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_name, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inspect_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_inspect_matches_print, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inspect_help, setup, teardown),
	};

	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
