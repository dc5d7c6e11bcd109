/*
 * test_amsil.c: which monitors Alertmanager silences pause (amsil.c):
 * the redundancyd_pause matcher, host/environment/monitor matchers,
 * regexes and negation, state and time, and what is never a pause.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alerts/amsil.h"

static const char *const mons[] = {"api", "db", "web"};
static const struct amsil_who who = {"web-1", "production", mons, 3};
#define NOW 1796320000000LL /* 2026-12-03 */

static size_t
run(const char *body, struct amsil_pause **p)
{
	size_t n = 0;
	char err[256];

	assert_int_equal(
	    amsil_pauses(body, strlen(body), &who, NOW, p, &n, err, sizeof(err)),
	    0);
	return n;
}

#define SIL(id, state, ends, matchers)                                         \
	"{\"id\":\"" id "\",\"status\":{\"state\":\"" state "\"},"            \
	"\"createdBy\":\"alice\",\"comment\":\"deploy\",\"endsAt\":\"" ends   \
	"\",\"matchers\":[" matchers "]}"
#define M(name, value, re, eq)                                                 \
	"{\"name\":\"" name "\",\"value\":\"" value "\",\"isRegex\":" re     \
	",\"isEqual\":" eq "}"
#define PAUSE M("redundancyd_pause", "true", "false", "true")

static void
t_monitor(void **state)
{
	struct amsil_pause *p;
	size_t n;

	(void)state;
	n = run("[" SIL("s1", "active", "2030-01-01T00:00:00.5Z",
	            M("host", "web-1", "false", "true") "," M(
	                "monitor", "api", "false", "true") "," PAUSE) "]",
	    &p);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].monitor, "api");
	assert_string_equal(p[0].id, "s1");
	assert_string_equal(p[0].by, "alice");
	assert_int_equal(p[0].until_wall, 1893456000500LL);
	amsil_free(p, n);
}

static void
t_host_and_regex(void **state)
{
	struct amsil_pause *p;
	size_t n;

	(void)state;
	/* The whole host: no monitor matcher. */
	n = run("[" SIL("h", "active", "2030-01-01T00:00:00Z",
	            M("host", "web-.*", "true", "true") "," PAUSE) "]",
	    &p);
	assert_int_equal(n, 1);
	assert_null(p[0].monitor);
	amsil_free(p, n);
	/* Anchored: "web" does not match "web-1". */
	n = run("[" SIL("h", "active", "2030-01-01T00:00:00Z",
	            M("host", "web", "true", "true") "," PAUSE) "]",
	    &p);
	assert_int_equal(n, 0);
	amsil_free(p, n);
	/* monitor!="db": every other monitor. */
	n = run("[" SIL("ne", "active", "2030-01-01T00:00:00Z",
	            M("monitor", "db", "false", "false") "," M("environment",
	                "prod.*", "true", "true") "," PAUSE) "]",
	    &p);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].monitor, "api");
	assert_string_equal(p[1].monitor, "web");
	amsil_free(p, n);
}

static void
t_not_pauses(void **state)
{
	struct amsil_pause *p;
	size_t n;

	(void)state;
	n = run("["
	        /* no redundancyd_pause: an ordinary silence */
	        SIL("a", "active", "2030-01-01T00:00:00Z",
	            M("host", "web-1", "false", "true")) ","
	        /* another host */
	        SIL("b", "active", "2030-01-01T00:00:00Z",
	            M("host", "web-2", "false", "true") "," PAUSE) ","
	        /* expired, pending, or ending before now */
	        SIL("c", "expired", "2030-01-01T00:00:00Z", PAUSE) ","
	        SIL("d", "pending", "2030-01-01T00:00:00Z", PAUSE) ","
	        SIL("e", "active", "2020-01-01T00:00:00Z", PAUSE) ","
	        /* a label we cannot tell at the monitor level */
	        SIL("f", "active", "2030-01-01T00:00:00Z",
	            M("target", "x", "false", "true") "," PAUSE) ","
	        /* redundancyd_pause!="true", or "false" */
	        SIL("g", "active", "2030-01-01T00:00:00Z",
	            M("redundancyd_pause", "true", "false", "false")) ","
	        SIL("h", "active", "2030-01-01T00:00:00Z",
	            M("redundancyd_pause", "false", "false", "true")) ","
	        /* a regex we cannot compile; a time we cannot read */
	        SIL("i", "active", "2030-01-01T00:00:00Z",
	            M("host", "(", "true", "true") "," PAUSE) ","
	        SIL("j", "active", "tomorrow", PAUSE) "]",
	    &p);
	assert_int_equal(n, 0);
	amsil_free(p, n);
}

static void
t_refused(void **state)
{
	struct amsil_pause *p = NULL;
	size_t n = 7;
	char err[256];

	(void)state;
	assert_int_equal(amsil_pauses("{\"a\":1}", 7, &who, NOW, &p, &n, err,
	                     sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "not a JSON array"));
	assert_int_equal(n, 0);
	assert_int_equal(
	    amsil_pauses("[{", 2, &who, NOW, &p, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not JSON"));
	assert_int_equal(amsil_pauses("[] x", 4, &who, NOW, &p, &n, err,
	                     sizeof(err)),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(t_monitor),
	    cmocka_unit_test(t_host_and_regex),
	    cmocka_unit_test(t_not_pauses),
	    cmocka_unit_test(t_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
