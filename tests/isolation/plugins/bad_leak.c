/* bad_leak: every check leaks 1 MiB, touched so that it is resident. */
#include <string.h>

#include "bad.h"

#define LEAK (1024 * 1024)

/* Reachable from a global, so nothing can prove the blocks dead. */
void *volatile bad_leak_last;

static void
leak_check(void *ctx, struct rdd_check *c)
{
	struct bad *b = ctx;
	void **blk;

	b->checks++;
	if ((blk = malloc(LEAK)) != NULL) {
		memset(blk, 0xa5, LEAK);
		blk[0] = bad_leak_last; /* a chain of every block */
		bad_leak_last = blk;
	}
	bad_ok(b, c);
}

BAD_PLUGIN("bad_leak", leak_check);
