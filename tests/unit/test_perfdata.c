/*
 * test_perfdata.c: table-driven tests of the exec plugin's Nagios perfdata
 * parser (plugins/exec/perfdata.c): guideline examples, garbage, limits.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/exec/perfdata.h"

struct want {
	const char *label;
	double value;
	const char *uom;
	const char *warn;
	const char *crit;
	int has_min;
	double min;
	int has_max;
	double max;
};

struct pcase {
	const char *name;
	const char *text;
	int max;
	int n;
	struct want w[4];
};

#define MB (1024.0 * 1024)

static const struct pcase perf_cases[] = {
    /* The Nagios plugin development guidelines and monitoring-plugins. */
    {"guideline time", "time=0.002722s;;;0.000000", 8, 1,
        {{"time", 0.002722, "s", "", "", 1, 0, 0, 0}}},
    {"check_http", "time=0.004134s;;;0.000000;10.000000 size=1234B;;;0", 8, 2,
        {{"time", 0.004134, "s", "", "", 1, 0, 1, 10},
            {"size", 1234, "B", "", "", 1, 0, 0, 0}}},
    {"check_ping",
        "rta=0.047000ms;3000.000000;5000.000000;0.000000 pl=0%;80;100;0", 8, 2,
        {{"rta", 0.047, "ms", "3000.000000", "5000.000000", 1, 0, 0, 0},
            {"pl", 0, "%", "80", "100", 1, 0, 0, 0}}},
    {"check_disk", "/=2643MB;5948;5958;0;5968 /boot=68MB;88;93;0;98", 8, 2,
        {{"/", 2643, "MB", "5948", "5958", 1, 0, 1, 5968},
            {"/boot", 68, "MB", "88", "93", 1, 0, 1, 98}}},
    {"check_load", "load1=0.150;15.000;30.000;0; load5=0.260;10.000;25.000;0;",
        8, 2,
        {{"load1", 0.15, "", "15.000", "30.000", 1, 0, 0, 0},
            {"load5", 0.26, "", "10.000", "25.000", 1, 0, 0, 0}}},
    {"quoted label", "'label with spaces'=5ms;10;20;0;100", 8, 1,
        {{"label with spaces", 5, "ms", "10", "20", 1, 0, 1, 100}}},
    {"quote escaping", "'it''s'=1 '''x'''=2c", 8, 2,
        {{"it's", 1, "", "", "", 0, 0, 0, 0},
            {"'x'", 2, "c", "", "", 0, 0, 0, 0}}},
    {"ranges", "users=5;@10:20;~:30 a=1;10:;:5", 8, 2,
        {{"users", 5, "", "@10:20", "~:30", 0, 0, 0, 0},
            {"a", 1, "", "10:", ":5", 0, 0, 0, 0}}},
    {"all units", "a=1us b=2KB c=3GB d=4TB e=5c", 8, 5,
        {{"a", 1, "us", "", "", 0, 0, 0, 0}, {"b", 2, "KB", "", "", 0, 0, 0, 0},
            {"c", 3, "GB", "", "", 0, 0, 0, 0},
            {"d", 4, "TB", "", "", 0, 0, 0, 0}}},
    {"number forms", "a=.5 b=5. c=+3 d=-1.5e-3", 8, 4,
        {{"a", 0.5, "", "", "", 0, 0, 0, 0}, {"b", 5, "", "", "", 0, 0, 0, 0},
            {"c", 3, "", "", "", 0, 0, 0, 0},
            {"d", -0.0015, "", "", "", 0, 0, 0, 0}}},
    {"whitespace between", "\t a=1\n\nb=2\r\n", 8, 2,
        {{"a", 1, "", "", "", 0, 0, 0, 0}, {"b", 2, "", "", "", 0, 0, 0, 0}}},
    {"huge but finite", "a=99999999999999999999999999", 8, 1,
        {{"a", 1e26, "", "", "", 0, 0, 0, 0}}},
    {"extra fields ignored", "a=1;2;3;4;5;6;7 b=2", 8, 2,
        {{"a", 1, "", "2", "3", 1, 4, 1, 5}, {"b", 2, "", "", "", 0, 0, 0, 0}}},
    {"bad thresholds kept out", "a=1;abc;5;x;10", 8, 1,
        {{"a", 1, "", "", "5", 0, 0, 1, 10}}},
    {"max honoured", "a=1 b=2 c=3 d=4", 2, 2,
        {{"a", 1, "", "", "", 0, 0, 0, 0}, {"b", 2, "", "", "", 0, 0, 0, 0}}},
    {"garbage between items", "a=1 junk =5 x= y=z b=2", 8, 2,
        {{"a", 1, "", "", "", 0, 0, 0, 0}, {"b", 2, "", "", "", 0, 0, 0, 0}}},

    /* Items that must be skipped. */
    {"empty", "", 8, 0, {{NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0}}},
    {"blank", "   \t\n", 8, 0, {{NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0}}},
    {"no value", "a=", 8, 0, {{NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0}}},
    {"no label", "=5", 8, 0, {{NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0}}},
    {"empty quoted label", "''=5", 8, 0,
        {{NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0}}},
    {"unknown uom", "a=5KiB b=5x c=5mS d=5kb", 8, 0,
        {{NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0}}},
    {"undetermined U", "a=U;1;2", 8, 0,
        {{NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0}}},
    {"overflow", "a=1e999 b=-1e999 c=1e308TB", 8, 0,
        {{NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0}}},
    {"not decimal", "a=inf b=nan c=0x10 d=1,5 e=. f=-", 8, 0,
        {{NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0}}},
    {"unterminated quote", "'abc=5 b=6", 8, 0,
        {{NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0}}},
    {"quote then junk", "'a'x=5 b=6", 8, 1, {{"b", 6, "", "", "", 0, 0, 0, 0}}},
    {"only pipes", "|||", 8, 0, {{NULL, 0, NULL, NULL, NULL, 0, 0, 0, 0}}},
};

