/* bad_slow: the second check of its process blocks 5 s, once; then fine. */
#include <unistd.h>

#include "bad.h"

static void
slow_check(void *ctx, struct rdd_check *c)
{
	struct bad *b = ctx;

	if (++b->checks == 2)
		sleep(5);
	bad_ok(b, c);
}

BAD_PLUGIN("bad_slow", slow_check);
