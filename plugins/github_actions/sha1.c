/*
 * sha1.c: FIPS 180-4 SHA-1, used only as git's object naming (never for
 * security): the id of a workflow's content in git and in the snapshot store.
 */
#include <stdio.h>
#include <string.h>

#include "sha1.h"

#define SHA1_ROL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))

static void
sha1_block(struct sha1_ctx *c, const unsigned char *p)
{
	uint32_t w[80], a, b, d, e, f, k, t, cc;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = SHA1_ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = c->h[0];
	b = c->h[1];
	cc = c->h[2];
	d = c->h[3];
	e = c->h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & cc) | (~b & d);
			k = 0x5A827999u;
		} else if (i < 40) {
			f = b ^ cc ^ d;
			k = 0x6ED9EBA1u;
		} else if (i < 60) {
			f = (b & cc) | (b & d) | (cc & d);
			k = 0x8F1BBCDCu;
		} else {
			f = b ^ cc ^ d;
			k = 0xCA62C1D6u;
		}
		t = SHA1_ROL(a, 5) + f + e + k + w[i];
		e = d;
		d = cc;
		cc = SHA1_ROL(b, 30);
		b = a;
		a = t;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += cc;
	c->h[3] += d;
	c->h[4] += e;
}

void
sha1_init(struct sha1_ctx *c)
{
	c->h[0] = 0x67452301u;
	c->h[1] = 0xEFCDAB89u;
	c->h[2] = 0x98BADCFEu;
	c->h[3] = 0x10325476u;
	c->h[4] = 0xC3D2E1F0u;
	c->len = 0;
	c->nbuf = 0;
}

void
sha1_update(struct sha1_ctx *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n;

	c->len += (uint64_t)len;
	while (len > 0) {
		n = 64 - c->nbuf;
		if (n > len)
			n = len;
		memcpy(c->buf + c->nbuf, p, n);
		c->nbuf += n;
		p += n;
		len -= n;
		if (c->nbuf == 64) {
			sha1_block(c, c->buf);
			c->nbuf = 0;
		}
	}
}

void
sha1_final(struct sha1_ctx *c, unsigned char out[20])
{
	uint64_t bits = c->len * 8;
	unsigned char pad = 0x80, zero = 0, lenb[8];
	int i;

	sha1_update(c, &pad, 1);
	while (c->nbuf != 56)
		sha1_update(c, &zero, 1);
	for (i = 0; i < 8; i++)
		lenb[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_update(c, lenb, 8);
	for (i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void
sha1_git_blob(const void *data, size_t len, char hex[41])
{
	static const char digits[] = "0123456789abcdef";
	struct sha1_ctx c;
	unsigned char md[20];
	char head[40];
	int n, i;

	n = snprintf(head, sizeof(head), "blob %zu", len);
	sha1_init(&c);
	sha1_update(&c, head, (size_t)n + 1); /* with its NUL */
	sha1_update(&c, data, len);
	sha1_final(&c, md);
	for (i = 0; i < 20; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[40] = '\0';
}
