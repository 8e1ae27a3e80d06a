/* Fuzz target: version and range parsing. Input: one flags byte, then
 * "version\nrange\nother" (missing parts are empty). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "semver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *v, *r, *w, *nl;
	char out[NS_SEMVER_VERSION_BUF];
	struct ns_semver a, b;
	int flags;

	if (size < 1 || size > 16384)
		return 0;
	flags = data[0] & 3;
	if ((buf = malloc(size)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	v = buf;
	r = w = "";
	if ((nl = strchr(v, '\n')) != NULL) {
		*nl = '\0';
		r = nl + 1;
		if ((nl = strchr(r, '\n')) != NULL) {
			*nl = '\0';
			w = nl + 1;
		}
	}
	(void)ns_semver_satisfies(v, r, flags);
	free(ns_semver_valid_range(r, flags));
	(void)ns_semver_clean(v, flags, out, sizeof(out));
	if (ns_semver_parse(&a, v, flags) == 0 && ns_semver_parse(&b, w, flags) == 0) {
		int c1 = ns_semver_compare(&a, &b), c2 = ns_semver_compare(&b, &a);

		if (c1 != -c2)
			abort(); /* precedence must be antisymmetric */
	}
	free(buf);
	return 0;
}
