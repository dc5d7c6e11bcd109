/*
 * abi_nosym.c: exports a misspelt descriptor and no rdd_plugin symbol; the
 * loader must refuse it.
 */
#include <stddef.h>

#include "redundancyd/rdd_plugin.h"

RDD_EXPORT const struct rdd_plugin rdd_plugin_v1 = {
    RDD_PLUGIN_HEADER,
    .name = "nosym",
};
