/* bad_segv: a NULL dereference in the second check of its process. */
#include "bad.h"

static void
segv_check(void *ctx, struct rdd_check *c)
{
	struct bad *b = ctx;

	if (++b->checks >= 2) {
		volatile int *volatile p = NULL;

		*p = 1;
	}
	bad_ok(b, c);
}

BAD_PLUGIN("bad_segv", segv_check);
