/*
 * redact.c: masks registered secrets and well-known token shapes in text
 * before any byte of it reaches a log file, the journal or a reply.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, explicit_bzero */
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rdd.h"

#define REDACT_MARK "[REDACTED]"
#define REDACT_MIN 4	/* shorter strings would mask ordinary words */

struct redact_secret {
	char *s;
	size_t len;
	size_t *fail;	/* KMP failure function: linear overlapping search */
};

/* Process-wide like stderr: every writer must see the same secrets. */
static struct redact_secret *redact_secrets;
static size_t redact_nsecrets;

void
redact_add(const char *secret)
{
	struct redact_secret *v, n;
	size_t i, k;

	if (secret == NULL || (n.len = strlen(secret)) < REDACT_MIN)
		return;
	for (i = 0; i < redact_nsecrets; i++)
		if (strcmp(redact_secrets[i].s, secret) == 0)
			return;
	n.s = strdup(secret);
	n.fail = reallocarray(NULL, n.len, sizeof(*n.fail));
	v = (n.s != NULL && n.fail != NULL) ? reallocarray(redact_secrets,
	    redact_nsecrets + 1, sizeof(*v)) : NULL;
	if (v == NULL) {
		free(n.s);
		free(n.fail);
		return;
	}
	n.fail[0] = 0;
	for (i = 1, k = 0; i < n.len; i++) {
		while (k > 0 && n.s[i] != n.s[k])
			k = n.fail[k - 1];
		if (n.s[i] == n.s[k])
			k++;
		n.fail[i] = k;
	}
	v[redact_nsecrets++] = n;
	redact_secrets = v;
}

void
redact_clear(void)
{
	size_t i;

	for (i = 0; i < redact_nsecrets; i++) {
		/* Do not leave the secret lying in freed heap memory. */
		explicit_bzero(redact_secrets[i].s, redact_secrets[i].len);
		free(redact_secrets[i].s);
		free(redact_secrets[i].fail);
	}
	free(redact_secrets);
	redact_secrets = NULL;
	redact_nsecrets = 0;
}

/* ASCII only: locale-dependent ctype would differ between hosts. */
static int
redact_isalnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Characters of bearer tokens, JWTs, base64 and URL-safe base64. */
static int
redact_istok(unsigned char c)
{
	return redact_isalnum(c) || c == '-' || c == '_' || c == '.' ||
	    c == '~' || c == '+' || c == '/' || c == '=';
}

