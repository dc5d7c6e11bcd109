/*
 * perfdata.h: parser of Nagios performance data ("label=value[UOM];warn;...")
 * shared by the exec plugin, its tests and its fuzz harness.
 */
#ifndef PERFDATA_H
#define PERFDATA_H

#define PERF_LABEL_MAX 64 /* bytes kept of a label, longer ones are cut */
#define PERF_RANGE_MAX 32 /* bytes of a warn/crit range, longer: dropped */

/*
 * One item, as written by the check. Thresholds are Nagios ranges
 * ("10", "10:", "~:10", "10:20", "@10:20"), kept as text because the host
 * has no use for them beyond display; an invalid range leaves "".
 */
struct perf_item {
	char label[PERF_LABEL_MAX + 1]; /* '' quoting removed, NUL-terminated */
	double value;                   /* as written, in uom */
	char uom[3]; /* "", s, ms, us, %, B, KB, MB, GB, TB, c */
	char warn[PERF_RANGE_MAX + 1];
	char crit[PERF_RANGE_MAX + 1];
	int has_min;
	int has_max;
	double min;
	double max;
};

/*
 * Parse space-separated items of text (NUL-terminated; newlines count as
 * spaces) into items[0..max). Invalid items are skipped; items past max are
 * ignored. Returns how many were stored. Pure: no allocation, no locale
 * other than strtod's (the daemon never calls setlocale).
 */
int perfdata_parse(const char *text, struct perf_item *items, int max);

/*
 * The item's value in base units: ms and us become "s", KB..TB become "B"
 * (powers of 1024, as the monitoring-plugins do); other units are kept.
 */
void perfdata_base(
    const struct perf_item *it, double *value, const char **unit);

/*
 * A Nagios range as the alert's bounds: the value alerts below *lt or
 * above *gt, NaN where the range sets none ("10" is 0 and 10, "10:" 10 and
 * NaN, "~:10" NaN and 10). Returns 0, or -1 (both NaN) for an inverted
 * range ("@10:20" alerts inside). r is a range perfdata_parse kept.
 */
int perfdata_range(const char *r, double *lt, double *gt);

/* The item's thresholds, min and max in perfdata_base's units, or NaN. */
void perfdata_bounds(const struct perf_item *it, double *warn_lt,
    double *warn_gt, double *crit_lt, double *crit_gt, double *min,
    double *max);

#endif /* PERFDATA_H */
