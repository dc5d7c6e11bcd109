/* bad_exit: the second check of its process calls exit(1). */
#include "bad.h"

static void
exit_check(void *ctx, struct rdd_check *c)
{
	struct bad *b = ctx;

	if (++b->checks >= 2)
		exit(1);
	bad_ok(b, c);
}

BAD_PLUGIN("bad_exit", exit_check);