static int
redact_isspace(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int
redact_isslack(unsigned char c)
{
	return redact_isalnum(c) || c == '-';
}

static int
redact_isghpat(unsigned char c)
{
	return redact_isalnum(c) || c == '_';
}

static int
redact_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive prefix test that never reads past the NUL of s. */
static int
redact_prefix_ci(const char *s, const char *p)
{
	for (; *p != '\0'; s++, p++)
		if (*s == '\0' || redact_lower((unsigned char)*s) !=
		    redact_lower((unsigned char)*p))
			return 0;
	return 1;
}

static size_t
redact_span(const char *s, int (*cls)(unsigned char))
{
	size_t n = 0;

	while (s[n] != '\0' && cls((unsigned char)s[n]))
		n++;
	return n;
}

static void
redact_mark(char *mask, size_t from, size_t to)
{
	if (to > from)
		memset(mask + from, 1, to - from);
}

/*
 * "prefix" + at least min characters of class cls: marks the whole token.
 * Returns the length consumed, 0 if there is no match at s.
 */
static size_t
redact_token(const char *s, const char *prefix, int (*cls)(unsigned char),
    size_t min, char *mask, size_t at)
{
	size_t pl = strlen(prefix), n;

	if (strncmp(s, prefix, pl) != 0)
		return 0;
	n = redact_span(s + pl, cls);
	/* A token that runs to the end may have been cut: less is enough. */
	if (n < min && (s[pl + n] != '\0' || n < REDACT_MIN))
		return 0;
	redact_mark(mask, at, at + pl + n);
	return pl + n;
}

/*
 * Authorization header in any of the usual spellings: a raw header line, a
 * JSON member or a key=value pair. Keeps the scheme, masks the credential.
 */
static size_t
redact_authz(const char *s, char *mask, size_t at)
{
	static const char *schemes[] = { "bearer", "token", "basic", "digest" };
	size_t i = strlen("authorization"), j, n;

	if (!redact_prefix_ci(s, "authorization"))
		return 0;
	if (s[i] == '"' || s[i] == '\'')
		i++;
	while (redact_isspace((unsigned char)s[i]))
		i++;
	if (s[i] != ':' && s[i] != '=')
		return 0;
	i++;
	while (redact_isspace((unsigned char)s[i]))
		i++;
	if (s[i] == '"' || s[i] == '\'')
		i++;
	for (j = 0; j < sizeof(schemes) / sizeof(schemes[0]); j++) {
		n = strlen(schemes[j]);
		if (redact_prefix_ci(s + i, schemes[j]) &&
		    redact_isspace((unsigned char)s[i + n])) {
			i += n;
			while (redact_isspace((unsigned char)s[i]))
				i++;
			break;
		}
	}
	/* Unknown scheme: the whole first word is the credential. */
	n = 0;
	while (s[i + n] != '\0' && !redact_isspace((unsigned char)s[i + n]) &&
	    s[i + n] != '"' && s[i + n] != '\'' && s[i + n] != ',' &&
	    s[i + n] != ';' && s[i + n] != '\r' && s[i + n] != '\n')
		n++;
	if (n == 0)
		return i;
	redact_mark(mask, at + i, at + i + n);
	return i + n;
}

static size_t
redact_bearer(const char *s, char *mask, size_t at)
{
	size_t i = strlen("bearer"), n;

	if (!redact_prefix_ci(s, "bearer") ||
	    !redact_isspace((unsigned char)s[i]))
		return 0;
	while (redact_isspace((unsigned char)s[i]))
		i++;
	n = redact_span(s + i, redact_istok);
	if (n < 16)
		return 0;
	redact_mark(mask, at + i, at + i + n);
	return i + n;
}

/* scheme://user:PASSWORD@host: masks PASSWORD. s points at "://". */
static size_t
redact_userinfo(const char *s, char *mask, size_t at)
{
	size_t i = 3, end, colon = 0, at_sign = 0;

	for (end = i; s[end] != '\0'; end++) {
		unsigned char c = (unsigned char)s[end];

		if (c == '/' || c == '?' || c == '#' || c <= ' ' ||
		    c == '"' || c == '\'' || c == '<' || c == '>')
			break;
		if (c == '@')
			at_sign = end;	/* the last '@' ends the userinfo */
	}
	if (at_sign == 0)
		return 0;
	for (i = 3; i < at_sign; i++)
		if (s[i] == ':') {
			colon = i;
			break;
		}
	if (colon == 0 || colon + 1 == at_sign)
		return 0;
	redact_mark(mask, at + colon + 1, at + at_sign);
	return at_sign + 1;
}

/*
 * Marks every occurrence, overlapping ones included, in O(len); and a
 * piece of the secret cut at either end of s (by a plugin's or a buffer's
 * length limit): the first 25 of 26 characters are a leak too.
 */
static void
redact_secret(const char *s, size_t len, const struct redact_secret *sec,
    char *mask)
{
	size_t i, k = 0, done = 0, start, n;

	for (i = 0; i < len; i++) {
		while (k > 0 && s[i] != sec->s[k])
			k = sec->fail[k - 1];
		if (s[i] == sec->s[k])
			k++;
		if (k == sec->len) {
			start = i + 1 - sec->len;
			redact_mark(mask, start > done ? start : done, i + 1);
			done = i + 1;
			k = sec->fail[k - 1];
		}
	}
	/* k: the longest head of the secret that s ends with. */
	if (k >= REDACT_MIN)
		redact_mark(mask, len - k, len);
	/* The longest tail of the secret that s starts with. */
	for (n = sec->len - 1 < len ? sec->len - 1 : len; n >= REDACT_MIN; n--)
		if (memcmp(s, sec->s + sec->len - n, n) == 0) {
			redact_mark(mask, 0, n);
			break;
		}
}

static void
redact_shapes(const char *s, char *mask)
{
	static const char *gh[] = { "ghp_", "gho_", "ghu_", "ghs_", "ghr_" };
	size_t i = 0, n, k;
	unsigned char c;

	while (s[i] != '\0') {
		c = (unsigned char)s[i];
		n = 0;
		switch (c) {
		case 'g':
			for (k = 0; n == 0 && k < sizeof(gh) / sizeof(gh[0]);
			    k++)
				n = redact_token(s + i, gh[k], redact_isalnum,
				    20, mask, i);
			if (n == 0)
				n = redact_token(s + i, "github_pat_",
				    redact_isghpat, 20, mask, i);
			break;
		case 'n':
			n = redact_token(s + i, "nfp_", redact_isalnum, 20,
			    mask, i);
			break;
		case 'x':
			if (strncmp(s + i, "xox", 3) == 0 && s[i + 3] != '\0' &&
			    strchr("abprs", s[i + 3]) != NULL &&
			    s[i + 4] == '-') {
				k = redact_span(s + i + 5, redact_isslack);
				if (k >= 8) {
					n = 5 + k;
					redact_mark(mask, i, i + n);
				}
			}
			break;
		case 'a':
		case 'A':
			n = redact_authz(s + i, mask, i);
			break;
		case 'b':
		case 'B':
			n = redact_bearer(s + i, mask, i);
			break;
		case ':':
			if (s[i + 1] == '/' && s[i + 2] == '/')
				n = redact_userinfo(s + i, mask, i);
			break;
		}
		i += n > 0 ? n : 1;
	}
}

char *
redact_str(const char *s)
{
	char *mask, *out, *o;
	size_t len, i, outlen, nsecret;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if ((mask = calloc(len + 1, 1)) == NULL)
		return NULL;
	for (nsecret = 0; nsecret < redact_nsecrets; nsecret++)
		redact_secret(s, len, &redact_secrets[nsecret], mask);
	redact_shapes(s, mask);

	/* Each run of masked bytes becomes one marker. */
	outlen = 0;
	for (i = 0; i < len; i++) {
		if (!mask[i])
			outlen++;
		else if (i == 0 || !mask[i - 1])
			outlen += sizeof(REDACT_MARK) - 1;
	}
	if ((out = malloc(outlen + 1)) == NULL) {
		free(mask);
		return NULL;
	}
	o = out;
	for (i = 0; i < len; i++) {
		if (!mask[i])
			*o++ = s[i];
		else if (i == 0 || !mask[i - 1]) {
			memcpy(o, REDACT_MARK, sizeof(REDACT_MARK) - 1);
			o += sizeof(REDACT_MARK) - 1;
		}
	}
	*o = '\0';
	free(mask);
	return out;
}
