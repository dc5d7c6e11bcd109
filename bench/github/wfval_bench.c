/*
 * wfval_bench.c: validation throughput of wfval: every file given is read
 * into memory once, then validated over and over for about two seconds.
 * usage: wfval_bench FILE...   prints files/s, MB/s and the verdicts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugins/github_actions/wfval.h"

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char **buf;
	size_t *len, total = 0, nfiles = 0, n;
	int i, sev, errors = 0, lint = 0, rounds = 0;
	double t0, t;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: wfval_bench FILE...\n");
		return 2;
	}
	buf = calloc((size_t)argc, sizeof(*buf));
	len = calloc((size_t)argc, sizeof(*len));
	for (i = 1; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			return 2;
		}
		fseek(f, 0, SEEK_END);
		n = (size_t)ftell(f);
		rewind(f);
		buf[i] = malloc(n + 1);
		len[i] = fread(buf[i], 1, n, f);
		fclose(f);
		total += len[i];
	}
	t0 = bench_now();
	do {
		for (i = 1; i < argc; i++) {
			struct wf_diag *d = NULL;
			size_t nd = 0;

			sev =
			    wfval_check(buf[i], len[i], argv[i], &d, &nd, NULL);
			wfval_diags_free(d, nd);
			if (rounds == 0) {
				errors += sev == WF_SEV_ERROR;
				lint += sev == WF_SEV_LINT;
			}
			nfiles++;
		}
		rounds++;
		t = bench_now() - t0;
	} while (t < 2.0);
	printf("corpus: %d files, %.1f KiB (%d invalid, %d lint only)\n",
	    argc - 1, (double)total / 1024.0, errors, lint);
	printf("validation: %.0f files/s, %.2f MB/s (%d rounds in %.2f s)\n",
	    (double)nfiles / t, (double)total * rounds / t / 1e6, rounds, t);
	for (i = 1; i < argc; i++)
		free(buf[i]);
	free(buf);
	free(len);
	return 0;
}
