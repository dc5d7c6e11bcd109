/*
 * test_log.c: log.c (files, format, levels, reopen, escaping) and redact.c
 * (registered secrets and token shapes never reach a file).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "rdd.h"

struct fx {
	char dir[256];
};

static void
rm_tree(const char *dir)
{
	char p[512];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static char *
slurp(const char *path, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap * 2 + 4096;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		r = read(fd, buf + len, cap - len);
		assert_true(r >= 0);
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (buf == NULL)
		buf = calloc(1, 1);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static char *
slurp_in(struct fx *f, const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	return slurp(p, NULL);
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/test_log.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	unsetenv("DEBUG_REDUNDANCY");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	log_close();
	redact_clear();
	unsetenv("DEBUG_REDUNDANCY");
	rm_tree(f->dir);
	free(f);
	return 0;
}

static void
open_logs(struct fx *f, enum rdd_log_level lvl)
{
	struct log_conf lc = { .dir = f->dir, .level = lvl };
	char err[RDD_ERRLEN] = "";

	assert_int_equal(log_setup(&lc, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/* "2026-11-29T04:30:00.123Z " */
static void
assert_ts(const char *l)
{
	const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ ";
	size_t i;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd')
			assert_true(isdig(l[i]));
		else
			assert_int_equal(l[i], shape[i]);
	}
}

/* ---- redact_str ---- */

static void
t_redact_table(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "nothing to hide", "nothing to hide" },
		{ "pw=hunter22 end", "pw=[REDACTED] end" },
		{ "at end hunter22", "at end [REDACTED]" },
		{ "hunter22", "[REDACTED]" },
		{ "hunter22hunter22", "[REDACTED]" },
		/* overlapping registered secrets merge into one marker */
		{ "x abcdefgh y", "x [REDACTED] y" },
		{ "x abcdef y", "x [REDACTED] y" },
		{ "short abc stays", "short abc stays" },
		/* a secret overlapping itself */
		{ "1xyxyxy2", "1[REDACTED]2" },
		{ "1xyxy2xyx", "1[REDACTED]2xyx" },
		{ "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa tail",
		    "[REDACTED] tail" },
		{ "gho_ABCDEFGHIJKLMNOPQRST1", "[REDACTED]" },
		{ "ghu_ABCDEFGHIJKLMNOPQRST1", "[REDACTED]" },
		{ "ghs_ABCDEFGHIJKLMNOPQRST1", "[REDACTED]" },
		{ "ghr_ABCDEFGHIJKLMNOPQRST1", "[REDACTED]" },
		{ "ghp_tooshort here", "ghp_tooshort here" },
		/* at the very end it may have been cut from a longer token */
		{ "ghp_tooshort", "[REDACTED]" },
		{ "cut at ghp_ABCDEFGHIJ", "cut at [REDACTED]" },
		{ "ghp_abc", "ghp_abc" },
		/* a registered secret cut by a length limit, at either end */
		{ "token=s3cr3t-value-0123456789a", "token=[REDACTED]" },
		{ "token=s3cr", "token=[REDACTED]" },
		{ "token=s3c", "token=s3c" },
		{ "e-0123456789ab rest", "[REDACTED] rest" },
		{ "9ab rest", "9ab rest" },
		{ "github_pat_11ABCDEFG_0123456789abcdefXYZ!",
		    "[REDACTED]!" },
		{ "nfp_abcdefghijklmnopqrstuvwxyz0123", "[REDACTED]" },
		{ "slack xoxb-1234-5678-abcdefgh ok", "slack [REDACTED] ok" },
		{ "Authorization: Bearer abc.def", "Authorization: Bearer [REDACTED]" },
		{ "authorization: token 0123", "authorization: token [REDACTED]" },
		{ "AUTHORIZATION: Basic dXNlcjpwYXNz\r\n",
		    "AUTHORIZATION: Basic [REDACTED]\r\n" },
		{ "{\"Authorization\": \"Bearer xyz\"}",
		    "{\"Authorization\": \"Bearer [REDACTED]\"}" },
		{ "Authorization: opaque42", "Authorization: [REDACTED]" },
		{ "Authorization:", "Authorization:" },
		{ "got Bearer 0123456789abcdef.x", "got Bearer [REDACTED]" },
		{ "Bearer short", "Bearer short" },
		{ "https://bob:s3cret@example.com/x",
		    "https://bob:[REDACTED]@example.com/x" },
		{ "ftp://bob@example.com/", "ftp://bob@example.com/" },
		{ "http://a:b:c@h", "http://a:[REDACTED]@h" },
		{ "https://example.com:8443/p@q", "https://example.com:8443/p@q" },
		{ "://", "://" },
		{ "x://u:", "x://u:" },
		{ "\xff\xfe hunter22 \x01\x80", "\xff\xfe [REDACTED] \x01\x80" },
		{ "\xc3\xa9ghp_", "\xc3\xa9ghp_" },
	};
	size_t i;
	char *r;

	redact_add("hunter22");
	redact_add("hunter22");	/* deduplicated */
	redact_add("abcdef");
	redact_add("cdefgh");	/* overlaps abcdef */
	redact_add("xyxy");
	redact_add("s3cr3t-value-0123456789ab");
	redact_add("abc");	/* too short: ignored */
	redact_add(NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = redact_str(cases[i].in);
		assert_non_null(r);
		if (strcmp(r, cases[i].out) != 0)
			fail_msg("case %zu: \"%s\" -> \"%s\", want \"%s\"", i,
			    cases[i].in, r, cases[i].out);
		free(r);
	}
	assert_null(redact_str(NULL));
	redact_clear();
	r = redact_str("hunter22");
	assert_string_equal(r, "hunter22");
	free(r);
}

