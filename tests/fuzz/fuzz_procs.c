/*
 * fuzz_procs.c: fuzz harness of the PM2 plugin's process list, grouping
 * and process:event parsers (input: JSON text as PM2 would send it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/pm2/procs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_procs_group(const struct procs_list *l)
{
	struct procs_apps a;
	size_t i, j, total = 0;
	char err[256];

	if (procs_group(l, &a, err, sizeof(err)) != 0)
		return;
	for (i = 0; i < a.n; i++) {
		if (a.v[i].n == 0 || procs_app_find(&a, a.v[i].name) == NULL)
			abort();
		for (j = 0; j < a.v[i].n; j++) {
			if (strcmp(a.v[i].inst[j]->name, a.v[i].name) != 0)
				abort();
			if (j > 0 &&
			    a.v[i].inst[j - 1]->pm_id > a.v[i].inst[j]->pm_id)
				abort();
		}
		if (i > 0 && a.v[i - 1].first >= a.v[i].first)
			abort();
		total += a.v[i].n;
	}
	if (total != l->n)
		abort();
	procs_apps_free(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct procs_list l;
	struct procs_event ev;
	char err[256];
	size_t i;

	if (procs_parse_text(text, size, &l, err, sizeof(err)) == 0) {
		for (i = 0; i < l.n; i++) {
			if (l.v[i].name == NULL || l.v[i].pm_id < 0 ||
			    l.v[i].namespace == NULL ||
			    l.v[i].pm_exec_path == NULL)
				abort();
			(void)procs_gave_up(&l.v[i]);
			(void)procs_status_name(l.v[i].status);
		}
		fuzz_procs_group(&l);
		procs_list_free(&l);
	} else if (err[0] == '\0')
		abort();
	if (procs_event_parse_text(text, size, &ev, err, sizeof(err)) == 0) {
		if (ev.event == NULL || ev.name == NULL)
			abort();
		procs_event_free(&ev);
	}
	return 0;
}
