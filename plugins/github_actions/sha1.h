/*
 * sha1.h: SHA-1 and git's blob id, so a working file can be compared with
 * the blob HEAD holds without asking git, and snapshots share git's names.
 */
#ifndef GHA_SHA1_H
#define GHA_SHA1_H

#include <stddef.h>
#include <stdint.h>

struct sha1_ctx {
	uint32_t h[5];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};

void sha1_init(struct sha1_ctx *c);
void sha1_update(struct sha1_ctx *c, const void *data, size_t len);
void sha1_final(struct sha1_ctx *c, unsigned char out[20]);

/* git hash-object: SHA-1 of "blob LEN\0" DATA, as 40 hex digits + NUL. */
void sha1_git_blob(const void *data, size_t len, char hex[41]);

#endif /* GHA_SHA1_H */