/* Long runs of near-matches finish quickly and stay in bounds. */
static void
t_redact_large(void **state)
{
	size_t n = 1 << 20, i;
	char *s = malloc(n + 1), *r;

	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = "aghp_b: //Bearer x"[i % 18];
	s[n] = '\0';
	redact_add("aaaa");
	r = redact_str(s);
	assert_non_null(r);
	assert_string_equal(r, s);
	free(r);
	memset(s, 'a', n);
	r = redact_str(s);
	assert_string_equal(r, "[REDACTED]");
	free(r);
	for (i = 1; i < 256; i++)
		s[i - 1] = (char)i;
	s[255] = '\0';
	r = redact_str(s);
	assert_non_null(r);
	free(r);
	free(s);
}

/* ---- log ---- */

static void
t_format(void **state)
{
	struct fx *f = *state;
	char *sys, *mon, *l2;

	open_logs(f, RDD_LOG_INFO);
	log_info("daemon started version %d", 1);
	log_write("pm2", RDD_LOG_WARN, "app %s errored", "api");
	sys = slurp_in(f, "system.log");
	mon = slurp_in(f, "pm2.log");
	assert_non_null(sys);
	assert_non_null(mon);
	assert_int_equal(count_lines(sys), 2);
	assert_int_equal(count_lines(mon), 1);
	assert_ts(sys);
	assert_int_equal(strncmp(sys + 25, "INFO daemon started version 1\n",
	    30), 0);
	l2 = sys + 25 + 30;
	assert_ts(l2);
	assert_string_equal(l2 + 25, "WARN [pm2] app api errored\n");
	assert_ts(mon);
	assert_string_equal(mon + 25, "WARN [pm2] app api errored\n");
	/* The same line, byte for byte, in both files. */
	assert_string_equal(mon, l2);
	free(sys);
	free(mon);
}

static void
t_mode_and_dir(void **state)
{
	struct fx *f = *state;
	struct log_conf lc = { .level = RDD_LOG_INFO };
	char sub[512], p[600], err[RDD_ERRLEN];
	struct stat sb;

	snprintf(sub, sizeof(sub), "%s/a/b", f->dir);
	lc.dir = sub;
	assert_int_equal(log_setup(&lc, err, sizeof(err)), 0);
	assert_int_equal(stat(sub, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0027, 0);
	snprintf(p, sizeof(p), "%s/system.log", sub);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0137, 0);

	/* A file where the directory should be: a clear error. */
	snprintf(p, sizeof(p), "%s/a/b/system.log", f->dir);
	lc.dir = p;
	assert_int_equal(log_setup(&lc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, p));
	assert_non_null(strstr(err, "log_dir"));
}

