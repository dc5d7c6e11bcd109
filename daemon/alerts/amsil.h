/*
 * amsil.h: Alertmanager silences that pause monitors (amsil.c): those
 * with redundancyd_pause="true" whose matchers hold on this host.
 */
#ifndef RDD_ALERTS_AMSIL_H
#define RDD_ALERTS_AMSIL_H

#include <stddef.h>
#include <stdint.h>

/* Who we are, in labels. */
struct amsil_who {
	const char *host, *environment;
	const char *const *monitors;
	size_t nmonitors;
};

/* One pause: monitor NULL pauses every monitor of the host. */
struct amsil_pause {
	char *monitor, *id, *by, *comment;
	int64_t until_wall;
};

/*
 * The pauses in a GET /api/v2/silences reply (len bytes): active
 * silences ending after now whose matchers all hold on who's labels
 * (host, environment, monitor; anchored regexes as Alertmanager's) and
 * one of which is redundancyd_pause="true"; a matcher on any other label
 * makes a silence no pause. 0, or -1 with err saying why.
 */
int amsil_pauses(const char *body, size_t len, const struct amsil_who *who,
    int64_t now_wall, struct amsil_pause **out, size_t *nout, char *err,
    size_t errlen);
void amsil_free(struct amsil_pause *v, size_t n);

#endif /* RDD_ALERTS_AMSIL_H */
