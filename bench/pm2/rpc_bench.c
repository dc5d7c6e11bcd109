/*
 * rpc_bench.c: reads PM2's whole state N times over rpc.sock
 * (getMonitorData, parsed into process structs, as the plugin does) and
 * prints the median and p90 in ms. A bench tool: blocking I/O is fine.
 * Usage: rpc_bench PM2_HOME N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "plugins/pm2/amp.h"
#include "plugins/pm2/procs.h"
#include "plugins/pm2/rpc.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct amp_decoder d;
	struct amp_frame f;
	struct rpc_reply r;
	struct procs_list l;
	struct amp_buf out = {0};
	char id[64], buf[65536], err[256];
	double *t, t0;
	int fd, n, i, got;
	ssize_t k;
	size_t procs = 0;

	if (argc != 3)
		return fprintf(stderr, "usage: rpc_bench PM2_HOME N\n"), 2;
	n = atoi(argv[2]);
	t = calloc((size_t)n, sizeof(*t));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/rpc.sock", argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return perror(sa.sun_path), 1;
	amp_decoder_init(&d, 0);
	for (i = 0; i < n; i++) {
		rpc_format_id(id, sizeof(id), (long)getpid(), (uint64_t)i);
		out.len = 0;
		rpc_get_monitor_data(&out, id);
		t0 = now_ms();
		if (write(fd, out.data, out.len) != (ssize_t)out.len)
			return perror("write"), 1;
		for (got = 0; !got;) {
			int rc = amp_next(&d, &f);

			if (rc < 0)
				return fprintf(stderr, "%s\n", amp_error(&d)),
				       1;
			if (rc == 1) {
				if (rpc_reply_parse(&f, &r, err, sizeof(err)) !=
				    0)
					return fprintf(stderr, "%s\n", err), 1;
				if (strcmp(r.id, id) == 0) {
					if (procs_parse(r.result, &l, err,
					        sizeof(err)) != 0)
						return fprintf(
						           stderr, "%s\n", err),
						       1;
					procs = l.n;
					procs_list_free(&l);
					got = 1;
				}
				rpc_reply_free(&r);
				continue;
			}
			if ((k = read(fd, buf, sizeof(buf))) <= 0)
				return perror("read"), 1;
			amp_feed(&d, buf, (size_t)k);
		}
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("rpc getMonitorData+parse: %zu processes, n=%d, median %.2f ms, "
	       "p90 %.2f ms, min %.2f ms\n",
	    procs, n, t[n / 2], t[(n * 9) / 10], t[0]);
	amp_decoder_free(&d);
	amp_buf_free(&out);
	free(t);
	close(fd);
	return 0;
}