static void
t_level_filter(void **state)
{
	struct fx *f = *state;
	char *sys;

	open_logs(f, RDD_LOG_WARN);
	log_debug("dbg-line");
	log_info("info-line");
	log_warn("warn-line");
	log_err("err-line");
	log_write("m", RDD_LOG_INFO, "mon-info");
	sys = slurp_in(f, "system.log");
	assert_null(strstr(sys, "dbg-line"));
	assert_null(strstr(sys, "info-line"));
	assert_null(strstr(sys, "mon-info"));
	assert_non_null(strstr(sys, " WARN warn-line\n"));
	assert_non_null(strstr(sys, " ERROR err-line\n"));
	assert_int_equal(count_lines(sys), 2);
	free(sys);
}

static void
t_debug_env(void **state)
{
	static const struct {
		const char *v;
		int on;
	} vals[] = { { "true", 1 }, { "1", 1 }, { "yes", 1 }, { "TRUE", 1 },
		{ "false", 0 }, { "0", 0 }, { "", 0 } };
	struct fx *f = *state;
	char *sys, tag[64];
	size_t i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		setenv("DEBUG_REDUNDANCY", vals[i].v, 1);
		open_logs(f, RDD_LOG_ERR);
		snprintf(tag, sizeof(tag), "debug-%zu", i);
		log_debug("%s", tag);
		log_close();
		sys = slurp_in(f, "system.log");
		if (vals[i].on)
			assert_non_null(strstr(sys, tag));
		else
			assert_null(strstr(sys, tag));
		free(sys);
	}
}

static void
t_reopen(void **state)
{
	struct fx *f = *state;
	char a[512], b[512], *s;

	open_logs(f, RDD_LOG_INFO);
	log_info("before-rotate");
	log_write("netlify-functions", RDD_LOG_INFO, "mon-before");
	snprintf(a, sizeof(a), "%s/system.log", f->dir);
	snprintf(b, sizeof(b), "%s/system.log.1", f->dir);
	assert_int_equal(rename(a, b), 0);
	snprintf(a, sizeof(a), "%s/netlify-functions.log", f->dir);
	snprintf(b, sizeof(b), "%s/netlify-functions.log.1", f->dir);
	assert_int_equal(rename(a, b), 0);

	/* Until the signal, lines still go to the renamed file. */
	log_info("still-old");
	log_reopen();
	log_info("after-rotate");
	log_write("netlify-functions", RDD_LOG_INFO, "mon-after");

	s = slurp_in(f, "system.log.1");
	assert_non_null(strstr(s, "before-rotate"));
	assert_non_null(strstr(s, "still-old"));
	assert_null(strstr(s, "after-rotate"));
	free(s);
	s = slurp_in(f, "system.log");
	assert_non_null(s);
	assert_non_null(strstr(s, "after-rotate"));
	assert_non_null(strstr(s, "[netlify-functions] mon-after"));
	assert_null(strstr(s, "before-rotate"));
	free(s);
	s = slurp_in(f, "netlify-functions.log.1");
	assert_non_null(strstr(s, "mon-before"));
	assert_null(strstr(s, "mon-after"));
	free(s);
	s = slurp_in(f, "netlify-functions.log");
	assert_non_null(s);
	assert_int_equal(count_lines(s), 1);
	assert_non_null(strstr(s, "mon-after"));
	free(s);
}

