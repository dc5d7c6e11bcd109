/* bad_nodone: reports "t" OK and never calls check_done. */
#include "bad.h"

static void
nodone_check(void *ctx, struct rdd_check *c)
{
	struct bad *b = ctx;

	b->checks++;
	b->host->report(c, "t", RDD_OK, "t OK", NULL, 0);
}

BAD_PLUGIN("bad_nodone", nodone_check);
