/* package/package.json out of a tarball (libarchive, bounded). Runs in the
 * unprivileged child; the full hostile-archive rules are the integrity checks'. */
#ifndef NS_MANIFEST_H
#define NS_MANIFEST_H

#include <jansson.h>

#include "nserr.h"

#define NS_MANIFEST_MAX (1024 * 1024)

/* Reads the tarball from fd (from its current offset); the manifest must occur
 * exactly once and be a JSON object. */
json_t *manifest_read_fd(int fd, struct ns_err *err);

#endif
