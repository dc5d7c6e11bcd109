/*
 * bad_ctor: a valid descriptor, but a constructor that aborts: it runs in
 * dlopen, before the host can look at the descriptor.
 */
#include "bad.h"

__attribute__((constructor)) static void
ctor_abort(void)
{
	abort();
}

static void
ctor_check(void *ctx, struct rdd_check *c)
{
	bad_ok(ctx, c);
}

BAD_PLUGIN("bad_ctor", ctor_check);
