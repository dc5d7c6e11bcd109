/*
 * perfdata.c: parser of Nagios performance data, following the Nagios
 * plugin development guidelines; never fails on bad input, skips it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "perfdata.h"

static int
perf_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* End of the field at p: the next ';', space or NUL. */
static const char *
perf_field_end(const char *p)
{
	while (*p != '\0' && *p != ';' && !perf_isspace(*p))
		p++;
	return p;
}

static int
perf_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A decimal number at the start of [p, end): [+-]digits[.digits][e[+-]digits].
 * Hex, "inf" and "nan", which strtod also takes, are refused, and so are
 * values that overflow a double. Returns the end of the number or NULL.
 */
static const char *
perf_number(const char *p, const char *end, double *out)
{
	const char *q = p, *e;
	char *send;
	int digits = 0;
	double v;

	if (q < end && (*q == '+' || *q == '-'))
		q++;
	while (q < end && perf_isdigit(*q)) {
		q++;
		digits++;
	}
	if (q < end && *q == '.') {
		q++;
		while (q < end && perf_isdigit(*q)) {
			q++;
			digits++;
		}
	}
	if (digits == 0)
		return NULL;
	if (q < end && (*q == 'e' || *q == 'E')) {
		e = q + 1;
		if (e < end && (*e == '+' || *e == '-'))
			e++;
		if (e < end && perf_isdigit(*e)) {
			while (e < end && perf_isdigit(*e))
				e++;
			q = e;
		}
	}
	v = strtod(p, &send);
	/* A mismatch means strtod saw something we did not; trust neither. */
	if (send != q || !isfinite(v))
		return NULL;
	*out = v;
	return q;
}

/* A whole field [p, end) that is exactly one number. */
static int
perf_number_field(const char *p, const char *end, double *out)
{
	return perf_number(p, end, out) == end ? 0 : -1;
}

/* A Nagios threshold range: [@][start:][end], start a number or "~". */
static int
perf_range_valid(const char *p, const char *end)
{
	const char *colon;
	double v;

	if (p < end && *p == '@')
		p++;
	if (p == end)
		return 0;
	colon = memchr(p, ':', (size_t)(end - p));
	if (colon == NULL)
		return perf_number_field(p, end, &v);
	if (!(colon - p == 1 && *p == '~') && colon != p &&
	    perf_number_field(p, colon, &v) != 0)
		return -1;
	if (colon + 1 != end && perf_number_field(colon + 1, end, &v) != 0)
		return -1;
	return 0;
}

