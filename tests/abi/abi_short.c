/*
 * abi_short.c: a descriptor that declares 8 bytes, far below ABI 1.0's; the
 * loader must refuse it without reading past the header.
 */
#include <stdint.h>

#include "redundancyd/rdd_plugin.h"

struct short_desc {
	uint32_t magic;
	uint16_t abi_major;
	uint16_t abi_minor;
	uint32_t size;
};

RDD_EXPORT const struct short_desc rdd_plugin = {
    RDD_PLUGIN_MAGIC,
    RDD_ABI_MAJOR,
    RDD_ABI_MINOR,
    8,
};