static int
close_enough(double a, double b)
{
	double scale = fabs(b) > 1 ? fabs(b) : 1;

	return fabs(a - b) <= 1e-9 * scale;
}

static void
test_table(void **state)
{
	struct perf_item items[8];
	size_t i;
	int n, j;

	(void)state;
	for (i = 0; i < sizeof(perf_cases) / sizeof(perf_cases[0]); i++) {
		const struct pcase *c = &perf_cases[i];

		memset(items, 0x5a, sizeof(items));
		n = perfdata_parse(c->text, items, c->max);
		if (n != c->n)
			fail_msg(
			    "case '%s': %d items, want %d", c->name, n, c->n);
		for (j = 0; j < n && j < 4 && c->w[j].label != NULL; j++) {
			const struct want *w = &c->w[j];
			const struct perf_item *it = &items[j];

			if (strcmp(it->label, w->label) != 0 ||
			    !close_enough(it->value, w->value) ||
			    strcmp(it->uom, w->uom) != 0 ||
			    strcmp(it->warn, w->warn) != 0 ||
			    strcmp(it->crit, w->crit) != 0 ||
			    it->has_min != w->has_min ||
			    it->has_max != w->has_max ||
			    (w->has_min && !close_enough(it->min, w->min)) ||
			    (w->has_max && !close_enough(it->max, w->max)))
				fail_msg("case '%s' item %d: got '%s'=%g%s "
				         "warn '%s' crit '%s' min %d:%g max "
				         "%d:%g",
				    c->name, j, it->label, it->value, it->uom,
				    it->warn, it->crit, it->has_min, it->min,
				    it->has_max, it->max);
		}
	}
}

static void
test_null_and_zero_max(void **state)
{
	struct perf_item it;

	(void)state;
	assert_int_equal(perfdata_parse(NULL, &it, 1), 0);
	assert_int_equal(perfdata_parse("a=1", NULL, 1), 0);
	assert_int_equal(perfdata_parse("a=1", &it, 0), 0);
	assert_int_equal(perfdata_parse("a=1", &it, -3), 0);
}