static void
t_newline_escape(void **state)
{
	struct fx *f = *state;
	char *s;

	open_logs(f, RDD_LOG_INFO);
	log_write("gh", RDD_LOG_INFO,
	    "line1\n2026-01-01T00:00:00.000Z ERROR forged\rx\x1b[31m\\");
	s = slurp_in(f, "gh.log");
	assert_int_equal(count_lines(s), 1);
	assert_non_null(strstr(s, "[gh] line1\\n2026-01-01T00:00:00.000Z "
	    "ERROR forged\\rx\\x1b[31m\\\\\n"));
	free(s);
	s = slurp_in(f, "system.log");
	assert_int_equal(count_lines(s), 1);
	free(s);
}

static void
t_monitor_name_safe(void **state)
{
	struct fx *f = *state;
	char p[512], *s;
	struct stat sb;

	open_logs(f, RDD_LOG_INFO);
	log_write("../escape", RDD_LOG_INFO, "x1");
	log_write("system", RDD_LOG_INFO, "x2");
	snprintf(p, sizeof(p), "%s/../escape.log", f->dir);
	assert_int_equal(stat(p, &sb), -1);
	s = slurp_in(f, "_._escape.log");
	assert_non_null(s);
	assert_non_null(strstr(s, "[../escape] x1"));
	free(s);
	s = slurp_in(f, "monitor-system.log");
	assert_non_null(s);
	free(s);
	s = slurp_in(f, "system.log");
	assert_int_equal(count_lines(s), 2);
	free(s);

	/* A monitor file that cannot be opened: reported once. */
	snprintf(p, sizeof(p), "%s/blocked.log", f->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	log_write("blocked", RDD_LOG_INFO, "b1");
	log_write("blocked", RDD_LOG_INFO, "b2");
	s = slurp_in(f, "system.log");
	assert_int_equal(count_lines(s), 5);
	assert_non_null(strstr(s, "ERROR log_dir "));
	assert_non_null(strstr(s, "cannot open blocked.log"));
	assert_non_null(strstr(s, "[blocked] b2\n"));
	free(s);
}

static const char *const tokens[] = {
	"ghp_0123456789abcdefghijABCDEFGHIJ",
	"gho_0123456789abcdefghijABCDEFGHIJ",
	"ghu_0123456789abcdefghijABCDEFGHIJ",
	"ghs_0123456789abcdefghijABCDEFGHIJ",
	"ghr_0123456789abcdefghijABCDEFGHIJ",
	"github_pat_11AAAAAAA0_0123456789abcdefghij",
	"nfp_0123456789abcdefghijABCDEFGHIJ",
	"xoxb-000000000-111111111-abcdefABCDEF",
	"xoxp-000000000-111111111-abcdefABCDEF",
	"eyJhbGciOiJIUzI1NiJ9.payload-part.sig",
	"dXNlcjpzM2NyZXRwYXNzd29yZA==",
	"Sup3rS3cretPass",
	"registered-secret-value",
};

static int
has_bytes(const char *hay, size_t len, const char *needle)
{
	return memmem(hay, len, needle, strlen(needle)) != NULL;
}

static void
t_secrets_never_written(void **state)
{
	static const char *names[] = { "system.log", "pm2.log",
		"github-actions.log" };
	struct fx *f = *state;
	char *s;
	size_t i, len;

	open_logs(f, RDD_LOG_DEBUG);
	redact_add("registered-secret-value");
	log_info("plain %s", tokens[0]);
	log_write("pm2", RDD_LOG_ERR, "gh %s %s %s %s", tokens[1], tokens[2],
	    tokens[3], tokens[4]);
	log_write("github-actions", RDD_LOG_INFO, "pat=%s nfp=%s", tokens[5],
	    tokens[6]);
	log_write("pm2", RDD_LOG_DEBUG, "slack %s,%s", tokens[7], tokens[8]);
	log_write("github-actions", RDD_LOG_WARN,
	    "curl -H 'Authorization: Bearer %s'", tokens[9]);
	log_write("github-actions", RDD_LOG_WARN,
	    "header authorization: Basic %s", tokens[10]);
	log_info("url https://deploy:%s@git.example.com/x.git", tokens[11]);
	log_write("pm2", RDD_LOG_INFO, "env TOKEN=%s\nnext", tokens[12]);
	log_write("pm2", RDD_LOG_INFO, "split registered-\nsecret-value");
	log_info("bearer in text: Bearer %s", tokens[9]);

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char p[512];
		size_t t;

		snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
		s = slurp(p, &len);
		assert_non_null(s);
		assert_true(len > 0);
		assert_true(has_bytes(s, len, "[REDACTED]"));
		for (t = 0; t < sizeof(tokens) / sizeof(tokens[0]); t++)
			if (has_bytes(s, len, tokens[t]))
				fail_msg("%s holds token %zu", names[i], t);
		free(s);
	}
	s = slurp_in(f, "system.log");
	assert_non_null(strstr(s, "Authorization: Bearer [REDACTED]'"));
	assert_non_null(strstr(s, "https://deploy:[REDACTED]@git.example"));
	free(s);
}

