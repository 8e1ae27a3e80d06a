/* Stage ids are UUIDs: generated here for local stages, validated before any
 * registry id is put into a URL or a file name. */
#ifndef NS_UUID_H
#define NS_UUID_H

#include <stddef.h>

#include "nserr.h"

int uuid_v4(char *out, size_t cap, struct ns_err *err);
/* npm's check: ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$, case-insensitive. */
int uuid_valid(const char *s);

#endif