static void
test_long_label_cut(void **state)
{
	struct perf_item it;
	char text[300], want[PERF_LABEL_MAX + 1];

	(void)state;
	memset(text, 'x', 200);
	strcpy(text + 200, "=7");
	assert_int_equal(perfdata_parse(text, &it, 1), 1);
	memset(want, 'x', PERF_LABEL_MAX);
	want[PERF_LABEL_MAX] = '\0';
	assert_string_equal(it.label, want);
	assert_true(it.value == 7);

	/* A label cut inside a UTF-8 sequence loses the partial character. */
	memset(text, 'y', PERF_LABEL_MAX - 1);
	strcpy(text + PERF_LABEL_MAX - 1, "\xc3\xa9z=1");
	assert_int_equal(perfdata_parse(text, &it, 1), 1);
	assert_int_equal(strlen(it.label), PERF_LABEL_MAX - 1);

	/* A range longer than PERF_RANGE_MAX is dropped, not cut. */
	snprintf(text, sizeof(text), "a=1;%s;2",
	    "1111111111111111111111111111111111111111");
	assert_int_equal(perfdata_parse(text, &it, 1), 1);
	assert_string_equal(it.warn, "");
	assert_string_equal(it.crit, "2");
}

static void
test_base_units(void **state)
{
	static const struct {
		const char *text;
		double value;
		const char *unit;
	} t[] = {
	    {"a=1500ms", 1.5, "s"},
	    {"a=250us", 0.00025, "s"},
	    {"a=2s", 2, "s"},
	    {"a=1KB", 1024, "B"},
	    {"a=3MB", 3 * MB, "B"},
	    {"a=2GB", 2 * MB * 1024, "B"},
	    {"a=1TB", MB * MB, "B"},
	    {"a=12B", 12, "B"},
	    {"a=50%", 50, "%"},
	    {"a=9c", 9, "c"},
	    {"a=4", 4, ""},
	};
	struct perf_item it;
	double v;
	const char *unit;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(perfdata_parse(t[i].text, &it, 1), 1);
		perfdata_base(&it, &v, &unit);
		if (!close_enough(v, t[i].value) || strcmp(unit, t[i].unit))
			fail_msg("%s: %g %s, want %g %s", t[i].text, v, unit,
			    t[i].value, t[i].unit);
	}
}

/* Nagios ranges as the bounds /metrics exports (perfdata_range). */
static void
test_ranges(void **state)
{
	static const struct {
		const char *r;
		int rc;
		double lt, gt; /* NAN: absent */
	} t[] = {
	    {"", 0, NAN, NAN},
	    {"10", 0, 0, 10},
	    {"10:", 0, 10, NAN},
	    {"~:10", 0, NAN, 10},
	    {"10:20", 0, 10, 20},
	    {":20", 0, 0, 20},
	    {"-5.5:1e3", 0, -5.5, 1000},
	    {"~:", 0, NAN, NAN},
	    {"@10:20", -1, NAN, NAN},
	    {"@10", -1, NAN, NAN},
	};
	double lt, gt;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(perfdata_range(t[i].r, &lt, &gt), t[i].rc);
		if (isnan(t[i].lt))
			assert_true(isnan(lt));
		else
			assert_true(lt == t[i].lt);
		if (isnan(t[i].gt))
			assert_true(isnan(gt));
		else
			assert_true(gt == t[i].gt);
	}
}

/* Thresholds, min and max scale to the base unit with the value. */
static void
test_bounds_base_units(void **state)
{
	struct perf_item it[2];
	double wl, wg, cl, cg, mn, mx;

	(void)state;
	assert_int_equal(
	    perfdata_parse("'/'=2MB;3:;~:4;0;8 t=5ms;@1:2", it, 2), 2);
	perfdata_bounds(&it[0], &wl, &wg, &cl, &cg, &mn, &mx);
	assert_true(wl == 3.0 * 1024 * 1024);
	assert_true(isnan(wg));
	assert_true(isnan(cl));
	assert_true(cg == 4.0 * 1024 * 1024);
	assert_true(mn == 0);
	assert_true(mx == 8.0 * 1024 * 1024);
	perfdata_bounds(&it[1], &wl, &wg, &cl, &cg, &mn, &mx);
	assert_true(isnan(wl) && isnan(wg) && isnan(cl) && isnan(cg));
	assert_true(isnan(mn) && isnan(mx));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_null_and_zero_max),
	    cmocka_unit_test(test_long_label_cut),
	    cmocka_unit_test(test_base_units),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_bounds_base_units),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
