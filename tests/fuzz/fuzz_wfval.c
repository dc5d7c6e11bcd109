/*
 * fuzz_wfval.c: libFuzzer entry for the workflow validator; checks that
 * every result is well formed, not just that nothing crashes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/github_actions/wfval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wf_diag *d = NULL;
	struct wf_info info;
	char line[256];
	size_t nd = 0, i, j;
	int sev, worst = WF_SEV_NONE;

	sev = wfval_check((const char *)data, size, "fuzz.yml", &d, &nd, &info);
	if (sev < 0)
		return 0; /* out of memory is an allowed answer */
	for (i = 0; i < nd; i++) {
		if (d[i].line == 0 || d[i].col == 0 || d[i].rule == NULL ||
		    d[i].message == NULL || strchr(d[i].message, '\n'))
			abort();
		if (i > 0 &&
		    (d[i].line < d[i - 1].line || (d[i].line == d[i - 1].line &&
		                                      d[i].col < d[i - 1].col)))
			abort(); /* promised sorted */
		if ((int)d[i].severity > worst)
			worst = d[i].severity;
		wfval_format(line, sizeof(line), &d[i]);
	}
	/* Past the diagnostic cap the worst may come from a dropped one. */
	if (worst > sev || (nd < 500 && worst != sev))
		abort();
	for (i = 0; i < info.njobs; i++) {
		if (info.jobs[i].id == NULL)
			abort();
		for (j = 0; j < info.jobs[i].nsteps; j++)
			(void)strlen(info.jobs[i].steps[j].run
			                 ? info.jobs[i].steps[j].run
			                 : "");
	}
	wfval_diags_free(d, nd);
	wfval_info_free(&info);
	/* The quiet form must give the same verdict. */
	if (wfval_check((const char *)data, size, NULL, NULL, NULL, NULL) !=
	    sev)
		abort();
	return 0;
}
