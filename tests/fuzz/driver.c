/*
 * driver.c: runs every file of the corpus directories named on the command
 * line through a fuzz harness's LLVMFuzzerTestOneInput, for make check.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
driver_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		fprintf(stderr, "fuzz driver: %s: cannot read\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	rewind(f);
	/* An exact-size heap copy lets ASan catch a read one byte past. */
	buf = malloc(n ? (size_t)n : 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, runs = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		struct dirent **ents;
		struct stat st;
		int n, j;

		if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode)) {
			bad += driver_file(argv[i]) != 0;
			runs++;
			continue;
		}
		if ((n = scandir(argv[i], &ents, NULL, alphasort)) < 0) {
			fprintf(stderr, "fuzz driver: %s: no corpus here\n",
			    argv[i]);
			return 1;
		}
		for (j = 0; j < n; j++) {
			char path[4096];

			if (ents[j]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", argv[i],
				    ents[j]->d_name);
				bad += driver_file(path) != 0;
				runs++;
			}
			free(ents[j]);
		}
		free(ents);
	}
	printf("fuzz driver: %d inputs, %d unreadable\n", runs, bad);
	return runs == 0 || bad != 0;
}
