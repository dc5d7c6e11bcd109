/*
 * trend.c: prediction: a least-squares line through a metric's recent
 * samples, and when it crosses a limit ("reaches memory_max in ~14 min").
 */
#include <math.h>
#include <stddef.h>

#include "engine.h"

/*
 * Fit y = a + b t over n samples (t in ms, any origin). Returns 1 when the
 * line rises and crosses limit after the last sample, eta_ms the time from
 * the last sample; 0 when it falls, is flat or already crossed; -1 when n
 * < 2 or all t are equal.
 */
int
trend_fit(const double *t, const double *y, size_t n, double limit,
    double *slope_per_ms, double *eta_ms)
{
	double mt = 0, my = 0, sxx = 0, sxy = 0, b, a, tl, at;
	size_t i;

	if (n < 2)
		return -1;
	for (i = 0; i < n; i++) {
		mt += t[i];
		my += y[i];
	}
	mt /= (double)n;
	my /= (double)n;
	for (i = 0; i < n; i++) {
		sxx += (t[i] - mt) * (t[i] - mt);
		sxy += (t[i] - mt) * (y[i] - my);
	}
	if (sxx <= 0)
		return -1;
	b = sxy / sxx;
	a = my - b * mt;
	*slope_per_ms = b;
	if (!(b > 0) || !isfinite(b))
		return 0;
	tl = t[n - 1];
	at = a + b * tl; /* the fitted value now */
	if (at >= limit) {
		*eta_ms = 0;
		return 1;
	}
	*eta_ms = (limit - at) / b;
	return 1;
}
