/* Fuzz harness for the tarball reader: the whole verify path (digest, gzip, strict tar
 * framing, libarchive entries, manifest checks, report and summary) on arbitrary bytes.
 * Anything wrong with the input must come back as a failed check, never a crash or an
 * operational error. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../checks/integrity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_verify_opts o;
	struct ns_err err;
	json_t *report = NULL;
	FILE *devnull;
	int fd, r;

	fd = memfd_create("fuzz_tar", MFD_CLOEXEC);
	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	ns_verify_opts_init(&o);
	o.max_unpacked = 16 * 1024 * 1024; /* keep each run short */
	o.expect_name = "demo-pkg";
	o.expect_version = "1.0.0";
	r = ns_verify_fd(fd, &o, &report, &err);
	close(fd);
	if (r < 0 || report == NULL) {
		fprintf(stderr, "fuzz_tar: operational error on fuzz input: %s\n", err.msg);
		abort();
	}
	devnull = fopen("/dev/null", "w");
	if (devnull != NULL) {
		ns_verify_print_summary(devnull, report);
		fclose(devnull);
	}
	json_decref(report);
	return 0;
}