static void
perf_range_copy(char *dst, const char *p, const char *end)
{
	size_t n = (size_t)(end - p);

	dst[0] = '\0';
	if (p == end || n > PERF_RANGE_MAX || perf_range_valid(p, end) != 0)
		return;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static int
perf_uom(const char *p, const char *end, char *uom)
{
	static const char *const known[] = {
	    "", "s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c", NULL};
	size_t n = (size_t)(end - p), i;

	if (n > 2)
		return -1;
	for (i = 0; known[i] != NULL; i++) {
		if (strlen(known[i]) == n && memcmp(known[i], p, n) == 0) {
			memcpy(uom, p, n);
			uom[n] = '\0';
			return 0;
		}
	}
	return -1;
}

/* Cut a label that was shortened mid-way through a UTF-8 sequence. */
static void
perf_utf8_trim(char *s, size_t len)
{
	size_t i = len, need;
	unsigned char c;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	if (c < 0xC0)
		return;
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	if (len - (i - 1) < need)
		s[i - 1] = '\0';
}

/*
 * The label at p into it->label. Returns the position of the '=' after it,
 * or NULL with *stop where scanning gave up.
 */
static const char *
perf_label(const char *p, struct perf_item *it, const char **stop)
{
	size_t n = 0;
	int cut = 0;

	if (*p == '\'') {
		p++;
		for (;;) {
			if (*p == '\0') {
				*stop = p;
				return NULL;
			}
			if (*p == '\'') {
				if (p[1] != '\'')
					break;
				p++; /* '' is a literal quote */
			}
			if (n < PERF_LABEL_MAX)
				it->label[n++] = *p;
			else
				cut = 1;
			p++;
		}
		p++; /* closing quote */
	} else {
		while (*p != '\0' && *p != '=' && !perf_isspace(*p)) {
			if (n < PERF_LABEL_MAX)
				it->label[n++] = *p;
			else
				cut = 1;
			p++;
		}
	}
	it->label[n] = '\0';
	if (cut)
		perf_utf8_trim(it->label, n);
	if (*p != '=' || it->label[0] == '\0') {
		*stop = p;
		return NULL;
	}
	return p;
}

/* 1e308TB overflows once converted to bytes: refuse it here. */
static int
perf_base_finite(const struct perf_item *it)
{
	double v;
	const char *unit;

	perfdata_base(it, &v, &unit);
	return isfinite(v);
}

/* One item at p (not a space). Sets *next past it; 0 if stored. */
static int
perf_item(const char *p, struct perf_item *it, const char **next)
{
	const char *eq, *stop, *f, *fend, *num;
	int field;

	memset(it, 0, sizeof(*it));
	eq = perf_label(p, it, &stop);
	if (eq == NULL) {
		while (*stop != '\0' && !perf_isspace(*stop))
			stop++;
		*next = stop;
		return -1;
	}

	f = eq + 1;
	fend = perf_field_end(f);
	num = perf_number(f, fend, &it->value);
	if (num == NULL || perf_uom(num, fend, it->uom) != 0 ||
	    !perf_base_finite(it)) {
		*next = fend;
		while (**next != '\0' && !perf_isspace(**next))
			(*next)++;
		return -1;
	}

	/* warn;crit;min;max, each optional; anything after them ignored. */
	for (field = 0; *fend == ';'; field++) {
		f = fend + 1;
		fend = perf_field_end(f);
		switch (field) {
		case 0:
			perf_range_copy(it->warn, f, fend);
			break;
		case 1:
			perf_range_copy(it->crit, f, fend);
			break;
		case 2:
			it->has_min = f != fend &&
			              perf_number_field(f, fend, &it->min) == 0;
			break;
		case 3:
			it->has_max = f != fend &&
			              perf_number_field(f, fend, &it->max) == 0;
			break;
		default:
			break;
		}
	}
	*next = fend;
	return 0;
}

int
perfdata_parse(const char *text, struct perf_item *items, int max)
{
	const char *p = text, *next;
	int n = 0;

	if (text == NULL || items == NULL || max <= 0)
		return 0;
	while (n < max) {
		while (perf_isspace(*p))
			p++;
		if (*p == '\0')
			break;
		if (perf_item(p, &items[n], &next) == 0)
			n++;
		/* perf_item always consumes at least one byte. */
		p = next > p ? next : p + 1;
	}
	return n;
}

static void
perf_unit(const struct perf_item *it, double *mul, const char **unit)
{
	static const struct {
		const char *uom;
		double mul;
		const char *unit;
	} map[] = {
	    {"ms", 1e-3, "s"},
	    {"us", 1e-6, "s"},
	    {"KB", 1024.0, "B"},
	    {"MB", 1024.0 * 1024, "B"},
	    {"GB", 1024.0 * 1024 * 1024, "B"},
	    {"TB", 1024.0 * 1024 * 1024 * 1024, "B"},
	    {"s", 1, "s"},
	    {"%", 1, "%"},
	    {"B", 1, "B"},
	    {"c", 1, "c"},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(it->uom, map[i].uom) == 0) {
			*mul = map[i].mul;
			*unit = map[i].unit;
			return;
		}
	}
	*mul = 1;
	*unit = "";
}

void
perfdata_base(const struct perf_item *it, double *value, const char **unit)
{
	double mul;

	perf_unit(it, &mul, unit);
	*value = it->value * mul;
}

/* Where a range's number is missing it stays NaN; all in base units. */
void
perfdata_bounds(const struct perf_item *it, double *warn_lt, double *warn_gt,
    double *crit_lt, double *crit_gt, double *min, double *max)
{
	const char *unit;
	double mul;

	perf_unit(it, &mul, &unit);
	perfdata_range(it->warn, warn_lt, warn_gt);
	perfdata_range(it->crit, crit_lt, crit_gt);
	*warn_lt *= mul;
	*warn_gt *= mul;
	*crit_lt *= mul;
	*crit_gt *= mul;
	*min = it->has_min ? it->min * mul : NAN;
	*max = it->has_max ? it->max * mul : NAN;
}

int
perfdata_range(const char *r, double *lt, double *gt)
{
	const char *colon;

	*lt = *gt = NAN;
	if (*r == '\0')
		return 0;
	/* "@L:H" alerts inside: no "below"/"above" pair says that. */
	if (*r == '@')
		return -1;
	if ((colon = strchr(r, ':')) == NULL) {
		*lt = 0; /* "H" is "0:H" */
		*gt = strtod(r, NULL);
		return 0;
	}
	if (colon == r)
		*lt = 0;
	else if (*r != '~')
		*lt = strtod(r, NULL);
	if (colon[1] != '\0')
		*gt = strtod(colon + 1, NULL);
	return 0;
}
