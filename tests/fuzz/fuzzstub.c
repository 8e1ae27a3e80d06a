/* main() for fuzz harnesses outside libFuzzer: replays every file of the
 * directories (or the files) given as arguments through LLVMFuzzerTestOneInput,
 * so make check runs each harness over its corpus. Without arguments it replays
 * FUZZ_CORPUS, set by the build. An empty replay is a failure. */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_INPUT (8 * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	unsigned char *buf;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "fuzzstub: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(FUZZ_MAX_INPUT)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, FUZZ_MAX_INPUT, f);
	fclose(f);
	/* a fresh, exact-size copy so ASan sees reads past the end */
	{
		unsigned char *exact = malloc(n > 0 ? n : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, n);
		free(buf);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	return 0;
}

static int
run_path(const char *path, size_t *count)
{
	struct dirent *de;
	struct stat st;
	char child[4096];
	DIR *d;
	int r = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzzstub: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (run_file(path) < 0)
			return -1;
		(*count)++;
		return 0;
	}
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "fuzzstub: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >=
		    sizeof(child))
			r = -1;
		else
			r = run_path(child, count);
	}
	closedir(d);
	return r;
}

int
main(int argc, char **argv)
{
	size_t count = 0;

	if (argc < 2) {
#ifdef FUZZ_CORPUS
		static char corpus[] = FUZZ_CORPUS;
		static char *dflt[] = { NULL, corpus, NULL };

		dflt[0] = argv[0];
		argv = dflt;
		argc = 2;
#else
		fprintf(stderr, "usage: %s corpus-dir-or-file...\n", argv[0]);
		return 2;
#endif
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count) < 0)
			return 1;
	if (count == 0) {
		fprintf(stderr, "fuzzstub: no inputs replayed\n");
		return 1;
	}
	printf("fuzzstub: %zu inputs replayed\n", count);
	return 0;
}
