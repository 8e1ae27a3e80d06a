/* Fuzz target: ns_sanitize, the one filter between package text and the approver's
 * screen. Input: two bytes of cap (1..4096), then the text (cut at a NUL). Checks
 * what callers rely on: the output is bounded, printable, valid UTF-8 in which the
 * sanitiser itself finds nothing to escape (so no control, invisible or blank code
 * point, and no run of spaces, got through), and ns_sanitized_len says whether it
 * was cut. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src, *out, *again;
	size_t cap, len, i, want;

	if (size < 2 || size > 65536)
		return 0;
	cap = 1 + ((size_t)data[0] << 8 | data[1]) % 4096;
	src = malloc(size - 1);
	out = malloc(cap);
	again = malloc(cap + 1);
	if (src == NULL || out == NULL || again == NULL)
		abort();
	memcpy(src, data + 2, size - 2);
	src[size - 2] = '\0';
	ns_sanitize(out, cap, src);
	len = strlen(out);
	if (len >= cap)
		abort(); /* bounded, NUL-terminated */
	for (i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort(); /* one printable line */
	ns_sanitize(again, cap + 1, out);
	if (strcmp(again, out) != 0)
		abort(); /* nothing left to escape */
	want = ns_sanitized_len(src);
	if (want < cap && len != want)
		abort(); /* fits: shown whole */
	if (want >= cap && cap >= 4 && (len < 3 || memcmp(out + len - 3, "...", 3) != 0))
		abort(); /* cut: visibly */
	free(src);
	free(out);
	free(again);
	return 0;
}
