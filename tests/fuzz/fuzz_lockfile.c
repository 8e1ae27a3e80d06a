/* Fuzz target: lockfile parsing, node_modules resolution and path reporting. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "lockfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_lock lock;
	struct ns_err err;
	size_t i;

	if (ns_lock_parse((const char *)data, size, &lock, &err) < 0)
		return 0;
	if (ns_lock_resolve(&lock, &err) == 0) {
		for (i = 0; i < lock.n; i++) {
			json_t *p = ns_lock_paths(&lock, i, 10);

			(void)ns_lock_is_direct(&lock, i);
			json_decref(p);
		}
	}
	ns_lock_free(&lock);
	return 0;
}
