/*
 * fuzz_amsil.c: fuzz harness of amsil.c, which reads an Alertmanager's
 * GET /api/v2/silences reply into the monitors it pauses.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/alerts/amsil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const mons[] = {"api", "db", "web-1.api"};
	struct amsil_who who = {"web-1", "production", mons, 3};
	struct amsil_pause *p;
	size_t n, i;
	char err[256];

	if (amsil_pauses((const char *)data, size, &who, 1700000000000LL, &p,
	        &n, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort(); /* a refusal always says why */
		return 0;
	}
	for (i = 0; i < n; i++)
		if (p[i].id == NULL || p[i].until_wall <= 1700000000000LL ||
		    (p[i].monitor != NULL && strcmp(p[i].monitor, "api") != 0 &&
		        strcmp(p[i].monitor, "db") != 0 &&
		        strcmp(p[i].monitor, "web-1.api") != 0))
			abort();
	amsil_free(p, n);
	return 0;
}
