/* bad_twice: check_done twice, and a report after the first check_done. */
#include "bad.h"

static void
twice_check(void *ctx, struct rdd_check *c)
{
	struct bad *b = ctx;

	b->checks++;
	b->host->report(c, "t", RDD_OK, "t OK", NULL, 0);
	b->host->check_done(c);
	b->host->report(c, "t", RDD_CRITICAL, "reported after check_done",
	    NULL, 0);
	b->host->check_done(c);
}

BAD_PLUGIN("bad_twice", twice_check);
