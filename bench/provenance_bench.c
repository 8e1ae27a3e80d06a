/* bench/provenance's in-process driver: loads the trust material once, then times
 * ns_prov_verify of one bundle against a tarball's SHA-512 N times and prints the
 * first, best and median per-call times in milliseconds as JSON. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "sigstore.h"

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
	struct ns_trust t;
	struct ns_regkeys k;
	struct ns_err err = { "" };
	struct ns_prov_policy pol = { NULL, NULL, NULL, NULL };
	struct ns_prov_expect ex;
	char sri[NS_SRI_SHA512_LEN + 1], sha1[41], hex[129], *buf;
	unsigned char *raw;
	size_t len, rawlen;
	double *ms, t0, load;
	int n, i, fd;

	if (argc != 8 || (n = atoi(argv[7])) < 1 || n > 100000) {
		fprintf(stderr, "usage: provenance_bench ROOT KEYS BUNDLE TARBALL NAME VERSION N\n");
		return 2;
	}
	t0 = now_ms();
	if (ns_trust_load(argv[1], &t, &err) != 0 || ns_regkeys_load(argv[2], &k, &err) != 0 ||
	    ns_read_small_file(argv[3], &buf, &len, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	load = now_ms() - t0;
	if ((fd = open(argv[4], O_RDONLY | O_CLOEXEC)) < 0 ||
	    ns_digest_fd(fd, sri, sha1, &err) < 0 ||
	    ns_b64_decode(sri + 7, strlen(sri + 7), &raw, &rawlen) != 0 || rawlen != 64)
		return 1;
	close(fd);
	ns_hex(raw, 64, hex);
	free(raw);
	ex.name = argv[5];
	ex.version = argv[6];
	ex.sha512_hex = hex;
	if ((ms = calloc((size_t)n, sizeof(*ms))) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		json_t *report = NULL;
		int r;

		t0 = now_ms();
		r = ns_prov_verify(buf, len, &t, &k, &ex, &pol, &report, &err);
		ms[i] = now_ms() - t0;
		json_decref(report);
		if (r != 0) {
			fprintf(stderr, "verification failed (%d)\n", r);
			return 1;
		}
	}
	printf("{\"load_ms\":%.3f,\"first_ms\":%.3f,", load, ms[0]);
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	printf("\"best_ms\":%.3f,\"median_ms\":%.3f}\n", ms[0], ms[n / 2]);
	free(ms);
	free(buf);
	ns_regkeys_free(&k);
	ns_trust_free(&t);
	return 0;
}
