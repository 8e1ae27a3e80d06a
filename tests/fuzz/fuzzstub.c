/* "fuzzstub": a main() for libFuzzer-style harnesses that replays every file of
 * the corpus directories given as arguments (or FUZZ_CORPUS, compiled in), so
 * each harness runs in `make check` without a fuzzing engine. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZSTUB_MAX_INPUT (8u << 20)

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	if ((buf = malloc(FUZZSTUB_MAX_INPUT)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, FUZZSTUB_MAX_INPUT, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int
replay_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	if (d == NULL) {
		perror(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (replay_file(path) < 0) {
			closedir(d);
			return -1;
		}
		(*count)++;
	}
	closedir(d);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t count = 0;
	int i;

	if (argc < 2) {
#ifdef FUZZ_CORPUS
		if (replay_dir(FUZZ_CORPUS, &count) < 0)
			return 1;
#else
		fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
		return 2;
#endif
	}
	for (i = 1; i < argc; i++)
		if (replay_dir(argv[i], &count) < 0)
			return 1;
	printf("%s: replayed %zu inputs\n", argv[0], count);
	return count > 0 ? 0 : 1;
}