static void
t_stderr(void **state)
{
	struct fx *f = *state;
	struct log_conf lc = { .dir = NULL, .foreground = 1,
		.level = RDD_LOG_INFO };
	char p[512], err[RDD_ERRLEN], *s;
	int fd, saved;

	snprintf(p, sizeof(p), "%s/stderr.txt", f->dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	saved = dup(STDERR_FILENO);
	assert_true(saved != -1);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);

	log_close();
	redact_add("before-setup-secret");
	log_info("before setup before-setup-secret");	/* not yet set up */
	log_debug("early debug");	/* INFO until set up */
	assert_int_equal(log_setup(&lc, err, sizeof(err)), 0);
	log_write("pm2", RDD_LOG_INFO, "foreground line");
	log_debug("filtered");
	lc.foreground = 0;
	assert_int_equal(log_setup(&lc, err, sizeof(err)), 0);
	log_info("quiet line");

	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	s = slurp(p, NULL);
	assert_non_null(s);
	assert_int_equal(count_lines(s), 2);
	assert_non_null(strstr(s, "INFO before setup [REDACTED]\n"));
	assert_non_null(strstr(s, "INFO [pm2] foreground line\n"));
	assert_null(strstr(s, "quiet line"));
	assert_null(strstr(s, "early debug"));
	/* No files without a directory. */
	free(s);
	s = slurp_in(f, "pm2.log");
	assert_null(s);
}

static void
t_long_message(void **state)
{
	struct fx *f = *state;
	size_t n = 200000, len;
	char *big = malloc(n + 1), *s;

	assert_non_null(big);
	memset(big, 'z', n);
	big[n] = '\0';
	open_logs(f, RDD_LOG_INFO);
	log_info("%s", big);
	free(big);
	s = slurp_in(f, "system.log");
	len = strlen(s);
	assert_int_equal(count_lines(s), 1);
	assert_true(len > 65536 && len < 65536 + 100);
	free(s);
}

static size_t
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Many monitors share a few fds: the oldest file closes for the next. */
static void
t_many_monitors_few_fds(void **state)
{
	struct fx *f = *state;
	size_t before, i;
	char name[32], *s;

	open_logs(f, RDD_LOG_INFO);
	log_info("first");
	before = count_fds();
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "mon%zu", i);
		log_write(name, RDD_LOG_INFO, "line of %s", name);
	}
	assert_true(count_fds() <= before + 32);
	/* The first file was closed and is reopened for its second line. */
	log_write("mon0", RDD_LOG_INFO, "again");
	for (i = 0; i < 100; i += 33) {
		snprintf(name, sizeof(name), "mon%zu.log", i);
		s = slurp_in(f, name);
		assert_non_null(strstr(s, "line of mon"));
		free(s);
	}
	s = slurp_in(f, "mon0.log");
	assert_int_equal(count_lines(s), 2);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_many_monitors_few_fds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_redact_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_redact_large, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_format, setup, teardown),
		cmocka_unit_test_setup_teardown(t_mode_and_dir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_level_filter, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_debug_env, setup, teardown),
		cmocka_unit_test_setup_teardown(t_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(t_newline_escape, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_monitor_name_safe, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_secrets_never_written, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_stderr, setup, teardown),
		cmocka_unit_test_setup_teardown(t_long_message, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
