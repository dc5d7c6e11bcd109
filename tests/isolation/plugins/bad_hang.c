/* bad_hang: the second check of its process blocks for 30 s. */
#include <unistd.h>

#include "bad.h"

static void
hang_check(void *ctx, struct rdd_check *c)
{
	struct bad *b = ctx;

	if (++b->checks >= 2)
		sleep(30);
	bad_ok(b, c);
}

BAD_PLUGIN("bad_hang", hang_check);
