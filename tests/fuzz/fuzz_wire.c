/*
 * fuzz_wire.c: fuzz harness for what a worker may send the master: one
 * datagram, a message a line, through the master's dispatch and engine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "daemon/daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	int ready;
	struct rdd_daemon d;
	struct rdd_plugin pi;
	char dir[64];
} fz;

static const char *const fz_actions[] = { "restart", "start", NULL };

static void
fz_setup(void)
{
	struct errlist errs = { 0 };
	struct log_conf lc = { 0 };
	char path[128], err[RDD_ERRLEN];
	FILE *f;
	size_t i;

	lc.level = RDD_LOG_ERR;
	(void)log_setup(&lc, err, sizeof(err));
	snprintf(fz.dir, sizeof(fz.dir), "/tmp/rdd-fzw.XXXXXX");
	if (mkdtemp(fz.dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/c.conf", fz.dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fprintf(f, "daemon: { plugin_dir = \"%s\"; state_dir = \"%s\"; "
	    "log_dir = \"%s\"; control_socket = \"%s/s\"; };\n"
	    "monitors = ( { name = \"a\"; plugin = \"p\"; }, "
	    "{ name = \"b\"; plugin = \"p\"; depends_on = [\"a\"]; } );\n",
	    fz.dir, fz.dir, fz.dir, fz.dir);
	fclose(f);
	fz.d.conf = conf_load(path, &errs);
	if (fz.d.conf == NULL)
		abort();
	fz.pi.name = "p";
	fz.pi.version = "1";
	fz.pi.actions = fz_actions;
	for (i = 0; i < fz.d.conf->nmon; i++)
		fz.d.conf->mon[i].pd = &fz.pi;
	fz.d.base = event_base_new();
	if (monitors_create(&fz.d, &errs) != 0 || fz.d.nwk != 1)
		abort();
	fz.ready = 1;
}

static void
fz_feed(void *arg, json_object *o)
{
	workers_feed(arg, o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct worker *wk;
	json_object *o;
	size_t i;

	if (!fz.ready)
		fz_setup();
	wk = fz.d.wk[0];
	/* A running worker with a check in flight on each monitor. */
	wk->state = WK_RUNNING;
	for (i = 0; i < fz.d.nmon; i++) {
		struct monitor *m = fz.d.mon[i];

		m->ready = 1;
		if (m->cur == NULL && (m->cur = calloc(1, sizeof(*m->cur)))) {
			m->cur->m = m;
			m->cur->id = i + 1;
		}
	}
	/* Whole, as one message, and as the datagram of lines it may be. */
	if ((o = wire_decode((const char *)data, size)) != NULL) {
		workers_feed(wk, o);
		json_object_put(o);
	}
	(void)wire_decode_each((const char *)data, size, fz_feed, wk);
	return 0;
}

